#!/usr/bin/env bash
# Runs a command while CPU hogs keep every core busy, to prove that tests do not depend on the
# machine's speed (`make test-under-load`). HOGS busy loops (default: one per core, `nproc`) run
# for the whole command and are always stopped: when it ends, fails, or is interrupted (Ctrl-C and
# SIGTERM are passed on to the command); a hog also stops by itself if this script is killed with
# SIGKILL.
#   scripts/with-cpu-hogs.sh make test
#   HOGS=8 scripts/with-cpu-hogs.sh npx vitest run src/scripting/abort.test.ts
# HOG_NICE=19 runs the hogs at that niceness (on a machine shared with others).
set -u
if [ $# -eq 0 ]; then
  echo "usage: [HOGS=N] [HOG_NICE=N] $0 COMMAND [ARG...]" >&2
  exit 2
fi
hogs=${HOGS:-$(nproc)}
hog_nice=${HOG_NICE:-0}
parent=$$
pids=()
cmd=

stop_hogs() {
  [ ${#pids[@]} -eq 0 ] && return
  kill "${pids[@]}" 2>/dev/null
  wait "${pids[@]}" 2>/dev/null
  pids=()
}
# The command runs in its own process group (job control on): a signal to this script is passed
# to all of it, as Ctrl-C in a terminal would be; `wait` below returns on a signal, a foreground
# command would delay it until the command ended.
pending=
forward() {
  if [ -z "$cmd" ]; then
    pending=$1
    return
  fi
  kill -"$1" -- "-$cmd" 2>/dev/null
}
trap stop_hogs EXIT
trap 'forward INT' INT
trap 'forward TERM' TERM

for ((i = 0; i < hogs; i++)); do
  # Spin; every 10k iterations check that this script still lives (no orphan hog after SIGKILL).
  (
    trap - INT TERM EXIT
    renice -n "$hog_nice" -p "$BASHPID" >/dev/null
    while kill -0 "$parent" 2>/dev/null; do
      for ((j = 0; j < 10000; j++)); do :; done
    done
  ) &
  pids+=($!)
done
echo "with-cpu-hogs: ${hogs} busy loop(s) on $(nproc) core(s) (pids ${pids[*]}) while: $*" >&2
set -m
"$@" &
cmd=$!
set +m
# A signal that came before the command started is passed on now.
[ -n "$pending" ] && forward "$pending"
while :; do
  wait "$cmd"
  status=$?
  kill -0 "$cmd" 2>/dev/null || break # a signal ended the wait, not the command: wait again
done
stop_hogs
echo "with-cpu-hogs: '$*' exited with ${status}; hogs stopped" >&2
exit "$status"
