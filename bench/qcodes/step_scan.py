#!/usr/bin/env python3
"""QCoDeS baseline for the ts-daq step-scan benchmark.

Two ways of running a 1-D step scan with instant dummy instruments: a motor
Parameter that is set (set_cmd stores the value) and a detector Parameter that
is got (get_cmd computes a noiseless Gaussian of the motor's position, no I/O):

- ``measurement``: QCoDeS' ``Measurement`` context with both parameters
  registered (the detector with the motor as setpoint), one
  ``datasaver.add_result((motor, x), (det, det.get()))`` per point, into a
  sqlite database in a temporary directory (default write period), the run's
  open and close included;
- ``bare``: the bare ``motor.set(x); det.get()`` loop, nothing stored.

Per point = (t_N - t_small) / (N - small): each round times a small scan
(default 10 points) and an N-point scan (default 10,000) back to back, so the
fixed cost of a run (creating the dataset, the first write, the last flush)
cancels; the figure is the median over the rounds (default 3), after an
untimed warm-up scan. Wall time is time.perf_counter, CPU time
time.process_time (this process, all threads).

stdout gets exactly one JSON line:

  {"tool":"qcodes","qcodes":"0.58.0","points":10000,"small":10,"rounds":3,
   "measurement_per_point_us":...,"measurement_cpu_per_point_us":...,
   "bare_per_point_us":...,"bare_cpu_per_point_us":...,"results":10000}

(results: the rows of the last N-point dataset, read back from the database.)
Everything else (warnings, log records) goes to stderr. Exit status: 0 on
success, 1 if a dataset does not hold one row per point, 2 on bad arguments.

Usage: build/bench-venv/bin/python bench/qcodes/step_scan.py [--points N] [--small S] [--rounds R]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=_positive_int, default=10_000,
                        help="points of the long scan (default 10000)")
    parser.add_argument("--small", type=_positive_int, default=10,
                        help="points of the short scan (default 10)")
    parser.add_argument("--rounds", type=_positive_int, default=3,
                        help="interleaved rounds; the median is printed (default 3)")
    args = parser.parse_args(argv)
    if args.small >= args.points:
        parser.error("--small must be less than --points")

    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    with tempfile.TemporaryDirectory(prefix="qcodes-bench-") as tmp:
        # QCoDeS reads its config (and may write logs) under these directories.
        os.environ["QCODES_USER_PATH"] = tmp
        try:
            result = _bench(args, tmp)
        finally:
            sys.stdout = real_stdout
    if result is None:
        return 1
    sys.stdout.write(json.dumps(result, separators=(",", ":")) + "\n")
    sys.stdout.flush()
    return 0


def _bench(args: argparse.Namespace, tmp: str) -> dict | None:
    import qcodes
    from qcodes.dataset import (Measurement, initialise_or_create_database_at,
                                load_or_create_experiment)
    from qcodes.parameters import Parameter

    initialise_or_create_database_at(os.path.join(tmp, "bench.db"))
    experiment = load_or_create_experiment("bench", sample_name="none")

    motor = Parameter("motor", label="Motor", unit="mm", set_cmd=None,
                      initial_value=0.0)
    det = Parameter("det", label="Detector", unit="W",
                    get_cmd=lambda: math.exp(-motor.cache.get() ** 2 / 2))

    def positions(n: int) -> list[float]:
        return [i / max(1, n - 1) for i in range(n)]

    def measurement(n: int) -> tuple[float, float, int]:
        meas = Measurement(exp=experiment, name=f"scan{n}")
        meas.register_parameter(motor)
        meas.register_parameter(det, setpoints=(motor,))
        xs = positions(n)
        t0, c0 = time.perf_counter(), time.process_time()
        with meas.run() as datasaver:
            for x in xs:
                motor.set(x)
                datasaver.add_result((motor, x), (det, det.get()))
        t1, c1 = time.perf_counter(), time.process_time()
        return t1 - t0, c1 - c0, datasaver.dataset.number_of_results

    def bare(n: int) -> tuple[float, float, int]:
        xs = positions(n)
        t0, c0 = time.perf_counter(), time.process_time()
        for x in xs:
            motor.set(x)
            det.get()
        t1, c1 = time.perf_counter(), time.process_time()
        return t1 - t0, c1 - c0, n

    def per_point(scan) -> tuple[float, float, int]:
        scan(args.small)  # warm-up
        walls, cpus, rows = [], [], 0
        for _ in range(args.rounds):
            small_wall, small_cpu, small_rows = scan(args.small)
            long_wall, long_cpu, rows = scan(args.points)
            if small_rows != args.small or rows != args.points:
                raise RuntimeError(f"{scan.__name__}: {small_rows} and {rows} rows, "
                                   f"expected {args.small} and {args.points}")
            walls.append((long_wall - small_wall) / (args.points - args.small))
            cpus.append((long_cpu - small_cpu) / (args.points - args.small))
        return statistics.median(walls) * 1e6, statistics.median(cpus) * 1e6, rows

    try:
        meas_wall, meas_cpu, results = per_point(measurement)
        bare_wall, bare_cpu, _ = per_point(bare)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return None
    return {
        "tool": "qcodes",
        "qcodes": qcodes.__version__,
        "points": args.points,
        "small": args.small,
        "rounds": args.rounds,
        "measurement_per_point_us": round(meas_wall, 3),
        "measurement_cpu_per_point_us": round(meas_cpu, 3),
        "bare_per_point_us": round(bare_wall, 3),
        "bare_cpu_per_point_us": round(bare_cpu, 3),
        "results": results,
    }


if __name__ == "__main__":
    sys.exit(main())
