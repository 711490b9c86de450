/**
 * `sim-stage`: a simulated linear stage (one motorised axis) with trapezoidal moves that take
 * simulated time, soft limits, settling, stop with deceleration and moves that can be
 * redirected while under way. The physics is in `motion-profile.ts`. Like a motion controller
 * with a trigger output it is a `TriggerSource` (`pulse-output.ts`): pulses at a rate, or as the
 * axis crosses given positions (position compare), which fly scans use: the axis crosses its
 * points at constant velocity (the `velocity` setting) after a run-up, and cameras and detectors
 * acquire on each pulse.
 */
import { z } from 'zod';
import type { Limits, MoveOptions, Movable, Parameterized, Pulse, PulseTrain, TriggerSource } from '../../capabilities/index.js';
import { type Clock, DaqError, Emitter, type Unsubscribe } from '../../core/index.js';
import { createParameterSet, defineDriver, requireMoveTarget, waitUntilSettled } from '../../devices/index.js';
import { planMove, planStop, restingProfile, sampleProfile, type MotionProfile, type MotionState } from './motion-profile.js';
import { PulseOutput } from './pulse-output.js';
import { ParameterizedSimDevice } from './sim-device.js';

/** Options of `sim-stage` in the lab config. */
export const simStageOptions = z
  .strictObject({
    units: z.string().min(1).default('mm').describe('position units, such as mm or deg'),
    min: z.number().default(0).describe('lower soft limit (units)'),
    max: z.number().default(50).describe('upper soft limit (units)'),
    position: z.number().default(0).describe('position at start (units)'),
    velocity: z.number().positive().default(5).describe('top speed of moves (units/s)'),
    acceleration: z.number().positive().default(20).describe('acceleration and deceleration of moves (units/s^2)'),
    settle_time: z.number().nonnegative().default(0.01).describe('time to settle after arriving (s)'),
  })
  .refine((o) => o.min < o.max, { message: 'min must be below max', path: ['max'] })
  .refine((o) => o.position >= o.min && o.position <= o.max, {
    message: 'the start position must be within min..max',
    path: ['position'],
  });

/** Validated options of `sim-stage`. */
export type SimStageOptions = z.output<typeof simStageOptions>;

/** A motion under way (or finished): its profile and how its waiters learn the outcome. */
interface Motion {
  profile: MotionProfile;
  /** Aborting it ends the motion's wait early (superseded, stopped, disconnected). */
  controller: AbortController;
  /** Resolves once at rest and settled; rejects `cancelled` if the motion is cut short. */
  done: Promise<void>;
  /** Resolves when the motion ends either way; never rejects. */
  ended: Promise<void>;
  finished: boolean;
}

/** A simulated motorised axis. Implements Movable (with Stoppable), TriggerSource and Parameterized. */
export class SimStage extends ParameterizedSimDevice implements Movable, TriggerSource, Parameterized {
  readonly driver = 'sim-stage';
  readonly units: string;
  protected readonly settings: Parameterized;
  private readonly travel: Limits;
  private velocityPerS: number;
  private accelerationPerS2: number;
  private settleS: number;
  private motion: Motion;
  private target: number;
  private readonly motionChanges = new Emitter<void>();
  private readonly output: PulseOutput;
  /** The abort signal listened to ({@link watchAbort}), and the motion and target it aborts. */
  private watched: AbortSignal | undefined;
  private abortable: Motion | undefined;
  private abortableTarget = 0;

  constructor(name: string, options: SimStageOptions, clock: Clock) {
    super(name, clock);
    this.units = options.units;
    this.travel = { min: options.min, max: options.max };
    this.velocityPerS = options.velocity;
    this.accelerationPerS2 = options.acceleration;
    this.settleS = options.settle_time;
    this.target = options.position;
    this.motion = finishedMotion(restingProfile(options.position, clock.now()));
    this.output = new PulseOutput(name, clock, {
      profile: () => this.motion.profile,
      onMotionChange: (listener) => this.motionChanges.on(listener),
      position: () => this.now().x,
    });
    const u = this.units;
    this.settings = createParameterSet(name, [
      {
        name: 'velocity', type: 'number', units: `${u}/s`, min: 1e-6, max: 1e6,
        description: `top speed of moves (${u}/s); applies from the next move`,
        get: () => this.velocityPerS,
        set: (value) => { this.velocityPerS = Number(value); },
      },
      {
        name: 'acceleration', type: 'number', units: `${u}/s^2`, min: 1e-6, max: 1e9,
        description: `acceleration and deceleration of moves (${u}/s^2); applies from the next move`,
        get: () => this.accelerationPerS2,
        set: (value) => { this.accelerationPerS2 = Number(value); },
      },
      {
        name: 'settle_time', type: 'number', units: 's', min: 0, max: 60,
        description: 'time to settle after arriving (s)',
        get: () => this.settleS,
        set: (value) => { this.settleS = Number(value); },
      },
    ]);
  }

  /** Moves to `position` (units); see {@link Movable.moveAbs}. */
  moveAbs(position: number, options: MoveOptions = {}): Promise<void> {
    return this.command('move', () => requireMoveTarget(this.name, position, this.travel, this.units), () => this.move(position, options));
  }

  /** Moves by `delta` (units) from the present target; see {@link Movable.moveRel}. */
  moveRel(delta: number, options: MoveOptions = {}): Promise<void> {
    const target = this.target + delta;
    return this.command('move', () => requireMoveTarget(this.name, target, this.travel, this.units, delta), () => this.move(target, options));
  }

  /** The present position (units), along the motion profile at the clock's present time. */
  position(): Promise<number> {
    return this.query('read position', () => this.now().x);
  }

  /** Soft travel limits (units). */
  async limits(): Promise<Limits> {
    return { ...this.travel };
  }

  /** Resolves once at rest and settled; rejects `deadline_exceeded` after `timeoutS` (s). */
  async waitSettled(timeoutS?: number): Promise<void> {
    this.requireConnected('wait for settling');
    return waitUntilSettled(this.name, this.clock, () => this.motion, timeoutS);
  }

  /**
   * Decelerates at the move's acceleration from the present velocity to rest (the axis ends
   * `v^2 / 2a` beyond where the stop began) and rejects pending moves with `cancelled`.
   * Resolves at rest. Does nothing when not connected: nothing moves then.
   */
  async stop(): Promise<void> {
    if (!this.connected || this.motion.finished) return;
    await this.operation('stop', async () => {
      const motion = this.haltMotion(`${this.name}: move to ${this.target} ${this.units} was stopped`);
      await motion.ended;
    });
  }

  /** Sets the next pulse train: `{rateHz, count}`, or `{positions}` (units) crossed by this axis. */
  setPulseTrain(train: PulseTrain): Promise<void> {
    return this.command('set pulse train', () => this.output.check(train), async () => this.output.set(train));
  }

  /** Starts emitting the pulse train; a position train pulses as moves cross its positions. */
  startPulses(): Promise<void> {
    return this.query('start pulses', () => this.output.start());
  }

  /** Stops the pulse train; resolves once no more pulses will come. */
  stopPulses(): Promise<void> {
    return this.output.stop();
  }

  /** Resolves once the pulse train has been emitted; `deadline_exceeded` after `timeoutS` (s). */
  waitPulses(timeoutS?: number): Promise<void> {
    return this.output.wait(timeoutS);
  }

  /** Calls `listener` with every pulse (time, index, and the position it was latched at). */
  onPulse(listener: (pulse: Pulse) => void): Unsubscribe {
    return this.output.on(listener);
  }

  protected override async closeConnection(): Promise<void> {
    await this.output.stop();
    const state = this.now();
    const motion = this.motion;
    this.replaceMotion(restingProfile(state.x, this.clock.now()), `${this.name}: disconnected during a move`, true);
    this.target = state.x;
    await motion.ended;
  }

  private move(position: number, options: MoveOptions): Promise<void> {
    options.signal?.throwIfAborted();
    const profile = planMove(
      this.now(),
      position,
      { vmax: this.velocityPerS, accel: this.accelerationPerS2 },
      this.clock.now(),
      this.motion.finished ? this.accelerationPerS2 : this.motion.profile.accel,
    );
    const motion = this.replaceMotion(profile, `${this.name}: move to ${this.target} ${this.units} was superseded by a move to ${position} ${this.units}`);
    this.target = position;
    if (options.signal !== undefined) this.watchAbort(options.signal, motion, position);
    if (options.wait === false) return Promise.resolve();
    return motion.done;
  }

  /**
   * Aborting `signal` halts `motion` while it is the motion under way. One listener per signal
   * (a run's moves all come with the run's signal), not one per move: the listener is moved to
   * another signal when a move comes with one.
   */
  private watchAbort(signal: AbortSignal, motion: Motion, position: number): void {
    this.abortable = motion;
    this.abortableTarget = position;
    if (this.watched === signal) return;
    this.watched?.removeEventListener('abort', this.onAbort);
    this.watched = signal;
    signal.addEventListener('abort', this.onAbort);
  }

  /** The watched signal aborted: halts the motion it was given with, if still under way. */
  private readonly onAbort = (): void => {
    const motion = this.abortable;
    this.watched?.removeEventListener('abort', this.onAbort);
    this.watched = undefined;
    this.abortable = undefined;
    if (motion !== undefined && this.motion === motion && !motion.finished) {
      this.haltMotion(`${this.name}: move to ${this.abortableTarget} ${this.units} was aborted`);
    }
  };

  /** Replaces the motion under way by a deceleration to rest; returns the new motion. */
  private haltMotion(reason: string): Motion {
    const state = this.now();
    const accel = this.motion.finished ? this.accelerationPerS2 : this.motion.profile.accel;
    const motion = this.replaceMotion(planStop(state, accel, this.clock.now()), reason);
    this.target = motion.profile.final;
    return motion;
  }

  /**
   * Cuts the present motion short (its waiters get `cancelled` with `reason`) and starts
   * `profile`, keeping the device busy until it is at rest and settled.
   */
  private replaceMotion(profile: MotionProfile, reason: string, immediate = false): Motion {
    const previous = this.motion;
    if (!previous.finished) previous.controller.abort(new DaqError('cancelled', reason, { device: this.name }));
    if (immediate) {
      this.motion = finishedMotion(profile);
      this.motionChanges.emit();
      return this.motion;
    }
    // A motion that ended by itself was never aborted: its controller serves the next one.
    const controller = previous.finished && !previous.controller.signal.aborted ? previous.controller : new AbortController();
    // Busy until at rest and settled; left exactly once, by whichever way the sleep ends.
    this.enterActivity();
    const motion: Motion = { profile, controller, done: DONE, ended: DONE, finished: false };
    motion.done = this.clock.sleep(profile.endS - this.clock.now() + this.settleS, controller.signal).then(
      () => {
        // At rest: pin the position to the target, whatever the rounding of the clock's arithmetic.
        motion.profile = restingProfile(profile.final, this.clock.now());
        motion.finished = true;
        this.leaveActivity();
      },
      (error: unknown) => {
        motion.finished = true;
        this.leaveActivity();
        throw error;
      },
    );
    motion.ended = motion.done.catch(ignore);
    this.motion = motion;
    if (this.motionChanges.size > 0) this.motionChanges.emit();
    return motion;
  }

  private now(): MotionState {
    return sampleProfile(this.motion.profile, this.clock.now());
  }
}

/** A settled promise, for a motion's fields until they are set. */
const DONE = Promise.resolve();
const ignore = (): undefined => undefined;

function finishedMotion(profile: MotionProfile): Motion {
  const done = Promise.resolve();
  return { profile, controller: new AbortController(), done, ended: done, finished: true };
}

/** The `sim-stage` driver. */
export const simStageDriver = defineDriver({
  name: 'sim-stage',
  summary: 'simulated linear stage with trapezoidal moves, limits and settling',
  options: simStageOptions,
  create: (name, options, context) => new SimStage(name, options, context.clock),
});
