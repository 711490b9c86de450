/**
 * The columns of one stream of a run file, as an export sees them: the HDF5 datasets under
 * `/entry/data/<stream>/`, each with its dtype, row shape, units and source, and blocks of rows
 * as Arrow record batches whose schema carries the run uid and every field's metadata. Shared by
 * the CSV, Arrow and Parquet exports (export.ts).
 */
import { Bool, type Data, type DataType, Field, FixedSizeList, makeData, RecordBatch, Schema, Struct, Utf8, vectorFromArray } from 'apache-arrow';
import { DaqError } from '../../core/index.js';
import { scalarType } from '../ring/arrow-ipc.js';
import { type Dataset, datasetAt, groupAt, type H5File, stringAttr } from './h5.js';

/** One column of a stream: its dataset and what a reader needs to know of it. */
export interface ExportColumn {
  name: string;
  dataset: Dataset;
  /** Shape of one row: `[]` a scalar, `[n]` an array, `[height, width]` a frame. */
  rowShape: number[];
  /** Element dtype (`float64`, `uint16`, `string`, `bool`, ...). */
  dtype: string;
  kind: 'string' | 'number' | 'bigint' | 'bool';
  units: string;
  /** The device that gave the values, or `script`; empty for `seq_num` and `time`. */
  source: string;
}

/** A stream of a run file, opened for export. */
export interface ExportTable {
  runUid: string;
  stream: string;
  columns: ExportColumn[];
  /** Events in the stream. */
  rows: number;
  /** The Arrow schema of every block: field metadata `units`, `source`, `dtype`, `shape`; schema metadata `daq.run_uid`, `daq.stream`. */
  schema: Schema;
}

/** The streams of a run file. */
export function streamsOf(file: H5File): string[] {
  return groupAt(file, 'entry/data')?.keys() ?? [];
}

/** Opens `stream` (default: the first) of the open run file `file` (at `path`, for messages). */
export function exportTable(file: H5File, path: string, stream: string | undefined): ExportTable {
  const streams = streamsOf(file);
  const name = stream === undefined || stream === '' ? streams[0] : stream;
  if (name === undefined) throw new DaqError('not_found', `${path} holds no events`);
  if (!streams.includes(name)) throw new DaqError('not_found', `${path} has no stream "${name}"; it has ${streams.join(', ')}`);
  const columns = columnsOf(file, name);
  const rows = columns.find((c) => c.name === 'seq_num')?.dataset.shape?.[0] ?? 0;
  const entry = groupAt(file, 'entry');
  const runUid = entry === undefined ? '' : stringAttr(entry, 'uid');
  const fields = columns.map((c) => new Field(c.name, typeOf(c), false, fieldMetadata(c)));
  const schema = new Schema(fields, new Map([['daq.run_uid', runUid], ['daq.stream', name]]));
  return { runUid, stream: name, columns, rows, schema };
}

/** Rows a block holds: `blockRows`, fewer when rows are frames (about 8 MiB a block). */
export function blockRowsOf(table: ExportTable, blockRows = 4096): number {
  const rowBytes = table.columns.reduce((sum, c) => sum + c.rowShape.reduce((a, b) => a * b, 1) * 8, 0);
  const hasArrays = table.columns.some((c) => c.rowShape.length > 0);
  return Math.max(1, Math.min(blockRows, hasArrays ? Math.floor((8 << 20) / Math.max(1, rowBytes)) : blockRows));
}

/** Rows `from` to `to` (exclusive) of `table` as one record batch of its schema. */
export function batchOf(table: ExportTable, from: number, to: number): RecordBatch {
  const fields = table.schema.fields;
  const children = table.columns.map((c, i) => dataOf(c, fields[i] as Field, from, to));
  return new RecordBatch(table.schema, makeData({ type: new Struct(fields), length: to - from, nullCount: 0, children }));
}

function fieldMetadata(c: ExportColumn): Map<string, string> {
  const meta = new Map([['dtype', c.dtype], ['shape', JSON.stringify(c.rowShape)]]);
  if (c.units !== '') meta.set('units', c.units);
  if (c.source !== '') meta.set('source', c.source);
  return meta;
}

function columnsOf(file: H5File, stream: string): ExportColumn[] {
  const names = groupAt(file, `entry/data/${stream}`)?.keys() ?? [];
  const ordered = ['seq_num', 'time', ...names.filter((n) => n !== 'seq_num' && n !== 'time')].filter((n) => names.includes(n));
  const columns: ExportColumn[] = [];
  for (const name of ordered) {
    const dataset = datasetAt(file, `entry/data/${stream}/${name}`);
    if (dataset === undefined) continue; // a group (NXdata links and the like), not a column
    const rowShape = (dataset.shape ?? [0]).slice(1);
    const attr = (key: string): string => stringAttr(dataset, key);
    const isString = dataset.metadata.type === 3;
    const dtype = name === 'seq_num' ? 'int64' : name === 'time' ? 'float64' : isString ? 'string' : attr('dtype') || 'float64';
    const kind = isString ? 'string' : dtype === 'bool' ? 'bool' : dtype === 'int64' ? 'bigint' : 'number';
    columns.push({ name, dataset, rowShape, dtype, kind, units: name === 'time' ? 's' : attr('units'), source: name === 'time' || name === 'seq_num' ? '' : attr('source') });
  }
  return columns;
}

function typeOf(c: ExportColumn): DataType {
  const scalar = c.kind === 'string' ? new Utf8() : c.kind === 'bool' ? new Bool() : scalarType(c.dtype);
  if (c.rowShape.length === 0) return scalar;
  return new FixedSizeList(c.rowShape.reduce((a, b) => a * b, 1), new Field('item', scalar, false));
}

function dataOf(c: ExportColumn, field: Field, from: number, to: number): Data {
  const length = to - from;
  const raw = length === 0 ? [] : (c.dataset.slice([[from, to]]) as ArrayLike<unknown>);
  const scalarData = (values: ArrayLike<unknown>, type: DataType, n: number): Data => {
    if (c.kind === 'string') return vectorFromArray(Array.from(values, String), new Utf8()).data[0] as Data;
    if (c.kind === 'bool') return vectorFromArray(Array.from(values, (x) => Number(x) === 1), new Bool()).data[0] as Data;
    return makeData({ type, length: n, nullCount: 0, data: values } as never) as Data;
  };
  if (c.rowShape.length === 0) return scalarData(raw, field.type as DataType, length);
  const listType = field.type as FixedSizeList;
  const child = scalarData(raw, listType.children[0]?.type as DataType, length * listType.listSize);
  return makeData({ type: listType, length, nullCount: 0, child });
}
