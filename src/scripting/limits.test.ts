import { describe, expect, test } from 'vitest';
import { DEFAULT_SCRIPT_LIMITS, resolveLimits } from './limits.js';
import { runSandboxed, type ScriptOutcome } from './sandbox.js';
import { failureError } from './script-error.js';
import type { ScriptLimits } from './limits.js';
import type { HostFunctions } from './types.js';

function failed(outcome: ScriptOutcome): Extract<ScriptOutcome, { status: 'fail' | 'abort' }> {
  if (outcome.status === 'success') throw new Error(`expected a failure, got success with ${JSON.stringify(outcome.value)}`);
  return outcome;
}

const run = (source: string, limits: Partial<ScriptLimits>, host: HostFunctions = {}) =>
  runSandboxed({ source, filename: 'limits.js', host, limits });

describe('limits stop a script and the daemon keeps working', () => {
  test('while (true) {} exhausts the operation budget', async () => {
    const error = failed(await run('let i = 0;\nwhile (true) { i++ }', { maxOperations: 200 })).error;
    expect(error).toMatchObject({ code: 'resource_exhausted', limit: 'maxOperations' });
    expect(error.message).toContain('operation budget of 200 ticks exhausted');
    expect(error.line).toBeDefined();
    // The host process is fine: the next script runs.
    expect(await run('6 * 7', {})).toMatchObject({ status: 'success', value: 42 });
  });

  test('while (true) {} is stopped at the wall-time limit', async () => {
    const outcome = failed(await run('while (true) {}', { wallTimeS: 0.3 }));
    expect(outcome.error).toMatchObject({ code: 'deadline_exceeded', limit: 'wallTimeS' });
    expect(outcome.error.message).toBe('script ran longer than its wall-time limit of 0.3 s');
    expect(outcome.durationS).toBeGreaterThanOrEqual(0.3);
  });

  test('a host call still running at the wall-time limit is cut short, and told so', async () => {
    let signal: AbortSignal | undefined;
    const host: HostFunctions = {
      wait: (_args, call) => {
        signal = call.signal;
        return new Promise(() => undefined);
      },
    };
    // The limit counts from the run's start, the worker's start-up included: 5 s leave room for
    // it on a loaded machine (`make test-under-load`), where 1 s did not always.
    const error = failed(await run('try { wait() } catch (e) {}\nwhile (true) {}', { wallTimeS: 5 }, host)).error;
    expect(error.limit).toBe('wallTimeS');
    expect(signal, 'the script started only after its deadline').toBeDefined();
    expect(signal?.aborted).toBe(true);
  });

  test('a memory bomb hits the memory limit, and the daemon does not grow', async () => {
    const peakBeforeKb = process.resourceUsage().maxRSS;
    const outcome = failed(await run('let a = [];\nwhile (true) a.push(new Array(1e6).fill(1));', {}));
    expect(outcome.error).toMatchObject({ code: 'resource_exhausted', limit: 'maxMemoryMb' });
    expect(outcome.error.message).toBe('script exceeded its memory limit of 64 MB');
    // Unbounded, this reaches gigabytes in a second; capped, the process peak moves by at most
    // the script's 64 MB plus its worker.
    expect(process.resourceUsage().maxRSS - peakBeforeKb).toBeLessThan(400 * 1024);
  });

  test('strings and typed arrays are capped too (upstream issue #271: the heap limit misses them)', async () => {
    const strings = failed(await run('const s = [];\nwhile (true) s.push("x".repeat(1 << 20) + s.length);', { maxMemoryMb: 32 }));
    expect(strings.error.limit).toBe('maxMemoryMb');
    const buffers = failed(await run('const b = [];\nwhile (true) b.push(new Uint8Array(1 << 20));', { maxMemoryMb: 32 }));
    expect(buffers.error.limit).toBe('maxMemoryMb');
  });

  test('deep recursion hits the stack limit', async () => {
    const error = failed(await run('function down(n) {\n  return down(n + 1) + 1;\n}\ndown(0);', {})).error;
    expect(error).toMatchObject({ code: 'resource_exhausted', limit: 'maxStackKb' });
    expect(error.message).toContain('stack limit of 512 KB');
  });
});

describe('resolveLimits', () => {
  test('fills defaults and refuses values out of range', () => {
    expect(resolveLimits({ wallTimeS: 5 })).toEqual({ ...DEFAULT_SCRIPT_LIMITS, wallTimeS: 5 });
    expect(() => resolveLimits({ maxStackKb: 1e6 })).toThrow(/maxStackKb must be a number from 16 to 4096/);
    expect(() => resolveLimits({ wallTimeS: Number.NaN, maxMemoryMb: 4 })).toThrow(/2 script limits are invalid/);
  });
});

describe("a run's outcome is the host's own record of why it stopped", () => {
  test('a looping getter planted on Error.prototype does not turn the operation budget into the wall-time limit', async () => {
    for (const key of ['code', 'name', 'message', 'stack']) {
      const source = `Object.defineProperty(Error.prototype, '${key}', { get() { while (true) {} } });\nwhile (true) {}`;
      const error = failed(await run(source, { maxOperations: 100, wallTimeS: 600 })).error;
      expect(error, key).toMatchObject({ code: 'resource_exhausted', limit: 'maxOperations' });
    }
    const hasInstance = `Object.defineProperty(Error, Symbol.hasInstance, { value() { while (true) {} } });\nwhile (true) {}`;
    expect(failed(await run(hasInstance, { maxOperations: 100, wallTimeS: 600 })).error.limit).toBe('maxOperations');
  });

  test("a looping toJSON on the script's last value fails the run at the limit, never success", async () => {
    const error = failed(await run('let i = 0;\n({ toJSON() { while (true) { i++ } } })', { maxOperations: 1000, wallTimeS: 600 })).error;
    expect(error).toMatchObject({ code: 'resource_exhausted', limit: 'maxOperations' });
  });

  test('a thrown plain object is still shown as JSON', async () => {
    expect(failed(await run('throw { reason: "bad", n: 2 }', {})).error.message).toContain('uncaught exception: {"reason":"bad","n":2}');
  });
});

test('QuickJS out of memory so far that it throws null (no room for its error) is reported as the memory limit', () => {
  const report = { type: 'done', ok: false, phase: 'run', error: { name: 'Error', message: 'uncaught exception: null', stack: '' } } as const;
  expect(failureError({ ...report, memoryFull: true }, DEFAULT_SCRIPT_LIMITS, 'scan.js')).toMatchObject({
    code: 'resource_exhausted',
    limit: 'maxMemoryMb',
    message: 'script exceeded its memory limit of 64 MB',
  });
  // `throw null` in a script with memory to spare stays the script's own exception
  expect(failureError({ ...report, memoryFull: false }, DEFAULT_SCRIPT_LIMITS, 'scan.js').message).toBe('uncaught exception: null');
});
