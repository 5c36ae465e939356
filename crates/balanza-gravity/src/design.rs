//! From a formula, a filter and named columns to an estimated model.

use crate::error::GravityError;
use crate::expr;
use crate::fit::{fit_ols, fit_poisson, Fit, FitOptions, FixedEffect, ModelInput, Regressor};
use crate::formula::{FactorTerm, Filter, Formula, Term};
use crate::frame::{Column, Frame};
use rayon::prelude::*;
use std::collections::HashMap;

/// Which estimator to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Estimator {
    /// Poisson pseudo-maximum likelihood.
    Ppml,
    /// Ordinary least squares.
    Ols,
    /// Negative binomial (NB2) maximum likelihood, as fixest's `fenegbin`.
    Negbin,
}

balanza_data::impl_words!(Estimator, "estimator", [
    Estimator::Ppml => "ppml",
    Estimator::Ols => "ols",
    Estimator::Negbin => "negbin",
]);

/// A count-data estimator (PPML or negative binomial).
type CountFit = fn(&ModelInput, &FitOptions) -> Result<Fit, GravityError>;

/// Result of [`estimate`]: the fit and how the sample was formed.
#[derive(Debug, Clone)]
pub struct Estimation {
    /// The fitted model; its `kept`/`fitted` are aligned with `rows`.
    pub fit: Fit,
    /// Frame rows that passed the filter (the model's input observations).
    pub rows: Vec<usize>,
    /// Rows removed by the filter.
    pub filtered_out: usize,
    /// Rows whose dependent variable is not finite although its columns are (e.g. the log of
    /// a non-positive value in OLS `log(y) ~ ...`). Included in `fit.dropped.missing`.
    pub invalid_dependent: usize,
}

/// Dense ids for the rows `rows` of the interaction of columns `cols` (one column = its codes).
/// Rows with a missing (NaN) value get `u32::MAX`.
pub fn group_ids(frame: &Frame, cols: &[String], rows: &[usize]) -> Result<Vec<u32>, GravityError> {
    let mut key: Vec<u64> = vec![0; rows.len()];
    let mut missing = vec![false; rows.len()];
    let mut card: u64 = 1;
    for c in cols {
        let (codes, n) = column_codes(frame.get(c)?, rows, &mut missing);
        let n = n.max(1) as u64;
        if card.checked_mul(n).is_none() {
            return Err(GravityError::Input(format!(
                "fixed-effect interaction `{}` has too many levels",
                cols.join("^")
            )));
        }
        for (k, c) in key.iter_mut().zip(&codes) {
            *k = *k * n + *c as u64;
        }
        card *= n;
    }
    // Dense ids in order of first appearance; a lookup table when the key space is small.
    let mut out = Vec::with_capacity(rows.len());
    if card <= 4 * rows.len() as u64 + 1024 {
        let mut map = vec![u32::MAX; card as usize];
        let mut next = 0u32;
        for (k, &m) in key.iter().zip(&missing) {
            if m {
                out.push(u32::MAX);
                continue;
            }
            let slot = &mut map[*k as usize];
            if *slot == u32::MAX {
                *slot = next;
                next += 1;
            }
            out.push(*slot);
        }
    } else {
        let mut map: HashMap<u64, u32> = HashMap::new();
        for (k, &m) in key.iter().zip(&missing) {
            if m {
                out.push(u32::MAX);
                continue;
            }
            let l = map.len() as u32;
            out.push(*map.entry(*k).or_insert(l));
        }
    }
    Ok(out)
}

/// Codes of one column over `rows` (numbers by their exact value) and the number of codes.
fn column_codes(col: &Column, rows: &[usize], missing: &mut [bool]) -> (Vec<u32>, usize) {
    match col {
        Column::Text { codes, levels } => (rows.iter().map(|&r| codes[r]).collect(), levels.len()),
        Column::Num(v) => {
            // Small non-negative integers (the usual id columns) index a table directly.
            let small = rows.iter().all(|&r| {
                let x = v[r];
                x.is_nan() || (x >= 0.0 && x.fract() == 0.0 && x <= (4 * rows.len() + 1024) as f64)
            });
            if small {
                let max = rows
                    .iter()
                    .map(|&r| v[r])
                    .filter(|x| !x.is_nan())
                    .fold(0.0, f64::max) as usize;
                let codes = rows
                    .iter()
                    .enumerate()
                    .map(|(k, &r)| {
                        if v[r].is_nan() {
                            missing[k] = true;
                            0
                        } else {
                            v[r] as u32
                        }
                    })
                    .collect();
                return (codes, max + 1);
            }
            let mut map: HashMap<u64, u32> = HashMap::new();
            let codes = rows
                .iter()
                .enumerate()
                .map(|(k, &r)| {
                    let x = v[r];
                    if x.is_nan() {
                        missing[k] = true;
                        return 0;
                    }
                    // +0 and -0 are the same level.
                    let bits = if x == 0.0 { 0 } else { x.to_bits() };
                    let l = map.len() as u32;
                    *map.entry(bits).or_insert(l)
                })
                .collect();
            (codes, map.len())
        }
    }
}

/// Most values (levels x observations) an `i()` term may expand to (800 MB of columns):
/// beyond this, a fixed effect is the right tool.
const FACTOR_MAX_CELLS: usize = 100_000_000;

/// The regressors of a fixest `i()` term on `rows`: one per level of the factor (ascending,
/// `ref` levels left out), `1(f == level)` or `x * 1(f == level)`, named `f::level` or
/// `f::level:x`. Rows with a missing factor (NaN, empty text) or a missing `x` get NaN
/// everywhere, whatever their level (dropped as missing, as fixest does).
fn factor_columns(
    f: &FactorTerm,
    frame: &Frame,
    rows: &[usize],
) -> Result<Vec<(String, Vec<f64>)>, GravityError> {
    let by: Option<Vec<f64>> =
        f.by.as_ref()
            .map(|(e, _)| expr::num(e, frame))
            .transpose()?;
    let col = frame.get(&f.column)?;
    // Level of every row (None = missing) and the sorted labels of the levels present.
    let (level_of, labels): (Vec<Option<usize>>, Vec<String>) = match col {
        Column::Num(v) => {
            let mut levels: Vec<f64> = rows.iter().map(|&r| v[r]).filter(|x| !x.is_nan()).collect();
            levels.sort_by(f64::total_cmp);
            levels.dedup();
            let level_of = rows
                .iter()
                .map(|&r| {
                    let x = v[r];
                    (!x.is_nan()).then(|| levels.partition_point(|l| *l < x))
                })
                .collect();
            let labels = levels.iter().map(|&x| number_label(x)).collect();
            (level_of, labels)
        }
        Column::Text { codes, levels } => {
            let mut present: Vec<u32> = rows
                .iter()
                .map(|&r| codes[r])
                .filter(|&c| !levels[c as usize].trim().is_empty())
                .collect();
            present.sort_unstable();
            present.dedup();
            present.sort_by(|a, b| levels[*a as usize].cmp(&levels[*b as usize]));
            let mut rank = vec![usize::MAX; levels.len()];
            for (k, &c) in present.iter().enumerate() {
                rank[c as usize] = k;
            }
            let level_of = rows
                .iter()
                .map(|&r| {
                    let c = codes[r] as usize;
                    (!levels[c].trim().is_empty()).then(|| rank[c])
                })
                .collect();
            let labels = present
                .iter()
                .map(|&c| levels[c as usize].clone())
                .collect();
            (level_of, labels)
        }
    };
    let mut skip = vec![false; labels.len()];
    for r in &f.refs {
        let want = match (r, col) {
            (crate::expr::Expr::Num(x), Column::Num(_)) => number_label(*x),
            (crate::expr::Expr::Str(t), Column::Text { .. }) => t.clone(),
            (crate::expr::Expr::Num(x), Column::Text { .. }) => number_label(*x),
            _ => {
                return Err(GravityError::Input(format!(
                    "i({}): a reference level of a numeric column must be a number",
                    f.column
                )))
            }
        };
        match labels.iter().position(|l| *l == want) {
            Some(k) => skip[k] = true,
            None => {
                return Err(GravityError::Input(format!(
                    "i({}): the reference level {want} does not occur in the sample (levels: {})",
                    f.column,
                    labels.join(", ")
                )))
            }
        }
    }
    let kept: Vec<usize> = (0..labels.len()).filter(|&k| !skip[k]).collect();
    if kept.len().saturating_mul(rows.len()) > FACTOR_MAX_CELLS {
        return Err(GravityError::Input(format!(
            "i({}) would make {} regressors over {} rows; use `{}` as a fixed effect (after `|`) instead",
            f.column,
            kept.len(),
            rows.len(),
            f.column
        )));
    }
    let mut slot = vec![usize::MAX; labels.len()];
    for (j, &k) in kept.iter().enumerate() {
        slot[k] = j;
    }
    let mut cols = vec![vec![0.0; rows.len()]; kept.len()];
    for (i, (lv, &r)) in level_of.iter().zip(rows).enumerate() {
        let by_missing = by.as_ref().is_some_and(|b| !b[r].is_finite());
        match lv {
            _ if by_missing => cols.iter_mut().for_each(|c| c[i] = f64::NAN),
            None => cols.iter_mut().for_each(|c| c[i] = f64::NAN),
            Some(k) if slot[*k] != usize::MAX => {
                cols[slot[*k]][i] = by.as_ref().map_or(1.0, |b| b[r]);
            }
            Some(_) => {}
        }
    }
    Ok(kept
        .iter()
        .zip(cols)
        .map(|(&k, c)| {
            let name = match &f.by {
                Some((_, text)) => format!("{}::{}:{text}", f.column, labels[k]),
                None => format!("{}::{}", f.column, labels[k]),
            };
            (name, c)
        })
        .collect())
}

/// A numeric level as fixest prints it: integers without a decimal point.
fn number_label(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Rows of `frame` that satisfy `filter` (all rows when `None`).
pub fn filter_rows(frame: &Frame, filter: Option<&Filter>) -> Result<Vec<usize>, GravityError> {
    match filter {
        None => Ok((0..frame.nrows()).collect()),
        Some(f) => {
            let mask = expr::eval_mask(&f.expr, frame)?;
            Ok((0..frame.nrows()).filter(|&i| mask[i]).collect())
        }
    }
}

/// Evaluates the formula on the filtered rows and fits the model.
pub fn estimate(
    frame: &Frame,
    formula: &Formula,
    filter: Option<&Filter>,
    estimator: Estimator,
    opts: &FitOptions,
) -> Result<Estimation, GravityError> {
    for c in formula.columns() {
        frame.get(&c)?;
    }
    let t0 = std::time::Instant::now();
    let rows = filter_rows(frame, filter)?;
    if rows.is_empty() {
        return Err(GravityError::EmptySample(match filter {
            Some(f) => format!("no row satisfies --where \"{}\"", f.text),
            None => "the data have no rows".into(),
        }));
    }
    let filtered_out = frame.nrows() - rows.len();
    let pick = |v: Vec<f64>| -> Vec<f64> { rows.iter().map(|&r| v[r]).collect() };
    let y = pick(expr::num(&formula.lhs, frame)?);
    // Rows where the raw columns of the outcome are finite but the outcome is not.
    let mut lhs_cols = Vec::new();
    formula.lhs.columns(&mut lhs_cols);
    let mut invalid_dependent = 0;
    if estimator == Estimator::Ols || formula.lhs_is_log() {
        let raw: Vec<Vec<f64>> = lhs_cols
            .iter()
            .filter_map(|c| match frame.get(c) {
                Ok(Column::Num(v)) => Some(rows.iter().map(|&r| v[r]).collect()),
                _ => None,
            })
            .collect();
        for (i, yi) in y.iter().enumerate() {
            if !yi.is_finite() && raw.iter().all(|c| c[i].is_finite()) {
                invalid_dependent += 1;
            }
        }
    }
    // Regressors and fixed-effect ids are independent columns: built on both cores.
    let (xs, fes) = rayon::join(
        || -> Result<Vec<(String, Vec<f64>)>, GravityError> {
            let parts: Vec<Vec<(String, Vec<f64>)>> = formula
                .terms
                .par_iter()
                .zip(&formula.term_names)
                .map(|(t, name)| match t {
                    Term::Expr(e) => Ok(vec![(name.clone(), pick(expr::num(e, frame)?))]),
                    Term::Factor(f) => factor_columns(f, frame, &rows),
                })
                .collect::<Result<_, _>>()?;
            let all: Vec<(String, Vec<f64>)> = parts.into_iter().flatten().collect();
            for (k, (name, _)) in all.iter().enumerate() {
                if all[..k].iter().any(|(n, _)| n == name) {
                    return Err(GravityError::Input(format!(
                        "regressor `{name}` appears twice (once from an i() term)"
                    )));
                }
            }
            Ok(all)
        },
        || -> Result<Vec<Vec<u32>>, GravityError> {
            formula
                .fixed_effects
                .par_iter()
                .map(|d| group_ids(frame, d, &rows))
                .collect()
        },
    );
    let (named, fes) = (xs?, fes?);
    let (x_names, xs): (Vec<String>, Vec<Vec<f64>>) = named.into_iter().unzip();
    // A missing fixed-effect value drops the row (counted as missing).
    let complete: Vec<bool> = (0..rows.len())
        .map(|i| fes.iter().all(|f| f[i] != u32::MAX))
        .collect();
    let missing_fe = complete.iter().filter(|&&c| !c).count();
    let (rows, y, xs, fes) = if missing_fe > 0 {
        let sub = |v: &Vec<f64>| -> Vec<f64> {
            v.iter()
                .zip(&complete)
                .filter(|(_, &c)| c)
                .map(|(x, _)| *x)
                .collect()
        };
        let rows: Vec<usize> = rows
            .iter()
            .zip(&complete)
            .filter(|(_, &c)| c)
            .map(|(r, _)| *r)
            .collect();
        let fes: Vec<Vec<u32>> = fes
            .iter()
            .map(|f| {
                f.iter()
                    .zip(&complete)
                    .filter(|(_, &c)| c)
                    .map(|(x, _)| *x)
                    .collect()
            })
            .collect();
        (rows, sub(&y), xs.iter().map(sub).collect::<Vec<_>>(), fes)
    } else {
        (rows, y, xs, fes)
    };
    if crate::fit::trace() {
        eprintln!("design built in {:.3} s", t0.elapsed().as_secs_f64());
    }
    let fe_names = formula.fe_names();
    let input = ModelInput {
        y: &y,
        regressors: x_names
            .iter()
            .zip(&xs)
            .map(|(n, v)| Regressor {
                name: n.clone(),
                values: v,
            })
            .collect(),
        fixed_effects: fe_names
            .iter()
            .zip(&fes)
            .map(|(n, ids)| FixedEffect {
                name: n.clone(),
                ids,
            })
            .collect(),
        offset: None,
    };
    let mut opts = opts.clone();
    opts.intercept = formula.intercept;
    let count_model = match estimator {
        Estimator::Ppml => Some(fit_poisson as CountFit),
        Estimator::Negbin => Some(crate::negbin::fit_negbin as CountFit),
        Estimator::Ols => None,
    };
    let fit = match count_model {
        Some(fit_count) => fit_count(&input, &opts).map_err(|e| match e {
            GravityError::BadDependent {
                count,
                first_row,
                value,
            } => GravityError::BadDependent {
                count,
                first_row: rows[first_row - 1] + 1,
                value,
            },
            e => e,
        })?,
        None => fit_ols(&input, &opts)?,
    };
    let mut fit = fit;
    fit.dropped.missing += missing_fe;
    Ok(Estimation {
        filtered_out,
        rows,
        invalid_dependent,
        fit,
    })
}

/// Text label of every level of `ids` (as returned by [`group_ids`] for the same `rows`):
/// the column values joined by `^`. Index = level id.
pub fn group_labels(frame: &Frame, cols: &[String], rows: &[usize], ids: &[u32]) -> Vec<String> {
    let n_levels = ids
        .iter()
        .filter(|&&g| g != u32::MAX)
        .map(|&g| g as usize + 1)
        .max()
        .unwrap_or(0);
    let mut labels = vec![String::new(); n_levels];
    let mut done = vec![false; n_levels];
    for (k, &g) in ids.iter().enumerate() {
        if g == u32::MAX || done[g as usize] {
            continue;
        }
        done[g as usize] = true;
        let r = rows[k];
        labels[g as usize] = cols
            .iter()
            .map(|c| match frame.get(c) {
                Ok(Column::Num(v)) => format_num(v[r]),
                Ok(Column::Text { codes, levels }) => levels[codes[r] as usize].clone(),
                Err(_) => String::new(),
            })
            .collect::<Vec<_>>()
            .join("^");
    }
    labels
}

fn format_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}
