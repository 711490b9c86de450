/**
 * The one connection a daemon (or a `daq` command) keeps to the lab's NATS server: core NATS,
 * JetStream, its manager and the lab's KV buckets, with the lab's names. The client reconnects by
 * itself when the server goes away (forever, for a daemon): nothing local stops meanwhile, and
 * {@link ClusterConnection.onStatus} tells who needs to know (presence re-announces itself).
 */
import { readFile } from 'node:fs/promises';
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions, type Status } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import { DaqError } from '../core/index.js';
import { type BucketKind, checkToken, labNames, type LabNames } from './names.js';

export { checkToken, DEFAULT_LAB, labNames, tokenProblem, type BucketKind, type LabNames, type PublishedKind } from './names.js';

/** TLS to the NATS server (files in PEM). Any of them turns TLS on. */
export interface ClusterTls {
  /** The CA that signed the server's certificate (when not a system-trusted one). */
  caFile?: string;
  /** This client's certificate and key, for servers that verify clients. */
  certFile?: string;
  keyFile?: string;
}

/** How to join a lab's cluster. */
export interface ClusterOptions {
  /** `nats://HOST:PORT` (or `tls://`), several separated by commas. User and password or a token may be in the URL (`nats://user:pass@host:4222`). */
  url: string;
  /** The lab's id in subjects (a subject token). */
  lab: string;
  /** This daemon's (or client's) name (a subject token). */
  daemon: string;
  /** A NATS credentials file (`.creds`: JWT and NKey seed). */
  credsFile?: string;
  tls?: ClusterTls;
  /** Replicas of the lab's stream and buckets (3 on a 3-node cluster). Default 1. */
  replicas?: number;
  /**
   * Keep trying to connect when the server cannot be reached at first (a daemon: it works
   * without the cluster meanwhile). Default false: fail with a clear error after `timeoutMs`.
   */
  waitForServer?: boolean;
  /** How long a connection attempt may take, in ms. Default 5000. */
  timeoutMs?: number;
  /** Where the connection's events go (disconnected, reconnected); default nowhere. */
  log?: (level: 'info' | 'warn', message: string) => void;
}

/** A connection to the lab's NATS server. */
export interface ClusterConnection {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  lab: string;
  daemon: string;
  /** The lab's names (subjects, stream, buckets). */
  names: LabNames;
  /** Replicas for the lab's stream and buckets. */
  replicas: number;
  /** The server URL(s) as given. */
  url: string;
  /**
   * The lab's bucket `daq_<lab>_<kind>`, created with `options` when missing (`ttl` in ms, the bucket's max_age,
   * is the only time-to-live NATS 2.9 has: a key not renewed within it vanishes).
   */
  kv(kind: BucketKind, options?: Partial<KvOptions>): Promise<KV>;
  /** Calls `listener` with every change of the connection (disconnect, reconnect, ...); returns an unsubscribe function. */
  onStatus(listener: (status: Status) => void): () => void;
  /** Whether the connection is up right now (exact: read from the client at each call). */
  readonly connected: boolean;
  /** Drains and closes the connection (pending publishes are flushed first). */
  close(): Promise<void>;
}

/** Connects to the lab's NATS server. Throws `invalid_argument` on bad names or files, `unavailable` when the server cannot be reached. */
export async function connectCluster(options: ClusterOptions): Promise<ClusterConnection> {
  const names = labNames(options.lab);
  checkToken(options.daemon, 'daemon name');
  const replicas = options.replicas ?? 1;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 5) throw new DaqError('invalid_argument', `cluster replicas ${replicas}: expected 1 to 5 (3 on a 3-node NATS cluster)`);
  const servers = options.url.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (servers.length === 0) throw new DaqError('invalid_argument', 'cluster URL is empty: expected nats://HOST:PORT');
  for (const server of servers) {
    if (!/^(nats|tls):\/\/[^/\s]+$/.test(server) && !/^[^/\s:]+:\d+$/.test(server)) {
      throw new DaqError('invalid_argument', `cluster URL "${server}": expected nats://HOST:PORT (or tls://HOST:PORT)`);
    }
  }
  const connectOptions: NodeConnectionOptions = {
    servers,
    name: `ts-daq ${options.lab}/${options.daemon}`,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    timeout: options.timeoutMs ?? 5000,
    waitOnFirstConnect: options.waitForServer ?? false,
  };
  if (options.credsFile !== undefined) connectOptions.authenticator = credsAuthenticator(await readOption(options.credsFile, 'cluster credentials file (--cluster-creds)'));
  if (options.tls !== undefined && Object.values(options.tls).some((v) => v !== undefined)) {
    for (const [key, flag] of [['caFile', '--cluster-tls-ca'], ['certFile', '--cluster-tls-cert'], ['keyFile', '--cluster-tls-key']] as const) {
      const file = options.tls[key];
      if (file !== undefined) await readOption(file, `cluster TLS file (${flag})`);
    }
    connectOptions.tls = { ...options.tls };
  }
  let nc: NatsConnection;
  try {
    nc = await connect(connectOptions);
  } catch (error) {
    throw new DaqError('unavailable', `cannot reach the NATS server at ${options.url}: ${(error as Error).message}${/ECONNREFUSED|timeout/i.test(String(error)) ? ' (is nats-server running with -js? see docs/cluster.md)' : ''}`);
  }
  const listeners = new Set<(status: Status) => void>();
  let connected = true;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        connected = false;
        options.log?.('warn', `lost the NATS connection to ${status.server}: reconnecting (local runs go on)`);
      } else if (status.type === 'reconnect') {
        connected = true;
        options.log?.('info', `reconnected to NATS at ${status.server}`);
      }
      for (const listener of listeners) listener(status);
    }
  })();
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc, { checkAPI: false });
  const kvm = new Kvm(js);
  return {
    nc,
    js,
    jsm,
    lab: options.lab,
    daemon: options.daemon,
    names,
    replicas,
    url: options.url,
    kv: (kind, kvOptions) => kvm.create(names.bucket(kind), { replicas, ...kvOptions }),
    onStatus: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get connected() {
      // The client's own flag is exact at every moment (the status events come a turn later): a
      // publish made while it is false waits in the client's buffer and may go out after later ones.
      const exact = (nc as unknown as { protocol?: { connected?: unknown } }).protocol?.connected;
      return (typeof exact === 'boolean' ? exact : connected) && !nc.isClosed();
    },
    close: async () => {
      if (nc.isClosed()) return;
      await nc.drain().catch(() => nc.close());
    },
  };
}

async function readOption(file: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new DaqError('invalid_argument', `cannot read the ${what} ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}
