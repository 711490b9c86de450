import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { H, RING_VERSION } from './layout.js';
import { RingReader } from './reader.js';
import { ringDirectory } from './ring.fixture.js';
import { RingWriter } from './writer.js';

const path = ringDirectory();

function refusal(file: string): string {
  try {
    RingReader.open(file).close();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${file} was accepted`);
}

describe('bad and foreign files', () => {
  it('a reader refuses what is not a ring, saying why', () => {
    writeFileSync(path('notes.txt'), 'Dear diary, '.repeat(1000));
    expect(refusal(path('notes.txt'))).toBe(`${path('notes.txt')} is not a ts-daq ring buffer: it starts with "Dear dia", not "TSDAQRNG"`);
    writeFileSync(path('short'), 'TSDAQRNG');
    expect(refusal(path('short'))).toBe(`${path('short')} is not a ts-daq ring buffer: it is 8 bytes, shorter than the 4096-byte header`);
    writeFileSync(path('empty'), '');
    expect(refusal(path('empty'))).toBe(`${path('empty')} is not a ts-daq ring buffer: it is empty`);
    mkdirSync(path('dir'));
    expect(refusal(path('dir'))).toBe(`${path('dir')} is not a ring buffer file (not a regular file)`);
    expect(refusal(path('nothing-here'))).toBe(`no ring buffer at ${path('nothing-here')} (is the daemon running, and is this its ring path?)`);
  });

  it('a reader refuses a ring of another layout version, and a truncated ring', () => {
    RingWriter.create({ path: path('v2'), capacityBytes: 65536 }).close();
    const bytes = readFileSync(path('v2'));
    bytes.writeUInt32LE(RING_VERSION + 1, H.version);
    writeFileSync(path('v2'), bytes);
    expect(refusal(path('v2'))).toBe(`${path('v2')} is a ring buffer of layout version ${RING_VERSION + 1}; this reader knows version ${RING_VERSION}`);
    RingWriter.create({ path: path('cut'), capacityBytes: 65536 }).close();
    truncateSync(path('cut'), 50_000);
    expect(refusal(path('cut'))).toMatch(/is not a ts-daq ring buffer: it is 50000 bytes but its header says \d+ \(truncated\?\)/);
  });

  it('a writer never replaces a file that is not a ring, nor the ring of a live writer', () => {
    writeFileSync(path('data.h5'), 'precious');
    expect(() => RingWriter.create({ path: path('data.h5'), capacityBytes: 65536 })).toThrow(`${path('data.h5')} exists and is not a ts-daq ring buffer; refusing to replace it (give another path)`);
    expect(readFileSync(path('data.h5'), 'utf8')).toBe('precious');
    const live = RingWriter.create({ path: path('live'), capacityBytes: 65536 });
    const bytes = readFileSync(path('live'));
    bytes.writeBigUInt64LE(BigInt(process.ppid), H.writerPid); // pretend another live process writes it
    writeFileSync(path('live.copy'), bytes);
    expect(() => RingWriter.create({ path: path('live.copy'), capacityBytes: 65536 })).toThrow(`ring ${path('live.copy')} is being written by process ${process.ppid}; give another path or stop that process`);
    live.close();
    // A closed ring (or one whose writer died) is replaced; readers of the old file keep it.
    const old = RingReader.open(path('live'));
    const again = RingWriter.create({ path: path('live'), capacityBytes: 65536 });
    expect(old.closed).toBe(true);
    expect(RingReader.open(path('live')).closed).toBe(false);
    again.close();
  });

  it('refuses records that do not fit and too many streams, and stream names that are too long', () => {
    const writer = RingWriter.create({ path: path('small'), capacityBytes: 65536, maxStreams: 2 });
    expect(() => writer.reserve(writer.stream('a'), 40_000)).toThrow(/a 40000-byte record does not fit ring .*: records are at most half its 65536 bytes; make it bigger \(capacityBytes\)/);
    writer.stream('b');
    expect(() => writer.stream('c')).toThrow(/holds at most 2 streams; "c" is one too many \(maxStreams\)/);
    expect(() => writer.stream('x'.repeat(97))).toThrow(/give 1 to 96 bytes of UTF-8/);
    writer.close();
    expect(() => writer.stream('d')).toThrow(/is closed/);
    expect(() => RingWriter.create({ path: path('no-such-dir/ring'), capacityBytes: 65536 })).toThrow(
      new RegExp(`^cannot create ring ${path('no-such-dir/ring')}: open .*: No such file or directory$`),
    );
  });
});
