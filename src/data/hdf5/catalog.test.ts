import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Catalog, type CatalogEntry } from './catalog.js';

const dir = mkdtempSync(join(tmpdir(), 'ts-daq-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function entry(uid: string, change: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    uid,
    scriptName: 'scan.js',
    lab: 'lab',
    startTimeS: 1000,
    numEvents: {},
    file: `/data/runs/${uid}.h5`,
    fileSizeBytes: 0,
    eventsLost: 0,
    storageError: '',
    fileFinished: false,
    start: { uid, scriptName: 'scan.js', scriptSource: '', scriptSha256: '', params: {}, metadata: {}, lab: 'lab', startTimeS: 1000, instrument: [] },
    ...change,
  };
}

describe('the run catalog', () => {
  it('survives a restart: the last line of a run wins, and it is compacted to one line per run', () => {
    const path = join(dir, 'restart.jsonl');
    const first = Catalog.open(path);
    first.put(entry('a'));
    first.put(entry('b', { startTimeS: 900 }));
    first.put(entry('a', { endTimeS: 1010, exitStatus: 'success', numEvents: { scan: 3 }, fileFinished: true }));
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(3);
    const again = Catalog.open(path);
    expect(again.list().map((e) => e.uid)).toEqual(['b', 'a']); // oldest start first
    expect(again.get('a')).toMatchObject({ exitStatus: 'success', numEvents: { scan: 3 }, fileFinished: true });
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('drops a torn line (a crash in the middle of a write) and says which', () => {
    const path = join(dir, 'torn.jsonl');
    Catalog.open(path).put(entry('c'));
    appendFileSync(path, '{"uid":"d","scriptNa');
    const bad: number[] = [];
    const catalog = Catalog.open(path, (line) => bad.push(line));
    expect(bad).toEqual([2]);
    expect(catalog.list().map((e) => e.uid)).toEqual(['c']);
  });
});
