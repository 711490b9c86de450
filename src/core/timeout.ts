/** Bounding how long something may take. */
import { DaqError } from './errors.js';

/**
 * Settles like `promise`, but rejects `deadline_exceeded` with `message` after `timeoutS` seconds
 * (real time), and `cancelled` when `signal` aborts first. Other rejections become DaqErrors.
 */
export function withTimeout<T>(promise: Promise<T>, timeoutS: number, message: string, signal?: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(new DaqError('deadline_exceeded', message))), timeoutS * 1000);
    const onAbort = (): void => finish(() => reject(DaqError.from(signal?.reason ?? new Error('cancelled'), { code: 'cancelled' })));
    signal?.addEventListener('abort', onAbort, { once: true });
    function finish(settle: () => void): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      settle();
    }
    promise.then(
      (value) => finish(() => resolve(value)),
      (error: unknown) => finish(() => reject(DaqError.from(error))),
    );
  });
}
