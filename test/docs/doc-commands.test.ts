/**
 * The docs run: every ```console and ```python block of README.md and docs/*.md is executed as a
 * reader would (see doc-blocks.ts for the markers), against a real daemon where the block says
 * so. A command that fails, exits otherwise than the doc says, or does not print what the doc
 * shows fails here with the doc's file and line, the command, and what it printed.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type DocBlock, readDocs } from './doc-blocks.js';
import { createView, DOC_ADDRESS, type DocDaemon, type DocView, missingLine, ROOT, runCommands, runPython, startDaemon } from './doc-runner.js';

const FILES = ['README.md', ...readdirSync(`${ROOT}/docs`).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
const BLOCK_TIMEOUT_MS = 240_000;

/** One view (and at most one daemon) per doc: its blocks run in order and may build on each other. */
class DocSession {
  private view: DocView | undefined;
  private daemon: DocDaemon | undefined;

  async prepare(block: DocBlock): Promise<{ view: DocView; substitute: (text: string) => string }> {
    this.view ??= createView();
    if (block.marker.daemon) this.daemon ??= await startDaemon(this.view);
    const address = this.daemon?.address;
    const uid = block.marker.newestRun === undefined ? undefined : await this.newestRun(block);
    const substitute = (text: string): string => {
      let out = address === undefined ? text : text.replaceAll(DOC_ADDRESS, address);
      if (uid !== undefined && block.marker.newestRun !== undefined) out = out.replaceAll(block.marker.newestRun, uid);
      return out;
    };
    return { view: this.view, substitute };
  }

  private async newestRun(block: DocBlock): Promise<string> {
    if (this.daemon === undefined) throw new Error(`${block.file}:${block.line}: newest-run needs the daemon directive too`);
    const { stdout } = await promisify(execFile)('node', [`${ROOT}/dist/src/cli/main.js`, 'runs', '--remote', this.daemon.address, '--json']);
    const runs = (JSON.parse(stdout) as { runs: { uid: string }[] }).runs;
    const newest = runs.at(-1);
    if (newest === undefined) throw new Error(`${block.file}:${block.line}: newest-run ${block.marker.newestRun}: the daemon has no run yet (add a setup: command that makes one)`);
    return newest.uid.slice(0, 8);
  }

  async close(): Promise<string | undefined> {
    const code = await this.daemon?.stop();
    this.view?.remove();
    return code === undefined || code === 0 ? undefined : `the doc test's daemon exited ${code} on SIGTERM (expected 0)`;
  }
}

/** The failure message of a console block, or undefined if every command did what the doc says. */
async function runConsole(block: DocBlock, session: DocSession): Promise<string | undefined> {
  const { view, substitute } = await session.prepare(block);
  const commands = block.commands.map((c) => ({ ...c, text: substitute(c.text) }));
  const results = await runCommands(view, commands, block.marker.setup.map(substitute), BLOCK_TIMEOUT_MS);
  for (const { command, status, output } of results) {
    const where = `${block.file}:${command.line}: \`${command.text}\``;
    const printed = `\n--- it printed ---\n${output.trimEnd() || '(nothing)'}\n---`;
    if (status === undefined) return `${where} did not finish within ${BLOCK_TIMEOUT_MS / 1000} s${printed}`;
    if (status !== block.marker.exit) return `${where} exited ${status}; the doc expects ${block.marker.exit}${printed}`;
    if (!block.marker.compareOutput) continue;
    const missing = missingLine(command, output, substitute);
    if (missing !== undefined) return `${where}: the doc shows at ${block.file}:${missing.line}\n  ${missing.text}\nbut no line in the output matches it (in order; "..." matches anything)${printed}`;
  }
  return undefined;
}

async function runPythonBlock(block: DocBlock, session: DocSession): Promise<string | undefined> {
  const { view, substitute } = await session.prepare(block);
  if (block.marker.setup.length > 0) await runCommands(view, [], block.marker.setup.map(substitute), BLOCK_TIMEOUT_MS);
  const { status, output } = await runPython(view, block, substitute(block.code), BLOCK_TIMEOUT_MS);
  if (status === block.marker.exit) return undefined;
  // Python's line numbers are the block's: line 1 is the line after the fence.
  const where = `${block.file}:${block.line}: the python block (its line 1 is ${block.file}:${block.line + 1})`;
  return `${where} ${status === undefined ? `did not finish within ${BLOCK_TIMEOUT_MS / 1000} s` : `exited ${status}`}\n--- it printed ---\n${output.trimEnd()}\n---`;
}

const blocks = readDocs(ROOT, FILES);

it('finds the runnable blocks of the docs', () => {
  expect(blocks.filter((b) => b.file === 'README.md' && b.lang === 'console' && b.marker.skip === undefined).length).toBeGreaterThanOrEqual(3);
  expect(blocks.filter((b) => b.marker.daemon).length).toBeGreaterThanOrEqual(3);
});

for (const file of FILES) {
  const inFile = blocks.filter((b) => b.file === file);
  if (inFile.length === 0) continue;
  describe(file, () => {
    const session = new DocSession();
    afterAll(async () => {
      const problem = await session.close();
      if (problem !== undefined) throw new Error(`${file}: ${problem}`);
    });
    for (const block of inFile) {
      const name = `${block.file}:${block.line} (${block.lang}${block.marker.daemon ? ', with a daemon' : ''})`;
      if (block.marker.skip !== undefined) {
        it.skip(`${name}: ${block.marker.skip}`, () => undefined);
        continue;
      }
      it(name, async () => {
        const failure = block.lang === 'console' ? await runConsole(block, session) : await runPythonBlock(block, session);
        if (failure !== undefined) expect.fail(failure);
      }, BLOCK_TIMEOUT_MS + 60_000);
    }
  });
}
