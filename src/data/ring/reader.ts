/**
 * Reading a ring from TypeScript: the newest rows of a stream, the rows between two times, or
 * every new batch as it comes. Results are apache-arrow tables and batches. By default they are
 * views of the shared memory (no copy): valid until the writer laps the ring over them, which
 * {@link RingReader.intact} tells; with `copy: true` they are copied first and stay valid.
 */
import { type Clock, createSystemClock, DaqError } from '../../core/index.js';
import { combineBatches, encodeStream, type RecordBatch, type Table } from './arrow-ipc.js';
import { KIND_PADDING, NO_POSITION, type RecordHeader } from './layout.js';
import { type DecodedRecord, RecordSource } from './record-source.js';
import { partsOf, partTable, unifyParts } from './schema-parts.js';
import { RESERVED } from './stream-encoder.js';

/** Options of {@link RingReader.open}. */
export interface RingReaderOptions {
  /** Copy records out of the ring before decoding them (default false: zero-copy views). */
  copy?: boolean;
}

/** Options of {@link RingReader.follow}. */
export interface FollowOptions {
  /** Start with the oldest record still in the ring instead of the next new one. */
  fromOldest?: boolean;
  /** How long to wait between polls of the write position, seconds (default 0.002). */
  pollS?: number;
  /** Stops the iteration. */
  signal?: AbortSignal;
  /** The clock to wait on between polls (default: the system clock). */
  clock?: Clock;
}

/** A read-only view of a ring file; any number may read one ring, in any processes. */
export class RingReader {
  private constructor(private readonly source: RecordSource) {}

  /** Opens the ring at `path` (read-only); a missing, foreign or damaged file is refused with a clear error. */
  static open(path: string, options: RingReaderOptions = {}): RingReader {
    return new RingReader(new RecordSource(path, options.copy ?? false));
  }

  /** The ring file. */
  get path(): string {
    return this.source.path;
  }

  /** Records this reader skipped because the writer overwrote them before or while they were read. */
  get overtaken(): number {
    return this.source.overtaken;
  }

  /** True once the writer has closed the ring (a killed writer never does: see {@link RingReader.writerAlive}). */
  get closed(): boolean {
    return this.source.closed;
  }

  /** True while the ring's writer is at work: not closed and its process (`writer_pid`) alive. False after a kill -9. */
  get writerAlive(): boolean {
    return this.source.writerAlive;
  }

  /** Names of the ring's streams. */
  streams(): string[] {
    return this.source.streams();
  }

  /**
   * The newest `n` rows of `stream` (fewer if the ring holds fewer), oldest first, as one table:
   * rows of runs that recorded other fields are in it too, with null in the fields their run did
   * not record (schema-parts.ts); a field whose type or units changed is an error: use {@link RingReader.latestParts}.
   */
  latest(stream: string, n = 1): Table {
    return this.unified(this.latestParts(stream, n), stream);
  }

  /** The newest `n` rows of `stream` as parts, oldest first: each part's rows share one schema (one run's, or consecutive runs' with the same fields). */
  latestParts(stream: string, n = 1): Table[] {
    const records = this.newestFirst(stream, (_h, rows) => rows < n);
    const batches = records.flatMap((r) => r.batches);
    const total = batches.reduce((sum, b) => sum + b.numRows, 0);
    let skip = Math.max(0, total - n);
    const kept = batches
      .map((b) => {
        const cut = b.slice(Math.min(skip, b.numRows));
        skip -= b.numRows - cut.numRows;
        return cut;
      })
      .filter((b) => b.numRows > 0);
    return this.parts(records, kept);
  }

  /**
   * The rows of `stream` with `t0S <= time < t1S` (seconds since the epoch), oldest first, as one
   * table (see {@link RingReader.latest} for rows of runs with other fields). With `lastRows`,
   * reading stops once that many rows of the range are in hand (older records are not decoded);
   * the caller keeps the newest `lastRows` of the result.
   */
  range(stream: string, t0S: number, t1S: number, lastRows = 0): Table {
    return this.unified(this.rangeParts(stream, t0S, t1S, lastRows), stream);
  }

  /** The rows of {@link RingReader.range} as parts, oldest first, each part's rows of one schema. */
  rangeParts(stream: string, t0S: number, t1S: number, lastRows = 0): Table[] {
    let inside = 0; // rows of the records read so far that lie wholly in the range
    const records = this.newestFirst(
      stream,
      (h) => h.tLastS >= t0S && (lastRows <= 0 || inside < lastRows),
      (h) => {
        if (h.tFirstS >= t1S) return false;
        if (h.tFirstS >= t0S && h.tLastS < t1S) inside += h.rows;
        return true;
      },
    );
    const kept = records.flatMap((r) => r.batches.map((b) => sliceByTime(b, t0S, t1S))).filter((b) => b.numRows > 0);
    return this.parts(records, kept);
  }

  /**
   * Every new record batch of `stream`, as it is committed. Polls the write position every
   * `pollS`; ends when the writer closes the ring or dies (after the last batch), or `signal` aborts.
   * An overtaken reader skips to the oldest intact record (counted in {@link RingReader.overtaken}).
   */
  async *follow(stream: string, options: FollowOptions = {}): AsyncGenerator<RecordBatch> {
    const clock = options.clock ?? createSystemClock();
    const pollS = options.pollS ?? 0.002;
    const src = this.source;
    let next = options.fromOldest === true ? src.tail : src.head;
    for (;;) {
      const closed = !src.writerAlive; // before head: a ring closed (or whose writer died) now has its last record below this head
      const head = src.head;
      const id = src.streamId(stream);
      while (next < head) {
        const header = src.headerAt(next);
        if (header === undefined) {
          src.overtaken++;
          next = src.tail;
          continue;
        }
        if (header.kind !== KIND_PADDING && header.streamId === id) {
          const record = src.decode(header);
          if (record === undefined) {
            next = src.tail; // overtaken while decoding (counted): skip forward
            continue;
          }
          for (const batch of record.batches) yield batch;
        }
        next = header.pos + header.length;
      }
      if (closed || options.signal?.aborted === true) return;
      try {
        await clock.sleep(pollS, options.signal);
      } catch {
        return;
      }
    }
  }

  /** Whether the shared memory behind a batch or table from this reader still holds it (always true with `copy`). */
  intact(data: RecordBatch | Table): boolean {
    return this.source.intact(data);
  }

  /** Unmaps the ring; zero-copy batches from it become empty. */
  close(): void {
    this.source.close();
  }

  /** Records of `stream` from the newest back, while `more(header, rowsSoFar)`; `keep` filters. */
  private newestFirst(stream: string, more: (h: RecordHeader, rows: number) => boolean, keep: (h: RecordHeader) => boolean = () => true): DecodedRecord[] {
    const src = this.source;
    const id = src.requireStream(stream);
    const records: DecodedRecord[] = [];
    let rows = 0;
    let pos = src.ring.streamLastPos(id);
    while (pos !== NO_POSITION) {
      const header = src.headerAt(pos);
      if (header === undefined || !more(header, rows)) break; // overtaken: older records are gone too
      // A damaged chain (a back-pointer to itself, forwards, or into another stream) ends the
      // walk: every step goes strictly back, so it is bounded by the ring's size.
      if (header.streamId !== id || (header.prevPos !== NO_POSITION && header.prevPos >= pos)) {
        throw new DaqError('internal', `ring ${src.path} is damaged: the record of stream "${stream}" at position ${pos} points back to ${header.prevPos}; rows older than it cannot be read`);
      }
      if (keep(header)) {
        const record = src.decode(header);
        if (record === undefined) break; // older records are gone too
        records.push(record);
        rows += header.rows;
      }
      pos = header.prevPos;
    }
    // Zero-copy: drop what the writer reached while we decoded newer records.
    const tail = src.tail;
    return records.filter((r) => r.header.pos >= tail).reverse();
  }

  /** Tables of `batches` (cut from `records`, oldest first), one per schema; each carries the `daq.ring_pos` of its oldest record. */
  private parts(records: DecodedRecord[], batches: RecordBatch[]): Table[] {
    return partsOf(batches).map((part) => {
      const table = partTable(part);
      const oldest = Number(part[0]?.schema.metadata.get('daq.ring_pos') ?? records[0]?.header.pos ?? 0);
      table.schema.metadata.set('daq.ring_pos', String(oldest));
      return table;
    });
  }

  /** One table of parts, with the `daq.ring_pos` of the oldest (for {@link RingReader.intact}). */
  private unified(parts: Table[], stream: string): Table {
    const table = unifyParts(parts, stream);
    const oldest = parts[0]?.schema.metadata.get('daq.ring_pos');
    if (oldest !== undefined) table.schema.metadata.set('daq.ring_pos', oldest);
    return table;
  }
}

/** Rows of `batch` with t0S <= time < t1S; times are non-decreasing within a batch. */
function sliceByTime(batch: RecordBatch, t0S: number, t1S: number): RecordBatch {
  const time = batch.getChild('time')?.toArray() as Float64Array | undefined;
  if (time === undefined) return batch;
  const first = lowerBound(time, t0S);
  return batch.slice(first, lowerBound(time, t1S));
}

function lowerBound(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((values[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The rows of `stream` in the ring at `path` with `t0S <= time < t1S` (seconds since the epoch),
 * as Arrow IPC streams (copied: valid for ever), one per part: a new part starts where the rows'
 * columns change (a run that recorded the stream with other fields), so no row is left out or
 * put under another run's column. No rows in the range gives one stream with the stream's newest
 * schema and no batches. `not_found` when the ring does not have the stream or none of its rows.
 */
export function readRange(path: string, stream: string, t0S: number, t1S: number, options: RangeOptions = {}): Uint8Array[] {
  const reader = RingReader.open(path, { copy: true });
  try {
    const parts = newestRows(reader.rangeParts(stream, t0S, t1S, options.lastRows ?? 0), options.lastRows ?? 0).map((t) => selectRange(t, options));
    if (parts.length > 0) return parts.map((t) => encodeStream(t.schema, t.batches));
    // No rows in the range: an empty stream with the stream's newest columns.
    const newest = reader.latest(stream, 1);
    if (newest.schema.fields.length === 0) throw new DaqError('not_found', `ring ${path}: stream "${stream}" has no rows left in the ring`);
    return [encodeStream(selectRange(newest, options).schema, [])];
  } finally {
    reader.close();
  }
}

/** The newest `n` rows of parts (oldest first; 0: all), dropping parts left empty. */
function newestRows(parts: Table[], n: number): Table[] {
  if (n <= 0) return parts;
  let skip = parts.reduce((sum, t) => sum + t.numRows, 0) - n;
  return parts
    .map((t) => {
      const cut = skip > 0 ? t.slice(Math.min(skip, t.numRows)) : t;
      skip -= t.numRows - cut.numRows;
      return cut;
    })
    .filter((t) => t.numRows > 0);
}

/** What of a range {@link readRange} returns. */
export interface RangeOptions {
  /** Leave out frame columns, and array columns wider than 4 KiB a row. */
  withoutFrames?: boolean;
  /** Only the newest this many rows (0 or undefined: all). */
  lastRows?: number;
  /** Only these columns, besides `time`, `run_uid` and `seq_num` (empty or undefined: all). */
  fields?: readonly string[];
}

/** Bytes a row of an array column may take and still count as not wide. */
const WIDE_BYTES = 4096;

function selectRange(table: Table, options: RangeOptions): Table {
  let selected = table;
  const keep = new Set([...RESERVED, ...(options.fields ?? [])]);
  const wanted = table.schema.fields.filter((f) => {
    if ((options.fields?.length ?? 0) > 0 && !keep.has(f.name)) return false;
    return !(options.withoutFrames === true && isWide(f.type));
  });
  if (wanted.length !== table.schema.fields.length) selected = table.select(wanted.map((f) => f.name));
  return combineBatches(selected);
}

/** Frames (fixed-size binary, any size) and arrays of more than 4 KiB a row. */
function isWide(type: { byteWidth?: number; listSize?: number }): boolean {
  if (typeof type.byteWidth === 'number') return true;
  return typeof type.listSize === 'number' && type.listSize * 8 > WIDE_BYTES;
}

/** Every new batch of `stream` in the ring at `path` (see {@link RingReader.follow}); batches are copies. */
export async function* follow(path: string, stream: string, options: FollowOptions = {}): AsyncGenerator<RecordBatch> {
  const reader = RingReader.open(path, { copy: true });
  try {
    yield* reader.follow(stream, options);
  } finally {
    reader.close();
  }
}
