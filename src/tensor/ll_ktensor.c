#include "tensor/ll_ktensor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int ll_ktensor_init(ll_ktensor *k, int nmodes, const size_t *dim, size_t rank, ll_err *err)
{
	memset(k, 0, sizeof *k);
	if (nmodes < 1 || nmodes > LL_MAX_MODES)
		return ll_err_set(err, LL_ESHAPE, "ktensor must have 1 to %d modes", LL_MAX_MODES);
	if (rank == 0)
		return ll_err_set(err, LL_EINVAL, "rank must be at least 1");
	k->nmodes = nmodes;
	k->rank = rank;
	memcpy(k->dim, dim, (size_t)nmodes * sizeof dim[0]);
	k->lambda = ll_malloc_array(rank, sizeof(double));
	if (!k->lambda)
		goto oom;
	for (size_t r = 0; r < rank; r++)
		k->lambda[r] = 1.0;
	for (int n = 0; n < nmodes; n++) {
		if (dim[n] == 0) {
			ll_ktensor_free(k);
			return ll_err_set(err, LL_ESHAPE, "mode %d has size 0", n);
		}
		k->U[n] = ll_calloc_array(dim[n] * rank, sizeof(double));
		if (!k->U[n])
			goto oom;
	}
	return LL_OK;
oom:
	ll_ktensor_free(k);
	return ll_err_set(err, LL_ENOMEM, "out of memory for a rank-%zu model", rank);
}

void ll_ktensor_free(ll_ktensor *k)
{
	ll_free(k->lambda);
	for (int n = 0; n < LL_MAX_MODES; n++)
		ll_free(k->U[n]);
	memset(k, 0, sizeof *k);
}

int ll_ktensor_copy(ll_ktensor *dst, const ll_ktensor *src, ll_err *err)
{
	int rc = ll_ktensor_init(dst, src->nmodes, src->dim, src->rank, err);
	if (rc != LL_OK)
		return rc;
	memcpy(dst->lambda, src->lambda, src->rank * sizeof(double));
	for (int n = 0; n < src->nmodes; n++)
		memcpy(dst->U[n], src->U[n], src->dim[n] * src->rank * sizeof(double));
	return LL_OK;
}

void ll_ktensor_normalize(ll_ktensor *k)
{
	size_t R = k->rank;
	for (int n = 0; n < k->nmodes; n++) {
		double *U = k->U[n];
		for (size_t r = 0; r < R; r++) {
			double s = 0.0;
			for (size_t i = 0; i < k->dim[n]; i++)
				s += U[i * R + r] * U[i * R + r];
			s = sqrt(s);
			if (s > 0.0) {
				for (size_t i = 0; i < k->dim[n]; i++)
					U[i * R + r] /= s;
			}
			k->lambda[r] *= s;
		}
	}
}

int ll_ktensor_permute(ll_ktensor *k, const size_t *perm, ll_err *err)
{
	size_t R = k->rank;
	size_t maxd = 1;
	if (!perm)
		return ll_err_set(err, LL_EINVAL, "ktensor permute: no permutation given");
	for (int n = 0; n < k->nmodes; n++)
		if (k->dim[n] > maxd)
			maxd = k->dim[n];
	double *tmp = ll_malloc_array(maxd * R, sizeof(double)); /* >= R bytes for seen */
	if (!tmp)
		return ll_err_set(err, LL_ENOMEM, "ktensor permute: out of memory");
	/* check perm before touching k: every index once, all below R */
	unsigned char *seen = (unsigned char *)tmp;
	memset(seen, 0, R);
	for (size_t r = 0; r < R; r++) {
		if (perm[r] >= R || seen[perm[r]]) {
			ll_free(tmp);
			return ll_err_set(err, LL_EINVAL,
					  "ktensor permute: perm is not a permutation of 0..%zu", R - 1);
		}
		seen[perm[r]] = 1;
	}
	for (size_t r = 0; r < R; r++)
		tmp[r] = k->lambda[perm[r]];
	memcpy(k->lambda, tmp, R * sizeof(double));
	for (int n = 0; n < k->nmodes; n++) {
		double *U = k->U[n];
		for (size_t i = 0; i < k->dim[n]; i++)
			for (size_t r = 0; r < R; r++)
				tmp[i * R + r] = U[i * R + perm[r]];
		memcpy(U, tmp, k->dim[n] * R * sizeof(double));
	}
	ll_free(tmp);
	return LL_OK;
}

/* Swap components i and j (weights and every factor column). */
static void swap_components(ll_ktensor *k, size_t i, size_t j)
{
	size_t R = k->rank;
	double t = k->lambda[i];
	k->lambda[i] = k->lambda[j];
	k->lambda[j] = t;
	for (int n = 0; n < k->nmodes; n++) {
		double *U = k->U[n];
		for (size_t row = 0; row < k->dim[n]; row++) {
			t = U[row * R + i];
			U[row * R + i] = U[row * R + j];
			U[row * R + j] = t;
		}
	}
}

void ll_ktensor_arrange(ll_ktensor *k)
{
	/* stable insertion sort on the components in place: R is small, and
	 * with no memory to ask for the sort cannot fail (it used to build a
	 * permutation, and left the model unsorted when that malloc failed) */
	for (size_t a = 1; a < k->rank; a++)
		for (size_t b = a; b > 0 && k->lambda[b - 1] < k->lambda[b]; b--)
			swap_components(k, b - 1, b);
}

void ll_ktensor_fix_signs(ll_ktensor *k)
{
	size_t R = k->rank;
	int last = k->nmodes - 1;
	for (size_t r = 0; r < R; r++) {
		int flips = 0;
		for (int n = 0; n < last; n++) {
			double *U = k->U[n], best = 0.0;
			for (size_t i = 0; i < k->dim[n]; i++)
				if (fabs(U[i * R + r]) > fabs(best))
					best = U[i * R + r];
			if (best < 0.0) {
				for (size_t i = 0; i < k->dim[n]; i++)
					U[i * R + r] = -U[i * R + r];
				flips ^= 1;
			}
		}
		if (flips)
			for (size_t i = 0; i < k->dim[last]; i++)
				k->U[last][i * R + r] = -k->U[last][i * R + r];
	}
}

int ll_ktensor_full(const ll_ktensor *k, ll_tensor *t, ll_err *err)
{
	int rc = ll_tensor_init(t, k->nmodes, k->dim, err);
	if (rc != LL_OK)
		return rc;
	size_t R = k->rank, N = (size_t)k->nmodes;
	size_t idx[LL_MAX_MODES] = {0};
	double *w = ll_malloc_array(R, sizeof(double));
	if (!w) {
		ll_tensor_free(t);
		return ll_err_oom(err);
	}
	for (size_t lin = 0; lin < t->size; lin++) {
		for (size_t r = 0; r < R; r++)
			w[r] = k->lambda[r];
		for (size_t n = 0; n < N; n++) {
			const double *u = k->U[n] + idx[n] * R;
			for (size_t r = 0; r < R; r++)
				w[r] *= u[r];
		}
		double s = 0.0;
		for (size_t r = 0; r < R; r++)
			s += w[r];
		t->data[lin] = s;
		for (int n = (int)N - 1; n >= 0; n--) { /* odometer, last fastest */
			if (++idx[n] < k->dim[n])
				break;
			idx[n] = 0;
		}
	}
	ll_free(w);
	return LL_OK;
}

double ll_ktensor_norm2(const ll_ktensor *k)
{
	/* sum over component pairs of lambda_a lambda_b prod_n <u_na, u_nb>,
	 * the Gram matrices' Hadamard product, formed entry by entry so
	 * nothing is allocated (it returned NaN when a malloc failed) */
	size_t R = k->rank;
	double s = 0.0;
	for (size_t a = 0; a < R; a++)
		for (size_t b = 0; b < R; b++) {
			double h = k->lambda[a] * k->lambda[b];
			for (int n = 0; n < k->nmodes; n++) {
				const double *U = k->U[n];
				double g = 0.0;
				for (size_t i = 0; i < k->dim[n]; i++)
					g += U[i * R + a] * U[i * R + b];
				h *= g;
			}
			s += h;
		}
	return s;
}
