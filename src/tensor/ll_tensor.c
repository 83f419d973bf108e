#include "tensor/ll_tensor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static int tensor_alloc(ll_tensor *t, int nmodes, const size_t *dim, int single, ll_err *err)
{
	size_t size = 1;

	memset(t, 0, sizeof *t);
	if (nmodes < 1 || nmodes > LL_MAX_MODES)
		return ll_err_set(err, LL_ESHAPE, "tensor must have 1 to %d modes, not %d",
				  LL_MAX_MODES, nmodes);
	for (int n = 0; n < nmodes; n++) {
		if (dim[n] == 0)
			return ll_err_set(err, LL_ESHAPE, "mode %d has size 0", n);
		if (!ll_mul_ok(size, dim[n], &size))
			return ll_err_set(err, LL_ENOMEM, "tensor size overflows");
	}
	if (single)
		t->fdata = ll_calloc_array(size, sizeof(float));
	else
		t->data = ll_calloc_array(size, sizeof(double));
	if (!t->data && !t->fdata)
		return ll_err_set(err, LL_ENOMEM, "out of memory for a tensor of %zu entries", size);
	t->nmodes = nmodes;
	memcpy(t->dim, dim, (size_t)nmodes * sizeof dim[0]);
	t->size = size;
	return LL_OK;
}

int ll_tensor_init(ll_tensor *t, int nmodes, const size_t *dim, ll_err *err)
{
	return tensor_alloc(t, nmodes, dim, 0, err);
}

int ll_tensor_init_f32(ll_tensor *t, int nmodes, const size_t *dim, ll_err *err)
{
	return tensor_alloc(t, nmodes, dim, 1, err);
}

void ll_tensor_free(ll_tensor *t)
{
	ll_free(t->data);
	if (t->map)
		munmap(t->map, t->maplen);
	else
		ll_free(t->fdata);
	memset(t, 0, sizeof *t);
}

int ll_tensor_copy_f32(ll_tensor *dst, const ll_tensor *src, ll_err *err)
{
	int rc = ll_tensor_init_f32(dst, src->nmodes, src->dim, err);
	if (rc != LL_OK)
		return rc;
	for (size_t i = 0; i < src->size; i++)
		dst->fdata[i] = (float)ll_tensor_at(src, i);
	return LL_OK;
}

int ll_tensor_to_f32(ll_tensor *t, ll_err *err)
{
	if (!t->data)
		return LL_OK;
	float *f = ll_malloc_array(t->size, sizeof *f);
	if (!f)
		return ll_err_set(err, LL_ENOMEM, "out of memory for a float copy of %zu entries", t->size);
	for (size_t i = 0; i < t->size; i++)
		f[i] = (float)t->data[i];
	ll_free(t->data);
	t->data = NULL;
	t->fdata = f;
	return LL_OK;
}

int ll_tensor_copy(ll_tensor *dst, const ll_tensor *src, ll_err *err)
{
	int rc = tensor_alloc(dst, src->nmodes, src->dim, src->data == NULL, err);
	if (rc == LL_OK && src->data)
		memcpy(dst->data, src->data, src->size * sizeof(double));
	else if (rc == LL_OK)
		memcpy(dst->fdata, src->fdata, src->size * sizeof(float));
	return rc;
}

int ll_tensor_same_shape(const ll_tensor *a, const ll_tensor *b)
{
	if (a->nmodes != b->nmodes)
		return 0;
	for (int n = 0; n < a->nmodes; n++)
		if (a->dim[n] != b->dim[n])
			return 0;
	return 1;
}

const char *ll_tensor_shape_str(const ll_tensor *t, char *buf, size_t n)
{
	size_t off = 0;
	if (n)
		buf[0] = '\0';
	for (int m = 0; m < t->nmodes && off < n; m++) {
		int w = snprintf(buf + off, n - off, "%s%zu", m ? "x" : "", t->dim[m]);
		if (w < 0)
			break;
		off += (size_t)w;
	}
	return buf;
}

const char *ll_tensor_index_str(const ll_tensor *t, size_t lin, char *buf, size_t n)
{
	size_t idx[LL_MAX_MODES], off = 0;
	for (int k = t->nmodes - 1; k >= 0; k--) {
		idx[k] = lin % t->dim[k];
		lin /= t->dim[k];
	}
	if (n)
		buf[0] = '\0';
	for (int k = 0; k < t->nmodes && off < n; k++)
		off += (size_t)snprintf(buf + off, n - off, "%s%zu", k ? ", " : "(", idx[k]);
	if (off < n)
		snprintf(buf + off, n - off, ")");
	return buf;
}

double ll_tensor_norm(const ll_tensor *t)
{
	/* a plain sum of squares is exact enough and fast; fall back to the
	 * scaled one only when it overflowed, underflowed or met a NaN */
	double s = 0.0;
	if (t->data) {
		for (size_t i = 0; i < t->size; i++)
			s += t->data[i] * t->data[i];
	} else {
		for (size_t i = 0; i < t->size; i++)
			s += (double)t->fdata[i] * t->fdata[i];
	}
	if (isfinite(s) && s > 1e-280)
		return sqrt(s);
	double scale = 0.0, ssq = 1.0;
	int inf = 0;
	for (size_t i = 0; i < t->size; i++) {
		double a = fabs(ll_tensor_at(t, i));
		if (a == 0.0)
			continue;
		if (isnan(a))
			return NAN;
		if (isinf(a)) {
			inf = 1;
			continue;
		}
		if (scale < a) {
			ssq = 1.0 + ssq * (scale / a) * (scale / a);
			scale = a;
		} else {
			ssq += (a / scale) * (a / scale);
		}
	}
	return inf ? INFINITY : scale * sqrt(ssq);
}

void ll_tensor_count_nonfinite(const ll_tensor *t, size_t *nnan, size_t *ninf)
{
	size_t a = 0, b = 0;
	for (size_t i = 0; i < t->size; i++) {
		double x = ll_tensor_at(t, i);
		if (isnan(x))
			a++;
		else if (isinf(x))
			b++;
	}
	if (nnan)
		*nnan = a;
	if (ninf)
		*ninf = b;
}

/* Walk t in memory order, keeping the (row, column) of the Kolda mode-n
 * unfolding up to date with an odometer; to_matrix picks the direction. */
static void unfold_walk(ll_tensor *t, int mode, double *mat, int to_matrix)
{
	int N = t->nmodes;
	size_t ncol = t->size / t->dim[mode];
	size_t J[LL_MAX_MODES], idx[LL_MAX_MODES] = {0}, stride = 1;
	for (int k = 0; k < N; k++) {
		J[k] = k == mode ? ncol : stride; /* the mode itself steps rows */
		if (k != mode)
			stride *= t->dim[k];
	}
	size_t pos = 0; /* row * ncol + col */
	for (size_t lin = 0; lin < t->size; lin++) {
		if (to_matrix)
			mat[pos] = t->data[lin];
		else
			t->data[lin] = mat[pos];
		for (int n = N - 1; n >= 0; n--) {
			if (++idx[n] < t->dim[n]) {
				pos += J[n];
				break;
			}
			pos -= (t->dim[n] - 1) * J[n];
			idx[n] = 0;
		}
	}
}

void ll_tensor_unfold(const ll_tensor *t, int mode, double *out)
{
	/* to_matrix only reads t */
	unfold_walk((ll_tensor *)t, mode, out, 1);
}

void ll_tensor_fold(ll_tensor *t, int mode, const double *in)
{
	/* from-matrix only reads in */
	unfold_walk(t, mode, (double *)in, 0);
}

void ll_khatri_rao(const double *A, size_t nI, const double *B, size_t nJ,
		   size_t R, double *out)
{
	for (size_t i = 0; i < nI; i++)
		for (size_t j = 0; j < nJ; j++) {
			double *o = out + (i * nJ + j) * R;
			const double *a = A + i * R, *b = B + j * R;
			for (size_t r = 0; r < R; r++)
				o[r] = a[r] * b[r];
		}
}
