/**
 * Synthetic, self-checking data for exercising a ring: row `s` of stream `synthetic` has
 * `value = s / 2` and a `blob` of bytes `(s * 31 + i * 7) mod 256`, so any reader in any
 * language can tell a correct row from a torn or misplaced one without knowing what was written.
 * The stress tests and benchmarks use it (and so can anyone checking a ring setup).
 */
import type { RecordBatch } from './arrow-ipc.js';
import { StreamEncoder } from './stream-encoder.js';
import type { RingWriter } from './writer.js';

/** Name of the synthetic stream. */
export const SYNTHETIC_STREAM = 'synthetic';

/** Byte `i` of row `seq`'s blob. */
export function blobByte(seq: number, i: number): number {
  return (seq * 31 + i * 7) & 0xff;
}

/** Writes synthetic rows to a ring, in batches. */
export class SyntheticWriter {
  private readonly encoder: StreamEncoder;
  private next = 1;

  /** `blobBytes`: size of each row's blob, bytes. */
  constructor(
    writer: RingWriter,
    readonly blobBytes: number,
    runUid = 'synthetic-run',
  ) {
    this.encoder = new StreamEncoder(
      {
        stream: SYNTHETIC_STREAM,
        runUid,
        dataKeys: {
          value: { dtype: 'float64', shape: [], units: '', source: 'synthetic' },
          blob: { dtype: 'uint8', shape: [1, blobBytes], units: '', source: 'synthetic' },
        },
      },
      writer,
    );
  }

  /** Sequence number of the next row. */
  get nextSeq(): number {
    return this.next;
  }

  /** Writes `rows` rows as one record, time column `timeS` (seconds) for each; returns the record's sequence number. */
  writeBatch(rows: number, timeS = Date.now() / 1000): number {
    const seqs = new Float64Array(rows);
    const values = new Float64Array(rows);
    const times = new Float64Array(rows).fill(timeS);
    const blobs: Uint8Array[] = [];
    for (let r = 0; r < rows; r++) {
      const seq = this.next + r;
      seqs[r] = seq;
      values[r] = seq / 2;
      const blob = new Uint8Array(this.blobBytes);
      for (let i = 0; i < blob.length; i++) blob[i] = blobByte(seq, i);
      blobs.push(blob);
    }
    this.next += rows;
    this.encoder.addColumns(rows, seqs, times, { value: values, blob: blobs });
    return this.encoder.flush();
  }
}

/** What {@link verifySynthetic} found in one batch. */
export interface SyntheticCheck {
  rows: number;
  firstSeq: number;
  lastSeq: number;
  /** Descriptions of wrong rows (empty when all are right). */
  errors: string[];
}

/** Checks every row of a synthetic batch: consecutive sequence numbers, value and every blob byte. */
export function verifySynthetic(batch: RecordBatch): SyntheticCheck {
  const seqs = batch.getChild('seq_num')?.toArray() as BigInt64Array;
  const values = batch.getChild('value')?.toArray() as Float64Array;
  const blobs = batch.getChild('blob');
  const errors: string[] = [];
  const firstSeq = Number(seqs[0] ?? 0);
  for (let r = 0; r < batch.numRows; r++) {
    const seq = Number(seqs[r]);
    if (seq !== firstSeq + r) errors.push(`row ${r}: seq_num ${seq}, expected ${firstSeq + r}`);
    if (values[r] !== seq / 2) errors.push(`row ${r} (seq ${seq}): value ${values[r]}, expected ${seq / 2}`);
    const blob = blobs?.get(r) as Uint8Array | null;
    if (blob === null || blob === undefined) {
      errors.push(`row ${r} (seq ${seq}): no blob`);
      continue;
    }
    for (let i = 0; i < blob.length; i++) {
      if (blob[i] !== blobByte(seq, i)) {
        errors.push(`row ${r} (seq ${seq}): blob byte ${i} is ${blob[i]}, expected ${blobByte(seq, i)}`);
        break;
      }
    }
  }
  return { rows: batch.numRows, firstSeq, lastSeq: firstSeq + batch.numRows - 1, errors: errors.slice(0, 10) };
}
