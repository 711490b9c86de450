/**
 * Per-client budgets for the calls that cost the daemon real work (type checking a script,
 * starting a run, storing a script, exporting a file): a token bucket per client host and
 * method. Cheap calls (status, reads, device commands) are not limited: the lab must stay
 * controllable, and they cost microseconds.
 */
import { DaqError } from '../core/index.js';

/** Calls per second a client host may make of a method, and how many at once (burst). */
export interface Budget {
  perS: number;
  burst: number;
}

/** The methods with a budget (`Service.method`). */
export const BUDGETS: Readonly<Record<string, Budget>> = {
  'ControlService.checkScript': { perS: 10, burst: 30 },
  'ControlService.completeScript': { perS: 20, burst: 60 },
  'ControlService.startRun': { perS: 20, burst: 50 },
  'ControlService.uploadScript': { perS: 10, burst: 30 },
  'ControlService.exportRun': { perS: 5, burst: 20 },
};

/** Clients remembered at most (the least recently seen are forgotten first). */
const MAX_CLIENTS = 4096;

/** The host of a peer address (`127.0.0.1:53122` -> `127.0.0.1`, `[::1]:53122` -> `::1`). */
export function hostOf(peer: string): string {
  const bracketed = /^\[([^\]]*)\]/.exec(peer);
  if (bracketed !== null) return bracketed[1] ?? peer;
  const colon = peer.lastIndexOf(':');
  return colon > 0 ? peer.slice(0, colon) : peer;
}

/** A limiter over `budgets`; `nowS` is monotonic seconds (injected for tests). */
export function createRateLimiter(budgets: Readonly<Record<string, Budget>> = BUDGETS, nowS: () => number = () => performance.now() / 1000): (method: string, peer: string) => void {
  const buckets = new Map<string, { tokens: number; atS: number }>();
  return (method, peer) => {
    const budget = budgets[method];
    if (budget === undefined) return;
    const key = `${hostOf(peer)} ${method}`;
    const now = nowS();
    const bucket = buckets.get(key) ?? { tokens: budget.burst, atS: now };
    buckets.delete(key); // re-inserted below: the map's order is least recently seen first
    bucket.tokens = Math.min(budget.burst, bucket.tokens + (now - bucket.atS) * budget.perS);
    bucket.atS = now;
    if (buckets.size >= MAX_CLIENTS) buckets.delete(buckets.keys().next().value as string);
    buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      throw new DaqError('resource_exhausted', `too many ${method.split('.')[1]} calls from ${hostOf(peer)}: at most ${budget.perS} a second (${budget.burst} at once); wait and try again`);
    }
    bucket.tokens -= 1;
  };
}
