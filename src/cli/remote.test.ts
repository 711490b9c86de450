/** The CLI against a real daemon process: `daq run/runs/status/devices/stop --remote`. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/cleanup.fixture.js';

const ROOT = join(import.meta.dirname, '../..');
const DAQ = join(ROOT, 'dist/src/cli/main.js');

function daq(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [DAQ, ...args], { cwd: ROOT, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }),
    );
  });
}

let daemon: ChildProcess;
let address = '';

beforeAll(async () => {
  const dataDir = await tempDir('daq-remote-');
  daemon = spawn('node', [DAQ, 'daemon', '--config', 'examples/lab.toml', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--ring', join(dataDir, 'test.ring'), '--ring-size', '8'], { cwd: ROOT });
  address = await new Promise<string>((resolve, reject) => {
    let out = '';
    daemon.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (\S+)/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    daemon.on('exit', (code) => reject(new Error(`daemon exited with ${code}`)));
  });
});

afterAll(async () => {
  if (daemon.exitCode === null) {
    const exited = new Promise((resolve) => daemon.once('exit', resolve));
    daemon.kill('SIGTERM');
    await exited;
  }
});

describe('daq --remote', () => {
  it('daq run --remote --json runs the script in the daemon and prints the same summary as a local run', async () => {
    const result = await daq(['run', 'examples/simple_scan.js', '--remote', address, '--json', '--param', 'steps=2']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ script: 'simple_scan.js', state: 'finished', exitStatus: 'success', reason: '', numEvents: { scan: 2 }, startedBy: 'local' });
    const local = await daq(['run', 'examples/simple_scan.js', '--config', 'examples/lab.toml', '--sim-time', '--json', '--no-save', '--param', 'steps=2']);
    expect(Object.keys(JSON.parse(local.stdout) as object).sort()).toEqual(Object.keys(summary).sort());
  }, 60_000); // two CLI processes, one running a lab, on a loaded machine

  it('daq runs --json lists each run with uid, state, exit status, reason and events per stream', async () => {
    // a TOML file as a script: a run that fails at its first line (unchecked: the check would refuse it)
    const failing = await daq(['run', join(ROOT, 'examples/lab.toml'), '--remote', address, '--json', '--no-check']);
    expect(failing.code).toBe(1);
    const result = await daq(['runs', '--json'], { DAQ_REMOTE: address });
    expect(result.code).toBe(0);
    const { runs } = JSON.parse(result.stdout) as { runs: Record<string, unknown>[] };
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (const run of runs) expect(Object.keys(run)).toEqual(expect.arrayContaining(['uid', 'state', 'exitStatus', 'reason', 'numEvents']));
    expect(runs.at(-1)).toMatchObject({ script: 'lab.toml', exitStatus: 'fail' });
  });

  it('daq runs RUN --documents prints the Bluesky documents, one [name, doc] a line, frames as stream_resource/stream_datum', async () => {
    const run = await daq(['run', 'examples/simple_scan.js', '--remote', address, '--json', '--param', 'steps=2']);
    const { uid, file } = JSON.parse(run.stdout) as { uid: string; file: string };
    const result = await daq(['runs', uid.slice(0, 8), '--documents', '--remote', address]);
    expect(result.code).toBe(0);
    const pairs = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as [string, Record<string, unknown>]);
    expect(pairs.map(([name]) => name)).toEqual(['start', 'descriptor', 'stream_resource', 'stream_datum', 'event', 'stream_datum', 'event', 'stop']);
    expect(pairs[0]?.[1]).toMatchObject({ uid, script_name: 'simple_scan.js', params: { steps: 2 } });
    expect(pairs[2]?.[1]).toMatchObject({ data_key: 'image', mimetype: 'application/x-hdf5', uri: `file://localhost${file}`, parameters: { dataset: '/entry/data/scan/image' } });
    expect(pairs[4]?.[1]['data']).not.toHaveProperty('image');
    expect(pairs[7]?.[1]).toMatchObject({ run_start: uid, exit_status: 'success', num_events: { scan: 2 } });
  });

  it('daq devices and daq status read the daemon', async () => {
    const devices = await daq(['devices', '--remote', address, '--json']);
    expect((JSON.parse(devices.stdout) as { devices: { name: string }[] }).devices.map((d) => d.name)).toContain('stage');
    const status = await daq(['status', '--remote', address, '--json']);
    expect(JSON.parse(status.stdout)).toMatchObject({ daemon: { lab: 'Simulated optics lab', state: 'idle', role: 'admin' }, currentRun: null, queued: 0 });
  }, 60_000);

  it('a daemon that is not there is a clear error', async () => {
    const result = await daq(['runs', '--remote', '127.0.0.1:1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach the daemon at 127.0.0.1:1');
  }, 60_000);
});

describe('daq tail', () => {
  it("prints a stream's rows from the daemon's ring", async () => {
    const dir = await tempDir('daq-tail-');
    const script = join(dir, 'tail.js');
    await writeFile(script, "for (let i = 0; i < 3; i++) { stage.moveAbs(i); record('tailed', { x: stage.position(), p: power_meter.read() }); }\n");
    const run = await daq(['run', script, '--remote', address, '--json']);
    const { uid } = JSON.parse(run.stdout) as { uid: string };
    const result = await daq(['tail', 'tailed', '--remote', address, '--all', '--json', '-n', '3']);
    expect(result.code).toBe(0);
    const rows = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((r) => [r['run_uid'], r['seq_num'], r['x']])).toEqual([[uid, 1, 0], [uid, 2, 1], [uid, 3, 2]]);
  });
});
