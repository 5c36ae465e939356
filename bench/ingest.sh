#!/usr/bin/env bash
# Ingest benchmark: balanza ingest vs DuckDB CSV -> Parquet on the same 11-million-row
# BACI-format file (../shared/bench/baci_synth.py, seeded). Prints rows/s, wall time, peak RSS
# and the ratio balanza / DuckDB (< 1 means balanza is faster). Goal (issue 2): ratio <= 1.5.
#
#   bench/ingest.sh                 # 11M rows (about one BACI year), ~2 min to generate once
#   ROWS=1000000 bench/ingest.sh    # a quick run
#
# Needs: target/release/balanza (cargo build --release --bin balanza), python3, /usr/bin/time,
# and DuckDB from PyPI in $VENV (created here when missing: python3 -m venv; pip install duckdb).
# Run one heavy job at a time; it runs under `nice -n 10`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-11000000}
BENCH_DIR=${BENCH_DIR:-/tmp/balanza-bench}
VENV=${VENV:-/tmp/anchor-venv}
SHARED=${BALANZA_SHARED_DATA:-../shared/data}
BIN=${BIN:-target/release/balanza}
mkdir -p "$BENCH_DIR"
CSV="$BENCH_DIR/baci_synth_$((ROWS / 1000000))M.csv"
[ "$ROWS" -lt 1000000 ] && CSV="$BENCH_DIR/baci_synth_${ROWS}.csv"

if [ ! -s "$CSV" ]; then
  echo "generating $CSV ($ROWS rows)..." >&2
  python3 ../shared/bench/baci_synth.py --rows "$ROWS" --out "$CSV"
fi

# The generator draws numeric codes 4, 8, ..., 800, not all of which are in BACI's list: extend
# BACI's code file with made-up ISO3-like codes (Z + digits) for the missing ones, so every row
# is translated (balanza does that work on every row; DuckDB keeps the numbers).
CODES="$BENCH_DIR/baci_codes_synth.csv"
python3 - "$SHARED/countries/baci_country_codes_V202201.csv" "$CODES" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
have = {int(r[0]) for r in rows[1:]}
with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerows(rows)
    for c in range(4, 900, 4):
        if c not in have:
            w.writerow([c, f"Synthetic {c}", f"Synthetic {c}", "", f"Z{c:03d}"])
PY

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c "import duckdb" 2>/dev/null || "$VENV/bin/pip" install -q duckdb

measure() { # name, command...: prints "wall_s rss_mb"
  local log="$BENCH_DIR/time_$1.log"; shift
  /usr/bin/time -v nice -n 10 "$@" >"$log.out" 2>"$log"
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
  echo "$wall $rss"
}

OUT_B="$BENCH_DIR/balanza.parquet"
OUT_D="$BENCH_DIR/duckdb.parquet"
rm -f "$OUT_B" "$OUT_D"
read -r B_WALL B_RSS < <(measure balanza "$BIN" ingest "$CSV" --country-codes "$CODES" --hs-revision HS2017 --out "$OUT_B")
read -r D_WALL D_RSS < <(measure duckdb "$VENV/bin/python" -c "
import duckdb, sys
con = duckdb.connect()
con.execute('SET threads=2')
con.execute(\"COPY (SELECT * FROM read_csv('$CSV', header=true, columns={'t':'INTEGER','i':'INTEGER','j':'INTEGER','k':'VARCHAR','v':'DOUBLE','q':'DOUBLE'})) TO '$OUT_D' (FORMAT parquet)\")
")
python3 - "$ROWS" "$B_WALL" "$B_RSS" "$D_WALL" "$D_RSS" "$OUT_B" "$OUT_D" <<'PY'
import os, sys
rows, bw, br, dw, dr = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
sb, sd = os.path.getsize(sys.argv[6]) / 1e6, os.path.getsize(sys.argv[7]) / 1e6
print(f"{'tool':<8} {'wall_s':>7} {'rows/s':>12} {'peak_RSS_MB':>12} {'parquet_MB':>11}")
print(f"{'balanza':<8} {bw:>7.2f} {rows / bw:>12,.0f} {br:>12.0f} {sb:>11.0f}")
print(f"{'duckdb':<8} {dw:>7.2f} {rows / dw:>12,.0f} {dr:>12.0f} {sd:>11.0f}")
print(f"ratio balanza/duckdb wall time: {bw / dw:.2f} (goal <= 1.5); peak memory ratio {br / dr:.2f}")
PY
