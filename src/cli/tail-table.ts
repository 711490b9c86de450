/**
 * `daq tail`'s rows for people: the ring's rows (Arrow record batches) in aligned columns with
 * the run (first 8 characters of its uid), seq, the local time with date and milliseconds, and
 * each field with its unit and SI prefix, frames by size. Machine output (`--json`) does not
 * come through here.
 */
import type { Schema } from 'apache-arrow';
import type { RowValue } from '../data/index.js';
import type { DataKey, RunEvent } from '../engine/index.js';
import { StreamTable } from './stream-table.js';

/** Columns of the ring every stream has (shown as run, seq and time). */
const BOOKKEEPING = new Set(['run_uid', 'seq_num', 'time']);

/** Prints rows of one stream, a header first and again when the fields or the column widths change. */
export class TailTable {
  private table: StreamTable | undefined;
  private fields = '';
  private headerDue = true;

  constructor(
    private readonly stream: string,
    private readonly write: (line: string) => void,
  ) {}

  /** Prints one row of a batch with `schema`. */
  row(schema: Schema, row: Record<string, RowValue>): void {
    const names = schema.fields.map((f) => f.name).join(',');
    if (this.table === undefined || names !== this.fields) {
      this.fields = names;
      this.table = new StreamTable(this.stream, dataKeysOf(schema), true);
      this.headerDue = true;
    }
    const cells = this.table.cells(eventOf(row));
    if (this.headerDue || this.table.widened) this.write(this.table.header());
    this.headerDue = false;
    this.write(this.table.row(cells));
  }
}

/** The data keys of a ring schema's fields (from their metadata), the run first. */
function dataKeysOf(schema: Schema): Record<string, DataKey> {
  const keys: Record<string, DataKey> = { run: { dtype: 'string', shape: [], units: '', source: 'ring' } };
  for (const field of schema.fields) {
    if (BOOKKEEPING.has(field.name)) continue;
    const meta = field.metadata;
    keys[field.name] = {
      dtype: (meta.get('dtype') ?? 'float64') as DataKey['dtype'],
      shape: JSON.parse(meta.get('shape') ?? '[]') as number[],
      units: meta.get('units') ?? '',
      source: meta.get('source') ?? '',
    };
  }
  return keys;
}

/** A ring row in the shape the stream table reads. */
function eventOf(row: Record<string, RowValue>): RunEvent {
  const data: Record<string, unknown> = { run: String(row['run_uid'] ?? '').slice(0, 8) };
  for (const [name, value] of Object.entries(row)) {
    if (BOOKKEEPING.has(name)) continue;
    data[name] = value !== null && typeof value === 'object' && 'frame' in value ? { width: value.frame.shape[1] ?? 0, height: value.frame.shape[0] ?? 0, dtype: value.frame.dtype } : value;
  }
  return { kind: 'event', uid: '', descriptor: '', stream: '', seqNum: Number(row['seq_num'] ?? 0), timeS: Number(row['time'] ?? Number.NaN), data: data as RunEvent['data'], timestamps: {} };
}
