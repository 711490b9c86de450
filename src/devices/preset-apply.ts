/**
 * Applying a preset: every field is checked first (the device is in the lab and connected, has
 * the quantity, the value has the saved units and is in the device's range), and nothing is set
 * unless all pass; the refusal lists every problem, by `device.field`. Then the fields that differ
 * from what the devices read now are set one by one, in a fixed order (preset.ts, `Stage`):
 * shutters closed and emission off first, then settings, then values (wavelength, exposure, ROI,
 * voltage, setpoints), then moves, and last emission on and shutters open, which happen only when
 * the caller asks (`enableEmission`, `openShutters`); otherwise they are reported as skipped.
 * A set that fails stops the apply; the error names the device and field, and what was set before.
 */
import { DaqError, withTimeout } from '../core/index.js';
import type { Device } from './device.js';
import { notReady, type Preset, type PresetLab, type PresetValue, presetValueText, type Quantity, quantityOf, type Stage, STAGE_ORDER } from './preset.js';

/** Options of {@link applyPreset}. */
export interface ApplyOptions {
  /** Open shutters the preset has open (default false: they are left as they are, and reported). */
  openShutters?: boolean;
  /** Turn on emission the preset has on (default false: left as it is, and reported). */
  enableEmission?: boolean;
  /** Check and report what would change, set nothing. */
  dryRun?: boolean;
  /** Aborting stops the apply (a move under way stops). */
  signal?: AbortSignal;
  /** Called with each device before it is first set (a run puts it in its safe state if it fails). */
  onDevice?: (device: string) => void;
  /** Seconds each read of a present value may take (default 2). */
  timeoutS?: number;
}

/** One field set (or to be set, in a dry run). */
export interface PresetChange {
  device: string;
  field: string;
  /** The value before; undefined when it could not be read. */
  from: PresetValue | undefined;
  to: PresetValue;
  units: string;
}

/** One field not set, and why. */
export interface PresetSkip {
  device: string;
  field: string;
  value: PresetValue;
  units: string;
  why: string;
}

/** What an apply did. */
export interface AppliedPreset {
  name: string;
  changed: PresetChange[];
  /** Fields already at the preset's value (`device.field`). */
  unchanged: string[];
  skipped: PresetSkip[];
  dryRun: boolean;
}

interface Step extends PresetChange {
  stage: Stage;
  quantity: Quantity;
  target: Device;
}

/** Checks every field of `preset` against `lab` and works out what to set; throws listing every problem. */
async function plan(lab: PresetLab, preset: Preset, options: ApplyOptions): Promise<{ steps: Step[]; unchanged: string[]; skipped: PresetSkip[] }> {
  const timeoutS = options.timeoutS ?? 2;
  const problems: DaqError[] = [];
  const steps: Step[] = [];
  const unchanged: string[] = [];
  const skipped: PresetSkip[] = [];
  const known = new Set(lab.devices().map((d) => d.name));
  for (const entry of preset.devices) {
    if (!known.has(entry.device)) {
      problems.push(new DaqError('not_found', `${entry.device}: no such device in lab "${lab.name}" (devices: ${[...known].join(', ')})`, { device: entry.device }));
      continue;
    }
    const device = lab.device(entry.device);
    const why = notReady(lab, device);
    if (why !== undefined) {
      problems.push(new DaqError('failed_precondition', why, { device: device.name }));
      continue;
    }
    for (const field of entry.fields) {
      const where = `${device.name}.${field.name}`;
      const quantity = quantityOf(device, field.name);
      if (quantity === undefined) {
        problems.push(new DaqError('failed_precondition', `${where}: ${device.name} (${device.driver}) has no ${field.name} that can be set`, { device: device.name }));
        continue;
      }
      const units = quantity.units(device);
      if (units !== field.units) {
        problems.push(new DaqError('failed_precondition', `${where}: saved in ${field.units || 'no units'}, the device now works in ${units || 'no units'}`, { device: device.name }));
        continue;
      }
      let problem: string | undefined;
      try {
        problem = await quantity.check(device, field.value);
      } catch (error) {
        problem = `cannot check: ${DaqError.from(error).message}`;
      }
      if (problem !== undefined) {
        problems.push(new DaqError(problem.includes('outside') || problem.includes('does not fit') ? 'out_of_range' : 'invalid_argument', `${where}: ${problem}`, { device: device.name }));
        continue;
      }
      const from = await withTimeout(quantity.read(device), timeoutS, 'no answer').catch(() => undefined);
      if (from !== undefined && same(from, field.value)) {
        unchanged.push(where);
        continue;
      }
      const stage = quantity.stage(field.value);
      const refused =
        stage === 'emission-on' && options.enableEmission !== true ? 'would turn emission on; ask for it (daq preset apply --enable-emission)'
        : stage === 'shutter-open' && options.openShutters !== true ? 'would open the shutter; ask for it (daq preset apply --open-shutters)'
        : undefined;
      if (refused !== undefined) {
        skipped.push({ device: device.name, field: field.name, value: field.value, units, why: refused });
        continue;
      }
      steps.push({ device: device.name, field: field.name, from, to: field.value, units, stage, quantity, target: device });
    }
  }
  if (problems.length > 0) {
    const code = problems.every((p) => p.code === 'out_of_range') ? 'out_of_range' : problems[0]?.code ?? 'failed_precondition';
    throw new DaqError(code, `preset ${preset.name} cannot be applied (nothing was set):`, { children: problems });
  }
  // Stable sort: within a stage, the preset's order.
  steps.sort((a, b) => STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage));
  return { steps, unchanged, skipped };
}

/**
 * Applies `preset` to `lab` (see the file's comment for the checks and the order). Resolves
 * with what changed, what already was so, and what was skipped; rejects before setting
 * anything when a field cannot be applied, or at the first set that fails.
 */
export async function applyPreset(lab: PresetLab, preset: Preset, options: ApplyOptions = {}): Promise<AppliedPreset> {
  const { steps, unchanged, skipped } = await plan(lab, preset, options);
  const result: AppliedPreset = { name: preset.name, changed: [], unchanged, skipped, dryRun: options.dryRun === true };
  if (options.dryRun) {
    result.changed = steps.map(change);
    return result;
  }
  const told = new Set<string>();
  for (const step of steps) {
    options.signal?.throwIfAborted();
    if (!told.has(step.device)) {
      told.add(step.device);
      options.onDevice?.(step.device);
    }
    try {
      await step.quantity.set(step.target, step.to, options.signal);
    } catch (error) {
      const cause = DaqError.from(error);
      const before = result.changed.length === 0 ? 'nothing was set before it' : `set before it: ${result.changed.map(changeText).join(', ')}`;
      throw new DaqError(cause.code, `preset ${preset.name}: ${step.device}.${step.field} -> ${presetValueText(step.to, step.units)} failed: ${cause.message} (${before})`, { device: step.device, cause });
    }
    result.changed.push(change(step));
  }
  return result;
}

function change(step: Step): PresetChange {
  return { device: step.device, field: step.field, from: step.from, to: step.to, units: step.units };
}

/** `stage.position 0 mm -> 12.5 mm`. */
export function changeText(c: PresetChange): string {
  return `${c.device}.${c.field} ${presetValueText(c.from, c.units)} -> ${presetValueText(c.to, c.units)}`;
}

/** Equal values; numbers within a part in 10^9 (a readback of a value just set). */
function same(a: PresetValue, b: PresetValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  if (typeof a === 'object' && typeof b === 'object') return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
  return a === b;
}

/** The apply as lines for people: what changed, what was skipped and why. */
export function appliedText(applied: AppliedPreset): string {
  const verb = applied.dryRun ? 'would set' : 'set';
  const lines = [`preset ${applied.name}: ${applied.changed.length === 0 ? `nothing to ${applied.dryRun ? 'change' : 'set'}` : `${verb} ${applied.changed.length} value${applied.changed.length === 1 ? '' : 's'}`}${applied.unchanged.length > 0 ? `, ${applied.unchanged.length} already as saved` : ''}`];
  for (const c of applied.changed) lines.push(`  ${changeText(c)}`);
  for (const s of applied.skipped) lines.push(`  skipped ${s.device}.${s.field} (${presetValueText(s.value, s.units)}): ${s.why}`);
  return lines.join('\n');
}
