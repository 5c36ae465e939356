//! # balanza-leontief
//!
//! Input-output analysis: technical coefficients, the Leontief inverse, output, value-added and
//! employment multipliers, and the jobs and value added embodied in exports and imports for
//! single-country and multi-regional tables (pymrio's D_cba, D_pba, D_exp, D_imp accounts).
//!
//! It must not know trade file formats: it reads input-output tables and returns matrices.
//! (The one bridge to trade data, [`concord`], takes a generic CSV of changes by product code
//! and concordance files; it knows nothing of BACI, Comtrade or scenario files.)
//!
//! The folder layout it reads is documented in `docs/io-layout.md`.

#![warn(missing_docs)]

pub mod analysis;
pub mod calc;
pub mod concord;
pub mod error;
pub mod read;
pub mod system;

pub use analysis::{Accounts, Analysis, Content, ExportContent};
pub use error::{IoError, Result};
pub use system::{IoSystem, Kind, LoadOptions, Satellite};

/// Re-exported so callers can hold matrices without naming faer themselves.
pub use faer::Mat;
