//! `balanza ge` (being built).

/// Arguments of `balanza ge`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `balanza ge`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`balanza ge` is not built yet")
}
