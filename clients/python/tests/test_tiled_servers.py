"""The commands of docs/data.md, as written: `tiled serve directory` over a daemon's runs directory
serves every run file (a frame read over HTTP equals the file's), and `tiled serve catalog --temp`
takes a run poured in from `client.documents(uid)` with bluesky's TiledWriter."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

import daq_client

from conftest_daemon import Daemon
from event_model_support import LAB, SCRIPTS

TILED = Path(sys.executable).parent / "tiled"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TiledServer:
    """`tiled serve ...` on a free port; `uri` once it answers."""

    def __init__(self, log: Path, *args: str):
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.log = log
        # Its log goes to a file: a pipe nobody reads would fill and stall the server.
        with open(log, "w") as out:
            self.process = subprocess.Popen([str(TILED), "serve", *args, "--port", str(self.port)], stdout=out, stderr=subprocess.STDOUT)

    def until(self, predicate, timeout_s: float = 120.0, what: str = "the tiled server"):
        """Polls `predicate` (which may raise while the server starts) until it returns a value."""
        import httpx

        deadline = time.monotonic() + timeout_s
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"tiled serve exited: {self.log.read_text()}")
            try:
                value = predicate()
                if value:
                    return value
            except (httpx.HTTPError, KeyError, OSError) as error:
                last = error
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}: {last}\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def frames_run(tmp_path_factory):
    """A daemon over a fresh data directory, and one finished run with frames in it."""
    data_dir = tmp_path_factory.mktemp("daq-tiled")
    lab = data_dir / "lab.toml"
    lab.write_text(LAB)
    daemon = Daemon(data_dir, config=lab)
    try:
        with daq_client.Client(daemon.address) as client:
            run = client.run(SCRIPTS["frames_loop"], name="frames_loop.js")
            deadline = time.monotonic() + 60
            while not run["file_finished"] and time.monotonic() < deadline:
                time.sleep(0.05)
                run = client.get_run(run["uid"])
            assert run["file_finished"], run
            yield daemon, data_dir, run
    finally:
        assert daemon.stop() == 0


def test_tiled_serve_directory_serves_the_run_files(frames_run, tmp_path):
    _, data_dir, run = frames_run
    from tiled.client import from_uri

    server = TiledServer(tmp_path / "tiled.log", "directory", "--public", str(data_dir / "runs"))
    try:
        file = Path(run["file"])
        day, stem = file.parent.name, file.stem  # tiled serves a file under its name without .h5
        # (a tuple: a tiled container of no items is falsy)
        (node,) = server.until(lambda: (from_uri(server.uri)[day][stem],), what=f"{day}/{stem} to be indexed")
        image = node["entry"]["data"]["images"]["image"]
        with h5py.File(file, "r", swmr=True) as f:
            np.testing.assert_array_equal(image[2], f["/entry/data/images/image"][2])
            assert image.shape == f["/entry/data/images/image"].shape
    finally:
        server.stop()


def test_a_run_poured_into_a_served_catalog_reads_back(frames_run, tmp_path):
    daemon, data_dir, run = frames_run
    from bluesky.callbacks.tiled_writer import TiledWriter
    from tiled.client import from_uri

    server = TiledServer(tmp_path / "tiled.log", "catalog", "--temp", "--api-key", "secret", "-r", str(data_dir))
    try:
        (catalog,) = server.until(lambda: (from_uri(server.uri, api_key="secret"),))
        writer = TiledWriter(catalog)
        with daq_client.Client(daemon.address) as client:
            pairs = list(client.documents(run["uid"]))
        for name, doc in pairs:
            writer(name, doc)
        images = catalog[run["uid"]]["images"].read()
        events = [doc for name, doc in pairs if name == "event"]
        assert images["position"].values.tolist() == [e["data"]["position"] for e in events]
        with h5py.File(run["file"], "r", swmr=True) as f:
            np.testing.assert_array_equal(images["image"].values, f["/entry/data/images/image"][()])
    finally:
        server.stop()
