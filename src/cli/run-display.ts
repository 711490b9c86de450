/**
 * What `daq run` and `daq follow` show while a run goes: each stream's rows under its own
 * header (printed again whenever another stream printed in between), the script's log, and on
 * a terminal a footer that stays at the bottom: the progress line and any question asked of the
 * user. Every stream's rows appear: the first rows of a stream all, then at most a few a second
 * (the newest row of a fast stream is shown when it goes quiet); the end says how many were not
 * shown. All rows are recorded whatever is shown.
 */
import type { LogEntry, RunDocument, RunEvent } from '../engine/index.js';
import { type Progress, progressLine, ProgressRate } from './progress-line.js';
import { StreamTable } from './stream-table.js';

/** Options of a {@link RunDisplay}. */
export interface RunDisplayOptions {
  /** A terminal: draw the footer (progress, prompts) and redraw it in place. */
  interactive: boolean;
  /** What the progress line ends with (the script's name). */
  label?: string;
  /** Rows of a stream shown before it is summarised (default 20). */
  freeRows?: number;
  /** Rows a second of a stream shown after that (default 10). */
  maxRowsPerS?: number;
  /** Milliseconds now, for pacing rows (default `Date.now`). */
  nowMs?: () => number;
}

interface StreamState {
  table: StreamTable;
  shown: number;
  skipped: number;
  lastShownMs: number;
  pending: RunEvent | undefined;
  timer: NodeJS.Timeout | undefined;
  noticed: boolean;
}

/** Prints run documents and logs to a terminal or a pipe. */
export class RunDisplay {
  private readonly streams = new Map<string, StreamState>();
  private readonly freeRows: number;
  private readonly intervalMs: number;
  private readonly nowMs: () => number;
  private lastStream: string | undefined;
  private progressAt: { progress: Progress; rate: number | undefined; atMs: number } | undefined;
  private readonly rate = new ProgressRate();
  private promptText: string | undefined;
  private footerLines = 0;
  private ticker: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(
    private readonly out: NodeJS.WritableStream & { columns?: number },
    private readonly options: RunDisplayOptions,
  ) {
    this.freeRows = options.freeRows ?? 20;
    this.intervalMs = 1000 / (options.maxRowsPerS ?? 10);
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** Shows a document: a descriptor prepares its stream's columns, an event is a row, a stop shows what was held back. */
  document(document: RunDocument): void {
    if (document.kind === 'descriptor') {
      const known = this.streams.get(document.name);
      if (known !== undefined && known.table.sameFields(document.dataKeys)) return;
      if (known?.timer !== undefined) clearTimeout(known.timer);
      this.streams.set(document.name, { table: new StreamTable(document.name, document.dataKeys), shown: 0, skipped: 0, lastShownMs: -Infinity, pending: undefined, timer: undefined, noticed: false });
      if (this.lastStream === document.name) this.lastStream = undefined;
    } else if (document.kind === 'event') {
      this.event(document);
    } else if (document.kind === 'stop') {
      for (const state of this.streams.values()) this.flush(state);
    }
  }

  /** Shows a log line of the script. */
  log(entry: Pick<LogEntry, 'level' | 'message'>): void {
    this.line(`${entry.level === 'info' ? '' : `${entry.level}: `}${entry.message}`);
  }

  /** A line of the CLI itself (`queued at position 2`), above the footer. */
  note(text: string): void {
    this.line(text);
  }

  /** Updates the progress line (terminals only); it ticks on by itself each second. */
  progress(progress: Progress): void {
    if (!this.options.interactive || progress.total <= 0 || this.finished) return;
    this.progressAt = { progress, rate: this.rate.update(progress), atMs: Date.now() };
    this.ticker ??= setInterval(() => this.redraw(), 1000).unref();
    this.redraw();
  }

  /** Shows a question at the bottom, under the progress line, until `prompt(undefined)`. */
  prompt(text: string | undefined): void {
    if (this.finished) return;
    this.promptText = text;
    if (this.options.interactive) this.redraw();
    else if (text !== undefined) this.out.write(`${text}\n`);
  }

  /** Ends the display: shows rows held back, clears the footer, says how many rows were not shown. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const state of this.streams.values()) this.flush(state);
    if (this.ticker !== undefined) clearInterval(this.ticker);
    this.ticker = undefined;
    this.clearFooter();
    this.progressAt = undefined;
    this.promptText = undefined;
    const skipped = [...this.streams.values()].filter((s) => s.skipped > 0);
    if (skipped.length > 0) {
      const parts = skipped.map((s) => `${s.table.name}: ${s.skipped} of ${s.skipped + s.shown} rows`);
      this.out.write(`(not shown: ${parts.join(', ')}; all are recorded)\n`);
    }
  }

  private event(event: RunEvent): void {
    const state = this.streams.get(event.stream);
    if (state === undefined) return;
    const now = this.nowMs();
    if (state.shown < this.freeRows || now - state.lastShownMs >= this.intervalMs) {
      state.pending = undefined;
      this.show(state, event, now);
      return;
    }
    if (!state.noticed) {
      state.noticed = true;
      this.line(`[${state.table.name}] rows come faster than ${1000 / this.intervalMs} a second: showing some, and the last (all are recorded)`);
    }
    state.pending = event;
    state.skipped++;
    state.timer ??= setTimeout(() => {
      state.timer = undefined;
      this.flush(state);
    }, this.intervalMs).unref();
  }

  /** Shows the newest row held back, if any. */
  private flush(state: StreamState): void {
    if (state.timer !== undefined) clearTimeout(state.timer);
    state.timer = undefined;
    const event = state.pending;
    if (event === undefined) return;
    state.pending = undefined;
    state.skipped--;
    this.show(state, event, this.nowMs());
  }

  private show(state: StreamState, event: RunEvent, now: number): void {
    const cells = state.table.cells(event);
    if (this.lastStream !== state.table.name || state.table.widened) {
      this.line('');
      this.line(`[${state.table.name}]`);
      this.line(state.table.header());
      this.lastStream = state.table.name;
    }
    this.line(state.table.row(cells));
    state.shown++;
    state.lastShownMs = now;
  }

  private line(text: string): void {
    this.clearFooter();
    this.out.write(`${text}\n`);
    this.drawFooter();
  }

  private redraw(): void {
    this.clearFooter();
    this.drawFooter();
  }

  private footer(): string[] {
    const lines: string[] = [];
    if (this.progressAt !== undefined) {
      const { progress, rate, atMs } = this.progressAt;
      const elapsedS = progress.done >= progress.total ? progress.elapsedS : progress.elapsedS + (Date.now() - atMs) / 1000;
      lines.push(progressLine({ ...progress, elapsedS }, rate, this.options.label ?? ''));
    }
    if (this.promptText !== undefined) lines.push(this.promptText);
    const width = (this.out.columns ?? 0) > 0 ? (this.out.columns as number) - 1 : Infinity;
    return lines.map((l) => (l.length > width ? l.slice(0, width) : l));
  }

  private clearFooter(): void {
    if (!this.options.interactive || this.footerLines === 0) return;
    this.out.write(`\r\x1b[2K${'\x1b[1A\x1b[2K'.repeat(this.footerLines - 1)}`);
    this.footerLines = 0;
  }

  private drawFooter(): void {
    if (!this.options.interactive) return;
    const lines = this.footer();
    if (lines.length === 0) return;
    this.out.write(lines.join('\n'));
    this.footerLines = lines.length;
  }
}
