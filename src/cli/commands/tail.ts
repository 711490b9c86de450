/**
 * `daq tail STREAM`: prints a stream's rows as they arrive, read straight from the shared-memory
 * ring (no RPC for the data). The ring is `--ring PATH`, or the one a daemon reports (`--remote`).
 */
import type { Command } from 'commander';
import { ControlService } from '../../api/gen/daq/v1/control_pb.js';
import { DaqError } from '../../core/index.js';
import { follow, rowsOf } from '../../data/index.js';
import { exitHelp } from '../output.js';
import { TailTable } from '../tail-table.js';
import { connect, remoteAddress, type RemoteOptions } from '../remote.js';

interface TailOptions extends RemoteOptions {
  ring?: string;
  all?: boolean;
  json?: boolean;
  count?: number;
}

/** Registers the command on `program`. */
export function registerTail(program: Command): void {
  program
    .command('tail')
    .description("print a recorded stream's rows as they arrive, from the shared-memory ring buffer")
    .argument('<stream>', 'the stream (the name given to record() or a plan)')
    .option('--ring <path>', 'the ring file (default: the one the daemon of --remote reports)')
    .option('-r, --remote <host:port>', 'ask this daemon where its ring is (default: $DAQ_REMOTE)')
    .option('--token <token>', 'bearer token (default: $DAQ_TOKEN)')
    .option('--all', 'start with the oldest rows still in the ring')
    .option('-n, --count <rows>', 'stop after this many rows', Number)
    .option('--json', 'one JSON object a row')
    .addHelpText('after', exitHelp({ 0: 'stopped by -n or Ctrl-C', 1: 'the ring cannot be read, or the daemon cannot be reached', 2: 'bad arguments' }))
    .action(async (stream: string, options: TailOptions) => {
      const path = options.ring ?? (await ringOfDaemon(options));
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      let printed = 0;
      const table = new TailTable(stream, (line) => process.stdout.write(`${line}\n`));
      for await (const batch of follow(path, stream, { fromOldest: options.all === true, signal: stop.signal })) {
        for (const row of rowsOf(batch)) {
          if (options.json) process.stdout.write(`${JSON.stringify(row)}\n`);
          else table.row(batch.schema, row);
          if (options.count !== undefined && ++printed >= options.count) return stop.abort();
        }
      }
    });
}

async function ringOfDaemon(options: TailOptions): Promise<string> {
  if (remoteAddress(options) === undefined) throw new DaqError('invalid_argument', 'daq tail needs --ring PATH or --remote HOST:PORT');
  const client = connect(options);
  try {
    const info = await client.call(ControlService.method.getDaemonInfo, {});
    if (info.ring?.path === undefined || info.ring.path === '') throw new DaqError('failed_precondition', `the daemon at ${client.address} writes no ring (started with --no-ring)`);
    return info.ring.path;
  } finally {
    client.close();
  }
}
