#!/usr/bin/env python3
"""Bluesky baseline for the ts-daq step-scan benchmark.

Runs ``bluesky.plans.scan([det], motor, 0, 1, N)`` on ophyd.sim devices with no
simulated latency (a SynAxis with delay=0 and a noiseless SynGauss reading it),
under a RunEngine that has no callback subscribed but one counting documents,
no SIGINT handler (context_managers=[]) and a plain blocking during_task (no
Qt/matplotlib hooks). A warm-up scan runs first; the N-point scan is then timed
with time.perf_counter around the whole ``RE(plan)`` call, open_run to
close_run included.

stdout gets exactly one JSON line:

  {"tool":"bluesky","bluesky":"1.15.1","ophyd":"1.11.2","points":10000,
   "total_s":..., "per_point_us":..., "events":10000}

Everything else (warnings, log records, anything a library prints) goes to
stderr. Exit status: 0 on success, 1 if the scan did not produce one Event
document per point (or raised), 2 on bad arguments, 130 on SIGINT.

Usage: build/bench-venv/bin/python bench/bluesky/step_scan.py [--points N] [--warmup W]
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=_positive_int, default=10_000,
                        help="points of the timed scan (default 10000)")
    parser.add_argument("--warmup", type=_positive_int, default=200,
                        help="points of the untimed warm-up scan (default 200)")
    args = parser.parse_args(argv)

    # Keep stdout for the one JSON line: anything printed while importing or
    # running bluesky/ophyd goes to stderr instead.
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        import bluesky
        import ophyd
        from bluesky import RunEngine
        from bluesky.plans import scan
        from bluesky.utils import DuringTask, RunEngineInterrupted
        from ophyd.sim import SynAxis, SynGauss

        motor = SynAxis(name="motor", delay=0)
        det = SynGauss("det", motor, "motor", center=0, Imax=1, sigma=1,
                       noise="none")

        RE = RunEngine(
            {},
            context_managers=[],      # no SigintHandler: safe as a subprocess
            during_task=DuringTask(),  # plain Event.wait, no Qt/matplotlib
        )

        counts = {"start": 0, "descriptor": 0, "event": 0, "stop": 0}

        def count(name, doc):
            counts[name] = counts.get(name, 0) + 1

        RE.subscribe(count)

        # Warm-up: imports, caches, the event loop thread, first-run paths.
        RE(scan([det], motor, 0, 1, args.warmup))
        if counts["event"] != args.warmup:
            print(f"warm-up produced {counts['event']} events, "
                  f"expected {args.warmup}", file=sys.stderr)
            return 1

        for key in counts:
            counts[key] = 0
        plan = scan([det], motor, 0, 1, args.points)
        t0 = time.perf_counter()
        try:
            RE(plan)
        except (KeyboardInterrupt, RunEngineInterrupted):
            # SIGINT (Ctrl-C, or a parent's kill("SIGINT")): the RunEngine
            # pauses itself; end the run without cleanup plans and exit 130.
            if RE.state != "idle":
                try:
                    RE.halt()
                except Exception:  # already idle/halted: nothing to undo
                    pass
            print("interrupted", file=sys.stderr)
            return 130
        total_s = time.perf_counter() - t0

        events = counts["event"]
        if events != args.points or counts["stop"] != 1:
            print(f"timed scan produced {events} events and {counts['stop']} "
                  f"stop documents, expected {args.points} and 1",
                  file=sys.stderr)
            return 1

        # Stop the RunEngine's background event-loop thread so the process
        # ends without leaving the loop running.
        RE.loop.call_soon_threadsafe(RE.loop.stop)

        result = {
            "tool": "bluesky",
            "bluesky": bluesky.__version__,
            "ophyd": ophyd.__version__,
            "points": args.points,
            "total_s": round(total_s, 6),
            "per_point_us": round(total_s / args.points * 1e6, 3),
            "events": events,
        }
    finally:
        sys.stdout = real_stdout

    sys.stdout.write(json.dumps(result, separators=(",", ":")) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
