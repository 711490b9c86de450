/**
 * The daemon on real instrument drivers (ESP300 axis, 1830-C) against their wire simulators on
 * PTYs: clients see every device idle, a pulled cable as `faulted` with the reason, and the
 * device idle again once the port is back, all through ListDevices; an instrument that is not
 * there when the daemon starts is listed faulted, being tried again, and comes up once it appears.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSerialLab, type SerialLab } from '../drivers/serial-lab.js';
import { startDaemonProcess, TestProcesses, type DaemonProcess } from './daemon.fixture.js';
import { HardwareService } from './gen/daq/v1/hardware_pb.js';

describe('the daemon with serial instruments', () => {
  const processes = new TestProcesses();
  let bench: SerialLab;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    const dir = await processes.labDir();
    bench = await startSerialLab(dir);
    processes.defer(() => bench.close());
    await writeFile(
      join(dir, 'lab.toml'),
      `[devices.stage]\ndriver = "newport-esp300"\nport = "${dir}/esp300"\naxis = 1\nmin = 0\nmax = 25\n\n[devices.power_meter]\ndriver = "newport-1830c"\nport = "${dir}/pm1830c"\n`,
    );
    daemon = await startDaemonProcess(processes, dir);
  }, 120_000);
  afterAll(() => processes.cleanup());

  async function stateOf(name: string): Promise<{ state: string; fault: string }> {
    const { devices } = await daemon.client().call(HardwareService.method.listDevices, {});
    const device = devices.find((d) => d.name === name);
    return { state: device?.state ?? '', fault: device?.fault ?? '' };
  }

  /** Polls the device's state until `wanted` (the fault and the reconnect come on their own time). */
  async function until(name: string, wanted: (s: { state: string; fault: string }) => boolean): Promise<{ state: string; fault: string }> {
    await expect.poll(async () => wanted(await stateOf(name)), { timeout: 60_000, interval: 50 }).toBe(true);
    return stateOf(name);
  }

  it('shows a pulled cable as a fault with its reason, and the device back once the port returns', async () => {
    const idle = await stateOf('stage');
    expect(idle).toEqual({ state: 'idle', fault: '' });
    const server = bench.servers.get('esp300');
    if (server === undefined) throw new Error('no ESP300 PTY');
    await server.unplug();
    const faulted = await until('stage', (s) => s.fault !== '');
    expect(faulted.fault).toMatch(/^stage: lost the connection: serial port .*esp300 was lost/);
    expect(faulted.state).toBe('faulted');
    expect((await stateOf('power_meter')).fault).toBe('');
    await server.plug();
    const back = await until('stage', (s) => s.fault === '');
    expect(back).toEqual(idle);
  });
});

describe('the daemon with an instrument that appears after it started', () => {
  const processes = new TestProcesses();
  let bench: SerialLab;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    const dir = await processes.labDir();
    bench = await startSerialLab(dir);
    processes.defer(() => bench.close());
    await bench.servers.get('pm1830c')?.unplug();
    await writeFile(join(dir, 'lab.toml'), `[devices.power_meter]\ndriver = "newport-1830c"\nport = "${dir}/pm1830c"\n`);
    daemon = await startDaemonProcess(processes, dir);
  }, 120_000);
  afterAll(() => processes.cleanup());

  it('lists it faulted with the reason while it is tried again, and idle once it is plugged in', async () => {
    const list = async (): Promise<{ state: string; fault: string }> => {
      const { devices } = await daemon.client().call(HardwareService.method.listDevices, {});
      return { state: devices[0]?.state ?? '', fault: devices[0]?.fault ?? '' };
    };
    const missing = await list();
    expect(missing.state).toBe('faulted');
    expect(missing.fault).toMatch(/^power_meter: failed to connect: cannot open serial port .*pm1830c.*; trying again in [\d.]+ s \(failed attempts: \d+\)$/);
    await bench.servers.get('pm1830c')?.plug();
    await expect.poll(list, { timeout: 60_000, interval: 50 }).toEqual({ state: 'idle', fault: '' });
  });
});
