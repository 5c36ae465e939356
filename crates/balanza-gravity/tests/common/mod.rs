//! Test helpers: read a shared CSV (optionally gzip'd) into columns.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Read;

/// Columns of a CSV file as text.
pub struct Table {
    pub cols: HashMap<String, Vec<String>>,
    pub n: usize,
}

impl Table {
    pub fn num(&self, name: &str) -> Vec<f64> {
        self.cols[name]
            .iter()
            .map(|s| s.trim().parse::<f64>().unwrap_or(f64::NAN))
            .collect()
    }
    /// Dense u32 codes of a column's distinct text values.
    pub fn ids(&self, name: &str) -> Vec<u32> {
        let mut map = HashMap::new();
        self.cols[name]
            .iter()
            .map(|s| {
                let l = map.len() as u32;
                *map.entry(s.clone()).or_insert(l)
            })
            .collect()
    }
    /// Keeps the rows where `keep` is true.
    pub fn filter(&self, keep: &[bool]) -> Table {
        let cols = self
            .cols
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.iter()
                        .zip(keep)
                        .filter(|(_, &k)| k)
                        .map(|(s, _)| s.clone())
                        .collect(),
                )
            })
            .collect();
        Table {
            cols,
            n: keep.iter().filter(|&&k| k).count(),
        }
    }
}

/// Reads `../shared/data/<rel>`; `None` when the shared data is absent (test skipped).
pub fn read(rel: &str) -> Option<Table> {
    let path = balanza_data::testdata::shared_file(rel)?;
    let mut raw = Vec::new();
    std::fs::File::open(&path)
        .expect("open")
        .read_to_end(&mut raw)
        .unwrap();
    if rel.ends_with(".gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap();
        raw = out;
    }
    let mut rdr = csv::Reader::from_reader(&raw[..]);
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let mut cols: Vec<Vec<String>> = vec![Vec::new(); headers.len()];
    let mut n = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        for (j, f) in rec.iter().enumerate() {
            cols[j].push(f.to_string());
        }
        n += 1;
    }
    Some(Table {
        cols: headers.into_iter().zip(cols).collect(),
        n,
    })
}
