//! From product-level export changes (a scenario's output, HS6) to IO industries.
//!
//! A chain of concordance files maps codes step by step (HS6 → ISIC → the table's industries).
//! A code with several targets is split equally, or by a weight column when the file has one.
//! What cannot be mapped is kept and reported, never silently dropped.

use crate::error::{IoError, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One mapping step read from a CSV file.
#[derive(Debug, Clone)]
pub struct Concordance {
    /// The file.
    pub path: PathBuf,
    /// Source column name.
    pub from: String,
    /// Target column name.
    pub to: String,
    /// Targets and their shares (summing to 1) for each source code.
    pub map: HashMap<String, Vec<(String, f64)>>,
    /// Length of the source codes when they are all digits of one length (for zero padding).
    digits: Option<usize>,
}

/// Names of the weight column recognised in a concordance file.
const WEIGHT_COLUMNS: [&str; 3] = ["weight", "share", "w"];

fn csv_err(path: &Path, e: impl std::fmt::Display) -> IoError {
    IoError::File {
        path: path.to_path_buf(),
        message: format!("not valid CSV: {e}"),
    }
}

fn header_index(
    path: &Path,
    header: &csv::StringRecord,
    name: Option<&str>,
    fallback: usize,
    what: &str,
) -> Result<usize> {
    match name {
        Some(n) => header
            .iter()
            .position(|h| h.trim() == n || h.trim().eq_ignore_ascii_case(n))
            .ok_or_else(|| IoError::File {
                path: path.to_path_buf(),
                message: format!(
                    "no {what} column `{n}`; columns are {}",
                    header.iter().collect::<Vec<_>>().join(", ")
                ),
            }),
        None if fallback < header.len() => Ok(fallback),
        None => Err(IoError::File {
            path: path.to_path_buf(),
            message: format!("expected at least {} columns for the {what}", fallback + 1),
        }),
    }
}

impl Concordance {
    /// Reads `path`, mapping column `from` to column `to` (default: the first two columns).
    ///
    /// Rows with an empty target are skipped (their codes stay unmapped). Without a weight
    /// column, each distinct target of a code gets an equal share; with one (`weight`, `share`
    /// or `w`), shares are the weights normalised to sum to 1 per code.
    pub fn read(path: &Path, from: Option<&str>, to: Option<&str>) -> Result<Concordance> {
        let mut rdr = csv::Reader::from_path(path).map_err(|e| match e.kind() {
            csv::ErrorKind::Io(_) => IoError::File {
                path: path.to_path_buf(),
                message: format!("cannot read: {e}"),
            },
            _ => csv_err(path, e),
        })?;
        let header = rdr.headers().map_err(|e| csv_err(path, e))?.clone();
        let fi = header_index(path, &header, from, 0, "source")?;
        let ti = header_index(path, &header, to, 1, "target")?;
        let wi = header
            .iter()
            .position(|h| WEIGHT_COLUMNS.contains(&h.trim().to_ascii_lowercase().as_str()));
        let mut raw: HashMap<String, Vec<(String, f64)>> = HashMap::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_err(path, e))?;
            let line = rec.position().map_or(0, |p| p.line());
            let (Some(f), Some(t)) = (rec.get(fi), rec.get(ti)) else {
                continue;
            };
            let (f, t) = (f.trim(), t.trim());
            if f.is_empty() || t.is_empty() {
                continue;
            }
            let w = match wi {
                Some(wi) => {
                    let cell = rec.get(wi).unwrap_or("").trim();
                    match cell.parse::<f64>() {
                        Ok(w) if w.is_finite() && w >= 0.0 => w,
                        _ => {
                            return Err(IoError::Cell {
                                path: path.to_path_buf(),
                                line,
                                column: header[wi].to_string(),
                                message: format!("`{cell}` is not a non-negative weight"),
                            })
                        }
                    }
                }
                None => 1.0,
            };
            let targets = raw.entry(f.to_string()).or_default();
            match targets.iter_mut().find(|(x, _)| x == t) {
                // Without weights a repeated pair (HS6 → ISIC 1-digit repeats the same pair
                // for every 4-digit class) counts once; with weights, weights add up.
                Some(e) if wi.is_some() => e.1 += w,
                Some(_) => {}
                None => targets.push((t.to_string(), w)),
            }
        }
        if raw.is_empty() {
            return Err(IoError::File {
                path: path.to_path_buf(),
                message: format!(
                    "no mapping rows from `{}` to `{}`",
                    &header[fi], &header[ti]
                ),
            });
        }
        let mut map = HashMap::with_capacity(raw.len());
        for (f, ts) in raw {
            let total: f64 = ts.iter().map(|t| t.1).sum();
            if total <= 0.0 {
                continue;
            }
            map.insert(f, ts.into_iter().map(|(t, w)| (t, w / total)).collect());
        }
        let mut lens = map
            .keys()
            .map(|k| (k.len(), k.bytes().all(|b| b.is_ascii_digit())));
        let first = lens.next();
        let digits = match first {
            Some((l, true)) if lens.all(|x| x == (l, true)) => Some(l),
            _ => None,
        };
        Ok(Concordance {
            path: path.to_path_buf(),
            from: header[fi].to_string(),
            to: header[ti].to_string(),
            map,
            digits,
        })
    }

    /// The targets of `code`, padding an all-digit code with leading zeros when the file's
    /// codes are all digits of one longer length (CSV tools drop the zero of HS `010121`).
    pub fn targets(&self, code: &str) -> Option<&Vec<(String, f64)>> {
        let code = code.trim();
        self.map.get(code).or_else(|| match self.digits {
            Some(d) if code.len() < d && code.bytes().all(|b| b.is_ascii_digit()) => {
                self.map.get(&format!("{code:0>d$}"))
            }
            _ => None,
        })
    }
}

/// Product-level changes mapped to industries.
#[derive(Debug, Clone)]
pub struct Mapped {
    /// Value by target industry label.
    pub by_target: HashMap<String, f64>,
    /// Codes that found no mapping at some step, with the value they carried and the step.
    pub unmapped: Vec<(String, f64, String)>,
    /// Sum of all input values.
    pub total_in: f64,
}

/// How to read a CSV of changes.
#[derive(Debug, Clone, Default)]
pub struct ChangeSpec {
    /// Product column; default: the first named `product`, `hs6`, `hs`, `code` or `k`.
    pub product: Option<String>,
    /// Value: a column, or a sum and difference of columns such as
    /// `new_imports-baseline_imports`; default: the first column named `value`,
    /// `delta_exports`, `change`, `delta` or `d_exports`.
    pub value: Option<String>,
    /// Keep only rows where each `column = value` holds (e.g. `partner = CHL`, to read one
    /// exporter's lines from a scenario's line results).
    pub filters: Vec<(String, String)>,
}

/// Reads a CSV of changes: one product column and one value (column or expression).
///
/// Rows of the same product add up; rows failing a filter are skipped. Errors name the file,
/// line and column of a bad cell.
pub fn read_changes(path: &Path, spec: &ChangeSpec) -> Result<Vec<(String, f64)>> {
    let mut rdr = csv::Reader::from_path(path).map_err(|e| IoError::File {
        path: path.to_path_buf(),
        message: format!("cannot read: {e}"),
    })?;
    let header = rdr.headers().map_err(|e| csv_err(path, e))?.clone();
    let columns = || header.iter().collect::<Vec<_>>().join(", ");
    let find_default = |defaults: &[&str], what: &str| -> Result<usize> {
        header
            .iter()
            .position(|h| defaults.contains(&h.trim().to_ascii_lowercase().as_str()))
            .ok_or_else(|| IoError::File {
                path: path.to_path_buf(),
                message: format!(
                    "no {what} column (looked for {}); columns are {}; name it with --{what}-column",
                    defaults.join(", "),
                    columns()
                ),
            })
    };
    let pi = match &spec.product {
        Some(w) => header_index(path, &header, Some(w), 0, "product")?,
        None => find_default(&["product", "hs6", "hs", "code", "k"], "product")?,
    };
    // The value as signed terms: `a-b+c` is [(+1, a), (−1, b), (+1, c)].
    let terms: Vec<(f64, usize)> = match &spec.value {
        Some(expr) if header.iter().any(|h| h.trim() == expr.trim()) => {
            vec![(
                1.0,
                header_index(path, &header, Some(expr.trim()), 0, "value")?,
            )]
        }
        Some(expr) => {
            let mut terms = Vec::new();
            let mut sign = 1.0;
            let mut rest = expr.trim();
            loop {
                let cut = rest.find(['+', '-']).unwrap_or(rest.len());
                let name = rest[..cut].trim();
                if name.is_empty() {
                    return Err(IoError::File {
                        path: path.to_path_buf(),
                        message: format!("value `{expr}`: expected column names joined by + or -"),
                    });
                }
                terms.push((sign, header_index(path, &header, Some(name), 0, "value")?));
                if cut == rest.len() {
                    break;
                }
                sign = if rest.as_bytes()[cut] == b'-' {
                    -1.0
                } else {
                    1.0
                };
                rest = &rest[cut + 1..];
            }
            terms
        }
        None => vec![(
            1.0,
            find_default(
                &["value", "delta_exports", "change", "delta", "d_exports"],
                "value",
            )?,
        )],
    };
    let mut filters = Vec::new();
    for (col, want) in &spec.filters {
        filters.push((
            header_index(path, &header, Some(col), 0, "filter")?,
            want.trim(),
        ));
    }
    let mut out: Vec<(String, f64)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| csv_err(path, e))?;
        let line = rec.position().map_or(0, |p| p.line());
        if !filters
            .iter()
            .all(|(c, want)| rec.get(*c).unwrap_or("").trim() == *want)
        {
            continue;
        }
        let code = rec.get(pi).unwrap_or("").trim().to_string();
        if code.is_empty() {
            return Err(IoError::Cell {
                path: path.to_path_buf(),
                line,
                column: header[pi].to_string(),
                message: "empty product code".into(),
            });
        }
        let mut v = 0.0;
        for &(sign, ci) in &terms {
            let cell = rec.get(ci).unwrap_or("").trim();
            let x = cell
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| IoError::Cell {
                    path: path.to_path_buf(),
                    line,
                    column: header[ci].to_string(),
                    message: format!("`{cell}` is not a finite number"),
                })?;
            v += sign * x;
        }
        match index.get(&code) {
            Some(&i) => out[i].1 += v,
            None => {
                index.insert(code.clone(), out.len());
                out.push((code, v));
            }
        }
    }
    Ok(out)
}

/// Maps `changes` through `chain`, step by step.
pub fn map_changes(changes: &[(String, f64)], chain: &[Concordance]) -> Mapped {
    let total_in = changes.iter().map(|c| c.1).sum();
    let mut current: Vec<(String, f64)> = changes.to_vec();
    let mut unmapped = Vec::new();
    for step in chain {
        let mut next: HashMap<String, f64> = HashMap::new();
        for (code, v) in current {
            match step.targets(&code) {
                Some(ts) => {
                    for (t, share) in ts {
                        *next.entry(t.clone()).or_default() += v * share;
                    }
                }
                None => unmapped.push((code, v, step.path.display().to_string())),
            }
        }
        let mut v: Vec<_> = next.into_iter().collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        current = v;
    }
    Mapped {
        by_target: current.into_iter().collect(),
        unmapped,
        total_in,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("balanza-leontief-conc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn chain_splits_pads_and_reports_unmapped() {
        let hs = write(
            "hs.csv",
            "HS6,ISIC4,ISIC1\n010121,0121,A\n010129,0121,A\n020110,1511,D\n020110,1512,D\n999999,,\n",
        );
        let io = write("io.csv", "isic,sector,weight\nA,S01,1\nD,S03,3\nD,S01,1\n");
        let c1 = Concordance::read(&hs, Some("HS6"), Some("ISIC1")).unwrap();
        let c2 = Concordance::read(&io, None, None).unwrap();
        let changes = vec![
            ("10121".to_string(), 10.0), // zero dropped by a spreadsheet
            ("020110".to_string(), 8.0),
            ("999999".to_string(), 1.0), // empty target: unmapped
        ];
        let m = map_changes(&changes, &[c1, c2]);
        assert_eq!(m.total_in, 19.0);
        // D splits 3:1 between S03 and S01; repeated HS→D pairs count once.
        assert!((m.by_target["S03"] - 6.0).abs() < 1e-12);
        assert!((m.by_target["S01"] - 12.0).abs() < 1e-12);
        assert_eq!(m.unmapped.len(), 1);
        assert_eq!(m.unmapped[0].0, "999999");
    }

    #[test]
    fn changes_file_columns_and_errors() {
        let d = ChangeSpec::default();
        let p = write("ch.csv", "hs6,delta_exports\n010121,5\n010121,2\n");
        assert_eq!(read_changes(&p, &d).unwrap(), [("010121".to_string(), 7.0)]);
        let p = write("bad.csv", "product,value\n010121,abc\n");
        let e = read_changes(&p, &d).unwrap_err().to_string();
        assert!(e.contains(":2: column value: `abc`"), "{e}");
        let p = write("nocol.csv", "a,b\n1,2\n");
        let e = read_changes(&p, &d).unwrap_err().to_string();
        assert!(e.contains("no product column"), "{e}");
        // Scenario line results: one exporter's lines, new minus baseline.
        let p = write(
            "lines.csv",
            "partner,product,baseline_imports,new_imports\nAFG,080211,10,14\nZAF,080211,5,6\nAFG,520100,3,2.5\n",
        );
        let spec = ChangeSpec {
            value: Some("new_imports - baseline_imports".into()),
            filters: vec![("partner".into(), "AFG".into())],
            ..ChangeSpec::default()
        };
        assert_eq!(
            read_changes(&p, &spec).unwrap(),
            [("080211".to_string(), 4.0), ("520100".to_string(), -0.5)]
        );
        let bad = ChangeSpec {
            value: Some("new_imports-".into()),
            ..ChangeSpec::default()
        };
        let e = read_changes(&p, &bad).unwrap_err().to_string();
        assert!(e.contains("expected column names joined by + or -"), "{e}");
    }
}
