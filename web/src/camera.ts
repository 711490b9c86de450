/**
 * Camera: a live preview of a camera's frames from StreamFrames (downsampled by the daemon to at
 * most the chosen width, at most the chosen rate), with a colour map, automatic (0.5-99.5 %) or
 * manual contrast, the frame rate and draw time, a histogram, a line profile (click a row), and
 * ROI drawing (drag a rectangle) that sets the camera's region of interest.
 */
import type { CameraGeometry, DeviceInfo, StreamFramesResponse } from '../../src/api/gen/daq/v1/hardware_pb.js';
import { call, follow, hardware, messageOf } from './api.js';
import type { App, View } from './app.js';
import { COLOUR_MAPS, paint, percentiles } from './colour-maps.js';
import { formatNumber } from '../../src/core/format/index.js';
import { h, select, setOptions } from './dom.js';

/** The Camera panel. */
export function createCameraView(app: App): View {
  const deviceSelect = select([], '', { id: 'camera-device' });
  const rate = select(['5', '10', '20', '30'], '20', { id: 'camera-rate' });
  const width = select([['256', '256 px'], ['512', '512 px'], ['1024', '1024 px']], '256', { id: 'camera-width' });
  const map = select(COLOUR_MAPS, 'gray', { id: 'camera-map' });
  const auto = h('input', { type: 'checkbox', checked: true, id: 'camera-auto' });
  const low = h('input', { type: 'number', value: '0', class: 'short', id: 'camera-low' });
  const high = h('input', { type: 'number', value: '65535', class: 'short', id: 'camera-high' });
  const startStream = app.guard(h('button', { id: 'camera-start' }, 'Start camera'));
  const stopStream = app.guard(h('button', { id: 'camera-stop' }, 'Stop camera'));
  const fullRoi = app.guard(h('button', { id: 'camera-full-roi' }, 'Full ROI'));
  const stats = h('span', { id: 'camera-stats', class: 'muted' }, 'no frames yet');
  const message = h('p', { class: 'message', id: 'camera-message' });
  const canvas = h('canvas', { id: 'camera-canvas', width: 256, height: 256 });
  const overlay = h('canvas', { id: 'camera-overlay', width: 256, height: 256 });
  const histogram = h('canvas', { width: 300, height: 120, id: 'camera-histogram' });
  const profile = h('canvas', { width: 300, height: 120, id: 'camera-profile' });
  const el = h(
    'section',
    {},
    h('div', { class: 'toolbar' }, 'camera ', deviceSelect, ' rate ', rate, ' fps, width ', width, ' map ', map, ' ', h('label', {}, auto, ' auto contrast'), ' ', low, '–', high, ' ', startStream, stopStream, fullRoi),
    h('div', { class: 'camera' }, h('div', { class: 'frame-box' }, canvas, overlay), h('div', { class: 'side' }, stats, h('h4', {}, 'histogram'), histogram, h('h4', {}, 'line profile (click a row)'), profile, h('p', { class: 'muted' }, app.may('operator') ? 'Drag a rectangle on the image to set the ROI.' : `ROI drawing ${app.reason('operator')}.`))),
    message,
  );
  let devices: DeviceInfo[] = [];
  let stop: (() => void) | undefined;
  let last: { frame: StreamFramesResponse; pixels: Uint16Array } | undefined;
  let row = -1;
  const times: number[] = [];
  let drawMs = 0;

  const geometry = (): CameraGeometry | undefined => devices.find((d) => d.name === deviceSelect.value)?.camera;
  const loadDevices = async (): Promise<void> => {
    devices = (await call(() => hardware.listDevices({}))).devices.filter((d) => d.capabilities.includes('FrameProducer'));
    setOptions(deviceSelect, devices.map((d) => d.name));
  };
  const say = (text: string, error = false): void => {
    message.textContent = text;
    message.className = `message${error ? ' error' : ''}`;
  };

  const onFrame = (frame: StreamFramesResponse): void => {
    const started = performance.now();
    const pixels = new Uint16Array(frame.data.buffer.slice(frame.data.byteOffset, frame.data.byteOffset + frame.width * frame.height * 2));
    if (canvas.width !== frame.width || canvas.height !== frame.height) {
      canvas.width = overlay.width = frame.width;
      canvas.height = overlay.height = frame.height;
    }
    let [lo, hi] = [Number(low.value), Number(high.value)];
    if (auto.checked) {
      [lo, hi] = percentiles(pixels, 0.005, 0.995);
      low.value = String(lo);
      high.value = String(hi);
    }
    const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
    const image = ctx.createImageData(frame.width, frame.height);
    paint(image, pixels, lo, hi, map.value);
    ctx.putImageData(image, 0, 0);
    last = { frame, pixels };
    drawHistogram(histogram, pixels, lo, hi);
    drawProfile(profile, pixels, frame.width, frame.height, row);
    drawMs = performance.now() - started;
    const now = performance.now();
    times.push(now);
    while (times.length > 0 && (times[0] as number) < now - 2000) times.shift();
    const fps = times.length > 1 ? ((times.length - 1) * 1000) / (now - (times[0] as number)) : 0;
    stats.textContent = `${formatNumber(fps, 3)} fps · draw ${formatNumber(drawMs, 2)} ms · ${frame.width}×${frame.height} (binned ${frame.binning}×) · frame ${frame.frameNumber} · skipped ${frame.dropped}`;
    stats.dataset['fps'] = String(fps);
    stats.dataset['drawMs'] = String(drawMs);
    stats.dataset['frames'] = String(Number(stats.dataset['frames'] ?? '0') + 1);
  };

  const restart = (): void => {
    stop?.();
    stop = undefined;
    times.length = 0;
    stats.dataset['frames'] = '0';
    if (deviceSelect.value === '') return;
    stop = follow(
      (signal) => hardware.streamFrames({ device: deviceSelect.value, maxFps: Number(rate.value), maxWidth: Number(width.value) }, { signal }),
      onFrame,
      (error) => say(messageOf(error), true),
    );
  };

  const command = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await call(fn);
      say(`${what}: done`);
      await loadDevices();
    } catch (error) {
      say(`${what}: ${messageOf(error)}`, true);
    }
  };
  startStream.addEventListener('click', () => void command('start camera', () => hardware.setFrameStream({ device: deviceSelect.value, on: true })));
  stopStream.addEventListener('click', () => void command('stop camera', () => hardware.setFrameStream({ device: deviceSelect.value, on: false })));
  fullRoi.addEventListener('click', () => {
    const g = geometry();
    if (g !== undefined) void command('full ROI', () => hardware.setRoi({ device: deviceSelect.value, x: 0, y: 0, width: g.sensorWidth, height: g.sensorHeight }));
  });
  for (const control of [deviceSelect, rate, width]) control.addEventListener('change', restart);
  map.addEventListener('change', () => last !== undefined && onFrame(last.frame));

  // ROI drawing: drag on the overlay; a click without a drag picks the profile row.
  let dragFrom: [number, number] | undefined;
  const at = (event: MouseEvent): [number, number] => {
    const box = overlay.getBoundingClientRect();
    return [Math.max(0, Math.min(overlay.width, ((event.clientX - box.left) / box.width) * overlay.width)), Math.max(0, Math.min(overlay.height, ((event.clientY - box.top) / box.height) * overlay.height))];
  };
  overlay.addEventListener('mousedown', (event) => (dragFrom = at(event)));
  overlay.addEventListener('mousemove', (event) => {
    if (dragFrom === undefined) return;
    const [x, y] = at(event);
    const ctx = overlay.getContext('2d') as CanvasRenderingContext2D;
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    ctx.strokeStyle = '#0f0';
    ctx.strokeRect(Math.min(x, dragFrom[0]), Math.min(y, dragFrom[1]), Math.abs(x - dragFrom[0]), Math.abs(y - dragFrom[1]));
  });
  overlay.addEventListener('mouseup', (event) => {
    const from = dragFrom;
    dragFrom = undefined;
    if (from === undefined) return;
    const [x, y] = at(event);
    (overlay.getContext('2d') as CanvasRenderingContext2D).clearRect(0, 0, overlay.width, overlay.height);
    if (Math.abs(x - from[0]) < 3 && Math.abs(y - from[1]) < 3) {
      row = Math.floor(y);
      if (last !== undefined) drawProfile(profile, last.pixels, last.frame.width, last.frame.height, row);
      return;
    }
    const g = geometry();
    if (g === undefined || last === undefined || !app.may('operator')) return;
    // Preview pixel -> sensor pixel: the preview covers the ROI, binned by the daemon and the camera.
    const scaleX = g.roiWidth / last.frame.width;
    const scaleY = g.roiHeight / last.frame.height;
    const roi = {
      x: Math.round(g.roiX + Math.min(x, from[0]) * scaleX),
      y: Math.round(g.roiY + Math.min(y, from[1]) * scaleY),
      width: Math.max(1, Math.round(Math.abs(x - from[0]) * scaleX)),
      height: Math.max(1, Math.round(Math.abs(y - from[1]) * scaleY)),
    };
    void command(`ROI ${roi.width}×${roi.height} at ${roi.x},${roi.y}`, () => hardware.setRoi({ device: deviceSelect.value, ...roi }));
  });
  el.addEventListener('open', (event) => {
    const device = (event as CustomEvent<Record<string, string>>).detail['device'];
    void loadDevices().then(() => {
      if (device !== undefined) deviceSelect.value = device;
      restart();
    });
  });
  return {
    el,
    show() {
      void loadDevices().then(restart).catch((error: unknown) => say(messageOf(error), true));
    },
    hide() {
      stop?.();
      stop = undefined;
    },
  };
}

function drawHistogram(canvas: HTMLCanvasElement, pixels: Uint16Array, low: number, high: number): void {
  const bins = new Uint32Array(canvas.width);
  const span = Math.max(1, high - low);
  for (let i = 0; i < pixels.length; i++) {
    const b = Math.floor((((pixels[i] as number) - low) / span) * (bins.length - 1));
    const at = b < 0 ? 0 : b >= bins.length ? bins.length - 1 : b;
    bins[at] = (bins[at] as number) + 1;
  }
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const top = Math.log1p(Math.max(...bins));
  ctx.fillStyle = '#456';
  for (let x = 0; x < bins.length; x++) {
    const hgt = (Math.log1p(bins[x] as number) / top) * canvas.height;
    ctx.fillRect(x, canvas.height - hgt, 1, hgt);
  }
}

function drawProfile(canvas: HTMLCanvasElement, pixels: Uint16Array, width: number, height: number, row: number): void {
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const y = row >= 0 && row < height ? row : Math.floor(height / 2);
  const line = pixels.subarray(y * width, (y + 1) * width);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of line) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  ctx.strokeStyle = '#c33';
  ctx.beginPath();
  for (let x = 0; x < line.length; x++) {
    const px = (x / Math.max(1, line.length - 1)) * canvas.width;
    const py = canvas.height - (((line[x] as number) - lo) / Math.max(1, hi - lo)) * (canvas.height - 4) - 2;
    if (x === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  }
  ctx.stroke();
  ctx.fillStyle = '#333';
  ctx.fillText(`row ${y}: ${lo}–${hi}`, 4, 12);
}
