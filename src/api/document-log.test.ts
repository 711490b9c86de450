import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../core/index.js';
import { RunRecorder } from '../engine/run/recorder.js';
import { DocumentLog, MEMORY_WINDOW } from './document-log.js';
import type { RunDocumentInit } from './convert.js';
import { encodingOf } from './encoded.js';
import type { RunEvent } from '../engine/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function spillDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'daq-docs-'));
  dirs.push(dir);
  return join(dir, 'documents');
}

/** A run of `events` events recorded into `log`; returns its uid. */
function recordRun(log: DocumentLog, events: number, during?: (i: number) => void, also?: DocumentLog): string {
  const recorder = new RunRecorder({ scriptName: 'long.js', scriptSource: '', params: {}, metadata: {}, lab: 'test' }, new VirtualClock());
  recorder.onDocument((document) => log.add({ runUid: recorder.uid, document }));
  if (also !== undefined) recorder.onDocument((document) => also.add({ runUid: recorder.uid, document }));
  recorder.open();
  for (let i = 0; i < events; i++) {
    recorder.record('scan', { x: i, label: `p${i}` });
    during?.(i);
  }
  recorder.close('success');
  return recorder.uid;
}

async function all(log: DocumentLog, uid: string, from = 0): Promise<RunDocumentInit[]> {
  const out: RunDocumentInit[] = [];
  for await (const logged of log.follow(uid, from, new AbortController().signal)) out.push(logged.document);
  return out;
}

function memoryOf(log: DocumentLog, uid: string): number {
  return ((log as unknown as { runs: Map<string, { documents: unknown[] }> }).runs.get(uid)?.documents.length) ?? -1;
}

describe('the document log with a spill directory', () => {
  it('keeps memory flat during a long run, and a follower that comes after the end still gets every document in order', async () => {
    const dir = spillDir();
    const log = new DocumentLog(50, {}, dir);
    let peak = 0;
    const only = (): string => [...(log as unknown as { runs: Map<string, unknown> }).runs.keys()][0] ?? '';

    const events = 5 * MEMORY_WINDOW + 123;
    const inMemory = new DocumentLog(50, {}); // no spill: every document in memory, as before
    const uid = recordRun(log, events, () => (peak = Math.max(peak, memoryOf(log, only()))), inMemory);
    expect(peak).toBeLessThanOrEqual(2 * MEMORY_WINDOW);
    expect(memoryOf(log, uid)).toBe(0); // a finished run is read from its file
    const late = await all(log, uid);
    expect(late.map((d) => d.index)).toEqual(late.map((_, i) => i));
    const events_ = late.filter((d) => (d.document as { case?: string } | undefined)?.case === 'event');
    expect(events_).toHaveLength(events);
    expect((late.at(-1)?.document as { case?: string } | undefined)?.case).toBe('stop');
    expect(late.map((d) => d.json)).toEqual((await all(inMemory, uid)).map((d) => d.json));
    // a follower may start anywhere, and reads the same documents
    const middle = await all(log, uid, 3 * MEMORY_WINDOW + 7);
    expect(middle.map((d) => d.index)).toEqual(late.slice(3 * MEMORY_WINDOW + 7).map((d) => d.index));
    expect(middle[0]?.json).toBe(late[3 * MEMORY_WINDOW + 7]?.json);
  });

  it('a follower that starts behind the memory window of a running run gets every document in order, live to the stop', async () => {
    const log = new DocumentLog(50, {}, spillDir());
    const recorder = new RunRecorder({ scriptName: 'long.js', scriptSource: '', params: {}, metadata: {}, lab: 'test' }, new VirtualClock());
    recorder.onDocument((document) => log.add({ runUid: recorder.uid, document }));
    recorder.open();
    const total = 8 * MEMORY_WINDOW + 5;
    let recorded = 0;
    const record = (n: number): void => {
      for (const end = Math.min(total, recorded + n); recorded < end; ) recorder.record('scan', { x: recorded++ });
      if (recorded === total) recorder.close('success');
    };
    record(3 * MEMORY_WINDOW); // the first documents are only in the file now
    expect(memoryOf(log, recorder.uid)).toBeLessThanOrEqual(2 * MEMORY_WINDOW);
    const indices: number[] = [];
    const seqNums: number[] = [];
    for await (const { document } of log.follow(recorder.uid, 0, new AbortController().signal)) {
      indices.push(document.index ?? -1);
      if (document.document?.case === 'event') seqNums.push(document.document.value.seqNum ?? -1);
      // The run goes on faster than the follower reads (the window moves on while it reads the
      // file), and never lets it catch up before the stop (it would wait for more).
      if (recorded < total && (indices.length % 1000 === 0 || indices.length >= recorded)) record(1500);
    }
    expect(indices).toEqual(indices.map((_, i) => i));
    expect(seqNums).toEqual(seqNums.map((_, i) => i + 1));
    expect(seqNums).toHaveLength(total);
  });

  it('an event of numbers kept in the compact form reaches every follower as the exact bytes the event itself makes, from memory and from the file, whatever its shape', async () => {
    const compact = new DocumentLog(50, {}, spillDir());
    const eager = new DocumentLog(50, {}); // no spill file: every event encoded as it comes
    const recorder = new RunRecorder({ scriptName: 'shapes.js', scriptSource: '', params: {}, metadata: {}, lab: 'test' }, new VirtualClock());
    const uid = recorder.uid;
    let first: RunEvent | undefined;
    recorder.onDocument((document) => {
      compact.add({ runUid: uid, document });
      eager.add({ runUid: uid, document });
      if (document.kind === 'event') first ??= document;
    });
    recorder.open();
    recorder.record('numbers', { x: 1, y: 2.5, z: -3 });
    const base = first as RunEvent;
    const add = (change: (event: RunEvent, i: number) => void, count: number): void => {
      for (let i = 0; i < count; i++) {
        const event: RunEvent = { ...base, uid: `e-${i}-${Math.random()}`, seqNum: base.seqNum + i + 1, timeS: base.timeS + i * 0.001, data: { x: i, y: i / 7, z: -i }, timestamps: {} };
        for (const key of Object.keys(event.data)) event.timestamps[key] = event.timeS;
        change(event, i);
        compact.add({ runUid: uid, document: event });
        eager.add({ runUid: uid, document: event });
      }
    };
    const shapes: ((event: RunEvent, i: number) => void)[] = [
      () => {}, // every timestamp the event's time
      (e, i) => (e.timestamps.y = e.timeS - 0.5 - i), // a timestamp of its own
      (e) => (e.data = { z: -1, y: 2, x: 3 }), // the keys in another order
      (e) => delete e.data.z, // a key missing
      (e) => ((e.data.w = 1), (e.timestamps.w = e.timeS)), // a key more
      (e) => (e.data = { x: NaN, y: -0, z: Infinity }),
      (e) => (e.data.y = -Number.MAX_VALUE),
      (e) => (e.data.x = 'text'), // not a number
      (e) => delete e.timestamps.x, // a timestamp missing
      (e) => (e.timestamps = { z: e.timeS, y: e.timeS, x: e.timeS }), // timestamps in another order
      (e) => (e.uid = `é-${e.uid}`), // a uid that is not ASCII
      (e) => (e.uid = 'u'.repeat(300)), // a uid too long for the compact form
    ];
    // Each shape several times, interleaved, past twice the memory window.
    for (let round = 0; round < 700; round++) for (const shape of shapes) add(shape, 1 + (round % 2));
    const entries = (compact as unknown as { runs: Map<string, { documents: unknown[] }> }).runs.get(uid)?.documents ?? [];
    expect(entries.some((entry) => typeof entry === 'number')).toBe(true); // some are kept compact
    expect(entries.some((entry) => typeof entry !== 'number')).toBe(true); // others encoded as they came
    // Each document's bytes as hex (one string compare each: quicker than comparing arrays).
    const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
    const bytes = async (log: DocumentLog, until = Infinity): Promise<string[]> => {
      const out: string[] = [];
      for await (const logged of log.follow(uid, 0, new AbortController().signal)) if (out.push(hex(logged.bytes)) >= until) break;
      return out;
    };
    const sofar = (compact as unknown as { runs: Map<string, { length: number }> }).runs.get(uid)?.length ?? 0;
    const running = await bytes(compact, sofar); // a run in progress: from the file, then from memory
    recorder.close('success');
    const expected = await bytes(eager);
    expect(running.length).toBeGreaterThan(2 * MEMORY_WINDOW);
    expect(running).toEqual(expected.slice(0, running.length));
    expect(await bytes(compact)).toEqual(expected); // a finished run: all from the file
    const batched: string[] = [];
    for await (const batch of compact.followBatches(uid, 0, new AbortController().signal)) for (const document of batch.documents) batched.push(hex(encodingOf(document) as Uint8Array));
    expect(batched).toEqual(expected);
  });

  it('makes each compact event read back from the file into its document once for followers reading together, and keeps none of them after', async () => {
    const log = new DocumentLog(50, {}, spillDir());
    const recorder = new RunRecorder({ scriptName: 'numbers.js', scriptSource: '', params: {}, metadata: {}, lab: 'test' }, new VirtualClock());
    const uid = recorder.uid;
    recorder.onDocument((document) => log.add({ runUid: uid, document }));
    recorder.open();
    for (let i = 0; i < 3 * MEMORY_WINDOW; i++) recorder.record('scan', { x: i, y: i / 3 });
    recorder.close('success');
    const run = (log as unknown as { runs: Map<string, { expand: (record: Uint8Array, index: number) => Uint8Array; expanded: Map<number, Uint8Array> }> }).runs.get(uid);
    if (run === undefined) throw new Error('no run');
    let made = 0;
    const expand = run.expand.bind(run);
    run.expand = (record, index) => {
      made++;
      return expand(record, index);
    };
    // Two followers from the start of the finished run (all in the file), reading in turns.
    const a = log.follow(uid, 0, new AbortController().signal);
    const b = log.follow(uid, 0, new AbortController().signal);
    let read = 0;
    for (;;) {
      const [x, y] = [await a.next(), await b.next()];
      if (x.done === true || y.done === true) break;
      if (Buffer.compare(x.value.bytes, y.value.bytes) !== 0) throw new Error(`document ${read}: the two followers got different bytes`);
      read++;
    }
    expect(read).toBe(3 * MEMORY_WINDOW + 3); // start, descriptor, events, stop
    expect(made).toBe(3 * MEMORY_WINDOW); // each event once, not once per follower
    expect(run.expanded.size).toBe(0); // the last follower done: nothing kept
  });

  it("removes a run's file when the run leaves the log, and the files an earlier daemon left", async () => {
    const dir = spillDir();
    new DocumentLog(50, {}, dir);
    writeFileSync(join(dir, 'old-run.docs'), 'left by a daemon that died');
    const log = new DocumentLog(2, {}, dir);
    expect(existsSync(join(dir, 'old-run.docs'))).toBe(false);
    const first = recordRun(log, 10);
    recordRun(log, 10);
    recordRun(log, 10);
    expect(readdirSync(dir)).toHaveLength(2);
    expect(readdirSync(dir)).not.toContain(`${first}.docs`);
    await expect(all(log, first)).rejects.toThrow(/no documents of run/);
  });
});
