/**
 * How the CLI speaks: results to stdout (a table, or one JSON object with `--json`), errors to
 * stderr, and an exit code that says what kind of failure it was.
 */
import { DaqError, type ErrorCode, formatErrorTree } from '../core/index.js';

/** Exit codes of every `daq` command. */
export const EXIT = {
  ok: 0,
  /** The command ran but something failed (a device did not connect, a run failed). */
  failure: 1,
  /** The input was wrong: bad arguments, a bad lab config, a missing file. */
  usage: 2,
} as const;

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

/** Formats rows as a left-aligned text table with a header row. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
