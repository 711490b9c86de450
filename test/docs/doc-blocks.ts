/**
 * The runnable blocks of the docs: every ```console and ```python block of README.md and
 * docs/*.md, with the `<!-- doc-test: ... -->` marker written on the line above it.
 *
 * Marker directives, separated by `;` (docs/development.md, "Docs that run"):
 * - `skip: REASON` the block is not run (say why);
 * - `daemon` a daemon of examples/lab.toml runs (`127.0.0.1:50051` stands for its address);
 * - `exit N` every command of the block exits with status N (default 0);
 * - `output: example` the output shown is an example (uids, dates): not compared;
 * - `newest-run TOKEN` TOKEN stands for the first 8 hex digits of the uid of the daemon's newest run;
 * - `setup: COMMAND` a shell command run before the block (repeatable).
 */
import { readFileSync } from 'node:fs';

/** Line numbers are 1-based, as editors show them. */
export interface ShownLine {
  line: number;
  text: string;
}

/** One `$ ` command of a console block and the output lines shown under it. */
export interface DocCommand extends ShownLine {
  expected: ShownLine[];
}

/** How a block is run, from its marker. */
export interface Marker {
  skip?: string;
  daemon: boolean;
  exit: number;
  compareOutput: boolean;
  newestRun?: string;
  setup: string[];
}

/** A console or python block of a doc. */
export interface DocBlock {
  /** The doc, relative to the repository root (`docs/data.md`). */
  file: string;
  /** The line of the opening fence. */
  line: number;
  lang: 'console' | 'python';
  marker: Marker;
  /** Console blocks: the commands. */
  commands: DocCommand[];
  /** Python blocks: the code. */
  code: string;
}

const RUNNABLE = new Set(['console', 'python']);
const MARKER = /^<!--\s*doc-test:(.*)-->\s*$/;

/** A problem in a doc that makes a block impossible to run: reported as a failure with its place. */
export class DocSyntaxError extends Error {}

/** Parses one marker's directives; `where` is `file:line` for errors. */
export function parseMarker(text: string, where: string): Marker {
  const marker: Marker = { daemon: false, exit: 0, compareOutput: true, setup: [] };
  for (const part of text.split(';').map((p) => p.trim()).filter(Boolean)) {
    const [, word = '', rest = ''] = /^([a-z-]+):?\s*(.*)$/.exec(part) ?? [];
    if (word === 'skip' && rest) marker.skip = rest;
    else if (word === 'daemon' && !rest) marker.daemon = true;
    else if (word === 'exit' && /^\d+$/.test(rest)) marker.exit = Number(rest);
    else if (word === 'output' && rest === 'example') marker.compareOutput = false;
    else if (word === 'newest-run' && /^\S+$/.test(rest)) marker.newestRun = rest;
    else if (word === 'setup' && rest) marker.setup.push(rest);
    else throw new DocSyntaxError(`${where}: doc-test marker: cannot read "${part}" (skip: REASON | daemon | exit N | output: example | newest-run TOKEN | setup: COMMAND)`);
  }
  return marker;
}

/** The console and python blocks of `text` (the doc `file`). */
export function parseDoc(file: string, text: string): DocBlock[] {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const start = i;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? '')) end++;
    if (end >= lines.length) throw new DocSyntaxError(`${file}:${start + 1}: a code block that is never closed`);
    i = end;
    const lang = open[1] ?? '';
    if (!RUNNABLE.has(lang)) continue;
    let above = start - 1;
    while (above >= 0 && (lines[above] ?? '').trim() === '') above--;
    const markerText = MARKER.exec((lines[above] ?? '').trim())?.[1];
    const marker = markerText === undefined ? parseMarker('', '') : parseMarker(markerText, `${file}:${above + 1}`);
    const body = lines.slice(start + 1, end);
    const block: DocBlock = { file, line: start + 1, lang: lang as DocBlock['lang'], marker, commands: [], code: body.join('\n') };
    if (lang === 'console') block.commands = consoleCommands(body, start + 2, `${file}:${start + 1}`);
    blocks.push(block);
  }
  return blocks;
}

function consoleCommands(body: string[], firstLine: number, where: string): DocCommand[] {
  const commands: DocCommand[] = [];
  body.forEach((text, k) => {
    const line = firstLine + k;
    const last = commands.at(-1);
    if (text.startsWith('$ ')) commands.push({ line, text: text.slice(2), expected: [] });
    else if (last !== undefined && last.text.endsWith('\\') && last.expected.length === 0) last.text = `${last.text.slice(0, -1)}\n${text}`;
    else if (last !== undefined) last.expected.push({ line, text });
    else if (text.trim() !== '') throw new DocSyntaxError(`${where}: a console block must start with a "$ " command (line ${line} is "${text}"); show output alone in a plain block`);
  });
  if (commands.length === 0) throw new DocSyntaxError(`${where}: a console block without a "$ " command; use a plain block for output alone`);
  return commands;
}

/** The runnable blocks of each doc under `root`: README.md and docs/*.md. */
export function readDocs(root: string, files: string[]): DocBlock[] {
  return files.flatMap((file) => parseDoc(file, readFileSync(`${root}/${file}`, 'utf8')));
}
