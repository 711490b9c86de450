/**
 * `daq run SCRIPT --config LAB.toml`: runs an experiment script in this process against the
 * lab, showing recorded values, the log and progress. Ctrl-C once pauses and asks what to do;
 * twice aborts (devices the run used go to their safe state).
 */
import { readFile, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { type Clock, createSystemClock, DaqError, formatDuration, formatErrorTree, VirtualClock } from '../../core/index.js';
import { Lab } from '../../devices/index.js';
import { DRIVERS } from '../../drivers/index.js';
import { type CatalogEntry, createDocumentSink, RingWriter, RunStorage, sharedMemoryDir } from '../../data/index.js';
import { type ParamValue, type Run, RunEngine, type RunStop, withPreset } from '../../engine/index.js';
import { PresetStore } from '../../data/preset-store.js';
import type { ScriptLimits } from '../../scripting/index.js';
import { checkScript, labDeclarations, RunChecker } from '../../scripting/types/index.js';
import { passedOnDisk } from '../passed-checks.js';
import { printJson, RUN_EXIT } from '../output.js';
import { remoteAddress, type RemoteOptions } from '../remote.js';
import { askKey } from '../key-prompt.js';
import { RunDisplay } from '../run-display.js';
import { runRemote } from './run-remote.js';

interface RunOptions extends RemoteOptions {
  config?: string;
  /** Queue the run for this daemon of the lab (a daemon in a cluster). */
  on?: string;
  param: Record<string, ParamValue>;
  meta: Record<string, ParamValue>;
  timeout?: number;
  maxOps?: number;
  maxMemory?: number;
  json?: boolean;
  simTime?: boolean;
  dataDir?: string;
  /** False with `--no-save`: keep nothing on disk. */
  save: boolean;
  /** False with `--no-check`: run without the type check. */
  check: boolean;
  preset?: string;
  openShutters?: boolean;
  enableEmission?: boolean;
}

/** Where `daq run --config` stores runs without `--data-dir`: the daemon's default data directory too (relative to the working directory). */
export const DEFAULT_DATA_DIR = 'daq-data';

export { RUN_EXIT } from '../output.js';

/** Parses `k=v` into a map; numbers and true/false become numbers and booleans. */
export function collectKeyValue(text: string, previous: Record<string, ParamValue>): Record<string, ParamValue> {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new DaqError('invalid_argument', `expected key=value, got "${text}"`);
  const key = text.slice(0, eq);
  const raw = text.slice(eq + 1);
  const value: ParamValue = raw === 'true' ? true : raw === 'false' ? false : raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  return { ...previous, [key]: value };
}

/** Registers the command on `program`. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run an experiment script (.js or .ts) against a lab')
    .argument('<script>', 'the script file')
    .option('-c, --config <file>', 'lab config (TOML): run in this process')
    .option('-r, --remote <host:port>', 'run on a daemon instead (default: $DAQ_REMOTE)')
    .option('--token <token>', 'bearer token for a daemon with auth (default: $DAQ_TOKEN)')
    .option('-p, --param <key=value>', 'a parameter the script reads as params.key (repeatable)', collectKeyValue, {})
    .option('-m, --meta <key=value>', 'metadata stored with the run, such as sample=Si-12 (repeatable)', collectKeyValue, {})
    .option('--timeout <seconds>', 'wall-time limit of the script', Number)
    .option('--max-ops <n>', 'operation budget of the script (interrupt ticks)', Number)
    .option('--max-memory <MB>', 'memory limit of the script', Number)
    .option('--json', 'print only the run summary, as one JSON object')
    .option('--data-dir <dir>', `with --config: write the run's HDF5 file and catalog entry here, as a daemon does (default: ./${DEFAULT_DATA_DIR}, the daemon's default)`)
    .option('--no-save', 'with --config: keep nothing on disk (no HDF5 file, no catalog entry)')
    .option('--no-check', 'run without the type check against the lab (by default a script with type problems, as daq check reports them, is refused before any device is touched)')
    .option('--preset <name>', 'start from a saved preset: the devices are set to it before the script (daq preset save NAME); its name is in the run\'s metadata')
    .option('--open-shutters', 'with --preset: open the shutters the preset has open (default: left closed)')
    .option('--enable-emission', 'with --preset: turn on the emission the preset has on (default: left off)')
    .option('--on <daemon>', 'with --remote, to a daemon in a cluster: queue the run in the lab queue for this daemon of the lab (it waits there while that daemon is down), print it and return')
    .option('--sim-time', 'run in simulated time, as fast as the computer allows (labs of simulated devices only): a dry run that tells how long the experiment takes')
    .addHelpText(
      'after',
      '\nThe script is type-checked against the lab first, as daq check does: one with type problems is refused before any device is touched (--no-check skips the check).\nWith --config: Ctrl-C once pauses the run and asks (press r to resume, a to abort); twice aborts it safely.\nWith --remote: the daemon queues the run (it says the position when others are ahead); Ctrl-C asks:\npress d to detach (the run goes on; daq follow re-attaches), s to stop it, c to keep watching.\nWithout a terminal, Ctrl-C aborts a local run and detaches from a remote one.\nExit status: 0 success (or detached), 1 the run failed, 2 bad input, 3 aborted.\n',
    )
    .action(async (script: string, options: RunOptions) => {
      const source = await readScript(script);
      if (options.config !== undefined && options.remote !== undefined) {
        throw new DaqError('invalid_argument', 'give either --config (run here) or --remote (run on a daemon), not both');
      }
      const remote = options.config === undefined ? remoteAddress(options) : undefined;
      if (remote !== undefined) {
        if (!options.save || options.dataDir !== undefined) {
          throw new DaqError('invalid_argument', '--data-dir and --no-save are for runs in this process (--config); a daemon saves every run in its own data directory');
        }
        const request = { script, source, params: options.param, meta: options.meta, limits: limitsOf(options), json: options.json === true, skipCheck: !options.check, ...presetOf(options), ...(options.on === undefined ? {} : { on: options.on }) };
        process.exitCode = await runRemote(request, { ...options, remote }, RUN_EXIT);
        return;
      }
      if (options.on !== undefined) throw new DaqError('invalid_argument', '--on DAEMON queues the run in a cluster\'s lab queue: give --remote HOST:PORT of a daemon of that lab');
      const config = options.config;
      if (config === undefined) throw new DaqError('invalid_argument', 'daq run needs --config LAB.toml (run here) or --remote HOST:PORT (run on a daemon)');
      // Before the lab connects: an unknown preset is bad input, said at once.
      const presetOptions = presetOf(options).preset;
      const preset = presetOptions === undefined ? undefined : await new PresetStore(options.dataDir ?? DEFAULT_DATA_DIR).get(presetOptions.name);
      const clock: Clock = options.simTime ? new VirtualClock({ startS: Date.now() / 1000 }) : createSystemClock();
      const lab = await Lab.load(config, DRIVERS, clock);
      const real = lab.devices().filter((d) => !d.driver.startsWith('sim-'));
      if (options.simTime && real.length > 0) {
        throw new DaqError('invalid_argument', `--sim-time needs a lab of simulated devices; ${real.map((d) => `${d.name} (${d.driver})`).join(', ')} would run in real time`);
      }
      // The devices are created, not connected: nothing is touched before the script passes.
      if (options.check) {
        const declarations = labDeclarations(lab);
        await new RunChecker((name, text) => checkScript(text, name, declarations), () => declarations, config, passedOnDisk()).check(script, source);
      }
      const report = await lab.connect();
      if (report.failures !== undefined) process.stderr.write(`daq: ${formatErrorTree(report.failures)}\n(the run goes on; calls to those devices will fail)\n`);
      // scan_id counts on from the data directory's catalog (`storage` is opened just below, before the run starts).
      const engine: RunEngine = new RunEngine(lab, clock, { nextScanId: (): number => storage?.nextScanId() ?? 1 });
      const display = new RunDisplay(process.stdout, { interactive: process.stdout.isTTY === true && !options.json, label: basename(script) });
      if (!options.json) {
        engine.onDocument(({ document }) => display.document(document));
        engine.onLog((entry) => display.log(entry));
        engine.onRunChange((run) => {
          if (run.progress !== undefined) display.progress({ ...run.progress, elapsedS: clock.now() - (run.startTimeS ?? clock.now()) });
        });
      } else {
        engine.onLog((entry) => process.stderr.write(`${entry.message}\n`));
      }
      if (!options.save && options.dataDir !== undefined) throw new DaqError('invalid_argument', 'give either --data-dir DIR (save the run there) or --no-save, not both');
      const storage = options.save ? await localStorage(options.dataDir ?? DEFAULT_DATA_DIR, engine, lab) : undefined;
      const request = { scriptName: script, source, params: options.param, metadata: options.meta, limits: limitsOf(options) };
      const run = engine.submit(preset === undefined ? request : withPreset(request, lab, preset, presetOptions));
      const detach = handleInterrupts(run, display);
      const stop = await run.done;
      detach();
      display.finish();
      await storage?.close();
      await lab.disconnect();
      printSummary(run, stop, options.json === true, storage === undefined ? undefined : { dataDir: storage.dataDir, entry: storage.stored(run.uid) });
      process.exitCode = RUN_EXIT[stop.exitStatus];
    });
}

async function readScript(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    throw new DaqError('not_found', `cannot read script ${file}: no such file`);
  }
}

/** `--preset NAME` and its switches, as a remote run sends them. */
function presetOf(options: RunOptions): { preset?: { name: string; openShutters: boolean; enableEmission: boolean } } {
  if (options.preset === undefined) {
    if (options.openShutters || options.enableEmission) throw new DaqError('invalid_argument', '--open-shutters and --enable-emission go with --preset NAME');
    return {};
  }
  return { preset: { name: options.preset, openShutters: options.openShutters === true, enableEmission: options.enableEmission === true } };
}

function limitsOf(options: RunOptions): Partial<ScriptLimits> {
  return {
    ...(options.timeout === undefined ? {} : { wallTimeS: options.timeout }),
    ...(options.maxOps === undefined ? {} : { maxOperations: options.maxOps }),
    ...(options.maxMemory === undefined ? {} : { maxMemoryMb: options.maxMemory }),
  };
}

/** A private ring and run storage for a saved local run; `close` writes the file and removes the ring. */
async function localStorage(
  dataDir: string,
  engine: RunEngine,
  lab: Lab,
): Promise<{ dataDir: string; close(): Promise<void>; stored(uid: string): CatalogEntry | undefined; nextScanId(): number }> {
  let storage: RunStorage;
  try {
    storage = await RunStorage.open({ dataDir: resolve(dataDir), log: (level, message) => process.stderr.write(`${level}: ${message}\n`) });
  } catch (error) {
    const e = DaqError.from(error);
    throw new DaqError(e.code, `cannot save the run in ${dataDir}: ${e.message} (give daq run another --data-dir, or --no-save)`, { cause: e });
  }
  const ring = RingWriter.create({ path: join(sharedMemoryDir(), `ts-daq-run-${process.pid}.ring`), capacityBytes: 256 * 2 ** 20 });
  createDocumentSink(ring, { clock: engine.clock }).attach(engine);
  storage.follow(ring.path);
  storage.attach(engine, lab);
  return {
    dataDir,
    close: async () => {
      await storage.close();
      ring.close();
      await rm(ring.path, { force: true });
    },
    stored: (uid) => storage.run(uid),
    nextScanId: () => storage.nextScanId(),
  };
}

function printSummary(run: Run, stop: RunStop, json: boolean, saved?: { dataDir: string; entry: CatalogEntry | undefined }): void {
  const stored = saved?.entry;
  const summary = {
    uid: run.uid,
    script: run.request.scriptName,
    state: 'finished',
    exitStatus: stop.exitStatus,
    reason: stop.reason,
    numEvents: stop.numEvents,
    durationS: stop.timeS - (run.startTimeS ?? stop.timeS),
    startedBy: 'local',
    startedByRole: '',
    params: run.request.params ?? {},
    metadata: run.request.metadata ?? {},
    file: stored?.file ?? null,
    fileSizeBytes: stored?.fileSizeBytes ?? 0,
    eventsLost: stored?.eventsLost ?? 0,
    storageError: stored?.storageError ?? '',
    fileFinished: stored?.fileFinished ?? false,
  };
  if (json) return printJson(summary);
  const events = Object.entries(stop.numEvents).map(([s, n]) => `${n} in ${s}`).join(', ') || 'no events';
  process.stdout.write(`\nrun ${run.uid}: ${stop.exitStatus} after ${formatDuration(summary.durationS)} (${events})\n`);
  if (stored !== undefined) {
    const problems = `${stored.eventsLost > 0 ? ` (${stored.eventsLost} events lost)` : ''}${stored.storageError ? ` NOT WRITTEN: ${stored.storageError}` : ''}`;
    process.stdout.write(`file: ${stored.file}${problems} (data directory ${saved?.dataDir}: daq runs --data-dir ${saved?.dataDir})\n`);
  } else if (saved === undefined) process.stdout.write('not saved (--no-save)\n');
  if (stop.exitStatus !== 'success') process.stderr.write(`daq: run ${stop.exitStatus}: ${stop.reason}\n`);
}

/** Ctrl-C once: pause and ask (on a terminal; one key) or abort (otherwise); twice: abort. */
function handleInterrupts(run: Run, display: RunDisplay): () => void {
  const answered = new AbortController();
  let asking = false;
  // On a terminal, above the footer; otherwise on stderr (stdout may be JSON for a program).
  const say = (text: string): void => (process.stdout.isTTY ? display.note(text) : void process.stderr.write(`\n${text}\n`));
  const abort = (reason: string): void => {
    say('daq: aborting the run; devices it used go to their safe state');
    run.abort(reason);
  };
  const onSigint = (): void => {
    if (asking || !process.stdin.isTTY || !process.stdout.isTTY || (run.state !== 'running' && run.state !== 'suspended')) return abort('interrupted (Ctrl-C)');
    asking = true;
    run.pause();
    const question = 'Paused. Press r to resume, a to abort (devices go to their safe state): ';
    void askKey(display, question, ['r', 'a'], answered.signal).then((key) => {
      asking = false;
      if (key === 'a' || key === 'interrupt') abort('aborted by the user');
      else if (key === 'r' && run.state === 'paused') {
        say('resumed');
        run.resume();
      }
    });
  };
  process.on('SIGINT', onSigint);
  return () => {
    answered.abort();
    process.off('SIGINT', onSigint);
  };
}
