//! The 18 separation datasets of ppmlhdfe (sergiocorreia/ppmlhdfe@08d8856,
//! `test/separation_datasets/`, copied to ../shared/data/separation/): the `separated` column is
//! the ground truth. A correct estimator drops exactly those observations and then converges.

mod common;
use balanza_gravity::*;

fn check(case: &str) -> Result<(), String> {
    let Some(t) = common::read(&format!("separation/{case}.csv")) else {
        return Ok(());
    };
    let y = t.num("y");
    let truth: Vec<bool> = t.num("separated").iter().map(|v| *v == 1.0).collect();
    let mut xnames: Vec<&String> = t.cols.keys().filter(|k| k.starts_with('x')).collect();
    xnames.sort();
    let mut idnames: Vec<&String> = t.cols.keys().filter(|k| k.starts_with("id")).collect();
    idnames.sort();
    let xs: Vec<Vec<f64>> = xnames.iter().map(|n| t.num(n)).collect();
    let ids: Vec<Vec<u32>> = idnames.iter().map(|n| t.ids(n)).collect();
    let input = ModelInput {
        y: &y,
        regressors: xnames
            .iter()
            .zip(&xs)
            .map(|(n, v)| Regressor {
                name: n.to_string(),
                values: v,
            })
            .collect(),
        fixed_effects: idnames
            .iter()
            .zip(&ids)
            .map(|(n, v)| FixedEffect {
                name: n.to_string(),
                ids: v,
            })
            .collect(),
        offset: None,
    };
    // ppmlhdfe's truth keeps singletons (its separation test switches singleton removal off).
    let opts = FitOptions {
        drop_singletons: false,
        ..FitOptions::default()
    };
    let fit = fit_poisson(&input, &opts).map_err(|e| format!("{case}: {e}"))?;
    let wrong: Vec<usize> = (0..y.len()).filter(|&i| fit.kept[i] == truth[i]).collect();
    if !wrong.is_empty() {
        return Err(format!(
            "{case}: {} observations misclassified (rows {:?}); dropped {:?}",
            wrong.len(),
            &wrong[..wrong.len().min(10)],
            fit.dropped
        ));
    }
    if !fit.converged {
        return Err(format!("{case}: did not converge"));
    }
    Ok(())
}

#[test]
fn ppmlhdfe_separation_datasets() {
    let errors: Vec<String> = (1..=18)
        .map(|i| format!("{i:02}"))
        .filter(|c| std::env::var("SEP_CASE").map_or(true, |s| &s == c))
        .filter_map(|c| check(&c).err())
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}
