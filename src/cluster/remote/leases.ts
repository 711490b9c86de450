/**
 * Leases of remote devices: a device that one daemon's run uses is held by that run, in a
 * key-value store shared by the cluster (JetStream KV `daq_<lab>_leases`, kv-lease-store.ts), and
 * refused to the runs of other daemons with a message naming the holder daemon and run. A lease
 * is taken at the run's first call to the device, renewed while the run lives (the store forgets
 * a key that was not written for its TTL: a dead holder's leases expire by themselves), and
 * given back when the run ends. Calls made outside a run take no lease but are refused while
 * another daemon's run holds the device.
 */
import { DaqError } from '../../core/index.js';

/** Who holds a device. */
export interface LeaseHolder {
  daemon: string;
  runUid: string;
  /** When the lease was taken, s since the Unix epoch. */
  sinceS: number;
}

/** A lease as stored, with the revision a conditional write names. */
export interface StoredLease {
  holder: LeaseHolder;
  revision: number;
}

/** The store of leases (JetStream KV in a cluster; a map in unit tests). */
export interface LeaseStore {
  /** The lease of `key`, or `undefined` when it is free (never taken, given back, or expired). */
  get(key: string): Promise<StoredLease | undefined>;
  /** Writes `holder` if `key` is free; returns the revision, or `undefined` when it is held. */
  create(key: string, holder: LeaseHolder): Promise<number | undefined>;
  /** Writes `holder` if `key` is still at `revision`; returns the new revision, or `undefined` when it moved. */
  update(key: string, holder: LeaseHolder, revision: number): Promise<number | undefined>;
  /** Frees `key` if it is still at `revision`. */
  release(key: string, revision: number): Promise<void>;
}

/** Options of {@link LeaseKeeper}. */
export interface LeaseKeeperOptions {
  /** This daemon's name. */
  daemon: string;
  /** The uid of this daemon's run in progress, if any. */
  currentRun: () => string | undefined;
  /** Seconds between renewals (a third of the store's TTL). */
  renewEveryS: number;
  /** Seconds since the Unix epoch. */
  now: () => number;
  /** Told when a renewal fails (the store is unreachable, the lease was lost). */
  onProblem?: (message: string) => void;
}

interface Held {
  runUid: string;
  revision: number;
  holder: LeaseHolder;
}

/** The key of a device's lease: `<owner daemon>.<device>`. */
export function leaseKey(owner: string, device: string): string {
  return `${owner}.${device}`;
}

/** Takes, renews and gives back this daemon's leases. */
export class LeaseKeeper {
  private readonly held = new Map<string, Held>();
  private readonly taking = new Map<string, Promise<void>>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly store: LeaseStore,
    private readonly options: LeaseKeeperOptions,
  ) {}

  /**
   * Resolves when this daemon may call `owner`'s `device` now: in a run, once the run holds the
   * lease (`undefined`, no wait, when it already does); outside a run, when no other daemon's
   * run holds it. Refuses with `failed_precondition` naming the holder. `deviceName`: the
   * device's name here, for the message.
   */
  beforeCall(deviceName: string, owner: string, device: string): Promise<void> | undefined {
    const key = leaseKey(owner, device);
    const runUid = this.options.currentRun();
    if (runUid !== undefined && this.held.get(key)?.runUid === runUid) return undefined;
    const pending = this.taking.get(key);
    if (pending !== undefined) return pending;
    const work = (runUid === undefined ? this.checkFree(deviceName, key, owner, device) : this.take(deviceName, key, owner, device, runUid)).finally(() =>
      this.taking.delete(key),
    );
    this.taking.set(key, work);
    return work;
  }

  /** Gives back every lease of run `runUid` (at its end). */
  async releaseRun(runUid: string): Promise<void> {
    const mine = [...this.held].filter(([, h]) => h.runUid === runUid);
    for (const [key] of mine) this.held.delete(key);
    this.updateTimer();
    await Promise.all(mine.map(([key, h]) => this.store.release(key, h.revision).catch(() => undefined)));
  }

  /** Gives back every lease and stops renewing. */
  async close(): Promise<void> {
    const all = [...this.held];
    this.held.clear();
    this.updateTimer();
    await Promise.all(all.map(([key, h]) => this.store.release(key, h.revision).catch(() => undefined)));
  }

  /** The leases this daemon holds, by key. */
  holding(): ReadonlyMap<string, LeaseHolder> {
    return new Map([...this.held].map(([key, h]) => [key, h.holder]));
  }

  private async take(deviceName: string, key: string, owner: string, device: string, runUid: string): Promise<void> {
    const holder: LeaseHolder = { daemon: this.options.daemon, runUid, sinceS: this.options.now() };
    const previous = this.held.get(key);
    if (previous !== undefined) {
      // held by an earlier run of this daemon that did not give it back: take it over
      const revision = await this.store.update(key, holder, previous.revision);
      if (revision !== undefined) return this.keep(key, { runUid, revision, holder });
      this.held.delete(key);
    }
    const revision = await this.store.create(key, holder);
    if (revision !== undefined) return this.keep(key, { runUid, revision, holder });
    const current = await this.store.get(key);
    if (current === undefined) {
      const again = await this.store.create(key, holder);
      if (again !== undefined) return this.keep(key, { runUid, revision: again, holder });
      throw refusal(deviceName, owner, device, (await this.store.get(key))?.holder);
    }
    if (current.holder.daemon === this.options.daemon) {
      // ours from before a restart of this daemon: the run it names is over
      const revision = await this.store.update(key, holder, current.revision);
      if (revision !== undefined) return this.keep(key, { runUid, revision, holder });
    }
    throw refusal(deviceName, owner, device, current.holder);
  }

  private async checkFree(deviceName: string, key: string, owner: string, device: string): Promise<void> {
    const current = await this.store.get(key);
    if (current !== undefined && current.holder.daemon !== this.options.daemon) throw refusal(deviceName, owner, device, current.holder);
  }

  private keep(key: string, held: Held): void {
    this.held.set(key, held);
    this.updateTimer();
  }

  private updateTimer(): void {
    if (this.held.size > 0 && this.timer === undefined) {
      this.timer = setInterval(() => void this.renew(), this.options.renewEveryS * 1000);
      this.timer.unref();
    } else if (this.held.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Writes every held lease again (the store's TTL counts from the last write). */
  async renew(): Promise<void> {
    await Promise.all(
      [...this.held].map(async ([key, held]) => {
        try {
          const revision = await this.store.update(key, held.holder, held.revision);
          if (this.held.get(key) !== held) return;
          if (revision === undefined) {
            this.held.delete(key);
            this.options.onProblem?.(`lost the lease of ${key}: another daemon took it (it had expired)`);
          } else held.revision = revision;
        } catch (error) {
          this.options.onProblem?.(`could not renew the lease of ${key}: ${DaqError.from(error).message}`);
        }
      }),
    );
    this.updateTimer();
  }
}

function refusal(deviceName: string, owner: string, device: string, holder: LeaseHolder | undefined): DaqError {
  const who = holder === undefined ? 'another run' : `daemon "${holder.daemon}" (run ${holder.runUid})`;
  return new DaqError('failed_precondition', `${deviceName}: ${owner}/${device} is leased to ${who}; it is free again when that run ends`, { device: deviceName });
}
