/*
 * Minimum-cost assignment: the shortest-augmenting-path form of the
 * Kuhn-Munkres algorithm with row/column potentials (O(n^2 m) for n <= m
 * rows; a wider-than-tall problem is solved transposed).
 */
#include "linalg/ll_hungarian.h"

#include <math.h>
#include <stdint.h>

/* n <= m.  Potentials u (rows), v (columns); p[j] = row (1-based) holding
 * column j, column 0 is the virtual start of each augmenting path. */
static int hungarian_tall(const double *c, size_t n, size_t m, size_t *assign, ll_err *err)
{
	double *u = ll_calloc_array(n + 1, sizeof *u);
	double *v = ll_calloc_array(m + 1, sizeof *v);
	double *minv = ll_malloc_array(m + 1, sizeof *minv);
	size_t *p = ll_calloc_array(m + 1, sizeof *p);
	size_t *way = ll_calloc_array(m + 1, sizeof *way);
	unsigned char *used = ll_malloc_array(m + 1, 1);
	int rc = LL_OK;

	if (!u || !v || !minv || !p || !way || !used) {
		rc = ll_err_set(err, LL_ENOMEM, "hungarian: out of memory for %zu x %zu", n, m);
		goto out;
	}
	for (size_t i = 1; i <= n; i++) {
		size_t j0 = 0;
		p[0] = i;
		for (size_t j = 0; j <= m; j++) {
			minv[j] = HUGE_VAL;
			used[j] = 0;
		}
		do {
			size_t i0 = p[j0], j1 = 0;
			double delta = HUGE_VAL;
			used[j0] = 1;
			for (size_t j = 1; j <= m; j++) {
				if (used[j])
					continue;
				double cur = c[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
				if (cur < minv[j]) {
					minv[j] = cur;
					way[j] = j0;
				}
				if (minv[j] < delta || j1 == 0) {
					delta = minv[j];
					j1 = j;
				}
			}
			for (size_t j = 0; j <= m; j++) {
				if (used[j]) {
					u[p[j]] += delta;
					v[j] -= delta;
				} else {
					minv[j] -= delta;
				}
			}
			j0 = j1;
		} while (p[j0] != 0);
		do { /* flip the augmenting path */
			size_t j1 = way[j0];
			p[j0] = p[j1];
			j0 = j1;
		} while (j0 != 0);
	}
	for (size_t i = 0; i < n; i++)
		assign[i] = SIZE_MAX;
	for (size_t j = 1; j <= m; j++)
		if (p[j])
			assign[p[j] - 1] = j - 1;
out:
	ll_free(u);
	ll_free(v);
	ll_free(minv);
	ll_free(p);
	ll_free(way);
	ll_free(used);
	return rc;
}

int ll_hungarian(const double *cost, size_t n, size_t m, size_t *assign, ll_err *err)
{
	size_t nm;
	if (n == 0)
		return LL_OK;
	if (!cost || !assign)
		return ll_err_set(err, LL_EINVAL, "hungarian: no cost matrix or output");
	if (!ll_mul_ok(n, m, &nm))
		return ll_err_set(err, LL_ENOMEM, "hungarian: %zu x %zu overflows", n, m);
	for (size_t k = 0; k < nm; k++)
		if (!isfinite(cost[k]))
			return ll_err_set(err, LL_EINVAL, "hungarian: cost[%zu][%zu] is not finite",
					  k / m, k % m);
	if (m == 0) {
		for (size_t i = 0; i < n; i++)
			assign[i] = SIZE_MAX;
		return LL_OK;
	}
	if (n <= m)
		return hungarian_tall(cost, n, m, assign, err);
	/* more rows than columns: assign the columns to rows, then invert */
	double *ct = ll_malloc_array(nm, sizeof *ct);
	size_t *colrow = ll_malloc_array(m, sizeof *colrow);
	int rc;
	if (!ct || !colrow) {
		ll_free(ct);
		ll_free(colrow);
		return ll_err_set(err, LL_ENOMEM, "hungarian: out of memory for %zu x %zu", n, m);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < m; j++)
			ct[j * n + i] = cost[i * m + j];
	rc = hungarian_tall(ct, m, n, colrow, err);
	if (rc == LL_OK) {
		for (size_t i = 0; i < n; i++)
			assign[i] = SIZE_MAX;
		for (size_t j = 0; j < m; j++)
			assign[colrow[j]] = j;
	}
	ll_free(ct);
	ll_free(colrow);
	return rc;
}
