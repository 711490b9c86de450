import { describe, expect, test } from 'vitest';
import { DaqError } from '../core/errors.js';
import { runSandboxed } from './sandbox.js';
import { isTypeScriptFile, stripTypes } from './strip-types.js';

const SCAN_TS = `import type { Movable } from './lab-types';

/** A point of the scan. */
interface Point {
  x: number;
  y: number;
}
type Mm = number;

function distance(p: Point): Mm {
  return Math.hypot(p.x, p.y);
}
const d: Mm = distance({ x: 3, y: 4 } as Point);
log(\`distance
is \${d}\`);
if (d > 1) {
  throw new Error(\`too far: \${d!}\`);
}
`;

describe('stripTypes', () => {
  test('keeps every line of code on its line of the TypeScript source', () => {
    const js = stripTypes(SCAN_TS, 'scan.ts');
    const lines = js.split('\n');
    expect(lines[9]).toBe('function distance(p) {');
    expect(lines[12]).toBe('const d = distance({ x: 3, y: 4 });');
    expect(lines[16]).toContain('throw new Error(`too far: ${d}`);');
    expect(js).not.toMatch(/interface|Point|export \{\}|sourceMappingURL/);
  });

  test('never changes the text of a multi-line template literal', () => {
    const js = stripTypes(SCAN_TS, 'scan.ts');
    expect(js).toContain('log(`distance\nis ${d}`);');
  });

  test('a syntax error is an invalid_argument DaqError at its line and column', () => {
    let caught: unknown;
    try {
      stripTypes('const a: number = 1;\nconst b: = 2;\n', 'bad.ts');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DaqError);
    expect(caught).toMatchObject({ code: 'invalid_argument', location: { file: 'bad.ts', line: 2 } });
  });

  test('knows TypeScript file names', () => {
    expect(['a.ts', 'b.mts', 'c.CTS'].map(isTypeScriptFile)).toEqual([true, true, true]);
    expect(['a.js', 'a.d.tsx', 'ts'].map(isTypeScriptFile)).toEqual([false, false, false]);
  });
});

describe('a .ts script in the sandbox', () => {
  test('runs after stripping, and its error points at the .ts line', async () => {
    const logs: unknown[] = [];
    const outcome = await runSandboxed({ source: SCAN_TS, filename: 'scan.ts', host: { log: (args) => void logs.push(args[0]) } });
    expect(logs).toEqual(['distance\nis 5']);
    expect(outcome.status).toBe('fail');
    if (outcome.status === 'success') return;
    expect(outcome.error).toMatchObject({ message: 'too far: 5', line: 17, location: { file: 'scan.ts', line: 17 } });
    expect(outcome.error.stack).toContain('scan.ts:17');
  });

  test('a TypeScript syntax error fails the run at its line', async () => {
    const outcome = await runSandboxed({ source: 'let ok = 1;\nlet x: = 2;', filename: 'broken.ts', host: {} });
    expect(outcome).toMatchObject({ status: 'fail', error: { code: 'invalid_argument', line: 2 } });
  });
});
