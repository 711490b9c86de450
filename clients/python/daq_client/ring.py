"""Read ts-daq's live ring buffer: pyarrow tables straight from shared memory.

    from daq_client.ring import RingReader, frames

    ring = RingReader("/dev/shm/ts-daq-1000.ring")
    print(ring.latest("scan", 10).to_pandas())
    for batch in ring.follow("scan"):          # new rows as they are recorded
        print(batch.to_pylist())

Results are zero-copy views of the shared memory: valid until the writer laps the ring over
them (``ring.is_valid(x)`` tells; with a 1 GiB ring that is seconds to hours). Copy what you
keep (``RingReader(path, copy=True)``, or ``table.to_pandas()``). The mapping itself stays
alive while any result references it, so a lapped result holds wrong numbers, never crashes.
Run ``python -m daq_client.ring PATH STREAM`` to print a stream's new rows.
"""

from __future__ import annotations

import os
import struct
import sys
import time
from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa

from ._ring_decode import NotDecodable, load_batch
from ._ring_layout import KIND_DATA, NO_POSITION, RECORD_HEADER_BYTES, Record, RingError, RingMemory, process_alive
from ._ring_parts import parts as _parts
from ._ring_parts import unify as _unify

__all__ = ["RingReader", "RingError", "frames"]

Data = pa.RecordBatch | pa.Table


class RingReader:
    """A read-only view of a ring file. Any number of readers, in any processes, never block the writer."""

    def __init__(self, path: str | os.PathLike[str], *, copy: bool = False) -> None:
        self._ring = RingMemory(path)
        self.path = self._ring.path
        self.copy = copy
        #: Records skipped because the writer overwrote them before or while they were read.
        self.overtaken = 0
        self._schemas: dict[bytes, pa.Schema] = {}
        self._ids: dict[str, int] = {}

    # -- public API ---------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once the writer has closed the ring (a killed writer never does: see ``writer_alive``)."""
        return self._ring.closed

    @property
    def writer_pid(self) -> int:
        """The process id of the ring's writer (header field ``writer_pid``)."""
        return self._ring.writer_pid

    @property
    def writer_alive(self) -> bool:
        """True while the ring is being written: not closed, and its writer process still exists.

        A writer killed with SIGKILL leaves ``state == 1`` (writing) for ever; its pid is gone, so
        this is False. The pid is of the writer's PID namespace (from another container, use ``closed``)."""
        return not self._ring.closed and process_alive(self._ring.writer_pid)

    def streams(self) -> list[str]:
        """Names of the ring's streams, in the order they first appeared."""
        return self._ring.stream_names()

    def latest(self, stream: str, n: int = 1) -> pa.Table:
        """The newest ``n`` rows of ``stream`` (fewer if the ring holds fewer), oldest first.

        Rows of runs that recorded the stream with other fields are in the table too: it has the
        union of their columns, with null where a row's run did not record a field. A field whose
        type or units changed between runs cannot be one column: that raises ``RingError`` naming
        it; ``latest_parts`` gives each schema's rows separately."""
        return _unify(self.latest_parts(stream, n), stream)

    def latest_parts(self, stream: str, n: int = 1) -> list[pa.Table]:
        """The newest ``n`` rows of ``stream`` as tables, oldest first, one per schema (a run, or
        consecutive runs with the same fields)."""
        records = self._newest_first(stream, lambda r, rows: rows < n)
        total = sum(b.num_rows for _, b in records)
        skip, kept = max(0, total - n), []
        for record, batch in records:
            cut = batch.slice(min(skip, batch.num_rows))
            skip -= batch.num_rows - cut.num_rows
            if cut.num_rows > 0:
                kept.append((record, cut))
        return _parts(kept)

    def range(self, stream: str, t0: float, t1: float) -> pa.Table:
        """The rows of ``stream`` with ``t0 <= time < t1`` (seconds since the epoch), oldest first
        (rows of runs with other fields as in ``latest``)."""
        return _unify(self.range_parts(stream, t0, t1), stream)

    def range_parts(self, stream: str, t0: float, t1: float) -> list[pa.Table]:
        """The rows of ``range`` as tables, oldest first, one per schema."""
        records = self._newest_first(stream, lambda r, rows: r.t_last >= t0, lambda r: r.t_first < t1)
        kept = [(r, _slice_by_time(b, t0, t1)) for r, b in records]
        return _parts([(r, b) for r, b in kept if b.num_rows > 0])

    def follow(self, stream: str, *, from_oldest: bool = False, max_poll_s: float = 0.0005, idle_timeout_s: float | None = None) -> Iterator[pa.RecordBatch]:
        """Every new record batch of ``stream`` as it is committed.

        Polls the ring's write position: every 50 us after new data, doubling while idle up to
        ``max_poll_s``. Ends when the writer closes the ring or dies (after its last batch), or after
        ``idle_timeout_s`` without any new record. An overtaken reader skips forward to the
        oldest intact record (counted in ``overtaken``); it never yields torn data.
        """
        ring = self._ring
        pos = ring.tail if from_oldest else ring.head
        poll = 50e-6
        idle_since = time.monotonic()
        while True:
            closed = not self.writer_alive  # before head: a ring closed (or whose writer died) now has its last record below this head
            head, stream_id = ring.head, self._stream_id(stream)
            progressed = pos < head
            while pos < head:
                record = self._header(pos)
                if record is None:
                    pos = ring.tail
                    continue
                if record.kind == KIND_DATA and record.stream_id == stream_id:
                    batch = self._decode(record)
                    if batch is None:
                        pos = ring.tail
                        continue
                    yield batch
                pos = record.pos + record.length
            if closed:
                return
            if progressed:
                poll, idle_since = 50e-6, time.monotonic()
            elif idle_timeout_s is not None and time.monotonic() - idle_since > idle_timeout_s:
                return
            time.sleep(poll)
            poll = min(poll * 2, max_poll_s)

    def is_valid(self, data: Data) -> bool:
        """Whether the shared memory behind a batch or table from this reader still holds it."""
        if self.copy:
            return True
        pos = (data.schema.metadata or {}).get(b"daq.ring_pos")
        return pos is not None and int(pos) >= self._ring.tail

    def close(self) -> None:
        """Unmaps the ring (deferred while zero-copy results still use it)."""
        self._ring.close()

    def __enter__(self) -> RingReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- records ------------------------------------------------------------------------------

    def _stream_id(self, name: str) -> int | None:
        if name not in self._ids:
            self._ids = {n: i for i, n in enumerate(self._ring.stream_names())}
        return self._ids.get(name)

    def _header(self, pos: int) -> Record | None:
        """The record header at ``pos`` if intact (tail checked after reading), else None."""
        ring = self._ring
        if pos < ring.tail:
            self.overtaken += 1
            return None
        record = ring.record_at(pos)
        if pos < ring.tail:
            self.overtaken += 1
            return None
        if record is None:
            raise RingError(f"ring {self.path} is damaged: no record at position {pos}")
        return record

    def _decode(self, record: Record) -> pa.RecordBatch | None:
        """The record's batch (zero-copy unless ``copy``), or None if the writer overwrote it meanwhile.

        The Arrow metadata is copied and the tail checked before anything parses it (see _ring_decode).
        """
        ring = self._ring
        start = ring.offset(record.pos) + RECORD_HEADER_BYTES
        schema_length = record.schema_length
        marker, length = struct.unpack("<iI", ring.mm[start + schema_length : start + schema_length + 8])
        meta_end = schema_length + 8 + length
        body_length = record.payload_length - meta_end - 8
        sane = marker == -1 and length > 0 and body_length >= 0
        metadata = ring.mm[start : start + meta_end] if sane else None
        body = ring.buffer.slice(start + meta_end, body_length) if sane else None
        if self.copy and body is not None:
            body = _copy(body)
        if record.pos < ring.tail:
            return self._lost()
        try:
            if metadata is None or body is None:
                raise NotDecodable("bad message lengths")
            schema_bytes = metadata[:schema_length]
            schema = self._schemas.get(schema_bytes)
            if schema is None:
                schema = self._schemas[schema_bytes] = pa.ipc.read_schema(pa.py_buffer(schema_bytes))
            try:
                batch = load_batch(schema, metadata[schema_length + 8 :], body)
            except NotDecodable:
                # Not a layout the in-place decoder knows: copy the message, check, let pyarrow decode it.
                message = _copy(ring.buffer.slice(start + schema_length, record.payload_length - schema_length - 8))
                if record.pos < ring.tail:
                    return self._lost()
                batch = pa.ipc.read_record_batch(message, schema)
        except (NotDecodable, pa.ArrowException, ValueError) as error:
            raise RingError(f"ring {self.path}: record {record.seq} is not valid Arrow IPC: {error}") from error
        if record.pos < ring.tail:
            return self._lost()
        metadata_map = dict(schema.metadata or {})
        metadata_map[b"daq.ring_seq"] = str(record.seq).encode()
        metadata_map[b"daq.ring_pos"] = str(record.pos).encode()
        return batch.replace_schema_metadata(metadata_map)

    def _lost(self) -> None:
        self.overtaken += 1
        return None

    def _newest_first(self, stream: str, more: Callable[[Record, int], bool], keep: Callable[[Record], bool] = lambda r: True) -> list[tuple[Record, pa.RecordBatch]]:
        stream_id = self._stream_id(stream)
        if stream_id is None:
            names = self.streams()
            raise KeyError(f"ring {self.path} has no stream {stream!r}; it has {', '.join(names) if names else 'none yet'}")
        found: list[tuple[Record, pa.RecordBatch]] = []
        rows = 0
        pos = self._ring.stream_last_pos(stream_id)
        while pos != NO_POSITION and pos >= self._ring.tail:
            record = self._header(pos)
            if record is None or not more(record, rows):
                break  # overtaken: older records are gone too
            if keep(record):
                batch = self._decode(record)
                if batch is None:
                    break
                found.append((record, batch))
                rows += record.rows
            pos = record.prev_pos
        tail = self._ring.tail  # zero-copy: drop what the writer reached meanwhile
        return [item for item in reversed(found) if item[0].pos >= tail]


def _copy(buffer: pa.Buffer) -> pa.Buffer:
    """A 64-byte aligned copy."""
    copied = pa.allocate_buffer(buffer.size)
    np.frombuffer(copied, dtype=np.uint8)[:] = np.frombuffer(buffer, dtype=np.uint8)
    return copied


def _slice_by_time(batch: pa.RecordBatch, t0: float, t1: float) -> pa.RecordBatch:
    """Rows with t0 <= time < t1; times are non-decreasing within a batch."""
    times = batch.column("time").to_numpy()
    first, end = np.searchsorted(times, [t0, t1], side="left")
    return batch.slice(int(first), int(end - first))


def frames(data: Data, field: str) -> np.ndarray:
    """A frame column as a NumPy array of shape (rows, height, width), zero-copy for a record batch
    or a single-chunk table (a multi-chunk table is combined, which copies)."""
    column = data.column(field)
    if isinstance(column, pa.ChunkedArray):
        column = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    metadata = data.schema.field(field).metadata or {}
    dtype = np.dtype(metadata.get(b"dtype", b"uint8").decode())
    shape = tuple(int(x) for x in metadata.get(b"shape", b"[]").decode().strip("[]").split(",") if x)
    width = column.type.byte_width
    values = np.frombuffer(column.buffers()[1], dtype=np.uint8, count=len(column) * width, offset=column.offset * width)
    return values.view(dtype).reshape((len(column), *shape))


def _main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m daq_client.ring RING_PATH STREAM   (prints the stream's new rows)", file=sys.stderr)
        return 2
    with RingReader(argv[0]) as ring:
        try:
            for batch in ring.follow(argv[1]):
                frame_columns = [f.name for f in batch.schema if pa.types.is_fixed_size_binary(f.type)]
                for row in batch.drop_columns(frame_columns).to_pylist():
                    print(row, flush=True)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
