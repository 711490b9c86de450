/** `daq export RUN --format csv|arrow|h5 [--stream S] [-o FILE] --remote HOST:PORT`: a stored run as a file. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { DaqError } from '../../core/index.js';
import { ControlService, ExportFormat } from '../../api/gen/daq/v1/control_pb.js';
import { exitHelp } from '../output.js';
import { connect, type RemoteOptions, remoteOptions } from '../remote.js';

const FORMATS: Record<string, ExportFormat> = { h5: ExportFormat.H5, csv: ExportFormat.CSV, arrow: ExportFormat.ARROW };

/** Registers `daq export` on `program`. */
export function registerExport(program: Command): void {
  remoteOptions(program.command('export').description("download a finished run: its HDF5 file, or one stream's events as CSV or Arrow IPC"), true)
    .argument('<run>', 'uid of the run (or a unique prefix of it, as `daq runs` shows)')
    .option('-f, --format <format>', 'h5, csv (frames left out) or arrow', 'h5')
    .option('-s, --stream <name>', 'the stream for csv and arrow (default: the first)')
    .option('-o, --output <file>', "where to write (default: the daemon's file name in this directory; - for stdout)")
    .addHelpText('after', exitHelp({ 0: 'written', 1: 'the run has no finished file, or the daemon cannot be reached', 2: 'bad arguments or an unknown run' }))
    .action(async (uid: string, options: RemoteOptions & { format: string; stream?: string; output?: string }) => {
      const format = FORMATS[options.format];
      if (format === undefined) throw new DaqError('invalid_argument', `--format must be h5, csv or arrow, not "${options.format}"`);
      const client = connect(options);
      let out: NodeJS.WritableStream | undefined;
      let written = 0;
      let target = options.output;
      try {
        for await (const response of client.stream(ControlService.method.exportRun, { runUid: uid, format, stream: options.stream ?? '' })) {
          if (out === undefined) {
            target ??= response.fileName;
            out = target === '-' ? process.stdout : createWriteStream(target);
          }
          written += response.chunk.byteLength;
          if (!out.write(response.chunk)) await once(out, 'drain');
        }
      } finally {
        client.close();
        if (out !== undefined && out !== process.stdout) {
          (out as ReturnType<typeof createWriteStream>).end();
          await once(out, 'close');
        }
      }
      if (target !== '-') process.stderr.write(`wrote ${target} (${written} bytes)\n`);
    });
}
