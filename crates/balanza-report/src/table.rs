//! Result tables and their three renderings: aligned text, CSV and JSON.
//!
//! Every command returns one or more [`Table`]s; the CLI picks the rendering. JSON is an array
//! of row objects whose keys are the column names (which are snake_case by convention).

use serde_json::{Map, Value};
use std::fmt::Write as _;

/// One value in a result table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text such as a country code or product label.
    Text(String),
    /// An integer count or year.
    Int(i64),
    /// A real number, printed rounded in text and at full precision in CSV and JSON.
    Float(f64),
    /// A missing value (empty in CSV, null in JSON).
    Null,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}
impl From<f64> for Cell {
    fn from(v: f64) -> Self {
        Cell::Float(v)
    }
}
impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::Int(v)
    }
}
impl From<usize> for Cell {
    fn from(v: usize) -> Self {
        Cell::Int(v as i64)
    }
}
impl From<u32> for Cell {
    fn from(v: u32) -> Self {
        Cell::Int(i64::from(v))
    }
}
impl From<i32> for Cell {
    fn from(v: i32) -> Self {
        Cell::Int(i64::from(v))
    }
}
impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Null, Into::into)
    }
}

/// How a table is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// Aligned, human-readable text (the default).
    #[default]
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON array of row objects.
    Json,
}

balanza_data::impl_words!(OutputFormat, "format", [
    OutputFormat::Table => "table" | "text",
    OutputFormat::Csv => "csv",
    OutputFormat::Json => "json",
]);

/// A titled table of result rows.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Printed above the text rendering; not part of CSV or JSON.
    pub title: Option<String>,
    /// Column names, snake_case.
    pub columns: Vec<String>,
    /// Rows, each with one cell per column.
    pub rows: Vec<Vec<Cell>>,
    /// Lines printed under the text rendering (sources, warnings, what was dropped).
    pub notes: Vec<String>,
}

impl Table {
    /// An empty table with the given column names.
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> Self {
        Self {
            columns: columns.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Sets the title (builder style).
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Appends a row; it must have one cell per column.
    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(
            row.len(),
            self.columns.len(),
            "row width differs from header"
        );
        self.rows.push(row);
    }

    /// Appends a note printed under the text rendering.
    pub fn note(&mut self, line: impl Into<String>) {
        self.notes.push(line.into());
    }

    /// Renders in the chosen format.
    pub fn render(&self, format: OutputFormat) -> String {
        match format {
            OutputFormat::Table => self.to_text(),
            OutputFormat::Csv => self.to_csv(),
            OutputFormat::Json => {
                let mut s = serde_json::to_string_pretty(&self.to_json()).unwrap_or_default();
                s.push('\n');
                s
            }
        }
    }

    /// The JSON value: an array of row objects keyed by column name.
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|row| {
                    let mut obj = Map::new();
                    for (name, cell) in self.columns.iter().zip(row) {
                        obj.insert(name.clone(), cell_json(cell));
                    }
                    Value::Object(obj)
                })
                .collect(),
        )
    }

    /// CSV with a header row; floats at full (shortest round-trip) precision.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(&self.columns);
        for row in &self.rows {
            let _ = w.write_record(row.iter().map(cell_csv));
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }

    /// Aligned text: text columns left-aligned, numbers right-aligned.
    pub fn to_text(&self) -> String {
        // A column of money-sized values (any |x| >= 1,000) prints every cell in whole units,
        // so a zero or a cent-sized figure does not switch format within the column.
        let whole: Vec<bool> = (0..self.columns.len())
            .map(|j| {
                self.rows.iter().any(
                    |r| matches!(r.get(j), Some(Cell::Float(f)) if f.is_finite() && f.abs() >= 1000.0),
                )
            })
            .collect();
        let rendered: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .enumerate()
                    .map(|(j, c)| match c {
                        Cell::Float(f) if whole.get(j) == Some(&true) && f.is_finite() => {
                            format_whole(*f)
                        }
                        other => cell_text(other),
                    })
                    .collect()
            })
            .collect();
        let mut widths: Vec<usize> = self.columns.iter().map(|c| c.chars().count()).collect();
        for row in &rendered {
            for (w, s) in widths.iter_mut().zip(row) {
                *w = (*w).max(s.chars().count());
            }
        }
        let numeric: Vec<bool> = (0..self.columns.len())
            .map(|j| {
                self.rows
                    .iter()
                    .any(|r| matches!(r.get(j), Some(Cell::Float(_) | Cell::Int(_))))
            })
            .collect();
        let mut out = String::new();
        if let Some(t) = &self.title {
            let _ = writeln!(out, "{t}");
        }
        let line = |cells: &[String], out: &mut String| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(j, s)| {
                    if numeric[j] {
                        format!("{s:>w$}", w = widths[j])
                    } else {
                        format!("{s:<w$}", w = widths[j])
                    }
                })
                .collect();
            let _ = writeln!(out, "{}", parts.join("  ").trim_end());
        };
        line(&self.columns, &mut out);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        let _ = writeln!(out, "{}", rule.join("  "));
        for row in &rendered {
            line(row, &mut out);
        }
        for n in &self.notes {
            let _ = writeln!(out, "{n}");
        }
        out
    }
}

fn cell_json(cell: &Cell) -> Value {
    match cell {
        Cell::Text(s) => Value::String(s.clone()),
        Cell::Int(i) => Value::from(*i),
        Cell::Float(f) if f.is_finite() => Value::from(*f),
        Cell::Float(_) | Cell::Null => Value::Null,
    }
}

fn cell_csv(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Int(i) => i.to_string(),
        Cell::Float(f) => f.to_string(),
        Cell::Null => String::new(),
    }
}

/// Text rendering of a float: thousands separators for large magnitudes, five significant
/// digits for smaller ones, so that values, coefficients and shares all read well.
fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Float(f) => format_float(*f),
        other => cell_csv(other),
    }
}

/// One CSV field as RFC 4180 writes it: quoted (with doubled quotes) when it holds a comma, a
/// quote or a line break. For callers that stream rows themselves; tables use `to_csv`.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A float in whole units with thousands separators (`-20,884`, `0`).
fn format_whole(f: f64) -> String {
    if f.abs() >= 1000.0 {
        format_float(f)
    } else {
        let r = f.round();
        // -0.4 rounds to -0: print 0.
        format!("{}", if r == 0.0 { 0.0 } else { r })
    }
}

/// Formats a float for people: `1,234,568`, `123.46`, `-12.345`, `-2.4745`, `0.1234`, `NaN`.
pub fn format_float(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    let a = f.abs();
    if a != 0.0 && a < 1e-3 {
        return format!("{f:.3e}");
    }
    // Five significant digits below 1,000 (enough for coefficients and shares), whole units
    // with thousands separators above (values in currency).
    let decimals = if a >= 1000.0 {
        0
    } else if a >= 100.0 {
        2
    } else if a >= 10.0 {
        3
    } else {
        4
    };
    let s = format!("{a:.decimals$}");
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(i, f)| (i, f));
    let mut grouped = String::new();
    for (k, ch) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if f < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_read_well() {
        assert_eq!(format_float(1234567.891), "1,234,568");
        assert_eq!(format_float(-12.345), "-12.345");
        assert_eq!(format_float(-2.474450456), "-2.4745");
        assert_eq!(format_float(123.456), "123.46");
        assert_eq!(format_float(0.12345), "0.1235");
        assert_eq!(format_float(0.0), "0.0000");
    }

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("CHN"), "CHN");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("x\ny"), "\"x\ny\"");
    }

    #[test]
    fn money_columns_print_in_whole_units() {
        let mut t = Table::new(["partner", "change", "pct"]);
        t.push(vec!["AFG".into(), 413338.2.into(), 11.0221.into()]);
        t.push(vec!["ZAF".into(), 0.0.into(), (-2.6e-4).into()]);
        t.push(vec!["USA".into(), (-0.3).into(), 0.5.into()]);
        let text = t.to_text();
        assert!(text.contains("413,338"), "{text}");
        assert!(!text.contains("0.0000"), "{text}");
        assert!(text.contains("-2.600e-4"), "{text}");
        let zaf = text.lines().find(|l| l.starts_with("ZAF")).unwrap();
        assert_eq!(zaf.split_whitespace().nth(1), Some("0"), "{text}");
        let usa = text.lines().find(|l| l.starts_with("USA")).unwrap();
        assert_eq!(usa.split_whitespace().nth(1), Some("0"), "{text}");
    }

    #[test]
    fn json_rows_are_objects_keyed_by_column() {
        let mut t = Table::new(["partner", "exports"]);
        t.push(vec!["CHN".into(), 1.5.into()]);
        let v = t.to_json();
        assert_eq!(v[0]["partner"], "CHN");
        assert_eq!(v[0]["exports"], 1.5);
        assert_eq!(t.to_csv(), "partner,exports\nCHN,1.5\n");
    }
}
