/**
 * A live 2-D map of a value over two axes (a grid scan's detector over its two motors, or any
 * two fields of a stream), as Bluesky's LiveGrid shows one: cells coloured by value with a
 * colour bar, both axes titled in their units, SI-prefixed ticks, cells not measured yet left
 * grey (so a running grid fills in), and a read-out of the cell under the cursor.
 *
 * Cells: when an axis has at most MAX_CELLS distinct values (a grid's setpoints), each value is
 * a cell, reaching half way to its neighbours; otherwise the axis is cut into MAX_CELLS equal
 * bins and a cell shows the newest point in it.
 */
import { formatQuantity, formatTicks } from '../../src/core/format/index.js';
import { colourTable } from './colour-maps.js';
import { type AxisSpec, axisTitle } from './plot-chart.js';
import { h } from './dom.js';

const MAX_CELLS = 200;
const MARGIN = { left: 78, right: 110, top: 12, bottom: 46 };
const NOT_MEASURED = '#e6e8eb';

/** Points of the map: x, y and the value at each. */
export interface MapPoints {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  z: ArrayLike<number>;
}

/** How one axis's values become cells. */
export interface CellAxis {
  /** Cell edges, ascending: cell i spans edges[i]..edges[i+1]. */
  edges: number[];
  /** Index of the cell holding `v`. */
  cellOf(v: number): number;
}

/** The cells of one axis (see the module comment). Exported for tests. */
export function cellAxis(values: ArrayLike<number>): CellAxis {
  const distinct = new Set<number>();
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    // Round away float noise (a setpoint read back as 12.500000000001).
    if (distinct.size <= MAX_CELLS) distinct.add(Number(v.toPrecision(10)));
  }
  if (!Number.isFinite(lo)) return { edges: [0, 1], cellOf: () => 0 };
  if (distinct.size <= MAX_CELLS) {
    const centres = [...distinct].sort((a, b) => a - b);
    const half = centres.length > 1 ? ((centres[1] as number) - (centres[0] as number)) / 2 : Math.max(Math.abs(lo) * 0.05, 0.5);
    const halfLast = centres.length > 1 ? ((centres[centres.length - 1] as number) - (centres[centres.length - 2] as number)) / 2 : half;
    const edges = [(centres[0] as number) - half];
    for (let i = 1; i < centres.length; i++) edges.push(((centres[i - 1] as number) + (centres[i] as number)) / 2);
    edges.push((centres[centres.length - 1] as number) + halfLast);
    return {
      edges,
      cellOf(v) {
        // Binary search for the centre nearest `v`.
        let a = 0;
        let b = centres.length - 1;
        while (a < b) {
          const m = (a + b) >> 1;
          if ((edges[m + 1] as number) < v) a = m + 1;
          else b = m;
        }
        return a;
      },
    };
  }
  const width = (hi - lo) / MAX_CELLS || 1;
  const edges = Array.from({ length: MAX_CELLS + 1 }, (_, i) => lo + i * width);
  return { edges, cellOf: (v) => Math.min(MAX_CELLS - 1, Math.max(0, Math.floor((v - lo) / width))) };
}

/** Round tick positions over lo..hi: about `count` of them at 1, 2 or 5 times a power of ten. */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power) as number;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  return ticks;
}

/** A heat map in `parent`. */
export class HeatMap {
  private readonly canvas: HTMLCanvasElement;
  readonly readout: HTMLElement;
  private last: { points: MapPoints; x: AxisSpec; y: AxisSpec; z: AxisSpec } | undefined;
  private layout: { xs: CellAxis; ys: CellAxis; cells: Float64Array; px: (v: number) => number; py: (v: number) => number; inv: (cx: number, cy: number) => [number, number] } | undefined;
  /** Colour map name (colour-maps.ts). */
  colourMap = 'viridis';

  constructor(private readonly parent: HTMLElement) {
    this.canvas = h('canvas', { class: 'heat-map', id: `${parent.id}-map` });
    this.readout = h('div', { class: 'chart-readout muted', id: `${parent.id}-map-readout` }, '\u00a0');
    parent.append(this.canvas, this.readout);
    this.canvas.addEventListener('mousemove', (event) => this.hover(event));
    new ResizeObserver(() => {
      if (this.last !== undefined) this.draw(this.last.points, this.last.x, this.last.y, this.last.z);
    }).observe(parent);
  }

  /** Shows or hides the map. */
  show(visible: boolean): void {
    this.canvas.classList.toggle('hidden', !visible);
    this.readout.classList.toggle('hidden', !visible);
  }

  /** Draws `points`: `x` across, `y` up, `z` as colour. Returns the number of cells measured. */
  draw(points: MapPoints, x: AxisSpec, y: AxisSpec, z: AxisSpec): number {
    this.last = { points, x, y, z };
    const width = Math.max(360, (this.parent.clientWidth || 800) - 14);
    const top = this.parent.getBoundingClientRect().top;
    const height = Math.max(320, Math.floor(window.innerHeight - Math.max(0, top) - 80));
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    const ctx = this.canvas.getContext('2d') as CanvasRenderingContext2D;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '12px system-ui, sans-serif';

    const xs = cellAxis(points.x);
    const ys = cellAxis(points.y);
    const nx = xs.edges.length - 1;
    const ny = ys.edges.length - 1;
    const cells = new Float64Array(nx * ny).fill(Number.NaN);
    let zLo = Number.POSITIVE_INFINITY;
    let zHi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < points.z.length; i++) {
      const xv = points.x[i] as number;
      const yv = points.y[i] as number;
      const zv = points.z[i] as number;
      if (!Number.isFinite(xv) || !Number.isFinite(yv) || !Number.isFinite(zv)) continue;
      cells[ys.cellOf(yv) * nx + xs.cellOf(xv)] = zv;
      zLo = Math.min(zLo, zv);
      zHi = Math.max(zHi, zv);
    }
    const plotW = width - MARGIN.left - MARGIN.right;
    const plotH = height - MARGIN.top - MARGIN.bottom;
    const [x0, x1] = [xs.edges[0] as number, xs.edges[nx] as number];
    const [y0, y1] = [ys.edges[0] as number, ys.edges[ny] as number];
    const px = (v: number): number => MARGIN.left + ((v - x0) / (x1 - x0 || 1)) * plotW;
    const py = (v: number): number => MARGIN.top + plotH - ((v - y0) / (y1 - y0 || 1)) * plotH;
    const inv = (cx: number, cy: number): [number, number] => [x0 + ((cx - MARGIN.left) / plotW) * (x1 - x0), y0 + ((MARGIN.top + plotH - cy) / plotH) * (y1 - y0)];
    this.layout = { xs, ys, cells, px, py, inv };

    const table = colourTable(this.colourMap);
    const colourOf = (v: number): string => {
      const k = zHi > zLo ? Math.round(((v - zLo) / (zHi - zLo)) * 255) : 128;
      const c = table[Math.max(0, Math.min(255, k))] as number;
      return `rgb(${c & 255},${(c >>> 8) & 255},${(c >>> 16) & 255})`;
    };
    let measured = 0;
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const v = cells[j * nx + i] as number;
        if (!Number.isNaN(v)) measured++;
        ctx.fillStyle = Number.isNaN(v) ? NOT_MEASURED : colourOf(v);
        const left = px(xs.edges[i] as number);
        const right = px(xs.edges[i + 1] as number);
        const upper = py(ys.edges[j + 1] as number);
        const lower = py(ys.edges[j] as number);
        // Half a pixel of overlap: no hairline gaps between cells.
        ctx.fillRect(left, upper, right - left + 0.5, lower - upper + 0.5);
      }
    }
    ctx.strokeStyle = '#333';
    ctx.strokeRect(MARGIN.left, MARGIN.top, plotW, plotH);

    // Axes: ticks, labels with SI prefixes, titles with units.
    ctx.fillStyle = '#333';
    const xt = niceTicks(x0, x1);
    formatTicks(xt, x.units).forEach((label, k) => {
      const at = px(xt[k] as number);
      ctx.fillRect(at, MARGIN.top + plotH, 1, 5);
      ctx.textAlign = 'center';
      ctx.fillText(label, at, MARGIN.top + plotH + 18);
    });
    ctx.textAlign = 'center';
    ctx.fillText(axisTitle(x), MARGIN.left + plotW / 2, height - 8);
    const yt = niceTicks(y0, y1);
    formatTicks(yt, y.units).forEach((label, k) => {
      const at = py(yt[k] as number);
      ctx.fillRect(MARGIN.left - 5, at, 5, 1);
      ctx.textAlign = 'right';
      ctx.fillText(label, MARGIN.left - 8, at + 4);
    });
    ctx.save();
    ctx.translate(14, MARGIN.top + plotH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText(axisTitle(y), 0, 0);
    ctx.restore();

    // The colour bar, in the value's units.
    const barX = width - MARGIN.right + 16;
    const barW = 16;
    for (let k = 0; k < plotH; k++) {
      const c = table[Math.round((1 - k / Math.max(1, plotH - 1)) * 255)] as number;
      ctx.fillStyle = `rgb(${c & 255},${(c >>> 8) & 255},${(c >>> 16) & 255})`;
      ctx.fillRect(barX, MARGIN.top + k, barW, 1);
    }
    ctx.strokeStyle = '#333';
    ctx.strokeRect(barX, MARGIN.top, barW, plotH);
    ctx.fillStyle = '#333';
    let zTickLabels: string[] = [];
    if (Number.isFinite(zLo)) {
      const zt = zHi > zLo ? niceTicks(zLo, zHi, 5) : [zLo];
      zTickLabels = formatTicks(zt, z.units);
      zTickLabels.forEach((label, k) => {
        const v = zt[k] as number;
        const at = zHi > zLo ? MARGIN.top + plotH - ((v - zLo) / (zHi - zLo)) * plotH : MARGIN.top + plotH / 2;
        ctx.fillRect(barX + barW, at, 4, 1);
        ctx.textAlign = 'left';
        ctx.fillText(label, barX + barW + 6, at + 4);
      });
    }
    ctx.save();
    ctx.translate(width - 8, MARGIN.top + plotH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText(axisTitle(z), 0, 0);
    ctx.restore();

    // What the map says, for tests and tools: cells, titles, colour bar ticks.
    Object.assign(this.canvas.dataset, { cells: String(nx * ny), measured: String(measured), columns: String(nx), rows: String(ny), zMin: String(zLo), zMax: String(zHi), xTitle: axisTitle(x), yTitle: axisTitle(y), zTitle: axisTitle(z), xTicks: formatTicks(xt, x.units).join('|'), zTicks: zTickLabels.join('|') });
    return measured;
  }

  private hover(event: MouseEvent): void {
    if (this.layout === undefined || this.last === undefined) return;
    const box = this.canvas.getBoundingClientRect();
    const [xv, yv] = this.layout.inv(event.clientX - box.left, event.clientY - box.top);
    const { xs, ys, cells } = this.layout;
    const nx = xs.edges.length - 1;
    const inside = xv >= (xs.edges[0] as number) && xv <= (xs.edges[nx] as number) && yv >= (ys.edges[0] as number) && yv <= (ys.edges[ys.edges.length - 1] as number);
    if (!inside) return;
    const v = cells[ys.cellOf(yv) * nx + xs.cellOf(xv)] as number;
    const { x, y, z } = this.last;
    this.readout.textContent = `${x.name} ${formatQuantity(xv, x.units)} · ${y.name} ${formatQuantity(yv, y.units)} · ${z.name} ${Number.isNaN(v) ? 'not measured yet' : formatQuantity(v, z.units)}`;
  }
}
