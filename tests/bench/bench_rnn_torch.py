#!/usr/bin/env python3
"""One BPTT epoch of a 64-unit GRU in PyTorch beside latentlab's engine.

The same model, data and epoch as tests/bench/bench_rnn.c: 3 inputs, 64
GRU units, a linear readout to 3 outputs; 32 minibatches of 128
sequences x 100 steps of 3-bit flip-flop-like data (sparse +-1 pulses,
targets the held signs); each step forward, MSELoss (mean), backward,
clip_grad_norm_(1.0), Adam(lr 1e-3).  Both run with the same number of
threads: torch.set_num_threads(N) with OpenBLAS at N threads under
PyTorch (--torch-blas-threads to change that; Debian's torch does its
matrix products in OpenBLAS), and bench_rnn -t N (N OpenMP threads over
batch chunks, single-threaded BLAS inside).  The figures are the best of
--reps epochs from fresh models.

Usage: bench_rnn_torch.py [--threads N] [--reps R] [--cell gru|lstm|vanilla]
                          [--bench PATH/TO/bench_rnn]
Not part of `make check`: it needs Debian's python3-torch, and skips
(exit 0) without it.  Run `make tests/bench/bench_rnn` first.
"""
import argparse
import os
import subprocess
import sys
import time

N_BATCH, BATCH, STEPS, N_CH, HIDDEN = 32, 128, 100, 3, 64


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--cell", default="gru", choices=["vanilla", "gru", "lstm"])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--bench", default=None, help="the bench_rnn program (default: next to this script, "
                    "or tests/bench/bench_rnn under the current directory)")
    ap.add_argument("--torch-blas-threads", type=int, default=None,
                    help="OpenBLAS threads under PyTorch (default: --threads); Debian's torch calls OpenBLAS "
                    "for its matrix products, and torch.set_num_threads does not set OpenBLAS's count")
    a = ap.parse_args()
    blas = str(a.torch_blas_threads or a.threads)
    if os.environ.get("OPENBLAS_NUM_THREADS") != blas or os.environ.get("OMP_NUM_THREADS") != str(a.threads):
        # OpenBLAS reads its thread count when it loads: run again with it set
        env = dict(os.environ, OPENBLAS_NUM_THREADS=blas, OMP_NUM_THREADS=str(a.threads))
        os.execve(sys.executable, [sys.executable] + sys.argv, env)
    try:
        import numpy as np
        import torch
    except ImportError as e:
        print(f"skip: {e.name} is not installed (apt-get install python3-torch)")
        return 0

    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    rng = np.random.default_rng(42)
    n = N_BATCH * BATCH
    pulse = rng.random((n, STEPS, N_CH)) < 0.05
    sign = np.where(rng.random((n, STEPS, N_CH)) < 0.5, -1.0, 1.0)
    x = np.where(pulse, sign, 0.0).astype(np.float32)
    tg = np.zeros_like(x)
    held = np.zeros((n, N_CH), np.float32)
    for t in range(STEPS):
        held = np.where(x[:, t] != 0, x[:, t], held)
        tg[:, t] = held
    xs = [torch.from_numpy(x[k * BATCH:(k + 1) * BATCH].copy()) for k in range(N_BATCH)]
    ts = [torch.from_numpy(tg[k * BATCH:(k + 1) * BATCH].copy()) for k in range(N_BATCH)]

    rnn_cls = {"vanilla": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[a.cell]

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = rnn_cls(N_CH, HIDDEN, batch_first=True)
            self.out = torch.nn.Linear(HIDDEN, N_CH)

        def forward(self, inp):
            h, _ = self.rnn(inp)
            return self.out(h)

    best = float("inf")
    for r in range(a.reps):
        net = Net()
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        lossf = torch.nn.MSELoss()
        net(xs[0]).sum().backward()  # warm up allocators
        opt.zero_grad()
        t0 = time.perf_counter()
        for k in range(N_BATCH):
            opt.zero_grad()
            loss = lossf(net(xs[k]), ts[k])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
        best = min(best, time.perf_counter() - t0)

    bench = a.bench
    if bench is None:
        for c in (os.path.join(here, "bench_rnn"), os.path.join("tests", "bench", "bench_rnn")):
            if os.path.exists(c):
                bench = c
                break
    ours = None
    if bench and os.path.exists(bench):
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(a.threads), OMP_NUM_THREADS=str(a.threads))
        out = subprocess.run([bench, "-t", str(a.threads), "-c", a.cell] + (["-q"] if a.reps == 1 else []),
                             env=env, capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("RESULT "):
                ours = float(line.split()[3])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), OpenBLAS {blas}; "
          f"one epoch = {N_BATCH} x {BATCH} sequences x {STEPS} steps, {a.cell} {N_CH}-{HIDDEN}-{N_CH}")
    print(f"pytorch   {best:8.3f} s/epoch")
    if ours is None:
        print("latentlab (bench_rnn not found: make tests/bench/bench_rnn, or --bench PATH)")
        return 0
    print(f"latentlab {ours:8.3f} s/epoch")
    print(f"ratio pytorch / latentlab = {best / ours:.2f} ({'faster' if ours <= best else 'slower'} than PyTorch)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
