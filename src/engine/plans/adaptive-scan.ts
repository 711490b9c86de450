/**
 * An adaptive scan: one motor from `start` to `stop`, with a step that shrinks where the signal
 * changes and grows where it is flat, so a peak is sampled finely and the baseline around it
 * coarsely. It is the step scan of step-scan.ts (limits checked before anything moves; pause,
 * abort, recording and `stopWhen` at each point) over a path that chooses each next position from
 * the readings so far.
 *
 * After Bluesky's `adaptive_scan` (bluesky/bluesky, src/bluesky/plans.py, `adaptive_scan`): the
 * step is `target_delta / slope`, clipped to `[min_step, max_step]`, the slope being the change
 * of the signal over the last step; with `backstep`, a step after which the step wanted is below
 * `threshold` times the step taken is undone (the motor goes back and tries the smaller step).
 * What this one does better, measured on a Gaussian peak with noise (the simulated lab's
 * coupling peak, see adaptive-scan.test.ts):
 * - The step shrinks at once when the signal turns steep. Bluesky moves only a fifth of the way
 *   to the new step each point (`0.2 * new_step + 0.8 * step`), so without backstep it strides
 *   over the rising edge and the top of a peak: 2 points within half a beam width of the lab's
 *   peak, against 25 here (growth is still gradual: at most x1.5 a point).
 * - The step also follows the curvature (the second difference of the last three points): the
 *   change over a step h is taken as |slope| h + |curvature| h^2 / 2. At the top of a peak the
 *   slope vanishes, and a slope-only rule takes its largest steps exactly there; two points that
 *   land either side of a narrow peak at the same height look flat to it, not here.
 * - `stop` is always measured (Bluesky stops at the last step before `stop`), and the whole
 *   range is checked against the motor's limits before anything moves.
 * - `relative: true` is Bluesky's `rel_adaptive_scan`: `start` and `stop` are offsets from where
 *   the axis is, and it is set back there after (as every axis plan does, see scans.ts).
 * - `targetDelta` is in the signal's units (Bluesky documents a "fractional change" but
 *   compares absolute differences).
 * What it cannot do: see a feature narrower than `maxStep` that falls between two points. Keep
 * `maxStep` below the narrowest feature to be found, and `targetDelta` several times the noise
 * of the signal (a step over noise alone would look steep).
 */
import { DaqError } from '../../core/index.js';
import { type AxisLike, type ScanAxis, toAxis } from './axis.js';
import { type AxisScanOptions, scanAxes } from './scans.js';
import { MAX_RETURNED_POINTS, type ScanDetector, type ScanPath, type ScanPoint } from './step-scan.js';
import type { DeviceRef } from './stop-when.js';

/** Where and how finely an adaptive scan goes (motor units, except `targetDelta`). */
export interface AdaptiveRange {
  /** First position. */
  start: number;
  /** Last position, always measured; below `start` for a scan downwards. */
  stop: number;
  /** Smallest step, taken where the signal changes fastest. */
  minStep: number;
  /** Largest step, taken where the signal is flat: a feature narrower than this can fall between two points. */
  maxStep: number;
  /** Change of the signal wanted from one point to the next, in the detector's units (W for a power meter): several times its noise. */
  targetDelta: number;
  /** The detector whose signal sets the step (the device or its name); default the first detector. */
  detector?: DeviceRef;
  /** Whether the motor may go back to fill in a step that turned out too large (default true); false for a motor with backlash. */
  backstep?: boolean;
  /** A step is undone when the step wanted after it is below `threshold` times it (0 < threshold < 1, default 0.8, as Bluesky's). */
  threshold?: number;
}

/** Most a step grows from one point to the next. */
const GROWTH = 1.5;

/**
 * Moves `motor` from `start` to `stop` with a step adapted to the signal of `detector` (the
 * first detector unless named), reading every detector at each point. Returns the points in the
 * order read (after a backstep, a position below the last one). Every option is checked, naming
 * it, before anything moves.
 */
export async function adaptiveScan(
  scanned: AxisLike,
  detectors: ScanDetector | readonly ScanDetector[],
  options: AdaptiveRange & AxisScanOptions,
): Promise<ScanPoint[]> {
  const plan = options.planName ?? 'adaptiveScan';
  const motor = toAxis(scanned, plan);
  const list: readonly ScanDetector[] = Array.isArray(detectors) ? detectors : [detectors as ScanDetector];
  const settings = checked(options, plan, list);
  const path = new AdaptivePath(settings);
  const userPoint = options.onPoint;
  // scanAxes: with relative, the path is shifted by where the axis is and the axis set back after
  return scanAxes([motor], list, path, {
    ...options,
    planName: plan,
    onPoint: (point) => {
      path.observe(signalOf(point, settings.detector, plan, motor));
      return userPoint?.(point, path.length);
    },
  });
}

interface Settings {
  start: number;
  stop: number;
  minStep: number;
  maxStep: number;
  targetDelta: number;
  detector: string;
  backstep: boolean;
  threshold: number;
}

function checked(options: AdaptiveRange & AxisScanOptions, plan: string, detectors: readonly ScanDetector[]): Settings {
  const refuse = (option: string, problem: string, value: unknown): never => {
    throw new DaqError('invalid_argument', `${plan}: ${option} ${problem}, got ${JSON.stringify(value) ?? String(value)}`);
  };
  const finite = (option: keyof AdaptiveRange): number => {
    const value = options[option];
    return typeof value === 'number' && Number.isFinite(value) ? value : refuse(option, 'must be a finite number', value);
  };
  const positive = (option: keyof AdaptiveRange): number => (finite(option) > 0 ? (options[option] as number) : refuse(option, 'must be above 0', options[option]));
  const start = finite('start');
  const stop = finite('stop');
  if (start === stop) refuse('stop', `must differ from start (${start})`, stop);
  const minStep = positive('minStep');
  const maxStep = positive('maxStep');
  if (maxStep < minStep) refuse('maxStep', `must be at least minStep (${minStep})`, maxStep);
  const targetDelta = positive('targetDelta');
  const threshold = options.threshold ?? 0.8;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold < 1)) refuse('threshold', 'must be a number between 0 and 1', threshold);
  const backstep = options.backstep ?? true;
  if (typeof backstep !== 'boolean') refuse('backstep', 'must be true or false', backstep);
  if (detectors.length === 0) throw new DaqError('invalid_argument', `${plan}: give at least one detector`);
  const wanted = options.detector ?? detectors[0]?.name;
  const name = typeof wanted === 'string' ? wanted : typeof wanted === 'object' && wanted !== null ? wanted.name : undefined;
  const detector = detectors.find((d) => d.name === name);
  if (detector === undefined) refuse('detector', `must be one of the plan's detectors (${detectors.map((d) => d.name).join(', ')})`, name ?? wanted);
  const shape = (detector as ScanDetector).describe().shape;
  if (shape.length > 0) refuse('detector', `reads arrays (shape [${shape.join(', ')}]); the step follows a single number: choose a detector that reads one`, name);
  const uniform = Math.ceil(Math.abs(stop - start) / minStep) + 1;
  if (options.returnPoints !== false && uniform > MAX_RETURNED_POINTS) {
    throw new DaqError(
      'invalid_argument',
      `${plan}: up to ${uniform} points (${Math.abs(stop - start)} / minStep ${minStep}) could not all be returned to the script (at most ${MAX_RETURNED_POINTS}); pass returnPoints: false or a larger minStep`,
    );
  }
  return { start, stop, minStep, maxStep, targetDelta, detector: name as string, backstep, threshold };
}

/** The number the step follows, from `point`. */
function signalOf(point: ScanPoint, detector: string, plan: string, motor: ScanAxis): number {
  const value = point.readings[detector]?.value;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new DaqError('failed_precondition', `${plan}: ${detector} read ${JSON.stringify(value)} at ${motor.name} = ${point.targets[motor.name]} ${motor.units}; the step follows a finite number`, { device: detector });
  }
  return value;
}

/** A measured point the step is worked out from: position and signal. */
interface Sample {
  x: number;
  y: number;
}

/** The path of an adaptive scan: its next position, chosen from the points observed so far. */
export class AdaptivePath implements ScanPath {
  private readonly direction: number;
  /** The last two points taken as steps (a point undone by a backstep is not one). */
  private readonly taken: Sample[] = [];
  private next: number;
  private step: number;
  private observed = 0;
  private finished = false;

  constructor(private readonly s: Settings) {
    this.direction = Math.sign(s.stop - s.start);
    this.next = s.start;
    // Bluesky starts at (max_step - min_step) / 2; the geometric middle suits ranges of decades.
    this.step = Math.sqrt(s.minStep * s.maxStep);
  }

  /** Points so far, plus an estimate of those to come at the present step (for progress). */
  get length(): number {
    if (this.finished) return this.observed;
    return this.observed + 1 + Math.ceil(Math.abs(this.s.stop - this.next) / this.step);
  }

  at(): readonly number[] {
    return [this.next];
  }

  range(): { lo: number; hi: number } {
    return { lo: Math.min(this.s.start, this.s.stop), hi: Math.max(this.s.start, this.s.stop) };
  }

  /** Takes the signal `y` read at the position last asked for, and chooses the next position. */
  observe(y: number): void {
    const x = this.next;
    this.observed += 1;
    if (x === this.s.stop) {
      this.finished = true;
      return;
    }
    const last = this.taken.at(-1);
    if (last === undefined) {
      this.taken.push({ x, y });
      this.advance(x, this.step);
      return;
    }
    const h = Math.abs(x - last.x);
    const wanted = this.stepFor(x, y, last);
    if (this.s.backstep && wanted < this.s.threshold * h) {
      // too large a step: go back and take the smaller one from the last point taken
      this.step = wanted;
      this.next = last.x + this.direction * wanted;
      return;
    }
    this.taken.push({ x, y });
    if (this.taken.length > 2) this.taken.shift();
    this.step = Math.min(wanted, h * GROWTH);
    this.advance(x, this.step);
  }

  /**
   * The step over which the signal should change by `targetDelta`: with slope s and curvature c
   * from the last points, the h that solves s h + c h^2 / 2 = targetDelta, clipped to the range.
   */
  private stepFor(x: number, y: number, last: Sample): number {
    const slope = (y - last.y) / (x - last.x);
    const before = this.taken.at(-2);
    const curvature = before === undefined ? 0 : Math.abs((2 * (slope - (last.y - before.y) / (last.x - before.x))) / (x - before.x));
    const s = Math.abs(slope);
    const target = this.s.targetDelta;
    // 2T / (s + sqrt(s^2 + 2cT)) is the root of c h^2 / 2 + s h - T = 0, and T / s when c = 0
    const h = s === 0 && curvature === 0 ? Infinity : (2 * target) / (s + Math.sqrt(s * s + 2 * curvature * target));
    return Math.min(this.s.maxStep, Math.max(this.s.minStep, h));
  }

  /** Sets the next position a step on from `x`, ending exactly at `stop` without a last step below minStep. */
  private advance(x: number, step: number): void {
    const left = Math.abs(this.s.stop - x);
    if (left - step >= this.s.minStep) this.next = x + this.direction * step;
    else if (left <= this.s.maxStep) this.next = this.s.stop;
    else this.next = x + this.direction * (left - this.s.minStep);
  }
}
