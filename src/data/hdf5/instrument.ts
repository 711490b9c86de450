/**
 * The settings of the lab's devices when a run starts, for `/entry/instrument/<device>/`: each
 * device's driver and state, and the value and units of every named setting of a device that
 * has them (the Parameterized capability). A setting that cannot be read is noted, not fatal.
 */
import { parameterized } from '../../capabilities/index.js';
import { DaqError, withTimeout } from '../../core/index.js';

/** One setting's value at run start. */
export interface SettingValue {
  name: string;
  value: number | string | boolean;
  /** The setting's type (`number`, `integer`, `string`, `boolean`). */
  type: string;
  units: string;
  description: string;
}

/** One device's settings at run start. */
export interface InstrumentSettings {
  device: string;
  driver: string;
  state: string;
  settings: SettingValue[];
  /** Settings that could not be read, with why. */
  unreadable: string[];
}

/** What {@link readInstrument} needs of a lab. */
export interface DeviceList {
  devices(): readonly { name: string; driver: string; state: string }[];
}

/** Reads every device's settings; each read is bounded by `timeoutS` (a stuck device is noted). */
export async function readInstrument(lab: DeviceList, timeoutS = 1): Promise<InstrumentSettings[]> {
  return Promise.all(
    lab.devices().map(async (device) => {
      const entry: InstrumentSettings = { device: device.name, driver: device.driver, state: device.state, settings: [], unreadable: [] };
      if (!parameterized.is(device) || device.state === 'disconnected' || device.state === 'faulted') return entry;
      let stuck = false;
      for (const info of device.parameters()) {
        if (stuck) {
          entry.unreadable.push(`${info.name}: not read (the device did not answer before)`);
          continue;
        }
        try {
          const value = await withTimeout(device.getParameter(info.name), timeoutS, `no answer within ${timeoutS} s`);
          entry.settings.push({ name: info.name, value, type: info.type, units: info.units, description: info.description });
        } catch (error) {
          entry.unreadable.push(`${info.name}: ${(error as Error).message}`);
          // A device that does not answer is not asked again: each setting would hold the run's start.
          stuck = error instanceof DaqError && error.code === 'deadline_exceeded';
        }
      }
      return entry;
    }),
  );
}
