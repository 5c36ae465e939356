//! `balanza estimate`: structural gravity by PPML or OLS with high-dimensional fixed effects.
//!
//! This module turns the arguments into a `balanza_app::estimate::Request`, runs it, and
//! prints the result (the reading and the fit live in the libraries).

use crate::cmd::common::{app, write_or_print, OutputArgs};
use anyhow::bail;
use balanza_app::{estimate, AppError, Context};
use balanza_report::OutputFormat;
use std::path::PathBuf;

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

/// The application request of these arguments.
fn request(args: &Args) -> Result<estimate::Request, AppError> {
    Ok(estimate::Request {
        data: args.data.clone(),
        formula: args.formula.clone(),
        estimator: args.estimator.parse().map_err(AppError::input)?,
        filter: args.filter.clone(),
        vcov: args.vcov.clone(),
        ssc: args.ssc.parse().map_err(AppError::input)?,
        tol: args.tol,
        fe_tol: args.fe_tol,
        max_iter: args.max_iter,
        keep_singletons: args.keep_singletons,
        no_relu: args.no_relu,
    })
}

/// Runs `balanza estimate`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let out = app(request(&args).and_then(|r| estimate::run(&Context::new(), &r)))?;
    if std::env::var_os("BALANZA_GRAVITY_TRACE").is_some() {
        let t = &out.timings;
        eprintln!("read {} rows in {:.3} s", t.rows, t.read_s);
        eprintln!("estimated at {:.3} s", t.estimate_s);
        eprintln!("variance at {:.3} s", t.vcov_s);
    }
    for m in &out.estimation.fit.messages {
        eprintln!("note: {m}");
    }
    if let Some(path) = &args.fe_out {
        write_or_print(&app(out.fixed_effects_csv())?, Some(path))?;
    }
    let text = match args.output.format {
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(&out.to_json())?;
            s.push('\n');
            s
        }
        fmt => out.coefficients().render(fmt),
    };
    write_or_print(&text, args.output.out.as_deref())?;
    if let Some(msg) = out.not_converged() {
        bail!("{msg}");
    }
    Ok(())
}
