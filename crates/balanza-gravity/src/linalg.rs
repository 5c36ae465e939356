//! Small dense linear algebra on the K x K normal equations (K = number of regressors), and
//! N-length cross products computed in parallel chunks.

use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};
use rayon::prelude::*;

/// Observations per parallel chunk of a cross product: large enough to amortise the task
/// overhead, small enough to balance two cores.
const CHUNK: usize = 1 << 15;

/// `X'WX` (row-major k x k) and `X'Wv` for columns `x`, optional weights `w`.
pub(crate) fn cross(x: &[&[f64]], w: Option<&[f64]>, v: Option<&[f64]>) -> (Vec<f64>, Vec<f64>) {
    let k = x.len();
    let n = x.first().map_or(0, |c| c.len());
    let nchunks = n.div_ceil(CHUNK).max(1);
    let (a, b) = (0..nchunks)
        .into_par_iter()
        .map(|c| {
            let lo = c * CHUNK;
            let hi = ((c + 1) * CHUNK).min(n);
            let mut a = vec![0.0; k * k];
            let mut b = vec![0.0; k];
            for j in 0..k {
                let xj = &x[j][lo..hi];
                for l in 0..=j {
                    let xl = &x[l][lo..hi];
                    let s: f64 = match w {
                        Some(w) => xj
                            .iter()
                            .zip(xl)
                            .zip(&w[lo..hi])
                            .map(|((p, q), r)| p * q * r)
                            .sum(),
                        None => xj.iter().zip(xl).map(|(p, q)| p * q).sum(),
                    };
                    a[j * k + l] = s;
                }
                if let Some(v) = v {
                    b[j] = match w {
                        Some(w) => xj
                            .iter()
                            .zip(&v[lo..hi])
                            .zip(&w[lo..hi])
                            .map(|((p, q), r)| p * q * r)
                            .sum(),
                        None => xj.iter().zip(&v[lo..hi]).map(|(p, q)| p * q).sum(),
                    };
                }
            }
            (a, b)
        })
        .reduce(
            || (vec![0.0; k * k], vec![0.0; k]),
            |(mut a1, mut b1), (a2, b2)| {
                a1.iter_mut().zip(&a2).for_each(|(p, q)| *p += q);
                b1.iter_mut().zip(&b2).for_each(|(p, q)| *p += q);
                (a1, b1)
            },
        );
    let mut a = a;
    for j in 0..k {
        for l in 0..j {
            a[l * k + j] = a[j * k + l];
        }
    }
    (a, b)
}

/// Columns to drop as collinear: a Cholesky factorisation in column order in which a column
/// whose pivot falls below `tol` times `reference[j]` (its squared norm before the fixed
/// effects were partialled out, or its diagonal) is skipped.
pub(crate) fn collinear(a: &[f64], k: usize, reference: &[f64], tol: f64) -> Vec<bool> {
    let mut drop = vec![false; k];
    let mut l = vec![0.0; k * k];
    for j in 0..k {
        let mut d = a[j * k + j];
        for p in 0..j {
            if !drop[p] {
                d -= l[j * k + p] * l[j * k + p];
            }
        }
        let r = reference[j].max(a[j * k + j]);
        // NaN pivots count as collinear too.
        if d.is_nan() || d <= tol * r || r <= 0.0 {
            drop[j] = true;
            continue;
        }
        let djs = d.sqrt();
        l[j * k + j] = djs;
        for i in j + 1..k {
            let mut s = a[i * k + j];
            for p in 0..j {
                if !drop[p] {
                    s -= l[i * k + p] * l[j * k + p];
                }
            }
            l[i * k + j] = s / djs;
        }
    }
    drop
}

fn to_mat(a: &[f64], k: usize) -> Mat<f64> {
    Mat::from_fn(k, k, |i, j| a[i * k + j])
}

/// Solves the symmetric positive definite system `a x = b` (faer's Cholesky).
pub(crate) fn solve_spd(a: &[f64], k: usize, b: &[f64]) -> Option<Vec<f64>> {
    if k == 0 {
        return Some(Vec::new());
    }
    let llt = to_mat(a, k).llt(Side::Lower).ok()?;
    let inv = llt.inverse();
    let x: Vec<f64> = (0..k)
        .map(|i| (0..k).map(|j| inv[(i, j)] * b[j]).sum())
        .collect();
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Inverse of a symmetric positive definite matrix (row-major), via faer's Cholesky.
pub(crate) fn inverse_spd(a: &[f64], k: usize) -> Option<Vec<f64>> {
    if k == 0 {
        return Some(Vec::new());
    }
    let llt = to_mat(a, k).llt(Side::Lower).ok()?;
    let inv = llt.inverse();
    let mut out = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            out[i * k + j] = inv[(i, j)];
        }
    }
    Some(out)
}

/// `a * b * a` for row-major k x k matrices (sandwich).
pub(crate) fn sandwich(bread: &[f64], meat: &[f64], k: usize) -> Vec<f64> {
    let mut t = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            t[i * k + j] = (0..k).map(|p| bread[i * k + p] * meat[p * k + j]).sum();
        }
    }
    let mut out = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            out[i * k + j] = (0..k).map(|p| t[i * k + p] * bread[p * k + j]).sum();
        }
    }
    out
}
