/**
 * The progress line of a run on a terminal: a bar, steps done of the total, percent, the time
 * elapsed since the run started, the rate of the steps and the time left at that rate.
 *
 * `[###########-------------------] 4/11  36%  12.3 s elapsed  0.33/s  ETA 21.5 s  scan.js`
 */
import { formatDuration } from '../core/index.js';

/** Where a run is. */
export interface Progress {
  done: number;
  total: number;
  /** Seconds since the run started (by the clock the run runs on). */
  elapsedS: number;
}

const BAR = 30;

/**
 * The rate of a run's progress, per stretch: a script that reports an outer loop (1/3) and a
 * plan inside it that reports its own points (1/11, 2/11, ...) starts a new stretch whenever the
 * total changes or the count goes back, so the rate and ETA are those of what is counted now.
 */
export class ProgressRate {
  private start: { total: number; done: number; elapsedS: number } | undefined;
  private lastDone = 0;

  /** Takes a progress report; returns steps a second in this stretch (undefined before a second report). */
  update(p: Progress): number | undefined {
    if (this.start === undefined || p.total !== this.start.total || p.done < this.lastDone) this.start = { total: p.total, done: p.done, elapsedS: p.elapsedS };
    this.lastDone = p.done;
    const steps = p.done - this.start.done;
    const seconds = p.elapsedS - this.start.elapsedS;
    return steps > 0 && seconds > 0 ? steps / seconds : undefined;
  }
}

/** Seconds left at `rate`; 0 when done, undefined without a rate. */
export function secondsLeft(p: Progress, rate: number | undefined): number | undefined {
  if (p.done >= p.total) return 0;
  return rate === undefined || rate <= 0 ? undefined : (p.total - p.done) / rate;
}

/** The progress line (no newline), ending with `label`; `rate` in steps a second, when known. */
export function progressLine(p: Progress, rate: number | undefined, label: string): string {
  const fraction = p.total > 0 ? Math.min(1, Math.max(0, p.done / p.total)) : 0;
  const filled = Math.round(fraction * BAR);
  const left = secondsLeft(p, rate);
  return [
    `[${'#'.repeat(filled)}${'-'.repeat(BAR - filled)}] ${p.done}/${p.total}`,
    `${Math.floor(fraction * 100)}%`,
    `${formatDuration(Math.max(0, p.elapsedS))} elapsed`,
    rate === undefined ? '' : `${Number(rate.toPrecision(3))}/s`,
    left === undefined ? 'ETA –' : `ETA ${formatDuration(left)}`,
    label,
  ]
    .filter((part) => part !== '')
    .join('  ');
}
