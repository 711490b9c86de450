/**
 * Plots: any field of a recorded stream against time or against another field (a scan's
 * detector against the motor), the latest runs overlaid, live; or as a 2-D map over two fields
 * (a grid scan's detector over its two motors), filling in live. Axes carry units. New rows come from the ring
 * through ReadStreamRange, a column batch at a time (only the two columns plotted), so the
 * intake keeps up with fast streams; 10^5 points redraw in a few ms (uPlot).
 */
import { control, call, every, messageOf } from './api.js';
import type { App, View } from './app.js';
import { tableFromIPC } from 'apache-arrow';
import { create } from '@bufbuild/protobuf';
import { concat, decodeRows, readRange, type Rows } from './arrow.js';
import { type AxisSpec, Chart, type Line } from './plot-chart.js';
import { HeatMap } from './heat-map.js';
import { formatNumber, formatTime } from '../../src/core/format/index.js';
import { h, select, setOptions } from './dom.js';
import { ExportFormat, type RingRun, type RingStream, RingStreamSchema } from '../../src/api/gen/daq/v1/control_pb.js';

/** Rows fetched at most at once (the newest). */
const MAX_ROWS = 100_000;

interface Series {
  runUid: string;
  x: number[];
  y: number[];
  /** The map's second axis (the vertical one), when the map is shown. */
  y2: number[];
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
  const view = select([['lines', 'lines'], ['map', '2-D map']], 'lines', { id: 'plot-view', title: 'lines: y against x for each run; 2-D map: y as colour over x and a second axis (a grid scan)' });
  const y2Select = select([], '', { id: 'plot-y2' });
  const y2Label = h('span', { class: 'hidden' }, ' over ', y2Select);
  const follow = h('button', { id: 'plot-follow' }, 'Pause');
  const fit = h('button', { id: 'plot-fit' }, 'Autoscale');
  const info = h('span', { id: 'plot-info', class: 'muted' });
  const chartBox = h('div', { class: 'chart', id: 'plot-chart' });
  const el = h('section', {}, h('div', { class: 'toolbar' }, 'stream ', streamSelect, ' x ', xSelect, ' y ', ySelect, ' ', view, y2Label, ' ', overlay, ' ', follow, ' ', fit, ' ', info), chartBox);
  let redrawMs = 0;
  const unitsOf = (field: string): string => streams.find((s) => s.name === streamSelect.value)?.fields.find((f) => f.name === field)?.units ?? '';
  const xAxis = (): AxisSpec =>
    xSelect.value === 'elapsed' ? { name: 'time since run start', units: 's' } : xSelect.value === 'time' ? { name: 'time', units: '' } : { name: xSelect.value, units: unitsOf(xSelect.value) };
  const yAxis = (): AxisSpec => ({ name: ySelect.value, units: unitsOf(ySelect.value) });
  const chart = new Chart(chartBox, {
    x: xAxis,
    y: yAxis,
    onDrawn: (ms) => {
      redrawMs = ms;
      chartBox.dataset['redrawMs'] = String(ms);
      showInfo();
    },
  });
  const map = new HeatMap(chartBox);
  map.show(false);
  let points = 0;
  let lineCount = 0;
  const showInfo = (): void => {
    info.textContent = `${points} points in ${lineCount} run(s) · redraw ${formatNumber(redrawMs, 2)} ms${paused ? ' · paused' : ''}${info.dataset['source'] === 'file' ? " · from the run's HDF5 file (no longer in the ring)" : ''}`;
  };
  let streams: RingStream[] = [];
  /**
   * A finished run opened from the run history whose rows the ring no longer holds: its stream
   * read from the run's HDF5 file (ExportRun as Arrow), described as the ring describes streams.
   */
  let fileSource: { runUid: string; stream: string; rows: Rows; described: RingStream } | undefined;
  const loadFromFile = async (runUid: string, stream: string): Promise<NonNullable<typeof fileSource>> => {
    if (fileSource !== undefined && fileSource.runUid === runUid && fileSource.stream === stream) return fileSource;
    const chunks: Uint8Array[] = [];
    for await (const part of control.exportRun({ runUid, format: ExportFormat.ARROW, stream })) chunks.push(part.chunk);
    const table = tableFromIPC(concat(chunks));
    const described = create(RingStreamSchema, {
      name: stream,
      rows: table.numRows,
      fields: table.schema.fields
        .filter((f) => f.name !== 'time' && f.name !== 'seq_num')
        .map((f) => ({ name: f.name, dtype: f.metadata.get('dtype') ?? String(f.type), shape: JSON.parse(f.metadata.get('shape') ?? '[]') as number[], units: f.metadata.get('units') ?? '' })),
    });
    fileSource = { runUid, stream, rows: decodeRows([table]), described };
    return fileSource;
  };
  let runs: RingRun[] = [];
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
    const ring = await call(() => control.describeRing({}));
    const fromFile = fileSource;
    streams = fromFile !== undefined && pinned?.runUid === fromFile.runUid && !ring.streams.some((s) => s.name === fromFile.stream) ? [...ring.streams, fromFile.described] : ring.streams;
    runs = ring.runs;
    setOptions(streamSelect, streams.map((s) => s.name));
    const stream = streams.find((s) => s.name === streamSelect.value);
    const numeric = (stream?.fields ?? []).filter((f) => f.shape.length === 0 && !/utf8|string/i.test(f.dtype)).map((f) => f.name);
    setOptions(xSelect, [['elapsed', 'time since run start (s)'], ['time', 'time'], ...numeric.map((n): [string, string] => [n, n])]);
    setOptions(ySelect, numeric);
    setOptions(y2Select, numeric);
    if (y2Select.value === '' || y2Select.value === xSelect.value) y2Select.value = numeric.find((n) => n !== xSelect.value && n !== ySelect.value && !n.endsWith('_setpoint')) ?? y2Select.value;
    if (ySelect.value === '' && numeric.length > 0) ySelect.value = numeric[numeric.length > 1 && numeric[0] === xSelect.value ? 1 : 0] as string;
  };

  /** Reads what is new and draws; `force` also when paused (the axes changed: draw what is held again). */
  const poll = async (force = false): Promise<void> => {
    if ((paused && !force) || polling) return;
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
    if (stream === '' || yName === '') {
      draw();
      info.textContent = 'no stream with numbers in the ring yet: run an experiment';
      return;
    }
    const mapped = view.value === 'map' && y2Select.value !== '';
    const y2Name = y2Select.value;
    const fields = [yName, ...(xName === 'elapsed' || xName === 'time' ? [] : [xName]), ...(mapped && y2Name !== yName && y2Name !== xName ? [y2Name] : [])];
    const request = pinned === undefined ? { stream, t0S: lastTime, t1S: 0, lastRows: lastTime === 0 ? MAX_ROWS : 0 } : { stream, t0S: pinned.t0, t1S: pinned.t1, lastRows: MAX_ROWS };
    let rows: Rows | undefined;
    let fromFile = false;
    try {
      if (fileSource === undefined || pinned?.runUid !== fileSource.runUid || fileSource.stream !== stream) {
        rows = decodeRows(await call(() => readRange({ ...request, fields, withoutFrames: true })));
      }
    } catch (error) {
      if (pinned === undefined) {
        info.textContent = messageOf(error);
        return;
      }
    }
    // A run opened from the history that the ring no longer holds: read it from its file.
    const pinnedRun = pinned?.runUid;
    if (pinnedRun !== undefined && (rows === undefined || !rows.runUid.includes(pinnedRun))) {
      try {
        const file = await call(() => loadFromFile(pinnedRun, stream));
        rows = file.rows;
        rows.runUid.fill(pinnedRun);
        fromFile = true;
      } catch (error) {
        info.textContent = `run ${pinnedRun.slice(0, 8)} is no longer in the ring, and its file cannot be read: ${messageOf(error)}`;
        return;
      }
    }
    if (rows === undefined) return;
    if (started !== generation) return void (await pollOnce());
    const y = rows.numbers(yName);
    const x = xName === 'elapsed' || xName === 'time' ? rows.time : rows.numbers(xName);
    const y2 = mapped ? rows.numbers(y2Name) : undefined;
    if (y === undefined || x === undefined) return void (info.textContent = `${yName} or ${xName} is not a number field of ${stream}`);
    for (let i = 0; i < rows.length; i++) {
      const runUid = rows.runUid[i] as string;
      if (pinned !== undefined && runUid !== pinned.runUid) continue;
      let s = series.get(runUid);
      if (s === undefined) {
        s = { runUid, x: [], y: [], y2: [], firstTime: rows.time[i] as number, lastSeq: 0 };
        series.set(runUid, s);
      }
      const seq = rows.seqNum[i] as number;
      if (seq <= s.lastSeq) continue; // already have it (rows at the poll's start time come again)
      s.lastSeq = seq;
      s.x.push(xName === 'elapsed' ? (rows.time[i] as number) - s.firstTime : (x[i] as number));
      s.y.push(y[i] as number);
      s.y2.push(y2 === undefined ? Number.NaN : (y2[i] as number));
    }
    if (rows.length > 0) lastTime = rows.time[rows.length - 1] as number;
    if (pinned !== undefined) paused = true;
    if (fromFile) info.dataset['source'] = 'file';
    else delete info.dataset['source'];
    draw();
  };

  /** A run as its legend entry says it: script, start time (ISO, 24-hour) and uid. */
  const runLabel = (uid: string): string => {
    const run = runs.find((r) => r.uid === uid);
    return run === undefined ? `run ${uid.slice(0, 8)}` : `${run.scriptName} · ${formatTime(run.startTimeS).replace('T', ' ').slice(0, 19)} · ${uid.slice(0, 8)}`;
  };

  /** Why there is nothing to draw: said in the chart's place. */
  const emptyMessage = (): string => {
    const running = runs.find((r) => r.endTimeS === 0);
    if (streams.length === 0) return 'nothing recorded in the ring yet: run an experiment';
    if (running !== undefined) return `waiting for the first ${streamSelect.value} point of ${running.scriptName} (started ${formatTime(running.startTimeS, { timeOnly: true }).slice(0, 8)})`;
    return `no ${streamSelect.value} rows with ${ySelect.value} in the ring`;
  };

  const draw = (): void => {
    const keep = Number(overlay.value);
    const shown = [...series.values()].slice(-keep);
    const mapped = view.value === 'map';
    points = shown.reduce((n, s) => n + s.x.length, 0);
    lineCount = shown.length;
    map.show(mapped);
    if (mapped) {
      // The map shows the newest run (a grid is one run); the lines view overlays runs.
      const newest = shown[shown.length - 1];
      const hasPoints = newest !== undefined && newest.x.length > 0;
      chart.show(!hasPoints);
      chart.draw([], emptyMessage());
      map.show(hasPoints);
      chartBox.dataset['empty'] = hasPoints ? 'false' : 'true';
      if (hasPoints) map.draw({ x: newest.x, y: newest.y2, z: newest.y }, xAxis(), { name: y2Select.value, units: unitsOf(y2Select.value) }, yAxis());
    } else {
      chart.show(true);
      const lines: Line[] = shown.map((s) => ({ label: runLabel(s.runUid), x: s.x, y: s.y }));
      chart.draw(lines, emptyMessage());
    }
    showInfo();
    chartBox.dataset['points'] = String(points);
  };

  view.addEventListener('change', () => {
    y2Label.classList.toggle('hidden', view.value !== 'map');
    reset();
    void poll(true);
  });
  for (const control of [streamSelect, xSelect, ySelect, y2Select]) control.addEventListener('change', () => {
    if (control === streamSelect) void refreshStreams().then(() => { reset(); void poll(true); });
    else { reset(); void poll(true); }
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
    pinned = detail['run'] === undefined ? undefined : { runUid: detail['run'], t0: Number(detail['t0'] ?? 0), t1: Number(detail['t1'] ?? 0) };
    void refreshStreams().then(async () => {
      const stream = detail['stream'];
      const run = detail['run'];
      // A run whose stream the ring no longer has: its file describes the stream.
      if (stream !== undefined && run !== undefined && !streams.some((s) => s.name === stream)) {
        await call(() => loadFromFile(run, stream)).catch(() => undefined);
        await refreshStreams();
      }
      if (stream !== undefined && streams.some((s) => s.name === stream)) streamSelect.value = stream;
      return refreshStreams();
    }).then(() => {
      reset();
      paused = false;
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
