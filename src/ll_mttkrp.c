/* MTTKRP.  This first version routes the workspace call to the plain loop;
 * the fast two-pass version replaces it (see ll_mttkrp.h). */
#include "ll_mttkrp.h"

#include <stdlib.h>
#include <string.h>

struct ll_mttkrp_ws {
	size_t R;
};

ll_mttkrp_ws *ll_mttkrp_ws_new(const ll_tensor *X, size_t R, ll_err *err)
{
	ll_mttkrp_ws *ws = calloc(1, sizeof *ws);
	(void)X;
	if (!ws) {
		ll_err_set(err, LL_ENOMEM, "out of memory");
		return NULL;
	}
	ws->R = R;
	return ws;
}

void ll_mttkrp_ws_free(ll_mttkrp_ws *ws)
{
	free(ws);
}

void ll_mttkrp_ws_reset(ll_mttkrp_ws *ws)
{
	(void)ws;
}

int ll_mttkrp(ll_mttkrp_ws *ws, const ll_tensor *X, double *const *U,
	      size_t R, int mode, double *out, ll_err *err)
{
	if (R > ws->R)
		return ll_err_set(err, LL_EINVAL, "mttkrp: %zu columns > workspace %zu", R, ws->R);
	ll_mttkrp_naive(X, U, R, mode, out);
	return LL_OK;
}

void ll_mttkrp_naive(const ll_tensor *X, double *const *U, size_t R, int mode,
		     double *out)
{
	size_t N = (size_t)X->nmodes;
	size_t idx[LL_MAX_MODES] = {0};
	double *w = malloc(R * sizeof *w);
	if (!w)
		return;
	memset(out, 0, X->dim[mode] * R * sizeof *out);
	for (size_t lin = 0; lin < X->size; lin++) {
		double x = X->data[lin];
		for (size_t r = 0; r < R; r++)
			w[r] = x;
		for (size_t n = 0; n < N; n++) {
			if ((int)n == mode)
				continue;
			const double *u = U[n] + idx[n] * R;
			for (size_t r = 0; r < R; r++)
				w[r] *= u[r];
		}
		double *o = out + idx[mode] * R;
		for (size_t r = 0; r < R; r++)
			o[r] += w[r];
		for (int n = (int)N - 1; n >= 0; n--) {
			if (++idx[n] < X->dim[n])
				break;
			idx[n] = 0;
		}
	}
	free(w);
}
