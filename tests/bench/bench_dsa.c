/*
 * bench_dsa - Dynamical Similarity Analysis at the paper's scale.
 *
 *   data      N systems (10) of 20 trials x 100 time steps x 50 units: a
 *             noisy linear system z' = R z + 0.05 e on 30 latent dims (15
 *             damped rotation planes, 0.05 .. 1.45 rad/step times 1 + 0.1
 *             class), read out as y = M z + 0.05 e through a random
 *             50 x 30 M per system; system s is of class s % 5, so s and
 *             s + 5 share their dynamics (DSA ~0.05 rad, the noise) but not
 *             their coordinates, and DSA grows with the class difference
 *             (~0.1 rad a step).  Seeded: the same data on every machine.
 *   DMD       ll_dsa_dmd_fit, 10 delays, rank 30 (a 1820 x 500 embedding)
 *   pair      ll_dsa_compare of systems 0 and 1 at the library's defaults
 *             (3 starts per component of O(n), <= 1000 iterations each)
 *   matrix    the N fits + ll_dsa_all (N (N - 1) / 2 pairs, angular only)
 *
 * Each figure is run at 1 thread (OpenBLAS and OpenMP) and at THREADS
 * (OpenBLAS in the fits, OpenMP over ll_dsa_all's pairs), the fit and the
 * pair the best of --reps runs, the matrix of --matrix-reps (the machine
 * is shared).  ll_dsa_all gives the same matrix at any thread count for
 * the same operators: the bench checks that bit for bit on systems 0-3.  Operators
 * fitted with OpenBLAS at other thread counts differ in rounding, which
 * the descent (1000 iterations, not converged at this size) can carry to
 * ~1e-4 rad: reported, not checked.
 *
 * Usage: bench_dsa [-q] [-t THREADS] [--reps R] [--matrix-reps R]
 *                  [--systems N] [--trials K] [--time T] [--units U]
 *                  [--delays D] [--rank R] [--restarts S] [--max-iter I]
 *                  [--dump DIR] [--json]
 *   -q        one run per figure (--reps 1 --matrix-reps 1)
 *   -t        threads of the second column (default: OpenMP's count)
 *   --reps    runs of the fit and the pair, best kept (3)
 *   --matrix-reps  runs of the matrix (1: ~20 s a run at 1 thread)
 *   --dump    write DIR/sys00.npy ... (trials x time x units, '<f8'), the
 *             data tests/bench/bench_dsa_ref.py gives the reference, and
 *             DIR/op00.npy ... (rank x rank), the operators fitted at 1
 *             thread
 *   --json    also print one line "JSON {...}": settings, seconds, the
 *             pair's value, the matrix and each system's eigenvalues
 * Lines "RESULT name threads seconds" (wall) are for scripts; the CPU
 * column is the process's CPU seconds of the same 1-thread runs.
 */
#include "base/ll_blas.h"
#include "base/ll_common.h"
#include "base/ll_fs.h"
#include "base/ll_rng.h"
#include "dynamics/ll_dsa.h"
#include "io/ll_npy.h"

#include <cblas.h>
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LATENT 30
#define CLASSES 5
#define NOISE 0.05

typedef struct cfg {
	size_t N, K, T, U, delays, rank, restarts, max_iters;
	int reps, matrix_reps, threads, json;
	const char *dump;
} cfg;

static int die(const ll_err *e)
{
	fprintf(stderr, "bench_dsa: %s\n", e->msg);
	return 1;
}

static void *xmalloc(size_t n, size_t sz)
{
	void *p = ll_malloc_array(n, sz);
	if (!p) {
		fprintf(stderr, "bench_dsa: out of memory\n");
		exit(1);
	}
	return p;
}

/* System s into x (K x T x U): class s % 5 sets the rotation frequencies,
 * s itself the readout and the noise. */
static void make_system(const cfg *c, size_t s, double *x)
{
	ll_rng r;
	ll_rng_init(&r, 0x5eedULL + 7919ULL * (uint64_t)s);
	size_t cls = s % CLASSES, U = c->U;
	double R[LATENT * LATENT] = {0}, z[LATENT], zn[LATENT];
	for (size_t j = 0; j < LATENT / 2; j++) {
		/* frequencies scaled per class; a decay per plane */
		double w = (0.05 + 0.1 * (double)j) * (1.0 + 0.1 * (double)cls), rho = 0.99 - 0.005 * (double)j;
		size_t a = 2 * j, b = a + 1;
		R[a * LATENT + a] = R[b * LATENT + b] = rho * cos(w);
		R[a * LATENT + b] = -rho * sin(w);
		R[b * LATENT + a] = rho * sin(w);
	}
	double *M = xmalloc(U * LATENT, sizeof *M);
	for (size_t i = 0; i < U * LATENT; i++)
		M[i] = ll_rng_normal(&r) / sqrt((double)LATENT);
	for (size_t k = 0; k < c->K; k++) {
		for (size_t i = 0; i < LATENT; i++)
			z[i] = ll_rng_normal(&r);
		for (size_t t = 0; t < c->T; t++) {
			double *y = x + (k * c->T + t) * U;
			for (size_t u = 0; u < U; u++) {
				double v = NOISE * ll_rng_normal(&r);
				for (size_t i = 0; i < LATENT; i++)
					v += M[u * LATENT + i] * z[i];
				y[u] = v;
			}
			for (size_t i = 0; i < LATENT; i++) {
				double v = NOISE * ll_rng_normal(&r);
				for (size_t j = 0; j < LATENT; j++)
					v += R[i * LATENT + j] * z[j];
				zn[i] = v;
			}
			memcpy(z, zn, sizeof z);
		}
	}
	ll_free(M);
}

static void set_threads(int n)
{
	openblas_set_num_threads(n);
#ifdef _OPENMP
	omp_set_num_threads(n);
#endif
}

static void fit(const cfg *c, const double *x, ll_dsa_dmd *m)
{
	ll_dsa_dmd_opts o;
	ll_err e;
	ll_dsa_dmd_opts_default(&o);
	o.delays = c->delays;
	o.rank = c->rank;
	if (ll_dsa_dmd_fit(x, c->K, c->T, c->U, &o, m, &e) != LL_OK)
		exit(die(&e));
}

static void fit_all(const cfg *c, double *const *xs, ll_dsa_dmd *m)
{
	for (size_t s = 0; s < c->N; s++) {
		ll_dsa_dmd_free(&m[s]);
		fit(c, xs[s], &m[s]);
	}
}

static void dsa_opts(const cfg *c, ll_dsa_opts *o)
{
	ll_dsa_opts_default(o);
	o->restarts = c->restarts;
	o->max_iters = c->max_iters;
}

typedef struct figs {
	double fit, compare, pair, fits, all, matrix; /* wall seconds */
	double cfit, ccompare, cpair, cfits, call, cmatrix; /* CPU seconds of the process, of the same runs */
	double pair_value;
	size_t pair_iters;
} figs;

/* CPU seconds of the process: at one thread the figure a loaded machine
 * disturbs least */
static double cpu_now(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* keep the run with the lowest wall time, and its CPU time */
static void keep(double *wall, double *cpu, double w, double c)
{
	if (w < *wall) {
		*wall = w;
		*cpu = c;
	}
}

/* All figures at `threads`, the fit and the pair best of c->reps, the
 * matrix of c->matrix_reps; D receives the matrix, m (N, zeroed) the
 * last fits. */
static void measure(const cfg *c, double *const *xs, int threads, figs *f, double *D, ll_dsa_dmd *m)
{
	ll_dsa_opts o;
	ll_err e;
	dsa_opts(c, &o);
	set_threads(threads);
	f->fit = f->compare = f->pair = f->fits = f->all = f->matrix = INFINITY;
	for (int r = 0; r < c->reps; r++) {
		ll_dsa_dmd a = {0}, b = {0};
		ll_dsa_dist d;
		double t0 = ll_now(), c0 = cpu_now();
		fit(c, xs[0], &a);
		double t1 = ll_now(), c1 = cpu_now();
		fit(c, xs[1], &b);
		double t2 = ll_now(), c2 = cpu_now();
		if (ll_dsa_compare(a.A, b.A, a.rank, &o, &d, NULL, &e) != LL_OK)
			exit(die(&e));
		double t3 = ll_now(), c3 = cpu_now();
		keep(&f->fit, &f->cfit, t1 - t0, c1 - c0);
		keep(&f->compare, &f->ccompare, t3 - t2, c3 - c2);
		keep(&f->pair, &f->cpair, t3 - t0, c3 - c0);
		f->pair_value = d.angular;
		f->pair_iters = d.total_iterations;
		ll_dsa_dmd_free(&a);
		ll_dsa_dmd_free(&b);
	}
	for (int r = 0; r < c->matrix_reps; r++) {
		double t0 = ll_now(), c0 = cpu_now();
		fit_all(c, xs, m);
		double t1 = ll_now(), c1 = cpu_now();
		if (ll_dsa_all(m, c->N, &o, threads, D, NULL, &e) != LL_OK)
			exit(die(&e));
		double t2 = ll_now(), c2 = cpu_now();
		keep(&f->fits, &f->cfits, t1 - t0, c1 - c0);
		keep(&f->all, &f->call, t2 - t1, c2 - c1);
		keep(&f->matrix, &f->cmatrix, t2 - t0, c2 - c0);
	}
}

static int dump(const cfg *c, double *const *xs, const ll_dsa_dmd *m)
{
	ll_err e;
	if (ll_mkdirs(c->dump, &e) != LL_OK)
		return die(&e);
	size_t shape[3] = {c->K, c->T, c->U};
	for (size_t s = 0; s < c->N; s++) {
		char name[32];
		size_t op[2] = {m[s].rank, m[s].rank};
		snprintf(name, sizeof name, "sys%02zu.npy", s);
		if (ll_npy_write_array_in(c->dump, name, xs[s], 3, shape, 0, &e) != LL_OK)
			return die(&e);
		snprintf(name, sizeof name, "op%02zu.npy", s);
		if (ll_npy_write_array_in(c->dump, name, m[s].A, 2, op, 0, &e) != LL_OK)
			return die(&e);
	}
	return 0;
}

static void print_matrix_json(const double *D, size_t N)
{
	putchar('[');
	for (size_t a = 0; a < N; a++) {
		printf("%s[", a ? "," : "");
		for (size_t b = 0; b < N; b++)
			printf("%s%.9g", b ? "," : "", D[a * N + b]);
		putchar(']');
	}
	putchar(']');
}

static void print_figs_json(const char *key, int threads, const figs *f)
{
	printf(",\"%s\":{\"threads\":%d,\"dmd_fit\":%.6g,\"compare\":%.6g,\"pair\":%.6g,\"fits\":%.6g,"
	       "\"all_pairs\":%.6g,\"matrix\":%.6g,\"cpu\":{\"dmd_fit\":%.6g,\"compare\":%.6g,\"pair\":%.6g,"
	       "\"fits\":%.6g,\"all_pairs\":%.6g,\"matrix\":%.6g}}",
	       key, threads, f->fit, f->compare, f->pair, f->fits, f->all, f->matrix, f->cfit, f->ccompare, f->cpair,
	       f->cfits, f->call, f->cmatrix);
}

static void print_json(const cfg *c, const ll_dsa_dmd *m, const figs *f1, const figs *fn, int nt,
		       const double *D)
{
	ll_dsa_opts o;
	dsa_opts(c, &o);
	printf("JSON {\"systems\":%zu,\"trials\":%zu,\"time\":%zu,\"units\":%zu,\"delays\":%zu,\"rank\":%zu,"
	       "\"restarts\":%zu,\"max_iters\":%zu,\"tol\":%g,\"reps\":%d,\"matrix_reps\":%d,\"openblas\":\"%s\"",
	       c->N, c->K, c->T, c->U, c->delays, c->rank, o.restarts, o.max_iters, o.tol, c->reps, c->matrix_reps,
	       openblas_get_corename());
	print_figs_json("t1", 1, f1);
	if (fn)
		print_figs_json("tn", nt, fn);
	printf(",\"pair\":[0,1],\"pair_value\":%.9g,\"pair_iterations\":%zu,\"dsa\":", f1->pair_value,
	       f1->pair_iters);
	print_matrix_json(D, c->N);
	/* eigenvalues: the DMD agreement check (invariant to the basis' signs) */
	printf(",\"eigs\":[");
	for (size_t s = 0; s < c->N; s++) {
		printf("%s[", s ? "," : "");
		for (size_t i = 0; i < m[s].rank; i++)
			printf("%s[%.9g,%.9g]", i ? "," : "", m[s].eig[2 * i], m[s].eig[2 * i + 1]);
		putchar(']');
	}
	printf("]}\n");
}

static int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (*s == '-' || end == s || *end || v == 0)
		return -1;
	*out = (size_t)v;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: bench_dsa [-q] [-t THREADS] [--reps R] [--matrix-reps R] [--systems N]\n"
			"                 [--trials K] [--time T] [--units U] [--delays D] [--rank R]\n"
			"                 [--restarts S] [--max-iter I] [--dump DIR] [--json]\n");
	return 2;
}

int main(int argc, char **argv)
{
	cfg c = {.N = 10, .K = 20, .T = 100, .U = 50, .delays = 10, .rank = 30, .reps = 3, .matrix_reps = 1};
	ll_dsa_opts def;
	ll_dsa_opts_default(&def);
	c.restarts = def.restarts;
	c.max_iters = def.max_iters;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		size_t n = 0;
		if (!strcmp(a, "-q")) {
			c.reps = c.matrix_reps = 1;
		} else if (!strcmp(a, "--json")) {
			c.json = 1;
		} else if (!strcmp(a, "--dump") && v) {
			c.dump = v;
			i++;
		} else if (v && parse_size(v, &n) == 0 && n <= 1000000) {
			i++;
			if (!strcmp(a, "-t") || !strcmp(a, "--threads"))
				c.threads = (int)(n > 1024 ? 1024 : n);
			else if (!strcmp(a, "--reps"))
				c.reps = (int)(n > 1000 ? 1000 : n);
			else if (!strcmp(a, "--matrix-reps"))
				c.matrix_reps = (int)(n > 1000 ? 1000 : n);
			else if (!strcmp(a, "--systems"))
				c.N = n;
			else if (!strcmp(a, "--trials"))
				c.K = n;
			else if (!strcmp(a, "--time"))
				c.T = n;
			else if (!strcmp(a, "--units"))
				c.U = n;
			else if (!strcmp(a, "--delays"))
				c.delays = n;
			else if (!strcmp(a, "--rank"))
				c.rank = n;
			else if (!strcmp(a, "--restarts"))
				c.restarts = n;
			else if (!strcmp(a, "--max-iter"))
				c.max_iters = n;
			else
				return usage();
		} else {
			return usage();
		}
	}
	if (c.N < 2) {
		fprintf(stderr, "bench_dsa: --systems must be at least 2\n");
		return 2;
	}
	int nt = c.threads;
#ifdef _OPENMP
	if (nt <= 0)
		nt = omp_get_max_threads();
#else
	nt = 1;
#endif
	double **xs = xmalloc(c.N, sizeof *xs);
	for (size_t s = 0; s < c.N; s++) {
		xs[s] = xmalloc(c.K * c.T * c.U, sizeof **xs);
		make_system(&c, s, xs[s]);
	}
	ll_dsa_dmd *m1 = ll_calloc_array(c.N, sizeof *m1), *mn = ll_calloc_array(c.N, sizeof *mn);
	double *D1 = xmalloc(c.N * c.N, sizeof *D1), *Dn = xmalloc(c.N * c.N, sizeof *Dn);
	if (!m1 || !mn) {
		fprintf(stderr, "bench_dsa: out of memory\n");
		return 1;
	}
	figs f1, fn;
	measure(&c, xs, 1, &f1, D1, m1);
	if (c.dump && dump(&c, xs, m1) != 0)
		return 1;
	int same = 1;
	double maxdiff = 0;
	if (nt > 1) {
		measure(&c, xs, nt, &fn, Dn, mn);
		for (size_t i = 0; i < c.N * c.N; i++)
			maxdiff = fmax(maxdiff, fabs(D1[i] - Dn[i]));
		/* the same operators at 1 and nt threads, bit for bit (a few of
		 * them: the full matrix again would double the default run) */
		ll_dsa_opts o;
		ll_err e;
		dsa_opts(&c, &o);
		size_t n4 = c.N < 4 ? c.N : 4;
		double Da[16], Db[16];
		if (ll_dsa_all(m1, n4, &o, 1, Da, NULL, &e) != LL_OK || ll_dsa_all(m1, n4, &o, nt, Db, NULL, &e) != LL_OK)
			return die(&e);
		same = memcmp(Da, Db, n4 * n4 * sizeof *Da) == 0;
	}

	printf("bench_dsa: %zu systems of %zu trials x %zu steps x %zu units; %zu delays, rank %zu "
	       "(embedding %zu x %zu)\n",
	       c.N, c.K, c.T, c.U, c.delays, c.rank, c.K * ll_dsa_embed_rows(c.T, c.delays, 1), c.delays * c.U);
	printf("distance: %zu starts per component of O(n), <= %zu iterations each; OpenBLAS %s (%s)\n",
	       c.restarts, c.max_iters, openblas_get_corename(), openblas_get_config());
	printf("seconds (fit, pair: best of %d; matrix: best of %d) %6s %8s", c.reps, c.matrix_reps, "1 thread",
	       "(CPU)");
	if (nt > 1)
		printf(" %9d threads", nt);
	putchar('\n');
	const char *names[] = {"DMD fit (1 system)", "DSA compare (1 pair)", "one pair (2 fits + compare)",
			       "fits (all systems)", "all pairs (ll_dsa_all)", "matrix (fits + all pairs)"};
	const char *keys[] = {"dmd_fit", "compare", "pair", "fits", "all_pairs", "matrix"};
	const double v1[] = {f1.fit, f1.compare, f1.pair, f1.fits, f1.all, f1.matrix};
	const double vn[] = {fn.fit, fn.compare, fn.pair, fn.fits, fn.all, fn.matrix};
	const double c1[] = {f1.cfit, f1.ccompare, f1.cpair, f1.cfits, f1.call, f1.cmatrix};
	for (int k = 0; k < 6; k++) {
		printf("  %-48s %9.4f %8.4f", names[k], v1[k], c1[k]);
		if (nt > 1)
			printf(" %17.4f", vn[k]);
		putchar('\n');
	}
	printf("pair (0, 1): angular %.6f rad, %zu iterations over all starts\n", f1.pair_value, f1.pair_iters);
	printf("%zu x %zu DSA matrix (angular, rad; systems s and s + %d share their dynamics):\n", c.N, c.N,
	       CLASSES);
	for (size_t a = 0; a < c.N; a++) {
		for (size_t b = 0; b < c.N; b++)
			printf(" %6.3f", D1[a * c.N + b]);
		putchar('\n');
	}
	if (nt > 1)
		printf("ll_dsa_all on the same operators (systems 0-%zu) at 1 and %d threads: %s\n"
		       "the matrix from operators fitted at %d threads (OpenBLAS rounds otherwise): max |difference| "
		       "%.2g rad\n",
		       (c.N < 4 ? c.N : 4) - 1, nt, same ? "identical" : "DIFFERENT", nt, maxdiff);
	for (int k = 0; k < 6; k++) {
		printf("RESULT %s 1 %.6f\n", keys[k], v1[k]);
		if (nt > 1)
			printf("RESULT %s %d %.6f\n", keys[k], nt, vn[k]);
	}
	if (c.json)
		print_json(&c, m1, &f1, nt > 1 ? &fn : NULL, nt, D1);
	for (size_t s = 0; s < c.N; s++) {
		ll_free(xs[s]);
		ll_dsa_dmd_free(&m1[s]);
		ll_dsa_dmd_free(&mn[s]);
	}
	ll_free(xs);
	ll_free(m1);
	ll_free(mn);
	ll_free(D1);
	ll_free(Dn);
	return same ? 0 : 1;
}
