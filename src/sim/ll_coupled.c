/* A population whose coupling groups switch at known times (ll_coupled.h). */
#include "config.h"

#include <math.h>
#include <string.h>

#include "base/ll_rng.h"
#include "sim/ll_coupled.h"

void ll_coupled_opts_default(ll_coupled_opts *o)
{
	*o = (ll_coupled_opts){.neurons = 30, .groups = 3, .epochs = 3, .epoch_len = 200, .trials = 4,
			       .coupling = 1.0, .noise = 0.7, .seed = 1};
}

void ll_coupled_free(ll_coupled *c)
{
	if (!c)
		return;
	ll_tensor_free(&c->data);
	ll_free(c->group);
	memset(c, 0, sizeof *c);
}

int ll_coupled_make(const ll_coupled_opts *o, ll_coupled *out, ll_err *err)
{
	int rc;

	memset(out, 0, sizeof *out);
	if (o->neurons < 1 || o->groups < 1 || o->groups > o->neurons || o->epochs < 1 || o->epoch_len < 2 ||
	    o->trials < 1 || o->epochs > SIZE_MAX / o->epoch_len)
		return ll_err_set(err, LL_EINVAL,
				  "coupled: need neurons >= groups >= 1, epochs >= 1, epoch_len >= 2, trials >= 1");
	if (!(o->coupling >= 0 && isfinite(o->coupling)) || !(o->noise >= 0 && isfinite(o->noise)))
		return ll_err_set(err, LL_EINVAL, "coupled: coupling and noise must be finite and >= 0");
	size_t N = o->neurons, G = o->groups, E = o->epochs, T = E * o->epoch_len, K = o->trials;
	size_t dim[3] = {N, T, K};
	if ((rc = ll_tensor_init(&out->data, 3, dim, err)) != LL_OK)
		return rc;
	out->opts = *o;
	out->group = ll_malloc_array(E * N, sizeof *out->group);
	size_t *perm = ll_malloc_array(N, sizeof *perm);
	double *drive = ll_malloc_array(G, sizeof *drive);
	if (!out->group || !perm || !drive) {
		ll_free(perm);
		ll_free(drive);
		ll_coupled_free(out);
		return ll_err_oom(err);
	}
	/* structure and samples from separate streams */
	ll_rng rs, rx;
	ll_rng_init(&rs, ll_seed_derive(o->seed, 0x636f75, 1));
	ll_rng_init(&rx, ll_seed_derive(o->seed, 0x636f75, 2));
	for (size_t i = 0; i < N; i++)
		perm[i] = i;
	for (size_t e = 0; e < E; e++) {
		if (e > 0) /* Fisher-Yates */
			for (size_t i = N - 1; i > 0; i--) {
				size_t j = (size_t)ll_rng_below(&rs, i + 1), tmp = perm[i];
				perm[i] = perm[j];
				perm[j] = tmp;
			}
		for (size_t p = 0; p < N; p++)
			out->group[e * N + perm[p]] = (int)(p * G / N);
	}
	for (size_t k = 0; k < K; k++)
		for (size_t t = 0; t < T; t++) {
			size_t e = t / o->epoch_len;
			for (size_t g = 0; g < G; g++)
				drive[g] = ll_rng_normal(&rx);
			for (size_t i = 0; i < N; i++)
				out->data.data[(i * T + t) * K + k] =
					o->coupling * drive[out->group[e * N + i]] + o->noise * ll_rng_normal(&rx);
		}
	ll_free(perm);
	ll_free(drive);
	return LL_OK;
}
