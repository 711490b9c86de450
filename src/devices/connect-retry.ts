/**
 * How often a device that is not there is tried again: after its first connect failed (the
 * instrument is off, its port not plugged in yet), and after it lost its instrument and the
 * reconnect found it not answering yet (still booting). One policy for both, so a lab sees the
 * same rhythm whichever way the instrument went missing.
 */

/** Delays between attempts, s: the first one, doubling after each failed attempt up to the last. */
export const CONNECT_RETRY = { firstS: 0.5, maxS: 10 } as const;

/** The delay after `delayS` (s): doubled, at most {@link CONNECT_RETRY}`.maxS`. */
export function nextRetryDelayS(delayS: number): number {
  return Math.min(CONNECT_RETRY.maxS, delayS * 2);
}
