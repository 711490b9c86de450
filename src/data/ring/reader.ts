/**
 * Reading a ring from TypeScript: the newest rows of a stream, the rows between two times, or
 * every new batch as it comes. Results are apache-arrow tables and batches. By default they are
 * views of the shared memory (no copy): valid until the writer laps the ring over them, which
 * {@link RingReader.intact} tells; with `copy: true` they are copied first and stay valid.
 */
import { type Clock, createSystemClock, DaqError } from '../../core/index.js';
import { combineBatches, encodeStream, type RecordBatch, Schema, Table } from './arrow-ipc.js';
import { KIND_PADDING, NO_POSITION, type RecordHeader } from './layout.js';
import { type DecodedRecord, RecordSource } from './record-source.js';
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

  /** True once the writer has closed the ring (a killed writer never does). */
  get closed(): boolean {
    return this.source.closed;
  }

  /** Names of the ring's streams. */
  streams(): string[] {
    return this.source.streams();
  }

  /** The newest `n` rows of `stream` (fewer if the ring holds fewer), oldest first. */
  latest(stream: string, n = 1): Table {
    const records = this.newestFirst(stream, (_h, rows) => rows < n);
    return this.table(records, (batch, index, total) => (index === 0 ? batch.slice(Math.max(0, total - n)) : batch));
  }

  /**
   * The rows of `stream` with `t0S <= time < t1S` (seconds since the epoch), oldest first. With
   * `lastRows`, reading stops once that many rows of the range are in hand (older records are not
   * decoded); the caller keeps the newest `lastRows` of the result.
   */
  range(stream: string, t0S: number, t1S: number, lastRows = 0): Table {
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
    return this.table(records, (batch) => sliceByTime(batch, t0S, t1S));
  }

  /**
   * Every new record batch of `stream`, as it is committed. Polls the write position every
   * `pollS`; ends when the writer closes the ring (after the last batch) or `signal` aborts.
   * An overtaken reader skips to the oldest intact record (counted in {@link RingReader.overtaken}).
   */
  async *follow(stream: string, options: FollowOptions = {}): AsyncGenerator<RecordBatch> {
    const clock = options.clock ?? createSystemClock();
    const pollS = options.pollS ?? 0.002;
    const src = this.source;
    let next = options.fromOldest === true ? src.tail : src.head;
    for (;;) {
      const closed = src.closed; // before head: a ring closed now has its last record below this head
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

  /** One table from records (oldest first) whose batches share the newest batch's columns. */
  private table(records: DecodedRecord[], cut: (batch: RecordBatch, index: number, totalRows: number) => RecordBatch): Table {
    const batches = records.flatMap((r) => r.batches);
    const newest = batches[batches.length - 1];
    if (newest === undefined) return new Table();
    const same = batches.filter((b) => sameColumns(b.schema, newest.schema));
    const total = same.reduce((sum, b) => sum + b.numRows, 0);
    const cutBatches = same.map((b, i) => cut(b, i, total)).filter((b) => b.numRows > 0);
    const metadata = new Map(newest.schema.metadata);
    metadata.set('daq.ring_pos', String(records.find((r) => r.batches.some((b) => same.includes(b)))?.header.pos ?? 0));
    const schema = new Schema(newest.schema.fields, metadata);
    return new Table(schema, cutBatches);
  }
}

function sameColumns(a: Schema, b: Schema): boolean {
  return a.fields.length === b.fields.length && a.fields.every((f, i) => f.name === b.fields[i]?.name && String(f.type) === String(b.fields[i]?.type));
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
 * as the bytes of an Arrow IPC stream (copied: valid for ever); no rows in the range gives a stream
 * with the schema and no batches. Only rows with the columns of the newest matching row are
 * included (a stream name reused by a run with other fields is left out). `not_found` when the
 * ring does not have the stream or none of its rows.
 */
export function readRange(path: string, stream: string, t0S: number, t1S: number, options: RangeOptions = {}): Uint8Array {
  const reader = RingReader.open(path, { copy: true });
  try {
    const table = selectRange(reader.range(stream, t0S, t1S, options.lastRows ?? 0), options);
    if (table.batches.length > 0) return encodeStream(table.schema, table.batches);
    // No rows in the range: an empty stream with the stream's newest columns.
    const newest = reader.latest(stream, 1);
    if (newest.schema.fields.length === 0) throw new DaqError('not_found', `ring ${path}: stream "${stream}" has no rows left in the ring`);
    return encodeStream(selectRange(newest, options).schema, []);
  } finally {
    reader.close();
  }
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
  const n = options.lastRows ?? 0;
  if (n > 0 && selected.numRows > n) selected = selected.slice(selected.numRows - n);
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
