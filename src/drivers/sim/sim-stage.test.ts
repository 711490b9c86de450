import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../capabilities/index.js';
import { VirtualClock } from '../../core/index.js';
import type { DeviceState } from '../../devices/index.js';
import { SIM_CONNECT_TIME_S } from './sim-device.js';
import { SimStage, simStageOptions } from './sim-stage.js';

function makeStage(clock: VirtualClock, options: Record<string, unknown> = {}): SimStage {
  return new SimStage('stage', simStageOptions.parse(options), clock);
}

/** Connects on a clock that only moves when advanced. */
async function connectManual(stage: SimStage, clock: VirtualClock): Promise<void> {
  const connecting = stage.connect(new AbortController().signal);
  await clock.advance(SIM_CONNECT_TIME_S);
  await connecting;
}

describe('SimStage', () => {
  it('has the Movable, Stoppable, Parameterized and TriggerSource capabilities', () => {
    const stage = makeStage(new VirtualClock());
    expect(capabilitiesOf(stage)).toEqual(['Movable', 'Stoppable', 'Parameterized', 'TriggerSource']);
  });

  it('goes connecting -> idle -> busy -> idle through a connect and a move', async () => {
    const clock = new VirtualClock();
    const stage = makeStage(clock);
    const states: DeviceState[] = [];
    stage.onStateChange((change) => states.push(change.to));
    await stage.connect(new AbortController().signal);
    await stage.moveAbs(1);
    expect(states).toEqual(['connecting', 'idle', 'busy', 'idle']);
  });

  it('refuses operations before connect with failed_precondition', async () => {
    const stage = makeStage(new VirtualClock());
    await expect(stage.moveAbs(1)).rejects.toMatchObject({ code: 'failed_precondition', device: 'stage' });
    await expect(stage.position()).rejects.toMatchObject({ code: 'failed_precondition' });
    await expect(stage.stop()).resolves.toBeUndefined();
  });

  it('takes the time of the trapezoidal profile plus settling, and arrives at the target', async () => {
    const clock = new VirtualClock();
    const stage = makeStage(clock);
    await stage.connect(new AbortController().signal);
    const start = clock.now();
    await stage.moveAbs(50);
    // 0.25 s ramp up, 48.75 mm at 5 mm/s = 9.75 s, 0.25 s ramp down, 0.01 s settling.
    expect(clock.now() - start).toBeCloseTo(10.26, 6);
    expect(await stage.position()).toBe(50);
  });

  it('reports positions along the profile while moving, and is busy until arrival', async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const stage = makeStage(clock);
    await connectManual(stage, clock);
    await stage.moveAbs(10, { wait: false });
    expect(stage.state).toBe('busy');
    await clock.advance(1);
    // 0.625 mm while accelerating for 0.25 s, then 0.75 s at 5 mm/s.
    expect(await stage.position()).toBeCloseTo(4.375, 6);
    await clock.advance(1.3);
    expect(await stage.position()).toBe(10);
    expect(stage.state).toBe('idle');
  });

  it('refuses a move outside the limits before anything moves', async () => {
    const clock = new VirtualClock();
    const stage = makeStage(clock, { position: 5 });
    await stage.connect(new AbortController().signal);
    const states: DeviceState[] = [];
    stage.onStateChange((change) => states.push(change.to));
    const start = clock.now();
    await expect(stage.moveAbs(60)).rejects.toMatchObject({
      code: 'out_of_range',
      message: 'stage: position 60 mm is outside the limits 0..50 mm',
    });
    await expect(stage.moveRel(-6)).rejects.toMatchObject({ code: 'out_of_range' });
    expect(await stage.position()).toBe(5);
    expect(clock.now()).toBe(start);
    expect(states).toEqual([]);
  });

  it('stops mid-move by decelerating to rest short of the target, cancelling the move', async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const stage = makeStage(clock);
    await connectManual(stage, clock);
    const move = stage.moveAbs(50);
    const outcome = move.then(() => 'arrived', (error: unknown) => error);
    await clock.advance(2); // cruising at 5 mm/s at 0.625 + 1.75 * 5 = 9.375 mm
    const stopping = stage.stop();
    await clock.advance(0.3);
    await stopping;
    expect(await outcome).toMatchObject({ code: 'cancelled', device: 'stage' });
    // Braking from 5 mm/s at 20 mm/s^2 takes v^2 / 2a = 0.625 mm.
    expect(await stage.position()).toBeCloseTo(10, 6);
    expect(stage.state).toBe('idle');
    await clock.advance(20);
    expect(await stage.position()).toBeCloseTo(10, 6);
  });

  it('stops when the move signal aborts', async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const stage = makeStage(clock);
    await connectManual(stage, clock);
    const abort = new AbortController();
    const outcome = stage.moveAbs(50, { signal: abort.signal }).catch((error: unknown) => error);
    await clock.advance(1);
    abort.abort();
    await clock.advance(1);
    expect(await outcome).toMatchObject({ code: 'cancelled' });
    expect(await stage.position()).toBeCloseTo(4.375 + 0.625, 6);
  });

  it('redirects a move under way from the present position, rejecting the first', async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const stage = makeStage(clock);
    await connectManual(stage, clock);
    const first = stage.moveAbs(50).catch((error: unknown) => error);
    await clock.advance(2);
    const here = await stage.position();
    const second = stage.moveAbs(5);
    expect(await stage.position()).toBe(here);
    await clock.advance(5);
    await second;
    expect(await first).toMatchObject({ code: 'cancelled' });
    expect(await stage.position()).toBe(5);
  });

  it('halts where it is on disconnect, and stays idle once reconnected', async () => {
    const clock = new VirtualClock({ autoAdvance: false });
    const stage = makeStage(clock);
    await connectManual(stage, clock);
    const move = stage.moveAbs(50).catch((error: unknown) => error);
    await clock.advance(1);
    await stage.disconnect();
    expect(await move).toMatchObject({ code: 'cancelled' });
    await connectManual(stage, clock);
    expect(await stage.position()).toBeCloseTo(4.375, 6);
    await clock.advance(20);
    expect(await stage.position()).toBeCloseTo(4.375, 6);
    expect(stage.state).toBe('idle');
  });

  it('moves relative to the present target', async () => {
    const clock = new VirtualClock();
    const stage = makeStage(clock);
    await stage.connect(new AbortController().signal);
    await stage.moveAbs(10, { wait: false });
    await stage.moveRel(5);
    expect(await stage.position()).toBe(15);
  });

  it('waitSettled resolves at rest, or rejects with deadline_exceeded', async () => {
    const clock = new VirtualClock();
    const stage = makeStage(clock);
    await stage.connect(new AbortController().signal);
    await stage.moveAbs(20, { wait: false });
    await expect(stage.waitSettled(1)).rejects.toMatchObject({ code: 'deadline_exceeded' });
    await stage.waitSettled();
    expect(await stage.position()).toBe(20);
    expect(stage.state).toBe('idle');
  });

  it('moves faster after its velocity setting is raised, and refuses a negative one', async () => {
    const clock = new VirtualClock();
    const stage = makeStage(clock);
    await stage.connect(new AbortController().signal);
    await stage.setParameter('velocity', 10);
    expect(await stage.getParameter('velocity')).toBe(10);
    const start = clock.now();
    await stage.moveAbs(50);
    // 0.5 s ramps of 2.5 mm each, 45 mm at 10 mm/s = 4.5 s, 0.01 s settling.
    expect(clock.now() - start).toBeCloseTo(5.51, 6);
    await expect(stage.setParameter('velocity', -1)).rejects.toMatchObject({ code: 'out_of_range' });
  });

  it('validates its options', () => {
    expect(simStageOptions.parse({})).toEqual({
      units: 'mm', min: 0, max: 50, position: 0, velocity: 5, acceleration: 20, settle_time: 0.01,
    });
    expect(() => simStageOptions.parse({ speed: 3 })).toThrow();
    expect(() => simStageOptions.parse({ min: 10, max: 5 })).toThrow(/min must be below max/);
    expect(() => simStageOptions.parse({ position: 70 })).toThrow(/within min..max/);
  });
});
