/** `daq run` as a user runs it: the built CLI in a child process (after `make build`). */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const DAQ = join(ROOT, 'dist/src/cli/main.js');

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `daq ...args`; `onStderr` may act on the child as its stderr arrives. */
function daq(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void, cwd = ROOT): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn('node', [DAQ, ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr?.(stderr, child);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function script(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'daq-run-'));
  const file = join(dir, 'experiment.js');
  await writeFile(file, text);
  return file;
}

describe('daq run', () => {
  it('runs examples/simple_scan.js and reports the recorded events as JSON', async () => {
    const result = await daq(['run', 'examples/simple_scan.js', '--config', 'examples/lab.toml', '--json', '--sim-time', '--no-save']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ script: 'examples/simple_scan.js', exitStatus: 'success', reason: '', numEvents: { scan: 10 } });
    expect(summary['uid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(summary['durationS']).toBeGreaterThan(2);
    expect(result.stderr).toContain('scanned 10 points from 0 to 25 mm');
  });

  it('shows a table of recorded values, and passes --param values to the script', async () => {
    const result = await daq(['run', 'examples/simple_scan.js', '--config', 'examples/lab.toml', '--sim-time', '--no-save', '--param', 'steps=3']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/seq\s+position\s+power\s+image/);
    expect(result.stdout).toContain('<1024x1024 uint16>');
    expect(result.stdout).toMatch(/success after [\d.]+ s \(3 in scan\)/);
  });

  it('a failing script exits 1 with the error and the script\'s line on stderr', async () => {
    const file = await script('log("moving");\nstage.moveAbs(75);\n');
    const result = await daq(['run', file, '--config', 'examples/lab.toml', '--sim-time', '--no-save']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stage: position 75 mm is outside the limits 0..50 mm');
    expect(result.stderr).toContain(`${file}:2`);
  });

  it('Ctrl-C (SIGINT) without a terminal aborts the run safely and exits 3', async () => {
    const file = await script('log("started");\ntry { stage.moveAbs(50); sleep(3600); } finally { log("cleaned up"); }\n');
    let sent = false;
    const result = await daq(['run', file, '--config', 'examples/lab.toml', '--json', '--no-save'], (stderr, child) => {
      if (!sent && stderr.includes('started')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ exitStatus: 'abort', reason: 'interrupted (Ctrl-C)' });
    expect(result.stderr).toContain('cleaned up');
  });

  it('saves the run by default in ./daq-data (the daemon\'s default data directory) and says where', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'daq-run-cwd-'));
    const args = ['run', join(ROOT, 'examples/simple_scan.js'), '--config', join(ROOT, 'examples/lab.toml'), '--sim-time', '--param', 'steps=2'];
    const result = await daq(args, undefined, cwd);
    expect(result.code).toBe(0);
    const file = /^file: (.+\.h5) \(data directory daq-data: daq runs --data-dir daq-data\)$/m.exec(result.stdout)?.[1];
    expect(file, result.stdout).toBeDefined();
    expect(file?.startsWith(join(cwd, 'daq-data', 'runs'))).toBe(true);
    expect(existsSync(file as string)).toBe(true);
    const listed = await daq(['runs', '--data-dir', 'daq-data', '--json'], undefined, cwd);
    const runs = (JSON.parse(listed.stdout) as { runs: { file: string; numEvents: Record<string, number>; fileFinished: boolean }[] }).runs;
    expect(runs).toMatchObject([{ file, numEvents: { scan: 2 }, fileFinished: true }]);
    const json = JSON.parse((await daq([...args, '--json'], undefined, cwd)).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ fileFinished: true });
    expect(String(json['file']).startsWith(join(cwd, 'daq-data', 'runs'))).toBe(true);
  }, 120_000); // three CLI processes on a loaded machine

  it('--no-save keeps nothing on disk and says so', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'daq-run-cwd-'));
    const result = await daq(['run', join(ROOT, 'examples/simple_scan.js'), '--config', join(ROOT, 'examples/lab.toml'), '--sim-time', '--no-save', '--param', 'steps=2'], undefined, cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('not saved (--no-save)');
    expect(await readdir(cwd)).toEqual([]);
    const both = await daq(['run', join(ROOT, 'examples/simple_scan.js'), '--config', join(ROOT, 'examples/lab.toml'), '--no-save', '--data-dir', 'x'], undefined, cwd);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give either --data-dir DIR (save the run there) or --no-save, not both');
  }, 120_000);

  it('an unknown script file exits 2', async () => {
    const result = await daq(['run', 'no/such/script.js', '--config', 'examples/lab.toml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('daq: cannot read script no/such/script.js: no such file\n');
  });
});
