/**
 * Ring batches for people and wires: plain rows to print (`daq tail`), and Arrow IPC stream bytes
 * to send (a time-travel or tail RPC). Frames are summarised in rows, sent whole in bytes.
 */
import { encodeStream, type RecordBatch } from './arrow-ipc.js';

/** A row value fit for JSON or a terminal: numbers, strings, booleans, arrays, or a frame summary. */
export type RowValue = number | string | boolean | null | number[] | { frame: { dtype: string; shape: number[]; bytes: number } };

/**
 * The rows of `batch` as plain objects: 64-bit integers become numbers, fixed-size lists arrays,
 * frames (fixed-size binary) `{frame: {dtype, shape, bytes}}` from their field metadata.
 */
export function rowsOf(batch: RecordBatch): Record<string, RowValue>[] {
  const columns = batch.schema.fields.map((field) => {
    const vector = batch.getChild(field.name);
    const isFrame = String(field.type).startsWith('FixedSizeBinary');
    const shape = JSON.parse(field.metadata.get('shape') ?? '[]') as number[];
    const dtype = field.metadata.get('dtype') ?? 'uint8';
    return { name: field.name, get: (i: number): RowValue => plain(vector?.get(i), isFrame ? { dtype, shape } : undefined) };
  });
  const rows: Record<string, RowValue>[] = [];
  for (let i = 0; i < batch.numRows; i++) rows.push(Object.fromEntries(columns.map((c) => [c.name, c.get(i)])));
  return rows;
}

function plain(value: unknown, frame: { dtype: string; shape: number[] } | undefined): RowValue {
  if (value === null || value === undefined) return null;
  if (frame !== undefined) return { frame: { ...frame, bytes: (value as Uint8Array).byteLength } };
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'object' && Symbol.iterator in value) return Array.from(value as Iterable<number>, Number);
  return String(value);
}

/** One batch as the bytes of an Arrow IPC stream (schema, batch, end-of-stream); a copy. */
export function toIpcBytes(batch: RecordBatch): Uint8Array {
  return encodeStream(batch.schema, [batch]);
}
