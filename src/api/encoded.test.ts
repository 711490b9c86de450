import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { afterAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../core/index.js';
import { RunRecorder } from '../engine/run/recorder.js';
import { DocumentLog, MEMORY_WINDOW } from './document-log.js';
import { encodingOf, wrapEncoded } from './encoded.js';
import { StreamRunDocumentsResponseSchema } from './gen/daq/v1/control_pb.js';
import { RunDocumentSchema } from './gen/daq/v1/documents_pb.js';

const dir = mkdtempSync(join(tmpdir(), 'daq-encoded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run documents encoded once', () => {
  it('every document a follower gets, from memory or from the spill file, carries exactly the bytes protobuf-es would make, and so does the response around it', async () => {
    const log = new DocumentLog(50, {}, join(dir, 'documents'));
    const recorder = new RunRecorder({ scriptName: 'long.js', scriptSource: '', params: {}, metadata: {}, lab: 'test' }, new VirtualClock());
    recorder.onDocument((document) => log.add({ runUid: recorder.uid, document }));
    recorder.open();
    const total = 2 * MEMORY_WINDOW + 100;
    // Some documents large enough for a 2- and a 3-byte length prefix.
    for (let i = 0; i < total; i++) recorder.record('scan', { x: i, label: i % 1000 === 7 ? 'y'.repeat(i % 2 === 0 ? 300 : 20_000) : `p${i}` });
    let checked = 0;
    const follower = log.follow(recorder.uid, 0, new AbortController().signal);
    for await (const document of follower) {
      const bytes = encodingOf(document);
      expect(bytes).toBeDefined();
      if (document.index === 0 || document.index! % 97 === 0 || document.index! % 1000 === 9) {
        expect(bytes).toEqual(toBinary(RunDocumentSchema, create(RunDocumentSchema, document)));
        expect(wrapEncoded(1, bytes!)).toEqual(toBinary(StreamRunDocumentsResponseSchema, create(StreamRunDocumentsResponseSchema, { document, dropped: 0 })));
        checked++;
      }
      if (document.index === total - 1) recorder.close('success'); // the run is still going while the early documents come from the file
    }
    expect(checked).toBeGreaterThan(80);
  });
});
