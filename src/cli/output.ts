/**
 * How the CLI speaks: results to stdout (a table, or one JSON object with `--json`), errors to
 * stderr, and an exit code that says what kind of failure it was.
 */
import { DaqError, type ErrorCode, formatColumns, formatErrorTree } from '../core/index.js';

/** Exit codes of every `daq` command. */
export const EXIT = {
  ok: 0,
  /** The command ran but something failed (a device did not connect, a run failed). */
  failure: 1,
  /** The input was wrong: bad arguments, a bad lab config, a missing file, an unknown run. */
  usage: 2,
} as const;

/** Exit status of `daq run` and `daq follow` for each way a run ends. */
export const RUN_EXIT = { success: EXIT.ok, fail: EXIT.failure, abort: 3 } as const;

/** What the usual exit statuses mean, for the help of commands that talk to a daemon. */
export const REMOTE_EXIT_HELP = { 0: 'done', 1: 'the daemon refused (the run is not in that state, no such role) or cannot be reached', 2: 'bad arguments or an unknown run' } as const;

/**
 * The `Exit status:` paragraph of a command's help, from what each status means:
 * `exitHelp({ 0: 'done', 2: 'bad arguments' })`.
 */
export function exitHelp(statuses: Readonly<Record<number, string>>, before = ''): string {
  const list = Object.entries(statuses).map(([code, meaning]) => `${code} ${meaning}`).join(', ');
  return `\n${before === '' ? '' : `${before}\n`}Exit status: ${list}.\n`;
}

const USAGE_CODES: readonly ErrorCode[] = ['invalid_argument', 'not_found', 'out_of_range', 'already_exists'];

/** The exit code for an error. */
export function exitCodeFor(error: unknown): number {
  return USAGE_CODES.includes(DaqError.from(error).code) ? EXIT.usage : EXIT.failure;
}

/** Prints an error (with its tree of causes) to stderr as `daq: ...`. */
export function printError(error: unknown): void {
  process.stderr.write(`daq: ${formatErrorTree(error)}\n`);
}

/** Prints one JSON object to stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Formats rows as a text table with a header row: columns of numbers right-aligned, words left-aligned. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return formatColumns(header, rows);
}
