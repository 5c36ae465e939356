//! Exchange-rate tables: units of a currency per US dollar, by year, from a CSV file with
//! columns `year,currency,per_usd` (`rate` and `code` are accepted as column names too).

use crate::error::DataError;
use std::collections::HashMap;
use std::path::Path;

/// Reads the rates of one currency (ISO 4217 code, case-insensitive): year → units per USD.
pub fn load_rates(path: &Path, code: &str) -> Result<HashMap<i32, f64>, DataError> {
    let text = std::fs::read_to_string(path).map_err(|e| DataError::io(path, e))?;
    let mut rdr = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| DataError::format(path, e.to_string()))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| headers.iter().position(|h| h == n))
            .ok_or_else(|| {
                DataError::format(
                    path,
                    format!(
                        "no column {}: expected year,currency,per_usd",
                        names.join(" or ")
                    ),
                )
            })
    };
    let (cy, cc, cr) = (
        col(&["year"])?,
        col(&["currency", "code"])?,
        col(&["per_usd", "rate"])?,
    );
    let code = code.trim().to_ascii_uppercase();
    let mut out = HashMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| DataError::format(path, format!("line {line}: {e}")))?;
        if rec
            .get(cc)
            .map(|c| c.trim().to_ascii_uppercase())
            .as_deref()
            != Some(code.as_str())
        {
            continue;
        }
        let err = |c: usize, expected: &str| DataError::Row {
            path: path.to_path_buf(),
            line,
            column: c + 1,
            name: headers[c].clone(),
            expected: expected.to_string(),
            found: rec.get(c).unwrap_or("").to_string(),
        };
        let year: i32 = rec
            .get(cy)
            .unwrap_or("")
            .trim()
            .parse()
            .map_err(|_| err(cy, "a year"))?;
        let rate: f64 = rec
            .get(cr)
            .unwrap_or("")
            .trim()
            .parse()
            .ok()
            .filter(|r: &f64| r.is_finite() && *r > 0.0)
            .ok_or_else(|| err(cr, "a positive rate (units of the currency per USD)"))?;
        out.insert(year, rate);
    }
    if out.is_empty() {
        return Err(DataError::format(
            path,
            format!("no rates for currency {code}"),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_currency() {
        let dir = std::env::temp_dir().join(format!("balanza-rates-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("r.csv");
        std::fs::write(
            &p,
            "year,currency,per_usd\n2019,CNY,6.91\n2020,cny,6.90\n2020,EUR,0.88\n",
        )
        .unwrap();
        let r = load_rates(&p, "CNY").unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[&2020], 6.90);
        assert!(load_rates(&p, "JPY").is_err());
        std::fs::write(&p, "year,currency,per_usd\n2019,CNY,-1\n").unwrap();
        assert!(load_rates(&p, "CNY")
            .unwrap_err()
            .to_string()
            .contains(":2: column 3"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
