/*
 * make_nwb: writes examples/data/spikes.nwb, a small NWB-shaped HDF5 file
 * of simulated spike times for `[data] kind = nwb` (examples/nwb.lab), and
 * the bad files the end-to-end tests need.
 *
 * The layout is the part of NWB 2 latentlab reads: /units/spike_times (all
 * units' times, one unit after another, float64 s), /units/spike_times_index
 * (where each unit's times end, uint64), /units/id, and the trials table
 * /intervals/trials/{id,start_time,stop_time,condition}.  (A file written by
 * pynwb has more: attributes, /general, /acquisition, ...; it reads the same.)
 *
 * 20 neurons, 50 trials of 1.0-1.3 s with 0.5 s between them; condition
 * alternates 0, 1.  Rates: 3 Hz baseline plus three planted components,
 *   1: neurons 0-7,   a bump at 0.2 s after the start, growing over trials
 *   2: neurons 6-13,  a bump at 0.6 s, in condition 1 trials only
 *   3: neurons 12-19, sustained from 0.3 to 0.9 s, fading over trials
 * drawn as Bernoulli(rate x 1 ms) per millisecond with a uniform jitter
 * inside it, from ll_rng seeded with 2012: the file is a pure function of
 * this program (object times are not recorded).
 *
 *   make_nwb OUT.nwb              the example
 *   make_nwb --check FILE         exit 0 if FILE holds the example's arrays
 *   make_nwb --bad-index OUT      spike_times_index not non-decreasing
 *   make_nwb --no-trials OUT      no trials table
 *   make_nwb --array OUT.h5       /data (6 x 5 x 4 float32, chunked + gzip,
 *                                 value 100a + 10b + c), /vec (int16), /grp
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "base/ll_alloc.h"
#include "base/ll_rng.h"
#include "io/ll_hdf5.h"

#define NEURONS 20
#define TRIALS 50
#define SEED 2012

typedef struct spikes {
	double *t;            /* all units' times */
	size_t n, cap;
	unsigned long long index[NEURONS];
	double start[TRIALS], stop[TRIALS];
	long long cond[TRIALS];
} spikes;

static double rate(int n, int k, int cond, double s)
{
	double r = 3.0, g = (double)k / (TRIALS - 1);
	if (n < 8)
		r += 40.0 * (0.2 + 0.8 * g) * exp(-0.5 * pow((s - 0.2) / 0.06, 2));
	if (n >= 6 && n < 14 && cond == 1)
		r += 35.0 * exp(-0.5 * pow((s - 0.6) / 0.08, 2));
	if (n >= 12 && s >= 0.3 && s < 0.9)
		r += 20.0 * (1.0 - 0.8 * g);
	return r;
}

static int make(spikes *sp)
{
	ll_rng rng;
	double t = 0.5;
	ll_rng_init(&rng, SEED);
	for (int k = 0; k < TRIALS; k++) {
		sp->start[k] = t;
		sp->stop[k] = t + 1.0 + 0.3 * ll_rng_uniform(&rng);
		sp->stop[k] = round(sp->stop[k] * 1000.0) / 1000.0;
		sp->cond[k] = k % 2;
		t = sp->stop[k] + 0.5;
	}
	double end = t;
	for (int n = 0; n < NEURONS; n++) {
		int k = 0;
		for (long ms = 0; ms < (long)(end * 1000.0); ms++) {
			double at = ms / 1000.0, r = 3.0;
			while (k < TRIALS - 1 && at >= sp->stop[k] + 0.25)
				k++;
			if (at >= sp->start[k] && at < sp->stop[k])
				r = rate(n, k, (int)sp->cond[k], at - sp->start[k]);
			if (ll_rng_uniform(&rng) < r * 1e-3) {
				if (sp->n == sp->cap) {
					size_t cap = sp->cap ? 2 * sp->cap : 4096;
					double *nt = ll_realloc(sp->t, cap * sizeof *nt);
					if (!nt)
						return -1;
					sp->t = nt;
					sp->cap = cap;
				}
				sp->t[sp->n++] = at + 1e-3 * ll_rng_uniform(&rng);
			}
		}
		sp->index[n] = sp->n;
	}
	return 0;
}

static int put(hid_t f, const char *name, hid_t ft, hid_t mt, int nd, const hsize_t *dims, int gzip,
	       const void *v)
{
	hid_t sp = H5Screate_simple(nd, dims, NULL);
	hid_t pl = H5Pcreate(H5P_DATASET_CREATE), lc = H5Pcreate(H5P_LINK_CREATE);
	int ok;
	H5Pset_create_intermediate_group(lc, 1);
	H5Pset_obj_track_times(pl, 0); /* no timestamps: the same bytes every run */
	if (gzip) {
		hsize_t ch[8];
		for (int k = 0; k < nd; k++)
			ch[k] = dims[k] > 4096 ? 4096 : dims[k];
		H5Pset_chunk(pl, nd, ch);
		H5Pset_shuffle(pl);
		H5Pset_deflate(pl, 9);
	}
	hid_t d = H5Dcreate2(f, name, ft, sp, lc, pl, H5P_DEFAULT);
	ok = d >= 0 && H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0;
	if (d >= 0)
		H5Dclose(d);
	H5Pclose(lc);
	H5Pclose(pl);
	H5Sclose(sp);
	return ok ? 0 : -1;
}

static hid_t create(const char *path)
{
	hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
	H5Pset_obj_track_times(fcpl, 0);
	hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
	H5Pclose(fcpl);
	if (f < 0)
		fprintf(stderr, "make_nwb: %s: cannot create\n", path);
	return f;
}

/* what = 0 the example, 1 a bad index, 2 no trials table */
static int write_nwb(const char *path, const spikes *sp, int what)
{
	hid_t f = create(path);
	hsize_t ns = sp->n, nu = NEURONS, nt = TRIALS;
	unsigned long long ix[NEURONS];
	long long uid[NEURONS], tid[TRIALS];
	int rc = 0;
	if (f < 0)
		return -1;
	memcpy(ix, sp->index, sizeof ix);
	if (what == 1) { /* swap two ends: unit 3 ends before unit 2 */
		unsigned long long x = ix[2];
		ix[2] = ix[3];
		ix[3] = x;
	}
	for (int n = 0; n < NEURONS; n++)
		uid[n] = n;
	for (int k = 0; k < TRIALS; k++)
		tid[k] = k;
	rc |= put(f, "/units/spike_times", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &ns, 1, sp->t);
	rc |= put(f, "/units/spike_times_index", H5T_STD_U64LE, H5T_NATIVE_ULLONG, 1, &nu, 0, ix);
	rc |= put(f, "/units/id", H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, &nu, 0, uid);
	if (what != 2) {
		rc |= put(f, "/intervals/trials/id", H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, &nt, 0, tid);
		rc |= put(f, "/intervals/trials/start_time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &nt, 0, sp->start);
		rc |= put(f, "/intervals/trials/stop_time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &nt, 0, sp->stop);
		rc |= put(f, "/intervals/trials/condition", H5T_STD_I64LE, H5T_NATIVE_LLONG, 1, &nt, 0, sp->cond);
	}
	if (H5Fclose(f) < 0 || rc) {
		fprintf(stderr, "make_nwb: %s: HDF5 write failed\n", path);
		return -1;
	}
	return 0;
}

static int write_array(const char *path)
{
	hid_t f = create(path);
	hsize_t d3[3] = {6, 5, 4}, d1 = 7;
	float v[120];
	short w[7];
	int rc = 0;
	if (f < 0)
		return -1;
	for (int a = 0; a < 6; a++)
		for (int b = 0; b < 5; b++)
			for (int c = 0; c < 4; c++)
				v[(a * 5 + b) * 4 + c] = (float)(100 * a + 10 * b + c);
	for (int i = 0; i < 7; i++)
		w[i] = (short)(i - 3);
	rc |= put(f, "/data", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, d3, 1, v);
	rc |= put(f, "/vec", H5T_STD_I16BE, H5T_NATIVE_SHORT, 1, &d1, 0, w);
	hid_t g = H5Gcreate2(f, "/grp", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	if (g < 0)
		rc = -1;
	else
		H5Gclose(g);
	if (H5Fclose(f) < 0 || rc) {
		fprintf(stderr, "make_nwb: %s: HDF5 write failed\n", path);
		return -1;
	}
	return 0;
}

/* FILE's spike times, index and trial times equal the example's */
static int check(const char *path, const spikes *sp)
{
	static const char *const names[] = {"/units/spike_times", "/units/spike_times_index",
					    "/intervals/trials/start_time", "/intervals/trials/stop_time"};
	for (int q = 0; q < 4; q++) {
		ll_tensor t;
		ll_err e;
		size_t n = q == 0 ? sp->n : q == 1 ? NEURONS : TRIALS, bad = 0;
		if (ll_hdf5_read(path, names[q], NULL, &t, NULL, &e) != LL_OK) {
			fprintf(stderr, "make_nwb: %s\n", e.msg);
			return 1;
		}
		if (t.size != n)
			bad = 1;
		for (size_t i = 0; !bad && i < n; i++) {
			double w = q == 0 ? sp->t[i] : q == 1 ? (double)sp->index[i] : q == 2 ? sp->start[i] : sp->stop[i];
			bad += t.data[i] != w;
		}
		ll_tensor_free(&t);
		if (bad) {
			fprintf(stderr, "make_nwb: %s: %s differs from the generator's\n", path, names[q]);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	spikes sp;
	int rc;
	memset(&sp, 0, sizeof sp);
	if (argc == 3 && !strcmp(argv[1], "--array"))
		return write_array(argv[2]) ? 1 : 0;
	if (make(&sp) != 0) {
		fprintf(stderr, "make_nwb: out of memory\n");
		return 1;
	}
	if (argc == 2 && argv[1][0] != '-')
		rc = write_nwb(argv[1], &sp, 0) ? 1 : 0;
	else if (argc == 3 && !strcmp(argv[1], "--check"))
		rc = check(argv[2], &sp);
	else if (argc == 3 && !strcmp(argv[1], "--bad-index"))
		rc = write_nwb(argv[2], &sp, 1) ? 1 : 0;
	else if (argc == 3 && !strcmp(argv[1], "--no-trials"))
		rc = write_nwb(argv[2], &sp, 2) ? 1 : 0;
	else {
		fprintf(stderr, "usage: make_nwb OUT.nwb | --check FILE | --bad-index OUT | --no-trials OUT | --array OUT.h5\n");
		rc = 2;
	}
	ll_free(sp.t);
	return rc;
}
