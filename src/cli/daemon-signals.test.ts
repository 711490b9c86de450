/**
 * Every way the docs start the daemon passes SIGTERM on to it: `npx daq daemon`, `daq daemon`
 * from `make install`, and `node dist/src/cli/main.js daemon`. The signal goes to the process the
 * user started (the launcher); the daemon must stop cleanly ("stopped" is the last line of its
 * log) and leave no process behind. Real processes; every wait is on an event (exit, pipe close).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const DAQ = join(ROOT, 'dist/src/cli/main.js');

/** The pids of every descendant of `pid` (from /proc/PID/task/PID/children). */
function descendants(pid: number): number[] {
  let children: number[];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

/** The command line of `pid`, words joined by spaces ('' once it has ended). */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** Whether `pid` still runs (a zombie waiting to be reaped by init counts as gone). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

interface Launched {
  launcher: ChildProcess;
  /** Resolves when every process holding the launcher's stdout and stderr has exited. */
  pipesClosed: Promise<void>;
  log: () => string;
  address: Promise<string>;
}

function launch(command: string, args: readonly string[]): Launched {
  const launcher = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  launcher.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const address = new Promise<string>((resolve, reject) => {
    launcher.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /daq daemon listening on (\S+)\n/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    launcher.once('exit', (code) => reject(new Error(`${command} exited ${String(code)} before the daemon listened:\n${err}`)));
  });
  const pipesClosed = Promise.all([once(launcher.stdout as NodeJS.EventEmitter, 'close'), once(launcher.stderr as NodeJS.EventEmitter, 'close')]).then(() => undefined);
  return { launcher, pipesClosed, log: () => err, address };
}

describe('SIGTERM to whatever started the daemon stops the daemon cleanly', () => {
  let dir: string;
  beforeAll(async () => {
    if (!existsSync(DAQ)) throw new Error(`${DAQ} is missing: run \`make build\` first`);
    dir = await mkdtemp(join(tmpdir(), 'daq-signals-'));
  });
  /** Every daemon process a test started: whatever a failed test left running is killed. */
  const startedPids = new Set<number>();
  afterAll(async () => {
    for (const p of [...startedPids].filter(running)) process.kill(p, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  const daemonArgs = (name: string): string[] => ['daemon', '--config', 'examples/lab.toml', '--listen', '127.0.0.1:0', '--data-dir', join(dir, name), '--no-ring'];

  /** Starts, waits until it listens, SIGTERMs the launcher, waits for every process to end. */
  async function stopThroughLauncher(command: string, args: readonly string[]): Promise<{ launcherExit: { code: number | null; signal: NodeJS.Signals | null }; daemons: number[]; log: string }> {
    const started = launch(command, args);
    const exited = once(started.launcher, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      await started.address;
    } catch (error) {
      started.launcher.kill('SIGKILL');
      throw error;
    }
    const pid = started.launcher.pid as number;
    const daemons = [pid, ...descendants(pid)].filter((p) => commandLine(p).includes('daemon'));
    for (const p of daemons) startedPids.add(p);
    started.launcher.kill('SIGTERM');
    const [code, signal] = await exited;
    // A budget far above need (the clean stop takes a second or two); past it the test fails and
    // kills what is left rather than waiting for the test's own timeout.
    let budget: NodeJS.Timeout | undefined;
    const overdue = new Promise<'overdue'>((resolve) => (budget = setTimeout(() => resolve('overdue'), 90_000)));
    const outcome = await Promise.race([started.pipesClosed, overdue]);
    clearTimeout(budget);
    if (outcome === 'overdue') {
      const left = daemons.filter(running).map((p) => ({ pid: p, command: commandLine(p) }));
      for (const { pid: p } of left) process.kill(p, 'SIGKILL');
      throw new Error(`still running 90 s after SIGTERM to ${command}: ${left.map((p) => `${p.pid} (${p.command})`).join(', ')}; log:\n${started.log()}`);
    }
    return { launcherExit: { code, signal }, daemons, log: started.log() };
  }

  it('npx daq daemon: the daemon (a grandchild of npx) stops with it', { timeout: 180_000 }, async () => {
    const result = await stopThroughLauncher('npx', ['daq', ...daemonArgs('npx')]);
    expect(result.daemons.length, 'npx, its shell and the daemon').toBeGreaterThanOrEqual(2);
    expect(result.log.trimEnd().split('\n').at(-1), result.log).toBe('stopped');
    expect(result.daemons.filter(running)).toEqual([]);
  });

  it('daq daemon from make install: exit 0 after a clean stop', { timeout: 180_000 }, async () => {
    const prefix = join(dir, 'prefix');
    await new Promise<void>((resolve, reject) =>
      execFile('make', ['-s', 'install', `PREFIX=${prefix}`], { cwd: ROOT }, (error, _out, err) => (error === null ? resolve() : reject(new Error(`make install failed: ${err}`)))),
    );
    const result = await stopThroughLauncher(join(prefix, 'bin/daq'), daemonArgs('installed'));
    expect(result.launcherExit, result.log).toEqual({ code: 0, signal: null });
    expect(result.log.trimEnd().split('\n').at(-1), result.log).toBe('stopped');
    expect(result.daemons.filter(running)).toEqual([]);
  });

  it('node dist/src/cli/main.js daemon: exit 0 after a clean stop', { timeout: 120_000 }, async () => {
    const result = await stopThroughLauncher('node', [DAQ, ...daemonArgs('node')]);
    expect(result.launcherExit, result.log).toEqual({ code: 0, signal: null });
    expect(result.log.trimEnd().split('\n').at(-1), result.log).toBe('stopped');
  });
});
