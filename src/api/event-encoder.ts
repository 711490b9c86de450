/**
 * The protobuf encoding of a run document, written by hand for events (the document a run makes
 * per point): protobuf-es's reflection-driven `toBinary(create(...))` took ~50 us of the daemon's
 * main thread per event, the largest cost per point. Other documents (and events carrying a frame
 * reference) go through `toBinary`. The wire format is the one of proto/daq/v1/documents.proto;
 * src/api/document-log.test.ts decodes both and compares.
 */
import { create, toBinary } from '@bufbuild/protobuf';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type { RunDocumentInit } from './convert.js';
import { RunDocumentSchema } from './gen/daq/v1/documents_pb.js';

interface ValueLike {
  kind?: { case?: string; value?: unknown };
}

interface EventLike {
  uid?: string;
  descriptor?: string;
  stream?: string;
  seqNum?: number;
  timeS?: number;
  data?: Record<string, ValueLike>;
  timestamps?: Record<string, number>;
}

/** `document`'s RunDocument encoding. */
export function encodeRunDocument(document: RunDocumentInit): Uint8Array {
  const oneof = document.document as { case?: string; value?: EventLike } | undefined;
  if (oneof?.case === 'event' && oneof.value !== undefined && plainValues(oneof.value)) return encodeEvent(document, oneof.value);
  return toBinary(RunDocumentSchema, create(RunDocumentSchema, document));
}

function plainValues(event: EventLike): boolean {
  for (const key in event.data) {
    const c = event.data[key]?.kind?.case;
    if (c !== 'number' && c !== 'text' && c !== 'flag' && c !== 'numbers') return false;
  }
  return true;
}

function encodeEvent(document: RunDocumentInit, event: EventLike): Uint8Array {
  const w = new BinaryWriter();
  if (document.runUid) w.tag(1, WireType.LengthDelimited).string(document.runUid);
  if (document.index) w.tag(2, WireType.Varint).uint32(document.index);
  w.tag(5, WireType.LengthDelimited).fork();
  if (event.uid) w.tag(1, WireType.LengthDelimited).string(event.uid);
  if (event.descriptor) w.tag(2, WireType.LengthDelimited).string(event.descriptor);
  if (event.stream) w.tag(3, WireType.LengthDelimited).string(event.stream);
  if (event.seqNum) w.tag(4, WireType.Varint).uint32(event.seqNum);
  if (event.timeS) w.tag(5, WireType.Bit64).double(event.timeS);
  for (const key in event.data) {
    const kind = (event.data[key] as ValueLike).kind as { case: string; value: unknown };
    w.tag(6, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).string(key);
    w.tag(2, WireType.LengthDelimited).fork();
    switch (kind.case) {
      case 'number':
        w.tag(1, WireType.Bit64).double(kind.value as number);
        break;
      case 'text':
        w.tag(2, WireType.LengthDelimited).string(kind.value as string);
        break;
      case 'flag':
        w.tag(3, WireType.Varint).bool(kind.value as boolean);
        break;
      default: {
        const values = (kind.value as { values?: readonly number[] }).values ?? [];
        w.tag(4, WireType.LengthDelimited).fork();
        if (values.length > 0) {
          w.tag(1, WireType.LengthDelimited).fork();
          for (const v of values) w.double(v);
          w.join();
        }
        w.join();
      }
    }
    w.join().join();
  }
  for (const key in event.timestamps) {
    w.tag(7, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).string(key);
    w.tag(2, WireType.Bit64).double(event.timestamps[key] as number);
    w.join();
  }
  w.join();
  if (document.name) w.tag(7, WireType.LengthDelimited).string(document.name);
  if (document.json) w.tag(8, WireType.LengthDelimited).string(document.json);
  return w.finish();
}
