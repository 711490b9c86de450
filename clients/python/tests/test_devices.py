"""Every device action of the API through `daq_client.Client`, against a real daemon of the simulated
lab (examples/lab.toml): each command is checked by what the daemon reports afterwards."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from daq_client.client import DaqError


def test_devices_give_positions_limits_units_and_camera_geometry(client):
    devices = {d["name"]: d for d in client.devices()}
    stage, camera, laser = devices["stage"], devices["camera"], devices["laser"]
    assert stage["limits"] == (0, 50) and stage["units"] == "mm"
    assert isinstance(stage["position"], float)
    assert camera["camera"] == {"sensor_width": 1024, "sensor_height": 1024, "roi_x": 0, "roi_y": 0, "roi_width": 1024, "roi_height": 1024,
                                "frame_width": 1024, "frame_height": 1024}
    assert laser["position"] is None and laser["limits"] is None and laser["camera"] is None
    wavelength = next(p for p in laser["parameters"] if p["name"] == "wavelength")
    assert (wavelength["units"], wavelength["min"], wavelength["max"], wavelength["writable"]) == ("nm", 690, 1040, True)
    assert laser["settings"]["wavelength"] == wavelength["value"]


def test_move_reports_the_new_position_and_limits_are_enforced(client):
    assert client.move("stage", 12.5) == pytest.approx(12.5)
    assert client.device("stage")["position"] == pytest.approx(12.5)
    assert client.move("stage", -2.5, relative=True) == pytest.approx(10)
    with pytest.raises(DaqError) as error:
        client.move("stage", 99)
    assert error.value.code == "OUT_OF_RANGE"
    assert client.device("stage")["position"] == pytest.approx(10)
    with pytest.raises(KeyError, match="stage"):
        client.device("stagee")


def test_laser_wavelength_shutter_and_emission(client):
    client.set_wavelength("laser", 820)
    client.set_emission("laser", True)
    client.set_shutter("laser", True)
    settings = client.device("laser")["settings"]
    assert settings["wavelength"] == pytest.approx(820)
    assert settings["emission"] is True and settings["shutter_open"] is True
    assert client.read("laser")["value"] > 0
    client.set_shutter("laser", False)
    client.set_emission("laser", False)
    settings = client.device("laser")["settings"]
    assert settings["emission"] is False and settings["shutter_open"] is False
    with pytest.raises(DaqError) as error:
        client.set_wavelength("laser", 2000)
    assert error.value.code == "OUT_OF_RANGE"


def test_camera_exposure_roi_setpoint_trigger(client):
    client.set_exposure("camera", 0.02)
    client.set_roi("camera", 100, 200, 256, 128)
    client.set_temperature("camera", -10)
    camera = client.device("camera")
    assert camera["settings"]["exposure"] == pytest.approx(0.02)
    assert camera["settings"]["temperature_setpoint"] == pytest.approx(-10)
    geometry = camera["camera"]
    assert (geometry["roi_x"], geometry["roi_y"], geometry["roi_width"], geometry["roi_height"]) == (100, 200, 256, 128)
    assert (geometry["frame_width"], geometry["frame_height"]) == (256, 128)
    client.trigger("camera")
    client.set_roi("camera", 0, 0, 1024, 1024)
    with pytest.raises(DaqError) as error:
        client.set_exposure("stage", 1)
    assert error.value.code == "FAILED_PRECONDITION" and "ExposureControl" in error.value.message


def test_voltage_parameters_and_stop(client):
    client.set_voltage("piezo_bias", 12.5)
    assert client.device("piezo_bias")["settings"]["voltage"] == pytest.approx(12.5)
    client.set_parameter("stage", "velocity", 20)
    assert client.device("stage")["settings"]["velocity"] == pytest.approx(20)
    client.stop_device("piezo_bias")  # the safe state: 0 V
    assert client.device("piezo_bias")["settings"]["voltage"] == pytest.approx(0)
    with pytest.raises(DaqError) as error:
        client.set_parameter("stage", "velocity", "fast")
    assert error.value.code == "INVALID_ARGUMENT"


def test_stream_values_and_frame_previews(client):
    values = list(itertools.islice(client.stream_values(["thermometer", "power_meter"], max_rate_hz=50), 3))
    assert all(set(v["readings"]) == {"thermometer", "power_meter"} for v in values)
    assert values[0]["readings"]["thermometer"]["units"] == "degC"
    assert values[0]["time_s"] <= values[-1]["time_s"]

    client.set_frame_stream("camera", True)
    try:
        preview = next(iter(client.stream_frames("camera", max_fps=20, max_width=128)))
    finally:
        client.set_frame_stream("camera", False)
    assert preview["device"] == "camera"
    assert preview["pixels"].dtype == np.uint16 and preview["pixels"].shape == (128, 128)
    assert preview["binning"] == 8


def test_a_command_while_a_run_holds_the_lab_needs_take_over(client):
    summary = client.run("sleep(30);", wait=False, name="hold.js")
    try:
        # The run holds the lab once it is running; until then the command may still pass.
        for status in client.status(heartbeat_s=0.2):
            if status["current_run"] and status["current_run"]["state"] == "running":
                break
        with pytest.raises(DaqError) as error:
            client.set_voltage("piezo_bias", 1)
        assert error.value.code == "FAILED_PRECONDITION" and "take_over" in error.value.message
        client.set_voltage("piezo_bias", 1, take_over=True)
        assert client.device("piezo_bias")["settings"]["voltage"] == pytest.approx(1)
    finally:
        client.stop(summary["uid"])
