#!/usr/bin/env python3
"""Check the RNN engine against PyTorch, both ways (by hand, not in CI).

For each cell (vanilla, GRU, LSTM):
  1. a net made and saved by latentlab (rnn_torch_helper init, our .npz
     writer) loads into a PyTorch model with load_state_dict under the
     state_dict names, and both give the same hidden states, outputs,
     MSE loss and gradients of every parameter on the same batch;
  2. a net trained in PyTorch (Adam, a few steps on flip-flop data) and
     saved with numpy.savez(**state_dict) loads into latentlab
     (rnn_torch_helper run, ll_rnn_load_npz) and gives the same states,
     outputs, loss and gradients.
Tolerances: states, outputs 1e-5 absolute; loss 1e-5 relative;
gradients 1e-4 relative to the largest entry of each tensor (float32 on
both sides, different summation orders).

Usage: rnn_torch_check.py [--helper PATH/TO/rnn_torch_helper]
Build the helper first: make tests/bench/rnn_torch_helper.
Skips (exit 0) without Debian's python3-torch; exits 1 on a mismatch.
"""
import argparse
import os
import subprocess
import sys
import tempfile

KEYS = ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "out.weight", "out.bias"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--helper", default=None)
    a = ap.parse_args()
    try:
        import numpy as np
        import torch
    except ImportError as e:
        print(f"skip: {e.name} is not installed (apt-get install python3-torch)")
        return 0
    here = os.path.dirname(os.path.abspath(__file__))
    helper = a.helper
    if helper is None:
        for c in (os.path.join(here, "rnn_torch_helper"), os.path.join("tests", "bench", "rnn_torch_helper")):
            if os.path.exists(c):
                helper = c
                break
    if not helper or not os.path.exists(helper):
        print("rnn_torch_check: build the helper first: make tests/bench/rnn_torch_helper", file=sys.stderr)
        return 2

    torch.set_num_threads(1)
    torch.manual_seed(3)
    rng = np.random.default_rng(7)
    n_in, H, n_out, B, T = 3, 24, 2, 6, 40
    failures = []

    class Net(torch.nn.Module):
        def __init__(self, cell):
            super().__init__()
            cls = {"vanilla": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[cell]
            self.rnn = cls(n_in, H, batch_first=True)
            self.out = torch.nn.Linear(H, n_out)

        def forward(self, x):
            h, _ = self.rnn(x)
            return h, self.out(h)

    def states_of(net, cell, x):
        """B x T x S: h, or [h; c] for the LSTM (c by stepping the cell)."""
        h, y = net(x)
        if cell != "lstm":
            return h, y
        cs, hc = [], None
        for t in range(x.shape[1]):
            _, hc = net.rnn(x[:, t:t + 1], hc)
            cs.append(hc[1][0])
        return torch.cat([h, torch.stack(cs, 1)], 2), y

    def flipflop(b, t):
        pulse = rng.random((b, t, n_in)) < 0.1
        x = np.where(pulse, np.where(rng.random((b, t, n_in)) < 0.5, -1.0, 1.0), 0.0).astype(np.float32)
        held, tg = np.zeros((b, n_in), np.float32), np.zeros((b, t, n_in), np.float32)
        for k in range(t):
            held = np.where(x[:, k] != 0, x[:, k], held)
            tg[:, k] = held
        return x, tg[:, :, :n_out].copy()

    def compare(what, net, cell, netfile, x, tg, tmp):
        """Our run of netfile against torch's net on (x, tg)."""
        np.save(os.path.join(tmp, "x.npy"), x)
        np.save(os.path.join(tmp, "t.npy"), tg)
        out = os.path.join(tmp, "out.npz")
        subprocess.run([helper, "run", netfile, os.path.join(tmp, "x.npy"), os.path.join(tmp, "t.npy"), out],
                       check=True)
        ours = np.load(out)
        net.zero_grad()
        xt = torch.from_numpy(x)
        st, y = states_of(net, cell, xt)
        loss = torch.nn.functional.mse_loss(y, torch.from_numpy(tg))
        loss.backward()
        grads = dict(net.named_parameters())
        worst = {
            "states": float(np.abs(ours["states"] - st.detach().numpy()).max()),
            "y": float(np.abs(ours["y"] - y.detach().numpy()).max()),
            "loss": abs(float(ours["loss"]) - loss.item()) / loss.item(),
        }
        for k in KEYS:
            g = grads[k].grad.numpy()
            worst[k] = float(np.abs(ours[k] - g).max() / max(np.abs(g).max(), 1e-12))
        tol = {"states": 1e-5, "y": 1e-5, "loss": 1e-5}
        bad = [k for k, v in worst.items() if not v <= tol.get(k, 1e-4)]
        print(f"{cell:8s} {what:28s} states {worst['states']:.1e}  y {worst['y']:.1e}  loss {worst['loss']:.1e}  "
              f"grad {max(worst[k] for k in KEYS):.1e}  {'ok' if not bad else 'MISMATCH ' + ', '.join(bad)}")
        if bad:
            failures.append(f"{cell} {what}: {bad}")

    with tempfile.TemporaryDirectory() as tmp:
        for cell in ("vanilla", "gru", "lstm"):
            # 1. ours -> torch
            ours = os.path.join(tmp, "ours.npz")
            subprocess.run([helper, "init", cell, str(n_in), str(H), str(n_out), "5", ours], check=True)
            sd = {k: torch.from_numpy(v) for k, v in np.load(ours).items()}
            net = Net(cell)
            net.load_state_dict(sd)  # strict: every key, no extra
            x, tg = flipflop(B, T)
            compare("ours loaded into torch", net, cell, ours, x, tg, tmp)

            # 2. torch-trained -> ours
            net = Net(cell)
            opt = torch.optim.Adam(net.parameters(), lr=1e-2)
            for _ in range(20):
                xb, tb = flipflop(16, T)
                opt.zero_grad()
                _, y = net(torch.from_numpy(xb))
                torch.nn.functional.mse_loss(y, torch.from_numpy(tb)).backward()
                opt.step()
            theirs = os.path.join(tmp, "theirs.npz")
            np.savez(theirs, **{k: v.detach().numpy() for k, v in net.state_dict().items()})
            compare("torch-trained loaded in ours", net, cell, theirs, x, tg, tmp)

    if failures:
        print("rnn_torch_check: FAILED: " + "; ".join(failures))
        return 1
    print(f"rnn_torch_check: all agree (torch {torch.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
