/**
 * `epics-ca` devices: EPICS process variables over Channel Access ({@link acquireCaContext}).
 * An {@link EpicsCaDevice} opens one CA channel per PV it uses. When the IOC goes away, epics-tca
 * reports the channel disconnected: the device faults naming the PV, drops its channels, and
 * tries to connect again ({@link CONNECT_RETRY}: 0.5 s doubling to 10 s) with new channels until
 * the IOC answers (units and limits are read again), then it is `idle`. New channels, because
 * epics-tca 1.1.31 does not bring a disconnected channel back by itself: its re-search stops when
 * the channel's creation timeout (counted from the loss) runs out, and without a timeout it
 * stayed disconnected too when we tried (caproto IOC restarted on the same port).
 */
import type { Channel, Context } from 'epics-tca';
import type { DataKey, Limits, Movable, MoveOptions, ParameterInfo, ParameterValue, Parameterized, Readable, Reading } from '../../capabilities/index.js';
import { checkParameterValue } from '../../capabilities/index.js';
import { type Clock, DaqError } from '../../core/index.js';
import { BaseDevice, CONNECT_RETRY, nextRetryDelayS, requireMoveTarget, type Settling, waitUntilSettled } from '../../devices/index.js';
import { acquireCaContext, channelConnected, getNumber, getValue, openChannel, putValue, releaseCaContext } from './ca-client.js';
import type { EpicsCaOptions } from './options.js';

/** A device made of CA channels. */
export abstract class EpicsCaDevice extends BaseDevice {
  readonly driver = 'epics-ca';
  protected readonly options: EpicsCaOptions;
  protected readonly clock: Clock;
  private context: Context | undefined;
  private readonly channels = new Map<string, Channel>();
  private recovering = false;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(name: string, options: EpicsCaOptions, clock: Clock) {
    super(name);
    this.options = options;
    this.clock = clock;
  }

  /** Every PV the device uses (a channel each). */
  protected abstract pvNames(): string[];
  /** Reads what the device needs (units, limits) once every channel is connected; runs on every (re)connect. */
  protected abstract setUp(): Promise<void>;
  /** Called when a channel is lost, before the device goes faulted: end waits under way. */
  protected onLost(_reason: DaqError): void {}

  /** The channel of `pv` (one of {@link pvNames}). */
  protected channel(pv: string): Channel {
    const channel = this.channels.get(pv);
    if (channel === undefined) throw new DaqError('failed_precondition', `${this.name}: not connected`, { device: this.name });
    return channel;
  }

  protected readNumber(pv: string): Promise<number> {
    return getNumber(this.channel(pv), this.options.timeout, this.name);
  }

  protected readAny(pv: string): Promise<number | string> {
    return getValue(this.channel(pv), this.options.timeout, this.name);
  }

  protected write(pv: string, value: number, timeoutS = this.options.timeout): Promise<void> {
    return putValue(this.channel(pv), value, timeoutS, this.name);
  }

  protected async openConnection(signal: AbortSignal): Promise<void> {
    this.context ??= await acquireCaContext({ addrList: this.options.addr_list, serverPort: this.options.server_port, repeaterPort: this.options.repeater_port }, this.name);
    const context = this.context;
    await Promise.all(
      this.pvNames()
        .filter((pv) => !this.channels.has(pv))
        .map(async (pv) => {
          const channel = await openChannel(context, pv, this.options.timeout, this.name);
          this.channels.set(pv, channel);
          channel.setDestroySoftCallback(() => this.lost(pv));
        }),
    );
    signal.throwIfAborted();
    const missing = this.pvNames().filter((pv) => !channelConnected(this.channel(pv)));
    if (missing.length > 0) throw new DaqError('unavailable', `${this.name}: PV ${missing.map((pv) => `"${pv}"`).join(', ')} not connected to its IOC yet`, { device: this.name });
    await this.setUp();
  }

  override async disconnect(): Promise<void> {
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
    this.recovering = false;
    await super.disconnect();
  }

  protected async closeConnection(): Promise<void> {
    await this.dropChannels();
    if (this.recovering) return; // a failed reconnect attempt keeps the context for the next one
    if (this.context !== undefined) {
      this.context = undefined;
      releaseCaContext();
    }
  }

  /** The channel of `pv` lost its IOC: fault with the reason, then wait for it to come back. */
  private lost(pv: string): void {
    if (this.state !== 'idle' && this.state !== 'busy') return;
    const reason = new DaqError('unavailable', `${this.name}: lost the connection to PV "${pv}" (its IOC stopped answering)`, { device: this.name });
    this.onLost(reason);
    this.markFaulted(reason);
    void this.dropChannels();
    this.scheduleRecovery(CONNECT_RETRY.firstS);
  }

  private async dropChannels(): Promise<void> {
    const channels = [...this.channels.values()];
    this.channels.clear();
    await Promise.all(channels.map((c) => c.destroyHard().catch(() => undefined)));
  }

  private scheduleRecovery(delayS: number): void {
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = setTimeout(() => this.recover(delayS), delayS * 1000);
    this.retry.unref();
  }

  /** Connects again with new channels; on failure tries again after a doubled delay. */
  private recover(delayS: number): void {
    this.retry = undefined;
    if (this.state !== 'faulted' || this.context === undefined) return;
    this.recovering = true;
    this.connect(new AbortController().signal).then(
      () => {
        this.recovering = false;
      },
      () => {
        if (!this.recovering) return;
        this.recovering = false;
        this.scheduleRecovery(nextRetryDelayS(delayS));
      },
    );
  }
}

/** A move under way. */
interface Motion extends Settling {
  target: number;
  /** Resolves at rest; rejects with `cut` when the move was cut short. */
  done: Promise<void>;
  cut: DaqError | undefined;
}

/**
 * A motor record as a {@link Movable}: VAL is the setpoint, RBV the readback, DMOV 1 when done
 * moving, STOP=1 stops; LLM/HLM are the soft limits (user coordinates; none when DLLM and DHLM
 * are both 0, as the record has it) and EGU the units, both read at connect and again before each
 * move (a move outside them is refused before anything is written). A move writes VAL with a put-callback (a real motor record completes it when the move
 * ends) and then follows DMOV until it reads 1 with the move seen (DMOV 0) or RBV at the target.
 */
export class EpicsMotor extends EpicsCaDevice implements Movable {
  private egu = '';
  private travel: Limits = { min: 0, max: 0 };
  /** DLLM > DHLM: the record refuses every move. */
  private inverted = false;
  /** How close RBV must come to VAL to count as there: |MRES|, at least 1e-9. */
  private tolerance = 1e-9;
  private motion: Motion | undefined;
  private target = 0;

  get units(): string {
    return this.egu;
  }

  private pv(field: string): string {
    return field === 'VAL' ? this.record : `${this.record}.${field}`;
  }

  private get record(): string {
    return this.options.motor ?? '';
  }

  protected pvNames(): string[] {
    return ['VAL', 'RBV', 'DMOV', 'STOP', 'LLM', 'HLM', 'DLLM', 'DHLM', 'EGU', 'MRES'].map((f) => this.pv(f));
  }

  protected async setUp(): Promise<void> {
    const egu = await this.readAny(this.pv('EGU'));
    this.egu = String(egu).trim();
    this.tolerance = Math.max(1e-9, Math.abs(await this.readNumber(this.pv('MRES'))));
    await this.readLimits();
    this.motion = undefined;
    this.target = await this.readNumber(this.pv('VAL'));
  }

  /**
   * The soft limits as the motor record applies them (motorRecord.cc): none when the dial limits
   * DHLM and DLLM are both 0 (then -Infinity..Infinity: only the controller's own limits apply),
   * else LLM..HLM, the same limits in user coordinates.
   */
  private async readLimits(): Promise<Limits> {
    const [low, high, dialLow, dialHigh] = await Promise.all(['LLM', 'HLM', 'DLLM', 'DHLM'].map((f) => this.readNumber(this.pv(f))));
    this.inverted = false;
    if (dialLow === 0 && dialHigh === 0) {
      this.travel = { min: -Infinity, max: Infinity };
    } else {
      // The record refuses every move while DLLM > DHLM (it sets LVIO): say so before writing.
      this.inverted = (dialLow ?? 0) > (dialHigh ?? 0);
      this.travel = { min: Math.min(low ?? 0, high ?? 0), max: Math.max(low ?? 0, high ?? 0) };
    }
    return this.travel;
  }

  moveAbs(position: number, options: MoveOptions = {}): Promise<void> {
    return this.startMove(position, options);
  }

  moveRel(delta: number, options: MoveOptions = {}): Promise<void> {
    return this.startMove(this.target + delta, options, delta);
  }

  position(): Promise<number> {
    return this.query('read position', () => this.readNumber(this.pv('RBV')));
  }

  limits(): Promise<Limits> {
    return this.query('read limits', () => this.readLimits());
  }

  async waitSettled(timeoutS?: number): Promise<void> {
    this.requireConnected('wait for settling');
    return waitUntilSettled(this.name, this.clock, () => this.motion, timeoutS);
  }

  /** Writes STOP=1 and waits for DMOV=1; a move under way rejects `cancelled`. */
  async stop(): Promise<void> {
    if (this.state !== 'idle' && this.state !== 'busy') return;
    await this.operation('stop', async () => {
      const motion = this.motion;
      if (motion !== undefined && !motion.finished) {
        motion.cut ??= new DaqError('cancelled', `${this.name}: move to ${motion.target} ${this.units} was stopped`, { device: this.name });
      }
      await this.write(this.pv('STOP'), 1);
      if (motion !== undefined && !motion.finished) await motion.ended;
      else await this.untilDone(() => true);
      this.target = await this.readNumber(this.pv('RBV'));
    });
  }

  protected override onLost(reason: DaqError): void {
    if (this.motion !== undefined && !this.motion.finished) this.motion.cut ??= reason;
  }

  private async startMove(target: number, options: MoveOptions, delta?: number): Promise<void> {
    // Limits are read from the IOC first (they may have changed there); the refusal writes nothing.
    try {
      this.requireConnected('move');
      const limits = await this.readLimits();
      if (this.inverted) {
        throw new DaqError('failed_precondition', `${this.name}: the motor record ${this.record} has its dial limits inverted (DLLM > DHLM) and refuses every move; fix DLLM/DHLM on the IOC`, { device: this.name });
      }
      requireMoveTarget(this.name, target, limits, this.units, delta);
    } catch (error) {
      return this.command('move', () => { throw error; }, async () => undefined);
    }
    return this.command('move', () => undefined, () => this.move(target, options));
  }

  private async move(target: number, options: MoveOptions): Promise<void> {
    options.signal?.throwIfAborted();
    const previous = this.motion;
    if (previous !== undefined && !previous.finished) {
      previous.cut ??= new DaqError('cancelled', `${this.name}: move to ${previous.target} ${this.units} was superseded by a move to ${target} ${this.units}`, { device: this.name });
    }
    this.target = target;
    const motion = this.track(target, options.signal);
    if (options.wait === false) return;
    await motion.done;
  }

  /** Writes VAL and follows the move until DMOV says it is over; the device is busy meanwhile. */
  private track(target: number, signal: AbortSignal | undefined): Motion {
    const release = this.beginActivity();
    const motion: Motion = { target, finished: false, cut: undefined, done: Promise.resolve(), ended: Promise.resolve() };
    this.motion = motion;
    const onAbort = (): void => {
      if (motion.finished) return;
      motion.cut ??= new DaqError('cancelled', `${this.name}: move to ${target} ${this.units} was aborted`, { device: this.name });
      this.stop().catch(() => undefined);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    motion.done = (async () => {
      try {
        // A real motor record completes this put when the move ends; caproto's at once.
        const put = this.write(this.pv('VAL'), target, this.options.move_timeout);
        let putDone = false;
        let putError: unknown;
        put.then(
          () => (putDone = true),
          (error: unknown) => {
            putDone = true;
            putError = error;
          },
        );
        let sawMoving = false;
        await this.untilDone(async (dmov) => {
          if (motion.cut !== undefined || this.motion !== motion) return true;
          if (!putDone) return false;
          if (putError !== undefined) throw putError;
          if (!dmov) {
            sawMoving = true;
            return false;
          }
          return sawMoving || Math.abs((await this.readNumber(this.pv('RBV'))) - target) <= this.tolerance;
        }, () => motion.cut !== undefined && (this.state === 'faulted' || this.motion !== motion));
      } finally {
        motion.finished = true;
        signal?.removeEventListener('abort', onAbort);
        release();
      }
      if (motion.cut !== undefined) throw motion.cut;
    })();
    motion.ended = motion.done.catch(() => undefined);
    return motion;
  }

  /**
   * Reads DMOV every `poll` s until `done(dmov)` is true (`done` sees DMOV=1 as true), or `giveUp()`;
   * throws `deadline_exceeded` after `move_timeout`.
   */
  private async untilDone(done: (dmov: boolean) => boolean | Promise<boolean>, giveUp: () => boolean = () => false): Promise<void> {
    const deadline = this.clock.now() + this.options.move_timeout;
    for (;;) {
      if (giveUp()) return;
      const dmov = (await this.readNumber(this.pv('DMOV'))) !== 0;
      if (await done(dmov)) {
        if (dmov || giveUp()) return;
      }
      if (this.clock.now() > deadline) {
        throw new DaqError('deadline_exceeded', `${this.name}: ${this.record} did not report done moving (DMOV) within ${this.options.move_timeout} s`, { device: this.name });
      }
      await this.clock.sleep(this.options.poll);
    }
  }
}

/** Any numeric PV as a {@link Readable}: the value with the PV's units (EGU, or `units`). */
export class EpicsPv extends EpicsCaDevice implements Readable {
  protected egu = '';

  protected get pvName(): string {
    return this.options.pv ?? '';
  }

  /** The EGU field of the record `pv` belongs to (`rec.EGU` for `rec` and `rec.VAL`). */
  private get eguPv(): string {
    return `${this.pvName.replace(/\.VAL$/, '').split('.')[0] ?? this.pvName}.EGU`;
  }

  protected pvNames(): string[] {
    return this.options.units === undefined ? [this.pvName, this.eguPv] : [this.pvName];
  }

  protected async setUp(): Promise<void> {
    this.egu = this.options.units ?? String(await this.readAny(this.eguPv)).trim();
    await this.readNumber(this.pvName); // refuses a text PV at connect
  }

  read(): Promise<Reading> {
    return this.query('read', async () => {
      const value = await this.readNumber(this.pvName);
      return { value, timestampS: this.clock.now(), units: this.egu };
    });
  }

  describe(): DataKey {
    return { dtype: 'float64', shape: [], units: this.egu };
  }
}

/** A settable numeric PV: {@link EpicsPv} and {@link Parameterized} with one setting, `value`. */
export class EpicsSettablePv extends EpicsPv implements Parameterized {
  parameters(): readonly ParameterInfo[] {
    const setting = this.options.setting;
    return [
      {
        name: 'value',
        type: 'number',
        units: this.egu,
        ...(setting === undefined ? {} : { min: setting.min, max: setting.max }),
        writable: true,
        description: `value of PV ${this.pvName} (a CA put with completion)`,
      },
    ];
  }

  getParameter(name: string): Promise<ParameterValue> {
    return this.query('get setting', () => {
      this.requireSetting(name);
      return this.readNumber(this.pvName);
    });
  }

  setParameter(name: string, value: ParameterValue): Promise<void> {
    return this.command(
      `set ${name}`,
      () => {
        this.requireSetting(name);
        const [info] = this.parameters();
        const problem = info === undefined ? undefined : checkParameterValue(info, value);
        if (problem !== undefined) throw new DaqError(typeof value === 'number' ? 'out_of_range' : 'invalid_argument', `${this.name}: value: ${problem}`, { device: this.name });
      },
      () => this.write(this.pvName, value as number),
    );
  }

  private requireSetting(name: string): void {
    if (name !== 'value') throw new DaqError('not_found', `${this.name}: no setting "${name}" (an epics-ca PV has one: value)`, { device: this.name });
  }
}

/** Makes the device the options describe. */
export function createEpicsCaDevice(name: string, options: EpicsCaOptions, clock: Clock): EpicsCaDevice {
  if (options.motor !== undefined) return new EpicsMotor(name, options, clock);
  return options.setting === undefined ? new EpicsPv(name, options, clock) : new EpicsSettablePv(name, options, clock);
}
