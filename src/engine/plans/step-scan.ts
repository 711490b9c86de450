/**
 * The step scan every scan plan is made of: for each point, move every motor to its target
 * (together, each waiting until settled), then read every detector, then report the point.
 * The whole path is checked against each motor's limits before anything moves.
 */
import type { Movable, Readable, Reading } from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';
import type { Device } from '../../devices/index.js';

/** A motor of a scan. */
export type ScanMotor = Movable & Device;
/** A detector of a scan. */
export type ScanDetector = Readable & Device;

/** What was read at one point of a scan, by device name. */
export interface ScanPoint {
  /** 0-based index of the point. */
  index: number;
  /** Positions commanded, in each motor's units. */
  targets: Record<string, number>;
  /** Positions reported by the motors after settling. */
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
}

/**
 * Runs a step scan: `path[i][m]` is the target of `motors[m]` at point `i`. With no motors it
 * reads the detectors `path.length` times (a count).
 */
export async function stepScan(
  motors: readonly ScanMotor[],
  detectors: readonly ScanDetector[],
  path: readonly (readonly number[])[],
  options: ScanOptions = {},
): Promise<ScanPoint[]> {
  await checkPath(motors, path);
  const points: ScanPoint[] = [];
  const moveOptions = options.signal === undefined ? {} : { signal: options.signal };
  for (const [index, targetsAtPoint] of path.entries()) {
    if (options.signal?.aborted) throw DaqError.from(options.signal.reason, { code: 'cancelled' });
    await options.checkpoint?.();
    await Promise.all(motors.map((motor, m) => motor.moveAbs(targetsAtPoint[m] as number, moveOptions)));
    const targets: Record<string, number> = {};
    const positions: Record<string, number> = {};
    for (const [m, motor] of motors.entries()) {
      targets[motor.name] = targetsAtPoint[m] as number;
      positions[motor.name] = await motor.position();
    }
    const values = await Promise.all(detectors.map((d) => d.read()));
    const readings = Object.fromEntries(detectors.map((d, i) => [d.name, values[i] as Reading]));
    const point: ScanPoint = { index, targets, positions, readings };
    points.push(point);
    await options.onPoint?.(point, path.length);
  }
  return points;
}

/** Refuses a path that leaves any motor's limits, naming the motor and the range. */
async function checkPath(motors: readonly ScanMotor[], path: readonly (readonly number[])[]): Promise<void> {
  for (const [m, motor] of motors.entries()) {
    const values = path.map((p) => p[m] as number);
    if (values.length === 0) continue;
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    const limits = await motor.limits();
    if (!values.every(Number.isFinite)) {
      throw new DaqError('invalid_argument', `${motor.name}: scan positions must be finite numbers`, { device: motor.name });
    }
    if (lo < limits.min || hi > limits.max) {
      throw new DaqError(
        'out_of_range',
        `${motor.name}: scan ${lo}..${hi} ${motor.units} leaves the limits ${limits.min}..${limits.max} ${motor.units}`,
        { device: motor.name },
      );
    }
  }
}
