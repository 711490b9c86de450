/** Waiting for an axis to come to rest, shared by every Movable (simulated or real). */
import { type Clock, DaqError } from '../core/index.js';

/** A move under way, as far as waiting for it goes. */
export interface Settling {
  finished: boolean;
  /** Resolves when the move ends, either way; never rejects. */
  ended: Promise<void>;
}

/**
 * `Movable.waitSettled`: resolves once the axis is at rest, following newer moves that replace the
 * one under way (`current()` gives the latest), and rejects `deadline_exceeded` after `timeoutS`
 * seconds of `clock` when given.
 */
export async function waitUntilSettled(device: string, clock: Clock, current: () => Settling | undefined, timeoutS?: number): Promise<void> {
  const timer = new AbortController();
  const deadline = new Promise<'timeout'>((resolve) => {
    if (timeoutS === undefined) return;
    clock.sleep(timeoutS, timer.signal).then(
      () => resolve('timeout'),
      () => undefined,
    );
  });
  try {
    for (let motion = current(); motion !== undefined && !motion.finished; motion = current()) {
      if ((await Promise.race([motion.ended, deadline])) === 'timeout') {
        throw new DaqError('deadline_exceeded', `${device}: not settled after ${timeoutS} s`, { device });
      }
    }
  } finally {
    timer.abort();
  }
}
