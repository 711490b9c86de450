/**
 * The main thread's side of host calls: reads a worker's request from the channel, runs the host
 * functions, and writes the answer (see channel.ts). A request is one or more lines
 * `"<index>:<args JSON>"`: the calls of deferred functions the script made since its last answer
 * (run in order; the script did not wait for them), then at most one call it waits for. A request
 * of deferred calls only (a flush) answers `undefined`. An error of a deferred call is the answer
 * of the next request, so the script throws it at its next call.
 *
 * While a script calls the host in a tight loop, the main thread polls for the next request
 * instead of returning to its event loop after each answer, in slices of {@link SLICE_MS}, between
 * which the event loop runs. Knows about pause (the waiting call is held until resume; deferred
 * calls still run), abort (the pending or next call answers with an abort error, later cleanup
 * calls are served) and stop (every call answers at once with one error).
 */
import type { MessagePort } from 'node:worker_threads';
import { DaqError } from '../core/errors.js';
import { AnswerKind, pollForRequest, readRequest, writeAnswer, type ChannelViews } from './channel.js';
import type { HostCallContext, HostFunction, HostFunctions, JsonValue } from './types.js';

/** How long the main thread polls for the script's next request after answering one, in ms. */
export const POLL_MS = 0.1;
/** Requests served without polling before the main thread tries polling again, once polls failed often. */
const POLL_RETRY_AFTER = 64;
/**
 * Recent missed polls (a count that decays by {@link MISS_DECAY} a poll, i.e. halves in about 350
 * polls) above which a miss makes the main thread skip {@link POLL_RETRY_AFTER} requests; below
 * it, a miss skips one request only: an isolated miss (the worker's garbage collector, its thread
 * preempted once) then costs a wake-up message or two, not 64.
 */
const MISSES_BEFORE_BACKOFF = 3;
/** Factor of the recent-miss count kept at each poll. */
const MISS_DECAY = 1 - 1 / 512;
/** Longest stretch the main thread serves one script without letting its event loop run, in ms. */
export const SLICE_MS = 2;

/**
 * What the main thread's side of every script's calls did, counted since the process started
 * (read by `bench/round-trip.ts` to tell where slow round trips come from).
 */
export const dispatchCounts = {
  /** Requests announced by a wake-up message (the main thread was not polling). */
  wakes: 0,
  /** Polls that found no request within {@link POLL_MS}. */
  missedPolls: 0,
  /** Misses that made the main thread skip {@link POLL_RETRY_AFTER} requests. */
  backoffs: 0,
  /** Event-loop turns taken by {@link SLICE_MS} while serving. */
  sliceTurns: 0,
};

/** JSON of the error record a stub throws in the script: `{name, message, code}`. */
export function errorAnswer(error: DaqError): string {
  return JSON.stringify({ name: 'DaqError', message: error.message, code: error.code });
}

/** A request read from the channel and not answered yet. */
interface Request {
  /** The call the script waits for (the last line), unless the request is a flush. */
  call?: { name: string; fn: HostFunction | undefined; argsJson: string; line: string };
}

/** Serves the host calls of one script run. */
export class HostDispatcher {
  /** The request being served, until its answer is written. */
  private pending: Request | undefined;
  /** Whether {@link serve} runs (it may be waiting for deferred calls to finish). */
  private serving = false;
  /** A paused run's request whose call waits for {@link resume}. */
  private held: Request | undefined;
  private paused = false;
  private closed = false;
  /** When the current slice of serving ends, `performance.now()` ms. */
  private sliceEndMs = 0;
  /** Abort answer waiting for the next request (none was pending when the abort came). */
  private abortToDeliver: string | undefined;
  /** Once stopped, every request gets this answer. */
  private stoppedWith: { kind: number; text: string } | undefined;
  /** The first error of a deferred call not yet thrown in the script. */
  private deferredError: DaqError | undefined;
  /** Signal of the calls of the current phase: before the abort, then of cleanup. */
  private phase = new AbortController();
  /**
   * Whether polling pays: it is tried after each answer while the script's next request comes
   * within {@link POLL_MS}; after a poll that found nothing (the script computes, or the machine
   * is busy and its thread waits for a core) the main thread stops polling for
   * {@link POLL_RETRY_AFTER} requests when polls missed often lately, so it never takes a core the
   * script could use, and for one request after a miss in a run of polls that paid.
   */
  private skipPolls = 0;
  /** Recent missed polls, decayed (see {@link MISSES_BEFORE_BACKOFF}). */
  private recentMisses = 0;
  /** Host calls served so far (deferred ones included). */
  calls = 0;

  private readonly deferred: ReadonlySet<number>;

  constructor(
    private readonly host: HostFunctions,
    private readonly names: readonly string[],
    private readonly channel: ChannelViews,
    private readonly overflow: MessagePort,
    deferred: readonly string[] = [],
  ) {
    this.deferred = new Set(deferred.map((name) => names.indexOf(name)).filter((i) => i >= 0));
  }

  /** The worker announced a request: serve it (and the ones that follow quickly). */
  wake(): void {
    dispatchCounts.wakes += 1;
    this.sliceEndMs = performance.now() + SLICE_MS;
    void this.serve();
  }

  /** Whether a call waits for {@link resume}. */
  get holding(): boolean {
    return this.held !== undefined;
  }

  /** Holds the next call until {@link resume}; a call in progress still completes. */
  pause(): void {
    this.paused = true;
  }

  /** Serves the call held by {@link pause}, if any. */
  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = undefined;
    if (held !== undefined) this.finishRequest(held);
  }

  /**
   * Soft abort: the pending (or held, or next) call answers with `error`; calls after it are
   * served (the script's cleanup), with a fresh signal. The pending call's signal aborts.
   */
  abort(error: DaqError): void {
    const text = errorAnswer(error);
    this.held = undefined;
    if (this.pending !== undefined) this.answer(this.pending, AnswerKind.abort, text);
    else this.abortToDeliver = text;
    this.phase.abort(error);
    this.phase = new AbortController();
  }

  /** Answers the pending call, and every later one, with an error of `kind`; aborts host work. */
  stop(kind: number, error: DaqError): void {
    this.stoppedWith = { kind, text: errorAnswer(error) };
    this.phase.abort(error);
    this.held = undefined;
    if (this.pending !== undefined) this.answer(this.pending, kind, this.stoppedWith.text);
  }

  /** The run ended: host work still going is told to stop. */
  close(): void {
    this.closed = true;
    this.pending = undefined;
    this.held = undefined;
    this.phase.abort(new DaqError('cancelled', 'the script run ended'));
  }

  /**
   * Serves requests while they come quickly: after each answer it polls for the next one for
   * {@link POLL_MS}; after {@link SLICE_MS} it lets the event loop run once, then goes on.
   */
  private async serve(): Promise<void> {
    if (this.serving) return;
    this.serving = true;
    try {
      while (!this.closed && this.pending === undefined && this.held === undefined) {
        if (!this.poll()) return;
        if (performance.now() > this.sliceEndMs) {
          dispatchCounts.sliceTurns += 1;
          await new Promise((resolve) => setImmediate(resolve));
          this.sliceEndMs = performance.now() + SLICE_MS;
          continue;
        }
        const request: Request = {};
        this.pending = request;
        const lines = readRequest(this.channel, this.overflow).split('\n');
        const last = lines.length - 1;
        for (let i = 0; i <= last; i++) {
          const line = lines[i] as string;
          const colon = line.indexOf(':');
          const index = Number(line.slice(0, colon));
          if (this.deferred.has(index)) {
            // after a refused call the script would have stopped there: what it sent after is not done
            if (this.deferredError !== undefined) continue;
            const running = this.runDeferred(index, line.slice(colon + 1));
            if (running !== undefined) {
              try {
                await running;
              } catch (error) {
                this.deferredError ??= DaqError.from(error);
              }
            }
          } else if (i === last) {
            const name = this.names[index] ?? '';
            request.call = { name, fn: this.host[name], argsJson: line.slice(colon + 1), line };
          } else {
            this.deferredError ??= new DaqError('internal', `a request carried a waiting call before its end: "${line.slice(0, 40)}"`);
          }
        }
        if (this.pending !== request || this.closed) continue; // answered by an abort or stop meanwhile
        if (this.paused && request.call !== undefined) {
          this.held = request;
          return;
        }
        if (this.finishRequest(request)) return;
      }
    } finally {
      this.serving = false;
    }
  }

  /** Whether a request waits, after polling for it when polling pays. */
  private poll(): boolean {
    if (this.skipPolls > 0) {
      this.skipPolls -= 1;
      return pollForRequest(this.channel, 0);
    }
    this.recentMisses *= MISS_DECAY;
    if (pollForRequest(this.channel, POLL_MS)) return true;
    this.recentMisses += 1;
    dispatchCounts.missedPolls += 1;
    const backoff = this.recentMisses > MISSES_BEFORE_BACKOFF;
    if (backoff) dispatchCounts.backoffs += 1;
    this.skipPolls = backoff ? POLL_RETRY_AFTER : 1;
    return false;
  }

  /**
   * Runs one deferred call; its promise when it is still running (the caller awaits it and keeps
   * its error: no promise of its own per call). An error thrown at once is kept for the next answer.
   */
  private runDeferred(index: number, argsJson: string): PromiseLike<unknown> | undefined {
    const name = this.names[index] ?? '';
    const fn = this.host[name];
    this.calls += 1;
    try {
      if (fn === undefined) throw new DaqError('internal', `unknown host function index ${index}`);
      const result = fn(JSON.parse(argsJson) as JsonValue[], this.context(name));
      if (isPromiseLike(result)) return result;
    } catch (error) {
      this.deferredError ??= DaqError.from(error);
    }
    return undefined;
  }

  /**
   * Answers `request`: with the abort, stop or deferred error due, or by running its call.
   * Returns whether the call still runs (its answer comes later, and serving resumes then).
   */
  private finishRequest(request: Request): boolean {
    if (this.stoppedWith !== undefined) {
      this.answer(request, this.stoppedWith.kind, this.stoppedWith.text);
      return false;
    }
    if (this.abortToDeliver !== undefined) {
      const text = this.abortToDeliver;
      this.abortToDeliver = undefined;
      this.answer(request, AnswerKind.abort, text);
      return false;
    }
    if (this.deferredError !== undefined) {
      const error = this.deferredError;
      this.deferredError = undefined;
      this.answer(request, AnswerKind.error, errorAnswer(error));
      return false;
    }
    const call = request.call;
    if (call === undefined) {
      this.answer(request, AnswerKind.undefined, '');
      return false;
    }
    this.calls += 1;
    if (call.fn === undefined) {
      this.fail(request, new DaqError('internal', `unknown host function index in "${call.line.slice(0, 40)}"`));
      return false;
    }
    try {
      const result = call.fn(JSON.parse(call.argsJson) as JsonValue[], this.context(call.name));
      if (isPromiseLike(result)) {
        result.then(
          (value) => this.succeed(request, call.name, value),
          (error: unknown) => this.fail(request, error),
        );
        return true;
      }
      this.succeed(request, call.name, result);
    } catch (error) {
      this.fail(request, error);
    }
    return false;
  }

  private context(name: string): HostCallContext {
    return { name, signal: this.phase.signal };
  }

  private succeed(request: Request, name: string, value: unknown): void {
    if (value === undefined) return this.answer(request, AnswerKind.undefined, '');
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch {
      text = undefined;
    }
    if (text === undefined) return this.fail(request, new DaqError('internal', `host function ${name} returned a value that is not JSON`));
    this.answer(request, AnswerKind.value, text);
  }

  private fail(request: Request, error: unknown): void {
    this.answer(request, AnswerKind.error, errorAnswer(DaqError.from(error)));
  }

  /** Writes the answer of `request` if it is still the pending one, then goes on serving. */
  private answer(request: Request, kind: number, text: string): void {
    if (request !== this.pending || this.closed) return;
    this.pending = undefined;
    writeAnswer(this.channel, this.overflow, kind, text);
    if (!this.serving) void this.serve();
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
