/**
 * The ring across processes, at full speed: a writer and several readers in child processes
 * (the built synthetic-cli), every delivered row checked; a writer killed with SIGKILL.
 * Nothing here measures time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it } from 'vitest';
import { RingReader } from './reader.js';
import { requireBuild, ringDirectory, SYNTHETIC_CLI } from './ring.fixture.js';
import { SYNTHETIC_STREAM, verifySynthetic } from './synthetic.js';

const path = ringDirectory();

interface Verdict {
  rows: number;
  batches: number;
  lastSeq: number;
  overtaken: number;
  unexplainedGaps: number;
  errors: string[];
}

function start(...args: string[]): { child: ChildProcess; lines: AsyncIterator<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [SYNTHETIC_CLI, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, lines, exit };
}

async function nextLine(lines: AsyncIterator<string>): Promise<string> {
  const { value, done } = await lines.next();
  if (done === true) throw new Error('the child process ended without a line');
  return value;
}

describe('ring buffer stress (child processes)', () => {
  beforeAll(requireBuild);

  it('a writer at full speed and two readers, one too slow: every delivered row is right, the slow one is overtaken and recovers', async () => {
    const ring = path('stress');
    const rows = 100_000;
    const writer = start('write', ring, '--rows', String(rows), '--capacity', String(1 << 20), '--blob', '256', '--max-batch', '64', '--wait');
    expect(await nextLine(writer.lines)).toBe('ready');
    const fast = start('verify', ring, '--from-oldest');
    const slow = start('verify', ring, '--from-oldest', '--delay-ms', '5');
    writer.child.stdin?.end('go\n');
    const [written, fastVerdict, slowVerdict] = await Promise.all([nextLine(writer.lines), nextLine(fast.lines), nextLine(slow.lines)]);
    expect(JSON.parse(written)).toMatchObject({ done: true, rows });
    for (const verdict of [JSON.parse(fastVerdict), JSON.parse(slowVerdict)] as Verdict[]) {
      expect(verdict.errors).toEqual([]);
      expect(verdict.unexplainedGaps).toBe(0);
      expect(verdict.lastSeq).toBe(rows); // caught up with the end, whatever happened on the way
      expect(verdict.rows).toBeGreaterThan(0);
    }
    const slowOne = JSON.parse(slowVerdict) as Verdict;
    expect(slowOne.overtaken).toBeGreaterThan(0);
    expect(slowOne.rows).toBeLessThan(rows);
    expect(await Promise.all([writer.exit, fast.exit, slow.exit])).toEqual([0, 0, 0]);
  }, 120_000); // a generous cap for a loaded machine; nothing here is timed

  it('a reader started after the writer was killed (SIGKILL) still reads its last data', async () => {
    const ring = path('killed');
    const writer = start('write', ring, '--rows', '5000', '--capacity', String(1 << 20), '--blob', '64', '--hold');
    expect(JSON.parse(await nextLine(writer.lines))).toMatchObject({ done: true, rows: 5000 });
    writer.child.kill('SIGKILL');
    expect(await writer.exit).toBe(null);
    const reader = RingReader.open(ring);
    expect(reader.closed).toBe(false); // killed, not closed: nothing more will come, but nothing is lost
    expect(reader.writerAlive).toBe(false); // its writer_pid is gone
    const latest = reader.latest(SYNTHETIC_STREAM, 10);
    expect(Array.from(latest.getChild('seq_num')?.toArray() ?? [], Number)).toEqual(Array.from({ length: 10 }, (_, i) => 4991 + i));
    for (const batch of latest.batches) expect(verifySynthetic(batch).errors).toEqual([]);
    let delivered = 0;
    let lastSeq = 0;
    // follow ends by itself after the last record: the writer is dead, nothing more will come.
    for await (const batch of reader.follow(SYNTHETIC_STREAM, { fromOldest: true, pollS: 0.001 })) {
      expect(verifySynthetic(batch).errors).toEqual([]);
      delivered += batch.numRows;
      lastSeq = verifySynthetic(batch).lastSeq;
    }
    expect(delivered).toBeGreaterThan(0);
    expect(lastSeq).toBe(5000);
    reader.close();
  });
});
