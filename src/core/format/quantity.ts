/**
 * Numbers as people read them: a value with its unit and an SI prefix at a fixed number of
 * significant digits (`998.25 nW`, `21.998 °C`, `12.500 mm`), so that one column never mixes
 * `0.00000100281` and `9.99003e-7`. Only for display: machine outputs (`--json`, exports) keep
 * the full value. Shared by the CLI and the dashboard (web/); imports nothing.
 */

/** SI prefixes from quecto (1e-30) to quetta (1e30), three decades apart. */
const PREFIXES = ['q', 'r', 'y', 'z', 'a', 'f', 'p', 'n', 'µ', 'm', '', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y', 'R', 'Q'];
const NO_PREFIX = PREFIXES.indexOf('');

/**
 * Units that take an SI prefix, with the largest prefix that reads naturally (`ks` and `kK` do
 * not; `kW`, `MHz` and `GB` do). Units that already carry a prefix (`mm`, `nm`, `ms`), compound
 * units (`mm/s`), relative and logarithmic units (`%`, `dB`, `dBm`), temperatures in °C and
 * counts are shown as they are.
 */
const PREFIXABLE: Readonly<Record<string, string>> = {
  W: 'Q', V: 'Q', A: 'Q', Hz: 'Q', m: 'k', g: 'k', J: 'Q', N: 'Q', Pa: 'Q', F: 'Q', C: 'Q',
  'Ω': 'Q', S: 'Q', T: 'Q', H: 'Q', Wb: 'Q', lm: 'Q', lx: 'Q', eV: 'Q', Bq: 'Q', Gy: 'Q', Sv: 'Q',
  mol: 'Q', cd: 'Q', B: 'Q', s: '', K: '',
};

/** Unit spellings of config files and drivers, as people write them. */
const DISPLAY_UNITS: Readonly<Record<string, string>> = {
  degC: '°C', deg_C: '°C', celsius: '°C', degF: '°F', deg: '°', degree: '°', degrees: '°',
  ohm: 'Ω', Ohm: 'Ω', ohms: 'Ω', um: 'µm', micron: 'µm', us: 'µs', uW: 'µW', uV: 'µV', uA: 'µA',
  uJ: 'µJ', uK: 'µK', percent: '%', 'μm': 'µm', 'μs': 'µs',
};

/** Counts are integers: shown exactly, never with decimals. */
const COUNT_UNITS = new Set(['count', 'counts', 'ct', 'cts', 'ADU', 'px', 'pixel', 'pixels', 'events', 'photons', 'frames']);

/** Options of {@link formatQuantity}. */
export interface QuantityFormat {
  /** Significant digits (default 5). */
  digits?: number;
  /** The value is of an integer type (an `int32` field, a frame number): shown exactly when it is an integer. */
  integer?: boolean;
}

/** `units` as people write it: `degC` → `°C`, `um` → `µm`, `ohm` → `Ω`; others unchanged. */
export function displayUnits(units: string): string {
  return DISPLAY_UNITS[units] ?? units;
}

/**
 * A number with its unit for people: an SI prefix when the unit takes one, `digits`
 * significant digits (trailing zeros kept, so a column's decimals line up), exact integers for
 * counts and integer types. `NaN`, `∞` and `-∞` are shown as such.
 *
 * ```
 * formatQuantity(9.98246e-7, 'W')   // '998.25 nW'
 * formatQuantity(21.9985, 'degC')   // '21.998 °C'
 * formatQuantity(12.5, 'mm')        // '12.500 mm'
 * ```
 */
export function formatQuantity(value: number, units = '', options: QuantityFormat = {}): string {
  const shown = displayUnits(units.trim());
  const digits = Math.min(17, Math.max(1, Math.round(options.digits ?? 5)));
  const withUnits = (text: string, prefix = ''): string => (shown === '' && prefix === '' ? text : `${text} ${prefix}${shown}`);
  if (Number.isNaN(value)) return withUnits('NaN');
  if (!Number.isFinite(value)) return withUnits(value > 0 ? '∞' : '-∞');
  if (Number.isInteger(value) && (options.integer === true || COUNT_UNITS.has(shown)) && Math.abs(value) < 1e15) return withUnits(String(value));
  const maxPrefix = PREFIXABLE[shown];
  if (maxPrefix === undefined || value === 0) return withUnits(value === 0 && maxPrefix !== undefined ? '0' : formatNumber(value, digits));
  let index = NO_PREFIX + Math.floor(Math.log10(Math.abs(value)) / 3);
  index = Math.max(0, Math.min(index, PREFIXES.indexOf(maxPrefix)));
  let mantissa = value / 10 ** ((index - NO_PREFIX) * 3);
  // Rounding may carry into the next prefix (999.996 nW → 1000.0 nW → 1.0000 µW).
  if (Math.abs(Number(mantissa.toPrecision(digits))) >= 1000 && index < PREFIXES.indexOf(maxPrefix)) {
    index++;
    mantissa = value / 10 ** ((index - NO_PREFIX) * 3);
  }
  return withUnits(formatNumber(mantissa, digits), PREFIXES[index]);
}

/**
 * The SI prefix `magnitude` reads best with in `units` (already as displayed), and its factor:
 * `siPrefixFor(2e-7, 'W')` → `{ prefix: 'n', factor: 1e-9 }`. `undefined` for units that take no
 * prefix (`mm`, `°C`, counts, none).
 */
export function siPrefixFor(magnitude: number, units: string): { prefix: string; factor: number } | undefined {
  const maxPrefix = PREFIXABLE[units];
  if (maxPrefix === undefined) return undefined;
  if (!(magnitude > 0) || !Number.isFinite(magnitude)) return { prefix: '', factor: 1 };
  const index = Math.max(0, Math.min(NO_PREFIX + Math.floor(Math.log10(magnitude) / 3), PREFIXES.indexOf(maxPrefix)));
  return { prefix: PREFIXES[index] as string, factor: 10 ** ((index - NO_PREFIX) * 3) };
}

/**
 * A bare number at `digits` significant digits: plain notation from 0.001 up to a million
 * (integer digits never cut: `123457`), exponent notation outside (`1.0028e-6`, `4.5000e+9`).
 */
export function formatNumber(value: number, digits = 5): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '∞' : '-∞';
  if (value === 0) return (0).toPrecision(digits);
  const magnitude = Math.abs(value);
  const rounded = Number(value.toPrecision(digits));
  if (Math.abs(rounded) >= 1e6 || magnitude < 1e-3) return value.toExponential(digits - 1);
  // toPrecision switches to an exponent once the integer part has more digits than asked for.
  return Math.abs(rounded) >= 10 ** digits ? Math.round(value).toString() : value.toPrecision(digits);
}

/**
 * A number for an `<input type=number>` or a command line: at most `digits` significant
 * digits, shortest form, no exponent for everyday magnitudes (`0.01`, not `0.010000000000000002`).
 */
export function inputNumber(value: number, digits = 9): string {
  if (!Number.isFinite(value)) return '';
  return String(Number(value.toPrecision(digits)));
}
