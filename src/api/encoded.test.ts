import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../core/index.js';
import { createEventModelSerializer, type DataKey } from '../engine/index.js';
import { RunRecorder } from '../engine/run/recorder.js';
import { DocumentLog, MEMORY_WINDOW } from './document-log.js';
import { encodeEngineEvent, encodeNumericEvent, encodeRunDocument, encodingOf, wrapEncoded } from './encoded.js';
import { toRunDocument } from './convert.js';
import { StreamRunDocumentsResponseSchema } from './gen/daq/v1/control_pb.js';
import { RunDocumentSchema } from './gen/daq/v1/documents_pb.js';

const dir = mkdtempSync(join(tmpdir(), 'daq-encoded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run documents encoded once', () => {
  it('every document a follower gets, from memory or from the spill file, carries exactly the bytes protobuf-es would make, and so does the response around it', async () => {
    const log = new DocumentLog(50, {}, join(dir, 'documents'));
    const recorder = new RunRecorder({ scriptName: 'long.js', scriptSource: '', params: {}, metadata: {}, lab: 'test' }, new VirtualClock());
    recorder.onDocument((document) => log.add({ runUid: recorder.uid, document }));
    recorder.open();
    const total = 2 * MEMORY_WINDOW + 100;
    // Some documents large enough for a 2- and a 3-byte length prefix.
    // Events with a text (the two-step path) and events of numbers only (written in one pass, encodeNumericEvent).
    for (let i = 0; i < total; i++) {
      if (i % 2 === 0) recorder.record('scan', { x: i, label: i % 1000 === 8 ? 'y'.repeat(i % 2000 === 8 ? 300 : 20_000) : `p${i}` });
      else recorder.record('numbers', { x: i, y: i / 3, z: -i });
    }
    let checked = 0;
    const follower = log.follow(recorder.uid, 0, new AbortController().signal);
    for await (const logged of follower) {
      const document = logged.document;
      const bytes = encodingOf(document);
      expect(bytes).toBe(logged.bytes);
      expect(bytes).toBeDefined();
      if (document.index === 0 || document.index! % 97 === 0 || document.index! % 1000 === 9) {
        expect(bytes).toEqual(toBinary(RunDocumentSchema, create(RunDocumentSchema, document)));
        expect(wrapEncoded(1, bytes!)).toEqual(toBinary(StreamRunDocumentsResponseSchema, create(StreamRunDocumentsResponseSchema, { document, dropped: 0 })));
        // What every gRPC follower is sent: the same response bytes, made once.
        expect(logged.response).toEqual(toBinary(StreamRunDocumentsResponseSchema, create(StreamRunDocumentsResponseSchema, { document, dropped: 0 })));
        expect(logged.response).toBe(logged.response);
        // The response message every follower is given: one object, carrying those bytes, and
        // (for Connect, which encodes the message itself) the same bytes when encoded again.
        expect(logged.message).toBe(logged.message);
        expect(encodingOf(logged.message)).toBe(logged.response);
        expect(toBinary(StreamRunDocumentsResponseSchema, create(StreamRunDocumentsResponseSchema, logged.message))).toEqual(logged.response);
        checked++;
      }
      if (document.index === total - 1) recorder.close('success'); // the run is still going while the early documents come from the file
    }
    expect(checked).toBeGreaterThan(80);
  });

  it('an event encoded by hand has the bytes protobuf-es makes, for every kind of value and edge of the wire format', () => {
    let seed = 12345;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)] as T;
    const numbers = [0, -0, 1, -1, 0.1, 1e300, -1e-300, NaN, Infinity, -Infinity, 2 ** 53, 79.99];
    const texts = ['', 'a', 'µ-meter', '日本', '\u{1F600} emoji', 'x'.repeat(200), 'y'.repeat(20_000), 'lone \uD800 surrogate', `${'µ'.repeat(70)} lone \uDC00 ${'日本\u{1F600}'.repeat(40)}`];
    const value = (): unknown => pick([() => pick(numbers), () => pick(texts), () => random() < 0.5, () => Array.from({ length: Math.floor(random() * 4) * 40 }, () => pick(numbers))])();
    for (let i = 0; i < 400; i++) {
      const fields = Math.floor(random() * 5);
      const data: Record<string, unknown> = {};
      const timestamps: Record<string, number> = {};
      for (let f = 0; f < fields; f++) {
        const key = pick(['x', 'power_meter', '', '2', '10', 'ü', `k${f}`]);
        data[key] = value();
        timestamps[key] = pick(numbers);
      }
      const event = { kind: 'event' as const, uid: pick(['', 'u-1']), descriptor: 'd', stream: pick(['primary', '']), seqNum: pick([0, 1, 127, 128, 16_384, 2 ** 32 - 1]), timeS: pick(numbers), data: data as never, timestamps };
      const document = toRunDocument(pick(['', 'run-1']), pick([0, 1, 300, 2 ** 31]), event, { name: 'event', doc: {}, json: pick(texts) });
      expect(encodeRunDocument(document)).toEqual(toBinary(RunDocumentSchema, create(RunDocumentSchema, document)));
    }
  });

  it("an engine event written straight to bytes has the bytes of its message, and frames are left to protobuf-es", () => {
    let seed = 777;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const numbers = [0, -0, 1, -1, 0.1, 1e300, NaN, Infinity, 2 ** 53, 79.99];
    const frame = { width: 2, height: 1, dtype: 'uint16', data: new Uint16Array([1, 2]), frameNumber: 3, timestampS: 4, exposureS: 0.1 };
    const value = (): unknown =>
      pick([() => pick(numbers), () => pick(['', 'µ', 'x'.repeat(300)]), () => random() < 0.5, () => Array.from({ length: Math.floor(random() * 3) * 20 }, () => pick(numbers)), () => null, () => ({ a: 1 }), () => frame])();
    let frames = 0;
    for (let i = 0; i < 400; i++) {
      const data: Record<string, unknown> = {};
      const timestamps: Record<string, number> = {};
      for (let f = Math.floor(random() * 5); f > 0; f--) {
        const key = pick(['x', '', '2', '10', 'ü', `k${f}`]);
        data[key] = value();
        timestamps[key] = pick(numbers);
      }
      const event = { kind: 'event' as const, uid: pick(['', 'u-1']), descriptor: pick(['', 'd']), stream: pick(['primary', '']), seqNum: pick([0, 1, 128, 2 ** 32 - 1, 2 ** 32]), timeS: pick(numbers), data: data as never, timestamps };
      const [runUid, index, name, json] = [pick(['', 'run-1']), pick([0, 1, 300, 2 ** 31, 2 ** 32]), pick(['event', '']), pick(['', '{"uid":"u-1"}', 'y'.repeat(20_000), `{"label":"${'µ'.repeat(70)}\uD800"}`])];
      const bytes = encodeEngineEvent(runUid, index, event, name, json);
      if (Object.values(data).includes(frame) || index >= 2 ** 32 || event.seqNum >= 2 ** 32) {
        expect(bytes).toBeUndefined();
        frames++;
        continue;
      }
      expect(bytes).toEqual(toBinary(RunDocumentSchema, create(RunDocumentSchema, toRunDocument(runUid, index, event, { name: name as 'event', doc: {}, json }))));
    }
    expect(frames).toBeGreaterThan(20);
  });

  it('an event of numbers written in one pass with its Bluesky JSON has the bytes of the two-step path, JSON included', () => {
    let seed = 4242;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const numbers = [0, -0, 1, -1, 0.1, 250, 1e21, 1e-7, 2.5e-300, 1e300, NaN, Infinity, -Infinity, 2 ** 53, 79.99, 1_767_225_600.050001];
    const keys = ['x', 'power_meter', '', '2', '10', 'ü', 'say "hi"', 'tab\t', '\u{1F600}'];
    const serializer = createEventModelSerializer();
    serializer.toBluesky({ kind: 'start', uid: 'run-1', timeS: 1, scriptName: 's.js', scriptSource: '', scriptSha256: '', params: {}, metadata: {}, lab: 'test' });
    const key = (dtype: DataKey['dtype']): DataKey => ({ dtype, shape: [], units: '', source: 'dev' });
    // One descriptor whose fields are floats, one whose fields are integers, one with some of each.
    const dataKeys = Object.fromEntries(keys.map((k, i) => [k, key(i % 2 === 0 ? 'float64' : 'int32')]));
    for (const [uid, dtype] of [['d-float', 'float64'], ['d-int', 'int32'], ['d-mixed', undefined]] as const) {
      serializer.toBluesky({ kind: 'descriptor', uid, runStart: 'run-1', name: uid, timeS: 1, dataKeys: dtype === undefined ? dataKeys : Object.fromEntries(keys.map((k) => [k, key(dtype)])) });
    }
    let fast = 0;
    for (let i = 0; i < 600; i++) {
      const timeS = pick(numbers);
      const data: Record<string, unknown> = {};
      const timestamps: Record<string, number> = {};
      for (let f = Math.floor(random() * 5); f > 0; f--) {
        const k = pick(keys);
        data[k] = random() < 0.05 ? pick(['text', true, [1, 2], undefined]) : pick(numbers);
        // The event's own time, another, or none (the JSON then says the event's time); sometimes one of a field not in data.
        const t = random();
        if (t < 0.5) timestamps[k] = timeS;
        else if (t < 0.8) timestamps[k] = pick(numbers);
        if (random() < 0.1) timestamps[pick(keys)] = pick(numbers);
      }
      const event = { kind: 'event' as const, uid: pick(['', 'u-1', 'ü"']), descriptor: pick(['d-float', 'd-int', 'd-mixed']), stream: pick(['primary', '']), seqNum: pick([0, 1, 128, 2 ** 32 - 1, 2 ** 32]), timeS, data: data as never, timestamps };
      const [runUid, index] = [pick(['', 'run-1']), pick([0, 1, 300, 2 ** 32])];
      const floats = serializer.plainEventFloats(event);
      expect(floats).toBeDefined();
      const bytes = encodeNumericEvent(runUid, index, event, floats!);
      const numeric = Object.values(data).every((v) => typeof v === 'number');
      if (!numeric || index >= 2 ** 32 || event.seqNum >= 2 ** 32) {
        expect(bytes).toBeUndefined();
        continue;
      }
      const [pair] = serializer.toBluesky(event);
      expect(bytes).toEqual(encodeEngineEvent(runUid, index, event, 'event', pair!.json));
      fast++;
    }
    expect(fast).toBeGreaterThan(300);
  });

  it('an event of a stream with fields kept only in the file is left to the serializer', () => {
    const serializer = createEventModelSerializer();
    serializer.toBluesky({ kind: 'start', uid: 'run-1', timeS: 1, scriptName: 's.js', scriptSource: '', scriptSha256: '', params: {}, metadata: {}, lab: 'test' });
    serializer.toBluesky({ kind: 'descriptor', uid: 'd', runStart: 'run-1', name: 'primary', timeS: 1, dataKeys: { x: { dtype: 'float64', shape: [], units: '', source: 'm' }, image: { dtype: 'uint16', shape: [2, 2], units: '', source: 'cam' } } });
    expect(serializer.plainEventFloats({ kind: 'event', uid: 'e', descriptor: 'd', stream: 'primary', seqNum: 1, timeS: 1, data: { x: 1 }, timestamps: {} })).toBeUndefined();
    expect(serializer.plainEventFloats({ kind: 'event', uid: 'e', descriptor: 'unknown', stream: 'primary', seqNum: 1, timeS: 1, data: { x: 1 }, timestamps: {} })).toBeUndefined();
  });
});
