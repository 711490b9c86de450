/**
 * The queue of a daemon in a cluster: ListQueue, MoveInQueue, RemoveFromQueue, ClearQueue and
 * StopRun of a queued run work on the lab's queue in JetStream KV (cluster/cluster-queue.ts), so
 * the CLI and dashboard of any daemon of the lab show and edit the same queue, each run with the
 * daemon that runs it. StartQueue and StopQueue stay this daemon's own: whether it takes runs.
 */
import { DaqError } from '../../core/index.js';
import type { QueuedRunRecord } from '../../data/index.js';
import type { ClusterQueue } from '../../cluster/cluster-queue.js';
import type { LabQueueItem } from '../../cluster/queue-entry.js';
import type { Run } from '../../engine/index.js';
import type { DaemonCore } from '../core.js';
import type { RunSummaryInit } from '../convert.js';
import { type ControlService, RunState } from '../gen/daq/v1/control_pb.js';
import { ExitStatus } from '../gen/daq/v1/documents_pb.js';
import type { ServiceHandlers } from '../handlers.js';
import { presetStoreOf } from './presets.js';
import { summaryOf } from './status.js';

type Handlers = ServiceHandlers<typeof ControlService>;
type QueueHandlers = Pick<Handlers, 'listQueue' | 'removeFromQueue' | 'moveInQueue' | 'clearQueue' | 'stopRun'>;

/** A run of the lab queue as clients see it: this daemon's from its engine, another's from the queue. */
function itemSummary(core: DaemonCore, item: LabQueueItem): RunSummaryInit {
  const local = localRun(core, item.record.uid);
  if (local !== undefined) return summaryOf(core, local);
  const r = item.record;
  return { uid: r.uid, scriptName: r.scriptName, state: RunState.QUEUED, queuedAtS: r.queuedAtS, startedBy: r.startedBy, daemon: item.daemon };
}

function localRun(core: DaemonCore, uid: string): Run | undefined {
  try {
    return core.engine.run(uid);
  } catch {
    return undefined;
  }
}

/** The lab queue, next first. */
async function labRuns(core: DaemonCore, queue: ClusterQueue): Promise<RunSummaryInit[]> {
  return (await queue.list()).map((item) => itemSummary(core, item));
}

/**
 * Queues StartRun's run in the lab queue for `daemon` (empty: this one). A run of this daemon
 * from a preset that does not exist is refused here, before it is queued.
 */
export async function submitToLab(core: DaemonCore, queue: ClusterQueue, record: QueuedRunRecord, daemon: string): Promise<RunSummaryInit> {
  const target = daemon === '' ? queue.daemon : daemon;
  if (/[\s.*>]/.test(target)) throw new DaqError('invalid_argument', `StartRun: daemon "${target}" is not a daemon name (no spaces, ".", "*" or ">")`);
  if (target === queue.daemon && record.preset !== undefined) await presetStoreOf(core).get(record.preset.name);
  const { item, run } = await queue.add(record, target);
  return run === undefined ? itemSummary(core, item) : summaryOf(core, run);
}

/** The queue handlers of a daemon in a cluster; `base`: the daemon's own (StopRun of a run that is not queued). */
export function labQueueHandlers(core: DaemonCore, queue: ClusterQueue, base: Pick<Handlers, 'stopRun'>): QueueHandlers {
  return {
    async listQueue() {
      return { runs: await labRuns(core, queue), processing: core.engine.queueRunning };
    },
    async removeFromQueue(request, context) {
      const item = await queue.remove(request.uid);
      core.audit(context.principal, `removed run ${request.uid} (${item.record.scriptName}, for ${item.daemon}) from the lab queue`);
      return { runs: await labRuns(core, queue) };
    },
    async moveInQueue(request, context) {
      await queue.move(request.uid, request.index);
      core.audit(context.principal, `moved run ${request.uid} to ${request.index} in the lab queue`);
      return { runs: await labRuns(core, queue) };
    },
    async clearQueue(_request, context) {
      const removed = await queue.clear();
      core.audit(context.principal, `cleared the lab queue (${removed.length} runs)`);
      return {};
    },
    async stopRun(request, context) {
      const local = request.uid === '' ? undefined : localRun(core, request.uid);
      if (request.uid === '' || (local !== undefined && local.state !== 'queued')) return base.stopRun(request, context);
      const item = await queue.remove(request.uid);
      core.audit(context.principal, `stopped run ${request.uid} (removed it from the lab queue)`);
      const summary = local === undefined ? itemSummary(core, item) : summaryOf(core, local);
      return { run: local === undefined ? { ...summary, state: RunState.FINISHED, exitStatus: ExitStatus.ABORT, reason: 'removed from the queue' } : summary };
    },
  };
}
