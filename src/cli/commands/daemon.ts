/** `daq daemon --config LAB.toml`: the daemon, in the foreground. SIGTERM/SIGINT stop it cleanly. */
import type { Command } from 'commander';
import { startDaemon } from '../../api/daemon.js';
import type { ClusterOverrides } from '../../cluster/index.js';
import type { LogEntry } from '../../engine/index.js';
import { announceDaemon, localUrl } from '../daemon-discovery.js';
import { stopWithLauncher } from '../launcher.js';
import { exitHelp } from '../output.js';
import { packageVersion } from '../version.js';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';

/** How far V8 lets the daemon's heap grow past its live data before a full collection, percent. */
const HEAP_GROWING_PERCENT = 50;

interface DaemonCommandOptions {
  config: string;
  dataDir: string;
  listen: string;
  httpListen?: string;
  tokens?: string;
  tlsCert?: string;
  tlsKey?: string;
  grace: number;
  ring?: string | false;
  ringSize: number;
  logFormat: 'text' | 'json';
  gzip?: number;
  dashboard: boolean;
  cluster?: string;
  name?: string;
  lab?: string;
  clusterCreds?: string;
  clusterTlsCa?: string;
  clusterTlsCert?: string;
  clusterTlsKey?: string;
  clusterReplicas?: number;
}

/** The cluster options of the command line (undefined ones left out: the lab config's apply). */
function clusterOverrides(options: DaemonCommandOptions): ClusterOverrides {
  const tls = {
    ...(options.clusterTlsCa === undefined ? {} : { caFile: options.clusterTlsCa }),
    ...(options.clusterTlsCert === undefined ? {} : { certFile: options.clusterTlsCert }),
    ...(options.clusterTlsKey === undefined ? {} : { keyFile: options.clusterTlsKey }),
  };
  return {
    ...(options.cluster === undefined ? {} : { url: options.cluster }),
    ...(options.name === undefined ? {} : { daemon: options.name }),
    ...(options.lab === undefined ? {} : { lab: options.lab }),
    ...(options.clusterCreds === undefined ? {} : { credsFile: options.clusterCreds }),
    ...(Object.keys(tls).length === 0 ? {} : { tls }),
    ...(options.clusterReplicas === undefined ? {} : { replicas: options.clusterReplicas }),
  };
}

/** The built dashboard: dist/web, beside dist/src (this file is dist/src/cli/commands/daemon.js). */
const DASHBOARD_DIR = resolve(import.meta.dirname, '../../../web');

/** Registers the command on `program`. */
export function registerDaemon(program: Command): void {
  program
    .command('daemon')
    .description('run the daemon: own the lab, run the queue, serve the API (gRPC; Connect/gRPC-Web for browsers)')
    .requiredOption('-c, --config <file>', 'lab config (TOML)')
    .option('--data-dir <dir>', 'where scripts, the audit log and run data go', 'daq-data')
    .option('--listen <host:port>', 'gRPC address (loopback unless tokens are configured)', '127.0.0.1:50051')
    .option('--http-listen <host:port>', 'Connect/gRPC-Web address for browsers')
    .option('--tokens <file>', 'tokens file (TOML: [[token]] name, role, token or token_env); required to listen beyond loopback')
    .option('--tls-cert <file>', 'TLS certificate (PEM)')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--ring <path>', 'the shared-memory ring buffer every recorded event goes into (default: /dev/shm/ts-daq-<uid>-<hash of the data dir>.ring; removed at a clean stop once every run is in its file)')
    .option('--no-ring', 'no ring buffer')
    .option('--ring-size <MiB>', 'size of the ring buffer', Number, 256)
    .option('--grace <seconds>', 'at shutdown, how long the current run may take to finish before it is aborted safely', Number, 5)
    .option('--log-format <format>', 'text or json (one JSON object a line)', 'text')
    .option('--gzip <level>', 'compress the event datasets of run files with gzip at this level (1-9); default none', Number)
    .option('--no-dashboard', 'do not serve the web dashboard at / of --http-listen (the API stays)')
    .option('--cluster <url>', 'join the lab cluster on this NATS server, nats://HOST:PORT (or tls://; several separated by commas); default: [lab] cluster of the lab config, else none (docs/cluster.md)')
    .option('--name <name>', "this daemon's name in the cluster (letters, digits, - and _); default: [lab] daemon, else the host name")
    .option('--lab <id>', "the lab's id in the cluster's subjects and buckets; default: [lab] id, else \"default\"")
    .option('--cluster-creds <file>', 'NATS credentials file (.creds: JWT and NKey seed) for the cluster')
    .option('--cluster-tls-ca <file>', "CA certificate (PEM) that signed the NATS server's certificate; turns TLS on")
    .option('--cluster-tls-cert <file>', 'client certificate (PEM), for a NATS server that verifies clients')
    .option('--cluster-tls-key <file>', 'private key (PEM) of --cluster-tls-cert')
    .option('--cluster-replicas <n>', "replicas of the lab's stream and buckets (3 on a 3-node NATS cluster); default 1", Number)
    .addHelpText('after', exitHelp({ 0: 'stopped cleanly by SIGTERM or SIGINT', 1: 'it could not start (the address is in use, the data directory cannot be written)', 2: 'a bad lab config or bad arguments' }, 'Prints "daq daemon listening on HOST:PORT" when ready. SIGTERM or SIGINT stop it cleanly (exit 0); started by npx, it stops when npx does.'))
    .action(async (options: DaemonCommandOptions) => {
      const log = (entry: LogEntry): void => {
        if (options.logFormat === 'json') process.stderr.write(`${JSON.stringify({ time: new Date(entry.timeS * 1000).toISOString(), level: entry.level, run: entry.runUid || undefined, message: entry.message })}\n`);
        else process.stderr.write(`${entry.level === 'info' ? '' : `${entry.level}: `}${entry.runUid ? `[run ${entry.runUid.slice(0, 8)}] ` : ''}${entry.message}\n`);
      };
      // The signal handlers come first: a SIGTERM while the lab connects, or one sent the moment
      // "listening" is printed, stops the daemon as cleanly as a later one. A second signal kills.
      const stopRequested = new Promise<void>((resolve) => {
        const onSignal = (): void => {
          process.off('SIGTERM', onSignal);
          process.off('SIGINT', onSignal);
          resolve();
        };
        process.on('SIGTERM', onSignal);
        process.on('SIGINT', onSignal);
      });
      void stopWithLauncher();
      // A daemon's memory stays flat over runs of millions of points: V8 otherwise lets the old
      // space grow to 2-4x its live data between full collections (a 1M-point plan: 41 MB live,
      // up to 145 MB); 1.5x costs a full collection every ~20 MB promoted, ~1-2 % of the main
      // thread's time (docs/development.md, design record). Read by V8 at every collection.
      // DAQ_HEAP_GROWING_PERCENT overrides it (0: V8's own rule), for measuring what it costs.
      const growing = Number(process.env['DAQ_HEAP_GROWING_PERCENT'] ?? HEAP_GROWING_PERCENT);
      if (Number.isInteger(growing) && growing > 0) setFlagsFromString(`--heap-growing-percent=${growing}`);
      const daemon = await startDaemon({
        config: options.config,
        dataDir: options.dataDir,
        listen: options.listen,
        ...(options.httpListen === undefined ? {} : { httpListen: options.httpListen }),
        ...(options.tokens === undefined ? {} : { tokensFile: options.tokens }),
        ...(options.tlsCert !== undefined && options.tlsKey !== undefined ? { tls: { certFile: options.tlsCert, keyFile: options.tlsKey } } : {}),
        ...(options.dashboard ? { dashboardDir: DASHBOARD_DIR } : {}),
        graceS: options.grace,
        ...(options.gzip === undefined ? {} : { gzip: options.gzip }),
        ring: options.ring === false ? false : { ...(options.ring === undefined ? {} : { path: options.ring }), sizeBytes: options.ringSize * 2 ** 20 },
        log,
        version: packageVersion(),
        cluster: clusterOverrides(options),
      });
      // This user's programs on this machine find it (the desktop app, `daq daemons`): docs/desktop.md.
      // Announced before "listening" is printed: whoever waits for that line finds the file.
      const unannounce = announceDaemon(
        {
          grpc: localUrl('http', daemon.address).slice('http://'.length),
          http: daemon.httpAddress === undefined ? null : localUrl(options.tlsCert === undefined ? 'http' : 'https', daemon.httpAddress),
          lab: daemon.core.lab.name,
          version: packageVersion(),
          auth: daemon.core.facts.authEnabled,
          dataDir: resolve(options.dataDir),
          config: resolve(options.config),
          started: new Date().toISOString(),
        },
        (message) => log({ timeS: Date.now() / 1000, level: 'warn', runUid: '', message }),
      );
      process.stdout.write(`daq daemon listening on ${daemon.address}\n`);
      await stopRequested;
      await daemon.stop();
      unannounce();
      // Everything is closed and written: the process ends by itself now. Should something still
      // hold the event loop (a leaked timer or socket), say what and exit anyway: a daemon that
      // said "stopped" must not linger holding its port and data directory.
      setTimeout(() => {
        log({ timeS: Date.now() / 1000, level: 'warn', runUid: '', message: `still open 2 s after stopping: ${process.getActiveResourcesInfo().join(', ')}; exiting anyway` });
        process.exit(process.exitCode ?? 0);
      }, 2000).unref();
    });
}
