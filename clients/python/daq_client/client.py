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
import time
from pathlib import Path
from typing import Any, Iterator, Mapping

import grpc

from daq.v1 import control_pb2, control_pb2_grpc, documents_pb2, hardware_pb2, hardware_pb2_grpc
from daq_client import control as _ctl
from daq_client import devices as _dev
from daq_client.devices import Device, FramePreview, Reading, Values
from daq_client.devices import value as _value

from .documents import bluesky_pairs

# How long open_run asks again while an open fails because the writer is between SWMR states.
_SWMR_RETRY_S = 10.0

_EXIT = {
    documents_pb2.EXIT_STATUS_SUCCESS: "success",
    documents_pb2.EXIT_STATUS_ABORT: "abort",
    documents_pb2.EXIT_STATUS_FAIL: "fail",
}
_STATE = {
    control_pb2.RUN_STATE_QUEUED: "queued",
    control_pb2.RUN_STATE_RUNNING: "running",
    control_pb2.RUN_STATE_PAUSED: "paused",
    control_pb2.RUN_STATE_SUSPENDED: "suspended",
    control_pb2.RUN_STATE_FINISHED: "finished",
}


class DaqError(Exception):
    """An error the daemon reported: `code` is the gRPC status name (NOT_FOUND, ...)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def open_run_file(run: dict[str, Any], swmr: bool | None, deadline: float):
    """`run`'s HDF5 file as an `h5py.File` (SWMR while it is written, unless `swmr` says), or None to
    ask the daemon again: the writer leaves SWMR mode for a moment when it adds a stream, and closes
    the file when the run ends, and an open in such a moment fails with "not already open for SWMR
    writing" (the run may be finished by the next answer: then the file opens without SWMR).
    After `deadline` (`time.monotonic()`) that failure is raised."""
    import h5py

    if run["file"] is None:
        raise DaqError("not_found", f"run {run['uid']} has no file")
    try:
        return h5py.File(run["file"], "r", swmr=(not run["file_finished"]) if swmr is None else swmr)
    except OSError as error:
        if "not already open for SWMR writing" not in str(error) or time.monotonic() > deadline:
            raise
    return None


def summary_dict(run: control_pb2.RunSummary) -> dict[str, Any]:
    """A run summary as a dict: uid, script, state (queued, running, paused, suspended, finished),
    exit_status, reason, suspended_reason (why a suspended run is held), num_events, ..., who
    started it (started_by: the token's name, or "local"; started_by_role: its role, "" when not
    known), and what with: params and metadata (dicts, as in the start document; the metadata
    also holds started_by and started_by_role, and the preset_* fields of a run from a preset)."""
    return {
        "uid": run.uid,
        "script": run.script_name,
        "state": _STATE.get(run.state, "unknown"),
        "exit_status": _EXIT.get(run.exit_status),
        "reason": run.reason,
        "suspended_reason": run.suspended_reason,
        "num_events": dict(run.num_events),
        "progress": (run.progress_done, run.progress_total),
        "duration_s": run.end_time_s - run.start_time_s if run.end_time_s and run.start_time_s else None,
        "started_by": run.started_by,
        "started_by_role": _value(run.metadata["started_by_role"]) if "started_by_role" in run.metadata else "",
        "params": {k: _value(v) for k, v in run.params.items()},
        "metadata": {k: _value(v) for k, v in run.metadata.items()},
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
        self._metadata = _ctl.call_metadata(token)
        options = _ctl.CHANNEL_OPTIONS
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
        return _ctl.info_dict(self._call(self._control.GetDaemonInfo, control_pb2.GetDaemonInfoRequest()))

    def devices(self) -> list[Device]:
        """Every device: name, driver, state, capabilities, fault, settings (values) and parameters (described),
        and where it applies the position, travel limits and units of an axis and a camera's geometry."""
        response = self._call(self._hardware.ListDevices, hardware_pb2.ListDevicesRequest())
        return [_dev.device_dict(d) for d in response.devices]

    def device(self, name: str) -> Device:
        """One device as `devices()` gives it (KeyError naming the lab's devices if there is none called `name`)."""
        return _dev.find_device(self.devices(), name)

    def move(self, device: str, position: float, relative: bool = False, take_over: bool = False, wait: bool = True) -> float:
        """Moves a Movable device to `position` (or by it, `relative`), in its units (mm, deg); waits until it has
        settled unless `wait` is False. Returns its position then. OUT_OF_RANGE beyond its limits (nothing moves)."""
        return self._call(self._hardware.MoveDevice, _dev.move_request(device, position, relative, wait, take_over), timeout=None).position

    def read(self, device: str) -> Reading:
        """Reads a Readable device: {"value", "units", "timestamp_s"}."""
        return _dev.reading_dict(self._call(self._hardware.ReadDevice, hardware_pb2.ReadDeviceRequest(device=device)).reading)

    def trigger(self, device: str, take_over: bool = False) -> None:
        """Triggers a Triggerable device once (a camera acquires one frame); returns when it is done."""
        self._call(self._hardware.TriggerDevice, _dev.trigger_request(device, take_over), timeout=None)

    def stop_device(self, device: str) -> None:
        """Puts a device in its safe state now (halts motion, closes shutters, zeroes outputs). Allowed during a run."""
        self._call(self._hardware.StopDevice, hardware_pb2.StopDeviceRequest(device=device))

    def set_exposure(self, device: str, exposure_s: float, take_over: bool = False) -> None:
        """Sets the exposure of an ExposureControl device (a camera), in seconds."""
        self._call(self._hardware.SetExposure, _dev.exposure_request(device, exposure_s, take_over))

    def set_shutter(self, device: str, open: bool, take_over: bool = False) -> None:
        """Opens (`open=True`) or closes a ShutterControl device's shutter; returns once it has."""
        self._call(self._hardware.SetShutter, _dev.shutter_request(device, open, take_over), timeout=None)

    def set_wavelength(self, device: str, wavelength_nm: float, take_over: bool = False) -> None:
        """Tunes a WavelengthTunable device (a laser, a power meter's calibration) to `wavelength_nm` nanometres;
        returns once it is there. OUT_OF_RANGE outside the device's range."""
        self._call(self._hardware.SetWavelength, _dev.wavelength_request(device, wavelength_nm, take_over), timeout=None)

    def set_emission(self, device: str, enabled: bool, take_over: bool = False) -> None:
        """Switches an EmissionControl device's emission (a laser) on or off."""
        self._call(self._hardware.SetEmission, _dev.emission_request(device, enabled, take_over), timeout=None)

    def set_temperature(self, device: str, setpoint_c: float, take_over: bool = False) -> None:
        """Sets the temperature setpoint of a Cooled device (a camera's sensor), in °C; the temperature follows over time."""
        self._call(self._hardware.SetTemperature, _dev.temperature_request(device, setpoint_c, take_over))

    def set_roi(self, device: str, x: int, y: int, width: int, height: int, take_over: bool = False) -> None:
        """Sets a RoiSelectable camera's region of interest, in unbinned pixels from the sensor's top-left corner."""
        self._call(self._hardware.SetRoi, _dev.roi_request(device, x, y, width, height, take_over))

    def set_voltage(self, device: str, volts: float, take_over: bool = False) -> None:
        """Sets a VoltageSource's output, in volts."""
        self._call(self._hardware.SetVoltage, _dev.voltage_request(device, volts, take_over))

    def set_analog_output(self, device: str, channel: str, volts: float, take_over: bool = False) -> None:
        """Sets analog output `channel` ("ao0") of a DAQ card, in volts."""
        self._call(self._hardware.SetAnalogOutput, _dev.analog_output_request(device, channel, volts, take_over))

    def set_digital_line(self, device: str, line: str, value: bool, take_over: bool = False) -> None:
        """Drives output `line` ("port0/line0") of a DAQ card high (True) or low (False)."""
        self._call(self._hardware.SetDigitalLine, _dev.digital_line_request(device, line, value, take_over))

    def set_parameter(self, device: str, name: str, value: Any, take_over: bool = False) -> None:
        """Writes the setting `name` of a Parameterized device (see `device(...)["parameters"]` for types, units and limits)."""
        self._call(self._hardware.SetParameter, _dev.parameter_request(device, name, value, take_over))

    def set_frame_stream(self, device: str, on: bool, take_over: bool = False) -> None:
        """Starts (`on=True`) or stops a camera's continuous acquisition, what `stream_frames` previews.
        A run that starts stops it, so the script can snap."""
        self._call(self._hardware.SetFrameStream, _dev.frame_stream_request(device, on, take_over))

    def stream_values(self, devices: list[str] | tuple[str, ...], max_rate_hz: float = 10.0) -> Iterator[Values]:
        """Readings of Readable `devices`, at most `max_rate_hz` messages a second, until you stop iterating."""
        for message in self._stream(self._hardware.StreamValues, _dev.values_request(devices, max_rate_hz)):
            yield _dev.values_dict(message)

    def stream_frames(self, device: str, max_fps: float = 10.0, max_width: int = 256) -> Iterator[FramePreview]:
        """Downsampled previews (uint16 arrays at most `max_width` wide) of a camera's frames, at most `max_fps` a second,
        until you stop iterating. The camera must be acquiring: a run's snaps, or `set_frame_stream(device, True)`."""
        for message in self._stream(self._hardware.StreamFrames, _dev.frames_request(device, max_fps, max_width)):
            yield _dev.frame_dict(message)

    # -- runs ----------------------------------------------------------------------------------
    def run(self, source_or_path: str | os.PathLike, params: Mapping[str, Any] | None = None, metadata: Mapping[str, Any] | None = None,
            wait: bool = True, name: str | None = None, preset: str | None = None, skip_check: bool = False) -> dict[str, Any]:
        """Starts a script (its source, or the path of a .js/.ts file); with `wait`, returns the finished run's summary.
        With `preset`, the run starts from that saved preset (docs/scripting.md, Presets). The daemon type-checks the
        script against the lab first and refuses it (DaqError INVALID_ARGUMENT naming each problem at its line) unless `skip_check`."""
        request = _ctl.start_request(source_or_path, params, metadata, name, preset, skip_check)
        run = self._call(self._control.StartRun, request).run
        if not wait:
            return summary_dict(run)
        for _ in self.follow(run.uid):
            pass
        return self.get_run(run.uid)

    def follow(self, run_uid: str = "", from_index: int = 0) -> Iterator[dict[str, Any]]:
        """A run's documents from `from_index`, then live until its stop document."""
        for message in self._run_documents(run_uid, from_index):
            document = document_dict(message)
            if document is not None:
                yield document

    def documents(self, run_uid: str = "", from_index: int = 0) -> Iterator[tuple[str, dict[str, Any]]]:
        """A run's Bluesky documents as (name, doc) pairs, live until its stop document: hand them to any
        Bluesky callback (`for name, doc in client.documents(uid): bec(name, doc)`). The daemon keeps the
        documents of its last 50 runs; older runs are in their HDF5 files (`open_run`). See daq_client.documents."""
        yield from bluesky_pairs(self._run_documents(run_uid, from_index))

    def _run_documents(self, run_uid: str, from_index: int) -> Iterator[documents_pb2.RunDocument]:
        """The RunDocuments of StreamRunDocuments, in order, asked for in batches (several a message while
        this client is behind; a daemon that predates batches sends one a message, in `document`)."""
        request = control_pb2.StreamRunDocumentsRequest(run_uid=run_uid, from_index=from_index, accept_batches=True)
        for message in self._stream(self._control.StreamRunDocuments, request):
            if message.documents:
                yield from message.documents
            else:
                yield message.document

    def get_run(self, uid: str = "") -> dict[str, Any]:
        """A run's summary (empty uid: the current run)."""
        return summary_dict(self._call(self._control.GetRun, control_pb2.GetRunRequest(uid=uid)).run)

    def runs(self) -> list[dict[str, Any]]:
        """Every run the daemon knows, oldest first."""
        return [summary_dict(r) for r in self._call(self._control.ListRuns, control_pb2.ListRunsRequest()).runs]

    def stop(self, uid: str = "", reason: str = "stopped from Python") -> dict[str, Any]:
        """Aborts a run (default: the current one)."""
        return summary_dict(self._call(self._control.StopRun, control_pb2.StopRunRequest(uid=uid, reason=reason)).run)

    def read_range(self, stream: str, t0_s: float = 0.0, t1_s: float = 0.0, *, parts: bool = False, **options: Any):
        """A stream's rows between two times (s since the epoch; 0 = oldest / newest held) from the daemon's ring, as a pyarrow Table.

        The daemon streams the range in pieces of at most 1 MiB (any window fits grpc's default
        limits), one Arrow IPC stream per part: a part is rows of one schema. Rows of runs that
        recorded the stream with other fields are in the table, null where their run did not
        record a field (see ``RingReader.latest``); ``parts=True`` gives the list of parts instead.
        ``options``: ``without_frames``, ``last_rows``, ``fields`` of ReadStreamRangeRequest."""
        request = control_pb2.ReadStreamRangeRequest(stream=stream, t0_s=t0_s, t1_s=t1_s, **options)
        return _ctl.range_table(self._stream(self._control.ReadStreamRange, request), stream, parts)

    def status(self, heartbeat_s: float = 1.0) -> Iterator[dict[str, Any]]:
        """The daemon's status, on change and at least every `heartbeat_s`."""
        for s in self._stream(self._control.StreamStatus, control_pb2.StreamStatusRequest(heartbeat_s=heartbeat_s)):
            yield _ctl.status_dict(s, summary_dict)

    def run_file(self, uid: str) -> Path:
        """The path of a run's HDF5 file (on the daemon's host: open it directly when that is this machine)."""
        run = self.get_run(uid)
        if run["file"] is None:
            raise DaqError("not_found", f"run {uid} has no file")
        return Path(run["file"])

    def open_run(self, uid: str, swmr: bool | None = None):
        """A run's HDF5 file as an `h5py.File` (read-only). A run still being written is opened in SWMR mode
        (call `dataset.refresh()` to see it grow); pass `swmr` to choose. The file must be reachable from here."""
        deadline = time.monotonic() + _SWMR_RETRY_S
        while (f := open_run_file(self.get_run(uid), swmr, deadline)) is None:
            time.sleep(0.05)
        return f

    def export(self, uid: str, format: str = "h5", stream: str = "", path: str | os.PathLike | None = None) -> Path:
        """Downloads a finished run as `format` ("h5"; or one stream as "csv" with units in the header,
        "arrow", an Arrow IPC file for `pandas.read_feather` / `polars.read_ipc`, or "parquet") into
        `path` (default: the daemon's file name in the current directory); returns the path written."""
        responses = self._stream(self._control.ExportRun, _ctl.export_request(uid, format, stream))
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
        """One stream of a finished run as a pyarrow Table (exported by the daemon as an Arrow IPC file; frames as fixed-size lists)."""
        return _ctl.arrow_file_table(r.chunk for r in self._stream(self._control.ExportRun, _ctl.export_request(uid, "arrow", stream)))

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
