import { describe, expect, it } from 'vitest';
import { isMovable, isReadable } from '../../capabilities/index.js';
import { DaqError, VirtualClock } from '../../core/index.js';
import { Lab } from '../../devices/index.js';
import { DRIVERS } from '../../drivers/index.js';
import { count, gridScan, linspace, lineScan, listScan } from './scans.js';
import { simulatedLab } from './plans.fixture.js';

describe('lineScan', () => {
  it('finds the coupling peak of the simulated lab (power meter vs stage)', async () => {
    const { lab, stage, meter } = await simulatedLab();
    const points = await lineScan(stage, meter, { start: 5, stop: 20, num: 61 });
    expect(points).toHaveLength(61);
    const power = (p: (typeof points)[number]) => p.readings['power_meter']?.value as number;
    const best = points.reduce((a, b) => (power(b) > power(a) ? b : a));
    expect(best.positions['stage']).toBeCloseTo(12.5, 0);
    expect(points[0]?.readings['power_meter']?.units).toBe('W');
    for (const point of points) expect(point.positions['stage']).toBeCloseTo(point.targets['stage'] as number, 3);
    await lab.disconnect();
  });

  it('takes the simulated time the moves take', async () => {
    const { clock, lab, stage, meter } = await simulatedLab();
    await stage.moveAbs(0);
    const t0 = clock.now();
    await lineScan(stage, meter, { start: 0, stop: 40, num: 2 });
    // 40 mm at 10 mm/s with 40 mm/s^2 ramps: 4.25 s of motion, plus settling and readings.
    expect(clock.now() - t0).toBeGreaterThan(4.25);
    expect(clock.now() - t0).toBeLessThan(5);
    await lab.disconnect();
  });

  it('refuses a scan that leaves the limits before anything moves', async () => {
    const { lab, stage, meter } = await simulatedLab();
    await stage.moveAbs(3);
    const error = await lineScan(stage, meter, { start: 0, stop: 60, num: 7 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DaqError);
    expect((error as DaqError).code).toBe('out_of_range');
    expect((error as DaqError).message).toBe('stage: scan 0..60 mm leaves the limits 0..50 mm');
    expect(await stage.position()).toBeCloseTo(3, 6);
    await lab.disconnect();
  });

  it('stops the motor and rejects when aborted mid-scan', async () => {
    const { lab, stage, meter } = await simulatedLab();
    const controller = new AbortController();
    const seen: number[] = [];
    const scan = lineScan(stage, meter, {
      start: 0,
      stop: 50,
      num: 11,
      signal: controller.signal,
      onPoint: (p) => {
        seen.push(p.index);
        if (p.index === 2) controller.abort(new DaqError('cancelled', 'stopped by the user'));
      },
    });
    await expect(scan).rejects.toMatchObject({ code: 'cancelled' });
    expect(seen).toEqual([0, 1, 2]);
    await lab.disconnect();
  });

  it('a billion-point scan starts at once and costs no memory: the path is computed point by point', async () => {
    const { lab, stage, meter } = await simulatedLab();
    const controller = new AbortController();
    const totals: number[] = [];
    const scan = lineScan(stage, meter, {
      start: 0,
      stop: 1,
      num: 1e9,
      returnPoints: false,
      signal: controller.signal,
      onPoint: (p, total) => {
        totals.push(total);
        if (p.index === 2) controller.abort(new DaqError('cancelled', 'enough'));
      },
    });
    await expect(scan).rejects.toMatchObject({ code: 'cancelled' });
    expect(totals).toEqual([1e9, 1e9, 1e9]);
    const grid = gridScan(stage, meter as never, meter, { outer: { start: 0, stop: 1, num: 1e5 }, inner: { start: 0, stop: 1, num: 1e5 } });
    await expect(grid).rejects.toThrow(/gridScan: 100000 x 100000 points; at most 4294967295 in one scan/);
    // without returnPoints: false, a scan beyond what the script could be handed is refused before anything moves
    await expect(lineScan(stage, meter, { start: 0, stop: 1, num: 1e6 })).rejects.toThrow(
      'a scan of 1000000 points cannot return them all to the script (at most 100000); pass returnPoints: false',
    );
    await expect(lineScan(stage, meter, { start: 0, stop: 1, num: 1e12, returnPoints: false })).rejects.toThrow(/number of points must be a whole number from 1 to 4294967295/);
    await lab.disconnect();
  });

  it('lists, grids (snake or not) and counts visit the points in order', async () => {
    const clock = new VirtualClock();
    const lab = await Lab.load('examples/lab.toml', DRIVERS, clock);
    await lab.connect();
    const stage = lab.device('stage');
    const bias = lab.device('piezo_bias');
    const meter = lab.device('power_meter');
    if (!isMovable(stage) || !isReadable(meter) || !isReadable(bias)) throw new Error('lab changed');
    const listed = await listScan(stage, meter, { positions: [3, 1, 2] });
    expect(listed.map((p) => p.targets['stage'])).toEqual([3, 1, 2]);
    const second = lab.device('stage');
    await expect(gridScan(stage, second as typeof stage, meter, { outer: { start: 0, stop: 1, num: 2 }, inner: { start: 0, stop: 1, num: 2 } })).rejects.toThrow(
      'gridScan: the outer and inner axes are both "stage"',
    );
    const counted = await count([meter, bias], { num: 3, delayS: 0.5, sleep: (s) => clock.sleep(s) });
    expect(counted.map((p) => Object.keys(p.readings))).toEqual([['power_meter', 'piezo_bias'], ['power_meter', 'piezo_bias'], ['power_meter', 'piezo_bias']]);
    expect(counted.map((p) => p.index)).toEqual([0, 1, 2]);
    await lab.disconnect();
  });

  it('spaces points evenly, both ends included', () => {
    expect(linspace(0, 1, 5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(3, 3, 1)).toEqual([3]);
    expect(() => linspace(0, 1, 0)).toThrow('number of points must be a whole number from 1 to 4294967295, got 0');
  });
});
