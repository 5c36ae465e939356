//! The HTML report: charts of the results of the other analyses, as one self-contained page.
//!
//! Its inputs are result files the other commands wrote (`--format json --out`, or CSV), so a
//! report can be made from results computed earlier, elsewhere or by a script; with a
//! [`DatasetRequest`] it also runs the balance and the composition itself, in process, through
//! [`Analysis`]. The mapping from columns to charts lives in `balanza_report::html_sections`;
//! this module chooses which results go in and in what order.

use crate::analysis::Analysis;
use crate::error::{AppError, AppResult};
use crate::query::{Breakdown, ReadRequest, Selection};
use crate::{balance, composition, Context};
use balanza_data::Flow;
use balanza_report::html::{Block, Report, Section};
use balanza_report::html_sections::{self as sections, load_tables};
use balanza_report::{Cell, Table};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What to put in a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Request {
    /// Title at the top.
    pub title: String,
    /// Lines of context under the title.
    pub notes: Vec<String>,
    /// Currency named on money axes when a table has no `currency` column.
    pub currency: String,
    /// A `balance` result file.
    pub balance: Option<PathBuf>,
    /// `composition` result files, as `FILE` or `YEAR=FILE` (one per year).
    pub composition: Vec<String>,
    /// The flow of the composition files, for the titles (the files do not say).
    pub flow: Option<Flow>,
    /// A folder written by `simulate --out DIR`.
    pub scenario_dir: Option<PathBuf>,
    /// Single scenario result tables.
    pub scenario_files: Vec<PathBuf>,
    /// A folder of results, each recognised by its columns (two levels deep).
    pub from: Option<PathBuf>,
    /// The scenario file (TOML) to print as given.
    pub scenario_text: Option<PathBuf>,
    /// A `ge` result file.
    pub ge: Option<PathBuf>,
    /// A `jobs` result file.
    pub jobs: Option<PathBuf>,
    /// A dataset to run the balance and composition on.
    pub dataset: Option<DatasetRequest>,
    /// A part that cannot be read or charted becomes a warning in the report instead of an
    /// error (the demo wants whatever exists).
    pub tolerant: bool,
}

impl Default for Request {
    fn default() -> Self {
        Self {
            title: "balanza report".into(),
            notes: Vec::new(),
            currency: "USD".into(),
            balance: None,
            composition: Vec::new(),
            flow: None,
            scenario_dir: None,
            scenario_files: Vec::new(),
            from: None,
            scenario_text: None,
            ge: None,
            jobs: None,
            dataset: None,
            tolerant: false,
        }
    }
}

/// A dataset and reporter to look at: the balance by partner and, with classification tables,
/// the imports by end use for each of the latest [`MAX_YEARS`] years.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct DatasetRequest {
    /// The dataset (`ingest` output or raw files `balance` reads).
    pub data: PathBuf,
    /// Reporter, ISO3.
    pub reporter: String,
    /// Classification folder for end use; without it the composition is left out when end
    /// use cannot be known.
    pub refdata: Option<PathBuf>,
    /// HS revision of the data when the dataset does not record it.
    pub hs_revision: Option<String>,
}

/// A built report.
#[derive(Debug, Clone)]
pub struct Output {
    /// The page.
    pub report: Report,
    /// Parts left out of a tolerant report, with the reason (each also a warning in the page).
    pub left_out: Vec<String>,
}

/// Most years charted in the composition over years (the latest ones).
pub const MAX_YEARS: usize = 8;

/// Scenario tables larger than this (bytes) are not read into the report.
const MAX_SCENARIO_FILE: u64 = 50_000_000;

/// Result files larger than this (bytes) found under `from` are datasets or line-level
/// results, not summaries to chart.
const MAX_FOUND_FILE: u64 = 20_000_000;

/// Builds the report.
pub fn run(ctx: &Context, req: &Request) -> AppResult<Output> {
    let mut req = req.clone();
    if let Some(dir) = req.from.clone() {
        if !dir.is_dir() {
            return Err(AppError::input(format!(
                "--from {}: not a folder",
                dir.display()
            )));
        }
        results_from_dir(&dir, &mut req);
    }
    let any = req.balance.is_some()
        || !req.composition.is_empty()
        || req.scenario_dir.is_some()
        || !req.scenario_files.is_empty()
        || req.ge.is_some()
        || req.jobs.is_some()
        || req.dataset.is_some();
    if !any {
        return Err(AppError::input(
            "nothing to report: give at least one of --balance, --composition, --scenario-dir, \
             --scenario, --ge, --jobs or --data with --reporter (see `balanza report --help`)",
        ));
    }
    Ok(build(ctx, &req)?)
}

fn build(ctx: &Context, req: &Request) -> anyhow::Result<Output> {
    let mut out = Output {
        report: Report {
            title: req.title.clone(),
            meta: req.notes.clone(),
            sections: Vec::new(),
        },
        left_out: Vec::new(),
    };
    let mut used = Vec::new();
    let tolerant = req.tolerant;
    let add = |out: &mut Output, what: &str, r: anyhow::Result<Section>| -> anyhow::Result<()> {
        match r {
            Ok(s) => out.report.sections.push(s),
            Err(e) if tolerant => {
                out.left_out.push(format!("{what} left out: {e:#}"));
                out.report.sections.push(Section {
                    id: what.replace(' ', "-"),
                    heading: what.to_string(),
                    blocks: vec![Block::Warning(format!("Left out: {e:#}"))],
                });
            }
            Err(e) => return Err(e),
        }
        Ok(())
    };
    let cur = req.currency.as_str();
    if let Some(q) = &req.dataset {
        let run = |a: &Analysis| Ok(a.tables(ctx)?);
        for (what, r) in dataset_sections(q, cur, &run) {
            add(&mut out, what, r)?;
        }
        used.push(format!(
            "dataset {} (reporter {})",
            q.data.display(),
            q.reporter
        ));
    }
    if let Some(p) = &req.balance {
        let src = p.display().to_string();
        let r = load(p).and_then(|t| Ok(sections::balance_section(first(&t, &src)?, &src, cur)?));
        add(&mut out, "balance", r)?;
        used.push(format!("balance {src}"));
    }
    if !req.composition.is_empty() {
        let flow = req.flow.map(|f| f.to_string());
        let r = composition_files(&req.composition).and_then(|(t, src)| {
            Ok(sections::composition_section(
                &t,
                &src,
                cur,
                flow.as_deref(),
            )?)
        });
        add(&mut out, "composition", r)?;
        used.push(format!("composition {}", req.composition.join(", ")));
    }
    if req.scenario_dir.is_some() || !req.scenario_files.is_empty() {
        let r = scenario(req);
        add(&mut out, "scenario", r)?;
        if let Some(d) = &req.scenario_dir {
            used.push(format!("scenario {}", d.display()));
        }
    }
    if let Some(p) = &req.ge {
        let src = p.display().to_string();
        let r = load(p).and_then(|t| Ok(sections::ge_section(&t, &src)?));
        add(&mut out, "general equilibrium", r)?;
        used.push(format!("general equilibrium {src}"));
    }
    if let Some(p) = &req.jobs {
        let src = p.display().to_string();
        let r = load(p).and_then(|t| Ok(sections::jobs_section(first(&t, &src)?, &src)?));
        add(&mut out, "jobs", r)?;
        used.push(format!("jobs {src}"));
    }
    if !used.is_empty() {
        out.report
            .meta
            .push(format!("Inputs: {}.", used.join("; ")));
    }
    out.report.meta.push(format!(
        "Money in {cur} unless a table names its currency. Hover a bar for its exact value; \
         the tables under each chart hold every number."
    ));
    Ok(out)
}

/// `[YEAR=]FILE ...` composition files as one table (a year column when years are given).
fn composition_files(specs: &[String]) -> anyhow::Result<(Table, String)> {
    let mut parts = Vec::new();
    for spec in specs {
        let (year, file) = match spec.split_once('=') {
            Some((y, f)) if !y.is_empty() && y.bytes().all(|b| b.is_ascii_digit()) => {
                (Some(y.to_string()), f)
            }
            _ => (None, spec.as_str()),
        };
        let tables = load(Path::new(file))?;
        let t = first(&tables, file)?.clone();
        parts.push((year, t, file.to_string()));
    }
    let src = parts
        .iter()
        .map(|p| p.2.clone())
        .collect::<Vec<_>>()
        .join(", ");
    if parts.len() == 1 && parts[0].0.is_none() {
        return Ok((parts.remove(0).1, src));
    }
    if let Some(p) = parts.iter().find(|p| p.0.is_none()) {
        anyhow::bail!(
            "--composition {}: with several files, give each one's year as YEAR=FILE",
            p.2
        );
    }
    let t = sections::stack_years(
        parts
            .into_iter()
            .map(|(y, t, _)| (y.unwrap_or_default(), t))
            .collect(),
    );
    Ok((t, src))
}

/// How the report and the dashboard run an analysis: directly, or through a cache.
pub type Runner<'a> = &'a dyn Fn(&Analysis) -> anyhow::Result<Vec<Table>>;

/// The balance by partner and, with classification tables, the imports by end use for each
/// of the latest [`MAX_YEARS`] years of a dataset, each run through `run`. Shared by the
/// report and the dashboard; each section names the command line that reproduces it.
pub fn dataset_sections(
    q: &DatasetRequest,
    currency: &str,
    run: Runner,
) -> Vec<(&'static str, anyhow::Result<Section>)> {
    let selection = |years: Option<String>, refdata: Option<PathBuf>| Selection {
        data: vec![q.data.clone()],
        reporter: q.reporter.clone(),
        years,
        refdata,
        read: ReadRequest {
            hs_revision: q.hs_revision.clone(),
            ..ReadRequest::default()
        },
        ..Selection::default()
    };
    let shown = |cmd: &str, rest: &str| {
        format!(
            "balanza {cmd} --data {} --reporter {} {rest}",
            q.data.display(),
            q.reporter
        )
    };
    let balance_by = |by: Breakdown| {
        Analysis::Balance(balance::Request {
            selection: selection(None, None),
            by,
        })
    };
    let mut out = Vec::new();
    let src = shown("balance", "--by partner");
    out.push((
        "balance",
        run(&balance_by(Breakdown::Partner))
            .and_then(|t| Ok(sections::balance_section(first(&t, &src)?, &src, currency)?)),
    ));
    let composition = (|| -> anyhow::Result<Section> {
        let by_year = run(&balance_by(Breakdown::Year))?;
        let years = latest_years(first(&by_year, "balance --by year")?)?;
        let mut rest = "--flow imports --by enduse --years Y".to_string();
        if let Some(r) = &q.refdata {
            rest.push_str(&format!(" --refdata {}", r.display()));
        }
        if let Some(rev) = &q.hs_revision {
            rest.push_str(&format!(" --data-hs-revision {rev}"));
        }
        let src = shown("composition", &rest);
        let mut parts = Vec::new();
        for y in years {
            let t = run(&Analysis::Composition(composition::Request {
                selection: selection(Some(y.clone()), q.refdata.clone()),
                flow: Flow::Imports,
                by: Breakdown::EndUse,
            }))?;
            parts.push((y, first(&t, &src)?.clone()));
        }
        let t = sections::stack_years(parts);
        Ok(sections::composition_section(
            &t,
            &src,
            currency,
            Some("imports"),
        )?)
    })();
    // Without classification tables end use may be unknowable (real data): then the part is
    // left out quietly; the synthetic world carries its own classes and works without.
    if composition.is_ok() || q.refdata.is_some() {
        out.push(("composition", composition));
    }
    out
}

/// The latest [`MAX_YEARS`] years of a `balance --by year` table, oldest first.
fn latest_years(t: &Table) -> anyhow::Result<Vec<String>> {
    let j = t
        .columns
        .iter()
        .position(|c| c == "year")
        .ok_or_else(|| anyhow::anyhow!("`balance --by year` gave no year column"))?;
    let mut years: Vec<String> = t
        .rows
        .iter()
        .map(|r| match &r[j] {
            Cell::Int(y) => y.to_string(),
            Cell::Text(s) => s.clone(),
            _ => String::new(),
        })
        .filter(|y| !y.is_empty() && y.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    years.sort();
    years.dedup();
    Ok(years.split_off(years.len().saturating_sub(MAX_YEARS)))
}

fn load(p: &Path) -> anyhow::Result<Vec<Table>> {
    Ok(load_tables(p)?)
}

fn first<'a>(tables: &'a [Table], src: &str) -> anyhow::Result<&'a Table> {
    tables
        .first()
        .ok_or_else(|| anyhow::anyhow!("{src}: no table in the file"))
}

fn scenario(req: &Request) -> anyhow::Result<Section> {
    let mut files: Vec<PathBuf> = req.scenario_files.clone();
    if let Some(dir) = &req.scenario_dir {
        files.extend(result_files(dir)?);
    }
    let mut tables = Vec::new();
    let mut skipped = Vec::new();
    for f in &files {
        // Line-level results can run to a million rows: too big to chart or to read here.
        let size = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
        if size > MAX_SCENARIO_FILE {
            skipped.push(format!(
                "{} ({} MB) is left out of the report: over {} MB.",
                f.display(),
                size / 1_000_000,
                MAX_SCENARIO_FILE / 1_000_000
            ));
            continue;
        }
        for t in load_tables(f)? {
            tables.push((t, f.display().to_string()));
        }
    }
    let text = match &req.scenario_text {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?,
        ),
        None => None,
    };
    let mut s = sections::scenario_section(&tables, text.as_deref(), &req.currency)?;
    for note in skipped {
        s.blocks.push(Block::Warning(note));
    }
    if tables.is_empty() {
        s.blocks.insert(
            0,
            Block::Warning("No result tables (.json or .csv) were found for this scenario.".into()),
        );
    }
    Ok(s)
}

/// The `.json` and `.csv` files of a folder, sorted by name (a stable report).
fn result_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot read folder {}: {e}", dir.display()))?;
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && is_result_file(p))
        .collect();
    v.sort();
    Ok(v)
}

fn is_result_file(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("csv"))
}

/// Fills the inputs of `req` from the result files (.json, .csv) under `dir` (two levels),
/// recognised by their columns (see [`classify`]); inputs already set are kept.
pub fn results_from_dir(dir: &Path, req: &mut Request) {
    let mut files = Vec::new();
    collect_files(dir, 2, &mut files);
    files.sort();
    let mut kinds: Vec<(PathBuf, Kind)> = Vec::new();
    for f in files {
        if let Ok(tables) = load_tables(&f) {
            // A file may hold several tables (ge prints countries, convergence, ...).
            let kind = tables
                .iter()
                .map(classify)
                .find(|k| *k != Kind::Other)
                .unwrap_or(Kind::Other);
            kinds.push((f, kind));
        }
    }
    // A scenario's tables go together: its whole folder when it has one of its own (other
    // tables there, such as a balance change, belong to the scenario too).
    if req.scenario_dir.is_none() {
        req.scenario_dir = kinds
            .iter()
            .filter(|(_, k)| *k == Kind::Scenario)
            .find_map(|(f, _)| f.parent().filter(|d| *d != dir).map(Path::to_path_buf));
    }
    let mut scenario_tables = Vec::new();
    for (f, kind) in kinds {
        if req.scenario_dir.as_ref().is_some_and(|d| f.starts_with(d)) {
            continue;
        }
        match kind {
            Kind::Balance if req.balance.is_none() => req.balance = Some(f),
            Kind::Composition if req.composition.is_empty() => {
                req.composition = vec![f.display().to_string()]
            }
            Kind::Ge if req.ge.is_none() => req.ge = Some(f),
            Kind::Jobs if req.jobs.is_none() => req.jobs = Some(f),
            Kind::Scenario => scenario_tables.push(f),
            _ => {}
        }
    }
    req.scenario_files = scenario_tables;
}

/// What a result table holds, judged by its columns.
#[derive(Debug, PartialEq)]
enum Kind {
    Balance,
    Composition,
    Scenario,
    Ge,
    Jobs,
    Other,
}

fn classify(t: &Table) -> Kind {
    let has = |name: &str| t.columns.iter().any(|c| c.eq_ignore_ascii_case(name));
    let has_like = |part: &str| {
        t.columns
            .iter()
            .any(|c| c.to_ascii_lowercase().contains(part))
    };
    if has_like("creation") || has_like("diversion") {
        Kind::Scenario
    } else if has_like("real_gdp") || has_like("welfare") {
        Kind::Ge
    } else if has_like("jobs") {
        Kind::Jobs
    } else if has("balance") || has("trade_balance") {
        Kind::Balance
    } else if has("share") && (has("value") || has("imports") || has("exports")) {
        Kind::Composition
    } else {
        Kind::Other
    }
}

fn collect_files(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() && depth > 0 {
            collect_files(&p, depth - 1, out);
        } else if p.is_file()
            && is_result_file(&p)
            && e.metadata().is_ok_and(|m| m.len() < MAX_FOUND_FILE)
        {
            out.push(p);
        }
    }
}

/// The report of whatever the other demo steps left under `d.dir`.
///
/// Files are recognised by their columns, not their names; a part that is missing is left
/// out, and one that cannot be charted becomes a warning. The GE and jobs steps leave their
/// inputs, not their results: they are run here and their JSON written under
/// `d.dir/report_inputs` (the report reads result files).
pub fn demo(ctx: &Context, d: &crate::demo::Demo) -> AppResult<Output> {
    let mut req = Request {
        title: format!("balanza demo: {} on a synthetic world", d.reporter),
        notes: vec![format!(
            "SYNTHETIC DATA (seed {}): every number in this report comes from a generated \
             world, not real trade flows.",
            d.seed
        )],
        tolerant: true,
        ..Request::default()
    };
    results_from_dir(&d.dir, &mut req);
    if d.dataset.exists() {
        // Run on the dataset rather than chart the data step's files: that gives the
        // composition year by year, stacked.
        req.balance = None;
        req.composition.clear();
        req.dataset = Some(DatasetRequest {
            data: d.dataset.clone(),
            reporter: d.reporter.clone(),
            ..DatasetRequest::default()
        });
    }
    let inputs = d.dir.join("report_inputs");
    let mut left_out = Vec::new();
    let mut rerun = |what: &str, json: &dyn Fn() -> AppResult<String>| -> Option<PathBuf> {
        let file = inputs.join(format!("{what}.json"));
        let r = std::fs::create_dir_all(&inputs)
            .map_err(anyhow::Error::from)
            .and_then(|_| json().map_err(AppError::into_inner))
            .and_then(|text| Ok(balanza_report::write_atomic(&file, text.as_bytes())?));
        match r {
            Ok(()) => Some(file),
            Err(e) => {
                left_out.push(format!("{what} left out: {e:#}"));
                None
            }
        }
    };
    let ge_scenario = d.dir.join("ge_scenario.toml");
    if req.ge.is_none() && ge_scenario.is_file() {
        let r = crate::ge::Request {
            scenario: ge_scenario,
            ..crate::ge::Request::default()
        };
        req.ge = rerun("ge", &|| {
            let out = crate::ge::run(ctx, &r)?;
            Ok(pretty(&out.to_json()))
        });
    }
    let io = d.dir.join("io_synthetic");
    if req.jobs.is_none() && io.is_dir() {
        let r = crate::jobs::Request {
            io,
            by: crate::jobs::By::Industry,
            ..crate::jobs::Request::default()
        };
        req.jobs = rerun("jobs", &|| {
            let out = crate::jobs::run(ctx, &r)?;
            Ok(crate::render(
                &out.tables(),
                balanza_report::OutputFormat::Json,
            )?)
        });
    }
    if req.scenario_dir.is_some() || !req.scenario_files.is_empty() {
        // The simulate step runs the shipped example (for the demo's importer and year, on
        // synthetic tariffs): show that file, saying so.
        let text = format!(
            "# The shipped example examples/scenarios/china_ldc_zero_tariff.toml; the demo runs\n\
             # it on the synthetic world with synthetic MFN tariffs, setting the importer and\n\
             # base year to the demo's.\n{}",
            crate::demo::SCENARIO_TEXT
        );
        let path = inputs.join("scenario.toml");
        if std::fs::create_dir_all(&inputs).is_ok()
            && balanza_report::write_atomic(&path, text.as_bytes()).is_ok()
        {
            req.scenario_text = Some(path);
        }
    }
    let mut out = run(ctx, &req)?;
    left_out.append(&mut out.left_out);
    out.left_out = left_out;
    Ok(out)
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo's report finds the other steps' files by their columns.
    #[test]
    fn demo_reports_what_the_other_steps_left() {
        let dir = std::env::temp_dir().join(format!("balanza-demo-report-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("simulate")).unwrap();
        let w = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
        w(
            "balance_by_partner.csv",
            "partner,description,exports,imports,balance\nUSA,,5,9,-4\nKOR,,7,1,6\ntotal,,12,10,2\n",
        );
        w(
            "composition_imports_enduse.csv",
            "end_use,description,value,share\ncapital,Capital goods,3,0.3\nconsumption,Consumption goods,7,0.7\n",
        );
        w(
            "simulate/by_partner.csv",
            "partner,lines,trade_creation,trade_diversion\nETH,3,2.5,1.5\nUSA,9,0,-1.5\n",
        );
        w("simulate/summary.csv", "metric,value\nimport_change,2.5\n");
        w(
            "simulate/balance.csv",
            "partner,balance_change\nETH,-4\nUSA,1.5\nTOTAL,-2.5\n",
        );
        let d = crate::demo::Demo {
            dir: dir.clone(),
            dataset: dir.join("absent.parquet"),
            reporter: "CHN".into(),
            seed: 7,
        };
        let out = demo(&Context::new(), &d).unwrap();
        assert!(out.left_out.is_empty(), "{:?}", out.left_out);
        let html = out.report.to_html();
        assert!(html.contains("SYNTHETIC DATA (seed 7)"));
        for s in ["balance", "composition", "scenario"] {
            assert!(html.contains(&format!("data-section=\"{s}\"")), "{s}");
        }
        assert!(html.contains("data-chart=\"grouped\""));
        assert!(
            html.contains("china_ldc_zero_tariff.toml"),
            "the scenario text"
        );
        // The scenario's balance table stays in the scenario, not in the balance chart.
        assert!(html.contains("data-label=\"KOR\" data-series=\"Trade balance\" data-value=\"6\""));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
