/**
 * The trigger output of a simulated device (see the `TriggerSource` capability): a burst of
 * pulses at a rate, timed on the lab's clock, or - when the device has an axis - one pulse as
 * the axis crosses each of a list of positions, the position-compare output of a motion
 * controller. Crossing times come from the axis's motion profile (`crossingTime`), so a pulse is
 * emitted at the exact clock time the axis passes its position, and again re-planned whenever
 * the motion changes (a new move, a stop).
 */
import type { Pulse, PulseTrain } from '../../capabilities/index.js';
import { type Clock, DaqError, Emitter, type Unsubscribe } from '../../core/index.js';
import { crossingTime, type MotionProfile } from './motion-profile.js';

/** The axis a position train follows: its present motion, and news of each change of it. */
export interface PulseAxis {
  /** The motion under way (or the rest it ended in). */
  profile(): MotionProfile;
  /** Calls `listener` whenever the motion is replaced. */
  onMotionChange(listener: () => void): Unsubscribe;
  /** Position at the present clock time, units. */
  position(): number;
}

/** Most positions in one train (a position-compare table). */
export const MAX_TRAIN_POSITIONS = 10_000_000;

interface Emission {
  controller: AbortController;
  done: Promise<void>;
}

/** A simulated trigger output. */
export class PulseOutput {
  private readonly pulses = new Emitter<Pulse>();
  private train: PulseTrain | undefined;
  private emission: Emission | undefined;

  /**
   * @param device name of the device, for error messages
   * @param clock the lab's clock
   * @param axis the device's axis, when it has one (a position train needs it)
   */
  constructor(
    private readonly device: string,
    private readonly clock: Clock,
    private readonly axis: PulseAxis | undefined,
  ) {}

  /** True while a train is being emitted. */
  get pulsing(): boolean {
    return this.emission !== undefined;
  }

  /** Calls `listener` with every pulse. */
  on(listener: (pulse: Pulse) => void): Unsubscribe {
    return this.pulses.on(listener);
  }

  /** Throws `invalid_argument` for a train that cannot be emitted, `failed_precondition` while pulsing. */
  check(train: PulseTrain): void {
    const fail = (why: string): never => {
      throw new DaqError('invalid_argument', `${this.device}: pulse train ${why}`, { device: this.device });
    };
    if (this.pulsing) {
      throw new DaqError('failed_precondition', `${this.device}: cannot change the pulse train while pulsing; stopPulses() first`, { device: this.device });
    }
    if (typeof train !== 'object' || train === null) fail('must be {rateHz, count} or {positions}');
    if ('positions' in train) {
      const { positions } = train;
      if (this.axis === undefined) fail('at positions needs an axis; this device has none (give {rateHz, count})');
      if (!Array.isArray(positions) || positions.length === 0) fail('positions must be a non-empty array of numbers');
      if (positions.length > MAX_TRAIN_POSITIONS) fail(`has ${positions.length} positions; at most ${MAX_TRAIN_POSITIONS}`);
      if (!positions.every((p) => typeof p === 'number' && Number.isFinite(p))) fail('positions must be finite numbers');
      const direction = Math.sign((positions.at(-1) as number) - (positions[0] as number));
      for (let i = 1; i < positions.length; i++) {
        if (Math.sign((positions[i] as number) - (positions[i - 1] as number)) !== direction || direction === 0) {
          fail(`positions must be strictly increasing or decreasing (position ${i} is ${positions[i]} after ${positions[i - 1]})`);
        }
      }
      return;
    }
    const { rateHz, count } = train as { rateHz: unknown; count: unknown };
    if (typeof rateHz !== 'number' || !Number.isFinite(rateHz) || rateHz <= 0) fail(`rateHz must be a number > 0, got ${String(rateHz)}`);
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) fail(`count must be a whole number >= 1, got ${String(count)}`);
  }

  /** Sets the next train (call {@link check} first). */
  set(train: PulseTrain): void {
    this.train = 'positions' in train ? { positions: [...train.positions] } : { rateHz: train.rateHz, count: train.count };
  }

  /** Starts emitting the train; `failed_precondition` without a train or while pulsing. */
  start(): void {
    const train = this.train;
    if (train === undefined) throw new DaqError('failed_precondition', `${this.device}: no pulse train; setPulseTrain() first`, { device: this.device });
    if (this.pulsing) throw new DaqError('failed_precondition', `${this.device}: already pulsing; stopPulses() first`, { device: this.device });
    const controller = new AbortController();
    const emission: Emission = { controller, done: Promise.resolve() };
    const run = 'positions' in train ? this.atPositions(train.positions, controller.signal) : this.atRate(train.rateHz, train.count, controller.signal);
    // Only a stop ends a train early (its `cancelled` is the expected end): `done` never rejects.
    emission.done = run
      .catch(() => undefined)
      .finally(() => {
        if (this.emission === emission) this.emission = undefined;
      });
    this.emission = emission;
  }

  /** Stops emitting; resolves once no more pulses will come. */
  async stop(): Promise<void> {
    const emission = this.emission;
    if (emission === undefined) return;
    emission.controller.abort(new DaqError('cancelled', `${this.device}: pulses stopped`, { device: this.device }));
    await emission.done;
  }

  /** Resolves once the train is emitted; `deadline_exceeded` after `timeoutS` of clock time. */
  async wait(timeoutS?: number): Promise<void> {
    const emission = this.emission;
    if (emission === undefined) return;
    if (timeoutS === undefined) return emission.done;
    const timer = new AbortController();
    const expired = this.clock.sleep(timeoutS, timer.signal).then(() => {
      throw new DaqError('deadline_exceeded', `${this.device}: pulse train not done after ${timeoutS} s`, { device: this.device });
    });
    try {
      await Promise.race([emission.done, expired]);
    } finally {
      timer.abort();
      expired.catch(() => undefined);
    }
  }

  /** `count` pulses `1 / rateHz` apart from now, each at its exact time (no drift from rounding). */
  private async atRate(rateHz: number, count: number, signal: AbortSignal): Promise<void> {
    const t0 = this.clock.now();
    for (let index = 0; index < count; index++) {
      await this.clock.sleep(t0 + index / rateHz - this.clock.now(), signal);
      signal.throwIfAborted();
      const pulse: Pulse = { index, timeS: this.clock.now() };
      if (this.axis !== undefined) pulse.position = this.axis.position();
      this.pulses.emit(pulse);
    }
  }

  /**
   * One pulse as the axis crosses each position in turn. Waits on the clock until the present
   * motion crosses the next position; when the motion changes meanwhile (or does not cross it),
   * waits for the next motion and looks again.
   */
  private async atPositions(positions: readonly number[], signal: AbortSignal): Promise<void> {
    const axis = this.axis as PulseAxis;
    let index = 0;
    while (index < positions.length) {
      signal.throwIfAborted();
      const position = positions[index] as number;
      const profile = axis.profile();
      const changed = new AbortController();
      const unsubscribe = axis.onMotionChange(() => changed.abort(new DaqError('cancelled', 'motion changed')));
      const either = AbortSignal.any([signal, changed.signal]);
      try {
        const atS = crossingTime(profile, position, this.clock.now());
        if (atS === undefined) await aborted(either);
        else await this.clock.sleep(atS - this.clock.now(), either);
      } catch (error) {
        if (signal.aborted || !changed.signal.aborted) throw error;
      } finally {
        unsubscribe();
      }
      if (changed.signal.aborted || axis.profile() !== profile) continue;
      // The encoder latches the position as the pulse goes out: the compare position itself.
      this.pulses.emit({ index, timeS: this.clock.now(), position });
      index++;
    }
  }
}

/** Resolves when `signal` aborts (never rejects). */
function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
