/**
 * Conformance of {@link HardwareTriggered}: following a trigger source, each pulse gives one
 * acquisition that starts at the pulse and carries it (a camera's frame also goes to `onFrame`);
 * a pulse the device cannot take is counted as missed, never lost silently; after
 * `followTrigger(undefined)` pulses give nothing. The source is a bare pulser made here, on the
 * harness's clock, so any device can be checked alone.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import { type Frame, type HardwareTriggered, isFrame, isFrameProducer, isReading, type Pulse, type TriggeredAcquisition, type TriggerSource } from '../capabilities/index.js';
import { Emitter } from '../core/emitter.js';
import type { Clock } from '../core/clock.js';
import { expectNear, harnessCases } from './common.conformance.js';
import { elapse, type HarnessFactory, waitUntil } from './harness.js';

type HardwareTriggeredDevice = HardwareTriggered & Device;

/** A trigger source that pulses when told to (`fire`), at the clock's present time. */
function pulser(clock: Clock): TriggerSource & { fire(): void } {
  const pulses = new Emitter<Pulse>();
  let index = 0;
  return {
    setPulseTrain: async () => undefined,
    startPulses: async () => undefined,
    stopPulses: async () => undefined,
    waitPulses: async () => undefined,
    onPulse: (listener) => pulses.on(listener),
    fire: () => pulses.emit({ index: index++, timeS: clock.now() }),
  };
}

/** Registers the {@link HardwareTriggered} conformance cases for the devices `create` makes. */
export function hardwareTriggeredConformance(label: string, create: HarnessFactory<HardwareTriggeredDevice>): void {
  describe(`${label} conforms to HardwareTriggered`, () => {
    const test = harnessCases(create);

    test('each pulse gives one acquisition that starts at the pulse and carries it', async ({ device, clock }) => {
      const source = pulser(clock);
      const got: TriggeredAcquisition[] = [];
      const unsubscribe = device.onTriggered((acquisition) => got.push(acquisition));
      try {
        await device.followTrigger(source);
        // The clock read just before and just after each pulse (the same instant on a virtual clock).
        const times: { before: number; after: number }[] = [];
        for (let i = 0; i < 3; i++) {
          const before = clock.now();
          source.fire();
          times.push({ before, after: clock.now() });
          await elapse(clock, 1);
        }
        await waitUntil(clock, () => got.length >= 3, 'three acquisitions', 30);
        expect(got.map((a) => a.pulse.index)).toEqual([0, 1, 2]);
        got.forEach((acquisition, i) => {
          const { before, after } = times[i] as { before: number; after: number };
          expectNear(acquisition.startS, acquisition.pulse.timeS, 1e-6, `start of acquisition ${i} at its pulse`);
          expect(acquisition.startS, `start of acquisition ${i}`).toBeGreaterThanOrEqual(before - 1e-6);
          expect(acquisition.startS, `start of acquisition ${i}`).toBeLessThanOrEqual(after + 1e-6);
          expect(acquisition.exposureS, 'exposure').toBeGreaterThanOrEqual(0);
          expect(isFrame(acquisition.value) || isReading(acquisition.value), 'a frame or a reading').toBe(true);
        });
        expect(device.missedTriggers()).toBe(0);
      } finally {
        unsubscribe();
      }
    });

    test('a pulse the device cannot take is counted as missed, not lost', async ({ device, clock }) => {
      const source = pulser(clock);
      let acquired = 0;
      const unsubscribe = device.onTriggered(() => acquired++);
      try {
        await device.followTrigger(source);
        for (let i = 0; i < 4; i++) source.fire(); // all at the same instant
        await waitUntil(clock, () => acquired + device.missedTriggers() >= 4, 'every pulse acquired or missed', 30);
        await elapse(clock, 1);
        expect(acquired + device.missedTriggers(), 'acquired + missed').toBe(4);
        expect(acquired, 'acquired').toBeGreaterThanOrEqual(1);
      } finally {
        unsubscribe();
      }
    });

    test('after followTrigger(undefined) pulses give nothing', async ({ device, clock }) => {
      const source = pulser(clock);
      let acquired = 0;
      const unsubscribe = device.onTriggered(() => acquired++);
      try {
        await device.followTrigger(source);
        await device.followTrigger(undefined);
        source.fire();
        await elapse(clock, 2);
        expect(acquired).toBe(0);
        expect(device.missedTriggers()).toBe(0);
      } finally {
        unsubscribe();
      }
    });

    test('a camera hands each triggered frame to onFrame listeners too', async ({ device, clock }, context) => {
      if (!isFrameProducer(device)) return context.skip('not a FrameProducer');
      const source = pulser(clock);
      const frames: Frame[] = [];
      const triggered: TriggeredAcquisition[] = [];
      const offFrame = device.onFrame((frame) => frames.push(frame));
      const offTriggered = device.onTriggered((acquisition) => triggered.push(acquisition));
      try {
        await device.followTrigger(source);
        source.fire();
        await waitUntil(clock, () => triggered.length >= 1, 'a triggered frame', 30);
        expect(frames).toHaveLength(1);
        expect(triggered[0]?.value).toBe(frames[0]);
      } finally {
        offFrame();
        offTriggered();
        await device.followTrigger(undefined);
      }
    });
  });
}
