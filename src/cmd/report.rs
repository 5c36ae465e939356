//! `balanza report`: one self-contained HTML file with charts of the results of the other
//! commands (balance, composition, a policy scenario, general equilibrium, jobs).
//!
//! The inputs are the JSON (or CSV) files those commands write with `--format json --out`,
//! so a report can be made from results computed earlier, on another machine, or by a script.
//! With `--data` and `--reporter` it also runs `balance` and `composition` itself. The mapping
//! from columns to charts lives in `balanza_report::html_sections`.

use balanza_app::{Context, Fault};
use balanza_report::html::{Block, Report, Section};
use balanza_report::html_sections::{self as sections, load_tables};
use balanza_report::Table;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Arguments of `balanza report`.
#[derive(clap::Args, Debug, Default)]
#[command(
    after_long_help = "Write a self-contained HTML report (charts as inline SVG, no network \
needed to open it) from the JSON or CSV results of the other commands.

Examples:
  balanza balance --data ds.parquet --reporter CHN --by partner --format json --out bal.json
  balanza composition --data ds.parquet --reporter CHN --flow imports --by enduse \\
      --years 2020 --refdata classification/ --format json --out comp2020.json
  balanza simulate --scenario ldc.toml --out scen/
  balanza report --balance bal.json --composition 2019=comp2019.json \\
      --composition 2020=comp2020.json --flow imports --scenario-dir scen/ \\
      --scenario-text ldc.toml --out report.html

  # or let the report run balance and composition itself:
  balanza report --data ds.parquet --reporter CHN --out report.html

  # or chart whatever results a folder holds (recognised by their columns):
  balanza report --from results/ --out report.html"
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
    /// Result of `composition --format json` (or csv), as `FILE` or `YEAR=FILE`; repeat with
    /// one file per year for stacked columns by end use over the years (sorted bars for one).
    #[arg(long, value_name = "[YEAR=]FILE")]
    pub composition: Vec<String>,
    /// The flow of the `--composition` files (`imports` or `exports`), for the titles: the
    /// files do not say.
    #[arg(long, value_name = "FLOW", value_parser = ["imports", "exports"])]
    pub flow: Option<String>,
    /// Folder written by `simulate --out DIR`: every .json/.csv table in it; the by-partner
    /// table (trade creation and diversion) is charted.
    #[arg(long, value_name = "DIR")]
    pub scenario_dir: Option<PathBuf>,
    /// A single scenario result table (JSON/CSV; repeat for several), instead of or besides
    /// `--scenario-dir`.
    #[arg(long = "scenario", value_name = "FILE")]
    pub scenario_files: Vec<PathBuf>,
    /// A folder of results (e.g. `balanza demo --dir`'s, or your own `--out` files): every
    /// .json/.csv in it (two levels deep) is recognised by its columns and charted.
    #[arg(long, value_name = "DIR")]
    pub from: Option<PathBuf>,
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
    /// `composition --flow imports --by enduse` (each year) on it.
    #[arg(long, value_name = "DATASET", requires = "reporter")]
    pub data: Option<PathBuf>,
    /// The reporter (ISO3) for `--data`.
    #[arg(long, value_name = "ISO3", requires = "data")]
    pub reporter: Option<String>,
    /// Classification tables for `--data` (hs2017_to_bec4.csv, bec4_to_sna_end_use.csv, ...),
    /// for the imports by end use, year by year (left out when end use is unknown without).
    #[arg(long, value_name = "DIR", requires = "data")]
    pub refdata: Option<PathBuf>,
    /// HS revision of `--data` when the dataset does not record it (e.g. HS2017).
    #[arg(long, value_name = "REV", requires = "data")]
    pub data_hs_revision: Option<String>,
    /// Currency named on money axes when a table has no `currency` column.
    #[arg(long, default_value = "USD")]
    pub currency: String,
    /// A line of context under the title (repeatable), e.g. the data source.
    #[arg(long = "note", value_name = "TEXT")]
    pub notes: Vec<String>,
}

/// Runs `balanza report`.
pub fn run(mut args: Args) -> anyhow::Result<()> {
    if let Some(dir) = args.from.clone() {
        if !dir.is_dir() {
            anyhow::bail!("--from {}: not a folder", dir.display());
        }
        results_from_dir(&dir, &mut args);
    }
    let inputs = [
        args.balance.is_some(),
        !args.composition.is_empty(),
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
        let q = DatasetQuery {
            data,
            reporter,
            refdata: args.refdata.as_deref(),
            hs_revision: args.data_hs_revision.as_deref(),
            currency: cur,
        };
        let ctx = Context::new();
        for (what, r) in dataset_sections(&q, &|a| run_balanza_json(&ctx, &a)) {
            add(&mut report, what, r)?;
        }
        used.push(format!("dataset {} (reporter {reporter})", data.display()));
    }
    if let Some(p) = &args.balance {
        let src = p.display().to_string();
        let r = load(p).and_then(|t| Ok(sections::balance_section(first(&t, &src)?, &src, cur)?));
        add(&mut report, "balance", r)?;
        used.push(format!("balance {src}"));
    }
    if !args.composition.is_empty() {
        let r = composition_files(&args.composition).and_then(|(t, src)| {
            Ok(sections::composition_section(
                &t,
                &src,
                cur,
                args.flow.as_deref(),
            )?)
        });
        add(&mut report, "composition", r)?;
        used.push(format!("composition {}", args.composition.join(", ")));
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
        let r = load(p).and_then(|t| Ok(sections::ge_section(&t, &src)?));
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

/// `--composition [YEAR=]FILE ...` as one table (a year column when years are given).
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

/// Most years charted in the composition over years (the latest ones).
pub const MAX_YEARS: usize = 8;

/// What to look at in a dataset: the reporter, and what `composition` needs for end use.
pub struct DatasetQuery<'a> {
    /// The dataset (`balanza ingest` output or raw files `balance` reads).
    pub data: &'a Path,
    /// Reporter, ISO3.
    pub reporter: &'a str,
    /// Classification folder for end use; without it, no composition.
    pub refdata: Option<&'a Path>,
    /// HS revision of the data when the dataset does not record it.
    pub hs_revision: Option<&'a str>,
    /// Currency named on money axes.
    pub currency: &'a str,
}

/// A way to run `balanza ARGS --format json` (directly, or through the dashboard's cache).
pub type Runner<'a> = &'a dyn Fn(Vec<OsString>) -> anyhow::Result<Vec<Table>>;

/// The balance by partner and, with `refdata`, the imports by end use for each of the latest
/// [`MAX_YEARS`] years, run on a dataset. Shared by the report and the dashboard.
pub fn dataset_sections(
    q: &DatasetQuery,
    run: Runner,
) -> Vec<(&'static str, anyhow::Result<Section>)> {
    let base = |cmd: &str| -> Vec<OsString> {
        vec![
            cmd.into(),
            "--data".into(),
            q.data.as_os_str().to_owned(),
            "--reporter".into(),
            q.reporter.into(),
            "--format".into(),
            "json".into(),
        ]
    };
    let shown = |a: &[OsString]| {
        let parts: Vec<String> = a
            .iter()
            .map(|x| x.to_string_lossy().into_owned())
            .filter(|x| x != "--format" && x != "json")
            .collect();
        format!("balanza {}", parts.join(" "))
    };
    let mut out = Vec::new();
    let mut a = base("balance");
    a.extend(["--by".into(), "partner".into()]);
    let src = shown(&a);
    out.push((
        "balance",
        run(a).and_then(|t| {
            Ok(sections::balance_section(
                first(&t, &src)?,
                &src,
                q.currency,
            )?)
        }),
    ));
    let composition = (|| -> anyhow::Result<Section> {
        let mut a = base("balance");
        a.extend(["--by".into(), "year".into()]);
        let by_year = run(a)?;
        let t = first(&by_year, "balance --by year")?;
        let j = t
            .columns
            .iter()
            .position(|c| c == "year")
            .ok_or_else(|| anyhow::anyhow!("`balance --by year` printed no year column"))?;
        let mut years: Vec<String> = t
            .rows
            .iter()
            .map(|r| match &r[j] {
                balanza_report::Cell::Int(y) => y.to_string(),
                balanza_report::Cell::Text(s) => s.clone(),
                _ => String::new(),
            })
            .filter(|y| !y.is_empty() && y.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        years.sort();
        years.dedup();
        let years = &years[years.len().saturating_sub(MAX_YEARS)..];
        let mut parts = Vec::new();
        let mut src = String::new();
        for y in years {
            let mut a = base("composition");
            a.extend([
                "--flow".into(),
                "imports".into(),
                "--by".into(),
                "enduse".into(),
                "--years".into(),
                y.into(),
            ]);
            if let Some(r) = q.refdata {
                a.extend(["--refdata".into(), r.as_os_str().to_owned()]);
            }
            if let Some(rev) = q.hs_revision {
                a.extend(["--data-hs-revision".into(), rev.into()]);
            }
            if src.is_empty() {
                src = shown(&a).replace(&format!("--years {y}"), "--years Y");
            }
            let t = run(a)?;
            parts.push((y.clone(), first(&t, &src)?.clone()));
        }
        let t = sections::stack_years(parts);
        Ok(sections::composition_section(
            &t,
            &src,
            q.currency,
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

fn load(p: &Path) -> anyhow::Result<Vec<Table>> {
    Ok(load_tables(p)?)
}

fn first<'a>(tables: &'a [Table], src: &str) -> anyhow::Result<&'a Table> {
    tables
        .first()
        .ok_or_else(|| anyhow::anyhow!("{src}: no table in the file"))
}

/// Scenario tables larger than this (bytes) are not read into the report.
const MAX_SCENARIO_FILE: u64 = 50_000_000;

fn scenario(args: &Args) -> anyhow::Result<Section> {
    let mut files: Vec<PathBuf> = args.scenario_files.clone();
    if let Some(dir) = &args.scenario_dir {
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
    let text = match &args.scenario_text {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?,
        ),
        None => None,
    };
    let mut s = sections::scenario_section(&tables, text.as_deref(), &args.currency)?;
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

/// Runs `balanza ARGS` in process (through the application layer, no child process) and
/// reads the JSON it prints as tables.
///
/// The report and the dashboard call the other commands this way: they parse the same
/// arguments and render the same JSON as the command line, so the numbers they chart are, by
/// construction, the numbers those commands print.
pub fn run_balanza_json(ctx: &Context, args: &[OsString]) -> anyhow::Result<Vec<Table>> {
    let text = run_balanza_stdout(ctx, args)?;
    Ok(sections::tables_from_json(
        &text,
        &format!("`balanza {}`", shown_args(args)),
    )?)
}

fn shown_args(args: &[OsString]) -> String {
    args.iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A `balanza` command that exited with an error: its exit code (2 = the input was at fault,
/// see main.rs; anything else, or none, = it crashed) and message.
#[derive(Debug)]
pub struct CommandFailed {
    /// Exit code, `None` when killed by a signal.
    pub code: Option<i32>,
    /// The command line and its error message.
    pub message: String,
}

impl std::fmt::Display for CommandFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CommandFailed {}

/// The commands the report and the dashboard run in process.
#[derive(clap::Parser)]
#[command(name = "balanza")]
struct InProcess {
    #[command(subcommand)]
    command: InProcessCommand,
}

#[derive(clap::Subcommand)]
enum InProcessCommand {
    Balance(crate::cmd::balance::Args),
    Composition(crate::cmd::composition::Args),
    Simulate(crate::cmd::simulate::Args),
    Ge(crate::cmd::ge::Args),
    Jobs(crate::cmd::jobs::Args),
}

/// What `balanza ARGS` prints on standard output, computed in process; a failure carries the
/// command line, its message and the exit code the command line would give (2 when the input
/// is at fault, 1 when the program is).
fn run_balanza_stdout(ctx: &Context, args: &[OsString]) -> anyhow::Result<String> {
    use clap::Parser as _;
    let failed = |code: i32, err: String| -> anyhow::Error {
        CommandFailed {
            code: Some(code),
            message: format!("`balanza {}` failed: {err}", shown_args(args)),
        }
        .into()
    };
    let argv = std::iter::once(OsString::from("balanza")).chain(args.iter().cloned());
    let cli = InProcess::try_parse_from(argv).map_err(|e| failed(2, e.to_string()))?;
    let r = match &cli.command {
        InProcessCommand::Balance(a) => crate::cmd::balance::stdout(ctx, a),
        InProcessCommand::Composition(a) => crate::cmd::composition::stdout(ctx, a),
        InProcessCommand::Simulate(a) => crate::cmd::simulate::stdout(ctx, a),
        InProcessCommand::Ge(a) => crate::cmd::ge::stdout(ctx, a),
        InProcessCommand::Jobs(a) => crate::cmd::jobs::stdout(ctx, a),
    };
    r.map_err(|e| {
        let code = if e.fault() == Fault::Input { 2 } else { 1 };
        failed(code, e.to_string())
    })
}

/// The last step of `balanza demo`: a report of whatever the other steps left under
/// `ctx.dir`, written to `ctx.dir/report.html`; its path is printed.
///
/// Files are recognised by their columns, not their names (see [`classify`]); a part that is
/// missing is simply left out, and one that cannot be charted becomes a warning in the report.
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
    results_from_dir(&ctx.dir, &mut args);
    if ctx.dataset.exists() {
        // Run on the dataset rather than chart the data step's files: that gives the
        // composition year by year, stacked.
        args.balance = None;
        args.composition.clear();
        args.data = Some(ctx.dataset.clone());
        args.reporter = Some(ctx.reporter.clone());
    }
    // The GE and jobs steps leave their inputs, not their results: run them for the report.
    let inputs = ctx.dir.join("report_inputs");
    let app_ctx = Context::new();
    let rerun = |what: &str, cmd: Vec<OsString>| -> Option<PathBuf> {
        let file = inputs.join(format!("{what}.json"));
        let r = std::fs::create_dir_all(&inputs)
            .map_err(anyhow::Error::from)
            .and_then(|_| run_balanza_stdout(&app_ctx, &cmd))
            .and_then(|text| Ok(balanza_report::write_atomic(&file, text.as_bytes())?));
        match r {
            Ok(()) => Some(file),
            Err(e) => {
                eprintln!("report: {what} left out: {e:#}");
                None
            }
        }
    };
    let ge_scenario = ctx.dir.join("ge_scenario.toml");
    if args.ge.is_none() && ge_scenario.is_file() {
        args.ge = rerun(
            "ge",
            vec![
                "ge".into(),
                "--scenario".into(),
                ge_scenario.into_os_string(),
                "--format".into(),
                "json".into(),
            ],
        );
    }
    let io = ctx.dir.join("io_synthetic");
    if args.jobs.is_none() && io.is_dir() {
        args.jobs = rerun(
            "jobs",
            vec![
                "jobs".into(),
                "--io".into(),
                io.into_os_string(),
                "--by".into(),
                "industry".into(),
                "--format".into(),
                "json".into(),
            ],
        );
    }
    if args.scenario_dir.is_some() || !args.scenario_files.is_empty() {
        // The simulate step runs the shipped example (for the demo's importer and year, on
        // synthetic tariffs): show that file, saying so.
        let text = format!(
            "# The shipped example examples/scenarios/china_ldc_zero_tariff.toml; the demo runs\n\
             # it on the synthetic world with synthetic MFN tariffs, setting the importer and\n\
             # base year to the demo's.\n{DEMO_SCENARIO_TEXT}"
        );
        let path = inputs.join("scenario.toml");
        if std::fs::create_dir_all(&inputs).is_ok()
            && balanza_report::write_atomic(&path, text.as_bytes()).is_ok()
        {
            args.scenario_text = Some(path);
        }
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

/// The scenario the demo's simulate step runs (shown in the demo report).
const DEMO_SCENARIO_TEXT: &str =
    include_str!("../../examples/scenarios/china_ldc_zero_tariff.toml");

/// Fills the inputs of `args` from the result files (.json, .csv) under `dir` (two levels),
/// recognised by their columns (see [`classify`]); inputs already set are kept.
fn results_from_dir(dir: &Path, args: &mut Args) {
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
    if args.scenario_dir.is_none() {
        args.scenario_dir = kinds
            .iter()
            .filter(|(_, k)| *k == Kind::Scenario)
            .find_map(|(f, _)| f.parent().filter(|d| *d != dir).map(Path::to_path_buf));
    }
    let mut scenario_tables = Vec::new();
    for (f, kind) in kinds {
        if args.scenario_dir.as_ref().is_some_and(|d| f.starts_with(d)) {
            continue;
        }
        match kind {
            Kind::Balance if args.balance.is_none() => args.balance = Some(f),
            Kind::Composition if args.composition.is_empty() => {
                args.composition = vec![f.display().to_string()]
            }
            Kind::Ge if args.ge.is_none() => args.ge = Some(f),
            Kind::Jobs if args.jobs.is_none() => args.jobs = Some(f),
            Kind::Scenario => scenario_tables.push(f),
            _ => {}
        }
    }
    args.scenario_files = scenario_tables;
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
                ["json", "csv"]
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo step finds the other steps' files by their columns and writes one report.
    #[test]
    fn demo_step_reports_what_the_other_steps_left() {
        let dir = std::env::temp_dir().join(format!("balanza-demo-step-{}", std::process::id()));
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
        let ctx = crate::cmd::demo::DemoContext {
            dir: dir.clone(),
            dataset: dir.join("absent.parquet"),
            reporter: "CHN".into(),
            seed: 7,
        };
        demo_step(&ctx).unwrap();
        let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
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
