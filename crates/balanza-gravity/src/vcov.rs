//! Variance of the coefficients: iid, heteroskedasticity-robust (HC1) and one- or two-way
//! clustered (Cameron, Gelbach & Miller 2011), with small-sample corrections.
//!
//! Conventions ([`Ssc::Fixest`], the default, as R fixest 0.12 `ssc(adj = TRUE,
//! fixef.K = "nested", cluster.adj = TRUE, cluster.df = "min", t.df = "min")` and pyfixest):
//! * `K` = number of coefficients + fixed-effect levels minus one per dimension after the
//!   first; for clustered variances the levels of a fixed-effect dimension nested in a
//!   cluster variable (every level inside one cluster) are not counted (one is kept back).
//! * iid and clustered: `V` is multiplied by `(n - 1) / (n - K)`; hetero by `n / (n - K)`.
//! * clustered: additionally by `G / (G - 1)`, `G` the smallest number of clusters over the
//!   cluster dimensions (also for every term of a two-way variance).
//! * iid OLS uses `sigma^2 = RSS / (n - 1)` (the `(n - 1)/(n - K)` factor then gives
//!   `RSS / (n - K)`); iid PPML uses the inverse Fisher information (no dispersion).
//! * t statistics have `n - K` degrees of freedom (iid, hetero) or `G - 1` (clustered).
//!
//! [`Ssc::Ppmlhdfe`] (Stata ppmlhdfe / ppml): only `G / (G - 1)` for clustered variances,
//! `n / (n - 1)` for the robust one (observations as clusters), nothing for iid; normal
//! p-values as Stata reports z statistics.

use crate::error::GravityError;
use crate::fe::densify;
use crate::fit::{Family, Fit};
use crate::linalg;

/// Which variance to compute.
#[derive(Debug, Clone, PartialEq)]
pub enum VcovKind {
    /// Homoskedastic.
    Iid,
    /// Heteroskedasticity-robust (HC1).
    Hetero,
    /// Clustered by one or two variables (two: Cameron–Gelbach–Miller); the names are shown.
    Cluster(Vec<String>),
}

/// Small-sample convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ssc {
    /// fixest / pyfixest defaults (see the module documentation).
    #[default]
    Fixest,
    /// Stata ppmlhdfe: `G/(G-1)` only.
    Ppmlhdfe,
}

balanza_data::impl_words!(Ssc, "small-sample convention", [
    Ssc::Fixest => "fixest",
    Ssc::Ppmlhdfe => "ppmlhdfe",
]);

impl VcovKind {
    /// Parses the variance mini-language of `--vcov`: `iid`, `hetero` (also `robust`, `hc1`),
    /// `cluster:VAR` or `cluster:VAR1+VAR2`. With no spec, the default of fixest: clustered by
    /// the first fixed effect of `formula` (an error when it is an interaction), iid without
    /// fixed effects.
    pub fn parse(spec: Option<&str>, formula: &crate::Formula) -> Result<VcovKind, GravityError> {
        let bad = |m: String| Err(GravityError::Option(m));
        Ok(match spec {
            None => match formula.fixed_effects.first() {
                Some(d) if d.len() == 1 => VcovKind::Cluster(vec![d[0].clone()]),
                Some(d) => {
                    return bad(format!(
                        "the default variance clusters by the first fixed effect, but `{}` is an interaction: give --vcov cluster:VAR, hetero or iid",
                        d.join("^")
                    ))
                }
                None => VcovKind::Iid,
            },
            Some("iid") => VcovKind::Iid,
            Some("hetero") | Some("robust") | Some("hc1") => VcovKind::Hetero,
            Some(s) if s.starts_with("cluster:") => {
                let vars: Vec<String> = s["cluster:".len()..]
                    .split('+')
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
                    .collect();
                if vars.is_empty() || vars.len() > 2 {
                    return bad(format!(
                        "--vcov {s}: expected cluster:VAR or cluster:VAR1+VAR2"
                    ));
                }
                VcovKind::Cluster(vars)
            }
            Some(s) => {
                return bad(format!(
                    "--vcov {s}: expected iid, hetero, cluster:VAR or cluster:VAR1+VAR2"
                ))
            }
        })
    }
}

/// A variance-covariance matrix of the coefficients.
#[derive(Debug, Clone)]
pub struct Vcov {
    /// Row-major K x K matrix aligned with `Fit::names`.
    pub matrix: Vec<f64>,
    /// Standard errors (square roots of the diagonal).
    pub std_errors: Vec<f64>,
    /// Degrees of freedom of the t statistics; `None` = standard normal.
    pub df: Option<f64>,
    /// Human-readable description (e.g. `clustered by pair (4,623 clusters)`).
    pub description: String,
}

impl Vcov {
    /// t statistics and two-sided p-values for `coefficients`.
    pub fn tests(&self, coefficients: &[f64]) -> Vec<(f64, f64)> {
        coefficients
            .iter()
            .zip(&self.std_errors)
            .map(|(b, s)| {
                let t = b / s;
                let p = match self.df {
                    Some(df) => 2.0 * student_t_sf(t.abs(), df),
                    None => erfc(t.abs() / std::f64::consts::SQRT_2),
                };
                (t, p)
            })
            .collect()
    }
}

impl Fit {
    /// Variance of the coefficients. `clusters` holds one id column per cluster variable
    /// (aligned with the model's input observations) when `kind` is `Cluster`.
    pub fn vcov(
        &self,
        kind: &VcovKind,
        clusters: &[&[u32]],
        ssc: Ssc,
    ) -> Result<Vcov, GravityError> {
        let k = self.names.len();
        let n = self.nobs;
        let nf = n as f64;
        let xt: Vec<&[f64]> = self.xt.iter().map(|c| c.as_slice()).collect();
        let w = (!self.w.is_empty()).then_some(self.w.as_slice());
        let (h, _) = linalg::cross(&xt, w, None);
        let bread = linalg::inverse_spd(&h, k)
            .ok_or_else(|| GravityError::Degenerate("singular information matrix".into()))?;
        // Score of observation i: x~_i * resid_i.
        let score = |j: usize, i: usize| xt[j][i] * self.resid[i];
        let q = self.fe.q();
        let k_fe: usize = self.fe.sizes.iter().sum();
        let k_fe_adj = if q > 1 { k_fe - (q - 1) } else { k_fe };
        let (mut v, desc, df, g_min, df_k);
        match kind {
            VcovKind::Iid => {
                let s2 = match self.family {
                    Family::Ppml | Family::Negbin => 1.0,
                    Family::Ols => self.resid.iter().map(|e| e * e).sum::<f64>() / (nf - 1.0),
                };
                v = bread.iter().map(|b| b * s2).collect::<Vec<_>>();
                df_k = k + k_fe_adj;
                desc = "iid".to_string();
                df = Some(nf - df_k as f64);
                g_min = None;
            }
            VcovKind::Hetero => {
                let mut meat = vec![0.0; k * k];
                for i in 0..n {
                    for a in 0..k {
                        let sa = score(a, i);
                        for b in 0..=a {
                            meat[a * k + b] += sa * score(b, i);
                        }
                    }
                }
                symmetrize(&mut meat, k);
                v = linalg::sandwich(&bread, &meat, k);
                df_k = k + k_fe_adj;
                desc = "heteroskedasticity-robust".to_string();
                df = Some(nf - df_k as f64);
                g_min = None;
            }
            VcovKind::Cluster(names) => {
                if clusters.is_empty() || clusters.len() > 2 || clusters.len() != names.len() {
                    return Err(GravityError::Input(
                        "clustered variance needs one or two cluster variables".into(),
                    ));
                }
                let ids: Vec<Vec<u32>> = clusters
                    .iter()
                    .map(|c| {
                        if c.len() != self.kept.len() {
                            Err(GravityError::Input("cluster column length mismatch".into()))
                        } else {
                            Ok(densify(c, &self.rows).0)
                        }
                    })
                    .collect::<Result<_, _>>()?;
                let g: Vec<usize> = ids
                    .iter()
                    .map(|d| d.iter().map(|&x| x as usize + 1).max().unwrap_or(0))
                    .collect();
                let meat_of = |cid: &[u32], ng: usize| {
                    let mut sums = vec![0.0; ng * k];
                    for (i, &c) in cid.iter().enumerate().take(n) {
                        let c = c as usize;
                        for a in 0..k {
                            sums[c * k + a] += score(a, i);
                        }
                    }
                    let mut meat = vec![0.0; k * k];
                    for c in 0..ng {
                        let s = &sums[c * k..(c + 1) * k];
                        for a in 0..k {
                            for b in 0..k {
                                meat[a * k + b] += s[a] * s[b];
                            }
                        }
                    }
                    meat
                };
                let mut meat = meat_of(&ids[0], g[0]);
                if ids.len() == 2 {
                    let m2 = meat_of(&ids[1], g[1]);
                    // Intersection clusters: pairs of ids.
                    let inter: Vec<u32> = {
                        let key: Vec<u32> = (0..n)
                            .map(|i| (ids[0][i] as u64 * g[1] as u64 + ids[1][i] as u64) as u32)
                            .collect();
                        let all: Vec<usize> = (0..n).collect();
                        if (g[0] as u64) * (g[1] as u64) < u32::MAX as u64 {
                            densify(&key, &all).0
                        } else {
                            return Err(GravityError::Input(
                                "too many cluster combinations for two-way clustering".into(),
                            ));
                        }
                    };
                    let g12 = inter.iter().map(|&x| x as usize + 1).max().unwrap_or(0);
                    let m12 = meat_of(&inter, g12);
                    for j in 0..k * k {
                        meat[j] += m2[j] - m12[j];
                    }
                }
                v = linalg::sandwich(&bread, &meat, k);
                // Fixed effects nested in a cluster variable are not counted in K.
                let mut nested_levels = 0;
                let mut nested_dims = 0;
                for d in 0..q {
                    if ids
                        .iter()
                        .any(|cid| is_nested(&self.fe.ids[d], self.fe.sizes[d], cid))
                    {
                        nested_levels += self.fe.sizes[d];
                        nested_dims += 1;
                    }
                }
                df_k = (k + k_fe_adj + nested_dims).saturating_sub(nested_levels);
                let gm = *g.iter().min().unwrap_or(&1);
                g_min = Some(gm);
                df = Some(gm as f64 - 1.0);
                desc = format!(
                    "clustered by {} ({})",
                    names.join(" & "),
                    g.iter()
                        .map(|x| format!("{x} clusters"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
        }
        let factor = match (ssc, kind) {
            (Ssc::Fixest, VcovKind::Hetero) => nf / (nf - df_k as f64),
            (Ssc::Fixest, _) => {
                let adj = (nf - 1.0) / (nf - df_k as f64);
                adj * g_min.map_or(1.0, |g| g as f64 / (g as f64 - 1.0))
            }
            (Ssc::Ppmlhdfe, VcovKind::Hetero) => nf / (nf - 1.0),
            (Ssc::Ppmlhdfe, VcovKind::Iid) => 1.0,
            (Ssc::Ppmlhdfe, VcovKind::Cluster(_)) => {
                g_min.map_or(1.0, |g| g as f64 / (g as f64 - 1.0))
            }
        };
        v.iter_mut().for_each(|x| *x *= factor);
        let df = if ssc == Ssc::Ppmlhdfe { None } else { df };
        let std_errors = (0..k).map(|j| v[j * k + j].max(0.0).sqrt()).collect();
        Ok(Vcov {
            matrix: v,
            std_errors,
            df,
            description: desc,
        })
    }
}

fn symmetrize(m: &mut [f64], k: usize) {
    for a in 0..k {
        for b in 0..a {
            m[b * k + a] = m[a * k + b];
        }
    }
}

/// Whether every level of a fixed-effect dimension lies inside a single cluster.
fn is_nested(fe_ids: &[u32], levels: usize, cluster: &[u32]) -> bool {
    let mut owner = vec![u32::MAX; levels];
    for (&l, &c) in fe_ids.iter().zip(cluster) {
        let o = &mut owner[l as usize];
        if *o == u32::MAX {
            *o = c;
        } else if *o != c {
            return false;
        }
    }
    true
}

/// Complementary error function, as the regularized upper incomplete gamma Q(1/2, x²).
fn erfc(x: f64) -> f64 {
    // erfc(x) = Q(a=1/2, x^2) for x >= 0: regularized upper incomplete gamma.
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    gamma_q(0.5, x * x)
}

/// Regularized upper incomplete gamma Q(a, x).
fn gamma_q(a: f64, x: f64) -> f64 {
    use crate::fit::ln_gamma;
    if x <= 0.0 {
        return 1.0;
    }
    let gln = ln_gamma(a);
    if x < a + 1.0 {
        // Series for P.
        let mut sum = 1.0 / a;
        let mut del = sum;
        let mut ap = a;
        for _ in 0..1000 {
            ap += 1.0;
            del *= x / ap;
            sum += del;
            if del.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        1.0 - sum * (-x + a * x.ln() - gln).exp()
    } else {
        // Continued fraction for Q (modified Lentz).
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..1000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (-x + a * x.ln() - gln).exp() * h
    }
}

/// Regularized incomplete beta I_x(a, b) by its continued fraction (modified Lentz).
fn inc_beta(x: f64, a: f64, b: f64) -> f64 {
    use crate::fit::ln_gamma;
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - inc_beta(1.0 - x, b, a);
    }
    let tiny = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..3000 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + aa / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < tiny {
            d = tiny;
        }
        c = 1.0 + aa / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    ln_front.exp() * h / a
}

/// Survival function P(T > t) of Student's t with `df` degrees of freedom, t >= 0.
pub(crate) fn student_t_sf(t: f64, df: f64) -> f64 {
    if df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    0.5 * inc_beta(df / (df + t * t), 0.5 * df, 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vcov_specs_and_the_default() {
        let f = crate::Formula::parse("y ~ x | g + h").unwrap();
        assert_eq!(VcovKind::parse(Some("iid"), &f), Ok(VcovKind::Iid));
        for w in ["hetero", "robust", "hc1"] {
            assert_eq!(VcovKind::parse(Some(w), &f), Ok(VcovKind::Hetero));
        }
        assert_eq!(
            VcovKind::parse(Some("cluster: a + b"), &f),
            Ok(VcovKind::Cluster(vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            VcovKind::parse(None, &f),
            Ok(VcovKind::Cluster(vec!["g".into()]))
        );
        let plain = crate::Formula::parse("y ~ x").unwrap();
        assert_eq!(VcovKind::parse(None, &plain), Ok(VcovKind::Iid));
        let e = VcovKind::parse(Some("cluster:a+b+c"), &f).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--vcov cluster:a+b+c: expected cluster:VAR or cluster:VAR1+VAR2"
        );
        assert!(VcovKind::parse(Some("cluster:"), &f).is_err());
        let e = VcovKind::parse(Some("bogus"), &f).unwrap_err();
        assert!(
            e.to_string().starts_with("--vcov bogus: expected iid"),
            "{e}"
        );
        let inter = crate::Formula::parse("y ~ x | g^h").unwrap();
        let e = VcovKind::parse(None, &inter).unwrap_err();
        assert!(e.to_string().contains("`g^h` is an interaction"), "{e}");
    }

    #[test]
    fn t_and_normal_tails() {
        // Values from standard tables (R: pt(2, 10, lower=FALSE) = 0.03669402;
        // 2*pnorm(-1.96) = 0.04999579).
        assert!((student_t_sf(2.0, 10.0) - 0.036_694_017).abs() < 1e-8);
        assert!((erfc(1.96 / std::f64::consts::SQRT_2) - 0.049_995_79).abs() < 1e-8);
    }
}
