/**
 * A stream's groups in a run file. `/entry/data/<stream>/` (NXcollection) holds one dataset per
 * field, one row per event (chunked, extendable; frames N x H x W): the paths the run's
 * documents point to. NeXus readers (punx, nexusformat, silx, h5web) look for NXdata in an
 * NXentry, with NeXus names, so each stream also gets an NXdata group `/entry/<stream>` whose
 * members are HDF5 hard links to those datasets (the same data, under names NeXus accepts:
 * `x-pos` becomes `x_pos`; each dataset carries NeXus' `target` attribute naming its path when
 * that path is made of such names), with the stream's default plot (`signal`, `axes`,
 * `<axis>_indices`: see nexus-plot.ts) and its stream's name (attr `stream`). `/entry@default`
 * names the NXdata a viewer plots first. A stream named like one of `/entry`'s own members
 * (`data`, `instrument`, ...) gets `/entry/<stream>_stream`.
 */
import { type ColumnPlan, datasetAttrs, emptyOf } from './fields.js';
import { groupAt, type Group, type H5File, setAttrs, stringAttr } from './h5.js';
import { safeName } from './entry.js';
import { choosePlot, isNexusName, nexusName, type PlotHints } from './nexus-plot.js';
import { addressOf, type ObjectAddress } from './string-type.js';

/** `/entry`'s own members: a stream of that name gets its NXdata under another. */
const ENTRY_MEMBERS = new Set(['data', 'instrument', 'script', 'parameters', 'metadata', 'title', 'entry_identifier', 'start_time', 'end_time', 'program_name']);

/** Options of {@link createStreamGroup}. */
export interface StreamGroupOptions {
  /** gzip level 1-9 for event datasets; 0: none. */
  gzip: number;
}

/**
 * Creates the datasets of `plans` that `/entry/data/<stream>/` lacks (a previous attempt may
 * have stopped half way), and the stream's NXdata with its plot and links (what it lacks), sets
 * `/entry@default` when no stream had a plot yet, and marks the stream's group `complete`. Needs
 * the file out of SWMR mode. Returns the addresses of the string datasets it created (to
 * null-terminate once the file is closed).
 */
export function createStreamGroup(file: H5File, stream: string, plans: readonly ColumnPlan[], hints: PlotHints, options: StreamGroupOptions): ObjectAddress[] {
  const data = groupAt(file, 'entry/data') ?? file.create_group('entry/data');
  const path = `/entry/data/${safeName(stream)}`;
  const group = groupAt(file, path) ?? data.create_group(safeName(stream));
  setAttrs(group, { NX_class: 'NXcollection' });
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
    const target = `${path}/${safeName(plan.name)}`;
    setAttrs(dataset, { ...datasetAttrs(plan), ...(target.split('/').slice(1).every(isNexusName) ? { target } : {}) });
    if (plan.kind === 'string') strings.push(addressOf(dataset.create_reference().ref_data));
  }
  const view = nxdataOf(file, stream);
  const names = linkNames(plans);
  const members = new Set(view.keys());
  for (const plan of plans) {
    const name = names.get(plan.name) as string;
    if (!members.has(name)) view.create_hard_link(`${path}/${safeName(plan.name)}`, name);
  }
  const plot = choosePlot(plans, hints);
  if (plot.signal !== undefined) {
    setAttrs(view, { signal: names.get(plot.signal) as string });
    const axes = plot.axes.map((axis) => names.get(axis) as string);
    if (plot.rank === 1 && axes.length > 0) setList(view, 'axes', axes);
    for (const axis of axes) setAttrs(view, { [`${axis}_indices`]: 0 });
    const entry = groupAt(file, 'entry') as Group;
    if (stringAttr(entry, 'default') === '') setAttrs(entry, { default: view.path.split('/').at(-1) as string });
  }
  setAttrs(group, { complete: 1 });
  return strings;
}

/** The stream's NXdata group in `/entry` (created when missing; see the module comment for its name). */
function nxdataOf(file: H5File, stream: string): Group {
  const entry = groupAt(file, 'entry') as Group;
  const base = ENTRY_MEMBERS.has(nexusName(stream)) ? `${nexusName(stream)}_stream` : nexusName(stream);
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}_${i}`;
    const found = groupAt(file, `entry/${name}`);
    if (found !== undefined && stringAttr(found, 'stream') === stream) return found;
    if (found === undefined && !entry.keys().includes(name)) {
      const group = entry.create_group(name);
      setAttrs(group, { NX_class: 'NXdata', stream, description: `the datasets of /entry/data/${safeName(stream)}, linked` });
      return group;
    }
  }
}

/** Each field's name in the NXdata: its NeXus name, made unique (`x-pos` -> `x_pos`; a second `x_pos` -> `x_pos_2`). */
function linkNames(plans: readonly ColumnPlan[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>();
  for (const plan of plans) {
    const base = nexusName(safeName(plan.name));
    let name = base;
    for (let i = 2; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    names.set(plan.name, name);
  }
  return names;
}

/** Sets `name` to a list of strings (one string when it has one element). */
function setList(target: Group, name: string, values: readonly string[]): void {
  if (name in target.attrs) target.delete_attribute(name);
  if (values.length === 1) target.create_attribute(name, values[0] as string);
  else target.create_attribute(name, [...values]);
}

/**
 * Points `/entry@default` at the NXdata of the first of `preferred` streams (the plan's, from the
 * start's hints) that has a plot; else keeps it; else the first stream with a plot. Out of SWMR mode.
 */
export function chooseDefault(file: H5File, preferred: readonly string[]): void {
  const entry = groupAt(file, 'entry');
  if (entry === undefined) return;
  const plots = new Map<string, string>(); // stream -> its NXdata's name, for streams with a plot
  for (const name of entry.keys()) {
    const group = groupAt(file, `entry/${name}`);
    if (group !== undefined && stringAttr(group, 'NX_class') === 'NXdata' && stringAttr(group, 'signal') !== '') plots.set(stringAttr(group, 'stream'), name);
  }
  const current = stringAttr(entry, 'default');
  const chosen = preferred.map((stream) => plots.get(stream)).find((name) => name !== undefined) ?? ([...plots.values()].includes(current) ? current : [...plots.values()][0]);
  if (chosen !== undefined && chosen !== current) setAttrs(entry, { default: chosen });
}
