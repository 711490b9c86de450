/**
 * Aligned columns of text: numbers right-aligned (so digits and units line up), words
 * left-aligned, widths counted in characters as a terminal shows them.
 */

/** How a column is aligned. */
export type Align = 'left' | 'right';

/** Width of `text` on a terminal: code points, minus combining marks (µ, °, ×, … count one). */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) if (!/\p{M}/u.test(ch)) width++;
  return width;
}

/** `text` padded with spaces to `width` on the side `align` says; longer text is left as is. */
export function pad(text: string, width: number, align: Align = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** `text` cut to at most `width` characters, ending in `…` when cut. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  return `${[...text].slice(0, Math.max(0, width - 1)).join('')}…`;
}

/**
 * Whether a cell reads as a number, maybe with a unit (`-12.500 mm`, `998.25 nW`, `NaN`, `42`,
 * `1.0028e-6`): such columns align right. Times and dates (`04:14:43.123`, `2026-12-07`) do not.
 */
export function isNumeric(cell: string): boolean {
  return /^[-+]?(\d+(\.\d*)?(e[-+]?\d+)?|NaN|∞)( \S+)?$/.test(cell.trim());
}

/**
 * Rows as a table with a header row: two spaces between columns, each column right-aligned
 * when all its non-empty cells are numbers (`align` overrides), the last column not padded.
 */
export function formatColumns(header: readonly string[], rows: readonly (readonly string[])[], align?: readonly Align[]): string {
  const count = Math.max(header.length, ...rows.map((r) => r.length));
  const widths = Array.from({ length: count }, (_, i) => Math.max(displayWidth(header[i] ?? ''), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const aligns = Array.from({ length: count }, (_, i): Align => {
    const given = align?.[i];
    if (given !== undefined) return given;
    const cells = rows.map((r) => r[i] ?? '').filter((c) => c !== '');
    return cells.length > 0 && cells.every(isNumeric) ? 'right' : 'left';
  });
  const line = (cells: readonly string[]): string =>
    Array.from({ length: count }, (_, i) => {
      const cell = cells[i] ?? '';
      return i === count - 1 && aligns[i] === 'left' ? cell : pad(cell, widths[i] ?? 0, aligns[i]);
    })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
