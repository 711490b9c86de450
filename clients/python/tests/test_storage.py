"""Run files against a real daemon: what h5py and h5dump find after `daq run --remote`, a file read
while it grows (SWMR), a daemon killed with SIGKILL mid-run, an unwritable data directory, export."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

import daq_client
from daq_client.ring import RingReader

from conftest_daemon import DAQ, ROOT, Daemon, wait_for

# A steady run: one event every ~20 ms with a small frame, until stopped or `n` events.
STEADY = """
const n = Number(params.n ?? 100000);
for (let i = 1; i <= n; i++) {
  record('steady', { i, position: stage.position(), label: 'point ' + i, image: camera.snap() });
  sleep(0.02);
}
"""

SMALL_LAB = """[lab]
name = "storage test lab"
[devices.stage]
driver = "sim-stage"
min = 0
max = 100
settings = { velocity = 100, acceleration = 2000 }
[devices.camera]
driver = "sim-camera"
width = 32
height = 16
settings = { exposure = 0.001 }
"""


def small_lab(tmp_path):
    lab = tmp_path / "lab.toml"
    lab.write_text(SMALL_LAB)
    return lab


def test_daq_run_remote_writes_a_file_h5py_and_h5dump_read(daemon, client):
    out = subprocess.run(["node", str(DAQ), "run", "examples/simple_scan.js", "--remote", daemon.address, "--param", "steps=4", "--json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    uid = summary["uid"]
    seen = [d for d in client.follow(uid) if d["kind"] == "event"]
    run = wait_for(lambda: (r := client.get_run(uid))["file_finished"] and r, what="the file to be finished")
    assert run["events_lost"] == 0 and run["storage_error"] == ""
    assert run["file_size_bytes"] > 4 * 1024 * 1024 * 2  # four 1024x1024 uint16 frames
    with client.open_run(uid) as f:
        entry = f["entry"]
        assert entry.attrs["NX_class"] == "NXentry" and entry.attrs["uid"] == uid
        assert entry.attrs["exit_status"] == "success" and entry.attrs["script_name"] == "simple_scan.js"
        assert json.loads(entry.attrs["params"]) == {"steps": 4}
        assert "record('scan'" in entry["script"][()].decode()
        scan = entry["data/scan"]
        assert scan["seq_num"][()].tolist() == [1, 2, 3, 4]
        assert scan["image"].shape == (4, 1024, 1024) and scan["image"].dtype == np.uint16
        assert scan["image"].attrs["units"] == "counts"
        assert scan["power"].attrs["units"] == "W" and scan["power"].attrs["source"] == "power_meter"
        assert np.allclose(scan["position"][()], [e["data"]["position"] for e in seen])
        assert np.allclose(scan["time"][()], [e["time_s"] for e in seen])
        assert scan["image"][2].max() > 0
        assert f.attrs["default"] == "entry" and entry.attrs["default"] == "scan"  # NeXus: the default plot
        assert entry["scan"].attrs["NX_class"] == "NXdata" and entry["scan"].attrs["signal"] == "power" and entry["scan/power"] == scan["power"]
        camera = entry["instrument/camera"]
        assert camera.attrs["driver"] == "sim-camera"
        assert camera["exposure"][()] == pytest.approx(0.01) and camera["exposure"].attrs["units"] == "s"  # lab.toml's, at run start
        assert entry["instrument/stage/velocity"][()] == pytest.approx(10.0)
    dump = subprocess.run(["h5dump", "-H", run["file"]], capture_output=True, text=True)
    assert dump.returncode == 0, dump.stderr
    assert 'DATASET "image"' in dump.stdout and "( 4, 1024, 1024 ) / ( H5S_UNLIMITED, 1024, 1024 )" in dump.stdout
    listed = subprocess.run(["node", str(DAQ), "runs", "--remote", daemon.address, "--json"], cwd=ROOT, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    assert any(r["uid"] == uid and r["file"] == run["file"] and r["fileFinished"] for r in json.loads(listed.stdout)["runs"])


def test_a_reader_sees_the_file_grow_while_the_run_goes_on(client):
    run = client.run(STEADY, params={"n": 400}, wait=False, name="steady.js")
    uid = run["uid"]
    try:
        wait_for(lambda: client.get_run(uid)["file"] and client.get_run(uid)["file_size_bytes"] > 0, what="the file")

        def has_stream():  # a SWMR reader sees the objects that existed when it opened the file
            try:
                with client.open_run(uid, swmr=True) as f:
                    return "steady" in f["entry/data"]
            except OSError:  # the writer is adding the stream's datasets (out of SWMR mode for a moment)
                return False

        wait_for(has_stream, what="the stream's datasets")
        with client.open_run(uid, swmr=True) as f:
            seq = f["entry/data/steady/seq_num"]
            first = seq.shape[0]
            def grown():
                seq.refresh()
                return seq.shape[0] >= first + 20
            wait_for(grown, what="the file to grow")
            image = f["entry/data/steady/image"]
            image.refresh()
            n = seq.shape[0]
            assert image.shape[0] >= n and image.shape[1:] == (1024, 1024)
            assert seq[:n].tolist() == list(range(1, n + 1))
    finally:
        client.stop(uid)


def test_a_daemon_killed_mid_run_leaves_a_valid_file_with_every_event(tmp_path):
    data = tmp_path / "data"
    daemon = Daemon(data, config=small_lab(tmp_path))
    seen = []
    try:
        with daq_client.Client(daemon.address) as client:
            uid = client.run(STEADY, wait=False, name="steady.js")["uid"]
            for document in client.follow(uid):
                if document["kind"] == "event":
                    seen.append(document["seq_num"])
                    if len(seen) >= 60:
                        break
    finally:
        daemon.process.kill()  # SIGKILL: no chance to close anything
        daemon.process.wait()
    ring = RingReader(data / "test.ring")
    in_ring = ring.latest("steady", 100000).column("seq_num").to_pylist()
    ring.close()
    restarted = Daemon(data, config=small_lab(tmp_path))
    try:
        with daq_client.Client(restarted.address) as client:
            run = client.get_run(uid)
            assert run["exit_status"] == "fail" and run["reason"] == "daemon died"
            assert run["file_finished"] and run["events_lost"] == 0
            with client.open_run(uid) as f:
                seq = f["entry/data/steady/seq_num"][()].tolist()
                assert f["entry"].attrs["exit_status"] == "fail" and f["entry"].attrs["reason"] == "daemon died"
                assert f["entry/data/steady/image"].shape == (len(seq), 16, 32)
                assert f["entry/data/steady/i"][()].tolist() == seq
        assert not Path(run["file"] + ".broken").exists()  # the killed writer's file was repaired and continued, not replaced
        assert seq == list(range(1, len(seq) + 1))  # no gap
        assert set(seen) <= set(seq) and set(in_ring) <= set(seq)  # nothing the client saw or the ring held is missing
        assert len(seq) >= max(in_ring)
        dump = subprocess.run(["h5dump", "-H", run["file"]], capture_output=True, text=True)
        assert dump.returncode == 0, dump.stderr
    finally:
        assert restarted.stop() == 0


def test_an_unwritable_data_directory_is_reported_and_the_run_is_written_when_it_is_fixed(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "runs").write_text("a file where the runs directory should be")
    daemon = Daemon(data, config=small_lab(tmp_path))
    try:
        with daq_client.Client(daemon.address) as client:
            info = client.info()
            assert str(data / "runs") in info["storage"]["error"]
            summary = client.run(STEADY, params={"n": 20}, name="steady.js")
            assert summary["exit_status"] == "success" and summary["num_events"] == {"steady": 20}  # acquisition went on
            assert summary["storage_error"] != "" and not summary["file_finished"]
            assert next(client.status())["storage_error"] != ""
            (data / "runs").unlink()
            (data / "runs").mkdir()
            run = wait_for(lambda: (r := client.get_run(summary["uid"]))["file_finished"] and r, what="the writer to resume")
            assert run["storage_error"] == "" and run["events_lost"] == 0
            with h5py.File(run["file"], "r") as f:
                assert f["entry/data/steady/seq_num"][()].tolist() == list(range(1, 21))
            assert client.info()["storage"]["error"] == ""
    finally:
        assert daemon.stop() == 0


def test_exports_a_run_as_csv_arrow_and_h5(daemon, client, tmp_path):
    summary = client.run(STEADY, params={"n": 7}, name="steady.js")
    uid = summary["uid"]
    wait_for(lambda: client.get_run(uid)["file_finished"], what="the file")
    rows = list(csv.DictReader(io.StringIO(client.export(uid, "csv", path=tmp_path / "run.csv").read_text())))
    assert [int(r["seq_num"]) for r in rows] == list(range(1, 8))
    assert [float(r["i"]) for r in rows] == list(range(1, 8)) and rows[2]["label"] == "point 3"
    assert "image" not in rows[0]  # frames do not go in CSV
    table = client.run_table(uid)
    assert table.num_rows == 7 and table.column("label").to_pylist()[0] == "point 1"
    assert table.schema.field("image").metadata[b"shape"] == b"[1024,1024]"
    h5 = client.export(uid, "h5", path=tmp_path / "copy.h5")
    with h5py.File(h5, "r") as f:
        assert f["entry/data/steady/image"].shape == (7, 1024, 1024)
    cli = subprocess.run(["node", str(DAQ), "export", uid[:8], "--format", "csv", "-o", str(tmp_path / "cli.csv"), "--remote", daemon.address],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0, cli.stderr
    assert (tmp_path / "cli.csv").read_text() == (tmp_path / "run.csv").read_text()
    with pytest.raises(daq_client.client.DaqError, match="not_found|NOT_FOUND"):
        client.export("no-such-run", "csv", path=tmp_path / "x.csv")


@pytest.fixture
def small_disk(tmp_path):
    """A 24 MiB tmpfs (needs root and mount); the test is skipped where it cannot be made."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount)], capture_output=True, text=True) if shutil.which("mount") else None
    if made is None or made.returncode != 0:
        pytest.skip("a small tmpfs cannot be mounted here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_reported_acquisition_goes_on_and_the_writer_resumes_when_space_returns(tmp_path, small_disk):
    data = small_disk / "data"
    daemon = Daemon(data, config=small_lab(tmp_path), extra=["--ring", str(tmp_path / "ring")])
    try:
        with daq_client.Client(daemon.address) as client:
            free = shutil.disk_usage(small_disk).free
            filler = small_disk / "filler"
            filler.write_bytes(b"\0" * (free - 2 * 1024 * 1024))  # leave 2 MiB: less than the writer's reserve
            summary = client.run(STEADY, params={"n": 30}, name="steady.js")
            assert summary["exit_status"] == "success" and summary["num_events"] == {"steady": 30}  # acquisition went on
            run = wait_for(lambda: (r := client.get_run(summary["uid"]))["storage_error"] and r, what="the disk-full report")
            assert "disk full" in run["storage_error"] and not run["file_finished"]
            assert "disk full" in client.info()["storage"]["error"]
            filler.unlink()
            run = wait_for(lambda: (r := client.get_run(summary["uid"]))["file_finished"] and r, what="the writer to resume")
            assert run["storage_error"] == "" and run["events_lost"] == 0
            with h5py.File(run["file"], "r") as f:
                assert f["entry/data/steady/seq_num"][()].tolist() == list(range(1, 31))
                assert f["entry/data/steady/image"].shape == (30, 16, 32)
    finally:
        assert daemon.stop() == 0


def test_a_second_daemon_on_the_same_data_directory_is_refused(client, tmp_path):
    data_dir = Path(client.info()["data_dir"])
    with pytest.raises(RuntimeError, match="in use by another ts-daq process"):
        Daemon(data_dir, config=small_lab(tmp_path), extra=["--ring", str(tmp_path / "ring")])


def test_what_the_file_lacks_is_counted_exactly_when_frames_come_faster_than_the_writer(client):
    # 2 MiB frames as fast as the camera gives them, into the fixture's 8 MiB ring: the writer may
    # fall behind and the ring overwrite frames it has not written. Whatever happens, the count is honest.
    flood = "for (let i = 0; i < 150; i++) record('flood', { image: camera.snap() });"
    summary = client.run("camera.setExposure(0.0001);\n" + flood, name="flood.js")
    assert summary["exit_status"] == "success" and summary["num_events"] == {"flood": 150}
    run = wait_for(lambda: (r := client.get_run(summary["uid"]))["file_finished"] and r, what="the file")
    with client.open_run(summary["uid"]) as f:
        seq = f["entry/data/flood/seq_num"][()].tolist() if "flood" in f["entry/data"] else []
        assert f["entry"].attrs["events_lost"] == run["events_lost"]
        if seq:
            assert f["entry/data/flood/image"].shape == (len(seq), 1024, 1024)
    assert len(seq) + run["events_lost"] == 150
    assert seq == sorted(set(seq)) and all(1 <= s <= 150 for s in seq)
