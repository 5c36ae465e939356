//! The Parquet dataset: one file holding the canonical trade-flow table, written with the
//! `parquet` crate's low-level column API (no Arrow), and read back into a [`TradeTable`].
//!
//! Schema (readable by any Parquet tool):
//!
//! | column | type | meaning |
//! |---|---|---|
//! | year | INT32 | year |
//! | exporter, importer | BYTE_ARRAY (UTF8), dictionary | ISO3 code (or a special code, e.g. `WLD`) |
//! | product | BYTE_ARRAY (UTF8), dictionary | HS code text (`TOTAL` = all products) |
//! | value | DOUBLE | US dollars |
//! | quantity | DOUBLE, optional | quantity in the unit of key `balanza.quantity_unit` |
//! | declared_by | BYTE_ARRAY (UTF8), optional | `exporter` / `importer` for customs-reported data |
//!
//! Rows with partner `WLD` are reported totals. Key-value metadata: `balanza.format` = `1`,
//! `balanza.hs_revision`, `balanza.quantity_unit`, `balanza.sources`.
//!
//! Ingest runs the reader on the calling thread and the Parquet encoder on a second one, joined
//! by a bounded channel of batches, so memory stays at a few row groups whatever the file size.

use crate::error::DataError;
use crate::read::{self, MappedFields, ReadOptions, ReadSummary, ReaderState, RowPusher};
use crate::table::{Batch, TradeTable};
use parquet::basic::{Compression, Encoding};
use parquet::column::reader::ColumnReader;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int32Type};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::ColumnPath;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Rows per Parquet row group: large enough for good compression and fast scans, small enough
/// that the writer holds only a few tens of MB.
pub const ROW_GROUP_ROWS: usize = 1 << 20;

const SCHEMA: &str = "message trade_flows {
    REQUIRED INT32 year;
    REQUIRED BYTE_ARRAY exporter (UTF8);
    REQUIRED BYTE_ARRAY importer (UTF8);
    REQUIRED BYTE_ARRAY product (UTF8);
    REQUIRED DOUBLE value;
    OPTIONAL DOUBLE quantity;
    OPTIONAL BYTE_ARRAY declared_by (UTF8);
}";

fn pq_err(path: &Path, e: impl std::fmt::Display) -> DataError {
    DataError::Parquet {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Writes batches as row groups; keeps its own copy of the dictionaries.
struct DatasetWriter<W: Write + Send> {
    w: SerializedFileWriter<W>,
    path: PathBuf,
    countries: Vec<ByteArray>,
    products: Vec<ByteArray>,
    pending: Batch,
    rows: u64,
}

impl<W: Write + Send> DatasetWriter<W> {
    fn new(out: W, path: &Path) -> Result<Self, DataError> {
        let schema = Arc::new(parse_message_type(SCHEMA).map_err(|e| pq_err(path, e))?);
        // Dictionary encoding pays for codes and years (few distinct values) but not for
        // values and quantities (nearly all distinct): there it would build a dictionary only
        // to fall back to plain encoding.
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_statistics_enabled(EnabledStatistics::Chunk)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_column_dictionary_enabled(ColumnPath::from("value"), false)
            .set_column_dictionary_enabled(ColumnPath::from("quantity"), false)
            .set_column_encoding(ColumnPath::from("value"), Encoding::PLAIN)
            .set_column_encoding(ColumnPath::from("quantity"), Encoding::PLAIN)
            .set_created_by("balanza".to_string())
            .build();
        let w =
            SerializedFileWriter::new(out, schema, Arc::new(props)).map_err(|e| pq_err(path, e))?;
        Ok(Self {
            w,
            path: path.to_path_buf(),
            countries: Vec::new(),
            products: Vec::new(),
            pending: Batch::with_capacity(0),
            rows: 0,
        })
    }

    fn add(&mut self, mut b: Batch) -> Result<(), DataError> {
        self.countries.extend(
            b.new_countries
                .drain(..)
                .map(|s| ByteArray::from(s.into_bytes())),
        );
        self.products.extend(
            b.new_products
                .drain(..)
                .map(|s| ByteArray::from(s.into_bytes())),
        );
        if self.pending.is_empty() && b.len() >= ROW_GROUP_ROWS {
            return self.write_group(&b);
        }
        let p = &mut self.pending;
        p.year.extend_from_slice(&b.year);
        p.exporter.extend_from_slice(&b.exporter);
        p.importer.extend_from_slice(&b.importer);
        p.product.extend_from_slice(&b.product);
        p.value.extend_from_slice(&b.value);
        p.quantity.extend_from_slice(&b.quantity);
        p.declared_by.extend_from_slice(&b.declared_by);
        if p.len() >= ROW_GROUP_ROWS {
            let full = std::mem::take(&mut self.pending);
            self.write_group(&full)?;
        }
        Ok(())
    }

    fn write_group(&mut self, b: &Batch) -> Result<(), DataError> {
        if b.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let e = |x| pq_err(&path, x);
        let mut rg = self.w.next_row_group().map_err(e)?;
        let mut col = 0usize;
        let mut scratch: Vec<ByteArray> = Vec::with_capacity(b.len());
        let mut defs: Vec<i16> = Vec::with_capacity(b.len());
        let mut doubles: Vec<f64> = Vec::with_capacity(b.len());
        while let Some(mut c) = rg.next_column().map_err(e)? {
            match col {
                0 => {
                    c.typed::<Int32Type>()
                        .write_batch(&b.year, None, None)
                        .map_err(e)?;
                }
                1..=3 => {
                    let (ids, dict) = match col {
                        1 => (&b.exporter, &self.countries),
                        2 => (&b.importer, &self.countries),
                        _ => (&b.product, &self.products),
                    };
                    scratch.clear();
                    scratch.extend(ids.iter().map(|&i| dict[i as usize].clone()));
                    c.typed::<ByteArrayType>()
                        .write_batch(&scratch, None, None)
                        .map_err(e)?;
                }
                4 => {
                    c.typed::<DoubleType>()
                        .write_batch(&b.value, None, None)
                        .map_err(e)?;
                }
                5 => {
                    defs.clear();
                    doubles.clear();
                    for &q in &b.quantity {
                        if q.is_nan() {
                            defs.push(0);
                        } else {
                            defs.push(1);
                            doubles.push(q);
                        }
                    }
                    c.typed::<DoubleType>()
                        .write_batch(&doubles, Some(&defs), None)
                        .map_err(e)?;
                }
                _ => {
                    defs.clear();
                    scratch.clear();
                    let exp = ByteArray::from("exporter");
                    let imp = ByteArray::from("importer");
                    for &d in &b.declared_by {
                        match d {
                            1 => {
                                defs.push(1);
                                scratch.push(exp.clone());
                            }
                            2 => {
                                defs.push(1);
                                scratch.push(imp.clone());
                            }
                            _ => defs.push(0),
                        }
                    }
                    c.typed::<ByteArrayType>()
                        .write_batch(&scratch, Some(&defs), None)
                        .map_err(e)?;
                }
            }
            c.close().map_err(e)?;
            col += 1;
        }
        rg.close().map_err(e)?;
        self.rows += b.len() as u64;
        Ok(())
    }

    fn finish(mut self, summary: &ReadSummary) -> Result<u64, DataError> {
        let rest = std::mem::take(&mut self.pending);
        self.write_group(&rest)?;
        let mut kv = vec![KeyValue::new("balanza.format".to_string(), "1".to_string())];
        if let Some(h) = &summary.hs_revision {
            kv.push(KeyValue::new("balanza.hs_revision".to_string(), h.clone()));
        }
        if let Some(l) = &summary.label {
            kv.push(KeyValue::new("balanza.label".to_string(), l.clone()));
        }
        if let Some(u) = &summary.quantity_unit {
            kv.push(KeyValue::new(
                "balanza.quantity_unit".to_string(),
                u.clone(),
            ));
        }
        let sources: Vec<String> = summary
            .formats
            .iter()
            .map(|(p, f)| {
                format!(
                    "{} ({f})",
                    p.file_name().map_or_else(
                        || p.display().to_string(),
                        |n| n.to_string_lossy().into_owned()
                    )
                )
            })
            .collect();
        kv.push(KeyValue::new(
            "balanza.sources".to_string(),
            sources.join("; "),
        ));
        for k in kv {
            self.w.append_key_value_metadata(k);
        }
        self.w.close().map_err(|e| pq_err(&self.path, e))?;
        Ok(self.rows)
    }
}

/// Reads `inputs` (any supported layout) and writes one Parquet dataset to `out`.
///
/// `out_name` is only used in messages. The reader runs on this thread and the encoder on a
/// scoped second thread; they exchange at most a few batches, so memory is bounded. On error
/// nothing is promised about `out`: callers write to a temporary file and rename on success
/// (`balanza_report::write_atomic_with`).
pub fn ingest<W: Write + Send>(
    inputs: &[PathBuf],
    opts: &ReadOptions,
    out: W,
    out_name: &Path,
    progress: &mut dyn FnMut(&Path, u64, u64),
) -> Result<(ReadSummary, u64), DataError> {
    let mut writer = DatasetWriter::new(out, out_name)?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(3);
    std::thread::scope(|s| {
        let handle = s.spawn(move || -> Result<DatasetWriter<W>, DataError> {
            for b in rx {
                writer.add(b)?;
            }
            Ok(writer)
        });
        let mut state = ReaderState::default();
        let mut read_result = Ok(());
        for input in inputs {
            let mut sink = |b: Batch| {
                tx.send(b)
                    .map_err(|_| DataError::format(out_name, "the Parquet writer stopped"))
            };
            let mut prog = |done: u64, total: u64| progress(input, done, total);
            read_result = read::read_file(input, opts, &mut state, &mut sink, &mut prog);
            if read_result.is_err() {
                break;
            }
        }
        drop(tx);
        let writer = handle
            .join()
            .map_err(|_| DataError::format(out_name, "the Parquet writer panicked"))?;
        // A writer error explains a send failure, so it wins; otherwise the reader's error.
        let writer = match (writer, read_result) {
            (Err(e), _) => return Err(e),
            (Ok(_), Err(e)) => return Err(e),
            (Ok(w), Ok(())) => w,
        };
        let rows = writer.finish(&state.summary)?;
        Ok((state.summary, rows))
    })
}

/// Loads trade flows from a Parquet dataset or from raw files (any layout [`ingest`] reads),
/// into memory.
pub fn load(
    inputs: &[PathBuf],
    opts: &ReadOptions,
) -> Result<(TradeTable, ReadSummary), DataError> {
    let mut table = TradeTable::default();
    let mut state = ReaderState::default();
    for input in inputs {
        let mut sink = |b: Batch| {
            table.push_batch(b);
            Ok(())
        };
        read::read_file(input, opts, &mut state, &mut sink, &mut |_, _| {})?;
    }
    table.hs_revision = state.summary.hs_revision.clone();
    table.quantity_unit = state.summary.quantity_unit.clone();
    Ok((table, state.summary))
}

fn open_reader(path: &Path) -> Result<SerializedFileReader<std::fs::File>, DataError> {
    let f = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    SerializedFileReader::new(f).map_err(|e| pq_err(path, e))
}

/// Streams the rows of a balanza Parquet dataset through a reader's row pusher.
pub(crate) fn read_dataset_batches(
    path: &Path,
    mut push: RowPusher<'_, '_>,
) -> Result<(), DataError> {
    let reader = open_reader(path)?;
    let meta = reader.metadata();
    let kv = meta.file_metadata().key_value_metadata();
    let get = |k: &str| {
        kv.and_then(|kv| kv.iter().find(|x| x.key == k))
            .and_then(|x| x.value.clone())
    };
    if get("balanza.format").is_none() {
        return Err(DataError::format(
            path,
            "a Parquet file not written by `balanza ingest`: give a column mapping (--map) to read it",
        ));
    }
    push.set_meta(get("balanza.hs_revision"), get("balanza.quantity_unit"));
    push.set_label(get("balanza.label"));
    let schema = meta.file_metadata().schema_descr();
    let names: Vec<String> = (0..schema.num_columns())
        .map(|i| schema.column(i).name().to_string())
        .collect();
    let idx = |n: &str| {
        names
            .iter()
            .position(|c| c == n)
            .ok_or_else(|| DataError::format(path, format!("dataset without column `{n}`")))
    };
    let cols = [
        idx("year")?,
        idx("exporter")?,
        idx("importer")?,
        idx("product")?,
        idx("value")?,
        idx("quantity")?,
        idx("declared_by")?,
    ];
    let e = |x| pq_err(path, x);
    for g in 0..reader.num_row_groups() {
        let rg = reader.get_row_group(g).map_err(e)?;
        let n = rg.metadata().num_rows() as usize;
        let year = read_i32(rg.get_column_reader(cols[0]).map_err(e)?, n, path)?;
        let ids = |c: usize,
                   country: bool,
                   push: &mut RowPusher<'_, '_>|
         -> Result<Vec<u32>, DataError> {
            let (vals, _) = read_bytes(rg.get_column_reader(c).map_err(e)?, n, path)?;
            let mut cache: HashMap<&[u8], u32> = HashMap::new();
            Ok(vals
                .iter()
                .map(|v| {
                    *cache.entry(v.data()).or_insert_with(|| {
                        let s = String::from_utf8_lossy(v.data());
                        if country {
                            push.country(&s)
                        } else {
                            push.product(&s)
                        }
                    })
                })
                .collect())
        };
        let exp = ids(cols[1], true, &mut push)?;
        let imp = ids(cols[2], true, &mut push)?;
        let prod = ids(cols[3], false, &mut push)?;
        let (value, _) = read_f64(rg.get_column_reader(cols[4]).map_err(e)?, n, path)?;
        let (qv, qdef) = read_f64(rg.get_column_reader(cols[5]).map_err(e)?, n, path)?;
        let (dv, ddef) = read_bytes(rg.get_column_reader(cols[6]).map_err(e)?, n, path)?;
        let mut qi = 0usize;
        let mut di = 0usize;
        for r in 0..n {
            let q = if qdef.get(r).copied().unwrap_or(1) == 1 {
                qi += 1;
                qv[qi - 1]
            } else {
                f64::NAN
            };
            let d = if ddef.get(r).copied().unwrap_or(0) == 1 {
                di += 1;
                match dv[di - 1].data() {
                    b"exporter" => 1,
                    b"importer" => 2,
                    _ => 0,
                }
            } else {
                0
            };
            push.push(year[r], exp[r], imp[r], prod[r], value[r], q, d)?;
        }
    }
    Ok(())
}

fn read_i32(c: ColumnReader, n: usize, path: &Path) -> Result<Vec<i32>, DataError> {
    match c {
        ColumnReader::Int32ColumnReader(mut r) => {
            let mut vals = Vec::with_capacity(n);
            let mut defs = Vec::new();
            while vals.len() < n {
                let (recs, _, _) = r
                    .read_records(n, Some(&mut defs), None, &mut vals)
                    .map_err(|e| pq_err(path, e))?;
                if recs == 0 {
                    break;
                }
            }
            Ok(vals)
        }
        _ => Err(DataError::format(path, "column `year` is not INT32")),
    }
}

fn read_f64(c: ColumnReader, n: usize, path: &Path) -> Result<(Vec<f64>, Vec<i16>), DataError> {
    match c {
        ColumnReader::DoubleColumnReader(mut r) => {
            let mut vals = Vec::with_capacity(n);
            let mut defs = Vec::with_capacity(n);
            let mut got = 0;
            while got < n {
                let (recs, _, _) = r
                    .read_records(n - got, Some(&mut defs), None, &mut vals)
                    .map_err(|e| pq_err(path, e))?;
                if recs == 0 {
                    break;
                }
                got += recs;
            }
            Ok((vals, defs))
        }
        _ => Err(DataError::format(path, "a value column is not DOUBLE")),
    }
}

fn read_bytes(
    c: ColumnReader,
    n: usize,
    path: &Path,
) -> Result<(Vec<ByteArray>, Vec<i16>), DataError> {
    match c {
        ColumnReader::ByteArrayColumnReader(mut r) => {
            let mut vals = Vec::with_capacity(n);
            let mut defs = Vec::with_capacity(n);
            let mut got = 0;
            while got < n {
                let (recs, _, _) = r
                    .read_records(n - got, Some(&mut defs), None, &mut vals)
                    .map_err(|e| pq_err(path, e))?;
                if recs == 0 {
                    break;
                }
                got += recs;
            }
            Ok((vals, defs))
        }
        _ => Err(DataError::format(path, "a code column is not BYTE_ARRAY")),
    }
}

/// Reads a Parquet file with a column mapping, row by row through the record API (values of
/// any primitive type are turned into text and parsed like a mapped CSV row).
pub(crate) fn read_mapped_parquet(
    path: &Path,
    map: &read::ColumnMap,
    opts: &ReadOptions,
    mut push: RowPusher<'_, '_>,
) -> Result<(), DataError> {
    use parquet::record::Field;
    let reader = open_reader(path)?;
    let codes = match (&map.codes, &opts.country_codes) {
        (read::CodeKind::Numeric, Some(f)) => Some(read::load_baci_country_codes(f)?),
        _ => None,
    };
    let wanted: Vec<Option<&str>> = vec![
        Some(map.year.as_str()),
        Some(map.exporter.as_str()),
        Some(map.importer.as_str()),
        map.product.as_deref(),
        Some(map.value.as_str()),
        map.quantity.as_deref(),
    ];
    let schema = reader.metadata().file_metadata().schema_descr();
    let names: Vec<String> = (0..schema.num_columns())
        .map(|i| schema.column(i).name().to_string())
        .collect();
    for w in wanted.iter().flatten() {
        if !names.iter().any(|n| n == w) {
            return Err(DataError::format(
                path,
                format!(
                    "the column map names `{w}`, which is not in the file ({})",
                    names.join(", ")
                ),
            ));
        }
    }
    let rows = reader.get_row_iter(None).map_err(|e| pq_err(path, e))?;
    for (i, row) in rows.enumerate() {
        let row = row.map_err(|e| pq_err(path, e))?;
        // Parquet has no lines: report the 1-based row number.
        let line = i as u64 + 1;
        let mut texts: Vec<Vec<u8>> = vec![Vec::new(); 6];
        for (name, field) in row.get_column_iter() {
            if let Some(k) = wanted.iter().position(|w| *w == Some(name.as_str())) {
                texts[k] = match field {
                    Field::Null => Vec::new(),
                    Field::Str(s) => s.clone().into_bytes(),
                    Field::Bytes(b) => b.data().to_vec(),
                    other => other.to_string().into_bytes(),
                };
            }
        }
        let f = MappedFields {
            year: &texts[0],
            exporter: &texts[1],
            importer: &texts[2],
            product: if map.product.is_some() {
                &texts[3]
            } else {
                b"TOTAL"
            },
            value: &texts[4],
            quantity: map.quantity.as_ref().map(|_| texts[5].as_slice()),
        };
        if let Err((which, expected)) = push.mapped(&f, map, codes.as_ref())? {
            let name = wanted[which].unwrap_or("?");
            let err = DataError::Row {
                path: path.to_path_buf(),
                line,
                column: names.iter().position(|n| n == name).map_or(0, |i| i + 1),
                name: name.to_string(),
                expected: expected.to_string(),
                found: String::from_utf8_lossy(&texts[which]).into_owned(),
            };
            push.bad_row_counted(err, opts.skip_bad_rows)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ingest_then_load_round_trips() {
        let dir = std::env::temp_dir().join(format!("balanza-pq-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let csv = dir.join("in.csv");
        std::fs::write(&csv, "t,i,j,k,v,q\n2020,710,842,010121,1.5,\n2020,4,156,10121,0.001,2\n2021,4,710,020110,3,\n").unwrap();
        let out = dir.join("ds.parquet");
        let f = std::fs::File::create(&out).unwrap();
        let opts = ReadOptions {
            hs_revision: Some("HS2017".into()),
            batch_rows: 2,
            ..ReadOptions::default()
        };
        let (summary, rows) = ingest(&[csv], &opts, f, &out, &mut |_, _, _| {}).unwrap();
        assert_eq!((summary.rows_kept, rows), (3, 3));
        let (t, s) = load(&[out], &ReadOptions::default()).unwrap();
        assert_eq!(s.hs_revision.as_deref(), Some("HS2017"));
        assert_eq!(t.quantity_unit.as_deref(), Some("t"));
        assert_eq!(t.len(), 3);
        assert_eq!(t.value, vec![1500.0, 1.0, 3000.0]);
        assert_eq!(t.year, vec![2020, 2020, 2021]);
        assert_eq!(t.countries[t.importer[2] as usize], "ZAF");
        assert_eq!(t.products[t.product[1] as usize], "010121");
        assert!(t.quantity[0].is_nan());
        assert_eq!(t.quantity[1], 2.0);
        // The same file read as a plain Parquet file with a column mapping.
        let mapped = ReadOptions {
            format: read::SourceFormat::Mapped(
                read::ColumnMap::parse("year=year,exporter=exporter,importer=importer,product=product,value=value,quantity=quantity").unwrap(),
            ),
            ..ReadOptions::default()
        };
        let (m, _) = load(&[dir.join("ds.parquet")], &mapped).unwrap();
        assert_eq!(m.value, t.value);
        let codes = |t: &TradeTable| -> Vec<String> {
            t.importer
                .iter()
                .map(|&i| t.countries[i as usize].clone())
                .collect()
        };
        assert_eq!(codes(&m), codes(&t));
        assert_eq!(m.quantity[1], 2.0);
        // Gzip is recognised by content, whatever the name.
        let gz = dir.join("in_gzip.csv");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, b"t,i,j,k,v,q\n2020,710,842,010121,1.5,\n").unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        let (g, _) = load(&[gz], &ReadOptions::default()).unwrap();
        assert_eq!(g.value, vec![1500.0]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
