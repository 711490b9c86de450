/**
 * Whatever a script hands `record()` and `progress()`: the recorder either records it as given
 * (the descriptor's data keys are names every file format takes unchanged) or refuses it with an
 * `invalid_argument` DaqError; never another exception, never a name a writer could not hold.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DaqError, VirtualClock } from '../../src/core/index.js';
import type { RunDocument } from '../../src/engine/run/documents.js';
import { RunRecorder } from '../../src/engine/run/recorder.js';
import { fuzzParameters } from './fuzz-settings.js';

const SAFE = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const name = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('.', 'a/b', 'a_b', '__proto__', 'constructor', 'time', 'seq_num', 'run_uid', 'x'.repeat(65), 'ok', 'a-b', '_'));
const value = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 40 }),
  fc.boolean(),
  fc.array(fc.double(), { maxLength: 8 }),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.object({ maxDepth: 2 }),
  fc.record({ value: fc.double(), units: fc.string({ maxLength: 5 }), timestampS: fc.double() }),
);

function recorder(): { r: RunRecorder; documents: RunDocument[] } {
  const r = new RunRecorder({ scriptName: 'fuzz.js', scriptSource: '', params: {}, metadata: {}, lab: 'fuzz' }, new VirtualClock());
  const documents: RunDocument[] = [];
  r.onDocument((d) => documents.push(d));
  r.open();
  return { r, documents };
}

describe('record() under random names and values', () => {
  it('records or refuses with invalid_argument; recorded names are always file-safe', () => {
    fc.assert(
      fc.property(name, fc.array(fc.tuple(name, value), { minLength: 0, maxLength: 6 }), (stream, entries) => {
        const { r, documents } = recorder();
        const values = Object.fromEntries(entries) as Record<string, never>;
        try {
          r.record(stream, values);
        } catch (error) {
          expect(error).toBeInstanceOf(DaqError);
          expect((error as DaqError).code).toBe('invalid_argument');
          return;
        }
        const descriptor = documents.find((d) => d.kind === 'descriptor');
        expect(descriptor?.kind === 'descriptor' && SAFE.test(descriptor.name)).toBe(true);
        for (const key of Object.keys(descriptor?.kind === 'descriptor' ? descriptor.dataKeys : {})) expect(key).toMatch(SAFE);
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      }),
      fuzzParameters(),
    );
  });
});
