import { describe, expect, it } from 'vitest';
import type { ScanPoint } from '../plans/index.js';
import { PointPacker } from './packed-points.js';

const point = (index: number, reading: Record<string, unknown>): ScanPoint =>
  ({ index, targets: { stage: index }, positions: { stage: index + 0.5 }, readings: { meter: reading } }) as unknown as ScanPoint;

describe('a plan\'s points packed by column', () => {
  it('a column the same at every point is sent once; the others per point', () => {
    const packer = new PointPacker();
    for (let i = 0; i < 3; i++) packer.add(point(i, { value: i * 2, units: 'W', timestampS: 10 + i }));
    expect(packer.packed()).toEqual({
      __daq_points: 3,
      targets: { stage: [0, 1, 2] },
      positions: { stage: [0.5, 1.5, 2.5] },
      readings: { meter: { value: [0, 2, 4], units: { c: 'W' }, timestampS: [10, 11, 12] } },
    });
  });

  it('a detector whose readings change fields is sent as its readings, the earlier ones included', () => {
    const packer = new PointPacker();
    packer.add(point(0, { value: 1, units: 'W' }));
    packer.add(point(1, { value: [1, 2], units: 'W', extra: true }));
    expect(packer.packed().readings).toEqual({ meter: [{ value: 1, units: 'W' }, { value: [1, 2], units: 'W', extra: true }] });
  });
});
