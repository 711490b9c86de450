/** A uPlot chart of several x/y series (mode 2: each series its own x), rebuilt when the series change. */
import uPlot from 'uplot';

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

/** One line. */
export interface Line {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

/** A chart in `parent`; `draw` sets its lines and returns the milliseconds the redraw took. */
export class Chart {
  private plot: uPlot | undefined;
  private labels = '';
  /** Keep the user's zoom instead of fitting the data on each draw. */
  autoscale = true;
  /** Marks a time on the x axis (a vertical line), or NaN for none. */
  cursorX = NaN;

  constructor(
    private readonly parent: HTMLElement,
    private readonly xLabel: () => string,
    private readonly yLabel: () => string,
    private readonly time = false,
    private readonly onDrawn: (ms: number) => void = () => undefined,
  ) {}

  private started = 0;

  /** Sets the lines and redraws; `onDrawn` hears the time from the new data to the drawn canvas, ms. */
  draw(lines: readonly Line[]): void {
    this.started = performance.now();
    const labels = `${this.xLabel()}|${this.yLabel()}|${lines.map((l) => l.label).join('|')}`;
    const data = [null, ...lines.map((l) => [l.x, l.y])] as unknown as uPlot.AlignedData;
    if (this.plot === undefined || labels !== this.labels) {
      this.plot?.destroy();
      this.labels = labels;
      this.plot = new uPlot(this.options(lines), data, this.parent);
    } else {
      this.plot.setData(data, this.autoscale);
    }
  }

  /** Fits the axes to the data again. */
  fit(): void {
    this.autoscale = true;
    this.started = performance.now();
    if (this.plot !== undefined) this.plot.setData(this.plot.data, true);
  }

  private options(lines: readonly Line[]): uPlot.Options {
    const width = Math.max(300, this.parent.clientWidth || 800);
    return {
      mode: 2,
      width,
      height: 360,
      scales: { x: { time: this.time, auto: true }, y: { auto: true } },
      axes: [{ label: this.xLabel(), stroke: '#333' }, { label: this.yLabel(), stroke: '#333' }],
      legend: { show: true, live: false },
      cursor: { drag: { x: true, y: true, setScale: true } },
      hooks: {
        setSelect: [() => (this.autoscale = false)],
        draw: [
          () => this.onDrawn(performance.now() - this.started),
          (u) => {
            if (!Number.isFinite(this.cursorX)) return;
            const x = u.valToPos(this.cursorX, 'x', true);
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = '#c00';
            ctx.lineWidth = 2;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
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
