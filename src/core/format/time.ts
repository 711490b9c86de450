/**
 * Times and durations as people read them: local ISO 8601 time with milliseconds
 * (`2026-12-07T04:14:43.123`), the local zone once where a table needs it (`UTC+01:00`), and
 * durations that say hours and minutes (`4 min 05 s`). Shared by the CLI and the dashboard.
 */

const pad = (n: number, width = 2): string => String(Math.trunc(n)).padStart(width, '0');

/** Options of {@link formatTime}. */
export interface TimeFormat {
  /** Leave out the date (`04:14:43.123`). Default false. */
  timeOnly?: boolean;
  /** Append the zone offset (`+01:00`, or `Z` at UTC). Default false. */
  zone?: boolean;
}

/**
 * A time in seconds since the Unix epoch as local ISO 8601 with milliseconds:
 * `2026-12-07T04:14:43.123` (`timeOnly`: `04:14:43.123`). Not a time (NaN, ±∞, or 0 and
 * below, which the API sends for "not yet"): `–`.
 */
export function formatTime(timeS: number, options: TimeFormat = {}): string {
  if (!Number.isFinite(timeS) || timeS <= 0) return '–';
  const d = new Date(Math.round(timeS * 1000));
  if (Number.isNaN(d.getTime())) return '–';
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  const text = options.timeOnly === true ? clock : `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${clock}`;
  return options.zone === true ? `${text}${zoneOffset(d)}` : text;
}

/** The local zone's offset at `timeS` (default now) as ISO 8601 writes it: `+01:00`, `-05:00`, or `Z`. */
export function zoneOffset(at: Date | number = Date.now() / 1000): string {
  const d = typeof at === 'number' ? new Date(at * 1000) : at;
  const minutes = -d.getTimezoneOffset();
  if (minutes === 0) return 'Z';
  const sign = minutes > 0 ? '+' : '-';
  return `${sign}${pad(Math.abs(minutes) / 60)}:${pad(Math.abs(minutes) % 60)}`;
}

/** The local zone for a table header: `local time, UTC+01:00` (or `UTC`). */
export function zoneLabel(at?: number): string {
  const offset = zoneOffset(at);
  return offset === 'Z' ? 'UTC' : `local time, UTC${offset}`;
}

/**
 * A duration for people: `0.52 s`, `12.3 s`, `4 min 05 s`, `2 h 03 min`, `3 d 04 h`.
 * Negative or not finite: `–`.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${pad(whole % 60)} s`;
  if (whole < 86400) return `${Math.floor(whole / 3600)} h ${pad((whole % 3600) / 60)} min`;
  return `${Math.floor(whole / 86400)} d ${pad((whole % 86400) / 3600)} h`;
}

/** A rate for people: `12.3 events/s`, `0.52 points/s`, `1.2k rows/s` (three significant digits). */
export function formatRate(perS: number, what: string): string {
  if (!Number.isFinite(perS) || perS < 0) return `– ${what}/s`;
  if (perS >= 1e4) return `${Number((perS / 1000).toPrecision(3))}k ${what}/s`;
  return `${Number(perS.toPrecision(3))} ${what}/s`;
}
