/**
 * `daq run SCRIPT --remote HOST:PORT`: uploads the script to a daemon, starts it and follows
 * the run (values, log, progress) until it ends. Ctrl-C asks whether to detach (the run goes on
 * in the daemon) or stop it; without a terminal it detaches.
 */
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { DaemonClient } from '../../api/client.js';
import { ControlService } from '../../api/gen/daq/v1/control_pb.js';
import type { ParamValue } from '../../engine/index.js';
import type { ScriptLimits } from '../../scripting/index.js';
import { EXIT, printJson } from '../output.js';
import { connect, exitOf, localDocument, type RemoteOptions, summaryJson } from '../remote.js';
import { RunDisplay } from '../run-display.js';

/** What a remote run needs. */
export interface RemoteRunRequest {
  script: string;
  source: string;
  params: Record<string, ParamValue>;
  meta: Record<string, ParamValue>;
  limits: Partial<ScriptLimits>;
  json: boolean;
}

function value(v: ParamValue) {
  if (typeof v === 'number') return { kind: { case: 'number' as const, value: v } };
  if (typeof v === 'boolean') return { kind: { case: 'flag' as const, value: v } };
  return { kind: { case: 'text' as const, value: v } };
}

/** Runs the script on the daemon; returns the process exit code. */
export async function runRemote(request: RemoteRunRequest, options: RemoteOptions, exitCodes: Record<string, number>): Promise<number> {
  const client = connect(options);
  try {
    const started = await client.call(ControlService.method.startRun, {
      script: { case: 'inline', value: { name: basename(request.script), source: request.source } },
      params: Object.fromEntries(Object.entries(request.params).map(([k, v]) => [k, value(v)])),
      metadata: Object.fromEntries(Object.entries(request.meta).map(([k, v]) => [k, value(v)])),
      limits: { wallTimeS: request.limits.wallTimeS ?? 0, maxOperations: request.limits.maxOperations ?? 0, maxMemoryMb: request.limits.maxMemoryMb ?? 0 },
    });
    const uid = started.run?.uid ?? '';
    if (!request.json) process.stderr.write(`run ${uid} started on ${client.address}\n`);
    const following = new AbortController();
    const detached = handleInterrupts(client, uid, following);
    const display = new RunDisplay(process.stdout, process.stdout.isTTY === true && !request.json);
    const side = request.json ? [] : [followLogs(client, uid, display, following.signal), followProgress(client, uid, display, basename(request.script), following.signal)];
    for await (const message of client.stream(ControlService.method.streamRunDocuments, { runUid: uid }, following.signal)) {
      const document = message.document === undefined ? undefined : localDocument(message.document);
      if (document !== undefined && !request.json) display.document(document);
    }
    following.abort();
    await Promise.allSettled(side);
    display.finish();
    if (detached()) {
      process.stderr.write(`detached; run ${uid} goes on in the daemon (daq runs --remote ${client.address}; daq stop ${uid} --remote ${client.address})\n`);
      return EXIT.ok;
    }
    const run = (await client.call(ControlService.method.getRun, { uid })).run;
    if (run === undefined) return EXIT.failure;
    const summary = summaryJson(run);
    const status = exitOf(run) ?? 'fail';
    if (request.json) printJson(summary);
    else process.stdout.write(`\nrun ${uid}: ${status} after ${Number(summary['durationS'] ?? 0).toFixed(2)} s\n`);
    if (!request.json && run.filePath !== '') {
      const note = run.storageError !== '' ? ` (NOT WRITTEN YET: ${run.storageError})` : run.fileFinished ? '' : ' (being finished)';
      process.stdout.write(`file (on the daemon's host): ${run.filePath}${note}\n`);
    }
    if (status !== 'success') process.stderr.write(`daq: run ${status}: ${run.reason}\n`);
    return exitCodes[status] ?? EXIT.failure;
  } finally {
    client.close();
  }
}

async function followLogs(client: DaemonClient, uid: string, display: RunDisplay, signal: AbortSignal): Promise<void> {
  for await (const line of client.stream(ControlService.method.streamLogs, { runUid: uid }, signal)) {
    display.log({ runUid: line.runUid, timeS: line.timeS, level: 'info', message: line.message });
  }
}

async function followProgress(client: DaemonClient, uid: string, display: RunDisplay, label: string, signal: AbortSignal): Promise<void> {
  for await (const status of client.stream(ControlService.method.streamStatus, { heartbeatS: 1 }, signal)) {
    const run = status.currentRun;
    if (run?.uid === uid && run.progressTotal > 0) display.progress(run.progressDone, run.progressTotal, label);
  }
}

/** Ctrl-C: on a terminal, ask detach or stop; otherwise detach. Returns whether we detached. */
function handleInterrupts(client: DaemonClient, uid: string, following: AbortController): () => boolean {
  let detached = false;
  const detach = (): void => {
    detached = true;
    following.abort();
  };
  const stop = (): void => {
    void client.call(ControlService.method.stopRun, { uid, reason: 'stopped from the CLI (Ctrl-C)' }).catch((error: unknown) => process.stderr.write(`daq: ${String(error)}\n`));
  };
  const onSigint = (): void => {
    if (!process.stdin.isTTY) return detach();
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    rl.question('\n[d]etach (the run goes on in the daemon) or [s]top the run? ', (answer) => {
      rl.close();
      if (answer.trim().toLowerCase().startsWith('s')) stop();
      else detach();
    });
  };
  process.on('SIGINT', onSigint);
  following.signal.addEventListener('abort', () => process.off('SIGINT', onSigint), { once: true });
  return () => detached;
}
