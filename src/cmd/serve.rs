//! `balanza serve`: a local dashboard (pick a dataset, a reporter and a scenario; see the
//! report's charts) and a JSON API under `/api`.
//!
//! Bound to 127.0.0.1 by default: it serves files of the machine it runs on and is meant for
//! the person at that machine. Every parameter is validated before any work starts (a bad
//! value gets 400 with a JSON message naming it); results come from the same `balanza`
//! commands as the CLI, run in process through the application layer (`balanza-app`, one
//! shared `Context`, so a dataset is read once), on tokio's blocking pool,
//! at most [`MAX_RUNNING`] at a time, and are cached per request so that repeated and
//! concurrent requests for the same thing cost one run.

use crate::cmd::report::{dataset_sections, run_balanza_json, CommandFailed, DatasetQuery};
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use balanza_report::html::{self, Block, Section};
use balanza_report::html_sections as sections;
use balanza_report::Table;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::ffi::OsString;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

/// Most `balanza` runs (balance, composition, simulate) at once: the machine's cores are
/// better spent finishing runs than starting them all.
pub const MAX_RUNNING: usize = 2;
/// Most cached results kept; the cache is emptied when full (results are cheap to redo).
const MAX_CACHED: usize = 256;

/// Arguments of `balanza serve`.
#[derive(clap::Args, Debug)]
#[command(
    after_long_help = "Serve a local dashboard with the report's charts and a JSON API.

The dashboard lists the datasets (*.parquet) and scenarios (*.toml, also under scenarios/) of
the --data folder; pick a dataset, a reporter and a scenario to see the trade balance by
partner, import composition by end use and the scenario's effects by partner.

API (GET, JSON; a bad or unknown parameter gets 400 with {\"error\": ...}):
  /api/health
  /api/datasets                                  datasets and scenarios in --data
  /api/balance?dataset=D&reporter=ISO3[&by=partner|product|hs2|hs4|section|enduse|year][&year=Y]
  /api/composition?dataset=D&reporter=ISO3[&flow=imports|exports]
                  [&by=enduse|hs2|hs4|section|partner|product][&year=Y]
  /api/scenario?scenario=S                       the tables of `simulate --scenario S`

Examples:
  balanza serve --data ./datasets                 # then open http://127.0.0.1:8080/
  balanza serve --port 0                          # any free port; the address is printed"
)]
pub struct Args {
    /// TCP port; 0 picks a free one. The address is printed on standard output.
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on. The default serves this machine only; anything else exposes
    /// your files to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Folder with the datasets (*.parquet) and scenarios (*.toml) to offer.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub data: PathBuf,
    /// Classification tables for end use (hs2017_to_bec4.csv, bec4_to_sna_end_use.csv, ...),
    /// passed to `composition`.
    #[arg(long, value_name = "DIR")]
    pub refdata: Option<PathBuf>,
    /// HS revision of datasets that do not record theirs (e.g. HS2017), for `composition`.
    #[arg(long, value_name = "REV")]
    pub data_hs_revision: Option<String>,
}

struct App {
    /// The application layer's caches (datasets read once, classification tables).
    ctx: balanza_app::Context,
    data: PathBuf,
    refdata: Option<PathBuf>,
    hs_revision: Option<String>,
    cache: Mutex<HashMap<Vec<OsString>, Arc<OnceLock<Outcome>>>>,
    running: (Mutex<usize>, Condvar),
}

/// A finished run: tables, or an error and whether the request was at fault.
type Outcome = Result<Vec<Table>, (StatusCode, String)>;

/// Runs `balanza serve` until interrupted (Ctrl-C).
pub fn run(args: Args) -> anyhow::Result<()> {
    if !args.data.is_dir() {
        anyhow::bail!("--data {}: not a folder", args.data.display());
    }
    let app = Arc::new(App {
        ctx: balanza_app::Context::new(),
        data: args.data.clone(),
        refdata: args.refdata.clone(),
        hs_revision: args.data_hs_revision.clone(),
        cache: Mutex::new(HashMap::new()),
        running: (Mutex::new(0), Condvar::new()),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the server runtime: {e}"))?;
    rt.block_on(async move {
        let listener = listen(std::net::SocketAddr::new(args.bind, args.port))
            .map_err(|e| anyhow::anyhow!("cannot listen on {}:{}: {e}", args.bind, args.port))?;
        let addr = listener.local_addr()?;
        // Tests and scripts read this line to find the port (with --port 0).
        println!("balanza dashboard listening on http://{addr}/");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        if !args.bind.is_loopback() {
            eprintln!("warning: listening on {addr}: other machines can reach this dashboard");
        }
        axum::serve(listener, router(app))
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| anyhow::anyhow!("server error: {e}"))
    })
}

/// Connections the kernel may queue before they are accepted. The default (128) makes a burst
/// of a few hundred simultaneous connections wait a SYN retry (1 s); the kernel still caps
/// this at net.core.somaxconn.
const BACKLOG: u32 = 1024;

fn listen(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let sock = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    sock.set_reuseaddr(true)?;
    sock.bind(addr)?;
    sock.listen(BACKLOG)
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/api/health", get(health))
        .route("/api/datasets", get(datasets))
        .route("/api/balance", get(balance))
        .route("/api/composition", get(composition))
        .route("/api/scenario", get(scenario))
        .fallback(not_found)
        .with_state(app)
}

// ---- parameters ---------------------------------------------------------------------------

/// A rejected request: status and message, sent as `{"error": message}`.
#[derive(Debug)]
struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

fn bad(msg: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, msg.into())
}

/// Decodes `a=1&b=x%20y` strictly: bad percent escapes, non-UTF-8 text, repeated or unknown
/// keys are errors that name the parameter.
fn parse_query(raw: Option<&str>, allowed: &[&str]) -> Result<HashMap<String, String>, ApiError> {
    let mut out = HashMap::new();
    let Some(raw) = raw else {
        return Ok(out);
    };
    for part in raw.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let k = decode(k).ok_or_else(|| bad("a parameter name is not valid URL encoding"))?;
        let v = decode(v).ok_or_else(|| bad(format!("parameter `{k}`: not valid URL encoding")))?;
        if !allowed.contains(&k.as_str()) {
            return Err(bad(format!(
                "unknown parameter `{}`; this endpoint takes: {}",
                k.chars().take(40).collect::<String>(),
                allowed.join(", ")
            )));
        }
        if out.insert(k.clone(), v).is_some() {
            return Err(bad(format!("parameter `{k}` given twice")));
        }
    }
    Ok(out)
}

fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn required<'a>(q: &'a HashMap<String, String>, key: &str) -> Result<&'a str, ApiError> {
    match q.get(key).map(String::as_str) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(bad(format!("parameter `{key}` is required"))),
    }
}

fn reporter(v: &str) -> Result<String, ApiError> {
    if v.len() == 3 && v.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(v.to_ascii_uppercase())
    } else {
        Err(bad(format!(
            "parameter `reporter`: expected an ISO3 country code (three letters), got `{}`",
            v.chars().take(40).collect::<String>()
        )))
    }
}

fn one_of(key: &str, v: Option<&String>, choices: &[&str]) -> Result<String, ApiError> {
    match v {
        None => Ok(choices[0].to_string()),
        Some(v) if choices.contains(&v.as_str()) => Ok(v.clone()),
        Some(v) => Err(bad(format!(
            "parameter `{key}`: expected one of {}, got `{}`",
            choices.join(", "),
            v.chars().take(40).collect::<String>()
        ))),
    }
}

/// The datasets (`*.parquet`, files or folders) and scenarios (`*.toml`, also under
/// `scenarios/`) of the data folder, as names relative to it, sorted.
fn list_inputs(dir: &Path) -> (Vec<String>, Vec<String>) {
    let names = |d: &Path| -> Vec<(String, bool)> {
        std::fs::read_dir(d)
            .map(|rd| {
                rd.flatten()
                    .map(|e| {
                        (
                            e.file_name().to_string_lossy().into_owned(),
                            e.path().is_dir(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut datasets = Vec::new();
    let mut scenarios = Vec::new();
    for (n, _) in names(dir) {
        if n.ends_with(".parquet") {
            datasets.push(n);
        } else if n.ends_with(".toml") {
            scenarios.push(n);
        }
    }
    for (n, is_dir) in names(&dir.join("scenarios")) {
        if !is_dir && n.ends_with(".toml") {
            scenarios.push(format!("scenarios/{n}"));
        }
    }
    datasets.sort();
    scenarios.sort();
    (datasets, scenarios)
}

/// A dataset or scenario name as listed: anything else (paths, `..`) is refused, so the API
/// only ever opens files the listing shows.
fn listed(key: &str, v: &str, list: &[String]) -> Result<String, ApiError> {
    if list.iter().any(|x| x == v) {
        Ok(v.to_string())
    } else {
        Err(bad(format!(
            "parameter `{key}`: `{}` is not one of the {key}s offered (see /api/datasets)",
            v.chars().take(80).collect::<String>()
        )))
    }
}

// ---- running commands ---------------------------------------------------------------------

impl App {
    /// Runs `balanza ARGS` (which asks for `--format json`) once per distinct ARGS; concurrent callers with the
    /// same ARGS wait for the one run. Call from a blocking thread.
    fn tables(&self, args: Vec<OsString>) -> Outcome {
        // The key holds the modification times of the files named in ARGS, so that a dataset
        // or scenario edited while the dashboard runs is read again.
        let mut key = args.clone();
        for a in &args {
            if let Ok(t) = std::fs::metadata(a).and_then(|m| m.modified()) {
                key.push(format!("{t:?}").into());
            }
        }
        let cell = {
            let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if cache.len() >= MAX_CACHED && !cache.contains_key(&key) {
                cache.clear();
            }
            cache.entry(key).or_default().clone()
        };
        cell.get_or_init(|| {
            let (lock, cv) = &self.running;
            {
                let mut n = lock.lock().unwrap_or_else(|e| e.into_inner());
                while *n >= MAX_RUNNING {
                    n = cv.wait(n).unwrap_or_else(|e| e.into_inner());
                }
                *n += 1;
            }
            let r = run_balanza_json(&self.ctx, &args).map_err(|e| {
                // The commands exit 2 when the input is at fault (an unknown reporter, a
                // scenario that does not validate): the request was bad, not the server.
                // Any other failure (a crash) is the server's.
                let input_fault = e
                    .downcast_ref::<CommandFailed>()
                    .is_some_and(|c| c.code == Some(2));
                let status = if input_fault {
                    StatusCode::BAD_REQUEST
                } else {
                    StatusCode::INTERNAL_SERVER_ERROR
                };
                (status, format!("{e:#}"))
            });
            *lock.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
            cv.notify_one();
            r
        })
        .clone()
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("internal error while answering: {e}"),
        )
    })
}

/// One table as its array of rows; several as an object keyed by table name when they have
/// names (as `simulate` gives them), else an array of arrays.
fn tables_json(tables: &[Table]) -> Value {
    if tables.len() == 1 {
        tables[0].to_json()
    } else if tables.iter().all(|t| t.title.is_some()) {
        Value::Object(
            tables
                .iter()
                .map(|t| (t.title.clone().unwrap_or_default(), t.to_json()))
                .collect(),
        )
    } else {
        Value::Array(tables.iter().map(Table::to_json).collect())
    }
}

/// The dataset (as listed) and reporter (ISO3) of a query, validated.
fn dataset_reporter(app: &App, q: &HashMap<String, String>) -> Result<(PathBuf, String), ApiError> {
    let (datasets, _) = list_inputs(&app.data);
    let ds = listed("dataset", required(q, "dataset")?, &datasets)?;
    let rep = reporter(required(q, "reporter")?)?;
    Ok((app.data.join(ds), rep))
}

/// Validated arguments for `balance` / `composition` from a query.
fn analysis_args(
    app: &App,
    q: &HashMap<String, String>,
    command: &str,
) -> Result<Vec<OsString>, ApiError> {
    let (ds, rep) = dataset_reporter(app, q)?;
    let mut a: Vec<OsString> = vec![command.into()];
    a.extend(["--data".into(), ds.into_os_string()]);
    a.extend(["--reporter".into(), rep.into()]);
    a.extend(["--format".into(), "json".into()]);
    if command == "balance" {
        let by = one_of(
            "by",
            q.get("by"),
            &[
                "partner", "product", "hs2", "hs4", "section", "enduse", "year",
            ],
        )?;
        a.extend(["--by".into(), by.into()]);
    } else {
        let flow = one_of("flow", q.get("flow"), &["imports", "exports"])?;
        let by = one_of(
            "by",
            q.get("by"),
            &["enduse", "hs2", "hs4", "section", "partner", "product"],
        )?;
        a.extend(["--flow".into(), flow.into(), "--by".into(), by.into()]);
        if let Some(r) = &app.refdata {
            a.extend(["--refdata".into(), r.clone().into_os_string()]);
        }
        if let Some(rev) = &app.hs_revision {
            a.extend(["--data-hs-revision".into(), rev.into()]);
        }
    }
    if let Some(y) = q.get("year") {
        if !(y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit())) {
            return Err(bad(format!(
                "parameter `year`: expected a four-digit year, got `{}`",
                y.chars().take(40).collect::<String>()
            )));
        }
        a.extend(["--years".into(), y.into()]);
    }
    Ok(a)
}

fn scenario_args(
    app: &App,
    q: &HashMap<String, String>,
) -> Result<(Vec<OsString>, PathBuf), ApiError> {
    let (_, scenarios) = list_inputs(&app.data);
    let s = listed("scenario", required(q, "scenario")?, &scenarios)?;
    let path = app.data.join(s);
    Ok((
        vec![
            "simulate".into(),
            "--scenario".into(),
            path.clone().into_os_string(),
            "--format".into(),
            "json".into(),
        ],
        path,
    ))
}

// ---- handlers -----------------------------------------------------------------------------

async fn health(RawQuery(raw): RawQuery) -> Result<Json<Value>, ApiError> {
    parse_query(raw.as_deref(), &[])?;
    Ok(Json(
        json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") }),
    ))
}

async fn datasets(
    State(app): State<Arc<App>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    parse_query(raw.as_deref(), &[])?;
    let (d, s) = blocking(move || list_inputs(&app.data)).await?;
    Ok(Json(json!({ "datasets": d, "scenarios": s })))
}

async fn analysis(
    app: Arc<App>,
    raw: Option<String>,
    command: &'static str,
) -> Result<Json<Value>, ApiError> {
    let q = parse_query(
        raw.as_deref(),
        if command == "balance" {
            &["dataset", "reporter", "by", "year"][..]
        } else {
            &["dataset", "reporter", "by", "flow", "year"][..]
        },
    )?;
    let args = {
        let app = app.clone();
        blocking(move || analysis_args(&app, &q, command)).await??
    };
    let r = blocking(move || app.tables(args)).await?;
    r.map(|t| Json(tables_json(&t)))
        .map_err(|(s, m)| ApiError(s, m))
}

async fn balance(
    State(app): State<Arc<App>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    analysis(app, raw, "balance").await
}

async fn composition(
    State(app): State<Arc<App>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    analysis(app, raw, "composition").await
}

async fn scenario(
    State(app): State<Arc<App>>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let q = parse_query(raw.as_deref(), &["scenario"])?;
    let r = blocking(move || {
        let (args, _) = scenario_args(&app, &q)?;
        Ok::<_, ApiError>(app.tables(args))
    })
    .await??;
    r.map(|t| Json(tables_json(&t)))
        .map_err(|(s, m)| ApiError(s, m))
}

async fn not_found(uri: Uri) -> Response {
    let path = uri.path().chars().take(80).collect::<String>();
    if path.starts_with("/api") {
        ApiError(
            StatusCode::NOT_FOUND,
            format!("no endpoint {path}; see /api/health, /api/datasets, /api/balance, /api/composition, /api/scenario"),
        )
        .into_response()
    } else {
        (
            StatusCode::NOT_FOUND,
            Html(format!(
                "{}<p class=\"warning\">No page {}. <a href=\"/\">Back to the dashboard</a>.</p>{}",
                html::page_start("balanza dashboard", &[]),
                html::escape(&path),
                html::page_end("balanza dashboard")
            )),
        )
            .into_response()
    }
}

/// The dashboard page: the picker and, for a selection, the same sections as the report.
/// Bad parameters get the page with the message and status 400.
async fn page(State(app): State<Arc<App>>, RawQuery(raw): RawQuery) -> Response {
    let (status, body) = blocking(move || dashboard(&app, raw.as_deref()))
        .await
        .unwrap_or_else(|e| (e.0, e.1));
    (status, Html(body)).into_response()
}

fn dashboard(app: &App, raw: Option<&str>) -> (StatusCode, String) {
    let (datasets, scenarios) = list_inputs(&app.data);
    let mut status = StatusCode::OK;
    let mut parts: Vec<Section> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let q = match parse_query(raw, &["dataset", "reporter", "scenario"]) {
        Ok(q) => q,
        Err(e) => {
            problems.push(e.1);
            status = e.0;
            HashMap::new()
        }
    };
    let sel = |k: &str| q.get(k).filter(|v| !v.is_empty()).cloned();
    let (ds, rep, sc) = (sel("dataset"), sel("reporter"), sel("scenario"));
    if ds.is_some() || rep.is_some() {
        let mut qq = HashMap::new();
        if let Some(d) = &ds {
            qq.insert("dataset".to_string(), d.clone());
        }
        if let Some(r) = &rep {
            qq.insert("reporter".to_string(), r.clone());
        }
        match dataset_reporter(app, &qq) {
            Err(e) => {
                status = e.0;
                problems.push(e.1);
            }
            Ok((data, reporter)) => {
                let q = DatasetQuery {
                    data: &data,
                    reporter: &reporter,
                    refdata: app.refdata.as_deref(),
                    hs_revision: app.hs_revision.as_deref(),
                    currency: "USD",
                };
                let run = |a: Vec<OsString>| app.tables(a).map_err(|(_, m)| anyhow::anyhow!(m));
                for (what, r) in dataset_sections(&q, &run) {
                    match r {
                        Ok(s) => parts.push(s),
                        Err(e) => {
                            status = StatusCode::BAD_REQUEST;
                            problems.push(format!("{what}: {e:#}"));
                        }
                    }
                }
            }
        }
    }
    if let Some(s) = &sc {
        let mut qq = HashMap::new();
        qq.insert("scenario".to_string(), s.clone());
        match scenario_args(app, &qq) {
            Err(e) => {
                status = e.0;
                problems.push(e.1);
            }
            Ok((args, path)) => {
                let text = std::fs::read_to_string(&path).ok();
                let section = app.tables(args).map_err(|e| e.1).and_then(|t| {
                    let named: Vec<(Table, String)> = t
                        .into_iter()
                        .enumerate()
                        .map(|(i, t)| {
                            let name = t
                                .title
                                .clone()
                                .unwrap_or_else(|| format!("table {}", i + 1));
                            (t, format!("simulate {s}: {name}"))
                        })
                        .collect();
                    sections::scenario_section(&named, text.as_deref(), "USD")
                        .map_err(|e| e.to_string())
                });
                match section {
                    Ok(sec) => parts.push(sec),
                    Err(e) => {
                        status = StatusCode::BAD_REQUEST;
                        problems.push(e);
                    }
                }
            }
        }
    }
    let mut out = html::page_start(
        "balanza dashboard",
        &[format!(
            "Data folder: {} — {} datasets, {} scenarios. JSON API under /api.",
            app.data.display(),
            datasets.len(),
            scenarios.len()
        )],
    );
    out.push_str(&picker(
        &datasets,
        &scenarios,
        ds.as_deref(),
        rep.as_deref(),
        sc.as_deref(),
    ));
    for p in &problems {
        out.push_str(&html::render_section(&Section {
            id: "problem".into(),
            heading: "Cannot show this selection".into(),
            blocks: vec![Block::Warning(p.clone())],
        }));
    }
    if parts.is_empty() && problems.is_empty() {
        out.push_str(&html::render_section(&Section {
            id: "start".into(),
            heading: "Pick something to look at".into(),
            blocks: vec![Block::Text(
                "Choose a dataset and type a reporter (ISO3, e.g. CHN) to see its trade balance \
                 by partner and its imports by end use; choose a scenario to see its effects by \
                 partner."
                    .into(),
            )],
        }));
    }
    for s in &parts {
        out.push_str(&html::render_section(s));
    }
    out.push_str(&html::page_end(
        "balanza dashboard: the same charts as `balanza report`; hover a bar for its exact value. \
         The data behind each chart is under /api (see `balanza serve --help`).",
    ));
    (status, out)
}

fn picker(
    datasets: &[String],
    scenarios: &[String],
    ds: Option<&str>,
    rep: Option<&str>,
    sc: Option<&str>,
) -> String {
    use std::fmt::Write as _;
    let options = |list: &[String], chosen: Option<&str>, none: &str| {
        let mut s = format!("<option value=\"\">{}</option>", html::escape(none));
        for x in list {
            let _ = write!(
                s,
                "<option value=\"{0}\"{1}>{0}</option>",
                html::escape(x),
                if Some(x.as_str()) == chosen {
                    " selected"
                } else {
                    ""
                }
            );
        }
        s
    };
    format!(
        "<section class=\"part\" id=\"pick\"><form class=\"pick\" method=\"get\" action=\"/\">\
         <label>Dataset<select name=\"dataset\">{}</select></label>\
         <label>Reporter (ISO3)<input name=\"reporter\" value=\"{}\" maxlength=\"3\" \
         pattern=\"[A-Za-z]{{3}}\" placeholder=\"CHN\"></label>\
         <label>Scenario<select name=\"scenario\">{}</select></label>\
         <button type=\"submit\">Show</button></form></section>",
        options(datasets, ds, "(none)"),
        html::escape(rep.unwrap_or("")),
        options(scenarios, sc, "(none)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_decoded_strictly() {
        let q = parse_query(Some("reporter=C%48N&by=a+b"), &["reporter", "by"]).unwrap();
        assert_eq!(q["reporter"], "CHN");
        assert_eq!(q["by"], "a b");
        assert!(parse_query(Some("reporter=%zz"), &["reporter"]).is_err());
        assert!(parse_query(Some("reporter=%ff"), &["reporter"]).is_err());
        assert!(parse_query(Some("x=1"), &["reporter"]).is_err());
        assert!(parse_query(Some("reporter=A&reporter=B"), &["reporter"]).is_err());
        assert!(reporter("chn").is_ok() && reporter("CHNA").is_err() && reporter("C1N").is_err());
    }
}
