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
//! Several variables are demeaned together, up to [`BLOCK`] at a time: their coefficients are
//! stored interleaved (`a[level * K + column]`), so one pass over the observations reads the
//! level ids and the weight once for all of them and gathers each level's coefficients from
//! one cache line. Every variable keeps its own Irons–Tuck extrapolation and its own stopping
//! test; the block sweeps until the last of them has converged (the others only get closer).
//!
//! What bounds the hot loop: each pass streams the level ids of every dimension (2 or 4 bytes
//! each) and the weight (8 bytes) of every observation, gathers the other dimensions'
//! coefficients (arrays that fit in L2 for gravity panels) and scatters into one accumulator.
//! With one variable it is memory-bandwidth bound (about 14 bytes per observation and pass
//! for three dimensions); with a block of three the same bytes feed three times the
//! arithmetic, which is why the variables of an IRLS step are demeaned as one block.

use crate::fe::FeIndex;
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Time spent in the passes of each fixed-effect dimension (first four), in nanoseconds, over
/// the whole process: `BALANZA_GRAVITY_TRACE` prints it to show where the demeaning goes.
static PASS_NANOS: [AtomicU64; 4] = [const { AtomicU64::new(0) }; 4];

/// Seconds spent so far in the passes of each of the first four dimensions.
pub(crate) fn pass_seconds() -> Vec<f64> {
    PASS_NANOS
        .iter()
        .map(|t| t.load(Ordering::Relaxed) as f64 * 1e-9)
        .collect()
}

/// Outcome of one demeaning.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DemeanInfo {
    /// Number of Gauss–Seidel sweeps done.
    pub sweeps: usize,
    /// Whether the tolerance was reached.
    pub converged: bool,
}

/// Observations per task of the simple parallel passes (residuals, sums of squares).
const CHUNK: usize = 1 << 14;

/// Below this many observations a pass runs on one thread.
const PAR_MIN: usize = 1 << 17;

/// Most variables demeaned in one block (more are split into several blocks): z and up to
/// five regressors, the usual gravity model, share one pass; beyond that the run sums no
/// longer fit in registers and the code of every width has to be compiled.
pub(crate) const BLOCK: usize = 6;

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

/// Adds `f(i)` (K values) into `acc[idq[i] * K ..][..K]` for every observation. Large passes
/// are split in two halves run on both cores, the second into `spare` (a reused buffer),
/// summed at the end: the one synchronisation point per pass costs microseconds against
/// milliseconds of work.
#[inline(always)]
fn accumulate<I: Id, const K: usize>(
    idq: &[I],
    runs: bool,
    acc: &mut [f64],
    spare: &mut Vec<f64>,
    f: impl Fn(usize) -> [f64; K] + Sync,
) {
    let n = idq.len();
    if n < PAR_MIN {
        accumulate_range::<I, K>(idq, 0, runs, acc, &f);
        return;
    }
    let mid = n / 2;
    spare.clear();
    spare.resize(acc.len(), 0.0);
    rayon::join(
        || accumulate_range::<I, K>(&idq[..mid], 0, runs, acc, &f),
        || accumulate_range::<I, K>(&idq[mid..], mid, runs, spare, &f),
    );
    acc.iter_mut().zip(spare.iter()).for_each(|(a, b)| *a += b);
}

/// [`accumulate`] or, for a dimension whose levels are contiguous runs,
/// [`accumulate_runs`] (which needs neither the ids nor the spare buffer).
#[inline(always)]
fn accumulate_dim<I: Id, const K: usize>(
    fe: &FeIndex,
    q: usize,
    idq: &[I],
    acc: &mut [f64],
    spare: &mut Vec<f64>,
    f: impl Fn(usize) -> [f64; K] + Sync,
) {
    if fe.starts[q].is_empty() {
        accumulate::<I, K>(idq, fe.runs[q], acc, spare, f);
    } else {
        accumulate_runs::<K>(&fe.starts[q], acc, f);
    }
}

/// Serial part of [`accumulate`] over `idq` (observations `start..start + idq.len()`). When
/// consecutive observations mostly share their level (`runs`, e.g. a pair dimension of a
/// pair-major panel), the sums of a run are kept in registers and stored once, which removes
/// the store-to-load dependency of repeated scatters into the same slots.
#[inline(always)]
fn accumulate_range<I: Id, const K: usize>(
    idq: &[I],
    start: usize,
    runs: bool,
    acc: &mut [f64],
    f: &(impl Fn(usize) -> [f64; K] + Sync),
) {
    if idq.is_empty() {
        return;
    }
    if runs {
        let mut cur = idq[0];
        let mut s = [0.0; K];
        for (i, &g) in idq.iter().enumerate() {
            if g != cur {
                let slot = &mut acc[cur.ix() * K..cur.ix() * K + K];
                for c in 0..K {
                    slot[c] += s[c];
                }
                cur = g;
                s = [0.0; K];
            }
            let v = f(start + i);
            for c in 0..K {
                s[c] += v[c];
            }
        }
        let slot = &mut acc[cur.ix() * K..cur.ix() * K + K];
        for c in 0..K {
            slot[c] += s[c];
        }
    } else {
        for (i, &g) in idq.iter().enumerate() {
            let v = f(start + i);
            let slot = &mut acc[g.ix() * K..g.ix() * K + K];
            for c in 0..K {
                slot[c] += v[c];
            }
        }
    }
}

/// Sums `f(i)` (K values) over each run `g` of `starts` (observations
/// `starts[g]..starts[g + 1]`, all of level `g`) into `acc[g * K..][..K]`, which it
/// overwrites. Two interleaved partial sums halve the chain of dependent additions; large
/// passes are split between both cores at a run boundary, each half writing its own levels.
#[inline(always)]
fn accumulate_runs<const K: usize>(
    starts: &[usize],
    acc: &mut [f64],
    f: impl Fn(usize) -> [f64; K] + Sync,
) {
    let levels = starts.len() - 1;
    let n = starts[levels];
    let serial = |first: usize, acc: &mut [f64]| {
        for (r, slot) in acc.chunks_exact_mut(K).enumerate() {
            let (lo, hi) = (starts[first + r], starts[first + r + 1]);
            let mut s0 = [0.0; K];
            let mut s1 = [0.0; K];
            let mut i = lo;
            while i + 1 < hi {
                let (u, v) = (f(i), f(i + 1));
                for c in 0..K {
                    s0[c] += u[c];
                    s1[c] += v[c];
                }
                i += 2;
            }
            if i < hi {
                let u = f(i);
                for c in 0..K {
                    s0[c] += u[c];
                }
            }
            for c in 0..K {
                slot[c] = s0[c] + s1[c];
            }
        }
    };
    if n < PAR_MIN {
        serial(0, acc);
        return;
    }
    let mid = starts.partition_point(|&s| s < n / 2).min(levels);
    let (a, b) = acc.split_at_mut(mid * K);
    rayon::join(|| serial(0, a), || serial(mid, b));
}

/// The K coefficients of level `g` in an interleaved coefficient slice.
///
/// # Safety
/// `(g + 1) * K <= a.len()`.
#[inline(always)]
unsafe fn level<const K: usize>(a: &[f64], g: usize) -> &[f64; K] {
    &*(a.as_ptr().add(g * K) as *const [f64; K])
}

/// Fixed effects combined with one set of observation weights.
pub(crate) struct Demeaner<'a> {
    fe: &'a FeIndex,
    w: &'a [f64],
    /// 1 / (sum of weights) per level, flat layout of `FeIndex`; 0 for empty levels.
    inv_wsum: Vec<f64>,
}

/// Scratch buffers of one block demeaning, reused across its passes.
struct Scratch {
    acc: Vec<f64>,
    spare: Vec<f64>,
}

impl<'a> Demeaner<'a> {
    /// Precomputes the weight sums of every level.
    pub fn new(fe: &'a FeIndex, w: &'a [f64]) -> Self {
        let mut wsum = vec![0.0; fe.total()];
        let mut spare = Vec::new();
        for q in 0..fe.q() {
            let s = &mut wsum[fe.offsets[q]..fe.offsets[q] + fe.sizes[q]];
            with_ids!(fe, q, fe.ids[q].len(), |idq| accumulate_dim::<_, 1>(
                fe,
                q,
                idq,
                s,
                &mut spare,
                |i| [w[i]]
            ));
        }
        let inv_wsum = wsum
            .into_iter()
            .map(|s| if s > 0.0 { 1.0 / s } else { 0.0 })
            .collect();
        Demeaner { fe, w, inv_wsum }
    }

    /// Weighted group sums of the K variables, interleaved flat layout.
    fn group_sums<const K: usize>(&self, vs: &[&[f64]; K], scratch: &mut Scratch) -> Vec<f64> {
        let fe = self.fe;
        let mut b = vec![0.0; fe.total() * K];
        let w = self.w;
        for q in 0..fe.q() {
            let s = &mut b[fe.offsets[q] * K..(fe.offsets[q] + fe.sizes[q]) * K];
            with_ids!(fe, q, fe.ids[q].len(), |idq| accumulate_dim::<_, K>(
                fe,
                q,
                idq,
                s,
                &mut scratch.spare,
                |i| {
                    let wi = w[i];
                    std::array::from_fn(|c| wi * vs[c][i])
                }
            ));
        }
        b
    }

    /// Updates dimension `q` of the interleaved coefficients `a` given all the others (one
    /// exact block Gauss–Seidel step for each of the K variables).
    fn update_dim<const K: usize>(&self, q: usize, b: &[f64], a: &mut [f64], s: &mut Scratch) {
        let started = std::time::Instant::now();
        let fe = self.fe;
        let nq = fe.sizes[q];
        s.acc.clear();
        s.acc.resize(nq * K, 0.0);
        let n = fe.ids[q].len();
        let w = &self.w[..n];
        let others: Vec<usize> = (0..fe.q()).filter(|&r| r != q).collect();
        let coefs = |r: usize| &a[fe.offsets[r] * K..(fe.offsets[r] + fe.sizes[r]) * K];
        let (acc, spare) = (&mut s.acc, &mut s.spare);
        // Specialised loops for the common cases: one, two or three other dimensions, each
        // id column read at its stored width (u16 or u32).
        // SAFETY (all `get_unchecked` and `level` below): `i < n` and every id slice and `w`
        // have length `n`; ids of dimension r are dense, `< fe.sizes[r]`, and its coefficient
        // slice holds `fe.sizes[r] * K` values (an invariant of `FeIndex::build`).
        match others.len() {
            1 => {
                let ar = coefs(others[0]);
                with_ids!(fe, q, n, |idq| with_ids!(fe, others[0], n, |idr| {
                    accumulate_dim::<_, K>(fe, q, idq, acc, spare, |i| unsafe {
                        let wi = *w.get_unchecked(i);
                        let x = level::<K>(ar, idr.get_unchecked(i).ix());
                        std::array::from_fn(|c| wi * x[c])
                    })
                }));
            }
            2 => {
                let ar = coefs(others[0]);
                let as_ = coefs(others[1]);
                with_ids!(fe, q, n, |idq| with_ids!(fe, others[0], n, |idr| {
                    with_ids!(fe, others[1], n, |ids| {
                        accumulate_dim::<_, K>(fe, q, idq, acc, spare, |i| unsafe {
                            let wi = *w.get_unchecked(i);
                            let x = level::<K>(ar, idr.get_unchecked(i).ix());
                            let y = level::<K>(as_, ids.get_unchecked(i).ix());
                            std::array::from_fn(|c| wi * (x[c] + y[c]))
                        })
                    })
                }));
            }
            3 => {
                let idq = &fe.ids[q][..n];
                let (ar, idr) = (coefs(others[0]), &fe.ids[others[0]][..n]);
                let (as_, ids) = (coefs(others[1]), &fe.ids[others[1]][..n]);
                let (at, idt) = (coefs(others[2]), &fe.ids[others[2]][..n]);
                accumulate_dim::<_, K>(fe, q, idq, acc, spare, |i| unsafe {
                    let wi = *w.get_unchecked(i);
                    let x = level::<K>(ar, *idr.get_unchecked(i) as usize);
                    let y = level::<K>(as_, *ids.get_unchecked(i) as usize);
                    let z = level::<K>(at, *idt.get_unchecked(i) as usize);
                    std::array::from_fn(|c| wi * (x[c] + y[c] + z[c]))
                });
            }
            _ => {
                let idq = &fe.ids[q][..n];
                let dims: Vec<_> = others
                    .iter()
                    .map(|&r| (coefs(r), &fe.ids[r][..n]))
                    .collect();
                accumulate_dim::<_, K>(fe, q, idq, acc, spare, |i| {
                    let mut s = [0.0; K];
                    for (ar, idr) in &dims {
                        let g = idr[i] as usize * K;
                        for c in 0..K {
                            s[c] += ar[g + c];
                        }
                    }
                    s.map(|v| w[i] * v)
                });
            }
        }
        let off = fe.offsets[q];
        for g in 0..nq {
            let inv = self.inv_wsum[off + g];
            for c in 0..K {
                let j = (off + g) * K + c;
                a[j] = (b[j] - s.acc[g * K + c]) * inv;
            }
        }
        if let Some(t) = PASS_NANOS.get(q) {
            t.fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        }
    }

    /// One full Gauss–Seidel sweep over all dimensions, in place.
    fn sweep<const K: usize>(&self, b: &[f64], a: &mut [f64], s: &mut Scratch) {
        for q in 0..self.fe.q() {
            self.update_dim::<K>(q, b, a, s);
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
        self.demean_many(
            &[v],
            std::slice::from_mut(a),
            std::slice::from_mut(out),
            tol,
            max_sweeps,
        )[0]
    }

    /// Demeans several variables, each with its own warm-start coefficients (`alphas`, flat
    /// layout, solution on exit) into `outs`; blocks of up to [`BLOCK`] variables share their
    /// passes over the observations (see the module documentation).
    pub fn demean_many(
        &self,
        vars: &[&[f64]],
        alphas: &mut [Vec<f64>],
        outs: &mut [Vec<f64>],
        tol: f64,
        max_sweeps: usize,
    ) -> Vec<DemeanInfo> {
        let mut infos = Vec::with_capacity(vars.len());
        // Blocks of equal size (7 variables: 4 + 3, not 6 + 1).
        let blocks = vars.len().div_ceil(BLOCK).max(1);
        let size = vars.len().div_ceil(blocks).max(1);
        for ((v, a), o) in vars
            .chunks(size)
            .zip(alphas.chunks_mut(size))
            .zip(outs.chunks_mut(size))
        {
            infos.extend(self.demean_dispatch(v, a, o, tol, max_sweeps, None));
        }
        infos
    }

    /// [`Self::demean_many`] for at most [`BLOCK`] variables (one block), also returning the
    /// weighted cross products of the demeaned variables (row-major, `sum w r_c r_d`), the
    /// normal equations of the weighted regression on them.
    pub fn demean_gram(
        &self,
        vars: &[&[f64]],
        alphas: &mut [Vec<f64>],
        outs: &mut [Vec<f64>],
        tol: f64,
        max_sweeps: usize,
    ) -> (Vec<DemeanInfo>, Vec<f64>) {
        assert!(
            !vars.is_empty() && vars.len() <= BLOCK,
            "one block of variables"
        );
        let mut gram = Vec::new();
        let infos = self.demean_dispatch(vars, alphas, outs, tol, max_sweeps, Some(&mut gram));
        if gram.is_empty() {
            // No fixed effects: the variables are their own residuals.
            let cols: Vec<&[f64]> = outs[..vars.len()].iter().map(|o| o.as_slice()).collect();
            gram = crate::linalg::cross(&cols, Some(self.w), None).0;
        }
        (infos, gram)
    }

    /// One block, monomorphised on its width.
    fn demean_dispatch(
        &self,
        v: &[&[f64]],
        a: &mut [Vec<f64>],
        o: &mut [Vec<f64>],
        tol: f64,
        max_sweeps: usize,
        gram: Option<&mut Vec<f64>>,
    ) -> Vec<DemeanInfo> {
        match v.len() {
            1 => self.demean_block::<1>(v, a, o, tol, max_sweeps, gram),
            2 => self.demean_block::<2>(v, a, o, tol, max_sweeps, gram),
            3 => self.demean_block::<3>(v, a, o, tol, max_sweeps, gram),
            4 => self.demean_block::<4>(v, a, o, tol, max_sweeps, gram),
            5 => self.demean_block::<5>(v, a, o, tol, max_sweeps, gram),
            _ => self.demean_block::<6>(v, a, o, tol, max_sweeps, gram),
        }
    }

    /// Sum of the weights and, per variable, the weighted sum of squares (one parallel pass).
    fn weighted_squares<const K: usize>(&self, vs: &[&[f64]; K]) -> (f64, [f64; K]) {
        let w = self.w;
        w.par_chunks(CHUNK)
            .enumerate()
            .map(|(ch, wc)| {
                let lo = ch * CHUNK;
                let mut sw = 0.0;
                let mut ws = [0.0; K];
                for (k, &wi) in wc.iter().enumerate() {
                    sw += wi;
                    for c in 0..K {
                        let v = vs[c][lo + k];
                        ws[c] += wi * v * v;
                    }
                }
                (sw, ws)
            })
            .reduce(
                || (0.0, [0.0; K]),
                |(a, x), (b, y)| (a + b, std::array::from_fn(|c| x[c] + y[c])),
            )
    }

    /// Demeans exactly K variables as one block.
    fn demean_block<const K: usize>(
        &self,
        vars: &[&[f64]],
        alphas: &mut [Vec<f64>],
        outs: &mut [Vec<f64>],
        tol: f64,
        max_sweeps: usize,
        gram: Option<&mut Vec<f64>>,
    ) -> Vec<DemeanInfo> {
        let fe = self.fe;
        let vs: [&[f64]; K] = std::array::from_fn(|c| vars[c]);
        let n = vs[0].len();
        let q = fe.q();
        let total = fe.total();
        let mut infos = vec![
            DemeanInfo {
                sweeps: 0,
                converged: true,
            };
            K
        ];
        if q == 0 {
            for c in 0..K {
                outs[c].clear();
                outs[c].extend_from_slice(vs[c]);
                alphas[c].clear();
            }
            return infos;
        }
        // Interleave the warm starts (a missing one starts at zero).
        let mut a = vec![0.0; total * K];
        for (c, al) in alphas.iter().enumerate() {
            if al.len() == total {
                for (j, &x) in al.iter().enumerate() {
                    a[j * K + c] = x;
                }
            }
        }
        let mut s = Scratch {
            acc: Vec::new(),
            spare: Vec::new(),
        };
        let b = self.group_sums::<K>(&vs, &mut s);
        if q == 1 {
            self.update_dim::<K>(0, &b, &mut a, &mut s);
            infos.iter_mut().for_each(|i| i.sweeps = 1);
        } else {
            // Per variable: the weighted root mean square sets the scale of its threshold.
            let mut thr = [0.0; K];
            let mut done = [false; K];
            let (sw, ws) = self.weighted_squares::<K>(&vs);
            for c in 0..K {
                let scale = if sw > 0.0 { (ws[c] / sw).sqrt() } else { 0.0 };
                thr[c] = tol * scale;
                if scale == 0.0 {
                    // A zero variable: its coefficients are zero, nothing to iterate.
                    (0..total).for_each(|j| a[j * K + c] = 0.0);
                    done[c] = true;
                }
            }
            let start = fe.offsets[1] * K;
            let mut gx = a.clone();
            let mut ggx = a.clone();
            let mut sweeps = 0;
            // Largest move of each variable's coefficients between two iterates; marks the
            // variables whose move is within their threshold as done.
            let check = |x: &[f64], y: &[f64], done: &mut [bool; K]| {
                let mut m = [0.0f64; K];
                for (j, (p, r)) in x[start..].iter().zip(&y[start..]).enumerate() {
                    let c = j % K;
                    m[c] = m[c].max((p - r).abs());
                }
                for c in 0..K {
                    if m[c] <= thr[c] {
                        done[c] = true;
                    }
                }
                done.iter().all(|&d| d)
            };
            let mut all_done = done.iter().all(|&d| d);
            while !all_done && sweeps < max_sweeps {
                gx.copy_from_slice(&a);
                self.sweep::<K>(&b, &mut gx, &mut s);
                sweeps += 1;
                if check(&a, &gx, &mut done) {
                    a.copy_from_slice(&gx);
                    all_done = true;
                    break;
                }
                ggx.copy_from_slice(&gx);
                self.sweep::<K>(&b, &mut ggx, &mut s);
                sweeps += 1;
                if check(&gx, &ggx, &mut done) {
                    a.copy_from_slice(&ggx);
                    all_done = true;
                    break;
                }
                // Irons–Tuck, per variable still iterating: extrapolate along the last two
                // steps of the fixed-point map. Variables already converged take the plain
                // step (it is a contraction: they stay converged).
                let mut vprod = [0.0; K];
                let mut ssq = [0.0; K];
                for j in start..a.len() {
                    let c = j % K;
                    let dg = ggx[j] - gx[j];
                    let d2 = dg - gx[j] + a[j];
                    vprod[c] += dg * d2;
                    ssq[c] += d2 * d2;
                }
                let coef: [f64; K] = std::array::from_fn(|c| {
                    if done[c] || ssq[c] == 0.0 || !ssq[c].is_finite() {
                        0.0
                    } else {
                        vprod[c] / ssq[c]
                    }
                });
                for j in start..a.len() {
                    let c = j % K;
                    a[j] = ggx[j] - coef[c] * (ggx[j] - gx[j]);
                }
            }
            for (c, info) in infos.iter_mut().enumerate() {
                info.sweeps = sweeps;
                info.converged = all_done || done[c];
            }
            // Dimension 1 consistent with the final coefficients of the others.
            self.update_dim::<K>(0, &b, &mut a, &mut s);
        }
        // Residuals v - D a (one pass for all K variables), and the coefficients back to the
        // caller's flat layout.
        let mut columns: Vec<std::slice::ChunksMut<f64>> = outs[..K]
            .iter_mut()
            .map(|o| {
                o.clear();
                o.resize(n, 0.0);
                o.chunks_mut(CHUNK)
            })
            .collect();
        let mut chunks: Vec<Vec<&mut [f64]>> = Vec::with_capacity(n.div_ceil(CHUNK));
        while let Some(first) = columns[0].next() {
            let mut group = vec![first];
            group.extend(columns[1..].iter_mut().filter_map(|c| c.next()));
            chunks.push(group);
        }
        let a = &a;
        let w = self.w;
        let want_gram = gram.is_some();
        // With `gram`: the weighted cross products of the residuals, sum w r_c r_d (c >= d),
        // accumulated while they are in registers (it spares the caller a pass over them).
        let g = chunks
            .into_par_iter()
            .enumerate()
            .map(|(ch, mut group)| {
                let lo = ch * CHUNK;
                let mut g = vec![0.0; if want_gram { K * K } else { 0 }];
                for k in 0..group[0].len() {
                    let i = lo + k;
                    let mut s = [0.0; K];
                    for d in 0..q {
                        let x = &a[(fe.offsets[d] + fe.ids[d][i] as usize) * K..][..K];
                        for c in 0..K {
                            s[c] += x[c];
                        }
                    }
                    let r: [f64; K] = std::array::from_fn(|c| vs[c][i] - s[c]);
                    for c in 0..K {
                        group[c][k] = r[c];
                    }
                    if want_gram {
                        let wi = w[i];
                        for c in 0..K {
                            let wr = wi * r[c];
                            for d in 0..=c {
                                g[c * K + d] += wr * r[d];
                            }
                        }
                    }
                }
                g
            })
            .reduce(Vec::new, |mut x, y| {
                if x.is_empty() {
                    return y;
                }
                x.iter_mut().zip(&y).for_each(|(p, q)| *p += q);
                x
            });
        if let Some(out) = gram {
            out.clear();
            out.resize(K * K, 0.0);
            for c in 0..K {
                for d in 0..=c {
                    let v = g.get(c * K + d).copied().unwrap_or(0.0);
                    out[c * K + d] = v;
                    out[d * K + c] = v;
                }
            }
        }
        for (c, al) in alphas.iter_mut().enumerate().take(K) {
            al.clear();
            al.extend((0..total).map(|j| a[j * K + c]));
        }
        infos
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small unbalanced three-way panel with uneven weights.
    fn panel() -> (FeIndex, Vec<f64>, Vec<Vec<f64>>) {
        let mut rng = 12345u64;
        let mut next = || {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (rng >> 11) as f64 / (1u64 << 53) as f64
        };
        let (mut d1, mut d2, mut d3) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..300u32 {
            if next() < 0.2 {
                continue;
            }
            d1.push(i % 17);
            d2.push((i * 7) % 23);
            d3.push(i / 10);
        }
        let n = d1.len();
        let rows: Vec<usize> = (0..n).collect();
        let fe = FeIndex::build(&[&d1, &d2, &d3], &rows);
        let w: Vec<f64> = (0..n).map(|_| 0.1 + next()).collect();
        let vars: Vec<Vec<f64>> = (0..5)
            .map(|_| (0..n).map(|_| next() * 10.0 - 3.0).collect())
            .collect();
        (fe, w, vars)
    }

    /// Residuals of a demeaning are orthogonal to every fixed-effect dummy (weighted), and a
    /// block gives what the variables give one at a time.
    #[test]
    fn block_demeaning_matches_single_and_is_orthogonal() {
        let (fe, w, vars) = panel();
        let dm = Demeaner::new(&fe, &w);
        let refs: Vec<&[f64]> = vars.iter().map(|v| v.as_slice()).collect();
        let mut alphas = vec![Vec::new(); vars.len()];
        let mut outs = vec![Vec::new(); vars.len()];
        let infos = dm.demean_many(&refs, &mut alphas, &mut outs, 1e-13, 100_000);
        assert!(infos.iter().all(|i| i.converged));
        for (c, v) in vars.iter().enumerate() {
            let (mut a1, mut o1) = (Vec::new(), Vec::new());
            assert!(dm.demean(v, &mut a1, 1e-13, 100_000, &mut o1).converged);
            for (x, y) in o1.iter().zip(&outs[c]) {
                assert!((x - y).abs() < 1e-9, "column {c}: {x} vs {y}");
            }
            for d in 0..fe.q() {
                let mut sums = vec![0.0; fe.sizes[d]];
                for i in 0..v.len() {
                    sums[fe.ids[d][i] as usize] += w[i] * outs[c][i];
                }
                assert!(
                    sums.iter().all(|s| s.abs() < 1e-8),
                    "dimension {d}: {sums:?}"
                );
            }
        }
        // The cross products that come with a single block equal a direct computation.
        let (mut a3, mut o3) = (vec![Vec::new(); 3], vec![Vec::new(); 3]);
        let (_, g) = dm.demean_gram(&refs[..3], &mut a3, &mut o3, 1e-13, 100_000);
        for c in 0..3 {
            for d in 0..3 {
                let direct: f64 = (0..w.len()).map(|i| w[i] * o3[c][i] * o3[d][i]).sum();
                assert!((g[c * 3 + d] - direct).abs() < 1e-9 * direct.abs().max(1.0));
            }
        }
        // Warm start from the solution: converges at once, same residuals.
        let mut outs2 = vec![Vec::new(); vars.len()];
        let infos = dm.demean_many(&refs, &mut alphas, &mut outs2, 1e-13, 100_000);
        assert!(infos.iter().all(|i| i.converged && i.sweeps <= 2));
        for (o, p) in outs.iter().zip(&outs2) {
            for (x, y) in o.iter().zip(p) {
                assert!((x - y).abs() < 1e-9);
            }
        }
    }
}
