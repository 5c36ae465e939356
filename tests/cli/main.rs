//! End-to-end tests of the `balanza` binary, compiled as one test binary.
//!
//! Each module covers one area of the command line and runs the real program on the real data
//! of `../shared/data` (see `balanza_data::testdata` for the one setting that locates it).

mod common;
mod data;
mod ge;
mod gravity;
mod jobs;
mod report;
mod sim;
