/**
 * Conformance of {@link Triggerable}: `arm()` then `trigger()` acquires, `trigger()` arms by
 * itself when needed, and (for a camera) each trigger has delivered its frame to `onFrame`
 * listeners by the time it resolves.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import { isFrameProducer, type Frame, type Triggerable } from '../capabilities/index.js';
import { harnessCases } from './common.conformance.js';
import type { HarnessFactory } from './harness.js';

type TriggerableDevice = Triggerable & Device;

/** Registers the {@link Triggerable} conformance cases for the devices `create` makes. */
export function triggerableConformance(label: string, create: HarnessFactory<TriggerableDevice>): void {
  describe(`${label} conforms to Triggerable`, () => {
    const test = harnessCases(create);

    test('arm() then trigger() resolves, again and again, and leaves the device idle', async ({ device }) => {
      await device.arm();
      await device.trigger();
      await device.trigger();
      expect(device.state).toBe('idle');
      await device.arm();
      await device.arm();
      await device.trigger();
      expect(device.state).toBe('idle');
    });

    test('trigger() without arm() arms by itself', async ({ device }) => {
      await device.trigger();
      expect(device.state).toBe('idle');
    });

    test('a camera has delivered exactly one frame per trigger when trigger() resolves', async ({ device }, context) => {
      if (!isFrameProducer(device)) return context.skip('not a FrameProducer');
      const frames: Frame[] = [];
      const unsubscribe = device.onFrame((frame) => frames.push(frame));
      try {
        await device.arm();
        await device.trigger();
        expect(frames, 'frames after the first trigger').toHaveLength(1);
        await device.trigger();
        expect(frames, 'frames after the second trigger').toHaveLength(2);
        expect(frames[1]?.frameNumber).toBeGreaterThan(frames[0]?.frameNumber ?? Infinity);
      } finally {
        unsubscribe();
      }
    });
  });
}
