/**
 * Vitest helpers shared by the conformance suites: a test case that runs on a fresh harness,
 * expectations on `DaqError` codes, and tolerances.
 */
import { expect, it, type TestContext } from 'vitest';
import { DaqError, type ErrorCode } from '../core/errors.js';
import type { Device } from '../devices/device.js';
import type { Limits } from '../capabilities/index.js';
import type { Harness, HarnessFactory } from './harness.js';

/** Body of a conformance case: gets a fresh, connected harness and vitest's test context. */
export type HarnessCase<T extends Device> = (harness: Harness<T>, context: TestContext) => Promise<void>;

/**
 * Returns a function that registers test cases, each run on a fresh harness from `create`
 * that is closed afterwards, whether the case passed or not.
 */
export function harnessCases<T extends Device>(create: HarnessFactory<T>): (name: string, body: HarnessCase<T>) => void {
  return (name, body) => {
    it(name, async (context) => {
      const harness = await create();
      try {
        await body(harness, context);
      } finally {
        await harness.close();
      }
    });
  };
}

/**
 * Expects `promise` to reject with a `DaqError` whose code is `code` (or one of `code`);
 * returns the error for further checks.
 */
export async function expectDaqError(
  promise: Promise<unknown>,
  code: ErrorCode | readonly ErrorCode[],
  what: string,
): Promise<DaqError> {
  const codes: readonly ErrorCode[] = typeof code === 'string' ? [code] : code;
  let outcome: { resolved: unknown } | { rejected: unknown };
  try {
    outcome = { resolved: await promise };
  } catch (error) {
    outcome = { rejected: error };
  }
  if ('resolved' in outcome) {
    throw new Error(`${what}: expected a DaqError (${codes.join(' or ')}), but it succeeded`);
  }
  const error = outcome.rejected;
  expect(error, `${what}: rejects with a DaqError`).toBeInstanceOf(DaqError);
  expect(codes, `${what}: error code of "${(error as Error).message}"`).toContain((error as DaqError).code);
  return error as DaqError;
}

/** Expects `actual` within `tolerance` of `expected`. */
export function expectNear(actual: number, expected: number, tolerance: number, what: string): void {
  expect(Number.isFinite(actual), `${what}: ${actual} is a finite number`).toBe(true);
  expect(Math.abs(actual - expected), `${what}: ${actual} is within ${tolerance} of ${expected}`).toBeLessThanOrEqual(
    tolerance,
  );
}

/** Expects `limits` to be finite with `min < max`. */
export function expectValidLimits(limits: Limits, what: string): void {
  expect(Number.isFinite(limits.min), `${what}: min ${limits.min} is finite`).toBe(true);
  expect(Number.isFinite(limits.max), `${what}: max ${limits.max} is finite`).toBe(true);
  expect(limits.min, `${what}: min < max`).toBeLessThan(limits.max);
}

/** `min + fraction * (max - min)`. */
export function along(limits: Limits, fraction: number): number {
  return limits.min + fraction * (limits.max - limits.min);
}

/**
 * Tolerance of a set-then-read round trip over `limits`: a thousandth of the range, so that
 * devices that quantize (a DAC, a stepper, a grating) pass and a wrong value does not.
 */
export function roundTripTolerance(limits: Limits): number {
  return (limits.max - limits.min) * 1e-3;
}

/** A numeric setting with a range: an exposure, a wavelength, a voltage, a setpoint. */
export interface RangedSetting {
  /** How messages name it: `setVoltage`. */
  name: string;
  range: Limits;
  set(value: number): Promise<void>;
  get(): Promise<number>;
  /** How far a read-back value may be from `value` set. */
  tolerance(value: number): number;
}

/** Expects each of `values` to be accepted by `setting.set` and read back by `setting.get`. */
export async function expectRoundTrips(setting: RangedSetting, values: readonly number[]): Promise<void> {
  for (const value of values) {
    await setting.set(value);
    expectNear(await setting.get(), value, setting.tolerance(value), `read back after ${setting.name}(${value})`);
  }
}

/**
 * Sets `kept`, then expects values just and far outside the range (and NaN) to be refused
 * with `out_of_range` (`invalid_argument` also for NaN), each leaving `kept` in place.
 */
export async function expectRefusedOutside(setting: RangedSetting, kept: number): Promise<void> {
  const { min, max } = setting.range;
  const span = max - min;
  await setting.set(kept);
  for (const value of [max + span, max + span * 0.01, min - span, min - span * 0.01]) {
    await expectDaqError(setting.set(value), 'out_of_range', `${setting.name}(${value})`);
    expectNear(await setting.get(), kept, setting.tolerance(kept), `read back after refused ${setting.name}(${value})`);
  }
  await expectDaqError(setting.set(Number.NaN), ['invalid_argument', 'out_of_range'], `${setting.name}(NaN)`);
  expectNear(await setting.get(), kept, setting.tolerance(kept), `read back after refused ${setting.name}(NaN)`);
}
