/**
 * `newport-esp300`: one axis of a Newport ESP300 motion controller. Each axis is its own device
 * (`stage_x`, `stage_y`), and the axes of one controller share its serial port through a shared
 * link. Moves are absolute (`nPA`) to a target the driver keeps, so a relative move during a
 * move is relative to that move's target; completion is polled with `nMD?`. Every command is
 * followed on the same line by `TB?`, so a refused command (a limit, a motor off) fails at once
 * with the controller's own message.
 */
import type { Limits, Movable, MoveOptions } from '../../capabilities/index.js';
import { type Clock, DaqError } from '../../core/index.js';
import { requireInRange } from '../../devices/index.js';
import { parseEndpoint } from '../../transports/index.js';
import { LinkedDevice } from '../common/linked-device.js';
import { parseNumber } from '../common/options.js';
import type { Esp300Options } from './options.js';

/** A move under way: settles when the controller reports motion done. */
interface Motion {
  target: number;
  /** Resolves at rest; rejects `cancelled` when stopped or superseded, `unavailable` when the port is lost. */
  done: Promise<void>;
  /** Resolves at rest whatever happened; never rejects. */
  ended: Promise<void>;
  /** Set when the motion was cut short; `done` rejects with it. */
  cut: DaqError | undefined;
  finished: boolean;
}

/** One ESP300 axis. Implements Movable (and so Stoppable). */
export class Esp300Axis extends LinkedDevice implements Movable {
  readonly driver = 'newport-esp300';
  readonly units: string;
  private readonly options: Esp300Options;
  private readonly travel: Limits;
  private motion: Motion | undefined;
  private target = 0;

  constructor(name: string, options: Esp300Options, clock: Clock) {
    super(name, clock, parseEndpoint(options.port, { baudRate: options.baud, rtscts: options.handshake }), {
      protocol: 'newport-esp300',
      framing: { writeTerminator: '\r', timeoutS: options.timeout },
    });
    this.options = options;
    this.units = options.units;
    this.travel = { min: options.min, max: options.max };
  }

  moveAbs(position: number, options: MoveOptions = {}): Promise<void> {
    return this.command('move', () => this.checkTarget(position), () => this.move(position, options));
  }

  moveRel(delta: number, options: MoveOptions = {}): Promise<void> {
    const target = this.target + delta;
    return this.command(
      'move',
      () => {
        requireInRange(this.name, 'step', delta, { min: -Infinity, max: Infinity }, this.units);
        this.checkTarget(target);
      },
      () => this.move(target, options),
    );
  }

  position(): Promise<number> {
    return this.query('read position', () => this.readPosition());
  }

  async limits(): Promise<Limits> {
    return { ...this.travel };
  }

  async waitSettled(timeoutS?: number): Promise<void> {
    this.requireConnected('wait for settling');
    const motion = this.motion;
    if (motion === undefined || motion.finished) return;
    if (timeoutS === undefined) return motion.ended;
    const timer = new AbortController();
    const deadline = this.clock.sleep(timeoutS, timer.signal).then(
      () => 'timeout' as const,
      () => 'ended' as const,
    );
    try {
      if ((await Promise.race([motion.ended.then(() => 'ended' as const), deadline])) === 'timeout') {
        throw new DaqError('deadline_exceeded', `${this.name}: not settled after ${timeoutS} s`, { device: this.name });
      }
    } finally {
      timer.abort();
    }
  }

  /** Decelerates the axis to rest (`nST`) and waits until it is; pending moves reject `cancelled`. */
  async stop(): Promise<void> {
    if (this.state !== 'idle' && this.state !== 'busy') return;
    await this.operation('stop', async () => {
      const motion = this.motion;
      if (motion !== undefined && !motion.finished) {
        motion.cut ??= new DaqError('cancelled', `${this.name}: move to ${motion.target} ${this.units} was stopped`, { device: this.name });
      }
      await this.checked(`${this.options.axis}ST`);
      if (motion !== undefined) await motion.ended;
      this.target = await this.readPosition();
    });
  }

  protected async initialize(signal: AbortSignal): Promise<void> {
    const identity = await this.link.query('VE?', { signal, retries: 1 });
    if (!identity.includes('ESP300')) {
      throw new DaqError('failed_precondition', `the instrument on ${this.link.description} is not an ESP300: "VE?" replied ${JSON.stringify(identity)}`);
    }
    const { axis, velocity, acceleration } = this.options;
    await this.checked(`${axis}MO;${axis}VA${velocity};${axis}AC${acceleration};${axis}SL${this.travel.min};${axis}SR${this.travel.max}`);
    if (this.options.home_on_connect) {
      await this.checked(`${axis}OR`);
      await this.pollUntilDone();
    }
    this.target = await this.readPosition();
    this.motion = undefined;
  }

  protected override onLinkLost(reason: DaqError): void {
    if (this.motion !== undefined && !this.motion.finished) this.motion.cut ??= reason;
  }

  protected override async beforeClose(): Promise<void> {
    if (this.motion !== undefined && !this.motion.finished) {
      this.motion.cut ??= new DaqError('cancelled', `${this.name}: disconnected during a move`, { device: this.name });
      await this.link.send(`${this.options.axis}ST`);
      await this.motion.ended;
    }
  }

  private async readPosition(): Promise<number> {
    const command = `${this.options.axis}TP?`;
    return parseNumber(await this.link.query(command, { retries: 1 }), command);
  }

  private checkTarget(position: number): void {
    requireInRange(this.name, 'position', position, this.travel, this.units);
  }

  private async move(position: number, options: MoveOptions): Promise<void> {
    options.signal?.throwIfAborted();
    const previous = this.motion;
    if (previous !== undefined && !previous.finished) {
      previous.cut ??= new DaqError('cancelled', `${this.name}: move to ${previous.target} ${this.units} was superseded by a move to ${position} ${this.units}`, { device: this.name });
    }
    await this.checked(`${this.options.axis}PA${position}`);
    this.target = position;
    const motion = this.track(position);
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

  /** Follows the motion to `target` until the controller reports it done; the device is busy meanwhile. */
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

  /** Polls `nMD?` until the axis is at rest, or until `motion` is replaced by another. */
  private async pollUntilDone(motion?: Motion): Promise<void> {
    const command = `${this.options.axis}MD?`;
    for (;;) {
      if (motion !== undefined && this.motion !== motion) return;
      const reply = (await this.link.query(command, { retries: 1 })).trim();
      if (reply === '1') return;
      if (reply !== '0') throw new DaqError('internal', `${this.name}: unexpected reply ${JSON.stringify(reply)} to "${command}" (expected 0 or 1)`);
      await this.clock.sleep(this.options.poll_interval);
    }
  }

  /** Sends `command` with `TB?` on the same line; throws the controller's error if it reports one. */
  private async checked(command: string): Promise<void> {
    const reply = await this.link.query(`${command};TB?`);
    const match = /^\s*(\d+)\s*,\s*\d+\s*,\s*(.*)$/.exec(reply);
    if (match === null) throw new DaqError('internal', `${this.name}: unexpected reply ${JSON.stringify(reply)} to "TB?" after "${command}"`);
    const code = Number(match[1]);
    if (code === 0) return;
    const message = `${this.name}: the ESP300 refused "${command}": error ${code} ${match[2]}`;
    const kind = code % 100 === 6 || code % 100 === 7 ? 'out_of_range' : 'failed_precondition';
    throw new DaqError(kind, message, { device: this.name });
  }
}
