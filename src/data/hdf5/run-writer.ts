/**
 * The writer's logic (run in the writer worker; tests drive it directly): it follows the ring
 * record by record, appends each run's rows to the run's file, flushes each file at least once a
 * second, and finishes a file when its run has stopped and every record committed before the stop
 * is written. It never holds up acquisition: the ring is written regardless of it. When it falls
 * behind and the ring overwrites records it has not written, it skips to the oldest intact record
 * and counts the events it lost exactly (gaps in seq_num, and at the end the events the run
 * recorded minus the rows in its file). A file that cannot be written (full disk, unwritable
 * directory) is reported; the writer keeps its place in the ring and retries every second.
 */
import { accessSync, constants, existsSync, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DaqError } from '../../core/index.js';
import { KIND_PADDING } from '../ring/layout.js';
import { RecordSource } from '../ring/record-source.js';
import type { DescriptorInfo, FromWorker, RunProgress, ToWorker } from './protocol.js';
import { eventsLostOf, fileSize, RESERVE_BYTES } from './file-space.js';
import { type RunFileEnd, RunFile, type RunFileOptions, WRITE_BYTES } from './run-file.js';
import { newRunEntry, type RunEntry } from './run-entry.js';

/** Options of a {@link RunWriter}. */
export interface RunWriterOptions extends RunFileOptions {
  /** Where reports go (the worker posts them to the main thread). */
  report: (message: FromWorker) => void;
  /** Seconds between flushes of a growing file (default 0.5; at most 1 s as promised). */
  flushS?: number;
  /** Seconds between retries after a storage error (default 1). */
  retryS?: number;
  /** Monotonic time in seconds (default: performance.now). */
  now?: () => number;
}

/** Follows a ring and writes run files. */
export class RunWriter {
  private source: RecordSource | undefined;
  private next = 0;
  /** Ring position of the first record whose rows are appended to a file but not written yet (RunFile.writePending). */
  private pendingFrom: number | undefined;
  private step = 0;
  private readonly runs = new Map<string, RunEntry>();
  private readonly announced = new Set<string>();
  /** Descriptors of announced runs whose start has not come yet. */
  private readonly early = new Map<string, DescriptorInfo[]>();
  private health = '';
  private readonly now: () => number;
  /** True when the last step stopped at a record it could not write yet (the disk): the worker waits a little. */
  blocked = false;

  constructor(private readonly options: RunWriterOptions) {
    this.now = options.now ?? (() => performance.now() / 1000);
  }

  /** True while some run is open or pending. */
  get busy(): boolean {
    return this.runs.size > 0 || this.announced.size > 0;
  }

  /** Handles a control message (except `close` and `recover`, which the worker sequences). */
  handle(message: ToWorker): void {
    switch (message.type) {
      case 'announce':
        this.announced.add(message.uid);
        return;
      case 'start':
        this.announced.delete(message.uid);
        this.runs.set(message.uid, newRunEntry(message.uid, message.path, message.start, this.now()));
        this.openFile(this.runs.get(message.uid) as RunEntry, false);
        for (const descriptor of this.early.get(message.uid) ?? []) this.describe(descriptor);
        this.early.delete(message.uid);
        return;
      case 'descriptor':
        if (this.runs.has(message.uid)) this.describe(message);
        else if (this.announced.has(message.uid)) this.early.set(message.uid, [...(this.early.get(message.uid) ?? []), message]);
        return;
      case 'stop': {
        this.announced.delete(message.uid);
        this.early.delete(message.uid);
        const run = this.runs.get(message.uid);
        if (run === undefined) return;
        run.end = message.end;
        run.stopStep = this.step;
        return;
      }
      case 'follow':
        this.source?.close();
        this.source = new RecordSource(message.ringPath, true);
        this.next = this.source.tail;
        return;
      default:
        return;
    }
  }

  /**
   * One step: reads the head, takes the control messages `drain` returns (after the head, so a
   * run announced before its record was committed is known), writes records up to the head for
   * at most `budgetS` seconds, finishes stopped runs that are complete, flushes. Returns true when
   * it caught up with the head (nothing more to do now).
   */
  advance(drain: () => ToWorker[] = () => [], budgetS = 0.05): boolean {
    this.step++;
    const src = this.source;
    const head = src?.head ?? 0;
    for (const message of drain()) this.handle(message);
    const until = this.now() + budgetS;
    let blocked = false;
    if (src !== undefined) {
      while (this.next < head && this.now() < until) {
        const header = src.headerAt(this.next);
        if (header === undefined) {
          this.next = src.tail; // overtaken: the gaps in seq_num say what was lost
          continue;
        }
        if (header.kind !== KIND_PADDING && !this.write(src, header)) {
          blocked = true;
          break;
        }
        this.next = header.pos + header.length;
        if (this.pendingBytes() >= WRITE_BYTES && !this.writePending()) {
          blocked = true;
          break;
        }
      }
    }
    const flushS = this.options.flushS ?? 0.5;
    const flushDue = (run: RunEntry): boolean => run.file !== undefined && run.dirty && this.now() - run.lastFlushS >= flushS;
    // Every pending row is written before a file is flushed or finished (here, where a failure can rewind).
    if (this.pendingFrom !== undefined && [...this.runs.values()].some((run) => run.end !== undefined || flushDue(run)) && !this.writePending()) blocked = true;
    src?.release(this.pendingFrom ?? this.next); // records are copied: the pages behind leave this worker's memory
    const caughtUp = !blocked && this.next >= head;
    this.blocked = blocked;
    for (const run of [...this.runs.values()]) {
      if (run.pendingLogs.length > 0 && run.file !== undefined) this.writeLogs(run);
      if (run.end !== undefined && run.stopStep < this.step && (caughtUp || src === undefined)) this.finish(run);
      else if (flushDue(run)) this.flush(run);
    }
    return caughtUp;
  }

  /** Bytes of rows appended to the files and not written yet. */
  private pendingBytes(): number {
    if (this.pendingFrom === undefined) return 0;
    let bytes = 0;
    for (const run of this.runs.values()) bytes += run.file?.pendingBytes ?? 0;
    return bytes;
  }

  /**
   * Writes every file's pending rows. False when a file refused them: that run's file is closed
   * (as after any failed write) and the ring is read again from the first record with rows not
   * written, so its rows are written when the file can be (the other runs' rows, already
   * written, are skipped by their seq_num).
   */
  private writePending(): boolean {
    if (this.pendingFrom === undefined) return true;
    let ok = true;
    for (const run of this.runs.values()) {
      if (run.file === undefined) continue;
      try {
        run.file.writePending();
      } catch (error) {
        this.failed(run, error);
        ok = false;
      }
    }
    if (!ok) this.next = this.pendingFrom;
    this.pendingFrom = undefined;
    return ok;
  }

  /** Writes one record; false when the writer must wait (its run's file is not writable yet, or its run is not started). */
  private write(src: RecordSource, header: Parameters<RecordSource['decode']>[0]): boolean {
    let record;
    try {
      record = src.decode(header);
    } catch (error) {
      this.setHealth(`skipped a damaged ring record (${DaqError.from(error).message})`); // its events count as lost
      return true;
    }
    const batch = record?.batches[0];
    if (batch === undefined) return true; // overtaken while decoding: counted by the gap
    const uid = batch.schema.metadata.get('daq.run_uid') ?? '';
    const stream = batch.schema.metadata.get('daq.stream') ?? '';
    const run = this.runs.get(uid);
    if (run === undefined) return !this.announced.has(uid); // a run without storage: skip it
    if (run.abandoned) return true; // its rows count as lost; later runs go on
    if (run.file === undefined && !this.openFile(run, true)) return run.abandoned;
    try {
      const { written, gap } = (run.file as RunFile).append(stream, batch.schema, batch);
      run.gaps += gap;
      if (written > 0) {
        run.dirty = true;
        this.pendingFrom ??= header.pos;
      }
      if (run.error !== '') this.recovered(run);
      else if (this.health !== '' && [...this.runs.values()].every((r) => r.error === '')) this.setHealth(''); // a skipped record is behind us
      return true;
    } catch (error) {
      this.failed(run, error);
      return run.abandoned;
    }
  }

  /** A stream's descriptor: its hints go to the file, the settings it changed to their logs. */
  private describe(descriptor: DescriptorInfo): void {
    const run = this.runs.get(descriptor.uid) as RunEntry;
    run.hints.set(descriptor.stream, descriptor.hints);
    run.file?.describe(descriptor.stream, descriptor.hints);
    run.pendingLogs.push(...run.settings.update(descriptor.configuration, descriptor.timeS));
    if (run.file !== undefined) this.writeLogs(run);
  }

  /** Writes the run's pending setting changes; false when the file refused them (retried later). */
  private writeLogs(run: RunEntry): boolean {
    if (run.pendingLogs.length === 0) return true;
    try {
      (run.file as RunFile).logSettings(run.pendingLogs);
      run.pendingLogs = [];
      run.dirty = true;
      return true;
    } catch (error) {
      this.failed(run, error);
      return false;
    }
  }

  /** Opens (creates or reopens) a run's file; on failure records the error and when to retry. */
  private openFile(run: RunEntry, retry: boolean): boolean {
    if (retry && this.now() < run.retryAtS) return false;
    try {
      run.file = existsSync(run.path) ? RunFile.reopen(run.path, run.start, this.options) : RunFile.create(run.path, run.start, this.options);
      for (const [stream, hints] of run.hints) run.file.describe(stream, hints);
      if (run.error !== '') this.recovered(run);
      this.report(run, false);
      return true;
    } catch (error) {
      this.failed(run, error);
      return false;
    }
  }

  /**
   * A write failed. A full disk or a directory that cannot be written is the storage's problem:
   * the writer waits and retries, the ring holds the records meanwhile. A run that keeps failing
   * while the disk is fine is the run's own problem: after {@link GIVE_UP_AFTER} attempts the
   * writer gives up on it (marked with the reason, its rows counted as lost) so that it never
   * holds back the runs after it.
   */
  private failed(run: RunEntry, error: unknown): void {
    let message = `run ${run.uid}: cannot write ${run.path}: ${DaqError.from(error).message}`;
    run.file?.close();
    run.file = undefined;
    run.retryAtS = this.now() + (this.options.retryS ?? 1);
    run.failures++;
    if (run.failures >= GIVE_UP_AFTER && storageLooksFine(run.path)) {
      run.abandoned = true;
      message = `${message}; the writer gave up on this run after ${run.failures} attempts (the disk is fine: the run's own data cannot be written); its other events are not in the file, later runs are`;
    }
    if (run.error !== message) {
      run.error = message;
      this.setHealth(message);
      this.report(run, false);
    }
  }

  private recovered(run: RunEntry): void {
    run.failures = 0;
    run.error = '';
    this.setHealth('');
    this.report(run, false);
  }

  private setHealth(error: string): void {
    if (error === this.health) return;
    this.health = error;
    this.options.report({ type: 'health', error });
  }

  private flush(run: RunEntry): void {
    try {
      run.file?.flush();
      run.dirty = false;
      run.lastFlushS = this.now();
      this.report(run, false);
    } catch (error) {
      this.failed(run, error);
    }
  }

  /** Writes the end of a stopped run whose records are all written (or lost). */
  private finish(run: RunEntry): void {
    const end = run.end as Omit<RunFileEnd, 'eventsLost'>;
    if (run.abandoned) {
      // Done with it: reported finished with its problem, so recovery at the next start leaves it alone.
      run.file?.close();
      this.runs.delete(run.uid);
      this.options.report({ type: 'finished', run: { ...this.progressOf(run, {}), finished: true }, end: { ...end, eventsLost: Object.values(end.numEvents).reduce((a, b) => a + b, 0) } });
      return;
    }
    if (run.file === undefined && !this.openFile(run, true)) return;
    if (!this.writeLogs(run)) return;
    const file = run.file as RunFile;
    const rows = file.rows();
    const eventsLost = eventsLostOf(end.numEvents, rows);
    const full = { ...end, eventsLost };
    try {
      file.finish(full);
    } catch (error) {
      this.failed(run, error);
      if (run.abandoned) this.finish(run);
      return;
    }
    run.file = undefined;
    this.runs.delete(run.uid);
    this.options.report({ type: 'finished', run: { ...this.progressOf(run, rows), finished: true }, end: full });
  }

  private report(run: RunEntry, finished: boolean): void {
    this.options.report({ type: 'progress', run: { ...this.progressOf(run, run.file?.rows() ?? {}), finished } });
  }

  private progressOf(run: RunEntry, rows: Record<string, number>): RunProgress {
    return { uid: run.uid, path: run.path, rows, eventsLost: run.gaps, sizeBytes: fileSize(run.path), finished: false, error: run.error };
  }

  /** Writes what is left, finishes stopped runs and closes every file (unstopped runs stay unfinished). */
  close(): void {
    for (let i = 0; i < 10_000 && !this.advance(() => [], 1); i++);
    this.advance();
    this.writePending();
    for (const run of this.runs.values()) run.file?.close();
    this.runs.clear();
    this.source?.close();
    this.source = undefined;
  }
}

/** Failed attempts in a row, with a healthy disk, before the writer gives up on a run. */
export const GIVE_UP_AFTER = 5;

/** Whether the run file's directory (or its nearest existing parent) can be written and has room. */
function storageLooksFine(path: string): boolean {
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    if (!statSync(dir).isDirectory()) return false;
    accessSync(dir, constants.W_OK);
    const fs = statfsSync(dir);
    return fs.bavail * fs.bsize > 4 * RESERVE_BYTES;
  } catch {
    return false;
  }
}
