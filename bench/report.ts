/** How every benchmark prints a figure: name, value and unit in columns, then a note. */

/** Prints one figure to stdout, e.g. `report('unary RPC, p50', 0.41, 'ms', 'target <= 0.7')`. */
export function report(name: string, value: number, unit: string, extra = ''): void {
  process.stdout.write(`${name.padEnd(58)} ${value.toFixed(2).padStart(10)} ${unit}${extra === '' ? '' : `  (${extra})`}\n`);
}

/** Times `body` `count` times after `warmup` untimed calls: the p50 and p99 of one call, µs. */
export async function percentiles(count: number, warmup: number, body: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < warmup; i++) await body();
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await body();
    samples.push((performance.now() - t0) * 1000);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? NaN;
  return { p50: at(0.5), p99: at(0.99) };
}
