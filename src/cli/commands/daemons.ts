/** `daq daemons [--json]`: the daemons running on this machine for this user (no daemon needed to ask). */
import type { Command } from 'commander';
import { daemonsDir, findDaemons, type FoundDaemon } from '../daemon-discovery.js';
import { exitHelp, formatTable, printJson } from '../output.js';

/** Registers `daq daemons` on `program`. */
export function registerDaemons(program: Command): void {
  program
    .command('daemons')
    .description('the daemons running on this machine for this user: lab, gRPC and dashboard addresses, pid (no daemon needed)')
    .option('--all', 'also the files of daemons that died without removing theirs')
    .option('--json', 'print one JSON object: {dir, daemons: [{pid, grpc, http, lab, version, auth, dataDir, config, started, alive}]}')
    .addHelpText(
      'after',
      exitHelp(
        { 0: 'listed (also when none runs)', 2: 'bad arguments' },
        `Each daemon keeps a file in ${daemonsDir()} while it runs
($DAQ_DAEMONS_DIR, else $XDG_RUNTIME_DIR/ts-daq/daemons, else ~/.local/state/ts-daq/daemons).`,
      ),
    )
    .action((options: { all?: boolean; json?: boolean }) => {
      const dir = daemonsDir();
      const daemons = findDaemons(dir).filter((d) => d.alive || options.all === true);
      if (options.json === true) return printJson({ dir, daemons: daemons.map(jsonOf) });
      if (daemons.length === 0) {
        process.stdout.write(`no daemons running (announcements in ${dir})\n`);
        return;
      }
      const rows = daemons.map((d) => [d.lab, d.grpc, d.http ?? '', String(d.pid), d.alive ? d.version : 'dead', d.auth ? 'yes' : 'no', d.started]);
      process.stdout.write(`${formatTable(['LAB', 'GRPC', 'DASHBOARD', 'PID', 'VERSION', 'TOKENS', 'STARTED'], rows)}\n`);
    });
}

function jsonOf(daemon: FoundDaemon): Record<string, unknown> {
  const { pid, grpc, http, lab, version, auth, dataDir, config, started, alive } = daemon;
  return { pid, grpc, http, lab, version, auth, dataDir, config, started, alive };
}
