//! # balanza-gravity
//!
//! Structural gravity estimation. It owns the formula language (fixest's
//! `y ~ x1 + log(x2) | fe1^fe2 + fe3`), the sample filter language, the design built from named
//! columns, the demeaning kernels for high-dimensional fixed effects, the GLM fits (Poisson
//! pseudo-maximum likelihood and OLS), the variance estimators (iid, heteroskedasticity-robust,
//! one- and two-way clustered), and the handling of singletons, separation and collinearity.
//!
//! It must not do I/O beyond taking columns: callers read files and hand it named columns.
