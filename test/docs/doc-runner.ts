/**
 * Runs the blocks of the docs as a reader would: in a checkout (a temporary directory whose
 * entries link to the repository's, except small ones the commands may write into, which are
 * copied; files the commands write land there and vanish after),
 * with `daq` on the PATH (the checkout's build, as `make install` gives it), `npx daq` as it is,
 * Python from the project's .venv, and a real daemon for the blocks that need one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DocBlock, DocCommand } from './doc-blocks.js';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/src/cli/main.js');
const PYTHON = join(ROOT, '.venv/bin/python');
/** Entries of the checkout that are never linked: data a previous run left, and git's own. */
const NOT_LINKED = new Set(['.git', 'daq-data', '.data', 'test-output', 'tmp']);
/** Entries copied rather than linked: commands read and may write there (`daq types --out examples/...`). */
const COPIED = new Set(['examples']);
/** What the docs write as the daemon's address. */
export const DOC_ADDRESS = '127.0.0.1:50051';

/** A checkout to run a doc's blocks in, and the environment they get. */
export interface DocView {
  dir: string;
  env: NodeJS.ProcessEnv;
  remove(): void;
}

/** A fresh checkout view: links to the repository's entries, a `daq` command on the PATH. */
export function createView(): DocView {
  for (const [path, fix] of [[CLI, 'make build'], [PYTHON, 'make python']] as const) {
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`${fix}\` first`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'daq-doc-test-'));
  for (const entry of readdirSync(ROOT)) {
    if (COPIED.has(entry)) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
    else if (!NOT_LINKED.has(entry)) symlinkSync(join(ROOT, entry), join(dir, entry));
  }
  const bin = join(dir, '.doc-test-bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'daq'), `#!/bin/sh\nexec node ${JSON.stringify(CLI)} "$@"\n`);
  chmodSync(join(bin, 'daq'), 0o755);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${join(ROOT, '.venv/bin')}:${process.env['PATH'] ?? ''}`, NO_COLOR: '1', COLUMNS: '200' };
  delete env['DAQ_REMOTE'];
  delete env['DAQ_TOKEN'];
  return { dir, env, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A daemon of examples/lab.toml started as the docs say (`daq daemon --config examples/lab.toml`), on a free port. */
export interface DocDaemon {
  address: string;
  stop(): Promise<number | null>;
}

/** Starts the daemon in `view` (data in its `daq-data`, the ring in the view), waiting for its listening line. */
export async function startDaemon(view: DocView): Promise<DocDaemon> {
  const child = spawn('node', [CLI, 'daemon', '--config', 'examples/lab.toml', '--listen', '127.0.0.1:0', '--ring', join(view.dir, '.doc-test.ring'), '--ring-size', '64'], {
    cwd: view.dir, env: view.env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const address = await new Promise<string>((resolvePromise, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (\S+)/.exec(stdout);
      if (match?.[1] !== undefined) resolvePromise(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`the doc test's daemon (daq daemon --config examples/lab.toml) exited ${code} before listening:\n${stdout}${stderr}`)));
  });
  return { address, stop: () => stopProcess(child) };
}

function stopProcess(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolvePromise) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(kill);
      resolvePromise(code);
    });
    child.kill('SIGTERM');
  });
}

/** What one command did. */
export interface CommandResult {
  command: DocCommand;
  status: number | undefined;
  output: string;
}

/**
 * Runs `commands` (already substituted) one after another in one bash, so `export` carries over,
 * each with stdin closed and stderr joined to stdout. Background jobs are ended with the shell.
 * Returns what each command did; a command still running at `timeoutMs` has `status` undefined.
 */
export async function runCommands(view: DocView, commands: DocCommand[], setup: string[], timeoutMs: number): Promise<CommandResult[]> {
  const script = ['set +e', ...setup.map((s) => `{ ${s}\n} </dev/null >/dev/null 2>&1 || echo "@@doc-test-setup-failed $?: ${s.replace(/["$`\\]/g, '\\$&')}"`)];
  commands.forEach((c, i) => script.push(`printf '\\n@@doc-test-begin ${i}\\n'`, `{ ${c.text}\n} </dev/null 2>&1`, `printf '\\n@@doc-test-end ${i} %d\\n' $?`));
  const child = spawn('bash', ['-c', script.join('\n')], { cwd: view.dir, env: view.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const timedOut = await new Promise<boolean>((resolvePromise) => {
    const timer = setTimeout(() => resolvePromise(true), timeoutMs);
    child.on('exit', () => {
      clearTimeout(timer);
      resolvePromise(false);
    });
  });
  killGroup(child);
  if (timedOut) out += '\n@@doc-test-timeout\n';
  const setupFailure = /@@doc-test-setup-failed (\d+): (.*)/.exec(out);
  if (setupFailure !== null) throw new Error(`the block's setup command \`${setupFailure[2]}\` exited ${setupFailure[1]}`);
  return commands.map((command, i) => {
    const begin = out.indexOf(`\n@@doc-test-begin ${i}\n`);
    if (begin < 0) return { command, status: undefined, output: '(not started)' };
    const rest = out.slice(begin + `\n@@doc-test-begin ${i}\n`.length);
    const end = /\n@@doc-test-end \d+ (\d+)\n/.exec(rest);
    const output = end === null ? rest.replace(/\n@@doc-test-timeout\n$/, '') : rest.slice(0, end.index);
    return { command, status: end === null ? undefined : Number(end[1]), output };
  });
}

/** Ends the process group of `child` (the shell and any job it left in the background). */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/** Runs a python block's `code` with the project's .venv in the view; returns its exit status and output. */
export async function runPython(view: DocView, block: DocBlock, code: string, timeoutMs: number): Promise<{ status: number | undefined; output: string }> {
  const file = join(view.dir, `.doc-test-${block.line}.py`);
  writeFileSync(file, code);
  const [result] = await runCommands(view, [{ line: block.line, text: `${JSON.stringify(PYTHON)} ${JSON.stringify(file)}`, expected: [] }], [], timeoutMs);
  return { status: result?.status, output: result?.output ?? '' };
}

/**
 * Checks `output` against the lines the doc shows: each shown line must be printed, in order,
 * with runs of spaces compared as one and `...` matching anything. Returns the first shown line
 * that is missing, or undefined.
 */
export function missingLine(command: DocCommand, output: string, substitute: (text: string) => string): DocCommand['expected'][number] | undefined {
  const printed = output.split('\n').map(normalise);
  let from = 0;
  for (const shown of command.expected) {
    const text = normalise(substitute(shown.text));
    if (text === '' || text === '...') continue;
    const pattern = new RegExp(`^${text.split('...').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    const at = printed.findIndex((line, k) => k >= from && pattern.test(line));
    if (at < 0) return shown;
    from = at + 1;
  }
  return undefined;
}

function normalise(line: string): string {
  return line.replace(/\s+/g, ' ').trim();
}
