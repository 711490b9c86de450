/**
 * Conformance of {@link Movable}: moves end at their target, stay inside the limits, can be
 * started without waiting, stopped and cancelled. Positions come from the axis's own limits
 * (fractions of its range); an axis is assumed to take time to travel (any real one does).
 */
import { describe, expect } from 'vitest';
import type { Clock } from '../core/clock.js';
import type { Device } from '../devices/device.js';
import { capabilitiesOf, type Limits, type Movable } from '../capabilities/index.js';
import { along, expectDaqError, expectNear, expectValidLimits, harnessCases } from './common.conformance.js';
import { elapse, type HarnessFactory } from './harness.js';

type MovableDevice = Movable & Device;

/** Points of the travel range the cases move between, and the position tolerance. */
interface Travel extends Limits {
  lo: number;
  mid: number;
  hi: number;
  /** A tenth of the range: a step for relative moves. */
  step: number;
  /** How close to a target counts as "there": a thousandth of the range. */
  tolerance: number;
}

async function travel(device: MovableDevice): Promise<Travel> {
  const limits = await device.limits();
  expectValidLimits(limits, 'limits()');
  const span = limits.max - limits.min;
  return {
    ...limits,
    lo: along(limits, 0.2),
    mid: along(limits, 0.5),
    hi: along(limits, 0.8),
    step: span * 0.1,
    tolerance: span * 1e-3,
  };
}

/** Moves to `from`, then to `to`, and returns how long (clock time) the second move took; it must take time. */
async function timedMove(device: MovableDevice, clock: Clock, from: number, to: number): Promise<number> {
  await device.moveAbs(from);
  const startS = clock.now();
  await device.moveAbs(to);
  const durationS = clock.now() - startS;
  expect(durationS, `a move from ${from} to ${to} takes clock time`).toBeGreaterThan(0);
  return durationS;
}

/** Expects the axis to be at rest: its position does not change over `seconds` of clock time. */
async function expectAtRest(device: MovableDevice, clock: Clock, seconds: number, tolerance: number): Promise<number> {
  const before = await device.position();
  await elapse(clock, seconds);
  const after = await device.position();
  expectNear(after, before, tolerance, `position ${seconds} s after coming to rest`);
  return after;
}

/** Registers the {@link Movable} conformance cases for the devices `create` makes. */
export function movableConformance(label: string, create: HarnessFactory<MovableDevice>): void {
  describe(`${label} conforms to Movable`, () => {
    const test = harnessCases(create);

    test('has units, finite limits, and a position inside them', async ({ device }) => {
      expect(capabilitiesOf(device)).toEqual(expect.arrayContaining(['Movable', 'Stoppable']));
      expect(typeof device.units).toBe('string');
      expect(device.units.length, 'units is not empty').toBeGreaterThan(0);
      const t = await travel(device);
      const position = await device.position();
      expect(position).toBeGreaterThanOrEqual(t.min - t.tolerance);
      expect(position).toBeLessThanOrEqual(t.max + t.tolerance);
    });

    test('moveAbs ends at the target, including the limits themselves, and leaves the device idle', async ({
      device,
    }) => {
      const t = await travel(device);
      for (const target of [t.mid, t.lo, t.hi, t.min, t.max]) {
        await device.moveAbs(target);
        expectNear(await device.position(), target, t.tolerance, `position after moveAbs(${target})`);
        expect(device.state, `state after moveAbs(${target})`).toBe('idle');
      }
    });

    test('moveRel adds to the position', async ({ device }) => {
      const t = await travel(device);
      await device.moveAbs(t.lo);
      await device.moveRel(t.step);
      expectNear(await device.position(), t.lo + t.step, t.tolerance, `position after moveRel(+${t.step})`);
      await device.moveRel(-2 * t.step);
      expectNear(await device.position(), t.lo - t.step, t.tolerance, `position after moveRel(-${2 * t.step})`);
      expect(device.state).toBe('idle');
    });

    test('moveRel during a move is relative to the target of that move', async ({ device }) => {
      const t = await travel(device);
      await device.moveAbs(t.lo);
      await device.moveAbs(t.mid, { wait: false });
      await device.moveRel(t.step);
      await device.waitSettled();
      expectNear(await device.position(), t.mid + t.step, t.tolerance, 'position after moveAbs(mid) then moveRel');
    });

    test('waitSettled follows a newer move that replaces the one under way', async ({ device }) => {
      const t = await travel(device);
      await device.moveAbs(t.lo);
      await device.moveAbs(t.mid, { wait: false });
      const settled = device.waitSettled(); // called during the move to mid ...
      await device.moveAbs(t.hi, { wait: false }); // ... which a move to hi replaces
      await settled;
      expectNear(await device.position(), t.hi, t.tolerance, 'position when waitSettled resolved');
      expect(device.state, 'state when waitSettled resolved').toBe('idle');
    });

    test('refuses moves outside the limits with out_of_range, before anything moves', async ({ device, clock }) => {
      const t = await travel(device);
      await device.moveAbs(t.mid);
      const refused: [string, () => Promise<void>][] = [
        [`moveAbs(${t.max + t.step})`, () => device.moveAbs(t.max + t.step)],
        [`moveAbs(${t.min - t.step})`, () => device.moveAbs(t.min - t.step)],
        [`moveAbs(${t.max + t.step}, {wait: false})`, () => device.moveAbs(t.max + t.step, { wait: false })],
        [`moveRel(${t.max - t.min})`, () => device.moveRel(t.max - t.min)],
        [`moveRel(${t.min - t.max})`, () => device.moveRel(t.min - t.max)],
      ];
      for (const [what, move] of refused) {
        await expectDaqError(move(), 'out_of_range', what);
        expectNear(await device.position(), t.mid, t.tolerance, `position right after refused ${what}`);
      }
      await expectDaqError(device.moveAbs(Number.NaN), ['invalid_argument', 'out_of_range'], 'moveAbs(NaN)');
      expectNear(await expectAtRest(device, clock, 1, t.tolerance), t.mid, t.tolerance, 'position after refusals');
      expect(device.state).toBe('idle');
    });

    test('moveAbs with wait: false resolves while moving; waitSettled brings it to the target', async ({
      device,
      clock,
    }) => {
      const t = await travel(device);
      const durationS = await timedMove(device, clock, t.hi, t.lo);
      const startS = clock.now();
      await device.moveAbs(t.hi, { wait: false });
      expect(clock.now() - startS, 'moveAbs({wait: false}) returns before the move ends').toBeLessThan(durationS / 2);
      expect(device.state, 'state while moving').toBe('busy');
      await device.waitSettled();
      expectNear(await device.position(), t.hi, t.tolerance, 'position after waitSettled');
      expect(device.state, 'state after waitSettled').toBe('idle');
      await expectAtRest(device, clock, durationS, t.tolerance);
    });

    test('position changes during a move; stop() brings the axis to rest short of the target', async ({
      device,
      clock,
    }) => {
      const t = await travel(device);
      const durationS = await timedMove(device, clock, t.lo, t.hi);
      await device.moveAbs(t.lo, { wait: false });
      await elapse(clock, durationS / 4);
      const moving = await device.position();
      expect(moving, 'position a quarter into the move has left the start').toBeLessThan(t.hi - t.tolerance);
      expect(moving, 'position a quarter into the move is short of the target').toBeGreaterThan(t.lo + t.tolerance);
      await device.stop();
      expect(device.state, 'state after stop()').toBe('idle');
      const rest = await expectAtRest(device, clock, durationS, t.tolerance);
      expect(Math.abs(rest - t.lo), 'stopped short of the target').toBeGreaterThan(t.tolerance);
      await device.waitSettled();
      await device.moveAbs(t.mid);
      expectNear(await device.position(), t.mid, t.tolerance, 'a move after stop() works');
    });

    test('aborting the signal of a move stops the axis and rejects the move with cancelled', async ({
      device,
      clock,
    }) => {
      const t = await travel(device);
      const durationS = await timedMove(device, clock, t.lo, t.hi);
      const abort = new AbortController();
      const move = device.moveAbs(t.lo, { signal: abort.signal });
      move.catch(() => undefined);
      await elapse(clock, durationS / 4);
      abort.abort();
      await expectDaqError(move, 'cancelled', 'the aborted move');
      await device.waitSettled();
      const rest = await expectAtRest(device, clock, durationS, t.tolerance);
      expect(Math.abs(rest - t.lo), 'stopped short of the target').toBeGreaterThan(t.tolerance);
      expect(device.state, 'state after the aborted move').toBe('idle');
    });

    test('a move with an already aborted signal is rejected with cancelled and does not move', async ({
      device,
      clock,
    }) => {
      const t = await travel(device);
      await device.moveAbs(t.mid);
      const abort = new AbortController();
      abort.abort();
      await expectDaqError(device.moveAbs(t.hi, { signal: abort.signal }), 'cancelled', 'moveAbs with aborted signal');
      expectNear(await expectAtRest(device, clock, 1, t.tolerance), t.mid, t.tolerance, 'position');
    });

    test('waitSettled rejects with deadline_exceeded when the axis does not settle in time', async ({
      device,
      clock,
    }) => {
      const t = await travel(device);
      const durationS = await timedMove(device, clock, t.lo, t.hi);
      await device.waitSettled();
      await device.moveAbs(t.lo, { wait: false });
      await expectDaqError(device.waitSettled(durationS / 10), 'deadline_exceeded', `waitSettled(${durationS / 10})`);
      await device.waitSettled();
      expectNear(await device.position(), t.lo, t.tolerance, 'position after the late waitSettled');
    });

    test('stop() when idle is harmless', async ({ device, clock }) => {
      const t = await travel(device);
      await device.moveAbs(t.mid);
      await device.stop();
      await device.stop();
      expect(device.state).toBe('idle');
      expectNear(await expectAtRest(device, clock, 1, t.tolerance), t.mid, t.tolerance, 'position after stop()');
      await device.moveAbs(t.lo);
      expectNear(await device.position(), t.lo, t.tolerance, 'a move after stop() works');
    });
  });
}
