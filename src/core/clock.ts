/**
 * Time, injected. Everything that waits or stamps time (simulated devices, plans, the run
 * engine) takes a {@link Clock}, so tests run in virtual time and never sleep for real.
 * All times are in seconds (floating point); `now()` is seconds since the Unix epoch.
 */
import { DaqError } from './errors.js';
import { setLongTimeout } from './timeout.js';

/** A source of time and of waiting. */
export interface Clock {
  /** Current time in seconds since the Unix epoch. */
  now(): number;
  /**
   * Resolves after `seconds` of this clock's time. Rejects with a `DaqError` of code
   * `cancelled` if `signal` aborts first. Zero or negative durations resolve at once.
   */
  sleep(seconds: number, signal?: AbortSignal): Promise<void>;
}

/** How far the epoch clock may drift from the monotonic one before `now()` follows it, in ms. */
const RESYNC_DRIFT_MS = 2;
/** How often `now()` compares with the epoch clock, in ms of the monotonic clock. */
const RESYNC_EVERY_MS = 1000;

/**
 * Seconds since the Unix epoch with microsecond resolution: the monotonic `performance.now()`
 * (sub-microsecond in Node) added to an offset taken from `Date.now()` (millisecond epoch time).
 * Once a second the offset is compared with `Date.now()` again and, when the two have drifted by
 * more than 2 ms (NTP slewing, a suspended laptop), moved to it; times never go backwards, so a
 * step back of the system clock is absorbed by holding the time until it catches up.
 */
export function createPreciseTime(): () => number {
  let offsetMs = Date.now() - performance.now();
  let checkedAtMs = performance.now();
  let lastMs = 0;
  return () => {
    const monoMs = performance.now();
    if (monoMs - checkedAtMs >= RESYNC_EVERY_MS) {
      checkedAtMs = monoMs;
      const epochMs = Date.now();
      if (Math.abs(epochMs - (offsetMs + monoMs)) > RESYNC_DRIFT_MS) offsetMs = epochMs - monoMs;
    }
    lastMs = Math.max(lastMs, offsetMs + monoMs);
    return lastMs / 1000;
  };
}

const processTime = createPreciseTime();

/**
 * A sleep this short (seconds) on the system clock is waited out in place, without a turn of the
 * event loop: a fast simulated move takes nanoseconds, and a turn (the poll for I/O, the
 * immediates of everything else) costs the daemon's main thread far more than that per move.
 */
const IN_PLACE_S = 5e-6;
/** Sleeps are waited out in place only while an event-loop turn came within this many ms. */
const IN_PLACE_FOR_MS = 1;
/** `performance.now()` when a system clock's sleep last took a turn of the event loop. */
let turnAtMs = performance.now();

/**
 * The computer's clock: epoch time with microsecond resolution ({@link createPreciseTime}, shared
 * by every system clock of the process so their times are ordered) and timers (chained past Node's
 * 24.8-day limit; `Infinity` waits until aborted).
 */
export function createSystemClock(): Clock {
  return {
    now: processTime,
    sleep: (seconds, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(cancelled(signal));
        if (!(seconds > 0)) return resolve();
        // A sleep of a few microseconds: waited out here, so long as the event loop had a turn
        // in the last millisecond (a chain of such sleeps still lets the loop run every 1 ms).
        if (seconds <= IN_PLACE_S && performance.now() - turnAtMs < IN_PLACE_FOR_MS) {
          const untilS = processTime() + seconds;
          while (processTime() < untilS) {
            // wait
          }
          return resolve();
        }
        // Node's timers count whole milliseconds from a cached loop time, so they may fire a
        // little before `seconds` of this clock (microseconds) have passed: wait out the rest.
        // What is left under a millisecond (a fast simulated move takes nanoseconds) is waited
        // out turn by turn of the event loop: a timer would round it up to a millisecond or more.
        const dueS = processTime() + seconds;
        let cancelTimer = wait(seconds);
        function wait(leftS: number): () => void {
          if (leftS * 1000 >= 1) return setLongTimeout(done, leftS * 1000); // Node's setTimeout wraps after 24.8 days
          const immediate = setImmediate(done);
          return () => clearImmediate(immediate);
        }
        function done(): void {
          turnAtMs = performance.now();
          const leftS = dueS - processTime();
          if (leftS > 0) {
            cancelTimer = wait(leftS);
            return;
          }
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }
        function onAbort(): void {
          cancelTimer();
          reject(cancelled(signal));
        }
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
  };
}

/** Options of {@link VirtualClock}. */
export interface VirtualClockOptions {
  /** Start time in seconds since the epoch (default 2026-01-01T00:00:00Z). */
  startS?: number;
  /**
   * When true (the default), time jumps to the next pending timer as soon as the process has
   * nothing else to do (checked with `setImmediate`), so code that only waits on this clock
   * runs as fast as the CPU allows. When false, time moves only through {@link VirtualClock.advance}.
   */
  autoAdvance?: boolean;
}

interface Timer {
  dueS: number;
  order: number;
  resolve: () => void;
}

/**
 * A clock whose time moves only when something waits on it: for simulations and tests.
 * In auto-advance mode a 10-minute simulated scan runs in milliseconds. Caveat: a task that
 * waits on real I/O while another sleeps on this clock may see time jump ahead; simulated
 * devices wait only on the clock.
 */
export class VirtualClock implements Clock {
  private currentS: number;
  private readonly timers: Timer[] = [];
  private order = 0;
  private tickScheduled = false;
  private readonly autoAdvance: boolean;

  constructor(options: VirtualClockOptions = {}) {
    this.currentS = options.startS ?? Date.UTC(2026, 0, 1) / 1000;
    this.autoAdvance = options.autoAdvance ?? true;
  }

  now(): number {
    return this.currentS;
  }

  /** Number of sleeps waiting on this clock. */
  get pending(): number {
    return this.timers.length;
  }

  sleep(seconds: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(cancelled(signal));
      if (!(seconds > 0)) return resolve();
      const timer: Timer = {
        dueS: this.currentS + Math.max(0, seconds),
        order: this.order++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const index = this.timers.indexOf(timer);
        if (index >= 0) this.timers.splice(index, 1);
        reject(cancelled(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.timers.push(timer);
      this.scheduleTick();
    });
  }

  /**
   * Moves time forward by `seconds`, firing every timer due on the way in order, and letting
   * the code each one wakes run (and schedule further sleeps) before moving on.
   */
  async advance(seconds: number): Promise<void> {
    const targetS = this.currentS + seconds;
    for (;;) {
      await settle();
      const next = this.earliest();
      if (next === undefined || next.dueS > targetS) break;
      this.fire(next);
    }
    this.currentS = Math.max(this.currentS, targetS);
    await settle();
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers) {
      if (best === undefined || timer.dueS < best.dueS || (timer.dueS === best.dueS && timer.order < best.order)) {
        best = timer;
      }
    }
    return best;
  }

  private fire(timer: Timer): void {
    this.timers.splice(this.timers.indexOf(timer), 1);
    this.currentS = Math.max(this.currentS, timer.dueS);
    timer.resolve();
  }

  private scheduleTick(): void {
    if (!this.autoAdvance || this.tickScheduled) return;
    this.tickScheduled = true;
    setImmediate(() => {
      this.tickScheduled = false;
      const next = this.earliest();
      if (next === undefined) return;
      this.fire(next);
      if (this.timers.length > 0) this.scheduleTick();
    });
  }
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The error a cancelled sleep rejects with: the abort reason itself when it is a `DaqError`. */
function cancelled(signal: AbortSignal | undefined): DaqError {
  const reason: unknown = signal?.reason;
  if (reason instanceof DaqError) return reason;
  const message = reason instanceof Error ? reason.message : 'the operation was cancelled';
  return new DaqError('cancelled', message, { cause: reason });
}
