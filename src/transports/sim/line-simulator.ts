/**
 * The shape of a wire-level instrument simulator: it receives the bytes a driver writes,
 * splits them into commands the way the instrument does, and answers with reply lines, now or
 * later (a move that reports when it ends). Its state outlives connections, as an instrument's
 * does when its cable is pulled. Time is the computer's (`performance.now()`): the driver at
 * the other end of a real PTY waits in real time, so simulated timings are kept short.
 *
 * Faults for tests: `silent` (no replies: timeouts), `garble(text)` (the next reply is
 * replaced by `text`).
 */
import type { Unsubscribe } from '../../core/index.js';
import type { BytePort } from '../byte-port.js';

/** Sends one reply line (the simulator adds its terminator). */
export type Reply = (line: string) => void;

/** Base of the instrument simulators. */
export abstract class LineSimulator {
  /** The instrument, for messages: `ESP300`. */
  abstract readonly instrument: string;
  /** Ends every reply line: `\r\n` unless the instrument says otherwise. */
  replyTerminator = '\r\n';
  /** When true, the instrument answers nothing (a switched-off or wedged instrument). */
  silent = false;
  private garbled: string | undefined;

  /** Handles one command; `reply` may be called now, later, or not at all. */
  abstract handle(command: string, reply: Reply): void;

  /**
   * Splits received text into complete commands and the unfinished rest. Default: one command
   * per line (`\r`, `\n` or both end it); empty lines are ignored.
   */
  split(buffer: string): { commands: string[]; rest: string } {
    const parts = buffer.split(/\r\n|\r|\n/);
    const rest = parts.pop() ?? '';
    return { commands: parts.filter((p) => p.length > 0), rest };
  }

  /** Replaces the next reply with `text`, sent as is (no terminator added). */
  garble(text: string): void {
    this.garbled = text;
  }

  /** Seconds on the simulator's clock (monotonic). */
  now(): number {
    return performance.now() / 1000;
  }

  /** Serves this simulator on `port` until the port closes or the returned function is called. */
  attach(port: BytePort): Unsubscribe {
    let buffer = '';
    let attached = true;
    const write = (text: string): void => {
      if (attached) port.write(Buffer.from(text, 'latin1')).catch(() => undefined);
    };
    const reply: Reply = (line) => {
      if (this.silent || !attached) return;
      if (this.garbled !== undefined) {
        const text = this.garbled;
        this.garbled = undefined;
        write(text);
        return;
      }
      write(line + this.replyTerminator);
    };
    const off = port.onData((chunk) => {
      buffer += Buffer.from(chunk).toString('latin1');
      const { commands, rest } = this.split(buffer);
      buffer = rest;
      for (const command of commands) this.handle(command, reply);
    });
    return () => {
      attached = false;
      off();
    };
  }
}
