"""A notebook-style session with the daemon: run a scan, then look at it with pandas if present.

    daq daemon --config examples/lab.toml          # in another terminal
    python clients/python/examples/notebook_scan.py
"""

import daq_client

client = daq_client.Client("127.0.0.1:50051")
print("lab:", client.info()["lab"])
print("devices:", [d["name"] for d in client.devices()])

summary = client.run("examples/simple_scan.js", params={"steps": 10})
print(summary["exit_status"], summary["num_events"])

rows = [d["data"] | {"seq_num": d["seq_num"]} for d in client.follow(summary["uid"]) if d["kind"] == "event"]
try:
    import pandas as pd

    frame = pd.DataFrame(rows).drop(columns=["image"])
    print(frame)
except ImportError:
    for row in rows:
        print(row["seq_num"], row["position"], row["power"])
