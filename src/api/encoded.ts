/**
 * Messages whose protobuf bytes are already known: a run document is encoded once, when the
 * daemon logs it, and every gRPC follower sends those bytes (protobuf-es' generic encoder costs
 * ~15-30 µs and ~25 KB of garbage per run document; once per follower per document was most of
 * the daemon's work and garbage during a fast run). Registered by object identity; a message not
 * registered is encoded as usual.
 */
const known = new WeakMap<object, Uint8Array>();

/** Says that `message` encodes to `bytes` (which must not change). Returns `message`. */
export function withEncoding<T extends object>(message: T, bytes: Uint8Array): T {
  known.set(message, bytes);
  return message;
}

/** The bytes registered for `message`, if any. */
export function encodingOf(message: unknown): Uint8Array | undefined {
  return typeof message === 'object' && message !== null ? known.get(message) : undefined;
}

/** The bytes of a message whose field `field` (length-delimited) holds a message encoded as `bytes`, and nothing else. */
export function wrapEncoded(field: number, bytes: Uint8Array): Uint8Array {
  const header: number[] = [(field << 3) | 2];
  for (let n = bytes.length; ; n >>>= 7) {
    if (n < 0x80) {
      header.push(n);
      break;
    }
    header.push((n & 0x7f) | 0x80);
  }
  const out = new Uint8Array(header.length + bytes.length);
  out.set(header, 0);
  out.set(bytes, header.length);
  return out;
}
