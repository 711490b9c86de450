/**
 * What a stream or a field of `record(stream, {field: value})` may be called. Names become ring
 * columns, HDF5 links (`/entry/data/<stream>/<field>`), NeXus and Arrow names, CSV headers and
 * Bluesky data keys, so they are kept to what all of these take unchanged: a letter or `_`, then
 * letters, digits, `_` or `-`, at most {@link MAX_NAME_LENGTH} characters. Nothing is mapped, so
 * two names can never collide in a file (`a/b` and `a_b` did), and a name HDF5 cannot hold (`.`)
 * never reaches the writer. The ring's own columns (`run_uid`, `seq_num`, `time`) are taken.
 */
import { DaqError } from '../../core/index.js';

/** Longest stream or field name, characters. */
export const MAX_NAME_LENGTH = 64;
/** Most fields one event may have (10 events of 10,000 fields made a 335 MB file). */
export const MAX_FIELDS = 256;
/** Column names every stream already has. */
export const TAKEN_FIELDS: readonly string[] = ['run_uid', 'seq_num', 'time'];

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function problemOf(name: unknown): string | undefined {
  if (typeof name !== 'string') return `must be a string, got ${typeof name}`;
  if (name.length > MAX_NAME_LENGTH) return `is ${name.length} characters long; at most ${MAX_NAME_LENGTH}`;
  if (!NAME.test(name)) return 'must start with a letter or _ and hold only letters, digits, _ and - (no spaces, dots or slashes)';
  if (name === '__proto__') return 'is the one name JavaScript objects cannot hold as a key';
  return undefined;
}

/** A name for messages: quoted, cut when long. */
function shown(name: unknown): string {
  const text = JSON.stringify(name) ?? String(name);
  return text.length > 50 ? `${text.slice(0, 40)}..."` : text;
}

/** Throws `invalid_argument` unless `stream` is a valid stream name. */
export function checkStreamName(stream: unknown): asserts stream is string {
  const problem = problemOf(stream);
  if (problem !== undefined) throw new DaqError('invalid_argument', `record: the stream name ${shown(stream)} ${problem}`);
}

/** Throws `invalid_argument` unless every field name of an event of `stream` is valid and there are not too many. */
export function checkFieldNames(stream: string, fields: readonly string[]): void {
  if (fields.length > MAX_FIELDS) {
    throw new DaqError('invalid_argument', `record("${stream}"): ${fields.length} fields; at most ${MAX_FIELDS} per event (record an array, or several streams)`);
  }
  for (const field of fields) {
    const problem = problemOf(field);
    if (problem !== undefined) throw new DaqError('invalid_argument', `record("${stream}"): the field name ${shown(field)} ${problem}`);
    if (TAKEN_FIELDS.includes(field)) {
      throw new DaqError('invalid_argument', `record("${stream}"): the field name "${field}" is taken (every stream has ${TAKEN_FIELDS.join(', ')}); rename it`);
    }
  }
}
