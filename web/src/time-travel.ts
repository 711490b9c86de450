/**
 * Time travel: what the ring holds (each stream's span, when runs started and stopped) on a
 * timeline; drag the scrubber (or type a time) to see the plot, the values and the camera frame
 * as they were at that moment; replay from there at 1x-10x; export the window before the cursor
 * as Arrow or CSV. Everything comes from DescribeRing and ReadStreamRange.
 */
import { tableToIPC } from 'apache-arrow';
import type { DescribeRingResponse, RingField } from '../../src/api/gen/daq/v1/control_pb.js';
import { call, control, every, messageOf } from './api.js';
import type { App, View } from './app.js';
import { decodeRows, readRange, toCsv } from './arrow.js';
import { paint, percentiles } from './colour-maps.js';
import { formatDuration, formatQuantity, formatTime } from '../../src/core/format/index.js';
import { download, h, replace, select, setOptions } from './dom.js';
import { Chart, type Line } from './plot-chart.js';

/** The Time travel panel. */
export function createTimeTravelView(app: App): View {
  void app;
  const timeline = h('canvas', { id: 'tt-timeline', height: 80 });
  const scrubber = h('input', { type: 'range', min: 0, max: 10000, value: 10000, id: 'tt-scrubber', class: 'scrubber' });
  const timeInput = h('input', { id: 'tt-time', size: 22, title: 'a local time 2026-12-07T14:02:05.250 (ISO 8601, 24-hour), a time of day 14:02:05.250, or seconds since the epoch', placeholder: '2026-12-07T14:02:05.250' });
  const go = h('button', { id: 'tt-go' }, 'Go');
  const streamSelect = select([], '', { id: 'tt-stream' });
  const fieldSelect = select([], '', { id: 'tt-field' });
  const span = select([['10', '10 s'], ['60', '1 min'], ['300', '5 min'], ['1800', '30 min']], '60', { id: 'tt-span' });
  const frameSelect = select([], '', { id: 'tt-frame-stream' });
  const speed = select([['1', '1x'], ['2', '2x'], ['5', '5x'], ['10', '10x']], '1', { id: 'tt-speed' });
  const play = h('button', { id: 'tt-play' }, 'Replay');
  const live = h('button', { id: 'tt-live' }, 'Live');
  const exportArrow = h('button', { id: 'tt-export-arrow' }, 'Export Arrow');
  const exportCsv = h('button', { id: 'tt-export-csv' }, 'Export CSV');
  const cursorText = h('span', { id: 'tt-cursor', class: 'badge' });
  const values = h('tbody', { id: 'tt-values' });
  const frameCanvas = h('canvas', { id: 'tt-frame', width: 256, height: 256 });
  const frameInfo = h('p', { class: 'muted', id: 'tt-frame-info' });
  const message = h('p', { class: 'message', id: 'tt-message' });
  const chartBox = h('div', { class: 'chart', id: 'tt-chart' });
  const el = h(
    'section',
    {},
    h('div', { class: 'timeline-box' }, timeline),
    scrubber,
    h('div', { class: 'toolbar' }, 'at ', cursorText, ' ', timeInput, go, ' ', speed, play, live, ' · stream ', streamSelect, ' field ', fieldSelect, ' window ', span, ' ', exportArrow, exportCsv),
    message,
    h('div', { class: 'tt-body' }, h('div', { class: 'tt-plot' }, chartBox), h('div', { class: 'tt-side' }, h('h4', {}, 'values at the cursor'), h('table', { class: 'settings' }, values), h('h4', {}, 'camera frame at the cursor ', frameSelect), frameCanvas, frameInfo)),
  );
  const chart = new Chart(chartBox, {
    x: () => ({ name: 'time', units: '' }),
    y: () => ({ name: fieldSelect.value, units: fieldOf(streamSelect.value, fieldSelect.value)?.units ?? '' }),
    time: true,
    minHeight: 300,
  });
  let ring: DescribeRingResponse | undefined;
  let cursor = 0;
  let following = true;
  let playing = false;
  let busy = false;
  let again = false;
  let stops: (() => void)[] = [];

  const bounds = (): [number, number] => {
    const t0 = ring?.tFirstS ?? 0;
    const t1 = Math.max(ring?.tLastS ?? 0, t0 + 1);
    return [t0, t1];
  };
  const say = (text: string, error = false): void => {
    message.textContent = text;
    message.className = `message${error ? ' error' : ''}`;
  };

  const describe = async (): Promise<void> => {
    ring = await call(() => control.describeRing({}));
    const scalar = ring.streams.filter((s) => s.fields.some((f) => f.shape.length === 0));
    setOptions(streamSelect, scalar.map((s) => s.name));
    setOptions(frameSelect, [['', 'none'], ...ring.streams.flatMap((s) => s.fields.filter((f) => f.shape.length === 2).map((f): [string, string] => [`${s.name}/${f.name}`, `${s.name}.${f.name}`]))]);
    if (frameSelect.value === '' && frameSelect.options.length > 1) frameSelect.selectedIndex = 1;
    const fields = (ring.streams.find((s) => s.name === streamSelect.value)?.fields ?? []).filter((f) => f.shape.length === 0 && !/utf8|string/i.test(f.dtype));
    setOptions(fieldSelect, fields.map((f) => f.name));
    if (following && !playing) cursor = bounds()[1];
    drawTimeline();
  };

  const drawTimeline = (): void => {
    const width = (timeline.width = Math.max(300, timeline.parentElement?.clientWidth ?? 800));
    const streams = ring?.streams ?? [];
    const height = (timeline.height = 24 + 16 * Math.max(1, streams.length));
    const ctx = timeline.getContext('2d') as CanvasRenderingContext2D;
    const [t0, t1] = bounds();
    const x = (t: number): number => 100 + ((t - t0) / (t1 - t0)) * (width - 110);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px sans-serif';
    // Run labels never overlap: each is cut to the room before the next label, and left out
    // when fewer than a few characters fit (the run's band stays; hover the timeline or see Runs).
    // Every label's box goes to data-label-boxes (the browser tests check that none overlap).
    const boxes: { text: string; x: number; y: number; width: number; height: number }[] = [];
    const label = (text: string, at: number, baseline: number): void => {
      ctx.fillText(text, at, baseline);
      boxes.push({ text, x: at, y: baseline - 10, width: ctx.measureText(text).width, height: 12 });
    };
    let freeFrom = 0;
    let runLabels = 0;
    const runs = [...(ring?.runs ?? [])].sort((a, b) => a.startTimeS - b.startTimeS);
    runs.forEach((run, i) => {
      const end = run.endTimeS > 0 ? run.endTimeS : t1;
      const from = x(Math.max(run.startTimeS, t0));
      ctx.fillStyle = i % 2 === 0 ? 'rgba(70,130,200,0.18)' : 'rgba(70,130,200,0.30)';
      ctx.fillRect(from, 0, Math.max(2, x(end) - from), height);
      const next = runs[i + 1];
      const at = Math.max(from + 2, freeFrom);
      const room = (next === undefined ? width : x(Math.max(next.startTimeS, t0))) - at - 6;
      const text = fitText(ctx, `${run.scriptName} ${formatTime(run.startTimeS, { timeOnly: true }).slice(0, 8)}`, Math.min(room, width - at - 2));
      if (text === '') return;
      ctx.fillStyle = '#246';
      label(text, at, height - 4);
      runLabels++;
      freeFrom = at + ctx.measureText(text).width + 6;
    });
    streams.forEach((s, i) => {
      ctx.fillStyle = '#333';
      // The stream's name in the 100 px before the spans start.
      const text = fitText(ctx, s.name, 94);
      if (text !== '') label(text, 2, 14 + 16 * i);
      ctx.fillStyle = '#5a5';
      ctx.fillRect(x(s.tFirstS), 5 + 16 * i, Math.max(2, x(s.tLastS) - x(s.tFirstS)), 11);
    });
    timeline.dataset['labels'] = String(runLabels);
    timeline.dataset['labelBoxes'] = JSON.stringify(boxes);
    timeline.dataset['runs'] = JSON.stringify(runs.map((r) => r.uid));
    timeline.dataset['first'] = String(t0);
    ctx.strokeStyle = '#c00';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x(cursor), 0);
    ctx.lineTo(x(cursor), height);
    ctx.stroke();
    scrubber.value = String(Math.round(((cursor - t0) / (t1 - t0)) * 10000));
    cursorText.textContent = formatTime(cursor);
    cursorText.dataset['time'] = String(cursor);
  };

  const fieldOf = (stream: string, field: string): RingField | undefined => ring?.streams.find((s) => s.name === stream)?.fields.find((f) => f.name === field);

  /** Plot, values and frame at the cursor. */
  const showMoment = async (): Promise<void> => {
    if (busy) {
      again = true; // the cursor moved while a read was in flight: show the new moment after it
      return;
    }
    busy = true;
    try {
      drawTimeline();
      const stream = streamSelect.value;
      if (stream !== '') {
        const window = Number(span.value);
        const rows = decodeRows(await call(() => readRange({ stream, t0S: cursor - window, t1S: cursor + window / 4, withoutFrames: true })));
        let at = -1;
        for (let i = 0; i < rows.length && (rows.time[i] as number) <= cursor; i++) at = i;
        // None in the window: the newest row at or before the cursor, however old (the rule the
        // frame beside it follows too, so values and frame agree about what is at the cursor).
        let before = rows;
        if (at < 0) {
          before = decodeRows(await call(() => readRange({ stream, t0S: 0, t1S: cursor + 1e-6, lastRows: 1, withoutFrames: true })));
          if (before.length > 0) at = 0;
        }
        const shown: HTMLElement[] = [];
        if (at >= 0) {
          shown.push(h('tr', { 'data-field': 'time' }, h('th', {}, 'time'), h('td', {}, `${formatTime(before.time[at] as number)} (${formatDuration(cursor - (before.time[at] as number))} before)`)));
          shown.push(h('tr', { 'data-field': 'run' }, h('th', {}, 'run'), h('td', {}, `${(before.runUid[at] ?? '').slice(0, 8)} #${before.seqNum[at]}`)));
          for (const f of before.fields) {
            if (['time', 'run_uid', 'seq_num'].includes(f.name)) continue;
            const v: unknown = before.value(f.name, at);
            const units = fieldOf(stream, f.name)?.units ?? '';
            const text = typeof v === 'number' ? formatQuantity(v, units, { integer: units === '' && Number.isInteger(v) }) : typeof v === 'bigint' ? String(v) : v !== null && typeof v === 'object' ? '[array]' : `${String(v)}${units === '' ? '' : ` ${units}`}`;
            shown.push(h('tr', { 'data-field': f.name }, h('th', {}, f.name), h('td', { 'data-value': typeof v === 'number' ? String(v) : text }, text)));
          }
        } else shown.push(h('tr', {}, h('td', { class: 'muted' }, `no ${stream} rows at or before this time`)));
        replace(values, ...shown);
        const y = rows.numbers(fieldSelect.value);
        chart.cursorX = cursor;
        chart.autoscale = true;
        // One line a run: a line drawn from one run's last point to the next run's first would show values never measured.
        if (y !== undefined) chart.draw(linesByRun(rows.time, y, rows.runUid, (uid) => `${ring?.runs.find((r) => r.uid === uid)?.scriptName ?? stream} · ${uid.slice(0, 8)}`), `no ${stream} rows in this window`);
      }
      await showFrame();
    } catch (error) {
      say(messageOf(error), true);
    } finally {
      busy = false;
      if (again) {
        again = false;
        void showMoment();
      }
    }
  };

  const showFrame = async (): Promise<void> => {
    const [stream, field] = frameSelect.value.split('/');
    // No frame at the cursor: the canvas is cleared, never left showing another moment's frame.
    const clear = (why: string): void => {
      frameCanvas.getContext('2d')?.clearRect(0, 0, frameCanvas.width, frameCanvas.height);
      frameInfo.textContent = why;
    };
    if (stream === undefined || field === undefined || stream === '') return clear('');
    const info = fieldOf(stream, field);
    const rows = decodeRows(await call(() => readRange({ stream, t0S: 0, t1S: cursor + 1e-6, lastRows: 1, fields: [field] })));
    if (rows.length === 0) return clear('no frame at or before this time');
    const bytes = rows.value(field, 0) as Uint8Array | null;
    const [height = 0, width = 0] = info?.shape ?? [];
    if (bytes === null || width === 0) return clear('no frame at or before this time');
    const pixels = toUint16(bytes, info?.dtype ?? 'uint16', width * height);
    frameCanvas.width = width;
    frameCanvas.height = height;
    const ctx = frameCanvas.getContext('2d') as CanvasRenderingContext2D;
    const image = ctx.createImageData(width, height);
    const [lo, hi] = percentiles(pixels, 0.001, 0.9999);
    paint(image, pixels, lo, hi, 'gray');
    ctx.putImageData(image, 0, 0);
    frameInfo.textContent = `${stream}.${field} ${width}×${height} at ${formatTime(rows.time[0] as number)} (run ${(rows.runUid[0] ?? '').slice(0, 8)} #${rows.seqNum[0]})`;
  };

  const moveTo = (t: number, follow = false): void => {
    const [t0, t1] = bounds();
    cursor = Math.max(t0, Math.min(t1, t));
    following = follow;
    drawTimeline();
    void showMoment();
  };
  const timeline0 = (event: MouseEvent): void => {
    const box = timeline.getBoundingClientRect();
    const [t0, t1] = bounds();
    const px = ((event.clientX - box.left) / box.width) * timeline.width;
    moveTo(t0 + ((px - 100) / (timeline.width - 110)) * (t1 - t0));
  };
  let dragging = false;
  timeline.addEventListener('mousedown', (e) => {
    dragging = true;
    timeline0(e);
  });
  timeline.addEventListener('mousemove', (e) => dragging && timeline0(e));
  window.addEventListener('mouseup', () => (dragging = false));
  scrubber.addEventListener('input', () => {
    const [t0, t1] = bounds();
    moveTo(t0 + (Number(scrubber.value) / 10000) * (t1 - t0), Number(scrubber.value) === 10000);
  });
  const parseTime = (text: string): number => {
    const trimmed = text.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
    // ISO 8601 local date and time, as the cursor shows it: 2026-12-07T14:02:05.250
    const iso = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(trimmed);
    if (iso !== null) return new Date(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3]), Number(iso[4]), Number(iso[5])).getTime() / 1000 + Number(iso[6]);
    const m = /^(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(trimmed);
    if (m === null) throw new Error(`"${text}": give a local time 2026-12-07T14:02:05.250 (ISO 8601, 24-hour), a time of day 14:02:05.250, or seconds since the epoch`);
    const d = new Date(cursor * 1000);
    d.setHours(Number(m[1]), Number(m[2]), 0, 0);
    return d.getTime() / 1000 + Number(m[3]);
  };
  const goTo = (): void => {
    try {
      moveTo(parseTime(timeInput.value));
      say('');
    } catch (error) {
      say((error as Error).message, true);
    }
  };
  go.addEventListener('click', goTo);
  timeInput.addEventListener('keydown', (e) => e.key === 'Enter' && goTo());
  live.addEventListener('click', () => {
    playing = false;
    play.textContent = 'Replay';
    moveTo(bounds()[1], true);
  });
  for (const s of [streamSelect, fieldSelect, span, frameSelect]) s.addEventListener('change', () => void describe().then(showMoment));
  play.addEventListener('click', () => {
    playing = !playing;
    play.textContent = playing ? 'Pause replay' : 'Replay';
    following = false;
    let last = performance.now();
    let lastFetch = 0;
    const step = (now: number): void => {
      if (!playing) return;
      cursor += ((now - last) / 1000) * Number(speed.value);
      last = now;
      if (cursor >= bounds()[1]) {
        cursor = bounds()[1];
        playing = false;
        play.textContent = 'Replay';
      }
      drawTimeline();
      if (now - lastFetch > 200) {
        lastFetch = now;
        void showMoment();
      }
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  const exportWindow = async (format: 'arrow' | 'csv'): Promise<void> => {
    const stream = streamSelect.value;
    const t0 = cursor - Number(span.value);
    try {
      const parts = await call(() => readRange({ stream, t0S: t0, t1S: cursor, withoutFrames: format === 'csv' }));
      const name = `${stream}-${new Date(t0 * 1000).toISOString().replace(/[:.]/g, '-')}`;
      // Arrow: one file a part (rows of one schema each; a stream whose fields changed between runs has several).
      if (format === 'arrow') parts.forEach((part, i) => download(`${name}${parts.length > 1 ? `-part${i + 1}` : ''}.arrows`, tableToIPC(part, 'stream').slice(), 'application/vnd.apache.arrow.stream'));
      else download(`${name}.csv`, toCsv(decodeRows(parts)), 'text/csv');
      say(`exported ${stream} from ${formatTime(t0)} to ${formatTime(cursor)} as ${format}`);
    } catch (error) {
      say(messageOf(error), true);
    }
  };
  exportArrow.addEventListener('click', () => void exportWindow('arrow'));
  exportCsv.addEventListener('click', () => void exportWindow('csv'));
  return {
    el,
    show() {
      stops.push(every(2000, async () => {
        await describe();
        if (following && !playing) await showMoment();
      }));
    },
    hide() {
      for (const stop of stops) stop();
      stops = [];
      playing = false;
    },
  };
}

function toUint16(bytes: Uint8Array, dtype: string, count: number): Uint16Array {
  const copy = bytes.slice(0, count * (dtype === 'uint8' ? 1 : dtype === 'float32' ? 4 : 2));
  if (dtype === 'uint16') return new Uint16Array(copy.buffer, 0, count);
  if (dtype === 'uint8') return Uint16Array.from(copy);
  const floats = new Float32Array(copy.buffer, 0, count);
  let max = 0;
  for (const v of floats) max = Math.max(max, v);
  return Uint16Array.from(floats, (v) => (v / Math.max(max, 1e-30)) * 65535);
}

/** The rows as one line per run (rows of a run are contiguous in the ring, in time order), each named by `label(runUid)`. */
function linesByRun(time: Float64Array, y: Float64Array, runUid: readonly string[], label: (uid: string) => string): Line[] {
  const lines: Line[] = [];
  let from = 0;
  for (let i = 1; i <= time.length; i++) {
    if (i < time.length && runUid[i] === runUid[from]) continue;
    lines.push({ label: label(runUid[from] ?? ''), x: time.subarray(from, i), y: y.subarray(from, i) });
    from = i;
  }
  return lines;
}

/** `text` cut (with an ellipsis) to fit `room` px, or '' when less than a few characters fit. */
function fitText(ctx: CanvasRenderingContext2D, text: string, room: number): string {
  if (ctx.measureText(text).width <= room) return text;
  for (let n = text.length - 1; n >= 4; n--) {
    const cut = `${text.slice(0, n)}…`;
    if (ctx.measureText(cut).width <= room) return cut;
  }
  return '';
}
