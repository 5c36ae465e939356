//! From result tables to report sections: the one place that maps columns to charts.
//!
//! The report reads the JSON (or CSV) that the other commands write (`balance`,
//! `composition`, `simulate --out DIR`, `ge`, `jobs`) and turns each into a section with a
//! chart and the data. Each chart names the columns it needs as a short list of accepted
//! names; a missing column is an error that names the file, the names accepted and the
//! columns found, so a renamed column fails loudly instead of drawing an empty chart.

use crate::chart::{self, BarGroup, ChartText, Unit};
use crate::html::{Block, Section};
use crate::table::{Cell, Table};
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use std::fmt;
use std::path::Path;

/// Most bars drawn in one chart; the rest stay in the table (the note under the chart says so).
pub const MAX_BARS: usize = 30;
/// Most rows shown in one HTML table; a note gives the total and where the full data is.
pub const MAX_TABLE_ROWS: usize = 400;
/// Most countries in the GE chart: a sorted list of every country reads well up to about this.
pub const MAX_GE_BARS: usize = 80;

/// Why a result file could not become a report section.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a table in a format the report reads.
    #[error("{source_name}: {message}")]
    Format {
        /// The file or input name.
        source_name: String,
        /// What was expected.
        message: String,
    },
    /// A chart needs a column that the table lacks.
    #[error(
        "{source_name}: no column for the {role} (expected one of: {}; the table has: {})",
        wanted.join(", "),
        found.join(", ")
    )]
    MissingColumn {
        /// The file or input name.
        source_name: String,
        /// What the column is for ("trade balance", "partner").
        role: String,
        /// Accepted column names.
        wanted: Vec<String>,
        /// Columns present.
        found: Vec<String>,
    },
}

/// A JSON value whose objects keep their keys in file order (serde_json's map sorts them,
/// and a report's table should show columns in the order the command wrote them).
enum OVal {
    Scalar(Value),
    Arr(Vec<OVal>),
    Obj(Vec<(String, OVal)>),
}

impl<'de> Deserialize<'de> for OVal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OVal;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<OVal, E> {
                Ok(OVal::Scalar(Value::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<OVal, E> {
                Ok(OVal::Scalar(Value::from(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<OVal, E> {
                Ok(OVal::Scalar(Value::from(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<OVal, E> {
                Ok(OVal::Scalar(Value::from(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<OVal, E> {
                Ok(OVal::Scalar(Value::String(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<OVal, E> {
                Ok(OVal::Scalar(Value::String(v)))
            }
            fn visit_unit<E>(self) -> Result<OVal, E> {
                Ok(OVal::Scalar(Value::Null))
            }
            fn visit_none<E>(self) -> Result<OVal, E> {
                Ok(OVal::Scalar(Value::Null))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<OVal, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = s.next_element()? {
                    v.push(x);
                }
                Ok(OVal::Arr(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<OVal, A::Error> {
                let mut v = Vec::new();
                while let Some((k, x)) = m.next_entry()? {
                    v.push((k, x));
                }
                Ok(OVal::Obj(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl OVal {
    fn kind(&self) -> &'static str {
        match self {
            OVal::Scalar(Value::Null) => "null",
            OVal::Scalar(Value::Bool(_)) => "a boolean",
            OVal::Scalar(Value::Number(_)) => "a number",
            OVal::Scalar(_) => "a string",
            OVal::Arr(_) => "an array",
            OVal::Obj(_) => "an object",
        }
    }

    /// Nested values inside a cell become their text.
    fn into_value(self) -> Value {
        match self {
            OVal::Scalar(v) => v,
            OVal::Arr(a) => Value::Array(a.into_iter().map(OVal::into_value).collect()),
            OVal::Obj(o) => {
                Value::Object(o.into_iter().map(|(k, v)| (k, v.into_value())).collect())
            }
        }
    }
}

type Rows = Vec<Vec<(String, Value)>>;

fn rows_of(v: OVal, what: &str) -> Result<Rows, String> {
    let OVal::Arr(items) = v else {
        return Err(format!(
            "expected {what} to be an array of rows, found {}",
            v.kind()
        ));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| match item {
            OVal::Obj(o) => Ok(o.into_iter().map(|(k, v)| (k, v.into_value())).collect()),
            other => Err(format!(
                "expected row objects, found {} at row {} of {what}",
                other.kind(),
                i + 1
            )),
        })
        .collect()
}

fn table_from_rows(rows: Rows, title: Option<String>) -> Table {
    let mut columns: Vec<String> = Vec::new();
    for r in &rows {
        for (k, _) in r {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    let mut t = Table::new(columns.clone());
    t.title = title;
    for r in rows {
        let mut cells = vec![Cell::Null; columns.len()];
        for (k, v) in r {
            if let Some(j) = columns.iter().position(|c| *c == k) {
                cells[j] = json_cell(v);
            }
        }
        t.rows.push(cells);
    }
    t
}

fn json_cell(v: Value) -> Cell {
    match v {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Text(b.to_string()),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Cell::Int(i),
            None => n.as_f64().map_or(Cell::Null, Cell::Float),
        },
        Value::String(s) => Cell::Text(s),
        other => Cell::Text(other.to_string()),
    }
}

/// Reads the tables in JSON text: one array of row objects, an array of such arrays (several
/// tables printed by one command), or an object whose array values are tables (named by key).
pub fn tables_from_json(text: &str, source_name: &str) -> Result<Vec<Table>, ReportError> {
    let fmt_err = |message: String| ReportError::Format {
        source_name: source_name.to_string(),
        message,
    };
    let doc: OVal = serde_json::from_str(text).map_err(|e| {
        fmt_err(format!(
            "not valid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    match doc {
        OVal::Arr(items)
            if items.iter().all(|i| matches!(i, OVal::Arr(_))) && !items.is_empty() =>
        {
            items
                .into_iter()
                .enumerate()
                .map(|(i, t)| {
                    Ok(table_from_rows(
                        rows_of(t, &format!("table {}", i + 1)).map_err(&fmt_err)?,
                        None,
                    ))
                })
                .collect()
        }
        arr @ OVal::Arr(_) => Ok(vec![table_from_rows(
            rows_of(arr, "the file").map_err(&fmt_err)?,
            None,
        )]),
        OVal::Obj(named) => {
            // Arrays of row objects are tables; scalars (and lists of them) describe the run
            // (scenario name, closure, notes) and become one `about` table at the end.
            let mut tables = Vec::new();
            let mut about = Table::new(["item", "value"]).with_title("about");
            for (k, v) in named {
                match v {
                    OVal::Arr(items) if items.iter().all(|i| matches!(i, OVal::Obj(_))) => {
                        if !items.is_empty() {
                            let rows = rows_of(OVal::Arr(items), &k).map_err(&fmt_err)?;
                            tables.push(table_from_rows(rows, Some(k)));
                        }
                    }
                    OVal::Arr(items) => {
                        let parts: Vec<String> = items
                            .into_iter()
                            .map(|i| match i.into_value() {
                                Value::String(s) => s,
                                other => other.to_string(),
                            })
                            .collect();
                        if !parts.is_empty() {
                            about.push(vec![k.into(), parts.join("; ").into()]);
                        }
                    }
                    other => {
                        let cell = json_cell(other.into_value());
                        about.push(vec![k.into(), cell]);
                    }
                }
            }
            if tables.is_empty() {
                return Err(fmt_err(
                    "expected an object with arrays of row objects, found none".into(),
                ));
            }
            if !about.rows.is_empty() {
                tables.push(about);
            }
            Ok(tables)
        }
        other => Err(fmt_err(format!(
            "expected an array of row objects, found {}",
            other.kind()
        ))),
    }
}

/// Reads a CSV table with a header row; numbers become numbers, empty fields missing values.
pub fn table_from_csv(text: &str, source_name: &str) -> Result<Table, ReportError> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let fmt_err = |message: String| ReportError::Format {
        source_name: source_name.to_string(),
        message,
    };
    let header = r
        .headers()
        .map_err(|e| fmt_err(format!("bad CSV header: {e}")))?
        .clone();
    let mut t = Table::new(header.iter());
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            fmt_err(format!("bad CSV at line {line}: {e}"))
        })?;
        t.rows.push(rec.iter().map(csv_cell).collect());
    }
    Ok(t)
}

fn csv_cell(s: &str) -> Cell {
    if s.is_empty() {
        Cell::Null
    } else if let Ok(i) = s.parse::<i64>() {
        Cell::Int(i)
    } else if let Ok(f) = s.parse::<f64>() {
        Cell::Float(f)
    } else {
        Cell::Text(s.to_string())
    }
}

/// Reads a `.json` or `.csv` result file into tables, named after the file.
pub fn load_tables(path: &Path) -> Result<Vec<Table>, ReportError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ReportError::Io {
        path: name.clone(),
        source: e,
    })?;
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let mut tables = if is_csv {
        vec![table_from_csv(&text, &name)?]
    } else {
        tables_from_json(&text, &name)?
    };
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    for (i, t) in tables.iter_mut().enumerate() {
        if t.title.is_none() {
            t.title = Some(if i == 0 {
                stem.clone()
            } else {
                format!("{stem} ({})", i + 1)
            });
        }
    }
    Ok(tables)
}

// ---- column roles -------------------------------------------------------------------------

fn missing(t: &Table, source: &str, role: &str, wanted: &[&str]) -> ReportError {
    ReportError::MissingColumn {
        source_name: source.to_string(),
        role: role.to_string(),
        wanted: wanted.iter().map(|s| s.to_string()).collect(),
        found: t.columns.clone(),
    }
}

/// The first column whose name is in `wanted` (case-insensitive), in `wanted`'s order.
fn col(t: &Table, wanted: &[&str]) -> Option<usize> {
    wanted
        .iter()
        .find_map(|w| t.columns.iter().position(|c| c.eq_ignore_ascii_case(w)))
}

fn need(t: &Table, source: &str, role: &str, wanted: &[&str]) -> Result<usize, ReportError> {
    col(t, wanted).ok_or_else(|| missing(t, source, role, wanted))
}

fn num(c: &Cell) -> f64 {
    match c {
        Cell::Float(f) => *f,
        Cell::Int(i) => *i as f64,
        Cell::Text(s) => s.parse().unwrap_or(f64::NAN),
        Cell::Null => f64::NAN,
    }
}

fn text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Int(i) => i.to_string(),
        Cell::Float(f) => f.to_string(),
        Cell::Null => String::new(),
    }
}

/// Row labels that are totals, kept in tables but left out of charts by category.
fn is_total(label: &str) -> bool {
    matches!(
        label.to_ascii_lowercase().as_str(),
        "total" | "all" | "world" | "wld" | "*" | "(total)" | "all partners" | "all products"
    )
}

/// Label columns accepted for "who" in each chart, most specific first.
const PARTNER: &[&str] = &[
    "partner",
    "partner_iso3",
    "exporter",
    "country",
    "iso3",
    "key",
];
const BALANCE_KEY: &[&str] = &[
    "partner",
    "partner_iso3",
    "product",
    "hs2",
    "hs4",
    "hs6",
    "enduse",
    "end_use",
    "section",
    "year",
    "key",
];
const BALANCE: &[&str] = &["balance", "trade_balance", "balance_usd"];
const CURRENCY: &[&str] = &["currency"];
const COMP_CLASS: &[&str] = &[
    "enduse", "end_use", "class", "category", "hs2", "section", "key", "product",
];
const COMP_VALUE: &[&str] = &["value", "value_usd", "imports", "exports", "amount"];
const YEAR: &[&str] = &["year", "t"];
const CREATION: &[&str] = &["trade_creation", "creation", "tc", "creation_usd"];
const DIVERSION: &[&str] = &["trade_diversion", "diversion", "td", "diversion_usd"];
const GE_COUNTRY: &[&str] = &["country", "iso3", "exporter", "region", "key"];
const GE_GDP: &[&str] = &[
    "real_gdp_pct_full",
    "real_gdp_full_pct",
    "real_gdp_pct_change_full",
    "full_real_gdp_pct_change",
    "real_gdp_pct_change",
    "real_gdp_change_pct",
    "real_gdp_pct",
    "welfare_pct_change",
    "welfare_pct",
    "rgdp_pct_change",
];
/// Label columns for jobs, most readable first (`balanza jobs --by industry` has both the
/// industry code and its name).
const JOBS_LABEL: &[&str] = &["name", "industry", "sector", "region", "key", "label"];
/// The embodied amount: in exports (national, by industry), supported by a change in exports
/// (`--changes`), or domestic content of gross exports (multi-regional).
const JOBS_VALUE: &[&str] = &[
    "in_exports",
    "supported",
    "in_gross_exports_domestic",
    "jobs_in_exports",
    "jobs_embodied_in_exports",
    "employment_in_exports",
    "jobs_supported",
    "jobs",
];
const SATELLITE: &[&str] = &["satellite"];

/// Currency from a `currency` column (first non-empty value) or the given default.
fn currency_of(t: &Table, default: &str) -> String {
    col(t, CURRENCY)
        .and_then(|j| t.rows.iter().map(|r| text(&r[j])).find(|s| !s.is_empty()))
        .unwrap_or_else(|| default.to_string())
}

/// The table block, cut to [`MAX_TABLE_ROWS`] with a note naming the source of the rest.
///
/// Text columns (keys such as partner, product) move to the front: JSON objects come back
/// with their keys sorted, which would bury the key among the numbers.
fn table_block(t: &Table, source: &str) -> Block {
    let is_text = |j: usize| {
        t.rows
            .iter()
            .all(|r| matches!(r.get(j), Some(Cell::Text(_) | Cell::Null)))
            && t.rows
                .iter()
                .any(|r| matches!(r.get(j), Some(Cell::Text(_))))
    };
    let mut order: Vec<usize> = (0..t.columns.len()).filter(|&j| is_text(j)).collect();
    order.extend((0..t.columns.len()).filter(|&j| !is_text(j)));
    let mut t = Table {
        title: t.title.clone(),
        columns: order.iter().map(|&j| t.columns[j].clone()).collect(),
        rows: t
            .rows
            .iter()
            .map(|r| {
                order
                    .iter()
                    .map(|&j| r.get(j).cloned().unwrap_or(Cell::Null))
                    .collect()
            })
            .collect(),
        notes: t.notes.clone(),
    };
    if t.rows.len() > MAX_TABLE_ROWS {
        let n = t.rows.len();
        t.rows.truncate(MAX_TABLE_ROWS);
        t.note(format!(
            "First {MAX_TABLE_ROWS} of {n} rows shown; all rows are in {source}."
        ));
    }
    Block::Table(t)
}

fn shown_note(kind: &str, dropped: usize, total: usize, source: &str) -> Option<String> {
    let src = format!("Source: {source}.");
    if dropped > 0 {
        Some(format!(
            "{} of {total} {kind} with the largest magnitudes shown; all are in the table. {src}",
            total - dropped
        ))
    } else {
        Some(src)
    }
}

/// Trade balance by partner (or by whatever key the table is by): a diverging, sorted bar
/// chart of `balance`, then the table. Needs a key column and a `balance` column.
pub fn balance_section(
    t: &Table,
    source: &str,
    default_currency: &str,
) -> Result<Section, ReportError> {
    let key = need(t, source, "partner or other key", BALANCE_KEY)?;
    let bal = need(t, source, "trade balance", BALANCE)?;
    let currency = currency_of(t, default_currency);
    let mut groups: Vec<BarGroup> = t
        .rows
        .iter()
        .filter(|r| !is_total(&text(&r[key])))
        .map(|r| BarGroup {
            label: text(&r[key]),
            values: vec![num(&r[bal])],
        })
        .collect();
    let total = groups.len();
    let dropped = chart::sort_groups(&mut groups, MAX_BARS);
    let by = pretty(&t.columns[key]);
    let svg = chart::hbar_chart(
        &ChartText {
            title: format!("Trade balance by {by} (exports − imports)"),
            value_axis: "Trade balance".into(),
            category_axis: capitalise(&by),
            unit: Unit::Money(currency),
            note: shown_note("bars", dropped, total, source),
        },
        &["Trade balance".into()],
        &groups,
    );
    Ok(Section {
        id: "balance".into(),
        heading: format!("Trade balance by {by}"),
        blocks: vec![Block::Chart(svg), table_block(t, source)],
    })
}

/// Import (or export) composition: stacked columns by class over years when the table has a
/// year column with several years, sorted bars of the value by class otherwise. Classes are
/// named by the `description` column where there is one. `flow` ("imports", "exports") names
/// the flow when the table has no `flow` column.
pub fn composition_section(
    t: &Table,
    source: &str,
    default_currency: &str,
    flow: Option<&str>,
) -> Result<Section, ReportError> {
    let class = need(t, source, "class (end use, chapter or section)", COMP_CLASS)?;
    let value = need(t, source, "value", COMP_VALUE)?;
    let currency = currency_of(t, default_currency);
    let flow = col(t, &["flow"])
        .and_then(|j| t.rows.first().map(|r| text(&r[j])))
        .filter(|s| !s.is_empty())
        .or_else(|| flow.map(str::to_string))
        .or_else(|| {
            let v = t.columns[value].to_ascii_lowercase();
            (v == "imports" || v == "exports").then_some(v)
        })
        .unwrap_or_else(|| "trade".into());
    let by = pretty(&t.columns[class]);
    let desc = col(t, &["description", "name"]);
    let name_of = |r: &Vec<Cell>| -> String {
        desc.map(|j| text(&r[j]))
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| text(&r[class]))
    };
    let rows: Vec<&Vec<Cell>> = t
        .rows
        .iter()
        .filter(|r| !is_total(&text(&r[class])))
        .collect();
    let mut years: Vec<String> = Vec::new();
    if let Some(y) = col(t, YEAR) {
        for r in &rows {
            let s = text(&r[y]);
            if !years.contains(&s) {
                years.push(s);
            }
        }
        years.sort();
    }
    let svg = if years.len() > 1 {
        let y = col(t, YEAR).unwrap_or(0);
        // Series keyed by class code, shown by description.
        let mut keys: Vec<String> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for r in &rows {
            let k = text(&r[class]);
            if !keys.contains(&k) {
                keys.push(k);
                names.push(name_of(r));
            }
        }
        let mut values = vec![vec![0.0; years.len()]; keys.len()];
        for r in &rows {
            let s = keys.iter().position(|x| *x == text(&r[class]));
            let c = years.iter().position(|x| *x == text(&r[y]));
            if let (Some(s), Some(c)) = (s, c) {
                let v = num(&r[value]);
                if v.is_finite() {
                    values[s][c] += v;
                }
            }
        }
        chart::stacked_columns(
            &ChartText {
                title: format!(
                    "{} by {by}, {} to {}",
                    capitalise(&flow),
                    years[0],
                    years[years.len() - 1]
                ),
                value_axis: capitalise(&flow),
                category_axis: "Year".into(),
                unit: Unit::Money(currency),
                note: Some(format!("Source: {source}.")),
            },
            &years,
            &names,
            &values,
        )
    } else {
        let mut groups: Vec<BarGroup> = rows
            .iter()
            .map(|r| BarGroup {
                label: name_of(r),
                values: vec![num(&r[value])],
            })
            .collect();
        let total = groups.len();
        let dropped = chart::sort_groups(&mut groups, MAX_BARS);
        let when = years.first().map(|y| format!(", {y}")).unwrap_or_default();
        chart::hbar_chart(
            &ChartText {
                title: format!("{} by {by}{when}", capitalise(&flow)),
                value_axis: capitalise(&flow),
                category_axis: capitalise(&by),
                unit: Unit::Money(currency),
                note: shown_note("classes", dropped, total, source),
            },
            &[capitalise(&flow)],
            &groups,
        )
    };
    Ok(Section {
        id: "composition".into(),
        heading: format!("{} by {by}", capitalise(&flow)),
        blocks: vec![Block::Chart(svg), table_block(t, source)],
    })
}

/// One table from per-year tables: a `year` column first, then the union of the columns.
/// (`composition` prints one year's classes; the report stacks years side by side.)
pub fn stack_years(parts: Vec<(String, Table)>) -> Table {
    let mut columns = vec!["year".to_string()];
    for (_, t) in &parts {
        for c in &t.columns {
            if !columns.contains(c) {
                columns.push(c.clone());
            }
        }
    }
    let mut out = Table::new(columns.clone());
    for (year, t) in parts {
        let y = year
            .parse::<i64>()
            .map_or_else(|_| Cell::Text(year.clone()), Cell::Int);
        for r in t.rows {
            let mut row = vec![Cell::Null; columns.len()];
            row[0] = y.clone();
            for (c, cell) in t.columns.iter().zip(r) {
                if let Some(j) = columns.iter().position(|x| x == c) {
                    if j > 0 {
                        row[j] = cell;
                    }
                }
            }
            out.rows.push(row);
        }
    }
    out
}

/// Whether a table holds scenario effects by partner (a partner column, creation and
/// diversion columns).
pub fn is_scenario_by_partner(t: &Table) -> bool {
    col(t, PARTNER).is_some() && col(t, CREATION).is_some() && col(t, DIVERSION).is_some()
}

/// Scenario effects by partner: grouped bars of trade creation and trade diversion per
/// partner, sorted by their sum, then the table.
pub fn scenario_partner_blocks(
    t: &Table,
    source: &str,
    default_currency: &str,
) -> Result<Vec<Block>, ReportError> {
    let p = need(t, source, "partner", PARTNER)?;
    let c = need(t, source, "trade creation", CREATION)?;
    let d = need(t, source, "trade diversion", DIVERSION)?;
    let currency = currency_of(t, default_currency);
    let mut groups: Vec<BarGroup> = t
        .rows
        .iter()
        .filter(|r| !is_total(&text(&r[p])))
        .map(|r| BarGroup {
            label: text(&r[p]),
            values: vec![num(&r[c]), num(&r[d])],
        })
        .collect();
    let total = groups.len();
    let dropped = chart::sort_groups(&mut groups, MAX_BARS);
    let svg = chart::hbar_chart(
        &ChartText {
            title: "Scenario effects on imports by partner: trade creation and diversion".into(),
            value_axis: "Change in imports".into(),
            category_axis: "Partner".into(),
            unit: Unit::Money(currency),
            note: shown_note("partners", dropped, total, source),
        },
        &["Trade creation".into(), "Trade diversion".into()],
        &groups,
    );
    Ok(vec![Block::Chart(svg), table_block(t, source)])
}

/// The change in the importer's trade balance by partner, when a scenario table has it
/// (`simulate`'s `balance` table: partner, balance_change).
fn balance_change_chart(tables: &[(Table, String)], currency: &str) -> Option<Block> {
    let (t, src) = tables
        .iter()
        .find(|(t, _)| col(t, PARTNER).is_some() && col(t, &["balance_change"]).is_some())?;
    let (p, v) = (col(t, PARTNER)?, col(t, &["balance_change"])?);
    let mut groups: Vec<BarGroup> = t
        .rows
        .iter()
        .filter(|r| !is_total(&text(&r[p])))
        .map(|r| BarGroup {
            label: text(&r[p]),
            values: vec![num(&r[v])],
        })
        .collect();
    let total = groups.len();
    let dropped = chart::sort_groups(&mut groups, MAX_BARS);
    Some(Block::Chart(chart::hbar_chart(
        &ChartText {
            title: "Change in the importer's trade balance by partner (exports held fixed)".into(),
            value_axis: "Change in trade balance".into(),
            category_axis: "Partner".into(),
            unit: Unit::Money(currency_of(t, currency)),
            note: shown_note("partners", dropped, total, src),
        },
        &["Change in trade balance".into()],
        &groups,
    )))
}

/// A scenario result: the by-partner chart when one of the tables has the columns for it,
/// every table as data, and the scenario text when given.
pub fn scenario_section(
    tables: &[(Table, String)],
    scenario_text: Option<&str>,
    default_currency: &str,
) -> Result<Section, ReportError> {
    // Headline tables first, then the charted one, then the detail; unknown names keep
    // their order at the end.
    const ORDER: [&str; 11] = [
        "summary",
        "measures",
        "by_partner",
        "balance",
        "by_end_use",
        "by_section",
        "by_region",
        "by_measure",
        "coverage",
        "products",
        "lines",
    ];
    let rank = |src: &str| {
        let stem = Path::new(src)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let stem = stem.rsplit(": ").next().unwrap_or(&stem).to_string();
        ORDER.iter().position(|o| *o == stem).unwrap_or(ORDER.len())
    };
    let mut order: Vec<usize> = (0..tables.len()).collect();
    order.sort_by_key(|&i| rank(&tables[i].1));
    let tables: Vec<(Table, String)> = order.into_iter().map(|i| tables[i].clone()).collect();
    let tables = &tables[..];
    let mut blocks = Vec::new();
    let by_partner = tables
        .iter()
        .position(|(t, src)| is_scenario_by_partner(t) && src.contains("partner"))
        .or_else(|| tables.iter().position(|(t, _)| is_scenario_by_partner(t)));
    match by_partner {
        Some(i) => {
            let (t, src) = &tables[i];
            blocks.extend(scenario_partner_blocks(t, src, default_currency)?);
            if let Some(b) = balance_change_chart(tables, default_currency) {
                blocks.push(b);
            }
        }
        None if !tables.is_empty() => {
            // Name what was looked for, with the columns of the first table as the example.
            let (t, src) = &tables[0];
            let wanted: Vec<&str> = PARTNER
                .iter()
                .chain(CREATION)
                .chain(DIVERSION)
                .copied()
                .collect();
            return Err(missing(
                t,
                src,
                "partner, trade creation and trade diversion",
                &wanted,
            ));
        }
        None => {}
    }
    // Headline tables (summary, measures) above the chart, the rest under it.
    let mut at = 0;
    for (i, (t, src)) in tables.iter().enumerate() {
        if Some(i) != by_partner {
            if rank(src) < 2 {
                blocks.insert(at, table_block(t, src));
                at += 1;
            } else {
                blocks.push(table_block(t, src));
            }
        }
    }
    if let Some(text) = scenario_text {
        blocks.push(Block::Text("The scenario, as given:".into()));
        blocks.push(Block::Pre(text.to_string()));
    }
    Ok(Section {
        id: "scenario".into(),
        heading: "Policy scenario (partial equilibrium)".into(),
        blocks,
    })
}

/// General equilibrium: sorted bars of the real-GDP % change by country, then the table.
pub fn ge_section(tables: &[Table], source: &str) -> Result<Section, ReportError> {
    // `ge --format json` prints several tables (countries, convergence, first stage, ...):
    // chart the one with countries and a real-GDP column, list the others.
    let gdp_col = |t: &Table| {
        col(t, GE_GDP).or_else(|| {
            // Tolerate new names: a real-GDP or welfare column in percent, full GE first.
            let like = |c: &String| {
                let c = c.to_ascii_lowercase();
                (c.contains("real_gdp") || c.contains("welfare") || c.contains("rgdp"))
                    && (c.contains("pct") || c.contains("percent"))
            };
            t.columns
                .iter()
                .position(|c| like(c) && c.to_ascii_lowercase().contains("full"))
                .or_else(|| t.columns.iter().position(like))
        })
    };
    let Some(k) = tables
        .iter()
        .position(|t| col(t, GE_COUNTRY).is_some() && gdp_col(t).is_some())
    else {
        let empty = Table::default();
        let t = tables.first().unwrap_or(&empty);
        return Err(match col(t, GE_COUNTRY) {
            None => missing(t, source, "country", GE_COUNTRY),
            Some(_) => missing(t, source, "real-GDP % change", GE_GDP),
        });
    };
    let t = &tables[k];
    let country = col(t, GE_COUNTRY).unwrap_or(0);
    let gdp = gdp_col(t).unwrap_or(0);
    let mut groups: Vec<BarGroup> = t
        .rows
        .iter()
        .filter(|r| !is_total(&text(&r[country])))
        .map(|r| BarGroup {
            label: text(&r[country]),
            values: vec![num(&r[gdp])],
        })
        .collect();
    let total = groups.len();
    let dropped = chart::sort_groups(&mut groups, MAX_GE_BARS);
    let stage = if t.columns[gdp].contains("cdl") || t.columns[gdp].contains("cond") {
        "conditional general equilibrium"
    } else {
        "full general equilibrium"
    };
    let svg = chart::hbar_chart(
        &ChartText {
            title: format!("Real GDP (welfare) change by country, {stage}"),
            value_axis: format!("Real GDP change [{}]", t.columns[gdp]),
            category_axis: "Country".into(),
            unit: Unit::Percent,
            note: shown_note("countries", dropped, total, source),
        },
        &["Real GDP change".into()],
        &groups,
    );
    let mut blocks = vec![Block::Chart(svg), table_block(t, source)];
    for (i, other) in tables.iter().enumerate() {
        if i != k && !other.rows.is_empty() {
            blocks.push(table_block(other, source));
        }
    }
    Ok(Section {
        id: "ge".into(),
        heading: "General equilibrium: real GDP by country".into(),
        blocks,
    })
}

/// Jobs (and other satellite accounts such as value added) supported by exports: one sorted
/// bar chart per satellite by industry (or region), then the table. A table without an
/// industry column (national totals) gets a headline line per satellite instead of a chart.
pub fn jobs_section(t: &Table, source: &str) -> Result<Section, ReportError> {
    let value = col(t, JOBS_VALUE)
        .or_else(|| {
            t.columns
                .iter()
                .position(|c| c.to_ascii_lowercase().contains("jobs"))
        })
        .ok_or_else(|| missing(t, source, "amount supported by exports", JOBS_VALUE))?;
    let sat = col(t, SATELLITE);
    let region = col(t, &["region"]);
    let sector = col(t, &["sector"]);
    let label = col(t, JOBS_LABEL);
    let what = match t.columns[value].to_ascii_lowercase().as_str() {
        "supported" => "supported by the change in exports",
        "in_gross_exports_domestic" => "in gross exports (domestic content)",
        _ => "in exports",
    };
    // Satellites in order of appearance (one chart each); without the column, one chart.
    let mut sats: Vec<String> = Vec::new();
    if let Some(j) = sat {
        for r in &t.rows {
            let s = text(&r[j]);
            if !sats.contains(&s) {
                sats.push(s);
            }
        }
    } else {
        sats.push("jobs".into());
    }
    let mut blocks = Vec::new();
    if label.is_none() {
        // National totals: one row per satellite, different units: say it in words.
        for r in &t.rows {
            let name = sat.map_or("jobs".to_string(), |j| text(&r[j]));
            let share = col(t, &["share_in_exports"])
                .map(|j| num(&r[j]))
                .filter(|v| v.is_finite())
                .map(|v| format!(" ({:.1} % of the total)", v * 100.0))
                .unwrap_or_default();
            blocks.push(Block::Text(format!(
                "{}: {} {what}{share}.",
                capitalise(&name),
                crate::table::format_float(num(&r[value])),
            )));
        }
    } else {
        for s in sats.iter().take(4) {
            let shown = s.replace('_', " ");
            let rows: Vec<&Vec<Cell>> = t
                .rows
                .iter()
                .filter(|r| sat.is_none_or(|j| text(&r[j]) == *s))
                .collect();
            let mut groups: Vec<BarGroup> = rows
                .iter()
                .filter(|r| label.is_some_and(|j| !is_total(&text(&r[j]))))
                .map(|r| BarGroup {
                    label: match (region, sector) {
                        (Some(a), Some(b)) => format!("{}/{}", text(&r[a]), text(&r[b])),
                        _ => label.map(|j| text(&r[j])).unwrap_or_default(),
                    },
                    values: vec![num(&r[value])],
                })
                .collect();
            let total = groups.len();
            let dropped = chart::sort_groups(&mut groups, MAX_BARS);
            let lower = s.to_ascii_lowercase();
            let people = ["employ", "job", "worker", "person", "labo"]
                .iter()
                .any(|w| lower.contains(w));
            let by = match (region, sector) {
                (Some(_), Some(_)) => "region and sector".to_string(),
                _ => pretty(&t.columns[label.unwrap_or(value)]),
            };
            let by = if by == "name" {
                "industry".to_string()
            } else {
                by
            };
            blocks.push(Block::Chart(chart::hbar_chart(
                &ChartText {
                    title: format!("{} {what}, by {by}", capitalise(&shown)),
                    value_axis: format!("{} {what}", capitalise(&shown)),
                    category_axis: capitalise(&by),
                    unit: if people {
                        Unit::Count(shown.to_ascii_lowercase())
                    } else {
                        Unit::Plain
                    },
                    note: shown_note(
                        "bars",
                        dropped,
                        total,
                        &if people {
                            source.to_string()
                        } else {
                            format!("{source}; in the input-output table's unit")
                        },
                    ),
                },
                &[capitalise(&shown)],
                &groups,
            )));
        }
    }
    blocks.push(table_block(t, source));
    Ok(Section {
        id: "jobs".into(),
        heading: "Jobs and value added supported by trade".into(),
        blocks,
    })
}

/// A column name as words for titles: `enduse` → "end use", `hs2` → "HS chapter".
fn pretty(column: &str) -> String {
    match column.to_ascii_lowercase().as_str() {
        "enduse" | "end_use" => "end use".into(),
        "hs2" => "HS chapter".into(),
        "hs4" => "HS heading".into(),
        "hs6" => "HS subheading".into(),
        "section" => "HS section".into(),
        other => other.replace('_', " "),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_keeps_column_order_and_types() {
        let ts = tables_from_json(
            r#"[{"partner":"ZAF","exports":1.5,"year":2020,"x":null}]"#,
            "b.json",
        )
        .unwrap();
        assert_eq!(ts[0].columns, ["partner", "exports", "year", "x"]);
        assert_eq!(ts[0].rows[0][1], Cell::Float(1.5));
        assert_eq!(ts[0].rows[0][2], Cell::Int(2020));
        let many = tables_from_json(r#"[[{"a":1}],[{"b":"x"}]]"#, "m").unwrap();
        assert_eq!(many.len(), 2);
        let named = tables_from_json(r#"{"by_partner":[{"a":1}],"meta":3}"#, "n").unwrap();
        assert_eq!(named[0].title.as_deref(), Some("by_partner"));
        let err = tables_from_json("[1,2]", "bad.json")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("bad.json") && err.contains("row objects"),
            "{err}"
        );
        let err = tables_from_json("[{", "cut.json").unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn ge_output_picks_the_country_table_and_full_ge() {
        let ts = tables_from_json(
            r#"{"closure":"phi","notes":["a","b"],"convergence":[{"stage":"full","residual":1e-12}],
                "countries":[{"country":"AUS","real_gdp_pct_cdl":1.0,"real_gdp_pct_full":2.5},
                             {"country":"ZAF","real_gdp_pct_cdl":-1.0,"real_gdp_pct_full":-0.5}],
                "empty":[]}"#,
            "ge.json",
        )
        .unwrap();
        assert_eq!(ts.len(), 3, "convergence, countries, about");
        assert_eq!(ts[2].title.as_deref(), Some("about"));
        assert_eq!(ts[2].rows[1][1], Cell::Text("a; b".into()));
        let s = ge_section(&ts, "ge.json").unwrap();
        let Block::Chart(svg) = &s.blocks[0] else {
            panic!()
        };
        assert!(svg.contains("data-value=\"2.5\"") && svg.contains("full general equilibrium"));
        assert_eq!(s.blocks.len(), 4);
    }

    #[test]
    fn csv_cells_are_typed() {
        let t = table_from_csv("partner,balance\nZAF,-2.5\nAFG,\n", "b.csv").unwrap();
        assert_eq!(t.rows[0][1], Cell::Float(-2.5));
        assert_eq!(t.rows[1][1], Cell::Null);
    }

    #[test]
    fn balance_chart_excludes_total_and_sorts() {
        let t = tables_from_json(
            r#"[{"partner":"AFG","exports":1,"imports":3,"balance":-2},
                {"partner":"ZAF","exports":5,"imports":1,"balance":4},
                {"partner":"TOTAL","exports":6,"imports":4,"balance":2}]"#,
            "b.json",
        )
        .unwrap();
        let s = balance_section(&t[0], "b.json", "USD").unwrap();
        let Block::Chart(svg) = &s.blocks[0] else {
            panic!()
        };
        assert!(svg.find("data-label=\"ZAF\"").unwrap() < svg.find("data-label=\"AFG\"").unwrap());
        assert!(!svg.contains("data-label=\"TOTAL\""));
    }

    #[test]
    fn missing_columns_are_named() {
        let t = tables_from_json(r#"[{"partner":"AFG","exports":1}]"#, "b.json").unwrap();
        let err = balance_section(&t[0], "b.json", "USD")
            .unwrap_err()
            .to_string();
        assert!(err.contains("b.json") && err.contains("balance") && err.contains("exports"));
        let t = tables_from_json(r#"[{"country":"AFG","exports":1}]"#, "g.json").unwrap();
        let err = ge_section(&t, "g.json").unwrap_err().to_string();
        assert!(err.contains("real-GDP"), "{err}");
    }

    #[test]
    fn composition_over_years_is_stacked() {
        let t = tables_from_json(
            r#"[{"year":2019,"enduse":"consumption","value":1},
                {"year":2019,"enduse":"capital","value":2},
                {"year":2020,"enduse":"consumption","value":3}]"#,
            "c.json",
        )
        .unwrap();
        let s = composition_section(&t[0], "c.json", "USD", None).unwrap();
        let Block::Chart(svg) = &s.blocks[0] else {
            panic!()
        };
        assert!(svg.contains("data-chart=\"stacked\""));
        // Per-year tables stacked: the same chart.
        let y19 = tables_from_json(
            r#"[{"end_use":"capital","description":"Capital goods","value":2}]"#,
            "a",
        )
        .unwrap();
        let y20 = tables_from_json(r#"[{"end_use":"capital","description":"Capital goods","value":3},{"end_use":"total","value":3}]"#, "b").unwrap();
        let t = stack_years(vec![
            ("2019".into(), y19[0].clone()),
            ("2020".into(), y20[0].clone()),
        ]);
        assert_eq!(t.columns[0], "year");
        assert_eq!(t.rows.len(), 3);
        let s = composition_section(&t, "c", "USD", Some("exports")).unwrap();
        let Block::Chart(svg) = &s.blocks[0] else {
            panic!()
        };
        assert!(svg.contains("data-chart=\"stacked\"") && svg.contains("Capital goods"));
        assert!(svg.contains("Exports by end use, 2019 to 2020"));
    }

    #[test]
    fn scenario_picks_the_partner_table_and_keeps_the_text() {
        let lines = tables_from_json(
            r#"[{"partner":"AFG","product":"01","trade_creation":1,"trade_diversion":2}]"#,
            "x",
        )
        .unwrap();
        let partner = tables_from_json(r#"[{"partner":"AFG","trade_creation":1,"trade_diversion":2},{"partner":"ZAF","trade_creation":0,"trade_diversion":-2}]"#, "x").unwrap();
        let s = scenario_section(
            &[
                (lines[0].clone(), "lines.json".into()),
                (partner[0].clone(), "by_partner.json".into()),
            ],
            Some("name = \"<LDC>\""),
            "USD",
        )
        .unwrap();
        let Block::Chart(svg) = &s.blocks[0] else {
            panic!()
        };
        assert!(svg.contains("data-chart=\"grouped\"") && svg.contains("data-label=\"ZAF\""));
        assert!(matches!(s.blocks.last(), Some(Block::Pre(t)) if t.contains("<LDC>")));
    }
}
