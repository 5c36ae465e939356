//! `balanza jobs`: jobs and value added supported by trade, from an input-output table.
//!
//! A thin shell over `balanza_leontief`: read the folder, compute A and L, and lay out the
//! satellite accounts (employment, value added, emissions) embodied in exports, in final
//! demand, or in a change of exports given by product.

use crate::cmd::common::{app, emit, render, word, OutputArgs};
use crate::cmd::demo::DemoContext;
use anyhow::Context as _;
use balanza_app::jobs::{self, By};
use balanza_app::{AppError, Context};
use balanza_report::OutputFormat;
use std::path::{Path, PathBuf};

// Shown with `--help`. (The subcommand's one-line doc comment in main.rs resets `long_about`,
// so the text goes before and after the options instead.)
const BEFORE_HELP: &str = "\
Reads a folder of CSV files (layout: docs/io-layout.md): intermediate flows Z, final demand Y,
gross output x and satellite accounts (employment, value added, emissions). Computes the
technical coefficients A = Z diag(x)^-1 and the Leontief inverse L = (I - A)^-1, then:

  national table (one economy, Y has an `exports` column):
    jobs supported by exports  J = l' L e   (l = employees / output, e = exports)
    by industry                diag(l) L e  (where the jobs are)
    value added in exports     v' L e       (domestic value added content)
  multi-regional table (labels region/sector, as pymrio):
    pymrio's accounts D_cba, D_pba, D_imp, D_exp by region (--by industry: by region/sector),
    and the satellite embodied in each region's gross exports: domestic s_r (L e_r)_r,
    foreign, and local-Leontief s_r (I - A_rr)^-1 e_r.

Jobs 'supported by' exports are gross: they are not net of imports that the same exports need
or that displace domestic output.";

const AFTER_HELP: &str = "\
CHANGE IN EXPORTS (link to scenario results)
  --changes FILE     a CSV with one product column and one value column (the change in
                     exports by product, in the table's currency unit; use --scale to convert).
                     Product column: the first of product, hs6, hs, code, k (or --product-column).
                     Value column: the first of value, delta_exports, change, delta, d_exports
                     (or --value-column, which also takes a difference of columns such as
                     new_imports-baseline_imports). Rows of the same product add up.
                     --filter partner=CHL keeps one exporter's rows of a scenario's line
                     results (the importer's new minus baseline imports from CHL are CHL's
                     change in exports).
  --concordance FILE[:FROM:TO]   repeatable, applied in order, e.g. HS6 -> ISIC -> the table's
                     industries. FROM/TO name the columns (default: the first two). A code with
                     several targets is split equally, or by a `weight` column. The last step
                     must produce the table's industry codes. Unmapped products are reported.

EXAMPLES
  balanza jobs --io ../shared/data/io/chile_2013_12x12
  balanza jobs --io ../shared/data/io/chile_2013_12x12 --by industry --satellite employees
  balanza jobs --io ../shared/data/io/pymrio_test_mrio --region reg1 --format json
  balanza jobs --io ../shared/data/io/chile_2013_12x12 --changes delta_exports.csv \\
      --concordance ../shared/data/classification/hs2022_to_isic3.csv:HS6_6d:ISIC3_1d \\
      --concordance isic_to_chile.csv:isic:sector --scale 0.00095
  balanza jobs --io chile_io --changes lines.csv --filter partner=CHL \\
      --value-column new_imports-baseline_imports --concordance hs_to_chile.csv";

/// Arguments of `balanza jobs`.
#[derive(clap::Args, Debug)]
#[command(before_long_help = BEFORE_HELP, after_long_help = AFTER_HELP)]
pub struct Args {
    /// Folder of the input-output table (Z, Y, x and satellite CSVs; docs/io-layout.md).
    #[arg(long = "io", value_name = "DIR")]
    pub io: PathBuf,
    /// Region to report (multi-regional tables); default: every region.
    #[arg(long, value_name = "R")]
    pub region: Option<String>,
    /// Break results down by industry.
    #[arg(long, default_value = "total", value_parser = word::<By>())]
    pub by: By,
    /// Satellite account(s) to report, by name (`employees`, `Value Added`), `file/name`, or
    /// file group (`emissions`). Repeatable. Default: employment and value added, when present.
    #[arg(long, value_name = "NAME")]
    pub satellite: Vec<String>,
    /// Final-demand column holding exports (national tables); default `exports`/`export`/`exp`.
    #[arg(long, value_name = "NAME")]
    pub exports_column: Option<String>,
    /// CSV of export changes by product (see CHANGE IN EXPORTS below).
    #[arg(long, value_name = "FILE")]
    pub changes: Option<PathBuf>,
    /// Concordance step FILE[:FROM:TO] from products towards the table's industries.
    #[arg(long, value_name = "FILE[:FROM:TO]", requires = "changes")]
    pub concordance: Vec<String>,
    /// Product column of --changes (default: product, hs6, hs, code or k).
    #[arg(long, value_name = "COL", requires = "changes")]
    pub product_column: Option<String>,
    /// Value of --changes: a column, or columns joined by + and - such as
    /// `new_imports-baseline_imports` (default: value, delta_exports, change, delta or
    /// d_exports).
    #[arg(long, value_name = "COL", requires = "changes")]
    pub value_column: Option<String>,
    /// Keep only rows of --changes where COL equals VALUE (repeatable), e.g. `partner=CHL` to
    /// read one exporter's lines from a scenario's line results.
    #[arg(long, value_name = "COL=VALUE", requires = "changes", value_parser = parse_filter)]
    pub filter: Vec<(String, String)>,
    /// Multiply the changes by this factor to reach the table's currency unit.
    #[arg(long, default_value_t = 1.0, requires = "changes")]
    pub scale: f64,
    /// Also write A.csv (technical coefficients) and L.csv (Leontief inverse) into this folder,
    /// labelled like Z, at full precision.
    #[arg(long, value_name = "DIR")]
    pub matrices: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_filter(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((c, v)) if !c.trim().is_empty() => Ok((c.trim().to_string(), v.trim().to_string())),
        _ => Err(format!("`{s}` is not COL=VALUE")),
    }
}

/// Runs `balanza jobs`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let out = app(jobs::run(&Context::new(), &args.request()))?;
    emit(&out.tables(), &args.output)
}

/// What `balanza jobs ARGS` prints, computed in process (the report).
pub fn stdout(ctx: &Context, args: &Args) -> Result<String, AppError> {
    let out = jobs::run(ctx, &args.request())?;
    Ok(render(&out.tables(), args.output.format)?)
}

impl Args {
    fn request(&self) -> jobs::Request {
        jobs::Request {
            io: self.io.clone(),
            region: self.region.clone(),
            by: self.by,
            satellite: self.satellite.clone(),
            exports_column: self.exports_column.clone(),
            changes: self.changes.clone(),
            concordance: self.concordance.clone(),
            product_column: self.product_column.clone(),
            value_column: self.value_column.clone(),
            filter: self.filter.clone(),
            scale: self.scale,
            matrices: self.matrices.clone(),
        }
    }
}

/// Demo: a seeded synthetic four-industry economy, written under `ctx.dir/io_synthetic` in
/// the documented layout, then analysed like a real table.
pub fn demo_step(ctx: &DemoContext) -> anyhow::Result<()> {
    let dir = ctx.dir.join("io_synthetic");
    write_synthetic_table(&dir, ctx.seed)?;
    let args = Args {
        io: dir.clone(),
        region: None,
        by: By::Total,
        satellite: vec![],
        exports_column: None,
        changes: None,
        concordance: vec![],
        product_column: None,
        value_column: None,
        filter: vec![],
        scale: 1.0,
        matrices: None,
        output: OutputArgs {
            format: OutputFormat::Table,
            out: None,
        },
    };
    let mut tables = app(jobs::run(&Context::new(), &args.request()))?.tables;
    for t in &mut tables {
        t.title = Some(format!(
            "SYNTHETIC input-output table (seed {}): jobs and value added supported by exports",
            ctx.seed
        ));
        t.note(format!(
            "SYNTHETIC: a made-up 4-industry economy written to {}; not real statistics",
            dir.display()
        ));
    }
    println!("== jobs (SYNTHETIC) ==");
    emit(&tables, &args.output)
}

/// Writes a small balanced, productive IO table: Z entries in [0, 10], final demand in
/// [60, 120] per industry (so every column of A sums to well under 1), exports a random part
/// of it, value added = output − intermediate inputs, jobs per unit of output in [2, 20].
fn write_synthetic_table(dir: &Path, seed: u64) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    // The data layer's one seeded generator (balanza_data::synth).
    let mut rng = balanza_data::synth::SplitMix64(seed ^ 0x6a6f_6273);
    let names = ["agriculture", "manufacturing", "services", "mining"];
    let n = names.len();
    let z: Vec<Vec<f64>> = (0..n)
        .map(|_| (0..n).map(|_| round2(rng.uniform() * 10.0)).collect())
        .collect();
    let y: Vec<[f64; 2]> = (0..n)
        .map(|_| {
            let total = 60.0 + 60.0 * rng.uniform();
            let exp = round2(total * (0.1 + 0.5 * rng.uniform()));
            [round2(total - exp), exp]
        })
        .collect();
    let x: Vec<f64> = (0..n)
        .map(|i| z[i].iter().sum::<f64>() + y[i][0] + y[i][1])
        .collect();
    let va: Vec<f64> = (0..n)
        .map(|j| x[j] - (0..n).map(|i| z[i][j]).sum::<f64>())
        .collect();
    let jobs: Vec<f64> = (0..n)
        .map(|j| (x[j] * (2.0 + 18.0 * rng.uniform())).round())
        .collect();
    let header = names.join(",");
    let mut zs = format!("row,{header}\n");
    let mut ys = "row,domestic_final_demand,exports\n".to_string();
    let mut xs = "row,gross_output\n".to_string();
    let mut es = "row,employment\n".to_string();
    for i in 0..n {
        let row: Vec<String> = z[i].iter().map(|v| v.to_string()).collect();
        zs.push_str(&format!("{},{}\n", names[i], row.join(",")));
        ys.push_str(&format!("{},{},{}\n", names[i], y[i][0], y[i][1]));
        xs.push_str(&format!("{},{}\n", names[i], x[i]));
        es.push_str(&format!("{},{}\n", names[i], jobs[i]));
    }
    let vs = format!(
        "row,{header}\nvalue_added,{}\n",
        va.iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    for (file, text) in [
        ("Z.csv", zs),
        ("Y.csv", ys),
        ("x.csv", xs),
        ("employment.csv", es),
        ("value_added.csv", vs),
    ] {
        let p = dir.join(file);
        balanza_report::write_atomic(&p, text.as_bytes())
            .with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use balanza_leontief::{Analysis, IoSystem, LoadOptions};

    #[test]
    fn demo_table_is_seeded_balanced_and_productive() {
        let dir = std::env::temp_dir().join(format!("balanza-jobs-demo-{}", std::process::id()));
        let ctx = DemoContext {
            dir: dir.clone(),
            dataset: dir.join("unused.parquet"),
            reporter: "SYN".into(),
            seed: 7,
        };
        demo_step(&ctx).unwrap();
        let z1 = std::fs::read_to_string(dir.join("io_synthetic/Z.csv")).unwrap();
        demo_step(&ctx).unwrap();
        let z2 = std::fs::read_to_string(dir.join("io_synthetic/Z.csv")).unwrap();
        assert_eq!(z1, z2, "same seed, same table");
        let sys = IoSystem::load(&dir.join("io_synthetic"), &LoadOptions::default()).unwrap();
        // Balanced by construction: no "does not balance" note; value added = x − Z'1 > 0.
        assert!(sys.notes.iter().all(|n| !n.contains("does not balance")));
        let an = Analysis::new(&sys).unwrap();
        assert!(an.notes.is_empty(), "{:?}", an.notes);
        // No imports or taxes in this economy, so value added closes every column and the
        // value added embodied in exports is the exports themselves (v' L = 1').
        let e = sys.exports().unwrap();
        let va = sys.find_satellites("value_added");
        let content = an.content(va[0], &e).total;
        assert!((content - e.iter().sum::<f64>()).abs() < 1e-9, "{content}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
