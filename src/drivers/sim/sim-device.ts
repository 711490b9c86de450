/**
 * What every simulated device shares: it waits only on the lab's {@link Clock}, takes a short
 * simulated time to connect, answers instant queries without going busy, and delegates its
 * settings to a parameter set.
 */
import type { ParameterInfo, Parameterized, ParameterValue } from '../../capabilities/index.js';
import type { Clock } from '../../core/index.js';
import { BaseDevice } from '../../devices/index.js';

/** Simulated time it takes to open the connection to a simulated device, s. */
export const SIM_CONNECT_TIME_S = 0.05;

/** Base of the simulated devices: a {@link BaseDevice} on a simulated clock. */
export abstract class SimDevice extends BaseDevice {
  /** The lab's clock; simulations never wait on anything else. */
  protected readonly clock: Clock;

  constructor(name: string, clock: Clock) {
    super(name);
    this.clock = clock;
  }

  /** True when connected (idle or busy). */
  protected get connected(): boolean {
    return this.state === 'idle' || this.state === 'busy';
  }

  /** Simulates the time to open a connection; rejects `cancelled` if `signal` aborts. */
  protected async openConnection(signal: AbortSignal): Promise<void> {
    await this.clock.sleep(SIM_CONNECT_TIME_S, signal);
  }

  /** Nothing to close in a simulation; subclasses halt what is under way. */
  protected async closeConnection(): Promise<void> {}
}

/**
 * `Parameterized` for a connected simulated device: reading and writing settings needs the
 * connection, listing them does not (so a lab config can be checked before connecting).
 */
export abstract class ParameterizedSimDevice extends SimDevice implements Parameterized {
  /** The device's settings; built by the subclass. */
  protected abstract readonly settings: Parameterized;

  parameters(): readonly ParameterInfo[] {
    return this.settings.parameters();
  }

  getParameter(name: string): Promise<ParameterValue> {
    return this.query(`read setting "${name}"`, () => this.settings.getParameter(name));
  }

  setParameter(name: string, value: ParameterValue): Promise<void> {
    return this.operation(`set "${name}"`, () => this.settings.setParameter(name, value));
  }
}
