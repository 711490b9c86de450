/**
 * A finished run's events in other formats, block by block so a run of any size is exported in
 * bounded memory: CSV (one row per event; arrays as one column per element; frames left out;
 * units in the header, `power (W)`), an Arrow IPC file (what `pandas.read_feather`,
 * `polars.read_ipc` and `pyarrow.ipc.open_file` open) and Parquet (through parquet-wasm, the
 * Rust `parquet` crate in WebAssembly). Arrow and Parquet hold frames as fixed-size lists of their
 * dtype, and their schema carries the run uid and each field's units, source, dtype and shape.
 * Reads the run's HDF5 file; runs in the export worker (export-worker.ts), never on the daemon's
 * event loop.
 */
import { RecordBatchFileWriter, type RecordBatch } from 'apache-arrow';
import { AsyncByteQueue } from 'apache-arrow/io/stream';
import { batchOf, blockRowsOf, type ExportColumn, type ExportTable, exportTable } from './export-columns.js';
import { openH5 } from './h5.js';
import { parquetChunks } from './export-parquet.js';

export { streamsOf } from './export-columns.js';

/** Formats other than the HDF5 file itself. */
export type TableFormat = 'csv' | 'arrow' | 'parquet';

/** Yields the bytes of `stream` (default: the first) of the run file at `path` as `format`, `blockRows` events at a time (fewer for frames). */
export async function* exportStream(path: string, format: TableFormat, stream: string | undefined, blockRows = 4096): AsyncGenerator<Uint8Array> {
  const file = openH5(path, 'r');
  try {
    const table = exportTable(file, path, stream);
    if (format === 'csv') yield* csvBlocks(table, blockRows);
    else if (format === 'arrow') yield* arrowFileBlocks(table, batches(table, blockRowsOf(table, blockRows)));
    else yield* parquetChunks(table.schema, batches(table, blockRowsOf(table, blockRows)), blockRowsOf(table, blockRows));
  } finally {
    file.close();
  }
}

/** The record batches of `table`, `step` rows each (one empty batch for a stream without rows). */
function* batches(table: ExportTable, step: number): Generator<RecordBatch> {
  if (table.rows === 0) yield batchOf(table, 0, 0);
  for (let from = 0; from < table.rows; from += step) yield batchOf(table, from, Math.min(table.rows, from + step));
}

/** A CSV header cell: the name, then the units in parentheses when there are any. */
function headerOf(c: ExportColumn, element?: number): string {
  const name = element === undefined ? c.name : `${c.name}[${element}]`;
  return c.units === '' ? name : `${name} (${c.units})`;
}

function* csvBlocks(table: ExportTable, blockRows: number): Generator<Uint8Array> {
  const encoder = new TextEncoder();
  const columns = table.columns.filter((c) => c.rowShape.length < 2); // frames do not go in CSV
  const header = columns.flatMap((c) => (c.rowShape.length === 0 ? [headerOf(c)] : Array.from({ length: c.rowShape[0] ?? 0 }, (_, i) => headerOf(c, i))));
  yield encoder.encode(`${header.map(csvText).join(',')}\n`);
  for (let from = 0; from < table.rows; from += blockRows) {
    const to = Math.min(table.rows, from + blockRows);
    const values = columns.map((c) => c.dataset.slice([[from, to]]) as ArrayLike<unknown>);
    const lines: string[] = [];
    for (let r = 0; r < to - from; r++) {
      const cells: string[] = [];
      columns.forEach((c, i) => {
        const v = values[i] as ArrayLike<unknown>;
        const width = c.rowShape.length === 0 ? 1 : (c.rowShape[0] ?? 1);
        for (let k = 0; k < width; k++) {
          const x = v[r * width + k];
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

/** A byte sink for apache-arrow's writers that hands over what was written so far. */
class Drain extends AsyncByteQueue {
  private chunks: Uint8Array[] = [];
  override write(value: Uint8Array): void {
    if (value.byteLength > 0) this.chunks.push(value);
  }
  /** The bytes written since the last take, as one array. */
  take(): Uint8Array {
    const chunks = this.chunks;
    this.chunks = [];
    return chunks.length === 1 ? (chunks[0] as Uint8Array) : Buffer.concat(chunks);
  }
}

/** An Arrow IPC file (magic, schema, batches, footer), a batch at a time. */
function* arrowFileBlocks(table: ExportTable, blocks: Iterable<RecordBatch>): Generator<Uint8Array> {
  const sink = new Drain();
  const writer = new RecordBatchFileWriter();
  writer.reset(sink, table.schema);
  for (const batch of blocks) {
    writer.write(batch);
    yield sink.take();
  }
  writer.finish();
  yield sink.take();
}
