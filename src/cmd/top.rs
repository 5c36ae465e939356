//! `balanza top`: a reporter's largest partners or products, with growth.

use crate::cmd::balance::{describer, load_query, Query, QueryArgs};
use crate::cmd::common::{emit, OutputArgs};
use balanza_data::Flow;
use balanza_report::{Cell, Table};

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
    /// imports or exports.
    #[arg(long, default_value = "exports", value_name = "FLOW")]
    pub flow: String,
    /// partner or product.
    #[arg(long, default_value = "partner", value_name = "BY")]
    pub by: String,
    /// How many items.
    #[arg(long, default_value_t = 20)]
    pub n: usize,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The top table (also used by the demo).
pub fn top_table(
    q: &Query,
    args: &QueryArgs,
    flow: &str,
    by: &str,
    n: usize,
) -> anyhow::Result<Table> {
    let flow: Flow = flow.parse().map_err(anyhow::Error::msg)?;
    let by = by.to_ascii_lowercase();
    let by_partner = match by.as_str() {
        "partner" => true,
        "product" => false,
        o => anyhow::bail!("unknown --by `{o}`: expected partner or product"),
    };
    let (items, first, last) = balanza_stats::top(&q.table, &q.flows, flow, by_partner, n);
    let describe = describer(q, args, &by)?;
    let what = match flow {
        Flow::Exports => format!("Top {n} export {by}s"),
        Flow::Imports => format!("Top {n} import {by}s"),
    };
    // One year in the selection: growth is undefined, so the table shows that year's value
    // and share and says how to get growth, instead of repeating the value under two names.
    let one_year = first == last;
    let columns: &[&str] = if one_year {
        &["rank", by.as_str(), "description", "value", "share"]
    } else {
        &[
            "rank",
            by.as_str(),
            "description",
            "value_first",
            "value_last",
            "share_last",
            "growth",
            "cagr",
        ]
    };
    let mut t = Table::new(columns.iter().copied()).with_title(q.title(&what));
    for (i, it) in items.iter().enumerate() {
        let mut row = vec![
            Cell::from(i + 1),
            Cell::from(it.key.as_str()),
            Cell::from(describe(&it.key)),
        ];
        if one_year {
            row.extend([Cell::from(it.last), Cell::from(it.share_last)]);
        } else {
            row.extend([
                Cell::from(it.first),
                Cell::from(it.last),
                Cell::from(it.share_last),
                Cell::from(it.growth),
                Cell::from(it.cagr),
            ]);
        }
        t.push(row);
    }
    if one_year {
        t.note(format!(
            "only {last} in the selection: growth needs two years (data with more years, or a wider --years)"
        ));
    } else {
        t.note(format!(
            "value_first = {first}, value_last = {last}; growth = value_last / value_first - 1; cagr over {} years",
            last - first
        ));
    }
    t.note(q.flows.source_note.clone());
    if let Some(l) = &q.label {
        t.note(format!(
            "[{l}] these figures describe a generated world, not real trade"
        ));
    }
    Ok(t)
}

/// Runs `balanza top`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let q = load_query(&args.query)?;
    let t = top_table(&q, &args.query, &args.flow, &args.by, args.n)?;
    emit(&[t], &args.output)
}
