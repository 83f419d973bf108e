/* Tests for .npy/.npz/IDX reading and writing (src/io/ll_npy.c, ll_npz.c,
 * ll_idx.c), the input limit in each reader, reading pipes (one open) and
 * from memory.  Fixtures in tests/data were written by NumPy
 * (tests/data/make_fixtures.py); expect_val() repeats its value rules.
 * Corrupt variants are made at run time in a mkdtemp directory. */
#include "base/ll_limits.h"
#include "io/ll_mnist.h"
#include "io/ll_npy.h"
#include "ll_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#ifndef LL_TEST_DATA
#define LL_TEST_DATA "tests/data"
#endif

static char tmpdir[64];

/* Paths in a few rotating buffers, so several can be live at once. */
static const char *fixture(const char *name)
{
	static char buf[64][512];
	static int k;
	k = (k + 1) % 64;
	snprintf(buf[k], sizeof buf[k], "%s/%s", LL_TEST_DATA, name);
	return buf[k];
}

static const char *tmp(const char *name)
{
	static char buf[64][512];
	static int k;
	k = (k + 1) % 64;
	snprintf(buf[k], sizeof buf[k], "%s/%s", tmpdir, name);
	return buf[k];
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *b = NULL;
	long n;
	*len = 0;
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	b = malloc(n > 0 ? (size_t)n : 1);
	if (b && fread(b, 1, (size_t)n, fp) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(fp);
	if (b)
		*len = (size_t)n;
	return b;
}

static void spit(const char *path, const void *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");
	if (!fp)
		return;
	if (len)
		fwrite(buf, 1, len, fp);
	fclose(fp);
}

/* A .npy with a verbatim header string and data bytes. */
static void make_npy(const char *path, int major, int minor, const char *hdr, const void *data, size_t dlen)
{
	unsigned char pre[12] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
	size_t hl = strlen(hdr), pl = major == 1 ? 10 : 12;
	FILE *fp = fopen(path, "wb");
	if (!fp)
		return;
	pre[6] = (unsigned char)major;
	pre[7] = (unsigned char)minor;
	for (size_t b = 0; b < pl - 8; b++)
		pre[8 + b] = (unsigned char)(hl >> (8 * b));
	fwrite(pre, 1, pl, fp);
	fwrite(hdr, 1, hl, fp);
	if (dlen)
		fwrite(data, 1, dlen, fp);
	fclose(fp);
}

/* The values make_fixtures.py writes for shape (3, 4), flat index k. */
static double expect_val(char kind, int size, int k)
{
	switch (kind) {
	case 'f': {
		double v = (k - 5) * 0.375;
		if (k == 5)
			v = -0.0;
		if (k == 9)
			v = 0.1;
		if (k == 10)
			v = INFINITY;
		if (k == 11)
			v = NAN;
		return size == 4 ? (double)(float)v : v;
	}
	case 'i':
		if (k == 0)
			return -ldexp(1, 8 * size - 1);
		if (k == 11)
			return ldexp(1, 8 * size - 1) - 1; /* i8: rounds to 2^63, as (double)INT64_MAX */
		return (double)(k * k) * (k % 2 ? -1 : 1);
	case 'u':
		if (k == 11)
			return ldexp(1, 8 * size) - 1;
		return k * k + k;
	default:
		return k % 3 == 0;
	}
}

/* Exact equality, NaN == NaN, and the sign of zero. */
static int same(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return a == b && signbit(a) == signbit(b);
}

#define CHECK_ERR(rc, code, e, path, sub) do { \
	LL_CHECK_INT(rc, code); \
	LL_CHECK_MSG(strncmp((e).msg, (path), strlen(path)) == 0 && (e).msg[strlen(path)] == ':', \
		     "message \"%s\" does not start with \"%s:\"", (e).msg, (path)); \
	LL_CHECK_CONTAINS((e).msg, sub); \
	LL_CHECK(strchr((e).msg, '\n') == NULL); } while (0)

static void check_vals_3x4(const ll_tensor *t, char kind, int size)
{
	LL_CHECK_INT(t->nmodes, 2);
	LL_CHECK_INT(t->dim[0], 3);
	LL_CHECK_INT(t->dim[1], 4);
	if (t->size != 12 || !t->data)
		return;
	for (int k = 0; k < 12; k++)
		LL_CHECK_MSG(same(t->data[k], expect_val(kind, size, k)), "%c%d [%d]: %.17g vs %.17g",
			     kind, size, k, t->data[k], expect_val(kind, size, k));
}

/* ---------------- .npy ---------------- */

static void test_npy_dtypes(void)
{
	static const struct { const char *file, *dtype; char kind; int size; } cases[] = {
		{"f4_le.npy", "<f4", 'f', 4}, {"f4_be.npy", ">f4", 'f', 4},
		{"f8_le.npy", "<f8", 'f', 8}, {"f8_be.npy", ">f8", 'f', 8},
		{"i1.npy", "|i1", 'i', 1},
		{"i2_le.npy", "<i2", 'i', 2}, {"i2_be.npy", ">i2", 'i', 2},
		{"i4_le.npy", "<i4", 'i', 4}, {"i4_be.npy", ">i4", 'i', 4},
		{"i8_le.npy", "<i8", 'i', 8}, {"i8_be.npy", ">i8", 'i', 8},
		{"u1.npy", "|u1", 'u', 1},
		{"u2_le.npy", "<u2", 'u', 2}, {"u2_be.npy", ">u2", 'u', 2},
		{"u4_le.npy", "<u4", 'u', 4}, {"u4_be.npy", ">u4", 'u', 4},
		{"u8_le.npy", "<u8", 'u', 8}, {"u8_be.npy", ">u8", 'u', 8},
		{"b1.npy", "|b1", 'b', 1},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		ll_tensor t;
		ll_array_info info;
		ll_err e = {0};
		int rc = ll_npy_read(fixture(cases[c].file), &t, &info, &e);
		LL_CHECK_MSG(rc == LL_OK, "%s: %s", cases[c].file, e.msg);
		if (rc != LL_OK)
			continue;
		LL_CHECK_STR(info.dtype, cases[c].dtype);
		LL_CHECK_INT(info.version_major, 1);
		LL_CHECK_INT(info.fortran_order, 0);
		LL_CHECK_INT(info.ndim, 2);
		check_vals_3x4(&t, cases[c].kind, cases[c].size);
		ll_tensor_free(&t);
	}
}

static void test_npy_fortran(void)
{
	ll_tensor t;
	ll_array_info info;
	ll_err e = {0};
	int rc = ll_npy_read(fixture("fortran_f8.npy"), &t, &info, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK_INT(info.fortran_order, 1);
	if (rc == LL_OK)
		check_vals_3x4(&t, 'f', 8);
	ll_tensor_free(&t);

	rc = ll_npy_read(fixture("fortran_i2_be_3d.npy"), &t, &info, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK_INT(info.fortran_order, 1);
	LL_CHECK_STR(info.dtype, ">i2");
	LL_CHECK_INT(t.nmodes, 3);
	if (rc == LL_OK && t.nmodes == 3 && t.dim[0] == 2 && t.dim[1] == 3 && t.dim[2] == 4)
		for (int i = 0; i < 2; i++)
			for (int j = 0; j < 3; j++)
				for (int k = 0; k < 4; k++) {
					int c = (i * 3 + j) * 4 + k;
					LL_CHECK_NEAR(t.data[c], c * 7 - 50, 0);
				}
	ll_tensor_free(&t);
}

static void test_npy_versions(void)
{
	const char *files[] = {"v2_f8.npy", "v3_f8.npy"};
	for (int v = 0; v < 2; v++) {
		ll_tensor t;
		ll_array_info info;
		ll_err e = {0};
		int rc = ll_npy_read(fixture(files[v]), &t, &info, &e);
		LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
		LL_CHECK_INT(info.version_major, v + 2);
		if (rc == LL_OK)
			check_vals_3x4(&t, 'f', 8);
		ll_tensor_free(&t);
	}
}

static void test_npy_shapes(void)
{
	ll_tensor t;
	ll_array_info info;
	ll_err e = {0};
	int rc = ll_npy_read(fixture("scalar_f8.npy"), &t, &info, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK_INT(info.ndim, 0);
	LL_CHECK_INT(t.nmodes, 1);
	LL_CHECK_INT(t.dim[0], 1);
	if (rc == LL_OK)
		LL_CHECK_NEAR(t.data[0], 2.5, 0);
	ll_tensor_free(&t);

	rc = ll_npy_read(fixture("vec_i8.npy"), &t, &info, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK_INT(info.ndim, 1);
	LL_CHECK_INT(t.nmodes, 1);
	LL_CHECK_INT(t.dim[0], 5);
	LL_CHECK_STR(info.dtype, "<i8");
	for (size_t k = 0; rc == LL_OK && k < 5; k++)
		LL_CHECK_NEAR(t.data[k], 3.0 * (double)k - 4, 0);
	ll_tensor_free(&t);

	rc = ll_npy_read(fixture("d5_f8.npy"), &t, &info, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK_INT(t.nmodes, 5);
	size_t want[5] = {2, 1, 3, 1, 2};
	for (int m = 0; m < 5; m++) {
		LL_CHECK_INT(t.dim[m], want[m]);
		LL_CHECK_INT(info.shape[m], want[m]);
	}
	for (size_t k = 0; rc == LL_OK && k < 12; k++)
		LL_CHECK_NEAR(t.data[k], 0.5 * (double)k, 0);
	ll_tensor_free(&t);
}

static void test_npy_read_mem(void)
{
	size_t len;
	unsigned char *buf = slurp(fixture("i4_be.npy"), &len);
	ll_tensor t;
	ll_array_info info;
	ll_err e = {0};
	LL_CHECK(buf != NULL);
	if (!buf)
		return;
	int rc = ll_npy_read_mem(buf, len, "mem.npy", &t, &info, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	if (rc == LL_OK)
		check_vals_3x4(&t, 'i', 4);
	ll_tensor_free(&t);
	rc = ll_npy_read_mem(buf, len - 1, "mem.npy", &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, "mem.npy", "truncated: header says 48 bytes of data, file has 47");
	LL_CHECK(t.data == NULL);
	rc = ll_npy_read_mem(NULL, 0, "mem.npy", &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, "mem.npy", "empty");
	free(buf);
}

/* Header length (prefix + dict) and that the dict ends in '\n'. */
static void check_written_header(const char *path, size_t data_bytes)
{
	size_t len;
	unsigned char *b = slurp(path, &len);
	LL_CHECK(b != NULL);
	if (!b)
		return;
	LL_CHECK(len > data_bytes + 10);
	if (len > data_bytes + 10) {
		size_t hl = b[8] | (size_t)b[9] << 8;
		LL_CHECK_INT(10 + hl, len - data_bytes);
		LL_CHECK_INT((10 + hl) % 64, 0);
		LL_CHECK_INT(b[10 + hl - 1], '\n');
		LL_CHECK_INT(b[6], 1);
		LL_CHECK_INT(b[7], 0);
	}
	free(b);
}

static void test_npy_write_roundtrip(void)
{
	/* every rank 1..8, both precisions, values that stress rounding */
	for (int nd = 1; nd <= LL_MAX_MODES; nd++) {
		size_t dim[LL_MAX_MODES];
		ll_tensor t, r;
		ll_err e = {0};
		for (int m = 0; m < nd; m++)
			dim[m] = (size_t)(m % 3 + 1 + (nd < 4));
		LL_CHECK_INT(ll_tensor_init(&t, nd, dim, &e), LL_OK);
		for (size_t k = 0; k < t.size; k++)
			t.data[k] = (k % 2 ? -1.0 : 1.0) * (double)k / 3.0 + 1e-300 * (double)k;
		if (t.size > 2) {
			t.data[1] = NAN;
			t.data[2] = -INFINITY;
		}
		for (int f32 = 0; f32 < 2; f32++) {
			ll_array_info info;
			const char *p = tmp(f32 ? "rt32.npy" : "rt64.npy");
			int rc = ll_npy_write(p, &t, f32, &e);
			LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
			check_written_header(p, t.size * (f32 ? 4 : 8));
			rc = ll_npy_read(p, &r, &info, &e);
			LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
			LL_CHECK_STR(info.dtype, f32 ? "<f4" : "<f8");
			LL_CHECK(ll_tensor_same_shape(&t, &r));
			for (size_t k = 0; rc == LL_OK && k < t.size; k++) {
				double want = f32 ? (double)(float)t.data[k] : t.data[k];
				LL_CHECK_MSG(same(r.data[k], want), "nd %d f32 %d [%zu]: %.17g vs %.17g",
					     nd, f32, k, r.data[k], want);
			}
			ll_tensor_free(&r);
		}
		ll_tensor_free(&t);
	}
	/* a 0-d array through ll_npy_write_array */
	double one = 7.25;
	ll_tensor r;
	ll_array_info info;
	ll_err e = {0};
	LL_CHECK_INT(ll_npy_write_array(tmp("s.npy"), &one, 0, NULL, 0, &e), LL_OK);
	LL_CHECK_INT(ll_npy_read(tmp("s.npy"), &r, &info, &e), LL_OK);
	LL_CHECK_INT(info.ndim, 0);
	LL_CHECK_INT(r.size, 1);
	if (r.data)
		LL_CHECK_NEAR(r.data[0], 7.25, 0);
	ll_tensor_free(&r);
}

/* ll_npy_write_array must produce exactly what numpy.save writes. */
static void test_npy_write_matches_numpy(void)
{
	static const struct { const char *file; int ndim; size_t shape[8]; int f32; } refs[] = {
		{"ref_f8_3x4.npy", 2, {3, 4}, 0},
		{"ref_f4_3x4.npy", 2, {3, 4}, 1},
		{"ref_f8_5.npy", 1, {5}, 0},
		{"ref_f8_scalar.npy", 0, {0}, 0},
		{"ref_f8_2x1x3x1x2x1x1x2.npy", 8, {2, 1, 3, 1, 2, 1, 1, 2}, 0},
	};
	double v[24];
	for (int k = 0; k < 24; k++)
		v[k] = k * 0.5 - 1;
	for (size_t c = 0; c < sizeof refs / sizeof refs[0]; c++) {
		ll_err e = {0};
		size_t la, lb;
		int rc = ll_npy_write_array(tmp("ref.npy"), v, refs[c].ndim, refs[c].shape, refs[c].f32, &e);
		LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
		unsigned char *a = slurp(tmp("ref.npy"), &la), *b = slurp(fixture(refs[c].file), &lb);
		LL_CHECK(a && b);
		LL_CHECK_MSG(a && b && la == lb && memcmp(a, b, la) == 0, "%s differs from ours (%zu vs %zu bytes)",
			     refs[c].file, lb, la);
		free(a);
		free(b);
	}
}

static void test_npy_write_errors(void)
{
	ll_err e = {0};
	double v[2] = {1, 2};
	size_t shape[9] = {1, 1, 1, 1, 1, 1, 1, 1, 2};
	ll_tensor t;
	char p[512];
	snprintf(p, sizeof p, "%s/no/such/dir/x.npy", tmpdir);
	int rc = ll_npy_write_array(p, v, 1, shape + 8, 0, &e);
	CHECK_ERR(rc, LL_EIO, e, p, "cannot create");
	rc = ll_npy_write_array(tmp("w.npy"), v, 9, shape, 0, &e);
	CHECK_ERR(rc, LL_EINVAL, e, tmp("w.npy"), "9 dimensions");
	rc = ll_npy_write_array(tmp("w.npy"), NULL, 1, shape + 8, 0, &e);
	CHECK_ERR(rc, LL_EINVAL, e, tmp("w.npy"), "no data");
	memset(&t, 0, sizeof t);
	rc = ll_npy_write(tmp("w.npy"), &t, 0, &e);
	CHECK_ERR(rc, LL_EINVAL, e, tmp("w.npy"), "0 modes");
	/* nothing half-written is left behind */
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	while (d && (de = readdir(d)))
		LL_CHECK_MSG(strstr(de->d_name, ".tmp.") == NULL, "left over: %s", de->d_name);
	if (d)
		closedir(d);
	LL_CHECK(access(tmp("w.npy"), F_OK) != 0);
}

static const char HDR34[] = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }";

static void test_npy_bad(void)
{
	static const struct { const char *hdr; int code; const char *msg; } hdrs[] = {
		{"{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", LL_ENOTSUP,
		 "pickled object arrays are not supported"},
		{"{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (3,), }", LL_ENOTSUP,
		 "structured dtypes"},
		{"{'descr': '<U5', 'fortran_order': False, 'shape': (3,), }", LL_ENOTSUP, "string arrays"},
		{"{'descr': '|S3', 'fortran_order': False, 'shape': (3,), }", LL_ENOTSUP, "string arrays"},
		{"{'descr': '<c16', 'fortran_order': False, 'shape': (3,), }", LL_ENOTSUP, "complex"},
		{"{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (3,), }", LL_ENOTSUP, "datetime"},
		{"{'descr': '<m8[s]', 'fortran_order': False, 'shape': (3,), }", LL_ENOTSUP, "datetime"},
		{"{'descr': '|V8', 'fortran_order': False, 'shape': (3,), }", LL_ENOTSUP, "void"},
		{"{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }", LL_ENOTSUP, "unsupported dtype '<f2'"},
		{"{'descr': '<i3', 'fortran_order': False, 'shape': (3,), }", LL_ENOTSUP, "unsupported dtype"},
		{"{'descr': '<f8x', 'fortran_order': False, 'shape': (3,), }", LL_ENOTSUP, "unsupported dtype"},
		{"{'descr': 'float64', 'fortran_order': False, 'shape': (3,), }", LL_ENOTSUP, "unsupported dtype"},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }", LL_ENOTSUP,
		 "9 dimensions; at most 8"},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }", LL_EFORMAT,
		 "too many elements"},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }", LL_EFORMAT,
		 "too large"},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }", LL_EFORMAT,
		 "truncated: header says 8796093022208 bytes of data, file has 96"},
		{"hello world", LL_EFORMAT, "malformed"},
		{"{'descr': '<f8', 'shape': (3,), }", LL_EFORMAT, "missing key 'fortran_order'"},
		{"{'descr': '<f8', 'fortran_order': False, }", LL_EFORMAT, "missing key 'shape'"},
		{"{'fortran_order': False, 'shape': (3,), }", LL_EFORMAT, "missing key 'descr'"},
		{"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", LL_EFORMAT, "duplicate"},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'extra': 1}", LL_EFORMAT, "unexpected key 'extra'"},
		{"{'descr': '<f8', 'fortran_order': 1, 'shape': (3,), }", LL_EFORMAT, "True or False"},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': [3, 4], }", LL_EFORMAT, "not a tuple"},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (-3,), }", LL_EFORMAT, "negative"},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (,), }", LL_EFORMAT, "malformed"},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (3 4), }", LL_EFORMAT, "malformed"},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (3,), } x", LL_EFORMAT, "after '}'"},
		{"{'descr': '<f8, 'fortran_order': False, 'shape': (3,), }", LL_EFORMAT, "malformed"},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (3,)", LL_EFORMAT, "malformed"},
		{"{'descr': 8, 'fortran_order': False, 'shape': (3,), }", LL_EFORMAT, "descr is not a string"},
	};
	double data[12] = {0};
	ll_tensor t;
	ll_array_info info;
	ll_err e = {0};
	char p[512];
	snprintf(p, sizeof p, "%s/bad.npy", tmpdir);
	int rc;

	for (size_t c = 0; c < sizeof hdrs / sizeof hdrs[0]; c++) {
		make_npy(p, 1, 0, hdrs[c].hdr, data, sizeof data);
		rc = ll_npy_read(p, &t, NULL, &e);
		LL_CHECK_MSG(rc == hdrs[c].code, "case %zu: rc %d, %s", c, rc, e.msg);
		CHECK_ERR(rc, hdrs[c].code, e, p, hdrs[c].msg);
		LL_CHECK(t.data == NULL);
		/* ll_array_read says the same */
		rc = ll_array_read(p, &t, NULL, &e);
		CHECK_ERR(rc, hdrs[c].code, e, p, hdrs[c].msg);
	}

	/* bad magic: a NumPy file with its first byte changed */
	size_t len;
	unsigned char *good = slurp(fixture("f8_le.npy"), &len);
	LL_CHECK(good != NULL);
	if (!good)
		return;
	good[0] ^= 0x01;
	spit(p, good, len);
	rc = ll_npy_read(p, &t, NULL, &e);
	LL_CHECK_INT(rc, LL_EFORMAT);
	char want[600];
	snprintf(want, sizeof want, "%s: not a .npy file (bad magic)", p);
	LL_CHECK_STR(e.msg, want);
	good[0] ^= 0x01;

	/* versions */
	good[6] = 4;
	spit(p, good, len);
	rc = ll_npy_read(p, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, p, "unsupported .npy format version 4.0");
	good[6] = 1;
	good[7] = 1;
	spit(p, good, len);
	rc = ll_npy_read(p, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, p, "version 1.1");
	good[7] = 0;

	/* truncated data: exact message */
	spit(p, good, len - 56);
	rc = ll_npy_read(p, &t, NULL, &e);
	LL_CHECK_INT(rc, LL_EFORMAT);
	snprintf(want, sizeof want, "%s: truncated: header says 96 bytes of data, file has 40", p);
	LL_CHECK_STR(e.msg, want);

	/* trailing bytes after the data are ignored (as numpy.load does) */
	unsigned char *longer = malloc(len + 5);
	memcpy(longer, good, len);
	memcpy(longer + len, "junk!", 5);
	spit(p, longer, len + 5);
	rc = ll_npy_read(p, &t, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	if (rc == LL_OK)
		check_vals_3x4(&t, 'f', 8);
	ll_tensor_free(&t);
	free(longer);
	free(good);

	/* header length larger than the limit, and larger than the file */
	make_npy(p, 2, 0, HDR34, data, sizeof data);
	{
		unsigned char *b = slurp(p, &len);
		b[8] = b[9] = b[10] = 0xff;
		b[11] = 0x7f;
		spit(p, b, len);
		rc = ll_npy_read(p, &t, NULL, &e);
		CHECK_ERR(rc, LL_EFORMAT, e, p, "header length 2147483647 exceeds the 65536-byte limit");
		b[8] = 0x00;
		b[9] = 0x10; /* 4096 */
		b[10] = b[11] = 0;
		spit(p, b, len);
		rc = ll_npy_read(p, &t, NULL, &e);
		CHECK_ERR(rc, LL_EFORMAT, e, p, "truncated: header length is 4096 bytes");
		b[8] = b[9] = 0;
		spit(p, b, len);
		rc = ll_npy_read(p, &t, NULL, &e);
		CHECK_ERR(rc, LL_EFORMAT, e, p, "length is 0");
		spit(p, b, 9);
		rc = ll_npy_read(p, &t, NULL, &e);
		CHECK_ERR(rc, LL_EFORMAT, e, p, "truncated .npy header");
		spit(p, b, 3);
		rc = ll_npy_read(p, &t, NULL, &e);
		CHECK_ERR(rc, LL_EFORMAT, e, p, "truncated .npy header");
		free(b);
	}

	/* zero-size mode: the header is readable, the tensor is not */
	make_npy(p, 1, 0, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 0), }", NULL, 0);
	memset(&info, 0, sizeof info);
	rc = ll_npy_read(p, &t, &info, &e);
	LL_CHECK_INT(rc, LL_ESHAPE);
	snprintf(want, sizeof want, "%s: mode 1 has size 0", p);
	LL_CHECK_STR(e.msg, want);
	LL_CHECK_INT(info.ndim, 2);
	LL_CHECK_INT(info.shape[0], 3);
	LL_CHECK_INT(info.shape[1], 0);
	LL_CHECK(t.data == NULL);

	/* missing file, directory, empty file */
	char missing[512];
	snprintf(missing, sizeof missing, "%s/missing.npy", tmpdir);
	rc = ll_npy_read(missing, &t, NULL, &e);
	LL_CHECK_INT(rc, LL_EIO);
	snprintf(want, sizeof want, "%s: cannot open: No such file or directory", missing);
	LL_CHECK_STR(e.msg, want);
	rc = ll_npy_read(tmpdir, &t, NULL, &e);
	CHECK_ERR(rc, LL_EIO, e, tmpdir, "cannot read");
	spit(p, "", 0);
	rc = ll_npy_read(p, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, p, "empty");
}

/* Headers NumPy never writes but other writers do, or older NumPy did. */
static void test_npy_lenient_headers(void)
{
	static const char *hdrs[] = {
		/* keys in another order, 16-byte-era padding, no trailing comma */
		"{'shape': (3, 4), 'fortran_order': False, 'descr': '<f8'}    \n",
		/* double quotes, Python 2 longs, tabs, no newline */
		"{\"descr\": \"<f8\",\t\"fortran_order\": False, \"shape\": (3L, 4L)}",
		/* trailing comma in the dict and lots of spare room */
		"{'fortran_order': False,'descr':'<f8','shape':(3,4,),}                                  \n",
	};
	double data[12];
	for (int k = 0; k < 12; k++)
		data[k] = expect_val('f', 8, k);
	for (size_t c = 0; c < sizeof hdrs / sizeof hdrs[0]; c++) {
		ll_tensor t;
		ll_err e = {0};
		make_npy(tmp("ok.npy"), c == 2 ? 3 : 1, 0, hdrs[c], data, sizeof data);
		int rc = ll_npy_read(tmp("ok.npy"), &t, NULL, &e);
		LL_CHECK_MSG(rc == LL_OK, "case %zu: %s", c, e.msg);
		if (rc == LL_OK)
			check_vals_3x4(&t, 'f', 8);
		ll_tensor_free(&t);
	}
}

/* ---------------- .npz ---------------- */

static void test_npz(void)
{
	const char *files[] = {"stored.npz", "compressed.npz"};
	for (int f = 0; f < 2; f++) {
		const char *p = fixture(files[f]);
		char **names = NULL;
		size_t n = 0;
		ll_tensor t;
		ll_array_info info;
		ll_err e = {0};
		int rc = ll_npz_list(p, &names, &n, &e);
		LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
		LL_CHECK_INT(n, 2);
		if (n == 2) {
			LL_CHECK_STR(names[0], "a");
			LL_CHECK_STR(names[1], "b");
		}
		for (size_t k = 0; k < n; k++)
			ll_free(names[k]);
		ll_free(names);

		const char *as_a[] = {NULL, "a", "a.npy"};
		for (int w = 0; w < 3; w++) {
			rc = ll_npz_read(p, as_a[w], &t, &info, &e);
			LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
			LL_CHECK_STR(info.dtype, "<f8");
			if (rc == LL_OK)
				check_vals_3x4(&t, 'f', 8);
			ll_tensor_free(&t);
		}
		rc = ll_npz_read(p, "b", &t, &info, &e);
		LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
		LL_CHECK_STR(info.dtype, "<i4");
		LL_CHECK_INT(t.nmodes, 1);
		LL_CHECK_INT(t.dim[0], 5);
		for (size_t k = 0; rc == LL_OK && k < 5; k++)
			LL_CHECK_NEAR(t.data[k], 3.0 * (double)k - 4, 0);
		ll_tensor_free(&t);

		rc = ll_npz_read(p, "c", &t, &info, &e);
		CHECK_ERR(rc, LL_EINVAL, e, p, "no member 'c' (members: a, b)");
		LL_CHECK(t.data == NULL);
	}
}

/* Offset of the first central directory entry. */
static size_t find_cdir(const unsigned char *b, size_t len)
{
	for (size_t k = 0; k + 4 <= len; k++)
		if (memcmp(b + k, "PK\x01\x02", 4) == 0)
			return k;
	return 0;
}

static void test_npz_bad(void)
{
	size_t len, cd;
	unsigned char *b = slurp(fixture("stored.npz"), &len);
	char p[512];
	snprintf(p, sizeof p, "%s/bad.npz", tmpdir);
	ll_tensor t;
	ll_err e = {0};
	char **names;
	size_t n;
	int rc;
	char want[600];

	LL_CHECK(b != NULL);
	if (!b)
		return;
	cd = find_cdir(b, len);
	LL_CHECK(cd > 0);

	/* the end record cut off */
	spit(p, b, len - 10);
	rc = ll_npz_read(p, NULL, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, p, "corrupt zip: end of central directory not found");
	rc = ll_npz_list(p, &names, &n, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, p, "corrupt zip");
	LL_CHECK(names == NULL && n == 0);

	/* a zip magic followed by garbage */
	{
		unsigned char g[200];
		for (size_t k = 0; k < sizeof g; k++)
			g[k] = (unsigned char)(k * 37 + 11);
		memcpy(g, "PK\x03\x04", 4);
		spit(p, g, sizeof g);
		rc = ll_npz_read(p, NULL, &t, NULL, &e);
		CHECK_ERR(rc, LL_EFORMAT, e, p, "corrupt zip");
	}

	/* central directory offset pointing past the end */
	{
		unsigned char *c = malloc(len);
		memcpy(c, b, len);
		c[len - 22 + 16] = 0xff;
		c[len - 22 + 17] = 0xff;
		spit(p, c, len);
		rc = ll_npz_read(p, NULL, &t, NULL, &e);
		CHECK_ERR(rc, LL_EFORMAT, e, p, "central directory out of range");
		free(c);
	}

	/* unsupported compression method (bzip2 = 12) */
	b[cd + 10] = 12;
	spit(p, b, len);
	rc = ll_npz_read(p, "a", &t, NULL, &e);
	CHECK_ERR(rc, LL_ENOTSUP, e, p, "member 'a' uses compression method 12");
	b[cd + 10] = 0;

	/* encrypted */
	b[cd + 8] |= 1;
	spit(p, b, len);
	rc = ll_npz_read(p, "a", &t, NULL, &e);
	CHECK_ERR(rc, LL_ENOTSUP, e, p, "encrypted");
	b[cd + 8] &= (unsigned char)~1u;

	/* CRC mismatch: one data byte of member a changed */
	size_t data0 = 30 + (b[26] | (size_t)b[27] << 8) + (b[28] | (size_t)b[29] << 8);
	b[data0 + 200] ^= 0x40;
	spit(p, b, len);
	rc = ll_npz_read(p, "a", &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, p, "CRC mismatch in member 'a'");
	LL_CHECK(t.data == NULL);
	b[data0 + 200] ^= 0x40;
	/* member b is still fine */
	rc = ll_npz_read(p, "b", &t, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	ll_tensor_free(&t);

	/* a member that is not a .npy (CRC fixed up): the message names it */
	b[data0] ^= 0x01;
	{
		uint32_t crc = (uint32_t)crc32(0L, b + data0, 224);
		for (int k = 0; k < 4; k++)
			b[cd + 16 + k] = (unsigned char)(crc >> (8 * k));
	}
	spit(p, b, len);
	rc = ll_npz_read(p, "a", &t, NULL, &e);
	LL_CHECK_INT(rc, LL_EFORMAT);
	snprintf(want, sizeof want, "%s:a: not a .npy file (bad magic)", p);
	LL_CHECK_STR(e.msg, want);
	free(b);

	/* deflate data damaged */
	b = slurp(fixture("compressed.npz"), &len);
	LL_CHECK(b != NULL);
	if (!b)
		return;
	data0 = 30 + (b[26] | (size_t)b[27] << 8) + (b[28] | (size_t)b[29] << 8);
	for (size_t k = data0 + 20; k < data0 + 60; k++)
		b[k] ^= 0x5a;
	spit(p, b, len);
	rc = ll_npz_read(p, "a", &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, p, "member 'a'");
	LL_CHECK(t.data == NULL);
	free(b);

	/* not a zip; missing */
	rc = ll_npz_read(fixture("f8_le.npy"), NULL, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, fixture("f8_le.npy"), "not a .npz (zip) file (bad magic)");
	rc = ll_npz_list(tmp("missing.npz"), &names, &n, &e);
	CHECK_ERR(rc, LL_EIO, e, tmp("missing.npz"), "cannot open: No such file or directory");

	/* an empty archive */
	spit(p, "PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 22);
	rc = ll_npz_read(p, NULL, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, p, "no members");
}

static void put_le(unsigned char **p, uint64_t v, int n)
{
	for (int k = 0; k < n; k++, v >>= 8)
		*(*p)++ = (unsigned char)(v & 0xff);
}

/* A one-member STORED zip written the zip64 way throughout: local and
 * central headers with saturated sizes and a zip64 extra field, a zip64
 * end record and locator, a saturated classic end record.  (numpy's small
 * files only have zip64 local headers; big ones look like this.) */
static size_t build_zip64(unsigned char *out, const char *name, const unsigned char *data, size_t len)
{
	unsigned char *p = out;
	size_t nl = strlen(name), cd_off, cd_size, z64_off;
	uint32_t crc = (uint32_t)crc32(0L, data, (uInt)len);

	put_le(&p, 0x04034b50, 4);
	put_le(&p, 45, 2);
	put_le(&p, 0, 2);
	put_le(&p, 0, 2);
	put_le(&p, 0, 2);
	put_le(&p, 0x21, 2);
	put_le(&p, crc, 4);
	put_le(&p, 0xffffffffu, 4);
	put_le(&p, 0xffffffffu, 4);
	put_le(&p, nl, 2);
	put_le(&p, 20, 2);
	memcpy(p, name, nl);
	p += nl;
	put_le(&p, 1, 2);
	put_le(&p, 16, 2);
	put_le(&p, len, 8);
	put_le(&p, len, 8);
	memcpy(p, data, len);
	p += len;

	cd_off = (size_t)(p - out);
	put_le(&p, 0x02014b50, 4);
	put_le(&p, 45, 2);
	put_le(&p, 45, 2);
	put_le(&p, 0, 2);
	put_le(&p, 0, 2);
	put_le(&p, 0, 2);
	put_le(&p, 0x21, 2);
	put_le(&p, crc, 4);
	put_le(&p, 0xffffffffu, 4);
	put_le(&p, 0xffffffffu, 4);
	put_le(&p, nl, 2);
	put_le(&p, 4 + 24, 2);
	put_le(&p, 0, 2);
	put_le(&p, 0, 2);
	put_le(&p, 0, 2);
	put_le(&p, 0, 4);
	put_le(&p, 0xffffffffu, 4);
	memcpy(p, name, nl);
	p += nl;
	put_le(&p, 1, 2);
	put_le(&p, 24, 2);
	put_le(&p, len, 8);
	put_le(&p, len, 8);
	put_le(&p, 0, 8);
	cd_size = (size_t)(p - out) - cd_off;

	z64_off = (size_t)(p - out);
	put_le(&p, 0x06064b50, 4);
	put_le(&p, 44, 8);
	put_le(&p, 45, 2);
	put_le(&p, 45, 2);
	put_le(&p, 0, 4);
	put_le(&p, 0, 4);
	put_le(&p, 1, 8);
	put_le(&p, 1, 8);
	put_le(&p, cd_size, 8);
	put_le(&p, cd_off, 8);

	put_le(&p, 0x07064b50, 4);
	put_le(&p, 0, 4);
	put_le(&p, z64_off, 8);
	put_le(&p, 1, 4);

	put_le(&p, 0x06054b50, 4);
	put_le(&p, 0, 2);
	put_le(&p, 0, 2);
	put_le(&p, 0xffff, 2);
	put_le(&p, 0xffff, 2);
	put_le(&p, 0xffffffffu, 4);
	put_le(&p, 0xffffffffu, 4);
	put_le(&p, 0, 2);
	return (size_t)(p - out);
}

static void test_npz_zip64(void)
{
	size_t len, zl;
	unsigned char *npy = slurp(fixture("u2_be.npy"), &len), *zip;
	char p[512];
	ll_tensor t;
	ll_array_info info;
	ll_err e = {0};
	char **names = NULL;
	size_t n = 0;
	int rc;

	snprintf(p, sizeof p, "%s/z64.npz", tmpdir);
	LL_CHECK(npy != NULL);
	if (!npy)
		return;
	zip = malloc(len + 400);
	zl = build_zip64(zip, "x.npy", npy, len);
	spit(p, zip, zl);
	rc = ll_npz_list(p, &names, &n, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK_INT(n, 1);
	if (n == 1)
		LL_CHECK_STR(names[0], "x");
	for (size_t k = 0; k < n; k++)
		ll_free(names[k]);
	ll_free(names);
	rc = ll_array_read(p, &t, &info, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK_STR(info.dtype, ">u2");
	if (rc == LL_OK)
		check_vals_3x4(&t, 'u', 2);
	ll_tensor_free(&t);

	/* the central directory's zip64 extra too short for its three fields */
	size_t cd = find_cdir(zip, zl);
	zip[cd + 46 + 5 + 2] = 16;
	spit(p, zip, zl);
	rc = ll_npz_read(p, NULL, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, p, "bad zip64 extra field");
	zip[cd + 46 + 5 + 2] = 24;
	/* the zip64 end record moved away */
	zip[zl - 22 - 20 + 8] ^= 0x10;
	spit(p, zip, zl);
	rc = ll_npz_read(p, NULL, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, p, "bad zip64 end record");
	zip[zl - 22 - 20 + 8] ^= 0x10;

	/* every prefix fails */
	size_t fails = 0;
	for (size_t cut = 0; cut < zl; cut++) {
		spit(p, zip, cut);
		rc = ll_array_read(p, &t, NULL, &e);
		if (rc == LL_OK || t.data)
			fails++, ll_tensor_free(&t);
	}
	LL_CHECK_INT(fails, 0);
	free(zip);
	free(npy);
}

/* A member is asked for by its whole name, with or without ".npy": "x"
 * is not the member "xy.npy" whose name it begins. */
static void test_npz_member_name(void)
{
	size_t len, zl;
	unsigned char *npy = slurp(fixture("u2_be.npy"), &len), *zip;
	const char *p = tmp("names.npz");
	ll_tensor t;
	ll_err e = {0};
	int rc;

	LL_CHECK(npy != NULL);
	if (!npy)
		return;
	zip = malloc(len + 400);
	zl = build_zip64(zip, "xy.npy", npy, len);
	spit(p, zip, zl);
	const char *whole[] = {"xy", "xy.npy"};
	for (int w = 0; w < 2; w++) {
		rc = ll_npz_read(p, whole[w], &t, NULL, &e);
		LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
		if (rc == LL_OK)
			check_vals_3x4(&t, 'u', 2);
		ll_tensor_free(&t);
	}
	const char *part[] = {"x", "x.npy", "xy.np", "y"};
	for (int w = 0; w < 4; w++) {
		rc = ll_npz_read(p, part[w], &t, NULL, &e);
		CHECK_ERR(rc, LL_EINVAL, e, p, "(members: xy)");
		LL_CHECK(t.data == NULL);
	}
	free(zip);
	free(npy);
}

/* ---------------- IDX ---------------- */

static void test_idx(void)
{
	const char *img[] = {"images_u1.idx", "images_u1.idx.gz"};
	for (int g = 0; g < 2; g++) {
		const char *p = fixture(img[g]);
		ll_tensor t;
		ll_array_info info;
		unsigned char *u8 = NULL;
		ll_err e = {0};
		int rc = ll_idx_read(p, &t, &info, &e);
		LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
		LL_CHECK_STR(info.dtype, "u1");
		LL_CHECK_INT(info.version_major, 0);
		LL_CHECK_INT(t.nmodes, 3);
		LL_CHECK(t.dim[0] == 3 && t.dim[1] == 4 && t.dim[2] == 5);
		for (size_t k = 0; rc == LL_OK && k < 60; k++)
			LL_CHECK_NEAR(t.data[k], (double)(k * 13 % 256), 0);
		ll_tensor_free(&t);

		memset(&info, 0, sizeof info);
		rc = ll_idx_read_u8(p, &u8, &info, &e);
		LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
		LL_CHECK_INT(info.ndim, 3);
		LL_CHECK(info.shape[0] == 3 && info.shape[1] == 4 && info.shape[2] == 5);
		for (size_t k = 0; u8 && k < 60; k++)
			LL_CHECK_INT(u8[k], k * 13 % 256);
		ll_free(u8);
	}
	const char *lab[] = {"labels_u1.idx", "labels_u1.idx.gz"};
	const int labels[6] = {5, 0, 4, 1, 9, 2};
	for (int g = 0; g < 2; g++) {
		ll_tensor t;
		ll_err e = {0};
		int rc = ll_idx_read(fixture(lab[g]), &t, NULL, &e);
		LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
		LL_CHECK_INT(t.nmodes, 1);
		LL_CHECK_INT(t.dim[0], 6);
		for (size_t k = 0; rc == LL_OK && k < 6; k++)
			LL_CHECK_NEAR(t.data[k], labels[k], 0);
		ll_tensor_free(&t);
	}
	static const struct { const char *file, *dtype; char kind; int size; } typed[] = {
		{"idx_i1.idx", "i1", 'i', 1}, {"idx_i2.idx", ">i2", 'i', 2}, {"idx_i4.idx", ">i4", 'i', 4},
		{"idx_f4.idx", ">f4", 'f', 4}, {"idx_f8.idx", ">f8", 'f', 8},
	};
	for (size_t c = 0; c < sizeof typed / sizeof typed[0]; c++) {
		ll_tensor t;
		ll_array_info info;
		ll_err e = {0};
		int rc = ll_idx_read(fixture(typed[c].file), &t, &info, &e);
		LL_CHECK_MSG(rc == LL_OK, "%s: %s", typed[c].file, e.msg);
		LL_CHECK_STR(info.dtype, typed[c].dtype);
		if (rc == LL_OK)
			check_vals_3x4(&t, typed[c].kind, typed[c].size);
		ll_tensor_free(&t);
	}
	/* bytes wanted from a float file */
	unsigned char *u8 = (unsigned char *)1;
	ll_err e = {0};
	int rc = ll_idx_read_u8(fixture("idx_f8.idx"), &u8, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, fixture("idx_f8.idx"), "IDX data type is >f8, not u1");
	LL_CHECK(u8 == NULL);
}

static void test_idx_write(void)
{
	unsigned char img[60];
	size_t shape[3] = {3, 4, 5}, la, lb;
	ll_err e = {0};
	for (int k = 0; k < 60; k++)
		img[k] = (unsigned char)(k * 13 % 256);
	int rc = ll_idx_write_u8(tmp("w.idx"), img, 3, shape, 0, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	unsigned char *a = slurp(tmp("w.idx"), &la), *b = slurp(fixture("images_u1.idx"), &lb);
	LL_CHECK_MSG(a && b && la == lb && memcmp(a, b, la) == 0, "raw IDX differs from the fixture");
	free(a);
	free(b);

	rc = ll_idx_write_u8(tmp("w.idx.gz"), img, 3, shape, 1, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	a = slurp(tmp("w.idx.gz"), &la);
	LL_CHECK(a && la > 2 && a[0] == 0x1f && a[1] == 0x8b);
	free(a);
	unsigned char *u8 = NULL;
	ll_array_info info;
	rc = ll_idx_read_u8(tmp("w.idx.gz"), &u8, &info, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK(u8 && memcmp(u8, img, 60) == 0);
	LL_CHECK(info.ndim == 3 && info.shape[2] == 5);
	ll_free(u8);

	/* a larger one through gzip, to cross zlib's buffer sizes */
	size_t big[2] = {1000, 784};
	unsigned char *m = malloc(big[0] * big[1]);
	for (size_t k = 0; k < big[0] * big[1]; k++)
		m[k] = (unsigned char)((k * 2654435761u) >> 13);
	rc = ll_idx_write_u8(tmp("big.idx.gz"), m, 2, big, 1, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	rc = ll_idx_read_u8(tmp("big.idx.gz"), &u8, &info, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK(u8 && memcmp(u8, m, big[0] * big[1]) == 0);
	ll_free(u8);
	free(m);

	/* errors */
	rc = ll_idx_write_u8(tmp("w.idx"), img, 0, shape, 0, &e);
	CHECK_ERR(rc, LL_EINVAL, e, tmp("w.idx"), "dimensions");
	size_t huge[2] = {(size_t)1 << 33, 1};
	rc = ll_idx_write_u8(tmp("w.idx"), img, 2, huge, 0, &e);
	CHECK_ERR(rc, LL_EINVAL, e, tmp("w.idx"), "32 bits");
	rc = ll_idx_write_u8(tmp("no/dir/w.idx"), img, 3, shape, 1, &e);
	CHECK_ERR(rc, LL_EIO, e, tmp("no/dir/w.idx"), "cannot create");
}

static void test_idx_bad(void)
{
	size_t len, glen;
	unsigned char *b = slurp(fixture("images_u1.idx"), &len);
	unsigned char *g = slurp(fixture("images_u1.idx.gz"), &glen);
	char p[512];
	snprintf(p, sizeof p, "%s/bad.idx", tmpdir);
	ll_tensor t;
	unsigned char *u8;
	ll_err e = {0};
	char want[600];
	int rc;

	LL_CHECK(b && g);
	if (!b || !g) {
		free(b);
		free(g);
		return;
	}
	b[0] = 1;
	spit(p, b, len);
	rc = ll_idx_read(p, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, p, "not an IDX file (bad magic)");
	b[0] = 0;
	b[2] = 0x0A;
	spit(p, b, len);
	rc = ll_idx_read(p, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, p, "unknown IDX data type 0x0A");
	b[2] = 0x08;
	b[3] = 9;
	spit(p, b, len);
	rc = ll_idx_read(p, &t, NULL, &e);
	CHECK_ERR(rc, LL_ENOTSUP, e, p, "9 dimensions; at most 8");
	b[3] = 0;
	spit(p, b, len);
	rc = ll_idx_read(p, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, p, "0 dimensions");
	b[3] = 3;

	/* truncated raw data: exact message */
	spit(p, b, len - 30);
	rc = ll_idx_read(p, &t, NULL, &e);
	LL_CHECK_INT(rc, LL_EFORMAT);
	snprintf(want, sizeof want, "%s: truncated: header says 60 bytes of data, file has 30", p);
	LL_CHECK_STR(e.msg, want);
	rc = ll_idx_read_u8(p, &u8, NULL, &e);
	LL_CHECK_STR(e.msg, want);
	spit(p, b, 10);
	rc = ll_idx_read(p, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, p, "truncated IDX header");

	/* a zero-size mode */
	{
		unsigned char z[16] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 5};
		ll_array_info info;
		spit(p, z, sizeof z);
		rc = ll_idx_read(p, &t, &info, &e);
		LL_CHECK_INT(rc, LL_ESHAPE);
		snprintf(want, sizeof want, "%s: mode 1 has size 0", p);
		LL_CHECK_STR(e.msg, want);
		LL_CHECK(info.ndim == 3 && info.shape[1] == 0);
		u8 = NULL;
		rc = ll_idx_read_u8(p, &u8, &info, &e);
		LL_CHECK_INT(rc, LL_OK); /* bytes can be empty */
		ll_free(u8);
	}

	/* gzip: damaged deflate data, damaged CRC, cut trailer, cut data */
	char pg[512];
	snprintf(pg, sizeof pg, "%s/bad.idx.gz", tmpdir);
	unsigned char *c = malloc(glen);
	memcpy(c, g, glen);
	for (size_t k = 12; k < 30; k++)
		c[k] ^= 0xa5;
	spit(pg, c, glen);
	rc = ll_idx_read(pg, &t, NULL, &e);
	LL_CHECK_INT(rc, LL_EFORMAT);
	LL_CHECK(strncmp(e.msg, pg, strlen(pg)) == 0);
	memcpy(c, g, glen);
	c[glen - 8] ^= 0x01; /* the CRC-32 in the trailer */
	spit(pg, c, glen);
	rc = ll_idx_read(pg, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, pg, "corrupt gzip data");
	rc = ll_idx_read_u8(pg, &u8, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, pg, "corrupt gzip data");
	spit(pg, g, glen - 4);
	rc = ll_idx_read(pg, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, pg, "truncated gzip stream");
	spit(pg, g, glen - 30);
	rc = ll_idx_read(pg, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, pg, "truncated");
	LL_CHECK(t.data == NULL);
	free(c);

	/* a gzip file whose header claims far more than it can hold */
	{
		unsigned char h[12] = {0, 0, 8, 2, 0xff, 0xff, 0xff, 0xff, 0x00, 0x10, 0, 0};
		uLongf cl = compressBound(sizeof h) + 32;
		unsigned char *out = malloc(cl);
		z_stream zs;
		memset(&zs, 0, sizeof zs);
		deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
		zs.next_in = h;
		zs.avail_in = sizeof h;
		zs.next_out = out;
		zs.avail_out = (uInt)cl;
		deflate(&zs, Z_FINISH);
		spit(pg, out, zs.total_out);
		deflateEnd(&zs);
		free(out);
		rc = ll_idx_read_u8(pg, &u8, NULL, &e);
		CHECK_ERR(rc, LL_EFORMAT, e, pg, "compressed bytes can hold");
	}

	rc = ll_idx_read(tmp("missing.idx"), &t, NULL, &e);
	LL_CHECK_INT(rc, LL_EIO);
	snprintf(want, sizeof want, "%s: cannot open: No such file or directory", tmp("missing.idx"));
	LL_CHECK_STR(e.msg, want);
	free(b);
	free(g);
}

/* gzip of n bytes into out (cap bytes); returns the length, 0 on failure */
static size_t gz_member(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
	z_stream zs;
	size_t len;
	memset(&zs, 0, sizeof zs);
	if (deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	zs.next_in = (unsigned char *)(uintptr_t)in;
	zs.avail_in = (uInt)n;
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	len = deflate(&zs, Z_FINISH) == Z_STREAM_END ? zs.total_out : 0;
	deflateEnd(&zs);
	return len;
}

/* As zlib's gzread: gzip members one after another read as one stream
 * (the header in one, the pixels in the next), and bytes after the last
 * member are ignored. */
static void test_idx_gz_members(void)
{
	size_t len;
	unsigned char *raw = slurp(fixture("images_u1.idx"), &len), out[4096];
	ll_tensor a, b;
	ll_err e = {0};
	LL_CHECK(raw && len > 20 && len < 1000);
	if (!raw)
		return;
	size_t n1 = gz_member(raw, 9, out, sizeof out);
	size_t n2 = n1 ? gz_member(raw + 9, len - 9, out + n1, sizeof out - n1) : 0;
	LL_CHECK(n1 && n2);
	memcpy(out + n1 + n2, "trailing junk", 13);
	spit(tmp("two.idx.gz"), out, n1 + n2 + 13);
	LL_CHECK_INT(ll_idx_read(fixture("images_u1.idx"), &a, NULL, &e), LL_OK);
	int rc = ll_idx_read(tmp("two.idx.gz"), &b, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK(rc == LL_OK && ll_tensor_same_shape(&a, &b) &&
		 memcmp(a.data, b.data, a.size * sizeof *a.data) == 0);
	ll_tensor_free(&a);
	ll_tensor_free(&b);
	/* the second member cut short */
	spit(tmp("two.idx.gz"), out, n1 + n2 - 6);
	rc = ll_idx_read(tmp("two.idx.gz"), &b, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, tmp("two.idx.gz"), "truncated gzip stream");
	free(raw);
}


/* ---------------- the input limit ---------------- */

/* An allocator (through the hook) that remembers the largest block asked
 * for and counts live blocks. */
static size_t rec_max, rec_live;

static void *rec_malloc(void *ud, size_t n)
{
	(void)ud;
	if (n > rec_max)
		rec_max = n;
	void *p = malloc(n);
	rec_live += p != NULL;
	return p;
}

static void *rec_realloc(void *ud, void *p, size_t n)
{
	(void)ud;
	if (n > rec_max)
		rec_max = n;
	return realloc(p, n);
}

static void rec_free(void *ud, void *p)
{
	(void)ud;
	rec_live--;
	free(p);
}

static void rec_start(void)
{
	static const ll_allocator a = {rec_malloc, rec_realloc, rec_free, NULL};
	rec_max = rec_live = 0;
	ll_alloc_set(&a);
}

#define TEST_LIMIT ((size_t)1 << 20)

/* After a read that should have been refused: LL_ELIMIT, a one-line
 * message naming the input and the limit, no block asked for above the
 * limit, none left live.  Puts libc's allocator back. */
#define CHECK_LIMITED(rc, e, name, sub) do { \
	ll_alloc_set(NULL); \
	CHECK_ERR(rc, LL_ELIMIT, e, name, sub); \
	LL_CHECK_CONTAINS((e).msg, "more than the input limit of 1.0 MiB (--max-input-bytes or LATENTLAB_MAX_INPUT_BYTES)"); \
	LL_CHECK_MSG(rec_max <= TEST_LIMIT, "a block of %zu bytes was asked for", rec_max); \
	LL_CHECK_INT(rec_live, 0); } while (0)

/* A .npy header for descr and shape (text), data to follow. */
static size_t npy_header(unsigned char *out, const char *descr, const char *shape)
{
	char h[256];
	int n = snprintf(h, sizeof h, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape);
	size_t hl = (size_t)n + 1, pad = (64 - (10 + hl) % 64) % 64;
	memcpy(out, "\x93NUMPY\x01\x00", 8);
	out[8] = (unsigned char)((hl + pad) & 0xff);
	out[9] = (unsigned char)((hl + pad) >> 8);
	memcpy(out + 10, h, (size_t)n);
	memset(out + 10 + n, ' ', pad);
	out[10 + hl + pad - 1] = '\n';
	return 10 + hl + pad;
}

/* A file of `head` then zeros up to `size` bytes, as a sparse file. */
static void sparse_file(const char *path, const void *head, size_t hlen, off_t size)
{
	spit(path, head, hlen);
	LL_CHECK(truncate(path, size) == 0);
}

/* A zip of one DEFLATED member (name) holding `head` then `zeros` zero
 * bytes, or of two members with the same content ("a.npy", "b.npy") when
 * two != 0; returns its length (out has cap bytes). */
static size_t deflated_zip(unsigned char *out, size_t cap, const unsigned char *head, size_t hlen,
			   size_t zeros, int two)
{
	size_t ulen = hlen + zeros, len = 0, offs[2], csizes[2];
	unsigned char *u = calloc(ulen, 1), *c = malloc(cap), *p = out;
	uint32_t crc;
	z_stream zs;

	memcpy(u, head, hlen);
	crc = (uint32_t)crc32(0L, u, (uInt)ulen);
	memset(&zs, 0, sizeof zs);
	deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
	zs.next_in = u;
	zs.avail_in = (uInt)ulen;
	zs.next_out = c;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	len = zs.total_out;
	deflateEnd(&zs);
	for (int m = 0; m <= two; m++) {
		offs[m] = (size_t)(p - out);
		put_le(&p, 0x04034b50, 4);
		put_le(&p, 20, 2);
		put_le(&p, 0, 2);
		put_le(&p, 8, 2);
		put_le(&p, 0, 4);
		put_le(&p, crc, 4);
		put_le(&p, len, 4);
		put_le(&p, ulen, 4);
		put_le(&p, 5, 2);
		put_le(&p, 0, 2);
		memcpy(p, m ? "b.npy" : "a.npy", 5);
		p += 5;
		memcpy(p, c, len);
		p += len;
		csizes[m] = len;
	}
	size_t cd = (size_t)(p - out);
	for (int m = 0; m <= two; m++) {
		put_le(&p, 0x02014b50, 4);
		put_le(&p, 20, 2);
		put_le(&p, 20, 2);
		put_le(&p, 0, 2);
		put_le(&p, 8, 2);
		put_le(&p, 0, 4);
		put_le(&p, crc, 4);
		put_le(&p, csizes[m], 4);
		put_le(&p, ulen, 4);
		put_le(&p, 5, 2);
		put_le(&p, 0, 2);
		put_le(&p, 0, 2);
		put_le(&p, 0, 2);
		put_le(&p, 0, 2);
		put_le(&p, 0, 4);
		put_le(&p, offs[m], 4);
		memcpy(p, m ? "b.npy" : "a.npy", 5);
		p += 5;
	}
	size_t cdlen = (size_t)(p - out) - cd;
	put_le(&p, 0x06054b50, 4);
	put_le(&p, 0, 4);
	put_le(&p, 1 + two, 2);
	put_le(&p, 1 + two, 2);
	put_le(&p, cdlen, 4);
	put_le(&p, cd, 4);
	put_le(&p, 0, 2);
	free(u);
	free(c);
	return (size_t)(p - out);
}

/* gzip of `head` then `zeros` zero bytes into a new buffer (*len). */
static unsigned char *gz_zeros(const unsigned char *head, size_t hlen, size_t zeros, size_t *len)
{
	size_t ulen = hlen + zeros, cap = ulen / 100 + 4096;
	unsigned char *u = calloc(ulen, 1), *c = malloc(cap);
	z_stream zs;
	memcpy(u, head, hlen);
	memset(&zs, 0, sizeof zs);
	deflateInit2(&zs, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY);
	zs.next_in = u;
	zs.avail_in = (uInt)ulen;
	zs.next_out = c;
	zs.avail_out = (uInt)cap;
	deflate(&zs, Z_FINISH);
	*len = zs.total_out;
	deflateEnd(&zs);
	free(u);
	return c;
}

/* A pipe holding len bytes of buf (written by a child, so any length
 * works), as a path the readers can open: "/dev/fd/N".  close_pipe
 * after the read. */
static int pipe_rd = -1;
static pid_t pipe_pid;

static const char *pipe_of(const void *buf, size_t len)
{
	static char path[64];
	int fd[2];
	if (pipe(fd) != 0)
		return "/nonexistent";
	pipe_pid = fork();
	if (pipe_pid == 0) {
		close(fd[0]);
		const char *p = buf;
		while (len) {
			ssize_t w = write(fd[1], p, len);
			if (w <= 0)
				_exit(0); /* the reader stopped early: fine */
			p += w;
			len -= (size_t)w;
		}
		_exit(0);
	}
	close(fd[1]);
	pipe_rd = fd[0];
	snprintf(path, sizeof path, "/dev/fd/%d", fd[0]);
	return path;
}

static void close_pipe(void)
{
	close(pipe_rd);
	waitpid(pipe_pid, NULL, 0);
}

/* .npy: a header claiming more than the limit is refused before the
 * tensor is allocated -- from a file that holds it all (sparse), from a
 * pipe whose length is unknown, and when small stored items (u1) decode
 * to 8 bytes each. */
static void test_limit_npy(void)
{
	unsigned char h[256];
	size_t hl;
	ll_tensor t;
	ll_array_info info;
	ll_err e;
	int rc;
	const char *p = tmp("big.npy");

	ll_input_limit_set(TEST_LIMIT);
	hl = npy_header(h, "<f8", "(1024, 1024)");
	sparse_file(p, h, hl, (off_t)hl + 8 * 1024 * 1024);
	rec_start();
	rc = ll_npy_read(p, &t, &info, &e);
	CHECK_LIMITED(rc, e, p, "the array is 1024 x 1024 float64 = 8.0 MiB decoded");
	LL_CHECK(t.data == NULL);
	LL_CHECK_INT(info.shape[1], 1024);
	rec_start();
	rc = ll_array_read(p, &t, NULL, &e);
	CHECK_LIMITED(rc, e, p, "8.0 MiB decoded");

	/* a pipe: 80 GB claimed, 64 bytes there */
	hl = npy_header(h, "<f8", "(100000, 100000)");
	const char *pp = pipe_of(h, hl);
	rec_start();
	rc = ll_npy_read(pp, &t, NULL, &e);
	CHECK_LIMITED(rc, e, pp, "the array is 100000 x 100000 float64 = 74.5 GiB decoded");
	close_pipe();

	/* 512 KiB of u1 is 4 MiB of doubles */
	hl = npy_header(h, "|u1", "(512, 1024)");
	sparse_file(p, h, hl, (off_t)hl + 512 * 1024);
	rec_start();
	rc = ll_npy_read(p, &t, NULL, &e);
	CHECK_LIMITED(rc, e, p, "512 x 1024 float64 = 4.0 MiB decoded");

	/* at the limit exactly: read */
	hl = npy_header(h, "<f8", "(128, 1024)");
	sparse_file(p, h, hl, (off_t)hl + 1024 * 1024);
	rc = ll_npy_read(p, &t, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK_INT(t.size, 128 * 1024);
	ll_tensor_free(&t);
	ll_input_limit_set(0);
}

/* .npz: a 8 KB member that inflates to 8 MiB is refused after its .npy
 * header, before it is inflated; and the members of one archive count
 * together in ll_array_read_all. */
static void test_limit_npz(void)
{
	unsigned char h[256], *zip = malloc(1 << 20);
	size_t hl, zl;
	ll_tensor t;
	ll_array_set set;
	ll_err e;
	int rc;
	const char *p = tmp("bomb.npz");

	ll_input_limit_set(TEST_LIMIT);
	hl = npy_header(h, "<f8", "(1024, 1024)");
	zl = deflated_zip(zip, 1 << 20, h, hl, 8 << 20, 0);
	LL_CHECK(zl < 16384);
	spit(p, zip, zl);
	rec_start();
	rc = ll_npz_read(p, NULL, &t, NULL, &e);
	CHECK_LIMITED(rc, e, p, ":a: the array is 1024 x 1024 float64 = 8.0 MiB decoded");
	rec_start();
	rc = ll_array_read(p, &t, NULL, &e);
	CHECK_LIMITED(rc, e, p, "8.0 MiB decoded");
	rec_start();
	rc = ll_npz_read_mem(zip, zl, "mem.npz", "a", &t, NULL, &e);
	CHECK_LIMITED(rc, e, "mem.npz", "8.0 MiB decoded");

	/* two members of 640 KiB each: one fits, both do not */
	hl = npy_header(h, "<f8", "(80, 1024)");
	zl = deflated_zip(zip, 1 << 20, h, hl, 640 << 10, 1);
	spit(p, zip, zl);
	rc = ll_npz_read(p, "b", &t, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	ll_tensor_free(&t);
	rec_start();
	rc = ll_array_read_all(p, &set, &e);
	CHECK_LIMITED(rc, e, p, ":b: the array is 80 x 1024 float64 = 640.0 KiB decoded "
				"(1.2 MiB with what was read before it)");
	LL_CHECK(set.n == 0 && set.t == NULL);
	ll_input_limit_set((size_t)2 << 20);
	rc = ll_array_read_all(p, &set, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK_INT(set.format, LL_ARRAY_NPZ);
	LL_CHECK_INT(set.n, 2);
	if (set.n == 2) {
		LL_CHECK_STR(set.names[1], "b");
		LL_CHECK_INT(set.t[1].size, 80 * 1024);
		LL_CHECK_INT(set.info[1].shape[0], 80);
	}
	ll_array_set_free(&set);
	ll_array_set_free(&set);
	ll_input_limit_set(0);
	free(zip);
}

/* IDX: raw and gzip, as doubles and as bytes; MNIST counts its float32
 * copy too. */
static void test_limit_idx(void)
{
	unsigned char h[12] = {0, 0, 8, 2, 0, 0, 4, 0, 0, 0, 4, 1}; /* 1024 x 1025 u1 */
	unsigned char *g, *u8;
	size_t gl;
	ll_tensor t;
	ll_array_info info;
	ll_err e;
	int rc;
	const char *p = tmp("big.idx"), *pg = tmp("big.idx.gz");

	ll_input_limit_set(TEST_LIMIT);
	sparse_file(p, h, 12, 12 + 1024 * 1025);
	rec_start();
	rc = ll_idx_read(p, &t, &info, &e);
	CHECK_LIMITED(rc, e, p, "the array is 1024 x 1025 float64 = 8.0 MiB decoded");
	LL_CHECK_INT(info.shape[1], 1025);
	rec_start();
	rc = ll_idx_read_u8(p, &u8, NULL, &e);
	CHECK_LIMITED(rc, e, p, "the array is 1024 x 1025 uint8 = 1.0 MiB decoded");
	LL_CHECK(u8 == NULL);

	g = gz_zeros(h, 12, 1024 * 1025, &gl);
	LL_CHECK(gl < 8192);
	spit(pg, g, gl);
	rec_start();
	rc = ll_idx_read(pg, &t, NULL, &e);
	CHECK_LIMITED(rc, e, pg, "8.0 MiB decoded");
	rec_start();
	rc = ll_array_read(pg, &t, NULL, &e);
	CHECK_LIMITED(rc, e, pg, "8.0 MiB decoded");
	rec_start();
	rc = ll_idx_read_mem(g, gl, "mem.idx.gz", &t, NULL, &e);
	CHECK_LIMITED(rc, e, "mem.idx.gz", "8.0 MiB decoded");
	free(g);

	/* MNIST: 400 images are 307 KiB as bytes, 1.5 MiB with the floats */
	unsigned char hi[16] = {0, 0, 8, 3, 0, 0, 400 >> 8, 400 & 255, 0, 0, 0, 28, 0, 0, 0, 28};
	unsigned char hlb[8] = {0, 0, 8, 1, 0, 0, 400 >> 8, 400 & 255};
	size_t il, ll;
	unsigned char *gi = gz_zeros(hi, 16, 400 * 784, &il), *glb = gz_zeros(hlb, 8, 400, &ll);
	spit(tmp("i.gz"), gi, il);
	spit(tmp("l.gz"), glb, ll);
	ll_mnist m;
	rec_start();
	rc = ll_mnist_load_files(&m, tmp("i.gz"), tmp("l.gz"), &e);
	CHECK_LIMITED(rc, e, tmp("i.gz"), "400 images of 28 x 28 as bytes and float32 = 1.5 MiB decoded");
	LL_CHECK(m.x == NULL);
	ll_input_limit_set((size_t)2 << 20);
	rc = ll_mnist_load_mem(&m, gi, il, "i", glb, ll, "l", &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK_INT(m.n, 400);
	ll_mnist_free(&m);
	free(gi);
	free(glb);
	ll_input_limit_set(0);
}

/* ---------------- one open: pipes and memory ---------------- */

/* Every reader reads a pipe: it opens its file once (the bytes that pick
 * the format are not read a second time from a fresh open, which on a
 * pipe or FIFO would be lost or wait forever).  An .npz is read into
 * memory first. */
static void test_read_pipe(void)
{
	static const char *files[] = {"f8_be.npy", "fortran_f8.npy", "stored.npz", "compressed.npz",
				      "idx_f8.idx", "images_u1.idx.gz"};
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		size_t len;
		unsigned char *b = slurp(fixture(files[f]), &len);
		ll_tensor want, got;
		ll_array_info info;
		ll_err e = {0};
		int rc;
		LL_CHECK(b != NULL);
		if (!b)
			continue;
		LL_CHECK_INT(ll_array_read(fixture(files[f]), &want, NULL, &e), LL_OK);
		rc = ll_array_read(pipe_of(b, len), &got, &info, &e);
		close_pipe();
		LL_CHECK_MSG(rc == LL_OK, "%s: %s", files[f], e.msg);
		LL_CHECK(rc != LL_OK || (ll_tensor_same_shape(&want, &got) &&
					 memcmp(want.data, got.data, want.size * sizeof(double)) == 0));
		ll_tensor_free(&got);
		/* ... and from memory, the same */
		rc = ll_array_read_mem(b, len, files[f], &got, NULL, &e);
		LL_CHECK_MSG(rc == LL_OK, "%s: %s", files[f], e.msg);
		LL_CHECK(rc != LL_OK || memcmp(want.data, got.data, want.size * sizeof(double)) == 0);
		ll_tensor_free(&got);
		ll_tensor_free(&want);

		ll_array_set set;
		rc = ll_array_read_all(pipe_of(b, len), &set, &e);
		close_pipe();
		LL_CHECK_MSG(rc == LL_OK, "%s: %s", files[f], e.msg);
		LL_CHECK_INT(set.n, strstr(files[f], ".npz") ? 2 : 1);
		LL_CHECK_INT(set.format, strstr(files[f], ".npz") ? LL_ARRAY_NPZ
					 : strstr(files[f], ".gz") ? LL_ARRAY_IDX_GZ
					 : strstr(files[f], ".idx") ? LL_ARRAY_IDX : LL_ARRAY_NPY);
		ll_array_set_free(&set);
		free(b);
	}
	/* the one-member name and the IDX and .npz readers from memory */
	ll_array_set set;
	ll_err e = {0};
	LL_CHECK_INT(ll_array_read_all(fixture("compressed.npz:b.npy"), &set, &e), LL_OK);
	LL_CHECK(set.n == 1 && set.member == 1 && set.names && !strcmp(set.names[0], "b") &&
		 set.t[0].size == 5);
	ll_array_set_free(&set);
	size_t len;
	unsigned char *b = slurp(fixture("labels_u1.idx.gz"), &len), *u8 = NULL;
	ll_array_info info;
	LL_CHECK_INT(ll_idx_read_u8_mem(b, len, "labels", &u8, &info, &e), LL_OK);
	LL_CHECK(u8 && info.ndim == 1 && info.shape[0] == 6);
	ll_free(u8);
	free(b);
	b = slurp(fixture("stored.npz"), &len);
	ll_tensor t;
	LL_CHECK_INT(ll_npz_read_mem(b, len, "s.npz", "b", &t, NULL, &e), LL_OK);
	LL_CHECK_INT(t.size, 5);
	ll_tensor_free(&t);
	LL_CHECK_INT(ll_npz_read_mem(b, len, "s.npz", "zz", &t, NULL, &e), LL_EINVAL);
	LL_CHECK_STR(e.msg, "s.npz: no member 'zz' (members: a, b)");
	free(b);

	/* no bytes at all, NULL or not */
	LL_CHECK_INT(ll_array_read_mem(NULL, 0, "m", &t, NULL, &e), LL_EFORMAT);
	LL_CHECK_STR(e.msg, "m: empty file");
	LL_CHECK_INT(ll_array_read_all_mem("", 0, "m", &set, &e), LL_EFORMAT);
	LL_CHECK_INT(ll_npy_read_mem(NULL, 0, "m", &t, NULL, &e), LL_EFORMAT);
	LL_CHECK_INT(ll_npz_read_mem(NULL, 0, "m", NULL, &t, NULL, &e), LL_EFORMAT);
	LL_CHECK_INT(ll_idx_read_mem(NULL, 0, "m", &t, NULL, &e), LL_EFORMAT);
	LL_CHECK_INT(ll_idx_read_u8_mem(NULL, 0, "m", &b, NULL, &e), LL_EFORMAT);
	LL_CHECK(t.data == NULL && b == NULL);
}

/* ---------------- dispatch ---------------- */

/* ll_array_read_table: .csv/.tsv/.txt (any case) as a numeric table,
 * anything else by content; a .csv that is not numbers names the file. */
static void test_array_read_table(void)
{
	ll_tensor t;
	ll_err e = {0};
	const char *p = tmp("table.CSV");
	spit(p, "1,2,3\n4,5,6\n", 12);
	LL_CHECK_INT(ll_array_read_table(p, &t, &e), LL_OK);
	LL_CHECK(t.nmodes == 2 && t.dim[0] == 2 && t.dim[1] == 3 && t.data[5] == 6.0);
	ll_tensor_free(&t);
	LL_CHECK_INT(ll_array_read_table(fixture("f8_be.npy"), &t, &e), LL_OK);
	LL_CHECK(t.nmodes == 2 && t.dim[0] == 3);
	ll_tensor_free(&t);
	p = tmp("words.tsv");
	spit(p, "a\tb\n", 4);
	LL_CHECK(ll_array_read_table(p, &t, &e) != LL_OK);
	LL_CHECK_CONTAINS(e.msg, "words.tsv");
	LL_CHECK(t.data == NULL);
}

static void test_array_read(void)
{
	static const struct { const char *file; const char *dtype; int nmodes; size_t d0; } ok[] = {
		{"f8_be.npy", ">f8", 2, 3}, {"stored.npz", "<f8", 2, 3}, {"compressed.npz", "<f8", 2, 3},
		{"stored.npz:b", "<i4", 1, 5}, {"compressed.npz:b.npy", "<i4", 1, 5},
		{"images_u1.idx", "u1", 3, 3}, {"images_u1.idx.gz", "u1", 3, 3}, {"labels_u1.idx.gz", "u1", 1, 6},
		{"idx_f8.idx", ">f8", 2, 3},
	};
	for (size_t c = 0; c < sizeof ok / sizeof ok[0]; c++) {
		ll_tensor t;
		ll_array_info info;
		ll_err e = {0};
		int rc = ll_array_read(fixture(ok[c].file), &t, &info, &e);
		LL_CHECK_MSG(rc == LL_OK, "%s: %s", ok[c].file, e.msg);
		LL_CHECK_STR(info.dtype, ok[c].dtype);
		LL_CHECK_INT(t.nmodes, ok[c].nmodes);
		LL_CHECK_INT(t.dim[0], ok[c].d0);
		ll_tensor_free(&t);
	}
	ll_tensor t;
	ll_err e = {0};
	char want[600];
	int rc;
	const char *p = tmp("text.csv");
	spit(p, "1,2,3\n", 6);
	rc = ll_array_read(p, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, p, "unrecognized format");
	p = tmp("empty.npy");
	spit(p, "", 0);
	rc = ll_array_read(p, &t, NULL, &e);
	CHECK_ERR(rc, LL_EFORMAT, e, p, "empty file");
	p = tmp("missing.npy");
	rc = ll_array_read(p, &t, NULL, &e);
	LL_CHECK_INT(rc, LL_EIO);
	snprintf(want, sizeof want, "%s: cannot open: No such file or directory", p);
	LL_CHECK_STR(e.msg, want);
	p = tmp("missing.npz:a");
	rc = ll_array_read(p, &t, NULL, &e);
	CHECK_ERR(rc, LL_EIO, e, p, "cannot open");
	p = fixture("stored.npz:zz");
	rc = ll_array_read(p, &t, NULL, &e);
	CHECK_ERR(rc, LL_EINVAL, e, fixture("stored.npz"), "no member 'zz'");
	/* a real file with ':' in its name wins over member syntax */
	size_t len;
	unsigned char *b = slurp(fixture("vec_i8.npy"), &len);
	spit(tmp("we:ird.npy"), b, len);
	free(b);
	rc = ll_array_read(tmp("we:ird.npy"), &t, NULL, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK_INT(t.dim[0], 5);
	ll_tensor_free(&t);
}

/* Every prefix of a valid file must fail cleanly; flipped bytes must not
 * crash (ASan/UBSan builds check for leaks and overruns). */
static void test_truncation_fuzz(void)
{
	static const char *files[] = {
		"f8_le.npy", "fortran_i2_be_3d.npy", "v3_f8.npy", "scalar_f8.npy", "stored.npz",
		"compressed.npz", "images_u1.idx", "images_u1.idx.gz", "labels_u1.idx.gz", "idx_f4.idx",
	};
	size_t fails = 0, runs = 0;
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		size_t len;
		unsigned char *b = slurp(fixture(files[f]), &len);
		char p[512];
	snprintf(p, sizeof p, "%s/cut", tmpdir);
		int is_idx = strstr(files[f], ".idx") != NULL;
		LL_CHECK(b != NULL);
		if (!b)
			continue;
		for (size_t cut = 0; cut < len; cut++) {
			ll_tensor t;
			ll_err e = {0};
			int rc;
			spit(p, b, cut);
			rc = ll_array_read(p, &t, NULL, &e);
			runs++;
			if (rc == LL_OK || t.data != NULL || strncmp(e.msg, p, strlen(p)) != 0) {
				fails++;
				printf("# %s cut at %zu: rc %d, %s\n", files[f], cut, rc, e.msg);
				ll_tensor_free(&t);
			}
			if (is_idx) {
				unsigned char *u8 = NULL;
				rc = ll_idx_read(p, &t, NULL, &e);
				if (rc == LL_OK)
					fails++, ll_tensor_free(&t);
				rc = ll_idx_read_u8(p, &u8, NULL, &e);
				if (rc == LL_OK || u8)
					fails++, ll_free(u8);
			}
			if (strstr(files[f], ".npy")) {
				rc = ll_npy_read_mem(b, cut, "mem", &t, NULL, &e);
				if (rc == LL_OK || t.data)
					fails++, ll_tensor_free(&t);
			}
		}
		/* flips: any outcome but a crash or a leak */
		for (size_t k = 0; k < len; k++) {
			ll_tensor t;
			ll_err e = {0};
			b[k] ^= 0xff;
			spit(p, b, len);
			b[k] ^= 0xff;
			if (ll_array_read(p, &t, NULL, &e) == LL_OK)
				ll_tensor_free(&t);
			else if (strncmp(e.msg, p, strlen(p)) != 0 || strchr(e.msg, '\n'))
				fails++, printf("# %s flip at %zu: %s\n", files[f], k, e.msg);
		}
		free(b);
	}
	LL_CHECK_INT(fails, 0);
	LL_CHECK(runs > 2000);
}

/* ---------------- .npz writing ---------------- */

static const char npz_check_py[] =
	"import sys, zipfile, numpy as np\n"
	"p = sys.argv[1]\n"
	"z = zipfile.ZipFile(p)\n"
	"assert z.testzip() is None, 'bad CRC'\n"
	"assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())\n"
	"d = np.load(p)\n"
	"assert list(d.keys()) == ['a', 'b', 's', 'rnn.weight_ih_l0', 'e'], list(d.keys())\n"
	"a, b, s, w, e = (d[k] for k in d.keys())\n"
	"assert a.dtype == np.float64 and a.shape == (3, 4)\n"
	"assert (a == np.arange(12).reshape(3, 4) * 0.25 - 1).all()\n"
	"assert b.dtype == np.float32 and b.shape == (5,)\n"
	"assert (b == np.arange(5, dtype=np.float32) * 0.5 + 0.125).all()\n"
	"assert s.shape == () and s == 7.25\n"
	"assert w.dtype == np.float32 and w.shape == (2, 1, 3)\n"
	"assert (w.ravel() == np.arange(6, dtype=np.float32) * 0.5 + 0.125).all()\n"
	"assert e.shape == (0, 4)\n";

static void npz_members(ll_npz_member *m, const double *v, const float *f, const double *one)
{
	memset(m, 0, 5 * sizeof *m);
	m[0] = (ll_npz_member){.name = "a", .f64 = v, .ndim = 2, .shape = {3, 4}};
	m[1] = (ll_npz_member){.name = "b", .f32 = f, .ndim = 1, .shape = {5}};
	m[2] = (ll_npz_member){.name = "s", .f64 = one, .ndim = 0};
	m[3] = (ll_npz_member){.name = "rnn.weight_ih_l0", .f32 = f, .ndim = 3, .shape = {2, 1, 3}};
	m[4] = (ll_npz_member){.name = "e", .ndim = 2, .shape = {0, 4}};
}

/* ll_npz_write: what our reader and numpy.load (when python3-numpy is
 * installed) read back, member bytes equal to ll_npy_write's, the same
 * bytes twice. */
static void test_npz_write(void)
{
	double v[12], one = 7.25;
	float f[6];
	ll_npz_member m[5];
	ll_err e = {0};
	for (int k = 0; k < 12; k++)
		v[k] = k * 0.25 - 1;
	for (int k = 0; k < 6; k++)
		f[k] = (float)k * 0.5f + 0.125f;
	npz_members(m, v, f, &one);
	const char *p = tmp("w.npz");
	int rc = ll_npz_write(p, m, 5, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);

	/* names in order; values and dtypes back (our reader refuses the
	 * empty array, numpy reads it below) */
	char **names = NULL;
	size_t nn = 0;
	rc = ll_npz_list(p, &names, &nn, &e);
	LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
	LL_CHECK_INT(nn, 5);
	for (size_t k = 0; k < nn && k < 5; k++)
		LL_CHECK_STR(names[k], m[k].name);
	for (size_t k = 0; k < nn; k++)
		ll_free(names[k]);
	ll_free(names);
	for (size_t k = 0; k < 4; k++) {
		ll_tensor t;
		ll_array_info info;
		rc = ll_npz_read(p, m[k].name, &t, &info, &e);
		LL_CHECK_MSG(rc == LL_OK, "%s", e.msg);
		if (rc != LL_OK)
			continue;
		LL_CHECK_STR(info.dtype, m[k].f32 ? "<f4" : "<f8");
		LL_CHECK_INT(info.ndim, m[k].ndim);
		for (int d = 0; d < m[k].ndim; d++)
			LL_CHECK_INT(info.shape[d], m[k].shape[d]);
		for (size_t j = 0; j < t.size; j++) {
			double want = m[k].f32 ? (double)m[k].f32[j] : m[k].f64[j];
			LL_CHECK_MSG(t.data[j] == want, "%s[%zu]: %g vs %g", m[k].name, j, t.data[j], want);
		}
		ll_tensor_free(&t);
	}
	/* the same bytes again; a lone member's data is ll_npy_write's file */
	size_t la, lb;
	LL_CHECK_INT(ll_npz_write(tmp("w2.npz"), m, 5, &e), LL_OK);
	unsigned char *a = slurp(p, &la), *b = slurp(tmp("w2.npz"), &lb);
	LL_CHECK(a && b && la == lb && memcmp(a, b, la) == 0);
	free(a);
	free(b);
	LL_CHECK_INT(ll_npz_write(tmp("one.npz"), m, 1, &e), LL_OK);
	LL_CHECK_INT(ll_npy_write_array(tmp("one.npy"), v, 2, m[0].shape, 0, &e), LL_OK);
	a = slurp(tmp("one.npz"), &la);
	b = slurp(tmp("one.npy"), &lb);
	LL_CHECK(a && b && la == 30 + 5 + lb + 46 + 5 + 22);
	LL_CHECK(a && b && la > 35 + lb && memcmp(a + 35, b, lb) == 0);
	if (a && la >= 22) /* end record: one member, the directory after the data */
		LL_CHECK(memcmp(a + la - 22, "PK\x05\x06", 4) == 0 && a[la - 22 + 10] == 1 &&
			 a[la - 22 + 16] == (unsigned char)(35 + lb));
	free(a);
	free(b);

	if (system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
		printf("# skip numpy.load check: no /usr/bin/python3 with numpy\n");
		return;
	}
	spit(tmp("check.py"), npz_check_py, strlen(npz_check_py));
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s", tmp("check.py"), p);
	rc = system(cmd);
	LL_CHECK_MSG(rc == 0, "numpy.load check failed on %s (status %d)", p, rc);
}

static void test_npz_write_errors(void)
{
	double v[12] = {0}, one = 1;
	float f[6] = {0};
	ll_npz_member m[5];
	ll_err e = {0};
	const char *p = tmp("bad_w.npz");
	npz_members(m, v, f, &one);
	int rc = ll_npz_write(p, m, 0, &e);
	CHECK_ERR(rc, LL_EINVAL, e, p, "no arrays to write");
	m[1].name = "a";
	rc = ll_npz_write(p, m, 5, &e);
	CHECK_ERR(rc, LL_EINVAL, e, p, "two arrays are named 'a'");
	m[1].name = "x/y";
	rc = ll_npz_write(p, m, 5, &e);
	CHECK_ERR(rc, LL_EINVAL, e, p, "array 1 has a bad name");
	m[1].name = "";
	rc = ll_npz_write(p, m, 5, &e);
	CHECK_ERR(rc, LL_EINVAL, e, p, "array 1 has a bad name");
	npz_members(m, v, f, &one);
	m[2].ndim = 9;
	rc = ll_npz_write(p, m, 5, &e);
	CHECK_ERR(rc, LL_EINVAL, e, p, "array 's' has 9 dimensions");
	npz_members(m, v, f, &one);
	m[0].f64 = NULL;
	rc = ll_npz_write(p, m, 5, &e);
	CHECK_ERR(rc, LL_EINVAL, e, p, "array 'a' has no data");
	npz_members(m, v, f, &one);
	m[0].f32 = f;
	rc = ll_npz_write(p, m, 5, &e);
	CHECK_ERR(rc, LL_EINVAL, e, p, "both float and double");
	/* 4 GiB and more need zip64: refused before anything is written */
	npz_members(m, v, f, &one);
	m[1].shape[0] = (size_t)1 << 30;
	rc = ll_npz_write(p, m, 5, &e);
	CHECK_ERR(rc, LL_ENOTSUP, e, p, "4 GiB (zip64 is not supported)");
	LL_CHECK(access(p, F_OK) != 0);
}

static void rm_tmpdir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[600];
	while (d && (de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ll_test_io.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	LL_RUN(test_npy_dtypes);
	LL_RUN(test_npy_fortran);
	LL_RUN(test_npy_versions);
	LL_RUN(test_npy_shapes);
	LL_RUN(test_npy_read_mem);
	LL_RUN(test_npy_write_roundtrip);
	LL_RUN(test_npy_write_matches_numpy);
	LL_RUN(test_npy_write_errors);
	LL_RUN(test_npy_bad);
	LL_RUN(test_npy_lenient_headers);
	LL_RUN(test_npz);
	LL_RUN(test_npz_bad);
	LL_RUN(test_npz_zip64);
	LL_RUN(test_npz_write);
	LL_RUN(test_npz_write_errors);
	LL_RUN(test_npz_member_name);
	LL_RUN(test_idx);
	LL_RUN(test_idx_write);
	LL_RUN(test_idx_bad);
	LL_RUN(test_idx_gz_members);
	LL_RUN(test_array_read);
	LL_RUN(test_array_read_table);
	LL_RUN(test_truncation_fuzz);
	LL_RUN(test_limit_npy);
	LL_RUN(test_limit_npz);
	LL_RUN(test_limit_idx);
	LL_RUN(test_read_pipe);
	rm_tmpdir(tmpdir);
	return ll_test_done();
}
