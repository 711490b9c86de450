/**
 * The names a lab uses in NATS: subjects, the stream, the KV buckets. A lab id and a daemon name
 * (and a device name in a subject) are single subject tokens, also valid in stream and bucket
 * names: letters, digits, `-` and `_` only. Anything else (a `.`, `*`, `>` or a space would
 * change what a subject means) is refused with a clear error naming what was wrong and where.
 *
 * ```
 * daq.<lab>.<daemon>.docs | .status | .logs      stream DAQ_<LAB> (over daq.<lab>.*.docs|status|logs)
 * daq.<lab>.<daemon>.device.<device>             device calls (NATS services API)
 * KV daq_<lab>_presence | daq_<lab>_leases | daq_<lab>_queue
 * ```
 */
import { DaqError } from '../core/index.js';
import { tokenProblem } from '../devices/index.js';

export { MAX_TOKEN, tokenProblem } from '../devices/index.js';

/**
 * Returns `value` when it is a valid subject token; throws `invalid_argument` naming `what`
 * (such as `lab id` or `daemon name`) and `where` (such as `--lab` or `lab.toml [lab] id`).
 */
export function checkToken(value: string, what: string, where?: string): string {
  const problem = tokenProblem(value);
  if (problem !== undefined) throw new DaqError('invalid_argument', `${what} "${value}"${where === undefined ? '' : ` (${where})`} ${problem}`);
  return value;
}

/** What a daemon publishes on. */
export type PublishedKind = 'docs' | 'status' | 'logs';

/** The KV buckets of a lab. */
export type BucketKind = 'presence' | 'leases' | 'queue';

/** The NATS names of one lab (and, for subjects of its own, one daemon). Tokens are checked. */
export interface LabNames {
  lab: string;
  /** `DAQ_<LAB>`: the stream of the lab's documents, status and logs. */
  stream: string;
  /** The subjects the stream holds: `daq.<lab>.*.docs`, `.status`, `.logs`. */
  streamSubjects: string[];
  /** `daq.<lab>.<daemon>.<kind>` (the daemon name is checked). */
  subject(daemon: string, kind: PublishedKind): string;
  /** `daq.<lab>.*.<kind>`: that kind from every daemon of the lab. */
  everyDaemon(kind: PublishedKind): string;
  /** `daq.<lab>.<daemon>.device.<device>`: calls to a device that daemon owns. */
  device(daemon: string, device: string): string;
  /** `daq_<lab>_<kind>`. */
  bucket(kind: BucketKind): string;
}

/** The names of lab `lab` (checked: throws `invalid_argument` on a bad id). */
export function labNames(lab: string): LabNames {
  checkToken(lab, 'lab id');
  const kinds: PublishedKind[] = ['docs', 'status', 'logs'];
  return {
    lab,
    stream: `DAQ_${lab.toUpperCase()}`,
    streamSubjects: kinds.map((kind) => `daq.${lab}.*.${kind}`),
    subject: (daemon, kind) => `daq.${lab}.${checkToken(daemon, 'daemon name')}.${kind}`,
    everyDaemon: (kind) => `daq.${lab}.*.${kind}`,
    device: (daemon, device) => `daq.${lab}.${checkToken(daemon, 'daemon name')}.device.${checkToken(device, 'device name')}`,
    bucket: (kind) => `daq_${lab}_${kind}`,
  };
}

/** The lab id when none is configured. */
export const DEFAULT_LAB = 'default';
