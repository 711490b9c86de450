/**
 * Conformance of {@link ShutterControl}: open and close are reported back by `isShutterOpen()`,
 * both are idempotent, and `stop()` (when the device has it) closes the shutter, its safe state.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import { isStoppable, type ShutterControl } from '../capabilities/index.js';
import { harnessCases } from './common.conformance.js';
import type { HarnessFactory } from './harness.js';

type ShutterDevice = ShutterControl & Device;

/** Registers the {@link ShutterControl} conformance cases for the devices `create` makes. */
export function shutterControlConformance(label: string, create: HarnessFactory<ShutterDevice>): void {
  describe(`${label} conforms to ShutterControl`, () => {
    const test = harnessCases(create);

    test('openShutter and closeShutter are reported by isShutterOpen, and are idempotent', async ({ device }) => {
      await device.openShutter();
      expect(await device.isShutterOpen(), 'after openShutter()').toBe(true);
      await device.openShutter();
      expect(await device.isShutterOpen(), 'after openShutter() twice').toBe(true);
      await device.closeShutter();
      expect(await device.isShutterOpen(), 'after closeShutter()').toBe(false);
      await device.closeShutter();
      expect(await device.isShutterOpen(), 'after closeShutter() twice').toBe(false);
      await device.openShutter();
      expect(await device.isShutterOpen(), 'after opening again').toBe(true);
      expect(device.state).toBe('idle');
    });

    test('stop() closes the shutter (its safe state)', async ({ device }, context) => {
      if (!isStoppable(device)) return context.skip('not Stoppable');
      await device.openShutter();
      await device.stop();
      expect(await device.isShutterOpen(), 'after stop()').toBe(false);
      await device.stop();
      expect(await device.isShutterOpen(), 'after stop() twice').toBe(false);
    });
  });
}
