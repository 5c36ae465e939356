//! `balanza composition`: value and share of a reporter's imports or exports by class.

use crate::cmd::common::{app, emit, word, OutputArgs, QueryArgs};
use balanza_app::query::Breakdown;
use balanza_app::{composition, Context};
use balanza_data::Flow;

/// Arguments of `balanza composition`.
#[derive(clap::Args, Debug)]
#[command(
    after_long_help = "Value and share of a reporter's imports or exports by class: SNA end use \
(capital, intermediate and consumption goods, through HS -> BEC Rev.4 -> end use), HS chapter,
HS heading, HS section, partner or product. Shares sum to 1; a total row closes the table.

End use needs the classification tables (--refdata DIR with hs<rev>_to_bec4.csv and
bec4_to_sna_end_use.csv). Where an HS code maps to several BEC codes its value is split equally
among them; the notes say how many products and how much value that affected.

Examples:
  balanza composition --data baci2020.parquet --reporter ZAF --flow exports --by enduse \\
      --refdata ../shared/data/classification
  balanza composition --data baci2020.parquet --reporter ZAF --flow imports --by section"
)]
pub struct Args {
    #[command(flatten)]
    pub query: QueryArgs,
    /// imports or exports (default imports, as for every command with --flow).
    #[arg(long, default_value = "imports", value_name = "FLOW", value_parser = word::<Flow>())]
    pub flow: Flow,
    /// Classes: enduse, hs2, hs4, section, partner or product.
    #[arg(long, default_value = "enduse", value_name = "BY", value_parser = word::<Breakdown>())]
    pub by: Breakdown,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `balanza composition`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let req = composition::Request {
        selection: args.query.selection(),
        flow: args.flow,
        by: args.by,
    };
    let out = app(composition::run(&Context::new(), &req))?;
    emit(&out.tables(), &args.output)
}
