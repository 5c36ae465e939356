//! `balanza composition`: value and share of a reporter's imports or exports by class.

use crate::cmd::balance::{
    describer, end_use_map, end_use_notes, grouping, load_query, Query, QueryArgs,
};
use crate::cmd::common::{emit, OutputArgs};
use balanza_data::Flow;
use balanza_report::{Cell, Table};

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
    /// imports or exports.
    #[arg(long, default_value = "imports", value_name = "FLOW")]
    pub flow: String,
    /// Classes: enduse, hs2, hs4, section, partner or product.
    #[arg(long, default_value = "enduse", value_name = "BY")]
    pub by: String,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The composition table (also used by the demo).
pub fn composition_table(
    q: &Query,
    args: &QueryArgs,
    flow: &str,
    by: &str,
) -> anyhow::Result<Table> {
    let flow: Flow = flow.parse().map_err(anyhow::Error::msg)?;
    let by = by.to_ascii_lowercase();
    let is_end_use = matches!(by.as_str(), "enduse" | "end_use" | "end-use");
    let map = if is_end_use {
        Some(end_use_map(q, args)?)
    } else {
        None
    };
    let g = balanza_stats::group(&q.table, &q.flows, grouping(&by, map.as_ref())?);
    let (rows, total) = balanza_stats::composition(&g, flow);
    let key_col = if is_end_use {
        "end_use".to_string()
    } else {
        by.clone()
    };
    let describe = describer(q, args, if is_end_use { "enduse" } else { &by })?;
    let what = match flow {
        Flow::Exports => "Composition of exports",
        Flow::Imports => "Composition of imports",
    };
    let mut t =
        Table::new([key_col.as_str(), "description", "value", "share"]).with_title(q.title(what));
    for r in &rows {
        t.push(vec![
            Cell::from(r.key.as_str()),
            Cell::from(describe(&r.key)),
            Cell::from(r.value),
            Cell::from(r.share),
        ]);
    }
    t.push(vec![
        Cell::from("total"),
        Cell::from(""),
        Cell::from(total),
        Cell::from(if total != 0.0 { 1.0 } else { 0.0 }),
    ]);
    t.note(q.flows.source_note.clone());
    if let Some(m) = &map {
        end_use_notes(&mut t, &g, m);
    }
    if let Some(l) = &q.label {
        t.note(format!(
            "[{l}] these figures describe a generated world, not real trade"
        ));
    }
    Ok(t)
}

/// Runs `balanza composition`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let q = load_query(&args.query)?;
    let t = composition_table(&q, &args.query, &args.flow, &args.by)?;
    emit(&[t], &args.output)
}
