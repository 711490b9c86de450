/**
 * A pair of connected pseudo-terminals made by `socat`: what a driver opens looks like a serial
 * port, and the simulator holds the other end. Killing socat is pulling the cable: both ends
 * vanish, and the driver's port closes with an error. Needs `socat` (Debian: apt-get install socat).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, rm } from 'node:fs/promises';
import { DaqError } from '../../core/index.js';

/** A running PTY pair. */
export interface PtyPair {
  /** The path a driver opens (a symlink to /dev/pts/N). */
  readonly devicePath: string;
  /** The path the simulator opens. */
  readonly simulatorPath: string;
  /** Kills socat (both ends vanish); resolves when it has exited. Safe to repeat. */
  close(): Promise<void>;
}

/**
 * Starts `socat` with two raw PTYs linked at `devicePath` and `simulatorPath`; resolves once
 * both links exist. Rejects `unavailable` (with the install hint) when socat is missing.
 */
export async function createPtyPair(devicePath: string, simulatorPath: string): Promise<PtyPair> {
  await rm(devicePath, { force: true });
  await rm(simulatorPath, { force: true });
  const child = spawn('socat', [`pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${simulatorPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(new DaqError('unavailable', `cannot start socat for a simulated serial port (${error.message}); install it: apt-get install socat`)),
    );
    void exited.then(() => reject(new DaqError('unavailable', `socat exited before making the PTYs: ${stderr.trim()}`)));
  });
  failed.catch(() => undefined);
  await Promise.race([waitForPaths([devicePath, simulatorPath]), failed]);
  return {
    devicePath,
    simulatorPath,
    close: () => kill(child, exited),
  };
}

async function waitForPaths(paths: string[]): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const present = await Promise.all(paths.map((p) => access(p).then(() => true, () => false)));
    if (present.every(Boolean)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new DaqError('unavailable', `socat did not make ${paths.join(' and ')} within 2.5 s`);
}

async function kill(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await exited;
}
