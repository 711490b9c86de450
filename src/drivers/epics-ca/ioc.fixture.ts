/**
 * A real Channel Access server for tests: the caproto IOC of `test_ioc.py` (caproto from
 * .venv, `make python`), on a free loopback port and only on loopback (EPICS_CAS_INTF_ADDR_LIST),
 * so test files can run in parallel and nothing is broadcast beyond 127.0.0.1. Ready when caproto
 * says its server started (read from its log, never a sleep). `kill()` then `start()` brings it
 * back on the same port, as an IOC restarted after a crash.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { cleanUpAfter } from '../../test-support/cleanup.fixture.js';
import { freePort } from '../../test-support/free-port.fixture.js';

const ROOT = join(import.meta.dirname, '../../..');
const PYTHON = join(ROOT, '.venv/bin/python');
const SCRIPT = join(import.meta.dirname, 'test_ioc.py');

/** A UDP port free on 127.0.0.1 (CA searches and the repeater are UDP). */
async function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** The test IOC: PVs `test:m1` (a motor record), `test:volt` (ao, V), `test:temp` (ai, degC). */
export class TestIoc {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  output = '';

  private constructor(
    /** EPICS_CA_SERVER_PORT: the IOC's TCP port and where clients send their UDP searches. */
    readonly serverPort: number,
    /** EPICS_CA_REPEATER_PORT of this test's clients and IOC (beacons). */
    readonly repeaterPort: number,
  ) {}

  /** Starts an IOC on free ports; stopped at the end of the test (or file) that started it. */
  static async start(): Promise<TestIoc> {
    let serverPort = await freePort();
    // The server port is TCP and UDP: take one free for both.
    for (let i = 0; i < 20; i++) {
      const udp = await freeUdpPort();
      if (udp === serverPort) break;
      serverPort = await freePort();
    }
    const ioc = new TestIoc(serverPort, await freeUdpPort());
    cleanUpAfter(() => ioc.kill());
    await ioc.start();
    return ioc;
  }

  /** The lab-config options that point an epics-ca device at this IOC. */
  get network(): { addr_list: string; server_port: number; repeater_port: number } {
    return { addr_list: '127.0.0.1', server_port: this.serverPort, repeater_port: this.repeaterPort };
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts (again) on the same port; resolves when the server is up. */
  async start(): Promise<void> {
    const env = {
      ...process.env,
      EPICS_CA_SERVER_PORT: String(this.serverPort),
      EPICS_CA_REPEATER_PORT: String(this.repeaterPort),
      EPICS_CAS_INTF_ADDR_LIST: '127.0.0.1',
      EPICS_CAS_BEACON_ADDR_LIST: '127.0.0.1',
      EPICS_CAS_AUTO_BEACON_ADDR_LIST: 'NO',
      PYTHONUNBUFFERED: '1',
    };
    const child = spawn(PYTHON, [SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.once('error', (error) => (this.output += `\nspawn failed: ${error.message} (run make python: caproto comes from clients/python/requirements-dev.txt)\n`));
    const from = this.output.length;
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        this.output += chunk.toString();
        if (this.output.slice(from).includes('Server startup complete')) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      void this.exited.then(() => reject(new Error(`the test IOC exited before it was ready:\n${this.output}`)));
    });
  }

  /** Kills the IOC at once (SIGKILL), as a crash; resolves when it is gone. */
  async kill(): Promise<void> {
    if (this.running) this.child?.kill('SIGKILL');
    await this.exited;
  }
}
