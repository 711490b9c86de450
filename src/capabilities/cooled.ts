import { defineCapability } from './define.js';
import type { Limits } from './movable.js';
import type { TemperatureSensor } from './temperature-sensor.js';

/**
 * A device regulated toward a temperature setpoint (a cooled camera sensor, a TEC mount).
 * `setTemperature` returns once the setpoint is accepted; `temperature()` approaches it over time.
 */
export interface Cooled extends TemperatureSensor {
  /** Sets the setpoint in °C; `out_of_range` outside `temperatureRange()`. */
  setTemperature(setpointC: number): Promise<void>;
  /** The setpoint in °C. */
  temperatureSetpoint(): Promise<number>;
  /** Allowed setpoints in °C. */
  temperatureRange(): Limits;
}

export const cooled = defineCapability<Cooled>()(
  'Cooled',
  'regulates toward a temperature setpoint in °C (setTemperature, temperature)',
  ['setTemperature', 'temperatureSetpoint', 'temperature', 'temperatureRange'],
);
