"""A Python process that only knows the ring's path sees the events of a real run
(examples/simple_scan.js through the RunEngine on the simulated lab) as they are recorded."""

from __future__ import annotations

import json

import numpy as np

from daq_client.ring import RingReader, frames
from ring_support import RUN_SCAN, node


def test_python_follows_the_rows_of_a_real_run(tmp_path):
    path = tmp_path / "ring"
    steps = 6
    run = node(RUN_SCAN, path, str(steps))
    assert run.stdout.readline().strip() == "ready"
    ring = RingReader(path)
    following = ring.follow("scan")  # from the ring's head: what is recorded from now on
    run.stdin.write("go\n")
    run.stdin.flush()
    batches = list(following)  # ends when the writer closes the ring after the run
    summary = json.loads(run.stdout.readline())
    assert run.wait() == 0
    assert summary["exitStatus"] == "success", summary["reason"]
    assert summary["numEvents"] == {"scan": steps}
    table = ring.latest("scan", 100)
    assert sum(b.num_rows for b in batches) == steps == table.num_rows
    assert table.column("seq_num").to_pylist() == list(range(1, steps + 1))
    assert set(table.column("run_uid").to_pylist()) == {summary["uid"]}
    assert np.allclose(table.column("position").to_numpy(), np.linspace(0, 25, steps), atol=1e-3)
    assert np.all(np.diff(table.column("time").to_numpy()) > 0)
    power = table.schema.field("power")
    assert power.metadata[b"units"] == b"W" and power.metadata[b"source"] == b"power_meter"
    for batch in batches:
        image = frames(batch, "image")
        height, width = json.loads(batch.schema.field("image").metadata[b"shape"])
        assert image.shape == (batch.num_rows, height, width) and image.dtype == np.uint16
        assert image.max() > 0
    t0, t1 = table.column("time")[1].as_py(), table.column("time")[4].as_py()
    assert ring.range("scan", t0, t1).column("seq_num").to_pylist() == [2, 3, 4]
