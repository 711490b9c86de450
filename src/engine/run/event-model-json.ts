/**
 * Bluesky documents as JSON text that keeps floats floats. JavaScript has one number type and
 * `JSON.stringify(1.0)` is `1`, which Python reads back as an int: a stream whose first
 * positions are 0, 1, 2 mm would become an integer column in a tiled table and refuse 2.5 later.
 * So the values the event model declares as `number` (times, timestamps, fields of dtype
 * `number` and their arrays) are written with a decimal point (`1.0`). NaN and infinities,
 * which JSON cannot carry, are written as `null`.
 */

/** Tells whether the number at `path` (keys from the document's top) is a float. */
export type FloatPath = (path: readonly (string | number)[]) => boolean;

/** `value` as JSON, integral floats (per `isFloat`) with a decimal point. */
export function floatJson(value: unknown, isFloat: FloatPath): string {
  return write(value, [], isFloat);
}

/** The last number written and its text: an event's timestamps and values often repeat one. */
let lastNumber = NaN;
let lastText = '';

/** A number as JSON: `null` when not finite, an integral float (`float`) with `.0`. */
export function numberJson(value: number, float: boolean): string {
  if (!Number.isFinite(value)) return 'null';
  if (!Object.is(value, lastNumber)) {
    lastNumber = value;
    lastText = String(value); // JSON.stringify's text for a finite number
  }
  const text = lastText;
  return float && Number.isInteger(value) && !text.includes('e') ? `${text}.0` : text;
}

function write(value: unknown, path: (string | number)[], isFloat: FloatPath): string {
  if (typeof value === 'number') return numberJson(value, Number.isInteger(value) && isFloat(path));
  if (Array.isArray(value)) return `[${value.map((v) => write(v, path, isFloat)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const parts: string[] = [];
    for (const [key, v] of Object.entries(value)) {
      if (v === undefined) continue;
      path.push(key);
      parts.push(`${JSON.stringify(key)}:${write(v, path, isFloat)}`);
      path.pop();
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * {@link floatJson} of a value whose numbers are all floats or all not (`float`): what `write`
 * makes when `isFloat` gives the same answer everywhere under it, without paths or closures.
 */
function uniformJson(value: unknown, float: boolean): string {
  if (typeof value === 'number') return numberJson(value, float);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += (i === 0 ? '' : ',') + uniformJson(value[i], float);
    return `${text}]`;
  }
  if (value !== null && typeof value === 'object') return objectJson(value as Record<string, unknown>, () => float);
  return JSON.stringify(value) ?? 'null';
}

/** An object as JSON, each member's numbers floats or not by `floatMember(key)` (see {@link uniformJson}). */
function objectJson(value: Record<string, unknown>, floatMember: (key: string) => boolean): string {
  let text = '{';
  let first = true;
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (v === undefined) continue;
    text += `${first ? '' : ','}${JSON.stringify(key)}:${uniformJson(v, floatMember(key))}`;
    first = false;
  }
  return `${text}}`;
}

/**
 * An event document as JSON: the same text as `floatJson(doc, eventFloats(floatFields))`
 * (event-model-json.test.ts compares them), at a fraction of its cost. The daemon writes one per
 * point of every run, so this is on its hot path.
 */
export function eventJson(doc: Record<string, unknown>, floatFields: ReadonlySet<string>): string {
  const floatField = (field: string): boolean => floatFields.has(field);
  let text = '{';
  let first = true;
  for (const key of Object.keys(doc)) {
    const v = doc[key];
    if (v === undefined) continue;
    let member: string;
    if (key !== 'data') member = uniformJson(v, key === 'time' || key === 'timestamps');
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) member = objectJson(v as Record<string, unknown>, floatField);
    else member = write(v, ['data'], eventFloats(floatFields));
    text += `${first ? '' : ','}${JSON.stringify(key)}:${member}`;
    first = false;
  }
  return `${text}}`;
}

/** Floats of a start or stop document: its time. */
export const startStopFloats: FloatPath = (path) => path.length === 1 && path[0] === 'time';

/** Floats of an event: time, timestamps, and the fields in `floatFields`. */
export function eventFloats(floatFields: ReadonlySet<string>): FloatPath {
  return (path) => path[0] === 'time' || path[0] === 'timestamps' || (path[0] === 'data' && floatFields.has(String(path[1])));
}

/**
 * Floats of a descriptor: its time, configuration timestamps, and the configuration values in
 * `floatConfig` (`device/key`).
 */
export function descriptorFloats(floatConfig: ReadonlySet<string>): FloatPath {
  return (path) => {
    if (path.length === 1) return path[0] === 'time';
    if (path[0] !== 'configuration') return false;
    return path[2] === 'timestamps' || (path[2] === 'data' && floatConfig.has(`${String(path[1])}/${String(path[3])}`));
  };
}
