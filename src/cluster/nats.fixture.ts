/**
 * A real NATS server for tests: Debian's `nats-server` (2.9, `make system` installs it) with
 * JetStream, on a free loopback port, its store in a temp dir. Ready when a client can connect
 * and JetStream answers (polled, never a sleep). `stop()`/`kill()` then `start()` again keep the
 * port and the store: what JetStream had survives, as it would on a real restart. Everything
 * started is stopped (SIGKILL) by `cleanup()` or by {@link cleanUpAfter} at the end of the test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { cleanUpAfter } from '../test-support/cleanup.fixture.js';
import { freePort } from '../test-support/free-port.fixture.js';

export { freePort };

/** Options of a test server. */
export interface NatsServerOptions {
  /** The client port (default: a free one). */
  port?: number;
  /** Server name (in a cluster, each node's own). */
  name?: string;
  /** A config file (`-c`); the options here override what it says (as nats-server's flags do), and a relative store_dir is in the temp store dir. */
  config?: string;
  /** Cluster name, this node's route port and the route ports of all nodes; none for a lone server. */
  cluster?: { name: string; port: number; routes: number[] };
}

/** A nats-server process with JetStream; `url` is `nats://127.0.0.1:PORT`. */
export class NatsServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Everything it printed (it logs to stderr). */
  output = '';

  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly options: NatsServerOptions,
  ) {}

  /** Starts a server on a free port with a new store dir; waits until JetStream answers. */
  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const server = await NatsServer.create(options);
    await server.start();
    return server;
  }

  /**
   * Starts `nodes` servers on loopback that form one NATS cluster (JetStream clustered), from
   * `config` when given (each node named node-a, node-b, ...); resolves when every node answers.
   */
  static async cluster(nodes = 3, config?: string): Promise<NatsServer[]> {
    const routes = await Promise.all(Array.from({ length: nodes }, () => freePort()));
    const servers = await Promise.all(
      routes.map((port, i) => NatsServer.create({ name: `node-${String.fromCharCode(97 + i)}`, cluster: { name: 'daq-test', port, routes }, ...(config === undefined ? {} : { config }) })),
    );
    // Together: a clustered JetStream answers only once its nodes have elected a leader.
    await Promise.all(servers.map((server) => server.start()));
    return servers;
  }

  /** A server not started yet, with its port and store dir (removed at cleanup). */
  private static async create(options: NatsServerOptions): Promise<NatsServer> {
    const storeDir = await mkdtemp(join(tmpdir(), 'daq-nats-'));
    const server = new NatsServer(options.port ?? (await freePort()), storeDir, options);
    cleanUpAfter(async () => {
      await server.kill();
      await rm(storeDir, { recursive: true, force: true });
    });
    return server;
  }

  /** `nats://127.0.0.1:PORT`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Whether the process is running. */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts (again) on the same port with the same store; resolves when JetStream answers. */
  async start(): Promise<void> {
    if (this.running) return;
    // A config's jetstream store_dir (nats-server refuses -sd beside it) is relative: to the store dir, the server's working directory.
    const args = [...(this.options.config === undefined ? ['-sd', join(this.storeDir, 'js')] : ['-c', this.options.config]), '-js', '-a', '127.0.0.1', '-p', String(this.port)];
    if (this.options.name !== undefined) args.push('-n', this.options.name);
    if (this.options.cluster !== undefined) {
      const { name, port, routes } = this.options.cluster;
      args.push('--cluster_name', name, '--cluster', `nats://127.0.0.1:${port}`, '--routes', routes.map((r) => `nats://127.0.0.1:${r}`).join(','));
    }
    const child = spawn('nats-server', args, { cwd: this.storeDir, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.once('error', (error) => (this.output += `\nspawn failed: ${error.message} (install it: make system, or apt-get install nats-server)\n`));
    await this.waitUntilReady();
  }

  /** Stops it cleanly (SIGTERM) and waits for the exit. */
  async stop(): Promise<void> {
    if (this.running) this.child?.kill('SIGTERM');
    await this.exited;
  }

  /** Freezes it (SIGSTOP): a server that keeps its sockets open and answers nothing. */
  freeze(): void {
    if (this.running) this.child?.kill('SIGSTOP');
  }

  /** Lets a frozen server go on (SIGCONT). */
  thaw(): void {
    if (this.running) this.child?.kill('SIGCONT');
  }

  /** Kills it (SIGKILL), as a crash would, and waits for the exit. */
  async kill(): Promise<void> {
    if (this.running) this.child?.kill('SIGCONT');
    if (this.running) this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** Polls a connection until JetStream answers (a cluster node: until it has a meta leader). */
  private async waitUntilReady(giveUpS = 60): Promise<void> {
    const until = Date.now() + giveUpS * 1000;
    let last = '';
    while (Date.now() < until) {
      if (!this.running && this.child?.exitCode !== null) throw new Error(`nats-server exited (${this.child?.exitCode ?? this.child?.signalCode}):\n${this.output}`);
      try {
        const nc = await connect({ servers: this.url, timeout: 1000, reconnect: false });
        try {
          const jsm = await jetstreamManager(nc, { timeout: 1000 });
          await jsm.getAccountInfo();
          return;
        } finally {
          await nc.close();
        }
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`nats-server on ${this.url} not ready after ${giveUpS} s (${last}):\n${this.output}`);
  }
}
