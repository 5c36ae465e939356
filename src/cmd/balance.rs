//! `balanza balance`: exports, imports and trade balance of a reporter. Also holds the options
//! and helpers that `composition` and `top` share (data, reporter, years, source, currency,
//! reference tables).

use crate::cmd::common::{emit, OutputArgs};
use crate::cmd::ingest::ReadArgs;
use anyhow::Context as _;
use balanza_data::classification::{hs_section, EndUseMap, Refdata};
use balanza_data::TradeTable;
use balanza_report::{Cell, Table};
use balanza_stats::{By, Rates, ReporterFlows, Source};
use std::collections::HashMap;
use std::path::PathBuf;

/// Options shared by `balance`, `composition` and `top`.
#[derive(clap::Args, Debug, Clone)]
pub struct QueryArgs {
    /// Trade data: a Parquet dataset written by `balanza ingest`, or raw files (BACI,
    /// Comtrade/WITS, mapped CSV; read on the fly with the input options below). Repeatable.
    #[arg(long, required = true, value_name = "DATASET")]
    pub data: Vec<PathBuf>,
    /// Reporter country, ISO3 (e.g. ZAF).
    #[arg(long, value_name = "ISO3")]
    pub reporter: String,
    /// Years to include: a list and/or ranges, e.g. `2019,2020` or `2015-2020` (default: all).
    #[arg(long, value_name = "YEARS")]
    pub years: Option<String>,
    /// Which declarations count: `reported` (the reporter's own where the data has declarants;
    /// the single record in reconciled data such as BACI), `mirror` (partners' declarations) or
    /// `totals` (the reporter's reported totals with the world, partner WLD).
    #[arg(long, default_value = "reported", value_name = "SOURCE")]
    pub source: String,
    /// Report values in this currency (ISO 4217, e.g. CNY) using --rates.
    #[arg(long, value_name = "CODE", requires = "rates")]
    pub currency: Option<String>,
    /// Exchange-rate table, CSV with columns year,currency,per_usd (units of the currency per
    /// US dollar, annual average).
    #[arg(long, value_name = "FILE")]
    pub rates: Option<PathBuf>,
    /// Folder with classification tables (hs2017_to_bec4.csv, bec4_to_sna_end_use.csv,
    /// hs2017_descriptions.csv, ...), needed for end use and product descriptions.
    #[arg(long, value_name = "DIR")]
    pub refdata: Option<PathBuf>,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// A loaded query: the table, the reporter's cells, and labels.
pub struct Query {
    /// The data.
    pub table: TradeTable,
    /// The reporter (ISO3 as in the data).
    pub reporter: String,
    /// The reporter's cells.
    pub flows: ReporterFlows,
    /// The years text for titles.
    pub years_label: String,
    /// Label such as "SYNTHETIC DATA" to print in every title.
    pub label: Option<String>,
}

impl Query {
    /// A title with the data label appended.
    pub fn title(&self, what: &str) -> String {
        let base = format!(
            "{what} of {} ({}), {}, {}",
            self.reporter,
            reporter_name(&self.reporter),
            self.years_label,
            self.flows.currency
        );
        match &self.label {
            Some(l) => format!("{base} [{l}]"),
            None => base,
        }
    }

    /// The HS revision of the data.
    pub fn hs_revision(&self, args: &QueryArgs) -> Option<String> {
        args.read
            .hs_revision
            .as_deref()
            .and_then(balanza_data::read::comtrade_nomenclature)
            .or_else(|| self.table.hs_revision.clone())
    }
}

fn reporter_name(code: &str) -> String {
    balanza_data::countries::country(code).map_or_else(|| code.to_string(), |c| c.name.to_string())
}

/// Parses `2019,2020` and `2015-2020` into a sorted list of years.
pub fn parse_years(s: &str) -> anyhow::Result<Vec<i32>> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || {
            anyhow::anyhow!("--years `{s}`: expected years such as 2019,2020 or a range 2015-2020, found `{part}`")
        };
        if let Some((a, b)) = part.split_once('-') {
            let (a, b): (i32, i32) = (
                a.trim().parse().map_err(|_| bad())?,
                b.trim().parse().map_err(|_| bad())?,
            );
            if b < a || b - a > 200 {
                return Err(bad());
            }
            out.extend(a..=b);
        } else {
            out.push(part.parse().map_err(|_| bad())?);
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// Reads a rate table for one currency.
pub fn load_rates(path: &std::path::Path, code: &str) -> anyhow::Result<Rates> {
    let per_usd = balanza_data::rates::load_rates(path, code)?;
    Ok(Rates {
        code: code.trim().to_ascii_uppercase(),
        per_usd,
    })
}

/// Loads the data and reduces it to the reporter's cells.
pub fn load_query(args: &QueryArgs) -> anyhow::Result<Query> {
    let opts = args.read.options()?;
    let (table, summary) = balanza_data::load(&args.data, &opts)?;
    let years = args.years.as_deref().map(parse_years).transpose()?;
    let source: Source = args.source.parse().map_err(anyhow::Error::msg)?;
    let rates = match (&args.currency, &args.rates) {
        (Some(c), Some(r)) => Some(load_rates(r, c)?),
        (None, Some(_)) => anyhow::bail!("--rates needs --currency CODE"),
        _ => None,
    };
    let raw = args.reporter.trim().to_ascii_uppercase();
    let reporter = balanza_data::read::legacy_alias(&raw).map_or(raw, str::to_string);
    let flows =
        balanza_stats::reporter_flows(&table, &reporter, years.as_deref(), source, rates.as_ref())?;
    let mut ys: Vec<i32> = flows.cells.iter().map(|c| c.year).collect();
    ys.sort_unstable();
    ys.dedup();
    let years_label = match (ys.first(), ys.last()) {
        (Some(a), Some(b)) if a == b => a.to_string(),
        (Some(a), Some(b)) if (b - a + 1) as usize == ys.len() => format!("{a}-{b}"),
        _ => ys.iter().map(i32::to_string).collect::<Vec<_>>().join(","),
    };
    Ok(Query {
        table,
        reporter,
        flows,
        years_label,
        label: summary.label,
    })
}

/// The end-use map for the query's data: from `--refdata` when given, else the built-in map of
/// the synthetic demo world when the data is synthetic.
pub fn end_use_map(q: &Query, args: &QueryArgs) -> anyhow::Result<EndUseMap> {
    if let Some(dir) = &args.refdata {
        let rev = q.hs_revision(args).context(
            "the data does not record its HS revision: give --hs-revision (e.g. HS2017) so the right HS → BEC table is used",
        )?;
        return Ok(Refdata::new(dir).end_use(&rev)?);
    }
    if q.label.as_deref() == Some(crate::cmd::demo::SYNTHETIC_LABEL) {
        return Ok(crate::cmd::demo::builtin_end_use());
    }
    anyhow::bail!(
        "end use needs the classification tables: give --refdata DIR (a folder with hs2017_to_bec4.csv and bec4_to_sna_end_use.csv)"
    )
}

/// Turns a group key into its description.
pub type Describer = Box<dyn Fn(&str) -> String>;

/// Descriptions for group keys (partner names, HS descriptions, section titles, end-use labels).
pub fn describer(q: &Query, args: &QueryArgs, by: &str) -> anyhow::Result<Describer> {
    Ok(match by {
        "partner" => Box::new(|k: &str| {
            balanza_data::countries::country(k).map_or_else(String::new, |c| c.name.to_string())
        }),
        "section" => Box::new(|k: &str| {
            balanza_data::classification::HS_SECTIONS
                .iter()
                .find(|s| s.2 == k)
                .map_or_else(String::new, |s| s.3.to_string())
        }),
        "enduse" => Box::new(|k: &str| {
            match k {
                "capital" => "Capital goods",
                "intermediate" => "Intermediate goods",
                "consumption" => "Consumption goods",
                "not_classified" => "Not classified by end use (cars, motor spirit, n.e.s.)",
                "unmapped" => "HS code not in the HS → BEC table",
                _ => "",
            }
            .to_string()
        }),
        "product" | "hs2" | "hs4" => {
            let descr = match (&args.refdata, q.hs_revision(args)) {
                (Some(dir), Some(rev)) => Refdata::new(dir).hs_descriptions(&rev)?,
                _ if q.label.as_deref() == Some(crate::cmd::demo::SYNTHETIC_LABEL) => {
                    crate::cmd::demo::builtin_descriptions()
                }
                _ => HashMap::new(),
            };
            Box::new(move |k: &str| {
                descr
                    .get(k)
                    .cloned()
                    .or_else(|| {
                        hs_section(k)
                            .filter(|_| k.len() <= 4)
                            .map(|s| format!("section {}: {}", s.0, s.1))
                    })
                    .unwrap_or_default()
            })
        }
        _ => Box::new(|_: &str| String::new()),
    })
}

/// The grouping for a `--by` value.
pub fn grouping<'a>(by: &str, end_use: Option<&'a EndUseMap>) -> anyhow::Result<By<'a>> {
    Ok(match by {
        "partner" => By::Partner,
        "product" => By::Product,
        "hs2" | "chapter" => By::Hs2,
        "hs4" | "heading" => By::Hs4,
        "section" => By::Section,
        "year" => By::Year,
        "total" => By::Total,
        "enduse" | "end_use" | "end-use" => By::EndUse(end_use.context("end use needs its map")?),
        o => anyhow::bail!("unknown --by `{o}`: expected partner, product, hs2, hs4, section, enduse, year or total"),
    })
}

/// Notes on how the end-use split was done, for tables grouped by end use.
pub fn end_use_notes(t: &mut Table, g: &balanza_stats::Grouped, map: &EndUseMap) {
    t.note(format!(
        "end use: {} (HS → BEC Rev.4 → SNA end use)",
        map.source
    ));
    t.note(format!(
        "HS → BEC one-to-many: each such HS code's value is split equally among its BEC codes; {} products here ({:.1}% of exports, {:.1}% of imports) were split",
        g.split_products,
        pct(g.split_value.0, g.total.exports),
        pct(g.split_value.1, g.total.imports)
    ));
    if g.unmapped_products > 0 {
        t.note(format!(
            "{} product(s) not in the HS → BEC table (row `unmapped`)",
            g.unmapped_products
        ));
    }
}

fn pct(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        100.0 * a / b
    }
}

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
    #[arg(long, default_value = "partner", value_name = "BY")]
    pub by: String,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The balance table (also used by the demo).
pub fn balance_table(q: &Query, args: &QueryArgs, by: &str) -> anyhow::Result<Table> {
    let by = by.to_ascii_lowercase();
    let map = if matches!(by.as_str(), "enduse" | "end_use" | "end-use") {
        Some(end_use_map(q, args)?)
    } else {
        None
    };
    let grouping = grouping(&by, map.as_ref())?;
    let g = balanza_stats::group(&q.table, &q.flows, grouping);
    let key_col = match by.as_str() {
        "enduse" | "end_use" | "end-use" => "end_use".to_string(),
        "chapter" => "hs2".to_string(),
        "heading" => "hs4".to_string(),
        other => other.to_string(),
    };
    let describe = describer(
        q,
        args,
        if key_col == "end_use" {
            "enduse"
        } else {
            &key_col
        },
    )?;
    let mut t = Table::new([
        key_col.as_str(),
        "description",
        "exports",
        "imports",
        "balance",
    ])
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
    if by != "total" {
        t.push(vec![
            Cell::from("total"),
            Cell::from(""),
            Cell::from(g.total.exports),
            Cell::from(g.total.imports),
            Cell::from(g.total.balance()),
        ]);
    }
    t.note(q.flows.source_note.clone());
    if let Some(note) = reported_totals_note(q, args) {
        t.note(note);
    }
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

/// When the data also has the reporter's reported totals with the world and they were not the
/// source, a note with them, for comparison with the partner sums (USD only).
fn reported_totals_note(q: &Query, args: &QueryArgs) -> Option<String> {
    if args.source.eq_ignore_ascii_case("totals") || q.flows.currency != "USD" {
        return None;
    }
    let r = q.table.country_id(&q.reporter)?;
    let years: std::collections::HashSet<i32> = q.flows.cells.iter().map(|c| c.year).collect();
    let (mut x, mut m, mut any) = (0.0, 0.0, false);
    for t in &q.table.reported_totals {
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

/// Runs `balanza balance`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let q = load_query(&args.query)?;
    let t = balance_table(&q, &args.query, &args.by)?;
    emit(&[t], &args.output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_parse() {
        assert_eq!(parse_years("2019, 2020").unwrap(), vec![2019, 2020]);
        assert_eq!(
            parse_years("2015-2017,2016").unwrap(),
            vec![2015, 2016, 2017]
        );
        assert!(parse_years("20x").is_err());
        assert!(parse_years("2020-2010").is_err());
    }
}
