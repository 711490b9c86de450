/**
 * Test helpers for drivers against their wire simulators: serve a simulator on a real PTY (or
 * TCP) in a temporary folder, and make conformance harnesses of a driver pointed at it. The
 * devices run on the system clock: the simulator answers in real time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { connectHarness, type Harness } from '../../conformance/index.js';
import { createSystemClock, DaqError, type Clock } from '../../core/index.js';
import type { Device, DeviceState, DriverDefinition } from '../../devices/index.js';
import { servePty, serveTcp, type LineSimulator, type PtySimulatorServer, type TcpSimulatorServer } from '../../transports/sim/index.js';

/** A folder for PTY links, removed after the file's tests. */
export function ptyFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'daq-pty-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Serves `simulator` on a PTY named `name` for the tests of this file (closed after them). */
export async function simulatorOnPty(simulator: LineSimulator, name: string, dir = ptyFolder()): Promise<PtySimulatorServer> {
  const server = await servePty(simulator, join(dir, name));
  afterAll(() => server.close());
  return server;
}

/** Serves `simulator` on TCP for the tests of this file. */
export async function simulatorOnTcp(simulator: LineSimulator): Promise<TcpSimulatorServer> {
  const server = await serveTcp(simulator);
  afterAll(() => server.close());
  return server;
}

/** Makes device `name` of `driver` with raw `options` (parsed by the driver's schema), on `clock`. */
export function makeDevice(driver: DriverDefinition, name: string, options: Record<string, unknown>, clock: Clock = createSystemClock(), others: Device[] = []): Device {
  const context = {
    clock,
    device: (wanted: string): Device => {
      const found = others.find((d) => d.name === wanted);
      if (found === undefined) throw new DaqError('not_found', `no device "${wanted}"`);
      return found;
    },
  };
  return driver.create(name, driver.options.parse(options), context);
}

/** A harness factory: a fresh device of `driver` with `options`, connected, on the system clock. */
export function wireHarness(driver: DriverDefinition, name: string, options: () => Record<string, unknown>): () => Promise<Harness> {
  return () => {
    const clock = createSystemClock();
    return connectHarness(clock, makeDevice(driver, name, options(), clock));
  };
}

/** Resolves the next time `device` enters `state` (a fault, a reconnect). */
export function untilState(device: Device, state: DeviceState): Promise<void> {
  return new Promise((resolve) => {
    const off = device.onStateChange((change) => {
      if (change.to === state) {
        off();
        resolve();
      }
    });
  });
}
