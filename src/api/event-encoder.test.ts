import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { toRunDocument } from './convert.js';
import { encodeRunDocument } from './event-encoder.js';
import { RunDocumentSchema } from './gen/daq/v1/documents_pb.js';

const reference = (document: ReturnType<typeof toRunDocument>) => fromBinary(RunDocumentSchema, toBinary(RunDocumentSchema, create(RunDocumentSchema, document)));

describe('the hand-written event encoding', () => {
  it('says what protobuf-es says, for every kind of value, zeros and empty strings included', () => {
    const data = { x: 1.5, zero: 0, negative: -2e-300, label: 'p1 µ', empty: '', on: true, off: false, spectrum: [1, 2.5, -3], none: [] as number[] };
    const timestamps = { x: 1.7e9 + 0.123456, zero: 0 };
    for (const [index, seqNum] of [[0, 0], [7, 1], [300, 2 ** 32 - 1]] as const) {
      const document = toRunDocument('run-uid', index, { kind: 'event', uid: 'e', descriptor: 'd', stream: 'primary', seqNum, timeS: 1.7e9, data, timestamps }, { name: 'event', json: '{"a":1}', doc: {} } as never);
      expect(fromBinary(RunDocumentSchema, encodeRunDocument(document))).toEqual(reference(document));
    }
  });

  it('leaves other documents, and events with a frame, to protobuf-es', () => {
    const frame = { width: 2, height: 1, dtype: 'uint8', frameNumber: 3, timestampS: 1, exposureS: 0.1, pixels: new Uint8Array(2) };
    const event = toRunDocument('r', 1, { kind: 'event', uid: 'e', descriptor: 'd', stream: 's', seqNum: 1, timeS: 1, data: { f: frame }, timestamps: { f: 1 } } as never);
    expect(fromBinary(RunDocumentSchema, encodeRunDocument(event))).toEqual(reference(event));
    const named = toRunDocument('r', 2, undefined, { name: 'stream_datum', json: '{}', doc: {} } as never);
    expect(fromBinary(RunDocumentSchema, encodeRunDocument(named))).toEqual(reference(named));
  });
});
