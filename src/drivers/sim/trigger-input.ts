/**
 * The external trigger input of a simulated camera or detector (see the `HardwareTriggered`
 * capability): it follows one trigger source at a time, starts one acquisition per pulse at the
 * pulse's time, hands each result to its listeners, and counts the pulses the device could not
 * take (still busy with the one before).
 */
import type { Pulse, TriggeredAcquisition, TriggerSource } from '../../capabilities/index.js';
import { Emitter, type Unsubscribe } from '../../core/index.js';

/** What the device does on a pulse: an acquisition, or `undefined` when it must miss the pulse. */
export type PulseHandler = (pulse: Pulse) => Promise<TriggeredAcquisition> | undefined;

/** A trigger input. */
export class TriggerInput {
  private readonly acquisitions = new Emitter<TriggeredAcquisition>();
  private unsubscribe: Unsubscribe | undefined;
  private missed = 0;
  private pending = new Set<Promise<unknown>>();

  /** @param handle what the device does on each pulse */
  constructor(private readonly handle: PulseHandler) {}

  /** True while a source is followed. */
  get following(): boolean {
    return this.unsubscribe !== undefined;
  }

  /** Follows `source` (replacing any other), or none; the missed count starts again from 0. */
  follow(source: TriggerSource | undefined): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.missed = 0;
    if (source !== undefined) this.unsubscribe = source.onPulse((pulse) => this.onPulse(pulse));
  }

  /** Calls `listener` with every acquisition made on a pulse. */
  on(listener: (acquisition: TriggeredAcquisition) => void): Unsubscribe {
    return this.acquisitions.on(listener);
  }

  /** Pulses missed since the source was followed. */
  get missedCount(): number {
    return this.missed;
  }

  /** Stops following and waits for the acquisitions under way (disconnect). */
  async close(): Promise<void> {
    this.follow(undefined);
    await Promise.all([...this.pending]);
  }

  private onPulse(pulse: Pulse): void {
    const acquisition = this.handle(pulse);
    if (acquisition === undefined) {
      this.missed++;
      return;
    }
    // A failed acquisition (a disconnect cut it short) is a missed pulse too.
    const done = acquisition.then(
      (result) => this.acquisitions.emit(result),
      () => {
        this.missed++;
      },
    );
    this.pending.add(done);
    void done.finally(() => this.pending.delete(done));
  }
}
