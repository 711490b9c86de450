"""The asyncio client of the ts-daq daemon (grpc.aio): the methods of `daq_client.Client`, awaitable.

    import asyncio, daq_client.aio

    async def main():
        async with daq_client.aio.AsyncClient("127.0.0.1:50051") as client:
            await client.set_wavelength("laser", 820)
            summary = await client.run("examples/simple_scan.js", params={"steps": 10}, wait=False)
            async for document in client.follow(summary["uid"]):
                ...

    asyncio.run(main())

Streams (`follow`, `status`, `stream_values`, `stream_frames`) are async iterators; leaving the
`async for` cancels the call. Requests and replies are those of the blocking client (built in
`daq_client.devices` and `daq_client.control`), so both give the same dicts.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any, AsyncIterator, Mapping

import grpc
import grpc.aio

from daq.v1 import control_pb2, control_pb2_grpc, hardware_pb2, hardware_pb2_grpc
from daq_client import control as _ctl
from daq_client import devices as _dev
from daq_client.client import _SWMR_RETRY_S, DaqError, document_dict, open_run_file, summary_dict
from daq_client.devices import Device, FramePreview, Reading, Values


class AsyncClient:
    """A connection to a daemon for asyncio code. `token` defaults to $DAQ_TOKEN; `root_cert` (PEM bytes) enables TLS.
    Create it inside a running event loop (grpc.aio binds the channel to it)."""

    def __init__(self, address: str = "127.0.0.1:50051", token: str | None = None, root_cert: bytes | None = None):
        self.address = address
        self._metadata = _ctl.call_metadata(token)
        if root_cert is None:
            self._channel = grpc.aio.insecure_channel(address, options=_ctl.CHANNEL_OPTIONS)
        else:
            self._channel = grpc.aio.secure_channel(address, grpc.ssl_channel_credentials(root_cert), options=_ctl.CHANNEL_OPTIONS)
        self._control = control_pb2_grpc.ControlServiceStub(self._channel)
        self._hardware = hardware_pb2_grpc.HardwareServiceStub(self._channel)

    async def _call(self, method, request, timeout: float | None = 30.0):
        try:
            return await method(request, metadata=self._metadata, timeout=timeout)
        except grpc.aio.AioRpcError as error:
            raise DaqError(error.code().name, error.details() or "") from None

    async def _stream(self, method, request) -> AsyncIterator[Any]:
        call = method(request, metadata=self._metadata)
        try:
            async for message in call:
                yield message
        except grpc.aio.AioRpcError as error:
            if error.code() != grpc.StatusCode.CANCELLED:
                raise DaqError(error.code().name, error.details() or "") from None
        finally:
            call.cancel()

    # -- the daemon and its devices ------------------------------------------------------------
    async def info(self) -> dict[str, Any]:
        """Version, lab, data locations (ring, runs) and your role."""
        return _ctl.info_dict(await self._call(self._control.GetDaemonInfo, control_pb2.GetDaemonInfoRequest()))

    async def devices(self) -> list[Device]:
        """Every device, as `Client.devices()`: with positions, limits, units and camera geometry."""
        response = await self._call(self._hardware.ListDevices, hardware_pb2.ListDevicesRequest())
        return [_dev.device_dict(d) for d in response.devices]

    async def device(self, name: str) -> Device:
        """One device (KeyError naming the lab's devices if there is none called `name`)."""
        return _dev.find_device(await self.devices(), name)

    async def move(self, device: str, position: float, relative: bool = False, take_over: bool = False, wait: bool = True) -> float:
        """Moves a Movable device to (or by) `position` in its units; returns its position once settled (or once started, `wait=False`)."""
        return (await self._call(self._hardware.MoveDevice, _dev.move_request(device, position, relative, wait, take_over), timeout=None)).position

    async def read(self, device: str) -> Reading:
        """Reads a Readable device: {"value", "units", "timestamp_s"}."""
        return _dev.reading_dict((await self._call(self._hardware.ReadDevice, hardware_pb2.ReadDeviceRequest(device=device))).reading)

    async def trigger(self, device: str, take_over: bool = False) -> None:
        """Triggers a Triggerable device once; returns when it is done."""
        await self._call(self._hardware.TriggerDevice, _dev.trigger_request(device, take_over), timeout=None)

    async def stop_device(self, device: str) -> None:
        """Puts a device in its safe state now. Allowed during a run."""
        await self._call(self._hardware.StopDevice, hardware_pb2.StopDeviceRequest(device=device))

    async def set_exposure(self, device: str, exposure_s: float, take_over: bool = False) -> None:
        """Sets the exposure of an ExposureControl device, in seconds."""
        await self._call(self._hardware.SetExposure, _dev.exposure_request(device, exposure_s, take_over))

    async def set_shutter(self, device: str, open: bool, take_over: bool = False) -> None:
        """Opens (`open=True`) or closes a shutter."""
        await self._call(self._hardware.SetShutter, _dev.shutter_request(device, open, take_over), timeout=None)

    async def set_wavelength(self, device: str, wavelength_nm: float, take_over: bool = False) -> None:
        """Tunes a WavelengthTunable device to `wavelength_nm` nanometres; returns once it is there."""
        await self._call(self._hardware.SetWavelength, _dev.wavelength_request(device, wavelength_nm, take_over), timeout=None)

    async def set_emission(self, device: str, enabled: bool, take_over: bool = False) -> None:
        """Switches emission on or off."""
        await self._call(self._hardware.SetEmission, _dev.emission_request(device, enabled, take_over), timeout=None)

    async def set_temperature(self, device: str, setpoint_c: float, take_over: bool = False) -> None:
        """Sets a Cooled device's setpoint, in °C."""
        await self._call(self._hardware.SetTemperature, _dev.temperature_request(device, setpoint_c, take_over))

    async def set_roi(self, device: str, x: int, y: int, width: int, height: int, take_over: bool = False) -> None:
        """Sets a camera's region of interest, in unbinned pixels from the top-left corner."""
        await self._call(self._hardware.SetRoi, _dev.roi_request(device, x, y, width, height, take_over))

    async def set_voltage(self, device: str, volts: float, take_over: bool = False) -> None:
        """Sets a VoltageSource's output, in volts."""
        await self._call(self._hardware.SetVoltage, _dev.voltage_request(device, volts, take_over))

    async def set_analog_output(self, device: str, channel: str, volts: float, take_over: bool = False) -> None:
        """Sets analog output `channel` ("ao0") of a DAQ card, in volts."""
        await self._call(self._hardware.SetAnalogOutput, _dev.analog_output_request(device, channel, volts, take_over))

    async def set_digital_line(self, device: str, line: str, value: bool, take_over: bool = False) -> None:
        """Drives output `line` ("port0/line0") of a DAQ card high (True) or low (False)."""
        await self._call(self._hardware.SetDigitalLine, _dev.digital_line_request(device, line, value, take_over))

    async def set_parameter(self, device: str, name: str, value: Any, take_over: bool = False) -> None:
        """Writes the setting `name` of a Parameterized device."""
        await self._call(self._hardware.SetParameter, _dev.parameter_request(device, name, value, take_over))

    async def set_frame_stream(self, device: str, on: bool, take_over: bool = False) -> None:
        """Starts or stops a camera's continuous acquisition (what `stream_frames` previews)."""
        await self._call(self._hardware.SetFrameStream, _dev.frame_stream_request(device, on, take_over))

    async def stream_values(self, devices: list[str] | tuple[str, ...], max_rate_hz: float = 10.0) -> AsyncIterator[Values]:
        """Readings of Readable `devices`, at most `max_rate_hz` messages a second."""
        async for message in self._stream(self._hardware.StreamValues, _dev.values_request(devices, max_rate_hz)):
            yield _dev.values_dict(message)

    async def stream_frames(self, device: str, max_fps: float = 10.0, max_width: int = 256) -> AsyncIterator[FramePreview]:
        """Downsampled previews of a camera's frames (uint16 arrays), at most `max_fps` a second."""
        async for message in self._stream(self._hardware.StreamFrames, _dev.frames_request(device, max_fps, max_width)):
            yield _dev.frame_dict(message)

    # -- runs ----------------------------------------------------------------------------------
    async def run(self, source_or_path: str | os.PathLike, params: Mapping[str, Any] | None = None, metadata: Mapping[str, Any] | None = None,
                  wait: bool = True, name: str | None = None, preset: str | None = None, skip_check: bool = False) -> dict[str, Any]:
        """Starts a script (its source, or the path of a .js/.ts file); with `wait`, returns the finished run's summary.
        With `preset`, the run starts from that saved preset."""
        run = (await self._call(self._control.StartRun, _ctl.start_request(source_or_path, params, metadata, name, preset, skip_check))).run
        if not wait:
            return summary_dict(run)
        async for _ in self.follow(run.uid):
            pass
        return await self.get_run(run.uid)

    async def follow(self, run_uid: str = "", from_index: int = 0) -> AsyncIterator[dict[str, Any]]:
        """A run's documents from `from_index`, then live until its stop document."""
        # In batches: several documents a message while this client is behind (a daemon that predates
        # batches sends one a message, in `document`).
        request = control_pb2.StreamRunDocumentsRequest(run_uid=run_uid, from_index=from_index, accept_batches=True)
        async for message in self._stream(self._control.StreamRunDocuments, request):
            for run_document in message.documents or (message.document,):
                document = document_dict(run_document)
                if document is not None:  # stream_resource and stream_datum are Bluesky's only: documents() has them
                    yield document

    async def get_run(self, uid: str = "") -> dict[str, Any]:
        """A run's summary (empty uid: the current run)."""
        return summary_dict((await self._call(self._control.GetRun, control_pb2.GetRunRequest(uid=uid))).run)

    async def runs(self) -> list[dict[str, Any]]:
        """Every run the daemon knows, oldest first."""
        return [summary_dict(r) for r in (await self._call(self._control.ListRuns, control_pb2.ListRunsRequest())).runs]

    async def stop(self, uid: str = "", reason: str = "stopped from Python") -> dict[str, Any]:
        """Aborts a run (default: the current one)."""
        return summary_dict((await self._call(self._control.StopRun, control_pb2.StopRunRequest(uid=uid, reason=reason))).run)

    async def read_range(self, stream: str, t0_s: float = 0.0, t1_s: float = 0.0, *, parts: bool = False, **options: Any):
        """A stream's rows between two times (s since the epoch; 0 = oldest / newest held) from the daemon's ring, as a pyarrow
        Table (see Client.read_range: the answer comes in pieces, a part per schema; ``parts=True`` gives the list)."""
        request = control_pb2.ReadStreamRangeRequest(stream=stream, t0_s=t0_s, t1_s=t1_s, **options)
        return _ctl.range_table([m async for m in self._stream(self._control.ReadStreamRange, request)], stream, parts)

    async def status(self, heartbeat_s: float = 1.0) -> AsyncIterator[dict[str, Any]]:
        """The daemon's status, on change and at least every `heartbeat_s`."""
        async for s in self._stream(self._control.StreamStatus, control_pb2.StreamStatusRequest(heartbeat_s=heartbeat_s)):
            yield _ctl.status_dict(s, summary_dict)

    async def run_file(self, uid: str) -> Path:
        """The path of a run's HDF5 file on the daemon's host."""
        run = await self.get_run(uid)
        if run["file"] is None:
            raise DaqError("not_found", f"run {uid} has no file")
        return Path(run["file"])

    async def open_run(self, uid: str, swmr: bool | None = None):
        """A run's HDF5 file as an `h5py.File` (read-only; SWMR while the run is written). The file must be reachable from here."""
        deadline = time.monotonic() + _SWMR_RETRY_S
        while (f := open_run_file(await self.get_run(uid), swmr, deadline)) is None:
            await asyncio.sleep(0.05)
        return f

    async def export(self, uid: str, format: str = "h5", stream: str = "", path: str | os.PathLike | None = None) -> Path:
        """Downloads a finished run as `format` ("h5", "csv", "arrow" or "parquet") into `path` (default: the daemon's file name here)."""
        out = None
        target = Path(path) if path is not None else None
        try:
            async for response in self._stream(self._control.ExportRun, _ctl.export_request(uid, format, stream)):
                if out is None:
                    target = target or Path(response.file_name)
                    out = open(target, "wb")
                out.write(response.chunk)
        finally:
            if out is not None:
                out.close()
        if out is None or target is None:
            raise DaqError("internal", f"the export of run {uid} sent nothing")
        return target

    async def run_table(self, uid: str, stream: str = ""):
        """One stream of a finished run as a pyarrow Table (Arrow IPC export; frames as fixed-size lists)."""
        return _ctl.arrow_file_table([r.chunk async for r in self._stream(self._control.ExportRun, _ctl.export_request(uid, "arrow", stream))])

    async def close(self) -> None:
        """Closes the channel (calls under way are cancelled)."""
        await self._channel.close()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
