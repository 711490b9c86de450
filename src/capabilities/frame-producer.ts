import type { Unsubscribe } from '../core/emitter.js';
import { defineCapability } from './define.js';

/** Pixel storage of a frame. */
export type FrameDtype = 'uint8' | 'uint16' | 'float32';

/** The typed array that holds each {@link FrameDtype}. */
export interface FrameArrays {
  uint8: Uint8Array;
  uint16: Uint16Array;
  float32: Float32Array;
}

/** One camera image, row-major (`data[y * width + x]`). */
export interface Frame {
  data: Uint8Array | Uint16Array | Float32Array;
  dtype: FrameDtype;
  width: number;
  height: number;
  /** Counts from 0 at connect; gaps mean dropped frames. */
  frameNumber: number;
  /** End of exposure, seconds since the Unix epoch. */
  timestampS: number;
  /** Exposure time in seconds. */
  exposureS: number;
}

/** A device that produces images, one at a time or as a stream. */
export interface FrameProducer {
  /** Acquires one frame and returns it. */
  snap(): Promise<Frame>;
  /**
   * Starts continuous acquisition; frames go to `onFrame` listeners. Stops by itself after
   * `count` frames when given. Resolves once the stream has started.
   */
  startStream(count?: number): Promise<void>;
  /** Stops continuous acquisition; resolves once no more frames will be emitted. */
  stopStream(): Promise<void>;
  /** Calls `listener` with every frame acquired (snap, trigger or stream). */
  onFrame(listener: (frame: Frame) => void): Unsubscribe;
  /** Sensor area currently read out, after ROI and binning, in pixels. */
  frameSize(): { width: number; height: number; dtype: FrameDtype };
}

export const frameProducer = defineCapability<FrameProducer>()(
  'FrameProducer',
  'produces image frames (snap, startStream, stopStream, onFrame)',
  ['snap', 'startStream', 'stopStream', 'onFrame', 'frameSize'],
);

/** True for a {@link Frame}: pixel data in a typed array, with a width. */
export function isFrame(value: unknown): value is Frame {
  return typeof value === 'object' && value !== null && ArrayBuffer.isView((value as Frame).data) && typeof (value as Frame).width === 'number';
}
