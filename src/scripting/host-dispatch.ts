/**
 * The main thread's side of host calls: takes a worker's request, runs the host function, and
 * writes its answer into the channel (see channel.ts). Knows about pause (requests wait until
 * resume), abort (the pending or next call answers with an abort error, later cleanup calls are
 * served) and stop (every call answers at once with one error).
 */
import type { MessagePort } from 'node:worker_threads';
import { DaqError } from '../core/errors.js';
import { AnswerKind, writeAnswer, type ChannelViews } from './channel.js';
import type { HostFunctions, JsonValue } from './types.js';

/** JSON of the error record a stub throws in the script: `{name, message, code}`. */
export function errorAnswer(error: DaqError): string {
  return JSON.stringify({ name: 'DaqError', message: error.message, code: error.code });
}

/** Serves the host calls of one script run. */
export class HostDispatcher {
  /** Id of the call the worker waits on, or 0. */
  private current = 0;
  /** Name of the last call dispatched. */
  private currentName = '';
  private lastId = 0;
  /** A request that arrived while paused. */
  private queued: string | undefined;
  private paused = false;
  /** Abort answer waiting for the next request (none was pending when the abort came). */
  private abortToDeliver: string | undefined;
  /** Once stopped, every request gets this answer. */
  private stoppedWith: { kind: number; text: string } | undefined;
  /** Signal of the calls of the current phase: before the abort, then of cleanup. */
  private phase = new AbortController();
  /** Host calls served so far. */
  calls = 0;

  constructor(
    private readonly host: HostFunctions,
    private readonly names: readonly string[],
    private readonly channel: ChannelViews,
    private readonly overflow: MessagePort,
  ) {}

  /** Takes a worker's request, `"<index>:<args JSON>"`. */
  request(message: string): void {
    if (this.stoppedWith !== undefined) return this.write(this.stoppedWith.kind, this.stoppedWith.text);
    if (this.abortToDeliver !== undefined) {
      const text = this.abortToDeliver;
      this.abortToDeliver = undefined;
      return this.write(AnswerKind.abort, text);
    }
    if (this.paused) {
      this.queued = message;
      return;
    }
    this.dispatch(message);
  }

  /** Whether a request waits for {@link resume}. */
  get holding(): boolean {
    return this.queued !== undefined;
  }

  /** Holds the next request until {@link resume}; a call in progress still completes. */
  pause(): void {
    this.paused = true;
  }

  /** Serves the request held by {@link pause}, if any. */
  resume(): void {
    this.paused = false;
    const queued = this.queued;
    this.queued = undefined;
    if (queued !== undefined) this.request(queued);
  }

  /**
   * Soft abort: the pending (or held, or next) call answers with `error`; calls after it are
   * served (the script's cleanup), with a fresh signal. The pending call's signal aborts.
   */
  abort(error: DaqError): void {
    const text = errorAnswer(error);
    if (this.current !== 0 || this.queued !== undefined) {
      this.current = 0;
      this.queued = undefined;
      this.write(AnswerKind.abort, text);
    } else {
      this.abortToDeliver = text;
    }
    this.phase.abort(error);
    this.phase = new AbortController();
  }

  /** Answers the pending call, and every later one, with an error of `kind`; aborts host work. */
  stop(kind: number, error: DaqError): void {
    this.stoppedWith = { kind, text: errorAnswer(error) };
    this.phase.abort(error);
    if (this.current !== 0 || this.queued !== undefined) {
      this.current = 0;
      this.queued = undefined;
      this.write(kind, this.stoppedWith.text);
    }
  }

  /** The run ended: host work still going is told to stop. */
  close(): void {
    this.current = 0;
    this.phase.abort(new DaqError('cancelled', 'the script run ended'));
  }

  private dispatch(message: string): void {
    const id = ++this.lastId;
    this.current = id;
    this.calls += 1;
    const colon = message.indexOf(':');
    const name = this.names[Number(message.slice(0, colon))];
    const fn = name === undefined ? undefined : this.host[name];
    this.currentName = name ?? '';
    if (name === undefined || fn === undefined) {
      return this.fail(id, new DaqError('internal', `unknown host function index in "${message.slice(0, 40)}"`));
    }
    try {
      const args = JSON.parse(message.slice(colon + 1)) as JsonValue[];
      const result = fn(args, { name, signal: this.phase.signal });
      if (isPromiseLike(result)) {
        result.then(
          (value) => this.succeed(id, value),
          (error: unknown) => this.fail(id, error),
        );
      } else {
        this.succeed(id, result);
      }
    } catch (error) {
      this.fail(id, error);
    }
  }

  private succeed(id: number, value: unknown): void {
    if (id !== this.current) return;
    if (value === undefined) return this.answer(AnswerKind.undefined, '');
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch {
      text = undefined;
    }
    if (text === undefined) {
      return this.fail(id, new DaqError('internal', `host function ${this.currentName} returned a value that is not JSON`));
    }
    this.answer(AnswerKind.value, text);
  }

  private fail(id: number, error: unknown): void {
    if (id !== this.current) return;
    this.answer(AnswerKind.error, errorAnswer(DaqError.from(error)));
  }

  private answer(kind: number, text: string): void {
    this.current = 0;
    this.write(kind, text);
  }

  private write(kind: number, text: string): void {
    writeAnswer(this.channel, this.overflow, kind, text);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
