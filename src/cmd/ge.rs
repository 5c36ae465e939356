//! `balanza ge`: a general-equilibrium structural gravity counterfactual (GEPPML / exact hat
//! algebra), from a `[ge]` scenario file and a pair-level data file.

use crate::cmd::common::OutputArgs;
use anyhow::Context;
use balanza_report::{write_atomic, Cell, OutputFormat, Table};
use balanza_sim::ge::model::StopRule;
use balanza_sim::ge::run::{run as run_ge, Outcome, Overrides};
use balanza_sim::ge::spec::GeSpec;
use balanza_sim::ge::{Closure, Method};
use serde_json::{json, Value};
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
    #[arg(long, value_parser = parse_method)]
    pub method: Option<Method>,
    /// Trade-balance closure: phi, deficit or purge.
    #[arg(long, value_parser = parse_closure)]
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
    #[arg(long, default_value = "tight", value_parser = parse_stop)]
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

fn parse_method(s: &str) -> Result<Method, String> {
    s.parse()
}
fn parse_closure(s: &str) -> Result<Closure, String> {
    s.parse()
}
fn parse_stop(s: &str) -> Result<StopRule, String> {
    match s {
        "tight" => Ok(StopRule::Tight),
        "guide" => Ok(StopRule::Guide),
        o => Err(format!(
            "unknown stopping rule `{o}`: expected tight or guide"
        )),
    }
}

/// Runs `balanza ge`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let spec = GeSpec::load(&args.scenario)?;
    let ov = Overrides {
        sigma: args.sigma,
        reference: args.reference.clone(),
        method: args.method,
        closure: args.closure,
        year: args.year,
        tol: Some(args.tol),
        max_iter: Some(args.max_iter),
        stop: Some(args.stop),
    };
    let out = run_ge(&spec, args.data.as_deref(), &ov)?;
    if let Some(path) = &args.bilateral {
        let t = bilateral_table(&out);
        let text = match args.output.format {
            OutputFormat::Json => t.render(OutputFormat::Json),
            _ => t.to_csv(),
        };
        write_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let text = match args.output.format {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(&to_json(&out))?;
            s.push('\n');
            s
        }
        OutputFormat::Csv => countries_table(&out, true).to_csv(),
        OutputFormat::Table => render_text(&out, args.all_columns),
    };
    match &args.output.out {
        Some(path) => write_atomic(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

fn f(v: f64) -> Cell {
    Cell::Float(v)
}

/// The per-country table: all columns, or the main ones for reading.
pub fn countries_table(out: &Outcome, all: bool) -> Table {
    let rows = out.solution.rows();
    let levels = |name: &str| {
        vec![
            format!("{name}_bln"),
            format!("{name}_cdl"),
            format!("{name}_full"),
        ]
    };
    let pcts = |name: &str| vec![format!("{name}_pct_cdl"), format!("{name}_pct_full")];
    let mut cols: Vec<String> = vec!["country".into()];
    if all {
        for name in ["exports", "imports"] {
            cols.extend(levels(name));
            cols.extend(pcts(name));
        }
        cols.extend(levels("balance"));
        cols.extend([
            "output_bln".into(),
            "output_full".into(),
            "output_pct_full".into(),
        ]);
        cols.extend(["price_full".into(), "price_pct_full".into()]);
        for name in ["imr", "omr", "real_gdp"] {
            cols.extend(levels(name));
            cols.extend(pcts(name));
        }
    } else {
        cols.extend(
            [
                "exports_bln",
                "exports_pct_cdl",
                "exports_pct_full",
                "imports_pct_full",
                "balance_bln",
                "balance_full",
                "price_pct_full",
                "imr_pct_full",
                "omr_pct_full",
                "real_gdp_pct_full",
            ]
            .map(String::from),
        );
    }
    let mut t = Table::new(cols).with_title(format!(
        "{} — per country (% changes {}; IMR = consumer price index P, reference {} = 1)",
        out.spec.name,
        if out.solution.effect_of_baseline {
            "(BLN - CFL)/CFL: the effect of the baseline policy"
        } else {
            "(CFL - BLN)/BLN"
        },
        out.solution.countries[out.solution.reference]
    ));
    for r in &rows {
        let pct = |v: &[f64; 3], k: usize| out.solution.pct(v, k);
        let mut row: Vec<Cell> = vec![r.country.clone().into()];
        if all {
            for v in [&r.exports, &r.imports] {
                row.extend([f(v[0]), f(v[1]), f(v[2]), f(pct(v, 1)), f(pct(v, 2))]);
            }
            row.extend([f(r.balance[0]), f(r.balance[1]), f(r.balance[2])]);
            row.extend([f(r.output[0]), f(r.output[2]), f(pct(&r.output, 2))]);
            row.extend([f(r.price[2]), f(pct(&r.price, 2))]);
            for v in [&r.imr, &r.omr, &r.real_gdp] {
                row.extend([f(v[0]), f(v[1]), f(v[2]), f(pct(v, 1)), f(pct(v, 2))]);
            }
        } else {
            row.extend([
                f(r.exports[0]),
                f(pct(&r.exports, 1)),
                f(pct(&r.exports, 2)),
                f(pct(&r.imports, 2)),
                f(r.balance[0]),
                f(r.balance[2]),
                f(pct(&r.price, 2)),
                f(pct(&r.imr, 2)),
                f(pct(&r.omr, 2)),
                f(pct(&r.real_gdp, 2)),
            ]);
        }
        t.push(row);
    }
    for n in &out.solution.notes {
        t.note(n.clone());
    }
    t
}

fn first_stage_table(out: &Outcome) -> Table {
    let fs = &out.first_stage;
    let mut t = Table::new(["term", "coefficient", "std_error"]).with_title(format!(
        "First stage: {} ({} observations{})",
        fs.source,
        fs.nobs,
        if fs.iterations > 0 {
            format!(", {} IRLS iterations", fs.iterations)
        } else {
            String::new()
        }
    ));
    for ((n, b), se) in fs.names.iter().zip(&fs.coefficients).zip(&fs.std_errors) {
        t.push(vec![
            n.clone().into(),
            f(*b),
            if se.is_finite() { f(*se) } else { Cell::Null },
        ]);
    }
    t.note(format!("std_error: {}", fs.std_error_kind));
    for m in &fs.messages {
        t.note(m.clone());
    }
    t
}

fn convergence_table(out: &Outcome) -> Table {
    let mut t = Table::new(["stage", "solver", "iterations", "residual", "criterion"])
        .with_title("Convergence");
    for d in &out.solution.diagnostics {
        t.push(vec![
            d.stage.clone().into(),
            d.solver.clone().into(),
            d.iterations.into(),
            if d.residual.is_finite() {
                f(d.residual)
            } else {
                Cell::Null
            },
            d.criterion.clone().into(),
        ]);
    }
    if let Some(c) = out.fe_check {
        t.note(format!(
            "baseline flows from the scaling solver vs the PPML fit: max relative gap {c:.1e}"
        ));
    }
    t
}

fn changes_table(out: &Outcome) -> Table {
    let mut t = Table::new(["change", "pairs"]).with_title("Changes");
    for (c, n) in out.spec.changes.iter().zip(&out.touched) {
        t.push(vec![c.name.clone().into(), (*n).into()]);
    }
    t
}

fn render_text(out: &Outcome, all: bool) -> String {
    let o = &out.solution.options;
    let mut s = format!(
        "{}\ndata: {} ({} countries)\nsigma = {}, reference importer {}, method {}, closure {}\n\n",
        out.spec.name,
        out.source,
        out.solution.countries.len(),
        out.solution.sigma,
        out.solution.countries[out.solution.reference],
        o.method.name(),
        o.closure.name()
    );
    for t in [
        first_stage_table(out),
        changes_table(out),
        convergence_table(out),
        countries_table(out, all),
    ] {
        s.push_str(&t.to_text());
        s.push('\n');
    }
    s
}

/// Bilateral flows in the three stages.
pub fn bilateral_table(out: &Outcome) -> Table {
    let s = &out.solution;
    let n = s.countries.len();
    let mut t = Table::new([
        "exporter",
        "importer",
        "flow_bln",
        "flow_cdl",
        "flow_full",
        "pct_cdl",
        "pct_full",
    ]);
    for i in 0..n {
        for j in 0..n {
            let k = i * n + j;
            let (b, c, fl) = (s.baseline.flows[k], s.conditional.flows[k], s.full.flows[k]);
            t.push(vec![
                s.countries[i].clone().into(),
                s.countries[j].clone().into(),
                f(b),
                f(c),
                f(fl),
                f((c / b - 1.0) * 100.0),
                f((fl / b - 1.0) * 100.0),
            ]);
        }
    }
    t
}

fn to_json(out: &Outcome) -> Value {
    let o = &out.solution.options;
    json!({
        "scenario": out.spec.name,
        "data": out.source,
        "sigma": out.solution.sigma,
        "reference": out.solution.countries[out.solution.reference],
        "method": o.method.name(),
        "closure": o.closure.name(),
        "first_stage": first_stage_table(out).to_json(),
        "changes": changes_table(out).to_json(),
        "convergence": convergence_table(out).to_json(),
        "notes": out.solution.notes,
        "countries": countries_table(out, true).to_json(),
    })
}

/// The demo's GE step: border removal between a few countries of a seeded synthetic world.
// Called by `balanza demo` once the demo wires its steps in.
#[allow(dead_code)]
pub fn demo_step(ctx: &crate::cmd::demo::DemoContext) -> anyhow::Result<()> {
    use balanza_sim::ge::synthetic::{code, world_csv};
    std::fs::create_dir_all(&ctx.dir)
        .with_context(|| format!("cannot create {}", ctx.dir.display()))?;
    let data = ctx.dir.join("ge_synthetic_world.csv");
    write_atomic(&data, world_csv(20, ctx.seed, false, 0.3).as_bytes())
        .with_context(|| format!("cannot write {}", data.display()))?;
    let members: Vec<String> = (0..4).map(code).collect();
    let list = members
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let scenario = format!(
        "name = \"SYNTHETIC: a customs union of {m} removes its internal borders\"\n\
         [ge]\ndata = \"ge_synthetic_world.csv\"\nreference = \"{r}\"\nsigma = 5\n\
         costs = [\"ln_dist\", \"cntg\", \"intl_brdr\"]\n\n\
         [[ge.changes]]\nname = \"no border inside the union\"\nvariable = \"intl_brdr\"\nset = 0\n\
         exporters = [{list}]\nimporters = [{list}]\n",
        m = members.join(", "),
        r = code(0),
    );
    let path = ctx.dir.join("ge_scenario.toml");
    write_atomic(&path, scenario.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    let spec = GeSpec::load(&path)?;
    let out = run_ge(&spec, None, &Overrides::default())?;
    println!(
        "== General equilibrium (SYNTHETIC world of 20 countries, seed {}) ==",
        ctx.seed
    );
    println!(
        "scenario: {}  (files: {}, {})",
        spec.name,
        data.display(),
        path.display()
    );
    let mut t = countries_table(&out, false);
    t.title = Some("SYNTHETIC — per country, % changes from baseline".into());
    print!("{}", convergence_table(&out).to_text());
    print!("{}", t.to_text());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo step writes its synthetic world and scenario and solves them.
    #[test]
    fn demo_step_runs_on_the_synthetic_world() {
        let dir = std::env::temp_dir().join(format!("balanza-ge-demo-{}", std::process::id()));
        let ctx = crate::cmd::demo::DemoContext {
            dir: dir.clone(),
            dataset: dir.join("unused.parquet"),
            reporter: "CHN".into(),
            seed: 7,
        };
        demo_step(&ctx).unwrap();
        let world = std::fs::read_to_string(dir.join("ge_synthetic_world.csv")).unwrap();
        assert_eq!(world.lines().count(), 20 * 20 + 1);
        assert!(dir.join("ge_scenario.toml").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
