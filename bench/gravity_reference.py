#!/usr/bin/env python3
"""Independent reference numbers for balanza's gravity tests, computed with pyfixest 0.60
at tight tolerances (fixef_tol 1e-13, iwls_tol 1e-14) on the shared data files and samples of
../shared/data/reference_results/gravity_reference_estimates.csv.

Run with the anchor venv:  /tmp/anchor-venv/bin/python bench/gravity_reference.py
Prints one line per model: id, N, then name=coef/se for the fixest ssc and for ssc with only
G/(G-1) (Stata ppmlhdfe's rule).
"""
import os
import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
from pyfixest.demeaners import MapDemeaner

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("BALANZA_SHARED_DATA", os.path.join(HERE, "..", "..", "shared", "data"))
DM = MapDemeaner(backend="rust", fixef_tol=1e-13)


def agtpa():
    d = pd.read_csv(os.path.join(DATA, "trade_flows/agtpa_gravity_panel_1986_2006.csv.gz"))
    d = d[d.year.isin(range(1986, 2007, 4))].copy()
    d["log_dist"] = np.log(d.dist)
    d["intl"] = (d.exporter != d.importer).astype(int)
    # Output and expenditure from all flows (domestic included), by country and year.
    d["Y"] = d.groupby(["exporter", "year"]).trade.transform("sum")
    d["E"] = d.groupby(["importer", "year"]).trade.transform("sum")
    d["Y_t"] = d.groupby("year").trade.transform("sum")
    d["log_y"] = np.log(d.Y)
    d["log_e"] = np.log(d.E)
    # Remoteness (Guide ch.1 app.1): REM_EXP_it = sum_j dist_ij / (E_jt / Y_t),
    # REM_IMP_jt = sum_i dist_ij / (Y_it / Y_t).
    d["rx"] = d.dist / (d.E / d.Y_t)
    d["ri"] = d.dist / (d.Y / d.Y_t)
    d["log_remoteness_exp"] = np.log(d.groupby(["exporter", "year"]).rx.transform("sum"))
    d["log_remoteness_imp"] = np.log(d.groupby(["importer", "year"]).ri.transform("sum"))
    d["exp_year"] = d.exporter + d.year.astype(str)
    d["imp_year"] = d.importer + d.year.astype(str)
    d["pair"] = np.where(d.intl == 1, d.pair_id, -1)
    for y in range(1986, 2007, 4):
        d[f"log_dist_{y}"] = d.log_dist * (d.year == y)
    d["ltrade"] = np.where(d.trade > 0, np.log(d.trade.where(d.trade > 0, 1)), np.nan)
    return d


def fixest_trade():
    d = pd.read_csv(os.path.join(DATA, "trade_flows/fixest_trade_eu15_2007_2016.csv.gz"))
    d["ldist"] = np.log(d.dist_km)
    d["lEuros"] = np.log(d.Euros)
    return d


def run(mid, kind, fml, data, vcov):
    kw = dict(vcov=vcov, demeaner=DM)
    if kind == "pois":
        kw["iwls_tol"] = 1e-14
    out = []
    for name, ssc in (("fixest", pf.ssc()), ("g_only", pf.ssc(k_adj=False, G_adj=True))):
        f = (pf.fepois if kind == "pois" else pf.feols)(fml, data=data, ssc=ssc, **kw)
        out.append((name, f))
    f0 = out[0][1]
    cells = [f"{k}={f0.coef()[k]:.15g}/{out[0][1].se()[k]:.15g}/{out[1][1].se()[k]:.15g}"
             for k in f0.coef().index]
    print(mid, int(f0._N), " ".join(cells), flush=True)


d = agtpa()
intl = d[d.intl == 1]
pos = intl[intl.trade > 0]
crv = {"CRV1": "pair_id"}
run("agtpa_ch1_app1_m1", "ols", "ltrade ~ log_dist + cntg + lang + clny + log_y + log_e", pos, crv)
run("agtpa_ch1_app1_m2", "ols", "ltrade ~ log_dist + cntg + lang + clny + log_y + log_e"
    " + log_remoteness_exp + log_remoteness_imp", pos, crv)
run("agtpa_ch1_app1_m3", "ols", "ltrade ~ log_dist + cntg + lang + clny | exp_year + imp_year", pos, crv)
run("agtpa_ch1_app1_m4_ppml", "pois", "trade ~ log_dist + cntg + lang + clny | exp_year + imp_year", intl, crv)
run("agtpa_ch1_app2_ppml_distance_puzzle", "pois",
    "trade ~ " + " + ".join(f"log_dist_{y}" for y in range(1986, 2007, 4))
    + " + cntg + lang + clny | exp_year + imp_year", intl, crv)
run("agtpa_ch1_app3_m2_ppml_rta", "pois", "trade ~ log_dist + cntg + lang + clny + rta | exp_year + imp_year", intl, crv)
run("agtpa_ch1_app3_m3_ppml_domestic", "pois",
    "trade ~ log_dist + cntg + lang + clny + rta | exp_year + imp_year + intl", d, crv)
run("agtpa_ch1_app3_m4_ppml_pairfe", "pois", "trade ~ rta | exp_year + imp_year + pair", d, crv)
run("agtpa_ch1_app3_m5_ppml_lead", "pois", "trade ~ rta + rta_lead4 | exp_year + imp_year + pair", d, crv)
twb = pd.read_csv(os.path.join(DATA, "trade_flows/agtpa_ch2_trade_without_border_2006.csv.gz"))
run("agtpa_ch2_app1_trade_without_borders", "pois", "trade ~ ln_dist + cntg + intl_brdr | exporter + importer", twb, "hetero")
t = fixest_trade()
run("fixest_trade_pois_4fe", "pois", "Euros ~ ldist | Origin + Destination + Product + Year", t, {"CRV1": "Origin"})
run("fixest_trade_pois_4fe_twoway", "pois", "Euros ~ ldist | Origin + Destination + Product + Year", t, {"CRV1": "Origin + Destination"})
run("fixest_trade_pois_4fe_product", "pois", "Euros ~ ldist | Origin + Destination + Product + Year", t, {"CRV1": "Product"})
run("fixest_trade_pois_nofe", "pois", "Euros ~ ldist", t, {"CRV1": "Origin + Destination"})
run("fixest_trade_ols_4fe", "ols", "lEuros ~ ldist | Origin + Destination + Product + Year", t, {"CRV1": "Origin + Destination"})
run("fixest_trade_pois_year_dest", "pois", "Euros ~ ldist | Year + Destination", t, {"CRV1": "Origin + Destination"})
run("fixest_trade_pois_year_dest_origin", "pois", "Euros ~ ldist | Year + Destination + Origin", t, {"CRV1": "Origin + Destination"})
