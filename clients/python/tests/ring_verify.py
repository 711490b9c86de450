"""A Python reader process for the stress tests: follows the synthetic stream of a ring until the
writer closes it, checks every row (sequence numbers, values, every blob byte) and prints one
JSON verdict. Usage: ring_verify.py RING_PATH [--from-oldest] [--delay-ms MS]."""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from daq_client.ring import RingReader, frames


def check(batch) -> tuple[int, int, list[str]]:
    seq = batch.column("seq_num").to_numpy()
    errors = []
    if len(seq) and np.any(seq != seq[0] + np.arange(len(seq))):
        errors.append(f"sequence numbers not consecutive from {seq[0]}")
    if np.any(batch.column("value").to_numpy() != seq / 2):
        errors.append(f"wrong value in rows {seq[0]}..{seq[-1]}")
    blob = frames(batch, "blob").reshape(len(seq), -1)
    expected = (seq[:, None] * 31 + np.arange(blob.shape[1])[None, :] * 7) & 0xFF
    if np.any(blob != expected):
        errors.append(f"wrong blob bytes in rows {seq[0]}..{seq[-1]}")
    return int(seq[0]), int(seq[-1]), errors


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--from-oldest", action="store_true")
    parser.add_argument("--delay-ms", type=float, default=0)
    args = parser.parse_args()
    ring = RingReader(args.path)
    verdict = {"rows": 0, "batches": 0, "lastSeq": 0, "overtaken": 0, "unexplainedGaps": 0, "errors": []}
    expected, overtaken_before, lapped = 0, 0, False
    for batch in ring.follow("synthetic", from_oldest=args.from_oldest):
        first, last, errors = check(batch)
        if not ring.is_valid(batch):
            lapped = True  # overwritten while we checked it: proves nothing, explains the gap after it
            continue
        verdict["errors"] += errors
        if verdict["batches"] and first < expected:
            verdict["errors"].append(f"seq {first} delivered again (expected {expected})")
        elif verdict["batches"] and first > expected and ring.overtaken == overtaken_before and not lapped:
            verdict["unexplainedGaps"] += 1
        overtaken_before, lapped, expected = ring.overtaken, False, last + 1
        verdict["lastSeq"] = last
        verdict["rows"] += batch.num_rows
        verdict["batches"] += 1
        if args.delay_ms:
            time.sleep(args.delay_ms / 1000)
    verdict["overtaken"] = ring.overtaken
    verdict["errors"] = verdict["errors"][:20]
    print(json.dumps(verdict), flush=True)


if __name__ == "__main__":
    main()
