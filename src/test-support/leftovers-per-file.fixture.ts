/**
 * Setup file of every test file (vitest.config.ts `setupFiles`): marks the processes the file
 * starts, and fails the file when any of them still runs after its tests and their cleanup
 * hooks (this hook is registered first, so with vitest's stacked hooks it runs last).
 */
import { randomBytes } from 'node:crypto';
import { afterAll, expect } from 'vitest';
import { FILE_MARKER, leftoverMessage, reapLeftovers, RUN_MARKER } from './leftover-processes.fixture.js';

const marker = `${process.env[RUN_MARKER] ?? 'local'}:${process.pid}-${randomBytes(4).toString('hex')}`;
process.env[FILE_MARKER] = marker;

const file = expect.getState().testPath ?? 'a test file';

afterAll(async () => {
  const left = await reapLeftovers(marker, 15);
  if (left.length > 0) throw new Error(leftoverMessage(`test file ${file}`, left));
}, 30_000);
