/** `daq rings [--dir DIR] [--remove-stale] [--json]`: the ring files in /dev/shm, which are stale, and removing those. */
import type { Command } from 'commander';
import { removeStaleRings, type RingStatus, ringStatuses, sharedMemoryDir } from '../../data/index.js';
import { exitHelp, formatTable, printJson } from '../output.js';

interface RingsOptions {
  dir: string;
  removeStale?: boolean;
  json?: boolean;
}

/** Registers `daq rings` on `program`. */
export function registerRings(program: Command): void {
  program
    .command('rings')
    .description('the ring buffers in shared memory: size, writer, data directory, and which are stale (no daemon needed)')
    .option('--dir <folder>', 'where to look', sharedMemoryDir())
    .option('--remove-stale', 'remove the stale rings (never one in use or one a daemon will recover runs from)')
    .option('--json', 'print one JSON object: {rings: [{path, sizeBytes, writerPid, writerAlive, closed, createdS, owner, verdict, reason}], removed: [paths]}')
    .addHelpText(
      'after',
      exitHelp(
        { 0: 'listed (also when there is nothing to remove)', 1: 'the folder cannot be read or a ring cannot be removed', 2: 'bad arguments' },
        `A ring is stale when its writer closed it with every run written, when its writer died and its
data directory is gone or has nothing left to recover, or when it records no data directory.
"kept" rings hold runs a daemon recovers when it starts on their data directory again.`,
      ),
    )
    .action((options: RingsOptions) => {
      const removed = options.removeStale === true ? removeStaleRings(options.dir) : [];
      const rings = ringStatuses(options.dir);
      if (options.json === true) return printJson({ rings: rings.map(jsonOf), removed: removed.map((r) => r.path) });
      for (const ring of removed) process.stdout.write(`removed ${ring.path} (${mib(ring.sizeBytes)}): ${ring.reason}\n`);
      if (rings.length === 0) {
        process.stdout.write(`no ring files in ${options.dir}\n`);
        return;
      }
      const rows = rings.map((r) => [r.path, mib(r.sizeBytes), r.writerPid === 0 ? '' : String(r.writerPid), writerState(r), r.owner, r.verdict, r.reason]);
      process.stdout.write(`${formatTable(['RING', 'SIZE', 'PID', 'WRITER', 'DATA DIRECTORY', 'VERDICT', 'WHY'], rows)}\n`);
      const stale = rings.filter((r) => r.verdict === 'stale');
      if (stale.length > 0 && options.removeStale !== true) {
        process.stdout.write(`\n${stale.length} stale (${mib(stale.reduce((sum, r) => sum + r.sizeBytes, 0))} of RAM): remove with \`daq rings --remove-stale${options.dir === sharedMemoryDir() ? '' : ` --dir ${options.dir}`}\`\n`);
      }
    });
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

function writerState(ring: RingStatus): string {
  if (ring.problem !== '') return '';
  if (ring.writerAlive && !ring.closed) return 'alive';
  return ring.closed ? 'closed' : 'dead';
}

function jsonOf(ring: RingStatus): Record<string, unknown> {
  const { path, sizeBytes, writerPid, writerAlive, closed, createdS, owner, verdict, reason } = ring;
  return { path, sizeBytes, writerPid, writerAlive, closed, createdS, owner, verdict, reason };
}
