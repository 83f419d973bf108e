/*
 * Allocation-failure sweeps (tests/ll_failalloc.h): a piece of work is run
 * once to count its N allocations, then once for every k in 1..N with the
 * k-th allocation failing.  Every failing run must return LL_ENOMEM, leave
 * no block live and no temporary file behind.
 *
 * Covered:
 *  - a whole `latentlab tca` in process, on one thread so the allocation
 *    order is fixed: examples/data/planted.npy (30 x 40 x 50, float32)
 *    read, ll_ens_fit of ranks 1-3 x 2 replicates with cp-als, fused and
 *    random init, ll_ens_write into a temporary directory (31 files),
 *    everything freed.  max_iter is cut to 2: every later iteration asks
 *    for the same blocks as the second (the objective history also grows
 *    by realloc every 64 iterations), and the sweep stays near 0.6 s
 *    (3.7 s under --enable-sanitizers) for its ~480 runs.  A second
 *    sweep, on a 10 x 12 x 14 corner of the data, takes the other paths:
 *    ncp-bcd with SVD init, missing entries (NaN and a mask file), one
 *    replicate per unit (not fused), ranks 2-3 x 2, 3 iterations;
 *  - each loader on a small fixture: .npy (C and Fortran order), .npz
 *    (stored and deflated, read and list), IDX (raw and gzip, as doubles
 *    and as bytes), CSV (long with text conditions, and matrix), MNIST
 *    (the bundled test split), ll_array_read's dispatch, and
 *    ll_array_read_all (every member of an .npz, one member, a .npy);
 *  - the writers: .npy, IDX (gzip), the atomic file;
 *  - the simulated population: ll_synth_make (with a baseline component)
 *    and ll_synth_write.
 * A failed read, load, make or fit must also leave its output zeroed
 * (the out-parameter rule of base/ll_common.h).
 * What the hook cannot reach (stdio, LAPACKE, OpenBLAS, OpenMP) is not
 * failed here; see base/ll_alloc.h.
 */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/ll_common.h"
#include "base/ll_fs.h"
#include "io/ll_csv.h"
#include "io/ll_mnist.h"
#include "io/ll_npy.h"
#include "sim/ll_synth.h"
#include "tensor/ll_ens.h"
#include "io/ll_ens_io.h"
#include "tensor/ll_tensor.h"
#include "ll_failalloc.h"
#include "ll_test.h"

static char tmpdir[256];

static const char *in_dir(const char *dir, const char *name)
{
	static char buf[4][512];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	return buf[i];
}

#define FIXTURE(name) in_dir(LL_TEST_DATA, name)
#define EXAMPLE(name) in_dir(LL_EXAMPLES_DATA, name)
#define TMP(name) in_dir(tmpdir, name)

/* Names under dir (recursively) that look like an ll_afile temporary
 * ("x.tmp.XXXXXX"); prints them. */
static int count_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	while (d && (de = readdir(d))) {
		char p[1024];
		struct stat st;
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		if (strstr(de->d_name, ".tmp.")) {
			printf("# temporary file left: %s\n", p);
			n++;
		}
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			n += count_temps(p);
	}
	if (d)
		closedir(d);
	return n;
}

/* The out-parameter rule (base/ll_common.h): after a failure the output
 * is all zero bytes.  A violation turns rc into LL_EINVAL, which the
 * sweep reports as a wrong status. */
static int zeroed(int rc, const void *p, size_t n, const char *what)
{
	const unsigned char *b = p;
	if (rc == LL_OK)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (b[i]) {
			printf("# %s: output not zeroed after %s\n", what, ll_status_name(rc));
			return LL_EINVAL;
		}
	return rc;
}

/* Report a sweep as TAP diagnostics and checks. */
static void check_sweep(const ll_failalloc_sweep *s, int ok)
{
	printf("# %s: %zu allocations, %zu failing runs in %.2f s\n", s->name, s->n, s->runs, s->seconds);
	LL_CHECK_INT(s->clean_rc, LL_OK);
	LL_CHECK(s->n > 0);
	LL_CHECK_INT(s->runs, s->n);
	LL_CHECK_INT(s->wrong_rc, 0);
	LL_CHECK_INT(s->leaked, 0);
	LL_CHECK_INT(s->bad_check, 0);
	LL_CHECK_INT(s->unreached, 0);
	LL_CHECK_INT(ok, 0);
}

/* ---- the helper itself ------------------------------------------------- */

static void test_failalloc(void)
{
	ll_failalloc fa;
	ll_failalloc_start(&fa, 2);
	void *a = ll_malloc(8), *b = ll_malloc(8), *c = ll_calloc(2, 8);
	char *s = ll_strdup("x");
	LL_CHECK(a && !b && c && s);
	LL_CHECK_INT(atomic_load(&fa.count), 4);
	LL_CHECK_INT(atomic_load(&fa.failed), 1);
	LL_CHECK_INT(atomic_load(&fa.live), 3);
	void *a2 = ll_realloc(a, 64);
	LL_CHECK(a2 != NULL);
	LL_CHECK_INT(atomic_load(&fa.live), 3);
	ll_free(a2);
	ll_free(c);
	ll_free(s);
	ll_free(NULL);
	LL_CHECK_INT(atomic_load(&fa.live), 0);
	ll_failalloc_stop();
	/* libc again */
	a = ll_malloc(0);
	LL_CHECK(a != NULL);
	ll_free(a);
	LL_CHECK(ll_calloc(SIZE_MAX / 2, 3) == NULL);
	LL_CHECK(ll_malloc_array(SIZE_MAX / 2, 3) == NULL);
}

/* ---- tca ------------------------------------------------------------------ */

typedef struct tca_ctx {
	const char *data, *mask, *outdir;
	ll_ens_opts o;
	int nan_holes; /* punch NaN holes into the data after reading */
	ll_err err;
} tca_ctx;

static const char *tca_message(void *ud)
{
	return ((tca_ctx *)ud)->err.msg;
}

/* latentlab tca, in process: read, fit, write, free. */
static int tca_run(void *ud)
{
	tca_ctx *c = ud;
	ll_tensor X, W;
	ll_array_info info;
	ll_ensemble e;
	int rc;

	memset(&W, 0, sizeof W);
	memset(&e, 0, sizeof e);
	ll_err_clear(&c->err);
	rc = zeroed(ll_array_read(c->data, &X, &info, &c->err), &X, sizeof X, "ll_array_read");
	if (rc != LL_OK)
		return rc;
	if (c->nan_holes)
		for (size_t i = 0; i < X.size; i += 97)
			X.data[i] = NAN;
	ll_ens_opts o = c->o;
	if (c->mask) {
		rc = zeroed(ll_array_read(c->mask, &W, NULL, &c->err), &W, sizeof W, "mask");
		o.cp.mask = &W;
	}
	if (rc == LL_OK)
		rc = zeroed(ll_ens_fit(&X, &o, &e, &c->err), &e, sizeof e, "ll_ens_fit");
	if (rc == LL_OK) {
		char *argv[] = {"latentlab", "tca", (char *)c->data};
		ll_ens_meta meta = {.tool = "latentlab tca", .argc = 3, .argv = argv, .data_file = c->data,
				    .data_dtype = info.dtype, .mask_file = c->mask};
		rc = ll_ens_write(&e, c->outdir, &X, &meta, &c->err);
	}
	ll_ens_free(&e);
	ll_tensor_free(&W);
	ll_tensor_free(&X);
	return rc;
}

/* After each run: no temporary file; a clean run wrote summary.json;
 * then the directory is emptied for the next run. */
static int tca_check(void *ud, size_t k, int rc)
{
	tca_ctx *c = ud;
	int bad = count_temps(c->outdir);
	struct stat st;
	if (k == 0 && rc == LL_OK && stat(in_dir(c->outdir, "summary.json"), &st) != 0) {
		printf("# %s: no summary.json after the clean run\n", c->outdir);
		bad++;
	}
	ll_rmtree(c->outdir, NULL);
	return bad;
}

static void test_oom_tca(void)
{
	tca_ctx c;
	memset(&c, 0, sizeof c);
	c.data = EXAMPLE("planted.npy");
	c.outdir = TMP("tca");
	ll_ens_opts_default(&c.o);
	c.o.rank_lo = 1;
	c.o.rank_hi = 3;
	c.o.replicates = 2;
	c.o.seed = 1;
	c.o.threads = 1; /* a fixed allocation order */
	c.o.cp.method = LL_CP_ALS;
	c.o.cp.max_iter = 2;
	ll_failalloc_sweep s = {.name = "tca cp-als ranks 1-3 x 2", .run = tca_run, .check = tca_check,
				.message = tca_message, .ud = &c};
	int ok = ll_failalloc_sweep_run(&s);
	check_sweep(&s, ok);
}

/* The other paths: ncp-bcd (its extrapolation buffers and eigenvalue
 * solves), SVD init, missing entries (NaN holes and a mask file), one
 * replicate per unit (not fused). */
static void test_oom_tca_paths(void)
{
	tca_ctx c;
	ll_tensor P, X, W;
	size_t dim[3] = {10, 12, 14};
	memset(&c, 0, sizeof c);
	/* a 10 x 12 x 14 corner of the planted tensor, and a mask of its
	 * shape (1 but every 29th entry): small, so the sweep stays short */
	LL_CHECK_INT(ll_npy_read(EXAMPLE("planted.npy"), &P, NULL, NULL), LL_OK);
	LL_CHECK_INT(ll_tensor_init(&X, 3, dim, NULL), LL_OK);
	LL_CHECK_INT(ll_tensor_init(&W, 3, dim, NULL), LL_OK);
	if (!P.data || !X.data || !W.data)
		return;
	for (size_t i = 0; i < dim[0]; i++)
		for (size_t j = 0; j < dim[1]; j++)
			for (size_t k = 0; k < dim[2]; k++)
				X.data[(i * dim[1] + j) * dim[2] + k] =
					P.data[(i * P.dim[1] + j) * P.dim[2] + k];
	for (size_t i = 0; i < W.size; i++)
		W.data[i] = i % 29 ? 1.0 : 0.0;
	LL_CHECK_INT(ll_npy_write(TMP("small.npy"), &X, 0, NULL), LL_OK);
	LL_CHECK_INT(ll_npy_write(TMP("mask.npy"), &W, 0, NULL), LL_OK);
	ll_tensor_free(&P);
	ll_tensor_free(&X);
	ll_tensor_free(&W);
	c.data = TMP("small.npy");
	c.mask = TMP("mask.npy");
	c.nan_holes = 1;
	c.outdir = TMP("tca2");
	ll_ens_opts_default(&c.o);
	c.o.rank_lo = 2;
	c.o.rank_hi = 3;
	c.o.replicates = 2;
	c.o.threads = 1;
	c.o.fused = 0;
	c.o.cp.method = LL_CP_NCP_BCD;
	c.o.cp.init = LL_CP_INIT_SVD;
	c.o.cp.max_iter = 3;
	ll_failalloc_sweep s = {.name = "tca ncp-bcd svd-init masked unfused", .run = tca_run,
				.check = tca_check, .message = tca_message, .ud = &c};
	int ok = ll_failalloc_sweep_run(&s);
	check_sweep(&s, ok);
}

/* ---- the simulated population ----------------------------------------- */

typedef struct synth_ctx {
	const char *outdir;
	ll_err err;
} synth_ctx;

static const char *synth_message(void *ud)
{
	return ((synth_ctx *)ud)->err.msg;
}

static int synth_run(void *ud)
{
	synth_ctx *c = ud;
	ll_synth_opts o;
	ll_synth sy;
	ll_synth_opts_default(&o);
	o.neurons = 8;
	o.time = 6;
	o.trials = 5;
	o.rank = 4;
	o.baseline = 2.0;
	ll_err_clear(&c->err);
	int rc = zeroed(ll_synth_make(&o, &sy, &c->err), &sy, sizeof sy, "ll_synth_make");
	if (rc == LL_OK)
		rc = ll_synth_write(&sy, c->outdir, &c->err);
	ll_synth_free(&sy);
	return rc;
}

static int synth_check(void *ud, size_t k, int rc)
{
	synth_ctx *c = ud;
	int bad = count_temps(c->outdir);
	(void)k;
	(void)rc;
	ll_rmtree(c->outdir, NULL);
	return bad;
}

static void test_oom_synth(void)
{
	synth_ctx c = {TMP("synth"), {0, ""}};
	ll_failalloc_sweep s = {.name = "synth make and write", .run = synth_run, .check = synth_check,
				.message = synth_message, .ud = &c};
	int ok = ll_failalloc_sweep_run(&s);
	check_sweep(&s, ok);
}

/* ---- loaders and writers ------------------------------------------------- */

typedef struct io_ctx {
	const char *path;
	int what;
	ll_err err;
} io_ctx;

enum { IO_NPY, IO_ARRAY, IO_ARRAY_ALL, IO_NPZ_LIST, IO_IDX, IO_IDX_U8, IO_CSV, IO_MNIST,
       IO_WRITE_NPY, IO_WRITE_IDX_GZ, IO_WRITE_AFILE };

static const char *io_message(void *ud)
{
	return ((io_ctx *)ud)->err.msg;
}

static int io_run(void *ud)
{
	io_ctx *c = ud;
	ll_tensor t;
	int rc = LL_OK;
	ll_err_clear(&c->err);
	switch (c->what) {
	case IO_NPY:
		rc = zeroed(ll_npy_read(c->path, &t, NULL, &c->err), &t, sizeof t, c->path);
		ll_tensor_free(&t);
		break;
	case IO_ARRAY:
		rc = zeroed(ll_array_read(c->path, &t, NULL, &c->err), &t, sizeof t, c->path);
		ll_tensor_free(&t);
		break;
	case IO_ARRAY_ALL: {
		ll_array_set set;
		rc = zeroed(ll_array_read_all(c->path, &set, &c->err), &set, sizeof set, c->path);
		ll_array_set_free(&set);
		break;
	}
	case IO_NPZ_LIST: {
		char **names;
		size_t n;
		rc = ll_npz_list(c->path, &names, &n, &c->err);
		rc = zeroed(rc, &names, sizeof names, c->path);
		rc = zeroed(rc, &n, sizeof n, c->path);
		for (size_t k = 0; k < n; k++)
			ll_free(names[k]);
		ll_free(names);
		break;
	}
	case IO_IDX:
		rc = zeroed(ll_idx_read(c->path, &t, NULL, &c->err), &t, sizeof t, c->path);
		ll_tensor_free(&t);
		break;
	case IO_IDX_U8: {
		unsigned char *u8;
		rc = zeroed(ll_idx_read_u8(c->path, &u8, NULL, &c->err), &u8, sizeof u8, c->path);
		ll_free(u8);
		break;
	}
	case IO_CSV: {
		ll_csv_data d;
		rc = zeroed(ll_csv_read(c->path, NULL, &d, &c->err), &d, sizeof d, c->path);
		ll_csv_data_free(&d);
		break;
	}
	case IO_MNIST: {
		ll_mnist m;
		rc = zeroed(ll_mnist_load(&m, c->path, "test", &c->err), &m, sizeof m, c->path);
		ll_mnist_free(&m);
		break;
	}
	case IO_WRITE_NPY:
	case IO_WRITE_IDX_GZ: {
		static const double v[6] = {1, 2, 3, 4, 5, 6};
		static const unsigned char b[6] = {1, 2, 3, 4, 5, 6};
		size_t shape[2] = {2, 3};
		if (c->what == IO_WRITE_NPY)
			rc = ll_npy_write_array(c->path, v, 2, shape, 1, &c->err);
		else
			rc = ll_idx_write_u8(c->path, b, 2, shape, 1, &c->err);
		break;
	}
	case IO_WRITE_AFILE: {
		ll_afile af;
		rc = ll_afile_open_in(&af, tmpdir, "afile.txt", &c->err);
		if (rc == LL_OK) {
			fputs("hello\n", af.fp);
			rc = ll_afile_commit(&af, &c->err);
		}
		break;
	}
	}
	return rc;
}

static int io_check(void *ud, size_t k, int rc)
{
	(void)ud;
	(void)k;
	(void)rc;
	return count_temps(tmpdir);
}

static void sweep_io(const char *name, int what, const char *path)
{
	io_ctx c = {path, what, {0, ""}};
	ll_failalloc_sweep s = {.name = name, .run = io_run, .check = io_check, .message = io_message,
				.ud = &c};
	int ok = ll_failalloc_sweep_run(&s);
	check_sweep(&s, ok);
}

static void test_oom_npy(void)
{
	sweep_io("npy f8 C order", IO_NPY, FIXTURE("f8_le.npy"));
	sweep_io("npy i2 Fortran order", IO_NPY, FIXTURE("fortran_i2_be_3d.npy"));
}

static void test_oom_npz(void)
{
	sweep_io("npz stored", IO_ARRAY, FIXTURE("stored.npz"));
	sweep_io("npz deflated", IO_ARRAY, FIXTURE("compressed.npz"));
	sweep_io("npz list", IO_NPZ_LIST, FIXTURE("compressed.npz"));
	sweep_io("npz every member (ll_array_read_all)", IO_ARRAY_ALL, FIXTURE("compressed.npz"));
	sweep_io("npz one member (ll_array_read_all)", IO_ARRAY_ALL, FIXTURE("stored.npz:b"));
	sweep_io("npy through ll_array_read_all", IO_ARRAY_ALL, FIXTURE("fortran_f8.npy"));
}

static void test_oom_idx(void)
{
	sweep_io("idx raw", IO_IDX, FIXTURE("images_u1.idx"));
	sweep_io("idx gzip", IO_IDX, FIXTURE("images_u1.idx.gz"));
	sweep_io("idx gzip bytes", IO_IDX_U8, FIXTURE("labels_u1.idx.gz"));
	sweep_io("idx through ll_array_read", IO_ARRAY, FIXTURE("idx_f4.idx"));
}

static void test_oom_csv(void)
{
	sweep_io("csv long", IO_CSV, FIXTURE("long_small.csv"));
	sweep_io("csv matrix", IO_CSV, FIXTURE("matrix_small.csv"));
}

static void test_oom_mnist(void)
{
	sweep_io("mnist test split", IO_MNIST, LL_EXAMPLES_DATA);
}

static void test_oom_writers(void)
{
	sweep_io("write npy", IO_WRITE_NPY, TMP("w.npy"));
	sweep_io("write idx gzip", IO_WRITE_IDX_GZ, TMP("w.idx.gz"));
	sweep_io("atomic file", IO_WRITE_AFILE, NULL);
}

int main(void)
{
	/* tmpfs if there is one: every ll_afile_commit fsyncs, and the tca
	 * sweep commits thousands of files */
	struct stat st;
	int shm = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0;
	snprintf(tmpdir, sizeof tmpdir, "%s/ll_test_oom.XXXXXX", shm ? "/dev/shm" : "/tmp");
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	LL_RUN(test_failalloc);
	LL_RUN(test_oom_tca);
	LL_RUN(test_oom_tca_paths);
	LL_RUN(test_oom_npy);
	LL_RUN(test_oom_npz);
	LL_RUN(test_oom_idx);
	LL_RUN(test_oom_csv);
	LL_RUN(test_oom_mnist);
	LL_RUN(test_oom_writers);
	LL_RUN(test_oom_synth);
	ll_rmtree(tmpdir, NULL);
	return ll_test_done();
}
