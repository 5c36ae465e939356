//! Weighted demeaning of variables on high-dimensional fixed effects.
//!
//! The projection of a variable `v` on the fixed-effect dummies `D` (weights `w`) is found in
//! the space of fixed-effect coefficients: block Gauss–Seidel (alternating projections) on the
//! normal equations `D'WD a = D'Wv`, one dimension at a time, accelerated with Irons–Tuck
//! extrapolation (as fixest does). The state that is iterated is the coefficient vector of
//! dimensions 2..Q (dimension 1 is recomputed first in every sweep), so the only N-length work
//! per sweep is one gather/scatter pass per dimension; nothing of length N is stored between
//! sweeps. Coefficients are kept by the caller and used as the starting point of the next
//! call (warm start across IRLS iterations).
//!
//! What bounds the hot loop: each pass reads the level ids of every dimension (4 bytes each)
//! and the weight (8 bytes) of every observation, gathers the other dimensions' coefficients
//! (random access into arrays that fit in L2 for gravity panels) and scatters into one
//! accumulator. It is memory-bandwidth and gather-latency bound, not arithmetic bound.

use crate::fe::FeIndex;
use rayon::prelude::*;

/// Outcome of one demeaning.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DemeanInfo {
    /// Number of Gauss–Seidel sweeps done.
    pub sweeps: usize,
    /// Whether the tolerance was reached.
    pub converged: bool,
}

/// Below this many observations a pass runs on one thread.
const PAR_MIN: usize = 1 << 17;

/// A dense level id as stored in a pass: `u32`, or `u16` for dimensions with few levels.
trait Id: Copy + PartialEq + Send + Sync {
    fn ix(self) -> usize;
}

impl Id for u32 {
    #[inline(always)]
    fn ix(self) -> usize {
        self as usize
    }
}

impl Id for u16 {
    #[inline(always)]
    fn ix(self) -> usize {
        self as usize
    }
}

/// Binds `$v` to the ids of dimension `$q` of `$fe` (`u16` when available, else `u32`) and
/// evaluates `$body` with it: one monomorphised loop per width.
macro_rules! with_ids {
    ($fe:expr, $q:expr, $n:expr, |$v:ident| $body:expr) => {
        if $fe.ids16[$q].is_empty() {
            let $v = &$fe.ids[$q][..$n];
            $body
        } else {
            let $v = &$fe.ids16[$q][..$n];
            $body
        }
    };
}

/// Adds `f(i)` into `acc[idq[i]]` for every observation. Large passes are split in two halves
/// run on both cores, each into its own accumulator, summed at the end: the one
/// synchronisation point per pass costs microseconds against milliseconds of work, and keeps
/// both cores busy even when one variable needs more sweeps than the others.
#[inline(always)]
fn accumulate<I: Id>(idq: &[I], runs: bool, acc: &mut [f64], f: impl Fn(usize) -> f64 + Sync) {
    let n = idq.len();
    if n < PAR_MIN {
        accumulate_range(idq, 0, runs, acc, &f);
        return;
    }
    let mid = n / 2;
    let mut acc2 = vec![0.0; acc.len()];
    rayon::join(
        || accumulate_range(&idq[..mid], 0, runs, acc, &f),
        || accumulate_range(&idq[mid..], mid, runs, &mut acc2, &f),
    );
    acc.iter_mut().zip(&acc2).for_each(|(a, b)| *a += b);
}

/// Serial part of [`accumulate`] over `idq` (observations `start..start + idq.len()`). When
/// consecutive observations mostly share their level (`runs`, e.g. a pair dimension of a
/// pair-major panel), the sum of a run is kept in a register and stored once, which removes
/// the store-to-load dependency of repeated scatters into the same slot.
#[inline(always)]
fn accumulate_range<I: Id>(
    idq: &[I],
    start: usize,
    runs: bool,
    acc: &mut [f64],
    f: &(impl Fn(usize) -> f64 + Sync),
) {
    if idq.is_empty() {
        return;
    }
    if runs {
        let mut cur = idq[0];
        let mut s = 0.0;
        for (i, &g) in idq.iter().enumerate() {
            if g != cur {
                acc[cur.ix()] += s;
                cur = g;
                s = 0.0;
            }
            s += f(start + i);
        }
        acc[cur.ix()] += s;
    } else {
        for (i, &g) in idq.iter().enumerate() {
            acc[g.ix()] += f(start + i);
        }
    }
}

/// Fixed effects combined with one set of observation weights.
pub(crate) struct Demeaner<'a> {
    fe: &'a FeIndex,
    w: &'a [f64],
    /// 1 / (sum of weights) per level, flat layout of `FeIndex`; 0 for empty levels.
    inv_wsum: Vec<f64>,
}

impl<'a> Demeaner<'a> {
    /// Precomputes the weight sums of every level.
    pub fn new(fe: &'a FeIndex, w: &'a [f64]) -> Self {
        let mut wsum = vec![0.0; fe.total()];
        for q in 0..fe.q() {
            let s = &mut wsum[fe.offsets[q]..fe.offsets[q] + fe.sizes[q]];
            with_ids!(fe, q, fe.ids[q].len(), |idq| accumulate(
                idq,
                fe.runs[q],
                s,
                |i| w[i]
            ));
        }
        let inv_wsum = wsum
            .into_iter()
            .map(|s| if s > 0.0 { 1.0 / s } else { 0.0 })
            .collect();
        Demeaner { fe, w, inv_wsum }
    }

    /// Weighted group sums of `v`, flat layout.
    fn group_sums(&self, v: &[f64]) -> Vec<f64> {
        let fe = self.fe;
        let mut b = vec![0.0; fe.total()];
        let w = self.w;
        for q in 0..fe.q() {
            let s = &mut b[fe.offsets[q]..fe.offsets[q] + fe.sizes[q]];
            with_ids!(fe, q, fe.ids[q].len(), |idq| accumulate(
                idq,
                fe.runs[q],
                s,
                |i| w[i] * v[i]
            ));
        }
        b
    }

    /// Updates dimension `q` of `a` given all the others (one exact block Gauss–Seidel step).
    fn update_dim(&self, q: usize, b: &[f64], a: &mut [f64], acc: &mut Vec<f64>) {
        let fe = self.fe;
        let nq = fe.sizes[q];
        acc.clear();
        acc.resize(nq, 0.0);
        let n = fe.ids[q].len();
        let w = &self.w[..n];
        let runs = fe.runs[q];
        let others: Vec<usize> = (0..fe.q()).filter(|&r| r != q).collect();
        let coefs = |r: usize| &a[fe.offsets[r]..fe.offsets[r] + fe.sizes[r]];
        // Specialised loops for the common cases: one, two or three other dimensions, each
        // id column read at its stored width (u16 or u32).
        // SAFETY (all `get_unchecked` below): `i < n` and every id slice and `w` have length
        // `n`; ids of dimension r are dense, `< fe.sizes[r]`, the length of its coefficient
        // slice (an invariant of `FeIndex::build`).
        match others.len() {
            1 => {
                let ar = coefs(others[0]);
                with_ids!(fe, q, n, |idq| with_ids!(fe, others[0], n, |idr| {
                    accumulate(idq, runs, acc, |i| unsafe {
                        *w.get_unchecked(i) * *ar.get_unchecked(idr.get_unchecked(i).ix())
                    })
                }));
            }
            2 => {
                let ar = coefs(others[0]);
                let as_ = coefs(others[1]);
                with_ids!(fe, q, n, |idq| with_ids!(fe, others[0], n, |idr| {
                    with_ids!(fe, others[1], n, |ids| {
                        accumulate(idq, runs, acc, |i| unsafe {
                            *w.get_unchecked(i)
                                * (*ar.get_unchecked(idr.get_unchecked(i).ix())
                                    + *as_.get_unchecked(ids.get_unchecked(i).ix()))
                        })
                    })
                }));
            }
            3 => {
                let idq = &fe.ids[q][..n];
                let (ar, idr) = (coefs(others[0]), &fe.ids[others[0]][..n]);
                let (as_, ids) = (coefs(others[1]), &fe.ids[others[1]][..n]);
                let (at, idt) = (coefs(others[2]), &fe.ids[others[2]][..n]);
                accumulate(idq, runs, acc, |i| unsafe {
                    *w.get_unchecked(i)
                        * (*ar.get_unchecked(*idr.get_unchecked(i) as usize)
                            + *as_.get_unchecked(*ids.get_unchecked(i) as usize)
                            + *at.get_unchecked(*idt.get_unchecked(i) as usize))
                });
            }
            _ => {
                let idq = &fe.ids[q][..n];
                let dims: Vec<_> = others
                    .iter()
                    .map(|&r| (coefs(r), &fe.ids[r][..n]))
                    .collect();
                accumulate(idq, runs, acc, |i| {
                    let mut s = 0.0;
                    for (ar, idr) in &dims {
                        s += ar[idr[i] as usize];
                    }
                    w[i] * s
                });
            }
        }
        let off = fe.offsets[q];
        for g in 0..nq {
            a[off + g] = (b[off + g] - acc[g]) * self.inv_wsum[off + g];
        }
    }

    /// One full Gauss–Seidel sweep over all dimensions, in place.
    fn sweep(&self, b: &[f64], a: &mut [f64], acc: &mut Vec<f64>) {
        for q in 0..self.fe.q() {
            self.update_dim(q, b, a, acc);
        }
    }

    /// Demeans `v`: writes `v - D a` into `out`, where `a` (flat fixed-effect coefficients,
    /// warm start on entry, solution on exit) solves the weighted normal equations.
    ///
    /// Stops when no coefficient of dimensions 2..Q moves by more than `tol` times the
    /// weighted root mean square of `v` in one sweep.
    pub fn demean(
        &self,
        v: &[f64],
        a: &mut Vec<f64>,
        tol: f64,
        max_sweeps: usize,
        out: &mut Vec<f64>,
    ) -> DemeanInfo {
        let fe = self.fe;
        let n = v.len();
        out.clear();
        out.resize(n, 0.0);
        let q = fe.q();
        if a.len() != fe.total() {
            a.clear();
            a.resize(fe.total(), 0.0);
        }
        if q == 0 {
            out.copy_from_slice(v);
            return DemeanInfo {
                sweeps: 0,
                converged: true,
            };
        }
        let b = self.group_sums(v);
        let mut acc = Vec::new();
        let mut info = DemeanInfo {
            sweeps: 0,
            converged: true,
        };
        if q == 1 {
            self.update_dim(0, &b, a, &mut acc);
            info.sweeps = 1;
        } else {
            let (mut ws, mut sw) = (0.0, 0.0);
            for (&wi, &vi) in self.w.iter().zip(v) {
                ws += wi * vi * vi;
                sw += wi;
            }
            let scale = if sw > 0.0 { (ws / sw).sqrt() } else { 0.0 };
            if scale == 0.0 {
                a.iter_mut().for_each(|x| *x = 0.0);
                return info;
            }
            let thr = tol * scale;
            let start = fe.offsets[1];
            let mut gx = a.clone();
            let mut ggx = a.clone();
            info.converged = false;
            let maxdiff = |x: &[f64], y: &[f64]| {
                x[start..]
                    .iter()
                    .zip(&y[start..])
                    .fold(0.0f64, |m, (p, q)| m.max((p - q).abs()))
            };
            while info.sweeps < max_sweeps {
                gx.copy_from_slice(a);
                self.sweep(&b, &mut gx, &mut acc);
                info.sweeps += 1;
                if maxdiff(a, &gx) <= thr {
                    a.copy_from_slice(&gx);
                    info.converged = true;
                    break;
                }
                ggx.copy_from_slice(&gx);
                self.sweep(&b, &mut ggx, &mut acc);
                info.sweeps += 1;
                if maxdiff(&gx, &ggx) <= thr {
                    a.copy_from_slice(&ggx);
                    info.converged = true;
                    break;
                }
                // Irons–Tuck: extrapolate along the last two steps of the fixed-point map.
                let (mut vprod, mut ssq) = (0.0, 0.0);
                for j in start..a.len() {
                    let dg = ggx[j] - gx[j];
                    let d2 = dg - gx[j] + a[j];
                    vprod += dg * d2;
                    ssq += d2 * d2;
                }
                if ssq == 0.0 || !ssq.is_finite() {
                    a.copy_from_slice(&ggx);
                    continue;
                }
                let coef = vprod / ssq;
                for j in start..a.len() {
                    a[j] = ggx[j] - coef * (ggx[j] - gx[j]);
                }
            }
            // Dimension 1 consistent with the final coefficients of the others.
            self.update_dim(0, &b, a, &mut acc);
        }
        let a: &[f64] = a;
        out.par_chunks_mut(1 << 14)
            .enumerate()
            .for_each(|(c, chunk)| {
                let lo = c << 14;
                for (k, o) in chunk.iter_mut().enumerate() {
                    let i = lo + k;
                    let mut s = 0.0;
                    for d in 0..q {
                        s += a[fe.offsets[d] + fe.ids[d][i] as usize];
                    }
                    *o = v[i] - s;
                }
            });
        info
    }

    /// Demeans several variables in parallel (one task per variable: no barrier inside a
    /// demeaning), each with its own warm-start coefficients.
    pub fn demean_many(
        &self,
        vars: &[&[f64]],
        alphas: &mut [Vec<f64>],
        outs: &mut [Vec<f64>],
        tol: f64,
        max_sweeps: usize,
    ) -> Vec<DemeanInfo> {
        vars.par_iter()
            .zip(alphas.par_iter_mut())
            .zip(outs.par_iter_mut())
            .map(|((v, a), o)| self.demean(v, a, tol, max_sweeps, o))
            .collect()
    }
}
