/**
 * The one error type of ts-daq. Every failure that reaches a user is a `DaqError` with a
 * {@link ErrorCode}; only the API layer turns codes into gRPC statuses, and only the CLI turns
 * them into exit codes. Modelled on connect-es's `ConnectError`.
 */

/** What kind of failure this is. The names follow gRPC status codes so the API maps them 1:1. */
export type ErrorCode =
  | 'invalid_argument'
  | 'not_found'
  | 'already_exists'
  | 'failed_precondition'
  | 'out_of_range'
  | 'unavailable'
  | 'deadline_exceeded'
  | 'cancelled'
  | 'aborted'
  | 'resource_exhausted'
  | 'unimplemented'
  | 'internal';

/** Where in a file a problem is (1-based line and column). */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

/** Options of the {@link DaqError} constructor. */
export interface DaqErrorOptions {
  /** The device the error is about, by its config name. */
  device?: string;
  /** Where in a file (lab config, script) the problem is. */
  location?: SourceLocation;
  /** The underlying error. */
  cause?: unknown;
  /** Child errors, for failures that collect several (one per device, one per config field). */
  children?: readonly DaqError[];
}

/** An error with a code, an optional device and location, and optional children (an error tree). */
export class DaqError extends Error {
  override readonly name = 'DaqError';
  readonly code: ErrorCode;
  readonly device: string | undefined;
  readonly location: SourceLocation | undefined;
  readonly children: readonly DaqError[];

  constructor(code: ErrorCode, message: string, options: DaqErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.device = options.device;
    this.location = options.location;
    this.children = options.children ?? [];
  }

  /** Normalises anything caught into a `DaqError` (code `internal` unless it already is one). */
  static from(reason: unknown, fallback: { code?: ErrorCode; device?: string } = {}): DaqError {
    if (reason instanceof DaqError) return reason;
    if (reason instanceof Error) {
      const code = reason.name === 'AbortError' ? 'cancelled' : (fallback.code ?? 'internal');
      return new DaqError(code, reason.message, { cause: reason, ...deviceOption(fallback.device) });
    }
    return new DaqError(fallback.code ?? 'internal', String(reason), deviceOption(fallback.device));
  }
}

function deviceOption(device: string | undefined): { device?: string } {
  return device === undefined ? {} : { device };
}

/** `file:line:column` as editors and terminals make clickable; the parts that are known. */
export function formatLocation(location: SourceLocation): string {
  let text = location.file;
  if (location.line !== undefined) {
    text += `:${location.line}`;
    if (location.column !== undefined) text += `:${location.column}`;
  }
  return text;
}

/**
 * Renders an error and its children as an indented tree, one line per error, with locations
 * first so that every line says where the problem is:
 *
 * ```
 * 2 of 6 devices failed to connect
 *   camera: timed out after 5 s connecting
 *   meter: serial port /dev/ttyUSB0 not found
 * ```
 */
export function formatErrorTree(error: unknown, indent = ''): string {
  const err = DaqError.from(error);
  const where = err.location === undefined ? '' : `${formatLocation(err.location)}: `;
  const lines = [`${indent}${where}${err.message}`];
  for (const child of err.children) lines.push(formatErrorTree(child, `${indent}  `));
  return lines.join('\n');
}
