#!/usr/bin/env bash
# Benchmark `balanza estimate` against pyfixest 0.60 (see bench/gravity.py for what is timed).
# Usage: bench/gravity.sh   (REPS=3, SKIP_ANCHOR=1 to reuse the last pyfixest run)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=/tmp/anchor-venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r ../shared/bench/requirements.txt
fi
[ -x target/release/balanza ] || cargo build --release --bin balanza
exec nice -n 10 "$VENV/bin/python" bench/gravity.py "$@"
