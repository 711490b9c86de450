/**
 * Whatever bytes a ring holds (shared memory any local process may scribble on): every reader
 * walk ends, and either returns rows or throws an error (the API answers it as a status); never a
 * loop, an out-of-memory or a stack overflow. (A record pointing back to itself made
 * ReadStreamRange loop in the daemon's main thread until out of memory; a damaged vector length
 * in a record's Arrow metadata made the decoder allocate gigabytes.)
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readRange, RingIndex, RingReader, RingWriter, StreamEncoder } from '../../src/data/ring/index.js';
import { fuzzParameters } from './fuzz-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'daq-ring-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small ring with two streams of a few records each; returns its path. */
function filledRing(name: string): string {
  const path = join(dir, name);
  rmSync(path, { force: true });
  const writer = RingWriter.create({ path, capacityBytes: 64 * 1024 });
  const keys = { x: { dtype: 'float64' as const, shape: [], units: 'mm', source: 'stage' }, s: { dtype: 'string' as const, shape: [], units: '', source: 'script' } };
  for (const stream of ['scan', 'other']) {
    const encoder = new StreamEncoder({ stream, runUid: 'run', descriptorUid: `d-${stream}`, dataKeys: keys }, writer);
    for (let seq = 1; seq <= 6; seq++) {
      encoder.add({ seqNum: seq, timeS: 100 + seq, data: { x: seq, s: `p${seq}` } });
      encoder.flush();
    }
  }
  writer.close();
  return path;
}

function readsOrSaysDamaged(path: string): void {
  const attempts: (() => unknown)[] = [
    () => readRange(path, 'scan', 0, Number.MAX_VALUE),
    () => readRange(path, 'other', 0, Number.MAX_VALUE, { lastRows: 3 }),
    () => {
      const reader = RingReader.open(path);
      try {
        reader.latest('scan', 4);
        return reader.range('other', 0, 1e9);
      } finally {
        reader.close();
      }
    },
    () => {
      const index = new RingIndex(path);
      try {
        return index.describe();
      } finally {
        index.close();
      }
    },
  ];
  for (const attempt of attempts) {
    try {
      attempt();
    } catch (error) {
      expect(error, String((error as Error)?.stack ?? error)).toBeInstanceOf(Error);
      expect(error, String(error)).not.toBeInstanceOf(RangeError); // a stack overflow or a read outside the mapping
    }
  }
}

describe('ring readers over random damage', () => {
  const size = statSync(filledRing('probe.ring')).size;

  it('random bytes written anywhere: every walk ends with rows or a DaqError', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: size - 1 }), fc.uint8Array({ minLength: 1, maxLength: 16 })), { minLength: 1, maxLength: 8 }), (writes) => {
        const path = filledRing('damaged.ring');
        const fd = openSync(path, 'r+');
        try {
          for (const [at, bytes] of writes) writeSync(fd, bytes, 0, Math.min(bytes.length, size - at), at);
        } finally {
          closeSync(fd);
        }
        readsOrSaysDamaged(path);
      }),
      fuzzParameters(0.25),
    );
  });
});
