/**
 * Presets and applies as API messages and back, so that `daq preset ... --remote` prints what
 * its local twin prints. A region of interest travels as numbers [x, y, width, height].
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Value } from './gen/daq/v1/common_pb.js';
import type { ApplyPresetResponse, ApplyPresetResponseSchema, Preset as PresetMessage, PresetSchema } from './gen/daq/v1/presets_pb.js';
import type { AppliedPreset } from '../devices/preset-apply.js';
import type { Preset, PresetValue } from '../devices/preset.js';
import { toValue, type ValueInit } from './convert.js';

function valueOut(value: PresetValue): ValueInit {
  return typeof value === 'object' ? toValue([value.x, value.y, value.width, value.height]) : toValue(value);
}

function valueIn(value: Value | undefined): PresetValue | undefined {
  const kind = value?.kind;
  if (kind === undefined || kind.case === undefined || kind.case === 'frame') return undefined;
  if (kind.case === 'numbers') {
    const [x = 0, y = 0, width = 0, height = 0] = kind.value.values;
    return { x, y, width, height };
  }
  return kind.value;
}

/** A preset as a Preset message. */
export function presetMessage(preset: Preset): MessageInitShape<typeof PresetSchema> {
  return {
    name: preset.name,
    note: preset.note,
    savedAtS: Date.parse(preset.savedAt) / 1000,
    savedBy: preset.savedBy,
    lab: preset.lab,
    devices: preset.devices.map((d) => ({ device: d.device, driver: d.driver, fields: d.fields.map((f) => ({ name: f.name, value: valueOut(f.value), units: f.units })) })),
  };
}

/** A Preset message as a preset. */
export function presetOfMessage(message: PresetMessage): Preset {
  return {
    name: message.name,
    note: message.note,
    savedAt: new Date(message.savedAtS * 1000).toISOString(),
    savedBy: message.savedBy,
    lab: message.lab,
    devices: message.devices.map((d) => ({ device: d.device, driver: d.driver, fields: d.fields.map((f) => ({ name: f.name, value: valueIn(f.value) ?? '', units: f.units })) })),
  };
}

/** What an apply did, as an ApplyPresetResponse. */
export function appliedMessage(applied: AppliedPreset): MessageInitShape<typeof ApplyPresetResponseSchema> {
  return {
    changed: applied.changed.map((c) => ({ device: c.device, field: c.field, ...(c.from === undefined ? {} : { from: valueOut(c.from) }), to: valueOut(c.to), units: c.units })),
    unchanged: applied.unchanged,
    skipped: applied.skipped.map((s) => ({ device: s.device, field: s.field, value: valueOut(s.value), units: s.units, why: s.why })),
    dryRun: applied.dryRun,
  };
}

/** An ApplyPresetResponse as what the apply did. */
export function appliedOfMessage(name: string, response: ApplyPresetResponse): AppliedPreset {
  return {
    name,
    changed: response.changed.map((c) => ({ device: c.device, field: c.field, from: valueIn(c.from), to: valueIn(c.to) ?? '', units: c.units })),
    unchanged: response.unchanged,
    skipped: response.skipped.map((s) => ({ device: s.device, field: s.field, value: valueIn(s.value) ?? '', units: s.units, why: s.why })),
    dryRun: response.dryRun,
  };
}
