/**
 * `daq runs` against a real daemon with tokens: who started each run (the token's name and role),
 * its parameters and its metadata, in the table and in --json, from the daemon and from the
 * data directory's catalog; `daq queue` says who queued a run the same way.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonProcess, ROOT, SCAN_SCRIPT, scanRun, startDaemonProcess, TestProcesses, writeTokens } from '../api/daemon.fixture.js';
import { ControlService } from '../api/gen/daq/v1/control_pb.js';

const DAQ = join(ROOT, 'dist/src/cli/main.js');
const TOKEN = 'olivia-token-0123456789';

function daq(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [DAQ, ...args], { cwd: ROOT }, (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }));
  });
}

const processes = new TestProcesses();
let daemon: DaemonProcess;
let script = '';

beforeAll(async () => {
  const dir = await processes.labDir();
  script = join(dir, 'scan.js');
  await writeFile(script, SCAN_SCRIPT);
  daemon = await startDaemonProcess(processes, dir, { tokensFile: await writeTokens(dir, [{ name: 'olivia', role: 'operator', token: TOKEN }]) });
}, 60_000);

afterAll(() => processes.cleanup());

describe('daq runs', () => {
  it('shows who started each run (name and role), its parameters and its metadata; --json and --data-dir have them too', async () => {
    const started = await daq(['run', script, '--remote', daemon.address, '--token', TOKEN, '--json', '--param', 'points=2', '--meta', 'sample=GaAs-17', '--meta', 'note=a long note that does not fit in a table cell']);
    expect(started.code, started.stderr).toBe(0);
    const { uid } = JSON.parse(started.stdout) as { uid: string };

    const listed = await daq(['runs', '--remote', daemon.address, '--token', TOKEN, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const run = (JSON.parse(listed.stdout) as { runs: Record<string, unknown>[] }).runs.find((r) => r['uid'] === uid);
    expect(run).toMatchObject({
      startedBy: 'olivia',
      startedByRole: 'operator',
      params: { points: 2 },
      metadata: { sample: 'GaAs-17', note: 'a long note that does not fit in a table cell', started_by: 'olivia', started_by_role: 'operator' },
    });

    const table = await daq(['runs', '--remote', daemon.address, '--token', TOKEN]);
    expect(table.code, table.stderr).toBe(0);
    const [header = '', ...rows] = table.stdout.trim().split('\n');
    expect(header.split(/\s+/)).toEqual(['UID', 'SCRIPT', 'STATE', 'EXIT', 'EVENTS', 'REASON', 'BY', 'PARAMS', 'METADATA', 'FILE']);
    const row = rows.find((line) => line.startsWith(uid)) ?? '';
    expect(row).toContain('olivia (operator)');
    expect(row).toContain('points=2');
    // sorted by name, a long value cut (--json has it whole), started_by* only in BY
    expect(row).toContain('note=a long note that does n… sample=GaAs-17');
    expect(row).not.toContain('started_by');

    // the catalog of the data directory, without the daemon, has the same
    const offline = await daq(['runs', '--data-dir', daemon.dataDir, '--json']);
    expect(offline.code, offline.stderr).toBe(0);
    expect((JSON.parse(offline.stdout) as { runs: Record<string, unknown>[] }).runs.find((r) => r['uid'] === uid)).toMatchObject({
      startedBy: 'olivia',
      startedByRole: 'operator',
      params: { points: 2 },
      metadata: { sample: 'GaAs-17', started_by: 'olivia', started_by_role: 'operator' },
    });
  }, 120_000); // four CLI processes against a daemon, on a loaded machine

  it('daq queue shows who queued each run with the role too', async () => {
    const client = daemon.client(TOKEN);
    const current = (await client.call(ControlService.method.startRun, scanRun(5000))).run?.uid ?? ''; // minutes of 1 mm steps
    const queued = (await client.call(ControlService.method.startRun, scanRun(1))).run?.uid ?? '';
    try {
      const listed = await daq(['queue', '--remote', daemon.address, '--token', TOKEN]);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout.split('\n').find((line) => line.includes(queued))).toMatch(/olivia \(operator\)$/);
    } finally {
      await client.call(ControlService.method.stopRun, { uid: current, reason: 'test over' });
    }
  }, 120_000);
});
