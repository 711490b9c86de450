"""Decoding a ring record without letting a parser read memory the writer may be changing.

A record's Arrow metadata (schema message, record-batch message header) is copied out of the
ring and the ring's tail checked before anything parses it; the record-batch header is read here
(a few fields of its flatbuffer), and the columns are built over the body in place:
fixed-width buffers (numbers, fixed-size lists, frames) are zero-copy views of the shared memory;
variable-length ones (strings) are copied, so a batch the writer later overwrites holds wrong
values but can never make pyarrow read out of bounds.
"""

from __future__ import annotations

import struct

import pyarrow as pa

_RECORD_BATCH = 3  # flatbuffers enum MessageHeader.RecordBatch


class NotDecodable(Exception):
    """The metadata is not a record-batch header this decoder handles."""


def _u32(b: bytes, at: int) -> int:
    return struct.unpack_from("<I", b, at)[0]


def _field(b: bytes, table: int, index: int) -> int | None:
    """Absolute position of field ``index`` of the flatbuffer table at ``table``, or None if absent."""
    vtable = table - struct.unpack_from("<i", b, table)[0]
    vsize = struct.unpack_from("<H", b, vtable)[0]
    slot = 4 + 2 * index
    if slot >= vsize:
        return None
    offset = struct.unpack_from("<H", b, vtable + slot)[0]
    return table + offset if offset else None


def _structs(b: bytes, at: int | None) -> list[tuple[int, int]]:
    """A vector of 16-byte structs of two int64 (FieldNode, Buffer)."""
    if at is None:
        return []
    vector = at + _u32(b, at)
    count = _u32(b, vector)
    return [struct.unpack_from("<qq", b, vector + 4 + 16 * i) for i in range(count)]


def batch_layout(message: bytes) -> tuple[int, list[tuple[int, int]], list[tuple[int, int]]]:
    """Rows, field nodes (length, null count) and buffers (offset, length) of a Message flatbuffer."""
    try:
        root = _u32(message, 0)
        kind = _field(message, root, 1)
        header = _field(message, root, 2)
        if kind is None or message[kind] != _RECORD_BATCH or header is None:
            raise NotDecodable("not a record batch")
        batch = header + _u32(message, header)
        if _field(message, batch, 3) is not None:
            raise NotDecodable("compressed")
        length = _field(message, batch, 0)
        rows = struct.unpack_from("<q", message, length)[0] if length is not None else 0
        return rows, _structs(message, _field(message, batch, 1)), _structs(message, _field(message, batch, 2))
    except (struct.error, IndexError) as error:
        raise NotDecodable(f"bad flatbuffer: {error}") from error


def load_batch(schema: pa.Schema, message: bytes, body: pa.Buffer) -> pa.RecordBatch:
    """The record batch described by ``message`` (a copied Message flatbuffer) over ``body``."""
    rows, nodes, buffers = batch_layout(message)
    node_iter, buffer_iter = iter(nodes), iter(buffers)

    def piece(copy: bool = False) -> pa.Buffer:
        offset, length = next(buffer_iter)
        if offset < 0 or length < 0 or offset + length > body.size:
            raise NotDecodable("a buffer lies outside the body")
        view = body.slice(offset, length)
        return pa.py_buffer(view.to_pybytes()) if copy else view

    def load(typ: pa.DataType) -> pa.Array:
        length, nulls = next(node_iter)
        if nulls != 0:
            raise NotDecodable("nulls")
        if pa.types.is_fixed_size_list(typ):
            piece()  # validity (empty)
            child = load(typ.value_type)
            return pa.Array.from_buffers(typ, length, [None], null_count=0, children=[child])
        if pa.types.is_string(typ) or pa.types.is_binary(typ):
            piece()
            return pa.Array.from_buffers(typ, length, [None, piece(copy=True), piece(copy=True)], null_count=0)
        if pa.types.is_primitive(typ) or pa.types.is_fixed_size_binary(typ):
            piece()
            return pa.Array.from_buffers(typ, length, [None, piece()], null_count=0)
        raise NotDecodable(f"type {typ}")

    try:
        arrays = [load(field.type) for field in schema]
    except (StopIteration, ValueError, pa.ArrowInvalid) as error:
        raise NotDecodable(str(error)) from error
    if any(len(a) != rows for a in arrays):
        raise NotDecodable("column lengths differ from the batch's")
    return pa.RecordBatch.from_arrays(arrays, schema=schema)
