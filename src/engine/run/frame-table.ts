/**
 * Frames stay in the daemon: a script gets a small handle for each frame (`camera.snap()`), with
 * its size and metadata, and hands the handle back to `record()`. The table keeps the most recent
 * frames of a run; a handle older than that is refused with a message saying so.
 */
import { DaqError } from '../../core/index.js';
import type { SourcedFrame } from './record-values.js';

/** What a script sees of a frame. */
export interface FrameHandle {
  /** Identifies the frame within the run. */
  frameId: number;
  width: number;
  height: number;
  dtype: string;
  frameNumber: number;
  timestampS: number;
  exposureS: number;
  /** Mean pixel value, in counts (a quick figure of merit for scripts). */
  mean: number;
  /** Largest pixel value, in counts. */
  max: number;
}

/** Holds the last `capacity` frames of a run. */
export class FrameTable {
  private readonly frames = new Map<number, SourcedFrame>();
  private next = 1;

  constructor(private readonly capacity = 32) {}

  /** Keeps `frame` (with the device that took it) and returns its handle. */
  add(frame: SourcedFrame): FrameHandle {
    const frameId = this.next++;
    this.frames.set(frameId, frame);
    if (this.frames.size > this.capacity) this.frames.delete(frameId - this.capacity);
    let sum = 0;
    let max = 0;
    for (const v of frame.data) {
      sum += v;
      if (v > max) max = v;
    }
    return {
      frameId,
      width: frame.width,
      height: frame.height,
      dtype: frame.dtype,
      frameNumber: frame.frameNumber,
      timestampS: frame.timestampS,
      exposureS: frame.exposureS,
      mean: frame.data.length === 0 ? 0 : sum / frame.data.length,
      max,
    };
  }

  /** True for an object that looks like a frame handle. */
  static isHandle(value: unknown): value is FrameHandle {
    return typeof value === 'object' && value !== null && typeof (value as FrameHandle).frameId === 'number' && 'width' in value;
  }

  /** The frame of a handle; `failed_precondition` when it is no longer held. */
  resolve(handle: FrameHandle): SourcedFrame {
    const frame = this.frames.get(handle.frameId);
    if (frame === undefined) {
      throw new DaqError(
        'failed_precondition',
        `frame ${handle.frameId} is no longer held (a run keeps its last ${this.capacity} frames); record frames soon after snap()`,
      );
    }
    return frame;
  }
}
