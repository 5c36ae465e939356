//! `balanza serve` (being built).

/// Arguments of `balanza serve`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `balanza serve`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`balanza serve` is not built yet")
}
