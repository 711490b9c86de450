"""A lab's documents from NATS JetStream, in Python, as a pipeline on another host would read them:
examples/follow_lab.py (nats-py, a durable consumer, event_model's RunRouter) against a real
nats-server and a real clustered daemon. It gets every document of every run exactly once and in
order, equal to what the daemon's API streams and valid by event-model's schemas; stopped and
started again, it gets the runs that ran meanwhile and nothing it had."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys

import pytest

import daq_client
from conftest_daemon import ROOT, Daemon, wait_for
from event_model_support import validate_all

FOLLOW = ROOT / "clients" / "python" / "examples" / "follow_lab.py"
LAB = "pylab"
SCAN = """const n = Number(params.n ?? 5);
for (let i = 0; i < n; i++) { stage.moveAbs(i); record('scan', { point: i, position: stage.position() }); }
"""

pytestmark = pytest.mark.skipif(shutil.which("nats-server") is None, reason="needs nats-server (make system installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            return s.recv(4096).startswith(b"INFO")  # the server greets every client with its INFO line
    except OSError:
        return False


@pytest.fixture(scope="module")
def nats_url(tmp_path_factory):
    store = tmp_path_factory.mktemp("nats")
    port = free_port()
    server = subprocess.Popen(["nats-server", "-js", "-sd", str(store), "-a", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: accepts(port) or server.poll() is not None, what="nats-server to accept connections")
        assert server.poll() is None, "nats-server exited at start"
        yield f"nats://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=60)


@pytest.fixture(scope="module")
def clustered(nats_url, tmp_path_factory):
    daemon = Daemon(tmp_path_factory.mktemp("daq-cluster"), extra=["--cluster", nats_url, "--name", "rig-py", "--lab", LAB, "--grace", "1"])
    try:
        with daq_client.Client(daemon.address) as client:
            yield client
    finally:
        assert daemon.stop() == 0


def run_and_collect(client, n: int) -> tuple[str, list[tuple[str, dict]]]:
    """Runs the scan of `n` points; its uid and its documents as the API streams them."""
    run = client.run(SCAN, params={"n": n}, name="scan.js", wait=False)
    return run["uid"], list(client.documents(run["uid"]))


def follow(nats_url: str, durable: str, runs: int) -> tuple[list[dict], str]:
    """examples/follow_lab.py --json until `runs` runs have ended: the documents it printed, and its summary lines."""
    done = subprocess.run([sys.executable, str(FOLLOW), "--cluster", nats_url, "--lab", LAB, "--durable", durable, "--runs", str(runs), "--json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")], "\n".join(line for line in lines if not line.startswith("{"))


def run_of(document: dict, received: list[dict]) -> str:
    """The run a document belongs to: start -> its uid, descriptor/stop/stream_resource -> run_start, event/stream_datum -> through its descriptor or resource."""
    doc = document["doc"]
    if document["name"] == "start":
        return doc["uid"]
    if "run_start" in doc:
        return doc["run_start"]
    parents = {d["doc"]["uid"]: d["doc"].get("run_start", "") for d in received if d["name"] in ("descriptor", "stream_resource")}
    return parents.get(doc.get("descriptor") or doc.get("stream_resource"), "")


def test_a_durable_follower_gets_every_document_exactly_once_in_order_and_catches_up(clustered, nats_url):
    first, first_docs = run_and_collect(clustered, 5)
    second, second_docs = run_and_collect(clustered, 12)
    received, summary = follow(nats_url, "pytest", runs=2)

    assert [(d["name"], d["doc"]) for d in received if run_of(d, received) == first] == first_docs
    assert [(d["name"], d["doc"]) for d in received if run_of(d, received) == second] == second_docs
    assert [d for d in received if run_of(d, received) not in (first, second)] == []
    assert {d["daemon"] for d in received} == {"rig-py"}
    validate_all([(d["name"], d["doc"]) for d in received])
    # The RunRouter gave each run its own callback: one summary line per start and per stop.
    assert f"rig-py: run {first} ended success (5 scan)" in summary
    assert f"rig-py: run {second} ended success (12 scan)" in summary

    # Away while a run runs: started again, the same durable consumer gets that run, and only it.
    third, third_docs = run_and_collect(clustered, 7)
    received, summary = follow(nats_url, "pytest", runs=1)
    assert [(d["name"], d["doc"]) for d in received] == third_docs
    assert f"rig-py: run {third} ended success (7 scan)" in summary
