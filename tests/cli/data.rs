//! End-to-end tests of the data commands (`ingest`, `balance`, `composition`, `top`, `demo`) on
//! the real extracts in ../shared/data. Every expected number is computed here, independently,
//! from the raw files (csv + flate2), never copied from balanza's output.

use crate::common::{run, scratch, shared, stderr, stdout};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

const BACI: &str = "trade_flows/baci_hs17_2020_exports_afg_zaf.csv.gz";
const WITS: &str = "trade_flows/wits_total_trade_2009_reported.csv.gz";
const BACI_CODES: &str = "countries/baci_country_codes_V202201.csv";

/// Relative error with a floor of 1 so that zero expectations compare absolutely.
fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1.0)
}

fn read_gz_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let rows = rdr
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (headers, rows)
}

fn json_rows(args: &[&str]) -> Vec<serde_json::Map<String, Value>> {
    let out = run(args);
    assert!(
        out.status.success(),
        "balanza {args:?} failed: {}",
        stderr(&out)
    );
    let v: Value = serde_json::from_str(&stdout(&out)).expect("JSON output");
    v.as_array()
        .expect("an array of rows")
        .iter()
        .map(|r| r.as_object().unwrap().clone())
        .collect()
}

fn row<'a>(
    rows: &'a [serde_json::Map<String, Value>],
    col: &str,
    key: &str,
) -> &'a serde_json::Map<String, Value> {
    rows.iter()
        .find(|r| r[col].as_str() == Some(key))
        .unwrap_or_else(|| panic!("no row {col}={key}"))
}

fn num(r: &serde_json::Map<String, Value>, col: &str) -> f64 {
    r[col]
        .as_f64()
        .unwrap_or_else(|| panic!("{col} is not a number: {:?}", r[col]))
}

fn ingest_baci(dir: &Path) -> Option<PathBuf> {
    let (baci, codes) = (shared(BACI)?, shared(BACI_CODES)?);
    let out = dir.join("baci.parquet");
    let o = run(&[
        "ingest",
        baci.to_str().unwrap(),
        "--country-codes",
        codes.to_str().unwrap(),
        "--hs-revision",
        "HS2017",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "ingest failed: {}", stderr(&o));
    Some(out)
}

/// BACI rows as (exporter code, importer code, hs6, value in USD): v is thousand USD.
fn baci_rows() -> Option<Vec<(u32, u32, String, f64)>> {
    let (h, rows) = read_gz_csv(&shared(BACI)?);
    let c = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (i, j, k, v) = (c("i"), c("j"), c("k"), c("v"));
    Some(
        rows.iter()
            .map(|r| {
                (
                    r[i].parse().unwrap(),
                    r[j].parse().unwrap(),
                    r[k].clone(),
                    r[v].parse::<f64>().unwrap() * 1000.0,
                )
            })
            .collect(),
    )
}

#[test]
fn baci_balance_and_composition_totals_match_the_raw_file() {
    let dir = scratch("data-baci");
    let Some(ds) = ingest_baci(&dir) else { return };
    let raw = baci_rows().unwrap();
    for (iso, code) in [("ZAF", 710u32), ("AFG", 4)] {
        let exports: f64 = raw.iter().filter(|r| r.0 == code).map(|r| r.3).sum();
        let imports: f64 = raw.iter().filter(|r| r.1 == code).map(|r| r.3).sum();
        let partners: HashSet<u32> = raw
            .iter()
            .filter(|r| r.0 == code || r.1 == code)
            .map(|r| if r.0 == code { r.1 } else { r.0 })
            .collect();
        let rows = json_rows(&[
            "balance",
            "--data",
            ds.to_str().unwrap(),
            "--reporter",
            iso,
            "--by",
            "partner",
            "--format",
            "json",
        ]);
        let total = row(&rows, "partner", "total");
        assert!(
            rel(num(total, "exports"), exports) <= 1e-9,
            "{iso} exports {} vs {exports}",
            num(total, "exports")
        );
        assert!(rel(num(total, "imports"), imports) <= 1e-9, "{iso} imports");
        assert!(
            rel(num(total, "balance"), exports - imports) <= 1e-9,
            "{iso} balance"
        );
        assert_eq!(
            rows.len(),
            partners.len() + 1,
            "{iso}: one row per partner plus the total"
        );
        // One partner checked row by row: China (156 in BACI and ISO).
        if iso == "ZAF" {
            let chn: f64 = raw
                .iter()
                .filter(|r| r.0 == 710 && r.1 == 156)
                .map(|r| r.3)
                .sum();
            assert!(rel(num(row(&rows, "partner", "CHN"), "exports"), chn) <= 1e-9);
        }
        // Composition by HS chapter: the same total, shares summing to one.
        let rows = json_rows(&[
            "composition",
            "--data",
            ds.to_str().unwrap(),
            "--reporter",
            iso,
            "--flow",
            "exports",
            "--by",
            "hs2",
            "--format",
            "json",
        ]);
        let total = row(&rows, "hs2", "total");
        assert!(
            rel(num(total, "value"), exports) <= 1e-9,
            "{iso} composition total"
        );
        let shares: f64 = rows
            .iter()
            .filter(|r| r["hs2"] != "total")
            .map(|r| num(r, "share"))
            .sum();
        assert!((shares - 1.0).abs() <= 1e-9, "{iso} shares sum to {shares}");
        let ch71: f64 = raw
            .iter()
            .filter(|r| r.0 == code && r.2.starts_with("71"))
            .map(|r| r.3)
            .sum();
        if ch71 > 0.0 {
            assert!(
                rel(num(row(&rows, "hs2", "71"), "value"), ch71) <= 1e-9,
                "{iso} chapter 71"
            );
        }
    }
    // The raw file works as --data too, with the same totals.
    let exports: f64 = raw.iter().filter(|r| r.0 == 710).map(|r| r.3).sum();
    let baci = shared(BACI).unwrap();
    let codes = shared(BACI_CODES).unwrap();
    let rows = json_rows(&[
        "balance",
        "--data",
        baci.to_str().unwrap(),
        "--country-codes",
        codes.to_str().unwrap(),
        "--reporter",
        "ZAF",
        "--by",
        "total",
        "--format",
        "json",
    ]);
    assert!(rel(num(&rows[0], "exports"), exports) <= 1e-9);
}

#[test]
fn zaf_end_use_shares_match_an_independent_computation() {
    let dir = scratch("data-enduse");
    let Some(ds) = ingest_baci(&dir) else { return };
    let refdir = shared("classification").unwrap();
    // HS2017 → distinct BEC codes, BEC → end use (first word of sna_end_use).
    let mut hs_bec: HashMap<String, Vec<String>> = HashMap::new();
    let mut rdr = csv::Reader::from_path(refdir.join("hs2017_to_bec4.csv")).unwrap();
    for r in rdr.records() {
        let r = r.unwrap();
        let v = hs_bec.entry(r[0].to_string()).or_default();
        if !v.contains(&r[3].to_string()) {
            v.push(r[3].to_string());
        }
    }
    let mut bec_eu: HashMap<String, String> = HashMap::new();
    let mut rdr = csv::Reader::from_path(refdir.join("bec4_to_sna_end_use.csv")).unwrap();
    for r in rdr.records() {
        let r = r.unwrap();
        let word = r[2].split([' ', '(']).next().unwrap().to_string();
        bec_eu.insert(r[0].to_string(), word);
    }
    // Equal split of a code's value among its BEC codes (balanza's documented rule).
    let mut expected: HashMap<String, f64> = HashMap::new();
    let mut total = 0.0;
    for (i, _, k, v) in baci_rows().unwrap() {
        if i != 710 {
            continue;
        }
        total += v;
        match hs_bec.get(&k) {
            Some(becs) => {
                for b in becs {
                    *expected.entry(bec_eu[b].clone()).or_default() += v / becs.len() as f64;
                }
            }
            None => *expected.entry("unmapped".to_string()).or_default() += v,
        }
    }
    let rows = json_rows(&[
        "composition",
        "--data",
        ds.to_str().unwrap(),
        "--reporter",
        "ZAF",
        "--flow",
        "exports",
        "--by",
        "enduse",
        "--refdata",
        refdir.to_str().unwrap(),
        "--format",
        "json",
    ]);
    for (class, value) in &expected {
        let r = row(&rows, "end_use", class);
        assert!(
            rel(num(r, "value"), *value) <= 1e-9,
            "{class}: {} vs {value}",
            num(r, "value")
        );
        assert!(
            (num(r, "share") - value / total).abs() <= 1e-9,
            "{class} share"
        );
    }
    assert_eq!(rows.len(), expected.len() + 1);
    // Capital, intermediate and consumption goods all present in South Africa's exports.
    for class in ["capital", "intermediate", "consumption"] {
        assert!(expected[class] > 0.0);
    }
}

#[test]
fn wits_balances_match_the_raw_file() {
    let Some(wits) = shared(WITS) else { return };
    let dir = scratch("data-wits");
    let ds = dir.join("wits.parquet");
    let o = run(&[
        "ingest",
        wits.to_str().unwrap(),
        "--out",
        ds.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (h, rows) = read_gz_csv(&wits);
    let c = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (rep, par, flow, val) = (
        c("ReporterISO3"),
        c("PartnerISO3"),
        c("TradeFlowName"),
        c("TradeValue_1000USD"),
    );
    let sum = |f: &dyn Fn(&Vec<String>) -> bool| -> f64 {
        rows.iter()
            .filter(|r| f(r))
            .map(|r| r[val].parse::<f64>().unwrap() * 1000.0)
            .sum()
    };
    for iso in ["ZAF", "CHN", "USA"] {
        let own_x = sum(&|r| r[rep] == iso && r[flow] == "Export" && r[par] != "WLD");
        let own_m = sum(&|r| r[rep] == iso && r[flow] == "Import" && r[par] != "WLD");
        let tot_x = sum(&|r| r[rep] == iso && r[flow] == "Export" && r[par] == "WLD");
        let tot_m = sum(&|r| r[rep] == iso && r[flow] == "Import" && r[par] == "WLD");
        // Mirror: partners' declared imports from / exports to the reporter.
        // The EU's own declarations (EUN) repeat its members' and are left out of mirror sums.
        let mir_x =
            sum(&|r| r[par] == iso && r[flow] == "Import" && r[rep] != "WLD" && r[rep] != "EUN");
        let mir_m =
            sum(&|r| r[par] == iso && r[flow] == "Export" && r[rep] != "WLD" && r[rep] != "EUN");
        for (source, x, m) in [
            ("reported", own_x, own_m),
            ("totals", tot_x, tot_m),
            ("mirror", mir_x, mir_m),
        ] {
            let out = json_rows(&[
                "balance",
                "--data",
                ds.to_str().unwrap(),
                "--reporter",
                iso,
                "--source",
                source,
                "--by",
                "year",
                "--format",
                "json",
            ]);
            let t = row(&out, "year", "total");
            assert!(
                rel(num(t, "exports"), x) <= 1e-9,
                "{iso} {source} exports {} vs {x}",
                num(t, "exports")
            );
            assert!(
                rel(num(t, "imports"), m) <= 1e-9,
                "{iso} {source} imports {} vs {m}",
                num(t, "imports")
            );
        }
        let out = json_rows(&[
            "composition",
            "--data",
            ds.to_str().unwrap(),
            "--reporter",
            iso,
            "--flow",
            "imports",
            "--by",
            "partner",
            "--format",
            "json",
        ]);
        assert!(rel(num(row(&out, "partner", "total"), "value"), own_m) <= 1e-9);
    }
}

#[test]
fn corrupted_row_fails_with_its_line_and_leaves_no_output() {
    let Some(baci) = shared(BACI) else { return };
    let codes = shared(BACI_CODES).unwrap();
    let dir = scratch("data-corrupt");
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(baci).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    // Line 1 is the header; corrupt the value of line 57.
    let mut lines: Vec<String> = text.lines().take(200).map(str::to_string).collect();
    let mut f: Vec<String> = lines[56].split(',').map(str::to_string).collect();
    f[4] = "12x.5".to_string();
    lines[56] = f.join(",");
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let out = dir.join("out.parquet");
    let o = run(&[
        "ingest",
        bad.to_str().unwrap(),
        "--country-codes",
        codes.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("bad.csv:57: column 5 (`v`)") && err.contains("12x.5"),
        "{err}"
    );
    assert!(!out.exists(), "a failed ingest left {}", out.display());
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "temporary files left behind: {left:?}");
    // Wrong column count on another line, in a gzip file without a .gz name.
    let mut lines2 = lines.clone();
    lines2[56] = f[..3].join(",");
    let gz = dir.join("bad_gzip.csv");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, (lines2.join("\n") + "\n").as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let o = run(&[
        "ingest",
        gz.to_str().unwrap(),
        "--country-codes",
        codes.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad_gzip.csv:57:"), "{}", stderr(&o));
    assert!(!out.exists());
    // --skip-bad-rows counts it and writes the rest.
    let o = run(&[
        "ingest",
        bad.to_str().unwrap(),
        "--country-codes",
        codes.to_str().unwrap(),
        "--skip-bad-rows",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("skipped 1 malformed rows"),
        "{}",
        stderr(&o)
    );
    assert!(out.exists());
}

#[test]
fn unknown_reporter_gets_a_suggestion_and_currency_converts() {
    let Some(wits) = shared(WITS) else { return };
    let o = run(&[
        "balance",
        "--data",
        wits.to_str().unwrap(),
        "--reporter",
        "CNH",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean CHN"), "{}", stderr(&o));
    let dir = scratch("data-currency");
    let rates = dir.join("rates.csv");
    // A made-up rate; the test checks the arithmetic, not the rate.
    std::fs::write(&rates, "year,currency,per_usd\n2009,CNY,6.8314\n").unwrap();
    let usd = json_rows(&[
        "balance",
        "--data",
        wits.to_str().unwrap(),
        "--reporter",
        "CHN",
        "--by",
        "total",
        "--format",
        "json",
    ]);
    let cny = json_rows(&[
        "balance",
        "--data",
        wits.to_str().unwrap(),
        "--reporter",
        "CHN",
        "--by",
        "total",
        "--currency",
        "CNY",
        "--rates",
        rates.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(rel(num(&cny[0], "exports"), num(&usd[0], "exports") * 6.8314) <= 1e-12);
    let o = run(&[
        "balance",
        "--data",
        wits.to_str().unwrap(),
        "--reporter",
        "CHN",
        "--currency",
        "EUR",
        "--rates",
        rates.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn demo_runs_and_labels_everything_synthetic() {
    let dir = scratch("data-demo");
    let o = run(&["demo", "--dir", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for title in text.lines().filter(|l| {
        l.starts_with("Trade balance") || l.starts_with("Composition") || l.starts_with("Top ")
    }) {
        assert!(title.contains("SYNTHETIC"), "unlabelled: {title}");
    }
    assert!(text.contains("What to look at next"));
    let ds = dir.join("world.parquet");
    assert!(ds.exists());
    // Later commands on the demo dataset keep the label and need no --refdata for end use.
    let o = run(&[
        "composition",
        "--data",
        ds.to_str().unwrap(),
        "--reporter",
        "CHN",
        "--flow",
        "imports",
        "--by",
        "enduse",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("SYNTHETIC"));
    // The same seed gives the same world.
    let dir2 = scratch("data-demo2");
    let o2 = run(&["demo", "--dir", dir2.to_str().unwrap()]);
    let strip = |s: String, d: &Path| s.replace(d.to_str().unwrap(), "DIR");
    assert_eq!(strip(text, &dir), strip(stdout(&o2), &dir2));
}

#[test]
fn mapped_country_level_panel_matches_the_raw_file() {
    let Some(panel) = shared("trade_flows/agtpa_gravity_panel_1986_2006.csv.gz") else {
        return;
    };
    let dir = scratch("data-mapped");
    let ds = dir.join("agtpa.parquet");
    // No product column: rows get the product TOTAL. Trade is in millions of USD.
    let o = run(&[
        "ingest",
        panel.to_str().unwrap(),
        "--map",
        "year=year,exporter=exporter,importer=importer,value=trade",
        "--value-scale",
        "1e6",
        "--out",
        ds.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (h, rows) = read_gz_csv(&panel);
    let c = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (e, m, y, v) = (c("exporter"), c("importer"), c("year"), c("trade"));
    // Domestic flows (exporter = importer) are not trade and do not enter the balance.
    let sum = |f: &dyn Fn(&Vec<String>) -> bool| -> f64 {
        rows.iter()
            .filter(|r| r[e] != r[m] && r[y] == "2006" && f(r))
            .map(|r| r[v].parse::<f64>().unwrap() * 1e6)
            .sum()
    };
    let x = sum(&|r| r[e] == "DEU");
    let im = sum(&|r| r[m] == "DEU");
    let out = json_rows(&[
        "balance",
        "--data",
        ds.to_str().unwrap(),
        "--reporter",
        "DEU",
        "--years",
        "2006",
        "--by",
        "partner",
        "--format",
        "json",
    ]);
    let t = row(&out, "partner", "total");
    assert!(
        rel(num(t, "exports"), x) <= 1e-9,
        "{} vs {x}",
        num(t, "exports")
    );
    assert!(rel(num(t, "imports"), im) <= 1e-9);
}

/// `--flow` has one default, imports, in `top` as in `composition`: leaving it out gives the
/// imports table, titled as such, and not the exports one.
#[test]
fn top_and_composition_default_to_imports() {
    let dir = scratch("flow-default");
    let Some(data) = ingest_baci(&dir) else {
        return;
    };
    let d = data.to_str().unwrap();
    let run_with = |cmd: &str, flow: Option<&str>| -> serde_json::Value {
        let mut a = vec![cmd, "--by", "partner", "--data", d, "--reporter", "ZAF"];
        a.extend(["--format", "json"]);
        if let Some(f) = flow {
            a.extend(["--flow", f]);
        }
        let o = run(&a);
        assert!(o.status.success(), "{a:?}: {}", stderr(&o));
        serde_json::from_str(&stdout(&o)).unwrap()
    };
    for cmd in ["top", "composition"] {
        let default = run_with(cmd, None);
        assert_eq!(default, run_with(cmd, Some("imports")), "{cmd}");
        assert_ne!(default, run_with(cmd, Some("exports")), "{cmd}");
    }
}

#[test]
fn top_partners_with_and_without_growth() {
    // One year (BACI 2020): value and share only, with a note on growth; the largest partner's
    // value is the sum of the raw BACI rows from ZAF (710) to China (156).
    let dir = scratch("top-one-year");
    let (Some(data), Some(rows)) = (ingest_baci(&dir), baci_rows()) else {
        return;
    };
    let args = |extra: &[&str]| {
        let mut a = vec![
            "top",
            "--data",
            data.to_str().unwrap(),
            "--reporter",
            "ZAF",
            "--flow",
            "exports",
            "--by",
            "partner",
            "--n",
            "3",
        ];
        a.extend_from_slice(extra);
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let a = args(&["--format", "json"]);
    let o = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let first = &v[0];
    assert_eq!(first["partner"], "CHN");
    assert!(first.get("growth").is_none() && first.get("value_first").is_none());
    let expected: f64 = rows
        .iter()
        .filter(|r| r.0 == 710 && r.1 == 156)
        .map(|r| r.3)
        .sum();
    let got = first["value"].as_f64().unwrap();
    assert!(
        (got - expected).abs() <= 1e-9 * expected,
        "{got} vs {expected}"
    );
    let a = args(&[]);
    let text = stdout(&run(&a.iter().map(String::as_str).collect::<Vec<_>>()));
    assert!(text.contains("growth needs two years"), "{text}");

    // Five years (the synthetic world): growth and compound annual growth between 2016 and
    // 2020, consistent with the two values shown.
    let demo = scratch("top-years");
    let o = run(&["demo", "--dir", demo.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let world = demo.join("world.parquet");
    let o = run(&[
        "top",
        "--data",
        world.to_str().unwrap(),
        "--reporter",
        "CHN",
        "--flow",
        "exports",
        "--by",
        "partner",
        "--n",
        "5",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    for r in v.as_array().unwrap() {
        let r = r.as_object().unwrap();
        let (f, l) = (num(r, "value_first"), num(r, "value_last"));
        assert!((num(r, "growth") - (l / f - 1.0)).abs() < 1e-12);
        assert!((num(r, "cagr") - ((l / f).powf(0.25) - 1.0)).abs() < 1e-12);
    }
}

#[test]
fn partner_and_product_filters_match_the_raw_file() {
    let dir = scratch("data-filters");
    let (Some(ds), Some(raw)) = (ingest_baci(&dir), baci_rows()) else {
        return;
    };
    let d = ds.to_str().unwrap();
    let balance = |extra: &[&str]| {
        let mut a = vec!["balance", "--data", d, "--reporter", "ZAF", "--by"];
        a.extend_from_slice(extra);
        a.extend(["--format", "json"]);
        json_rows(&a)
    };
    let all = balance(&["partner"]);
    // Two partners: their rows are the unfiltered rows, and the total is their sum.
    let two = balance(&["partner", "--partner", "USA,DEU"]);
    assert_eq!(two.len(), 3, "USA, DEU and the total");
    for col in ["exports", "imports", "balance"] {
        for iso in ["USA", "DEU"] {
            let (f, u) = (
                num(row(&two, "partner", iso), col),
                num(row(&all, "partner", iso), col),
            );
            assert!(rel(f, u) <= 1e-9, "{iso} {col}: {f} vs {u}");
        }
        let sum = num(row(&all, "partner", "USA"), col) + num(row(&all, "partner", "DEU"), col);
        assert!(
            rel(num(row(&two, "partner", "total"), col), sum) <= 1e-9,
            "total {col}"
        );
    }
    // A group: the UN list of least developed countries on 2020-12-31 (46, Vanuatu having
    // graduated on 4 December 2020), written out here independently of balanza's groups.
    let ldc: HashSet<&str> = "AFG AGO BGD BEN BTN BFA BDI KHM CAF TCD COM COD DJI ERI ETH GMB GIN \
        GNB HTI KIR LAO LSO LBR MDG MWI MLI MRT MOZ MMR NPL NER RWA STP SEN SLE SLB SOM SSD SDN \
        TLS TGO TUV UGA TZA YEM ZMB"
        .split_whitespace()
        .collect();
    assert_eq!(ldc.len(), 46);
    let got = balance(&["partner", "--partner", "ldc"]);
    let names = |rows: &[serde_json::Map<String, Value>]| -> HashSet<String> {
        rows.iter()
            .map(|r| r["partner"].as_str().unwrap().to_string())
            .filter(|p| p != "total")
            .collect()
    };
    let expected: HashSet<String> = names(&all)
        .into_iter()
        .filter(|p| ldc.contains(p.as_str()))
        .collect();
    assert!(expected.len() > 20, "ZAF trades with most LDCs");
    assert_eq!(names(&got), expected);
    let sum: f64 = expected
        .iter()
        .map(|p| num(row(&all, "partner", p), "exports"))
        .sum();
    assert!(rel(num(row(&got, "partner", "total"), "exports"), sum) <= 1e-9);
    // Products: an HS chapter and a subheading from another chapter, against the raw rows.
    let t = balance(&["total", "--product", "84,850440"]);
    let keep = |k: &str| k.starts_with("84") || k.starts_with("850440");
    let exports: f64 = raw
        .iter()
        .filter(|r| r.0 == 710 && keep(&r.2))
        .map(|r| r.3)
        .sum();
    let imports: f64 = raw
        .iter()
        .filter(|r| r.1 == 710 && keep(&r.2))
        .map(|r| r.3)
        .sum();
    assert!(rel(num(&t[0], "exports"), exports) <= 1e-9, "HS 84 exports");
    assert!(rel(num(&t[0], "imports"), imports) <= 1e-9, "HS 84 imports");
    // Both at once, on composition and top, and the note says what was kept.
    let o = run(&[
        "composition",
        "--data",
        d,
        "--reporter",
        "ZAF",
        "--flow",
        "exports",
        "--by",
        "hs4",
        "--partner",
        "CHN",
        "--product",
        "26",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("Filtered: partners: CHN") && text.contains("products: HS 26"),
        "{text}"
    );
    let ores: f64 = raw
        .iter()
        .filter(|r| r.0 == 710 && r.1 == 156 && r.2.starts_with("26"))
        .map(|r| r.3)
        .sum();
    let comp = json_rows(&[
        "composition",
        "--data",
        d,
        "--reporter",
        "ZAF",
        "--flow",
        "exports",
        "--by",
        "hs4",
        "--partner",
        "CHN",
        "--product",
        "26",
        "--format",
        "json",
    ]);
    assert!(
        rel(num(row(&comp, "hs4", "total"), "value"), ores) <= 1e-9,
        "composition total"
    );
    let top = json_rows(&[
        "top",
        "--data",
        d,
        "--reporter",
        "ZAF",
        "--flow",
        "exports",
        "--by",
        "partner",
        "--product",
        "26",
        "--partner",
        "CHN",
        "--format",
        "json",
    ]);
    assert_eq!(top.len(), 1);
    assert!(
        rel(num(&top[0], "value"), ores) <= 1e-9,
        "ZAF ores to China"
    );
    // Bad filters fail with code 2 and say what was expected.
    for (flag, value, says) in [
        ("--product", "8x", "2, 4 or 6 digits"),
        ("--product", "123", "2, 4 or 6 digits"),
        ("--partner", "atlantis", "atlantis"),
        ("--product", "98", "no product"),
    ] {
        let o = run(&["balance", "--data", d, "--reporter", "ZAF", flag, value]);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        assert!(stderr(&o).contains(says), "{flag} {value}: {}", stderr(&o));
    }
}
