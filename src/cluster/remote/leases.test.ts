/**
 * The lease keeper against an in-memory store with the semantics of JetStream KV (create only
 * when free, update only at the revision, a key forgotten after its TTL): a run holds a device
 * from its first call, another daemon's run is refused naming the holder, the lease is free at
 * the run's end, and a holder that stopped renewing loses it when its TTL runs out.
 */
import { describe, expect, it } from 'vitest';
import { type LeaseHolder, LeaseKeeper, type LeaseStore, type StoredLease } from './leases.js';

/** A store whose keys expire `ttlS` after their last write, by a clock the test moves. */
function memoryStore(ttlS: number): LeaseStore & { advance(s: number): void } {
  let now = 0;
  let revision = 0;
  const keys = new Map<string, StoredLease & { writtenS: number }>();
  const live = (key: string): (StoredLease & { writtenS: number }) | undefined => {
    const entry = keys.get(key);
    if (entry !== undefined && now - entry.writtenS >= ttlS) keys.delete(key);
    return keys.get(key);
  };
  return {
    advance: (s) => void (now += s),
    get: async (key) => {
      const entry = live(key);
      return entry === undefined ? undefined : { holder: entry.holder, revision: entry.revision };
    },
    create: async (key, holder) => {
      if (live(key) !== undefined) return undefined;
      keys.set(key, { holder, revision: ++revision, writtenS: now });
      return revision;
    },
    update: async (key, holder, at) => {
      if (live(key)?.revision !== at) return undefined;
      keys.set(key, { holder, revision: ++revision, writtenS: now });
      return revision;
    },
    release: async (key, at) => {
      if (live(key)?.revision === at) keys.delete(key);
    },
  };
}

function keeper(store: LeaseStore, daemon: string, run: { uid: string | undefined }): LeaseKeeper {
  return new LeaseKeeper(store, { daemon, currentRun: () => run.uid, renewEveryS: 3600, now: () => 1000 });
}

describe('leases of remote devices', () => {
  it("refuses another daemon's run naming the holder daemon and run, and frees the device at the run's end", async () => {
    const store = memoryStore(10);
    const runA = { uid: 'run-a' as string | undefined };
    const runB = { uid: 'run-b' as string | undefined };
    const a = keeper(store, 'host-a', runA);
    const b = keeper(store, 'host-b', runB);
    await a.beforeCall('remote_cam', 'camera-pc', 'camera');
    expect(a.beforeCall('remote_cam', 'camera-pc', 'camera'), 'held: no wait').toBeUndefined();
    await expect(b.beforeCall('cam', 'camera-pc', 'camera')).rejects.toMatchObject({
      code: 'failed_precondition',
      message: 'cam: camera-pc/camera is leased to daemon "host-a" (run run-a); it is free again when that run ends',
    });
    runB.uid = undefined;
    await expect(b.beforeCall('cam', 'camera-pc', 'camera'), 'outside a run too').rejects.toMatchObject({ code: 'failed_precondition' });
    await a.releaseRun('run-a');
    runB.uid = 'run-b';
    await b.beforeCall('cam', 'camera-pc', 'camera');
    expect([...b.holding().values()]).toEqual([{ daemon: 'host-b', runUid: 'run-b', sinceS: 1000 } satisfies LeaseHolder]);
  });

  it('keeps a renewed lease past its TTL, and loses one not renewed (a dead holder)', async () => {
    const store = memoryStore(10);
    const a = keeper(store, 'host-a', { uid: 'run-a' });
    const b = keeper(store, 'host-b', { uid: 'run-b' });
    await a.beforeCall('stage', 'stage-pc', 'stage');
    store.advance(8);
    await a.renew();
    store.advance(8);
    await expect(b.beforeCall('stage', 'stage-pc', 'stage')).rejects.toMatchObject({ message: expect.stringContaining('host-a') });
    store.advance(10); // host-a died: nobody renews
    await b.beforeCall('stage', 'stage-pc', 'stage');
    expect(b.holding().size).toBe(1);
  });

  it("a daemon's next run takes over the lease its previous run left", async () => {
    const store = memoryStore(10);
    const run = { uid: 'run-1' as string | undefined };
    const a = keeper(store, 'host-a', run);
    await a.beforeCall('stage', 'stage-pc', 'stage');
    run.uid = 'run-2';
    await a.beforeCall('stage', 'stage-pc', 'stage');
    expect([...a.holding().values()].map((h) => h.runUid)).toEqual(['run-2']);
  });
});
