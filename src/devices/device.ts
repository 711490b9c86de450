/**
 * What every device is, whatever it can do: a name from the lab config, the driver that made
 * it, a lifecycle state with change events, and connect/disconnect. What it can do comes from
 * the capability interfaces it implements (see `capabilitiesOf`).
 */
import { DaqError, Emitter, type Unsubscribe } from '../core/index.js';

/**
 * Lifecycle state of a device.
 * - `disconnected`: created, not connected (or disconnected cleanly)
 * - `connecting`: connect in progress
 * - `idle`: connected, ready for commands
 * - `busy`: connected, an operation is under way (a move, an exposure)
 * - `faulted`: connect failed or the device reported an error it cannot recover from; `fault` says why
 */
export type DeviceState = 'disconnected' | 'connecting' | 'idle' | 'busy' | 'faulted';

/** A state change, with the fault when the new state is `faulted`. */
export interface DeviceStateChange {
  device: string;
  from: DeviceState;
  to: DeviceState;
  fault?: DaqError;
}

/** The part every device shares. */
export interface Device {
  /** Name from the lab config (`stage`, `camera`). */
  readonly name: string;
  /** Driver name (`sim-stage`, `newport-esp300`). */
  readonly driver: string;
  readonly state: DeviceState;
  /** Why the device is `faulted`, else `undefined`. */
  readonly fault: DaqError | undefined;
  /** Opens the connection; rejects with a `DaqError` naming the device on failure. */
  connect(signal: AbortSignal): Promise<void>;
  /** Closes the connection; never throws. Safe to call in any state. */
  disconnect(): Promise<void>;
  /** Calls `listener` on every state change. */
  onStateChange(listener: (change: DeviceStateChange) => void): Unsubscribe;
}

/**
 * Base class of drivers: the lifecycle state machine, `busy` tracking and connection checks.
 * Subclasses implement `openConnection` and `closeConnection`, and wrap each operation in
 * `this.operation(...)` (marks the device busy meanwhile; refuses when not connected).
 */
export abstract class BaseDevice implements Device {
  readonly name: string;
  abstract readonly driver: string;
  private currentState: DeviceState = 'disconnected';
  private currentFault: DaqError | undefined;
  private activeOperations = 0;
  private readonly changes = new Emitter<DeviceStateChange>();

  constructor(name: string) {
    this.name = name;
  }

  get state(): DeviceState {
    return this.currentState;
  }

  get fault(): DaqError | undefined {
    return this.currentFault;
  }

  onStateChange(listener: (change: DeviceStateChange) => void): Unsubscribe {
    return this.changes.on(listener);
  }

  async connect(signal: AbortSignal): Promise<void> {
    if (this.currentState === 'idle' || this.currentState === 'busy') return;
    this.setState('connecting');
    try {
      signal.throwIfAborted();
      await this.openConnection(signal);
      signal.throwIfAborted();
      // Connected again: whatever faulted the device before (a lost port) is over.
      this.currentFault = undefined;
      this.setState('idle');
    } catch (error) {
      const fault = this.wrap(error, 'failed to connect');
      this.markFaulted(fault);
      await this.closeConnection().catch(() => undefined);
      throw fault;
    }
  }

  async disconnect(): Promise<void> {
    if (this.currentState === 'disconnected') return;
    try {
      await this.closeConnection();
    } catch {
      // Disconnecting must not fail: the connection is gone either way.
    }
    this.currentFault = undefined;
    this.setState('disconnected');
  }

  /** Marks the device faulted (a lost connection, a hardware error), with the reason. */
  markFaulted(fault: DaqError): void {
    this.currentFault = fault;
    this.setState('faulted', fault);
  }

  /** Opens the connection to the instrument (or simulator). */
  protected abstract openConnection(signal: AbortSignal): Promise<void>;
  /** Closes the connection. */
  protected abstract closeConnection(): Promise<void>;

  /**
   * Runs `body` as an operation of this device: refuses with `failed_precondition` when the
   * device is not connected, marks it `busy` while any operation runs, and turns errors into
   * `DaqError`s naming the device.
   */
  protected operation<T>(what: string, body: () => Promise<T>): Promise<T> {
    // Written without `async` (and without a release closure): this runs for every move and
    // reading of a scan, and an async function's promise and closures were most of its cost.
    try {
      this.requireConnected(what);
    } catch (error) {
      return Promise.reject(error);
    }
    this.enterActivity();
    let result: Promise<T>;
    try {
      result = Promise.resolve(body());
    } catch (error) {
      const wrapped = this.wrap(error, `${what} failed`);
      this.leaveActivity();
      return Promise.reject(wrapped);
    }
    return result.then(
      (value) => {
        this.leaveActivity();
        return value;
      },
      (error: unknown) => {
        const wrapped = this.wrap(error, `${what} failed`);
        this.leaveActivity();
        throw wrapped;
      },
    );
  }

  /**
   * Like `operation()`, but validates the arguments with `check` first, so that a refused
   * command fails at once and never marks the device busy.
   */
  protected command<T>(what: string, check: () => void, body: () => Promise<T>): Promise<T> {
    try {
      this.requireConnected(what);
      check();
    } catch (error) {
      return Promise.reject(this.wrap(error, `${what} refused`));
    }
    return this.operation(what, body);
  }

  /**
   * Runs an instant query (a position, a setpoint): refuses with `failed_precondition` when
   * not connected and names the device in errors, but does not mark the device busy.
   */
  protected query<T>(what: string, body: () => T | Promise<T>): Promise<T> {
    // Without `async`, as `operation()`: an instant answer costs one resolved promise.
    try {
      this.requireConnected(what);
    } catch (error) {
      return Promise.reject(error);
    }
    let value: T | Promise<T>;
    try {
      value = body();
    } catch (error) {
      return Promise.reject(this.wrap(error, `${what} failed`));
    }
    if (!isThenable(value)) return Promise.resolve(value);
    return Promise.resolve(value).then(undefined, (error: unknown) => {
      throw this.wrap(error, `${what} failed`);
    });
  }

  /**
   * Marks the device `busy` until the returned function is called: for activity that outlives
   * the call that started it (a move started with `wait: false`, a frame stream).
   */
  protected beginActivity(): () => void {
    this.enterActivity();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.leaveActivity();
    };
  }

  /**
   * One more activity under way: the device goes `busy` from `idle`. Each call needs one
   * {@link leaveActivity} (`beginActivity` is the safe form: its release works once).
   */
  protected enterActivity(): void {
    this.activeOperations++;
    if (this.activeOperations === 1 && this.currentState === 'idle') this.setState('busy');
  }

  /** One activity less: the device goes back to `idle` when none is left. */
  protected leaveActivity(): void {
    this.activeOperations--;
    if (this.activeOperations === 0 && this.currentState === 'busy') this.setState('idle');
  }

  /** Throws `failed_precondition` unless the device is connected (idle or busy). */
  protected requireConnected(what: string): void {
    if (this.currentState === 'idle' || this.currentState === 'busy') return;
    const why =
      this.currentState === 'faulted' && this.currentFault !== undefined
        ? `it is faulted: ${this.currentFault.message}`
        : `it is ${this.currentState}`;
    throw new DaqError('failed_precondition', `${this.name}: cannot ${what}, ${why}`, { device: this.name });
  }

  /** An error for this device: keeps a `DaqError`'s code, prefixes the device name once. */
  protected wrap(error: unknown, context: string): DaqError {
    const err = DaqError.from(error, { device: this.name });
    if (err.message.startsWith(`${this.name}:`)) return err;
    return new DaqError(err.code, `${this.name}: ${context}: ${err.message}`, {
      device: this.name,
      cause: err,
      children: err.children,
      ...(err.location === undefined ? {} : { location: err.location }),
    });
  }

  private setState(to: DeviceState, fault?: DaqError): void {
    const from = this.currentState;
    if (from === to) return;
    this.currentState = to;
    // Built field by field: spreading `{ fault }` (or `{}`) into it cost more than the rest of a reading.
    const change: DeviceStateChange = { device: this.name, from, to };
    if (fault !== undefined) change.fault = fault;
    this.changes.emit(change);
  }
}

/** True for a promise or any other object or function with a `then` method (what `await` waits for). */
function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
