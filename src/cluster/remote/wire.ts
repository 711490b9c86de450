/**
 * The wire format of remote device calls (NATS request/reply, see device-service.ts and
 * remote-endpoint.ts). A request's body is `{"args": [...]}` (JSON); a reply's body is
 * `{"value": ...}` (absent for a call that returns nothing), `{"frame": {...}}` for a camera
 * frame whose pixels came before it in chunks, or `{"error": {"code", "message"}}` (with the
 * services API's error headers too, for `nats micro` and other tools). Headers carry what is not
 * the call's data: who calls for which run, where the frame chunks go, the owner's sync version.
 */
import type { Frame, FrameDtype } from '../../capabilities/index.js';
import { DaqError, type ErrorCode } from '../../core/index.js';

/** Header: the calling daemon's name. */
export const CALLER_HEADER = 'Daq-Caller';
/** Header: the uid of the caller's run the call belongs to (absent outside a run). */
export const RUN_HEADER = 'Daq-Run';
/** Header of a request: the inbox the pixels of a returned frame are published to, in chunks. */
export const CHUNKS_HEADER = 'Daq-Chunks';
/** Header of a chunk: its index, from 0. */
export const CHUNK_INDEX_HEADER = 'Daq-Chunk';
/** Header of a reply: the version of the device's synchronous values (see describe.ts). */
export const SYNC_HEADER = 'Daq-Sync';

/** Header of a reply: the device's state on the owner after the call. */
export const STATE_HEADER = 'Daq-State';

/** A frame's metadata as it crosses the wire; the pixels come as `chunks` messages of bytes. */
export interface FrameMeta {
  dtype: FrameDtype;
  width: number;
  height: number;
  frameNumber: number;
  timestampS: number;
  exposureS: number;
  byteLength: number;
  chunks: number;
}

/** A reply's body, decoded. */
export type ReplyBody = { value?: unknown } | { frame: FrameMeta } | { error: { code: ErrorCode; message: string } };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The key of a number JSON cannot write: `{"$number": "Infinity"}` (also `-Infinity`, `NaN`).
 * Plain JSON would turn them into `null`, so a motor without soft limits (`-Infinity..Infinity`)
 * would arrive limited to `null`, and a reading of NaN would look like no reading.
 */
const NUMBER_KEY = '$number';

/** Also writes a typed array (a block of samples as `Float64Array`) as an array: JSON writes it as an object `{"0": ...}`. */
function replaceNonFinite(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>);
  return typeof value === 'number' && !Number.isFinite(value) ? { [NUMBER_KEY]: String(value) } : value;
}

function reviveNonFinite(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const text = (value as Record<string, unknown>)[NUMBER_KEY];
    if (keys.length === 1 && (text === 'Infinity' || text === '-Infinity' || text === 'NaN')) return Number(text);
  }
  return value;
}

/** JSON of `value` in which ±Infinity and NaN survive (see {@link parseWireJson}). */
export function wireJson(value: unknown): string {
  return JSON.stringify(value, replaceNonFinite);
}

/** Parses what {@link wireJson} wrote, ±Infinity and NaN included. */
export function parseWireJson(text: string): unknown {
  return JSON.parse(text, reviveNonFinite);
}

/** The body of a call with `args`. */
export function encodeRequest(args: readonly unknown[]): Uint8Array {
  return encoder.encode(wireJson({ args }));
}

/** The arguments of a call's body; `invalid_argument` when it is not `{"args": [...]}`. */
export function decodeRequest(data: Uint8Array): unknown[] {
  if (data.length === 0) return [];
  let body: unknown;
  try {
    body = parseWireJson(decoder.decode(data));
  } catch (error) {
    throw new DaqError('invalid_argument', `the request is not JSON: ${(error as Error).message}`);
  }
  const args = (body as { args?: unknown })?.args;
  if (!Array.isArray(args)) throw new DaqError('invalid_argument', 'the request has no "args" array');
  return args;
}

/** A reply carrying `value` (nothing for `undefined`). */
export function encodeValue(value: unknown): Uint8Array {
  return encoder.encode(wireJson(value === undefined ? {} : { value }));
}

/** A reply carrying an error's code and message. */
export function encodeError(error: DaqError): Uint8Array {
  return encoder.encode(JSON.stringify({ error: { code: error.code, message: error.message } }));
}

/** A reply carrying a frame's metadata. */
export function encodeFrameMeta(meta: FrameMeta): Uint8Array {
  return encoder.encode(JSON.stringify({ frame: meta }));
}

/** Decodes a reply's body; `internal` when it is not one. */
export function decodeReply(data: Uint8Array): ReplyBody {
  try {
    const body: unknown = data.length === 0 ? {} : parseWireJson(decoder.decode(data));
    if (typeof body === 'object' && body !== null) return body as ReplyBody;
  } catch {
    // below
  }
  throw new DaqError('internal', `a reply that is not a device call's answer: ${JSON.stringify(decoder.decode(data.subarray(0, 80)))}`);
}

/** A frame's pixel bytes, split into chunks of at most `chunkBytes`, and its metadata. */
export function splitFrame(frame: Frame, chunkBytes: number): { meta: FrameMeta; chunks: Uint8Array[] } {
  const bytes = new Uint8Array(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += chunkBytes) chunks.push(bytes.subarray(at, Math.min(bytes.length, at + chunkBytes)));
  const { dtype, width, height, frameNumber, timestampS, exposureS } = frame;
  return { meta: { dtype, width, height, frameNumber, timestampS, exposureS, byteLength: bytes.length, chunks: chunks.length }, chunks };
}

/** The frame of `meta` from its chunks (in index order); `internal` when the bytes do not add up. */
export function joinFrame(meta: FrameMeta, chunks: readonly Uint8Array[]): Frame {
  const total = chunks.reduce((sum, c) => sum + c.length, 0);
  if (chunks.length !== meta.chunks || total !== meta.byteLength) {
    throw new DaqError('internal', `frame ${meta.frameNumber}: got ${chunks.length} chunks of ${total} bytes, expected ${meta.chunks} of ${meta.byteLength}`);
  }
  const buffer = new ArrayBuffer(total);
  const bytes = new Uint8Array(buffer);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  const data = meta.dtype === 'uint8' ? bytes : meta.dtype === 'uint16' ? new Uint16Array(buffer) : new Float32Array(buffer);
  const { dtype, width, height, frameNumber, timestampS, exposureS } = meta;
  return { data, dtype, width, height, frameNumber, timestampS, exposureS };
}

/** The error of an error reply, as the caller's device reports it: the owner's code, the owner daemon named. */
export function remoteError(owner: string, error: { code: ErrorCode; message: string }): DaqError {
  return new DaqError(error.code, `daemon "${owner}": ${error.message}`);
}
