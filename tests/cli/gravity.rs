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

/// Writes the same synthetic panel as CSV and as Parquet (two row groups; text exporter and
/// importer, INT32 year, INT64 pair, DOUBLE trade and distance, nullable DOUBLE rta).
fn write_panel_csv_and_parquet(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use std::sync::Arc;
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut unif = move || {
        // xorshift64*: a fixed, platform-independent sequence.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut exp, mut imp, mut year, mut pair) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut trade, mut dist, mut rta) = (Vec::new(), Vec::new(), Vec::new());
    for e in 0..12 {
        for i in 0..12 {
            let d = 300.0 + 9000.0 * unif();
            for t in 2000..2005 {
                let r = if unif() < 0.3 { 1.0 } else { 0.0 };
                let mu = (8.0 + 0.4 * r - 0.9 * f64::ln(d) + 0.1 * f64::from(e % 5)).exp() * 1e3;
                exp.push(format!("E{e:02}"));
                imp.push(format!("E{i:02}"));
                year.push(t);
                pair.push(i64::from(e * 100 + i));
                trade.push((mu * 2.0 * unif()).floor());
                dist.push(d);
                // Every 17th rta missing: dropped as missing from both files.
                rta.push(if (e * 12 + i + t) % 17 == 0 {
                    None
                } else {
                    Some(r)
                });
            }
        }
    }
    let csv = dir.join("panel.csv");
    let mut s = String::from("exporter,importer,year,pair,trade,dist,rta\n");
    for k in 0..trade.len() {
        let r = rta[k].map(|x| x.to_string()).unwrap_or_default();
        s.push_str(&format!(
            "{},{},{},{},{},{},{r}\n",
            exp[k], imp[k], year[k], pair[k], trade[k], dist[k]
        ));
    }
    std::fs::write(&csv, s).unwrap();
    let pq = dir.join("panel.parquet");
    let schema = Arc::new(
        parquet::schema::parser::parse_message_type(
            "message panel { REQUIRED BYTE_ARRAY exporter (UTF8); REQUIRED BYTE_ARRAY importer (UTF8);
             REQUIRED INT32 year; REQUIRED INT64 pair; REQUIRED DOUBLE trade; REQUIRED DOUBLE dist;
             OPTIONAL DOUBLE rta; }",
        )
        .unwrap(),
    );
    let file = std::fs::File::create(&pq).unwrap();
    let mut w =
        SerializedFileWriter::new(file, schema, Arc::new(WriterProperties::builder().build()))
            .unwrap();
    let half = trade.len() / 2;
    for range in [0..half, half..trade.len()] {
        let mut rg = w.next_row_group().unwrap();
        let mut col = 0;
        while let Some(mut c) = rg.next_column().unwrap() {
            let text = |v: &[String]| -> Vec<ByteArray> {
                v[range.clone()]
                    .iter()
                    .map(|s| ByteArray::from(s.as_str()))
                    .collect()
            };
            match col {
                0 => c
                    .typed::<ByteArrayType>()
                    .write_batch(&text(&exp), None, None),
                1 => c
                    .typed::<ByteArrayType>()
                    .write_batch(&text(&imp), None, None),
                2 => c
                    .typed::<Int32Type>()
                    .write_batch(&year[range.clone()], None, None),
                3 => c
                    .typed::<Int64Type>()
                    .write_batch(&pair[range.clone()], None, None),
                4 => c
                    .typed::<DoubleType>()
                    .write_batch(&trade[range.clone()], None, None),
                5 => c
                    .typed::<DoubleType>()
                    .write_batch(&dist[range.clone()], None, None),
                _ => {
                    let part = &rta[range.clone()];
                    let defs: Vec<i16> = part.iter().map(|r| i16::from(r.is_some())).collect();
                    let vals: Vec<f64> = part.iter().flatten().copied().collect();
                    c.typed::<DoubleType>()
                        .write_batch(&vals, Some(&defs), None)
                }
            }
            .unwrap();
            c.close().unwrap();
            col += 1;
        }
        rg.close().unwrap();
    }
    w.close().unwrap();
    (csv, pq)
}

#[test]
fn parquet_input_gives_the_csv_estimates() {
    // The same numbers written as CSV and as Parquet must give the same fit (1e-12 relative):
    // text and integer columns as fixed effects, clusters and in --where, nulls as missing.
    let dir = scratch("gravity-parquet");
    let (csv, pq) = write_panel_csv_and_parquet(&dir);
    let args = |data: &std::path::Path| {
        estimate_json(&[
            "--data",
            data.to_str().unwrap(),
            "--formula",
            "trade ~ rta + log(dist) | exporter^year + importer",
            "--where",
            "year != 2002 and exporter != importer and exporter != 'E03'",
            "--vcov",
            "cluster:pair",
        ])
    };
    let (a, b) = (args(&csv), args(&pq));
    assert_eq!(a["converged"], true);
    assert_eq!(a["nobs"], b["nobs"]);
    assert_eq!(a["dropped"], b["dropped"]);
    assert_eq!(a["filtered_out"], b["filtered_out"]);
    assert!(a["dropped"]["missing"].as_u64().unwrap() > 0, "{a}");
    for name in ["rta", "log(dist)"] {
        let (ca, sa) = coef(&a, name);
        let (cb, sb) = coef(&b, name);
        assert!((ca - cb).abs() <= 1e-12 * ca.abs(), "{name}: {ca} vs {cb}");
        assert!(
            (sa - sb).abs() <= 1e-12 * sa.abs(),
            "{name} SE: {sa} vs {sb}"
        );
    }
    // A column the file lacks: the error lists the Parquet file's columns.
    let o = run(&[
        "estimate",
        "--data",
        pq.to_str().unwrap(),
        "--formula",
        "trade ~ tariff | exporter",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown column `tariff`"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("exporter, importer, year, pair"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn large_plain_csv_is_read_in_place_with_true_line_numbers() {
    // The Guide's panel uncompressed (7.5 MB) takes the mapped, two-thread path of the reader;
    // it must give exactly the estimates of the gzip file (streaming path), and an error in
    // its second half must name the file's own line number.
    let Some(gz) = shared("trade_flows/agtpa_gravity_panel_1986_2006.csv.gz") else {
        return;
    };
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&gz).unwrap()),
        &mut text,
    )
    .unwrap();
    assert!(
        text.len() > 4 << 20,
        "the file must be large enough for the mapped path"
    );
    let dir = scratch("gravity-plain");
    let plain = dir.join("panel.csv");
    std::fs::write(&plain, &text).unwrap();
    let args = |p: &std::path::Path| {
        vec![
            "--data".to_string(),
            p.to_str().unwrap().to_string(),
            "--formula".into(),
            "trade ~ rta + log(dist) | exporter^year + importer^year".into(),
            "--where".into(),
            "exporter != importer".into(),
            "--vcov".into(),
            "cluster:pair_id".into(),
        ]
    };
    let a: Vec<String> = args(&gz);
    let b: Vec<String> = args(&plain);
    let va = estimate_json(&a.iter().map(String::as_str).collect::<Vec<_>>());
    let vb = estimate_json(&b.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(va["nobs"], vb["nobs"]);
    for name in ["rta", "log(dist)"] {
        assert_eq!(coef(&va, name), coef(&vb, name), "{name}");
    }
    // Line 90,001 of the file (header = line 1) loses a field.
    let mut lines: Vec<&str> = text.lines().collect();
    let broken = lines[90_000].rsplit_once(',').unwrap().0.to_string();
    lines[90_000] = &broken;
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let o = run(&std::iter::once("estimate")
        .chain(b.iter().map(|s| {
            if s == plain.to_str().unwrap() {
                bad.to_str().unwrap()
            } else {
                s.as_str()
            }
        }))
        .collect::<Vec<_>>());
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("line 90001") && e.contains("fields"), "{e}");
}

#[test]
fn factor_terms_match_hand_built_dummies() {
    // Guide ch. 1 app. 3 "globalization" specification: year-specific international-border
    // dummies, 2006 left out. fixest's i(year, x, ref = 2006) must give exactly the model
    // written with one comparison per year, under fixest's names.
    let Some(data) = shared("trade_flows/agtpa_gravity_panel_1986_2006.csv.gz") else {
        return;
    };
    let years = [1986, 1990, 1994, 1998, 2002];
    let common = |formula: &str| {
        estimate_json(&[
            "--data",
            data.to_str().unwrap(),
            "--formula",
            formula,
            "--where",
            "year in (1986, 1990, 1994, 1998, 2002, 2006)",
            "--vcov",
            "cluster:pair_id",
        ])
    };
    let fe = "| exporter^year + importer^year + pair_id";
    let with_i = common(&format!(
        "trade ~ rta + i(year, exporter != importer, ref = 2006) {fe}"
    ));
    let by_hand: Vec<String> = years
        .iter()
        .map(|y| format!("(exporter != importer) * (year == {y})"))
        .collect();
    let manual = common(&format!("trade ~ rta + {} {fe}", by_hand.join(" + ")));
    assert_eq!(with_i["nobs"], manual["nobs"]);
    let (a, b) = (coef(&with_i, "rta"), coef(&manual, "rta"));
    assert!(
        close(a.0, b.0, 1e-9) && close(a.1, b.1, 1e-7),
        "{a:?} vs {b:?}"
    );
    for (y, hand) in years.iter().zip(&by_hand) {
        let a = coef(&with_i, &format!("year::{y}:exporter != importer"));
        let b = coef(&manual, hand);
        assert!(
            close(a.0, b.0, 1e-9) && close(a.1, b.1, 1e-7),
            "{y}: {a:?} vs {b:?}"
        );
    }
    // Borders shrink over time (the Guide's finding): every year's effect is negative and
    // 1986's is the largest in size.
    let b86 = coef(&with_i, "year::1986:exporter != importer").0;
    let b02 = coef(&with_i, "year::2002:exporter != importer").0;
    assert!(b86 < b02 && b02 < 0.0, "{b86} {b02}");
    // A reference level that is not in the sample is an error naming the levels.
    let o = run(&[
        "estimate",
        "--data",
        data.to_str().unwrap(),
        "--formula",
        "trade ~ i(year, rta, ref = 2007) | exporter + importer",
    ]);
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains("2007") && e.contains("1986"), "{e}");
}

#[test]
fn rose_2004_default_ols_matches_the_published_table() {
    // Rose (2004, AER 94(1)), "Do We Really Know That the WTO Increases Trade?", Table 1,
    // default column: OLS of log average trade on GATT/WTO membership and gravity controls
    // with year effects, standard errors clustered by country pair; N = 234,597, R2 = .65.
    // Published to two decimals: every estimate and SE must round to the printed value.
    let Some(data) = shared("trade_flows/rose2004_wto_gravity_panel_1948_1999.csv.gz") else {
        return;
    };
    let published = [
        ("bothin", -0.04, 0.05),
        ("onein", -0.06, 0.05),
        ("gsp", 0.86, 0.03),
        ("ldist", -1.12, 0.02),
        ("lrgdp", 0.92, 0.01),
        ("lrgdppc", 0.32, 0.01),
        ("regional", 1.20, 0.11),
        ("custrict", 1.12, 0.12),
        ("comlang", 0.31, 0.04),
        ("border", 0.53, 0.11),
        ("landl", -0.27, 0.03),
        ("island", 0.04, 0.04),
        ("lareap", -0.10, 0.01),
        ("comcol", 0.58, 0.07),
        ("curcol", 1.08, 0.23),
        ("colony", 1.16, 0.12),
        ("comctry", -0.02, 1.08),
    ];
    let terms: Vec<&str> = published.iter().map(|p| p.0).collect();
    let formula = format!("ltrade ~ {} | year", terms.join(" + "));
    let v = estimate_json(&[
        "--data",
        data.to_str().unwrap(),
        "--estimator",
        "ols",
        "--formula",
        &formula,
        "--vcov",
        "cluster:pair",
    ]);
    assert_eq!(v["nobs"], 234597);
    let r2 = v["r2"].as_f64().unwrap();
    assert!((r2 - 0.65).abs() <= 0.005, "R2 {r2}");
    let mut bad = Vec::new();
    for (name, b, se) in published {
        let (eb, ese) = coef(&v, name);
        if (eb - b).abs() > 0.005 + 1e-9 || (ese - se).abs() > 0.005 + 1e-9 {
            bad.push(format!("{name}: {eb:.4} ({ese:.4}) vs {b} ({se})"));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("; "));
}

#[test]
fn negative_binomial_from_the_cli() {
    // fixest walkthrough: fenegbin(Euros ~ log(dist_km) | Origin + Destination + Product +
    // Year), clustered by Origin and Destination: -1.711 (0.1773).
    let Some(data) = shared("trade_flows/fixest_trade_eu15_2007_2016.csv.gz") else {
        return;
    };
    let v = estimate_json(&[
        "--data",
        data.to_str().unwrap(),
        "--estimator",
        "negbin",
        "--formula",
        "Euros ~ log(dist_km) | Origin + Destination + Product + Year",
        "--vcov",
        "cluster:Origin+Destination",
    ]);
    assert_eq!(v["estimator"], "negbin");
    let (b, se) = coef(&v, "log(dist_km)");
    assert!(
        close(b, -1.711, 5e-4) && close(se, 0.1773, 5e-5),
        "{b} ({se})"
    );
    let theta = v["theta"].as_f64().unwrap();
    assert!(theta > 0.5 && theta < 0.6, "theta {theta}");
    let o = run(&[
        "estimate",
        "--data",
        data.to_str().unwrap(),
        "--estimator",
        "negbin",
        "--formula",
        "Euros ~ log(dist_km) | Origin + Destination + Product + Year",
    ]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("theta 0.5488"), "{}", stdout(&o));
}

#[test]
fn pair_invariant_regressors_are_dropped_under_pair_fixed_effects() {
    // Distance and contiguity do not vary within a pair: with pair fixed effects they must be
    // reported as collinear and dropped, leaving the estimate of the rta-only model
    // (agtpa_ch1_app3_m4_ppml_pairfe; pyfixest 0.557185335590333). A regressor that needs
    // many sweeps of the pair dimension to clear guards the first-iteration screen.
    let Some(data) = shared("trade_flows/agtpa_gravity_panel_1986_2006.csv.gz") else {
        return;
    };
    let v = estimate_json(&[
        "--data",
        data.to_str().unwrap(),
        "--formula",
        "trade ~ rta + log(dist) + cntg | exporter^year + importer^year + pair_id",
        "--where",
        "year in (1986, 1990, 1994, 1998, 2002, 2006)",
        "--vcov",
        "cluster:pair_id",
    ]);
    let collinear: Vec<&str> = v["collinear"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(collinear, ["log(dist)", "cntg"]);
    let (b, _) = coef(&v, "rta");
    assert!(((b - 0.557185335590333) / b).abs() < 1e-6, "{b}");
}
