/**
 * How a simulated camera takes frames in time: one exposure at a time on the one sensor
 * (exposure plus readout of clock time each), frames numbered from connect, handed to
 * listeners and kept as the last frame, and a stream that takes frames back to back.
 */
import type { Frame } from '../../capabilities/index.js';
import { type Clock, DaqError, Emitter } from '../../core/index.js';

/** One exposure, with the settings latched when it starts (as a real camera does). */
export interface ExposurePlan {
  /** Exposure time, s. */
  exposureS: number;
  /** Readout time after the exposure, s. */
  readoutS: number;
  /**
   * Looks at the scene in the middle of the exposure (where a moving stage has put the spot);
   * what it returns is given to `render`. Without it the exposure is one wait.
   */
  midExposure?: () => Promise<unknown>;
  /** Makes the image once the exposure from `startS` has been read out (times in clock seconds). */
  render(startS: number, seen?: unknown): { data: Uint16Array; width: number; height: number };
}

/** A stream under way: aborting `controller` ends `loop`. */
interface Stream {
  controller: AbortController;
  loop: Promise<void>;
}

/** Frame timing and delivery of a simulated camera. */
export class FrameAcquisition {
  /** Every frame acquired, as it is acquired. */
  readonly frames = new Emitter<Frame>();
  /** The last frame acquired, if any. */
  last: Frame | undefined;
  private frameNumber = 0;
  private stream: Stream | undefined;
  /** Aborted on disconnect: ends every acquisition under way. */
  private connection = new AbortController();
  /** Exposures take turns on the one sensor: each waits for the one before. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Exposures taken or waiting their turn. */
  private inFlight = 0;

  /**
   * @param device name of the camera, for error messages
   * @param clock the clock exposures take time on
   * @param plan the next exposure, from the camera's present settings
   */
  constructor(
    private readonly device: string,
    private readonly clock: Clock,
    private readonly plan: () => ExposurePlan,
  ) {}

  /** True while a stream runs. */
  get streaming(): boolean {
    return this.stream !== undefined;
  }

  /** True while an exposure is taken or read out (or waits its turn), or a stream runs. */
  get busy(): boolean {
    return this.inFlight > 0 || this.stream !== undefined;
  }

  /** Starts afresh after a connect: frame numbers count from 0. */
  reset(): void {
    this.connection = new AbortController();
    this.frameNumber = 0;
  }

  /** Takes one frame, after any exposure already under way; emits and returns it. */
  acquire(signal: AbortSignal = this.connection.signal): Promise<Frame> {
    this.inFlight++;
    const frame = this.queue.then(() => this.expose(signal)).finally(() => {
      this.inFlight--;
    });
    this.queue = frame.catch(() => undefined);
    return frame;
  }

  /**
   * Starts taking frames back to back until {@link stopStream}, disconnect or `count` frames.
   * `release` is called when the stream ends; `fail` with an error that ended it early.
   */
  startStream(count: number | undefined, release: () => void, fail: (error: unknown) => void): void {
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, this.connection.signal]);
    const loop = (async () => {
      try {
        for (let n = 0; count === undefined || n < count; n++) await this.acquire(signal);
      } catch (error) {
        if (!(error instanceof DaqError && error.code === 'cancelled')) fail(error);
      } finally {
        if (this.stream?.controller === controller) this.stream = undefined;
        release();
      }
    })();
    this.stream = { controller, loop };
  }

  /** Stops the stream; resolves once no more frames will come. */
  async stopStream(): Promise<void> {
    const stream = this.stream;
    if (stream === undefined) return;
    stream.controller.abort(new DaqError('cancelled', `${this.device}: stream stopped`, { device: this.device }));
    await stream.loop;
  }

  /** Ends every acquisition under way (disconnect); resolves once they have ended. */
  async close(): Promise<void> {
    this.connection.abort(new DaqError('cancelled', `${this.device}: disconnected during acquisition`, { device: this.device }));
    await this.stream?.loop;
    await this.queue;
  }

  private async expose(signal: AbortSignal): Promise<Frame> {
    signal.throwIfAborted();
    const plan = this.plan();
    const startS = this.clock.now();
    let seen: unknown;
    if (plan.midExposure === undefined) await this.clock.sleep(plan.exposureS + plan.readoutS, signal);
    else {
      await this.clock.sleep(plan.exposureS / 2, signal);
      seen = await plan.midExposure();
      await this.clock.sleep(plan.exposureS / 2 + plan.readoutS, signal);
    }
    const image = plan.render(startS, seen);
    const frame: Frame = {
      ...image,
      dtype: 'uint16',
      frameNumber: this.frameNumber++,
      timestampS: startS + plan.exposureS,
      exposureS: plan.exposureS,
    };
    this.last = frame;
    this.frames.emit(frame);
    return frame;
  }
}
