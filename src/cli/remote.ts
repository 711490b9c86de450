/**
 * What the CLI needs to talk to a daemon: `--remote HOST:PORT` (or DAQ_REMOTE), `--token` (or
 * DAQ_TOKEN), and conversions of API messages into what the local commands print, so a remote
 * command prints exactly what its local twin prints.
 */
import type { Command } from 'commander';
import { DaemonClient } from '../api/client.js';
import type { Value } from '../api/gen/daq/v1/common_pb.js';
import type { RunDocument as ApiDocument } from '../api/gen/daq/v1/documents_pb.js';
import { ExitStatus } from '../api/gen/daq/v1/documents_pb.js';
import { type RunSummary as ApiSummary, RunState } from '../api/gen/daq/v1/control_pb.js';
import { DaqError } from '../core/index.js';
import type { ExitStatus as EngineExit, RunDocument } from '../engine/index.js';

/** Options every remote command takes. */
export interface RemoteOptions {
  remote?: string;
  token?: string;
}

/** Adds `--remote` and `--token` to a command. */
export function remoteOptions(command: Command, required = false): Command {
  const help = 'address of a daemon, HOST:PORT (default: $DAQ_REMOTE)';
  return (required ? command.option('-r, --remote <host:port>', help) : command.option('-r, --remote <host:port>', `${help}; without it the lab config is used in this process`)).option(
    '--token <token>',
    'bearer token for a daemon with auth (default: $DAQ_TOKEN)',
  );
}

/** The daemon address from the options or the environment, if any. */
export function remoteAddress(options: RemoteOptions): string | undefined {
  return options.remote ?? process.env['DAQ_REMOTE'];
}

/** A client of the daemon named by the options; `invalid_argument` when none is named. */
export function connect(options: RemoteOptions): DaemonClient {
  const address = remoteAddress(options);
  if (address === undefined) throw new DaqError('invalid_argument', 'no daemon given: pass --remote HOST:PORT or set DAQ_REMOTE');
  const token = options.token ?? process.env['DAQ_TOKEN'];
  return new DaemonClient(address, token === undefined ? {} : { token });
}

const EXIT: Record<number, EngineExit | undefined> = { [ExitStatus.SUCCESS]: 'success', [ExitStatus.ABORT]: 'abort', [ExitStatus.FAIL]: 'fail' };
const STATE: Record<number, string> = { [RunState.QUEUED]: 'queued', [RunState.RUNNING]: 'running', [RunState.PAUSED]: 'paused', [RunState.SUSPENDED]: 'suspended', [RunState.FINISHED]: 'finished' };

/** A run summary as `daq run --json` and `daq runs --json` print it. */
export function summaryJson(run: ApiSummary): Record<string, unknown> {
  const end = run.endTimeS || undefined;
  return {
    uid: run.uid,
    script: run.scriptName,
    state: STATE[run.state] ?? 'unknown',
    exitStatus: EXIT[run.exitStatus] ?? null,
    reason: run.reason,
    ...(run.suspendedReason === '' ? {} : { suspendedReason: run.suspendedReason }),
    numEvents: run.numEvents,
    durationS: end !== undefined && run.startTimeS > 0 ? end - run.startTimeS : null,
    startedBy: run.startedBy,
    startedByRole: textOf(run.metadata['started_by_role']),
    params: plainValues(run.params),
    metadata: plainValues(run.metadata),
    file: run.filePath || null,
    fileSizeBytes: run.fileSizeBytes,
    eventsLost: run.eventsLost,
    storageError: run.storageError,
    fileFinished: run.fileFinished,
    ...(run.daemon === '' ? {} : { daemon: run.daemon }),
  };
}

/** Who started a run: the token's name and its role (`olivia (operator)`), or `local` without tokens. */
export function startedByText(run: ApiSummary): string {
  return whoStarted(run.startedBy, textOf(run.metadata['started_by_role']));
}

/** `name (role)`, or just `name` when the role is not known or the run is `local`. */
export function whoStarted(name: string, role: string): string {
  return role !== '' && name !== 'local' ? `${name} (${role})` : name;
}

/** A map of Value messages (a summary's params or metadata) as plain values. */
function plainValues(values: Record<string, Value>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, plainValue(value)]));
}

/** The text of a Value message ('' when it holds no text). */
function textOf(value: Value | undefined): string {
  return value?.kind.case === 'text' ? value.kind.value : '';
}

/** The engine exit status of a summary, if finished. */
export function exitOf(run: ApiSummary): EngineExit | undefined {
  return EXIT[run.exitStatus];
}

/** A Value message as a plain value (frames as `{width, height, dtype}`). */
export function plainValue(value: Value | undefined): unknown {
  const kind = value?.kind;
  if (kind === undefined || kind.case === undefined) return null;
  if (kind.case === 'numbers') return kind.value.values;
  if (kind.case === 'frame') return { width: kind.value.width, height: kind.value.height, dtype: kind.value.dtype };
  return kind.value;
}

/** An API document in the engine's shape, for the run display (only what it shows). */
export function localDocument(document: ApiDocument): RunDocument | undefined {
  const d = document.document;
  if (d.case === 'descriptor') {
    return { kind: 'descriptor', uid: d.value.uid, runStart: d.value.runStart, name: d.value.name, timeS: d.value.timeS, dataKeys: d.value.dataKeys as never };
  }
  if (d.case === 'event') {
    const data = Object.fromEntries(Object.entries(d.value.data).map(([k, v]) => [k, plainValue(v)]));
    return { kind: 'event', uid: d.value.uid, descriptor: d.value.descriptor, stream: d.value.stream, seqNum: d.value.seqNum, timeS: d.value.timeS, data: data as never, timestamps: d.value.timestamps };
  }
  return undefined;
}
