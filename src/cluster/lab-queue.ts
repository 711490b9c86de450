/**
 * A lab's queue in JetStream KV (bucket `daq_<lab>_queue`, keys `run.<uid>`, queue-entry.ts):
 * read it, add to it, move, remove, clear, and claim a run. Every edit is made at the revision it
 * read (compare-and-set): two daemons editing at once never lose a run nor keep one twice; the
 * loser reads again and retries. A run is claimed by deleting its key at the revision read, so
 * exactly one daemon takes it.
 */
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { DaqError } from '../core/index.js';
import { decodeEntry, encodeEntry, inQueueOrder, type LabQueueEntry, type LabQueueItem, orderAt, orderAtEnd, QUEUE_KEY_PREFIX, queueKey } from './queue-entry.js';

/** Most attempts of one edit that keeps meeting other daemons' edits. */
const ATTEMPTS = 20;
/** How long a listing of the queue's keys may take before it is stopped and made again (see `keys`). */
const KEYS_WAIT_MS = 8000;
/** Most listings of the keys made for one read of the queue. */
const KEYS_ATTEMPTS = 3;

/** The KV calls the lab queue makes (the bucket of @nats-io/kv). */
export type QueueBucket = Pick<KV, 'get' | 'create' | 'update' | 'purge' | 'keys' | 'watch'>;

/** The queue of one lab, shared by its daemons. */
export class LabQueue {
  private opened: Promise<QueueBucket> | undefined;

  /**
   * @param open Opens (or creates) the KV bucket; called again after it failed (NATS out of reach at start).
   * @param name Its name, for messages (`daq_<lab>_queue`).
   * @param warn Told of a key this version cannot read (it is left alone).
   */
  constructor(
    private readonly open: () => Promise<QueueBucket>,
    readonly name: string,
    private readonly warn: (message: string) => void = () => undefined,
    /** How long a listing of the keys may take before it is made again (tests make it short). */
    private readonly keysWaitMs = KEYS_WAIT_MS,
  ) {}

  /** The bucket, opened once. */
  private async bucket(): Promise<QueueBucket> {
    this.opened ??= this.open().catch((error: unknown) => {
      this.opened = undefined;
      throw error;
    });
    return this.opened;
  }

  /** The runs waiting, in queue order, with their revisions. */
  async list(): Promise<LabQueueItem[]> {
    return this.reaching('read', async () => {
      const keys = await this.keys();
      const items = await Promise.all(keys.map((key) => this.read(key)));
      return inQueueOrder(items.filter((item): item is LabQueueItem => item !== undefined));
    });
  }

  /**
   * The queue's keys. The client's listing (`KV.keys`, an ordered consumer that ends at its last
   * pending message or at an idle heartbeat) was seen to never end while two daemons edited the
   * queue at once (CI: every edit on one daemon waited on it for 30 s); a listing that has not
   * ended in {@link KEYS_WAIT_MS} is stopped and made again, {@link KEYS_ATTEMPTS} times at most.
   */
  private async keys(): Promise<string[]> {
    for (let attempt = 1; ; attempt++) {
      const listing = await (await this.bucket()).keys(`${QUEUE_KEY_PREFIX}>`);
      const keys: string[] = [];
      const done = (async () => {
        for await (const key of listing) keys.push(key);
        return true;
      })();
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([done, new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), this.keysWaitMs)))]);
      clearTimeout(timer);
      if (ended) return [...new Set(keys)]; // once each (a listing during edits was reported to give a key twice)
      listing.stop();
      if (attempt >= KEYS_ATTEMPTS) throw new Error(`listing its keys did not end in ${attempt} attempts of ${this.keysWaitMs / 1000} s`);
      this.warn(`${this.name}: listing the queue's keys did not end in ${this.keysWaitMs / 1000} s; listing again`);
    }
  }

  /** Adds a run at the end of the queue. */
  async add(entry: Omit<LabQueueEntry, 'order'>): Promise<LabQueueItem> {
    const key = queueKey(entry.record.uid);
    const order = orderAtEnd(await this.list());
    const item = { ...entry, order };
    const revision = await this.reaching('add to', async () => (await this.bucket()).create(key, encodeEntry(item)));
    return { ...item, revision };
  }

  /** Removes run `uid` (not_found when it is no longer queued); returns it as it was. */
  async remove(uid: string): Promise<LabQueueItem> {
    const key = queueKey(uid);
    return this.retrying(`remove run ${uid} from`, async () => {
      const item = await this.read(key);
      if (item === undefined) throw notQueued(uid, this.name);
      return (await this.compareAndSet(async () => (await this.bucket()).purge(key, { previousSeq: item.revision }))) ? item : undefined;
    });
  }

  /**
   * Moves run `uid` to `index` of the lab's queue (0 = next): between the neighbours of one read of
   * the queue, written at the run's own revision (read again at each attempt, so that a retry
   * after another edit of the run costs one read, not the whole queue).
   */
  async move(uid: string, index: number): Promise<void> {
    const key = queueKey(uid);
    let others = (await this.list()).filter((i) => i.record.uid !== uid);
    await this.retrying(`move run ${uid} in`, async () => {
      const item = await this.read(key);
      if (item === undefined) throw notQueued(uid, this.name);
      const order = orderAt(others, index);
      if (order === undefined) {
        await this.renumber(others); // no room between the two neighbours: 1, 2, 3, ..., then again
        others = (await this.list()).filter((i) => i.record.uid !== uid);
        return undefined;
      }
      const moved = { record: item.record, daemon: item.daemon, submittedTo: item.submittedTo, order };
      return (await this.compareAndSet(async () => (await this.bucket()).update(key, encodeEntry(moved), item.revision))) ? true : undefined;
    });
  }

  /** Removes every run queued (those of `daemon` only, when given); returns those removed. */
  async clear(daemon?: string): Promise<LabQueueItem[]> {
    const removed: LabQueueItem[] = [];
    for (const item of await this.list()) {
      if (daemon !== undefined && item.daemon !== daemon) continue;
      try {
        removed.push(await this.remove(item.record.uid));
      } catch (error) {
        if (!(error instanceof DaqError && error.code === 'not_found')) throw error; // started or removed meanwhile
      }
    }
    return removed;
  }

  /**
   * Takes run `uid` for `daemon` to start: its key is deleted at the revision read. Undefined
   * when it is no longer queued, or queued for another daemon: then it is not this daemon's.
   */
  async claim(uid: string, daemon: string): Promise<LabQueueItem | undefined> {
    const key = queueKey(uid);
    const claimed = await this.retrying(`take run ${uid} from`, async () => {
      const item = await this.read(key);
      if (item?.daemon !== daemon) return null;
      return (await this.compareAndSet(async () => (await this.bucket()).purge(key, { previousSeq: item.revision }))) ? item : undefined;
    });
    return claimed ?? undefined;
  }

  /** Calls `changed` at every change of the queue until `signal` aborts (or the watch ends: returns then). */
  async watch(changed: () => void, signal: AbortSignal): Promise<void> {
    const updates = await this.reaching('watch', async () => (await this.bucket()).watch({ key: `${QUEUE_KEY_PREFIX}>`, include: 'updates' }));
    const stop = (): void => updates.stop();
    signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const update of updates) {
        void update;
        changed();
      }
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  /** The run under `key`, undefined when deleted (or unreadable: said once). */
  private async read(key: string): Promise<LabQueueItem | undefined> {
    const entry = await this.reaching('read', async () => (await this.bucket()).get(key));
    if (entry === null || entry.operation !== 'PUT') return undefined;
    try {
      return { ...decodeEntry(key, entry.value), revision: entry.revision };
    } catch (error) {
      this.warn(`${this.name}: ${(error as Error).message}; left alone`);
      return undefined;
    }
  }

  /** Gives `others` the orders 1, 2, 3, ... (when a move finds no room between two runs); false on a conflict. */
  private async renumber(others: readonly LabQueueItem[]): Promise<boolean> {
    for (const [index, item] of others.entries()) {
      const renumbered = { record: item.record, daemon: item.daemon, submittedTo: item.submittedTo, order: index + 1 };
      if (!(await this.compareAndSet(async () => (await this.bucket()).update(queueKey(item.record.uid), encodeEntry(renumbered), item.revision)))) return false;
    }
    return true;
  }

  /** Runs an edit made at a revision: false when another edit came first. */
  private async compareAndSet(edit: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.reaching('change', edit);
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  /** `attempt` until it returns something other than undefined (undefined: another edit came first, read again). */
  private async retrying<T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < ATTEMPTS; i++) {
      const result = await attempt();
      if (result !== undefined) return result;
    }
    throw new DaqError('aborted', `could not ${what} the lab queue (${this.name}): it changed ${ATTEMPTS} times while trying; try again`);
  }

  /** `call`, with a failure to reach NATS said as `unavailable`. */
  private async reaching<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof DaqError || isConflict(error)) throw error;
      throw new DaqError('unavailable', `cannot ${what} the lab queue (JetStream KV ${this.name}): ${(error as Error).message}. Runs already started go on; the queue is back when the NATS server is`);
    }
  }
}

function notQueued(uid: string, name: string): DaqError {
  return new DaqError('not_found', `run ${uid} is not in the lab queue (${name}): it has started, or was removed`);
}

/** An edit refused because the key changed since it was read. */
function isConflict(error: unknown): boolean {
  return error instanceof JetStreamApiError && (error.code === JetStreamApiCodes.StreamWrongLastSequence || error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);
}
