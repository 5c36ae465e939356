//! `balanza jobs` (being built).

/// Arguments of `balanza jobs`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `balanza jobs`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`balanza jobs` is not built yet")
}
