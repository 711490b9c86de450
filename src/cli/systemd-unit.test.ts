/**
 * examples/systemd/ts-daq.service (docs/deploy.md): its ExecStart is `daq daemon` where
 * `make install PREFIX=/usr/local` puts it, with flags the real `daq daemon` parses; it restarts on
 * failure, runs as its own user, keeps its data in its state directory and reads tokens from a
 * credential. `systemd-analyze verify` checks the file too where systemd is installed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDaemon } from './commands/daemon.js';

const ROOT = join(import.meta.dirname, '../..');
const UNIT = join(ROOT, 'examples/systemd/ts-daq.service');

/** The keys of each section of a unit file (a key may repeat); comments and blank lines dropped. */
function parseUnit(text: string): Map<string, Map<string, string[]>> {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      current = new Map();
      sections.set(header[1], current);
      return;
    }
    const eq = line.indexOf('=');
    if (current === undefined || eq < 1) throw new Error(`ts-daq.service line ${i + 1}: not a key=value in a section: ${raw}`);
    const key = line.slice(0, eq).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(eq + 1).trim()]);
  });
  return sections;
}

function run(command: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT }, (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }));
  });
}

/** The options `daq daemon ARGS` would run with, parsed by the real command; throws on a bad flag. */
async function parseDaemonArgs(args: string[]): Promise<Record<string, unknown>> {
  const program = new Command('daq').exitOverride();
  registerDaemon(program);
  const daemon = program.commands.find((c) => c.name() === 'daemon');
  if (daemon === undefined) throw new Error('no daemon command');
  daemon.exitOverride().configureOutput({ writeErr: () => undefined });
  let options: Record<string, unknown> = {};
  daemon.action(() => {
    options = daemon.opts();
  });
  await program.parseAsync(['daemon', ...args], { from: 'user' });
  return options;
}

describe('the systemd unit', () => {
  it('starts `daq daemon` from make install with flags daq daemon accepts, as its own user, restarting on failure', async () => {
    const unit = parseUnit(await readFile(UNIT, 'utf8'));
    const service = unit.get('Service');
    expect(service).toBeDefined();
    const value = (key: string): string | undefined => service?.get(key)?.at(-1);
    expect(value('Restart')).toBe('on-failure');
    expect(value('User')).toBe('daq');
    expect(value('StateDirectory')).toBe('ts-daq');
    expect(value('LoadCredential')).toBe('tokens.toml:/etc/ts-daq/tokens.toml');
    expect(unit.get('Install')?.get('WantedBy')).toEqual(['multi-user.target']);

    const words = (value('ExecStart') ?? '').split(/\s+/);
    expect(words.slice(0, 2)).toEqual(['/usr/local/bin/daq', 'daemon']);
    // %d is the credentials directory systemd makes for the service.
    const options = await parseDaemonArgs(words.slice(2).map((w) => w.replaceAll('%d', '/run/credentials/ts-daq.service')));
    expect(options).toMatchObject({ config: '/etc/ts-daq/lab.toml', dataDir: '/var/lib/ts-daq', tokens: '/run/credentials/ts-daq.service/tokens.toml', logFormat: 'json' });
    // A flag daq daemon does not have fails the same parse.
    await expect(parseDaemonArgs(['--config', 'x.toml', '--data-directory', '/var/lib/ts-daq'])).rejects.toThrow(/unknown option '--data-directory'/);

    // `make install PREFIX=/usr/local` links exactly the path ExecStart runs.
    const dryRun = await run('make', ['-n', 'install', 'PREFIX=/usr/local']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stdout).toContain(`ln -sfn ${ROOT}/dist/src/cli/main.js /usr/local/bin/daq`);
  });

  it('passes systemd-analyze verify (where systemd is installed)', { timeout: 60_000 }, async (context) => {
    const which = await run('sh', ['-c', 'command -v systemd-analyze']);
    if (which.code !== 0) return context.skip('systemd-analyze is not installed: the parse above is the check');
    const dir = await mkdtemp(join(tmpdir(), 'daq-unit-'));
    try {
      // verify wants ExecStart to exist: the checkout's build stands in for /usr/local/bin/daq.
      const text = (await readFile(UNIT, 'utf8')).replace('ExecStart=/usr/local/bin/daq', `ExecStart=${join(ROOT, 'dist/src/cli/main.js')}`);
      await writeFile(join(dir, 'ts-daq.service'), text);
      const result = await run('systemd-analyze', ['verify', join(dir, 'ts-daq.service')]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr.split('\n').filter((l) => l.includes('ts-daq.service'))).toEqual([]);
      // The check is real: a misspelt setting in the same file is reported.
      await writeFile(join(dir, 'ts-daq.service'), text.replace('Restart=on-failure', 'Restart=on-falure'));
      const bad = await run('systemd-analyze', ['verify', join(dir, 'ts-daq.service')]);
      expect(bad.stderr).toMatch(/ts-daq\.service:\d+: .*on-falure/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
