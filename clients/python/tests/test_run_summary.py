"""A run summary says who started the run (the token's name and role) and what with (its parameters
and metadata), from run(), get_run() and runs(), and from the asyncio client: against a real daemon
with tokens."""

from __future__ import annotations

import asyncio

import pytest

import daq_client
from daq_client.aio import AsyncClient

from conftest_daemon import ROOT, Daemon

TOKEN = "olivia-token-0123456789"
SCAN = """
for (let i = 0; i < Number(params.steps); i++) {
  stage.moveAbs(10 + i);
  record('scan', { position: stage.position() });
}
"""


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    base = tmp_path_factory.mktemp("daq-runs")
    tokens = base / "tokens.toml"
    tokens.write_text(f'[[token]]\nname = "olivia"\nrole = "operator"\ntoken = "{TOKEN}"\n')
    d = Daemon(base / "data", extra=["--tokens", str(tokens)])
    yield d
    assert d.stop() == 0


def test_a_run_summary_has_who_started_it_and_its_params_and_metadata(daemon):
    with daq_client.Client(daemon.address, token=TOKEN) as client:
        summary = client.run(SCAN, params={"steps": 2, "label": "fine"}, metadata={"sample": "GaAs-17", "cooled": True}, name="scan.js")
        assert summary["exit_status"] == "success", summary["reason"]
        assert summary["started_by"] == "olivia"
        assert summary["started_by_role"] == "operator"
        assert summary["params"] == {"steps": 2, "label": "fine"}
        assert summary["metadata"] == {"sample": "GaAs-17", "cooled": True, "started_by": "olivia", "started_by_role": "operator"}
        listed = next(r for r in client.runs() if r["uid"] == summary["uid"])
        assert {k: listed[k] for k in ("started_by", "started_by_role", "params", "metadata")} == \
            {k: summary[k] for k in ("started_by", "started_by_role", "params", "metadata")}


def test_the_asyncio_client_has_them_too(daemon):
    async def main():
        async with AsyncClient(daemon.address, token=TOKEN) as client:
            summary = await client.run(ROOT / "examples" / "simple_scan.js", params={"steps": 2}, metadata={"sample": "Si-12"})
            return summary, await client.get_run(summary["uid"])

    summary, again = asyncio.run(main())
    assert summary["exit_status"] == "success", summary["reason"]
    for s in (summary, again):
        assert (s["started_by"], s["started_by_role"]) == ("olivia", "operator")
        assert s["params"] == {"steps": 2}
        assert s["metadata"]["sample"] == "Si-12"
