/**
 * `examples/lab-serial.toml` runs `examples/multi_instrument.js` with every serial driver
 * against its wire simulator: `daq sim-serial` serves the simulators on PTYs (in a temporary
 * folder instead of /tmp/daq-sim), and the built `daq` runs the experiment through the real
 * drivers. Run `make build` first (`make test` does).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const DAQ = join(ROOT, 'dist/src/cli/main.js');

let dir: string;
let simulators: ChildProcess;
let config: string;

function daq(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [DAQ, ...args], { cwd: ROOT }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr });
    });
  });
}

beforeAll(async () => {
  if (!existsSync(DAQ)) throw new Error(`${DAQ} is missing: run \`make build\` first`);
  dir = await mkdtemp(join(tmpdir(), 'daq-lab-serial-'));
  simulators = spawn('node', [DAQ, 'sim-serial', '--dir', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    simulators.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('simulators ready')) resolve();
    });
    simulators.once('exit', (code) => reject(new Error(`daq sim-serial exited with ${code}: ${out}`)));
  });
  const example = await readFile(join(ROOT, 'examples/lab-serial.toml'), 'utf8');
  config = join(dir, 'lab-serial.toml');
  await writeFile(config, example.replaceAll('/tmp/daq-sim/', `${dir}/`));
});

afterAll(async () => {
  if (simulators !== undefined && simulators.exitCode === null) {
    const exited = new Promise((resolve) => simulators.once('exit', resolve));
    simulators.kill('SIGTERM');
    await exited;
  }
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('examples/lab-serial.toml', () => {
  it('connects every serial driver to its simulator', async () => {
    const result = await daq('devices', '--config', config, '--json');
    expect(result.stderr).toBe('');
    const output = JSON.parse(result.stdout) as { devices: { name: string; driver: string; state: string }[] };
    expect(output.devices.map((d) => [d.name, d.driver, d.state])).toEqual([
      ['stage', 'newport-esp300', 'idle'],
      ['focus', 'newport-esp300', 'idle'],
      ['laser', 'spectra-physics-maitai', 'idle'],
      ['power_meter', 'newport-1830c', 'idle'],
      ['polarizer', 'thorlabs-ell14', 'idle'],
      ['waveplate', 'thorlabs-ell14', 'idle'],
      ['piezo_bias', 'scpi', 'idle'],
    ]);
  });

  it('runs examples/multi_instrument.js and finds the coupling peak at 12.5 mm at each wavelength', async () => {
    const result = await daq('run', 'examples/multi_instrument.js', '--config', config, '--param', 'wavelengths=760,840', '--json', '--no-save');
    const summary = JSON.parse(result.stdout) as { exitStatus: string; numEvents: Record<string, number> };
    expect(summary.exitStatus, result.stderr).toBe('success');
    expect(summary.numEvents).toEqual({ scan_760nm: 11, peaks: 2, scan_840nm: 11 });
    expect(result.stderr).toContain('760 nm: best coupling at 12.50 mm');
    expect(result.stderr).toContain('840 nm: best coupling at 12.50 mm');
    expect(result.code).toBe(0);
  });

  it('daq ports lists serial ports without crashing where udev is missing', async () => {
    const result = await daq('ports', '--json');
    expect(result.code, result.stderr).toBe(0);
    const { ports } = JSON.parse(result.stdout) as { ports: { path: string; source: string }[] };
    expect(Array.isArray(ports)).toBe(true);
    for (const port of ports) expect(port.path).toMatch(/^\/dev\//);
  });
});
