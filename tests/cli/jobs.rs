//! End-to-end tests: `balanza jobs` on the real input-output tables of ../shared/data/io.
//!
//! Reference numbers and where they come from:
//! - Chile 2013 jobs in exports: SOURCES.md §5 helper check value ≈ 1.619 million; the exact
//!   figure 1,619,153.941944 and the value added 34,485.362532 are from an independent numpy
//!   run (np.linalg.inv on the same CSVs), as are the employment multipliers of S02 and S03.
//! - pymrio test system: pymrio 0.7.0 `calc_all()` outputs in
//!   ../shared/data/io/pymrio_test_mrio/reference/ and docs/models.md §4.4.

use crate::common::{run, scratch, shared, stderr, stdout};
use serde_json::Value;
use std::path::Path;

fn json(args: &[&str]) -> Value {
    let o = run(args);
    assert!(
        o.status.success(),
        "balanza {args:?} failed: {}",
        stderr(&o)
    );
    serde_json::from_str(&stdout(&o)).expect("JSON output")
}

fn rows_where<'a>(v: &'a Value, key: &str, val: &str) -> Vec<&'a Value> {
    v.as_array()
        .unwrap()
        .iter()
        .filter(|r| r[key] == val)
        .collect()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

#[test]
fn chile_jobs_and_value_added_in_exports() {
    let Some(d) = shared("io/chile_2013_12x12") else {
        return;
    };
    let d = d.to_str().unwrap();
    let v = json(&["jobs", "--io", d, "--format", "json"]);
    let emp = rows_where(&v, "satellite", "employees");
    assert_eq!(emp.len(), 1);
    let jobs = emp[0]["in_exports"].as_f64().unwrap();
    assert!(rel(jobs, 1_619_153.941944) < 1e-9, "{jobs}");
    assert!(rel(emp[0]["total"].as_f64().unwrap(), 7_786_324.0) < 1e-12);
    let va = rows_where(&v, "satellite", "value_added");
    assert!(rel(va[0]["in_exports"].as_f64().unwrap(), 34_485.362532) < 1e-9);
    // compensation_of_employees is value added, not employment: not in the default report.
    assert!(rows_where(&v, "satellite", "compensation_of_employees").is_empty());
}

#[test]
fn chile_by_industry_adds_up() {
    let Some(d) = shared("io/chile_2013_12x12") else {
        return;
    };
    let d = d.to_str().unwrap();
    let v = json(&[
        "jobs",
        "--io",
        d,
        "--by",
        "industry",
        "--satellite",
        "employees",
        "--format",
        "json",
    ]);
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 12);
    let sum: f64 = rows.iter().map(|r| r["in_exports"].as_f64().unwrap()).sum();
    assert!(rel(sum, 1_619_153.941944) < 1e-9, "{sum}");
    let s02 = rows.iter().find(|r| r["industry"] == "S02").unwrap();
    assert_eq!(s02["name"], "mining");
    assert!(rel(s02["multiplier"].as_f64().unwrap(), 21.4479812599) < 1e-9);
}

fn reference_row(path: &Path, row: &str) -> Vec<(String, f64)> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    for rec in r.records() {
        let rec = rec.unwrap();
        if &rec[0] == row {
            return (1..h.len())
                .map(|j| (h[j].to_string(), rec[j].parse().unwrap()))
                .collect();
        }
    }
    panic!("no row {row} in {}", path.display());
}

#[test]
fn pymrio_regional_accounts_via_cli() {
    let Some(d) = shared("io/pymrio_test_mrio") else {
        return;
    };
    let ds = d.to_str().unwrap();
    for (sat, ext, rows) in [
        ("Value Added", "factor_inputs", vec!["Value Added"]),
        (
            "emissions",
            "emissions",
            vec!["emission_type1/air", "emission_type2/water"],
        ),
    ] {
        let v = json(&["jobs", "--io", ds, "--satellite", sat, "--format", "json"]);
        for row in rows {
            for acc in ["d_cba", "d_pba", "d_imp", "d_exp"] {
                let file = d.join(format!("reference/{ext}_D_{}_reg.csv", &acc[2..]));
                for (region, want) in reference_row(&file, row) {
                    let got = v
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|r| r["region"] == region.as_str() && r["satellite"] == row)
                        .unwrap_or_else(|| panic!("{region} {row}"))[acc]
                        .as_f64()
                        .unwrap();
                    assert!(
                        rel(got, want) < 1e-9,
                        "{ext} {acc} {region}: {got} vs {want}"
                    );
                }
            }
        }
    }
}

#[test]
fn pymrio_reg1_value_added_in_gross_exports() {
    let Some(d) = shared("io/pymrio_test_mrio") else {
        return;
    };
    let d = d.to_str().unwrap();
    let v = json(&[
        "jobs",
        "--io",
        d,
        "--region",
        "reg1",
        "--satellite",
        "value_added",
        "--format",
        "json",
    ]);
    let r = &v.as_array().unwrap()[0];
    assert_eq!(r["region"], "reg1");
    // docs/models.md §4.4.
    assert!(rel(r["gross_exports"].as_f64().unwrap(), 305669815.44258225) < 1e-12);
    assert!(
        rel(
            r["in_gross_exports_domestic"].as_f64().unwrap(),
            1770783.9915177817
        ) < 1e-9
    );
    assert!(
        rel(
            r["in_gross_exports_foreign"].as_f64().unwrap(),
            68780.74455532199
        ) < 1e-9
    );
    assert!(
        rel(
            r["in_gross_exports_local"].as_f64().unwrap(),
            1770762.567853072
        ) < 1e-9
    );
    assert!(rel(r["d_exp"].as_f64().unwrap(), 1766984.946280) < 1e-9);

    let v = json(&[
        "jobs",
        "--io",
        d,
        "--region",
        "reg1",
        "--by",
        "industry",
        "--satellite",
        "value_added",
        "--format",
        "json",
    ]);
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 8);
    // docs/models.md §4.4: reg1 D_exp by sector and VA multipliers M (6 d.p.).
    let d_exp = [
        55896.959575,
        12638.381360,
        940456.865310,
        38909.201858,
        551.689415,
        370748.215944,
        227432.906071,
        120350.726746,
    ];
    let m = [
        0.539053, 0.564582, 0.005228, 0.617276, 0.017953, 0.005760, 0.009013, 0.034378,
    ];
    for (i, r) in rows.iter().enumerate() {
        assert!((r["d_exp"].as_f64().unwrap() - d_exp[i]).abs() < 1e-5);
        assert!((r["multiplier"].as_f64().unwrap() - m[i]).abs() < 5e-7);
    }
}

#[test]
fn change_in_exports_through_concordances() {
    let Some(d) = shared("io/chile_2013_12x12") else {
        return;
    };
    let Some(hs) = shared("classification/hs2022_to_isic3.csv") else {
        return;
    };
    let dir = scratch("jobs-changes");
    let changes = dir.join("changes.csv");
    // Thousand USD; --scale 0.001 makes them "billions" of the table's unit for the test.
    std::fs::write(
        &changes,
        "hs6,delta_exports\n260300,1000\n740311,500\n999999,7\n",
    )
    .unwrap();
    let map = dir.join("isic_to_chile.csv");
    std::fs::write(&map, "isic,sector\nA,S01\nB,S01\nC,S02\nD,S03\nE,S04\n").unwrap();
    let hs_spec = format!("{}:HS6_6d:ISIC3_1d", hs.display());
    let v = json(&[
        "jobs",
        "--io",
        d.to_str().unwrap(),
        "--changes",
        changes.to_str().unwrap(),
        "--concordance",
        &hs_spec,
        "--concordance",
        map.to_str().unwrap(),
        "--scale",
        "0.001",
        "--satellite",
        "employees",
        "--format",
        "json",
    ]);
    let total = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["industry"] == "TOTAL")
        .unwrap();
    // Copper ore (HS 260300 → ISIC C → S02) and refined copper (740311 → D → S03): numpy
    // l'L gives 21.4479812599 jobs per unit for S02 and 46.1530332584 for S03.
    let want = 1.0 * 21.4479812599 + 0.5 * 46.1530332584;
    assert!(
        rel(total["supported"].as_f64().unwrap(), want) < 1e-9,
        "{total}"
    );
    assert!(rel(total["delta_exports"].as_f64().unwrap(), 1.5) < 1e-12);
    // The unmapped product is reported in the text rendering.
    let o = run(&[
        "jobs",
        "--io",
        d.to_str().unwrap(),
        "--changes",
        changes.to_str().unwrap(),
        "--concordance",
        &hs_spec,
        "--concordance",
        map.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("unmapped: `999999`"), "{}", stdout(&o));
}

/// Writes a small national table with the given Z text (x and Y fixed) and returns its folder.
fn table(name: &str, z: &str, x: &str) -> String {
    let dir = scratch(name);
    std::fs::write(dir.join("Z.csv"), z).unwrap();
    std::fs::write(dir.join("Y.csv"), "row,hh,exports\na,5,5\nb,5,5\n").unwrap();
    std::fs::write(dir.join("x.csv"), x).unwrap();
    std::fs::write(dir.join("employment.csv"), "row,employment\na,10\nb,20\n").unwrap();
    dir.to_str().unwrap().to_string()
}

fn fails_with(args: &[&str], want: &[&str]) {
    let o = run(args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stdout(&o));
    let e = stderr(&o);
    for w in want {
        assert!(e.contains(w), "expected `{w}` in: {e}");
    }
    assert!(!e.contains("panicked") && !e.contains("NaN"), "{e}");
}

#[test]
fn bad_tables_fail_with_named_errors() {
    let ok_x = "row,gross_output\na,20\nb,20\n";
    let d = table("jobs-nonsquare", "row,a,b\na,1,2\n", ok_x);
    fails_with(
        &["jobs", "--io", &d],
        &["must be square", "1 rows and 2 columns"],
    );

    let d = table("jobs-labels", "row,a,b\na,1,2\nc,3,4\n", ok_x);
    fails_with(&["jobs", "--io", &d], &["`b`"]);

    let d = table(
        "jobs-negative",
        "row,a,b\na,1,2\nb,3,4\n",
        "row,gross_output\na,20\nb,-1\n",
    );
    fails_with(&["jobs", "--io", &d], &["industry `b` is negative"]);

    // Industry b buys its whole output from itself: I − A has a zero column.
    let d = table("jobs-singular", "row,a,b\na,1,0\nb,0,20\n", ok_x);
    fails_with(&["jobs", "--io", &d], &["singular", "`b`"]);

    let d = table("jobs-cell", "row,a,b\na,1,x\nb,3,4\n", ok_x);
    fails_with(
        &["jobs", "--io", &d],
        &["Z.csv:2: column b", "`x` is not a finite number"],
    );

    let d = table("jobs-ok", "row,a,b\na,1,2\nb,3,4\n", ok_x);
    fails_with(
        &["jobs", "--io", &d, "--satellite", "nope"],
        &["no satellite account `nope`", "employment"],
    );
    fails_with(&["jobs", "--io", "/nonexistent/io"], &["/nonexistent/io"]);
    let v = json(&["jobs", "--io", &d, "--format", "json"]);
    assert_eq!(v[0]["satellite"], "employment");
}

/// Every cell of `ours` against `reference` (same labels, any order): max relative error, and
/// max absolute error.
fn max_errors(ours: &Path, reference: &Path) -> (f64, f64) {
    let read = |p: &Path| {
        let mut r = csv::Reader::from_path(p).unwrap();
        let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let mut m = std::collections::HashMap::new();
        for rec in r.records() {
            let rec = rec.unwrap();
            for j in 1..h.len() {
                m.insert(
                    (rec[0].to_string(), h[j].clone()),
                    rec[j].parse::<f64>().unwrap(),
                );
            }
        }
        m
    };
    let (a, b) = (read(ours), read(reference));
    assert_eq!(a.len(), b.len());
    let (mut rel_max, mut abs_max) = (0.0f64, 0.0f64);
    for (k, want) in &b {
        let got = a[k];
        let d = (got - want).abs();
        abs_max = abs_max.max(d);
        rel_max = rel_max.max(if *want == 0.0 { d } else { d / want.abs() });
    }
    (rel_max, abs_max)
}

#[test]
fn matrices_written_by_the_cli_match_the_references() {
    let (Some(chile), Some(mrio)) = (shared("io/chile_2013_12x12"), shared("io/pymrio_test_mrio"))
    else {
        return;
    };
    let out = scratch("jobs-matrices");
    for (dir, sub) in [(&chile, "chile"), (&mrio, "mrio")] {
        let o = run(&[
            "jobs",
            "--io",
            dir.to_str().unwrap(),
            "--matrices",
            out.join(sub).to_str().unwrap(),
            "--format",
            "csv",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    // Chile: the central bank's published A and L (issue 6: to 1e-9).
    let (_, a) = max_errors(
        &out.join("chile/A.csv"),
        &chile.join("reference/A_direct_coefficients_bcch.csv"),
    );
    let (_, l) = max_errors(
        &out.join("chile/L.csv"),
        &chile.join("reference/L_leontief_inverse_bcch.csv"),
    );
    assert!(a < 1e-9 && l < 1e-9, "Chile A {a:e} L {l:e}");
    // pymrio 0.7.0 calc_all() A and L (issue 6: to 1e-9 relative).
    let (a, _) = max_errors(&out.join("mrio/A.csv"), &mrio.join("reference/A.csv"));
    let (l, _) = max_errors(&out.join("mrio/L.csv"), &mrio.join("reference/L.csv"));
    assert!(a < 1e-9 && l < 1e-9, "pymrio A {a:e} L {l:e}");
}

#[test]
fn change_in_exports_from_scenario_line_results() {
    let Some(d) = shared("io/chile_2013_12x12") else {
        return;
    };
    let Some(hs) = shared("classification/hs2022_to_isic3.csv") else {
        return;
    };
    let dir = scratch("jobs-lines");
    // Shaped like `balanza simulate` line results: the importer's lines by partner × HS6.
    let lines = dir.join("lines.csv");
    std::fs::write(
        &lines,
        "partner,product,baseline_imports,new_imports\n\
         CHL,260300,2000,3000\nCHL,740311,100,600\nPER,260300,50,900\n",
    )
    .unwrap();
    let map = dir.join("isic_to_chile.csv");
    std::fs::write(&map, "isic,sector\nC,S02\nD,S03\n").unwrap();
    let hs_spec = format!("{}:HS6_6d:ISIC3_1d", hs.display());
    let v = json(&[
        "jobs",
        "--io",
        d.to_str().unwrap(),
        "--changes",
        lines.to_str().unwrap(),
        "--filter",
        "partner=CHL",
        "--value-column",
        "new_imports-baseline_imports",
        "--concordance",
        &hs_spec,
        "--concordance",
        map.to_str().unwrap(),
        "--scale",
        "0.001",
        "--satellite",
        "employees",
        "--format",
        "json",
    ]);
    let total = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["industry"] == "TOTAL")
        .unwrap();
    // Same numpy multipliers as above (S02 21.4479812599, S03 46.1530332584 jobs per unit);
    // PER's line is filtered out.
    let want = 1.0 * 21.4479812599 + 0.5 * 46.1530332584;
    assert!(
        rel(total["supported"].as_f64().unwrap(), want) < 1e-9,
        "{total}"
    );
    fails_with(
        &[
            "jobs",
            "--io",
            d.to_str().unwrap(),
            "--changes",
            lines.to_str().unwrap(),
            "--filter",
            "partner=XXX",
            "--value-column",
            "new_imports",
        ],
        &["no rows passing --filter"],
    );
}
