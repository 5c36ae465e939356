//! Exact hat algebra (Dekle, Eaton & Kortum 2008; Costinot & Rodríguez-Clare 2014).
//!
//! From baseline flows `X_ij` (shares `λ_ij = X_ij / E_j`), cost changes `t̂_ij^(1-σ)` and a
//! closure, find factory-gate price changes `p̂` such that
//!
//! ```text
//! P̂_j^(1-σ) = Σ_k λ_kj p̂_k^(1-σ) t̂_kj^(1-σ)
//! X'_ij     = λ_ij p̂_i^(1-σ) t̂_ij^(1-σ) / P̂_j^(1-σ) · E'_j
//! p̂_i Y_i   = Σ_j X'_ij                      (every output market clears)
//! ```
//!
//! The unknowns are `x_i = ln p̂_i`, so prices are positive by construction. Each step moves
//! `x_i` by `ln(demand_i / supply_i) / σ`, the exact correction if only country i's own price
//! mattered (demand for i's goods has price elasticity 1 − σ, supply value elasticity 1); the
//! step is halved whenever the residual grows. The system is homogeneous of degree one, so the
//! price level is pinned at the end by `P̂_ref = 1` (the reference importer's price index is
//! the numéraire, as in the Guide).

use crate::model::{Closure, Stage};
use crate::mr::tail;
use crate::GeError;

/// What the residual of [`solve`] measures.
pub const CRITERION: &str =
    "max_i |sum_j X'_ij / (p_i Y_i) - 1| (relative excess demand for each country's output)";

/// A solved hat-algebra counterfactual.
#[derive(Debug, Clone)]
pub struct HatOutcome {
    /// Factory-gate price changes `p̂` (reference importer's price index = 1).
    pub p_hat: Vec<f64>,
    /// Price-index changes raised to `1-σ`: `P̂_j^(1-σ)`.
    pub p_index_pow: Vec<f64>,
    /// New output `p̂_i Y_i`.
    pub y: Vec<f64>,
    /// New expenditure.
    pub e: Vec<f64>,
    /// New flows.
    pub flows: Vec<f64>,
    /// Iterations used.
    pub iterations: usize,
    /// Final residual (see [`CRITERION`]).
    pub residual: f64,
    /// Under the φ closure, the common factor applied to all expenditures so that world
    /// expenditure equals world output (1 for the other closures).
    pub phi_scale: f64,
}

impl HatOutcome {
    /// Levels in the Guide's units, given the baseline stage the shares came from.
    pub fn into_stage(self, baseline: &Stage, cost_cfl: &[f64]) -> Stage {
        let n = self.y.len();
        let imr_pow: Vec<f64> = (0..n)
            .map(|j| baseline.imr_pow[j] * self.p_index_pow[j])
            .collect();
        // Π_i^(1-σ) = Σ_j T_ij E_j / P_j^(1-σ) (row sums of the gravity equation).
        let omr_pow: Vec<f64> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| cost_cfl[i * n + j] * self.e[j] / imr_pow[j])
                    .sum()
            })
            .collect();
        Stage {
            flows: self.flows,
            y: self.y,
            e: self.e,
            price: self.p_hat,
            omr_pow,
            imr_pow,
        }
    }
}

/// Ad-valorem tariffs whose revenue is rebated to the importer's consumers (Costinot &
/// Rodríguez-Clare 2014): `E'_j = Y'_j + D'_j + T'_j`, `T'_j = Σ_i t'_ij X'_ij`, with flows
/// `X` measured net of duty. Rates are fractions, row-major `n × n`.
#[derive(Debug, Clone, Copy)]
pub struct Tariffs<'a> {
    /// Baseline rates.
    pub before: &'a [f64],
    /// Counterfactual rates.
    pub after: &'a [f64],
}

/// Solves the hat-algebra system.
///
/// `flows` are the baseline flows (row-major, exporter rows) whose row sums are `y0` and
/// column sums `e0`; `t_hat` is `T^CFL/T^BLN` element-wise (the change in flows net of duty
/// at unchanged prices). `Closure::Purge` here means "balanced": `E' = Y'` (used to build the
/// balanced world before a purge run). With `tariffs`, shares are over tariff-inclusive
/// spending, gross flows move by `t̂_ij (1+t'_ij)/(1+t_ij)`, output markets clear on flows net
/// of duty, and the closure's expenditure is net of the rebated revenue.
#[allow(clippy::too_many_arguments)]
pub fn solve_with_tariffs(
    flows: &[f64],
    y0: &[f64],
    e0: &[f64],
    t_hat: &[f64],
    sigma: f64,
    closure: Closure,
    reference: usize,
    tol: f64,
    max_iter: usize,
    countries: &[String],
    tariffs: Option<Tariffs>,
) -> Result<HatOutcome, GeError> {
    let n = y0.len();
    let (t0, t1) = match tariffs {
        Some(t) => (t.before.to_vec(), t.after.to_vec()),
        None => (vec![0.0; n * n], vec![0.0; n * n]),
    };
    // Gross (tariff-inclusive) baseline spending.
    let mut e_gross = vec![0.0; n];
    for i in 0..n {
        for j in 0..n {
            e_gross[j] += flows[i * n + j] * (1.0 + t0[i * n + j]);
        }
    }
    let mut m = vec![0.0; n * n];
    let mut keep = vec![0.0; n * n];
    for k in 0..n * n {
        let j = k % n;
        m[k] = flows[k] * (1.0 + t0[k]) / e_gross[j] * t_hat[k] * (1.0 + t1[k]) / (1.0 + t0[k]);
        keep[k] = 1.0 / (1.0 + t1[k]);
    }
    solve_shares(
        m, keep, y0, e0, sigma, closure, reference, tol, max_iter, countries,
    )
}

/// [`solve_with_tariffs`] without tariffs.
#[allow(clippy::too_many_arguments)]
pub fn solve(
    flows: &[f64],
    y0: &[f64],
    e0: &[f64],
    t_hat: &[f64],
    sigma: f64,
    closure: Closure,
    reference: usize,
    tol: f64,
    max_iter: usize,
    countries: &[String],
) -> Result<HatOutcome, GeError> {
    solve_with_tariffs(
        flows, y0, e0, t_hat, sigma, closure, reference, tol, max_iter, countries, None,
    )
}

/// The iteration on shares `m_ij = λ_ij · (gross cost change)` and net fractions `keep_ij`
/// (`1/(1+t'_ij)`, 1 without tariffs).
#[allow(clippy::too_many_arguments)]
fn solve_shares(
    m: Vec<f64>,
    keep: Vec<f64>,
    y0: &[f64],
    e0: &[f64],
    sigma: f64,
    closure: Closure,
    reference: usize,
    tol: f64,
    max_iter: usize,
    countries: &[String],
) -> Result<HatOutcome, GeError> {
    let n = y0.len();
    let one_s = 1.0 - sigma;
    let mut x = vec![0.0; n];
    let mut gross = vec![0.0; n];
    let mut step: f64 = 1.0;
    let mut best = f64::INFINITY;
    let mut history = Vec::new();
    let mut w = vec![0.0; n];
    let mut phi_idx = vec![0.0; n];
    let mut demand = vec![0.0; n];
    let mut last_ratio = vec![1.0; n];
    // Bounded by max_iter; each iteration is two passes over the n×n shares.
    for it in 1..=max_iter {
        let eval = evaluate(
            countries,
            &m,
            &keep,
            &mut gross,
            &x,
            y0,
            e0,
            one_s,
            closure,
            &mut w,
            &mut phi_idx,
            &mut demand,
        );
        let (e_new, scale) = eval?;
        let mut res: f64 = 0.0;
        for i in 0..n {
            let supply = x[i].exp() * y0[i];
            last_ratio[i] = demand[i] / supply;
            res = res.max((last_ratio[i] - 1.0).abs());
        }
        if !res.is_finite() {
            return Err(GeError::NotConverged {
                what: "exact hat algebra".into(),
                iterations: it,
                history: tail(&history),
            });
        }
        history.push(res);
        if res <= tol {
            // Numéraire: the reference importer's price index is unchanged.
            let shift = phi_idx[reference].ln() / one_s;
            let p_hat: Vec<f64> = x.iter().map(|v| (v - shift).exp()).collect();
            let p_index_pow: Vec<f64> = phi_idx.iter().map(|v| v / phi_idx[reference]).collect();
            let k = (-shift).exp(); // nominal values scale with the numéraire
            let y: Vec<f64> = (0..n).map(|i| p_hat[i] * y0[i]).collect();
            let e: Vec<f64> = e_new.iter().map(|v| v * k).collect();
            let mut out = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..n {
                    out[i * n + j] =
                        m[i * n + j] * w[i] / phi_idx[j] * gross[j] * keep[i * n + j] * k;
                }
            }
            return Ok(HatOutcome {
                p_hat,
                p_index_pow,
                y,
                e,
                flows: out,
                iterations: it,
                residual: res,
                phi_scale: scale,
            });
        }
        // Backtrack when the residual grew; let the step recover when it falls.
        if res > best * 1.5 {
            step = (step * 0.5).max(1e-3);
        } else if res < best {
            step = (step * 1.2).min(1.0);
        }
        best = best.min(res);
        for i in 0..n {
            x[i] += step * last_ratio[i].ln() / sigma;
        }
        // Keep the level bounded (the system is homogeneous of degree one).
        let x_ref = x[reference];
        x.iter_mut().for_each(|v| *v -= x_ref);
    }
    Err(GeError::NotConverged {
        what: "exact hat algebra".into(),
        iterations: max_iter,
        history: tail(&history),
    })
}

/// Demand for each country's output at log prices `x`; returns new expenditure and, for the
/// φ closure, the factor that makes world expenditure equal world output.
#[allow(clippy::too_many_arguments)]
fn evaluate(
    countries: &[String],
    m: &[f64],
    keep: &[f64],
    gross: &mut [f64],
    x: &[f64],
    y0: &[f64],
    e0: &[f64],
    one_s: f64,
    closure: Closure,
    w: &mut [f64],
    phi_idx: &mut [f64],
    demand: &mut [f64],
) -> Result<(Vec<f64>, f64), GeError> {
    let n = x.len();
    for i in 0..n {
        w[i] = (one_s * x[i]).exp();
    }
    phi_idx.iter_mut().for_each(|v| *v = 0.0);
    for k in 0..n {
        let wk = w[k];
        let row = &m[k * n..(k + 1) * n];
        for (p, mk) in phi_idx.iter_mut().zip(row) {
            *p += mk * wk;
        }
    }
    let y_new: Vec<f64> = (0..n).map(|i| x[i].exp() * y0[i]).collect();
    let (e_new, scale) = match closure {
        Closure::FixedPhi => {
            let raw = closure.expenditure(&y_new, y0, e0);
            let s = y_new.iter().sum::<f64>() / raw.iter().sum::<f64>();
            (raw.into_iter().map(|v| v * s).collect::<Vec<_>>(), s)
        }
        Closure::FixedDeficit => (closure.expenditure(&y_new, y0, e0), 1.0),
        Closure::Purge => (y_new.clone(), 1.0),
    };
    if let Some(j) = e_new.iter().position(|v| v.is_nan() || *v <= 0.0) {
        return Err(GeError::Input(format!(
            "exact hat algebra: expenditure of {} became {} under the {} closure (its fixed \
             deficit exceeds its new output); try --closure phi or purge",
            countries.get(j).map_or("?", String::as_str),
            e_new[j],
            closure.name()
        )));
    }
    // Tariff-inclusive spending: net expenditure plus the revenue it generates,
    // E^G_j = E_j / (1 - Σ_i λ'_ij t'_ij/(1+t'_ij)).
    let mut rev_share = vec![0.0; n];
    for i in 0..n {
        for j in 0..n {
            rev_share[j] += m[i * n + j] * w[i] * (1.0 - keep[i * n + j]);
        }
    }
    for j in 0..n {
        gross[j] = e_new[j] / (1.0 - rev_share[j] / phi_idx[j]);
    }
    let ratio: Vec<f64> = (0..n).map(|j| gross[j] / phi_idx[j]).collect();
    for i in 0..n {
        let row = &m[i * n..(i + 1) * n];
        let kr = &keep[i * n..(i + 1) * n];
        demand[i] = w[i]
            * row
                .iter()
                .zip(&ratio)
                .zip(kr)
                .map(|((a, b), k)| a * b * k)
                .sum::<f64>();
    }
    Ok((e_new, scale))
}
