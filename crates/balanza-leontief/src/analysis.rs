//! Results built on A and L: multipliers, content of exports, and pymrio's regional accounts.
//!
//! Names follow pymrio 0.7 (`calc_accounts`): `D_cba` (consumption-based: the satellite
//! used anywhere for each region's final demand), `D_pba` (production-based), `D_imp`
//! (used abroad for a region's final demand), `D_exp` (used in a region for other regions'
//! final demand; with value added this is Johnson–Noguera's VAX), and the `_reg` sums.

use crate::calc::{coefficients, factor, inverse_checked, technical_coefficients, Factored};
use crate::error::{IoError, Result};
use crate::system::{IoSystem, Kind};
use faer::linalg::solvers::Solve;
use faer::Mat;
use std::sync::OnceLock;

/// A, the factorised `I − A` (and L when asked for) and the system they came from.
///
/// Results that only need L applied to a few vectors (multipliers `s' L`, contents `L e`,
/// pymrio's accounts) are computed by solving with the LU factors, which costs O(n²) per vector
/// instead of the O(n³) of forming L: on a 3,000-industry system the factorisation takes about
/// a third of the time of the explicit inverse (bench/leontief.sh). L itself is formed on first
/// use of [`Analysis::l`] (`--matrices`), and checked.
#[derive(Debug)]
pub struct Analysis<'a> {
    /// The validated table.
    pub sys: &'a IoSystem,
    /// Technical coefficients `Z diag(x)⁻¹`.
    pub a: Mat<f64>,
    factored: Factored,
    l: OnceLock<Mat<f64>>,
    /// What was noticed: the reader's notes, then the factorisation's.
    pub notes: Vec<String>,
}

/// A satellite pushed through L for one vector of final demand or exports.
#[derive(Debug, Clone)]
pub struct Content {
    /// `diag(s) L e`: by the industry where it is generated.
    pub by_industry: Vec<f64>,
    /// `s' L e`.
    pub total: f64,
}

/// pymrio's accounts for the chosen satellites (rows) by industry and by region.
#[derive(Debug, Clone)]
pub struct Accounts {
    /// Consumption-based, K × N: column `(s, j)` is the satellite embodied in region s's final
    /// demand for products of sector j (from any origin).
    pub d_cba: Mat<f64>,
    /// Production-based, K × N: `S diag(L y)` by producing industry.
    pub d_pba: Mat<f64>,
    /// Imported, K × N: the part of `d_cba` generated outside the consuming region.
    pub d_imp: Mat<f64>,
    /// Exported, K × N: generated in an industry for final demand of other regions.
    pub d_exp: Mat<f64>,
    /// `d_cba` summed by consuming region, plus final-demand emissions `F_Y` (as pymrio).
    pub d_cba_reg: Mat<f64>,
    /// `d_pba` summed by producing region, plus `F_Y` (as pymrio).
    pub d_pba_reg: Mat<f64>,
    /// `d_imp` summed by consuming region.
    pub d_imp_reg: Mat<f64>,
    /// `d_exp` summed by producing region.
    pub d_exp_reg: Mat<f64>,
}

/// Satellites embodied in each region's gross exports (Koopman–Wang–Wei style split).
#[derive(Debug, Clone)]
pub struct ExportContent {
    /// Gross exports by industry, N × m: column r holds region r's exports (zero elsewhere).
    pub exports: Mat<f64>,
    /// Domestic content `s_r (L e_r)_r`, K × m.
    pub domestic: Mat<f64>,
    /// Foreign content `Σ_{q≠r} s_q (L e_r)_q`, K × m.
    pub foreign: Mat<f64>,
    /// Local-Leontief domestic content `s_r (I − A_rr)⁻¹ e_r`, K × m (excludes domestic
    /// value that returns through other regions).
    pub local: Mat<f64>,
    /// Domestic content by the industry where it is generated, K × N: entry p is
    /// `s_p (L e_r)_p` for p in region r.
    pub domestic_by_industry: Mat<f64>,
}

impl<'a> Analysis<'a> {
    /// Computes A and factorises `I − A`, failing with a named industry when L does not exist.
    pub fn new(sys: &'a IoSystem) -> Result<Self> {
        let a = technical_coefficients(sys.z.as_ref(), &sys.x, &sys.labels)?;
        let factored = factor(a.as_ref(), &sys.labels)?;
        let mut notes = sys.notes.clone();
        let l = OnceLock::new();
        if factored.may_be_unproductive {
            // Only then can L have negative entries: form it now to count them.
            let inv = inverse_checked(&factored, &sys.labels)?;
            notes.extend(inv.notes);
            let _ = l.set(inv.l);
        } else {
            notes.extend(factored.notes.iter().cloned());
        }
        let an = Self {
            sys,
            a,
            factored,
            l,
            notes,
        };
        // A finite solve for total final demand (L y = x for a balanced table) shows the
        // factors are usable; the pivot test makes a failure here all but impossible.
        let y = Mat::from_fn(sys.n(), 1, |p, _| {
            (0..sys.y.ncols()).map(|c| sys.y[(p, c)]).sum::<f64>()
        });
        let x = an.solve(y);
        if let Some(p) = (0..sys.n()).find(|&p| !x[(p, 0)].is_finite()) {
            return Err(IoError::Singular(format!(
                "I − A is numerically singular: the output needed for final demand is not \
                 finite for industry `{}`",
                sys.labels[p]
            )));
        }
        Ok(an)
    }

    /// The Leontief inverse `(I − A)⁻¹`, formed (and checked) on first use.
    pub fn l(&self) -> Result<&Mat<f64>> {
        if let Some(l) = self.l.get() {
            return Ok(l);
        }
        let inv = inverse_checked(&self.factored, &self.sys.labels)?;
        Ok(self.l.get_or_init(|| inv.l))
    }

    /// `L b` for every column of `b`, by forward and back substitution.
    pub fn solve(&self, b: Mat<f64>) -> Mat<f64> {
        let mut b = b;
        self.factored.lu.solve_in_place(b.as_mut());
        b
    }

    /// `Lᵀ b` for every column of `b` (so `(s' L)' = Lᵀ s`).
    pub fn solve_transpose(&self, b: Mat<f64>) -> Mat<f64> {
        let mut b = b;
        self.factored.lu.solve_transpose_in_place(b.as_mut());
        b
    }

    /// Output multipliers: column sums of L (`1' L`).
    pub fn output_multipliers(&self) -> Vec<f64> {
        let ones = Mat::from_fn(self.sys.n(), 1, |_, _| 1.0);
        col_vec(&self.solve_transpose(ones))
    }

    /// Coefficients `s = f / x` of satellite `k`.
    pub fn coefficients(&self, k: usize) -> Vec<f64> {
        coefficients(&self.sys.satellites[k].f, &self.sys.x)
    }

    /// Multipliers `s' L` of satellite `k` (pymrio's `M` row).
    pub fn multipliers(&self, k: usize) -> Vec<f64> {
        let s = self.coefficients(k);
        col_vec(&self.solve_transpose(Mat::from_fn(s.len(), 1, |i, _| s[i])))
    }

    /// Satellite `k` embodied in a vector of final demand or exports `e` (by industry).
    pub fn content(&self, k: usize, e: &[f64]) -> Content {
        let s = self.coefficients(k);
        let le = col_vec(&self.solve(Mat::from_fn(e.len(), 1, |i, _| e[i])));
        let by_industry: Vec<f64> = s.iter().zip(&le).map(|(a, b)| a * b).collect();
        let total = by_industry.iter().sum();
        Content { by_industry, total }
    }

    /// Final demand summed by the region it belongs to: N × m.
    fn y_by_region(&self) -> Mat<f64> {
        let sys = self.sys;
        let mut y = Mat::zeros(sys.n(), sys.regions.len());
        for (c, &r) in sys.y_region.iter().enumerate() {
            for p in 0..sys.n() {
                y[(p, r)] += sys.y[(p, c)];
            }
        }
        y
    }

    /// pymrio's `calc_accounts` for the satellites `sats` (indices into `sys.satellites`).
    ///
    /// Without forming L: `M = S L` comes from one transposed solve with K right-hand sides,
    /// the imported parts from one with K·m (S with region s's own industries zeroed, for each
    /// consuming region s), and output by region of final demand from one with m. Then
    /// `D_cba[:, (s, j)] = Σ_r M[:, (r, j)] Y[(r, j), s]`, the same for `D_imp` with the masked
    /// multipliers, so the imported part is summed directly rather than by subtraction.
    pub fn accounts(&self, sats: &[usize]) -> Accounts {
        let sys = self.sys;
        let (n, m, ns, k) = (sys.n(), sys.regions.len(), sys.n_sectors(), sats.len());
        let s: Vec<Vec<f64>> = sats.iter().map(|&i| self.coefficients(i)).collect();
        let yr = self.y_by_region();
        // Column kk: (s_kk' L)'. Column (reg, kk): multipliers of s_kk restricted to
        // industries outside region reg.
        let mt = self.solve_transpose(Mat::from_fn(n, k, |p, kk| s[kk][p]));
        let mt_out = self.solve_transpose(Mat::from_fn(n, k * m, |p, c| {
            let (reg, kk) = (c / k, c % k);
            if sys.region_of(p) == reg {
                0.0
            } else {
                s[kk][p]
            }
        }));
        let ly = self.solve(yr.clone());
        let mut d_cba = Mat::zeros(k, n);
        let mut d_imp = Mat::zeros(k, n);
        for reg in 0..m {
            for j in 0..ns {
                let col = reg * ns + j;
                for kk in 0..k {
                    let (mut cba, mut imp) = (0.0, 0.0);
                    for r in 0..m {
                        let c = r * ns + j;
                        let y = yr[(c, reg)];
                        cba += mt[(c, kk)] * y;
                        imp += mt_out[(c, reg * k + kk)] * y;
                    }
                    d_cba[(kk, col)] = cba;
                    d_imp[(kk, col)] = imp;
                }
            }
        }
        let x_tot: Vec<f64> = (0..n).map(|p| (0..m).map(|r| ly[(p, r)]).sum()).collect();
        let x_exp: Vec<f64> = (0..n)
            .map(|p| {
                (0..m)
                    .filter(|&r| r != sys.region_of(p))
                    .map(|r| ly[(p, r)])
                    .sum()
            })
            .collect();
        let d_pba = Mat::from_fn(k, n, |kk, p| s[kk][p] * x_tot[p]);
        let d_exp = Mat::from_fn(k, n, |kk, p| s[kk][p] * x_exp[p]);
        let by_region =
            |d: &Mat<f64>| Mat::from_fn(k, m, |kk, r| (0..ns).map(|j| d[(kk, r * ns + j)]).sum());
        let mut d_cba_reg = by_region(&d_cba);
        let mut d_pba_reg = by_region(&d_pba);
        // pymrio adds direct final-demand flows (household emissions) to the two regional
        // totals; they are neither imported nor exported.
        for (kk, &i) in sats.iter().enumerate() {
            if let Some(fy) = &sys.satellites[i].f_y {
                for (c, &r) in sys.y_region.iter().enumerate() {
                    d_cba_reg[(kk, r)] += fy[c];
                    d_pba_reg[(kk, r)] += fy[c];
                }
            }
        }
        Accounts {
            d_imp_reg: by_region(&d_imp),
            d_exp_reg: by_region(&d_exp),
            d_cba,
            d_pba,
            d_imp,
            d_exp,
            d_cba_reg,
            d_pba_reg,
        }
    }

    /// Gross exports by industry, one column per exporting region.
    ///
    /// Multi-regional: region r's exports of industry p are its sales to every other region,
    /// intermediate (Z) and final (Y) — the domestic blocks zeroed, as pymrio's
    /// `get_gross_trade`. National: Y's exports column (None when the table has none).
    pub fn gross_exports(&self) -> Option<Mat<f64>> {
        let sys = self.sys;
        let n = sys.n();
        match sys.kind {
            Kind::National => {
                let e = sys.exports()?;
                Some(Mat::from_fn(n, 1, |p, _| e[p]))
            }
            Kind::MultiRegional => {
                let m = sys.regions.len();
                let mut e = Mat::zeros(n, m);
                for p in 0..n {
                    let r = sys.region_of(p);
                    let mut t = 0.0;
                    for c in 0..n {
                        if sys.region_of(c) != r {
                            t += sys.z[(p, c)];
                        }
                    }
                    for (c, &cr) in sys.y_region.iter().enumerate() {
                        if cr != r {
                            t += sys.y[(p, c)];
                        }
                    }
                    e[(p, r)] = t;
                }
                Some(e)
            }
        }
    }

    /// Satellites embodied in gross exports (domestic, foreign, local-Leontief), or None for a
    /// national table without an exports column.
    pub fn export_content(&self, sats: &[usize]) -> Result<Option<ExportContent>> {
        let sys = self.sys;
        let Some(e) = self.gross_exports() else {
            return Ok(None);
        };
        let (n, m, ns, k) = (sys.n(), sys.regions.len(), sys.n_sectors(), sats.len());
        let le = self.solve(e.clone());
        let s: Vec<Vec<f64>> = sats.iter().map(|&i| self.coefficients(i)).collect();
        let mut domestic = Mat::zeros(k, m);
        let mut foreign = Mat::zeros(k, m);
        let mut local = Mat::zeros(k, m);
        let mut by_ind = Mat::zeros(k, n);
        for r in 0..m {
            let block: Vec<String> = sys.labels[r * ns..(r + 1) * ns].to_vec();
            let a_rr = Mat::from_fn(ns, ns, |i, j| self.a[(r * ns + i, r * ns + j)]);
            let e_r = Mat::from_fn(ns, 1, |i, _| e[(r * ns + i, r)]);
            let w = if m == 1 {
                self.solve(e_r)
            } else {
                factor(a_rr.as_ref(), &block)?.lu.solve(&e_r)
            };
            for (kk, sk) in s.iter().enumerate() {
                for p in 0..n {
                    let t = sk[p] * le[(p, r)];
                    if sys.region_of(p) == r {
                        domestic[(kk, r)] += t;
                        by_ind[(kk, p)] = t;
                    } else {
                        foreign[(kk, r)] += t;
                    }
                }
                local[(kk, r)] = (0..ns).map(|i| sk[r * ns + i] * w[(i, 0)]).sum();
            }
        }
        Ok(Some(ExportContent {
            exports: e,
            domestic,
            foreign,
            local,
            domestic_by_industry: by_ind,
        }))
    }
}

/// The first column of a matrix as a vector.
fn col_vec(m: &Mat<f64>) -> Vec<f64> {
    m.col(0).iter().copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::Satellite;

    /// Two regions × one sector, small enough to work out by hand.
    fn toy() -> IoSystem {
        // Z: r1 sells 10 to itself and 20 to r2; r2 sells 5 to r1 and 15 to itself.
        // Y: columns r1/hh, r2/hh. x = Z·1 + Y·1 = [100, 60].
        let z = Mat::from_fn(2, 2, |i, j| [[10.0, 20.0], [5.0, 15.0]][i][j]);
        let y = Mat::from_fn(2, 2, |i, j| [[50.0, 20.0], [10.0, 30.0]][i][j]);
        IoSystem {
            kind: Kind::MultiRegional,
            dir: ".".into(),
            regions: vec!["r1".into(), "r2".into()],
            sectors: vec!["a".into()],
            sector_names: vec!["a".into()],
            labels: vec!["r1/a".into(), "r2/a".into()],
            z,
            y,
            y_cols: vec!["r1/hh".into(), "r2/hh".into()],
            y_region: vec![0, 1],
            x: vec![100.0, 60.0],
            satellites: vec![Satellite {
                extension: "f".into(),
                name: "va".into(),
                f: vec![70.0, 25.0],
                f_y: Some(vec![1.0, 2.0]),
            }],
            exports_col: None,
            notes: vec![],
        }
    }

    #[test]
    fn accounts_add_up_and_match_direct_algebra() {
        let sys = toy();
        let an = Analysis::new(&sys).unwrap();
        let acc = an.accounts(&[0]);
        // Identities that hold for any consistent system: cba and pba totals agree (both
        // include F_Y once), and Σ cba − Σ imp = Σ pba − Σ exp (domestic use of own factors).
        let sum = |m: &Mat<f64>| (0..m.ncols()).map(|j| m[(0, j)]).sum::<f64>();
        assert!((sum(&acc.d_cba_reg) - sum(&acc.d_pba_reg)).abs() < 1e-9);
        assert!((sum(&acc.d_imp_reg) - sum(&acc.d_exp_reg)).abs() < 1e-9);
        // D_pba without F_Y is F itself when x = L y.
        assert!((acc.d_pba[(0, 0)] - 70.0).abs() < 1e-9);
        assert!((acc.d_pba_reg[(0, 1)] - 27.0).abs() < 1e-9);
        // D_exp of r1 = s1 · (L · y_r2)_1, by hand with L = inv(I − A).
        let l = an.l().unwrap();
        let s1 = 0.7;
        let want = s1 * (l[(0, 0)] * 20.0 + l[(0, 1)] * 30.0);
        assert!((acc.d_exp_reg[(0, 0)] - want).abs() < 1e-12);
    }

    #[test]
    fn export_content_splits_domestic_and_foreign() {
        let sys = toy();
        let an = Analysis::new(&sys).unwrap();
        let c = an.export_content(&[0]).unwrap().unwrap();
        // r1 gross exports: Z to r2 (20) + Y to r2 (20) = 40.
        assert_eq!(c.exports[(0, 0)], 40.0);
        assert_eq!(c.exports[(1, 0)], 0.0);
        let (l, s) = (an.l().unwrap(), [0.7, 25.0 / 60.0]);
        assert!((c.domestic[(0, 0)] - s[0] * l[(0, 0)] * 40.0).abs() < 1e-12);
        assert!((c.foreign[(0, 0)] - s[1] * l[(1, 0)] * 40.0).abs() < 1e-12);
        // Local Leontief: s1 · 40 / (1 − a11), a11 = 10/100.
        assert!((c.local[(0, 0)] - 0.7 * 40.0 / 0.9).abs() < 1e-12);
        assert!(c.local[(0, 0)] < c.domestic[(0, 0)]);
    }

    #[test]
    fn solves_agree_with_the_explicit_inverse() {
        let sys = toy();
        let an = Analysis::new(&sys).unwrap();
        let l = an.l().unwrap().clone();
        let e = [3.0, -1.0];
        let c = an.content(0, &e);
        let s = an.coefficients(0);
        for p in 0..2 {
            let le = l[(p, 0)] * e[0] + l[(p, 1)] * e[1];
            assert!((c.by_industry[p] - s[p] * le).abs() < 1e-12);
        }
        let om = an.output_multipliers();
        assert!((om[1] - (l[(0, 1)] + l[(1, 1)])).abs() < 1e-12);
    }

    #[test]
    fn unproductive_table_is_reported() {
        // r1 buys 150 of its own output per 100 produced: column sum of A is 1.5 + 0.05 > 1.
        let mut sys = toy();
        sys.z[(0, 0)] = 150.0;
        let an = Analysis::new(&sys).unwrap();
        assert!(
            an.notes.iter().any(|n| n.contains("sum to 1 or more")),
            "{:?}",
            an.notes
        );
        assert!(
            an.notes.iter().any(|n| n.contains("negative entries")),
            "{:?}",
            an.notes
        );
    }
}
