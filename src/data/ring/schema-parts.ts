/**
 * A stream's rows when its fields changed between runs. Streams are named, not per run, so a
 * second run may record `scan` with another field, another type or other units; each ring record
 * carries its own schema. Readers never drop or mislabel such rows:
 * - {@link partsOf} groups consecutive batches whose columns are the same (names, types, and the
 *   field metadata `units`, `source`, `dtype`, `shape`) into parts, each with its own schema;
 * - {@link unifyParts} makes one table of parts: the union of their columns, in order of first
 *   appearance, with null where a row's run did not record the field. A field whose type or
 *   metadata differs between parts cannot be one column: that is an error naming the field, and
 *   the parts are to be read separately (RingReader.latestParts / rangeParts).
 */
import { type Data, type DataType, Field, makeData, RecordBatch, Schema, Struct, Table, vectorFromArray } from 'apache-arrow';
import { DaqError } from '../../core/index.js';

/** Field metadata that tells what a column's values are. */
const MEANING_KEYS = ['units', 'source', 'dtype', 'shape'] as const;

/** Whether two fields hold the same kind of values: name, type and meaning metadata. */
function sameField(a: Field, b: Field): boolean {
  return a.name === b.name && String(a.type) === String(b.type) && MEANING_KEYS.every((k) => (a.metadata.get(k) ?? '') === (b.metadata.get(k) ?? ''));
}

/** Whether batches of schemas `a` and `b` can be rows of one table. */
export function sameColumns(a: Schema, b: Schema): boolean {
  return a.fields.length === b.fields.length && a.fields.every((f, i) => sameField(f, b.fields[i] as Field));
}

/** Consecutive batches (oldest first) grouped by {@link sameColumns}; each group's rows share a schema. */
export function partsOf(batches: readonly RecordBatch[]): RecordBatch[][] {
  const parts: RecordBatch[][] = [];
  for (const batch of batches) {
    const last = parts[parts.length - 1];
    const first = last?.[0];
    if (last !== undefined && first !== undefined && sameColumns(first.schema, batch.schema)) last.push(batch);
    else parts.push([batch]);
  }
  return parts;
}

/** A table of one part (its newest batch's schema metadata). */
export function partTable(batches: readonly RecordBatch[]): Table {
  const newest = batches[batches.length - 1];
  if (newest === undefined) return new Table();
  return new Table(new Schema(newest.schema.fields, new Map(newest.schema.metadata)), [...batches]);
}

/**
 * One table of `parts` (oldest first): their columns' union with nulls where a part lacks a
 * column; the schema metadata is the newest part's. `stream` names the stream in errors.
 */
export function unifyParts(parts: readonly Table[], stream: string): Table {
  const nonEmpty = parts.filter((p) => p.schema.fields.length > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? new Table();
  const fields: Field[] = [];
  for (const part of nonEmpty) {
    for (const field of part.schema.fields) {
      const known = fields.find((f) => f.name === field.name);
      if (known === undefined) fields.push(field);
      else if (!sameField(known, field)) {
        const what = (f: Field): string => `${String(f.type)}${f.metadata.get('units') ? ` in ${f.metadata.get('units')}` : ''}`;
        throw new DaqError(
          'failed_precondition',
          `stream "${stream}": field "${field.name}" is ${what(known)} in older rows and ${what(field)} in newer ones (recorded by different runs); read the parts separately (latestParts / rangeParts, or the parts of ReadStreamRange)`,
        );
      }
    }
  }
  const everywhere = (name: string): boolean => nonEmpty.every((p) => p.schema.fields.some((f) => f.name === name));
  const unified = fields.map((f) => (everywhere(f.name) ? f : new Field(f.name, f.type, true, f.metadata)));
  const newest = nonEmpty[nonEmpty.length - 1] as Table;
  const schema = new Schema(unified, new Map(newest.schema.metadata));
  const batches = nonEmpty.flatMap((part) =>
    part.batches.map((batch) => {
      const children = unified.map((f) => batch.getChild(f.name)?.data[0] ?? nullData(f.type, batch.numRows));
      return new RecordBatch(schema, makeData({ type: new Struct(unified), length: batch.numRows, nullCount: 0, children }));
    }),
  );
  return new Table(schema, batches);
}

/** `length` nulls of `type`. */
function nullData(type: DataType, length: number): Data {
  return vectorFromArray(new Array<null>(length).fill(null), type).data[0] as Data;
}
