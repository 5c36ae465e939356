//! Partial equilibrium in one import market: WITS/SMART and the exact two-stage CES model.
//!
//! Formulas: docs/models.md §1.2 (SMART, infinite export supply), §1.3 (finite
//! export supply) and §1.4 (exact CES). Values are treated as quantities at world price 1, as
//! SMART does. Products are independent (no cross-product effects, no income effects), so the
//! market is simulated product by product: each product is one contiguous slice of partner
//! lines, and the kernels below take slices and write into preallocated output slices.
//!
//! Hot loop bound: every kernel is O(lines of the product) with two or three passes; the whole
//! market is O(lines), with no allocation inside the product loop.

/// Which partial-equilibrium model to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// WITS/SMART: trade creation on the partner whose tariff moved, Laird–Yeats diversion
    /// holding total imports fixed.
    Smart,
    /// Exact two-stage CES (Armington within the product, constant-elasticity total demand).
    Ces,
}

impl Model {
    /// The name used in scenario files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Model::Smart => "smart",
            Model::Ces => "ces",
        }
    }
}

/// Parameters shared by every product of the market.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Elasticity of substitution between partners' varieties of one product (σ ≥ 0).
    pub sigma: f64,
    /// Export-supply elasticity; `None` = infinite (world prices fixed), the WITS default.
    pub export_supply: Option<f64>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            sigma: 1.5,
            export_supply: None,
        }
    }
}

/// Results for one (partner, product) line; every value is in the units of the imports.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LineResult {
    /// Imports after the change.
    pub new_imports: f64,
    /// Trade creation (SMART: own-price effect; CES: total change minus diversion).
    pub creation: f64,
    /// Trade diversion (sums to zero over the partners of one product).
    pub diversion: f64,
    /// Tariff revenue change `t1·m1 − t0·m0`.
    pub revenue_change: f64,
    /// Consumer-surplus change attributed to the line (SMART: rectangle + triangle; CES: the
    /// product's exact ΔCS split by each line's contribution to the price-index change).
    pub consumer_surplus: f64,
    /// SMART's welfare column: the Harberger triangle ½(t0−t1)·TC. In CES mode: ΔCS + ΔTR.
    pub welfare: f64,
    /// The value gained by the exporter from a world-price rise (finite export supply only).
    pub price_effect: f64,
}

/// Results for one product market as a whole.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProductResult {
    /// Composite import price change P̂ (CES; SMART reports the expenditure-weighted mean of
    /// the partners' domestic price changes).
    pub price_index: f64,
    /// Total import change factor M̂ (new total / old total).
    pub quantity_index: f64,
    /// Exact consumer-surplus change of the product (CES) or the sum of the lines' (SMART).
    pub consumer_surplus: f64,
    /// Harberger triangle using creation and diversion, ½Σ(t0−t1)(TC+TD) (SMART; CES: 0).
    pub welfare_tc_td: f64,
    /// Lines whose imports would have turned negative and were set to zero (SMART only, for
    /// tariff increases beyond what the linear creation formula can carry).
    pub clamped: u32,
}

/// One product's inputs: slices of equal length, one entry per partner line.
#[derive(Debug, Clone, Copy)]
pub struct ProductLines<'a> {
    /// Baseline import values m0 ≥ 0.
    pub imports: &'a [f64],
    /// Baseline ad-valorem tariffs t0 ≥ 0 (fractions: 0.1 = 10 %).
    pub t0: &'a [f64],
    /// New tariffs t1 ≥ 0.
    pub t1: &'a [f64],
    /// Absolute import-demand elasticity |ε| of the product (> 0).
    pub demand_elasticity: f64,
}

/// Simulates one product with the chosen model; `out` must have one entry per line.
pub fn simulate_product(
    model: Model,
    lines: ProductLines<'_>,
    params: &Params,
    out: &mut [LineResult],
) -> ProductResult {
    match model {
        Model::Smart => smart_product(lines, params, out),
        Model::Ces => ces_product(lines, params.sigma, out),
    }
}

/// SMART for one product (docs/models.md §1.2–1.3).
///
/// Diversion: B = partners whose tariff falls (if none, those whose tariff rises), N = the
/// rest. Each group's domestic price change is its baseline-expenditure-weighted mean, which
/// equals the common change of §1.2 when all of B share one cut; Δ = 1 − (P̂_B / P̂_N) and the
/// non-linear Laird–Yeats form distributes `TD_B` in proportion to baseline imports.
pub fn smart_product(
    lines: ProductLines<'_>,
    params: &Params,
    out: &mut [LineResult],
) -> ProductResult {
    let ProductLines {
        imports: m,
        t0,
        t1,
        demand_elasticity: eps,
    } = lines;
    let n = m.len();
    debug_assert!(t0.len() == n && t1.len() == n && out.len() == n);
    // Share of a tariff change passed to the domestic price (1 with infinite supply, §1.3).
    let pass = match params.export_supply {
        None => 1.0,
        Some(ex) => ex / (ex + eps),
    };
    let any_cut = (0..n).any(|i| t1[i] < t0[i]);
    let in_b = |i: usize| {
        if any_cut {
            t1[i] < t0[i]
        } else {
            t1[i] > t0[i]
        }
    };
    // Pass 1: group totals at baseline and new domestic prices.
    let (mut mb, mut mn) = (0.0, 0.0);
    let (mut eb0, mut eb1, mut en0, mut en1) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..n {
        let e0 = m[i] * (1.0 + t0[i]);
        let phat = 1.0 + pass * ((1.0 + t1[i]) / (1.0 + t0[i]) - 1.0);
        if in_b(i) {
            mb += m[i];
            eb0 += e0;
            eb1 += e0 * phat;
        } else {
            mn += m[i];
            en0 += e0;
            en1 += e0 * phat;
        }
    }
    let rel_b = if eb0 > 0.0 { eb1 / eb0 } else { 1.0 };
    let rel_n = if en0 > 0.0 { en1 / en0 } else { 1.0 };
    let delta = 1.0 - rel_b / rel_n;
    // Laird–Yeats: (m_B/m_N) grows by the factor (1 + σΔ); it cannot fall below zero.
    let x = (params.sigma * delta).max(-1.0);
    let td_b = if mb > 0.0 && mn > 0.0 {
        mb * mn * x / (mb + mn + mb * x)
    } else {
        0.0
    };
    // Pass 2: line results.
    let mut res = ProductResult::default();
    let (mut e0_tot, mut e1_tot) = (0.0, 0.0);
    for i in 0..n {
        let dt = t0[i] - t1[i];
        let mut tc = eps * pass * m[i] * dt / (1.0 + t0[i]);
        let td = if mb > 0.0 && mn > 0.0 {
            if in_b(i) {
                td_b * m[i] / mb
            } else {
                -td_b * m[i] / mn
            }
        } else {
            0.0
        };
        if m[i] + tc + td < 0.0 {
            // A tariff increase so large that linear creation would make imports negative.
            tc = -m[i] - td;
            res.clamped += 1;
        }
        let m1 = m[i] + tc + td;
        let cs = dt * m[i] + 0.5 * dt * tc;
        out[i] = LineResult {
            new_imports: m1,
            creation: tc,
            diversion: td,
            revenue_change: t1[i] * m1 - t0[i] * m[i],
            consumer_surplus: cs,
            welfare: 0.5 * dt * tc,
            price_effect: m[i] * (1.0 - pass) * dt / (1.0 + t0[i]),
        };
        res.consumer_surplus += cs;
        res.welfare_tc_td += 0.5 * dt * (tc + td);
        let e0 = m[i] * (1.0 + t0[i]);
        e0_tot += e0;
        e1_tot += e0 * (1.0 + pass * ((1.0 + t1[i]) / (1.0 + t0[i]) - 1.0));
    }
    let total0: f64 = m.iter().sum();
    let total1: f64 = out.iter().map(|r| r.new_imports).sum();
    res.price_index = if e0_tot > 0.0 { e1_tot / e0_tot } else { 1.0 };
    res.quantity_index = if total0 > 0.0 { total1 / total0 } else { 1.0 };
    res
}

/// Exact two-stage CES for one product (docs/models.md §1.4), infinite export supply.
///
/// Decomposition into creation and diversion (our convention, not in §1.4): diversion is the
/// reallocation at unchanged total import volume, `TD_c = M·m_c·x_c / Σ_k m_k·x_k − m_c` with
/// `x_c = (p̂_c/P̂)^(−σ)`, so it sums to zero; creation is the rest of the change.
pub fn ces_product(lines: ProductLines<'_>, sigma: f64, out: &mut [LineResult]) -> ProductResult {
    let ProductLines {
        imports: m,
        t0,
        t1,
        demand_elasticity: eps,
    } = lines;
    let n = m.len();
    debug_assert!(t0.len() == n && t1.len() == n && out.len() == n);
    let e0: f64 = (0..n).map(|i| m[i] * (1.0 + t0[i])).sum();
    let total0: f64 = m.iter().sum();
    if e0 <= 0.0 {
        for (i, o) in out.iter_mut().enumerate() {
            *o = LineResult {
                new_imports: m[i],
                ..LineResult::default()
            };
        }
        return ProductResult {
            price_index: 1.0,
            quantity_index: 1.0,
            ..ProductResult::default()
        };
    }
    // Pass 1: the composite price change, accumulated as deviations from 1 (expm1/ln_1p) so
    // that unchanged tariffs give exactly P̂ = 1 and small cuts keep their precision.
    // σ = 1 is the Cobb–Douglas limit (a geometric mean).
    let cobb_douglas = (sigma - 1.0).abs() < 1e-12;
    let mut acc = 0.0;
    for i in 0..n {
        let s = m[i] * (1.0 + t0[i]) / e0;
        let ln_phat = ((1.0 + t1[i]) / (1.0 + t0[i])).ln();
        acc += if cobb_douglas {
            s * ln_phat
        } else {
            s * ((1.0 - sigma) * ln_phat).exp_m1()
        };
    }
    let ln_p = if cobb_douglas {
        acc
    } else {
        acc.ln_1p() / (1.0 - sigma)
    };
    let p_index = ln_p.exp();
    let m_index = (-eps * ln_p).exp();
    let dcs = if (eps - 1.0).abs() < 1e-12 {
        -e0 * ln_p
    } else {
        -e0 / (1.0 - eps) * ((1.0 - eps) * ln_p).exp_m1()
    };
    // Pass 2: new imports and the fixed-volume reallocation denominator.
    let mut denom = 0.0;
    let mut contrib_total = 0.0;
    for i in 0..n {
        let phat = (1.0 + t1[i]) / (1.0 + t0[i]);
        let x = (phat / p_index).powf(-sigma);
        denom += m[i] * x;
        out[i].new_imports = m[i] * x * m_index;
        // Each line's first-order contribution to the price index change, used only to
        // attribute the product's exact ΔCS to lines (lines whose price did not move get 0).
        let s = m[i] * (1.0 + t0[i]) / e0;
        let c = s * (phat - 1.0);
        out[i].consumer_surplus = c;
        contrib_total += c;
    }
    // Pass 3: decomposition and revenue.
    for i in 0..n {
        let phat = (1.0 + t1[i]) / (1.0 + t0[i]);
        let x = (phat / p_index).powf(-sigma);
        let m1 = out[i].new_imports;
        let td = if denom > 0.0 {
            total0 * m[i] * x / denom - m[i]
        } else {
            0.0
        };
        let cs = if contrib_total != 0.0 {
            // `+ 0.0` turns the −0 of an unmoved line into 0.
            dcs * out[i].consumer_surplus / contrib_total + 0.0
        } else {
            0.0
        };
        let dtr = t1[i] * m1 - t0[i] * m[i];
        out[i] = LineResult {
            new_imports: m1,
            creation: m1 - m[i] - td,
            diversion: td,
            revenue_change: dtr,
            consumer_surplus: cs,
            welfare: cs + dtr,
            price_effect: 0.0,
        };
    }
    ProductResult {
        price_index: p_index,
        quantity_index: m_index,
        consumer_surplus: dcs,
        welfare_tc_td: 0.0,
        clamped: 0,
    }
}

/// A whole import market: lines grouped by product (contiguous), columnar.
#[derive(Debug, Clone, Default)]
pub struct Market {
    /// `offsets[p]..offsets[p+1]` are the lines of product `p`; length = products + 1.
    pub offsets: Vec<usize>,
    /// Baseline imports per line.
    pub imports: Vec<f64>,
    /// Baseline tariff per line (fraction).
    pub t0: Vec<f64>,
    /// New tariff per line (fraction).
    pub t1: Vec<f64>,
    /// |ε| per product.
    pub demand_elasticity: Vec<f64>,
}

/// Results of a whole market, line by line and product by product.
#[derive(Debug, Clone, Default)]
pub struct MarketResult {
    /// One per line, in the market's order.
    pub lines: Vec<LineResult>,
    /// One per product.
    pub products: Vec<ProductResult>,
}

impl Market {
    /// Number of products.
    pub fn products(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Simulates every product. Allocation happens once, before the product loop.
    pub fn simulate(&self, model: Model, params: &Params) -> MarketResult {
        let mut lines = vec![LineResult::default(); self.imports.len()];
        let mut products = Vec::with_capacity(self.products());
        for p in 0..self.products() {
            let (a, b) = (self.offsets[p], self.offsets[p + 1]);
            let pl = ProductLines {
                imports: &self.imports[a..b],
                t0: &self.t0[a..b],
                t1: &self.t1[a..b],
                demand_elasticity: self.demand_elasticity[p],
            };
            products.push(simulate_product(model, pl, params, &mut lines[a..b]));
        }
        MarketResult { lines, products }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/models.md §1.6: one HS6 line; partners A (beneficiary), B, C; m = (100, 600, 300),
    /// t0 = 10 % for all, t1_A = 0, |ε| = 1.2, σ = 1.5, infinite supply.
    fn vector() -> ([f64; 3], [f64; 3], [f64; 3]) {
        ([100.0, 600.0, 300.0], [0.1; 3], [0.0, 0.1, 0.1])
    }

    fn close(a: f64, b: f64, tol: f64) {
        assert!(
            (a - b).abs() <= tol,
            "{a} vs {b} (diff {:e})",
            (a - b).abs()
        );
    }

    #[test]
    fn smart_reproduces_test_vector() {
        let (m, t0, t1) = vector();
        let mut out = [LineResult::default(); 3];
        let pr = smart_product(
            ProductLines {
                imports: &m,
                t0: &t0,
                t1: &t1,
                demand_elasticity: 1.2,
            },
            &Params::default(),
            &mut out,
        );
        // The table prints 6 decimals; the exact values follow from the closed forms:
        // TC_A = 1.2·100·0.1/1.1 = 12/1.1; TD_B = 100·900·1.5·(1/11)/(1000 + 100·1.5/11).
        let tc_a = 12.0 / 1.1;
        let x = 1.5 / 11.0;
        let td_b = 100.0 * 900.0 * x / (1000.0 + 100.0 * x);
        close(out[0].creation, tc_a, 1e-12);
        close(out[0].diversion, td_b, 1e-12);
        close(out[1].diversion, -td_b * 600.0 / 900.0, 1e-12);
        // Published (rounded) figures of §1.6, to their printed precision.
        let tol = 5e-7;
        close(out[0].creation, 10.909091, tol);
        close(out[0].diversion, 12.107623, tol);
        close(out[0].new_imports, 123.016714, tol);
        close(out[1].diversion, -8.071749, tol);
        close(out[1].new_imports, 591.928251, tol);
        close(out[2].diversion, -4.035874, tol);
        close(out[2].new_imports, 295.964126, tol);
        let dtr: f64 = out.iter().map(|r| r.revenue_change).sum();
        close(dtr, -11.210762, tol);
        close(100.0 + dtr, 88.789238, tol);
        let tri: f64 = out.iter().map(|r| r.welfare).sum();
        close(tri, 0.545455, tol);
        close(pr.welfare_tc_td, 1.150836, tol);
        close(pr.consumer_surplus, 10.545455, tol);
        assert_eq!(pr.clamped, 0);
    }

    #[test]
    fn ces_reproduces_test_vector() {
        let (m, t0, t1) = vector();
        let mut out = [LineResult::default(); 3];
        let pr = ces_product(
            ProductLines {
                imports: &m,
                t0: &t0,
                t1: &t1,
                demand_elasticity: 1.2,
            },
            1.5,
            &mut out,
        );
        let tol = 5e-7;
        close(pr.price_index, 0.990309, tol);
        close(pr.quantity_index, 1.011754, tol);
        close(out[0].new_imports, 115.032425, tol);
        close(out[1].new_imports, 598.249714, tol);
        close(out[2].new_imports, 299.124857, tol);
        let dm: f64 = out.iter().map(|r| r.new_imports).sum::<f64>() - 1000.0;
        close(dm, 12.406996, tol);
        close(pr.consumer_surplus, 10.722264, tol);
        let dtr: f64 = out.iter().map(|r| r.revenue_change).sum();
        close(dtr, -10.262543, tol);
        close(pr.consumer_surplus + dtr, 0.459721, tol);
        // Independent closed form: P̂ = (0.1·(1/1.1)^(−0.5) + 0.9)^(−2).
        let p = (0.1 * (1.0f64 / 1.1).powf(-0.5) + 0.9).powf(-2.0);
        close(pr.price_index, p, 1e-14);
        // Line CS attributions add up to the product's exact ΔCS; diversion sums to zero.
        let cs: f64 = out.iter().map(|r| r.consumer_surplus).sum();
        close(cs, pr.consumer_surplus, 1e-12);
        close(out.iter().map(|r| r.diversion).sum::<f64>(), 0.0, 1e-12);
    }

    #[test]
    fn hand_derived_properties() {
        // Heterogeneous cuts, several partners: diversion sums to zero (total held fixed in
        // the Laird–Yeats step), a zero cut changes nothing, revenue change = Σ line changes
        // = Σ(t1·m1) − Σ(t0·m0).
        let m = [50.0, 0.0, 400.0, 25.0, 525.0];
        let t0 = [0.2, 0.2, 0.05, 0.12, 0.3];
        let t1 = [0.0, 0.1, 0.05, 0.06, 0.3];
        for model in [Model::Smart, Model::Ces] {
            let mut out = [LineResult::default(); 5];
            let lines = ProductLines {
                imports: &m,
                t0: &t0,
                t1: &t1,
                demand_elasticity: 0.8,
            };
            simulate_product(model, lines, &Params::default(), &mut out);
            let td: f64 = out.iter().map(|r| r.diversion).sum();
            close(td, 0.0, 1e-10);
            let tr0: f64 = (0..5).map(|i| t0[i] * m[i]).sum();
            let tr1: f64 = (0..5).map(|i| t1[i] * out[i].new_imports).sum();
            let dtr: f64 = out.iter().map(|r| r.revenue_change).sum();
            close(dtr, tr1 - tr0, 1e-10);
            // No imports in, none out (a tariff line without trade stays at zero).
            close(out[1].new_imports, 0.0, 1e-12);
            let mut same = [LineResult::default(); 5];
            let pr = simulate_product(
                model,
                ProductLines { t1: &t0, ..lines },
                &Params::default(),
                &mut same,
            );
            for i in 0..5 {
                assert_eq!(same[i].new_imports, m[i], "{model:?}");
                assert_eq!(same[i].creation, 0.0);
                assert_eq!(same[i].diversion, 0.0);
                assert_eq!(same[i].revenue_change, 0.0);
                assert_eq!(same[i].consumer_surplus, 0.0);
            }
            close(pr.consumer_surplus, 0.0, 1e-12);
        }
    }

    #[test]
    fn smart_ceiling_and_increase() {
        // §1.2: as σΔ grows, diversion to B approaches (never exceeds) non-beneficiary trade.
        let m = [10.0, 90.0];
        let mut out = [LineResult::default(); 2];
        let p = Params {
            sigma: 1e9,
            export_supply: None,
        };
        smart_product(
            ProductLines {
                imports: &m,
                t0: &[0.5, 0.5],
                t1: &[0.0, 0.5],
                demand_elasticity: 1.0,
            },
            &p,
            &mut out,
        );
        assert!(out[0].diversion < 90.0 && out[0].diversion > 89.99);
        // A tariff increase on one partner diverts trade away from it.
        smart_product(
            ProductLines {
                imports: &m,
                t0: &[0.0, 0.0],
                t1: &[0.2, 0.0],
                demand_elasticity: 1.0,
            },
            &Params::default(),
            &mut out,
        );
        assert!(out[0].diversion < 0.0 && out[0].creation < 0.0);
        close(out[0].diversion + out[1].diversion, 0.0, 1e-12);
    }

    #[test]
    fn finite_supply_scales_creation() {
        // §1.3: TC = |ε|·ε_x/(ε_x+|ε|)·m·(t0−t1)/(1+t0); with ε_x = 99 the factor is ≈ 0.99.
        let mut out = [LineResult::default(); 1];
        let p = Params {
            sigma: 1.5,
            export_supply: Some(99.0),
        };
        smart_product(
            ProductLines {
                imports: &[100.0],
                t0: &[0.1],
                t1: &[0.0],
                demand_elasticity: 1.2,
            },
            &p,
            &mut out,
        );
        close(
            out[0].creation,
            1.2 * 99.0 / 100.2 * 100.0 * 0.1 / 1.1,
            1e-12,
        );
        assert!(out[0].price_effect > 0.0);
    }
}
