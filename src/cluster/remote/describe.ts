/**
 * What a proxy needs to know of a device it does not own: the capabilities it can use over the
 * wire, and the values the capabilities give synchronously (a Movable's `units`, a Readable's
 * `describe()`, a camera's `frameSize()`, the ranges, the settings' `parameters()`), which the
 * proxy serves from this snapshot. The snapshot has a version; the owner tells it with every
 * reply, so a proxy fetches the description again only after something changed it (`setRoi`).
 */
import { capabilitiesOf, type CapabilityName, capabilitySpec } from '../../capabilities/index.js';
import type { Device, DeviceState } from '../../devices/index.js';

/**
 * Capabilities that take callbacks or device objects as arguments (a trigger source followed by
 * a camera, pulse listeners): they do not cross the wire, so a remote device does not have them.
 */
const LOCAL_ONLY: ReadonlySet<CapabilityName> = new Set(['TriggerSource', 'HardwareTriggered']);

/** Methods whose value the proxy keeps from the snapshot (they are synchronous on devices). */
export const SYNC_METHODS: readonly string[] = [
  'describe',
  'frameSize',
  'exposureRange',
  'temperatureRange',
  'voltageRange',
  'wavelengthRange',
  'sensorSize',
  'parameters',
  'analogInputChannels',
  'analogInputRateRange',
  'analogOutputChannels',
  'digitalLines',
  'counterChannels',
];

/** Methods the proxy serves itself: listeners of frames acquired through it. */
export const LOCAL_METHODS: readonly string[] = ['onFrame'];

/** Calls that read and change nothing: a proxy does not mark its device busy for them, the owner takes no new snapshot after them. */
export const QUERIES: ReadonlySet<string> = new Set([
  'position', 'limits', 'read', 'exposure', 'temperature', 'temperatureSetpoint', 'voltage', 'wavelength', 'roi',
  'getParameter', 'isShutterOpen', 'isEmissionEnabled', 'waitSettled',
  'analogInputTiming', 'analogOutput', 'readLine', 'readCounter',
]);

/** Calls after which the owner's synchronous values stay as they were: reads, motion, acquisition. */
export const KEEP_SNAPSHOT: ReadonlySet<string> = new Set([
  ...QUERIES, 'moveAbs', 'moveRel', 'stop', 'arm', 'trigger', 'snap',
  'startAnalogInput', 'stopAnalogInput', 'readAnalogInput', 'writeAnalogOutput', 'writeLine', 'resetCounter',
]);

/** A device as a proxy sees it. */
export interface RemoteDescription {
  /** The owner's driver (`sim-camera`). */
  driver: string;
  /** Capabilities usable over the wire. */
  capabilities: CapabilityName[];
  /** `units` (a Movable's) and the value of every synchronous method the device has, by name. */
  sync: Record<string, unknown>;
  /** Version of `sync`: changes when a value of it does. */
  version: number;
  /** The device's state on the owner (`busy` while a move started with `wait: false` runs). */
  state: DeviceState;
}

/** The capabilities of `device` a proxy can have. */
export function remoteCapabilities(device: Device): CapabilityName[] {
  return capabilitiesOf(device).filter((c) => !LOCAL_ONLY.has(c));
}

/** The methods a proxy calls over the wire for `capabilities` (neither synchronous nor local). */
export function wireMethods(capabilities: readonly CapabilityName[]): string[] {
  const methods = new Set<string>();
  for (const name of capabilities) for (const m of capabilitySpec(name)?.methods ?? []) methods.add(m);
  return [...methods].filter((m) => !SYNC_METHODS.includes(m) && !LOCAL_METHODS.includes(m));
}

/** The synchronous values of `device` now (units, describe(), ranges, parameters()). */
export function syncValues(device: Device): Record<string, unknown> {
  const record = device as unknown as Record<string, unknown>;
  const values: Record<string, unknown> = {};
  if (typeof record['units'] === 'string') values['units'] = record['units'];
  for (const method of SYNC_METHODS) {
    const fn = record[method];
    if (typeof fn !== 'function') continue;
    try {
      values[method] = (fn as () => unknown).call(device);
    } catch {
      // a value the device cannot give now (not connected): the proxy's call says so
    }
  }
  return values;
}

/**
 * Keeps a device's snapshot and its version on the owner's side: {@link SyncTracker.refresh}
 * after a call that may change it, {@link SyncTracker.version} in every reply.
 */
export class SyncTracker {
  private text = '';
  private values: Record<string, unknown> = {};
  private currentVersion = 0;

  constructor(private readonly device: Device) {
    this.refresh();
  }

  /** The version of the last snapshot taken. */
  get version(): number {
    return this.currentVersion;
  }

  /** Takes the snapshot again; the version goes up when it differs. */
  refresh(): void {
    const values = syncValues(this.device);
    const text = JSON.stringify(values);
    if (text === this.text) return;
    this.text = text;
    this.values = values;
    this.currentVersion++;
  }

  /** The description of the device, with a fresh snapshot. */
  describe(): RemoteDescription {
    this.refresh();
    return { driver: this.device.driver, capabilities: remoteCapabilities(this.device), sync: this.values, version: this.currentVersion, state: this.device.state };
  }
}
