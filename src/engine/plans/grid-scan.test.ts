import { describe, expect, it } from 'vitest';
import { gridScan } from './scans.js';
import { xyLab } from './plans.fixture.js';

describe('gridScan', () => {
  it('runs the inner axis for each outer point', async () => {
    const { lab, x, y, t } = await xyLab();
    const points = await gridScan(y, x, t, { outer: { start: 0, stop: 2, num: 2 }, inner: { start: 0, stop: 1, num: 3 } });
    expect(points.map((p) => [p.targets['y'], p.targets['x']])).toEqual([[0, 0], [0, 0.5], [0, 1], [2, 0], [2, 0.5], [2, 1]]);
    await lab.disconnect();
  });

  it('with snake, every other inner line runs backwards', async () => {
    const { lab, x, y, t } = await xyLab();
    const points = await gridScan(y, x, [t], { outer: { start: 0, stop: 2, num: 3 }, inner: { start: 0, stop: 1, num: 2 }, snake: true });
    expect(points.map((p) => [p.targets['y'], p.targets['x']])).toEqual([[0, 0], [0, 1], [1, 1], [1, 0], [2, 0], [2, 1]]);
    for (const p of points) expect(p.positions['x']).toBeCloseTo(p.targets['x'] as number, 6);
    await lab.disconnect();
  });

  it('refuses a grid that leaves either motor\'s limits before anything moves', async () => {
    const { lab, x, y, t } = await xyLab();
    await expect(gridScan(y, x, t, { outer: { start: 0, stop: 1, num: 2 }, inner: { start: 0, stop: 99, num: 2 } })).rejects.toMatchObject({
      code: 'out_of_range',
      message: 'x: scan 0..99 mm leaves the limits 0..50 mm',
    });
    expect(await x.position()).toBe(0);
    expect(await y.position()).toBe(0);
    await lab.disconnect();
  });
});
