/* Functional-connectome tensors: windowed affinities and the communities
 * of a non-negative CP model of them (see ll_connectome.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tensor/ll_connectome.h"

static const char *const aff_names[] = {LL_AFFINITIES(LL_ENUM_NAME)};

const char *ll_affinity_name(ll_affinity a)
{
	return (unsigned)a < LL_ENUM_N(LL_AFFINITIES) ? aff_names[a] : "?";
}

void ll_conn_opts_default(ll_conn_opts *o)
{
	*o = (ll_conn_opts){.window = 20, .step = 10, .affinity = LL_AFF_CORRELATION, .bandwidth = 1.0};
}

int ll_conn_check(size_t T, const ll_conn_opts *o, ll_err *err)
{
	if (o->window < 2)
		return ll_err_set(err, LL_EINVAL, "window = %zu: an affinity needs at least 2 samples per window",
				  o->window);
	if (o->step == 0)
		return ll_err_set(err, LL_EINVAL, "step = 0: windows must advance by at least one sample");
	if (o->window > T)
		return ll_err_set(err, LL_EINVAL, "window = %zu samples is longer than the recording (%zu samples)",
				  o->window, T);
	if ((unsigned)o->affinity >= LL_ENUM_N(LL_AFFINITIES))
		return ll_err_set(err, LL_EINVAL, "affinity %d is not correlation or gaussian", (int)o->affinity);
	if (o->affinity == LL_AFF_GAUSSIAN && !(o->bandwidth > 0 && isfinite(o->bandwidth)))
		return ll_err_set(err, LL_EINVAL, "bandwidth = %g: the Gaussian kernel needs a positive width",
				  o->bandwidth);
	return LL_OK;
}

size_t ll_conn_windows(size_t T, const ll_conn_opts *o)
{
	if (ll_conn_check(T, o, NULL) != LL_OK)
		return 0;
	return (T - o->window) / o->step + 1;
}

int ll_conn_affinity(const ll_tensor *X, int unit_mode, int time_mode, const ll_conn_opts *o,
		     ll_tensor *A, ll_conn_stats *st, ll_err *err)
{
	int rc;

	memset(A, 0, sizeof *A);
	if (st)
		*st = (ll_conn_stats){0};
	if (!X || !X->data || unit_mode < 0 || time_mode < 0 || unit_mode >= X->nmodes ||
	    time_mode >= X->nmodes || unit_mode == time_mode)
		return ll_err_set(err, LL_EINVAL, "affinity: the recording needs a neuron mode and a time mode");
	size_t nnan, ninf;
	ll_tensor_count_nonfinite(X, &nnan, &ninf);
	if (nnan || ninf)
		return ll_err_set(err, LL_ENUMERIC,
				  "affinity: the recording has %zu missing (NaN) and %zu infinite samples; "
				  "affinities need complete traces", nnan, ninf);
	size_t N = X->dim[unit_mode], T = X->dim[time_mode];
	if ((rc = ll_conn_check(T, o, err)) != LL_OK)
		return rc;
	size_t W = ll_conn_windows(T, o), L = o->window;
	/* C-order strides of X, and the other modes, which make the trials */
	size_t stride[LL_MAX_MODES], K = 1;
	int other[LL_MAX_MODES], nother = 0;
	stride[X->nmodes - 1] = 1;
	for (int n = X->nmodes - 2; n >= 0; n--)
		stride[n] = stride[n + 1] * X->dim[n + 1];
	for (int n = 0; n < X->nmodes; n++)
		if (n != unit_mode && n != time_mode) {
			other[nother++] = n;
			K *= X->dim[n];
		}
	size_t dim[4] = {N, N, W, K};
	if ((rc = ll_tensor_init(A, 4, dim, err)) != LL_OK)
		return rc;
	/* Z: each neuron's trace in the window, centred and scaled to unit
	 * norm (a zero row for a constant trace); r = Z Z^T */
	double *Z = ll_malloc_array(N * L, sizeof *Z);
	unsigned char *flat = ll_malloc(N ? N : 1);
	if (!Z || !flat) {
		ll_free(Z);
		ll_free(flat);
		ll_tensor_free(A);
		return ll_err_oom(err);
	}
	double inv_s2 = o->affinity == LL_AFF_GAUSSIAN ? 1.0 / (o->bandwidth * o->bandwidth) : 0.0;
	for (size_t k = 0; k < K; k++) {
		size_t base = 0, rest = k;
		for (int q = nother - 1; q >= 0; q--) {
			size_t d = X->dim[other[q]];
			base += (rest % d) * stride[other[q]];
			rest /= d;
		}
		for (size_t w = 0; w < W; w++) {
			size_t t0 = w * o->step;
			for (size_t i = 0; i < N; i++) {
				const double *x = X->data + base + i * stride[unit_mode] + t0 * stride[time_mode];
				size_t ts = stride[time_mode];
				double mean = 0, mx = 0, ss = 0;
				for (size_t t = 0; t < L; t++) {
					mean += x[t * ts];
					mx = fmax(mx, fabs(x[t * ts]));
				}
				mean /= (double)L;
				double *z = Z + i * L;
				for (size_t t = 0; t < L; t++) {
					z[t] = x[t * ts] - mean;
					ss += z[t] * z[t];
				}
				double sd = sqrt(ss / (double)L);
				flat[i] = sd == 0 || sd <= 1e-12 * mx;
				if (flat[i] && st)
					st->constant++;
				double inv = flat[i] ? 0.0 : 1.0 / sqrt(ss);
				for (size_t t = 0; t < L; t++)
					z[t] *= inv;
			}
			for (size_t i = 0; i < N; i++) {
				A->data[((i * N + i) * W + w) * K + k] = 1.0;
				for (size_t j = i + 1; j < N; j++) {
					double a = 0;
					if (!flat[i] && !flat[j]) {
						double r = 0;
						const double *zi = Z + i * L, *zj = Z + j * L;
						for (size_t t = 0; t < L; t++)
							r += zi[t] * zj[t];
						r = fmin(1.0, fmax(-1.0, r));
						if (o->affinity == LL_AFF_GAUSSIAN) {
							a = exp(-(1.0 - r) * inv_s2);
						} else if (r < 0) {
							if (st)
								st->clipped++;
						} else {
							a = r;
						}
					}
					A->data[((i * N + j) * W + w) * K + k] = a;
					A->data[((j * N + i) * W + w) * K + k] = a;
				}
			}
			if (st)
				st->pairs += N * (N - 1) / 2;
		}
	}
	ll_free(Z);
	ll_free(flat);
	return LL_OK;
}

/* ------------------------------------------------------------ the model */

void ll_conn_summary_free(ll_conn_summary *s)
{
	if (!s)
		return;
	for (size_t r = 0; s->comp && r < s->rank; r++) {
		ll_free(s->comp[r].loading);
		ll_free(s->comp[r].members);
		ll_free(s->comp[r].active);
	}
	ll_free(s->comp);
	memset(s, 0, sizeof *s);
}

int ll_conn_summarize(const ll_ktensor *K, double active_frac, ll_conn_summary *s, ll_err *err)
{
	memset(s, 0, sizeof *s);
	if (!K || K->nmodes < 3 || K->dim[0] != K->dim[1] || K->rank == 0)
		return ll_err_set(err, LL_EINVAL,
				  "connectome: the model is not of a neurons x neurons x windows tensor");
	if (!(active_frac > 0 && active_frac <= 1))
		return ll_err_set(err, LL_EINVAL, "connectome: active = %g is not in (0, 1]", active_frac);
	size_t N = K->dim[0], W = K->dim[2], R = K->rank;
	s->rank = R;
	s->neurons = N;
	s->windows = W;
	s->threshold = 1.0 / sqrt((double)N);
	s->active_frac = active_frac;
	s->min_congruence = INFINITY;
	s->comp = ll_calloc(R, sizeof *s->comp);
	if (!s->comp) {
		memset(s, 0, sizeof *s);
		return ll_err_oom(err);
	}
	for (size_t r = 0; r < R; r++) {
		ll_conn_comp *c = &s->comp[r];
		c->loading = ll_malloc_array(N, sizeof *c->loading);
		c->members = ll_malloc_array(N, sizeof *c->members);
		c->active = ll_malloc(W);
		if (!c->loading || !c->members || !c->active) {
			ll_conn_summary_free(s);
			return ll_err_oom(err);
		}
		/* unit columns of both neuron modes (a fit's are unit already,
		 * but a model from elsewhere need not be) */
		double n0 = 0, n1 = 0, dot = 0;
		for (size_t i = 0; i < N; i++) {
			double a = K->U[0][i * R + r], b = K->U[1][i * R + r];
			n0 += a * a;
			n1 += b * b;
			dot += a * b;
		}
		n0 = sqrt(n0);
		n1 = sqrt(n1);
		c->congruence = n0 > 0 && n1 > 0 ? dot / (n0 * n1) : 0.0;
		double nl = 0;
		for (size_t i = 0; i < N; i++) {
			double a = n0 > 0 ? K->U[0][i * R + r] / n0 : 0, b = n1 > 0 ? K->U[1][i * R + r] / n1 : 0;
			c->loading[i] = 0.5 * (a + b);
			nl += c->loading[i] * c->loading[i];
		}
		nl = sqrt(nl);
		for (size_t i = 0; i < N; i++)
			c->loading[i] = nl > 0 ? c->loading[i] / nl : 0;
		/* members by loading, largest first (insertion: N is small) */
		for (size_t i = 0; i < N; i++) {
			if (!(c->loading[i] > s->threshold))
				continue;
			size_t p = c->nmembers++;
			while (p > 0 && c->loading[c->members[p - 1]] < c->loading[i]) {
				c->members[p] = c->members[p - 1];
				p--;
			}
			c->members[p] = i;
		}
		double mx = 0;
		for (size_t w = 0; w < W; w++)
			mx = fmax(mx, K->U[2][w * R + r]);
		c->first = c->last = W;
		for (size_t w = 0; w < W; w++) {
			c->active[w] = mx > 0 && K->U[2][w * R + r] >= active_frac * mx;
			if (!c->active[w])
				continue;
			c->nactive++;
			if (c->first == W)
				c->first = w;
			c->last = w;
			if (w == 0 || !c->active[w - 1])
				c->nruns++;
		}
		s->min_congruence = fmin(s->min_congruence, c->congruence);
		if (!(c->congruence >= LL_CONN_CONGRUENCE_OK))
			s->n_incongruent++;
	}
	return LL_OK;
}
