import { describe, expect, it } from 'vitest';
import type { DataKey } from '../../engine/index.js';
import { RecordSource, RELEASE_BYTES } from './record-source.js';
import { residentKb, ringDirectory } from './ring.fixture.js';
import { StreamEncoder } from './stream-encoder.js';
import { RingWriter } from './writer.js';

const path = ringDirectory();

const KEYS: Record<string, DataKey> = {
  x: { dtype: 'float64', shape: [], units: 'mm', source: 'stage' },
  trace: { dtype: 'float64', shape: [1000], units: 'V', source: 'meter' },
};

describe('a record source following the writer', () => {
  it('keeps only the pages near where it reads mapped (release), however often the ring goes round, and reads every record', () => {
    const capacity = 16 << 20;
    const file = path('round');
    const writer = RingWriter.create({ path: file, capacityBytes: capacity });
    const encoder = new StreamEncoder({ stream: 'scan', runUid: 'run-1', descriptorUid: 'd-1', dataKeys: KEYS }, writer);
    const source = new RecordSource(file, true);
    const trace = Array.from({ length: 1000 }, (_, i) => i);
    let next = source.tail;
    let read = 0;
    let written = 0;
    let peakKb = 0;
    while (source.head < 3 * capacity) {
      encoder.add({ seqNum: ++written, timeS: written, data: { x: written, trace } });
      encoder.flush();
      while (next < source.head) {
        const header = source.headerAt(next);
        if (header === undefined) throw new Error('the reader was overtaken');
        if (source.decode(header)?.batches.length === 1) read++;
        next = header.pos + header.length;
      }
      source.release(next);
      if (written % 256 === 0) peakKb = Math.max(peakKb, residentKb(file));
    }
    expect(read).toBe(written);
    // The writer maps the whole ring; the reader adds at most RELEASE_BYTES and a few pages
    // (without release it would add the whole ring again).
    expect(peakKb).toBeLessThan((capacity + RELEASE_BYTES + (1 << 20)) / 1024);
    source.close();
    writer.close();
  });
});
