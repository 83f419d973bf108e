/*
 * latentlab compare: compare representations.
 *
 *   latentlab compare X Y [OPTIONS]            one pair: a table, or --json
 *   latentlab compare --all A B C... -o OUTDIR  every pair, per metric an
 *   latentlab compare --all DIR -o OUTDIR       N x N matrix and an MDS map
 *
 * The measures and their exact definitions are in src/similarity
 * (ll_compare.h and the family headers).  Order of work: parse options
 * (usage errors, exit 2), read and check every input (exit 1, nothing
 * written), then compute, then write (--all: summary.json last).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "cli/cmd.h"
#include "io/ll_array.h"
#include "io/ll_npy.h"
#include "pipeline/ll_outdir.h"
#include "similarity/ll_compare.h"
#include "similarity/ll_mds.h"

static void compare_usage(FILE *fp)
{
	fputs("usage: latentlab compare X Y [OPTIONS]\n"
	      "       latentlab compare --all A B C... -o OUTDIR [OPTIONS]\n"
	      "       latentlab compare --all DIR -o OUTDIR [OPTIONS]\n"
	      "\n"
	      "Compare the representations in two activation arrays, conditions x units\n"
	      "(rows are the same conditions in the same order; the numbers of units may\n"
	      "differ).  X and Y are .npy, .npz (FILE.npz:MEMBER picks a member) or CSV\n"
	      "(.csv/.tsv/.txt: a numeric table, an optional header line) files.  A 3-D\n"
	      "array conditions x time x units needs --flatten.\n"
	      "\n"
	      "metrics (similarities: 1 for X vs X; distances: 0 for X vs X):\n"
	      "  cka           linear CKA (Kornblith et al. 2019)\n"
	      "  cka-rbf       CKA with an RBF kernel, sigma = F x the median distance\n"
	      "  cka-debiased  linear CKA with the unbiased HSIC (needs 4+ conditions)\n"
	      "  cca           mean canonical correlation\n"
	      "  svcca         CCA of the top SVD directions (Raghu et al. 2017)\n"
	      "  pwcca         projection-weighted CCA (Morcos et al. 2018)\n"
	      "  rsa           correlation between the two RDMs' upper triangles\n"
	      "  procrustes    Procrustes (Euclidean shape) distance, in data units\n"
	      "  angular       angular shape distance, radians (Williams et al. 2021)\n"
	      "  match         mean correlation of one-to-one matched units (Hungarian)\n"
	      "\n"
	      "options:\n"
	      "  -m, --metrics LIST    comma-separated metrics, or all (default all)\n"
	      "      --alpha A         shape metrics' partial whitening in [0, 1]: 1 is\n"
	      "                        Procrustes, 0 CCA-like (default 1)\n"
	      "      --svcca-keep F    SVCCA keeps the top directions explaining fraction F\n"
	      "                        of the variance (default 0.99); an integer K > 1\n"
	      "                        keeps K directions\n"
	      "      --rdm R           RSA's dissimilarity: correlation (default),\n"
	      "                        euclidean or cosine\n"
	      "      --rsa-by B        RSA's comparison: spearman (default), pearson or\n"
	      "                        kendall (tau-a)\n"
	      "      --rbf-sigma F     cka-rbf bandwidth as a fraction of the median\n"
	      "                        distance (default 0.5)\n"
	      "  -p, --permutations N  permutation test over conditions: a p-value per\n"
	      "                        metric from N shuffles (default 0: none)\n"
	      "  -b, --bootstrap N     bootstrap over conditions: a 95% interval per metric\n"
	      "                        from N resamples (default 0: none)\n"
	      "  -s, --seed S          seed for permutations and resamples (default 0)\n"
	      "      --flatten RULE    for 3-D arrays conditions x time x units: stack\n"
	      "                        (each condition-time is a row), mean (average over\n"
	      "                        time) or wide (time x units become the columns)\n"
	      "      --drop-constant   leave out units that are constant over the\n"
	      "                        conditions (default: such a unit is an error)\n"
	      "      --json            print one JSON object {\"cka\": 0.87, ...} and\n"
	      "                        nothing else on stdout (with -p: \"p\": {...};\n"
	      "                        with -b: \"ci\": {\"cka\": [lo, hi], ...})\n"
	      "      --all             compare every pair of the arrays given (or of the\n"
	      "                        .npy/.npz/.csv files in DIR) and write, per metric,\n"
	      "                        OUTDIR/METRIC.npy and .csv (the N x N matrix) and\n"
	      "                        OUTDIR/METRIC_mds.npy and .csv (a 2-D map of the\n"
	      "                        systems: classical MDS, SMACOF when the\n"
	      "                        dissimilarities are not Euclidean), then\n"
	      "                        OUTDIR/summary.json with the MDS stress\n"
	      "  -o, --output OUTDIR   where --all writes (required with --all)\n"
	      "      --force           write into a non-empty folder latentlab did not make\n"
	      "  -h, --help            show this help\n"
	      "\n"
	      "Inputs with NaN or Inf, a constant unit, fewer than 3 conditions, or\n"
	      "different numbers of conditions are refused with a one-line error.  Exit\n"
	      "status: 0 success, 1 error, 2 usage error.\n",
	      fp);
}

static int parse_num(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v))
		return 0;
	*out = v;
	return 1;
}

/* ---- inputs ------------------------------------------------------------------- */

enum { FLAT_NONE, FLAT_STACK, FLAT_MEAN, FLAT_WIDE };

typedef struct sysdata {
	char *name;   /* as given, or DIR/file (owned) */
	ll_tensor T;  /* as read (owned) */
	double *mean; /* --flatten mean (owned), else NULL */
	const double *data;
	size_t n, p;
} sysdata;

static void sys_free(sysdata *s)
{
	ll_free(s->name);
	ll_tensor_free(&s->T);
	ll_free(s->mean);
	memset(s, 0, sizeof *s);
}

static int has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	if (a < b)
		return 0;
	for (size_t i = 0; i < b; i++) {
		char c = s[a - b + i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != suf[i])
			return 0;
	}
	return 1;
}

/* Read one array and shape it conditions x units. */
static int load(const char *path, int flatten, sysdata *s, ll_err *err)
{
	memset(s, 0, sizeof *s);
	s->name = ll_strdup(path);
	if (!s->name)
		return ll_err_oom(err);
	int rc = ll_array_read_table(path, &s->T, err);
	if (rc != LL_OK)
		return rc;
	const ll_tensor *T = &s->T;
	char shape[128];
	switch (T->nmodes) {
	case 1:
		s->n = T->dim[0];
		s->p = 1;
		s->data = T->data;
		return LL_OK;
	case 2:
		s->n = T->dim[0];
		s->p = T->dim[1];
		s->data = T->data;
		return LL_OK;
	case 3:
		break;
	default:
		return ll_err_set(err, LL_ESHAPE,
				  "%s: a %d-D array (%s); expected conditions x units, or conditions x time x units with --flatten",
				  path, T->nmodes, ll_tensor_shape_str(T, shape, sizeof shape));
	}
	size_t C = T->dim[0], Tm = T->dim[1], U = T->dim[2];
	switch (flatten) {
	case FLAT_STACK:
		s->n = C * Tm;
		s->p = U;
		s->data = T->data;
		return LL_OK;
	case FLAT_WIDE:
		s->n = C;
		s->p = Tm * U;
		s->data = T->data;
		return LL_OK;
	case FLAT_MEAN:
		s->mean = ll_calloc_array(C * U, sizeof *s->mean);
		if (!s->mean)
			return ll_err_oom(err);
		for (size_t c = 0; c < C; c++)
			for (size_t t = 0; t < Tm; t++)
				for (size_t u = 0; u < U; u++)
					s->mean[c * U + u] += T->data[(c * Tm + t) * U + u] / (double)Tm;
		s->n = C;
		s->p = U;
		s->data = s->mean;
		return LL_OK;
	}
	return ll_err_set(err, LL_ESHAPE,
			  "%s: a 3-D array (%s); say how to make it conditions x units with --flatten stack|mean|wide",
			  path, ll_tensor_shape_str(T, shape, sizeof shape));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .npy/.npz/.csv/.tsv files of dir, sorted (names owned, ll_free each
 * and the array). */
static int list_dir(const char *dir, char ***out, size_t *count, ll_err *err)
{
	*out = NULL;
	*count = 0;
	DIR *d = opendir(dir);
	if (!d)
		return ll_err_set(err, LL_EIO, "%s: %s", dir, strerror(errno));
	char **v = NULL;
	size_t n = 0, cap = 0;
	int rc = LL_OK;
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *nm = de->d_name;
		if (nm[0] == '.')
			continue;
		if (!has_suffix(nm, ".npy") && !has_suffix(nm, ".npz") && !has_suffix(nm, ".csv") &&
		    !has_suffix(nm, ".tsv"))
			continue;
		if (n == cap) {
			size_t nc = cap ? 2 * cap : 16;
			char **t = ll_realloc(v, nc * sizeof *t);
			if (!t) {
				rc = ll_err_oom(err);
				break;
			}
			v = t;
			cap = nc;
		}
		v[n] = ll_path_join(dir, nm);
		if (!v[n]) {
			rc = ll_err_oom(err);
			break;
		}
		n++;
	}
	closedir(d);
	if (rc != LL_OK) {
		for (size_t i = 0; i < n; i++)
			ll_free(v[i]);
		ll_free(v);
		return rc;
	}
	if (n)
		qsort(v, n, sizeof *v, cmp_str);
	*out = v;
	*count = n;
	return LL_OK;
}

/* ---- one pair ------------------------------------------------------------------ */

static void print_json(const ll_compare_result *r, const ll_compare_opts *o)
{
	ll_json j;
	ll_json_init(&j, stdout, 0);
	ll_json_obj_begin(&j);
	for (int m = 0; m < LL_NMETRICS; m++)
		if (r->metrics & LL_METRIC_BIT(m))
			ll_json_kv_num(&j, ll_metric_name((ll_metric)m), r->v[m].value);
	if (o->permutations) {
		ll_json_key(&j, "p");
		ll_json_obj_begin(&j);
		for (int m = 0; m < LL_NMETRICS; m++)
			if (r->metrics & LL_METRIC_BIT(m))
				ll_json_kv_num(&j, ll_metric_name((ll_metric)m), r->v[m].pvalue);
		ll_json_obj_end(&j);
		ll_json_kv_int(&j, "permutations", (long long)o->permutations);
	}
	if (o->bootstrap) {
		ll_json_key(&j, "ci");
		ll_json_obj_begin(&j);
		for (int m = 0; m < LL_NMETRICS; m++)
			if (r->metrics & LL_METRIC_BIT(m)) {
				double ci[2] = {r->v[m].ci_lo, r->v[m].ci_hi};
				ll_json_key(&j, ll_metric_name((ll_metric)m));
				ll_json_num_array(&j, ci, 2);
			}
		ll_json_obj_end(&j);
		ll_json_kv_num(&j, "ci_level", o->ci_level);
		ll_json_kv_int(&j, "bootstrap", (long long)o->bootstrap);
		int any = 0;
		for (int m = 0; m < LL_NMETRICS; m++)
			any |= (r->metrics & LL_METRIC_BIT(m)) && r->v[m].note[0];
		if (any) {
			ll_json_key(&j, "notes");
			ll_json_obj_begin(&j);
			for (int m = 0; m < LL_NMETRICS; m++)
				if ((r->metrics & LL_METRIC_BIT(m)) && r->v[m].note[0])
					ll_json_kv_str(&j, ll_metric_name((ll_metric)m), r->v[m].note);
			ll_json_obj_end(&j);
		}
	}
	ll_json_obj_end(&j);
	fputc('\n', stdout);
}

static void print_table(const sysdata *x, const sysdata *y, const ll_compare_result *r,
			const ll_compare_opts *o)
{
	printf("X = %s: %zu conditions x %zu units\n", x->name, x->n, x->p);
	printf("Y = %s: %zu conditions x %zu units\n", y->name, y->n, y->p);
	printf("%-13s %12s  %-10s", "metric", "value", "kind");
	if (o->permutations)
		printf("  %8s", "p");
	if (o->bootstrap)
		printf("  %.0f%% interval", 100.0 * o->ci_level);
	printf("\n");
	for (int m = 0; m < LL_NMETRICS; m++) {
		if (!(r->metrics & LL_METRIC_BIT(m)))
			continue;
		const ll_metric_value *v = &r->v[m];
		printf("%-13s %12.6f  %-10s", ll_metric_name((ll_metric)m), v->value,
		       ll_metric_kind_of((ll_metric)m) == LL_SIMILARITY ? "similarity" : "distance");
		if (o->permutations)
			printf("  %8.4g", v->pvalue);
		if (o->bootstrap) {
			if (isnan(v->ci_lo))
				printf("  -");
			else
				printf("  [%.6f, %.6f]", v->ci_lo, v->ci_hi);
		}
		printf("\n");
	}
	for (int m = 0; m < LL_NMETRICS; m++)
		if ((r->metrics & LL_METRIC_BIT(m)) && r->v[m].note[0])
			printf("note: %s: %s\n", ll_metric_name((ll_metric)m), r->v[m].note);
	if (r->metrics & LL_METRIC_BIT(LL_M_SVCCA))
		printf("svcca kept %zu and %zu directions\n", r->svcca_kx, r->svcca_ky);
	if (r->metrics & (LL_METRIC_BIT(LL_M_PROCRUSTES) | LL_METRIC_BIT(LL_M_ANGULAR)))
		printf("shape metrics at alpha %g\n", o->alpha);
	if (r->metrics & LL_METRIC_BIT(LL_M_RSA))
		printf("rsa: %s RDMs compared by %s\n", ll_rdm_kind_name(o->rdm), ll_rsa_by_name(o->rsa_by));
	if (o->permutations)
		printf("p: permutation test over conditions, %zu shuffles, seed %llu\n", o->permutations,
		       (unsigned long long)o->seed);
	if (o->bootstrap)
		printf("intervals: percentile bootstrap over conditions, %zu resamples, seed %llu\n",
		       o->bootstrap, (unsigned long long)o->seed);
}

/* ---- all pairs --------------------------------------------------------------- */

typedef struct all_result {
	double *M;         /* N x N */
	ll_mds_result mds;
} all_result;

static int run_all(sysdata *s, size_t N, unsigned set, const ll_compare_opts *o,
		   const char *outdir, int force, int argc, char **argv)
{
	ll_err err;
	ll_err_clear(&err);
	int status = 1, wrote = 0, rc = LL_OK;
	ll_outdir od = LL_OUTDIR_INIT;
	all_result *res = ll_calloc_array(LL_NMETRICS, sizeof *res);
	ll_system *ss = ll_calloc_array(N, sizeof *ss);
	double *D = ll_malloc_array(N * N, sizeof *D);
	char **names = ll_calloc_array(4 * LL_NMETRICS + 2, sizeof *names);
	const char **rows = ll_malloc_array(N, sizeof *rows); /* the CSVs' row names */
	if (!res || !ss || !D || !names || !rows) {
		cmd_error("out of memory");
		goto out;
	}
	for (size_t a = 0; a < N; a++) {
		ss[a] = (ll_system){s[a].name, s[a].data, s[a].n, s[a].p};
		rows[a] = s[a].name;
	}
	/* compute everything before touching OUTDIR */
	for (int m = 0; m < LL_NMETRICS; m++) {
		if (!(set & LL_METRIC_BIT(m)))
			continue;
		res[m].M = ll_malloc_array(N * N, sizeof *res[m].M);
		if (!res[m].M) {
			cmd_error("out of memory");
			goto out;
		}
		rc = ll_compare_all(ss, N, (ll_metric)m, o, res[m].M, NULL, NULL, &err);
		if (rc == LL_OK) {
			ll_compare_dissimilarity((ll_metric)m, res[m].M, N, D);
			rc = ll_mds(D, N, NULL, &res[m].mds, &err);
			if (rc != LL_OK)
				ll_err_prefix(&err, "%s", ll_metric_name((ll_metric)m));
		}
		if (rc != LL_OK) {
			cmd_error("%s", err.msg);
			goto out;
		}
	}
	size_t k = 0;
	for (int m = 0; m < LL_NMETRICS; m++) {
		if (!(set & LL_METRIC_BIT(m)))
			continue;
		static const char *const suf[] = {".npy", ".csv", "_mds.npy", "_mds.csv"};
		for (int f = 0; f < 4; f++) {
			size_t len = strlen(ll_metric_name((ll_metric)m)) + 16;
			names[k] = ll_malloc(len);
			if (!names[k]) {
				cmd_error("out of memory");
				goto out;
			}
			snprintf(names[k], len, "%s%s", ll_metric_name((ll_metric)m), suf[f]);
			k++;
		}
	}
	names[k++] = "summary.json";
	names[k] = NULL;
	char *what = cmd_join_args(argc, argv);
	rc = ll_outdir_open(&od, outdir, (const char *const *)names, force ? LL_OUTDIR_FORCE : 0,
			    what ? what : "latentlab compare --all", &err);
	ll_free(what);
	names[k - 1] = NULL; /* not ours to free */
	if (rc != LL_OK) {
		cmd_error("%s", err.msg);
		goto out;
	}
	static const char *const finished[] = {"summary.json", NULL};
	rc = ll_outdir_begin(&od, finished, &err);
	wrote = 1;
	for (int m = 0; m < LL_NMETRICS && rc == LL_OK; m++) {
		if (!(set & LL_METRIC_BIT(m)))
			continue;
		const char *mn = ll_metric_name((ll_metric)m);
		char file[64];
		size_t shape[2] = {N, N}, mshape[2] = {N, res[m].mds.k};
		snprintf(file, sizeof file, "%s.npy", mn);
		rc = ll_npy_write_array_in(outdir, file, res[m].M, 2, shape, 0, &err);
		if (rc != LL_OK)
			break;
		snprintf(file, sizeof file, "%s.csv", mn);
		rc = cmd_write_matrix_csv(outdir, file, rows, N, res[m].M, N, NULL, &err);
		if (rc != LL_OK)
			break;
		snprintf(file, sizeof file, "%s_mds.npy", mn);
		rc = ll_npy_write_array_in(outdir, file, res[m].mds.coords, 2, mshape, 0, &err);
		if (rc != LL_OK)
			break;
		static const char *const axes[] = {"mds1", "mds2", "mds3"};
		snprintf(file, sizeof file, "%s_mds.csv", mn);
		rc = cmd_write_matrix_csv(outdir, file, rows, N, res[m].mds.coords, res[m].mds.k, axes, &err);
	}
	if (rc == LL_OK) {
		ll_afile af;
		rc = ll_afile_open_in(&af, outdir, "summary.json", &err);
		if (rc == LL_OK) {
			ll_json j;
			ll_json_init(&j, af.fp, 1);
			ll_json_obj_begin(&j);
			ll_json_kv_str(&j, "command", "latentlab compare --all");
			ll_json_key(&j, "systems");
			ll_json_arr_begin(&j);
			for (size_t a = 0; a < N; a++) {
				ll_json_obj_begin(&j);
				ll_json_kv_str(&j, "name", s[a].name);
				ll_json_kv_int(&j, "conditions", (long long)s[a].n);
				ll_json_kv_int(&j, "units", (long long)s[a].p);
				ll_json_obj_end(&j);
			}
			ll_json_arr_end(&j);
			ll_json_kv_num(&j, "alpha", o->alpha);
			ll_json_kv_num(&j, "svcca_keep", o->svcca_keep);
			ll_json_kv_int(&j, "svcca_k", (long long)o->svcca_k);
			ll_json_kv_str(&j, "rdm", ll_rdm_kind_name(o->rdm));
			ll_json_kv_str(&j, "rsa_by", ll_rsa_by_name(o->rsa_by));
			ll_json_kv_num(&j, "rbf_sigma", o->rbf_frac);
			ll_json_kv_int(&j, "drop_constant", o->drop_constant);
			ll_json_key(&j, "metrics");
			ll_json_obj_begin(&j);
			for (int m = 0; m < LL_NMETRICS; m++) {
				if (!(set & LL_METRIC_BIT(m)))
					continue;
				ll_json_key(&j, ll_metric_name((ll_metric)m));
				ll_json_obj_begin(&j);
				ll_json_kv_str(&j, "kind", ll_metric_kind_of((ll_metric)m) == LL_SIMILARITY
								   ? "similarity" : "distance");
				ll_json_kv_str(&j, "mds", ll_mds_method_name(res[m].mds.used));
				ll_json_kv_num(&j, "stress", res[m].mds.stress);
				ll_json_kv_num(&j, "negative_eigen_fraction", res[m].mds.neg_frac);
				ll_json_obj_end(&j);
			}
			ll_json_obj_end(&j);
			ll_json_obj_end(&j);
			fputc('\n', af.fp);
			rc = ll_afile_commit(&af, &err);
		}
	}
	if (rc == LL_OK)
		rc = ll_outdir_end(&od, 1, &err);
	if (rc != LL_OK) {
		cmd_error("%s", err.msg);
		goto out;
	}
	printf("%zu systems, %zu conditions\n", N, s[0].n);
	printf("%-13s %-10s %-9s %8s\n", "metric", "kind", "mds", "stress");
	for (int m = 0; m < LL_NMETRICS; m++)
		if (set & LL_METRIC_BIT(m))
			printf("%-13s %-10s %-9s %8.4f\n", ll_metric_name((ll_metric)m),
			       ll_metric_kind_of((ll_metric)m) == LL_SIMILARITY ? "similarity" : "distance",
			       ll_mds_method_name(res[m].mds.used), res[m].mds.stress);
	printf("results in %s\n", outdir);
	if (fflush(stdout) != 0) {
		cmd_error("stdout: %s", strerror(errno));
		goto out;
	}
	status = 0;
out:
	if (wrote)
		ll_outdir_close(&od);
	else
		ll_outdir_abandon(&od);
	if (res)
		for (int m = 0; m < LL_NMETRICS; m++) {
			ll_free(res[m].M);
			ll_mds_free(&res[m].mds);
		}
	if (names)
		for (size_t i = 0; names[i]; i++)
			ll_free(names[i]);
	ll_free(names);
	ll_free(rows);
	ll_free(res);
	ll_free(ss);
	ll_free(D);
	return status;
}

/* ---- the command --------------------------------------------------------------- */

enum {
	OPT_ALPHA = 256,
	OPT_SVCCA,
	OPT_RDM,
	OPT_RSABY,
	OPT_SIGMA,
	OPT_FLATTEN,
	OPT_DROP,
	OPT_JSON,
	OPT_ALL,
	OPT_FORCE
};

static int cmd_compare(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"metrics", required_argument, NULL, 'm'},
		{"alpha", required_argument, NULL, OPT_ALPHA},
		{"svcca-keep", required_argument, NULL, OPT_SVCCA},
		{"rdm", required_argument, NULL, OPT_RDM},
		{"rsa-by", required_argument, NULL, OPT_RSABY},
		{"rbf-sigma", required_argument, NULL, OPT_SIGMA},
		{"permutations", required_argument, NULL, 'p'},
		{"bootstrap", required_argument, NULL, 'b'},
		{"seed", required_argument, NULL, 's'},
		{"flatten", required_argument, NULL, OPT_FLATTEN},
		{"drop-constant", no_argument, NULL, OPT_DROP},
		{"json", no_argument, NULL, OPT_JSON},
		{"all", no_argument, NULL, OPT_ALL},
		{"output", required_argument, NULL, 'o'},
		{"force", no_argument, NULL, OPT_FORCE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	ll_compare_opts o;
	ll_compare_opts_default(&o);
	unsigned set = LL_METRICS_ALL;
	int json = 0, all = 0, force = 0, flatten = FLAT_NONE, c, k;
	const char *outdir = NULL;
	ll_err err;
	ll_err_clear(&err);
	double d;
	size_t v;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":m:p:b:s:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (ll_metric_parse_list(optarg, &set, &err) != LL_OK)
				return cmd_usage_error("compare", "--metrics: %s", err.msg);
			break;
		case OPT_ALPHA:
			if (!parse_num(optarg, &d) || d < 0 || d > 1)
				return cmd_usage_error("compare", "--alpha: expected a number in [0, 1], got '%s'", optarg);
			o.alpha = d;
			break;
		case OPT_SVCCA:
			if (!parse_num(optarg, &d) || !(d > 0))
				return cmd_usage_error("compare", "--svcca-keep: expected a fraction in (0, 1] or a count > 1, got '%s'", optarg);
			if (d <= 1) {
				o.svcca_keep = d;
				o.svcca_k = 0;
			} else if (d == floor(d) && d <= 1e9) {
				o.svcca_k = (size_t)d;
			} else {
				return cmd_usage_error("compare", "--svcca-keep: expected a fraction in (0, 1] or a count > 1, got '%s'", optarg);
			}
			break;
		case OPT_RDM:
			if ((k = ll_rdm_kind_parse(optarg)) < 0)
				return cmd_usage_error("compare", "--rdm: expected correlation, euclidean or cosine, got '%s'", optarg);
			o.rdm = (ll_rdm_kind)k;
			break;
		case OPT_RSABY:
			if ((k = ll_rsa_by_parse(optarg)) < 0)
				return cmd_usage_error("compare", "--rsa-by: expected spearman, pearson or kendall, got '%s'", optarg);
			o.rsa_by = (ll_rsa_by)k;
			break;
		case OPT_SIGMA:
			if (!parse_num(optarg, &d) || !(d > 0))
				return cmd_usage_error("compare", "--rbf-sigma: expected a positive number, got '%s'", optarg);
			o.rbf_frac = d;
			break;
		case 'p':
			if (!cmd_parse_count(optarg, 0, 1000000, &v))
				return cmd_usage_error("compare", "--permutations: expected a count from 0 to 1000000, got '%s'", optarg);
			o.permutations = v;
			break;
		case 'b':
			if (!cmd_parse_count(optarg, 0, 1000000, &v))
				return cmd_usage_error("compare", "--bootstrap: expected a count from 0 to 1000000, got '%s'", optarg);
			o.bootstrap = v;
			break;
		case 's': {
			uint64_t u = 0;
			const char *q = optarg;
			if (!*q)
				return cmd_usage_error("compare", "--seed: expected an integer, got '%s'", optarg);
			for (; *q; q++) {
				if (*q < '0' || *q > '9' || u > (UINT64_MAX - (uint64_t)(*q - '0')) / 10)
					return cmd_usage_error("compare", "--seed: expected an integer from 0 to 18446744073709551615, got '%s'", optarg);
				u = u * 10 + (uint64_t)(*q - '0');
			}
			o.seed = u;
			break;
		}
		case OPT_FLATTEN:
			if (!strcmp(optarg, "stack"))
				flatten = FLAT_STACK;
			else if (!strcmp(optarg, "mean"))
				flatten = FLAT_MEAN;
			else if (!strcmp(optarg, "wide"))
				flatten = FLAT_WIDE;
			else
				return cmd_usage_error("compare", "--flatten: expected stack, mean or wide, got '%s'", optarg);
			break;
		case OPT_DROP:
			o.drop_constant = 1;
			break;
		case OPT_JSON:
			json = 1;
			break;
		case OPT_ALL:
			all = 1;
			break;
		case 'o':
			outdir = optarg;
			break;
		case OPT_FORCE:
			force = 1;
			break;
		case 'h':
			compare_usage(stdout);
			return 0;
		default:
			return cmd_bad_option("compare", c, argv);
		}
	}
	int npos = argc - optind;
	if (all) {
		if (!outdir || !*outdir)
			return cmd_usage_error("compare", "%s", "--all needs -o OUTDIR");
		if (json)
			return cmd_usage_error("compare", "%s", "--json compares one pair; --all writes OUTDIR/summary.json");
		if (o.permutations || o.bootstrap)
			return cmd_usage_error("compare", "%s", "--permutations and --bootstrap compare one pair, not --all");
		if (npos < 1)
			return cmd_usage_error("compare", "%s", "--all needs arrays or a directory");
	} else {
		if (outdir)
			return cmd_usage_error("compare", "%s", "-o OUTDIR goes with --all");
		if (npos < 2)
			return cmd_usage_error("compare", "%s", npos ? "missing Y" : "missing X and Y");
		if (npos > 2)
			return cmd_usage_error("compare", "unexpected argument '%s' (two arrays, or --all)", argv[optind + 2]);
	}

	/* the inputs */
	char **paths = argv + optind, **listed = NULL;
	size_t N = (size_t)npos, nlisted = 0;
	struct stat st;
	if (all && npos == 1 && stat(paths[0], &st) == 0 && S_ISDIR(st.st_mode)) {
		if (list_dir(paths[0], &listed, &nlisted, &err) != LL_OK) {
			cmd_error("%s", err.msg);
			return 1;
		}
		if (nlisted < 2) {
			cmd_error("%s: %zu array file%s (.npy, .npz, .csv, .tsv); --all needs at least 2", paths[0],
				  nlisted, nlisted == 1 ? "" : "s");
			for (size_t i = 0; i < nlisted; i++)
				ll_free(listed[i]);
			ll_free(listed);
			return 1;
		}
		paths = listed;
		N = nlisted;
	} else if (all && npos < 2) {
		cmd_error("%s: --all needs at least 2 arrays, or a directory of them", paths[0]);
		return 1;
	}
	int status = 1;
	sysdata *s = ll_calloc_array(N, sizeof *s);
	if (!s) {
		cmd_error("out of memory");
		goto done;
	}
	for (size_t i = 0; i < N; i++)
		if (load(paths[i], flatten, &s[i], &err) != LL_OK) {
			cmd_error("%s", err.msg);
			goto done;
		}
	if (all) {
		status = run_all(s, N, set, &o, outdir, force, argc, argv);
		goto done;
	}
	o.name_x = s[0].name;
	o.name_y = s[1].name;
	ll_compare_result r;
	if (ll_compare_pair(s[0].data, s[0].n, s[0].p, s[1].data, s[1].n, s[1].p, set, &o, &r, NULL, NULL,
			    &err) != LL_OK) {
		cmd_error("%s", err.msg);
		goto done;
	}
	if (r.dropped_x)
		fprintf(stderr, "latentlab: note: %s: %zu constant unit%s left out\n", s[0].name, r.dropped_x,
			r.dropped_x == 1 ? "" : "s");
	if (r.dropped_y)
		fprintf(stderr, "latentlab: note: %s: %zu constant unit%s left out\n", s[1].name, r.dropped_y,
			r.dropped_y == 1 ? "" : "s");
	if (json) {
		for (int m = 0; m < LL_NMETRICS; m++)
			if ((r.metrics & LL_METRIC_BIT(m)) && r.v[m].note[0])
				fprintf(stderr, "latentlab: note: %s: %s\n", ll_metric_name((ll_metric)m), r.v[m].note);
		print_json(&r, &o);
	} else {
		print_table(&s[0], &s[1], &r, &o);
	}
	if (fflush(stdout) != 0) {
		cmd_error("stdout: %s", strerror(errno));
		goto done;
	}
	status = 0;
done:
	if (s)
		for (size_t i = 0; i < N; i++)
			sys_free(&s[i]);
	ll_free(s);
	for (size_t i = 0; i < nlisted; i++)
		ll_free(listed[i]);
	ll_free(listed);
	return status;
}

const ll_cmd ll_cmd_compare = {"compare", cmd_compare, "compare representations: CKA, CCA, RSA, shape metrics"};
