import { describe, expect, it } from 'vitest';
import { isEmissionControl } from '../../capabilities/index.js';
import type { RunEvent } from './documents.js';
import { engineFor, runScript } from './run-engine.fixture.js';

const FLOOR_W = 0.01;
const SETTLE_S = 2;
const SCAN = { start: 11, stop: 14, num: 31 };

/** The run's events of `stream`, in order. */
function eventsOf(documents: { kind: string }[], stream: string): RunEvent[] {
  return documents.filter((d): d is RunEvent => d.kind === 'event' && (d as RunEvent).stream === stream);
}

/** Runs `source` while the laser drops out mid-scan and comes back; checks the recorded primary stream. */
async function scanThroughADropOut(source: string) {
  const { engine, documents, lab, clock } = await engineFor();
  const laser = lab.device('laser');
  if (!isEmissionControl(laser)) throw new Error('lab');
  await laser.enableEmission();
  const timeline: { dropS?: number; suspendedS?: number; lasingS?: number; resumedS?: number; reasons: string[] } = { reasons: [] };
  // The laser drops emission while the 12th point is being recorded; 5 s after the run says it
  // is suspended, emission is switched on again (lasing after the laser's 2 s warm-up).
  engine.onDocument(({ document }) => {
    if (document.kind === 'event' && document.stream === 'primary' && document.seqNum === 12 && timeline.dropS === undefined) {
      timeline.dropS = clock.now();
      void laser.disableEmission();
    }
  });
  engine.onRunChange((summary) => {
    if (summary.state === 'suspended' && timeline.suspendedS === undefined) {
      timeline.suspendedS = clock.now();
      timeline.reasons.push(summary.suspendedReason ?? '');
      void clock.sleep(5).then(() => laser.enableEmission()).then(() => (timeline.lasingS = clock.now()));
    }
    if (summary.state === 'running' && timeline.suspendedS !== undefined && timeline.resumedS === undefined) timeline.resumedS = clock.now();
  });
  const { run, stop } = await runScript(engine, source);
  expect(stop.reason).toBe('');
  expect(stop.exitStatus).toBe('success');

  // Every point exactly once, in order, and none read while the laser was off.
  const primary = eventsOf(documents, 'primary');
  expect(primary.map((e) => e.seqNum)).toEqual(Array.from({ length: SCAN.num }, (_, i) => i + 1));
  const setpoints = primary.map((e) => e.data['stage_setpoint'] as number);
  const expected = Array.from({ length: SCAN.num }, (_, i) => SCAN.start + ((SCAN.stop - SCAN.start) * i) / (SCAN.num - 1));
  setpoints.forEach((x, i) => expect(x).toBeCloseTo(expected[i] as number, 9));
  for (const event of primary) expect(event.data['power_meter'] as number).toBeGreaterThan(FLOOR_W);
  const { dropS, lasingS, resumedS } = timeline;
  if (dropS === undefined || lasingS === undefined || resumedS === undefined) throw new Error(`the drop did not happen as planned: ${JSON.stringify(timeline)}`);
  const readAt = primary.map((e) => e.timestamps['power_meter'] as number);
  expect(readAt.filter((t) => t > dropS && t < lasingS)).toEqual([]);
  expect(readAt.filter((t) => t <= dropS)).toHaveLength(12);
  // Went on by itself once the power had been back for the settle time.
  expect(resumedS - lasingS).toBeGreaterThanOrEqual(SETTLE_S);
  expect(resumedS - lasingS).toBeLessThan(SETTLE_S + 0.5);

  // The suspension and the resumption are events of their own stream, with the reason.
  const suspensions = eventsOf(documents, 'suspensions');
  expect(suspensions.map((e) => e.data['suspended'])).toEqual([true, false]);
  expect(suspensions[0]?.data['suspender']).toBe(`power_meter.read() below ${FLOOR_W}`);
  expect(String(suspensions[0]?.data['reason'])).toMatch(/^power_meter\.read\(\) below 0\.01: it is [0-9.e-]+ W$/);
  expect(timeline.reasons[0]).toMatch(/below 0\.01: it is/);
  expect(stop.numEvents).toEqual({ primary: SCAN.num, suspensions: 2 });
  expect(run.summary()).not.toHaveProperty('suspendedReason');
  await lab.disconnect();
}

describe('suspenders', () => {
  it('a lineScan suspends while the laser drops out, goes on after the settle time, and records every point once with none from the drop', async () => {
    await scanThroughADropOut(`laser.openShutter();
stage.moveAbs(${SCAN.start}); // the meter sees the beam only near the coupling peak (12.5 mm)
suspendWhen(power_meter, { below: ${FLOOR_W}, settle: ${SETTLE_S} });
lineScan(stage, power_meter, { start: ${SCAN.start}, stop: ${SCAN.stop}, num: ${SCAN.num} });`);
  });

  it('a script loop with retakeIfSuspended does the same', async () => {
    await scanThroughADropOut(`laser.openShutter();
stage.moveAbs(${SCAN.start}); // the meter sees the beam only near the coupling peak (12.5 mm)
suspendWhen(power_meter, { below: ${FLOOR_W}, settle: ${SETTLE_S} });
for (let i = 0; i < ${SCAN.num}; i++) {
  const x = ${SCAN.start} + ${(SCAN.stop - SCAN.start) / (SCAN.num - 1)} * i;
  const p = retakeIfSuspended(() => {
    stage.moveAbs(x);
    return power_meter.read();
  });
  record('primary', { stage_setpoint: x, power_meter: p });
}`);
  });

  it('a condition holding when declared holds the script at its next device call until it has been clear for the settle time', async () => {
    const { engine, documents, lab } = await engineFor();
    // The stage (10 mm/s) passes 10 mm about 1.25 s after the move starts.
    const source = `stage.moveAbs(20, { wait: false });
suspendWhen(stage, { method: 'position', below: 10, settle: 0.5 });
record('after', { x: stage.position() });`;
    const { stop } = await runScript(engine, source);
    expect(stop.exitStatus).toBe('success');
    expect(eventsOf(documents, 'suspensions').map((e) => [e.data['suspended'], e.data['suspender']])).toEqual([
      [true, 'stage.position() below 10'],
      [false, 'stage.position() below 10'],
    ]);
    expect(eventsOf(documents, 'after')[0]?.data['x']).toBeGreaterThanOrEqual(10 + 0.5 * 10 * 0.9);
    await lab.disconnect();
  });

  it('a removed suspender no longer holds the run: a script can close the shutter it watched and go on', async () => {
    const { engine, documents, lab } = await engineFor();
    const source = `laser.enableEmission();
laser.openShutter();
stage.moveAbs(12.5);
const beam = suspendWhen(power_meter, { below: 0.5 });
record('on_peak', { p: power_meter.read() });
beam.remove();
laser.closeShutter();
stage.moveAbs(0);
record('parked', { x: stage.position() });`;
    const { stop } = await runScript(engine, source);
    expect(stop.exitStatus).toBe('success');
    expect(stop.numEvents).toEqual({ on_peak: 1, parked: 1 });
    expect(eventsOf(documents, 'parked')[0]?.data['x']).toBe(0);
    await lab.disconnect();
  });

  it('refuses a suspender that names no condition, an unknown field or a getter the device lacks, saying which', async () => {
    const { engine, lab } = await engineFor();
    const cases: [string, RegExp][] = [
      [`suspendWhen(power_meter, { settle: 1 });`, /suspendWhen\(power_meter, \.\.\.\): power_meter: give a condition: below, above/],
      [`suspendWhen(power_meter, { floor: 1 });`, /unknown field "floor"/],
      [`suspendWhen(camera, { below: 1 });`, /camera\.read\(\) cannot be watched/],
      [`suspendWhen(thermometer, { outside: [25, 20] });`, /"outside" must be a band \[low, high\]/],
    ];
    for (const [source, message] of cases) {
      const { stop } = await runScript(engine, source);
      expect(stop.exitStatus).toBe('fail');
      expect(stop.reason).toMatch(message);
      expect(stop.reason).toContain('test.js:1');
    }
    await lab.disconnect();
  });
});
