//! Separation of Poisson observations by the regressors: the iterated ReLU ("iterative
//! rectifier") method of Correia, Guimarães & Zylkin (2021, "Verifying the existence of
//! maximum likelihood estimates for generalized linear models").
//!
//! An observation with `y = 0` is separated when some linear combination `z` of the
//! regressors and fixed effects is `>= 0` on every `y = 0` observation, `= 0` on every
//! `y > 0` observation and `> 0` on that one: its fitted mean tends to zero and the estimates
//! do not exist unless it is removed. The method regresses a working variable `u` on the
//! regressors and fixed effects by weighted least squares, with a large weight on the `y > 0`
//! observations (forcing the fit to zero there), and replaces `u` by the rectified fit
//! `max(fit, 0)` on the `y = 0` observations, until the fit is non-negative on all of them.
//! Those where it is positive are separated.

use crate::demean::Demeaner;
use crate::fe::FeIndex;
use crate::fit::FitOptions;
use crate::linalg;

/// Weight of `y > 0` observations: makes their fitted `z` zero up to ~1e-8.
const BIG: f64 = 1e8;
/// A fitted `z` above this on a `y = 0` observation marks it separated; below minus this,
/// the iteration goes on.
const ZTOL: f64 = 1e-6;
const MAX_ITER: usize = 1000;

/// Original row indices (from `rows`) of the observations separated by the regressors.
pub(crate) fn relu(
    y: &[f64],
    xcols: &[&[f64]],
    dims: &[&[u32]],
    rows: &[usize],
    opts: &FitOptions,
) -> Vec<usize> {
    let n = rows.len();
    let zero: Vec<bool> = rows.iter().map(|&r| y[r] == 0.0).collect();
    if !zero.iter().any(|&z| z) || xcols.is_empty() {
        return Vec::new();
    }
    let fe = FeIndex::build(dims, rows);
    let x: Vec<Vec<f64>> = xcols
        .iter()
        .map(|c| rows.iter().map(|&r| c[r]).collect())
        .collect();
    let w: Vec<f64> = zero.iter().map(|&z| if z { 1.0 } else { BIG }).collect();
    let dm = Demeaner::new(&fe, &w);
    let k = x.len();
    let xv: Vec<&[f64]> = x.iter().map(|c| c.as_slice()).collect();
    let mut ax = vec![Vec::new(); k];
    let mut xt = vec![Vec::new(); k];
    let tol = opts.fe_tol.min(1e-10);
    dm.demean_many(&xv, &mut ax, &mut xt, tol, opts.fe_max_sweeps);
    let raw: Vec<f64> = x
        .iter()
        .map(|c| c.iter().zip(&w).map(|(v, wi)| v * v * wi).sum())
        .collect();
    let cols: Vec<&[f64]> = xt.iter().map(|c| c.as_slice()).collect();
    let (a, _) = linalg::cross(&cols, Some(&w), None);
    let drop = linalg::collinear(&a, k, &raw, 1e-9);
    let active: Vec<usize> = (0..k).filter(|&j| !drop[j]).collect();
    let cols: Vec<&[f64]> = active.iter().map(|&j| xt[j].as_slice()).collect();
    let (a, _) = linalg::cross(&cols, Some(&w), None);
    let kk = active.len();
    let mut u: Vec<f64> = zero.iter().map(|&z| if z { 1.0 } else { 0.0 }).collect();
    let mut au = Vec::new();
    let mut ut = Vec::new();
    for _ in 0..MAX_ITER {
        dm.demean(&u, &mut au, tol, opts.fe_max_sweeps, &mut ut);
        let mut b = vec![0.0; kk];
        for (p, c) in cols.iter().enumerate() {
            b[p] = c.iter().zip(&ut).zip(&w).map(|((x, u), w)| x * u * w).sum();
        }
        let Some(beta) = linalg::solve_spd(&a, kk, &b) else {
            return Vec::new();
        };
        // Fitted z = u - residual, residual = u~ - X~ beta.
        let zhat: Vec<f64> = (0..n)
            .map(|i| {
                let mut e = ut[i];
                for (bj, c) in beta.iter().zip(&cols) {
                    e -= bj * c[i];
                }
                u[i] - e
            })
            .collect();
        let min_zero = (0..n)
            .filter(|&i| zero[i])
            .map(|i| zhat[i])
            .fold(f64::INFINITY, f64::min);
        if min_zero >= -ZTOL {
            return (0..n)
                .filter(|&i| zero[i] && zhat[i] > ZTOL)
                .map(|i| rows[i])
                .collect();
        }
        for i in 0..n {
            u[i] = if zero[i] { zhat[i].max(0.0) } else { 0.0 };
        }
        if u.iter().all(|&v| v <= ZTOL) {
            return Vec::new();
        }
    }
    Vec::new()
}
