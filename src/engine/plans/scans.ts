/**
 * Scan plans: line, list, grid, product and inner-product scans, and counts. Their axes are any
 * settable quantity (axis.ts: a stage, a wavelength, a voltage...), so the compiler refuses a
 * thermometer where an axis is needed (see scans.type-test.ts). Each returns the points it read;
 * the run engine records them as a stream.
 */
import type { Readable } from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';
import type { Device } from '../../devices/index.js';
import { type AxisLike, type ScanAxis, toAxis } from './axis.js';
import { extent, MAX_RETURNED_POINTS, type ScanOptions, type ScanPath, type ScanPoint, stepScan } from './step-scan.js';

/** An evenly spaced axis: `num` points from `start` to `stop`, both included (motor units). */
export interface AxisRange {
  start: number;
  stop: number;
  num: number;
}

/** Most points of one scan (2^32 - 1: what progress and seq_num can count). */
export const MAX_SCAN_POINTS = 2 ** 32 - 1;

/** An evenly spaced axis, computed point by point: `at(i)` is point i of `num` from `start` to `stop`, both included. */
export interface Axis {
  readonly num: number;
  at(index: number): number;
  readonly lo: number;
  readonly hi: number;
}

/** The axis of `num` evenly spaced values from `start` to `stop`, both included (nothing is built). */
export function axis(start: number, stop: number, num: number, what = 'number of points'): Axis {
  if (!Number.isInteger(num) || num < 1 || num > MAX_SCAN_POINTS) {
    throw new DaqError('invalid_argument', `${what} must be a whole number from 1 to ${MAX_SCAN_POINTS}, got ${num}`);
  }
  if (typeof start !== 'number' || typeof stop !== 'number' || !Number.isFinite(start) || !Number.isFinite(stop)) {
    throw new DaqError('invalid_argument', `start and stop must be finite numbers, got ${start} and ${stop}`);
  }
  const step = num === 1 ? 0 : (stop - start) / (num - 1);
  return { num, at: (i) => (i === num - 1 && num > 1 ? stop : start + i * step), lo: Math.min(start, stop), hi: num === 1 ? start : Math.max(start, stop) };
}

/** `num` evenly spaced values from `start` to `stop`, both included. */
export function linspace(start: number, stop: number, num: number): number[] {
  const a = axis(start, stop, num);
  return Array.from({ length: num }, (_, i) => a.at(i));
}

function asList<D>(detectors: D | readonly D[]): readonly D[] {
  return Array.isArray(detectors) ? (detectors as readonly D[]) : [detectors as D];
}

/** Options of the scans that set axes. */
export interface AxisScanOptions extends ScanOptions {
  /**
   * True: positions are offsets from where each axis is when the plan starts (Bluesky's
   * `rel_scan`), and the axes are set back there when the plan ends, also after a failed point
   * (not after an abort, which stops everything where it is).
   */
  relative?: boolean;
}

/** One axis of a {@link productScan} or {@link innerScan}: what to set, and its values. */
export interface AxisSpan {
  axis: AxisLike;
  start: number;
  stop: number;
}

/**
 * Runs `path` over `axes`; with `relative`, shifted by where each axis is now and set back after
 * (see {@link AxisScanOptions.relative}).
 */
export async function scanAxes<D extends Readable & Device>(
  axes: readonly ScanAxis[],
  detectors: readonly D[],
  path: ScanPath,
  options: AxisScanOptions,
): Promise<ScanPoint[]> {
  const names = new Set<string>();
  for (const a of axes) {
    if (names.has(a.name)) throw new DaqError('invalid_argument', `${a.name} is given twice as an axis of one scan`, { device: a.device.name });
    names.add(a.name);
  }
  if (options.relative !== true) return stepScan(axes, detectors, path, options);
  const origins = await Promise.all(axes.map((a) => a.setpoint()));
  const shifted: ScanPath = {
    // a getter: an adaptive path's length changes as it goes
    get length() {
      return path.length;
    },
    at: (i) => path.at(i).map((v, m) => v + (origins[m] as number)),
    range: (m) => {
      const { lo, hi } = path.range(m);
      return { lo: lo + (origins[m] as number), hi: hi + (origins[m] as number) };
    },
  };
  const back = () => Promise.all(axes.map((a, m) => a.set(origins[m] as number, options.signal === undefined ? {} : { signal: options.signal })));
  let points: ScanPoint[];
  try {
    points = await stepScan(axes, detectors, shifted, options);
  } catch (error) {
    if (options.signal?.aborted !== true) await back().catch(() => undefined);
    throw error;
  }
  await back();
  return points;
}

/** Moves `axis` through `num` points from `start` to `stop` and reads the detectors at each. */
export async function lineScan<D extends Readable & Device>(
  scanned: AxisLike,
  detectors: D | readonly D[],
  options: AxisRange & AxisScanOptions,
): Promise<ScanPoint[]> {
  const a = axis(options.start, options.stop, options.num);
  const path: ScanPath = { length: a.num, at: (i) => [a.at(i)], range: () => ({ lo: a.lo, hi: a.hi }) };
  return scanAxes([toAxis(scanned, 'lineScan')], asList(detectors), path, options);
}

/** Sets `axis` to each of `positions` in turn and reads the detectors at each. */
export async function listScan<D extends Readable & Device>(
  scanned: AxisLike,
  detectors: D | readonly D[],
  options: { positions: readonly number[] } & AxisScanOptions,
): Promise<ScanPoint[]> {
  if (!Array.isArray(options.positions) || options.positions.length === 0) {
    throw new DaqError('invalid_argument', 'listScan: positions must be a non-empty array of numbers');
  }
  const positions = options.positions;
  const path: ScanPath = { length: positions.length, at: (i) => [positions[i] as number], range: () => extent(positions) };
  return scanAxes([toAxis(scanned, 'listScan')], asList(detectors), path, options);
}

/**
 * Scans a grid: for each point of `outer`, the whole `inner` axis. With `snake`, every other
 * inner line runs backwards, so the inner axis never flies back across the grid.
 */
export async function gridScan<D extends Readable & Device>(
  outerAxis: AxisLike,
  innerAxis: AxisLike,
  detectors: D | readonly D[],
  options: { outer: AxisRange; inner: AxisRange; snake?: boolean } & AxisScanOptions,
): Promise<ScanPoint[]> {
  const outerA = toAxis(outerAxis, 'gridScan');
  const innerA = toAxis(innerAxis, 'gridScan');
  if (outerA.name === innerA.name) {
    throw new DaqError('invalid_argument', `gridScan: the outer and inner axes are both "${outerA.name}"`);
  }
  const outer = axis(options.outer?.start, options.outer?.stop, options.outer?.num, 'gridScan: outer.num');
  const inner = axis(options.inner?.start, options.inner?.stop, options.inner?.num, 'gridScan: inner.num');
  return scanAxes([outerA, innerA], asList(detectors), productPath([outer, inner], options.snake === true, 'gridScan'), options);
}

/**
 * Scans every combination of the axes' values, the first axis outermost (Bluesky's `grid_scan`
 * with any number of axes). With `snake`, each inner axis reverses direction on every other pass,
 * so only one axis changes between neighbouring points.
 */
export async function productScan<D extends Readable & Device>(
  axes: readonly (AxisSpan & { num: number })[],
  detectors: D | readonly D[],
  options: { snake?: boolean } & AxisScanOptions = {},
): Promise<ScanPoint[]> {
  if (!Array.isArray(axes) || axes.length === 0) {
    throw new DaqError('invalid_argument', 'productScan: axes must be a non-empty array of {axis, start, stop, num}');
  }
  const ranges = axes.map((a, k) => axis(a?.start, a?.stop, a?.num, `productScan: axes[${k}].num`));
  const scanned = axes.map((a) => toAxis(a.axis, 'productScan'));
  return scanAxes(scanned, asList(detectors), productPath(ranges, options.snake === true, 'productScan'), options);
}

/**
 * Sets all the axes together through `num` points, each from its own `start` to its own `stop`
 * (Bluesky's `scan`, an inner product): e.g. two stages along a diagonal.
 */
export async function innerScan<D extends Readable & Device>(
  axes: readonly AxisSpan[],
  detectors: D | readonly D[],
  options: { num: number } & AxisScanOptions,
): Promise<ScanPoint[]> {
  if (!Array.isArray(axes) || axes.length === 0) {
    throw new DaqError('invalid_argument', 'innerScan: axes must be a non-empty array of {axis, start, stop}');
  }
  const ranges = axes.map((a) => axis(a?.start, a?.stop, options.num, 'innerScan: num'));
  const scanned = axes.map((a) => toAxis(a.axis, 'innerScan'));
  const path: ScanPath = {
    length: options.num,
    at: (i) => ranges.map((r) => r.at(i)),
    range: (m) => ({ lo: (ranges[m] as Axis).lo, hi: (ranges[m] as Axis).hi }),
  };
  return scanAxes(scanned, asList(detectors), path, options);
}

/**
 * The path over every combination of `ranges`, the first outermost. With `snake`, axis `k`
 * runs backwards on its odd passes (a pass of axis k takes `n_k * stride_k` points).
 */
function productPath(ranges: readonly Axis[], snake: boolean, plan: string): ScanPath {
  let length = 1;
  for (const r of ranges) length *= r.num;
  if (length > MAX_SCAN_POINTS) {
    throw new DaqError('invalid_argument', `${plan}: ${ranges.map((r) => r.num).join(' x ')} points; at most ${MAX_SCAN_POINTS} in one scan`);
  }
  const strides = ranges.map((_, k) => ranges.slice(k + 1).reduce((p, r) => p * r.num, 1));
  return {
    length,
    at: (i) =>
      ranges.map((r, k) => {
        const stride = strides[k] as number;
        const c = Math.floor(i / stride) % r.num;
        const pass = Math.floor(i / (stride * r.num));
        return r.at(snake && pass % 2 === 1 ? r.num - 1 - c : c);
      }),
    range: (m) => ({ lo: (ranges[m] as Axis).lo, hi: (ranges[m] as Axis).hi }),
  };
}

/** Reads the detectors `num` times, `delayS` seconds apart (`sleep` waits on the run's clock). */
export async function count<D extends Readable & Device>(
  detectors: D | readonly D[],
  options: { num: number; delayS?: number; sleep?: (seconds: number) => Promise<void> } & ScanOptions,
): Promise<ScanPoint[]> {
  if (!Number.isInteger(options.num) || options.num < 1 || options.num > MAX_SCAN_POINTS) {
    throw new DaqError('invalid_argument', `count: num must be a whole number from 1 to ${MAX_SCAN_POINTS}, got ${options.num}`);
  }
  const keep = options.returnPoints !== false;
  if (keep && options.num > MAX_RETURNED_POINTS) {
    throw new DaqError('invalid_argument', `count: ${options.num} points cannot all be returned to the script (at most ${MAX_RETURNED_POINTS}); pass returnPoints: false (every point is recorded in the stream either way)`);
  }
  const points: ScanPoint[] = [];
  const list = asList(detectors);
  const once: ScanPath = { length: 1, at: () => [], range: () => ({ lo: 0, hi: 0 }) };
  let stopped = false;
  for (let i = 0; i < options.num && !stopped; i++) {
    if (i > 0 && (options.delayS ?? 0) > 0) await options.sleep?.(options.delayS ?? 0);
    const [point] = await stepScan([], list, once, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.checkpoint === undefined ? {} : { checkpoint: options.checkpoint }),
      ...(options.retake === undefined ? {} : { retake: options.retake }),
      onPoint: (p) => options.onPoint?.({ ...p, index: i }, options.num),
      // stopWhen is checked by the step scan of each reading; it ends the count too
      ...(options.stopWhen === undefined ? {} : { stopWhen: options.stopWhen, planName: options.planName ?? 'count' }),
      onStop: (reason, p) => {
        stopped = true;
        options.onStop?.(reason, { ...p, index: i });
      },
    });
    if (keep) {
      const indexed = { ...(point as ScanPoint), index: i };
      if (options.keep === undefined) points.push(indexed);
      else options.keep(indexed);
    }
  }
  return points;
}
