import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../core/index.js';
import { RunRecorder } from '../engine/run/recorder.js';
import { BATCH_BYTES, BATCH_DOCUMENTS, BatchBuilder, type DocumentBatch } from './document-batch.js';
import { DocumentLog, MEMORY_WINDOW } from './document-log.js';
import { encodingOf } from './encoded.js';
import { StreamRunDocumentsResponseSchema } from './gen/daq/v1/control_pb.js';

const dir = mkdtempSync(join(tmpdir(), 'daq-batch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Byte for byte (toEqual compares a MB of bytes one by one, slowly). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

function recorderOf(log: DocumentLog): RunRecorder {
  const recorder = new RunRecorder({ scriptName: 'long.js', scriptSource: '', params: {}, metadata: {}, lab: 'test' }, new VirtualClock());
  recorder.onDocument((document) => log.add({ runUid: recorder.uid, document }));
  recorder.open();
  return recorder;
}

describe('run documents in batches', () => {
  it('a follower behind by thousands of documents (in the spill file and in memory) gets every one in order, in bounded batches whose bytes are those protobuf-es makes', async () => {
    const log = new DocumentLog(50, {}, join(dir, 'behind'));
    const recorder = recorderOf(log);
    const total = 5 * MEMORY_WINDOW + 3;
    // Numbers (encoded in one pass), texts (the two-step path), and a stretch with documents of 60 KB (batches of fewer documents: their bytes bound them).
    for (let i = 0; i < total; i++) {
      if (i % 2 === 0) recorder.record('scan', { x: i, label: i > 10_000 && i < 12_000 && i % 10 === 2 ? 'z'.repeat(60_000) : `p${i}` });
      else recorder.record('numbers', { x: i, y: i / 3 });
    }
    const batched: Uint8Array[] = [];
    const sizes: number[] = [];
    let checked = 0;
    let closed = false;
    let boundedByBytes = 0;
    // Half the run from memory and the file while it runs, the rest after its stop (all from the file).
    for await (const batch of log.followBatches(recorder.uid, 0, new AbortController().signal)) {
      const bytes = encodingOf(batch);
      expect(bytes).toBeDefined();
      const decoded = fromBinary(StreamRunDocumentsResponseSchema, bytes!);
      expect(decoded.document).toBeUndefined();
      expect(decoded.dropped).toBe(0);
      expect(decoded.documents).toHaveLength(batch.length);
      let size = 0;
      for (const d of batch.documents) {
        const own = encodingOf(d)!;
        batched.push(own.slice());
        size += own.length;
      }
      sizes.push(batch.length);
      expect(batch.length).toBeLessThanOrEqual(BATCH_DOCUMENTS);
      if (batch.length > 1) expect(size).toBeLessThanOrEqual(BATCH_BYTES);
      if (size > BATCH_BYTES - 70_000) boundedByBytes++;
      if (checked++ % 7 === 0) {
        // Connect encodes the message itself: the same bytes.
        expect(same(toBinary(StreamRunDocumentsResponseSchema, create(StreamRunDocumentsResponseSchema, batch)), bytes!)).toBe(true);
        expect(same(toBinary(StreamRunDocumentsResponseSchema, create(StreamRunDocumentsResponseSchema, { documents: decoded.documents })), bytes!)).toBe(true);
      }
      if (batched.length >= total / 2 && !closed) {
        recorder.close('success');
        closed = true;
      }
    }
    const single: Uint8Array[] = [];
    for await (const logged of log.follow(recorder.uid, 0, new AbortController().signal)) single.push(logged.bytes.slice());
    expect(batched).toHaveLength(single.length);
    expect(single.every((bytes, i) => same(bytes, batched[i]!))).toBe(true);
    expect(Math.max(...sizes)).toBe(BATCH_DOCUMENTS);
    expect(boundedByBytes).toBeGreaterThan(0);
    expect(sizes.length).toBeLessThan(single.length / 50);
  });

  it('a follower that keeps up gets batches of one, live, and one that starts in the middle gets the rest', async () => {
    const log = new DocumentLog(50, {});
    const recorder = recorderOf(log);
    const follower = log.followBatches(recorder.uid, 0, new AbortController().signal);
    const sizes: number[] = [];
    const indices: number[] = [];
    const reading = (async () => {
      for await (const batch of follower) {
        sizes.push(batch.length);
        for (const d of batch.documents) indices.push(d.index ?? -1);
      }
    })();
    for (let i = 0; i < 20; i++) {
      recorder.record('scan', { x: i });
      await new Promise((resolve) => setImmediate(resolve));
    }
    recorder.close('success');
    await reading;
    expect(indices).toEqual(indices.map((_, i) => i));
    expect(sizes.filter((n) => n === 1).length).toBeGreaterThanOrEqual(20);
    const rest: number[] = [];
    for await (const batch of log.followBatches(recorder.uid, 7, new AbortController().signal)) for (const d of batch.documents) rest.push(d.index ?? -1);
    expect(rest).toEqual(indices.slice(7));
  });

  it('documents appended in one turn of the event loop (a plan between its turns) reach a follower that keeps up in one batch, not one each', async () => {
    const log = new DocumentLog(50, {});
    const recorder = recorderOf(log);
    const sizes: number[] = [];
    const indices: number[] = [];
    const reading = (async () => {
      for await (const batch of log.followBatches(recorder.uid, 0, new AbortController().signal)) {
        sizes.push(batch.length);
        for (const d of batch.documents) indices.push(d.index ?? -1);
      }
    })();
    await new Promise((resolve) => setImmediate(resolve)); // the follower has the start document and waits
    const before = sizes.length;
    // 300 points, each after an await (as a plan's point awaits its device calls), in one turn.
    for (let i = 0; i < 300; i++) {
      recorder.record('scan', { x: i });
      await Promise.resolve();
    }
    await new Promise((resolve) => setImmediate(resolve));
    const during = sizes.slice(before);
    expect(during.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(300); // the events (and their descriptor)
    expect(during.length).toBeLessThanOrEqual(2); // BATCH_DOCUMENTS a batch at most
    recorder.close('success');
    await reading;
    expect(indices).toEqual(indices.map((_, i) => i));
  });

  it('a batch is at most BATCH_BYTES of documents, or one larger document alone', () => {
    const builder = new BatchBuilder();
    const made: DocumentBatch[] = [];
    const add = (n: number): void => {
      const full = builder.add(new Uint8Array(n));
      if (full !== undefined) made.push(full);
    };
    add(BATCH_BYTES - 10);
    add(20); // does not fit: the first batch is complete
    add(2 * BATCH_BYTES); // larger than a batch: alone
    add(5);
    const last = builder.take();
    if (last !== undefined) made.push(last);
    expect(made.map((b) => b.length)).toEqual([1, 1, 1, 1]);
    expect(builder.take()).toBeUndefined();
  });
});
