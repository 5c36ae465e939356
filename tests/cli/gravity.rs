//! End-to-end tests of `balanza estimate`: published estimates reproduced through the command
//! line (JSON output), and the documented errors on bad input.
//!
//! Reference numbers: ../shared/data/reference_results/gravity_reference_estimates.csv (each
//! test names its row); the crate's tests/reference.rs checks every row of that file.

use crate::common::{run, scratch, shared, stderr, stdout};
use serde_json::Value;

fn estimate_json(args: &[&str]) -> Value {
    let mut all = vec!["estimate"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    let o = run(&all);
    assert!(o.status.success(), "balanza {all:?} failed: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("JSON output")
}

fn coef(v: &Value, name: &str) -> (f64, f64) {
    let c = v["coefficients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no coefficient {name} in {v}"));
    (
        c["estimate"].as_f64().unwrap(),
        c["std_error"].as_f64().unwrap(),
    )
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn trade_without_borders_matches_stata() {
    // Row agtpa_ch2_app1_trade_without_borders: Yotov et al. (2016) Stata log, ppml with
    // exporter and importer fixed effects, robust SEs (Stata's n/(n-1) rule = --ssc ppmlhdfe).
    let Some(data) = shared("trade_flows/agtpa_ch2_trade_without_border_2006.csv.gz") else {
        return;
    };
    let v = estimate_json(&[
        "--data",
        data.to_str().unwrap(),
        "--formula",
        "trade ~ ln_dist + cntg + intl_brdr | exporter + importer",
        "--vcov",
        "hetero",
        "--ssc",
        "ppmlhdfe",
    ]);
    assert_eq!(v["nobs"], 4761);
    assert_eq!(v["converged"], true);
    for (name, b, se) in [
        ("ln_dist", -0.7912879, 0.0501494),
        ("cntg", 0.6736456, 0.1073719),
        ("intl_brdr", -2.47445, 0.1193816),
    ] {
        let (eb, ese) = coef(&v, name);
        assert!(close(eb, b, 5e-7), "{name}: {eb} vs {b}");
        assert!(close(ese, se, 5e-7), "{name} SE: {ese} vs {se}");
    }
}

#[test]
fn guide_rta_with_pair_fixed_effects_and_where() {
    // Row agtpa_ch1_app3_m4_ppml_pairfe: rta 0.557 (0.102), N = 28,482; Stata's G/(G-1) rule.
    let Some(data) = shared("trade_flows/agtpa_gravity_panel_1986_2006.csv.gz") else {
        return;
    };
    let v = estimate_json(&[
        "--data",
        data.to_str().unwrap(),
        "--formula",
        "trade ~ rta | exporter^year + importer^year + pair_id",
        "--where",
        "year in (1986, 1990, 1994, 1998, 2002, 2006)",
        "--vcov",
        "cluster:pair_id",
        "--ssc",
        "ppmlhdfe",
    ]);
    assert_eq!(v["nobs"], 28482);
    let (b, se) = coef(&v, "rta");
    assert!(
        close(b, 0.557, 5e-4) && close(se, 0.102, 5e-4),
        "rta {b} ({se})"
    );
    // pyfixest 0.60 at tight tolerances (bench/gravity_reference.py): 0.557185335590333.
    assert!(((b - 0.557185335590333) / b).abs() < 1e-6);
    assert_eq!(v["dropped"]["separated_fe"], 84);
    assert_eq!(v["filtered_out"], 99981 - 28566);
}

#[test]
fn guide_ols_on_logs_drops_zeros_and_reports_them() {
    // Row agtpa_ch1_app1_m3: OLS ln(trade), exporter-year + importer-year FE, international
    // flows with trade > 0: log_dist -1.216 (0.038), N = 25,689.
    let Some(data) = shared("trade_flows/agtpa_gravity_panel_1986_2006.csv.gz") else {
        return;
    };
    let v = estimate_json(&[
        "--data",
        data.to_str().unwrap(),
        "--formula",
        "log(trade) ~ log(dist) + cntg + lang + clny | exporter^year + importer^year",
        "--where",
        "year in (1986, 1990, 1994, 1998, 2002, 2006) and exporter != importer",
        "--estimator",
        "ols",
        "--vcov",
        "cluster:pair_id",
        "--ssc",
        "ppmlhdfe",
    ]);
    assert_eq!(v["nobs"], 25689);
    let (b, se) = coef(&v, "log(dist)");
    assert!(
        close(b, -1.216, 5e-4) && close(se, 0.038, 5e-4),
        "log(dist) {b} ({se})"
    );
    // 28,152 international flows in the sample, 2,463 of them zero: log() drops them.
    assert_eq!(v["dropped"]["invalid_dependent"], 28152 - 25689);
}

#[test]
fn fixest_vignette_two_way_clustering_and_fe_out() {
    // Row fixest_trade_pois_4fe_twoway: -1.52787 (0.130734), fixest's default conventions.
    let Some(data) = shared("trade_flows/fixest_trade_eu15_2007_2016.csv.gz") else {
        return;
    };
    let dir = scratch("gravity-feout");
    let fe = dir.join("fe.csv");
    let v = estimate_json(&[
        "--data",
        data.to_str().unwrap(),
        "--formula",
        "Euros ~ log(dist_km) | Origin + Destination + Product + Year",
        "--vcov",
        "cluster:Origin+Destination",
        "--fe-out",
        fe.to_str().unwrap(),
    ]);
    let (b, se) = coef(&v, "log(dist_km)");
    assert!(
        close(b, -1.52787, 5e-6) && close(se, 0.130734, 5e-7),
        "{b} ({se})"
    );
    let text = std::fs::read_to_string(&fe).expect("fe file");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "fe,level,estimate,exp_estimate");
    // 15 origins + 15 destinations + 20 products + 10 years.
    assert_eq!(lines.len() - 1, 15 + 15 + 20 + 10);
    assert!(lines.iter().any(|l| l.starts_with("Origin,DE,")));
}

fn write_csv(name: &str, text: &str) -> std::path::PathBuf {
    let p = scratch(name).join("d.csv");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn bad_input_errors() {
    let p = write_csv(
        "gravity-bad",
        "y,x,g\n1,0.5,a\n2,0.7,a\n-3,0.1,b\n4,0.2,b\n-1,0.3,c\n2,0.9,c\n",
    );
    let f = p.to_str().unwrap();
    let err = |args: &[&str]| {
        let mut all = vec!["estimate", "--data", f];
        all.extend_from_slice(args);
        let o = run(&all);
        assert_eq!(o.status.code(), Some(2), "expected exit 2 for {args:?}");
        stderr(&o)
    };
    let e = err(&["--formula", "y ~ z | g"]);
    assert!(
        e.contains("unknown column `z`") && e.contains("y, x, g"),
        "{e}"
    );
    let e = err(&["--formula", "y ~ x | g"]);
    assert!(
        e.contains("2 rows") && e.contains("row 3") && e.contains("-3"),
        "{e}"
    );
    let e = err(&["--formula", "y ~ x + * 2 | g"]);
    assert!(e.contains("character 9") && e.contains("^"), "{e}");
    let e = err(&[
        "--formula",
        "y ~ x | g",
        "--where",
        "x > 5",
        "--estimator",
        "ols",
    ]);
    assert!(e.contains("no row satisfies"), "{e}");
    let e = err(&["--formula", "y ~ x | g", "--where", "x >> 5"]);
    assert!(e.contains("filter at character"), "{e}");
}

#[test]
fn non_convergence_prints_then_fails() {
    let p = write_csv(
        "gravity-noconv",
        "y,x,g\n1,0.5,a\n2,0.7,a\n3,0.1,b\n4,0.2,b\n1,0.3,c\n2,0.9,c\n5,0.4,a\n",
    );
    let o = run(&[
        "estimate",
        "--data",
        p.to_str().unwrap(),
        "--formula",
        "y ~ x | g",
        "--max-iter",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("\"converged\": false"));
    assert!(
        stderr(&o).contains("did not converge in 1 iterations"),
        "{}",
        stderr(&o)
    );
}
