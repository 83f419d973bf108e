/*
 * latentlab tca: fit a CP ensemble (ranks x replicates) to an array file
 * and write every fit, a summary.json and a table.
 *
 * Order of work: parse options (usage errors, exit 2), read and validate
 * the data and the mask (exit 1, nothing written), create OUTDIR and check
 * it takes files, fit, then write the fits and finally summary.json, so a
 * summary.json on disk means the run finished.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_MPI
#include <mpi.h>
#endif

#include "base/ll_limits.h"
#include "cli/cmd.h"
#include "pipeline/ll_outdir.h"
#include "pipeline/ll_session.h"
#include "tensor/ll_ens.h"
#include "io/ll_ens_io.h"
#include "io/ll_ens_shard.h"
#include "base/ll_fs.h"
#include "io/ll_npy.h"

static void tca_usage(FILE *fp)
{
	fputs("usage: latentlab tca DATA -o OUTDIR [OPTIONS]\n"
	      "\n"
	      "Tensor component analysis: fit CP (PARAFAC) models to DATA for a range of\n"
	      "ranks, several replicates per rank from different random starts, and write\n"
	      "every fit plus OUTDIR/summary.json.  DATA is a .npy, .npz (FILE.npz:MEMBER\n"
	      "picks a member) or IDX file holding a 2- to 8-way array, e.g.\n"
	      "neurons x time x trials.  NaN entries count as missing.\n"
	      "\n"
	      "options:\n"
	      "  -o, --output OUTDIR   write the results here (created if needed; required)\n"
	      "  -r, --ranks A-B|R     ranks to fit (default 1-8)\n"
	      "  -n, --replicates N    fits per rank (default 4)\n"
	      "  -m, --method M        cp-als (default), ncp-hals or ncp-bcd (non-negative),\n"
	      "                        or cp-apr (Poisson, for counts: spike counts)\n"
	      "      --mask FILE       0/1 array shaped like DATA; 0 marks a missing entry\n"
	      "      --tol T           stop when the objective improves by less than T\n"
	      "                        (default 1e-6)\n"
	      "      --max-iter N      iterations per fit at most (default 500)\n"
	      "  -s, --seed S          base seed; replicate seeds derive from it (default 0)\n"
	      "      --init I          random (default), svd, or a model to start from (a\n"
	      "                        warm start): a fit's folder OUTDIR/rank_RR/rep_KK, a\n"
	      "                        rank's folder (its best fit), or an .npz with\n"
	      "                        factor_0..factor_N-1 and lambda; ranks default to\n"
	      "                        the model's, replicates to 1\n"
	      "      --fix-modes LIST  keep these factors (0-based, e.g. 0,2) exactly as\n"
	      "                        the --init model has them; fit the others\n"
	      "      --ridge A         ncp-hals/ncp-bcd: add A/2 sum ||U_n||^2 to the loss\n"
	      "      --l1 B            ncp-hals/ncp-bcd: add B sum ||U_n||_1 over the\n"
	      "                        --l1-modes (sparse factors; default every mode)\n"
	      "      --l1-modes LIST   the modes --l1 applies to (e.g. 0: sparse neurons;\n"
	      "                        needs --ridge > 0 unless every mode is listed)\n"
	      "      --sim S           similarity to the best fit: mean-cos (default),\n"
	      "                        tomasi-bro or congruence\n"
	      "      --select RULE     choose a rank and say why: elbow (of the error) or\n"
	      "                        cv (held-out error; implies --cv-folds 5)\n"
	      "      --cv-folds K      cross-validate: deal the observed entries at random\n"
	      "                        into K folds (2-100), hold each out in turn and\n"
	      "                        report the held-out error per rank (default 0: none)\n"
	      "      --cv-replicates N fits per rank and fold (default: --replicates, at\n"
	      "                        most 2: only the best is scored)\n"
	      "  -j, --threads N       fit ranks concurrently on N threads (default 0:\n"
	      "                        automatic, the CPUs free to latentlab; see\n"
	      "                        'latentlab info --threads')\n"
	      "      --no-fuse         fit replicates one at a time, not in one batch\n"
	      "      --float32         single precision: keep DATA as float32 (a float32\n"
	      "                        .npy is memory-mapped, not copied) and read it so in\n"
	      "                        every pass (half the memory and bandwidth); the\n"
	      "                        factor algebra stays double.  cp-als, ncp-hals and\n"
	      "                        ncp-bcd with --init random or a model; no --mask,\n"
	      "                        NaN entries or --cv-folds\n"
	      "  -v, --verbose         say the precision, the tensor's bytes and the peak\n"
	      "                        memory of the run beside them on stderr\n"
	      "      --shard K/N       fit only shard K (0 to N-1) of the ensemble's units\n"
	      "                        into OUTDIR (a cluster job; 'latentlab merge' puts\n"
	      "                        the N shards together).  Without it, a Slurm array\n"
	      "                        task is shard SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN\n"
	      "                        of SLURM_ARRAY_TASK_COUNT; --shard all fits everything\n"
	      "      --mpi             under mpirun -n P: rank 0 hands the units out to the\n"
	      "                        other ranks as they finish, gathers the fits and\n"
	      "                        writes OUTDIR as one run does (needs a build with\n"
	      "                        ./configure --with-mpi)\n"
	      "  -q, --quiet           no progress line on stderr\n"
	      "      --force           write into a non-empty folder latentlab did not make\n"
	      "                        (beside what is there; latentlab never removes it)\n"
	      "      --max-input-bytes N  refuse DATA or --mask if they decode to more than N\n"
	      "                        bytes (K, M, G suffixes; default: half the memory)\n"
	      "  -h, --help            show this help\n"
	      "\n"
	      "Writes OUTDIR/rank_RR/rep_KK/{lambda,factor_0..factor_N-1,hist}.npy (rep_00 is\n"
	      "the best fit of its rank) and OUTDIR/summary.json, written last (a shard:\n"
	      "OUTDIR/units/ and OUTDIR/shard.txt).  A rerun replaces the rank_RR folders\n"
	      "latentlab wrote, and no others.  Exit status:\n"
	      "0 success, 1 error, 2 usage error.\n",
	      fp);
}

/* Strict unsigned decimal: digits only, no sign, no overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
	if (!s || !*s)
		return 0;
	uint64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return 1;
}

static int parse_size(const char *s, size_t *out, size_t lo, size_t hi)
{
	uint64_t v;
	if (!parse_u64(s, &v) || v < lo || v > hi)
		return 0;
	*out = (size_t)v;
	return 1;
}

#define MAX_RANK 10000

/* "R" or "A-B" with 1 <= A <= B */
/* "R" or "A-B" (the one range parser the session files use too) */
static int parse_ranks(const char *s, size_t *lo, size_t *hi)
{
	long a, b;
	if (!ll_parse_range(s, &a, &b) || a < 1 || b > MAX_RANK || a > b)
		return 0;
	*lo = (size_t)a;
	*hi = (size_t)b;
	return 1;
}

/* ---- progress line ---------------------------------------------------------- */

typedef struct tca_prog {
	double t0, last;
	size_t rank_hi;
	int shown;
} tca_prog;

static int tca_progress(void *ud, const ll_progress *p)
{
	tca_prog *tp = ud;
	double now = ll_now();
	if (tp->shown && now - tp->last < 0.1 && p->frac < 1.0)
		return 0;
	tp->last = now;
	tp->shown = 1;
	char detail[64];
	snprintf(detail, sizeof detail, "%s", p->detail ? p->detail : "");
	fprintf(stderr, "\r[%s/%zu] %s %3.0f%% %.1f s\033[K", p->stage ? p->stage : "", tp->rank_hi,
		detail, 100.0 * (p->frac < 0 ? 0 : p->frac), now - tp->t0);
	fflush(stderr);
	return 0;
}

/* ---- helpers ---------------------------------------------------------------- */

/* "(2, 0, 7)" for linear index lin of X */
static void index_str(const ll_tensor *X, size_t lin, char *buf, size_t n)
{
	size_t idx[LL_MAX_MODES], off = 0;
	for (int k = X->nmodes - 1; k >= 0; k--) {
		idx[k] = lin % X->dim[k];
		lin /= X->dim[k];
	}
	buf[0] = '\0';
	for (int k = 0; k < X->nmodes && off < n; k++)
		off += (size_t)snprintf(buf + off, n - off, "%s%zu", k ? ", " : "(", idx[k]);
	if (off < n)
		snprintf(buf + off, n - off, ")");
}

/* The message of err, without a leading "cp: " (the command names the
 * file instead). */
static const char *bare(const ll_err *err)
{
	return strncmp(err->msg, "cp: ", 4) ? err->msg : err->msg + 4;
}

static void print_table(const char *data, const char *outdir, const ll_ensemble *e,
			size_t chosen, const char *reason)
{
	char shape[128];
	const ll_ens_opts *o = &e->opts;
	ll_tensor t = {0};
	t.nmodes = e->nmodes;
	memcpy(t.dim, e->dim, sizeof t.dim);
	printf("%s: %s, %s%s, %zu replicate%s per rank, seed %llu\n", data,
	       ll_tensor_shape_str(&t, shape, sizeof shape), ll_cp_method_name(o->cp.method),
	       e->single ? " in single precision" : "",
	       o->replicates, o->replicates == 1 ? "" : "s", (unsigned long long)o->seed);
	printf("similarity: %s = %s;\n  mean/min sim: the other replicates against the best\n",
	       ll_sim_name(e->sim), ll_sim_describe(e->sim));
	printf("  at best: fits whose objective is within %g of their rank's best\n", LL_ENS_AT_BEST_TOL);
	if (o->cp.method == LL_CP_APR)
		printf("cp-apr: fits are ranked by their Poisson deviance (summary.json: deviance);\n"
		       "  obj = the least-squares error, to compare with the other methods\n");
	char m1[64], m2[64];
	if (e->warm_start || o->cp.fixed_modes)
		printf("started from a given model%s%s\n", o->cp.fixed_modes ? "; fixed modes " : "",
		       o->cp.fixed_modes ? ll_cp_modes_str(o->cp.fixed_modes, m1, sizeof m1) : "");
	if (o->cp.ridge > 0.0 || o->cp.l1 > 0.0) {
		printf("regularised: ridge %g, l1 %g on modes %s; obj = the plain error, the fits are\n"
		       "  ranked by the penalised objective (summary.json: objective_penalized)\n",
		       o->cp.ridge, o->cp.l1,
		       o->cp.l1 > 0.0 ? (o->cp.l1_modes ? ll_cp_modes_str(o->cp.l1_modes, m2, sizeof m2) : "all")
				      : "none");
	}
	if (e->cv_folds)
		printf("  cv test/train: held-out and training error over %zu folds (mean; +- one "
		       "standard error)\n", e->cv_folds);
	printf("%4s  %12s  %12s  %8s  %8s  %7s  %6s  %9s", "rank", "best obj", "median obj",
	       "mean sim", "min sim", "at best", "iters", "seconds");
	if (e->cv_folds)
		printf("  %17s  %8s", "cv test", "cv train");
	printf("\n");
	for (size_t ri = 0; ri < e->nranks; ri++) {
		const ll_ens_rank *er = &e->ranks[ri];
		ll_ens_stats st;
		if (ll_ens_rank_stats(er, &st, NULL) != LL_OK)
			continue;
		char ms[16], mn[16];
		if (isnan(st.mean_sim)) {
			snprintf(ms, sizeof ms, "-");
			snprintf(mn, sizeof mn, "-");
		} else {
			snprintf(ms, sizeof ms, "%.4f", st.mean_sim);
			snprintf(mn, sizeof mn, "%.4f", st.min_sim);
		}
		char ab[24];
		snprintf(ab, sizeof ab, "%zu/%zu", st.at_best, er->nrep);
		printf("%4zu  %12.6g  %12.6g  %8s  %8s  %7s  %6.0f  %9.2f", er->rank, st.best, st.median,
		       ms, mn, ab, st.median_iters, er->seconds);
		if (e->cv_folds)
			printf("  %8.6f +- %5.4f  %8.6f", er->cv_test_mean, er->cv_test_se, er->cv_train_mean);
		printf("%s\n", er->rank == chosen ? "  <" : "");
	}
	if (chosen)
		printf("rank %zu chosen: %s\n", chosen, reason);
	printf("total %.2f s; results in %s\n", e->seconds, outdir);
}

/* Peak resident memory of this process so far, in bytes: VmHWM from
 * /proc/self/status (mapped file pages that were touched count, as they
 * should), else getrusage's ru_maxrss (KiB on Linux); 0 if neither says. */
static size_t peak_rss(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long kb = 0;
	int found = 0;
	while (fp && fgets(line, sizeof line, fp))
		if (sscanf(line, "VmHWM: %llu kB", &kb) == 1) {
			found = 1;
			break;
		}
	if (fp)
		fclose(fp);
	if (!found) {
		struct rusage ru;
		if (getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_maxrss > 0)
			kb = (unsigned long long)ru.ru_maxrss;
	}
	return (size_t)(kb * 1024ull);
}

static double mib(size_t b)
{
	return (double)b / 1048576.0;
}

/* --verbose: what the fit held against what it peaked at.  "factors" are
 * the largest batch's stacked factor matrices (the model the issue's
 * 1.2x budget counts beside the tensor); the MTTKRP's partial products
 * and the libraries are the rest. */
static void report_memory(const ll_tensor *X, const ll_ens_opts *o, int mapped)
{
	size_t tb = ll_tensor_bytes(X), sumdim = 0, peak = peak_rss();
	for (int n = 0; n < X->nmodes; n++)
		sumdim += X->dim[n];
	size_t cols = o->rank_hi * (o->fused ? o->replicates : 1);
	size_t fb = sumdim * cols * sizeof(double);
	fprintf(stderr, "latentlab: tca: precision %s; tensor %.1f MiB (%s%s), factors %.1f MiB "
		"(%zu columns)\n", X->data ? "double" : "single", mib(tb), X->data ? "float64" : "float32",
		mapped ? ", memory-mapped" : "", mib(fb), cols);
	fprintf(stderr, "latentlab: tca: peak memory %.1f MiB = %.3fx the tensor, %.3fx tensor + factors\n",
		mib(peak), tb ? (double)peak / (double)tb : 0.0,
		tb + fb ? (double)peak / (double)(tb + fb) : 0.0);
}

/* ---- the command ------------------------------------------------------------ */

enum { OPT_MASK = 256, OPT_TOL, OPT_MAXITER, OPT_INIT, OPT_SIM, OPT_NOFUSE, OPT_FORCE, OPT_MAXIN,
       OPT_SELECT, OPT_CVFOLDS, OPT_CVREPS, OPT_FIX, OPT_RIDGE, OPT_L1, OPT_L1MODES, OPT_SHARD, OPT_MPI, OPT_F32 };

/* ---- shards ------------------------------------------------------------------ */

typedef struct tca_shard {
	size_t k, n; /* shard k (0-based) of n; n = 0: the whole ensemble */
} tca_shard;

/* Units go to shards round robin: unit u to shard u mod n (the ranks'
 * costs grow with the rank, so every shard gets small and large ones). */
static int shard_want(void *ud, size_t unit)
{
	const tca_shard *sh = ud;
	return unit % sh->n == sh->k;
}

/* "K/N" with 0 <= K < N, or "all" (n = 0) */
static int parse_shard(const char *s, tca_shard *sh)
{
	if (!strcmp(s, "all")) {
		sh->k = sh->n = 0;
		return 1;
	}
	const char *slash = strchr(s, '/');
	char kbuf[32];
	uint64_t k, n;
	if (!slash || (size_t)(slash - s) >= sizeof kbuf)
		return 0;
	memcpy(kbuf, s, (size_t)(slash - s));
	kbuf[slash - s] = '\0';
	if (!parse_u64(kbuf, &k) || !parse_u64(slash + 1, &n) || n < 1 || n > 1000000 || k >= n)
		return 0;
	sh->k = (size_t)k;
	sh->n = (size_t)n;
	return 1;
}

/* The shard of a Slurm array task: (SLURM_ARRAY_TASK_ID - MIN) / STEP of
 * SLURM_ARRAY_TASK_COUNT (Slurm's ids start at MIN, any number, and step
 * by STEP).  0 with *sh set (n = 0 outside an array job), or 2 after a
 * usage error naming the variable. */
static int slurm_shard(tca_shard *sh)
{
	const char *id = getenv("SLURM_ARRAY_TASK_ID"), *cnt = getenv("SLURM_ARRAY_TASK_COUNT");
	const char *mn = getenv("SLURM_ARRAY_TASK_MIN"), *st = getenv("SLURM_ARRAY_TASK_STEP");
	uint64_t i, n, m = 0, step = 1;
	sh->k = sh->n = 0;
	if (!id || !*id)
		return 0;
	if (!parse_u64(id, &i))
		return cmd_usage_error("tca", "SLURM_ARRAY_TASK_ID: expected a task number, got '%s'", id);
	if (!cnt || !parse_u64(cnt, &n) || n < 1 || n > 1000000)
		return cmd_usage_error("tca", "SLURM_ARRAY_TASK_COUNT: expected the array's task count with "
				   "SLURM_ARRAY_TASK_ID set, got '%s'", cnt ? cnt : "(unset)");
	if (mn && *mn && !parse_u64(mn, &m))
		return cmd_usage_error("tca", "SLURM_ARRAY_TASK_MIN: expected a task number, got '%s'", mn);
	if (st && *st && (!parse_u64(st, &step) || step < 1))
		return cmd_usage_error("tca", "SLURM_ARRAY_TASK_STEP: expected a step >= 1, got '%s'", st);
	if (i < m || (i - m) % step != 0 || (i - m) / step >= n)
		return cmd_usage_error("tca", "SLURM_ARRAY_TASK_ID %s is not one of the %s tasks from "
				   "SLURM_ARRAY_TASK_MIN %s in steps of %llu (give --shard K/N)",
				   id, cnt, mn && *mn ? mn : "0", (unsigned long long)step);
	sh->k = (size_t)((i - m) / step);
	sh->n = (size_t)n;
	return 0;
}

static uint64_t model_hash(const ll_ktensor *K)
{
	if (!K->lambda)
		return 0;
	uint64_t h = ll_shard_hash(K->lambda, K->rank, LL_SHARD_HASH0);
	for (int n = 0; n < K->nmodes; n++)
		h = ll_shard_hash(K->U[n], K->dim[n] * K->rank, h);
	return h;
}

/* ---- MPI: rank 0 hands out units, the others fit them ---------------------------- */

#ifdef HAVE_MPI
enum { TAG_READY = 1, TAG_RESULT, TAG_FAIL, TAG_WORK, TAG_STOP };

typedef struct tca_mpi {
	int on, rank, size;
	int synced;   /* tca_mpi_sync called */
} tca_mpi;

static int want_none(void *ud, size_t unit)
{
	(void)ud;
	(void)unit;
	return 0;
}

static int want_one(void *ud, size_t unit)
{
	return unit == *(const size_t *)ud;
}

/* Every rank calls this once, when its checks are done (ok = 1) or have
 * failed (ok = 0): 1 when every rank is ready.  Rank 0 names a worker
 * that failed (a worker's own error would be one line per rank). */
static int tca_mpi_sync(tca_mpi *mp, int ok, const char *data)
{
	mp->synced = 1;
	int *oks = mp->rank == 0 ? ll_calloc_array((size_t)mp->size, sizeof *oks) : NULL;
	MPI_Gather(&ok, 1, MPI_INT, oks, 1, MPI_INT, 0, MPI_COMM_WORLD);
	int all = ok;
	if (mp->rank == 0) {
		for (int r = 1; r < mp->size; r++)
			if (oks && !oks[r] && all) {
				all = 0;
				cmd_error("%s: --mpi: rank %d could not read or check the data (run it alone to "
					  "see why)", data, r);
			}
		if (!oks)
			all = 0;
	}
	ll_free(oks);
	MPI_Bcast(&all, 1, MPI_INT, 0, MPI_COMM_WORLD);
	return all;
}

/* A worker: ask rank 0 for units until told to stop; fit each alone (the
 * thread layout of the whole plan, so the bits of one run) and send its
 * results back.  0, or 1 after a failure (sent to rank 0, which says it). */
static int tca_mpi_worker(const ll_tensor *X, ll_ens_opts o)
{
	int status = 0;
	MPI_Send(NULL, 0, MPI_DOUBLE, 0, TAG_READY, MPI_COMM_WORLD);
	for (;;) {
		unsigned long long uu;
		MPI_Status st;
		MPI_Recv(&uu, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
		if (st.MPI_TAG == TAG_STOP)
			break;
		size_t u = (size_t)uu;
		ll_ens_opts wo = o;
		wo.want = want_one;
		wo.want_ud = &u;
		ll_ensemble e;
		ll_err err;
		ll_err_clear(&err);
		double *buf = NULL;
		size_t n = 0;
		int rc = ll_ens_fit(X, &wo, &e, &err);
		if (rc == LL_OK)
			rc = ll_shard_pack(&e, u, &buf, &n, &err);
		ll_ens_free(&e);
		double *msg = rc == LL_OK ? ll_malloc_array(n + 1, sizeof *msg) : NULL;
		if (rc == LL_OK && !msg)
			rc = ll_err_oom(&err);
		if (rc == LL_OK && n + 1 <= (size_t)INT_MAX) {
			msg[0] = (double)u;
			memcpy(msg + 1, buf, n * sizeof *buf);
			MPI_Send(msg, (int)(n + 1), MPI_DOUBLE, 0, TAG_RESULT, MPI_COMM_WORLD);
		} else {
			if (rc == LL_OK)
				ll_err_set(&err, LL_ENOMEM, "unit %zu: too large for one message", u);
			MPI_Send(err.msg, (int)strlen(err.msg) + 1, MPI_CHAR, 0, TAG_FAIL, MPI_COMM_WORLD);
			status = 1;
		}
		ll_free(msg);
		ll_free(buf);
	}
	return status;
}

/* Rank 0: the ensemble's skeleton (no unit fitted), then units handed out
 * as workers ask, results put in, finished.  Like ll_ens_fit. */
static int tca_mpi_master(const ll_tensor *X, const ll_ens_opts *o, const tca_mpi *mp, ll_ensemble *e,
			  ll_err *err)
{
	ll_ens_opts mo = *o;
	mo.want = want_none;
	mo.progress = NULL;
	double t0 = ll_now();
	int rc = ll_ens_fit(X, &mo, e, err);
	if (rc != LL_OK)
		memset(e, 0, sizeof *e);
	size_t total = ll_ens_nunits(o), next = 0;
	int active = mp->size - 1, failed = rc != LL_OK;
	double *buf = NULL;
	while (active > 0) {
		MPI_Status st;
		int cnt = 0;
		MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
		if (st.MPI_TAG == TAG_FAIL) {
			char msg[sizeof err->msg];
			MPI_Get_count(&st, MPI_CHAR, &cnt);
			char *m = ll_malloc(cnt > 0 ? (size_t)cnt : 1);
			MPI_Recv(m, cnt, MPI_CHAR, st.MPI_SOURCE, TAG_FAIL, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			snprintf(msg, sizeof msg, "%.*s", cnt, m ? m : "out of memory");
			ll_free(m);
			if (!failed)
				rc = ll_err_set(err, LL_EINVAL, "%s (MPI rank %d)", msg, st.MPI_SOURCE);
			failed = 1;
		} else {
			MPI_Get_count(&st, MPI_DOUBLE, &cnt);
			buf = ll_malloc_array(cnt > 0 ? (size_t)cnt : 1, sizeof *buf);
			MPI_Recv(buf, buf ? cnt : 0, MPI_DOUBLE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD,
				 MPI_STATUS_IGNORE);
			if (st.MPI_TAG == TAG_RESULT && !failed) {
				int r2 = !buf ? ll_err_oom(err)
				       : cnt < 1 ? ll_err_set(err, LL_EFORMAT, "MPI rank %d sent an empty result", st.MPI_SOURCE)
				       : ll_shard_unpack(e, (size_t)buf[0], buf + 1, (size_t)cnt - 1, err);
				if (r2 != LL_OK) {
					rc = r2;
					failed = 1;
				}
			}
			ll_free(buf);
			buf = NULL;
		}
		unsigned long long uu = next;
		if (!failed && next < total) {
			MPI_Send(&uu, 1, MPI_UNSIGNED_LONG_LONG, st.MPI_SOURCE, TAG_WORK, MPI_COMM_WORLD);
			next++;
		} else {
			MPI_Send(&uu, 1, MPI_UNSIGNED_LONG_LONG, st.MPI_SOURCE, TAG_STOP, MPI_COMM_WORLD);
			active--;
		}
	}
	if (!failed)
		rc = ll_ens_finish(e, err);
	if (rc != LL_OK) {
		ll_ens_free(e);
		return rc;
	}
	e->seconds = ll_now() - t0;
	return LL_OK;
}
#endif

/* --ridge / --l1: a finite number >= 0 */
static int parse_penalty(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end || errno || !(v >= 0.0) || !isfinite(v))
		return 0;
	*out = v;
	return 1;
}

static int cmd_tca(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"ranks", required_argument, NULL, 'r'},
		{"replicates", required_argument, NULL, 'n'},
		{"method", required_argument, NULL, 'm'},
		{"mask", required_argument, NULL, OPT_MASK},
		{"tol", required_argument, NULL, OPT_TOL},
		{"max-iter", required_argument, NULL, OPT_MAXITER},
		{"seed", required_argument, NULL, 's'},
		{"init", required_argument, NULL, OPT_INIT},
		{"sim", required_argument, NULL, OPT_SIM},
		{"threads", required_argument, NULL, 'j'},
		{"select", required_argument, NULL, OPT_SELECT},
		{"cv-folds", required_argument, NULL, OPT_CVFOLDS},
		{"cv-replicates", required_argument, NULL, OPT_CVREPS},
		{"fix-modes", required_argument, NULL, OPT_FIX},
		{"ridge", required_argument, NULL, OPT_RIDGE},
		{"l1", required_argument, NULL, OPT_L1},
		{"l1-modes", required_argument, NULL, OPT_L1MODES},
		{"no-fuse", no_argument, NULL, OPT_NOFUSE},
		{"float32", no_argument, NULL, OPT_F32},
		{"verbose", no_argument, NULL, 'v'},
		{"shard", required_argument, NULL, OPT_SHARD},
		{"mpi", no_argument, NULL, OPT_MPI},
		{"quiet", no_argument, NULL, 'q'},
		{"force", no_argument, NULL, OPT_FORCE},
		{"max-input-bytes", required_argument, NULL, OPT_MAXIN},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	ll_ens_opts o;
	ll_ens_opts_default(&o);
	const char *outdir = NULL, *maskfile = NULL, *initfile = NULL;
	int quiet = 0, force = 0, c, select = 0, ranks_set = 0, reps_set = 0, shard_set = 0;
	tca_shard shard = {0, 0};
	int use_mpi = 0, single = 0, verbose = 0;
	ll_rank_rule rule = LL_RANK_ELBOW;
	size_t v;
	uint64_t u;
	char *end;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:r:n:m:s:j:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			outdir = optarg;
			break;
		case 'r':
			if (!parse_ranks(optarg, &o.rank_lo, &o.rank_hi))
				return cmd_usage_error("tca", "--ranks: expected R or A-B with 1 <= A <= B <= 10000, got '%s'",
						   optarg);
			ranks_set = 1;
			break;
		case 'n':
			if (!parse_size(optarg, &o.replicates, 1, 100000))
				return cmd_usage_error("tca", "--replicates: expected a count from 1 to 100000, got '%s'",
						   optarg);
			reps_set = 1;
			break;
		case 'm':
			if (ll_cp_method_parse(optarg, &o.cp.method) != LL_OK)
				return cmd_usage_error("tca", "--method: expected cp-als, ncp-hals, ncp-bcd or cp-apr, got '%s'",
						   optarg);
			break;
		case OPT_MASK:
			maskfile = optarg;
			break;
		case OPT_TOL:
			errno = 0;
			o.cp.tol = strtod(optarg, &end);
			if (end == optarg || *end || errno || !(o.cp.tol > 0) || !isfinite(o.cp.tol))
				return cmd_usage_error("tca", "--tol: expected a positive number, got '%s'", optarg);
			break;
		case OPT_MAXITER:
			if (!parse_size(optarg, &v, 1, INT_MAX))
				return cmd_usage_error("tca", "--max-iter: expected a positive integer, got '%s'", optarg);
			o.cp.max_iter = (int)v;
			break;
		case 's':
			if (!parse_u64(optarg, &u))
				return cmd_usage_error("tca", "--seed: expected an integer from 0 to 18446744073709551615, got '%s'",
						   optarg);
			o.seed = u;
			break;
		case OPT_INIT:
			if (!strcmp(optarg, "random"))
				o.cp.init = LL_CP_INIT_RANDOM;
			else if (!strcmp(optarg, "svd"))
				o.cp.init = LL_CP_INIT_SVD;
			else if (*optarg && access(optarg, F_OK) == 0)
				initfile = optarg; /* read with the data, below */
			else
				return cmd_usage_error("tca", "--init: expected random, svd or a model (a fit's "
						   "folder, a rank's folder or an .npz), got '%s'", optarg);
			break;
		case OPT_FIX:
			if (ll_cp_modes_parse(optarg, &o.cp.fixed_modes) != LL_OK)
				return cmd_usage_error("tca", "--fix-modes: expected modes numbered from 0, e.g. 0,2, got '%s'",
						   optarg);
			break;
		case OPT_L1MODES:
			if (ll_cp_modes_parse(optarg, &o.cp.l1_modes) != LL_OK)
				return cmd_usage_error("tca", "--l1-modes: expected modes numbered from 0, e.g. 0, got '%s'",
						   optarg);
			break;
		case OPT_RIDGE:
			if (!parse_penalty(optarg, &o.cp.ridge))
				return cmd_usage_error("tca", "--ridge: expected a number >= 0, got '%s'", optarg);
			break;
		case OPT_L1:
			if (!parse_penalty(optarg, &o.cp.l1))
				return cmd_usage_error("tca", "--l1: expected a number >= 0, got '%s'", optarg);
			break;
		case OPT_SIM:
			if (ll_sim_parse(optarg, &o.sim) != LL_OK)
				return cmd_usage_error("tca", "--sim: expected mean-cos, tomasi-bro or congruence, got '%s'",
						   optarg);
			break;
		case 'j':
			if (!parse_size(optarg, &v, 0, 1024))
				return cmd_usage_error("tca", "--threads: expected a count from 0 to 1024, got '%s'", optarg);
			o.threads = (int)v;
			break;
		case OPT_SELECT:
			if (ll_rank_rule_parse(optarg, &rule) != LL_OK)
				return cmd_usage_error("tca", "--select: expected elbow or cv, got '%s'", optarg);
			select = 1;
			break;
		case OPT_CVFOLDS:
			if (!parse_size(optarg, &v, 0, LL_ENS_CV_MAX_FOLDS) || v == 1)
				return cmd_usage_error("tca", "--cv-folds: expected 0 (none) or a count from 2 to %d, got '%s'",
						   LL_ENS_CV_MAX_FOLDS, optarg);
			o.cv_folds = v;
			break;
		case OPT_CVREPS:
			if (!parse_size(optarg, &v, 1, 100000))
				return cmd_usage_error("tca", "--cv-replicates: expected a count from 1 to 100000, got '%s'",
						   optarg);
			o.cv_replicates = v;
			break;
		case OPT_NOFUSE:
			o.fused = 0;
			break;
		case OPT_F32:
			single = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case OPT_SHARD:
			if (!parse_shard(optarg, &shard))
				return cmd_usage_error("tca", "--shard: expected K/N with 0 <= K < N (shards are "
						   "numbered from 0) or all, got '%s'", optarg);
			shard_set = 1;
			break;
		case OPT_MPI:
#ifdef HAVE_MPI
			use_mpi = 1;
			break;
#else
			return cmd_usage_error("tca", "%s", "--mpi: this latentlab was built without MPI "
					   "(./configure --with-mpi)");
#endif
		case 'q':
			quiet = 1;
			break;
		case OPT_FORCE:
			force = 1;
			break;
		case OPT_MAXIN:
			if (cmd_parse_bytes("tca", "--max-input-bytes", optarg, &v) != 0)
				return 2;
			ll_input_limit_set(v);
			break;
		case 'h':
			tca_usage(stdout);
			return 0;
		default:
			return cmd_bad_option("tca", c, argv);
		}
	}
	if (optind >= argc)
		return cmd_usage_error("tca", "%s", "missing DATA file");
	if (argc - optind > 1)
		return cmd_usage_error("tca", "unexpected argument '%s' (one DATA file only)", argv[optind + 1]);
	if (!outdir || !*outdir)
		return cmd_usage_error("tca", "%s", "missing -o OUTDIR");
	const char *data = argv[optind];
	int rc0;
	if (select && rule == LL_RANK_CV && o.cv_folds == 0)
		o.cv_folds = 5;
	if (o.cp.fixed_modes && !initfile)
		return cmd_usage_error("tca", "%s", "--fix-modes needs --init MODEL: the fixed factors are taken from it");
	/* the paths that read the data as doubles: refused before reading */
	if (single && o.cp.method == LL_CP_APR)
		return cmd_usage_error("tca", "%s", "--float32 does not support cp-apr (its Poisson updates "
				       "read the data in double)");
	if (single && maskfile)
		return cmd_usage_error("tca", "%s", "--float32 does not support --mask (missing entries are "
				       "fitted in double)");
	if (single && o.cv_folds > 0)
		return cmd_usage_error("tca", "%s", "--float32 does not support cross-validation (held-out "
				       "entries are fitted as missing data, in double)");
	if (single && o.cp.init == LL_CP_INIT_SVD && !initfile)
		return cmd_usage_error("tca", "%s", "--float32 does not support --init svd: use --init random");
	if (use_mpi && shard_set && shard.n)
		return cmd_usage_error("tca", "%s", "--mpi and --shard do not mix: MPI hands the units out itself");
	/* under --mpi the Slurm array variables are not ours to read */
	if (!shard_set && !use_mpi && (rc0 = slurm_shard(&shard)) != 0)
		return rc0;
#ifdef HAVE_MPI
	tca_mpi mp = {0, 0, 1, 0};
	if (use_mpi) {
		MPI_Init(NULL, NULL);
		MPI_Comm_rank(MPI_COMM_WORLD, &mp.rank);
		MPI_Comm_size(MPI_COMM_WORLD, &mp.size);
		mp.on = 1;
		if (mp.rank > 0) {
			/* rank 0 speaks for the run: the workers' errors reach it
			 * as messages, not as one line per rank on stderr */
			quiet = 1;
			if (!freopen("/dev/null", "w", stderr))
				quiet = 1;
		}
	}
#else
	(void)use_mpi;
#endif
	cmd_threads(o.threads);

	/* read and check everything before writing anything */
	ll_err err;
	ll_err_clear(&err);
	ll_tensor X = {0}, M = {0};
	ll_ktensor K0 = {0};
	ll_array_info info, minfo;
	ll_ensemble e = {0};
	int rc, status = 1, wrote = 0;
	ll_outdir od = LL_OUTDIR_INIT;
	char s1[128], s2[128];
	if ((rc = single ? ll_array_read_f32(data, &X, &info, &err)
			 : ll_array_read(data, &X, &info, &err)) != LL_OK) {
		cmd_error("%s", err.msg);
		goto out;
	}
	if (maskfile) {
		if ((rc = ll_array_read(maskfile, &M, &minfo, &err)) != LL_OK) {
			cmd_error("%s", err.msg);
			goto out;
		}
		if (!ll_tensor_same_shape(&M, &X)) {
			cmd_error("%s: mask shape %s does not match data shape %s (%s)", maskfile,
				  ll_tensor_shape_str(&M, s1, sizeof s1),
				  ll_tensor_shape_str(&X, s2, sizeof s2), data);
			goto out;
		}
		for (size_t i = 0; i < M.size; i++)
			if (M.data[i] != 0.0 && M.data[i] != 1.0) {
				index_str(&M, i, s1, sizeof s1);
				cmd_error("%s: mask entry %s is %g; a mask holds only 0 (missing) or 1 (observed)",
					  maskfile, s1, M.data[i]);
				goto out;
			}
		o.cp.mask = &M;
	}
	if (initfile) {
		if ((rc = ll_ens_read_model(initfile, &K0, &err)) != LL_OK) {
			cmd_error("--init: %s", err.msg);
			goto out;
		}
		if (!ranks_set)
			o.rank_lo = o.rank_hi = K0.rank;
		if (!reps_set)
			o.replicates = 1;
		if (o.rank_lo != K0.rank || o.rank_hi != K0.rank) {
			cmd_error("--init: %s has rank %zu; --ranks must be %zu", initfile, K0.rank, K0.rank);
			goto out;
		}
		o.cp.init_model = &K0;
	}
	ll_cp_opts co = o.cp;
	co.rank = o.rank_hi;
	if ((rc = ll_cp_check(&X, &co, &err)) != LL_OK) {
		if (initfile && strstr(err.msg, "starting model"))
			cmd_error("%s: %s (--init %s)", data, bare(&err), initfile);
		else
			cmd_error("%s: %s", data, bare(&err));
		goto out;
	}
#ifdef HAVE_MPI
	if (mp.on && mp.rank > 0) {
		/* a worker: no OUTDIR, units from rank 0 */
		if (tca_mpi_sync(&mp, 1, data))
			status = tca_mpi_worker(&X, o);
		goto out;
	}
#endif
	/* OUTDIR: ours (or forced beside the user's files), one writer; a
	 * refusal or a read-only folder fails here, not after the fits */
	static const char *const names[] = {"summary.json", NULL};
	static const char *const shard_names[] = {LL_SHARD_MANIFEST, "units", NULL};
	const char *finished_name = shard.n ? LL_SHARD_MANIFEST : "summary.json";
	char *what = cmd_join_args(argc, argv);
	rc = ll_outdir_open(&od, outdir, shard.n ? shard_names : names, force ? LL_OUTDIR_FORCE : 0,
			    what ? what : "latentlab tca", &err);
	ll_free(what);
	if (rc != LL_OK) {
		cmd_error("%s", err.msg);
		goto out;
	}
	{ /* does it take files? */
		char *probe = ll_path_join(outdir, finished_name);
		ll_afile af;
		rc = probe ? ll_afile_open(&af, probe, &err) : ll_err_oom(&err);
		ll_free(probe);
		if (rc != LL_OK) {
			cmd_error("%s", err.msg);
			goto out;
		}
		ll_afile_abort(&af);
	}
#ifdef HAVE_MPI
	if (mp.on && !tca_mpi_sync(&mp, 1, data))
		goto out;
#endif

	if (initfile && o.replicates > 1)
		fprintf(stderr, "latentlab: warning: --init %s starts every replicate from the same model, "
				"so they all give the same fit\n", initfile);
	else if (o.cp.init == LL_CP_INIT_SVD && o.replicates > 1)
		fprintf(stderr, "latentlab: warning: --init svd starts every replicate from the same point, "
				"so their similarity says nothing about stability; use --init random\n");
	if (shard.n) {
		o.want = shard_want;
		o.want_ud = &shard;
	}
	tca_prog tp = {ll_now(), 0.0, o.rank_hi, 0};
	if (!quiet && isatty(STDERR_FILENO)) {
		o.progress = tca_progress;
		o.progress_ud = &tp;
	}
#ifdef HAVE_MPI
	if (mp.on && mp.size > 1)
		rc = tca_mpi_master(&X, &o, &mp, &e, &err);
	else
#endif
		rc = ll_ens_fit(&X, &o, &e, &err);
	if (tp.shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	if (rc != LL_OK) {
		cmd_error("%s: %s", data, bare(&err));
		goto out;
	}
	if (verbose)
		report_memory(&X, &o, X.map != NULL);
	/* the command line as typed: argv[0] here is the subcommand */
	char **cl = ll_malloc_array((size_t)argc + 1, sizeof *cl);
	if (!cl) {
		cmd_error("out of memory");
		goto out;
	}
	cl[0] = "latentlab";
	int ncl = 1;
	for (int i = 0; i < argc; i++) {
		/* a shard records the command of the whole run: no --shard */
		if (shard.n && !strcmp(argv[i], "--shard") && i + 1 < argc) {
			i++;
			continue;
		}
		if (shard.n && !strncmp(argv[i], "--shard=", 8))
			continue;
		cl[ncl++] = argv[i];
	}
	size_t chosen = 0;
	char reason[320] = "";
	if (select && !shard.n && (rc = ll_ens_select_rank(&e, rule, &chosen, reason, sizeof reason, &err)) != LL_OK) {
		ll_free(cl);
		cmd_error("%s", err.msg);
		goto out;
	}
	ll_ens_meta meta = {
		.tool = "latentlab tca", .argc = ncl, .argv = cl, .data_file = data,
		.data_dtype = info.dtype, .mask_file = maskfile, .chosen_rank = chosen,
		.rank_rule = ll_rank_rule_name(rule), .rank_reason = reason, .init_file = initfile,
	};
	/* summary.json goes first and comes back last: cut short, the folder
	 * never shows an old summary beside new fits */
	const char *const finished[] = {finished_name, NULL};
	rc = ll_outdir_begin(&od, finished, &err);
	if (rc == LL_OK && shard.n) {
		uint64_t h = X.data ? ll_shard_hash(X.data, X.size, LL_SHARD_HASH0)
				    : ll_shard_hash_bytes(X.fdata, ll_tensor_bytes(&X), LL_SHARD_HASH0);
		if (M.data)
			h = ll_shard_hash(M.data, M.size, h);
		ll_shard_meta sm = {.index = shard.k, .count = shard.n, .want = shard_want, .want_ud = &shard,
				    .data_hash = h, .init_hash = model_hash(&K0),
				    .select = select ? ll_rank_rule_name(rule) : "none"};
		rc = ll_shard_write(&e, outdir, &meta, &sm, &err);
	} else if (rc == LL_OK) {
		rc = ll_ens_write(&e, outdir, &X, &meta, &err);
	}
	if (rc == LL_OK)
		rc = ll_outdir_end(&od, 1, &err);
	ll_free(cl);
	wrote = 1;
	if (rc != LL_OK) {
		cmd_error("%s", err.msg);
		goto out;
	}
	if (shard.n) {
		size_t total = ll_ens_nunits(&o), mine = 0;
		for (size_t q = 0; q < total; q++)
			mine += (size_t)shard_want(&shard, q);
		printf("%s: shard %zu/%zu: %zu of the ensemble's %zu units fitted in %.2f s into %s;\n"
		       "  once every shard is done: latentlab merge SHARD_DIR... -o OUTDIR\n",
		       data, shard.k, shard.n, mine, total, e.seconds + e.cv_seconds, outdir);
	} else {
		print_table(data, outdir, &e, chosen, reason);
	}
	if (fflush(stdout) != 0) {
		cmd_error("stdout: %s", strerror(errno));
		goto out;
	}
	status = 0;
out:
	/* an OUTDIR this run made and wrote nothing into goes again */
	if (wrote)
		ll_outdir_close(&od);
	else
		ll_outdir_abandon(&od);
	ll_ens_free(&e);
	ll_ktensor_free(&K0);
	ll_tensor_free(&X);
	ll_tensor_free(&M);
#ifdef HAVE_MPI
	if (mp.on) {
		if (!mp.synced)
			tca_mpi_sync(&mp, 0, data);
		MPI_Finalize();
	}
#endif
	return status;
}

const ll_cmd ll_cmd_tca = {"tca", cmd_tca, "fit a CP/TCA ensemble over ranks x replicates"};
