/* Writing an ensemble: per-fit .npy files and summary.json (see
 * ll_ens_io.h). */
#include "config.h"

#include "io/ll_ens_io.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "io/ll_npy.h"

#define FIT_MARKER ".latentlab-fit"

static int write_fit(const char *dir, size_t rank, size_t k, const ll_cp_result *f, ll_err *err)
{
	char sub[64], name[32];
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
	const ll_ktensor *K = &f->K;
	static const double none = 0.0;
	size_t shape[2] = {K->rank, 0};
	if (rc == LL_OK)
		rc = ll_npy_write_array_in(fdir, "lambda.npy", K->lambda, 1, shape, 0, err);
	shape[0] = f->hist ? (size_t)f->iters : 0;
	if (rc == LL_OK)
		rc = ll_npy_write_array_in(fdir, "hist.npy", f->hist ? f->hist : &none, 1, shape, 0, err);
	for (int n = 0; rc == LL_OK && n < K->nmodes; n++) {
		snprintf(name, sizeof name, "factor_%d.npy", n);
		shape[0] = K->dim[n];
		shape[1] = K->rank;
		rc = ll_npy_write_array_in(fdir, name, K->U[n], 2, shape, 0, err);
	}
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
	ll_json_kv_str(j, "init", o->cp.init == LL_CP_INIT_SVD ? "svd" : "random");
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
	ll_ens_stats *st = ll_malloc_array(e->nranks, sizeof *st);
	if (!st)
		return ll_err_set(err, LL_ENOMEM, "ensemble write: out of memory");
	int rc = LL_OK;
	for (size_t ri = 0; ri < e->nranks && rc == LL_OK; ri++)
		rc = ll_ens_rank_stats(&e->ranks[ri], &st[ri], err);
	if (rc == LL_OK)
		rc = ll_mkdirs(dir, err);
	if (rc == LL_OK)
		rc = remove_old_fits(dir, err);
	for (size_t ri = 0; ri < e->nranks && rc == LL_OK; ri++)
		for (size_t k = 0; k < e->ranks[ri].nrep && rc == LL_OK; k++)
			rc = write_fit(dir, e->ranks[ri].rank, k, &e->ranks[ri].fits[k], err);
	char *path = NULL;
	if (rc == LL_OK && !(path = ll_path_join(dir, "summary.json")))
		rc = ll_err_set(err, LL_ENOMEM, "ensemble write: out of memory");
	if (rc == LL_OK) {
		ll_afile af;
		rc = ll_afile_open(&af, path, err);
		if (rc == LL_OK) {
			ll_json j;
			ll_json_init(&j, af.fp, 1);
			json_summary(&j, e, meta, st);
			rc = ll_afile_commit(&af, err);
		}
	}
	ll_free(path);
	ll_free(st);
	return rc;
}
