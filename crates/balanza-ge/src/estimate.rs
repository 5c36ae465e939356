//! The first stage: trade-cost coefficients from a PPML gravity fit (through
//! `balanza-gravity`), and the cost terms `T_ij = t_ij^(1-σ) = exp(Σ_k β_k · term_k(z_ij))`.

use crate::data::PairData;
use crate::GeError;
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
    /// Standard errors (NaN when the coefficients were given); see `std_error_kind`.
    pub std_errors: Vec<f64>,
    /// How the standard errors were computed.
    pub std_error_kind: String,
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
        std_error_kind: "heteroskedasticity-robust, Stata ppml small-sample rule (n/(n-1))".into(),
        nobs: fit.nobs,
        iterations: fit.iterations,
        converged: fit.converged,
        source: "PPML, exporter + importer fixed effects (balanza-gravity)".into(),
        messages: fit.messages.clone(),
        fitted: Some(fit.fitted.clone()),
    })
}

/// The Anderson–Yotov (2016) two-stage construction of bilateral costs with pair fixed effects
/// (the Guide's ch. 2 application 2): a panel PPML with exporter-year, importer-year and pair
/// effects (domestic pairs pooled into one pair, the reference: its effect is 0) gives the
/// time-varying cost coefficients and `γ_ij`; pairs that never trade have no `γ_ij`, which a
/// second PPML of `exp(γ_ij)` on exporter and importer effects and time-invariant gravity
/// terms (`fill`) predicts, on the base year's international pairs.
#[derive(Debug, Clone)]
pub struct PairEffects {
    /// `γ_ij`, row-major over the base-year world (0 for domestic pairs).
    pub gamma: Vec<f64>,
    /// Pairs whose γ came from the fill regression.
    pub filled: usize,
    /// Fill-regression coefficients (term label, value).
    pub fill_coefficients: Vec<(String, f64)>,
}

/// Estimates the panel first stage with pair fixed effects; see [`PairEffects`].
///
/// `frame` is the whole file; `years` the estimation sample (None = every year); `base` the
/// base-year world (whose countries and regressors the costs are built on).
#[allow(clippy::too_many_arguments)]
pub fn estimate_pair_fe(
    frame: &crate::data::Frame,
    map: &crate::data::ColumnMap,
    year_col: &str,
    pair_col: Option<&str>,
    years: Option<&[i64]>,
    terms: &[CostTerm],
    fill: &[CostTerm],
    base: &PairData,
) -> Result<(FirstStage, PairEffects), GeError> {
    use std::collections::HashMap;
    let src = &frame.source;
    let (ce, ci, cf, cy) = (
        frame.column(&map.exporter)?,
        frame.column(&map.importer)?,
        frame.column(&map.flow)?,
        frame.column(year_col)?,
    );
    let cterms: Vec<usize> = terms
        .iter()
        .map(|t| frame.column(&t.column))
        .collect::<Result<_, _>>()?;
    let cpair = pair_col.map(|c| frame.column(c)).transpose()?;
    // Pair id of each (exporter, importer): domestic pairs pooled as id 0.
    let mut pair_of: HashMap<(u32, u32), u32> = HashMap::new();
    let mut pair_ids: HashMap<String, u32> = HashMap::new();
    let mut codes: HashMap<String, u32> = HashMap::new();
    for (k, c) in base.world.countries.iter().enumerate() {
        codes.insert(c.clone(), k as u32);
    }
    let mut year_ids: Vec<i64> = Vec::new();
    let (mut y, mut exp_t, mut imp_t, mut pair) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // Clusters for the standard errors: pairs as the data define them, domestic ones apart.
    let mut cluster: Vec<u32> = Vec::new();
    let mut cluster_ids: HashMap<String, u32> = HashMap::new();
    let mut xs: Vec<Vec<f64>> = vec![Vec::new(); terms.len()];
    let mut rows = Vec::new();
    for r in 0..frame.rows.len() {
        let yr = frame.number(r, cy)? as i64;
        if years.is_some_and(|ys| !ys.contains(&yr)) {
            continue;
        }
        rows.push((r, yr));
        if !year_ids.contains(&yr) {
            year_ids.push(yr);
        }
        for c in [ce, ci] {
            let code = frame.rows[r][c].trim().to_string();
            let next = codes.len() as u32;
            codes.entry(code).or_insert(next);
        }
    }
    if rows.is_empty() {
        return Err(GeError::Input(format!(
            "{src}: no rows in the estimation years"
        )));
    }
    year_ids.sort_unstable();
    let nc = codes.len() as u32;
    let ny = year_ids.len() as u32;
    for &(r, yr) in &rows {
        let i = codes[frame.rows[r][ce].trim()];
        let j = codes[frame.rows[r][ci].trim()];
        let t = year_ids.binary_search(&yr).unwrap_or(0) as u32;
        let v = frame.number(r, cf)?;
        if !(v.is_finite() && v >= 0.0) {
            return Err(GeError::Input(format!(
                "{src}:{}: flow {v} is not a finite non-negative number",
                frame.lines[r]
            )));
        }
        y.push(v);
        exp_t.push(i * ny + t);
        imp_t.push(j * ny + t);
        // Domestic pairs share pair id 0: the reference pair, whose effect is 0.
        let p = if i == j {
            0
        } else {
            match cpair {
                None => 1 + i * nc + j,
                Some(c) => {
                    let next = pair_ids.len() as u32 + 1;
                    *pair_ids
                        .entry(frame.rows[r][c].trim().to_string())
                        .or_insert(next)
                }
            }
        };
        if let Some(&old) = pair_of.get(&(i, j)) {
            if old != p {
                return Err(GeError::Input(format!(
                    "{src}:{}: pair {}→{} has a different pair id than in an earlier row",
                    frame.lines[r],
                    frame.rows[r][ce].trim(),
                    frame.rows[r][ci].trim()
                )));
            }
        }
        pair_of.insert((i, j), p);
        pair.push(p);
        let key = match cpair {
            Some(c) => frame.rows[r][c].trim().to_string(),
            None => format!("{i}-{j}"),
        };
        let next = cluster_ids.len() as u32;
        cluster.push(*cluster_ids.entry(key).or_insert(next));
        for ((x, t), &c) in xs.iter_mut().zip(terms).zip(&cterms) {
            let raw = frame.number(r, c)?;
            let val = t.eval(raw);
            if !val.is_finite() {
                return Err(GeError::Input(format!(
                    "{src}:{}: cost term `{}` is undefined for value {raw}",
                    frame.lines[r], t.label
                )));
            }
            x.push(val);
        }
    }
    let input = ModelInput {
        y: &y,
        regressors: terms
            .iter()
            .zip(&xs)
            .map(|(t, x)| Regressor {
                name: t.label.clone(),
                values: x,
            })
            .collect(),
        fixed_effects: vec![
            FixedEffect {
                name: "exporter_year".into(),
                ids: &exp_t,
            },
            FixedEffect {
                name: "importer_year".into(),
                ids: &imp_t,
            },
            FixedEffect {
                name: "pair".into(),
                ids: &pair,
            },
        ],
        offset: None,
    };
    let fit = fit_poisson(&input, &FitOptions::default())
        .map_err(|e| GeError::Input(format!("first-stage PPML (pair effects) on {src}: {e}")))?;
    if !fit.converged || !fit.collinear.is_empty() {
        return Err(GeError::Input(format!(
            "first-stage PPML (pair effects) on {src}: {}{}",
            if fit.converged {
                ""
            } else {
                "did not converge; "
            },
            if fit.collinear.is_empty() {
                String::new()
            } else {
                format!(
                    "{} collinear with the fixed effects",
                    fit.collinear.join(", ")
                )
            }
        )));
    }
    let se = fit
        .vcov(
            &VcovKind::Cluster(vec!["pair".into()]),
            &[&cluster],
            Ssc::Fixest,
        )
        .map(|v| v.std_errors)
        .unwrap_or_else(|_| vec![f64::NAN; fit.names.len()]);
    let pfe = &fit.fixed_effects[2];
    let p0 = pfe.get(0).ok_or_else(|| {
        GeError::Input(format!("{src}: no domestic flows in the estimation sample"))
    })?;
    let n = base.world.n();
    let mut gamma = vec![f64::NAN; n * n];
    for i in 0..n {
        for j in 0..n {
            gamma[i * n + j] = if i == j {
                0.0
            } else {
                pair_of
                    .get(&(i as u32, j as u32))
                    .and_then(|&p| pfe.get(p))
                    .map_or(f64::NAN, |g| g - p0)
            };
        }
    }
    // Second stage: fill the pairs without an effect (never trading in the sample).
    let missing: Vec<usize> = (0..n * n).filter(|k| gamma[*k].is_nan()).collect();
    let mut fill_coefficients = Vec::new();
    if !missing.is_empty() {
        if fill.is_empty() {
            return Err(GeError::Input(format!(
                "{} pairs have no pair effect (no trade in any estimation year), e.g. {}→{}: give [ge.pair_fe] fill = [\"log(dist)\", \"cntg\", ...] to predict them",
                missing.len(),
                base.world.countries[missing[0] / n],
                base.world.countries[missing[0] % n]
            )));
        }
        let mats = term_matrices(base, fill)?;
        let known: Vec<usize> = (0..n * n)
            .filter(|&k| k / n != k % n && gamma[k].is_finite())
            .collect();
        let y2: Vec<f64> = known.iter().map(|&k| gamma[k].exp()).collect();
        let e2: Vec<u32> = known.iter().map(|&k| (k / n) as u32).collect();
        let i2: Vec<u32> = known.iter().map(|&k| (k % n) as u32).collect();
        let x2: Vec<Vec<f64>> = mats
            .iter()
            .map(|m| known.iter().map(|&k| m[k]).collect())
            .collect();
        let fit2 = fit_poisson(
            &ModelInput {
                y: &y2,
                regressors: fill
                    .iter()
                    .zip(&x2)
                    .map(|(t, x)| Regressor {
                        name: t.label.clone(),
                        values: x,
                    })
                    .collect(),
                fixed_effects: vec![
                    FixedEffect {
                        name: "exporter".into(),
                        ids: &e2,
                    },
                    FixedEffect {
                        name: "importer".into(),
                        ids: &i2,
                    },
                ],
                offset: None,
            },
            &FitOptions::default(),
        )
        .map_err(|e| GeError::Input(format!("pair-effect fill regression: {e}")))?;
        for &k in &missing {
            let (i, j) = (k / n, k % n);
            let fe = fit2.fixed_effects[0]
                .get(i as u32)
                .zip(fit2.fixed_effects[1].get(j as u32))
                .ok_or_else(|| {
                    GeError::Input(format!(
                        "cannot predict the pair effect of {}→{}: one of them has no other \
                         pair with an estimated effect",
                        base.world.countries[i], base.world.countries[j]
                    ))
                })?;
            let xb: f64 = fit2
                .names
                .iter()
                .zip(&fit2.coefficients)
                .map(|(name, b)| {
                    let t = fill.iter().position(|t| &t.label == name).unwrap_or(0);
                    b * mats[t][k]
                })
                .sum();
            // The fill regression predicts exp(γ): its log is γ.
            gamma[k] = fe.0 + fe.1 + xb;
        }
        fill_coefficients = fit2
            .names
            .iter()
            .cloned()
            .zip(fit2.coefficients.iter().cloned())
            .collect();
    }
    let filled = missing.len();
    let mut messages = fit.messages.clone();
    messages.push(format!(
        "pair effects: {} pairs estimated, {filled} predicted by the fill regression{}",
        n * (n - 1) - filled,
        if fill_coefficients.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                fill_coefficients
                    .iter()
                    .map(|(k, v)| format!("{k} {v:.4}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    ));
    Ok((
        FirstStage {
            names: fit.names.clone(),
            coefficients: fit.coefficients.clone(),
            std_errors: se,
            std_error_kind: "clustered by pair (fixest small-sample rule)".into(),
            nobs: fit.nobs,
            iterations: fit.iterations,
            converged: fit.converged,
            source: format!(
                "PPML, exporter-year + importer-year + pair fixed effects, {} years (balanza-gravity)",
                ny
            ),
            messages,
            fitted: None,
        },
        PairEffects {
            gamma,
            filled,
            fill_coefficients,
        },
    ))
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
