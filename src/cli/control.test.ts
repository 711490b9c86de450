/**
 * The CLI's run and queue control against a real daemon process: `daq run --remote` queued
 * behind another run, `daq queue` (list, move, remove), `daq pause`, `daq resume`, `daq abort`,
 * `daq follow`, and `daq devices --remote` with what each device reads back. Needs `dist/`.
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../api/client.js';
import { type DaemonProcess, inlineRun, type Proc, ROOT, startDaemonProcess, TestProcesses } from '../api/daemon.fixture.js';
import { ControlService, RunState } from '../api/gen/daq/v1/control_pb.js';
import { ExitStatus } from '../api/gen/daq/v1/documents_pb.js';

const DAQ = join(ROOT, 'dist/src/cli/main.js');

/** Ticks until aborted (about 50 s at most). */
const LONG = "log('ticking');\nfor (let i = 0; i < 1000; i++) { sleep(0.05); record('tick', { i }); progress(i + 1, 1000); }\n";
const QUICK = "record('quick', { x: 1 });\nlog('quick done');\n";

const perTest = new TestProcesses();
afterEach(() => perTest.cleanup());

describe('daq run, queue, pause, resume, abort and follow against a daemon', () => {
  const shared = new TestProcesses();
  let daemon: DaemonProcess;
  let client: DaemonClient;
  let dir = '';

  beforeAll(async () => {
    dir = await shared.labDir();
    await copyFile(join(ROOT, 'examples/lab.toml'), join(dir, 'lab.toml'));
    await writeFile(join(dir, 'quick.js'), QUICK);
    await writeFile(join(dir, 'long.js'), LONG);
    daemon = await startDaemonProcess(shared, dir);
    client = daemon.client();
  }, 60_000);
  afterAll(() => shared.cleanup());

  /** `daq ...args --remote ADDRESS`, as a child process. */
  const daq = (...args: string[]): Proc => perTest.spawnNode([DAQ, ...args, '--remote', daemon.address]);
  const finished = async (...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const proc = daq(...args);
    const { code } = await proc.exited;
    return { code, stdout: proc.stdout, stderr: proc.stderr };
  };

  /** Starts LONG through the API; resolves with its uid once it runs. */
  async function startLong(): Promise<string> {
    const uid = (await client.call(ControlService.method.startRun, inlineRun(LONG, {}, 'long.js'))).run?.uid ?? '';
    const stop = new AbortController();
    for await (const status of client.stream(ControlService.method.streamStatus, { heartbeatS: 1 }, stop.signal)) {
      if (status.currentRun?.uid === uid && status.currentRun.state === RunState.RUNNING) stop.abort();
    }
    return uid;
  }

  async function stateOf(uid: string): Promise<RunState | undefined> {
    return (await client.call(ControlService.method.getRun, { uid })).run?.state;
  }

  it('a second daq run --remote says it is queued at position N; daq queue lists, moves and removes queued runs', async () => {
    const long = await startLong();
    const first = daq('run', join(dir, 'quick.js'));
    const [, uidA = ''] = await first.waitFor(/run (\S+) \(quick\.js\) on \S+ queued at position 1;/, 'stderr', 60);
    const second = daq('run', join(dir, 'quick.js'));
    const [, uidB = ''] = await second.waitFor(/run (\S+) \(quick\.js\) on \S+ queued at position 2;/, 'stderr', 60);
    expect(first.stderr).not.toContain('started');

    const listed = await finished('queue');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`current run ${long} (long.js): running`);
    expect(listed.stdout).toMatch(new RegExp(`^POS +UID +SCRIPT +QUEUED AT +BY\\n +1 +${uidA} +quick\\.js +\\d{4}-\\d\\d-\\d\\dT[\\d:.]+ +local\\n +2 +${uidB} `, 'm'));

    const moved = await finished('queue', 'move', uidB, '1');
    expect(moved.code).toBe(0);
    expect(moved.stdout).toMatch(new RegExp(`1 +${uidB}[^\\n]*\\n +2 +${uidA}`));
    await first.waitFor(new RegExp(`run ${uidA} now at position 2 in the queue`), 'stderr', 60);

    expect((await finished('queue', 'move', uidB, '0')).code).toBe(2);
    const removed = await finished('queue', 'remove', uidA);
    expect(removed.code).toBe(0);
    expect((await first.exited).code).toBe(3);
    expect(first.stderr).toContain(`run ${uidA} ended before it started: removed from the queue`);
    const json = JSON.parse((await finished('queue', '--json')).stdout) as { processing: boolean; current: { uid: string }; queued: { uid: string }[] };
    expect(json).toMatchObject({ processing: true, current: { uid: long } });
    expect(json.queued.map((r) => r.uid)).toEqual([uidB]);

    const aborted = await finished('abort', long);
    expect(aborted).toMatchObject({ code: 0, stdout: `aborting run ${long} (long.js): devices it used go to their safe state\n` });
    await second.waitFor(new RegExp(`run ${uidB} started`), 'stderr', 60);
    expect((await second.exited).code).toBe(0);
    expect(second.stdout).toMatch(/\[quick\]\n seq +time +x\n +1 +[\d:.]+ +1\.0000\n/);
    expect(second.stdout).toMatch(/quick done\n[^]*success after/);
  }, 180_000);

  it('daq pause, resume and abort act on the current run, and say why they cannot', async () => {
    const long = await startLong();
    const paused = await finished('pause');
    expect(paused).toMatchObject({ code: 0, stdout: expect.stringContaining(`paused run ${long} (long.js)`) });
    expect(await stateOf(long)).toBe(RunState.PAUSED);
    const again = await finished('pause', long);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('only a running or suspended run can be paused');
    expect(await finished('resume')).toMatchObject({ code: 0, stdout: `resumed run ${long} (long.js)\n` });
    expect(await stateOf(long)).toBe(RunState.RUNNING);

    expect((await finished('stop', '--reason', 'sample drifted', '--json')).code).toBe(0);
    const run = (await client.call(ControlService.method.getRun, { uid: long })).run;
    expect(run).toMatchObject({ exitStatus: ExitStatus.ABORT, reason: 'sample drifted' });
    const none = await finished('abort');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no run is in progress');
    const unknown = await finished('abort', 'no-such-run');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no-such-run');
  }, 120_000);

  it('daq follow re-attaches to a running run, replays a finished one, and exits as the run ended', async () => {
    const long = await startLong();
    const follower = daq('follow', long);
    await follower.waitFor(new RegExp(`following run ${long} \\(long\\.js\\) on \\S+: running`), 'stderr', 60);
    await follower.waitFor(/\[tick\]\n seq +time +i\n/, 'stdout', 60);
    expect((await finished('abort', long)).code).toBe(0);
    expect((await follower.exited).code).toBe(3);
    expect(follower.stdout).toMatch(new RegExp(`run ${long}: abort after [\\d.]+ s`));

    const replay = await finished('follow', long);
    expect(replay.code).toBe(3);
    expect(replay.stderr).toContain(`replaying run ${long} (long.js) on ${daemon.address}: it ended abort`);
    expect(replay.stdout).toMatch(/\[tick\]\n seq +time +i\n +1 +[\d:.]+ +0\.0000\n/);
    const last = await finished('follow');
    expect(last.stderr).toContain(`replaying run ${long}`);

    const broken = (await client.call(ControlService.method.startRun, inlineRun("throw new Error('the sample is gone');\n", {}, 'broken.js'))).run?.uid ?? '';
    const failed = await finished('follow', broken, '--json');
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ uid: broken, exitStatus: 'fail' });
    expect(failed.stderr).toContain('the sample is gone');
    expect((await finished('follow', 'no-such-run')).code).toBe(2);
  }, 180_000);

  it('daq devices --remote shows what each device reads back now, with units, and its settings', async () => {
    const table = await finished('devices');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^stage +position +\d+\.\d+ mm +limits 0\.0000 mm to 50\.000 mm$/m);
    expect(table.stdout).toMatch(/^ +velocity +10\.000 mm\/s +setting$/m);
    expect(table.stdout).toMatch(/^laser +wavelength +800\.00 nm$/m);
    expect(table.stdout).toMatch(/^ +shutter_open +closed$/m);
    expect(table.stdout).toMatch(/^power_meter +wavelength +\d+\.\d+ nm\n +power +\d+\.\d+ [µnm]?W$/m);
    expect(table.stdout).toMatch(/^thermometer +temperature +\d\d\.\d{3} °C$/m);
    const { devices } = JSON.parse((await finished('devices', '--json')).stdout) as { devices: { name: string; values: { name: string; value: unknown; units: string }[] }[] };
    const values = Object.fromEntries(devices.map((d) => [d.name, Object.fromEntries(d.values.map((v) => [v.name, v]))]));
    expect(values['stage']?.['position']).toMatchObject({ units: 'mm', value: expect.any(Number) });
    expect(values['camera']?.['temperature_setpoint']).toMatchObject({ units: 'degC', value: expect.any(Number) });
    expect(values['camera']?.['exposure']).toMatchObject({ units: 's' });
    expect(values['piezo_bias']?.['voltage']).toMatchObject({ units: 'V', value: 0 });
  }, 60_000);
});
