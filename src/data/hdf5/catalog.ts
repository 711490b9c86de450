/**
 * The run catalog: `catalog.jsonl` in the data directory, one JSON object a line, appended when a
 * run starts, when it stops and when its file is finished (the last line of a uid wins). It
 * survives restarts; at start it is compacted to one line per run (written aside, then renamed).
 * A line that does not parse (a torn write at a crash) is skipped and reported.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { RunFileStart } from './run-file.js';

/** One run as the catalog knows it. */
export interface CatalogEntry {
  uid: string;
  scriptName: string;
  lab: string;
  /** Seconds since the Unix epoch. */
  startTimeS: number;
  /** Undefined while the run goes on (or when the daemon died during it). */
  endTimeS?: number;
  /** `success`, `abort` or `fail`; undefined while running. */
  exitStatus?: string;
  reason?: string;
  /** Events recorded per stream. */
  numEvents: Record<string, number>;
  /** The run's HDF5 file. */
  file: string;
  fileSizeBytes: number;
  /** Events recorded but not in the file. */
  eventsLost: number;
  /** The storage problem of this run ('' when none). */
  storageError: string;
  /** True once the file has its end and is closed. */
  fileFinished: boolean;
  /** What recreating the file would need (without the script source and the instrument). */
  start: RunFileStart;
}

/** The catalog of a data directory. */
export class Catalog {
  private readonly entries = new Map<string, CatalogEntry>();

  private constructor(readonly path: string) {}

  /** Reads (and compacts) the catalog at `path`; `onBadLine` hears of lines that do not parse. */
  static open(path: string, onBadLine: (line: number, text: string) => void = () => undefined): Catalog {
    const catalog = Catalog.read(path, onBadLine);
    if (!existsSync(path)) return catalog;
    const temp = `${path}.tmp`;
    writeFileSync(temp, [...catalog.entries.values()].map((e) => `${JSON.stringify(e)}\n`).join(''));
    renameSync(temp, path);
    return catalog;
  }

  /** Reads the catalog at `path` without changing it (a missing file is an empty catalog). */
  static read(path: string, onBadLine: (line: number, text: string) => void = () => undefined): Catalog {
    const catalog = new Catalog(path);
    if (!existsSync(path)) return catalog;
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.forEach((text, index) => {
      if (text.trim() === '') return;
      try {
        const entry = JSON.parse(text) as CatalogEntry;
        if (typeof entry.uid !== 'string') throw new Error('no uid');
        catalog.entries.set(entry.uid, entry);
      } catch {
        onBadLine(index + 1, text.slice(0, 80));
      }
    });
    return catalog;
  }

  /** Every run, oldest start first. */
  list(): CatalogEntry[] {
    return [...this.entries.values()].sort((a, b) => a.startTimeS - b.startTimeS);
  }

  /** The highest `scan_id` of the runs in the catalog (0 when none has one). */
  highestScanId(): number {
    let highest = 0;
    for (const entry of this.entries.values()) {
      const scanId = entry.start?.scanId;
      if (typeof scanId === 'number' && scanId > highest) highest = scanId;
    }
    return highest;
  }

  /** The run `uid`, or undefined. */
  get(uid: string): CatalogEntry | undefined {
    return this.entries.get(uid);
  }

  /** Records `entry` (in memory at once, then on disk; a failed append throws). */
  put(entry: CatalogEntry): void {
    this.entries.set(entry.uid, entry);
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }

  /** Updates `uid` in memory only (live figures; the next {@link Catalog.put} stores them). */
  update(uid: string, change: Partial<CatalogEntry>): CatalogEntry | undefined {
    const entry = this.entries.get(uid);
    if (entry === undefined) return undefined;
    Object.assign(entry, change);
    return entry;
  }
}
