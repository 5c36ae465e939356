//! The GE problem, its options, and the driver that runs the three stages.

use crate::mr::{self, MrOptions, MrSolution};
use crate::{geppml, hat, GeError};

/// A square trade world: every exporter–importer pair, domestic flows included.
#[derive(Debug, Clone)]
pub struct World {
    /// Country codes (ISO3), in matrix order.
    pub countries: Vec<String>,
    /// Observed flows `X_ij`, row-major `n × n`, exporter rows, importer columns.
    pub flows: Vec<f64>,
}

impl World {
    /// Number of countries.
    pub fn n(&self) -> usize {
        self.countries.len()
    }

    /// Index of a country code.
    pub fn index(&self, code: &str) -> Option<usize> {
        self.countries.iter().position(|c| c == code)
    }

    /// Checks what the model needs: a positive domestic flow for every country, finite
    /// non-negative flows, positive output and expenditure.
    pub fn validate(&self) -> Result<(), GeError> {
        let n = self.n();
        if n < 2 {
            return Err(GeError::Input(format!(
                "the GE model needs at least 2 countries; the data has {n}"
            )));
        }
        if self.flows.len() != n * n {
            return Err(GeError::Input(format!(
                "flow matrix has {} cells, expected {n}×{n}",
                self.flows.len()
            )));
        }
        let missing: Vec<&str> = (0..n)
            .filter(|&i| self.flows[i * n + i].is_nan() || self.flows[i * n + i] <= 0.0)
            .map(|i| self.countries[i].as_str())
            .collect();
        if !missing.is_empty() {
            return Err(GeError::Input(format!(
                "missing domestic (intra-national) flows for {} of {n} countries ({}): structural \
                 gravity needs each country's sales to itself (output minus exports) to pin down \
                 multilateral resistances and real GDP; add rows with exporter = importer",
                missing.len(),
                list(&missing)
            )));
        }
        for (k, x) in self.flows.iter().enumerate() {
            if !x.is_finite() || *x < 0.0 {
                return Err(GeError::Input(format!(
                    "flow {}→{} is {x}: flows must be finite and non-negative",
                    self.countries[k / n],
                    self.countries[k % n]
                )));
            }
        }
        Ok(())
    }

    /// Output `Y_i = Σ_j X_ij`.
    pub fn output(&self) -> Vec<f64> {
        let n = self.n();
        (0..n)
            .map(|i| self.flows[i * n..(i + 1) * n].iter().sum())
            .collect()
    }

    /// Expenditure `E_j = Σ_i X_ij`.
    pub fn expenditure(&self) -> Vec<f64> {
        let n = self.n();
        let mut e = vec![0.0; n];
        for i in 0..n {
            for j in 0..n {
                e[j] += self.flows[i * n + j];
            }
        }
        e
    }
}

fn list(v: &[&str]) -> String {
    if v.len() <= 12 {
        v.join(", ")
    } else {
        format!("{}, … ({} more)", v[..12].join(", "), v.len() - 12)
    }
}

/// How aggregate trade imbalances are carried into the counterfactual.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closure {
    /// The Guide's (and gegravity's): `E_j = φ_j · Y_j` with `φ_j = E_j/Y_j` fixed.
    FixedPhi,
    /// Dekle–Eaton–Kortum: each deficit `D_j = E_j − Y_j` fixed as a share of world output.
    FixedDeficit,
    /// Dekle–Eaton–Kortum "purge": first move to a balanced world (`D = 0`), then apply the
    /// policy from there; changes are measured against the balanced world (exact hat only).
    Purge,
}

balanza_data::impl_words!(Closure, "closure", [
    Closure::FixedPhi => "phi" | "fixed-phi" | "fixed_phi",
    Closure::FixedDeficit => "deficit" | "fixed-deficit" | "fixed_deficit",
    Closure::Purge => "purge" | "balanced",
]);

impl Closure {
    /// Name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Self::FixedPhi => "phi",
            Self::FixedDeficit => "deficit",
            Self::Purge => "purge",
        }
    }

    /// Counterfactual expenditure given counterfactual output, for the closures that map
    /// output to expenditure directly (`Purge` is handled by rebalancing the baseline first,
    /// after which it is `FixedDeficit` with zero deficits).
    pub(crate) fn expenditure(self, y_new: &[f64], y0: &[f64], e0: &[f64]) -> Vec<f64> {
        match self {
            Self::FixedPhi => y_new
                .iter()
                .zip(y0.iter().zip(e0))
                .map(|(yn, (y, e))| yn * e / y)
                .collect(),
            Self::FixedDeficit | Self::Purge => {
                let scale = y_new.iter().sum::<f64>() / y0.iter().sum::<f64>();
                y_new
                    .iter()
                    .zip(y0.iter().zip(e0))
                    .map(|(yn, (y, e))| yn + (e - y) * scale)
                    .collect()
            }
        }
    }
}

/// Which full-endowment solver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GEPPML where the Guide's iteration converges, exact hat algebra where it diverges
    /// (the switch is recorded in the diagnostics and notes).
    Auto,
    /// The Guide's GEPPML iteration (re-estimate, rescale flows, repeat); an error if it
    /// diverges.
    Geppml,
    /// Exact hat algebra on the baseline shares.
    Hat,
}

balanza_data::impl_words!(Method, "method", [
    Method::Auto => "auto",
    Method::Geppml => "geppml" | "guide",
    Method::Hat => "hat" | "exact-hat" | "dek",
]);

impl Method {
    /// Name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Geppml => "geppml",
            Self::Hat => "hat",
        }
    }
}

/// When the GEPPML loop stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StopRule {
    /// Stop when no factory-gate price moves by more than `tol` (relative) in one iteration,
    /// i.e. `max_i |p̂_i^(s) − 1| ≤ tol`, `p̂^(s)` being the price change of iteration s.
    Tight,
    /// The Guide's Stata rule, kept to reproduce its tables: stop when both the standard
    /// deviation and |max| of the lagged difference of per-iteration price changes are ≤ 0.01.
    Guide,
}

balanza_data::impl_words!(StopRule, "stopping rule", [
    StopRule::Tight => "tight",
    StopRule::Guide => "guide",
]);

/// Solver options.
#[derive(Debug, Clone, Copy)]
pub struct GeOptions {
    /// Elasticity of substitution σ (> 1); the trade elasticity is 1 − σ.
    pub sigma: f64,
    /// Index of the reference importer (its inward resistance is 1 in every scenario).
    pub reference: usize,
    /// Trade-balance closure.
    pub closure: Closure,
    /// Full-endowment solver.
    pub method: Method,
    /// Tolerance of the full-endowment loop (relative; see [`StopRule`] and [`hat`]).
    pub tol: f64,
    /// Iteration cap of the full-endowment loop.
    pub max_iter: usize,
    /// GEPPML stopping rule.
    pub stop: StopRule,
    /// The inner resistance solver.
    pub mr: MrOptions,
}

impl Default for GeOptions {
    fn default() -> Self {
        Self {
            sigma: 7.0,
            reference: 0,
            closure: Closure::FixedPhi,
            method: Method::Auto,
            tol: 1e-10,
            max_iter: 10_000,
            stop: StopRule::Tight,
            mr: MrOptions::default(),
        }
    }
}

/// One scenario's levels (baseline, conditional or full).
#[derive(Debug, Clone)]
pub struct Stage {
    /// Bilateral flows `n × n` (model-implied, as in the Guide).
    pub flows: Vec<f64>,
    /// Output (value of production) `Y_i`.
    pub y: Vec<f64>,
    /// Expenditure `E_j`.
    pub e: Vec<f64>,
    /// Factory-gate price index (baseline = 1).
    pub price: Vec<f64>,
    /// Outward resistance `Π_i^(1-σ)` in the Guide's units (`Y_i E_R / exp(π_i)`).
    pub omr_pow: Vec<f64>,
    /// Inward resistance `P_j^(1-σ)` in the Guide's units (`E_j / (exp(χ_j) E_R)`; 1 for the
    /// reference importer).
    pub imr_pow: Vec<f64>,
}

/// Convergence record of one solver run.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Stage (baseline, conditional, full, purge).
    pub stage: String,
    /// Solver.
    pub solver: String,
    /// Iterations used (outer iterations for GEPPML).
    pub iterations: usize,
    /// Final residual under `criterion`.
    pub residual: f64,
    /// What the residual measures.
    pub criterion: String,
}

/// The solved counterfactual.
#[derive(Debug, Clone)]
pub struct GeSolution {
    /// Country codes.
    pub countries: Vec<String>,
    /// σ used.
    pub sigma: f64,
    /// Reference importer index.
    pub reference: usize,
    /// Options used.
    pub options: GeOptions,
    /// Baseline (fitted) levels.
    pub baseline: Stage,
    /// Conditional GE levels (Y, E fixed).
    pub conditional: Stage,
    /// Full endowment GE levels.
    pub full: Stage,
    /// Convergence records.
    pub diagnostics: Vec<Diagnostic>,
    /// Notes for the reader (closure effects, normalisations).
    pub notes: Vec<String>,
    /// Percent changes as `(BLN − CFL)/CFL` (the effect of having the baseline policy)
    /// instead of `(CFL − BLN)/BLN`.
    pub effect_of_baseline: bool,
}

/// One country's results, derived from the three stages.
#[derive(Debug, Clone)]
pub struct CountryRow {
    /// ISO3.
    pub country: String,
    /// International exports Σ_{j≠i} X_ij: baseline, conditional, full.
    pub exports: [f64; 3],
    /// International imports Σ_{i≠j} X_ij.
    pub imports: [f64; 3],
    /// Exports − imports.
    pub balance: [f64; 3],
    /// Output Y.
    pub output: [f64; 3],
    /// Factory-gate price index (baseline 1).
    pub price: [f64; 3],
    /// Inward resistance P (consumer price index; reference importer = 1).
    pub imr: [f64; 3],
    /// Outward resistance Π.
    pub omr: [f64; 3],
    /// Real GDP Y/P.
    pub real_gdp: [f64; 3],
}

impl CountryRow {
    /// Percent change from baseline: index 1 = conditional, 2 = full.
    pub fn pct(v: &[f64; 3], k: usize) -> f64 {
        (v[k] / v[0] - 1.0) * 100.0
    }
}

impl GeSolution {
    /// Percent change of stage `k` (1 = conditional, 2 = full) in the solution's convention.
    pub fn pct(&self, v: &[f64; 3], k: usize) -> f64 {
        if self.effect_of_baseline {
            (v[0] / v[k] - 1.0) * 100.0
        } else {
            CountryRow::pct(v, k)
        }
    }

    /// Per-country table rows.
    pub fn rows(&self) -> Vec<CountryRow> {
        let n = self.countries.len();
        let inv = 1.0 / (1.0 - self.sigma);
        let stages = [&self.baseline, &self.conditional, &self.full];
        (0..n)
            .map(|i| {
                let f = |g: &dyn Fn(&Stage) -> f64| -> [f64; 3] {
                    [g(stages[0]), g(stages[1]), g(stages[2])]
                };
                let exports = f(&|s| (0..n).filter(|&j| j != i).map(|j| s.flows[i * n + j]).sum());
                let imports = f(&|s| (0..n).filter(|&k| k != i).map(|k| s.flows[k * n + i]).sum());
                CountryRow {
                    country: self.countries[i].clone(),
                    exports,
                    imports,
                    balance: [0, 1, 2].map(|k| exports[k] - imports[k]),
                    output: f(&|s| s.y[i]),
                    price: f(&|s| s.price[i]),
                    imr: f(&|s| s.imr_pow[i].powf(inv)),
                    omr: f(&|s| s.omr_pow[i].powf(inv)),
                    real_gdp: f(&|s| s.y[i] / s.imr_pow[i].powf(inv)),
                }
            })
            .collect()
    }
}

/// Builds a stage's levels from solved effects and costs (outputs and expenditures given).
pub(crate) fn stage_from(
    m: &MrSolution,
    cost: &[f64],
    y: Vec<f64>,
    e: Vec<f64>,
    price: Vec<f64>,
    reference: usize,
) -> Stage {
    let n = y.len();
    let e_ref = e[reference];
    let mut flows = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            flows[i * n + j] = m.flow(cost, n, i, j);
        }
    }
    Stage {
        omr_pow: m.omr(&y, e_ref),
        imr_pow: m.imr(&e, e_ref),
        flows,
        y,
        e,
        price,
    }
}

/// Runs baseline, conditional and full endowment GE.
///
/// `cost_bln` and `cost_cfl` are the row-major `T_ij = t_ij^(1-σ)` matrices (exporter rows)
/// before and after the policy, strictly positive. The baseline flows are the model's fitted
/// flows (the Guide's `tradehat_BLN`), not the observed ones.
pub fn solve(
    world: &World,
    cost_bln: &[f64],
    cost_cfl: &[f64],
    opts: GeOptions,
) -> Result<GeSolution, GeError> {
    solve_with(world, cost_bln, cost_cfl, opts, None)
}

/// [`solve`] with ad-valorem tariffs whose revenue is rebated to consumers (exact hat algebra
/// only; see [`hat::Tariffs`]).
pub fn solve_with(
    world: &World,
    cost_bln: &[f64],
    cost_cfl: &[f64],
    opts: GeOptions,
    tariffs: Option<hat::Tariffs>,
) -> Result<GeSolution, GeError> {
    world.validate()?;
    let n = world.n();
    if opts.sigma.is_nan() || opts.sigma <= 1.0 || !opts.sigma.is_finite() {
        return Err(GeError::Input(format!(
            "sigma must be a finite number above 1 (trade elasticity 1 − σ < 0); got {}",
            opts.sigma
        )));
    }
    if opts.reference >= n {
        return Err(GeError::Input(
            "reference importer index out of range".into(),
        ));
    }
    for (name, c) in [("baseline", cost_bln), ("counterfactual", cost_cfl)] {
        if c.len() != n * n {
            return Err(GeError::Input(format!("{name} cost matrix is not {n}×{n}")));
        }
        if let Some(k) = c.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(GeError::Input(format!(
                "{name} trade-cost term for {}→{} is {}: it must be positive and finite \
                 (check the coefficients and the regressor values)",
                world.countries[k / n],
                world.countries[k % n],
                c[k]
            )));
        }
    }
    let mut method = opts.method;
    if method == Method::Auto && (opts.closure == Closure::Purge || tariffs.is_some()) {
        method = Method::Hat;
    }
    if method == Method::Geppml && tariffs.is_some() {
        return Err(GeError::Input(
            "tariff revenue is handled by exact hat algebra: use --method hat (or drop `tariff` \
             from [ge] to treat the tariff as a cost only)"
                .into(),
        ));
    }
    if method == Method::Geppml && opts.closure == Closure::Purge {
        return Err(GeError::Input(
            "the purge closure is solved by exact hat algebra: use --method hat".into(),
        ));
    }

    let mut diagnostics = Vec::new();
    let mut notes = Vec::new();
    let r = opts.reference;
    let mut y = world.output();
    let mut e = world.expenditure();

    // Stage 1: baseline effects, resistances and fitted flows.
    let mut bln =
        mr::solve(&y, &e, cost_bln, r, None, opts.mr).map_err(|err| tag(err, "baseline"))?;
    diagnostics.push(mr_diag("baseline", &bln));

    if opts.closure == Closure::Purge {
        // Move to the balanced world first (same costs, zero deficits), then measure the
        // policy from there.
        let base_flows: Vec<f64> = (0..n * n)
            .map(|k| bln.flow(cost_bln, n, k / n, k % n))
            .collect();
        let ones = vec![1.0; n * n];
        let purged = hat::solve_with_tariffs(
            &base_flows,
            &y,
            &e,
            &ones,
            opts.sigma,
            Closure::Purge,
            r,
            opts.tol,
            opts.max_iter,
            &world.countries,
            tariffs.map(|t| hat::Tariffs {
                before: t.before,
                after: t.before,
            }),
        )
        .map_err(|err| tag(err, "purge (balanced world)"))?;
        diagnostics.push(Diagnostic {
            stage: "purge".into(),
            solver: "hat".into(),
            iterations: purged.iterations,
            residual: purged.residual,
            criterion: hat::CRITERION.into(),
        });
        y = purged.y;
        e = purged.e;
        bln = mr::solve(&y, &e, cost_bln, r, Some(&bln.exp_chi), opts.mr)
            .map_err(|err| tag(err, "baseline (balanced)"))?;
        notes.push(
            "closure purge: the baseline shown is the balanced world (all trade deficits set to \
             zero by exact hat algebra); changes are measured from it"
                .into(),
        );
    }
    let baseline = stage_from(&bln, cost_bln, y.clone(), e.clone(), vec![1.0; n], r);

    // Stage 2: conditional GE (Y, E fixed; resistances re-solved with the new costs).
    let cdl = mr::solve(&y, &e, cost_cfl, r, Some(&bln.exp_chi), opts.mr)
        .map_err(|err| tag(err, "conditional"))?;
    diagnostics.push(mr_diag("conditional", &cdl));
    let conditional = stage_from(&cdl, cost_cfl, y.clone(), e.clone(), vec![1.0; n], r);

    // Stage 3: full endowment GE.
    let mut geppml_failure = None;
    if method != Method::Hat {
        match geppml::solve(&y, &e, cost_cfl, &bln, &cdl, opts) {
            Ok(out) => {
                diagnostics.push(Diagnostic {
                    stage: "full".into(),
                    solver: "geppml".into(),
                    iterations: out.iterations,
                    residual: out.residual,
                    criterion: match opts.stop {
                        StopRule::Tight => "max_i |p_i^(s)/p_i^(s-1) - 1| (per-iteration factory-gate price change)".into(),
                        StopRule::Guide => "Guide rule: sd and |max| of lagged price-change differences <= 0.01; residual = max |p^(s)/p^(s-1) - 1|".into(),
                    },
                });
                diagnostics.push(Diagnostic {
                    stage: "full (check)".into(),
                    solver: "geppml".into(),
                    iterations: 0,
                    residual: out.market_clearing,
                    criterion: "max_i |sum_j X_ij / Y_i - 1| of the reported full-GE flows (market clearing)".into(),
                });
                return Ok(GeSolution {
                    countries: world.countries.clone(),
                    sigma: opts.sigma,
                    reference: r,
                    options: opts,
                    baseline,
                    conditional,
                    full: out.stage,
                    diagnostics,
                    notes,
                    effect_of_baseline: false,
                });
            }
            Err(GeError::NotConverged {
                iterations,
                history,
                ..
            }) if method == Method::Auto => {
                geppml_failure = Some((iterations, history));
            }
            Err(err) => return Err(err),
        }
    }
    let closure = if opts.closure == Closure::Purge {
        Closure::FixedDeficit
    } else {
        opts.closure
    };
    let that: Vec<f64> = cost_cfl.iter().zip(cost_bln).map(|(c, b)| c / b).collect();
    let out = hat::solve_with_tariffs(
        &baseline.flows,
        &y,
        &e,
        &that,
        opts.sigma,
        closure,
        r,
        opts.tol,
        opts.max_iter,
        &world.countries,
        tariffs,
    )
    .map_err(|err| tag(err, "full endowment"))?;
    if let Some((iterations, history)) = geppml_failure {
        let last = history.last().map_or(f64::NAN, |h| h.1);
        diagnostics.push(Diagnostic {
            stage: "full".into(),
            solver: "geppml (abandoned)".into(),
            iterations,
            residual: last,
            criterion: "diverged (see notes); max_i |p_i^(s)/p_i^(s-1) - 1|".into(),
        });
        // One line: the residual history is in the diagnostics table and in the error that
        // `--method geppml` gives.
        let best = history
            .iter()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .copied()
            .unwrap_or((0, f64::NAN));
        notes.push(format!(
            "method auto: the Guide's GEPPML iteration diverged (residual {last:.3e} after \
             {iterations} iterations, lowest {:.3e} at iteration {}), so the full endowment GE \
             was solved by exact hat algebra; --method geppml shows the residual history.",
            best.1, best.0
        ));
    }
    diagnostics.push(Diagnostic {
        stage: "full".into(),
        solver: "hat".into(),
        iterations: out.iterations,
        residual: out.residual,
        criterion: hat::CRITERION.into(),
    });
    if closure == Closure::FixedPhi && (out.phi_scale - 1.0).abs() > 1e-9 {
        notes.push(format!(
            "closure phi: with E_j = phi_j Y_j world expenditure would differ from world \
             output after the shock; all expenditures were scaled by a common {:.6} \
             (docs/models.md §2.4, closure a)",
            out.phi_scale
        ));
    }
    if tariffs.is_some() {
        notes.push(
            "tariff revenue is rebated to the importer's consumers (Costinot & Rodríguez-Clare \
             2014); flows are net of duty, expenditure shown is net of the revenue"
                .into(),
        );
    }
    let full = out.into_stage(&baseline, cost_cfl);
    Ok(GeSolution {
        countries: world.countries.clone(),
        sigma: opts.sigma,
        reference: r,
        options: opts,
        baseline,
        conditional,
        full,
        diagnostics,
        notes,
        effect_of_baseline: false,
    })
}

fn mr_diag(stage: &str, m: &MrSolution) -> Diagnostic {
    Diagnostic {
        stage: stage.into(),
        solver: "scaling".into(),
        iterations: m.iterations,
        residual: m.residual,
        criterion: "max_i |sum_j X_ij / Y_i - 1| (exporter fixed-effect first-order conditions)"
            .into(),
    }
}

fn tag(err: GeError, stage: &str) -> GeError {
    match err {
        GeError::NotConverged {
            what,
            iterations,
            history,
        } => GeError::NotConverged {
            what: format!("{stage}: {what}"),
            iterations,
            history,
        },
        other => other,
    }
}
