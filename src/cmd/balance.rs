//! `balanza balance`: exports, imports and trade balance of a reporter.

use crate::cmd::common::{app, emit, word, OutputArgs, QueryArgs};
use balanza_app::query::Breakdown;
use balanza_app::{balance, Context};

/// Arguments of `balanza balance`.
#[derive(clap::Args, Debug)]
#[command(
    after_long_help = "Exports, imports and trade balance (exports - imports) of a reporter, by \
partner, product, HS chapter or heading, HS section, end use or year, with a total row.

Values are in US dollars unless --currency/--rates convert them (each year at its own rate).
With customs data (Comtrade/WITS) --source chooses the reporter's own declarations (default),
partners' mirror declarations, or the reported totals with the world.

Examples:
  balanza balance --data baci2020.parquet --reporter ZAF --by partner
  balanza balance --data wits2009.parquet --reporter CHN --source totals
  balanza balance --data baci2020.parquet --reporter ZAF --by enduse \\
      --refdata ../shared/data/classification
  balanza balance --data flows.parquet --reporter CHN --years 2015-2020 --by year \\
      --currency CNY --rates rates.csv"
)]
pub struct Args {
    #[command(flatten)]
    pub query: QueryArgs,
    /// Group by: partner, product, hs2, hs4, section, enduse, year or total.
    #[arg(long, default_value = "partner", value_name = "BY", value_parser = word::<Breakdown>())]
    pub by: Breakdown,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `balanza balance`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let req = balance::Request {
        selection: args.query.selection(),
        by: args.by,
    };
    let out = app(balance::run(&Context::new(), &req))?;
    emit(&out.tables(), &args.output)
}
