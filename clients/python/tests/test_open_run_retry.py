"""`Client.open_run` right after a run ends: the daemon may still say the file is being written
while the writer has already closed it, and h5py refuses a SWMR open of a file no writer holds in
SWMR mode ("file is not already open for SWMR writing"). open_run asks again and opens the file
as it is then (seen in the docs' own example: docs/data.md, "From a client of the daemon")."""

from __future__ import annotations

import subprocess
import sys

import h5py
import pytest

import daq_client


def client_with_runs(monkeypatch, runs):
    """A client whose get_run answers with runs() in turn (the last one from then on)."""
    client = daq_client.Client("127.0.0.1:1")  # never called: get_run is replaced
    answers = iter(runs)
    last = {}

    def get_run(uid):
        answer = next(answers, None)
        if answer is not None:
            last["run"] = answer()
        return last["run"]

    monkeypatch.setattr(client, "get_run", get_run)
    return client


WRITER = """
import sys, h5py
f = h5py.File(sys.argv[1], "w", libver="latest", locking=False)  # as the daemon's writer: no lock
f["entry/data/scan/seq_num"] = [1, 2, 3]
f.flush()
print("open", flush=True)
sys.stdin.readline()
f.close()
print("closed", flush=True)
"""


def test_a_file_the_writer_holds_out_of_swmr_mode_opens_once_it_is_closed(tmp_path, monkeypatch):
    path = tmp_path / "run.h5"
    # The run's writer (another process, as the daemon's), holding the file out of SWMR mode.
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "open"
        with pytest.raises(OSError, match="not already open for SWMR writing"):
            h5py.File(path, "r", swmr=True)  # what an open in that moment meets

        def finished():
            writer.stdin.write("close\n")
            writer.stdin.flush()
            assert writer.stdout.readline().strip() == "closed"
            return {"uid": "r1", "file": str(path), "file_finished": True}

        writing = lambda: {"uid": "r1", "file": str(path), "file_finished": False}  # noqa: E731
        client = client_with_runs(monkeypatch, [writing, writing, finished])
        with client.open_run("r1") as f:
            assert f["entry/data/scan/seq_num"][()].tolist() == [1, 2, 3]
            assert not f.swmr_mode
        client.close()
    finally:
        writer.kill()
        writer.wait()


def test_other_open_errors_are_not_retried(tmp_path, monkeypatch):
    client = client_with_runs(monkeypatch, [lambda: {"file": str(tmp_path / "missing.h5"), "file_finished": True}])
    with pytest.raises(OSError, match="No such file|unable to open|Unable to"):
        client.open_run("r1")
    client.close()
