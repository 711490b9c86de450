/**
 * Cleanup that happens even when a test fails: {@link cleanUpAfter} runs a function when the
 * current test ends, or after the file's tests when called outside a test; {@link tempDir} is a
 * temporary directory removed the same way.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

/**
 * Runs `cleanup` when the current test ends (called inside a test, also when it fails), or after
 * the file's tests (called at the top of the file or in a `beforeAll`). An `afterAll` registered
 * inside a test or a hook would never run.
 */
export function cleanUpAfter(cleanup: () => unknown): void {
  try {
    onTestFinished(async () => void (await cleanup()));
  } catch {
    atEnd.push(cleanup); // not in a test: at the top of the file, or in a hook
  }
}

/**
 * Cleanups for the end of the file. One `afterAll`, registered when this module is imported (while
 * the file is collected): one registered later, from a `beforeAll` or a test, would never run.
 * It runs after the file's own `afterAll` hooks (vitest runs them in reverse order).
 */
const atEnd: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of atEnd.splice(0).reverse()) await cleanup();
});

/** A new directory in the temp directory (`prefix` + random), removed as {@link cleanUpAfter} says. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanUpAfter(() => rm(dir, { recursive: true, force: true }));
  return dir;
}
