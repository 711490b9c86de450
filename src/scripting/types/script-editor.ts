/**
 * What an editor needs while a script is typed: its problems with the spans to underline, and
 * completions at the cursor, against a lab's declarations (the ones `daq types` prints). The same
 * compiler options as `daq check` (check.ts), through a TypeScript language service that keeps
 * the declarations and ES library parsed between calls, so a check after a keystroke re-checks
 * the script only (tens of ms, not the ~1 s of a cold program).
 */
import { dirname } from 'node:path';
import type * as TS from 'typescript';
import { loadTypeScript, type TypeScript } from '../../core/typescript.js';
import { compilerOptions, DECLARATIONS_FILE, exportProblems, isTypeScript, ROOT, SCRIPT_LIB, type ScriptDiagnostic, toScriptDiagnostic } from './check.js';

/** A problem with the span of source to underline (UTF-16 offsets). */
export interface ScriptProblemSpan extends ScriptDiagnostic {
  start: number;
  end: number;
}

/** A completion at the cursor. */
export interface ScriptCompletionItem {
  label: string;
  /** TypeScript's element kind: `method`, `property`, `function`, `var`, `keyword`, ... */
  kind: string;
  /** Signature or type, when cheap to tell (member completions). */
  detail: string;
  documentation: string;
}

/** Completions ask for details (signature, TSDoc) only when there are at most this many. */
const DETAILED_COMPLETIONS = 80;

let registry: TS.DocumentRegistry | undefined;

/** Problems and completions for scripts of one lab (its declarations); JavaScript and TypeScript. */
export class ScriptEditorService {
  private readonly ts: TypeScript = loadTypeScript();
  private readonly services = new Map<boolean, { service: TS.LanguageService; file: string; source: string; version: number }>();

  constructor(private readonly declarations: string) {}

  /** The problems of `source` (file `name`: `.ts` checked as TypeScript, else JavaScript), sorted by position. */
  check(name: string, source: string): ScriptProblemSpan[] {
    const { service, file } = this.update(name, source);
    const found = [...service.getSyntacticDiagnostics(file), ...service.getSemanticDiagnostics(file), ...exportProblems(this.ts, service.getProgram()?.getSourceFile(file))];
    return found
      .filter((d) => d.category === this.ts.DiagnosticCategory.Error)
      .sort((a, b) => (a.start ?? -1) - (b.start ?? -1))
      .map((d) => ({ ...toScriptDiagnostic(this.ts, d, name), start: d.start ?? 0, end: (d.start ?? 0) + (d.length ?? 0) }));
  }

  /** Completions at `position` (UTF-16 offset) and where the word being completed starts. */
  complete(name: string, source: string, position: number): { from: number; items: ScriptCompletionItem[] } {
    const { service, file } = this.update(name, source);
    let from = Math.min(position, source.length);
    while (from > 0 && /[\w$]/.test(source.charAt(from - 1))) from--;
    const info = service.getCompletionsAtPosition(file, position, { includeCompletionsWithInsertText: false });
    if (info === undefined) return { from, items: [] };
    const entries = [...info.entries].sort((a, b) => a.sortText.localeCompare(b.sortText) || a.name.localeCompare(b.name));
    const detailed = entries.length <= DETAILED_COMPLETIONS;
    const items = entries.map((entry) => {
      const details = detailed ? service.getCompletionEntryDetails(file, position, entry.name, undefined, undefined, undefined, undefined) : undefined;
      return {
        label: entry.name,
        kind: entry.kind,
        detail: details === undefined ? '' : this.ts.displayPartsToString(details.displayParts),
        documentation: details === undefined ? '' : this.ts.displayPartsToString(details.documentation),
      };
    });
    return { from, items };
  }

  /** The language service of `name`'s language, with the script's text set to `source`. */
  private update(name: string, source: string): { service: TS.LanguageService; file: string } {
    const typescript = isTypeScript(name);
    let entry = this.services.get(typescript);
    if (entry === undefined) {
      const file = `${ROOT}script.${typescript ? 'ts' : 'js'}`;
      const created = { service: undefined as unknown as TS.LanguageService, file, source, version: 0 };
      created.service = this.ts.createLanguageService(this.host(typescript, () => created), (registry ??= this.ts.createDocumentRegistry()));
      this.services.set(typescript, created);
      entry = created;
    }
    if (entry.source !== source) {
      entry.source = source;
      entry.version++;
    }
    return entry;
  }

  private host(typescript: boolean, script: () => { file: string; source: string; version: number }): TS.LanguageServiceHost {
    const ts = this.ts;
    const options = compilerOptions(ts, typescript);
    const libFolder = dirname(ts.getDefaultLibFilePath(options)).replace(/\\/g, '/');
    const text = (name: string): string | undefined => {
      if (name === script().file) return script().source;
      if (name === DECLARATIONS_FILE) return this.declarations;
      return name.startsWith(`${libFolder}/`) ? ts.sys.readFile(name) : undefined;
    };
    return {
      getCompilationSettings: () => options,
      getScriptFileNames: () => [DECLARATIONS_FILE, script().file],
      getScriptVersion: (name) => (name === script().file ? String(script().version) : '0'),
      getScriptSnapshot: (name) => {
        const content = text(name);
        return content === undefined ? undefined : ts.ScriptSnapshot.fromString(content);
      },
      getCurrentDirectory: () => ROOT,
      getDefaultLibFileName: () => `${libFolder}/${SCRIPT_LIB}`,
      fileExists: (name) => text(name) !== undefined,
      readFile: text,
      directoryExists: (name) => name === ROOT.slice(0, -1) || name === libFolder,
      getDirectories: () => [],
    };
  }
}
