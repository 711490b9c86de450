import { describe, expect, it } from 'vitest';
import type { DataKey } from '../../engine/index.js';
import { RingReader } from './reader.js';
import { RingIndex } from './ring-index.js';
import { ringDirectory } from './ring.fixture.js';
import { StreamEncoder } from './stream-encoder.js';
import { RingWriter } from './writer.js';

const path = ringDirectory();

const KEYS: Record<string, DataKey> = {
  x: { dtype: 'float64', shape: [], units: 'mm', source: 'stage' },
  image: { dtype: 'uint16', shape: [16, 16], units: 'counts', source: 'camera' },
};

function encoder(writer: RingWriter, stream: string, keys: Record<string, DataKey>): StreamEncoder {
  return new StreamEncoder({ stream, runUid: 'run-1', descriptorUid: `d-${stream}`, dataKeys: keys }, writer);
}

describe('the ring index (DescribeRing)', () => {
  it('tells each stream span, rows and fields, follows new records, and forgets what the writer overwrote', () => {
    const writer = RingWriter.create({ path: path('index'), capacityBytes: 64 * 1024 });
    const scan = encoder(writer, 'scan', { x: KEYS['x'] as DataKey });
    const images = encoder(writer, 'images', { image: KEYS['image'] as DataKey });
    for (let seq = 1; seq <= 3; seq++) scan.add({ seqNum: seq, timeS: 100 + seq, data: { x: seq } });
    scan.flush();
    const index = new RingIndex(path('index'));
    expect(index.describe().streams).toEqual([
      { name: 'scan', tFirstS: 101, tLastS: 103, rows: 3, records: 1, fields: [{ name: 'x', dtype: 'float64', shape: [], units: 'mm' }] },
    ]);
    // Frames lap the small ring many times: the oldest scan rows are overwritten.
    const image = { data: new Uint16Array(256), dtype: 'uint16', width: 16, height: 16 };
    for (let seq = 1; seq <= 200; seq++) {
      images.add({ seqNum: seq, timeS: 200 + seq, data: { image } });
      images.flush();
    }
    const now = index.describe();
    const reader = RingReader.open(path('index'));
    expect(now.streams.map((s) => s.name)).toEqual(['images']);
    const stream = now.streams[0];
    const held = reader.latest('images', 1000);
    expect(stream?.rows).toBe(held.numRows);
    expect(stream?.tLastS).toBe(400);
    expect(stream?.tFirstS).toBe(held.getChild('time')?.get(0));
    expect(stream?.fields).toEqual([{ name: 'image', dtype: 'uint16', shape: [16, 16], units: 'counts' }]);
    expect([now.tFirstS, now.tLastS]).toEqual([stream?.tFirstS, 400]);
    expect(now.usedBytes).toBeLessThanOrEqual(now.capacityBytes);
    reader.close();
    index.close();
    writer.close();
  });
});
