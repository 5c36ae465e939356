//! # balanza-stats
//!
//! Descriptive statistics on the canonical trade tables of `balanza-data`: trade balances by
//! partner, product, HS chapter, end use and year; composition shares; top items and growth;
//! currency conversion from a rate table.
//!
//! It must not parse files or print: it takes loaded tables and returns result rows.
//!
//! All functions start from [`reporter_flows`], which reduces a table to one reporter's exports
//! and imports by (year, partner, product); every grouping is then a pass over that small
//! table, so a balance over an 11-million-row dataset costs one filtered scan.

#![warn(missing_docs)]

use balanza_data::classification::{hs_section, EndUseMap};
use balanza_data::{Flow, TradeTable};
use std::collections::HashMap;

/// Which declarations to use for a reporter's exports and imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// The reporter's own declarations where the data has declarants (customs data), and the
    /// single reconciled record otherwise (BACI).
    #[default]
    Reported,
    /// Partners' declarations: exports = what partners report importing from the reporter,
    /// imports = what partners report exporting to it (reconciled records count too).
    Mirror,
    /// The reporter's reported totals with the world (partner `WLD` rows); by year only.
    Totals,
}

balanza_data::impl_words!(Source, "source", [
    Source::Reported => "reported",
    Source::Mirror => "mirror",
    Source::Totals => "totals" | "total",
]);

/// One reporter's trade with one partner in one product and year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    /// Year.
    pub year: i32,
    /// Partner country id (for `Source::Totals`, the id of `WLD` or of the reporter).
    pub partner: u32,
    /// Product id.
    pub product: u32,
    /// Reporter's exports (US dollars, or the converted currency).
    pub exports: f64,
    /// Reporter's imports.
    pub imports: f64,
}

/// Why a selection is empty or impossible.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StatsError {
    /// The reporter does not occur in the data.
    #[error("{0}")]
    UnknownReporter(String),
    /// No flows left after filtering.
    #[error("no trade flows for {reporter} in the selected years ({years}); the data covers {available}")]
    Empty {
        /// Reporter code.
        reporter: String,
        /// Years asked for.
        years: String,
        /// Years in the data.
        available: String,
    },
    /// The data has no reported totals.
    #[error("the data has no reported totals (partner WLD rows) for {0}: use --source reported or mirror")]
    NoTotals(String),
    /// A conversion rate is missing.
    #[error(
        "no exchange rate for {code} in {year}: add a row `{year},{code},RATE` to the rate table"
    )]
    MissingRate {
        /// Currency code.
        code: String,
        /// Year.
        year: i32,
    },
}

/// Exchange rates: units of a currency per US dollar, by year.
#[derive(Debug, Clone, PartialEq)]
pub struct Rates {
    /// ISO 4217 code, e.g. `CNY`.
    pub code: String,
    /// Year → units of `code` per USD (annual average).
    pub per_usd: HashMap<i32, f64>,
}

/// The reduced table of one reporter: cells in (year, partner, product) order of appearance.
#[derive(Debug, Clone, Default)]
pub struct ReporterFlows {
    /// The cells.
    pub cells: Vec<Cell>,
    /// Currency of the values (`USD` unless converted).
    pub currency: String,
    /// A short description of the source used, for notes.
    pub source_note: String,
}

fn years_text(years: Option<&[i32]>) -> String {
    match years {
        None => "all".to_string(),
        Some(y) => y.iter().map(i32::to_string).collect::<Vec<_>>().join(", "),
    }
}

/// Reduces `t` to one reporter's exports and imports by (year, partner, product).
///
/// Rows count as the reporter's exports when it is the exporter and as imports when it is the
/// importer; `source` decides which declarations count (see [`Source`]). Values are converted
/// with `rates` (per year) when given. Errors when the reporter does not occur or nothing is
/// left.
pub fn reporter_flows(
    t: &TradeTable,
    reporter: &str,
    years: Option<&[i32]>,
    source: Source,
    rates: Option<&Rates>,
) -> Result<ReporterFlows, StatsError> {
    let r = t
        .country_id(reporter)
        .ok_or_else(|| StatsError::UnknownReporter(unknown_reporter(t, reporter)))?;
    let keep_year = |y: i32| years.is_none_or(|ys| ys.contains(&y));
    let scale = |y: i32| -> Result<f64, StatsError> {
        match rates {
            None => Ok(1.0),
            Some(rt) => rt.per_usd.get(&y).copied().ok_or(StatsError::MissingRate {
                code: rt.code.clone(),
                year: y,
            }),
        }
    };
    let mut idx: HashMap<(i32, u32, u32), usize> = HashMap::new();
    let mut cells: Vec<Cell> = Vec::new();
    let mut add = |year: i32, partner: u32, product: u32, x: f64, m: f64| {
        let i = *idx.entry((year, partner, product)).or_insert_with(|| {
            cells.push(Cell {
                year,
                partner,
                product,
                exports: 0.0,
                imports: 0.0,
            });
            cells.len() - 1
        });
        cells[i].exports += x;
        cells[i].imports += m;
    };
    let source_note = if source == Source::Totals {
        if t.reported_totals.iter().all(|x| x.reporter != r) {
            return Err(StatsError::NoTotals(reporter.to_string()));
        }
        for x in &t.reported_totals {
            if x.reporter != r || !keep_year(x.year) {
                continue;
            }
            let s = scale(x.year)?;
            let world = t.country_id(balanza_data::table::WORLD).unwrap_or(r);
            match x.flow {
                Flow::Exports => add(x.year, world, x.product, x.value * s, 0.0),
                Flow::Imports => add(x.year, world, x.product, 0.0, x.value * s),
            }
        }
        format!("source: {reporter}'s reported totals with the world (partner WLD)")
    } else {
        // Declarant codes that count: 0 (reconciled) always; 1/2 depending on the source.
        let (exp_decl, imp_decl) = match source {
            Source::Reported => (1u8, 2u8),
            _ => (2u8, 1u8),
        };
        // Declarations by a group of countries (the EU as `EUN`) repeat its members' own: in
        // mirror sums they would count the same flows twice, so they are left out (and said).
        let aggregates: Vec<u32> = balanza_data::read::AGGREGATE_REPORTERS
            .iter()
            .filter_map(|c| t.country_id(c))
            .filter(|&id| id != r)
            .collect();
        let mut skipped_aggregate = 0usize;
        for i in 0..t.len() {
            let (e, m) = (t.exporter[i], t.importer[i]);
            if e != r && m != r {
                continue;
            }
            let y = t.year[i];
            if !keep_year(y) {
                continue;
            }
            let d = t.declared_by[i];
            if source == Source::Mirror && !aggregates.is_empty() {
                let declarant = match d {
                    1 => Some(e),
                    2 => Some(m),
                    _ => None,
                };
                if declarant.is_some_and(|x| aggregates.contains(&x)) {
                    skipped_aggregate += 1;
                    continue;
                }
            }
            let v = t.value[i];
            if e == r && m == r {
                // A declared flow with itself as partner (e.g. China's imports of goods of
                // Chinese origin, i.e. re-imports) is part of what the reporter declared;
                // an undeclared self-flow is domestic trade (gravity panels) and is not trade.
                if d != 0 && d == exp_decl {
                    add(y, m, t.product[i], v * scale(y)?, 0.0);
                } else if d != 0 && d == imp_decl {
                    add(y, e, t.product[i], 0.0, v * scale(y)?);
                }
            } else if e == r && (d == 0 || d == exp_decl) {
                add(y, m, t.product[i], v * scale(y)?, 0.0);
            } else if m == r && (d == 0 || d == imp_decl) {
                add(y, e, t.product[i], 0.0, v * scale(y)?);
            }
        }
        if !t.has_declarants() {
            "source: one record per flow (reconciled data): exports where the reporter is the exporter, imports where it is the importer".to_string()
        } else if source == Source::Reported {
            format!("source: {reporter}'s own declarations (exports as declared by {reporter}, imports as declared by {reporter})")
        } else {
            let mut n = format!("source: mirror flows (exports = partners' declared imports from {reporter}, imports = partners' declared exports to {reporter})");
            if skipped_aggregate > 0 {
                n.push_str(&format!("; {skipped_aggregate} declarations by country groups (EUN) left out, as they repeat their members' declarations"));
            }
            n
        }
    };
    if cells.is_empty() {
        return Err(StatsError::Empty {
            reporter: reporter.to_string(),
            years: years_text(years),
            available: years_text(Some(&t.years())),
        });
    }
    Ok(ReporterFlows {
        cells,
        currency: rates.map_or_else(|| "USD".to_string(), |r| r.code.clone()),
        source_note,
    })
}

fn unknown_reporter(t: &TradeTable, code: &str) -> String {
    let mut msg = balanza_data::countries::unknown_country_message(code);
    if let Some(c) = balanza_data::countries::country(code) {
        msg = format!("{} ({}) does not occur in the data", c.iso3, c.name);
    } else if let Some(s) = balanza_data::countries::suggest_country(code) {
        if t.country_id(s.iso3).is_none() {
            msg.push_str(" (not in this data either)");
        }
    }
    msg
}

/// How to group a reporter's trade.
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    /// By partner country.
    Partner,
    /// By product code (HS6 as in the data).
    Product,
    /// By HS chapter (first 2 digits).
    Hs2,
    /// By HS heading (first 4 digits).
    Hs4,
    /// By HS section (I–XXI).
    Section,
    /// By year.
    Year,
    /// By SNA end use through an HS → BEC → end-use map.
    EndUse(&'a EndUseMap),
    /// One total row only.
    Total,
}

/// One group of a balance: exports, imports and balance.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    /// Group key (partner code, product code, chapter, section, year, end use).
    pub key: String,
    /// Exports.
    pub exports: f64,
    /// Imports.
    pub imports: f64,
}

impl GroupRow {
    /// Exports minus imports.
    pub fn balance(&self) -> f64 {
        self.exports - self.imports
    }
}

/// A grouped balance with its total and what was done to get it.
#[derive(Debug, Clone)]
pub struct Grouped {
    /// Rows, sorted (by value for partners and products, by key otherwise).
    pub rows: Vec<GroupRow>,
    /// The sum of all rows.
    pub total: GroupRow,
    /// Products whose value was split among several end-use classes (HS → BEC one-to-many).
    pub split_products: usize,
    /// Exports and imports of those split products.
    pub split_value: (f64, f64),
    /// Products the end-use map does not cover (their value is in the `unmapped` row).
    pub unmapped_products: usize,
}

/// Groups a reporter's cells.
pub fn group(t: &TradeTable, f: &ReporterFlows, by: By<'_>) -> Grouped {
    let mut acc: HashMap<String, (f64, f64)> = HashMap::new();
    let mut split_products = std::collections::HashSet::new();
    let mut unmapped = std::collections::HashSet::new();
    let mut split_value = (0.0, 0.0);
    let mut total = (0.0, 0.0);
    for c in &f.cells {
        total.0 += c.exports;
        total.1 += c.imports;
        let product = &t.products[c.product as usize];
        let mut put = |k: String, w: f64| {
            let e = acc.entry(k).or_insert((0.0, 0.0));
            e.0 += c.exports * w;
            e.1 += c.imports * w;
        };
        match by {
            By::Partner => put(t.countries[c.partner as usize].clone(), 1.0),
            By::Product => put(product.clone(), 1.0),
            By::Hs2 => put(hs_prefix(product, 2), 1.0),
            By::Hs4 => put(hs_prefix(product, 4), 1.0),
            By::Section => put(
                hs_section(product).map_or_else(|| "unclassified".to_string(), |s| s.0.to_string()),
                1.0,
            ),
            By::Year => put(c.year.to_string(), 1.0),
            By::Total => put("total".to_string(), 1.0),
            By::EndUse(map) => match map.classes(product) {
                Some(classes) => {
                    if map.is_split(product) {
                        split_products.insert(c.product);
                        split_value.0 += c.exports;
                        split_value.1 += c.imports;
                    }
                    for (eu, w) in classes {
                        put(eu.label().to_string(), *w);
                    }
                }
                None => {
                    unmapped.insert(c.product);
                    put("unmapped".to_string(), 1.0);
                }
            },
        }
    }
    let mut rows: Vec<GroupRow> = acc
        .into_iter()
        .map(|(key, (exports, imports))| GroupRow {
            key,
            exports,
            imports,
        })
        .collect();
    match by {
        By::Partner | By::Product => rows.sort_by(|a, b| {
            (b.exports + b.imports)
                .total_cmp(&(a.exports + a.imports))
                .then_with(|| a.key.cmp(&b.key))
        }),
        By::Section => rows.sort_by_key(|r| section_order(&r.key)),
        By::EndUse(_) => rows.sort_by_key(|r| end_use_order(&r.key)),
        _ => rows.sort_by(|a, b| a.key.cmp(&b.key)),
    }
    Grouped {
        rows,
        total: GroupRow {
            key: "total".to_string(),
            exports: total.0,
            imports: total.1,
        },
        split_products: split_products.len(),
        split_value,
        unmapped_products: unmapped.len(),
    }
}

/// The first `n` digits of an HS code; non-HS codes (`TOTAL`) are kept whole.
fn hs_prefix(code: &str, n: usize) -> String {
    if code.len() >= n && code.bytes().take(n).all(|b| b.is_ascii_digit()) {
        code[..n].to_string()
    } else {
        code.to_string()
    }
}

fn section_order(k: &str) -> usize {
    balanza_data::classification::HS_SECTIONS
        .iter()
        .position(|s| s.2 == k)
        .unwrap_or(usize::MAX)
}

fn end_use_order(k: &str) -> usize {
    [
        "capital",
        "intermediate",
        "consumption",
        "not_classified",
        "unmapped",
    ]
    .iter()
    .position(|x| *x == k)
    .unwrap_or(usize::MAX)
}

/// One class of a composition: value and share of the total.
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    /// Class key.
    pub key: String,
    /// Value of the flow in the class.
    pub value: f64,
    /// Value / total (the shares sum to 1).
    pub share: f64,
}

/// The composition of one flow (exports or imports) from a grouping: each class's value and
/// share; classes with zero value are dropped. Shares sum to 1 up to rounding.
pub fn composition(g: &Grouped, flow: Flow) -> (Vec<Share>, f64) {
    let pick = |r: &GroupRow| match flow {
        Flow::Exports => r.exports,
        Flow::Imports => r.imports,
    };
    let total = pick(&g.total);
    let rows: Vec<Share> = g
        .rows
        .iter()
        .filter(|r| pick(r) != 0.0)
        .map(|r| Share {
            key: r.key.clone(),
            value: pick(r),
            share: if total != 0.0 { pick(r) / total } else { 0.0 },
        })
        .collect();
    (rows, total)
}

/// A top item: value in the first and last selected year and growth between them.
#[derive(Debug, Clone, PartialEq)]
pub struct TopItem {
    /// Partner or product code.
    pub key: String,
    /// Value in the first year.
    pub first: f64,
    /// Value in the last year.
    pub last: f64,
    /// Share of the last year's total.
    pub share_last: f64,
    /// last / first − 1 (`None` when the first-year value is zero).
    pub growth: Option<f64>,
    /// Compound annual growth rate between the two years (`None` when not defined).
    pub cagr: Option<f64>,
}

/// The `n` largest partners or products of one flow in the last year, with growth from the first
/// year of the cells. Ties are broken by key for a stable order.
pub fn top(
    t: &TradeTable,
    f: &ReporterFlows,
    flow: Flow,
    by_partner: bool,
    n: usize,
) -> (Vec<TopItem>, i32, i32) {
    let first = f.cells.iter().map(|c| c.year).min().unwrap_or(0);
    let last = f.cells.iter().map(|c| c.year).max().unwrap_or(0);
    let mut acc: HashMap<u32, (f64, f64)> = HashMap::new();
    let mut total_last = 0.0;
    for c in &f.cells {
        let v = match flow {
            Flow::Exports => c.exports,
            Flow::Imports => c.imports,
        };
        let k = if by_partner { c.partner } else { c.product };
        let e = acc.entry(k).or_insert((0.0, 0.0));
        if c.year == first {
            e.0 += v;
        }
        if c.year == last {
            e.1 += v;
            total_last += v;
        }
    }
    let span = f64::from(last - first);
    let mut items: Vec<TopItem> = acc
        .into_iter()
        .filter(|(_, (a, b))| *a != 0.0 || *b != 0.0)
        .map(|(k, (a, b))| {
            let key = if by_partner {
                t.countries[k as usize].clone()
            } else {
                t.products[k as usize].clone()
            };
            let growth = (a > 0.0 && last > first).then(|| b / a - 1.0);
            let cagr = (a > 0.0 && b > 0.0 && span > 0.0).then(|| (b / a).powf(1.0 / span) - 1.0);
            TopItem {
                key,
                first: a,
                last: b,
                share_last: if total_last != 0.0 {
                    b / total_last
                } else {
                    0.0
                },
                growth,
                cagr,
            }
        })
        .collect();
    items.sort_by(|a, b| b.last.total_cmp(&a.last).then_with(|| a.key.cmp(&b.key)));
    items.truncate(n);
    (items, first, last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use balanza_data::table::{Batch, Interner};

    /// A hand-made table: ZAF exports 10 (2019) and 30 (2020) to CHN in 010121, 5 to USA in
    /// 020110 (2020); imports 4 from CHN in 847130 (2020); CHN→USA 100 (not ZAF's).
    fn table(declared: bool) -> TradeTable {
        let mut c = Interner::default();
        let mut p = Interner::default();
        let mut b = Batch::default();
        let rows = [
            (2019, "ZAF", "CHN", "010121", 10.0, 1u8),
            (2020, "ZAF", "CHN", "010121", 30.0, 1),
            (2020, "ZAF", "USA", "020110", 5.0, 1),
            (2020, "CHN", "ZAF", "847130", 4.0, 2),
            (2020, "CHN", "USA", "847130", 100.0, 1),
            // The partner's mirror declaration of ZAF→CHN 2020 (only in declared data).
            (2020, "ZAF", "CHN", "010121", 33.0, 2),
        ];
        for (y, e, m, k, v, d) in rows {
            if !declared && d == 2 && e == "ZAF" {
                continue;
            }
            b.year.push(y);
            b.exporter.push(c.id(e));
            b.importer.push(c.id(m));
            b.product.push(p.id(k));
            b.value.push(v);
            b.quantity.push(f64::NAN);
            b.declared_by.push(if declared { d } else { 0 });
        }
        b.new_countries = c.take_new();
        b.new_products = p.take_new();
        let mut t = TradeTable::default();
        t.push_batch(b);
        t
    }

    #[test]
    fn balance_by_partner_and_year() {
        let t = table(false);
        let f = reporter_flows(&t, "ZAF", None, Source::Reported, None).unwrap();
        let g = group(&t, &f, By::Partner);
        assert_eq!(g.total.exports, 45.0);
        assert_eq!(g.total.imports, 4.0);
        assert_eq!(g.rows[0].key, "CHN");
        assert_eq!(g.rows[0].balance(), 40.0 - 4.0);
        let g = group(&t, &f, By::Year);
        assert_eq!(
            g.rows.iter().map(|r| r.exports).collect::<Vec<_>>(),
            vec![10.0, 35.0]
        );
        let f = reporter_flows(&t, "ZAF", Some(&[2020]), Source::Reported, None).unwrap();
        assert_eq!(group(&t, &f, By::Total).total.exports, 35.0);
        assert!(matches!(
            reporter_flows(&t, "ZAF", Some(&[1999]), Source::Reported, None),
            Err(StatsError::Empty { .. })
        ));
        let err = reporter_flows(&t, "ZFA", None, Source::Reported, None).unwrap_err();
        assert!(err.to_string().contains("did you mean ZAF"), "{err}");
    }

    #[test]
    fn reported_versus_mirror() {
        let t = table(true);
        let own = reporter_flows(&t, "ZAF", Some(&[2020]), Source::Reported, None).unwrap();
        assert_eq!(group(&t, &own, By::Total).total.exports, 35.0);
        assert_eq!(group(&t, &own, By::Total).total.imports, 4.0);
        let mirror = reporter_flows(&t, "ZAF", Some(&[2020]), Source::Mirror, None).unwrap();
        assert_eq!(group(&t, &mirror, By::Total).total.exports, 33.0);
        assert_eq!(group(&t, &mirror, By::Total).total.imports, 0.0);
    }

    #[test]
    fn composition_and_top() {
        let t = table(false);
        let f = reporter_flows(&t, "ZAF", Some(&[2020]), Source::Reported, None).unwrap();
        let g = group(&t, &f, By::Hs2);
        let (rows, total) = composition(&g, Flow::Exports);
        assert_eq!(total, 35.0);
        assert_eq!(rows.len(), 2);
        assert!((rows.iter().map(|r| r.share).sum::<f64>() - 1.0).abs() < 1e-15);
        let all = reporter_flows(&t, "ZAF", None, Source::Reported, None).unwrap();
        let (items, first, last) = top(&t, &all, Flow::Exports, true, 1);
        assert_eq!((first, last), (2019, 2020));
        assert_eq!(items[0].key, "CHN");
        assert_eq!(items[0].growth, Some(2.0));
        let rates = Rates {
            code: "CNY".into(),
            per_usd: [(2019, 7.0), (2020, 6.9)].into_iter().collect(),
        };
        let cny = reporter_flows(&t, "ZAF", None, Source::Reported, Some(&rates)).unwrap();
        assert!((group(&t, &cny, By::Total).total.exports - (70.0 + 35.0 * 6.9)).abs() < 1e-9);
        let only2019 = Rates {
            code: "CNY".into(),
            per_usd: [(2019, 7.0)].into_iter().collect(),
        };
        assert!(matches!(
            reporter_flows(&t, "ZAF", None, Source::Reported, Some(&only2019)),
            Err(StatsError::MissingRate { year: 2020, .. })
        ));
    }
}
