/**
 * The lease store on JetStream KV: bucket `daq_<lab>_leases`, key `<owner>.<device>`, value the
 * holder as JSON. nats-server 2.9 has no per-key TTL, so the bucket's `max_age` is the TTL: a key
 * not written again within it is gone (its holder stopped renewing: the daemon died). Conditional
 * writes (`create` when free, `update` at a revision) make two daemons never both hold a device.
 */
import type { KV } from '@nats-io/kv';
import type { LeaseHolder, LeaseStore, StoredLease } from './leases.js';

/** The name of a lab's lease bucket. */
export function leaseBucket(lab: string): string {
  return `daq_${lab}_leases`;
}

/** A {@link LeaseStore} over an opened bucket. */
export function kvLeaseStore(kv: KV): LeaseStore {
  return {
    async get(key): Promise<StoredLease | undefined> {
      const entry = await kv.get(key);
      if (entry === null || entry.operation !== 'PUT' || entry.length === 0) return undefined;
      return { holder: entry.json<LeaseHolder>(), revision: entry.revision };
    },
    async create(key, holder) {
      try {
        return await kv.create(key, JSON.stringify(holder));
      } catch (error) {
        if (isConflict(error)) return undefined;
        throw error;
      }
    },
    async update(key, holder, revision) {
      try {
        return await kv.update(key, JSON.stringify(holder), revision);
      } catch (error) {
        if (isConflict(error)) return undefined;
        throw error;
      }
    },
    async release(key, revision) {
      try {
        await kv.delete(key, { previousSeq: revision });
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    },
  };
}

/** A conditional write refused: the key exists, or moved on from the revision named. */
function isConflict(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String((error as { api_error?: { err_code?: number } }).api_error?.err_code ?? '')}` : String(error);
  return /wrong last sequence|10071|key exists/i.test(text);
}
