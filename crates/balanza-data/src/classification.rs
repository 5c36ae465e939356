//! Product classifications: HS sections (facts in code), and tables read from files the user
//! points to (`--refdata DIR`): HS descriptions, HS → BEC Rev.4, BEC Rev.4 → SNA end use
//! (capital, intermediate, consumption goods), and HS revision concordances.
//!
//! **One-to-many HS → BEC rule.** Some HS6 codes are listed with more than one BEC code (100 of
//! the 5,386 HS2017 codes in the UN/`concordance` table; 143 in HS2022). We split such a code's
//! value **equally** among its listed BEC codes, each of which then takes its end use. The rule
//! needs no outside weights, does not depend on the order of the file's rows, and keeps totals
//! exact; every result that uses it reports how many codes and how much value were split.

use crate::error::DataError;
use crate::read::open_input;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The SNA basic classes of goods by end use (UN BEC Rev.4 manual, table 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EndUse {
    /// Capital goods (gross fixed capital formation).
    Capital,
    /// Intermediate goods.
    Intermediate,
    /// Consumption goods (household final consumption).
    Consumption,
    /// Not classified in the SNA basic classes (passenger cars, motor spirit, goods n.e.s.).
    NotClassified,
}

impl EndUse {
    /// snake_case label used in outputs.
    pub fn label(self) -> &'static str {
        match self {
            EndUse::Capital => "capital",
            EndUse::Intermediate => "intermediate",
            EndUse::Consumption => "consumption",
            EndUse::NotClassified => "not_classified",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        // The file may annotate a class ("not_classified (BEC 32 undivided: ...)"): the first
        // word decides.
        let word = s
            .trim()
            .split(|c: char| c.is_whitespace() || c == '(')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match word.as_str() {
            "capital" => Some(EndUse::Capital),
            "intermediate" => Some(EndUse::Intermediate),
            "consumption" => Some(EndUse::Consumption),
            "not_classified" | "notclassified" | "nc" => Some(EndUse::NotClassified),
            _ => None,
        }
    }
}

/// HS6 code → end-use classes with weights summing to 1.
#[derive(Debug, Clone, Default)]
pub struct EndUseMap {
    map: HashMap<String, Vec<(EndUse, f64)>>,
    /// HS codes whose value is split because they are listed with several BEC codes.
    pub split_codes: usize,
    /// Where the map came from (file names, or "built-in").
    pub source: String,
}

impl EndUseMap {
    /// The classes of an HS6 code with their weights, if the code is mapped.
    pub fn classes(&self, hs6: &str) -> Option<&[(EndUse, f64)]> {
        self.map.get(hs6).map(Vec::as_slice)
    }

    /// True when the code's value is split among several BEC codes.
    pub fn is_split(&self, hs6: &str) -> bool {
        self.map
            .get(hs6)
            .is_some_and(|v| v.len() > 1 || v.first().is_some_and(|c| c.1 < 1.0))
    }

    /// Every mapped HS code with its classes (in no particular order).
    pub fn codes(&self) -> impl Iterator<Item = (&str, &[(EndUse, f64)])> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Number of mapped HS codes.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when no code is mapped.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The map for another HS revision, through a concordance from that revision to this map's:
    /// a source code's value is split equally among its target codes, then by their classes.
    /// Source codes whose targets are all unmapped stay unmapped.
    pub fn through(&self, conc: &Concordance, from_revision: &str) -> EndUseMap {
        let mut map = HashMap::new();
        let mut split = 0;
        for (code, targets) in &conc.map {
            let w = 1.0 / targets.len() as f64;
            let mut classes: Vec<(EndUse, f64)> = Vec::new();
            let mut covered = false;
            for t in targets {
                let Some(cl) = self.map.get(t) else { continue };
                covered = true;
                for (eu, x) in cl {
                    match classes.iter_mut().find(|c| c.0 == *eu) {
                        Some(c) => c.1 += w * x,
                        None => classes.push((*eu, w * x)),
                    }
                }
            }
            if !covered {
                continue;
            }
            // Targets missing from the map: their share is renormalised away so weights sum to 1.
            let sum: f64 = classes.iter().map(|c| c.1).sum();
            for c in &mut classes {
                c.1 /= sum;
            }
            if classes.len() > 1 || targets.len() > 1 {
                split += 1;
            }
            map.insert(code.clone(), classes);
        }
        EndUseMap {
            map,
            split_codes: split,
            source: format!("{from_revision} via concordance, then {}", self.source),
        }
    }

    /// Builds a map from (HS6, BEC code) pairs and a BEC → end-use table, applying the
    /// equal-split rule (module docs).
    pub fn from_pairs(
        pairs: &[(String, String)],
        bec_end_use: &HashMap<String, EndUse>,
        source: String,
    ) -> Result<Self, String> {
        let mut becs: HashMap<&str, Vec<&str>> = HashMap::new();
        for (hs, bec) in pairs {
            if hs.is_empty() || bec.is_empty() {
                continue;
            }
            let v = becs.entry(hs.as_str()).or_default();
            if !v.contains(&bec.as_str()) {
                v.push(bec.as_str());
            }
        }
        let mut map = HashMap::with_capacity(becs.len());
        let mut split = 0;
        for (hs, list) in becs {
            let w = 1.0 / list.len() as f64;
            if list.len() > 1 {
                split += 1;
            }
            let mut classes: Vec<(EndUse, f64)> = Vec::new();
            for bec in list {
                let eu = *bec_end_use.get(bec).ok_or_else(|| {
                    format!(
                        "BEC code `{bec}` (for HS {hs}) has no end use in the BEC → end-use table"
                    )
                })?;
                match classes.iter_mut().find(|c| c.0 == eu) {
                    Some(c) => c.1 += w,
                    None => classes.push((eu, w)),
                }
            }
            map.insert(hs.to_string(), classes);
        }
        Ok(Self {
            map,
            split_codes: split,
            source,
        })
    }
}

/// Where the reference tables live, and which files hold what.
#[derive(Debug, Clone)]
pub struct Refdata {
    /// The folder (`--refdata DIR`).
    pub dir: PathBuf,
}

/// `HS2017` → `2017` (the year in file names such as `hs2017_to_bec4.csv`).
fn rev_year(rev: &str) -> String {
    rev.trim()
        .trim_start_matches(|c: char| c.is_ascii_alphabetic())
        .to_string()
}

fn read_csv_rows(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>), DataError> {
    let (input, _, _) = open_input(path)?;
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(Box::new(input) as Box<dyn Read>);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| DataError::format(path, e.to_string()))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| DataError::format(path, e.to_string()))?;
        rows.push(rec.iter().map(|f| f.trim().to_string()).collect());
    }
    Ok((headers, rows))
}

fn column(path: &Path, headers: &[String], names: &[&str]) -> Result<usize, DataError> {
    names
        .iter()
        .find_map(|n| headers.iter().position(|h| h.eq_ignore_ascii_case(n)))
        .ok_or_else(|| {
            DataError::format(
                path,
                format!(
                    "no column {} (found {})",
                    names.join(" or "),
                    headers.join(", ")
                ),
            )
        })
}

/// Reads a BEC → end-use table (`bec4_3d_in_concordance,bec4_code,sna_end_use,...`). Keys are
/// the BEC codes as the HS → BEC concordance writes them (3 digits, right-padded).
pub fn load_bec_end_use(path: &Path) -> Result<HashMap<String, EndUse>, DataError> {
    let (h, rows) = read_csv_rows(path)?;
    let kc = column(
        path,
        &h,
        &["bec4_3d_in_concordance", "bec4_3d", "bec4_code"],
    )?;
    let ec = column(path, &h, &["sna_end_use", "end_use"])?;
    let mut out = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let eu =
            EndUse::parse(r.get(ec).map_or("", String::as_str)).ok_or_else(|| DataError::Row {
                path: path.to_path_buf(),
                line: i as u64 + 2,
                column: ec + 1,
                name: h[ec].clone(),
                expected: "capital, intermediate, consumption or not_classified".into(),
                found: r.get(ec).cloned().unwrap_or_default(),
            })?;
        out.insert(r.get(kc).cloned().unwrap_or_default(), eu);
    }
    Ok(out)
}

/// Reads an HS → BEC Rev.4 concordance: (HS6, 3-digit BEC) pairs from the first column and the
/// `BEC4_3d` column.
pub fn load_hs_bec(path: &Path) -> Result<Vec<(String, String)>, DataError> {
    let (h, rows) = read_csv_rows(path)?;
    let hc = column(
        path,
        &h,
        &[
            "HS6_6d", "HS5_6d", "HS4_6d", "HS3_6d", "HS0_6d", "hs6", "hs",
        ],
    )?;
    let bc = column(path, &h, &["BEC4_3d", "bec4", "bec"])?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.get(hc).cloned().unwrap_or_default(),
                r.get(bc).cloned().unwrap_or_default(),
            )
        })
        .collect())
}

impl Refdata {
    /// Reference tables in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The end-use map for an HS revision: `hs<year>_to_bec4.csv` and `bec4_to_sna_end_use.csv`.
    pub fn end_use(&self, hs_revision: &str) -> Result<EndUseMap, DataError> {
        let y = rev_year(hs_revision);
        let hs_bec = self.dir.join(format!("hs{y}_to_bec4.csv"));
        let bec_eu = self.dir.join("bec4_to_sna_end_use.csv");
        if !hs_bec.exists() {
            // No direct table: go through a revision concordance to a revision that has one.
            for target in ["HS2017", "HS2022"] {
                let t_bec = self.dir.join(format!("hs{}_to_bec4.csv", rev_year(target)));
                if rev_year(target) == y || !t_bec.exists() {
                    continue;
                }
                if let Ok(conc) = self.concordance(hs_revision, target) {
                    let direct = Self::end_use_from_files(&t_bec, &bec_eu)?;
                    return Ok(direct.through(&conc, hs_revision));
                }
            }
            let have: Vec<String> = std::fs::read_dir(&self.dir)
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .filter(|n| n.ends_with("_to_bec4.csv"))
                        .collect()
                })
                .unwrap_or_default();
            return Err(DataError::format(
                &hs_bec,
                format!(
                    "no HS → BEC table for {hs_revision} in the reference folder (found: {})",
                    if have.is_empty() {
                        "none".to_string()
                    } else {
                        have.join(", ")
                    }
                ),
            ));
        }
        Self::end_use_from_files(&hs_bec, &bec_eu)
    }

    /// The end-use map from two explicit files.
    pub fn end_use_from_files(hs_bec: &Path, bec_eu: &Path) -> Result<EndUseMap, DataError> {
        let eu = load_bec_end_use(bec_eu)?;
        let pairs = load_hs_bec(hs_bec)?;
        let name = |p: &Path| {
            p.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        };
        EndUseMap::from_pairs(&pairs, &eu, format!("{} + {}", name(hs_bec), name(bec_eu)))
            .map_err(|m| DataError::format(hs_bec, m))
    }

    /// HS code → description for a revision (`hs<year>_descriptions.csv` with `code,desc`, or
    /// `hs2022_nomenclature.csv` with `hscode,description`). Empty when no file exists.
    pub fn hs_descriptions(&self, hs_revision: &str) -> Result<HashMap<String, String>, DataError> {
        let y = rev_year(hs_revision);
        for (file, code, desc) in [
            (format!("hs{y}_descriptions.csv"), "code", "desc"),
            (format!("hs{y}_nomenclature.csv"), "hscode", "description"),
        ] {
            let path = self.dir.join(file);
            if path.exists() {
                let (h, rows) = read_csv_rows(&path)?;
                let cc = column(&path, &h, &[code])?;
                let dc = column(&path, &h, &[desc])?;
                return Ok(rows
                    .into_iter()
                    .map(|r| {
                        (
                            r.get(cc).cloned().unwrap_or_default(),
                            r.get(dc).cloned().unwrap_or_default(),
                        )
                    })
                    .collect());
            }
        }
        Ok(HashMap::new())
    }

    /// An HS revision concordance `hs<from>_to_hs<to>.csv` (first and fourth columns: the 6-digit
    /// codes), or the same file read backwards when only `hs<to>_to_hs<from>.csv` exists.
    pub fn concordance(&self, from: &str, to: &str) -> Result<Concordance, DataError> {
        let (f, t) = (rev_year(from), rev_year(to));
        let forward = self.dir.join(format!("hs{f}_to_hs{t}.csv"));
        let backward = self.dir.join(format!("hs{t}_to_hs{f}.csv"));
        let (path, reverse) = if forward.exists() {
            (forward, false)
        } else if backward.exists() {
            (backward, true)
        } else {
            return Err(DataError::format(
                &forward,
                format!("no concordance between {from} and {to} in the reference folder"),
            ));
        };
        let (h, rows) = read_csv_rows(&path)?;
        let a = h
            .iter()
            .position(|c| c.ends_with("_6d"))
            .ok_or_else(|| DataError::format(&path, "no *_6d column"))?;
        let b = h
            .iter()
            .enumerate()
            .skip(a + 1)
            .find(|(_, c)| c.ends_with("_6d"))
            .map(|(i, _)| i)
            .ok_or_else(|| DataError::format(&path, "no second *_6d column"))?;
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for r in rows {
            let (mut x, mut y) = (
                r.get(a).cloned().unwrap_or_default(),
                r.get(b).cloned().unwrap_or_default(),
            );
            if reverse {
                std::mem::swap(&mut x, &mut y);
            }
            if x.is_empty() || y.is_empty() {
                continue;
            }
            let v = map.entry(x).or_default();
            if !v.contains(&y) {
                v.push(y);
            }
        }
        Ok(Concordance { map })
    }
}

/// A mapping between two HS revisions, 6-digit code to one or more codes.
#[derive(Debug, Clone, Default)]
pub struct Concordance {
    map: HashMap<String, Vec<String>>,
}

impl Concordance {
    /// The target codes of a source code.
    pub fn map(&self, code: &str) -> &[String] {
        self.map.get(code).map_or(&[], Vec::as_slice)
    }

    /// Number of source codes.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// HS sections by chapter, from the Harmonized System nomenclature (WCO; section titles as in
/// the HS 2022 edition, shortened): (first chapter, last chapter, roman numeral, title).
pub const HS_SECTIONS: [(u8, u8, &str, &str); 21] = [
    (1, 5, "I", "Live animals; animal products"),
    (6, 14, "II", "Vegetable products"),
    (
        15,
        15,
        "III",
        "Animal, vegetable or microbial fats and oils",
    ),
    (16, 24, "IV", "Prepared foodstuffs; beverages; tobacco"),
    (25, 27, "V", "Mineral products"),
    (
        28,
        38,
        "VI",
        "Products of the chemical or allied industries",
    ),
    (39, 40, "VII", "Plastics and rubber"),
    (41, 43, "VIII", "Hides, skins, leather, furskins"),
    (44, 46, "IX", "Wood, cork, straw"),
    (47, 49, "X", "Pulp, paper and paperboard"),
    (50, 63, "XI", "Textiles and textile articles"),
    (64, 67, "XII", "Footwear, headgear, umbrellas"),
    (68, 70, "XIII", "Stone, ceramic and glass articles"),
    (71, 71, "XIV", "Pearls, precious stones and metals"),
    (72, 83, "XV", "Base metals and articles"),
    (84, 85, "XVI", "Machinery and electrical equipment"),
    (86, 89, "XVII", "Vehicles, aircraft, vessels"),
    (
        90,
        92,
        "XVIII",
        "Optical, medical and precision instruments",
    ),
    (93, 93, "XIX", "Arms and ammunition"),
    (94, 96, "XX", "Miscellaneous manufactured articles"),
    (97, 97, "XXI", "Works of art and antiques"),
];

/// The HS section (roman numeral, title) of an HS code, from its first two digits.
pub fn hs_section(hs: &str) -> Option<(&'static str, &'static str)> {
    let ch: u8 = hs.get(..2)?.parse().ok()?;
    HS_SECTIONS
        .iter()
        .find(|(a, b, _, _)| (*a..=*b).contains(&ch))
        .map(|(_, _, r, t)| (*r, *t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections() {
        assert_eq!(hs_section("010121").unwrap().0, "I");
        assert_eq!(hs_section("8471").unwrap().0, "XVI");
        assert_eq!(hs_section("97").unwrap().0, "XXI");
        assert!(hs_section("TOTAL").is_none());
        assert!(hs_section("99").is_none());
        // Chapters 1..=97 except 77 (reserved) all have a section, in order.
        let mut last = 0;
        for (a, b, _, _) in HS_SECTIONS {
            assert_eq!(a, last + 1);
            last = b;
        }
        assert_eq!(last, 97);
    }

    #[test]
    fn equal_split() {
        let eu: HashMap<String, EndUse> = [
            ("111", EndUse::Intermediate),
            ("410", EndUse::Capital),
            ("121", EndUse::Intermediate),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let pairs: Vec<(String, String)> = [
            ("010130", "111"),
            ("010130", "410"),
            ("020110", "111"),
            ("030000", "111"),
            ("030000", "121"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let m = EndUseMap::from_pairs(&pairs, &eu, "t".into()).unwrap();
        assert_eq!(
            m.classes("010130").unwrap(),
            &[(EndUse::Intermediate, 0.5), (EndUse::Capital, 0.5)]
        );
        assert_eq!(m.classes("020110").unwrap(), &[(EndUse::Intermediate, 1.0)]);
        // Two BEC codes with the same end use: one class, weight 1.
        assert_eq!(m.classes("030000").unwrap(), &[(EndUse::Intermediate, 1.0)]);
        assert_eq!(m.split_codes, 2);
        assert!(EndUse::parse("not_classified (BEC 32 undivided)") == Some(EndUse::NotClassified));
    }

    #[test]
    fn shared_tables_load() {
        let Some(dir) = crate::testdata::shared_file("classification") else {
            return;
        };
        let r = Refdata::new(dir);
        let m = r.end_use("HS2017").unwrap();
        // 5,386 distinct HS2017 codes, 100 listed with more than one BEC code (SOURCES.md and
        // a count of the file).
        assert_eq!(m.len(), 5386);
        assert_eq!(m.split_codes, 100);
        let c = r.concordance("HS1992", "HS2017").unwrap();
        assert!(!c.is_empty());
        assert!(r.end_use("HS1996").is_err());
        // HS1992 has no direct table: through the HS2017 ↔ HS1992 concordance.
        let m92 = r.end_use("HS1992").unwrap();
        assert!(m92.source.contains("via concordance"), "{}", m92.source);
        assert!(m92.len() > 4000);
        for code in ["010111", "870323"] {
            let w: f64 = m92.classes(code).unwrap().iter().map(|c| c.1).sum();
            assert!((w - 1.0).abs() < 1e-12, "{code}");
        }
        let d = r.hs_descriptions("HS2017").unwrap();
        assert_eq!(d.get("01").map(String::as_str), Some("Animals; live"));
    }
}
