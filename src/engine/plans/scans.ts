/**
 * Scan plans: line, list and grid scans, and counts. Generic over capabilities, so the compiler
 * refuses a camera where an axis is needed (see line-scan.type-test.ts). Each returns the
 * points it read; the run engine records them as a stream.
 */
import type { Movable, Readable } from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';
import type { Device } from '../../devices/index.js';
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

/** Moves `motor` through `num` points from `start` to `stop` and reads the detectors at each. */
export async function lineScan<M extends Movable & Device, D extends Readable & Device>(
  motor: M,
  detectors: D | readonly D[],
  options: AxisRange & ScanOptions,
): Promise<ScanPoint[]> {
  const a = axis(options.start, options.stop, options.num);
  const path: ScanPath = { length: a.num, at: (i) => [a.at(i)], range: () => ({ lo: a.lo, hi: a.hi }) };
  return stepScan([motor], asList(detectors), path, options);
}

/** Moves `motor` to each of `positions` in turn and reads the detectors at each. */
export async function listScan<M extends Movable & Device, D extends Readable & Device>(
  motor: M,
  detectors: D | readonly D[],
  options: { positions: readonly number[] } & ScanOptions,
): Promise<ScanPoint[]> {
  if (!Array.isArray(options.positions) || options.positions.length === 0) {
    throw new DaqError('invalid_argument', 'listScan: positions must be a non-empty array of numbers');
  }
  const positions = options.positions;
  const path: ScanPath = { length: positions.length, at: (i) => [positions[i] as number], range: () => extent(positions) };
  return stepScan([motor], asList(detectors), path, options);
}

/**
 * Scans a grid: for each point of `outer`, the whole `inner` axis. With `snake`, every other
 * inner line runs backwards, so the inner motor never flies back across the grid.
 */
export async function gridScan<O extends Movable & Device, I extends Movable & Device, D extends Readable & Device>(
  outerMotor: O,
  innerMotor: I,
  detectors: D | readonly D[],
  options: { outer: AxisRange; inner: AxisRange; snake?: boolean } & ScanOptions,
): Promise<ScanPoint[]> {
  if (outerMotor.name === innerMotor.name) {
    throw new DaqError('invalid_argument', `gridScan: the outer and inner motors are both "${outerMotor.name}"`);
  }
  const outer = axis(options.outer?.start, options.outer?.stop, options.outer?.num, 'gridScan: outer.num');
  const inner = axis(options.inner?.start, options.inner?.stop, options.inner?.num, 'gridScan: inner.num');
  if (outer.num * inner.num > MAX_SCAN_POINTS) {
    throw new DaqError('invalid_argument', `gridScan: ${outer.num} x ${inner.num} points; at most ${MAX_SCAN_POINTS} in one scan`);
  }
  const path: ScanPath = {
    length: outer.num * inner.num,
    at: (i) => {
      const row = Math.floor(i / inner.num);
      const col = i % inner.num;
      const backwards = options.snake === true && row % 2 === 1;
      return [outer.at(row), inner.at(backwards ? inner.num - 1 - col : col)];
    },
    range: (m) => (m === 0 ? { lo: outer.lo, hi: outer.hi } : { lo: inner.lo, hi: inner.hi }),
  };
  return stepScan([outerMotor, innerMotor], asList(detectors), path, options);
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
  for (let i = 0; i < options.num; i++) {
    if (i > 0 && (options.delayS ?? 0) > 0) await options.sleep?.(options.delayS ?? 0);
    const [point] = await stepScan([], list, once, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.checkpoint === undefined ? {} : { checkpoint: options.checkpoint }),
      ...(options.retake === undefined ? {} : { retake: options.retake }),
      onPoint: (p) => options.onPoint?.({ ...p, index: i }, options.num),
    });
    if (keep) {
      const indexed = { ...(point as ScanPoint), index: i };
      if (options.keep === undefined) points.push(indexed);
      else options.keep(indexed);
    }
  }
  return points;
}
