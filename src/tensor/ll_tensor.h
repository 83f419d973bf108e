/*
 * ll_tensor.h - dense N-way tensors of doubles.
 *
 * Layout: C order (row-major), the LAST mode varies fastest, as NumPy's
 * default.  Element (i0, ..., i_{N-1}) is at
 *   data[((i0 * dim[1] + i1) * dim[2] + i2) ...].
 * A tensor owns its data (ll_tensor_init allocates, ll_tensor_free frees).
 *
 * Single precision (issue 15): a tensor may instead hold float32 values in
 * fdata (data is then NULL), made by ll_tensor_init_f32 or
 * ll_tensor_to_f32, or mapped read-only from a file (map/maplen, see
 * ll_npy_read_f32; never write through fdata then).  Only the CP fitting
 * path reads float tensors (ll_mttkrp, ll_cp_fit*, ll_ens_fit, the norm
 * and finiteness scans below, ll_tensor_at); everything else needs data
 * and refuses a tensor without it.
 * 1 <= nmodes <= LL_MAX_MODES; every dim >= 1 (a 0-size mode is refused
 * with LL_ESHAPE).
 *
 * Unfolding follows Kolda & Bader (2009): X_(n) is dim[n] x (size/dim[n])
 * with column index j = sum_{k != n} i_k * J_k, J_k = prod_{m<k, m!=n} dim[m]
 * (earlier modes vary fastest along a row).  Khatri-Rao products are defined
 * to match it: (A (.) B)[i*J + j... ] -- see ll_khatri_rao.
 */
#ifndef LL_TENSOR_H
#define LL_TENSOR_H

#include <stddef.h>

#include "base/ll_common.h"

typedef struct ll_tensor {
	int nmodes;
	size_t dim[LL_MAX_MODES];
	size_t size;  /* product of dims */
	double *data; /* owned, size doubles; NULL when the tensor is float */
	float *fdata; /* owned or mapped, size floats; NULL when double */
	void *map;    /* the file mapping fdata lies in (munmap on free), or NULL */
	size_t maplen;
} ll_tensor;

/* Element i as a double, whichever the storage. */
static inline double ll_tensor_at(const ll_tensor *t, size_t i)
{
	return t->data ? t->data[i] : (double)t->fdata[i];
}
/* Whether t holds elements at all (double or float). */
static inline int ll_tensor_has_data(const ll_tensor *t)
{
	return t && (t->data || t->fdata);
}
/* Bytes of element storage: 8 or 4 per entry. */
static inline size_t ll_tensor_bytes(const ll_tensor *t)
{
	return t->size * (t->fdata ? sizeof(float) : sizeof(double));
}

/* Allocate a zero-filled tensor.  Refuses nmodes outside 1..LL_MAX_MODES,
 * zero dims (LL_ESHAPE) and sizes that overflow (LL_ENOMEM).  On failure:
 * *t is zeroed and holds nothing to free. */
int ll_tensor_init(ll_tensor *t, int nmodes, const size_t *dim, ll_err *err);
/* The same with float32 storage (fdata). */
int ll_tensor_init_f32(ll_tensor *t, int nmodes, const size_t *dim, ll_err *err);
void ll_tensor_free(ll_tensor *t);
/* A float32 copy of src (double or float), made in one pass.  On failure:
 * *dst is zeroed. */
int ll_tensor_copy_f32(ll_tensor *dst, const ll_tensor *src, ll_err *err);
/* Convert a double tensor to float32 storage in place (the doubles are
 * freed once copied; a float tensor is left as it is).  Values beyond
 * float's range become +-Inf, which the fit refuses.  On failure t is
 * unchanged. */
int ll_tensor_to_f32(ll_tensor *t, ll_err *err);
/* A new tensor equal to src.  On failure: *dst is zeroed. */
int ll_tensor_copy(ll_tensor *dst, const ll_tensor *src, ll_err *err);
int ll_tensor_same_shape(const ll_tensor *a, const ll_tensor *b);
/* "30x10x100" into buf */
const char *ll_tensor_shape_str(const ll_tensor *t, char *buf, size_t n);
/* "(2, 0, 7)": the indices of linear (C-order) position lin, into buf */
const char *ll_tensor_index_str(const ll_tensor *t, size_t lin, char *buf, size_t n);

/* Frobenius norm (NaN entries included: check first). */
double ll_tensor_norm(const ll_tensor *t);
/* Counts of NaN and +-Inf entries. */
void ll_tensor_count_nonfinite(const ll_tensor *t, size_t *nnan, size_t *ninf);

/* Kolda mode-n unfolding into out (dim[n] x size/dim[n], row-major). */
void ll_tensor_unfold(const ll_tensor *t, int mode, double *out);
/* Inverse of ll_tensor_unfold: t must already have the target shape. */
void ll_tensor_fold(ll_tensor *t, int mode, const double *in);

/* Khatri-Rao (column-wise Kronecker) product of A (I x R) and B (J x R),
 * both row-major: out is (I*J) x R with out[(i*J + j), r] = A[i,r]*B[j,r]. */
void ll_khatri_rao(const double *A, size_t nI, const double *B, size_t nJ,
		   size_t R, double *out);

#endif
