//! Named columns handed in by the caller (the crate does no I/O).

use crate::error::GravityError;

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
}

impl Frame {
    /// An empty frame with `n` rows.
    pub fn new(n: usize) -> Frame {
        Frame {
            names: Vec::new(),
            cols: Vec::new(),
            n,
        }
    }

    /// Adds (or replaces) a column; its length must be the frame's.
    pub fn push(&mut self, name: &str, col: Column) -> Result<(), GravityError> {
        if col.len() != self.n {
            return Err(GravityError::Input(format!(
                "column `{name}` has {} rows, the frame {}",
                col.len(),
                self.n
            )));
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

    /// The column called `name`, or an error listing the available ones.
    pub fn get(&self, name: &str) -> Result<&Column, GravityError> {
        match self.names.iter().position(|x| x == name) {
            Some(p) => Ok(&self.cols[p]),
            None => Err(GravityError::UnknownColumn {
                name: name.to_string(),
                available: self.names.join(", "),
            }),
        }
    }
}
