//! # balanza-data
//!
//! The data layer of balanza. It owns the canonical trade-flow table (year, exporter, importer,
//! product, value, quantity), the readers for the formats analysts download (BACI, UN
//! Comtrade/WITS, plain CSV and Parquet, gzip-compressed or not), the Parquet dataset that later
//! commands read, the country table and country groups (the UN LDC list with graduation dates,
//! M49 regions, set expressions), and the product classifications and concordances (HS, BEC,
//! end use). Countries, products and years become dense integer ids once, at load.
//!
//! It must not know about models: no statistics, estimation or simulation lives here.

pub mod classification;
pub mod columns;
pub mod countries;
pub mod error;
pub mod frame;
pub mod groups;
pub mod parquet_io;
pub mod rates;
pub mod read;
pub mod synth;
pub mod table;
pub mod testdata;
pub mod validate;
pub mod words;

pub use columns::{column_names, read_columns};
pub use error::DataError;
pub use frame::{Column, Frame, FrameError};
pub use parquet_io::{ingest, load};
pub use read::{CodeKind, ColumnMap, ReadOptions, ReadSummary, SourceFormat};
pub use table::{Declarant, Flow, ReportedTotal, TradeTable};
