/**
 * Data keys in the letter of Bluesky's event model (event-model 1.24.0, `DataKey` in
 * `event_model/schemas/event_descriptor.json`): the JSON `dtype` (number, integer, string,
 * boolean, array), the numpy `dtype_numpy`, shape, source and units, and `external: "STREAM:"`
 * for the fields whose values are not in the events but in the run's HDF5 file (frames and
 * large arrays), read through StreamResource/StreamDatum documents.
 */
import type { DataKey, DeviceConfiguration } from './documents.js';

/** The event-model package whose JSON schemas the documents follow (pinned in the Python tests). */
export const EVENT_MODEL_VERSION = '1.24.0';

/** Arrays (1-D) with more elements than this are stored only in the run's file, never inlined. */
export const MAX_INLINE_ELEMENTS = 1024;

/** A data key as a Bluesky descriptor carries it. */
export interface BlueskyDataKey {
  dtype: 'number' | 'integer' | 'string' | 'boolean' | 'array';
  dtype_numpy?: string;
  shape: number[];
  source: string;
  units?: string;
  external?: string;
  object_name?: string;
}

const NUMPY: Record<string, string> = {
  float64: '<f8',
  float32: '<f4',
  int32: '<i4',
  uint16: '<u2',
  uint8: '|u1',
  bool: '|b1',
};

const SCALAR: Record<string, BlueskyDataKey['dtype']> = {
  float64: 'number',
  float32: 'number',
  int32: 'integer',
  uint16: 'integer',
  uint8: 'integer',
  bool: 'boolean',
  string: 'string',
};

/** Elements of one value of `key` (1 for a scalar). */
function elements(key: DataKey): number {
  return key.shape.reduce((a, b) => a * b, 1);
}

/**
 * True when a field's values go to the run's file only: frames (2-D), and 1-D arrays of more
 * than {@link MAX_INLINE_ELEMENTS} elements.
 */
export function isExternalKey(key: DataKey): boolean {
  return key.shape.length >= 2 || (key.shape.length === 1 && elements(key) > MAX_INLINE_ELEMENTS);
}

/** The Bluesky data key of an internal one; `external` marks a field read from the file. */
export function blueskyDataKey(key: DataKey, external: boolean): BlueskyDataKey {
  const out: BlueskyDataKey = {
    dtype: key.shape.length > 0 ? 'array' : (SCALAR[key.dtype] ?? 'number'),
    shape: [...key.shape],
    source: key.source,
  };
  const numpy = NUMPY[key.dtype];
  if (numpy !== undefined) out.dtype_numpy = numpy;
  if (key.units !== '') out.units = key.units;
  if (external) out.external = 'STREAM:';
  if (key.source !== '' && key.source !== 'script') out.object_name = key.source;
  return out;
}

/** The object (device, or `script`) a field belongs to. */
export function objectOf(key: DataKey): string {
  return key.source === '' ? 'script' : key.source;
}

/** Bluesky's `object_keys`: the fields of each device, from the data keys' sources. */
export function objectKeysOf(keys: Record<string, DataKey>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [field, key] of Object.entries(keys)) (out[objectOf(key)] ??= []).push(field);
  return out;
}

/**
 * Bluesky's descriptor hints when the engine gave none: per device, the scalar numeric fields
 * (what a live plot draws). Fields of the script count as the object `script`.
 */
export function hintsOf(keys: Record<string, DataKey>): Record<string, { fields: string[] }> {
  const out: Record<string, { fields: string[] }> = {};
  for (const [field, key] of Object.entries(keys)) {
    if (key.shape.length > 0 || key.dtype === 'string' || key.dtype === 'bool') continue;
    (out[objectOf(key)] ??= { fields: [] }).fields.push(field);
  }
  return out;
}

/** A device configuration in Bluesky's shape (`data`, `timestamps`, `data_keys`). */
export function blueskyConfiguration(configuration: Record<string, DeviceConfiguration>): Record<string, { data: Record<string, unknown>; timestamps: Record<string, number>; data_keys: Record<string, BlueskyDataKey> }> {
  return Object.fromEntries(
    Object.entries(configuration).map(([device, c]) => [
      device,
      {
        data: { ...c.data },
        timestamps: { ...c.timestamps },
        data_keys: Object.fromEntries(Object.entries(c.dataKeys).map(([k, key]) => [k, blueskyDataKey(key, false)])),
      },
    ]),
  );
}
