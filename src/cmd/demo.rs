//! `balanza demo`: every step of balanza on a seeded synthetic world, with no download.
//!
//! The world comes from `balanza_data::synth` (a seeded SplitMix64 generator), so the same seed gives the
//! same world on every machine and with every crate version. Every table it prints is labelled
//! SYNTHETIC DATA, and so is the dataset it writes (Parquet key `balanza.label`), so that later
//! commands run on it say so too.

use crate::cmd::common::{emit, OutputArgs};
use balanza_app::query::{Breakdown, Query, Selection, SYNTHETIC_LABEL};
use balanza_app::{balance, composition, top, Context};
pub use balanza_data::synth::builtin_end_use;
use balanza_data::synth::{write_world_csv, COUNTRIES, PRODUCTS, YEARS};
use balanza_data::{ColumnMap, ReadOptions, SourceFormat};
use balanza_report::{OutputFormat, Table};
use std::path::PathBuf;

/// What every demo step receives: where the synthetic world lives and where to write.
///
/// Each area's command module exposes `pub fn demo_step(ctx: &DemoContext) -> anyhow::Result<()>`
/// which prints its part of the demo (labelled as synthetic) and may write files under `dir`.
#[derive(Debug, Clone)]
pub struct DemoContext {
    /// A folder for this demo run's files (datasets, scenario results, the report).
    pub dir: PathBuf,
    /// The synthetic trade-flow dataset (Parquet) written by the data step.
    pub dataset: PathBuf,
    /// The reporter the demo looks at (ISO3).
    pub reporter: String,
    /// The seed of the synthetic world; the same seed gives the same world.
    pub seed: u64,
}

/// Arguments of `balanza demo`.
#[derive(clap::Args, Debug)]
#[command(
    after_long_help = "Run balanza on a seeded synthetic world: 30 countries (China, the USA, \
the EU's largest economies, emerging economies and nine least developed countries), 294 HS2017
products and five years (2016-2020). The demo writes the world as a Parquet dataset, then shows
the trade balance, the end-use composition of imports and the top export products of the
reporter, and the later steps of the pipeline. Every output is labelled SYNTHETIC DATA.

Examples:
  balanza demo
  balanza demo --seed 7 --reporter ZAF --dir /tmp/my-demo"
)]
pub struct Args {
    /// Seed of the synthetic world (the same seed gives the same world).
    #[arg(long, default_value_t = 2024)]
    pub seed: u64,
    /// The reporter the demo looks at (ISO3, one of the 30 synthetic countries).
    #[arg(long, default_value = "CHN", value_name = "ISO3")]
    pub reporter: String,
    /// Folder for the demo's files (default: a folder under the system temporary directory).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Generates the world and writes it as a labelled Parquet dataset; returns its row count.
pub fn make_dataset(ctx: &DemoContext) -> anyhow::Result<u64> {
    let csv = ctx.dir.join("world.csv");
    write_world_csv(&csv, ctx.seed)?;
    let mut map = ColumnMap::parse("year=year,exporter=exporter,importer=importer,product=hs6,value=value_usd,quantity=quantity_t")
        .map_err(anyhow::Error::msg)?;
    map.value_scale = 1.0;
    let opts = ReadOptions {
        format: SourceFormat::Mapped(map),
        hs_revision: Some("HS2017".to_string()),
        label: Some(SYNTHETIC_LABEL.to_string()),
        ..ReadOptions::default()
    };
    let mut rows = 0;
    let mut err = None;
    let write = balanza_report::atomic::write_atomic_with(&ctx.dataset, |w| {
        match balanza_data::ingest(
            std::slice::from_ref(&csv),
            &opts,
            w,
            &ctx.dataset,
            &mut |_, _, _| {},
        ) {
            Ok((_, n)) => {
                rows = n;
                Ok(())
            }
            Err(e) => {
                err = Some(e);
                Err(std::io::Error::other("ingest failed"))
            }
        }
    });
    // The raw CSV was only a vehicle for the real ingest path; the dataset is what later steps use.
    let _ = std::fs::remove_file(&csv);
    if let Some(e) = err {
        return Err(e.into());
    }
    write?;
    Ok(rows)
}

fn selection(ctx: &DemoContext) -> Selection {
    Selection {
        data: vec![ctx.dataset.clone()],
        reporter: ctx.reporter.clone(),
        ..Selection::default()
    }
}

fn show(ctx: &DemoContext, name: &str, t: &Table) -> anyhow::Result<()> {
    let out = OutputArgs {
        format: OutputFormat::Table,
        out: None,
    };
    emit(std::slice::from_ref(t), &out)?;
    println!();
    // Saved as CSV too, for the report step and for the curious.
    balanza_report::write_atomic(
        &ctx.dir.join(format!("{name}.csv")),
        t.render(OutputFormat::Csv).as_bytes(),
    )?;
    Ok(())
}

/// The data step: balance, import composition and top export products of the reporter.
pub fn data_step(ctx: &DemoContext) -> anyhow::Result<()> {
    let app = Context::new();
    let q = Query::load(&app, &selection(ctx))?;
    println!(
        "== 1. Where does {}'s trade stand? [{SYNTHETIC_LABEL}] ==\n",
        ctx.reporter
    );
    let mut t = balance::table(&app, &q, Breakdown::Partner)?;
    t.rows.truncate(10);
    t.note("(the 10 largest partners by total trade; total row left out of this excerpt)");
    show(ctx, "balance_by_partner", &t)?;
    show(
        ctx,
        "balance_by_year",
        &balance::table(&app, &q, Breakdown::Year)?,
    )?;
    show(
        ctx,
        "composition_imports_enduse",
        &composition::table(&app, &q, balanza_data::Flow::Imports, Breakdown::EndUse)?,
    )?;
    show(
        ctx,
        "top_export_products",
        &top::table(
            &app,
            &q,
            balanza_data::Flow::Exports,
            Breakdown::Product,
            10,
        )?,
    )?;
    Ok(())
}

/// One step of the demo: prints its part and may write files under `ctx.dir`.
type DemoStep = fn(&DemoContext) -> anyhow::Result<()>;

/// Runs `balanza demo`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let reporter = args.reporter.trim().to_ascii_uppercase();
    if !COUNTRIES.iter().any(|c| c.0 == reporter) {
        let list: Vec<&str> = COUNTRIES.iter().map(|c| c.0).collect();
        anyhow::bail!(
            "the synthetic world has no country `{reporter}`: choose one of {}",
            list.join(", ")
        );
    }
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join(format!("balanza-demo-{}", args.seed)));
    std::fs::create_dir_all(&dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let ctx = DemoContext {
        dataset: dir.join("world.parquet"),
        dir,
        reporter,
        seed: args.seed,
    };
    println!(
        "balanza demo: a {SYNTHETIC_LABEL} world (seed {}), {} countries, {} HS2017 products, {}-{}.\nNothing here is real trade; it shows what each command does.\n",
        ctx.seed,
        COUNTRIES.len(),
        PRODUCTS.len(),
        YEARS.start(),
        YEARS.end()
    );
    let rows = make_dataset(&ctx)?;
    println!(
        "wrote {rows} synthetic flows to {}\n",
        ctx.dataset.display()
    );

    // ---- Demo steps, in pipeline order. LATER STEPS GO HERE: append
    // ("title", crate::cmd::<area>::demo_step) to this list; each receives the same context. ----
    let steps: Vec<(&str, DemoStep)> = vec![
        ("trade balance, composition, top products", data_step),
        (
            "tariff scenario, partial equilibrium",
            crate::cmd::simulate::demo_step,
        ),
        ("general equilibrium", crate::cmd::ge::demo_step),
        ("jobs in trade", crate::cmd::jobs::demo_step),
        ("report", crate::cmd::report::demo_step),
    ];
    for (title, step) in steps {
        step(&ctx).map_err(|e| anyhow::anyhow!("demo step `{title}` failed: {e:#}"))?;
    }

    let d = ctx.dataset.display();
    let r = &ctx.reporter;
    println!("What to look at next [{SYNTHETIC_LABEL}]:");
    println!("  balanza balance --data {d} --reporter {r} --by enduse      # balance by end use");
    println!("  balanza composition --data {d} --reporter {r} --flow exports --by section");
    println!(
        "  balanza top --data {d} --reporter {r} --flow imports --by partner --n 5 --format json"
    );
    println!("  balanza ingest --help                                     # load real BACI or Comtrade/WITS files");
    println!("Files of this run are in {}", ctx.dir.display());
    Ok(())
}
