//! `balanza balance` (being built).

/// Arguments of `balanza balance`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `balanza balance`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`balanza balance` is not built yet")
}
