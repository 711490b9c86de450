/**
 * The subcommands of `daq`, and how each is loaded. `daq --help` and `daq --version` load none of
 * them: the help lists each command from its line here. A command's module (and the protobuf,
 * gRPC, Arrow, HDF5 or driver code it imports) is imported only when that command runs, so a
 * command costs the start-up of what it uses and nothing else. Adding a command: its module in
 * `commands/` exports a `registerX(program)`, and it gets a line here (registry.test.ts checks
 * that the lines match what the modules register).
 */
import { type Command, Help } from 'commander';

/** Adds one module's commands (with their options, help and action) to the program. */
export type RegisterCommands = (program: Command) => void;

/** One subcommand, as `daq --help` lists it before its module is loaded. */
export interface CommandEntry {
  /** The name typed after `daq`. */
  readonly name: string;
  /** How `daq --help` shows the command: name, `[options]` and its arguments. */
  readonly term: string;
  /** The one-line description (the command's `.description()`). */
  readonly summary: string;
  /** Imports the command's module; its register function may add several commands. */
  readonly load: () => Promise<RegisterCommands>;
  /** Other names of the command (`stop` for `abort`). */
  readonly aliases?: readonly string[];
}

const devices = async (): Promise<RegisterCommands> => (await import('./commands/devices.js')).registerDevices;
const drivers = async (): Promise<RegisterCommands> => (await import('./commands/drivers.js')).registerDrivers;
const run = async (): Promise<RegisterCommands> => (await import('./commands/run.js')).registerRun;
const types = async (): Promise<RegisterCommands> => (await import('./commands/types.js')).registerTypes;
const check = async (): Promise<RegisterCommands> => (await import('./commands/check.js')).registerCheck;
const daemon = async (): Promise<RegisterCommands> => (await import('./commands/daemon.js')).registerDaemon;
const daemons = async (): Promise<RegisterCommands> => (await import('./commands/daemons.js')).registerDaemons;
const status = async (): Promise<RegisterCommands> => (await import('./commands/status.js')).registerStatus;
const runs = async (): Promise<RegisterCommands> => (await import('./commands/runs.js')).registerRuns;
const tail = async (): Promise<RegisterCommands> => (await import('./commands/tail.js')).registerTail;
const exportRun = async (): Promise<RegisterCommands> => (await import('./commands/export.js')).registerExport;
const serial = async (): Promise<RegisterCommands> => (await import('./commands/serial.js')).registerSerial;
const follow = async (): Promise<RegisterCommands> => (await import('./commands/follow.js')).registerFollow;
const control = async (): Promise<RegisterCommands> => (await import('./commands/control.js')).registerControl;
const queue = async (): Promise<RegisterCommands> => (await import('./commands/queue.js')).registerQueue;
const preset = async (): Promise<RegisterCommands> => (await import('./commands/preset.js')).registerPreset;
const cluster = async (): Promise<RegisterCommands> => (await import('./commands/cluster.js')).registerCluster;
const rings = async (): Promise<RegisterCommands> => (await import('./commands/rings.js')).registerRings;

/** Every subcommand, in the order `daq --help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'devices', term: 'devices [options]', summary: 'connect the devices of a lab config and list them: driver, state, capabilities, and their values now (position, wavelength, temperature, ...) and settings', load: devices },
  { name: 'drivers', term: 'drivers [options]', summary: 'list the drivers a lab config can use, and their options', load: drivers },
  { name: 'run', term: 'run [options] <script>', summary: 'run an experiment script (.js or .ts) against a lab', load: run },
  { name: 'types', term: 'types [options]', summary: "print the TypeScript declarations of a lab's devices and script globals (for editors and daq check)", load: types },
  { name: 'check', term: 'check [options] <script>', summary: 'type-check an experiment script (.js or .ts) against the devices of a lab and the script globals', load: check },
  { name: 'daemon', term: 'daemon [options]', summary: 'run the daemon: own the lab, run the queue, serve the API (gRPC; Connect/gRPC-Web for browsers)', load: daemon },
  { name: 'daemons', term: 'daemons [options]', summary: 'the daemons running on this machine for this user: lab, gRPC and dashboard addresses, pid (no daemon needed)', load: daemons },
  { name: 'status', term: 'status [options]', summary: "a daemon's state: its lab, the current run, the queue, the devices", load: status },
  { name: 'runs', term: 'runs [options] [run]', summary: "the runs a daemon knows: finished, current and queued, oldest first; with --documents, one run's Bluesky documents", load: runs },
  { name: 'follow', term: 'follow [options] [run]', summary: 'show a run of a daemon live (re-attach), or replay one that has ended: its rows, log, progress and summary', load: follow },
  { name: 'pause', term: 'pause [options] [run]', summary: 'pause a run on a daemon (default: the current run); it holds at its next device call', load: control },
  { name: 'resume', term: 'resume [options] [run]', summary: 'let a paused run on a daemon go on (default: the current run)', load: control },
  { name: 'abort', term: 'abort|stop [options] [run]', summary: 'abort a run on a daemon (default: the current run): devices it used go to their safe state; a queued run is removed from the queue', load: control, aliases: ['stop'] },
  { name: 'preset', term: 'preset', summary: "save the devices' settings under a name, and set them back later: save, apply, list, show, delete", load: preset },
  { name: 'queue', term: 'queue [options]', summary: 'the runs waiting on a daemon, next first; subcommands change the queue', load: queue },
  { name: 'tail', term: 'tail [options] <stream>', summary: "print a recorded stream's rows as they arrive, from the shared-memory ring buffer", load: tail },
  { name: 'export', term: 'export [options] <run>', summary: "a finished run as a file: its HDF5 file, or one stream's events as CSV, an Arrow IPC file or Parquet", load: exportRun },
  { name: 'ports', term: 'ports [options]', summary: 'list the serial ports of this computer (for the `port` of a driver in a lab config)', load: serial },
  { name: 'sim-serial', term: 'sim-serial [options]', summary: 'serve simulated serial instruments (ESP300, MaiTai, 1830-C, ELL14 bus, SCPI) on PTYs, for examples/lab-serial.toml', load: serial },
  { name: 'cluster', term: 'cluster [options]', summary: 'the daemons of a lab cluster (NATS): their state, runs, queues and devices; stale and gone ones too', load: cluster },
  { name: 'rings', term: 'rings [options]', summary: 'the ring buffers in shared memory: size, writer, data directory, and which are stale (no daemon needed)', load: rings },
];

/**
 * The subcommand named on a command line (`process.argv.slice(2)`): the first word that is not
 * an option, or the one after `help`; undefined for `daq`, `daq --help`, `daq --version`.
 */
export function commandNamed(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * Adds every command to `program`: the one named `wanted` in full (its module imported), the
 * others as their name and summary only, which is all `daq --help` and Commander's "did you
 * mean" need. A command that is only listed never runs: the one a command line names is loaded.
 */
export async function registerCommands(program: Command, wanted: string | undefined, entries: readonly CommandEntry[] = COMMANDS): Promise<void> {
  const entry = entries.find((e) => e.name === wanted || (wanted !== undefined && e.aliases?.includes(wanted) === true));
  if (entry !== undefined) (await entry.load())(program);
  const present = new Set(program.commands.map((c) => c.name()));
  const listed = new Map<Command, string>();
  for (const e of entries) {
    if (present.has(e.name)) continue;
    const command = program.command(e.name).description(e.summary);
    for (const alias of e.aliases ?? []) command.alias(alias);
    listed.set(command, e.term);
  }
  const order = new Map(entries.map((e, i) => [e.name, i]));
  (program.commands as Command[]).sort((a, b) => (order.get(a.name()) ?? entries.length) - (order.get(b.name()) ?? entries.length));
  const help = new Help();
  program.configureHelp({ subcommandTerm: (command) => listed.get(command) ?? help.subcommandTerm(command) });
}
