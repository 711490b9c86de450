/**
 * The `daq` command as a user runs it: the built CLI in a child process (run `make build`
 * first; `make test` does).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/cleanup.fixture.js';

const DAQ = join(import.meta.dirname, '../../dist/src/cli/main.js');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function daq(...args: string[]): Promise<Result> {
  if (!existsSync(DAQ)) throw new Error(`${DAQ} is missing: run \`make build\` first`);
  return new Promise((resolve) => {
    execFile('node', [DAQ, ...args], { cwd: join(import.meta.dirname, '../..') }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr });
    });
  });
}

describe('daq devices', () => {
  it('lists the simulated lab as JSON: name, driver, state and capabilities of each device', async () => {
    const result = await daq('devices', '--config', 'examples/lab.toml', '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const output = JSON.parse(result.stdout) as { lab: { name: string }; devices: Record<string, unknown>[] };
    expect(output.lab.name).toBe('Simulated optics lab');
    const byName = Object.fromEntries(output.devices.map((d) => [d['name'], d]));
    expect(Object.keys(byName)).toEqual(['stage', 'laser', 'power_meter', 'camera', 'thermometer', 'piezo_bias']);
    expect(byName['stage']).toEqual({
      name: 'stage',
      driver: 'sim-stage',
      state: 'idle',
      capabilities: ['Movable', 'Stoppable', 'Parameterized', 'TriggerSource'],
      values: [{ name: 'position', value: 0, units: 'mm' }],
      settings: [
        { name: 'velocity', value: 10, units: 'mm/s' },
        { name: 'acceleration', value: 40, units: 'mm/s^2' },
        { name: 'settle_time', value: 0.01, units: 's' },
      ],
      limits: { min: 0, max: 50 },
    });
    // What the devices read back now, as a station snapshot: wavelength, temperature, shutter, power.
    const values = (name: string): Record<string, unknown> => Object.fromEntries((byName[name]?.['values'] as { name: string; value: unknown }[]).map((v) => [v.name, v.value]));
    expect(values('laser')).toMatchObject({ wavelength: 800, shutter_open: false, emission: false, power: 0 });
    expect(values('camera')).toMatchObject({ temperature: expect.any(Number), temperature_setpoint: expect.any(Number), exposure: expect.any(Number) });
    expect(values('thermometer')['temperature']).toBeGreaterThan(15);
    expect(byName['camera']?.['capabilities']).toEqual(
      expect.arrayContaining(['FrameProducer', 'Triggerable', 'ExposureControl', 'Cooled', 'RoiSelectable', 'TemperatureSensor']),
    );
    expect(byName['laser']?.['capabilities']).toEqual(
      expect.arrayContaining(['WavelengthTunable', 'ShutterControl', 'EmissionControl', 'Readable', 'Stoppable']),
    );
    for (const device of output.devices) expect(device['state']).toBe('idle');
  });

  it('prints a table for people', async () => {
    const result = await daq('devices', '--config', 'examples/lab.toml');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Lab "Simulated optics lab" (examples/lab.toml): 6 devices, 6 connected');
    expect(result.stdout).toMatch(/^stage\s+sim-stage\s+idle\s+Movable, Stoppable, Parameterized, TriggerSource$/m);
    // Values with their units and SI prefixes, settings marked, numbers right-aligned in their column.
    expect(result.stdout).toMatch(/^DEVICE +VALUE +NOW$/m);
    expect(result.stdout).toMatch(/^stage +position +0\.0000 mm +limits 0\.0000 mm to 50\.000 mm$/m);
    expect(result.stdout).toMatch(/^ +settle_time +10\.000 ms +setting$/m);
    expect(result.stdout).toMatch(/^laser +wavelength +800\.00 nm$/m);
    expect(result.stdout).toMatch(/^ +shutter_open +closed$/m);
    expect(result.stdout).toMatch(/^power_meter +wavelength +800\.00 nm\n +power +\d+\.\d+ [nµ]W$/m);
    expect(result.stdout).toMatch(/^thermometer +temperature +\d\d\.\d{3} °C$/m);
    const values = result.stdout.slice(result.stdout.indexOf('DEVICE'));
    const ends = values.split('\n').filter((l) => / (mm|nm|°C|W|V)$/.test(l) && !l.includes('limits')).map((l) => l.length);
    expect(new Set(ends).size).toBe(1);
  });

  it('reports all three mistakes of a broken config with their lines, and exits 2', async () => {
    const result = await daq('devices', '--config', 'examples/broken-lab.toml');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines[0]).toBe('daq: lab config examples/broken-lab.toml has 3 problems:');
    expect(lines[1]).toMatch(/^ {2}examples\/broken-lab\.toml:9:1: device "stage", field "max": expected number, got string "fifty"$/);
    expect(lines[2]).toMatch(/^ {2}examples\/broken-lab\.toml:12:1: device "camera", field "driver": unknown driver "sim-camra"; did you mean "sim-camera"\?/);
    expect(lines[3]).toMatch(/^ {2}examples\/broken-lab\.toml:17:1: device "power_meter", field "stage": no device "stagee"; did you mean "stage"\?/);
    expect(lines).toHaveLength(4);
  });

  it('says which file is missing, and exits 2', async () => {
    const result = await daq('devices', '--config', 'no/such/lab.toml');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('daq: cannot read lab config no/such/lab.toml: no such file\n');
  });

  it('refuses a reference to a device that cannot do what the driver needs', async () => {
    const dir = await tempDir('daq-cli-');
    const file = join(dir, 'lab.toml');
    await writeFile(file, '[devices.laser]\ndriver = "sim-laser"\n[devices.meter]\ndriver = "sim-power-meter"\nstage = "laser"\n');
    const result = await daq('devices', '--config', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:5:1: device "meter", field "stage": device "laser" (sim-laser) is not Movable`);
  });
});

describe('daq --help', () => {
  it('lists the commands, and each command has its own help', async () => {
    const top = await daq('--help');
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/devices \[options\]\s+connect the devices of a lab config/);
    const sub = await daq('devices', '--help');
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--config <file>');
    expect(sub.stdout).toContain('Exit status');
  });

  it('every command and subcommand lists its exit statuses', async () => {
    const top = await daq('--help');
    expect(top.stdout).toContain('Exit status: 0 success');
    const commands = [...top.stdout.matchAll(/^ {2}([a-z-]+)(?:\|[a-z-]+)? /gm)].map((m) => m[1] as string).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['follow', 'pause', 'resume', 'abort', 'queue', 'devices', 'status', 'tail']));
    const queue = await daq('queue', '--help');
    const subcommands = [...queue.stdout.matchAll(/^ {2}([a-z]+) \[options\]/gm)].map((m) => ['queue', m[1] as string]);
    expect(subcommands.map((s) => s[1])).toEqual(['move', 'remove', 'clear', 'stop', 'start']);
    const helps = await Promise.all([...commands.map((c) => [c]), ...subcommands].map(async (words) => [words.join(' '), (await daq(...words, '--help')).stdout] as const));
    for (const [words, help] of helps) expect(`${words}: ${help}`).toMatch(/Exit status: 0 [^\n]+\.\n/);
  }, 180_000);

  it('an unknown command or a missing option is an error on stderr with status 2', async () => {
    const unknown = await daq('devcies');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'devcies'");
    const missing = await daq('devices');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('daq devices needs --config LAB.toml or --remote HOST:PORT');
  });
});

describe('daq drivers', () => {
  it('lists every driver with its options and defaults', async () => {
    const result = await daq('drivers', '--json');
    expect(result.code).toBe(0);
    const { drivers } = JSON.parse(result.stdout) as { drivers: { name: string; options: { name: string; default?: unknown }[] }[] };
    expect(drivers.map((d) => d.name)).toEqual(
      expect.arrayContaining(['sim-stage', 'sim-camera', 'sim-laser', 'sim-power-meter', 'sim-thermometer', 'sim-voltage-source']),
    );
    const stage = drivers.find((d) => d.name === 'sim-stage');
    expect(stage?.options).toContainEqual(expect.objectContaining({ name: 'max', default: 50 }));
  });
});
