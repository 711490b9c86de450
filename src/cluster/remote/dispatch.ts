/**
 * The owner's side of remote calls, without the transport: which methods of a device may be
 * called from another daemon, the call itself (errors as `DaqError`s naming this daemon's device),
 * and the snapshot of synchronous values taken again after a call that may change it.
 * device-service.ts puts it on NATS.
 */
import { DaqError } from '../../core/index.js';
import type { Device, DeviceState } from '../../devices/index.js';
import { KEEP_SNAPSHOT, type RemoteDescription, remoteCapabilities, SyncTracker, wireMethods } from './describe.js';

/** The result of one call on the owner. */
export interface DispatchResult {
  value: unknown;
  /** The sync version after the call. */
  version: number;
  /** The device's state after the call. */
  state: DeviceState;
}

/** Serves one device's calls. */
export interface DeviceDispatcher {
  readonly device: Device;
  /** The methods callers may call. */
  readonly methods: readonly string[];
  describe(): RemoteDescription;
  call(method: string, args: readonly unknown[]): Promise<DispatchResult>;
}

/** The dispatcher of `device` (this daemon is `daemon`, named in errors). */
export function createDispatcher(device: Device, daemon: string): DeviceDispatcher {
  const tracker = new SyncTracker(device);
  const methods = wireMethods(remoteCapabilities(device));
  const allowed = new Set(methods);
  return {
    device,
    methods,
    describe: () => tracker.describe(),
    async call(method, args) {
      if (!allowed.has(method)) {
        throw new DaqError('unimplemented', `${device.name} (${device.driver}) on daemon "${daemon}" has no method "${method}" for remote callers (methods: ${methods.join(', ')})`, { device: device.name });
      }
      const fn = (device as unknown as Record<string, (...a: unknown[]) => unknown>)[method] as (...a: unknown[]) => unknown;
      let value: unknown;
      try {
        value = await fn.apply(device, [...args]);
      } finally {
        // a setter that failed half-way may still have changed something
        if (!KEEP_SNAPSHOT.has(method)) tracker.refresh();
      }
      return { value, version: tracker.version, state: device.state };
    },
  };
}
