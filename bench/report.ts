/** How every benchmark prints a figure: name, value and unit in columns, then a note. */

/** Prints one figure to stdout, e.g. `report('unary RPC, p50', 0.41, 'ms', 'target <= 0.7')`. */
export function report(name: string, value: number, unit: string, extra = ''): void {
  process.stdout.write(`${name.padEnd(58)} ${value.toFixed(2).padStart(10)} ${unit}${extra === '' ? '' : `  (${extra})`}\n`);
}
