/**
 * `daq preset save|apply|list|show|delete`: named device configurations. With `--config LAB.toml`
 * the lab is connected in this process and presets are files in `--data-dir` (default ./daq-data,
 * the daemon's default); with `--remote` (or $DAQ_REMOTE) the daemon does it, with its presets in
 * its own data directory. `list`, `show` and `delete` need no lab: `--data-dir` alone is local.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { PresetService } from '../../api/gen/daq/v1/presets_pb.js';
import { appliedOfMessage, presetOfMessage } from '../../api/preset-convert.js';
import { createSystemClock, DaqError, formatErrorTree } from '../../core/index.js';
import { PresetStore } from '../../data/preset-store.js';
import { type AppliedPreset, appliedText } from '../../devices/preset-apply.js';
import { type Preset, presetValueText } from '../../devices/preset.js';
import { exitHelp, formatTable, printJson } from '../output.js';
import { connect, remoteAddress, type RemoteOptions } from '../remote.js';

/** Where presets are without --data-dir: daq run's and the daemon's default data directory (run.ts). */
const DEFAULT_DATA_DIR = 'daq-data';

interface PresetOptions extends RemoteOptions {
  config?: string;
  dataDir?: string;
  json?: boolean;
  devices?: string;
  note?: string;
  force?: boolean;
  openShutters?: boolean;
  enableEmission?: boolean;
  dryRun?: boolean;
}

const EXIT_HELP = { 0: 'done', 1: 'a device failed, a run holds the lab, or the daemon cannot be reached', 2: 'bad input: an unknown or invalid preset name, a value out of a device\'s range, a name already taken (without --force)' } as const;

/** Registers `daq preset` and its subcommands on `program`. */
export function registerPreset(program: Command): void {
  const preset = program
    .command('preset')
    .description("save the devices' settings under a name, and set them back later: save, apply, list, show, delete")
    .addHelpText('after', exitHelp(EXIT_HELP, `Local (--config LAB.toml, presets in --data-dir, default ./${DEFAULT_DATA_DIR}) or on a daemon (--remote HOST:PORT or $DAQ_REMOTE).\nA run can start from a preset: daq run SCRIPT --preset NAME.`));

  withPlace(preset.command('save').description("read the devices now and save their settings as NAME (positions, wavelength, exposure, ROI, voltage, setpoints, shutter and emission states, writable settings)"), true)
    .argument('<name>', 'the preset name: letters, digits, ".", "_" and "-"')
    .option('--devices <a,b>', 'only these devices (default: every connected device with something settable)')
    .option('--note <text>', 'a note kept with the preset')
    .option('--force', 'replace a preset of the same name')
    .addHelpText('after', exitHelp(EXIT_HELP))
    .action(async (name: string, options: PresetOptions) => save(name, options));

  withPlace(preset.command('apply').description('set the devices to preset NAME: every value is checked first (nothing is set unless all can be); then settings, values, moves; prints what changed'), true)
    .argument('<name>', 'the preset')
    .option('--open-shutters', 'open the shutters the preset has open (default: skipped, and said so)')
    .option('--enable-emission', 'turn on the emission the preset has on (default: skipped, and said so)')
    .option('--dry-run', 'check and print what would change; set nothing')
    .addHelpText('after', exitHelp(EXIT_HELP, 'Closing a shutter and turning emission off need no option. A daemon refuses while a run holds the lab.'))
    .action(async (name: string, options: PresetOptions) => apply(name, options));

  withPlace(preset.command('list').description('the stored presets: name, when and by whom saved, devices, note'), false)
    .addHelpText('after', exitHelp(EXIT_HELP))
    .action(async (options: PresetOptions) => list(options));

  withPlace(preset.command('show').description("a preset's devices and values, with units"), false)
    .argument('<name>', 'the preset')
    .addHelpText('after', exitHelp(EXIT_HELP))
    .action(async (name: string, options: PresetOptions) => show(name, options));

  withPlace(preset.command('delete').description('remove a stored preset'), false)
    .argument('<name>', 'the preset')
    .addHelpText('after', exitHelp(EXIT_HELP))
    .action(async (name: string, options: PresetOptions) => remove(name, options));
}

/** Where the presets are: `--config` (save, apply) or `--data-dir`, else `--remote`. */
function withPlace(command: Command, needsLab: boolean): Command {
  if (needsLab) command.option('-c, --config <file>', 'lab config (TOML): connect the devices in this process');
  return command
    .option('--data-dir <dir>', `the data directory whose presets/ holds the presets, in this process (default: ./${DEFAULT_DATA_DIR})`)
    .option('-r, --remote <host:port>', 'a daemon instead (default: $DAQ_REMOTE)')
    .option('--token <token>', 'bearer token for a daemon with auth (default: $DAQ_TOKEN)')
    .option('--json', 'print one JSON object');
}

/** The daemon to ask, or undefined to work in this process. */
function remoteOf(options: PresetOptions): string | undefined {
  if (options.config !== undefined || options.dataDir !== undefined) {
    if (options.remote !== undefined) throw new DaqError('invalid_argument', 'give either --config/--data-dir (in this process) or --remote (on a daemon), not both');
    return undefined;
  }
  return remoteAddress(options);
}

async function withClient<T>(options: PresetOptions, fn: (client: ReturnType<typeof connect>) => Promise<T>): Promise<T> {
  const client = connect(options);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** The lab of `--config`, connected; `disconnect` when done. */
async function localLab(options: PresetOptions, verb: string) {
  if (options.config === undefined) throw new DaqError('invalid_argument', `daq preset ${verb} needs --config LAB.toml (here) or --remote HOST:PORT (on a daemon)`);
  const { Lab } = await import('../../devices/index.js');
  const { DRIVERS } = await import('../../drivers/index.js');
  const lab = await Lab.load(options.config, DRIVERS, createSystemClock());
  const report = await lab.connect();
  if (report.failures !== undefined) process.stderr.write(`daq: ${formatErrorTree(report.failures)}\n`);
  return lab;
}

function store(options: PresetOptions): PresetStore {
  return new PresetStore(options.dataDir ?? DEFAULT_DATA_DIR);
}

async function save(name: string, options: PresetOptions): Promise<void> {
  const devices = options.devices === undefined ? [] : options.devices.split(',').map((d) => d.trim()).filter(Boolean);
  const note = options.note ?? '';
  const force = options.force === true;
  const remote = remoteOf(options);
  let saved: { preset: Preset; leftOut: string[] };
  if (remote !== undefined) {
    const reply = await withClient({ ...options, remote }, (c) => c.call(PresetService.method.savePreset, { name, devices, note, force }));
    saved = { preset: presetOfMessage(sent(reply.preset)), leftOut: reply.leftOut };
  } else {
    const { checkPresetName } = await import('../../data/preset-store.js');
    checkPresetName(name);
    const lab = await localLab(options, 'save');
    try {
      const { capturePreset } = await import('../../devices/preset.js');
      saved = await capturePreset(lab, { name, note, devices, savedBy: userInfo().username, nowS: Date.now() / 1000 });
      await store(options).save(saved.preset, force);
    } finally {
      await lab.disconnect();
    }
  }
  if (options.json) return printJson(saved);
  const fields = saved.preset.devices.reduce((n, d) => n + d.fields.length, 0);
  process.stdout.write(`saved preset ${name}: ${fields} values of ${saved.preset.devices.map((d) => d.device).join(', ')}\n`);
  for (const why of saved.leftOut) process.stdout.write(`  left out ${why}\n`);
}

async function apply(name: string, options: PresetOptions): Promise<void> {
  const settings = { openShutters: options.openShutters === true, enableEmission: options.enableEmission === true, dryRun: options.dryRun === true };
  const remote = remoteOf(options);
  let applied: AppliedPreset;
  if (remote !== undefined) {
    const reply = await withClient({ ...options, remote }, (c) => c.call(PresetService.method.applyPreset, { preset: { name, openShutters: settings.openShutters, enableEmission: settings.enableEmission }, dryRun: settings.dryRun }));
    applied = appliedOfMessage(name, reply);
  } else {
    const preset = await store(options).get(name);
    const lab = await localLab(options, 'apply');
    try {
      const { applyPreset } = await import('../../devices/preset-apply.js');
      applied = await applyPreset(lab, preset, settings);
    } finally {
      await lab.disconnect();
    }
  }
  if (options.json) return printJson(applied);
  process.stdout.write(`${appliedText(applied)}\n`);
}

async function presets(options: PresetOptions): Promise<{ presets: Preset[]; problems: string[] }> {
  const remote = remoteOf(options);
  if (remote === undefined) return store(options).list();
  const reply = await withClient({ ...options, remote }, (c) => c.call(PresetService.method.listPresets, {}));
  return { presets: reply.presets.map(presetOfMessage), problems: reply.problems };
}

async function list(options: PresetOptions): Promise<void> {
  const { presets: all, problems } = await presets(options);
  for (const problem of problems) process.stderr.write(`daq: cannot read ${problem}\n`);
  if (options.json) return printJson({ presets: all, problems });
  if (all.length === 0) return void process.stdout.write('no presets yet: daq preset save NAME\n');
  const rows = all.map((p) => [p.name, p.savedAt.replace('T', ' ').slice(0, 19), p.savedBy, p.devices.map((d) => d.device).join(', '), p.note]);
  process.stdout.write(`${formatTable(['NAME', 'SAVED (UTC)', 'BY', 'DEVICES', 'NOTE'], rows)}\n`);
}

async function show(name: string, options: PresetOptions): Promise<void> {
  const remote = remoteOf(options);
  const preset = remote === undefined ? await store(options).get(name) : presetOfMessage(sent((await withClient({ ...options, remote }, (c) => c.call(PresetService.method.getPreset, { name }))).preset));
  if (options.json) return printJson(preset);
  process.stdout.write(`preset ${preset.name}: saved ${preset.savedAt} by ${preset.savedBy} in lab "${preset.lab}"${preset.note === '' ? '' : `\nnote: ${preset.note}`}\n`);
  const rows = preset.devices.flatMap((d) => d.fields.map((f, i) => [i === 0 ? d.device : '', f.name, presetValueText(f.value, f.units)]));
  process.stdout.write(`${formatTable(['DEVICE', 'FIELD', 'VALUE'], rows)}\n`);
}

async function remove(name: string, options: PresetOptions): Promise<void> {
  const remote = remoteOf(options);
  if (remote === undefined) await store(options).delete(name);
  else await withClient({ ...options, remote }, (c) => c.call(PresetService.method.deletePreset, { name }));
  if (options.json) return printJson({ deleted: name });
  process.stdout.write(`deleted preset ${name}\n`);
}

/** A message the daemon must send. */
function sent<T>(message: T | undefined): T {
  if (message === undefined) throw new DaqError('internal', 'the daemon answered without the preset');
  return message;
}
