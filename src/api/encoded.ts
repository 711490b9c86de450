/**
 * A run document is encoded to protobuf once: the bytes its spill file got (document-spill.ts)
 * are kept on the document, and every follower's gRPC stream sends those bytes instead of
 * encoding the document again (it was encoded once per follower, and once more for the file:
 * with 100 followers, most of the daemon's time per event).
 */
import type { DescMessage } from '@bufbuild/protobuf';

const ENCODED = Symbol('protobuf bytes of this RunDocument');

/** `document`, carrying `bytes` (its RunDocument encoding) from now on. */
export function withEncoded<T extends object>(document: T, bytes: Uint8Array): T {
  Object.defineProperty(document, ENCODED, { value: bytes });
  return document;
}

/** The RunDocument bytes `document` carries, if any. */
export function encodedOf(document: unknown): Uint8Array | undefined {
  return typeof document === 'object' && document !== null ? (document as { [ENCODED]?: Uint8Array })[ENCODED] : undefined;
}

/** The message whose field 1 is the run document (`StreamRunDocumentsResponse`). */
const DOCUMENT_STREAM = 'daq.v1.StreamRunDocumentsResponse';

/**
 * A `StreamRunDocumentsResponse` built from its document's bytes (field 1, length-delimited;
 * `dropped` 0 is not written, as proto3 leaves defaults out), or undefined when it cannot be.
 */
export function encodedResponse(schema: DescMessage, message: unknown): Buffer | undefined {
  if (schema.typeName !== DOCUMENT_STREAM) return undefined;
  const { document, dropped } = message as { document?: unknown; dropped?: number };
  const bytes = encodedOf(document);
  if (bytes === undefined || (dropped ?? 0) !== 0) return undefined;
  const header: number[] = [0x0a];
  for (let n = bytes.length; ; n >>>= 7) {
    if (n < 0x80) {
      header.push(n);
      break;
    }
    header.push((n & 0x7f) | 0x80);
  }
  const out = Buffer.allocUnsafe(header.length + bytes.length);
  out.set(header, 0);
  out.set(bytes, header.length);
  return out;
}
