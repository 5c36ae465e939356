//! `balanza demo` (being built).

/// Arguments of `balanza demo`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `balanza demo`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`balanza demo` is not built yet")
}
