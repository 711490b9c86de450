/** `daq runs --remote HOST:PORT [--json]` (`daq abort` and `daq stop` are in control.ts). */
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import type { Command } from 'commander';
import { catalogSummary } from '../../api/convert.js';
import { ControlService, RunSummarySchema } from '../../api/gen/daq/v1/control_pb.js';
import { Catalog } from '../../data/index.js';
import { exitHelp, formatTable, printJson } from '../output.js';
import { connect, type RemoteOptions, remoteOptions, summaryJson } from '../remote.js';

/** Registers `daq runs` on `program`. */
export function registerRuns(program: Command): void {
  remoteOptions(program.command('runs').description('the runs a daemon knows: finished, current and queued, oldest first'), true)
    .option('--json', 'print one JSON object: {runs: [{uid, script, state, exitStatus, reason, numEvents, durationS, startedBy, file, fileSizeBytes, eventsLost, storageError, fileFinished}]}')
    .option('--data-dir <dir>', "without a daemon: the runs in a data directory's catalog (DIR/catalog.jsonl)")
    .addHelpText('after', exitHelp({ 0: 'listed', 1: 'the daemon cannot be reached, or the catalog cannot be read', 2: 'bad arguments' }))
    .action(async (options: RemoteOptions & { json?: boolean; dataDir?: string }) => {
      const client = options.dataDir === undefined ? connect(options) : undefined;
      try {
        const runs =
          client === undefined
            ? Catalog.read(join(options.dataDir as string, 'catalog.jsonl'), (line) => process.stderr.write(`daq: ${options.dataDir}/catalog.jsonl line ${line} is damaged; skipped\n`))
                .list()
                .map((entry) => summaryJson(create(RunSummarySchema, catalogSummary(entry))))
            : (await client.call(ControlService.method.listRuns, {})).runs.map(summaryJson);
        if (options.json) return printJson({ runs });
        const rows = runs.map((r) => [
          String(r['uid']),
          String(r['script']),
          String(r['state']),
          String(r['exitStatus'] ?? ''),
          Object.entries(r['numEvents'] as Record<string, number>).map(([s, n]) => `${s}:${n}`).join(' '),
          String(r['reason'] ?? '').split('\n')[0] ?? '',
          fileColumn(r),
        ]);
        process.stdout.write(`${formatTable(['UID', 'SCRIPT', 'STATE', 'EXIT', 'EVENTS', 'REASON', 'FILE'], rows)}\n`);
      } finally {
        client?.close();
      }
    });
}

/** The FILE column: path, size, losses, or the storage problem. */
function fileColumn(r: Record<string, unknown>): string {
  if (r['file'] === null) return '';
  const mib = Number(r['fileSizeBytes']) / 2 ** 20;
  const notes = [Number(r['eventsLost']) > 0 ? `${String(r['eventsLost'])} lost` : '', r['storageError'] ? 'NOT WRITTEN: see daq status' : r['fileFinished'] ? '' : 'writing'].filter(Boolean);
  return `${String(r['file'])} (${mib.toFixed(1)} MiB${notes.length > 0 ? `, ${notes.join(', ')}` : ''})`;
}
