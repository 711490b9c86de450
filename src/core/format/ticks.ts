/**
 * Axis ticks as people read them on a plot: one SI prefix for the whole axis, chosen from its
 * largest tick (`0 nW`, `200 nW`, `400 nW`, not seven `0`s for values around 1e-7 W), with just
 * enough decimals to tell neighbouring ticks apart. Units that take no prefix (`mm`, `°C`) and
 * bare numbers far from 1 go to exponent notation with a shared exponent. Readable from 1e-30 to
 * 1e30. Imports nothing; the dashboard's plots and colour bars use it.
 */
import { displayUnits, siPrefixFor } from './quantity.js';

/**
 * Decimals that show every tick as it is (12.5 needs one, 0.25 two) and tell neighbours apart:
 * the fewest, from 0 to 12, whose rounding error stays within a millionth of the step.
 */
function decimalsFor(ticks: readonly number[]): number {
  const step = smallestStep(ticks);
  if (!(step > 0)) return 0;
  for (let d = 0; d < 12; d++) {
    const scale = 10 ** d;
    if (step * scale >= 1 - 1e-9 && ticks.every((t) => Math.abs(t * scale - Math.round(t * scale)) <= step * scale * 1e-6)) return d;
  }
  return 12;
}

/** The smallest gap between neighbouring finite ticks (0 when there is one or none). */
function smallestStep(ticks: readonly number[]): number {
  let step = Number.POSITIVE_INFINITY;
  for (let i = 1; i < ticks.length; i++) {
    const d = Math.abs((ticks[i] as number) - (ticks[i - 1] as number));
    if (d > 0 && d < step) step = d;
  }
  return Number.isFinite(step) ? step : 0;
}

/**
 * The labels of an axis's ticks, with units: `formatTicks([0, 2e-7, 4e-7], 'W')` →
 * `['0 nW', '200 nW', '400 nW']`; `formatTicks([10, 12.5, 15], 'mm')` → `['10.0 mm', '12.5 mm', '15.0 mm']`.
 * `units` may be empty. Non-finite ticks give `''`.
 */
export function formatTicks(ticks: readonly number[], units = ''): string[] {
  const shown = displayUnits(units.trim());
  const finite = ticks.filter((t) => Number.isFinite(t));
  if (finite.length === 0) return ticks.map(() => '');
  const largest = Math.max(...finite.map((t) => Math.abs(t)));
  const suffix = (prefix: string): string => (shown === '' && prefix === '' ? '' : ` ${prefix}${shown}`);
  const si = siPrefixFor(largest, shown);
  if (si !== undefined) {
    const scaled = finite.map((t) => t / si.factor);
    const decimals = decimalsFor(scaled);
    return ticks.map((t) => (Number.isFinite(t) ? `${tidy((t / si.factor).toFixed(decimals))}${suffix(si.prefix)}` : ''));
  }
  // No prefix for these units: plain decimals for everyday magnitudes, else a shared exponent.
  if (largest === 0 || (largest >= 1e-3 && largest < 1e6)) {
    const decimals = decimalsFor(finite);
    return ticks.map((t) => (Number.isFinite(t) ? `${tidy(t.toFixed(decimals))}${suffix('')}` : ''));
  }
  const exponent = Math.floor(Math.log10(largest));
  const factor = 10 ** exponent;
  const decimals = decimalsFor(finite.map((t) => t / factor));
  return ticks.map((t) => {
    if (!Number.isFinite(t)) return '';
    if (t === 0) return `0${suffix('')}`;
    return `${tidy((t / factor).toFixed(decimals))}e${exponent}${suffix('')}`;
  });
}

/** `-0` and `-0.00` read as `0`. */
function tidy(text: string): string {
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}
