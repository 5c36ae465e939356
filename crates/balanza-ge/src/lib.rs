//! # balanza-ge
//!
//! General-equilibrium counterfactuals with structural gravity (docs/models.md §2).
//!
//! Three stages, as in Yotov, Piermartini, Monteiro & Larch (2016), *An Advanced Guide to
//! Trade Policy Analysis* (the Guide), ch. 2, and Anderson, Larch & Yotov (2018):
//!
//! 1. **Baseline.** Bilateral cost terms `T_ij = t_ij^(1-σ) = exp(β·z_ij)` from a gravity fit
//!    (the coefficients come from `balanza-gravity`), exporter and importer
//!    effects recovered from the Poisson first-order conditions ([`mr`]), multilateral
//!    resistances normalised on a reference importer, fitted baseline flows.
//! 2. **Conditional GE.** New costs `T^CFL`, outputs and expenditures held fixed: the
//!    resistances are solved again.
//! 3. **Full endowment GE.** Factory-gate prices adjust until every country's output market
//!    clears, with expenditure tied to output by a trade-balance closure ([`Closure`]).
//!    Two solvers: the Guide's GEPPML iteration ([`geppml`], reproduced step by step but run to
//!    a tight criterion) and exact hat algebra ([`hat`], Dekle–Eaton–Kortum).
//!
//! Everything here takes in-memory quantities (a square flow matrix with domestic flows,
//! cost matrices); reading files and printing belong to the caller. The module never returns
//! a negative price: all unknowns are either ratios of positive sums or exponentials of logs.
//!
//! It must not print or format output, and must not estimate except through
//! `balanza-gravity`; partial-equilibrium scenarios are `balanza-pe`'s.

#![warn(missing_docs)]
// Matrix code indexes rows and columns of several arrays at once; index loops read clearer
// than zipped iterators there.
#![allow(clippy::needless_range_loop)]

pub mod data;
pub mod estimate;
pub mod geppml;
pub mod hat;
pub mod model;
pub mod mr;
pub mod run;
pub mod spec;
pub mod synthetic;

pub use model::{
    Closure, CountryRow, Diagnostic, GeOptions, GeSolution, Method, Stage, StopRule, World,
};

/// Everything that can go wrong in a GE run, with what the user should do about it.
#[derive(Debug, thiserror::Error)]
pub enum GeError {
    /// A file could not be read: the system's fault, not the scenario's.
    #[error("cannot read {}: {message}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The system's message.
        message: String,
    },
    /// The input violates what the model needs (missing domestic flows, a missing pair, ...).
    #[error("{0}")]
    Input(String),
    /// A solver did not reach its tolerance; the history shows how the residual evolved.
    #[error("{what} did not converge after {iterations} iterations; residual history (iteration: residual): {}", fmt_history(.history))]
    NotConverged {
        /// Which solver.
        what: String,
        /// Iterations run.
        iterations: usize,
        /// (iteration, residual) pairs: the first few and the last ten.
        history: Vec<(usize, f64)>,
    },
}

fn fmt_history(h: &[(usize, f64)]) -> String {
    h.iter()
        .map(|(k, r)| format!("{k}: {r:.3e}"))
        .collect::<Vec<_>>()
        .join(", ")
}
#[cfg(test)]
mod guide_tests;
