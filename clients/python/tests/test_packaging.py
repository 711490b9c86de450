"""`pip install ./clients/python` from a clone, as a user without make would: a fresh venv, the
package built with pip's build isolation (grpcio-tools from pyproject.toml generates the stubs),
then the installed client talks to a real daemon.

The clone is the repository's files as git sees them (tracked and not ignored), so the stubs that
`make python` generated in this checkout are not there, exactly as after `git clone`. pip uses
the package index as configured (and its cache).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

from conftest_daemon import ROOT


def _clone(target: Path) -> Path:
    """The files of clients/python and proto/ that a clone has: git's tracked and untracked-but-not-ignored files."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "clients/python", "proto"],
                            cwd=ROOT, check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    assert not (target / "clients/python/daq").exists(), "generated stubs are tracked by git: they must not be committed"
    return target


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with daq_client installed from a clone; returns its python."""
    base = tmp_path_factory.mktemp("pip-install")
    clone = _clone(base / "clone")
    venv.create(base / "venv", with_pip=True)
    python = base / "venv" / "bin" / "python"
    result = subprocess.run([str(python), "-m", "pip", "install", "--no-input", "--disable-pip-version-check", str(clone / "clients" / "python")],
                            cwd=base, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, f"pip install ./clients/python failed (exit {result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return python


def test_pip_install_from_a_clone_gives_a_working_client(installed, daemon, tmp_path):
    script = f"""
import json, daq_client, daq.v1.hardware_pb2 as hw
with daq_client.Client({daemon.address!r}) as c:
    print(json.dumps({{"module": daq_client.__file__, "stubs": hw.__file__, "lab": c.info()["lab"],
                      "devices": [d["name"] for d in c.devices()], "position": c.move("stage", 3.5)}}))
"""
    # Run from an empty directory, so nothing of the checkout can be imported by accident.
    result = subprocess.run([str(installed), "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    site = str(installed.parent.parent)
    assert out["module"].startswith(site) and out["stubs"].startswith(site), out
    assert out["lab"] == "Simulated optics lab"
    assert "laser" in out["devices"]
    assert out["position"] == pytest.approx(3.5)


def test_the_installed_package_carries_the_stubs_of_every_proto(installed):
    protos = sorted(p.stem for p in (ROOT / "proto" / "daq" / "v1").glob("*.proto"))
    result = subprocess.run([str(installed), "-c", "import importlib, sys; [importlib.import_module(f'daq.v1.{n}_pb2') and importlib.import_module(f'daq.v1.{n}_pb2_grpc') for n in sys.argv[1:]]", *protos],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
