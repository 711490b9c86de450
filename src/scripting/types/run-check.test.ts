/**
 * The check before a run: a script with problems is refused with each at its file:line:column,
 * a script that passed is not checked again (same lab, same source, same language), and a check
 * that cannot be made refuses the run, saying how to run without it.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSystemClock, DaqError, formatErrorTree } from '../../core/index.js';
import { Lab } from '../../devices/index.js';
import { DRIVERS } from '../../drivers/index.js';
import { checkScript, type ScriptDiagnostic } from './check.js';
import { labDeclarations } from './declarations.js';
import { checkKey, RunChecker } from './run-check.js';

let declarations: string;

beforeAll(async () => {
  declarations = labDeclarations(await Lab.load(join(import.meta.dirname, '../../../examples/lab.toml'), DRIVERS, createSystemClock()));
});

/** A checker over `checkScript` that counts the checks it makes. */
function counting(): { checker: RunChecker; checks: () => number } {
  let checks = 0;
  const find = (name: string, source: string): ScriptDiagnostic[] => {
    checks += 1;
    return checkScript(source, name, declarations);
  };
  return { checker: new RunChecker(find, () => declarations, 'examples/lab.toml'), checks: () => checks };
}

describe('RunChecker', () => {
  it('refuses a script with problems, each at its file:line:column, as daq check prints them', async () => {
    const { checker } = counting();
    const refused = await checker.check('scans/bad.js', 'stage.moveAbs(1);\ncamera.moveAbs(2);\nstage.moveAbs("3");\n').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DaqError);
    expect(refused).toMatchObject({ code: 'invalid_argument' });
    const lines = formatErrorTree(refused).split('\n');
    expect(lines[0]).toBe('scans/bad.js was not run: the type check against examples/lab.toml found 2 problems (no device was touched; daq run --no-check, or skip_check in StartRun, runs it without the check)');
    expect(lines[1]).toMatch(/^ {2}scans\/bad\.js:2:8: Property 'moveAbs' does not exist on type 'Device & Triggerable/);
    expect(lines[2]).toBe("  scans/bad.js:3:15: Argument of type 'string' is not assignable to parameter of type 'number'.");
  });

  it('checks a script once: the same source passes again without a check, an edit or another language is checked', async () => {
    const { checker, checks } = counting();
    const source = 'stage.moveAbs(Number(params.x ?? 1));\n';
    await checker.check('a.js', source);
    await checker.check('renamed.js', source);
    expect(checks()).toBe(1);
    await checker.check('a.ts', source);
    expect(checks()).toBe(2);
    await checker.check('a.js', `${source}log('edited');\n`);
    expect(checks()).toBe(3);
    // a refused script is checked every time (it is never remembered)
    await expect(checker.check('a.js', 'stage.moveAbz(1);\n')).rejects.toThrow(/was not run/);
    await expect(checker.check('a.js', 'stage.moveAbz(1);\n')).rejects.toThrow(/was not run/);
    expect(checks()).toBe(5);
  });

  it('another lab is another check: the key holds the declarations', () => {
    expect(checkKey(declarations, 'a.js', 'x')).toBe(checkKey(declarations, 'b.js', 'x'));
    expect(checkKey(declarations, 'a.js', 'x')).not.toBe(checkKey(`${declarations}\n`, 'a.js', 'x'));
    expect(checkKey(declarations, 'a.js', 'x')).not.toBe(checkKey(declarations, 'a.ts', 'x'));
  });

  it('a check that cannot be made refuses the run, with why and how to run without it', async () => {
    const checker = new RunChecker(
      () => {
        throw new DaqError('deadline_exceeded', 'checking huge.js took longer than 20 s');
      },
      () => declarations,
      'examples/lab.toml',
    );
    await expect(checker.check('huge.js', 'log(1);\n')).rejects.toMatchObject({
      code: 'deadline_exceeded',
      message: 'huge.js was not run: its type check could not be made: checking huge.js took longer than 20 s (daq run --no-check, or skip_check in StartRun, runs it without the check)',
    });
  });
});
