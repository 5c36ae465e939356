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

pub mod balance;
pub mod composition;
pub mod context;
pub mod error;
pub mod estimate;
pub mod ge;
pub mod jobs;
pub mod query;
pub mod simulate;
pub mod top;

pub use balanza_report::{Cell, OutputFormat, Table};
pub use context::Context;
pub use error::{AppError, Fault};
