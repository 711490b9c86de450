/**
 * Repairs what a killed writer leaves in an HDF5 file's superblock, like `h5clear -s`: a file
 * opened for writing (or SWMR writing) carries "file consistency flags" in its superblock, and
 * HDF5 refuses to open it again while they are set ("file is already open for write"). A daemon
 * killed mid-run leaves them set; recovery clears them so it can reopen the run's file.
 * Only superblock versions 2 and 3 (what `libver: latest` writes) carry the flags with a checksum.
 */
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const FLAGS_AT = 11;

/**
 * Clears the consistency flags of the HDF5 file at `path` (superblock at byte 0). Returns true
 * when flags were set and are now cleared, false when there was nothing to clear (or the
 * superblock is of an older version that has no flags to repair this way).
 */
export function clearConsistencyFlags(path: string): boolean {
  const fd = openSync(path, 'r+');
  try {
    const head = Buffer.alloc(48);
    const got = readSync(fd, head, 0, head.length, 0);
    if (got < 12 || !SIGNATURE.every((b, i) => head[i] === b)) throw new Error(`${path} is not an HDF5 file (no signature at byte 0)`);
    const version = head[8] as number;
    if (version !== 2 && version !== 3) return false;
    if (head[FLAGS_AT] === 0) return false;
    const offsetBytes = head[9] as number;
    // signature, version, two sizes, flags, then four addresses, then the checksum.
    const checksumAt = 12 + 4 * offsetBytes;
    if (got < checksumAt + 4) throw new Error(`${path}: superblock shorter than expected`);
    head[FLAGS_AT] = 0;
    head.writeUInt32LE(lookup3(head.subarray(0, checksumAt)), checksumAt);
    writeSync(fd, head, 0, checksumAt + 4, 0);
    return true;
  } finally {
    closeSync(fd);
  }
}

/** The consistency flags of the file at `path` (0 when the file was closed properly). */
export function consistencyFlags(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(12);
    readSync(fd, head, 0, 12, 0);
    return head[8] === 2 || head[8] === 3 ? (head[FLAGS_AT] as number) : 0;
  } finally {
    closeSync(fd);
  }
}

/** Bob Jenkins' lookup3 `hashlittle` with initial value 0: HDF5's metadata checksum (H5_checksum_lookup3). */
export function lookup3(key: Uint8Array): number {
  let length = key.length;
  let a = (0xdeadbeef + length) >>> 0;
  let b = a;
  let c = a;
  let k = 0;
  const rot = (x: number, n: number): number => ((x << n) | (x >>> (32 - n))) >>> 0;
  const word = (at: number): number => ((key[at] ?? 0) | ((key[at + 1] ?? 0) << 8) | ((key[at + 2] ?? 0) << 16) | ((key[at + 3] ?? 0) << 24)) >>> 0;
  while (length > 12) {
    a = (a + word(k)) >>> 0;
    b = (b + word(k + 4)) >>> 0;
    c = (c + word(k + 8)) >>> 0;
    // mix(a, b, c)
    a = (a - c) >>> 0; a = (a ^ rot(c, 4)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 6)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 8)) >>> 0; b = (b + a) >>> 0;
    a = (a - c) >>> 0; a = (a ^ rot(c, 16)) >>> 0; c = (c + b) >>> 0;
    b = (b - a) >>> 0; b = (b ^ rot(a, 19)) >>> 0; a = (a + c) >>> 0;
    c = (c - b) >>> 0; c = (c ^ rot(b, 4)) >>> 0; b = (b + a) >>> 0;
    length -= 12;
    k += 12;
  }
  if (length === 0) return c;
  // The last 1..12 bytes, zero-padded (the byte-wise tail of hashlittle).
  const tail = new Uint8Array(12);
  tail.set(key.subarray(k, k + length));
  const t = (at: number): number => ((tail[at] as number) | ((tail[at + 1] as number) << 8) | ((tail[at + 2] as number) << 16) | ((tail[at + 3] as number) << 24)) >>> 0;
  a = (a + t(0)) >>> 0;
  b = (b + t(4)) >>> 0;
  c = (c + t(8)) >>> 0;
  // final(a, b, c)
  c = (c ^ b) >>> 0; c = (c - rot(b, 14)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot(c, 11)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot(a, 25)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 16)) >>> 0;
  a = (a ^ c) >>> 0; a = (a - rot(c, 4)) >>> 0;
  b = (b ^ a) >>> 0; b = (b - rot(a, 14)) >>> 0;
  c = (c ^ b) >>> 0; c = (c - rot(b, 24)) >>> 0;
  return c;
}
