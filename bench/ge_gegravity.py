"""gegravity (USITC, PyPI 0.3) on the Guide's ch.2 application 1 (trade without borders).

Anchor for bench/ge.sh. Uses the Guide's first-stage coefficients (gegravity estimates nothing
itself: it takes cost coefficients from elsewhere), sigma = 7, reference importer DEU, and the
counterfactual intl_brdr = 0. Tries the omr_rescale factors gegravity's own diagnostics
suggest, and reports for each: wall time, whether it solved, negative factory-gate prices, and
the real GDP gap to the Guide's published Stata results.

    /tmp/ge-venv/bin/python bench/ge_gegravity.py DATA.csv.gz STATA.csv [RESCALE ...]

Prints one JSON line per omr_rescale value.
"""
import json
import sys
import time
import warnings

t_import = time.perf_counter()
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import gegravity as ge  # noqa: E402

t_import = time.perf_counter() - t_import
warnings.filterwarnings("ignore")

data_path, stata_path = sys.argv[1], sys.argv[2]
rescales = [float(x) for x in sys.argv[3:]] or [1.0, 10.0, 100.0, 1000.0]

SIGMA = 7
# The Guide's Stata first stage (gravity_reference_estimates.csv).
COEFS = {"ln_dist": -0.7912879, "cntg": 0.6736456, "intl_brdr": -2.47445}

# Real GDP % change in the Guide's Stata results (from Y and IMR levels, as in its do-file).
st = pd.read_csv(stata_path)
inv = 1.0 / (1.0 - SIGMA)
stata_rgdp = dict(
    zip(
        st["country"],
        100 * ((st["Y_FULL"] / st["IMR_FULL"] ** inv) / (st["Y_BLN"] / st["IMR_BLN"] ** inv) - 1),
    )
)

for rescale in rescales:
    t0 = time.perf_counter()
    out = {"omr_rescale": rescale, "import_s": round(t_import, 3)}
    try:
        df = pd.read_csv(data_path)
        df = df.replace({"exporter": {"ZZZ": "DEU"}, "importer": {"ZZZ": "DEU"}})
        df["year"] = df["year"].astype(int).astype(str)
        # Output and expenditure as the Guide computes them: sums of the flows.
        df["Y"] = df.groupby("exporter")["trade"].transform("sum")
        df["E"] = df.groupby("importer")["trade"].transform("sum")
        base = ge.BaselineData(df, imp_var_name="importer", exp_var_name="exporter",
                               year_var_name="year", trade_var_name="trade",
                               expend_var_name="E", output_var_name="Y")
        est = pd.DataFrame({"var": list(COEFS), "beta": list(COEFS.values()),
                            "stderr": [0.05, 0.1, 0.1]})
        cc = ge.CostCoeffs(estimates=est, identifier_col="var", coeff_col="beta",
                           stderr_col="stderr")
        m = ge.OneSectorGE(base, year="2006", reference_importer="DEU", sigma=SIGMA,
                           cost_variables=list(COEFS), cost_coeff_values=cc, quiet=True)
        m.build_baseline(omr_rescale=rescale)
        exp = m.baseline_data.copy()
        exp["intl_brdr"] = 0
        m.define_experiment(exp)
        m.simulate()
        out["seconds"] = round(time.perf_counter() - t0, 3)
        res = m.country_results
        gdp = res["GDP change (percent)"]
        prices = m.factory_gate_prices
        pcol = [c for c in prices.columns if "price" in c.lower()]
        negative = []
        if pcol:
            p = prices.set_index(prices.columns[0])[pcol[-1]] if prices.index.name is None else prices[pcol[-1]]
            negative = sorted(str(k) for k, v in p.items() if v < 0)
        diag = m.solver_diagnostics
        out["solved"] = bool(diag["full_GE"]["success"])
        out["full_ge_message"] = str(diag["full_GE"]["message"])[:120]
        out["negative_price_countries"] = negative
        gaps = {c: abs(gdp[c] - stata_rgdp[c]) for c in gdp.index if c in stata_rgdp}
        ok = {c: g for c, g in gaps.items() if c not in negative}
        out["rgdp_gap_max_pp"] = round(max(ok.values()), 4)
        out["rgdp_gap_max_country"] = max(ok, key=ok.get)
        out["rgdp_gap_mean_pp"] = round(float(np.mean(list(ok.values()))), 4)
        out["CAN_rgdp"] = round(float(gdp.get("CAN", float("nan"))), 4)
    except Exception as e:  # gegravity raises ValueError when its MR solve fails
        out["seconds"] = round(time.perf_counter() - t0, 3)
        out["solved"] = False
        out["error"] = str(e).splitlines()[0][:200]
    print(json.dumps(out), flush=True)
