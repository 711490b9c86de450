/**
 * Exports a finished run file (main-thread side): the HDF5 file itself read from disk in chunks,
 * or CSV / an Arrow IPC file / Parquet made by an export worker thread, one block at a time as the consumer pulls.
 */
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { DaqError, type ErrorCode } from '../../core/index.js';
import { workerEntry } from '../../core/worker-entry.js';
import type { TableFormat } from './export.js';

/** Formats of {@link exportRunFile}. */
export type ExportFormat = 'h5' | TableFormat;

/** An export: a file name for it, its size when known (else 0), and its bytes. */
export interface RunExport {
  fileName: string;
  totalBytes: number;
  chunks: AsyncGenerator<Uint8Array>;
}

/** File name extensions of the formats. */
const EXTENSIONS: Record<ExportFormat, string> = { h5: 'h5', csv: 'csv', arrow: 'arrow', parquet: 'parquet' };

/** Exports the run file at `path` as `format` (`stream` for CSV, Arrow and Parquet; default the first). */
export function exportRunFile(path: string, format: ExportFormat, stream = '', signal?: AbortSignal): RunExport {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new DaqError('not_found', `the run file ${path} is missing`);
  }
  const stem = basename(path).replace(/\.h5$/, '');
  if (format === 'h5') return { fileName: basename(path), totalBytes: size, chunks: fileChunks(path, signal) };
  return { fileName: `${stem}${stream === '' ? '' : `_${stream}`}.${EXTENSIONS[format]}`, totalBytes: 0, chunks: workerChunks(path, format, stream, signal) };
}

async function* fileChunks(path: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, ...(signal === undefined ? {} : { signal }) })) yield chunk as Buffer;
}

async function* workerChunks(path: string, format: TableFormat, stream: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const entry = workerEntry(new URL('./export-worker.js', import.meta.url), new URL('./export-worker.ts', import.meta.url));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(entry.url, {
    workerData: { port: port2, path, format, stream, ...(entry.devSources === undefined ? {} : { devSources: entry.devSources }) },
    transferList: [port2],
    execArgv: entry.execArgv,
  });
  const failed = new Promise<never>((_, reject) => worker.once('error', (error) => reject(new DaqError('internal', `export of ${path} failed: ${error.message}`))));
  failed.catch(() => undefined);
  try {
    for (;;) {
      if (signal?.aborted === true) return;
      const reply = new Promise<{ chunk?: Uint8Array; done?: boolean; error?: { code: ErrorCode; message: string } }>((resolve) => port1.once('message', resolve));
      port1.postMessage('next');
      const message = await Promise.race([reply, failed]);
      if (message.error !== undefined) throw new DaqError(message.error.code, message.error.message);
      if (message.done === true) return;
      if (message.chunk !== undefined) yield message.chunk;
    }
  } finally {
    port1.close();
    void worker.terminate();
  }
}
