"""Fixtures shared by the client tests: one real daemon per test module, a client of it, and the
check that a module leaves no process running."""

from __future__ import annotations

import os
import uuid

import pytest

import daq_client
from conftest_daemon import Daemon
from leftover_processes import MARKER, reap_leftovers


@pytest.fixture(scope="module", autouse=True)
def no_leftover_processes(request):
    """Marks the processes this module starts; fails it if any still runs after its tests and fixtures."""
    marker = f"pytest-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    before = os.environ.get(MARKER)
    os.environ[MARKER] = marker
    yield
    if before is None:
        os.environ.pop(MARKER, None)
    else:
        os.environ[MARKER] = before
    left = reap_leftovers(marker)
    if left:
        pytest.fail(f"{request.module.__name__} left {len(left)} process(es) running (now killed): "
                    + "; ".join(f"{pid} ({command[:160]})" for pid, command in left)
                    + ". Stop every process a test starts in a finally block or a fixture's teardown.")


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    d = Daemon(tmp_path_factory.mktemp("daq-data"))
    yield d
    assert d.stop() == 0


@pytest.fixture
def client(daemon):
    with daq_client.Client(daemon.address) as c:
        yield c
