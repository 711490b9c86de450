/**
 * Conformance of {@link TriggerSource}: a rate train emits `count` pulses `1 / rateHz` apart on
 * the clock, indexed from 0; a position train on a source with an axis pulses as the axis
 * crosses each position, with the position latched; `stopPulses()` ends a train; bad trains are
 * refused with `invalid_argument`, a change while pulsing with `failed_precondition`.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import { isMovable, type Pulse, type PulseTrain, type TriggerSource } from '../capabilities/index.js';
import { along, expectDaqError, expectNear, harnessCases } from './common.conformance.js';
import { elapse, type HarnessFactory } from './harness.js';

type TriggerSourceDevice = TriggerSource & Device;

/** Registers the {@link TriggerSource} conformance cases for the devices `create` makes. */
export function triggerSourceConformance(label: string, create: HarnessFactory<TriggerSourceDevice>): void {
  describe(`${label} conforms to TriggerSource`, () => {
    const test = harnessCases(create);

    test('a rate train emits count pulses 1/rate apart, indexed from 0, and then is done', async ({ device, clock }) => {
      const pulses: Pulse[] = [];
      const unsubscribe = device.onPulse((pulse) => pulses.push(pulse));
      try {
        await device.setPulseTrain({ rateHz: 50, count: 5 });
        const t0 = clock.now();
        await device.startPulses();
        await device.waitPulses(10);
        expect(pulses.map((p) => p.index)).toEqual([0, 1, 2, 3, 4]);
        pulses.forEach((pulse, i) => expectNear(pulse.timeS - t0, i / 50, 1e-3, `time of pulse ${i}`));
        await elapse(clock, 0.5);
        expect(pulses, 'pulses after the train was done').toHaveLength(5);
      } finally {
        unsubscribe();
      }
    });

    test('stopPulses() ends a train: no pulse comes after it', async ({ device, clock }) => {
      const pulses: Pulse[] = [];
      const unsubscribe = device.onPulse((pulse) => pulses.push(pulse));
      try {
        await device.setPulseTrain({ rateHz: 10, count: 1000 });
        await device.startPulses();
        await elapse(clock, 0.25);
        await device.stopPulses();
        const seen = pulses.length;
        expect(seen, 'pulses before the stop').toBeGreaterThan(0);
        expect(seen).toBeLessThan(1000);
        await elapse(clock, 1);
        expect(pulses, 'pulses after the stop').toHaveLength(seen);
        await device.waitPulses(1);
      } finally {
        unsubscribe();
      }
    });

    test('refuses trains that cannot be emitted, and a change while pulsing', async ({ device }) => {
      const bad: unknown[] = [{ rateHz: 0, count: 3 }, { rateHz: -1, count: 3 }, { rateHz: Number.NaN, count: 3 }, { rateHz: 10, count: 0 }, { rateHz: 10, count: 2.5 }, { positions: [] }, { positions: [1, Number.NaN] }, { positions: [1, 3, 2] }, { positions: [1, 1] }];
      for (const train of bad) {
        await expectDaqError(device.setPulseTrain(train as PulseTrain), 'invalid_argument', `setPulseTrain(${JSON.stringify(train)})`);
      }
      await device.setPulseTrain({ rateHz: 1, count: 100 });
      await device.startPulses();
      await expectDaqError(device.setPulseTrain({ rateHz: 2, count: 1 }), 'failed_precondition', 'setPulseTrain() while pulsing');
      await device.stopPulses();
      await device.setPulseTrain({ rateHz: 2, count: 1 });
    });

    test('a position train pulses as the axis crosses each position, latching it, in order', async ({ device }, context) => {
      if (!isMovable(device)) return context.skip('no axis of its own');
      const limits = await device.limits();
      const positions = [0.3, 0.4, 0.5, 0.6].map((f) => along(limits, f));
      const pulses: Pulse[] = [];
      const unsubscribe = device.onPulse((pulse) => pulses.push(pulse));
      try {
        await device.moveAbs(along(limits, 0.1));
        await device.setPulseTrain({ positions });
        await device.startPulses();
        await device.moveAbs(along(limits, 0.9));
        await device.waitPulses(1);
        expect(pulses.map((p) => p.index)).toEqual([0, 1, 2, 3]);
        pulses.forEach((pulse, i) => expectNear(pulse.position ?? Number.NaN, positions[i] as number, (limits.max - limits.min) * 1e-3, `latched position of pulse ${i}`));
        for (let i = 1; i < pulses.length; i++) expect(pulses[i]?.timeS).toBeGreaterThan(pulses[i - 1]?.timeS ?? Infinity);
      } finally {
        unsubscribe();
      }
    });
  });
}
