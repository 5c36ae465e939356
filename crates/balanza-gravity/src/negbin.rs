//! Negative binomial (NB2) maximum likelihood with high-dimensional fixed effects, as R
//! fixest's `fenegbin`: log link, variance `mu + mu^2 / theta`, theta estimated jointly.
//!
//! The estimate alternates two exact steps until the log-likelihood settles: a Fisher-scoring
//! (IRLS) step for the coefficients and fixed effects at the current theta (weights
//! `mu theta / (theta + mu)`, fixed effects partialled out by the same demeaning as PPML), and
//! the maximisation of the likelihood in theta given the means (Newton on ln theta). The
//! sample is built as for PPML (singletons, all-zero fixed-effect groups and separated
//! observations dropped) and the Poisson estimate is the starting point.
//!
//! The variance uses the observed information of the coefficients with the fixed effects
//! concentrated out: weights `mu theta (theta + y) / (theta + mu)^2` and scores
//! `x~ (y - mu) theta / (theta + mu)`.

use crate::demean::Demeaner;
use crate::error::GravityError;
use crate::fit::{
    build_sample, fit_poisson, ln_gamma, recover_fit, trace, Family, Fit, FitOptions, ModelInput,
};
use crate::linalg;
use rayon::prelude::*;

/// Digamma ψ(x) for x > 0: recurrence up to x >= 10, then the asymptotic series.
pub(crate) fn digamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let r = 1.0 / (x * x);
    acc + x.ln()
        - 0.5 / x
        - r * (1.0 / 12.0 - r * (1.0 / 120.0 - r * (1.0 / 252.0 - r * (1.0 / 240.0 - r / 132.0))))
}

/// Trigamma ψ'(x) for x > 0: recurrence up to x >= 10, then the asymptotic series.
pub(crate) fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let r = 1.0 / (x * x);
    acc + 1.0 / x
        + r / 2.0
        + r / x
            * (1.0 / 6.0 - r * (1.0 / 30.0 - r * (1.0 / 42.0 - r * (1.0 / 30.0 - r * 5.0 / 66.0))))
}

/// NB2 log-likelihood of `y` with means `mu` and dispersion `theta`.
fn loglik(y: &[f64], mu: &[f64], theta: f64) -> f64 {
    let lg_theta = ln_gamma(theta);
    y.par_iter()
        .zip(mu)
        .map(|(&y, &m)| {
            let tm = theta + m;
            let ly = if y > 0.0 { y * (m / tm).ln() } else { 0.0 };
            ln_gamma(y + theta) - lg_theta - ln_gamma(y + 1.0) + theta * (theta / tm).ln() + ly
        })
        .sum()
}

/// Beyond this theta the model is Poisson for all practical purposes, and the differences
/// ln Γ(y + θ) - ln Γ(θ) and ψ(y + θ) - ψ(θ) lose their digits to cancellation.
const THETA_MAX: f64 = 1e8;

/// The theta maximising the likelihood given the means (Newton on ln theta from `start`).
/// `None` when the likelihood keeps increasing with theta past [`THETA_MAX`] (no
/// overdispersion: the Poisson limit).
fn theta_ml(y: &[f64], mu: &[f64], start: f64) -> Option<f64> {
    let mut lt = start.max(1e-8).ln();
    for _ in 0..100 {
        let t = lt.exp();
        let (g, h) = y
            .par_iter()
            .zip(mu)
            .map(|(&y, &m)| {
                let tm = t + m;
                let g = digamma(y + t) - digamma(t) + (t / tm).ln() + 1.0 - (t + y) / tm;
                let h = trigamma(y + t) - trigamma(t) + 1.0 / t - 1.0 / tm - (m - y) / (tm * tm);
                (g, h)
            })
            .reduce(|| (0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
        // Derivatives in u = ln theta: dl/du = t g, d2l/du2 = t^2 h + t g.
        let (gu, hu) = (t * g, t * t * h + t * g);
        let step = if hu < 0.0 { -gu / hu } else { gu.signum() };
        let step = step.clamp(-2.0, 2.0);
        lt += step;
        if lt > THETA_MAX.ln() {
            return None;
        }
        if step.abs() < 1e-12 {
            break;
        }
    }
    Some(lt.exp())
}

/// Negative binomial (NB2) estimation with fixed effects; see the module documentation.
pub fn fit_negbin(input: &ModelInput, opts: &FitOptions) -> Result<Fit, GravityError> {
    let pois = fit_poisson(input, opts)?;
    let s = build_sample(input, opts, true)?;
    let n = s.y.len();
    let off = |i: usize| s.offset.as_ref().map_or(0.0, |o| o[i]);
    // The active regressors are those the Poisson fit kept.
    let active: Vec<usize> = (0..s.x.len())
        .filter(|&j| pois.names.contains(&s.names[j]))
        .collect();
    let mut mu: Vec<f64> = s.rows.iter().map(|&r| pois.fitted[r]).collect();
    let mut eta: Vec<f64> = mu
        .iter()
        .enumerate()
        .map(|(i, m)| m.ln() - off(i))
        .collect();
    let mut theta = theta_ml(&s.y, &mu, 1.0).ok_or_else(|| {
        GravityError::Degenerate(
            "no overdispersion: the negative binomial dispersion tends to infinity (use PPML)"
                .into(),
        )
    })?;
    let mut ll = loglik(&s.y, &mu, theta);
    let k = active.len();
    let mut alpha_z: Vec<f64> = Vec::new();
    let mut alpha_x: Vec<Vec<f64>> = vec![Vec::new(); k];
    let mut zt: Vec<f64> = Vec::new();
    let mut xt: Vec<Vec<f64>> = vec![Vec::new(); k];
    let mut beta = pois.coefficients.clone();
    let mut converged = false;
    let mut iterations = 0;
    let mut messages = s.notes.clone();
    // The Poisson start's note on dropped collinear regressors applies here too.
    messages.extend(
        pois.messages
            .iter()
            .filter(|m| m.contains("collinear"))
            .cloned(),
    );
    while iterations < opts.max_iter {
        iterations += 1;
        // Newton step in the coefficients (observed information; positive for NB2 with a
        // log link): weights mu theta (theta + y) / (theta + mu)^2, working variable
        // eta + score / weight.
        let w: Vec<f64> = (0..n)
            .map(|i| {
                let (m, y) = (mu[i], s.y[i]);
                m * theta * (theta + y) / ((theta + m) * (theta + m))
            })
            .collect();
        let z: Vec<f64> = (0..n)
            .map(|i| {
                let (m, y) = (mu[i], s.y[i]);
                eta[i] + (y - m) * (theta + m) / (m * (theta + y))
            })
            .collect();
        let dm = Demeaner::new(&s.fe, &w);
        let mut vars: Vec<&[f64]> = vec![&z];
        vars.extend(active.iter().map(|&j| s.x[j].as_slice()));
        let mut alphas = vec![std::mem::take(&mut alpha_z)];
        alphas.extend(alpha_x.iter_mut().map(std::mem::take));
        let mut outs = vec![std::mem::take(&mut zt)];
        outs.extend(xt.iter_mut().map(std::mem::take));
        dm.demean_many(
            &vars,
            &mut alphas,
            &mut outs,
            opts.fe_tol,
            opts.fe_max_sweeps,
        );
        alpha_z = std::mem::take(&mut alphas[0]);
        zt = std::mem::take(&mut outs[0]);
        for p in 0..k {
            alpha_x[p] = std::mem::take(&mut alphas[p + 1]);
            xt[p] = std::mem::take(&mut outs[p + 1]);
        }
        let cols: Vec<&[f64]> = xt.iter().map(|c| c.as_slice()).collect();
        let (a, b) = linalg::cross(&cols, Some(&w), Some(&zt));
        let new_beta = linalg::solve_spd(&a, k, &b).ok_or_else(|| {
            GravityError::Degenerate("the regressors' cross-product matrix is singular".into())
        })?;
        let mut eta_new: Vec<f64> = (0..n)
            .map(|i| {
                let mut e = zt[i];
                for (bj, c) in new_beta.iter().zip(&cols) {
                    e -= bj * c[i];
                }
                z[i] - e
            })
            .collect();
        let mut new_beta = new_beta;
        // Newton may overshoot far from the optimum: halve the step while the likelihood
        // falls (or the means leave the positive reals).
        let mut halvings = 0;
        let mut poisson_limit = false;
        let (mu_new, theta_new, ll_new) = loop {
            let mu_new: Vec<f64> = (0..n).map(|i| (eta_new[i] + off(i)).exp()).collect();
            let ok = mu_new.iter().all(|m| m.is_finite() && *m > 0.0);
            if ok {
                match theta_ml(&s.y, &mu_new, theta) {
                    Some(t) => {
                        let l = loglik(&s.y, &mu_new, t);
                        if l >= ll - 1e-12 * ll.abs() {
                            break (mu_new, t, l);
                        }
                    }
                    None => poisson_limit = true,
                }
            }
            halvings += 1;
            if halvings > 30 {
                return Err(GravityError::Degenerate(if poisson_limit {
                    "no overdispersion: the negative binomial dispersion tends to infinity (use PPML)"
                        .to_string()
                } else {
                    format!(
                        "negative binomial iteration {iterations}: no step along the Newton direction improves the likelihood"
                    )
                }));
            }
            for (e, o) in eta_new.iter_mut().zip(&eta) {
                *e = o + 0.5 * (*e - o);
            }
            for (b, o) in new_beta.iter_mut().zip(&beta) {
                *b = o + 0.5 * (*b - o);
            }
        };
        if halvings > 0 {
            messages.push(format!(
                "negative binomial iteration {iterations}: step halved {halvings} time(s)"
            ));
        }
        let crit = (ll_new - ll).abs() / (0.1 + ll_new.abs());
        if trace() {
            eprintln!(
                "negbin {iterations}: loglik {ll_new:.12e}, theta {theta_new:.8}, crit {crit:.2e}"
            );
        }
        beta = new_beta;
        eta = eta_new;
        mu = mu_new;
        theta = theta_new;
        ll = ll_new;
        // Converged only on a full step: the fixed effects recovered at the end belong to it.
        if crit < opts.tol && halvings == 0 {
            converged = true;
            break;
        }
    }
    if !converged {
        messages.push(format!(
            "the negative binomial fit did not converge in {iterations} iterations; results are not reliable"
        ));
    }
    // Fixed effects and means consistent with the reported coefficients.
    let alphas: Vec<&[f64]> = alpha_x.iter().map(|a| a.as_slice()).collect();
    let (fixed_effects, _, mu_fin) = recover_fit(&s, &active, &beta, &alpha_z, &alphas);
    let loglik_fin = loglik(&s.y, &mu_fin, theta);
    // Null model: a constant mean (times the offset) with its own theta.
    let sum_y: f64 = s.y.iter().sum();
    let null_mu: Vec<f64> = match &s.offset {
        None => vec![sum_y / n as f64; n],
        Some(o) => {
            let c = sum_y / o.iter().map(|v| v.exp()).sum::<f64>();
            o.iter().map(|v| c * v.exp()).collect()
        }
    };
    let null_loglik = match theta_ml(&s.y, &null_mu, theta) {
        Some(t) => loglik(&s.y, &null_mu, t),
        None => f64::NAN,
    };
    // Variance pieces at the estimate: observed-information weights and score residuals.
    let w: Vec<f64> =
        s.y.iter()
            .zip(&mu_fin)
            .map(|(&y, &m)| m * theta * (theta + y) / ((theta + m) * (theta + m)))
            .collect();
    let resid: Vec<f64> =
        s.y.iter()
            .zip(&mu_fin)
            .map(|(&y, &m)| (y - m) * theta / (theta + m))
            .collect();
    let dm = Demeaner::new(&s.fe, &w);
    let vars: Vec<&[f64]> = active.iter().map(|&j| s.x[j].as_slice()).collect();
    let mut outs = vec![Vec::new(); k];
    dm.demean_many(
        &vars,
        &mut alpha_x,
        &mut outs,
        opts.fe_tol,
        opts.fe_max_sweeps,
    );
    let mut kept = vec![false; input.y.len()];
    let mut fitted = vec![f64::NAN; input.y.len()];
    for (p, &r) in s.rows.iter().enumerate() {
        kept[r] = true;
        fitted[r] = mu_fin[p];
    }
    messages.push(format!("negative binomial dispersion theta = {theta:.6}"));
    Ok(Fit {
        family: Family::Negbin,
        names: active.iter().map(|&j| s.names[j].clone()).collect(),
        coefficients: beta,
        collinear: pois.collinear.clone(),
        nobs: n,
        kept,
        fitted,
        fixed_effects,
        iterations,
        converged,
        deviance: f64::NAN,
        loglik: loglik_fin,
        null_loglik,
        null_deviance: f64::NAN,
        theta: Some(theta),
        dropped: s.dropped,
        messages,
        rows: s.rows,
        fe: s.fe,
        xt: outs,
        w,
        resid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digamma_and_trigamma_match_known_values() {
        // psi(1) = -Euler-Mascheroni; psi'(1) = pi^2 / 6; psi(0.5) = -gamma - 2 ln 2.
        let euler = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + euler).abs() < 1e-13);
        assert!((digamma(0.5) + euler + 2.0 * 2f64.ln()).abs() < 1e-13);
        assert!((trigamma(1.0) - std::f64::consts::PI.powi(2) / 6.0).abs() < 1e-13);
        // Recurrence psi(x + 1) = psi(x) + 1/x at a large argument.
        assert!((digamma(1e6 + 1.0) - digamma(1e6) - 1e-6).abs() < 1e-14);
    }
}
