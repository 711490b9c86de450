import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapFile } from './native.js';
import { residentKb, ringDirectory } from './ring.fixture.js';

const path = ringDirectory();

describe('mapping a file (native addon)', () => {
  it('two mappings of one file share memory, and atomics work on it', () => {
    const writer = mapFile(path('shared'), 'create', 4096);
    const reader = mapFile(path('shared'), 'read');
    expect(reader.buffer.byteLength).toBe(4096);
    Atomics.store(new BigInt64Array(writer.buffer), 3, 1234567890123n);
    new Uint8Array(writer.buffer)[100] = 42;
    expect(Atomics.load(new BigInt64Array(reader.buffer), 3)).toBe(1234567890123n);
    expect(new Uint8Array(reader.buffer)[100]).toBe(42);
    writer.unmap();
    reader.unmap();
  });

  it('unmap detaches the buffer: views become empty instead of pointing at unmapped memory', () => {
    const mapping = mapFile(path('detach'), 'create', 8192);
    const view = new Float64Array(mapping.buffer);
    mapping.unmap();
    expect(mapping.buffer.byteLength).toBe(0);
    expect(view.length).toBe(0);
    mapping.unmap(); // twice is harmless
  });

  it('release drops the pages from this process only: its resident memory shrinks, the bytes stay', () => {
    const bytes = 8 * 1024 * 1024;
    const file = path('released');
    const content = Buffer.alloc(bytes);
    for (let i = 0; i < bytes; i += 4096) content[i] = (i / 4096) % 251;
    writeFileSync(file, content);
    const reader = mapFile(file, 'read');
    const view = new Uint8Array(reader.buffer);
    let sum = 0;
    for (let i = 0; i < bytes; i += 4096) sum += view[i] as number; // every page is mapped now
    expect(residentKb(file)).toBeGreaterThanOrEqual(bytes / 1024 - 64);
    reader.release(4096 + 100, bytes); // from the page holding offset 4196 to the end
    expect(residentKb(file)).toBeLessThanOrEqual(64);
    let again = 0;
    for (let i = 0; i < bytes; i += 4096) again += view[i] as number;
    expect(again).toBe(sum);
    reader.release(bytes + 4096, 10); // beyond the end: nothing
    reader.unmap();
    reader.release(0, bytes); // unmapped: nothing
  });

  it('errors name the path and the system reason', () => {
    expect(() => mapFile(path('missing/ring'), 'read')).toThrow(expect.objectContaining({ code: 'not_found', message: expect.stringMatching(/^open .*missing\/ring: No such file or directory$/) }));
    expect(() => mapFile(path('no-such-dir/ring'), 'create', 4096)).toThrow(/open .*no-such-dir\/ring: No such file or directory/);
    mapFile(path('exists'), 'create', 4096).unmap();
    expect(() => mapFile(path('exists'), 'create', 4096)).toThrow(expect.objectContaining({ code: 'already_exists', message: expect.stringContaining('File exists') }));
    mkdirSync(path('a-directory'));
    expect(() => mapFile(path('a-directory'), 'read')).toThrow(/a-directory is a directory, not a ring buffer file/);
    writeFileSync(path('empty'), '');
    expect(() => mapFile(path('empty'), 'read')).toThrow(/empty: the file is empty/);
    expect(() => mapFile('/dev/null', 'read')).toThrow(/map \/dev\/null: not a regular file/);
    expect(() => mapFile(path('huge'), 'create', 2 ** 33)).toThrow(/give 1 byte to 4 GiB/);
  });

  it.skipIf(process.getuid?.() === 0)('a file the user may not read is refused with "Permission denied"', () => {
    writeFileSync(path('secret'), 'x', { mode: 0o000 });
    expect(() => mapFile(path('secret'), 'read')).toThrow(expect.objectContaining({ code: 'failed_precondition', message: expect.stringContaining('Permission denied') }));
  });

  it('creating where the system refuses (a read-only place) says so', () => {
    expect(() => mapFile('/proc/ts-daq-ring', 'create', 4096)).toThrow(/^open \/proc\/ts-daq-ring: /);
  });
});
