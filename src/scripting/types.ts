/**
 * The values and functions that cross the sandbox wall. Everything a script passes to the host,
 * or receives from it, travels as JSON: a {@link JsonValue}.
 */

/** A value that survives `JSON.stringify` then `JSON.parse` unchanged. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** What a host function learns about the call it serves. */
export interface HostCallContext {
  /** The dotted name the script called, e.g. `stage.moveAbs`. */
  readonly name: string;
  /**
   * Aborts when the script no longer waits for this answer: the run was aborted (the pending
   * call answers the script with an abort error at once), hit its wall-time limit, or ended.
   * Long host work (a move, a sleep) should stop when it fires.
   */
  readonly signal: AbortSignal;
}

/**
 * A function the script can call as if it were synchronous. It runs on the daemon's thread, may
 * be async, and receives the script's arguments as JSON (`undefined` arguments arrive as `null`,
 * trailing ones are dropped). Returning `undefined` gives `undefined` to the script; anything else
 * must be JSON-serialisable. Throwing (best a `DaqError`) throws a catchable `Error` in the
 * script with the same `message` and `code`.
 */
export type HostFunction = (
  args: JsonValue[],
  context: HostCallContext,
) => Promise<JsonValue | undefined | void> | JsonValue | undefined | void;

/**
 * The script's host functions by dotted name: `{ 'stage.moveAbs': f, 'log': g }` gives the script
 * a global object `stage` with a method `moveAbs`, and a global function `log`. Each part of a
 * name is a JavaScript identifier; a name cannot be both a function and a namespace.
 */
export type HostFunctions = Readonly<Record<string, HostFunction>>;
