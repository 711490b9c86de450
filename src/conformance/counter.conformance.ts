/**
 * Conformance of {@link Counter}: a count is a whole number of `counts` that never goes down
 * while counting, `resetCounter` brings it back towards 0, an unknown counter is `not_found`.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import type { Counter } from '../capabilities/index.js';
import { expectDaqError, harnessCases } from './common.conformance.js';
import { elapse, type HarnessFactory } from './harness.js';

type CounterDevice = Counter & Device;

async function count(device: CounterDevice, name: string): Promise<number> {
  const reading = await device.readCounter(name);
  expect(reading.units).toBe('counts');
  expect(Number.isFinite(reading.timestampS)).toBe(true);
  const value = reading.value as number;
  expect(Number.isInteger(value) && value >= 0, `${name}: ${value} is a whole number of counts`).toBe(true);
  return value;
}

/** Registers the {@link Counter} conformance cases for the devices `create` makes. */
export function counterConformance(label: string, create: HarnessFactory<CounterDevice>): void {
  describe(`${label} conforms to Counter`, () => {
    const test = harnessCases(create);

    test('counts never go down; a reset starts again from 0', async ({ device, clock }) => {
      const names = device.counterChannels();
      expect(names.length).toBeGreaterThan(0);
      expect(new Set(names).size, 'counter names are unique').toBe(names.length);
      for (const name of names) {
        const a = await count(device, name);
        await elapse(clock, 0.2);
        const b = await count(device, name);
        expect(b, `${name} after 0.2 s`).toBeGreaterThanOrEqual(a);
        await device.resetCounter(name);
        const c = await count(device, name);
        // Edges may come between the reset and the read, but fewer than since connect.
        if (b > 10) expect(c, `${name} right after a reset`).toBeLessThan(b);
      }
    });

    test('refuses an unknown counter with not_found', async ({ device }) => {
      await expectDaqError(device.readCounter('no-such-counter'), 'not_found', 'readCounter of an unknown counter');
      await expectDaqError(device.resetCounter('no-such-counter'), 'not_found', 'resetCounter of an unknown counter');
    });
  });
}
