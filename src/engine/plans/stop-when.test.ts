import { describe, expect, it } from 'vitest';
import { DaqError } from '../../core/index.js';
import { count, gridScan, lineScan, listScan } from './scans.js';
import type { ScanPoint } from './step-scan.js';
import type { StopWhen } from './stop-when.js';
import { simulatedLab, xyLab } from './plans.fixture.js';

const power = (p: ScanPoint): number => p.readings['power_meter']?.value as number;

describe('stopWhen', () => {
  it('ends a lineScan after the first point above the threshold, that point included, and says why', async () => {
    const { lab, stage, meter } = await simulatedLab();
    const reasons: string[] = [];
    const seen: number[] = [];
    const points = await lineScan(stage, meter, {
      start: 5, stop: 20, num: 61,
      stopWhen: { device: meter, above: 1 },
      onPoint: (p) => void seen.push(p.index),
      onStop: (reason, p) => reasons.push(`${p.index}: ${reason}`),
    });
    expect(points.length).toBeGreaterThan(5);
    expect(points.length).toBeLessThan(30);
    expect(power(points.at(-1) as ScanPoint)).toBeGreaterThan(1);
    for (const p of points.slice(0, -1)) expect(power(p)).toBeLessThanOrEqual(1);
    // the point that crossed was handed on (recorded) like the others
    expect(seen).toEqual(points.map((p) => p.index));
    expect(reasons).toEqual([expect.stringMatching(new RegExp(`^${points.length - 1}: stopWhen: power_meter read [\\d.]+ W, above 1 W$`))]);
    expect(await stage.position()).toBeCloseTo(points.at(-1)?.targets['stage'] as number, 6);
    await lab.disconnect();
  });

  it('watches a motor\'s position, a band (above and below), or any of a list', async () => {
    const { lab, stage, meter } = await simulatedLab();
    const listed = await listScan(stage, meter, { positions: [3, 1, 12, 5], stopWhen: { device: 'stage', above: 10 } });
    expect(listed.map((p) => p.targets['stage'])).toEqual([3, 1, 12]);
    const band = await lineScan(stage, meter, { start: 12.5, stop: 20, num: 16, stopWhen: { device: meter, below: 0.5, above: 10 } });
    expect(power(band.at(-1) as ScanPoint)).toBeLessThan(0.5);
    expect(band.length).toBeLessThan(16);
    await lab.disconnect();
    const { lab: xy, x, y, t } = await xyLab();
    const reasons: string[] = [];
    const grid = (stopWhen: StopWhen[]) =>
      gridScan(y, x, t, { outer: { start: 0, stop: 1, num: 3 }, inner: { start: 0, stop: 2, num: 3 }, stopWhen, onStop: (reason) => reasons.push(reason) });
    expect(await grid([{ device: t, above: 1000 }])).toHaveLength(9);
    expect(reasons).toEqual([]);
    const stopped = await grid([{ device: t, above: 1000 }, { device: y, above: 0.6 }]);
    expect(stopped.map((p) => [p.targets['y'], p.targets['x']])).toEqual([[0, 0], [0, 1], [0, 2], [0.5, 0], [0.5, 1], [0.5, 2], [1, 0]]);
    expect(reasons).toEqual(['stopWhen: y read 1 mm, above 0.6 mm']);
    await xy.disconnect();
  });

  it('ends a count', async () => {
    const { lab, clock, thermometer } = await simulatedLab();
    const reasons: string[] = [];
    const points = await count(thermometer, {
      num: 10, delayS: 1, sleep: (s) => clock.sleep(s),
      stopWhen: { device: thermometer, below: 100 },
      onStop: (reason, p) => reasons.push(`${p.index}: ${reason}`),
    });
    expect(points).toHaveLength(1);
    expect(reasons).toEqual([expect.stringMatching(/^0: stopWhen: thermometer read [\d.]+ degC, below 100 degC$/)]);
    await lab.disconnect();
  });

  it('refuses a condition that could never be checked, naming the plan and the option, before anything moves', async () => {
    const { lab, stage, meter, thermometer } = await simulatedLab();
    await stage.moveAbs(3);
    const range = { start: 5, stop: 20, num: 4, planName: 'lineScan' };
    const cases: [unknown, string][] = [
      [{ device: thermometer, above: 30 }, 'lineScan: stopWhen.device thermometer is not read by this plan: it watches one of the plan\'s devices (power_meter, stage), so the reading that stops it is in its data'],
      [{ device: meter }, 'lineScan: stopWhen needs a threshold: above, below or both'],
      [{ device: meter, above: '1e-3' }, 'lineScan: stopWhen.above must be a finite number, got "1e-3"'],
      [{ device: meter, above: 1, below: 2 }, 'lineScan: stopWhen.below (2) is above .above (1): the plan would stop at its first point'],
      [{ device: meter, over: 1 }, 'lineScan: stopWhen has no option "over" (it takes device, above, below)'],
      [{ above: 1 }, 'lineScan: stopWhen.device must be one of the plan\'s devices (power_meter, stage), got undefined'],
      [[{ device: meter, above: 1 }, 'power_meter'], 'lineScan: stopWhen[1] must be an object such as { device: power_meter, above: 0.001 }, got "power_meter"'],
    ];
    for (const [stopWhen, message] of cases) {
      const error = await lineScan(stage, meter, { ...range, stopWhen: stopWhen as never }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DaqError);
      expect((error as DaqError).code).toBe('invalid_argument');
      expect((error as DaqError).message).toBe(message);
    }
    expect(await stage.position()).toBeCloseTo(3, 6);
    await lab.disconnect();
  });
});
