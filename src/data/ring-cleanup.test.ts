/**
 * Which ring files are stale: every case of the rules in docs/ring-buffer.md ("Cleaning up"),
 * with real ring files whose writer is this process or a process that has exited.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { H } from './ring/layout.js';
import { listRingFiles, readRingFile } from './ring/ring-files.js';
import { ringDirectory } from './ring/ring.fixture.js';
import { RingWriter } from './ring/writer.js';
import { judgeRing, removeStaleRings, ringStatuses } from './ring-cleanup.js';

const path = ringDirectory();
const dir = dirname(path('x'));

/** The pid of a process that has exited (its ring's writer "died"). */
const deadPid = spawnSync(process.execPath, ['-e', '0']).pid ?? 0;

/** A ring at `name` whose writer died with it open (as after SIGKILL). */
function crashedRing(name: string, owner?: string): string {
  const writer = RingWriter.create({ path: path(name), capacityBytes: 65536, ...(owner === undefined ? {} : { owner }) });
  writer.close();
  const bytes = readFileSync(path(name));
  bytes.writeBigUInt64LE(1n, H.state); // still "being written"
  bytes.writeBigUInt64LE(BigInt(deadPid), H.writerPid);
  writeFileSync(path(name), bytes);
  return path(name);
}

/** A data directory whose catalog lists runs, finished or not. */
function dataDir(name: string, finished: boolean[]): string {
  const at = path(name);
  mkdirSync(at);
  writeFileSync(`${at}/catalog.jsonl`, finished.map((fileFinished, i) => `${JSON.stringify({ uid: `run-${i}`, fileFinished })}\n`).join(''));
  return at;
}

describe('stale rings', () => {
  it('judges every kind of ring file, and removes the stale ones only', () => {
    const live = RingWriter.create({ path: path('ts-daq-live.ring'), capacityBytes: 65536, owner: '/nowhere' });
    const unfinished = dataDir('unfinished', [true, false]);
    const complete = dataDir('complete', [true, true]);
    crashedRing('ts-daq-recoverable.ring', unfinished);
    crashedRing('ts-daq-written.ring', complete);
    crashedRing('ts-daq-orphan.ring', path('deleted'));
    crashedRing('ts-daq-anonymous.ring');
    const closed = RingWriter.create({ path: path('ts-daq-closed.ring'), capacityBytes: 65536, owner: unfinished });
    closed.close();
    writeFileSync(path('ts-daq-notes.ring'), 'Dear diary, '.repeat(1000));
    writeFileSync(path(`ts-daq-half.ring.${deadPid}.0a1b2c3d.tmp`), '');
    writeFileSync(path('other-file.ring'), 'not ours by name');

    const verdicts = Object.fromEntries(ringStatuses(dir).map((s) => [s.path.slice(dir.length + 1), `${s.verdict}: ${s.reason}`]));
    expect(verdicts).toEqual({
      'ts-daq-anonymous.ring': `stale: its writer (process ${deadPid}) died; it records no data directory, so no daemon recovers from it`,
      'ts-daq-closed.ring': `kept: closed by its writer; 1 run of ${unfinished} not completely written: the next daemon on it recovers them from this ring`,
      [`ts-daq-half.ring.${deadPid}.0a1b2c3d.tmp`]: `stale: half created: process ${deadPid} died while creating it`,
      'ts-daq-live.ring': `in use: written by process ${process.pid}`,
      'ts-daq-notes.ring': 'not a ring: it does not start with TSDAQRNG',
      'ts-daq-orphan.ring': `stale: its writer (process ${deadPid}) died; its data directory ${path('deleted')} is gone`,
      'ts-daq-recoverable.ring': `kept: its writer (process ${deadPid}) died; 1 run of ${unfinished} not completely written: the next daemon on it recovers them from this ring`,
      'ts-daq-written.ring': `stale: its writer (process ${deadPid}) died; every run of ${complete} is written`,
    });

    const removed = removeStaleRings(dir).map((s) => s.path.slice(dir.length + 1));
    expect(removed).toEqual(['ts-daq-anonymous.ring', `ts-daq-half.ring.${deadPid}.0a1b2c3d.tmp`, 'ts-daq-orphan.ring', 'ts-daq-written.ring']);
    expect(listRingFiles(dir).map((f) => f.path.slice(dir.length + 1))).toEqual(['ts-daq-closed.ring', 'ts-daq-live.ring', 'ts-daq-notes.ring', 'ts-daq-recoverable.ring']);
    expect(existsSync(path('other-file.ring'))).toBe(true);
    live.close();
    expect(judgeRing(readRingFile(path('ts-daq-live.ring')))).toMatchObject({ verdict: 'stale', closed: true, reason: 'closed by its writer; its data directory /nowhere is gone' });
  });

  it('records the owner in the header, and refuses one that does not fit', () => {
    const writer = RingWriter.create({ path: path('ts-daq-owned.ring'), capacityBytes: 65536, owner: '/data/lab 3/μ-scan' });
    expect(readRingFile(writer.path)).toMatchObject({ owner: '/data/lab 3/μ-scan', writerPid: process.pid, writerAlive: true, closed: false, problem: '' });
    writer.remove();
    expect(() => RingWriter.create({ path: path('ts-daq-long.ring'), capacityBytes: 65536, owner: `/${'x'.repeat(3072)}` })).toThrow(
      `ring ${path('ts-daq-long.ring')}: its owner /${'x'.repeat(3072)} is 3073 bytes of UTF-8; at most 3072`,
    );
  });
});
