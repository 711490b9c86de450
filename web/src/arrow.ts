/** Arrow IPC bytes from ReadStreamRange, as columns a plot can use. */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { type Field, type Table, tableFromIPC } from 'apache-arrow';
import type { ReadStreamRangeRequestSchema } from '../../src/api/gen/daq/v1/control_pb.js';
import { control } from './api.js';

/** Rows of a stream, column by column, over the parts of a range (each part's rows share one schema). */
export interface Rows {
  /** The parts, oldest first: a stream whose fields changed between runs has several. */
  parts: Table[];
  /** Every column of any part, in order of first appearance. */
  fields: Field[];
  length: number;
  time: Float64Array;
  runUid: string[];
  seqNum: Float64Array;
  /** A numeric scalar column as numbers (booleans as 0/1; NaN in rows of parts without it), or undefined. */
  numbers(name: string): Float64Array | undefined;
  /** Row `i`'s value of column `name` (null when its part has no such column). */
  value(name: string, i: number): unknown;
}

/**
 * The parts of ReadStreamRange: its pieces put back together, one Arrow IPC stream (one table)
 * per part, oldest first.
 */
export async function readRange(request: MessageInitShape<typeof ReadStreamRangeRequestSchema>): Promise<Table[]> {
  const pieces: Uint8Array[][] = [];
  for await (const message of control.readStreamRange(request)) (pieces[message.part] ??= []).push(message.arrowIpc);
  return pieces.map((part) => tableFromIPC(part.length === 1 ? (part[0] as Uint8Array) : concat(part)));
}

/** The chunks as one array. */
export function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** The rows of a range's parts (see {@link readRange}). */
export function decodeRows(parts: Table[]): Rows {
  const length = parts.reduce((n, t) => n + t.numRows, 0);
  const fields: Field[] = [];
  for (const part of parts) for (const f of part.schema.fields) if (!fields.some((g) => g.name === f.name)) fields.push(f);
  /** The part and the row in it of row `i`. */
  const locate = (i: number): [Table | undefined, number] => {
    let row = i;
    for (const part of parts) {
      if (row < part.numRows) return [part, row];
      row -= part.numRows;
    }
    return [undefined, 0];
  };
  const column = (name: string): Float64Array | undefined => {
    const out = new Float64Array(length).fill(NaN);
    let at = 0;
    let found = false;
    for (const part of parts) {
      const child = part.getChild(name);
      const type = String(child?.type ?? '');
      if (child !== null && /^(Float|Int|Uint|Bool)/i.test(type)) {
        out.set(toFloat64(child.toArray(), part.numRows), at);
        found = true;
      }
      at += part.numRows;
    }
    return found ? out : undefined;
  };
  const runUid = new Array<string>(length);
  for (let i = 0; i < length; i++) {
    const [part, row] = locate(i);
    runUid[i] = String(part?.getChild('run_uid')?.get(row) ?? '');
  }
  const cache = new Map<string, Float64Array | undefined>();
  return {
    parts,
    fields,
    length,
    time: column('time') ?? new Float64Array(length),
    runUid,
    seqNum: column('seq_num') ?? new Float64Array(length),
    numbers(name) {
      if (!cache.has(name)) cache.set(name, column(name));
      return cache.get(name);
    },
    value(name, i) {
      const [part, row] = locate(i);
      return part?.getChild(name)?.get(row) ?? null;
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

/** The rows as CSV: one line a row; arrays joined with ";"; frames left out; empty cells where a row's part lacks the column. */
export function toCsv(rows: Rows): string {
  const names = rows.fields.filter((f) => !/FixedSizeBinary|Binary/i.test(String(f.type))).map((f) => f.name);
  const quote = (text: string): string => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const lines = [names.map(quote).join(',')];
  for (let i = 0; i < rows.length; i++) {
    lines.push(
      names
        .map((name) => {
          const v = rows.value(name, i);
          if (v !== null && typeof v === 'object' && 'toArray' in (v as object)) return quote(Array.from((v as { toArray(): ArrayLike<number> }).toArray()).join(';'));
          return quote(String(v ?? ''));
        })
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
