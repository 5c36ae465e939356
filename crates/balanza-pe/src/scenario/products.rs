//! Products: selections by HS chapter, heading, code or end-use class; HS sections; and the
//! HS → BEC Rev.4 → end-use (SNA basic class) mapping used for selections and aggregates.

use crate::PeError;
use std::collections::HashMap;
use std::path::Path;

/// The end-use classes of the SNA basic classes of goods (docs/models.md §6.1).
pub const END_USES: [&str; 4] = ["capital", "intermediate", "consumption", "not_classified"];

/// BEC Rev.4 code → SNA end-use class (docs/models.md §6.1; UNSD correspondence).
///
/// Capital: 41, 521. Intermediate: 111, 121, 21, 22, 31, 322, 42, 53. Consumption: 112, 122,
/// 522, 61, 62, 63. Not classified (dual use): 321, 51, 7. The undivided code 32 (both 321 and
/// 322) is not classified.
pub fn bec4_end_use(bec: &str) -> &'static str {
    // Concordance files right-pad 2-digit BEC codes with 0 (`210` = BEC 21).
    let b = bec.trim();
    let b = if b.len() == 3 && b.ends_with('0') && !matches!(b, "320") {
        &b[..2]
    } else {
        b
    };
    match b {
        "41" | "521" => "capital",
        "111" | "121" | "21" | "22" | "31" | "322" | "42" | "53" => "intermediate",
        "112" | "122" | "522" | "61" | "62" | "63" => "consumption",
        _ => "not_classified",
    }
}

/// The HS section (I–XXI) of a product code, from the data layer's table of the HS
/// nomenclature's section ranges; `unknown` for chapters outside it (e.g. 98, 99).
pub fn hs_section(product: &str) -> &'static str {
    balanza_data::classification::hs_section(product).map_or("unknown", |s| s.0)
}

/// The classes that simulation aggregates report, in the order `composition --by enduse`
/// prints them: the four SNA classes and `unmapped` (a code the concordance does not list).
pub const END_USE_AGGREGATES: [&str; 5] = [
    "capital",
    "intermediate",
    "consumption",
    "not_classified",
    "unmapped",
];

/// HS6 → end use, for both questions a scenario asks.
///
/// *How much of a code's value is in each class* (aggregates such as `by_end_use`): the data
/// layer's [`balanza_data::classification::EndUseMap`], which splits a code listed with
/// several BEC codes equally among them (docs/models.md §6.1). `composition --by enduse` uses
/// the same map, so the two agree on the same flows.
///
/// *Is a code selected* (`end_use = ["consumption"]` in a measure): a selection needs a yes or
/// no per code, so a split code takes the class of its first listed BEC code. This is the only
/// place the first-listed rule is used; it is documented in docs/scenarios.md.
#[derive(Debug, Clone, Default)]
pub struct EndUseMap {
    select: HashMap<String, &'static str>,
    value: balanza_data::classification::EndUseMap,
    /// HS6 codes whose value is split over several BEC codes.
    pub split_codes: usize,
}

fn end_use_of(label: &str) -> balanza_data::classification::EndUse {
    use balanza_data::classification::EndUse;
    match label {
        "capital" => EndUse::Capital,
        "intermediate" => EndUse::Intermediate,
        "consumption" => EndUse::Consumption,
        _ => EndUse::NotClassified,
    }
}

impl EndUseMap {
    /// Reads an HS → BEC Rev.4 concordance (plain or gzip'd CSV with an HS6 column and a
    /// `BEC4_3d` column, e.g. ../shared/data/classification/hs2017_to_bec4.csv) with the data
    /// layer's reader; BEC codes take their class from [`bec4_end_use`].
    pub fn read(path: &Path) -> Result<EndUseMap, PeError> {
        let fail = |e: balanza_data::DataError| match e {
            balanza_data::DataError::Io { path, cause } => PeError::Io {
                path,
                message: cause.to_string(),
            },
            other => PeError::File {
                path: path.to_path_buf(),
                line: 1,
                column: 1,
                message: other.to_string(),
            },
        };
        let pairs: Vec<(String, String)> = balanza_data::classification::load_hs_bec(path)
            .map_err(fail)?
            .into_iter()
            .filter(|(hs, _)| hs.trim().len() == 6)
            .collect();
        let bec: HashMap<String, balanza_data::classification::EndUse> = pairs
            .iter()
            .map(|(_, b)| (b.clone(), end_use_of(bec4_end_use(b))))
            .collect();
        let value = balanza_data::classification::EndUseMap::from_pairs(
            &pairs,
            &bec,
            path.display().to_string(),
        )
        .map_err(|message| PeError::File {
            path: path.to_path_buf(),
            line: 1,
            column: 1,
            message,
        })?;
        let mut select = HashMap::new();
        for (hs, b) in &pairs {
            select
                .entry(hs.trim().to_string())
                .or_insert_with(|| bec4_end_use(b));
        }
        Ok(Self::with_selection(value, select))
    }

    /// Builds the map from the data layer's value map (e.g. the synthetic world's built-in
    /// one); a split code is selected by its first class.
    pub fn from_value_map(value: balanza_data::classification::EndUseMap) -> EndUseMap {
        let select = value
            .codes()
            .filter_map(|(code, classes)| Some((code.to_string(), classes.first()?.0.label())))
            .collect();
        Self::with_selection(value, select)
    }

    fn with_selection(
        value: balanza_data::classification::EndUseMap,
        select: HashMap<String, &'static str>,
    ) -> EndUseMap {
        let split_codes = select.keys().filter(|c| value.is_split(c)).count();
        EndUseMap {
            select,
            value,
            split_codes,
        }
    }

    /// The class a selection gives an HS6 code (`None` when the concordance does not list it).
    pub fn get(&self, hs6: &str) -> Option<&'static str> {
        self.select.get(hs6).copied()
    }

    /// The shares of an HS6 code's value by class, as indexes into [`END_USE_AGGREGATES`]
    /// with weights summing to 1 (`unmapped` when the concordance does not list it).
    pub fn shares(&self, hs6: &str) -> Vec<(usize, f64)> {
        match self.value.classes(hs6) {
            Some(classes) => classes
                .iter()
                .map(|(eu, w)| {
                    let k = END_USE_AGGREGATES
                        .iter()
                        .position(|n| *n == eu.label())
                        .unwrap_or(3);
                    (k, *w)
                })
                .collect(),
            None => vec![(4, 1.0)],
        }
    }

    /// True when empty (no concordance given).
    pub fn is_empty(&self) -> bool {
        self.select.is_empty()
    }
}

/// A selection of products; empty lists everywhere = all products.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductSelection {
    /// HS chapters (2 digits).
    pub chapters: Vec<String>,
    /// HS headings (4 digits).
    pub headings: Vec<String>,
    /// HS subheadings (6 digits).
    pub codes: Vec<String>,
    /// End-use classes (see [`END_USES`]).
    pub end_use: Vec<String>,
}

impl ProductSelection {
    /// True when the selection covers every product.
    pub fn is_all(&self) -> bool {
        self.chapters.is_empty()
            && self.headings.is_empty()
            && self.codes.is_empty()
            && self.end_use.is_empty()
    }

    /// Whether an HS6 product is selected (the union of the listed criteria).
    pub fn contains(&self, hs6: &str, end_use: Option<&str>) -> bool {
        if self.is_all() {
            return true;
        }
        self.chapters.iter().any(|c| hs6.starts_with(c.as_str()))
            || self.headings.iter().any(|h| hs6.starts_with(h.as_str()))
            || self.codes.iter().any(|c| hs6 == c)
            || end_use.is_some_and(|e| self.end_use.iter().any(|x| x == e))
    }

    /// A short label for outputs, e.g. `chapters 61,62; end use consumption`.
    pub fn label(&self) -> String {
        if self.is_all() {
            return "all products".into();
        }
        let mut parts = Vec::new();
        for (name, v) in [
            ("chapters", &self.chapters),
            ("headings", &self.headings),
            ("codes", &self.codes),
            ("end use", &self.end_use),
        ] {
            if !v.is_empty() {
                parts.push(format!("{name} {}", v.join(",")));
            }
        }
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_end_uses() {
        // HS nomenclature: chapter 08 (fruit) is in section II, 85 in XVI, 97 in XXI.
        assert_eq!(hs_section("080929"), "II");
        assert_eq!(hs_section("851713"), "XVI");
        assert_eq!(hs_section("970110"), "XXI");
        // docs/models.md §6.1: 112 and 122 consumption, 121 intermediate, 41 capital, 51 neither.
        assert_eq!(bec4_end_use("112"), "consumption");
        assert_eq!(bec4_end_use("121"), "intermediate");
        assert_eq!(bec4_end_use("410"), "capital");
        assert_eq!(bec4_end_use("510"), "not_classified");
        assert_eq!(bec4_end_use("630"), "consumption");
        let s = ProductSelection {
            chapters: vec!["61".into()],
            end_use: vec!["capital".into()],
            ..Default::default()
        };
        assert!(s.contains("610910", None));
        assert!(s.contains("847130", Some("capital")));
        assert!(!s.contains("847130", Some("intermediate")));
    }

    #[test]
    fn reads_the_shared_concordance() {
        let Some(p) = balanza_data::testdata::shared_file("classification/hs2017_to_bec4.csv")
        else {
            return;
        };
        let m = EndUseMap::read(&p).unwrap();
        // docs/models.md §6.1 examples: 080929 → 112 (consumption); 020110 → 121 (intermediate).
        assert_eq!(m.get("080929"), Some("consumption"));
        assert_eq!(m.get("020110"), Some("intermediate"));
    }

    /// The selection map and the data layer's value map rest on the same tables: the built-in
    /// BEC → end-use rule equals the shared table on every row, and every HS code gets a class
    /// the data layer also gives it (its only class, or one of the classes it splits over).
    #[test]
    fn agrees_with_the_data_layers_end_use_tables() {
        let (Some(bec), Some(hs)) = (
            balanza_data::testdata::shared_file("classification/bec4_to_sna_end_use.csv"),
            balanza_data::testdata::shared_file("classification/hs2017_to_bec4.csv"),
        ) else {
            return;
        };
        let table = balanza_data::classification::load_bec_end_use(&bec).unwrap();
        assert!(table.len() >= 20);
        for (code, eu) in &table {
            assert_eq!(bec4_end_use(code), eu.label(), "BEC {code}");
        }
        let data = balanza_data::classification::Refdata::end_use_from_files(&hs, &bec).unwrap();
        let sel = EndUseMap::read(&hs).unwrap();
        let mut single = 0;
        for (code, _) in balanza_data::classification::load_hs_bec(&hs).unwrap() {
            let classes = data.classes(&code).unwrap();
            let ours = sel.get(&code).unwrap();
            assert!(
                classes.iter().any(|c| c.0.label() == ours),
                "{code}: {ours} not in {classes:?}"
            );
            if classes.len() == 1 {
                single += 1;
            }
        }
        assert!(single > 5000, "{single} single-class codes");
        assert!(sel.split_codes > 0 && sel.split_codes <= data.split_codes);
    }
}
