/**
 * Conformance of {@link EmissionControl}: enabling and disabling emission is reported back by
 * `isEmissionEnabled()`, and both are idempotent.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import type { EmissionControl } from '../capabilities/index.js';
import { harnessCases } from './common.conformance.js';
import type { HarnessFactory } from './harness.js';

type EmissionDevice = EmissionControl & Device;

/** Registers the {@link EmissionControl} conformance cases for the devices `create` makes. */
export function emissionControlConformance(label: string, create: HarnessFactory<EmissionDevice>): void {
  describe(`${label} conforms to EmissionControl`, () => {
    const test = harnessCases(create);

    test('enableEmission and disableEmission are reported by isEmissionEnabled, and are idempotent', async ({
      device,
    }) => {
      await device.enableEmission();
      expect(await device.isEmissionEnabled(), 'after enableEmission()').toBe(true);
      await device.enableEmission();
      expect(await device.isEmissionEnabled(), 'after enableEmission() twice').toBe(true);
      await device.disableEmission();
      expect(await device.isEmissionEnabled(), 'after disableEmission()').toBe(false);
      await device.disableEmission();
      expect(await device.isEmissionEnabled(), 'after disableEmission() twice').toBe(false);
      await device.enableEmission();
      expect(await device.isEmissionEnabled(), 'after enabling again').toBe(true);
      expect(device.state).toBe('idle');
    });
  });
}
