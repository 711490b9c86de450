/**
 * The command registry: its lines say what the command modules register, and `daq` loads only
 * the module of the command that runs (checked on the built CLI in a child process, with a
 * module-loading hook that records every file Node loads).
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, Help } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, commandNamed, registerCommands } from './registry.js';

const ROOT = join(import.meta.dirname, '../..');
const DAQ = join(ROOT, 'dist/src/cli/main.js');

function program(): Command {
  return new Command('daq').description('ts-daq: run laboratory instruments and experiments').exitOverride();
}

describe('the command registry', () => {
  it('lists exactly the commands the modules register, with their descriptions and help terms', { timeout: 120_000 }, async () => {
    const help = new Help();
    const registered = new Map<string, { summary: string; term: string }>();
    for (const load of new Set(COMMANDS.map((c) => c.load))) {
      const all = program();
      (await load())(all);
      for (const command of all.commands) {
        expect(registered.has(command.name()), `${command.name()} registered twice`).toBe(false);
        registered.set(command.name(), { summary: command.description(), term: help.subcommandTerm(command) });
        expect(COMMANDS.find((c) => c.name === command.name())?.load, `the line of ${command.name()} loads its module`).toBe(load);
      }
    }
    expect(Object.fromEntries(COMMANDS.map((c) => [c.name, { summary: c.summary, term: c.term }]))).toEqual(Object.fromEntries(registered));
  });

  it('gives `daq --help` the same text whether the commands are loaded or only listed', { timeout: 120_000 }, async () => {
    const listed = program();
    await registerCommands(listed, undefined);
    const loaded = program();
    for (const load of new Set(COMMANDS.map((c) => c.load))) (await load())(loaded);
    expect(listed.helpInformation()).toBe(loaded.helpInformation());
    expect(listed.helpInformation()).toContain('check [options] <script>');
  });

  it('loads the named command in full, the others as names only', async () => {
    const p = program();
    await registerCommands(p, 'sim-serial');
    expect(p.commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
    const byName = (name: string): Command | undefined => p.commands.find((c) => c.name() === name);
    expect(byName('sim-serial')?.options.map((o) => o.long)).toContain('--dir');
    expect(byName('ports')?.options.map((o) => o.long)).toContain('--json');
    expect(byName('status')?.options).toEqual([]);
  });

  it('finds the command on a command line', () => {
    expect(commandNamed(['status', '--remote', 'h:1'])).toBe('status');
    expect(commandNamed(['--help'])).toBeUndefined();
    expect(commandNamed([])).toBeUndefined();
    expect(commandNamed(['help', 'run'])).toBe('run');
    expect(commandNamed(['-h', 'devices'])).toBe('devices');
  });
});

describe('daq loads only what the command uses (built CLI)', () => {
  let dir: string;
  beforeAll(async () => {
    if (!existsSync(DAQ)) throw new Error(`${DAQ} is missing: run \`make build\` first`);
    dir = await mkdtemp(join(tmpdir(), 'daq-modules-'));
    await writeFile(
      join(dir, 'hooks.mjs'),
      "import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(process.env.DAQ_MODULE_LOG, url + '\\n'); return next(url, context); }\n",
    );
    await writeFile(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** The files (ESM) Node loads for `daq ARGS`, relative to the checkout. */
  async function modulesOf(name: string, ...args: string[]): Promise<{ modules: string[]; stdout: string }> {
    const log = join(dir, `${name}.log`);
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('node', ['--import', join(dir, 'register.mjs'), DAQ, ...args], { cwd: ROOT, env: { ...process.env, DAQ_MODULE_LOG: log, DAQ_REMOTE: '' } }, (error, out, err) => {
        if (error !== null && error.code !== 2) reject(new Error(`daq ${args.join(' ')} failed: ${err}`));
        else resolve(out);
      });
    });
    const root = pathToFileURL(ROOT).href + '/';
    const modules = (await readFile(log, 'utf8')).split('\n').filter((u) => u.startsWith(root)).map((u) => u.slice(root.length));
    return { modules, stdout };
  }

  /**
   * What --version and --help may load: the entry, the registry, output, version, the core (its
   * number formatting too) and
   * commander (as tsc's files, or the bundle's entry and shared chunks; `make build` bundles).
   */
  const STARTUP = /^(dist\/src\/cli\/(main|registry|output|version|main-chunk-[A-Z0-9]+)\.js|dist\/src\/core\/(format\/)?[a-z-]+\.js|node_modules\/commander\/.*)$/;
  /** Modules of commands (tsc's files or the bundle's chunks): their names. */
  const commandModules = (modules: string[]): string[] =>
    modules.map((m) => /^dist\/src\/cli\/commands\/([a-z-]+)\.js$/.exec(m)?.[1] ?? /^dist\/src\/cli\/main-([a-z-]+)-[A-Z0-9]+\.js$/.exec(m)?.[1]).filter((m): m is string => m !== undefined && m !== 'chunk');

  it('`daq --version` and `daq --help` load no command module, no protobuf, gRPC, Arrow or driver', { timeout: 60_000 }, async () => {
    const version = await modulesOf('version', '--version');
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = await modulesOf('help', '--help');
    expect(help.stdout).toContain('sim-serial');
    for (const { modules } of [version, help]) {
      expect(modules).toContain('dist/src/cli/main.js');
      expect(modules.filter((m) => !STARTUP.test(m))).toEqual([]);
      // Not the chunk with protobuf and gRPC either (it alone is 700 kB).
      const bytes = modules.reduce((sum, m) => sum + statSync(join(ROOT, m)).size, 0);
      expect(bytes).toBeLessThan(400_000);
    }
  });

  it('`daq status` loads its own module and the gRPC client, not Arrow, HDF5, scripts or drivers', { timeout: 60_000 }, async () => {
    const { modules, stdout } = await modulesOf('status', 'status', '--help');
    expect(stdout).toContain('Usage: daq status');
    expect(commandModules(modules)).toEqual(['status']);
    expect(modules.filter((m) => /apache-arrow|h5wasm|quickjs|zod|serialport|koffi|dist\/src\/(data|devices|drivers|engine|scripting|capabilities)\//.test(m))).toEqual([]);
  });

  it('`daq --help | head -1`: a reader that goes away ends daq quietly with status 0', { timeout: 60_000 }, async () => {
    const child = spawn('node', [DAQ, '--help'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // closed before daq writes a byte: its first write fails with EPIPE
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
