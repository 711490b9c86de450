/**
 * A run's documents as Bluesky documents, by the letter of the event model (event-model 1.24.0):
 * `start`, `descriptor`, `event`, `stop`, and for values kept only in the run's HDF5 file
 * (frames, large arrays) a `stream_resource` per field (the file and the dataset
 * `/entry/data/<stream>/<field>`) and a `stream_datum` per event (which rows of that dataset
 * hold it), as bluesky's `HDF5Consolidator` reads them. Nothing is renamed on the way to
 * clients: the (name, doc) pairs go to any Bluesky callback unchanged.
 *
 * One serializer per run; feed it the run's documents in order. Times are seconds since the
 * Unix epoch, as in the engine's documents.
 */
import { randomUUID } from 'node:crypto';
import { isFrame } from '../../capabilities/index.js';
import type { DataKey, EventDescriptor, EventValue, RunDocument, RunEvent, RunStart, RunStop } from './documents.js';
import { descriptorFloats, eventJson, type FloatPath, floatJson, startStopFloats } from './event-model-json.js';
import { blueskyConfiguration, blueskyDataKey, hintsOf, isExternalKey, objectKeysOf } from './event-model-keys.js';

/** The names of Bluesky documents. */
export type BlueskyName = 'start' | 'descriptor' | 'event' | 'stop' | 'stream_resource' | 'stream_datum';

/** One Bluesky document with its name, as a callback receives it (`callback(name, doc)`). */
export interface BlueskyPair {
  name: BlueskyName;
  doc: Record<string, unknown>;
  /** `doc` as JSON, floats written as floats (see event-model-json.ts). */
  json: string;
}

/**
 * Where a run's HDF5 file is (an absolute path), given its start document; `undefined` when
 * the run is not saved. Known when the run starts (the storage names files from the start).
 */
export type RunFileLocator = (start: RunStart, runUid: string) => string | undefined;

/** Options of {@link createEventModelSerializer}. */
export interface EventModelOptions {
  /** The run's file. Without one, fields kept only in the file (frames) are left out of the documents. */
  runFile?: RunFileLocator;
}

/** Turns one run's documents into Bluesky (name, doc) pairs. */
export interface EventModelSerializer {
  /** The Bluesky documents of `document`, in the order a consumer must see them. */
  toBluesky(document: RunDocument): BlueskyPair[];
  /**
   * For an event whose Bluesky document is one plain `event` (its descriptor known, none of its
   * stream's fields left out or kept only in the file): the fields whose values are floats, to
   * write its JSON without `toBluesky` (`eventJson` of the event with these, what `toBluesky`
   * gives; the document log's fast path). `undefined` for any other event: use `toBluesky`.
   */
  plainEventFloats(event: RunEvent): ReadonlySet<string> | undefined;
}

/** Keys of the start document the serializer fills; user metadata of these names stays in `metadata`. */
const RESERVED = new Set(['uid', 'time', 'scan_id', 'plan_name', 'plan_type', 'hints', 'motors', 'detectors', 'script_name', 'script_sha256', 'lab', 'params', 'metadata', 'data_groups', 'num_points', 'num_intervals', 'plan_args', 'projections']);

/** Start keys the event model types as strings: user metadata goes there only as a string. */
const STRING_KEYS = new Set(['sample', 'project', 'group', 'owner', 'data_session']);

/** Keys Bluesky accepts at the top of a start document (no dots or slashes). */
const PLAIN_KEY = /^[^./]+$/;

interface StreamState {
  /** Fields kept only in the file, with their stream_resource uid. */
  resources: Map<string, string>;
  /** stream_datum counter per field. */
  datums: Map<string, number>;
  /** Fields left out (kept in the file, but the run has no file). */
  dropped: Set<string>;
}

/** What the serializer keeps of each descriptor. */
interface DescriptorState {
  stream: StreamState;
  /** Fields whose values are floats (dtype float64/float32). */
  floatFields: ReadonlySet<string>;
}

const FLOAT_DTYPES = new Set(['float64', 'float32']);

function pair(name: BlueskyName, doc: Record<string, unknown>, floats: FloatPath = () => false): BlueskyPair {
  return { name, doc, json: floatJson(doc, floats) };
}

/** A serializer for one run (see the module comment). */
export function createEventModelSerializer(options: EventModelOptions = {}): EventModelSerializer {
  let runStart = '';
  let file: string | undefined;
  const streams = new Map<string, StreamState>();
  const descriptors = new Map<string, DescriptorState>();

  const start = (doc: RunStart): BlueskyPair[] => {
    runStart = doc.uid;
    file = options.runFile?.(doc, doc.uid);
    return [pair('start', startDoc(doc), startStopFloats)];
  };

  const descriptor = (doc: EventDescriptor): BlueskyPair[] => {
    const pairs: BlueskyPair[] = [];
    let stream = streams.get(doc.name);
    if (stream === undefined) {
      stream = { resources: new Map(), datums: new Map(), dropped: new Set() };
      streams.set(doc.name, stream);
    }
    const floatFields = new Set(Object.entries(doc.dataKeys).filter(([, k]) => FLOAT_DTYPES.has(k.dtype)).map(([f]) => f));
    descriptors.set(doc.uid, { stream, floatFields });
    const dataKeys: Record<string, unknown> = {};
    const kept: Record<string, DataKey> = {};
    for (const [field, key] of Object.entries(doc.dataKeys)) {
      const external = isExternalKey(key);
      if (external && file === undefined) {
        stream.dropped.add(field);
        continue;
      }
      kept[field] = key;
      dataKeys[field] = blueskyDataKey(key, external);
      if (external && !stream.resources.has(field)) {
        const uid = randomUUID();
        stream.resources.set(field, uid);
        stream.datums.set(field, 0);
        pairs.push(pair('stream_resource', streamResource(uid, runStart, field, fileUri(file as string), doc.name, key)));
      }
    }
    const objectKeys = doc.objectKeys === undefined ? objectKeysOf(kept) : filterObjectKeys(doc.objectKeys, kept);
    const body: Record<string, unknown> = {
      uid: doc.uid,
      run_start: doc.runStart,
      name: doc.name,
      time: doc.timeS,
      data_keys: dataKeys,
      object_keys: objectKeys,
      configuration: blueskyConfiguration(doc.configuration ?? {}),
      hints: doc.hints ?? hintsOf(Object.fromEntries(Object.entries(kept).filter(([, k]) => !isExternalKey(k)))),
    };
    // The descriptor comes first: stream_resource documents follow it, as bluesky emits them.
    const floatConfig = new Set<string>();
    for (const [device, c] of Object.entries(doc.configuration ?? {})) {
      for (const [k, key] of Object.entries(c.dataKeys)) if (FLOAT_DTYPES.has(key.dtype)) floatConfig.add(`${device}/${k}`);
    }
    return [pair('descriptor', body, descriptorFloats(floatConfig)), ...pairs];
  };

  const event = (doc: RunEvent): BlueskyPair[] => {
    const described = descriptors.get(doc.descriptor);
    const stream = described?.stream;
    const pairs: BlueskyPair[] = [];
    const data: Record<string, unknown> = {};
    const timestamps: Record<string, number> = {};
    for (const [field, value] of Object.entries(doc.data)) {
      if (stream?.dropped.has(field)) continue;
      const resource = stream?.resources.get(field);
      if (resource !== undefined && stream !== undefined) {
        const n = stream.datums.get(field) ?? 0;
        stream.datums.set(field, n + 1);
        // Row seq_num - 1 of /entry/data/<stream>/<field> holds this event's value.
        pairs.push(
          pair('stream_datum', { uid: `${resource}/${n}`, stream_resource: resource, descriptor: doc.descriptor, seq_nums: { start: doc.seqNum, stop: doc.seqNum + 1 }, indices: { start: doc.seqNum - 1, stop: doc.seqNum } }),
        );
        continue;
      }
      data[field] = plainValue(value);
      timestamps[field] = doc.timestamps[field] ?? doc.timeS;
    }
    const body = { uid: doc.uid, time: doc.timeS, seq_num: doc.seqNum, descriptor: doc.descriptor, data, timestamps, filled: {} };
    // An event of no known descriptor has no float fields, not even its time (as pair's default).
    pairs.push(described === undefined ? pair('event', body) : { name: 'event', doc: body, json: eventJson(body, described.floatFields) });
    return pairs;
  };

  const stop = (doc: RunStop): BlueskyPair[] => [
    pair('stop', { uid: doc.uid, run_start: doc.runStart, time: doc.timeS, exit_status: doc.exitStatus, reason: doc.reason, num_events: { ...doc.numEvents } }, startStopFloats),
  ];

  return {
    plainEventFloats(event) {
      const described = descriptors.get(event.descriptor);
      if (described === undefined || described.stream.dropped.size > 0 || described.stream.resources.size > 0) return undefined;
      return described.floatFields;
    },
    toBluesky(document) {
      switch (document.kind) {
        case 'start':
          return start(document);
        case 'descriptor':
          return descriptor(document);
        case 'event':
          return event(document);
        case 'stop':
          return stop(document);
      }
    },
  };
}

/** The start document: Bluesky's keys, the script's name and hash, params, and user metadata at the top. */
function startDoc(doc: RunStart): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const leftOver: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc.metadata)) {
    if (PLAIN_KEY.test(key) && !RESERVED.has(key) && (!STRING_KEYS.has(key) || typeof value === 'string')) body[key] = value;
    else leftOver[key] = value;
  }
  Object.assign(body, {
    uid: doc.uid,
    time: doc.timeS,
    plan_name: doc.planName ?? doc.scriptName,
    plan_type: doc.planType ?? 'script',
    script_name: doc.scriptName,
    script_sha256: doc.scriptSha256,
    lab: doc.lab,
    params: { ...doc.params },
  });
  if (doc.scanId !== undefined) body['scan_id'] = doc.scanId;
  if (doc.hints !== undefined) body['hints'] = doc.hints;
  if (doc.motors !== undefined) body['motors'] = [...doc.motors];
  if (doc.detectors !== undefined) body['detectors'] = [...doc.detectors];
  if (Object.keys(leftOver).length > 0) body['metadata'] = leftOver;
  return body;
}

/**
 * `file://localhost/abs/path`: what tiled's `path_from_uri` turns back into the path (it does
 * not percent-decode, so the path goes in as it is).
 */
export function fileUri(path: string): string {
  return `file://localhost${path}`;
}

function streamResource(uid: string, runStart: string, field: string, uri: string, stream: string, key: DataKey): Record<string, unknown> {
  return {
    uid,
    run_start: runStart,
    data_key: field,
    mimetype: 'application/x-hdf5',
    uri,
    // One row per event: the consolidator stacks rows of shape `key.shape` into (N, ...shape).
    parameters: { dataset: `/entry/data/${stream}/${field}`, chunk_shape: [1, ...key.shape], join_method: 'stack', swmr: true },
  };
}

function filterObjectKeys(objectKeys: Record<string, string[]>, kept: Record<string, DataKey>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(objectKeys).map(([device, fields]) => [device, fields.filter((f) => f in kept)]));
}

/** An event value as JSON: numbers, strings, booleans and arrays as they are. */
function plainValue(value: EventValue): unknown {
  if (isFrame(value)) return Array.from(value.data);
  if (Array.isArray(value)) return [...(value as number[])];
  return value;
}
