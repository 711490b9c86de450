/**
 * The daemon's status as a stream: a message whenever a run or a device changes, coalesced so a
 * slow client gets the latest state rather than a backlog, and a heartbeat when nothing changes.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { DaemonCore } from '../core.js';
import type { Run } from '../../engine/index.js';
import { type RunSummaryInit, toRunSummary, withStorage } from '../convert.js';
import type { StreamStatusResponseSchema } from '../gen/daq/v1/control_pb.js';
import { Mailbox } from '../mailbox.js';

type Status = MessageInitShape<typeof StreamStatusResponseSchema>;

/** A run as clients see it: the engine's summary, who started it, its parameters and metadata, and its file from the storage. */
export function summaryOf(core: DaemonCore, run: Run): RunSummaryInit {
  const summary = withStorage(toRunSummary(run.summary(), core.startedBy.get(run.uid) ?? '', run.request), core.storage?.run(run.uid));
  return core.labQueue === undefined ? summary : { ...summary, daemon: core.labQueue.daemon };
}

/** The daemon's status now. */
export function currentStatus(core: DaemonCore): Status {
  const run = core.engine.currentRun;
  const summaries = core.lab.summary();
  return {
    timeS: core.clock.now(),
    daemonState: run === undefined ? 'idle' : run.state === 'paused' || run.state === 'suspended' ? run.state : 'running',
    ...(run === undefined ? {} : { currentRun: summaryOf(core, run) }),
    queued: core.engine.queued().length,
    queueProcessing: core.engine.queueRunning,
    devices: summaries.map((d) => ({ name: d.name, state: d.state, fault: d.fault ?? '' })),
    storageError: core.storage?.status().error ?? '',
  };
}

/** Status messages until `signal` aborts: on change, and every `heartbeatS` seconds. */
export async function* statusOf(core: DaemonCore, heartbeatS: number, signal: AbortSignal): AsyncGenerator<Status> {
  const mailbox = new Mailbox<true>(1, signal);
  const poke = (): void => mailbox.replace(true);
  const detachRuns = core.engine.onRunChange(poke);
  const detachDevices = core.lab.onStateChange(poke);
  const detachStorage = core.storage?.onChange(poke) ?? (() => undefined);
  const heartbeat = setInterval(poke, heartbeatS * 1000);
  try {
    yield currentStatus(core);
    for await (const { dropped } of mailbox) yield { ...currentStatus(core), dropped };
  } finally {
    clearInterval(heartbeat);
    detachRuns();
    detachDevices();
    detachStorage();
  }
}
