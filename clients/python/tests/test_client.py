"""daq_client against a real daemon: a scan run through Python, its documents, devices, errors."""

from __future__ import annotations

import pytest

from daq_client.client import DaqError

from conftest_daemon import ROOT

SCAN = """
const steps = Number(params.steps);
laser.enableEmission();
laser.openShutter();
for (let i = 0; i < steps; i++) {
  stage.moveAbs(10 + i);
  record('scan', { position: stage.position(), power: power_meter.read() });
  progress(i + 1, steps);
}
laser.closeShutter();
"""


def test_runs_a_scan_and_gets_every_event(client):
    summary = client.run(SCAN, params={"steps": 4}, metadata={"sample": "Si-12"}, name="scan.js")
    assert summary["exit_status"] == "success", summary["reason"]
    assert summary["num_events"] == {"scan": 4}
    assert summary["state"] == "finished"

    documents = list(client.follow(summary["uid"]))
    kinds = [d["kind"] for d in documents]
    assert kinds == ["start", "descriptor", "event", "event", "event", "event", "stop"]
    start, descriptor = documents[0], documents[1]
    assert start["params"] == {"steps": 4}
    assert start["metadata"]["sample"] == "Si-12"
    assert descriptor["data_keys"]["power"] == {"dtype": "float64", "shape": [], "units": "W", "source": "power_meter"}
    events = [d for d in documents if d["kind"] == "event"]
    assert [e["seq_num"] for e in events] == [1, 2, 3, 4]
    assert [round(e["data"]["position"], 6) for e in events] == [10, 11, 12, 13]
    # The coupling peaks at 12.5 mm in the simulated lab: 12 and 13 mm read far more than 10 mm.
    assert events[2]["data"]["power"] > 100 * events[0]["data"]["power"]
    assert documents[-1]["exit_status"] == "success"


def test_runs_a_script_file_and_lists_runs(client):
    summary = client.run(ROOT / "examples" / "simple_scan.js", params={"steps": 2})
    assert summary["script"] == "simple_scan.js"
    assert summary["exit_status"] == "success"
    assert summary["uid"] in [r["uid"] for r in client.runs()]


def test_a_failing_script_reports_its_line(client):
    summary = client.run("log('x');\nstage.moveAbs(99);\n", name="bad.js")
    assert summary["exit_status"] == "fail"
    assert "outside the limits" in summary["reason"]
    assert "bad.js:2" in summary["reason"]


def test_a_script_with_a_wrong_method_is_refused_before_it_runs_unless_told_to_skip_the_check(client):
    source = "laser.openShutter();\nstage.moveAbsolute(5);\n"
    before = len(client.runs())
    with pytest.raises(DaqError) as refused:
        client.run(source, name="typo.js")
    assert refused.value.code == "INVALID_ARGUMENT" and "typo.js:2" in refused.value.message and "moveAbsolute" in refused.value.message
    assert len(client.runs()) == before  # nothing was started nor queued
    summary = client.run(source, name="typo.js", skip_check=True)
    assert summary["exit_status"] == "fail" and "moveAbsolute" in summary["reason"]


def test_devices_move_and_read(client):
    names = [d["name"] for d in client.devices()]
    assert names == ["stage", "laser", "power_meter", "camera", "thermometer", "piezo_bias"]
    assert client.move("stage", 7.5) == pytest.approx(7.5)
    reading = client.read("thermometer")
    assert reading["units"] == "degC"
    with pytest.raises(DaqError) as error:
        client.move("stagee", 1)
    assert error.value.code == "NOT_FOUND"
    assert 'did you mean "stage"' in error.value.message


def test_info_says_who_you_are(client):
    info = client.info()
    assert info["lab"] == "Simulated optics lab"
    assert info["role"] == "admin"


def test_a_python_process_reads_a_daemon_run_live_from_the_ring(client):
    """The live data plane end to end: only the ring's path, no RPC for the data."""
    from daq_client.ring import RingReader

    path = client.info()["ring"]["path"]
    assert path.endswith(".ring")
    summary = client.run(ROOT / "examples" / "simple_scan.js", params={"steps": 5}, wait=False)
    positions: list[float] = []
    with RingReader(path) as ring:
        for batch in ring.follow("scan", from_oldest=True, idle_timeout_s=30):
            uids = batch.column("run_uid").to_pylist()
            positions += [p for u, p in zip(uids, batch.column("position").to_pylist()) if u == summary["uid"]]
            if len(positions) >= 5:
                break
    assert positions == pytest.approx([0, 6.25, 12.5, 18.75, 25])
    assert client.get_run(summary["uid"])["state"] in ("running", "finished")


def test_time_travel_through_the_api_returns_arrow(client):
    summary = client.run(SCAN, params={"steps": 3}, name="tt.js")
    table = client.read_range("scan")
    rows = [r for r in table.to_pylist() if r["run_uid"] == summary["uid"]]
    assert [round(r["position"], 6) for r in rows] == [10, 11, 12]
    assert table.schema.field("power").metadata[b"units"] == b"W"


MANY = """
for (let i = 0; i < 50; i++) {
  stage.moveAbs(i);
  for (let j = 0; j < 60; j++) record('scan', { point: i, position: stage.position() });
}
"""


def test_a_follower_thousands_of_documents_behind_gets_them_in_order_in_batches(client):
    from daq.v1 import control_pb2

    summary = client.run(MANY, name="many.js")
    assert summary["exit_status"] == "success", summary["reason"]
    uid = summary["uid"]
    # The client asks for batches: every document, in order, as before.
    documents = list(client.follow(uid))
    assert [d["kind"] for d in documents].count("event") == 3000
    assert [e["seq_num"] for e in documents if e["kind"] == "event"] == list(range(1, 3001))
    pairs = list(client.documents(uid, from_index=1000))
    assert len(pairs) == len(documents) - 1000
    # On the wire: few messages of up to 256 documents with accept_batches, one a message without.
    batched = list(client._stream(client._control.StreamRunDocuments, control_pb2.StreamRunDocumentsRequest(run_uid=uid, accept_batches=True)))
    single = list(client._stream(client._control.StreamRunDocuments, control_pb2.StreamRunDocumentsRequest(run_uid=uid)))
    assert all(not m.HasField("document") and 0 < len(m.documents) <= 256 for m in batched)
    assert all(m.HasField("document") and len(m.documents) == 0 for m in single)
    assert len(batched) < len(single) / 100
    assert [d for m in batched for d in m.documents] == [m.document for m in single]
    assert [d.index for m in batched for d in m.documents] == list(range(len(single)))
