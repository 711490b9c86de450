"""Finding the processes a test module started and left running (daemons, node tools, readers).

Every test module gets a marker in the environment (DAQ_TEST_FILE); every process it starts
inherits it, and keeps it when its parent dies and it is re-parented. After the module, processes
still running with the marker are its leftovers: they are killed and the module fails. Linux only
(/proc); elsewhere nothing is found. The TypeScript tests do the same (src/test-support/).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

MARKER = "DAQ_TEST_FILE"


def marked_processes(marker: str) -> list[tuple[int, str]]:
    """(pid, command line) of the running processes (not zombies) whose marker is ``marker``."""
    found = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            env = (entry / "environ").read_bytes().split(b"\0")
            if f"{MARKER}={marker}".encode() not in env:
                continue
            stat = (entry / "stat").read_text()
            if stat[stat.rindex(")") + 2:].startswith("Z"):
                continue  # exited, not yet reaped
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            found.append((int(entry.name), command))
        except (OSError, ValueError):
            continue  # gone meanwhile, or another user's
    return found


def reap_leftovers(marker: str, grace_s: float = 15.0) -> list[tuple[int, str]]:
    """Waits up to ``grace_s`` for the marked processes to end, kills the rest, and returns them."""
    deadline = time.monotonic() + grace_s
    left = marked_processes(marker)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = marked_processes(marker)
    for pid, _ in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return left
