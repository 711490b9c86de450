/**
 * The daemon's run queue on disk: `queue.json` in the data directory, rewritten (to a temporary
 * file, flushed, then renamed over it) every time the queue changes, so a daemon that is
 * restarted, or killed, finds the runs that were waiting, in order. A run leaves the file before
 * it starts: a run is never started twice, whatever moment the daemon dies at.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** A value of a run's params or metadata. */
export type QueuedValue = string | number | boolean;

/** A queued run as saved: what is needed to queue it again. */
export interface QueuedRunRecord {
  uid: string;
  scriptName: string;
  source: string;
  params: Record<string, QueuedValue>;
  metadata: Record<string, QueuedValue>;
  limits: { wallTimeS?: number; maxOperations?: number; maxMemoryMb?: number };
  /** The preset the run starts from, by name (applied when the run starts). */
  preset?: { name: string; openShutters?: boolean; enableEmission?: boolean };
  /** When it was first queued, s since the epoch. */
  queuedAtS: number;
  startedBy: string;
}

/** Format of the file. */
export const QUEUE_FORMAT = 'ts-daq queue 1';

/** What {@link QueueStore.load} found. */
export interface LoadedQueue {
  runs: QueuedRunRecord[];
  /** Why the file could not be read (it is then moved aside, and the queue starts empty). */
  problem?: string;
}

/** `queue.json` of a data directory. */
export class QueueStore {
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, 'queue.json');
  }

  /** The runs saved, in queue order; a file that cannot be read is moved aside and said so. */
  load(): LoadedQueue {
    if (!existsSync(this.path)) return { runs: [] };
    try {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as { format?: unknown; runs?: unknown };
      if (parsed.format !== QUEUE_FORMAT || !Array.isArray(parsed.runs)) throw new Error(`not a queue file of this version (format "${String(parsed.format)}", expected "${QUEUE_FORMAT}")`);
      const runs = parsed.runs.filter(isRecord);
      const skipped = parsed.runs.length - runs.length;
      return skipped === 0 ? { runs } : { runs, problem: `${skipped} of its ${parsed.runs.length} runs could not be read and were left out` };
    } catch (error) {
      const aside = `${this.path}.unreadable-${Date.now()}`;
      try {
        renameSync(this.path, aside);
      } catch {
        // keep going with an empty queue either way
      }
      return { runs: [], problem: `${this.path} could not be read (${error instanceof Error ? error.message : String(error)}); moved to ${aside}, the queue starts empty` };
    }
  }

  /** Replaces the file with `runs` (queue order), atomically. */
  save(runs: readonly QueuedRunRecord[]): void {
    const temporary = `${this.path}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, `${JSON.stringify({ format: QUEUE_FORMAT, runs }, null, 1)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
  }
}

function isRecord(value: unknown): value is QueuedRunRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r['uid'] === 'string' && typeof r['scriptName'] === 'string' && typeof r['source'] === 'string' && typeof r['params'] === 'object' && typeof r['metadata'] === 'object' && typeof r['queuedAtS'] === 'number';
}
