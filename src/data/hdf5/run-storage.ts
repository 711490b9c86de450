/**
 * What the daemon uses to store runs: the catalog, the writer worker, and the bridge from run
 * documents to the worker. Open it before the ring: runs a killed daemon left unfinished are
 * finished first from the old ring ({@link RunStorage.open}). Then {@link RunStorage.follow}
 * the new ring and {@link RunStorage.attach} the engine AFTER the ring's document sink, so a
 * run's stop reaches the writer after its last records are in the ring.
 */
import { accessSync, constants, existsSync, mkdirSync, statfsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { movable } from '../../capabilities/index.js';
import { DaqError, Emitter, type Unsubscribe } from '../../core/index.js';
import type { RunDocumentEvent, RunStart } from '../../engine/index.js';
import { workerEntry } from '../../core/worker-entry.js';
import { Catalog, type CatalogEntry } from './catalog.js';
import { lockDataDir, unlockDataDir } from './data-dir-lock.js';
import { type DeviceList, readInstrument } from './instrument.js';
import type { FromWorker, RunProgress, ToWorker } from './protocol.js';
import type { RunFileEnd, RunFileStart } from './run-file.js';

/** Options of {@link RunStorage.open}. */
export interface RunStorageOptions {
  dataDir: string;
  /** gzip level 1-9 for event datasets (default: none). */
  gzip?: number;
  /** Seconds between flushes of a growing file (default 0.5). */
  flushS?: number;
  /** Where storage problems and recoveries are told. */
  log: (level: 'info' | 'warn' | 'error', message: string, runUid?: string) => void;
}

/** The storage's state for clients. */
export interface StorageStatus {
  dataDir: string;
  /** Free space where run files go, bytes (-1 when unknown). */
  freeBytes: number;
  /** The current storage problem, '' when none. */
  error: string;
}

/** Runs' files and catalog, written by a worker thread. */
export class RunStorage {
  private readonly control = new MessageChannel();
  private worker: Worker;
  /** The writer's problem ('' when none). */
  private error = '';
  /** The runs directory's problem found by {@link RunStorage.checkWritable} ('' when none). */
  private dirError = '';
  private readonly waiting = new Map<string, (message: FromWorker) => void>();
  private readonly started = new Map<string, Promise<void>>();
  private closed: Promise<void> | undefined;
  /** The writer finished and closed every file, without a storage problem. */
  private writerClosed = false;
  private lastScanId = 0;
  private readonly changes = new Emitter<void>();

  private constructor(
    readonly catalog: Catalog,
    private readonly options: RunStorageOptions,
  ) {
    const entry = workerEntry(new URL('./writer-worker.js', import.meta.url), new URL('./writer-worker.ts', import.meta.url));
    this.worker = new Worker(entry.url, {
      workerData: { control: this.control.port2, gzip: options.gzip ?? 0, flushS: options.flushS ?? 0.5, ...(entry.devSources === undefined ? {} : { devSources: entry.devSources }) },
      transferList: [this.control.port2],
      execArgv: entry.execArgv,
    });
    this.worker.on('message', (message: FromWorker) => this.receive(message));
    this.worker.on('error', (error) => this.setError(`the HDF5 writer stopped: ${error.message}`));
    // The daemon's servers keep the process alive, not the writer (unref after the listeners: they ref).
    this.worker.unref();
    this.control.port1.unref();
  }

  /**
   * The `scan_id` for the next run: one more than the highest in the catalog (or given out by
   * this storage), so scan ids count 1, 2, 3, ... per data directory across restarts.
   */
  nextScanId(): number {
    this.lastScanId = Math.max(this.lastScanId, this.catalog.highestScanId()) + 1;
    return this.lastScanId;
  }

  /** The runs directory. */
  get runsDir(): string {
    return join(this.options.dataDir, 'runs');
  }

  /**
   * Opens the storage of `options.dataDir`: reads the catalog, starts the writer, and finishes
   * every run a dead daemon left unfinished, from what the files and the ring at `oldRingPath`
   * (the ring that daemon wrote, if it is still there) hold.
   */
  static async open(options: RunStorageOptions, oldRingPath?: string): Promise<RunStorage> {
    lockDataDir(options.dataDir, options.log);
    const catalog = Catalog.open(join(options.dataDir, 'catalog.jsonl'), (line, text) =>
      options.log('warn', `run catalog ${join(options.dataDir, 'catalog.jsonl')} line ${line} is damaged and was dropped: ${text}`),
    );
    const storage = new RunStorage(catalog, options);
    storage.checkWritable();
    const unfinished = catalog.list().filter((e) => !e.fileFinished);
    if (unfinished.length > 0) {
      const reply = await storage.request('recovered', {
        type: 'recover',
        ringPath: oldRingPath ?? '',
        runs: unfinished.map((e) => ({
          uid: e.uid,
          path: e.file,
          start: e.start,
          ...(e.endTimeS === undefined ? {} : { end: { endTimeS: e.endTimeS, exitStatus: e.exitStatus ?? 'fail', reason: e.reason ?? '', numEvents: e.numEvents } }),
        })),
      });
      if (reply.type === 'recovered') {
        for (const { run, end } of reply.runs) {
          storage.store(run, end);
          if (run.error !== '') options.log('error', run.error, run.uid);
          else options.log('warn', `recovered run ${run.uid} left unfinished by a daemon that died: ${end.exitStatus} (${end.reason}), ${Object.values(run.rows).reduce((a, b) => a + b, 0)} events in ${run.path}, ${end.eventsLost} lost`, run.uid);
        }
      }
    }
    return storage;
  }

  /**
   * The absolute path of the HDF5 file of the run that `start` opens (known from the start
   * document alone: Bluesky's stream_resource documents point there from the run's first frame).
   */
  fileOf(start: RunStart, runUid: string): string {
    return join(this.runsDir, fileName(start, runUid));
  }

  /** Follows the ring at `ringPath` (the daemon's new ring). */
  follow(ringPath: string): void {
    this.post({ type: 'follow', ringPath });
  }

  /**
   * Stores every run of `engine` (attach after the ring's document sink); `lab` gives the device
   * settings, read when a run starts: before its script begins when the engine offers
   * `beforeScript`.
   */
  attach(engine: { onDocument(listener: (event: RunDocumentEvent) => void): Unsubscribe; beforeScript?(prepare: (runUid: string) => Promise<void>): Unsubscribe }, lab: DeviceList): Unsubscribe {
    const detach = engine.onDocument((event) => this.handle(event, lab));
    const unprepare = engine.beforeScript?.((uid) => this.started.get(uid) ?? Promise.resolve());
    return () => {
      detach();
      unprepare?.();
    };
  }

  /** Calls `listener` when the storage problem or a run's file changes (status streams poke on it). */
  onChange(listener: () => void): Unsubscribe {
    return this.changes.on(listener);
  }

  /** Storage status for clients. */
  status(): StorageStatus {
    if (this.dirError !== '') this.checkWritable();
    let freeBytes = -1;
    try {
      const fs = statfsSync(this.options.dataDir);
      freeBytes = fs.bavail * fs.bsize;
    } catch {
      // unknown
    }
    return { dataDir: this.options.dataDir, freeBytes, error: this.error || this.dirError };
  }

  /** The catalog entry of run `uid`, or undefined. */
  run(uid: string): CatalogEntry | undefined {
    return this.catalog.get(uid);
  }

  /** The run whose uid is `uidOrPrefix` or starts with it (unique); `not_found` / `invalid_argument` otherwise. */
  find(uidOrPrefix: string): CatalogEntry {
    return this.catalog.find(uidOrPrefix);
  }

  /** The gzip level of new files (0: none). */
  get gzip(): number {
    return this.options.gzip ?? 0;
  }

  /**
   * Whether, after {@link RunStorage.close}, every run of the catalog is completely written to its
   * file: then nothing needs the ring any more (the daemon removes it at a clean stop).
   */
  get everythingWritten(): boolean {
    return this.writerClosed && this.catalog.list().every((entry) => entry.fileFinished);
  }

  /** Writes what the ring still holds, finishes stopped runs, and stops the writer. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      await Promise.allSettled([...this.started.values()]);
      const answered = await Promise.race([this.request('closed', { type: 'close' }).then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000).unref())]);
      this.writerClosed = answered && this.error === '';
      await this.worker.terminate();
      this.control.port1.close();
      unlockDataDir(this.options.dataDir);
    })();
    return this.closed;
  }

  private handle({ runUid, document }: RunDocumentEvent, lab: DeviceList): void {
    if (document.kind === 'start') {
      const path = this.fileOf(document, runUid);
      this.post({ type: 'announce', uid: runUid });
      const start: RunFileStart = {
        uid: runUid,
        scriptName: document.scriptName,
        scriptSource: document.scriptSource,
        scriptSha256: document.scriptSha256,
        params: document.params,
        metadata: document.metadata,
        lab: document.lab,
        startTimeS: document.timeS,
        instrument: [],
        ...(document.scanId === undefined ? {} : { scanId: document.scanId }),
        plan: {
          ...(document.planName === undefined ? {} : { name: document.planName }),
          ...(document.planType === undefined ? {} : { type: document.planType }),
          motors: document.motors ?? [],
          detectors: document.detectors ?? [],
          dimensions: document.hints?.dimensions ?? [],
          movables: lab.devices().filter((device) => movable.is(device)).map((device) => device.name),
        },
      };
      this.put({
        uid: runUid,
        scriptName: document.scriptName,
        lab: document.lab,
        startTimeS: document.timeS,
        numEvents: {},
        file: path,
        fileSizeBytes: 0,
        eventsLost: 0,
        storageError: '',
        fileFinished: false,
        start: { ...start, scriptSource: '' },
      });
      const ready = readInstrument(lab)
        .catch(() => [])
        .then((instrument) => this.post({ type: 'start', uid: runUid, path, start: { ...start, instrument } }));
      this.started.set(runUid, ready);
    } else if (document.kind === 'descriptor') {
      // At once (not after the start): the writer keeps it until the run's start comes.
      this.post({ type: 'descriptor', uid: runUid, stream: document.name, timeS: document.timeS, hints: document.hints ?? {}, configuration: document.configuration ?? {} });
    } else if (document.kind === 'stop') {
      const end = { endTimeS: document.timeS, exitStatus: document.exitStatus, reason: document.reason, numEvents: document.numEvents };
      const entry = this.catalog.get(runUid);
      if (entry !== undefined) this.put({ ...entry, ...end });
      const ready = this.started.get(runUid) ?? Promise.resolve();
      void ready.then(() => {
        this.post({ type: 'stop', uid: runUid, end });
        this.started.delete(runUid);
      });
    }
  }

  private receive(message: FromWorker): void {
    switch (message.type) {
      case 'progress': {
        const { run } = message;
        const before = this.catalog.get(run.uid)?.storageError ?? '';
        this.catalog.update(run.uid, { fileSizeBytes: run.sizeBytes, eventsLost: run.eventsLost, storageError: run.error });
        if (run.error !== '' && run.error !== before) this.options.log('error', `${run.error}; acquisition goes on into the ring, the writer retries every second`, run.uid);
        else if (run.error === '' && before !== '') this.options.log('info', `run ${run.uid}: writing ${run.path} again`, run.uid);
        if (run.error !== before) this.changes.emit();
        break;
      }
      case 'finished':
        this.store(message.run, message.end);
        if (message.end.eventsLost > 0) this.options.log('warn', `run ${message.run.uid}: ${message.end.eventsLost} events were overwritten in the ring before the writer got to them; ${message.run.path} holds the rest`, message.run.uid);
        break;
      case 'health':
        this.setError(message.error, !message.error.startsWith('run ')); // a run's problem is logged with its run (progress)
        break;
      default:
        break;
    }
    this.waiting.get(message.type)?.(message);
  }

  private store(run: RunProgress, end: RunFileEnd): void {
    const entry = this.catalog.get(run.uid);
    if (entry === undefined) return;
    this.put({ ...entry, ...end, fileSizeBytes: run.sizeBytes, eventsLost: end.eventsLost, storageError: run.error, fileFinished: run.finished });
  }

  private put(entry: CatalogEntry): void {
    try {
      this.catalog.put(entry);
    } catch (error) {
      this.setError(`cannot write the run catalog ${this.catalog.path}: ${(error as Error).message}`);
    }
  }

  private setError(error: string, log = true): void {
    if (error === this.error) return;
    const was = this.error;
    this.error = error;
    this.changes.emit();
    if (!log) return;
    if (error !== '') this.options.log('error', `storage: ${error}`);
    else if (was !== '') this.options.log('info', 'storage: writing again');
  }

  /** Checks that run files can be created; a problem is logged once and shown in the status until fixed. */
  private checkWritable(): void {
    let problem = '';
    try {
      if (!existsSync(this.runsDir)) mkdirSync(this.runsDir, { recursive: true });
      accessSync(this.runsDir, constants.W_OK);
      if (!statSync(this.runsDir).isDirectory()) throw new Error('it is not a directory');
    } catch (error) {
      problem = `run files cannot be written in ${this.runsDir}: ${(error as Error).message}; acquisition goes on into the ring, the writer retries`;
    }
    if (problem !== '' && this.dirError === '') this.options.log('error', `storage: ${problem}`);
    if (problem !== this.dirError) this.changes.emit();
    this.dirError = problem;
  }

  private post(message: ToWorker): void {
    this.control.port1.postMessage(message);
  }

  private request(type: FromWorker['type'], message: ToWorker): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      this.worker.ref(); // while waiting for the answer, the writer keeps the process alive
      const onExit = (): void => reject(new DaqError('internal', 'the HDF5 writer thread exited'));
      this.worker.once('exit', onExit);
      this.waiting.set(type, (reply) => {
        this.waiting.delete(type);
        this.worker.off('exit', onExit);
        this.worker.unref();
        resolve(reply);
      });
      this.post(message);
    });
  }
}

/** `2026-11-30/134502_simple_scan_1a2b3c4d.h5`: by UTC date, time, script and uid. */
function fileName(start: RunStart, uid: string): string {
  const iso = new Date(start.timeS * 1000).toISOString();
  const stem = basename(start.scriptName).replace(/\.[^.]*$/, '').replace(/[^\w-]+/g, '_').slice(0, 40) || 'run';
  return join(iso.slice(0, 10), `${iso.slice(11, 19).replace(/:/g, '')}_${stem}_${uid.slice(0, 8)}.h5`);
}
