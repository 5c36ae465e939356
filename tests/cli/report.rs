//! End-to-end tests of `balanza report` and `balanza serve`, rendered in headless Chromium.
//!
//! The browser is Debian's `chromium` (or `BALANZA_CHROMIUM=/path`). Where it is missing the
//! browser tests print SKIP and pass, unless `BALANZA_REQUIRE_BROWSER=1` (as in `.ci/run`).
//! Screenshots are saved under Cargo's target tmp folder and their paths printed.

use crate::common::{balanza, run, scratch, shared, stderr, stdout};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

// ---- the browser --------------------------------------------------------------------------

/// The headless browser, or `None` (after printing SKIP) when absent and not required.
fn chromium(test: &str) -> Option<PathBuf> {
    let found = std::env::var_os("BALANZA_CHROMIUM")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| {
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path).find_map(|dir| {
                [
                    "chromium",
                    "chromium-browser",
                    "google-chrome",
                    "headless_shell",
                ]
                .iter()
                .map(|n| dir.join(n))
                .find(|p| p.is_file())
            })
        });
    if found.is_none() {
        if std::env::var("BALANZA_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("{test}: BALANZA_REQUIRE_BROWSER=1 but no chromium found (apt-get install chromium)");
        }
        println!(
            "SKIP {test}: no chromium on PATH (set BALANZA_REQUIRE_BROWSER=1 to fail instead)"
        );
    }
    found
}

/// Runs the browser headless on `url` with a fresh profile; `extra` picks the output.
fn browse(browser: &Path, url: &str, extra: &[&str], tag: &str) -> std::process::Output {
    let profile = scratch(&format!("chromium-profile-{tag}"));
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(extra)
    .arg(url);
    let out = cmd.output().expect("cannot start chromium");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        out.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn dump_dom(browser: &Path, url: &str, tag: &str) -> String {
    let out = browse(
        browser,
        url,
        &["--dump-dom", "--window-size=1100,2600"],
        tag,
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Saves a screenshot under the target tmp folder, checks it is a real image, prints its path.
fn screenshot(browser: &Path, url: &str, name: &str) -> PathBuf {
    screenshot_sized(browser, url, name, 2600)
}

/// A screenshot of the first `height` pixels of the page, 1100 pixels wide.
fn screenshot_sized(browser: &Path, url: &str, name: &str, height: u32) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    browse(
        browser,
        url,
        &[
            &format!("--screenshot={}", path.display()),
            &format!("--window-size=1100,{height}"),
        ],
        name,
    );
    let png = std::fs::read(&path).expect("no screenshot written");
    assert!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
    // A blank page compresses to a few KB; charts, text and tables give far more.
    assert!(
        png.len() > 40_000,
        "screenshot looks blank ({} bytes)",
        png.len()
    );
    println!("screenshot: {}", path.display());
    path
}

// ---- reading the page ----------------------------------------------------------------------

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The value of attribute `name` in an opening tag's text.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')? + i;
    Some(unescape(&tag[i..j]))
}

/// (label, series, value) of every bar of the first chart `kind` (`data-chart`) in the
/// section `section` (`data-section`).
fn bars(dom: &str, section: &str, kind: &str) -> Vec<(String, String, f64)> {
    let sec = dom
        .find(&format!("data-section=\"{section}\""))
        .unwrap_or_else(|| panic!("no section {section} in the page"));
    let sec_end = dom[sec..].find("</section>").map_or(dom.len(), |e| e + sec);
    // `kind` may list alternatives: "diverging|sorted" (the sign of the data decides).
    let start = kind
        .split('|')
        .filter_map(|k| dom[sec..sec_end].find(&format!("data-chart=\"{k}\"")))
        .min()
        .unwrap_or_else(|| panic!("no {kind} chart in section {section}"))
        + sec;
    let end = dom[start..].find("</svg>").unwrap() + start;
    let svg = &dom[start..end];
    svg.match_indices("<g class=\"bar\"")
        .map(|(i, _)| {
            let tag = &svg[i..i + svg[i..].find('>').unwrap()];
            (
                attr(tag, "data-label").unwrap(),
                attr(tag, "data-series").unwrap_or_default(),
                attr(tag, "data-value").unwrap().parse::<f64>().unwrap(),
            )
        })
        .collect()
}

/// Every bar of a chart (section, kind, series) equals the `value_col` of the JSON row whose
/// `label_col` is the bar's label: both are shortest round-trip decimals of the same f64, so
/// equality is exact. Returns how many bars were checked (every bar must match a row).
fn assert_bars_equal_json(
    dom: &str,
    (section, kind, series): (&str, &str, &str),
    rows: &[serde_json::Value],
    label_col: &str,
    value_col: &str,
) -> usize {
    let bars: Vec<_> = bars(dom, section, kind)
        .into_iter()
        .filter(|(_, s, _)| series.is_empty() || s == series)
        .collect();
    assert!(!bars.is_empty(), "{section}/{kind}/{series}: no bars");
    for (label, _, got) in &bars {
        let row = rows
            .iter()
            .find(|r| r[label_col].as_str() == Some(label.as_str()))
            .unwrap_or_else(|| panic!("{section}: bar {label} has no JSON row"));
        let want = row[value_col].as_f64().unwrap();
        assert_eq!(
            *got, want,
            "{section} bar {label}/{series}: DOM {got} vs JSON {want}"
        );
    }
    bars.len()
}

fn rows(v: &serde_json::Value) -> Vec<serde_json::Value> {
    v.as_array().expect("an array of rows").clone()
}

/// Rows of a JSON table except total rows (which the charts leave out).
fn non_total(v: &serde_json::Value, label_col: &str) -> Vec<serde_json::Value> {
    rows(v)
        .into_iter()
        .filter(|r| !matches!(r[label_col].as_str(), Some("total" | "TOTAL")))
        .collect()
}

/// Wraps a report in a page that measures, in the browser, the laid-out size of every chart
/// and the visible bars in it, and writes the measurement into the DOM as JSON (a test-only
/// copy: the report itself has no script).
fn with_layout_probe(html: &str) -> String {
    let probe = r#"<script>
addEventListener('load', () => {
  const out = [...document.querySelectorAll('svg.chart')].map(svg => {
    const b = svg.getBoundingClientRect();
    const bars = [...svg.querySelectorAll('g.bar rect')].filter(r => {
      const rb = r.getBoundingClientRect();
      return rb.width > 0 && rb.height > 0 && rb.left >= b.left - 1 && rb.right <= b.right + 1;
    }).length;
    return { kind: svg.dataset.chart, width: b.width, height: b.height, visible_bars: bars,
             texts: svg.querySelectorAll('text').length };
  });
  const pre = document.createElement('pre');
  pre.id = 'layout-probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"#;
    html.replace("</body>", &format!("{probe}</body>"))
}

fn layout(dom: &str) -> serde_json::Value {
    let i = dom
        .find("id=\"layout-probe\">")
        .expect("layout probe did not run")
        + 18;
    let j = dom[i..].find("</pre>").unwrap() + i;
    serde_json::from_str(&unescape(&dom[i..j])).unwrap()
}

// ---- fixtures ------------------------------------------------------------------------------

/// Result files shaped like the other commands' `--format json` output: partners with both
/// signs, a total row, five years of end-use composition, a scenario folder, GE and jobs.
/// Labels carry markup to prove it is escaped.
fn write_inputs(dir: &Path) {
    let partners = [
        "AFG", "ZAF", "USA", "DEU", "BRA", "IND", "JPN", "NGA", "ETH", "VNM",
    ];
    let mut bal = Vec::new();
    let (mut te, mut ti) = (0.0, 0.0);
    for (k, p) in partners.iter().enumerate() {
        let e = 1.0e9 * (k as f64 * 1.37 + 0.3);
        let i = 1.0e9 * ((9 - k) as f64 * 1.11 + 0.7);
        te += e;
        ti += i;
        bal.push(serde_json::json!({"partner": p, "exports": e, "imports": i, "balance": e - i}));
    }
    bal.push(
        serde_json::json!({"partner": "TOTAL", "exports": te, "imports": ti, "balance": te - ti}),
    );
    std::fs::write(
        dir.join("balance.json"),
        serde_json::to_string_pretty(&bal).unwrap(),
    )
    .unwrap();
    let mut comp = Vec::new();
    for y in 2018..=2022 {
        for (c, base) in [
            ("consumption", 3.1e10),
            ("capital", 2.2e10),
            ("intermediate", 4.4e10),
        ] {
            comp.push(serde_json::json!({"year": y, "enduse": c, "value": base * (1.0 + (y - 2018) as f64 * 0.07), "share": 0.0}));
        }
    }
    std::fs::write(
        dir.join("composition.json"),
        serde_json::to_string(&comp).unwrap(),
    )
    .unwrap();
    let scen = dir.join("scenario");
    std::fs::create_dir_all(&scen).unwrap();
    let sp: Vec<_> = partners
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let ldc = matches!(*p, "AFG" | "ETH");
            serde_json::json!({"partner": p, "trade_creation": if ldc { 2.5e7 + k as f64 } else { 0.0 },
                               "trade_diversion": if ldc { 1.2e7 } else { -1.0e6 * (k as f64 + 0.5) }})
        })
        .collect();
    std::fs::write(
        scen.join("by_partner.json"),
        serde_json::to_string(&sp).unwrap(),
    )
    .unwrap();
    std::fs::write(
        scen.join("by_section.csv"),
        "section,trade_creation,revenue_change\nI,1.5,-2.25\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("ldc.toml"),
        "name = \"Zero tariffs <LDC> & friends\"\nimporter = \"CHN\"\n",
    )
    .unwrap();
    let ge: Vec<_> = partners
        .iter()
        .enumerate()
        .map(|(k, p)| serde_json::json!({"country": p, "real_gdp_pct_change": (k as f64 - 3.3) * 0.21}))
        .collect();
    std::fs::write(dir.join("ge.json"), serde_json::to_string(&ge).unwrap()).unwrap();
    let jobs: Vec<_> = (0..8)
        .map(|k| serde_json::json!({"industry": format!("Mining <{k}> & quarrying"), "jobs_in_exports": 1234.5 * (k as f64 + 1.0)}))
        .collect();
    std::fs::write(dir.join("jobs.json"), serde_json::to_string(&jobs).unwrap()).unwrap();
}

fn read_json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn report_args(dir: &Path, out: &Path) -> Vec<String> {
    let d = |n: &str| dir.join(n).display().to_string();
    vec![
        "report".into(),
        "--title".into(),
        "Test <report>".into(),
        "--balance".into(),
        d("balance.json"),
        "--composition".into(),
        d("composition.json"),
        "--flow".into(),
        "imports".into(),
        "--scenario-dir".into(),
        d("scenario"),
        "--scenario-text".into(),
        d("ldc.toml"),
        "--ge".into(),
        d("ge.json"),
        "--jobs".into(),
        d("jobs.json"),
        "--out".into(),
        out.display().to_string(),
    ]
}

/// Ingests the shared BACI sample (AFG and ZAF exports, 2020) into `dir/baci.parquet`.
fn ingest_baci(dir: &Path) -> Option<PathBuf> {
    let raw = shared("trade_flows/baci_hs17_2020_exports_afg_zaf.csv.gz")?;
    let out = dir.join("baci.parquet");
    let o = run(&[
        "ingest",
        raw.to_str().unwrap(),
        "--hs-revision",
        "HS2017",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "balanza ingest: {}", stderr(&o));
    Some(out)
}

/// China's LDC zero-tariff scheme with a flat 8 % MFN rate, on the BACI sample (as in the
/// scenario issue's real-flows check).
fn ldc_scenario(path: &Path, flows: &Path) {
    let text = format!(
        "name = \"China: zero tariffs for LDCs (flat MFN 8 %) <test>\"\n\
         model = \"smart\"\nimporter = \"CHN\"\nbase_year = 2020\ndate = 2024-12-01\n\
         [data]\nflows = \"{}\"\nmfn_rate_pct = 8\n\
         [[measures]]\nname = \"LDC zero tariff\"\npartners = \"ldc and china_relations\"\n\
         products = \"all\"\nset_rate_pct = 0\n",
        flows.display()
    );
    std::fs::write(path, text).unwrap();
}

/// Replaces fixtures by the real commands' JSON where the shared data is available; returns
/// which. A command that fails here fails the test: the report must chart what they print.
fn real_inputs(dir: &Path) -> Vec<&'static str> {
    let mut real = Vec::new();
    let ok = |o: std::process::Output, what: &str| {
        assert!(o.status.success(), "balanza {what}: {}", stderr(&o));
    };
    if let Some(io) = shared("io/chile_2013_12x12") {
        let out = dir.join("jobs.json");
        ok(
            run(&[
                "jobs",
                "--io",
                io.to_str().unwrap(),
                "--by",
                "industry",
                "--format",
                "json",
                "--out",
                out.to_str().unwrap(),
            ]),
            "jobs",
        );
        real.push("jobs");
    }
    if let Some(ds) = ingest_baci(dir) {
        let out = dir.join("balance.json");
        ok(
            run(&[
                "balance",
                "--data",
                ds.to_str().unwrap(),
                "--reporter",
                "ZAF",
                "--by",
                "partner",
                "--format",
                "json",
                "--out",
                out.to_str().unwrap(),
            ]),
            "balance",
        );
        real.push("balance");
        let scen = dir.join("scenario");
        std::fs::remove_dir_all(&scen).unwrap();
        ldc_scenario(&dir.join("ldc.toml"), &ds);
        let o = run(&[
            "simulate",
            "--scenario",
            dir.join("ldc.toml").to_str().unwrap(),
            "--format",
            "json",
            "--out",
            scen.to_str().unwrap(),
        ]);
        ok(o, "simulate");
        // The line table is detail; the report lists it, the test need not read it twice.
        real.push("simulate");
    }
    if let Some(flows) = shared("trade_flows/agtpa_ch2_trade_without_border_2006.csv.gz") {
        let toml =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/ge_trade_without_borders.toml");
        if toml.is_file() {
            let out = dir.join("ge.json");
            ok(
                run(&[
                    "ge",
                    "--scenario",
                    toml.to_str().unwrap(),
                    "--data",
                    flows.to_str().unwrap(),
                    "--format",
                    "json",
                    "--out",
                    out.to_str().unwrap(),
                ]),
                "ge",
            );
            real.push("ge");
        }
    }
    println!("report inputs from real commands: {real:?} (fixtures for the rest)");
    real
}

// ---- report --------------------------------------------------------------------------------

#[test]
fn report_is_one_offline_file_with_every_chart() {
    let dir = scratch("report-static");
    write_inputs(&dir);
    let out = dir.join("report.html");
    let args = report_args(&dir, &out);
    let o = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("report.html"), "prints the path");
    let html = std::fs::read_to_string(&out).unwrap();
    for kind in ["diverging", "stacked", "grouped", "sorted"] {
        assert!(
            html.contains(&format!("data-chart=\"{kind}\"")),
            "{kind} chart"
        );
    }
    // Self-contained: nothing to fetch, no script.
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href=\"http"));
    // Escaped user text, readable axes.
    assert!(html.contains("Test &lt;report&gt;") && !html.contains("<report>"));
    assert!(html.contains("Mining &lt;0&gt; &amp; quarrying"));
    assert!(html.contains("Zero tariffs &lt;LDC&gt; &amp; friends"));
    assert!(html.contains("Trade balance (USD billion)"));
    assert!(html.contains("Real GDP change [real_gdp_pct_change] (%)"));
    assert!(
        !html.contains("data-label=\"TOTAL\""),
        "the total row is not a bar"
    );
    assert!(!html.contains("NaN"));
}

#[test]
fn report_names_a_missing_column_and_writes_nothing() {
    let dir = scratch("report-missing");
    std::fs::write(dir.join("b.json"), r#"[{"partner":"AFG","exports":1.0}]"#).unwrap();
    let out = dir.join("r.html");
    let o = run(&[
        "report",
        "--balance",
        dir.join("b.json").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("b.json") && err.contains("balance") && err.contains("exports"),
        "{err}"
    );
    assert!(!out.exists(), "no partial report");
    let o = run(&["report", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nothing to report"));
    std::fs::write(dir.join("bad.json"), "[{\"partner\": 1,").unwrap();
    let o = run(&[
        "report",
        "--ge",
        dir.join("bad.json").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.json") && stderr(&o).contains("line 1"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn report_renders_in_chromium_with_the_json_numbers() {
    let Some(browser) = chromium("report_renders_in_chromium_with_the_json_numbers") else {
        return;
    };
    let dir = scratch("report-browser");
    write_inputs(&dir);
    // Where the shared data is here, chart the real commands' JSON instead of the fixtures.
    let real = real_inputs(&dir);
    let out = dir.join("report.html");
    let args = report_args(&dir, &out);
    let o = run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", stderr(&o));
    let url = format!("file://{}", out.display());
    let dom = dump_dom(&browser, &url, "report");
    // The browser parsed five sections, each with its charts inside figures.
    for s in ["balance", "composition", "scenario", "ge", "jobs"] {
        assert!(
            dom.contains(&format!("data-section=\"{s}\"")),
            "section {s}"
        );
    }
    let n_charts = dom.matches("<figure class=\"chart\"><svg").count();
    assert!(n_charts >= 5, "{n_charts} charts");

    // Trade balance by partner: every bar is the JSON's balance; sorted; totals left out.
    let bal = non_total(&read_json(&dir.join("balance.json")), "partner");
    let n = assert_bars_equal_json(
        &dom,
        ("balance", "diverging|sorted", ""),
        &bal,
        "partner",
        "balance",
    );
    assert_eq!(n, bal.len().min(30), "the 30 largest |balance| are drawn");
    let div = bars(&dom, "balance", "diverging|sorted");
    assert!(div.windows(2).all(|w| w[0].2 >= w[1].2), "sorted bars");
    if real.contains(&"balance") {
        // ZAF's largest 2020 balance is with China (BACI sample).
        assert_eq!(div[0].0, "CHN");
    }

    // Composition over years: one stacked segment per (year, end use).
    let stacked = bars(&dom, "composition", "stacked");
    assert_eq!(stacked.len(), 15, "5 years × 3 end uses");
    for row in rows(&read_json(&dir.join("composition.json"))) {
        let (y, c, v) = (
            row["year"].to_string(),
            row["enduse"].as_str().unwrap(),
            row["value"].as_f64().unwrap(),
        );
        assert!(
            stacked.iter().any(|(l, s, x)| *l == y && s == c && *x == v),
            "{y} {c}"
        );
    }

    // Scenario: creation and diversion per partner equal the by-partner table.
    let sp = rows(&read_json(&dir.join("scenario/by_partner.json")));
    let nc = assert_bars_equal_json(
        &dom,
        ("scenario", "grouped", "Trade creation"),
        &sp,
        "partner",
        "trade_creation",
    );
    let nd = assert_bars_equal_json(
        &dom,
        ("scenario", "grouped", "Trade diversion"),
        &sp,
        "partner",
        "trade_diversion",
    );
    assert_eq!((nc, nd), (sp.len(), sp.len()));
    if real.contains(&"simulate") {
        // Afghanistan gains, South Africa is diverted from.
        let g = bars(&dom, "scenario", "grouped");
        let v = |p: &str, s: &str| g.iter().find(|b| b.0 == p && b.1 == s).unwrap().2;
        assert!(v("AFG", "Trade creation") > 0.0 && v("ZAF", "Trade diversion") < 0.0);
        assert!(
            dom.contains("China: zero tariffs for LDCs (flat MFN 8 %) &lt;test&gt;"),
            "scenario text, escaped"
        );
        // The change in the trade balance is charted too.
        let bc = rows(&read_json(&dir.join("scenario/balance.json")));
        assert_bars_equal_json(
            &dom,
            ("scenario", "diverging|sorted", ""),
            &non_total(&serde_json::Value::Array(bc), "partner"),
            "partner",
            "balance_change",
        );
    }

    // General equilibrium: real GDP change by country.
    let ge = read_json(&dir.join("ge.json"));
    if real.contains(&"ge") {
        let countries = rows(&ge["countries"]);
        let kind = "diverging|sorted";
        let n = assert_bars_equal_json(
            &dom,
            ("ge", kind, ""),
            &countries,
            "country",
            "real_gdp_pct_full",
        );
        assert_eq!(n, countries.len(), "every country drawn");
    } else {
        assert_bars_equal_json(
            &dom,
            ("ge", "diverging|sorted", ""),
            &rows(&ge),
            "country",
            "real_gdp_pct_change",
        );
    }

    // Jobs: `balanza jobs --by industry` draws one chart per satellite; employees first.
    let jobs = read_json(&dir.join("jobs.json"));
    if real.contains(&"jobs") {
        let employees: Vec<_> = rows(&jobs)
            .into_iter()
            .filter(|r| r["satellite"] == "employees")
            .collect();
        assert_eq!(employees.len(), 12, "Chile 2013 has 12 industries");
        let n = assert_bars_equal_json(
            &dom,
            ("jobs", "sorted", ""),
            &employees,
            "name",
            "in_exports",
        );
        assert_eq!(n, 12);
    } else {
        assert_bars_equal_json(
            &dom,
            ("jobs", "sorted", ""),
            &rows(&jobs),
            "industry",
            "jobs_in_exports",
        );
    }

    // The browser laid the charts out: visible size and every bar inside its chart.
    let probe = dir.join("probe.html");
    std::fs::write(
        &probe,
        with_layout_probe(&std::fs::read_to_string(&out).unwrap()),
    )
    .unwrap();
    let lay = layout(&dump_dom(
        &browser,
        &format!("file://{}", probe.display()),
        "probe",
    ));
    let charts = lay.as_array().unwrap();
    assert_eq!(charts.len(), n_charts);
    for c in charts {
        assert!(
            c["width"].as_f64().unwrap() > 500.0 && c["height"].as_f64().unwrap() > 100.0,
            "{c}"
        );
        assert!(c["visible_bars"].as_u64().unwrap() >= 2, "{c}");
        assert!(
            c["texts"].as_u64().unwrap() >= 8,
            "title, ticks, labels: {c}"
        );
    }
    println!("layout: {lay}");
    screenshot_sized(&browser, &url, "report.png", 7000);
}

// ---- dashboard -----------------------------------------------------------------------------

/// A running `balanza serve --port 0`, stopped on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(data: &Path) -> Server {
    let mut cmd = balanza();
    cmd.args(["serve", "--port", "0", "--data"]).arg(data);
    if let Some(c) = shared("classification") {
        cmd.arg("--refdata").arg(c);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("cannot start balanza serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .and_then(|s| s.trim_end_matches('/').parse().ok())
        .unwrap_or_else(|| panic!("no address in `{line}`"));
    Server { child, addr }
}

/// One HTTP/1.0 GET on loopback: (status, body).
fn get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| {
            std::io::Error::other(format!(
                "no status line in `{}`",
                text.chars().take(80).collect::<String>()
            ))
        })?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// A data folder for the dashboard: the BACI sample as a dataset and the LDC scenario on it
/// where the shared data is here (`Some("baci.parquet")`), else only a scenario file.
fn dashboard_dir(name: &str) -> (PathBuf, Option<&'static str>) {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    std::fs::write(dir.join("scenarios/example.toml"), "name = \"example\"\n").unwrap();
    let ds = ingest_baci(&dir).map(|ds| {
        ldc_scenario(&dir.join("scenarios/ldc.toml"), &ds);
        "baci.parquet"
    });
    (dir, ds)
}

/// Malformed parameters, each with the status it must get.
const MALFORMED: &[(&str, u16)] = &[
    ("/api/balance", 400),
    ("/api/balance?dataset=nope.parquet&reporter=CHN", 400),
    (
        "/api/balance?dataset=..%2F..%2Fetc%2Fpasswd&reporter=CHN",
        400,
    ),
    ("/api/balance?dataset=x&reporter=C1N", 400),
    ("/api/balance?dataset=x&reporter=CHNA", 400),
    ("/api/balance?reporter=%ZZ", 400),
    ("/api/balance?reporter=%FF%FE", 400),
    ("/api/balance?foo=1", 400),
    ("/api/balance?reporter=CHN&reporter=USA", 400),
    ("/api/balance?dataset=x&reporter=CHN&by=galaxy", 400),
    ("/api/composition?dataset=x&reporter=CHN&flow=sideways", 400),
    ("/api/scenario", 400),
    ("/api/scenario?scenario=..%2Fsecret.toml", 400),
    ("/api/datasets?x=1", 400),
    ("/api/health?verbose", 400),
    ("/api/nothing-here", 404),
    ("/?reporter=%3Cscript%3E", 400),
];

#[test]
fn dashboard_rejects_malformed_parameters_with_json_400() {
    let (dir, _) = dashboard_dir("serve-400");
    let srv = serve(&dir);
    let (s, body) = get(srv.addr, "/api/health").unwrap();
    assert_eq!(s, 200, "{body}");
    let (s, body) = get(srv.addr, "/api/datasets").unwrap();
    assert_eq!(s, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["scenarios"][0], "scenarios/example.toml");
    for (path, want) in MALFORMED {
        let (s, body) = get(srv.addr, path).unwrap();
        assert_eq!(s, *want, "{path}: {body}");
        if path.starts_with("/api") {
            let v: serde_json::Value = serde_json::from_str(&body)
                .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body}"));
            assert!(
                v["error"].as_str().is_some_and(|m| m.len() > 10),
                "{path}: {body}"
            );
        } else {
            assert!(!body.contains("<script>"), "echoed markup is escaped");
        }
    }
}

#[test]
fn dashboard_holds_200_concurrent_requests() {
    let (dir, ds) = dashboard_dir("serve-200");
    let srv = serve(&dir);
    let addr = srv.addr;
    let n = 200;
    // A mix: health, listings, the page, malformed requests that must get 400 and, with the
    // shared data, real work (balance, the scenario, the page with charts; each computed once
    // and then served from the cache to the concurrent callers).
    let mut mix: Vec<(&'static str, u16)> = vec![
        ("/api/health", 200),
        ("/api/datasets", 200),
        ("/", 200),
        ("/api/balance?dataset=x&reporter=C1N", 400),
        ("/api/balance?foo=1", 400),
        ("/api/nothing-here", 404),
    ];
    if ds.is_some() {
        mix.extend([
            ("/api/balance?dataset=baci.parquet&reporter=ZAF", 200),
            (
                "/api/balance?dataset=baci.parquet&reporter=zaf&by=year",
                200,
            ),
            ("/api/scenario?scenario=scenarios%2Fldc.toml", 200),
            (
                "/?dataset=baci.parquet&reporter=ZAF&scenario=scenarios%2Fldc.toml",
                200,
            ),
            // A well-formed code the data does not know: the command refuses it, so 400.
            ("/api/balance?dataset=baci.parquet&reporter=XXK", 400),
            // The CLI's filters: groups and HS prefixes, and a bad prefix is the caller's fault.
            (
                "/api/balance?dataset=baci.parquet&reporter=ZAF&partner=ldc%2CCHN&product=84",
                200,
            ),
            (
                "/api/composition?dataset=baci.parquet&reporter=ZAF&product=8x",
                400,
            ),
        ]);
    }
    let mix = Arc::new(mix);
    let barrier = Arc::new(Barrier::new(n));
    let t0 = Instant::now();
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            let mix = mix.clone();
            std::thread::spawn(move || {
                let (path, want) = mix[i % mix.len()];
                barrier.wait();
                let t = Instant::now();
                let r = get(addr, path);
                (path, want, r, t.elapsed())
            })
        })
        .collect();
    let mut errors = Vec::new();
    let mut worst = Duration::ZERO;
    for h in handles {
        let (path, want, r, dt) = h.join().unwrap();
        worst = worst.max(dt);
        match r {
            Ok((s, _)) if s == want => {}
            Ok((s, body)) => errors.push(format!(
                "{path}: {s} (want {want}) {}",
                body.chars().take(120).collect::<String>()
            )),
            Err(e) => errors.push(format!("{path}: {e}")),
        }
    }
    println!(
        "dashboard: {n} concurrent requests ({} kinds{}), {} errors, all done in {:?}, slowest {:?}",
        mix.len(),
        if ds.is_some() { ", with real data" } else { "" },
        errors.len(),
        t0.elapsed(),
        worst
    );
    assert!(errors.is_empty(), "{errors:#?}");
    // Still serving afterwards.
    assert_eq!(get(addr, "/api/health").unwrap().0, 200);
}

#[test]
fn dashboard_renders_in_chromium() {
    let Some(browser) = chromium("dashboard_renders_in_chromium") else {
        return;
    };
    let (dir, ds) = dashboard_dir("serve-browser");
    let srv = serve(&dir);
    let url = format!("http://{}/", srv.addr);
    let dom = dump_dom(&browser, &url, "dashboard");
    assert!(dom.contains("<form class=\"pick\""), "the picker");
    assert!(dom.contains("scenarios/example.toml"), "scenarios listed");
    let dom = dump_dom(
        &browser,
        &format!("{url}?reporter=%3Cb%3Ex"),
        "dashboard-bad",
    );
    assert!(
        dom.contains("class=\"warning\"") && !dom.contains("<b>x"),
        "bad input shown escaped"
    );
    let Some(ds) = ds else {
        println!("SKIP dashboard charts: no shared data (BACI sample) here");
        screenshot(&browser, &url, "dashboard.png");
        return;
    };
    let page = format!("{url}?dataset={ds}&reporter=ZAF&scenario=scenarios%2Fldc.toml");
    let dom = dump_dom(&browser, &page, "dashboard-charts");
    assert!(
        dom.contains("<option value=\"baci.parquet\" selected=\"\">"),
        "selection kept"
    );
    // The charts show the numbers the API gives.
    let (s, body) = get(srv.addr, &format!("/api/balance?dataset={ds}&reporter=ZAF")).unwrap();
    assert_eq!(s, 200, "{body}");
    let bal = non_total(&serde_json::from_str(&body).unwrap(), "partner");
    let n = assert_bars_equal_json(
        &dom,
        ("balance", "diverging|sorted", ""),
        &bal,
        "partner",
        "balance",
    );
    assert_eq!(n, bal.len().min(30));
    let (s, body) = get(srv.addr, "/api/scenario?scenario=scenarios%2Fldc.toml").unwrap();
    assert_eq!(s, 200, "{body}");
    let sc: serde_json::Value = serde_json::from_str(&body).unwrap();
    let bp = rows(&sc["by_partner"]);
    assert_bars_equal_json(
        &dom,
        ("scenario", "grouped", "Trade creation"),
        &bp,
        "partner",
        "trade_creation",
    );
    assert_bars_equal_json(
        &dom,
        ("scenario", "grouped", "Trade diversion"),
        &bp,
        "partner",
        "trade_diversion",
    );
    if shared("classification").is_some() {
        assert!(
            dom.contains("data-section=\"composition\""),
            "end-use composition"
        );
    }
    screenshot(&browser, &page, "dashboard.png");
}

// ---- demo ----------------------------------------------------------------------------------

#[test]
fn demo_ends_with_its_report() {
    let dir = scratch("demo-report");
    let o = run(&["demo", "--dir", dir.to_str().unwrap()]);
    assert!(o.status.success(), "balanza demo: {}", stderr(&o));
    let report = dir.join("report.html");
    let out = stdout(&o);
    assert!(
        out.contains("Report of the demo"),
        "the demo ends with its report: {out}"
    );
    assert!(
        out.contains(report.to_str().unwrap()),
        "prints the path: {out}"
    );
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("SYNTHETIC DATA"), "labelled as synthetic");
    // Every step of the demo shows up: balance and composition on the synthetic dataset, the
    // LDC scenario, the GE counterfactual and the jobs in exports.
    for sec in ["balance", "composition", "scenario", "ge", "jobs"] {
        assert!(
            html.contains(&format!("data-section=\"{sec}\"")),
            "section {sec}"
        );
    }
    assert!(!html.contains("class=\"warning\""), "no part left out");
    assert!(!html.contains("<script") && !html.contains("NaN"));
    let Some(browser) = chromium("demo_ends_with_its_report") else {
        return;
    };
    let url = format!("file://{}", report.display());
    let dom = dump_dom(&browser, &url, "demo");
    let charts = dom.matches("<figure class=\"chart\"><svg").count();
    assert!(charts >= 2, "{charts} charts in the demo report");
    println!("demo report: {charts} charts, {}", report.display());
    screenshot(&browser, &url, "demo-report.png");
}
