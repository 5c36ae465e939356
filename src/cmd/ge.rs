//! `balanza ge`: a general-equilibrium structural gravity counterfactual (GEPPML / exact hat
//! algebra), from a `[ge]` scenario file and a pair-level data file.

use crate::cmd::common::{app, word, write_or_print, OutputArgs};
use anyhow::Context as _;
use balanza_app::{ge, Context};
use balanza_ge::model::StopRule;
use balanza_ge::{Closure, Method};
use balanza_report::{write_atomic, OutputFormat};
use std::path::PathBuf;

/// Arguments of `balanza ge`.
#[derive(clap::Args, Debug)]
#[command(after_long_help = "How it works.

Three stages, as in the WTO/UNCTAD Advanced Guide to Trade Policy Analysis (Yotov et al. 2016, \
ch. 2):
  1. baseline: PPML of trade on exporter and importer fixed effects and the cost regressors \
(domestic flows included); the fixed effects give the multilateral resistances (reference \
importer's inward resistance = 1) and the fitted baseline flows;
  2. conditional GE: the scenario changes bilateral costs; outputs and expenditures stay fixed \
and the resistances are solved again;
  3. full endowment GE: factory-gate prices adjust until every country's output market clears; \
expenditure follows output through a trade-balance closure.

The full-GE solver (--method): `geppml` is the Guide's iteration (re-estimate, rescale flows, \
repeat), run to a tight criterion; it is not a contraction and can diverge, in which case it \
stops with the residual history. `hat` is exact hat algebra (Dekle-Eaton-Kortum), whose \
equilibrium is well defined for every closure. `auto` (default) uses geppml and switches to hat, \
saying so, when geppml diverges. With the Guide's closure the two differ slightly where trade is \
far from balanced (0.6 pp of real GDP for Hong Kong in the Guide's border removal).

Closures (--closure): `phi` (the Guide: E = phi*Y, phi fixed), `deficit` (each deficit fixed as \
a share of world output), `purge` (first move to a balanced world, then apply the policy; hat \
only).

Output per country: international exports and imports, trade balance, output, factory-gate \
price, inward (IMR, consumer price index) and outward (OMR) multilateral resistances and real \
GDP (Y/P), baseline / conditional / full, in levels and % change. Text shows the main columns \
(--all-columns for all); csv and json carry everything; --bilateral FILE writes pair flows.

The scenario is TOML with a [ge] section: data, cost terms, sigma, reference importer and a list \
of [[ge.changes]] (set/add/multiply a regressor for chosen pairs, a change in days to trade, or \
an iceberg cost factor). See docs/ge.md.

Examples:
  balanza ge --scenario bench/ge_trade_without_borders.toml
  balanza ge --scenario bench/ge_trade_without_borders.toml --method hat --format csv --out ge.csv
  balanza ge --scenario my.toml --data flows_2019.csv --sigma 5 --reference USA --bilateral pairs.csv
  balanza ge --scenario bench/ge_trade_without_borders.toml --stop guide   # the Guide's 0.01 rule")]
pub struct Args {
    /// The GE scenario (TOML with a [ge] section; see docs/ge.md).
    #[arg(long, value_name = "FILE")]
    pub scenario: PathBuf,
    /// Pair-level data (CSV, optionally gzip'd): one row per exporter-importer pair including
    /// domestic pairs, with the flow and the cost regressors. Overrides the scenario's `data`.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Keep only this year (when the file holds several).
    #[arg(long, value_name = "YEAR")]
    pub year: Option<i64>,
    /// Elasticity of substitution sigma (> 1; trade elasticity 1 - sigma). Default: the
    /// scenario's, else 5. The Guide uses 7.
    #[arg(long)]
    pub sigma: Option<f64>,
    /// Reference importer (ISO3 as in the data): its price index is the numeraire. Default:
    /// the scenario's, else the largest importer.
    #[arg(long, value_name = "ISO3")]
    pub reference: Option<String>,
    /// Full-endowment solver: auto, geppml or hat.
    #[arg(long, value_parser = word::<Method>())]
    pub method: Option<Method>,
    /// Trade-balance closure: phi, deficit or purge.
    #[arg(long, value_parser = word::<Closure>())]
    pub closure: Option<Closure>,
    /// Tolerance of the full-GE loop: GEPPML stops when no factory-gate price moves by more
    /// than this (relative) in one iteration; hat algebra when every output market clears to
    /// this relative excess demand.
    #[arg(long, default_value_t = 1e-10)]
    pub tol: f64,
    /// Iteration cap of the full-GE loop.
    #[arg(long, default_value_t = 10_000)]
    pub max_iter: usize,
    /// GEPPML stopping rule: `tight` (--tol) or `guide` (the Guide's Stata rule: sd and max of
    /// the change in price changes <= 0.01), to reproduce its published tables.
    #[arg(long, default_value = "tight", value_parser = word::<StopRule>())]
    pub stop: StopRule,
    /// Also write the bilateral flows (baseline, conditional, full, % changes) to this file,
    /// as CSV or, with --format json, JSON.
    #[arg(long, value_name = "FILE")]
    pub bilateral: Option<PathBuf>,
    /// Show every column in the text table (csv and json always have them all).
    #[arg(long)]
    pub all_columns: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `balanza ge`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let out = app(ge::run(&Context::new(), &request(&args)))?;
    if let Some(path) = &args.bilateral {
        let t = out.bilateral();
        let text = match args.output.format {
            OutputFormat::Json => t.render(OutputFormat::Json),
            _ => t.to_csv(),
        };
        write_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    write_or_print(&text(&out, &args)?, args.output.out.as_deref())
}

fn text(out: &ge::Output, args: &Args) -> anyhow::Result<String> {
    Ok(match args.output.format {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(&out.to_json())?;
            s.push('\n');
            s
        }
        OutputFormat::Csv => out.countries(true).to_csv(),
        OutputFormat::Table => out.text(args.all_columns),
    })
}

fn request(args: &Args) -> ge::Request {
    ge::Request {
        scenario: args.scenario.clone(),
        data: args.data.clone(),
        year: args.year,
        sigma: args.sigma,
        reference: args.reference.clone(),
        method: args.method,
        closure: args.closure,
        tol: args.tol,
        max_iter: args.max_iter,
        stop: args.stop,
    }
}
