/**
 * A run is type-checked against the lab before any device is touched: a script with a wrong
 * method name on a device, run by `daq run --config`, by a daemon's StartRun and by
 * `daq run --remote`, is refused with the problem at its file:line:column, and no command
 * reaches the instruments (real drivers against their wire simulators on PTYs, which record
 * every command they receive). `--no-check` / `skip_check` run it: the laser turns on, the
 * stage moves, and the run fails at that line, as every run did before.
 * Needs `dist/` (`make build`).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSerialLab, type SerialLab } from '../drivers/serial-lab.js';
import type { LineSimulator } from '../transports/sim/index.js';
import { followRun, ROOT, runOutline, startDaemonProcess, TestProcesses, type DaemonProcess } from '../api/daemon.fixture.js';
import { ControlService } from '../api/gen/daq/v1/control_pb.js';

const DAQ = join(ROOT, 'dist/src/cli/main.js');

/** Turns the laser on, opens its shutter and moves the stage before the mistake on line 4. */
const BAD_SCRIPT = `laser.enableEmission();
laser.openShutter();
stage.moveAbs(12.5);
stage.moveAbz(13);
const p = power_meter.read();
if (p.value > 0.5) log('coupled');
`;

/** Commands that change something: an ESP300 move or motor on, the MaiTai's pump or shutter. */
const ACTING = /^\d?(PA|PR|MO)|^(on|shut 1)$/i;

describe('the type check before a run', () => {
  const processes = new TestProcesses();
  let bench: SerialLab;
  let dir: string;
  let script: string;
  let daemon: DaemonProcess | undefined;
  /** Every command the instruments received, as `pty: command`. */
  const heard: string[] = [];
  const acted = (): string[] => heard.filter((line) => ACTING.test(line.slice(line.indexOf(': ') + 2)));
  const previousCache = process.env['XDG_CACHE_HOME'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'daq-run-check-'));
    processes.defer(() => rm(dir, { recursive: true, force: true }));
    // scripts that pass are remembered in the cache folder: this test's own
    process.env['XDG_CACHE_HOME'] = join(dir, 'cache');
    bench = await startSerialLab(dir);
    processes.defer(() => bench.close());
    const simulators: [string, LineSimulator][] = [['esp300', bench.esp300], ['maitai', bench.maitai], ['pm1830c', bench.powerMeter]];
    for (const [pty, simulator] of simulators) {
      const handle = simulator.handle.bind(simulator);
      simulator.handle = (command, reply) => {
        heard.push(`${pty}: ${command}`);
        handle(command, reply);
      };
    }
    await writeFile(
      join(dir, 'lab.toml'),
      `[devices.stage]\ndriver = "newport-esp300"\nport = "${dir}/esp300"\naxis = 1\nmin = 0\nmax = 25\n\n` +
        `[devices.laser]\ndriver = "spectra-physics-maitai"\nport = "${dir}/maitai"\n\n[devices.power_meter]\ndriver = "newport-1830c"\nport = "${dir}/pm1830c"\n`,
    );
    script = join(dir, 'couple.js');
    await writeFile(script, BAD_SCRIPT);
  }, 120_000);

  afterAll(async () => {
    await processes.cleanup();
    if (previousCache === undefined) delete process.env['XDG_CACHE_HOME'];
    else process.env['XDG_CACHE_HOME'] = previousCache;
  });

  async function daq(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const proc = processes.spawnNode([DAQ, ...args]);
    const exit = await proc.exited;
    return { code: exit.code, stdout: proc.stdout, stderr: proc.stderr };
  }

  it('daq run --config refuses the script before connecting: exit 2, the problem at file:line:col, not one command sent', async () => {
    heard.length = 0;
    const result = await daq('run', script, '--config', join(dir, 'lab.toml'), '--no-save');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`daq: ${script} was not run: the type check against ${join(dir, 'lab.toml')} found 1 problem (no device was touched;`);
    expect(result.stderr).toContain(`\n  ${script}:4:7: Property 'moveAbz' does not exist on type 'Device & Movable`);
    expect(result.stderr).toContain("Did you mean 'moveAbs'?");
    // the power meter's reading is a number: line 6 is no problem
    expect(result.stderr).not.toContain(':6:');
    expect(heard).toEqual([]);
  }, 60_000);

  it('daq run --no-check runs it: the laser turns on and the stage moves before the run fails at line 4', async () => {
    heard.length = 0;
    const result = await daq('run', script, '--config', join(dir, 'lab.toml'), '--no-save', '--no-check');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/stage \(newport-esp300\) has no method "moveAbz"/);
    expect(result.stderr).toContain(`${script}:4:`);
    expect(acted()).toEqual(expect.arrayContaining(['maitai: ON', 'maitai: SHUT 1', expect.stringMatching(/^esp300: 1PA12\.5/)]));
  }, 60_000);

  it("a daemon's StartRun refuses it with INVALID_ARGUMENT and touches nothing; skip_check runs it", async () => {
    daemon = await startDaemonProcess(processes, dir);
    const client = daemon.client();
    heard.length = 0;
    const request = { script: { case: 'inline' as const, value: { name: 'couple.js', source: BAD_SCRIPT } } };
    const refused = await client.call(ControlService.method.startRun, request).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ code: 'invalid_argument' });
    const message = (refused as Error).message;
    expect(message).toMatch(/^couple\.js was not run: the type check against the lab "[^"]*" found 1 problem \(no device was touched;/);
    expect(message).toContain("\n  couple.js:4:7: Property 'moveAbz' does not exist on type 'Device & Movable");
    // no run was queued, and nothing acted on the instruments
    expect((await client.call(ControlService.method.listRuns, {})).runs).toEqual([]);
    expect(acted()).toEqual([]);

    const started = await client.call(ControlService.method.startRun, { ...request, skipCheck: true });
    const followed = await followRun(client, started.run?.uid ?? '');
    expect(runOutline(followed).exitStatus).toBe('FAIL');
    expect(followed.stop?.reason).toMatch(/has no method "moveAbz"/);
    expect(acted()).toEqual(expect.arrayContaining(['maitai: ON', expect.stringMatching(/^esp300: 1PA12\.5/)]));
  }, 120_000);

  it('daq run --remote prints the refusal as daq check would and exits 2', async () => {
    if (daemon === undefined) throw new Error('the daemon of the test before is needed');
    heard.length = 0;
    const result = await daq('run', script, '--remote', daemon.address);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("daq: couple.js was not run: the type check against the lab");
    expect(result.stderr).toContain("\n  couple.js:4:7: Property 'moveAbz' does not exist");
    expect(acted()).toEqual([]);
  }, 60_000);
});
