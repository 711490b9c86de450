/**
 * Every run's documents, kept in order so a client can follow a run from any index, live. Each
 * follower reads at its own pace from the log (a slow one lags, it never slows the run or other
 * followers, and nothing is dropped). Frames are kept as references; their pixels are in the ring
 * and the run's file. Each document is kept as its RunDocument protobuf bytes (with Bluesky's
 * name and JSON inside), encoded once: a gRPC follower sends those bytes as they are, and the
 * message is decoded only for a follower that needs it (Connect, the dashboard). With a spill
 * file, an event of numbers (a scan's point) is kept in a compact form instead and encoded only
 * when a follower first reads it (RunLog.appendEvent): a run nobody follows costs the log a few
 * bytes a point.
 * The logs of the last `keepRuns` runs are kept. With a spill directory, memory stays flat: a
 * run's documents go to a file as they come (document-spill.ts) and only the newest
 * {@link MEMORY_WINDOW} of the running run stay in memory; a late follower reads the file.
 */
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { DaqError } from '../core/index.js';
import { BatchBuilder, type DocumentBatch } from './document-batch.js';
import { COMPACT_RECORD, DocumentSpill, ENCODED_RECORD, prepareSpillDir } from './document-spill.js';
import { createEventModelSerializer, type EventModelOptions, type EventModelSerializer, type RunDocumentEvent, type RunEvent } from '../engine/index.js';
import { type RunDocumentInit, toRunDocument } from './convert.js';
import { ENCODED, type Encoded, encodeEngineEvent, encodeNumericEvent, encodeRunDocument, withEncoding, wrapEncoded } from './encoded.js';
import { RunDocumentSchema } from './gen/daq/v1/documents_pb.js';

/** One document of the log: its RunDocument bytes, and the message, decoded when first asked for. */
export class LoggedDocument {
  private decoded: RunDocumentInit | undefined;
  private wrapped: Uint8Array | undefined;
  private streamed: StreamedDocument | undefined;

  /** `bytes` must not change (they are sent as they are). */
  constructor(readonly bytes: Uint8Array) {}

  /**
   * A document read back from the spill file: `view` (which may be a view of a larger buffer) is
   * copied once, straight into the bytes of its {@link response}, and the document's bytes are a
   * view of those.
   */
  static copyOf(view: Uint8Array): LoggedDocument {
    const response = wrapEncoded(1, view);
    const logged = new LoggedDocument(response.subarray(response.length - view.length));
    logged.wrapped = response;
    return logged;
  }

  /** The bytes of the StreamRunDocumentsResponse that carries it (made once, sent to every follower). */
  get response(): Uint8Array {
    this.wrapped ??= wrapEncoded(1, this.bytes);
    return this.wrapped;
  }

  /**
   * The StreamRunDocumentsResponse that carries it, one object for every follower: its bytes
   * ({@link response}) known, so gRPC sends them as they are; its document decoded only for a
   * protocol that encodes the message itself (Connect, the dashboard).
   */
  get message(): StreamedDocument {
    this.streamed ??= new StreamedDocument(this);
    return this.streamed;
  }

  /** The RunDocument message (decoded once, then kept; its bytes registered with it, see encoded.ts). */
  get document(): RunDocumentInit {
    this.decoded ??= withEncoding(fromBinary(RunDocumentSchema, this.bytes) as unknown as RunDocumentInit, this.bytes);
    return this.decoded;
  }
}

/** A StreamRunDocumentsResponse of a {@link LoggedDocument} (see {@link LoggedDocument.message}). */
export class StreamedDocument implements Encoded {
  readonly dropped = 0;
  readonly [ENCODED]: Uint8Array;

  constructor(private readonly logged: LoggedDocument) {
    this[ENCODED] = logged.response;
  }

  get document(): RunDocumentInit {
    return this.logged.document;
  }
}

/** Documents of the running run kept in memory when they also go to a spill file. */
export const MEMORY_WINDOW = 4096;

/** What the compact events of one descriptor share (the compact form names it by `id`). */
interface CompactDescriptor {
  id: number;
  uid: string;
  stream: string;
  /** The float fields the event model serializer gave for it (its events' JSON writes them as floats). */
  floatFields: ReadonlySet<string>;
  /** Its events' data keys, in order (their timestamps the same keys). */
  keys: readonly string[];
}

/** Compact events read back from the spill file whose documents are kept for the next follower (~300 B each). */
const EXPANDED_KEPT = 2 * MEMORY_WINDOW;

/** The most a compact event's uid may be (its length is one byte). */
const COMPACT_UID_MAX = 255;

class RunLog {
  /**
   * Documents base .. base + documents.length - 1; the older ones are only in the spill file. An
   * entry is the document, or (with a spill file) the position of an event kept in the compact
   * form ({@link appendEvent}), made into a document when a follower first reads it ({@link at}).
   */
  documents: (LoggedDocument | number)[] = [];
  base = 0;
  closed = false;
  private waiters: (() => void)[] = [];
  /** The descriptors of compact events, by id and by uid. */
  private readonly compactById: CompactDescriptor[] = [];
  private readonly compactByUid = new Map<string, CompactDescriptor>();
  private lastCompact: CompactDescriptor | undefined;
  /** Compact events of the spill file made into documents, by index, oldest first (see {@link bytesOf}). */
  private readonly expanded = new Map<number, Uint8Array>();
  /** Followers reading the run now: the documents kept in {@link expanded} go when the last one is done. */
  readers = 0;

  constructor(
    readonly runUid: string,
    readonly bluesky: EventModelSerializer,
    readonly spill?: DocumentSpill,
  ) {}

  /** Documents so far. */
  get length(): number {
    return this.base + this.documents.length;
  }

  /** Document `index` (base <= index < length) from memory. */
  at(index: number): LoggedDocument {
    const entry = this.documents[index - this.base] as LoggedDocument | number;
    if (typeof entry !== 'number') return entry;
    // The first follower to read it makes it; the others get the same bytes.
    const logged = new LoggedDocument(this.expand((this.spill as DocumentSpill).recordAt(entry), index));
    this.documents[index - this.base] = logged;
    return logged;
  }

  /**
   * The RunDocument bytes of a record of the spill file (kind byte first), document `index`: an
   * encoded one as it is (a view of `record`), a compact event made into its document.
   */
  bytesOf(record: Uint8Array, index: number): Uint8Array {
    if (record[0] === ENCODED_RECORD) return record.subarray(1);
    // Followers behind the window read the same documents at about the same time: each is made
    // once for all of them (the newest EXPANDED_KEPT made are kept).
    let bytes = this.expanded.get(index);
    if (bytes === undefined) {
      bytes = this.expand(record, index);
      this.expanded.set(index, bytes);
      if (this.expanded.size > EXPANDED_KEPT) this.expanded.delete(this.expanded.keys().next().value as number);
    }
    return bytes;
  }

  /** A follower is done reading (see {@link readers}). */
  doneReading(): void {
    if (--this.readers === 0) this.expanded.clear();
  }

  /** Appends a document's bytes; `temporary` bytes change after this call (copied here). */
  append(bytes: Uint8Array, last: boolean, temporary = false): void {
    // With a spill file, the document kept is the copy in its batch (one copy, no buffer of its own).
    this.documents.push(new LoggedDocument(this.spill !== undefined ? this.spill.appendEncoded(bytes) : temporary ? bytes.slice() : bytes));
    this.appended(last);
  }

  /**
   * Appends an event of numbers in the compact form, if it has one: with a spill file, an event
   * whose data and timestamps have the same keys in the same order as the first event of its
   * descriptor, all numbers. It is neither encoded nor an object of its own until a follower
   * reads it: the document log's share of a scan point is a few bytes written into the spill
   * batch. `floatFields`: what the event model serializer says of the event's descriptor
   * (`plainEventFloats`). Returns false, having appended nothing, for any other event.
   *
   * The record: descriptor id (u16), seq_num (u32), time (f64), uid (length u8, ASCII), each
   * key's value (f64), then 0 when every timestamp is the event's time, else 1 and each key's
   * timestamp (f64); little-endian. {@link expand} makes it into the exact bytes
   * `encodeNumericEvent` makes of the event (document-log.test.ts compares them).
   */
  appendEvent(event: RunEvent, floatFields: ReadonlySet<string>): boolean {
    const spill = this.spill;
    if (spill === undefined) return false;
    const { uid, descriptor, stream, seqNum, timeS, data, timestamps } = event;
    const index = this.length;
    if (index > 0xffffffff || !(seqNum >= 0 && seqNum <= 0xffffffff && Number.isInteger(seqNum)) || typeof timeS !== 'number' || typeof uid !== 'string' || uid.length > COMPACT_UID_MAX) return false;
    let described = this.lastCompact;
    if (described === undefined || described.uid !== descriptor) {
      described = this.compactByUid.get(descriptor) ?? this.describeCompact(descriptor, stream, floatFields, data);
      if (described === undefined) return false;
      this.lastCompact = described;
    }
    if (described.stream !== stream || described.floatFields !== floatFields) return false;
    const keys = described.keys;
    const n = keys.length;
    const start = spill.reserve(2 + 4 + 8 + 1 + uid.length + 16 * n + 1);
    const buffer = spill.current;
    const view = spill.currentView;
    view.setUint16(start, described.id, true);
    view.setUint32(start + 2, seqNum, true);
    view.setFloat64(start + 6, timeS, true);
    let at = start + 14;
    buffer[at++] = uid.length;
    for (let i = 0; i < uid.length; i++) {
      const c = uid.charCodeAt(i);
      if (c >= 0x80) return false;
      buffer[at++] = c;
    }
    let i = 0;
    for (const key in data) {
      if (!Object.hasOwn(data, key)) continue;
      const value = data[key];
      if (i >= n || key !== keys[i] || typeof value !== 'number') return false;
      view.setFloat64(at, value, true);
      at += 8;
      i++;
    }
    if (i !== n) return false;
    const mode = at++;
    let own = false;
    i = 0;
    for (const key in timestamps) {
      if (!Object.hasOwn(timestamps, key)) continue;
      const t = timestamps[key];
      if (i >= n || key !== keys[i] || typeof t !== 'number') return false;
      if (!Object.is(t, timeS)) own = true;
      view.setFloat64(at + 8 * i, t, true);
      i++;
    }
    if (i !== n) return false;
    buffer[mode] = own ? 1 : 0;
    if (own) at += 8 * n;
    this.documents.push(spill.commit(COMPACT_RECORD, start, at));
    this.appended(false);
    return true;
  }

  /** The compact form's entry for a descriptor not seen yet (its first event's keys), if it can have one. */
  private describeCompact(uid: string, stream: string, floatFields: ReadonlySet<string>, data: RunEvent['data']): CompactDescriptor | undefined {
    if (typeof uid !== 'string' || typeof stream !== 'string' || this.compactById.length > 0xffff) return undefined;
    const keys: string[] = [];
    for (const key in data) if (Object.hasOwn(data, key)) keys.push(key);
    const described: CompactDescriptor = { id: this.compactById.length, uid, stream, floatFields, keys };
    this.compactById.push(described);
    this.compactByUid.set(uid, described);
    return described;
  }

  /** The RunDocument bytes of the compact event `record` (kind byte first), document `index`. */
  private expand(record: Uint8Array, index: number): Uint8Array {
    const view = new DataView(record.buffer, record.byteOffset, record.length);
    let at = 1;
    const described = this.compactById[view.getUint16(at, true)];
    if (described === undefined) throw new DaqError('internal', `document ${index} of run ${this.runUid} names a descriptor the log does not know`);
    const seqNum = view.getUint32(at + 2, true);
    const timeS = view.getFloat64(at + 6, true);
    at += 14;
    const uidLength = record[at++] as number;
    let uid = '';
    for (let i = 0; i < uidLength; i++) uid += String.fromCharCode(record[at + i] as number);
    at += uidLength;
    const data: Record<string, number> = {};
    const timestamps: Record<string, number> = {};
    for (const key of described.keys) {
      data[key] = view.getFloat64(at, true);
      at += 8;
    }
    const own = record[at++] === 1;
    for (const key of described.keys) {
      timestamps[key] = own ? view.getFloat64(at, true) : timeS;
      if (own) at += 8;
    }
    const event: RunEvent = { kind: 'event', uid, descriptor: described.uid, stream: described.stream, seqNum, timeS, data, timestamps };
    const bytes = encodeNumericEvent(this.runUid, index, event, described.floatFields);
    if (bytes === undefined) throw new DaqError('internal', `document ${index} of run ${this.runUid} could not be encoded`);
    return bytes;
  }

  /** After a document was appended: the window, the end, the followers waiting. */
  private appended(last: boolean): void {
    if (this.spill !== undefined) {
      if (last) {
        // A finished run is read from its file: nothing of it stays in memory.
        this.spill.flush();
        this.spill.release(Infinity);
        this.base = this.length;
        this.documents = [];
      } else if (this.documents.length >= 2 * MEMORY_WINDOW) {
        this.spill.flush();
        const drop = this.documents.length - MEMORY_WINDOW;
        this.documents = this.documents.slice(drop);
        this.base += drop;
        // The written batches before the window's first compact event are no longer read.
        const first = this.documents.find((entry) => typeof entry === 'number');
        this.spill.release(typeof first === 'number' ? first : Infinity);
      }
    }
    if (last) this.closed = true;
    if (last) resumeWoken(); // followers woken earlier in this turn take the last documents now (see next)
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Resolves after the next document is appended (or `signal` aborts), at the end of that turn of
   * the event loop rather than at once: a plan appends a document per point between its turns,
   * and its followers then resume once per turn, each taking everything new in one batch, instead
   * of once per document in the plan's own microtasks (see {@link resumeNextTurn}). After the
   * run's last document, at once, with every follower woken earlier in the turn: a daemon that
   * shuts down ends its streams right after its run, and each follower still gets the stop document.
   */
  next(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const aborted = (): void => resolve();
      const wake = (): void => {
        signal.removeEventListener('abort', aborted);
        if (this.closed) resolve();
        else resumeNextTurn(resolve);
      };
      this.waiters.push(wake);
      signal.addEventListener('abort', aborted, { once: true });
    });
  }
}

/** Followers woken in this turn of the event loop, resumed together at its end. */
let woken: (() => void)[] = [];

/** Calls `resume` in the check phase of this turn of the event loop (one `setImmediate` for all). */
function resumeNextTurn(resume: () => void): void {
  if (woken.length === 0) setImmediate(resumeWoken);
  woken.push(resume);
}

/** Resumes the followers woken in this turn (at its end, or at once when a run has ended). */
function resumeWoken(): void {
  const now = woken;
  woken = [];
  for (const each of now) each();
}

/** The documents of recent runs. */
export class DocumentLog {
  private readonly runs = new Map<string, RunLog>();
  private readonly created: (() => void)[] = [];
  private latest: string | undefined;

  /**
   * Keeps the last `keepRuns` runs. `eventModel.runFile` names each run's HDF5 file: its
   * Bluesky documents point there for frames (without it, frames are left out of them).
   */
  constructor(
    private readonly keepRuns = 50,
    private readonly eventModel: EventModelOptions = {},
    private readonly spillDir?: string,
  ) {
    if (spillDir !== undefined) prepareSpillDir(spillDir);
  }

  /** Records a document from the run engine. */
  add({ runUid, document }: RunDocumentEvent): void {
    let log = this.runs.get(runUid);
    if (log === undefined) {
      log = new RunLog(runUid, createEventModelSerializer(this.eventModel), this.spillDir === undefined ? undefined : new DocumentSpill(join(this.spillDir, `${runUid}.docs`)));
      this.runs.set(runUid, log);
      this.latest = runUid;
      for (const uid of [...this.runs.keys()].slice(0, Math.max(0, this.runs.size - this.keepRuns))) {
        this.runs.get(uid)?.spill?.remove();
        this.runs.delete(uid);
      }
      for (const wake of this.created.splice(0)) wake();
    }
    // The document of every point: an event of numbers, kept in a compact form until a follower
    // reads it (RunLog.appendEvent), or else written to bytes in one pass with its Bluesky JSON
    // (no Bluesky document objects, no JSON string: encodeNumericEvent).
    if (document.kind === 'event') {
      const floats = log.bluesky.plainEventFloats(document);
      if (floats !== undefined) {
        if (log.appendEvent(document, floats)) return;
        const bytes = encodeNumericEvent(runUid, log.length, document, floats, true);
        if (bytes !== undefined) {
          log.append(bytes, false, true);
          return;
        }
      }
    }
    // One engine document is one or more Bluesky documents (stream_datum before an event with a
    // frame, stream_resource after a descriptor): each is a RunDocument of its own.
    // Encoded once, here: the spill file and every gRPC follower use these bytes (encoded.ts);
    // an event (the document of every point) straight from the engine's, the rest through messages.
    const pairs = log.bluesky.toBluesky(document);
    for (let i = 0; i < pairs.length; i++) {
      const pair = pairs[i] as (typeof pairs)[number];
      const typed = pair.name === document.kind ? document : undefined;
      const index = log.length;
      const bytes =
        (typed?.kind === 'event' ? encodeEngineEvent(runUid, index, typed, pair.name, pair.json) : undefined) ??
        encodeRunDocument(toRunDocument(runUid, index, typed, pair));
      log.append(bytes, document.kind === 'stop' && i === pairs.length - 1);
    }
  }

  /**
   * The documents of run `runUid` from `fromIndex`, then live until its stop document. An empty
   * uid means the run in progress, or the next one to start; a queued run is waited for while
   * `queued()` says it is still queued. Ends early when `signal` aborts.
   */
  async *follow(runUid: string, fromIndex: number, signal: AbortSignal, queued: () => boolean = () => false): AsyncGenerator<LoggedDocument> {
    const log = await this.find(runUid, signal, queued);
    if (log === undefined) return;
    log.readers++;
    try {
      let cursor = fromIndex;
      while (!signal.aborted) {
        // Behind the memory window: from the run's file (written up to at least log.base).
        if (cursor < log.base && log.spill !== undefined) {
          for (const record of log.spill.read(cursor, log.base)) {
            if (signal.aborted) return;
            yield LoggedDocument.copyOf(log.bytesOf(record, cursor++));
          }
          continue;
        }
        while (cursor >= log.base && cursor < log.length) yield log.at(cursor++);
        if (cursor < log.base) continue; // the window moved on while this follower was away
        if (log.closed && cursor >= log.length) return;
        await log.next(signal);
      }
    } finally {
      log.doneReading();
    }
  }

  /**
   * As {@link follow}, in batches: each time the follower reads, the documents it is behind by (up
   * to `BATCH_DOCUMENTS` or `BATCH_BYTES` a batch, document-batch.ts), in order, as one response; a
   * follower that keeps up gets batches of one. Nothing is waited for to fill a batch.
   * `paced`, when given, is awaited after each batch taken while the run is going on (not once it
   * has ended), before the next is made: the caller lets the follower take no more than it can send.
   */
  async *followBatches(runUid: string, fromIndex: number, signal: AbortSignal, queued: () => boolean = () => false, paced?: () => Promise<void>): AsyncGenerator<DocumentBatch> {
    const log = await this.find(runUid, signal, queued);
    if (log === undefined) return;
    log.readers++;
    try {
      const pace = paced === undefined ? undefined : async (): Promise<void> => (log.closed ? undefined : paced());
      const builder = new BatchBuilder();
      let cursor = fromIndex;
      while (!signal.aborted) {
        if (cursor < log.base && log.spill !== undefined) {
          // The spill file's views are copied into the batch when it is made, before the next read.
          for (const record of log.spill.read(cursor, log.base)) {
            const full = builder.add(log.bytesOf(record, cursor++));
            if (full === undefined) continue;
            if (signal.aborted) return;
            yield full;
            await pace?.();
          }
          const rest = builder.take();
          if (rest !== undefined && !signal.aborted) {
            yield rest;
            await pace?.();
          }
          continue;
        }
        let batch: DocumentBatch | undefined;
        // From memory: one batch at a time, then the window is looked at again (it may have moved on).
        while (batch === undefined && cursor >= log.base && cursor < log.length) batch = builder.add(log.at(cursor++).bytes);
        batch ??= builder.take();
        if (batch !== undefined) {
          if (signal.aborted) return;
          yield batch;
          await pace?.();
          continue;
        }
        if (cursor < log.base) continue; // the window moved on while this follower was away
        if (log.closed && cursor >= log.length) return;
        await log.next(signal);
      }
    } finally {
      log.doneReading();
    }
  }

  private async find(runUid: string, signal: AbortSignal, queued: () => boolean): Promise<RunLog | undefined> {
    if (runUid !== '') {
      while (!this.runs.has(runUid) && queued() && !signal.aborted) await this.nextRun(signal);
      const log = this.runs.get(runUid);
      if (log === undefined && !signal.aborted) throw new DaqError('not_found', `no documents of run ${runUid}: the daemon keeps those of its last ${this.keepRuns} runs; an older run's data are in its HDF5 file (daq runs lists it)`);
      return log;
    }
    const current = this.latest === undefined ? undefined : this.runs.get(this.latest);
    if (current !== undefined && !current.closed) return current;
    const before = this.latest;
    while (this.latest === before && !signal.aborted) await this.nextRun(signal);
    return this.latest === undefined ? undefined : this.runs.get(this.latest);
  }

  /** Wakes followers waiting for a queued run, to look again whether it is still queued (call when the queue changes). */
  queueChanged(): void {
    for (const wake of this.created.splice(0)) wake();
  }

  private nextRun(signal: AbortSignal): Promise<void> {
    // The abort listener goes when the wait ends: a follower waiting through many queue changes leaves none behind.
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        signal.removeEventListener('abort', wake);
        resolve();
      };
      this.created.push(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }
}
