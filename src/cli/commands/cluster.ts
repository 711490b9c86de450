/**
 * `daq cluster --cluster nats://HOST:PORT [--lab ID]`: the daemons of a lab cluster, from its
 * presence bucket: each with its state, current run, queue and devices; stale and gone daemons
 * said so plainly. Talks to NATS only (no daemon needed).
 */
import type { Command } from 'commander';
import { type ClusterTls, connectCluster, DEFAULT_LAB } from '../../cluster/index.js';
import { describeStatus, readRoster, type RosterEntry } from '../../cluster/roster.js';
import { DaqError } from '../../core/index.js';
import { exitHelp, formatTable, printJson } from '../output.js';

interface ClusterCommandOptions {
  cluster?: string;
  lab?: string;
  config?: string;
  clusterCreds?: string;
  clusterTlsCa?: string;
  clusterTlsCert?: string;
  clusterTlsKey?: string;
  json?: boolean;
}

/** Registers the command on `program`. */
export function registerCluster(program: Command): void {
  program
    .command('cluster')
    .description('the daemons of a lab cluster (NATS): their state, runs, queues and devices; stale and gone ones too')
    .option('--cluster <url>', 'the lab\'s NATS server, nats://HOST:PORT (default: DAQ_CLUSTER, else [lab] cluster of --config)')
    .option('--lab <id>', 'the lab\'s id (default: [lab] id of --config, else "default")')
    .option('-c, --config <file>', 'a lab config whose [lab] cluster and id to use')
    .option('--cluster-creds <file>', 'NATS credentials file (.creds)')
    .option('--cluster-tls-ca <file>', "CA certificate (PEM) of the NATS server's certificate; turns TLS on")
    .option('--cluster-tls-cert <file>', 'client certificate (PEM)')
    .option('--cluster-tls-key <file>', 'client private key (PEM)')
    .option('--json', 'print one JSON object')
    .addHelpText('after', exitHelp({ 0: 'shown (also when no daemon is there)', 1: 'the NATS server cannot be reached', 2: 'bad arguments' }))
    .action(async (options: ClusterCommandOptions) => {
      const config = options.config === undefined ? undefined : await clusterOfConfig(options.config);
      const url = options.cluster ?? process.env['DAQ_CLUSTER'] ?? config?.url;
      if (url === undefined) throw new DaqError('invalid_argument', 'which cluster? give --cluster nats://HOST:PORT (or DAQ_CLUSTER, or --config with [lab] cluster)');
      const lab = options.lab ?? config?.id ?? DEFAULT_LAB;
      const tls: ClusterTls = {
        ...(options.clusterTlsCa === undefined ? {} : { caFile: options.clusterTlsCa }),
        ...(options.clusterTlsCert === undefined ? {} : { certFile: options.clusterTlsCert }),
        ...(options.clusterTlsKey === undefined ? {} : { keyFile: options.clusterTlsKey }),
      };
      const connection = await connectCluster({
        url,
        lab,
        daemon: `cli-${process.pid}`,
        ...(options.clusterCreds === undefined ? {} : { credsFile: options.clusterCreds }),
        ...(Object.keys(tls).length === 0 ? {} : { tls }),
      });
      try {
        const roster = await readRoster(connection);
        if (options.json) return printJson({ cluster: url, lab, daemons: roster.map((entry) => ({ ...entry, statusText: describeStatus(entry) })) });
        print(url, lab, roster);
      } finally {
        await connection.close();
      }
    });
}

function print(url: string, lab: string, roster: RosterEntry[]): void {
  if (roster.length === 0) {
    process.stdout.write(`lab "${lab}" at ${url}: no daemon (start one with daq daemon --cluster ${url} --lab ${lab})\n`);
    return;
  }
  const up = roster.filter((entry) => entry.status === 'up').length;
  process.stdout.write(`lab "${lab}" at ${url}: ${up} of ${roster.length} daemon${roster.length === 1 ? '' : 's'} up\n\n`);
  const rows = roster.map((entry) => {
    const record = entry.record;
    const run = record?.run === undefined ? '' : `${record.run.uid.slice(0, 8)} ${record.run.scriptName} (${record.run.state}${record.run.progress === undefined ? '' : ` ${record.run.progress.done}/${record.run.progress.total}`})`;
    return [entry.daemon, describeStatus(entry), record === undefined ? '' : String(record.queueLength), run, record?.api ?? '', record?.version ?? ''];
  });
  process.stdout.write(`${formatTable(['DAEMON', 'STATE', 'QUEUED', 'RUN', 'API', 'VERSION'], rows)}\n`);
  const devices = roster.flatMap((entry) =>
    (entry.record?.devices ?? []).map((d) => [entry.daemon, d.name, d.driver, entry.status === 'up' ? d.state : `${d.state} (${entry.status})`, d.capabilities.join(', '), d.fault ?? '']),
  );
  if (devices.length > 0) process.stdout.write(`\n${formatTable(['DAEMON', 'DEVICE', 'DRIVER', 'STATE', 'CAPABILITIES', 'FAULT'], devices)}\n`);
}

/** `[lab] cluster` and `id` of a lab config (the drivers are loaded only for this). */
async function clusterOfConfig(file: string): Promise<{ url?: string; id?: string }> {
  const [{ loadLabConfig }, { DRIVERS }] = await Promise.all([import('../../devices/index.js'), import('../../drivers/index.js')]);
  return (await loadLabConfig(file, DRIVERS)).cluster;
}
