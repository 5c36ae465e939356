//! `balanza ingest`: read trade flows as downloaded and write one Parquet dataset.

use crate::cmd::common::ReadArgs;
use anyhow::Context as _;
use balanza_data::ReadSummary;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::{Path, PathBuf};

/// Arguments of `balanza ingest`.
#[derive(clap::Args, Debug)]
#[command(
    after_long_help = "Read trade flows as downloaded and write one Parquet dataset that the \
other commands read fast.

Formats (detected from the header, or forced with --input-format):
  baci      CEPII BACI CSV: t,i,j,k,v,q; v in thousand USD (stored in USD), q in metric tons,
            numeric country codes translated with --country-codes (BACI's country_codes file)
  comtrade  UN Comtrade / WITS CSV export: reporter, partner, flow, product, value columns;
            rows with partner WLD are kept apart as reported totals
  mapped    any CSV or Parquet file, with --map naming its columns

Gzip-compressed files are recognised by their content. A malformed row stops the ingest with
its file, line and column (exit code 2) unless --skip-bad-rows is given. The dataset is written
to a temporary name and renamed at the end: a failed run leaves no output.

Examples:
  balanza ingest BACI_HS17_Y2020_V202401.csv --country-codes country_codes_V202401.csv \\
      --hs-revision HS2017 --out baci2020.parquet
  balanza ingest wits_total_trade_2009.csv.gz --out wits2009.parquet
  balanza ingest flows.csv --input-format mapped \\
      --map year=Year,exporter=iso_o,importer=iso_d,product=hs6,value=trade --out flows.parquet"
)]
pub struct Args {
    /// Input files (CSV, gzip'd CSV or Parquet); several files become one dataset.
    #[arg(required = true, value_name = "FILE")]
    pub inputs: Vec<PathBuf>,
    /// The Parquet dataset to write.
    #[arg(long, short, value_name = "FILE")]
    pub out: PathBuf,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// A progress bar on stderr, drawn only when stderr is a terminal (indicatif hides it otherwise).
fn progress_bar() -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    pb.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb
}

/// Runs `balanza ingest`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let opts = args.read.request().options()?;
    let pb = progress_bar();
    let start = std::time::Instant::now();
    let mut current: Option<PathBuf> = None;
    let mut progress = |p: &Path, done: u64, total: u64| {
        if current.as_deref() != Some(p) {
            current = Some(p.to_path_buf());
            pb.set_message(
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            );
            pb.set_length(total);
        }
        pb.set_position(done);
    };
    let mut result: Option<Result<(ReadSummary, u64), balanza_data::DataError>> = None;
    let write = balanza_report::atomic::write_atomic_with(&args.out, |w| {
        let r = balanza_data::ingest(&args.inputs, &opts, w, &args.out, &mut progress);
        let failed = r.is_err();
        result = Some(r);
        if failed {
            Err(std::io::Error::other("ingest failed"))
        } else {
            Ok(())
        }
    });
    pb.finish_and_clear();
    let (summary, rows) = match result {
        Some(Err(e)) => return Err(e.into()),
        Some(Ok(s)) => s,
        None => {
            return Err(anyhow::anyhow!(
                "cannot write {}: {}",
                args.out.display(),
                write.err().map(|e| e.to_string()).unwrap_or_default()
            ))
        }
    };
    write.with_context(|| format!("cannot write {}", args.out.display()))?;
    let secs = start.elapsed().as_secs_f64();
    print_summary(&summary, rows, &args.out, secs);
    Ok(())
}

fn print_summary(s: &ReadSummary, rows: u64, out: &Path, secs: f64) {
    for (p, f) in &s.formats {
        eprintln!("read {} as {f}", p.display());
    }
    eprintln!(
        "{} rows read, {} written to {} ({} reported totals with partner WLD) in {:.2} s ({:.0} rows/s)",
        s.rows_read,
        rows,
        out.display(),
        s.reported_totals,
        secs,
        s.rows_read as f64 / secs.max(1e-9)
    );
    if s.bad_rows > 0 {
        eprintln!(
            "skipped {} malformed rows (--skip-bad-rows); the first:",
            s.bad_rows
        );
        for m in &s.bad_row_examples {
            eprintln!("  {m}");
        }
    }
    for (why, n) in &s.excluded {
        eprintln!("left out {n} {why}");
    }
    for (from, to, n) in &s.aliases {
        if *n == 0 {
            eprintln!("translated code {from} -> {to}");
        } else {
            eprintln!("translated legacy code {from} -> {to} in {n} rows");
        }
    }
    match &s.hs_revision {
        Some(r) => eprintln!("HS revision: {r}"),
        None => eprintln!("HS revision: unknown (give --hs-revision to record it)"),
    }
}
