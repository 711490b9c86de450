/**
 * What a device reads back now, by capability, as a station snapshot shows it (QCoDeS'
 * `station.snapshot()`): where a stage is, the wavelength a laser is tuned to, a camera's
 * temperature and setpoint, its exposure, whether a shutter is open, an output voltage, a DAQ
 * card's outputs, lines and counts, and the value a Readable device measures. Names follow the drivers' setting names (`wavelength`,
 * `temperature_setpoint`, `shutter_open`), so a setting that says the same is not listed twice.
 */
import {
  analogOutput,
  cooled,
  counter,
  digitalIO,
  emissionControl,
  exposureControl,
  movable,
  readable,
  shutterControl,
  temperatureSensor,
  voltageSource,
  wavelengthTunable,
} from '../capabilities/index.js';
import { DaqError, withTimeout } from '../core/index.js';
import type { Device } from './device.js';

/** One value a device reads back. */
export interface Readback {
  /** `position`, `wavelength`, `temperature`, `temperature_setpoint`, `exposure`, `shutter_open`, `emission`, `voltage`, or what a Readable measures (`power`, `reading`). */
  name: string;
  value: number | boolean | readonly number[];
  /** `mm`, `nm`, `degC`, `s`, `V`, `W`, ...; empty for flags. */
  units: string;
}

/** The readbacks of a device, and the ones it could not give. */
export interface Readbacks {
  values: Readback[];
  /** `name: why` for each readback that failed or timed out. */
  unreadable: string[];
}

/** What a Readable's value is called, from its units. */
const READING_NAMES: Readonly<Record<string, string>> = { W: 'power', V: 'voltage', A: 'current', degC: 'temperature', K: 'temperature', Pa: 'pressure' };

type Probe = { name: string; read: () => Promise<{ value: Readback['value']; units: string }> };

function probes(device: Device, measure: boolean): Probe[] {
  const list: Probe[] = [];
  const inUnits = (units: string) => (value: number | boolean) => ({ value, units });
  if (movable.is(device)) list.push({ name: 'position', read: () => device.position().then(inUnits(device.units)) });
  if (wavelengthTunable.is(device)) list.push({ name: 'wavelength', read: () => device.wavelength().then(inUnits('nm')) });
  if (temperatureSensor.is(device)) list.push({ name: 'temperature', read: () => device.temperature().then(inUnits('degC')) });
  if (cooled.is(device)) list.push({ name: 'temperature_setpoint', read: () => device.temperatureSetpoint().then(inUnits('degC')) });
  if (exposureControl.is(device)) list.push({ name: 'exposure', read: () => device.exposure().then(inUnits('s')) });
  if (shutterControl.is(device)) list.push({ name: 'shutter_open', read: () => device.isShutterOpen().then(inUnits('')) });
  if (emissionControl.is(device)) list.push({ name: 'emission', read: () => device.isEmissionEnabled().then(inUnits('')) });
  if (voltageSource.is(device)) list.push({ name: 'voltage', read: () => device.voltage().then(inUnits('V')) });
  // A DAQ card: each output's value, each line's level, each count (`port0/line1` as `port0_line1`).
  if (analogOutput.is(device)) for (const { name } of device.analogOutputChannels()) list.push({ name, read: () => device.analogOutput(name).then(inUnits('V')) });
  if (digitalIO.is(device)) for (const { name } of device.digitalLines()) list.push({ name: name.replaceAll('/', '_'), read: () => device.readLine(name).then(inUnits('')) });
  if (counter.is(device)) for (const name of device.counterChannels()) list.push({ name, read: () => device.readCounter(name).then((r) => ({ value: r.value, units: r.units })) });
  if (measure && readable.is(device)) {
    const units = device.describe().units;
    const name = READING_NAMES[units] ?? 'reading';
    if (!list.some((p) => p.name === name)) list.push({ name, read: () => device.read().then((r) => ({ value: r.value, units: r.units })) });
  }
  return list;
}

/** Options of {@link readBacks}. */
export interface ReadbackOptions {
  /** Also take a measurement of a Readable device (default false: only what it reports at once). */
  measure?: boolean;
  /** Seconds each readback may take (default 1). */
  timeoutS?: number;
}

/**
 * Reads back every value of `device` that its capabilities offer, each bounded by a timeout;
 * a device that does not answer once is not asked again. A device not connected gives none.
 */
export async function readBacks(device: Device, options: ReadbackOptions = {}): Promise<Readbacks> {
  const timeoutS = options.timeoutS ?? 1;
  const result: Readbacks = { values: [], unreadable: [] };
  if (device.state !== 'idle' && device.state !== 'busy') return result;
  let stuck = false;
  for (const probe of probes(device, options.measure === true)) {
    if (stuck) {
      result.unreadable.push(`${probe.name}: not read (the device did not answer before)`);
      continue;
    }
    try {
      const { value, units } = await withTimeout(probe.read(), timeoutS, `no answer within ${timeoutS} s`);
      result.values.push({ name: probe.name, value, units });
    } catch (error) {
      result.unreadable.push(`${probe.name}: ${DaqError.from(error).message}`);
      stuck = error instanceof DaqError && error.code === 'deadline_exceeded';
    }
  }
  return result;
}
