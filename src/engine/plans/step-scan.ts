/**
 * The step scan every scan plan is made of: for each point, set every axis to its target
 * (together, each waiting until it is there: a stage until settled), then read every detector,
 * then report the point. The whole path is checked against each axis's range before anything
 * moves. An axis is any settable quantity (axis.ts): a stage, a wavelength, a voltage.
 */
import type { Movable, Readable, Reading } from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';
import type { Device } from '../../devices/index.js';
import { type AxisLike, type ScanAxis, toAxis } from './axis.js';
import { stopCheck, type StopWhen } from './stop-when.js';

/** A motor of a scan (any {@link AxisLike} is accepted where a scan takes its axes). */
export type ScanMotor = Movable & Device;
/** A detector of a scan. */
export type ScanDetector = Readable & Device;

/** What was read at one point of a scan, by device name. */
export interface ScanPoint {
  /** 0-based index of the point. */
  index: number;
  /** Values commanded, by axis name (`stage`, `laser_wavelength`), in each axis's units. */
  targets: Record<string, number>;
  /** Values read back from the axes once there, by axis name. */
  positions: Record<string, number>;
  /** One reading per detector. */
  readings: Record<string, Reading>;
}

/** Options every scan takes. */
export interface ScanOptions {
  /** Aborting stops the motors and rejects with `cancelled`. */
  signal?: AbortSignal;
  /** Called after each point is read (for recording, progress and live plots); a promise it returns is awaited before the next point. */
  onPoint?: (point: ScanPoint, total: number) => void | Promise<void>;
  /** Awaited before each point: a run's pause holds the scan here; throwing ends it. */
  checkpoint?: () => Promise<void>;
  /**
   * Awaited after a point is read, before it is kept and reported: true takes the same point
   * again from its checkpoint (a suspender held the run while the point was read).
   */
  retake?: (point: ScanPoint) => Promise<boolean>;
  /** False: return no points (needed beyond {@link MAX_RETURNED_POINTS}; they are recorded anyway). */
  returnPoints?: boolean;
  /** Where each point goes instead of the returned array (which is then empty), when points are kept. */
  keep?: (point: ScanPoint) => void;
  /** Ends the scan early, cleanly, after the first point whose reading crosses a threshold (stop-when.ts); a list: any of them. */
  stopWhen?: StopWhen | readonly StopWhen[];
  /** Called when `stopWhen` ended the scan, with why (for the run's log) and the last point. */
  onStop?: (reason: string, point: ScanPoint) => void;
  /** The plan's name, for error messages (`lineScan`). */
  planName?: string;
}

/**
 * A scan's path, computed point by point: a billion-point scan costs no memory and no time
 * before it starts (its whole path used to be built in the daemon's main thread).
 */
export interface ScanPath {
  /** Number of points; read again before each point, so a path may choose its next point from the points read so far (adaptive-scan.ts). */
  readonly length: number;
  /** The targets of every axis at point `index` (0-based), in axis order. */
  at(index: number): readonly number[];
  /** Lowest and highest target of axis `m` over the whole path (for the limits check). */
  range(m: number): { lo: number; hi: number };
}

/** Most points a plan hands back to the script (each is kept by the host until the plan ends). */
export const MAX_RETURNED_POINTS = 100_000;

/**
 * Runs a step scan: `path.at(i)[m]` is the target of `axes[m]` at point `i`. With no axes it
 * reads the detectors `path.length` times (a count). Returns the points read, unless
 * `returnPoints` is false (the points are recorded either way); a scan of more than
 * {@link MAX_RETURNED_POINTS} points must say so, since the points could not all be kept.
 */
export async function stepScan(
  axesOrDevices: readonly AxisLike[],
  detectors: readonly ScanDetector[],
  path: ScanPath,
  options: ScanOptions = {},
): Promise<ScanPoint[]> {
  const keep = options.returnPoints !== false;
  if (keep && path.length > MAX_RETURNED_POINTS) {
    throw new DaqError(
      'invalid_argument',
      `a scan of ${path.length} points cannot return them all to the script (at most ${MAX_RETURNED_POINTS}); pass returnPoints: false (every point is recorded in the stream either way)`,
    );
  }
  const axes = axesOrDevices.map((a) => toAxis(a));
  const stopAt = stopCheck(options.stopWhen, options.planName ?? 'scan', axes, detectors);
  await checkPath(axes, path);
  const points: ScanPoint[] = [];
  const moveOptions = options.signal === undefined ? {} : { signal: options.signal };
  for (let index = 0; index < path.length; index++) {
    if (options.signal?.aborted) throw DaqError.from(options.signal.reason, { code: 'cancelled' });
    if (options.checkpoint !== undefined) await options.checkpoint();
    const targetsAtPoint = path.at(index);
    // One axis and one detector (a line scan) are awaited as they are: no Promise.all, no arrays.
    if (axes.length === 1) await (axes[0] as ScanAxis).set(targetsAtPoint[0] as number, moveOptions);
    else await Promise.all(axes.map((axis, m) => axis.set(targetsAtPoint[m] as number, moveOptions)));
    const targets: Record<string, number> = {};
    const positions: Record<string, number> = {};
    for (let m = 0; m < axes.length; m++) {
      const axis = axes[m] as ScanAxis;
      targets[axis.name] = targetsAtPoint[m] as number;
      positions[axis.name] = await axis.readback();
    }
    const readings: Record<string, Reading> = {};
    if (detectors.length === 1) {
      const detector = detectors[0] as ScanDetector;
      readings[detector.name] = await detector.read();
    } else {
      const values = await Promise.all(detectors.map((d) => d.read()));
      for (let i = 0; i < detectors.length; i++) readings[(detectors[i] as ScanDetector).name] = values[i] as Reading;
    }
    const point: ScanPoint = { index, targets, positions, readings };
    if (options.retake !== undefined && (await options.retake(point))) {
      index--; // the same point again
      continue;
    }
    if (keep) {
      if (options.keep === undefined) points.push(point);
      else options.keep(point);
    }
    const reported = options.onPoint?.(point, path.length);
    if (reported !== undefined) await reported;
    const stop = stopAt?.(point);
    if (stop !== undefined) {
      options.onStop?.(stop, point);
      break;
    }
  }
  return points;
}

/** Refuses a path that leaves any axis's range, naming the axis and the range. */
export async function checkPath(axes: readonly ScanAxis[], path: ScanPath): Promise<void> {
  if (path.length === 0) return;
  for (const [m, axis] of axes.entries()) {
    const { lo, hi } = path.range(m);
    const limits = await axis.limits();
    const device = axis.device.name;
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
      throw new DaqError('invalid_argument', `${axis.name}: scan positions must be finite numbers`, { device });
    }
    if (lo < limits.min || hi > limits.max) {
      throw new DaqError(
        'out_of_range',
        `${axis.name}: scan ${lo}..${hi} ${axis.units} leaves the limits ${limits.min}..${limits.max} ${axis.units}`,
        { device },
      );
    }
  }
}

/** Lowest and highest of `values` (NaN when one is not a finite number), without spreading them on the stack. */
export function extent(values: Iterable<number>): { lo: number; hi: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return { lo: NaN, hi: NaN };
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return { lo, hi };
}
