//! `balanza estimate` (being built).

/// Arguments of `balanza estimate`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `balanza estimate`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`balanza estimate` is not built yet")
}
