"""The requests and replies of ControlService that both clients share (`Client`, `aio.AsyncClient`).

Run summaries and documents are turned into dicts by `daq_client.client.summary_dict` and
`document_dict`; the rest of ControlService's plumbing is here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from daq.v1 import control_pb2, presets_pb2
from daq_client.devices import to_value

# Channel options of both clients: run files and Arrow tables come in messages of up to 64 MiB.
CHANNEL_OPTIONS = [("grpc.max_receive_message_length", 64 * 1024 * 1024)]

EXPORT_FORMATS = {"h5": control_pb2.EXPORT_FORMAT_H5, "csv": control_pb2.EXPORT_FORMAT_CSV, "arrow": control_pb2.EXPORT_FORMAT_ARROW, "parquet": control_pb2.EXPORT_FORMAT_PARQUET}


def call_metadata(token: str | None) -> tuple[tuple[str, str], ...]:
    """The metadata of every call: the bearer token (`token`, else $DAQ_TOKEN), if any."""
    token = token if token is not None else os.environ.get("DAQ_TOKEN")
    return (("authorization", f"Bearer {token}"),) if token else ()


def info_dict(info: control_pb2.GetDaemonInfoResponse) -> dict[str, Any]:
    """`GetDaemonInfo` as a dict: version, lab, role, data_dir, ring {path, size_bytes}, auth_enabled, storage."""
    return {"version": info.version, "lab": info.lab_name, "role": info.role, "data_dir": info.data_dir,
            "ring": {"path": info.ring.path, "size_bytes": info.ring.size_bytes}, "auth_enabled": info.auth_enabled,
            "storage": {"runs_dir": info.storage.runs_dir, "free_bytes": info.storage.free_bytes, "error": info.storage.error, "gzip": info.storage.gzip}}


def status_dict(s: control_pb2.StreamStatusResponse, summary: Callable[[control_pb2.RunSummary], dict[str, Any]]) -> dict[str, Any]:
    """One `StreamStatus` message as a dict (the current run through `summary`)."""
    return {"time_s": s.time_s, "state": s.daemon_state, "current_run": summary(s.current_run) if s.HasField("current_run") else None,
            "queued": s.queued, "devices": {d.name: d.state for d in s.devices}, "storage_error": s.storage_error}


def start_request(source_or_path: str | os.PathLike, params: Mapping[str, Any] | None, metadata: Mapping[str, Any] | None,
                  name: str | None, preset: str | None = None, skip_check: bool = False) -> control_pb2.StartRunRequest:
    """`StartRun` of a script given as its source, or as the path of a .js/.ts file (read here, sent inline);
    with `preset`, the run starts from that saved preset (`daq preset save NAME`; shutters and emission left as they are);
    with `skip_check`, the daemon does not type-check the script against the lab before it runs."""
    path = Path(source_or_path) if not isinstance(source_or_path, str) or "\n" not in source_or_path else None
    if path is not None and path.suffix in (".js", ".ts") and path.exists():
        source, script_name = path.read_text(), name or path.name
    else:
        source, script_name = str(source_or_path), name or "notebook.js"
    return control_pb2.StartRunRequest(
        inline=control_pb2.InlineScript(name=script_name, source=source),
        params={k: to_value(v) for k, v in (params or {}).items()},
        metadata={k: to_value(v) for k, v in (metadata or {}).items()},
        preset=presets_pb2.PresetApplyOptions(name=preset) if preset else None,
        skip_check=skip_check,
    )


def export_request(uid: str, format: str, stream: str) -> control_pb2.ExportRunRequest:
    """`ExportRun` of run `uid` as "h5", "csv", "arrow" (an Arrow IPC file) or "parquet" (ValueError for another format)."""
    if format not in EXPORT_FORMATS:
        raise ValueError(f"format must be one of {', '.join(EXPORT_FORMATS)}, not {format!r}")
    return control_pb2.ExportRunRequest(run_uid=uid, format=EXPORT_FORMATS[format], stream=stream)


def range_table(messages: Iterable[Any], stream: str, parts: bool = False):
    """A ReadStreamRange answer (its pieces, in order) as a pyarrow Table: each part is one Arrow IPC
    stream of rows of one schema; the parts are unified (null where a run did not record a field),
    or given as a list with `parts=True`."""
    import pyarrow as pa

    from ._ring_parts import unify

    pieces: dict[int, list[bytes]] = {}
    for message in messages:
        pieces.setdefault(message.part, []).append(message.arrow_ipc)
    tables = [pa.ipc.open_stream(b"".join(pieces[k])).read_all() for k in sorted(pieces)]
    return tables if parts else unify(tables, stream)


def arrow_file_table(chunks: Iterable[bytes]):
    """An ExportRun of format arrow (an Arrow IPC file, in chunks) as a pyarrow Table."""
    import pyarrow as pa

    return pa.ipc.open_file(pa.py_buffer(b"".join(chunks))).read_all()
