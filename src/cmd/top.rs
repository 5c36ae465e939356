//! `balanza top` (being built).

/// Arguments of `balanza top`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `balanza top`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`balanza top` is not built yet")
}
