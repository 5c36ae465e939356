"""numpy anchor for bench/leontief.sh: the same timings as leontief_bench `run`, same files.

inverse:    np.linalg.inv(I - A)                       (what pymrio's calc_L does)
footprints: (S @ L) @ Y                                (pymrio's M = S L, then times Y)
solve_path: np.linalg.solve((I - A).T, S.T).T @ Y      (footprints without the inverse)
Prints one JSON line. Best of --reps.
"""
import json, sys, time
import numpy as np

def main():
    d = sys.argv[sys.argv.index("--dir") + 1] if "--dir" in sys.argv else "/tmp/io-bench"
    reps = int(sys.argv[sys.argv.index("--reps") + 1]) if "--reps" in sys.argv else 3
    meta = json.load(open(f"{d}/meta.json"))
    n, k, f = meta["n"], meta["k"], meta["f"]
    A = np.fromfile(f"{d}/A.bin", dtype="<f8").reshape(n, n)
    S = np.fromfile(f"{d}/S.bin", dtype="<f8").reshape(k, n)
    Y = np.fromfile(f"{d}/Y.bin", dtype="<f8").reshape(n, f)
    t_inv = t_fp = t_solve = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        L = np.linalg.inv(np.eye(n) - A)
        t_inv = min(t_inv, time.perf_counter() - t0)
        t0 = time.perf_counter()
        D = (S @ L) @ Y
        t_fp = min(t_fp, time.perf_counter() - t0)
        del L
        t0 = time.perf_counter()
        D2 = np.linalg.solve((np.eye(n) - A).T, S.T).T @ Y
        t_solve = min(t_solve, time.perf_counter() - t0)
    print(json.dumps({"impl": f"numpy {np.__version__}", "n": n, "k": k, "f": f,
                      "inverse_s": round(t_inv, 4), "footprints_s": round(t_fp, 4),
                      "solve_path_s": round(t_solve, 4),
                      "checksum_footprints": float(D.sum()), "checksum_solve": float(D2.sum())}))

main()
