//! Errors of the input-output layer.
//!
//! Every error names what a user can act on: the file, line and column of a bad cell, the
//! industry whose output is negative, the dimension that does not match. Numerical failure of
//! the Leontief inverse is an error too, never a matrix of NaN.

use std::path::PathBuf;

/// Why an input-output table could not be read or analysed.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// A CSV cell or row is not what the layout expects.
    #[error("{path}:{line}: column {column}: {message}")]
    Cell {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// The column, by header name (or 1-based position when there is no header).
        column: String,
        /// What was found and what was expected.
        message: String,
    },
    /// A whole file does not fit the layout (wrong shape, missing header, duplicate labels).
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong and what was expected.
        message: String,
    },
    /// The folder does not hold the files of a table (see docs/io-layout.md).
    #[error("{dir}: {message}")]
    Layout {
        /// The folder.
        dir: PathBuf,
        /// What is missing or ambiguous.
        message: String,
    },
    /// Dimensions or labels of two parts of the table disagree.
    #[error("{0}")]
    Mismatch(String),
    /// A value is economically impossible (negative output, inputs without output).
    #[error("{0}")]
    Invalid(String),
    /// `I - A` cannot be inverted.
    #[error("{0}")]
    Singular(String),
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, IoError>;
