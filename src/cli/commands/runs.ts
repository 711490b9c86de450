/** `daq runs --remote HOST:PORT [--json]` (`daq abort` and `daq stop` are in control.ts). */
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import type { Command } from 'commander';
import type { DaemonClient } from '../../api/client.js';
import { ControlService, RunSummarySchema } from '../../api/gen/daq/v1/control_pb.js';
import { DaqError } from '../../core/index.js';
import { exitHelp, formatTable, printJson } from '../output.js';
import { connect, type RemoteOptions, remoteOptions, summaryJson, whoStarted } from '../remote.js';

/** Registers `daq runs` on `program`. */
export function registerRuns(program: Command): void {
  remoteOptions(program.command('runs').description('the runs a daemon knows: finished, current and queued, oldest first; with --documents, one run\'s Bluesky documents'), true)
    .argument('[run]', 'with --documents: the run, its uid or a unique prefix (default: the current run, or the next to start)')
    .option('--documents', "print the run's Bluesky event-model documents, one JSON array [name, doc] a line, live until its stop")
    .option('--json', 'print one JSON object: {runs: [{uid, script, state, exitStatus, reason, numEvents, durationS, startedBy, startedByRole, params, metadata, file, fileSizeBytes, eventsLost, storageError, fileFinished}]}')
    .option('--data-dir <dir>', "without a daemon: the runs in a data directory's catalog (DIR/catalog.jsonl)")
    .addHelpText('after', exitHelp({ 0: 'listed', 1: 'the daemon cannot be reached, or the catalog cannot be read', 2: 'bad arguments' }))
    .action(async (run: string | undefined, options: RemoteOptions & { json?: boolean; dataDir?: string; documents?: boolean }) => {
      if (options.documents) return printDocuments(run ?? '', options);
      if (run !== undefined) throw new DaqError('invalid_argument', `daq runs ${run}: a run is given only with --documents (daq runs ${run} --documents)`);
      const client = options.dataDir === undefined ? connect(options) : undefined;
      try {
        const runs = client === undefined ? await catalogRuns(options.dataDir as string) : (await client.call(ControlService.method.listRuns, {})).runs.map(summaryJson);
        if (options.json) return printJson({ runs });
        const rows = runs.map((r) => [
          String(r['uid']),
          String(r['script']),
          String(r['state']),
          String(r['exitStatus'] ?? ''),
          Object.entries(r['numEvents'] as Record<string, number>).map(([s, n]) => `${s}:${n}`).join(' '),
          String(r['reason'] ?? '').split('\n')[0] ?? '',
          byColumn(r),
          pairsColumn(r['params']),
          pairsColumn(r['metadata']),
          fileColumn(r),
        ]);
        process.stdout.write(`${formatTable(['UID', 'SCRIPT', 'STATE', 'EXIT', 'EVENTS', 'REASON', 'BY', 'PARAMS', 'METADATA', 'FILE'], rows)}\n`);
      } finally {
        client?.close();
      }
    });
}

/** The runs of a data directory's catalog; the data layer is loaded only for this (not for --remote). */
async function catalogRuns(dataDir: string): Promise<Record<string, unknown>[]> {
  const [{ Catalog }, { catalogSummary }] = await Promise.all([import('../../data/index.js'), import('../../api/convert.js')]);
  return Catalog.read(join(dataDir, 'catalog.jsonl'), (line) => process.stderr.write(`daq: ${dataDir}/catalog.jsonl line ${line} is damaged; skipped\n`))
    .list()
    .map((entry) => summaryJson(create(RunSummarySchema, catalogSummary(entry))));
}

/**
 * `daq runs [RUN] --documents`: the run's Bluesky documents as the daemon sends them, one
 * `[name, doc]` JSON array a line (what `event_model` and Bluesky callbacks take), until its stop.
 */
async function printDocuments(run: string, options: RemoteOptions & { dataDir?: string }): Promise<void> {
  if (options.dataDir !== undefined) throw new DaqError('invalid_argument', '--documents needs a daemon (--remote): the documents of a run are kept by the daemon that ran it');
  const client = connect(options);
  try {
    const runUid = run === '' ? '' : await fullUid(client, run);
    for await (const document of client.documents(runUid)) {
      if (document.name !== '') process.stdout.write(`[${JSON.stringify(document.name)},${document.json}]\n`);
    }
  } finally {
    client.close();
  }
}

/** The uid of the daemon's run whose uid is `prefix` or starts with it (unique). */
async function fullUid(client: DaemonClient, prefix: string): Promise<string> {
  const uids = (await client.call(ControlService.method.listRuns, {})).runs.map((r) => r.uid);
  if (uids.includes(prefix)) return prefix;
  const matches = uids.filter((uid) => uid.startsWith(prefix));
  if (matches.length === 1) return matches[0] as string;
  if (matches.length > 1) throw new DaqError('invalid_argument', `run "${prefix}" is ambiguous: ${matches.join(', ')}`);
  throw new DaqError('not_found', `the daemon at ${client.address} has no run ${prefix} (daq runs lists them)`);
}

/** The BY column: who started the run and the role of their token (`olivia (operator)`), or `local`. */
function byColumn(r: Record<string, unknown>): string {
  return whoStarted(String(r['startedBy'] ?? ''), String(r['startedByRole'] ?? ''));
}

/** Metadata the BY column shows, or too long for a table (a preset's content: `daq preset show`). */
const SHOWN_ELSEWHERE = new Set(['started_by', 'started_by_role', 'preset_content', 'preset_saved_at', 'preset_saved_by']);
/** Longest value a PARAMS or METADATA cell shows (longer ones are cut: --json has them whole). */
const MAX_VALUE_CHARS = 24;

/** The PARAMS and METADATA columns: `name=value` pairs, sorted by name. */
function pairsColumn(values: unknown): string {
  return Object.entries((values ?? {}) as Record<string, unknown>)
    .filter(([name]) => !SHOWN_ELSEWHERE.has(name))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      return `${name}=${text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 1)}…` : text}`;
    })
    .join(' ');
}

/** The FILE column: path, size, losses, or the storage problem. */
function fileColumn(r: Record<string, unknown>): string {
  if (r['file'] === null) return '';
  const mib = Number(r['fileSizeBytes']) / 2 ** 20;
  const notes = [Number(r['eventsLost']) > 0 ? `${String(r['eventsLost'])} lost` : '', r['storageError'] ? 'NOT WRITTEN: see daq status' : r['fileFinished'] ? '' : 'writing'].filter(Boolean);
  return `${String(r['file'])} (${mib.toFixed(1)} MiB${notes.length > 0 ? `, ${notes.join(', ')}` : ''})`;
}
