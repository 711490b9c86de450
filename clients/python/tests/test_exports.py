"""Exports and ranges that load anywhere, against a real daemon: `daq export` files read by pandas,
polars and pyarrow with their metadata; ReadStreamRange of full frames read by a grpcio client with
default limits; and a stream whose fields changed between runs, every row kept, by every reader."""

from __future__ import annotations

import subprocess

import grpc
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import daq_client
from daq.v1 import control_pb2, control_pb2_grpc
from daq_client.ring import RingError, RingReader, frames

from conftest_daemon import DAQ, ROOT, Daemon, wait_for

SCAN = """
for (let i = 0; i < 5; i++) {
  stage.moveAbs(i);
  record('scan', { position: i, power: power_meter.read(), label: 'p' + i, image: camera.snap() });
}
"""

GRPC_DEFAULT_LIMIT = 4 * 1024 * 1024


@pytest.fixture(scope="module")
def big_daemon(tmp_path_factory):
    """A daemon whose ring holds 40 full frames (2 MiB each) and more."""
    data_dir = tmp_path_factory.mktemp("daq-data")
    d = Daemon(data_dir, extra=["--ring-size", "160"])
    d.data_dir = data_dir
    yield d
    assert d.stop() == 0


@pytest.fixture
def big_client(big_daemon):
    with daq_client.Client(big_daemon.address) as c:
        yield c


def finished_file(client, uid):
    return wait_for(lambda: (run := client.get_run(uid))["file_finished"] and run, what=f"the file of run {uid}")


def test_arrow_parquet_and_csv_exports_load_in_pandas_polars_and_pyarrow_with_units_and_run_uid(big_daemon, big_client, tmp_path):
    uid = big_client.run(SCAN, name="scan.js")["uid"]
    finished_file(big_client, uid)
    arrow = big_client.export(uid, "arrow", "scan", path=tmp_path / "scan.arrow")
    parquet = big_client.export(uid, "parquet", "scan", path=tmp_path / "scan.parquet")
    csv = big_client.export(uid, "csv", "scan", path=tmp_path / "scan.csv")

    table = pa.ipc.open_file(arrow).read_all()  # an Arrow IPC file, not a stream
    assert table.schema.metadata[b"daq.run_uid"] == uid.encode() and table.schema.metadata[b"daq.stream"] == b"scan"
    power = table.schema.field("power").metadata
    assert (power[b"units"], power[b"source"], power[b"dtype"]) == (b"W", b"power_meter", b"float64")
    assert table.schema.field("image").metadata[b"shape"] == b"[1024,1024]"
    assert table.column("position").to_pylist() == [0, 1, 2, 3, 4]

    df = pd.read_feather(arrow)
    assert df["label"].tolist() == ["p0", "p1", "p2", "p3", "p4"]
    assert df["power"].tolist() == table.column("power").to_pylist()
    polars_frame = pl.read_ipc(arrow)
    assert polars_frame["seq_num"].to_list() == [1, 2, 3, 4, 5]
    assert polars_frame["image"].dtype == pl.Array(pl.UInt16, 1024 * 1024)

    from_parquet = pq.read_table(parquet)
    assert from_parquet.schema.metadata[b"daq.run_uid"] == uid.encode()
    assert from_parquet.schema.field("power").metadata[b"units"] == b"W"
    assert from_parquet.drop_columns(["image"]).equals(table.drop_columns(["image"]))
    assert np.array_equal(from_parquet.column("image")[4].values.to_numpy(), table.column("image")[4].values.to_numpy())
    assert pd.read_parquet(parquet)["label"].tolist() == df["label"].tolist()
    assert pl.read_parquet(parquet)["position"].to_list() == [0, 1, 2, 3, 4]

    header = csv.read_text().splitlines()[0]
    assert header.split(",") == ["seq_num", "time (s)", "image_exposure (s)", "label", "position", "power (W)"]

    # The same export from the data directory, without asking the daemon.
    out = tmp_path / "local.arrow"
    cli = subprocess.run(["node", str(DAQ), "export", uid[:8], "--format", "arrow", "--stream", "scan", "--data-dir", str(big_daemon.data_dir), "-o", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert out.read_bytes() == arrow.read_bytes()


def test_a_default_limits_grpcio_client_reads_a_range_of_40_full_frames(big_daemon, big_client):
    uid = big_client.run("for (let i = 0; i < 40; i++) record('frames', { image: camera.snap() });", name="frames.js")["uid"]
    channel = grpc.insecure_channel(big_daemon.address)  # grpc's default 4 MiB receive limit
    try:
        stub = control_pb2_grpc.ControlServiceStub(channel)
        pieces: dict[int, list[bytes]] = {}
        for message in stub.ReadStreamRange(control_pb2.ReadStreamRangeRequest(stream="frames")):
            assert len(message.arrow_ipc) <= GRPC_DEFAULT_LIMIT
            pieces.setdefault(message.part, []).append(message.arrow_ipc)
    finally:
        channel.close()
    assert list(pieces) == [0] and len(pieces[0]) >= 40  # 80 MiB in pieces
    table = pa.ipc.open_stream(b"".join(pieces[0])).read_all()
    assert table.num_rows == 40 and set(table.column("run_uid").to_pylist()) == {uid}
    got = frames(table, "image")
    assert got.shape == (40, 1024, 1024) and got.dtype == np.uint16
    with RingReader(big_daemon.data_dir / "test.ring") as ring:
        assert np.array_equal(got, frames(ring.latest("frames", 40), "image"))
    assert big_client.read_range("frames").num_rows == 40


def test_a_stream_whose_fields_changed_between_runs_keeps_every_row_in_every_reader(big_daemon, big_client):
    first = big_client.run("for (let i = 0; i < 3; i++) record('changing', { power: i });", name="a.js")["uid"]
    second = big_client.run("for (let i = 0; i < 4; i++) record('changing', { power: 10 + i, label: 'p' + i });", name="b.js")["uid"]

    table = big_client.read_range("changing")
    assert table.num_rows == 7
    assert table.column("power").to_pylist() == [0, 1, 2, 10, 11, 12, 13]
    assert table.column("label").to_pylist() == [None, None, None, "p0", "p1", "p2", "p3"]
    assert table.column("run_uid").to_pylist() == [first] * 3 + [second] * 4
    parts = big_client.read_range("changing", parts=True)
    assert [p.schema.names for p in parts] == [["run_uid", "seq_num", "time", "power"], ["run_uid", "seq_num", "time", "power", "label"]]

    with RingReader(big_daemon.data_dir / "test.ring") as ring:
        latest = ring.latest("changing", 100)
        assert latest.column("label").to_pylist() == table.column("label").to_pylist()
        assert ring.latest("changing", 5).column("power").to_pylist() == [2, 10, 11, 12, 13]
        assert [p.num_rows for p in ring.latest_parts("changing", 100)] == [3, 4]
        assert ring.range("changing", 0, 1e12).num_rows == 7
        assert ring.writer_alive and ring.writer_pid == big_daemon.process.pid

    tail = subprocess.run(["node", str(DAQ), "tail", "changing", "--ring", str(big_daemon.data_dir / "test.ring"), "--all", "-n", "7"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert tail.returncode == 0, tail.stderr
    lines = [line.split() for line in tail.stdout.splitlines() if line.strip()]
    headers = [i for i, words in enumerate(lines) if words[:2] == ["seq", "time"]]
    rows = [words for words in lines if words[:2] != ["seq", "time"]]
    assert len(rows) == 7, tail.stdout
    assert "label" not in lines[headers[0]] and "power" in lines[headers[0]], tail.stdout
    first_new = next(i for i, words in enumerate(lines) if "p0" in words)
    assert "label" in lines[max(h for h in headers if h < first_new)], tail.stdout  # the new field under its own header


def test_a_field_whose_type_changed_is_named_and_its_parts_kept(big_client, big_daemon):
    big_client.run("record('typed', { level: 1 });", name="a.js")
    big_client.run("record('typed', { level: 'high' });", name="b.js")
    with RingReader(big_daemon.data_dir / "test.ring") as ring:
        with pytest.raises(RingError, match="field 'level' is double in older rows and string in newer ones"):
            ring.latest("typed", 10)
        assert [p.column("level").to_pylist() for p in ring.latest_parts("typed", 10)] == [[1.0], ["high"]]
    assert [p.num_rows for p in big_client.read_range("typed", parts=True)] == [1, 1]
