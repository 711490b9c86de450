/**
 * A daemon's cluster settings: the lab config's `[lab] cluster`, `daemon` and `id`, overridden by
 * the command line (`--cluster`, `--name`, `--lab`), with credentials and TLS from the command
 * line only (secrets stay out of the lab file). No URL anywhere: no cluster, nothing changes.
 */
import { hostname } from 'node:os';
import { DaqError } from '../core/index.js';
import type { LabClusterConfig } from '../devices/index.js';
import type { ClusterOptions, ClusterTls } from './connection.js';
import { checkToken, DEFAULT_LAB } from './names.js';

/** What the command line says about the cluster (each overrides the lab config). */
export interface ClusterOverrides {
  /** `--cluster URL`. */
  url?: string;
  /** `--name NAME`. */
  daemon?: string;
  /** `--lab ID`. */
  lab?: string;
  /** `--cluster-creds FILE`. */
  credsFile?: string;
  /** `--cluster-tls-ca`, `--cluster-tls-cert`, `--cluster-tls-key`. */
  tls?: ClusterTls;
  /** `--cluster-replicas N`. */
  replicas?: number;
}

/** This host's name as a daemon name: characters a subject token cannot hold become `-`. */
export function defaultDaemonName(): string {
  const name = hostname().split('.')[0]?.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64) ?? '';
  return name === '' ? 'daemon' : name;
}

/**
 * The connection options of a clustered daemon, or undefined when neither the lab config nor the
 * command line names a server. `configFile` is named in errors. Throws `invalid_argument` on a
 * bad name, or on cluster options without a server.
 */
export function clusterSettings(config: LabClusterConfig, overrides: ClusterOverrides, configFile: string): Omit<ClusterOptions, 'log' | 'waitForServer' | 'timeoutMs'> | undefined {
  const url = overrides.url ?? config.url;
  if (url === undefined) {
    const given = (['daemon', 'lab', 'credsFile', 'tls', 'replicas'] as const).filter((key) => overrides[key] !== undefined);
    if (given.length > 0) {
      const flags = { daemon: '--name', lab: '--lab', credsFile: '--cluster-creds', tls: '--cluster-tls-*', replicas: '--cluster-replicas' };
      throw new DaqError('invalid_argument', `${given.map((key) => flags[key]).join(', ')} ${given.length === 1 ? 'is' : 'are'} only for a cluster: give --cluster nats://HOST:PORT, or [lab] cluster in ${configFile}`);
    }
    return undefined;
  }
  const daemon = overrides.daemon ?? config.daemon ?? defaultDaemonName();
  const lab = overrides.lab ?? config.id ?? DEFAULT_LAB;
  checkToken(daemon, 'daemon name', overrides.daemon !== undefined ? '--name' : config.daemon !== undefined ? `${configFile} [lab] daemon` : 'the host name');
  checkToken(lab, 'lab id', overrides.lab !== undefined ? '--lab' : `${configFile} [lab] id`);
  return {
    url,
    daemon,
    lab,
    ...(overrides.credsFile === undefined ? {} : { credsFile: overrides.credsFile }),
    ...(overrides.tls === undefined ? {} : { tls: overrides.tls }),
    ...(overrides.replicas === undefined ? {} : { replicas: overrides.replicas }),
  };
}
