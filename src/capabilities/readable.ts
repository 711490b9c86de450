import { defineCapability } from './define.js';

/** Element types of values and frames, named as in NumPy and Arrow. */
export type Dtype = 'float64' | 'float32' | 'int32' | 'uint16' | 'uint8' | 'bool' | 'string';

/** What a reading looks like: the Bluesky "data key" of a device. */
export interface DataKey {
  dtype: Dtype;
  /** `[]` for a scalar, `[n]` for a spectrum. */
  shape: number[];
  /** Units of the value (`W`, `V`, `degC`, ...); empty when dimensionless. */
  units: string;
}

/** One measured value with the time it was taken. */
export interface Reading {
  value: number | readonly number[];
  /** Seconds since the Unix epoch, by the device's clock. */
  timestampS: number;
  units: string;
}

/** A device that reports a measured value. */
export interface Readable {
  /** Takes a measurement. */
  read(): Promise<Reading>;
  /** Describes the value `read()` returns. */
  describe(): DataKey;
}

export const readable = defineCapability<Readable>()(
  'Readable',
  'reports a measured value with timestamp and units (read, describe)',
  ['read', 'describe'],
);

/** True for a {@link Reading}: a value with its timestamp and units. */
export function isReading(value: unknown): value is Reading {
  return typeof value === 'object' && value !== null && 'value' in value && 'timestampS' in value && 'units' in value;
}
