//! `balanza top`: a reporter's largest partners or products, with growth.

use crate::cmd::common::{app, emit, word, OutputArgs, QueryArgs};
use balanza_app::query::Breakdown;
use balanza_app::{top, Context};
use balanza_data::Flow;

/// Arguments of `balanza top`.
#[derive(clap::Args, Debug)]
#[command(
    after_long_help = "A reporter's largest partners or products in the last selected year, \
with their value in the first and last year, growth (last/first - 1) and compound annual growth.

Examples:
  balanza top --data flows.parquet --reporter CHN --flow imports --by partner --n 20
  balanza top --data flows.parquet --reporter ZAF --flow exports --by product --years 2015-2020"
)]
pub struct Args {
    #[command(flatten)]
    pub query: QueryArgs,
    /// imports or exports (default imports, as for every command with --flow).
    #[arg(long, default_value = "imports", value_name = "FLOW", value_parser = word::<Flow>())]
    pub flow: Flow,
    /// partner or product.
    #[arg(long, default_value = "partner", value_name = "BY", value_parser = word::<Breakdown>())]
    pub by: Breakdown,
    /// How many items.
    #[arg(long, default_value_t = 20)]
    pub n: usize,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `balanza top`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let req = top::Request {
        selection: args.query.selection(),
        flow: args.flow,
        by: args.by,
        n: args.n,
    };
    let out = app(top::run(&Context::new(), &req))?;
    emit(&out.tables(), &args.output)
}
