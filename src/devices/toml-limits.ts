/**
 * Bounds a TOML file must keep before it is parsed: the parser (toml-eslint-parser) recurses per
 * character of a string and per level of nesting, so a 1 MB string or arrays nested thousands
 * deep overflow its stack ("Maximum call stack size exceeded", with no location). One linear scan
 * finds such a value first and says where it starts. No lab config comes near these limits.
 */
import { DaqError } from '../core/index.js';

/** Longest string value a config may hold, in characters. */
export const MAX_TOML_STRING = 65_536;
/** Deepest nesting of arrays and inline tables a config may hold. */
export const MAX_TOML_DEPTH = 64;

type State = 'value' | 'comment' | 'basic' | 'literal' | 'ml-basic' | 'ml-literal';

/** Throws `invalid_argument` with the line and column of the first value beyond the limits. */
export function checkTomlLimits(source: string, file: string): void {
  let state: State = 'value';
  let depth = 0;
  let line = 1;
  let lineStart = 0;
  let stringStart = { line: 0, column: 0, index: 0 };
  const fail = (message: string, at: { line: number; column: number }): never => {
    throw new DaqError('invalid_argument', message, { location: { file, line: at.line, column: at.column } });
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      if (state === 'comment') state = 'value';
      if (state === 'basic' || state === 'literal') state = 'value'; // unterminated: the parser says so
      continue;
    }
    const here = { line, column: i - lineStart + 1 };
    switch (state) {
      case 'comment':
        break;
      case 'value':
        if (c === '#') state = 'comment';
        else if (c === '"' || c === "'") {
          const triple = source.startsWith(c.repeat(3), i);
          state = c === '"' ? (triple ? 'ml-basic' : 'basic') : triple ? 'ml-literal' : 'literal';
          stringStart = { ...here, index: i };
          if (triple) i += 2;
        } else if (c === '[' || c === '{') {
          depth++;
          if (depth > MAX_TOML_DEPTH) fail(`values nested more than ${MAX_TOML_DEPTH} deep (arrays or inline tables); a lab config needs a few levels at most`, here);
        } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
        break;
      default: {
        const quote = state === 'basic' || state === 'ml-basic' ? '"' : "'";
        if (c === '\\' && (state === 'basic' || state === 'ml-basic')) i++;
        else if (c === quote) {
          const triple = state === 'ml-basic' || state === 'ml-literal';
          if (!triple || source.startsWith(quote.repeat(3), i)) {
            if (triple) i += 2;
            state = 'value';
          }
        }
        if (state !== 'value' && i - stringStart.index > MAX_TOML_STRING) {
          fail(`a string longer than ${MAX_TOML_STRING} characters starts here; a lab config does not need one (is a file pasted in?)`, stringStart);
        }
      }
    }
  }
}
