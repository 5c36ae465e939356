//! From a table of pair rows to the square world the GE model needs.
//!
//! Input is one row per exporter–importer pair (one year), with the flow and the cost
//! regressors as named columns, domestic pairs included. Errors name the file, the line and
//! the column.

use crate::model::World;
use crate::GeError;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A CSV file held as text cells, with the line number of each row (for messages).
#[derive(Debug, Clone)]
pub struct Frame {
    /// Where it came from (shown in messages).
    pub source: String,
    /// Header names.
    pub names: Vec<String>,
    /// Data rows.
    pub rows: Vec<Vec<String>>,
    /// 1-based line number of each data row.
    pub lines: Vec<usize>,
}

impl Frame {
    /// Parses CSV text (first line = header) with the data layer's CSV rules (quotes, `\r\n`,
    /// blank lines skipped but counted in line numbers); `source` names it in messages.
    pub fn parse_csv(text: &str, source: &str) -> Result<Frame, GeError> {
        let cols = balanza_data::columns::parse_csv_columns(
            text.as_bytes(),
            std::path::Path::new(source),
            None,
        )
        .map_err(|e| GeError::Input(e.to_string()))?;
        Ok(Frame::from_columns(&cols, source))
    }

    /// The cells of a frame read by the data layer, as text (numbers in their shortest form,
    /// missing ones empty), with each row's line in the file.
    fn from_columns(cols: &balanza_data::Frame, source: &str) -> Frame {
        let names: Vec<String> = cols.names().to_vec();
        let rows = cols.text_rows();
        Frame {
            source: source.to_string(),
            names,
            rows,
            lines: cols.row_lines(),
        }
    }

    /// Column index by name (case-insensitive), or an error listing the columns.
    pub fn column(&self, name: &str) -> Result<usize, GeError> {
        self.names
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                GeError::Input(format!(
                    "{}: no column `{name}`; the columns are: {}",
                    self.source,
                    self.names.join(", ")
                ))
            })
    }

    /// A numeric cell, with file/line/column in the error.
    pub fn number(&self, row: usize, col: usize) -> Result<f64, GeError> {
        let s = self.rows[row][col].trim();
        s.parse::<f64>().map_err(|_| {
            GeError::Input(format!(
                "{}:{}: column `{}` (field {}): expected a number, found `{}`",
                self.source,
                self.lines[row],
                self.names[col],
                col + 1,
                s
            ))
        })
    }
}

/// Reads a CSV, gzip'd CSV or Parquet file through the data layer's one reader per format.
pub fn read_frame(path: &std::path::Path) -> Result<Frame, GeError> {
    let data_error = |e: balanza_data::DataError| match e {
        balanza_data::DataError::Io { .. } => GeError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
        other => GeError::Input(other.to_string()),
    };
    let names = balanza_data::column_names(path).map_err(data_error)?;
    let cols = balanza_data::read_columns(path, &names).map_err(data_error)?;
    Ok(Frame::from_columns(&cols, &path.display().to_string()))
}

impl Frame {
    /// Replaces country codes in two columns (e.g. the Guide's `ZZZ` for Germany).
    pub fn rename_codes(&mut self, cols: &[usize], from: &str, to: &str) {
        for r in &mut self.rows {
            for &c in cols {
                if r[c].trim() == from {
                    r[c] = to.to_string();
                }
            }
        }
    }
}

/// Which columns hold what.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    /// Exporter code column.
    pub exporter: String,
    /// Importer code column.
    pub importer: String,
    /// Flow value column.
    pub flow: String,
    /// Year column and the year to keep (needed when the file has several years).
    pub year: Option<(String, i64)>,
}

impl Default for ColumnMap {
    fn default() -> Self {
        Self {
            exporter: "exporter".into(),
            importer: "importer".into(),
            flow: "trade".into(),
            year: None,
        }
    }
}

/// A square world plus the cost regressors as `n × n` matrices.
#[derive(Debug, Clone)]
pub struct PairData {
    /// Countries and observed flows.
    pub world: World,
    /// Regressor matrices by column name (row-major, exporter rows).
    pub vars: BTreeMap<String, Vec<f64>>,
    /// The line of the input holding each pair (for messages), row-major.
    pub origin: Vec<usize>,
    /// The file it came from.
    pub source: String,
}

/// Selects one year's pair rows and arranges them as a square world.
///
/// `vars` are the regressor columns to keep. Missing domestic rows, missing or duplicated
/// pairs, and unparseable numbers are errors naming the file and line.
pub fn build(frame: &Frame, map: &ColumnMap, vars: &[String]) -> Result<PairData, GeError> {
    let src = &frame.source;
    let ce = frame.column(&map.exporter)?;
    let ci = frame.column(&map.importer)?;
    let cf = frame.column(&map.flow)?;
    let cvars: Vec<usize> = vars
        .iter()
        .map(|v| frame.column(v))
        .collect::<Result<_, _>>()?;
    // Which rows are in the chosen year.
    let keep: Vec<usize> = match &map.year {
        Some((ycol, year)) => {
            let cy = frame.column(ycol)?;
            let mut rows = Vec::new();
            let mut seen = BTreeSet::new();
            for r in 0..frame.rows.len() {
                let y = frame.number(r, cy)?;
                seen.insert(y as i64);
                if y as i64 == *year {
                    rows.push(r);
                }
            }
            if rows.is_empty() {
                return Err(GeError::Input(format!(
                    "{src}: no rows for year {year}; the years present are {}",
                    seen.iter()
                        .map(|y| y.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            rows
        }
        None => {
            if let Ok(cy) = frame.column("year") {
                let years: BTreeSet<i64> = (0..frame.rows.len())
                    .filter_map(|r| frame.number(r, cy).ok().map(|y| y as i64))
                    .collect();
                if years.len() > 1 {
                    return Err(GeError::Input(format!(
                        "{src}: the file holds {} years ({}…{}); the GE model is solved on one \
                         cross-section: choose it with --year",
                        years.len(),
                        years.first().unwrap_or(&0),
                        years.last().unwrap_or(&0)
                    )));
                }
            }
            (0..frame.rows.len()).collect()
        }
    };
    let set: BTreeSet<&str> = keep
        .iter()
        .flat_map(|&r| [frame.rows[r][ce].trim(), frame.rows[r][ci].trim()])
        .collect();
    let countries: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    let idx: HashMap<&str, usize> = countries
        .iter()
        .enumerate()
        .map(|(k, c)| (c.as_str(), k))
        .collect();
    let n = countries.len();
    let mut flows = vec![f64::NAN; n * n];
    let mut origin = vec![0usize; n * n];
    let mut mats: Vec<Vec<f64>> = vec![vec![f64::NAN; n * n]; vars.len()];
    for &r in &keep {
        let i = idx[frame.rows[r][ce].trim()];
        let j = idx[frame.rows[r][ci].trim()];
        let k = i * n + j;
        if origin[k] != 0 {
            return Err(GeError::Input(format!(
                "{src}:{}: pair {}→{} appears twice (first at line {}); give one row per pair{}",
                frame.lines[r],
                countries[i],
                countries[j],
                origin[k],
                if map.year.is_none() {
                    " or choose a year with --year"
                } else {
                    ""
                }
            )));
        }
        origin[k] = frame.lines[r];
        let x = frame.number(r, cf)?;
        if !(x.is_finite() && x >= 0.0) {
            return Err(GeError::Input(format!(
                "{src}:{}: column `{}`: flow {x} is not a finite non-negative number",
                frame.lines[r], frame.names[cf]
            )));
        }
        flows[k] = x;
        for (m, &c) in mats.iter_mut().zip(&cvars) {
            let v = frame.number(r, c)?;
            if !v.is_finite() {
                return Err(GeError::Input(format!(
                    "{src}:{}: column `{}`: value {v} is not finite",
                    frame.lines[r], frame.names[c]
                )));
            }
            m[k] = v;
        }
    }
    // Domestic flows first: their absence is the most common mistake and has its own message.
    let no_dom: Vec<&str> = (0..n)
        .filter(|&i| origin[i * n + i] == 0)
        .map(|i| countries[i].as_str())
        .collect();
    if !no_dom.is_empty() {
        return Err(GeError::Input(format!(
            "{src}: missing domestic (intra-national) flows for {} of {n} countries ({}): \
             structural gravity needs rows with exporter = importer (each country's sales to \
             itself, e.g. gross output minus exports) to pin down multilateral resistances and \
             real GDP",
            no_dom.len(),
            short_list(&no_dom)
        )));
    }
    let missing: Vec<String> = (0..n * n)
        .filter(|&k| origin[k] == 0)
        .map(|k| format!("{}→{}", countries[k / n], countries[k % n]))
        .collect();
    if !missing.is_empty() {
        let m: Vec<&str> = missing.iter().map(String::as_str).collect();
        return Err(GeError::Input(format!(
            "{src}: {} of {} exporter–importer pairs have no row ({}); the GE model needs every \
             pair with its cost regressors (a zero flow is fine, a missing row is not)",
            missing.len(),
            n * n,
            short_list(&m)
        )));
    }
    let world = World { countries, flows };
    world.validate()?;
    Ok(PairData {
        world,
        vars: vars.iter().cloned().zip(mats).collect(),
        origin,
        source: src.clone(),
    })
}

fn short_list(v: &[&str]) -> String {
    if v.len() <= 10 {
        v.join(", ")
    } else {
        format!("{}, … and {} more", v[..10].join(", "), v.len() - 10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_and_errors_with_lines() {
        let f = Frame::parse_csv("a,b\n\"x,1\",2\r\n\ny,zz\n", "t.csv").unwrap();
        assert_eq!(f.rows[0][0], "x,1");
        assert_eq!(f.lines, vec![2, 4]);
        let err = f.number(1, 1).unwrap_err().to_string();
        assert!(err.contains("t.csv:4") && err.contains("`b`"), "{err}");
    }

    #[test]
    fn missing_domestic_flows_are_named() {
        let text = "exporter,importer,trade\nA,B,1\nB,A,2\nA,A,5\n";
        let f = Frame::parse_csv(text, "w.csv").unwrap();
        let err = build(&f, &ColumnMap::default(), &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("missing domestic") && err.contains('B'),
            "{err}"
        );
    }
}
