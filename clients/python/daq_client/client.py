"""A client of the ts-daq daemon over gRPC.

    import daq_client
    client = daq_client.Client("127.0.0.1:50051")
    summary = client.run("examples/simple_scan.js", params={"steps": 10})
    for document in client.follow(summary["uid"]):
        ...

Documents and summaries come back as plain dicts (snake_case keys, values as Python numbers,
strings, booleans and lists), ready for pandas or a notebook.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator, Mapping

import grpc

from daq.v1 import common_pb2, control_pb2, control_pb2_grpc, documents_pb2, hardware_pb2, hardware_pb2_grpc

from .documents import bluesky_pairs

_EXIT = {
    documents_pb2.EXIT_STATUS_SUCCESS: "success",
    documents_pb2.EXIT_STATUS_ABORT: "abort",
    documents_pb2.EXIT_STATUS_FAIL: "fail",
}
_STATE = {
    control_pb2.RUN_STATE_QUEUED: "queued",
    control_pb2.RUN_STATE_RUNNING: "running",
    control_pb2.RUN_STATE_PAUSED: "paused",
    control_pb2.RUN_STATE_FINISHED: "finished",
}


class DaqError(Exception):
    """An error the daemon reported: `code` is the gRPC status name (NOT_FOUND, ...)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _value(value: common_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "numbers":
        return list(value.numbers.values)
    if kind == "frame":
        f = value.frame
        return {"width": f.width, "height": f.height, "dtype": f.dtype, "frame_number": f.frame_number, "timestamp_s": f.timestamp_s}
    if kind is None:
        return None
    return getattr(value, kind)


def _to_value(value: Any) -> common_pb2.Value:
    if isinstance(value, bool):
        return common_pb2.Value(flag=value)
    if isinstance(value, (int, float)):
        return common_pb2.Value(number=float(value))
    return common_pb2.Value(text=str(value))


def summary_dict(run: control_pb2.RunSummary) -> dict[str, Any]:
    """A run summary as a dict: uid, script, state, exit_status, reason, num_events, ..."""
    return {
        "uid": run.uid,
        "script": run.script_name,
        "state": _STATE.get(run.state, "unknown"),
        "exit_status": _EXIT.get(run.exit_status),
        "reason": run.reason,
        "num_events": dict(run.num_events),
        "progress": (run.progress_done, run.progress_total),
        "duration_s": run.end_time_s - run.start_time_s if run.end_time_s and run.start_time_s else None,
        "started_by": run.started_by,
        "file": run.file_path or None,
        "file_size_bytes": int(run.file_size_bytes),
        "events_lost": run.events_lost,
        "storage_error": run.storage_error,
        "file_finished": run.file_finished,
    }


def document_dict(document: documents_pb2.RunDocument) -> dict[str, Any] | None:
    """A run document as a dict with a "kind": start, descriptor, event or stop (None for Bluesky's
    stream_resource and stream_datum, which have no typed twin: see `Client.documents`)."""
    kind = document.WhichOneof("document")
    if kind is None:
        return None
    body = getattr(document, kind)
    out: dict[str, Any] = {"kind": kind, "run_uid": document.run_uid, "index": document.index}
    if kind == "start":
        out.update(uid=body.uid, time_s=body.time_s, script_name=body.script_name, script_sha256=body.script_sha256,
                   params={k: _value(v) for k, v in body.params.items()}, metadata={k: _value(v) for k, v in body.metadata.items()}, lab=body.lab)
    elif kind == "descriptor":
        out.update(uid=body.uid, name=body.name, time_s=body.time_s,
                   data_keys={k: {"dtype": d.dtype, "shape": list(d.shape), "units": d.units, "source": d.source} for k, d in body.data_keys.items()})
    elif kind == "event":
        out.update(uid=body.uid, descriptor=body.descriptor, stream=body.stream, seq_num=body.seq_num, time_s=body.time_s,
                   data={k: _value(v) for k, v in body.data.items()}, timestamps=dict(body.timestamps))
    else:
        out.update(uid=body.uid, time_s=body.time_s, exit_status=_EXIT.get(body.exit_status), reason=body.reason, num_events=dict(body.num_events))
    return out


class Client:
    """A connection to a daemon. `token` defaults to $DAQ_TOKEN; `root_cert` (PEM bytes) enables TLS."""

    def __init__(self, address: str = "127.0.0.1:50051", token: str | None = None, root_cert: bytes | None = None):
        self.address = address
        token = token if token is not None else os.environ.get("DAQ_TOKEN")
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        options = [("grpc.max_receive_message_length", 64 * 1024 * 1024)]
        if root_cert is None:
            self._channel = grpc.insecure_channel(address, options=options)
        else:
            self._channel = grpc.secure_channel(address, grpc.ssl_channel_credentials(root_cert), options=options)
        self._control = control_pb2_grpc.ControlServiceStub(self._channel)
        self._hardware = hardware_pb2_grpc.HardwareServiceStub(self._channel)

    def _call(self, method, request, timeout: float | None = 30.0):
        try:
            return method(request, metadata=self._metadata, timeout=timeout)
        except grpc.RpcError as error:
            raise DaqError(error.code().name, error.details() or "") from None

    def _stream(self, method, request) -> Iterator[Any]:
        call = method(request, metadata=self._metadata)
        try:
            yield from call
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.CANCELLED:
                raise DaqError(error.code().name, error.details() or "") from None
        finally:
            call.cancel()

    # -- the daemon and its devices ------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        """Version, lab, data locations and your role."""
        info = self._call(self._control.GetDaemonInfo, control_pb2.GetDaemonInfoRequest())
        return {"version": info.version, "lab": info.lab_name, "role": info.role, "data_dir": info.data_dir,
                "ring": {"path": info.ring.path, "size_bytes": info.ring.size_bytes}, "auth_enabled": info.auth_enabled,
                "storage": {"runs_dir": info.storage.runs_dir, "free_bytes": info.storage.free_bytes, "error": info.storage.error, "gzip": info.storage.gzip}}

    def devices(self) -> list[dict[str, Any]]:
        """Every device: name, driver, state, capabilities, fault, settings."""
        response = self._call(self._hardware.ListDevices, hardware_pb2.ListDevicesRequest())
        return [{"name": d.name, "driver": d.driver, "state": d.state, "capabilities": list(d.capabilities), "fault": d.fault,
                 "settings": {p.name: _value(p.value) for p in d.settings}, "units": d.units} for d in response.devices]

    def move(self, device: str, position: float, relative: bool = False, take_over: bool = False) -> float:
        """Moves a Movable device (waiting until settled); returns its position."""
        request = hardware_pb2.MoveDeviceRequest(device=device, take_over=take_over, **({"relative": position} if relative else {"absolute": position}))
        return self._call(self._hardware.MoveDevice, request, timeout=None).position

    def read(self, device: str) -> dict[str, Any]:
        """Reads a Readable device: {"value", "units", "timestamp_s"}."""
        reading = self._call(self._hardware.ReadDevice, hardware_pb2.ReadDeviceRequest(device=device)).reading
        return {"value": _value(reading.value), "units": reading.units, "timestamp_s": reading.timestamp_s}

    def stop_device(self, device: str) -> None:
        """Puts a device in its safe state now."""
        self._call(self._hardware.StopDevice, hardware_pb2.StopDeviceRequest(device=device))

    # -- runs ----------------------------------------------------------------------------------
    def run(self, source_or_path: str | os.PathLike, params: Mapping[str, Any] | None = None, metadata: Mapping[str, Any] | None = None,
            wait: bool = True, name: str | None = None) -> dict[str, Any]:
        """Starts a script (its source, or the path of a .js/.ts file); with `wait`, returns the finished run's summary."""
        path = Path(source_or_path) if not isinstance(source_or_path, str) or "\n" not in source_or_path else None
        if path is not None and path.suffix in (".js", ".ts") and path.exists():
            source, script_name = path.read_text(), name or path.name
        else:
            source, script_name = str(source_or_path), name or "notebook.js"
        request = control_pb2.StartRunRequest(
            inline=control_pb2.InlineScript(name=script_name, source=source),
            params={k: _to_value(v) for k, v in (params or {}).items()},
            metadata={k: _to_value(v) for k, v in (metadata or {}).items()},
        )
        run = self._call(self._control.StartRun, request).run
        if not wait:
            return summary_dict(run)
        for _ in self.follow(run.uid):
            pass
        return self.get_run(run.uid)

    def follow(self, run_uid: str = "", from_index: int = 0) -> Iterator[dict[str, Any]]:
        """A run's documents from `from_index`, then live until its stop document."""
        request = control_pb2.StreamRunDocumentsRequest(run_uid=run_uid, from_index=from_index)
        for message in self._stream(self._control.StreamRunDocuments, request):
            document = document_dict(message.document)
            if document is not None:
                yield document

    def documents(self, run_uid: str = "", from_index: int = 0) -> Iterator[tuple[str, dict[str, Any]]]:
        """A run's Bluesky documents as (name, doc) pairs, live until its stop document: hand them to any
        Bluesky callback (`for name, doc in client.documents(uid): bec(name, doc)`). The daemon keeps the
        documents of its last 50 runs; older runs are in their HDF5 files (`open_run`). See daq_client.documents."""
        request = control_pb2.StreamRunDocumentsRequest(run_uid=run_uid, from_index=from_index)
        yield from bluesky_pairs(m.document for m in self._stream(self._control.StreamRunDocuments, request))

    def get_run(self, uid: str = "") -> dict[str, Any]:
        """A run's summary (empty uid: the current run)."""
        return summary_dict(self._call(self._control.GetRun, control_pb2.GetRunRequest(uid=uid)).run)

    def runs(self) -> list[dict[str, Any]]:
        """Every run the daemon knows, oldest first."""
        return [summary_dict(r) for r in self._call(self._control.ListRuns, control_pb2.ListRunsRequest()).runs]

    def stop(self, uid: str = "", reason: str = "stopped from Python") -> dict[str, Any]:
        """Aborts a run (default: the current one)."""
        return summary_dict(self._call(self._control.StopRun, control_pb2.StopRunRequest(uid=uid, reason=reason)).run)

    def read_range(self, stream: str, t0_s: float = 0.0, t1_s: float = 0.0):
        """A stream's rows between two times (s since the epoch; 0 = oldest / newest held) from the daemon's ring, as a pyarrow Table."""
        import pyarrow as pa

        response = self._call(self._control.ReadStreamRange, control_pb2.ReadStreamRangeRequest(stream=stream, t0_s=t0_s, t1_s=t1_s))
        return pa.ipc.open_stream(response.arrow_ipc).read_all()

    def status(self, heartbeat_s: float = 1.0) -> Iterator[dict[str, Any]]:
        """The daemon's status, on change and at least every `heartbeat_s`."""
        for s in self._stream(self._control.StreamStatus, control_pb2.StreamStatusRequest(heartbeat_s=heartbeat_s)):
            yield {"time_s": s.time_s, "state": s.daemon_state, "current_run": summary_dict(s.current_run) if s.HasField("current_run") else None,
                   "queued": s.queued, "devices": {d.name: d.state for d in s.devices}, "storage_error": s.storage_error}

    def run_file(self, uid: str) -> Path:
        """The path of a run's HDF5 file (on the daemon's host: open it directly when that is this machine)."""
        run = self.get_run(uid)
        if run["file"] is None:
            raise DaqError("not_found", f"run {uid} has no file")
        return Path(run["file"])

    def open_run(self, uid: str, swmr: bool | None = None):
        """A run's HDF5 file as an `h5py.File` (read-only). A run still being written is opened in SWMR mode
        (call `dataset.refresh()` to see it grow); pass `swmr` to choose. The file must be reachable from here."""
        import h5py

        run = self.get_run(uid)
        if run["file"] is None:
            raise DaqError("not_found", f"run {uid} has no file")
        return h5py.File(run["file"], "r", swmr=(not run["file_finished"]) if swmr is None else swmr)

    def export(self, uid: str, format: str = "h5", stream: str = "", path: str | os.PathLike | None = None) -> Path:
        """Downloads a finished run as `format` ("h5", "csv" or "arrow"; CSV and Arrow hold one stream)
        into `path` (default: the daemon's file name in the current directory); returns the path written."""
        formats = {"h5": control_pb2.EXPORT_FORMAT_H5, "csv": control_pb2.EXPORT_FORMAT_CSV, "arrow": control_pb2.EXPORT_FORMAT_ARROW}
        if format not in formats:
            raise ValueError(f"format must be one of {', '.join(formats)}, not {format!r}")
        responses = self._stream(self._control.ExportRun, control_pb2.ExportRunRequest(run_uid=uid, format=formats[format], stream=stream))
        out = None
        try:
            for response in responses:
                if out is None:
                    target = Path(path) if path is not None else Path(response.file_name)
                    out = open(target, "wb")
                out.write(response.chunk)
        finally:
            if out is not None:
                out.close()
        if out is None:
            raise DaqError("internal", f"the export of run {uid} sent nothing")
        return target

    def run_table(self, uid: str, stream: str = ""):
        """One stream of a finished run as a pyarrow Table (exported by the daemon as Arrow IPC; frames as fixed-size lists)."""
        import pyarrow as pa

        formats = control_pb2.EXPORT_FORMAT_ARROW
        data = b"".join(r.chunk for r in self._stream(self._control.ExportRun, control_pb2.ExportRunRequest(run_uid=uid, format=formats, stream=stream)))
        return pa.ipc.open_stream(data).read_all()

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
