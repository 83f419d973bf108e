#!/usr/bin/env python3
"""DSA at the paper's scale: the reference implementation beside latentlab's.

Runs tests/bench/bench_dsa (10 systems of 20 trials x 100 steps x 50 units,
10 delays, rank 30; see its header) with --dump, so the reference gets
exactly the same data, then times the reference (github
mitchellostrow/DSA, PyTorch) on it in the same invocation, one after the
other, and prints reference seconds / ours for a DMD fit, one pair (2 fits
+ the distance), the distance alone and the 10 x 10 matrix (10 fits + 45
distances), and how far the values agree.

The reference, as its DSA class runs it with n_jobs=1 (its parallel path
needs joblib; the loop is the same):
  DMD(data, n_delays=10, rank=30).fit()  (HAVOK, lamb 1e-8, its defaults;
      it embeds in float32, so its operators are float32)
  SimilarityTransformDist(iters=1000, lr=0.01, score_method="angular")
      .fit_score(A_i, A_j)  (the 2023 paper's settings: Adam on a Cayley
      parametrisation, one run from the identity and one on a swapped B
      for the other component of O(n); torch.manual_seed(0) first)
latentlab at its defaults: 3 starts per component of O(n) (identity or
swap, spectral, random), <= 1000 Riemannian BB/Armijo iterations each,
double precision.  --iters/--lr change the reference's optimiser,
--restarts ours (1: identity and swap only, as the reference).

Agreement.  Both minimise the same non-convex loss, so a lower angle is a
better minimum (on nearly the same operators: the reference's are
float32); the reference's Adam (2 starts, no convergence test) and
our descent (6 starts, not converged at this size either) can stop in
different local minima.  Reported: the reference's pair value on its own
operators and on ours (op*.npy from bench_dsa: the optimisers alone,
without float32 DMD), the matrix's differences (the reference's entries
as its DSA class orders a pair, fit_score(A_i, A_j) for i > j; its
optimiser is not symmetric, so entry (1, 0) need not equal the pair's
fit_score(A_0, A_1)) (ref - ours: positive
means we found the lower minimum) against --tol (default 0.01 rad), and
the DMD eigenvalues (max over systems of the Hausdorff distance between
the two eigenvalue sets; the float32 embedding bounds it).

Threads: the reference at torch.set_num_threads(N) with OpenBLAS at N
(--threads, default 1; its distance loop is serial at any N); ours at 1
thread and at --ours-threads (default all cores: OpenBLAS in the fits,
OpenMP over the pairs).  The ratios at 1 thread are the like-for-like
ones.

Where the reference comes from (never copied into this tree): --dsa-src
PATH, else $DSA_SRC, else tests/bench/peers/DSA (ignored by git); PATH is
the repository (with DSA/dmd.py) or its DSA/ folder.  Only DSA/dmd.py,
base_dmd.py and simdist.py are imported, as top-level modules (their own
fallback imports), not the package: its __init__ pulls in omegaconf,
tqdm, joblib, pydmd, sklearn and scipy, none on the timed path.
simdist.py imports POT (`ot`) at the top for its Wasserstein score only;
when POT is absent a stub module stands in (its functions raise), which
the angular score never calls.

Usage: bench_dsa_ref.py [--threads N] [--ours-threads N] [--reps R] [--systems N] [--quick]
                        [--iters I] [--lr LR] [--restarts S] [--tol RAD]
                        [--bench PATH/TO/bench_dsa] [--dsa-src PATH]
  --quick  4 systems (6 pairs), one run each: ~40 s instead of ~3 minutes
Not part of `make check` (nor CI): it needs Debian's python3-torch (it
re-runs itself under /usr/bin/python3 when the current python lacks torch)
and the reference's source, and skips (exit 0, a "skip: ..." line)
without either.  Run `make tests/bench/bench_dsa` first.
"""
import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import types

DEBIAN_PY = "/usr/bin/python3"


def find_dsa(arg):
    """The folder holding dmd.py and simdist.py, or None."""
    here = os.path.dirname(os.path.abspath(__file__))
    for c in (arg, os.environ.get("DSA_SRC"), os.path.join(here, "peers", "DSA")):
        if not c:
            continue
        for d in (os.path.join(c, "DSA"), c):
            if all(os.path.isfile(os.path.join(d, f)) for f in ("dmd.py", "base_dmd.py", "simdist.py")):
                return os.path.abspath(d)
    return None


def ref_version(pkg):
    """The reference's version line: __version__ and a git commit if any."""
    ver = "?"
    try:
        with open(os.path.join(pkg, "__init__.py")) as f:
            for line in f:
                if line.startswith("__version__"):
                    ver = line.split("=", 1)[1].strip().strip("\"'")
    except OSError:
        pass
    commit = ""
    root = os.path.dirname(pkg)
    if os.path.exists(os.path.join(root, ".git")):  # its own checkout, not a tree it sits in
        try:
            commit = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True,
                                    text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return ver + (f" @ {commit}" if commit else "")


def import_reference(pkg):
    """dmd and simdist as top-level modules; POT stubbed if absent."""
    stubbed = importlib.util.find_spec("ot") is None
    if stubbed:
        def _no_pot(*a, **k):
            raise RuntimeError("POT (ot) is not installed: the Wasserstein score is unavailable")
        sys.modules["ot"] = types.SimpleNamespace(dist=_no_pot, emd=_no_pot, emd2=_no_pot, sinkhorn2=_no_pot)
    sys.path.insert(0, pkg)
    import dmd
    import simdist
    return dmd, simdist, stubbed


def hausdorff(a, b):
    """Hausdorff distance between two sets of complex numbers."""
    import numpy as np
    d = np.abs(a[:, None] - b[None, :])
    return max(d.min(axis=1).max(), d.min(axis=0).max())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1, help="the reference's threads (1)")
    ap.add_argument("--ours-threads", type=int, default=os.cpu_count() or 1,
                    help="threads of our second column (all cores)")
    ap.add_argument("--reps", type=int, default=3, help="runs of the fit and the pair, best kept (3)")
    ap.add_argument("--systems", type=int, default=10)
    ap.add_argument("--quick", action="store_true", help="4 systems, one run each")
    ap.add_argument("--iters", type=int, default=1000, help="the reference's Adam iterations (1000)")
    ap.add_argument("--lr", type=float, default=0.01, help="the reference's Adam learning rate (0.01)")
    ap.add_argument("--restarts", type=int, default=None, help="our starts per component (library default 3)")
    ap.add_argument("--tol", type=float, default=0.01, help="agreement tolerance in rad (0.01)")
    ap.add_argument("--bench", default=None, help="the bench_dsa program (default: next to this script, "
                    "or tests/bench/bench_dsa under the current directory)")
    ap.add_argument("--dsa-src", default=None, help="the reference's source (default: $DSA_SRC, else "
                    "tests/bench/peers/DSA)")
    a = ap.parse_args()
    if a.quick:
        a.systems, a.reps = 4, 1
    if a.systems < 2:
        ap.error("--systems must be at least 2")

    try:
        import numpy as np
        import torch
    except ImportError as e:
        if os.path.exists(DEBIAN_PY) and os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PY) \
                and not os.environ.get("LL_BENCH_DSA_REEXEC"):
            env = dict(os.environ, LL_BENCH_DSA_REEXEC="1")
            os.execve(DEBIAN_PY, [DEBIAN_PY] + sys.argv, env)
        print(f"skip: {e.name} is not installed (apt-get install python3-torch)")
        return 0
    pkg = find_dsa(a.dsa_src)
    if pkg is None:
        print("skip: the reference's source is not at --dsa-src, $DSA_SRC or tests/bench/peers/DSA "
              "(git clone https://github.com/mitchellostrow/DSA tests/bench/peers/DSA)")
        return 0
    n = str(a.threads)
    if os.environ.get("OPENBLAS_NUM_THREADS") != n or os.environ.get("OMP_NUM_THREADS") != n:
        # OpenBLAS reads its thread count when it loads: run again with it set
        env = dict(os.environ, OPENBLAS_NUM_THREADS=n, OMP_NUM_THREADS=n)
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    dmd_mod, simdist_mod, stubbed = import_reference(pkg)

    here = os.path.dirname(os.path.abspath(__file__))
    bench = a.bench
    if bench is None:
        for c in (os.path.join(here, "bench_dsa"), os.path.join("tests", "bench", "bench_dsa")):
            if os.path.exists(c):
                bench = c
                break
    if not bench or not os.path.exists(bench):
        print("skip: bench_dsa not found (make tests/bench/bench_dsa, or --bench PATH): it makes the data")
        return 0

    N = a.systems
    with tempfile.TemporaryDirectory(prefix="ll_bench_dsa.") as tmp:
        nto = str(a.ours_threads)
        cmd = [bench, "--json", "--dump", tmp, "-t", nto, "--systems", str(N), "--reps", str(a.reps)]
        if a.restarts:
            cmd += ["--restarts", str(a.restarts)]
        print("running " + " ".join(cmd[:3] + ["DIR"] + cmd[4:]), flush=True)
        env = dict(os.environ, OPENBLAS_NUM_THREADS=nto, OMP_NUM_THREADS=nto)
        out = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if out.returncode != 0:
            sys.stderr.write(out.stdout + out.stderr)
            print(f"bench_dsa failed (exit {out.returncode})")
            return 1
        ours = None
        for line in out.stdout.splitlines():
            if line.startswith("JSON "):
                ours = json.loads(line[5:])
        if ours is None:
            print("bench_dsa printed no JSON line")
            return 1
        xs = [np.load(os.path.join(tmp, f"sys{s:02d}.npy")) for s in range(N)]
        ops = [np.load(os.path.join(tmp, f"op{s:02d}.npy")) for s in range(N)]

    torch.set_num_threads(a.threads)
    delays, rank = ours["delays"], ours["rank"]

    def fit(x):
        m = dmd_mod.DMD(x, n_delays=delays, rank=rank)
        m.fit()
        return m

    def dist(A, B):
        torch.manual_seed(0)
        sd = simdist_mod.SimilarityTransformDist(iters=a.iters, score_method="angular", lr=a.lr, device="cpu")
        return float(sd.fit_score(A, B))

    # warm up torch (first-call overheads), outside the timing
    dist(fit(xs[0]).A_v, fit(xs[1]).A_v)

    def clock():
        return time.perf_counter(), time.process_time()

    best = {}

    def keep(key, t0, t1):
        w, c = t1[0] - t0[0], t1[1] - t0[1]
        if key not in best or w < best[key][0]:
            best[key] = (w, c)

    for _ in range(a.reps):
        t0 = clock()
        m0 = fit(xs[0])
        t1 = clock()
        m1 = fit(xs[1])
        t2 = clock()
        pair_ref = dist(m0.A_v, m1.A_v)
        t3 = clock()
        keep("dmd_fit", t0, t1)
        keep("compare", t2, t3)
        keep("pair", t0, t3)
    pair_ref_on_ours = dist(torch.from_numpy(ops[0]).float(), torch.from_numpy(ops[1]).float())

    t0 = clock()
    ms = [fit(x) for x in xs]
    t1 = clock()
    # eigenvalues now: fit_score normalises the operators it is given in place
    eigs_ref = [np.linalg.eigvals(m.A_v.double().numpy()) for m in ms]
    t1b = clock()
    Dref = np.zeros((N, N))
    for i in range(N):
        for j in range(i):  # the DSA class's order: fit_score(A_i, A_j), i > j
            Dref[i, j] = Dref[j, i] = dist(ms[i].A_v, ms[j].A_v)
    t2 = clock()
    keep("fits", t0, t1)
    keep("all_pairs", t1b, t2)
    best["matrix"] = (best["fits"][0] + best["all_pairs"][0], best["fits"][1] + best["all_pairs"][1])

    # DMD agreement: eigenvalues (invariant to the bases' signs and rotations)
    eig_d = 0.0
    for s in range(N):
        eo = np.array([complex(re, im) for re, im in ours["eigs"][s]])
        eig_d = max(eig_d, hausdorff(eigs_ref[s], eo))

    D = np.array(ours["dsa"])
    iu = np.triu_indices(N, 1)
    diff = (Dref - D)[iu]

    t1s, tns = ours["t1"], ours.get("tn")
    nt = tns["threads"] if tns else 1
    print(f"reference: mitchellostrow/DSA {ref_version(pkg)} from {pkg}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread(s), OpenBLAS {os.environ.get('OPENBLAS_NUM_THREADS')}")
    print(f"  DMD(n_delays={delays}, rank={rank}) float32; SimilarityTransformDist(iters={a.iters}, lr={a.lr}, "
          f"score_method='angular'): Adam, 2 runs (identity, swap)"
          + ("; POT absent: stubbed (Wasserstein unused)" if stubbed else ""))
    print(f"latentlab: double; {ours['restarts']} start(s) per component of O(n) ({2 * ours['restarts']} "
          f"descents a pair), <= {ours['max_iters']} iterations each; OpenBLAS core {ours['openblas']}")
    print(f"data: {N} systems of {ours['trials']} trials x {ours['time']} steps x {ours['units']} units "
          f"(bench_dsa's); fit and pair best of {a.reps} by wall time, matrix one run; CPU: the process's "
          f"CPU seconds of the same runs (steadier on a shared machine)")
    hdr = f"{'seconds (wall)':34s} {'reference':>10s} {'ours 1 thr':>11s} {'ratio':>7s}"
    if tns:
        hdr += f" {'ours ' + str(nt) + ' thr':>11s} {'ratio':>7s}"
    hdr += f"   {'CPU s: ref':>10s} {'ours 1 thr':>11s} {'ratio':>7s}"
    print(hdr)
    rows = [("DMD fit (1 system)", "dmd_fit"), ("distance (1 pair)", "compare"),
            ("one pair (2 fits + distance)", "pair"), (f"{N} fits", "fits"),
            (f"{N * (N - 1) // 2} distances", "all_pairs"), (f"{N} x {N} matrix (fits + distances)", "matrix")]
    for name, key in rows:
        tr, cr = best[key]
        line = f"{name:34s} {tr:10.3f} {t1s[key]:11.3f} {tr / t1s[key]:6.1f}x"
        if tns:
            line += f" {tns[key]:11.3f} {tr / tns[key]:6.1f}x"
        oc = t1s["cpu"][key]
        line += f"   {cr:10.3f} {oc:11.3f} {cr / oc:6.1f}x"
        print(line)
    for name, key in rows:
        print(f"RATIO {key} ref {a.threads} {best[key][0]:.6f} cpu {best[key][1]:.6f} ours 1 {t1s[key]:.6f} cpu "
              f"{t1s['cpu'][key]:.6f}" + (f" ours {nt} {tns[key]:.6f}" if tns else ""))
    print(f"pair (0, 1) angular: reference {pair_ref:.4f} (its operators), {pair_ref_on_ours:.4f} (ours), "
          f"latentlab {ours['pair_value']:.4f}")
    agree = int(np.sum(np.abs(diff) <= a.tol))
    print(f"{N} x {N} matrix, reference - ours (rad): mean {diff.mean():+.4f}, min {diff.min():+.4f}, max "
          f"{diff.max():+.4f}; {agree} of {diff.size} pairs within {a.tol}; ours lower (a better minimum) in "
          f"{int(np.sum(diff > 0))}, the reference's in {int(np.sum(diff < 0))}")
    print(f"DMD eigenvalues: max Hausdorff distance between the sets {eig_d:.2e} (float32 embedding in the "
          f"reference)")
    print("VALUES " + json.dumps({"pair_ref": pair_ref, "pair_ref_on_ours": pair_ref_on_ours,
                                  "pair_ours": ours["pair_value"], "dsa_ref": Dref.tolist(),
                                  "eig_hausdorff": eig_d}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
