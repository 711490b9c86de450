/**
 * Parses TOML keeping where every key is, so that config problems can be reported with the
 * line and column of the offending field (`lab.toml:12:1`). Uses `toml-eslint-parser`, which
 * gives a full syntax tree with locations; plain TOML parsers give values only.
 */
import { type AST, getStaticTOMLValue, ParseError, parseTOML } from 'toml-eslint-parser';
import { DaqError, type SourceLocation } from '../core/index.js';
import { checkTomlLimits } from './toml-limits.js';

/** A path into a TOML document: keys and array indices. */
export type TomlPath = readonly (string | number)[];

/** A parsed TOML document with a way to find where a path is written. */
export interface LocatedToml {
  value: Record<string, unknown>;
  /** The location of `path`, or of its nearest written ancestor, or just the file. */
  locate(path: TomlPath): SourceLocation;
}

/** Parses `source` (read from `file`); throws `invalid_argument` with line and column on bad syntax. */
export function parseLocatedToml(source: string, file: string): LocatedToml {
  checkTomlLimits(source, file);
  let program: AST.TOMLProgram;
  try {
    program = parseTOML(source);
  } catch (error) {
    if (error instanceof ParseError) {
      const location = { file, line: error.lineNumber, column: error.column + 1 };
      throw new DaqError('invalid_argument', `TOML syntax error: ${error.message}`, { location });
    }
    throw tooComplex(error, file);
  }
  const locations = new Map<string, SourceLocation>();
  const record = (path: TomlPath, node: AST.HasLocs): void => {
    if (path[path.length - 1] === '__proto__') {
      // The parser's value builder would assign through it: Object.prototype itself would change.
      const location = { file, line: node.loc.start.line, column: node.loc.start.column + 1 };
      throw new DaqError('invalid_argument', `the key "__proto__" is not allowed (${path.join('.')})`, { location });
    }
    const key = JSON.stringify(path);
    if (!locations.has(key)) locations.set(key, { file, line: node.loc.start.line, column: node.loc.start.column + 1 });
  };
  const visitKeyValue = (prefix: TomlPath, kv: AST.TOMLKeyValue): void => {
    const path = [...prefix, ...kv.key.keys.map((k) => (k.type === 'TOMLBare' ? k.name : k.value))];
    for (let i = prefix.length + 1; i <= path.length; i++) record(path.slice(0, i), kv);
    visitContent(path, kv.value);
  };
  const visitContent = (path: TomlPath, node: AST.TOMLContentNode): void => {
    if (node.type === 'TOMLInlineTable') for (const kv of node.body) visitKeyValue(path, kv);
    if (node.type === 'TOMLArray') {
      node.elements.forEach((element, index) => {
        record([...path, index], element);
        visitContent([...path, index], element);
      });
    }
  };
  const top = program.body[0];
  for (const item of top.body) {
    if (item.type === 'TOMLKeyValue') {
      visitKeyValue([], item);
    } else {
      for (let i = 1; i <= item.resolvedKey.length; i++) record(item.resolvedKey.slice(0, i), item);
      for (const kv of item.body) visitKeyValue(item.resolvedKey, kv);
    }
  }
  let value: Record<string, unknown>;
  try {
    value = getStaticTOMLValue(program) as Record<string, unknown>;
  } catch (error) {
    throw tooComplex(error, file);
  }
  return {
    value,
    locate(path) {
      for (let n = path.length; n > 0; n--) {
        const found = locations.get(JSON.stringify(path.slice(0, n)));
        if (found !== undefined) return found;
      }
      return { file };
    },
  };
}

/** A parser stack overflow as a config error (the limits above should catch it first). */
function tooComplex(error: unknown, file: string): unknown {
  if (!(error instanceof RangeError)) return error;
  return new DaqError('invalid_argument', 'the file is too deeply nested or holds a value too long to read', { location: { file } });
}
