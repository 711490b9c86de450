/**
 * A device another daemon owns, used here as if it were local: it takes the capabilities of the
 * owner's device when it connects (from the owner's description), serves the synchronous values
 * (units, ranges, `describe()`, `parameters()`) from that description, and sends every other call
 * over an {@link RemoteEndpoint}. When the owner stops answering, the device is faulted with the
 * reason (calls under way fail, and so does the run that made them); it checks the owner every
 * `heartbeatS` and connects again once the owner answers, with the owner's capabilities then.
 */
import type { CapabilityName, Frame } from '../../capabilities/index.js';
import { DaqError, Emitter, type Unsubscribe } from '../../core/index.js';
import { BaseDevice, type DeviceState } from '../../devices/index.js';
import { LOCAL_METHODS, QUERIES, type RemoteDescription, SYNC_METHODS, wireMethods } from './describe.js';

/** Thrown by an endpoint when the owner cannot be reached (no responder, no reply in time). */
export class OwnerUnreachable extends DaqError {
  constructor(message: string, cause?: unknown) {
    super('unavailable', message, cause === undefined ? {} : { cause });
  }
}

/** Options of one call over an endpoint. */
export interface CallOptions {
  /** Longest wait for the reply, s. */
  timeoutS: number;
}

/** What a call returns: the value (a frame arrives whole) and the owner's sync version. */
export interface CallResult {
  value: unknown;
  /** The version of the owner's synchronous values when it replied. */
  version: number | undefined;
  /** The device's state on the owner after the call. */
  state: DeviceState | undefined;
}

/** How a remote device reaches its owner (over NATS: remote-endpoint.ts). */
export interface RemoteEndpoint {
  /** The owner daemon's name. */
  readonly owner: string;
  /** The device's name on the owner. */
  readonly device: string;
  /** Resolves once the endpoint can send (this daemon has joined the cluster), or when `signal` aborts. */
  ready?(signal: AbortSignal): Promise<void>;
  /** The owner's description of the device; {@link OwnerUnreachable} when it does not answer. */
  describe(timeoutS: number): Promise<RemoteDescription>;
  /** Calls `method(...args)` on the owner; owner errors keep their code, {@link OwnerUnreachable} when it does not answer. */
  call(method: string, args: readonly unknown[], options: CallOptions): Promise<CallResult>;
}

/** Checked before every call sent to the owner (the lease of a run): throws to refuse the call. */
export type CallGuard = (device: RemoteDevice, method: string) => Promise<void> | undefined;

/** Options of {@link RemoteDevice}. */
export interface RemoteDeviceOptions {
  /** Longest wait for one call, s. */
  timeoutS: number;
  /** Seconds between checks of the owner while idle or faulted. */
  heartbeatS: number;
  guard?: CallGuard;
}

/** A device of another daemon. */
export class RemoteDevice extends BaseDevice {
  readonly driver = 'remote';
  private description: RemoteDescription | undefined;
  private installed: string[] = [];
  private readonly frames = new Emitter<Frame>();
  private heartbeat: ReturnType<typeof setTimeout> | undefined;
  private checking = false;
  private stopped = true;
  /** Ends the `busy` that mirrors the owner's device being busy (a move started with `wait: false`). */
  private ownerBusy: (() => void) | undefined;

  constructor(
    name: string,
    readonly endpoint: RemoteEndpoint,
    private readonly options: RemoteDeviceOptions,
  ) {
    super(name);
  }

  /** The owner's daemon and device: `camera-pc/camera`. */
  get target(): string {
    return `${this.endpoint.owner}/${this.endpoint.device}`;
  }

  /** The owner's driver, once described. */
  get ownerDriver(): string | undefined {
    return this.description?.driver;
  }

  /** The capabilities taken from the owner (empty until it has been described). */
  get remoteCapabilities(): readonly CapabilityName[] {
    return this.description?.capabilities ?? [];
  }

  override async connect(signal: AbortSignal): Promise<void> {
    this.stopped = false;
    try {
      await super.connect(signal);
    } finally {
      this.scheduleCheck();
    }
  }

  override async disconnect(): Promise<void> {
    this.stopped = true;
    if (this.heartbeat !== undefined) clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
    await super.disconnect();
    this.endOwnerBusy();
  }

  private endOwnerBusy(): void {
    this.ownerBusy?.();
    this.ownerBusy = undefined;
  }

  protected async openConnection(signal: AbortSignal): Promise<void> {
    await this.endpoint.ready?.(signal);
    const description = await this.endpoint.describe(Math.min(this.options.timeoutS, 10));
    signal.throwIfAborted();
    this.install(description);
  }

  protected async closeConnection(): Promise<void> {}

  /** Makes this object have the methods of the owner's capabilities (and no others). */
  private install(description: RemoteDescription): void {
    const self = this as unknown as Record<string, unknown>;
    for (const name of this.installed) delete self[name];
    this.description = description;
    this.mirror(description.state);
    const installed: string[] = [];
    const define = (name: string, value: PropertyDescriptor): void => {
      Object.defineProperty(this, name, { configurable: true, enumerable: false, ...value });
      installed.push(name);
    };
    if (typeof description.sync['units'] === 'string') define('units', { get: () => this.description?.sync['units'] });
    for (const method of SYNC_METHODS) {
      if (method in description.sync) define(method, { value: () => this.syncValue(method) });
    }
    if (description.capabilities.includes('FrameProducer')) {
      for (const method of LOCAL_METHODS) define(method, { value: (listener: (frame: Frame) => void): Unsubscribe => this.frames.on(listener) });
    }
    for (const method of wireMethods(description.capabilities)) {
      define(method, { value: (...args: unknown[]) => this.remoteCall(method, args) });
    }
    this.installed = installed;
  }

  /** Keeps this device `busy` while the owner's is. */
  private mirror(state: DeviceState | undefined): void {
    if (state === 'busy' && this.ownerBusy === undefined && (this.state === 'idle' || this.state === 'busy')) this.ownerBusy = this.beginActivity();
    else if (state !== 'busy') this.endOwnerBusy();
  }

  /** A synchronous value, as the owner last described it (also while faulted: as a local driver's settings list). */
  private syncValue(method: string): unknown {
    return this.description?.sync[method];
  }

  private remoteCall(method: string, args: unknown[]): Promise<unknown> {
    if (method === 'startStream') {
      return Promise.reject(new DaqError('unimplemented', `${this.name}: frame streams of a remote camera (${this.target}) are not supported; snap() is`, { device: this.name }));
    }
    if (method === 'stopStream') return Promise.resolve();
    const body = (): Promise<unknown> => this.send(method, args);
    return QUERIES.has(method) && method !== 'waitSettled' ? this.query(method, body) : this.operation(method, body);
  }

  private async send(method: string, args: unknown[]): Promise<unknown> {
    await this.options.guard?.(this, method);
    const { wireArgs, signal } = wireArguments(method, args);
    if (signal?.aborted) throw new DaqError('cancelled', `${method} was aborted before it started`);
    const timeoutS = method === 'waitSettled' && typeof args[0] === 'number' ? Math.max(this.options.timeoutS, args[0] + 5) : this.options.timeoutS;
    const call = this.endpoint.call(method, wireArgs, { timeoutS });
    let result: CallResult;
    try {
      result = signal === undefined ? await call : await abortable(call, signal, () => this.endpoint.call('stop', [], { timeoutS }));
    } catch (error) {
      if (error instanceof OwnerUnreachable) this.ownerLost(error);
      else if (this.ownerBusy !== undefined) await this.ownerStateAfterError();
      throw error;
    }
    if (result.version !== undefined && result.version !== this.description?.version) {
      this.install(await this.endpoint.describe(this.options.timeoutS));
    }
    this.mirror(result.state);
    if (method === 'snap' && result.value !== undefined) this.frames.emit(result.value as Frame);
    return result.value;
  }

  /**
   * After a call the owner refused while its device was busy: its state now (an error reply has
   * none), so a failure that ended the activity there (a DAQ card's overflow stops its
   * acquisition) ends it here too, before the caller sees the error.
   */
  private async ownerStateAfterError(): Promise<void> {
    try {
      const description = await this.endpoint.describe(Math.min(this.options.timeoutS, 10));
      if (description.version !== this.description?.version) this.install(description);
      else this.mirror(description.state);
    } catch (error) {
      if (error instanceof OwnerUnreachable) this.ownerLost(error);
    }
  }

  /** Faults the device: the owner is gone. The heartbeat connects it again when the owner is back. */
  private ownerLost(reason: OwnerUnreachable): void {
    if (this.state === 'disconnected' || this.state === 'connecting') return;
    const fault = new DaqError('unavailable', `${this.name}: lost ${this.target}: ${reason.message}`, { device: this.name, cause: reason });
    // Already faulted: the reason is brought up to date (the owner gone, after "not joined yet").
    if (this.state === 'faulted' && this.fault?.message === fault.message) return;
    this.markFaulted(fault);
    this.endOwnerBusy();
  }

  private scheduleCheck(): void {
    if (this.stopped || this.heartbeat !== undefined) return;
    this.heartbeat = setTimeout(() => {
      this.heartbeat = undefined;
      void this.check().finally(() => this.scheduleCheck());
    }, this.options.heartbeatS * 1000);
    this.heartbeat.unref();
  }

  /** One heartbeat: an idle device checks its owner is there; a faulted one tries to connect. */
  private async check(): Promise<void> {
    if (this.checking || this.stopped) return;
    this.checking = true;
    try {
      if (this.state === 'idle' || this.ownerBusy !== undefined) {
        const description = await this.endpoint.describe(Math.max(2, this.options.heartbeatS * 2));
        if (description.version !== this.description?.version) this.install(description);
        else this.mirror(description.state);
      } else if (this.state === 'faulted') {
        // Asked quietly first: a device whose owner is still away stays faulted, without a
        // connecting -> faulted flicker for every listener at each heartbeat.
        await this.endpoint.ready?.(AbortSignal.timeout(this.options.heartbeatS * 1000));
        await this.endpoint.describe(Math.max(2, this.options.heartbeatS * 2));
        await this.connect(new AbortController().signal);
      }
    } catch (error) {
      if (error instanceof OwnerUnreachable) this.ownerLost(error);
    } finally {
      this.checking = false;
    }
  }
}

/** The arguments of a call as they cross the wire: a move's `signal` stays here (aborting it stops the remote axis). */
function wireArguments(method: string, args: unknown[]): { wireArgs: unknown[]; signal: AbortSignal | undefined } {
  if ((method !== 'moveAbs' && method !== 'moveRel') || typeof args[1] !== 'object' || args[1] === null) return { wireArgs: args, signal: undefined };
  const { signal, ...options } = args[1] as { signal?: AbortSignal };
  return { wireArgs: [args[0], options], signal };
}

/** `call`, or a `cancelled` rejection (after `stop()` was sent) as soon as `signal` aborts. */
async function abortable<T>(call: Promise<T>, signal: AbortSignal, stop: () => Promise<unknown>): Promise<T> {
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => {
      void stop().catch(() => undefined);
      reject(new DaqError('cancelled', 'the move was aborted; the axis was told to stop'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([call, aborted]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    call.catch(() => undefined);
  }
}
