//! `balanza simulate`: a tariff scenario in partial equilibrium (WITS/SMART or exact CES).

use crate::cmd::common::{app, word};
use balanza_app::simulate;
use balanza_app::Context;
use balanza_report::{OutputFormat, Table};
use std::path::PathBuf;

/// Arguments of `balanza simulate`.
#[derive(clap::Args, Debug)]
#[command(
    after_long_help = "For every (partner, HS6 product) line of the importer's imports in the base year, the model \
computes new imports, trade creation and diversion, the tariff revenue change and the \
consumer-surplus and welfare effects, then sums them by partner, measure, M49 region, HS section \
and end use, and reports the change in the importer's trade balance.

Models (set `model` in the scenario): `smart` reproduces WITS/SMART (σ = 1.5, infinite export \
supply by default); `ces` is the exact two-stage CES model, consistent for large cuts.

The scenario file is TOML; see docs/scenarios.md and examples/scenarios/.

Examples:
  balanza simulate --scenario examples/scenarios/china_ldc_zero_tariff.toml --data flows.parquet
  balanza simulate --scenario my.toml --format json
  balanza simulate --scenario my.toml --out results/   # every table, including all lines"
)]
pub struct Args {
    /// The scenario file (TOML).
    #[arg(long, value_name = "FILE")]
    pub scenario: PathBuf,
    /// Trade flows to use instead of the scenario's `data.flows` (BACI CSV, Comtrade/WITS CSV
    /// or a dataset written by `balanza ingest`); `--data`, as in every command (`--flows` is
    /// an alias).
    #[arg(long = "data", visible_alias = "flows", value_name = "DATASET")]
    pub flows: Option<PathBuf>,
    /// Tariff file to use instead of the scenario's `data.tariffs`.
    #[arg(long, value_name = "FILE")]
    pub tariffs: Option<PathBuf>,
    /// Base year to use instead of the scenario's `base_year`.
    #[arg(long, value_name = "YEAR")]
    pub base_year: Option<i32>,
    /// Output format: `table` (readable text, the default), `csv` or `json` (an object keyed by
    /// table name, each an array of row objects).
    #[arg(long, default_value = "table", value_parser = word::<OutputFormat>())]
    pub format: OutputFormat,
    /// A folder (simulate writes several tables): every table, including the line-level
    /// results, one file per table (`.csv`, or `.json` with `--format json`), each written atomically; the summary is
    /// still printed.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also print the detail tables on standard output: one row per product market and one
    /// per partner × product line (always written with `--out`).
    #[arg(long)]
    pub detail: bool,
}

/// Runs `balanza simulate`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let req = simulate::Request {
        scenario: args.scenario.clone(),
        flows: args.flows.clone(),
        tariffs: args.tariffs.clone(),
        base_year: args.base_year,
    };
    let out = app(simulate::run(&Context::new(), &req))?;
    let t_out = std::time::Instant::now();
    if let Some(dir) = &args.out {
        out.write_dir(dir, args.format)?;
    }
    if std::env::var_os("BALANZA_TIMING").is_some() {
        eprintln!(
            "timing: load {:.3} s, write {:.3} s",
            out.seconds.0,
            t_out.elapsed().as_secs_f64()
        );
    }
    let mut shown: Vec<(String, Table)> = out
        .named
        .iter()
        .filter(|(name, _)| args.detail || name != "products")
        .cloned()
        .collect();
    if args.detail {
        // The line table on standard output is for small markets; --out streams it instead.
        shown.push(("lines".into(), out.lines_table()));
    }
    let shown: Vec<&(String, Table)> = shown.iter().collect();
    print!("{}", simulate::render_named(&shown, args.format));
    eprintln!(
        "simulated {} lines in {:.3} s{}",
        out.outcome.lines.len(),
        out.seconds.1,
        args.out.as_ref().map_or(String::new(), |d| format!(
            "; tables written to {}",
            d.display()
        ))
    );
    Ok(())
}
