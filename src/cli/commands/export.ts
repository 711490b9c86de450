/**
 * `daq export RUN --format h5|csv|arrow|parquet [--stream S] [-o FILE] (--remote HOST:PORT | --data-dir DIR)`:
 * a stored run as a file, from a daemon (ExportRun) or straight from a data directory.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { DaqError } from '../../core/index.js';
import { ControlService, ExportFormat } from '../../api/gen/daq/v1/control_pb.js';
import { Catalog, exportRunFile, type ExportFormat as FileFormat } from '../../data/index.js';
import { exitHelp } from '../output.js';
import { connect, type RemoteOptions, remoteOptions } from '../remote.js';

const FORMATS: Record<FileFormat, ExportFormat> = { h5: ExportFormat.H5, csv: ExportFormat.CSV, arrow: ExportFormat.ARROW, parquet: ExportFormat.PARQUET };

interface ExportOptions extends RemoteOptions {
  format: string;
  stream?: string;
  output?: string;
  dataDir?: string;
}

/** A file name and the bytes of an export. */
interface Source {
  fileName: string;
  chunks: AsyncIterable<Uint8Array>;
}

/** Registers `daq export` on `program`. */
export function registerExport(program: Command): void {
  remoteOptions(program.command('export').description("a finished run as a file: its HDF5 file, or one stream's events as CSV, an Arrow IPC file or Parquet"), true)
    .argument('<run>', 'uid of the run (or a unique prefix of it, as `daq runs` shows)')
    .option('-f, --format <format>', 'h5, csv (frames left out; units in the header), arrow (Arrow IPC file: pandas.read_feather, polars.read_ipc) or parquet', 'h5')
    .option('-s, --stream <name>', 'the stream for csv, arrow and parquet (default: the first)')
    .option('-o, --output <file>', 'where to write (default: the run file name with the format\'s extension, in this directory; - for stdout)')
    .option('--data-dir <dir>', 'without a daemon: export from this data directory (its catalog.jsonl and run files)')
    .addHelpText('after', exitHelp({ 0: 'written', 1: 'the run has no finished file, or the daemon cannot be reached', 2: 'bad arguments or an unknown run' }))
    .action(async (uid: string, options: ExportOptions) => {
      const format = options.format as FileFormat;
      if (!(format in FORMATS)) throw new DaqError('invalid_argument', `--format must be h5, csv, arrow or parquet, not "${options.format}"`);
      const written = options.dataDir === undefined ? await fromDaemon(uid, format, options) : await write(fromDataDir(uid, format, options.dataDir, options.stream ?? ''), options.output);
      if (written.target !== '-') process.stderr.write(`wrote ${written.target} (${written.bytes} bytes)\n`);
    });
}

/** The export of a finished run of the data directory `dataDir`, made here. */
function fromDataDir(uid: string, format: FileFormat, dataDir: string, stream: string): Source {
  const catalogPath = join(dataDir, 'catalog.jsonl');
  const entry = Catalog.read(catalogPath, (line) => process.stderr.write(`daq: ${catalogPath} line ${line} is damaged; skipped\n`)).find(uid);
  if (entry.file === '') throw new DaqError('not_found', `run ${entry.uid} has no file in ${dataDir}`);
  if (!entry.fileFinished) {
    const why = entry.storageError === '' ? 'it is still being written, or its daemon died: start a daemon on this data directory to recover it' : entry.storageError;
    throw new DaqError('failed_precondition', `run ${entry.uid}: its file ${entry.file} is not finished (${why})`);
  }
  return exportRunFile(entry.file, format, stream);
}

async function fromDaemon(uid: string, format: FileFormat, options: ExportOptions): Promise<{ target: string; bytes: number }> {
  const client = connect(options);
  try {
    const responses = client.stream(ControlService.method.exportRun, { runUid: uid, format: FORMATS[format], stream: options.stream ?? '' });
    const first = await responses.next();
    if (first.done === true) throw new DaqError('internal', `the daemon at ${client.address} sent nothing for run ${uid}`);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield first.value.chunk;
      for await (const response of responses) yield response.chunk;
    }
    return await write({ fileName: first.value.fileName, chunks: chunks() }, options.output);
  } finally {
    client.close();
  }
}

/** Writes `source` to `output` (default its file name; `-` stdout); returns where and how many bytes. */
async function write(source: Source, output: string | undefined): Promise<{ target: string; bytes: number }> {
  const target = output ?? source.fileName;
  const out = target === '-' ? process.stdout : createWriteStream(target);
  let bytes = 0;
  let failed = false;
  try {
    for await (const chunk of source.chunks) {
      bytes += chunk.byteLength;
      if (!out.write(chunk)) await once(out, 'drain');
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    if (out !== process.stdout) {
      out.end();
      await once(out, 'close');
      if (failed) await rm(target, { force: true }); // no half-written file left behind
    }
  }
  return { target, bytes };
}
