"""The TypeScript writer at full speed, Python readers in other processes checking every row."""

from __future__ import annotations

import json

from ring_support import SYNTHETIC_CLI, node, python_verifier


def test_every_row_a_python_reader_gets_is_right_and_an_overtaken_reader_recovers(tmp_path):
    path = tmp_path / "ring"
    rows = 100_000
    writer = node(SYNTHETIC_CLI, "write", path, "--rows", str(rows), "--capacity", str(1 << 20), "--blob", "256", "--wait")
    assert writer.stdout.readline().strip() == "ready"
    fast = python_verifier(path, "--from-oldest")
    slow = python_verifier(path, "--from-oldest", "--delay-ms", "5")
    writer.stdin.write("go\n")
    writer.stdin.flush()
    assert json.loads(writer.stdout.readline())["rows"] == rows
    verdicts = [json.loads(p.communicate(timeout=300)[0]) for p in (fast, slow)]
    assert writer.wait() == 0
    for verdict in verdicts:
        assert verdict["errors"] == []
        assert verdict["unexplainedGaps"] == 0
        assert verdict["lastSeq"] == rows  # reached the end, whatever happened on the way
    assert verdicts[1]["overtaken"] > 0
    assert verdicts[1]["rows"] < rows
