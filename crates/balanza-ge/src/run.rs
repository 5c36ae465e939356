//! The whole GE application: data → first stage → baseline → conditional → full.

use crate::data::{build, read_frame, PairData};
use crate::estimate::{cost_matrix, estimate, estimate_pair_fe, term_matrices, FirstStage};
use crate::hat::Tariffs;
use crate::model::{solve_with, Closure, GeOptions, GeSolution, Method, StopRule};
use crate::spec::{apply, edit_frame, suggest, GeSpec};
use crate::GeError;
use std::path::Path;

/// Settings that the command line may override.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// σ.
    pub sigma: Option<f64>,
    /// Reference importer code.
    pub reference: Option<String>,
    /// Full-endowment solver.
    pub method: Option<Method>,
    /// Closure.
    pub closure: Option<Closure>,
    /// Year to keep.
    pub year: Option<i64>,
    /// Tolerance of the full-endowment loop.
    pub tol: Option<f64>,
    /// Iteration cap of the full-endowment loop.
    pub max_iter: Option<usize>,
    /// GEPPML stopping rule.
    pub stop: Option<StopRule>,
}

/// Default σ when neither the scenario nor the command line gives one (docs/models.md §2.4:
/// σ = 5, trade elasticity 4; the Guide's applications use 7).
pub const DEFAULT_SIGMA: f64 = 5.0;

/// Everything a GE run produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The scenario as run.
    pub spec: GeSpec,
    /// First-stage coefficients.
    pub first_stage: FirstStage,
    /// The three stages and convergence records.
    pub solution: GeSolution,
    /// Pairs touched by each change.
    pub touched: Vec<usize>,
    /// Max relative gap between the estimator's fitted flows and the flows rebuilt from the
    /// scaling solver's resistances (None when coefficients were given).
    pub fe_check: Option<f64>,
    /// The data file.
    pub source: String,
}

/// Reads the data named by the scenario (or `data_path`) and runs everything.
pub fn run(spec: &GeSpec, data_path: Option<&Path>, ov: &Overrides) -> Result<Outcome, GeError> {
    let path = data_path
        .map(Path::to_path_buf)
        .or_else(|| spec.data.clone())
        .ok_or_else(|| {
            GeError::Input(
                "no data: give --data FILE or `data = \"...\"` in the scenario's [ge] section"
                    .into(),
            )
        })?;
    let mut frame = read_frame(&path)?;
    let mut map = spec.columns.to_map();
    if let Some(y) = ov.year {
        map.year = Some((
            spec.columns
                .year_column
                .clone()
                .unwrap_or_else(|| "year".into()),
            y,
        ));
    }
    if !spec.rename.is_empty() {
        let cols = [frame.column(&map.exporter)?, frame.column(&map.importer)?];
        for (from, to) in &spec.rename {
            frame.rename_codes(&cols, from, to);
        }
    }
    if !spec.data_edits.is_empty() {
        let year_col = spec
            .columns
            .year_column
            .clone()
            .unwrap_or_else(|| "year".into());
        edit_frame(&spec.data_edits, &mut frame, &map, &year_col)?;
    }
    let mut vars: Vec<String> = spec.costs.iter().map(|t| t.column.clone()).collect();
    vars.extend(spec.tariff.iter().cloned());
    if let Some(pf) = &spec.pair_fe {
        vars.extend(pf.fill.iter().map(|t| t.column.clone()));
    }
    vars.sort();
    vars.dedup();
    let data = build(&frame, &map, &vars)?;
    match &spec.pair_fe {
        None => run_cross(spec, data, ov),
        Some(pf) => {
            spec.check_countries(&data)?;
            let year_col = map
                .year
                .as_ref()
                .map(|(c, _)| c.clone())
                .unwrap_or_else(|| "year".into());
            let (fs, pe) = estimate_pair_fe(
                &frame,
                &map,
                &year_col,
                pf.pair_column.as_deref(),
                pf.years.as_deref(),
                &spec.costs,
                &pf.fill,
                &data,
            )?;
            finish(spec, data, fs, Some(pe.gamma), ov)
        }
    }
}

/// Runs everything on one cross-section already in memory (first stage with exporter and
/// importer effects, or the scenario's given coefficients). Data edits apply to the
/// in-memory regressors (their year limits are ignored: the data is one year).
pub fn run_on(spec: &GeSpec, mut data: PairData, ov: &Overrides) -> Result<Outcome, GeError> {
    spec.check_countries(&data)?;
    if !spec.data_edits.is_empty() {
        // σ is irrelevant here: data edits only touch regressor columns.
        data.vars = apply(&spec.data_edits, &data, 2.0).vars;
    }
    run_cross(spec, data, ov)
}

/// The cross-section path once the data is final.
fn run_cross(spec: &GeSpec, data: PairData, ov: &Overrides) -> Result<Outcome, GeError> {
    spec.check_countries(&data)?;
    let n = data.world.n();
    let first_stage = match &spec.coefficients {
        Some(b) => FirstStage {
            names: spec.costs.iter().map(|t| t.label.clone()).collect(),
            coefficients: b.clone(),
            std_errors: vec![f64::NAN; b.len()],
            std_error_kind: "none (coefficients given)".into(),
            nobs: n * n,
            iterations: 0,
            converged: true,
            source: "given in the scenario".into(),
            messages: Vec::new(),
            fitted: None,
        },
        None => estimate(&data, &spec.costs)?,
    };
    finish(spec, data, first_stage, None, ov)
}

/// Costs, then the three stages. `gamma` holds pair effects added to the log costs.
fn finish(
    spec: &GeSpec,
    data: PairData,
    first_stage: FirstStage,
    gamma: Option<Vec<f64>>,
    ov: &Overrides,
) -> Result<Outcome, GeError> {
    let n = data.world.n();
    let reference = match ov.reference.as_ref().or(spec.reference.as_ref()) {
        Some(code) => {
            let code = code.trim().to_ascii_uppercase();
            data.world.index(&code).ok_or_else(|| {
                GeError::Input(format!(
                    "reference importer {code} is not in the data ({} countries){}; choose one \
                     of the data's codes with --reference (or `reference` in [ge]){}",
                    n,
                    suggest(&code, &data.world.countries),
                    if spec.rename.is_empty() {
                        ""
                    } else {
                        " after the scenario's renames"
                    }
                ))
            })?
        }
        None => {
            let e = data.world.expenditure();
            (0..n).max_by(|&a, &b| e[a].total_cmp(&e[b])).unwrap_or(0)
        }
    };
    let sigma = ov.sigma.or(spec.sigma).unwrap_or(DEFAULT_SIGMA);
    if !(sigma > 1.0 && sigma.is_finite()) {
        return Err(GeError::Input(format!(
            "sigma must be above 1; got {sigma}"
        )));
    }
    let mats = term_matrices(&data, &spec.costs)?;
    let mut cost_bln = cost_matrix(&mats, &first_stage.coefficients);
    if let Some(g) = &gamma {
        for (c, g) in cost_bln.iter_mut().zip(g) {
            *c *= g.exp();
        }
    }
    let applied = apply(&spec.changes, &data, sigma);
    let cf_data = PairData {
        vars: applied.vars.clone(),
        ..data.clone()
    };
    let mats_cfl = term_matrices(&cf_data, &spec.costs)?;
    let mut cost_cfl = cost_matrix(&mats_cfl, &first_stage.coefficients);
    for (k, (c, f)) in cost_cfl.iter_mut().zip(&applied.factor).enumerate() {
        *c *= f * gamma.as_ref().map_or(1.0, |g| g[k].exp());
    }
    let mut opts = GeOptions {
        sigma,
        reference,
        ..GeOptions::default()
    };
    if let Some(m) = ov.method.or(spec.method) {
        opts.method = m;
    }
    if let Some(c) = ov.closure.or(spec.closure) {
        opts.closure = c;
    }
    if let Some(t) = ov.tol {
        opts.tol = t;
    }
    if let Some(m) = ov.max_iter {
        opts.max_iter = m;
    }
    if let Some(s) = ov.stop {
        opts.stop = s;
    }
    let tariff_mats = match &spec.tariff {
        None => None,
        Some(col) => {
            let before =
                data.vars.get(col).cloned().ok_or_else(|| {
                    GeError::Input(format!("tariff column `{col}` was not loaded"))
                })?;
            let after = applied
                .vars
                .get(col)
                .cloned()
                .unwrap_or_else(|| before.clone());
            if let Some(k) = before
                .iter()
                .chain(&after)
                .position(|t| !(t.is_finite() && *t > -1.0))
            {
                let k = k % (n * n);
                return Err(GeError::Input(format!(
                    "tariff `{col}` for {}→{} is not a rate above -1 (a fraction, 0.05 = 5%)",
                    data.world.countries[k / n],
                    data.world.countries[k % n]
                )));
            }
            Some((before, after))
        }
    };
    let tariffs = tariff_mats.as_ref().map(|(b, a)| Tariffs {
        before: b,
        after: a,
    });
    let mut solution = solve_with(&data.world, &cost_bln, &cost_cfl, opts, tariffs)?;
    solution.effect_of_baseline = spec.effect_of_baseline;
    if spec.reference.is_none() && ov.reference.is_none() {
        solution.notes.push(format!(
            "reference importer not given: using the largest importer, {} (its price index is the \
             numéraire; real GDP changes do not depend on the choice)",
            data.world.countries[reference]
        ));
    }
    let fe_check = first_stage.fitted.as_ref().and_then(|fit| {
        if opts.closure == Closure::Purge {
            return None;
        }
        let b = &solution.baseline.flows;
        fit.iter()
            .zip(b)
            .filter(|(f, _)| f.is_finite())
            .map(|(f, b)| (f / b - 1.0).abs())
            .reduce(f64::max)
    });
    Ok(Outcome {
        spec: spec.clone(),
        first_stage,
        solution,
        touched: applied.touched,
        fe_check,
        source: data.source.clone(),
    })
}
