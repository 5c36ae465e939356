//! `balanza ingest` (being built).

/// Arguments of `balanza ingest`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `balanza ingest`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`balanza ingest` is not built yet")
}
