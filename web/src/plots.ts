/**
 * Plots: any field of a recorded stream against time or against another field (a scan's
 * detector against the motor), the latest runs overlaid, live. New rows come from the ring
 * through ReadStreamRange, a column batch at a time (only the two columns plotted), so the
 * intake keeps up with fast streams; 10^5 points redraw in a few ms (uPlot).
 */
import { control, call, every, messageOf } from './api.js';
import type { App, View } from './app.js';
import { decodeRows, readRange } from './arrow.js';
import { Chart, type Line } from './plot-chart.js';
import { formatNumber } from '../../src/core/format/index.js';
import { h, select, setOptions } from './dom.js';
import type { RingStream } from '../../src/api/gen/daq/v1/control_pb.js';

/** Rows fetched at most at once (the newest). */
const MAX_ROWS = 100_000;

interface Series {
  runUid: string;
  x: number[];
  y: number[];
  firstTime: number;
  lastSeq: number;
}

/** The Plots panel. */
export function createPlotsView(app: App): View {
  void app;
  const streamSelect = select([], '', { id: 'plot-stream' });
  const xSelect = select([], '', { id: 'plot-x' });
  const ySelect = select([], '', { id: 'plot-y' });
  const overlay = select([['1', 'latest run'], ['3', 'latest 3 runs'], ['5', 'latest 5 runs'], ['100', 'all runs in the ring']], '3', { id: 'plot-overlay' });
  const follow = h('button', { id: 'plot-follow' }, 'Pause');
  const fit = h('button', { id: 'plot-fit' }, 'Autoscale');
  const info = h('span', { id: 'plot-info', class: 'muted' });
  const chartBox = h('div', { class: 'chart', id: 'plot-chart' });
  const el = h('section', {}, h('div', { class: 'toolbar' }, 'stream ', streamSelect, ' x ', xSelect, ' y ', ySelect, ' ', overlay, ' ', follow, ' ', fit, ' ', info), chartBox);
  let redrawMs = 0;
  const chart = new Chart(chartBox, () => xSelect.selectedOptions[0]?.textContent ?? xSelect.value, () => ySelect.value, false, (ms) => {
    redrawMs = ms;
    chartBox.dataset['redrawMs'] = String(ms);
    showInfo();
  });
  let points = 0;
  let lineCount = 0;
  const showInfo = (): void => {
    info.textContent = `${points} points in ${lineCount} run(s) · redraw ${formatNumber(redrawMs, 2)} ms${paused ? ' · paused' : ''}`;
  };
  let streams: RingStream[] = [];
  let series = new Map<string, Series>();
  let lastTime = 0;
  let paused = false;
  let pinned: { runUid: string; t0: number; t1: number } | undefined;
  let stops: (() => void)[] = [];

  // Bumped by every reset: a poll that started before one drops what it read (other columns).
  let generation = 0;
  let polling = false;
  const reset = (): void => {
    series = new Map();
    lastTime = 0;
    generation++;
  };

  const refreshStreams = async (): Promise<void> => {
    streams = (await call(() => control.describeRing({}))).streams;
    setOptions(streamSelect, streams.map((s) => s.name));
    const stream = streams.find((s) => s.name === streamSelect.value);
    const numeric = (stream?.fields ?? []).filter((f) => f.shape.length === 0 && !/utf8|string/i.test(f.dtype)).map((f) => f.name);
    setOptions(xSelect, [['elapsed', 'time since run start (s)'], ['time', 'time'], ...numeric.map((n): [string, string] => [n, n])]);
    setOptions(ySelect, numeric);
    if (ySelect.value === '' && numeric.length > 0) ySelect.value = numeric[numeric.length > 1 && numeric[0] === xSelect.value ? 1 : 0] as string;
  };

  const poll = async (): Promise<void> => {
    if (paused || polling) return;
    polling = true;
    try {
      await pollOnce();
    } finally {
      polling = false;
    }
  };

  const pollOnce = async (): Promise<void> => {
    const started = generation;
    if (streamSelect.value === '' || ySelect.value === '') await refreshStreams();
    const stream = streamSelect.value;
    const yName = ySelect.value;
    const xName = xSelect.value;
    if (stream === '' || yName === '') return void (info.textContent = 'no stream with numbers in the ring yet: run an experiment');
    const fields = [yName, ...(xName === 'elapsed' || xName === 'time' ? [] : [xName])];
    const request = pinned === undefined ? { stream, t0S: lastTime, t1S: 0, lastRows: lastTime === 0 ? MAX_ROWS : 0 } : { stream, t0S: pinned.t0, t1S: pinned.t1, lastRows: MAX_ROWS };
    let rows;
    try {
      rows = decodeRows(await call(() => readRange({ ...request, fields, withoutFrames: true })));
    } catch (error) {
      info.textContent = messageOf(error);
      return;
    }
    if (started !== generation) return void (await pollOnce());
    const y = rows.numbers(yName);
    const x = xName === 'elapsed' || xName === 'time' ? rows.time : rows.numbers(xName);
    if (y === undefined || x === undefined) return void (info.textContent = `${yName} or ${xName} is not a number field of ${stream}`);
    for (let i = 0; i < rows.length; i++) {
      const runUid = rows.runUid[i] as string;
      if (pinned !== undefined && runUid !== pinned.runUid) continue;
      let s = series.get(runUid);
      if (s === undefined) {
        s = { runUid, x: [], y: [], firstTime: rows.time[i] as number, lastSeq: 0 };
        series.set(runUid, s);
      }
      const seq = rows.seqNum[i] as number;
      if (seq <= s.lastSeq) continue; // already have it (rows at the poll's start time come again)
      s.lastSeq = seq;
      s.x.push(xName === 'elapsed' ? (rows.time[i] as number) - s.firstTime : (x[i] as number));
      s.y.push(y[i] as number);
    }
    if (rows.length > 0) lastTime = rows.time[rows.length - 1] as number;
    if (pinned !== undefined) paused = true;
    draw();
  };

  const draw = (): void => {
    const keep = Number(overlay.value);
    const shown = [...series.values()].slice(-keep);
    const lines: Line[] = shown.map((s) => ({ label: `run ${s.runUid.slice(0, 8)}`, x: s.x, y: s.y }));
    points = lines.reduce((n, l) => n + l.x.length, 0);
    lineCount = lines.length;
    chart.draw(lines);
    showInfo();
    chartBox.dataset['points'] = String(points);
  };

  for (const control of [streamSelect, xSelect, ySelect]) control.addEventListener('change', () => {
    if (control === streamSelect) void refreshStreams().then(() => { reset(); void poll(); });
    else { reset(); void poll(); }
  });
  overlay.addEventListener('change', draw);
  follow.addEventListener('click', () => {
    paused = !paused;
    if (!paused && pinned !== undefined) {
      pinned = undefined;
      reset();
    }
    follow.textContent = paused ? 'Follow' : 'Pause';
    void poll();
  });
  fit.addEventListener('click', () => chart.fit());
  el.addEventListener('open', (event) => {
    const detail = (event as CustomEvent<Record<string, string>>).detail;
    void refreshStreams().then(() => {
      if (detail['stream'] !== undefined && streams.some((s) => s.name === detail['stream'])) streamSelect.value = detail['stream'];
      return refreshStreams();
    }).then(() => {
      reset();
      paused = false;
      pinned = detail['run'] === undefined ? undefined : { runUid: detail['run'], t0: Number(detail['t0'] ?? 0), t1: Number(detail['t1'] ?? 0) };
      follow.textContent = pinned === undefined ? 'Pause' : 'Follow';
      return poll();
    }).catch((error: unknown) => (info.textContent = messageOf(error)));
  });
  return {
    el,
    show() {
      stops.push(every(250, poll));
      stops.push(every(3000, refreshStreams));
    },
    hide() {
      for (const stop of stops) stop();
      stops = [];
    },
  };
}
