/**
 * The daemon: owns the lab, runs the queue, serves the API. Runs with no client attached; clients
 * come, go and crash without touching a run. `stop()` stops taking work, lets the current run
 * finish within a grace period (then aborts it safely), disconnects the devices and closes.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { type Clock, createSystemClock, DaqError, Emitter, formatErrorTree } from '../core/index.js';
import { Lab, readLabConfig } from '../devices/index.js';
import { type ClusterMember, type ClusterOverrides, ClusterQueue, clusterSettings, joinCluster } from '../cluster/index.js';
import { remoteDevices } from '../cluster/remote/index.js';
import { DRIVERS } from '../drivers/index.js';
import { createDataDir, createDocumentSink, daemonRingPath, type QueuedRunRecord, QueueStore, RingWriter, ringStatuses, RunStorage, sharedMemoryDir } from '../data/index.js';
import { type LogEntry, type LogLevel, RunEngine } from '../engine/index.js';
import { Authenticator, loadTokens, type Principal } from './auth.js';
import { createConnectHandler } from './connect-server.js';
import type { DaemonCore } from './core.js';
import { DocumentLog } from './document-log.js';
import { addReflectionService } from './reflection.js';
import { createGate, createPreAuth, type Rejection } from './gate.js';
import { ControlService } from './gen/daq/v1/control_pb.js';
import { HardwareService } from './gen/daq/v1/hardware_pb.js';
import { PresetService } from './gen/daq/v1/presets_pb.js';
import { createGrpcServer, type ServiceBinding } from './grpc-server.js';
import { ScriptStore } from './script-store.js';
import { controlHandlers, queueRun } from './services/control.js';
import { SavedQueue } from './saved-queue.js';
import { hardwareHandlers, stopPreviewsForRuns } from './services/hardware.js';
import { presetHandlers } from './services/presets.js';
import { addHealthService } from './health.js';
import { withDashboard } from './static-files.js';

/** How to start a daemon. */
export interface DaemonOptions {
  config: string;
  /** Where scripts, the audit log and (later) run files go. */
  dataDir: string;
  /** gRPC address, `host:port` (port 0 picks a free one). Default `127.0.0.1:50051`. */
  listen: string;
  /** Connect/gRPC-Web address for browsers; none when undefined. */
  httpListen?: string;
  /** The built web dashboard (dist/web), served at `/` of `httpListen`; none when undefined. */
  dashboardDir?: string;
  tokensFile?: string;
  tls?: { certFile: string; keyFile: string };
  /**
   * The shared-memory ring every recorded event goes into: path (default
   * /dev/shm/ts-daq-<uid>-<hash of the data dir>.ring, see daemonRingPath) and size in bytes;
   * `false` for none. A clean stop removes it once every run is written to its file.
   */
  ring?: { path?: string; sizeBytes?: number } | false;
  /** Seconds the current run may take to finish at shutdown before it is aborted. */
  graceS?: number;
  /** gzip level (1-9) of the event datasets in run files; default none. */
  gzip?: number;
  /** Where log lines go (default: stderr as text). */
  log?: (entry: LogEntry) => void;
  clock?: Clock;
  version: string;
  /** Joining a lab cluster (docs/cluster.md): the command line's settings, over the lab config's `[lab] cluster/daemon/id`. */
  cluster?: ClusterOverrides;
}

/** A running daemon. */
export interface Daemon {
  /** The gRPC address actually bound (`host:port`). */
  address: string;
  httpAddress: string | undefined;
  core: DaemonCore;
  /** Its membership of the lab cluster, when clustered. */
  cluster: ClusterMember | undefined;
  /** Stops the daemon gracefully. */
  stop(): Promise<void>;
}

/** Seconds clients get at shutdown to take what their streams still hold. */
const STREAM_DRAIN_S = 2;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);

/** Splits `host:port`; throws `invalid_argument` on a bad address. */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(address);
  const port = Number(match?.[2]);
  if (match?.[1] === undefined || !Number.isInteger(port) || port > 65535) {
    throw new DaqError('invalid_argument', `bad address "${address}": expected host:port, such as 127.0.0.1:50051`);
  }
  return { host: match[1], port };
}

/** Starts a daemon: loads and connects the lab, then serves. */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const tokens = options.tokensFile === undefined ? [] : await loadTokens(options.tokensFile);
  const authenticator = new Authenticator(tokens);
  for (const address of [options.listen, options.httpListen].filter((a): a is string => a !== undefined)) {
    const { host } = parseAddress(address);
    if (!LOOPBACK.has(host) && !authenticator.enabled) {
      throw new DaqError('failed_precondition', `refusing to listen on ${address} without tokens: anyone on the network could move the hardware. Configure --tokens FILE, or listen on 127.0.0.1`);
    }
  }
  const clock = options.clock ?? createSystemClock();
  const dataDir = resolve(options.dataDir);
  createDataDir(dataDir);
  const logs = new Emitter<LogEntry>();
  const emitLog = options.log ?? ((entry: LogEntry) => process.stderr.write(`${entry.level}: ${entry.runUid === '' ? '' : `[run ${entry.runUid.slice(0, 8)}] `}${entry.message}\n`));
  logs.on(emitLog);
  const say = (level: LogLevel, message: string) => logs.emit({ runUid: '', timeS: clock.now(), level, message });

  // Storage opens first (it refuses a data directory another daemon uses), and before the ring is
  // replaced: it finishes runs a dead daemon left, from the old ring.
  const storage = await RunStorage.open(
    { dataDir, ...(options.gzip === undefined ? {} : { gzip: options.gzip }), log: (level, message, runUid) => logs.emit({ runUid: runUid ?? '', timeS: clock.now(), level, message }) },
    options.ring === false ? undefined : (options.ring?.path ?? daemonRingPath(dataDir)),
  );
  // The cluster is joined first (in the background: the daemon works while the server is away),
  // from the [lab] section; the lab's own problems are reported by Lab.load below.
  const clusterOptions = clusterSettings((await readLabConfig(options.config, DRIVERS)).config.cluster, options.cluster ?? {}, options.config);
  const cluster = clusterOptions === undefined ? undefined : joinCluster(clusterOptions, say);
  // Clustered, the daemon serves its devices to the lab and uses theirs (driver "remote").
  const remote = cluster === undefined ? undefined : remoteDevices(cluster, { log: say });
  const lab = await Lab.load(options.config, remote?.catalog(DRIVERS) ?? DRIVERS, clock).catch(async (error: unknown) => {
    await cluster?.stop();
    throw error;
  });
  const report = await lab.connect();
  say('info', `lab "${lab.name}": ${report.connected.length} of ${lab.devices().length} devices connected`);
  if (report.failures !== undefined) say('warn', formatErrorTree(report.failures));

  // On the system clock, a run gives the event loop a turn every 10 ms (clients, streams, GC; see yieldEveryMs).
  // The queue is saved in the data directory at every change: a restarted (or killed) daemon queues its runs again.
  // In a cluster the queue is the lab's, in JetStream KV (cluster/cluster-queue.ts): a run starts
  // once this daemon has claimed it there.
  const queueStore = new QueueStore(dataDir);
  const savedQueue = cluster === undefined ? new SavedQueue(queueStore, (message) => say('warn', message)) : undefined;
  const waiting = queueStore.load();
  if (waiting.problem !== undefined) say('warn', `the saved queue: ${waiting.problem}`);
  let labQueue: ClusterQueue | undefined;
  const engine = new RunEngine(lab, clock, {
    nextScanId: () => storage.nextScanId(),
    ...(savedQueue === undefined ? { claim: (run) => labQueue?.claim(run) ?? Promise.resolve(false) } : { onQueueChanged: (queued) => savedQueue.changed(queued) }),
    ...(options.clock === undefined ? { yieldEveryMs: 10 } : {}),
  });
  const ring =
    options.ring === false
      ? undefined
      : RingWriter.create({
          path: options.ring?.path ?? daemonRingPath(dataDir),
          owner: dataDir,
          ...(options.ring?.sizeBytes === undefined ? {} : { capacityBytes: options.ring.sizeBytes }),
        });
  if (ring !== undefined) {
    createDocumentSink(ring, { clock }).attach(engine);
    storage.follow(ring.path);
    storage.attach(engine, lab); // after the sink: a run's stop reaches the writer after its last records
    say('info', `run files in ${storage.runsDir}${options.gzip ? ` (gzip ${options.gzip})` : ''}; catalog ${storage.catalog.path}`);
    say('info', `ring buffer ${ring.path} (${(ring.capacityBytes / 2 ** 20).toFixed(0)} MiB): read it live with daq_client.ring.RingReader`);
  }
  if (ring === undefined) say('warn', 'no ring buffer: runs are not written to files');
  warnOfStaleRings(say);
  // Bluesky documents point into the run's file for frames: only when files are written.
  // Each run's documents also go to a file in the data directory: memory stays flat for runs of
  // millions of points, and a follower that comes late still gets every document.
  const documents = new DocumentLog(50, ring === undefined ? {} : { runFile: (start, uid) => storage.fileOf(start, uid) }, join(dataDir, 'documents'));
  engine.onDocument((event) => documents.add(event));
  engine.onLog((entry) => logs.emit(entry));
  remote?.start(lab, engine);
  engine.onRunChange((run) => {
    documents.queueChanged();
    if (run.state === 'finished') say(run.exitStatus === 'success' ? 'info' : 'warn', `run ${run.uid} (${run.scriptName}) ended: ${run.exitStatus}${run.reason ? `: ${run.reason.split('\n')[0]}` : ''}`);
  });
  const scripts = new ScriptStore(join(dataDir, 'scripts'));
  await scripts.open();
  const auditFile = join(dataDir, 'audit.log');
  const shutdown = new AbortController();
  const core: DaemonCore = {
    lab,
    engine,
    clock,
    documents,
    scripts,
    logs,
    startedBy: new Map(),
    previews: new Set(),
    previewHolders: new Map(),
    storage,
    ...(savedQueue === undefined ? {} : { savedQueue }),
    shutdown: shutdown.signal,
    draining: false,
    facts: {
      version: options.version,
      configFile: resolve(options.config),
      dataDir,
      startedAtS: clock.now(),
      listen: '',
      httpListen: '',
      authEnabled: authenticator.enabled,
      ring: ring === undefined ? { path: '', sizeBytes: 0 } : { path: ring.path, sizeBytes: ring.capacityBytes },
    },
    audit: (principal: Principal, action: string) => {
      const line = JSON.stringify({ time: new Date().toISOString(), who: principal.name, role: principal.role, action });
      void appendFile(auditFile, `${line}\n`).catch(() => undefined);
      say('info', `${principal.name}: ${action}`);
    },
  };
  stopPreviewsForRuns(core, say);
  cluster?.attach({
    lab,
    engine,
    documents: { follow: (runUid, fromIndex, signal) => publishedDocuments(documents, runUid, fromIndex, signal) },
    onLog: (listener) => logs.on(listener),
    version: options.version,
    api: () => core.facts.listen,
    stopping: () => core.draining,
  });
  const auditRejection = (rejected: Rejection): void => {
    const line = JSON.stringify({ time: new Date().toISOString(), denied: rejected.method, peer: rejected.peer, reason: rejected.reason });
    void appendFile(auditFile, `${line}\n`).catch(() => undefined);
    say('warn', `rejected ${rejected.method} from ${rejected.peer}: ${rejected.reason}`);
  };
  const gate = createGate(authenticator, auditRejection);
  if (cluster !== undefined) {
    core.labQueue = labQueue = ClusterQueue.of(cluster, { engine, enqueue: (record) => queueRun(core, record, true), log: say });
    void labQueue.start();
    const joined = labQueue;
    if (waiting.runs.length > 0) void cluster.ready.then(() => moveToLabQueue(joined, queueStore, waiting.runs, say), () => undefined);
  }
  const bindings: ServiceBinding[] = [
    { service: ControlService, handlers: controlHandlers(core) as never },
    { service: HardwareService, handlers: hardwareHandlers(core) as never },
    { service: PresetService, handlers: presetHandlers(core) as never },
  ];
  // The runs a daemon before this one left queued, in order, with their uids (none had started).
  for (const record of cluster === undefined ? waiting.runs : []) {
    const run = await queueRun(core, record, true);
    say('info', `queued again run ${run.uid} (${record.scriptName}, started by ${record.startedBy}), left queued by the daemon before`);
  }
  const grpcServer = createGrpcServer(bindings, gate);
  addHealthService(grpcServer);
  addReflectionService(grpcServer);
  const address = await bindGrpc(grpcServer, options.listen, options.tls);
  core.facts.listen = address;
  let httpServer: HttpServer | undefined;
  if (options.httpListen !== undefined) {
    const api = createConnectHandler(bindings, gate, createPreAuth(authenticator, auditRejection));
    const listener = options.dashboardDir === undefined ? api : withDashboard(options.dashboardDir, api);
    // The same certificate as the gRPC port: tokens never cross the network in clear on either.
    httpServer = options.tls === undefined ? createHttpServer(listener) : createHttpsServer({ cert: await readFile(options.tls.certFile), key: await readFile(options.tls.keyFile) }, listener);
    // Slow or idle clients do not hold sockets: headers within 10 s, a whole request within 60 s
    // (streams of answers are not bounded by this), idle keep-alive connections closed after 5 s.
    httpServer.headersTimeout = 10_000;
    httpServer.requestTimeout = 60_000;
    httpServer.keepAliveTimeout = 5_000;
    core.facts.httpListen = await listenHttp(httpServer, options.httpListen);
  }
  const scheme = options.tls === undefined ? 'http' : 'https';
  say('info', `daq daemon listening on ${address}${core.facts.httpListen ? ` (Connect/gRPC-Web on ${scheme}://${core.facts.httpListen})` : ''}${authenticator.enabled ? `, ${tokens.length} tokens` : ', no auth (loopback only)'}${options.tls === undefined ? '' : ', TLS'}`);
  if (httpServer !== undefined && options.dashboardDir !== undefined) say('info', `dashboard: ${scheme}://${core.facts.httpListen}/`);

  let stopping: Promise<void> | undefined;
  return {
    address,
    httpAddress: core.facts.httpListen || undefined,
    core,
    cluster,
    // "stopped" is the last line: after the files are written and the ring is closed (or removed).
    stop: () => (stopping ??= stopDaemon(core, grpcServer, httpServer, shutdown, options.graceS ?? 5, say).finally(() => remote?.close()).finally(() => cluster?.stop()).finally(() => storage.close().finally(() => closeRing(ring, storage, say)).finally(() => say('info', 'stopped')))),
  };
}

/** A run's documents as the cluster publishes them: Bluesky's name and JSON, by index. */
async function* publishedDocuments(documents: DocumentLog, runUid: string, fromIndex: number, signal: AbortSignal): AsyncGenerator<{ index: number; name: string; json: string }> {
  for await (const logged of documents.follow(runUid, fromIndex, signal)) {
    const document = logged.document;
    yield { index: document.index ?? 0, name: document.name ?? '', json: document.json ?? '' };
  }
}

/**
 * The runs queue.json holds (this daemon ran alone before) go to the lab queue, for this daemon,
 * in order; the file is emptied once they are there (they stay in it otherwise).
 */
async function moveToLabQueue(labQueue: ClusterQueue, store: QueueStore, runs: readonly QueuedRunRecord[], say: (level: LogLevel, message: string) => void): Promise<void> {
  const queued = new Set((await labQueue.list().catch(() => [])).map((item) => item.record.uid));
  try {
    for (const record of runs) if (!queued.has(record.uid)) await labQueue.add(record);
    store.save([]);
    say('info', `${runs.length} run${runs.length === 1 ? '' : 's'} of ${store.path} (queued before this daemon joined the cluster) moved to the lab queue ${labQueue.bucket}`);
  } catch (error) {
    say('warn', `the runs of ${store.path} stay there (not in the lab queue): ${(error as Error).message}`);
  }
}

/**
 * Closes the ring at a clean stop, and removes its file when every run is completely written to
 * HDF5: it holds nothing a later daemon would recover. Otherwise it stays for that recovery.
 */
function closeRing(ring: RingWriter | undefined, storage: RunStorage, say: (level: LogLevel, message: string) => void): void {
  if (ring === undefined) return;
  if (!storage.everythingWritten) {
    ring.close();
    say('warn', `kept the ring ${ring.path}: not every run is completely written to its file; the next daemon on this data directory recovers them from it`);
    return;
  }
  ring.remove();
  say('info', `removed the ring ${ring.path}: every run is in its file`);
}

/** Warns of stale rings in /dev/shm (the RAM they hold), with the command that removes them. */
function warnOfStaleRings(say: (level: LogLevel, message: string) => void): void {
  try {
    const stale = ringStatuses().filter((ring) => ring.verdict === 'stale');
    if (stale.length === 0) return;
    const mib = (stale.reduce((sum, ring) => sum + ring.sizeBytes, 0) / 2 ** 20).toFixed(1);
    say('warn', `${stale.length} stale ring${stale.length === 1 ? '' : 's'} in ${sharedMemoryDir()} hold${stale.length === 1 ? 's' : ''} ${mib} MiB of RAM: see them with \`daq rings\`, remove them with \`daq rings --remove-stale\``);
  } catch (error) {
    say('warn', `cannot look for stale rings in ${sharedMemoryDir()}: ${(error as Error).message}`);
  }
}

async function stopDaemon(core: DaemonCore, grpcServer: grpc.Server, httpServer: HttpServer | undefined, shutdown: AbortController, graceS: number, say: (level: LogLevel, message: string) => void): Promise<void> {
  say('info', 'shutting down: no new runs');
  core.draining = true;
  core.labQueue?.close(); // its runs stay in the lab queue
  core.engine.stopQueue();
  const current = core.engine.currentRun;
  if (current !== undefined) {
    say('info', `waiting up to ${graceS} s for run ${current.uid} to finish`);
    const finished = await Promise.race([current.done.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), graceS * 1000).unref())]);
    if (!finished) say('warn', `run ${current.uid} still running after ${graceS} s: aborting it safely`);
  }
  await core.engine.shutdown(undefined, true); // queued runs stay in queue.json for the next daemon
  shutdown.abort();
  // Streams end with `shutdown`, but one whose client stopped reading waits on HTTP/2 flow
  // control forever (and tryShutdown with it): give clients a moment to drain, then cut them.
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => {
      say('warn', `clients still connected ${STREAM_DRAIN_S} s after shutdown: closing their streams`);
      grpcServer.forceShutdown();
      resolve();
    }, STREAM_DRAIN_S * 1000);
    grpcServer.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
  if (httpServer !== undefined) {
    httpServer.closeAllConnections();
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
  }
  await core.lab.disconnect();
}

async function bindGrpc(server: grpc.Server, listen: string, tls: DaemonOptions['tls']): Promise<string> {
  const { host } = parseAddress(listen);
  const credentials =
    tls === undefined
      ? grpc.ServerCredentials.createInsecure()
      : grpc.ServerCredentials.createSsl(null, [{ cert_chain: await readFile(tls.certFile), private_key: await readFile(tls.keyFile) }], false);
  const port = await new Promise<number>((resolvePort, reject) =>
    server.bindAsync(listen, credentials, (error, bound) => (error ? reject(new DaqError('unavailable', `cannot listen on ${listen}: ${error.message}`)) : resolvePort(bound))),
  );
  return `${host}:${port}`;
}

function listenHttp(server: HttpServer, listen: string): Promise<string> {
  const { host, port } = parseAddress(listen);
  return new Promise((resolveAddress, reject) => {
    server.once('error', (error) => reject(new DaqError('unavailable', `cannot listen on ${listen}: ${error.message}`)));
    server.listen(port, host.replace(/^\[|\]$/g, ''), () => {
      const address = server.address();
      resolveAddress(typeof address === 'object' && address !== null ? `${host}:${address.port}` : listen);
    });
  });
}
