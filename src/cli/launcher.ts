/**
 * A daemon started through npm (`npx daq daemon`, `npm exec`, `npm run`) is a grandchild of
 * the process the user holds: npm starts `sh -c daq ...`, and the shell starts Node. A SIGTERM to
 * npm ends npm and the shell but never reaches the daemon, which would run on as an orphan that
 * still owns the instruments. Under npm the daemon therefore asks Linux to send it SIGTERM when its
 * parent (that shell) ends (prctl PR_SET_PDEATHSIG), and stops as cleanly as after a SIGTERM of its
 * own. Started directly (`daq` from `make install`, `node dist/src/cli/main.js`, systemd), the
 * signal reaches the daemon itself and nothing here applies: it keeps running when the shell that
 * started it goes away (nohup, `&`), as a daemon should.
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

const PR_SET_PDEATHSIG = 1;

/** The command line of a process (words joined by spaces), '' when unreadable. */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** The parent pid of a process, from /proc; undefined when unreadable. */
function parentOf(pid: number): number | undefined {
  try {
    const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when npm started this process through its shell: `npm_command` is `exec` (npx) or
 * `run-script`, the parent is `sh -c ...` and the grandparent is npm. The variable alone is not
 * enough: every process below an `npm test` inherits it.
 */
export function startedByNpm(env: NodeJS.ProcessEnv = process.env, parent: number = process.ppid): boolean {
  if (env['npm_command'] !== 'exec' && env['npm_command'] !== 'run-script') return false;
  if (!/^(\S*\/)?(sh|bash|dash) -c /.test(commandLine(parent))) return false;
  const grandparent = parentOf(parent);
  return grandparent !== undefined && /^npm( |$)/.test(commandLine(grandparent));
}

/**
 * Under npm on Linux: SIGTERM to this process when its parent process ends (and at once if it
 * already has). Returns whether the link was made; elsewhere it does nothing and returns false.
 */
export async function stopWithLauncher(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (process.platform !== 'linux' || !startedByNpm(env)) return false;
  const parent = process.ppid;
  try {
    const koffi = (await import('koffi')).default;
    const prctl = koffi.load('libc.so.6').func('int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)') as (...args: number[]) => number;
    if (prctl(PR_SET_PDEATHSIG, constants.signals.SIGTERM, 0, 0, 0) !== 0) return false;
  } catch {
    return false; // no koffi or no glibc: the daemon runs on as before
  }
  // The parent may have ended before the link was made: then no signal will come.
  if (process.ppid !== parent) process.kill(process.pid, 'SIGTERM');
  return true;
}
