//! End-to-end tests of `balanza simulate` (partial-equilibrium tariff scenarios).

use crate::common::{run, scratch, shared, stderr, stdout};
use serde_json::Value;
use std::io::Read;
use std::path::Path;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn json(args: &[&str]) -> Value {
    let o = run(args);
    assert!(o.status.success(), "failed: {}", stderr(&o));
    serde_json::from_str(&stdout(&o)).expect("valid JSON")
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn metric(out: &Value, name: &str) -> f64 {
    let row = out["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == name)
        .unwrap_or_else(|| panic!("no metric {name}"));
    num(&row["value"])
}

fn row<'a>(out: &'a Value, table: &str, key: &str, value: &str) -> &'a Value {
    out[table]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("no {key} = {value} in {table}"))
}

/// The docs/models.md §1.6 test vector through the whole CLI: one HS6 line, importer CHN, partners
/// AFG (an LDC: the beneficiary), ZAF and BRA with m = (100, 600, 300) thousand US$ (BACI
/// units), t0 = 10 % flat MFN, the LDC scheme sets AFG's rate to 0, |ε| = 1.2, σ = 1.5.
fn vector_files(dir: &Path, model: &str) -> String {
    let flows = write(
        dir,
        "flows.csv",
        "t,i,j,k,v,q\n2020,4,156,080929,100,\n2020,710,156,080929,600,\n2020,76,156,080929,300,\n",
    );
    write(
        dir,
        &format!("vector_{model}.toml"),
        &format!(
            r#"name = "docs/models.md 1.6"
model = "{model}"
importer = "CHN"
base_year = 2020
date = 2024-12-01
[data]
flows = "{flows}"
mfn_rate_pct = 10
[parameters]
import_demand_elasticity = 1.2
[[measures]]
partners = "ldc and china_relations"
set_rate_pct = 0
"#
        ),
    )
}

#[test]
fn smart_and_ces_reproduce_the_test_vector() {
    let dir = scratch("sim-vector");
    // Values are in US$ (BACI thousands × 1000); the published table is in thousands.
    let k = 1000.0;
    let tol = 1e-9;
    let close = |a: f64, b: f64| {
        assert!((a - b).abs() <= tol * b.abs().max(1.0), "{a} vs {b}");
    };
    let sc = vector_files(&dir, "smart");
    let out = json(&[
        "simulate",
        "--scenario",
        &sc,
        "--format",
        "json",
        "--detail",
    ]);
    // Closed forms of docs/models.md §1.2 (the §1.6 table prints them rounded to 6 decimals):
    // TC_A = 1.2·100·0.1/1.1; TD_B = M_B·M_N·σΔ/(M + M_B·σΔ) with Δ = 1 − 1/1.1.
    let x = 1.5 * (1.0 - 1.0 / 1.1);
    let td = 100.0 * 900.0 * x / (1000.0 + 100.0 * x);
    let afg = row(&out, "lines", "partner", "AFG");
    close(num(&afg["trade_creation"]), k * 1.2 * 100.0 * 0.1 / 1.1);
    close(num(&afg["trade_diversion"]), k * td);
    close(
        num(&row(&out, "lines", "partner", "ZAF")["trade_diversion"]),
        -k * td * 600.0 / 900.0,
    );
    // Published figures to their printed precision.
    assert!((num(&afg["new_imports"]) / k - 123.016714).abs() < 5e-7);
    assert!((metric(&out, "tariff_revenue_change") / k - -11.210762).abs() < 5e-7);
    assert!((metric(&out, "welfare_triangle_tc") / k - 0.545455).abs() < 5e-7);
    assert!((metric(&out, "welfare_triangle_tc_td") / k - 1.150836).abs() < 5e-7);
    assert!((metric(&out, "consumer_surplus_change") / k - 10.545455).abs() < 5e-7);

    let sc = vector_files(&dir, "ces");
    let out = json(&[
        "simulate",
        "--scenario",
        &sc,
        "--format",
        "json",
        "--detail",
    ]);
    let p = (0.1 * (1.0f64 / 1.1).powf(-0.5) + 0.9).powf(-2.0);
    let prod = &out["products"][0];
    close(num(&prod["price_index"]), p);
    assert!((num(&prod["price_index"]) - 0.990309).abs() < 5e-7);
    assert!((num(&prod["quantity_index"]) - 1.011754).abs() < 5e-7);
    for (c, m1) in [
        ("AFG", 115.032425),
        ("ZAF", 598.249714),
        ("BRA", 299.124857),
    ] {
        let v = num(&row(&out, "lines", "partner", c)["new_imports"]) / k;
        assert!((v - m1).abs() < 5e-7, "{c}: {v}");
    }
    assert!((metric(&out, "consumer_surplus_change") / k - 10.722264).abs() < 5e-7);
    assert!((metric(&out, "tariff_revenue_change") / k - -10.262543).abs() < 5e-7);
    assert!((metric(&out, "net_welfare") / k - 0.459721).abs() < 5e-7);
}

#[test]
fn zero_cut_changes_nothing() {
    let dir = scratch("sim-zero");
    let flows = write(
        &dir,
        "flows.csv",
        "t,i,j,k,v,q\n2020,4,156,080929,100,\n2020,710,156,080929,600,\n2020,710,156,270900,50,\n",
    );
    let sc = write(
        &dir,
        "zero.toml",
        &format!(
            "name = \"zero\"\nimporter = \"CHN\"\nbase_year = 2020\n[data]\nflows = \"{flows}\"\n\
             mfn_rate_pct = 8\n[[measures]]\npartners = \"world\"\ncut_pct = 0\n"
        ),
    );
    let out = json(&[
        "simulate",
        "--scenario",
        &sc,
        "--format",
        "json",
        "--detail",
    ]);
    for l in out["lines"].as_array().unwrap() {
        assert_eq!(num(&l["new_imports"]), num(&l["baseline_imports"]));
        assert_eq!(num(&l["revenue_change"]), 0.0);
    }
    assert_eq!(metric(&out, "import_change"), 0.0);
    assert_eq!(metric(&out, "net_welfare"), 0.0);
}

/// Real BACI flows: China's 2020 imports from Afghanistan (an LDC) and South Africa, a flat
/// 7.5 % MFN rate, and the LDC zero-tariff scheme as of its start date.
#[test]
fn ldc_scheme_on_real_afg_zaf_flows() {
    let Some(file) = shared("trade_flows/baci_hs17_2020_exports_afg_zaf.csv.gz") else {
        return;
    };
    let dir = scratch("sim-afg-zaf");
    let sc = write(
        &dir,
        "ldc.toml",
        &format!(
            r#"name = "China LDC scheme, 2020 flows from AFG and ZAF"
importer = "CHN"
base_year = 2020
date = 2024-12-01
[data]
flows = "{}"
mfn_rate_pct = 7.5
[[measures]]
name = "LDC zero tariff"
partners = "ldc and china_relations"
set_rate_pct = 0
"#,
            file.display()
        ),
    );
    let outdir = dir.join("out");
    let out = json(&[
        "simulate",
        "--scenario",
        &sc,
        "--format",
        "json",
        "--out",
        outdir.to_str().unwrap(),
    ]);
    // Independent baseline: AFG's and ZAF's 2020 exports to China (j = 156) in the raw file.
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&file).unwrap())
        .read_to_string(&mut text)
        .unwrap();
    let (mut afg0, mut zaf0, mut n) = (0.0, 0.0, 0);
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f[2] == "156" {
            n += 1;
            let v: f64 = f[4].parse::<f64>().unwrap() * 1000.0;
            if f[1] == "4" {
                afg0 += v;
            } else {
                zaf0 += v;
            }
        }
    }
    let afg = row(&out, "by_partner", "partner", "AFG");
    let zaf = row(&out, "by_partner", "partner", "ZAF");
    let rel = |a: f64, b: f64| (a - b).abs() / b.abs();
    assert!(rel(num(&afg["baseline_imports"]), afg0) < 1e-9);
    assert!(rel(num(&zaf["baseline_imports"]), zaf0) < 1e-9);
    // AFG gains: every AFG line is cut from 7.5 % to 0, so SMART creation is
    // |ε|·M_AFG·0.075/1.075 with the default |ε| = 1.5 (docs/models.md §1.2).
    assert!(num(&afg["import_change"]) > 0.0);
    assert!(rel(num(&afg["trade_creation"]), 1.5 * afg0 * 0.075 / 1.075) < 1e-9);
    assert!(num(&afg["trade_diversion"]) > 0.0);
    // ZAF is diverted from, and has no creation (its tariff does not move).
    assert!(num(&zaf["trade_diversion"]) < 0.0);
    assert_eq!(num(&zaf["trade_creation"]), 0.0);
    // Totals reconcile: diversion nets out; new = base + creation; ΔTR = after − before.
    // Tolerance: 1e-12 of the market (sums of ~1,000 values near 1e9 lose ~1e-6 US$).
    let tol = 1e-12 * (afg0 + zaf0);
    assert!((num(&afg["trade_diversion"]) + num(&zaf["trade_diversion"])).abs() < tol);
    assert!(
        (metric(&out, "new_imports")
            - metric(&out, "baseline_imports")
            - metric(&out, "trade_creation"))
        .abs()
            < tol
    );
    assert!(
        (metric(&out, "tariff_revenue_after")
            - metric(&out, "tariff_revenue_before")
            - metric(&out, "tariff_revenue_change"))
        .abs()
            < tol
    );
    assert!(
        (metric(&out, "baseline_imports") - afg0 - zaf0).abs() < 1e-9 * (afg0 + zaf0),
        "all {n} rows are simulated"
    );
    // --out wrote every table, the lines table with one row per line.
    let lines = std::fs::read_to_string(outdir.join("lines.json")).unwrap();
    let lines: Value = serde_json::from_str(&lines).unwrap();
    assert_eq!(lines.as_array().unwrap().len(), n);
    let sum_dtr: f64 = lines
        .as_array()
        .unwrap()
        .iter()
        .map(|l| num(&l["revenue_change"]))
        .sum();
    assert!((sum_dtr - metric(&out, "tariff_revenue_change")).abs() < tol);
    for t in [
        "summary",
        "by_partner",
        "by_section",
        "by_end_use",
        "balance",
        "coverage",
    ] {
        assert!(outdir.join(format!("{t}.json")).exists(), "{t}");
    }
}

#[test]
fn bad_scenarios_name_the_key() {
    let dir = scratch("sim-bad");
    let flows = write(&dir, "flows.csv", "t,i,j,k,v,q\n2020,4,156,080929,100,\n");
    let sc = write(
        &dir,
        "bad.toml",
        &format!(
            "name = \"bad\"\nimporter = \"CHN\"\nbase_year = 2020\n[data]\nflows = \"{flows}\"\n\
             mfn_rate_pct = -3\n[parameters]\nimport_demand_elasticity = -1.2\n\
             [[measures]]\npartners = \"ldc and not [HTI, TVU]\"\nset_rate_pct = 0\n\
             [[measures]]\npartners = \"afrika\"\nset_rate_pct = 0\n"
        ),
    );
    let o = run(&["simulate", "--scenario", &sc]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("data.mfn_rate_pct") && e.contains("negative"),
        "{e}"
    );
    assert!(e.contains("parameters.import_demand_elasticity"), "{e}");
    assert!(
        e.contains("measures[0].partners") && e.contains("did you mean TUV"),
        "{e}"
    );
    assert!(
        e.contains("measures[1].partners") && e.contains("did you mean `africa`"),
        "{e}"
    );

    // Negative rate in a tariff file: file, line and column.
    let tariffs = write(
        &dir,
        "t.csv",
        "importer,partner,product,rate_pct\nCHN,,08,-5\n",
    );
    let sc = write(
        &dir,
        "ok.toml",
        &format!(
            "name = \"ok\"\nimporter = \"CHN\"\nbase_year = 2020\n[data]\nflows = \"{flows}\"\n\
             tariffs = \"{tariffs}\"\n[[measures]]\npartners = [\"AFG\"]\nset_rate_pct = 0\n"
        ),
    );
    let o = run(&["simulate", "--scenario", &sc]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("t.csv:2:4"), "{}", stderr(&o));
}

#[test]
fn uncovered_lines_are_counted() {
    // A tariff only for chapter 08: the 2709 import line has no tariff (counted, left out) and
    // the tariff for 080440 has no imports (counted).
    let dir = scratch("sim-coverage");
    let flows = write(
        &dir,
        "flows.csv",
        "t,i,j,k,v,q\n2020,4,156,080929,100,\n2020,710,156,270900,50,\n",
    );
    let tariffs = write(
        &dir,
        "t.csv",
        "importer,partner,product,rate_pct\nCHN,,080929,10\nCHN,,080440,25\n",
    );
    let sc = write(
        &dir,
        "c.toml",
        &format!(
            "name = \"c\"\nimporter = \"CHN\"\nbase_year = 2020\n[data]\nflows = \"{flows}\"\n\
             tariffs = \"{tariffs}\"\n[[measures]]\npartners = \"ldc\"\nset_rate_pct = 0\n"
        ),
    );
    let out = json(&["simulate", "--scenario", &sc, "--format", "json"]);
    let count = |k: &str| num(&row(&out, "coverage", "item", k)["count"]);
    assert_eq!(count("import_lines"), 2.0);
    assert_eq!(count("imports_without_tariff_line"), 1.0);
    assert_eq!(count("tariff_lines_without_imports"), 1.0);
    assert_eq!(count("lines_simulated"), 1.0);
}

#[test]
fn shipped_examples_validate() {
    // The examples need flows (the demo's world or the user's); here they run on a small BACI
    // extract so that their schema and group expressions are checked end to end.
    let dir = scratch("sim-examples");
    let flows = write(
        &dir,
        "flows.csv",
        "t,i,j,k,v,q\n2023,4,156,610910,100,\n2023,710,156,610910,600,\n\
         2023,710,156,851713,300,\n2023,50,156,620342,80,\n",
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios");
    for name in [
        "china_ldc_zero_tariff.toml",
        "china_africa_zero_tariff.toml",
        "consumer_goods_cut.toml",
    ] {
        let sc = root.join(name);
        let out = json(&[
            "simulate",
            "--scenario",
            sc.to_str().unwrap(),
            "--flows",
            &flows,
            "--tariffs",
            &write(
                &dir,
                "t.csv",
                "importer,partner,product,rate_pct\nCHN,,,10\n",
            ),
            "--format",
            "json",
        ]);
        assert!(metric(&out, "import_change") > 0.0, "{name}");
    }
}

/// The shipped examples on the demo's synthetic world with seeded synthetic MFN tariffs (what
/// the demo step does): LDC and African partners gain, the others lose through diversion.
#[test]
fn examples_run_on_the_synthetic_world() {
    let dir = scratch("sim-demo-world");
    let o = run(&["demo", "--dir", dir.to_str().unwrap(), "--seed", "42"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let world = dir.join("world.parquet");
    let (flows, _) = balanza_data::load(std::slice::from_ref(&world), &Default::default()).unwrap();
    let tariffs = balanza_pe::tariffs::synthetic_mfn("CHN", &flows.products, 2020, 42);
    let tpath = write(&dir, "tariffs.csv", &tariffs.to_csv());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios");
    for (name, gainers) in [
        ("china_ldc_zero_tariff.toml", vec!["BGD", "ETH", "NPL"]),
        (
            "china_africa_zero_tariff.toml",
            vec!["ZAF", "NGA", "EGY", "ETH"],
        ),
        ("consumer_goods_cut.toml", vec![]),
    ] {
        let sc = root.join(name);
        let out = json(&[
            "simulate",
            "--scenario",
            sc.to_str().unwrap(),
            "--flows",
            world.to_str().unwrap(),
            "--tariffs",
            &tpath,
            "--base-year",
            "2020",
            "--format",
            "json",
        ]);
        assert!(metric(&out, "import_change") > 0.0, "{name}");
        for g in gainers {
            assert!(
                num(&row(&out, "by_partner", "partner", g)["import_change"]) > 0.0,
                "{name}: {g}"
            );
        }
        if name != "consumer_goods_cut.toml" {
            // A non-beneficiary loses through diversion only.
            let usa = row(&out, "by_partner", "partner", "USA");
            assert!(num(&usa["trade_diversion"]) < 0.0, "{name}");
            assert_eq!(num(&usa["trade_creation"]), 0.0, "{name}");
        }
    }
}

/// The shipped real-data example runs as is (its paths point at ../shared/data).
#[test]
fn shipped_real_data_example_runs() {
    if shared("trade_flows/baci_hs17_2020_exports_afg_zaf.csv.gz").is_none() {
        return;
    }
    let sc = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/scenarios/china_ldc_afg_zaf_2020.toml");
    if std::env::var_os(balanza_data::testdata::SHARED_DATA_ENV).is_some() {
        // The example's relative paths assume the default layout (../shared/data).
        return;
    }
    let out = json(&[
        "simulate",
        "--scenario",
        sc.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert!(num(&row(&out, "by_partner", "partner", "AFG")["import_change"]) > 0.0);
    assert!(num(&row(&out, "by_partner", "partner", "ZAF")["trade_diversion"]) < 0.0);
    // The HS → BEC concordance classifies the products: some consumption goods are affected.
    assert!(num(&row(&out, "by_end_use", "end_use", "consumption")["import_change"]) > 0.0);

    // One end-use rule: the baseline by end use equals `composition --by enduse` on the same
    // flows (codes listed with several BEC codes split equally in both), class by class, to
    // 1e-9 relative. Every line has a tariff (flat MFN), so the two cover the same imports.
    let flows = shared("trade_flows/baci_hs17_2020_exports_afg_zaf.csv.gz").unwrap();
    let refdata = shared("classification/hs2017_to_bec4.csv").unwrap();
    let comp = json(&[
        "composition",
        "--data",
        flows.to_str().unwrap(),
        "--reporter",
        "CHN",
        "--flow",
        "imports",
        "--years",
        "2020",
        "--by",
        "enduse",
        "--refdata",
        refdata.parent().unwrap().to_str().unwrap(),
        "--format",
        "json",
    ]);
    let classes: Vec<&Value> = comp
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["end_use"] != "total")
        .collect();
    assert_eq!(classes.len(), 5, "{comp}");
    let sim = out["by_end_use"].as_array().unwrap();
    assert_eq!(sim.len(), classes.len());
    for c in classes {
        let key = c["end_use"].as_str().unwrap();
        let want = num(&c["value"]);
        let got = num(&row(&out, "by_end_use", "end_use", key)["baseline_imports"]);
        assert!(
            (got - want).abs() <= 1e-9 * want.abs(),
            "{key}: simulate {got} vs composition {want}"
        );
    }
}
