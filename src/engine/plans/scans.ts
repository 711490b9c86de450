/**
 * Scan plans: line, list and grid scans, and counts. Generic over capabilities, so the compiler
 * refuses a camera where an axis is needed (see line-scan.type-test.ts). Each returns the
 * points it read; the run engine records them as a stream.
 */
import type { Movable, Readable } from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';
import type { Device } from '../../devices/index.js';
import { type ScanOptions, type ScanPoint, stepScan } from './step-scan.js';

/** An evenly spaced axis: `num` points from `start` to `stop`, both included (motor units). */
export interface AxisRange {
  start: number;
  stop: number;
  num: number;
}

/** `num` evenly spaced values from `start` to `stop`, both included. */
export function linspace(start: number, stop: number, num: number): number[] {
  if (!Number.isInteger(num) || num < 1) {
    throw new DaqError('invalid_argument', `number of points must be a whole number >= 1, got ${num}`);
  }
  if (num === 1) return [start];
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : start + i * step));
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
  const path = linspace(options.start, options.stop, options.num).map((x) => [x]);
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
  return stepScan([motor], asList(detectors), options.positions.map((x) => [x]), options);
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
  const outer = linspace(options.outer.start, options.outer.stop, options.outer.num);
  const inner = linspace(options.inner.start, options.inner.stop, options.inner.num);
  const path = outer.flatMap((y, row) => {
    const line = options.snake === true && row % 2 === 1 ? [...inner].reverse() : inner;
    return line.map((x) => [y, x]);
  });
  return stepScan([outerMotor, innerMotor], asList(detectors), path, options);
}

/** Reads the detectors `num` times, `delayS` seconds apart (`sleep` waits on the run's clock). */
export async function count<D extends Readable & Device>(
  detectors: D | readonly D[],
  options: { num: number; delayS?: number; sleep?: (seconds: number) => Promise<void> } & ScanOptions,
): Promise<ScanPoint[]> {
  if (!Number.isInteger(options.num) || options.num < 1) {
    throw new DaqError('invalid_argument', `count: num must be a whole number >= 1, got ${options.num}`);
  }
  const points: ScanPoint[] = [];
  const list = asList(detectors);
  for (let i = 0; i < options.num; i++) {
    if (i > 0 && (options.delayS ?? 0) > 0) await options.sleep?.(options.delayS ?? 0);
    const [point] = await stepScan([], list, [[]], {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onPoint: (p) => options.onPoint?.({ ...p, index: i }, options.num),
    });
    points.push({ ...(point as ScanPoint), index: i });
  }
  return points;
}
