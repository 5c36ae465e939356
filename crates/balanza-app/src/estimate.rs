//! Structural gravity by PPML, OLS or negative binomial with high-dimensional fixed effects:
//! reads only the columns the model uses (CSV, gzip'd CSV or Parquet), fits, and lays out the
//! coefficient table, the JSON document and the estimated fixed effects.

use crate::error::{AppError, AppResult};
use crate::Context;
use balanza_gravity::{
    estimate, group_ids, group_labels, Estimation, Estimator, Filter, FitOptions, Formula, Frame,
    Ssc, Vcov, VcovKind,
};
use balanza_report::{Cell, Table};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Instant;

/// A gravity estimation: the data, the model and the numerical options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Request {
    /// Data file: CSV or gzip'd CSV with a header row, or Parquet.
    pub data: PathBuf,
    /// Model formula (fixest syntax).
    pub formula: String,
    /// Estimator.
    pub estimator: Estimator,
    /// Sample filter (`--where`).
    #[serde(rename = "where")]
    pub filter: Option<String>,
    /// Variance spec (`iid`, `hetero`, `cluster:VAR[+VAR2]`); none = fixest's default.
    pub vcov: Option<String>,
    /// Small-sample convention.
    pub ssc: Ssc,
    /// Convergence tolerance on the relative deviance change.
    pub tol: f64,
    /// Tolerance of the fixed-effect demeaning.
    pub fe_tol: f64,
    /// Maximum IRLS iterations.
    pub max_iter: usize,
    /// Keep singleton observations instead of dropping them.
    pub keep_singletons: bool,
    /// Skip the detection of separation by regressors (iterated ReLU).
    pub no_relu: bool,
}

impl Default for Request {
    fn default() -> Self {
        Self {
            data: PathBuf::new(),
            formula: String::new(),
            estimator: Estimator::Ppml,
            filter: None,
            vcov: None,
            ssc: Ssc::Fixest,
            tol: 1e-8,
            fe_tol: 1e-8,
            max_iter: 100,
            keep_singletons: false,
            no_relu: false,
        }
    }
}

/// Seconds from the start of [`run`] at which each stage ended (for `BALANZA_GRAVITY_TRACE`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timings {
    /// Rows read.
    pub rows: usize,
    /// The data read.
    pub read_s: f64,
    /// The fit done.
    pub estimate_s: f64,
    /// The variance done.
    pub vcov_s: f64,
}

/// A fitted model with its variance; a fit that did not converge is an output too (see
/// [`Output::not_converged`]).
pub struct Output {
    /// The columns read (kept for the fixed effects' labels).
    pub frame: Frame,
    /// The parsed formula.
    pub formula: Formula,
    /// The estimator used.
    pub estimator: Estimator,
    /// The fit and how the sample was formed.
    pub estimation: Estimation,
    /// The variance.
    pub vcov: Vcov,
    /// Where the time went.
    pub timings: Timings,
}

/// Fits the model of `req`.
pub fn run(_ctx: &Context, req: &Request) -> AppResult<Output> {
    let input = |e: balanza_gravity::GravityError| AppError::input(e);
    let formula = Formula::parse(&req.formula).map_err(input)?;
    let filter = match &req.filter {
        Some(f) => Some(Filter::parse(f).map_err(input)?),
        None => None,
    };
    let vcov_kind = VcovKind::parse(req.vcov.as_deref(), &formula).map_err(input)?;
    let mut needed = formula.columns();
    for c in filter.iter().flat_map(|f| f.columns()) {
        if !needed.contains(&c) {
            needed.push(c);
        }
    }
    if let VcovKind::Cluster(cs) = &vcov_kind {
        for c in cs {
            if !needed.contains(c) {
                needed.push(c.clone());
            }
        }
    }
    let t0 = Instant::now();
    let frame = balanza_data::read_columns(&req.data, &needed)
        .map_err(|e| AppError::from(anyhow::Error::from(e)))?;
    let read_s = t0.elapsed().as_secs_f64();
    let opts = FitOptions {
        tol: req.tol,
        max_iter: req.max_iter,
        fe_tol: req.fe_tol,
        drop_singletons: !req.keep_singletons,
        relu_separation: !req.no_relu,
        ..FitOptions::default()
    };
    let est = estimate(&frame, &formula, filter.as_ref(), req.estimator, &opts)
        .map_err(|e| AppError::input(format!("{}: {e}", req.data.display())))?;
    let cluster_ids: Vec<Vec<u32>> = match &vcov_kind {
        VcovKind::Cluster(cs) => cs
            .iter()
            .map(|c| group_ids(&frame, std::slice::from_ref(c), &est.rows))
            .collect::<Result<_, _>>()
            .map_err(input)?,
        _ => Vec::new(),
    };
    let cl: Vec<&[u32]> = cluster_ids.iter().map(|c| c.as_slice()).collect();
    let estimate_s = t0.elapsed().as_secs_f64();
    let vcov = est.fit.vcov(&vcov_kind, &cl, req.ssc).map_err(input)?;
    let timings = Timings {
        rows: frame.nrows(),
        read_s,
        estimate_s,
        vcov_s: t0.elapsed().as_secs_f64(),
    };
    Ok(Output {
        frame,
        formula,
        estimator: req.estimator,
        estimation: est,
        vcov,
        timings,
    })
}

impl Output {
    /// The coefficient table (the one table of an estimation).
    pub fn tables(&self) -> Vec<Table> {
        vec![self.coefficients()]
    }

    /// Estimates, standard errors, t and p, with the variance, fit and sample in the notes.
    pub fn coefficients(&self) -> Table {
        let (est, vcov, e, f) = (&self.estimation, &self.vcov, self.estimator, &self.formula);
        let fit = &est.fit;
        let tests = vcov.tests(&fit.coefficients);
        let title = format!(
            "{} estimation of {}{}",
            e.to_string().to_uppercase(),
            f.lhs_name,
            if f.fixed_effects.is_empty() {
                String::new()
            } else {
                format!(" | fixed effects: {}", f.fe_names().join(", "))
            }
        );
        let mut t = Table::new(["variable", "estimate", "std_error", "t", "p"]).with_title(title);
        for (j, n) in fit.names.iter().enumerate() {
            t.push(vec![
                Cell::from(n.as_str()),
                Cell::Float(fit.coefficients[j]),
                Cell::Float(vcov.std_errors[j]),
                Cell::Float(tests[j].0),
                Cell::Float(tests[j].1),
            ]);
        }
        t.note(format!("standard errors: {}", vcov.description));
        let fit_stat = match e {
            Estimator::Ppml => format!("pseudo-R2 (McFadden) {:.4}", fit.r2()),
            Estimator::Ols => format!("R2 {:.4}", fit.r2()),
            Estimator::Negbin => format!(
                "pseudo-R2 (McFadden) {:.4}, theta {:.4}",
                fit.r2(),
                fit.theta.unwrap_or(f64::NAN)
            ),
        };
        t.note(format!(
            "N = {}, {fit_stat}, {} iteration(s), {}",
            fit.nobs,
            fit.iterations,
            if fit.converged {
                "converged"
            } else {
                "NOT CONVERGED"
            }
        ));
        let d = &fit.dropped;
        t.note(format!(
            "dropped: {} filtered out by --where, {} missing/non-finite{}, {} singletons, {} separated by fixed effects, {} separated by regressors",
            est.filtered_out,
            d.missing,
            if est.invalid_dependent > 0 {
                format!(" (of which {} with an invalid dependent variable, e.g. log of <= 0)", est.invalid_dependent)
            } else {
                String::new()
            },
            d.singletons,
            d.separated_fe,
            d.separated_regressors
        ));
        if !fit.collinear.is_empty() {
            t.note(format!("collinear, dropped: {}", fit.collinear.join(", ")));
        }
        t
    }

    /// One JSON document: the model, the coefficients, the fit statistics and the drops.
    pub fn to_json(&self) -> Value {
        let (est, vcov, e, f) = (&self.estimation, &self.vcov, self.estimator, &self.formula);
        let fit = &est.fit;
        let tests = vcov.tests(&fit.coefficients);
        let coefs: Vec<Value> = fit
            .names
            .iter()
            .enumerate()
            .map(|(j, n)| {
                json!({
                    "name": n,
                    "estimate": fit.coefficients[j],
                    "std_error": vcov.std_errors[j],
                    "t": tests[j].0,
                    "p": tests[j].1,
                })
            })
            .collect();
        json!({
            "estimator": e.to_string(),
            "formula": f.text,
            "dependent": f.lhs_name,
            "fixed_effects": f.fe_names(),
            "nobs": fit.nobs,
            "coefficients": coefs,
            "collinear": fit.collinear,
            "vcov": vcov.description,
            "df": vcov.df,
            "iterations": fit.iterations,
            "converged": fit.converged,
            "deviance": fit.deviance,
            "loglik": fit.loglik,
            "pseudo_r2": if e != Estimator::Ols { Some(fit.r2()) } else { None },
            "theta": fit.theta,
            "r2": if e == Estimator::Ols { Some(fit.r2()) } else { None },
            "filtered_out": est.filtered_out,
            "dropped": {
                "missing": fit.dropped.missing,
                "invalid_dependent": est.invalid_dependent,
                "singletons": fit.dropped.singletons,
                "separated_fe": fit.dropped.separated_fe,
                "separated_regressors": fit.dropped.separated_regressors,
                "total": fit.dropped.total(),
            },
            "messages": fit.messages,
        })
    }

    /// The estimated fixed effects as CSV text: `fe,level,estimate,exp_estimate`, one row per
    /// level of every fixed effect, levels labelled by their values in the data.
    pub fn fixed_effects_csv(&self) -> AppResult<String> {
        let est = &self.estimation;
        let mut out = String::from("fe,level,estimate,exp_estimate\n");
        for (d, cols) in self.formula.fixed_effects.iter().enumerate() {
            let ids = group_ids(&self.frame, cols, &est.rows).map_err(AppError::input)?;
            let labels = group_labels(&self.frame, cols, &est.rows, &ids);
            let Some(fe) = est.fit.fixed_effects.get(d) else {
                continue;
            };
            for (id, v) in fe.ids.iter().zip(&fe.values) {
                let label = labels.get(*id as usize).cloned().unwrap_or_default();
                out.push_str(&format!(
                    "{},{},{v},{}\n",
                    balanza_report::csv_field(&fe.name),
                    balanza_report::csv_field(&label),
                    v.exp()
                ));
            }
        }
        Ok(out)
    }

    /// When IRLS did not converge, the message a front end reports after showing the
    /// estimates (which are then not reliable).
    pub fn not_converged(&self) -> Option<String> {
        let fit = &self.estimation.fit;
        (!fit.converged).then(|| {
            format!(
                "IRLS did not converge in {} iterations: the estimates printed are not reliable \
                 (raise --max-iter, loosen --tol, or look for separation)",
                fit.iterations
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_take_words_and_refuse_unknown_fields() {
        let r: Request = serde_json::from_value(json!({
            "data": "x.csv", "formula": "y ~ x | g", "estimator": "ols", "ssc": "ppmlhdfe",
            "where": "x > 1"
        }))
        .unwrap();
        assert_eq!(r.estimator, Estimator::Ols);
        assert_eq!(r.ssc, Ssc::Ppmlhdfe);
        assert_eq!(r.filter.as_deref(), Some("x > 1"));
        assert_eq!(r.max_iter, 100);
        assert!(serde_json::from_value::<Request>(json!({"formul": "y ~ x"})).is_err());
        assert!(serde_json::from_value::<Request>(json!({"estimator": "logit"})).is_err());
    }

    #[test]
    fn a_small_fit_and_its_errors() {
        let dir = std::env::temp_dir().join(format!("balanza-app-est-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("d.csv");
        std::fs::write(
            &p,
            "y,x,g\n1,0.5,a\n2,0.7,a\n3,0.1,b\n4,0.2,b\n1,0.3,c\n2,0.9,c\n5,0.4,a\n",
        )
        .unwrap();
        let req = Request {
            data: p.clone(),
            formula: "y ~ x | g".into(),
            ..Request::default()
        };
        let out = run(&Context::new(), &req).unwrap();
        assert!(out.not_converged().is_none());
        assert_eq!(out.to_json()["nobs"], 7);
        assert_eq!(out.tables().len(), 1);
        let fe = out.fixed_effects_csv().unwrap();
        assert!(
            fe.starts_with("fe,level,estimate,exp_estimate\ng,a,"),
            "{fe}"
        );
        let bad = Request {
            formula: "y ~ z | g".into(),
            ..req.clone()
        };
        let e = run(&Context::new(), &bad).err().unwrap();
        assert_eq!(e.fault(), crate::Fault::Input);
        assert!(e.to_string().contains("unknown column `z`"), "{e}");
        let missing = Request {
            data: dir.join("none.csv"),
            ..req
        };
        let e = run(&Context::new(), &missing).err().unwrap();
        assert_eq!(e.fault(), crate::Fault::Program);
    }
}
