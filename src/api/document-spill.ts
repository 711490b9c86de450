/**
 * A run's documents on disk, so the daemon's memory stays flat however long a run is: every
 * document is appended (in batches) to `<dir>/<run uid>.docs` as a record: its length (u32 LE,
 * counting what follows), a kind byte, then the record: {@link ENCODED_RECORD}, a RunDocument's
 * protobuf bytes, or {@link COMPACT_RECORD}, an event of numbers in the document log's compact
 * form (document-log.ts), made into a RunDocument only when a follower reads it. The document log
 * keeps only a window of the newest in memory. A follower behind the window reads the file from a
 * sparse index of offsets (every {@link INDEX_EVERY}th document), up to what has been written.
 * The files are the daemon's working storage: removed when a run leaves the log, and all of them
 * at start-up.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { DaqError } from '../core/index.js';
import type { RunDocumentInit } from './convert.js';
import { RunDocumentSchema } from './gen/daq/v1/documents_pb.js';

/** Every how many documents the byte offset is remembered. */
export const INDEX_EVERY = 1024;
/** Bytes gathered before they are written. */
const BATCH_BYTES = 256 * 1024;
/** Bytes read from the file at a time. */
const READ_BYTES = 1024 * 1024;

/** A record's kind (its first byte): a RunDocument's protobuf bytes. */
export const ENCODED_RECORD = 0;
/** A record's kind (its first byte): an event in the document log's compact form. */
export const COMPACT_RECORD = 1;

/** A batch still in memory (written or pending): documents of the window are read from it. */
interface Chunk {
  /** Byte offset of the batch in the file. */
  start: number;
  buffer: Buffer;
}

/** One run's spill file: append in order, read any index below {@link DocumentSpill.written}. */
export class DocumentSpill {
  private fd: number | undefined;
  /** Documents not written yet, length-prefixed; a new buffer for each batch. */
  private batch = Buffer.allocUnsafe(BATCH_BYTES + 4096);
  private view = new DataView(this.batch.buffer, this.batch.byteOffset, this.batch.length);
  private pendingBytes = 0;
  /** Documents appended (written or pending). */
  private count = 0;
  /** Documents on disk, and the file's length. */
  private writtenCount = 0;
  private writtenBytes = 0;
  /** Byte offset of document i * INDEX_EVERY. */
  private readonly offsets: number[] = [];
  /** Batches already written that records are still read from ({@link recordAt}), oldest first. */
  private chunks: Chunk[] = [];

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w+');
  }

  /** Documents safely on disk (readable with {@link DocumentSpill.read}). */
  get written(): number {
    return this.writtenCount;
  }

  /** Appends the next document; written in batches. */
  append(document: RunDocumentInit): void {
    this.appendEncoded(toBinary(RunDocumentSchema, create(RunDocumentSchema, document)));
  }

  /**
   * Appends the next document, given as its RunDocument protobuf bytes (copied); returns the
   * copy, which never changes (a batch's buffer is not reused after it is written): the
   * document log keeps it rather than bytes of its own.
   */
  appendEncoded(bytes: Uint8Array): Uint8Array {
    const at = this.reserve(bytes.length);
    const batch = this.batch;
    batch.set(bytes, at);
    this.commit(ENCODED_RECORD, at, at + bytes.length);
    return new Uint8Array(batch.buffer, batch.byteOffset + at, bytes.length);
  }

  /**
   * Room for the next record, of at most `size` bytes: its offset in {@link current}, where the
   * caller writes it, then {@link commit}s it (or leaves it: nothing is appended until then).
   */
  reserve(size: number): number {
    const need = this.pendingBytes + 5 + size;
    if (need > this.batch.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, 2 * this.batch.length));
      this.batch.copy(bigger, 0, 0, this.pendingBytes);
      this.batch = bigger;
    }
    return this.pendingBytes + 5;
  }

  /** The batch being filled: records are written into it at the offset {@link reserve} gave. */
  get current(): Buffer {
    return this.batch;
  }

  /** A DataView of {@link current} (its numbers written several times faster than Buffer's methods do). */
  get currentView(): DataView {
    if (this.view.buffer !== this.batch.buffer || this.view.byteOffset !== this.batch.byteOffset) this.view = new DataView(this.batch.buffer, this.batch.byteOffset, this.batch.length);
    return this.view;
  }

  /**
   * Appends the record written at `at` (from {@link reserve}) up to `end`, of kind `kind`;
   * returns its position, for {@link recordAt} (a number a JavaScript array keeps without an
   * object: below 2^30 it is a small integer).
   */
  commit(kind: number, at: number, end: number): number {
    if (this.count % INDEX_EVERY === 0) this.offsets.push(this.writtenBytes + this.pendingBytes);
    const batch = this.batch;
    batch.writeUInt32LE(end - at + 1, at - 5);
    batch[at - 1] = kind;
    const position = this.writtenBytes + at;
    this.pendingBytes = end;
    this.count++;
    if (this.pendingBytes >= BATCH_BYTES) this.flush();
    return position;
  }

  /**
   * The record (its kind byte first) at `position` ({@link commit}), while its batch is still in
   * memory: the pending one, or a written one not yet {@link release}d. A view, valid as long as
   * the batch is kept.
   */
  recordAt(position: number): Uint8Array {
    let buffer: Buffer | undefined;
    let at = position - this.writtenBytes;
    if (at < 0) {
      for (let i = this.chunks.length - 1; i >= 0; i--) {
        const chunk = this.chunks[i] as Chunk;
        if (chunk.start <= position) {
          buffer = chunk.buffer;
          at = position - chunk.start;
          break;
        }
      }
      if (buffer === undefined) throw new DaqError('internal', `document at byte ${position} of ${this.path} is no longer in memory`);
    } else buffer = this.batch;
    const length = buffer.readUInt32LE(at - 4);
    return buffer.subarray(at - 1, at - 1 + length);
  }

  /** Lets go of the written batches that end at or before byte `position` ({@link recordAt} no longer reads there). */
  release(position: number): void {
    let keep = 0;
    while (keep < this.chunks.length) {
      const next = this.chunks[keep + 1];
      const end = next === undefined ? this.writtenBytes : next.start;
      if (end > position) break;
      keep++;
    }
    if (keep > 0) this.chunks = this.chunks.slice(keep);
  }

  /** Writes what is pending. */
  flush(): void {
    if (this.pendingBytes === 0 || this.fd === undefined) return;
    let at = 0;
    while (at < this.pendingBytes) at += writeSync(this.fd, this.batch, at, this.pendingBytes - at, this.writtenBytes + at);
    this.chunks.push({ start: this.writtenBytes, buffer: this.batch.subarray(0, this.pendingBytes) });
    this.writtenBytes += this.pendingBytes;
    this.writtenCount = this.count;
    this.pendingBytes = 0;
    // A new buffer: the documents in the memory window are views of the last one.
    this.batch = Buffer.allocUnsafe(BATCH_BYTES + 4096);
  }

  /**
   * The records (kind byte first: {@link ENCODED_RECORD}, {@link COMPACT_RECORD}) of documents
   * `from` to `to` (exclusive, at most {@link written}), read back in order: each a view of the
   * chunk (up to 1 MiB) it was read in, which stays as it is (copy what is kept long: a view
   * keeps its whole chunk in memory).
   */
  *read(from: number, to: number): Generator<Uint8Array> {
    if (this.fd === undefined) throw new DaqError('unavailable', `the documents of ${this.path} were removed`);
    const end = Math.min(to, this.writtenCount);
    let index = Math.floor(from / INDEX_EVERY) * INDEX_EVERY;
    let offset = this.offsets[index / INDEX_EVERY] ?? 0;
    let buffer = Buffer.alloc(0);
    while (index < end) {
      if (buffer.length < 4 || buffer.length < 4 + buffer.readUInt32LE(0)) {
        const more = Buffer.allocUnsafe(Math.max(READ_BYTES, buffer.length >= 4 ? 4 + buffer.readUInt32LE(0) : 0));
        const n = readSync(this.fd, more, 0, more.length, offset);
        if (n === 0) throw new DaqError('internal', `${this.path} ends before document ${index}`);
        offset += n;
        buffer = Buffer.concat([buffer, more.subarray(0, n)]);
        continue;
      }
      const length = buffer.readUInt32LE(0);
      // A view: the reader copies it once, into the bytes it sends (LoggedDocument.copyOf).
      if (index >= from) yield buffer.subarray(4, 4 + length);
      buffer = buffer.subarray(4 + length);
      index++;
    }
  }

  /** Closes and deletes the file. */
  remove(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.chunks = [];
    rmSync(this.path, { force: true });
  }
}

/** Makes `dir` and removes the spill files an earlier daemon left there. */
export function prepareSpillDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) if (name.endsWith('.docs')) rmSync(join(dir, name), { force: true });
}
