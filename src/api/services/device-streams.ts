/**
 * Live device data for clients: readings of chosen devices at a bounded rate, and downsampled
 * camera previews at a bounded frame rate. Each client has its own bounded mailbox: a slow one
 * skips (and sees how many it missed), it never slows a camera or another client.
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { type Frame, isFrameProducer, isReadable } from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';
import type { CallContext } from '../handlers.js';
import { toValue } from '../convert.js';
import type { DaemonCore } from '../core.js';
import type { StreamFramesRequest, StreamFramesResponseSchema, StreamValuesRequest, StreamValuesResponseSchema } from '../gen/daq/v1/hardware_pb.js';
import { Mailbox } from '../mailbox.js';
import { linked } from './control.js';

type ValuesMessage = MessageInitShape<typeof StreamValuesResponseSchema>;
type FrameMessage = MessageInitShape<typeof StreamFramesResponseSchema>;

/** Readings of `request.devices` at most `max_rate_hz` a second. */
export async function* streamValues(core: DaemonCore, request: StreamValuesRequest, context: CallContext): AsyncGenerator<ValuesMessage> {
  const signal = linked(core, context);
  const devices = request.devices.map((name) => {
    const device = core.lab.device(name);
    if (!isReadable(device)) throw new DaqError('failed_precondition', `${name} cannot be read`, { device: name });
    return device;
  });
  const periodMs = 1000 / (request.maxRateHz > 0 ? Math.min(request.maxRateHz, 1000) : 10);
  while (!signal.aborted) {
    const started = Date.now();
    const readings: ValuesMessage['readings'] = {};
    await Promise.all(
      devices.map(async (d) => {
        const reading = await d.read().catch(() => undefined);
        if (reading !== undefined) readings[(d as unknown as { name: string }).name] = { value: toValue(reading.value), units: reading.units, timestampS: reading.timestampS };
      }),
    );
    yield { timeS: core.clock.now(), readings };
    await sleepUnless(Math.max(0, periodMs - (Date.now() - started)), signal);
  }
}

/**
 * Previews of `request.device`'s frames, downsampled to at most `max_width` pixels wide.
 * `hold`, when given, starts the camera for this stream once the stream is attached to its frames,
 * and returns what to do when the stream ends (stop the camera when it was the last holder).
 */
export async function* streamFrames(core: DaemonCore, request: StreamFramesRequest, context: CallContext, hold?: () => Promise<(() => Promise<void>) | undefined>): AsyncGenerator<FrameMessage> {
  const signal = linked(core, context);
  const device = core.lab.device(request.device);
  if (!isFrameProducer(device)) throw new DaqError('failed_precondition', `${request.device} produces no frames`, { device: request.device });
  let release: (() => Promise<void>) | undefined;
  const minIntervalMs = 1000 / (request.maxFps > 0 ? request.maxFps : 10);
  const maxWidth = request.maxWidth > 0 ? request.maxWidth : 256;
  const mailbox = new Mailbox<Frame>(2, signal);
  let nextMs = 0;
  let skipped = 0;
  const detach = device.onFrame((frame) => {
    const now = Date.now();
    if (now < nextMs) return void skipped++;
    // Keep to the asked rate on average (not one interval after each sent frame, which gives
    // less when frames come at another period); after a pause, start a new schedule.
    nextMs = now - nextMs > minIntervalMs ? now + minIntervalMs : nextMs + minIntervalMs;
    mailbox.push(frame);
  });
  try {
    release = await hold?.();
    for await (const { item, dropped } of mailbox) yield { ...preview(item, maxWidth), device: request.device, dropped: dropped + skipped };
  } finally {
    detach();
    await release?.();
  }
}

/** Averages `frame` over square blocks so that it is at most `maxWidth` wide (uint16 LE). */
export function preview(frame: Frame, maxWidth: number): { width: number; height: number; data: Uint8Array; binning: number; frameNumber: number; timestampS: number } {
  const binning = Math.max(1, Math.ceil(frame.width / maxWidth));
  const width = Math.floor(frame.width / binning);
  const height = Math.floor(frame.height / binning);
  const out = new Uint16Array(width * height);
  const area = binning * binning;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let dy = 0; dy < binning; dy++) {
        const row = (y * binning + dy) * frame.width + x * binning;
        for (let dx = 0; dx < binning; dx++) sum += frame.data[row + dx] ?? 0;
      }
      out[y * width + x] = Math.min(65535, Math.round(sum / area));
    }
  }
  return { width, height, data: new Uint8Array(out.buffer), binning, frameNumber: frame.frameNumber, timestampS: frame.timestampS };
}

function sleepUnless(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal.removeEventListener('abort', done);
      clearTimeout(timer);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
