//! One module per subcommand, plus the output options they share.

pub mod balance;
pub mod common;
pub mod composition;
pub mod demo;
pub mod estimate;
pub mod ge;
pub mod ingest;
pub mod jobs;
pub mod report;
pub mod serve;
pub mod simulate;
pub mod top;
