/**
 * Conformance of {@link Readable}: `read()` returns what `describe()` promises (dtype, shape,
 * units), with a timestamp taken during the call by the device's clock.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import type { DataKey, Dtype, Readable, Reading } from '../capabilities/index.js';
import { harnessCases } from './common.conformance.js';
import { elapse, type HarnessFactory } from './harness.js';

type ReadableDevice = Readable & Device;

const NUMERIC_DTYPES: readonly Dtype[] = ['float64', 'float32', 'int32', 'uint16', 'uint8'];

/** Inclusive bounds of the integer dtypes. */
const INTEGER_BOUNDS: Partial<Record<Dtype, [number, number]>> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  uint16: [0, 2 ** 16 - 1],
  uint8: [0, 2 ** 8 - 1],
};

/** Slack allowed on timestamps, s: rounding of the device's clock readout. */
const TIMESTAMP_SLACK_S = 1e-6;

/** Expects `reading.value` to have the dtype and shape of `key`. */
function expectMatchesKey(reading: Reading, key: DataKey): void {
  const values: readonly number[] = typeof reading.value === 'number' ? [reading.value] : reading.value;
  if (key.shape.length === 0) {
    expect(typeof reading.value, 'a scalar data key (shape []) reads a number').toBe('number');
  } else {
    expect(Array.isArray(reading.value) || ArrayBuffer.isView(reading.value), 'a shaped value is an array').toBe(true);
    const length = key.shape.reduce((product, n) => product * n, 1);
    expect(values.length, `value has ${length} elements (shape [${key.shape.join(', ')}])`).toBe(length);
  }
  const bounds = INTEGER_BOUNDS[key.dtype];
  for (const value of values) {
    expect(Number.isFinite(value), `value ${value} is finite`).toBe(true);
    if (bounds !== undefined) {
      expect(Number.isInteger(value), `${key.dtype} value ${value} is an integer`).toBe(true);
      expect(value).toBeGreaterThanOrEqual(bounds[0]);
      expect(value).toBeLessThanOrEqual(bounds[1]);
    }
  }
  expect(reading.units, 'reading units equal describe().units').toBe(key.units);
}

/** Registers the {@link Readable} conformance cases for the devices `create` makes. */
export function readableConformance(label: string, create: HarnessFactory<ReadableDevice>): void {
  describe(`${label} conforms to Readable`, () => {
    const test = harnessCases(create);

    test('describe() is a numeric data key and does not change between calls', async ({ device }) => {
      const key = device.describe();
      expect(NUMERIC_DTYPES, `dtype "${key.dtype}" is numeric (a Reading holds numbers)`).toContain(key.dtype);
      for (const n of key.shape) {
        expect(Number.isInteger(n) && n > 0, `shape [${key.shape.join(', ')}] has positive sizes`).toBe(true);
      }
      expect(typeof key.units).toBe('string');
      expect(device.describe()).toEqual(key);
    });

    test('read() gives a value of the described dtype, shape and units, stamped during the call', async ({
      device,
      clock,
    }) => {
      const key = device.describe();
      for (let i = 0; i < 3; i++) {
        const beforeS = clock.now();
        const reading = await device.read();
        const afterS = clock.now();
        expectMatchesKey(reading, key);
        expect(reading.timestampS, 'timestamp not before the call').toBeGreaterThanOrEqual(beforeS - TIMESTAMP_SLACK_S);
        expect(reading.timestampS, 'timestamp not after the call').toBeLessThanOrEqual(afterS + TIMESTAMP_SLACK_S);
        await elapse(clock, 0.5);
      }
      expect(device.state).toBe('idle');
    });

    test('timestamps of successive reads increase as clock time passes', async ({ device, clock }) => {
      const first = await device.read();
      await elapse(clock, 1);
      const second = await device.read();
      expect(second.timestampS - first.timestampS, 'timestamps 1 s of clock time apart').toBeGreaterThanOrEqual(
        1 - TIMESTAMP_SLACK_S,
      );
    });
  });
}
