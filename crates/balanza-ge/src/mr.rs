//! Multilateral resistances: the two-way scaling problem behind structural gravity.
//!
//! With exporter and importer fixed effects and a fixed bilateral cost term `T_ij = t_ij^(1-σ)`
//! (an offset), the Poisson first-order conditions are exactly the multilateral-resistance
//! equations: the fitted flows `μ_ij = a_i · b_j · T_ij` must add up to each exporter's output
//! (`Σ_j μ_ij = Y_i`) and to each importer's expenditure (`Σ_i μ_ij = E_j`). In the Guide's
//! notation `a_i = exp(π_i)` and `b_j = exp(χ_j)`, and with the reference importer `R` holding
//! `b_R = 1`:
//!
//! ```text
//! OMR_i = Π_i^(1-σ) = Y_i · E_R / a_i        IMR_j = P_j^(1-σ) = E_j / (b_j · E_R)
//! ```
//!
//! We solve it by alternating scaling (Sinkhorn / RAS): `a_i ← Y_i / Σ_j T_ij b_j`, then
//! `b_j ← E_j / Σ_i T_ij a_i`. The unknowns are the powered resistances themselves (never
//! `Π` or `P` raised to `1/(1-σ)` inside the loop), and every update is a ratio of positive
//! sums, so the iterates stay strictly positive whatever σ is: there is no root to pick and no
//! "mirror" negative solution of the kind an even exponent `1-σ` invites when one solves for
//! `P` directly. Each sweep costs two passes over the `n × n` cost matrix.

use crate::GeError;

/// Convergence settings of the scaling solver.
#[derive(Debug, Clone, Copy)]
pub struct MrOptions {
    /// Stop when every exporter's fitted output matches its target to this relative error
    /// (importers match exactly after each sweep by construction).
    pub tol: f64,
    /// Give up (with an error carrying the residual history) after this many sweeps.
    pub max_iter: usize,
}

impl Default for MrOptions {
    fn default() -> Self {
        // 1e-12 relative is ~100 ulp on sums of ~70 positive terms: as tight as double
        // precision reliably allows, far below anything a table prints.
        Self {
            tol: 1e-12,
            max_iter: 200_000,
        }
    }
}

/// The solved fixed effects (in levels) of one scaling problem.
#[derive(Debug, Clone)]
pub struct MrSolution {
    /// Exporter effects `a_i = exp(π_i)`.
    pub exp_pi: Vec<f64>,
    /// Importer effects `b_j = exp(χ_j)`, with the reference importer's equal to 1.
    pub exp_chi: Vec<f64>,
    /// Sweeps used.
    pub iterations: usize,
    /// Final max relative row-sum error.
    pub residual: f64,
}

impl MrSolution {
    /// Fitted flow `a_i · b_j · T_ij`.
    pub fn flow(&self, cost: &[f64], n: usize, i: usize, j: usize) -> f64 {
        self.exp_pi[i] * self.exp_chi[j] * cost[i * n + j]
    }

    /// Outward resistances `Π_i^(1-σ) = Y_i · E_R / a_i` (the Guide's `OMR`).
    pub fn omr(&self, y: &[f64], e_ref: f64) -> Vec<f64> {
        y.iter()
            .zip(&self.exp_pi)
            .map(|(y, a)| y * e_ref / a)
            .collect()
    }

    /// Inward resistances `P_j^(1-σ) = E_j / (b_j · E_R)` (the Guide's `IMR`).
    pub fn imr(&self, e: &[f64], e_ref: f64) -> Vec<f64> {
        e.iter()
            .zip(&self.exp_chi)
            .map(|(e, b)| e / (b * e_ref))
            .collect()
    }
}

/// Solves `Σ_j a_i b_j T_ij = Y_i`, `Σ_i a_i b_j T_ij = E_j` with `b_ref = 1`.
///
/// `cost` is the row-major `n × n` matrix `T_ij = t_ij^(1-σ)` (exporter rows), strictly
/// positive. `y` and `e` must be strictly positive with equal totals (they are the row and
/// column sums of one flow matrix). `warm` is a starting value for `b` (e.g. the previous
/// solution inside an outer loop), which cuts the sweeps needed by an order of magnitude.
pub fn solve(
    y: &[f64],
    e: &[f64],
    cost: &[f64],
    reference: usize,
    warm: Option<&[f64]>,
    opts: MrOptions,
) -> Result<MrSolution, GeError> {
    let n = y.len();
    debug_assert_eq!(e.len(), n);
    debug_assert_eq!(cost.len(), n * n);
    let mut a = vec![1.0; n];
    let mut b: Vec<f64> = match warm {
        Some(w) if w.len() == n && w.iter().all(|v| v.is_finite() && *v > 0.0) => w.to_vec(),
        _ => vec![1.0; n],
    };
    let mut col = vec![0.0; n];
    let mut history = Vec::new();
    // The loop is bounded by max_iter sweeps of 2·n² multiply-adds each.
    for it in 1..=opts.max_iter {
        // a ← Y / (T b)
        for i in 0..n {
            let row = &cost[i * n..(i + 1) * n];
            let s: f64 = row.iter().zip(&b).map(|(t, b)| t * b).sum();
            a[i] = y[i] / s;
        }
        // b ← E / (Tᵀ a)
        col.iter_mut().for_each(|c| *c = 0.0);
        for i in 0..n {
            let ai = a[i];
            let row = &cost[i * n..(i + 1) * n];
            for (c, t) in col.iter_mut().zip(row) {
                *c += ai * t;
            }
        }
        for j in 0..n {
            b[j] = e[j] / col[j];
        }
        // Row residual after the column step (columns now hold exactly).
        let mut res: f64 = 0.0;
        for i in 0..n {
            let row = &cost[i * n..(i + 1) * n];
            let s: f64 = row.iter().zip(&b).map(|(t, b)| t * b).sum();
            res = res.max((a[i] * s / y[i] - 1.0).abs());
        }
        if !res.is_finite() {
            return Err(GeError::NotConverged {
                what: "multilateral resistances (scaling)".into(),
                iterations: it,
                history: tail(&history),
            });
        }
        if history.len() < 100_000 {
            history.push(res);
        }
        if res <= opts.tol {
            // Reference normalisation: b_ref = 1 (a absorbs the constant).
            let k = b[reference];
            b.iter_mut().for_each(|v| *v /= k);
            a.iter_mut().for_each(|v| *v *= k);
            return Ok(MrSolution {
                exp_pi: a,
                exp_chi: b,
                iterations: it,
                residual: res,
            });
        }
    }
    Err(GeError::NotConverged {
        what: "multilateral resistances (scaling)".into(),
        iterations: opts.max_iter,
        history: tail(&history),
    })
}

/// The first few and last residuals of a history, for error messages.
pub(crate) fn tail(history: &[f64]) -> Vec<(usize, f64)> {
    let n = history.len();
    history
        .iter()
        .enumerate()
        .filter(|(k, _)| *k < 5 || *k + 10 >= n)
        .map(|(k, r)| (k + 1, *r))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3-country system whose solution is known: flows built from chosen a, b, T.
    #[test]
    fn recovers_known_effects() {
        let n = 3;
        let a0 = [2.0, 0.5, 1.5];
        let b0 = [1.0, 3.0, 0.25]; // reference 0 has b = 1
        let cost = [1.0, 0.1, 0.05, 0.2, 1.0, 0.3, 0.01, 0.4, 1.0];
        let mut y = vec![0.0; n];
        let mut e = vec![0.0; n];
        for i in 0..n {
            for j in 0..n {
                let x = a0[i] * b0[j] * cost[i * n + j];
                y[i] += x;
                e[j] += x;
            }
        }
        let s = solve(&y, &e, &cost, 0, None, MrOptions::default()).unwrap();
        for i in 0..n {
            assert!((s.exp_pi[i] / a0[i] - 1.0).abs() < 1e-10, "{:?}", s.exp_pi);
            assert!(
                (s.exp_chi[i] / b0[i] - 1.0).abs() < 1e-10,
                "{:?}",
                s.exp_chi
            );
        }
    }
}
