/**
 * What `daq run` shows while a run goes: a table of recorded values (one row per event, at most
 * a few rows a second so fast scans stay readable), the script's log, and on a terminal a
 * progress bar on the last line.
 */
import type { RunDocument, RunEvent, LogEntry } from '../engine/index.js';

const MAX_ROWS_PER_S = 10;

/** Prints run documents and logs to a terminal or a pipe. */
export class RunDisplay {
  private readonly widths = new Map<string, number[]>();
  private lastRowMs = 0;
  private skipped = 0;
  private bar = '';

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly interactive: boolean,
  ) {}

  /** Shows a document: a header for a new stream, a row for an event. */
  document(document: RunDocument): void {
    if (document.kind === 'descriptor') {
      const fields = ['seq', ...Object.keys(document.dataKeys)];
      const units = ['', ...Object.values(document.dataKeys).map((k) => k.units)];
      const widths = fields.map((f, i) => Math.max(10, f.length, (units[i] ?? '').length + 2));
      this.widths.set(document.name, widths);
      this.line(`\n[${document.name}]`);
      this.line(fields.map((f, i) => f.padStart(widths[i] ?? 10)).join(' '));
      this.line(units.map((u, i) => (u === '' ? '' : `(${u})`).padStart(widths[i] ?? 10)).join(' '));
    } else if (document.kind === 'event') {
      const now = Date.now();
      if (now - this.lastRowMs < 1000 / MAX_ROWS_PER_S) {
        this.skipped++;
        return;
      }
      this.lastRowMs = now;
      this.row(document);
    }
  }

  /** Shows a log line of the script. */
  log(entry: LogEntry): void {
    this.line(`${entry.level === 'info' ? '' : `${entry.level}: `}${entry.message}`);
  }

  /** Redraws the progress bar (terminals only). */
  progress(done: number, total: number, label: string): void {
    if (!this.interactive || total <= 0) return;
    const width = 30;
    const filled = Math.round((Math.min(done, total) / total) * width);
    this.bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${label}`;
    this.out.write(`\r\x1b[2K${this.bar}`);
  }

  /** Ends the display (clears the bar, says how many rows were not shown). */
  finish(): void {
    if (this.interactive && this.bar !== '') this.out.write('\r\x1b[2K');
    this.bar = '';
    if (this.skipped > 0) this.out.write(`(${this.skipped} more events not shown; all are recorded)\n`);
  }

  private row(event: RunEvent): void {
    const widths = this.widths.get(event.stream) ?? [];
    const cells = [String(event.seqNum), ...Object.values(event.data).map(formatValue)];
    this.line(cells.map((c, i) => c.padStart(widths[i] ?? 10)).join(' '));
  }

  private line(text: string): void {
    if (this.interactive && this.bar !== '') this.out.write('\r\x1b[2K');
    this.out.write(`${text}\n`);
    if (this.interactive && this.bar !== '') this.out.write(this.bar);
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toPrecision(6);
  if (typeof value === 'object' && value !== null && 'width' in value && 'height' in value) {
    const frame = value as { width: number; height: number; dtype: string };
    return `<${frame.width}x${frame.height} ${frame.dtype}>`;
  }
  if (Array.isArray(value)) return `[${value.length}]`;
  return String(value);
}
