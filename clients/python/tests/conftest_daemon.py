"""A real daemon process for the client tests: `node dist/src/cli/main.js daemon` on a free port."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DAQ = ROOT / "dist" / "src" / "cli" / "main.js"


class Daemon:
    def __init__(self, data_dir: Path, config: Path = ROOT / "examples" / "lab.toml", extra: list[str] | None = None):
        if not DAQ.exists():
            raise RuntimeError(f"{DAQ} is missing: run `make build` first")
        self.process = subprocess.Popen(
            ["node", str(DAQ), "daemon", "--config", str(config), "--listen", "127.0.0.1:0", "--data-dir", str(data_dir), "--ring", str(data_dir / "test.ring"), "--ring-size", "8", *(extra or [])],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        line = self.process.stdout.readline() if self.process.stdout else ""
        match = re.search(r"listening on (\S+)", line)
        if match is None:
            self.process.kill()
            raise RuntimeError(f"the daemon did not start: {line}{self.process.stderr.read() if self.process.stderr else ''}")
        self.address = match.group(1)

    def stop(self) -> int:
        self.process.terminate()
        try:
            return self.process.wait(timeout=60)  # a budget far above need: a loaded machine is slow
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def wait_for(predicate, timeout_s=120.0, what="condition"):
    """Polls `predicate` until it returns something true (which is returned); fails after `timeout_s`,
    a budget far above need on a loaded machine (tests wait on the condition, never on a guess)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
