//! # balanza-sim
//!
//! Policy simulation. It owns the scenario file schema and its validation, the partial
//! equilibrium models (WITS/SMART and the exact two-stage CES variant) and the general
//! equilibrium structural gravity solvers (GEPPML and exact hat algebra).
//!
//! It must not estimate except through `balanza-gravity`, and must not print or format output.

#![warn(missing_docs)]

// One line per area; the general-equilibrium solvers join as `pub mod ge;`.
pub mod pe;
