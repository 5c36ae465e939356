//! Products: selections by HS chapter, heading, code or end-use class; HS sections; and the
//! HS → BEC Rev.4 → end-use (SNA basic class) mapping used for selections and aggregates.

use crate::tariffs::open_text;
use crate::PeError;
use std::collections::HashMap;
use std::path::Path;

/// The end-use classes of the SNA basic classes of goods (models.md §6.1).
pub const END_USES: [&str; 4] = ["capital", "intermediate", "consumption", "not_classified"];

/// BEC Rev.4 code → SNA end-use class (models.md §6.1; UNSD correspondence).
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

/// HS6 code → one end-use class, for selecting products (`end_use = ["consumption"]`).
///
/// The data layer's `balanza_data::classification::EndUseMap` answers a different question:
/// how much of a code's trade value belongs to each class, splitting codes listed with several
/// BEC codes equally. A selection needs a yes or no per code, so here such a code takes the
/// class of its first listed BEC code (models.md §6.1's "first listed" rule). The BEC → end-use
/// table is the same in both (checked against ../shared/data's table by a test below), so the
/// two agree on every code with one class and differ only in how split codes are treated.
#[derive(Debug, Clone, Default)]
pub struct EndUseMap {
    map: HashMap<String, &'static str>,
    /// HS6 codes that the concordance splits over several BEC codes of different end uses;
    /// they take the first listed class (models.md §6.1 allocation rule "first listed").
    pub split_codes: usize,
}

impl EndUseMap {
    /// Reads an HS → BEC Rev.4 concordance: the first column is the HS6 code, and the column
    /// named like `BEC4_3d` (or `bec`) holds the BEC code (e.g. ../shared/data/classification/
    /// hs2017_to_bec4.csv).
    pub fn read(path: &Path) -> Result<EndUseMap, PeError> {
        let mut rdr = csv::Reader::from_reader(open_text(path)?);
        let ferr = |line: u64, message: String| PeError::File {
            path: path.to_path_buf(),
            line,
            column: 1,
            message,
        };
        let headers = rdr.headers().map_err(|e| ferr(1, e.to_string()))?.clone();
        let bec_col = headers
            .iter()
            .position(|h| {
                let h = h.to_ascii_lowercase();
                h == "bec4_3d" || h == "bec" || h == "bec4"
            })
            .ok_or_else(|| ferr(1, "no BEC4_3d (or bec) column".into()))?;
        let mut m = EndUseMap::default();
        for (k, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| ferr(k as u64 + 2, e.to_string()))?;
            let hs = rec.get(0).unwrap_or("").trim();
            if hs.len() != 6 {
                continue;
            }
            let eu = bec4_end_use(rec.get(bec_col).unwrap_or(""));
            match m.map.get(hs) {
                Some(old) if *old != eu => m.split_codes += 1,
                Some(_) => {}
                None => {
                    m.map.insert(hs.to_string(), eu);
                }
            }
        }
        Ok(m)
    }

    /// Builds a map from (HS6, end use) pairs, e.g. from a classification provided elsewhere.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'static str)>) -> EndUseMap {
        EndUseMap {
            map: pairs.into_iter().map(|(h, e)| (h.to_string(), e)).collect(),
            split_codes: 0,
        }
    }

    /// The end-use class of an HS6 code (`None` when the concordance does not list it).
    pub fn get(&self, hs6: &str) -> Option<&'static str> {
        self.map.get(hs6).copied()
    }

    /// True when empty (no concordance given).
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
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
        // models.md §6.1: 112 and 122 consumption, 121 intermediate, 41 capital, 51 neither.
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
        // models.md §6.1 examples: 080929 → 112 (consumption); 020110 → 121 (intermediate).
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
