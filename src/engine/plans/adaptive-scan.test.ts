import { describe, expect, it } from 'vitest';
import { DaqError } from '../../core/index.js';
import { adaptiveScan } from './adaptive-scan.js';
import { lineScan } from './scans.js';
import { type ScanDetector, type ScanMotor, type ScanPath, type ScanPoint, stepScan } from './step-scan.js';
import { simulatedLab } from './plans.fixture.js';

/** The coupling peak of examples/lab.toml (power_meter's peak_position), mm. */
const PEAK_MM = 12.5;

const power = (p: ScanPoint): number => p.readings['power_meter']?.value as number;
const where = (p: ScanPoint): number => p.targets['stage'] as number;

/**
 * The centre of a Gaussian peak: a least-squares parabola through ln(signal) of the points above
 * half the highest (a Gaussian's logarithm is a parabola; its vertex is the centre). The same
 * estimate for both scans, so the comparison is of the points, not of the estimators.
 */
function gaussianCentre(points: readonly ScanPoint[]): number {
  const highest = Math.max(...points.map(power));
  const top = points.filter((p) => power(p) > highest / 2);
  const mean = top.reduce((sum, p) => sum + where(p), 0) / top.length;
  // normal equations of ln y = a + b u + c u^2, u = x - mean
  const m = [0, 0, 0, 0, 0];
  const r = [0, 0, 0];
  for (const p of top) {
    const u = where(p) - mean;
    const l = Math.log(power(p));
    for (let k = 0; k < 5; k++) m[k] = (m[k] as number) + u ** k;
    for (let k = 0; k < 3; k++) r[k] = (r[k] as number) + l * u ** k;
  }
  const [s0, s1, s2, s3, s4] = m as [number, number, number, number, number];
  const [r0, r1, r2] = r as [number, number, number];
  const det = (a: number[][]): number =>
    a[0]![0]! * (a[1]![1]! * a[2]![2]! - a[1]![2]! * a[2]![1]!) - a[0]![1]! * (a[1]![0]! * a[2]![2]! - a[1]![2]! * a[2]![0]!) + a[0]![2]! * (a[1]![0]! * a[2]![1]! - a[1]![1]! * a[2]![0]!);
  const d = det([[s0, s1, s2], [s1, s2, s3], [s2, s3, s4]]);
  const b = det([[s0, r0, s2], [s1, r1, s3], [s2, r2, s4]]) / d;
  const c = det([[s0, s1, r0], [s1, s2, r1], [s2, s3, r2]]) / d;
  return mean - b / (2 * c);
}

/** Gaps between neighbouring positions (sorted) where `keep` holds for the point on the left. */
function gaps(points: readonly ScanPoint[], keep: (p: ScanPoint) => boolean): number[] {
  const sorted = [...points].sort((a, b) => where(a) - where(b));
  const out: number[] = [];
  for (let i = 1; i < sorted.length; i++) if (keep(sorted[i - 1] as ScanPoint)) out.push(where(sorted[i] as ScanPoint) - where(sorted[i - 1] as ScanPoint));
  return out;
}

/**
 * Bluesky's adaptive_scan without backstep, line for line (bluesky/bluesky, src/bluesky/plans.py,
 * adaptive_core), as a path for the same step scan: to compare where each puts its points.
 */
async function blueskyAdaptive(motor: ScanMotor, detector: ScanDetector, o: { start: number; stop: number; minStep: number; maxStep: number; targetDelta: number }) {
  let next = o.start;
  let step = (o.maxStep - o.minStep) / 2;
  let past: number | undefined;
  let done = 0;
  const path: ScanPath = {
    get length() {
      return next < o.stop ? done + 1 : done;
    },
    at: () => [next],
    range: () => ({ lo: o.start, hi: o.stop }),
  };
  return stepScan([motor], [detector], path, {
    onPoint: (point) => {
      done += 1;
      const current = power(point);
      if (past === undefined) {
        past = current;
        next += step;
        return;
      }
      const slope = Math.abs(current - past) / step;
      const wanted = slope !== 0 ? Math.min(o.maxStep, Math.max(o.minStep, o.targetDelta / slope)) : Math.min(step * 1.1, o.maxStep);
      past = current;
      step = 0.2 * wanted + 0.8 * step;
      next += step;
    },
  });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

describe('adaptiveScan', () => {
  it('finds the coupling peak to 0.01 mm with at most a third of the points of a uniform 0.01 mm scan', async () => {
    const { lab, stage, meter } = await simulatedLab();
    const uniform = await lineScan(stage, meter, { start: 5, stop: 20, num: 1501 });
    const adaptive = await adaptiveScan(stage, meter, { start: 5, stop: 20, minStep: 0.01, maxStep: 1, targetDelta: 0.1 });
    expect(where(uniform[1] as ScanPoint) - where(uniform[0] as ScanPoint)).toBeCloseTo(0.01, 9);
    expect(Math.abs(gaussianCentre(uniform) - PEAK_MM)).toBeLessThan(0.01);
    expect(Math.abs(gaussianCentre(adaptive) - PEAK_MM)).toBeLessThan(0.01);
    expect(adaptive.length).toBeLessThanOrEqual(uniform.length / 3);
    // it covers the whole range, both ends measured
    expect(where(adaptive[0] as ScanPoint)).toBe(5);
    expect(where(adaptive.at(-1) as ScanPoint)).toBe(20);
    await lab.disconnect();
  });

  it('refines where the signal changes: small steps on the flanks and over the top, large ones on the baseline', async () => {
    const { lab, stage, meter } = await simulatedLab();
    const points = await adaptiveScan(stage, meter, { start: 0, stop: 30, minStep: 0.01, maxStep: 2, targetDelta: 0.1 });
    const highest = Math.max(...points.map(power));
    const flank = gaps(points, (p) => power(p) > 0.2 * highest && power(p) < 0.8 * highest);
    const top = gaps(points, (p) => power(p) >= 0.8 * highest);
    const baseline = gaps(points, (p) => power(p) < 0.001 * highest);
    expect(median(baseline)).toBeGreaterThan(1);
    expect(median(flank)).toBeLessThan(median(baseline) / 10);
    // the slope vanishes at the top: the curvature keeps the step small there too
    expect(median(top)).toBeLessThan(median(baseline) / 5);
    expect(top.length).toBeGreaterThanOrEqual(8);
    for (const gap of [...flank, ...top, ...baseline]) expect(gap).toBeLessThanOrEqual(2 + 1e-9);
    await lab.disconnect();
  });

  it('without backstep, samples the top of the peak where Bluesky\'s rule strides over it', async () => {
    const { lab, stage, meter } = await simulatedLab();
    const range = { start: 5, stop: 20, minStep: 0.01, maxStep: 1, targetDelta: 0.1 };
    const ours = await adaptiveScan(stage, meter, { ...range, backstep: false });
    const theirs = await blueskyAdaptive(stage, meter, range);
    // within half the beam width (0.75 mm) of the peak: where its centre is decided
    const nearTop = (points: ScanPoint[]) => points.filter((p) => Math.abs(where(p) - PEAK_MM) < 0.75).length;
    expect(nearTop(theirs)).toBeLessThanOrEqual(3);
    expect(nearTop(ours)).toBeGreaterThanOrEqual(15);
    expect(where(theirs.at(-1) as ScanPoint)).toBeLessThan(20);
    expect(where(ours.at(-1) as ScanPoint)).toBe(20);
    await lab.disconnect();
  });

  it('relative: around where the stage is, set back there after (Bluesky\'s rel_adaptive_scan)', async () => {
    const { lab, stage, meter } = await simulatedLab();
    await stage.moveAbs(11);
    const points = await adaptiveScan(stage, meter, { start: -4, stop: 5, minStep: 0.01, maxStep: 1, targetDelta: 0.1, relative: true });
    expect(where(points[0] as ScanPoint)).toBe(7);
    expect(where(points.at(-1) as ScanPoint)).toBe(16);
    expect(Math.abs(gaussianCentre(points) - PEAK_MM)).toBeLessThan(0.01);
    expect(await stage.position()).toBeCloseTo(11, 6);
    await expect(adaptiveScan(stage, meter, { start: -12, stop: 5, minStep: 0.01, maxStep: 1, targetDelta: 0.1, relative: true })).rejects.toThrow('stage: scan -1..16 mm leaves the limits 0..50 mm');
    await lab.disconnect();
  });

  it('scans downwards, and without backstep never moves back', async () => {
    const { lab, stage, meter } = await simulatedLab();
    const points = await adaptiveScan(stage, meter, { start: 20, stop: 5, minStep: 0.01, maxStep: 1, targetDelta: 0.1, backstep: false });
    const xs = points.map(where);
    for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeLessThan(xs[i - 1] as number);
    expect(xs.at(-1)).toBe(5);
    expect(Math.abs(gaussianCentre(points) - PEAK_MM)).toBeLessThan(0.01);
    await lab.disconnect();
  });

  it('with backstep, goes back over a step that turned out too large', async () => {
    const { lab, stage, meter } = await simulatedLab();
    const points = await adaptiveScan(stage, meter, { start: 5, stop: 20, minStep: 0.01, maxStep: 1, targetDelta: 0.1 });
    const xs = points.map(where);
    expect(xs.some((x, i) => i > 0 && x < (xs[i - 1] as number))).toBe(true);
    await lab.disconnect();
  });

  it('reports a total for progress and takes stopWhen like every plan', async () => {
    const { lab, stage, meter } = await simulatedLab();
    const totals: number[] = [];
    const stops: string[] = [];
    const points = await adaptiveScan(stage, meter, {
      start: 5,
      stop: 20,
      minStep: 0.01,
      maxStep: 1,
      targetDelta: 0.1,
      stopWhen: { device: meter, above: 1 },
      onPoint: (_p, total) => void totals.push(total),
      onStop: (reason) => stops.push(reason),
    });
    expect(power(points.at(-1) as ScanPoint)).toBeGreaterThan(1);
    for (const p of points.slice(0, -1)) expect(power(p)).toBeLessThanOrEqual(1);
    expect(stops).toHaveLength(1);
    expect(stops[0]).toMatch(/^stopWhen: power_meter read [\d.]+ W, above 1 W$/);
    expect(totals).toHaveLength(points.length);
    for (const [i, total] of totals.entries()) expect(total).toBeGreaterThan(i);
    await lab.disconnect();
  });

  it('refuses bad options before anything moves, naming the plan and the option', async () => {
    const { lab, stage, meter } = await simulatedLab();
    await stage.moveAbs(3);
    const base = { start: 5, stop: 20, minStep: 0.01, maxStep: 1, targetDelta: 0.1 };
    const cases: [Record<string, unknown>, string | RegExp][] = [
      [{ minStep: 0 }, 'adaptiveScan: minStep must be above 0, got 0'],
      [{ maxStep: 0.001 }, 'adaptiveScan: maxStep must be at least minStep (0.01), got 0.001'],
      [{ targetDelta: undefined }, 'adaptiveScan: targetDelta must be a finite number, got undefined'],
      [{ start: 'five' }, 'adaptiveScan: start must be a finite number, got "five"'],
      [{ stop: 5 }, 'adaptiveScan: stop must differ from start (5), got 5'],
      [{ threshold: 1.5 }, 'adaptiveScan: threshold must be a number between 0 and 1, got 1.5'],
      [{ backstep: 'yes' }, 'adaptiveScan: backstep must be true or false, got "yes"'],
      [{ detector: 'thermometer' }, 'adaptiveScan: detector must be one of the plan\'s detectors (power_meter), got "thermometer"'],
      [{ minStep: 1e-5 }, /^adaptiveScan: up to 1500001 points .* pass returnPoints: false or a larger minStep$/],
      [{ stopWhen: { device: 'power_meter' } }, 'adaptiveScan: stopWhen needs a threshold: above, below or both'],
    ];
    for (const [change, message] of cases) {
      const error = await adaptiveScan(stage, meter, { ...base, ...change } as never).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DaqError);
      expect((error as DaqError).code).toBe('invalid_argument');
      expect((error as DaqError).message).toMatch(typeof message === 'string' ? new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : message);
    }
    const outside = await adaptiveScan(stage, meter, { ...base, start: -1 }).catch((e: unknown) => e);
    expect(outside).toMatchObject({ code: 'out_of_range', message: 'stage: scan -1..20 mm leaves the limits 0..50 mm' });
    expect(await stage.position()).toBeCloseTo(3, 6);
    await lab.disconnect();
  });
});
