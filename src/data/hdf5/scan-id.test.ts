import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunStart, RunEngine } from '../../engine/index.js';
import { engineFor, runScript } from '../../engine/run/run-engine.fixture.js';
import { createDocumentSink } from '../ring/document-sink.js';
import { ringDirectory } from '../ring/ring.fixture.js';
import { RingWriter } from '../ring/writer.js';
import { Catalog } from './catalog.js';
import { RunStorage } from './run-storage.js';

const ring = ringDirectory();
const dir = mkdtempSync(join(tmpdir(), 'ts-daq-scan-id-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `count` scripts against a data directory the way the daemon does, and returns their scan ids. */
async function runsIn(dataDir: string, count: number, ringName: string): Promise<number[]> {
  const { lab, clock } = await engineFor();
  const storage = await RunStorage.open({ dataDir, log: () => undefined });
  const engine = new RunEngine(lab, clock, { nextScanId: () => storage.nextScanId() });
  const writer = RingWriter.create({ path: ring(ringName), capacityBytes: 4 << 20 });
  createDocumentSink(writer, { clock }).attach(engine);
  storage.follow(writer.path);
  storage.attach(engine, lab);
  const ids: number[] = [];
  engine.onDocument(({ document }) => document.kind === 'start' && ids.push((document as RunStart).scanId ?? -1));
  try {
    for (let i = 0; i < count; i++) expect((await runScript(engine, `record('s', { i: ${i} });`)).stop.exitStatus).toBe('success');
  } finally {
    await storage.close();
    writer.close();
    await lab.disconnect();
  }
  return ids;
}

describe('scan_id per data directory', () => {
  it('counts 1, 2, 3 across runs, goes on after a restart, and is kept in the catalog', { timeout: 120_000 }, async () => {
    const dataDir = join(dir, 'data');
    expect(await runsIn(dataDir, 2, 'first')).toEqual([1, 2]);
    expect(await runsIn(dataDir, 1, 'second')).toEqual([3]); // a new storage (a restarted daemon) reads the catalog
    const catalog = Catalog.read(join(dataDir, 'catalog.jsonl'));
    expect(catalog.list().map((e) => e.start.scanId)).toEqual([1, 2, 3]);
    expect(catalog.highestScanId()).toBe(3);
    expect(await runsIn(join(dir, 'other'), 1, 'third')).toEqual([1]); // another data directory counts on its own
  });

  it('without storage an engine counts from 1 on its own', async () => {
    const { engine, documents, lab } = await engineFor();
    await runScript(engine, `record('s', { i: 1 });`);
    await runScript(engine, `record('s', { i: 2 });`);
    expect(documents.filter((d): d is RunStart => d.kind === 'start').map((d) => d.scanId)).toEqual([1, 2]);
    await lab.disconnect();
  });
});
