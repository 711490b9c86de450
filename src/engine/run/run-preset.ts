/**
 * A run that starts from a preset (`daq run --preset NAME`, StartRun's `preset`): the preset is
 * applied after the run's start document and before its script's first line (devices it sets go
 * to their safe state if the run then fails), and the start document's metadata says which
 * preset, saved when and by whom, and what it held (`preset`, `preset_saved_at`, `preset_saved_by`,
 * `preset_content`: the preset's devices and fields as compact JSON), so the run's file tells how
 * the lab was set up even after the preset is changed or deleted.
 */
import { type ApplyOptions, appliedText, applyPreset, type Preset, type PresetLab } from '../../devices/index.js';
import type { ParamValue } from './documents.js';
import type { RunRequest } from './run.js';

/** The start-document metadata of a run from `preset`. */
export function presetMetadata(preset: Preset): Record<string, ParamValue> {
  return {
    preset: preset.name,
    preset_saved_at: preset.savedAt,
    preset_saved_by: preset.savedBy,
    preset_content: JSON.stringify(preset.devices),
  };
}

/**
 * `request` made to start from `preset`: its metadata gains the preset's, and the preset is
 * applied (with `options`: shutters, emission) before the script. What changed goes to the run's log.
 */
export function withPreset(request: RunRequest, lab: PresetLab, preset: Preset, options: Pick<ApplyOptions, 'openShutters' | 'enableEmission'> = {}): RunRequest {
  return {
    ...request,
    metadata: { ...request.metadata, ...presetMetadata(preset) },
    prepare: async (step) => {
      await request.prepare?.(step);
      const applied = await applyPreset(lab, preset, { ...options, signal: step.signal, onDevice: step.touch });
      for (const line of appliedText(applied).split('\n')) step.log('info', line.trim());
    },
  };
}
