/*
 * The Hessian of an MLP's mean cross-entropy, by Pearlmutter's R-operator,
 * and three spectral estimates built on Hessian-vector products.
 *
 * Notation, layer l = 0 .. L-1 (fi = size[l] inputs, fo = size[l+1]):
 *   Z_l = A_l W_l^T + 1 b_l^T,  A_{l+1} = phi(Z_l) (hidden), A_0 = X
 *   G_{L-1} = (P - onehot(y)) / n,  P = softmax(Z_{L-1})
 *   D_l = G_l W_l,  G_{l-1} = D_l * phi'(Z_{l-1})
 *   dW_l = G_l^T A_l,  db_l = column sums of G_l
 * R-pass for a direction v = (V_l, c_l), R{.} the derivative along v:
 *   R{Z_l} = R{A_l} W_l^T + A_l V_l^T + 1 c_l^T,  R{A_0} = 0
 *   R{A_{l+1}} = phi'(Z_l) * R{Z_l}
 *   R{G_{L-1}} = (P * R{Z} - P (P . R{Z})) / n   (row by row)
 *   R{D_l} = R{G_l} W_l + G_l V_l
 *   R{G_{l-1}} = R{D_l} * phi'(Z_{l-1}) + D_l * phi''(Z_{l-1}) * R{Z_{l-1}}
 *   (H v)_{W_l} = R{G_l}^T A_l + G_l^T R{A_l},  (H v)_{b_l} = col sums R{G_l}
 * phi' and phi'' come from the activation: ReLU a > 0 and 0; tanh 1 - a^2
 * and -2 a (1 - a^2).  A, G, D and P do not depend on v and are cached.
 */
#include "nn/ll_hessian.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/ll_blas.h"
#include "base/ll_rng.h"
#include "base/ll_threads.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* streams of ll_seed_derive(seed, index, tag), one tag per use */
#define TAG_LANCZOS 0x4c41u
#define TAG_TRACE 0x5452u
#define TAG_SLQ 0x534cu

/* beta <= BREAKDOWN * ||T|| ends a Krylov space: neglecting it moves the
 * Ritz values by at most that much. */
#define BREAKDOWN 1e-10

static size_t zmin(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* ---- small vector helpers, in a fixed order (BLAS's ddot may split a
 * sum across threads, and results must not depend on the thread count) ---- */

/* four running sums (entries j mod 4), added in one order at the end:
 * the compiler may keep them in a vector, and the result is the same */
static double dot(const double *a, const double *b, size_t n)
{
	double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
	size_t j = 0;
	for (; j + 4 <= n; j += 4) {
		s0 += a[j] * b[j];
		s1 += a[j + 1] * b[j + 1];
		s2 += a[j + 2] * b[j + 2];
		s3 += a[j + 3] * b[j + 3];
	}
	for (; j < n; j++)
		s0 += a[j] * b[j];
	return (s0 + s1) + (s2 + s3);
}

static int all_finite(const double *v, size_t n)
{
	for (size_t j = 0; j < n; j++)
		if (!isfinite(v[j]))
			return 0;
	return 1;
}

/* ---- the operator ---- */

static void slot_free(ll_hessian_slot *w)
{
	ll_free(w->xc);
	for (size_t l = 0; l <= LL_MLP_MAX_HIDDEN; l++) {
		ll_free(w->RZ[l]);
		ll_free(w->RA[l]);
	}
	ll_free(w->RG[0]);
	ll_free(w->RG[1]);
	ll_free(w->RD);
	ll_free(w->acc);
	ll_free(w->acc0t);
}

void ll_hessian_free(ll_hessian *h)
{
	if (!h)
		return;
	ll_free(h->params);
	ll_free(h->grad);
	for (size_t l = 0; l <= LL_MLP_MAX_HIDDEN; l++) {
		ll_free(h->A[l]);
		ll_free(h->G[l]);
		ll_free(h->D[l]);
	}
	ll_free(h->P);
	ll_free(h->rowptr);
	ll_free(h->col);
	ll_free(h->val);
	ll_free(h->Wt0);
	ll_free(h->Vt0);
	for (size_t s = 0; s < LL_HESSIAN_SLOTS; s++)
		slot_free(&h->slot[s]);
	memset(h, 0, sizeof *h);
}

void ll_hessian_param_name(const ll_hessian *h, size_t idx, char *buf, size_t len)
{
	for (size_t l = 0; l < h->nlayers; l++) {
		size_t fi = h->size[l], fo = h->size[l + 1];
		if (idx >= h->woff[l] && idx < h->boff[l]) {
			size_t r = idx - h->woff[l];
			snprintf(buf, len, "W%zu[%zu,%zu]", l + 1, r / fi, r % fi);
			return;
		}
		if (idx >= h->boff[l] && idx < h->boff[l] + fo) {
			snprintf(buf, len, "b%zu[%zu]", l + 1, idx - h->boff[l]);
			return;
		}
	}
	snprintf(buf, len, "parameter %zu", idx);
}

/* LL_ENUMERIC naming the first non-finite parameter */
static int check_params(const ll_hessian *h, const double *p, ll_err *err)
{
	for (size_t j = 0; j < h->nparams; j++)
		if (!isfinite(p[j])) {
			char name[64];
			ll_hessian_param_name(h, j, name, sizeof name);
			return ll_err_set(err, LL_ENUMERIC, "hessian: weight %s is %g", name, p[j]);
		}
	return LL_OK;
}

static void to_double(double *dst, const float *src, size_t len)
{
	LL_SIMD
	for (size_t j = 0; j < len; j++)
		dst[j] = src[j];
}

/* rows of out (m x fo) = b */
static void fill_rows(double *out, const double *b, size_t m, size_t fo)
{
	for (size_t i = 0; i < m; i++)
		memcpy(out + i * fo, b, fo * sizeof *out);
}

static void col_sums_add(double *acc, const double *M, size_t m, size_t fo)
{
	for (size_t i = 0; i < m; i++) {
		const double *r = M + i * fo;
		LL_SIMD
		for (size_t k = 0; k < fo; k++)
			acc[k] += r[k];
	}
}

/* The products with the images, the bulk of the work.  Dense: a GEMM on
 * the chunk converted to double.  Sparse (MNIST is ~80% zeros): one pass
 * over the non-zeros, each adding a row of the transposed matrix, in a
 * fixed order. */

/* out (m x fo) += X[off .. off+m) M^T for M fo x d0; Mt = M^T (d0 x fo)
 * for the sparse path */
static void x_times(const ll_hessian *h, const ll_hessian_slot *w, size_t off, size_t m, const double *M,
		    const double *Mt, double *out)
{
	const size_t d0 = h->size[0], fo = h->size[1];
	if (!h->sparse) {
		cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)fo, (int)d0, 1.0, w->xc,
			    (int)d0, M, (int)d0, 1.0, out, (int)fo);
		return;
	}
	for (size_t i = 0; i < m; i++) {
		double *o = out + i * fo;
		for (size_t q = h->rowptr[off + i]; q < h->rowptr[off + i + 1]; q++) {
			const double x = h->val[q], *r = Mt + (size_t)h->col[q] * fo;
			LL_SIMD
			for (size_t u = 0; u < fo; u++)
				o[u] += x * r[u];
		}
	}
}

/* the slot's dW_0 += G^T X[off .. off+m) for G m x fo: dense into acc,
 * sparse into acc0t (d0 x fo, added to acc by xt_finish) */
static void xt_acc(const ll_hessian *h, ll_hessian_slot *w, size_t off, size_t m, const double *G)
{
	const size_t d0 = h->size[0], fo = h->size[1];
	if (!h->sparse) {
		cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)fo, (int)d0, (int)m, 1.0, G, (int)fo,
			    w->xc, (int)d0, 1.0, w->acc + h->woff[0], (int)d0);
		return;
	}
	for (size_t i = 0; i < m; i++) {
		const double *g = G + i * fo;
		for (size_t q = h->rowptr[off + i]; q < h->rowptr[off + i + 1]; q++) {
			const double x = h->val[q];
			double *a = w->acc0t + (size_t)h->col[q] * fo;
			LL_SIMD
			for (size_t u = 0; u < fo; u++)
				a[u] += x * g[u];
		}
	}
}

static void xt_start(const ll_hessian *h, ll_hessian_slot *w)
{
	memset(w->acc, 0, h->nparams * sizeof *w->acc);
	if (h->sparse)
		memset(w->acc0t, 0, h->size[0] * h->size[1] * sizeof *w->acc0t);
}

static void xt_finish(const ll_hessian *h, ll_hessian_slot *w)
{
	const size_t d0 = h->size[0], fo = h->size[1];
	if (!h->sparse)
		return;
	double *W = w->acc + h->woff[0];
	for (size_t u = 0; u < fo; u++)
		for (size_t j = 0; j < d0; j++)
			W[u * d0 + j] = w->acc0t[j * fo + u];
}

/* Mt (d0 x fo) = M^T for M (fo x d0) */
static void transpose0(const ll_hessian *h, const double *M, double *Mt)
{
	const size_t d0 = h->size[0], fo = h->size[1];
	for (size_t u = 0; u < fo; u++)
		for (size_t j = 0; j < d0; j++)
			Mt[j * fo + u] = M[u * d0 + j];
}

/* chunk rows of the images as doubles, for the dense path */
static void load_chunk(const ll_hessian *h, ll_hessian_slot *w, size_t off, size_t m)
{
	if (!h->sparse)
		to_double(w->xc, h->X + off * h->size[0], m * h->size[0]);
}

/* Run fn on every slot: OpenMP threads over slots, BLAS on one thread.
 * Each slot sums its chunks in order and the caller sums the slots in
 * order, so the result does not depend on the number of threads; BLAS's
 * own threads would (they split GEMMs and GEMVs differently).  Inside a
 * parallel region the slots run in turn and the BLAS setting is left to
 * the caller (this project's callers set it to 1 there).  Small work runs
 * on one thread: a parallel region costs little on an idle machine but
 * milliseconds on a loaded one, where a descheduled thread holds up the
 * barrier. */
typedef void (*slot_fn)(ll_hessian *h, size_t s, const double *v);

#define PARALLEL_FLOPS 2e7

static void run_slots(ll_hessian *h, slot_fn fn, const double *v)
{
	long long ns = (long long)h->nslots;
#ifdef _OPENMP
	if (omp_in_parallel()) {
		for (long long s = 0; s < ns; s++)
			fn(h, (size_t)s, v);
		return;
	}
	int nth = h->flops < PARALLEL_FLOPS ? 1 : ll_threads_resolve(0);
	if (nth > ns)
		nth = (int)ns;
#endif
	int blas = openblas_get_num_threads();
	openblas_set_num_threads(1);
#ifdef _OPENMP
#pragma omp parallel for num_threads(nth) schedule(dynamic, 1) if (nth > 1)
#endif
	for (long long s = 0; s < ns; s++)
		fn(h, (size_t)s, v);
	openblas_set_num_threads(blas);
}

/* sum of the slots' acc into out, in slot order */
static void sum_slots(const ll_hessian *h, double *out)
{
	memcpy(out, h->slot[0].acc, h->nparams * sizeof *out);
	for (size_t s = 1; s < h->nslots; s++) {
		const double *a = h->slot[s].acc;
		LL_SIMD
		for (size_t j = 0; j < h->nparams; j++)
			out[j] += a[j];
	}
}

/* The forward and backward pass over slot s's chunks: A, P, G, D rows,
 * the slot's summed loss and gradient. */
static void pass_slot(ll_hessian *h, size_t s, const double *unused)
{
	const size_t L = h->nlayers, K = h->size[L], n = h->n;
	const double *p = h->params, inv_n = 1.0 / (double)n;
	ll_hessian_slot *w = &h->slot[s];
	(void)unused;

	xt_start(h, w);
	w->loss = 0.0;
	for (size_t off = s * LL_HESSIAN_CHUNK; off < n; off += h->nslots * LL_HESSIAN_CHUNK) {
		size_t m = zmin(n - off, LL_HESSIAN_CHUNK);
		load_chunk(h, w, off, m);
		const double *in = NULL;
		for (size_t l = 0; l < L; l++) {
			size_t fi = h->size[l], fo = h->size[l + 1];
			double *out = l + 1 < L ? h->A[l + 1] + off * fo : h->P + off * fo;
			fill_rows(out, p + h->boff[l], m, fo);
			if (l == 0)
				x_times(h, w, off, m, p + h->woff[0], h->Wt0, out);
			else
				cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)fo, (int)fi, 1.0, in,
					    (int)fi, p + h->woff[l], (int)fi, 1.0, out, (int)fo);
			if (l + 1 < L) {
				size_t len = m * fo;
				if (h->act == LL_MLP_RELU) {
					LL_SIMD
					for (size_t j = 0; j < len; j++)
						out[j] = out[j] > 0.0 ? out[j] : 0.0;
				} else {
					for (size_t j = 0; j < len; j++)
						out[j] = tanh(out[j]);
				}
			}
			in = out;
		}
		/* logits -> probabilities, the loss, G_{L-1} = (P - onehot) / n */
		for (size_t i = 0; i < m; i++) {
			double *z = h->P + (off + i) * K, *g = h->G[L - 1] + (off + i) * K;
			double mx = z[0], sum = 0.0;
			for (size_t k = 1; k < K; k++)
				mx = z[k] > mx ? z[k] : mx;
			for (size_t k = 0; k < K; k++)
				sum += exp(z[k] - mx);
			unsigned yi = h->y[off + i];
			w->loss += mx + log(sum) - z[yi];
			for (size_t k = 0; k < K; k++) {
				z[k] = exp(z[k] - mx) / sum;
				g[k] = z[k] * inv_n;
			}
			g[yi] -= inv_n;
		}
		for (size_t l = L; l-- > 0;) {
			size_t fi = h->size[l], fo = h->size[l + 1];
			const double *Gl = h->G[l] + off * fo;
			if (l == 0) {
				xt_acc(h, w, off, m, Gl);
				col_sums_add(w->acc + h->boff[0], Gl, m, fo);
				break;
			}
			const double *a = h->A[l] + off * fi;
			cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)fo, (int)fi, (int)m, 1.0, Gl,
				    (int)fo, a, (int)fi, 1.0, w->acc + h->woff[l], (int)fi);
			col_sums_add(w->acc + h->boff[l], Gl, m, fo);
			/* ReLU needs D only here: RD is free scratch */
			double *Dl = h->act == LL_MLP_TANH ? h->D[l] + off * fi : w->RD;
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)fi, (int)fo, 1.0, Gl,
				    (int)fo, p + h->woff[l], (int)fi, 0.0, Dl, (int)fi);
			double *Gp = h->G[l - 1] + off * fi;
			size_t len = m * fi;
			if (h->act == LL_MLP_RELU) {
				LL_SIMD
				for (size_t j = 0; j < len; j++)
					Gp[j] = a[j] > 0.0 ? Dl[j] : 0.0;
			} else {
				LL_SIMD
				for (size_t j = 0; j < len; j++)
					Gp[j] = Dl[j] * (1.0 - a[j] * a[j]);
			}
		}
	}
	xt_finish(h, w);
}

/* The cached pass at h->params: A, P, G, D, the loss and the gradient. */
static int cache_pass(ll_hessian *h, ll_err *err)
{
	if (h->sparse)
		transpose0(h, h->params + h->woff[0], h->Wt0);
	run_slots(h, pass_slot, NULL);
	double loss = 0.0;
	for (size_t s = 0; s < h->nslots; s++)
		loss += h->slot[s].loss;
	h->loss = loss / (double)h->n;
	sum_slots(h, h->grad);
	if (!isfinite(h->loss))
		return ll_err_set(err, LL_ENUMERIC, "hessian: the loss is %g at these weights", h->loss);
	if (!all_finite(h->grad, h->nparams))
		return ll_err_set(err, LL_ENUMERIC, "hessian: the gradient is not finite at these weights");
	return LL_OK;
}

static int same_arch(const ll_hessian *h, const ll_mlp *net)
{
	if (net->nlayers != h->nlayers || net->cfg.act != h->act)
		return 0;
	for (size_t l = 0; l <= h->nlayers; l++)
		if (net->size[l] != h->size[l])
			return 0;
	return 1;
}

static int slot_alloc(ll_hessian_slot *w, const ll_hessian *h, size_t m, size_t widest)
{
	if (h->sparse)
		w->acc0t = ll_malloc_array(h->size[0] * h->size[1], sizeof(double));
	else
		w->xc = ll_malloc_array(m * h->size[0], sizeof(double));
	w->RG[0] = ll_malloc_array(m * widest, sizeof(double));
	w->RG[1] = ll_malloc_array(m * widest, sizeof(double));
	w->RD = ll_malloc_array(m * widest, sizeof(double));
	w->acc = ll_malloc_array(h->nparams, sizeof(double));
	int ok = (w->xc || w->acc0t) && w->RG[0] && w->RG[1] && w->RD && w->acc;
	for (size_t l = 0; l < h->nlayers && ok; l++) {
		ok = (w->RZ[l] = ll_malloc_array(m * h->size[l + 1], sizeof(double))) != NULL;
		if (ok && l >= 1)
			ok = (w->RA[l] = ll_malloc_array(m * h->size[l], sizeof(double))) != NULL;
	}
	return ok;
}

int ll_hessian_init(ll_hessian *h, const ll_mlp *net, const float *X, const unsigned char *y,
		    size_t n, ll_err *err)
{
	memset(h, 0, sizeof *h);
	if (!net || !net->params)
		return ll_err_set(err, LL_EINVAL, "hessian: no network");
	if (n == 0)
		return ll_err_set(err, LL_EINVAL, "hessian: no examples");
	const size_t L = net->nlayers, d0 = net->size[0], K = net->size[L];
	for (size_t i = 0; i < n; i++)
		if (y[i] >= K)
			return ll_err_set(err, LL_EINVAL, "hessian: label %u of example %zu is >= n_out (%zu)",
					  y[i], i, K);
	size_t nnz = 0;
	for (size_t j = 0; j < n * d0; j++) {
		if (!isfinite(X[j]))
			return ll_err_set(err, LL_ENUMERIC, "hessian: input %zu of example %zu is %g", j % d0,
					  j / d0, (double)X[j]);
		nnz += X[j] != 0.0f;
	}

	h->nlayers = L;
	memcpy(h->size, net->size, sizeof h->size);
	h->nparams = net->nparams;
	h->act = net->cfg.act;
	h->n = n;
	h->X = X;
	h->y = y;
	size_t off = 0, widest = 0;
	for (size_t l = 0; l < L; l++) {
		h->woff[l] = off;
		off += h->size[l] * h->size[l + 1];
		h->boff[l] = off;
		off += h->size[l + 1];
		if (h->size[l + 1] > widest)
			widest = h->size[l + 1];
		if (h->size[l] > widest)
			widest = h->size[l];
	}
	size_t m = zmin(n, LL_HESSIAN_CHUNK), chunks = (n + LL_HESSIAN_CHUNK - 1) / LL_HESSIAN_CHUNK;
	h->nslots = zmin(chunks, LL_HESSIAN_SLOTS);
	h->sparse = (double)nnz <= LL_HESSIAN_SPARSE * (double)n * (double)d0;
	/* about the flops of an HVP: two products with the images, four per
	 * later layer */
	h->flops = 4.0 * (h->sparse ? (double)nnz : (double)n * (double)d0) * (double)h->size[1];
	for (size_t l = 1; l < L; l++)
		h->flops += 8.0 * (double)n * (double)h->size[l] * (double)h->size[l + 1];
	h->params = ll_malloc_array(h->nparams, sizeof(double));
	h->grad = ll_malloc_array(h->nparams, sizeof(double));
	h->P = ll_malloc_array(n * K, sizeof(double));
	int ok = h->params && h->grad && h->P;
	if (ok && h->sparse) {
		h->rowptr = ll_malloc_array(n + 1, sizeof *h->rowptr);
		h->col = ll_malloc_array(nnz, sizeof *h->col);
		h->val = ll_malloc_array(nnz, sizeof *h->val);
		h->Wt0 = ll_malloc_array(d0 * h->size[1], sizeof *h->Wt0);
		h->Vt0 = ll_malloc_array(d0 * h->size[1], sizeof *h->Vt0);
		ok = h->rowptr && h->col && h->val && h->Wt0 && h->Vt0;
		if (ok) {
			size_t q = 0;
			for (size_t i = 0; i < n; i++) {
				h->rowptr[i] = q;
				for (size_t j = 0; j < d0; j++)
					if (X[i * d0 + j] != 0.0f) {
						h->col[q] = (uint32_t)j;
						h->val[q++] = X[i * d0 + j];
					}
			}
			h->rowptr[n] = q;
		}
	}
	for (size_t l = 0; l < L && ok; l++) {
		ok = (h->G[l] = ll_malloc_array(n * h->size[l + 1], sizeof(double))) != NULL;
		if (l >= 1 && ok)
			ok = (h->A[l] = ll_malloc_array(n * h->size[l], sizeof(double))) != NULL;
		if (l >= 1 && ok && h->act == LL_MLP_TANH)
			ok = (h->D[l] = ll_malloc_array(n * h->size[l], sizeof(double))) != NULL;
	}
	for (size_t s = 0; s < h->nslots && ok; s++)
		ok = slot_alloc(&h->slot[s], h, m, widest);
	if (!ok) {
		ll_hessian_free(h);
		return ll_err_set(err, LL_ENOMEM, "hessian: out of memory for %zu examples of a %zu-parameter net",
				  n, net->nparams);
	}
	to_double(h->params, net->params, h->nparams);
	int rc = check_params(h, h->params, err);
	if (rc == LL_OK)
		rc = cache_pass(h, err);
	if (rc != LL_OK)
		ll_hessian_free(h);
	return rc;
}

int ll_hessian_set_params(ll_hessian *h, const double *params, ll_err *err)
{
	int rc = check_params(h, params, err);
	if (rc != LL_OK)
		return rc;
	double *old = ll_malloc_array(h->nparams, sizeof *old);
	if (!old)
		return ll_err_oom(err);
	memcpy(old, h->params, h->nparams * sizeof *old);
	memcpy(h->params, params, h->nparams * sizeof *old);
	rc = cache_pass(h, err);
	if (rc != LL_OK) {
		/* the old point passed before, so it passes again */
		memcpy(h->params, old, h->nparams * sizeof *old);
		cache_pass(h, NULL);
	}
	ll_free(old);
	return rc;
}

int ll_hessian_set_weights(ll_hessian *h, const ll_mlp *net, ll_err *err)
{
	if (!same_arch(h, net))
		return ll_err_set(err, LL_ESHAPE, "hessian: the net's layer sizes or activation differ from the operator's");
	double *p = ll_malloc_array(h->nparams, sizeof *p);
	if (!p)
		return ll_err_oom(err);
	to_double(p, net->params, h->nparams);
	int rc = ll_hessian_set_params(h, p, err);
	ll_free(p);
	return rc;
}

/* The R-passes over slot s's chunks: its share of H v into its acc. */
static void hvp_slot(ll_hessian *h, size_t s, const double *v)
{
	const size_t L = h->nlayers, K = h->size[L], n = h->n;
	const double *p = h->params, inv_n = 1.0 / (double)n;
	ll_hessian_slot *w = &h->slot[s];
	double *hv = w->acc;

	xt_start(h, w);
	for (size_t off = s * LL_HESSIAN_CHUNK; off < n; off += h->nslots * LL_HESSIAN_CHUNK) {
		size_t m = zmin(n - off, LL_HESSIAN_CHUNK);
		load_chunk(h, w, off, m);
		/* forward R-pass */
		for (size_t l = 0; l < L; l++) {
			size_t fi = h->size[l], fo = h->size[l + 1];
			double *rz = w->RZ[l];
			fill_rows(rz, v + h->boff[l], m, fo);
			if (l == 0) {
				x_times(h, w, off, m, v + h->woff[0], h->Vt0, rz);
			} else {
				cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)fo, (int)fi, 1.0,
					    h->A[l] + off * fi, (int)fi, v + h->woff[l], (int)fi, 1.0, rz, (int)fo);
				cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)fo, (int)fi, 1.0,
					    w->RA[l], (int)fi, p + h->woff[l], (int)fi, 1.0, rz, (int)fo);
			}
			if (l + 1 < L) {
				const double *an = h->A[l + 1] + off * fo;
				double *ra = w->RA[l + 1];
				size_t len = m * fo;
				if (h->act == LL_MLP_RELU) {
					LL_SIMD
					for (size_t j = 0; j < len; j++)
						ra[j] = an[j] > 0.0 ? rz[j] : 0.0;
				} else {
					LL_SIMD
					for (size_t j = 0; j < len; j++)
						ra[j] = (1.0 - an[j] * an[j]) * rz[j];
				}
			}
		}
		/* R{G_{L-1}}: the softmax Jacobian times R{Z}, over n */
		double *rg = w->RG[0], *rgn = w->RG[1];
		for (size_t i = 0; i < m; i++) {
			const double *pr = h->P + (off + i) * K, *rz = w->RZ[L - 1] + i * K;
			double *g = rg + i * K, sum = 0.0;
			for (size_t k = 0; k < K; k++)
				sum += pr[k] * rz[k];
			for (size_t k = 0; k < K; k++)
				g[k] = pr[k] * (rz[k] - sum) * inv_n;
		}
		/* backward R-pass */
		for (size_t l = L; l-- > 0;) {
			size_t fi = h->size[l], fo = h->size[l + 1];
			const double *Gl = h->G[l] + off * fo;
			if (l == 0) {
				xt_acc(h, w, off, m, rg);
				col_sums_add(hv + h->boff[0], rg, m, fo);
				break;
			}
			const double *a = h->A[l] + off * fi;
			double *hw = hv + h->woff[l];
			cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)fo, (int)fi, (int)m, 1.0, rg,
				    (int)fo, a, (int)fi, 1.0, hw, (int)fi);
			col_sums_add(hv + h->boff[l], rg, m, fo);
			cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)fo, (int)fi, (int)m, 1.0, Gl,
				    (int)fo, w->RA[l], (int)fi, 1.0, hw, (int)fi);
			double *rd = w->RD;
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)fi, (int)fo, 1.0, rg,
				    (int)fo, p + h->woff[l], (int)fi, 0.0, rd, (int)fi);
			cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)fi, (int)fo, 1.0, Gl,
				    (int)fo, v + h->woff[l], (int)fi, 1.0, rd, (int)fi);
			size_t len = m * fi;
			if (h->act == LL_MLP_RELU) {
				LL_SIMD
				for (size_t j = 0; j < len; j++)
					rgn[j] = a[j] > 0.0 ? rd[j] : 0.0;
			} else {
				const double *Dl = h->D[l] + off * fi, *rzp = w->RZ[l - 1];
				LL_SIMD
				for (size_t j = 0; j < len; j++) {
					double d1 = 1.0 - a[j] * a[j];
					rgn[j] = rd[j] * d1 - 2.0 * a[j] * d1 * Dl[j] * rzp[j];
				}
			}
			double *t = rg;
			rg = rgn;
			rgn = t;
		}
	}
	xt_finish(h, w);
}

int ll_hessian_hvp(ll_hessian *h, const double *v, double *hv, ll_err *err)
{
	if (!all_finite(v, h->nparams))
		return ll_err_set(err, LL_ENUMERIC, "hessian: the direction of a Hessian-vector product is not finite");
	if (h->sparse)
		transpose0(h, v + h->woff[0], h->Vt0);
	run_slots(h, hvp_slot, v);
	sum_slots(h, hv);
	h->hvps++;
	if (!all_finite(hv, h->nparams))
		return ll_err_set(err, LL_ENUMERIC, "hessian: a Hessian-vector product is not finite");
	return LL_OK;
}

static int hvp_op(void *ud, const double *v, double *out, ll_err *err)
{
	return ll_hessian_hvp(ud, v, out, err);
}

/* ---- Lanczos with full reorthogonalisation ---- */

typedef struct lanczos {
	ll_hessian_op op;
	void *ud;
	size_t n, m;
	double *Q;      /* m x n: the Lanczos vectors, row j = q_j */
	double *w, *c;  /* n; m */
	double *alpha, *beta; /* m each; beta[j] couples q_j and q_{j+1} */
	double *beta_raw;     /* beta before a breakdown set it to 0 */
	double anorm;   /* a bound on ||T||, for the breakdown test */
} lanczos;

static void lanczos_free(lanczos *z)
{
	ll_free(z->Q);
	ll_free(z->w);
	ll_free(z->c);
	ll_free(z->alpha);
	ll_free(z->beta);
	ll_free(z->beta_raw);
}

static int lanczos_alloc(lanczos *z, ll_hessian_op op, void *ud, size_t n, size_t m, ll_err *err)
{
	size_t nm;
	memset(z, 0, sizeof *z);
	z->op = op;
	z->ud = ud;
	z->n = n;
	z->m = m;
	if (!ll_mul_ok(n, m, &nm))
		return ll_err_set(err, LL_ENOMEM, "lanczos: %zu steps of %zu doubles overflow", m, n);
	z->Q = ll_malloc_array(nm, sizeof(double));
	z->w = ll_malloc_array(n, sizeof(double));
	z->c = ll_malloc_array(m, sizeof(double));
	z->alpha = ll_malloc_array(m, sizeof(double));
	z->beta = ll_malloc_array(m, sizeof(double));
	z->beta_raw = ll_malloc_array(m, sizeof(double));
	if (!z->Q || !z->w || !z->c || !z->alpha || !z->beta || !z->beta_raw) {
		lanczos_free(z);
		return ll_err_set(err, LL_ENOMEM, "lanczos: out of memory for %zu vectors of %zu doubles", m, n);
	}
	return LL_OK;
}

/* w -= Q_s^T (Q_s w), classical Gram-Schmidt, and once more when that
 * removed much of w (norm down by more than 1/sqrt(2): Daniel, Gragg,
 * Kaufman & Stewart 1976), which is rare in Lanczos, where w is mostly
 * new: each pass reads all of Q twice, the bulk of a step's memory
 * traffic.  Own loops rather than dgemv: each entry is summed in one fixed
 * order, whatever the threads. */
static void reorth(const lanczos *z, size_t s, double *w)
{
	const size_t n = z->n;
	const long long ls = (long long)s, nb = (long long)((n + 4095) / 4096);
	const double *Q = z->Q;
	double *c = z->c, before = dot(w, w, n);
	for (int pass = 0; pass < 2; pass++) {
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (4.0 * (double)n * (double)s > PARALLEL_FLOPS && !omp_in_parallel())
#endif
		for (long long j = 0; j < ls; j++)
			c[j] = dot(Q + (size_t)j * n, w, n);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (4.0 * (double)n * (double)s > PARALLEL_FLOPS && !omp_in_parallel())
#endif
		for (long long b = 0; b < nb; b++) {
			size_t i0 = (size_t)b * 4096, i1 = zmin(n, i0 + 4096);
			for (size_t j = 0; j < s; j++) {
				const double *q = Q + j * n, cj = c[j];
				LL_SIMD
				for (size_t i = i0; i < i1; i++)
					w[i] -= cj * q[i];
			}
		}
		double after = dot(w, w, n);
		if (after > 0.5 * before)
			break;
		before = after;
	}
}

static double normalize(double *v, size_t n)
{
	double nr = sqrt(dot(v, v, n));
	if (nr > 0.0) {
		double inv = 1.0 / nr;
		for (size_t j = 0; j < n; j++)
			v[j] *= inv;
	}
	return nr;
}

static void gaussian(ll_rng *r, double *v, size_t n)
{
	for (size_t j = 0; j < n; j++)
		v[j] = ll_rng_normal(r);
}

static void rademacher(ll_rng *r, double *v, size_t n, double scale)
{
	for (size_t j = 0; j < n; j += 64) {
		uint64_t bits = ll_rng_u64(r);
		for (size_t b = 0; b < 64 && j + b < n; b++)
			v[j + b] = (bits >> b) & 1 ? scale : -scale;
	}
}

/* Step j: w = A q_j - alpha_j q_j - beta_{j-1} q_{j-1}, reorthogonalised
 * against q_0..q_j; alpha[j], beta_raw[j] = ||w||.  *breakdown if the
 * Krylov space is (numerically) invariant. */
static int lanczos_step(lanczos *z, size_t j, int *breakdown, ll_err *err)
{
	const size_t n = z->n;
	const double *q = z->Q + j * n;
	double *w = z->w;
	int rc = z->op(z->ud, q, w, err);
	if (rc != LL_OK)
		return rc;
	if (!all_finite(w, n))
		return ll_err_set(err, LL_ENUMERIC, "lanczos: the operator returned a non-finite vector");
	double a = dot(q, w, n);
	for (size_t i = 0; i < n; i++)
		w[i] -= a * q[i];
	if (j > 0 && z->beta[j - 1] != 0.0) {
		const double *qp = q - n, b = z->beta[j - 1];
		for (size_t i = 0; i < n; i++)
			w[i] -= b * qp[i];
	}
	reorth(z, j + 1, w);
	double b = sqrt(dot(w, w, n));
	z->alpha[j] = a;
	z->beta_raw[j] = b;
	z->beta[j] = b;
	double row = fabs(a) + b + (j > 0 ? z->beta[j - 1] : 0.0);
	if (row > z->anorm)
		z->anorm = row;
	*breakdown = !(b > BREAKDOWN * z->anorm);
	return LL_OK;
}

/* q_{j+1} = w / beta_j */
static void lanczos_next(lanczos *z, size_t j)
{
	double *q = z->Q + (j + 1) * z->n, inv = 1.0 / z->beta[j];
	for (size_t i = 0; i < z->n; i++)
		q[i] = z->w[i] * inv;
}

/* Eigenpairs il..iu (1-based, ascending) of T_s: values into wv, vectors
 * (s x cnt, column-major) into Z.  d, e: scratch of s. */
static int tri_eig(const lanczos *z, size_t s, size_t il, size_t iu, double *d, double *e, double *wv,
		   double *Z, lapack_int *isuppz, ll_err *err)
{
	lapack_int found = 0;
	memcpy(d, z->alpha, s * sizeof *d);
	if (s > 1)
		memcpy(e, z->beta, (s - 1) * sizeof *e);
	e[s - 1] = 0.0;
	lapack_int info = LAPACKE_dstevr(LAPACK_COL_MAJOR, 'V', 'I', (lapack_int)s, d, e, 0.0, 0.0,
					 (lapack_int)il, (lapack_int)iu, 0.0, &found, wv, Z, (lapack_int)s,
					 isuppz);
	if (info != 0 || found != (lapack_int)(iu - il + 1))
		return ll_err_set(err, LL_ELAPACK, "lanczos: dstevr on the %zu x %zu tridiagonal failed (info %d)",
				  s, s, (int)info);
	return LL_OK;
}

void ll_hessian_lanczos_opts_default(ll_hessian_lanczos_opts *o)
{
	memset(o, 0, sizeof *o);
	o->k = 10;
	o->steps = 0;
	o->tol = 1e-6;
	o->seed = 0;
}

void ll_hessian_eigs_free(ll_hessian_eigs *e)
{
	if (!e)
		return;
	ll_free(e->top);
	ll_free(e->residual);
	memset(e, 0, sizeof *e);
}

int ll_hessian_lanczos_op(ll_hessian_op op, void *ud, size_t n, const ll_hessian_lanczos_opts *o,
			  ll_hessian_eigs *out, ll_err *err)
{
	memset(out, 0, sizeof *out);
	const size_t k = o->k;
	if (n == 0)
		return ll_err_set(err, LL_EINVAL, "lanczos: empty operator");
	if (k == 0 || k > n)
		return ll_err_set(err, LL_EINVAL, "lanczos: k = %zu eigenvalues asked of %zu parameters (must be 1..%zu)",
				  k, n, n);
	if (o->steps && o->steps < k)
		return ll_err_set(err, LL_EINVAL, "lanczos: %zu steps cannot give %zu eigenvalues (steps must be >= k)",
				  o->steps, k);
	if (!(o->tol >= 0.0) || !isfinite(o->tol))
		return ll_err_set(err, LL_EINVAL, "lanczos: tol = %g (must be >= 0)", o->tol);
	size_t m = o->steps;
	if (!m)
		m = 2 * k + 20 > 40 ? 2 * k + 20 : 40;
	m = zmin(m, n);

	lanczos z;
	int rc = lanczos_alloc(&z, op, ud, n, m, err);
	if (rc != LL_OK)
		return rc;
	double *d = ll_malloc_array(m, sizeof *d), *e = ll_malloc_array(m, sizeof *e);
	double *wv = ll_malloc_array(m, sizeof *wv), *Z = ll_malloc_array(m * k, sizeof *Z);
	lapack_int *isuppz = ll_malloc_array(2 * m, sizeof *isuppz);
	out->top = ll_malloc_array(k, sizeof *out->top);
	out->residual = ll_malloc_array(k, sizeof *out->residual);
	if (!d || !e || !wv || !Z || !isuppz || !out->top || !out->residual) {
		rc = ll_err_set(err, LL_ENOMEM, "lanczos: out of memory");
		goto out;
	}
	ll_rng r;
	ll_rng_init(&r, ll_seed_derive(o->seed, 0, TAG_LANCZOS));
	gaussian(&r, z.Q, n);
	normalize(z.Q, n);

	size_t s = 0, restarts = 0;
	double scale = 0.0;
	int converged = 0;
	for (size_t j = 0; j < m; j++) {
		int brk;
		rc = lanczos_step(&z, j, &brk, err);
		if (rc != LL_OK)
			goto out;
		s = j + 1;
		if (brk)
			z.beta[j] = 0.0;
		/* residual of Ritz pair i: |beta_j| times the last entry of its vector */
		if (s >= k && !brk) {
			rc = tri_eig(&z, s, s - k + 1, s, d, e, wv, Z, isuppz, err);
			if (rc != LL_OK)
				goto out;
			scale = 0.0;
			for (size_t i = 0; i < k; i++)
				scale = fabs(wv[i]) > scale ? fabs(wv[i]) : scale;
			converged = 1;
			for (size_t i = 0; i < k && converged; i++)
				converged = z.beta_raw[j] * fabs(Z[i * s + s - 1]) <= o->tol * scale;
			if (converged)
				break;
		}
		if (s == m)
			break;
		if (brk) {
			/* invariant subspace: go on from a fresh direction orthogonal to
			 * it, where copies of repeated eigenvalues live */
			double *q = z.Q + s * n;
			double nr = 0.0;
			for (int tries = 0; tries < 3 && !(nr > 1e-8); tries++) {
				gaussian(&r, q, n);
				normalize(q, n);
				reorth(&z, s, q);
				nr = normalize(q, n);
			}
			if (!(nr > 1e-8))
				break; /* the whole space is spanned */
			restarts++;
		} else {
			lanczos_next(&z, j);
		}
	}
	/* the final Ritz values: top k, and the smallest */
	rc = tri_eig(&z, s, s - k + 1, s, d, e, wv, Z, isuppz, err);
	if (rc != LL_OK)
		goto out;
	/* the residual uses the step's beta even where a breakdown zeroed it */
	double blast = z.beta_raw[s - 1];
	scale = 0.0;
	for (size_t i = 0; i < k; i++) {
		out->top[i] = wv[k - 1 - i];
		out->residual[i] = blast * fabs(Z[(k - 1 - i) * s + s - 1]);
		scale = fabs(wv[i]) > scale ? fabs(wv[i]) : scale;
	}
	out->k = k;
	out->converged = 0;
	while (out->converged < k && out->residual[out->converged] <= o->tol * scale)
		out->converged++;
	rc = tri_eig(&z, s, 1, 1, d, e, wv, Z, isuppz, err);
	if (rc != LL_OK)
		goto out;
	out->smallest = wv[0];
	out->smallest_residual = blast * fabs(Z[s - 1]);
	out->steps = s;
	out->restarts = restarts;
out:
	lanczos_free(&z);
	ll_free(d);
	ll_free(e);
	ll_free(wv);
	ll_free(Z);
	ll_free(isuppz);
	if (rc != LL_OK)
		ll_hessian_eigs_free(out);
	return rc;
}

int ll_hessian_lanczos(ll_hessian *h, const ll_hessian_lanczos_opts *o, ll_hessian_eigs *out, ll_err *err)
{
	int rc = ll_hessian_lanczos_op(hvp_op, h, h->nparams, o, out, err);
	if (rc != LL_OK)
		ll_err_prefix(err, "hessian");
	return rc;
}

/* ---- Hutchinson ---- */

int ll_hessian_trace_op(ll_hessian_op op, void *ud, size_t n, size_t probes, uint64_t seed,
			double *trace, double *se, ll_err *err)
{
	*trace = NAN;
	if (se)
		*se = NAN;
	if (n == 0)
		return ll_err_set(err, LL_EINVAL, "trace: empty operator");
	if (probes == 0)
		return ll_err_set(err, LL_EINVAL, "trace: no probes (need at least 1)");
	double *z = ll_malloc_array(n, sizeof *z), *hz = ll_malloc_array(n, sizeof *hz);
	double *est = ll_malloc_array(probes, sizeof *est);
	int rc = LL_OK;
	if (!z || !hz || !est) {
		rc = ll_err_set(err, LL_ENOMEM, "trace: out of memory");
		goto out;
	}
	for (size_t p = 0; p < probes; p++) {
		ll_rng r;
		ll_rng_init(&r, ll_seed_derive(seed, p, TAG_TRACE));
		rademacher(&r, z, n, 1.0);
		rc = op(ud, z, hz, err);
		if (rc != LL_OK)
			goto out;
		est[p] = dot(z, hz, n);
		if (!isfinite(est[p])) {
			rc = ll_err_set(err, LL_ENUMERIC, "trace: probe %zu gave %g", p, est[p]);
			goto out;
		}
	}
	double mean = 0.0, ss = 0.0;
	for (size_t p = 0; p < probes; p++)
		mean += est[p];
	mean /= (double)probes;
	for (size_t p = 0; p < probes; p++)
		ss += (est[p] - mean) * (est[p] - mean);
	*trace = mean;
	if (se)
		*se = probes > 1 ? sqrt(ss / (double)(probes - 1) / (double)probes) : NAN;
out:
	ll_free(z);
	ll_free(hz);
	ll_free(est);
	return rc;
}

int ll_hessian_trace(ll_hessian *h, size_t probes, uint64_t seed, double *trace, double *se, ll_err *err)
{
	int rc = ll_hessian_trace_op(hvp_op, h, h->nparams, probes, seed, trace, se, err);
	if (rc != LL_OK)
		ll_err_prefix(err, "hessian");
	return rc;
}

/* ---- stochastic Lanczos quadrature ---- */

void ll_hessian_slq_opts_default(ll_hessian_slq_opts *o)
{
	memset(o, 0, sizeof *o);
	o->starts = 4;
	o->steps = 80;
	o->gaussian = 0;
	o->sigma = 0.0;
	o->grid = 400;
	o->lo = o->hi = 0.0;
	o->seed = 0;
}

void ll_hessian_density_free(ll_hessian_density *s)
{
	if (!s)
		return;
	ll_free(s->nodes);
	ll_free(s->weights);
	ll_free(s->steps);
	ll_free(s->x);
	ll_free(s->density);
	memset(s, 0, sizeof *s);
}

int ll_hessian_slq_op(ll_hessian_op op, void *ud, size_t n, const ll_hessian_slq_opts *o,
		      ll_hessian_density *out, ll_err *err)
{
	memset(out, 0, sizeof *out);
	if (n == 0)
		return ll_err_set(err, LL_EINVAL, "slq: empty operator");
	if (o->starts == 0 || o->steps == 0)
		return ll_err_set(err, LL_EINVAL, "slq: %zu starts of %zu steps (both must be >= 1)", o->starts,
				  o->steps);
	if (o->grid < 2)
		return ll_err_set(err, LL_EINVAL, "slq: a grid of %zu points (must be >= 2)", o->grid);
	if (!(o->sigma >= 0.0) || !isfinite(o->sigma))
		return ll_err_set(err, LL_EINVAL, "slq: sigma = %g (must be >= 0)", o->sigma);
	if (!isfinite(o->lo) || !isfinite(o->hi))
		return ll_err_set(err, LL_EINVAL, "slq: the grid range is not finite");
	const size_t m = zmin(o->steps, n), S = o->starts;
	size_t total;
	if (!ll_mul_ok(m, S, &total))
		return ll_err_set(err, LL_ENOMEM, "slq: %zu starts of %zu steps overflow", S, m);

	lanczos z;
	int rc = lanczos_alloc(&z, op, ud, n, m, err);
	if (rc != LL_OK)
		return rc;
	double *d = ll_malloc_array(m, sizeof *d), *e = ll_malloc_array(m, sizeof *e);
	double *Z = ll_malloc_array(m * m, sizeof *Z);
	out->nodes = ll_malloc_array(total, sizeof *out->nodes);
	out->weights = ll_malloc_array(total, sizeof *out->weights);
	out->steps = ll_malloc_array(S, sizeof *out->steps);
	out->x = ll_malloc_array(o->grid, sizeof *out->x);
	out->density = ll_calloc_array(o->grid, sizeof *out->density);
	if (!d || !e || !Z || !out->nodes || !out->weights || !out->steps || !out->x || !out->density) {
		rc = ll_err_set(err, LL_ENOMEM, "slq: out of memory");
		goto out;
	}
	out->starts = S;
	out->grid = o->grid;
	size_t nn = 0;
	for (size_t v = 0; v < S; v++) {
		ll_rng r;
		ll_rng_init(&r, ll_seed_derive(o->seed, v, TAG_SLQ));
		if (o->gaussian) {
			gaussian(&r, z.Q, n);
			normalize(z.Q, n);
		} else {
			rademacher(&r, z.Q, n, 1.0 / sqrt((double)n));
		}
		z.anorm = 0.0;
		size_t s = 0;
		for (size_t j = 0; j < m; j++) {
			int brk;
			rc = lanczos_step(&z, j, &brk, err);
			if (rc != LL_OK)
				goto out;
			s = j + 1;
			/* invariant Krylov space: the quadrature is exact, stop */
			if (brk || s == m)
				break;
			lanczos_next(&z, j);
		}
		memcpy(d, z.alpha, s * sizeof *d);
		if (s > 1)
			memcpy(e, z.beta, (s - 1) * sizeof *e);
		lapack_int info = LAPACKE_dstev(LAPACK_COL_MAJOR, 'V', (lapack_int)s, d, e, Z, (lapack_int)s);
		if (info != 0) {
			rc = ll_err_set(err, LL_ELAPACK, "slq: dstev on the %zu x %zu tridiagonal of start %zu failed (info %d)",
					s, s, v, (int)info);
			goto out;
		}
		for (size_t i = 0; i < s; i++) {
			out->nodes[nn] = d[i];
			out->weights[nn] = Z[i * s] * Z[i * s] / (double)S;
			nn++;
		}
		out->steps[v] = s;
	}
	out->nnodes = nn;

	/* the broadened density on the grid */
	double lo = out->nodes[0], hi = out->nodes[0];
	for (size_t i = 1; i < nn; i++) {
		lo = out->nodes[i] < lo ? out->nodes[i] : lo;
		hi = out->nodes[i] > hi ? out->nodes[i] : hi;
	}
	double sigma = o->sigma;
	if (sigma == 0.0) {
		/* 1% of the range; a point spectrum gets 1% of its size */
		sigma = 0.01 * (hi - lo);
		if (!(sigma > 0.0))
			sigma = 0.01 * (fabs(hi) > 1.0 ? fabs(hi) : 1.0);
	}
	if (o->lo < o->hi) {
		lo = o->lo;
		hi = o->hi;
	} else {
		lo -= 4.0 * sigma;
		hi += 4.0 * sigma;
	}
	out->sigma = sigma;
	const double norm = 1.0 / (sigma * sqrt(2.0 * M_PI));
	for (size_t g = 0; g < o->grid; g++) {
		double x = lo + (hi - lo) * (double)g / (double)(o->grid - 1), f = 0.0;
		for (size_t i = 0; i < nn; i++) {
			double u = (x - out->nodes[i]) / sigma;
			f += out->weights[i] * exp(-0.5 * u * u);
		}
		out->x[g] = x;
		out->density[g] = f * norm;
	}
out:
	lanczos_free(&z);
	ll_free(d);
	ll_free(e);
	ll_free(Z);
	if (rc != LL_OK)
		ll_hessian_density_free(out);
	return rc;
}

int ll_hessian_slq(ll_hessian *h, const ll_hessian_slq_opts *o, ll_hessian_density *out, ll_err *err)
{
	int rc = ll_hessian_slq_op(hvp_op, h, h->nparams, o, out, err);
	if (rc != LL_OK)
		ll_err_prefix(err, "hessian");
	return rc;
}
