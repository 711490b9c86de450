import { describe, expect, test } from 'vitest';
import { DaqError } from '../core/errors.js';
import { startSandboxed, runSandboxed, type ScriptOutcome } from './sandbox.js';
import type { HostFunctions } from './types.js';

function failed(outcome: ScriptOutcome): Extract<ScriptOutcome, { status: 'fail' | 'abort' }> {
  if (outcome.status === 'success') throw new Error(`expected a failure, got success with ${JSON.stringify(outcome.value)}`);
  return outcome;
}

/**
 * Host functions that record `log` calls, and a `wait` that never answers. `started` resolves at
 * `log('start')`, `waiting` when the first `stage.waitSettled` call has reached the host.
 */
function recordingHost(): { host: HostFunctions; logs: string[]; waits: AbortSignal[]; started: Promise<void>; waiting: Promise<void> } {
  const logs: string[] = [];
  const waits: AbortSignal[] = [];
  let markStarted: () => void = () => undefined;
  let markWaiting: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const waiting = new Promise<void>((resolve) => (markWaiting = resolve));
  const host: HostFunctions = {
    log: (args) => {
      logs.push(String(args[0]));
      if (args[0] === 'start') markStarted();
    },
    'stage.waitSettled': (_args, call) => {
      waits.push(call.signal);
      markWaiting();
      return new Promise(() => undefined);
    },
  };
  return { host, logs, waits, started, waiting };
}

/** No grace period's end can stop the script in these tests: what stops it is the abort itself. */
const NO_GRACE = { abortGraceS: 3600 };

describe('abort', () => {
  test('during a host call that never answers: the script sees an exception and its finally runs, without waiting for the grace period', async () => {
    const { host, logs, waits, waiting } = recordingHost();
    const handle = startSandboxed({
      source: `log('start');
try {
  stage.waitSettled();
  log('not reached');
} catch (e) {
  log('caught ' + e.code);
  throw e;
} finally {
  log('cleanup');
}`,
      filename: 'abort.js',
      host,
      limits: NO_GRACE,
    });
    await waiting; // the call is at the host, and never answers
    const abortedAt = performance.now();
    handle.abort(new DaqError('cancelled', 'stopped by the user'));
    const outcome = failed(await handle.outcome);
    console.info(`aborted during a host call in ${(performance.now() - abortedAt).toFixed(1)} ms`);
    expect(outcome.status).toBe('abort');
    expect(outcome.error.code).toBe('cancelled');
    expect(outcome.error.message).toBe('script aborted: stopped by the user');
    expect(logs).toEqual(['start', 'caught cancelled', 'cleanup']);
    expect(waits).toHaveLength(1);
    expect(waits[0]?.aborted).toBe(true);
  });

  test('a computing script is stopped by its own interrupt handler, without waiting for the grace period', async () => {
    const { host, started } = recordingHost();
    const controller = new AbortController();
    const outcome = runSandboxed({ source: "log('start');\nwhile (true) {}", filename: 'spin.js', host, signal: controller.signal, limits: NO_GRACE });
    await started;
    const abortedAt = performance.now();
    controller.abort();
    expect((await outcome).status).toBe('abort');
    console.info(`aborted a computing script in ${(performance.now() - abortedAt).toFixed(1)} ms`);
  });

  test('cleanup that outlives the grace period is cut off', async () => {
    const { host, logs, started } = recordingHost();
    const handle = startSandboxed({
      source: "log('start');\ntry { stage.waitSettled() } finally { log('cleanup'); stage.waitSettled(); log('never') }",
      filename: 'stuck.js',
      host,
      limits: { abortGraceS: 0.2 },
    });
    await started;
    handle.abort();
    const outcome = await handle.outcome; // only the end of the grace period ends this script
    expect(outcome.status).toBe('abort');
    expect(logs).toEqual(['start', 'cleanup']);
  });

  test('while paused: the held host call throws the abort error and cleanup calls go through', async () => {
    const { host, logs, started } = recordingHost();
    const handle = startSandboxed({
      source: "log('start');\ntry { log('held') } catch (e) { log('caught ' + e.code) } finally { log('cleanup') }",
      filename: 'paused.js',
      host,
    });
    await started;
    handle.pause();
    await expect.poll(() => handle.holding).toBe(true); // log('held') waits for a resume
    handle.abort();
    expect((await handle.outcome).status).toBe('abort');
    expect(logs).toEqual(['start', 'caught cancelled', 'cleanup']);
  });

  test('an already aborted signal ends the run before it starts', async () => {
    let called = false;
    const outcome = await runSandboxed({
      source: 'log(1)',
      filename: 'never.js',
      host: { log: () => void (called = true) },
      signal: AbortSignal.abort(new DaqError('cancelled', 'the queue was cleared')),
    });
    expect(failed(outcome)).toMatchObject({ status: 'abort', error: { message: 'script aborted: the queue was cleared' } });
    expect(called).toBe(false);
  });
});
