/**
 * Conformance of {@link WavelengthTunable}: `setWavelength` resolves once tuned (so
 * `wavelength()` reads the target at once), the range ends are reachable, and wavelengths
 * outside `wavelengthRange()` are refused with `out_of_range` leaving the tuning as it was.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import type { WavelengthTunable } from '../capabilities/index.js';
import {
  along,
  expectRefusedOutside,
  expectRoundTrips,
  expectValidLimits,
  harnessCases,
  roundTripTolerance,
  type RangedSetting,
} from './common.conformance.js';
import type { HarnessFactory } from './harness.js';

type TunableDevice = WavelengthTunable & Device;

function wavelengthSetting(device: TunableDevice): RangedSetting {
  const range = device.wavelengthRange();
  return {
    name: 'setWavelength',
    range,
    set: (nm) => device.setWavelength(nm),
    get: () => device.wavelength(),
    tolerance: () => roundTripTolerance(range),
  };
}

/** Registers the {@link WavelengthTunable} conformance cases for the devices `create` makes. */
export function wavelengthTunableConformance(label: string, create: HarnessFactory<TunableDevice>): void {
  describe(`${label} conforms to WavelengthTunable`, () => {
    const test = harnessCases(create);

    test('wavelengthRange() is a finite positive range holding the present wavelength', async ({ device }) => {
      const range = device.wavelengthRange();
      expectValidLimits(range, 'wavelengthRange()');
      expect(range.min, 'shortest wavelength (nm)').toBeGreaterThan(0);
      const nm = await device.wavelength();
      const tolerance = roundTripTolerance(range);
      expect(nm).toBeGreaterThanOrEqual(range.min - tolerance);
      expect(nm).toBeLessThanOrEqual(range.max + tolerance);
    });

    test('setWavelength resolves once tuned: wavelength() reads the target, the range ends included', async ({
      device,
    }) => {
      const range = device.wavelengthRange();
      await expectRoundTrips(wavelengthSetting(device), [along(range, 0.5), range.min, range.max, along(range, 0.3)]);
      expect(device.state).toBe('idle');
    });

    test('refuses wavelengths outside the range with out_of_range and keeps the tuning', async ({ device }) => {
      await expectRefusedOutside(wavelengthSetting(device), along(device.wavelengthRange(), 0.7));
    });
  });
}
