/**
 * Messages whose protobuf bytes are already known: a run document is encoded once, when the
 * daemon logs it, and every gRPC follower sends those bytes (protobuf-es' generic encoder costs
 * ~15-30 µs and ~25 KB of garbage per run document; once per follower per document was most of
 * the daemon's work and garbage during a fast run). Registered by object identity; a message not
 * registered is encoded as usual.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { isFrame } from '../capabilities/index.js';
import { numberJson, type RunEvent } from '../engine/index.js';
import type { RunDocumentInit } from './convert.js';
import { RunDocumentSchema } from './gen/daq/v1/documents_pb.js';

/**
 * The property that carries a message's known bytes: a symbol (no protobuf field, so every
 * encoder ignores it), not enumerable (so comparisons of messages ignore it too). A property
 * rather than a WeakMap entry: 100 followers of a fast run made a million entries, and a
 * WeakMap's entries are what V8's garbage collector handles at the highest cost (ephemerons).
 */
export const ENCODED: unique symbol = Symbol('daq.encoded');

/** A message that carries its bytes (see {@link ENCODED}). */
export interface Encoded {
  readonly [ENCODED]: Uint8Array;
}

/** Says that `message` encodes to `bytes` (which must not change). Returns `message`. */
export function withEncoding<T extends object>(message: T, bytes: Uint8Array): T {
  Object.defineProperty(message, ENCODED, { value: bytes, enumerable: false, writable: false, configurable: true });
  return message;
}

/** The bytes registered for `message`, if any. */
export function encodingOf(message: unknown): Uint8Array | undefined {
  return typeof message === 'object' && message !== null ? (message as Partial<Encoded>)[ENCODED] : undefined;
}

/**
 * The bytes of a message whose field `field` (length-delimited, numbered 1 to 15) holds a
 * message encoded as `bytes`, and nothing else.
 */
export function wrapEncoded(field: number, bytes: Uint8Array): Uint8Array {
  checkField(field);
  const out = new Uint8Array(wrapHeaderLength(bytes.length) + bytes.length);
  out.set(bytes, writeHeader(out, 0, field, bytes.length));
  return out;
}

/**
 * The bytes of a message whose repeated field `field` (length-delimited, numbered 1 to 15) holds
 * the messages encoded as `parts`, in this order, and nothing else: each part copied once, after
 * its tag and length (the bytes protobuf-es writes for such a message).
 */
export function wrapEncodedAll(field: number, parts: readonly Uint8Array[]): Uint8Array {
  checkField(field);
  let size = 0;
  for (const part of parts) size += wrapHeaderLength(part.length) + part.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    at = writeHeader(out, at, field, part.length);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function checkField(field: number): void {
  if (!Number.isInteger(field) || field < 1 || field > 15) throw new RangeError(`wrapEncoded: field ${field} is not one of 1-15`);
}

/** Writes the tag of `field` (length-delimited) and `length` at `at`; returns where the field's bytes go. */
function writeHeader(out: Uint8Array, at: number, field: number, length: number): number {
  out[at++] = (field << 3) | 2;
  for (let n = length; ; n >>>= 7) {
    if (n < 0x80) {
      out[at++] = n;
      return at;
    }
    out[at++] = (n & 0x7f) | 0x80;
  }
}

/** The length of the header (tag and length) {@link wrapEncoded} puts before `length` bytes (in a field numbered below 16: a tag of one byte). */
export function wrapHeaderLength(length: number): number {
  let size = 1;
  for (let n = length; ; n >>>= 7) {
    size++;
    if (n < 0x80) return size;
  }
}

/**
 * The RunDocument protobuf bytes of `document`: by hand for an event (the document of every
 * point), the same bytes protobuf-es writes (encoded.test.ts compares them), at a fraction of
 * its cost; anything else, or a value an event should not have, through protobuf-es.
 */
export function encodeRunDocument(document: RunDocumentInit): Uint8Array {
  const event = document.document?.case === 'event' ? document.document.value : undefined;
  if (event !== undefined) {
    writer.pos = 0;
    if (writeEvent(writer, document, event)) return writer.bytes.slice(0, writer.pos);
  }
  return toBinary(RunDocumentSchema, create(RunDocumentSchema, document));
}

/**
 * The RunDocument bytes of an engine event with its Bluesky (name, JSON): the bytes of
 * `encodeRunDocument(toRunDocument(runUid, index, event, { name, json }))` (encoded.test.ts
 * compares them), written straight from the engine's event, without the message objects in
 * between. `undefined` for what this leaves to that path (frames, numbers beyond uint32).
 */
export function encodeEngineEvent(runUid: string, index: number, event: RunEvent, name: string, json: string): Uint8Array | undefined {
  const w = writer;
  if (!isUint32(index) || !isUint32(event.seqNum)) return undefined;
  w.pos = 0;
  const body = eventHeader(w, runUid, index, event.uid, event.descriptor, event.stream, event.seqNum, event.timeS);
  const data = event.data;
  for (const key in data) {
    if (!Object.hasOwn(data, key)) continue;
    w.tag(6, 2);
    const entry = w.fork();
    w.tag(1, 2);
    w.string(key);
    w.tag(2, 2);
    const message = w.fork();
    if (!writeEngineValue(w, data[key])) return undefined;
    w.join(message);
    w.join(entry);
  }
  const timestamps = event.timestamps;
  for (const key in timestamps) {
    if (!Object.hasOwn(timestamps, key)) continue;
    const value = timestamps[key];
    if (typeof value !== 'number') return undefined;
    timestampEntry(w, key, value);
  }
  w.join(body);
  w.stringField(7, name);
  w.stringField(8, json);
  return w.bytes.slice(0, w.pos);
}

/**
 * The RunDocument bytes of an engine event whose values and timestamps are all numbers, with its
 * Bluesky event JSON (`floatFields`: its descriptor's float fields) written in the same pass:
 * the bytes of `encodeEngineEvent(runUid, index, event, 'event', json)` with the `json` the event
 * model serializer gives the event (encoded.test.ts compares them), without the Bluesky
 * document's objects, the JSON string, or a second walk over the values. This is the document
 * of every point of a scan, and the daemon logs each one. `undefined` for any other event (a
 * value that is not a number, numbers beyond uint32): use that path. `temporary`: the bytes are
 * a view of the encoder's buffer, valid until the next encoding (for a caller that copies them
 * at once; the document log copies them into its spill batch).
 */
export function encodeNumericEvent(runUid: string, index: number, event: RunEvent, floatFields: ReadonlySet<string>, temporary = false): Uint8Array | undefined {
  const { data, timestamps, timeS, uid, descriptor } = event;
  if (!isUint32(index) || !isUint32(event.seqNum) || typeof timeS !== 'number' || typeof uid !== 'string' || typeof descriptor !== 'string') return undefined;
  for (const key in data) if (Object.hasOwn(data, key) && typeof data[key] !== 'number') return undefined;
  for (const key in timestamps) if (Object.hasOwn(timestamps, key) && typeof timestamps[key] !== 'number') return undefined;
  const w = writer;
  w.pos = 0;
  const body = eventHeader(w, runUid, index, uid, descriptor, event.stream, event.seqNum, timeS);
  // Each map entry's bytes up to its number are the same for every event of a field: kept.
  for (const key in data) {
    if (!Object.hasOwn(data, key)) continue;
    w.raw(keyBytes(key).dataEntry);
    w.double(data[key] as number);
  }
  for (const key in timestamps) {
    if (!Object.hasOwn(timestamps, key)) continue;
    w.raw(keyBytes(key).timestampEntry);
    w.double(timestamps[key] as number);
  }
  w.join(body);
  w.raw(EVENT_NAME);
  // Field 8, Bluesky's event: {uid, time, seq_num, descriptor, data, timestamps, filled}, as eventJson writes it.
  w.tag(8, 2);
  const json = w.fork();
  w.raw(JSON_PARTS.uid);
  w.jsonString(uid);
  w.raw(JSON_PARTS.time);
  const time = numberJson(timeS, true);
  w.text(time);
  w.raw(JSON_PARTS.seqNum);
  w.text(numberJson(event.seqNum, false));
  w.raw(JSON_PARTS.descriptor);
  w.jsonString(descriptor);
  w.raw(JSON_PARTS.data);
  let first = true;
  for (const key in data) {
    if (!Object.hasOwn(data, key)) continue;
    w.jsonKey(keyBytes(key).jsonKey, first);
    w.text(numberJson(data[key] as number, floatFields.has(key)));
    first = false;
  }
  w.raw(JSON_PARTS.timestamps);
  first = true;
  for (const key in data) {
    if (!Object.hasOwn(data, key)) continue;
    w.jsonKey(keyBytes(key).jsonKey, first);
    const t = timestamps[key];
    // Most timestamps are the event's time: its text is made once.
    w.text(t === undefined || Object.is(t, timeS) ? time : numberJson(t, true));
    first = false;
  }
  w.raw(JSON_PARTS.end);
  w.join(json);
  return temporary ? w.bytes.subarray(0, w.pos) : w.bytes.slice(0, w.pos);
}

/** The constant parts of an event's JSON, in UTF-8. */
const JSON_PARTS = Object.fromEntries(
  Object.entries({ uid: '{"uid":', time: ',"time":', seqNum: ',"seq_num":', descriptor: ',"descriptor":', data: ',"data":{', timestamps: '},"timestamps":{', end: '},"filled":{}}' }).map(([k, v]) => [k, new TextEncoder().encode(v)]),
) as Record<'uid' | 'time' | 'seqNum' | 'descriptor' | 'data' | 'timestamps' | 'end', Uint8Array>;

/** RunDocument field 7, `event`. */
const EVENT_NAME = new Uint8Array([(7 << 3) | 2, 5, ...new TextEncoder().encode('event')]);

/** What {@link encodeNumericEvent} writes for a field: the same for every event. */
interface KeyBytes {
  /** An Event's `data` entry (field 6) up to its number: tag, length, the key, the Value message's tag, length and number tag. */
  dataEntry: Uint8Array;
  /** A `timestamps` entry (field 7) up to its number. */
  timestampEntry: Uint8Array;
  /** `,"key":` of the JSON. */
  jsonKey: Uint8Array;
}

const keyCache = new Map<string, KeyBytes>();

function keyBytes(key: string): KeyBytes {
  let bytes = keyCache.get(key);
  if (bytes === undefined) {
    if (keyCache.size >= 4096) keyCache.clear();
    const k = new TextEncoder().encode(key);
    const varint = (n: number): number[] => {
      const out: number[] = [];
      for (; n >= 0x80; n >>>= 7) out.push((n & 0x7f) | 0x80);
      out.push(n);
      return out;
    };
    const keyField = [(1 << 3) | 2, ...varint(k.length), ...k];
    // data entry: key, then field 2 = Value { number (field 1, fixed64) }: 9 bytes.
    const dataBody = [...keyField, (2 << 3) | 2, 9, (1 << 3) | 1];
    // timestamp entry: key, then field 2 (double).
    const timestampBody = [...keyField, (2 << 3) | 1];
    bytes = {
      dataEntry: new Uint8Array([(6 << 3) | 2, ...varint(dataBody.length + 8), ...dataBody]),
      timestampEntry: new Uint8Array([(7 << 3) | 2, ...varint(timestampBody.length + 8), ...timestampBody]),
      jsonKey: new TextEncoder().encode(`,${JSON.stringify(key)}:`),
    };
    keyCache.set(key, bytes);
  }
  return bytes;
}

/** A recorded value as the Value message `toValue` (convert.ts) makes of it; false for a frame (left to protobuf-es). */
/**
 * A RunDocument's run uid and index, then its event (field 5) opened with uid, descriptor,
 * stream, seq_num and time; returns the event's fork for `join` once its data is written.
 */
function eventHeader(w: Writer, runUid: string | undefined, index: number, uid: string | undefined, descriptor: string | undefined, stream: string | undefined, seqNum: number, timeS: number | undefined): number {
  w.stringField(1, runUid);
  w.uint32Field(2, index);
  w.tag(5, 2);
  const body = w.fork();
  w.stringField(1, uid);
  w.stringField(2, descriptor);
  w.stringField(3, stream);
  w.uint32Field(4, seqNum);
  w.doubleField(5, timeS);
  return body;
}

/** One entry of an event's `timestamps` map (field 7): key and time, s. */
function timestampEntry(w: Writer, key: string, value: number): void {
  w.tag(7, 2);
  const entry = w.fork();
  w.tag(1, 2);
  w.string(key);
  w.tag(2, 1);
  w.double(value);
  w.join(entry);
}

function writeEngineValue(w: Writer, value: unknown): boolean {
  switch (typeof value) {
    case 'number':
      w.tag(1, 1);
      w.double(value);
      return true;
    case 'string':
      w.tag(2, 2);
      w.string(value);
      return true;
    case 'boolean':
      w.tag(3, 0);
      w.varint(value ? 1 : 0);
      return true;
    default:
      break;
  }
  if (Array.isArray(value)) {
    w.tag(4, 2);
    const array = w.fork();
    if (value.length > 0) {
      w.tag(1, 2);
      const packed = w.fork();
      for (const v of value) w.double(Number(v));
      w.join(packed);
    }
    w.join(array);
    return true;
  }
  if (isFrame(value)) return false;
  const text = JSON.stringify(value) ?? '';
  w.tag(2, 2);
  w.string(text);
  return true;
}

type EventInit = Extract<NonNullable<RunDocumentInit['document']>, { case: 'event' }>['value'];

const UINT32_MAX = 2 ** 32 - 1;
const isUint32 = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= UINT32_MAX;

/** A growable buffer with protobuf's wire encodings (proto3: a field at its default is left out, as protobuf-es does). */
class Writer {
  bytes = new Uint8Array(4096);
  private view = new DataView(this.bytes.buffer);
  /** The same bytes as a Buffer, for its native UTF-8 writer. */
  private buffer = Buffer.from(this.bytes.buffer);
  pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    const bigger = new Uint8Array(Math.max(2 * this.bytes.length, this.pos + n));
    bigger.set(this.bytes.subarray(0, this.pos));
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
    this.buffer = Buffer.from(bigger.buffer);
  }

  varint(n: number): void {
    this.room(5);
    let v = n >>> 0;
    while (v >= 0x80) {
      this.bytes[this.pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.bytes[this.pos++] = v;
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  double(v: number): void {
    this.room(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** A string's UTF-8 bytes, length first. */
  string(s: string): void {
    const n = s.length;
    if (n < 128) {
      // A short ASCII string (keys, uids): its length fits one byte, known before its bytes.
      this.room(n + 1);
      const at = this.pos + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        this.bytes[at + i] = c;
      }
      if (i === n) {
        this.bytes[at - 1] = n;
        this.pos = at + n;
        return;
      }
    }
    const start = this.fork();
    this.room(3 * s.length);
    if (s.length > 64) {
      // Long strings (a document's JSON): Node's native UTF-8 writer, ~4x faster than the loop
      // below (utf8Write is what buffer.write(s, offset, 'utf8') calls, without its argument checks).
      this.pos += (this.buffer as unknown as { utf8Write(text: string, offset: number): number }).utf8Write(s, this.pos);
      this.join(start);
      return;
    }
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      this.bytes[this.pos + i] = c;
    }
    if (ascii) this.pos += s.length;
    else this.pos += utf8.encodeInto(s, this.bytes.subarray(this.pos)).written;
    this.join(start);
  }

  /** A string's UTF-8 bytes, no length (JSON text inside a string field). */
  text(s: string): void {
    this.room(3 * s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.pos += utf8.encodeInto(s.slice(i), this.bytes.subarray(this.pos + i)).written + i;
        return;
      }
      this.bytes[this.pos + i] = c;
    }
    this.pos += s.length;
  }

  /** `s` as a JSON string (what JSON.stringify writes), in UTF-8. */
  jsonString(s: string): void {
    const n = s.length;
    this.room(n + 2);
    const at = this.pos;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      // What JSON escapes (quote, backslash, control characters) or is not ASCII: JSON.stringify.
      if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x7f) break;
      this.bytes[at + 1 + i] = c;
    }
    if (i < n) {
      this.text(JSON.stringify(s));
      return;
    }
    this.bytes[at] = 0x22;
    this.bytes[at + 1 + n] = 0x22;
    this.pos = at + n + 2;
  }

  /** Bytes as they are. */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.room(n);
    const at = this.pos;
    if (n > 32) this.bytes.set(bytes, at);
    else for (let i = 0; i < n; i++) this.bytes[at + i] = bytes[i] as number;
    this.pos = at + n;
  }

  /** A JSON object member's `,"key":` (from {@link keyBytes}), without its comma when `first`. */
  jsonKey(bytes: Uint8Array, first: boolean): void {
    const from = first ? 1 : 0;
    const n = bytes.length - from;
    this.room(n);
    const at = this.pos - from;
    for (let i = from; i < bytes.length; i++) this.bytes[at + i] = bytes[i] as number;
    this.pos = at + bytes.length;
  }

  /** Field `field` unless `s` is empty or absent. */
  stringField(field: number, s: string | undefined): void {
    if (s === undefined || s === '') return;
    this.tag(field, 2);
    this.string(s);
  }

  /** Field `field` unless `n` is 0 (a checked uint32). */
  uint32Field(field: number, n: number): void {
    if (n === 0) return;
    this.tag(field, 0);
    this.varint(n);
  }

  /** Field `field` unless `v` is +0 or absent (-0 is written, as protobuf-es does). */
  doubleField(field: number, v: number | undefined): void {
    if (v === undefined || Object.is(v, 0)) return;
    this.tag(field, 1);
    this.double(v);
  }

  /** Starts a length-delimited part (its tag written before); {@link Writer.join} puts its length in front. */
  fork(): number {
    this.room(5);
    const start = this.pos;
    this.pos += 5;
    return start;
  }

  join(start: number): void {
    const length = this.pos - start - 5;
    let size = 1;
    for (let v = length; v >= 0x80; v >>>= 7) size++;
    const end = this.pos;
    this.pos = start;
    this.varint(length);
    this.bytes.copyWithin(start + size, start + 5, end);
    this.pos = end - (5 - size);
  }
}

const writer = new Writer();
const utf8 = new TextEncoder();

/** Writes `document` (an event); false when it holds something this encoder leaves to protobuf-es. */
function writeEvent(w: Writer, document: RunDocumentInit, event: EventInit): boolean {
  const index = document.index ?? 0;
  const seqNum = event.seqNum ?? 0;
  if (!isUint32(index) || !isUint32(seqNum)) return false;
  const body = eventHeader(w, document.runUid, index, event.uid, event.descriptor, event.stream, seqNum, event.timeS);
  for (const [key, value] of Object.entries(event.data ?? {})) {
    w.tag(6, 2);
    const entry = w.fork();
    w.tag(1, 2);
    w.string(key);
    w.tag(2, 2);
    const message = w.fork();
    if (!writeValue(w, value)) return false;
    w.join(message);
    w.join(entry);
  }
  for (const [key, value] of Object.entries(event.timestamps ?? {})) {
    if (typeof value !== 'number') return false;
    timestampEntry(w, key, value);
  }
  w.join(body);
  w.stringField(7, document.name);
  w.stringField(8, document.json);
  return true;
}

/** A Value message's fields (a oneof: the member set is written even at its default). */
function writeValue(w: Writer, value: NonNullable<EventInit['data']>[string]): boolean {
  const kind = value.kind;
  switch (kind?.case) {
    case undefined:
      return true;
    case 'number':
      w.tag(1, 1);
      w.double(kind.value);
      return true;
    case 'text':
      w.tag(2, 2);
      w.string(kind.value);
      return true;
    case 'flag':
      w.tag(3, 0);
      w.varint(kind.value ? 1 : 0);
      return true;
    case 'numbers': {
      w.tag(4, 2);
      const array = w.fork();
      const values = kind.value.values ?? [];
      if (values.length > 0) {
        w.tag(1, 2);
        const packed = w.fork();
        for (const v of values) w.double(v);
        w.join(packed);
      }
      w.join(array);
      return true;
    }
    default:
      return false; // frames and anything new: protobuf-es
  }
}
