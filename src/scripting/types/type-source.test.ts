/**
 * Declarations cut out of the running code: from `.ts` sources, from the `.d.ts` files of a build,
 * following imports and re-exports.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DaqError } from '../../core/errors.js';
import { TYPE_ROOTS } from './declarations.js';
import { collectDeclarations, sourceRoot } from './type-source.js';
import { tempDir } from '../../test-support/cleanup.fixture.js';

async function tree(files: Record<string, string>): Promise<string> {
  const root = await tempDir('daq-types-');
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

const SOURCES = {
  'caps/index.ts': "export * from './gauge.js';\nexport const ALL = [];\n",
  'caps/gauge.ts': [
    '/** File header: not part of any declaration. */',
    "import type { Unsubscribe } from '../core/events.js';",
    "import { helper } from './helper.js';",
    '',
    '/** A pressure gauge. */',
    'export interface Gauge {',
    '  /** Pressure in mbar. */',
    '  pressure(signal?: AbortSignal): Promise<Units>;',
    '  onChange(listener: () => void): Unsubscribe;',
    '}',
    '',
    'type Units = \'mbar\' | \'Pa\';',
    'export const gauge = helper();',
  ].join('\n'),
  'caps/helper.ts': 'export function helper(): number { return 1; }\n',
  'core/events.ts': '/** Events. */\n\n/** Call it to stop listening. */\nexport type Unsubscribe = () => void;\n',
};

describe('collectDeclarations', () => {
  it('cuts out the named interface and every type it uses, with their TSDoc, following imports', async () => {
    const root = await tree(SOURCES);
    const { declarations, unresolved } = collectDeclarations([{ module: 'caps/index', names: ['Gauge'] }], root);
    expect(declarations.map((d) => [d.name, d.kind])).toEqual([
      ['Gauge', 'interface'],
      ['Units', 'type'],
      ['Unsubscribe', 'function'],
    ]);
    expect(declarations[0]?.text).toBe(
      '/** A pressure gauge. */\nexport interface Gauge {\n  /** Pressure in mbar. */\n  pressure(signal?: AbortSignal): Promise<Units>;\n  onChange(listener: () => void): Unsubscribe;\n}',
    );
    expect(declarations[1]?.text).toBe("export type Units = 'mbar' | 'Pa';");
    expect(declarations[2]?.text).toBe('/** Call it to stop listening. */\nexport type Unsubscribe = () => void;');
    expect(unresolved.sort()).toEqual(['AbortSignal', 'Promise']);
  });

  it('reads the .d.ts files of a build the same way, dropping `declare`', async () => {
    const root = await tree({
      'caps/index.d.ts': "export * from './gauge.js';\n",
      'caps/index.ts': 'this source is not read when a .d.ts is beside it',
      'caps/gauge.d.ts': '/** A pressure gauge. */\nexport interface Gauge {\n    pressure(): Promise<number>;\n}\nexport declare type Raw = number;\nexport declare const gauge: number;\n',
    });
    const { declarations } = collectDeclarations([{ module: 'caps/index', names: ['Gauge', 'Raw'] }], root);
    expect(declarations.map((d) => d.text)).toEqual([
      '/** A pressure gauge. */\nexport interface Gauge {\n    pressure(): Promise<number>;\n}',
      'export type Raw = number;',
    ]);
  });

  it('says which root type is missing', async () => {
    const root = await tree(SOURCES);
    expect(() => collectDeclarations([{ module: 'caps/index', names: ['Thermostat'] }], root)).toThrow(/no type "Thermostat" is exported by .*caps\/index\.ts/);
    expect(() => collectDeclarations([{ module: 'nowhere/index', names: ['X'] }], root)).toThrow(DaqError);
  });

  it('refuses two different types of the same name', async () => {
    const root = await tree({ ...SOURCES, 'other/index.ts': 'export type Units = number;\n' });
    expect(() =>
      collectDeclarations([{ module: 'caps/index', names: ['Gauge'] }, { module: 'other/index', names: ['Units'] }], root),
    ).toThrow(/two types named "Units"/);
  });
});

describe('the running code as source', () => {
  const roots = [{ module: 'capabilities/index', names: ['Movable', 'FrameProducer'] }];

  it('finds the capability interfaces beside this module', () => {
    const movable = collectDeclarations(roots).declarations.find((d) => d.name === 'Movable');
    expect(sourceRoot()).toMatch(/[\\/]src$/);
    expect(movable?.text).toContain('moveAbs(position: number, options?: MoveOptions): Promise<void>;');
  });

  it('the build (dist/, where the CLI runs) gives the same declarations as the sources', () => {
    const built = join(sourceRoot(), '../dist/src');
    if (!existsSync(join(built, 'capabilities/index.d.ts'))) throw new Error(`${built} is missing: run \`make build\` first`);
    // tsc re-prints declarations: other indentation, and `;` after the last member of a type literal.
    const squash = (texts: { text: string }[]): string[] => texts.map((d) => d.text.replace(/\s+/g, ' ').replace(/; }/g, ' }'));
    expect(squash(collectDeclarations(TYPE_ROOTS, built).declarations)).toEqual(squash(collectDeclarations(TYPE_ROOTS).declarations));
  });
});
