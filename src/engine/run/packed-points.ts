/**
 * A plan's points as they are handed back to a script: packed by column, so 100,000 points cost
 * the script a few numbers each instead of five objects each (a 100,000-point `lineScan` used to
 * run out of the script's 64 MB parsing them). The script prelude (script-prelude.ts) turns the
 * packed points back into the array the script sees, building each point when it is first read.
 *
 * Each column is an array of one value per point, or `{c: value}` when every point has the same
 * value (units, mostly). A detector whose readings do not all have the same fields is sent as its
 * readings, one per point.
 */
import type { JsonValue } from '../../scripting/index.js';
import type { ScanPoint } from '../plans/index.js';

/** A column: one value per point, or the one value of every point. */
export type PackedColumn = JsonValue[] | { c: JsonValue };

/** Points packed by column; `__daq_points` is their number (the prelude's sign to unpack). */
export interface PackedPoints {
  __daq_points: number;
  targets: Record<string, PackedColumn>;
  positions: Record<string, PackedColumn>;
  /** Per detector: a column per reading field, or the readings themselves. */
  readings: Record<string, Record<string, PackedColumn> | JsonValue[]>;
}

/** Packs `points` (all of one scan: the same motors and detectors at every point). */
export function packPoints(points: readonly ScanPoint[]): PackedPoints {
  const first = points[0];
  const packed: PackedPoints = { __daq_points: points.length, targets: {}, positions: {}, readings: {} };
  if (first === undefined) return packed;
  for (const motor of Object.keys(first.targets)) {
    packed.targets[motor] = column(points, (p) => p.targets[motor] ?? null);
    packed.positions[motor] = column(points, (p) => p.positions[motor] ?? null);
  }
  for (const detector of Object.keys(first.readings)) {
    const readingOf = (p: ScanPoint): Record<string, JsonValue> => p.readings[detector] as unknown as Record<string, JsonValue>;
    const fields = Object.keys(readingOf(first));
    const sameFields = points.every((p) => {
      const keys = Object.keys(readingOf(p));
      return keys.length === fields.length && keys.every((k, i) => k === fields[i]);
    });
    if (!sameFields) {
      packed.readings[detector] = points.map(readingOf);
      continue;
    }
    const columns: Record<string, PackedColumn> = {};
    for (const field of fields) columns[field] = column(points, (p) => readingOf(p)[field] ?? null);
    packed.readings[detector] = columns;
  }
  return packed;
}

function column(points: readonly ScanPoint[], value: (point: ScanPoint) => JsonValue): PackedColumn {
  const values = points.map(value);
  const v0 = values[0] ?? null;
  const constant = (typeof v0 !== 'object' || v0 === null) && values.every((v) => v === v0);
  return constant ? { c: v0 } : values;
}
