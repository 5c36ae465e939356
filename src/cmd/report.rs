//! `balanza report`: one self-contained HTML file with charts of the results of the other
//! commands (balance, composition, a policy scenario, general equilibrium, jobs).
//!
//! The inputs are the JSON (or CSV) files those commands write with `--format json --out`,
//! so a report can be made from results computed earlier, on another machine, or by a script.
//! With `--data` and `--reporter` it also runs `balance` and `composition` itself. The mapping
//! from columns to charts lives in `balanza_report::html_sections`.

use crate::cmd::common::{app, word};
use balanza_app::report::{self, DatasetRequest};
use balanza_app::Context;
use balanza_data::Flow;
use std::path::{Path, PathBuf};

/// Arguments of `balanza report`.
#[derive(clap::Args, Debug)]
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
    #[arg(long, value_name = "FLOW", value_parser = word::<Flow>())]
    pub flow: Option<Flow>,
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
pub fn run(args: Args) -> anyhow::Result<()> {
    let out = app(report::run(&Context::new(), &request(&args)))?;
    write(&out, &args.out)?;
    println!(
        "report written to {} ({} sections)",
        args.out.display(),
        out.report.sections.len()
    );
    Ok(())
}

fn request(args: &Args) -> report::Request {
    report::Request {
        title: args.title.clone(),
        notes: args.notes.clone(),
        currency: args.currency.clone(),
        balance: args.balance.clone(),
        composition: args.composition.clone(),
        flow: args.flow,
        scenario_dir: args.scenario_dir.clone(),
        scenario_files: args.scenario_files.clone(),
        from: args.from.clone(),
        scenario_text: args.scenario_text.clone(),
        ge: args.ge.clone(),
        jobs: args.jobs.clone(),
        dataset: args.data.clone().map(|data| DatasetRequest {
            data,
            reporter: args.reporter.clone().unwrap_or_default(),
            refdata: args.refdata.clone(),
            hs_revision: args.data_hs_revision.clone(),
        }),
        tolerant: false,
    }
}

/// Writes the page atomically; says on standard error what a tolerant report left out.
pub fn write(out: &report::Output, path: &Path) -> anyhow::Result<()> {
    for line in &out.left_out {
        eprintln!("report: {line}");
    }
    balanza_report::write_atomic(path, out.report.to_html().as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
}
