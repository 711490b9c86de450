"""A real daemon's runs as Bluesky documents: every document of a line scan, a grid scan, a script
loop with frames, runs with strings/booleans/arrays, an exposure changed mid-run, a failed run and
an aborted run is valid by event-model's own schemas, goes through BestEffortCallback, pours into
a tiled catalog with bluesky's TiledWriter and reads back equal (databroker's BlueskyRun), and its
frames resolve through stream_resource/stream_datum to the pixels of the run's HDF5 file."""

from __future__ import annotations


import json
import subprocess

import h5py
import numpy as np
import pytest

import daq_client
from daq_client.documents import file_path, frames, read_stream_datum

from conftest_daemon import DAQ, Daemon, wait_for
from event_model_support import LAB, SCRIPTS, TemporaryCatalog, best_effort, by_name, external_fields, scalar_fields, streams, validate_all

EVENT_KEYS = {"uid", "time", "seq_num", "descriptor", "data", "timestamps", "filled"}
EXIT = {"failing": "fail", "aborted": "abort"}
HELD: dict[str, dict] = {}



@pytest.fixture(scope="module")
def lab_daemon(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("daq-event-model")
    lab = data_dir / "lab.toml"
    lab.write_text(LAB)
    daemon = Daemon(data_dir, config=lab)
    daemon.data_dir = data_dir
    yield daemon
    assert daemon.stop() == 0


@pytest.fixture(scope="module")
def runs(lab_daemon):
    """Each script run once on the daemon: name -> (finished run summary, its (name, doc) pairs)."""
    out = {}
    with daq_client.Client(lab_daemon.address) as client:
        for name, source in SCRIPTS.items():
            run = client.run(source, name=f"{name}.js", wait=False)
            pairs = []
            for doc_name, doc in client.documents(run["uid"]):
                pairs.append((doc_name, doc))
                if name == "aborted" and doc_name == "event" and doc["seq_num"] == 3:
                    client.stop(run["uid"], reason="enough points")
                if name == "suspended" and doc_name == "event" and doc["data"].get("suspended") is True:
                    HELD[name] = client.get_run(run["uid"])  # as the run stands while it is suspended
            summary = wait_for(lambda: (r := client.get_run(run["uid"]))["file_finished"] and r, what=f"the file of {name}")
            out[name] = (summary, pairs)
    return out


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_every_document_is_valid_by_the_event_model_schemas(runs, name):
    summary, pairs = runs[name]
    validate_all(pairs)
    docs = by_name(pairs)
    assert pairs[0][0] == "start" and pairs[-1][0] == "stop"
    start, stop = docs["start"][0], docs["stop"][0]
    assert start["uid"] == summary["uid"] and start["script_name"] == f"{name}.js" and len(start["script_sha256"]) == 64
    assert stop["run_start"] == start["uid"] and stop["exit_status"] == EXIT.get(name, "success")
    assert stop["num_events"] == summary["num_events"]
    for stream, seen in streams(pairs).items():
        assert [e["seq_num"] for e in seen["events"]] == list(range(1, stop["num_events"][stream] + 1))
        for event in seen["events"]:
            assert set(event) == EVENT_KEYS
    for descriptor in docs["descriptor"]:
        assert descriptor["run_start"] == start["uid"]
        for field, key in descriptor["data_keys"].items():
            assert key["dtype"] in {"number", "integer", "string", "boolean", "array"}, field
    if name == "failing":
        assert "sample lost" in stop["reason"]
    if name == "aborted":
        assert stop["reason"] == "enough points"
    if name == "suspended":
        assert HELD[name]["state"] == "suspended"
        assert HELD[name]["suspended_reason"].startswith("stage.position() below 10: it is ")
        # the suspension and the resumption: events of a stream of their own, beside the plan's points
        assert stop["num_events"] == {"suspensions": 2, "primary": 3}
        assert [e["data"]["suspended"] for e in streams(pairs)["suspensions"]["events"]] == [True, False]


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_best_effort_callback_takes_every_run(runs, name):
    best_effort(runs[name][1])


def test_types_are_json_types_with_numpy_dtypes(runs):
    (keys,) = [d["data_keys"] for d in by_name(runs["kinds"][1])["descriptor"]]
    assert keys["n"] == {"dtype": "number", "dtype_numpy": "<f8", "shape": [], "source": "script"}
    assert keys["label"]["dtype"] == "string" and keys["ok"]["dtype"] == "boolean"
    assert keys["spectrum"] == {"dtype": "array", "dtype_numpy": "<f8", "shape": [3], "source": "script"}
    # A 2000-element array is not inlined: it is read from the file.
    assert keys["wide"]["external"] == "STREAM:" and keys["wide"]["shape"] == [2000]
    events = by_name(runs["kinds"][1])["event"]
    assert [e["data"]["label"] for e in events] == ["point 1", "point 2", "point 3", "point 4"]
    assert [e["data"]["ok"] for e in events] == [False, True, False, True]
    assert events[1]["data"]["spectrum"] == [2.0, 2.5, 4.0]
    assert all(isinstance(e["data"]["n"], float) for e in events)  # numbers stay floats through JSON
    assert "wide" not in events[0]["data"]


def test_plans_name_their_motor_and_detector(runs):
    (descriptor,) = by_name(runs["line_scan"][1])["descriptor"]
    keys = descriptor["data_keys"]
    assert keys["power_meter"]["units"] == "W" and keys["power_meter"]["source"] == "power_meter"
    assert "power_meter" in descriptor["object_keys"]


@pytest.mark.parametrize("name", ["frames_loop", "exposure_change", "kinds"])
def test_external_data_resolves_to_the_pixels_of_the_run_file(runs, name):
    summary, pairs = runs[name]
    docs = by_name(pairs)
    resources = docs["stream_resource"]
    assert resources and all(file_path(r) == summary["file"] for r in resources)
    assert all(r["mimetype"] == "application/x-hdf5" and r["run_start"] == summary["uid"] for r in resources)
    per_stream = streams(pairs)
    events_by_seq = {(s, e["seq_num"]): e for s, seen in per_stream.items() for e in seen["events"]}
    stream_of_descriptor = {d["uid"]: d["name"] for d in docs["descriptor"]}
    resolved = 0
    with h5py.File(summary["file"], "r", swmr=True) as f:  # as tiled and read_stream_datum open it
        for datum in docs["stream_datum"]:
            (resource,) = [r for r in resources if r["uid"] == datum["stream_resource"]]
            stream = stream_of_descriptor[datum["descriptor"]]
            assert resource["parameters"]["dataset"] == f"/entry/data/{stream}/{resource['data_key']}"
            values = read_stream_datum(resource, datum)
            start, stop = datum["indices"]["start"], datum["indices"]["stop"]
            np.testing.assert_array_equal(values, f[resource["parameters"]["dataset"]][start:stop])
            # The rows are those of the datum's events (the file's own seq_num column).
            assert f[f"/entry/data/{stream}/seq_num"][start:stop].tolist() == list(range(datum["seq_nums"]["start"], datum["seq_nums"]["stop"]))
            for row, seq_num in zip(values, range(datum["seq_nums"]["start"], datum["seq_nums"]["stop"])):
                event = events_by_seq[(stream, seq_num)]
                if resource["data_key"] == "image" and "mean" in event["data"]:
                    assert row.mean() == pytest.approx(event["data"]["mean"])  # the daemon's mean of that frame
                if resource["data_key"] == "wide":
                    np.testing.assert_array_equal(row, np.arange(2000) * 0.5 + event["data"]["n"])
                resolved += 1
    assert resolved == sum(len(s["events"]) for s in per_stream.values() if external_fields(s["descriptors"]))
    assert len(list(frames(pairs))) == resolved


def test_exposure_changed_mid_run_is_in_the_descriptors(runs):
    pairs = runs["exposure_change"][1]
    descriptors = by_name(pairs)["descriptor"]
    if not any("camera_exposure" in d["configuration"].get("camera", {}).get("data", {}) for d in descriptors):
        pytest.skip("the run engine records no device configuration in descriptors yet (issue 13, item 2)")
    exposure = {d["uid"]: d["configuration"]["camera"]["data"]["camera_exposure"] for d in descriptors}
    events = by_name(pairs)["event"]
    assert [exposure[e["descriptor"]] for e in events] == [0.002, 0.002, 0.004, 0.004, 0.004]
    assert len({d["name"] for d in descriptors}) == 1 and len(descriptors) >= 2


@pytest.mark.parametrize("name", list(SCRIPTS))
def test_a_tiled_catalog_takes_the_run_and_gives_back_every_value(runs, lab_daemon, tmp_path, name):
    summary, pairs = runs[name]
    catalog = TemporaryCatalog(tmp_path / "catalog", readable=[str(lab_daemon.data_dir)])
    try:
        catalog.write(pairs)
        run = catalog.client[summary["uid"]]
        assert run.metadata["start"]["uid"] == summary["uid"]
        assert run.metadata["stop"]["exit_status"] == EXIT.get(name, "success")
        with h5py.File(summary["file"], "r", swmr=True) as f:  # as tiled and read_stream_datum open it
            for stream, seen in streams(pairs).items():
                dataset = run[stream].read()  # databroker's BlueskyEventStream: an xarray Dataset
                events = seen["events"]
                np.testing.assert_array_equal(dataset["time"].values, [e["time"] for e in events])
                for field in scalar_fields(seen["descriptors"]):
                    back = dataset[field].values.tolist()
                    assert back == [e["data"][field] for e in events], f"{stream}.{field}"
                for field in external_fields(seen["descriptors"]):
                    np.testing.assert_array_equal(dataset[field].values, f[f"/entry/data/{stream}/{field}"][()])
    finally:
        catalog.close()


def test_a_run_from_a_preset_names_it_in_a_valid_start_document(lab_daemon):
    """`daq preset save`, then `Client.run(..., preset=)`: the preset is applied before the script (the
    stage is back where it was saved), and the start document, still valid, says which preset and what it held."""
    saved = subprocess.run(["node", str(DAQ), "preset", "save", "model", "--devices", "stage", "--remote", lab_daemon.address],
                           capture_output=True, text=True)
    assert saved.returncode == 0, saved.stderr
    with daq_client.Client(lab_daemon.address) as client:
        client.run("stage.moveAbs(3);", name="move_away.js")
        run = client.run("record('where', { x: stage.position() });", name="from_preset.js", preset="model", wait=False)
        pairs = list(client.documents(run["uid"]))
    validate_all(pairs)
    docs = by_name(pairs)
    start = docs["start"][0]
    assert (start["preset"], start["preset_saved_by"]) == ("model", "local")
    content = json.loads(start["preset_content"])
    assert content[0]["device"] == "stage"
    saved_position = next(f["value"] for f in content[0]["fields"] if f["name"] == "position")
    assert docs["event"][0]["data"]["x"] == saved_position != 3
