#!/usr/bin/env bash
# Leontief inverse and footprints on a 3,000 x 3,000 system: balanza (faer) beside numpy.
#
#   bench/leontief.sh [N] [REPS]        (defaults 3000 and 3; run from the repository root)
#
# Build the CLI first (cargo build --release --bin balanza) to also time `balanza jobs` end to
# end on the same system written as CSV.
#
# Anchor (../shared/bench/README.md, 2 cores, loaded machine): numpy 2.4 inv 2.7-2.9 s,
# footprints (S @ L @ Y, 20 x 40) 0.2 s; faer LU + inverse 1.4 s idle / 2.3 s loaded.
# numpy goes into a venv in /tmp (never in the repo): $IO_VENV, default /tmp/io-venv.
# Both sides read the same binary files written by the Rust generator, run under nice -n 10
# one after the other (never at the same time), and print the best of REPS.
set -euo pipefail
N=${1:-3000}
REPS=${2:-3}
DIR=${IO_BENCH_DIR:-/tmp/io-bench}
VENV=${IO_VENV:-/tmp/io-venv}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q numpy
fi
cargo build --release -q -p balanza-leontief --example leontief_bench
BIN=target/release/examples/leontief_bench
"$BIN" gen --n "$N" --k 20 --f 40 --seed 1 --dir "$DIR"

echo "system: $N x $N, 20 satellite rows, 40 final-demand columns, best of $REPS ($(nproc) cores)"
RUST=$(nice -n 10 "$BIN" run --dir "$DIR" --reps "$REPS")
# numpy's OpenBLAS uses every core by default, as faer's rayon pool does.
PY=$(nice -n 10 "$VENV/bin/python" bench/leontief_numpy.py --dir "$DIR" --reps "$REPS")
echo "$RUST"
echo "$PY"
"$VENV/bin/python" - "$RUST" "$PY" <<'PYEOF'
import json, sys
r, p = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"{'step':<12} {'balanza s':>10} {'numpy s':>10} {'numpy/balanza':>14}")
for key, name in [("inverse_s", "inverse"), ("footprints_s", "footprints"), ("solve_path_s", "solve path")]:
    print(f"{name:<12} {r[key]:>10.3f} {p[key]:>10.3f} {p[key] / r[key]:>14.2f}")
tot_r, tot_p = r["inverse_s"] + r["footprints_s"], p["inverse_s"] + p["footprints_s"]
print(f"{'L+footprint':<12} {tot_r:>10.3f} {tot_p:>10.3f} {tot_p / tot_r:>14.2f}   (ratio > 1: balanza faster)")
rel = abs(r["checksum_footprints"] - p["checksum_footprints"]) / abs(p["checksum_footprints"])
rel2 = abs(r["checksum_solve"] - p["checksum_footprints"]) / abs(p["checksum_footprints"])
print(f"footprint checksums agree to {rel:.1e} (inverse path), {rel2:.1e} (solve path)")
print("anchor: numpy inv 2.7-2.9 s, footprints 0.2 s; faer LU+inverse 1.4 s idle / 2.3 s loaded")
PYEOF

# End to end: the same A as a multi-regional CSV folder (60 regions x 50 sectors, 2 satellites),
# through `balanza jobs` (parse, validate, LU, pymrio accounts, content of gross exports).
if [ -x target/release/balanza ] && [ "$N" -ge 50 ]; then
  "$BIN" csv --dir "$DIR" --out "$DIR/mrio"
  /usr/bin/time -f "balanza jobs --io $DIR/mrio (all regions): %e s wall, %M KB peak" \
    nice -n 10 target/release/balanza jobs --io "$DIR/mrio" --format csv > /dev/null
fi
