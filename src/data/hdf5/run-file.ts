/**
 * One run's HDF5 file, NeXus (docs/data.md):
 *
 *   /                           NXroot: default = "entry", creator, file_name, file_time
 *   /entry                      NXentry; default = the stream plotted first; attrs uid, start/end
 *                               time, exit_status, reason, script, lab, plan, params and metadata
 *                               (JSON), events_lost; fields title, entry_identifier, start_time,
 *                               end_time (ISO 8601), program_name, script (the source)
 *   /entry/parameters           NXparameters, /entry/metadata NXcollection: one attribute each
 *   /entry/instrument/<device>/ NXcollection: driver, state; one scalar dataset per setting as at
 *                               run start (attr units), and a <setting>_log NXlog for each setting
 *                               that changed during the run (settings-log.ts)
 *   /entry/data/<stream>/       NXdata: seq_num, time, and one dataset per field, one row per event
 *                               (chunked, extendable; frames N x H x W), attrs units, source, dtype;
 *                               signal and axes of its default plot; also linked as /entry/<stream>
 *                               (stream-group.ts)
 *
 * Written in SWMR mode: readers open it with `h5py.File(path, 'r', swmr=True)` while the run goes
 * on and see it grow at each flush. HDF5 adds no objects in SWMR mode, so a new stream (or a
 * setting's first change) closes the file, adds its objects, and reopens it in SWMR mode.
 * `seq_num` is extended last, so after a crash its length says how many complete rows the file
 * holds ({@link RunFile.reopen}).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DaqError } from '../../core/index.js';
import type { RecordBatch, Schema } from '../ring/arrow-ipc.js';
import { type ColumnPlan, columnValues, planColumns, planFromDataset, seqNums } from './fields.js';
import { type Dataset, datasetAt, type Group, groupAt, type H5File, h5call, openH5 } from './h5.js';
import { type RunFileEnd, type RunFileStart, safeName, writeEnd, writeStart } from './entry.js';
import type { PlotHints } from './nexus-plot.js';
import { appendSettingLogs, createSettingLogs, haveSettingLogs } from './settings-log.js';
import type { SettingLog } from './settings-tracker.js';
import { chooseDefault, createStreamGroup } from './stream-group.js';
import { nullTerminateStrings, type ObjectAddress } from './string-type.js';
import { clearConsistencyFlags } from './superblock.js';
import { checkSpace, fileSize } from './file-space.js';

export type { RunFileEnd, RunFileStart };


/**
 * Rows appended are written in writes of at least this many bytes (or at a flush or finish): a
 * write to a dataset costs h5wasm ~0.1 ms whatever its size, and a fast run's ring records hold a
 * few rows each.
 */
export const WRITE_BYTES = 2 ** 20;

/** Options of a run file. */
export interface RunFileOptions {
  /** gzip level 1-9 for event datasets; 0 or undefined: no compression. */
  gzip?: number;
}

interface StreamState {
  plans: ColumnPlan[];
  datasets: Dataset[];
  /** Rows in the file. */
  rows: number;
  /** The last seq_num appended (written or pending). */
  lastSeq: number;
  /** Rows appended but not written yet: parts of batches, in order. */
  pending: { batch: RecordBatch; from: number; to: number }[];
  pendingRows: number;
}

/** Bytes of a stream's row (every dataset). */
const rowBytesOf = (state: StreamState): number => state.plans.reduce((sum, p) => sum + p.rowBytes, 0);

/** A run's file, open for appending. Not thread-safe: one writer (the writer worker). */
export class RunFile {
  /** Rows written and last seq_num, per stream. */
  private readonly streams = new Map<string, StreamState>();
  /** The fields each stream's descriptor hints name (see {@link RunFile.describe}). */
  private readonly hinted = new Map<string, { source: string; field: string }[]>();
  private file: H5File;

  private constructor(
    readonly path: string,
    file: H5File,
    private readonly start: RunFileStart,
    private readonly options: RunFileOptions,
  ) {
    this.file = file;
  }

  /** Creates the file (parent directories too) with the run's start information, in SWMR mode. */
  static create(path: string, start: RunFileStart, options: RunFileOptions = {}): RunFile {
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (error) {
      throw new DaqError('unavailable', `cannot create the run directory ${dirname(path)}: ${(error as Error).message}`, { cause: error });
    }
    const file = openH5(path, 'w');
    try {
      h5call(`cannot write ${path}`, () => {
        writeStart(file, path, start);
        file.flush();
        file.start_swmr_write();
      });
    } catch (error) {
      h5call('close', () => file.close());
      throw DaqError.from(error);
    }
    return new RunFile(path, file, start, options);
  }

  /**
   * Reopens a file this class wrote, also one left open by a killed process (its consistency
   * flags are cleared first): reads how many complete rows each stream holds (the length of its
   * `seq_num`; longer datasets are cut to it) and continues in SWMR mode. `start` is the run's
   * start (its plan gives the plots of streams added from now on).
   */
  static reopen(path: string, start: RunFileStart, options: RunFileOptions = {}): RunFile {
    clearConsistencyFlags(path);
    const file = openH5(path, 'a');
    const run = new RunFile(path, file, start, options);
    try {
      h5call(`cannot read ${path}`, () => {
        const data = groupAt(file, 'entry/data');
        for (const stream of data?.keys() ?? []) run.readStream(stream);
        file.flush();
        file.close();
      });
    } catch (error) {
      try {
        h5call('close', () => file.close());
      } catch {
        // the first error says it
      }
      throw DaqError.from(error);
    }
    run.file = openH5(path, 'Sa');
    run.refresh();
    return run;
  }

  /** Rows appended, per stream (in the file, or to be written by {@link RunFile.writePending}). */
  rows(): Record<string, number> {
    return Object.fromEntries([...this.streams].map(([name, s]) => [name, s.rows + s.pendingRows]));
  }

  /** Bytes appended and not written yet. */
  get pendingBytes(): number {
    let bytes = 0;
    for (const state of this.streams.values()) bytes += state.pendingRows * rowBytesOf(state);
    return bytes;
  }

  /** The last seq_num written of `stream` (0: none). */
  lastSeq(stream: string): number {
    return this.streams.get(stream)?.lastSeq ?? 0;
  }

  /** File size now, bytes. */
  sizeBytes(): number {
    return fileSize(this.path);
  }

  /**
   * Appends the rows of `batch` (of stream `stream`, with `schema`) whose seq_num is past the
   * last one appended; returns how many rows it took and how many events it found missing
   * before them (a gap in seq_num: events the ring lost). The rows are kept (by reference) until
   * {@link RunFile.writePending}, {@link RunFile.flush} or {@link RunFile.finish} writes them:
   * each write to a dataset costs h5wasm far more than its rows do, so rows go in as few writes
   * as possible.
   */
  append(stream: string, schema: Schema, batch: RecordBatch): { written: number; gap: number } {
    const state = this.streams.get(stream) ?? this.addStream(stream, schema, batch);
    const seqs = seqNums(batch);
    let first = 0;
    while (first < seqs.length && (seqs[first] as number) <= state.lastSeq) first++;
    if (first === seqs.length) return { written: 0, gap: 0 };
    const gap = (seqs[first] as number) - state.lastSeq - 1;
    state.pending.push({ batch, from: first, to: seqs.length });
    state.pendingRows += seqs.length - first;
    state.lastSeq = seqs[seqs.length - 1] as number;
    return { written: seqs.length - first, gap };
  }

  /** Writes the rows appended since the last write: one resize and one write per dataset and stream. */
  writePending(): void {
    for (const state of this.streams.values()) {
      if (state.pendingRows === 0) continue;
      const k = state.pendingRows;
      const n = state.rows;
      checkSpace(this.path, rowBytesOf(state) * k);
      // seq_num last: its length is the number of complete rows.
      const order = state.plans.map((_, i) => i).sort((a, b) => Number(state.plans[a]?.name === 'seq_num') - Number(state.plans[b]?.name === 'seq_num'));
      h5call(`cannot write ${this.path}`, () => {
        for (const i of order) {
          const plan = state.plans[i] as ColumnPlan;
          const dataset = state.datasets[i] as Dataset;
          dataset.resize([n + k, ...plan.rowShape]);
          dataset.write_slice([[n, n + k], ...plan.rowShape.map((d) => [0, d] as [number, number])], joined(state.pending.map((p) => columnValues(p.batch, plan, p.from, p.to))));
        }
      });
      state.rows = n + k;
      state.pending = [];
      state.pendingRows = 0;
    }
  }

  /**
   * Notes the fields a stream's descriptor hints name, device by device (Bluesky's descriptor
   * `hints`): its plot's signal is chosen among them when the stream's group is made.
   */
  describe(stream: string, hints: Record<string, { fields: string[] }>): void {
    this.hinted.set(stream, Object.entries(hints).flatMap(([source, h]) => (h.fields ?? []).map((field) => ({ source, field }))));
  }

  /**
   * Appends to the logs of settings that changed during the run (settings-log.ts), creating the
   * logs it lacks (out of SWMR mode, like a new stream).
   */
  logSettings(logs: readonly SettingLog[]): void {
    if (logs.length === 0) return;
    const startTimeS = this.start.startTimeS;
    if (h5call(`cannot read ${this.path}`, () => haveSettingLogs(this.file, logs))) {
      h5call(`cannot write ${this.path}`, () => appendSettingLogs(this.file, logs, startTimeS));
      return;
    }
    this.outOfSwmr((file) => {
      const strings = createSettingLogs(file, logs, startTimeS);
      appendSettingLogs(file, logs, startTimeS);
      return strings;
    });
  }

  /** Makes everything appended so far visible to SWMR readers and safe on disk. */
  flush(): void {
    this.writePending();
    h5call(`cannot write ${this.path}`, () => this.file.flush());
  }

  /** Writes the rows still pending and how the run ended, and closes the file (reopened out of SWMR mode to set attributes). */
  finish(end: RunFileEnd): void {
    this.writePending();
    h5call(`cannot write ${this.path}`, () => this.file.close());
    const file = openH5(this.path, 'a');
    try {
      h5call(`cannot write ${this.path}`, () => this.writeEnd(file, end));
    } finally {
      h5call(`cannot write ${this.path}`, () => file.close());
    }
  }

  private writeEnd(file: H5File, end: RunFileEnd): void {
    writeEnd(file, this.path, end);
    chooseDefault(file, (this.start.plan?.dimensions ?? []).map(([, stream]) => stream));
  }

  /** Closes the file without writing an end (it stays an unfinished run), nor the rows still pending. */
  close(): void {
    try {
      h5call('close', () => this.file.close());
    } catch {
      // already closed or broken: nothing more to do
    }
  }

  /**
   * Adds a stream's group (stream-group.ts: its datasets, those not there yet, its NXdata plot
   * and link), out of SWMR mode.
   */
  private addStream(stream: string, schema: Schema, first: RecordBatch): StreamState {
    const plans = planColumns(schema, first);
    this.outOfSwmr((file) => createStreamGroup(file, stream, plans, this.plotHints(stream), { gzip: this.options.gzip ?? 0 }));
    this.streams.set(stream, { plans, datasets: [], rows: 0, lastSeq: 0, pending: [], pendingRows: 0 });
    this.refresh();
    return this.streams.get(stream) as StreamState;
  }

  /** What the run's documents say about a stream's plot (nexus-plot.ts). */
  private plotHints(stream: string): PlotHints {
    const plan = this.start.plan ?? {};
    return {
      dimensions: (plan.dimensions ?? []).filter(([, s]) => s === stream).flatMap(([fields]) => fields),
      motors: (plan.motors ?? []).length > 0 ? (plan.motors ?? []) : (plan.movables ?? []),
      hinted: this.hinted.get(stream) ?? [],
    };
  }

  /**
   * Closes the SWMR file, runs `change` on it opened for writing (it returns the string
   * datasets it created), closes it, makes those strings null-terminated, and reopens it in SWMR
   * mode (HDF5 creates no objects in SWMR mode).
   */
  private outOfSwmr(change: (file: H5File) => ObjectAddress[]): void {
    h5call(`cannot write ${this.path}`, () => this.file.close());
    const file = openH5(this.path, 'a');
    let strings: ObjectAddress[] = [];
    try {
      h5call(`cannot write ${this.path}`, () => {
        strings = change(file);
        file.flush();
      });
    } finally {
      h5call(`cannot write ${this.path}`, () => file.close());
    }
    if (strings.length > 0) nullTerminateStrings(this.path, strings);
    this.file = openH5(this.path, 'Sa');
    this.refresh();
  }

  /** Reads a stream's plans and extent from the file (recovery). */
  private readStream(stream: string): void {
    const group = groupAt(this.file, `entry/data/${stream}`) as Group;
    if (!('complete' in group.attrs)) return; // created half way: the next append completes it
    const names = group.keys();
    const seq = datasetAt(this.file, `entry/data/${stream}/seq_num`);
    if (seq === undefined) return;
    const rows = Math.min(...names.map((name) => datasetAt(this.file, `entry/data/${stream}/${name}`)?.shape?.[0] ?? 0));
    const plans: ColumnPlan[] = [];
    for (const name of names) {
      const dataset = datasetAt(this.file, `entry/data/${stream}/${name}`) as Dataset;
      const shape = dataset.shape ?? [0];
      if ((shape[0] ?? 0) > rows) dataset.resize([rows, ...shape.slice(1)]);
      plans.push(planFromDataset(name, dataset));
    }
    const last = rows === 0 ? 0 : Number((seq.slice([[rows - 1, rows]]) as BigInt64Array)[0] ?? 0n);
    this.streams.set(stream, { plans, datasets: [], rows, lastSeq: last, pending: [], pendingRows: 0 });
  }

  /** Fetches every stream's datasets from the file now open. */
  private refresh(): void {
    for (const [stream, state] of this.streams) {
      state.datasets = state.plans.map((plan) => {
        const dataset = datasetAt(this.file, `entry/data/${safeName(stream)}/${safeName(plan.name)}`);
        if (dataset === undefined) throw new DaqError('internal', `${this.path}: dataset ${stream}/${plan.name} disappeared`);
        return dataset;
      });
    }
  }
}

/** The column parts of several batches as one (the part itself when there is one). */
function joined(parts: ReturnType<typeof columnValues>[]): ReturnType<typeof columnValues> {
  const first = parts[0];
  if (parts.length === 1 && first !== undefined) return first;
  if (parts.every((p): p is string[] => Array.isArray(p))) return parts.flat();
  const typed = parts as Exclude<ReturnType<typeof columnValues>, string[]>[];
  const total = typed.reduce((sum, p) => sum + p.length, 0);
  const Ctor = (first as Exclude<ReturnType<typeof columnValues>, string[]>).constructor as new (length: number) => Exclude<ReturnType<typeof columnValues>, string[]>;
  const out = new Ctor(total);
  let at = 0;
  for (const part of typed) {
    out.set(part as never, at);
    at += part.length;
  }
  return out;
}
