"""Helpers for the ring tests: the built TypeScript tools they drive (run `make build` first)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SYNTHETIC_CLI = ROOT / "dist" / "src" / "data" / "ring" / "synthetic-cli.js"
RUN_SCAN = Path(__file__).resolve().parent / "fixtures" / "run_scan.mjs"
VERIFY = Path(__file__).resolve().parent / "ring_verify.py"


def node(*args: str | Path) -> subprocess.Popen[str]:
    """A Node.js child process running the built code, with pipes for its stdin and stdout."""
    if not SYNTHETIC_CLI.exists():
        raise RuntimeError(f"{SYNTHETIC_CLI} is missing: run `make build` first")
    return subprocess.Popen(["node", *map(str, args)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def write_synthetic(path: Path, rows: int, *extra: str) -> dict:
    """Fills a new ring with ``rows`` synthetic rows (closed afterwards); returns the writer's summary."""
    done = subprocess.run(["node", str(SYNTHETIC_CLI), "write", str(path), "--rows", str(rows), *extra], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def python_verifier(path: Path, *extra: str) -> subprocess.Popen[str]:
    """A Python reader process checking every synthetic row it gets (ring_verify.py)."""
    return subprocess.Popen([sys.executable, str(VERIFY), str(path), *extra], stdout=subprocess.PIPE, text=True)
