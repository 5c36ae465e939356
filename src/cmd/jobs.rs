//! `balanza jobs`: jobs and value added supported by trade, from an input-output table.
//!
//! A thin shell over `balanza_leontief`: read the folder, compute A and L, and lay out the
//! satellite accounts (employment, value added, emissions) embodied in exports, in final
//! demand, or in a change of exports given by product.

use crate::cmd::common::{app, emit, word, OutputArgs};
use balanza_app::jobs::{self, By};
use balanza_app::Context;
use std::path::PathBuf;

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
