//! # balanza-app
//!
//! The application layer: every analysis balanza offers, callable in process. Each module is
//! one analysis (balance, composition, top, estimate, simulate, ge, jobs, report, demo) with
//!
//! * a typed **request**: plain data, `serde::Deserialize` with unknown fields refused, no I/O
//!   in its construction;
//! * `run(&Context, &Request) -> Result<Output, AppError>`;
//! * an **output** that lays itself out as [`Table`]s (`Output::tables()`), from which the
//!   command line's text, CSV and JSON, the HTML report and the dashboard are all rendered.
//!
//! The command line (`src/`), the dashboard (`balanza serve`) and the Python package are thin
//! front ends over these functions, so they compute the same numbers by construction.
//!
//! It owns the shaping of results (which tables, which columns, which notes) and the choice of
//! which library call answers which question. It must not parse command-line flags, speak HTTP,
//! print to a terminal or exit the process; numerical kernels belong in the library crates
//! below it (`balanza-data`, `-stats`, `-gravity`, `-pe`, `-ge`, `-leontief`, `-report`).

#![warn(missing_docs)]

pub mod analysis;
pub mod balance;
pub mod composition;
pub mod context;
pub mod demo;
pub mod error;
pub mod estimate;
pub mod ge;
pub mod jobs;
pub mod query;
pub mod report;
pub mod simulate;
pub mod top;

pub use analysis::Analysis;
pub use balanza_report::{Cell, OutputFormat, Table};
pub use context::Context;
pub use error::{AppError, Fault};

/// Tables as the command line prints them in `format`: in JSON one table is its array of row
/// objects and several are an array of those arrays, in order; text and CSV renderings are
/// separated by a blank line.
pub fn render(tables: &[Table], format: OutputFormat) -> anyhow::Result<String> {
    Ok(match format {
        OutputFormat::Json if tables.len() == 1 => tables[0].render(OutputFormat::Json),
        OutputFormat::Json => {
            let all: Vec<_> = tables.iter().map(Table::to_json).collect();
            let mut s = serde_json::to_string_pretty(&all)?;
            s.push('\n');
            s
        }
        fmt => tables
            .iter()
            .map(|t| t.render(fmt))
            .collect::<Vec<_>>()
            .join("\n"),
    })
}
