/**
 * Remote devices (issue 18, part 4): a clustered daemon serves its devices to the other daemons
 * of the lab (device-service.ts), uses theirs through the `remote` driver (a {@link RemoteDevice}
 * over NATS), and leases a remote device to its run while the run uses it (leases.ts on
 * JetStream KV). docs/cluster.md, "Remote devices".
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { DaqError, type Unsubscribe } from '../../core/index.js';
import { defineDriver, type DriverCatalog, type Lab } from '../../devices/index.js';
import { REMOTE_DRIVER, remoteDriverStub, remoteOptions, withDriver } from '../../drivers/remote/index.js';
import type { RunEngine } from '../../engine/index.js';
import { type DeviceService, serveDevices } from './device-service.js';
import { kvLeaseStore } from './kv-lease-store.js';
import { LeaseKeeper } from './leases.js';
import { RemoteDevice } from './remote-device.js';
import { NatsEndpoint } from './remote-endpoint.js';

export { leaseBucket } from './kv-lease-store.js';
export { RemoteDevice } from './remote-device.js';
export { deviceSubject } from './device-service.js';

/** Default TTL of a lease, s: a dead holder's leases are free after this long. */
export const DEFAULT_LEASE_TTL_S = 15;

/** What remote devices need of the cluster connection. */
export interface RemoteCluster {
  nc: NatsConnection;
  lab: string;
  daemon: string;
}

/** Remote devices of one daemon: the catalog to load its lab with, then {@link RemoteDevices.start}. */
export interface RemoteDevices {
  /** `drivers` with the working `remote` driver. */
  catalog(drivers: DriverCatalog): DriverCatalog;
  /** Serves this daemon's devices and ties leases to `engine`'s runs. */
  start(lab: Lab, engine: RunEngine): Promise<void>;
  /** Stops serving and gives back every lease. */
  close(): Promise<void>;
}

/** Remote devices over `cluster`; `leases`: the lab's lease bucket (its `max_age` is `ttlS`). */
export function remoteDevices(cluster: RemoteCluster, leases: KV, ttlS = DEFAULT_LEASE_TTL_S, onProblem?: (message: string) => void): RemoteDevices {
  let engine: RunEngine | undefined;
  const runUid = (): string | undefined => engine?.currentRun?.uid;
  const keeper = new LeaseKeeper(kvLeaseStore(leases), {
    daemon: cluster.daemon,
    currentRun: runUid,
    renewEveryS: ttlS / 3,
    now: () => Date.now() / 1000,
    ...(onProblem === undefined ? {} : { onProblem }),
  });
  const driver = defineDriver({
    name: REMOTE_DRIVER,
    summary: remoteDriverStub.summary,
    options: remoteOptions,
    create: (name, options) => {
      if (options.daemon === cluster.daemon) {
        throw new DaqError('invalid_argument', `daemon "${options.daemon}" is this daemon: name its device "${options.device}" in this lab directly`);
      }
      const endpoint = new NatsEndpoint(cluster.nc, cluster.lab, options.daemon, options.device, { daemon: cluster.daemon, runUid });
      return new RemoteDevice(name, endpoint, {
        timeoutS: options.timeout,
        heartbeatS: options.heartbeat,
        guard: (device) => keeper.beforeCall(device.name, options.daemon, options.device),
      });
    },
  });
  let service: DeviceService | undefined;
  let detach: Unsubscribe | undefined;
  return {
    catalog: (drivers) => withDriver(drivers, driver),
    async start(lab, runs) {
      engine = runs;
      detach = runs.onRunChange((summary) => {
        if (summary.state === 'finished') void keeper.releaseRun(summary.uid);
      });
      service = await serveDevices(cluster.nc, {
        lab: cluster.lab,
        daemon: cluster.daemon,
        devices: lab.devices(),
        inUseHere: (device) => {
          const current = runs.currentRun;
          return current !== undefined && current.touched.has(device) ? `daemon "${cluster.daemon}"'s own run ${current.uid}` : undefined;
        },
      });
    },
    async close() {
      detach?.();
      await service?.stop();
      await keeper.close();
    },
  };
}
