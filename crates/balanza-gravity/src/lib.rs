//! # balanza-gravity
//!
//! Structural gravity estimation. It owns the formula language (fixest's
//! `y ~ x1 + log(x2) + i(year, x, ref = 2006) | fe1^fe2 + fe3`), the sample filter language,
//! the design built from named columns, the demeaning kernels for high-dimensional fixed
//! effects, the fits (Poisson pseudo-maximum likelihood, OLS, negative binomial), the variance estimators (iid, heteroskedasticity-robust,
//! one- and two-way clustered), and the handling of singletons, separation and collinearity.
//!
//! It must not do I/O beyond taking columns: callers read files and hand it named columns.
//!
//! Entry points: [`fit_poisson`], [`fit_ols`] and [`fit_negbin`] on columns ([`ModelInput`]),
//! or [`estimate`] on a [`Frame`] with a [`Formula`]; then [`Fit::vcov`]. See `notes/gravity_api.md` in the workspace for a usage note.

#![warn(missing_docs)]

mod demean;
mod design;
mod error;
mod expr;
mod fe;
mod fit;
mod formula;
mod frame;
mod linalg;
mod negbin;
mod separation;
mod vcov;

pub use design::{estimate, filter_rows, group_ids, group_labels, Estimation, Estimator};
pub use error::GravityError;
pub use fe::Dropped;
pub use fit::{
    fit_ols, fit_poisson, Family, FeEstimate, Fit, FitOptions, FixedEffect, ModelInput, Regressor,
};
pub use formula::{Filter, Formula};
pub use frame::{Column, Frame, FrameError};
pub use negbin::fit_negbin;
pub use vcov::{Ssc, Vcov, VcovKind};
