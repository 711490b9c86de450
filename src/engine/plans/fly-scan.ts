/**
 * The fly scan: the motor crosses `num` evenly spaced points from `start` to `stop` at constant
 * velocity without stopping, its trigger output (position compare: the motor is a
 * `TriggerSource`) pulses at each point, and every detector (`HardwareTriggered`) acquires on
 * each pulse - a frame per pulse for a camera, a reading for a power meter. Each point is
 * stamped with the motor's position at the middle of the first detector's exposure, from the
 * position latched at the pulse and the constant velocity (x = x_pulse + v (t_mid - t_pulse)).
 *
 * The motor first goes to `start - runUp` (at its present velocity), then runs at `velocity`
 * to `stop + runUp`: it reaches full speed before the first point (run-up v^2 / 2a) and is still
 * at full speed when the last exposure ends (run-out). The run-up and run-out must fit within
 * the motor's limits. The motor's velocity setting is restored afterwards, whatever happens.
 */
import { type Frame, type HardwareTriggered, isFrame, isParameterized, isTriggerSource, type Movable, type Reading, type TriggeredAcquisition, type TriggerSource }  from '../../capabilities/index.js';
import { type Clock, DaqError } from '../../core/index.js';
import type { Device } from '../../devices/index.js';
import { axis, type AxisRange } from './scans.js';
import { MAX_RETURNED_POINTS, type ScanOptions, type ScanPoint } from './step-scan.js';

/** A point of a fly scan: a scan point, with the frames of its cameras. */
export interface FlyPoint extends ScanPoint {
  /** The frame each camera took on the point's pulse. */
  frames: Record<string, Frame>;
}

/** How a fly scan went: pulses emitted, and the points each detector missed. */
export interface FlySummary {
  pulses: number;
  /** Points recorded (every detector acquired on the pulse). */
  points: number;
  /** Pulses each detector missed (still busy with the one before: lower the velocity or the exposure). */
  missed: Record<string, number>;
}

/** Options of {@link flyScan}. */
export interface FlyScanOptions extends AxisRange, Omit<ScanOptions, 'onPoint' | 'keep'> {
  /** Speed across the points, motor units/s (default: the motor's `velocity` setting). */
  velocity?: number;
  /** Distance run before `start` and after `stop`, motor units (default: v^2 / 2a + v * 0.1 s, `a` the motor's `acceleration` setting). */
  runUp?: number;
  /** Most clock time to wait, after the motor stops, for the last acquisitions, s (default 10). */
  timeoutS?: number;
  /** Called with each point, in order; a promise it returns is awaited before the next point is handed over. */
  onPoint?: (point: FlyPoint, total: number) => void | Promise<void>;
  /** Where each point goes instead of the returned array, when points are kept. */
  keep?: (point: FlyPoint) => void;
  /** The clock the devices run on, for the time limit on the last acquisitions (none: no limit). */
  clock?: Clock;
  /** Called once at the end with what happened. */
  onDone?: (summary: FlySummary) => void;
}

/** A motor a fly scan can use: an axis with a trigger output. */
export type FlyMotor = Movable & TriggerSource & Device;
/** A detector of a fly scan. */
export type FlyDetector = HardwareTriggered & Device;

/** Time the motor stays at full speed after the last point, for its exposures to end, s. */
export const RUN_OUT_S = 0.1;

/** Runs a fly scan of `motor` with `detectors`; returns the points read (see the file's TSDoc). */
export async function flyScan<M extends Movable & Device, D extends HardwareTriggered & Device>(
  motor: M,
  detectors: D | readonly D[],
  options: FlyScanOptions,
): Promise<FlyPoint[]> {
  const list: readonly D[] = Array.isArray(detectors) ? (detectors as readonly D[]) : [detectors as D];
  const points = axis(options.start, options.stop, options.num, 'flyScan: num');
  if (list.length === 0) throw new DaqError('invalid_argument', 'flyScan: give at least one detector');
  // refused, not ignored: the motor crosses every point in one move, so there is no point to stop after
  if (options.stopWhen !== undefined) throw new DaqError('invalid_argument', 'flyScan: stopWhen is not taken by a fly scan (the motor crosses every point in one move); use a step scan such as lineScan to stop at a reading');
  const keep = options.returnPoints !== false;
  if (keep && points.num > MAX_RETURNED_POINTS) {
    throw new DaqError('invalid_argument', `flyScan: ${points.num} points cannot all be returned to the script (at most ${MAX_RETURNED_POINTS}); pass returnPoints: false (every point is recorded in the stream either way)`);
  }
  if (!isTriggerSource(motor)) {
    throw new DaqError('invalid_argument', `flyScan: ${motor.name} has no trigger output (it is not a TriggerSource), so detectors cannot acquire at its positions`, { device: motor.name });
  }
  const geometry = await flyGeometry(motor, options);
  const positions = Array.from({ length: points.num }, (_, i) => points.at(i));
  const moveOptions = options.signal === undefined ? {} : { signal: options.signal };
  await options.checkpoint?.();
  await motor.moveAbs(geometry.from, moveOptions);
  const collector = new PointCollector(motor.name, list, positions, geometry.velocity * geometry.direction, options, keep);
  const unsubscribe = list.map((d) => d.onTriggered((acquisition) => collector.add(d.name, acquisition)));
  const restoreVelocity = await setVelocity(motor, geometry.velocity);
  try {
    for (const detector of list) await detector.followTrigger(motor);
    await motor.setPulseTrain({ positions });
    await motor.startPulses();
    await motor.moveAbs(geometry.to, moveOptions);
    await motor.waitPulses(options.timeoutS ?? 10);
    await collector.settle(list, options.timeoutS ?? 10, options.clock);
  } finally {
    await motor.stopPulses().catch(() => undefined);
    for (const detector of list) await detector.followTrigger(undefined).catch(() => undefined);
    for (const off of unsubscribe) off();
    await restoreVelocity();
  }
  await collector.done();
  options.onDone?.(collector.summary(list));
  return collector.points;
}

/** Velocity, direction and the run-up's ends, checked against the motor's limits. */
async function flyGeometry(motor: FlyMotor, options: FlyScanOptions): Promise<{ velocity: number; direction: number; from: number; to: number }> {
  const setting = async (name: string): Promise<number | undefined> => {
    if (!isParameterized(motor) || !motor.parameters().some((p) => p.name === name)) return undefined;
    return Number(await motor.getParameter(name));
  };
  const velocity = options.velocity ?? (await setting('velocity'));
  if (velocity === undefined || !(velocity > 0) || !Number.isFinite(velocity)) {
    throw new DaqError('invalid_argument', `flyScan: velocity must be a number > 0 (${motor.units}/s), got ${String(velocity)}`, { device: motor.name });
  }
  let runUp = options.runUp;
  if (runUp === undefined) {
    const acceleration = await setting('acceleration');
    if (acceleration === undefined || !(acceleration > 0)) {
      throw new DaqError('invalid_argument', `flyScan: ${motor.name} has no acceleration setting; give runUp (${motor.units}), the distance it needs to reach ${velocity} ${motor.units}/s`, { device: motor.name });
    }
    runUp = (velocity * velocity) / (2 * acceleration) + velocity * RUN_OUT_S;
  }
  if (!(runUp >= 0) || !Number.isFinite(runUp)) throw new DaqError('invalid_argument', `flyScan: runUp must be a number >= 0 (${motor.units}), got ${runUp}`);
  const direction = options.stop >= options.start ? 1 : -1;
  const from = options.start - direction * runUp;
  const to = options.stop + direction * runUp;
  const limits = await motor.limits();
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  if (lo < limits.min || hi > limits.max) {
    throw new DaqError(
      'out_of_range',
      `${motor.name}: fly scan ${options.start}..${options.stop} ${motor.units} with its run-up of ${runUp.toPrecision(3)} ${motor.units} needs ${lo}..${hi}, outside the limits ${limits.min}..${limits.max} ${motor.units}; scan a shorter range or fly slower`,
      { device: motor.name },
    );
  }
  return { velocity, direction, from, to };
}

/** Sets the motor's `velocity` setting for the fly; returns what puts the old one back. */
async function setVelocity(motor: FlyMotor, velocity: number): Promise<() => Promise<void>> {
  if (!isParameterized(motor) || !motor.parameters().some((p) => p.name === 'velocity')) return async () => undefined;
  const before = await motor.getParameter('velocity');
  await motor.setParameter('velocity', velocity);
  return async () => {
    await motor.setParameter('velocity', before).catch(() => undefined);
  };
}

/**
 * Gathers each pulse's acquisitions from every detector and hands over complete points in
 * order. A detector acquires in pulse order, so once it has delivered pulse j it has missed
 * every earlier pulse it did not deliver: such a point is given up at once (not held to the end).
 */
class PointCollector {
  readonly points: FlyPoint[] = [];
  private readonly slots = new Map<number, Map<string, TriggeredAcquisition>>();
  private readonly latest = new Map<string, number>();
  private readonly delivered = new Map<string, number>();
  private next = 0;
  private handed = 0;
  private wake: (() => void) | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly motor: string,
    private readonly detectors: readonly Device[],
    private readonly positions: readonly number[],
    private readonly velocity: number,
    private readonly options: FlyScanOptions,
    private readonly keep: boolean,
  ) {}

  /** An acquisition of detector `name`. */
  add(name: string, acquisition: TriggeredAcquisition): void {
    const index = acquisition.pulse.index;
    let slot = this.slots.get(index);
    if (slot === undefined) this.slots.set(index, (slot = new Map()));
    slot.set(name, acquisition);
    this.latest.set(name, Math.max(this.latest.get(name) ?? -1, index));
    this.delivered.set(name, (this.delivered.get(name) ?? 0) + 1);
    this.flush(false);
    this.wake?.();
  }

  /**
   * Waits until every detector has acquired or missed every pulse, or `timeoutS` of `clock` time
   * have passed (no clock: no time limit); then gives up the points still incomplete.
   */
  async settle(detectors: readonly FlyDetector[], timeoutS: number, clock: Clock | undefined): Promise<void> {
    const total = this.positions.length;
    const accounted = (): boolean => detectors.every((d) => (this.delivered.get(d.name) ?? 0) + d.missedTriggers() >= total);
    const timer = new AbortController();
    let expired = false;
    void clock?.sleep(timeoutS, timer.signal).then(
      () => {
        expired = true;
        this.wake?.();
      },
      () => undefined,
    );
    try {
      while (!accounted() && !expired) await new Promise<void>((resolve) => (this.wake = resolve));
    } finally {
      timer.abort();
      this.wake = undefined;
    }
    this.flush(true);
  }

  /** Resolves once every point has been handed over; rethrows a failure of `onPoint`. */
  async done(): Promise<void> {
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
  }

  summary(detectors: readonly FlyDetector[]): FlySummary {
    const missed = Object.fromEntries(detectors.map((d) => [d.name, this.positions.length - (this.delivered.get(d.name) ?? 0)]));
    return { pulses: this.positions.length, points: this.handed, missed };
  }

  /** Hands over complete points in order; `all`: also gives up the incomplete ones at the end. */
  private flush(all: boolean): void {
    while (this.next < this.positions.length) {
      const slot = this.slots.get(this.next);
      const complete = slot !== undefined && this.detectors.every((d) => slot.has(d.name));
      const givenUp = !complete && (all || this.detectors.some((d) => !(slot?.has(d.name) ?? false) && (this.latest.get(d.name) ?? -1) > this.next));
      if (!complete && !givenUp) return;
      if (complete) this.hand(this.next, slot);
      this.slots.delete(this.next);
      this.next++;
    }
  }

  private hand(index: number, slot: Map<string, TriggeredAcquisition>): void {
    const first = slot.get(this.detectors[0]?.name ?? '') as TriggeredAcquisition;
    const midS = first.startS + first.exposureS / 2;
    const target = this.positions[index] as number;
    const latched = first.pulse.position ?? target;
    const point: FlyPoint = {
      index,
      targets: { [this.motor]: target },
      positions: { [this.motor]: latched + this.velocity * (midS - first.pulse.timeS) },
      readings: {},
      frames: {},
    };
    for (const [name, acquisition] of slot) {
      if (isFrame(acquisition.value)) point.frames[name] = acquisition.value;
      else point.readings[name] = acquisition.value as Reading;
    }
    this.handed++;
    if (this.keep) {
      if (this.options.keep === undefined) this.points.push(point);
      else this.options.keep(point);
    }
    const onPoint = this.options.onPoint;
    if (onPoint !== undefined) {
      const total = this.positions.length;
      this.chain = this.chain.then(async () => {
        if (this.failure === undefined) await onPoint(point, total);
      }).catch((error: unknown) => {
        this.failure ??= error;
      });
    }
  }
}
