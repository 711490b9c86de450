"""The ring buffer's file layout (docs/ring-buffer.md is the specification).

Low-level, read-only access to a mapped ring: header fields, the stream table and record
headers. All integers are little-endian. Positions are logical byte counts since the ring was
created; a record at position ``pos`` lives at ``data_offset + pos % capacity`` and is intact
while ``tail <= pos``.
"""

from __future__ import annotations

import mmap
import os
import struct
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

MAGIC = b"TSDAQRNG"
VERSION = 1
HEADER_BYTES = 4096
SLOT_BYTES = 128
RECORD_HEADER_BYTES = 64
RECORD_MAGIC = 0x44434552  # b"RECD"
KIND_DATA = 1
KIND_PADDING = 2
STATE_CLOSED = 2
NO_POSITION = -1

# Header fields, byte offsets (u64 unless noted).
H_VERSION, H_HEADER_BYTES = 8, 12  # u32, u32
H_CAPACITY, H_DATA_OFFSET, H_MAX_STREAMS, H_SLOT_BYTES = 16, 24, 32, 36  # ..., u32, u32
H_STREAM_COUNT, H_HEAD, H_TAIL, H_LAST_SEQ, H_LAST_POS, H_STATE, H_WRITER_PID = 40, 48, 56, 64, 72, 80, 88
# Stream slot fields (slot i at HEADER_BYTES + i * SLOT_BYTES).
S_LAST_POS, S_NAME_LENGTH, S_NAME = 0, 24, 32

_RECORD = struct.Struct("<IIQQIIIIddq")


class RingError(Exception):
    """A file that is not a ring (or not one this reader knows), or a damaged ring."""


@dataclass(frozen=True)
class Record:
    """A record header. ``pos`` is its logical position, times are seconds since the epoch."""

    pos: int
    kind: int
    seq: int
    length: int
    payload_length: int
    schema_length: int
    stream_id: int
    rows: int
    t_first: float
    t_last: float
    prev_pos: int


class RingMemory:
    """A ring file mapped read-only (MAP_SHARED), with its header checked."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        try:
            with open(self.path, "rb") as file:
                size = os.fstat(file.fileno()).st_size
                if size < HEADER_BYTES:
                    raise RingError(f"{self.path} is not a ts-daq ring buffer: it is {size} bytes, shorter than the {HEADER_BYTES}-byte header")
                self.mm = mmap.mmap(file.fileno(), 0, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
        except IsADirectoryError:
            raise RingError(f"{self.path} is a directory, not a ring buffer file") from None
        except FileNotFoundError:
            raise FileNotFoundError(f"no ring buffer at {self.path} (is the daemon running, and is this its ring path?)") from None
        self._check(size)
        # A pyarrow Buffer over the whole mapping: slices of it are zero-copy, and keep it mapped.
        self.buffer = pa.py_buffer(self.mm)
        # Header and stream table as int64 words: each element read is one aligned 8-byte load.
        self.words = np.frombuffer(self.buffer, dtype="<i8", count=self.data_offset // 8)

    def _check(self, size: int) -> None:
        head = self.mm[:64]
        if head[:8] != MAGIC:
            raise RingError(f"{self.path} is not a ts-daq ring buffer: it starts with {head[:8]!r}, not {MAGIC!r}")
        version, header_bytes = struct.unpack_from("<II", head, H_VERSION)
        if version != VERSION:
            raise RingError(f"{self.path} is a ring buffer of layout version {version}; this reader knows version {VERSION}")
        self.capacity, self.data_offset = struct.unpack_from("<QQ", head, H_CAPACITY)
        self.max_streams, slot_bytes = struct.unpack_from("<II", head, H_MAX_STREAMS)
        sane = (
            header_bytes == HEADER_BYTES
            and slot_bytes == SLOT_BYTES
            and self.capacity > 0
            and self.capacity % 64 == 0
            and self.data_offset >= HEADER_BYTES + self.max_streams * SLOT_BYTES
            and self.data_offset % 64 == 0
        )
        if not sane:
            raise RingError(f"{self.path} is not a ts-daq ring buffer: its header is inconsistent")
        if self.data_offset + self.capacity > size:
            raise RingError(f"{self.path} is not a ts-daq ring buffer: it is {size} bytes but its header says {self.data_offset + self.capacity} (truncated?)")

    def load(self, offset: int) -> int:
        """The 64-bit header or stream-table field at byte ``offset`` (one atomic load)."""
        return int(self.words[offset // 8])

    @property
    def head(self) -> int:
        return self.load(H_HEAD)

    @property
    def tail(self) -> int:
        return self.load(H_TAIL)

    @property
    def closed(self) -> bool:
        return self.load(H_STATE) == STATE_CLOSED

    @property
    def writer_pid(self) -> int:
        return self.load(H_WRITER_PID)

    def stream_names(self) -> list[str]:
        names = []
        for i in range(self.load(H_STREAM_COUNT)):
            at = HEADER_BYTES + i * SLOT_BYTES
            (length,) = struct.unpack_from("<I", self.mm, at + S_NAME_LENGTH)
            names.append(self.mm[at + S_NAME : at + S_NAME + length].decode("utf-8"))
        return names

    def stream_last_pos(self, stream_id: int) -> int:
        return self.load(HEADER_BYTES + stream_id * SLOT_BYTES + S_LAST_POS)

    def offset(self, pos: int) -> int:
        """File offset of logical position ``pos``."""
        return self.data_offset + pos % self.capacity

    def record_at(self, pos: int) -> Record | None:
        """The record header at ``pos``, or None where the bytes are not a record header."""
        at = self.offset(pos)
        if at + RECORD_HEADER_BYTES > self.data_offset + self.capacity:
            return None
        fields = _RECORD.unpack_from(self.mm, at)
        record = Record(pos, *fields[1:])
        fits = record.length >= RECORD_HEADER_BYTES and record.length % 64 == 0 and pos % self.capacity + record.length <= self.capacity
        if fields[0] != RECORD_MAGIC or record.kind not in (KIND_DATA, KIND_PADDING) or not fits:
            return None
        if record.kind == KIND_DATA and RECORD_HEADER_BYTES + record.payload_length > record.length:
            return None
        return record

    def close(self) -> None:
        """Unmaps unless batches still use the memory (then the mapping goes with the last of them)."""
        self.words = np.empty(0, dtype="<i8")
        self.buffer = pa.py_buffer(b"")
        try:
            self.mm.close()
        except BufferError:
            pass


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (signal 0: nothing is sent)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    return True
