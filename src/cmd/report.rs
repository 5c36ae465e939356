//! `balanza report` (being built).

/// Arguments of `balanza report`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `balanza report`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`balanza report` is not built yet")
}
