/**
 * The configuration of a run's devices, as descriptors carry it: each Parameterized device's
 * writable settings (`<device>_<setting>`: value, when read, data key with units; read-only
 * settings such as a sensor temperature are measurements, not configuration). Settings are read
 * lazily and only when they may have changed: the first time a stream records from a device,
 * and again after the script called one of the device's setters (`setExposure`, `setParameter`,
 * ...). Each device gets a version that goes up when a re-read finds different values; the
 * recorder starts a new descriptor for a stream when a source device's version moved.
 *
 * A stuck device never holds recording: each setting read is bounded (`timeoutS`, real time),
 * a device that timed out is not asked again during the run (its last values stay), and a setting
 * that cannot be read is left out (with a warning through `onProblem`).
 */
import { type ParameterInfo, parameterized } from '../../capabilities/index.js';
import { type Clock, DaqError, withTimeout } from '../../core/index.js';
import type { Device } from '../../devices/index.js';
import type { DataKey, DeviceConfiguration } from './documents.js';

/** Where the recorder gets devices' configurations. */
export interface ConfigurationSource {
  /** The device's configuration as last read and its version, or `undefined` when it has none (yet). */
  current(device: string): { version: number; configuration: DeviceConfiguration } | undefined;
}

/** What {@link DeviceConfigurations} needs of a lab. */
export interface DeviceLookup {
  devices(): readonly Device[];
}

interface Known {
  version: number;
  configuration: DeviceConfiguration;
}

/** Reads and remembers the configuration of a run's devices. */
export class DeviceConfigurations implements ConfigurationSource {
  private readonly known = new Map<string, Known>();
  private readonly dirty = new Set<string>();
  private readonly stuck = new Set<string>();
  /** Sources that are not Parameterized devices (or not devices): nothing to read, ever. */
  private readonly plain = new Set<string>();
  private readonly reading = new Map<string, Promise<void>>();

  constructor(
    private readonly lab: DeviceLookup,
    private readonly clock: Clock,
    private readonly timeoutS = 1,
    private readonly onProblem: (message: string) => void = () => undefined,
    private readonly signal?: AbortSignal,
  ) {}

  /** Notes that `device`'s settings may have changed (a setter was called): re-read before the next record from it. */
  markChanged(device: string): void {
    this.dirty.add(device);
  }

  /** Whether any of `devices` must be read before recording (cheap, synchronous). */
  needsRead(devices: Iterable<string>): boolean {
    for (const name of devices) if (this.wants(name)) return true;
    return false;
  }

  /** Reads the settings of those of `devices` not read yet or changed since, in parallel. Never rejects. */
  async read(devices: Iterable<string>): Promise<void> {
    const work: Promise<void>[] = [];
    for (const name of devices) {
      if (!this.wants(name)) continue;
      let pending = this.reading.get(name);
      if (pending === undefined) {
        pending = this.readDevice(name).finally(() => this.reading.delete(name));
        this.reading.set(name, pending);
      }
      work.push(pending);
    }
    await Promise.all(work);
  }

  current(device: string): Known | undefined {
    return this.known.get(device);
  }

  private wants(name: string): boolean {
    if (this.stuck.has(name) || this.plain.has(name)) return false;
    if (this.known.has(name) && !this.dirty.has(name)) return false;
    const device = this.lab.devices().find((d) => d.name === name);
    if (device !== undefined && parameterized.is(device)) return true;
    this.plain.add(name);
    return false;
  }

  private async readDevice(name: string): Promise<void> {
    this.dirty.delete(name);
    const device = this.lab.devices().find((d) => d.name === name);
    if (device === undefined || !parameterized.is(device)) return;
    const configuration: DeviceConfiguration = { data: {}, timestamps: {}, dataKeys: {} };
    const infos: readonly ParameterInfo[] = device.parameters().filter((info) => info.writable);
    for (const info of infos) {
      if (this.signal?.aborted) return; // the run is ending: no new descriptor will be made
      const key = `${name}_${info.name}`;
      try {
        configuration.data[key] = await withTimeout(device.getParameter(info.name), this.timeoutS, `no answer within ${this.timeoutS} s`, this.signal);
        configuration.timestamps[key] = this.clock.now();
        configuration.dataKeys[key] = settingKey(info, name);
      } catch (error) {
        const err = DaqError.from(error);
        if (this.signal?.aborted) return;
        if (err.code === 'deadline_exceeded') {
          // Asking again would hold every record from this device for the timeout.
          this.stuck.add(name);
          this.onProblem(`${name}: settings not read (${info.name}: ${err.message}); its configuration in the run's descriptors stays as last read`);
          if (!this.known.has(name)) this.known.set(name, { version: 1, configuration });
          return;
        }
        this.onProblem(`${name}: setting ${info.name} could not be read: ${err.message}`);
      }
    }
    const before = this.known.get(name);
    if (before === undefined) this.known.set(name, { version: 1, configuration });
    else if (!sameValues(before.configuration, configuration)) this.known.set(name, { version: before.version + 1, configuration });
  }
}

/** The data key of a setting. */
function settingKey(info: ParameterInfo, source: string): DataKey {
  const dtype = info.type === 'string' ? 'string' : info.type === 'boolean' ? 'bool' : info.type === 'integer' ? 'int32' : 'float64';
  return { dtype, shape: [], units: info.units, source };
}

function sameValues(a: DeviceConfiguration, b: DeviceConfiguration): boolean {
  const keys = Object.keys(a.data);
  if (keys.length !== Object.keys(b.data).length) return false;
  return keys.every((key) => key in b.data && Object.is(a.data[key], b.data[key]));
}
