/** Arrow IPC bytes from ReadStreamRange, as columns a plot can use. */
import { type Table, tableFromIPC } from 'apache-arrow';

/** Rows of a stream, column by column. */
export interface Rows {
  table: Table;
  length: number;
  time: Float64Array;
  runUid: string[];
  seqNum: Float64Array;
  /** A numeric scalar column as numbers (booleans as 0/1), or undefined. */
  numbers(name: string): Float64Array | undefined;
}

/** Decodes an Arrow IPC stream (schema, batches) of a ring stream. */
export function decodeRows(bytes: Uint8Array): Rows {
  const table = tableFromIPC(bytes);
  const length = table.numRows;
  const time = toFloat64(table.getChild('time')?.toArray(), length);
  const seqNum = toFloat64(table.getChild('seq_num')?.toArray(), length);
  const runs = table.getChild('run_uid');
  const runUid = new Array<string>(length);
  for (let i = 0; i < length; i++) runUid[i] = String(runs?.get(i) ?? '');
  const cache = new Map<string, Float64Array | undefined>();
  return {
    table,
    length,
    time,
    runUid,
    seqNum,
    numbers(name) {
      if (!cache.has(name)) {
        const column = table.getChild(name);
        const type = String(column?.type ?? '');
        cache.set(name, column === null || column === undefined || !/^(Float|Int|Uint|Bool)/i.test(type) ? undefined : toFloat64(column.toArray(), length));
      }
      return cache.get(name);
    },
  };
}

function toFloat64(values: unknown, length: number): Float64Array {
  if (values instanceof Float64Array) return values;
  const out = new Float64Array(length);
  if (values === undefined || values === null) return out;
  const source = values as ArrayLike<number | bigint | boolean>;
  for (let i = 0; i < length; i++) out[i] = Number(source[i] ?? NaN);
  return out;
}

/** The rows as CSV: one line a row; arrays joined with ";"; frames left out. */
export function toCsv(table: Table): string {
  const names = table.schema.fields.filter((f) => !/FixedSizeBinary|Binary/i.test(String(f.type))).map((f) => f.name);
  const columns = names.map((n) => table.getChild(n));
  const quote = (text: string): string => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const lines = [names.map(quote).join(',')];
  for (let i = 0; i < table.numRows; i++) {
    lines.push(
      columns
        .map((c) => {
          const v: unknown = c?.get(i);
          if (v !== null && typeof v === 'object' && 'toArray' in (v as object)) return quote(Array.from((v as { toArray(): ArrayLike<number> }).toArray()).join(';'));
          return quote(String(v ?? ''));
        })
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
