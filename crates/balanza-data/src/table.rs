//! The canonical trade-flow table: one row per (year, exporter, importer, product) flow, stored
//! column by column with countries and products as dense integer ids.
//!
//! Every reader produces [`Batch`]es of this shape and every command reads [`TradeTable`]. Values
//! are in US dollars (readers convert BACI's and WITS's thousands), quantities are optional
//! (`NaN` = missing) in one unit per dataset.

use std::collections::HashMap;

/// Who declared a flow: reconciled data (BACI) has no declarant; customs data reported to UN
/// Comtrade/WITS is declared either by the exporter (its exports) or by the importer (its
/// imports), and the two reports of the same flow differ (CIF/FOB, timing, errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Declarant {
    /// Reconciled or harmonised data where each flow appears once (BACI, mapped files).
    None = 0,
    /// Reported by the exporter as its export.
    Exporter = 1,
    /// Reported by the importer as its import.
    Importer = 2,
}

impl Declarant {
    /// The text stored in the Parquet column `declared_by` (`None` is stored as null).
    pub fn as_str(self) -> Option<&'static str> {
        match self {
            Declarant::None => None,
            Declarant::Exporter => Some("exporter"),
            Declarant::Importer => Some("importer"),
        }
    }

    /// From the stored code (0, 1, 2).
    pub fn from_code(c: u8) -> Self {
        match c {
            1 => Declarant::Exporter,
            2 => Declarant::Importer,
            _ => Declarant::None,
        }
    }
}

/// The partner code under which Comtrade/WITS report a reporter's total trade with the world.
/// Such rows are reported totals, not bilateral flows, and are kept apart from the flows.
pub const WORLD: &str = "WLD";

/// A chunk of rows as a reader produces them, with the dictionary entries first seen in it.
///
/// Country and product ids index the dictionaries built up by all earlier batches plus
/// `new_countries` / `new_products` of this one; a consumer appends those entries to its own
/// copy before using the ids. Rows whose partner is [`WORLD`] are reported totals.
#[derive(Debug, Default, Clone)]
pub struct Batch {
    /// Year of each row.
    pub year: Vec<i32>,
    /// Exporter country id.
    pub exporter: Vec<u32>,
    /// Importer country id.
    pub importer: Vec<u32>,
    /// Product id.
    pub product: Vec<u32>,
    /// Value in US dollars.
    pub value: Vec<f64>,
    /// Quantity (`NaN` when missing).
    pub quantity: Vec<f64>,
    /// [`Declarant`] code of each row (0 none, 1 exporter, 2 importer).
    pub declared_by: Vec<u8>,
    /// Country codes first used in this batch, in id order.
    pub new_countries: Vec<String>,
    /// Product codes first used in this batch, in id order.
    pub new_products: Vec<String>,
}

impl Batch {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.year.len()
    }

    /// True when the batch holds no rows.
    pub fn is_empty(&self) -> bool {
        self.year.is_empty()
    }

    /// Empty batch with room for `n` rows.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            year: Vec::with_capacity(n),
            exporter: Vec::with_capacity(n),
            importer: Vec::with_capacity(n),
            product: Vec::with_capacity(n),
            value: Vec::with_capacity(n),
            quantity: Vec::with_capacity(n),
            declared_by: Vec::with_capacity(n),
            new_countries: Vec::new(),
            new_products: Vec::new(),
        }
    }
}

/// Interns codes into dense ids, remembering which ones are new since the last [`take_new`].
///
/// [`take_new`]: Interner::take_new
#[derive(Debug, Default, Clone)]
pub struct Interner {
    ids: HashMap<String, u32>,
    codes: Vec<String>,
    reported: usize,
}

impl Interner {
    /// The id of `code`, adding it when new.
    pub fn id(&mut self, code: &str) -> u32 {
        if let Some(&id) = self.ids.get(code) {
            return id;
        }
        let id = self.codes.len() as u32;
        self.codes.push(code.to_string());
        self.ids.insert(code.to_string(), id);
        id
    }

    /// The id of `code` if it was seen.
    pub fn get(&self, code: &str) -> Option<u32> {
        self.ids.get(code).copied()
    }

    /// All codes in id order.
    pub fn codes(&self) -> &[String] {
        &self.codes
    }

    /// Codes added since the previous call (for a [`Batch`]'s dictionary delta).
    pub fn take_new(&mut self) -> Vec<String> {
        let new = self.codes[self.reported..].to_vec();
        self.reported = self.codes.len();
        new
    }
}

/// Whether a reported total is the reporter's exports or imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    /// The reporter's exports.
    Exports,
    /// The reporter's imports.
    Imports,
}

crate::impl_words!(Flow, "flow", [
    Flow::Imports => "imports" | "import" | "m",
    Flow::Exports => "exports" | "export" | "x",
]);

/// A reporter's total trade with the world as it reported it (Comtrade/WITS partner `WLD`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportedTotal {
    /// Year.
    pub year: i32,
    /// Reporter country id.
    pub reporter: u32,
    /// Exports or imports.
    pub flow: Flow,
    /// Product id (often the product `TOTAL`).
    pub product: u32,
    /// Value in US dollars.
    pub value: f64,
}

/// A loaded trade-flow table, columnar, with country and product dictionaries.
#[derive(Debug, Default, Clone)]
pub struct TradeTable {
    /// Country codes (ISO3 or the code the source used), indexed by id.
    pub countries: Vec<String>,
    /// Product codes (HS code text), indexed by id.
    pub products: Vec<String>,
    /// HS revision of the product codes (e.g. `HS2017`), when known.
    pub hs_revision: Option<String>,
    /// Unit of `quantity` (e.g. `t` for BACI's metric tons), when known.
    pub quantity_unit: Option<String>,
    /// Year of each flow.
    pub year: Vec<i32>,
    /// Exporter id of each flow.
    pub exporter: Vec<u32>,
    /// Importer id of each flow.
    pub importer: Vec<u32>,
    /// Product id of each flow.
    pub product: Vec<u32>,
    /// Value in US dollars.
    pub value: Vec<f64>,
    /// Quantity, `NaN` when missing.
    pub quantity: Vec<f64>,
    /// [`Declarant`] code of each flow.
    pub declared_by: Vec<u8>,
    /// Reported totals (partner `WLD` rows), kept apart from the bilateral flows.
    pub reported_totals: Vec<ReportedTotal>,
}

impl TradeTable {
    /// Number of bilateral flows (reported totals not counted).
    pub fn len(&self) -> usize {
        self.year.len()
    }

    /// True when there are no bilateral flows.
    pub fn is_empty(&self) -> bool {
        self.year.is_empty()
    }

    /// The id of a country code, if it occurs.
    pub fn country_id(&self, code: &str) -> Option<u32> {
        self.countries
            .iter()
            .position(|c| c == code)
            .map(|i| i as u32)
    }

    /// True when any flow carries a declarant (customs-reported data rather than reconciled).
    pub fn has_declarants(&self) -> bool {
        self.declared_by.iter().any(|&d| d != 0)
    }

    /// Appends a reader's batch: extends the dictionaries, moves partner-`WLD` rows to
    /// [`reported_totals`](Self::reported_totals) and the rest to the flow columns.
    pub fn push_batch(&mut self, b: Batch) {
        self.countries.extend(b.new_countries);
        self.products.extend(b.new_products);
        let world = self.country_id(WORLD);
        for r in 0..b.year.len() {
            let (e, m) = (b.exporter[r], b.importer[r]);
            if world.is_some() && (Some(m) == world || Some(e) == world) {
                let (reporter, flow) = if Some(m) == world {
                    (e, Flow::Exports)
                } else {
                    (m, Flow::Imports)
                };
                self.reported_totals.push(ReportedTotal {
                    year: b.year[r],
                    reporter,
                    flow,
                    product: b.product[r],
                    value: b.value[r],
                });
                continue;
            }
            self.year.push(b.year[r]);
            self.exporter.push(e);
            self.importer.push(m);
            self.product.push(b.product[r]);
            self.value.push(b.value[r]);
            self.quantity.push(b.quantity[r]);
            self.declared_by.push(b.declared_by[r]);
        }
    }

    /// Distinct years of the flows and totals, sorted.
    pub fn years(&self) -> Vec<i32> {
        let mut y: Vec<i32> = self
            .year
            .iter()
            .copied()
            .chain(self.reported_totals.iter().map(|t| t.year))
            .collect();
        y.sort_unstable();
        y.dedup();
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_rows_become_reported_totals() {
        let mut it = Interner::default();
        let mut p = Interner::default();
        let mut b = Batch::with_capacity(3);
        for (e, m, v) in [
            ("ZAF", "WLD", 10.0),
            ("WLD", "ZAF", 7.0),
            ("ZAF", "CHN", 4.0),
        ] {
            b.year.push(2020);
            b.exporter.push(it.id(e));
            b.importer.push(it.id(m));
            b.product.push(p.id("TOTAL"));
            b.value.push(v);
            b.quantity.push(f64::NAN);
            b.declared_by.push(1);
        }
        b.new_countries = it.take_new();
        b.new_products = p.take_new();
        let mut t = TradeTable::default();
        t.push_batch(b);
        assert_eq!(t.len(), 1);
        assert_eq!(t.reported_totals.len(), 2);
        assert_eq!(t.reported_totals[0].flow, Flow::Exports);
        assert_eq!(t.reported_totals[1].flow, Flow::Imports);
        assert_eq!(t.reported_totals[1].value, 7.0);
        assert!(it.take_new().is_empty());
    }
}
