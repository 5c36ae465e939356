//! # balanza-report
//!
//! The output layer: readable text tables, CSV and JSON rendering of result tables, atomic
//! file writes (temporary name, then rename), and self-contained HTML reports with charts.
//!
//! It must not compute results: it only lays out what other crates computed.

pub mod atomic;
pub mod chart;
pub mod html;
pub mod html_sections;
pub mod table;

pub use atomic::{write_atomic, write_atomic_with};
pub use table::{csv_field, Cell, OutputFormat, Table};
