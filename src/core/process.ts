/** Processes of this machine. */

/**
 * True when a process with this pid exists (ours or another user's: `EPERM` means it exists but
 * we may not signal it). Used to tell a live owner of a file (a ring, a data directory) from a dead one.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
