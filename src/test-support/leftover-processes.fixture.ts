/**
 * Finding the processes a test file started and left running. Every test file gets a marker in
 * its environment (DAQ_TEST_FILE); every process it starts (daemons, socat, chromium, ...)
 * inherits it, and keeps it when its parent dies and it is re-parented to init. So the processes
 * still running with the marker after the file's tests are exactly its leftovers, orphans
 * included. Linux only (/proc); elsewhere nothing is found.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The environment variable that marks the processes of one test file: `<run id>:<file number>`. */
export const FILE_MARKER = 'DAQ_TEST_FILE';
/** The environment variable that holds the id of a whole `vitest` run (set by the global setup). */
export const RUN_MARKER = 'DAQ_TEST_RUN';

/** A process left behind. */
export interface Leftover {
  pid: number;
  /** Its command line, arguments separated by spaces. */
  command: string;
  /** The value of its {@link FILE_MARKER}. */
  marker: string;
}

/** Running processes (not zombies) whose {@link FILE_MARKER} is `marker`, or starts with `prefix` when `marker` ends with `*`. */
export function markedProcesses(marker: string): Leftover[] {
  const found: Leftover[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return found;
  }
  for (const name of pids) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0');
      const entry = env.find((e) => e.startsWith(`${FILE_MARKER}=`));
      if (entry === undefined) continue;
      const value = entry.slice(FILE_MARKER.length + 1);
      if (!(marker.endsWith('*') ? value.startsWith(marker.slice(0, -1)) : value === marker)) continue;
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue; // exited, not yet reaped
      const command = readFileSync(`/proc/${name}/cmdline`, 'latin1').split('\0').join(' ').trim();
      found.push({ pid, command, marker: value });
    } catch {
      // gone meanwhile, or another user's process
    }
  }
  return found;
}

/**
 * Waits (up to `graceS`: a process told to stop may take a while on a loaded machine) for the
 * processes marked `marker` to end; kills those still running with SIGKILL and returns them.
 */
export async function reapLeftovers(marker: string, graceS: number): Promise<Leftover[]> {
  const deadline = Date.now() + graceS * 1000;
  let left = markedProcesses(marker);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = markedProcesses(marker);
  }
  for (const leftover of left) {
    try {
      process.kill(leftover.pid, 'SIGKILL');
    } catch {
      // ended meanwhile
    }
  }
  return left;
}

/** The message for leftovers: which processes, and what to do about them. */
export function leftoverMessage(where: string, left: readonly Leftover[]): string {
  return `${where} left ${left.length} process${left.length === 1 ? '' : 'es'} running (now killed): ${left
    .map((l) => `${l.pid} (${l.command.slice(0, 160)})`)
    .join('; ')}. Stop every process a test starts in afterEach/afterAll or a finally block, also when the test fails.`;
}
