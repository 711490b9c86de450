/**
 * PresetService: save the devices' settings under a name, list, show and delete presets, and
 * apply one. An apply is refused while a run holds the lab (a run can start from a preset
 * instead: StartRun's `preset`), and while another apply is under way; a run that starts during
 * an apply waits for it to end before its script's first line.
 */
import { DaqError } from '../../core/index.js';
import { PresetStore } from '../../data/preset-store.js';
import { applyPreset, capturePreset, changeText } from '../../devices/index.js';
import type { DaemonCore } from '../core.js';
import type { ServiceHandlers } from '../handlers.js';
import type { PresetService } from '../gen/daq/v1/presets_pb.js';
import { appliedMessage, presetMessage } from '../preset-convert.js';

/** The PresetService handlers over `core`; presets are files in the daemon's data directory. */
export function presetHandlers(core: DaemonCore): ServiceHandlers<typeof PresetService> {
  const store = presetStoreOf(core);
  let applying: { name: string; done: Promise<unknown> } | undefined;
  // A run that the queue starts while an apply moves the devices waits for it.
  core.engine.beforeScript(async () => {
    await applying?.done.catch(() => undefined);
  });
  return {
    async listPresets() {
      const { presets, problems } = await store.list();
      return { presets: presets.map(presetMessage), problems };
    },
    async getPreset(request) {
      return { preset: presetMessage(await store.get(request.name)) };
    },
    async savePreset(request, { principal }) {
      const { preset, leftOut } = await capturePreset(core.lab, { name: request.name, note: request.note, savedBy: principal.name, nowS: core.clock.now(), devices: request.devices });
      await store.save(preset, request.force);
      core.audit(principal, `saved preset ${preset.name} (${preset.devices.map((d) => d.device).join(', ')})`);
      return { preset: presetMessage(preset), leftOut };
    },
    async applyPreset(request, { principal, signal }) {
      const name = request.preset?.name ?? '';
      const preset = await store.get(name);
      const run = core.engine.currentRun;
      if (run !== undefined) {
        throw new DaqError('failed_precondition', `run ${run.uid} (${run.request.scriptName}) holds the lab: apply preset ${name} after it ends, or start a run from it (daq run --preset ${name})`);
      }
      if (applying !== undefined) throw new DaqError('failed_precondition', `preset ${applying.name} is being applied now; try again when it is done`);
      const options = { openShutters: request.preset?.openShutters === true, enableEmission: request.preset?.enableEmission === true, dryRun: request.dryRun, signal };
      const done = applyPreset(core.lab, preset, options);
      applying = { name, done };
      try {
        const applied = await done;
        if (!applied.dryRun) core.audit(principal, `applied preset ${name}: ${applied.changed.length === 0 ? 'nothing changed' : applied.changed.map(changeText).join(', ')}`);
        return appliedMessage(applied);
      } finally {
        applying = undefined;
      }
    },
    async deletePreset(request, { principal }) {
      await store.delete(request.name);
      core.audit(principal, `deleted preset ${request.name}`);
      return {};
    },
  };
}

/** The store of the daemon's presets (`<data dir>/presets`). */
export function presetStoreOf(core: DaemonCore): PresetStore {
  return new PresetStore(core.facts.dataDir);
}
