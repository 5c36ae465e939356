//! A general-equilibrium structural gravity counterfactual (GEPPML / exact hat algebra) from
//! a `[ge]` scenario file and pair-level data: first stage, changes, convergence, and the
//! per-country and bilateral results.

use crate::error::AppResult;
use crate::Context;
use balanza_ge::model::StopRule;
use balanza_ge::run::{Outcome, Overrides};
use balanza_ge::spec::GeSpec;
use balanza_ge::{Closure, Method};
use balanza_report::{Cell, Table};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::PathBuf;

/// A GE counterfactual: the scenario and what the command line may put in its place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Request {
    /// The GE scenario (TOML with a [ge] section).
    pub scenario: PathBuf,
    /// Pair-level data overriding the scenario's `data`.
    pub data: Option<PathBuf>,
    /// Keep only this year.
    pub year: Option<i64>,
    /// Elasticity of substitution σ (> 1).
    pub sigma: Option<f64>,
    /// Reference importer (ISO3).
    pub reference: Option<String>,
    /// Full-endowment solver.
    pub method: Option<Method>,
    /// Trade-balance closure.
    pub closure: Option<Closure>,
    /// Tolerance of the full-GE loop.
    pub tol: f64,
    /// Iteration cap of the full-GE loop.
    pub max_iter: usize,
    /// GEPPML stopping rule.
    pub stop: StopRule,
}

impl Default for Request {
    fn default() -> Self {
        Self {
            scenario: PathBuf::new(),
            data: None,
            year: None,
            sigma: None,
            reference: None,
            method: None,
            closure: None,
            tol: 1e-10,
            max_iter: 10_000,
            stop: StopRule::Tight,
        }
    }
}

/// A solved counterfactual.
pub struct Output {
    /// Everything the solver produced.
    pub outcome: Outcome,
}

impl Output {
    /// First stage, changes, convergence and the per-country table (every column).
    pub fn tables(&self) -> Vec<Table> {
        vec![
            first_stage_table(&self.outcome),
            changes_table(&self.outcome),
            convergence_table(&self.outcome),
            countries_table(&self.outcome, true),
        ]
    }

    /// The per-country table: every column, or the main ones for reading.
    pub fn countries(&self, all: bool) -> Table {
        countries_table(&self.outcome, all)
    }

    /// The convergence records.
    pub fn convergence(&self) -> Table {
        convergence_table(&self.outcome)
    }

    /// Bilateral flows in the three stages.
    pub fn bilateral(&self) -> Table {
        bilateral_table(&self.outcome)
    }

    /// The readable text: a header, then first stage, changes, convergence and countries.
    pub fn text(&self, all: bool) -> String {
        render_text(&self.outcome, all)
    }

    /// One JSON document: the run's settings and every table.
    pub fn to_json(&self) -> Value {
        to_json(&self.outcome)
    }
}

/// Solves a GE counterfactual.
pub fn run(_ctx: &Context, req: &Request) -> AppResult<Output> {
    Ok(solve(req)?)
}

fn solve(req: &Request) -> anyhow::Result<Output> {
    let spec = GeSpec::load(&req.scenario)?;
    let ov = Overrides {
        sigma: req.sigma,
        reference: req.reference.clone(),
        method: req.method,
        closure: req.closure,
        year: req.year,
        tol: Some(req.tol),
        max_iter: Some(req.max_iter),
        stop: Some(req.stop),
    };
    let outcome = balanza_ge::run::run(&spec, req.data.as_deref(), &ov)?;
    Ok(Output { outcome })
}

fn f(v: f64) -> Cell {
    Cell::Float(v)
}

/// The per-country table: all columns, or the main ones for reading.
fn countries_table(out: &Outcome, all: bool) -> Table {
    let rows = out.solution.rows();
    let levels = |name: &str| {
        vec![
            format!("{name}_baseline"),
            format!("{name}_conditional"),
            format!("{name}_full"),
        ]
    };
    let pcts = |name: &str| {
        vec![
            format!("{name}_pct_conditional"),
            format!("{name}_pct_full"),
        ]
    };
    let mut cols: Vec<String> = vec!["country".into()];
    if all {
        for name in ["exports", "imports"] {
            cols.extend(levels(name));
            cols.extend(pcts(name));
        }
        cols.extend(levels("balance"));
        cols.extend([
            "output_baseline".into(),
            "output_full".into(),
            "output_pct_full".into(),
        ]);
        cols.extend(["price_full".into(), "price_pct_full".into()]);
        for name in ["imr", "omr", "real_gdp"] {
            cols.extend(levels(name));
            cols.extend(pcts(name));
        }
    } else {
        cols.extend(
            [
                "exports_baseline",
                "exports_pct_conditional",
                "exports_pct_full",
                "imports_pct_full",
                "balance_baseline",
                "balance_full",
                "price_pct_full",
                "imr_pct_full",
                "omr_pct_full",
                "real_gdp_pct_full",
            ]
            .map(String::from),
        );
    }
    let mut t = Table::new(cols).with_title(format!(
        "{} — per country (baseline, conditional GE and full GE; levels in the data's value unit, *_pct_* in % {}; IMR = consumer price index P, reference {} = 1)",
        out.spec.name,
        if out.solution.effect_of_baseline {
            "change = (baseline - counterfactual)/counterfactual: the effect of the baseline policy"
        } else {
            "change = (counterfactual - baseline)/baseline"
        },
        out.solution.countries[out.solution.reference]
    ));
    for r in &rows {
        let pct = |v: &[f64; 3], k: usize| out.solution.pct(v, k);
        let mut row: Vec<Cell> = vec![r.country.clone().into()];
        if all {
            for v in [&r.exports, &r.imports] {
                row.extend([f(v[0]), f(v[1]), f(v[2]), f(pct(v, 1)), f(pct(v, 2))]);
            }
            row.extend([f(r.balance[0]), f(r.balance[1]), f(r.balance[2])]);
            row.extend([f(r.output[0]), f(r.output[2]), f(pct(&r.output, 2))]);
            row.extend([f(r.price[2]), f(pct(&r.price, 2))]);
            for v in [&r.imr, &r.omr, &r.real_gdp] {
                row.extend([f(v[0]), f(v[1]), f(v[2]), f(pct(v, 1)), f(pct(v, 2))]);
            }
        } else {
            row.extend([
                f(r.exports[0]),
                f(pct(&r.exports, 1)),
                f(pct(&r.exports, 2)),
                f(pct(&r.imports, 2)),
                f(r.balance[0]),
                f(r.balance[2]),
                f(pct(&r.price, 2)),
                f(pct(&r.imr, 2)),
                f(pct(&r.omr, 2)),
                f(pct(&r.real_gdp, 2)),
            ]);
        }
        t.push(row);
    }
    for n in &out.solution.notes {
        t.note(n.clone());
    }
    t
}

fn first_stage_table(out: &Outcome) -> Table {
    let fs = &out.first_stage;
    let mut t = Table::new(["term", "coefficient", "std_error"]).with_title(format!(
        "First stage: {} ({} observations{})",
        fs.source,
        fs.nobs,
        if fs.iterations > 0 {
            format!(", {} IRLS iterations", fs.iterations)
        } else {
            String::new()
        }
    ));
    for ((n, b), se) in fs.names.iter().zip(&fs.coefficients).zip(&fs.std_errors) {
        t.push(vec![
            n.clone().into(),
            f(*b),
            if se.is_finite() { f(*se) } else { Cell::Null },
        ]);
    }
    t.note(format!("std_error: {}", fs.std_error_kind));
    for m in &fs.messages {
        t.note(m.clone());
    }
    t
}

fn convergence_table(out: &Outcome) -> Table {
    let mut t = Table::new(["stage", "solver", "iterations", "residual", "criterion"])
        .with_title("Convergence");
    for d in &out.solution.diagnostics {
        t.push(vec![
            d.stage.clone().into(),
            d.solver.clone().into(),
            d.iterations.into(),
            if d.residual.is_finite() {
                f(d.residual)
            } else {
                Cell::Null
            },
            d.criterion.clone().into(),
        ]);
    }
    if let Some(c) = out.fe_check {
        t.note(format!(
            "baseline flows from the scaling solver vs the PPML fit: max relative gap {c:.1e}"
        ));
    }
    t
}

fn changes_table(out: &Outcome) -> Table {
    let mut t = Table::new(["change", "pairs"]).with_title("Changes");
    for (c, n) in out.spec.changes.iter().zip(&out.touched) {
        t.push(vec![c.name.clone().into(), (*n).into()]);
    }
    t
}

fn render_text(out: &Outcome, all: bool) -> String {
    let o = &out.solution.options;
    let mut s = format!(
        "{}\ndata: {} ({} countries)\nsigma = {}, reference importer {}, method {}, closure {}\n\n",
        out.spec.name,
        out.source,
        out.solution.countries.len(),
        out.solution.sigma,
        out.solution.countries[out.solution.reference],
        o.method.name(),
        o.closure.name()
    );
    for t in [
        first_stage_table(out),
        changes_table(out),
        convergence_table(out),
        countries_table(out, all),
    ] {
        s.push_str(&t.to_text());
        s.push('\n');
    }
    s
}

/// Bilateral flows in the three stages.
fn bilateral_table(out: &Outcome) -> Table {
    let s = &out.solution;
    let n = s.countries.len();
    let mut t = Table::new([
        "exporter",
        "importer",
        "flow_baseline",
        "flow_conditional",
        "flow_full",
        "pct_conditional",
        "pct_full",
    ]);
    for i in 0..n {
        for j in 0..n {
            let k = i * n + j;
            let (b, c, fl) = (s.baseline.flows[k], s.conditional.flows[k], s.full.flows[k]);
            t.push(vec![
                s.countries[i].clone().into(),
                s.countries[j].clone().into(),
                f(b),
                f(c),
                f(fl),
                f((c / b - 1.0) * 100.0),
                f((fl / b - 1.0) * 100.0),
            ]);
        }
    }
    t
}

fn to_json(out: &Outcome) -> Value {
    let o = &out.solution.options;
    json!({
        "scenario": out.spec.name,
        "data": out.source,
        "sigma": out.solution.sigma,
        "reference": out.solution.countries[out.solution.reference],
        "method": o.method.name(),
        "closure": o.closure.name(),
        "first_stage": first_stage_table(out).to_json(),
        "changes": changes_table(out).to_json(),
        "convergence": convergence_table(out).to_json(),
        "notes": out.solution.notes,
        "countries": with_short_keys(countries_table(out, true).to_json()),
    })
}

/// Adds the keys earlier versions wrote (`_bln`, `_cdl`) beside `_baseline` and
/// `_conditional`, so scripts that read the JSON keep working.
fn with_short_keys(mut rows: Value) -> Value {
    if let Value::Array(rows) = &mut rows {
        for row in rows {
            let Value::Object(obj) = row else { continue };
            let extra: Vec<(String, Value)> = obj
                .iter()
                .filter_map(|(k, v)| {
                    let short = k
                        .replace("_baseline", "_bln")
                        .replace("_conditional", "_cdl");
                    (short != *k).then(|| (short, v.clone()))
                })
                .collect();
            obj.extend(extra);
        }
    }
    rows
}
