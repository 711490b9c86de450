/**
 * A daemon in a lab cluster. {@link joinCluster} starts connecting at once (in the background:
 * the daemon works without the server meanwhile, and the client keeps trying); `attach` hands it
 * the daemon's lab, engine and documents once they exist, and it then announces the daemon
 * (presence.ts) and publishes its runs' documents, status and logs (publisher.ts). `stop` takes
 * the presence away, flushes what is published and closes the connection.
 */
import type { Lab } from '../devices/index.js';
import type { LogEntry, RunEngine } from '../engine/index.js';
import { type ClusterConnection, type ClusterOptions, connectCluster } from './connection.js';
import { Presence } from './presence.js';
import type { ClusterLog, DocumentSource } from './types.js';
import { DocumentPublisher } from './publisher.js';

/** Seconds between attempts to reach a server that could not be reached at start. */
const RETRY_S = 2;
/** Seconds a clean stop waits for the documents still to publish. */
const DRAIN_S = 5;
/** Seconds leaving the cluster may take after that (presence deleted, connection drained). */
const LEAVE_S = 10;

export type { ClusterLog, DocumentSource, PublishedDocument } from './types.js';

/** What the member needs of the daemon, once it exists. */
export interface ClusterDaemonParts {
  lab: Lab;
  engine: RunEngine;
  documents: DocumentSource;
  /** Every log line of the daemon and its runs. */
  onLog(listener: (entry: LogEntry) => void): () => void;
  version: string;
  /** The daemon's gRPC address, once it listens (shown in presence). */
  api?: () => string;
  /** Whether the daemon is stopping. */
  stopping?: () => boolean;
}

/** A daemon's membership of the lab cluster. */
export interface ClusterMember {
  readonly options: Omit<ClusterOptions, 'log'>;
  /** The connection once made (undefined until then). */
  readonly connection: ClusterConnection | undefined;
  /** Resolves with the connection once made (never rejects for an unreachable server: it keeps trying). */
  readonly ready: Promise<ClusterConnection>;
  /** Starts announcing the daemon and publishing its runs (when connected). */
  attach(parts: ClusterDaemonParts): void;
  /** Leaves the cluster: presence deleted, pending publishes flushed, connection closed. */
  stop(): Promise<void>;
}

/** Joins the cluster of `options` (connecting in the background). */
export function joinCluster(options: Omit<ClusterOptions, 'log' | 'waitForServer'>, log: ClusterLog): ClusterMember {
  let connection: ClusterConnection | undefined;
  let presence: Presence | undefined;
  let publisher: DocumentPublisher | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  // Tries until it connects or the daemon stops; after that the client reconnects by itself.
  // A bad credentials file or name fails at once (and is not retried).
  const ready = (async (): Promise<ClusterConnection> => {
    let warned = false;
    for (;;) {
      try {
        const made = await connectCluster({ ...options, log });
        if (stopped) {
          await made.close();
          throw new Error('the daemon stopped before it could join the cluster');
        }
        connection = made;
        log('info', `joined the lab cluster "${made.lab}" as daemon "${made.daemon}" at ${made.url}`);
        return made;
      } catch (error) {
        if (stopped || (error as { code?: string }).code !== 'unavailable') throw error;
        if (!warned) log('warn', `${(error as Error).message}: trying again every ${RETRY_S} s; the daemon works meanwhile`);
        warned = true;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        retry = setTimeout(resolve, RETRY_S * 1000);
      });
    }
  })();
  ready.catch((error: unknown) => {
    if (!stopped) log('error', `cannot join the cluster at ${options.url}: ${(error as Error).message}`);
  });
  log('info', `joining the lab cluster "${options.lab}" as daemon "${options.daemon}" at ${options.url}`);
  return {
    options,
    get connection() {
      return connection;
    },
    ready,
    attach: (parts) => {
      publisher = new DocumentPublisher(parts.documents, parts.engine, parts.onLog, log);
      void ready.then(
        (made) => {
          if (stopped) return;
          presence = new Presence(made, { lab: parts.lab, engine: parts.engine, version: parts.version, api: parts.api ?? (() => ''), stopping: parts.stopping ?? (() => false) }, log);
          presence.start();
          publisher?.start(made);
        },
        () => undefined,
      );
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(retry);
      wake?.();
      // What the runs left to publish goes out first, if NATS is there to take it.
      if (publisher !== undefined && connection?.connected && !(await publisher.drained(DRAIN_S * 1000))) {
        log('warn', `not every document is published after ${DRAIN_S} s: the rest is not (docs/cluster.md, "What happens when")`);
      }
      // Bounded: a server that stopped answering never holds the daemon's stop.
      const leave = async (): Promise<void> => {
        await publisher?.stop();
        await presence?.stop();
        await connection?.close();
      };
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), LEAVE_S * 1000)));
      if (await Promise.race([leave().then(() => false), late])) {
        log('warn', `leaving the cluster took more than ${LEAVE_S} s: closing the NATS connection`);
        await connection?.nc.close().catch(() => undefined);
      }
      clearTimeout(timer);
    },
  };
}
