//! Options and helpers shared by the subcommands: output format and destination, the words
//! of fixed-choice options, and the application context.

use balanza_app::query::{InputFormat, ReadRequest, Selection};
use balanza_app::{AppError, OutputFormat, Table};
use balanza_data::words::Words;
use balanza_stats::Source;
use clap::builder::{PossibleValue, TypedValueParser};
use std::marker::PhantomData;
use std::path::PathBuf;

/// `--format` and `--out`, shared by every command that prints tables.
#[derive(clap::Args, Debug, Clone)]
pub struct OutputArgs {
    /// Output format: `table` (readable text, the default), `csv` or `json` (an array of row
    /// objects keyed by snake_case column names).
    #[arg(long, default_value = "table", value_parser = word::<OutputFormat>())]
    pub format: OutputFormat,
    /// A file: write what would be printed to it instead of standard output (atomically: a
    /// temporary name, then a rename). `simulate`, which writes one file per table,
    /// takes a folder instead (its help says so).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// clap's parser for an option whose values are the words of `T` (declared once, with the
/// enum, by `balanza_data::impl_words!`): `--help` lists them, and a wrong one gets the
/// enum's own message.
pub fn word<T: Words + Clone + Send + Sync>() -> WordParser<T> {
    WordParser(PhantomData)
}

/// See [`word`].
#[derive(Clone)]
pub struct WordParser<T>(PhantomData<T>);

impl<T: Words + Clone + Send + Sync> TypedValueParser for WordParser<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        let parse = |s: &str| T::from_word(s);
        parse.parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(T::WORDS.iter().map(|(_, w, aliases)| {
            PossibleValue::new(*w).aliases(aliases.iter().copied())
        })))
    }
}

/// The application's answer, or its error as the command line's.
pub fn app<T>(r: Result<T, AppError>) -> anyhow::Result<T> {
    r.map_err(AppError::into_inner)
}

/// Renders the tables in the chosen format and prints them or writes them to `--out`.
///
/// In JSON, one table is its array of row objects; several tables are an array holding each
/// table's array, in order. Text and CSV renderings are separated by a blank line.
pub fn emit(tables: &[Table], out: &OutputArgs) -> anyhow::Result<()> {
    write_or_print(&render(tables, out.format)?, out.out.as_deref())
}

pub use balanza_app::render;

/// Writes `text` to `path` atomically, or prints it.
pub fn write_or_print(text: &str, path: Option<&std::path::Path>) -> anyhow::Result<()> {
    match path {
        Some(path) => balanza_report::write_atomic(path, text.as_bytes())
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// Reading options shared by `ingest` and by commands that accept raw files as `--data`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ReadArgs {
    /// Input layout: auto (from the header), baci, comtrade or mapped.
    #[arg(long = "input-format", default_value = "auto", value_name = "FORMAT",
          value_parser = word::<InputFormat>())]
    pub input_format: InputFormat,
    /// BACI country-code file (country_code,...,iso_3digit_alpha) translating numeric codes to
    /// ISO3. Without it, ISO numeric codes plus BACI's own codes (251 France, 842 USA, ...) are
    /// used.
    #[arg(long, value_name = "FILE")]
    pub country_codes: Option<PathBuf>,
    /// Column mapping for --input-format mapped:
    /// year=COL,exporter=COL,importer=COL,value=COL[,product=COL][,quantity=COL]; without a
    /// product column every row gets the product TOTAL (country-level data).
    #[arg(long, value_name = "SPEC")]
    pub map: Option<String>,
    /// With --map: multiply values by this to get USD (1000 for thousand USD).
    #[arg(long, default_value_t = 1.0, value_name = "X")]
    pub value_scale: f64,
    /// With --map: country codes are numeric (ISO numeric, or BACI's with --country-codes)
    /// rather than ISO3.
    #[arg(long)]
    pub numeric_codes: bool,
    /// HS revision of the product codes (HS1992 ... HS2022): stored with the dataset by
    /// `ingest`; for the analysis commands, overrides what the dataset records (selects the
    /// HS → BEC table and the descriptions). `--data-hs-revision` is accepted too.
    #[arg(long, value_name = "REV", alias = "data-hs-revision")]
    pub hs_revision: Option<String>,
    /// Skip malformed rows (counted in the summary) instead of stopping at the first one.
    #[arg(long)]
    pub skip_bad_rows: bool,
}

impl ReadArgs {
    /// The application's read request.
    pub fn request(&self) -> ReadRequest {
        ReadRequest {
            input_format: self.input_format,
            country_codes: self.country_codes.clone(),
            map: self.map.clone(),
            value_scale: self.value_scale,
            numeric_codes: self.numeric_codes,
            hs_revision: self.hs_revision.clone(),
            skip_bad_rows: self.skip_bad_rows,
        }
    }
}

/// Options shared by `balance`, `composition` and `top`.
#[derive(clap::Args, Debug, Clone)]
pub struct QueryArgs {
    /// Trade data: a Parquet dataset written by `balanza ingest`, or raw files (BACI,
    /// Comtrade/WITS, mapped CSV; read on the fly with the input options below). Repeatable.
    #[arg(long, required = true, value_name = "DATASET")]
    pub data: Vec<PathBuf>,
    /// Reporter country, ISO3 (e.g. ZAF).
    #[arg(long, value_name = "ISO3")]
    pub reporter: String,
    /// Years to include: a list and/or ranges, e.g. `2019,2020` or `2015-2020` (default: all).
    #[arg(long, value_name = "YEARS")]
    pub years: Option<String>,
    /// Which declarations count: `reported` (the reporter's own where the data has declarants;
    /// the single record in reconciled data such as BACI), `mirror` (partners' declarations) or
    /// `totals` (the reporter's reported totals with the world, partner WLD).
    #[arg(long, default_value = "reported", value_name = "SOURCE", value_parser = word::<Source>())]
    pub source: Source,
    /// Report values in this currency (ISO 4217, e.g. CNY) using --rates.
    #[arg(long, value_name = "CODE", requires = "rates")]
    pub currency: Option<String>,
    /// Exchange-rate table, CSV with columns year,currency,per_usd (units of the currency per
    /// US dollar, annual average).
    #[arg(long, value_name = "FILE")]
    pub rates: Option<PathBuf>,
    /// Folder with classification tables (hs2017_to_bec4.csv, bec4_to_sna_end_use.csv,
    /// hs2017_descriptions.csv, ...), needed for end use and product descriptions.
    #[arg(long, value_name = "DIR")]
    pub refdata: Option<PathBuf>,
    /// Keep only these partners: ISO3 codes or group expressions as in scenarios (`USA,DEU`,
    /// `ldc and china_relations`), members as of December 31 of the last year kept.
    #[arg(long, value_name = "EXPR")]
    pub partner: Option<String>,
    /// Keep only these products: HS chapters, headings or subheadings (2, 4 or 6 digits),
    /// comma-separated, e.g. `84,8501,850440`.
    #[arg(long, value_name = "HS,...")]
    pub product: Option<String>,
    #[command(flatten)]
    pub read: ReadArgs,
}

impl QueryArgs {
    /// The application's selection.
    pub fn selection(&self) -> Selection {
        Selection {
            data: self.data.clone(),
            reporter: self.reporter.clone(),
            years: self.years.clone(),
            source: self.source,
            currency: self.currency.clone(),
            rates: self.rates.clone(),
            refdata: self.refdata.clone(),
            read: self.read.request(),
            partner: self.partner.clone(),
            product: self.product.clone(),
        }
    }
}
