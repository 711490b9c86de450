/**
 * Conformance of {@link Cooled}: setpoints inside `temperatureRange()` are kept, others refused
 * with `out_of_range` leaving the setpoint as it was, and `temperature()` approaches the
 * setpoint as clock time passes.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import type { Cooled, Limits } from '../capabilities/index.js';
import {
  along,
  expectRefusedOutside,
  expectRoundTrips,
  expectValidLimits,
  harnessCases,
  type RangedSetting,
} from './common.conformance.js';
import { waitUntil, type HarnessFactory } from './harness.js';

type CooledDevice = Cooled & Device;

/** Tolerance of a setpoint read back, °C: controllers keep setpoints to a hundredth of a degree or better. */
const SETPOINT_TOLERANCE_C = 0.01;
/** Clock time within which the temperature must have covered part of the way to a new setpoint, s. */
const APPROACH_TIMEOUT_S = 3600;

/** The whole degree nearest to `along(range, fraction)` that lies in the range (cameras take whole degrees). */
function setpointAlong(range: Limits, fraction: number): number {
  const rounded = Math.round(along(range, fraction));
  return rounded >= range.min && rounded <= range.max ? rounded : along(range, fraction);
}

function setpointSetting(device: CooledDevice): RangedSetting {
  return {
    name: 'setTemperature',
    range: device.temperatureRange(),
    set: (celsius) => device.setTemperature(celsius),
    get: () => device.temperatureSetpoint(),
    tolerance: () => SETPOINT_TOLERANCE_C,
  };
}

/** Registers the {@link Cooled} conformance cases for the devices `create` makes. */
export function cooledConformance(label: string, create: HarnessFactory<CooledDevice>): void {
  describe(`${label} conforms to Cooled`, () => {
    const test = harnessCases(create);

    test('temperatureRange() is finite and holds the setpoint', async ({ device }) => {
      const range = device.temperatureRange();
      expectValidLimits(range, 'temperatureRange()');
      const setpoint = await device.temperatureSetpoint();
      expect(setpoint).toBeGreaterThanOrEqual(range.min);
      expect(setpoint).toBeLessThanOrEqual(range.max);
    });

    test('setTemperature then temperatureSetpoint() round-trips, the range ends included', async ({ device }) => {
      const range = device.temperatureRange();
      await expectRoundTrips(setpointSetting(device), [setpointAlong(range, 0.5), range.min, range.max]);
      expect(device.state).toBe('idle');
    });

    test('refuses setpoints outside the range with out_of_range and keeps the setpoint', async ({ device }) => {
      await expectRefusedOutside(setpointSetting(device), setpointAlong(device.temperatureRange(), 0.3));
    });

    test('temperature() approaches the setpoint as clock time passes', async ({ device, clock }) => {
      const range = device.temperatureRange();
      const startC = await device.temperature();
      const low = setpointAlong(range, 0);
      const high = setpointAlong(range, 1);
      const setpoint = Math.abs(low - startC) >= Math.abs(high - startC) ? low : high;
      const startGap = Math.abs(startC - setpoint);
      expect(startGap, `${setpoint} °C is some way from the temperature, ${startC} °C`).toBeGreaterThan(1);
      await device.setTemperature(setpoint);
      const acceptedC = await device.temperature();
      expect(
        Math.abs(acceptedC - setpoint),
        `setTemperature returns once the setpoint is accepted, before the temperature (${acceptedC} °C) gets there`,
      ).toBeGreaterThan(startGap / 2);
      await waitUntil(
        clock,
        async () => Math.abs((await device.temperature()) - setpoint) <= startGap / 2,
        `temperature going from ${startC} °C half way to ${setpoint} °C`,
        APPROACH_TIMEOUT_S,
        10,
      );
      expect(device.state).toBe('idle');
    });
  });
}
