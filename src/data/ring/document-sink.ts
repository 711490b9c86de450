/**
 * Puts every run's events into the ring: one {@link StreamEncoder} per event descriptor, rows
 * batched into Arrow record batches. When to write a batch:
 * - at once when it holds `maxRows` rows or `maxBytes` bytes (a 1 MiB frame goes alone);
 * - when data is slow (the stream's previous event came `minIntervalS` or more before), at once:
 *   a lone event waits for nothing (writing one row costs ~5 us);
 * - when data is fast (events closer together), `maxDelayS` after the first waiting row (a timer;
 *   Node's timers have 1 ms resolution), so fast streams are written in batches;
 * - when the run stops.
 */
import { type Clock, createSystemClock, DaqError, type Unsubscribe } from '../../core/index.js';
import type { RunDocumentEvent } from '../../engine/index.js';
import { StreamEncoder } from './stream-encoder.js';
import type { RingWriter } from './writer.js';

/** Options of {@link createDocumentSink}. */
export interface DocumentSinkOptions {
  /** Write a stream's batch when it has this many rows (default 65,536). */
  maxRows?: number;
  /** Write a stream's batch when it holds this many bytes (default 1 MiB). */
  maxBytes?: number;
  /** Longest time rows of a fast stream wait for more, in seconds (default 0.001). */
  maxDelayS?: number;
  /** An event that comes at least this long after its stream's previous one is "slow" data and written at once; closer events are batched. Seconds (default 0.0002). */
  minIntervalS?: number;
  /** The clock of `maxDelayS` (default: the system clock; give the run engine's). */
  clock?: Clock;
  /** Called with errors (a stream that cannot be encoded, a full stream table); default: a process warning. */
  onError?: (error: DaqError) => void;
}

/** Feeds run documents into a ring. */
export interface DocumentSink {
  /** Takes one document (what `engine.onDocument` delivers). */
  handle(event: RunDocumentEvent): void;
  /** Subscribes to an engine's documents; returns the function that unsubscribes. */
  attach(engine: { onDocument(listener: (event: RunDocumentEvent) => void): Unsubscribe }): Unsubscribe;
  /** Writes every pending row now. */
  flush(): void;
  /** Events taken and records written so far. */
  readonly stats: { events: number; records: number; errors: number };
}

interface Entry {
  encoder: StreamEncoder;
  runUid: string;
  stream: string;
  /** When the stream's previous event arrived (clock seconds). */
  lastEventS: number;
  timer: boolean;
}

/** A sink writing run documents to `writer`. Frames are held by reference until their batch is written. */
export function createDocumentSink(writer: RingWriter, options: DocumentSinkOptions = {}): DocumentSink {
  const maxRows = options.maxRows ?? 65_536;
  const maxBytes = options.maxBytes ?? 2 ** 20;
  const maxDelayS = options.maxDelayS ?? 0.001;
  const minIntervalS = options.minIntervalS ?? 0.0002;
  const clock = options.clock ?? createSystemClock();
  const onError = options.onError ?? ((error: DaqError) => process.emitWarning(`ring buffer: ${error.message}`));
  const entries = new Map<string, Entry>();
  const broken = new Set<string>();
  const stats = { events: 0, records: 0, errors: 0 };

  function fail(error: unknown, descriptor: string): void {
    stats.errors++;
    if (!broken.has(descriptor)) onError(DaqError.from(error));
    broken.add(descriptor);
  }

  function write(descriptor: string, entry: Entry): void {
    if (entry.encoder.rows === 0) return;
    try {
      if (entry.encoder.flush() > 0) stats.records++;
    } catch (error) {
      fail(error, descriptor);
    }
  }

  function schedule(descriptor: string, entry: Entry): void {
    const now = clock.now();
    const slow = now - entry.lastEventS >= minIntervalS;
    entry.lastEventS = now;
    if (entry.timer) return; // a batch is filling: its timer writes it
    if (slow) return write(descriptor, entry);
    entry.timer = true;
    void clock.sleep(maxDelayS).then(() => {
      entry.timer = false;
      write(descriptor, entry);
    });
  }

  function handle({ runUid, document }: RunDocumentEvent): void {
    switch (document.kind) {
      case 'descriptor':
        // A new descriptor of a stream (its devices' configuration changed) takes over from the
        // previous one: that one's waiting rows go first, so the ring keeps the stream in seq_num order.
        for (const [descriptor, entry] of entries) {
          if (entry.runUid !== runUid || entry.stream !== document.name) continue;
          write(descriptor, entry);
          entries.delete(descriptor);
        }
        try {
          const encoder = new StreamEncoder({ stream: document.name, runUid, descriptorUid: document.uid, dataKeys: document.dataKeys }, writer);
          entries.set(document.uid, { encoder, runUid, stream: document.name, lastEventS: -Infinity, timer: false });
        } catch (error) {
          fail(error, document.uid);
        }
        return;
      case 'event': {
        stats.events++;
        const entry = entries.get(document.descriptor);
        if (entry === undefined) return;
        try {
          entry.encoder.add(document);
        } catch (error) {
          return fail(error, document.descriptor);
        }
        if (entry.encoder.rows >= maxRows || entry.encoder.pendingBytes >= maxBytes) write(document.descriptor, entry);
        else schedule(document.descriptor, entry);
        return;
      }
      case 'stop':
        for (const [descriptor, entry] of entries) {
          if (entry.runUid !== runUid) continue;
          write(descriptor, entry);
          entries.delete(descriptor);
        }
        return;
      default:
        return;
    }
  }

  return {
    handle,
    attach: (engine) => engine.onDocument(handle),
    flush: () => {
      for (const [descriptor, entry] of entries) write(descriptor, entry);
    },
    stats,
  };
}
