//! The data layer's error type: every message names the file and, for row errors, the line,
//! the column and what was expected.

use std::path::PathBuf;

/// What went wrong while reading or writing trade data.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened, read or written.
    #[error("{}: {cause}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error (in the message; not chained, so it is printed once).
        cause: std::io::Error,
    },
    /// One row is malformed.
    #[error("{}:{line}: column {column} (`{name}`): expected {expected}, found `{found}`", path.display())]
    Row {
        /// The file.
        path: PathBuf,
        /// 1-based line number (the header is line 1).
        line: u64,
        /// 1-based column number.
        column: usize,
        /// Column name from the header.
        name: String,
        /// What the column should hold.
        expected: String,
        /// What it held (shortened).
        found: String,
    },
    /// The file as a whole is not what was expected (missing columns, unknown layout).
    #[error("{}: {message}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Parquet encoding or decoding failed.
    #[error("{}: Parquet: {message}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The Parquet library's message.
        message: String,
    },
}

impl DataError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        DataError::Io {
            path: path.into(),
            cause,
        }
    }

    /// A whole-file format error on `path`.
    pub fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        DataError::Format {
            path: path.into(),
            message: message.into(),
        }
    }

    /// True for a single malformed row (which `--skip-bad-rows` may skip).
    pub fn is_row_error(&self) -> bool {
        matches!(self, DataError::Row { .. })
    }
}
