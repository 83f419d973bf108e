#!/usr/bin/python3
"""Regenerate the NumPy/IDX fixtures read by tests/test_io.c.

Run from anywhere with Debian's python3 + python3-numpy:
    /usr/bin/python3 tests/data/make_fixtures.py
The test does not need Python: the generated files are committed.  The
values follow the rules below, which tests/test_io.c repeats (expect_*).
Output is deterministic (fixed zip timestamps, gzip mtime 0).
"""
import gzip
import os
import time

import numpy as np

os.environ["TZ"] = "UTC"
time.tzset()
time.time = lambda: 1577836800.0  # zip member timestamps: 2020-01-01

OUT = os.path.dirname(os.path.abspath(__file__))


def vals(kind, size):
    """12 values for shape (3, 4); test_io.c: expect_val()."""
    if kind == "f":
        v = [(k - 5) * 0.375 for k in range(12)]
        v[5] = -0.0
        v[9] = 0.1
        v[10] = float("inf")
        v[11] = float("nan")
        return np.array(v, dtype="f%d" % size)
    if kind == "i":
        info = np.iinfo("i%d" % size)
        v = [k * k * (-1) ** k for k in range(12)]
        v[0], v[11] = int(info.min), int(info.max)
        return np.array(v, dtype="i%d" % size)
    if kind == "u":
        info = np.iinfo("u%d" % size)
        v = [k * k + k for k in range(12)]
        v[11] = int(info.max)
        return np.array(v, dtype="u%d" % size)
    return np.array([k % 3 == 0 for k in range(12)], dtype="b1")


def save(name, arr, version=None):
    with open(os.path.join(OUT, name), "wb") as fp:
        np.lib.format.write_array(fp, arr, version=version, allow_pickle=False)


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as fp:
        fp.write(data)


def idx_bytes(code, arr):
    head = bytes([0, 0, code, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return head + arr.tobytes()


def main():
    # every dtype, both byte orders (one-byte types have only '|')
    for kind, sizes in (("f", (4, 8)), ("i", (1, 2, 4, 8)), ("u", (1, 2, 4, 8)), ("b", (1,))):
        for size in sizes:
            a = vals(kind, size).reshape(3, 4)
            if size == 1:
                save("%s%d.npy" % (kind, size), a)
            else:
                save("%s%d_le.npy" % (kind, size), a.astype("<%s%d" % (kind, size)))
                save("%s%d_be.npy" % (kind, size), a.astype(">%s%d" % (kind, size)))
    # Fortran order: logical values as in C order (k * 7 - 50 for the 3-d one)
    save("fortran_f8.npy", np.asfortranarray(vals("f", 8).reshape(3, 4)))
    save("fortran_i2_be_3d.npy",
         np.asfortranarray((np.arange(24) * 7 - 50).astype(">i2").reshape(2, 3, 4)))
    # header versions 2.0 and 3.0
    save("v2_f8.npy", vals("f", 8).reshape(3, 4), version=(2, 0))
    save("v3_f8.npy", vals("f", 8).reshape(3, 4), version=(3, 0))
    # scalar, 1-d, 5-d
    save("scalar_f8.npy", np.array(2.5))
    save("vec_i8.npy", np.arange(5, dtype="<i8") * 3 - 4)
    save("d5_f8.npy", (np.arange(12) * 0.5).reshape(2, 1, 3, 1, 2))
    # what ll_npy_write must reproduce byte for byte (values k * 0.5 - 1)
    save("ref_f8_3x4.npy", (np.arange(12) * 0.5 - 1).reshape(3, 4))
    save("ref_f4_3x4.npy", (np.arange(12) * 0.5 - 1).astype("<f4").reshape(3, 4))
    save("ref_f8_5.npy", np.arange(5) * 0.5 - 1)
    save("ref_f8_scalar.npy", np.array(-1.0))
    save("ref_f8_2x1x3x1x2x1x1x2.npy", (np.arange(24) * 0.5 - 1).reshape(2, 1, 3, 1, 2, 1, 1, 2))
    # .npz, stored and deflated: a = f8 vals (3, 4), b = i4 [-4 -1 2 5 8]
    members = dict(a=vals("f", 8).reshape(3, 4), b=(np.arange(5) * 3 - 4).astype("<i4"))
    np.savez(os.path.join(OUT, "stored.npz"), **members)
    np.savez_compressed(os.path.join(OUT, "compressed.npz"), **members)
    # IDX: images u1 (3, 4, 5) with k * 13 % 256, raw and gzip; labels; every type
    images = ((np.arange(60) * 13) % 256).astype("u1").reshape(3, 4, 5)
    write("images_u1.idx", idx_bytes(0x08, images))
    write("images_u1.idx.gz", gzip.compress(idx_bytes(0x08, images), mtime=0))
    labels = np.array([5, 0, 4, 1, 9, 2], dtype="u1")
    write("labels_u1.idx", idx_bytes(0x08, labels))
    write("labels_u1.idx.gz", gzip.compress(idx_bytes(0x08, labels), mtime=0))
    write("idx_i1.idx", idx_bytes(0x09, vals("i", 1).reshape(3, 4)))
    write("idx_i2.idx", idx_bytes(0x0B, vals("i", 2).astype(">i2").reshape(3, 4)))
    write("idx_i4.idx", idx_bytes(0x0C, vals("i", 4).astype(">i4").reshape(3, 4)))
    write("idx_f4.idx", idx_bytes(0x0D, vals("f", 4).astype(">f4").reshape(3, 4)))
    write("idx_f8.idx", idx_bytes(0x0E, vals("f", 8).astype(">f8").reshape(3, 4)))


if __name__ == "__main__":
    main()
