/**
 * The line scan: move one axis through evenly spaced points and read detectors at each.
 * Generic over capabilities, so the compiler refuses a camera where an axis is needed
 * (see line-scan.type-test.ts). The run engine records the points as a stream; here the
 * plan only drives the devices and returns what it read.
 */
import type { Movable, Readable, Reading } from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';
import type { Device } from '../../devices/index.js';

/** Where a line scan goes. */
export interface LineScanOptions {
  /** First position, in the motor's units. */
  start: number;
  /** Last position, in the motor's units (included). */
  stop: number;
  /** Number of points (>= 1; 1 means only `start`). */
  num: number;
  /** Aborting stops the motor and rejects with `cancelled`. */
  signal?: AbortSignal;
  /** Called after each point is read (for progress and live plots). */
  onPoint?: (point: ScanPoint) => void;
}

/** What was read at one point of a scan. */
export interface ScanPoint {
  /** 0-based index of the point. */
  index: number;
  /** Position commanded, in the motor's units. */
  target: number;
  /** Position reported by the motor after settling. */
  position: number;
  /** One reading per detector, in the order given. */
  readings: Reading[];
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

/**
 * Moves `motor` to each of `num` points from `start` to `stop` and reads every detector there.
 * The whole path is checked against the motor's limits before anything moves.
 */
export async function lineScan<M extends Movable & Device, D extends Readable & Device>(
  motor: M,
  detectors: D | readonly D[],
  options: LineScanOptions,
): Promise<ScanPoint[]> {
  const readers: readonly D[] = Array.isArray(detectors) ? detectors : [detectors as D];
  const targets = linspace(options.start, options.stop, options.num);
  const limits = await motor.limits();
  const lo = Math.min(options.start, options.stop);
  const hi = Math.max(options.start, options.stop);
  if (lo < limits.min || hi > limits.max) {
    throw new DaqError(
      'out_of_range',
      `${motor.name}: scan ${options.start}..${options.stop} ${motor.units} leaves the limits ${limits.min}..${limits.max} ${motor.units}`,
      { device: motor.name },
    );
  }
  const points: ScanPoint[] = [];
  for (const [index, target] of targets.entries()) {
    if (options.signal?.aborted) throw DaqError.from(options.signal.reason, { code: 'cancelled' });
    await motor.moveAbs(target, options.signal === undefined ? {} : { signal: options.signal });
    const position = await motor.position();
    const readings = await Promise.all(readers.map((d) => d.read()));
    const point: ScanPoint = { index, target, position, readings };
    points.push(point);
    options.onPoint?.(point);
  }
  return points;
}
