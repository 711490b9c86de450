/**
 * Fixed-width strings that `h5dump` prints as they are. h5wasm (0.10.3) writes fixed-width UTF-8
 * strings with HDF5's Fortran string type: padding "space pad", but the bytes after the text
 * are NULs, so `h5dump` prints every one of them (`"p0\000\000..."`). h5wasm has no call that
 * sets a string type's padding, and variable-length strings cannot be appended with it (nor read
 * by SWMR readers while the file grows). So after creating string datasets (with the file closed),
 * the writer changes their datatype's padding to "null terminated" in the file itself: one
 * bit field in the dataset's object header, whose checksum is then recomputed. Text, width and
 * character set (UTF-8) stay; h5py, h5dump and h5wasm then read the text up to the first NUL.
 *
 * Layout (HDF5 file format spec, version 2 object headers, which `libver v110` writes): "OHDR",
 * version 2, flags, optional times and attribute limits, chunk size (1/2/4/8 bytes), messages
 * (type 1 byte, size 2, flags 1, creation order 2 if tracked), checksum. Continuation messages
 * (type 0x10) point to "OCHK" chunks laid out alike. A datatype message (type 3) of class 3
 * (string) has the padding in the low 4 bits of its first class bit-field byte.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { lookup3 } from './superblock.js';

const DATATYPE = 0x03;
const CONTINUATION = 0x10;
const STRING_CLASS = 3;
const NULL_TERMINATED = 0;

/** An object's address in its file (what an HDF5 object reference holds). */
export type ObjectAddress = number;

/** The address of the object an h5wasm object reference points to (`ref_data`, 8 bytes little-endian). */
export function addressOf(refData: ArrayLike<number>): ObjectAddress {
  return Number(Buffer.from(Array.from(refData)).readBigUInt64LE(0));
}

/**
 * Makes the fixed-width string datatype of each dataset at `addresses` null-terminated, in the
 * closed HDF5 file at `path`. Returns how many it changed; a dataset whose header is not a
 * version 2 object header is left as it is (its strings read the same, only h5dump shows the NULs).
 */
export function nullTerminateStrings(path: string, addresses: readonly ObjectAddress[]): number {
  const fd = openSync(path, 'r+');
  try {
    let changed = 0;
    for (const address of addresses) if (patchChunk(fd, address)) changed++;
    return changed;
  } finally {
    closeSync(fd);
  }
}

/** Where an object header chunk's messages are: from `pos` to `end` (the checksum follows). */
interface Chunk {
  pos: number;
  end: number;
  /** Message headers carry a creation order (2 more bytes). */
  trackOrder: boolean;
}

/** The messages of the object header at `at` (version 2), or undefined when it is not one. */
function headerChunk(head: Buffer): Chunk | undefined {
  if (head.toString('latin1', 0, 4) !== 'OHDR' || head[4] !== 2) return undefined;
  const flags = head[5] as number;
  let pos = 6 + ((flags & 0x20) !== 0 ? 16 : 0) + ((flags & 0x10) !== 0 ? 4 : 0);
  const sizeBytes = 1 << (flags & 0x03);
  const size = head.readUIntLE(pos, Math.min(sizeBytes, 6));
  pos += sizeBytes;
  return { pos, end: pos + size, trackOrder: (flags & 0x04) !== 0 };
}

/**
 * Patches the string datatype message in the chunk at `at`, or in the chunks it continues to;
 * true when done. `continued` is given for an "OCHK" chunk: its length and the header's flag.
 */
function patchChunk(fd: number, at: number, continued?: { length: number; trackOrder: boolean }): boolean {
  let chunk: Chunk | undefined;
  if (continued === undefined) chunk = headerChunk(read(fd, at, 64));
  else if (read(fd, at, 4).toString('latin1') === 'OCHK') chunk = { pos: 4, end: continued.length - 4, trackOrder: continued.trackOrder };
  if (chunk === undefined) return false;
  const { end, trackOrder } = chunk;
  const bytes = read(fd, at, end + 4);
  const header = trackOrder ? 6 : 4;
  const continuations: [number, number][] = [];
  for (let pos = chunk.pos; pos + header <= end; ) {
    const type = bytes[pos] as number;
    const size = bytes.readUInt16LE(pos + 1);
    const body = pos + header;
    if (type === DATATYPE && ((bytes[body] as number) & 0x0f) === STRING_CLASS) {
      bytes[body + 1] = ((bytes[body + 1] as number) & 0xf0) | NULL_TERMINATED;
      bytes.writeUInt32LE(lookup3(bytes.subarray(0, end)), end);
      writeSync(fd, bytes, 0, end + 4, at);
      return true;
    }
    if (type === CONTINUATION) continuations.push([Number(bytes.readBigUInt64LE(body)), Number(bytes.readBigUInt64LE(body + 8))]);
    pos = body + size;
  }
  return continuations.some(([address, length]) => patchChunk(fd, address, { length, trackOrder }));
}

function read(fd: number, at: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  readSync(fd, buffer, 0, length, at);
  return buffer;
}
