/**
 * Conformance of {@link RoiSelectable}: a region inside the sensor is kept as set, one that
 * leaves the sensor or is empty is refused with `out_of_range` leaving the region as it was,
 * and (for a camera) the frame size follows the region.
 */
import { describe, expect } from 'vitest';
import type { Device } from '../devices/device.js';
import { isFrameProducer, type Roi, type RoiSelectable } from '../capabilities/index.js';
import { expectDaqError, harnessCases } from './common.conformance.js';
import type { HarnessFactory } from './harness.js';

type RoiDevice = RoiSelectable & Device;

/** `value` rounded down to a multiple of 8 when the sensor is large enough for cameras that want aligned ROIs. */
function aligned(value: number, sensorPixels: number): number {
  return sensorPixels >= 64 ? Math.floor(value / 8) * 8 : Math.floor(value);
}

/** A region in the middle of the sensor, about half its width and height. */
function centralRoi(sensor: { width: number; height: number }): Roi {
  return {
    x: aligned(sensor.width / 4, sensor.width),
    y: aligned(sensor.height / 4, sensor.height),
    width: Math.max(1, aligned(sensor.width / 2, sensor.width)),
    height: Math.max(1, aligned(sensor.height / 2, sensor.height)),
  };
}

/** Regions that leave the sensor or are empty, with what is wrong with each. */
function invalidRois(sensor: { width: number; height: number }): [string, Roi][] {
  const { width: w, height: h } = sensor;
  return [
    ['past the right edge', { x: w - 4, y: 0, width: 8, height: 8 }],
    ['past the bottom edge', { x: 0, y: h - 4, width: 8, height: 8 }],
    ['left of the sensor', { x: -1, y: 0, width: 8, height: 8 }],
    ['above the sensor', { x: 0, y: -1, width: 8, height: 8 }],
    ['wider than the sensor', { x: 0, y: 0, width: w + 1, height: h }],
    ['taller than the sensor', { x: 0, y: 0, width: w, height: h + 1 }],
    ['of zero width', { x: 0, y: 0, width: 0, height: 8 }],
    ['of zero height', { x: 0, y: 0, width: 8, height: 0 }],
    ['of negative width', { x: 16, y: 16, width: -8, height: 8 }],
  ];
}

/** Registers the {@link RoiSelectable} conformance cases for the devices `create` makes. */
export function roiSelectableConformance(label: string, create: HarnessFactory<RoiDevice>): void {
  describe(`${label} conforms to RoiSelectable`, () => {
    const test = harnessCases(create);

    test('sensorSize() is whole pixels and the present region lies on the sensor', async ({ device }) => {
      const sensor = device.sensorSize();
      expect(Number.isInteger(sensor.width) && sensor.width > 0, `sensor width ${sensor.width}`).toBe(true);
      expect(Number.isInteger(sensor.height) && sensor.height > 0, `sensor height ${sensor.height}`).toBe(true);
      const roi = await device.roi();
      expect(roi.x).toBeGreaterThanOrEqual(0);
      expect(roi.y).toBeGreaterThanOrEqual(0);
      expect(roi.width).toBeGreaterThan(0);
      expect(roi.height).toBeGreaterThan(0);
      expect(roi.x + roi.width).toBeLessThanOrEqual(sensor.width);
      expect(roi.y + roi.height).toBeLessThanOrEqual(sensor.height);
    });

    test('setRoi then roi() round-trips, for a central region and for the whole sensor', async ({ device }) => {
      const sensor = device.sensorSize();
      for (const roi of [centralRoi(sensor), { x: 0, y: 0, ...sensor }, centralRoi(sensor)]) {
        await device.setRoi(roi);
        expect(await device.roi(), `roi() after setRoi(${JSON.stringify(roi)})`).toEqual(roi);
      }
      expect(device.state).toBe('idle');
    });

    test('refuses regions that leave the sensor or are empty with out_of_range, keeping the region', async ({
      device,
    }) => {
      const sensor = device.sensorSize();
      const kept = centralRoi(sensor);
      await device.setRoi(kept);
      for (const [what, roi] of invalidRois(sensor)) {
        await expectDaqError(device.setRoi(roi), 'out_of_range', `setRoi of a region ${what}: ${JSON.stringify(roi)}`);
        expect(await device.roi(), `roi() after refusing a region ${what}`).toEqual(kept);
      }
    });

    test('the frame size follows the region', async ({ device }, context) => {
      if (!isFrameProducer(device)) return context.skip('not a FrameProducer');
      const sensor = device.sensorSize();
      const full = { x: 0, y: 0, ...sensor };
      await device.setRoi(full);
      const fullFrame = device.frameSize();
      // Binning (if any) divides the region: measure it on the full sensor.
      const binX = sensor.width / fullFrame.width;
      const binY = sensor.height / fullFrame.height;
      for (const roi of [centralRoi(sensor), full]) {
        await device.setRoi(roi);
        const expected = { width: Math.floor(roi.width / binX), height: Math.floor(roi.height / binY) };
        const size = device.frameSize();
        expect({ width: size.width, height: size.height }, `frameSize() after setRoi(${JSON.stringify(roi)})`).toEqual(
          expected,
        );
        const frame = await device.snap();
        expect({ width: frame.width, height: frame.height }, 'snapped frame size').toEqual(expected);
        expect(frame.data.length).toBe(expected.width * expected.height);
      }
    });
  });
}
