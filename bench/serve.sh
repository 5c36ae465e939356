#!/usr/bin/env bash
# Benchmark: `balanza serve` under 200 concurrent requests on loopback, cold (first burst) and
# warm (the same burst again), on the BACI sample of ../shared/data with the LDC scenario.
#
# The mix is the one of the end-to-end test `dashboard_holds_200_concurrent_requests`: health,
# listings, the page, malformed requests (400/404), balance, the scenario and the page with
# charts. Prints errors, total wall time and latency percentiles per burst. Compare two
# binaries with BALANZA_BIN=/path/to/old/balanza bench/serve.sh.
#
# Usage: bench/serve.sh   (uses target/release/balanza; build it first)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BALANZA_BIN:-$ROOT/target/release/balanza}
DATA=${BALANZA_SHARED_DATA:-$ROOT/../shared/data}
DIR=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$DIR"' EXIT INT TERM
mkdir -p "$DIR/scenarios"
"$BIN" ingest "$DATA/trade_flows/baci_hs17_2020_exports_afg_zaf.csv.gz" --hs-revision HS2017 \
  --out "$DIR/baci.parquet" > /dev/null 2>&1
cat > "$DIR/scenarios/ldc.toml" <<TOML
name = "China: zero tariffs for LDCs (flat MFN 8 %)"
model = "smart"
importer = "CHN"
base_year = 2020
date = 2024-12-01
[data]
flows = "$DIR/baci.parquet"
mfn_rate_pct = 8
[[measures]]
name = "LDC zero tariff"
partners = "ldc and china_relations"
products = "all"
set_rate_pct = 0
TOML
"$BIN" serve --data "$DIR" --port 0 --refdata "$DATA/classification" > "$DIR/serve.log" 2>&1 &
PID=$!
for _ in $(seq 100); do grep -q listening "$DIR/serve.log" 2>/dev/null && break; sleep 0.05; done
ADDR=$(sed -n 's#.*http://\([^/]*\)/.*#\1#p' "$DIR/serve.log" | head -1)
python3 - "$ADDR" <<'PY'
import http.client, sys, threading, time
host, port = sys.argv[1].rsplit(":", 1)
mix = [("/api/health", 200), ("/api/datasets", 200), ("/", 200),
       ("/api/balance?dataset=x&reporter=C1N", 400), ("/api/balance?foo=1", 400),
       ("/api/nothing-here", 404),
       ("/api/balance?dataset=baci.parquet&reporter=ZAF", 200),
       ("/api/balance?dataset=baci.parquet&reporter=zaf&by=year", 200),
       ("/api/composition?dataset=baci.parquet&reporter=ZAF&flow=exports", 200),
       ("/api/scenario?scenario=scenarios%2Fldc.toml", 200),
       ("/?dataset=baci.parquet&reporter=ZAF&scenario=scenarios%2Fldc.toml", 200),
       ("/api/balance?dataset=baci.parquet&reporter=XXK", 400)]
def burst(n=200):
    barrier = threading.Barrier(n)
    res = [None] * n
    def one(i):
        path, want = mix[i % len(mix)]
        barrier.wait()
        t = time.perf_counter()
        try:
            c = http.client.HTTPConnection(host, int(port), timeout=60)
            c.request("GET", path)
            r = c.getresponse(); r.read()
            ok = r.status == want
            err = None if ok else f"{path}: {r.status} (want {want})"
        except Exception as e:
            err = f"{path}: {e}"
        res[i] = (time.perf_counter() - t, err)
    t0 = time.perf_counter()
    ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in ts: t.start()
    for t in ts: t.join()
    wall = time.perf_counter() - t0
    lat = sorted(r[0] for r in res)
    errs = [r[1] for r in res if r[1]]
    pct = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))]
    return wall, pct(0.5), pct(0.95), lat[-1], errs
for name in ("cold", "warm"):
    wall, p50, p95, mx, errs = burst()
    print(f"{name}: 200 requests, {len(errs)} errors, wall {wall:.3f} s, "
          f"p50 {p50*1000:.0f} ms, p95 {p95*1000:.0f} ms, max {mx*1000:.0f} ms")
    for e in errs[:5]: print("  ", e)
PY
