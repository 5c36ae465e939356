//! Exports, imports and trade balance of a reporter, by partner, product, HS chapter or
//! heading, HS section, end use or year, with a total row.

use crate::error::AppResult;
use crate::query::{end_use_notes, grouping, Breakdown, Query, Selection};
use crate::Context;
use balanza_report::{Cell, Table};
use balanza_stats::Source;
use serde::{Deserialize, Serialize};

/// A balance question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Request {
    /// The data, reporter and years.
    pub selection: Selection,
    /// The grouping (default: partner).
    pub by: Breakdown,
}

/// The balance table.
#[derive(Debug, Clone)]
pub struct Output {
    /// One row per group, then a total row (except `by = total`).
    pub table: Table,
}

impl Output {
    /// The result as tables.
    pub fn tables(&self) -> Vec<Table> {
        vec![self.table.clone()]
    }
}

/// Answers a balance question.
pub fn run(ctx: &Context, req: &Request) -> AppResult<Output> {
    let q = Query::load(ctx, &req.selection)?;
    Ok(Output {
        table: table(ctx, &q, req.by)?,
    })
}

/// The balance table of a loaded query (the demo shows several groupings of one load).
pub fn table(ctx: &Context, q: &Query, by: Breakdown) -> anyhow::Result<Table> {
    let map = if by == Breakdown::EndUse {
        Some(q.end_use_map(ctx)?)
    } else {
        None
    };
    let g = balanza_stats::group(&q.data.table, &q.flows, grouping(by, map.as_deref())?);
    let describe = q.describer(ctx, by)?;
    let mut t = Table::new([by.column(), "description", "exports", "imports", "balance"])
        .with_title(q.title("Trade balance"));
    for r in &g.rows {
        t.push(vec![
            Cell::from(r.key.as_str()),
            Cell::from(describe(&r.key)),
            Cell::from(r.exports),
            Cell::from(r.imports),
            Cell::from(r.balance()),
        ]);
    }
    if by != Breakdown::Total {
        t.push(vec![
            Cell::from("total"),
            Cell::from(""),
            Cell::from(g.total.exports),
            Cell::from(g.total.imports),
            Cell::from(g.total.balance()),
        ]);
    }
    t.note(q.flows.source_note.clone());
    if let Some(note) = reported_totals_note(q) {
        t.note(note);
    }
    if let Some(m) = &map {
        end_use_notes(&mut t, &g, m);
    }
    q.label_note(&mut t);
    Ok(t)
}

/// When the data also has the reporter's reported totals with the world and they were not the
/// source, a note with them, for comparison with the partner sums (USD only).
fn reported_totals_note(q: &Query) -> Option<String> {
    if q.selection.source == Source::Totals || q.flows.currency != "USD" {
        return None;
    }
    let table = &q.data.table;
    let r = table.country_id(&q.reporter)?;
    let years: std::collections::HashSet<i32> = q.flows.cells.iter().map(|c| c.year).collect();
    let (mut x, mut m, mut any) = (0.0, 0.0, false);
    for t in &table.reported_totals {
        if t.reporter == r && years.contains(&t.year) {
            any = true;
            match t.flow {
                balanza_data::Flow::Exports => x += t.value,
                balanza_data::Flow::Imports => m += t.value,
            }
        }
    }
    any.then(|| {
        format!(
            "{}'s reported totals with the world (partner WLD) in the same years: exports {x:.0}, imports {m:.0} USD (--source totals uses them)",
            q.reporter
        )
    })
}
