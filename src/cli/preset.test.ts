/**
 * Presets against a real daemon process over its socket: `daq preset save|list|show|apply|delete
 * --remote`, a preset file edited out of range (refused, nothing set), an apply refused while a
 * run holds the lab, `daq run --remote --preset` (set before the script; named in the start
 * document, Bluesky's too), and presets kept across a daemon restart; and in this process, with
 * `--config` and `--data-dir`. Needs `dist/`.
 */
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonClient } from '../api/client.js';
import { type DaemonProcess, followRun, inlineRun, ROOT, startDaemonProcess, TestProcesses } from '../api/daemon.fixture.js';
import { ControlService, RunState } from '../api/gen/daq/v1/control_pb.js';
import { HardwareService } from '../api/gen/daq/v1/hardware_pb.js';

const DAQ = join(ROOT, 'dist/src/cli/main.js');
const LONG = 'for (let i = 0; i < 1000; i++) { sleep(0.05); progress(i + 1, 1000); }\n';
const WHERE = "record('where', { x: stage.position() });\n";

const perTest = new TestProcesses();
afterEach(() => perTest.cleanup());

describe('daq preset against a daemon', () => {
  const shared = new TestProcesses();
  let daemon: DaemonProcess;
  let client: DaemonClient;
  let dir = '';

  beforeAll(async () => {
    dir = await shared.labDir();
    await writeFile(join(dir, 'where.js'), WHERE);
    daemon = await startDaemonProcess(shared, dir);
    client = daemon.client();
  }, 60_000);
  afterAll(() => shared.cleanup());

  const daq = async (...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => {
    const proc = perTest.spawnNode([DAQ, ...args, '--remote', daemon.address]);
    const { code } = await proc.exited;
    return { code, stdout: proc.stdout, stderr: proc.stderr };
  };
  const move = (position: number) => client.call(HardwareService.method.moveDevice, { device: 'stage', target: { case: 'absolute', value: position } });
  const position = async () => (await client.call(HardwareService.method.listDevices, { measure: false })).devices.find((d) => d.name === 'stage')?.values.find((v) => v.name === 'position')?.value?.kind.value;

  it('saves the devices as they are, sets them back after a change, says what changed, and refuses a name taken', async () => {
    await move(5);
    await client.call(HardwareService.method.setExposure, { device: 'camera', exposureS: 0.02 });
    const saved = await daq('preset', 'save', 'focus', '--note', 'stage on the fibre');
    expect(saved).toMatchObject({ code: 0, stderr: '' });
    expect(saved.stdout).toMatch(/^saved preset focus: \d+ values of stage, camera\n/);
    const file = JSON.parse(await readFile(join(daemon.dataDir, 'presets', 'focus.json'), 'utf8')) as { savedBy: string; note: string; devices: { device: string; fields: { name: string; value: unknown; units: string }[] }[] };
    expect(file).toMatchObject({ savedBy: 'local', note: 'stage on the fibre' });
    expect(file.devices[0]?.fields[0]).toEqual({ name: 'position', value: 5, units: 'mm' });

    const again = await daq('preset', 'save', 'focus');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/preset "focus" exists \(saved \S+ by local\); replace it with --force/);
    expect((await daq('preset', 'save', 'no good')).stderr).toContain('preset name "no good": use letters, digits');

    const listed = await daq('preset', 'list');
    expect(listed.stdout).toMatch(/^NAME +SAVED \(UTC\) +BY +DEVICES +NOTE\nfocus +\d{4}-\d\d-\d\d [\d:]+ +local +stage, camera +stage on the fibre\n$/);
    expect((await daq('preset', 'show', 'focus')).stdout).toMatch(/stage +position +5 mm\n +velocity +100 mm\/s\n/);

    await move(30);
    await client.call(HardwareService.method.setExposure, { device: 'camera', exposureS: 0.5 });
    const applied = await daq('preset', 'apply', 'focus');
    expect(applied).toMatchObject({ code: 0, stderr: '' });
    expect(applied.stdout).toMatch(/^preset focus: set 2 values, \d+ already as saved\n {2}camera\.exposure 0\.5 s -> 0\.02 s\n {2}stage\.position 30 mm -> 5 mm\n$/);
    expect(await position()).toBe(5);
  }, 60_000);

  it('checks every value before setting any: a preset file edited out of range is refused, naming device and field', async () => {
    await daq('preset', 'save', 'edited', '--devices', 'stage');
    const path = join(daemon.dataDir, 'presets', 'edited.json');
    const file = JSON.parse(await readFile(path, 'utf8')) as { devices: { fields: { name: string; value: unknown }[] }[] };
    for (const field of file.devices[0]?.fields ?? []) {
      if (field.name === 'position') field.value = 500;
      if (field.name === 'velocity') field.value = 50;
    }
    await writeFile(path, JSON.stringify(file));
    const refused = await daq('preset', 'apply', 'edited');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('daq: preset edited cannot be applied (nothing was set):\n  stage.position: 500 mm is outside 0..100 mm\n');
    expect(await position()).toBe(5);
    const velocity = (await client.call(HardwareService.method.listDevices, { measure: false })).devices.find((d) => d.name === 'stage')?.settings.find((s) => s.name === 'velocity')?.value?.kind.value;
    expect(velocity).toBe(100); // the valid field of the refused preset was not set either
    expect(JSON.parse((await daq('preset', 'apply', 'focus', '--dry-run', '--json')).stdout)).toMatchObject({ changed: [], dryRun: true });
  }, 60_000);

  it('refuses to apply while a run holds the lab', async () => {
    const uid = (await client.call(ControlService.method.startRun, inlineRun(LONG, {}, 'long.js'))).run?.uid ?? '';
    const stop = new AbortController();
    for await (const status of client.stream(ControlService.method.streamStatus, { heartbeatS: 1 }, stop.signal)) {
      if (status.currentRun?.uid === uid && status.currentRun.state === RunState.RUNNING) stop.abort();
    }
    const refused = await daq('preset', 'apply', 'focus');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`daq: run ${uid} (long.js) holds the lab: apply preset focus after it ends, or start a run from it (daq run --preset focus)\n`);
    await client.call(ControlService.method.stopRun, { uid, reason: 'test done' });
    await followRun(client, uid);
  }, 60_000);

  it('daq run --preset sets the devices before the script, and the start document names the preset', async () => {
    await move(42);
    const ran = await daq('run', join(dir, 'where.js'), '--preset', 'focus', '--json');
    expect(ran.code).toBe(0);
    const { uid } = JSON.parse(ran.stdout) as { uid: string };
    const followed = await followRun(client, uid);
    expect(followed.events[0]?.data['x']?.kind.value).toBe(5);
    const meta = Object.fromEntries(Object.entries(followed.start?.metadata ?? {}).map(([k, v]) => [k, v.kind.value]));
    expect(meta).toMatchObject({ preset: 'focus', preset_saved_by: 'local' });
    expect(JSON.parse(String(meta['preset_content']))[0].fields[0]).toEqual({ name: 'position', value: 5, units: 'mm' });
    const bluesky = JSON.parse(followed.documents[0]?.json ?? '{}') as Record<string, unknown>;
    expect(bluesky).toMatchObject({ preset: 'focus', preset_saved_by: 'local' });
    expect(typeof bluesky['preset_content']).toBe('string');

    const unknown = await daq('run', join(dir, 'where.js'), '--preset', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no preset "nope"');
  }, 60_000);

  it('keeps presets across a restart of the daemon, and deletes them', async () => {
    await daemon.proc.stop();
    daemon = await startDaemonProcess(shared, dir);
    client = daemon.client();
    expect((await daq('preset', 'list')).stdout).toMatch(/^edited .*\nfocus /m);
    expect(await daq('preset', 'delete', 'edited')).toMatchObject({ code: 0, stdout: 'deleted preset edited\n' });
    expect((await daq('preset', 'show', 'edited')).stderr).toBe('daq: no preset "edited" (presets: focus)\n');
  }, 60_000);
});

describe('daq preset in this process (--config, --data-dir)', () => {
  it('saves from the lab, refuses an edited value out of range, and daq run --config --preset starts from an edited one', async () => {
    const dir = await perTest.labDir();
    await copyFile(join(ROOT, 'examples/lab.toml'), join(dir, 'lab.toml'));
    await writeFile(join(dir, 'where.js'), WHERE);
    const data = join(dir, 'data');
    const local = async (...args: string[]) => {
      const proc = perTest.spawnNode([DAQ, ...args]);
      const { code } = await proc.exited;
      return { code, stdout: proc.stdout, stderr: proc.stderr };
    };
    const saved = await local('preset', 'save', 'here', '--config', join(dir, 'lab.toml'), '--data-dir', data, '--devices', 'stage,laser');
    expect(saved).toMatchObject({ code: 0, stdout: 'saved preset here: 7 values of stage, laser\n' });
    const path = join(data, 'presets', 'here.json');
    const file = JSON.parse(await readFile(path, 'utf8')) as { devices: { device: string; fields: { name: string; value: unknown }[] }[] };
    const field = (device: string, name: string) => file.devices.find((d) => d.device === device)?.fields.find((f) => f.name === name) ?? { value: undefined };
    field('laser', 'wavelength').value = 2000;
    await writeFile(path, JSON.stringify({ format: 'ts-daq preset 1', ...file }));
    const refused = await local('preset', 'apply', 'here', '--config', join(dir, 'lab.toml'), '--data-dir', data);
    expect(refused).toMatchObject({ code: 2, stderr: 'daq: preset here cannot be applied (nothing was set):\n  laser.wavelength: 2000 nm is outside 690..1040 nm\n' });

    field('laser', 'wavelength').value = 780;
    field('stage', 'position').value = 7;
    await writeFile(path, JSON.stringify({ format: 'ts-daq preset 1', ...file }));
    const ran = await local('run', join(dir, 'where.js'), '--config', join(dir, 'lab.toml'), '--data-dir', data, '--preset', 'here', '--json');
    expect(ran.code).toBe(0);
    expect(ran.stderr).toContain('preset here: set 2 values');
    expect(ran.stderr).toContain('stage.position 0 mm -> 7 mm');
    expect(ran.stderr).toContain('laser.wavelength 800 nm -> 780 nm');
    expect(JSON.parse(ran.stdout)).toMatchObject({ exitStatus: 'success', numEvents: { where: 1 } });
    const shown = await local('preset', 'show', 'here', '--data-dir', data, '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({ name: 'here', lab: 'Simulated optics lab' });
  }, 60_000);
});
