/**
 * A uPlot chart of several x/y series (mode 2: each series its own x), rebuilt when the series
 * change. Axes carry their quantity and units (`power (W)`), ticks one SI prefix an axis
 * (`200 nW`, never a column of `0`s), a read-out under the cursor says both values with units,
 * an empty chart says why it is empty instead of showing a blank box, and the chart fills the
 * width of its box and the height of the window.
 */
import uPlot from 'uplot';
import { displayUnits, formatQuantity, formatTicks } from '../../src/core/format/index.js';
import { h } from './dom.js';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** One line. */
export interface Line {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** What an axis shows: its quantity and units (units may be empty). */
export interface AxisSpec {
  name: string;
  units: string;
}

/** `power (W)`, or `power` without units. */
export function axisTitle(axis: AxisSpec): string {
  const units = displayUnits(axis.units);
  return units === '' ? axis.name : `${axis.name} (${units})`;
}

/** Options of a chart. */
export interface ChartOptions {
  /** The x axis now (read at each draw). */
  x: () => AxisSpec;
  /** The y axis now. */
  y: () => AxisSpec;
  /** The x axis is a time (seconds since the epoch), shown as 24-hour local times. */
  time?: boolean;
  /** Hears the time from new data to the drawn canvas, ms. */
  onDrawn?: (ms: number) => void;
  /** The smallest height, px (default 360); the chart grows to the bottom of the window. */
  minHeight?: number;
}

/** Pixels a tick label needs on a y axis. */
function labelWidth(u: uPlot, values: readonly string[] | null): number {
  if (values === null || values.length === 0) return 50;
  u.ctx.save();
  u.ctx.font = '12px system-ui, sans-serif';
  const widest = Math.max(...values.map((v) => u.ctx.measureText(v).width));
  u.ctx.restore();
  // In CSS px (the font is set in CSS px; uPlot scales its own by the pixel ratio): the label, its gap and the axis title beside it.
  return Math.ceil(widest) + 34;
}

/** The font of the axes' tick labels (set on the axes, so the room a label needs can be measured). */
const TICK_FONT = '12px system-ui, sans-serif';

/**
 * The room between x ticks (CSS px) that the widest label of the axis from `min` to `max` needs,
 * with a gap: uPlot's default (50 px) let `21:20:25` run into `21:20:30` and `100.00 mm` into its neighbour.
 */
function xTickSpace(u: uPlot, labels: readonly string[]): number {
  u.ctx.save();
  u.ctx.font = TICK_FONT;
  const widest = Math.max(0, ...labels.map((l) => u.ctx.measureText(l).width));
  u.ctx.restore();
  return Math.ceil(widest) + 16;
}

/** A chart in `parent`; `draw` sets its lines. */
export class Chart {
  private plot: uPlot | undefined;
  private labels = '';
  private readonly canvasBox: HTMLElement;
  private readonly empty: HTMLElement;
  /** What is under the cursor, with units; `data-x`/`data-y` hold the numbers. */
  readonly readout: HTMLElement;
  /** Keep the user's zoom instead of fitting the data on each draw. */
  autoscale = true;
  /** Marks a time on the x axis (a vertical line), or NaN for none. */
  cursorX = NaN;
  private started = 0;
  /** The x ticks of the last draw (values), to measure the room between their labels. */
  private xSplits: number[] = [];
  private xLabels: string[] = [];

  constructor(
    private readonly parent: HTMLElement,
    private readonly options: ChartOptions,
  ) {
    this.canvasBox = h('div', { class: 'chart-canvas' });
    this.empty = h('div', { class: 'chart-empty hidden', id: `${parent.id}-empty` });
    this.readout = h('div', { class: 'chart-readout muted', id: `${parent.id}-readout` }, '\u00a0');
    parent.append(this.canvasBox, this.empty, this.readout);
    new ResizeObserver(() => this.resize()).observe(parent);
  }

  /**
   * Sets the lines and redraws. With no point in any line the chart shows `emptyMessage`
   * (why there is nothing yet) in place of an empty box.
   */
  draw(lines: readonly Line[], emptyMessage = 'no data yet'): void {
    this.started = performance.now();
    const points = lines.reduce((n, l) => n + l.x.length, 0);
    this.empty.textContent = emptyMessage;
    this.empty.classList.toggle('hidden', points > 0);
    this.canvasBox.classList.toggle('hidden', points === 0);
    this.parent.dataset['empty'] = points === 0 ? 'true' : 'false';
    if (points === 0) return;
    const x = this.options.x();
    const y = this.options.y();
    const labels = `${axisTitle(x)}|${axisTitle(y)}|${lines.map((l) => l.label).join('|')}`;
    const data = [null, ...lines.map((l) => [l.x, l.y])] as unknown as uPlot.AlignedData;
    if (this.plot === undefined || labels !== this.labels) {
      this.plot?.destroy();
      this.labels = labels;
      this.plot = new uPlot(this.uPlotOptions(lines, x, y), data, this.canvasBox);
    } else {
      this.plot.setData(data, this.autoscale);
    }
  }

  /** Shows or hides the chart (its canvas, empty message and read-out), as when a map takes its place. */
  show(visible: boolean): void {
    for (const part of [this.canvasBox, this.empty, this.readout]) part.classList.toggle('gone', !visible);
  }

  /** Fits the axes to the data again. */
  fit(): void {
    this.autoscale = true;
    this.started = performance.now();
    if (this.plot !== undefined) this.plot.setData(this.plot.data, true);
  }

  /**
   * The smallest room between two neighbouring x tick labels as drawn (CSS px; negative: they
   * overlap), in the box's dataset as `xTickGap` for the browser tests (labels are drawn on the
   * canvas, where no bounding box can be asked for).
   */
  private measureXTicks(u: uPlot): void {
    const ctx = u.ctx;
    ctx.save();
    ctx.font = TICK_FONT;
    let gap = Infinity;
    const [min = -Infinity, max = Infinity] = [u.scales['x']?.min, u.scales['x']?.max];
    const shown = this.xSplits.map((s, i) => ({ at: u.valToPos(s, 'x'), width: ctx.measureText(this.xLabels[i] ?? '').width, s })).filter((t) => t.s >= min && t.s <= max && t.width > 0);
    for (let i = 1; i < shown.length; i++) {
      const a = shown[i - 1] as (typeof shown)[number];
      const b = shown[i] as (typeof shown)[number];
      gap = Math.min(gap, Math.abs(b.at - a.at) - (a.width + b.width) / 2);
    }
    ctx.restore();
    this.parent.dataset['xTickGap'] = Number.isFinite(gap) ? gap.toFixed(1) : '';
  }

  private size(): { width: number; height: number } {
    const width = Math.max(300, (this.parent.clientWidth || 800) - 14);
    const top = this.parent.getBoundingClientRect().top;
    const minHeight = this.options.minHeight ?? 360;
    // Down to the bottom of the window, less the legend and the read-out.
    const height = Math.max(minHeight, Math.floor(window.innerHeight - Math.max(0, top) - 110));
    return { width, height };
  }

  private resize(): void {
    if (this.plot === undefined) return;
    const { width, height } = this.size();
    if (Math.abs(width - this.plot.width) > 2 || Math.abs(height - this.plot.height) > 2) this.plot.setSize({ width, height });
  }

  private uPlotOptions(lines: readonly Line[], x: AxisSpec, y: AxisSpec): uPlot.Options {
    const time = this.options.time === true;
    // What the axes say is also in the box's dataset (xTitle, yTitle, xTicks, yTicks: `|`-joined) for tests and tools.
    const shown = (axis: 'x' | 'y', labels: string[]): string[] => {
      this.parent.dataset[`${axis}Ticks`] = labels.join('|');
      return labels;
    };
    this.parent.dataset['xTitle'] = axisTitle(x);
    this.parent.dataset['yTitle'] = axisTitle(y);
    const xLabels = (splits: number[]): string[] => (time ? splits.map((s) => timeTick(s, splits)) : formatTicks(splits, x.units));
    const xTicks = (_u: uPlot, splits: number[]) => {
      this.xSplits = splits;
      return (this.xLabels = shown('x', xLabels(splits)));
    };
    // The widest label an axis from min to max can have: both ends and the middle, at the finest step the labels show.
    const xSpace = (u: uPlot, _axis: number, min: number, max: number): number =>
      xTickSpace(u, time ? [timeTick(min, max - min < 20 ? [min, min + 0.05] : [min, max]), timeTick(max, max - min < 20 ? [max, max + 0.05] : [min, max])] : formatTicks([min, (min + max) / 2, max], x.units));
    return {
      mode: 2,
      ...this.size(),
      scales: { x: { time: false, auto: true }, y: { auto: true } },
      axes: [
        { label: axisTitle(x), stroke: '#333', font: TICK_FONT, values: xTicks, space: xSpace, grid: { stroke: '#eee' } },
        { label: axisTitle(y), stroke: '#333', font: TICK_FONT, values: (_u: uPlot, splits: number[]) => shown('y', formatTicks(splits, y.units)), size: labelWidth, grid: { stroke: '#eee' } },
      ],
      legend: { show: true, live: false },
      cursor: { drag: { x: true, y: true, setScale: true } },
      hooks: {
        setSelect: [() => (this.autoscale = false)],
        setCursor: [
          (u) => {
            const left = u.cursor.left ?? -1;
            const top = u.cursor.top ?? -1;
            if (left < 0 || top < 0) return;
            const xv = u.posToVal(left, 'x');
            const yv = u.posToVal(top, 'y');
            this.readout.dataset['x'] = String(xv);
            this.readout.dataset['y'] = String(yv);
            this.readout.textContent = `${x.name} ${time ? timeTick(xv, []) : formatQuantity(xv, x.units)} · ${y.name} ${formatQuantity(yv, y.units)}`;
          },
        ],
        draw: [
          () => this.options.onDrawn?.(performance.now() - this.started),
          (u) => this.measureXTicks(u),
          (u) => {
            if (!Number.isFinite(this.cursorX)) return;
            const at = u.valToPos(this.cursorX, 'x', true);
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = '#c00';
            ctx.lineWidth = 2;
            ctx.beginPath();
            ctx.moveTo(at, u.bbox.top);
            ctx.lineTo(at, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.restore();
          },
        ],
      },
      series: [
        {},
        ...lines.map((line, i) => ({
          label: line.label,
          stroke: COLOURS[i % COLOURS.length] as string,
          width: 1.5,
          paths: uPlot.paths.linear?.(),
          points: { show: line.x.length < 200, size: 5 },
          facets: [
            { scale: 'x', auto: true },
            { scale: 'y', auto: true },
          ],
        })),
      ],
    } as uPlot.Options;
  }
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A time tick as a 24-hour local clock (`14:02:05`), with tenths when ticks are under a second apart. */
function timeTick(s: number, splits: readonly number[]): string {
  if (!Number.isFinite(s)) return '';
  const d = new Date(s * 1000);
  const step = splits.length > 1 ? Math.abs((splits[1] as number) - (splits[0] as number)) : 1;
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return step < 1 ? `${clock}.${String(d.getMilliseconds()).padStart(3, '0').slice(0, step < 0.1 ? 3 : 1)}` : clock;
}
