/**
 * The type check a run passes before it starts (`daq run`, StartRun, the dashboard's Run): the
 * same check as `daq check`, against the lab's real devices, before any device is touched. A
 * script with a wrong method name is refused with each problem's file:line:column, instead of
 * failing at that line after the laser is on and the shutter open.
 *
 * A cold check costs about a second (the compiler parses the ES library), so it is paid as
 * rarely as possible: the daemon checks in an {@link EditorPool} worker whose language service
 * stays warm (tens of ms a script, off the main thread), and a script that passed is remembered
 * (`PassedScripts`), so that the same script run again (another parameter, a queue of repeats,
 * `daq run` after `daq check`) is not checked again.
 */
import { createHash } from 'node:crypto';
import { DaqError } from '../../core/errors.js';
import { loadTypeScript } from '../../core/typescript.js';
import { isTypeScript, type ScriptDiagnostic } from './check.js';

/** What the check says to do to run a script anyway (the CLI's flag, the API's field). */
export const SKIP_CHECK_HINT = 'daq run --no-check, or skip_check in StartRun, runs it without the check';

/** Scripts that passed the check, by {@link checkKey}. */
export interface PassedScripts {
  has(key: string): boolean;
  add(key: string): void;
}

/** Scripts remembered as passed in memory. */
const REMEMBERED = 256;

/** Remembers the last {@link REMEMBERED} scripts that passed, in memory (a daemon's). */
export function passedInMemory(): PassedScripts {
  const passed = new Set<string>();
  return {
    has: (key) => passed.has(key),
    add: (key) => {
      passed.add(key);
      if (passed.size > REMEMBERED) passed.delete(passed.values().next().value as string);
    },
  };
}

/**
 * What identifies a check's answer: the compiler's version, the lab's declarations, the script's
 * language (from its name) and its source. The same key, the same problems.
 */
export function checkKey(declarations: string, name: string, source: string): string {
  const language = isTypeScript(name) ? 'ts' : 'js';
  return createHash('sha256').update(`${loadTypeScript().version}\0${language}\0`).update(declarations).update('\0').update(source).digest('hex');
}

/** How a {@link RunChecker} finds problems: `daq check`'s `checkScript`, or an {@link EditorPool}'s `check`. */
export type ProblemFinder = (name: string, source: string) => Promise<readonly ScriptDiagnostic[]> | readonly ScriptDiagnostic[];

/** Checks scripts before their runs; one per lab (a daemon, a `daq run` process). */
export class RunChecker {
  /**
   * @param problemsOf finds the problems of a script against `declarations`
   * @param declarations the lab's declarations (what `daq types` prints)
   * @param against how the lab is named in a refusal (`examples/lab.toml`, `the lab "Optics"`)
   * @param passed the scripts known to pass
   */
  constructor(
    private readonly problemsOf: ProblemFinder,
    private readonly declarations: () => string,
    private readonly against: string,
    private readonly passed: PassedScripts = passedInMemory(),
  ) {}

  /**
   * Resolves when `source` (the script `name`: `.ts` checked as TypeScript, else JavaScript)
   * type-checks against the lab.
   * @throws DaqError `invalid_argument` listing each problem at its file:line:column; the
   *   checker's own error (`deadline_exceeded` for a script too large to check in time) when
   *   the check could not be made, with how to run without it.
   */
  async check(name: string, source: string): Promise<void> {
    const key = checkKey(this.declarations(), name, source);
    if (this.passed.has(key)) return;
    let problems: readonly ScriptDiagnostic[];
    try {
      problems = await this.problemsOf(name, source);
    } catch (error) {
      const e = DaqError.from(error);
      throw new DaqError(e.code, `${name} was not run: its type check could not be made: ${e.message} (${SKIP_CHECK_HINT})`, { cause: e });
    }
    if (problems.length > 0) throw refusal(name, problems, this.against);
    this.passed.add(key);
  }
}

/**
 * The refusal of a run whose script has type problems: one child per problem, at its
 * file:line:column, as `daq check` prints them.
 */
export function refusal(name: string, problems: readonly ScriptDiagnostic[], against: string): DaqError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const children = problems.map(
    (p) => new DaqError('invalid_argument', p.message.replace(/\n/g, '\n    '), { location: { file: p.file, line: p.line, column: p.column } }),
  );
  return new DaqError('invalid_argument', `${name} was not run: the type check against ${against} found ${count} (no device was touched; ${SKIP_CHECK_HINT})`, { children });
}
