/**
 * Turns `record(stream, {field: value})` calls into run documents: the first record of a stream
 * fixes its fields (a descriptor, with dtype, shape, units and source inferred from the values);
 * later records must have the same fields of the same kind, or they are refused with a message
 * that says which field changed. Readings (`meter.read()`) carry their units, timestamp and
 * device into the descriptor and the event.
 */
import { createHash, randomUUID } from 'node:crypto';
import { isFrame, isReading, type Reading } from '../../capabilities/index.js';
import { type Clock, DaqError, Emitter, type Unsubscribe } from '../../core/index.js';
import type { DataKey, EventValue, ExitStatus, ParamValue, RunDocument, RunStart, RunStop } from './documents.js';

/** A reading as scripts and plans hand it over: with the device it came from. */
export interface SourcedReading extends Reading {
  source?: string;
}

/** What `record` accepts as a field value. */
export type RecordValue = EventValue | SourcedReading;

/** What a run is started with. */
export interface RunStartInfo {
  scriptName: string;
  scriptSource: string;
  params: Record<string, ParamValue>;
  metadata: Record<string, ParamValue>;
  lab: string;
  /** Defaults to a random UUID. */
  uid?: string;
}

interface Stream {
  descriptor: string;
  keys: Record<string, DataKey>;
  count: number;
}

/** Records one run's documents; `onDocument` listeners receive them in order. */
export class RunRecorder {
  readonly start: RunStart;
  private readonly streams = new Map<string, Stream>();
  private readonly documents = new Emitter<RunDocument>();
  private stopped: RunStop | undefined;

  constructor(
    info: RunStartInfo,
    private readonly clock: Clock,
  ) {
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
    const data: Record<string, EventValue> = {};
    const timestamps: Record<string, number> = {};
    const keys: Record<string, DataKey> = {};
    const fields = Object.entries(values ?? {});
    if (fields.length === 0) throw new DaqError('invalid_argument', `record("${stream}"): no fields; give an object such as {x: 1}`);
    for (const [field, raw] of fields) {
      const { value, key, timeS } = interpret(stream, field, raw);
      data[field] = value;
      keys[field] = key;
      timestamps[field] = timeS ?? now;
    }
    let entry = this.streams.get(stream);
    if (entry === undefined) {
      entry = { descriptor: randomUUID(), keys, count: 0 };
      this.streams.set(stream, entry);
      this.documents.emit({ kind: 'descriptor', uid: entry.descriptor, runStart: this.uid, name: stream, timeS: now, dataKeys: keys });
    } else {
      checkSameFields(stream, entry.keys, keys);
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
}


function interpret(stream: string, field: string, raw: RecordValue): { value: EventValue; key: DataKey; timeS?: number } {
  const where = `record("${stream}"): field "${field}"`;
  if (isFrame(raw)) return { value: raw, key: { dtype: raw.dtype, shape: [raw.height, raw.width], units: 'counts', source: 'script' }, timeS: raw.timestampS };
  if (isReading(raw)) {
    const inner = interpret(stream, field, raw.value as EventValue);
    return { value: inner.value, key: { ...inner.key, units: raw.units, source: raw.source ?? 'script' }, timeS: raw.timestampS };
  }
  if (typeof raw === 'number') return { value: raw, key: { dtype: 'float64', shape: [], units: '', source: 'script' } };
  if (typeof raw === 'string') return { value: raw, key: { dtype: 'string', shape: [], units: '', source: 'script' } };
  if (typeof raw === 'boolean') return { value: raw, key: { dtype: 'bool', shape: [], units: '', source: 'script' } };
  if (Array.isArray(raw) && raw.every((x) => typeof x === 'number')) {
    return { value: raw as number[], key: { dtype: 'float64', shape: [raw.length], units: '', source: 'script' } };
  }
  throw new DaqError('invalid_argument', `${where}: cannot record ${describe(raw)}; record numbers, strings, booleans, arrays of numbers, readings or frames`);
}

function checkSameFields(stream: string, first: Record<string, DataKey>, now: Record<string, DataKey>): void {
  const before = Object.keys(first);
  const after = Object.keys(now);
  const missing = before.filter((k) => !(k in now));
  const added = after.filter((k) => !(k in first));
  if (missing.length > 0 || added.length > 0) {
    const parts = [missing.length > 0 ? `missing ${missing.join(', ')}` : '', added.length > 0 ? `new ${added.join(', ')}` : ''].filter(Boolean);
    throw new DaqError('invalid_argument', `record("${stream}"): fields differ from the stream's first event (${parts.join('; ')}); record other fields in another stream`);
  }
  for (const field of before) {
    const a = first[field] as DataKey;
    const b = now[field] as DataKey;
    if (a.dtype !== b.dtype || a.shape.join('x') !== b.shape.join('x')) {
      throw new DaqError('invalid_argument', `record("${stream}"): field "${field}" was ${a.dtype}[${a.shape.join('x')}] in the first event, now ${b.dtype}[${b.shape.join('x')}]`);
    }
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array with non-numbers';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
