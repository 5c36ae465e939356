//! # balanza-serve
//!
//! The local dashboard behind `balanza serve`: a page to pick a dataset, a reporter and a
//! scenario and see the report's charts, and a JSON API under `/api`.
//!
//! It owns HTTP: routes, query parameters (axum `Query` extraction into typed structs that
//! refuse unknown keys), status codes and the page around the charts. It must not compute
//! anything itself: every number comes from `balanza-app` requests ([`Analysis`]), run in
//! process against one shared [`Context`] (so a dataset is read once), on tokio's blocking
//! pool, at most [`MAX_RUNNING`] at a time, and cached per request so that repeated and
//! concurrent requests for the same thing cost one run. An input error is a 400, a fault of
//! the program a 500.
//!
//! Bound to 127.0.0.1 by default: it serves files of the machine it runs on and is meant for
//! the person at that machine.

#![warn(missing_docs)]

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use balanza_app::query::Breakdown;
use balanza_app::report::{dataset_sections, DatasetRequest};
use balanza_app::{balance, composition, simulate, Analysis, Context, Fault};
use balanza_data::table::Flow;
use balanza_report::html::{self, Block, Section};
use balanza_report::html_sections as sections;
use balanza_report::Table;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

/// Most analyses (balance, composition, simulate) at once: the machine's cores are
/// better spent finishing runs than starting them all.
pub const MAX_RUNNING: usize = 2;
/// Most cached results kept; the cache is emptied when full (results are cheap to redo).
const MAX_CACHED: usize = 256;

/// What the dashboard serves and where it listens.
#[derive(Debug, Clone)]
pub struct Options {
    /// TCP port; 0 picks a free one.
    pub port: u16,
    /// Address to listen on.
    pub bind: IpAddr,
    /// Folder with the datasets (*.parquet) and scenarios (*.toml) to offer.
    pub data: PathBuf,
    /// Classification tables for end use, for `composition`.
    pub refdata: Option<PathBuf>,
    /// HS revision of datasets that do not record theirs, for `composition`.
    pub hs_revision: Option<String>,
}

struct App {
    /// The application layer's caches (datasets read once, classification tables).
    ctx: Context,
    data: PathBuf,
    refdata: Option<PathBuf>,
    hs_revision: Option<String>,
    cache: Mutex<HashMap<String, Arc<OnceLock<Outcome>>>>,
    running: (Mutex<usize>, Condvar),
}

/// A finished run: tables, or an error and whether the request was at fault.
type Outcome = Result<Vec<Table>, (StatusCode, String)>;

/// Serves the dashboard until interrupted (Ctrl-C); prints the address it listens on.
pub fn serve(args: Options) -> anyhow::Result<()> {
    if !args.data.is_dir() {
        anyhow::bail!("--data {}: not a folder", args.data.display());
    }
    let app = Arc::new(App {
        ctx: Context::new(),
        data: args.data.clone(),
        refdata: args.refdata.clone(),
        hs_revision: args.hs_revision.clone(),
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

/// A query that axum could not turn into the endpoint's parameters (an unknown or repeated
/// key, a missing one, a word outside its choices): 400 with serde's message, which names
/// the parameter.
fn rejected(r: QueryRejection) -> ApiError {
    let text = r.body_text();
    let detail = text
        .strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(&text);
    bad(format!("bad query: {detail}"))
}

/// The parameters of one endpoint, or the 400 that says what is wrong with them.
fn params<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t).map_err(rejected)
}

/// Endpoints without parameters refuse any.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoParams {}

/// An ISO3 reporter code, upper-cased; anything but three letters is refused.
#[derive(Debug, Clone)]
struct Reporter(String);

impl<'de> Deserialize<'de> for Reporter {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = String::deserialize(d)?;
        if v.len() == 3 && v.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Reporter(v.to_ascii_uppercase()))
        } else {
            Err(serde::de::Error::custom(format!(
                "expected an ISO3 country code (three letters), got `{}`",
                v.chars().take(40).collect::<String>()
            )))
        }
    }
}

/// A four-digit year.
#[derive(Debug, Clone)]
struct Year(String);

impl<'de> Deserialize<'de> for Year {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = String::deserialize(d)?;
        if v.len() == 4 && v.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Year(v))
        } else {
            Err(serde::de::Error::custom(format!(
                "expected a four-digit year, got `{}`",
                v.chars().take(40).collect::<String>()
            )))
        }
    }
}

/// `/api/balance` and `/api/composition`: the same words as the command line's flags.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnalysisParams {
    /// A dataset as `/api/datasets` lists it.
    dataset: String,
    reporter: Reporter,
    /// Default: partner (balance), enduse (composition).
    by: Option<Breakdown>,
    /// Composition only; default imports.
    flow: Option<Flow>,
    year: Option<Year>,
    /// Partners kept, as the CLI's `--partner` (`USA,DEU`, `ldc and china_relations`).
    partner: Option<String>,
    /// HS prefixes kept, as the CLI's `--product` (`84,8501`).
    product: Option<String>,
}

/// `/api/scenario`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioParams {
    /// A scenario as `/api/datasets` lists it.
    scenario: String,
}

/// The dashboard page: any of the three, empty meaning not chosen.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageParams {
    dataset: Option<String>,
    reporter: Option<String>,
    scenario: Option<String>,
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

// ---- running analyses ---------------------------------------------------------------------

impl App {
    /// Runs an analysis once per distinct request (and file times, see
    /// [`Analysis::cache_key`]); concurrent callers with the same request wait for the one
    /// run. Call from a blocking thread.
    fn tables(&self, a: &Analysis) -> Outcome {
        let key = a.cache_key();
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
            let r = a.tables(&self.ctx).map_err(|e| {
                // An unknown reporter or a scenario that does not validate is the request's
                // fault; a failure to read a listed file or a bug is the server's.
                let status = match e.fault() {
                    Fault::Input => StatusCode::BAD_REQUEST,
                    Fault::Program => StatusCode::INTERNAL_SERVER_ERROR,
                };
                (status, e.to_string())
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

/// The dataset's path, once it is one of those listed.
fn dataset_path(app: &App, dataset: &str) -> Result<PathBuf, ApiError> {
    let (datasets, _) = list_inputs(&app.data);
    Ok(app.data.join(listed("dataset", dataset, &datasets)?))
}

/// The validated request of `/api/balance` or `/api/composition`.
fn analysis_request(app: &App, q: &AnalysisParams, command: &str) -> Result<Analysis, ApiError> {
    let ds = dataset_path(app, &q.dataset)?;
    let mut selection = balanza_app::query::Selection {
        data: vec![ds],
        reporter: q.reporter.0.clone(),
        years: q.year.as_ref().map(|y| y.0.clone()),
        partner: q.partner.clone(),
        product: q.product.clone(),
        ..Default::default()
    };
    if command == "balance" {
        if q.flow.is_some() {
            return Err(bad(
                "parameter `flow`: balance shows both flows; drop `flow`",
            ));
        }
        return Ok(Analysis::Balance(balance::Request {
            selection,
            by: q.by.unwrap_or(Breakdown::Partner),
        }));
    }
    selection.refdata = app.refdata.clone();
    selection.read.hs_revision = app.hs_revision.clone();
    Ok(Analysis::Composition(composition::Request {
        selection,
        flow: q.flow.unwrap_or(Flow::Imports),
        by: q.by.unwrap_or(Breakdown::EndUse),
    }))
}

/// The validated request of `/api/scenario`, and the scenario file.
fn scenario_request(app: &App, scenario: &str) -> Result<(Analysis, PathBuf), ApiError> {
    let (_, scenarios) = list_inputs(&app.data);
    let path = app.data.join(listed("scenario", scenario, &scenarios)?);
    let req = simulate::Request {
        scenario: path.clone(),
        ..Default::default()
    };
    Ok((Analysis::Simulate(req), path))
}

// ---- handlers -----------------------------------------------------------------------------

async fn health(q: Result<Query<NoParams>, QueryRejection>) -> Result<Json<Value>, ApiError> {
    params(q)?;
    Ok(Json(
        json!({ "ok": true, "version": env!("CARGO_PKG_VERSION") }),
    ))
}

async fn datasets(
    State(app): State<Arc<App>>,
    q: Result<Query<NoParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    params(q)?;
    let (d, s) = blocking(move || list_inputs(&app.data)).await?;
    Ok(Json(json!({ "datasets": d, "scenarios": s })))
}

async fn analysis(
    app: Arc<App>,
    q: AnalysisParams,
    command: &'static str,
) -> Result<Json<Value>, ApiError> {
    let req = {
        let app = app.clone();
        blocking(move || analysis_request(&app, &q, command)).await??
    };
    let r = blocking(move || app.tables(&req)).await?;
    r.map(|t| Json(tables_json(&t)))
        .map_err(|(s, m)| ApiError(s, m))
}

async fn balance(
    State(app): State<Arc<App>>,
    q: Result<Query<AnalysisParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    analysis(app, params(q)?, "balance").await
}

async fn composition(
    State(app): State<Arc<App>>,
    q: Result<Query<AnalysisParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    analysis(app, params(q)?, "composition").await
}

async fn scenario(
    State(app): State<Arc<App>>,
    q: Result<Query<ScenarioParams>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let q = params(q)?;
    let r = blocking(move || {
        let (req, _) = scenario_request(&app, &q.scenario)?;
        Ok::<_, ApiError>(app.tables(&req))
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
async fn page(
    State(app): State<Arc<App>>,
    q: Result<Query<PageParams>, QueryRejection>,
) -> Response {
    let (status, body) = blocking(move || dashboard(&app, q.map(|Query(p)| p).map_err(rejected)))
        .await
        .unwrap_or_else(|e| (e.0, e.1));
    (status, Html(body)).into_response()
}

fn dashboard(app: &App, q: Result<PageParams, ApiError>) -> (StatusCode, String) {
    let (datasets, scenarios) = list_inputs(&app.data);
    let mut status = StatusCode::OK;
    let mut parts: Vec<Section> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    let q = q.unwrap_or_else(|e| {
        problems.push(e.1);
        status = e.0;
        PageParams::default()
    });
    let chosen = |v: Option<String>| v.filter(|v| !v.is_empty());
    let (ds, rep, sc) = (chosen(q.dataset), chosen(q.reporter), chosen(q.scenario));
    if ds.is_some() || rep.is_some() {
        match page_dataset(app, ds.as_deref(), rep.as_deref()) {
            Err(e) => {
                status = e.0;
                problems.push(e.1);
            }
            Ok((data, reporter)) => {
                let q = DatasetRequest {
                    data,
                    reporter,
                    refdata: app.refdata.clone(),
                    hs_revision: app.hs_revision.clone(),
                };
                let run = |a: &Analysis| app.tables(a).map_err(|(_, m)| anyhow::anyhow!(m));
                for (what, r) in dataset_sections(&q, "USD", &run) {
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
        match scenario_request(app, s) {
            Err(e) => {
                status = e.0;
                problems.push(e.1);
            }
            Ok((req, path)) => {
                let text = std::fs::read_to_string(&path).ok();
                let section = app.tables(&req).map_err(|e| e.1).and_then(|t| {
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

/// The page's dataset and reporter, checked as the API checks them.
fn page_dataset(
    app: &App,
    dataset: Option<&str>,
    reporter: Option<&str>,
) -> Result<(PathBuf, String), ApiError> {
    let data = dataset_path(
        app,
        dataset.ok_or_else(|| bad("parameter `dataset` is required"))?,
    )?;
    let rep = reporter.ok_or_else(|| bad("parameter `reporter` is required"))?;
    let rep = Reporter::deserialize(
        serde::de::value::StrDeserializer::<serde::de::value::Error>::new(rep),
    )
    .map_err(|e| bad(format!("parameter `reporter`: {e}")))?;
    Ok((data, rep.0))
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

    fn query<T: serde::de::DeserializeOwned>(q: &str) -> Result<T, String> {
        let uri: axum::http::Uri = format!("/x?{q}").parse().unwrap();
        Query::<T>::try_from_uri(&uri)
            .map(|Query(t)| t)
            .map_err(|e| e.body_text())
    }

    #[test]
    fn queries_are_typed_and_strict() {
        let q: AnalysisParams = query("dataset=a.parquet&reporter=c%68n&by=end_use").unwrap();
        assert_eq!(q.reporter.0, "CHN");
        assert_eq!(q.by, Some(Breakdown::EndUse));
        let err = |q: &str| query::<AnalysisParams>(q).unwrap_err();
        assert!(err("dataset=a&reporter=C1N").contains("ISO3"));
        assert!(err("dataset=a&reporter=CHN&by=galaxy").contains("breakdown"));
        assert!(err("dataset=a&reporter=CHN&flow=sideways").contains("flow"));
        assert!(err("dataset=a&reporter=CHN&year=86").contains("four-digit"));
        assert!(err("dataset=a&reporter=CHN&x=1").contains("unknown field"));
        assert!(err("dataset=a&reporter=CHN&reporter=USA").contains("duplicate"));
        assert!(err("reporter=CHN").contains("dataset"));
        assert!(query::<NoParams>("verbose").is_err());
        assert!(query::<NoParams>("").is_ok());
    }
}
