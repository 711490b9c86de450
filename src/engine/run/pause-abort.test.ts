/**
 * Pause and abort at any moment, for plans and script loops: before the first point, during the
 * first point's long move, and during a later one. Time is a VirtualClock moved by the test.
 */
import { describe, expect, it, vi } from 'vitest';
import { isMovable, isWavelengthTunable } from '../../capabilities/index.js';
import type { VirtualClock } from '../../core/index.js';
import type { RunEvent } from './documents.js';
import { engineFor } from './run-engine.fixture.js';
import type { Run } from './run.js';

/** A slow stage (1 mm/s: a 10 mm move takes 10 s), a laser and the power meter behind the stage. */
const SLOW_LAB = `[devices.stage]
driver = "sim-stage"
settings = { velocity = 1, acceleration = 100 }
[devices.laser]
driver = "sim-laser"
[devices.power_meter]
driver = "sim-power-meter"
`;

const VELOCITY = 1; // mm/s

/** The same three points as a plan and as a hand-written loop: 10 s to the first, 1 s to each next. */
const SOURCES = {
  plan: `listScan(stage, power_meter, { positions: [10, 11, 12] });`,
  loop: `for (const x of [10, 11, 12]) {
  stage.moveAbs(x);
  record('primary', { stage: stage.position(), power_meter: power_meter.read() });
}`,
};

async function slowLab() {
  const setup = await engineFor({ source: SLOW_LAB, autoAdvance: false });
  const stage = setup.lab.device('stage');
  if (!isMovable(stage)) throw new Error('lab');
  const events = () => setup.documents.filter((d): d is RunEvent => d.kind === 'event');
  return { ...setup, stage, events };
}

/** Moves simulated time on in `stepS` steps until `check` passes (however slow the machine). */
async function until(clock: VirtualClock, check: () => void | Promise<void>, stepS = 0.01): Promise<void> {
  await vi.waitFor(async () => {
    await clock.advance(stepS);
    await check();
  }, { timeout: 60_000, interval: 1 });
}

/** Moves simulated time on by `seconds`, in steps the run can follow. */
async function pass(clock: VirtualClock, seconds: number, stepS = 0.5): Promise<void> {
  for (let t = 0; t < seconds; t += stepS) await clock.advance(stepS);
}

async function ended(clock: VirtualClock, run: Run) {
  let done = false;
  void run.done.then(() => (done = true));
  await until(clock, () => expect(done).toBe(true));
  return run.done;
}

describe.each(Object.entries(SOURCES))('pause and abort at any moment: %s', (kind, source) => {
  it('abort during the first point\'s long move stops the stage at once and ends the run aborted', async () => {
    const { engine, clock, lab, stage, events } = await slowLab();
    const run = engine.submit({ scriptName: `${kind}.js`, source });
    await until(clock, () => expect(stage.state).toBe('busy'));
    await clock.advance(2);
    const during = await stage.position();
    run.abort('stopped by the user');
    const stop = await ended(clock, run);
    expect(stop).toMatchObject({ exitStatus: 'abort', reason: 'stopped by the user', numEvents: {} });
    expect(events()).toEqual([]);
    const rest = await stage.position();
    expect(rest - during).toBeLessThanOrEqual(VELOCITY * 0.1); // at rest within 100 ms of simulated time
    await pass(clock, 5);
    expect(await stage.position()).toBe(rest);
    expect(stage.state).toBe('idle');
    await lab.disconnect();
  });

  it('abort during a later long move keeps the points recorded before it', async () => {
    const { engine, clock, lab, stage, events } = await slowLab();
    const run = engine.submit({ scriptName: `${kind}.js`, source: source.replace('[10, 11, 12]', '[10, 30, 31]') });
    await until(clock, async () => {
      expect(events()).toHaveLength(1);
      expect(await stage.position()).toBeGreaterThan(11);
    }, 0.1);
    run.abort('enough');
    const stop = await ended(clock, run);
    expect(stop).toMatchObject({ exitStatus: 'abort', reason: 'enough', numEvents: { primary: 1 } });
    expect(await stage.position()).toBeLessThan(13);
    await lab.disconnect();
  });

  it('pause before the first point holds the run before any device moves; resume finishes every point', async () => {
    const { engine, clock, lab, stage, events } = await slowLab();
    const run = engine.submit({ scriptName: `${kind}.js`, source });
    run.pause();
    expect(run.state).toBe('paused');
    await pass(clock, 30);
    expect(events()).toEqual([]);
    expect(await stage.position()).toBe(0);
    run.resume();
    const stop = await ended(clock, run);
    expect(stop).toMatchObject({ exitStatus: 'success', numEvents: { primary: 3 } });
    expect(events().map((e) => e.data['stage'])).toEqual([10, 11, 12]);
    await lab.disconnect();
  });

  it('pause during the first point\'s long move: the move in flight ends, nothing else moves until resumed, no point lost or doubled', async () => {
    const { engine, clock, lab, stage, events } = await slowLab();
    const run = engine.submit({ scriptName: `${kind}.js`, source });
    await until(clock, () => expect(stage.state).toBe('busy'));
    await clock.advance(2);
    run.pause();
    expect(run.state).toBe('paused');
    await pass(clock, 30);
    // The move under way has finished; the run holds at its next checkpoint.
    expect(await stage.position()).toBe(10);
    expect(stage.state).toBe('idle');
    const recorded = events().length;
    expect(recorded).toBeLessThanOrEqual(1); // a plan finishes the point in flight; a loop holds at its next device call
    await pass(clock, 30);
    expect(events()).toHaveLength(recorded);
    expect(await stage.position()).toBe(10);
    run.resume();
    const stop = await ended(clock, run);
    expect(stop).toMatchObject({ exitStatus: 'success', numEvents: { primary: 3 } });
    expect(events().map((e) => [e.seqNum, e.data['stage']])).toEqual([[1, 10], [2, 11], [3, 12]]);
    await lab.disconnect();
  });

  it('abort while paused during a long move stops the stage at once', async () => {
    const { engine, clock, lab, stage } = await slowLab();
    const run = engine.submit({ scriptName: `${kind}.js`, source });
    await until(clock, () => expect(stage.state).toBe('busy'));
    await clock.advance(2);
    run.pause();
    await clock.advance(1);
    const during = await stage.position();
    expect(during).toBeLessThan(10);
    run.abort('changed my mind');
    const stop = await ended(clock, run);
    expect(stop).toMatchObject({ exitStatus: 'abort', reason: 'changed my mind' });
    expect((await stage.position()) - during).toBeLessThanOrEqual(VELOCITY * 0.1);
    await lab.disconnect();
  });
});

describe('abort during a long tuning', () => {
  it('halts the laser where it is (it does not go on tuning after the run)', async () => {
    const { engine, clock, lab } = await slowLab();
    const laser = lab.device('laser');
    if (!isWavelengthTunable(laser)) throw new Error('lab');
    // 800 -> 1040 nm at 50 nm/s: 4.8 s
    const run = engine.submit({ scriptName: 'tune.js', source: `laser.setWavelength(1040);\nrecord('tuned', { nm: laser.wavelength() });` });
    await until(clock, () => expect(laser.state).toBe('busy'));
    await clock.advance(1);
    run.abort('wrong line');
    const stop = await ended(clock, run);
    expect(stop).toMatchObject({ exitStatus: 'abort', numEvents: {} });
    const halted = await laser.wavelength();
    expect(halted).toBeLessThan(900);
    await pass(clock, 10);
    expect(await laser.wavelength()).toBe(halted);
    await lab.disconnect();
  });
});
