import { defineCapability } from './define.js';

/** A device that reports a temperature in degrees Celsius. */
export interface TemperatureSensor {
  /** The present temperature in °C. */
  temperature(): Promise<number>;
}

export const temperatureSensor = defineCapability<TemperatureSensor>()(
  'TemperatureSensor',
  'reports a temperature in °C (temperature)',
  ['temperature'],
);
