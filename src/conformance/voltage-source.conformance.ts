/**
 * Conformance of {@link VoltageSource}: voltages inside `voltageRange()` (its ends included) are
 * output, others refused with `out_of_range` leaving the output as it was, and `stop()` (when the
 * device has it) sets the safe state, 0 V.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import { isStoppable, type VoltageSource } from '../capabilities/index.js';
import {
  along,
  expectNear,
  expectRefusedOutside,
  expectRoundTrips,
  expectValidLimits,
  harnessCases,
  roundTripTolerance,
  type RangedSetting,
} from './common.conformance.js';
import type { HarnessFactory } from './harness.js';

type VoltageDevice = VoltageSource & Device;

function voltageSetting(device: VoltageDevice): RangedSetting {
  const range = device.voltageRange();
  return {
    name: 'setVoltage',
    range,
    set: (volts) => device.setVoltage(volts),
    get: () => device.voltage(),
    tolerance: () => roundTripTolerance(range),
  };
}

/** Registers the {@link VoltageSource} conformance cases for the devices `create` makes. */
export function voltageSourceConformance(label: string, create: HarnessFactory<VoltageDevice>): void {
  describe(`${label} conforms to VoltageSource`, () => {
    const test = harnessCases(create);

    test('voltageRange() is finite and holds the present output', async ({ device }) => {
      const range = device.voltageRange();
      expectValidLimits(range, 'voltageRange()');
      const volts = await device.voltage();
      const tolerance = roundTripTolerance(range);
      expect(volts).toBeGreaterThanOrEqual(range.min - tolerance);
      expect(volts).toBeLessThanOrEqual(range.max + tolerance);
    });

    test('setVoltage then voltage() round-trips, the range ends included', async ({ device }) => {
      const range = device.voltageRange();
      await expectRoundTrips(voltageSetting(device), [along(range, 0.5), range.max, range.min, along(range, 0.3)]);
      expect(device.state).toBe('idle');
    });

    test('refuses voltages outside the range with out_of_range and keeps the output', async ({ device }) => {
      await expectRefusedOutside(voltageSetting(device), along(device.voltageRange(), 0.7));
    });

    test('stop() sets the output to 0 V (its safe state)', async ({ device }, context) => {
      const range = device.voltageRange();
      if (!isStoppable(device)) return context.skip('not Stoppable');
      if (range.min > 0 || range.max < 0) return context.skip('0 V is outside voltageRange()');
      const volts = Math.abs(range.max) >= Math.abs(range.min) ? range.max : range.min;
      await device.setVoltage(volts);
      await device.stop();
      expectNear(await device.voltage(), 0, roundTripTolerance(range), 'voltage() after stop()');
      await device.stop();
      expectNear(await device.voltage(), 0, roundTripTolerance(range), 'voltage() after stop() twice');
    });
  });
}
