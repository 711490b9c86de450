/**
 * Every run's documents on JetStream: the Bluesky documents the API streams (the same name and
 * JSON), published to `daq.<lab>.<daemon>.docs` in the lab's stream `DAQ_<LAB>`, in order, each
 * with the message id `<run uid>:<index>` and headers `Daq-Run`, `Daq-Index`, `Daq-Document`
 * (the document's name). The body is the document's JSON, unchanged.
 *
 * The publisher is one more follower of the daemon's document log: it reads each run from where
 * its publication stands, so a NATS server that is away (or slow) never slows a run. The log keeps
 * the documents (a long run's go to its spill file): once the server is back, publication
 * resumes from the last document the stream holds for this daemon (asked of the stream, never
 * guessed), so nothing is lost or published twice, whatever the duplicate window. A window of
 * {@link IN_FLIGHT} publishes is in flight at once; one connection keeps them in order.
 *
 * At start, the last document of this daemon in the stream says where its previous life stopped:
 * a run it was publishing when it was killed has no stop document, and gets one (exit status
 * `fail`) so that consumers close it.
 *
 * Status changes and log lines go to `.status` and `.logs` as they happen, at most once (plain
 * publishes the stream records; none while disconnected): they are for watching, documents are
 * the record.
 */
import { headers } from '@nats-io/transport-node';
import { type PubAck, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { DaqError } from '../core/index.js';
import type { LogEntry, RunEngine, RunSummary } from '../engine/index.js';
import type { ClusterConnection } from './connection.js';
import type { ClusterLog, DocumentSource } from './types.js';

/** Publishes awaiting their acknowledgement at once. */
export const IN_FLIGHT = 256;
/** How long the lab's stream keeps messages, in days (when this daemon creates it). */
export const STREAM_MAX_AGE_DAYS = 30;
/** Progress-only status changes published at most this often (s); state changes at once. */
const STATUS_EVERY_S = 1;

/** Where a daemon's publication stands: the last document the stream holds. */
export interface PublishedMark {
  runUid: string;
  index: number;
  /** The document's name (`stop` ends a run). */
  name: string;
}

/** Creates the lab's stream when missing (a stream that exists is left as it is). */
export async function ensureLabStream(connection: ClusterConnection, log: ClusterLog): Promise<void> {
  const { stream, streamSubjects } = connection.names;
  try {
    const info = await connection.jsm.streams.info(stream);
    const missing = streamSubjects.filter((subject) => !info.config.subjects.includes(subject));
    if (missing.length > 0) log('warn', `the stream ${stream} does not hold ${missing.join(', ')}: this daemon's documents are not kept (add the subjects to it)`);
    return;
  } catch (error) {
    if (!/not found/i.test((error as Error).message)) throw error;
  }
  await connection.jsm.streams.add({
    name: stream,
    description: `ts-daq lab ${connection.lab}: every daemon's run documents, status and logs`,
    subjects: streamSubjects,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    num_replicas: connection.replicas,
    max_age: STREAM_MAX_AGE_DAYS * 24 * 3600 * 1e9,
    duplicate_window: 120 * 1e9,
  });
  log('info', `created the stream ${stream} (${streamSubjects.join(', ')}; kept ${STREAM_MAX_AGE_DAYS} days, ${connection.replicas} replica${connection.replicas === 1 ? '' : 's'})`);
}

/** The last document of `daemon` in the lab's stream, or undefined when it has published none. */
export async function lastPublished(connection: ClusterConnection, daemon = connection.daemon): Promise<PublishedMark | undefined> {
  const message = await connection.jsm.streams.getMessage(connection.names.stream, { last_by_subj: connection.names.subject(daemon, 'docs') }).catch((error: unknown) => {
    if (/no message found|not found/i.test((error as Error).message)) return null;
    throw error;
  });
  if (message === null) return undefined;
  const runUid = message.header?.get('Daq-Run') ?? '';
  const index = Number(message.header?.get('Daq-Index'));
  if (runUid === '' || !Number.isInteger(index)) return undefined;
  return { runUid, index, name: message.header?.get('Daq-Document') ?? '' };
}

/** A run's publication failed: where acknowledgements stopped. */
class PublishFailure extends Error {
  constructor(
    readonly runUid: string,
    /** The first document in flight that was not acknowledged (undefined: none was in flight). */
    readonly firstLost: number | undefined,
    /** Documents after it that were acknowledged (0: what the stream holds is a prefix). */
    readonly storedAfter: number,
    why: string,
  ) {
    super(why);
  }
}

/** Publishes a daemon's runs to the lab's stream until stopped. */
export class DocumentPublisher {
  /** Runs to publish, in the order they started; the first is being published. */
  private readonly runs: string[] = [];
  private wake: (() => void) | undefined;
  private readonly aborter = new AbortController();
  private readonly unsubscribe: (() => void)[] = [];
  private loop: Promise<void> | undefined;
  private idle: (() => void)[] = [];
  private lastStatus = new Map<string, { state: string; atMs: number }>();
  /** Documents acknowledged by the stream (counted for tests and the log). */
  published = 0;

  private connection!: ClusterConnection;

  /** Follows the engine's runs from now on; publishes once {@link start} gives it the connection. */
  constructor(
    private readonly documents: DocumentSource,
    private readonly engine: RunEngine,
    onLog: (listener: (entry: LogEntry) => void) => () => void,
    private readonly log: ClusterLog,
  ) {
    this.unsubscribe.push(
      engine.onDocument(({ runUid, document }) => {
        if (document.kind !== 'start') return;
        this.runs.push(runUid);
        this.wake?.();
      }),
      engine.onRunChange((summary) => this.publishStatus(summary)),
      onLog((entry) => this.publishLog(entry)),
    );
  }

  /** Starts publishing on `connection` (up). */
  start(connection: ClusterConnection): void {
    this.connection = connection;
    this.loop ??= this.run().catch((error: unknown) => {
      if (!this.aborter.signal.aborted) this.log('error', `publishing documents stopped: ${(error as Error).message}`);
    });
  }

  /** Resolves once every run so far is published (or `timeoutMs` passed); true when all are. */
  async drained(timeoutMs: number): Promise<boolean> {
    if (this.runs.length === 0) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Stops publishing (what is unpublished stays unpublished: see docs/cluster.md). */
  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    this.aborter.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.aborter.signal;
    let mark: PublishedMark | undefined;
    let started = false;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (!started) {
          await ensureLabStream(this.connection, this.log);
          mark = await lastPublished(this.connection);
          if (mark !== undefined) this.log('info', `documents of this daemon in ${this.connection.names.stream} end at run ${mark.runUid} document ${mark.index} (${mark.name})`);
          if (mark !== undefined && mark.name !== 'stop' && !this.runs.includes(mark.runUid)) await this.closeDeadRun(mark);
          started = true;
          failures = 0;
        }
        while (!signal.aborted) {
          const uid = this.runs[0];
          if (uid === undefined) {
            for (const done of this.idle.splice(0)) done();
            await new Promise<void>((resolve) => {
              this.wake = resolve;
              if (signal.aborted) resolve();
            });
            continue;
          }
          const from = mark?.runUid === uid ? mark.index + 1 : 0;
          await this.publishRun(uid, from, signal);
          if (signal.aborted) return; // stopped part-way: the run is not all published
          failures = 0;
          this.runs.shift();
          mark = undefined;
        }
      } catch (error) {
        if (signal.aborted) return;
        if (failures === 0) this.log('warn', `publishing documents to ${this.connection.names.stream}: ${(error as Error).message}; resuming from the last document the stream holds once NATS answers`);
        // Failing again and again (a stream that refuses, a server without JetStream): not in a tight loop.
        if (failures > 0 || !started) await this.connectedAgain(signal, failures);
        failures++;
        if (!started) continue;
        mark = await this.resync(signal);
        if (error instanceof PublishFailure && error.storedAfter > 0 && error.firstLost !== undefined) {
          // Not a prefix: documents after a lost one were stored. Completeness first: publish again
          // from the lost one (those stored are recognised by their message id within the
          // duplicate window); the stream holds these few out of order.
          this.log('error', `run ${error.runUid}: document ${error.firstLost} was lost while ${error.storedAfter} after it were stored; publishing again from it (the stream holds them out of order)`);
          mark = { runUid: error.runUid, index: error.firstLost - 1, name: '' };
        }
      }
    }
  }

  /**
   * Publishes the documents of run `uid` from `from` to its stop document. Nothing is published
   * while the client is disconnected: what it holds then could go out after documents it lost,
   * out of order. On a failure, throws a {@link PublishFailure} saying where acks stopped.
   */
  private async publishRun(uid: string, from: number, signal: AbortSignal): Promise<void> {
    const subject = this.connection.names.subject(this.connection.daemon, 'docs');
    const window: { index: number; ack: Promise<PubAck> }[] = [];
    try {
      try {
        for await (const document of this.documents.follow(uid, from, signal)) {
          if (!this.connection.connected) throw new Error('disconnected from NATS');
          const h = headers();
          h.set('Daq-Run', uid);
          h.set('Daq-Index', String(document.index));
          h.set('Daq-Document', document.name);
          const ack = this.connection.js.publish(subject, document.json, { msgID: `${uid}:${document.index}`, headers: h, timeout: 10_000 });
          ack.catch(() => undefined); // awaited below, in order
          window.push({ index: document.index, ack });
          if (window.length >= IN_FLIGHT) await this.acknowledged(window);
        }
      } catch (error) {
        if (!(error instanceof DaqError && error.code === 'not_found')) throw error;
        // The daemon keeps the documents of its last runs only: NATS was away for longer than that.
        this.log('error', `the documents of run ${uid} from ${from} on are no longer in the daemon's log: not published (${error.message})`);
      }
      while (window.length > 0) await this.acknowledged(window);
    } catch (error) {
      // The publishes still in flight settle before anyone asks the stream where it stands.
      const settled = await Promise.allSettled(window.map((entry) => entry.ack));
      const firstLost = window[settled.findIndex((result) => result.status === 'rejected')]?.index ?? window[0]?.index;
      const storedAfter = window.filter((entry, i) => settled[i]?.status === 'fulfilled' && firstLost !== undefined && entry.index > firstLost).length;
      throw new PublishFailure(uid, firstLost, storedAfter, (error as Error).message);
    }
  }

  /** Waits for the oldest publish of `window` to be acknowledged, and takes it out. */
  private async acknowledged(window: { index: number; ack: Promise<PubAck> }[]): Promise<void> {
    await window[0]?.ack;
    window.shift();
    this.published++;
  }

  /**
   * Waits until NATS answers, then asks the stream where this daemon's publication stands (the
   * stream is created again if the server lost it).
   */
  private async resync(signal: AbortSignal): Promise<PublishedMark | undefined> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      if (this.connection.connected) {
        try {
          await ensureLabStream(this.connection, this.log);
          return await lastPublished(this.connection);
        } catch {
          // not yet (a cluster electing a leader, a server starting): try again
        }
      }
      await this.connectedAgain(signal, attempt);
    }
    return undefined;
  }

  /** Waits for a reconnection, or a while (longer at each attempt, up to 2 s). */
  private connectedAgain(signal: AbortSignal, attempt = 0): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        off();
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(2000, 100 * 2 ** attempt));
      const off = this.connection.onStatus((status) => {
        if (status.type === 'reconnect') done();
      });
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** A stop document (exit status fail) for a run the previous daemon left open in the stream. */
  private async closeDeadRun(mark: PublishedMark): Promise<void> {
    const index = mark.index + 1;
    const stop = { uid: `${mark.runUid}-stop`, run_start: mark.runUid, time: Date.now() / 1000, exit_status: 'fail', reason: `daemon ${this.connection.daemon} stopped before the rest of this run's documents were published (killed, lost power, or stopped while NATS was away); its documents end here`, num_events: {} };
    const h = headers();
    h.set('Daq-Run', mark.runUid);
    h.set('Daq-Index', String(index));
    h.set('Daq-Document', 'stop');
    await this.connection.js.publish(this.connection.names.subject(this.connection.daemon, 'docs'), JSON.stringify(stop), { msgID: `${mark.runUid}:${index}`, headers: h });
    this.log('warn', `run ${mark.runUid} was left without a stop document by this daemon's previous life: published one (exit status fail)`);
  }

  private publishStatus(summary: RunSummary): void {
    const now = Date.now();
    const last = this.lastStatus.get(summary.uid);
    if (last !== undefined && last.state === summary.state && summary.state !== 'finished' && now - last.atMs < STATUS_EVERY_S * 1000) return;
    this.lastStatus.set(summary.uid, { state: summary.state, atMs: now });
    if (summary.state === 'finished') this.lastStatus.delete(summary.uid);
    this.publishPlain('status', summary.uid, JSON.stringify(summary));
  }

  private publishLog(entry: LogEntry): void {
    this.publishPlain('logs', entry.runUid, JSON.stringify({ time: new Date(entry.timeS * 1000).toISOString(), level: entry.level, run: entry.runUid || undefined, message: entry.message }));
  }

  private publishPlain(kind: 'status' | 'logs', runUid: string, body: string): void {
    if (!this.connection.connected || this.aborter.signal.aborted) return;
    try {
      const h = headers();
      if (runUid !== '') h.set('Daq-Run', runUid);
      this.connection.nc.publish(this.connection.names.subject(this.connection.daemon, kind), body, { headers: h });
    } catch {
      // at most once: a status or log line lost with the connection is not retried
    }
  }
}
