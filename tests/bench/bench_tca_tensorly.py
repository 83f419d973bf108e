#!/usr/bin/python3
"""TensorLy on the planted tensors that bench_tca_opt -o DIR wrote.

Usage: bench_tca_tensorly.py TENSORLY_SRC DIR SEEDS TOL MAXITER [CASE...]

Fits every CASE (nn: non_negative_parafac_hals; masked: parafac with the
mask) from SEEDS random starts (init='random', random_state = 0..SEEDS-1),
with the same tol and iteration cap as latentlab, and prints one line per
case in bench_tca_opt's format: how many fits end within 1e-4 of the best
objective (the best over latentlab's fits, DIR/CASE_best.txt, and these),
the median congruence FMS against the planted factors, the median
iteration count and the time per iteration.  Needs numpy and scipy (which
TensorLy imports); the source tree is never installed, only put on
sys.path.
"""
import itertools
import os
import sys
import time


def fms(planted, factors):
    """Mean matched congruence (product over modes of |cos|), best matching
    over all permutations (ranks here are small)."""
    import numpy as np
    R = planted[0].shape[1]
    C = np.ones((R, R))
    for A, B in zip(planted, factors):
        An = A / np.maximum(np.linalg.norm(A, axis=0), 1e-300)
        Bn = B / np.maximum(np.linalg.norm(B, axis=0), 1e-300)
        C *= np.abs(An.T @ Bn)
    if R <= 8:
        best = max(sum(C[i, p[i]] for i in range(R))
                   for p in itertools.permutations(range(R)))
    else:
        from scipy.optimize import linear_sum_assignment
        r, c = linear_sum_assignment(-C)
        best = C[r, c].sum()
    return best / R


def main():
    if len(sys.argv) < 6:
        print(__doc__, file=sys.stderr)
        return 2
    src, d, seeds, tol, maxit = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        float(sys.argv[4]), int(sys.argv[5])
    cases = sys.argv[6:] or ["nn", "masked"]
    sys.path.insert(0, src)
    import numpy as np
    import tensorly as tl
    from tensorly.decomposition import non_negative_parafac_hals, parafac
    for case in cases:
        xp = os.path.join(d, case + "_X.npy")
        if not os.path.exists(xp):
            continue
        X = np.load(xp)
        mp = os.path.join(d, case + "_mask.npy")
        W = np.load(mp) if os.path.exists(mp) else None
        U = [np.load(os.path.join(d, "%s_U%d.npy" % (case, n)))
             for n in range(X.ndim)]
        R = U[0].shape[1]
        with open(os.path.join(d, case + "_best.txt")) as f:
            best = float(f.read())
        Wm = np.ones_like(X) if W is None else W
        # TensorLy reads the missing entries in its first sweep: give it
        # zeros there, never the held-back values
        X = X * Wm
        nx = np.linalg.norm(Wm * X)
        objs, fm, its, secs = [], [], [], 0.0
        for s in range(seeds):
            t0 = time.perf_counter()
            if W is None:
                name = "nn_hals"
                cp, errs = non_negative_parafac_hals(
                    tl.tensor(X), R, n_iter_max=maxit, init="random", tol=tol,
                    random_state=s, return_errors=True)
            else:
                name = "parafac"
                cp, errs = parafac(
                    tl.tensor(X), R, n_iter_max=maxit, init="random", tol=tol,
                    random_state=s, mask=tl.tensor(W), return_errors=True)
            secs += time.perf_counter() - t0
            its.append(max(len(errs), 1))
            w, F = cp
            F = [np.asarray(f) for f in F]
            M = tl.cp_to_tensor((w, F))
            objs.append(np.linalg.norm(Wm * (X - M)) / nx)
            fm.append(fms(U, F))
        best = min(best, min(objs))
        at = sum(o <= best + 1e-4 for o in objs)
        print("%-7s %-9s %5d/%-3d %9.3f %9.3f %8.0f %11.2f" % (
            case, "TL:" + name, at, seeds, at / seeds, float(np.median(fm)),
            float(np.median(its)), 1e3 * secs / sum(its)))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
