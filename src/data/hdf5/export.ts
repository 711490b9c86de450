/**
 * A finished run's events in other formats, block by block so a run of any size is exported in
 * bounded memory: CSV (one row per event; arrays as one column per element; frames left out)
 * and an Arrow IPC stream (frames as fixed-size lists of their dtype). Reads the run's HDF5 file;
 * runs in the export worker (export-worker.ts), never on the daemon's event loop.
 */
import { Bool, Field, FixedSizeList, makeData, RecordBatch, Schema, Struct, type Data, type DataType, tableToIPC, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { DaqError } from '../../core/index.js';
import { scalarType } from '../ring/arrow-ipc.js';
import { type Dataset, datasetAt, groupAt, type H5File, openH5, stringAttr } from './h5.js';

/** Formats other than the HDF5 file itself. */
export type TableFormat = 'csv' | 'arrow';

interface Column {
  name: string;
  dataset: Dataset;
  rowShape: number[];
  dtype: string;
  kind: 'string' | 'number' | 'bigint' | 'bool';
  units: string;
}

/** The streams of a run file. */
export function streamsOf(file: H5File): string[] {
  return groupAt(file, 'entry/data')?.keys() ?? [];
}

/** Yields the bytes of `stream` of the run file at `path` as `format`, `blockRows` events at a time. */
export function* exportStream(path: string, format: TableFormat, stream: string | undefined, blockRows = 4096): Generator<Uint8Array> {
  const file = openH5(path, 'r');
  try {
    const streams = streamsOf(file);
    const name = stream === undefined || stream === '' ? streams[0] : stream;
    if (name === undefined) throw new DaqError('not_found', `${path} holds no events`);
    if (!streams.includes(name)) throw new DaqError('not_found', `${path} has no stream "${name}"; it has ${streams.join(', ')}`);
    const columns = columnsOf(file, name, format);
    const rows = columns.find((c) => c.name === 'seq_num')?.dataset.shape?.[0] ?? 0;
    const frameRows = columns.some((c) => c.rowShape.length === 2) ? Math.max(1, Math.floor((8 << 20) / Math.max(1, frameBytes(columns)))) : blockRows;
    const step = Math.max(1, Math.min(blockRows, frameRows));
    if (format === 'csv') yield* csvBlocks(columns, rows, step);
    else yield* arrowBlocks(columns, rows, step);
  } finally {
    file.close();
  }
}

function frameBytes(columns: Column[]): number {
  return columns.reduce((sum, c) => sum + c.rowShape.reduce((a, b) => a * b, 1) * 8, 0);
}

function columnsOf(file: H5File, stream: string, format: TableFormat): Column[] {
  const group = groupAt(file, `entry/data/${stream}`);
  const names = group?.keys() ?? [];
  const ordered = ['seq_num', 'time', ...names.filter((n) => n !== 'seq_num' && n !== 'time')].filter((n) => names.includes(n));
  const columns: Column[] = [];
  for (const name of ordered) {
    const dataset = datasetAt(file, `entry/data/${stream}/${name}`) as Dataset;
    const rowShape = (dataset.shape ?? [0]).slice(1);
    if (format === 'csv' && rowShape.length >= 2) continue; // frames do not go in CSV
    const attr = (key: string): string => stringAttr(dataset, key);
    const dtype = name === 'seq_num' ? 'int64' : name === 'time' ? 'float64' : attr('dtype') || 'float64';
    const kind = dataset.metadata.type === 3 ? 'string' : dtype === 'bool' ? 'bool' : dtype === 'int64' ? 'bigint' : 'number';
    columns.push({ name, dataset, rowShape, dtype, kind, units: name === 'time' ? 's' : attr('units') });
  }
  return columns;
}

function* csvBlocks(columns: Column[], rows: number, step: number): Generator<Uint8Array> {
  const encoder = new TextEncoder();
  const header = columns.flatMap((c) => (c.rowShape.length === 0 ? [c.name] : Array.from({ length: c.rowShape[0] ?? 0 }, (_, i) => `${c.name}[${i}]`)));
  yield encoder.encode(`${header.map(csvText).join(',')}\n`);
  for (let from = 0; from < rows; from += step) {
    const to = Math.min(rows, from + step);
    const values = columns.map((c) => c.dataset.slice([[from, to]]) as ArrayLike<unknown>);
    const lines: string[] = [];
    for (let r = 0; r < to - from; r++) {
      const cells: string[] = [];
      columns.forEach((c, i) => {
        const v = values[i] as ArrayLike<unknown>;
        const width = c.rowShape[0] ?? 1;
        for (let k = 0; k < (c.rowShape.length === 0 ? 1 : width); k++) {
          const x = v[r * (c.rowShape.length === 0 ? 1 : width) + k];
          cells.push(c.kind === 'string' ? csvText(String(x)) : c.kind === 'bool' ? (Number(x) === 1 ? 'true' : 'false') : String(x));
        }
      });
      lines.push(cells.join(','));
    }
    yield encoder.encode(`${lines.join('\n')}\n`);
  }
}

function csvText(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function* arrowBlocks(columns: Column[], rows: number, step: number): Generator<Uint8Array> {
  const fields = columns.map((c) => new Field(c.name, typeOf(c), false, new Map([['units', c.units], ['dtype', c.dtype], ['shape', JSON.stringify(c.rowShape)]])));
  const schema = new Schema(fields);
  let first = true;
  const emit = (batch: RecordBatch): Uint8Array => {
    const bytes = tableToIPC(new Table(schema, [batch]), 'stream');
    const schemaBytes = 8 + new DataView(bytes.buffer, bytes.byteOffset).getInt32(4, true);
    const out = bytes.subarray(first ? 0 : schemaBytes, bytes.byteLength - 8); // one stream: schema once, EOS at the end
    first = false;
    return out;
  };
  for (let from = 0; from < rows || (from === 0 && first); from += step) {
    const to = Math.min(rows, from + step);
    const children = columns.map((c, i) => dataOf(c, fields[i] as Field, from, to));
    yield emit(new RecordBatch(schema, makeData({ type: new Struct(fields), length: to - from, nullCount: 0, children })));
    if (rows === 0) break;
  }
  yield new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);
}

function typeOf(c: Column): DataType {
  const scalar = c.kind === 'string' ? new Utf8() : c.kind === 'bool' ? new Bool() : scalarType(c.dtype);
  if (c.rowShape.length === 0) return scalar;
  return new FixedSizeList(c.rowShape.reduce((a, b) => a * b, 1), new Field('item', scalar, false));
}

function dataOf(c: Column, field: Field, from: number, to: number): Data {
  const length = to - from;
  const raw = length === 0 ? [] : (c.dataset.slice([[from, to]]) as ArrayLike<unknown>);
  const scalarData = (values: ArrayLike<unknown>, type: DataType, n: number): Data => {
    if (c.kind === 'string') return vectorFromArray(Array.from(values, String), new Utf8()).data[0] as Data;
    if (c.kind === 'bool') return vectorFromArray(Array.from(values, (x) => Number(x) === 1), new Bool()).data[0] as Data;
    return makeData({ type, length: n, nullCount: 0, data: values } as never) as Data;
  };
  if (c.rowShape.length === 0) return scalarData(raw, field.type as DataType, length);
  const listType = field.type as FixedSizeList;
  const width = listType.listSize;
  const child = scalarData(raw, listType.children[0]?.type as DataType, length * width);
  return makeData({ type: listType, length, nullCount: 0, child });
}
