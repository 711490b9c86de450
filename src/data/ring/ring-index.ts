/**
 * What a ring holds, per stream: time span, rows, records and fields. Kept up to date
 * incrementally: each {@link RingIndex.describe} reads only the record headers written since the
 * previous call (64 bytes each, never the payloads), and forgets records the writer has since
 * overwritten. So a client polling the timeline every second costs a few headers, not a walk
 * over the whole ring.
 */
import { KIND_DATA, type RecordHeader } from './layout.js';
import { RecordSource } from './record-source.js';
import { RESERVED } from './stream-encoder.js';

/** A field of a stream, from its newest record's schema. */
export interface RingFieldInfo {
  name: string;
  dtype: string;
  shape: number[];
  units: string;
}

/** A stream as the ring holds it now. */
export interface RingStreamInfo {
  name: string;
  /** Time of its oldest and newest rows still in the ring, seconds since the epoch. */
  tFirstS: number;
  tLastS: number;
  rows: number;
  records: number;
  fields: RingFieldInfo[];
}

/** The ring as a whole now. */
export interface RingDescription {
  capacityBytes: number;
  /** Bytes between the oldest intact record and the head. */
  usedBytes: number;
  /** Oldest and newest row times over all streams (0 when empty). */
  tFirstS: number;
  tLastS: number;
  streams: RingStreamInfo[];
}

interface Entry {
  pos: number;
  tFirstS: number;
  tLastS: number;
  rows: number;
}

/** Per stream: its records in position order, with the index of the oldest still intact. */
interface StreamRecords {
  entries: Entry[];
  first: number;
  rows: number;
  fields: { pos: number; fields: RingFieldInfo[] } | undefined;
}

/** An incrementally updated index of a ring's records (read-only; one per reader process). */
export class RingIndex {
  private readonly source: RecordSource;
  private next: number;
  private readonly streams = new Map<number, StreamRecords>();

  /** Opens the ring at `path` read-only; indexes every record still in it on the first describe. */
  constructor(path: string) {
    this.source = new RecordSource(path, false);
    this.next = this.source.tail;
  }

  /** The ring now. */
  describe(): RingDescription {
    const src = this.source;
    const head = src.head;
    if (this.next < src.tail) this.next = src.tail;
    while (this.next < head) {
      const header = src.headerAt(this.next);
      if (header === undefined) {
        this.next = src.tail; // overtaken while reading: go on from the oldest intact record
        continue;
      }
      if (header.kind === KIND_DATA) this.add(header);
      this.next = header.pos + header.length;
    }
    const tail = src.tail;
    const names = src.streams();
    const streams: RingStreamInfo[] = [];
    for (const [id, records] of this.streams) {
      this.forget(records, tail);
      const oldest = records.entries[records.first];
      const newest = records.entries[records.entries.length - 1];
      if (oldest === undefined || newest === undefined) continue;
      streams.push({
        name: names[id] ?? `#${id}`,
        tFirstS: oldest.tFirstS,
        tLastS: newest.tLastS,
        rows: records.rows,
        records: records.entries.length - records.first,
        fields: this.fieldsOf(records, newest),
      });
    }
    return {
      capacityBytes: src.ring.geometry.capacity,
      usedBytes: head - tail,
      tFirstS: streams.length === 0 ? 0 : Math.min(...streams.map((s) => s.tFirstS)),
      tLastS: streams.length === 0 ? 0 : Math.max(...streams.map((s) => s.tLastS)),
      streams,
    };
  }

  /** Unmaps the ring. */
  close(): void {
    this.source.close();
  }

  private add(header: RecordHeader): void {
    let records = this.streams.get(header.streamId);
    if (records === undefined) {
      records = { entries: [], first: 0, rows: 0, fields: undefined };
      this.streams.set(header.streamId, records);
    }
    records.entries.push({ pos: header.pos, tFirstS: header.tFirstS, tLastS: header.tLastS, rows: header.rows });
    records.rows += header.rows;
  }

  /** Drops entries below `tail` (overwritten); compacts the array now and then. */
  private forget(records: StreamRecords, tail: number): void {
    while (records.first < records.entries.length && (records.entries[records.first] as Entry).pos < tail) {
      records.rows -= (records.entries[records.first] as Entry).rows;
      records.first++;
    }
    if (records.first > 1024 && records.first * 2 > records.entries.length) {
      records.entries = records.entries.slice(records.first);
      records.first = 0;
    }
  }

  /** The fields of the stream's newest record (decoded once per newest record). */
  private fieldsOf(records: StreamRecords, newest: Entry): RingFieldInfo[] {
    if (records.fields?.pos === newest.pos) return records.fields.fields;
    const header = this.source.headerAt(newest.pos);
    const decoded = header === undefined ? undefined : this.source.decode(header);
    const schema = decoded?.batches[0]?.schema;
    if (schema === undefined) return records.fields?.fields ?? [];
    const fields = schema.fields
      .filter((f) => !RESERVED.has(f.name))
      .map((f) => ({
        name: f.name,
        dtype: f.metadata.get('dtype') ?? String(f.type),
        shape: parseShape(f.metadata.get('shape')),
        units: f.metadata.get('units') ?? '',
      }));
    records.fields = { pos: newest.pos, fields };
    return fields;
  }
}

function parseShape(text: string | undefined): number[] {
  try {
    const shape: unknown = JSON.parse(text ?? '[]');
    return Array.isArray(shape) ? shape.map(Number) : [];
  } catch {
    return [];
  }
}
