/**
 * Type declarations as TypeScript text, read from the code that is running: modules beside this
 * module's folder (`capabilities/`, `engine/plans/`, ...). Under vitest (or any run from sources)
 * those are the `.ts` files under `src/`; in the built CLI, the `.d.ts` files under `dist/src/`,
 * which `tsc` emits with their TSDoc. Either way the text describes the very types the daemon
 * implements, so script declarations cannot drift from them.
 *
 * Only the syntax is used (no type checker): each interface and type alias is cut out of its
 * file with its TSDoc, and the names it refers to are followed through `import` and `export *`
 * to other modules (`Unsubscribe` lives in `core/`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TS from 'typescript';
import { DaqError } from '../../core/errors.js';
import { loadTypeScript, type TypeScript } from '../../core/typescript.js';

/** An interface or type alias cut out of a module, ready to paste into a namespace. */
export interface TypeDeclaration {
  name: string;
  /** `interface`, a `type` alias of a function type, or another `type` alias. */
  kind: 'interface' | 'function' | 'type';
  /** `export interface ...` / `export type ...`, with its TSDoc, without `declare`. */
  text: string;
  /** File it comes from. */
  file: string;
}

interface Module {
  file: string;
  /** Interfaces and type aliases declared in the module, with the names each refers to. */
  declarations: Map<string, { declaration: TypeDeclaration; references: Set<string> }>;
  /** Local name -> the module file and name it is imported from. */
  imports: Map<string, { file: string; name: string }>;
  /** Files of `export * from '...'`. */
  reexports: string[];
}

/** The `src` folder of the running code: `src/` from sources, `dist/src/` when built. */
export function sourceRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../..');
}

/** Types to collect: `names` as exported by `module` (a path below the source root, no extension). */
export interface TypeRoots {
  module: string;
  names: readonly string[];
}

/**
 * The declarations of the types named in `roots`, and of every type they refer to, in the order
 * found. Names that no module declares (`Uint8Array`, `Promise`, `AbortSignal`) come back in
 * `unresolved`: they must come from a lib.
 * @throws DaqError `internal` when a root is not exported, or two types share a name.
 */
export function collectDeclarations(
  roots: readonly TypeRoots[],
  root = sourceRoot(),
): { declarations: TypeDeclaration[]; unresolved: string[] } {
  const modules = new Map<string, Module>();
  const load = (file: string): Module => {
    let module = modules.get(file);
    if (module === undefined) {
      module = parseModule(file);
      modules.set(file, module);
    }
    return module;
  };
  const found = new Map<string, TypeDeclaration>();
  const unresolved = new Set<string>();
  const queue: { module: Module; name: string; root: boolean }[] = roots.flatMap((r) => {
    const module = load(moduleFile(dirname(join(root, r.module)), basename(r.module)));
    return r.names.map((name) => ({ module, name, root: true }));
  });
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    const hit = lookup(item.module, item.name, load, new Set());
    if (hit === undefined) {
      if (item.root) throw new DaqError('internal', `no type "${item.name}" is exported by ${item.module.file}`);
      unresolved.add(item.name);
      continue;
    }
    const previous = found.get(item.name);
    if (previous !== undefined) {
      if (previous.file !== hit.declaration.file) {
        throw new DaqError('internal', `two types named "${item.name}" (${previous.file}, ${hit.declaration.file}): rename one`);
      }
      continue;
    }
    found.set(item.name, hit.declaration);
    for (const reference of hit.references) queue.push({ module: hit.module, name: reference, root: false });
  }
  return { declarations: [...found.values()], unresolved: [...unresolved] };
}

/** Finds the declaration `name` refers to in `module`: its own, an import's, or a re-export's. */
function lookup(
  module: Module,
  name: string,
  load: (file: string) => Module,
  seen: Set<string>,
): { module: Module; declaration: TypeDeclaration; references: Set<string> } | undefined {
  if (seen.has(module.file)) return undefined;
  seen.add(module.file);
  const own = module.declarations.get(name);
  if (own !== undefined) return { module, ...own };
  const imported = module.imports.get(name);
  if (imported !== undefined) {
    if (imported.name !== name) {
      throw new DaqError('internal', `${module.file}: renamed type import "${imported.name} as ${name}" is not supported`);
    }
    return lookup(load(imported.file), name, load, new Set());
  }
  for (const file of module.reexports) {
    const hit = lookup(load(file), name, load, seen);
    if (hit !== undefined) return hit;
  }
  return undefined;
}

/** `base.d.ts` when built, `base.ts` when running from sources. */
function moduleFile(folder: string, base: string): string {
  for (const candidate of [join(folder, `${base}.d.ts`), join(folder, `${base}.ts`)]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new DaqError('internal', `cannot find the module ${join(folder, base)} (.d.ts or .ts): is the installation complete?`);
}

/** Resolves a relative import (`./movable.js`) of `file`; `undefined` for a package import. */
function resolveImport(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = resolve(dirname(file), specifier.replace(/\.(js|ts)$/, ''));
  return moduleFile(dirname(target), basename(target));
}

function parseModule(file: string): Module {
  const ts = loadTypeScript();
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const module: Module = { file, declarations: new Map(), imports: new Map(), reexports: [] };
  for (const statement of source.statements) {
    if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
      const kind = ts.isInterfaceDeclaration(statement) ? 'interface' : ts.isFunctionTypeNode(statement.type) ? 'function' : 'type';
      const declaration = { name: statement.name.text, kind, text: declarationText(statement, source), file } as const;
      module.declarations.set(declaration.name, { declaration, references: typeReferences(ts, statement) });
    } else if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const from = resolveImport(file, statement.moduleSpecifier.text);
      const bindings = statement.importClause?.namedBindings;
      if (from === undefined || bindings === undefined || !ts.isNamedImports(bindings)) continue;
      for (const element of bindings.elements) {
        module.imports.set(element.name.text, { file: from, name: (element.propertyName ?? element.name).text });
      }
    } else if (ts.isExportDeclaration(statement) && statement.exportClause === undefined && statement.moduleSpecifier !== undefined) {
      const from = ts.isStringLiteral(statement.moduleSpecifier) ? resolveImport(file, statement.moduleSpecifier.text) : undefined;
      if (from !== undefined) module.reexports.push(from);
    }
  }
  return module;
}

/** The declaration's text from its TSDoc (the last one: not a file's header) to its end, exported, without `declare`. */
function declarationText(node: TS.InterfaceDeclaration | TS.TypeAliasDeclaration, source: TS.SourceFile): string {
  const docs = source.text.slice(node.getStart(source, true), node.getStart(source));
  const doc = docs.slice(Math.max(0, docs.lastIndexOf('/**')));
  const keyword = node.modifiers === undefined ? node.getStart(source) : node.modifiers.end + (/^\s*/.exec(source.text.slice(node.modifiers.end))?.[0].length ?? 0);
  return `${doc}export ${source.text.slice(keyword, node.end)}`;
}

/** Names the declaration refers to as types (`Limits`, `Stoppable`, `Promise`, ...). */
function typeReferences(ts: TypeScript, node: TS.Node): Set<string> {
  const names = new Set<string>();
  const visit = (child: TS.Node): void => {
    if (ts.isTypeReferenceNode(child)) names.add(leftmost(ts, child.typeName));
    if (ts.isExpressionWithTypeArguments(child) && ts.isIdentifier(child.expression)) names.add(child.expression.text);
    if (ts.isTypeQueryNode(child)) names.add(leftmost(ts, child.exprName));
    ts.forEachChild(child, visit);
  };
  ts.forEachChild(node, visit);
  const parameters = ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) ? (node.typeParameters ?? []) : [];
  for (const parameter of parameters) names.delete(parameter.name.text);
  return names;
}

function leftmost(ts: TypeScript, name: TS.EntityName): string {
  return ts.isIdentifier(name) ? name.text : leftmost(ts, name.left);
}
