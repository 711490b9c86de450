/**
 * The daemon's queue as saved in its data directory (data/queue-store.ts): what each queued run
 * was asked with, kept here from StartRun until the run leaves the queue, and written to
 * `queue.json` in queue order every time the engine's queue changes.
 */
import type { QueuedRunRecord, QueueStore } from '../data/index.js';
import type { Run } from '../engine/index.js';

export class SavedQueue {
  private readonly records = new Map<string, QueuedRunRecord>();
  private problem = false;

  constructor(
    private readonly store: QueueStore,
    private readonly warn: (message: string) => void,
  ) {}

  /** What run `record.uid` is queued with: call before the engine queues it. */
  remember(record: QueuedRunRecord): void {
    this.records.set(record.uid, record);
  }

  /** The engine's queue changed (RunEngineOptions.onQueueChanged): saves it. */
  changed(queued: readonly Run[]): void {
    const order = new Set(queued.map((r) => r.uid));
    for (const uid of this.records.keys()) if (!order.has(uid)) this.records.delete(uid);
    const runs = queued.map((r) => this.records.get(r.uid)).filter((r): r is QueuedRunRecord => r !== undefined);
    try {
      this.store.save(runs);
      if (this.problem) this.warn(`the queue is saved to ${this.store.path} again`);
      this.problem = false;
    } catch (error) {
      // The runs go on; only a restart would lose the queue. Said once until it works again.
      if (!this.problem) this.warn(`could not save the queue to ${this.store.path}: ${error instanceof Error ? error.message : String(error)}; a restart would lose the queued runs`);
      this.problem = true;
    }
  }
}
