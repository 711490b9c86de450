/**
 * A module to preload into a process (`node --import ./dist/bench/heap-sample.js ...`, e.g.
 * `daemon-cpu.js --node-arg --import=./dist/bench/heap-sample.js`): when `DAQ_HEAP_SAMPLE` names a
 * file, V8's sampling heap profiler runs on the main thread from the start, counting the objects
 * the garbage collector frees too, and the profile is written to that file when the process exits
 * (read it with ./heap-summary.ts, or Chrome's DevTools). For the daemon's allocations per point,
 * which a profile of the bench process (./plan-point.ts `--heap`) cannot see.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const file = process.env.DAQ_HEAP_SAMPLE;
if (file !== undefined && file !== '') {
  const session = new Session();
  session.connect();
  // An in-process session answers at once: the profile can be taken in an 'exit' listener.
  session.post('HeapProfiler.enable');
  session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
  process.once('exit', () => {
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (error === null) writeFileSync(file, JSON.stringify((result as unknown as { profile: unknown }).profile));
      else process.stderr.write(`heap-sample: ${error.message}\n`);
    });
  });
}
