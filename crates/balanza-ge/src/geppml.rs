//! The Guide's GEPPML full-endowment iteration (Anderson, Larch & Yotov 2018; Guide ch. 2,
//! application 1, step III.b), reproduced step by step.
//!
//! Iteration s (s = 2, 3, …), starting from the conditional solution (s = 1):
//!
//! ```text
//! data_ij  = μ_ij^(s-1) · p̂_i^(s-1) · p̂_j^(s-1) / (ΔΠ_i^(s-1) · ΔP_j^(s-1))
//! μ^(s)    = Poisson fit of data on exporter + importer effects with offset ln T^CFL
//! Y_i^(s)  = Σ_j μ_ij^(s),  E_j^(s) = closure(Y^(s)),  E_R^(s) = E^(s) of the reference
//! p̂_i^(s)  = [ (exp π_i^(s) / exp π_i^(s-1)) / (E_R^(s) / E_R^(s-1)) ]^(1/(1-σ))
//! ΔΠ, ΔP   = ratios of Y E_R / exp π  and  E / (exp χ E_R)  between s and s-1 (1 at s = 1)
//! ```
//!
//! The Poisson fit with only the two sets of effects and an offset depends on the data through
//! its row and column sums, so each "re-estimation" is one scaling solve ([`crate::mr`]),
//! warm-started from the previous iteration. Final levels follow the Guide:
//! `p̂ = [(exp π^S/exp π^0)/(E_R^S/E_R^0)]^(1/(1-σ))`, `Y = p̂·Y^0`, `E = closure(Y)`,
//! `X_ij = Y_i E_j T_ij^CFL / (Π_i^(1-σ) P_j^(1-σ))`.

use crate::model::{GeOptions, Stage, StopRule};
use crate::mr::{self, tail, MrSolution};
use crate::GeError;

/// Iterations of growing price change after which the loop is declared diverging.
const DIVERGING: usize = 12;

/// What the GEPPML loop returns.
#[derive(Debug, Clone)]
pub struct GeppmlOutcome {
    /// Full endowment levels.
    pub stage: Stage,
    /// Outer iterations.
    pub iterations: usize,
    /// Final per-iteration price change `max_i |p̂_i^(S) − 1|`.
    pub residual: f64,
    /// Market-clearing check of the reported flows: `max_i |Σ_j X_ij / Y_i − 1|`.
    pub market_clearing: f64,
}

/// Runs the loop from the baseline (`bln`) and conditional (`cdl`) solutions.
pub fn solve(
    y0: &[f64],
    e0: &[f64],
    cost: &[f64],
    bln: &MrSolution,
    cdl: &MrSolution,
    opts: GeOptions,
) -> Result<GeppmlOutcome, GeError> {
    let n = y0.len();
    let r = opts.reference;
    let inv = 1.0 / (1.0 - opts.sigma);
    let closure = opts.closure;

    // s = 0 (baseline) and s = 1 (conditional): Y and E unchanged.
    let e_r0 = e0[r];
    let mut a_prev = cdl.exp_pi.clone();
    let mut b_prev = cdl.exp_chi.clone();
    let mut e_r_prev = e_r0;
    // Per-iteration price change at s = 1.
    let mut pc: Vec<f64> = (0..n)
        .map(|i| (a_prev[i] / bln.exp_pi[i]).powf(inv))
        .collect();
    let mut d_omr = vec![1.0; n];
    let mut d_imr = vec![1.0; n];
    let mut omr_prev: Vec<f64> = (0..n).map(|i| y0[i] * e_r_prev / a_prev[i]).collect();
    let mut imr_prev: Vec<f64> = (0..n).map(|j| e0[j] / (b_prev[j] * e_r_prev)).collect();
    // For the Guide's lagged stopping rule: price changes of s-1 and s-2 (p̂^(0) := 0).
    let mut pc_lag1 = pc.clone();
    let mut pc_lag2 = vec![0.0; n];

    let mut history = Vec::new();
    let mut rows = vec![0.0; n];
    let mut cols = vec![0.0; n];
    let mut g = vec![0.0; n];
    let mut y_s = y0.to_vec();
    // Consecutive iterations in which the price change grew: the Guide's iteration is not a
    // contraction, and when it oscillates with growing amplitude it never recovers.
    let mut rising = 0;
    let mut e_s;
    // Outer loop bounded by opts.max_iter; each pass is one scaling solve plus O(n²) work.
    for s in 1..=opts.max_iter {
        // Row and column sums of the rescaled data.
        for j in 0..n {
            g[j] = b_prev[j] * pc[j] / d_imr[j];
        }
        cols.iter_mut().for_each(|c| *c = 0.0);
        for i in 0..n {
            let f = a_prev[i] * pc[i] / d_omr[i];
            let row = &cost[i * n..(i + 1) * n];
            let mut acc = 0.0;
            for j in 0..n {
                let x = f * g[j] * row[j];
                acc += x;
                cols[j] += x;
            }
            rows[i] = acc;
        }
        let m = mr::solve(&rows, &cols, cost, r, Some(&b_prev), opts.mr).map_err(|e| match e {
            GeError::NotConverged {
                what,
                iterations,
                history,
            } => GeError::NotConverged {
                what: format!("full endowment (GEPPML iteration {s}): {what}"),
                iterations,
                history,
            },
            other => other,
        })?;
        // Fitted row sums equal the data's row sums (exporter first-order conditions).
        y_s.copy_from_slice(&rows);
        e_s = closure.expenditure(&y_s, y0, e0);
        // Output or expenditure leaving the positive range means the iteration is running
        // away (or, with fixed deficits, that a deficit exceeds a country's output).
        if e_s.iter().chain(&y_s).any(|v| !v.is_finite() || *v <= 0.0) {
            history.push(f64::INFINITY);
            return Err(GeError::NotConverged {
                what: format!(
                    "full endowment GE (GEPPML): at iteration {s} an output or expenditure ({} \
                     closure) left the positive range, so the iteration is diverging; exact hat \
                     algebra (--method hat) solves the same model robustly. GEPPML",
                    closure.name()
                ),
                iterations: s,
                history: tail(&history),
            });
        }
        let e_r = e_s[r];
        let mut new_pc = vec![0.0; n];
        for i in 0..n {
            new_pc[i] = ((m.exp_pi[i] / a_prev[i]) / (e_r / e_r_prev)).powf(inv);
        }
        for i in 0..n {
            let omr = y_s[i] * e_r / m.exp_pi[i];
            let imr = e_s[i] / (m.exp_chi[i] * e_r);
            d_omr[i] = omr / omr_prev[i];
            d_imr[i] = imr / imr_prev[i];
            omr_prev[i] = omr;
            imr_prev[i] = imr;
        }
        let res = new_pc.iter().map(|p| (p - 1.0).abs()).fold(0.0, f64::max);
        if !res.is_finite() {
            return Err(GeError::NotConverged {
                what: "full endowment GE (GEPPML)".into(),
                iterations: s,
                history: tail(&history),
            });
        }
        if history.last().is_some_and(|&p| res > p) {
            rising += 1;
        } else {
            rising = 0;
        }
        history.push(res);
        if rising >= DIVERGING {
            return Err(GeError::NotConverged {
                what: format!(
                    "full endowment GE: the Guide's GEPPML iteration is diverging (the price change \
                     grew {DIVERGING} iterations in a row; it is not a contraction on these data). \
                     Exact hat algebra solves the same model with a well-defined equilibrium: use \
                     --method hat. GEPPML"
                ),
                iterations: s,
                history: tail(&history),
            });
        }
        // Guide's rule looks at p̂^(s-1) − p̂^(s-2), one step behind the newest estimate.
        let guide_done = {
            let dif: Vec<f64> = (0..n).map(|i| pc_lag1[i] - pc_lag2[i]).collect();
            let mean = dif.iter().sum::<f64>() / n as f64;
            // Stata summarises over the n² pair rows (each country repeated n times).
            let rows_n = (n * n) as f64;
            let ss = dif.iter().map(|d| (d - mean).powi(2)).sum::<f64>() * n as f64;
            let sd = (ss / (rows_n - 1.0)).sqrt();
            let max = dif.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            sd <= 0.01 && max.abs() <= 0.01
        };
        a_prev = m.exp_pi;
        b_prev = m.exp_chi;
        e_r_prev = e_r;
        pc_lag2 = std::mem::replace(&mut pc_lag1, new_pc.clone());
        pc = new_pc;
        let done = match opts.stop {
            StopRule::Tight => res <= opts.tol,
            StopRule::Guide => guide_done,
        };
        if done {
            return Ok(finish(
                y0, e0, cost, bln, &a_prev, &b_prev, &e_s, e_r, s, res, opts,
            ));
        }
    }
    Err(GeError::NotConverged {
        what: "full endowment GE (GEPPML)".into(),
        iterations: opts.max_iter,
        history: tail(&history),
    })
}

#[allow(clippy::too_many_arguments)]
fn finish(
    y0: &[f64],
    e0: &[f64],
    cost: &[f64],
    bln: &MrSolution,
    a: &[f64],
    b: &[f64],
    e_s: &[f64],
    e_r: f64,
    iterations: usize,
    residual: f64,
    opts: GeOptions,
) -> GeppmlOutcome {
    let n = y0.len();
    let inv = 1.0 / (1.0 - opts.sigma);
    let e_r0 = e0[opts.reference];
    let price: Vec<f64> = (0..n)
        .map(|i| ((a[i] / bln.exp_pi[i]) / (e_r / e_r0)).powf(inv))
        .collect();
    let y: Vec<f64> = (0..n).map(|i| price[i] * y0[i]).collect();
    let e = opts.closure.expenditure(&y, y0, e0);
    let omr_pow: Vec<f64> = (0..n).map(|i| y[i] * e_r / a[i]).collect();
    let imr_pow: Vec<f64> = (0..n).map(|j| e_s[j] / (b[j] * e_r)).collect();
    let mut flows = vec![0.0; n * n];
    let mut mc: f64 = 0.0;
    for i in 0..n {
        let mut acc = 0.0;
        for j in 0..n {
            let x = y[i] * e[j] * cost[i * n + j] / (omr_pow[i] * imr_pow[j]);
            flows[i * n + j] = x;
            acc += x;
        }
        mc = mc.max((acc / y[i] - 1.0).abs());
    }
    GeppmlOutcome {
        stage: Stage {
            flows,
            y,
            e,
            price,
            omr_pow,
            imr_pow,
        },
        iterations,
        residual,
        market_clearing: mc,
    }
}
