//! `balanza demo` (being built).

use std::path::PathBuf;

/// What every demo step receives: where the synthetic world lives and where to write.
///
/// Each area's command module exposes `pub fn demo_step(ctx: &DemoContext) -> anyhow::Result<()>`
/// which prints its part of the demo (labelled as synthetic) and may write files under `dir`.
#[derive(Debug, Clone)]
pub struct DemoContext {
    /// A folder for this demo run's files (datasets, scenario results, the report).
    pub dir: PathBuf,
    /// The synthetic trade-flow dataset (Parquet) written by the data step.
    pub dataset: PathBuf,
    /// The reporter the demo looks at (ISO3).
    pub reporter: String,
    /// The seed of the synthetic world; the same seed gives the same world.
    pub seed: u64,
}

/// Arguments of `balanza demo`.
#[derive(clap::Args, Debug)]
pub struct Args {}

/// Runs `balanza demo`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`balanza demo` is not built yet")
}
