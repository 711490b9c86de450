/**
 * A plan's points as they are handed back to a script: packed by column, so 100,000 points cost
 * the script a few numbers each instead of five objects each (a 100,000-point `lineScan` used to
 * run out of the script's 64 MB parsing them). The script prelude (script-prelude.ts) turns the
 * packed points back into the array the script sees, building each point when it is first read.
 * The columns are filled as the plan goes ({@link PointPacker.add}): the daemon keeps no point
 * object past its own step.
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

interface DetectorColumns {
  fields: string[];
  columns: Map<string, JsonValue[]> | undefined;
  /** Every reading, once one had other fields than the first. */
  readings: JsonValue[] | undefined;
}

/** Fills the columns of a scan's points one point at a time (the same motors and detectors at each). */
export class PointPacker {
  private count = 0;
  private readonly targets = new Map<string, JsonValue[]>();
  private readonly positions = new Map<string, JsonValue[]>();
  private readonly detectors = new Map<string, DetectorColumns>();

  /** Adds the next point. */
  add(point: ScanPoint): void {
    for (const motor in point.targets) {
      column(this.targets, motor).push(point.targets[motor] ?? null);
      column(this.positions, motor).push(point.positions[motor] ?? null);
    }
    for (const detector in point.readings) {
      const reading = point.readings[detector] as unknown as Record<string, JsonValue>;
      let entry = this.detectors.get(detector);
      if (entry === undefined) {
        entry = { fields: Object.keys(reading), columns: new Map(), readings: undefined };
        this.detectors.set(detector, entry);
      }
      if (entry.columns !== undefined && !sameFields(reading, entry.fields)) {
        // from here on the readings themselves: the ones before, rebuilt from their columns
        entry.readings = Array.from({ length: this.count }, (_, i) => Object.fromEntries(entry.fields.map((f) => [f, entry.columns?.get(f)?.[i] ?? null])));
        entry.columns = undefined;
      }
      if (entry.readings !== undefined) entry.readings.push(reading);
      else for (const field of entry.fields) column(entry.columns as Map<string, JsonValue[]>, field).push(reading[field] ?? null);
    }
    this.count += 1;
  }

  /** The points so far, packed. */
  packed(): PackedPoints {
    const out: PackedPoints = { __daq_points: this.count, targets: {}, positions: {}, readings: {} };
    for (const [motor, values] of this.targets) out.targets[motor] = constantOr(values);
    for (const [motor, values] of this.positions) out.positions[motor] = constantOr(values);
    for (const [detector, entry] of this.detectors) {
      if (entry.readings !== undefined) out.readings[detector] = entry.readings;
      else out.readings[detector] = Object.fromEntries([...(entry.columns as Map<string, JsonValue[]>)].map(([field, values]) => [field, constantOr(values)]));
    }
    return out;
  }
}

function column(columns: Map<string, JsonValue[]>, key: string): JsonValue[] {
  let values = columns.get(key);
  if (values === undefined) columns.set(key, (values = []));
  return values;
}

function sameFields(reading: Record<string, JsonValue>, fields: readonly string[]): boolean {
  let n = 0;
  for (const key in reading) if (key !== fields[n++]) return false;
  return n === fields.length;
}

function constantOr(values: JsonValue[]): PackedColumn {
  const v0 = values[0] ?? null;
  const constant = (typeof v0 !== 'object' || v0 === null) && values.every((v) => v === v0);
  return constant ? { c: v0 } : values;
}
