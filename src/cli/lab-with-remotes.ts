/**
 * A lab for `daq check` and `daq types`: its devices created, not connected, except remote
 * devices (driver "remote"), whose capabilities only their owners know: for those, the lab
 * config's `[lab] cluster` is joined for the time of the command and each remote device is
 * described by its owner. A lab without remote devices never touches the network.
 */
import { type Clock, DaqError, formatErrorTree } from '../core/index.js';
import { Lab, readLabConfig } from '../devices/index.js';
import { DRIVERS } from '../drivers/index.js';
import { REMOTE_DRIVER } from '../drivers/remote/index.js';

/** A lab loaded for its declarations, and how to let go of it. */
export interface DeclaredLabHandle {
  lab: Lab;
  close(): Promise<void>;
}

/** Loads `file`'s lab; remote devices are described by their owners through the lab's cluster. */
export async function loadLabWithRemotes(file: string, clock: Clock): Promise<DeclaredLabHandle> {
  const { config } = await readLabConfig(file, DRIVERS);
  const remotes = config.devices.filter((d) => d.driver === REMOTE_DRIVER);
  if (remotes.length === 0) return { lab: await Lab.load(file, DRIVERS, clock), close: async () => undefined };
  // The NATS client is loaded only for a lab with remote devices (the CLI starts faster without it).
  const { connectCluster, clusterSettings } = await import('../cluster/index.js');
  const { remoteDevices } = await import('../cluster/remote/index.js');
  const settings = clusterSettings(config.cluster, {}, file);
  if (settings === undefined) return { lab: await Lab.load(file, DRIVERS, clock), close: async () => undefined };
  const connection = await connectCluster(settings);
  try {
    const remote = remoteDevices({ options: { lab: settings.lab, daemon: settings.daemon }, connection, ready: Promise.resolve(connection) });
    const lab = await Lab.load(file, remote.catalog(DRIVERS), clock);
    const close = async (): Promise<void> => {
      await lab.disconnect();
      await remote.close();
      await connection.close();
    };
    const devices = lab.devices().filter((d) => d.driver === REMOTE_DRIVER);
    const failed = (
      await Promise.all(
        devices.map((d) =>
          d.connect(AbortSignal.timeout(config.connectTimeoutS * 1000)).then(
            () => undefined,
            (error: unknown) => DaqError.from(error, { device: d.name }),
          ),
        ),
      )
    ).filter((e) => e !== undefined);
    if (failed.length > 0) {
      await close();
      throw new DaqError('unavailable', formatErrorTree(new DaqError('unavailable', `the capabilities of ${failed.length} remote devices could not be learned from their owners (cluster ${settings.url}, lab "${settings.lab}"):`, { children: failed })));
    }
    return { lab, close };
  } catch (error) {
    await connection.close();
    throw error;
  }
}
