//! `balanza estimate`: structural gravity by PPML or OLS with high-dimensional fixed effects.
//!
//! This module reads the data file (CSV, gzip'd CSV or Parquet; only the columns the model uses),
//! hands named columns to `balanza_gravity`, and prints the result.

use crate::cmd::common::OutputArgs;
use anyhow::{bail, Context};
use balanza_gravity::{
    estimate, group_ids, group_labels, Column, Estimation, Estimator, Filter, FitOptions, Formula,
    Frame, Ssc, VcovKind,
};
use balanza_report::{Cell, OutputFormat, Table};
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};

const LONG_ABOUT: &str = "\
Estimate a structural gravity model by Poisson pseudo-maximum likelihood (PPML, the default)
or OLS, with any number of high-dimensional fixed effects, as R fixest / Stata ppmlhdfe do.

FORMULA (fixest syntax)
  y ~ x1 + log(x2) + log(1 + t) | fe1^fe2 + fe3
  - left of `~`: the dependent variable (an expression: `log(trade)` for OLS on logs; rows
    with trade <= 0 are then dropped and counted);
  - regressors separated by `+`; inside a term: + - * / ^ (use parentheses for +), log, exp,
    sqrt, abs, log1p, expm1, comparisons and logic: `log(dist) * (year == 1986)` is the
    1986 distance elasticity; `1` alone = no regressor; `0` = no intercept (without FE);
  - fixest factor terms: `i(year)` (one dummy per year), `i(year, x)` (x times each year's
    dummy), `ref = 2006` or `ref = c(2002, 2006)` leaves levels out; named `year::1990` and
    `year::1990:x` as in fixest. E.g. year-specific border effects:
      trade ~ rta + i(year, exporter != importer, ref = 2006) | exporter^year + importer^year + pair_id
  - after `|`: fixed effects separated by `+`; `exporter^year` interacts columns on the fly.
    Without fixed effects an intercept `(Intercept)` is estimated.

FILTER (--where)
  Comparisons == != < <= > >= between columns, numbers and 'quoted text'; `x in (a, b)`,
  `x not in (...)`; `and`, `or`, `not`, parentheses. Column-to-column works:
    --where \"year in (1986, 1990, 1994, 1998, 2002, 2006) and exporter != importer\"

VARIANCE (--vcov)
  iid | hetero | cluster:VAR | cluster:VAR1+VAR2 (two-way, Cameron-Gelbach-Miller).
  Default: clustered by the first fixed effect (fixest's default), iid without fixed effects.
  --ssc fixest (default): fixest/pyfixest small-sample corrections: V x (n-1)/(n-K) (hetero:
  n/(n-K)), K = coefficients + fixed-effect levels - (dimensions - 1), fixed effects nested in
  a cluster variable not counted; clustered: x G/(G-1) with G the smallest cluster count; t
  tests with G-1 degrees of freedom (clustered) or n-K. --ssc ppmlhdfe: Stata's rule, only
  G/(G-1) (robust: n/(n-1)), z tests.

ESTIMATORS (--estimator)
  ppml (default): Poisson pseudo-maximum likelihood (ppmlhdfe, fixest fepois).
  ols: least squares on the (transformed) dependent variable (fixest feols).
  negbin: negative binomial NB2 maximum likelihood, variance mu + mu^2/theta, theta estimated
    jointly (fixest fenegbin); Newton steps in the coefficients alternate with the ML theta;
    standard errors from the observed information. theta is printed with the fit.

NUMERICS
  IRLS stops when |dev - dev_prev| / (0.1 + |dev|) < --tol (1e-8, fixest's criterion) in an
  iteration whose demeaning reached --fe-tol (1e-8, relative to the variable's scale).
  PPML drops, iteratively and with counts: singletons (unless --keep-singletons),
  observations in fixed-effect groups whose outcomes are all zero, observations separated by
  the regressors (iterated ReLU of Correia, Guimaraes & Zylkin; --no-relu to skip).
  Regressors collinear with the fixed effects are dropped with a note.

EXAMPLES
  balanza estimate --data agtpa.csv.gz \\
    --formula \"trade ~ rta | exporter^year + importer^year + pair_id\" \\
    --where \"year in (1986, 1990, 1994, 1998, 2002, 2006)\" --vcov cluster:pair_id
  balanza estimate --data trade.csv.gz --formula \"log(Euros) ~ log(dist_km) | Origin + Destination + Product + Year\" \\
    --estimator ols --vcov cluster:Origin+Destination --format json
  balanza estimate --data flows.csv --formula \"trade ~ 1 | exporter + importer\" --fe-out fe.csv";

/// Arguments of `balanza estimate`.
#[derive(clap::Args, Debug)]
// Shown under the options with `--help` (the one-line doc comment in main.rs sets the about).
#[command(after_long_help = LONG_ABOUT)]
pub struct Args {
    /// Data file: CSV or gzip'd CSV with a header row, or Parquet (recognised by its content).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Model formula, e.g. "trade ~ rta + log(dist) | exporter^year + importer^year + pair".
    #[arg(long)]
    pub formula: String,
    /// Estimator: ppml (Poisson pseudo-maximum likelihood), ols, or negbin (negative binomial
    /// NB2 maximum likelihood with the dispersion estimated, as fixest's fenegbin).
    #[arg(long, default_value = "ppml", value_parser = ["ppml", "ols", "negbin"])]
    pub estimator: String,
    /// Keep only rows satisfying this filter, e.g. "year in (1986, 1990) and exporter != importer".
    #[arg(long = "where", value_name = "FILTER")]
    pub filter: Option<String>,
    /// Variance: iid, hetero, cluster:VAR or cluster:VAR1+VAR2 (default: cluster by the first
    /// fixed effect; iid without fixed effects).
    #[arg(long)]
    pub vcov: Option<String>,
    /// Small-sample convention: fixest (default) or ppmlhdfe (G/(G-1) only).
    #[arg(long, default_value = "fixest", value_parser = ["fixest", "ppmlhdfe"])]
    pub ssc: String,
    /// Write the estimated fixed effects to this CSV file (fe, level, estimate, exp_estimate).
    #[arg(long, value_name = "FILE")]
    pub fe_out: Option<PathBuf>,
    /// Convergence tolerance on the relative deviance change.
    #[arg(long, default_value_t = 1e-8)]
    pub tol: f64,
    /// Tolerance of the fixed-effect demeaning (relative to each variable's scale). The
    /// variance's own demeaning uses ten times this, at most 1e-7 (standard errors are
    /// reported to about seven digits; they move by less than 1e-9).
    #[arg(long, default_value_t = 1e-8)]
    pub fe_tol: f64,
    /// Maximum IRLS iterations.
    #[arg(long, default_value_t = 100)]
    pub max_iter: usize,
    /// Keep singleton observations (R fixest's default) instead of dropping them.
    #[arg(long)]
    pub keep_singletons: bool,
    /// Skip the detection of separation by regressors (iterated ReLU).
    #[arg(long)]
    pub no_relu: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Runs `balanza estimate`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let formula = Formula::parse(&args.formula).map_err(|e| anyhow::anyhow!("{e}"))?;
    let filter = match &args.filter {
        Some(f) => Some(Filter::parse(f).map_err(|e| anyhow::anyhow!("{e}"))?),
        None => None,
    };
    let estimator = if args.estimator == "ols" {
        Estimator::Ols
    } else if args.estimator == "negbin" {
        Estimator::Negbin
    } else {
        Estimator::Ppml
    };
    let vcov_spec = parse_vcov(args.vcov.as_deref(), &formula)?;
    let mut needed = formula.columns();
    for c in filter.iter().flat_map(|f| f.columns()) {
        if !needed.contains(&c) {
            needed.push(c);
        }
    }
    if let VcovKind::Cluster(cs) = &vcov_spec {
        for c in cs {
            if !needed.contains(c) {
                needed.push(c.clone());
            }
        }
    }
    let t0 = std::time::Instant::now();
    let trace = std::env::var_os("BALANZA_GRAVITY_TRACE").is_some();
    let frame = read_columns(&args.data, &needed)?;
    if trace {
        eprintln!(
            "read {} rows in {:.3} s",
            frame.nrows(),
            t0.elapsed().as_secs_f64()
        );
    }
    let opts = FitOptions {
        tol: args.tol,
        max_iter: args.max_iter,
        fe_tol: args.fe_tol,
        drop_singletons: !args.keep_singletons,
        relu_separation: !args.no_relu,
        ..FitOptions::default()
    };
    let est = estimate(&frame, &formula, filter.as_ref(), estimator, &opts)
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.data.display()))?;
    let fit = &est.fit;
    let cluster_ids: Vec<Vec<u32>> = match &vcov_spec {
        VcovKind::Cluster(cs) => cs
            .iter()
            .map(|c| group_ids(&frame, std::slice::from_ref(c), &est.rows))
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow::anyhow!("{e}"))?,
        _ => Vec::new(),
    };
    let cl: Vec<&[u32]> = cluster_ids.iter().map(|c| c.as_slice()).collect();
    let ssc = if args.ssc == "ppmlhdfe" {
        Ssc::Ppmlhdfe
    } else {
        Ssc::Fixest
    };
    if trace {
        eprintln!("estimated at {:.3} s", t0.elapsed().as_secs_f64());
    }
    let vcov = fit
        .vcov(&vcov_spec, &cl, ssc)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if trace {
        eprintln!("variance at {:.3} s", t0.elapsed().as_secs_f64());
    }
    for m in &fit.messages {
        eprintln!("note: {m}");
    }
    if let Some(path) = &args.fe_out {
        write_fe(path, &frame, &formula, &est)?;
    }
    let text = match args.output.format {
        OutputFormat::Json => json_output(&est, &vcov, estimator, &formula),
        fmt => coefficient_table(&est, &vcov, estimator, &formula).render(fmt),
    };
    match &args.output.out {
        Some(p) => balanza_report::write_atomic(p, text.as_bytes())
            .with_context(|| format!("cannot write {}", p.display()))?,
        None => print!("{text}"),
    }
    if !fit.converged {
        bail!(
            "IRLS did not converge in {} iterations: the estimates printed are not reliable \
             (raise --max-iter, loosen --tol, or look for separation)",
            fit.iterations
        );
    }
    Ok(())
}

fn parse_vcov(spec: Option<&str>, formula: &Formula) -> anyhow::Result<VcovKind> {
    Ok(match spec {
        None => match formula.fixed_effects.first() {
            Some(d) if d.len() == 1 => VcovKind::Cluster(vec![d[0].clone()]),
            Some(d) => bail!(
                "the default variance clusters by the first fixed effect, but `{}` is an interaction: give --vcov cluster:VAR, hetero or iid",
                d.join("^")
            ),
            None => VcovKind::Iid,
        },
        Some("iid") => VcovKind::Iid,
        Some("hetero") | Some("robust") | Some("hc1") => VcovKind::Hetero,
        Some(s) if s.starts_with("cluster:") => {
            let vars: Vec<String> = s["cluster:".len()..]
                .split('+')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            if vars.is_empty() || vars.len() > 2 {
                bail!("--vcov {s}: expected cluster:VAR or cluster:VAR1+VAR2");
            }
            VcovKind::Cluster(vars)
        }
        Some(s) => bail!("--vcov {s}: expected iid, hetero, cluster:VAR or cluster:VAR1+VAR2"),
    })
}

fn estimator_name(e: Estimator) -> &'static str {
    match e {
        Estimator::Ppml => "ppml",
        Estimator::Ols => "ols",
        Estimator::Negbin => "negbin",
    }
}

fn json_output(
    est: &Estimation,
    vcov: &balanza_gravity::Vcov,
    e: Estimator,
    f: &Formula,
) -> String {
    let fit = &est.fit;
    let tests = vcov.tests(&fit.coefficients);
    let coefs: Vec<serde_json::Value> = fit
        .names
        .iter()
        .enumerate()
        .map(|(j, n)| {
            serde_json::json!({
                "name": n,
                "estimate": fit.coefficients[j],
                "std_error": vcov.std_errors[j],
                "t": tests[j].0,
                "p": tests[j].1,
            })
        })
        .collect();
    let v = serde_json::json!({
        "estimator": estimator_name(e),
        "formula": f.text,
        "dependent": f.lhs_name,
        "fixed_effects": f.fe_names(),
        "nobs": fit.nobs,
        "coefficients": coefs,
        "collinear": fit.collinear,
        "vcov": vcov.description,
        "df": vcov.df,
        "iterations": fit.iterations,
        "converged": fit.converged,
        "deviance": fit.deviance,
        "loglik": fit.loglik,
        "pseudo_r2": if e != Estimator::Ols { Some(fit.r2()) } else { None },
        "theta": fit.theta,
        "r2": if e == Estimator::Ols { Some(fit.r2()) } else { None },
        "filtered_out": est.filtered_out,
        "dropped": {
            "missing": fit.dropped.missing,
            "invalid_dependent": est.invalid_dependent,
            "singletons": fit.dropped.singletons,
            "separated_fe": fit.dropped.separated_fe,
            "separated_regressors": fit.dropped.separated_regressors,
            "total": fit.dropped.total(),
        },
        "messages": fit.messages,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

fn coefficient_table(
    est: &Estimation,
    vcov: &balanza_gravity::Vcov,
    e: Estimator,
    f: &Formula,
) -> Table {
    let fit = &est.fit;
    let tests = vcov.tests(&fit.coefficients);
    let title = format!(
        "{} estimation of {}{}",
        estimator_name(e).to_uppercase(),
        f.lhs_name,
        if f.fixed_effects.is_empty() {
            String::new()
        } else {
            format!(" | fixed effects: {}", f.fe_names().join(", "))
        }
    );
    let mut t = Table::new(["variable", "estimate", "std_error", "t", "p"]).with_title(title);
    for (j, n) in fit.names.iter().enumerate() {
        t.push(vec![
            Cell::from(n.as_str()),
            Cell::Float(fit.coefficients[j]),
            Cell::Float(vcov.std_errors[j]),
            Cell::Float(tests[j].0),
            Cell::Float(tests[j].1),
        ]);
    }
    t.note(format!("standard errors: {}", vcov.description));
    let fit_stat = match e {
        Estimator::Ppml => format!("pseudo-R2 (McFadden) {:.4}", fit.r2()),
        Estimator::Ols => format!("R2 {:.4}", fit.r2()),
        Estimator::Negbin => format!(
            "pseudo-R2 (McFadden) {:.4}, theta {:.4}",
            fit.r2(),
            fit.theta.unwrap_or(f64::NAN)
        ),
    };
    t.note(format!(
        "N = {}, {fit_stat}, {} iteration(s), {}",
        fit.nobs,
        fit.iterations,
        if fit.converged {
            "converged"
        } else {
            "NOT CONVERGED"
        }
    ));
    let d = &fit.dropped;
    t.note(format!(
        "dropped: {} filtered out by --where, {} missing/non-finite{}, {} singletons, {} separated by fixed effects, {} separated by regressors",
        est.filtered_out,
        d.missing,
        if est.invalid_dependent > 0 {
            format!(" (of which {} with an invalid dependent variable, e.g. log of <= 0)", est.invalid_dependent)
        } else {
            String::new()
        },
        d.singletons,
        d.separated_fe,
        d.separated_regressors
    ));
    if !fit.collinear.is_empty() {
        t.note(format!("collinear, dropped: {}", fit.collinear.join(", ")));
    }
    t
}

fn write_fe(path: &Path, frame: &Frame, f: &Formula, est: &Estimation) -> anyhow::Result<()> {
    let mut out = String::from("fe,level,estimate,exp_estimate\n");
    for (d, cols) in f.fixed_effects.iter().enumerate() {
        let ids = group_ids(frame, cols, &est.rows).map_err(|e| anyhow::anyhow!("{e}"))?;
        let labels = group_labels(frame, cols, &est.rows, &ids);
        let fe = &est.fit.fixed_effects[d];
        for (id, v) in fe.ids.iter().zip(&fe.values) {
            let label = labels.get(*id as usize).cloned().unwrap_or_default();
            out.push_str(&format!(
                "{},{},{v},{}\n",
                csv_field(&fe.name),
                csv_field(&label),
                v.exp()
            ));
        }
    }
    balanza_report::write_atomic(path, out.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

// ------------------------------------------------------------------------------------------
// Reading the columns a model needs from CSV / gzip'd CSV.
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
    text: &[u8],
    idx: &[usize],
    ncols: usize,
    first_line: &dyn Fn() -> usize,
    more_bytes: usize,
) -> anyhow::Result<Vec<Builder>> {
    if !text.contains(&b'"') {
        return parse_plain_chunk(text, idx, ncols, first_line, more_bytes);
    }
    let first_line = first_line();
    let mut b: Vec<Builder> = idx.iter().map(|_| Builder::Num(Vec::new())).collect();
    let mut ranges = Vec::with_capacity(ncols);
    let mut buf = Vec::new();
    for (k, raw) in text.split(|&c| c == b'\n').enumerate() {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.is_empty() {
            continue;
        }
        let quoted = split_record(line, &mut buf, &mut ranges);
        if ranges.len() != ncols {
            bail!(
                "line {}: {} fields, the header has {ncols}",
                first_line + k,
                ranges.len()
            );
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
    Ok(b)
}

/// [`parse_chunk`] for text without quotes (the usual numeric panel): one scan of each line
/// that hands the wanted fields to their builders as it meets them, with the builders sized
/// from the mean length of the first lines (no regrowth of ~10 MB columns).
fn parse_plain_chunk(
    text: &[u8],
    idx: &[usize],
    ncols: usize,
    first_line: &dyn Fn() -> usize,
    more_bytes: usize,
) -> anyhow::Result<Vec<Builder>> {
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
    for (k, raw) in text.split(|&c| c == b'\n').enumerate() {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if line.is_empty() {
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
            bail!(
                "line {}: {} fields, the header has {ncols}",
                first_line() + k,
                field + 1
            );
        }
        if let Some(k) = slot[field] {
            b[k].push(&line[start..]);
        }
    }
    Ok(b)
}

/// A large uncompressed file mapped into memory (parsed in place from the page cache: no
/// copy and no zero-filled buffer). `None` for gzip or small files, which take the streaming
/// path.
///
/// The file must not be truncated while it is read (as for any memory-mapped input, a
/// concurrent writer can make the read fail or see mixed contents).
fn map_plain(path: &Path) -> anyhow::Result<Option<memmap2::Mmap>> {
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let size = f.metadata().map(|m| m.len()).unwrap_or(0) as usize;
    let mut magic = [0u8; 2];
    if size < (1 << 22) || f.read_exact_at(&mut magic, 0).is_err() || magic == [0x1f, 0x8b] {
        return Ok(None);
    }
    // SAFETY: the mapping is read-only and private to this process; the contract above
    // (no concurrent truncation) is the usual one of memory-mapped readers.
    // A file system that cannot map files takes the streaming path instead.
    Ok(unsafe { memmap2::MmapOptions::new().populate().map(&f) }.ok())
}

/// Reads the columns `needed` of a CSV or gzip'd CSV file into a frame. Unknown columns are an
/// error listing the file's columns.
fn read_columns(path: &Path, needed: &[String]) -> anyhow::Result<Frame> {
    if balanza_data::read::is_parquet(path) {
        return read_parquet_columns(path, needed);
    }
    let mapped = map_plain(path)?;
    let owned;
    let data: &[u8] = match &mapped {
        Some(m) => m,
        None => {
            let (mut reader, _, size) = balanza_data::read::open_input(path)
                .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
            // The file size is the exact length of a plain CSV (and a lower bound for gzip):
            // one allocation instead of repeated doubling and copying of a 100 MB buffer.
            let mut buf = Vec::with_capacity(size as usize + 1);
            reader
                .read_to_end(&mut buf)
                .with_context(|| format!("cannot read {}", path.display()))?;
            owned = buf;
            &owned
        }
    };
    let hdr_end = data.iter().position(|&c| c == b'\n').unwrap_or(data.len());
    let header_line = data[..hdr_end]
        .strip_suffix(b"\r")
        .unwrap_or(&data[..hdr_end]);
    let header_line = header_line
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(header_line);
    let mut ranges = Vec::new();
    let mut buf = Vec::new();
    let quoted = split_record(header_line, &mut buf, &mut ranges);
    let names: Vec<String> = ranges
        .iter()
        .map(|r| {
            let f = if quoted {
                &buf[r.start][..]
            } else {
                &header_line[r.clone()]
            };
            String::from_utf8_lossy(f).trim().to_string()
        })
        .collect();
    let mut idx = Vec::new();
    for c in needed {
        match names.iter().position(|n| n == c) {
            Some(p) => idx.push(p),
            None => bail!(
                "{}: unknown column `{c}`; available columns: {}",
                path.display(),
                names.join(", ")
            ),
        }
    }
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
                let ha = sc.spawn(|| parse_chunk(a, &idx, ncols, &|| 2, b.len()));
                let rb = parse_chunk(b, &idx, ncols, &lines_a, 0);
                (ha.join().expect("parser thread"), rb)
            });
            let (ra, rb) = (ra?, rb?);
            // The first half's columns have room for the second's: appending copies without
            // reallocating (one column per core).
            ra.into_par_iter()
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
                .collect()
        }
        None => parse_chunk(body, &idx, ncols, &|| 2, 0)?,
    };
    drop(mapped);
    let n = match builders.first() {
        Some(Builder::Num(v)) => v.len(),
        Some(Builder::Text(t)) => t.len(),
        None => 0,
    };
    let mut frame = Frame::new(n);
    for (c, b) in needed.iter().zip(builders) {
        let col = match b {
            Builder::Num(v) => Column::Num(v),
            Builder::Text(t) => Column::from_strings(&t),
        };
        frame.push(c, col).map_err(|e| anyhow::anyhow!("{e}"))?;
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
fn read_parquet_columns(path: &Path, needed: &[String]) -> anyhow::Result<Frame> {
    use parquet::basic::Type as Phys;
    use parquet::column::reader::ColumnReader;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = SerializedFileReader::new(f)
        .map_err(|e| anyhow::anyhow!("{}: not a readable Parquet file: {e}", path.display()))?;
    let meta = reader.metadata();
    let schema = meta.file_metadata().schema_descr();
    let names: Vec<String> = (0..schema.num_columns())
        .map(|i| schema.column(i).path().string())
        .collect();
    let mut idx = Vec::with_capacity(needed.len());
    for c in needed {
        match names.iter().position(|n| n == c) {
            Some(p) => idx.push(p),
            None => bail!(
                "{}: unknown column `{c}`; available columns: {}",
                path.display(),
                names.join(", ")
            ),
        }
    }
    let n_total = meta.file_metadata().num_rows().max(0) as usize;
    let mut cols: Vec<PqCol> = Vec::with_capacity(idx.len());
    for (&i, name) in idx.iter().zip(needed) {
        let d = schema.column(i);
        if d.max_rep_level() > 0 {
            bail!(
                "{}: column `{name}` is a repeated (list) column; only flat columns can be used",
                path.display()
            );
        }
        cols.push(match d.physical_type() {
            Phys::BYTE_ARRAY | Phys::FIXED_LEN_BYTE_ARRAY => PqCol::Text {
                codes: Vec::with_capacity(n_total),
                levels: Vec::new(),
                index: std::collections::HashMap::new(),
            },
            Phys::INT96 => bail!(
                "{}: column `{name}` is an INT96 timestamp, which `estimate` cannot use",
                path.display()
            ),
            _ => PqCol::Num(Vec::with_capacity(n_total)),
        });
    }
    let perr = |name: &str, e: parquet::errors::ParquetError| {
        anyhow::anyhow!("{}: column `{name}`: {e}", path.display())
    };
    let mut defs: Vec<i16> = Vec::new();
    for g in 0..reader.num_row_groups() {
        let rg = reader
            .get_row_group(g)
            .map_err(|e| anyhow::anyhow!("{}: row group {g}: {e}", path.display()))?;
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
                _ => bail!(
                    "{}: column `{name}` has a physical type `estimate` cannot read",
                    path.display()
                ),
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
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
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
