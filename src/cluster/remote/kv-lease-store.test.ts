/**
 * Leases on a real nats-server's JetStream KV (2.9: the bucket's max_age is the TTL): one daemon
 * holds a device, another is refused naming it, and once the holder stops renewing (it died) the
 * lease expires and the other daemon takes it.
 */
import { describe, expect, it } from 'vitest';
import { connectCluster } from '../connection.js';
import { NatsServer } from '../nats.fixture.js';
import { kvLeaseStore } from './kv-lease-store.js';
import { LeaseKeeper } from './leases.js';

describe('leases on JetStream KV', () => {
  it("refuses a held device naming its holder, and frees it when the holder's TTL runs out", { timeout: 120_000 }, async () => {
    const server = await NatsServer.start();
    const a = await connectCluster({ url: server.url, lab: 'lease-test', daemon: 'host-a' });
    const b = await connectCluster({ url: server.url, lab: 'lease-test', daemon: 'host-b' });
    try {
      const ttlS = 1;
      const keeper = async (connection: typeof a, runUid: string): Promise<LeaseKeeper> =>
        new LeaseKeeper(kvLeaseStore(await connection.kv('leases', { ttl: ttlS * 1000 })), {
          daemon: connection.daemon,
          currentRun: () => runUid,
          renewEveryS: 3600, // never renews: as a holder that died
          now: () => Date.now() / 1000,
        });
      const holder = await keeper(a, 'run-a');
      const other = await keeper(b, 'run-b');
      await holder.beforeCall('stage', 'stage-pc', 'stage');
      await expect(other.beforeCall('stage', 'stage-pc', 'stage')).rejects.toThrow('stage: stage-pc/stage is leased to daemon "host-a" (run run-a)');
      // The bucket forgets the lease once it is older than the TTL.
      await expect
        .poll(
          () =>
            other.beforeCall('stage', 'stage-pc', 'stage')?.then(
              () => 'taken',
              (error: unknown) => (error as Error).message,
            ) ?? 'taken',
          { timeout: 60_000, interval: 200 },
        )
        .toBe('taken');
      // The old holder, back, learns at its next renewal that the lease is gone, and is refused.
      await holder.renew();
      expect(holder.holding().size).toBe(0);
      await expect(holder.beforeCall('stage', 'stage-pc', 'stage')).rejects.toThrow('leased to daemon "host-b" (run run-b)');
      await other.releaseRun('run-b');
      await holder.beforeCall('stage', 'stage-pc', 'stage');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
