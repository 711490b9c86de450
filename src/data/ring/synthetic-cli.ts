/**
 * Fill a ring with synthetic self-checking rows, or check a ring's synthetic rows from another
 * process (the stress tests run both sides in child processes; it also checks a ring setup):
 *
 *   node dist/src/data/ring/synthetic-cli.js write PATH [--rows N] [--capacity BYTES] [--blob BYTES]
 *        [--max-batch ROWS] [--wait] [--hold]
 *   node dist/src/data/ring/synthetic-cli.js verify PATH [--from-oldest] [--delay-ms MS] [--poll-ms MS]
 *
 * `write --wait` prints `ready` and waits for a line on stdin before writing; `--hold` leaves the
 * ring open (not closed) and keeps the process alive after writing. `verify` follows the stream
 * until the writer closes the ring and prints one JSON object: rows checked, sequence range,
 * how often it was overtaken, gaps that being overtaken does not explain, and wrong rows.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { RingReader } from './reader.js';
import { SYNTHETIC_STREAM, SyntheticWriter, verifySynthetic } from './synthetic.js';
import { RingWriter } from './writer.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    rows: { type: 'string', default: '100000' },
    capacity: { type: 'string', default: String(2 ** 20) },
    blob: { type: 'string', default: '256' },
    'max-batch': { type: 'string', default: '64' },
    wait: { type: 'boolean', default: false },
    hold: { type: 'boolean', default: false },
    'from-oldest': { type: 'boolean', default: false },
    'delay-ms': { type: 'string', default: '0' },
    'poll-ms': { type: 'string', default: '0.5' },
  },
});
const [command, path] = positionals;

function say(value: unknown): void {
  process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
}

async function write(ringPath: string): Promise<void> {
  const writer = RingWriter.create({ path: ringPath, capacityBytes: Number(values.capacity) });
  const synthetic = new SyntheticWriter(writer, Number(values.blob));
  if (values.wait) {
    say('ready');
    const lines = createInterface({ input: process.stdin });
    await new Promise<void>((resolve) => lines.once('line', () => resolve()));
    lines.close();
    process.stdin.destroy(); // nothing more to read: let the process end when done
  }
  const total = Number(values.rows);
  const maxBatch = Number(values['max-batch']);
  let state = 12345; // a small deterministic generator of batch sizes, 1..maxBatch
  while (synthetic.nextSeq <= total) {
    state = (state * 1103515245 + 12345) % 2147483648;
    synthetic.writeBatch(Math.min(1 + (state % maxBatch), total - synthetic.nextSeq + 1));
  }
  say({ done: true, rows: total, records: writer.records, bytes: writer.bytesWritten });
  if (values.hold) {
    setInterval(() => undefined, 60_000); // stay alive, ring open, until killed
    return;
  }
  writer.close();
}

async function verify(ringPath: string): Promise<void> {
  const reader = RingReader.open(ringPath);
  const delay = new Int32Array(new SharedArrayBuffer(4));
  const delayMs = Number(values['delay-ms']);
  const summary = { rows: 0, batches: 0, firstSeq: 0, lastSeq: 0, overtaken: 0, unexplainedGaps: 0, errors: [] as string[] };
  let expected = 0;
  let overtakenBefore = 0;
  let lapped = false;
  for await (const batch of reader.follow(SYNTHETIC_STREAM, { fromOldest: values['from-oldest'], pollS: Number(values['poll-ms']) / 1000 })) {
    const check = verifySynthetic(batch);
    if (!reader.intact(batch)) {
      lapped = true; // overwritten while we checked it: its content proves nothing, the gap after it is explained
      continue;
    }
    summary.errors.push(...check.errors);
    if (summary.batches === 0) summary.firstSeq = check.firstSeq;
    else if (check.firstSeq < expected) summary.errors.push(`seq ${check.firstSeq} delivered again (expected ${expected})`);
    else if (check.firstSeq > expected && reader.overtaken === overtakenBefore && !lapped) summary.unexplainedGaps++;
    overtakenBefore = reader.overtaken;
    lapped = false;
    expected = check.lastSeq + 1;
    summary.lastSeq = check.lastSeq;
    summary.rows += check.rows;
    summary.batches++;
    if (delayMs > 0) Atomics.wait(delay, 0, 0, delayMs);
  }
  summary.overtaken = reader.overtaken;
  summary.errors = summary.errors.slice(0, 20);
  say(summary);
  reader.close();
}

if (path === undefined || (command !== 'write' && command !== 'verify')) {
  process.stderr.write('usage: synthetic-cli.js write|verify RING_PATH [options] (see the file header)\n');
  process.exitCode = 2;
} else {
  await (command === 'write' ? write(path) : verify(path));
}
