/**
 * The options of a sandboxed run, and their checks: host function names must build a clean
 * tree of globals, and plain globals must not collide with it.
 */
import { DaqError } from '../core/errors.js';
import { resolveLimits, type ScriptLimits } from './limits.js';
import type { HostFunctions, JsonValue } from './types.js';

/** What to run, and with what. */
export interface SandboxOptions {
  /** The script's JavaScript, or TypeScript when `filename` ends in `.ts` (types are stripped). */
  source: string;
  /** The script's file name, as stack traces and error locations show it, e.g. `scan.js`. */
  filename: string;
  /** The functions the script can call, by dotted name (see {@link HostFunctions}). */
  host: HostFunctions;
  /**
   * Host functions whose calls the script does not wait for (`record`, `log`): the call answers
   * `undefined` at once and is sent with the script's next waiting call (or after a few
   * milliseconds, or once many are queued). The main thread runs them in order, before that
   * call; an error one throws is thrown in the script at its next host call, or fails the run at
   * its end. Each must be a name in `host`.
   */
  deferred?: readonly string[];
  /**
   * False: the script's last value is not turned into JSON for the outcome (a run does not use it;
   * a script ending in a plan call would otherwise build every point of the plan for nothing).
   */
  keepValue?: boolean;
  /** Plain values the script sees as globals, e.g. `{ params: { steps: 10 } }`. */
  globals?: Record<string, JsonValue>;
  /** Limits; each one not given takes its default (see `DEFAULT_SCRIPT_LIMITS`). */
  limits?: Partial<ScriptLimits>;
  /** Aborts the run (see `SandboxHandle.abort`). */
  signal?: AbortSignal;
  /**
   * Trusted JavaScript run in the sandbox after the globals are set and before the script, as its
   * own file (`daq:prelude`, left out of the script's stack traces), e.g. to wrap device globals.
   * It may replace or delete the globals. If it throws, the run fails with code `internal`.
   */
  prelude?: string;
}

/** Options checked and put in the form the worker takes. */
export interface PreparedOptions {
  hostNames: string[];
  globalsJson: string;
  limits: ScriptLimits;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Checks the options that can be checked without running anything.
 * @throws DaqError `invalid_argument` listing every problem (names, globals, limits).
 */
export function prepareOptions(options: SandboxOptions): PreparedOptions {
  const problems: DaqError[] = [];
  const hostNames = Object.keys(options.host);
  const leaves = new Set<string>();
  const namespaces = new Set<string>();
  for (const name of hostNames) {
    const parts = name.split('.');
    if (!parts.every((part) => IDENTIFIER.test(part))) {
      problems.push(new DaqError('invalid_argument', `host function name "${name}" must be identifiers joined by dots`));
      continue;
    }
    if (typeof options.host[name] !== 'function') {
      problems.push(new DaqError('invalid_argument', `host function "${name}" is not a function`));
    }
    leaves.add(name);
    for (let i = 1; i < parts.length; i++) namespaces.add(parts.slice(0, i).join('.'));
  }
  for (const name of leaves) {
    if (namespaces.has(name)) problems.push(new DaqError('invalid_argument', `host name "${name}" is both a function and a namespace`));
  }
  for (const name of options.deferred ?? []) {
    if (!Object.prototype.hasOwnProperty.call(options.host, name)) {
      problems.push(new DaqError('invalid_argument', `deferred host function "${name}" is not one of the host functions`));
    }
  }
  const roots = new Set(hostNames.map((name) => name.split('.')[0]));
  const globals = options.globals ?? {};
  for (const key of Object.keys(globals)) {
    if (!IDENTIFIER.test(key)) problems.push(new DaqError('invalid_argument', `global name "${key}" is not an identifier`));
    if (roots.has(key)) problems.push(new DaqError('invalid_argument', `global "${key}" is also the name of host functions`));
  }
  let globalsJson = '{}';
  try {
    globalsJson = JSON.stringify(globals);
  } catch (error) {
    problems.push(new DaqError('invalid_argument', 'script globals must be JSON values', { cause: error }));
  }
  let limits: ScriptLimits | undefined;
  try {
    limits = resolveLimits(options.limits);
  } catch (error) {
    problems.push(DaqError.from(error));
  }
  if (problems.length === 1 && problems[0] !== undefined) throw problems[0];
  if (problems.length > 1 || limits === undefined) {
    throw new DaqError('invalid_argument', `${problems.length} problems with the script's sandbox options`, { children: problems });
  }
  return { hostNames, globalsJson, limits };
}
