/**
 * Global setup of the vitest run (vitest.config.ts `globalSetup`): gives the run an id that every
 * test file's marker starts with, and at the end fails the run if any process a test file started
 * is still running (one that outlived even its file's check, e.g. started by a cleanup hook).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leftoverMessage, reapLeftovers, RUN_MARKER } from './leftover-processes.fixture.js';

/** Sets the run id (the test workers inherit it). */
export function setup(): void {
  process.env[RUN_MARKER] = `${process.pid}-${randomBytes(4).toString('hex')}`;
  // The daemons the tests start announce themselves here, not among the user's (docs/desktop.md).
  process.env['DAQ_DAEMONS_DIR'] = mkdtempSync(join(tmpdir(), 'daq-test-daemons-'));
}

/** Fails the run when test processes are left. */
export async function teardown(): Promise<void> {
  const left = await reapLeftovers(`${process.env[RUN_MARKER] ?? ''}:*`, 15);
  const daemons = process.env['DAQ_DAEMONS_DIR'];
  if (daemons !== undefined) rmSync(daemons, { recursive: true, force: true });
  if (left.length > 0) throw new Error(leftoverMessage('the test run', left));
}
