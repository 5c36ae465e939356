//! What `balance`, `composition` and `top` share: which data, which reporter, which years,
//! which declarations and currency, and the reference tables that name and classify products.

use crate::Context;
use anyhow::Context as _;
use balanza_data::classification::{hs_section, EndUseMap};
use balanza_data::{CodeKind, ColumnMap, ReadOptions, SourceFormat};
use balanza_report::Table;
use balanza_stats::{By, Rates, ReporterFlows, Source};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// The label of the demo's synthetic world, stored with its dataset and printed with every
/// figure computed from it.
pub const SYNTHETIC_LABEL: &str = "SYNTHETIC DATA";

/// Layout of raw trade-flow files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// Recognised from the header (mapped when a column map is given).
    #[default]
    Auto,
    /// CEPII BACI.
    Baci,
    /// UN Comtrade / WITS exports.
    Comtrade,
    /// Any CSV or Parquet file with a column map.
    Mapped,
}

balanza_data::impl_words!(InputFormat, "input format", [
    InputFormat::Auto => "auto",
    InputFormat::Baci => "baci",
    InputFormat::Comtrade => "comtrade" | "wits",
    InputFormat::Mapped => "mapped" | "csv" | "parquet",
]);

/// How raw trade-flow files are read (a Parquet dataset written by `ingest` needs none of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReadRequest {
    /// Layout of the files.
    pub input_format: InputFormat,
    /// BACI country-code file translating numeric codes to ISO3.
    pub country_codes: Option<PathBuf>,
    /// Column map for mapped files: `year=COL,exporter=COL,importer=COL,value=COL[,...]`.
    pub map: Option<String>,
    /// With a column map: factor from the file's values to US dollars.
    pub value_scale: f64,
    /// With a column map: country codes are numeric rather than ISO3.
    pub numeric_codes: bool,
    /// HS revision of the product codes (`HS2017`, `H5`, `hs17`, ...); overrides what a
    /// dataset records.
    pub hs_revision: Option<String>,
    /// Skip malformed rows (counted) instead of stopping at the first.
    pub skip_bad_rows: bool,
}

impl Default for ReadRequest {
    fn default() -> Self {
        Self {
            input_format: InputFormat::Auto,
            country_codes: None,
            map: None,
            value_scale: 1.0,
            numeric_codes: false,
            hs_revision: None,
            skip_bad_rows: false,
        }
    }
}

impl ReadRequest {
    /// The data layer's read options.
    pub fn options(&self) -> anyhow::Result<ReadOptions> {
        let format = match self.input_format {
            InputFormat::Auto if self.map.is_some() => SourceFormat::Mapped(self.column_map()?),
            InputFormat::Auto => SourceFormat::Auto,
            InputFormat::Baci => SourceFormat::Baci,
            InputFormat::Comtrade => SourceFormat::Comtrade,
            InputFormat::Mapped => SourceFormat::Mapped(self.column_map()?),
        };
        let hs_revision = self
            .hs_revision
            .as_deref()
            .map(normalize_revision)
            .transpose()?;
        Ok(ReadOptions {
            format,
            country_codes: self.country_codes.clone(),
            hs_revision,
            skip_bad_rows: self.skip_bad_rows,
            ..ReadOptions::default()
        })
    }

    fn column_map(&self) -> anyhow::Result<ColumnMap> {
        let spec = self.map.as_deref().context(
            "--input-format mapped needs --map year=COL,exporter=COL,importer=COL,value=COL[,product=COL]",
        )?;
        let mut m = ColumnMap::parse(spec).map_err(anyhow::Error::msg)?;
        m.value_scale = self.value_scale;
        m.codes = if self.numeric_codes {
            CodeKind::Numeric
        } else {
            CodeKind::Iso3
        };
        Ok(m)
    }
}

/// `HS17`, `hs2017`, `H5` → `HS2017`.
pub fn normalize_revision(r: &str) -> anyhow::Result<String> {
    let u = r.trim().to_ascii_uppercase();
    if let Some(rev) = balanza_data::read::comtrade_nomenclature(&u) {
        return Ok(rev);
    }
    anyhow::bail!("unknown HS revision `{r}`: expected HS1992, HS1996, HS2002, HS2007, HS2012, HS2017 or HS2022")
}

/// Which data and which part of it a descriptive question is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Selection {
    /// Trade data: Parquet datasets written by `ingest`, or raw files read with `read`.
    pub data: Vec<PathBuf>,
    /// Reporter country, ISO3.
    pub reporter: String,
    /// Years: a list and/or ranges such as `2019,2020` or `2015-2020` (default: all).
    pub years: Option<String>,
    /// Which declarations count.
    pub source: Source,
    /// Report values in this currency (ISO 4217) using `rates`.
    pub currency: Option<String>,
    /// Exchange-rate table (year,currency,per_usd).
    pub rates: Option<PathBuf>,
    /// Classification tables (HS → BEC → end use, HS descriptions); default: the context's.
    pub refdata: Option<PathBuf>,
    /// How raw files are read.
    pub read: ReadRequest,
    /// Keep only these partners: a group expression as in the scenarios (`USA,DEU`,
    /// `ldc and china_relations`, `not eu27`), resolved on December 31 of the last year kept.
    pub partner: Option<String>,
    /// Keep only these products: HS prefixes of 2, 4 or 6 digits, comma-separated.
    pub product: Option<String>,
}

/// A grouping of a reporter's trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Breakdown {
    /// By partner country.
    #[default]
    Partner,
    /// By HS6 product.
    Product,
    /// By HS chapter (2 digits).
    Hs2,
    /// By HS heading (4 digits).
    Hs4,
    /// By HS section (I–XXI).
    Section,
    /// By SNA end use (capital, intermediate, consumption) through BEC Rev.4.
    EndUse,
    /// By year.
    Year,
    /// One row with the totals.
    Total,
}

balanza_data::impl_words!(Breakdown, "breakdown", [
    Breakdown::Partner => "partner",
    Breakdown::Product => "product",
    Breakdown::Hs2 => "hs2" | "chapter",
    Breakdown::Hs4 => "hs4" | "heading",
    Breakdown::Section => "section",
    Breakdown::EndUse => "enduse" | "end_use" | "end-use",
    Breakdown::Year => "year",
    Breakdown::Total => "total",
]);

impl Breakdown {
    /// The key column's name in result tables.
    pub fn column(self) -> &'static str {
        match self {
            Breakdown::EndUse => "end_use",
            other => balanza_data::words::Words::word(other),
        }
    }
}

/// A selection loaded: the data, the reporter's cells and labels for titles.
pub struct Query {
    /// The dataset (shared with the context's cache).
    pub data: Arc<crate::context::Dataset>,
    /// The reporter (ISO3 as in the data).
    pub reporter: String,
    /// The reporter's cells.
    pub flows: ReporterFlows,
    /// The years, for titles.
    pub years_label: String,
    /// A label such as SYNTHETIC DATA, printed in every title (and the filters, in a note).
    pub label: Option<String>,
    /// The selection it came from.
    pub selection: Selection,
    /// Classification folder in use (the selection's, else the context's).
    pub refdata: Option<PathBuf>,
    /// What `partner` and `product` kept, for the notes.
    pub filter_note: Option<String>,
}

/// HS prefixes from `84,8501,850440`: digits only, 2, 4 or 6 of them.
pub fn parse_product_prefixes(text: &str) -> anyhow::Result<Vec<String>> {
    let v: Vec<String> = text
        .split(',')
        .map(|p| p.trim().replace('.', ""))
        .filter(|p| !p.is_empty())
        .collect();
    if v.is_empty() {
        anyhow::bail!("--product `{text}`: no HS code given (e.g. 84,8501,850440)");
    }
    for p in &v {
        if !p.bytes().all(|b| b.is_ascii_digit()) || ![2, 4, 6].contains(&p.len()) {
            anyhow::bail!(
                "--product `{p}`: expected an HS chapter, heading or subheading (2, 4 or 6 digits, e.g. 84, 8501, 850440)"
            );
        }
    }
    Ok(v)
}

/// `USA,DEU` as `(USA) or (DEU)`: a comma outside brackets separates alternatives, as a user
/// of `--partner` writes them; commas inside `[...]` and `(...)` are the expression's own.
fn commas_as_or(expr: &str) -> String {
    let mut depth = 0i32;
    let mut out = String::from("(");
    for ch in expr.chars() {
        match ch {
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            _ => {}
        }
        if ch == ',' && depth == 0 {
            out.push_str(") or (");
        } else {
            out.push(ch);
        }
    }
    out.push(')');
    out
}

/// Keeps the cells whose partner is in `partner` and whose product starts with one of the
/// `product` prefixes; returns the note saying what was kept.
fn filter_cells(
    table: &balanza_data::TradeTable,
    flows: &mut ReporterFlows,
    partner: Option<&str>,
    product: Option<&str>,
) -> anyhow::Result<Option<String>> {
    let mut notes = Vec::new();
    if let Some(expr) = partner {
        let last = flows.cells.iter().map(|c| c.year).max().unwrap_or(2000);
        let date = balanza_data::groups::Date::new(last, 12, 31)
            .ok_or_else(|| anyhow::anyhow!("year {last} is out of range"))?;
        let set = balanza_data::groups::GroupSet::new()
            .resolve(&commas_as_or(expr), date)
            .map_err(|e| anyhow::anyhow!("--partner `{expr}`: {e}"))?;
        let keep: Vec<bool> = table
            .countries
            .iter()
            .map(|c| set.contains(c.as_str()))
            .collect();
        flows
            .cells
            .retain(|c| keep.get(c.partner as usize).copied().unwrap_or(false));
        let mut seen: Vec<u32> = flows.cells.iter().map(|c| c.partner).collect();
        seen.sort_unstable();
        seen.dedup();
        if seen.is_empty() {
            anyhow::bail!(
                "--partner `{expr}`: none of its {} countries (as of {last}-12-31) is a partner in the selected data",
                set.len()
            );
        }
        notes.push(format!(
            "partners: {expr} ({} of its {} countries, as of {last}-12-31, trade in the data)",
            seen.len(),
            set.len()
        ));
    }
    if let Some(text) = product {
        let prefixes = parse_product_prefixes(text)?;
        let keep: Vec<bool> = table
            .products
            .iter()
            .map(|p| prefixes.iter().any(|x| p.starts_with(x.as_str())))
            .collect();
        flows
            .cells
            .retain(|c| keep.get(c.product as usize).copied().unwrap_or(false));
        if flows.cells.is_empty() {
            anyhow::bail!(
                "--product {text}: no product of the selected data starts with these HS codes"
            );
        }
        notes.push(format!("products: HS {}", prefixes.join(", ")));
    }
    Ok((!notes.is_empty()).then(|| format!("Filtered: {}.", notes.join("; "))))
}

impl Query {
    /// Loads the data (through the context's cache) and reduces it to the reporter's cells.
    pub fn load(ctx: &Context, sel: &Selection) -> anyhow::Result<Query> {
        if sel.data.is_empty() {
            anyhow::bail!("no trade data given: name a dataset or raw files (--data)");
        }
        let opts = sel.read.options()?;
        let data = ctx.dataset(&sel.data, &opts)?;
        let years = sel.years.as_deref().map(parse_years).transpose()?;
        let rates = match (&sel.currency, &sel.rates) {
            (Some(c), Some(r)) => Some(load_rates(r, c)?),
            (None, Some(_)) => anyhow::bail!("--rates needs --currency CODE"),
            (Some(_), None) => anyhow::bail!("--currency needs --rates FILE"),
            _ => None,
        };
        let raw = sel.reporter.trim().to_ascii_uppercase();
        let reporter = balanza_data::read::legacy_alias(&raw).map_or(raw, str::to_string);
        let flows = balanza_stats::reporter_flows(
            &data.table,
            &reporter,
            years.as_deref(),
            sel.source,
            rates.as_ref(),
        )?;
        let mut flows = flows;
        let filter_note = filter_cells(
            &data.table,
            &mut flows,
            sel.partner.as_deref(),
            sel.product.as_deref(),
        )?;
        let mut ys: Vec<i32> = flows.cells.iter().map(|c| c.year).collect();
        ys.sort_unstable();
        ys.dedup();
        let years_label = match (ys.first(), ys.last()) {
            (Some(a), Some(b)) if a == b => a.to_string(),
            (Some(a), Some(b)) if (b - a + 1) as usize == ys.len() => format!("{a}-{b}"),
            _ => ys.iter().map(i32::to_string).collect::<Vec<_>>().join(","),
        };
        Ok(Query {
            label: data.summary.label.clone(),
            data,
            reporter,
            flows,
            years_label,
            refdata: sel.refdata.clone().or_else(|| ctx.refdata.clone()),
            selection: sel.clone(),
            filter_note,
        })
    }

    /// A title with the data label appended.
    pub fn title(&self, what: &str) -> String {
        let base = format!(
            "{what} of {} ({}), {}, {}",
            self.reporter,
            country_name(&self.reporter),
            self.years_label,
            self.flows.currency
        );
        match &self.label {
            Some(l) => format!("{base} [{l}]"),
            None => base,
        }
    }

    /// The HS revision of the data: the selection's, else what the dataset records.
    pub fn hs_revision(&self) -> Option<String> {
        self.selection
            .read
            .hs_revision
            .as_deref()
            .and_then(balanza_data::read::comtrade_nomenclature)
            .or_else(|| self.data.table.hs_revision.clone())
    }

    /// Whether the data is the demo's synthetic world.
    pub fn is_synthetic(&self) -> bool {
        self.label.as_deref() == Some(SYNTHETIC_LABEL)
    }

    /// The end-use map for the data: from the classification folder when there is one, else
    /// the synthetic world's built-in map when the data is synthetic.
    pub fn end_use_map(&self, ctx: &Context) -> anyhow::Result<Arc<EndUseMap>> {
        if let Some(dir) = &self.refdata {
            let rev = self.hs_revision().context(
                "the data does not record its HS revision: give --hs-revision (e.g. HS2017) so the right HS → BEC table is used",
            )?;
            return ctx.end_use(dir, &rev);
        }
        if self.is_synthetic() {
            return Ok(Arc::new(balanza_data::synth::builtin_end_use()));
        }
        anyhow::bail!(
            "end use needs the classification tables: give --refdata DIR (a folder with hs2017_to_bec4.csv and bec4_to_sna_end_use.csv)"
        )
    }

    /// Descriptions for the keys of a breakdown (partner names, HS descriptions, section
    /// titles, end-use labels).
    pub fn describer(&self, ctx: &Context, by: Breakdown) -> anyhow::Result<Describer> {
        Ok(match by {
            Breakdown::Partner => Box::new(|k: &str| {
                balanza_data::countries::country(k).map_or_else(String::new, |c| c.name.to_string())
            }),
            Breakdown::Section => Box::new(|k: &str| {
                balanza_data::classification::HS_SECTIONS
                    .iter()
                    .find(|s| s.2 == k)
                    .map_or_else(String::new, |s| s.3.to_string())
            }),
            Breakdown::EndUse => Box::new(|k: &str| end_use_label(k).to_string()),
            Breakdown::Product | Breakdown::Hs2 | Breakdown::Hs4 => {
                let descr = match (&self.refdata, self.hs_revision()) {
                    (Some(dir), Some(rev)) => ctx.hs_descriptions(dir, &rev)?,
                    _ if self.is_synthetic() => {
                        Arc::new(balanza_data::synth::builtin_descriptions())
                    }
                    _ => Arc::new(HashMap::new()),
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
            Breakdown::Year | Breakdown::Total => Box::new(|_: &str| String::new()),
        })
    }

    /// The note every table from synthetic data carries.
    pub fn label_note(&self, t: &mut Table) {
        if let Some(f) = &self.filter_note {
            t.note(f.clone());
        }
        if let Some(l) = &self.label {
            t.note(format!(
                "[{l}] these figures describe a generated world, not real trade"
            ));
        }
    }
}

/// The label of an end-use class key.
pub fn end_use_label(key: &str) -> &'static str {
    match key {
        "capital" => "Capital goods",
        "intermediate" => "Intermediate goods",
        "consumption" => "Consumption goods",
        "not_classified" => "Not classified by end use (cars, motor spirit, n.e.s.)",
        "unmapped" => "HS code not in the HS → BEC table",
        _ => "",
    }
}

fn country_name(code: &str) -> String {
    balanza_data::countries::country(code).map_or_else(|| code.to_string(), |c| c.name.to_string())
}

/// Turns a group key into its description.
pub type Describer = Box<dyn Fn(&str) -> String + Send + Sync>;

/// The statistics crate's grouping for a breakdown (end use needs its map).
pub fn grouping(by: Breakdown, end_use: Option<&EndUseMap>) -> anyhow::Result<By<'_>> {
    Ok(match by {
        Breakdown::Partner => By::Partner,
        Breakdown::Product => By::Product,
        Breakdown::Hs2 => By::Hs2,
        Breakdown::Hs4 => By::Hs4,
        Breakdown::Section => By::Section,
        Breakdown::Year => By::Year,
        Breakdown::Total => By::Total,
        Breakdown::EndUse => By::EndUse(end_use.context("end use needs its map")?),
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

    #[test]
    fn selections_refuse_unknown_fields_and_take_the_option_words() {
        let s: Selection = serde_json::from_str(
            r#"{"data": ["a.parquet"], "reporter": "ZAF", "source": "MIRROR"}"#,
        )
        .unwrap();
        assert_eq!(s.source, Source::Mirror);
        assert_eq!(s.read.value_scale, 1.0);
        let e = serde_json::from_str::<Selection>(r#"{"reporter": "ZAF", "by": "x"}"#).unwrap_err();
        assert!(e.to_string().contains("unknown field `by`"), "{e}");
        let e = serde_json::from_str::<Selection>(r#"{"source": "both"}"#).unwrap_err();
        assert!(
            e.to_string()
                .contains("unknown source `both`: expected reported, mirror or totals"),
            "{e}"
        );
    }

    #[test]
    fn product_prefixes_and_partner_lists_parse() {
        assert_eq!(
            parse_product_prefixes("84, 85.04,850440").unwrap(),
            vec!["84", "8504", "850440"]
        );
        for bad in ["", "8", "123", "84x", "8504401"] {
            assert!(parse_product_prefixes(bad).is_err(), "{bad}");
        }
        assert_eq!(commas_as_or("USA,DEU"), "(USA) or (DEU)");
        assert_eq!(
            commas_as_or("ldc and not [HTI, TUV]"),
            "(ldc and not [HTI, TUV])"
        );
        assert_eq!(commas_as_or("(a or b),CHN"), "((a or b)) or (CHN)");
    }
}
