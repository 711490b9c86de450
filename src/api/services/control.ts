/** ControlService: scripts, runs, the queue, documents, logs, status and daemon facts. */
import { randomUUID } from 'node:crypto';
import { capabilitiesOf } from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';
import { type QueuedRunRecord, readRange, type RunStorage } from '../../data/index.js';
import { type LogEntry, type Run, type RunRequest, withPreset } from '../../engine/index.js';
import type { CallContext, ServiceHandlers } from '../handlers.js';
import { catalogSummary, fromValue } from '../convert.js';
import type { DaemonCore } from '../core.js';
import { type ControlService, LogLevel, type StartRunRequest } from '../gen/daq/v1/control_pb.js';
import { PIECE_BYTES } from '../limits.js';
import { Mailbox } from '../mailbox.js';
import { EditorPool, labDeclarations, RunChecker } from '../../scripting/types/index.js';
import { MAX_SCRIPT_NAME } from '../script-store.js';
import { statusOf, summaryOf } from './status.js';
import { presetStoreOf } from './presets.js';
import { runsHandlers } from './runs.js';
import { dashboardHandlers } from './dashboard.js';
import { labQueueHandlers, submitToLab } from './lab-queue.js';

const LEVELS = { debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR } as const;

/**
 * Queues the run of `record` (StartRun's, or one of the queue a daemon saved), and remembers it
 * in the saved queue. A preset is read now: StartRun of a preset that does not exist is refused;
 * a saved run whose preset is gone fails when it starts, saying so.
 */
export async function queueRun(core: DaemonCore, record: QueuedRunRecord, again = false): Promise<Run> {
  const request: RunRequest = { scriptName: record.scriptName, source: record.source, params: record.params, metadata: record.metadata, limits: record.limits };
  let fromPreset = request;
  if (record.preset !== undefined) {
    const options = record.preset;
    try {
      fromPreset = withPreset(request, core.lab, await presetStoreOf(core).get(options.name), options);
    } catch (error) {
      if (!again) throw error;
      fromPreset = { ...request, prepare: () => Promise.reject(DaqError.from(error)) };
    }
  }
  core.savedQueue?.remember(record);
  const run = core.engine.submit(fromPreset, again ? { uid: record.uid, queuedAtS: record.queuedAtS } : { uid: record.uid });
  core.startedBy.set(run.uid, record.startedBy);
  return run;
}

/** The ControlService handlers over `core`. */
export function controlHandlers(core: DaemonCore): ServiceHandlers<typeof ControlService> {
  const { engine } = core;
  // One worker checks scripts for the dashboard's editor and before every run (StartRun): it
  // starts now, so that its language service is warm by the first run.
  // Made again when a device's capabilities change (a remote device takes its owner's when it connects).
  let declarations: { key: string; text: string } | undefined;
  const labTypes = (): string => {
    const key = core.lab.devices().map((d) => `${d.name}:${capabilitiesOf(d).join(',')}`).join(';');
    if (declarations?.key !== key) declarations = { key, text: labDeclarations(core.lab) };
    return declarations.text;
  };
  const editor = new EditorPool(labTypes);
  const checker = new RunChecker((name, source) => editor.check(name, source), labTypes, `the lab "${core.lab.name}"`);
  editor.warmUp();
  const summary = (run: Run) => summaryOf(core, run);
  const queue = () => engine.queued().map(summary);
  const runFor = (uid: string) => {
    if (uid === '') {
      const current = engine.currentRun;
      if (current === undefined) throw new DaqError('failed_precondition', 'no run is in progress; give a run uid');
      return current;
    }
    return engine.run(uid);
  };
  const handlers: ServiceHandlers<typeof ControlService> = {
    async uploadScript(request, context) {
      const script = await core.scripts.put(request.name, request.source, core.clock.now());
      core.audit(context.principal, `uploaded script ${script.name} (${script.scriptId})`);
      return { script: { ...script, sizeBytes: Buffer.byteLength(script.source) } };
    },
    async listScripts() {
      return { scripts: core.scripts.list().map((s) => ({ ...s, sizeBytes: Buffer.byteLength(s.source) })) };
    },
    async startRun(request, context) {
      if (core.draining) throw new DaqError('unavailable', 'the daemon is shutting down: it takes no new runs');
      const { name, source } = scriptOf(core, request);
      if (request.daemon !== '' && core.labQueue === undefined) throw new DaqError('failed_precondition', `StartRun: a run for daemon "${request.daemon}" needs a daemon in a cluster (daq daemon --cluster); this one is not`);
      // A run for another daemon of the lab is checked against that daemon's lab by no one here.
      const elsewhere = request.daemon !== '' && request.daemon !== core.labQueue?.daemon;
      if (!request.skipCheck && !elsewhere) {
        try {
          await checker.check(name, source);
        } catch (error) {
          core.audit(context.principal, `refused a run of ${name}: ${DaqError.from(error).message}`);
          throw error;
        }
        if (core.draining) throw new DaqError('unavailable', 'the daemon is shutting down: it takes no new runs');
      }
      const params = Object.fromEntries(Object.entries(request.params).map(([k, v]) => [k, fromValue(v, `param ${k}`)]));
      const metadata = Object.fromEntries(Object.entries(request.metadata).map(([k, v]) => [k, fromValue(v, `metadata ${k}`)]));
      const limits = request.limits;
      const record: QueuedRunRecord = {
        uid: randomUUID(),
        scriptName: name,
        source,
        params,
        // Who started it, by the token's name and role (`local` when the daemon has no tokens).
        metadata: { ...metadata, started_by: context.principal.name, started_by_role: context.principal.role },
        limits: {
          ...(limits?.wallTimeS ? { wallTimeS: limits.wallTimeS } : {}),
          ...(limits?.maxOperations ? { maxOperations: limits.maxOperations } : {}),
          ...(limits?.maxMemoryMb ? { maxMemoryMb: limits.maxMemoryMb } : {}),
        },
        ...(request.preset?.name
          ? { preset: { name: request.preset.name, openShutters: request.preset.openShutters, enableEmission: request.preset.enableEmission } }
          : {}),
        queuedAtS: core.clock.now(),
        startedBy: context.principal.name,
      };
      if (core.labQueue !== undefined) {
        const queued = await submitToLab(core, core.labQueue, record, request.daemon);
        core.audit(context.principal, `started run ${record.uid} of ${name}${elsewhere ? ` on ${request.daemon}` : ''}`);
        return { run: queued };
      }
      const run = await queueRun(core, record);
      core.audit(context.principal, `started run ${run.uid} of ${name}`);
      return { run: summary(run) };
    },
    async stopRun(request, context) {
      const run = runFor(request.uid);
      if (run.state === 'queued') engine.remove(run.uid);
      else run.abort(request.reason || `stopped by ${context.principal.name}`);
      core.audit(context.principal, `stopped run ${run.uid}`);
      return { run: summary(run) };
    },
    async pauseRun(request, context) {
      const run = runFor(request.uid);
      run.pause();
      core.audit(context.principal, `paused run ${run.uid}`);
      return { run: summary(run) };
    },
    async resumeRun(request, context) {
      const run = runFor(request.uid);
      run.resume();
      core.audit(context.principal, `resumed run ${run.uid}`);
      return { run: summary(run) };
    },
    async getRun(request) {
      try {
        return { run: summary(runFor(request.uid)) };
      } catch (error) {
        // A run of an earlier daemon: from the catalog.
        if (request.uid === '' || core.storage === undefined || !(error instanceof DaqError) || error.code !== 'not_found') throw error;
        return { run: catalogSummary(core.storage.find(request.uid)) };
      }
    },
    async listRuns() {
      const current = engine.currentRun;
      const live = [...engine.finished(), ...(current === undefined ? [] : [current]), ...engine.queued()];
      const known = new Set<string>(live.map((r) => r.uid));
      const earlier = (core.storage?.catalog.list() ?? []).filter((e) => !known.has(e.uid)).map(catalogSummary);
      return { runs: [...earlier, ...live.map(summary)] };
    },
    async listQueue() {
      return { runs: queue(), processing: engine.queueRunning };
    },
    async removeFromQueue(request, context) {
      engine.remove(request.uid);
      core.audit(context.principal, `removed run ${request.uid} from the queue`);
      return { runs: queue() };
    },
    async moveInQueue(request, context) {
      engine.move(request.uid, request.index);
      core.audit(context.principal, `moved run ${request.uid} to ${request.index}`);
      return { runs: queue() };
    },
    async clearQueue(_request, context) {
      engine.clear();
      core.audit(context.principal, 'cleared the queue');
      return {};
    },
    async startQueue(_request, context) {
      engine.startQueue();
      core.audit(context.principal, 'started the queue');
      return {};
    },
    async stopQueue(_request, context) {
      engine.stopQueue();
      core.audit(context.principal, 'stopped the queue');
      return {};
    },
    async *streamRunDocuments(request, context) {
      const queued = (): boolean => request.runUid !== '' && engine.queued().some((r) => r.uid === request.runUid);
      if (request.runUid !== '') engine.run(request.runUid);
      if (request.acceptBatches) {
        // Several documents per response for a follower that is behind (document-batch.ts).
        // While the run goes on, its next batch is made only when the one before the last is
        // out: a follower that HTTP/2 flow control holds back keeps two batches and costs nothing
        // per document meanwhile; when it may take more, its next batch has everything it is
        // behind by (not 16 batches made ahead, during the run); its stream is never left empty
        // while the next batch is made. After the run, batches are made as the transport queues
        // them (faster to catch up with: fewer full collections than paced, measured).
        const sent = context.sent;
        const paced = sent === undefined ? undefined : () => sent(1);
        for await (const batch of core.documents.followBatches(request.runUid, request.fromIndex, linked(core, context), queued, paced)) yield batch;
        return;
      }
      for await (const logged of core.documents.follow(request.runUid, request.fromIndex, linked(core, context), queued)) {
        // One response message per document, shared by every follower, its bytes known: gRPC
        // sends them, not encoded again per follower; only a protocol that encodes the message
        // itself (Connect) decodes it.
        yield logged.message;
      }
    },
    async *streamLogs(request, context) {
      const mailbox = new Mailbox<LogEntry>(1000, linked(core, context));
      const detach = core.logs.on((entry) => {
        if (request.runUid === '' || entry.runUid === request.runUid) mailbox.push(entry);
      });
      try {
        for await (const { item, dropped } of mailbox) {
          yield { timeS: item.timeS, level: LEVELS[item.level], message: item.message, runUid: item.runUid, dropped };
        }
      } finally {
        detach();
      }
    },
    async *streamStatus(request, context) {
      yield* statusOf(core, request.heartbeatS > 0 ? request.heartbeatS : 1, linked(core, context));
    },
    async *readStreamRange(request, context) {
      const path = core.facts.ring.path;
      if (path === '') throw new DaqError('failed_precondition', 'this daemon writes no ring buffer (started with --no-ring)');
      const t1 = request.t1S > 0 ? request.t1S : Number.MAX_VALUE;
      const parts = readRange(path, request.stream, request.t0S, t1, { withoutFrames: request.withoutFrames, lastRows: request.lastRows, fields: request.fields });
      const signal = linked(core, context);
      for (const [part, bytes] of parts.entries()) {
        // Pieces of at most 1 MiB: every gRPC client reads them with its default 4 MiB limit.
        for (let at = 0; at < bytes.byteLength; at += PIECE_BYTES) {
          if (signal.aborted) return;
          yield { arrowIpc: bytes.subarray(at, at + PIECE_BYTES), part };
        }
      }
    },
    ...runsHandlers(core),
    async getDaemonInfo(_request, context) {
      const facts = core.facts;
      return {
        version: facts.version,
        labName: core.lab.name,
        configFile: facts.configFile,
        dataDir: facts.dataDir,
        startedAtS: facts.startedAtS,
        ring: facts.ring,
        authEnabled: facts.authEnabled,
        role: context.principal.role,
        listen: facts.listen,
        httpListen: facts.httpListen,
        ...(core.storage === undefined ? {} : { storage: storageInfo(core.storage) }),
      };
    },
    ...dashboardHandlers(core, editor, labTypes),
  };
  // In a cluster, the queue is the lab's (JetStream KV), shared by its daemons.
  return core.labQueue === undefined ? handlers : { ...handlers, ...labQueueHandlers(core, core.labQueue, handlers) };
}

function storageInfo(storage: RunStorage): { runsDir: string; freeBytes: number; error: string; gzip: number } {
  const status = storage.status();
  return { runsDir: storage.runsDir, freeBytes: status.freeBytes, error: status.error, gzip: storage.gzip };
}

function scriptOf(core: DaemonCore, request: StartRunRequest): { name: string; source: string } {
  if (request.script.case === 'scriptId') return core.scripts.get(request.script.value);
  if (request.script.case === 'inline') {
    if (request.script.value.source === '') throw new DaqError('invalid_argument', 'StartRun: the inline script is empty');
    const name = request.script.value.name || 'inline.js';
    if (name.length > MAX_SCRIPT_NAME) throw new DaqError('invalid_argument', `StartRun: the script name is ${name.length} characters long; at most ${MAX_SCRIPT_NAME}`);
    return { name, source: request.script.value.source };
  }
  throw new DaqError('invalid_argument', 'StartRun needs a script_id or an inline script');
}

/** A signal that aborts when the call ends or the daemon shuts down. */
export function linked(core: DaemonCore, context: CallContext): AbortSignal {
  return AbortSignal.any([context.signal, core.shutdown]);
}
