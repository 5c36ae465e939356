//! The one error type of the application layer, and whose fault it is.

use std::fmt;

/// Who is at fault when a request fails: the front ends answer differently (the dashboard
/// sends 400 for [`Fault::Input`] and 500 for [`Fault::Program`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The request or its input is wrong: a malformed file, an unknown reporter, an option
    /// out of range, a model that does not converge on these data. The message says what and
    /// where.
    Input,
    /// The program or the system failed: a file that cannot be read or written, a result that
    /// is not finite where it must be. Not the user's fault.
    Program,
}

/// A failed request: the message (with its chain of causes) and whose fault it is.
#[derive(Debug)]
pub struct AppError {
    fault: Fault,
    error: anyhow::Error,
}

impl AppError {
    /// An error caused by the request or its input.
    pub fn input(message: impl fmt::Display) -> Self {
        Self {
            fault: Fault::Input,
            error: anyhow::anyhow!("{message}"),
        }
    }

    /// An error of the program or the system.
    pub fn program(message: impl fmt::Display) -> Self {
        Self {
            fault: Fault::Program,
            error: anyhow::anyhow!("{message}"),
        }
    }

    /// Whose fault it is.
    pub fn fault(&self) -> Fault {
        self.fault
    }

    /// The underlying error with its causes.
    pub fn into_inner(self) -> anyhow::Error {
        self.error
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for AppError {}

/// Errors from the library crates: an I/O failure anywhere in the chain is the program's or
/// the system's fault, everything else (malformed files, bad options, unknown codes) the
/// input's.
impl From<anyhow::Error> for AppError {
    fn from(error: anyhow::Error) -> Self {
        let io = error.chain().any(|c| {
            c.is::<std::io::Error>()
                || matches!(
                    c.downcast_ref::<balanza_data::DataError>(),
                    Some(balanza_data::DataError::Io { .. })
                )
                || matches!(
                    c.downcast_ref::<balanza_pe::PeError>(),
                    Some(balanza_pe::PeError::Io { .. })
                )
                || matches!(
                    c.downcast_ref::<balanza_ge::GeError>(),
                    Some(balanza_ge::GeError::Io { .. })
                )
        });
        Self {
            fault: if io { Fault::Program } else { Fault::Input },
            error,
        }
    }
}

/// `Result` with [`AppError`].
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_failures_are_the_programs_fault() {
        let e: AppError = anyhow::Error::from(std::io::Error::other("disk full")).into();
        assert_eq!(e.fault(), Fault::Program);
        let e: AppError = anyhow::anyhow!("unknown reporter").into();
        assert_eq!(e.fault(), Fault::Input);
        let e: AppError = anyhow::Error::from(balanza_data::DataError::Io {
            path: "x.csv".into(),
            cause: std::io::Error::other("gone"),
        })
        .context("reading")
        .into();
        assert_eq!(e.fault(), Fault::Program);
        assert_eq!(e.to_string(), "reading: x.csv: gone");
        let e: AppError = anyhow::Error::from(balanza_ge::GeError::Io {
            path: "w.csv".into(),
            message: "gone".into(),
        })
        .into();
        assert_eq!(e.fault(), Fault::Program);
        let e: AppError = anyhow::Error::from(balanza_ge::GeError::Input("no pair".into())).into();
        assert_eq!(e.fault(), Fault::Input);
    }
}
