//! Reading named columns of a data file into a [`Frame`]: plain CSV (mapped in place when it
//! is large), gzip'd CSV (streamed) and Parquet (low-level column readers), recognised by their
//! content. Only the columns asked for are kept.
//!
//! A CSV column is numeric until a field is not a number, then text (earlier numbers are kept
//! in their shortest form). Empty, `NA`, `NaN`, `nan` and `.` are missing numbers (NaN).
//! Fields may be quoted (`"..."`, `""` for a quote); a quoted newline is not supported. Large
//! quote-free files are parsed by two threads over two halves split at a line boundary.

use crate::error::DataError;
use crate::frame::{Column, Frame};
use rayon::prelude::*;
use std::io::Read;
use std::path::Path;

// ------------------------------------------------------------------------------------------
// Reading the columns from CSV / gzip'd CSV.
// ------------------------------------------------------------------------------------------

/// One column being parsed: numbers until a value is not a number, then text.
enum Builder {
    Num(Vec<f64>),
    Text(Vec<String>),
}

impl Builder {
    fn push(&mut self, field: &[u8]) {
        match self {
            Builder::Num(v) => match parse_number(field) {
                Some(x) => v.push(x),
                None => {
                    // Switch to text: earlier numbers are kept in their shortest form.
                    let mut t: Vec<String> = v.iter().map(|x| fmt_num(*x)).collect();
                    t.push(String::from_utf8_lossy(field).into_owned());
                    *self = Builder::Text(t);
                }
            },
            Builder::Text(t) => t.push(String::from_utf8_lossy(field).into_owned()),
        }
    }

    fn into_text(self) -> Vec<String> {
        match self {
            Builder::Num(v) => v.iter().map(|x| fmt_num(*x)).collect(),
            Builder::Text(t) => t,
        }
    }
}

fn fmt_num(x: f64) -> String {
    if x.is_nan() {
        String::new()
    } else if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Parses a CSV number; empty, NA and NaN are missing (NaN). `None` = not a number.
fn parse_number(f: &[u8]) -> Option<f64> {
    let f = f.trim_ascii();
    if f.is_empty() || f == b"NA" || f == b"NaN" || f == b"nan" || f == b"." {
        return Some(f64::NAN);
    }
    // Fast path for plain integers (ids, years, counts): most fields of gravity panels.
    let (neg, digits) = match f[0] {
        b'-' => (true, &f[1..]),
        _ => (false, f),
    };
    if !digits.is_empty() && digits.len() <= 15 && digits.iter().all(u8::is_ascii_digit) {
        let mut v: i64 = 0;
        for &d in digits {
            v = v * 10 + i64::from(d - b'0');
        }
        return Some(if neg { -(v as f64) } else { v as f64 });
    }
    std::str::from_utf8(f).ok()?.parse::<f64>().ok()
}

/// Splits one CSV record (no trailing newline) into fields, unquoting `"..."`.
fn split_record<'a>(
    line: &'a [u8],
    buf: &'a mut Vec<Vec<u8>>,
    out: &mut Vec<std::ops::Range<usize>>,
) -> bool {
    out.clear();
    if !line.contains(&b'"') {
        let mut start = 0;
        for (i, &c) in line.iter().enumerate() {
            if c == b',' {
                out.push(start..i);
                start = i + 1;
            }
        }
        out.push(start..line.len());
        return false;
    }
    // Quoted fields: copy unquoted values into `buf`, ranges index buf entries.
    buf.clear();
    let mut cur = Vec::new();
    let mut inq = false;
    let mut i = 0;
    while i < line.len() {
        let c = line[i];
        if inq {
            if c == b'"' {
                if line.get(i + 1) == Some(&b'"') {
                    cur.push(b'"');
                    i += 1;
                } else {
                    inq = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == b'"' {
            inq = true;
        } else if c == b',' {
            buf.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
        i += 1;
    }
    buf.push(cur);
    for k in 0..buf.len() {
        out.push(k..k + 1);
    }
    true
}

/// Parses the data lines of `text` (whole lines) into builders for the columns `idx`.
///
/// `first_line` gives the file line number of the chunk's first line (only asked for in an
/// error message: counting lines costs a pass); `more_bytes` is the length of text whose
/// rows will be appended to these columns later (their capacity is reserved now).
fn parse_chunk(
    path: &Path,
    text: &[u8],
    idx: &[usize],
    ncols: usize,
    first_line: &dyn Fn() -> usize,
    more_bytes: usize,
) -> Result<Chunk, DataError> {
    if !text.contains(&b'"') {
        return parse_plain_chunk(path, text, idx, ncols, first_line, more_bytes);
    }
    let first_line = first_line();
    let mut b: Vec<Builder> = idx.iter().map(|_| Builder::Num(Vec::new())).collect();
    let mut blanks = Vec::new();
    let mut ranges = Vec::with_capacity(ncols);
    let mut buf = Vec::new();
    let mut off = 0;
    for (k, raw) in text.split(|&c| c == b'\n').enumerate() {
        let end = off + raw.len();
        off = end + 1;
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.is_empty() {
            // The empty piece after the final newline is not a line of the file.
            if end < text.len() {
                blanks.push(first_line + k);
            }
            continue;
        }
        let quoted = split_record(line, &mut buf, &mut ranges);
        if ranges.len() != ncols {
            return Err(field_count(path, first_line + k, ranges.len(), ncols));
        }
        for (bj, &j) in b.iter_mut().zip(idx) {
            let r = ranges[j].clone();
            if quoted {
                bj.push(&buf[r.start]);
            } else {
                bj.push(&line[r]);
            }
        }
    }
    Ok((b, blanks))
}

/// A parsed chunk: its columns, and the file line numbers of the blank lines it skipped.
type Chunk = (Vec<Builder>, Vec<usize>);

/// [`parse_chunk`] for text without quotes (the usual numeric panel): one scan of each line
/// that hands the wanted fields to their builders as it meets them, with the builders sized
/// from the mean length of the first lines (no regrowth of ~10 MB columns).
fn parse_plain_chunk(
    path: &Path,
    text: &[u8],
    idx: &[usize],
    ncols: usize,
    first_line: &dyn Fn() -> usize,
    more_bytes: usize,
) -> Result<Chunk, DataError> {
    // Rows expected from the mean length of the first (up to) 1000 lines; never more than a
    // line of bare separators per row allows.
    let sample = text
        .split(|&c| c == b'\n')
        .take(1000)
        .fold((0usize, 0usize), |(b, l), line| (b + line.len() + 1, l + 1));
    let mean_len = (sample.0 / sample.1.max(1)).max(1);
    let bytes = text.len() + more_bytes;
    let rows = (bytes / mean_len).min(bytes / ncols.max(1) + 1);
    let expected = rows + rows / 8 + 16;
    let mut b: Vec<Builder> = idx
        .iter()
        .map(|_| Builder::Num(Vec::with_capacity(expected)))
        .collect();
    // Builder of each field of a record, if wanted.
    let mut slot: Vec<Option<usize>> = vec![None; ncols];
    for (k, &j) in idx.iter().enumerate() {
        slot[j] = Some(k);
    }
    let mut blanks = Vec::new();
    let mut off = 0;
    for (k, raw) in text.split(|&c| c == b'\n').enumerate() {
        let end = off + raw.len();
        off = end + 1;
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.is_empty() {
            // Rare: `first_line` (a count over the first half for the second) only then.
            if end < text.len() {
                blanks.push(first_line() + k);
            }
            continue;
        }
        let mut field = 0;
        let mut start = 0;
        for (i, &c) in line.iter().enumerate() {
            if c == b',' {
                if let Some(Some(k)) = slot.get(field) {
                    b[*k].push(&line[start..i]);
                }
                field += 1;
                start = i + 1;
            }
        }
        if field + 1 != ncols {
            return Err(field_count(path, first_line() + k, field + 1, ncols));
        }
        if let Some(k) = slot[field] {
            b[k].push(&line[start..]);
        }
    }
    Ok((b, blanks))
}

/// A record whose field count is not the header's: the file, its 1-based line, both counts.
fn field_count(path: &Path, line: usize, found: usize, ncols: usize) -> DataError {
    DataError::format(
        path,
        format!("line {line}: {found} fields, the header has {ncols}"),
    )
}

/// The column positions of `needed` among the file's `names`, or an error listing them.
fn positions(path: &Path, names: &[String], needed: &[String]) -> Result<Vec<usize>, DataError> {
    needed
        .iter()
        .map(|c| {
            names.iter().position(|n| n == c).ok_or_else(|| {
                DataError::format(
                    path,
                    format!(
                        "unknown column `{c}`; available columns: {}",
                        names.join(", ")
                    ),
                )
            })
        })
        .collect()
}

/// A large uncompressed file mapped into memory (parsed in place from the page cache: no
/// copy and no zero-filled buffer). `None` for gzip or small files, which take the streaming
/// path.
///
/// The file must not be truncated while it is read (as for any memory-mapped input, a
/// concurrent writer can make the read fail or see mixed contents).
fn map_plain(path: &Path) -> Result<Option<memmap2::Mmap>, DataError> {
    let mut f = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    let size = f.metadata().map(|m| m.len()).unwrap_or(0) as usize;
    let mut magic = [0u8; 2];
    if size < (1 << 22) || f.read_exact(&mut magic).is_err() || crate::read::is_gzip(&magic) {
        return Ok(None);
    }
    // SAFETY: the mapping is read-only and private to this process; the contract above
    // (no concurrent truncation) is the usual one of memory-mapped readers.
    // A file system that cannot map files takes the streaming path instead.
    Ok(unsafe { memmap2::MmapOptions::new().populate().map(&f) }.ok())
}

/// The column names of a CSV header line (a UTF-8 byte-order mark and `\r` dropped, quotes
/// honoured, names trimmed).
fn header_names(line: &[u8]) -> Vec<String> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
    let mut ranges = Vec::new();
    let mut buf = Vec::new();
    let quoted = split_record(line, &mut buf, &mut ranges);
    ranges
        .iter()
        .map(|r| {
            let f = if quoted {
                &buf[r.start][..]
            } else {
                &line[r.clone()]
            };
            String::from_utf8_lossy(f).trim().to_string()
        })
        .collect()
}

/// The column names of a CSV, gzip'd CSV or Parquet file, in order (for readers that choose
/// their columns by name, then read them with [`read_columns`]).
pub fn column_names(path: &Path) -> Result<Vec<String>, DataError> {
    use std::io::BufRead;
    if crate::read::is_parquet(path) {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let f = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
        let reader = SerializedFileReader::new(f).map_err(|e| DataError::Parquet {
            path: path.to_path_buf(),
            message: format!("not a readable Parquet file: {e}"),
        })?;
        let schema = reader.metadata().file_metadata().schema_descr_ptr();
        return Ok((0..schema.num_columns())
            .map(|i| schema.column(i).path().string())
            .collect());
    }
    let (reader, _, _) = crate::read::open_input(path)?;
    let mut line = Vec::new();
    std::io::BufReader::new(reader)
        .take(1 << 20)
        .read_until(b'\n', &mut line)
        .map_err(|e| DataError::io(path, e))?;
    let line = line.strip_suffix(b"\n").unwrap_or(&line);
    if line.is_empty() {
        return Err(DataError::format(path, "the file is empty: no header line"));
    }
    Ok(header_names(line))
}

/// Reads the columns `needed` (in that order) of a CSV, gzip'd CSV or Parquet file into a
/// frame; the format is recognised by the file's first bytes. An unknown column is an error
/// listing the file's columns; a record with the wrong number of fields names its line.
pub fn read_columns(path: &Path, needed: &[String]) -> Result<Frame, DataError> {
    if crate::read::is_parquet(path) {
        return read_parquet_columns(path, needed);
    }
    let mapped = map_plain(path)?;
    let owned;
    let data: &[u8] = match &mapped {
        Some(m) => m,
        None => {
            let (mut reader, _, size) = crate::read::open_input(path)?;
            // The file size is the exact length of a plain CSV (and a lower bound for gzip):
            // one allocation instead of repeated doubling and copying of a 100 MB buffer.
            let mut buf = Vec::with_capacity(size as usize + 1);
            reader
                .read_to_end(&mut buf)
                .map_err(|e| DataError::io(path, e))?;
            owned = buf;
            &owned
        }
    };
    let frame = parse_csv_columns(data, path, Some(needed));
    drop(mapped);
    frame
}

/// Parses CSV text already in memory into a frame of the columns `needed` (all of them, in
/// the file's order, with `None`), by the same rules as [`read_columns`]; `source` names the
/// text in messages.
pub fn parse_csv_columns(
    data: &[u8],
    source: &Path,
    needed: Option<&[String]>,
) -> Result<Frame, DataError> {
    let path = source;
    let hdr_end = data.iter().position(|&c| c == b'\n').unwrap_or(data.len());
    let names = header_names(&data[..hdr_end]);
    if names.len() == 1 && names[0].is_empty() {
        return Err(DataError::format(path, "the file is empty: no header line"));
    }
    let needed = needed.map_or_else(|| names.clone(), <[String]>::to_vec);
    let needed = &needed[..];
    let idx = positions(path, &names, needed)?;
    let body = if hdr_end < data.len() {
        &data[hdr_end + 1..]
    } else {
        &data[0..0]
    };
    // Two threads over two halves split at a line boundary (both cores; no quoted newlines
    // are expected in data files of this kind — a quote-free file is required for the split).
    let split = if body.len() > (1 << 20) && !body.contains(&b'"') {
        let mid = body.len() / 2;
        body[mid..]
            .iter()
            .position(|&c| c == b'\n')
            .map(|p| mid + p + 1)
    } else {
        None
    };
    let ncols = names.len();
    let builders = match split {
        Some(s) => {
            let (a, b) = body.split_at(s);
            let lines_a = || 2 + a.iter().filter(|&&c| c == b'\n').count();
            let (ra, rb) = std::thread::scope(|sc| {
                let ha = sc.spawn(|| parse_chunk(path, a, &idx, ncols, &|| 2, b.len()));
                let rb = parse_chunk(path, b, &idx, ncols, &lines_a, 0);
                // A panic of the first half's parser is re-raised here (it cannot come from
                // the input: every failure on input is an error value).
                let ra = ha.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
                (ra, rb)
            });
            let ((ra, mut blanks), (rb, blanks_b)) = (ra?, rb?);
            blanks.extend(blanks_b);
            // The first half's columns have room for the second's: appending copies without
            // reallocating (one column per core).
            let builders = ra
                .into_par_iter()
                .zip(rb)
                .map(|(x, y)| match (x, y) {
                    (Builder::Num(mut p), Builder::Num(q)) => {
                        p.extend(q);
                        Builder::Num(p)
                    }
                    (x, y) => {
                        let mut t = x.into_text();
                        t.extend(y.into_text());
                        Builder::Text(t)
                    }
                })
                .collect();
            (builders, blanks)
        }
        None => parse_chunk(path, body, &idx, ncols, &|| 2, 0)?,
    };
    let (builders, blanks) = builders;
    let n = match builders.first() {
        Some(Builder::Num(v)) => v.len(),
        Some(Builder::Text(t)) => t.len(),
        None => 0,
    };
    let mut frame = Frame::new(n);
    frame.blank_lines = blanks;
    for (c, b) in needed.iter().zip(builders) {
        let col = match b {
            Builder::Num(v) => Column::Num(v),
            Builder::Text(t) => Column::from_strings(&t),
        };
        frame
            .push(c, col)
            .map_err(|e| DataError::format(path, e.to_string()))?;
    }
    Ok(frame)
}

// ------------------------------------------------------------------------------------------
// Reading the columns a model needs from Parquet (flat columns, low-level column readers).
// ------------------------------------------------------------------------------------------

/// Reads every row group of one leaf column through its typed reader: the values of the
/// non-null rows and, for a nullable column, the definition level of every row.
fn read_pq_column<T: parquet::data_type::DataType>(
    mut r: parquet::column::reader::ColumnReaderImpl<T>,
    n: usize,
    nullable: bool,
    vals: &mut Vec<T::T>,
    defs: &mut Vec<i16>,
) -> parquet::errors::Result<()>
where
    T::T: Default,
{
    let mut got = 0;
    while got < n {
        let (recs, _, _) = r.read_records(n - got, nullable.then_some(&mut *defs), None, vals)?;
        if recs == 0 {
            break;
        }
        got += recs;
    }
    Ok(())
}

/// A column being assembled from row groups: numbers, or text as level codes.
enum PqCol {
    Num(Vec<f64>),
    Text {
        codes: Vec<u32>,
        levels: Vec<String>,
        index: std::collections::HashMap<Vec<u8>, u32>,
    },
}

impl PqCol {
    fn push_text(&mut self, v: Option<&[u8]>) {
        if let PqCol::Text {
            codes,
            levels,
            index,
        } = self
        {
            // A null reads as the empty level, as an empty CSV field of a text column does.
            let v = v.unwrap_or(b"");
            let c = match index.get(v) {
                Some(&c) => c,
                None => {
                    let c = levels.len() as u32;
                    levels.push(String::from_utf8_lossy(v).into_owned());
                    index.insert(v.to_vec(), c);
                    c
                }
            };
            codes.push(c);
        }
    }
}

/// Reads the columns `needed` of a Parquet file into a frame: integer, floating and boolean
/// columns as numbers (null = missing; DECIMAL scaled), byte-array columns as text. Only flat
/// (non-repeated) columns are supported. Unknown columns are an error listing the file's.
fn read_parquet_columns(path: &Path, needed: &[String]) -> Result<Frame, DataError> {
    use parquet::basic::Type as Phys;
    use parquet::column::reader::ColumnReader;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let f = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    let reader = SerializedFileReader::new(f).map_err(|e| DataError::Parquet {
        path: path.to_path_buf(),
        message: format!("not a readable Parquet file: {e}"),
    })?;
    let meta = reader.metadata();
    let schema = meta.file_metadata().schema_descr();
    let names: Vec<String> = (0..schema.num_columns())
        .map(|i| schema.column(i).path().string())
        .collect();
    let idx = positions(path, &names, needed)?;
    let n_total = meta.file_metadata().num_rows().max(0) as usize;
    let mut cols: Vec<PqCol> = Vec::with_capacity(idx.len());
    for (&i, name) in idx.iter().zip(needed) {
        let d = schema.column(i);
        if d.max_rep_level() > 0 {
            return Err(DataError::format(
                path,
                format!(
                    "column `{name}` is a repeated (list) column; only flat columns can be used"
                ),
            ));
        }
        cols.push(match d.physical_type() {
            Phys::BYTE_ARRAY | Phys::FIXED_LEN_BYTE_ARRAY => PqCol::Text {
                codes: Vec::with_capacity(n_total),
                levels: Vec::new(),
                index: std::collections::HashMap::new(),
            },
            Phys::INT96 => {
                return Err(DataError::format(
                    path,
                    format!("column `{name}` is an INT96 timestamp, which cannot be read as a number or text"),
                ))
            }
            _ => PqCol::Num(Vec::with_capacity(n_total)),
        });
    }
    let perr = |name: &str, e: parquet::errors::ParquetError| DataError::Parquet {
        path: path.to_path_buf(),
        message: format!("column `{name}`: {e}"),
    };
    let mut defs: Vec<i16> = Vec::new();
    for g in 0..reader.num_row_groups() {
        let rg = reader.get_row_group(g).map_err(|e| DataError::Parquet {
            path: path.to_path_buf(),
            message: format!("row group {g}: {e}"),
        })?;
        let n = rg.metadata().num_rows().max(0) as usize;
        for ((&i, name), col) in idx.iter().zip(needed).zip(cols.iter_mut()) {
            let d = schema.column(i);
            let nullable = d.max_def_level() > 0;
            let maxdef = d.max_def_level();
            // DECIMAL stored as integers: value = unscaled / 10^scale.
            let scale = if d.converted_type() == parquet::basic::ConvertedType::DECIMAL {
                10f64.powi(d.type_scale())
            } else {
                1.0
            };
            defs.clear();
            let cr = rg.get_column_reader(i).map_err(|e| perr(name, e))?;
            // Spreads the non-null values over the rows (null = NaN).
            fn spread<T: Copy>(
                out: &mut Vec<f64>,
                vals: &[T],
                defs: &[i16],
                nullable: bool,
                maxdef: i16,
                f: impl Fn(T) -> f64,
            ) {
                if nullable {
                    let mut k = 0;
                    for &dl in defs {
                        if dl == maxdef {
                            out.push(f(vals[k]));
                            k += 1;
                        } else {
                            out.push(f64::NAN);
                        }
                    }
                } else {
                    out.extend(vals.iter().map(|&v| f(v)));
                }
            }
            match (cr, &mut *col) {
                (ColumnReader::DoubleColumnReader(r), PqCol::Num(out)) => {
                    let mut v = Vec::with_capacity(n);
                    read_pq_column(r, n, nullable, &mut v, &mut defs).map_err(|e| perr(name, e))?;
                    spread(out, &v, &defs, nullable, maxdef, |x| x);
                }
                (ColumnReader::FloatColumnReader(r), PqCol::Num(out)) => {
                    let mut v = Vec::with_capacity(n);
                    read_pq_column(r, n, nullable, &mut v, &mut defs).map_err(|e| perr(name, e))?;
                    spread(out, &v, &defs, nullable, maxdef, f64::from);
                }
                (ColumnReader::Int32ColumnReader(r), PqCol::Num(out)) => {
                    let mut v = Vec::with_capacity(n);
                    read_pq_column(r, n, nullable, &mut v, &mut defs).map_err(|e| perr(name, e))?;
                    spread(out, &v, &defs, nullable, maxdef, |x| f64::from(x) / scale);
                }
                (ColumnReader::Int64ColumnReader(r), PqCol::Num(out)) => {
                    // Exact up to 2^53, which covers ids, years and counts.
                    let mut v = Vec::with_capacity(n);
                    read_pq_column(r, n, nullable, &mut v, &mut defs).map_err(|e| perr(name, e))?;
                    spread(out, &v, &defs, nullable, maxdef, |x| x as f64 / scale);
                }
                (ColumnReader::BoolColumnReader(r), PqCol::Num(out)) => {
                    let mut v = Vec::with_capacity(n);
                    read_pq_column(r, n, nullable, &mut v, &mut defs).map_err(|e| perr(name, e))?;
                    spread(out, &v, &defs, nullable, maxdef, |x| f64::from(u8::from(x)));
                }
                (ColumnReader::ByteArrayColumnReader(r), c @ PqCol::Text { .. }) => {
                    let mut v = Vec::with_capacity(n);
                    read_pq_column(r, n, nullable, &mut v, &mut defs).map_err(|e| perr(name, e))?;
                    push_text_values(c, v.iter().map(|b| b.data()), &defs, nullable, maxdef);
                }
                (ColumnReader::FixedLenByteArrayColumnReader(r), c @ PqCol::Text { .. }) => {
                    let mut v = Vec::with_capacity(n);
                    read_pq_column(r, n, nullable, &mut v, &mut defs).map_err(|e| perr(name, e))?;
                    push_text_values(c, v.iter().map(|b| b.data()), &defs, nullable, maxdef);
                }
                _ => {
                    return Err(DataError::format(
                        path,
                        format!("column `{name}` has a physical type that cannot be read"),
                    ))
                }
            }
        }
    }
    let n = match cols.first() {
        Some(PqCol::Num(v)) => v.len(),
        Some(PqCol::Text { codes, .. }) => codes.len(),
        None => n_total,
    };
    let mut frame = Frame::new(n);
    for (c, col) in needed.iter().zip(cols) {
        let col = match col {
            PqCol::Num(v) => Column::Num(v),
            PqCol::Text { codes, levels, .. } => Column::Text { codes, levels },
        };
        frame
            .push(c, col)
            .map_err(|e| DataError::format(path, e.to_string()))?;
    }
    Ok(frame)
}

/// Appends one row group of a text column (non-null values in `vals`, levels in `defs`).
fn push_text_values<'a>(
    col: &mut PqCol,
    mut vals: impl Iterator<Item = &'a [u8]>,
    defs: &[i16],
    nullable: bool,
    maxdef: i16,
) {
    if nullable {
        for &dl in defs {
            col.push_text(if dl == maxdef { vals.next() } else { None });
        }
    } else {
        for v in vals {
            col.push_text(Some(v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &[u8]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("balanza-columns-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// Blank lines are skipped but counted, so a row's line is its line in the file, with and
    /// without quotes; the names come from the header alone, gzip'd or not.
    #[test]
    fn row_lines_count_blank_lines_and_names_come_from_the_header() {
        for (name, text) in [
            ("blank.csv", &b"a,b\n1,x\n\n2,y\r\n\r\n\n3,z\n"[..]),
            ("blankq.csv", &b"a,\"b\"\n1,x\n\n2,\"y\"\r\n\r\n\n3,z"[..]),
        ] {
            let p = write(name, text);
            assert_eq!(column_names(&p).unwrap(), names(&["a", "b"]));
            let f = read_columns(&p, &names(&["a", "b"])).unwrap();
            assert_eq!(f.row_lines(), vec![2, 4, 7], "{name}");
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, b"\xef\xbb\xbfexporter , importer\nA,B\n").unwrap();
        let p = write("names.csv.gz", &gz.finish().unwrap());
        assert_eq!(column_names(&p).unwrap(), names(&["exporter", "importer"]));
        assert!(column_names(&write("empty.csv", b"")).is_err());
    }

    #[test]
    fn numbers_text_missing_and_quotes() {
        let p = write(
            "mixed.csv",
            b"\xef\xbb\xbfy,g,\"x\"\r\n1,a,NA\r\n2.5,\"b,c\",3\r\n,7,\r\n",
        );
        let f = read_columns(&p, &names(&["x", "y", "g"])).unwrap();
        assert_eq!(f.nrows(), 3);
        assert_eq!(f.names(), &["x", "y", "g"]);
        match f.get("y").unwrap() {
            Column::Num(v) => assert!(v[0] == 1.0 && v[1] == 2.5 && v[2].is_nan()),
            Column::Text { .. } => panic!("y is numeric"),
        }
        match f.get("g").unwrap() {
            Column::Text { codes, levels } => {
                let vals: Vec<&str> = codes.iter().map(|&c| levels[c as usize].as_str()).collect();
                assert_eq!(vals, ["a", "b,c", "7"]);
            }
            Column::Num(_) => panic!("g is text"),
        }
    }

    #[test]
    fn gzip_gives_the_plain_columns() {
        use std::io::Write;
        let text = b"a,b\n1,x\n2,y\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text).unwrap();
        let p = write("small.csv.gz", &gz.finish().unwrap());
        let f = read_columns(&p, &names(&["a"])).unwrap();
        match f.get("a").unwrap() {
            Column::Num(v) => assert_eq!(v, &[1.0, 2.0]),
            Column::Text { .. } => panic!("a is numeric"),
        }
    }

    #[test]
    fn errors_name_the_file_the_line_and_the_columns() {
        let p = write("short.csv", b"a,b,c\n1,2,3\n4,5\n");
        let e = read_columns(&p, &names(&["a"])).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("short.csv: line 3: 2 fields, the header has 3"),
            "{e}"
        );
        let p = write("quoted.csv", b"a,b\n\"1\",2\n3\n");
        let e = read_columns(&p, &names(&["a"])).unwrap_err();
        assert!(e.to_string().contains("line 3: 1 fields"), "{e}");
        let e = read_columns(&p, &names(&["z"])).unwrap_err();
        assert!(
            e.to_string()
                .contains("unknown column `z`; available columns: a, b"),
            "{e}"
        );
        let e = read_columns(Path::new("/nonexistent/x.csv"), &names(&["a"])).unwrap_err();
        assert!(matches!(e, DataError::Io { .. }), "{e}");
    }
}
