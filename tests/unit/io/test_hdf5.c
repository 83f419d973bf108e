/* HDF5 datasets and NWB spike binning: files written here with the HDF5 C
 * API (every numeric dtype, big-endian, chunked + gzip, scalars, groups)
 * read back to the values written; a hyperslab equals the slice of the
 * full read; NWB-shaped files binned to hand-counted spikes; bad files
 * give one-line errors naming the file.  The binning of arrays and the
 * checks of the ragged index run without HDF5 too. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ll_limits.h"
#include "io/ll_array.h"
#include "io/ll_hdf5.h"
#include "io/ll_nwb.h"
#include "ll_test.h"

#ifdef HAVE_HDF5
#include <hdf5.h>
#endif

static char dir[64];

static const char *tmp(const char *name)
{
	static char buf[8][256];
	static int k;
	k = (k + 1) % 8;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static int one_line(const char *msg)
{
	return msg[0] && !strchr(msg, '\n');
}

/* --- binning arrays: no HDF5 needed --- */

/* 2 units, 3 trials of 1.0, 1.0 and 0.5 s; bins of 0.1 s.  Counts by hand. */
static void test_nwb_bin_arrays(void)
{
	/* unit 0: 0.05 (trial 0 bin 0), 0.15 (t0 b1), 0.95 (t0 b9), 2.01 (t1 b0),
	 * 1.5 (between trials), 4.45 (t2 bin 4 with auto window 0.5); unit 1:
	 * 2.55 (t1 b5), 4.0 (t2 b0), NaN */
	const double st[] = {0.05, 0.15, 0.95, 2.01, 1.5, 4.45, 2.55, 4.0, NAN};
	const double ix[] = {6, 9};
	const double t0[] = {0.0, 2.0, 4.0}, t1[] = {1.0, 3.0, 4.5};
	ll_nwb_opts o = {.bin = 0.1, .align_stop = 0, .window = 0};
	ll_nwb_info in;
	ll_tensor X;
	ll_err e;

	LL_REQUIRE_OK(ll_nwb_bin_arrays("x.nwb", st, 9, ix, 2, t0, t1, 3, &o, &X, &in, &e), e);
	LL_CHECK_INT(X.nmodes, 3);
	LL_CHECK_INT(X.dim[0], 2);
	LL_CHECK_INT(X.dim[1], 5); /* the shortest trial, 0.5 s */
	LL_CHECK_INT(X.dim[2], 3);
	double want[2][5][3] = {{{0}}};
	want[0][0][0] = 1;
	want[0][1][0] = 1;
	want[0][0][1] = 1;
	want[0][4][2] = 1;
	want[1][0][2] = 1;
	for (size_t n = 0; n < 2; n++)
		for (size_t b = 0; b < 5; b++)
			for (size_t k = 0; k < 3; k++)
				LL_CHECK_MSG(X.data[(n * 5 + b) * 3 + k] == want[n][b][k], "n %zu b %zu k %zu: %g", n, b, k,
					     X.data[(n * 5 + b) * 3 + k]);
	LL_CHECK_INT(in.counted, 5);
	LL_CHECK_INT(in.spikes, 9);
	ll_tensor_free(&X);

	/* a 1 s window: 0.95 now counts (bin 9), 2.55 (t1 b5) too, and 4.45 */
	o.window = 1.0;
	LL_REQUIRE_OK(ll_nwb_bin_arrays("x.nwb", st, 9, ix, 2, t0, t1, 3, &o, &X, &in, &e), e);
	LL_CHECK_INT(X.dim[1], 10);
	LL_CHECK(X.data[(0 * 10 + 9) * 3 + 0] == 1);
	LL_CHECK(X.data[(1 * 10 + 5) * 3 + 1] == 1);
	LL_CHECK_INT(in.counted, 7);
	ll_tensor_free(&X);

	/* aligned to stop_time, 0.5 s: trial 0 is [0.5, 1.0): 0.95 in bin 4;
	 * trial 1 [2.5, 3.0): 2.55 in bin 0; trial 2 [4.0, 4.5): 4.0 b0, 4.45 b4 */
	o.window = 0;
	o.align_stop = 1;
	LL_REQUIRE_OK(ll_nwb_bin_arrays("x.nwb", st, 9, ix, 2, t0, t1, 3, &o, &X, &in, &e), e);
	LL_CHECK(X.data[(0 * 5 + 4) * 3 + 0] == 1);
	LL_CHECK(X.data[(1 * 5 + 0) * 3 + 1] == 1);
	LL_CHECK(X.data[(1 * 5 + 0) * 3 + 2] == 1);
	LL_CHECK(X.data[(0 * 5 + 4) * 3 + 2] == 1);
	LL_CHECK_INT(in.counted, 4);
	ll_tensor_free(&X);
}

/* Against a naive count: every spike, every trial, every bin. */
static void test_nwb_bin_naive(void)
{
	enum { U = 7, T = 9, S = 700 };
	double st[S], ix[U], t0[T], t1[T];
	uint64_t z = 12345;
	for (int i = 0; i < S; i++) {
		z = z * 6364136223846793005ULL + 1442695040888963407ULL;
		st[i] = (double)(z >> 11) / 9007199254740992.0 * 20.0; /* unsorted, 0..20 s */
	}
	for (int n = 0; n < U; n++)
		ix[n] = (n + 1) * 100;
	for (int k = 0; k < T; k++) {
		t0[k] = 1.7 * k + 0.3 * (k % 3); /* overlapping windows */
		t1[k] = t0[k] + 1.1 + 0.2 * (k % 2);
	}
	ll_nwb_opts o = {.bin = 0.05, .align_stop = 0, .window = 2.5};
	ll_tensor X;
	ll_err e;
	for (int al = 0; al < 2; al++) {
		o.align_stop = al;
		LL_REQUIRE_OK(ll_nwb_bin_arrays("x.nwb", st, S, ix, U, t0, t1, T, &o, &X, NULL, &e), e);
		size_t nb = X.dim[1], bad = 0;
		LL_CHECK_INT(nb, 50);
		for (int n = 0; n < U; n++)
			for (size_t b = 0; b < nb; b++)
				for (int k = 0; k < T; k++) {
					double lo = (al ? t1[k] - 2.5 : t0[k]) + (double)b * 0.05, c = 0;
					for (int i = n * 100; i < (n + 1) * 100; i++)
						c += st[i] >= lo && st[i] < lo + 0.05;
					bad += X.data[((size_t)n * nb + b) * T + (size_t)k] != c;
				}
		/* a spike within 1e-12 of a bin edge could fall either way; none here */
		LL_CHECK_INT(bad, 0);
		ll_tensor_free(&X);
	}
}

static void test_nwb_bad_index(void)
{
	const double st[] = {0.1, 0.2, 0.3, 0.4};
	const double t0[] = {0.0}, t1[] = {1.0};
	ll_nwb_opts o = {.bin = 0.1, .align_stop = 0, .window = 0};
	ll_tensor X;
	ll_err e;

	const double dec[] = {3, 2, 4};
	LL_CHECK_INT(ll_nwb_bin_arrays("x.nwb", st, 4, dec, 3, t0, t1, 1, &o, &X, NULL, &e), LL_EFORMAT);
	LL_CHECK_CONTAINS(e.msg, "x.nwb: /units/spike_times_index is not non-decreasing (entry 1: 2 after 3)");
	LL_CHECK(X.data == NULL);
	const double past[] = {2, 5};
	LL_CHECK_INT(ll_nwb_bin_arrays("x.nwb", st, 4, past, 2, t0, t1, 1, &o, &X, NULL, &e), LL_EFORMAT);
	LL_CHECK_CONTAINS(e.msg, "entry 1 is 5, past the end of /units/spike_times (4 spikes)");
	const double shortend[] = {1, 3};
	LL_CHECK_INT(ll_nwb_bin_arrays("x.nwb", st, 4, shortend, 2, t0, t1, 1, &o, &X, NULL, &e), LL_EFORMAT);
	LL_CHECK_CONTAINS(e.msg, "ends at 3 but /units/spike_times holds 4 spikes");
	const double frac[] = {1.5, 4};
	LL_CHECK_INT(ll_nwb_bin_arrays("x.nwb", st, 4, frac, 2, t0, t1, 1, &o, &X, NULL, &e), LL_EFORMAT);
	LL_CHECK_CONTAINS(e.msg, "entry 0 is 1.5, not a spike count");
	const double ok[] = {4};
	const double back0[] = {1.0}, back1[] = {0.5};
	LL_CHECK_INT(ll_nwb_bin_arrays("x.nwb", st, 4, ok, 1, back0, back1, 1, &o, &X, NULL, &e), LL_EFORMAT);
	LL_CHECK_CONTAINS(e.msg, "trial 0 runs from 1 to 0.5 s");
	o.bin = 2.0;
	LL_CHECK_INT(ll_nwb_bin_arrays("x.nwb", st, 4, ok, 1, t0, t1, 1, &o, &X, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "shorter than one bin");
	/* the input limit, before allocating */
	o.bin = 1e-6;
	ll_input_limit_set(1 << 20);
	LL_CHECK_INT(ll_nwb_bin_arrays("x.nwb", st, 4, ok, 1, t0, t1, 1, &o, &X, NULL, &e), LL_ELIMIT);
	LL_CHECK_CONTAINS(e.msg, "x.nwb: the binned spikes are 1 x 1000000 x 1 float64");
	ll_input_limit_set(0);
	LL_CHECK(one_line(e.msg));
}

static void test_not_hdf5(void)
{
	const char *p = tmp("plain.h5");
	FILE *fp = fopen(p, "w");
	ll_tensor t;
	ll_err e;
	fputs("not an hdf5 file at all\n", fp);
	fclose(fp);
	LL_CHECK(!ll_hdf5_is(p));
	LL_CHECK_INT(ll_hdf5_read(p, "/data", NULL, &t, NULL, &e), LL_EFORMAT);
	LL_CHECK_CONTAINS(e.msg, "plain.h5: not an HDF5 file");
	LL_CHECK(one_line(e.msg));
	LL_CHECK_INT(ll_hdf5_read(tmp("nope.h5"), "/data", NULL, &t, NULL, &e), LL_EIO);
	LL_CHECK_CONTAINS(e.msg, "nope.h5: cannot open");
	ll_nwb_opts o = {.bin = 0.02, .align_stop = 0, .window = 0};
	LL_CHECK_INT(ll_nwb_bin(p, &o, &t, NULL, &e), LL_EFORMAT);
	LL_CHECK_CONTAINS(e.msg, "not an HDF5 file");
	unlink(p);
}

#ifdef HAVE_HDF5

/* Write a dataset of shape dims (rank nd) and file type ft from doubles
 * (HDF5 converts), chunked with gzip when chunk is set. */
static void put(hid_t f, const char *name, hid_t ft, int nd, const hsize_t *dims, const hsize_t *chunk,
		const double *v)
{
	hid_t sp = nd ? H5Screate_simple(nd, dims, NULL) : H5Screate(H5S_SCALAR);
	hid_t pl = H5Pcreate(H5P_DATASET_CREATE);
	hid_t lc = H5Pcreate(H5P_LINK_CREATE);
	H5Pset_create_intermediate_group(lc, 1);
	if (chunk) {
		H5Pset_chunk(pl, nd, chunk);
		H5Pset_shuffle(pl);
		H5Pset_deflate(pl, 6);
	}
	hid_t d = H5Dcreate2(f, name, ft, sp, lc, pl, H5P_DEFAULT);
	LL_CHECK(d >= 0);
	LL_CHECK(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
	H5Dclose(d);
	H5Pclose(lc);
	H5Pclose(pl);
	H5Sclose(sp);
}

static void test_dtypes(void)
{
	const char *p = tmp("types.h5");
	hid_t f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	const hsize_t dims[3] = {3, 4, 5};
	double v[60], u[60];
	struct {
		const char *name, *dtype;
		hid_t ty;
		int sign;
	} ty[] = {
		{"/f4", "<f4", H5T_IEEE_F32LE, 1}, {"/f8", "<f8", H5T_IEEE_F64LE, 1},
		{"/f8be", ">f8", H5T_IEEE_F64BE, 1}, {"/i1", "|i1", H5T_STD_I8LE, 1},
		{"/i2", "<i2", H5T_STD_I16LE, 1}, {"/i4", "<i4", H5T_STD_I32LE, 1},
		{"/i8", "<i8", H5T_STD_I64LE, 1}, {"/i4be", ">i4", H5T_STD_I32BE, 1},
		{"/u1", "|u1", H5T_STD_U8LE, 0}, {"/u2", "<u2", H5T_STD_U16LE, 0},
		{"/u4", "<u4", H5T_STD_U32LE, 0}, {"/u8", "<u8", H5T_STD_U64LE, 0},
	};
	for (int i = 0; i < 60; i++) {
		v[i] = i - 30.0;
		u[i] = i * 4.0;
	}
	v[7] = 0.25; /* exact in float32 too; integers get it only in floats */
	LL_CHECK(f >= 0);
	for (size_t k = 0; k < sizeof ty / sizeof ty[0]; k++) {
		const double *src = ty[k].sign ? v : u;
		double w[60];
		memcpy(w, src, sizeof w);
		if (ty[k].name[1] != 'f')
			w[7] = 7 - 30.0 * ty[k].sign;
		put(f, ty[k].name, ty[k].ty, 3, dims, NULL, w);
	}
	double one = 42.5;
	put(f, "/scalar", H5T_IEEE_F64LE, 0, NULL, NULL, &one);
	H5Fclose(f);

	for (size_t k = 0; k < sizeof ty / sizeof ty[0]; k++) {
		ll_tensor t;
		ll_array_info in;
		ll_err e;
		LL_REQUIRE_OK(ll_hdf5_read(p, ty[k].name, NULL, &t, &in, &e), e);
		LL_CHECK_STR(in.dtype, ty[k].dtype);
		LL_CHECK_INT(in.ndim, 3);
		LL_CHECK_INT(t.nmodes, 3);
		LL_CHECK(t.dim[0] == 3 && t.dim[1] == 4 && t.dim[2] == 5);
		size_t bad = 0;
		for (int i = 0; i < 60; i++) {
			double w = ty[k].sign ? v[i] : u[i];
			if (i == 7 && ty[k].name[1] != 'f')
				w = 7 - 30.0 * ty[k].sign;
			bad += t.data[i] != w;
		}
		LL_CHECK_MSG(bad == 0, "%s: %zu values differ", ty[k].name, bad);
		ll_tensor_free(&t);
	}
	/* also through ll_array_read's "file:/dataset" */
	{
		char full[300];
		ll_tensor t;
		ll_err e;
		snprintf(full, sizeof full, "%s:/i2", p);
		LL_REQUIRE_OK(ll_array_read(full, &t, NULL, &e), e);
		LL_CHECK(t.size == 60 && t.data[59] == 29.0);
		ll_tensor_free(&t);
		LL_CHECK_INT(ll_array_read(p, &t, NULL, &e), LL_EFORMAT);
		LL_CHECK_CONTAINS(e.msg, "an HDF5 file: name one of its datasets");
		LL_REQUIRE_OK(ll_hdf5_read(p, "/scalar", NULL, &t, NULL, &e), e);
		LL_CHECK(t.nmodes == 1 && t.size == 1 && t.data[0] == 42.5);
		ll_tensor_free(&t);
	}
	/* the list: every dataset, with dtype and shape */
	{
		ll_hdf5_list l;
		ll_err e;
		LL_REQUIRE_OK(ll_hdf5_list_read(p, &l, &e), e);
		LL_CHECK_INT(l.n, 13);
		int seen = 0;
		for (size_t k = 0; k < l.n; k++)
			if (!strcmp(l.e[k].name, "/u2")) {
				seen = 1;
				LL_CHECK_STR(l.e[k].dtype, "<u2");
				LL_CHECK(l.e[k].ndim == 3 && l.e[k].shape[2] == 5 && l.e[k].numeric && !l.e[k].chunked);
			}
		LL_CHECK(seen);
		ll_hdf5_list_free(&l);
	}
	unlink(p);
}

/* chunked + gzip, a hyperslab against the slice of the full read */
static void test_chunked_hyperslab(void)
{
	const char *p = tmp("chunked.h5");
	hid_t f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	const hsize_t dims[3] = {20, 30, 10}, chunk[3] = {5, 7, 3};
	static double v[6000];
	ll_tensor full, part;
	ll_hdf5_sel sel = {.n = 3, .start = {2, 5, 1}, .count = {4, 10, 0}};
	ll_err e;

	for (int i = 0; i < 6000; i++)
		v[i] = sin(0.01 * i) * 100.0;
	put(f, "/g/data", H5T_IEEE_F32LE, 3, dims, chunk, v);
	H5Fclose(f);

	LL_REQUIRE_OK(ll_hdf5_read(p, "/g/data", NULL, &full, NULL, &e), e);
	size_t bad = 0;
	for (int i = 0; i < 6000; i++)
		bad += full.data[i] != (double)(float)v[i];
	LL_CHECK_INT(bad, 0);
	LL_REQUIRE_OK(ll_hdf5_read(p, "/g/data", &sel, &part, NULL, &e), e);
	LL_CHECK(part.dim[0] == 4 && part.dim[1] == 10 && part.dim[2] == 9);
	bad = 0;
	for (size_t a = 0; a < 4; a++)
		for (size_t b = 0; b < 10; b++)
			for (size_t c = 0; c < 9; c++)
				bad += part.data[(a * 10 + b) * 9 + c] != full.data[((a + 2) * 30 + (b + 5)) * 10 + (c + 1)];
	LL_CHECK_INT(bad, 0);
	ll_tensor_free(&part);
	ll_tensor_free(&full);

	ll_hdf5_list l;
	LL_REQUIRE_OK(ll_hdf5_list_read(p, &l, &e), e);
	LL_CHECK(l.n == 1 && !strcmp(l.e[0].name, "/g/data") && l.e[0].chunked && l.e[0].compressed);
	ll_hdf5_list_free(&l);

	/* errors: one line, naming the file and the problem */
	LL_CHECK_INT(ll_hdf5_read(p, "/g/nope", NULL, &full, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "chunked.h5: no dataset /g/nope in the file");
	LL_CHECK_INT(ll_hdf5_read(p, "/x/y/z", NULL, &full, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "no dataset /x/y/z");
	LL_CHECK_INT(ll_hdf5_read(p, "/g", NULL, &full, NULL, &e), LL_EINVAL);
	LL_CHECK_CONTAINS(e.msg, "chunked.h5: /g is a group, not a dataset");
	ll_hdf5_sel two = {.n = 2, .start = {0, 0}, .count = {0, 0}};
	LL_CHECK_INT(ll_hdf5_read(p, "/g/data", &two, &full, NULL, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "/g/data has 3 dimensions but the hyperslab gives 2");
	ll_hdf5_sel past = {.n = 3, .start = {18, 0, 0}, .count = {3, 0, 0}};
	LL_CHECK_INT(ll_hdf5_read(p, "/g/data", &past, &full, NULL, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "start 18 + count 3 of dimension 1 is past its size 20");
	LL_CHECK(one_line(e.msg));
	/* the input limit: the whole dataset is 48000 B, the hyperslab less */
	ll_input_limit_set(40000);
	LL_CHECK_INT(ll_hdf5_read(p, "/g/data", NULL, &full, NULL, &e), LL_ELIMIT);
	LL_CHECK_CONTAINS(e.msg, "chunked.h5: /g/data is 20 x 30 x 10 float64");
	LL_CHECK(full.data == NULL);
	LL_REQUIRE_OK(ll_hdf5_read(p, "/g/data", &sel, &part, NULL, &e), e);
	ll_tensor_free(&part);
	ll_input_limit_set(0);
	unlink(p);
}

/* An NWB-shaped file: spikes with ragged index, a trials table. */
static void test_nwb_file(void)
{
	const char *p = tmp("s.nwb");
	hid_t f = H5Fcreate(p, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	const double st[] = {0.05, 0.15, 0.95, 2.01, 1.5, 4.45, 2.55, 4.0};
	const double ix[] = {6, 8};
	const double t0[] = {0.0, 2.0, 4.0}, t1[] = {1.0, 3.0, 4.5};
	hsize_t ns = 8, nu = 2, nt = 3, two[2] = {2, 4};
	ll_nwb_opts o = {.bin = 0.1, .align_stop = 0, .window = 0};
	ll_tensor X;
	ll_err e;

	put(f, "/units/spike_times", H5T_IEEE_F64LE, 1, &ns, NULL, st);
	put(f, "/units/spike_times_index", H5T_STD_U32LE, 1, &nu, NULL, ix);
	put(f, "/intervals/trials/start_time", H5T_IEEE_F64LE, 1, &nt, NULL, t0);
	put(f, "/intervals/trials/stop_time", H5T_IEEE_F64LE, 1, &nt, NULL, t1);
	H5Fclose(f);
	LL_REQUIRE_OK(ll_nwb_bin(p, &o, &X, NULL, &e), e);
	LL_CHECK(X.dim[0] == 2 && X.dim[1] == 5 && X.dim[2] == 3);
	double sum = 0;
	for (size_t i = 0; i < X.size; i++)
		sum += X.data[i];
	LL_CHECK(sum == 5);
	LL_CHECK(X.data[(0 * 5 + 4) * 3 + 2] == 1 && X.data[(1 * 5 + 0) * 3 + 2] == 1);
	ll_tensor_free(&X);

	/* inconsistent index, no trials table, a 2-D spike_times */
	const char *q = tmp("bad.nwb");
	const double badix[] = {6, 3};
	f = H5Fcreate(q, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	put(f, "/units/spike_times", H5T_IEEE_F64LE, 1, &ns, NULL, st);
	put(f, "/units/spike_times_index", H5T_STD_I64LE, 1, &nu, NULL, badix);
	H5Fclose(f);
	LL_CHECK_INT(ll_nwb_bin(q, &o, &X, NULL, &e), LL_EFORMAT);
	LL_CHECK_CONTAINS(e.msg, "bad.nwb: no trials table");
	f = H5Fopen(q, H5F_ACC_RDWR, H5P_DEFAULT);
	put(f, "/intervals/trials/start_time", H5T_IEEE_F64LE, 1, &nt, NULL, t0);
	put(f, "/intervals/trials/stop_time", H5T_IEEE_F64LE, 1, &nt, NULL, t1);
	H5Fclose(f);
	LL_CHECK_INT(ll_nwb_bin(q, &o, &X, NULL, &e), LL_EFORMAT);
	LL_CHECK_CONTAINS(e.msg, "bad.nwb: /units/spike_times_index is not non-decreasing");
	LL_CHECK(one_line(e.msg));
	f = H5Fcreate(q, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	put(f, "/units/spike_times", H5T_IEEE_F64LE, 2, two, NULL, st);
	put(f, "/units/spike_times_index", H5T_STD_I64LE, 1, &nu, NULL, ix);
	put(f, "/intervals/trials/start_time", H5T_IEEE_F64LE, 1, &nt, NULL, t0);
	put(f, "/intervals/trials/stop_time", H5T_IEEE_F64LE, 1, &nt, NULL, t1);
	H5Fclose(f);
	LL_CHECK_INT(ll_nwb_bin(q, &o, &X, NULL, &e), LL_ESHAPE);
	LL_CHECK_CONTAINS(e.msg, "bad.nwb: /units/spike_times has 2 dimensions, expected a vector");
	f = H5Fcreate(q, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	put(f, "/intervals/trials/start_time", H5T_IEEE_F64LE, 1, &nt, NULL, t0);
	H5Fclose(f);
	LL_CHECK_INT(ll_nwb_bin(q, &o, &X, NULL, &e), LL_EFORMAT);
	LL_CHECK_CONTAINS(e.msg, "bad.nwb: no units table with spike times");
	unlink(p);
	unlink(q);
}

#else

/* Without HDF5, an HDF5 file is named as such and refused in one line. */
static void test_without_hdf5(void)
{
	const char *p = tmp("sig.h5");
	FILE *fp = fopen(p, "wb");
	ll_tensor t;
	ll_err e;
	fwrite("\x89HDF\r\n\x1a\n\0\0\0\0\0\0\0\0", 1, 16, fp);
	fclose(fp);
	LL_CHECK(ll_hdf5_is(p));
	LL_CHECK_INT(ll_hdf5_read(p, "/data", NULL, &t, NULL, &e), LL_ENOTSUP);
	LL_CHECK_CONTAINS(e.msg, "built without HDF5");
	LL_CHECK(one_line(e.msg));
	unlink(p);
}

#endif

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/ll_h5_XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	LL_RUN(test_nwb_bin_arrays);
	LL_RUN(test_nwb_bin_naive);
	LL_RUN(test_nwb_bad_index);
	LL_RUN(test_not_hdf5);
#ifdef HAVE_HDF5
	LL_RUN(test_dtypes);
	LL_RUN(test_chunked_hyperslab);
	LL_RUN(test_nwb_file);
#else
	printf("# built without HDF5: the HDF5 file tests are skipped\n");
	LL_RUN(test_without_hdf5);
#endif
	rmdir(dir);
	return ll_test_done();
}
