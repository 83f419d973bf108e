#!/usr/bin/python3
"""Regenerate the CKA demo inputs read by tests/unit/similarity/test_similarity.c.

Kornblith et al.'s Demo.ipynb (google-research/representation_similarity)
draws, with NumPy's legacy generator,
    np.random.seed(1337); X = np.random.randn(100, 10); Y = np.random.randn(100, 10) + X
and prints linear CKA 0.55761, RBF CKA (threshold 0.5) 0.65483, debiased
CKA 0.51346 and the uncentred mean squared CCA 0.54312.  The same draws are
stored here so the C test checks those digits without Python:
    /usr/bin/python3 tests/data/make_similarity_fixtures.py
(Debian's python3-numpy; RandomState's randn is stable across versions.)
"""
import os

import numpy as np

OUT = os.path.dirname(os.path.abspath(__file__))


def main():
    rs = np.random.RandomState(1337)
    X = rs.randn(100, 10)
    Y = rs.randn(100, 10) + X
    for name, a in (("cka_demo_x.npy", X), ("cka_demo_y.npy", Y)):
        with open(os.path.join(OUT, name), "wb") as fp:
            np.lib.format.write_array(fp, np.ascontiguousarray(a, dtype="<f8"), version=(1, 0),
                                      allow_pickle=False)


if __name__ == "__main__":
    main()
