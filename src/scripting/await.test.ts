/**
 * Scripts written async (`await stage.moveAbs(12.5)` outside any function) run: device calls
 * answer at once, so `await` waits for nothing more. Errors keep their lines, and the limits and
 * aborts stop such a script as they stop any other.
 */
import { describe, expect, test } from 'vitest';
import { DaqError } from '../core/errors.js';
import { runSandboxed, startSandboxed, type ScriptOutcome } from './sandbox.js';
import type { HostFunctions } from './types.js';

function failed(outcome: ScriptOutcome): Extract<ScriptOutcome, { status: 'fail' | 'abort' }> {
  if (outcome.status === 'success') throw new Error(`expected a failure, got success with ${JSON.stringify(outcome.value)}`);
  return outcome;
}

/** A stage whose calls are listed in `calls`. */
function stageHost(): { host: HostFunctions; calls: string[] } {
  const calls: string[] = [];
  let position = 0;
  const host: HostFunctions = {
    'stage.moveAbs': (args) => {
      calls.push(`moveAbs ${String(args[0])}`);
      position = Number(args[0]);
    },
    'stage.position': () => {
      calls.push('position');
      return position;
    },
    log: (args) => void calls.push(`log ${String(args[0])}`),
  };
  return { host, calls };
}

const run = (source: string, host: HostFunctions, filename = 'async.js') => runSandboxed({ source, filename, host });

describe('await in scripts', () => {
  test('top-level await on device calls runs them in order and gives their values', async () => {
    const { host, calls } = stageHost();
    const outcome = await run('const before = await stage.position();\nawait stage.moveAbs(12.5);\nconst after = await stage.position();\n[before, after]', host);
    expect(outcome).toMatchObject({ status: 'success', value: [0, 12.5] });
    expect(calls).toEqual(['position', 'moveAbs 12.5', 'position']);
  });

  test('an error after an await names the line of the script', async () => {
    const { host } = stageHost();
    const error = failed(await run('await stage.moveAbs(1);\n\nconst p = null;\np.value;\n', host)).error;
    expect(error.stack).toMatch(/^TypeError: /);
    expect(error.line).toBe(4);
    expect(error.stack).toContain('async.js:4');
  });

  test('a host error thrown at an awaited call fails the run at that line, and try/catch around the await catches it', async () => {
    const host: HostFunctions = {
      'stage.moveAbs': () => {
        throw new DaqError('out_of_range', 'stage: 500 mm is beyond the travel of 0..300 mm');
      },
    };
    const error = failed(await run('const x = 1;\nawait stage.moveAbs(500);\n', host)).error;
    expect(error).toMatchObject({ code: 'out_of_range', line: 2 });
    const caught = await run("let code = '';\ntry { await stage.moveAbs(500); } catch (e) { code = e.code; }\ncode", host);
    expect(caught).toMatchObject({ status: 'success', value: 'out_of_range' });
  });

  test('a TypeScript script with await runs with its own line numbers', async () => {
    const { host } = stageHost();
    const source = 'interface P {\n  mm: number;\n}\nawait stage.moveAbs(3);\nconst p: P = { mm: await stage.position() };\nlog(p.mm);\nnull!.x;\n';
    const error = failed(await run(source, host, 'async.ts')).error;
    expect(error.stack).toMatch(/^TypeError: /);
    expect(error.line).toBe(7);
  });

  test('an async main() that fails after awaiting fails the run (its promise is the last value)', async () => {
    const { host, calls } = stageHost();
    const source = 'async function main() {\n  await stage.moveAbs(1);\n  throw new Error("lost the beam");\n}\nawait stage.moveAbs(0);\nmain();\n';
    const error = failed(await run(source, host)).error;
    expect(error.message).toBe('lost the beam');
    expect(error.line).toBe(3);
    expect(calls).toEqual(['moveAbs 0', 'moveAbs 1']);
  });

  test('`export {}` (once suggested by daq check) is accepted and does nothing', async () => {
    const { host } = stageHost();
    expect(await run('export {};\nawait stage.moveAbs(2);\nawait stage.position()', host)).toMatchObject({ status: 'success', value: 2 });
    const error = failed(await run('export {};\n\nnull.x;', host)).error;
    expect(error.line).toBe(3);
  });

  test('the operation budget and the wall-time limit stop an awaiting script', async () => {
    const { host } = stageHost();
    const looping = failed(await runSandboxed({ source: 'await stage.moveAbs(1);\nwhile (true) {}', filename: 'loop.js', host, limits: { maxOperations: 200 } })).error;
    expect(looping).toMatchObject({ code: 'resource_exhausted', limit: 'maxOperations' });
    const late = failed(await runSandboxed({ source: 'await stage.moveAbs(1);\nwhile (true) {}', filename: 'loop.js', host, limits: { wallTimeS: 0.3 } })).error;
    expect(late).toMatchObject({ code: 'deadline_exceeded', limit: 'wallTimeS' });
  });

  test('an abort while an awaiting script waits on a device stops it; its finally runs', async () => {
    const logs: string[] = [];
    let reached: () => void = () => undefined;
    const waiting = new Promise<void>((resolve) => (reached = resolve));
    const host: HostFunctions = {
      log: (args) => void logs.push(String(args[0])),
      'stage.waitSettled': () => {
        reached();
        return new Promise(() => undefined);
      },
    };
    const handle = startSandboxed({ source: "try {\n  await stage.waitSettled();\n} finally {\n  log('cleanup');\n}", filename: 'abort.js', host, limits: { abortGraceS: 3600 } });
    await waiting;
    handle.abort(new DaqError('cancelled', 'stopped by the user'));
    const outcome = failed(await handle.outcome);
    expect(outcome.status).toBe('abort');
    expect(logs).toEqual(['cleanup']);
  });
});
