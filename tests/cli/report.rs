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
        "--window-size=1100,2600",
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
    String::from_utf8_lossy(&browse(browser, url, &["--dump-dom"], tag).stdout).into_owned()
}

/// Saves a screenshot under the target tmp folder, checks it is a real image, prints its path.
fn screenshot(browser: &Path, url: &str, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    browse(
        browser,
        url,
        &[&format!("--screenshot={}", path.display())],
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

/// (label, series, value) of every bar of the chart `kind` (`data-chart` attribute).
fn bars(dom: &str, kind: &str) -> Vec<(String, String, f64)> {
    let start = dom
        .find(&format!("data-chart=\"{kind}\""))
        .unwrap_or_else(|| panic!("no {kind} chart in the page"));
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

/// Every bar of `kind` labelled with a row's `label_col` has exactly that row's `value_col`
/// (both are shortest round-trip decimals of the same f64, so equality is exact).
fn assert_bars_equal_json(
    dom: &str,
    kind: &str,
    series: &str,
    json: &serde_json::Value,
    label_col: &str,
    value_col: &str,
) -> usize {
    let bars = bars(dom, kind);
    assert!(!bars.is_empty(), "{kind} chart has no bars");
    let mut checked = 0;
    for row in json.as_array().unwrap() {
        let label = row[label_col].as_str().unwrap_or_default();
        let want = row[value_col].as_f64().unwrap();
        if let Some((_, _, got)) = bars
            .iter()
            .find(|(l, s, _)| l == label && (series.is_empty() || s == series))
        {
            assert_eq!(
                *got, want,
                "{kind} bar {label}/{series}: DOM {got} vs JSON {want}"
            );
            checked += 1;
        }
    }
    assert_eq!(
        checked,
        bars.iter()
            .filter(|(_, s, _)| series.is_empty() || s == series)
            .count(),
        "every {kind} bar matches a JSON row"
    );
    checked
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

/// Replaces fixtures by the real commands' JSON where the shared data is available; returns
/// which. A command that fails here fails the test: the report must chart what they print.
fn real_inputs(dir: &Path) -> Vec<&'static str> {
    let mut real = Vec::new();
    if let Some(io) = shared("io/chile_2013_12x12") {
        let out = dir.join("jobs.json");
        let o = run(&[
            "jobs",
            "--io",
            io.to_str().unwrap(),
            "--by",
            "industry",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "balanza jobs: {}", stderr(&o));
        real.push("jobs");
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
    // The browser parsed five sections, each chart inside its figure.
    for s in ["balance", "composition", "scenario", "ge", "jobs"] {
        assert!(
            dom.contains(&format!("data-section=\"{s}\"")),
            "section {s}"
        );
    }
    let n_charts = 5 + usize::from(real.contains(&"jobs"));
    assert_eq!(
        dom.matches("<figure class=\"chart\"><svg").count(),
        n_charts
    );
    // Numbers in the page equal the JSON the report was made from.
    let n = assert_bars_equal_json(
        &dom,
        "diverging",
        "",
        &read_json(&dir.join("balance.json")),
        "partner",
        "balance",
    );
    assert_eq!(n, 10);
    assert_bars_equal_json(
        &dom,
        "grouped",
        "Trade creation",
        &read_json(&dir.join("scenario/by_partner.json")),
        "partner",
        "trade_creation",
    );
    assert_bars_equal_json(
        &dom,
        "grouped",
        "Trade diversion",
        &read_json(&dir.join("scenario/by_partner.json")),
        "partner",
        "trade_diversion",
    );
    if real.contains(&"jobs") {
        // `balanza jobs --by industry`: one chart per satellite; employees come first.
        let all = read_json(&dir.join("jobs.json"));
        let employees: Vec<_> = all
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["satellite"] == "employees")
            .cloned()
            .collect();
        assert_eq!(employees.len(), 12, "Chile 2013 has 12 industries");
        let n = assert_bars_equal_json(
            &dom,
            "sorted",
            "",
            &serde_json::Value::Array(employees),
            "name",
            "in_exports",
        );
        assert_eq!(n, 12);
    } else {
        assert_bars_equal_json(
            &dom,
            "sorted",
            "",
            &read_json(&dir.join("jobs.json")),
            "industry",
            "jobs_in_exports",
        );
    }
    let stacked = bars(&dom, "stacked");
    assert_eq!(stacked.len(), 15, "5 years × 3 end uses");
    let comp = read_json(&dir.join("composition.json"));
    for row in comp.as_array().unwrap() {
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
    // Diverging bars are sorted: largest balance first.
    let div = bars(&dom, "diverging");
    assert!(div.windows(2).all(|w| w[0].2 >= w[1].2), "sorted bars");
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
            c["width"].as_f64().unwrap() > 500.0 && c["height"].as_f64().unwrap() > 150.0,
            "{c}"
        );
        assert!(c["visible_bars"].as_u64().unwrap() >= 8, "{c}");
        assert!(
            c["texts"].as_u64().unwrap() >= 10,
            "title, ticks, labels: {c}"
        );
    }
    println!("layout: {lay}");
    screenshot(&browser, &url, "report.png");
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
    let mut child = balanza()
        .args(["serve", "--port", "0", "--data"])
        .arg(data)
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

fn dashboard_dir() -> PathBuf {
    let dir = scratch("serve");
    std::fs::create_dir_all(dir.join("scenarios")).unwrap();
    std::fs::write(dir.join("scenarios/example.toml"), "name = \"example\"\n").unwrap();
    dir
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
    let dir = dashboard_dir();
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
    let dir = dashboard_dir();
    let srv = serve(&dir);
    let addr = srv.addr;
    let n = 200;
    let barrier = Arc::new(Barrier::new(n));
    let t0 = Instant::now();
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                // A mix: health, listings, the page, and malformed requests that must get 400.
                let (path, want) = match i % 4 {
                    0 => ("/api/health", 200),
                    1 => ("/api/datasets", 200),
                    2 => ("/", 200),
                    _ => MALFORMED[i % MALFORMED.len()],
                };
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
        "dashboard: {n} concurrent requests, {} errors, all done in {:?}, slowest {:?}",
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
    let dir = dashboard_dir();
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
    screenshot(&browser, &url, "dashboard.png");
}
