/**
 * The `typescript` compiler, loaded on first use only (it is large: about 0.3 s and 50 MB the
 * first time). Needed to run `.ts` scripts, and to run the sandbox worker from `.ts` sources.
 */
import { createRequire } from 'node:module';
import type * as TS from 'typescript';
import { DaqError } from './errors.js';

/** The `typescript` module's type. */
export type TypeScript = typeof TS;

let loaded: TypeScript | undefined;

/**
 * The `typescript` module, loaded synchronously the first time (this blocks the thread for about
 * 0.3 s once; a daemon can call it at start-up to pay that early).
 * @throws DaqError `unavailable` with the install command when the package is missing.
 */
export function loadTypeScript(): TypeScript {
  if (loaded !== undefined) return loaded;
  try {
    loaded = createRequire(import.meta.url)('typescript') as TypeScript;
    return loaded;
  } catch (error) {
    throw new DaqError('unavailable', 'TypeScript scripts need the "typescript" package: npm install typescript@5.9', { cause: error });
  }
}

/**
 * Options of `ts.createSourceFile` that parse the text as a module: `await` outside any function
 * is an await expression, as the sandbox runs a script that uses it (and `await (x)` is not a
 * call of a function named `await`).
 */
export function moduleSourceOptions(target: TS.ScriptTarget): TS.CreateSourceFileOptions {
  return {
    languageVersion: target,
    setExternalModuleIndicator: (file) => {
      // What TypeScript itself sets for `moduleDetection: force` (the property is internal).
      (file as { externalModuleIndicator?: unknown }).externalModuleIndicator = true;
    },
  };
}
