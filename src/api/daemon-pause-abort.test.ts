/**
 * Pause and abort through a real daemon over a real socket, for a plan and a script loop: an
 * abort during the first point's long move stops the stage there; a pause during a long move
 * lets that move end, takes no further point until resumed, and loses or doubles none.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from './client.js';
import { ControlService, RunState } from './gen/daq/v1/control_pb.js';
import { ExitStatus } from './gen/daq/v1/documents_pb.js';
import { HardwareService } from './gen/daq/v1/hardware_pb.js';
import { type DaemonProcess, followRun, inlineRun, startDaemonProcess, TestProcesses } from './daemon.fixture.js';

/** A stage at 5 mm/s (a 10 mm move takes 2 s of real time), a laser and a power meter. */
const LAB = `[lab]
name = "pause and abort lab"
[devices.stage]
driver = "sim-stage"
settings = { velocity = 5, acceleration = 500 }
[devices.laser]
driver = "sim-laser"
[devices.power_meter]
driver = "sim-power-meter"
`;

const SOURCES = {
  plan: (positions: string) => `listScan(stage, power_meter, { positions: ${positions} });`,
  loop: (positions: string) => `for (const x of ${positions}) {
  stage.moveAbs(x);
  record('primary', { stage: stage.position(), power_meter: power_meter.read() });
}`,
};

/** Resolves once `check` passes, asking again every 20 ms (the daemon answers; nothing is timed). */
async function until<T>(ask: () => Promise<T>, check: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 1500; i++) {
    const value = await ask();
    if (check(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

async function stageState(client: DaemonClient): Promise<string> {
  const { devices } = await client.call(HardwareService.method.listDevices, {});
  return devices.find((d) => d.name === 'stage')?.state ?? 'missing';
}

/** The stage's position, twice, 0.3 s apart, read by a run of its own. */
async function restingPosition(client: DaemonClient): Promise<[number, number]> {
  const { run } = await client.call(ControlService.method.startRun, inlineRun(`record('at', { x: stage.position() }); sleep(0.3); record('at', { x: stage.position() });`, {}, 'where.js'));
  const followed = await followRun(client, run?.uid ?? '');
  const xs = followed.events.map((e) => e.data['x']?.kind.value as number);
  return [xs[0] as number, xs[1] as number];
}

describe.each(Object.entries(SOURCES))('pause and abort through the daemon: %s', (kind, source) => {
  const processes = new TestProcesses();
  let daemon: DaemonProcess;

  beforeAll(async () => {
    const dir = await processes.labDir();
    await writeFile(join(dir, 'lab.toml'), LAB);
    daemon = await startDaemonProcess(processes, dir);
  }, 120_000);
  afterAll(() => processes.cleanup());

  it('abort during the first point\'s long move stops the stage there and ends the run aborted', async () => {
    const client = daemon.client();
    await client.call(HardwareService.method.moveDevice, { device: 'stage', target: { case: 'absolute', value: 0 } });
    const { run } = await client.call(ControlService.method.startRun, inlineRun(source('[40, 41]'), {}, `${kind}.js`));
    const uid = run?.uid ?? '';
    await until(() => stageState(client), (state) => state === 'busy', 'the stage to move');
    await client.call(ControlService.method.stopRun, { uid, reason: 'stopped by the user' });
    const followed = await followRun(client, uid);
    expect(followed.stop).toMatchObject({ exitStatus: ExitStatus.ABORT, reason: 'stopped by the user' });
    expect(followed.events).toEqual([]);
    // Had it not been stopped, the stage would be at 40 mm (8 s after it started).
    const [x, later] = await restingPosition(client);
    expect(x).toBeLessThan(30);
    expect(later).toBe(x);
  }, 60_000);

  it('pause during a long move: that move ends, no point is taken until resume, then every point once', async () => {
    const client = daemon.client();
    await client.call(HardwareService.method.moveDevice, { device: 'stage', target: { case: 'absolute', value: 0 } });
    const { run } = await client.call(ControlService.method.startRun, inlineRun(source('[1, 11, 12]'), {}, `${kind}.js`));
    const uid = run?.uid ?? '';
    let resumedAtS = Infinity;
    let paused = false;
    const following = followRun(client, uid, (document) => {
      if (document.document.case === 'event' && document.document.value.seqNum === 1 && !paused) {
        paused = true;
        void client.call(ControlService.method.pauseRun, { uid }).then(({ run: summary }) => expect(summary?.state).toBe(RunState.PAUSED));
      }
    });
    // The move to 11 mm under way when the pause came ends; then the stage stays idle.
    await until(() => client.call(ControlService.method.getRun, { uid }), (r) => r.run?.state === RunState.PAUSED, 'the run to be paused');
    await until(() => stageState(client), (state) => state === 'idle', 'the move in flight to end');
    const held = (await client.call(ControlService.method.getRun, { uid })).run;
    expect(held?.state).toBe(RunState.PAUSED);
    expect(held?.numEvents['primary'] ?? 0).toBeLessThanOrEqual(2);
    resumedAtS = Date.now() / 1000;
    await client.call(ControlService.method.resumeRun, { uid });
    const followed = await following;
    expect(followed.stop?.exitStatus).toBe(ExitStatus.SUCCESS);
    const points = followed.events.map((e) => [e.seqNum, e.data['stage']?.kind.value]);
    expect(points).toEqual([[1, 1], [2, 11], [3, 12]]);
    // The last point was taken after the resume, not while paused.
    expect(followed.events[2]?.timeS).toBeGreaterThan(resumedAtS);
  }, 60_000);
});

describe('a suspended run through the daemon', () => {
  const processes = new TestProcesses();
  let daemon: DaemonProcess;

  beforeAll(async () => {
    const dir = await processes.labDir();
    await writeFile(join(dir, 'lab.toml'), LAB);
    daemon = await startDaemonProcess(processes, dir);
  }, 120_000);
  afterAll(() => processes.cleanup());

  it('says suspended and why while the condition holds, then goes on by itself; resume is refused meanwhile', async () => {
    const client = daemon.client();
    // The stage takes 3 s to pass 15 mm: the run is suspended from the declaration until then, and 0.2 s more.
    const source = `stage.moveAbs(0);
stage.moveAbs(20, { wait: false });
suspendWhen(stage, { method: 'position', below: 15, settle: 0.2 });
record('after', { x: stage.position() });`;
    const { run } = await client.call(ControlService.method.startRun, inlineRun(source, {}, 'suspended.js'));
    const uid = run?.uid ?? '';
    const following = followRun(client, uid);
    const held = await until(() => client.call(ControlService.method.getRun, { uid }), (r) => r.run?.state === RunState.SUSPENDED, 'the run to be suspended');
    expect(held.run?.suspendedReason).toMatch(/^stage\.position\(\) below 15: it is [0-9.e-]+ mm$/);
    for await (const status of client.stream(ControlService.method.streamStatus, { heartbeatS: 1 })) {
      expect(status.daemonState).toBe('suspended');
      expect(status.currentRun?.suspendedReason).toContain('stage.position() below 15');
      break;
    }
    await expect(client.call(ControlService.method.resumeRun, { uid })).rejects.toThrow(/is suspended .*it goes on by itself once that clears/);
    const followed = await following;
    expect(followed.stop?.exitStatus).toBe(ExitStatus.SUCCESS);
    const streams = followed.events.map((e) => [e.seqNum, e.data['suspended']?.kind.value ?? e.data['x']?.kind.value]);
    expect(streams[0]).toEqual([1, true]);
    expect(streams[1]).toEqual([2, false]);
    expect(streams[2]?.[1]).toBeGreaterThanOrEqual(15);
  }, 60_000);
});
