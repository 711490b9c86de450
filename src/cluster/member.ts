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

/** Seconds between attempts to reach a server that could not be reached at start. */
const RETRY_S = 2;

/** How the member logs (the daemon's log). */
export type ClusterLog = (level: 'info' | 'warn' | 'error', message: string) => void;

/** One document of a run as the API streams it: its place in the run, Bluesky's name and JSON. */
export interface PublishedDocument {
  index: number;
  name: string;
  json: string;
}

/**
 * Where the member reads a run's documents (the daemon's document log): from `fromIndex`, then
 * live until the run's stop document; ends early when `signal` aborts.
 */
export interface DocumentSource {
  follow(runUid: string, fromIndex: number, signal: AbortSignal): AsyncIterable<PublishedDocument>;
}

/** What the member needs of the daemon, once it exists. */
export interface ClusterDaemonParts {
  lab: Lab;
  engine: RunEngine;
  documents: DocumentSource;
  /** Every log line of the daemon and its runs. */
  onLog(listener: (entry: LogEntry) => void): () => void;
  version: string;
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
    attach: () => undefined,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(retry);
      wake?.();
      await connection?.close();
    },
  };
}
