"""examples/follow_lab.py's InOrder: a run's documents handed over in the order of their Daq-Index,
as a consumer must when a NATS node died under the daemon and the stream holds a few out of order
(the daemon published the lost one again after them: docs/cluster.md)."""

from __future__ import annotations

import importlib.util

from conftest_daemon import ROOT


def in_order():
    spec = importlib.util.spec_from_file_location("follow_lab", ROOT / "clients" / "python" / "examples" / "follow_lab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.InOrder()


def hand_over(order, arrivals):
    """What `offer` hands over for (daemon, run, index) arrivals, flattened, as (run, index)."""
    out = []
    for daemon, run, index in arrivals:
        if order.seen(daemon, run, index):
            continue
        out.extend((run, i) for (_d, _r, i) in order.offer(daemon, run, index, (daemon, run, index)))
    return out


def test_passes_documents_in_order_straight_through():
    assert hand_over(in_order(), [("a", "r1", i) for i in range(5)]) == [("r1", i) for i in range(5)]


def test_a_document_lost_on_a_dying_node_and_published_again_after_later_ones_comes_in_its_place():
    # The stream: 0..51, 53..307, then 52 (published again), then 308.. (as seen in the 3-node test).
    stream = list(range(52)) + list(range(53, 308)) + [52] + list(range(308, 320))
    order = in_order()
    assert hand_over(order, [("a", "r1", i) for i in stream]) == [("r1", i) for i in range(320)]
    assert order.held == {}


def test_runs_and_daemons_are_ordered_apart_and_copies_are_dropped():
    order = in_order()
    arrivals = [("a", "r1", 0), ("b", "r2", 0), ("a", "r1", 2), ("b", "r2", 1), ("a", "r1", 2), ("a", "r1", 1), ("a", "r1", 1), ("b", "r2", 2)]
    assert hand_over(order, arrivals) == [("r1", 0), ("r2", 0), ("r2", 1), ("r1", 1), ("r1", 2), ("r2", 2)]


def test_a_run_first_seen_mid_way_starts_there_and_an_earlier_document_still_comes():
    # Started again while 53.. waited unacknowledged for 52: they come first, then 52.
    order = in_order()
    assert hand_over(order, [("a", "r1", i) for i in [53, 54, 52, 55]]) == [("r1", 53), ("r1", 54), ("r1", 52), ("r1", 55)]
