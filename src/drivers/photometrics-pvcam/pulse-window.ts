/**
 * Which trigger pulse started which frame, for a camera whose trigger input is wired to a
 * trigger source (`HardwareTriggered`): the camera takes the first edge after it is armed
 * (`pl_exp_start_seq` in an edge-triggered mode) and ignores the edges that come while it
 * exposes or reads out, or before it is armed again. So of the pulses since the camera was
 * armed, the first started the frame and the others were missed, as were pulses while it was
 * not armed.
 */
import type { Pulse } from '../../capabilities/index.js';

/** The pulses of one arming window. */
export class PulseWindow {
  private pulses: Pulse[] = [];
  private armed = false;
  private missed = 0;

  /** Pulses missed since {@link reset}. */
  get missedCount(): number {
    return this.missed;
  }

  /** A pulse of the source, as it is emitted. */
  onPulse(pulse: Pulse): void {
    if (this.armed) this.pulses.push(pulse);
    else this.missed++;
  }

  /** The camera is armed: it waits for its next edge. */
  arm(): void {
    this.armed = true;
    this.pulses = [];
  }

  /** The pulse whose edge the camera is exposing, if one came since it was armed. */
  get started(): Pulse | undefined {
    return this.pulses[0];
  }

  /** The frame has been read out: returns its pulse (if any); the later ones were missed. The camera is not armed. */
  take(): Pulse | undefined {
    const [first, ...rest] = this.pulses;
    this.missed += rest.length;
    this.pulses = [];
    this.armed = false;
    return first;
  }

  /** The camera stopped waiting without a frame (aborted): pulses since it was armed were missed. */
  disarm(): void {
    this.missed += this.pulses.length;
    this.pulses = [];
    this.armed = false;
  }

  /** Starts counting afresh (a new source). */
  reset(): void {
    this.pulses = [];
    this.armed = false;
    this.missed = 0;
  }
}
