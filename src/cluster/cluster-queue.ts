/**
 * A daemon's side of its lab's shared queue (lab-queue.ts): the queue API of any daemon of the
 * lab lists and edits the lab's queue, and each daemon keeps the runs queued for it in its own
 * engine, in the lab's order, so that they show, can be followed and start like local runs. A run
 * starts only once this daemon has claimed it from the lab queue (RunEngineOptions.claim), so it
 * starts once, here, in order. When NATS is out of reach the daemon works alone: the current run
 * goes on, a run started on it is queued here only (and joins the lab queue when NATS is back),
 * the runs of the lab queue wait (they cannot be taken), the listing is this daemon's runs, and
 * edits of the lab queue are refused (`unavailable`); everything resumes when NATS is back.
 */
import { DaqError } from '../core/index.js';
import type { QueuedRunRecord } from '../data/index.js';
import type { LogLevel, Run, RunEngine } from '../engine/index.js';
import { LabQueue } from './lab-queue.js';
import type { ClusterMember } from './member.js';
import { labNames } from './names.js';
import type { LabQueueItem } from './queue-entry.js';

/** Longest wait of an edit for this daemon's queue to show it (see `caughtUp`), seconds. */
const CAUGHT_UP_S = 20;

/** How a daemon joins its lab's queue. */
export interface ClusterQueueOptions {
  queue: LabQueue;
  /** This daemon's name. */
  daemon: string;
  engine: RunEngine;
  /** Queues a run of the lab queue in this daemon's engine, with its uid (the daemon's queueRun). */
  enqueue: (record: QueuedRunRecord) => Promise<Run>;
  log: (level: LogLevel, message: string) => void;
  /** Seconds between attempts while NATS is out of reach (default 2). */
  retryS?: number;
  /** Whether the connection to NATS is up now (default: always; a call then finds out). */
  connected?: () => boolean;
}

/** The lab's queue as one daemon serves and runs it. */
export class ClusterQueue {
  /** The lab's queue as last read. */
  private items: LabQueueItem[] = [];
  /**
   * Runs of the lab queue handed to the engine (queued there, not yet claimed), each with the
   * number of reads of the lab queue begun before: only a read begun after can say it is gone.
   */
  private readonly handed = new Map<string, number>();
  /** Reads of the lab queue begun, and the number of the one `items` comes from. */
  private reads = 0;
  private itemsRead = 0;
  /** Edits waiting for a read begun after them to be applied to the engine's queue. */
  private readonly waiting = new Set<{ read: number; done: () => void }>();
  /** Runs being claimed or claimed by this daemon: never handed to the engine again. */
  private readonly taken = new Set<string>();
  private dirty = false;
  private refreshing: Promise<void> | undefined;
  private problem: string | undefined;
  private retry: NodeJS.Timeout | undefined;
  private readonly closing = new AbortController();

  private told = false;
  /** Runs queued here only, while the lab queue could not be reached (in order). */
  private readonly alone = new Map<string, QueuedRunRecord>();

  constructor(private readonly options: ClusterQueueOptions) {}

  /**
   * The lab queue of a daemon's cluster membership: reached through its connection once made
   * (until then it cannot be reached), read again at every reconnection.
   */
  static of(member: ClusterMember, options: Omit<ClusterQueueOptions, 'queue' | 'daemon'>): ClusterQueue {
    const name = labNames(member.options.lab).bucket('queue');
    const open = async () => {
      const connection = member.connection;
      if (connection === undefined) throw new Error(`not connected to the NATS server at ${member.options.url} yet`);
      return connection.kv('queue', { history: 1, description: 'the lab queue of ts-daq: run.<uid> -> the run, its daemon and its place' });
    };
    const queue = new ClusterQueue({
      ...options,
      daemon: member.options.daemon,
      queue: new LabQueue(open, name, (message) => options.log('warn', message)),
      connected: () => member.connection?.connected ?? false,
    });
    void member.ready.then(
      (connection) => {
        const detach = connection.onStatus((status) => {
          if (status.type === 'disconnect') queue.unreachable(new Error(`the lab queue ${name} cannot be reached: the NATS connection is lost`));
          if (status.type === 'reconnect') void queue.refresh();
        });
        queue.closing.signal.addEventListener('abort', detach, { once: true });
        void queue.refresh();
      },
      () => undefined,
    );
    return queue;
  }

  /** This daemon's name. */
  get daemon(): string {
    return this.options.daemon;
  }

  /** Name of the KV bucket. */
  get bucket(): string {
    return this.options.queue.name;
  }

  /** Reads the lab queue, queues this daemon's runs in its engine and follows changes. */
  async start(): Promise<void> {
    void this.watching();
    await this.refresh();
  }

  /** Stops following the lab queue (the daemon is stopping): its runs stay there for the next start. */
  close(): void {
    this.closing.abort();
    clearTimeout(this.retry);
  }

  /**
   * The lab's queue, next first (read now). While NATS is out of reach: this daemon's queued runs
   * (those of the lab queue it has, and those queued here only).
   */
  async list(): Promise<LabQueueItem[]> {
    if (!this.reachableNow()) return this.ownRuns();
    try {
      return await this.options.queue.list();
    } catch (error) {
      if ((error as { code?: string }).code !== 'unavailable') throw error;
      return this.ownRuns();
    }
  }

  /**
   * Adds a run for `daemon` (default this one) at the end of the lab queue; the run, when it is
   * this daemon's. While NATS is out of reach a run for this daemon is queued here only.
   */
  async add(record: QueuedRunRecord, daemon = this.daemon): Promise<{ item: LabQueueItem; run?: Run }> {
    let item: LabQueueItem;
    try {
      if (daemon === this.daemon && !this.reachableNow()) throw new Error('not connected');
      item = await this.options.queue.add({ record, daemon, submittedTo: this.daemon });
      this.handed.set(record.uid, this.reads);
    } catch (error) {
      if (daemon !== this.daemon || ((error as { code?: string }).code !== 'unavailable' && (error as Error).message !== 'not connected')) throw error;
      this.alone.set(record.uid, record);
      item = { record, daemon, submittedTo: daemon, order: Infinity, revision: 0 };
      this.options.log('warn', `run ${record.uid} (${record.scriptName}) is queued on this daemon only: the lab queue ${this.bucket} cannot be reached (it joins it when NATS is back)`);
    }
    if (daemon !== this.daemon) return { item };
    const run = await this.options.enqueue(record);
    this.options.engine.wake();
    return { item, run };
  }

  /** This daemon's queued runs, as its engine has them (in the order they will start). */
  private ownRuns(): LabQueueItem[] {
    return this.options.engine.queued().map((run) => {
      const known = this.alone.get(run.uid) ?? this.items.find((item) => item.record.uid === run.uid)?.record;
      const { scriptName, source } = run.request;
      const record = known ?? { uid: run.uid, scriptName, source, params: {}, metadata: {}, limits: {}, queuedAtS: run.summary().queuedAtS, startedBy: '' };
      return { record, daemon: this.daemon, submittedTo: this.daemon, order: Infinity, revision: 0 };
    });
  }

  /** Refuses an edit of the lab queue at once while NATS is out of reach. */
  private mustReach(what: string): void {
    if (this.reachableNow()) return;
    throw new DaqError('unavailable', `cannot ${what} the lab queue (JetStream KV ${this.bucket}): the NATS connection is down. This daemon's runs go on; the lab queue can be edited again when NATS is back`);
  }

  private reachableNow(): boolean {
    return this.options.connected?.() ?? true;
  }

  /** Removes run `uid` from the lab queue (any daemon's), or from this daemon's runs queued here only. */
  async remove(uid: string): Promise<LabQueueItem> {
    const record = this.alone.get(uid);
    if (record !== undefined) {
      this.alone.delete(uid);
      this.options.engine.remove(uid);
      return { record, daemon: this.daemon, submittedTo: this.daemon, order: Infinity, revision: 0 };
    }
    this.mustReach(`remove run ${uid} from`);
    const item = await this.options.queue.remove(uid);
    await this.caughtUp();
    return item;
  }

  /** Moves run `uid` to `index` of the lab queue (0 = next). */
  async move(uid: string, index: number): Promise<void> {
    this.mustReach(`move run ${uid} in`);
    await this.options.queue.move(uid, index);
    await this.caughtUp();
  }

  /** Empties the lab queue (the runs of every daemon; current runs go on). */
  async clear(): Promise<LabQueueItem[]> {
    this.mustReach('clear');
    const removed = await this.options.queue.clear();
    await this.caughtUp();
    return removed;
  }

  /** RunEngineOptions.claim: takes `run` from the lab queue before it starts here. */
  async claim(run: Run): Promise<boolean> {
    if (this.alone.delete(run.uid)) return true; // queued here only: no one else knows it
    if (!this.reachableNow()) {
      // The lab's runs cannot be taken now; a run queued here only goes first.
      const alone = this.options.engine.queued().find((r) => this.alone.has(r.uid));
      if (alone !== undefined) {
        this.options.engine.move(alone.uid, 0);
        setImmediate(() => this.options.engine.wake());
      }
      return false;
    }
    this.taken.add(run.uid);
    try {
      const item = await this.options.queue.claim(run.uid, this.daemon);
      if (item !== undefined) {
        this.handed.delete(run.uid);
        return true;
      }
      // Removed (or given to another daemon) meanwhile: the next refresh drops it and wakes the engine.
      this.taken.delete(run.uid);
      setImmediate(() => void this.refresh());
      return false;
    } catch (error) {
      this.taken.delete(run.uid);
      this.unreachable(error);
      return false;
    }
  }

  /**
   * Resolves once a read of the lab queue begun now is applied to the engine's queue (an edit made
   * here shows in this daemon's runs), or the read failed; not waiting for later changes.
   */
  private caughtUp(): Promise<void> {
    return new Promise((resolve) => {
      // The edit is made: waiting longer than CAUGHT_UP_S only for this daemon's view of it would
      // hold the caller's answer on a read that hangs (said, so that a hang shows in the log).
      const timer = setTimeout(() => {
        this.waiting.delete(waiter);
        this.options.log('warn', `the lab queue ${this.bucket}: this daemon's queue has not caught up with an edit after ${CAUGHT_UP_S} s (read ${this.reads} still going); answering anyway`);
        resolve();
      }, CAUGHT_UP_S * 1000).unref();
      const waiter = {
        read: this.reads + 1,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiting.add(waiter);
      void this.refresh();
    });
  }

  /** Tells the edits waiting for read `read` (all of them: `Infinity`). */
  private applied(read: number): void {
    for (const waiter of this.waiting) {
      if (waiter.read > read) continue;
      this.waiting.delete(waiter);
      waiter.done();
    }
  }

  /** Reads the lab queue again and brings the engine's queue in line with it (one at a time). */
  refresh(): Promise<void> {
    this.dirty = true;
    this.refreshing ??= (async () => {
      while (this.dirty && !this.closing.signal.aborted) {
        this.dirty = false;
        const read = ++this.reads;
        if (!this.reachableNow()) {
          // Not connected: a read would only wait for its timeout. The reconnection reads again.
          this.unreachable(new Error(`the lab queue ${this.bucket} cannot be reached: not connected to NATS`));
          this.applied(Infinity);
          return;
        }
        try {
          this.items = await this.options.queue.list();
          this.itemsRead = read;
        } catch (error) {
          this.unreachable(error);
          this.applied(Infinity);
          return;
        }
        this.reachable();
        await this.joinAlone();
        if (!this.told) {
          this.told = true;
          const mine = this.items.filter((item) => item.daemon === this.daemon).length;
          this.options.log('info', `the lab queue ${this.bucket}: ${this.items.length} run${this.items.length === 1 ? '' : 's'} waiting, ${mine} for this daemon (${this.daemon})`);
        }
        try {
          await this.reconcile();
        } catch (error) {
          this.options.log('error', `the lab queue ${this.bucket}: this daemon's queue could not follow it: ${(error as Error).message}`);
        }
        this.applied(read);
      }
    })().finally(() => {
      this.refreshing = undefined;
      if (this.closing.signal.aborted) this.applied(Infinity);
      else if (this.dirty && this.problem === undefined) void this.refresh(); // asked for between the last read and now
    });
    return this.refreshing;
  }

  /** The runs queued here only, still waiting, go to the lab queue (at its end, in order). */
  private async joinAlone(): Promise<void> {
    const waiting = new Set(this.options.engine.queued().map((run) => run.uid));
    for (const [uid, record] of this.alone) {
      if (!waiting.has(uid)) continue;
      try {
        const item = await this.options.queue.add({ record, daemon: this.daemon, submittedTo: this.daemon });
        this.alone.delete(uid);
        this.handed.set(uid, this.reads);
        this.items.push(item);
        this.options.log('info', `run ${uid} (${record.scriptName}), queued here while NATS was away, is in the lab queue ${this.bucket} now`);
      } catch (error) {
        this.unreachable(error);
        return;
      }
    }
  }

  /** The engine's queue: this daemon's runs of the lab queue, in the lab's order. */
  private async reconcile(): Promise<void> {
    const { engine, daemon } = this.options;
    const mine = this.items.filter((item) => item.daemon === daemon && !this.taken.has(item.record.uid));
    const wanted = new Set(mine.map((item) => item.record.uid));
    for (const run of engine.queued()) {
      const handedAfter = this.handed.get(run.uid);
      if (handedAfter === undefined || handedAfter >= this.itemsRead || wanted.has(run.uid) || this.taken.has(run.uid)) continue;
      this.handed.delete(run.uid);
      engine.remove(run.uid); // removed from the lab queue elsewhere: it ends here, never started
    }
    for (const item of mine) {
      const { uid, scriptName, startedBy } = item.record;
      if (this.handed.has(uid)) continue;
      this.handed.set(uid, this.reads);
      try {
        await this.options.enqueue(item.record);
        this.options.log('info', `queued run ${uid} (${scriptName}, started by ${startedBy}) from the lab queue ${this.bucket}${item.submittedTo === daemon ? '' : ` (submitted to ${item.submittedTo})`}`);
      } catch (error) {
        this.options.log('error', `run ${uid} of the lab queue could not be queued here: ${(error as Error).message}`);
      }
    }
    const queued = new Set(engine.queued().map((r) => r.uid));
    mine.filter((item) => queued.has(item.record.uid)).forEach((item, index) => {
      if (engine.queued()[index]?.uid !== item.record.uid) engine.move(item.record.uid, index);
    });
    engine.wake();
  }

  /** Follows changes of the lab queue; starts again after a failure. */
  private async watching(): Promise<void> {
    const signal = this.closing.signal;
    while (!signal.aborted) {
      try {
        await this.options.queue.watch(() => void this.refresh(), signal);
      } catch (error) {
        this.unreachable(error);
      }
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, (this.options.retryS ?? 2) * 1000).unref());
      void this.refresh(); // what changed while the watch was down
    }
  }

  /** The lab queue cannot be reached: said once; tried again every retryS. */
  private unreachable(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.problem === undefined) this.options.log('warn', `${message} (runs queued for ${this.daemon} wait; checking again every ${this.options.retryS ?? 2} s)`);
    this.problem = message;
    if (this.retry !== undefined || this.closing.signal.aborted) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.refresh();
    }, (this.options.retryS ?? 2) * 1000).unref();
  }

  private reachable(): void {
    if (this.problem === undefined) return;
    this.problem = undefined;
    this.options.log('info', `the lab queue ${this.bucket} is reachable again`);
  }
}
