//! Readers for trade flows as analysts download them: BACI (CEPII), UN Comtrade / WITS exports,
//! and plain CSV or Parquet with a column mapping, gzip-compressed or not.
//!
//! Readers stream: they parse a file row by row into [`Batch`]es of a bounded size and hand each
//! to a sink, so memory does not grow with the file. Each row is checked (year, country codes,
//! HS code, numbers); a malformed row stops the read with a [`DataError::Row`] naming file, line,
//! column and what was expected, unless `skip_bad_rows` is set, in which case it is counted.

use crate::countries;
use crate::error::DataError;
use crate::table::{Batch, Interner, WORLD};
use csv::ByteRecord;
use std::collections::HashMap;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Which layout a file has.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceFormat {
    /// Decide from the header (BACI `t,i,j,k,v,q`; Comtrade/WITS reporter/partner columns;
    /// a `.parquet` file written by `balanza ingest`).
    Auto,
    /// BACI CSV: `t,i,j,k,v,q`, values in thousand USD, numeric country codes.
    Baci,
    /// UN Comtrade or WITS CSV export (reporter, partner, flow, product, value).
    Comtrade,
    /// A CSV or Parquet file with the given column mapping.
    Mapped(ColumnMap),
}

/// How country codes are written in a mapped file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CodeKind {
    /// ISO 3166-1 alpha-3 (the default).
    #[default]
    Iso3,
    /// ISO 3166-1 numeric (or BACI numeric with `country_codes`).
    Numeric,
}

/// Column names of a mapped CSV or Parquet file, and how to read their values.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMap {
    /// Column holding the year.
    pub year: String,
    /// Column holding the exporter code.
    pub exporter: String,
    /// Column holding the importer code.
    pub importer: String,
    /// Column holding the product (HS) code; `None` for country-level data (gravity panels),
    /// whose rows get the product `TOTAL`.
    pub product: Option<String>,
    /// Column holding the trade value.
    pub value: String,
    /// Column holding the quantity, if any.
    pub quantity: Option<String>,
    /// Multiply values by this to get US dollars (1000 for thousand USD).
    pub value_scale: f64,
    /// How country codes are written.
    pub codes: CodeKind,
}

impl ColumnMap {
    /// Parses `year=Year,exporter=iso_o,importer=iso_d[,product=hs6],value=v[,quantity=q]`.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut m: HashMap<&str, String> = HashMap::new();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (k, v) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` in the column map: expected FIELD=COLUMN"))?;
            let k = k.trim();
            if ![
                "year", "exporter", "importer", "product", "value", "quantity",
            ]
            .contains(&k)
            {
                return Err(format!(
                    "unknown field `{k}` in the column map: expected year, exporter, importer, product, value or quantity"
                ));
            }
            m.insert(k, v.trim().to_string());
        }
        let need = |k: &str| {
            m.get(k)
                .cloned()
                .ok_or_else(|| format!("the column map lacks `{k}=COLUMN`"))
        };
        Ok(ColumnMap {
            year: need("year")?,
            exporter: need("exporter")?,
            importer: need("importer")?,
            product: m.get("product").cloned(),
            value: need("value")?,
            quantity: m.get("quantity").cloned(),
            value_scale: 1.0,
            codes: CodeKind::Iso3,
        })
    }
}

/// Options shared by all readers.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The file layout.
    pub format: SourceFormat,
    /// BACI country-code file (`country_code,...,iso_3digit_alpha`); without it BACI codes are
    /// read as ISO numeric codes plus BACI's own codes for France, Norway, India, Switzerland,
    /// the USA and "Other Asia, nes" (see [`baci_builtin_code`]).
    pub country_codes: Option<PathBuf>,
    /// HS revision of the product codes (e.g. `HS2017`); BACI and Comtrade files say it only in
    /// their file names or a nomenclature column, so it may be given here.
    pub hs_revision: Option<String>,
    /// Skip malformed rows (counted in the summary) instead of stopping at the first.
    pub skip_bad_rows: bool,
    /// Rows per batch handed to the sink (bounds memory).
    pub batch_rows: usize,
    /// A label stored with the dataset and shown in every output (e.g. `SYNTHETIC DATA`).
    pub label: Option<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            format: SourceFormat::Auto,
            country_codes: None,
            hs_revision: None,
            skip_bad_rows: false,
            batch_rows: 1 << 18,
            label: None,
        }
    }
}

/// What a read found, for the summary printed after an ingest.
#[derive(Debug, Clone, Default)]
pub struct ReadSummary {
    /// Data rows in the file(s), header excluded.
    pub rows_read: u64,
    /// Rows kept (flows plus reported totals).
    pub rows_kept: u64,
    /// Rows with partner `WLD` kept apart as reported totals.
    pub reported_totals: u64,
    /// Malformed rows skipped (only with `skip_bad_rows`).
    pub bad_rows: u64,
    /// The first few skipped-row messages.
    pub bad_row_examples: Vec<String>,
    /// Rows left out on purpose (re-exports, re-imports), with the reason.
    pub excluded: Vec<(String, u64)>,
    /// Country codes translated (e.g. WITS `ROM` → `ROU`), with row counts (0 = not counted:
    /// BACI codes missing from the country-code file and read as ISO numeric).
    pub aliases: Vec<(String, String, u64)>,
    /// HS revision, when known.
    pub hs_revision: Option<String>,
    /// Unit of the quantity column, when known.
    pub quantity_unit: Option<String>,
    /// The dataset's label (e.g. `SYNTHETIC DATA`), when it has one.
    pub label: Option<String>,
    /// Detected format name, per file.
    pub formats: Vec<(PathBuf, &'static str)>,
}

/// A progress callback: (bytes read so far, total bytes of the file).
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Counts bytes as they are read from the (possibly compressed) file, for progress bars.
struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A decompressing reader, a counter of the file bytes read so far, and the file size.
pub type OpenedInput = (Box<dyn Read + Send>, Arc<AtomicU64>, u64);

/// Opens a file for reading, decompressing gzip when the first two bytes are gzip's magic
/// number (1f 8b), whatever the file is called. Returns the reader, a counter of compressed
/// bytes read, and the file size.
pub fn open_input(path: &Path) -> Result<OpenedInput, DataError> {
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let count = Arc::new(AtomicU64::new(0));
    let counting = CountingReader {
        inner: file,
        count: count.clone(),
    };
    let mut buf = BufReader::with_capacity(1 << 20, counting);
    let magic = buf.fill_buf().map_err(|e| DataError::io(path, e))?;
    let gz = is_gzip(magic);
    let reader: Box<dyn Read + Send> = if gz {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::bufread::MultiGzDecoder::new(buf),
        ))
    } else {
        Box::new(buf)
    };
    Ok((reader, count, size))
}

/// True when `magic` (a file's first bytes) starts with gzip's magic number `1f 8b`: the one
/// gzip sniffer of the readers.
pub fn is_gzip(magic: &[u8]) -> bool {
    magic.starts_with(&[0x1f, 0x8b])
}

/// True when the file starts with Parquet's magic bytes `PAR1`.
pub fn is_parquet(path: &Path) -> bool {
    let mut magic = [0u8; 4];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && &magic == b"PAR1"
}

/// BACI's own numeric codes that differ from ISO 3166-1 numeric, from BACI's country-code
/// list (CEPII, `country_codes_V202201.csv`): France 251, Norway 579, India 699, Switzerland 757,
/// USA 842, and 490 "Other Asia, nes" (Taiwan in practice), which has no ISO3 code and is given
/// the code `S19` that later BACI versions use.
pub fn baci_builtin_code(code: u16) -> Option<&'static str> {
    match code {
        251 => Some("FRA"),
        579 => Some("NOR"),
        699 => Some("IND"),
        757 => Some("CHE"),
        842 => Some("USA"),
        490 => Some("S19"),
        _ => countries::country_by_numeric(code).map(|c| c.iso3),
    }
}

/// Legacy or WITS-specific codes translated to ISO 3166-1 alpha-3 (WITS country list): Romania
/// `ROM`, Serbia `SER`, Montenegro `MNT`, DR Congo `ZAR`, Timor-Leste `TMP`.
pub fn legacy_alias(code: &str) -> Option<&'static str> {
    match code {
        "ROM" => Some("ROU"),
        "SER" => Some("SRB"),
        "MNT" => Some("MNE"),
        "ZAR" => Some("COD"),
        "TMP" => Some("TLS"),
        _ => None,
    }
}

/// Codes that are not ISO countries but appear as reporters or partners in trade data and are
/// kept as they are: the world (`WLD`), the EU as a reporter (`EUN`), "Other Asia, nes" (`OAS`,
/// `S19`), unspecified (`UNS`), free zones, bunkers, special categories, neutral zone, and
/// former countries of ISO 3166-3 (`ANT`, `CSK`, `DDR`, `SCG`, `SUN`, `YUG`).
pub fn is_special_code(code: &str) -> bool {
    matches!(
        code,
        "WLD"
            | "EUN"
            | "OAS"
            | "S19"
            | "UNS"
            | "FRE"
            | "BUN"
            | "SPE"
            | "NTZ"
            | "ANT"
            | "CSK"
            | "DDR"
            | "SCG"
            | "SUN"
            | "YUG"
    )
}

/// Reporter codes that stand for a group of countries whose members also report (the EU as a
/// whole, `EUN`): partners' mirror sums leave their declarations out to avoid double counting.
pub const AGGREGATE_REPORTERS: &[&str] = &["EUN"];

/// Resolves an alpha-3 code as found in a file: ISO3 countries and the special codes are kept,
/// legacy aliases translated (the second value says so). `None` = unknown.
pub fn resolve_iso3(raw: &str) -> Option<(String, bool)> {
    let code = raw.trim().to_ascii_uppercase();
    if countries::country(&code).is_some() || is_special_code(&code) {
        return Some((code, false));
    }
    legacy_alias(&code).map(|c| (c.to_string(), true))
}

// ---------------------------------------------------------------------------------------------
// Field parsing (the hot loop of every reader).

const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Parses a decimal number and multiplies it by 10^`pow10`, rounding once.
///
/// Fast path (Clinger): a plain decimal `[-]ddd[.ddd]` with at most 15 significant digits is an
/// integer m < 2^53 times 10^e; when |e| ≤ 22 both m and 10^|e| are exact doubles, so one IEEE
/// multiplication or division gives the correctly rounded result. BACI's thousands with three
/// decimals therefore become exact dollar amounts. Other forms (exponents, long mantissas) use
/// the standard library's parser and a second rounding.
pub fn parse_scaled(field: &[u8], pow10: i32) -> Option<f64> {
    let (neg, digits) = match field.first() {
        Some(b'-') => (true, &field[1..]),
        Some(b'+') => (false, &field[1..]),
        _ => (false, field),
    };
    let mut m: u64 = 0;
    let mut n_digits = 0u32;
    let mut frac = 0i32;
    let mut seen_dot = false;
    let mut fast = !digits.is_empty();
    for &c in digits {
        match c {
            b'0'..=b'9' => {
                m = m.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
                if m != 0 {
                    n_digits += 1;
                }
                if seen_dot {
                    frac += 1;
                }
            }
            b'.' if !seen_dot => seen_dot = true,
            _ => {
                fast = false;
                break;
            }
        }
    }
    if fast && n_digits <= 15 && (digits.len() > usize::from(seen_dot)) {
        let e = pow10 - frac;
        let v = m as f64;
        let r = if e >= 0 {
            if e <= 22 {
                Some(v * POW10[e as usize])
            } else {
                None
            }
        } else if -e <= 22 {
            Some(v / POW10[(-e) as usize])
        } else {
            None
        };
        if let Some(r) = r {
            return Some(if neg { -r } else { r });
        }
    }
    let s = std::str::from_utf8(field).ok()?.trim();
    let v: f64 = s.parse().ok()?;
    if !v.is_finite() {
        return None;
    }
    Some(v * 10f64.powi(pow10))
}

/// Parses a non-negative integer of at most 9 digits.
fn parse_uint(field: &[u8]) -> Option<u32> {
    let f = trim_bytes(field);
    if f.is_empty() || f.len() > 9 {
        return None;
    }
    let mut n: u32 = 0;
    for &c in f {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

fn trim_bytes(f: &[u8]) -> &[u8] {
    let start = f
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(f.len());
    let end = f
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &f[start..end]
}

fn is_missing(f: &[u8]) -> bool {
    let f = trim_bytes(f);
    f.is_empty() || f.eq_ignore_ascii_case(b"NA") || f.eq_ignore_ascii_case(b"NaN") || f == b"."
}

/// Normalises an HS code: digits only; one leading zero restored when a spreadsheet dropped it
/// (odd length 1, 3 or 5); up to 12 digits (national tariff lines); or `TOTAL` for all products.
/// Returns `None` for anything else.
pub fn normalize_hs(field: &[u8]) -> Option<String> {
    let f = trim_bytes(field);
    if f.eq_ignore_ascii_case(b"total") || f.eq_ignore_ascii_case(b"TOTAL") {
        return Some("TOTAL".to_string());
    }
    if f.is_empty() || f.len() > 12 || !f.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut s = String::with_capacity(f.len() + 1);
    if f.len() % 2 == 1 && f.len() <= 5 {
        s.push('0');
    }
    s.push_str(std::str::from_utf8(f).ok()?);
    Some(s)
}

fn shorten(f: &[u8]) -> String {
    let s = String::from_utf8_lossy(f);
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.into_owned()
    }
}

// ---------------------------------------------------------------------------------------------
// Batch building shared by the readers.

/// A hasher for u64 keys (packed product codes): one multiply, enough for short code keys
/// that no adversary chooses, and several times faster than SipHash in the per-row lookup.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = (x ^ (x >> 31)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 ^= self.0 >> 29;
    }
}

type FastMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

/// Accumulates rows into batches and the country/product dictionaries.
struct Builder<'s> {
    countries: Interner,
    products: Interner,
    product_fast: FastMap<u32>,
    batch: Batch,
    batch_rows: usize,
    sink: &'s mut dyn FnMut(Batch) -> Result<(), DataError>,
    summary: ReadSummary,
    aliases: HashMap<(String, String), u64>,
}

impl<'s> Builder<'s> {
    fn new(batch_rows: usize, sink: &'s mut dyn FnMut(Batch) -> Result<(), DataError>) -> Self {
        Self {
            countries: Interner::default(),
            products: Interner::default(),
            product_fast: FastMap::default(),
            batch: Batch::with_capacity(batch_rows),
            batch_rows,
            sink,
            summary: ReadSummary::default(),
            aliases: HashMap::new(),
        }
    }

    /// Product id of an already normalised HS code given as bytes (fast path for ≤ 7 bytes).
    #[inline]
    fn product_id(&mut self, code: &[u8]) -> u32 {
        if code.len() <= 7 {
            let mut key = code.len() as u64;
            for &c in code {
                key = (key << 8) | u64::from(c);
            }
            if let Some(&id) = self.product_fast.get(&key) {
                return id;
            }
            let id = self.products.id(&String::from_utf8_lossy(code));
            self.product_fast.insert(key, id);
            return id;
        }
        self.products.id(&String::from_utf8_lossy(code))
    }

    #[inline]
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        year: i32,
        e: u32,
        m: u32,
        p: u32,
        v: f64,
        q: f64,
        d: u8,
    ) -> Result<(), DataError> {
        let b = &mut self.batch;
        b.year.push(year);
        b.exporter.push(e);
        b.importer.push(m);
        b.product.push(p);
        b.value.push(v);
        b.quantity.push(q);
        b.declared_by.push(d);
        self.summary.rows_kept += 1;
        if b.year.len() >= self.batch_rows {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), DataError> {
        let mut b = std::mem::replace(&mut self.batch, Batch::with_capacity(self.batch_rows));
        b.new_countries = self.countries.take_new();
        b.new_products = self.products.take_new();
        if b.is_empty() && b.new_countries.is_empty() && b.new_products.is_empty() {
            return Ok(());
        }
        (self.sink)(b)
    }

    /// Handles a row error: stop (return it) or count and continue.
    fn bad_row(&mut self, err: DataError, skip: bool) -> Result<(), DataError> {
        if !skip {
            return Err(err);
        }
        self.summary.bad_rows += 1;
        if self.summary.bad_row_examples.len() < 5 {
            self.summary.bad_row_examples.push(err.to_string());
        }
        Ok(())
    }

    fn country_iso3(&mut self, raw: &[u8]) -> Option<u32> {
        let s = std::str::from_utf8(trim_bytes(raw)).ok()?;
        let (code, alias) = resolve_iso3(s)?;
        if alias {
            *self
                .aliases
                .entry((s.to_ascii_uppercase(), code.clone()))
                .or_insert(0) += 1;
        }
        Some(self.countries.id(&code))
    }
}

struct RowCtx<'a> {
    path: &'a Path,
    headers: &'a ByteRecord,
}

impl RowCtx<'_> {
    fn err(&self, line: u64, col: usize, expected: &str, found: &[u8]) -> DataError {
        DataError::Row {
            path: self.path.to_path_buf(),
            line,
            column: col + 1,
            name: String::from_utf8_lossy(self.headers.get(col).unwrap_or(b"?")).into_owned(),
            expected: expected.to_string(),
            found: shorten(found),
        }
    }
}

fn header_index(headers: &ByteRecord, name: &str) -> Option<usize> {
    let want = normalize_name(name.as_bytes());
    headers.iter().position(|h| normalize_name(h) == want)
}

/// Lower case, alphanumerics only: `Trade Value (US$)` → `tradevalueus`.
fn normalize_name(h: &[u8]) -> String {
    h.iter()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase() as char)
        .collect()
}

fn csv_reader(input: Box<dyn Read + Send>) -> csv::Reader<Box<dyn Read + Send>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .buffer_capacity(1 << 20)
        .from_reader(input)
}

fn csv_err(path: &Path, e: csv::Error) -> DataError {
    let line = e.position().map(|p| p.line());
    match line {
        Some(l) => DataError::format(path, format!("line {l}: {e}")),
        None => DataError::format(path, e.to_string()),
    }
}

/// Reads one file in any supported layout, streaming [`Batch`]es into `sink`.
///
/// Several files can be read into one dataset by calling this once per file with the same
/// `state`, so that ids stay consistent across files.
pub fn read_file(
    path: &Path,
    opts: &ReadOptions,
    state: &mut ReaderState,
    sink: &mut dyn FnMut(Batch) -> Result<(), DataError>,
    progress: Progress<'_>,
) -> Result<(), DataError> {
    let mut b = Builder::new(opts.batch_rows.max(1), sink);
    std::mem::swap(&mut b.countries, &mut state.countries);
    std::mem::swap(&mut b.products, &mut state.products);
    std::mem::swap(&mut b.product_fast, &mut state.product_fast);
    std::mem::swap(&mut b.summary, &mut state.summary);
    if opts.label.is_some() {
        b.summary.label = opts.label.clone();
    }
    let result = read_into(path, opts, &mut b, progress).and_then(|()| b.flush());
    let mut aliases: Vec<_> = b.aliases.drain().map(|((a, c), n)| (a, c, n)).collect();
    aliases.sort();
    b.summary.aliases.extend(aliases);
    std::mem::swap(&mut b.countries, &mut state.countries);
    std::mem::swap(&mut b.products, &mut state.products);
    std::mem::swap(&mut b.product_fast, &mut state.product_fast);
    std::mem::swap(&mut b.summary, &mut state.summary);
    result
}

/// Dictionaries and counts carried across the files of one dataset.
#[derive(Default)]
pub struct ReaderState {
    countries: Interner,
    products: Interner,
    product_fast: FastMap<u32>,
    /// The running summary.
    pub summary: ReadSummary,
}

fn read_into(
    path: &Path,
    opts: &ReadOptions,
    b: &mut Builder<'_>,
    progress: Progress<'_>,
) -> Result<(), DataError> {
    if is_parquet(path) {
        return match &opts.format {
            SourceFormat::Mapped(map) => {
                b.summary
                    .formats
                    .push((path.to_path_buf(), "mapped Parquet"));
                crate::parquet_io::read_mapped_parquet(path, map, opts, b_adapter(b))
            }
            _ => {
                b.summary
                    .formats
                    .push((path.to_path_buf(), "balanza Parquet dataset"));
                crate::parquet_io::read_dataset_batches(path, b_adapter(b))
            }
        };
    }
    let (input, count, size) = open_input(path)?;
    let mut rdr = csv_reader(input);
    let headers = rdr.byte_headers().map_err(|e| csv_err(path, e))?.clone();
    let format = match &opts.format {
        SourceFormat::Auto => detect(&headers).ok_or_else(|| {
            DataError::format(
                path,
                format!(
                    "cannot tell the layout from the header `{}`: expected BACI (t,i,j,k,v,q) or a Comtrade/WITS export (reporter, partner, flow, product, value columns); give a column mapping with --map for other files",
                    headers.iter().map(|h| String::from_utf8_lossy(h).into_owned()).collect::<Vec<_>>().join(",")
                ),
            )
        })?,
        f => f.clone(),
    };
    let mut tick = |rows: u64| {
        if rows % 65_536 == 0 {
            progress(count.load(Ordering::Relaxed), size);
        }
    };
    match format {
        SourceFormat::Baci => {
            b.summary.formats.push((path.to_path_buf(), "BACI"));
            read_baci(path, &mut rdr, &headers, opts, b, &mut tick)?;
        }
        SourceFormat::Comtrade => {
            b.summary
                .formats
                .push((path.to_path_buf(), "Comtrade/WITS"));
            read_comtrade(path, &mut rdr, &headers, opts, b, &mut tick)?;
        }
        SourceFormat::Mapped(map) => {
            b.summary.formats.push((path.to_path_buf(), "mapped CSV"));
            read_mapped_csv(path, &mut rdr, &headers, &map, opts, b, &mut tick)?;
        }
        SourceFormat::Auto => unreachable!("resolved above"),
    }
    progress(count.load(Ordering::Relaxed), size);
    Ok(())
}

/// Lets the Parquet readers push rows through the same builder.
pub(crate) struct RowPusher<'a, 'b> {
    b: &'a mut Builder<'b>,
}

fn b_adapter<'a, 'b>(b: &'a mut Builder<'b>) -> RowPusher<'a, 'b> {
    RowPusher { b }
}

impl RowPusher<'_, '_> {
    /// Country id of a code already in canonical form.
    pub(crate) fn country(&mut self, code: &str) -> u32 {
        self.b.countries.id(code)
    }
    /// Product id of a canonical code.
    pub(crate) fn product(&mut self, code: &str) -> u32 {
        self.b.product_id(code.as_bytes())
    }
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push(
        &mut self,
        year: i32,
        e: u32,
        m: u32,
        p: u32,
        v: f64,
        q: f64,
        d: u8,
    ) -> Result<(), DataError> {
        self.b.summary.rows_read += 1;
        if self
            .b
            .countries
            .codes()
            .get(m as usize)
            .is_some_and(|c| c == WORLD)
            || self
                .b
                .countries
                .codes()
                .get(e as usize)
                .is_some_and(|c| c == WORLD)
        {
            self.b.summary.reported_totals += 1;
        }
        self.b.push(year, e, m, p, v, q, d)
    }
    pub(crate) fn set_label(&mut self, label: Option<String>) {
        if label.is_some() {
            self.b.summary.label = label;
        }
    }
    pub(crate) fn set_meta(&mut self, hs: Option<String>, unit: Option<String>) {
        if hs.is_some() {
            self.b.summary.hs_revision = hs;
        }
        if unit.is_some() {
            self.b.summary.quantity_unit = unit;
        }
    }
}

fn detect(headers: &ByteRecord) -> Option<SourceFormat> {
    let names: Vec<String> = headers.iter().map(normalize_name).collect();
    let has = |n: &str| names.iter().any(|h| h == n);
    if ["t", "i", "j", "k", "v"].iter().all(|n| has(n)) {
        return Some(SourceFormat::Baci);
    }
    let reporter = names.iter().any(|h| h.starts_with("reporter"));
    let partner = names.iter().any(|h| h.starts_with("partner"));
    if reporter && partner {
        return Some(SourceFormat::Comtrade);
    }
    None
}

/// Loads a BACI country-code file: numeric code → ISO3 (column `iso_3digit_alpha`). Entries
/// with an empty ISO3 get `N` plus the numeric code (e.g. `N697` for "Europe EFTA, nes"), except
/// 490 "Other Asia, nes", which gets `S19` as in later BACI versions.
pub fn load_baci_country_codes(path: &Path) -> Result<HashMap<u16, String>, DataError> {
    let (input, _, _) = open_input(path)?;
    let mut rdr = csv_reader(input);
    let headers = rdr.byte_headers().map_err(|e| csv_err(path, e))?.clone();
    let code_col = header_index(&headers, "country_code").ok_or_else(|| {
        DataError::format(
            path,
            "no `country_code` column: expected BACI's country_codes file",
        )
    })?;
    let iso_col = header_index(&headers, "iso_3digit_alpha").ok_or_else(|| {
        DataError::format(
            path,
            "no `iso_3digit_alpha` column: expected BACI's country_codes file",
        )
    })?;
    let ctx = RowCtx {
        path,
        headers: &headers,
    };
    let mut out = HashMap::new();
    let mut rec = ByteRecord::new();
    while rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_err(path, e))?
    {
        let line = rec.position().map_or(0, |p| p.line());
        let raw = rec.get(code_col).unwrap_or(b"");
        let code = parse_uint(raw)
            .filter(|&c| c <= u32::from(u16::MAX))
            .ok_or_else(|| ctx.err(line, code_col, "a numeric country code", raw))?
            as u16;
        let iso = String::from_utf8_lossy(trim_bytes(rec.get(iso_col).unwrap_or(b"")))
            .to_ascii_uppercase();
        let iso = if !iso.is_empty() {
            iso
        } else if code == 490 {
            "S19".to_string()
        } else {
            format!("N{code}")
        };
        out.insert(code, iso);
    }
    Ok(out)
}

/// The record loop shared by the BACI, Comtrade and mapped-CSV readers: reads the next record,
/// counts it, and reports (or, with `skip`, counts and passes over) broken records and records
/// whose column count differs from the header's.
struct RecordRows<'a> {
    path: &'a Path,
    ncols: usize,
    skip: bool,
    /// Whether `skip` also passes over records the csv reader fails on with an I/O error (the
    /// BACI reader stops on those; the Comtrade and mapped readers skip them like other errors).
    skip_io_errors: bool,
}

impl RecordRows<'_> {
    /// Fills `rec` with the next record that has the header's column count and returns its line,
    /// or `None` at the end of the input.
    #[inline]
    fn next(
        &self,
        rdr: &mut csv::Reader<Box<dyn Read + Send>>,
        rec: &mut ByteRecord,
        b: &mut Builder<'_>,
        tick: &mut dyn FnMut(u64),
    ) -> Result<Option<u64>, DataError> {
        let (path, ncols, skip) = (self.path, self.ncols, self.skip);
        loop {
            match rdr.read_byte_record(rec) {
                Ok(true) => {}
                Ok(false) => return Ok(None),
                Err(e) => {
                    // A broken record (bad UTF-8 is not checked; this is quoting or I/O).
                    let err = csv_err(path, e);
                    if skip && (self.skip_io_errors || !matches!(err, DataError::Io { .. })) {
                        b.bad_row(err, true)?;
                        continue;
                    }
                    return Err(err);
                }
            }
            b.summary.rows_read += 1;
            tick(b.summary.rows_read);
            let line = rec.position().map_or(0, |p| p.line());
            if rec.len() != ncols {
                let err = DataError::Row {
                    path: path.to_path_buf(),
                    line,
                    column: rec.len().min(ncols) + 1,
                    name: "(row)".to_string(),
                    expected: format!("{ncols} columns as in the header"),
                    found: format!("{} columns", rec.len()),
                };
                b.bad_row(err, skip)?;
                continue;
            }
            return Ok(Some(line));
        }
    }
}

fn read_baci(
    path: &Path,
    rdr: &mut csv::Reader<Box<dyn Read + Send>>,
    headers: &ByteRecord,
    opts: &ReadOptions,
    b: &mut Builder<'_>,
    tick: &mut dyn FnMut(u64),
) -> Result<(), DataError> {
    let col = |n: &str| {
        header_index(headers, n).ok_or_else(|| {
            DataError::format(
                path,
                format!("BACI file without a `{n}` column: expected t,i,j,k,v,q"),
            )
        })
    };
    let (ct, ci, cj, ck, cv) = (col("t")?, col("i")?, col("j")?, col("k")?, col("v")?);
    let cq = header_index(headers, "q");
    let ncols = headers.len();
    let codes_file = opts.country_codes.as_deref();
    let codes: HashMap<u16, String> = match codes_file {
        Some(f) => load_baci_country_codes(f)?,
        None => HashMap::new(),
    };
    let expected_code = match codes_file {
        Some(f) => format!("a country code listed in {}", f.display()),
        None => {
            "an ISO 3166-1 numeric or BACI country code (or give --country-codes FILE)".to_string()
        }
    };
    // Numeric code → country id, filled on first use; u32::MAX = not looked up yet,
    // u32::MAX - 1 = unknown.
    let mut by_code: Vec<u32> = vec![u32::MAX; 1 << 16];
    let mut fallbacks: Vec<(u16, &'static str)> = Vec::new();
    b.summary.hs_revision = opts
        .hs_revision
        .clone()
        .or_else(|| revision_from_file_name(path))
        .or(b.summary.hs_revision.take());
    b.summary.quantity_unit = Some("t".to_string());
    let ctx = RowCtx { path, headers };
    let skip = opts.skip_bad_rows;
    let mut rec = ByteRecord::new();
    let mut hs_buf: Vec<u8> = Vec::with_capacity(8);
    // BACI: an I/O error stops the read even when bad rows are skipped.
    let rows = RecordRows {
        path,
        ncols,
        skip,
        skip_io_errors: false,
    };
    while let Some(line) = rows.next(rdr, &mut rec, b, tick)? {
        let row = (|| -> Result<(i32, u32, u32, u32, f64, f64), DataError> {
            let t = &rec[ct];
            let year = parse_uint(t)
                .filter(|y| (1900..=2100).contains(y))
                .ok_or_else(|| ctx.err(line, ct, "a year (1900-2100)", t))?
                as i32;
            let mut country = |c: usize| -> Result<u32, DataError> {
                let raw = &rec[c];
                let n = parse_uint(raw)
                    .filter(|&n| n <= u32::from(u16::MAX))
                    .ok_or_else(|| ctx.err(line, c, &expected_code, raw))?
                    as usize;
                let mut id = by_code[n];
                if id == u32::MAX {
                    let iso = if codes_file.is_some() {
                        // BACI versions differ (V202201 lists Italy as 381, V202301 data uses
                        // 380): a code missing from the file falls back to ISO numeric, and the
                        // summary says so.
                        codes.get(&(n as u16)).cloned().or_else(|| {
                            let iso = countries::country_by_numeric(n as u16)?.iso3;
                            fallbacks.push((n as u16, iso));
                            Some(iso.to_string())
                        })
                    } else {
                        baci_builtin_code(n as u16).map(str::to_string)
                    };
                    id = match iso {
                        Some(iso) => b.countries.id(&iso),
                        None => u32::MAX - 1,
                    };
                    by_code[n] = id;
                }
                if id == u32::MAX - 1 {
                    return Err(ctx.err(line, c, &expected_code, raw));
                }
                Ok(id)
            };
            let e = country(ci)?;
            let m = country(cj)?;
            let k = trim_bytes(&rec[ck]);
            if k.is_empty() || k.len() > 6 || !k.iter().all(u8::is_ascii_digit) || k.len() < 5 {
                return Err(ctx.err(line, ck, "a 6-digit HS code", &rec[ck]));
            }
            hs_buf.clear();
            if k.len() == 5 {
                // Leading zero lost in some BACI exports (codes written as integers).
                hs_buf.push(b'0');
            }
            hs_buf.extend_from_slice(k);
            let p = b.product_id(&hs_buf);
            let v = parse_scaled(trim_bytes(&rec[cv]), 3)
                .filter(|v| *v >= 0.0)
                .ok_or_else(|| {
                    ctx.err(line, cv, "a non-negative value in thousand USD", &rec[cv])
                })?;
            let q = match cq {
                Some(cq) if !is_missing(&rec[cq]) => parse_scaled(trim_bytes(&rec[cq]), 0)
                    .ok_or_else(|| {
                        ctx.err(line, cq, "a quantity in metric tons or empty", &rec[cq])
                    })?,
                _ => f64::NAN,
            };
            Ok((year, e, m, p, v, q))
        })();
        match row {
            Ok((year, e, m, p, v, q)) => b.push(year, e, m, p, v, q, 0)?,
            Err(err) => b.bad_row(err, skip)?,
        }
    }
    for (code, iso) in fallbacks {
        b.summary.aliases.push((
            format!("{code} (not in the country-code file; ISO numeric)"),
            iso.to_string(),
            0,
        ));
    }
    Ok(())
}

/// Comtrade/WITS column roles, found by (normalised) header names.
struct ComtradeCols {
    year: usize,
    reporter: usize,
    partner: usize,
    flow: usize,
    product: usize,
    value: usize,
    value_pow10: i32,
    quantity: Option<usize>,
    nomenclature: Option<usize>,
}

fn comtrade_cols(path: &Path, headers: &ByteRecord) -> Result<ComtradeCols, DataError> {
    let names: Vec<String> = headers.iter().map(normalize_name).collect();
    let find = |cands: &[&str]| cands.iter().find_map(|c| names.iter().position(|h| h == c));
    let need = |cands: &[&str], role: &str| {
        find(cands).ok_or_else(|| {
            DataError::format(
                path,
                format!(
                    "Comtrade/WITS file without a {role} column (looked for {})",
                    cands.join(", ")
                ),
            )
        })
    };
    let value_cands = [
        "tradevalue1000usd",
        "tradevaluein1000usd",
        "tradevalueus",
        "tradevalueusd",
        "primaryvalue",
        "tradevalue",
        "value",
    ];
    let value = need(&value_cands, "trade value")?;
    // Values are thousands of USD when the column name says so (WITS), dollars otherwise.
    let value_pow10 = if names[value].contains("1000") { 3 } else { 0 };
    Ok(ComtradeCols {
        year: need(&["year", "refyear", "period"], "year")?,
        reporter: need(
            &["reporteriso3", "reporteriso", "reportercode"],
            "reporter ISO3",
        )?,
        partner: need(
            &["partneriso3", "partneriso", "partnercode"],
            "partner ISO3",
        )?,
        flow: need(
            &[
                "tradeflowname",
                "tradeflow",
                "flowdesc",
                "flowcode",
                "tradeflowcode",
            ],
            "trade flow",
        )?,
        product: need(
            &["productcode", "commoditycode", "cmdcode", "product"],
            "product code",
        )?,
        value,
        value_pow10,
        quantity: find(&["qty", "quantity"]),
        nomenclature: find(&["nomenclature", "classification", "classificationcode"]),
    })
}

fn read_comtrade(
    path: &Path,
    rdr: &mut csv::Reader<Box<dyn Read + Send>>,
    headers: &ByteRecord,
    opts: &ReadOptions,
    b: &mut Builder<'_>,
    tick: &mut dyn FnMut(u64),
) -> Result<(), DataError> {
    let c = comtrade_cols(path, headers)?;
    let ctx = RowCtx { path, headers };
    let skip = opts.skip_bad_rows;
    let mut rec = ByteRecord::new();
    let mut excluded: HashMap<String, u64> = HashMap::new();
    let mut nomenclature: Option<String> = None;
    let ncols = headers.len();
    let rows = RecordRows {
        path,
        ncols,
        skip,
        skip_io_errors: true,
    };
    while let Some(line) = rows.next(rdr, &mut rec, b, tick)? {
        // Flow: exports are declared by the reporter as exporter, imports as importer;
        // re-exports and re-imports are left out (counted) because they double-count goods.
        let flow_raw = trim_bytes(&rec[c.flow]);
        let flow = normalize_name(flow_raw);
        let declarant = match flow.as_str() {
            "export" | "exports" | "x" | "6" | "2" => 1u8,
            "import" | "imports" | "m" | "5" | "1" => 2u8,
            "reexport" | "reexports" | "rx" | "3" | "reimport" | "reimports" | "rm" | "4" => {
                *excluded
                    .entry(format!(
                        "re-export/re-import rows ({})",
                        String::from_utf8_lossy(flow_raw)
                    ))
                    .or_insert(0) += 1;
                continue;
            }
            _ => {
                let err = ctx.err(
                    line,
                    c.flow,
                    "a trade flow (Export, Import, X or M)",
                    flow_raw,
                );
                b.bad_row(err, skip)?;
                continue;
            }
        };
        let row = (|| -> Result<(i32, u32, u32, u32, f64, f64), DataError> {
            let t = &rec[c.year];
            let year = parse_uint(t)
                .filter(|y| (1900..=2100).contains(y))
                .ok_or_else(|| ctx.err(line, c.year, "a year (1900-2100)", t))?
                as i32;
            let r = b.country_iso3(&rec[c.reporter]).ok_or_else(|| {
                ctx.err(
                    line,
                    c.reporter,
                    &expected_iso3(&rec[c.reporter]),
                    &rec[c.reporter],
                )
            })?;
            let p = b.country_iso3(&rec[c.partner]).ok_or_else(|| {
                ctx.err(
                    line,
                    c.partner,
                    &expected_iso3(&rec[c.partner]),
                    &rec[c.partner],
                )
            })?;
            let hs = normalize_hs(&rec[c.product]).ok_or_else(|| {
                ctx.err(
                    line,
                    c.product,
                    "an HS code (2-6 digits) or Total",
                    &rec[c.product],
                )
            })?;
            let prod = b.product_id(hs.as_bytes());
            let v = parse_scaled(trim_bytes(&rec[c.value]), c.value_pow10)
                .ok_or_else(|| ctx.err(line, c.value, "a trade value (number)", &rec[c.value]))?;
            let q = match c.quantity {
                Some(cq) if !is_missing(&rec[cq]) => parse_scaled(trim_bytes(&rec[cq]), 0)
                    .ok_or_else(|| ctx.err(line, cq, "a quantity or empty", &rec[cq]))?,
                _ => f64::NAN,
            };
            let (e, m) = if declarant == 1 { (r, p) } else { (p, r) };
            Ok((year, e, m, prod, v, q))
        })();
        match row {
            Ok((year, e, m, p, v, q)) => {
                if b.countries.codes()[m as usize] == WORLD
                    || b.countries.codes()[e as usize] == WORLD
                {
                    b.summary.reported_totals += 1;
                }
                if nomenclature.is_none() {
                    if let Some(nc) = c.nomenclature {
                        nomenclature =
                            Some(String::from_utf8_lossy(trim_bytes(&rec[nc])).into_owned());
                    }
                }
                b.push(year, e, m, p, v, q, declarant)?;
            }
            Err(err) => b.bad_row(err, skip)?,
        }
    }
    let mut ex: Vec<_> = excluded.into_iter().collect();
    ex.sort();
    b.summary.excluded.extend(ex);
    b.summary.hs_revision = opts
        .hs_revision
        .clone()
        .or_else(|| nomenclature.as_deref().and_then(comtrade_nomenclature))
        .or(b.summary.hs_revision.take());
    Ok(())
}

/// What an alpha-3 country column expects, with a "did you mean" for the value found.
fn expected_iso3(found: &[u8]) -> String {
    let base = "an ISO 3166-1 alpha-3 country code (or WLD, EUN, OAS, UNS)";
    match countries::suggest_country(&String::from_utf8_lossy(found)) {
        Some(c) => format!("{base}; did you mean {} ({})?", c.iso3, c.name),
        None => base.to_string(),
    }
}

/// The HS revision BACI writes in its file names (`BACI_HS17_Y2020_V202401.csv` → HS2017).
pub fn revision_from_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy().to_ascii_uppercase();
    let i = name.find("HS")?;
    let digits = name.get(i + 2..i + 4)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    comtrade_nomenclature(&format!("HS{digits}"))
}

/// Comtrade's classification codes for HS revisions (H0 = HS1992 … H6 = HS2022).
pub fn comtrade_nomenclature(code: &str) -> Option<String> {
    let rev = match code.trim().to_ascii_uppercase().as_str() {
        "H0" | "HS92" | "HS1992" => "HS1992",
        "H1" | "HS96" | "HS1996" => "HS1996",
        "H2" | "HS02" | "HS2002" => "HS2002",
        "H3" | "HS07" | "HS2007" => "HS2007",
        "H4" | "HS12" | "HS2012" => "HS2012",
        "H5" | "HS17" | "HS2017" => "HS2017",
        "H6" | "HS22" | "HS2022" => "HS2022",
        _ => return None,
    };
    Some(rev.to_string())
}

#[allow(clippy::too_many_arguments)]
fn read_mapped_csv(
    path: &Path,
    rdr: &mut csv::Reader<Box<dyn Read + Send>>,
    headers: &ByteRecord,
    map: &ColumnMap,
    opts: &ReadOptions,
    b: &mut Builder<'_>,
    tick: &mut dyn FnMut(u64),
) -> Result<(), DataError> {
    let col = |n: &str| {
        headers
            .iter()
            .position(|h| trim_bytes(h) == n.as_bytes())
            .or_else(|| header_index(headers, n))
            .ok_or_else(|| {
                DataError::format(
                    path,
                    format!(
                        "the column map names `{n}`, which is not in the header ({})",
                        headers
                            .iter()
                            .map(|h| String::from_utf8_lossy(h).into_owned())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })
    };
    let (cy, ce, cm, cp, cv) = (
        col(&map.year)?,
        col(&map.exporter)?,
        col(&map.importer)?,
        map.product.as_deref().map(col).transpose()?,
        col(&map.value)?,
    );
    let cq = map.quantity.as_deref().map(col).transpose()?;
    let codes: Option<HashMap<u16, String>> = match (&map.codes, &opts.country_codes) {
        (CodeKind::Numeric, Some(f)) => Some(load_baci_country_codes(f)?),
        _ => None,
    };
    b.summary.hs_revision = opts.hs_revision.clone().or(b.summary.hs_revision.take());
    let ctx = RowCtx { path, headers };
    let skip = opts.skip_bad_rows;
    let ncols = headers.len();
    let mut rec = ByteRecord::new();
    let rows = RecordRows {
        path,
        ncols,
        skip,
        skip_io_errors: true,
    };
    while let Some(line) = rows.next(rdr, &mut rec, b, tick)? {
        let fields = MappedFields {
            year: &rec[cy],
            exporter: &rec[ce],
            importer: &rec[cm],
            product: cp.map_or(b"TOTAL".as_slice(), |c| &rec[c]),
            value: &rec[cv],
            quantity: cq.map(|c| &rec[c]),
        };
        let cols = [cy, ce, cm, cp.unwrap_or(0), cv, cq.unwrap_or(0)];
        match mapped_row(&fields, map, codes.as_ref(), b) {
            Ok((year, e, m, p, v, q)) => b.push(year, e, m, p, v, q, 0)?,
            Err((which, expected)) => {
                let raw = match which {
                    0 => fields.year,
                    1 => fields.exporter,
                    2 => fields.importer,
                    3 => fields.product,
                    4 => fields.value,
                    _ => fields.quantity.unwrap_or(b""),
                };
                let err = ctx.err(line, cols[which], expected, raw);
                b.bad_row(err, skip)?;
            }
        }
    }
    Ok(())
}

/// The raw fields of one mapped row.
pub(crate) struct MappedFields<'a> {
    pub year: &'a [u8],
    pub exporter: &'a [u8],
    pub importer: &'a [u8],
    pub product: &'a [u8],
    pub value: &'a [u8],
    pub quantity: Option<&'a [u8]>,
}

type MappedRow = (i32, u32, u32, u32, f64, f64);

/// Parses one mapped row; on error returns which field (0 year … 5 quantity) and what was
/// expected.
fn mapped_row(
    f: &MappedFields<'_>,
    map: &ColumnMap,
    codes: Option<&HashMap<u16, String>>,
    b: &mut Builder<'_>,
) -> Result<MappedRow, (usize, &'static str)> {
    let year = parse_uint(f.year)
        .filter(|y| (1900..=2100).contains(y))
        .ok_or((0, "a year (1900-2100)"))? as i32;
    let mut country = |raw: &[u8], which: usize| -> Result<u32, (usize, &'static str)> {
        match map.codes {
            CodeKind::Iso3 => b
                .country_iso3(raw)
                .ok_or((which, "an ISO 3166-1 alpha-3 country code")),
            CodeKind::Numeric => {
                let n = parse_uint(raw)
                    .filter(|&n| n <= u32::from(u16::MAX))
                    .ok_or((which, "a numeric country code"))? as u16;
                let iso = match codes {
                    Some(c) => c.get(&n).cloned(),
                    None => baci_builtin_code(n).map(str::to_string),
                }
                .ok_or((which, "a known numeric country code"))?;
                Ok(b.countries.id(&iso))
            }
        }
    };
    let e = country(f.exporter, 1)?;
    let m = country(f.importer, 2)?;
    let hs = normalize_hs(f.product).ok_or((3, "an HS code (2-6 digits) or Total"))?;
    let p = b.product_id(hs.as_bytes());
    let v = parse_scaled(trim_bytes(f.value), 0)
        .map(|v| v * map.value_scale)
        .ok_or((4, "a trade value (number)"))?;
    let q = match f.quantity {
        Some(q) if !is_missing(q) => {
            parse_scaled(trim_bytes(q), 0).ok_or((5, "a quantity or empty"))?
        }
        _ => f64::NAN,
    };
    Ok((year, e, m, p, v, q))
}

impl RowPusher<'_, '_> {
    /// Parses and pushes one mapped row given as text fields (used by the mapped Parquet
    /// reader); errors carry the field index and what was expected.
    pub(crate) fn mapped(
        &mut self,
        f: &MappedFields<'_>,
        map: &ColumnMap,
        codes: Option<&HashMap<u16, String>>,
    ) -> Result<Result<(), (usize, &'static str)>, DataError> {
        self.b.summary.rows_read += 1;
        match mapped_row(f, map, codes, self.b) {
            Ok((year, e, m, p, v, q)) => {
                self.b.push(year, e, m, p, v, q, 0)?;
                Ok(Ok(()))
            }
            Err(x) => Ok(Err(x)),
        }
    }

    /// Counts or returns a row error (the row was already counted as read).
    pub(crate) fn bad_row_counted(&mut self, err: DataError, skip: bool) -> Result<(), DataError> {
        self.b.bad_row(err, skip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_parse_is_exact_on_decimals() {
        assert_eq!(parse_scaled(b"0.198", 3), Some(198.0));
        assert_eq!(parse_scaled(b"27.902", 3), Some(27902.0));
        assert_eq!(parse_scaled(b"-1.5", 0), Some(-1.5));
        assert_eq!(parse_scaled(b"12", 3), Some(12000.0));
        assert_eq!(parse_scaled(b"1e-3", 3), Some(1.0));
        assert_eq!(parse_scaled(b"0.1", 0), Some(0.1));
        assert_eq!(parse_scaled(b"123456.789", 0), Some(123456.789));
        assert_eq!(parse_scaled(b"", 0), None);
        assert_eq!(parse_scaled(b".", 0), None);
        assert_eq!(parse_scaled(b"abc", 0), None);
        assert_eq!(parse_scaled(b"NaN", 0), None);
        // Against the standard parser on a sweep of 3-decimal values.
        for i in (0..2_000_000u64).step_by(7919) {
            let s = format!("{}.{:03}", i / 1000, i % 1000);
            assert_eq!(parse_scaled(s.as_bytes(), 0), s.parse::<f64>().ok(), "{s}");
        }
    }

    #[test]
    fn hs_codes() {
        assert_eq!(normalize_hs(b"010121").as_deref(), Some("010121"));
        assert_eq!(normalize_hs(b"10121").as_deref(), Some("010121"));
        assert_eq!(normalize_hs(b"Total").as_deref(), Some("TOTAL"));
        assert_eq!(normalize_hs(b"01x121"), None);
        assert_eq!(normalize_hs(b""), None);
    }

    #[test]
    fn codes() {
        assert_eq!(resolve_iso3("rom"), Some(("ROU".to_string(), true)));
        assert_eq!(resolve_iso3("WLD"), Some(("WLD".to_string(), false)));
        assert_eq!(resolve_iso3("ZAF"), Some(("ZAF".to_string(), false)));
        assert_eq!(resolve_iso3("QQQ"), None);
        assert_eq!(baci_builtin_code(842), Some("USA"));
        assert_eq!(baci_builtin_code(710), Some("ZAF"));
        let rev = |n: &str| revision_from_file_name(Path::new(n));
        assert_eq!(
            rev("BACI_HS17_Y2020_V202401.csv").as_deref(),
            Some("HS2017")
        );
        assert_eq!(rev("baci_hs92_2021.csv.gz").as_deref(), Some("HS1992"));
        assert_eq!(rev("flows.csv"), None);
    }

    #[test]
    fn column_map() {
        let m = ColumnMap::parse("year=Year, exporter=o,importer=d,product=k,value=v").unwrap();
        assert_eq!(m.exporter, "o");
        assert!(m.quantity.is_none());
        assert!(ColumnMap::parse("year=Year").is_err());
        assert!(ColumnMap::parse("yr=Year").is_err());
    }

    fn read_str(text: &str, opts: &ReadOptions) -> Result<(Vec<Batch>, ReadSummary), DataError> {
        let dir = std::env::temp_dir().join(format!(
            "balanza-read-{}-{}",
            std::process::id(),
            text.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("in.csv");
        std::fs::write(&path, text).unwrap();
        let mut batches = Vec::new();
        let mut state = ReaderState::default();
        let r = read_file(
            &path,
            opts,
            &mut state,
            &mut |b| {
                batches.push(b);
                Ok(())
            },
            &mut |_, _| {},
        );
        let _ = std::fs::remove_dir_all(&dir);
        r.map(|()| (batches, state.summary))
    }

    #[test]
    fn baci_rows_and_errors() {
        let opts = ReadOptions::default();
        let (b, s) = read_str(
            "t,i,j,k,v,q\n2020,710,842,010121,1.5,\n2020,4,156,10121,0.001,2\n",
            &opts,
        )
        .unwrap();
        assert_eq!(s.rows_kept, 2);
        assert_eq!(b[0].value, vec![1500.0, 1.0]);
        assert_eq!(b[0].new_countries, vec!["ZAF", "USA", "AFG", "CHN"]);
        assert_eq!(b[0].new_products, vec!["010121"]);
        assert!(b[0].quantity[0].is_nan());
        let err = read_str(
            "t,i,j,k,v,q\n2020,710,842,010121,1.5,\n2020,710,842,010121,x,\n",
            &opts,
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(":3: column 5 (`v`)"), "{msg}");
        let err = read_str("t,i,j,k,v,q\n2020,710,999,010121,1.5,\n", &opts).unwrap_err();
        assert!(err.to_string().contains(":2: column 3 (`j`)"), "{err}");
        let err = read_str("t,i,j,k,v,q\n2020,710,842,01A121,1.5,\n", &opts).unwrap_err();
        assert!(err.to_string().contains("HS code"), "{err}");
        let err = read_str("t,i,j,k,v,q\n2020,710,842,010121\n", &opts).unwrap_err();
        assert!(err.to_string().contains("6 columns"), "{err}");
        let skip = ReadOptions {
            skip_bad_rows: true,
            ..ReadOptions::default()
        };
        let (_, s) = read_str(
            "t,i,j,k,v,q\n2020,710,842,010121,x,\n2020,710,842,010121,2,\n",
            &skip,
        )
        .unwrap();
        assert_eq!((s.rows_read, s.rows_kept, s.bad_rows), (2, 1, 1));
    }

    #[test]
    fn comtrade_rows() {
        let text = "Nomenclature,ReporterISO3,ProductCode,PartnerISO3,Year,TradeFlowName,TradeValue_1000USD\n\
                    H5,ZAF,Total,WLD,2009,Export,10\n\
                    H5,ZAF,Total,CHN,2009,Import,2.5\n\
                    H5,ROM,Total,ZAF,2009,Export,1\n";
        let (b, s) = read_str(text, &ReadOptions::default()).unwrap();
        assert_eq!(s.rows_kept, 3);
        assert_eq!(s.reported_totals, 1);
        assert_eq!(s.hs_revision.as_deref(), Some("HS2017"));
        assert_eq!(s.aliases, vec![("ROM".to_string(), "ROU".to_string(), 1)]);
        let b = &b[0];
        // Import row: exporter is the partner, declared by the importer.
        assert_eq!(b.new_countries[b.exporter[1] as usize], "CHN");
        assert_eq!(b.declared_by, vec![1, 2, 1]);
        assert_eq!(b.value, vec![10_000.0, 2_500.0, 1_000.0]);
    }
}
