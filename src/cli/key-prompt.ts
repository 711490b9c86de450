/**
 * Questions answered with one key on a terminal (`Press d to detach, s to stop`): the question
 * stays at the bottom of the run display until answered, the key needs no Enter, and Ctrl-C
 * answers too (the terminal is in raw mode, so it comes as a key, not as SIGINT).
 */
import type { RunDisplay } from './run-display.js';

/** What ended the question: one of the keys offered, `enter`, `interrupt` (Ctrl-C) or `cancelled`. */
export type KeyAnswer = string;

/** The input a question reads: a terminal's stdin. */
export interface KeyInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
}

/**
 * Shows `question` in `display`'s footer and resolves with the first key of `keys` pressed
 * (lower-cased), `enter`, or `interrupt` for Ctrl-C; other keys are ignored. `cancelled` when
 * `signal` aborts first (the run ended while asking). Restores the terminal either way.
 */
export function askKey(display: RunDisplay, question: string, keys: readonly string[], signal?: AbortSignal, input: KeyInput = process.stdin): Promise<KeyAnswer> {
  return new Promise((resolve) => {
    const wasRaw = (input as { isRaw?: boolean }).isRaw === true;
    const done = (answer: KeyAnswer): void => {
      input.off('data', onData);
      signal?.removeEventListener('abort', onAbort);
      input.setRawMode?.(wasRaw);
      input.pause();
      display.prompt(undefined);
      resolve(answer);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString()) {
        if (ch === '\x03') return done('interrupt');
        if (ch === '\r' || ch === '\n') return done('enter');
        const key = ch.toLowerCase();
        if (keys.includes(key)) return done(key);
      }
    };
    const onAbort = (): void => done('cancelled');
    if (signal?.aborted === true) return resolve('cancelled');
    display.prompt(question);
    input.setRawMode?.(true);
    input.on('data', onData);
    input.resume();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
