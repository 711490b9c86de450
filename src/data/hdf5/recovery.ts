/**
 * Recovery of runs a dead daemon left unfinished (called by the writer worker before the new
 * ring replaces the old one): see {@link recoverRuns}.
 */
import { existsSync, renameSync } from 'node:fs';
import { DaqError } from '../../core/index.js';
import { KIND_PADDING } from '../ring/layout.js';
import { RecordSource } from '../ring/record-source.js';
import type { RecoverRun, RunProgress } from './protocol.js';
import { eventsLostOf } from './file-space.js';
import { type RunFileEnd, RunFile, type RunFileOptions, WRITE_BYTES } from './run-file.js';

/**
 * Finishes runs a dead daemon left: reopens each file (or recreates it when it is missing or
 * beyond repair, keeping the broken one as `.broken`), appends every record of the run still in
 * the ring at `ringPath` past what the file holds, and writes the end: the one the daemon saw,
 * or `fail`, "daemon died", with the time of the last event.
 */
export function recoverRuns(ringPath: string, runs: RecoverRun[], options: RunFileOptions = {}): { run: RunProgress; end: RunFileEnd }[] {
  let src: RecordSource | undefined;
  try {
    src = existsSync(ringPath) ? new RecordSource(ringPath, true) : undefined;
  } catch {
    src = undefined; // not a ring (any more): the files hold what they hold
  }
  const results: { run: RunProgress; end: RunFileEnd }[] = [];
  for (const item of runs) {
    let file: RunFile;
    try {
      file = openForRecovery(item, options);
    } catch (error) {
      const message = `run ${item.uid}: cannot recover ${item.path}: ${DaqError.from(error).message}`;
      results.push({ run: { uid: item.uid, path: item.path, rows: {}, eventsLost: 0, sizeBytes: 0, finished: false, error: message }, end: { ...(item.end ?? deadEnd(item.start.startTimeS, {})), eventsLost: 0 } });
      continue;
    }
    try {
      results.push(finishFromRing(item, file, src));
    } catch (error) {
      // One run that cannot be finished never holds the others, nor the daemon's start.
      file.close();
      const message = `run ${item.uid}: cannot recover ${item.path}: ${DaqError.from(error).message}`;
      results.push({ run: { uid: item.uid, path: item.path, rows: file.rows(), eventsLost: 0, sizeBytes: file.sizeBytes(), finished: true, error: message }, end: { ...(item.end ?? deadEnd(item.start.startTimeS, {})), eventsLost: 0 } });
    }
  }
  src?.close();
  return results;
}

/** Appends what the ring still holds of `item` past what its file has, then writes its end. */
function finishFromRing(item: RecoverRun, file: RunFile, src: RecordSource | undefined): { run: RunProgress; end: RunFileEnd } {
  let lastTimeS = item.start.startTimeS;
  const maxSeq: Record<string, number> = {};
  for (const [stream, n] of Object.entries(file.rows())) maxSeq[stream] = Math.max(n, file.lastSeq(stream));
  if (src !== undefined) {
    for (let pos = src.tail; pos < src.head; ) {
      const header = src.headerAt(pos);
      if (header === undefined) {
        pos = src.tail;
        continue;
      }
      let batch;
      try {
        batch = header.kind === KIND_PADDING ? undefined : src.decode(header)?.batches[0];
      } catch {
        batch = undefined; // a damaged record: its events count as lost
      }
      if (batch !== undefined && batch.schema.metadata.get('daq.run_uid') === item.uid) {
        const stream = batch.schema.metadata.get('daq.stream') ?? '';
        file.append(stream, batch.schema, batch);
        if (file.pendingBytes >= WRITE_BYTES) file.writePending(); // a whole ring's rows never wait in memory
        maxSeq[stream] = Math.max(maxSeq[stream] ?? 0, file.lastSeq(stream));
        lastTimeS = Math.max(lastTimeS, header.tLastS);
      }
      pos = header.pos + header.length;
    }
  }
  const rows = file.rows();
  const end = item.end ?? deadEnd(lastTimeS, maxSeq);
  const eventsLost = eventsLostOf(end.numEvents, rows);
  file.finish({ ...end, eventsLost });
  return { run: { uid: item.uid, path: item.path, rows, eventsLost, sizeBytes: file.sizeBytes(), finished: true, error: '' }, end: { ...end, eventsLost } };
}

function deadEnd(endTimeS: number, numEvents: Record<string, number>): Omit<RunFileEnd, 'eventsLost'> {
  return { endTimeS, exitStatus: 'fail', reason: 'daemon died', numEvents };
}

function openForRecovery(item: RecoverRun, options: RunFileOptions): RunFile {
  if (existsSync(item.path)) {
    try {
      return RunFile.reopen(item.path, item.start, options);
    } catch {
      renameSync(item.path, `${item.path}.broken`);
    }
  }
  return RunFile.create(item.path, item.start, options);
}
