//! # balanza-pe
//!
//! Partial-equilibrium policy simulation. It owns the PE scenario file schema and its
//! validation, tariff tables and their precedence, and the one-market models (WITS/SMART and
//! the exact two-stage CES variant, docs/models.md §1).
//!
//! It must not solve general equilibrium (that is `balanza-ge`), estimate, or print or format
//! output; key checking and the issue type are shared with `balanza-ge` through
//! `balanza_data::validate`.

#![warn(missing_docs)]

// One line per area: market (SMART and CES kernels for one import market), scenario (the PE
// scenario schema and run), tariffs (tariff tables and precedence).
pub mod market;
pub mod scenario;
pub mod tariffs;

use std::path::PathBuf;

pub use balanza_data::validate::Issue;

/// Errors of the partial-equilibrium crate. Every variant names its input.
#[derive(Debug, thiserror::Error)]
pub enum PeError {
    /// A file could not be opened or read.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's message.
        message: String,
    },
    /// A data file is malformed at a position (1-based line and column).
    #[error("{}:{line}:{column}: {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: u64,
        /// 1-based column (field number for CSV).
        column: usize,
        /// What was expected.
        message: String,
    },
    /// The scenario file has problems; all of them are listed.
    #[error("{}: {} problem(s) in the scenario:\n{}", path.display(), issues.len(), issues.iter().map(|i| format!("  {}: {}", i.key, i.message)).collect::<Vec<_>>().join("\n"))]
    Scenario {
        /// The scenario file.
        path: PathBuf,
        /// Every problem found.
        issues: Vec<Issue>,
    },
    /// The data cannot support the requested simulation (e.g. no imports for the importer).
    #[error("{0}")]
    Data(String),
}
