/* Writing an ensemble: per-fit .npy files and summary.json (see
 * ll_ens_io.h). */
#include "config.h"

#include "io/ll_ens_io.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "io/ll_array.h"
#include "io/ll_npy.h"

#define FIT_MARKER ".latentlab-fit"

int ll_ens_write_fit_files(const char *fdir, const ll_cp_result *f, ll_err *err)
{
	char name[32];
	const ll_ktensor *K = &f->K;
	static const double none = 0.0;
	size_t shape[2] = {K->rank, 0};
	int rc = ll_npy_write_array_in(fdir, "lambda.npy", K->lambda, 1, shape, 0, err);
	shape[0] = f->hist ? (size_t)f->iters : 0;
	if (rc == LL_OK)
		rc = ll_npy_write_array_in(fdir, "hist.npy", f->hist ? f->hist : &none, 1, shape, 0, err);
	for (int n = 0; rc == LL_OK && n < K->nmodes; n++) {
		snprintf(name, sizeof name, "factor_%d.npy", n);
		shape[0] = K->dim[n];
		shape[1] = K->rank;
		rc = ll_npy_write_array_in(fdir, name, K->U[n], 2, shape, 0, err);
	}
	return rc;
}

static int write_fit(const char *dir, size_t rank, size_t k, const ll_cp_result *f, ll_err *err)
{
	char sub[64];
	int rc = LL_OK;
	if (k == 0) {
		/* the rank's folder, ours and empty */
		snprintf(sub, sizeof sub, "rank_%02zu", rank);
		char *rdir = ll_path_join(dir, sub);
		rc = rdir ? ll_mkdir_ours(rdir, FIT_MARKER, "fits written by latentlab tca; a rerun replaces this folder", err)
			  : ll_err_oom(err);
		ll_free(rdir);
		if (rc != LL_OK)
			return rc;
	}
	snprintf(sub, sizeof sub, "rank_%02zu/rep_%02zu", rank, k);
	char *fdir = ll_path_join(dir, sub);
	rc = fdir ? ll_mkdirs(fdir, err) : ll_err_oom(err);
	if (rc == LL_OK)
		rc = ll_ens_write_fit_files(fdir, f, err);
	ll_free(fdir);
	return rc;
}

static void json_seed(ll_json *j, const char *key, uint64_t seed)
{
	char buf[24];
	/* a string: JSON readers may hold numbers as doubles (53 bits) */
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)seed);
	ll_json_kv_str(j, key, buf);
}

/* the modes of a bit set as an array of 0-based indices; bits 0 means
 * every mode when all_if_none */
static void json_modes(ll_json *j, unsigned bits, int nmodes, int all_if_none)
{
	ll_json_arr_begin(j);
	for (int n = 0; n < nmodes; n++)
		if ((bits >> n & 1u) || (all_if_none && bits == 0))
			ll_json_int(j, n);
	ll_json_arr_end(j);
}

static void json_summary(ll_json *j, const ll_ensemble *e, const ll_ens_meta *meta,
			 const ll_ens_stats *st)
{
	const ll_ens_opts *o = &e->opts;
	ll_json_obj_begin(j);
	ll_json_kv_str(j, "tool", meta && meta->tool ? meta->tool : "latentlab");
	ll_json_kv_str(j, "version", PACKAGE_VERSION);
	if (meta && meta->argc > 0 && meta->argv) {
		ll_json_key(j, "command_line");
		ll_json_arr_begin(j);
		for (int i = 0; i < meta->argc; i++)
			ll_json_str(j, meta->argv[i] ? meta->argv[i] : "");
		ll_json_arr_end(j);
	}
	ll_json_key(j, "data");
	ll_json_obj_begin(j);
	ll_json_key(j, "file");
	if (meta && meta->data_file)
		ll_json_str(j, meta->data_file);
	else
		ll_json_null(j);
	if (meta && meta->data_dtype)
		ll_json_kv_str(j, "dtype", meta->data_dtype);
	ll_json_key(j, "shape");
	ll_json_size_array(j, e->dim, (size_t)e->nmodes);
	size_t size = 1;
	for (int n = 0; n < e->nmodes; n++)
		size *= e->dim[n];
	ll_json_kv_int(j, "elements", (long long)size);
	ll_json_kv_num(j, "norm", e->data_norm);
	ll_json_kv_int(j, "missing", (long long)e->nmissing);
	ll_json_key(j, "mask");
	if (meta && meta->mask_file)
		ll_json_str(j, meta->mask_file);
	else
		ll_json_null(j);
	ll_json_obj_end(j);

	ll_json_kv_str(j, "method", ll_cp_method_name(o->cp.method));
	ll_json_kv_str(j, "precision", e->single ? "single" : "double");
	ll_json_kv_str(j, "init", e->warm_start ? "model" : o->cp.init == LL_CP_INIT_SVD ? "svd" : "random");
	if (e->warm_start) {
		ll_json_key(j, "init_model");
		if (meta && meta->init_file)
			ll_json_str(j, meta->init_file);
		else
			ll_json_null(j);
	}
	ll_json_key(j, "fixed_modes");
	json_modes(j, o->cp.fixed_modes, e->nmodes, 0);
	ll_json_kv_num(j, "ridge", o->cp.ridge);
	ll_json_kv_num(j, "l1", o->cp.l1);
	ll_json_key(j, "l1_modes");
	json_modes(j, o->cp.l1 > 0.0 ? o->cp.l1_modes : 0u, e->nmodes, o->cp.l1 > 0.0);
	if (o->cp.ridge > 0.0 || o->cp.l1 > 0.0)
		ll_json_kv_str(j, "loss",
			       "1/2 ||W.(X - M)||^2 + ridge/2 sum_n ||U_n||^2 + l1 sum_{n in l1_modes} ||U_n||_1; "
			       "objective_penalized = sqrt(2 loss) / ||W.X||, which fits are ranked by");
	ll_json_kv_num(j, "tol", o->cp.tol);
	ll_json_kv_int(j, "max_iter", o->cp.max_iter);
	ll_json_kv_int(j, "min_iter", o->cp.min_iter);
	ll_json_kv_int(j, "rank_lo", (long long)o->rank_lo);
	ll_json_kv_int(j, "rank_hi", (long long)o->rank_hi);
	ll_json_kv_int(j, "replicates", (long long)o->replicates);
	json_seed(j, "seed", o->seed);
	ll_json_kv_str(j, "seed_rule", "replicate k (0-based, before sorting) of rank R starts from ll_seed_derive(seed, R, k)");
	ll_json_key(j, "similarity");
	ll_json_obj_begin(j);
	ll_json_kv_str(j, "kind", ll_sim_name(e->sim));
	ll_json_kv_str(j, "definition", ll_sim_describe(e->sim));
	ll_json_kv_str(j, "matching", "Hungarian; mean pair score over the larger rank");
	ll_json_kv_str(j, "reference", "each fit against the best fit of its rank");
	ll_json_obj_end(j);
	ll_json_key(j, "fused");
	ll_json_bool(j, o->fused);
	ll_json_kv_int(j, "threads", o->threads);
	ll_json_kv_str(j, "objective", "||W.(X - M)|| / ||W.X||, W = observed entries");
	if (o->cp.method == LL_CP_APR)
		ll_json_kv_str(j, "poisson",
			       "cp-apr minimises the Poisson deviance 2 sum_W (x log(x/m) - (x - m)); per fit "
			       "deviance and relative_deviance (over the constant-mean model's), by which fits are "
			       "ranked and judged at the best; objective stays the least-squares error");
	ll_json_kv_num(j, "at_best_tol", LL_ENS_AT_BEST_TOL);
	ll_json_kv_str(j, "at_best_rule",
		       "a fit is at the best optimum when its objective is within at_best_tol of its rank's best");
	ll_json_key(j, "cross_validation");
	if (e->cv_folds) {
		ll_json_obj_begin(j);
		ll_json_kv_int(j, "folds", (long long)e->cv_folds);
		ll_json_kv_int(j, "replicates",
			       (long long)(o->cv_replicates ? o->cv_replicates : o->replicates));
		json_seed(j, "seed", e->cv_seed);
		ll_json_kv_str(j, "holdout",
			       "speckled: every observed entry is dealt at random into one fold; each fold is "
			       "held out in turn and every rank fitted to the rest");
		ll_json_kv_str(j, "test_error",
			       "||H.(X - M)|| / ||H.X|| over the held-out entries H, for the fit with the lowest "
			       "training error of the fold");
		ll_json_kv_num(j, "seconds", e->cv_seconds);
		ll_json_obj_end(j);
	} else {
		ll_json_null(j);
	}
	if (meta && meta->chosen_rank) {
		ll_json_key(j, "chosen_rank");
		ll_json_obj_begin(j);
		ll_json_kv_int(j, "rank", (long long)meta->chosen_rank);
		ll_json_kv_str(j, "rule", meta->rank_rule ? meta->rank_rule : "");
		ll_json_kv_str(j, "reason", meta->rank_reason ? meta->rank_reason : "");
		ll_json_obj_end(j);
	}

	ll_json_key(j, "ranks");
	ll_json_arr_begin(j);
	for (size_t ri = 0; ri < e->nranks; ri++) {
		const ll_ens_rank *er = &e->ranks[ri];
		ll_json_obj_begin(j);
		ll_json_kv_int(j, "rank", (long long)er->rank);
		ll_json_kv_num(j, "best_objective", st[ri].best);
		ll_json_kv_num(j, "median_objective", st[ri].median);
		ll_json_kv_num(j, "worst_objective", st[ri].worst);
		ll_json_kv_num(j, "mean_similarity", st[ri].mean_sim);
		ll_json_kv_num(j, "min_similarity", st[ri].min_sim);
		ll_json_kv_num(j, "median_iterations", st[ri].median_iters);
		ll_json_kv_num(j, "seconds", er->seconds);
		ll_json_kv_int(j, "at_best", (long long)st[ri].at_best);
		ll_json_kv_num(j, "frac_at_best", st[ri].frac_at_best);
		if (e->cv_folds && er->cv_test) {
			ll_json_kv_num(j, "cv_test_error", er->cv_test_mean);
			ll_json_kv_num(j, "cv_test_error_se", er->cv_test_se);
			ll_json_kv_num(j, "cv_train_error", er->cv_train_mean);
			ll_json_key(j, "cv_test_error_folds");
			ll_json_arr_begin(j);
			for (size_t k = 0; k < e->cv_folds; k++)
				ll_json_num(j, er->cv_test[k]);
			ll_json_arr_end(j);
		}
		ll_json_key(j, "replicates");
		ll_json_arr_begin(j);
		for (size_t k = 0; k < er->nrep; k++) {
			const ll_cp_result *f = &er->fits[k];
			char sub[64];
			snprintf(sub, sizeof sub, "rank_%02zu/rep_%02zu", er->rank, k);
			ll_json_obj_begin(j);
			ll_json_kv_str(j, "dir", sub);
			json_seed(j, "seed", f->seed);
			ll_json_kv_num(j, "objective", f->obj);
			if (o->cp.method == LL_CP_APR) {
				ll_json_kv_num(j, "deviance", f->deviance);
				ll_json_kv_num(j, "relative_deviance", f->obj_pen);
			}
			if (o->cp.ridge > 0.0 || o->cp.l1 > 0.0) {
				ll_json_kv_num(j, "objective_penalized", f->obj_pen);
				ll_json_kv_num(j, "penalty", f->penalty);
			}
			ll_json_kv_num(j, "similarity", er->sim[k]);
			ll_json_key(j, "at_best");
			ll_json_bool(j, ll_ens_at_best(er, k));
			ll_json_kv_int(j, "iterations", f->iters);
			ll_json_key(j, "converged");
			ll_json_bool(j, f->converged);
			ll_json_kv_num(j, "seconds", f->seconds);
			ll_json_obj_end(j);
		}
		ll_json_arr_end(j);
		ll_json_obj_end(j);
	}
	ll_json_arr_end(j);
	ll_json_kv_num(j, "seconds", e->seconds);
	ll_json_obj_end(j);
	fputc('\n', j->fp);
}

/* rank_RR/ folders of an earlier ensemble in dir: gone before this one is
 * written, so dir holds exactly the fits summary.json lists.  Only
 * folders latentlab wrote (they hold FIT_MARKER; never through a link)
 * are removed: a rank_7/ or rank_01/ of the user's stays, and writing
 * over one of the same name is refused (ll_mkdir_ours). */
static int remove_old_fits(const char *dir, ll_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = LL_OK;
	if (!d)
		return LL_OK; /* nothing there yet */
	while (rc == LL_OK && (de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		if (strncmp(n, "rank_", 5) != 0 || !n[5] || strspn(n + 5, "0123456789") != strlen(n + 5))
			continue;
		char *p = ll_path_join(dir, n);
		if (!p)
			rc = ll_err_oom(err);
		else if (ll_dir_is_ours(p, FIT_MARKER))
			rc = ll_rmtree_ours(p, FIT_MARKER, err); /* marker last: safe to cut short */
		ll_free(p);
	}
	closedir(d);
	return rc;
}

/* dir/summary.json through a temporary name */
static int write_summary(const ll_ensemble *e, const char *dir, const ll_ens_meta *meta,
			 const ll_ens_stats *st, ll_err *err)
{
	char *path = ll_path_join(dir, "summary.json");
	if (!path)
		return ll_err_set(err, LL_ENOMEM, "ensemble write: out of memory");
	ll_afile af;
	int rc = ll_afile_open(&af, path, err);
	if (rc == LL_OK) {
		ll_json j;
		ll_json_init(&j, af.fp, 1);
		json_summary(&j, e, meta, st);
		rc = ll_afile_commit(&af, err);
	}
	ll_free(path);
	return rc;
}

int ll_ens_write(const ll_ensemble *e, const char *dir, const ll_tensor *X,
		 const ll_ens_meta *meta, ll_err *err)
{
	char s1[128], s2[128];
	if (!e || !e->ranks || e->nranks == 0)
		return ll_err_set(err, LL_EINVAL, "ensemble write: nothing fitted");
	if (!dir || !*dir)
		return ll_err_set(err, LL_EINVAL, "ensemble write: no directory");
	if (X) {
		int same = X->nmodes == e->nmodes;
		for (int n = 0; same && n < X->nmodes; n++)
			same = X->dim[n] == e->dim[n];
		if (!same) {
			ll_tensor t = {0};
			t.nmodes = e->nmodes;
			memcpy(t.dim, e->dim, sizeof t.dim);
			return ll_err_set(err, LL_ESHAPE, "%s: data shape %s is not the ensemble's %s",
					  dir, ll_tensor_shape_str(X, s1, sizeof s1),
					  ll_tensor_shape_str(&t, s2, sizeof s2));
		}
	}
	int rc = ll_mkdirs(dir, err);
	if (rc == LL_OK)
		rc = remove_old_fits(dir, err);
	for (size_t ri = 0; ri < e->nranks && rc == LL_OK; ri++)
		for (size_t k = 0; k < e->ranks[ri].nrep && rc == LL_OK; k++)
			rc = write_fit(dir, e->ranks[ri].rank, k, &e->ranks[ri].fits[k], err);
	/* summary.json last: a folder that has it has every fit */
	if (rc == LL_OK)
		rc = ll_ens_write_summary(e, dir, meta, err);
	return rc;
}

int ll_ens_write_summary(const ll_ensemble *e, const char *dir, const ll_ens_meta *meta, ll_err *err)
{
	ll_ens_stats *st = ll_malloc_array(e->nranks ? e->nranks : 1, sizeof *st);
	if (!st)
		return ll_err_set(err, LL_ENOMEM, "ensemble write: out of memory");
	int rc = LL_OK;
	for (size_t ri = 0; ri < e->nranks && rc == LL_OK; ri++)
		rc = ll_ens_rank_stats(&e->ranks[ri], &st[ri], err);
	if (rc == LL_OK)
		rc = write_summary(e, dir, meta, st, err);
	ll_free(st);
	return rc;
}

/* ---- reading a model back ------------------------------------------------ */

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int has_file(const char *dir, const char *name)
{
	char *p = ll_path_join(dir, name);
	struct stat st;
	int ok = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
	ll_free(p);
	return ok;
}

/* Build K from the arrays: factors[n] (dim x R) and lambda (R, or NULL). */
static int model_from(const char *path, ll_tensor *const *factors, int N, const ll_tensor *lambda,
		      ll_ktensor *K, ll_err *err)
{
	size_t dim[LL_MAX_MODES], R = 0;
	for (int n = 0; n < N; n++) {
		const ll_tensor *F = factors[n];
		if (F->nmodes != 2)
			return ll_err_set(err, LL_ESHAPE, "%s: factor_%d has %d dimensions; a factor is dim x rank",
					  path, n, F->nmodes);
		if (n == 0)
			R = F->dim[1];
		if (F->dim[1] != R)
			return ll_err_set(err, LL_ESHAPE, "%s: factor_%d has %zu columns but factor_0 has %zu",
					  path, n, F->dim[1], R);
		dim[n] = F->dim[0];
	}
	if (R == 0)
		return ll_err_set(err, LL_ESHAPE, "%s: the factors have no columns (rank 0)", path);
	if (lambda && (lambda->nmodes != 1 || lambda->dim[0] != R))
		return ll_err_set(err, LL_ESHAPE, "%s: lambda holds %zu values for %zu components", path,
				  lambda->size, R);
	int rc = ll_ktensor_init(K, N, dim, R, err);
	if (rc != LL_OK)
		return rc;
	for (int n = 0; n < N; n++)
		memcpy(K->U[n], factors[n]->data, dim[n] * R * sizeof(double));
	if (lambda)
		memcpy(K->lambda, lambda->data, R * sizeof(double));
	return LL_OK;
}

static int read_model_dir(const char *dir, ll_ktensor *K, ll_err *err)
{
	ll_tensor F[LL_MAX_MODES], L = {0};
	ll_tensor *fp[LL_MAX_MODES];
	int N = 0, rc = LL_OK;
	memset(F, 0, sizeof F);
	char name[32];
	for (; N < LL_MAX_MODES; N++) {
		snprintf(name, sizeof name, "factor_%d.npy", N);
		if (!has_file(dir, name))
			break;
		char *p = ll_path_join(dir, name);
		rc = p ? ll_npy_read(p, &F[N], NULL, err) : ll_err_oom(err);
		ll_free(p);
		if (rc != LL_OK)
			goto out;
		fp[N] = &F[N];
	}
	if (N < 2) {
		rc = ll_err_set(err, LL_EINVAL, "%s: no model here (factor_0.npy and factor_1.npy expected)", dir);
		goto out;
	}
	if (has_file(dir, "lambda.npy")) {
		char *p = ll_path_join(dir, "lambda.npy");
		rc = p ? ll_npy_read(p, &L, NULL, err) : ll_err_oom(err);
		ll_free(p);
		if (rc != LL_OK)
			goto out;
	}
	rc = model_from(dir, fp, N, L.data ? &L : NULL, K, err);
out:
	for (int n = 0; n < LL_MAX_MODES; n++)
		ll_tensor_free(&F[n]);
	ll_tensor_free(&L);
	return rc;
}

static int read_model_npz(const char *path, ll_ktensor *K, ll_err *err)
{
	ll_array_set set = {0};
	int rc = ll_array_read_all(path, &set, err);
	if (rc != LL_OK)
		return rc;
	ll_tensor *fp[LL_MAX_MODES] = {0};
	const ll_tensor *lambda = NULL;
	int N = 0;
	for (size_t i = 0; i < set.n; i++) {
		const char *nm = set.names ? set.names[i] : "";
		int k;
		char tail;
		if (sscanf(nm, "factor_%d%c", &k, &tail) == 1 && k >= 0 && k < LL_MAX_MODES) {
			fp[k] = &set.t[i];
			if (k + 1 > N)
				N = k + 1;
		} else if (!strcmp(nm, "lambda") || !strcmp(nm, "weights")) {
			lambda = &set.t[i];
		}
	}
	for (int n = 0; n < N && rc == LL_OK; n++)
		if (!fp[n])
			rc = ll_err_set(err, LL_EINVAL, "%s: factor_%d is missing (factor_0 .. factor_%d expected)",
					path, n, N - 1);
	if (rc == LL_OK && N < 2)
		rc = ll_err_set(err, LL_EINVAL, "%s: no CP model here (members factor_0, factor_1, ... and "
				"optionally lambda expected)", path);
	if (rc == LL_OK)
		rc = model_from(path, fp, N, lambda, K, err);
	ll_array_set_free(&set);
	return rc;
}

int ll_ens_read_model(const char *path, ll_ktensor *K, ll_err *err)
{
	memset(K, 0, sizeof *K);
	if (!path || !*path)
		return ll_err_set(err, LL_EINVAL, "no model path");
	if (!is_dir(path)) {
		struct stat st;
		if (stat(path, &st) != 0)
			return ll_err_set(err, LL_EIO, "%s: %s", path, strerror(errno));
		return read_model_npz(path, K, err);
	}
	if (has_file(path, "factor_0.npy"))
		return read_model_dir(path, K, err);
	char *best = ll_path_join(path, "rep_00");
	if (!best)
		return ll_err_oom(err);
	int rc;
	if (is_dir(best))
		rc = read_model_dir(best, K, err);
	else if (has_file(path, "summary.json"))
		rc = ll_err_set(err, LL_EINVAL, "%s: an ensemble's folder holds a model per rank: "
				"give one rank's folder (e.g. %s/rank_04) or one fit's", path, path);
	else
		rc = ll_err_set(err, LL_EINVAL, "%s: no model here (a fit's folder with factor_N.npy, a rank's "
				"folder with rep_00, or an .npz expected)", path);
	ll_free(best);
	return rc;
}
