/**
 * Types for experiment scripts: a lab's declarations (`daq types`) and the type check of a script
 * against them (`daq check`). Both use the `typescript` package, loaded on first use.
 */
export { checkDeclarations, checkScript, editorConfig, type ScriptDiagnostic } from './check.js';
export { labDeclarations, type DeclaredLab } from './declarations.js';
export { ScriptEditorService, type ScriptCompletionItem, type ScriptProblemSpan } from './script-editor.js';
export { EDITOR_BUDGET_S, EditorPool } from './editor-pool.js';
export { checkKey, passedInMemory, type PassedScripts, type ProblemFinder, refusal, RunChecker, SKIP_CHECK_HINT } from './run-check.js';
