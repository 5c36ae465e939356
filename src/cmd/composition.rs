//! `balanza composition` (being built).

/// Arguments of `balanza composition`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `balanza composition`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`balanza composition` is not built yet")
}
