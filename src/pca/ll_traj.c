/*
 * 3-D latent trajectories: three ways of turning states or CP factors into
 * a set of paths (see ll_traj.h); the PCA is pca/ll_pca.c.
 */
#include "pca/ll_traj.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pca/ll_pca.h"

/* ------------------------------------------------------- trajectory sets */

int ll_traj_set_init(ll_traj_set *ts, size_t n_paths, size_t n_points, ll_err *err)
{
	size_t np;

	memset(ts, 0, sizeof *ts);
	if (n_paths == 0 || n_points == 0)
		return ll_err_set(err, LL_ESHAPE, "trajectory: %zu paths of %zu points: need at least one of each",
				  n_paths, n_points);
	if (!ll_mul_ok(n_paths, n_points, &np) || !ll_mul_ok(np, LL_TRAJ_DIMS, &np))
		return ll_err_set(err, LL_ENOMEM, "trajectory: %zu x %zu points overflow", n_paths, n_points);
	ts->xyz = ll_calloc_array(np, sizeof(double));
	ts->labels = ll_calloc_array(n_paths, sizeof ts->labels[0]);
	ts->key = ll_malloc_array(n_paths, sizeof(int));
	if (!ts->xyz || !ts->labels || !ts->key) {
		ll_traj_set_free(ts);
		return ll_err_set(err, LL_ENOMEM, "trajectory: out of memory for %zu x %zu points",
				  n_paths, n_points);
	}
	ts->n_paths = n_paths;
	ts->n_points = n_points;
	for (size_t p = 0; p < n_paths; p++) {
		snprintf(ts->labels[p], LL_TRAJ_LABEL, "path %zu", p);
		ts->key[p] = p <= (size_t)INT_MAX ? (int)p : INT_MAX;
	}
	for (int a = 0; a < LL_TRAJ_DIMS; a++)
		snprintf(ts->axis_name[a], sizeof ts->axis_name[a], "-");
	return LL_OK;
}

void ll_traj_set_free(ll_traj_set *ts)
{
	if (!ts)
		return;
	ll_free(ts->xyz);
	ll_free(ts->labels);
	ll_free(ts->key);
	memset(ts, 0, sizeof *ts);
}

/* Copy PCA scores (rows p * T + t) into a fresh set. */
static int traj_from_pca(const ll_pca *pca, size_t P, size_t T, ll_traj_set *ts, ll_err *err)
{
	int rc = ll_traj_set_init(ts, P, T, err);
	if (rc != LL_OK)
		return rc;
	for (size_t row = 0; row < P * T; row++)
		for (size_t a = 0; a < pca->k_valid && a < LL_TRAJ_DIMS; a++)
			ts->xyz[row * LL_TRAJ_DIMS + a] = pca->scores[row * pca->k + a];
	ts->n_axes = (int)(pca->k_valid < LL_TRAJ_DIMS ? pca->k_valid : LL_TRAJ_DIMS);
	for (int a = 0; a < ts->n_axes; a++) {
		ts->explained[a] = pca->explained[a];
		snprintf(ts->axis_name[a], sizeof ts->axis_name[a], "PC%d", a + 1);
	}
	snprintf(ts->source, sizeof ts->source, "pca");
	return LL_OK;
}

static int check_modes(int nmodes, int path_mode, int time_mode, ll_err *err)
{
	if (nmodes < 2)
		return ll_err_set(err, LL_ESHAPE, "trajectory: need at least 2 modes (paths and time), got %d",
				  nmodes);
	if (path_mode < 0 || path_mode >= nmodes || time_mode < 0 || time_mode >= nmodes)
		return ll_err_set(err, LL_EINVAL, "trajectory: path mode %d / time mode %d outside 0..%d",
				  path_mode, time_mode, nmodes - 1);
	if (path_mode == time_mode)
		return ll_err_set(err, LL_EINVAL, "trajectory: path mode and time mode are both %d", path_mode);
	return LL_OK;
}

int ll_traj_from_tensor_snapshots(const ll_tensor *X, int path_mode, int time_mode,
				  const char *path_name, ll_traj_set *ts, ll_err *err)
{
	size_t fstride[LL_MAX_MODES], idx[LL_MAX_MODES] = {0};
	size_t P, T, D, rows;
	double *M;
	ll_pca pca;
	int rc;

	memset(ts, 0, sizeof *ts);
	if (!X || !X->data)
		return ll_err_set(err, LL_EINVAL, "trajectory: no tensor");
	if ((rc = check_modes(X->nmodes, path_mode, time_mode, err)) != LL_OK)
		return rc;
	size_t nnan, ninf;
	ll_tensor_count_nonfinite(X, &nnan, &ninf);
	if (nnan || ninf)
		return ll_err_set(err, LL_ENUMERIC,
				  "trajectory: the tensor has %zu NaN and %zu infinite entries; PCA needs complete states",
				  nnan, ninf);
	P = X->dim[path_mode];
	T = X->dim[time_mode];
	rows = P * T; /* <= X->size, no overflow */
	D = X->size / rows;
	if (rows < 2)
		return ll_err_set(err, LL_ESHAPE,
				  "trajectory: %zu path x %zu time point is a single state; PCA needs at least 2",
				  P, T);
	/* feature index: the remaining modes in C order (last fastest) */
	{
		size_t acc = 1;
		for (int m = X->nmodes - 1; m >= 0; m--) {
			fstride[m] = 0;
			if (m == path_mode || m == time_mode)
				continue;
			fstride[m] = acc;
			acc *= X->dim[m];
		}
	}
	M = ll_malloc_array(X->size, sizeof(double));
	if (!M)
		return ll_err_set(err, LL_ENOMEM, "trajectory: out of memory for %zu states", rows);
	for (size_t lin = 0; lin < X->size; lin++) {
		size_t f = 0;
		for (int m = 0; m < X->nmodes; m++)
			f += idx[m] * fstride[m];
		M[(idx[path_mode] * T + idx[time_mode]) * D + f] = X->data[lin];
		for (int m = X->nmodes - 1; m >= 0; m--) {
			if (++idx[m] < X->dim[m])
				break;
			idx[m] = 0;
		}
	}
	rc = ll_pca_fit(&pca, M, rows, D, LL_TRAJ_DIMS, err);
	ll_free(M);
	if (rc != LL_OK) {
		ll_err_prefix(err, "trajectory");
		return rc;
	}
	rc = traj_from_pca(&pca, P, T, ts, err);
	ll_pca_free(&pca);
	if (rc != LL_OK)
		return rc;
	for (size_t p = 0; p < P; p++)
		snprintf(ts->labels[p], LL_TRAJ_LABEL, "%.10s %zu", path_name ? path_name : "path", p);
	return LL_OK;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Sorted distinct values of v[0..n) into a new array (*out, *nout). */
static int unique_ints(const int *v, size_t n, int **out, size_t *nout)
{
	int *u = ll_malloc_array(n, sizeof(int));
	size_t k = 0;
	if (!u)
		return LL_ENOMEM;
	memcpy(u, v, n * sizeof(int));
	qsort(u, n, sizeof(int), cmp_int);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || u[k - 1] != u[i])
			u[k++] = u[i];
	*out = u;
	*nout = k;
	return LL_OK;
}

static size_t find_int(const int *u, size_t n, int v)
{
	const int *hit = bsearch(&v, u, n, sizeof(int), cmp_int);
	return (size_t)(hit - u);
}

int ll_traj_from_condition_means(const ll_tensor *X, const int *labels, size_t nlabels,
				 ll_traj_set *ts, ll_err *err)
{
	int *conds = NULL;
	size_t C = 1, N, T, K, *cidx = NULL, *cnt = NULL;
	double *sum = NULL, *S = NULL;
	int zero = 0, rc = LL_OK;

	memset(ts, 0, sizeof *ts);
	if (!X || !X->data)
		return ll_err_set(err, LL_EINVAL, "trajectory: no tensor");
	if (X->nmodes != 3)
		return ll_err_set(err, LL_ESHAPE,
				  "trajectory: condition means need neurons x time x trials, got %d modes",
				  X->nmodes);
	N = X->dim[0];
	T = X->dim[1];
	K = X->dim[2];
	if (labels && nlabels != K)
		return ll_err_set(err, LL_ESHAPE, "trajectory: %zu condition labels for %zu trials",
				  nlabels, K);
	if (labels) {
		if (unique_ints(labels, K, &conds, &C) != LL_OK)
			return ll_err_set(err, LL_ENOMEM, "trajectory: out of memory");
	} else {
		conds = &zero;
	}
	if (C * T < 2) {
		rc = ll_err_set(err, LL_ESHAPE,
				"trajectory: %zu condition x %zu time bin is a single state; PCA needs at least 2",
				C, T);
		goto out;
	}
	cidx = ll_malloc_array(K, sizeof(size_t));
	cnt = ll_malloc_array(C, sizeof(size_t));
	sum = ll_malloc_array(C, sizeof(double));
	S = ll_malloc_array(C * T, N * sizeof(double));
	if (!cidx || !cnt || !sum || !S) {
		rc = ll_err_set(err, LL_ENOMEM, "trajectory: out of memory for %zu condition means", C);
		goto out;
	}
	for (size_t k = 0; k < K; k++)
		cidx[k] = labels ? find_int(conds, C, labels[k]) : 0;
	for (size_t n = 0; n < N; n++)
		for (size_t t = 0; t < T; t++) {
			const double *x = X->data + (n * T + t) * K;
			for (size_t c = 0; c < C; c++) {
				sum[c] = 0.0;
				cnt[c] = 0;
			}
			for (size_t k = 0; k < K; k++)
				if (!isnan(x[k])) {
					sum[cidx[k]] += x[k];
					cnt[cidx[k]]++;
				}
			for (size_t c = 0; c < C; c++) {
				if (cnt[c] == 0) {
					rc = ll_err_set(err, LL_ENUMERIC,
							"trajectory: neuron %zu at time %zu has no observed trial in condition %d",
							n, t, conds[c]);
					goto out;
				}
				S[(c * T + t) * N + n] = sum[c] / (double)cnt[c];
			}
		}
	ll_pca pca;
	if ((rc = ll_pca_fit(&pca, S, C * T, N, LL_TRAJ_DIMS, err)) != LL_OK) {
		ll_err_prefix(err, "trajectory");
		goto out;
	}
	rc = traj_from_pca(&pca, C, T, ts, err);
	ll_pca_free(&pca);
	if (rc != LL_OK)
		goto out;
	for (size_t c = 0; c < C; c++) {
		ts->key[c] = conds[c];
		if (labels)
			snprintf(ts->labels[c], LL_TRAJ_LABEL, "condition %d", conds[c]);
		else
			snprintf(ts->labels[c], LL_TRAJ_LABEL, "all trials");
	}
out:
	if (conds != &zero)
		ll_free(conds);
	ll_free(cidx);
	ll_free(cnt);
	ll_free(sum);
	ll_free(S);
	return rc;
}

int ll_traj_from_factors(const ll_ktensor *K, int path_mode, int time_mode,
			 const int *path_labels, size_t nlabels, const char *path_name,
			 ll_traj_set *ts, ll_err *err)
{
	ll_ktensor k;
	size_t top[LL_TRAJ_DIMS], ntop = 0, P, T, R, Ip;
	int *conds = NULL;
	double *Ap = NULL, l2 = 0.0;
	int rc;

	memset(ts, 0, sizeof *ts);
	if (!K || K->rank == 0 || !K->lambda)
		return ll_err_set(err, LL_EINVAL, "trajectory: no CP model");
	if ((rc = check_modes(K->nmodes, path_mode, time_mode, err)) != LL_OK)
		return rc;
	Ip = K->dim[path_mode];
	T = K->dim[time_mode];
	R = K->rank;
	if (path_labels && nlabels != Ip)
		return ll_err_set(err, LL_ESHAPE, "trajectory: %zu path labels for a path mode of %zu",
				  nlabels, Ip);
	for (size_t r = 0; r < R; r++)
		if (!isfinite(K->lambda[r]))
			return ll_err_set(err, LL_ENUMERIC, "trajectory: component %zu has weight %g", r + 1,
					  K->lambda[r]);
	if ((rc = ll_ktensor_copy(&k, K, err)) != LL_OK)
		return rc;
	ll_ktensor_normalize(&k);
	for (size_t r = 0; r < R; r++)
		l2 += k.lambda[r] * k.lambda[r];
	/* the (up to) three heaviest components, ties to the lower index */
	for (; ntop < LL_TRAJ_DIMS && ntop < R; ntop++) {
		size_t best = R;
		for (size_t r = 0; r < R; r++) {
			int used = 0;
			for (size_t a = 0; a < ntop; a++)
				used |= top[a] == r;
			if (!used && (best == R || k.lambda[r] > k.lambda[best]))
				best = r;
		}
		top[ntop] = best;
	}

	P = Ip;
	if (path_labels) {
		if (unique_ints(path_labels, Ip, &conds, &P) != LL_OK) {
			rc = ll_err_set(err, LL_ENOMEM, "trajectory: out of memory");
			goto out;
		}
	}
	/* path loadings of the chosen components: P x ntop */
	Ap = ll_calloc_array(P, LL_TRAJ_DIMS * sizeof(double));
	if (!Ap) {
		rc = ll_err_set(err, LL_ENOMEM, "trajectory: out of memory");
		goto out;
	}
	if (path_labels) {
		size_t *cnt = ll_calloc_array(P, sizeof(size_t));
		if (!cnt) {
			rc = ll_err_set(err, LL_ENOMEM, "trajectory: out of memory");
			goto out;
		}
		for (size_t i = 0; i < Ip; i++) {
			size_t p = find_int(conds, P, path_labels[i]);
			cnt[p]++;
			for (size_t a = 0; a < ntop; a++)
				Ap[p * LL_TRAJ_DIMS + a] += k.U[path_mode][i * R + top[a]];
		}
		for (size_t p = 0; p < P; p++)
			for (size_t a = 0; a < ntop; a++)
				Ap[p * LL_TRAJ_DIMS + a] /= (double)cnt[p];
		ll_free(cnt);
	} else {
		for (size_t p = 0; p < P; p++)
			for (size_t a = 0; a < ntop; a++)
				Ap[p * LL_TRAJ_DIMS + a] = k.U[path_mode][p * R + top[a]];
	}
	if ((rc = ll_traj_set_init(ts, P, T, err)) != LL_OK)
		goto out;
	for (size_t p = 0; p < P; p++)
		for (size_t t = 0; t < T; t++)
			for (size_t a = 0; a < ntop; a++)
				ts->xyz[(p * T + t) * LL_TRAJ_DIMS + a] =
					k.lambda[top[a]] * Ap[p * LL_TRAJ_DIMS + a] *
					k.U[time_mode][t * R + top[a]];
	ts->n_axes = (int)ntop;
	for (size_t a = 0; a < ntop; a++) {
		ts->explained[a] = l2 > 0.0 ? k.lambda[top[a]] * k.lambda[top[a]] / l2 : 0.0;
		snprintf(ts->axis_name[a], sizeof ts->axis_name[a], "C%zu", top[a] + 1);
	}
	snprintf(ts->source, sizeof ts->source, "tca");
	for (size_t p = 0; p < P; p++) {
		if (path_labels) {
			ts->key[p] = conds[p];
			snprintf(ts->labels[p], LL_TRAJ_LABEL, "condition %d", conds[p]);
		} else {
			snprintf(ts->labels[p], LL_TRAJ_LABEL, "%.10s %zu", path_name ? path_name : "path", p);
		}
	}
out:
	ll_free(conds);
	ll_free(Ap);
	ll_ktensor_free(&k);
	return rc;
}
