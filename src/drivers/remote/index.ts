/**
 * The `remote` driver: a device that another daemon of the cluster owns (`daemon`, `device`),
 * used here as if it were local. This is its lab-config face only (options, checks, the line
 * `daq drivers` prints); the working driver needs a cluster connection and is put in the catalog
 * by a clustered daemon (src/cluster/remote/). Without a cluster, creating one says so.
 */
import { z } from 'zod';
import { DaqError } from '../../core/index.js';
import { defineDriver, type DriverCatalog, type DriverDefinition } from '../../devices/index.js';

/** A name of the cluster's subjects: no dots, wildcards or spaces. */
const subjectToken = (what: string) =>
  z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_-]+$/, `${what}: letters, digits, "_" and "-" only (it is a token of NATS subjects)`);

/** Options of `remote` in the lab config. */
export const remoteOptions = z.strictObject({
  daemon: subjectToken('daemon').describe('name of the daemon that owns the device (its [lab] daemon or --name)'),
  device: subjectToken('device').describe("the device's name in the owner's lab config"),
  timeout: z.number().positive().max(3600).default(30).describe('longest wait for one call (a move, an exposure) before it fails (s)'),
  heartbeat: z.number().positive().max(60).default(1).describe('how often the owner is checked while the device is idle or faulted (s)'),
});

/** Validated options of `remote`. */
export type RemoteOptions = z.output<typeof remoteOptions>;

/** The driver's name in lab configs. */
export const REMOTE_DRIVER = 'remote';

/**
 * The `remote` driver as a daemon without a cluster knows it: options are checked, and creating
 * a device says that a cluster is needed. A clustered daemon replaces it ({@link withDriver}).
 */
export const remoteDriverStub: DriverDefinition = defineDriver({
  name: REMOTE_DRIVER,
  summary: "a device another daemon of the cluster owns, used over NATS (needs daq daemon --cluster)",
  options: remoteOptions,
  create: (_name, options) => {
    throw new DaqError(
      'failed_precondition',
      `driver "remote" (the device "${options.device}" of daemon "${options.daemon}") needs a cluster: start the daemon with --cluster nats://HOST:PORT, or set [lab] cluster in the lab config`,
    );
  },
});

/** `catalog` with `definition` in place of the driver of the same name. */
export function withDriver(catalog: DriverCatalog, definition: DriverDefinition): DriverCatalog {
  const next = new Map(catalog);
  next.set(definition.name, definition);
  return next;
}
