//! An input-output system read from a folder of CSV files (layout: docs/io-layout.md).
//!
//! One type covers both cases: a national table is a system with one region whose final demand
//! has an exports column; a multi-regional system has `region/sector` labels and exports are
//! the off-diagonal blocks. Loading validates everything that can be checked before any
//! arithmetic: shapes, labels, finite numbers, non-negative output.

use crate::error::{IoError, Result};
use crate::read::{align, read_labelled, LabelledMatrix};
use faer::Mat;
use std::path::{Path, PathBuf};

/// National table or multi-regional system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One economy; exports are a final-demand column; Z should hold domestic flows only.
    National,
    /// Several regions; labels are `region/sector`; exports are flows to other regions.
    MultiRegional,
}

/// One satellite account row (employment, value added, an emission) by industry.
#[derive(Debug, Clone)]
pub struct Satellite {
    /// The file group it came from: the file stem without `_F` (e.g. `factor_inputs`).
    pub extension: String,
    /// The account name: the row label (`Value Added`) or column header (`employees`).
    pub name: String,
    /// Values by industry, in the order of [`IoSystem::labels`] (pymrio's `F` row).
    pub f: Vec<f64>,
    /// Values by final-demand column (pymrio's `F_Y`, e.g. household emissions), if given.
    pub f_y: Option<Vec<f64>>,
}

/// Options for reading a folder.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Name of the exports column of Y in a national table; default: the column named
    /// `exports`, `export` or `exp` (any case).
    pub exports_column: Option<String>,
}

/// A validated input-output system.
#[derive(Debug, Clone)]
pub struct IoSystem {
    /// National or multi-regional.
    pub kind: Kind,
    /// The folder it was read from.
    pub dir: PathBuf,
    /// Regions in file order (one, named `domestic`, for a national table).
    pub regions: Vec<String>,
    /// Sectors of each region, in file order (the same in every region).
    pub sectors: Vec<String>,
    /// Display names of the sectors (from `sectors.csv`), else the codes.
    pub sector_names: Vec<String>,
    /// Industry labels in matrix order: `region/sector` (multi-regional) or `sector`.
    pub labels: Vec<String>,
    /// Intermediate flows, row = selling industry, column = buying industry.
    pub z: Mat<f64>,
    /// Final demand, industries × final-demand columns.
    pub y: Mat<f64>,
    /// Final-demand column labels as in the file.
    pub y_cols: Vec<String>,
    /// The region (index into `regions`) that each final-demand column belongs to.
    pub y_region: Vec<usize>,
    /// Gross output by industry (read from the x file, or Z·1 + Y·1 when absent).
    pub x: Vec<f64>,
    /// Satellite accounts.
    pub satellites: Vec<Satellite>,
    /// The exports column of Y (national tables).
    pub exports_col: Option<usize>,
    /// Things the reader noticed: ignored files, skipped columns, an unbalanced table.
    pub notes: Vec<String>,
}

impl IoSystem {
    /// Number of industries (rows of Z).
    pub fn n(&self) -> usize {
        self.labels.len()
    }

    /// Number of sectors per region.
    pub fn n_sectors(&self) -> usize {
        self.sectors.len()
    }

    /// The region index of industry `p`.
    pub fn region_of(&self, p: usize) -> usize {
        p / self.sectors.len()
    }

    /// The region index of a region name (exact, then case-insensitive).
    pub fn region_index(&self, name: &str) -> Option<usize> {
        self.regions.iter().position(|r| r == name).or_else(|| {
            self.regions
                .iter()
                .position(|r| r.eq_ignore_ascii_case(name))
        })
    }

    /// The exports vector of a national table (Y's exports column).
    pub fn exports(&self) -> Option<Vec<f64>> {
        self.exports_col
            .map(|c| (0..self.n()).map(|i| self.y[(i, c)]).collect())
    }

    /// Satellites matching `query`: by account name, `extension/name`, or extension (all its
    /// rows), compared without case and with spaces, dashes and slashes read as `_`.
    pub fn find_satellites(&self, query: &str) -> Vec<usize> {
        let q = normalize(query);
        let by = |f: &dyn Fn(&Satellite) -> bool| -> Vec<usize> {
            self.satellites
                .iter()
                .enumerate()
                .filter(|(_, s)| f(s))
                .map(|(i, _)| i)
                .collect()
        };
        let exact = by(&|s| normalize(&s.name) == q);
        if !exact.is_empty() {
            return exact;
        }
        let qualified = by(&|s| normalize(&format!("{}/{}", s.extension, s.name)) == q);
        if !qualified.is_empty() {
            return qualified;
        }
        by(&|s| normalize(&s.extension) == q)
    }

    /// The default accounts to report: employment (names starting with `employ`, containing
    /// `employment`, or `jobs`, `workers`, `persons_engaged`) and value added, in that order;
    /// when neither exists, every satellite.
    pub fn default_satellites(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let names: Vec<String> = self.satellites.iter().map(|s| normalize(&s.name)).collect();
        for (i, n) in names.iter().enumerate() {
            // `compensation_of_employees` is value added, not a head count.
            let heads = n.starts_with("employ")
                || n.contains("employment")
                || matches!(n.as_str(), "jobs" | "workers" | "persons_engaged");
            if heads && !n.contains("compensation") {
                out.push(i);
            }
        }
        for (i, n) in names.iter().enumerate() {
            if n == "value_added" && !out.contains(&i) {
                out.push(i);
            }
        }
        if out.is_empty() {
            out = (0..self.satellites.len()).collect();
        }
        out
    }

    /// Reads and validates a folder laid out as docs/io-layout.md describes.
    pub fn load(dir: &Path, opts: &LoadOptions) -> Result<IoSystem> {
        let layout = Layout::scan(dir)?;
        let mut notes = Vec::new();
        for f in &layout.ignored {
            notes.push(format!("ignored {} (not part of the layout)", f.display()));
        }
        let zf = read_labelled(&layout.z, &|_| false)?;
        if zf.nrows() != zf.ncols() {
            return Err(IoError::File {
                path: zf.path.clone(),
                message: format!(
                    "Z must be square (industries × industries) but has {} rows and {} columns",
                    zf.nrows(),
                    zf.ncols()
                ),
            });
        }
        let multi = zf.cols.iter().all(|l| l.matches('/').count() == 1);
        let (kind, regions, sectors, labels) = if multi {
            let (regions, sectors) = split_region_labels(&zf.cols, &zf.path)?;
            let labels: Vec<String> = regions
                .iter()
                .flat_map(|r| sectors.iter().map(move |s| format!("{r}/{s}")))
                .collect();
            (Kind::MultiRegional, regions, sectors, labels)
        } else {
            (
                Kind::National,
                vec!["domestic".to_string()],
                zf.cols.clone(),
                zf.cols.clone(),
            )
        };
        let n = labels.len();
        let zname = file_name(&zf.path);
        let zc = align(
            &zf.cols,
            &labels,
            &format!("the header of {zname}"),
            "the layout",
        )?;
        let zr = align(
            &zf.rows,
            &labels,
            &format!("the rows of {zname}"),
            "its header",
        )?;
        let z = Mat::from_fn(n, n, |i, j| zf.get(zr[i], zc[j]));
        // The parsed copy is as large as Z itself: free it before the next files.
        drop(zf);

        let yf = read_labelled(&layout.y, &|_| false)?;
        let yname = file_name(&yf.path);
        let yr = align(
            &yf.rows,
            &labels,
            &format!("the rows of {yname}"),
            &format!("the rows of {zname}"),
        )?;
        let y = Mat::from_fn(n, yf.ncols(), |i, j| yf.get(yr[i], j));
        let y_cols = yf.cols.clone();
        let y_region = if kind == Kind::MultiRegional {
            let mut out = Vec::new();
            for c in &y_cols {
                let r = c
                    .split_once('/')
                    .and_then(|(r, _)| regions.iter().position(|x| x == r))
                    .ok_or_else(|| IoError::File {
                        path: yf.path.clone(),
                        message: format!(
                            "final-demand column `{c}` is not `region/category` with a region of Z ({})",
                            regions.join(", ")
                        ),
                    })?;
                out.push(r);
            }
            out
        } else {
            vec![0; y_cols.len()]
        };

        let row_total = |i: usize| -> f64 {
            (0..n).map(|j| z[(i, j)]).sum::<f64>() + (0..y.ncols()).map(|j| y[(i, j)]).sum::<f64>()
        };
        let x = match &layout.x {
            Some(p) => {
                let xf = read_labelled(p, &|_| false)?;
                let col = pick_output_column(&xf)?;
                let xr = align(
                    &xf.rows,
                    &labels,
                    &format!("the rows of {}", file_name(p)),
                    &format!("the rows of {zname}"),
                )?;
                let x: Vec<f64> = xr.iter().map(|&i| xf.get(i, col)).collect();
                let mut worst = (0.0f64, 0usize);
                let scale = x.iter().fold(0.0f64, |a, v| a.max(v.abs())).max(1e-300);
                for (i, xi) in x.iter().enumerate() {
                    let d = (row_total(i) - xi).abs() / scale;
                    if d > worst.0 {
                        worst = (d, i);
                    }
                }
                if worst.0 > 1e-6 {
                    notes.push(format!(
                        "the table does not balance: Z·1 + Y·1 differs from gross output by up to {:.2e} of the largest output (industry {}); results use the gross output of {}",
                        worst.0,
                        labels[worst.1],
                        file_name(p)
                    ));
                }
                x
            }
            None => {
                notes.push("no x file: gross output computed as Z·1 + Y·1".into());
                (0..n).map(row_total).collect()
            }
        };
        for (i, &xi) in x.iter().enumerate() {
            if xi < 0.0 {
                return Err(IoError::Invalid(format!(
                    "gross output of industry `{}` is negative ({xi}); output must be zero or positive",
                    labels[i]
                )));
            }
        }

        let sector_names = match (&layout.sectors, kind) {
            (Some(p), Kind::National) => read_sector_names(p, &sectors, &mut notes)?,
            _ => sectors.clone(),
        };

        let mut satellites = Vec::new();
        for (path, ext) in &layout.satellites {
            read_satellite(path, ext, &labels, &mut satellites, &mut notes)?;
        }
        for (path, ext) in &layout.satellites_y {
            let f = read_labelled(path, &|_| false)?;
            let yc = align(
                &f.cols,
                &y_cols,
                &format!("the header of {}", file_name(path)),
                &format!("the columns of {yname}"),
            )?;
            for (i, name) in f.rows.iter().enumerate() {
                let target = satellites
                    .iter_mut()
                    .find(|s| &s.extension == ext && &s.name == name)
                    .ok_or_else(|| IoError::File {
                        path: path.clone(),
                        message: format!(
                            "row `{name}` has no matching row in {ext}_F.csv; F_Y rows must be accounts of F"
                        ),
                    })?;
                target.f_y = Some(yc.iter().map(|&j| f.get(i, j)).collect());
            }
        }

        let exports_col = match kind {
            Kind::National => find_exports_column(&y_cols, opts, &yf.path)?,
            Kind::MultiRegional => None,
        };

        Ok(IoSystem {
            kind,
            dir: dir.to_path_buf(),
            regions,
            sectors,
            sector_names,
            labels,
            z,
            y,
            y_cols,
            y_region,
            x,
            satellites,
            exports_col,
            notes,
        })
    }
}

/// Lower case, with spaces, dashes and slashes read as underscores: `Value Added` matches
/// `value_added`.
pub fn normalize(s: &str) -> String {
    s.trim()
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c == ' ' || c == '-' || c == '/' {
                '_'
            } else {
                c
            }
        })
        .collect()
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Which files of a folder play which part (docs/io-layout.md, "File names").
struct Layout {
    z: PathBuf,
    y: PathBuf,
    x: Option<PathBuf>,
    sectors: Option<PathBuf>,
    /// Satellite files and their extension names.
    satellites: Vec<(PathBuf, String)>,
    /// Final-demand satellite files (`<ext>_F_Y.csv`) and their extension names.
    satellites_y: Vec<(PathBuf, String)>,
    ignored: Vec<PathBuf>,
}

impl Layout {
    fn scan(dir: &Path) -> Result<Layout> {
        let layout_err = |message: String| IoError::Layout {
            dir: dir.to_path_buf(),
            message,
        };
        let entries = std::fs::read_dir(dir).map_err(|source| IoError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")))
            .collect();
        files.sort();
        let (mut z, mut y, mut x, mut sectors) = (vec![], vec![], vec![], vec![]);
        let (mut sats, mut sats_y, mut ignored) = (vec![], vec![], vec![]);
        for p in files {
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let low = stem.to_ascii_lowercase();
            let part = |letter: &str| low == letter || low.starts_with(&format!("{letter}_"));
            if part("z") {
                z.push(p);
            } else if part("y") {
                y.push(p);
            } else if part("x") {
                x.push(p);
            } else if low == "sectors" || low == "industries" {
                sectors.push(p);
            } else if let Some(ext) = stem
                .strip_suffix("_F_Y")
                .or_else(|| stem.strip_suffix("_f_y"))
            {
                sats_y.push((p.clone(), ext.to_string()));
            } else if let Some(ext) = stem.strip_suffix("_F").or_else(|| stem.strip_suffix("_f")) {
                sats.push((p.clone(), ext.to_string()));
            } else if low == "f" {
                sats.push((p.clone(), "satellite".to_string()));
            } else if low.starts_with("employment")
                || low.starts_with("value_added")
                || low.starts_with("satellite")
            {
                sats.push((p.clone(), stem.clone()));
            } else {
                ignored.push(p);
            }
        }
        let one = |v: Vec<PathBuf>, what: &str, required: bool| -> Result<Option<PathBuf>> {
            match v.len() {
                0 if required => Err(layout_err(format!(
                    "no {what} file (expected a CSV named as docs/io-layout.md describes)"
                ))),
                0 => Ok(None),
                1 => Ok(v.into_iter().next()),
                _ => Err(layout_err(format!(
                    "several {what} files ({}); keep exactly one",
                    v.iter()
                        .map(|p| file_name(p))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
            }
        };
        Ok(Layout {
            z: one(z, "Z (intermediate flows: Z.csv or Z_*.csv)", true)?.unwrap_or_default(),
            y: one(y, "Y (final demand: Y.csv or Y_*.csv)", true)?.unwrap_or_default(),
            x: one(x, "x (gross output: x.csv or x_*.csv)", false)?,
            sectors: one(sectors, "sector names (sectors.csv)", false)?,
            satellites: sats,
            satellites_y: sats_y,
            ignored,
        })
    }
}

/// Regions (first-appearance order) and the sectors of the first region; every region must
/// have the same sectors.
fn split_region_labels(labels: &[String], path: &Path) -> Result<(Vec<String>, Vec<String>)> {
    let mut regions: Vec<String> = Vec::new();
    let mut sectors: Vec<Vec<String>> = Vec::new();
    for l in labels {
        let (r, s) = l.split_once('/').unwrap_or((l, ""));
        if r.is_empty() || s.is_empty() {
            return Err(IoError::File {
                path: path.to_path_buf(),
                message: format!("label `{l}` is not `region/sector`"),
            });
        }
        match regions.iter().position(|x| x == r) {
            Some(i) => sectors[i].push(s.to_string()),
            None => {
                regions.push(r.to_string());
                sectors.push(vec![s.to_string()]);
            }
        }
    }
    for (i, s) in sectors.iter().enumerate().skip(1) {
        let mut a = s.clone();
        let mut b = sectors[0].clone();
        a.sort();
        b.sort();
        if a != b {
            let missing = b.iter().find(|x| !a.contains(x));
            let extra = a.iter().find(|x| !b.contains(x));
            return Err(IoError::Mismatch(format!(
                "{}: region `{}` has {} sectors but `{}` has {}{}{}; every region needs the same sectors",
                path.display(),
                regions[i],
                s.len(),
                regions[0],
                sectors[0].len(),
                missing.map_or(String::new(), |m| format!(", lacking `{m}`")),
                extra.map_or(String::new(), |m| format!(", with extra `{m}`")),
            )));
        }
    }
    Ok((regions, sectors.swap_remove(0)))
}

/// The gross-output column of an x file: `gross_output`, `indout`, `x`, `output` or
/// `total_output`; or the only column.
fn pick_output_column(xf: &LabelledMatrix) -> Result<usize> {
    const NAMES: [&str; 5] = ["gross_output", "indout", "x", "output", "total_output"];
    if let Some(i) = xf
        .cols
        .iter()
        .position(|c| NAMES.contains(&normalize(c).as_str()))
    {
        return Ok(i);
    }
    if xf.ncols() == 1 {
        return Ok(0);
    }
    Err(IoError::File {
        path: xf.path.clone(),
        message: format!(
            "cannot tell which column is gross output among {}; name it gross_output",
            xf.cols.join(", ")
        ),
    })
}

fn read_sector_names(p: &Path, sectors: &[String], notes: &mut Vec<String>) -> Result<Vec<String>> {
    let mut rdr = csv::Reader::from_path(p).map_err(|e| IoError::File {
        path: p.to_path_buf(),
        message: format!("cannot read: {e}"),
    })?;
    let header = rdr
        .headers()
        .map_err(|e| IoError::File {
            path: p.to_path_buf(),
            message: format!("not valid CSV: {e}"),
        })?
        .clone();
    let pos = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&normalize(h).as_str()))
    };
    let code = pos(&["code", "sector", "industry"]).unwrap_or(0);
    let name = pos(&["name_en", "name", "description"]);
    let mut out = sectors.to_vec();
    if let Some(nc) = name {
        for rec in rdr.records() {
            let rec = rec.map_err(|e| IoError::File {
                path: p.to_path_buf(),
                message: format!("not valid CSV: {e}"),
            })?;
            let (Some(c), Some(nm)) = (rec.get(code), rec.get(nc)) else {
                continue;
            };
            match sectors.iter().position(|s| s == c.trim()) {
                Some(i) => out[i] = nm.trim().to_string(),
                None => notes.push(format!(
                    "{}: code `{}` is not an industry of Z; its name is unused",
                    file_name(p),
                    c.trim()
                )),
            }
        }
    }
    Ok(out)
}

/// Adds the accounts of one satellite file, whichever way round it is laid out.
fn read_satellite(
    path: &Path,
    ext: &str,
    labels: &[String],
    out: &mut Vec<Satellite>,
    notes: &mut Vec<String>,
) -> Result<()> {
    let f = read_labelled(path, &|_| false)?;
    let name = file_name(path);
    let set: std::collections::HashSet<&str> = labels.iter().map(String::as_str).collect();
    let in_cols = f.cols.iter().filter(|c| set.contains(c.as_str())).count();
    let in_rows = f.rows.iter().filter(|c| set.contains(c.as_str())).count();
    // Accounts × industries (pymrio's F) when the header holds the industries; otherwise
    // industries × accounts (one column per account, as in employment_2013.csv).
    let accounts = if in_cols >= in_rows {
        f
    } else {
        f.transposed()
    };
    let idx = align(
        &accounts.cols,
        labels,
        &format!("the industry labels of {name}"),
        "the rows of Z",
    )?;
    for (i, acc) in accounts.rows.iter().enumerate() {
        if normalize(acc).contains("_per_") {
            notes.push(format!(
                "{name}: `{acc}` looks like a ratio (…_per_…), not a flow; skipped"
            ));
            continue;
        }
        out.push(Satellite {
            extension: ext.to_string(),
            name: acc.clone(),
            f: idx.iter().map(|&j| accounts.get(i, j)).collect(),
            f_y: None,
        });
    }
    Ok(())
}

fn find_exports_column(cols: &[String], opts: &LoadOptions, path: &Path) -> Result<Option<usize>> {
    if let Some(want) = &opts.exports_column {
        return cols
            .iter()
            .position(|c| c == want || normalize(c) == normalize(want))
            .map(Some)
            .ok_or_else(|| IoError::File {
                path: path.to_path_buf(),
                message: format!(
                    "no final-demand column `{want}`; columns are {}",
                    cols.join(", ")
                ),
            });
    }
    Ok(cols
        .iter()
        .position(|c| matches!(normalize(c).as_str(), "exports" | "export" | "exp")))
}
