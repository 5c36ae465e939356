//! `balanza simulate`: a tariff scenario in partial equilibrium (WITS/SMART or exact CES).

use crate::cmd::common::{app, word};
use anyhow::Context as _;
use balanza_app::simulate::{self, build_tables, write_dir};
use balanza_app::Context;
use balanza_pe::scenario::products::EndUseMap;
use balanza_pe::scenario::Scenario;
use balanza_pe::tariffs::{synthetic_mfn, TariffTable};
use balanza_report::{write_atomic, OutputFormat, Table};
use std::path::{Path, PathBuf};

/// The example scenario the demo runs (zero tariffs for LDCs with diplomatic relations).
const DEMO_SCENARIO: &str = include_str!("../../examples/scenarios/china_ldc_zero_tariff.toml");

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
    print!("{}", render(&shown, args.format));
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

/// What `balanza simulate ARGS` prints, computed in process (the report and the dashboard);
/// `--out` is not written.
pub fn stdout(ctx: &Context, args: &Args) -> Result<String, balanza_app::AppError> {
    let req = simulate::Request {
        scenario: args.scenario.clone(),
        flows: args.flows.clone(),
        tariffs: args.tariffs.clone(),
        base_year: args.base_year,
    };
    let out = simulate::run(ctx, &req)?;
    let shown: Vec<&(String, Table)> = out
        .named
        .iter()
        .filter(|(name, _)| args.detail || name != "products")
        .collect();
    Ok(render(&shown, args.format))
}

fn render(tables: &[&(String, Table)], format: OutputFormat) -> String {
    match format {
        OutputFormat::Json => {
            let mut obj = serde_json::Map::new();
            for (name, t) in tables {
                obj.insert(name.clone(), t.to_json());
            }
            let mut s = serde_json::to_string_pretty(&obj).unwrap_or_default();
            s.push('\n');
            s
        }
        OutputFormat::Csv => tables
            .iter()
            .map(|(name, t)| format!("# {name}\n{}", t.to_csv()))
            .collect::<Vec<_>>()
            .join("\n"),
        OutputFormat::Table => tables
            .iter()
            .map(|(_, t)| t.to_text())
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// The demo's simulation step: synthetic MFN tariffs for the demo importer, then the shipped
/// example "zero tariffs for LDCs with diplomatic relations" on the synthetic world.
pub fn demo_step(ctx: &crate::cmd::demo::DemoContext) -> anyhow::Result<()> {
    let app_ctx = Context::new();
    let flows = &simulate::load_flows(&app_ctx, &ctx.dataset)?.table;
    // The example is China's scheme; if the synthetic world has no Chinese imports, the demo
    // runs the same measures for the demo's reporter.
    let has_imports = |iso: &str| {
        flows
            .country_id(iso)
            .is_some_and(|id| flows.importer.contains(&id))
    };
    let importer = if has_imports("CHN") {
        "CHN".to_string()
    } else {
        ctx.reporter.clone()
    };
    let id = flows
        .country_id(&importer)
        .with_context(|| format!("the synthetic world has no country {importer}"))?;
    let year = (0..flows.len())
        .filter(|&r| flows.importer[r] == id)
        .map(|r| flows.year[r])
        .max()
        .with_context(|| format!("the synthetic world has no imports of {importer}"))?;
    let tariffs = synthetic_mfn(&importer, &flows.products, year, ctx.seed);
    let tariff_path = ctx.dir.join("tariffs_synthetic.csv");
    write_atomic(&tariff_path, tariffs.to_csv().as_bytes())
        .with_context(|| format!("cannot write {}", tariff_path.display()))?;
    let mut sc = Scenario::parse(DEMO_SCENARIO, &ctx.dir).map_err(|issues| {
        anyhow::anyhow!(
            "the shipped example scenario does not validate: {}",
            issues
                .iter()
                .map(|i| format!("{}: {}", i.key, i.message))
                .collect::<Vec<_>>()
                .join("; ")
        )
    })?;
    sc.importer = importer;
    sc.base_year = year;
    sc.data.tariffs = Some(tariff_path);
    sc.data.mfn_rate = None;
    let tariffs = TariffTable::read(sc.data.tariffs.as_deref().unwrap_or(Path::new("")))?;
    // End uses of the synthetic products (the demo's built-in HS → SNA class table).
    let builtin = crate::cmd::demo::builtin_end_use();
    let end_use = EndUseMap::from_value_map(builtin);
    let outcome =
        balanza_pe::scenario::run::run_with(&sc, flows, &tariffs, &Default::default(), &end_use)?;
    let tables = build_tables(&sc, &outcome);
    write_dir(
        &ctx.dir.join("simulate"),
        &tables,
        &outcome,
        OutputFormat::Csv,
    )?;
    println!(
        "== Policy scenario (SYNTHETIC world, synthetic tariffs): {} ==",
        sc.name
    );
    for (name, t) in &tables {
        if matches!(name.as_str(), "summary" | "by_measure") {
            println!("{}", t.to_text());
        }
    }
    println!(
        "(all tables in {}; try: balanza simulate --scenario examples/scenarios/china_ldc_zero_tariff.toml --data {} --tariffs {} --base-year {year})",
        ctx.dir.join("simulate").display(),
        ctx.dataset.display(),
        ctx.dir.join("tariffs_synthetic.csv").display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::cmd::demo::{make_dataset, DemoContext};

    /// The demo step runs the shipped LDC example on the synthetic world (for any reporter:
    /// the synthetic world has Chinese imports) and writes its tables.
    #[test]
    fn demo_step_runs() {
        let dir = std::env::temp_dir().join(format!("balanza-sim-demo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ctx = DemoContext {
            dataset: dir.join("world.parquet"),
            dir: dir.clone(),
            reporter: "ZAF".into(),
            seed: 42,
        };
        make_dataset(&ctx).unwrap();
        super::demo_step(&ctx).unwrap();
        assert!(dir.join("simulate/lines.csv").exists());
        let summary = std::fs::read_to_string(dir.join("simulate/summary.csv")).unwrap();
        assert!(summary.contains("import_change"));
        assert!(dir.join("tariffs_synthetic.csv").exists());
    }
}
