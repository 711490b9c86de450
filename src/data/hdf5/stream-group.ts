/**
 * A stream's group in a run file. `/entry/data/<stream>/` holds one dataset per field, one row
 * per event (chunked, extendable; frames N x H x W), and is an NXdata group with the stream's
 * default plot (`signal`, `axes`, `<axis>_indices`: see nexus-plot.ts). NeXus readers (punx,
 * nexusformat, silx, h5web) look for NXdata in an NXentry, so the same group is also linked as
 * `/entry/<stream>` (an HDF5 hard link, with NeXus' `target` attribute naming the original), and
 * `/entry@default` names the stream a viewer plots first. A stream named like one of `/entry`'s
 * own members (`data`, `instrument`, ...) is linked as `/entry/<stream>_stream`.
 */
import { type ColumnPlan, datasetAttrs, emptyOf } from './fields.js';
import { groupAt, type Group, type H5File, setAttrs, stringAttr } from './h5.js';
import { safeName } from './entry.js';
import { choosePlot, isNexusName, type PlotHints } from './nexus-plot.js';
import { addressOf, type ObjectAddress } from './string-type.js';

/** `/entry`'s own members: a stream of that name is linked under another. */
const ENTRY_MEMBERS = new Set(['data', 'instrument', 'script', 'parameters', 'metadata', 'title', 'entry_identifier', 'start_time', 'end_time', 'program_name']);

/** The name of a stream's NXdata link in `/entry`. */
export function entryLinkName(stream: string): string {
  const name = safeName(stream);
  return ENTRY_MEMBERS.has(name) ? `${name}_stream` : name;
}

/** Options of {@link createStreamGroup}. */
export interface StreamGroupOptions {
  /** gzip level 1-9 for event datasets; 0: none. */
  gzip: number;
}

/**
 * Creates the datasets of `plans` that `/entry/data/<stream>/` lacks (a previous attempt may
 * have stopped half way), makes the group an NXdata with its plot, links it into `/entry`, sets
 * `/entry@default` when no stream had a plot yet, and marks the group `complete`. Needs the file
 * out of SWMR mode. Returns the addresses of the string datasets it created (to null-terminate).
 */
export function createStreamGroup(file: H5File, stream: string, plans: readonly ColumnPlan[], hints: PlotHints, options: StreamGroupOptions): ObjectAddress[] {
  const data = groupAt(file, 'entry/data') ?? file.create_group('entry/data');
  const group = groupAt(file, `entry/data/${safeName(stream)}`) ?? data.create_group(safeName(stream));
  const existing = new Set(group.keys());
  const strings: ObjectAddress[] = [];
  for (const plan of plans) {
    if (existing.has(safeName(plan.name))) continue;
    const chunkRows = plan.kind === 'frame' ? 1 : Math.max(1, Math.min(4096, Math.floor(65536 / plan.rowBytes)));
    const dataset = group.create_dataset({
      name: safeName(plan.name),
      data: emptyOf(plan),
      shape: [0, ...plan.rowShape],
      maxshape: [null, ...plan.rowShape],
      chunks: [chunkRows, ...plan.rowShape],
      ...(plan.kind === 'bigint' ? {} : { dtype: plan.h5dtype }),
      ...(options.gzip > 0 ? { compression: 'gzip' as const, compression_opts: options.gzip } : {}),
    });
    setAttrs(dataset, datasetAttrs(plan));
    if (plan.kind === 'string') strings.push(addressOf(dataset.create_reference().ref_data));
  }
  const plot = choosePlot(plans, hints);
  const path = `/entry/data/${safeName(stream)}`;
  setAttrs(group, { NX_class: 'NXdata', ...(path.split('/').slice(1).every(isNexusName) ? { target: path } : {}) });
  if (plot.signal !== undefined) {
    setAttrs(group, { signal: plot.signal });
    if (plot.rank === 1 && plot.axes.length > 0) setList(group, 'axes', plot.axes);
    for (const axis of plot.axes) setAttrs(group, { [`${axis}_indices`]: 0 });
  }
  const entry = groupAt(file, 'entry') as Group;
  const link = entryLinkName(stream);
  if (!entry.keys().includes(link)) entry.create_hard_link(path, link);
  if (plot.signal !== undefined && stringAttr(entry, 'default') === '' && linked(file, stream)) setAttrs(entry, { default: link });
  setAttrs(group, { complete: 1 });
  return strings;
}

/** Whether `/entry/<link>` is this stream's group (not something else of that name). */
function linked(file: H5File, stream: string): boolean {
  const group = groupAt(file, `entry/${entryLinkName(stream)}`);
  return group !== undefined && stringAttr(group, 'NX_class') === 'NXdata' && groupAt(file, `entry/data/${safeName(stream)}`) !== undefined && stringAttr(group, 'signal') !== '';
}

/** Sets `name` to a list of strings (one string when it has one element). */
function setList(target: Group, name: string, values: readonly string[]): void {
  if (name in target.attrs) target.delete_attribute(name);
  if (values.length === 1) target.create_attribute(name, values[0] as string);
  else target.create_attribute(name, [...values]);
}

/**
 * Points `/entry@default` at the first of `preferred` streams (the plan's, from the start's
 * hints) that has a plot; else keeps it; else the first stream with a plot. Out of SWMR mode.
 */
export function chooseDefault(file: H5File, preferred: readonly string[]): void {
  const entry = groupAt(file, 'entry');
  if (entry === undefined) return;
  const streams = groupAt(file, 'entry/data')?.keys() ?? [];
  const plotted = (stream: string): boolean => streams.includes(safeName(stream)) && linked(file, stream);
  const current = stringAttr(entry, 'default');
  const chosen = preferred.find(plotted) ?? (current !== '' && groupAt(file, `entry/${current}`) !== undefined ? undefined : streams.find(plotted));
  if (chosen !== undefined && entryLinkName(chosen) !== current) setAttrs(entry, { default: entryLinkName(chosen) });
}
