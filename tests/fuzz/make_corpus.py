#!/usr/bin/env python3
"""tests/fuzz/make_corpus.py - write the seed inputs of tests/fuzz/corpus/.

Seeds are the fixtures of tests/data and examples/ (as each harness wants
its input: fuzz_idx_gz and fuzz_csv take a control byte first, fuzz_mnist a
two-byte length) and hand-made cases: truncated, garbled, huge shapes,
inputs over the harnesses' 16 MiB input limit.  Python's standard library
only; run from anywhere:  python3 tests/fuzz/make_corpus.py
It writes seed-* and hand-* files and leaves every other file alone:
regress-* (a crash the fuzzer found, kept with its fix) and cov-* (inputs
a fuzz run found that add coverage).

To add cov-* files: LL_FUZZ_WORK=DIR tests/fuzz/run.sh 600, then for each
NAME  tests/fuzz/build/fuzz_NAME -merge=1 -max_len=1024 OUT tests/fuzz/corpus/NAME DIR/NAME
and copy the files of OUT that are not in the corpus yet as
cov-<first 12 hex digits of their SHA-1>.  Keep the whole corpus within a
few hundred KB (it was 250 KB, 1083 files, after a 15-million-run pass).
"""
import gzip
import io
import os
import struct
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
DATA = os.path.join(TOP, "tests", "data")
CORPUS = os.path.join(HERE, "corpus")


def fixture(name):
    with open(os.path.join(DATA, name), "rb") as f:
        return f.read()


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def npy(descr, shape, data=b"", version=1, fortran=False):
    h = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
    pre = 10 if version == 1 else 12
    pad = (64 - (pre + len(h) + 1) % 64) % 64
    h = (h + " " * pad + "\n").encode()
    head = b"\x93NUMPY" + bytes([version, 0])
    head += struct.pack("<H" if version == 1 else "<I", len(h))
    return head + h + data


def npz(members, compress=True):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        for name, data in members:
            z.writestr(name, data)
    return b.getvalue()


def idx(code, shape, data=b""):
    return bytes([0, 0, code, len(shape)]) + b"".join(struct.pack(">I", d) for d in shape) + data


def gz(data):
    return gzip.compress(data, 9, mtime=0)


fixtures = sorted(os.listdir(DATA))
npys = [f for f in fixtures if f.endswith(".npy")]
idxs = [f for f in fixtures if ".idx" in f]

# --- npy ---------------------------------------------------------------------
for f in npys:
    put("npy", "seed-" + f, fixture(f))
f8 = fixture("f8_le.npy")
hand_npy = {
    "hand-huge-shape.npy": npy("<f8", "(100000, 100000)"),
    "hand-huge-u1.npy": npy("|u1", "(4000000000,)"),
    "hand-overflow-shape.npy": npy("<f8", "(18446744073709551615, 2)"),
    "hand-over-limit.npy": npy("|u1", "(9000, 1000)", bytes(64)),
    "hand-nine-dims.npy": npy("<f8", "(1, 1, 1, 1, 1, 1, 1, 1, 1)", bytes(8)),
    "hand-zero-dim.npy": npy("<f8", "(3, 0)"),
    "hand-py2-long.npy": npy("<i4", "(3L, 4L)", bytes(48)),
    "hand-v3.npy": npy("<f4", "(2,)", bytes(8), version=3),
    "hand-fortran-4d.npy": npy(">i2", "(2, 1, 3, 2)", bytes(range(24)), fortran=True),
    "hand-trunc-header.npy": f8[:20],
    "hand-trunc-data.npy": f8[:-5],
    "hand-bad-version.npy": f8[:6] + b"\x04\x00" + f8[8:],
    "hand-hlen-huge.npy": b"\x93NUMPY\x02\x00\xff\xff\xff\xff{",
    "hand-garbled-dict.npy": npy("<f8", "(2,)")[:40] + b"}{'shape':((" + bytes(16),
    "hand-object.npy": npy("|O", "(3,)"),
    "hand-structured.npy": b"\x93NUMPY\x01\x00\x40\x00" + b"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }  \n",
}
for k, v in hand_npy.items():
    put("npy", k, v)

# --- npz ---------------------------------------------------------------------
a = fixture("stored.npz")
c = fixture("compressed.npz")
bomb = npz([("a.npy", npy("|u1", "(9000, 1000)", bytes(9000 * 1000)))])
hand_npz = {
    "seed-stored.npz": a,
    "seed-compressed.npz": c,
    "hand-over-limit-u1.npz": bomb,
    "hand-trunc.npz": c[:300],
    "hand-no-eocd.npz": c[:-22],
    "hand-crc.npz": a[:200] + bytes([a[200] ^ 0x40]) + a[201:],
    "hand-huge-claim.npz": npz([("a.npy", npy("<f8", "(100000, 100000)"))]),
    "hand-three.npz": npz([("a.npy", npy("<f8", "(2,)", bytes(16))), ("b.npy", npy("|b1", "(3,)", b"\x01\x00\x01")),
                           ("c", b"not a .npy")]),
    "hand-empty.npz": b"PK\x05\x06" + bytes(18),
}
for k, v in hand_npz.items():
    put("npz", k, v)

# --- idx (raw or gzip by content) ----------------------------------------------
for f in idxs:
    put("idx", "seed-" + f, fixture(f))
img = fixture("images_u1.idx")
hand_idx = {
    "hand-huge-shape.idx": idx(8, [0xffffffff, 0xffffffff]),
    "hand-over-limit.idx.gz": gz(idx(8, [9000, 1000], bytes(9000 * 1000))),
    "hand-nine-dims.idx": idx(8, [1] * 9, b"\x00"),
    "hand-bad-type.idx": idx(0x0A, [2], b"\x00\x00"),
    "hand-zero-dims.idx": idx(8, []),
    "hand-trunc.idx.gz": gz(img)[:-6],
    "hand-two-members.idx.gz": gz(img[:9]) + gz(img[9:]) + b"junk",
    "hand-f8.idx": idx(0x0E, [2, 2], struct.pack(">4d", 1.5, -2, float("nan"), float("inf"))),
}
for k, v in hand_idx.items():
    put("idx", k, v)

# --- idx_gz: a control byte, then the IDX the harness gzips -------------------
for f in idxs:
    if not f.endswith(".gz"):
        put("idx_gz", "seed-" + f, b"\x00" + fixture(f))
for ctl, what in ((0x13, "cut"), (0x25, "flip"), (0x30, "junk"), (0x40, "two-members")):
    put("idx_gz", "hand-%s-images_u1.idx" % what, bytes([ctl]) + img)
put("idx_gz", "hand-huge-shape.idx", b"\x00" + idx(0x0D, [0xffffffff, 3]))
put("idx_gz", "hand-i4.idx", b"\x00" + idx(0x0C, [3], struct.pack(">3i", -1, 0, 2**31 - 1)))

# --- csv: an options byte (layout + 3 * delimiter), then the text ----------------
for f in fixtures:
    if f.endswith(".csv"):
        put("csv", "seed-" + f, b"\x00" + fixture(f))
long_distinct = "neuron,time,trial,value\n" + "".join("%d,%d,%d,1\n" % (i, i, i) for i in range(300))
hand_csv = {
    "hand-ws-quoted.csv": (0, '"first col" second "third"\n1 2 3\n4\t"5"  6\n'),
    "hand-ws-long.csv": (0, 'neuron time trial value\n"cell a" 0 "1" 1.5\n"cell b" 0 1 NaN\n'),
    "hand-conditions.csv": (0, "\ufeffneuron;time;trial;value;condition\r\nA;0.5;1;1;left\r\n"
                               "A;1.0;2;2;right\r\n# comment\r\nB;0.50;1;NA;left\r\n"),
    "hand-long-distinct.csv": (0, long_distinct),
    "hand-matrix-header.csv": (2, 'a,"b, c","say ""hi"""\n1,2,3\n,nan,1e-3\n'),
    "hand-tabs.csv": (3 * 2, "neuron\ttime\ttrial\tvalue\n0\t0\t0\t1\n0\t0\t0\t2\n"),
    "hand-bad.csv": (1, 'neuron,time,trial,value\n0,"0,0,1\n1,1,1,inf\n'),
    "hand-nul.csv": (0, "1,2\n3\x00,4\n"),
}
for k, (opt, text) in hand_csv.items():
    put("csv", k, bytes([opt]) + text.encode("utf-8"))

# --- mnist: two bytes (the images file's length, little-endian), images, labels --
def mnist_pair(n, labels, rows=28, cols=28, zipped=False, pixels=None):
    im = idx(8, [n, rows, cols], pixels if pixels is not None else bytes((i * 7) % 256 for i in range(n * rows * cols)))
    lb = idx(8, [len(labels)], bytes(labels))
    if zipped:
        im, lb = gz(im), gz(lb)
    return struct.pack("<H", len(im)) + im + lb


put("mnist", "hand-two.bin", mnist_pair(2, [3, 7]))
put("mnist", "hand-two-gz.bin", mnist_pair(2, [0, 9], zipped=True))
put("mnist", "hand-count-mismatch.bin", mnist_pair(2, [1, 2, 3]))
put("mnist", "hand-label-11.bin", mnist_pair(1, [11]))
put("mnist", "hand-27x28.bin", mnist_pair(1, [1], rows=27))
put("mnist", "hand-over-limit.bin", mnist_pair(5000, [0], zipped=True, pixels=bytes(5000 * 784)))
put("mnist", "hand-fixtures.bin", struct.pack("<H", len(img)) + img + fixture("labels_u1.idx"))

# --- array: the dispatch ---------------------------------------------------------
for f in ("f4_be.npy", "fortran_i2_be_3d.npy", "scalar_f8.npy", "stored.npz", "compressed.npz",
          "images_u1.idx", "images_u1.idx.gz", "idx_i2.idx"):
    put("array", "seed-" + f, fixture(f))
put("array", "hand-over-limit-u1.npz", bomb)
put("array", "hand-huge-shape.npy", hand_npy["hand-huge-shape.npy"])
put("array", "hand-three.npz", hand_npz["hand-three.npz"])
put("array", "hand-text.csv", b"1,2,3\n")

# --- session ---------------------------------------------------------------------
for f in ("bio.lab", "mnist.lab"):
    with open(os.path.join(TOP, "examples", f), "rb") as fh:
        put("session", "seed-" + f, fh.read())
hand_session = {
    "hand-long-line.lab": "[session]\nname = long\n[data]\nkind = npy\npath = /" + "d/" * 5000 + "x.npy\n",
    "hand-crlf.lab": "[session]\r\nname = crlf\r\nseed = 3\r\n\r\n[data]\r\nkind = synth\r\n",
    "hand-bad-section.lab": "[session\nname = x\n[nosuch]\nkey = 1\n",
    "hand-duplicate.lab": "[session]\nseed = 1\nseed = 2\n[tca]\nranks = 3-1\nreplicates = 0\n",
    "hand-empty.lab": "",
    "hand-comments.lab": "; a comment\n# another\n[session]  \n  name=  spaced  ; trailing\n[data]\nkind = csv\npath = d.csv\n",
    "hand-bytes.lab": "[session]\nname = \xff\xfe\x00tail\n",
}
for k, v in hand_session.items():
    put("session", k, v.encode("latin-1"))

# --- nwb: spike binning from arrays (fuzz_nwb.c's layout) ------------------------
def nwb(units, trials, opt, flags, counts=b"", index=(), t0=(), t1=(), spikes=()):
    b = bytes([units, trials, opt, flags]) + counts
    return b + struct.pack("<%dd" % (len(index) + len(t0) + len(t1) + len(spikes)), *index, *t0, *t1, *spikes)
put("nwb", "hand-two-units.bin", nwb(2, 3, 0, 0, bytes([3, 2]), (), (0.0, 2.0, 4.0), (1.0, 3.0, 4.5),
                                     (0.05, 0.15, 0.95, 2.01, 4.45)))
put("nwb", "hand-stop-aligned.bin", nwb(2, 3, 8 * 1 + 2, 1, bytes([3, 2]), (), (0.0, 2.0, 4.0), (1.0, 3.0, 4.5),
                                        (0.05, 0.15, 0.95, 2.01, 4.45)))
put("nwb", "hand-raw-index.bin", nwb(2, 1, 0, 2, b"", (3.0, 2.0), (0.0,), (1.0,), (0.1, 0.2, 0.3)))
put("nwb", "hand-nan.bin", nwb(1, 2, 0, 2, b"", (2.0,), (0.0, float("nan")), (1.0, 2.0), (0.5, float("inf"))))

total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(CORPUS) for f in fs)
print("corpus: %d files, %d bytes" % (sum(len(fs) for _, _, fs in os.walk(CORPUS)), total))
