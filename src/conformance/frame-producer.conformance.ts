/**
 * Conformance of {@link FrameProducer}: frames match `frameSize()` and their dtype, reach every
 * `onFrame` listener until it unsubscribes, are numbered in order, and streams emit exactly the
 * frames asked for and stop when told.
 */
import { describe, expect } from 'vitest';
import type { Clock } from '../core/clock.js';
import type { Device } from '../devices/device.js';
import { isExposureControl, type Frame, type FrameDtype, type FrameProducer } from '../capabilities/index.js';
import { harnessCases } from './common.conformance.js';
import { elapse, waitUntil, type HarnessFactory } from './harness.js';

type FrameProducerDevice = FrameProducer & Device;

const ARRAY_TYPES: Record<FrameDtype, new (length: number) => Frame['data']> = {
  uint8: Uint8Array,
  uint16: Uint16Array,
  float32: Float32Array,
};

/** Expects `frame` to match `frameSize()` and its own dtype, with sane metadata. */
export function expectWellFormedFrame(frame: Frame, device: FrameProducer): void {
  const size = device.frameSize();
  expect({ width: frame.width, height: frame.height, dtype: frame.dtype }, 'frame size equals frameSize()').toEqual(
    size,
  );
  expect(frame.data.length, 'data.length === width * height').toBe(frame.width * frame.height);
  expect(frame.data, `data of a ${frame.dtype} frame`).toBeInstanceOf(ARRAY_TYPES[frame.dtype]);
  expect(Number.isInteger(frame.frameNumber) && frame.frameNumber >= 0, 'frameNumber is a count').toBe(true);
  expect(Number.isFinite(frame.exposureS) && frame.exposureS >= 0, `exposureS ${frame.exposureS}`).toBe(true);
  expect(Number.isFinite(frame.timestampS), 'timestampS is finite').toBe(true);
  if (frame.dtype === 'float32') {
    expect(frame.data.every(Number.isFinite), 'float32 pixels are finite').toBe(true);
  }
}

/** Clock time in which a few frames surely arrive: generous, as virtual time costs nothing. */
async function patienceS(device: FrameProducerDevice): Promise<number> {
  const exposureS = isExposureControl(device) ? await device.exposure() : 0;
  return 60 + 20 * exposureS;
}

/** Collects every frame the device emits until `stop()` is called. */
function collect(device: FrameProducerDevice): { frames: Frame[]; stop: () => void } {
  const frames: Frame[] = [];
  const stop = device.onFrame((frame) => frames.push(frame));
  return { frames, stop };
}

/** A quiet period after which a stopped stream has surely emitted its last frame: several frame periods. */
function quietS(frames: readonly Frame[]): number {
  const first = frames[0];
  const last = frames[frames.length - 1];
  const periodS =
    first !== undefined && last !== undefined && frames.length > 1
      ? (last.timestampS - first.timestampS) / (frames.length - 1)
      : 0;
  return Math.max(5 * periodS, 5 * (last?.exposureS ?? 0), 0.1);
}

async function waitForFrames(clock: Clock, frames: readonly Frame[], count: number, timeoutS: number): Promise<void> {
  await waitUntil(clock, () => frames.length >= count, `${count} frames`, timeoutS, timeoutS / 1000);
}

/** Registers the {@link FrameProducer} conformance cases for the devices `create` makes. */
export function frameProducerConformance(label: string, create: HarnessFactory<FrameProducerDevice>): void {
  describe(`${label} conforms to FrameProducer`, () => {
    const test = harnessCases(create);

    test('frameSize() is a non-empty size in whole pixels', async ({ device }) => {
      const { width, height, dtype } = device.frameSize();
      expect(Number.isInteger(width) && width > 0, `width ${width}`).toBe(true);
      expect(Number.isInteger(height) && height > 0, `height ${height}`).toBe(true);
      expect(Object.keys(ARRAY_TYPES)).toContain(dtype);
    });

    test('snap() returns a frame that matches frameSize(), numbered from 0, stamped by the clock', async ({
      device,
      clock,
    }) => {
      const beforeS = clock.now();
      const frame = await device.snap();
      const afterS = clock.now();
      expectWellFormedFrame(frame, device);
      expect(frame.frameNumber, 'the first frame after connect is number 0').toBe(0);
      expect(frame.timestampS, 'timestamp not before the call').toBeGreaterThanOrEqual(beforeS - 1e-6);
      expect(frame.timestampS, 'timestamp not after the call').toBeLessThanOrEqual(afterS + 1e-6);
      expect(device.state).toBe('idle');
    });

    test('frame numbers increase from snap to snap', async ({ device }) => {
      const numbers: number[] = [];
      for (let i = 0; i < 3; i++) numbers.push((await device.snap()).frameNumber);
      for (let i = 1; i < numbers.length; i++) {
        expect(numbers[i], `frame numbers ${numbers.join(', ')}`).toBeGreaterThan(numbers[i - 1] ?? Infinity);
      }
    });

    test('onFrame listeners receive snapped frames until they unsubscribe', async ({ device }) => {
      const a = collect(device);
      const b = collect(device);
      const first = await device.snap();
      expect(a.frames.map((f) => f.frameNumber)).toEqual([first.frameNumber]);
      expect(b.frames.map((f) => f.frameNumber)).toEqual([first.frameNumber]);
      a.stop();
      const second = await device.snap();
      expect(a.frames, 'an unsubscribed listener gets nothing more').toHaveLength(1);
      expect(b.frames.map((f) => f.frameNumber)).toEqual([first.frameNumber, second.frameNumber]);
      b.stop();
      await device.snap();
      expect(b.frames).toHaveLength(2);
    });

    test('startStream(3) emits exactly 3 frames in order, then stops by itself', async ({ device, clock }) => {
      const { frames } = collect(device);
      await device.startStream(3);
      await waitForFrames(clock, frames, 3, await patienceS(device));
      await elapse(clock, quietS(frames));
      expect(frames, 'frames emitted by startStream(3)').toHaveLength(3);
      for (const frame of frames) expectWellFormedFrame(frame, device);
      const numbers = frames.map((f) => f.frameNumber);
      const times = frames.map((f) => f.timestampS);
      expect([...numbers].sort((x, y) => x - y), 'frame numbers increase').toEqual(numbers);
      expect(new Set(numbers).size, 'frame numbers are distinct').toBe(3);
      expect([...times].sort((x, y) => x - y), 'timestamps do not go back').toEqual(times);
      await waitUntil(clock, () => device.state === 'idle', 'idle after the stream', 10);
    });

    test('stopStream() ends emission and the device is idle again', async ({ device, clock }) => {
      const { frames } = collect(device);
      await device.startStream();
      expect(device.state, 'state while streaming').toBe('busy');
      await waitForFrames(clock, frames, 3, await patienceS(device));
      await device.stopStream();
      const emitted = frames.length;
      await elapse(clock, quietS(frames));
      expect(frames.length, 'frames emitted after stopStream() resolved').toBe(emitted);
      expect(device.state, 'state after stopStream()').toBe('idle');
      const lastStreamed = frames[frames.length - 1]?.frameNumber ?? Infinity;
      const frame = await device.snap();
      expect(frame.frameNumber, 'snap after a stream continues the numbering').toBeGreaterThan(lastStreamed);
    });
  });
}
