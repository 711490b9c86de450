/**
 * Base of the motor drivers whose controller is asked "are you done?" (ESP300 `nMD?`, ELL14
 * `gs`): the {@link Movable} contract once, for every such driver. Moves are absolute to a target
 * the driver keeps, so a relative move during a move is relative to that move's target. A move
 * keeps the device busy until the controller reports it at rest; a newer move, `stop()`, an
 * aborted signal or a lost port cut the older move short (its waiters get the reason).
 */
import type { Limits, Movable, MoveOptions } from '../../capabilities/index.js';
import { type Clock, DaqError } from '../../core/index.js';
import { requireMoveTarget, type Settling, waitUntilSettled } from '../../devices/index.js';
import type { Endpoint, LinkOptions } from '../../transports/index.js';
import { LinkedDevice } from './linked-device.js';

/** A move under way. */
interface Motion {
  target: number;
  /** Resolves at rest; rejects with `cut` when the move was cut short. */
  done: Promise<void>;
  /** Resolves when the move ends, either way; never rejects. */
  ended: Promise<void>;
  cut: DaqError | undefined;
  finished: boolean;
}

/** Travel and polling of a {@link PolledAxis}. */
export interface AxisSettings {
  units: string;
  limits: Limits;
  /** How often the controller is asked whether the move is done, s. */
  pollS: number;
}

/** An axis whose controller reports motion done when asked. */
export abstract class PolledAxis extends LinkedDevice implements Movable {
  readonly units: string;
  private readonly travel: Limits;
  private readonly pollS: number;
  private motion: Motion | undefined;
  /** A move whose command is on its way to the controller: `waitSettled` follows it from then on. */
  private starting: Settling | undefined;
  private target = 0;

  constructor(name: string, clock: Clock, endpoint: Endpoint, link: LinkOptions, settings: AxisSettings) {
    super(name, clock, endpoint, link);
    this.units = settings.units;
    this.travel = { ...settings.limits };
    this.pollS = settings.pollS;
  }

  /** Starts a move to `target` (units) on the controller; throws its refusal. */
  protected abstract startMove(target: number): Promise<void>;
  /** Tells the controller to decelerate to rest. */
  protected abstract startStop(): Promise<void>;
  /** The controller's position (units). */
  protected abstract readPosition(): Promise<number>;
  /** True while the controller reports the axis moving. */
  protected abstract readMoving(): Promise<boolean>;
  /** Sets the instrument up after the link opens (identify, configure); then the target is read. */
  protected abstract setUp(signal: AbortSignal): Promise<void>;

  moveAbs(position: number, options: MoveOptions = {}): Promise<void> {
    return this.command('move', () => requireMoveTarget(this.name, position, this.travel, this.units), () => this.move(position, options));
  }

  moveRel(delta: number, options: MoveOptions = {}): Promise<void> {
    const target = this.target + delta;
    return this.command('move', () => requireMoveTarget(this.name, target, this.travel, this.units, delta), () => this.move(target, options));
  }

  position(): Promise<number> {
    return this.query('read position', () => this.readPosition());
  }

  async limits(): Promise<Limits> {
    return { ...this.travel };
  }

  async waitSettled(timeoutS?: number): Promise<void> {
    this.requireConnected('wait for settling');
    return waitUntilSettled(this.name, this.clock, () => this.starting ?? this.motion, timeoutS);
  }

  /** Decelerates the axis to rest and waits until it is; pending moves reject `cancelled`. */
  async stop(): Promise<void> {
    if (this.state !== 'idle' && this.state !== 'busy') return;
    await this.operation('stop', async () => {
      const motion = this.motion;
      if (motion !== undefined && !motion.finished) {
        motion.cut ??= new DaqError('cancelled', `${this.name}: move to ${motion.target} ${this.units} was stopped`, { device: this.name });
      }
      await this.startStop();
      if (motion !== undefined) await motion.ended;
      else await this.pollUntilDone();
      this.target = await this.readPosition();
    });
  }

  protected async initialize(signal: AbortSignal): Promise<void> {
    await this.setUp(signal);
    this.motion = undefined;
    this.target = await this.readPosition();
  }

  protected override onLinkLost(reason: DaqError): void {
    if (this.motion !== undefined && !this.motion.finished) this.motion.cut ??= reason;
  }

  protected override async beforeClose(): Promise<void> {
    const motion = this.motion;
    if (motion === undefined || motion.finished) return;
    motion.cut ??= new DaqError('cancelled', `${this.name}: disconnected during a move`, { device: this.name });
    await this.startStop();
    await motion.ended;
  }

  /** Polls the controller until the axis is at rest, or until `motion` is replaced by another. */
  protected async pollUntilDone(motion?: Motion): Promise<void> {
    for (;;) {
      if (motion !== undefined && this.motion !== motion) return;
      if (!(await this.readMoving())) return;
      await this.clock.sleep(this.pollS);
    }
  }

  private async move(position: number, options: MoveOptions): Promise<void> {
    options.signal?.throwIfAborted();
    const previous = this.motion;
    if (previous !== undefined && !previous.finished) {
      previous.cut ??= new DaqError('cancelled', `${this.name}: move to ${previous.target} ${this.units} was superseded by a move to ${position} ${this.units}`, { device: this.name });
    }
    // Until the controller has the command, the older move may still end: waiters follow this one.
    let started!: () => void;
    const starting: Settling = { finished: false, ended: new Promise<void>((resolve) => (started = resolve)) };
    this.starting = starting;
    const startDone = (): void => {
      starting.finished = true;
      if (this.starting === starting) this.starting = undefined;
      started();
    };
    try {
      await this.startMove(position);
    } catch (error) {
      startDone();
      throw error;
    }
    this.target = position;
    const motion = this.track(position);
    startDone();
    const signal = options.signal;
    if (signal !== undefined) {
      const onAbort = (): void => {
        if (this.motion !== motion || motion.finished) return;
        motion.cut ??= new DaqError('cancelled', `${this.name}: move to ${position} ${this.units} was aborted`, { device: this.name });
        this.stop().catch(() => undefined);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void motion.ended.then(() => signal.removeEventListener('abort', onAbort));
    }
    if (options.wait === false) return;
    await motion.done;
  }

  /** Follows the move to `target` until the controller reports it done; the device is busy meanwhile. */
  private track(target: number): Motion {
    const release = this.beginActivity();
    const motion: Motion = { target, done: Promise.resolve(), ended: Promise.resolve(), cut: undefined, finished: false };
    this.motion = motion;
    motion.done = (async () => {
      try {
        await this.pollUntilDone(motion);
      } finally {
        motion.finished = true;
        release();
      }
      if (motion.cut !== undefined) throw motion.cut;
    })();
    motion.ended = motion.done.catch(() => undefined);
    return motion;
  }
}
