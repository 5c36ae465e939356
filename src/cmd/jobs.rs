//! `balanza jobs`: jobs and value added supported by trade, from an input-output table.
//!
//! A thin shell over `balanza_leontief`: read the folder, compute A and L, and lay out the
//! satellite accounts (employment, value added, emissions) embodied in exports, in final
//! demand, or in a change of exports given by product.

use crate::cmd::common::{emit, OutputArgs};
use crate::cmd::demo::DemoContext;
use anyhow::Context as _;
use balanza_leontief::concord::{map_changes, read_changes, ChangeSpec, Concordance};
use balanza_leontief::{Analysis, IoSystem, Kind, LoadOptions};
use balanza_report::{Cell, OutputFormat, Table};
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

/// How to break results down.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum By {
    /// One row per satellite (and region, for multi-regional tables).
    #[default]
    Total,
    /// One row per industry and satellite.
    Industry,
}

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
    #[arg(long, value_enum, default_value_t = By::Total)]
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
    let tables = tables(&args)?;
    emit(&tables, &args.output)
}

/// The result tables for `args` (shared by `run` and the demo step).
pub fn tables(args: &Args) -> anyhow::Result<Vec<Table>> {
    let opts = LoadOptions {
        exports_column: args.exports_column.clone(),
    };
    let sys = IoSystem::load(&args.io, &opts)
        .with_context(|| format!("reading the input-output table in {}", args.io.display()))?;
    let sats = choose_satellites(&sys, &args.satellite)?;
    let mut region_note = None;
    let region = match (&args.region, sys.kind) {
        (None, _) => None,
        (Some(r), Kind::National) => {
            region_note = Some(format!(
                "--region {r} ignored: a national table describes one economy"
            ));
            None
        }
        (Some(r), Kind::MultiRegional) => Some(sys.region_index(r).ok_or_else(|| {
            anyhow::anyhow!(
                "region `{r}` is not in the table; regions are {}",
                sys.regions.join(", ")
            )
        })?),
    };
    let an = Analysis::new(&sys)
        .with_context(|| format!("computing the Leontief inverse of {}", args.io.display()))?;
    if let Some(dir) = &args.matrices {
        write_matrices(&an, dir)?;
    }
    let mut out = Vec::new();
    if let Some(changes) = &args.changes {
        out.push(change_table(&an, &sats, region, args, changes)?);
    } else {
        out.push(match (sys.kind, args.by) {
            (Kind::National, By::Total) => national_total(&an, &sats)?,
            (Kind::National, By::Industry) => national_by_industry(&an, &sats)?,
            (Kind::MultiRegional, by) => multi_regional(&an, &sats, region, by)?,
        });
    }
    if let Some(t) = out.last_mut() {
        for n in an.notes.iter().chain(&region_note) {
            t.note(n.clone());
        }
    }
    Ok(out)
}

fn choose_satellites(sys: &IoSystem, wanted: &[String]) -> anyhow::Result<Vec<usize>> {
    if sys.satellites.is_empty() {
        anyhow::bail!(
            "{} has no satellite accounts (employment, value added…); see docs/io-layout.md for \
             the file names that hold them",
            sys.dir.display()
        );
    }
    if wanted.is_empty() {
        return Ok(sys.default_satellites());
    }
    let mut out = Vec::new();
    for w in wanted {
        let found = sys.find_satellites(w);
        if found.is_empty() {
            let names: Vec<String> = sys
                .satellites
                .iter()
                .map(|s| format!("{}/{}", s.extension, s.name))
                .collect();
            anyhow::bail!(
                "no satellite account `{w}`; the table has {}",
                names.join(", ")
            );
        }
        for f in found {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    Ok(out)
}

fn national_exports(an: &Analysis<'_>) -> anyhow::Result<Vec<f64>> {
    an.sys.exports().ok_or_else(|| {
        anyhow::anyhow!(
            "final demand has no exports column (looked for exports, export, exp); columns are \
             {}; name it with --exports-column",
            an.sys.y_cols.join(", ")
        )
    })
}

fn national_total(an: &Analysis<'_>, sats: &[usize]) -> anyhow::Result<Table> {
    let sys = an.sys;
    let e = national_exports(an)?;
    let exports: f64 = e.iter().sum();
    let mut t = Table::new([
        "satellite",
        "total",
        "in_exports",
        "share_in_exports",
        "exports",
        "per_unit_of_exports",
    ])
    .with_title(format!(
        "Supported by exports (l' L e), {} ({} industries)",
        sys.dir.display(),
        sys.n()
    ));
    for &k in sats {
        let c = an.content(k, &e);
        let total: f64 = sys.satellites[k].f.iter().sum();
        t.push(vec![
            sys.satellites[k].name.clone().into(),
            total.into(),
            c.total.into(),
            ratio(c.total, total),
            exports.into(),
            ratio(c.total, exports),
        ]);
    }
    t.note("in_exports: satellite embodied in exports through domestic supply chains, s' L e (gross, not net of displaced output)");
    t.note("exports and per_unit_of_exports are in the table's currency unit");
    Ok(t)
}

fn national_by_industry(an: &Analysis<'_>, sats: &[usize]) -> anyhow::Result<Table> {
    let sys = an.sys;
    let e = national_exports(an)?;
    let om = an.output_multipliers();
    let mut t = Table::new([
        "industry",
        "name",
        "satellite",
        "exports",
        "output_multiplier",
        "coefficient",
        "multiplier",
        "in_exports",
        "share_of_industry",
    ])
    .with_title(format!(
        "By industry: diag(s) L e (where it is generated), {}",
        sys.dir.display()
    ));
    for &k in sats {
        let c = an.content(k, &e);
        let s = an.coefficients(k);
        let m = an.multipliers(k);
        for p in 0..sys.n() {
            t.push(vec![
                sys.labels[p].clone().into(),
                sys.sector_names[p].clone().into(),
                sys.satellites[k].name.clone().into(),
                e[p].into(),
                om[p].into(),
                s[p].into(),
                m[p].into(),
                c.by_industry[p].into(),
                ratio(c.by_industry[p], sys.satellites[k].f[p]),
            ]);
        }
    }
    t.note("coefficient = satellite / gross output; multiplier = (s' L)_j, per unit of final demand for industry j; output_multiplier = column sum of L");
    Ok(t)
}

fn multi_regional(
    an: &Analysis<'_>,
    sats: &[usize],
    region: Option<usize>,
    by: By,
) -> anyhow::Result<Table> {
    let sys = an.sys;
    let acc = an.accounts(sats);
    let xc = an
        .export_content(sats)
        .context("computing the content of gross exports")?
        .ok_or_else(|| anyhow::anyhow!("no gross exports in a multi-regional table"))?;
    let regions: Vec<usize> = match region {
        Some(r) => vec![r],
        None => (0..sys.regions.len()).collect(),
    };
    let ns = sys.n_sectors();
    let t = match by {
        By::Total => {
            let mut t = Table::new([
                "region",
                "satellite",
                "d_pba",
                "d_cba",
                "d_imp",
                "d_exp",
                "gross_exports",
                "in_gross_exports_domestic",
                "in_gross_exports_foreign",
                "in_gross_exports_local",
            ])
            .with_title(format!(
                "Regional accounts (pymrio _reg) and content of gross exports, {}",
                sys.dir.display()
            ));
            for &r in &regions {
                let gross: f64 = (0..sys.n()).map(|p| xc.exports[(p, r)]).sum();
                for (kk, &k) in sats.iter().enumerate() {
                    t.push(vec![
                        sys.regions[r].clone().into(),
                        sat_label(sys, k).into(),
                        acc.d_pba_reg[(kk, r)].into(),
                        acc.d_cba_reg[(kk, r)].into(),
                        acc.d_imp_reg[(kk, r)].into(),
                        acc.d_exp_reg[(kk, r)].into(),
                        gross.into(),
                        xc.domestic[(kk, r)].into(),
                        xc.foreign[(kk, r)].into(),
                        xc.local[(kk, r)].into(),
                    ]);
                }
            }
            t
        }
        By::Industry => {
            let om = an.output_multipliers();
            let mut t = Table::new([
                "region",
                "sector",
                "satellite",
                "output_multiplier",
                "multiplier",
                "d_pba",
                "d_cba",
                "d_imp",
                "d_exp",
                "gross_exports",
                "in_gross_exports_domestic",
            ])
            .with_title(format!(
                "Accounts by region/sector (pymrio D_*), {}",
                sys.dir.display()
            ));
            for (kk, &k) in sats.iter().enumerate() {
                let m = an.multipliers(k);
                for &r in &regions {
                    for j in 0..ns {
                        let p = r * ns + j;
                        t.push(vec![
                            sys.regions[r].clone().into(),
                            sys.sectors[j].clone().into(),
                            sat_label(sys, k).into(),
                            om[p].into(),
                            m[p].into(),
                            acc.d_pba[(kk, p)].into(),
                            acc.d_cba[(kk, p)].into(),
                            acc.d_imp[(kk, p)].into(),
                            acc.d_exp[(kk, p)].into(),
                            xc.exports[(p, r)].into(),
                            xc.domestic_by_industry[(kk, p)].into(),
                        ]);
                    }
                }
            }
            t.note("d_pba, d_exp, in_gross_exports_domestic: by producing industry; d_cba, d_imp: by the region's final demand for that sector's products (pymrio's convention)");
            t
        }
    };
    let mut t = t;
    t.note("d_cba/d_pba: consumption/production-based; d_imp: generated abroad for the region's final demand; d_exp: generated in the region for other regions' final demand (VAX for value added)");
    t.note("in_gross_exports_*: content of the region's gross exports e_r, domestic s_r (L e_r)_r, foreign, local s_r (I - A_rr)^-1 e_r");
    Ok(t)
}

/// Writes A.csv and L.csv (row label column `row`, header of industry labels), atomically.
fn write_matrices(an: &Analysis<'_>, dir: &Path) -> anyhow::Result<()> {
    use std::io::Write as _;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let labels: Vec<String> = an.sys.labels.iter().map(|l| csv_field(l)).collect();
    let l = an.l().context("forming the Leontief inverse")?;
    for (name, m) in [("A.csv", &an.a), ("L.csv", l)] {
        let path = dir.join(name);
        balanza_report::write_atomic_with(&path, |w| {
            writeln!(w, "row,{}", labels.join(","))?;
            for (i, l) in labels.iter().enumerate() {
                w.write_all(l.as_bytes())?;
                for j in 0..m.ncols() {
                    // Display prints the shortest text that reads back to the same f64.
                    write!(w, ",{}", m[(i, j)])?;
                }
                w.write_all(b"\n")?;
            }
            Ok(())
        })
        .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn sat_label(sys: &IoSystem, k: usize) -> String {
    sys.satellites[k].name.clone()
}

fn ratio(a: f64, b: f64) -> Cell {
    if b == 0.0 {
        Cell::Null
    } else {
        Cell::Float(a / b)
    }
}

/// `FILE` or `FILE:FROM:TO` (the column names may not contain `:`).
fn parse_concordance(spec: &str) -> (PathBuf, Option<String>, Option<String>) {
    let parts: Vec<&str> = spec.rsplitn(3, ':').collect();
    if parts.len() == 3 && !parts[0].is_empty() && !parts[1].is_empty() && !Path::new(spec).exists()
    {
        return (
            PathBuf::from(parts[2]),
            Some(parts[1].to_string()),
            Some(parts[0].to_string()),
        );
    }
    (PathBuf::from(spec), None, None)
}

fn change_table(
    an: &Analysis<'_>,
    sats: &[usize],
    region: Option<usize>,
    args: &Args,
    path: &Path,
) -> anyhow::Result<Table> {
    let sys = an.sys;
    if !(args.scale.is_finite()) {
        anyhow::bail!("--scale must be a finite number, not {}", args.scale);
    }
    let r = match (sys.kind, region) {
        (Kind::National, _) => 0,
        (Kind::MultiRegional, Some(r)) => r,
        (Kind::MultiRegional, None) => anyhow::bail!(
            "a multi-regional table needs --region to say whose exports change ({})",
            sys.regions.join(", ")
        ),
    };
    let spec = ChangeSpec {
        product: args.product_column.clone(),
        value: args.value_column.clone(),
        filters: args.filter.clone(),
    };
    let changes = read_changes(path, &spec)?;
    if changes.is_empty() {
        anyhow::bail!(
            "{} has no rows{}",
            path.display(),
            if args.filter.is_empty() {
                ""
            } else {
                " passing --filter"
            }
        );
    }
    let mut chain = Vec::new();
    for spec in &args.concordance {
        let (file, from, to) = parse_concordance(spec);
        chain.push(Concordance::read(&file, from.as_deref(), to.as_deref())?);
    }
    let mapped = map_changes(&changes, &chain);
    let ns = sys.n_sectors();
    let mut de = vec![0.0; sys.n()];
    let mut not_industry = Vec::new();
    for (code, v) in &mapped.by_target {
        let j = sys.sectors.iter().position(|s| s == code).or_else(|| {
            sys.labels[r * ns..(r + 1) * ns]
                .iter()
                .position(|l| l == code)
        });
        match j {
            Some(j) => de[r * ns + j] += v * args.scale,
            None => not_industry.push((code.clone(), *v)),
        }
    }
    let mut t = Table::new([
        "industry",
        "name",
        "satellite",
        "delta_exports",
        "supported",
    ])
    .with_title(format!(
        "Supported by the change in exports ({}), {}",
        path.display(),
        sys.dir.display()
    ));
    for &k in sats {
        let c = an.content(k, &de);
        let name = sat_label(sys, k);
        let mut domestic = 0.0;
        for j in 0..ns {
            let p = r * ns + j;
            domestic += c.by_industry[p];
            t.push(vec![
                sys.labels[p].clone().into(),
                sys.sector_names[p].clone().into(),
                name.clone().into(),
                de[p].into(),
                c.by_industry[p].into(),
            ]);
        }
        let total_de: f64 = de.iter().sum();
        if sys.kind == Kind::MultiRegional {
            t.push(vec![
                "FOREIGN".into(),
                "other regions".into(),
                name.clone().into(),
                Cell::Null,
                (c.total - domestic).into(),
            ]);
        }
        t.push(vec![
            "TOTAL".into(),
            "domestic".into(),
            name.clone().into(),
            total_de.into(),
            domestic.into(),
        ]);
    }
    let unmapped_value: f64 = mapped.unmapped.iter().map(|u| u.1).sum::<f64>()
        + not_industry.iter().map(|u| u.1).sum::<f64>();
    t.note(format!(
        "{} products, total change {} (before --scale {}); {} value {} not mapped to an industry",
        changes.len(),
        balanza_report::table::format_float(mapped.total_in),
        args.scale,
        mapped.unmapped.len() + not_industry.len(),
        balanza_report::table::format_float(unmapped_value)
    ));
    for (code, v, step) in mapped.unmapped.iter().take(5) {
        t.note(format!("unmapped: `{code}` ({v}) has no row in {step}"));
    }
    for (code, v) in not_industry.iter().take(5) {
        t.note(format!(
            "unmapped: `{code}` ({v}) is not an industry of the table ({})",
            sys.sectors.join(", ")
        ));
    }
    t.note("gross effect l' L Δe: jobs supported by the change, not net of displaced imports or output (models.md §4.1)");
    Ok(t)
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
    let mut tables = tables(&args)?;
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
    let mut rng = SplitMix(seed ^ 0x6a6f_6273);
    let names = ["agriculture", "manufacturing", "services", "mining"];
    let n = names.len();
    let z: Vec<Vec<f64>> = (0..n)
        .map(|_| (0..n).map(|_| round2(rng.unit() * 10.0)).collect())
        .collect();
    let y: Vec<[f64; 2]> = (0..n)
        .map(|_| {
            let total = 60.0 + 60.0 * rng.unit();
            let exp = round2(total * (0.1 + 0.5 * rng.unit()));
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
        .map(|j| (x[j] * (2.0 + 18.0 * rng.unit())).round())
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

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny seeded generator, enough for a demo table.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
