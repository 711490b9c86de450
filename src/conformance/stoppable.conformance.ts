/**
 * Conformance of {@link Stoppable}: `stop()` resolves from any state, more than once, at the
 * same time as another `stop()`, and leaves the device connected and usable.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import { isAnalogInput, isFrameProducer, isMovable, type Stoppable } from '../capabilities/index.js';
import { harnessCases } from './common.conformance.js';
import type { HarnessFactory } from './harness.js';

type StoppableDevice = Stoppable & Device;

/** Starts something that keeps the device busy, if it can do such a thing; returns what it started. */
async function startActivity(device: StoppableDevice): Promise<string | undefined> {
  if (isMovable(device)) {
    const limits = await device.limits();
    const position = await device.position();
    const far = position - limits.min > limits.max - position ? limits.min : limits.max;
    await device.moveAbs(far, { wait: false });
    return `a move to ${far}`;
  }
  if (isFrameProducer(device)) {
    await device.startStream();
    return 'a frame stream';
  }
  if (isAnalogInput(device)) {
    await device.startAnalogInput();
    return 'analog input';
  }
  return undefined;
}

/** Registers the {@link Stoppable} conformance cases for the devices `create` makes. */
export function stoppableConformance(label: string, create: HarnessFactory<StoppableDevice>): void {
  describe(`${label} conforms to Stoppable`, () => {
    const test = harnessCases(create);

    test('stop() when idle resolves, twice in a row and twice at once', async ({ device }) => {
      await device.stop();
      await device.stop();
      await Promise.all([device.stop(), device.stop()]);
      expect(device.state).toBe('idle');
      expect(device.fault).toBeUndefined();
    });

    test('stop() while busy resolves, twice, and the device stays connected', async ({ device }, context) => {
      const activity = await startActivity(device);
      if (activity === undefined) return context.skip('no busy state to start (not Movable, FrameProducer or AnalogInput)');
      expect(device.state, `state during ${activity}`).toBe('busy');
      await Promise.all([device.stop(), device.stop()]);
      await device.stop();
      expect(['idle', 'busy'], `state after stopping ${activity}`).toContain(device.state);
      expect(device.fault).toBeUndefined();
      if (isFrameProducer(device)) await device.stopStream();
    });
  });
}
