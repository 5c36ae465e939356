//! Named, equally long columns of numbers or text: what the column readers
//! ([`crate::columns`]) produce and what the estimators take.

/// A frame operation that does not fit the frame: a column of the wrong length, or a name the
/// frame does not have.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FrameError {
    /// A column pushed with a row count other than the frame's.
    #[error("column `{name}` has {rows} rows, the frame {frame}")]
    Length {
        /// The column's name.
        name: String,
        /// Its row count.
        rows: usize,
        /// The frame's row count.
        frame: usize,
    },
    /// A column that the frame does not have.
    #[error("unknown column `{name}`; available columns: {available}")]
    UnknownColumn {
        /// The missing name.
        name: String,
        /// Comma-separated list of the columns that exist.
        available: String,
    },
}

/// One column: numbers (missing = NaN) or text stored as codes into its distinct levels.
#[derive(Debug, Clone)]
pub enum Column {
    /// Numeric values; NaN marks a missing value.
    Num(Vec<f64>),
    /// Text values: `codes[i]` indexes `levels`.
    Text {
        /// Level code of every row.
        codes: Vec<u32>,
        /// Distinct values.
        levels: Vec<String>,
    },
}

impl Column {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Num(v) => v.len(),
            Column::Text { codes, .. } => codes.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Builds a text column from strings.
    pub fn from_strings<S: AsRef<str>>(values: &[S]) -> Column {
        let mut map = std::collections::HashMap::new();
        let mut levels = Vec::new();
        let codes = values
            .iter()
            .map(|s| {
                let s = s.as_ref();
                if let Some(&c) = map.get(s) {
                    c
                } else {
                    let c = levels.len() as u32;
                    levels.push(s.to_string());
                    map.insert(s.to_string(), c);
                    c
                }
            })
            .collect();
        Column::Text { codes, levels }
    }
}

/// A table of equally long named columns.
#[derive(Debug, Clone, Default)]
pub struct Frame {
    names: Vec<String>,
    cols: Vec<Column>,
    n: usize,
    /// 1-based file lines of the blank lines a CSV reader skipped, ascending (for messages
    /// that name a row's line).
    pub(crate) blank_lines: Vec<usize>,
}

impl Frame {
    /// An empty frame with `n` rows.
    pub fn new(n: usize) -> Frame {
        Frame {
            names: Vec::new(),
            cols: Vec::new(),
            n,
            blank_lines: Vec::new(),
        }
    }

    /// Adds (or replaces) a column; its length must be the frame's.
    pub fn push(&mut self, name: &str, col: Column) -> Result<(), FrameError> {
        if col.len() != self.n {
            return Err(FrameError::Length {
                name: name.to_string(),
                rows: col.len(),
                frame: self.n,
            });
        }
        if let Some(p) = self.names.iter().position(|x| x == name) {
            self.cols[p] = col;
        } else {
            self.names.push(name.to_string());
            self.cols.push(col);
        }
        Ok(())
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.n
    }

    /// Column names in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The 1-based file line of every row of a frame read from CSV (header on line 1, blank
    /// lines skipped); for Parquet and built frames, the row number plus one.
    pub fn row_lines(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.n);
        let mut blanks = self.blank_lines.iter().peekable();
        let mut line = 2;
        for _ in 0..self.n {
            while blanks.peek() == Some(&&line) {
                blanks.next();
                line += 1;
            }
            out.push(line);
            line += 1;
        }
        out
    }

    /// Every row as text cells, in column order: numbers in their shortest form, missing
    /// numbers empty, text as read (for row-wise readers that validate cells themselves).
    pub fn text_rows(&self) -> Vec<Vec<String>> {
        let mut rows = vec![Vec::with_capacity(self.cols.len()); self.n];
        for col in &self.cols {
            for (i, row) in rows.iter_mut().enumerate() {
                row.push(match col {
                    Column::Num(v) if v[i].is_nan() => String::new(),
                    Column::Num(v) => v[i].to_string(),
                    Column::Text { codes, levels } => levels[codes[i] as usize].clone(),
                });
            }
        }
        rows
    }

    /// The column called `name`, or an error listing the available ones.
    pub fn get(&self, name: &str) -> Result<&Column, FrameError> {
        match self.names.iter().position(|x| x == name) {
            Some(p) => Ok(&self.cols[p]),
            None => Err(FrameError::UnknownColumn {
                name: name.to_string(),
                available: self.names.join(", "),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rows_write_numbers_shortest_and_missing_empty() {
        let mut f = Frame::new(2);
        f.push("x", Column::Num(vec![3.0, f64::NAN])).unwrap();
        f.push("g", Column::from_strings(&["a", "b"])).unwrap();
        f.push("y", Column::Num(vec![0.1, 1e20])).unwrap();
        assert_eq!(
            f.text_rows(),
            vec![
                vec!["3", "a", "0.1"],
                vec!["", "b", "100000000000000000000"]
            ]
        );
    }

    #[test]
    fn push_checks_lengths_and_get_lists_the_columns() {
        let mut f = Frame::new(3);
        f.push("x", Column::Num(vec![1.0, 2.0, 3.0])).unwrap();
        f.push("g", Column::from_strings(&["a", "b", "a"])).unwrap();
        let e = f.push("y", Column::Num(vec![1.0])).unwrap_err();
        assert_eq!(e.to_string(), "column `y` has 1 rows, the frame 3");
        match f.get("g").unwrap() {
            Column::Text { codes, levels } => {
                assert_eq!(codes, &[0, 1, 0]);
                assert_eq!(levels, &["a", "b"]);
            }
            Column::Num(_) => panic!("text expected"),
        }
        let e = f.get("z").unwrap_err();
        assert_eq!(e.to_string(), "unknown column `z`; available columns: x, g");
        f.push("x", Column::Num(vec![0.0; 3])).unwrap();
        assert_eq!(f.names(), &["x", "g"]);
    }
}
