import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isEmissionControl, isExposureControl, isMovable, isShutterControl, isWavelengthTunable } from '../../capabilities/index.js';
import { DaqError } from '../../core/index.js';
import { PresetStore } from '../../data/preset-store.js';
import { applyPreset, capturePreset, type Lab } from '../../devices/index.js';
import type { RunStart } from './documents.js';
import { engineFor, runScript } from './run-engine.fixture.js';
import { withPreset } from './run-preset.js';

async function lab() {
  const built = await engineFor();
  const d = built.lab;
  const stage = d.device('stage');
  const laser = d.device('laser');
  const camera = d.device('camera');
  if (!isMovable(stage) || !isWavelengthTunable(laser) || !isExposureControl(camera) || !isShutterControl(laser) || !isEmissionControl(laser)) throw new Error('examples/lab.toml changed');
  return { ...built, stage, laser, camera };
}

function save(l: Lab, name = 'aligned', devices?: string[]) {
  return capturePreset(l, { name, savedBy: 'tester', nowS: 1_800_000_000, ...(devices === undefined ? {} : { devices }) });
}

describe('presets', () => {
  it('saves each device as it is, with units, and sets it back: only what changed, moves after settings', async () => {
    const { lab: l, stage, laser, camera } = await lab();
    await stage.moveAbs(12.5);
    await laser.setWavelength(780);
    await camera.setExposure(0.05);
    const { preset, leftOut } = await save(l);
    expect(leftOut).toEqual([]);
    expect(preset).toMatchObject({ name: 'aligned', savedBy: 'tester', savedAt: '2027-01-15T08:00:00.000Z', lab: 'Simulated optics lab' });
    const fields = Object.fromEntries(preset.devices.flatMap((d) => d.fields.map((f) => [`${d.device}.${f.name}`, [f.value, f.units]])));
    expect(fields).toMatchObject({ 'stage.position': [12.5, 'mm'], 'stage.velocity': [10, 'mm/s'], 'laser.wavelength': [780, 'nm'], 'laser.shutter_open': [false, ''], 'laser.emission': [false, ''], 'camera.exposure': [0.05, 's'], 'piezo_bias.voltage': [0, 'V'] });
    expect(fields['camera.roi']).toEqual([{ x: 0, y: 0, width: 1024, height: 1024 }, 'px']);
    expect(preset.devices.map((d) => d.device)).not.toContain('thermometer'); // nothing settable

    await stage.moveAbs(40);
    await camera.setExposure(0.2);
    const applied = await applyPreset(l, preset);
    expect(applied.changed.map((c) => [`${c.device}.${c.field}`, c.from, c.to])).toEqual([
      ['camera.exposure', 0.2, 0.05],
      ['stage.position', 40, 12.5],
    ]);
    expect(applied.skipped).toEqual([]);
    expect(await stage.position()).toBe(12.5);
    expect(await camera.exposure()).toBe(0.05);
    expect((await applyPreset(l, preset)).changed).toEqual([]);
    await l.disconnect();
  });

  it('checks every field before setting anything, and names each device and field that cannot be applied', async () => {
    const { lab: l, stage } = await lab();
    const { preset } = await save(l, 'bad', ['stage', 'laser']);
    const field = (device: string, name: string) => preset.devices.find((d) => d.device === device)?.fields.find((f) => f.name === name);
    Object.assign(field('laser', 'wavelength') ?? {}, { value: 1500 });
    Object.assign(field('stage', 'position') ?? {}, { value: 25 });
    preset.devices.push({ device: 'ghost', driver: 'sim-stage', fields: [] });
    const error = await applyPreset(l, preset).catch((e: unknown) => e as DaqError);
    expect(error).toBeInstanceOf(DaqError);
    expect((error as DaqError).message).toBe('preset bad cannot be applied (nothing was set):');
    expect((error as DaqError).children.map((c) => c.message)).toEqual([
      'laser.wavelength: 1500 nm is outside 690..1040 nm',
      'ghost: no such device in lab "Simulated optics lab" (devices: stage, laser, power_meter, camera, thermometer, piezo_bias)',
    ]);
    expect(await stage.position()).toBe(0); // the valid move did not happen
    await l.disconnect();
  });

  it('closes a shutter on its own, but opens one or turns emission on only when asked', async () => {
    const { lab: l, laser } = await lab();
    await laser.enableEmission();
    await laser.openShutter();
    const on = (await save(l, 'lasing', ['laser'])).preset;
    await laser.closeShutter();
    await laser.disableEmission();
    const off = (await save(l, 'dark', ['laser'])).preset;

    const refused = await applyPreset(l, on);
    expect(refused.changed).toEqual([]);
    expect(refused.skipped.map((s) => `${s.field}: ${s.why}`)).toEqual([
      'shutter_open: would open the shutter; ask for it (daq preset apply --open-shutters)',
      'emission: would turn emission on; ask for it (daq preset apply --enable-emission)',
    ]);
    expect(await laser.isEmissionEnabled()).toBe(false);
    const asked = await applyPreset(l, on, { openShutters: true, enableEmission: true });
    expect(asked.changed.map((c) => c.field)).toEqual(['emission', 'shutter_open']);
    expect(await laser.isShutterOpen()).toBe(true);

    const closed = await applyPreset(l, off);
    expect(closed.changed.map((c) => c.field)).toEqual(['shutter_open', 'emission']); // the safe way, without asking
    expect(await laser.isShutterOpen()).toBe(false);
    await l.disconnect();
  });

  it('a run from a preset sets the devices before its script, and its start document names the preset', async () => {
    const { lab: l, engine, documents, stage } = await lab();
    await stage.moveAbs(7);
    const { preset } = await save(l, 'at-seven', ['stage']);
    await stage.moveAbs(30);
    const { stop } = await runScript(engine, 'record("p", { x: stage.position() });', {});
    expect(stop.exitStatus).toBe('success');
    documents.length = 0;
    const run = engine.submit(withPreset({ scriptName: 'p.js', source: 'record("p", { x: stage.position() });' }, l, preset));
    expect((await run.done).exitStatus).toBe('success');
    const start = documents[0] as RunStart;
    expect(start.metadata).toMatchObject({ preset: 'at-seven', preset_saved_by: 'tester', preset_saved_at: preset.savedAt });
    expect(JSON.parse(String(start.metadata['preset_content']))).toEqual(preset.devices);
    const event = documents.find((d) => d.kind === 'event');
    expect(event?.kind === 'event' ? event.data['x'] : undefined).toBe(7);
    await l.disconnect();
  });

  it('a run whose preset cannot be applied fails before its script runs', async () => {
    const { lab: l, engine, logs } = await lab();
    const { preset } = await save(l, 'far', ['stage']);
    Object.assign(preset.devices[0]?.fields[0] ?? {}, { value: 99 });
    const run = engine.submit(withPreset({ scriptName: 'p.js', source: 'log("script ran")' }, l, preset));
    const stop = await run.done;
    expect(stop.exitStatus).toBe('fail');
    expect(stop.reason).toContain('preset far cannot be applied');
    expect(logs.map((e) => e.message)).not.toContain('script ran');
    await l.disconnect();
  });
});

describe('preset files', () => {
  it('are readable JSON in <data dir>/presets, survive a new store, refuse bad names and overwriting without force', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'presets-'));
    try {
      const { lab: l } = await lab();
      const { preset } = await save(l, 'aligned-800nm', ['stage']);
      await new PresetStore(dir).save(preset);
      const text = await readFile(join(dir, 'presets', 'aligned-800nm.json'), 'utf8');
      expect(JSON.parse(text)).toMatchObject({ format: 'ts-daq preset 1', name: 'aligned-800nm', devices: [{ device: 'stage' }] });
      expect(JSON.parse(text).devices[0].fields[0]).toEqual({ name: 'position', value: 0, units: 'mm' });
      const again = new PresetStore(dir);
      expect(await again.get('aligned-800nm')).toEqual(preset);
      await expect(again.save(preset)).rejects.toThrow(/preset "aligned-800nm" exists \(saved 2027-01-15T08:00:00.000Z by tester\); replace it with --force/);
      await again.save({ ...preset, note: 'second' }, true);
      expect((await again.get('aligned-800nm')).note).toBe('second');
      await expect(again.get('../etc')).rejects.toThrow('preset name "../etc": use letters, digits');
      await expect(again.get('aligned-800')).rejects.toThrow('no preset "aligned-800"; did you mean "aligned-800nm"? (presets: aligned-800nm)');
      await again.delete('aligned-800nm');
      expect((await again.list()).presets).toEqual([]);
      await l.disconnect();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
