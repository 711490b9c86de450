/**
 * Line-framed command/reply traffic over a {@link BytePort}: what every ASCII instrument
 * protocol here needs. Commands go out with the instrument's terminator; replies are split on
 * `\n` (a trailing `\r` is dropped). A queue lets one exchange (a command and its reply) finish
 * before the next starts, so replies never mix, whoever asks. Each exchange has a timeout and
 * an optional `AbortSignal`; queries may be retried only when the caller says they are safe to
 * repeat (a read-back, never a move). Lines that arrive when nobody waits are logged and dropped.
 */
import { DaqError, withTimeout } from '../core/index.js';
import type { BytePort } from './byte-port.js';
import type { TrafficLog } from './traffic-log.js';

/** Framing and timing of one instrument's protocol. */
export interface LineFraming {
  /** Appended to every command: `\r\n` (ESP300), `\n` (MaiTai, 1830-C), `` (ELL14). */
  writeTerminator: string;
  /** Reply timeout when a call does not give one, s. */
  timeoutS: number;
  /** Longest reply accepted, characters; longer input without a line end is garbage. Default 4096. */
  maxLineLength?: number;
  /**
   * After an exchange is abandoned (timeout, abort), the next one first waits until nothing has
   * arrived for this long, s, dropping what does: a late reply is not taken for the next one's.
   * Default 0.05 (at most the reply timeout).
   */
  quietS?: number;
}

/** Options of one exchange. */
export interface ExchangeOptions {
  /** Reply timeout, s (default: the framing's). */
  timeoutS?: number;
  /** Aborting rejects the exchange with `cancelled` (the command may already be on the wire). */
  signal?: AbortSignal;
  /**
   * Extra attempts after a timeout. Only for commands that are safe to repeat (queries of
   * state); the default is 0.
   */
  retries?: number;
  /**
   * Which lines are the reply (default: any). Others are logged and dropped: on a bus, what
   * another device or an earlier command sent late.
   */
  accept?: (line: string) => boolean;
}

/** A line-framed channel to one instrument port (possibly shared by several devices). */
export interface LineChannel {
  readonly description: string;
  /** Sends `command` and resolves with the next line received (without its terminator). */
  query(command: string, options?: ExchangeOptions): Promise<string>;
  /** Sends `command`, expecting no reply. */
  send(command: string, options?: ExchangeOptions): Promise<void>;
  /**
   * Sends `command` and collects reply lines until `done(lines)` is true (multi-line replies).
   */
  queryLines(command: string, done: (lines: readonly string[]) => boolean, options?: ExchangeOptions): Promise<string[]>;
  /** Rejects everything queued or under way with `reason` and refuses further exchanges. */
  fail(reason: DaqError): void;
}

interface Waiter {
  lines: string[];
  accept: ((line: string) => boolean) | undefined;
  done: (lines: readonly string[]) => boolean;
  resolve: (lines: string[]) => void;
  reject: (error: DaqError) => void;
}

/** Makes a line channel over `port`. */
export function createLineChannel(port: BytePort, framing: LineFraming, log?: TrafficLog): LineChannel {
  const maxLine = framing.maxLineLength ?? 4096;
  const where = port.description;
  let buffer = '';
  let waiter: Waiter | undefined;
  let failure: DaqError | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  /** Set when an exchange was abandoned: its reply may still come. */
  let resync = false;
  let lastInputMs = 0;
  const quietMs = Math.min(framing.quietS ?? 0.05, framing.timeoutS) * 1000;

  port.onData((chunk) => {
    lastInputMs = performance.now();
    buffer += Buffer.from(chunk).toString('latin1');
    for (;;) {
      const end = buffer.indexOf('\n');
      if (end < 0) break;
      const line = buffer.slice(0, end).replace(/\r$/, '');
      buffer = buffer.slice(end + 1);
      deliver(line);
    }
    if (buffer.length > maxLine) {
      const garbage = buffer;
      buffer = '';
      log?.('drop', where, garbage);
      waiter?.reject(new DaqError('internal', `${where}: garbage from the instrument (${garbage.length} characters without a line end: ${preview(garbage)})`));
    }
  });

  function deliver(line: string): void {
    if (waiter === undefined || (waiter.accept !== undefined && !waiter.accept(line))) {
      log?.('drop', where, line);
      return;
    }
    log?.('rx', where, line);
    waiter.lines.push(line);
    if (waiter.done(waiter.lines)) waiter.resolve(waiter.lines);
  }

  async function attempt(command: string, done: ((lines: readonly string[]) => boolean) | undefined, timeoutS: number, options: ExchangeOptions): Promise<string[]> {
    const signal = options.signal;
    if (failure !== undefined) throw failure;
    signal?.throwIfAborted();
    if (resync) await quiet();
    buffer = '';
    const reply =
      done === undefined
        ? undefined
        : new Promise<string[]>((resolve, reject) => {
            waiter = { lines: [], accept: options.accept, done, resolve, reject };
          });
    // If the write fails, nobody awaits the reply: keep its later rejection from going unhandled.
    reply?.catch(() => undefined);
    log?.('tx', where, command);
    try {
      await port.write(Buffer.from(command + framing.writeTerminator, 'latin1'));
      if (reply === undefined) return [];
      return await withTimeout(reply, timeoutS, `${where}: no reply to "${command}" within ${timeoutS} s`, signal);
    } catch (error) {
      if (reply !== undefined) {
        // Quiet is counted from now at the earliest: the abandoned reply may be on its way.
        resync = true;
        lastInputMs = Math.max(lastInputMs, performance.now());
      }
      throw error;
    } finally {
      waiter = undefined;
    }
  }

  /** Waits until no input has arrived for `quietMs` since the abandonment (lines arriving meanwhile are dropped: nobody waits). */
  async function quiet(): Promise<void> {
    resync = false;
    for (;;) {
      const left = lastInputMs + quietMs - performance.now();
      if (left <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, left));
    }
  }

  function exchange(command: string, done: ((lines: readonly string[]) => boolean) | undefined, options: ExchangeOptions): Promise<string[]> {
    const timeoutS = options.timeoutS ?? framing.timeoutS;
    const run = async (): Promise<string[]> => {
      for (let tries = 0; ; tries++) {
        try {
          return await attempt(command, done, timeoutS, options);
        } catch (error) {
          const err = DaqError.from(error);
          if (err.code !== 'deadline_exceeded' || tries >= (options.retries ?? 0)) throw err;
          log?.('info', where, `retrying "${command}" after a timeout`);
        }
      }
    };
    const result = queue.then(run, run);
    queue = result.catch(() => undefined);
    return result;
  }

  return {
    description: where,
    query: async (command, options = {}) => {
      const lines = await exchange(command, (l) => l.length >= 1, options);
      return lines[0] ?? '';
    },
    send: async (command, options = {}) => {
      await exchange(command, undefined, options);
    },
    queryLines: (command, done, options = {}) => exchange(command, done, options),
    fail: (reason) => {
      failure = reason;
      waiter?.reject(reason);
    },
  };
}

function preview(text: string): string {
  const shown = JSON.stringify(text.slice(0, 40));
  return text.length > 40 ? `${shown}...` : shown;
}
