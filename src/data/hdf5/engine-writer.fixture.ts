/**
 * For tests that run a script on a RunEngine and read its HDF5 file: a {@link RunWriter} that
 * follows the ring at `ringPath` and writes the engine's run into `path` (started by the run's
 * start document), and `finish(run, stop)` that ends the file and drains the writer.
 */
import type { RunEngine, RunStop } from '../../engine/index.js';
import type { FromWorker } from './protocol.js';
import { RunWriter } from './run-writer.js';

export interface EngineFileWriter {
  writer: RunWriter;
  /** What the writer reported (`finished` once the file is closed). */
  reports: FromWorker[];
  /** Ends the run's file with its stop and writes what is left. */
  finish(runUid: string, stop: RunStop): void;
}

export function writeEngineRuns(engine: RunEngine, ringPath: string, path: string): EngineFileWriter {
  const reports: FromWorker[] = [];
  const writer = new RunWriter({ report: (m) => reports.push(m), flushS: 0, retryS: 0, gzip: 0 });
  writer.handle({ type: 'follow', ringPath });
  engine.onDocument(({ runUid, document }) => {
    if (document.kind !== 'start') return;
    const { scriptName, scriptSource, scriptSha256, params, metadata, lab, timeS } = document;
    writer.handle({ type: 'start', uid: runUid, path, start: { uid: runUid, scriptName, scriptSource, scriptSha256, params, metadata, lab, startTimeS: timeS, instrument: [] } });
  });
  return {
    writer,
    reports,
    finish(runUid, stop) {
      writer.handle({ type: 'stop', uid: runUid, end: { endTimeS: stop.timeS, exitStatus: stop.exitStatus, reason: '', numEvents: stop.numEvents } });
      for (let i = 0; i < 100 && !writer.advance(); i++);
      writer.advance();
    },
  };
}
