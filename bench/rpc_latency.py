"""Unary RPC round trip from Python grpcio to the daemon (GetDaemonInfo): prints one JSON line.

    .venv/bin/python bench/rpc_latency.py HOST:PORT [--warmup 2000] [--calls 5000]
"""

import argparse
import json
import time

import grpc

from daq.v1 import control_pb2, control_pb2_grpc

parser = argparse.ArgumentParser()
parser.add_argument("address")
parser.add_argument("--warmup", type=int, default=2000)
parser.add_argument("--calls", type=int, default=5000)
args = parser.parse_args()

stub = control_pb2_grpc.ControlServiceStub(grpc.insecure_channel(args.address))
request = control_pb2.GetDaemonInfoRequest()
for _ in range(args.warmup):
    stub.GetDaemonInfo(request)
times = []
for _ in range(args.calls):
    t0 = time.perf_counter()
    stub.GetDaemonInfo(request)
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({"calls": args.calls, "p50_ms": times[len(times) // 2], "p99_ms": times[int(len(times) * 0.99)]}))
