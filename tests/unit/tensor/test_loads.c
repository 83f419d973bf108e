/* What a factor loads on (ll_loads): hand-built factors with known
 * answers.  A 2-component factor matrix (row-major, dim x 2): component 0
 * a digit-like class mode peaked on entry 7 with a second bump on 9;
 * component 1 flat.  Labels group entries into classes (conditions). */
#include "tensor/ll_loads.h"
#include "ll_test.h"

static void test_by_entry(void)
{
	/* 10 entries x rank 2 */
	double U[20] = {0};
	double c0[10] = {0.01, 0.02, 0.0, 0.05, 0.03, 0.0, 0.1, 0.91, 0.02, 0.40};
	for (int i = 0; i < 10; i++) {
		U[i * 2] = c0[i];
		U[i * 2 + 1] = 0.316 + (i % 2 ? 0.01 : -0.01); /* about 1/sqrt(10) */
	}
	ll_loads L;
	ll_err e = {0, ""};
	LL_CHECK_INT(ll_loads_factor(U, 10, 2, 0, NULL, 3, &L, &e), LL_OK);
	LL_CHECK(!L.flat);
	/* 7 and 9; 6 (0.1) is under a quarter of 0.91 */
	LL_CHECK_INT((int)L.n, 2);
	LL_CHECK_INT((int)L.item[0], 7);
	LL_CHECK_NEAR(L.value[0], 0.91, 1e-15);
	LL_CHECK_INT((int)L.item[1], 9);
	LL_CHECK_NEAR(L.value[1], 0.40, 1e-15);
	LL_CHECK_INT((int)L.peak, 7);
	LL_CHECK_INT((int)L.nitems, 10);
	/* the flat one */
	LL_CHECK_INT(ll_loads_factor(U, 10, 2, 1, NULL, 3, &L, &e), LL_OK);
	LL_CHECK(L.flat);
	/* bad component, no items */
	LL_CHECK_INT(ll_loads_factor(U, 10, 2, 2, NULL, 3, &L, &e), LL_EINVAL);
	LL_CHECK_INT(ll_loads_factor(U, 10, 2, 0, NULL, 0, &L, &e), LL_EINVAL);
	/* top 1 */
	LL_CHECK_INT(ll_loads_factor(U, 10, 2, 0, NULL, 1, &L, &e), LL_OK);
	LL_CHECK_INT((int)L.n, 1);
	LL_CHECK_INT((int)L.item[0], 7);
}

static void test_by_class(void)
{
	/* 8 trials, rank 1: condition 1 (trials 1,3,5,7) at about 0.3, condition 0 at 0.02 */
	double U[8] = {0.02, 0.31, 0.01, 0.29, 0.03, 0.30, 0.02, 0.30};
	int lab[8] = {0, 1, 0, 1, 0, 1, 0, 1};
	ll_loads L;
	ll_err e = {0, ""};
	LL_CHECK_INT(ll_loads_factor(U, 8, 1, 0, lab, 3, &L, &e), LL_OK);
	LL_CHECK(!L.flat);
	LL_CHECK_INT((int)L.nitems, 2);
	LL_CHECK_INT((int)L.n, 1); /* condition 0's mean 0.02 is under a quarter */
	LL_CHECK_INT((int)L.item[0], 1);
	LL_CHECK_NEAR(L.value[0], 0.30, 1e-12);
	LL_CHECK_INT((int)L.peak, 1);
	/* the same trials, both conditions alike: flat by class although the
	 * entries vary by 0.02 */
	double F[8] = {0.30, 0.31, 0.29, 0.30, 0.31, 0.29, 0.30, 0.30};
	LL_CHECK_INT(ll_loads_factor(F, 8, 1, 0, lab, 3, &L, &e), LL_OK);
	LL_CHECK(L.flat);
	/* a sign: the largest |value| wins, negative values are listed as such */
	double N[4] = {0.1, -0.9, 0.5, NAN};
	LL_CHECK_INT(ll_loads_factor(N, 4, 1, 0, NULL, 3, &L, &e), LL_OK);
	LL_CHECK_INT((int)L.item[0], 1);
	LL_CHECK_NEAR(L.value[0], -0.9, 1e-15);
	LL_CHECK_INT((int)L.item[1], 2);
	LL_CHECK_INT((int)L.n, 2);
	/* all zero: nothing listed, not flat */
	double Z[3] = {0, 0, 0};
	LL_CHECK_INT(ll_loads_factor(Z, 3, 1, 0, NULL, 3, &L, &e), LL_OK);
	LL_CHECK_INT((int)L.n, 0);
	LL_CHECK(!L.flat);
}

static void test_decimals(void)
{
	double w[5] = {311.1, 229, 300, 253, 257};
	LL_CHECK_INT(ll_loads_decimals(w, 5), 1);
	double s[2] = {0.5121, 0.02};
	LL_CHECK_INT(ll_loads_decimals(s, 2), 4);
	double b[1] = {123456.0};
	LL_CHECK_INT(ll_loads_decimals(b, 1), 0);
	double t[1] = {1e-9};
	LL_CHECK_INT(ll_loads_decimals(t, 1), 6);
	LL_CHECK_INT(ll_loads_decimals(NULL, 0), 1);
}

int main(void)
{
	LL_RUN(test_by_entry);
	LL_RUN(test_by_class);
	LL_RUN(test_decimals);
	return ll_test_done();
}
