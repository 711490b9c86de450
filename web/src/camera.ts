/**
 * Camera: a live preview of a camera's frames from StreamFrames (downsampled by the daemon to at
 * most the chosen width, at most the chosen rate), with a colour map and a colour bar in counts,
 * sensor-pixel axes, automatic (0.1-99.99 %: a small bright spot keeps its shape) or manual
 * contrast, saturated pixels in a colour of their own, the frame rate and draw time, a histogram
 * and a line profile (click a row) with axes, and ROI drawing (drag a rectangle) that sets the
 * camera's region of interest. A camera started here stops when the tab closes (StreamFrames
 * `start`: the daemon stops it when the last preview that started it ends).
 */
import type { CameraGeometry, DeviceInfo, StreamFramesResponse } from '../../src/api/gen/daq/v1/hardware_pb.js';
import { call, follow, hardware, messageOf } from './api.js';
import type { App, View } from './app.js';
import { COLOUR_MAPS, colourTable, paint, percentiles, saturationColour } from './colour-maps.js';
import { formatNumber, formatTicks } from '../../src/core/format/index.js';
import { niceTicks } from './heat-map.js';
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
  const saturation = h('input', { type: 'number', value: '65535', class: 'short', id: 'camera-saturation', title: 'pixels at or above this count are drawn in the saturation colour (4095 for a 12-bit camera)' });
  const startStream = app.guard(h('button', { id: 'camera-start' }, 'Start camera'));
  const stopStream = app.guard(h('button', { id: 'camera-stop' }, 'Stop camera'));
  const fullRoi = app.guard(h('button', { id: 'camera-full-roi' }, 'Full ROI'));
  const stats = h('span', { id: 'camera-stats', class: 'muted' }, 'no frames yet');
  const message = h('p', { class: 'message', id: 'camera-message' });
  const canvas = h('canvas', { id: 'camera-canvas', width: 256, height: 256 });
  const overlay = h('canvas', { id: 'camera-overlay', width: 256, height: 256 });
  const xAxis = h('canvas', { id: 'camera-x-axis', class: 'camera-x-axis', width: 512, height: 34 });
  const yAxis = h('canvas', { id: 'camera-y-axis', class: 'camera-y-axis', width: 48, height: 512 });
  const colourBar = h('canvas', { id: 'camera-colour-bar', class: 'camera-colour-bar', width: 96, height: 512 });
  const histogram = h('canvas', { width: 300, height: 120, id: 'camera-histogram' });
  const profile = h('canvas', { width: 300, height: 120, id: 'camera-profile' });
  const el = h(
    'section',
    {},
    h('div', { class: 'toolbar' }, 'camera ', deviceSelect, ' rate ', rate, ' fps, width ', width, ' map ', map, ' ', h('label', {}, auto, ' auto contrast'), ' ', low, '–', high, ' saturates at ', saturation, ' ', startStream, stopStream, fullRoi),
    h('div', { class: 'camera' }, h('div', { class: 'frame-axes' }, yAxis, h('div', { class: 'frame-box' }, canvas, overlay), colourBar, h('span'), xAxis), h('div', { class: 'side' }, stats, h('h4', {}, 'histogram'), histogram, h('h4', {}, 'line profile (click a row)'), profile, h('p', { class: 'muted' }, app.may('operator') ? 'Drag a rectangle on the image to set the ROI.' : `ROI drawing ${app.reason('operator')}.`))),
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
      [lo, hi] = percentiles(pixels, 0.001, 0.9999);
      low.value = String(lo);
      high.value = String(hi);
    }
    const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
    const image = ctx.createImageData(frame.width, frame.height);
    const saturated = paint(image, pixels, lo, hi, map.value, Number(saturation.value) || 65535);
    ctx.putImageData(image, 0, 0);
    last = { frame, pixels };
    drawColourBar(colourBar, lo, hi, map.value);
    drawPixelAxes(xAxis, yAxis, geometry(), frame);
    drawHistogram(histogram, pixels, lo, hi);
    drawProfile(profile, pixels, frame.width, frame.height, row);
    stats.dataset['saturated'] = String(saturated);
    Object.assign(colourBar.dataset, { low: String(lo), high: String(hi) });
    drawMs = performance.now() - started;
    const now = performance.now();
    times.push(now);
    while (times.length > 0 && (times[0] as number) < now - 2000) times.shift();
    const fps = times.length > 1 ? ((times.length - 1) * 1000) / (now - (times[0] as number)) : 0;
    stats.textContent = `${formatNumber(fps, 3)} fps · draw ${formatNumber(drawMs, 2)} ms · ${frame.width}×${frame.height} (binned ${frame.binning}×) · frame ${frame.frameNumber} · skipped ${frame.dropped}${saturated > 0 ? ` · ${saturated} px saturated` : ''}`;
    stats.dataset['fps'] = String(fps);
    stats.dataset['drawMs'] = String(drawMs);
    stats.dataset['frames'] = String(Number(stats.dataset['frames'] ?? '0') + 1);
  };

  // True once this tab started the camera: its preview stream then holds the camera on, and the
  // daemon stops the camera when the stream ends (the tab closes, crashes or stops the camera).
  let started = false;
  // Say "done" with the first frame after Start camera (the stream's start is the command).
  let announce = false;
  const restart = (): void => {
    stop?.();
    stop = undefined;
    times.length = 0;
    stats.dataset['frames'] = '0';
    if (deviceSelect.value === '') return;
    const start = started;
    stop = follow(
      (signal) => hardware.streamFrames({ device: deviceSelect.value, maxFps: Number(rate.value), maxWidth: Number(width.value), start }, { signal }),
      (frame) => {
        if (announce) {
          announce = false;
          say('start camera: done');
          void loadDevices();
        }
        onFrame(frame);
      },
      (error) => {
        say(`${start ? 'start camera: ' : ''}${messageOf(error)}`, true);
        // Refused (a run holds the lab, the role): watch without starting instead of asking again.
        if (start) {
          started = false;
          announce = false;
          restart();
        }
      },
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
  startStream.addEventListener('click', () => {
    started = true;
    announce = true;
    restart();
  });
  stopStream.addEventListener('click', () => {
    started = false;
    restart();
    void command('stop camera', () => hardware.setFrameStream({ device: deviceSelect.value, on: false }));
  });
  fullRoi.addEventListener('click', () => {
    const g = geometry();
    if (g !== undefined) void command('full ROI', () => hardware.setRoi({ device: deviceSelect.value, x: 0, y: 0, width: g.sensorWidth, height: g.sensorHeight }));
  });
  deviceSelect.addEventListener('change', () => {
    started = false; // the other camera's preview ended with the old stream
    restart();
  });
  for (const control of [rate, width]) control.addEventListener('change', restart);
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

const AXIS_FONT = '11px system-ui, sans-serif';

/** The colour bar beside the frame: the map from `low` (bottom) to `high` (top), ticks in counts. */
function drawColourBar(canvas: HTMLCanvasElement, low: number, high: number, map: string): void {
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const table = colourTable(map);
  const [left, width, top, height] = [6, 16, 6, canvas.height - 12];
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  for (let k = 0; k < height; k++) {
    const c = table[Math.round((1 - k / Math.max(1, height - 1)) * 255)] as number;
    ctx.fillStyle = `rgb(${c & 255},${(c >>> 8) & 255},${(c >>> 16) & 255})`;
    ctx.fillRect(left, top + k, width, 1);
  }
  ctx.strokeStyle = '#333';
  ctx.strokeRect(left, top, width, height);
  ctx.fillStyle = '#333';
  ctx.font = AXIS_FONT;
  const ticks = high > low ? niceTicks(low, high, 6) : [low];
  formatTicks(ticks, 'counts').forEach((label, k) => {
    const y = high > low ? top + height - (((ticks[k] as number) - low) / (high - low)) * height : top + height / 2;
    ctx.fillRect(left + width, y, 4, 1);
    ctx.fillText(label.replace(/ counts$/, ''), left + width + 6, y + 4);
  });
  ctx.save();
  ctx.translate(canvas.width - 6, top + height / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText('counts', 0, 0);
  ctx.restore();
  const c = saturationColour(map);
  ctx.fillStyle = `rgb(${c & 255},${(c >>> 8) & 255},${(c >>> 16) & 255})`;
  ctx.fillRect(left, 0, width, 4);
}

/** Sensor-pixel axes along the frame: the preview covers the ROI, binned. */
function drawPixelAxes(xAxis: HTMLCanvasElement, yAxis: HTMLCanvasElement, geometry: CameraGeometry | undefined, frame: StreamFramesResponse): void {
  const x0 = geometry?.roiX ?? 0;
  const y0 = geometry?.roiY ?? 0;
  const w = geometry !== undefined && geometry.roiWidth > 0 ? geometry.roiWidth : frame.width * frame.binning;
  const hgt = geometry !== undefined && geometry.roiHeight > 0 ? geometry.roiHeight : frame.height * frame.binning;
  const xs = xAxis.getContext('2d') as CanvasRenderingContext2D;
  xs.clearRect(0, 0, xAxis.width, xAxis.height);
  xs.fillStyle = '#333';
  xs.font = AXIS_FONT;
  xs.textAlign = 'center';
  const xt = niceTicks(x0, x0 + w, 6);
  for (const t of xt) {
    const at = ((t - x0) / w) * xAxis.width;
    xs.fillRect(Math.min(at, xAxis.width - 1), 0, 1, 5);
    xs.fillText(String(t), Math.max(10, Math.min(xAxis.width - 14, at)), 16);
  }
  xs.fillText('x (sensor px)', xAxis.width / 2, 31);
  const ys = yAxis.getContext('2d') as CanvasRenderingContext2D;
  ys.clearRect(0, 0, yAxis.width, yAxis.height);
  ys.fillStyle = '#333';
  ys.font = AXIS_FONT;
  ys.textAlign = 'right';
  for (const t of niceTicks(y0, y0 + hgt, 6)) {
    const at = ((t - y0) / hgt) * yAxis.height;
    ys.fillRect(yAxis.width - 5, Math.min(at, yAxis.height - 1), 5, 1);
    ys.fillText(String(t), yAxis.width - 7, Math.max(10, Math.min(yAxis.height - 2, at + 4)));
  }
  ys.save();
  ys.translate(10, yAxis.height / 2);
  ys.rotate(-Math.PI / 2);
  ys.textAlign = 'center';
  ys.fillText('y (sensor px)', 0, 0);
  ys.restore();
  Object.assign(xAxis.dataset, { ticks: xt.join('|') });
}

/** Room for the axes of the small plots (histogram, profile). */
const SMALL = { left: 44, right: 6, top: 16, bottom: 26 };

/** Axes of a small plot: ticks of x (`xLo`..`xHi`) and y (`yLo`..`yHi`), and their titles. */
function smallAxes(ctx: CanvasRenderingContext2D, canvas: HTMLCanvasElement, x: [number, number, string], y: [number, number, string], yLabels?: (t: number) => string): void {
  const w = canvas.width - SMALL.left - SMALL.right;
  const hgt = canvas.height - SMALL.top - SMALL.bottom;
  ctx.strokeStyle = '#999';
  ctx.strokeRect(SMALL.left, SMALL.top, w, hgt);
  ctx.fillStyle = '#333';
  ctx.font = AXIS_FONT;
  ctx.textAlign = 'center';
  for (const t of niceTicks(x[0], x[1], 4)) {
    const at = SMALL.left + ((t - x[0]) / Math.max(1e-12, x[1] - x[0])) * w;
    ctx.fillRect(at, SMALL.top + hgt, 1, 4);
    ctx.fillText(String(t), at, SMALL.top + hgt + 14);
  }
  ctx.fillText(x[2], SMALL.left + w / 2, canvas.height - 2);
  ctx.textAlign = 'right';
  for (const t of niceTicks(y[0], y[1], 3)) {
    const at = SMALL.top + hgt - ((t - y[0]) / Math.max(1e-12, y[1] - y[0])) * hgt;
    ctx.fillRect(SMALL.left - 4, at, 4, 1);
    ctx.fillText(yLabels?.(t) ?? String(t), SMALL.left - 6, at + 4);
  }
  ctx.textAlign = 'left';
  ctx.fillText(y[2], 2, 11);
}

function drawHistogram(canvas: HTMLCanvasElement, pixels: Uint16Array, low: number, high: number): void {
  const w = canvas.width - SMALL.left - SMALL.right;
  const hgt = canvas.height - SMALL.top - SMALL.bottom;
  const bins = new Uint32Array(w);
  const span = Math.max(1, high - low);
  for (let i = 0; i < pixels.length; i++) {
    const b = Math.floor((((pixels[i] as number) - low) / span) * (bins.length - 1));
    const at = b < 0 ? 0 : b >= bins.length ? bins.length - 1 : b;
    bins[at] = (bins[at] as number) + 1;
  }
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const most = Math.max(1, ...bins);
  const top = Math.log10(most + 1);
  ctx.fillStyle = '#456';
  for (let x = 0; x < bins.length; x++) {
    const bar = (Math.log10((bins[x] as number) + 1) / top) * hgt;
    ctx.fillRect(SMALL.left + x, SMALL.top + hgt - bar, 1, bar);
  }
  // y: pixels a bin, on a log scale (ticks at powers of ten).
  smallAxes(ctx, canvas, [low, high, 'counts'], [0, top, 'pixels (log)'], (t) => (Number.isInteger(t) ? `1e${t}` : ''));
}

function drawProfile(canvas: HTMLCanvasElement, pixels: Uint16Array, width: number, height: number, row: number): void {
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const w = canvas.width - SMALL.left - SMALL.right;
  const hgt = canvas.height - SMALL.top - SMALL.bottom;
  const y = row >= 0 && row < height ? row : Math.floor(height / 2);
  const line = pixels.subarray(y * width, (y + 1) * width);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of line) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (hi === lo) hi = lo + 1;
  ctx.strokeStyle = '#c33';
  ctx.beginPath();
  for (let x = 0; x < line.length; x++) {
    const px = SMALL.left + (x / Math.max(1, line.length - 1)) * w;
    const py = SMALL.top + hgt - (((line[x] as number) - lo) / (hi - lo)) * hgt;
    if (x === 0) ctx.moveTo(px, py);
    else ctx.lineTo(px, py);
  }
  ctx.stroke();
  smallAxes(ctx, canvas, [0, line.length - 1, 'preview px'], [lo, hi, `counts · row ${y}`]);
}
