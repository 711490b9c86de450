/**
 * scripts/with-cpu-hogs.sh (`make test-under-load`): the command runs with the hogs, its exit
 * status passes through, and the hogs are gone afterwards, whether the command fails, the script
 * is stopped with SIGTERM, or killed with SIGKILL (this file's leftover check would fail otherwise).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markedProcesses } from './leftover-processes.fixture.js';

const SCRIPT = join(import.meta.dirname, '../../scripts/with-cpu-hogs.sh');

/**
 * Runs the script with `HOGS=2`; `onStderr` may act on it as its stderr arrives. Resolves when its
 * output is complete, or at its exit with `atExit` (after SIGKILL the orphaned command holds the pipes).
 */
function withHogs(args: string[], onStderr?: (text: string, pid: number) => void, atExit = false): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(SCRIPT, args, { env: { ...process.env, HOGS: '2', HOG_NICE: '19' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      onStderr?.(stderr, child.pid ?? 0);
    });
    child.on(atExit ? 'exit' : 'close', (code: number | null, signal: NodeJS.Signals | null) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The hog processes (bash subshells of the script) still running. */
function hogs(): number[] {
  return markedProcesses(process.env['DAQ_TEST_FILE'] ?? '').filter((p) => p.command.includes('with-cpu-hogs.sh')).map((p) => p.pid);
}

describe('with-cpu-hogs.sh', () => {
  it('runs the command while the hogs spin, passes its exit status through, and stops them', async () => {
    const result = await withHogs(['sh', '-c', 'echo running; exit 3']);
    expect(result).toMatchObject({ code: 3, stdout: 'running\n' });
    expect(result.stderr).toMatch(/^with-cpu-hogs: 2 busy loop\(s\) on \d+ core\(s\) \(pids \d+ \d+\) while: sh -c echo running; exit 3\n/);
    expect(result.stderr).toContain("exited with 3; hogs stopped");
    expect(hogs()).toEqual([]);
  });

  it('stops the hogs when it is stopped with SIGTERM', async () => {
    let sent = false;
    const result = await withHogs(['sleep', '600'], (stderr, pid) => {
      if (sent || !stderr.includes('busy loop')) return;
      sent = true;
      process.kill(pid, 'SIGTERM');
    });
    expect(result.code).toBe(143); // the command's status: it got the SIGTERM too
    expect(result.stderr).toContain("'sleep 600' exited with 143; hogs stopped");
    expect(hogs()).toEqual([]);
  });

  it('leaves no hog behind when it is killed with SIGKILL', async () => {
    let started: number[] = [];
    const result = await withHogs(['sleep', '600'], (stderr, pid) => {
      const pids = /\(pids (\d+) (\d+)\)/.exec(stderr);
      if (pids === null || started.length > 0) return;
      started = [Number(pids[1]), Number(pids[2])];
      process.kill(pid, 'SIGKILL');
    }, true);
    expect(result.signal).toBe('SIGKILL');
    // The hogs notice within a few milliseconds that the script is gone; the orphaned `sleep 600` does not.
    await expect.poll(() => hogs().filter((pid) => started.includes(pid))).toEqual([]);
    for (const { pid, command } of markedProcesses(process.env['DAQ_TEST_FILE'] ?? '')) if (command === 'sleep 600') process.kill(pid, 'SIGKILL');
  });
});
