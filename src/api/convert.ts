/** Engine values to API messages: run documents, summaries, values. Frames become references. */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { isFrame } from '../capabilities/index.js';
import type { BlueskyPair, EventValue, ExitStatus as EngineExit, ParamValue, RunDocument as EngineDocument, RunRequest, RunSummary as EngineSummary } from '../engine/index.js';
import { type ValueSchema } from './gen/daq/v1/common_pb.js';
import { type RunSummarySchema, RunState } from './gen/daq/v1/control_pb.js';
import { ExitStatus, type RunDocumentSchema } from './gen/daq/v1/documents_pb.js';
import { DaqError } from '../core/index.js';
import type { CatalogEntry } from '../data/index.js';

/** A Value message. */
export type ValueInit = MessageInitShape<typeof ValueSchema>;
/** A RunDocument message. */
export type RunDocumentInit = MessageInitShape<typeof RunDocumentSchema>;
/** A RunSummary message. */
export type RunSummaryInit = MessageInitShape<typeof RunSummarySchema>;


/** A recorded or read value as a Value message (frames as references, without pixels). */
export function toValue(value: EventValue | unknown): ValueInit {
  if (typeof value === 'number') return { kind: { case: 'number', value } };
  if (typeof value === 'string') return { kind: { case: 'text', value } };
  if (typeof value === 'boolean') return { kind: { case: 'flag', value } };
  if (Array.isArray(value)) return { kind: { case: 'numbers', value: { values: value.map(Number) } } };
  if (isFrame(value)) {
    return {
      kind: {
        case: 'frame',
        value: { width: value.width, height: value.height, dtype: value.dtype, frameNumber: value.frameNumber, timestampS: value.timestampS, exposureS: value.exposureS },
      },
    };
  }
  return { kind: { case: 'text', value: JSON.stringify(value) ?? '' } };
}

/** A Value message as a parameter (number, string or boolean). */
export function fromValue(value: { kind: { case: string | undefined; value?: unknown } } | undefined, what: string): ParamValue {
  const kind = value?.kind;
  if (kind?.case === 'number' || kind?.case === 'text' || kind?.case === 'flag') return kind.value as ParamValue;
  throw new DaqError('invalid_argument', `${what}: expected a number, a string or a boolean`);
}

/** A record of values as a map of Value messages. */
export function toValueMap(values: Record<string, unknown>): Record<string, ValueInit> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, toValue(v)]));
}

/** The ExitStatus enum of an engine exit status. */
export function toExitStatus(status: EngineExit | undefined): ExitStatus {
  if (status === 'success') return ExitStatus.SUCCESS;
  if (status === 'abort') return ExitStatus.ABORT;
  if (status === 'fail') return ExitStatus.FAIL;
  return ExitStatus.UNSPECIFIED;
}

/**
 * A run document as a RunDocument message; `index` is its place in the run. `bluesky` is the
 * Bluesky document (name and JSON, unchanged); `document` the engine's twin of it, when it has
 * one (stream_resource and stream_datum documents have none).
 */
export function toRunDocument(runUid: string, index: number, document: EngineDocument | undefined, bluesky?: BlueskyPair): RunDocumentInit {
  const named = bluesky === undefined ? {} : { name: bluesky.name, json: bluesky.json };
  if (document === undefined) return { runUid, index, ...named };
  return { ...typedDocument(runUid, index, document), ...named };
}

function typedDocument(runUid: string, index: number, document: EngineDocument): RunDocumentInit {
  switch (document.kind) {
    case 'start':
      return {
        runUid,
        index,
        document: {
          case: 'start',
          value: { ...document, params: toValueMap(document.params), metadata: toValueMap(document.metadata) },
        },
      };
    case 'descriptor':
      return { runUid, index, document: { case: 'descriptor', value: { ...document } } };
    case 'event':
      return { runUid, index, document: { case: 'event', value: { ...document, data: toValueMap(document.data) } } };
    case 'stop':
      return { runUid, index, document: { case: 'stop', value: { ...document, exitStatus: toExitStatus(document.exitStatus) } } };
  }
}

/** The API's run state for each engine state. */
export const RUN_STATES = { queued: RunState.QUEUED, running: RunState.RUNNING, paused: RunState.PAUSED, suspended: RunState.SUSPENDED, finished: RunState.FINISHED } as const;

/** A run summary message (with the parameters and metadata of `request`, when given). */
export function toRunSummary(summary: EngineSummary, startedBy = '', request: Pick<RunRequest, 'params' | 'metadata'> = {}): RunSummaryInit {
  return {
    uid: summary.uid,
    scriptName: summary.scriptName,
    state: RUN_STATES[summary.state],
    exitStatus: toExitStatus(summary.exitStatus),
    reason: summary.reason ?? '',
    suspendedReason: summary.suspendedReason ?? '',
    numEvents: Object.fromEntries(Object.entries(summary.numEvents).map(([stream, n]) => [stream, uint32(n)])),
    progressDone: uint32(summary.progress?.done ?? 0),
    progressTotal: uint32(summary.progress?.total ?? 0),
    queuedAtS: summary.queuedAtS,
    startTimeS: summary.startTimeS ?? 0,
    endTimeS: summary.endTimeS ?? 0,
    startedBy,
    params: toValueMap(request.params ?? {}),
    metadata: toValueMap(request.metadata ?? {}),
  };
}

/**
 * `n` as a uint32 field can carry it: one value out of range makes grpc-js fail the whole
 * response, so a listing of every run would break for one bad run. The engine refuses such
 * values at the boundary; this is the API's own guard.
 */
function uint32(n: number): number {
  return Number.isFinite(n) ? Math.min(2 ** 32 - 1, Math.max(0, Math.trunc(n))) : 0;
}

/** A summary with the run's storage fields (file, size, losses, problem) from its catalog entry. */
export function withStorage(summary: RunSummaryInit, stored: CatalogEntry | undefined): RunSummaryInit {
  if (stored === undefined) return summary;
  return { ...summary, filePath: stored.file, fileSizeBytes: stored.fileSizeBytes, eventsLost: stored.eventsLost, storageError: stored.storageError, fileFinished: stored.fileFinished };
}

/** The summary of a run known only from the catalog (a run of an earlier daemon). */
export function catalogSummary(entry: CatalogEntry): RunSummaryInit {
  const exit = entry.exitStatus === 'success' || entry.exitStatus === 'abort' || entry.exitStatus === 'fail' ? entry.exitStatus : entry.endTimeS === undefined ? undefined : 'fail';
  return withStorage(
    {
      uid: entry.uid,
      scriptName: entry.scriptName,
      state: RunState.FINISHED,
      exitStatus: toExitStatus(exit),
      reason: entry.reason ?? '',
      numEvents: entry.numEvents,
      startTimeS: entry.startTimeS,
      endTimeS: entry.endTimeS ?? 0,
      startedBy: typeof entry.start.metadata.started_by === 'string' ? entry.start.metadata.started_by : '',
      params: toValueMap(entry.start.params),
      metadata: toValueMap(entry.start.metadata),
    },
    entry,
  );
}
