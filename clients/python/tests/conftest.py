"""Fixtures shared by the client tests: one real daemon per test module, and a client of it."""

from __future__ import annotations

import pytest

import daq_client
from conftest_daemon import Daemon


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    d = Daemon(tmp_path_factory.mktemp("daq-data"))
    yield d
    assert d.stop() == 0


@pytest.fixture
def client(daemon):
    with daq_client.Client(daemon.address) as c:
        yield c
