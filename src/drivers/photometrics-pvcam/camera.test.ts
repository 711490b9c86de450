/**
 * The PVCAM driver through koffi against a fake libpvcam.so, compiled here from
 * `fake/fake-pvcam.c` with gcc, so the FFI path really runs: the conformance suites of every
 * capability, and a clear message when the library is missing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import koffi from 'koffi';
import { afterAll, describe, expect, it } from 'vitest';
import { conformanceFor, expectDaqError } from '../../conformance/index.js';
import { isFrameProducer, isRoiSelectable } from '../../capabilities/index.js';
import { makeDevice, wireHarness } from '../common/wire-harness.fixture.js';
import { pvcamDriver } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'daq-pvcam-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const library = join(dir, 'libpvcam.so');
execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-Wall', '-Werror', '-o', library, join(import.meta.dirname, 'fake/fake-pvcam.c'), '-lm']);
const options = (): Record<string, unknown> => ({ library, exposure: 0.001, exposure_min: 1e-4, exposure_max: 0.1 });

conformanceFor('photometrics-pvcam on a fake libpvcam.so', wireHarness(pvcamDriver, 'camera', options));

describe('photometrics-pvcam', () => {
  it('reads out the region set, pixel for pixel as the library wrote them', async () => {
    const camera = makeDevice(pvcamDriver, 'camera', options());
    if (!isFrameProducer(camera) || !isRoiSelectable(camera)) throw new Error('not a camera');
    await camera.connect(new AbortController().signal);
    try {
      expect(camera.sensorSize()).toEqual({ width: 64, height: 48 });
      await camera.setRoi({ x: 10, y: 20, width: 4, height: 2 });
      const frame = await camera.snap();
      expect([frame.width, frame.height, frame.frameNumber]).toEqual([4, 2, 0]);
      // The fake writes 100 + x + 10 y + (frames taken since it was loaded) at sensor (x, y).
      const offset = (frame.data[0] ?? 0) - (100 + 10 + 200);
      expect(Array.from(frame.data)).toEqual([310, 311, 312, 313, 320, 321, 322, 323].map((v) => v + offset));
    } finally {
      await camera.disconnect();
    }
  });

  it('fails to connect with what to install when the library is missing, and loads nothing else', async () => {
    const camera = makeDevice(pvcamDriver, 'camera', { ...options(), library: join(dir, 'missing/libpvcam.so') });
    const error = await expectDaqError(camera.connect(new AbortController().signal), 'unavailable', 'connect without PVCAM');
    expect(error.message).toMatch(/camera: failed to connect: cannot load the PVCAM library ".*missing\/libpvcam.so": .*Install PVCAM from Teledyne Photometrics/);
    expect(camera.state).toBe('faulted');
  });

  it('names the cameras PVCAM has when the configured one is not there', async () => {
    const camera = makeDevice(pvcamDriver, 'camera', { ...options(), camera: 'Prime95B' });
    const error = await expectDaqError(camera.connect(new AbortController().signal), 'not_found', 'connect to an absent camera');
    expect(error.message).toContain('PVCAM has no camera "Prime95B" (cameras: FakeCam0)');
  });

  it('reports PVCAM errors with PVCAM\'s own message, and a failed readout, then works on', async () => {
    const hooks = koffi.load(library);
    const failNextStart = hooks.func('void fake_pvcam_fail_next_start(int16 code)');
    const failNextReadout = hooks.func('void fake_pvcam_fail_next_readout()');
    const openCount = hooks.func('int fake_pvcam_open_count()');
    const camera = makeDevice(pvcamDriver, 'camera', options());
    if (!isFrameProducer(camera)) throw new Error('not a camera');
    await camera.connect(new AbortController().signal);
    try {
      expect(openCount()).toBe(1);
      failNextStart(5);
      const started = await expectDaqError(camera.snap(), 'internal', 'snap when the start fails');
      expect(started.message).toBe('camera: snap failed: PVCAM pl_exp_start_seq failed: error 5: value out of range');
      failNextReadout();
      const readout = await expectDaqError(camera.snap(), 'internal', 'snap when the readout fails');
      expect(readout.message).toBe('camera: PVCAM reports the readout failed');
      expect(camera.state).toBe('idle');
      expect((await camera.snap()).width).toBe(64);
    } finally {
      await camera.disconnect();
    }
    expect(openCount(), 'the camera is closed on disconnect').toBe(0);
  });
});
