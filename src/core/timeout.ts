/** Bounding how long something may take, and timers that do not wrap. */
import { DaqError } from './errors.js';

/** The longest delay Node's `setTimeout` takes, ms (2^31 - 1, about 24.8 days); longer ones fire after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `fn` after `ms` milliseconds, however long: delays beyond {@link MAX_TIMER_MS} are
 * chained timers (Node's own would fire at once), `Infinity` never fires, NaN and negative
 * delays fire at once. Returns the function that cancels it. `unref` timers do not keep the
 * process alive.
 */
export function setLongTimeout(fn: () => void, ms: number, unref = false): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let cancelled = false;
  const dueMs = performance.now() + (ms > 0 ? ms : 0);
  const arm = (): void => {
    if (cancelled) return;
    const left = dueMs - performance.now();
    if (left === Infinity) return;
    if (left <= MAX_TIMER_MS) {
      timer = setTimeout(fn, Math.max(0, left));
    } else {
      timer = setTimeout(arm, MAX_TIMER_MS);
    }
    if (unref) timer.unref();
  };
  arm();
  return () => {
    cancelled = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}

/**
 * Settles like `promise`, but rejects `deadline_exceeded` with `message` after `timeoutS` seconds
 * (real time), and `cancelled` when `signal` aborts first. Other rejections become DaqErrors.
 */
export function withTimeout<T>(promise: Promise<T>, timeoutS: number, message: string, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cancelTimer = setLongTimeout(() => finish(() => reject(new DaqError('deadline_exceeded', message))), timeoutS * 1000);
    const onAbort = (): void => finish(() => reject(DaqError.from(signal?.reason ?? new Error('cancelled'), { code: 'cancelled' })));
    signal?.addEventListener('abort', onAbort, { once: true });
    function finish(settle: () => void): void {
      cancelTimer();
      signal?.removeEventListener('abort', onAbort);
      settle();
    }
    promise.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(DaqError.from(error))),
    );
  });
}
