"""Latency helper of bench/ring.ts: follows stream `latency` of a ring and measures, for every
row, the time from its `record()` (the row's time column, CLOCK_MONOTONIC seconds) to the moment
its pyarrow batch is in hand here (time.monotonic()). Prints "ready", then one JSON line:
{"n": rows, "p50": s, "p99": s}. Usage: ring_latency.py RING_PATH ROWS"""

from __future__ import annotations

import json
import sys
import time

from daq_client.ring import RingReader


def main() -> None:
    path, rows = sys.argv[1], int(sys.argv[2])
    ring = RingReader(path)
    following = ring.follow("latency", from_oldest=True)
    print("ready", flush=True)
    latencies: list[float] = []
    for batch in following:
        now = time.monotonic()
        latencies.extend(now - t for t in batch.column("time").to_pylist())
        if len(latencies) >= rows:
            break
    latencies.sort()
    pick = lambda p: latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]  # noqa: E731
    print(json.dumps({"n": len(latencies), "p50": pick(50), "p99": pick(99)}), flush=True)


if __name__ == "__main__":
    main()
