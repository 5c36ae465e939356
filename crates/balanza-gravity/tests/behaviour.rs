//! Behaviour on small hand-made data: languages, dropping rules, collinearity, convergence
//! reports, the fixed-effect normalisation and the offset. Expected values are derived by hand
//! in the comments (no estimator output is pasted).

use balanza_gravity::*;

fn frame(cols: &[(&str, Column)]) -> Frame {
    let n = cols[0].1.len();
    let mut f = Frame::new(n);
    for (name, c) in cols {
        f.push(name, c.clone()).unwrap();
    }
    f
}

/// One regressor `x` with fixed effects `a` and `b`.
fn two_way<'a>(y: &'a [f64], x: &'a [f64], a: &'a [u32], b: &'a [u32]) -> ModelInput<'a> {
    ModelInput {
        y,
        regressors: vec![Regressor {
            name: "x".into(),
            values: x,
        }],
        fixed_effects: vec![
            FixedEffect {
                name: "a".into(),
                ids: a,
            },
            FixedEffect {
                name: "b".into(),
                ids: b,
            },
        ],
        offset: None,
    }
}

#[test]
fn formula_parses_terms_interactions_and_reports_positions() {
    let f = Formula::parse("log(trade) ~ rta + log(1 + tariff) + log(dist) * (year == 1986) | exporter^year + importer^year + pair").unwrap();
    assert_eq!(f.lhs_name, "log(trade)");
    assert_eq!(
        f.term_names,
        ["rta", "log(1 + tariff)", "log(dist) * (year == 1986)"]
    );
    assert_eq!(f.fe_names(), ["exporter^year", "importer^year", "pair"]);
    assert!(f.lhs_is_log());
    let cols = f.columns();
    for c in [
        "trade", "rta", "tariff", "dist", "year", "exporter", "importer", "pair",
    ] {
        assert!(cols.iter().any(|x| x == c), "{c}");
    }
    // Errors point at the character (1-based in the message, caret under it).
    let e = Formula::parse("y ~ x + | fe").unwrap_err().to_string();
    assert!(e.contains("at character 9"), "{e}");
    let e = Formula::parse("y ~ foo(x)").unwrap_err().to_string();
    assert!(
        e.contains("unknown function `foo`") && e.contains("at character 5"),
        "{e}"
    );
    let e = Formula::parse("y x").unwrap_err().to_string();
    assert!(e.contains("expected `~`"), "{e}");
    assert!(Formula::parse("y ~ x | a^").is_err());
}

#[test]
fn filter_language() {
    let f = frame(&[
        (
            "exporter",
            Column::from_strings(&["ARG", "ARG", "BRA", "BRA"]),
        ),
        (
            "importer",
            Column::from_strings(&["ARG", "BRA", "ARG", "CHL"]),
        ),
        ("year", Column::Num(vec![1986.0, 1990.0, 1994.0, 1986.0])),
        ("v", Column::Num(vec![1.0, f64::NAN, 3.0, 4.0])),
    ]);
    let rows = |s: &str| filter_rows(&f, Some(&Filter::parse(s).unwrap())).unwrap();
    assert_eq!(
        rows("year in (1986, 1990) and exporter != importer"),
        [1, 3]
    );
    assert_eq!(rows("not (year == 1986) or importer == 'CHL'"), [1, 2, 3]);
    assert_eq!(rows("year not in (1986)"), [1, 2]);
    assert_eq!(rows("exporter == \"BRA\" && v >= 3"), [2, 3]);
    // A missing value makes a comparison false.
    assert_eq!(rows("v > 0"), [0, 2, 3]);
    assert_eq!(rows("year - 1986 < 5"), [0, 1, 3]);
    let e = Filter::parse("year in (1986").unwrap_err().to_string();
    assert!(e.contains("expected `)`"), "{e}");
    let e = filter_rows(&f, Some(&Filter::parse("yaer == 1").unwrap()))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("unknown column `yaer`") && e.contains("exporter, importer, year, v"),
        "{e}"
    );
}

/// Poisson data with two fixed-effect dimensions and one regressor.
fn panel() -> (Vec<f64>, Vec<f64>, Vec<u32>, Vec<u32>) {
    let mut y = Vec::new();
    let mut x = Vec::new();
    let mut a = Vec::new();
    let mut b = Vec::new();
    for i in 0..6u32 {
        for j in 0..5u32 {
            let xv = ((i * 7 + j * 3) % 5) as f64 / 4.0;
            let mu = (0.3 * i as f64 - 0.2 * j as f64 + 0.8 * xv).exp();
            // Deterministic "noise" so that the fit is not exact.
            y.push((mu * (1.0 + 0.3 * (((i + 2 * j) % 3) as f64 - 1.0))).round());
            x.push(xv);
            a.push(i);
            b.push(10 + j);
        }
    }
    (y, x, a, b)
}

#[test]
fn collinear_regressor_is_dropped_with_a_message() {
    let (y, x, a, b) = panel();
    let xa: Vec<f64> = a.iter().map(|&v| v as f64 * 2.0).collect(); // constant within `a`
    let input = ModelInput {
        y: &y,
        regressors: vec![
            Regressor {
                name: "x".into(),
                values: &x,
            },
            Regressor {
                name: "xa".into(),
                values: &xa,
            },
        ],
        fixed_effects: vec![
            FixedEffect {
                name: "a".into(),
                ids: &a,
            },
            FixedEffect {
                name: "b".into(),
                ids: &b,
            },
        ],
        offset: None,
    };
    let fit = fit_poisson(&input, &FitOptions::default()).unwrap();
    assert_eq!(fit.names, ["x"]);
    assert_eq!(fit.collinear, ["xa"]);
    assert!(fit
        .messages
        .iter()
        .any(|m| m.contains("collinear") && m.contains("xa")));
    let ols = fit_ols(&input, &FitOptions::default()).unwrap();
    assert_eq!(ols.collinear, ["xa"]);
}

#[test]
fn fixed_effects_reproduce_fitted_values_and_offset_is_respected() {
    let (y, x, a, b) = panel();
    let input = two_way(&y, &x, &a, &b);
    let fit = fit_poisson(&input, &FitOptions::default()).unwrap();
    assert!(fit.converged);
    let (fa, fb) = (&fit.fixed_effects[0], &fit.fixed_effects[1]);
    // Normalisation: the smallest id of the second dimension is 0.
    assert_eq!(fb.get(10), Some(0.0));
    for i in 0..y.len() {
        let eta = fit.coefficients[0] * x[i] + fa.get(a[i]).unwrap() + fb.get(b[i]).unwrap();
        assert!((eta.exp() / fit.fitted[i] - 1.0).abs() < 1e-12);
    }
    // Poisson first-order conditions with fixed effects: fitted totals equal observed totals
    // in every level.
    for l in 0..6u32 {
        let (so, sf): (f64, f64) = (0..y.len())
            .filter(|&i| a[i] == l)
            .map(|i| (y[i], fit.fitted[i]))
            .fold((0.0, 0.0), |s, v| (s.0 + v.0, s.1 + v.1));
        assert!(
            (so - sf).abs() < 1e-6 * so.max(1.0),
            "level {l}: {so} vs {sf}"
        );
    }
    // Moving x b into an offset and dropping x must give the same fitted values (GEPPML's
    // conditional step).
    let off: Vec<f64> = x.iter().map(|v| v * fit.coefficients[0]).collect();
    let input2 = ModelInput {
        y: &y,
        regressors: vec![],
        fixed_effects: input.fixed_effects.clone(),
        offset: Some(&off),
    };
    let fit2 = fit_poisson(&input2, &FitOptions::default()).unwrap();
    for i in 0..y.len() {
        assert!((fit2.fitted[i] / fit.fitted[i] - 1.0).abs() < 1e-7);
    }
}

#[test]
fn non_convergence_is_reported_and_bad_outcomes_rejected() {
    let (y, x, a, b) = panel();
    let input = two_way(&y, &x, &a, &b);
    let opts = FitOptions {
        max_iter: 1,
        ..FitOptions::default()
    };
    let fit = fit_poisson(&input, &opts).unwrap();
    assert!(!fit.converged);
    assert!(fit.messages.iter().any(|m| m.contains("did not converge")));
    let mut bad = y.clone();
    bad[4] = -1.0;
    bad[7] = f64::NAN;
    let e = fit_poisson(
        &ModelInput {
            y: &bad,
            ..input.clone()
        },
        &FitOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e,
        GravityError::BadDependent {
            count: 2,
            first_row: 5,
            value: -1.0
        }
    );
}

#[test]
fn singletons_and_all_zero_groups_are_dropped_iteratively() {
    // Group g=2 has only zeros (2 obs); once dropped, h=7 is left with one observation
    // (a singleton created by the first removal), which is dropped next.
    let y = [1.0, 2.0, 3.0, 1.0, 0.0, 0.0, 5.0, 2.0];
    let x = [0.1, 0.5, 0.2, 0.9, 0.3, 0.4, 0.7, 0.6];
    let g = [0u32, 0, 1, 1, 2, 2, 3, 3];
    let h = [5u32, 6, 5, 6, 7, 5, 7, 6];
    let input = ModelInput {
        y: &y,
        regressors: vec![Regressor {
            name: "x".into(),
            values: &x,
        }],
        fixed_effects: vec![
            FixedEffect {
                name: "g".into(),
                ids: &g,
            },
            FixedEffect {
                name: "h".into(),
                ids: &h,
            },
        ],
        offset: None,
    };
    let fit = fit_poisson(
        &input,
        &FitOptions {
            relu_separation: false,
            ..FitOptions::default()
        },
    )
    .unwrap();
    assert_eq!(fit.dropped.separated_fe, 2);
    // Then h=7 keeps only row 6 (a singleton), and g=3 keeps only row 7 (singleton too).
    assert_eq!(fit.dropped.singletons, 2);
    assert_eq!(fit.nobs, 4);
    assert_eq!(
        fit.kept,
        [true, true, true, true, false, false, false, false]
    );
}

#[test]
fn factor_terms_parse_expand_and_name_like_fixest() {
    let f = Formula::parse("y ~ i(year, log(x), ref = c(2, 3)) + z + i(kind) | g").unwrap();
    assert_eq!(
        f.term_names,
        ["i(year, log(x), ref = c(2, 3))", "z", "i(kind)"]
    );
    let cols = f.columns();
    for c in ["y", "year", "x", "z", "kind", "g"] {
        assert!(cols.iter().any(|x| x == c), "{c}");
    }
    let e = Formula::parse("y ~ i(1990)").unwrap_err().to_string();
    assert!(e.contains("column name"), "{e}");
    let e = Formula::parse("y ~ i(year, ref = )")
        .unwrap_err()
        .to_string();
    assert!(e.contains("reference level"), "{e}");
    // Expansion: levels in ascending order, ref left out, missing factor -> row dropped.
    // y depends on the level only (no noise): OLS recovers the level effects exactly.
    let year = vec![1.0, 2.0, 3.0, 1.0, 2.0, 3.0, f64::NAN, 3.0];
    let g = vec![1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0];
    let y: Vec<f64> = year
        .iter()
        .zip(&g)
        .map(|(t, gg)| {
            10.0 * gg
                + if *t == 2.0 {
                    0.5
                } else if *t == 3.0 {
                    -0.25
                } else {
                    0.0
                }
        })
        .collect();
    let fr = frame(&[
        ("y", Column::Num(y)),
        ("year", Column::Num(year)),
        ("g", Column::Num(g)),
    ]);
    let f = Formula::parse("y ~ i(year, ref = 1) | g").unwrap();
    let est = estimate(&fr, &f, None, Estimator::Ols, &FitOptions::default()).unwrap();
    assert_eq!(est.fit.names, ["year::2", "year::3"]);
    assert_eq!(est.fit.nobs, 7);
    assert!((est.fit.coefficients[0] - 0.5).abs() < 1e-10);
    assert!((est.fit.coefficients[1] + 0.25).abs() < 1e-10);
    // A missing x drops its row whatever the level, the reference level included (fixest).
    let mut x = vec![1.0; 8];
    x[0] = f64::NAN; // year 1, the reference level
    let mut fr = fr;
    fr.push("x", Column::Num(x)).unwrap();
    let f = Formula::parse("y ~ i(year, x, ref = 1) | g").unwrap();
    let est = estimate(&fr, &f, None, Estimator::Ols, &FitOptions::default()).unwrap();
    assert_eq!(est.fit.names, ["year::2:x", "year::3:x"]);
    assert_eq!(est.fit.nobs, 6);
}

#[test]
fn negative_binomial_without_overdispersion_says_so() {
    // Outcomes equal to their means exactly: the dispersion tends to infinity (the Poisson
    // limit); the estimator must say so rather than return noise.
    let n = 60;
    let g: Vec<f64> = (0..n).map(|i| (i % 6) as f64).collect();
    let x: Vec<f64> = (0..n).map(|i| ((i * 7) % 5) as f64 / 4.0).collect();
    let y: Vec<f64> = g
        .iter()
        .zip(&x)
        .map(|(g, x)| (3.0 + g + 2.0 * x).round())
        .collect();
    let fr = frame(&[
        ("y", Column::Num(y)),
        ("x", Column::Num(x)),
        ("g", Column::Num(g)),
    ]);
    let f = Formula::parse("y ~ x | g").unwrap();
    let e = estimate(&fr, &f, None, Estimator::Negbin, &FitOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("no overdispersion"), "{e}");
}
