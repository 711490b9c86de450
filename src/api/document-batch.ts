/**
 * Several run documents in one StreamRunDocumentsResponse, for a follower that asked for batches
 * (`accept_batches`) and is behind: one gRPC message, one HTTP/2 write and one callback for up to
 * {@link BATCH_DOCUMENTS} documents instead of one each (the write path was most of what a
 * follower cost the daemon). The response's bytes are the documents' known RunDocument bytes,
 * each copied once after its tag and length as an entry of the repeated field `documents`: no
 * document is encoded again.
 */
import { fromBinary } from '@bufbuild/protobuf';
import type { RunDocumentInit } from './convert.js';
import { ENCODED, type Encoded, withEncoding, wrapEncodedAll, wrapHeaderLength } from './encoded.js';
import { RunDocumentSchema } from './gen/daq/v1/documents_pb.js';

/** Most documents in one batch. */
export const BATCH_DOCUMENTS = 256;

/**
 * Most bytes of documents in one batch (a single larger document is a batch of its own): well
 * below the 4 MiB every gRPC client accepts by default.
 */
export const BATCH_BYTES = 1 << 20;

/** StreamRunDocumentsResponse field 3, `documents`. */
const DOCUMENTS_FIELD = 3;

/**
 * A StreamRunDocumentsResponse with documents in `documents`, its bytes known (gRPC sends them as
 * they are); its documents decoded only for a protocol that encodes the message itself (Connect).
 */
export class DocumentBatch implements Encoded {
  readonly dropped = 0;
  readonly [ENCODED]: Uint8Array;
  /** Where each document's bytes start and end in the response's bytes. */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private decoded: RunDocumentInit[] | undefined;

  /** `documents`: RunDocument bytes, in order (copied here; they may change after this call). */
  constructor(documents: readonly Uint8Array[]) {
    this[ENCODED] = wrapEncodedAll(DOCUMENTS_FIELD, documents);
    let at = 0;
    for (const document of documents) {
      at += wrapHeaderLength(document.length);
      this.starts.push(at);
      at += document.length;
      this.ends.push(at);
    }
  }

  /** Documents in the batch. */
  get length(): number {
    return this.starts.length;
  }

  /** The RunDocument messages (decoded when first asked for, each with its bytes registered, see encoded.ts). */
  get documents(): RunDocumentInit[] {
    if (this.decoded === undefined) {
      const out: RunDocumentInit[] = [];
      for (let i = 0; i < this.starts.length; i++) {
        const view = this[ENCODED].subarray(this.starts[i], this.ends[i]);
        out.push(withEncoding(fromBinary(RunDocumentSchema, view) as unknown as RunDocumentInit, view));
      }
      this.decoded = out;
    }
    return this.decoded;
  }
}

/**
 * Gathers documents into batches of at most {@link BATCH_DOCUMENTS} documents and
 * {@link BATCH_BYTES} bytes (or one larger document).
 */
export class BatchBuilder {
  private parts: Uint8Array[] = [];
  private bytes = 0;

  /** Adds a document; returns the batch it completed, if any (then `bytes` starts the next one). */
  add(bytes: Uint8Array): DocumentBatch | undefined {
    let full: DocumentBatch | undefined;
    if (this.parts.length > 0 && this.bytes + bytes.length > BATCH_BYTES) full = this.take();
    this.parts.push(bytes);
    this.bytes += bytes.length;
    if (full === undefined && this.parts.length >= BATCH_DOCUMENTS) full = this.take();
    return full;
  }

  /** The documents gathered so far as a batch (`undefined` if none), and starts again. */
  take(): DocumentBatch | undefined {
    if (this.parts.length === 0) return undefined;
    const batch = new DocumentBatch(this.parts);
    this.parts = [];
    this.bytes = 0;
    return batch;
  }
}
