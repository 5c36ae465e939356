//! # balanza-sim
//!
//! Policy simulation. It owns the scenario file schema and its validation, the partial
//! equilibrium models (WITS/SMART and the exact two-stage CES variant) and the general
//! equilibrium structural gravity solvers (GEPPML and exact hat algebra).
//!
//! It must not estimate except through `balanza-gravity`, and must not print or format output.

#![warn(missing_docs)]

// One line per area: ge (general equilibrium), pe (SMART and CES kernels), scenario (the PE
// scenario schema and run), tariffs (tariff tables and precedence).
pub mod ge;
pub mod pe;
pub mod scenario;
pub mod tariffs;

use std::path::PathBuf;

/// One problem found while validating a scenario: the key path and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Dotted key path, e.g. `measures[2].partners`.
    pub key: String,
    /// What is wrong and, where possible, what was meant.
    pub message: String,
}

/// Errors of the simulation crate. Every variant names its input.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
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
