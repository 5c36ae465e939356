//! A reporter's largest partners or products in the last selected year, with their growth
//! between the first and the last year.

use crate::error::AppResult;
use crate::query::{Breakdown, Query, Selection};
use crate::{AppError, Context};
use balanza_data::Flow;
use balanza_report::{Cell, Table};
use serde::{Deserialize, Serialize};

/// A top-items question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Request {
    /// The data, reporter and years.
    pub selection: Selection,
    /// Imports (default, as in every analysis with a flow) or exports.
    pub flow: Flow,
    /// Partner (default) or product.
    pub by: Breakdown,
    /// How many items (default 20).
    pub n: usize,
}

impl Default for Request {
    fn default() -> Self {
        Self {
            selection: Selection::default(),
            flow: Flow::Imports,
            by: Breakdown::Partner,
            n: 20,
        }
    }
}

/// The top-items table.
#[derive(Debug, Clone)]
pub struct Output {
    /// One row per item, largest first.
    pub table: Table,
}

impl Output {
    /// The result as tables.
    pub fn tables(&self) -> Vec<Table> {
        vec![self.table.clone()]
    }
}

/// Answers a top-items question.
pub fn run(ctx: &Context, req: &Request) -> AppResult<Output> {
    if !matches!(req.by, Breakdown::Partner | Breakdown::Product) {
        return Err(AppError::input(format!(
            "top --by {}: expected partner or product",
            req.by
        )));
    }
    let q = Query::load(ctx, &req.selection)?;
    Ok(Output {
        table: table(ctx, &q, req.flow, req.by, req.n)?,
    })
}

/// The top table of a loaded query.
pub fn table(
    ctx: &Context,
    q: &Query,
    flow: Flow,
    by: Breakdown,
    n: usize,
) -> anyhow::Result<Table> {
    let by_partner = match by {
        Breakdown::Partner => true,
        Breakdown::Product => false,
        o => anyhow::bail!("top --by {o}: expected partner or product"),
    };
    let (items, first, last) = balanza_stats::top(&q.data.table, &q.flows, flow, by_partner, n);
    let describe = q.describer(ctx, by)?;
    let what = match flow {
        Flow::Exports => format!("Top {n} export {by}s"),
        Flow::Imports => format!("Top {n} import {by}s"),
    };
    // One year in the selection: growth is undefined, so the table shows that year's value
    // and share and says how to get growth, instead of repeating the value under two names.
    let one_year = first == last;
    let key = by.column();
    let columns: &[&str] = if one_year {
        &["rank", key, "description", "value", "share"]
    } else {
        &[
            "rank",
            key,
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
    q.label_note(&mut t);
    Ok(t)
}
