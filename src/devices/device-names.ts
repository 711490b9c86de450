/**
 * What a device may be called. A device becomes a global of every script under its config name,
 * and its name keys plain objects in the engine, the API and the dashboard, so a name must be a
 * script identifier that shadows nothing: not a script global of ts-daq, not a JavaScript
 * keyword or standard global (`Math`, `Object`, `undefined`), not a property every object
 * inherits (`constructor`, `toString`, `hasOwnProperty`, `__proto__`), and not `__`-prefixed
 * (the script prelude's own names).
 */

/** ts-daq's script globals and prelude names. */
const DAQ_GLOBALS = ['sleep', 'log', 'params', 'record', 'progress', 'now', 'lineScan', 'listScan', 'gridScan', 'productScan', 'innerScan', 'count', 'adaptiveScan', 'flyScan', 'suspendWhen', 'retakeIfSuspended', 'lab', 'devices'];

/** JavaScript's reserved words (ES2022, strict mode included). */
const KEYWORDS = (
  'await break case catch class const continue debugger default delete do else enum export extends false finally for function if ' +
  'implements import in instanceof interface let new null package private protected public return static super switch this throw ' +
  'true try typeof var void while with yield arguments eval'
).split(' ');

/** Standard globals of the script's JavaScript engine (QuickJS, ES2023). */
const JS_GLOBALS = (
  'globalThis console undefined NaN Infinity Object Function Array Number Boolean String Symbol BigInt Math JSON Date RegExp Error ' +
  'EvalError RangeError ReferenceError SyntaxError TypeError URIError AggregateError Promise Proxy Reflect Map Set WeakMap WeakSet ' +
  'WeakRef FinalizationRegistry ArrayBuffer SharedArrayBuffer DataView Atomics Int8Array Uint8Array Uint8ClampedArray Int16Array ' +
  'Uint16Array Int32Array Uint32Array Float32Array Float64Array BigInt64Array BigUint64Array parseInt parseFloat isNaN isFinite ' +
  'encodeURI decodeURI encodeURIComponent decodeURIComponent escape unescape Iterator'
).split(' ');

/** Properties every plain object inherits (`Object.prototype`). */
const INHERITED = Object.getOwnPropertyNames(Object.prototype);

const RESERVED = new Set([...DAQ_GLOBALS, ...KEYWORDS, ...JS_GLOBALS, ...INHERITED]);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Longest device name, characters. */
export const MAX_DEVICE_NAME = 64;

/** Why `name` cannot name a device, or `undefined` when it can. */
export function deviceNameProblem(name: string): string | undefined {
  if (name.length > MAX_DEVICE_NAME) return `the name is ${name.length} characters long; at most ${MAX_DEVICE_NAME}`;
  if (!IDENTIFIER.test(name)) return 'the name must be a script identifier (letters, digits, _; not starting with a digit)';
  if (name.startsWith('__')) return 'names starting with __ are the script prelude\'s own';
  if (INHERITED.includes(name)) return `"${name}" is a property every JavaScript object has; scripts and clients could not tell the device from it`;
  if (RESERVED.has(name)) return `"${name}" is already a name in scripts (a ts-daq global, a JavaScript keyword or a standard global)`;
  return undefined;
}
