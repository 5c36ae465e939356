//! The tariff table: applied ad-valorem rates by importer, partner (or MFN), HS product, year
//! and regime, with readers for WITS/TRAINS exports, plain CSV and Parquet, and the precedence rule
//! that turns it into one rate per (partner, product) line.
//!
//! Accepted files (CSV, optionally gzip-compressed `.gz`; header names are matched ignoring
//! case, spaces, `_` and punctuation):
//!
//! * **Plain CSV**: `importer`, `partner`, `product`, `rate_pct`, and optionally `year` and
//!   `regime`. `partner` empty, `MFN`, `WLD`, `000` or `World` means the MFN rate for every
//!   partner. `product` is an HS code of 0 to 6 digits (longer national tariff lines are
//!   averaged to HS6); a shorter code applies to every HS6 code under it, and an empty product
//!   (or `*`/`ALL`) applies to all products. `rate_pct` is in percent (7.5 = 7.5 %).
//! * **Parquet** with the plain CSV's columns (strings or numbers; a null partner = MFN).
//! * **WITS/TRAINS export** (the "Tariff – View and Export" / Advanced Query result files):
//!   recognised by a `DutyType` or `Simple Average` column. Columns used: `Reporter` (or
//!   `Reporter ISO3`/`Reporter Code`/`Reporter_ISO_N`, ISO3 or numeric), `Partner` (`WLD`/`000`
//!   = all partners; a file without a partner column, like the WITS MFN bulk files, is MFN),
//!   `Product` (or `Product Code`), `Tariff Year` (or `Year`), `DutyType` (`MFN` → MFN, `PRF`
//!   and `AHS` → partner-specific preferential/applied, `BND` bound rates are skipped), and
//!   `Simple Average` (percent). Other columns are ignored.
//!
//! Precedence for one (partner, HS6 product): the most specific partner-specific rate (an
//! eligible scheme or agreement rate) if there is one, else the most specific MFN rate; when a
//! scheme rate exceeds MFN the lower MFN rate applies (importers apply the more favourable
//! rate). Specificity is HS6 > HS4 > HS2 > all products. For years: the rows of the year
//! closest to the base year, preferring earlier years on ties.

use crate::PeError;
use balanza_data::countries::{country, country_by_numeric};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// The regime name of MFN rows.
pub const MFN: &str = "MFN";

/// One row of the tariff table.
#[derive(Debug, Clone, PartialEq)]
pub struct TariffRow {
    /// Importer ISO3.
    pub importer: String,
    /// Partner ISO3; `None` = MFN (applies to every partner).
    pub partner: Option<String>,
    /// HS code prefix, 0–6 digits (empty = all products).
    pub product: String,
    /// Tariff year, when given.
    pub year: Option<i32>,
    /// Ad-valorem rate as a fraction (0.075 = 7.5 %).
    pub rate: f64,
    /// `MFN` or the name of the preferential scheme.
    pub regime: String,
}

/// A tariff table with what reading it skipped.
#[derive(Debug, Clone, Default)]
pub struct TariffTable {
    /// The rows.
    pub rows: Vec<TariffRow>,
    /// Rows skipped because they carry no ad-valorem rate (specific duties without an AVE).
    pub skipped_no_rate: usize,
    /// Rows skipped because they are bound (not applied) rates.
    pub skipped_bound: usize,
}

/// The key of a product prefix: number of digits in the top byte, the digits below, so that
/// lookups hash integers rather than strings in the per-line loop.
fn prefix_key(code: &str) -> u64 {
    let mut v = 0u64;
    for b in code.bytes() {
        v = v * 10 + u64::from(b - b'0');
    }
    ((code.len() as u64) << 40) | v
}

fn is_mfn_partner(s: &str) -> bool {
    let t = s.trim();
    t.is_empty()
        || t.eq_ignore_ascii_case("mfn")
        || t.eq_ignore_ascii_case("wld")
        || t.eq_ignore_ascii_case("world")
        || t == "000"
        || t == "0"
}

fn norm_header(h: &str) -> String {
    h.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Opens a text file, decompressing gzip (recognised by the data layer's one sniffer).
pub(crate) fn open_text(path: &Path) -> Result<Box<dyn Read>, PeError> {
    let (reader, _, _) = balanza_data::read::open_input(path).map_err(|e| PeError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    Ok(Box::new(reader))
}

/// The rows of a Parquet tariff table as text cells, through the data layer's Parquet reader
/// (numbers in their shortest form, nulls empty), with the column names.
fn parquet_rows(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), PeError> {
    let err = |e: balanza_data::DataError| match e {
        balanza_data::DataError::Io { .. } => PeError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        },
        other => PeError::File {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message: other.to_string(),
        },
    };
    let names = balanza_data::column_names(path).map_err(err)?;
    let frame = balanza_data::read_columns(path, &names).map_err(err)?;
    // The frame's own names: a repeated header name is one column in the frame.
    Ok((frame.names().to_vec(), frame.text_rows()))
}

fn resolve_country(code: &str) -> Option<String> {
    let t = code.trim();
    if let Some(c) = country(t) {
        return Some(c.iso3.to_string());
    }
    t.parse::<u16>()
        .ok()
        .and_then(country_by_numeric)
        .map(|c| c.iso3.to_string())
}

impl TariffTable {
    /// Reads a plain or WITS/TRAINS tariff CSV, or a Parquet file with the plain columns (see
    /// the module docs).
    pub fn read(path: &Path) -> Result<TariffTable, PeError> {
        let ferr = |line: u64, col: usize, message: String| PeError::File {
            path: path.to_path_buf(),
            line,
            column: col,
            message,
        };
        // By content, or by name (a damaged `.parquet` file gets the Parquet reader's error).
        let parquet_name = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
        if parquet_name || balanza_data::read::is_parquet(path) {
            let (names, rows) = parquet_rows(path)?;
            return Self::from_rows(path, &names, rows.into_iter().map(Ok));
        }
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(open_text(path)?);
        let names: Vec<String> = rdr
            .headers()
            .map_err(|e| ferr(1, 1, e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        let rows = rdr.into_records().enumerate().map(|(k, rec)| {
            rec.map(|r| r.iter().map(str::to_string).collect())
                .map_err(|e| ferr(k as u64 + 2, 1, e.to_string()))
        });
        Self::from_rows(path, &names, rows)
    }

    /// Validates and collects tariff rows given as text cells under `names` (line 1 is the
    /// header, row k is line k + 2, as in a CSV file).
    fn from_rows(
        path: &Path,
        names: &[String],
        rows: impl Iterator<Item = Result<Vec<String>, PeError>>,
    ) -> Result<TariffTable, PeError> {
        let ferr = |line: u64, col: usize, message: String| PeError::File {
            path: path.to_path_buf(),
            line,
            column: col,
            message,
        };
        let headers: Vec<String> = names.iter().map(|h| norm_header(h)).collect();
        let find = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
        let wits = find(&["dutytype", "simpleaverage"]).is_some();
        let col_imp = find(&[
            "importer",
            "reporter",
            "reporteriso3",
            "reportercode",
            "reporteriso",
            "reporterison",
        ]);
        let col_par = find(&["partner", "partneriso3", "partnercode", "partneriso"]);
        let col_prod = find(&["product", "productcode", "hs6", "hscode"]);
        let col_year = find(&["year", "tariffyear"]);
        let col_rate = if wits {
            find(&["simpleaverage"])
        } else {
            find(&["ratepct", "rate"])
        };
        let col_regime = find(&["regime", "scheme"]);
        let col_duty = find(&["dutytype"]);
        let need = |c: Option<usize>, what: &str| {
            c.ok_or_else(|| {
                ferr(
                    1,
                    1,
                    format!(
                        "no `{what}` column; a plain tariff file needs importer, partner, product, \
                         rate_pct (optional year, regime); a WITS/TRAINS export needs Reporter, \
                         Partner, Product, DutyType and Simple Average"
                    ),
                )
            })
        };
        // A WITS MFN bulk file (one rate per reporter × product) has no partner column.
        let (ci, cp, cr) = (
            need(col_imp, "importer")?,
            if wits {
                col_par
            } else {
                Some(need(col_par, "partner")?)
            },
            need(col_rate, if wits { "Simple Average" } else { "rate_pct" })?,
        );
        let cprod = need(col_prod, "product")?;
        // Accumulate (importer, partner, hs6-or-shorter, year, regime) → (sum, n) so national
        // tariff lines longer than HS6 become their simple average at HS6.
        type Key = (String, Option<String>, String, Option<i32>, String);
        let mut acc: HashMap<Key, (f64, u32)> = HashMap::new();
        let mut order: Vec<Key> = Vec::new();
        let mut table = TariffTable::default();
        for (k, rec) in rows.enumerate() {
            let line = k as u64 + 2;
            let rec = rec?;
            let get = |c: usize| rec.get(c).map_or("", |v| v.trim());
            let mut regime = col_regime.map_or(String::new(), |c| get(c).to_string());
            if let Some(cd) = col_duty {
                match get(cd).to_ascii_uppercase().as_str() {
                    "MFN" => regime = MFN.to_string(),
                    "BND" => {
                        table.skipped_bound += 1;
                        continue;
                    }
                    "PRF" | "AHS" => {
                        if regime.is_empty() {
                            regime = get(cd).to_ascii_uppercase();
                        }
                    }
                    other => {
                        return Err(ferr(
                            line,
                            cd + 1,
                            format!("unknown DutyType `{other}`: expected MFN, PRF, AHS or BND"),
                        ))
                    }
                }
            }
            let rate_text = get(cr);
            if rate_text.is_empty() || rate_text.eq_ignore_ascii_case("na") {
                table.skipped_no_rate += 1;
                continue;
            }
            let rate: f64 = rate_text.parse().map_err(|_| {
                ferr(
                    line,
                    cr + 1,
                    format!("rate `{rate_text}` is not a number (percent expected, e.g. 7.5)"),
                )
            })?;
            if !rate.is_finite() || rate < 0.0 {
                return Err(ferr(
                    line,
                    cr + 1,
                    format!(
                        "negative or invalid tariff rate {rate_text}: rates must be ≥ 0 percent"
                    ),
                ));
            }
            let importer = resolve_country(get(ci)).ok_or_else(|| {
                ferr(
                    line,
                    ci + 1,
                    balanza_data::countries::unknown_country_message(get(ci)),
                )
            })?;
            let ptxt = cp.map_or("", get);
            let partner = if is_mfn_partner(ptxt) {
                None
            } else {
                Some(resolve_country(ptxt).ok_or_else(|| {
                    ferr(
                        line,
                        cp.unwrap_or(0) + 1,
                        balanza_data::countries::unknown_country_message(ptxt),
                    )
                })?)
            };
            if regime.is_empty() {
                regime = if partner.is_none() {
                    MFN.to_string()
                } else {
                    "preferential".to_string()
                };
            }
            let ptext = get(cprod);
            let product: String = if ptext == "*" || ptext.eq_ignore_ascii_case("all") {
                String::new()
            } else {
                ptext.chars().filter(|c| *c != '.' && *c != ' ').collect()
            };
            if !product.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ferr(
                    line,
                    cprod + 1,
                    format!("product `{ptext}` is not an HS code (digits expected, e.g. 080929)"),
                ));
            }
            let product = product.chars().take(6).collect::<String>();
            let year = match col_year.map(get) {
                None | Some("") => None,
                Some(y) => Some(y.parse::<i32>().map_err(|_| {
                    ferr(
                        line,
                        col_year.unwrap_or(0) + 1,
                        format!("year `{y}` is not a year"),
                    )
                })?),
            };
            let key = (importer, partner, product, year, regime);
            let e = acc.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                (0.0, 0)
            });
            e.0 += rate / 100.0;
            e.1 += 1;
        }
        for key in order {
            let (s, n) = acc[&key];
            let (importer, partner, product, year, regime) = key;
            table.rows.push(TariffRow {
                importer,
                partner,
                product,
                year,
                rate: s / f64::from(n),
                regime,
            });
        }
        Ok(table)
    }

    /// The rates that apply to `importer`'s imports in `year` (closest year per key).
    ///
    /// `partner_id` maps ISO3 codes to the ids used by the market's lines; rows for partners
    /// without an id are kept aside (they cannot match a line).
    pub fn index(
        &self,
        importer: &str,
        year: i32,
        partner_id: &HashMap<String, u32>,
    ) -> TariffIndex {
        // Pick, per (partner, product, regime), the row whose year is closest to `year`.
        let mut best: HashMap<(Option<&str>, &str, &str), &TariffRow> = HashMap::new();
        let dist = |r: &TariffRow| match r.year {
            None => (0, 0),
            Some(y) => ((y - year).abs(), i32::from(y > year)),
        };
        for r in self.rows.iter().filter(|r| r.importer == importer) {
            let k = (r.partner.as_deref(), r.product.as_str(), r.regime.as_str());
            match best.get(&k) {
                Some(old) if dist(old) <= dist(r) => {}
                _ => {
                    best.insert(k, r);
                }
            }
        }
        let mut idx = TariffIndex::default();
        let mut years = std::collections::BTreeSet::new();
        for r in best.values() {
            if let Some(y) = r.year {
                years.insert(y);
            }
            let pk = prefix_key(&r.product);
            match &r.partner {
                None => {
                    let e = idx.mfn.entry(pk).or_insert((r.rate, r.regime.clone()));
                    if r.rate < e.0 {
                        *e = (r.rate, r.regime.clone());
                    }
                }
                Some(p) => match partner_id.get(p) {
                    Some(&id) => {
                        idx.pref_partners.insert(id);
                        let e = idx
                            .pref
                            .entry((id, pk))
                            .or_insert((r.rate, r.regime.clone()));
                        if r.rate < e.0 {
                            *e = (r.rate, r.regime.clone());
                        }
                    }
                    None => idx.unmatched_partner_rows += 1,
                },
            }
            idx.products.insert(r.product.clone());
        }
        idx.years = years.into_iter().collect();
        idx
    }
}

/// One importer's rates, ready for per-line lookups.
#[derive(Debug, Clone, Default)]
pub struct TariffIndex {
    mfn: HashMap<u64, (f64, String)>,
    pref: HashMap<(u32, u64), (f64, String)>,
    /// Partners with any partner-specific row: the line loop skips scheme lookups for the
    /// others (most partners pay MFN).
    pref_partners: std::collections::HashSet<u32>,
    /// Product codes (prefixes) that carry a rate, for the "tariff lines without imports" count.
    pub products: std::collections::BTreeSet<String>,
    /// Tariff years used.
    pub years: Vec<i32>,
    /// Partner-specific rows for partners that have no imports in the market.
    pub unmatched_partner_rows: usize,
}

impl TariffIndex {
    /// The applied rate and its regime for `partner` (market id) and an HS6 `product`, or
    /// `None` when neither a scheme nor an MFN rate covers the product.
    pub fn rate(&self, partner: u32, product: &str) -> Option<(f64, &str)> {
        if !product.bytes().all(|b| b.is_ascii_digit()) {
            return None; // not an HS code: no tariff line can match
        }
        let digits = product.len().min(6);
        let has_pref = self.pref_partners.contains(&partner);
        let mut pref = None;
        let mut mfn = None;
        for len in [digits, 4, 2, 0] {
            if len > digits {
                continue;
            }
            let pk = prefix_key(&product[..len]);
            if has_pref && pref.is_none() {
                pref = self.pref.get(&(partner, pk));
            }
            if mfn.is_none() {
                mfn = self.mfn.get(&pk);
            }
            if (pref.is_some() || !has_pref) && mfn.is_some() {
                break;
            }
        }
        match (pref, mfn) {
            (Some(p), Some(m)) if m.0 < p.0 => Some((m.0, m.1.as_str())),
            (Some(p), _) => Some((p.0, p.1.as_str())),
            (None, Some(m)) => Some((m.0, m.1.as_str())),
            (None, None) => None,
        }
    }

    /// Adds a flat MFN rate for every product not otherwise covered (a scenario's
    /// `mfn_rate_pct`): it is the least specific row, so file rates take precedence.
    pub fn set_flat_mfn(&mut self, rate: f64) {
        self.mfn
            .entry(prefix_key(""))
            .or_insert((rate, MFN.to_string()));
        self.products.insert(String::new());
    }

    /// True when no rate at all is known.
    pub fn is_empty(&self) -> bool {
        self.mfn.is_empty() && self.pref.is_empty()
    }
}

/// A small, fast, seedable generator (SplitMix64) for synthetic rates: no dependency, and the
/// same seed gives the same rates on every platform.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Seeded synthetic MFN rates for the demo's synthetic world: one HS6 rate per product.
///
/// The level depends on the HS chapter, loosely following the shape of real MFN schedules
/// (agriculture and food highest, apparel and footwear next, chemicals and machinery low);
/// about one line in eight is duty-free. Rates are rounded to half a percentage point. The
/// result is labelled synthetic by the caller; it is not anyone's tariff schedule.
pub fn synthetic_mfn(importer: &str, products: &[String], year: i32, seed: u64) -> TariffTable {
    let mut rows = Vec::with_capacity(products.len());
    let imp_hash = importer
        .bytes()
        .fold(seed, |h, b| splitmix(h ^ u64::from(b)));
    for p in products {
        let code: String = p.chars().take(6).collect();
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let h = code
            .bytes()
            .fold(imp_hash, |h, b| splitmix(h ^ u64::from(b)));
        let u = (h >> 11) as f64 / (1u64 << 53) as f64;
        let chapter: u32 = code.get(..2).and_then(|c| c.parse().ok()).unwrap_or(99);
        let (lo, hi) = match chapter {
            1..=24 => (5.0, 30.0),
            50..=67 => (5.0, 20.0),
            25..=27 | 72..=83 => (0.0, 8.0),
            84..=85 | 90 => (0.0, 10.0),
            87 => (5.0, 25.0),
            _ => (2.0, 12.0),
        };
        let free = splitmix(h) % 8 == 0;
        let pct = if free {
            0.0
        } else {
            ((lo + (hi - lo) * u) * 2.0).round() / 2.0
        };
        rows.push(TariffRow {
            importer: importer.to_string(),
            partner: None,
            product: code,
            year: Some(year),
            rate: pct / 100.0,
            regime: MFN.to_string(),
        });
    }
    TariffTable {
        rows,
        ..TariffTable::default()
    }
}

impl TariffTable {
    /// Writes the table as a plain tariff CSV (the format [`TariffTable::read`] accepts).
    pub fn to_csv(&self) -> String {
        let mut s = String::from("importer,partner,product,year,rate_pct,regime\n");
        for r in &self.rows {
            s.push_str(&format!(
                "{},{},{},{},{},{}\n",
                r.importer,
                r.partner.as_deref().unwrap_or("MFN"),
                r.product,
                r.year.map_or(String::new(), |y| y.to_string()),
                r.rate * 100.0,
                r.regime
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("balanza-sim-{}-{name}", std::process::id()));
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn plain_precedence_and_specificity() {
        let p = write(
            "plain.csv",
            "importer,partner,product,year,rate_pct,regime\n\
             CHN,,,2024,8,MFN\n\
             CHN,MFN,08,2024,20,MFN\n\
             CHN,MFN,080929,2024,10,MFN\n\
             CHN,MFN,080929,2019,12,MFN\n\
             CHN,CHL,0809,2024,0,China-Chile FTA\n\
             CHN,AFG,,2024,9,odd scheme\n\
             CHN,AFG,85171210,2024,4,LDC\n\
             CHN,AFG,85171290,2024,6,LDC\n",
        );
        let t = TariffTable::read(&p).unwrap();
        let ids: HashMap<String, u32> = [
            ("CHL".to_string(), 0),
            ("AFG".to_string(), 1),
            ("ZAF".to_string(), 2),
        ]
        .into();
        let idx = t.index("CHN", 2024, &ids);
        assert_eq!(idx.rate(2, "080929"), Some((0.10, "MFN")));
        assert_eq!(idx.rate(2, "080440"), Some((0.20, "MFN")));
        assert_eq!(idx.rate(2, "851713"), Some((0.08, "MFN")));
        assert_eq!(idx.rate(0, "080929"), Some((0.0, "China-Chile FTA")));
        // A scheme rate above MFN: the lower MFN rate applies.
        assert_eq!(idx.rate(1, "010121"), Some((0.08, "MFN")));
        // National lines 85171210 and 85171290 become HS6 851712 at their mean, 5 %.
        let (r, reg) = idx.rate(1, "851712").unwrap();
        assert!((r - 0.05).abs() < 1e-12 && reg == "LDC");
        // Closest year: 2019 row used only when asked for 2019.
        assert_eq!(
            t.index("CHN", 2019, &ids).rate(2, "080929"),
            Some((0.12, "MFN"))
        );
    }

    #[test]
    fn wits_export_and_bad_input() {
        let p = write(
            "wits.csv",
            "Selected Nomen,Native Nomen,Reporter,Reporter Name,Partner,Partner Name,Tariff Year,\
             Trade Year,Trade Source,Product,Product Name,DutyType,Simple Average,Weighted Average\n\
             H5,H5,156,China,000,World,2020,2020,CMT,080929,Cherries,MFN,10,10\n\
             H5,H5,156,China,000,World,2020,2020,CMT,080929,Cherries,BND,10,10\n\
             H5,H5,156,China,152,Chile,2020,2020,CMT,080929,Cherries,PRF,0,0\n\
             H5,H5,156,China,000,World,2020,2020,CMT,080440,Avocados,MFN,,\n",
        );
        let t = TariffTable::read(&p).unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!((t.skipped_bound, t.skipped_no_rate), (1, 1));
        assert_eq!(t.rows[1].partner.as_deref(), Some("CHL"));
        // A WITS MFN bulk file: numeric reporter, no partner and no duty-type column.
        let bulk = write(
            "bulk.csv",
            "NomenCode,Reporter_ISO_N,Year,ProductCode,Sum_Of_Rates,Min_Rate,Max_Rate,SimpleAverage\n\
             H5,156,2020,080929,10,10,10,10\n",
        );
        let b = TariffTable::read(&bulk).unwrap();
        assert_eq!(b.rows.len(), 1);
        assert_eq!(
            (
                b.rows[0].importer.as_str(),
                b.rows[0].partner.as_deref(),
                b.rows[0].regime.as_str()
            ),
            ("CHN", None, "MFN")
        );
        assert_eq!(b.rows[0].year, Some(2020));
        let bad = write(
            "bad.csv",
            "importer,partner,product,rate_pct\nCHN,,01,5\nCHN,CNH,01,-1\n",
        );
        let e = TariffTable::read(&bad).unwrap_err().to_string();
        assert!(e.contains(":3:4") && e.contains("negative"), "{e}");
    }

    #[test]
    fn parquet_tariffs() {
        use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type};
        use parquet::file::properties::WriterProperties;
        use parquet::file::writer::SerializedFileWriter;
        use std::sync::Arc;
        let schema = Arc::new(
            parquet::schema::parser::parse_message_type(
                "message t { required binary importer (UTF8); optional binary partner (UTF8); \
                 required binary product (UTF8); required int32 year; required double rate_pct; }",
            )
            .unwrap(),
        );
        let p = std::env::temp_dir().join(format!("balanza-sim-{}-t.parquet", std::process::id()));
        let file = std::fs::File::create(&p).unwrap();
        let mut w =
            SerializedFileWriter::new(file, schema, Arc::new(WriterProperties::builder().build()))
                .unwrap();
        let mut rg = w.next_row_group().unwrap();
        let ba = |v: &[&str]| v.iter().map(|s| ByteArray::from(*s)).collect::<Vec<_>>();
        let mut k = 0;
        while let Some(mut col) = rg.next_column().unwrap() {
            match k {
                0 => col
                    .typed::<ByteArrayType>()
                    .write_batch(&ba(&["CHN", "CHN"]), None, None),
                1 => col
                    .typed::<ByteArrayType>()
                    .write_batch(&ba(&["AFG"]), Some(&[0, 1]), None),
                2 => col
                    .typed::<ByteArrayType>()
                    .write_batch(&ba(&["0809", "0809"]), None, None),
                3 => col
                    .typed::<Int32Type>()
                    .write_batch(&[2020, 2020], None, None),
                _ => col
                    .typed::<DoubleType>()
                    .write_batch(&[10.0, 0.0], None, None),
            }
            .unwrap();
            col.close().unwrap();
            k += 1;
        }
        rg.close().unwrap();
        w.close().unwrap();
        let t = TariffTable::read(&p).unwrap();
        let ids: HashMap<String, u32> = [("AFG".to_string(), 0), ("ZAF".to_string(), 1)].into();
        let idx = t.index("CHN", 2020, &ids);
        assert_eq!(idx.rate(1, "080929"), Some((0.10, "MFN")));
        assert_eq!(idx.rate(0, "080929"), Some((0.0, "preferential")));
    }

    #[test]
    fn synthetic_rates_are_seeded() {
        let prods: Vec<String> = ["010121", "620342", "847130"].map(String::from).to_vec();
        let a = synthetic_mfn("CHN", &prods, 2024, 7);
        let b = synthetic_mfn("CHN", &prods, 2024, 7);
        let c = synthetic_mfn("CHN", &prods, 2024, 8);
        assert_eq!(a.rows, b.rows);
        assert_ne!(a.rows, c.rows);
        assert!(a.rows.iter().all(|r| (0.0..=0.30).contains(&r.rate)));
    }
}
