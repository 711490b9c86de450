/**
 * Type-checks an experiment script against its lab's declarations (`daq check`), in memory:
 * the program holds the script, the declarations and TypeScript's ES library files, and nothing
 * else: no Node or DOM types, because a script has no `fs`, `process`, `setTimeout`, `fetch` or
 * `console`. A `.ts` script gets TypeScript's strict checks; a `.js` script is checked too
 * (`checkJs`, strict but for implicit `any`), so `camera.moveAbs(1)` is found in either.
 *
 * The ES library files are parsed once per process and shared by every check.
 */
import { dirname } from 'node:path';
import type * as TS from 'typescript';
import { loadTypeScript, moduleSourceOptions, type TypeScript } from '../../core/typescript.js';

/** One problem in a script. */
export interface ScriptDiagnostic {
  /** The script's file name, as given. */
  file: string;
  /** 1-based line in the script. */
  line: number;
  /** 1-based column in the script. */
  column: number;
  /** What is wrong; nested explanations on further lines, indented. */
  message: string;
  /** TypeScript's error number (`2339`: no such property); 0 for a rule of ts-daq's own. */
  code: number;
}

/** ES library of scripts: QuickJS implements ES2023. */
export const SCRIPT_LIB = 'lib.es2023.d.ts';
export const ROOT = '/__daq__/';
export const DECLARATIONS_FILE = `${ROOT}lab.d.ts`;

let libraries: Map<string, TS.SourceFile> | undefined;
let lastDeclarations: TS.SourceFile | undefined;

/**
 * The problems of `source` (the script in `filename`) against `declarations` (from
 * `labDeclarations`), sorted by position; empty when the script type-checks. The script's
 * language comes from its extension: `.ts`/`.mts`/`.cts` TypeScript, anything else JavaScript.
 */
export function checkScript(source: string, filename: string, declarations: string): ScriptDiagnostic[] {
  const ts = loadTypeScript();
  const scriptFile = `${ROOT}${virtualName(filename)}`;
  const program = createCheckProgram(ts, declarations, { name: scriptFile, source }, compilerOptions(ts, isTypeScript(scriptFile)));
  const script = program.getSourceFile(scriptFile);
  return collect(ts, program, script, filename, [...program.getSyntacticDiagnostics(script), ...program.getSemanticDiagnostics(script), ...exportProblems(ts, script)]);
}

/**
 * `export` in a script: the checker treats each script as a module (see compilerOptions), but the
 * sandbox runs it as plain code, where `export` is a syntax error. Only `export {}`, which some
 * editor set-ups add, is allowed: the sandbox drops it.
 */
export function exportProblems(ts: TypeScript, file: TS.SourceFile | undefined): TS.Diagnostic[] {
  if (file === undefined) return [];
  const problems: TS.Diagnostic[] = [];
  for (const statement of file.statements) {
    const empty = ts.isExportDeclaration(statement) && statement.moduleSpecifier === undefined && statement.exportClause !== undefined && ts.isNamedExports(statement.exportClause) && statement.exportClause.elements.length === 0;
    const exported = ts.isExportDeclaration(statement) || ts.isExportAssignment(statement) || (ts.canHaveModifiers(statement) && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword));
    if (!exported || empty) continue;
    const start = statement.getStart(file);
    problems.push({ file, start, length: 'export'.length, category: ts.DiagnosticCategory.Error, code: 0, messageText: 'A script cannot export anything: it runs as plain code, not as a module (remove `export`).' });
  }
  return problems;
}

/**
 * The problems of the declarations themselves, checked alone (as an editor would, including the
 * `.d.ts` file): empty for the output of `labDeclarations`.
 */
export function checkDeclarations(declarations: string): ScriptDiagnostic[] {
  const ts = loadTypeScript();
  const program = createCheckProgram(ts, declarations, undefined, { ...compilerOptions(ts, true), skipLibCheck: false, skipDefaultLibCheck: true });
  const file = program.getSourceFile(DECLARATIONS_FILE);
  return collect(ts, program, file, 'lab.d.ts', [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]);
}

/** A program of the declarations, the script if any, and the ES library (parsed once per process). */
function createCheckProgram(ts: TypeScript, declarations: string, script: { name: string; source: string } | undefined, options: TS.CompilerOptions): TS.Program {
  const libFolder = dirname(ts.getDefaultLibFilePath(options)).replace(/\\/g, '/');
  const files = new Map<string, string>([[DECLARATIONS_FILE, declarations]]);
  if (script !== undefined) files.set(script.name, script.source);
  const host: TS.CompilerHost = {
    getSourceFile: (name) => {
      if (name === script?.name) return ts.createSourceFile(name, script.source, moduleSourceOptions(ts.ScriptTarget.ES2022), true);
      if (name === DECLARATIONS_FILE) return declarationsSourceFile(ts, declarations);
      return libraryFile(ts, name);
    },
    getDefaultLibFileName: () => `${libFolder}/${SCRIPT_LIB}`,
    getDefaultLibLocation: () => libFolder,
    writeFile: () => undefined,
    getCurrentDirectory: () => ROOT,
    getCanonicalFileName: (name) => name,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: (name) => files.has(name) || (name.startsWith(`${libFolder}/`) && ts.sys.fileExists(name)),
    readFile: (name) => files.get(name) ?? (name.startsWith(`${libFolder}/`) ? ts.sys.readFile(name) : undefined),
    directoryExists: (name) => name === ROOT.slice(0, -1) || name === libFolder,
    getDirectories: () => [],
  };
  return ts.createProgram({ rootNames: [...files.keys()], options, host });
}

/** The errors of `file` among `found` (and of the program as a whole), sorted, as the user's file. */
function collect(ts: TypeScript, program: TS.Program, file: TS.SourceFile | undefined, filename: string, found: readonly TS.Diagnostic[]): ScriptDiagnostic[] {
  return [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...found]
    .filter((d) => d.category === ts.DiagnosticCategory.Error && (d.file === undefined || d.file === file))
    .sort((a, b) => (a.start ?? -1) - (b.start ?? -1))
    .map((d) => toScriptDiagnostic(ts, d, filename));
}

/** TypeScript's strict checks; a JavaScript script may leave parameters untyped (there is no syntax to type them). */
export function compilerOptions(ts: TypeScript, typescript: boolean): TS.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    lib: [SCRIPT_LIB],
    types: [],
    strict: true,
    noImplicitAny: typescript,
    allowJs: true,
    checkJs: true,
    noEmit: true,
    module: ts.ModuleKind.ESNext,
    // Each script has its own top-level scope (two scripts of a folder may both declare
    // `const steps`), and `await` outside functions is allowed: the sandbox runs such a script
    // as async code. The declarations file stays global.
    moduleDetection: ts.ModuleDetectionKind.Force,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    skipLibCheck: true,
    // A script imports nothing and references nothing: the declarations are given, whatever
    // `/// <reference path>` an editor set-up added (an `import` is still reported).
    noResolve: true,
    // Do not look for @typescript/lib-* packages: the libraries are TypeScript's own.
    libReplacement: false,
  };
}

/**
 * The `tsconfig.json` of a folder of scripts (`daq types --editor DIR`): the options of
 * {@link compilerOptions}, so an editor (VS Code) reports what `daq check` reports, each script
 * with its own scope (`moduleDetection: force`) and the lab's `lab.d.ts` beside them. One
 * difference: untyped parameters are allowed in `.ts` files too (one file sets the options of
 * both languages; `daq check` is strict about them in `.ts`).
 */
export function editorConfig(): string {
  const config = {
    compilerOptions: {
      target: 'es2022',
      lib: ['es2023'],
      types: [],
      module: 'esnext',
      moduleResolution: 'bundler',
      moduleDetection: 'force',
      strict: true,
      noImplicitAny: false,
      allowJs: true,
      checkJs: true,
      noEmit: true,
      skipLibCheck: true,
    },
    include: ['**/*.js', '**/*.ts'],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** The name the script has in the program: its base name, with a `.js` extension if it has none TypeScript knows. */
function virtualName(filename: string): string {
  const base = (filename.split(/[\\/]/).pop() ?? 'script').replace(/[^\w.-]/g, '_');
  return /\.[mc]?[jt]s$/i.test(base) && !/\.d\.[mc]?ts$/i.test(base) ? base : `${base}.js`;
}

export function isTypeScript(name: string): boolean {
  return /\.[mc]?ts$/i.test(name);
}

function declarationsSourceFile(ts: TypeScript, text: string): TS.SourceFile {
  if (lastDeclarations?.text !== text) lastDeclarations = ts.createSourceFile(DECLARATIONS_FILE, text, ts.ScriptTarget.ES2022, true);
  return lastDeclarations;
}

/** A library file of TypeScript's, parsed once per process. */
function libraryFile(ts: TypeScript, name: string): TS.SourceFile | undefined {
  libraries ??= new Map();
  let file = libraries.get(name);
  if (file === undefined) {
    const text = ts.sys.readFile(name);
    if (text === undefined) return undefined;
    file = ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, false);
    libraries.set(name, file);
  }
  return file;
}

export function toScriptDiagnostic(ts: TypeScript, diagnostic: TS.Diagnostic, filename: string): ScriptDiagnostic {
  const at = diagnostic.file !== undefined && diagnostic.start !== undefined ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start) : undefined;
  return {
    file: filename,
    line: (at?.line ?? 0) + 1,
    column: (at?.character ?? 0) + 1,
    message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
    code: diagnostic.code,
  };
}
