//! Running a scenario: flows + tariffs + elasticities → one market of (partner, product) lines
//! → the PE model → line results, aggregates, trade balance and a data-coverage account.

use super::products::{hs_section, EndUseMap};
use super::Scenario;
use crate::market::{LineResult, Market, Model, ProductResult};
use crate::tariffs::{open_text, TariffIndex, TariffTable};
use crate::PeError;
use balanza_data::countries::country;
use balanza_data::table::TradeTable;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Import-demand elasticities |ε| by HS prefix (6, 4 or 2 digits).
#[derive(Debug, Clone, Default)]
pub struct Elasticities {
    map: HashMap<String, f64>,
}

impl Elasticities {
    /// Reads a CSV with columns `product` (HS6, HS4 or HS2 code) and `elasticity` (the
    /// absolute value |ε| > 0; a negative value is an error, so that sign conventions cannot
    /// silently flip the effect).
    pub fn read(path: &Path) -> Result<Elasticities, PeError> {
        let mut rdr = csv::Reader::from_reader(open_text(path)?);
        let ferr = |line: u64, column: usize, message: String| PeError::File {
            path: path.to_path_buf(),
            line,
            column,
            message,
        };
        let h = rdr
            .headers()
            .map_err(|e| ferr(1, 1, e.to_string()))?
            .clone();
        let pos = |n: &str| h.iter().position(|x| x.trim().eq_ignore_ascii_case(n));
        let cp = pos("product").ok_or_else(|| ferr(1, 1, "no `product` column".into()))?;
        let ce = pos("elasticity").ok_or_else(|| ferr(1, 1, "no `elasticity` column".into()))?;
        let mut map = HashMap::new();
        for (k, rec) in rdr.records().enumerate() {
            let line = k as u64 + 2;
            let rec = rec.map_err(|e| ferr(line, 1, e.to_string()))?;
            let p = rec.get(cp).unwrap_or("").trim().to_string();
            let t = rec.get(ce).unwrap_or("").trim();
            let e: f64 = t
                .parse()
                .map_err(|_| ferr(line, ce + 1, format!("`{t}` is not a number")))?;
            if !(e.is_finite() && e > 0.0) {
                return Err(ferr(
                    line,
                    ce + 1,
                    format!(
                        "elasticity {t}: give the absolute value |ε| > 0 (negative values are \
                         rejected so a sign convention cannot flip the result)"
                    ),
                ));
            }
            map.insert(p, e);
        }
        Ok(Elasticities { map })
    }

    /// |ε| for an HS6 product: the most specific listed prefix, if any.
    pub fn get(&self, hs6: &str) -> Option<f64> {
        [6usize, 4, 2]
            .iter()
            .filter(|&&n| n <= hs6.len())
            .find_map(|&n| self.map.get(&hs6[..n]).copied())
    }
}

/// What the data covered and what was left out, so nothing is dropped silently.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Coverage {
    /// Import lines (partner × product) of the importer in the base year.
    pub import_lines: usize,
    /// Import lines without a tariff (neither MFN nor scheme), left out of the simulation.
    pub imports_without_tariff: usize,
    /// Their import value.
    pub imports_without_tariff_value: f64,
    /// HS6 tariff lines of the importer with no imports from any partner.
    pub tariff_lines_without_imports: usize,
    /// Partner-specific tariff rows for partners that do not export to the importer.
    pub tariff_rows_partner_without_imports: usize,
    /// Products simulated with the default |ε| (no estimate in the elasticities file).
    pub products_default_elasticity: usize,
    /// Products simulated.
    pub products: usize,
    /// Lines whose imports SMART would have made negative (set to zero).
    pub clamped_lines: usize,
    /// Tariff years used.
    pub tariff_years: Vec<i32>,
    /// Import lines whose product is not an HS6 code (totals, aggregates), left out.
    pub non_hs6_lines: usize,
    /// Their import value.
    pub non_hs6_value: f64,
}

/// The simulated market with everything needed to report it.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The model that ran.
    pub model: Model,
    /// Country codes, indexed by the ids in `partner` (the flows' dictionary).
    pub countries: Vec<String>,
    /// Partner id per line (into `countries`).
    pub partner: Vec<u32>,
    /// Product index per line (into `product_codes`).
    pub product: Vec<u32>,
    /// Index of the last measure that changed the line's tariff (`None` = unchanged).
    pub measure: Vec<Option<u16>>,
    /// Baseline regime of each line (index into `regime_names`).
    pub regime: Vec<u16>,
    /// Regime names (MFN or a scheme name).
    pub regime_names: Vec<String>,
    /// Inputs and per-line results (the market's columns).
    pub market: Market,
    /// Line results, in the market's order.
    pub lines: Vec<LineResult>,
    /// Product results.
    pub products: Vec<ProductResult>,
    /// HS6 code per product.
    pub product_codes: Vec<String>,
    /// End-use class per product, as a selection sees it (a split code: its first listed
    /// class).
    pub product_end_use: Vec<&'static str>,
    /// Shares of each product's value by end use (indexes into `END_USE_AGGREGATES`, weights
    /// summing to 1), the rule `composition --by enduse` uses.
    pub product_end_use_shares: Vec<Vec<(usize, f64)>>,
    /// Whether each product used the default |ε|.
    pub product_default_eps: Vec<bool>,
    /// Measure names, by index.
    pub measure_names: Vec<String>,
    /// The importer's exports to each partner in the base year (for trade balances).
    pub exports: BTreeMap<String, f64>,
    /// What the data covered.
    pub coverage: Coverage,
}

/// Sums over a set of lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Aggregate {
    /// The key (partner, group, section, end use...).
    pub key: String,
    /// Number of lines.
    pub lines: usize,
    /// Baseline imports.
    pub baseline: f64,
    /// New imports.
    pub new_imports: f64,
    /// Trade creation.
    pub creation: f64,
    /// Trade diversion.
    pub diversion: f64,
    /// Tariff revenue change.
    pub revenue_change: f64,
    /// Consumer-surplus change.
    pub consumer_surplus: f64,
    /// Welfare (SMART: Harberger triangle; CES: ΔCS + ΔTR).
    pub welfare: f64,
    /// Import change summed line by line (no cancellation of two large totals).
    pub change: f64,
    /// Σ|line import change|: the scale of the rounding in `change`.
    pub gross_change: f64,
    /// Σ|line diversion|: the scale of the rounding in `diversion`.
    pub gross_diversion: f64,
}

impl Aggregate {
    /// The import change; a sum below its rounding bound is 0 ([`settle`]).
    pub fn import_change(&self) -> f64 {
        settle(self.change, self.gross_change, self.lines)
    }

    /// The net trade diversion (zero over all partners of a product under SMART); a sum below
    /// its rounding bound is 0 ([`settle`]).
    pub fn net_diversion(&self) -> f64 {
        settle(self.diversion, self.gross_diversion, self.lines)
    }
}

/// A sum of `n` terms whose magnitudes add up to `gross` is exact only to about `n·ε·gross`;
/// a result within that bound cannot be told from zero and is reported as 0, so a net
/// diversion that cancels prints `0`, not `-1.1e-13`.
pub fn settle(sum: f64, gross: f64, n: usize) -> f64 {
    if sum.abs() <= n.max(1) as f64 * f64::EPSILON * gross {
        0.0
    } else {
        sum
    }
}

/// Market totals.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    /// Sums over all lines.
    pub all: Aggregate,
    /// Tariff revenue before.
    pub revenue_before: f64,
    /// Tariff revenue after.
    pub revenue_after: f64,
    /// SMART: Harberger triangle with TC only (the WITS welfare figure); CES: 0.
    pub welfare_triangle_tc: f64,
    /// SMART: triangle with TC + TD; CES: 0.
    pub welfare_triangle_tc_td: f64,
    /// ΔCS + ΔTR.
    pub net_welfare: f64,
}

/// Loads the optional inputs a scenario names and runs it on `flows`.
pub fn run(sc: &Scenario, flows: &TradeTable) -> Result<Outcome, PeError> {
    let tariffs = match &sc.data.tariffs {
        Some(p) => TariffTable::read(p)?,
        None => TariffTable::default(),
    };
    let eps = match &sc.data.elasticities {
        Some(p) => Elasticities::read(p)?,
        None => Elasticities::default(),
    };
    let end_use = match &sc.data.end_use {
        Some(p) => EndUseMap::read(p)?,
        None => EndUseMap::default(),
    };
    run_with(sc, flows, &tariffs, &eps, &end_use)
}

/// Runs a scenario on loaded inputs.
pub fn run_with(
    sc: &Scenario,
    flows: &TradeTable,
    tariffs: &TariffTable,
    eps: &Elasticities,
    end_use: &EndUseMap,
) -> Result<Outcome, PeError> {
    if end_use.is_empty() {
        if let Some((i, _)) = sc
            .measures
            .iter()
            .enumerate()
            .find(|(_, m)| !m.products.end_use.is_empty())
        {
            return Err(PeError::Data(format!(
                "measures[{i}].products.end_use selects by end use, but no HS → BEC concordance \
                 was given: set data.end_use (e.g. ../shared/data/classification/hs2017_to_bec4.csv)"
            )));
        }
    }
    let imp = flows.country_id(&sc.importer).ok_or_else(|| {
        PeError::Data(format!(
            "the flows have no rows for importer {} (countries present: {})",
            sc.importer,
            flows.countries.len()
        ))
    })?;
    // Baseline imports: the row indices of the importer's base-year imports, sorted by
    // (product code, partner) so each product's lines are contiguous; duplicates are summed
    // below. Sorting u64 keys keeps this O(n log n) on integers, not strings.
    let mut prank = vec![0u32; flows.products.len()];
    {
        let mut order: Vec<u32> = (0..flows.products.len() as u32).collect();
        order
            .sort_unstable_by(|&a, &b| flows.products[a as usize].cmp(&flows.products[b as usize]));
        for (r, &p) in order.iter().enumerate() {
            prank[p as usize] = r as u32;
        }
    }
    let mut rows: Vec<(u64, u32)> = Vec::new();
    let mut exports: BTreeMap<String, f64> = BTreeMap::new();
    let mut years_present = std::collections::BTreeSet::new();
    for r in 0..flows.len() {
        let y = flows.year[r];
        if flows.importer[r] == imp {
            years_present.insert(y);
        }
        if y != sc.base_year {
            continue;
        }
        if flows.importer[r] == imp && flows.exporter[r] != imp {
            let key =
                (u64::from(prank[flows.product[r] as usize]) << 32) | u64::from(flows.exporter[r]);
            rows.push((key, r as u32));
        } else if flows.exporter[r] == imp && flows.importer[r] != imp {
            *exports
                .entry(flows.countries[flows.importer[r] as usize].clone())
                .or_insert(0.0) += flows.value[r];
        }
    }
    if rows.is_empty() {
        return Err(PeError::Data(format!(
            "no imports of {} in {} in the flows (years with imports of {}: {}); set base_year \
             or pass --base-year",
            sc.importer,
            sc.base_year,
            sc.importer,
            if years_present.is_empty() {
                "none".to_string()
            } else {
                years_present
                    .iter()
                    .map(|y| y.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        )));
    }
    rows.sort_unstable_by_key(|x| x.0);
    let partner_ids: HashMap<String, u32> = flows
        .countries
        .iter()
        .enumerate()
        .map(|(i, c)| (c.clone(), i as u32))
        .collect();
    let mut tindex: TariffIndex = tariffs.index(&sc.importer, sc.base_year, &partner_ids);
    if let Some(r) = sc.data.mfn_rate {
        tindex.set_flat_mfn(r);
    }
    if tindex.is_empty() {
        return Err(PeError::Data(format!(
            "no tariff rates for importer {}: give data.tariffs (a tariff file with rows for {}) \
             or data.mfn_rate_pct (a flat MFN rate)",
            sc.importer, sc.importer
        )));
    }
    // Which measures select each country: a per-country list, computed once (measures are
    // few; countries are a few hundred), so the line loop does no string comparisons.
    let partner_measures: Vec<Vec<u16>> = flows
        .countries
        .iter()
        .map(|c| {
            sc.measures
                .iter()
                .enumerate()
                .filter(|(_, m)| m.partners.contains(c.as_str()))
                .map(|(k, _)| k as u16)
                .collect()
        })
        .collect();
    let n_lines_max = rows.len();
    let mut cov = Coverage {
        tariff_rows_partner_without_imports: tindex.unmatched_partner_rows,
        tariff_years: tindex.years.clone(),
        ..Coverage::default()
    };
    let mut out = Outcome {
        model: sc.model,
        countries: flows.countries.clone(),
        partner: Vec::with_capacity(n_lines_max),
        product: Vec::with_capacity(n_lines_max),
        measure: Vec::with_capacity(n_lines_max),
        regime: Vec::with_capacity(n_lines_max),
        regime_names: Vec::new(),
        market: Market::default(),
        lines: Vec::new(),
        products: Vec::new(),
        product_codes: Vec::new(),
        product_end_use: Vec::new(),
        product_end_use_shares: Vec::new(),
        product_default_eps: Vec::new(),
        measure_names: sc.measures.iter().map(|m| m.name.clone()).collect(),
        exports,
        coverage: Coverage::default(),
    };
    let mut regime_ids: HashMap<String, u16> = HashMap::new();
    let mkt = &mut out.market;
    mkt.imports.reserve(n_lines_max);
    mkt.t0.reserve(n_lines_max);
    mkt.t1.reserve(n_lines_max);
    let mut imported_products = std::collections::HashSet::new();
    let mut product_measures: Vec<bool> = vec![false; sc.measures.len()];
    let mut current: Option<u32> = None; // flows product id of the open product
    let mut opened = false; // whether the open product has a market slot yet
    let mut i = 0;
    while i < rows.len() {
        // Merge duplicate (product, partner) rows.
        let (key, r0) = rows[i];
        let mut m0 = 0.0;
        while i < rows.len() && rows[i].0 == key {
            m0 += flows.value[rows[i].1 as usize];
            i += 1;
        }
        let r0 = r0 as usize;
        let (pid, cid) = (flows.product[r0], flows.exporter[r0]);
        cov.import_lines += 1;
        let code = &flows.products[pid as usize];
        if code.len() < 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            // Not an HS6 code (e.g. a `TOTAL` row or an HS2 aggregate): no tariff line can
            // match it, so it is counted and left out rather than guessed.
            cov.non_hs6_lines += 1;
            cov.non_hs6_value += m0;
            continue;
        }
        let hs6: &str = &code[..6];
        if current != Some(pid) {
            current = Some(pid);
            opened = false;
            imported_products.insert(hs6.to_string());
            let eu = end_use.get(hs6).unwrap_or("not_classified");
            for (k, m) in sc.measures.iter().enumerate() {
                product_measures[k] = m.products.contains(hs6, Some(eu));
            }
        }
        let Some((t0, regime)) = tindex.rate(cid, hs6) else {
            cov.imports_without_tariff += 1;
            cov.imports_without_tariff_value += m0;
            continue;
        };
        if !opened {
            opened = true;
            mkt.offsets.push(mkt.imports.len());
            let e = eps.get(hs6);
            mkt.demand_elasticity
                .push(e.unwrap_or(sc.default_demand_elasticity));
            out.product_default_eps.push(e.is_none());
            out.product_codes.push(hs6.to_string());
            out.product_end_use
                .push(end_use.get(hs6).unwrap_or("not_classified"));
            out.product_end_use_shares.push(end_use.shares(hs6));
        }
        let mut t1 = t0;
        let mut hit = None;
        for &k in &partner_measures[cid as usize] {
            if product_measures[k as usize] {
                t1 = sc.measures[k as usize].action.apply(t1);
                hit = Some(k);
            }
        }
        let rid = match regime_ids.get(regime) {
            Some(&r) => r,
            None => {
                let r = out.regime_names.len() as u16;
                out.regime_names.push(regime.to_string());
                regime_ids.insert(regime.to_string(), r);
                r
            }
        };
        mkt.imports.push(m0);
        mkt.t0.push(t0);
        mkt.t1.push(t1);
        out.partner.push(cid);
        out.product.push((out.product_codes.len() - 1) as u32);
        out.measure.push(hit);
        out.regime.push(rid);
    }
    mkt.offsets.push(mkt.imports.len());
    if mkt.imports.is_empty() {
        return Err(PeError::Data(format!(
            "none of the {} import lines of {} in {} has a tariff rate: give data.mfn_rate_pct \
             or a tariff file that covers these products",
            cov.import_lines, sc.importer, sc.base_year
        )));
    }
    cov.tariff_lines_without_imports = tindex
        .products
        .iter()
        .filter(|p| p.len() == 6 && !imported_products.contains(*p))
        .count();
    let res = out.market.simulate(sc.model, &sc.params);
    cov.products = res.products.len();
    cov.products_default_elasticity = out.product_default_eps.iter().filter(|d| **d).count();
    cov.clamped_lines = res.products.iter().map(|p| p.clamped as usize).sum();
    out.lines = res.lines;
    out.products = res.products;
    out.coverage = cov;
    Ok(out)
}

impl Outcome {
    /// Sums lines by an integer key `key(line) < names.len()`; rows sorted by descending
    /// absolute import change, then name; keys without lines are left out.
    pub fn aggregate<F: Fn(usize) -> usize>(&self, names: Vec<String>, key: F) -> Vec<Aggregate> {
        let mut acc: Vec<Aggregate> = names
            .into_iter()
            .map(|k| Aggregate {
                key: k,
                ..Aggregate::default()
            })
            .collect();
        for i in 0..self.lines.len() {
            add_line(&mut acc[key(i)], self.market.imports[i], &self.lines[i]);
        }
        sort_aggregates(acc)
    }

    /// The partner code of a line.
    pub fn partner_code(&self, line: usize) -> &str {
        &self.countries[self.partner[line] as usize]
    }

    /// By partner (ISO3).
    pub fn by_partner(&self) -> Vec<Aggregate> {
        self.aggregate(self.countries.clone(), |i| self.partner[i] as usize)
    }

    /// By the measure that changed the line (`unchanged` for lines no measure touched).
    pub fn by_measure(&self) -> Vec<Aggregate> {
        let mut names = self.measure_names.clone();
        names.push("unchanged".into());
        let none = self.measure_names.len();
        self.aggregate(names, |i| self.measure[i].map_or(none, usize::from))
    }

    /// By the partner's M49 region.
    pub fn by_region(&self) -> Vec<Aggregate> {
        let regions = [
            "Africa",
            "Americas",
            "Asia",
            "Europe",
            "Oceania",
            "other/unknown",
        ];
        let of: Vec<usize> = self
            .countries
            .iter()
            .map(|c| {
                country(c)
                    .and_then(|k| regions.iter().position(|r| *r == k.region))
                    .unwrap_or(5)
            })
            .collect();
        self.aggregate(regions.map(String::from).to_vec(), |i| {
            of[self.partner[i] as usize]
        })
    }

    /// By HS section (I–XXI).
    pub fn by_section(&self) -> Vec<Aggregate> {
        let mut names: Vec<String> = Vec::new();
        let of: Vec<usize> = self
            .product_codes
            .iter()
            .map(|p| {
                let s = hs_section(p);
                match names.iter().position(|n| n == s) {
                    Some(k) => k,
                    None => {
                        names.push(s.to_string());
                        names.len() - 1
                    }
                }
            })
            .collect();
        self.aggregate(names, |i| of[self.product[i] as usize])
    }

    /// By end-use class. A product listed with several BEC codes is shared among their
    /// classes equally (docs/models.md §6.1), as in `composition --by enduse`; products the
    /// concordance does not list are `unmapped`.
    pub fn by_end_use(&self) -> Vec<Aggregate> {
        let mut acc: Vec<Aggregate> = super::products::END_USE_AGGREGATES
            .iter()
            .map(|k| Aggregate {
                key: k.to_string(),
                ..Aggregate::default()
            })
            .collect();
        for i in 0..self.lines.len() {
            let p = self.product[i] as usize;
            for &(k, w) in &self.product_end_use_shares[p] {
                add_share(&mut acc[k], w, self.market.imports[i], &self.lines[i]);
            }
        }
        sort_aggregates(acc)
    }

    /// Market totals.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        t.all.key = "total".into();
        for i in 0..self.lines.len() {
            add_line(&mut t.all, self.market.imports[i], &self.lines[i]);
            t.revenue_before += self.market.t0[i] * self.market.imports[i];
            t.revenue_after += self.market.t1[i] * self.lines[i].new_imports;
        }
        match self.model {
            Model::Smart => {
                t.welfare_triangle_tc = t.all.welfare;
                t.welfare_triangle_tc_td = self.products.iter().map(|p| p.welfare_tc_td).sum();
            }
            Model::Ces => {
                // The exact product ΔCS, not the sum of its line attributions (equal up to
                // rounding).
                t.all.consumer_surplus = self.products.iter().map(|p| p.consumer_surplus).sum();
            }
        }
        t.net_welfare = t.all.consumer_surplus + t.all.revenue_change;
        t
    }
}

/// Drops empty groups and orders the rest by the size of their import change.
fn sort_aggregates(acc: Vec<Aggregate>) -> Vec<Aggregate> {
    let mut v: Vec<Aggregate> = acc.into_iter().filter(|a| a.lines > 0).collect();
    v.sort_by(|a, b| {
        (b.new_imports - b.baseline)
            .abs()
            .total_cmp(&(a.new_imports - a.baseline).abs())
            .then_with(|| a.key.cmp(&b.key))
    });
    v
}

/// Adds the share `w` of a line's values to a group (the line counts once in each group it
/// has a share in).
fn add_share(a: &mut Aggregate, w: f64, m0: f64, r: &LineResult) {
    if w == 1.0 {
        return add_line(a, m0, r);
    }
    a.lines += 1;
    a.baseline += w * m0;
    a.new_imports += w * r.new_imports;
    a.change += w * (r.new_imports - m0);
    a.gross_change += w * (r.new_imports - m0).abs();
    a.creation += w * r.creation;
    a.diversion += w * r.diversion;
    a.gross_diversion += w * r.diversion.abs();
    a.revenue_change += w * r.revenue_change;
    a.consumer_surplus += w * r.consumer_surplus;
    a.welfare += w * r.welfare;
}

fn add_line(a: &mut Aggregate, m0: f64, r: &LineResult) {
    a.lines += 1;
    a.baseline += m0;
    a.new_imports += r.new_imports;
    a.change += r.new_imports - m0;
    a.gross_change += (r.new_imports - m0).abs();
    a.creation += r.creation;
    a.diversion += r.diversion;
    a.gross_diversion += r.diversion.abs();
    a.revenue_change += r.revenue_change;
    a.consumer_surplus += r.consumer_surplus;
    a.welfare += r.welfare;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn table(rows: &[(&str, &str, &str, f64)]) -> TradeTable {
        let mut t = TradeTable::default();
        let cid = |t: &mut TradeTable, c: &str| match t.country_id(c) {
            Some(i) => i,
            None => {
                t.countries.push(c.to_string());
                (t.countries.len() - 1) as u32
            }
        };
        for (e, m, p, v) in rows {
            let ei = cid(&mut t, e);
            let mi = cid(&mut t, m);
            let pi = match t.products.iter().position(|x| x == p) {
                Some(i) => i as u32,
                None => {
                    t.products.push(p.to_string());
                    (t.products.len() - 1) as u32
                }
            };
            t.year.push(2020);
            t.exporter.push(ei);
            t.importer.push(mi);
            t.product.push(pi);
            t.value.push(*v);
            t.quantity.push(f64::NAN);
            t.declared_by.push(0);
        }
        t
    }

    #[test]
    fn elasticities_by_prefix_and_sign() {
        let dir = std::env::temp_dir().join(format!("balanza-sim-eps-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ok = dir.join("eps.csv");
        std::fs::write(&ok, "product,elasticity\n08,2.0\n080929,1.47\n").unwrap();
        let e = Elasticities::read(&ok).unwrap();
        assert_eq!(e.get("080929"), Some(1.47));
        assert_eq!(e.get("080440"), Some(2.0));
        assert_eq!(e.get("270900"), None);
        let bad = dir.join("bad.csv");
        std::fs::write(&bad, "product,elasticity\n08,-1.2\n").unwrap();
        let msg = Elasticities::read(&bad).unwrap_err().to_string();
        assert!(
            msg.contains("bad.csv:2:2") && msg.contains("absolute value"),
            "{msg}"
        );
    }

    #[test]
    fn ldc_scheme_on_a_small_market() {
        // AFG (LDC) and ZAF share product 080929; only ZAF sells 270900; CHN exports to AFG.
        let flows = table(&[
            ("AFG", "CHN", "080929", 100.0),
            ("ZAF", "CHN", "080929", 900.0),
            ("ZAF", "CHN", "270900", 500.0),
            ("CHN", "AFG", "851713", 40.0),
            ("ZAF", "CHN", "TOTAL", 1500.0),
        ]);
        let sc = Scenario::parse(
            r#"
name = "t"
importer = "CHN"
base_year = 2020
date = 2024-12-01
[data]
mfn_rate_pct = 10
[parameters]
import_demand_elasticity = 1.2
[[measures]]
name = "LDC"
partners = "ldc and china_relations"
set_rate_pct = 0
"#,
            Path::new("."),
        )
        .unwrap();
        let o = run_with(
            &sc,
            &flows,
            &TariffTable::default(),
            &Elasticities::default(),
            &EndUseMap::default(),
        )
        .unwrap();
        assert_eq!(o.coverage.import_lines, 4);
        assert_eq!(
            (o.coverage.non_hs6_lines, o.coverage.non_hs6_value),
            (1, 1500.0)
        );
        assert_eq!(o.lines.len(), 3);
        let by = o.by_partner();
        let afg = by.iter().find(|a| a.key == "AFG").unwrap();
        let zaf = by.iter().find(|a| a.key == "ZAF").unwrap();
        assert!(afg.new_imports > afg.baseline && zaf.new_imports < zaf.baseline);
        // ZAF's 270900 is untouched (no beneficiary sells it): only 080929 diverts.
        let t = o.totals();
        assert!((t.all.diversion).abs() < 1e-9);
        // Totals reconcile: new = baseline + creation + diversion; ΔTR = Σ line ΔTR.
        assert!(
            (t.all.new_imports - t.all.baseline - t.all.creation - t.all.diversion).abs() < 1e-9
        );
        assert!((t.revenue_after - t.revenue_before - t.all.revenue_change).abs() < 1e-9);
        assert_eq!(o.exports.get("AFG"), Some(&40.0));
        assert_eq!(o.by_measure().len(), 2);
    }
}
