/**
 * Parquet from Arrow record batches, through parquet-wasm (the Rust `parquet` crate compiled to
 * WebAssembly). Its writer stores the Arrow schema in the file (`ARROW:schema`), so pyarrow,
 * pandas and polars get back the run uid and every field's metadata (units, source, dtype,
 * shape); the schema metadata is also written as Parquet key-value metadata for other readers.
 * Batches go in one at a time and row groups of `rowGroupRows` rows come out as they are full,
 * so memory stays bounded by a row group.
 */
import { createRequire } from 'node:module';
import { type RecordBatch, type Schema, Table, tableToIPC } from 'apache-arrow';
import type * as ParquetWasm from 'parquet-wasm';

// The package's Node build is CommonJS that loads its .wasm synchronously.
const parquet = createRequire(import.meta.url)('parquet-wasm') as typeof ParquetWasm;

/** The Parquet file of `batches` (all of `schema`), zstd-compressed, as chunks of bytes. */
export async function* parquetChunks(schema: Schema, batches: Iterable<RecordBatch>, rowGroupRows: number): AsyncGenerator<Uint8Array> {
  const metadata = new Map<string, string>(schema.metadata);
  const properties = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.ZSTD)
    .setMaxRowGroupSize(Math.max(1, rowGroupRows))
    .setKeyValueMetadata(metadata)
    .setCreatedBy('ts-daq')
    .build();
  const iterator = batches[Symbol.iterator]();
  const input = new ReadableStream<ParquetWasm.RecordBatch>({
    pull(controller) {
      const next = iterator.next();
      if (next.done === true) return controller.close();
      const table = parquet.Table.fromIPCStream(tableToIPC(new Table(schema, [next.value]), 'stream'));
      const batch = table.recordBatch(0);
      table.free();
      if (batch === undefined) return controller.close();
      controller.enqueue(batch);
    },
  });
  const output = (await parquet.transformParquetStream(input, properties)) as ReadableStream<Uint8Array>;
  for await (const chunk of output) yield chunk;
}
