"""A stream's rows when its fields changed between runs (docs/ring-buffer.md, "When a stream's fields change").

Each ring record carries its own schema. ``parts`` groups consecutive batches with the same
columns (names, types, and the field metadata units/source/dtype/shape) into one table each;
``unify`` makes one table of parts: the union of their columns with nulls where a part lacks
one, or a ``RingError`` naming a field whose type or metadata differs between parts.
"""

from __future__ import annotations

import pyarrow as pa

from ._ring_layout import Record, RingError

#: Field metadata that tells what a column's values are: two runs' columns merge only when these agree.
_MEANING = (b"units", b"source", b"dtype", b"shape")


def _same_field(a: pa.Field, b: pa.Field) -> bool:
    ma, mb = a.metadata or {}, b.metadata or {}
    return a.name == b.name and a.type == b.type and all(ma.get(k, b"") == mb.get(k, b"") for k in _MEANING)


def _same_columns(a: pa.Schema, b: pa.Schema) -> bool:
    return len(a) == len(b) and all(_same_field(x, y) for x, y in zip(a, b))


def parts(records: list[tuple[Record, pa.RecordBatch]]) -> list[pa.Table]:
    """Consecutive batches with the same columns as one table each (the newest batch's schema
    metadata, with ``daq.ring_pos`` of the part's oldest record)."""
    groups: list[list[tuple[Record, pa.RecordBatch]]] = []
    for item in records:
        if groups and _same_columns(groups[-1][0][1].schema, item[1].schema):
            groups[-1].append(item)
        else:
            groups.append([item])
    tables = []
    for group in groups:
        metadata = dict(group[-1][1].schema.metadata or {})
        metadata[b"daq.ring_pos"] = str(group[0][0].pos).encode()
        schema = group[-1][1].schema.with_metadata(metadata)
        tables.append(pa.Table.from_batches([pa.RecordBatch.from_arrays(b.columns, schema=schema) for _, b in group], schema=schema))
    return tables


def unify(parts: list[pa.Table], stream: str) -> pa.Table:
    """One table of parts (oldest first): the union of their columns, null where a part lacks one;
    the newest part's schema metadata with the oldest part's ``daq.ring_pos``."""
    if not parts:
        return pa.table({})
    if len(parts) == 1:
        return parts[0]
    fields: dict[str, pa.Field] = {}
    for part in parts:
        for field in part.schema:
            known = fields.get(field.name)
            if known is None:
                fields[field.name] = field
            elif not _same_field(known, field):
                def what(f: pa.Field) -> str:
                    units = (f.metadata or {}).get(b"units", b"").decode()
                    return f"{f.type}{f' in {units}' if units else ''}"
                raise RingError(f"stream {stream!r}: field {field.name!r} is {what(known)} in older rows and {what(field)} in newer ones "
                                "(recorded by different runs); read the parts separately (latest_parts / range_parts)")
    everywhere = {name for name in fields if all(name in p.schema.names for p in parts)}
    metadata = dict(parts[-1].schema.metadata or {})
    metadata[b"daq.ring_pos"] = (parts[0].schema.metadata or {}).get(b"daq.ring_pos", b"0")
    schema = pa.schema([f if f.name in everywhere else f.with_nullable(True) for f in fields.values()], metadata=metadata)
    columns = []
    for part in parts:
        columns.append(pa.table({f.name: part.column(f.name) if f.name in part.schema.names else pa.nulls(part.num_rows, f.type) for f in schema}, schema=schema))
    return pa.concat_tables(columns)
