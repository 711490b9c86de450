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

function write(value: unknown, path: (string | number)[], isFloat: FloatPath): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'null';
    const text = JSON.stringify(value);
    return Number.isInteger(value) && isFloat(path) && !text.includes('e') ? `${text}.0` : text;
  }
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
