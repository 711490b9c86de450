/**
 * Base of the drivers that talk to an instrument over a {@link Link}: connecting opens (or
 * joins) the shared link and runs the driver's `initialize` (identify the instrument, set it
 * up); losing the port faults the device with the reason; the port coming back reconnects it,
 * retrying ({@link CONNECT_RETRY}: 0.5 s doubling to 10 s, as the lab retries a first connect)
 * while the instrument does not answer yet (still booting).
 */
import type { Clock } from '../../core/index.js';
import { DaqError, type Unsubscribe } from '../../core/index.js';
import { BaseDevice, CONNECT_RETRY, nextRetryDelayS } from '../../devices/index.js';
import { acquireLink, type Endpoint, type Link, type LinkOptions } from '../../transports/index.js';
import { parseNumber } from './options.js';

/** A device behind a shared link. */
export abstract class LinkedDevice extends BaseDevice {
  protected readonly clock: Clock;
  private readonly endpoint: Endpoint;
  private readonly linkOptions: LinkOptions;
  private handle: Link | undefined;
  private readonly subscriptions: Unsubscribe[] = [];
  /** True while reconnecting after the port came back: a failed attempt keeps the link. */
  private recovering = false;
  private retry: ReturnType<typeof setTimeout> | undefined;

  constructor(name: string, clock: Clock, endpoint: Endpoint, linkOptions: LinkOptions) {
    super(name);
    this.clock = clock;
    this.endpoint = endpoint;
    this.linkOptions = linkOptions;
  }

  /** The link; throws `failed_precondition` before connect. */
  protected get link(): Link {
    if (this.handle === undefined) throw new DaqError('failed_precondition', `${this.name}: not connected`, { device: this.name });
    return this.handle;
  }

  /** Sends a query that is safe to repeat (retried once) and reads a number from its reply. */
  protected async queryNumber(command: string): Promise<number> {
    return parseNumber(await this.link.query(command, { retries: 1 }), command);
  }

  /** Identifies the instrument and sets it up; runs on every (re)connect. */
  protected abstract initialize(signal: AbortSignal): Promise<void>;

  /** Called when the port is lost, before the device goes faulted: end waits under way. */
  protected onLinkLost(_reason: DaqError): void {}

  /** Called before the link is given back on disconnect: put the instrument in its safe state. */
  protected async beforeClose(): Promise<void> {}

  protected async openConnection(signal: AbortSignal): Promise<void> {
    if (this.handle === undefined) {
      const link = acquireLink(this.endpoint, this.linkOptions);
      this.handle = link;
      this.subscriptions.push(
        link.onDown((reason) => {
          this.onLinkLost(reason);
          this.markFaulted(new DaqError('unavailable', `${this.name}: lost the connection: ${reason.message}`, { device: this.name, cause: reason }));
        }),
        link.onUp(() => this.recover(CONNECT_RETRY.firstS)),
      );
    }
    await this.handle.open(signal);
    await this.initialize(signal);
  }

  /**
   * Faults the device with `fault` (the instrument reported a condition it cannot work in, with
   * its own words) and reconnects it later ({@link CONNECT_RETRY}), as after a lost port:
   * `initialize` runs again, and the device is `idle` once it passes.
   */
  protected faultUntilReconnected(fault: DaqError): void {
    this.markFaulted(fault);
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = setTimeout(() => this.recover(CONNECT_RETRY.firstS), CONNECT_RETRY.firstS * 1000);
    this.retry.unref();
  }

  override async disconnect(): Promise<void> {
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
    this.recovering = false;
    await super.disconnect();
  }

  /** Reconnects a device faulted by a lost port; on failure tries again after `delayS` (doubling). */
  private recover(delayS: number): void {
    this.retry = undefined;
    if (this.state !== 'faulted' || this.handle === undefined || !this.handle.up) return;
    this.recovering = true;
    this.connect(new AbortController().signal).then(
      () => {
        this.recovering = false;
      },
      () => {
        if (!this.recovering) return;
        this.recovering = false;
        this.retry = setTimeout(() => this.recover(nextRetryDelayS(delayS)), delayS * 1000);
        this.retry.unref();
      },
    );
  }

  protected async closeConnection(): Promise<void> {
    const link = this.handle;
    if (link === undefined || this.recovering) return;
    if (link.up) await this.beforeClose().catch(() => undefined);
    for (const off of this.subscriptions.splice(0)) off();
    this.handle = undefined;
    await link.release();
  }
}
