/**
 * A look at a script's source before it runs, with TypeScript's parser (no type checking): what
 * plan the run is ({@link detectPlan}) and the rewrite that lets `record()` know the device and
 * units of values read from devices ({@link rewriteRecords}). Both only read the syntax tree, so
 * they are exact about what the script says, and never guess from values.
 */
import type { Node, SourceFile } from 'typescript';
import { moduleSourceOptions } from '../../core/typescript.js';
import { loadTypeScript, runsAsAsync } from '../../scripting/index.js';

/** The `typescript` module. */
export type TypeScript = ReturnType<typeof loadTypeScript>;

/** A parsed script and the names it declares itself. */
export interface ParsedScript {
  ts: TypeScript;
  file: SourceFile;
  /** How many times each name is declared anywhere in the script (variables, functions, parameters, classes, imports). */
  declared: ReadonlyMap<string, number>;
}

/** Parses `source` (TypeScript when `scriptName` ends in `.ts`); `undefined` for a script with syntax errors (the sandbox reports those). */
export function parseScript(source: string, scriptName: string): ParsedScript | undefined {
  const ts = loadTypeScript();
  const kind = /\.[mc]?ts$/i.test(scriptName) ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  // A script that says `await` runs as async code, where `await` outside functions is a keyword.
  const target = runsAsAsync(source) ? moduleSourceOptions(ts.ScriptTarget.ES2022) : ts.ScriptTarget.ES2022;
  const file = ts.createSourceFile(scriptName, source, target, true, kind);
  const diagnostics = (file as unknown as { parseDiagnostics?: readonly unknown[] }).parseDiagnostics ?? [];
  if (diagnostics.length > 0) return undefined;
  return { ts, file, declared: declaredNames(ts, file) };
}

/** Whether `name` in the script surely means the global of that name (the script never declares it). */
export function isGlobal(script: ParsedScript, name: string): boolean {
  return !script.declared.has(name);
}

/** Counts every name bound by a declaration anywhere in the file. */
function declaredNames(ts: TypeScript, file: SourceFile): Map<string, number> {
  const names = new Map<string, number>();
  const add = (name: Node | undefined): void => {
    if (name === undefined) return;
    if (ts.isIdentifier(name)) names.set(name.text, (names.get(name.text) ?? 0) + 1);
    else if (ts.isObjectBindingPattern(name) || ts.isArrayBindingPattern(name)) {
      for (const element of name.elements) if (ts.isBindingElement(element)) add(element.name);
    }
  };
  const visit = (node: Node): void => {
    if (ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isBindingElement(node)) {
      if (!ts.isBindingElement(node)) add(node.name);
    } else if (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      add(node.name);
    } else if (ts.isImportClause(node) || ts.isImportSpecifier(node) || ts.isNamespaceImport(node) || ts.isImportEqualsDeclaration(node)) {
      add(node.name);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return names;
}

/**
 * `node` without the parentheses, type assertions and `await` around it (`(x)`, `x as T`, `x!`,
 * `x satisfies T`, `await x`): a device call answers at once, so `await stage.position()` is
 * the same call.
 */
export function unwrap(ts: TypeScript, node: Node): Node {
  let inner = node;
  for (;;) {
    if (ts.isParenthesizedExpression(inner) || ts.isAwaitExpression(inner) || ts.isAsExpression(inner) || ts.isSatisfiesExpression(inner) || ts.isNonNullExpression(inner) || ts.isTypeAssertionExpression(inner)) {
      inner = inner.expression;
    } else return inner;
  }
}
