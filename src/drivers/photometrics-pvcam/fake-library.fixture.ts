/**
 * The fake libpvcam.so of the tests, compiled with gcc from `fake/fake-pvcam.c` into a
 * temporary folder once per test file (removed after it), with its test hooks bound by koffi
 * in the same loaded library the driver uses.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import koffi from 'koffi';
import { afterAll } from 'vitest';

/** Builds the fake library; returns its path and its hooks (see `fake/fake-pvcam.c`). */
export function buildFakePvcam() {
  const dir = mkdtempSync(join(tmpdir(), 'daq-pvcam-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const library = join(dir, 'libpvcam.so');
  execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-Wall', '-Werror', '-o', library, join(import.meta.dirname, 'fake/fake-pvcam.c'), '-lm']);
  const hooks = koffi.load(library);
  return {
    dir,
    library,
    trigger: hooks.func('void fake_pvcam_trigger()') as () => void,
    ignoredEdges: hooks.func('uint32 fake_pvcam_ignored_edges()') as () => number,
    lastMode: hooks.func('int16 fake_pvcam_last_mode()') as () => number,
    lastExposure: hooks.func('uint32 fake_pvcam_last_exposure()') as () => number,
    legacyModes: hooks.func('void fake_pvcam_legacy_modes(int on)') as (on: number) => void,
    millisecondOnly: hooks.func('void fake_pvcam_millisecond_only(int on)') as (on: number) => void,
    failNextStart: hooks.func('void fake_pvcam_fail_next_start(int16 code)') as (code: number) => void,
    failNextReadout: hooks.func('void fake_pvcam_fail_next_readout()') as () => void,
    openCount: hooks.func('int fake_pvcam_open_count()') as () => number,
  };
}
