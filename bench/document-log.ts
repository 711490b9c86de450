/**
 * What the daemon's document log costs per event, in this process (issue 14): the documents of
 * a real 10,000-point lineScan run (the bench lab of ./script-scan.ts, VirtualClock) are captured
 * once, then given to a fresh `DocumentLog` with a spill directory (as `daq daemon` has one) as
 * run after run, and timed in CPU time: per event, the whole `add` (an event of numbers kept in
 * the compact form, the other documents' Bluesky JSON and RunDocument bytes, memory window, spill
 * file), medians of `--rounds` runs. Then what encoding costs, paid when a follower first reads
 * an event (or, without a spill file, as it comes): the Bluesky serializer (`toBluesky`, the JSON)
 * and the protobuf encoding of the event with that JSON (`encodeEngineEvent`), the two-step path;
 * and the one-pass path for events of numbers (`encodeNumericEvent`).
 *
 * Usage: node dist/bench/document-log.js [--rounds R]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DocumentLog } from '../src/api/document-log.js';
import { encodeEngineEvent, encodeNumericEvent } from '../src/api/encoded.js';
import { createEventModelSerializer, type RunDocumentEvent } from '../src/engine/index.js';
import { report } from './report.js';
import { lab, SCRIPTS } from './script-scan.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] ?? 5) || 5;
const POINTS = 10_000;

const { lab: theLab, engine } = await lab();
const captured: RunDocumentEvent[] = [];
const unsubscribe = engine.onDocument((event) => captured.push(event));
const stop = await engine.submit({ scriptName: 'bench.js', source: SCRIPTS.plan(POINTS) }).done;
unsubscribe();
await theLab.disconnect();
if (stop.exitStatus !== 'success') throw new Error(`bench run failed: ${stop.reason}`);
const events = captured.filter((e) => e.document.kind === 'event').length;

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const dir = mkdtempSync(join(tmpdir(), 'daq-bench-doclog-'));
try {
  // CPU time (this process: the main thread, and V8's helper threads for the garbage it makes),
  // which a loaded machine disturbs far less than wall time.
  const time = (body: (runUid: string) => void): number => {
    const samples: number[] = [];
    for (let round = 0; round < rounds + 1; round++) {
      const runUid = `bench-${round}-${Math.random()}`;
      const cpu0 = process.cpuUsage();
      body(runUid);
      const cpu = process.cpuUsage(cpu0);
      if (round > 0) samples.push((cpu.user + cpu.system) / events); // the first warms up
    }
    return median(samples);
  };
  const log = new DocumentLog(3, {}, join(dir, 'documents'));
  report('document log: add (events of numbers kept compact; window, spill), per event', time((runUid) => {
    for (const { document } of captured) log.add({ runUid, document });
  }), 'us CPU', `${events} events a run, medians of ${rounds} runs`);
  report('  of which Bluesky serializer (toBluesky), per event', time(() => {
    const bluesky = createEventModelSerializer();
    for (const { document } of captured) bluesky.toBluesky(document);
  }), 'us CPU');
  const bluesky = createEventModelSerializer();
  const pairs = captured.map(({ document }) => bluesky.toBluesky(document));
  report('  of which protobuf of the event with its JSON, per event', time((runUid) => {
    for (let i = 0; i < captured.length; i++) {
      const { document } = captured[i] as RunDocumentEvent;
      const pair = pairs[i]?.[0];
      if (document.kind === 'event' && pair !== undefined) encodeEngineEvent(runUid, i, document, pair.name, pair.json);
    }
  }), 'us CPU');
  report('  the two in one pass (encodeNumericEvent, what add uses), per event', time((runUid) => {
    for (let i = 0; i < captured.length; i++) {
      const { document } = captured[i] as RunDocumentEvent;
      if (document.kind !== 'event') continue;
      const floats = bluesky.plainEventFloats(document);
      if (floats === undefined || encodeNumericEvent(runUid, i, document, floats) === undefined) throw new Error('an event of the plan is not all numbers');
    }
  }), 'us CPU');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
