//! `balanza simulate` (being built).

/// Arguments of `balanza simulate`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `balanza simulate`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`balanza simulate` is not built yet")
}
