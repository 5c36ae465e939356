//! Benchmark: Leontief inverse and footprints on a random but realistic MRIO-sized system.
//!
//! Usage (bench/leontief.sh runs both steps and numpy beside it):
//!
//!     leontief_bench gen --n 3000 --k 20 --f 40 --seed 1 --dir /tmp/io-bench
//!     leontief_bench run --dir /tmp/io-bench --reps 3
//!
//! `gen` writes A (n×n), S (k×n) and Y (n×f) as little-endian f64, row-major, so numpy reads
//! the very same numbers with `np.fromfile(...).reshape(...)`. `run` times, best of `reps`:
//!
//! * `inverse`: `I − A`, LU with partial pivoting, explicit inverse, and the library's checks
//!   (`balanza_leontief::calc::leontief`, what `balanza jobs` runs);
//! * `footprints`: `M = S L` then `M Y` (20 satellite rows, 40 final-demand columns), on one
//!   thread (memory-bound; see the comment in `run`);
//! * `solve_path`: footprints without the inverse: LU of `I − A`, then `(I − A)ᵀ X = Sᵀ`
//!   (`M = Xᵀ`), then `M Y` — what a caller that does not need L itself can do.
//!
//! It prints one JSON line with the times and checksums (sums of the footprint matrix).
//!
//!     leontief_bench csv --dir /tmp/io-bench --out /tmp/io-bench/mrio
//!
//! writes the same A as a multi-regional CSV folder (docs/io-layout.md: regions of 50 sectors,
//! one household column per region, employment and value-added satellites), consistent by
//! construction (x = L y, Z = A diag(x)), so `balanza jobs --io` can be timed end to end.

use balanza_leontief::calc::leontief;
use faer::linalg::matmul::matmul;
use faer::linalg::solvers::Solve;
use faer::{Accum, Mat, Par};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn arg(args: &[String], name: &str, default: &str) -> String {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

fn write_f64(path: &Path, v: &[f64]) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    for x in v {
        w.write_all(&x.to_le_bytes())?;
    }
    w.flush()
}

fn read_f64(path: &Path, len: usize) -> std::io::Result<Vec<f64>> {
    let mut buf = Vec::with_capacity(len * 8);
    std::fs::File::open(path)?.read_to_end(&mut buf)?;
    if buf.len() != len * 8 {
        return Err(std::io::Error::other(format!(
            "{}: {} bytes, expected {}",
            path.display(),
            buf.len(),
            len * 8
        )));
    }
    Ok(buf
        .chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
        .collect())
}

/// A system shaped like OECD ICIO: regions of `ns` sectors, dense domestic blocks, thinner and
/// smaller foreign blocks, column sums of A between 0.3 and 0.7 (value added 30–70 % of output).
fn generate(n: usize, k: usize, f: usize, seed: u64, dir: &Path) -> std::io::Result<()> {
    let mut rng = SplitMix(seed);
    let ns = 50.min(n);
    let mut a = vec![0.0; n * n]; // row-major
    for j in 0..n {
        let rj = j / ns;
        let mut col = vec![0.0; n];
        for (i, c) in col.iter_mut().enumerate() {
            let u = rng.unit();
            *c = if i / ns == rj {
                u * u * u // domestic: skewed, a few large inputs
            } else if rng.unit() < 0.25 {
                0.02 * u * u * u // imports: a quarter of suppliers, small
            } else {
                0.0
            };
        }
        let target = 0.3 + 0.4 * rng.unit();
        let sum: f64 = col.iter().sum();
        for (i, c) in col.iter().enumerate() {
            a[i * n + j] = c * target / sum;
        }
    }
    let s: Vec<f64> = (0..k * n)
        .map(|_| (4.0 * rng.unit()).exp() * 1e-3)
        .collect();
    let y: Vec<f64> = (0..n * f)
        .map(|_| {
            let u = rng.unit();
            1000.0 * u * u
        })
        .collect();
    std::fs::create_dir_all(dir)?;
    write_f64(&dir.join("A.bin"), &a)?;
    write_f64(&dir.join("S.bin"), &s)?;
    write_f64(&dir.join("Y.bin"), &y)?;
    std::fs::write(
        dir.join("meta.json"),
        format!("{{\"n\": {n}, \"k\": {k}, \"f\": {f}, \"seed\": {seed}}}\n"),
    )
}

fn sum(m: &Mat<f64>) -> f64 {
    let mut t = 0.0;
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            t += m[(i, j)];
        }
    }
    t
}

fn run(dir: &Path, reps: usize) -> Result<(), Box<dyn std::error::Error>> {
    let meta = std::fs::read_to_string(dir.join("meta.json"))?;
    let num = |key: &str| -> usize {
        meta.split(&format!("\"{key}\": "))
            .nth(1)
            .and_then(|s| s.split([',', '}']).next())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    };
    let (n, k, f) = (num("n"), num("k"), num("f"));
    let av = read_f64(&dir.join("A.bin"), n * n)?;
    let sv = read_f64(&dir.join("S.bin"), k * n)?;
    let yv = read_f64(&dir.join("Y.bin"), n * f)?;
    let a = Mat::from_fn(n, n, |i, j| av[i * n + j]);
    let s = Mat::from_fn(k, n, |i, j| sv[i * n + j]);
    let y = Mat::from_fn(n, f, |i, j| yv[i * f + j]);
    drop((av, sv, yv));
    let labels: Vec<String> = (0..n).map(|i| format!("i{i}")).collect();

    let (mut t_inv, mut t_fp, mut t_solve) = (f64::INFINITY, f64::INFINITY, f64::INFINITY);
    let (mut chk_fp, mut chk_solve) = (0.0, 0.0);
    for _ in 0..reps {
        let t0 = Instant::now();
        let l = leontief(a.as_ref(), &labels)?.l;
        t_inv = t_inv.min(t0.elapsed().as_secs_f64());

        let t0 = Instant::now();
        // One thread: S L (20 × 3,000 times 3,000²) streams L once and is bound by memory,
        // so a second thread only adds scheduling cost (measured here: 0.010 s on one thread
        // against 0.03–0.06 s with faer's default two-thread rayon split).
        let mut m = Mat::zeros(k, n);
        matmul(
            m.as_mut(),
            Accum::Replace,
            s.as_ref(),
            l.as_ref(),
            1.0,
            Par::Seq,
        );
        let mut d = Mat::zeros(k, f);
        matmul(
            d.as_mut(),
            Accum::Replace,
            m.as_ref(),
            y.as_ref(),
            1.0,
            Par::Seq,
        );
        t_fp = t_fp.min(t0.elapsed().as_secs_f64());
        chk_fp = sum(&d);
        drop(l);

        let t0 = Instant::now();
        let i_minus_a = Mat::from_fn(n, n, |i, j| f64::from(u8::from(i == j)) - a[(i, j)]);
        let lu = i_minus_a.partial_piv_lu();
        let mut x = s.transpose().to_owned();
        lu.solve_transpose_in_place(x.as_mut());
        let d2 = x.transpose() * &y;
        t_solve = t_solve.min(t0.elapsed().as_secs_f64());
        chk_solve = sum(&d2);
    }
    println!(
        "{{\"impl\": \"balanza (faer 0.24)\", \"n\": {n}, \"k\": {k}, \"f\": {f}, \"threads\": {}, \"inverse_s\": {t_inv:.4}, \"footprints_s\": {t_fp:.4}, \"solve_path_s\": {t_solve:.4}, \"checksum_footprints\": {chk_fp:.15e}, \"checksum_solve\": {chk_solve:.15e}}}",
        rayon_threads()
    );
    Ok(())
}

/// Writes the generated system as a multi-regional CSV folder.
fn write_csv(dir: &Path, out: &Path) -> Result<(), Box<dyn std::error::Error>> {
    use std::fmt::Write as _;
    let meta = std::fs::read_to_string(dir.join("meta.json"))?;
    let n: usize = meta
        .split("\"n\": ")
        .nth(1)
        .and_then(|s| s.split([',', '}']).next())
        .and_then(|s| s.trim().parse().ok())
        .ok_or("meta.json has no n")?;
    let ns = 50.min(n);
    let m = n / ns;
    if m * ns != n {
        return Err(format!("n = {n} is not a multiple of {ns} sectors").into());
    }
    let av = read_f64(&dir.join("A.bin"), n * n)?;
    let a = Mat::from_fn(n, n, |i, j| av[i * n + j]);
    drop(av);
    let mut rng = SplitMix(7);
    // Final demand: mostly domestic, some for every other region.
    let y = Mat::from_fn(n, m, |p, r| {
        let u = rng.unit();
        if p / ns == r {
            1000.0 * (0.5 + u)
        } else {
            20.0 * u * u
        }
    });
    let ytot = Mat::from_fn(n, 1, |p, _| (0..m).map(|r| y[(p, r)]).sum::<f64>());
    let i_minus_a = Mat::from_fn(n, n, |i, j| f64::from(u8::from(i == j)) - a[(i, j)]);
    let x = i_minus_a.partial_piv_lu().solve(&ytot);
    let label = |p: usize| format!("r{:02}/s{:02}", p / ns, p % ns);
    std::fs::create_dir_all(out)?;
    let header: Vec<String> = (0..n).map(label).collect();
    let mut z = String::with_capacity(n * n * 12);
    writeln!(z, "row,{}", header.join(","))?;
    for i in 0..n {
        z.push_str(&label(i));
        for j in 0..n {
            write!(z, ",{}", a[(i, j)] * x[(j, 0)])?;
        }
        z.push('\n');
    }
    std::fs::write(out.join("Z.csv"), z)?;
    let mut ys = String::new();
    let ycols: Vec<String> = (0..m).map(|r| format!("r{r:02}/hh")).collect();
    writeln!(ys, "row,{}", ycols.join(","))?;
    let mut xs = String::from("row,indout\n");
    for p in 0..n {
        ys.push_str(&label(p));
        for r in 0..m {
            write!(ys, ",{}", y[(p, r)])?;
        }
        ys.push('\n');
        writeln!(xs, "{},{}", label(p), x[(p, 0)])?;
    }
    std::fs::write(out.join("Y.csv"), ys)?;
    std::fs::write(out.join("x.csv"), xs)?;
    let mut f = format!("account,{}\n", header.join(","));
    for (name, lo, hi) in [("employment", 2.0, 40.0), ("Value Added", 0.3, 0.7)] {
        f.push_str(name);
        for p in 0..n {
            write!(f, ",{}", x[(p, 0)] * (lo + (hi - lo) * rng.unit()) * 1e-3)?;
        }
        f.push('\n');
    }
    std::fs::write(out.join("factors_F.csv"), f)?;
    Ok(())
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = PathBuf::from(arg(&args, "--dir", "/tmp/io-bench"));
    let result: Result<(), Box<dyn std::error::Error>> = match args.first().map(String::as_str) {
        Some("gen") => {
            let p = |name, d: &str| arg(&args, name, d).parse::<u64>().unwrap_or(0);
            generate(
                p("--n", "3000") as usize,
                p("--k", "20") as usize,
                p("--f", "40") as usize,
                p("--seed", "1"),
                &dir,
            )
            .map_err(Into::into)
        }
        Some("csv") => write_csv(&dir, Path::new(&arg(&args, "--out", "/tmp/io-bench/mrio"))),
        Some("run") => run(&dir, arg(&args, "--reps", "3").parse().unwrap_or(3)),
        _ => Err(
            "usage: leontief_bench gen|run|csv [--n N --k K --f F --seed S] [--dir DIR] [--reps R]"
                .into(),
        ),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(2);
    }
}
