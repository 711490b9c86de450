/**
 * Conformance of {@link ExposureControl}: exposures inside `exposureRange()` (its ends
 * included) are kept, others refused with `out_of_range` leaving the exposure as it was, and a
 * camera's frames report the exposure that was set.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import { isFrameProducer, type ExposureControl } from '../capabilities/index.js';
import {
  along,
  expectNear,
  expectRefusedOutside,
  expectRoundTrips,
  expectValidLimits,
  harnessCases,
  type RangedSetting,
} from './common.conformance.js';
import type { HarnessFactory } from './harness.js';

type ExposureDevice = ExposureControl & Device;

/** Tolerance of an exposure read back: a thousandth of it, as cameras round to their line time. */
function tolerance(exposureS: number): number {
  return Math.max(Math.abs(exposureS) * 1e-3, 1e-9);
}

function exposureSetting(device: ExposureDevice): RangedSetting {
  return {
    name: 'setExposure',
    range: device.exposureRange(),
    set: (exposureS) => device.setExposure(exposureS),
    get: () => device.exposure(),
    tolerance,
  };
}

/** Registers the {@link ExposureControl} conformance cases for the devices `create` makes. */
export function exposureControlConformance(label: string, create: HarnessFactory<ExposureDevice>): void {
  describe(`${label} conforms to ExposureControl`, () => {
    const test = harnessCases(create);

    test('exposureRange() is a finite, non-negative range holding the present exposure', async ({ device }) => {
      const range = device.exposureRange();
      expectValidLimits(range, 'exposureRange()');
      expect(range.min, 'shortest exposure').toBeGreaterThanOrEqual(0);
      const exposureS = await device.exposure();
      expect(exposureS).toBeGreaterThanOrEqual(range.min);
      expect(exposureS).toBeLessThanOrEqual(range.max);
    });

    test('setExposure then exposure() round-trips, the range ends included', async ({ device }) => {
      const range = device.exposureRange();
      await expectRoundTrips(exposureSetting(device), [along(range, 0.5), range.max, range.min, along(range, 0.01)]);
      expect(device.state).toBe('idle');
    });

    test('refuses exposures outside the range with out_of_range and keeps the exposure', async ({ device }) => {
      await expectRefusedOutside(exposureSetting(device), along(device.exposureRange(), 0.25));
    });

    test('frames report the exposure that was set', async ({ device }, context) => {
      if (!isFrameProducer(device)) return context.skip('not a FrameProducer');
      const range = device.exposureRange();
      for (const exposureS of [along(range, 0.01), along(range, 0.02)]) {
        await device.setExposure(exposureS);
        const frame = await device.snap();
        expectNear(frame.exposureS, exposureS, tolerance(exposureS), `frame.exposureS after setExposure(${exposureS})`);
      }
    });
  });
}
