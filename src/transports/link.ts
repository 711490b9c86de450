/**
 * Shared links: one open port used by every device behind it (the three axes of an ESP300,
 * the ELL14 mounts on one RS-485 bus). A link opens when its first device connects and closes
 * when its last one disconnects. When the port is lost (a cable pulled), every exchange under
 * way fails with `unavailable`, the devices hear `onDown` (and go faulted), and the link tries
 * to reopen the port with a growing delay; once it is back they hear `onUp` (and reconnect).
 */
import { DaqError, Emitter, type Unsubscribe } from '../core/index.js';
import type { BytePort } from './byte-port.js';
import { describeEndpoint, openEndpoint, type Endpoint } from './endpoint.js';
import { createLineChannel, type ExchangeOptions, type LineChannel, type LineFraming } from './line-channel.js';
import { defaultTrafficLog, type TrafficLog } from './traffic-log.js';

/** Delays between attempts to reopen a lost port, s: doubling from `firstS` up to `maxS`. */
export interface ReconnectPolicy {
  firstS: number;
  maxS: number;
}

/** Options of {@link acquireLink}. */
export interface LinkOptions {
  framing: LineFraming;
  /** Who uses the link (a driver name): devices of different protocols may not share a port. */
  protocol: string;
  reconnect?: ReconnectPolicy;
  /** Traffic log (default: {@link defaultTrafficLog}). */
  log?: TrafficLog;
  /** How to open the port (default: serial or TCP from the endpoint); simulators and tests inject. */
  open?: (signal?: AbortSignal) => Promise<BytePort>;
}

/** A device's handle on a shared link. */
export interface Link {
  readonly description: string;
  /** True while the port is open. */
  readonly up: boolean;
  /** Opens the port if it is not open (waits for an opening under way). */
  open(signal?: AbortSignal): Promise<void>;
  query(command: string, options?: ExchangeOptions): Promise<string>;
  send(command: string, options?: ExchangeOptions): Promise<void>;
  queryLines(command: string, done: (lines: readonly string[]) => boolean, options?: ExchangeOptions): Promise<string[]>;
  /** Called with the reason when the port is lost. */
  onDown(listener: (reason: DaqError) => void): Unsubscribe;
  /** Called when a lost port is open again. */
  onUp(listener: () => void): Unsubscribe;
  /** Gives the handle back; the port closes with the last handle. Safe to repeat. */
  release(): Promise<void>;
}

const DEFAULT_RECONNECT: ReconnectPolicy = { firstS: 0.05, maxS: 2 };

class SharedLink {
  users = 0;
  private port: BytePort | undefined;
  private channel: LineChannel | undefined;
  private opening: Promise<void> | undefined;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private lost = false;
  readonly down = new Emitter<DaqError>();
  readonly upAgain = new Emitter<void>();

  constructor(
    readonly key: string,
    readonly options: LinkOptions,
    private readonly openPort: (signal?: AbortSignal) => Promise<BytePort>,
    private readonly onEmpty: () => Promise<void>,
  ) {}

  get up(): boolean {
    return this.channel !== undefined;
  }

  open(signal?: AbortSignal): Promise<void> {
    if (this.channel !== undefined) return Promise.resolve();
    this.opening ??= this.doOpen(signal).finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  current(): LineChannel {
    if (this.channel !== undefined) return this.channel;
    throw new DaqError('unavailable', this.lost ? `${this.key} is lost; waiting for it to come back` : `${this.key} is not open`);
  }

  async close(): Promise<void> {
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
    const port = this.port;
    this.channel?.fail(new DaqError('unavailable', `${this.key} was closed`));
    this.channel = undefined;
    this.port = undefined;
    await port?.close();
  }

  private async doOpen(signal?: AbortSignal): Promise<void> {
    const port = await this.openPort(signal);
    const log = this.options.log ?? defaultTrafficLog();
    this.port = port;
    this.channel = createLineChannel(port, this.options.framing, log);
    port.onClose((reason) => this.handleLoss(DaqError.from(reason, { code: 'unavailable' })));
  }

  private handleLoss(reason: DaqError): void {
    this.channel?.fail(reason);
    this.channel = undefined;
    this.port = undefined;
    this.lost = true;
    this.down.emit(reason);
    this.scheduleReconnect(this.options.reconnect?.firstS ?? DEFAULT_RECONNECT.firstS);
  }

  private scheduleReconnect(delayS: number): void {
    if (this.users === 0) return;
    const maxS = this.options.reconnect?.maxS ?? DEFAULT_RECONNECT.maxS;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (this.users === 0 || this.channel !== undefined) return;
      this.open().then(
        () => {
          this.lost = false;
          this.upAgain.emit();
        },
        () => this.scheduleReconnect(Math.min(maxS, delayS * 2)),
      );
    }, delayS * 1000);
    this.retry.unref();
  }

  release(): Promise<void> {
    this.users--;
    return this.users === 0 ? this.onEmpty() : Promise.resolve();
  }
}

const links = new Map<string, SharedLink>();

/**
 * A handle on the link to `endpoint`, shared with every other device of the same protocol on
 * it. Throws `failed_precondition` when a device of another protocol holds the port.
 */
export function acquireLink(endpoint: Endpoint, options: LinkOptions): Link {
  const key = describeEndpoint(endpoint);
  let shared = links.get(key);
  if (shared !== undefined && shared.options.protocol !== options.protocol) {
    throw new DaqError('failed_precondition', `${key} is in use by a ${shared.options.protocol} device; a ${options.protocol} device cannot share it`);
  }
  if (shared === undefined) {
    const made: SharedLink = new SharedLink(key, options, options.open ?? ((signal) => openEndpoint(endpoint, signal)), () => {
      links.delete(key);
      return made.close();
    });
    shared = made;
    links.set(key, shared);
  }
  shared.users++;
  const link = shared;
  let released = false;
  const unsubscribes: Unsubscribe[] = [];
  return {
    description: key,
    get up() {
      return link.up;
    },
    open: (signal) => link.open(signal),
    query: async (command, o) => link.current().query(command, o),
    send: async (command, o) => link.current().send(command, o),
    queryLines: async (command, done, o) => link.current().queryLines(command, done, o),
    onDown: (listener) => {
      const off = link.down.on(listener);
      unsubscribes.push(off);
      return off;
    },
    onUp: (listener) => {
      const off = link.upAgain.on(listener);
      unsubscribes.push(off);
      return off;
    },
    release: async () => {
      if (released) return;
      released = true;
      for (const off of unsubscribes) off();
      await link.release();
    },
  };
}
