//! A small seeded synthetic gravity world for the demo and tests (clearly not real data).
//!
//! Countries sit on a plane; flows follow structural gravity with exporter and importer
//! effects, log distance, contiguity and an international border, times log-normal noise.
//! Every pair, domestic ones included, is present.

/// The synthetic world as CSV text with columns
/// `exporter,importer,year,trade,ln_dist,cntg,intl_brdr` (codes `S01`…, labelled synthetic).
///
/// Flows carry log-normal noise with standard deviation `noise_sd` (0 = exact gravity).
/// With `balanced`, the noise is symmetric, so flows are symmetric and every country's
/// output equals its expenditure (no trade imbalances).
pub fn world_csv(countries: usize, seed: u64, balanced: bool, noise_sd: f64) -> String {
    // The data layer's one seeded generator (balanza_data::synth).
    let mut rng = balanza_data::synth::SplitMix64(seed ^ 0x9e37_79b9_7f4a_7c15);
    let n = countries.max(2);
    let pos: Vec<(f64, f64)> = (0..n)
        .map(|_| (rng.uniform() * 100.0, rng.uniform() * 100.0))
        .collect();
    // Country size (output potential) spans two orders of magnitude.
    let size: Vec<f64> = (0..n).map(|_| (rng.uniform() * 4.6).exp()).collect();
    let mut noise = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            noise[i * n + j] = if balanced && j < i {
                noise[j * n + i]
            } else {
                (noise_sd * rng.normal()).exp()
            };
        }
    }
    let mut out = String::from("exporter,importer,year,trade,ln_dist,cntg,intl_brdr\n");
    for i in 0..n {
        for j in 0..n {
            let d = if i == j {
                // Internal distance: a fraction of the typical distance to neighbours.
                4.0 + size[i].sqrt()
            } else {
                let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
                (dx * dx + dy * dy).sqrt().max(1.0)
            };
            let cntg = i != j && d < 18.0;
            let brdr = i != j;
            let noise = noise[i * n + j];
            let x = 50.0
                * size[i]
                * size[j]
                * (-0.9 * d.ln() + 0.5 * f64::from(u8::from(cntg))
                    - 2.2 * f64::from(u8::from(brdr)))
                .exp()
                * noise;
            out.push_str(&format!(
                "{},{},2020,{:.6},{:.12},{},{}\n",
                code(i),
                code(j),
                x,
                d.ln(),
                u8::from(cntg),
                u8::from(brdr)
            ));
        }
    }
    out
}

/// The synthetic code of country `i` (`S01`, `S02`, …): never an ISO3 code, so synthetic
/// output cannot be mistaken for real countries.
pub fn code(i: usize) -> String {
    format!("S{:02}", i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Frame;
    use crate::run::{run_on, Overrides};
    use crate::spec::GeSpec;
    use crate::{Closure, Method};

    const SPEC: &str = r#"
[ge]
sigma = 7
reference = "S01"
costs = ["ln_dist", "cntg", "intl_brdr"]
[[ge.changes]]
variable = "intl_brdr"
set = 0
importers = ["S02", "S03"]
exporters = ["S02", "S03"]
"#;

    fn data_with(balanced: bool, noise: f64) -> crate::data::PairData {
        let f = Frame::parse_csv(&world_csv(20, 7, balanced, noise), "synthetic").unwrap();
        let vars = ["cntg", "intl_brdr", "ln_dist"].map(String::from);
        crate::data::build(&f, &Default::default(), &vars).unwrap()
    }

    fn data(balanced: bool) -> crate::data::PairData {
        data_with(balanced, 0.3)
    }

    #[test]
    fn first_stage_recovers_the_generating_coefficients() {
        let spec = GeSpec::parse(SPEC, std::path::Path::new("")).unwrap();
        // With 1% log-normal noise the flows are nearly exp(FE + β·z): PPML must return the
        // generating coefficients −0.9, 0.5, −2.2 within a few hundredths.
        let out = run_on(&spec, data_with(false, 0.01), &Overrides::default()).unwrap();
        let b = &out.first_stage.coefficients;
        eprintln!("{b:?}");
        for (got, want) in b.iter().zip([-0.9, 0.5, -2.2]) {
            assert!((got - want).abs() < 0.03, "{b:?}");
        }
    }

    /// Exact hat algebra checked against the structural relations the Guide uses: re-solving
    /// the resistances with the new costs at the hat solution's outputs and expenditures must
    /// rebuild its flows, and the Guide's price formula `[(exp π'/exp π)/(E'_R/E_R)]^(1/(1-σ))`
    /// must return its factory-gate prices.
    #[test]
    fn hat_solution_satisfies_structural_gravity() {
        use crate::mr::{solve, MrOptions};
        let spec = GeSpec::parse(SPEC, std::path::Path::new("")).unwrap();
        let ov = Overrides {
            method: Some(Method::Hat),
            closure: Some(Closure::FixedDeficit),
            ..Default::default()
        };
        let d = data(false);
        let out = run_on(&spec, d.clone(), &ov).unwrap();
        let s = &out.solution;
        let n = s.countries.len();
        // Costs after the change, recovered from the conditional stage's flows and effects.
        let mats = crate::estimate::term_matrices(&d, &spec.costs).unwrap();
        let mut cf = d.clone();
        let applied = crate::spec::apply(&spec.changes, &d, s.sigma);
        cf.vars = applied.vars;
        let mats_cf = crate::estimate::term_matrices(&cf, &spec.costs).unwrap();
        let cost_bln = crate::estimate::cost_matrix(&mats, &out.first_stage.coefficients);
        let cost_cfl = crate::estimate::cost_matrix(&mats_cf, &out.first_stage.coefficients);
        let r = s.reference;
        let bln = solve(
            &s.baseline.y,
            &s.baseline.e,
            &cost_bln,
            r,
            None,
            MrOptions::default(),
        )
        .unwrap();
        let full = solve(
            &s.full.y,
            &s.full.e,
            &cost_cfl,
            r,
            None,
            MrOptions::default(),
        )
        .unwrap();
        for i in 0..n {
            for j in 0..n {
                let x = full.flow(&cost_cfl, n, i, j);
                assert!((x / s.full.flows[i * n + j] - 1.0).abs() < 1e-8);
            }
            let p = ((full.exp_pi[i] / bln.exp_pi[i]) / (s.full.e[r] / s.baseline.e[r]))
                .powf(1.0 / (1.0 - s.sigma));
            assert!(
                (p / s.full.price[i] - 1.0).abs() < 1e-8,
                "{} {p} {}",
                s.countries[i],
                s.full.price[i]
            );
        }
    }

    /// The Guide's GEPPML iteration is not a contraction: on this world it oscillates with
    /// growing amplitude. `geppml` must fail with the residual history; `auto` must say it
    /// switched to exact hat algebra.
    #[test]
    fn diverging_geppml_is_reported_not_hidden() {
        let spec = GeSpec::parse(SPEC, std::path::Path::new("")).unwrap();
        let ov = |m| Overrides {
            method: Some(m),
            ..Default::default()
        };
        let err = run_on(&spec, data(true), &ov(Method::Geppml))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("diverging") && err.contains("residual history"),
            "{err}"
        );
        let out = run_on(&spec, data(true), &ov(Method::Auto)).unwrap();
        assert!(out.solution.notes.iter().any(|n| n.contains("diverged")));
        assert!(out
            .solution
            .diagnostics
            .iter()
            .any(|d| d.solver == "hat" && d.residual < 1e-10));
    }

    /// Tariff revenue (Costinot & Rodríguez-Clare 2014 closure): zero tariffs must reproduce
    /// the run without them; with tariffs, net flows must add up to each importer's net
    /// expenditure, and world net expenditure to world output.
    #[test]
    fn tariff_revenue_closure_is_consistent() {
        let text = |tariff: bool| {
            format!(
                r#"
[ge]
sigma = 5
reference = "S01"
costs = ["ln_dist", "cntg", "intl_brdr", "log1p(tariff)"]
coefficients = {{ ln_dist = -0.9, cntg = 0.5, intl_brdr = -2.2, "log1p(tariff)" = -5 }}
method = "hat"
{}
[[ge.changes]]
variable = "tariff"
set = 0
importers = ["S02"]
"#,
                if tariff { "tariff = \"tariff\"" } else { "" }
            )
        };
        let with_rate = |rate: f64| {
            let mut d = data(false);
            let n = d.world.n();
            d.vars.insert(
                "tariff".into(),
                (0..n * n)
                    .map(|k| if k / n == k % n { 0.0 } else { rate })
                    .collect(),
            );
            d
        };
        let run = |tariff: bool, rate: f64| {
            let spec = GeSpec::parse(&text(tariff), std::path::Path::new("")).unwrap();
            run_on(&spec, with_rate(rate), &Overrides::default()).unwrap()
        };
        // Zero tariffs: the revenue closure changes nothing.
        let (a, b) = (run(true, 0.0), run(false, 0.0));
        for (x, y) in a.solution.rows().iter().zip(b.solution.rows()) {
            assert!((x.real_gdp[2] / y.real_gdp[2] - 1.0).abs() < 1e-9);
        }
        // 10% tariffs, S02 removes its own.
        let out = run(true, 0.1);
        let s = &out.solution;
        let n = s.countries.len();
        for j in 0..n {
            let col: f64 = (0..n).map(|i| s.full.flows[i * n + j]).sum();
            assert!(
                (col / s.full.e[j] - 1.0).abs() < 1e-8,
                "{j}: {col} vs {}",
                s.full.e[j]
            );
        }
        let (ys, es): (f64, f64) = (s.full.y.iter().sum(), s.full.e.iter().sum());
        assert!((ys / es - 1.0).abs() < 1e-8);
        // Without the revenue, the same cut is a pure cost cut: S02's real GDP differs.
        let cost_only = run(false, 0.1);
        let k = s.countries.iter().position(|c| c == "S02").unwrap();
        assert!((s.rows()[k].real_gdp[2] - cost_only.solution.rows()[k].real_gdp[2]).abs() > 1e-6);
    }

    #[test]
    fn same_seed_same_world() {
        assert_eq!(world_csv(5, 3, false, 0.3), world_csv(5, 3, false, 0.3));
        assert_ne!(world_csv(5, 3, false, 0.3), world_csv(5, 4, false, 0.3));
    }
}
