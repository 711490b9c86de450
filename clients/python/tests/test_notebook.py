"""The example notebook (clients/python/examples/live_scan.ipynb) run in a real Jupyter kernel
(nbclient + ipykernel) against a real daemon: it must be valid nbformat, run top to bottom, follow
the scan from the ring, and show the plot and the coupling peak of the simulated lab (12.5 mm)."""

from __future__ import annotations

import re

import nbformat
from nbclient import NotebookClient

from conftest_daemon import ROOT

NOTEBOOK = ROOT / "clients" / "python" / "examples" / "live_scan.ipynb"


def test_the_live_scan_notebook_runs_and_plots(daemon, tmp_path, monkeypatch):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)  # raises on anything Jupyter would refuse
    # The kernel inherits this environment: the daemon's address, and Jupyter's and matplotlib's
    # files in the test's own directory rather than the user's home.
    monkeypatch.setenv("DAQ_REMOTE", daemon.address)
    for variable in ("JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR", "JUPYTER_DATA_DIR"):
        monkeypatch.setenv(variable, str(tmp_path / variable.lower()))
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()

    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "41 points read live" in text, text
    peak = re.search(r"peak: \S+ µW at ([\d.]+) mm", text)
    assert peak is not None and abs(float(peak.group(1)) - 12.5) <= 0.7, text
    assert "success {'scan': 41}" in text, text
    # The plot was displayed (and updated in place) as a PNG image.
    images = [o for o in outputs if o.output_type in ("display_data", "update_display_data") and "image/png" in o.get("data", {})]
    assert images, [o.output_type for o in outputs]
    # The last cell's value: a DataFrame, shown as an HTML table.
    assert "<table" in notebook.cells[-1].outputs[-1]["data"]["text/html"]
