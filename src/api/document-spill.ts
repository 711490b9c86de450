/**
 * A run's documents on disk, so the daemon's memory stays flat however long a run is: every
 * document is appended (length-prefixed protobuf, in batches) to `<dir>/<run uid>.docs`, and the
 * document log keeps only a window of the newest in memory. A follower behind the window reads
 * the file from a sparse index of offsets (every {@link INDEX_EVERY}th document), up to what has
 * been written. The files are the daemon's working storage: removed when a run leaves the log,
 * and all of them at start-up.
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

/** One run's spill file: append in order, read any index below {@link DocumentSpill.written}. */
export class DocumentSpill {
  private fd: number | undefined;
  /** Documents not written yet, length-prefixed; a new buffer for each batch. */
  private batch = Buffer.allocUnsafe(BATCH_BYTES + 4096);
  private pendingBytes = 0;
  /** Documents appended (written or pending). */
  private count = 0;
  /** Documents on disk, and the file's length. */
  private writtenCount = 0;
  private writtenBytes = 0;
  /** Byte offset of document i * INDEX_EVERY. */
  private readonly offsets: number[] = [];

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
    if (this.count % INDEX_EVERY === 0) this.offsets.push(this.writtenBytes + this.pendingBytes);
    const need = this.pendingBytes + 4 + bytes.length;
    if (need > this.batch.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, 2 * this.batch.length));
      this.batch.copy(bigger, 0, 0, this.pendingBytes);
      this.batch = bigger;
    }
    const at = this.pendingBytes;
    const batch = this.batch;
    batch.writeUInt32LE(bytes.length, at);
    batch.set(bytes, at + 4);
    this.pendingBytes = need;
    this.count++;
    if (this.pendingBytes >= BATCH_BYTES) this.flush();
    return new Uint8Array(batch.buffer, batch.byteOffset + at + 4, bytes.length);
  }

  /** Writes what is pending. */
  flush(): void {
    if (this.pendingBytes === 0 || this.fd === undefined) return;
    let at = 0;
    while (at < this.pendingBytes) at += writeSync(this.fd, this.batch, at, this.pendingBytes - at, this.writtenBytes + at);
    this.writtenBytes += this.pendingBytes;
    this.writtenCount = this.count;
    this.pendingBytes = 0;
    // A new buffer: the documents in the memory window are views of the last one.
    this.batch = Buffer.allocUnsafe(BATCH_BYTES + 4096);
  }

  /**
   * The RunDocument bytes of documents `from` to `to` (exclusive, at most {@link written}), read
   * back in order: each a view of the chunk (up to 1 MiB) it was read in, which stays as it is
   * (copy what is kept long: a view keeps its whole chunk in memory).
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
    rmSync(this.path, { force: true });
  }
}

/** Makes `dir` and removes the spill files an earlier daemon left there. */
export function prepareSpillDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) if (name.endsWith('.docs')) rmSync(join(dir, name), { force: true });
}
