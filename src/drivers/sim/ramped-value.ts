/**
 * A quantity that moves linearly to a new value at a fixed rate in clock time: a laser's
 * wavelength while it tunes (nm at nm/s), a supply's output while it slews (V at V/s).
 */
import { type Clock, DaqError } from '../../core/index.js';

/** A linear ramp from `from` at `startS` to `to` at `endS`, at `ratePerS` (> 0). */
interface Ramp {
  from: number;
  to: number;
  startS: number;
  endS: number;
  ratePerS: number;
}

/** The ramp from `from` to `to` starting at `startS`; it takes `|to - from| / ratePerS` seconds. */
function makeRamp(from: number, to: number, startS: number, ratePerS: number): Ramp {
  return { from, to, startS, endS: startS + Math.abs(to - from) / ratePerS, ratePerS };
}

/**
 * A value that ramps to each new target; one ramp at a time. A new ramp starts from the
 * present value and cuts the previous one short (its caller gets `cancelled`).
 */
export class RampedValue {
  /** Rate of change in units/s; applies from the next ramp. */
  ratePerS: number;
  private ramp: Ramp;
  private controller: AbortController | undefined;
  /** Resolves when the ramp under way arrives; `undefined` at rest. */
  private arrival: Promise<void> | undefined;
  private label = '';

  /**
   * @param device name of the device, for error messages
   * @param clock the clock the ramp runs on
   * @param initial value at start (units)
   * @param ratePerS rate of change (units/s, > 0)
   */
  constructor(
    private readonly device: string,
    private readonly clock: Clock,
    initial: number,
    ratePerS: number,
  ) {
    this.ratePerS = ratePerS;
    this.ramp = makeRamp(initial, initial, clock.now(), ratePerS);
  }

  /** The present value (units): linear in time from the ramp's start, then constant. */
  value(): number {
    const { from, to, startS, endS, ratePerS } = this.ramp;
    const now = this.clock.now();
    if (now >= endS) return to;
    const travelled = Math.max(0, now - startS) * ratePerS;
    if (travelled >= Math.abs(to - from)) return to;
    return from + Math.sign(to - from) * travelled;
  }

  /** The value the present ramp ends at (units). */
  target(): number {
    return this.ramp.to;
  }

  /** True while a ramp is under way. */
  get ramping(): boolean {
    return this.controller !== undefined;
  }

  /**
   * Ramps from the present value to `to`, resolving on arrival after `|to - value| / rate`
   * seconds. `label` (such as `tuning to 900 nm`) names this ramp in the error its caller gets
   * if another ramp, {@link halt} or `signal` cuts it short (code `cancelled`).
   */
  async rampTo(to: number, label: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    // A second request for the ramp under way joins it instead of restarting it.
    if (this.arrival !== undefined && this.ramp.to === to) return this.arrival;
    this.cancel(`${this.label} was superseded by ${label}`);
    this.ramp = makeRamp(this.value(), to, this.clock.now(), this.ratePerS);
    const controller = new AbortController();
    this.controller = controller;
    this.label = label;
    const onAbort = (): void => this.halt(`${label} was aborted`);
    signal?.addEventListener('abort', onAbort, { once: true });
    // Sleep until the ramp's end time as computed above, so that value() is `to` on waking.
    const arrival = this.clock.sleep(this.ramp.endS - this.clock.now(), controller.signal);
    this.arrival = arrival;
    try {
      await arrival;
      // Arrived: pin the value to the target, whatever the rounding of the clock's arithmetic.
      if (this.controller === controller) this.ramp = makeRamp(to, to, this.clock.now(), this.ratePerS);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (this.controller === controller) {
        this.controller = undefined;
        this.arrival = undefined;
      }
    }
  }

  /** Stops the ramp where it is now; the caller of the ramp gets `cancelled` with `why`. */
  halt(why: string): void {
    const value = this.value();
    this.ramp = makeRamp(value, value, this.clock.now(), this.ratePerS);
    this.cancel(why);
  }

  private cancel(why: string): void {
    const controller = this.controller;
    if (controller === undefined) return;
    this.controller = undefined;
    this.arrival = undefined;
    controller.abort(new DaqError('cancelled', `${this.device}: ${why}`, { device: this.device }));
  }
}
