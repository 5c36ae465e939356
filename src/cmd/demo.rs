//! `balanza demo`: every step of balanza on a seeded synthetic world, with no download.
//!
//! The files and runs are `balanza_app::demo`'s (a seeded world, labelled SYNTHETIC DATA in
//! every table and in the dataset it writes, so that later commands run on it say so too);
//! this module prints them, step by step.

use crate::cmd::common::{app, emit, OutputArgs};
use balanza_app::demo::{self, Demo};
use balanza_app::query::SYNTHETIC_LABEL;
use balanza_app::{report, Context};
use balanza_data::synth::{COUNTRIES, PRODUCTS, YEARS};
use balanza_report::{OutputFormat, Table};
use std::path::PathBuf;

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

/// Readable tables on stdout, as every step prints them.
const TEXT: OutputArgs = OutputArgs {
    format: OutputFormat::Table,
    out: None,
};

fn show(d: &Demo, name: &str, t: &Table) -> anyhow::Result<()> {
    emit(std::slice::from_ref(t), &TEXT)?;
    println!();
    // Saved as CSV too, for the report step and for the curious.
    balanza_report::write_atomic(
        &d.dir.join(format!("{name}.csv")),
        t.render(OutputFormat::Csv).as_bytes(),
    )?;
    Ok(())
}

/// The data step: balance, import composition and top export products of the reporter.
fn data_step(d: &Demo) -> anyhow::Result<()> {
    let tables = app(demo::describe(&Context::new(), d))?;
    println!(
        "== 1. Where does {}'s trade stand? [{SYNTHETIC_LABEL}] ==\n",
        d.reporter
    );
    for (name, t) in &tables {
        show(d, name, t)?;
    }
    Ok(())
}

/// The PE step: the shipped LDC example on the synthetic world with synthetic MFN tariffs.
fn simulate_step(d: &Demo) -> anyhow::Result<()> {
    let s = app(demo::simulate(&Context::new(), d))?;
    println!(
        "== Policy scenario (SYNTHETIC world, synthetic tariffs): {} ==",
        s.scenario.name
    );
    for (name, t) in &s.tables {
        if matches!(name.as_str(), "summary" | "by_measure") {
            println!("{}", t.to_text());
        }
    }
    println!(
        "(all tables in {}; try: balanza simulate --scenario examples/scenarios/china_ldc_zero_tariff.toml --data {} --tariffs {} --base-year {})",
        d.dir.join("simulate").display(),
        d.dataset.display(),
        s.tariffs.display(),
        s.scenario.base_year
    );
    Ok(())
}

/// The GE step: border removal between four countries of a synthetic world.
fn ge_step(d: &Demo) -> anyhow::Result<()> {
    let (out, data, scenario) = app(demo::ge(&Context::new(), d))?;
    println!(
        "== General equilibrium (SYNTHETIC world of {} countries, seed {}) ==",
        demo::GE_COUNTRIES,
        d.seed
    );
    println!(
        "scenario: {}  (files: {}, {})",
        out.outcome.spec.name,
        data.display(),
        scenario.display()
    );
    let mut t = out.countries(false);
    t.title = Some("SYNTHETIC — per country, % changes from baseline".into());
    print!("{}", out.convergence().to_text());
    print!("{}", t.to_text());
    Ok(())
}

/// The jobs step: a synthetic four-industry input-output table.
fn jobs_step(d: &Demo) -> anyhow::Result<()> {
    let tables = app(demo::jobs(&Context::new(), d))?;
    println!("== jobs (SYNTHETIC) ==");
    emit(&tables, &TEXT)
}

/// The last step: a report of whatever the other steps left, in `dir/report.html`.
fn report_step(d: &Demo) -> anyhow::Result<()> {
    let out = app(report::demo(&Context::new(), d))?;
    let path = d.dir.join("report.html");
    crate::cmd::report::write(&out, &path)?;
    println!(
        "Report of the demo ({} sections, open it in a browser): {}",
        out.report.sections.len(),
        path.display()
    );
    Ok(())
}

/// One step of the demo: prints its part and may write files under `dir`.
type DemoStep = fn(&Demo) -> anyhow::Result<()>;

/// Runs `balanza demo`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let ctx = Demo::new(args.dir, &args.reporter, args.seed)?;
    println!(
        "balanza demo: a {SYNTHETIC_LABEL} world (seed {}), {} countries, {} HS2017 products, {}-{}.\nNothing here is real trade; it shows what each command does.\n",
        ctx.seed,
        COUNTRIES.len(),
        PRODUCTS.len(),
        YEARS.start(),
        YEARS.end()
    );
    let rows = demo::write_dataset(&ctx)?;
    println!(
        "wrote {rows} synthetic flows to {}\n",
        ctx.dataset.display()
    );

    // ---- Demo steps, in pipeline order. LATER STEPS GO HERE: write the step's inputs and
    // run it in balanza_app::demo, print it here, and append ("title", step) to this list. ----
    let steps: Vec<(&str, DemoStep)> = vec![
        ("trade balance, composition, top products", data_step),
        ("tariff scenario, partial equilibrium", simulate_step),
        ("general equilibrium", ge_step),
        ("jobs in trade", jobs_step),
        ("report", report_step),
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
