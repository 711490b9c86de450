/**
 * Every run's documents, kept in order so a client can follow a run from any index, live. Each
 * follower reads at its own pace from the log (a slow one lags, it never slows the run or other
 * followers, and nothing is dropped). Frames are kept as references; their pixels are in the ring
 * and the run's file. Each document is kept as its RunDocument protobuf bytes (with Bluesky's
 * name and JSON inside), encoded once as it comes: a gRPC follower sends those bytes as they are,
 * and the message is decoded only for a follower that needs it (Connect, the dashboard).
 * The logs of the last `keepRuns` runs are kept. With a spill directory, memory stays flat: a
 * run's documents go to a file as they come (document-spill.ts) and only the newest
 * {@link MEMORY_WINDOW} of the running run stay in memory; a late follower reads the file.
 */
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { DaqError } from '../core/index.js';
import { BatchBuilder, type DocumentBatch } from './document-batch.js';
import { DocumentSpill, prepareSpillDir } from './document-spill.js';
import { createEventModelSerializer, type EventModelOptions, type EventModelSerializer, type RunDocumentEvent } from '../engine/index.js';
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

class RunLog {
  /** Documents base .. base + documents.length - 1; the older ones are only in the spill file. */
  documents: LoggedDocument[] = [];
  base = 0;
  closed = false;
  private waiters: (() => void)[] = [];

  constructor(
    readonly bluesky: EventModelSerializer,
    readonly spill?: DocumentSpill,
  ) {}

  /** Documents so far. */
  get length(): number {
    return this.base + this.documents.length;
  }

  /** Appends a document's bytes; `temporary` bytes change after this call (copied here). */
  append(bytes: Uint8Array, last: boolean, temporary = false): void {
    // With a spill file, the document kept is the copy in its batch (one copy, no buffer of its own).
    this.documents.push(new LoggedDocument(this.spill !== undefined ? this.spill.appendEncoded(bytes) : temporary ? bytes.slice() : bytes));
    if (this.spill !== undefined) {
      if (last) {
        // A finished run is read from its file: nothing of it stays in memory.
        this.spill.flush();
        this.base = this.length;
        this.documents = [];
      } else if (this.documents.length >= 2 * MEMORY_WINDOW) {
        this.spill.flush();
        const drop = this.documents.length - MEMORY_WINDOW;
        this.documents = this.documents.slice(drop);
        this.base += drop;
      }
    }
    if (last) this.closed = true;
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
   * run's last document, at once: a daemon that shuts down ends its streams right after its run,
   * and each follower still gets the stop document.
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
  if (woken.length === 0) {
    setImmediate(() => {
      const now = woken;
      woken = [];
      for (const each of now) each();
    });
  }
  woken.push(resume);
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
      log = new RunLog(createEventModelSerializer(this.eventModel), this.spillDir === undefined ? undefined : new DocumentSpill(join(this.spillDir, `${runUid}.docs`)));
      this.runs.set(runUid, log);
      this.latest = runUid;
      for (const uid of [...this.runs.keys()].slice(0, Math.max(0, this.runs.size - this.keepRuns))) {
        this.runs.get(uid)?.spill?.remove();
        this.runs.delete(uid);
      }
      for (const wake of this.created.splice(0)) wake();
    }
    // The document of every point: an event of numbers, written to bytes in one pass with its
    // Bluesky JSON (no Bluesky document objects, no JSON string: encodeNumericEvent).
    if (document.kind === 'event') {
      const floats = log.bluesky.plainEventFloats(document);
      const bytes = floats === undefined ? undefined : encodeNumericEvent(runUid, log.length, document, floats, true);
      if (bytes !== undefined) {
        log.append(bytes, false, true);
        return;
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
    let cursor = fromIndex;
    while (!signal.aborted) {
      // Behind the memory window: from the run's file (written up to at least log.base).
      if (cursor < log.base && log.spill !== undefined) {
        for (const bytes of log.spill.read(cursor, log.base)) {
          if (signal.aborted) return;
          cursor++;
          yield LoggedDocument.copyOf(bytes);
        }
        continue;
      }
      while (cursor >= log.base && cursor < log.length) yield log.documents[cursor++ - log.base] as LoggedDocument;
      if (cursor < log.base) continue; // the window moved on while this follower was away
      if (log.closed && cursor >= log.length) return;
      await log.next(signal);
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
    const pace = paced === undefined ? undefined : async (): Promise<void> => (log.closed ? undefined : paced());
    const builder = new BatchBuilder();
    let cursor = fromIndex;
    while (!signal.aborted) {
      if (cursor < log.base && log.spill !== undefined) {
        // The spill file's views are copied into the batch when it is made, before the next read.
        for (const bytes of log.spill.read(cursor, log.base)) {
          cursor++;
          const full = builder.add(bytes);
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
      while (batch === undefined && cursor >= log.base && cursor < log.length) batch = builder.add((log.documents[cursor++ - log.base] as LoggedDocument).bytes);
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
