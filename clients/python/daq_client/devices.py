"""The lab's devices as the daemon lists them, and the requests that command them.

One place for both clients (`daq_client.Client` and `daq_client.aio.AsyncClient`): each device
action of `HardwareService` is built here from plain Python arguments (with their units), and
each reply is turned into a plain dict here, so the two clients cannot drift apart.
"""

from __future__ import annotations

from typing import Any, TypedDict

import numpy as np

from daq.v1 import common_pb2, hardware_pb2


class Parameter(TypedDict):
    """A setting of a Parameterized device, with what may be written to it."""

    name: str
    type: str  # "number", "integer", "string" or "boolean"
    units: str
    min: float | None
    max: float | None
    choices: list[str]
    writable: bool
    description: str
    value: Any  # None when it could not be read


class CameraGeometry(TypedDict):
    """A camera's sensor, region of interest (unbinned pixels from the top-left corner) and frame size, in pixels."""

    sensor_width: int
    sensor_height: int
    roi_x: int
    roi_y: int
    roi_width: int
    roi_height: int
    frame_width: int
    frame_height: int


class Device(TypedDict):
    """A device as `devices()` lists it."""

    name: str
    driver: str
    state: str  # "disconnected", "connecting", "idle", "busy" or "faulted"
    capabilities: list[str]
    fault: str  # why it is faulted ("" otherwise)
    settings: dict[str, Any]  # setting name -> current value
    parameters: list[Parameter]  # the same settings, described
    units: str  # a Movable device's position units ("mm", "deg"); "" otherwise
    position: float | None  # a Movable device's position now, in `units`
    limits: tuple[float, float] | None  # a Movable device's travel limits (min, max), in `units`
    camera: CameraGeometry | None  # a camera's geometry


class Reading(TypedDict):
    """One reading of a Readable device."""

    value: Any
    units: str
    timestamp_s: float  # seconds since the Unix epoch


class Values(TypedDict):
    """One message of `stream_values`: the newest reading of each device."""

    time_s: float
    readings: dict[str, Reading]
    dropped: int  # messages missed because this client read too slowly


class FramePreview(TypedDict):
    """One downsampled camera preview of `stream_frames` (full frames are in the ring and the run files)."""

    device: str
    pixels: np.ndarray  # uint16, (height, width)
    frame_number: int
    timestamp_s: float
    binning: int  # the downsampling factor
    dropped: int  # previews skipped because this client read too slowly


def value(v: common_pb2.Value) -> Any:
    """A `Value` as Python: float, str, bool, list of floats, a frame reference dict, or None."""
    kind = v.WhichOneof("kind")
    if kind == "numbers":
        return list(v.numbers.values)
    if kind == "frame":
        f = v.frame
        return {"width": f.width, "height": f.height, "dtype": f.dtype, "frame_number": f.frame_number, "timestamp_s": f.timestamp_s}
    if kind is None:
        return None
    return getattr(v, kind)


def to_value(v: Any) -> common_pb2.Value:
    """A Python value as a `Value`: bool as a flag, int and float as a number, a sequence of numbers, else text."""
    if isinstance(v, bool):
        return common_pb2.Value(flag=v)
    if isinstance(v, (int, float)):
        return common_pb2.Value(number=float(v))
    if isinstance(v, (list, tuple)) and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v):
        return common_pb2.Value(numbers=common_pb2.DoubleArray(values=[float(x) for x in v]))
    return common_pb2.Value(text=str(v))


def device_dict(d: hardware_pb2.DeviceInfo) -> Device:
    """A `DeviceInfo` as a dict: everything the daemon reports, None where the device has no such thing."""
    parameters: list[Parameter] = [
        {"name": p.name, "type": p.type, "units": p.units, "min": p.min if p.HasField("min") else None, "max": p.max if p.HasField("max") else None,
         "choices": list(p.choices), "writable": p.writable, "description": p.description, "value": value(p.value) if p.HasField("value") else None}
        for p in d.settings
    ]
    g = d.camera
    camera: CameraGeometry | None = {
        "sensor_width": g.sensor_width, "sensor_height": g.sensor_height, "roi_x": g.roi_x, "roi_y": g.roi_y, "roi_width": g.roi_width,
        "roi_height": g.roi_height, "frame_width": g.frame_width, "frame_height": g.frame_height,
    } if d.HasField("camera") else None
    return {
        "name": d.name, "driver": d.driver, "state": d.state, "capabilities": list(d.capabilities), "fault": d.fault,
        "settings": {p["name"]: p["value"] for p in parameters}, "parameters": parameters, "units": d.units,
        "position": d.position if d.HasField("position") else None,
        "limits": (d.limits.min, d.limits.max) if d.HasField("limits") else None, "camera": camera,
    }


def find_device(devices: list[Device], name: str) -> Device:
    """The device called `name`; KeyError naming the devices there are."""
    for d in devices:
        if d["name"] == name:
            return d
    raise KeyError(f"no device {name!r}; the lab has {', '.join(d['name'] for d in devices)}")


def reading_dict(r: hardware_pb2.Reading) -> Reading:
    """A `Reading` as a dict."""
    return {"value": value(r.value), "units": r.units, "timestamp_s": r.timestamp_s}


def values_dict(m: hardware_pb2.StreamValuesResponse) -> Values:
    """A `StreamValuesResponse` as a dict."""
    return {"time_s": m.time_s, "readings": {name: reading_dict(r) for name, r in m.readings.items()}, "dropped": m.dropped}


def frame_dict(m: hardware_pb2.StreamFramesResponse) -> FramePreview:
    """A `StreamFramesResponse` as a dict with its pixels as a (height, width) uint16 array."""
    pixels = np.frombuffer(m.data, dtype="<u2").reshape(m.height, m.width)
    return {"device": m.device, "pixels": pixels, "frame_number": m.frame_number, "timestamp_s": m.timestamp_s, "binning": m.binning, "dropped": m.dropped}


# -- requests: one builder per device action ----------------------------------------------------


def move_request(device: str, position: float, relative: bool, wait: bool, take_over: bool) -> hardware_pb2.MoveDeviceRequest:
    """MoveDevice: to `position` (absolute) or by it (`relative`), in the device's units."""
    target = {"relative": position} if relative else {"absolute": position}
    return hardware_pb2.MoveDeviceRequest(device=device, no_wait=not wait, take_over=take_over, **target)


def trigger_request(device: str, take_over: bool) -> hardware_pb2.TriggerDeviceRequest:
    return hardware_pb2.TriggerDeviceRequest(device=device, take_over=take_over)


def exposure_request(device: str, exposure_s: float, take_over: bool) -> hardware_pb2.SetExposureRequest:
    return hardware_pb2.SetExposureRequest(device=device, exposure_s=exposure_s, take_over=take_over)


def shutter_request(device: str, open: bool, take_over: bool) -> hardware_pb2.SetShutterRequest:
    return hardware_pb2.SetShutterRequest(device=device, open=open, take_over=take_over)


def wavelength_request(device: str, wavelength_nm: float, take_over: bool) -> hardware_pb2.SetWavelengthRequest:
    return hardware_pb2.SetWavelengthRequest(device=device, wavelength_nm=wavelength_nm, take_over=take_over)


def emission_request(device: str, enabled: bool, take_over: bool) -> hardware_pb2.SetEmissionRequest:
    return hardware_pb2.SetEmissionRequest(device=device, enabled=enabled, take_over=take_over)


def temperature_request(device: str, setpoint_c: float, take_over: bool) -> hardware_pb2.SetTemperatureRequest:
    return hardware_pb2.SetTemperatureRequest(device=device, setpoint_c=setpoint_c, take_over=take_over)


def roi_request(device: str, x: int, y: int, width: int, height: int, take_over: bool) -> hardware_pb2.SetRoiRequest:
    return hardware_pb2.SetRoiRequest(device=device, x=x, y=y, width=width, height=height, take_over=take_over)


def voltage_request(device: str, volts: float, take_over: bool) -> hardware_pb2.SetVoltageRequest:
    return hardware_pb2.SetVoltageRequest(device=device, volts=volts, take_over=take_over)


def analog_output_request(device: str, channel: str, volts: float, take_over: bool) -> hardware_pb2.SetAnalogOutputRequest:
    return hardware_pb2.SetAnalogOutputRequest(device=device, channel=channel, volts=volts, take_over=take_over)


def digital_line_request(device: str, line: str, value: bool, take_over: bool) -> hardware_pb2.SetDigitalLineRequest:
    return hardware_pb2.SetDigitalLineRequest(device=device, line=line, value=value, take_over=take_over)


def parameter_request(device: str, name: str, v: Any, take_over: bool) -> hardware_pb2.SetParameterRequest:
    return hardware_pb2.SetParameterRequest(device=device, name=name, value=to_value(v), take_over=take_over)


def frame_stream_request(device: str, on: bool, take_over: bool) -> hardware_pb2.SetFrameStreamRequest:
    return hardware_pb2.SetFrameStreamRequest(device=device, on=on, take_over=take_over)


def values_request(devices: list[str] | tuple[str, ...], max_rate_hz: float) -> hardware_pb2.StreamValuesRequest:
    return hardware_pb2.StreamValuesRequest(devices=list(devices), max_rate_hz=max_rate_hz)


def frames_request(device: str, max_fps: float, max_width: int) -> hardware_pb2.StreamFramesRequest:
    return hardware_pb2.StreamFramesRequest(device=device, max_fps=max_fps, max_width=max_width)
