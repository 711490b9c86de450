import { describe, expect, test } from 'vitest';
import { DaqError } from '../core/errors.js';
import { runSandboxed, startSandboxed, type ScriptOutcome } from './sandbox.js';
import type { HostFunctions, JsonValue } from './types.js';

function failed(outcome: ScriptOutcome): Extract<ScriptOutcome, { status: 'fail' | 'abort' }> {
  if (outcome.status === 'success') throw new Error(`expected a failure, got success with ${JSON.stringify(outcome.value)}`);
  return outcome;
}

const run = (source: string, host: HostFunctions = {}, globals?: Record<string, JsonValue>) =>
  runSandboxed({ source, filename: 'experiment.js', host, ...(globals === undefined ? {} : { globals }) });

describe('host calls', () => {
  test('keepValue: false leaves the script\'s last value alone (no JSON of it, none of its toJSON runs)', async () => {
    let asked = 0;
    const source = '({ toJSON() { note(); return 42; } })';
    const host: HostFunctions = { note: () => void asked++ };
    expect(await runSandboxed({ source, filename: 'v.js', host, keepValue: false })).toMatchObject({ status: 'success', value: undefined });
    expect(asked).toBe(0);
    expect(await runSandboxed({ source, filename: 'v.js', host })).toMatchObject({ status: 'success', value: 42 });
    expect(asked).toBe(1);
  });

  test('round-trip JSON values through synchronous-looking calls, sync and async host functions alike', async () => {
    const seen: JsonValue[][] = [];
    const host: HostFunctions = {
      echo: async (args) => {
        seen.push(args);
        return args[0];
      },
      'stage.position': () => 12.5,
      nothing: () => undefined,
    };
    const value = { a: [1, 'é ✓', null, true], b: { c: -1.5e-9 } };
    const outcome = await run(
      `const back = echo(${JSON.stringify(value)}, undefined);
       [back, stage.position() * 2, typeof nothing(), typeof stage, Object.keys(stage)]`,
      host,
    );
    expect(outcome).toMatchObject({ status: 'success', value: [value, 25, 'undefined', 'object', ['position']], hostCalls: 3 });
    expect(seen).toEqual([[value]]);
  });

  test('a host error is a catchable Error in the script with its message and code', async () => {
    const host: HostFunctions = {
      'stage.moveAbs': async () => {
        throw new DaqError('out_of_range', 'stage: 500 mm is beyond the travel of 0..300 mm', { device: 'stage' });
      },
    };
    const outcome = await run(
      `let caught;
       try { stage.moveAbs(500) } catch (e) { caught = [e instanceof Error, e.code, e.message] }
       caught`,
      host,
    );
    expect(outcome).toMatchObject({ status: 'success', value: [true, 'out_of_range', 'stage: 500 mm is beyond the travel of 0..300 mm'] });
  });

  test('an uncaught host error fails the run with its code, at the line of the call', async () => {
    const host: HostFunctions = {
      'stage.moveAbs': () => {
        throw new DaqError('out_of_range', 'too far');
      },
    };
    const error = failed(await run('const x = 1;\n\nstage.moveAbs(500);\n', host)).error;
    expect(error.code).toBe('out_of_range');
    expect(error.message).toBe('too far');
    expect(error.line).toBe(3);
    expect(error.stack).toContain('experiment.js:3');
    expect(error.stack).not.toContain('daq:host');
  });

  test('answers larger than the shared buffer arrive whole', async () => {
    const outcome = await run('big().length', { big: () => 'é'.repeat(400_000) });
    expect(outcome).toMatchObject({ status: 'success', value: 400_000 });
  });

  test('pause holds the next host call until resume', async () => {
    let calls = 0;
    const handle = startSandboxed({
      source: 'for (let i = 0; i < 4; i++) tick(); "done"',
      filename: 'pause.js',
      host: {
        tick: () => {
          calls += 1;
          if (calls === 2) handle.pause();
        },
      },
    });
    await expect.poll(() => handle.holding).toBe(true); // the third tick() waits for a resume
    expect(calls).toBe(2);
    handle.resume();
    expect(await handle.outcome).toMatchObject({ status: 'success', value: 'done' });
    expect(calls).toBe(4);
  });
});

describe('the script', () => {
  test('sees its globals and nothing of Node', async () => {
    const outcome = await run(
      `[params.steps * 2, typeof fs, typeof process, typeof require, typeof fetch, typeof setTimeout, typeof console, typeof WebAssembly]`,
      {},
      { params: { steps: 21 } },
    );
    expect(outcome).toMatchObject({ status: 'success', value: [42, ...Array<string>(7).fill('undefined')] });
  });

  test('a thrown error reports the user file, line and column, and the script stack', async () => {
    const error = failed(await run('function check(x) {\n  if (x > 1)\n    throw new RangeError("x is " + x);\n}\ncheck(5);')).error;
    expect(error).toMatchObject({ code: 'aborted', message: 'RangeError: x is 5', line: 3 });
    expect(error.location).toEqual({ file: 'experiment.js', line: 3, column: error.column });
    expect(error.column).toBeGreaterThan(4);
    expect(error.stack).toMatch(/^RangeError: x is 5\n\s+at check \(experiment\.js:3:\d+\)\n\s+at .*experiment\.js:5/);
  });

  test('a thrown object with a known code keeps it', async () => {
    const error = failed(await run('throw Object.assign(new Error("no sample"), { code: "failed_precondition" })')).error;
    expect(error.code).toBe('failed_precondition');
  });

  test('a syntax error fails with invalid_argument at its line', async () => {
    const error = failed(await run('const a = 1;\nlet x = ;')).error;
    expect(error).toMatchObject({ code: 'invalid_argument', line: 2 });
    expect(error.message).toMatch(/^SyntaxError/);
  });

  test('an async main runs to completion and its result is the value', async () => {
    const outcome = await run('async function main() { const p = stage.position(); return p + 1 }\nmain()', { 'stage.position': async () => 41 });
    expect(outcome).toMatchObject({ status: 'success', value: 42 });
  });

  test('a global that JavaScript already has is refused', async () => {
    const error = failed(await run('1', { JSON: () => null })).error;
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toContain('"JSON"');
  });
});

describe('the prelude', () => {
  const prelude = `
    const real = globalThis.stage;
    globalThis.stage = new Proxy(real, {
      get(target, key) {
        if (key in target) return target[key];
        throw new TypeError('stage has no method "' + String(key) + '"');
      },
    });
    delete globalThis.__hidden;`;

  test('runs before the script, may wrap and delete globals, and stays out of its stack traces', async () => {
    const outcome = await runSandboxed({
      source: 'const p = stage.position();\nconst hidden = typeof __hidden;\nstage.fly(p);',
      filename: 'wrapped.js',
      host: { 'stage.position': () => 3, '__hidden.call': () => null },
      prelude,
    });
    const error = failed(outcome).error;
    expect(error.message).toBe('TypeError: stage has no method "fly"');
    expect(error.line).toBe(3);
    expect(error.stack).not.toContain('daq:prelude');
  });

  test('a prelude that throws fails the run as an internal error', async () => {
    const outcome = await runSandboxed({ source: '1', filename: 'x.js', host: {}, prelude: 'null.x' });
    expect(failed(outcome).error).toMatchObject({ code: 'internal' });
    expect(failed(outcome).error.message).toMatch(/^the script prelude failed: TypeError/);
  });
});

describe('options', () => {
  test('bad host names, clashing globals and limits are refused at once, all together', () => {
    const start = () =>
      startSandboxed({
        source: '1',
        filename: 'x.js',
        host: { 'bad-name': () => null, stage: () => null, 'stage.moveAbs': () => null },
        globals: { stage: 1 },
        limits: { maxMemoryMb: 1 },
      });
    expect(start).toThrow(DaqError);
    try {
      start();
    } catch (error) {
      const messages = (error as DaqError).children.map((child) => child.message).join('\n');
      expect(messages).toContain('"bad-name"');
      expect(messages).toContain('both a function and a namespace');
      expect(messages).toContain('global "stage"');
      expect(messages).toContain('maxMemoryMb');
    }
  });
});
