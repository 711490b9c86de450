/**
 * One stream of a run as terminal columns: `seq`, `time`, then the stream's fields in the
 * descriptor's order, each cell formatted for people (unit, SI prefix, five significant digits;
 * frames by size). Cells are placed by field name, never by position, so a frame or a missing
 * value cannot shift `mean` and `peak` under the wrong headers; a cell wider than its column
 * widens the column and the header is printed again.
 */
import { type Align, displayWidth, formatQuantity, formatTime, pad, truncate } from '../core/index.js';
import type { DataKey, EventDescriptor, RunEvent } from '../engine/index.js';

/** Widest text cell (strings are cut with `…`). */
const MAX_TEXT = 24;

interface Column {
  name: string;
  width: number;
  align: Align;
  cell(event: RunEvent): string;
}

/** The columns of one stream. */
export class StreamTable {
  private readonly columns: Column[];
  private changed = false;

  /** `withDate`: the time column shows the date too (`2026-12-07T04:14:43.123`), for rows that may span days. */
  constructor(
    readonly name: string,
    dataKeys: EventDescriptor['dataKeys'],
    withDate = false,
  ) {
    this.columns = [
      { name: 'seq', width: 4, align: 'right', cell: (e) => String(e.seqNum) },
      { name: 'time', width: withDate ? 23 : 12, align: 'left', cell: (e) => formatTime(e.timeS, { timeOnly: !withDate }) },
      ...Object.entries(dataKeys).map(([field, key]) => column(field, key)),
    ];
    for (const c of this.columns) c.width = Math.max(c.width, displayWidth(c.name));
  }

  /** Whether `dataKeys` describe the same columns (a new descriptor of the same stream). */
  sameFields(dataKeys: EventDescriptor['dataKeys']): boolean {
    const names = Object.keys(dataKeys);
    return names.length === this.columns.length - 2 && names.every((n, i) => this.columns[i + 2]?.name === n);
  }

  /** The header line. */
  header(): string {
    this.changed = false;
    return this.join(this.columns.map((c) => c.name));
  }

  /** The cells of `event`, widening columns where needed (see {@link widened}). */
  cells(event: RunEvent): string[] {
    const cells = this.columns.map((c) => c.cell(event));
    cells.forEach((text, i) => {
      const column = this.columns[i] as Column;
      if (displayWidth(text) > column.width) {
        column.width = displayWidth(text);
        this.changed = true;
      }
    });
    return cells;
  }

  /** Whether a column became wider since the header was last printed. */
  get widened(): boolean {
    return this.changed;
  }

  /** A row line of cells from {@link cells}. */
  row(cells: readonly string[]): string {
    return this.join(cells);
  }

  private join(cells: readonly string[]): string {
    return cells.map((text, i) => pad(text, this.columns[i]?.width ?? 0, this.columns[i]?.align ?? 'left')).join('  ').trimEnd();
  }
}

/** The column of one field: its width from what the data key says its values look like. */
function column(name: string, key: DataKey): Column {
  const cell = (e: RunEvent): string => cellText(e.data[name], key);
  if (key.shape.length >= 2) return { name, width: displayWidth(frameText(key.shape[1] ?? 0, key.shape[0] ?? 0, key.dtype)), align: 'left', cell };
  if (key.shape.length === 1) return { name, width: 6, align: 'right', cell };
  if (key.dtype === 'string') return { name, width: 8, align: 'left', cell };
  if (key.dtype === 'bool') return { name, width: 5, align: 'left', cell };
  // Sign, five digits and a point, then a space, a prefix and the unit: `-998.25 nW`.
  return { name, width: 8 + displayWidth(formatQuantity(1, key.units).replace(/^[\d.]+/, '')), align: 'right', cell };
}

/** A value for people: numbers with unit and prefix, frames by size, arrays by length. */
export function cellText(value: unknown, key: Pick<DataKey, 'units' | 'dtype'>): string {
  if (value === undefined || value === null) return '–';
  if (typeof value === 'number') return formatQuantity(value, key.units, { integer: /int/.test(key.dtype) });
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return truncate(value, MAX_TEXT);
  if (typeof value === 'object' && 'width' in value && 'height' in value) {
    const frame = value as { width: number; height: number; dtype: string };
    return frameText(frame.width, frame.height, frame.dtype);
  }
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return `[${(value as ArrayLike<number>).length}]`;
  return truncate(String(value), MAX_TEXT);
}

function frameText(width: number, height: number, dtype: string): string {
  return `<${width}x${height} ${dtype}>`;
}
