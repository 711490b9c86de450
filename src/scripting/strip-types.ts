/**
 * TypeScript scripts: types are stripped by TypeScript's own `transpileModule` (nothing is
 * type-checked here; `daq check` does that), then each output line is moved down to the line it
 * came from, so that a stack trace's line numbers are those of the user's `.ts` file. Columns may
 * differ (the compiler re-indents).
 */
import type { Node } from 'typescript';
import { DaqError } from '../core/errors.js';
import { loadTypeScript, type TypeScript } from '../core/typescript.js';

/** Whether a script's file name says it is TypeScript (`.ts`, `.mts`, `.cts`). */
export function isTypeScriptFile(filename: string): boolean {
  return /\.[mc]?ts$/i.test(filename);
}

/**
 * JavaScript of a TypeScript script, line for line: line N of the output holds the code of
 * line N of `source` (lines that only had types are blank).
 * @throws DaqError `invalid_argument` at the first syntax error, with its file, line and column.
 */
export function stripTypes(source: string, filename: string): string {
  const ts = loadTypeScript();
  const output = ts.transpileModule(source, {
    fileName: filename,
    reportDiagnostics: true,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      sourceMap: true,
      removeComments: false,
      newLine: ts.NewLineKind.LineFeed,
      useDefineForClassFields: true,
    },
  });
  const problem = output.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error);
  if (problem !== undefined) {
    const message = ts.flattenDiagnosticMessageText(problem.messageText, '\n');
    const at = problem.file !== undefined && problem.start !== undefined ? problem.file.getLineAndCharacterOfPosition(problem.start) : undefined;
    const location = at === undefined ? { file: filename } : { file: filename, line: at.line + 1, column: at.character + 1 };
    throw new DaqError('invalid_argument', `TypeScript syntax error: ${message}`, { location });
  }
  const lines = output.outputText.split('\n');
  const origins = firstOriginalLines(JSON.parse(output.sourceMapText ?? '{"mappings":""}') as { mappings: string });
  // The compiler appends a source-map comment, and `export {};` to a file that had `import type`.
  while (lines.length > 0 && (lines.at(-1) === '' || lines.at(-1)?.startsWith('//# sourceMappingURL='))) lines.pop();
  if (lines.at(-1) === 'export {};' && origins[lines.length - 1] === undefined) lines.pop();
  return realign(lines, origins, insideLiterals(ts, lines.join('\n')));
}

/** Places each output line at its original line, padding with blank lines; never joins lines. */
function realign(lines: readonly string[], origins: readonly (number | undefined)[], locked: ReadonlySet<number>): string {
  const out: string[] = [];
  lines.forEach((line, index) => {
    const origin = origins[index];
    if (origin !== undefined && !locked.has(index)) while (out.length < origin) out.push('');
    out.push(line);
  });
  return out.join('\n');
}

/** Output lines that begin inside a string or template literal: no blank line may go before them. */
function insideLiterals(ts: TypeScript, text: string): Set<number> {
  const file = ts.createSourceFile('stripped.js', text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
  const locked = new Set<number>();
  const visit = (node: Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateLiteralToken(node)) {
      const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const last = file.getLineAndCharacterOfPosition(node.end).line;
      for (let line = first + 1; line <= last; line++) locked.add(line);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return locked;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** For each generated line of a source map (v3), the 0-based original line of its first segment. */
function firstOriginalLines(map: { mappings: string }): (number | undefined)[] {
  const result: (number | undefined)[] = [];
  let originalLine = 0;
  for (const group of map.mappings.split(';')) {
    let first: number | undefined;
    for (const segment of group === '' ? [] : group.split(',')) {
      const fields = decodeVlq(segment);
      if (fields.length < 4) continue;
      originalLine += fields[2] ?? 0;
      first ??= originalLine;
    }
    result.push(first);
  }
  return result;
}

/** The Base64 VLQ numbers of one source-map segment. */
function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}
