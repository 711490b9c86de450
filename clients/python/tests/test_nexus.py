"""Run files are NeXus that plots itself, checked by the NeXus world's own tools on real daemon runs:
a line scan, a grid scan, a script loop with frames, an aborted and a failed run, strings/bools/arrays,
and a run whose camera exposure changes mid-run. Each file passes punx (0 errors, a default plot found),
nexusformat finds its plottable data, silx finds its default NXdata, and h5dump prints its strings."""

from __future__ import annotations

import subprocess
import time
from datetime import datetime

import h5py
import numpy as np
import pytest

import daq_client

from conftest_daemon import Daemon, wait_for

pytest.importorskip("punx", reason="the NeXus validators are test requirements (clients/python/requirements-dev.txt)")
from nexusformat.nexus import nxload  # noqa: E402
from punx import finding, validate  # noqa: E402
from silx.io.nxdata import get_default  # noqa: E402

LAB = """[lab]
name = "nexus test lab"
[devices.stage]
driver = "sim-stage"
min = 0
max = 50
settings = { velocity = 500, acceleration = 5000 }
[devices.stage_y]
driver = "sim-stage"
min = 0
max = 10
settings = { velocity = 500, acceleration = 5000 }
[devices.laser]
driver = "sim-laser"
wavelength = 800
[devices.power_meter]
driver = "sim-power-meter"
laser = "laser"
stage = "stage"
peak_position = 12.5
beam_width = 1.5
[devices.camera]
driver = "sim-camera"
width = 32
height = 16
settings = { exposure = 0.01 }
"""

SCRIPTS = {
    "line": "laser.enableEmission(); laser.openShutter();\nlineScan(stage, power_meter, { start: 0, stop: 25, num: 11 });",
    "grid": "laser.enableEmission(); laser.openShutter();\n"
            "gridScan(stage_y, stage, power_meter, { outer: { start: 0, stop: 2, num: 3 }, inner: { start: 10, stop: 15, num: 4 } });",
    # Any settable quantity is an axis: stage position x laser wavelength in one plan, both units in the file.
    "raster": "laser.enableEmission(); laser.openShutter();\n"
              "gridScan(stage, laser.wavelength, power_meter, { outer: { start: 12, stop: 13, num: 3 }, inner: { start: 760, stop: 840, num: 3 } });",
    "loop": """laser.enableEmission(); laser.openShutter();
for (let i = 0; i < 6; i++) {
  stage.moveAbs(10 + i);
  record('scan', { position: stage.position(), power: power_meter.read(), image: camera.snap() });
}""",
    "aborted": "for (let i = 0; ; i++) { record('steady', { i, position: stage.position() }); sleep(0.02); }",
    "failed": "for (let i = 0; i < 3; i++) record('scan', { x: i * 0.5, position: stage.position() });\nthrow new Error('deliberate failure');",
    "mixed": """for (let i = 0; i < 5; i++) {
  record('mixed', { label: 'température ' + i, flag: i % 2 === 0, trace: [i, 2 * i, 3 * i], count: i });
  record('data', { 'beam-power': i / 10, note: 'a stream named like a member of /entry' });
  record('odd-name', { 'x-pos': i, y: 2 * i });
}""",
    # The case: the script's first line sets the exposure (lab.toml says 0.01 s), and again mid-run.
    "exposure": """camera.setExposure(0.005);
for (let i = 0; i < 6; i++) {
  if (i === 3) camera.setExposure(0.002);
  record('frames', { image: camera.snap() });
}""",
}



@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every run of SCRIPTS on one real daemon: name -> (summary, path of the finished file)."""
    base = tmp_path_factory.mktemp("nexus")
    lab = base / "lab.toml"
    lab.write_text(LAB)
    daemon = Daemon(base / "data", config=lab)
    done = {}
    try:
        with daq_client.Client(daemon.address) as client:
            for name, source in SCRIPTS.items():
                if name == "aborted":
                    uid = client.run(source, name=f"{name}.js", wait=False)["uid"]
                    wait_for(lambda: client.get_run(uid)["num_events"].get("steady", 0) >= 5, what="events of the run to abort")
                    client.stop(uid, reason="aborted by the test")
                    for _ in client.follow(uid):
                        pass
                else:
                    uid = client.run(source, name=f"{name}.js")["uid"]
                run = wait_for(lambda: (r := client.get_run(uid))["file_finished"] and r, what=f"the file of {name}")
                done[name] = (run, run["file"])
    finally:
        assert daemon.stop() == 0
    assert done["aborted"][0]["exit_status"] == "abort" and done["failed"][0]["exit_status"] == "fail"
    assert all(done[n][0]["exit_status"] == "success" for n in ("line", "grid", "raster", "loop", "mixed", "exposure"))
    return done


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_punx_finds_no_error_and_a_default_plot(runs, name):
    validator = validate.Data_File_Validator()
    try:
        validator.validate(runs[name][1])
        errors = [f"{f.h5_address}: {f.test_name}: {f.comment}" for f in validator.validations if f.status == finding.ERROR]
        plot = [f for f in validator.validations if f.test_name == "NeXus default plot" and f.h5_address == "/"]
    finally:
        validator.close()
    assert errors == []
    assert len(plot) == 1 and plot[0].status == finding.OK, plot[0].comment if plot else "no default-plot finding"


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_nexusformat_and_silx_find_the_default_plot(runs, name):
    path = runs[name][1]
    data = nxload(path).plottable_data
    assert data is not None
    with h5py.File(path, "r") as f:
        assert f.attrs["default"] == "entry"
        entry = f["entry"]
        default = entry[entry.attrs["default"]]
        assert default.attrs["NX_class"] == "NXdata" and data.nxpath == default.name
        signal = default.attrs["signal"]
        assert data.nxsignal.nxname == signal and default[signal].shape[0] == runs[name][0]["num_events"][default.name.split("/")[-1]]
        nxdata = get_default(f)
        assert nxdata is not None and nxdata.is_valid and nxdata.group.name == default.name and nxdata.signal.name == f"{default.name}/{signal}"


def test_a_line_scan_plots_the_detector_against_the_motor(runs):
    data = nxload(runs["line"][1]).plottable_data
    assert data.nxsignal.nxname == "power_meter" and [a.nxname for a in data.nxaxes] == ["stage"]
    with h5py.File(runs["line"][1], "r") as f:
        primary = f["entry/data/primary"]  # the datasets stay where the documents point (/entry/data/<stream>/<field>)
        assert np.allclose(data.nxaxes[0].nxdata, primary["stage"][()]) and np.allclose(primary["stage"][()], np.linspace(0, 25, 11), atol=0.01)
        assert np.array_equal(data.nxsignal.nxdata, primary["power_meter"][()]) and primary["power_meter"].attrs["units"] == "W"
        assert primary["power_meter"][()].argmax() == 5  # the peak at 12.5 mm
        assert f["entry/primary/power_meter"] == primary["power_meter"]  # the same dataset, linked into the NXdata
        assert f["entry/primary/power_meter"].attrs["target"] == "/entry/data/primary/power_meter" and f["entry/primary"].attrs["stream"] == "primary"


def test_a_grid_scan_plots_the_detector_over_both_motors(runs):
    data = nxload(runs["grid"][1]).plottable_data
    assert data.nxsignal.nxname == "power_meter" and sorted(a.nxname for a in data.nxaxes) == ["stage", "stage_y"]
    with h5py.File(runs["grid"][1], "r") as f:
        nxdata = get_default(f)
        assert nxdata.is_x_y_value_scatter  # silx draws it as a map
        assert sorted(set(np.round(f["entry/data/primary/stage_y"][()], 3))) == [0, 1, 2]


def test_a_raster_of_stage_and_wavelength_has_both_axes_with_their_units(runs):
    data = nxload(runs["raster"][1]).plottable_data
    assert data.nxsignal.nxname == "power_meter" and sorted(a.nxname for a in data.nxaxes) == ["laser_wavelength", "stage"]
    with h5py.File(runs["raster"][1], "r") as f:
        primary = f["entry/data/primary"]
        assert primary["stage"].attrs["units"] == "mm" and primary["stage_setpoint"].attrs["units"] == "mm"
        assert primary["laser_wavelength"].attrs["units"] == "nm" and primary["laser_wavelength_setpoint"].attrs["units"] == "nm"
        assert primary["laser_wavelength"].attrs["source"] == "laser"
        assert list(np.round(primary["laser_wavelength_setpoint"][()])) == [760, 800, 840] * 3
        assert np.allclose(primary["laser_wavelength"][()], primary["laser_wavelength_setpoint"][()], atol=1e-6)


def test_every_group_has_a_class_every_number_units_and_times_are_nexus_fields(runs):
    for name, (run, path) in runs.items():
        missing = []
        with h5py.File(path, "r") as f:
            def visit(item_name, item):
                if isinstance(item, h5py.Group) and "NX_class" not in item.attrs:
                    missing.append(f"group {item_name}")
                if isinstance(item, h5py.Dataset) and item.dtype.kind in "iufb" and "units" not in item.attrs:
                    missing.append(f"units of {item_name}")
            f.visititems(visit)
            entry = f["entry"]
            start = datetime.fromisoformat(entry["start_time"][()].decode())
            end = datetime.fromisoformat(entry["end_time"][()].decode())
            assert start.tzinfo is not None and start <= end, name
            assert abs(start.timestamp() - entry.attrs["start_time_s"]) < 1e-5 and abs(end.timestamp() - entry.attrs["end_time_s"]) < 1e-5, name
            assert (end - start).total_seconds() == pytest.approx(run["duration_s"], abs=0.01), name
            assert entry["entry_identifier"][()].decode() == run["uid"] and entry.attrs["exit_status"] == run["exit_status"]
        assert missing == [], name


def test_strings_bools_and_arrays_read_back_and_h5dump_prints_strings_without_padding(runs):
    path = runs["mixed"][1]
    with h5py.File(path, "r") as f:
        mixed = f["entry/data/mixed"]
        assert [s.decode() for s in mixed["label"][()]] == [f"température {i}" for i in range(5)]
        assert mixed["flag"][()].tolist() == [1, 0, 1, 0, 1] and mixed["flag"].attrs["dtype"] == "bool"
        assert mixed["trace"][()].tolist() == [[i, 2 * i, 3 * i] for i in range(5)]
        # names NeXus refuses keep their datasets; the NXdata links them under names it accepts
        assert f["entry/data_stream/beam_power"] == f["entry/data/data/beam-power"] and f["entry/data_stream"].attrs["signal"] == "beam_power"
        assert f["entry/odd_name/x_pos"] == f["entry/data/odd-name/x-pos"] and f["entry/odd_name"].attrs["stream"] == "odd-name"
        assert f["entry"].attrs["default"] == "mixed"
    dump = subprocess.run(["h5dump", "-d", "/entry/data/mixed/label", path], capture_output=True, text=True)
    assert dump.returncode == 0, dump.stderr
    assert "H5T_STR_NULLTERM" in dump.stdout and "\\000" not in dump.stdout
    header = subprocess.run(["h5dump", "-A", path], capture_output=True, text=True)
    assert header.returncode == 0 and "\\000" not in header.stdout


def test_an_exposure_changed_during_the_run_is_in_the_file_with_each_frame(runs):
    with h5py.File(runs["exposure"][1], "r") as f:
        camera = f["entry/instrument/camera"]
        assert camera["exposure"][()] == pytest.approx(0.01) and camera["exposure"].attrs["recorded_at"] == "run start"
        assert camera["exposure"].attrs["changed_during_run"] == 1
        log = camera[camera["exposure"].attrs["log"]]
        assert log.attrs["NX_class"] == "NXlog" and log["value"].attrs["units"] == "s" and log["time"].attrs["units"] == "s"
        assert log["value"][()].tolist() == pytest.approx([0.01, 0.005, 0.002])  # at run start, then each change
        times = log["time"][()]
        assert times[0] == 0 and np.all(np.diff(times) > 0)
        frames = f["entry/data/frames"]
        assert frames["image_exposure"][()].tolist() == pytest.approx([0.005] * 3 + [0.002] * 3)
        assert frames["image_exposure"].attrs["units"] == "s"
        assert frames["image"].attrs["source"] == "camera"
        # the second change is logged between the third and fourth frame
        start_s = datetime.fromisoformat(log["time"].attrs["start"]).timestamp()
        assert frames["time"][2] <= start_s + times[2] <= frames["time"][3]
