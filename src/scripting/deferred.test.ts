import { describe, expect, test } from 'vitest';
import { DaqError } from '../core/errors.js';
import { runSandboxed, startSandboxed } from './sandbox.js';
import type { HostFunctions, JsonValue } from './types.js';

/** Host functions that note every call in order; `note` is deferred. */
function noting(): { calls: string[]; host: HostFunctions } {
  const calls: string[] = [];
  const host: HostFunctions = {
    note: (args) => {
      calls.push(`note ${JSON.stringify(args)}`);
    },
    get: async () => {
      calls.push('get');
      return calls.length;
    },
  };
  return { calls, host };
}

describe('deferred host calls (the script does not wait for them)', () => {
  test('run in order, before the next call the script waits for, and all of them before the run ends', async () => {
    const { calls, host } = noting();
    const outcome = await runSandboxed({
      source: `note(1); note('two', {x: [3]}); const n = get(); for (let i = 0; i < 1000; i++) note(i); n`,
      filename: 'deferred.js',
      host,
      deferred: ['note'],
    });
    expect(outcome).toMatchObject({ status: 'success', value: 3, hostCalls: 1003 });
    expect(calls.slice(0, 3)).toEqual(['note [1]', 'note ["two",{"x":[3]}]', 'get']);
    expect(calls.slice(3)).toEqual(Array.from({ length: 1000 }, (_, i) => `note [${i}]`));
  });

  test('an error of one is thrown at the script\'s next call (which does not run, nor do the deferred calls made after the refused one), and the script can catch it', async () => {
    const calls: string[] = [];
    const host: HostFunctions = {
      check: ([x]) => {
        calls.push(`check ${String(x)}`);
        if (x === 'bad') throw new DaqError('invalid_argument', 'check: "bad" is refused (at deferred.js:2)');
      },
      other: () => {
        calls.push('other');
        return 1;
      },
    };
    const outcome = await runSandboxed({
      source: `check('ok');\ncheck('bad');\ncheck('after');\nlet seen;\ntry { other(); } catch (e) { seen = [e.code, e.message]; }\n[seen, other()]`,
      filename: 'deferred.js',
      host,
      deferred: ['check'],
    });
    expect(outcome).toMatchObject({ status: 'success', value: [['invalid_argument', 'check: "bad" is refused (at deferred.js:2)'], 1] });
    // had the script waited for check('bad'), it would have stopped there: check('after') is not done
    expect(calls).toEqual(['check ok', 'check bad', 'other']);
  });

  test('sent in batches the script does not wait for: a refusal in one drops every call made after it, in that batch and those queued since', async () => {
    const done: number[] = [];
    const outcome = await runSandboxed({
      source: `let thrownAt = -1;\ntry { for (let i = 0; i < 2000; i++) { thrownAt = i; check(i); } } catch (e) { thrownAt = [thrownAt, e.message]; }\nthrownAt`,
      filename: 'deferred.js',
      host: {
        check: ([i]) => {
          done.push(Number(i));
          if (i === 10) throw new DaqError('invalid_argument', 'check: 10 is refused');
        },
      },
      deferred: ['check'],
    });
    expect(outcome.status).toBe('success');
    const [thrownAt, message] = (outcome as unknown as { value: [number, string] }).value;
    expect(message).toBe('check: 10 is refused');
    // the script went on while its first batch ran, and learnt of the refusal when it sent the next
    expect(thrownAt).toBeGreaterThan(10);
    expect(done).toEqual(Array.from({ length: 11 }, (_, i) => i));
  });

  test('an error of one the script never saw fails the run at its end', async () => {
    const outcome = await runSandboxed({
      source: `bad(); 42`,
      filename: 'deferred.js',
      host: {
        bad: async () => {
          throw new DaqError('out_of_range', 'bad: refused');
        },
      },
      deferred: ['bad'],
    });
    expect(outcome.status).toBe('fail');
    if (outcome.status !== 'success') expect(outcome.error).toMatchObject({ code: 'out_of_range', message: 'bad: refused' });
  });

  test('are sent within milliseconds while the script computes without calling the host, and kept when it is aborted', async () => {
    const arrived: JsonValue[] = [];
    let first: () => void = () => undefined;
    const firstArrived = new Promise<void>((resolve) => (first = resolve));
    const handle = startSandboxed({
      source: `note('before the loop'); for (;;) {}`,
      filename: 'deferred.js',
      host: {
        note: ([x]) => {
          arrived.push(x ?? null);
          first();
        },
      },
      deferred: ['note'],
    });
    await firstArrived;
    handle.abort();
    expect((await handle.outcome).status).toBe('abort');
    expect(arrived).toEqual(['before the loop']);
  });

  test('several made before the script computes are all sent within milliseconds (those kept inside QuickJS too)', async () => {
    const arrived: JsonValue[] = [];
    let last: () => void = () => undefined;
    const lastArrived = new Promise<void>((resolve) => (last = resolve));
    const handle = startSandboxed({
      // the first crosses to the worker at once; the next ones wait inside QuickJS until the worker takes them
      source: `note(0); note(1); note(2); for (;;) {}`,
      filename: 'deferred.js',
      host: {
        note: ([x]) => {
          arrived.push(x ?? null);
          if (x === 2) last();
        },
      },
      deferred: ['note'],
    });
    await lastArrived;
    handle.abort();
    expect((await handle.outcome).status).toBe('abort');
    expect(arrived).toEqual([0, 1, 2]);
  });

  test('each arrives once and in order when the worker takes those kept in QuickJS in the middle of a call', async () => {
    const arrived: number[] = [];
    const outcome = await runSandboxed({
      // a little work between calls: a batch takes longer than the worker lets calls wait, so its
      // interrupt handler takes them while the script runs, often in the middle of a call of note()
      source: `for (let i = 0; i < 20000; i++) { note(i); for (let k = 0; k < 30; k++); }`,
      filename: 'deferred.js',
      host: {
        note: ([x]) => {
          arrived.push(Number(x));
        },
      },
      deferred: ['note'],
    });
    expect(outcome.status).toBe('success');
    expect(arrived).toEqual(Array.from({ length: 20000 }, (_, i) => i));
  });

  test.each([
    ['runs out of memory', `const s = 'x'.repeat(1 << 26);`],
    ['fills its memory to the last byte', `const a = []; for (;;) a.push([a.length, 'y' + a.length]);`],
    ['overflows its stack', `function f(n) { return f(n + 1) + 1; }\nf(0);`],
  ])('those kept inside QuickJS are still delivered when the script %s', async (_what, failing) => {
    const arrived: number[] = [];
    const outcome = await runSandboxed({
      source: `for (let i = 0; i < 100; i++) note(i);\n${failing}`,
      filename: 'deferred.js',
      host: {
        note: ([x]) => {
          arrived.push(Number(x));
        },
      },
      deferred: ['note'],
      limits: { maxMemoryMb: 32 },
    });
    expect(outcome.status).toBe('fail');
    expect(arrived).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  test('an abort while a batch runs keeps what the script queued after that batch', async () => {
    const arrived: number[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let first: () => void = () => undefined;
    const firstArrived = new Promise<void>((resolve) => (first = resolve));
    const handle = startSandboxed({
      // 300 calls: the first 256 go as a batch the script does not wait for, the rest are queued behind it
      source: `for (let i = 0; i < 300; i++) note(i); for (;;) {}`,
      filename: 'deferred.js',
      host: {
        note: ([x]) => {
          arrived.push(Number(x));
          if (x !== 0) return undefined;
          first();
          return held; // the first batch is still running when the run is aborted
        },
      },
      deferred: ['note'],
    });
    await firstArrived;
    handle.abort();
    release();
    expect((await handle.outcome).status).toBe('abort');
    expect(arrived).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  test('made before a stop by the wall-time limit are still delivered', async () => {
    const arrived: number[] = [];
    const outcome = await runSandboxed({
      source: `for (let i = 0; i < 10; i++) note(i); block();`,
      filename: 'deferred.js',
      host: {
        note: ([x]) => {
          arrived.push(Number(x));
        },
        block: () => new Promise(() => undefined),
      },
      deferred: ['note'],
      // the limit counts from the worker's start, which takes most of a second on a machine whose cores are all busy
      limits: { wallTimeS: 3 },
    });
    expect(outcome.status).toBe('fail');
    expect(arrived).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('while paused, deferred calls still run; the waiting call is held until resume', async () => {
    const { calls, host } = noting();
    let noted: () => void = () => undefined;
    const notedAll = new Promise<void>((resolve) => (noted = resolve));
    const handle = startSandboxed({
      source: `note('a'); note('b'); get()`,
      filename: 'deferred.js',
      host: {
        ...host,
        note: (args, context) => {
          void (host.note as (a: JsonValue[], c: typeof context) => void)(args, context);
          if (calls.length === 2) noted();
        },
      },
      deferred: ['note'],
    });
    handle.pause();
    await notedAll;
    await expect.poll(() => handle.holding).toBe(true);
    expect(calls).toEqual(['note ["a"]', 'note ["b"]']);
    handle.resume();
    expect(await handle.outcome).toMatchObject({ status: 'success', value: 3 });
  });

  test('a deferred name that is not a host function is refused before anything runs', async () => {
    await expect(runSandboxed({ source: '1', filename: 'x.js', host: { a: () => 1 }, deferred: ['b'] })).rejects.toThrow(
      'deferred host function "b" is not one of the host functions',
    );
  });
});
