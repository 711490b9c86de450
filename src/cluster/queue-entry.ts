/**
 * A run of a lab's shared queue as stored in JetStream KV (bucket `daq_<lab>_queue`): one key per
 * run, `run.<uid>`, whose value is the run as the daemon's own queue saves it (data/queue-store.ts)
 * plus the daemon that runs it and its place in the lab's order. A run is in the queue exactly as
 * long as its key exists; the daemon that deletes it (at the revision it read) is the one that
 * starts it, so no run is started twice, and an edit at a stale revision is refused, not lost.
 */
import { DaqError } from '../core/index.js';
import type { QueuedRunRecord } from '../data/index.js';

/** Format of a value. */
export const LAB_QUEUE_FORMAT = 'ts-daq lab queue 1';

/** A run waiting in the lab queue. */
export interface LabQueueEntry {
  record: QueuedRunRecord;
  /** The daemon that runs it (its `[lab] daemon` name). */
  daemon: string;
  /** The daemon it was submitted to. */
  submittedTo: string;
  /** Its place: the queue is sorted by order, then by when it was queued, then by uid. */
  order: number;
}

/** An entry with the KV revision it was read at (what an edit or a claim compares against). */
export interface LabQueueItem extends LabQueueEntry {
  revision: number;
}

/** The KV key of run `uid`. */
export function queueKey(uid: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(uid)) throw new DaqError('invalid_argument', `run uid "${uid}" cannot name a key of the lab queue (letters, digits, - and _ only)`);
  return `${QUEUE_KEY_PREFIX}${uid}`;
}

/** Prefix of the keys of runs. */
export const QUEUE_KEY_PREFIX = 'run.';

/** The bytes stored for `entry`. */
export function encodeEntry(entry: LabQueueEntry): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ format: LAB_QUEUE_FORMAT, ...entry }));
}

/** The entry stored under `key`; throws, naming the key, when it is not one this version reads. */
export function decodeEntry(key: string, bytes: Uint8Array): LabQueueEntry {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new DaqError('internal', `lab queue key ${key}: not JSON (${(error as Error).message})`);
  }
  const v = parsed as Partial<LabQueueEntry> & { format?: unknown };
  if (v.format !== LAB_QUEUE_FORMAT) throw new DaqError('internal', `lab queue key ${key}: format "${String(v.format)}", expected "${LAB_QUEUE_FORMAT}"`);
  const r = v.record as Partial<QueuedRunRecord> | undefined;
  if (typeof v.daemon !== 'string' || typeof v.order !== 'number' || typeof r?.uid !== 'string' || typeof r.scriptName !== 'string' || typeof r.source !== 'string' || typeof r.queuedAtS !== 'number') {
    throw new DaqError('internal', `lab queue key ${key}: a field is missing (daemon, order, record.uid, record.scriptName, record.source or record.queuedAtS)`);
  }
  if (`${QUEUE_KEY_PREFIX}${r.uid}` !== key) throw new DaqError('internal', `lab queue key ${key} holds run ${r.uid}`);
  return { record: v.record as QueuedRunRecord, daemon: v.daemon, submittedTo: typeof v.submittedTo === 'string' ? v.submittedTo : v.daemon, order: v.order };
}

/** `items` in queue order (a copy). */
export function inQueueOrder<T extends LabQueueEntry>(items: Iterable<T>): T[] {
  return [...items].sort((a, b) => a.order - b.order || a.record.queuedAtS - b.record.queuedAtS || (a.record.uid < b.record.uid ? -1 : a.record.uid > b.record.uid ? 1 : 0));
}

/** The order of a run added at the end of `items`. */
export function orderAtEnd(items: readonly LabQueueEntry[]): number {
  return items.reduce((highest, item) => Math.max(highest, item.order), 0) + 1;
}

/**
 * The order that puts a run at `index` (0 = next) of `others` (the queue in order, without the
 * run); undefined when two neighbours are too close to fit one between them (renumber them first).
 */
export function orderAt(others: readonly LabQueueEntry[], index: number): number | undefined {
  const at = Math.max(0, Math.min(Math.trunc(index), others.length));
  const before = others[at - 1]?.order;
  const after = others[at]?.order;
  if (before === undefined && after === undefined) return 1;
  if (before === undefined) return (after as number) - 1;
  if (after === undefined) return before + 1;
  const middle = before + (after - before) / 2;
  return middle > before && middle < after ? middle : undefined;
}
