/**
 * Conformance of {@link Stageable}: `stage()` and `unstage()` are idempotent, `unstage()` is
 * safe without a `stage()` (the run engine unstages after failures too), and (for a device
 * with settings) `unstage()` puts back every setting `stage()` changed.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import { isParameterized, type Parameterized, type ParameterValue, type Stageable } from '../capabilities/index.js';
import { harnessCases } from './common.conformance.js';
import type { HarnessFactory } from './harness.js';

type StageableDevice = Stageable & Device;

/** The value of every setting, by name. */
async function snapshot(device: Parameterized): Promise<Record<string, ParameterValue>> {
  const values: Record<string, ParameterValue> = {};
  for (const { name } of device.parameters()) values[name] = await device.getParameter(name);
  return values;
}

/** Registers the {@link Stageable} conformance cases for the devices `create` makes. */
export function stageableConformance(label: string, create: HarnessFactory<StageableDevice>): void {
  describe(`${label} conforms to Stageable`, () => {
    const test = harnessCases(create);

    test('stage() and unstage() are idempotent and leave the device idle', async ({ device }) => {
      await device.stage();
      await device.stage();
      expect(device.state, 'state after stage()').toBe('idle');
      await device.unstage();
      await device.unstage();
      expect(device.state, 'state after unstage()').toBe('idle');
      await device.stage();
      await device.unstage();
    });

    test('unstage() without stage() is harmless', async ({ device }) => {
      await device.unstage();
      expect(device.state).toBe('idle');
    });

    test('unstage() puts back the settings stage() changed', async ({ device }, context) => {
      if (!isParameterized(device)) return context.skip('not Parameterized');
      const before = await snapshot(device);
      await device.stage();
      await device.stage();
      await device.unstage();
      expect(await snapshot(device), 'settings after stage, stage, unstage').toEqual(before);
      await device.stage();
      await device.unstage();
      await device.unstage();
      expect(await snapshot(device), 'settings after a second stage/unstage').toEqual(before);
    });
  });
}
