//! Labelled numeric CSV matrices: a header row of column labels, a first column of row labels,
//! numbers elsewhere. This is the one shape every file of the layout (docs/io-layout.md) has.

use crate::error::{IoError, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A numeric matrix read from CSV, with its labels and where each row came from.
#[derive(Debug, Clone)]
pub struct LabelledMatrix {
    /// The file it was read from (for error messages).
    pub path: PathBuf,
    /// The header of the first column (e.g. `row`, `sector`, `stressor`).
    pub corner: String,
    /// Row labels (first column), in file order.
    pub rows: Vec<String>,
    /// Column labels (header without its first cell), in file order.
    pub cols: Vec<String>,
    /// Values, row-major, `rows.len() * cols.len()`.
    pub values: Vec<f64>,
    /// 1-based line number of each row, for error messages.
    pub lines: Vec<u64>,
}

impl LabelledMatrix {
    /// The value at row `i`, column `j`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.values[i * self.cols.len() + j]
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.rows.len()
    }

    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.cols.len()
    }

    /// The matrix with rows and columns swapped (labels too).
    pub fn transposed(&self) -> LabelledMatrix {
        let (m, n) = (self.nrows(), self.ncols());
        let mut values = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                values[j * m + i] = self.values[i * n + j];
            }
        }
        LabelledMatrix {
            path: self.path.clone(),
            corner: self.corner.clone(),
            rows: self.cols.clone(),
            cols: self.rows.clone(),
            values,
            // Rows of the transpose are columns of the file: no single line to point at.
            lines: vec![0; n],
        }
    }
}

/// Reads a labelled numeric matrix.
///
/// `skip_col` lets a caller drop non-numeric columns by name (e.g. `name_en` in a labels file)
/// before parsing. Empty cells, `NaN` and infinities are errors: a blank in an input-output
/// table is usually a transcription slip, and silently reading it as zero would hide it.
pub fn read_labelled(path: &Path, skip_col: &dyn Fn(&str) -> bool) -> Result<LabelledMatrix> {
    let file = std::fs::File::open(path).map_err(|source| IoError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(std::io::BufReader::new(file));
    let file_err = |message: String| IoError::File {
        path: path.to_path_buf(),
        message,
    };
    let mut records = rdr.records();
    let header = match records.next() {
        None => return Err(file_err("the file is empty; expected a header row".into())),
        Some(r) => r.map_err(|e| file_err(format!("not valid CSV: {e}")))?,
    };
    if header.len() < 2 {
        return Err(file_err(
            "the header has fewer than two cells; expected a label column then one or more value columns"
                .into(),
        ));
    }
    let corner = header[0].trim().trim_start_matches('\u{feff}').to_string();
    let keep: Vec<usize> = (1..header.len())
        .filter(|&j| !skip_col(header[j].trim()))
        .collect();
    let cols: Vec<String> = keep.iter().map(|&j| header[j].trim().to_string()).collect();
    check_unique(&cols, "column").map_err(file_err)?;
    let mut rows = Vec::new();
    let mut values = Vec::new();
    let mut lines = Vec::new();
    for rec in records {
        let rec = rec.map_err(|e| file_err(format!("not valid CSV: {e}")))?;
        let line = rec.position().map_or(0, |p| p.line());
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if rec.len() != header.len() {
            return Err(IoError::File {
                path: path.to_path_buf(),
                message: format!(
                    "line {line} has {} cells but the header has {}",
                    rec.len(),
                    header.len()
                ),
            });
        }
        let label = rec[0].trim().to_string();
        if label.is_empty() {
            return Err(IoError::Cell {
                path: path.to_path_buf(),
                line,
                column: if corner.is_empty() {
                    "1".into()
                } else {
                    corner.clone()
                },
                message: "empty row label; expected an industry, account or region/sector label"
                    .into(),
            });
        }
        for &j in &keep {
            let cell = rec[j].trim();
            let v = parse_number(cell).ok_or_else(|| IoError::Cell {
                path: path.to_path_buf(),
                line,
                column: header[j].trim().to_string(),
                message: if cell.is_empty() {
                    "empty cell; expected a number (write 0 for zero)".into()
                } else {
                    format!("`{cell}` is not a finite number")
                },
            })?;
            values.push(v);
        }
        rows.push(label);
        lines.push(line);
    }
    if rows.is_empty() {
        return Err(file_err("no data rows after the header".into()));
    }
    check_unique(&rows, "row").map_err(file_err)?;
    Ok(LabelledMatrix {
        path: path.to_path_buf(),
        corner,
        rows,
        cols,
        values,
        lines,
    })
}

/// Parses a finite number; `None` for anything else (empty, text, NaN, infinities).
fn parse_number(cell: &str) -> Option<f64> {
    cell.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn check_unique(labels: &[String], what: &str) -> std::result::Result<(), String> {
    let mut seen = HashMap::new();
    for (i, l) in labels.iter().enumerate() {
        if l.is_empty() && what == "column" {
            return Err(format!("{what} {} has an empty label in the header", i + 2));
        }
        if let Some(first) = seen.insert(l.as_str(), i) {
            return Err(format!(
                "{what} label `{l}` appears twice (positions {} and {}); labels must be unique",
                first + 1,
                i + 1
            ));
        }
    }
    Ok(())
}

/// The position of each label of `wanted` in `have`, or an error naming the first label that is
/// missing or extra. Used to align parts of a table whose labels come in another order.
pub fn align(
    have: &[String],
    wanted: &[String],
    have_what: &str,
    wanted_what: &str,
) -> Result<Vec<usize>> {
    let index: HashMap<&str, usize> = have
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let mut out = Vec::with_capacity(wanted.len());
    for w in wanted {
        match index.get(w.as_str()) {
            Some(&i) => out.push(i),
            None => {
                return Err(IoError::Mismatch(format!(
                    "label `{w}` is in {wanted_what} but not in {have_what} ({} vs {} labels)",
                    have.len(),
                    wanted.len()
                )))
            }
        }
    }
    if have.len() != wanted.len() {
        let wanted_set: std::collections::HashSet<&str> =
            wanted.iter().map(String::as_str).collect();
        let extra = have
            .iter()
            .find(|l| !wanted_set.contains(l.as_str()))
            .cloned()
            .unwrap_or_default();
        return Err(IoError::Mismatch(format!(
            "label `{extra}` is in {have_what} but not in {wanted_what} ({} vs {} labels)",
            have.len(),
            wanted.len()
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("balanza-leontief-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn reads_labels_and_values() {
        let p = write("ok.csv", "row,a,b\na,1,2\nb,3.5,-4e-1\n");
        let m = read_labelled(&p, &|_| false).unwrap();
        assert_eq!(m.rows, ["a", "b"]);
        assert_eq!(m.cols, ["a", "b"]);
        assert_eq!(m.values, [1.0, 2.0, 3.5, -0.4]);
        let t = m.transposed();
        assert_eq!(t.get(0, 1), 3.5);
    }

    #[test]
    fn bad_cell_names_line_and_column() {
        let p = write("bad.csv", "row,a,b\na,1,2\nb,x,4\n");
        let e = read_labelled(&p, &|_| false).unwrap_err().to_string();
        assert!(e.contains(":3: column a:"), "{e}");
        assert!(e.contains("`x` is not a finite number"), "{e}");
        let p = write("blank.csv", "row,a,b\na,1,\n");
        let e = read_labelled(&p, &|_| false).unwrap_err().to_string();
        assert!(e.contains(":2: column b: empty cell"), "{e}");
        let p = write("nan.csv", "row,a\na,NaN\n");
        assert!(read_labelled(&p, &|_| false).is_err());
    }

    #[test]
    fn ragged_and_duplicate_rows_are_errors() {
        let p = write("ragged.csv", "row,a,b\na,1\n");
        let e = read_labelled(&p, &|_| false).unwrap_err().to_string();
        assert!(e.contains("line 2 has 2 cells but the header has 3"), "{e}");
        let p = write("dup.csv", "row,a\na,1\na,2\n");
        let e = read_labelled(&p, &|_| false).unwrap_err().to_string();
        assert!(e.contains("`a` appears twice"), "{e}");
    }

    #[test]
    fn align_names_missing_and_extra() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            align(&s(&["b", "a"]), &s(&["a", "b"]), "Y", "Z").unwrap(),
            [1, 0]
        );
        let e = align(&s(&["a", "c"]), &s(&["a", "b"]), "Y", "Z").unwrap_err();
        assert!(e.to_string().contains("`b` is in Z but not in Y"), "{e}");
        let e = align(&s(&["a", "b", "c"]), &s(&["a", "b"]), "Y", "Z").unwrap_err();
        assert!(e.to_string().contains("`c` is in Y but not in Z"), "{e}");
    }
}
