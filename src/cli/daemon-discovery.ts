/**
 * Daemons announce themselves to the programs of the same user on this machine (the desktop app,
 * `daq daemons`): each running `daq daemon` keeps a small JSON file, `<pid>.json`, in a per-user
 * directory, written once it listens and removed when it stops cleanly. A daemon killed hard
 * leaves its file behind: readers skip files whose process is gone (and `daq daemons` says so).
 * The directory: $DAQ_DAEMONS_DIR, else $XDG_RUNTIME_DIR/ts-daq/daemons, else
 * $XDG_STATE_HOME (default ~/.local/state)/ts-daq/daemons. desktop/src-tauri/src/lib.rs reads the
 * same files by the same rule.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What a daemon's file says. */
export interface DaemonAnnouncement {
  pid: number;
  /** The gRPC address (`daq status --remote`), host:port. */
  grpc: string;
  /** The dashboard's URL (http:// or https://), null without --http-listen. */
  http: string | null;
  /** The lab's name (`[lab] name`). */
  lab: string;
  version: string;
  /** Whether it needs a token. */
  auth: boolean;
  dataDir: string;
  config: string;
  /** ISO 8601 UTC. */
  started: string;
}

/** A file read back, with whether its daemon still runs. */
export interface FoundDaemon extends DaemonAnnouncement {
  file: string;
  alive: boolean;
}

/** The directory of the announcement files (see the module comment). */
export function daemonsDir(env: NodeJS.ProcessEnv = process.env): string {
  const set = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const own = set('DAQ_DAEMONS_DIR');
  if (own !== undefined) return own;
  const runtime = set('XDG_RUNTIME_DIR');
  if (runtime !== undefined) return join(runtime, 'ts-daq', 'daemons');
  return join(set('XDG_STATE_HOME') ?? join(homedir(), '.local', 'state'), 'ts-daq', 'daemons');
}

/** A URL a client on this machine can open for a listening address (0.0.0.0 means loopback here). */
export function localUrl(scheme: 'http' | 'https', address: string): string {
  return `${scheme}://${address.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:')}`;
}

/**
 * Writes this process's announcement (atomically: a reader never sees half a file); returns the
 * function that removes it. Failing to write is not fatal to a daemon: `warn` hears why.
 */
export function announceDaemon(announcement: Omit<DaemonAnnouncement, 'pid'>, warn: (message: string) => void, dir = daemonsDir()): () => void {
  const file = join(dir, `${process.pid}.json`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const stale of findDaemons(dir).filter((d) => !d.alive)) rmSync(stale.file, { force: true });
    const temp = `${file}.tmp`;
    writeFileSync(temp, `${JSON.stringify({ pid: process.pid, ...announcement }, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, file);
  } catch (error) {
    warn(`could not announce this daemon in ${dir} (the desktop app and \`daq daemons\` will not find it): ${(error as Error).message}`);
    return () => undefined;
  }
  return () => rmSync(file, { force: true });
}

/** Whether process `pid` runs (EPERM: it does, as another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The announcements in `dir`, oldest first; unreadable files are skipped. */
export function findDaemons(dir = daemonsDir()): FoundDaemon[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const found: FoundDaemon[] = [];
  for (const name of names) {
    const file = join(dir, name);
    try {
      const announcement = JSON.parse(readFileSync(file, 'utf8')) as DaemonAnnouncement;
      if (!Number.isInteger(announcement.pid)) continue;
      found.push({ ...announcement, file, alive: isAlive(announcement.pid) });
    } catch {
      continue; // being written or not ours
    }
  }
  return found.sort((a, b) => a.started.localeCompare(b.started));
}
