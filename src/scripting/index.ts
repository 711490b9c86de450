/**
 * Scripting: experiment scripts (JavaScript, or TypeScript with its types stripped) run in a
 * QuickJS sandbox in a worker thread, one per run, with host functions that look synchronous,
 * limits, pause and abort. See sandbox.ts.
 */
export * from './limits.js';
export * from './sandbox.js';
export { type SandboxOptions } from './sandbox-options.js';
export { ScriptError, type ScriptErrorOptions } from './script-error.js';
export { isTypeScriptFile, stripTypes } from './strip-types.js';
export { runsAsAsync } from './vm-bootstrap.js';
export { loadTypeScript } from '../core/typescript.js';
export * from './types.js';
