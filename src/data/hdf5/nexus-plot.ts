/**
 * What a stream's NXdata group plots by default: its `signal` (the detector) and `axes` (the
 * motors), chosen from what the run's documents say, in this order:
 *
 * - axes: the fields the start document's `hints.dimensions` gives for the stream (a plan's
 *   motors); else, for each device the plan moves (or, for a script, each movable device of the
 *   lab), the first field it is the source of (its position, not its setpoint);
 * - signal: the first field the descriptor's `hints` name, from a device before the script's
 *   own values; else a device's scalar, a frame, an array, any number; never an axis, a setpoint
 *   or a frame's exposure when something else is there.
 *
 * Names are the fields' own (stream-group.ts maps them to the NeXus names of the stream's NXdata).
 * A 1-D signal gets `axes` (two or more for a grid scan: silx shows those as a scatter); a signal
 * of frames or arrays gets no `axes`
 * (NeXus would want "." for the other dimensions, which punx 0.3.5 reports as an error) but each
 * axis gets `<axis>_indices = 0`, the dimension it runs along.
 */
import type { ColumnPlan } from './fields.js';

/** What the run's documents say about a stream's plot. */
export interface PlotHints {
  /** The stream's x-axis fields from the start's `hints.dimensions` (empty: none given). */
  dimensions: readonly string[];
  /** Devices that are motors: the plan's, or else the lab's movable devices. */
  motors: readonly string[];
  /** The fields the stream's descriptor `hints` name, device by device. */
  hinted: readonly { source: string; field: string }[];
}

/** A stream's default plot: field names of the stream. */
export interface Plot {
  /** The signal, or undefined when the stream has nothing to plot (only strings). */
  signal: string | undefined;
  /** Rank of the signal's rows plus one: 1 for scalars. */
  rank: number;
  /** The axes of dimension 0, in order. */
  axes: string[];
}

/** A name NeXus accepts for a group or field (its "relaxed" rule; punx reports others as errors). */
export function isNexusName(name: string): boolean {
  return /^[A-Za-z0-9_]([A-Za-z0-9_.]*[A-Za-z0-9_])?$/.test(name);
}

/** `name` made one NeXus accepts: other characters become `_` (`x-pos` -> `x_pos`). */
export function nexusName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_.]/g, '_').replace(/^\./, '_').replace(/\.$/, '_');
  return cleaned === '' ? '_' : cleaned;
}

const KEYS = new Set(['seq_num', 'time']);

/** Whether a field's values are numbers a plot can show (bools only as a last resort). */
function plottable(plan: ColumnPlan): boolean {
  return plan.kind !== 'string' && !KEYS.has(plan.name);
}

/** A setpoint or a frame's exposure: companions of a measured field. */
function companion(plan: ColumnPlan, plans: readonly ColumnPlan[]): boolean {
  if (plan.name.endsWith('_setpoint')) return true;
  const base = plan.name.endsWith('_exposure') ? plan.name.slice(0, -'_exposure'.length) : undefined;
  return base !== undefined && plans.some((p) => p.name === base && p.kind === 'frame');
}

/** The default plot of a stream whose datasets are `plans`. */
export function choosePlot(plans: readonly ColumnPlan[], hints: PlotHints): Plot {
  const scalar = (p: ColumnPlan): boolean => plottable(p) && (p.kind === 'numeric' || p.kind === 'bigint');
  const byName = new Map(plans.map((p) => [p.name, p]));
  let axes = hints.dimensions.filter((name) => name === 'time' || (byName.has(name) && scalar(byName.get(name) as ColumnPlan)));
  if (axes.length === 0) {
    axes = hints.motors.flatMap((motor) => {
      const fields = plans.filter((p) => scalar(p) && p.attrs.source === motor);
      const field = fields.find((p) => !companion(p, plans)) ?? fields[0];
      return field === undefined ? [] : [field.name];
    });
  }
  const candidates = plans.filter((p) => plottable(p) && !axes.includes(p.name));
  const device = (p: ColumnPlan): boolean => p.attrs.source !== undefined && p.attrs.source !== '' && p.attrs.source !== 'script' && !hints.motors.includes(p.attrs.source);
  const main = candidates.filter((p) => !companion(p, plans));
  const hinted = [...hints.hinted].sort((a, b) => Number(a.source === 'script') - Number(b.source === 'script')).map((h) => byName.get(h.field));
  const signal =
    hinted.find((p): p is ColumnPlan => p !== undefined && main.includes(p)) ??
    main.find((p) => scalar(p) && device(p)) ??
    main.find((p) => p.kind === 'frame') ??
    main.find((p) => p.kind === 'list') ??
    main.find((p) => scalar(p)) ??
    main.find((p) => p.kind === 'bool') ??
    candidates[0];
  if (signal === undefined) {
    // Nothing but the axes (a stream of positions): plot the first against the event number.
    const only = axes[0] === undefined || axes[0] === 'time' ? undefined : axes[0];
    return { signal: only, rank: 1, axes: [] };
  }
  return { signal: signal.name, rank: 1 + signal.rowShape.length, axes };
}
