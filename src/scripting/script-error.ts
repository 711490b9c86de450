/**
 * How a script's failure reaches the user: a {@link ScriptError} (a `DaqError`) whose `stack` is
 * the script's own stack trace, whose location is the user's file and line, and which names the
 * limit the script hit, if any.
 */
import { DaqError, type ErrorCode } from '../core/errors.js';
import { limitExceeded, type LimitName, type ScriptLimits } from './limits.js';
import type { RawScriptError, WorkerReport } from './protocol.js';
import { BOOTSTRAP_FILENAME, PRELUDE_FILENAME } from './vm-bootstrap.js';

/** Options of the {@link ScriptError} constructor. */
export interface ScriptErrorOptions {
  /** The script's file name. */
  file: string;
  /** The script's stack trace ("Name: message" then "    at f (file:line:column)" lines). */
  scriptStack?: string;
  /** The limit the script hit. */
  limit?: LimitName;
  cause?: unknown;
}

/** Why a script failed or was aborted. `stack` is the script's stack trace, not the daemon's. */
export class ScriptError extends DaqError {
  /** The limit the script hit, when that is why it stopped. */
  readonly limit: LimitName | undefined;
  /** 1-based line in the user's file where the error was thrown, when known. */
  readonly line: number | undefined;
  /** 1-based column in that line, when known. */
  readonly column: number | undefined;

  constructor(code: ErrorCode, message: string, options: ScriptErrorOptions) {
    const scriptStack = options.scriptStack ?? '';
    const where = locate(scriptStack, options.file);
    super(code, message, { location: { file: options.file, ...where }, ...(options.cause === undefined ? {} : { cause: options.cause }) });
    this.limit = options.limit;
    this.line = where.line;
    this.column = where.column;
    this.stack = scriptStack === '' ? `${code}: ${message}` : scriptStack;
  }
}

const ERROR_CODES: Readonly<Record<ErrorCode, true>> = {
  invalid_argument: true, not_found: true, already_exists: true, failed_precondition: true,
  out_of_range: true, unavailable: true, deadline_exceeded: true, cancelled: true, aborted: true,
  resource_exhausted: true, unimplemented: true, internal: true,
};

function isErrorCode(code: string | undefined): code is ErrorCode {
  return code !== undefined && Object.hasOwn(ERROR_CODES, code);
}

/** The first `file:line[:column]` of `file` in a QuickJS stack. */
function locate(stack: string, file: string): { line?: number; column?: number } {
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}:(\\d+)(?::(\\d+))?`).exec(stack);
  if (match?.[1] === undefined) return {};
  return match[2] === undefined ? { line: Number(match[1]) } : { line: Number(match[1]), column: Number(match[2]) };
}

/** "Name: message" and the script's own frames (the host stubs' and the prelude's left out). */
function scriptStackOf(raw: RawScriptError): string {
  const internal = (line: string): boolean => line.includes(`${BOOTSTRAP_FILENAME}:`) || line.includes(`${PRELUDE_FILENAME}:`);
  const frames = raw.stack.split('\n').filter((line) => line.trim() !== '' && !internal(line));
  return [`${raw.name}: ${raw.message}`, ...frames].join('\n');
}

/** The error of a limit hit; `raw` (where the script was) gives the location when known. */
export function limitError(limit: LimitName, limits: ScriptLimits, file: string, raw?: RawScriptError): ScriptError {
  const { code, message } = limitExceeded(limit, limits);
  const scriptStack = raw === undefined ? undefined : [`${message}`, ...scriptStackOf(raw).split('\n').slice(1)].join('\n');
  return new ScriptError(code, message, { file, limit, ...(scriptStack === undefined ? {} : { scriptStack }) });
}

/** The limit a failed run hit, read from the worker's stop reason or the script's last exception. */
function limitOf(report: Extract<WorkerReport, { ok: false }>): LimitName | undefined {
  if (report.stop === 'maxOperations' || report.stop === 'wallTimeS') return report.stop;
  const { name, message } = report.error;
  if (name === 'InternalError' && message === 'out of memory') return 'maxMemoryMb';
  if (name === 'InternalError' && message === 'stack overflow') return 'maxStackKb';
  if (report.phase === 'crash' && report.memoryFull) return 'maxMemoryMb';
  // QuickJS throws null when it cannot even make its "out of memory" error
  if (report.memoryFull && name === 'Error' && message === `uncaught exception: null`) return 'maxMemoryMb';
  if (report.phase === 'crash' && /call stack size/i.test(message)) return 'maxStackKb';
  return undefined;
}

/**
 * The error of a run that failed (not aborted): a limit, a syntax error (`invalid_argument`),
 * the script's own exception (its `code` when it carries a known one, else `aborted`), a bad
 * global (`invalid_argument`), or the engine failing (`internal`).
 */
export function failureError(report: Extract<WorkerReport, { ok: false }>, limits: ScriptLimits, file: string): ScriptError {
  const raw = report.error;
  const limit = limitOf(report);
  if (limit !== undefined) return limitError(limit, limits, file, raw);
  if (report.phase === 'setup') return new ScriptError('invalid_argument', raw.message, { file });
  if (report.phase === 'prelude') return new ScriptError('internal', `the script prelude failed: ${raw.name}: ${raw.message}`, { file });
  if (report.phase === 'crash') return new ScriptError('internal', `the script engine failed: ${raw.name}: ${raw.message}`, { file });
  const message = raw.name === 'Error' || raw.name === 'DaqError' ? raw.message : `${raw.name}: ${raw.message}`;
  const code: ErrorCode = raw.name === 'SyntaxError' ? 'invalid_argument' : isErrorCode(raw.code) ? raw.code : 'aborted';
  return new ScriptError(code, message, { file, scriptStack: scriptStackOf(raw) });
}

/** The error of an aborted run; where the script was, when the worker could tell. */
export function abortError(reason: DaqError, file: string, raw?: RawScriptError): ScriptError {
  const message = `script aborted: ${reason.message}`;
  const frames = raw === undefined ? [] : scriptStackOf(raw).split('\n').slice(1);
  return new ScriptError('cancelled', message, { file, scriptStack: [message, ...frames].join('\n'), cause: reason });
}
