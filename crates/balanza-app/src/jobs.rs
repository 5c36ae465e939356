//! Jobs and value added supported by trade, from an input-output table: the satellite
//! accounts (employment, value added, emissions) embodied in exports, in final demand, or in a
//! change of exports given by product.

use crate::error::AppResult;
use crate::Context;
use anyhow::Context as _;
use balanza_leontief::concord::{map_changes, read_changes, ChangeSpec, Concordance};
use balanza_leontief::{Analysis, IoSystem, Kind, LoadOptions};
use balanza_report::{Cell, Table};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How to break results down.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum By {
    /// One row per satellite (and region, for multi-regional tables).
    #[default]
    Total,
    /// One row per industry and satellite.
    Industry,
}

balanza_data::impl_words!(By, "breakdown", [By::Total => "total", By::Industry => "industry"]);

/// A jobs question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Request {
    /// Folder of the input-output table (docs/io-layout.md).
    pub io: PathBuf,
    /// Region to report (multi-regional tables); default: every region.
    pub region: Option<String>,
    /// Break results down by industry.
    pub by: By,
    /// Satellite accounts to report (default: employment and value added, when present).
    pub satellite: Vec<String>,
    /// Final-demand column holding exports (national tables).
    pub exports_column: Option<String>,
    /// CSV of export changes by product.
    pub changes: Option<PathBuf>,
    /// Concordance steps `FILE[:FROM:TO]` from products towards the table's industries.
    pub concordance: Vec<String>,
    /// Product column of `changes`.
    pub product_column: Option<String>,
    /// Value of `changes`: a column, or columns joined by + and -.
    pub value_column: Option<String>,
    /// Keep only rows of `changes` where the column equals the value.
    pub filter: Vec<(String, String)>,
    /// Factor from the changes to the table's currency unit.
    pub scale: f64,
    /// Also write A.csv and L.csv into this folder.
    pub matrices: Option<PathBuf>,
}

impl Default for Request {
    fn default() -> Self {
        Self {
            io: PathBuf::new(),
            region: None,
            by: By::Total,
            satellite: Vec::new(),
            exports_column: None,
            changes: None,
            concordance: Vec::new(),
            product_column: None,
            value_column: None,
            filter: Vec::new(),
            scale: 1.0,
            matrices: None,
        }
    }
}

/// The jobs tables.
#[derive(Debug, Clone)]
pub struct Output {
    /// The result tables (one, today).
    pub tables: Vec<Table>,
}

impl Output {
    /// The result as tables.
    pub fn tables(&self) -> Vec<Table> {
        self.tables.clone()
    }
}

/// Answers a jobs question.
pub fn run(_ctx: &Context, req: &Request) -> AppResult<Output> {
    Ok(Output {
        tables: tables(req)?,
    })
}

fn tables(args: &Request) -> anyhow::Result<Vec<Table>> {
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
pub(crate) fn csv_field(s: &str) -> String {
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
    args: &Request,
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
    t.note("gross effect l' L Δe: jobs supported by the change, not net of displaced imports or output (docs/models.md §4.1)");
    Ok(t)
}
