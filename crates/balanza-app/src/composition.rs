//! Value and share of a reporter's imports or exports by class: SNA end use, HS chapter,
//! heading or section, partner or product.

use crate::error::AppResult;
use crate::query::{end_use_notes, grouping, Breakdown, Query, Selection};
use crate::Context;
use balanza_data::Flow;
use balanza_report::{Cell, Table};
use serde::{Deserialize, Serialize};

/// A composition question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Request {
    /// The data, reporter and years.
    pub selection: Selection,
    /// Imports (default) or exports.
    pub flow: Flow,
    /// The classes (default: end use).
    pub by: Breakdown,
}

impl Default for Request {
    fn default() -> Self {
        Self {
            selection: Selection::default(),
            flow: Flow::Imports,
            by: Breakdown::EndUse,
        }
    }
}

/// The composition table.
#[derive(Debug, Clone)]
pub struct Output {
    /// One row per class with value and share, then a total row.
    pub table: Table,
}

impl Output {
    /// The result as tables.
    pub fn tables(&self) -> Vec<Table> {
        vec![self.table.clone()]
    }
}

/// Answers a composition question.
pub fn run(ctx: &Context, req: &Request) -> AppResult<Output> {
    let q = Query::load(ctx, &req.selection)?;
    Ok(Output {
        table: table(ctx, &q, req.flow, req.by)?,
    })
}

/// The composition table of a loaded query.
pub fn table(ctx: &Context, q: &Query, flow: Flow, by: Breakdown) -> anyhow::Result<Table> {
    let map = if by == Breakdown::EndUse {
        Some(q.end_use_map(ctx)?)
    } else {
        None
    };
    let g = balanza_stats::group(&q.data.table, &q.flows, grouping(by, map.as_deref())?);
    let (rows, total) = balanza_stats::composition(&g, flow);
    let describe = q.describer(ctx, by)?;
    let what = match flow {
        Flow::Exports => "Composition of exports",
        Flow::Imports => "Composition of imports",
    };
    let mut t =
        Table::new([by.column(), "description", "value", "share"]).with_title(q.title(what));
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
    q.label_note(&mut t);
    Ok(t)
}
