//! The first stage: trade-cost coefficients from a PPML gravity fit (through
//! `balanza-gravity`), and the cost terms `T_ij = t_ij^(1-σ) = exp(Σ_k β_k · term_k(z_ij))`.

use super::data::PairData;
use super::GeError;
use balanza_gravity::{fit_poisson, FitOptions, FixedEffect, ModelInput, Regressor, Ssc, VcovKind};

/// How a raw column enters the cost function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// As is (`ln_dist`, dummies).
    Identity,
    /// Natural log (`log(dist)`).
    Log,
    /// `log(1 + x)`, for ad-valorem rates such as tariffs given as fractions.
    Log1p,
}

/// One cost regressor: a transform of a data column.
#[derive(Debug, Clone, PartialEq)]
pub struct CostTerm {
    /// The term as written (`log1p(tariff)`); also the coefficient's name.
    pub label: String,
    /// The data column it reads.
    pub column: String,
    /// The transform applied.
    pub transform: Transform,
}

impl CostTerm {
    /// Parses `name`, `log(name)` or `log1p(name)`.
    pub fn parse(s: &str) -> Result<CostTerm, String> {
        let t = s.trim();
        let (transform, inner) = if let Some(r) = t.strip_prefix("log1p(") {
            (Transform::Log1p, r.strip_suffix(')'))
        } else if let Some(r) = t.strip_prefix("log(").or_else(|| t.strip_prefix("ln(")) {
            (Transform::Log, r.strip_suffix(')'))
        } else {
            (Transform::Identity, Some(t))
        };
        let column = inner
            .map(str::trim)
            .filter(|c| !c.is_empty() && c.chars().all(|ch| ch.is_alphanumeric() || ch == '_'))
            .ok_or_else(|| {
                format!("cost term `{s}`: expected a column name, log(name) or log1p(name)")
            })?;
        Ok(CostTerm {
            label: t.to_string(),
            column: column.to_string(),
            transform,
        })
    }

    /// The term's value for a raw column value (NaN when the transform is undefined).
    pub fn eval(&self, v: f64) -> f64 {
        match self.transform {
            Transform::Identity => v,
            Transform::Log if v > 0.0 => v.ln(),
            Transform::Log1p if v > -1.0 => v.ln_1p(),
            _ => f64::NAN,
        }
    }
}

/// Estimated (or given) cost coefficients.
#[derive(Debug, Clone)]
pub struct FirstStage {
    /// Term labels.
    pub names: Vec<String>,
    /// Coefficients β.
    pub coefficients: Vec<f64>,
    /// Heteroskedasticity-robust standard errors (NaN when the coefficients were given).
    pub std_errors: Vec<f64>,
    /// Observations used.
    pub nobs: usize,
    /// IRLS iterations (0 when given).
    pub iterations: usize,
    /// Whether the fit converged (true when given).
    pub converged: bool,
    /// Where the numbers come from.
    pub source: String,
    /// Messages from the estimator (dropped observations, separation).
    pub messages: Vec<String>,
    /// The estimator's fitted flows per pair (row-major), when estimated: used to check that
    /// the resistances recovered by the scaling solver reproduce the Poisson fit.
    pub fitted: Option<Vec<f64>>,
}

/// Term values as `n × n` matrices, in term order.
pub fn term_matrices(data: &PairData, terms: &[CostTerm]) -> Result<Vec<Vec<f64>>, GeError> {
    let n = data.world.n();
    terms
        .iter()
        .map(|t| {
            let raw = data
                .vars
                .get(&t.column)
                .ok_or_else(|| GeError::Input(format!("column `{}` was not loaded", t.column)))?;
            let out: Vec<f64> = raw.iter().map(|v| t.eval(*v)).collect();
            if let Some(k) = out.iter().position(|v| !v.is_finite()) {
                return Err(GeError::Input(format!(
                    "{}:{}: cost term `{}` is undefined for {}→{} (value {})",
                    data.source,
                    data.origin[k],
                    t.label,
                    data.world.countries[k / n],
                    data.world.countries[k % n],
                    raw[k]
                )));
            }
            Ok(out)
        })
        .collect()
}

/// Estimates `X_ij = exp(π_i + χ_j + Σ β_k term_k)` by PPML with exporter and importer fixed
/// effects (the Guide's first stage), on every pair including domestic ones.
pub fn estimate(data: &PairData, terms: &[CostTerm]) -> Result<FirstStage, GeError> {
    let n = data.world.n();
    let mats = term_matrices(data, terms)?;
    let exp_id: Vec<u32> = (0..n * n).map(|k| (k / n) as u32).collect();
    let imp_id: Vec<u32> = (0..n * n).map(|k| (k % n) as u32).collect();
    let input = ModelInput {
        y: &data.world.flows,
        regressors: terms
            .iter()
            .zip(&mats)
            .map(|(t, m)| Regressor {
                name: t.label.clone(),
                values: m,
            })
            .collect(),
        fixed_effects: vec![
            FixedEffect {
                name: "exporter".into(),
                ids: &exp_id,
            },
            FixedEffect {
                name: "importer".into(),
                ids: &imp_id,
            },
        ],
        offset: None,
    };
    let fit = fit_poisson(&input, &FitOptions::default())
        .map_err(|e| GeError::Input(format!("first-stage PPML on {}: {e}", data.source)))?;
    if !fit.collinear.is_empty() {
        return Err(GeError::Input(format!(
            "first-stage PPML: cost term(s) {} are collinear with the exporter and importer \
             fixed effects and cannot be estimated; drop them or give their coefficients",
            fit.collinear.join(", ")
        )));
    }
    if !fit.converged {
        return Err(GeError::Input(format!(
            "first-stage PPML did not converge after {} iterations: {}",
            fit.iterations,
            fit.messages.join("; ")
        )));
    }
    let se = fit
        .vcov(&VcovKind::Hetero, &[], Ssc::Ppmlhdfe)
        .map(|v| v.std_errors)
        .unwrap_or_else(|_| vec![f64::NAN; fit.names.len()]);
    Ok(FirstStage {
        names: fit.names.clone(),
        coefficients: fit.coefficients.clone(),
        std_errors: se,
        nobs: fit.nobs,
        iterations: fit.iterations,
        converged: fit.converged,
        source: "PPML, exporter + importer fixed effects (balanza-gravity)".into(),
        messages: fit.messages.clone(),
        fitted: Some(fit.fitted.clone()),
    })
}

/// `T_ij = exp(Σ_k β_k term_k(z_ij))` from term matrices.
pub fn cost_matrix(mats: &[Vec<f64>], beta: &[f64]) -> Vec<f64> {
    let nn = mats.first().map_or(0, Vec::len);
    (0..nn)
        .map(|k| {
            mats.iter()
                .zip(beta)
                .map(|(m, b)| b * m[k])
                .sum::<f64>()
                .exp()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_terms() {
        let t = CostTerm::parse("log1p(tariff)").unwrap();
        assert_eq!(
            (t.column.as_str(), t.transform),
            ("tariff", Transform::Log1p)
        );
        assert!((t.eval(0.1) - 1.1f64.ln()).abs() < 1e-15);
        assert_eq!(
            CostTerm::parse("ln_dist").unwrap().transform,
            Transform::Identity
        );
        assert!(CostTerm::parse("log(").is_err());
    }
}
