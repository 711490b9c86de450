/**
 * How to start a worker thread of ts-daq (the script sandbox, the HDF5 writer, the exporter) from
 * the built `.js` or, under the tests, from its `.ts` source.
 *
 * The entry is the compiled `.js` beside the module when it exists: the build (`tsc`) puts it in
 * `dist/`, and production runs that. When the caller runs from its `.ts` source (the tests, under
 * vitest), plain Node 20 cannot run the worker's `.ts` files, so this module compiles them itself
 * with `typescript` (in memory, once per worker kind) and hands the results to the worker, whose
 * module loader serves them through a small `node:module` hook (`register`, Node >= 20.6).
 * Nothing is written to disk, and a stale `dist/` is never used by the tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DaqError } from './errors.js';
import { loadTypeScript } from './typescript.js';

/** How to start the worker: its URL, its `execArgv`, and the compiled sources when run from `.ts`. */
export interface WorkerEntry {
  url: URL;
  execArgv: string[];
  devSources?: Record<string, string>;
}

/**
 * The entry of any worker thread of ts-daq: `compiled` (the built `.js`) when it exists, else its
 * `source` (`.ts`) compiled in memory with the modules it imports (see the module comment).
 */
export function workerEntry(compiled: URL, source: URL): WorkerEntry {
  if (existsSync(fileURLToPath(compiled))) return { url: compiled, execArgv: [] };
  if (!existsSync(fileURLToPath(source))) {
    throw new DaqError('internal', `a worker is missing: neither ${fileURLToPath(compiled)} nor its .ts source exists`);
  }
  return { url: source, execArgv: ['--import', REGISTER_HOOKS], devSources: compileTree(source) };
}

/** Compiles a `.ts` module and every local module it imports (`./x.js` meaning `./x.ts`). */
function compileTree(root: URL): Record<string, string> {
  const ts = loadTypeScript();
  const sources: Record<string, string> = {};
  const todo = [root];
  for (let url = todo.pop(); url !== undefined; url = todo.pop()) {
    if (sources[url.href] !== undefined) continue;
    const text = readFileSync(url, 'utf8');
    sources[url.href] = ts.transpileModule(text, {
      fileName: fileURLToPath(url),
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, verbatimModuleSyntax: true },
    }).outputText;
    for (const match of text.matchAll(/^(?:import|export)\s+(?!type\s)[^'"]*['"](\.{1,2}\/[^'"]+)\.js['"]/gm)) {
      const imported = match[1] === undefined ? undefined : new URL(`${match[1]}.ts`, url);
      if (imported !== undefined && existsSync(fileURLToPath(imported))) todo.push(imported);
    }
  }
  return sources;
}

/** Module hooks of the worker when run from `.ts`: serve the compiled sources handed over. */
const HOOKS = `
let sources = {};
export function initialize(data) { sources = data ?? {}; }
export async function resolve(specifier, context, next) {
  if (context.parentURL !== undefined && /^\\.{1,2}\\//.test(specifier) && specifier.endsWith('.js')) {
    const url = new URL(specifier.slice(0, -3) + '.ts', context.parentURL).href;
    if (url in sources) return { url, format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url in sources) return { format: 'module', source: sources[url], shortCircuit: true };
  return next(url, context);
}`;

/** Preloaded by the worker (`--import`): registers {@link HOOKS} with the sources from workerData. */
const REGISTER_HOOKS = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module';
import { workerData } from 'node:worker_threads';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, { data: workerData.devSources });`,
)}`;
