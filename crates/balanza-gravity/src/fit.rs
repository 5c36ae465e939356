//! Poisson pseudo-maximum likelihood (IRLS) and OLS with high-dimensional fixed effects.

use crate::demean::Demeaner;
use crate::error::GravityError;
use crate::fe::{drop_fe_loop, index_sorted, Dropped, FeIndex};
use crate::linalg;
use crate::separation;
use rayon::prelude::*;

/// One regressor: a name and one value per observation.
#[derive(Debug, Clone)]
pub struct Regressor<'a> {
    /// Name shown in results.
    pub name: String,
    /// Values, one per observation.
    pub values: &'a [f64],
}

/// One fixed-effect dimension: a name and a level id per observation. Ids are arbitrary
/// `u32` codes (they need not be dense); results are reported against the same ids.
#[derive(Debug, Clone)]
pub struct FixedEffect<'a> {
    /// Name shown in results (e.g. `exporter^year`).
    pub name: String,
    /// Level id of each observation.
    pub ids: &'a [u32],
}

/// The data of one model: outcome, regressors, fixed effects and an optional offset, all
/// of the same length (one entry per observation).
#[derive(Debug, Clone, Default)]
pub struct ModelInput<'a> {
    /// Dependent variable.
    pub y: &'a [f64],
    /// Regressors (zero or more). Without fixed effects an intercept is added.
    pub regressors: Vec<Regressor<'a>>,
    /// Fixed-effect dimensions (zero or more).
    pub fixed_effects: Vec<FixedEffect<'a>>,
    /// Offset added to the linear predictor with coefficient 1 (GEPPML's trade costs).
    pub offset: Option<&'a [f64]>,
}

/// Estimator options. `Default` gives the documented defaults.
#[derive(Debug, Clone)]
pub struct FitOptions {
    /// IRLS stops when `|dev - dev_prev| / (0.1 + |dev|) < tol` (fixest's `glm.tol`
    /// criterion) in an iteration whose demeaning used the final inner tolerance. Default 1e-8.
    pub tol: f64,
    /// Maximum IRLS iterations. Default 100.
    pub max_iter: usize,
    /// Final inner (demeaning) tolerance: the largest change of a fixed-effect coefficient
    /// in one sweep, relative to the weighted RMS of the variable. Default 1e-8. Early IRLS
    /// iterations use a looser tolerance (10% of the last relative deviance change, at most
    /// 1e-4), tightened as IRLS converges.
    pub fe_tol: f64,
    /// Maximum Gauss–Seidel sweeps per demeaning. Default 100000.
    pub fe_max_sweeps: usize,
    /// Drop observations alone in a fixed-effect group, iteratively. Default true (as
    /// ppmlhdfe and pyfixest; R fixest keeps them). They do not change the coefficients.
    pub drop_singletons: bool,
    /// Poisson: detect separation by regressors with the iterated ReLU method. Default true.
    pub relu_separation: bool,
    /// Relative pivot below which a regressor is dropped as collinear (with the fixed
    /// effects or other regressors). Default 1e-10 (fixest's `collin.tol`).
    pub collin_tol: f64,
    /// Add an intercept `(Intercept)` when there are no fixed effects. Default true.
    pub intercept: bool,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            tol: 1e-8,
            max_iter: 100,
            fe_tol: 1e-8,
            fe_max_sweeps: 100_000,
            drop_singletons: true,
            relu_separation: true,
            collin_tol: 1e-10,
            intercept: true,
        }
    }
}

/// Which estimator produced a fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Poisson pseudo-maximum likelihood.
    Ppml,
    /// Ordinary least squares.
    Ols,
    /// Negative binomial (NB2) maximum likelihood, log link, dispersion estimated.
    Negbin,
}

/// Estimated coefficients of one fixed-effect dimension.
///
/// Normalisation: the fixed effects are identified only up to constants that cancel in the
/// linear predictor. For every dimension after the first, the level with the smallest
/// original id is set to 0 and the shift is moved into the first dimension; the sum
/// `offset + x'b + sum of fixed effects` (hence `fitted`) is unchanged. If a dimension's
/// graph of levels has several connected components, each component has its own constant and
/// only the first is normalised. To use another reference (e.g. Germany as importer), add `c`
/// to every level of that dimension and subtract `c` from every level of the first one.
#[derive(Debug, Clone, PartialEq)]
pub struct FeEstimate {
    /// Name of the dimension.
    pub name: String,
    /// Original ids of the levels present in the estimation sample, ascending.
    pub ids: Vec<u32>,
    /// Coefficient of each level (log scale for PPML: `exp(value)` is the multiplicative
    /// effect), aligned with `ids`.
    pub values: Vec<f64>,
}

impl FeEstimate {
    /// Coefficient of the level with original id `id`, if it is in the sample.
    pub fn get(&self, id: u32) -> Option<f64> {
        self.ids.binary_search(&id).ok().map(|i| self.values[i])
    }
}

/// A fitted model.
#[derive(Debug, Clone)]
pub struct Fit {
    /// Estimator.
    pub family: Family,
    /// Names of the estimated coefficients (collinear regressors removed).
    pub names: Vec<String>,
    /// Estimated coefficients, aligned with `names`.
    pub coefficients: Vec<f64>,
    /// Regressors dropped because collinear with the fixed effects or other regressors.
    pub collinear: Vec<String>,
    /// Number of observations used.
    pub nobs: usize,
    /// For every input observation: whether it was used.
    pub kept: Vec<bool>,
    /// For every input observation: the fitted mean (`mu`, PPML) or fitted value (OLS);
    /// NaN for dropped observations. Equal to `exp(offset + x'b + sum of fixed effects)`.
    pub fitted: Vec<f64>,
    /// Fixed-effect coefficients, one entry per dimension.
    pub fixed_effects: Vec<FeEstimate>,
    /// IRLS iterations (1 for OLS).
    pub iterations: usize,
    /// Whether IRLS converged.
    pub converged: bool,
    /// Poisson deviance (PPML) or residual sum of squares (OLS).
    pub deviance: f64,
    /// Log-likelihood (PPML: Poisson; OLS: Gaussian).
    pub loglik: f64,
    /// Log-likelihood of the intercept-only model.
    pub null_loglik: f64,
    /// Deviance (PPML) or total sum of squares (OLS) of the intercept-only model.
    pub null_deviance: f64,
    /// Negative binomial: the estimated dispersion parameter theta (variance mu + mu^2 /
    /// theta); `None` for the other estimators.
    pub theta: Option<f64>,
    /// Observations dropped, by reason.
    pub dropped: Dropped,
    /// Notes for the user (dropped regressors, non-convergence, step-halving).
    pub messages: Vec<String>,
    // For the variance: the estimation sample and the pieces of the score.
    pub(crate) rows: Vec<usize>,
    pub(crate) fe: FeIndex,
    /// Demeaned regressors (active ones), weighted demeaning with `w`.
    pub(crate) xt: Vec<Vec<f64>>,
    /// IRLS weights (mu) for PPML; empty for OLS (unit weights).
    pub(crate) w: Vec<f64>,
    /// Score residual: y - mu (PPML) or the OLS residual.
    pub(crate) resid: Vec<f64>,
}

impl Fit {
    /// McFadden pseudo-R² `1 - loglik / null_loglik` (PPML) or R² `1 - RSS / TSS` (OLS).
    pub fn r2(&self) -> f64 {
        match self.family {
            Family::Ppml | Family::Negbin => 1.0 - self.loglik / self.null_loglik,
            Family::Ols => 1.0 - self.deviance / self.null_deviance,
        }
    }
}

/// Lanczos approximation of ln Γ(x) for x > 0 (g = 7, 9 terms; relative error ~1e-15).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

fn poisson_dev(y: &[f64], mu: &[f64]) -> f64 {
    y.par_iter()
        .zip(mu.par_iter())
        .map(|(&y, &m)| {
            let t = if y > 0.0 { y * (y / m).ln() } else { 0.0 };
            2.0 * (t - (y - m))
        })
        .sum()
}

/// `sum ln(y!)` (ln Γ(y + 1)), with a table for the small integers that dominate counts.
pub(crate) fn sum_ln_factorial(y: &[f64]) -> f64 {
    let table: Vec<f64> = (0..1024).map(|k| ln_gamma(k as f64 + 1.0)).collect();
    y.par_iter()
        .map(|&v| {
            if (0.0..1024.0).contains(&v) && v.fract() == 0.0 {
                table[v as usize]
            } else {
                ln_gamma(v + 1.0)
            }
        })
        .sum()
}

/// Whether `BALANZA_GRAVITY_TRACE` is set: per-iteration diagnostics on stderr.
pub(crate) fn trace() -> bool {
    std::env::var_os("BALANZA_GRAVITY_TRACE").is_some()
}

/// Validated, compacted estimation sample.
pub(crate) struct Sample {
    pub rows: Vec<usize>,
    pub y: Vec<f64>,
    pub x: Vec<Vec<f64>>,
    pub names: Vec<String>,
    pub offset: Option<Vec<f64>>,
    pub fe: FeIndex,
    pub fe_names: Vec<String>,
    pub dropped: Dropped,
    /// Notes for the user from building the sample.
    pub notes: Vec<String>,
}

fn check_lengths(input: &ModelInput) -> Result<usize, GravityError> {
    let n = input.y.len();
    for r in &input.regressors {
        if r.values.len() != n {
            return Err(GravityError::Input(format!(
                "regressor `{}` has {} values, the outcome {n}",
                r.name,
                r.values.len()
            )));
        }
    }
    for f in &input.fixed_effects {
        if f.ids.len() != n {
            return Err(GravityError::Input(format!(
                "fixed effect `{}` has {} ids, the outcome {n}",
                f.name,
                f.ids.len()
            )));
        }
    }
    if let Some(o) = input.offset {
        if o.len() != n {
            return Err(GravityError::Input(format!(
                "offset has {} values, the outcome {n}",
                o.len()
            )));
        }
    }
    Ok(n)
}

pub(crate) fn build_sample(
    input: &ModelInput,
    opts: &FitOptions,
    poisson: bool,
) -> Result<Sample, GravityError> {
    let n = check_lengths(input)?;
    let y = input.y;
    if poisson {
        let bad: Vec<usize> = (0..n)
            .filter(|&i| !(y[i] >= 0.0 && y[i].is_finite()))
            .collect();
        if let Some(&first) = bad.first() {
            return Err(GravityError::BadDependent {
                count: bad.len(),
                first_row: first + 1,
                value: y[first],
            });
        }
    }
    let mut dropped = Dropped::default();
    let mut notes = Vec::new();
    let mut rows: Vec<usize> = (0..n)
        .filter(|&i| {
            y[i].is_finite()
                && input.regressors.iter().all(|r| r.values[i].is_finite())
                && input.offset.is_none_or(|o| o[i].is_finite())
        })
        .collect();
    dropped.missing = n - rows.len();
    let dims: Vec<&[u32]> = input.fixed_effects.iter().map(|f| f.ids).collect();
    let mut names: Vec<String> = input.regressors.iter().map(|r| r.name.clone()).collect();
    let mut xcols: Vec<&[f64]> = input.regressors.iter().map(|r| r.values).collect();
    let ones;
    if dims.is_empty() && opts.intercept {
        ones = vec![1.0; n];
        names.insert(0, "(Intercept)".to_string());
        xcols.insert(0, &ones);
    }
    let t0 = std::time::Instant::now();
    drop_fe_loop(
        y,
        &dims,
        &mut rows,
        opts.drop_singletons,
        poisson,
        &mut dropped,
    );
    if trace() {
        eprintln!("fixed-effect drops in {:.3} s", t0.elapsed().as_secs_f64());
    }
    // The index of the sample, shared with the separation check (rebuilt only when that
    // check removes observations).
    let mut fe = index_sorted(&dims, &mut rows);
    if poisson && opts.relu_separation && !(xcols.is_empty() && dims.is_empty()) {
        // Separation by regressors can create new all-zero groups and singletons, and the
        // removal of those can reveal new separation: iterate until stable.
        for _ in 0..20 {
            let Some(sep) = separation::relu(y, &xcols, &fe, &rows, opts) else {
                notes.push(
                    "the check for separation by regressors was inconclusive (its demeaning did not converge); if IRLS struggles, look for separated observations".to_string(),
                );
                break;
            };
            if trace() {
                eprintln!(
                    "relu on {} rows: separated {:?}",
                    rows.len(),
                    &sep[..sep.len().min(20)]
                );
            }
            if sep.is_empty() {
                break;
            }
            dropped.separated_regressors += sep.len();
            let sep: std::collections::HashSet<usize> = sep.into_iter().collect();
            rows.retain(|r| !sep.contains(r));
            drop_fe_loop(
                y,
                &dims,
                &mut rows,
                opts.drop_singletons,
                poisson,
                &mut dropped,
            );
            fe = FeIndex::build(&dims, &rows);
        }
    }
    if trace() {
        eprintln!(
            "separation checks done at {:.3} s",
            t0.elapsed().as_secs_f64()
        );
    }
    if rows.is_empty() {
        return Err(GravityError::EmptySample(format!(
            "all {n} observations were dropped ({} missing, {} singletons, {} separated by fixed effects, {} separated by regressors)",
            dropped.missing, dropped.singletons, dropped.separated_fe, dropped.separated_regressors
        )));
    }
    let yc: Vec<f64> = rows.par_iter().map(|&r| y[r]).collect();
    let x: Vec<Vec<f64>> = xcols
        .iter()
        .map(|c| rows.par_iter().map(|&r| c[r]).collect())
        .collect();
    let offset = input
        .offset
        .map(|o| rows.par_iter().map(|&r| o[r]).collect());
    Ok(Sample {
        rows,
        y: yc,
        x,
        names,
        offset,
        fe,
        fe_names: input.fixed_effects.iter().map(|f| f.name.clone()).collect(),
        dropped,
        notes,
    })
}

/// Fixed-effect coefficients of the fit, normalised as documented on [`FeEstimate`].
pub(crate) fn fe_estimates(fe: &FeIndex, names: &[String], gamma: &mut [f64]) -> Vec<FeEstimate> {
    let q = fe.q();
    for d in 1..q {
        let off = fe.offsets[d];
        let size = fe.sizes[d];
        let Some(lref) = (0..size).min_by_key(|&l| fe.levels[d][l]) else {
            continue;
        };
        let c = gamma[off + lref];
        gamma[off..off + size].iter_mut().for_each(|v| *v -= c);
        gamma[fe.offsets[0]..fe.offsets[0] + fe.sizes[0]]
            .iter_mut()
            .for_each(|v| *v += c);
    }
    (0..q)
        .map(|d| {
            let off = fe.offsets[d];
            let mut pairs: Vec<(u32, f64)> = (0..fe.sizes[d])
                .map(|l| (fe.levels[d][l], gamma[off + l]))
                .collect();
            pairs.sort_by_key(|p| p.0);
            FeEstimate {
                name: names[d].clone(),
                ids: pairs.iter().map(|p| p.0).collect(),
                values: pairs.iter().map(|p| p.1).collect(),
            }
        })
        .collect()
}

/// The fixed effects, linear predictor (without offset) and means of a log-link fit from its
/// demeaning coefficients: gamma = alpha_z - sum_j b_j alpha_xj (normalised as documented on
/// [`FeEstimate`]), so that the reported means agree with the reported coefficients.
pub(crate) fn recover_fit(
    s: &Sample,
    active: &[usize],
    beta: &[f64],
    alpha_z: &[f64],
    alpha_x: &[&[f64]],
) -> (Vec<FeEstimate>, Vec<f64>, Vec<f64>) {
    let mut gamma = alpha_z.to_vec();
    gamma.resize(s.fe.total(), 0.0);
    for (b, ax) in beta.iter().zip(alpha_x) {
        for (g, a) in gamma.iter_mut().zip(*ax) {
            *g -= b * a;
        }
    }
    let fixed_effects = fe_estimates(&s.fe, &s.fe_names, &mut gamma);
    let lin = linear_predictor(s, active, beta, &gamma);
    let mu: Vec<f64> = lin
        .par_iter()
        .enumerate()
        .map(|(i, e)| (e + s.offset.as_ref().map_or(0.0, |o| o[i])).exp())
        .collect();
    (fixed_effects, lin, mu)
}

/// Linear predictor `x'b + D gamma` (without offset) on the compact sample.
pub(crate) fn linear_predictor(
    s: &Sample,
    active: &[usize],
    beta: &[f64],
    gamma: &[f64],
) -> Vec<f64> {
    let fe = &s.fe;
    (0..s.y.len())
        .into_par_iter()
        .map(|i| {
            let mut e = 0.0;
            for (b, &j) in beta.iter().zip(active) {
                e += b * s.x[j][i];
            }
            for d in 0..fe.q() {
                e += gamma[fe.offsets[d] + fe.ids[d][i] as usize];
            }
            e
        })
        .collect()
}

/// Poisson pseudo-maximum likelihood with high-dimensional fixed effects (IRLS).
///
/// Observations are dropped iteratively when they are singletons (option), in fixed-effect
/// groups whose outcomes are all zero, or separated by the regressors (iterated ReLU);
/// regressors collinear with the fixed effects are dropped with a message. The dependent
/// variable must be finite and non-negative (error otherwise).
pub fn fit_poisson(input: &ModelInput, opts: &FitOptions) -> Result<Fit, GravityError> {
    let t_start = std::time::Instant::now();
    let s = build_sample(input, opts, true)?;
    if trace() {
        eprintln!("sample built in {:.3} s", t_start.elapsed().as_secs_f64());
    }
    let n = s.y.len();
    let k = s.x.len();
    let mut messages = s.notes.clone();
    let ymean = s.y.iter().sum::<f64>() / n as f64;
    if ymean <= 0.0 {
        return Err(GravityError::EmptySample(
            "the dependent variable is zero for every remaining observation".into(),
        ));
    }
    let off = |i: usize| s.offset.as_ref().map_or(0.0, |o| o[i]);
    // Start as R's glm does for Poisson (mu = y + 0.1), made scale-free: 0.1 times the
    // smallest positive outcome (floored at 1e-8 times the mean). Zeros start with a small
    // mean, which spares IRLS the slow geometric drift of near-separated observations that the
    // fixest start (y + mean(y)) / 2 shows (17 vs 8 iterations on the Guide's annual panel).
    let ymin_pos =
        s.y.iter()
            .cloned()
            .filter(|&v| v > 0.0)
            .fold(f64::INFINITY, f64::min);
    let c0 = (0.1 * ymin_pos).max(1e-8 * ymean);
    let mut mu: Vec<f64> = s.y.par_iter().map(|&y| y + c0).collect();
    let mut eta: Vec<f64> = mu
        .par_iter()
        .enumerate()
        .map(|(i, m)| m.ln() - off(i))
        .collect();
    let mut dev = poisson_dev(&s.y, &mu);
    let mut active: Vec<usize> = (0..k).collect();
    let mut alpha_z: Vec<f64> = Vec::new();
    let mut alpha_x: Vec<Vec<f64>> = vec![Vec::new(); k];
    let mut xt: Vec<Vec<f64>> = vec![Vec::new(); k];
    let mut zt: Vec<f64> = Vec::new();
    let mut beta: Vec<f64> = Vec::new();
    let mut converged = false;
    let mut iterations = 0;
    // Inexact Newton (see the end of the loop): the first steps, taken far from the
    // solution, need the demeaning only to 1e-3; the last one is always at `fe_tol`, so the
    // estimates do not depend on this choice beyond rounding (1e-4 and 1e-2 give the same
    // coefficients to 1e-10 on the benchmark panels, in the same number of iterations).
    let mut inner_tol = 1e-3f64.max(opts.fe_tol);
    let raw_norm: Vec<f64> =
        s.x.iter()
            .map(|c| c.par_iter().zip(&mu).map(|(v, m)| v * v * m).sum())
            .collect();
    let mut w: Vec<f64> = mu.clone();
    let mut z: Vec<f64> = vec![0.0; n];
    let mut eta_new: Vec<f64> = vec![0.0; n];
    let mut demean_failures = 0usize;
    // ln y once (0 where y = 0): the deviance is then summed term by term,
    // y (ln y - ln mu) - (y - mu), so that its terms cancel locally (a near-perfect fit of
    // large counts keeps its precision) without a logarithm per observation and iteration.
    let lny: Vec<f64> =
        s.y.par_iter()
            .map(|&y| if y > 0.0 { y.ln() } else { 0.0 })
            .collect();
    let mut mu_new: Vec<f64> = vec![0.0; n];
    while iterations < opts.max_iter {
        iterations += 1;
        // Weights and working variable in one pass.
        w.par_iter_mut()
            .zip(z.par_iter_mut())
            .enumerate()
            .for_each(|(i, (wi, zi))| {
                let m = mu[i];
                *wi = m;
                *zi = eta[i] + (s.y[i] - m) / m;
            });
        let dm = Demeaner::new(&s.fe, &w);
        // Regressors get the IRLS tolerance too; collinearity is screened loosely in the
        // first iteration and confirmed on a tight demeaning (below).
        let gram = {
            let mut vars: Vec<&[f64]> = vec![&z];
            let mut alphas = vec![std::mem::take(&mut alpha_z)];
            let mut outs = vec![std::mem::take(&mut zt)];
            for &j in &active {
                vars.push(&s.x[j]);
                alphas.push(std::mem::take(&mut alpha_x[j]));
                outs.push(std::mem::take(&mut xt[j]));
            }
            // z and the regressors as one block: one pass over the observations serves all.
            let t0 = std::time::Instant::now();
            // With a single block, the normal equations come out of the demeaning's last pass.
            let (infos, gram) = if vars.len() <= crate::demean::BLOCK {
                let (i, g) =
                    dm.demean_gram(&vars, &mut alphas, &mut outs, inner_tol, opts.fe_max_sweeps);
                (i, Some(g))
            } else {
                let i =
                    dm.demean_many(&vars, &mut alphas, &mut outs, inner_tol, opts.fe_max_sweeps);
                (i, None)
            };
            let (iz, ix) = infos.split_at(1);
            if iz.iter().chain(ix).any(|i| !i.converged) {
                demean_failures += 1;
            }
            if trace() {
                eprintln!(
                    "irls {iterations}: inner tol {inner_tol:.1e}, sweeps z {:?} x {:?}, {:.3} s",
                    iz.iter().map(|i| i.sweeps).collect::<Vec<_>>(),
                    ix.iter().map(|i| i.sweeps).collect::<Vec<_>>(),
                    t0.elapsed().as_secs_f64()
                );
            }
            alpha_z = std::mem::take(&mut alphas[0]);
            zt = std::mem::take(&mut outs[0]);
            for (p, &j) in active.iter().enumerate() {
                alpha_x[j] = std::mem::take(&mut alphas[p + 1]);
                xt[j] = std::mem::take(&mut outs[p + 1]);
            }
            gram
        };
        let kk = active.len();
        // X~'WX~ and X~'Wz~: from the demeaning's cross products [z, x...] when it gave them.
        let (mut a, mut b) = match gram {
            Some(g) => {
                let m = kk + 1;
                let a: Vec<f64> = (0..kk * kk)
                    .map(|e| g[(e / kk + 1) * m + e % kk + 1])
                    .collect();
                let b: Vec<f64> = (0..kk).map(|j| g[(j + 1) * m]).collect();
                (a, b)
            }
            None => {
                let cols: Vec<&[f64]> = active.iter().map(|&j| xt[j].as_slice()).collect();
                linalg::cross(&cols, Some(&w), Some(&zt))
            }
        };
        if iterations == 1 {
            let reference: Vec<f64> = active.iter().map(|&j| raw_norm[j]).collect();
            // Screening on the loose demeaning: its residual error is a few times the inner
            // tolerance, so a regressor collinear with the fixed effects keeps about
            // (c tol)^2 of its norm with c up to ~10 on slowly converging panels; the screen
            // sits at 100 tol^2 (1e-4 at 1e-3), and a suspect triggers a tight demeaning of
            // the regressors and the strict test (a false alarm costs time, never accuracy).
            let screen = (100.0 * inner_tol * inner_tol).max(1e-5);
            let suspect = linalg::collinear(&a, kk, &reference, screen);
            if suspect.iter().any(|&d| d) {
                let vars: Vec<&[f64]> = active.iter().map(|&j| s.x[j].as_slice()).collect();
                let mut alphas: Vec<Vec<f64>> = active
                    .iter()
                    .map(|&j| std::mem::take(&mut alpha_x[j]))
                    .collect();
                let mut outs: Vec<Vec<f64>> =
                    active.iter().map(|&j| std::mem::take(&mut xt[j])).collect();
                let tight = opts.fe_tol.min(1e-9);
                dm.demean_many(&vars, &mut alphas, &mut outs, tight, opts.fe_max_sweeps);
                for (p, &j) in active.iter().enumerate() {
                    alpha_x[j] = std::mem::take(&mut alphas[p]);
                    xt[j] = std::mem::take(&mut outs[p]);
                }
                let cols: Vec<&[f64]> = active.iter().map(|&j| xt[j].as_slice()).collect();
                (a, b) = linalg::cross(&cols, Some(&w), Some(&zt));
            }
            let drop = linalg::collinear(&a, kk, &reference, opts.collin_tol);
            if drop.iter().any(|&d| d) {
                let gone: Vec<String> = active
                    .iter()
                    .zip(&drop)
                    .filter(|(_, &d)| d)
                    .map(|(&j, _)| s.names[j].clone())
                    .collect();
                messages.push(format!(
                    "dropped as collinear with the fixed effects or other regressors: {}",
                    gone.join(", ")
                ));
                active = active
                    .iter()
                    .zip(&drop)
                    .filter(|(_, &d)| !d)
                    .map(|(&j, _)| j)
                    .collect();
                iterations -= 1;
                continue;
            }
        }
        let cols: Vec<&[f64]> = active.iter().map(|&j| xt[j].as_slice()).collect();
        let new_beta = linalg::solve_spd(&a, kk, &b).ok_or_else(|| {
            GravityError::Degenerate("the regressors' cross-product matrix is singular".into())
        })?;
        // New linear predictor eta = z - (z~ - X~ b) and mean (into reused buffers), with the
        // deviance 2 sum[y (ln y - ln mu) - (y - mu)] (ln mu is the linear predictor), and
        // whether every mean is positive and finite: one pass.
        let (dsum, all_ok) = eta_new
            .par_iter_mut()
            .zip(mu_new.par_iter_mut())
            .enumerate()
            .map(|(i, (en, mn))| {
                let mut e = zt[i];
                for (bj, c) in new_beta.iter().zip(&cols) {
                    e -= bj * c[i];
                }
                *en = z[i] - e;
                let lin = *en + off(i);
                *mn = lin.exp();
                let y = s.y[i];
                (y * (lny[i] - lin) - (y - *mn), *mn > 0.0 && mn.is_finite())
            })
            .reduce(|| (0.0, true), |(a, p), (b, q)| (a + b, p && q));
        // Step-halving while the deviance is not finite.
        let mut step = 1.0;
        let mut halvings = 0;
        let mut first_try = Some((dsum, all_ok));
        let dev_new = loop {
            if let Some((dsum, all_ok)) = first_try.take() {
                let d = 2.0 * dsum;
                if d.is_finite() && all_ok {
                    break d;
                }
                halvings += 1;
                step *= 0.5;
            }
            if step < 1.0 {
                // eta_new <- eta + step (eta_new_full - eta), with eta_new_full recovered
                // from the previous (twice larger) step.
                eta_new
                    .par_iter_mut()
                    .zip(eta.par_iter())
                    .for_each(|(nw, o)| *nw = o + 0.5 * (*nw - o));
            }
            mu_new
                .par_iter_mut()
                .zip(eta_new.par_iter())
                .enumerate()
                .for_each(|(i, (m, e))| *m = (e + off(i)).exp());
            let d = 2.0
                * eta_new
                    .par_iter()
                    .zip(mu_new.par_iter())
                    .zip(s.y.par_iter())
                    .enumerate()
                    .map(|(i, ((e, m), y))| y * (lny[i] - (e + off(i))) - (y - m))
                    .sum::<f64>();
            let ok = d.is_finite() && mu_new.par_iter().all(|m| *m > 0.0 && m.is_finite());
            if ok {
                break d;
            }
            halvings += 1;
            if halvings > 30 {
                return Err(GravityError::Degenerate(format!(
                    "IRLS iteration {iterations}: the deviance stays non-finite after 30 step-halvings"
                )));
            }
            step *= 0.5;
        };
        if halvings > 0 {
            messages.push(format!(
                "iteration {iterations}: step halved {halvings} time(s)"
            ));
        }
        let crit = (dev_new - dev).abs() / (0.1 + dev_new.abs());
        if trace() {
            eprintln!("irls {iterations}: deviance {dev_new:.10e}, crit {crit:.2e}");
        }
        beta = new_beta;
        std::mem::swap(&mut eta, &mut eta_new);
        std::mem::swap(&mut mu, &mut mu_new);
        dev = dev_new;
        if crit < opts.tol && inner_tol <= opts.fe_tol {
            converged = true;
            break;
        }
        // Inexact Newton: the demeaning only needs to be as precise as IRLS is close to its
        // fixed point; near convergence (quadratic from there) go straight to the final one.
        inner_tol = (0.1 * crit).min(inner_tol).max(opts.fe_tol);
        if crit < 1e-5 || inner_tol < 10.0 * opts.fe_tol {
            inner_tol = opts.fe_tol;
        }
    }
    if demean_failures > 0 {
        messages.push(format!(
            "the fixed-effect demeaning reached its limit of {} sweeps in {demean_failures} iteration(s) without meeting its tolerance",
            opts.fe_max_sweeps
        ));
    }
    if !converged {
        messages.push(format!(
            "IRLS did not converge in {iterations} iterations (last relative deviance change above {:e}); results are not reliable",
            opts.tol
        ));
    }
    if trace() {
        eprintln!("IRLS done at {:.3} s", t_start.elapsed().as_secs_f64());
        eprintln!(
            "demeaning passes so far, seconds per dimension: {:.3?}",
            crate::demean::pass_seconds()
        );
    }
    let alphas: Vec<&[f64]> = active.iter().map(|&j| alpha_x[j].as_slice()).collect();
    let (fixed_effects, lin, mu_fin) = recover_fit(&s, &active, &beta, &alpha_z, &alphas);
    // ln(mu) is the linear predictor (plus offset): the likelihood and the deviance need no
    // logarithm per observation. loglik = sum[y ln mu - mu] - sum ln y!, deviance =
    // 2 sum[y (ln y - ln mu) - (y - mu)] (term by term).
    let (y_lnmu, sum_mu, dev_sum) =
        s.y.par_iter()
            .zip(&lin)
            .zip(&mu_fin)
            .enumerate()
            .map(|(i, ((y, e), m))| {
                let lnm = e + off(i);
                (y * lnm, *m, y * (lny[i] - lnm) - (y - m))
            })
            .reduce(
                || (0.0, 0.0, 0.0),
                |(a, b, c), (d, e, f)| (a + d, b + e, c + f),
            );
    let deviance = 2.0 * dev_sum;
    let lnfact = sum_ln_factorial(&s.y);
    let loglik = y_lnmu - sum_mu - lnfact;
    // Null model: intercept (and offset) only, mu_i = c exp(offset_i), c = sum y / sum
    // exp(offset): sum[y ln mu] = ln(c) sum y + sum[y offset], sum mu = sum y.
    let sum_y: f64 = s.y.par_iter().sum();
    let (ln_c, y_off) = match &s.offset {
        None => (ymean.ln(), 0.0),
        Some(o) => {
            let se: f64 = o.par_iter().map(|v| v.exp()).sum();
            let y_off: f64 = s.y.par_iter().zip(o).map(|(y, v)| y * v).sum();
            ((sum_y / se).ln(), y_off)
        }
    };
    let null_y_lnmu = ln_c * sum_y + y_off;
    let null_loglik = null_y_lnmu - sum_y - lnfact;
    let null_deviance = 2.0
        * match &s.offset {
            None => {
                s.y.par_iter()
                    .zip(&lny)
                    .map(|(y, l)| y * (l - ln_c) - (y - ymean))
                    .sum::<f64>()
            }
            Some(o) => {
                s.y.par_iter()
                    .zip(&lny)
                    .zip(o)
                    .map(|((y, l), v)| y * (l - ln_c - v) - (y - (ln_c + v).exp()))
                    .sum::<f64>()
            }
        };
    let resid: Vec<f64> = s.y.par_iter().zip(&mu_fin).map(|(y, m)| y - m).collect();
    let mut kept = vec![false; input.y.len()];
    let mut fitted = vec![f64::NAN; input.y.len()];
    for (p, &r) in s.rows.iter().enumerate() {
        kept[r] = true;
        fitted[r] = mu_fin[p];
    }
    let collinear: Vec<String> = (0..k)
        .filter(|j| !active.contains(j))
        .map(|j| s.names[j].clone())
        .collect();
    // The variance is evaluated at the estimate: regressors demeaned with the final weights
    // (mu), warm-started from the last IRLS demeaning (a few sweeps), unless the last
    // iteration's weights already equal them to 1e-9.
    let stale = w
        .par_iter()
        .zip(&mu_fin)
        .map(|(a, b)| (a / b - 1.0).abs())
        .reduce(|| 0.0, f64::max);
    w.copy_from_slice(&mu_fin);
    if trace() {
        eprintln!("final weights differ from the last IRLS ones by {stale:.1e} (relative)");
    }
    if stale > 1e-9 {
        // Standard errors are reported to about seven digits and the demeaning error enters
        // them linearly: ten times the fit's tolerance (1e-7 by default) leaves them within
        // 1e-9 of the fully converged value on the reference models.
        let var_tol = (10.0 * opts.fe_tol).min(1e-7).max(opts.fe_tol);
        let dm = Demeaner::new(&s.fe, &w);
        let vars: Vec<&[f64]> = active.iter().map(|&j| s.x[j].as_slice()).collect();
        let mut alphas: Vec<Vec<f64>> = active
            .iter()
            .map(|&j| std::mem::take(&mut alpha_x[j]))
            .collect();
        let mut outs: Vec<Vec<f64>> = active.iter().map(|&j| std::mem::take(&mut xt[j])).collect();
        let infos = dm.demean_many(&vars, &mut alphas, &mut outs, var_tol, opts.fe_max_sweeps);
        if trace() {
            eprintln!("final demeaning of the regressors: {infos:?}");
        }
        for (p, &j) in active.iter().enumerate() {
            xt[j] = std::mem::take(&mut outs[p]);
        }
    }
    let xt_active: Vec<Vec<f64>> = active.iter().map(|&j| std::mem::take(&mut xt[j])).collect();
    if trace() {
        eprintln!("fit finished at {:.3} s", t_start.elapsed().as_secs_f64());
    }
    Ok(Fit {
        family: Family::Ppml,
        names: active.iter().map(|&j| s.names[j].clone()).collect(),
        coefficients: beta,
        collinear,
        nobs: n,
        kept,
        fitted,
        fixed_effects,
        iterations,
        converged,
        deviance,
        loglik,
        null_loglik,
        null_deviance,
        theta: None,
        dropped: s.dropped,
        messages,
        rows: s.rows,
        fe: s.fe,
        xt: xt_active,
        w,
        resid,
    })
}

/// Ordinary least squares with high-dimensional fixed effects (Frisch–Waugh–Lovell:
/// demean the outcome and the regressors, then regress). Observations with a non-finite
/// outcome or regressor are dropped (counted as missing).
pub fn fit_ols(input: &ModelInput, opts: &FitOptions) -> Result<Fit, GravityError> {
    let s = build_sample(input, opts, false)?;
    let n = s.y.len();
    let k = s.x.len();
    let mut messages = Vec::new();
    let ones = vec![1.0; n];
    let dm = Demeaner::new(&s.fe, &ones);
    let mut vars: Vec<&[f64]> = vec![&s.y];
    vars.extend(s.x.iter().map(|c| c.as_slice()));
    let mut alphas = vec![Vec::new(); k + 1];
    let mut outs = vec![Vec::new(); k + 1];
    let infos = dm.demean_many(
        &vars,
        &mut alphas,
        &mut outs,
        opts.fe_tol,
        opts.fe_max_sweeps,
    );
    if infos.iter().any(|i| !i.converged) {
        messages.push("demeaning did not reach its tolerance; results may be imprecise".into());
    }
    let raw: Vec<f64> = s.x.iter().map(|c| c.iter().map(|v| v * v).sum()).collect();
    let cols: Vec<&[f64]> = outs[1..].iter().map(|c| c.as_slice()).collect();
    let (a, _) = linalg::cross(&cols, None, None);
    let drop = linalg::collinear(&a, k, &raw, opts.collin_tol);
    let active: Vec<usize> = (0..k).filter(|&j| !drop[j]).collect();
    if active.len() < k {
        let gone: Vec<String> = (0..k)
            .filter(|&j| drop[j])
            .map(|j| s.names[j].clone())
            .collect();
        messages.push(format!(
            "dropped as collinear with the fixed effects or other regressors: {}",
            gone.join(", ")
        ));
    }
    let cols: Vec<&[f64]> = active.iter().map(|&j| outs[j + 1].as_slice()).collect();
    let (a, b) = linalg::cross(&cols, None, Some(&outs[0]));
    let beta = linalg::solve_spd(&a, active.len(), &b).ok_or_else(|| {
        GravityError::Degenerate("the regressors' cross-product matrix is singular".into())
    })?;
    let mut gamma = alphas[0].clone();
    gamma.resize(s.fe.total(), 0.0);
    for (bj, &j) in beta.iter().zip(&active) {
        for (g, a) in gamma.iter_mut().zip(&alphas[j + 1]) {
            *g -= bj * a;
        }
    }
    let resid: Vec<f64> = (0..n)
        .map(|i| {
            let mut e = outs[0][i];
            for (bj, c) in beta.iter().zip(&cols) {
                e -= bj * c[i];
            }
            e
        })
        .collect();
    let fixed_effects = fe_estimates(&s.fe, &s.fe_names, &mut gamma);
    let rss: f64 = resid.iter().map(|e| e * e).sum();
    let ymean = s.y.iter().sum::<f64>() / n as f64;
    let tss: f64 = s.y.iter().map(|y| (y - ymean).powi(2)).sum();
    let nf = n as f64;
    let ll = |ss: f64| -0.5 * nf * ((2.0 * std::f64::consts::PI * ss / nf).ln() + 1.0);
    let mut kept = vec![false; input.y.len()];
    let mut fitted = vec![f64::NAN; input.y.len()];
    for (p, &r) in s.rows.iter().enumerate() {
        kept[r] = true;
        fitted[r] = s.y[p] - resid[p];
    }
    let xt_active: Vec<Vec<f64>> = active
        .iter()
        .map(|&j| std::mem::take(&mut outs[j + 1]))
        .collect();
    Ok(Fit {
        family: Family::Ols,
        names: active.iter().map(|&j| s.names[j].clone()).collect(),
        coefficients: beta,
        collinear: (0..k)
            .filter(|&j| drop[j])
            .map(|j| s.names[j].clone())
            .collect(),
        nobs: n,
        kept,
        fitted,
        fixed_effects,
        iterations: 1,
        converged: true,
        deviance: rss,
        loglik: ll(rss),
        null_loglik: ll(tss),
        null_deviance: tss,
        theta: None,
        dropped: s.dropped,
        messages,
        rows: s.rows,
        fe: s.fe,
        xt: xt_active,
        w: Vec::new(),
        resid,
    })
}
