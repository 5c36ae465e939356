//! `balanza report`: one self-contained HTML file with charts of the results of the other
//! commands (balance, composition, a policy scenario, general equilibrium, jobs).
//!
//! The inputs are the JSON (or CSV) files those commands write with `--format json --out`,
//! so a report can be made from results computed earlier, on another machine, or by a script.
//! With `--data` and `--reporter` it also runs `balance` and `composition` itself. The mapping
//! from columns to charts lives in `balanza_report::html_sections`.

use balanza_report::html::{Block, Report, Section};
use balanza_report::html_sections::{self as sections, load_tables};
use balanza_report::Table;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Arguments of `balanza report`.
#[derive(clap::Args, Debug, Default)]
#[command(
    long_about = "Write a self-contained HTML report (charts as inline SVG, no network \
needed to open it) from the JSON or CSV results of the other commands.

Examples:
  balanza balance --data ds.parquet --reporter CHN --by partner --format json --out bal.json
  balanza composition --data ds.parquet --reporter CHN --flow imports --by enduse \\
      --format json --out comp.json
  balanza simulate --scenario ldc.toml --out scen/
  balanza report --balance bal.json --composition comp.json --scenario-dir scen/ \\
      --scenario-text ldc.toml --out report.html

  # or let the report run balance and composition itself:
  balanza report --data ds.parquet --reporter CHN --out report.html"
)]
pub struct Args {
    /// Where to write the report (atomically: a temporary name, then a rename).
    #[arg(long, value_name = "FILE", default_value = "report.html")]
    pub out: PathBuf,
    /// Title at the top of the report.
    #[arg(long, default_value = "balanza report")]
    pub title: String,
    /// Result of `balance --format json` (or csv): a diverging bar chart of the balance by
    /// partner (or by the table's key), sorted, with the table.
    #[arg(long, value_name = "FILE")]
    pub balance: Option<PathBuf>,
    /// Result of `composition --format json` (or csv): stacked columns by end use over years
    /// (when the table has several years) or sorted bars.
    #[arg(long, value_name = "FILE")]
    pub composition: Option<PathBuf>,
    /// Folder written by `simulate --out DIR`: every .json/.csv table in it; the by-partner
    /// table (trade creation and diversion) is charted.
    #[arg(long, value_name = "DIR")]
    pub scenario_dir: Option<PathBuf>,
    /// A single scenario result table (JSON/CSV; repeat for several), instead of or besides
    /// `--scenario-dir`.
    #[arg(long = "scenario", value_name = "FILE")]
    pub scenario_files: Vec<PathBuf>,
    /// The scenario file (TOML) to print in the report as given.
    #[arg(long, value_name = "FILE")]
    pub scenario_text: Option<PathBuf>,
    /// Result of `ge --format json` (or csv): sorted bars of the real-GDP change by country.
    #[arg(long, value_name = "FILE")]
    pub ge: Option<PathBuf>,
    /// Result of `jobs --format json` (or csv): sorted bars of jobs by industry.
    #[arg(long, value_name = "FILE")]
    pub jobs: Option<PathBuf>,
    /// A trade-flow dataset: with `--reporter`, the report runs `balance --by partner` and
    /// `composition --flow imports --by enduse` on it.
    #[arg(long, value_name = "DATASET", requires = "reporter")]
    pub data: Option<PathBuf>,
    /// The reporter (ISO3) for `--data`.
    #[arg(long, value_name = "ISO3", requires = "data")]
    pub reporter: Option<String>,
    /// Currency named on money axes when a table has no `currency` column.
    #[arg(long, default_value = "USD")]
    pub currency: String,
    /// A line of context under the title (repeatable), e.g. the data source.
    #[arg(long = "note", value_name = "TEXT")]
    pub notes: Vec<String>,
}

/// Runs `balanza report`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let inputs = [
        args.balance.is_some(),
        args.composition.is_some(),
        args.scenario_dir.is_some(),
        !args.scenario_files.is_empty(),
        args.ge.is_some(),
        args.jobs.is_some(),
        args.data.is_some(),
    ];
    if !inputs.iter().any(|x| *x) {
        anyhow::bail!(
            "nothing to report: give at least one of --balance, --composition, --scenario-dir, \
             --scenario, --ge, --jobs or --data with --reporter (see `balanza report --help`)"
        );
    }
    let report = build(&args, false)?;
    write(&report, &args.out)?;
    println!(
        "report written to {} ({} sections)",
        args.out.display(),
        report.sections.len()
    );
    Ok(())
}

fn write(report: &Report, out: &Path) -> anyhow::Result<()> {
    balanza_report::write_atomic(out, report.to_html().as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))
}

/// Builds the report. With `tolerant`, a part that cannot be read or charted becomes a
/// warning in the report (the demo wants whatever exists); otherwise it is an error.
fn build(args: &Args, tolerant: bool) -> anyhow::Result<Report> {
    let mut report = Report {
        title: args.title.clone(),
        meta: args.notes.clone(),
        sections: Vec::new(),
    };
    let mut used = Vec::new();
    let add = |report: &mut Report, what: &str, r: anyhow::Result<Section>| -> anyhow::Result<()> {
        match r {
            Ok(s) => {
                report.sections.push(s);
                Ok(())
            }
            Err(e) if tolerant => {
                eprintln!("report: {what} left out: {e:#}");
                report.sections.push(Section {
                    id: what.replace(' ', "-"),
                    heading: what.to_string(),
                    blocks: vec![Block::Warning(format!("Left out: {e:#}"))],
                });
                Ok(())
            }
            Err(e) => Err(e),
        }
    };
    let cur = args.currency.as_str();
    if let (Some(data), Some(reporter)) = (&args.data, &args.reporter) {
        let d = data.as_os_str();
        let run = |sub: &[&str]| -> anyhow::Result<Vec<Table>> {
            let mut a: Vec<OsString> = sub.iter().map(OsString::from).collect();
            a.extend([
                "--data".into(),
                d.to_owned(),
                "--reporter".into(),
                reporter.into(),
                "--format".into(),
                "json".into(),
            ]);
            run_balanza_json(&a)
        };
        let src = format!(
            "balanza balance --data {} --reporter {reporter}",
            data.display()
        );
        let r = run(&["balance", "--by", "partner"]).and_then(|t| {
            first(&t, &src).and_then(|t| Ok(sections::balance_section(t, &src, cur)?))
        });
        add(&mut report, "balance", r)?;
        let src = format!(
            "balanza composition --data {} --reporter {reporter}",
            data.display()
        );
        let r = run(&["composition", "--flow", "imports", "--by", "enduse"]).and_then(|t| {
            first(&t, &src).and_then(|t| Ok(sections::composition_section(t, &src, cur)?))
        });
        add(&mut report, "composition", r)?;
        used.push(format!("dataset {} (reporter {reporter})", data.display()));
    }
    if let Some(p) = &args.balance {
        let src = p.display().to_string();
        let r = load(p).and_then(|t| Ok(sections::balance_section(first(&t, &src)?, &src, cur)?));
        add(&mut report, "balance", r)?;
        used.push(format!("balance {src}"));
    }
    if let Some(p) = &args.composition {
        let src = p.display().to_string();
        let r =
            load(p).and_then(|t| Ok(sections::composition_section(first(&t, &src)?, &src, cur)?));
        add(&mut report, "composition", r)?;
        used.push(format!("composition {src}"));
    }
    if args.scenario_dir.is_some() || !args.scenario_files.is_empty() {
        let r = scenario(args);
        add(&mut report, "scenario", r)?;
        if let Some(d) = &args.scenario_dir {
            used.push(format!("scenario {}", d.display()));
        }
    }
    if let Some(p) = &args.ge {
        let src = p.display().to_string();
        let r = load(p).and_then(|t| Ok(sections::ge_section(first(&t, &src)?, &src)?));
        add(&mut report, "general equilibrium", r)?;
        used.push(format!("general equilibrium {src}"));
    }
    if let Some(p) = &args.jobs {
        let src = p.display().to_string();
        let r = load(p).and_then(|t| Ok(sections::jobs_section(first(&t, &src)?, &src)?));
        add(&mut report, "jobs", r)?;
        used.push(format!("jobs {src}"));
    }
    if !used.is_empty() {
        report.meta.push(format!("Inputs: {}.", used.join("; ")));
    }
    report.meta.push(format!(
        "Money in {cur} unless a table names its currency. Hover a bar for its exact value; \
         the tables under each chart hold every number."
    ));
    Ok(report)
}

fn load(p: &Path) -> anyhow::Result<Vec<Table>> {
    Ok(load_tables(p)?)
}

fn first<'a>(tables: &'a [Table], src: &str) -> anyhow::Result<&'a Table> {
    tables
        .first()
        .ok_or_else(|| anyhow::anyhow!("{src}: no table in the file"))
}

fn scenario(args: &Args) -> anyhow::Result<Section> {
    let mut files: Vec<PathBuf> = args.scenario_files.clone();
    if let Some(dir) = &args.scenario_dir {
        files.extend(result_files(dir)?);
    }
    let mut tables = Vec::new();
    for f in &files {
        for t in load_tables(f)? {
            tables.push((t, f.display().to_string()));
        }
    }
    let text = match &args.scenario_text {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?,
        ),
        None => None,
    };
    let mut s = sections::scenario_section(&tables, text.as_deref(), &args.currency)?;
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
        .filter(|p| {
            p.is_file()
                && p.extension().is_some_and(|e| {
                    e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("csv")
                })
        })
        .collect();
    v.sort();
    Ok(v)
}

/// Runs this same `balanza` program with `args` and reads its JSON standard output as tables.
///
/// The report and the dashboard call the other commands this way so that the numbers they
/// chart are, by construction, the numbers those commands print.
pub fn run_balanza_json(args: &[OsString]) -> anyhow::Result<Vec<Table>> {
    let exe = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find the balanza program: {e}"))?;
    let out = Command::new(exe)
        .args(args)
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run balanza: {e}"))?;
    let shown = args
        .iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let err = err.trim().trim_start_matches("error: ");
        anyhow::bail!("`balanza {shown}` failed: {err}");
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(sections::tables_from_json(
        &text,
        &format!("`balanza {shown}`"),
    )?)
}

/// The last step of `balanza demo`: a report of whatever the other steps left under
/// `ctx.dir`, written to `ctx.dir/report.html`; its path is printed.
///
/// Files are recognised by their columns, not their names (see [`classify`]); a part that is
/// missing is simply left out, and one that cannot be charted becomes a warning in the report.
// Called by `balanza demo` once the lead wires it in; until then nothing else calls it.
#[allow(dead_code)]
pub fn demo_step(ctx: &crate::cmd::demo::DemoContext) -> anyhow::Result<()> {
    let mut args = Args {
        out: ctx.dir.join("report.html"),
        title: format!("balanza demo: {} on a synthetic world", ctx.reporter),
        currency: "USD".into(),
        notes: vec![format!(
            "SYNTHETIC DATA (seed {}): every number in this report comes from a generated \
             world, not real trade flows.",
            ctx.seed
        )],
        ..Args::default()
    };
    let mut files = Vec::new();
    collect_files(&ctx.dir, 2, &mut files);
    files.sort();
    let mut kinds: Vec<(PathBuf, Kind)> = Vec::new();
    for f in files {
        if f.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        {
            if args.scenario_text.is_none() {
                args.scenario_text = Some(f);
            }
        } else if let Ok(tables) = load_tables(&f) {
            let kind = tables.first().map_or(Kind::Other, classify);
            kinds.push((f, kind));
        }
    }
    // A scenario's tables go together: its whole folder when it has one of its own (other
    // tables there, such as a balance change, belong to the scenario too).
    args.scenario_dir = kinds
        .iter()
        .filter(|(_, k)| *k == Kind::Scenario)
        .find_map(|(f, _)| f.parent().filter(|d| *d != ctx.dir).map(Path::to_path_buf));
    let mut scenario_tables = Vec::new();
    for (f, kind) in kinds {
        if args.scenario_dir.as_ref().is_some_and(|d| f.starts_with(d)) {
            continue;
        }
        match kind {
            Kind::Balance if args.balance.is_none() => args.balance = Some(f),
            Kind::Composition if args.composition.is_none() => args.composition = Some(f),
            Kind::Ge if args.ge.is_none() => args.ge = Some(f),
            Kind::Jobs if args.jobs.is_none() => args.jobs = Some(f),
            Kind::Scenario => scenario_tables.push(f),
            _ => {}
        }
    }
    args.scenario_files = scenario_tables;
    if args.balance.is_none() && args.composition.is_none() && ctx.dataset.exists() {
        args.data = Some(ctx.dataset.clone());
        args.reporter = Some(ctx.reporter.clone());
    }
    let report = build(&args, true)?;
    write(&report, &args.out)?;
    println!(
        "Report of the demo ({} sections, open it in a browser): {}",
        report.sections.len(),
        args.out.display()
    );
    Ok(())
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
            && p.extension().is_some_and(|e| {
                ["json", "csv", "toml"]
                    .iter()
                    .any(|x| e.eq_ignore_ascii_case(x))
            })
            // Large files are datasets or line-level results, not summaries to chart.
            && e.metadata().map(|m| m.len() < 20_000_000).unwrap_or(false)
        {
            out.push(p);
        }
    }
}
