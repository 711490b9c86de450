"""Follow every run of a ts-daq lab cluster from NATS JetStream, into a Bluesky callback.

Every clustered daemon publishes its runs' Bluesky documents to the lab's stream ``DAQ_<LAB>``,
subject ``daq.<lab>.<daemon>.docs``: the body is the document's JSON, the header ``Daq-Document``
its name (start, descriptor, event, stream_resource, stream_datum, stop). This program reads them
with a *durable* consumer: the server remembers what it acknowledged, so a follower that stops
(or crashes) goes on where it was when started again, and gets the runs that ran meanwhile,
each document exactly once and in order (a run's documents are handed over in the order of their
``Daq-Index`` header: when a NATS node died under its daemon, a few can be stored out of order,
docs/cluster.md). The documents go to an ``event_model.RunRouter``, which
gives each run its own callbacks (here a small summary printer; BestEffortCallback, suitcase or
tiled's writer take the same documents).

    python follow_lab.py --cluster nats://127.0.0.1:4222 --lab optics --durable my-pipeline

Frames are not in the documents: stream_resource/stream_datum point into the run's HDF5 file on
the daemon's host (read it there, or through the daemon's API: daq_client.Client.open_run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Callable

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import FetchTimeoutError
from bluesky.callbacks.core import CallbackBase
from event_model import RunRouter

Callback = Callable[[str, dict, str], None]
"""What gets each document: its name, the document, and the daemon that published it."""


class RunSummary(CallbackBase):
    """Prints one line when a run starts and one when it ends (with its events per stream)."""

    def __init__(self, daemon: str, out=sys.stdout):
        super().__init__()
        self.daemon = daemon
        self.out = out
        self.events: dict[str, int] = {}
        self.streams: dict[str, str] = {}

    def start(self, doc):
        self.out.write(f"{self.daemon}: run {doc['uid']} started: {doc.get('plan_name', '?')} (scan {doc.get('scan_id', '?')})\n")
        self.out.flush()

    def descriptor(self, doc):
        self.streams[doc["uid"]] = doc.get("name", "primary")

    def event(self, doc):
        stream = self.streams.get(doc["descriptor"], "?")
        self.events[stream] = self.events.get(stream, 0) + 1

    def stop(self, doc):
        counted = ", ".join(f"{n} {s}" for s, n in sorted(self.events.items())) or "no events"
        reason = f": {doc['reason']}" if doc.get("reason") else ""
        self.out.write(f"{self.daemon}: run {doc['run_start']} ended {doc.get('exit_status')}{reason} ({counted})\n")
        self.out.flush()


class InOrder:
    """Hands over each run's documents in the order of their ``Daq-Index`` (0, 1, 2, ...), holding
    those that come early until the ones before them arrive. A daemon whose NATS node died can
    leave a few of a run's documents out of order in the stream (it publishes the lost one again,
    after them); everything else passes straight through. A run first seen after its start (the
    stream's retention dropped its beginning, or this follower started again mid-run) goes on from
    the first document seen; one from before that still comes, late rather than never."""

    def __init__(self):
        self.first: dict[tuple[str, str], int] = {}
        self.next: dict[tuple[str, str], int] = {}
        self.held: dict[tuple[str, str], dict[int, object]] = {}

    def seen(self, daemon: str, run: str, index: int) -> bool:
        """Whether the run's document `index` was handed over already."""
        key = (daemon, run)
        return key in self.next and self.first[key] <= index < self.next[key]

    def offer(self, daemon: str, run: str, index: int, item) -> list:
        """The items now ready, in order: `item` and any held ones that follow it ([] when it is
        early, or a copy of one held already)."""
        key = (daemon, run)
        if key not in self.next:
            self.first[key] = self.next[key] = index
        if index < self.first[key]:
            return [item]
        expected = self.next[key]
        held = self.held.setdefault(key, {})
        held.setdefault(index, item)
        ready = []
        while expected in held:
            ready.append(held.pop(expected))
            expected += 1
        self.next[key] = expected
        if not held:
            del self.held[key]
        return ready


async def follow(cluster: str, lab: str, durable: str, callback: Callback, *, daemon: str = "*", stop: Callable[[], bool] = lambda: False, batch: int = 256) -> None:
    """Feeds `callback(name, doc, daemon)` with every document of lab `lab` from JetStream, in order,
    until `stop()` is true. Each document is acknowledged after the callback returns: one that
    raised comes again (after the consumer's ack wait), and a follower started again goes on from
    there (what it fetched but did not hand over is given back at once, with a nak)."""
    nc = await nats.connect(cluster, name=f"follow_lab {durable}", max_reconnect_attempts=-1)
    try:
        js = nc.jetstream()
        config = ConsumerConfig(durable_name=durable, ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL, max_ack_pending=batch * 4)
        sub = await js.pull_subscribe(f"daq.{lab}.{daemon}.docs", durable=durable, stream=f"DAQ_{lab.upper()}", config=config)
        last = 0  # the highest stream sequence handed over
        order = InOrder()
        while not stop():
            try:
                messages = await sub.fetch(batch, timeout=1)
            except (FetchTimeoutError, asyncio.TimeoutError):
                continue
            for message in messages:
                if stop():
                    await message.nak()
                    continue
                sequence = message.metadata.sequence.stream
                headers = message.headers or {}
                daemon_name = message.subject.split(".")[2]
                index = headers.get("Daq-Index")
                run = headers.get("Daq-Run", "")
                if sequence <= last if index is None else order.seen(daemon_name, run, int(index)):
                    # Handed over already: its ack was lost (the server went away) and it came again.
                    await message.ack()
                    continue
                ready = [message] if index is None else order.offer(daemon_name, run, int(index), message)
                # An early one waits (unacknowledged) for those before it, and is acknowledged once handed over.
                for item in ready:
                    item_headers = item.headers or {}
                    callback(item_headers.get("Daq-Document", ""), json.loads(item.data), daemon_name)
                    await item.ack()
                    last = max(last, item.metadata.sequence.stream)
    finally:
        await nc.drain()


def summary_router(out=sys.stdout) -> Callback:
    """A callback that routes each run's documents (event_model.RunRouter) to a RunSummary of its own."""
    daemon_of_start = {"daemon": ""}

    def factory(name, start_doc):
        return [RunSummary(daemon_of_start["daemon"], out)], []

    router = RunRouter([factory])

    def callback(name: str, doc: dict, daemon: str) -> None:
        daemon_of_start["daemon"] = daemon
        router(name, doc)

    return callback


def main() -> None:
    parser = argparse.ArgumentParser(description="Follow a ts-daq lab's run documents from NATS JetStream into Bluesky callbacks.")
    parser.add_argument("--cluster", default="nats://127.0.0.1:4222", help="the lab's NATS server (default %(default)s)")
    parser.add_argument("--lab", default="default", help="the lab id (default %(default)s)")
    parser.add_argument("--durable", default="follow-lab", help="the durable consumer's name: the server remembers where it is (default %(default)s)")
    parser.add_argument("--daemon", default="*", help="only this daemon's runs (default: every daemon)")
    parser.add_argument("--runs", type=int, default=0, help="stop after this many runs have ended (default: follow forever)")
    parser.add_argument("--json", action="store_true", help="also print each document as one JSON line: {\"daemon\", \"name\", \"doc\"}")
    args = parser.parse_args()

    router = summary_router()
    ended = 0

    def callback(name: str, doc: dict, daemon: str) -> None:
        nonlocal ended
        if args.json:
            sys.stdout.write(json.dumps({"daemon": daemon, "name": name, "doc": doc}) + "\n")
        router(name, doc, daemon)
        if name == "stop":
            ended += 1

    try:
        asyncio.run(follow(args.cluster, args.lab, args.durable, callback, daemon=args.daemon, stop=lambda: args.runs > 0 and ended >= args.runs))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
