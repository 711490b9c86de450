/**
 * Turns `record(stream, {field: value})` calls into run documents: the first record of a stream
 * fixes its fields (a descriptor, with dtype, shape, units and source inferred from the values);
 * later records must have the same fields of the same kind, or they are refused with a message
 * that says which field changed. Readings (`meter.read()`) carry their units, timestamp and
 * device into the descriptor and the event.
 *
 * Each descriptor carries the configuration of the stream's source devices. When one of them
 * changed (its version in the {@link ConfigurationSource} moved), the stream's next event comes
 * under a new descriptor: same name and data keys, new uid and configuration; `seqNum` goes on
 * counting per stream.
 */
import { createHash, randomUUID } from 'node:crypto';
import { type Clock, DaqError, Emitter, type Unsubscribe } from '../../core/index.js';
import type { ConfigurationSource } from './configuration.js';
import type { DataKey, DeviceConfiguration, ExitStatus, ParamValue, RunDocument, RunStart, RunStop } from './documents.js';
import type { PlanInfo } from './plan-detection.js';
import { checkSameFields, interpretRecord, objectKeysAndHints, type RecordValue, SCRIPT_SOURCE } from './record-values.js';

/** What a run is started with. */
export interface RunStartInfo {
  scriptName: string;
  scriptSource: string;
  params: Record<string, ParamValue>;
  metadata: Record<string, ParamValue>;
  lab: string;
  /** Defaults to a random UUID. */
  uid?: string;
  /** Bluesky's `scan_id`; defaults to a count of this process's recorders (1, 2, ...). */
  scanId?: number;
  /** What the run is (a plan, or a script); defaults to a script named after `scriptName`. */
  plan?: PlanInfo;
}

/** Options of {@link RunRecorder}. */
export interface RunRecorderOptions {
  /** Where descriptors get their devices' configuration (none: empty configurations). */
  configuration?: ConfigurationSource;
}

interface Stream {
  descriptor: string;
  keys: Record<string, DataKey>;
  count: number;
  /** Configuration version of each source device in the current descriptor. */
  versions: Map<string, number>;
}

let recordersMade = 0;

/** Records one run's documents; `onDocument` listeners receive them in order. */
export class RunRecorder {
  readonly start: RunStart;
  private readonly streams = new Map<string, Stream>();
  private readonly documents = new Emitter<RunDocument>();
  private readonly configuration: ConfigurationSource | undefined;
  private stopped: RunStop | undefined;

  constructor(
    info: RunStartInfo,
    private readonly clock: Clock,
    options: RunRecorderOptions = {},
  ) {
    recordersMade++;
    this.configuration = options.configuration;
    const plan = info.plan ?? { planName: scriptStem(info.scriptName), planType: 'script', motors: [], detectors: [] };
    this.start = {
      kind: 'start',
      uid: info.uid ?? randomUUID(),
      timeS: clock.now(),
      scriptName: info.scriptName,
      scriptSource: info.scriptSource,
      scriptSha256: createHash('sha256').update(info.scriptSource).digest('hex'),
      params: info.params,
      metadata: info.metadata,
      lab: info.lab,
      scanId: info.scanId ?? recordersMade,
      planName: plan.planName,
      planType: plan.planType,
      motors: plan.motors,
      detectors: plan.detectors,
      ...(plan.dimensions === undefined ? {} : { hints: { dimensions: plan.dimensions } }),
    };
  }

  /** The run's uid. */
  get uid(): string {
    return this.start.uid;
  }

  /** Events recorded so far, per stream. */
  get numEvents(): Record<string, number> {
    return Object.fromEntries([...this.streams].map(([name, s]) => [name, s.count]));
  }

  /** The stop document, once the run has ended. */
  get stop(): RunStop | undefined {
    return this.stopped;
  }

  /** Calls `listener` with every document from now on. */
  onDocument(listener: (document: RunDocument) => void): Unsubscribe {
    return this.documents.on(listener);
  }

  /** Emits the start document. Call once, after listeners are attached. */
  open(): void {
    this.documents.emit(this.start);
  }

  /**
   * Records one event in `stream`. Throws `invalid_argument` (naming the stream and field) for a
   * value that cannot be recorded or does not match the stream's first event.
   */
  record(stream: string, values: Record<string, RecordValue>): void {
    if (this.stopped !== undefined) throw new DaqError('failed_precondition', `record("${stream}"): the run has ended`);
    if (typeof stream !== 'string' || !/^[A-Za-z_][\w-]*$/.test(stream)) {
      throw new DaqError('invalid_argument', `record: the stream name must be a word (letters, digits, _ and -), got ${JSON.stringify(stream)}`);
    }
    const now = this.clock.now();
    const { data, keys, timestamps } = interpretRecord(stream, values, now);
    let entry = this.streams.get(stream);
    if (entry === undefined) {
      entry = { descriptor: '', keys, count: 0, versions: new Map() };
      this.streams.set(stream, entry);
      this.describe(stream, entry, now);
    } else {
      checkSameFields(stream, entry.keys, keys);
      if (this.configurationMoved(entry)) this.describe(stream, entry, now);
    }
    entry.count++;
    this.documents.emit({ kind: 'event', uid: randomUUID(), descriptor: entry.descriptor, stream, seqNum: entry.count, timeS: now, data, timestamps });
  }

  /** Emits the stop document; later calls are ignored. */
  close(exitStatus: ExitStatus, reason = ''): RunStop {
    if (this.stopped !== undefined) return this.stopped;
    this.stopped = { kind: 'stop', uid: randomUUID(), runStart: this.uid, timeS: this.clock.now(), exitStatus, reason, numEvents: this.numEvents };
    this.documents.emit(this.stopped);
    return this.stopped;
  }

  /** Emits a (new) descriptor of `stream` with its devices' configuration as known now. */
  private describe(stream: string, entry: Stream, now: number): void {
    const { objectKeys, hints } = objectKeysAndHints(entry.keys);
    const configuration: Record<string, DeviceConfiguration> = {};
    entry.versions.clear();
    for (const source of Object.keys(objectKeys)) {
      const known = source === SCRIPT_SOURCE ? undefined : this.configuration?.current(source);
      configuration[source] = known?.configuration ?? { data: {}, timestamps: {}, dataKeys: {} };
      if (source !== SCRIPT_SOURCE) entry.versions.set(source, known?.version ?? 0);
    }
    entry.descriptor = randomUUID();
    this.documents.emit({
      kind: 'descriptor',
      uid: entry.descriptor,
      runStart: this.uid,
      name: stream,
      timeS: now,
      dataKeys: entry.keys,
      configuration,
      objectKeys,
      hints,
    });
  }

  private configurationMoved(entry: Stream): boolean {
    if (this.configuration === undefined) return false;
    for (const [source, version] of entry.versions) if ((this.configuration.current(source)?.version ?? 0) !== version) return true;
    return false;
  }
}

/** A script's name without folder and extension (`scans/line.ts` -> `line`): its plan name. */
export function scriptStem(scriptName: string): string {
  const base = scriptName.split(/[\\/]/).at(-1) ?? scriptName;
  return base.replace(/\.[^.]*$/, '') || base;
}
