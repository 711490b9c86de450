#!/usr/bin/env bash
# `make demo`: the simulated lab, the daemon, and an experiment run through the remote CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
DAQ="node dist/src/cli/main.js"
DATA=daq-data
mkdir -p "$DATA"

echo "== The simulated lab (examples/lab.toml) =="
$DAQ devices --config examples/lab.toml
echo

echo "== Starting the daemon (log: $DATA/daemon.log) =="
$DAQ daemon --config examples/lab.toml --listen 127.0.0.1:0 --http-listen "127.0.0.1:${DEMO_HTTP_PORT:-0}" --data-dir "$DATA" >"$DATA/daemon.out" 2>"$DATA/daemon.log" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  ADDRESS=$(grep -o 'listening on [^ ]*' "$DATA/daemon.out" 2>/dev/null | awk '{print $3}' || true)
  [[ -n "${ADDRESS:-}" ]] && break
  kill -0 $PID 2>/dev/null || { cat "$DATA/daemon.log"; exit 1; }
  sleep 0.1
done
echo "daemon listening on $ADDRESS"
for _ in $(seq 1 50); do
  DASHBOARD=$(grep -o 'dashboard: http://[^ ]*' "$DATA/daemon.log" 2>/dev/null | awk '{print $2}' || true)
  [[ -n "${DASHBOARD:-}" ]] && break
  sleep 0.1
done
echo "dashboard: ${DASHBOARD:-none (see $DATA/daemon.log)}"
echo

echo "== An experiment through the daemon: daq run examples/simple_scan.js --remote $ADDRESS =="
$DAQ run examples/simple_scan.js --remote "$ADDRESS" --param steps=8
echo

echo "== A DAQ card (simulated): 1 s of 10 kHz analog input into a run, locally (examples/lab-daq.toml) =="
$DAQ run examples/daq_stream.js --config examples/lab-daq.toml --param seconds=1 --no-save
echo

echo "== What the daemon knows: daq runs --remote $ADDRESS =="
$DAQ runs --remote "$ADDRESS"
echo
cat <<MSG
Where to look:
  - the daemon's log:      $DATA/daemon.log   (who did what: $DATA/audit.log)
  - more experiments:      examples/*.js, examples/peak_search.ts, docs/scripting.md
  - daq on your PATH:       make install   (or npx daq ... in this checkout; docs/deploy.md)
  - check before running:  daq check examples/peak_search.ts --config examples/lab.toml
  - your own daemon:       daq daemon --config examples/lab.toml
                           daq run examples/multi_instrument.js --remote 127.0.0.1:50051
  - from Python:           .venv/bin/python -c "import daq_client; c = daq_client.Client('127.0.0.1:50051'); print(c.devices())"
  - the live data (ring):  $(grep -o 'ring buffer [^ ]*' "$DATA/daemon.log" | awk '{print $3}')
                           .venv/bin/python -m daq_client.ring <that path> scan    (after make python)
  - remote use, tokens:    docs/remote.md
  - the runs' HDF5 files:  $DATA/runs/   (h5dump -H, h5py, docs/data.md; catalog: $DATA/catalog.jsonl)
                           daq export <run uid> --format csv --remote $ADDRESS
  - the web dashboard:     ${DASHBOARD:-} (docs/dashboard.md)
MSG

# The dashboard with a scan in progress: a live scan runs in the background while the page is open.
KEEP_S=${DEMO_KEEP_S:-8}
echo "== A live scan to watch: open ${DASHBOARD:-the dashboard} (Plots: stream live, Camera, Time travel) =="
$DAQ run examples/live_scan.js --remote "$ADDRESS" --param sweeps=1000 >"$DATA/live_scan.out" 2>&1 &
LIVE=$!
trap 'kill $LIVE 2>/dev/null || true; kill -TERM $PID 2>/dev/null; wait $PID 2>/dev/null || true' EXIT
if [[ -t 0 && -z "${DEMO_KEEP_S:-}" ]]; then
  read -r -p "The scan runs until you press Enter (the daemon then stops). " _
else
  echo "(no terminal: stopping after ${KEEP_S} s; DEMO_KEEP_S=600 make demo keeps it up longer)"
  sleep "$KEEP_S"
fi
