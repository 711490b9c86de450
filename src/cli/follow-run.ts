/**
 * Following a run on a daemon, for `daq run --remote` and `daq follow`: where it waits in the
 * queue (and when it starts), its rows, log and progress live, or all of it again for a run
 * that has ended; then its summary and the exit status of its ending. Ctrl-C on a terminal asks
 * (one key) whether to detach (the run goes on), stop the run, or keep watching; without a
 * terminal it detaches.
 */
import type { DaemonClient } from '../api/client.js';
import { ControlService, RunState, type RunSummary } from '../api/gen/daq/v1/control_pb.js';
import { DaqError, formatDuration } from '../core/index.js';
import { askKey } from './key-prompt.js';
import { EXIT, printJson } from './output.js';
import { exitOf, localDocument, summaryJson } from './remote.js';
import { RunDisplay } from './run-display.js';

/** How to follow. */
export interface FollowRunOptions {
  /** Print only the summary, as JSON. */
  json: boolean;
  /** What the progress line ends with (the script's name). */
  label: string;
  /** Exit status for each way a run ends. */
  exitCodes: Record<string, number>;
  /** How the run came to be followed: `started` by this command, or `followed` (daq follow). */
  intro: 'started' | 'followed';
}

/** Follows run `uid` until it ends or the user detaches; returns the process exit code. */
export async function followRemoteRun(client: DaemonClient, first: RunSummary, options: FollowRunOptions): Promise<number> {
  const uid = first.uid;
  const interactive = process.stdout.isTTY === true && !options.json;
  const display = new RunDisplay(process.stdout, { interactive, label: options.label });
  const say = (text: string): void => (interactive ? display.note(text) : void process.stderr.write(`${text}\n`));
  const following = new AbortController();
  const queue = new QueueWatch(client, uid, say);
  say(await intro(client, first, options.intro, queue));
  const detached = handleInterrupts(client, first, display, following);
  const side = options.json ? [] : [followLogs(client, uid, display, following.signal), followStatus(client, uid, display, queue, following.signal)];
  try {
    // --json prints only the summary: the run's documents need not cross (they cost the daemon and this process per point)
    if (options.json) await waitForEnd(client, uid, following.signal);
    else for await (const received of client.documents(uid, 0, following.signal)) {
      // Its start document: a queued run has started (the status stream may not have shown it running).
      if (received.document.case === 'start') queue.started();
      const document = localDocument(received);
      if (document !== undefined && !options.json) display.document(document);
    }
  } catch (error) {
    // No documents: a run removed from the queue before it started, or one the daemon no longer keeps.
    if (!(error instanceof DaqError && error.code === 'not_found')) throw error;
    const run = (await client.call(ControlService.method.getRun, { uid })).run;
    if (run?.state !== RunState.FINISHED) throw error;
    say(first.state === RunState.FINISHED ? `the daemon no longer keeps the documents of run ${uid}${run.filePath === '' ? '' : `; its data is in ${run.filePath} on the daemon's host`}` : `run ${uid} ended before it started: ${run.reason}`);
  } finally {
    following.abort();
    await Promise.allSettled(side);
    display.finish();
  }
  if (detached()) {
    process.stderr.write(`detached; run ${uid} goes on in the daemon (daq follow ${uid} --remote ${client.address}; daq abort ${uid} --remote ${client.address})\n`);
    return EXIT.ok;
  }
  const run = (await client.call(ControlService.method.getRun, { uid })).run;
  if (run === undefined) return EXIT.failure;
  return printEnding(run, options);
}

/** The first line: started, queued at position N, following, or replaying. */
async function intro(client: DaemonClient, run: RunSummary, how: FollowRunOptions['intro'], queue: QueueWatch): Promise<string> {
  const where = `${run.uid} (${run.scriptName}) on ${client.address}`;
  if (run.state === RunState.QUEUED) {
    const position = await queue.position();
    // Started meanwhile (the queue was empty but for runs that just ended).
    if (position === undefined) return `run ${where} started`;
    return `run ${where} queued at position ${position}; it starts when the runs ahead of it have ended (Ctrl-C: detach or remove it)`;
  }
  if (run.state === RunState.FINISHED) return `replaying run ${where}: it ended ${exitOf(run) ?? 'fail'}`;
  return how === 'started' ? `run ${where} started` : `following run ${where}: ${run.state === RunState.PAUSED ? 'paused' : run.state === RunState.SUSPENDED ? `suspended (${run.suspendedReason})` : 'running'}`;
}

/** The summary: JSON, or a closing line with the run's length and file; returns the exit code. */
function printEnding(run: RunSummary, options: FollowRunOptions): number {
  const summary = summaryJson(run);
  const status = exitOf(run) ?? 'fail';
  if (options.json) printJson(summary);
  else {
    process.stdout.write(`\nrun ${run.uid}: ${status} after ${formatDuration(Number(summary['durationS'] ?? 0))}\n`);
    if (run.filePath !== '') {
      const note = run.storageError !== '' ? ` (NOT WRITTEN YET: ${run.storageError})` : run.fileFinished ? '' : ' (being finished)';
      process.stdout.write(`file (on the daemon's host): ${run.filePath}${note}\n`);
    }
  }
  if (status !== 'success') process.stderr.write(`daq: run ${status}: ${run.reason}\n`);
  return options.exitCodes[status] ?? EXIT.failure;
}

/** Where a queued run waits; says when that changes and when the run starts. */
class QueueWatch {
  private last: number | undefined;
  private hasStarted = false;

  constructor(
    private readonly client: DaemonClient,
    private readonly uid: string,
    private readonly say: (text: string) => void,
  ) {}

  /** 1-based position in the queue now, or undefined when not queued. */
  async position(): Promise<number | undefined> {
    const index = (await this.client.call(ControlService.method.listQueue, {})).runs.findIndex((r) => r.uid === this.uid);
    this.last = index < 0 ? undefined : index + 1;
    return this.last;
  }

  /** The run has started: says so once, if it was queued. */
  started(): void {
    if (this.last === undefined || this.hasStarted) return;
    this.hasStarted = true;
    this.last = undefined;
    this.say(`run ${this.uid} started`);
  }

  /** Checks the queue after a status change (only while the run was queued). */
  async update(current: string | undefined): Promise<void> {
    if (this.last === undefined || this.hasStarted) return;
    if (current === this.uid) return this.started();
    const before = this.last;
    const now = await this.position();
    if (this.hasStarted) return;
    if (now !== undefined && now !== before) this.say(`run ${this.uid} now at position ${now} in the queue`);
  }
}

/**
 * Resolves once run `uid` has finished (or is gone), from the daemon's status stream: asked of
 * the daemon when the current run is not this one and has changed (or none runs), not at every
 * progress message of another run this one waits behind.
 */
async function waitForEnd(client: DaemonClient, uid: string, signal: AbortSignal): Promise<void> {
  let asked: string | undefined;
  for await (const status of client.stream(ControlService.method.streamStatus, { heartbeatS: 1 }, signal)) {
    const current = status.currentRun?.uid;
    if (current === uid || (current !== undefined && current === asked)) continue;
    asked = current;
    const run = (await client.call(ControlService.method.getRun, { uid })).run;
    if (run === undefined || run.state === RunState.FINISHED) return;
  }
}

async function followLogs(client: DaemonClient, uid: string, display: RunDisplay, signal: AbortSignal): Promise<void> {
  for await (const line of client.stream(ControlService.method.streamLogs, { runUid: uid }, signal)) {
    display.log({ level: 'info', message: line.message });
  }
}

async function followStatus(client: DaemonClient, uid: string, display: RunDisplay, queue: QueueWatch, signal: AbortSignal): Promise<void> {
  for await (const status of client.stream(ControlService.method.streamStatus, { heartbeatS: 1 }, signal)) {
    const run = status.currentRun;
    await queue.update(run?.uid).catch(() => undefined);
    if (run?.uid === uid && run.progressTotal > 0) {
      display.progress({ done: run.progressDone, total: run.progressTotal, elapsedS: run.startTimeS > 0 ? status.timeS - run.startTimeS : 0 });
    }
  }
}

/** Ctrl-C: on a terminal, ask (one key) detach, stop or go on watching; otherwise detach. Returns whether we detached. */
function handleInterrupts(client: DaemonClient, run: RunSummary, display: RunDisplay, following: AbortController): () => boolean {
  let detached = false;
  let asking = false;
  const detach = (): void => {
    detached = true;
    following.abort();
  };
  const stop = (): void => {
    display.note(`stopping run ${run.uid}: devices it used go to their safe state`);
    void client.call(ControlService.method.stopRun, { uid: run.uid, reason: 'stopped from the CLI (Ctrl-C)' }).catch((error: unknown) => process.stderr.write(`daq: ${String(error)}\n`));
  };
  const onSigint = (): void => {
    if (asking) return;
    if (!process.stdin.isTTY || !process.stdout.isTTY) return detach();
    asking = true;
    const question = 'Press d to detach (the run goes on in the daemon), s to stop the run, c to keep watching: ';
    void askKey(display, question, ['d', 's', 'c'], following.signal).then((key) => {
      asking = false;
      if (key === 's') stop();
      else if (key === 'd' || key === 'interrupt') detach();
    });
  };
  process.on('SIGINT', onSigint);
  following.signal.addEventListener('abort', () => process.off('SIGINT', onSigint), { once: true });
  return () => detached;
}
