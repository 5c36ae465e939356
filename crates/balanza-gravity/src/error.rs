//! Errors of the gravity crate: every one says what was wrong and, where it applies, where.

use thiserror::Error;

/// Everything that can go wrong when building or fitting a gravity model.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum GravityError {
    /// A formula or filter that cannot be parsed; `pos` is the 0-based character offset.
    #[error("{what} at character {col}:\n  {text}\n  {caret}^ {msg}", col = *pos + 1, caret = " ".repeat(*pos))]
    Parse {
        /// "formula" or "filter".
        what: &'static str,
        /// The text that was being parsed.
        text: String,
        /// 0-based character position of the problem (shown 1-based).
        pos: usize,
        /// What was expected.
        msg: String,
    },
    /// A column named in a formula, filter or cluster option does not exist.
    #[error("unknown column `{name}`; available columns: {available}")]
    UnknownColumn {
        /// The missing name.
        name: String,
        /// Comma-separated list of the columns that exist.
        available: String,
    },
    /// An option value that cannot be used (e.g. a `--vcov` spec); the message says why.
    #[error("{0}")]
    Option(String),
    /// Inputs of inconsistent lengths or kinds (a programming error of the caller).
    #[error("invalid input: {0}")]
    Input(String),
    /// Poisson needs a non-negative, finite dependent variable.
    #[error("the dependent variable must be finite and non-negative for PPML: {count} rows are not (first: row {first_row}, value {value})")]
    BadDependent {
        /// Number of offending rows.
        count: usize,
        /// 1-based row number (data rows, header excluded) of the first one.
        first_row: usize,
        /// Its value.
        value: f64,
    },
    /// Nothing left to estimate on.
    #[error("empty estimation sample: {0}")]
    EmptySample(String),
    /// Every regressor was collinear or the design is degenerate.
    #[error("cannot estimate: {0}")]
    Degenerate(String),
}

/// A frame that does not fit (a column of the wrong length, an unknown column name) as the
/// gravity error with the same message.
impl From<balanza_data::frame::FrameError> for GravityError {
    fn from(e: balanza_data::frame::FrameError) -> Self {
        use balanza_data::frame::FrameError;
        match e {
            FrameError::UnknownColumn { name, available } => {
                GravityError::UnknownColumn { name, available }
            }
            e @ FrameError::Length { .. } => GravityError::Input(e.to_string()),
        }
    }
}
