/**
 * The limits of a script run: how long, how much work, how much memory, how deep. Each limit a
 * script hits ends the run with an error that names the limit and its value.
 */
import { DaqError, type ErrorCode } from '../core/errors.js';

/**
 * How many function calls or backward jumps (loop iterations) QuickJS runs between two calls of
 * its interrupt handler. One "tick" of {@link ScriptLimits.maxOperations} is one such call.
 */
export const OPERATIONS_PER_TICK = 10_000;

/** The limits of one script run. */
export interface ScriptLimits {
  /**
   * Wall-clock time allowed, in seconds, counted from the start of the run and including time
   * spent inside host calls (a paused run's paused time is added back). Default 3600.
   */
  wallTimeS: number;
  /**
   * Budget of interrupt ticks: QuickJS calls the sandbox's interrupt handler once every
   * {@link OPERATIONS_PER_TICK} function calls or loop iterations, and each call spends one tick.
   * A tight loop spends from a few thousand (a loop body of a few operations) to some 30,000
   * (`while (true) {}`) ticks a second on this 2-core machine. Default 1e9 (no practical limit;
   * `wallTimeS` is the usual bound).
   */
  maxOperations: number;
  /**
   * Memory of the script's engine in MiB: QuickJS's whole WebAssembly linear memory (about 6 MiB of
   * it are the engine's own data and stack), also set as QuickJS's heap limit. At least 20, at most
   * 2048. Default 64.
   */
  maxMemoryMb: number;
  /** QuickJS stack for nested calls, in KiB (16 to 4096). Default 512 (about 2,700 nested calls). */
  maxStackKb: number;
  /**
   * After an abort, how long the script's cleanup (`finally` blocks) may still run and call the
   * host, in seconds, before the sandbox stops it for good. Default 2.
   */
  abortGraceS: number;
}

/** The limits a run gets for each one not given. */
export const DEFAULT_SCRIPT_LIMITS: Readonly<ScriptLimits> = Object.freeze({
  wallTimeS: 3600,
  maxOperations: 1e9,
  maxMemoryMb: 64,
  maxStackKb: 512,
  abortGraceS: 2,
});

/** The name of a limit a script can hit (the grace period after an abort is not one). */
export type LimitName = 'wallTimeS' | 'maxOperations' | 'maxMemoryMb' | 'maxStackKb';

const RANGES: Record<keyof ScriptLimits, readonly [min: number, max: number]> = {
  // The deadline travels as an Int32 of milliseconds: at most about 24 days.
  wallTimeS: [0.001, 2_000_000],
  maxOperations: [1, Number.MAX_SAFE_INTEGER],
  maxMemoryMb: [20, 2048],
  // QuickJS's own stack lives in a shadow stack of its WebAssembly memory; beyond 4 MiB it overflows.
  maxStackKb: [16, 4096],
  abortGraceS: [0, 3600],
};

/**
 * Fills in defaults and checks each limit's range.
 * @throws DaqError `invalid_argument` naming every limit out of range.
 */
export function resolveLimits(partial: Partial<ScriptLimits> = {}): ScriptLimits {
  const limits: ScriptLimits = { ...DEFAULT_SCRIPT_LIMITS };
  const problems: DaqError[] = [];
  for (const key of Object.keys(RANGES) as (keyof ScriptLimits)[]) {
    const value = partial[key];
    if (value === undefined) continue;
    const [min, max] = RANGES[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      problems.push(new DaqError('invalid_argument', `script limit ${key} must be a number from ${min} to ${max}, got ${String(value)}`));
    } else {
      limits[key] = value;
    }
  }
  if (problems.length === 1 && problems[0] !== undefined) throw problems[0];
  if (problems.length > 1) throw new DaqError('invalid_argument', `${problems.length} script limits are invalid`, { children: problems });
  return limits;
}

/** The error code and message of a limit that was hit, e.g. "script exceeded its memory limit of 64 MB". */
export function limitExceeded(limit: LimitName, limits: ScriptLimits): { code: ErrorCode; message: string } {
  switch (limit) {
    case 'wallTimeS':
      return { code: 'deadline_exceeded', message: `script ran longer than its wall-time limit of ${limits.wallTimeS} s` };
    case 'maxOperations':
      return {
        code: 'resource_exhausted',
        message: `operation budget of ${limits.maxOperations} ticks exhausted (one tick is ${OPERATIONS_PER_TICK} calls or loop iterations)`,
      };
    case 'maxMemoryMb':
      return { code: 'resource_exhausted', message: `script exceeded its memory limit of ${limits.maxMemoryMb} MB` };
    case 'maxStackKb':
      return { code: 'resource_exhausted', message: `script exceeded its stack limit of ${limits.maxStackKb} KB (recursion too deep)` };
  }
}
