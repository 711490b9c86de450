/**
 * What one `record(stream, {field: value})` call becomes: per field a value, a data key (dtype,
 * shape, units, source) and a timestamp. Plain numbers, strings, booleans and arrays are the
 * script's own (`source: script`, no units); readings and frames carry the device they came
 * from. A frame brings a companion field `<field>_exposure` (s): the exposure it was taken with.
 */
import { type Frame, isFrame, isReading, type Reading } from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';
import type { DataKey, EventValue } from './documents.js';
import { checkFieldNames } from './names.js';

/** A reading as scripts and plans hand it over: with the device it came from. */
export interface SourcedReading extends Reading {
  source?: string;
}

/** A frame with the device that took it. */
export type SourcedFrame = Frame & { source?: string };

/** What `record` accepts as a field value. */
export type RecordValue = EventValue | SourcedReading | SourcedFrame;

/** The source of values the script computed itself. */
export const SCRIPT_SOURCE = 'script';

/** Suffix of the companion field that holds each frame's exposure, in seconds. */
export const EXPOSURE_SUFFIX = '_exposure';

/** One field of an event, interpreted. */
export interface Interpreted {
  data: Record<string, EventValue>;
  keys: Record<string, DataKey>;
  timestamps: Record<string, number>;
}

/** Interprets every field of a record; `nowS` stamps values that bring no time of their own. */
export function interpretRecord(stream: string, values: Record<string, RecordValue>, nowS: number): Interpreted {
  const out: Interpreted = { data: {}, keys: {}, timestamps: {} };
  const names = Object.keys(values ?? {});
  if (names.length === 0) throw new DaqError('invalid_argument', `record("${stream}"): no fields; give an object such as {x: 1}`);
  checkFieldNames(stream, names);
  for (const field of names) {
    const raw = values[field] as RecordValue;
    const { value, key, timeS } = interpret(stream, field, raw);
    put(out, stream, field, value, key, timeS ?? nowS);
    if (isFrame(raw)) {
      put(out, stream, `${field}${EXPOSURE_SUFFIX}`, raw.exposureS, { dtype: 'float64', shape: [], units: 's', source: key.source }, raw.timestampS);
    }
  }
  return out;
}

function put(out: Interpreted, stream: string, field: string, value: EventValue, key: DataKey, timeS: number): void {
  if (Object.hasOwn(out.keys, field)) {
    throw new DaqError(
      'invalid_argument',
      `record("${stream}"): field "${field}" is given twice (a frame field "x" brings "x${EXPOSURE_SUFFIX}", its exposure); rename one`,
    );
  }
  out.data[field] = value;
  out.keys[field] = key;
  out.timestamps[field] = timeS;
}

/** Longest string value of a field, bytes of UTF-8 (the width of the files' string datasets). */
export const MAX_STRING_BYTES = 65_536;
/** Most numbers in an array field of one event (8 MB of float64). */
export const MAX_ARRAY_LENGTH = 1_000_000;

/** The field named in messages. */
function where(stream: string, field: string): string {
  return `record("${stream}"): field "${field}"`;
}

function interpret(stream: string, field: string, raw: RecordValue): { value: EventValue; key: DataKey; timeS?: number } {
  if (isFrame(raw)) {
    const source = (raw as SourcedFrame).source ?? SCRIPT_SOURCE;
    return { value: raw, key: { dtype: raw.dtype, shape: [raw.height, raw.width], units: 'counts', source }, timeS: raw.timestampS };
  }
  if (isReading(raw)) {
    const source = (raw as SourcedReading).source ?? SCRIPT_SOURCE;
    // A reading of a number (a plan's every point): its key at once, without interpreting it twice.
    if (typeof raw.value === 'number') return { value: raw.value, key: { dtype: 'float64', shape: [], units: raw.units, source }, timeS: raw.timestampS };
    const inner = interpret(stream, field, raw.value as EventValue);
    return { value: inner.value, key: { ...inner.key, units: raw.units, source }, timeS: raw.timestampS };
  }
  if (typeof raw === 'number') return { value: raw, key: { dtype: 'float64', shape: [], units: '', source: SCRIPT_SOURCE } };
  if (typeof raw === 'string') {
    // Files hold strings up to 64 KiB; a longer one would be cut there, so it is refused here.
    if (Buffer.byteLength(raw) > MAX_STRING_BYTES) throw new DaqError('invalid_argument', `${where(stream, field)}: a string of ${Buffer.byteLength(raw)} bytes; at most ${MAX_STRING_BYTES} (a text this long belongs in a file of its own)`);
    return { value: raw, key: { dtype: 'string', shape: [], units: '', source: SCRIPT_SOURCE } };
  }
  if (typeof raw === 'boolean') return { value: raw, key: { dtype: 'bool', shape: [], units: '', source: SCRIPT_SOURCE } };
  if (Array.isArray(raw) && raw.length > MAX_ARRAY_LENGTH) {
    throw new DaqError('invalid_argument', `${where(stream, field)}: an array of ${raw.length} numbers; at most ${MAX_ARRAY_LENGTH} per field and event`);
  }
  if (Array.isArray(raw) && raw.every((x) => typeof x === 'number')) {
    return { value: raw as number[], key: { dtype: 'float64', shape: [raw.length], units: '', source: SCRIPT_SOURCE } };
  }
  throw new DaqError('invalid_argument', `${where(stream, field)}: cannot record ${describe(raw)}; record numbers, strings, booleans, arrays of numbers, readings or frames`);
}

/** The devices the values of a record came from (not `script`), each once. */
export function sourcesOf(values: Record<string, RecordValue>): string[] {
  const sources: string[] = [];
  if (values === null || values === undefined) return sources;
  for (const field in values) {
    if (!Object.hasOwn(values, field)) continue;
    const value = values[field];
    const source = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { source?: unknown }).source : undefined;
    if (typeof source === 'string' && source !== SCRIPT_SOURCE && !sources.includes(source)) sources.push(source);
  }
  return sources;
}

/** Refuses a record whose fields differ from the stream's first, naming what changed. */
export function checkSameFields(stream: string, first: Record<string, DataKey>, now: Record<string, DataKey>): void {
  const before = Object.keys(first);
  if (!sameKeys(before, first, now)) {
    const after = Object.keys(now);
    const missing = before.filter((k) => !(k in now));
    const added = after.filter((k) => !(k in first));
    const parts = [missing.length > 0 ? `missing ${missing.join(', ')}` : '', added.length > 0 ? `new ${added.join(', ')}` : ''].filter(Boolean);
    throw new DaqError('invalid_argument', `record("${stream}"): fields differ from the stream's first event (${parts.join('; ')}); record other fields in another stream`);
  }
  for (const field of before) {
    const a = first[field] as DataKey;
    const b = now[field] as DataKey;
    if (a.dtype !== b.dtype || !sameShape(a.shape, b.shape)) {
      throw new DaqError('invalid_argument', `record("${stream}"): field "${field}" was ${a.dtype}[${a.shape.join('x')}] in the first event, now ${b.dtype}[${b.shape.join('x')}]`);
    }
  }
}

/** True when `now` has exactly the keys `before` of `first` (the usual event: no arrays made). */
function sameKeys(before: readonly string[], first: Record<string, DataKey>, now: Record<string, DataKey>): boolean {
  for (const k in now) if (!(k in first)) return false;
  for (const k of before) if (!(k in now)) return false;
  return true;
}

/** True when two shapes are the same (what comparing their `join('x')` told). */
function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return a.join('x') === b.join('x');
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a.join('x') === b.join('x');
  return true;
}

/**
 * Bluesky's `object_keys` and descriptor `hints` of a stream: each source's fields, and of those
 * the ones worth a live plot (scalar numbers that are not a setpoint or a frame's exposure).
 */
export function objectKeysAndHints(keys: Record<string, DataKey>): { objectKeys: Record<string, string[]>; hints: Record<string, { fields: string[] }> } {
  const objectKeys: Record<string, string[]> = {};
  const hints: Record<string, { fields: string[] }> = {};
  for (const [field, key] of Object.entries(keys)) {
    (objectKeys[key.source] ??= []).push(field);
    const hinted = hints[key.source] ?? (hints[key.source] = { fields: [] });
    const companion = field === `${key.source}_setpoint` || (field.endsWith(EXPOSURE_SUFFIX) && keys[field.slice(0, -EXPOSURE_SUFFIX.length)]?.shape.length === 2);
    if (key.shape.length === 0 && key.dtype !== 'string' && key.dtype !== 'bool' && !companion) hinted.fields.push(field);
  }
  return { objectKeys, hints };
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array with non-numbers';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
