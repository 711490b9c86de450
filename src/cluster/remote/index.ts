/**
 * Remote devices (issue 18, part 4): a clustered daemon serves its devices to the other daemons
 * of the lab (device-service.ts), uses theirs through the `remote` driver (a {@link RemoteDevice}
 * over NATS), and leases a remote device to its run while the run uses it (leases.ts on
 * JetStream KV). The daemon joins the cluster in the background: until it has, its remote devices
 * are faulted ("not joined yet") and connect at their next heartbeat after it has.
 * docs/cluster.md, "Remote devices".
 */
import type { KV } from '@nats-io/kv';
import { DaqError, type Unsubscribe } from '../../core/index.js';
import { defineDriver, type DriverCatalog, type Lab } from '../../devices/index.js';
import { REMOTE_DRIVER, remoteDriverStub, remoteOptions, withDriver } from '../../drivers/remote/index.js';
import type { RunEngine } from '../../engine/index.js';
import type { ClusterConnection } from '../connection.js';
import { type DeviceService, serveDevices } from './device-service.js';
import { kvLeaseStore } from './kv-lease-store.js';
import { type LeaseHolder, LeaseKeeper, type LeaseStore } from './leases.js';
import { RemoteDevice } from './remote-device.js';
import { NatsEndpoint } from './remote-endpoint.js';

export { leaseBucket } from './kv-lease-store.js';
export { RemoteDevice } from './remote-device.js';
export { deviceSubject } from './device-service.js';

/** Default TTL of a lease, s: a dead holder's leases are free after this long. */
export const DEFAULT_LEASE_TTL_S = 15;

/** What remote devices need of the daemon's cluster membership. */
export interface RemoteMembership {
  /** The lab id and this daemon's name. */
  readonly options: { lab: string; daemon: string };
  /** The connection once made. */
  readonly connection: ClusterConnection | undefined;
  /** Resolves once connected. */
  readonly ready: Promise<ClusterConnection>;
}

/** Remote devices of one daemon: the catalog to load its lab with, then {@link RemoteDevices.start}. */
export interface RemoteDevices {
  /** `drivers` with the working `remote` driver. */
  catalog(drivers: DriverCatalog): DriverCatalog;
  /** Serves this daemon's devices (once joined) and ties leases to `engine`'s runs. */
  start(lab: Lab, engine: RunEngine): void;
  /** Stops serving and gives back every lease. */
  close(): Promise<void>;
}

/** Options of {@link remoteDevices}. */
export interface RemoteDevicesOptions {
  /** TTL of leases, s (the lease bucket's max_age). */
  leaseTtlS?: number;
  /** Where problems go (the daemon's log). */
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/** Remote devices of the daemon that is `member` of a lab cluster. */
export function remoteDevices(member: RemoteMembership, options: RemoteDevicesOptions = {}): RemoteDevices {
  const { lab: labId, daemon } = member.options;
  const ttlS = options.leaseTtlS ?? DEFAULT_LEASE_TTL_S;
  let engine: RunEngine | undefined;
  const runUid = (): string | undefined => engine?.currentRun?.uid;
  const keeper = new LeaseKeeper(lazyStore(member, ttlS), {
    daemon,
    currentRun: runUid,
    renewEveryS: ttlS / 3,
    now: () => Date.now() / 1000,
    onProblem: (message) => options.log?.('warn', message),
  });
  const driver = defineDriver({
    name: REMOTE_DRIVER,
    summary: remoteDriverStub.summary,
    options: remoteOptions,
    create: (name, remote) => {
      if (remote.daemon === daemon) {
        throw new DaqError('invalid_argument', `daemon "${remote.daemon}" is this daemon: name its device "${remote.device}" in this lab directly`);
      }
      const endpoint = new NatsEndpoint(() => member.connection?.nc, member.ready, labId, remote.daemon, remote.device, { daemon, runUid });
      return new RemoteDevice(name, endpoint, {
        timeoutS: remote.timeout,
        heartbeatS: remote.heartbeat,
        guard: (device) => keeper.beforeCall(device.name, remote.daemon, remote.device),
      });
    },
  });
  let service: Promise<DeviceService | undefined> | undefined;
  let detach: Unsubscribe | undefined;
  let detachGuard: Unsubscribe | undefined;
  let stopWatch: (() => void) | undefined;
  // This daemon's devices that another daemon's run has leased, from a watch of the lease bucket
  // (a holder renews every ttl/3, so a lease not written for a TTL has expired with its holder).
  const leasedElsewhere = new Map<string, { holder: LeaseHolder; seenS: number }>();
  return {
    catalog: (drivers) => withDriver(drivers, driver),
    start(lab, runs) {
      engine = runs;
      detach = runs.onRunChange((summary) => {
        if (summary.state === 'finished') void keeper.releaseRun(summary.uid);
      });
      // This daemon's own runs are refused a device of its own that another daemon's run holds.
      detachGuard = runs.guardDevices((device, runUid) => {
        const lease = leasedElsewhere.get(device);
        if (lease === undefined) return;
        if (Date.now() / 1000 - lease.seenS > ttlS) return void leasedElsewhere.delete(device);
        throw new DaqError(
          'failed_precondition',
          `${device} is in use by daemon "${lease.holder.daemon}"'s run ${lease.holder.runUid} (leased in the lab cluster): run ${runUid} cannot use it until that run ends`,
          { device },
        );
      });
      void member.ready
        .then(async (connection) => {
          const watch = await (await connection.kv('leases', { ttl: ttlS * 1000 })).watch({ key: `${daemon}.*` });
          stopWatch = () => watch.stop();
          for await (const entry of watch) {
            const device = entry.key.slice(daemon.length + 1);
            const holder = entry.operation === 'PUT' && entry.length > 0 ? entry.json<LeaseHolder>() : undefined;
            if (holder !== undefined && holder.daemon !== daemon) leasedElsewhere.set(device, { holder, seenS: entry.created.getTime() / 1000 });
            else leasedElsewhere.delete(device);
          }
        })
        .catch((error: unknown) => options.log?.('warn', `cannot watch the leases of this daemon's devices: ${DaqError.from(error).message}`));
      const inUseHere = (device: string): string | undefined => {
        const current = runs.currentRun;
        return current !== undefined && current.touched.has(device) ? `daemon "${daemon}"'s own run ${current.uid}` : undefined;
      };
      service = member.ready.then(
        async (connection) => {
          const served = await serveDevices(connection.nc, { lab: labId, daemon, devices: lab.devices(), inUseHere });
          options.log?.('info', `serving ${lab.devices().filter((d) => d.driver !== REMOTE_DRIVER).length} devices to the lab cluster on ${served.subjectOf('_').slice(0, -1)}*`); // (the wildcard is not a device name: subjectOf refuses it)
          return served;
        },
        () => undefined,
      );
      service.catch((error: unknown) => options.log?.('error', `cannot serve the devices to the cluster: ${DaqError.from(error).message}`));
    },
    async close() {
      detach?.();
      detachGuard?.();
      stopWatch?.();
      await (await service?.catch(() => undefined))?.stop();
      await keeper.close();
    },
  };
}

/** The lease bucket, opened once joined; `unavailable` before. */
function lazyStore(member: RemoteMembership, ttlS: number): LeaseStore {
  let opening: Promise<KV> | undefined;
  const store = async (): Promise<LeaseStore> => {
    const connection = member.connection;
    if (connection === undefined) throw new DaqError('unavailable', 'this daemon has not joined the cluster yet: remote devices cannot be leased');
    opening ??= connection.kv('leases', { ttl: ttlS * 1000 });
    try {
      return kvLeaseStore(await opening);
    } catch (error) {
      opening = undefined;
      throw error;
    }
  };
  return {
    get: async (key) => (await store()).get(key),
    create: async (key, holder) => (await store()).create(key, holder),
    update: async (key, holder, revision) => (await store()).update(key, holder, revision),
    release: async (key, revision) => (await store()).release(key, revision),
  };
}
