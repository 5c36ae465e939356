//! The core algebra: technical coefficients `A = Z diag(x)⁻¹`, the Leontief inverse
//! `L = (I − A)⁻¹`, coefficients `s = f / x` and multipliers `s L`.
//!
//! The inverse comes from a partially pivoted LU factorisation (faer). A singular or nearly
//! singular `I − A` is detected from the pivots and reported with the industry whose column
//! is dependent, instead of returning infinities or NaN.

use crate::error::{IoError, Result};
use faer::linalg::solvers::{DenseSolveCore, PartialPivLu};
use faer::{Mat, MatRef};

/// `A = Z diag(x)⁻¹`.
///
/// An industry with zero output and no purchases gets a zero column (it does not exist in this
/// economy); an industry with zero output that still buys inputs is an error, since its
/// coefficients would be infinite. Negative output is an error.
pub fn technical_coefficients(
    z: MatRef<'_, f64>,
    x: &[f64],
    labels: &[String],
) -> Result<Mat<f64>> {
    let n = z.nrows();
    if z.ncols() != n || x.len() != n || labels.len() != n {
        return Err(IoError::Mismatch(format!(
            "Z is {}×{}, x has {} entries and there are {} labels; all must be n×n, n, n",
            z.nrows(),
            z.ncols(),
            x.len(),
            labels.len()
        )));
    }
    for j in 0..n {
        if x[j] < 0.0 {
            return Err(IoError::Invalid(format!(
                "gross output of industry `{}` is negative ({}); output must be zero or positive",
                labels[j], x[j]
            )));
        }
        if x[j] == 0.0 {
            if let Some(i) = (0..n).find(|&i| z[(i, j)] != 0.0) {
                return Err(IoError::Invalid(format!(
                    "industry `{}` has zero gross output but buys {} from `{}`; \
                     inputs without output give infinite coefficients",
                    labels[j],
                    z[(i, j)],
                    labels[i]
                )));
            }
        }
    }
    let a = Mat::from_fn(
        n,
        n,
        |i, j| {
            if x[j] == 0.0 {
                0.0
            } else {
                z[(i, j)] / x[j]
            }
        },
    );
    // Finite inputs can still overflow (a flow of 1e300 over an output of 1e-10).
    for j in 0..n {
        if let Some(i) = (0..n).find(|&i| !a[(i, j)].is_finite()) {
            return Err(IoError::Invalid(format!(
                "the input coefficient of `{}` buying from `{}` overflows ({} / {}); check the \
                 units of Z and x",
                labels[j],
                labels[i],
                z[(i, j)],
                x[j]
            )));
        }
    }
    Ok(a)
}

/// The Leontief inverse and what was noticed computing it.
#[derive(Debug, Clone)]
pub struct Leontief {
    /// `L = (I − A)⁻¹`.
    pub l: Mat<f64>,
    /// Warnings: industries whose inputs cost at least their output, negative entries of L.
    pub notes: Vec<String>,
}

/// `I − A` factorised, ready for solves (`L b` without forming L) or for the inverse.
#[derive(Debug, Clone)]
pub struct Factored {
    /// LU of `I − A` with partial pivoting.
    pub lu: PartialPivLu<f64>,
    /// Warnings found so far (input coefficients summing to 1 or more).
    pub notes: Vec<String>,
    /// Whether L may have negative entries: some column of A sums to 1 or more, or A has a
    /// negative entry. Otherwise A ≥ 0 with column sums < 1, so the spectral radius is below 1
    /// and L = I + A + A² + … ≥ 0 (Hawkins–Simon holds) without looking at L.
    pub may_be_unproductive: bool,
}

/// LU of `I − A`, failing when `I − A` is singular.
///
/// Errors when a pivot is below `n·ε·max|pivot|` (the column of that industry is a linear
/// combination of the columns before it). Column sums of A at or above 1 (inputs cost at least
/// the output: value added ≤ 0) are named in the error or the notes, as they are the usual
/// cause of trouble.
pub fn factor(a: MatRef<'_, f64>, labels: &[String]) -> Result<Factored> {
    let n = a.nrows();
    if a.ncols() != n || labels.len() != n {
        return Err(IoError::Mismatch(format!(
            "A must be square with one label per industry; it is {}×{} with {} labels",
            a.nrows(),
            a.ncols(),
            labels.len()
        )));
    }
    let mut notes = Vec::new();
    let mut negative_a = false;
    let heavy: Vec<String> = (0..n)
        .filter_map(|j| {
            let col = a.col(j);
            let s: f64 = col.iter().sum();
            negative_a |= col.iter().any(|&v| v < 0.0);
            (s >= 1.0).then(|| format!("`{}` ({s:.6})", labels[j]))
        })
        .collect();
    let i_minus_a = Mat::from_fn(n, n, |i, j| f64::from(u8::from(i == j)) - a[(i, j)]);
    let lu = i_minus_a.partial_piv_lu();
    // The factorisation holds its own copy; keep one n×n buffer less alive.
    drop(i_minus_a);
    let u = lu.U();
    let max_pivot = (0..n).fold(0.0f64, |m, k| m.max(u[(k, k)].abs()));
    let tol = n as f64 * f64::EPSILON * max_pivot.max(1.0);
    // With row pivoting only, pivot k lives in column k: a tiny pivot means industry k's
    // column of I − A depends on the columns before it.
    if let Some(k) = (0..n)
        .filter(|&k| u[(k, k)].abs() <= tol || !u[(k, k)].is_finite())
        .min_by(|&p, &q| u[(p, p)].abs().total_cmp(&u[(q, q)].abs()))
    {
        let hint = if heavy.is_empty() {
            String::new()
        } else {
            format!(
                "; industries whose input coefficients sum to 1 or more: {}",
                heavy.join(", ")
            )
        };
        return Err(IoError::Singular(format!(
            "I − A is singular (pivot {:.3e} at industry `{}`, column {} of {n}): its column is a \
             combination of the others, so the Leontief inverse does not exist{hint}",
            u[(k, k)],
            labels[k],
            k + 1
        )));
    }
    if !heavy.is_empty() {
        notes.push(format!(
            "input coefficients sum to 1 or more (value added ≤ 0) for {}",
            heavy.join(", ")
        ));
    }
    Ok(Factored {
        lu,
        notes,
        may_be_unproductive: !heavy.is_empty() || negative_a,
    })
}

/// The inverse from a factorisation, checked: an error naming the industry pair when an
/// entry is not finite, and a note counting negative entries (an unproductive system).
pub fn inverse_checked(f: &Factored, labels: &[String]) -> Result<Leontief> {
    let l = f.lu.inverse();
    let n = l.nrows();
    let mut negative = 0usize;
    for j in 0..n {
        for (i, &v) in l.col(j).iter().enumerate() {
            if !v.is_finite() {
                return Err(IoError::Singular(format!(
                    "I − A is numerically singular: the Leontief inverse has a non-finite entry \
                     for industry `{}` buying from `{}`",
                    labels[j], labels[i]
                )));
            }
            negative += usize::from(v < -1e-12);
        }
    }
    let mut notes = f.notes.clone();
    if negative > 0 {
        notes.push(format!(
            "the Leontief inverse has {negative} negative entries: the system is not productive \
             (Hawkins–Simon fails), so multipliers may be meaningless"
        ));
    }
    Ok(Leontief { l, notes })
}

/// `L = (I − A)⁻¹` by LU with partial pivoting ([`factor`] then [`inverse_checked`]).
pub fn leontief(a: MatRef<'_, f64>, labels: &[String]) -> Result<Leontief> {
    inverse_checked(&factor(a, labels)?, labels)
}

/// Coefficients `s = f / x` (zero where output is zero).
pub fn coefficients(f: &[f64], x: &[f64]) -> Vec<f64> {
    f.iter()
        .zip(x)
        .map(|(&f, &x)| if x == 0.0 { 0.0 } else { f / x })
        .collect()
}

/// Row vector times matrix: `(s' L)_j = Σ_i s_i L_ij` (multipliers).
pub fn row_times(s: &[f64], l: MatRef<'_, f64>) -> Vec<f64> {
    (0..l.ncols())
        .map(|j| (0..l.nrows()).map(|i| s[i] * l[(i, j)]).sum())
        .collect()
}

/// Matrix times vector: `L e`.
pub fn times_col(l: MatRef<'_, f64>, e: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; l.nrows()];
    // Column order: faer stores columns contiguously, so this walks memory in order.
    for (j, &ej) in e.iter().enumerate() {
        if ej == 0.0 {
            continue;
        }
        for (i, o) in out.iter_mut().enumerate() {
            *o += l[(i, j)] * ej;
        }
    }
    out
}

/// Column sums of L: output multipliers.
pub fn column_sums(l: MatRef<'_, f64>) -> Vec<f64> {
    (0..l.ncols())
        .map(|j| (0..l.nrows()).map(|i| l[(i, j)]).sum())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("s{i}")).collect()
    }

    #[test]
    fn two_sector_inverse_matches_hand_algebra() {
        // Miller & Blair (2009) example 2.1: Z = [[150, 500], [200, 100]], x = [1000, 2000];
        // A = [[0.15, 0.25], [0.2, 0.05]], L = [[1.2541, 0.3300], [0.2640, 1.1221]] (4 d.p.).
        let z = Mat::from_fn(2, 2, |i, j| [[150.0, 500.0], [200.0, 100.0]][i][j]);
        let a = technical_coefficients(z.as_ref(), &[1000.0, 2000.0], &labels(2)).unwrap();
        assert!((a[(0, 1)] - 0.25).abs() < 1e-15);
        let l = leontief(a.as_ref(), &labels(2)).unwrap().l;
        // Exact: det = 0.85·0.95 − 0.25·0.2 = 0.7575; L = adj / det.
        let det = 0.85 * 0.95 - 0.25 * 0.2;
        let want = [[0.95 / det, 0.25 / det], [0.2 / det, 0.85 / det]];
        for i in 0..2 {
            for j in 0..2 {
                assert!((l[(i, j)] - want[i][j]).abs() < 1e-14);
            }
        }
        assert!((l[(0, 0)] - 1.2541).abs() < 1e-4);
    }

    #[test]
    fn zero_output_column_is_zero_but_inputs_without_output_fail() {
        let z = Mat::from_fn(2, 2, |i, j| if i == 0 && j == 0 { 1.0 } else { 0.0 });
        let a = technical_coefficients(z.as_ref(), &[10.0, 0.0], &labels(2)).unwrap();
        assert_eq!(a[(0, 1)], 0.0);
        assert_eq!(a[(1, 1)], 0.0);
        let z = Mat::from_fn(2, 2, |_, _| 1.0);
        let e = technical_coefficients(z.as_ref(), &[10.0, 0.0], &labels(2)).unwrap_err();
        assert!(e.to_string().contains("`s1` has zero gross output"), "{e}");
        let e = technical_coefficients(z.as_ref(), &[10.0, -1.0], &labels(2)).unwrap_err();
        assert!(e.to_string().contains("`s1` is negative"), "{e}");
        let z = Mat::from_fn(2, 2, |_, _| 1e300);
        let e = technical_coefficients(z.as_ref(), &[1e-10, 1.0], &labels(2)).unwrap_err();
        assert!(e.to_string().contains("overflows"), "{e}");
    }

    #[test]
    fn singular_system_names_the_industry() {
        // Industry s1 uses its whole output as its own input: column 1 of I − A is zero.
        let a = Mat::from_fn(3, 3, |i, j| match (i, j) {
            (1, 1) => 1.0,
            (0, 2) => 0.3,
            _ => 0.0,
        });
        let e = leontief(a.as_ref(), &labels(3)).unwrap_err().to_string();
        assert!(e.contains("singular"), "{e}");
        assert!(e.contains("`s1`"), "{e}");
        assert!(e.contains("sum to 1 or more: `s1`"), "{e}");
        assert!(!e.contains("NaN"), "{e}");
    }

    #[test]
    fn unproductive_system_is_flagged() {
        let a = Mat::from_fn(2, 2, |i, j| [[0.5, 0.9], [0.9, 0.5]][i][j]);
        let out = leontief(a.as_ref(), &labels(2)).unwrap();
        assert!(out.notes.iter().any(|n| n.contains("negative entries")));
        assert!(out.notes.iter().any(|n| n.contains("sum to 1 or more")));
    }

    #[test]
    fn vector_products() {
        let l = Mat::from_fn(2, 2, |i, j| [[1.0, 2.0], [3.0, 4.0]][i][j]);
        assert_eq!(row_times(&[1.0, 1.0], l.as_ref()), [4.0, 6.0]);
        assert_eq!(times_col(l.as_ref(), &[1.0, 1.0]), [3.0, 7.0]);
        assert_eq!(column_sums(l.as_ref()), [4.0, 6.0]);
        assert_eq!(coefficients(&[2.0, 1.0], &[4.0, 0.0]), [0.5, 0.0]);
    }
}
