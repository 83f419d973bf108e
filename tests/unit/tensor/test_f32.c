/* Single precision (issue 15): float32 tensors through the MTTKRP, the CP
 * fits and the ensemble, the float .npy reader (mapped or converted), and
 * the paths that refuse float data. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ll_rng.h"
#include "io/ll_array.h"
#include "io/ll_npy.h"
#include "tensor/ll_cp.h"
#include "tensor/ll_ens.h"
#include "tensor/ll_mttkrp.h"
#include "tensor/ll_tensor.h"
#include "ll_test.h"

/* A double tensor of float-representable normal values and its float
 * twin: the two hold exactly the same numbers. */
static int twin_tensors(ll_tensor *D, ll_tensor *F, int N, const size_t *dim, uint64_t seed)
{
	ll_rng g;
	ll_rng_init(&g, seed);
	if (ll_tensor_init(D, N, dim, NULL) != LL_OK)
		return 0;
	for (size_t i = 0; i < D->size; i++)
		D->data[i] = (double)(float)ll_rng_normal(&g);
	if (ll_tensor_copy(F, D, NULL) != LL_OK)
		return 0;
	return ll_tensor_to_f32(F, NULL) == LL_OK && F->fdata && !F->data;
}

static void free_factors(double **U, int N)
{
	for (int n = 0; n < N; n++)
		free(U[n]);
}

/* max |a - b| / max(|b|, 1e-300), entrywise against the abs-sum scale */
static double rel_err(const double *a, const double *b, size_t n)
{
	double worst = 0.0, scale = 0.0;
	for (size_t i = 0; i < n; i++)
		scale = fmax(scale, fabs(b[i]));
	for (size_t i = 0; i < n; i++) {
		double e = fabs(a[i] - b[i]) / (scale > 1e-300 ? scale : 1e-300);
		if (!(e <= worst))
			worst = e;
	}
	return worst;
}

/* The float kernel against the double one on the same numbers, every
 * mode, as a sweep (cached partial products) and with fresh workspaces,
 * for the kernel env names given (NULL: the best the CPU has). */
static void mttkrp_case(int N, const size_t *dim, size_t R, uint64_t seed, const char *kernel)
{
	ll_tensor D = {0}, F = {0};
	double *U[LL_MAX_MODES] = {0};
	LL_CHECK(twin_tensors(&D, &F, N, dim, seed));
	ll_rng g;
	ll_rng_init(&g, seed + 7);
	size_t maxd = 0;
	for (int n = 0; n < N; n++) {
		U[n] = malloc(dim[n] * R * sizeof(double));
		for (size_t i = 0; i < dim[n] * R; i++)
			U[n][i] = ll_rng_normal(&g);
		if (dim[n] > maxd)
			maxd = dim[n];
	}
	if (kernel)
		setenv("LL_MTTKRP_KERNEL", kernel, 1);
	else
		unsetenv("LL_MTTKRP_KERNEL");
	ll_mttkrp_ws *wd = ll_mttkrp_ws_new(&D, R, NULL), *wf = ll_mttkrp_ws_new(&F, R, NULL);
	double *od = malloc(maxd * R * sizeof *od), *of = malloc(maxd * R * sizeof *of);
	double *on = malloc(maxd * R * sizeof *on);
	LL_CHECK(wd && wf && od && of && on);
	for (int pass = 0; pass < 2 && wd && wf; pass++) {
		for (int m = 0; m < N; m++) {
			if (pass == 1) { /* no reuse: every mode from scratch */
				ll_mttkrp_ws_reset(wd);
				ll_mttkrp_ws_reset(wf);
			}
			LL_CHECK_INT(ll_mttkrp(wd, &D, U, R, m, od, NULL), LL_OK);
			LL_CHECK_INT(ll_mttkrp(wf, &F, U, R, m, of, NULL), LL_OK);
			/* the floats widen exactly and the accumulation is the
			 * double kernel's, so the two agree far below the 1e-6
			 * the issue allows */
			double e = rel_err(of, od, dim[m] * R);
			LL_CHECK_MSG(e < 1e-12, "N=%d R=%zu mode %d kernel %s: float vs double %g", N, R, m,
				     kernel ? kernel : "best", e);
			/* and both against the plain loop on the float tensor */
			ll_mttkrp_naive(&F, U, R, m, on);
			e = rel_err(of, on, dim[m] * R);
			LL_CHECK_MSG(e < 1e-12, "N=%d R=%zu mode %d: float vs naive %g", N, R, m, e);
		}
	}
	unsetenv("LL_MTTKRP_KERNEL");
	/* a workspace made for doubles refuses a float tensor */
	if (wd)
		LL_CHECK_INT(ll_mttkrp(wd, &F, U, R, 0, od, NULL), LL_EINVAL);
	ll_mttkrp_ws_free(wd);
	ll_mttkrp_ws_free(wf);
	free(od);
	free(of);
	free(on);
	free_factors(U, N);
	ll_tensor_free(&D);
	ll_tensor_free(&F);
}

static void test_mttkrp_float(void)
{
	static const char *const kernels[] = {NULL, "generic", "avx2"};
	const size_t d3[] = {13, 7, 22}, d3b[] = {40, 3, 65}, d4[] = {6, 5, 9, 11}, d4b[] = {3, 2, 17, 40};
	const size_t R[] = {1, 5, 10, 13};
	for (size_t k = 0; k < 3; k++)
		for (size_t r = 0; r < 4; r++) {
			mttkrp_case(3, d3, R[r], 11 + r, kernels[k]);
			mttkrp_case(3, d3b, R[r], 21 + r, kernels[k]);
			mttkrp_case(4, d4, R[r], 31 + r, kernels[k]);
			mttkrp_case(4, d4b, R[r], 41 + r, kernels[k]);
		}
	/* rows longer than the float path's stage (512 entries in pass 1,
	 * 256 in pass 2): widened and summed in stretches */
	const size_t longrow[] = {3, 2, 5000};
	for (size_t r = 0; r < 4; r++)
		mttkrp_case(3, longrow, R[r], 51 + r, NULL);
	mttkrp_case(3, longrow, 5, 55, "generic");
	/* a big enough tensor to run the threaded chunks of both passes */
	const size_t big[] = {200, 30, 90};
	mttkrp_case(3, big, 10, 99, NULL);
}

static void test_tensor_f32_basics(void)
{
	ll_tensor D = {0}, F = {0}, C = {0};
	const size_t dim[] = {4, 5, 6};
	LL_CHECK(twin_tensors(&D, &F, 3, dim, 5));
	LL_CHECK_NEAR(ll_tensor_norm(&F), ll_tensor_norm(&D), 1e-12 * ll_tensor_norm(&D));
	LL_CHECK_INT(ll_tensor_bytes(&F), 120 * sizeof(float));
	LL_CHECK_INT(ll_tensor_copy(&C, &F, NULL), LL_OK);
	LL_CHECK(C.fdata && !C.data && C.fdata != F.fdata && memcmp(C.fdata, F.fdata, 120 * sizeof(float)) == 0);
	F.fdata[7] = NAN;
	F.fdata[9] = INFINITY;
	size_t nn, ni;
	ll_tensor_count_nonfinite(&F, &nn, &ni);
	LL_CHECK_INT(nn, 1);
	LL_CHECK_INT(ni, 1);
	/* a double too large for a float becomes Inf, which the fit refuses */
	D.data[3] = 1e300;
	LL_CHECK_INT(ll_tensor_to_f32(&D, NULL), LL_OK);
	LL_CHECK(isinf(ll_tensor_at(&D, 3)));
	ll_tensor_free(&D);
	ll_tensor_free(&F);
	ll_tensor_free(&C);
}

/* A planted rank-R tensor plus 1% noise, in full double: its float copy
 * differs by the rounding of every entry (relative 6e-8), which is what
 * single precision costs a user. */
static int planted(ll_tensor *X, ll_ktensor *K, const size_t *dim, size_t R, uint64_t seed)
{
	ll_rng g;
	ll_rng_init(&g, seed);
	if (ll_ktensor_init(K, 3, dim, R, NULL) != LL_OK)
		return 0;
	for (size_t r = 0; r < R; r++)
		K->lambda[r] = 1.0;
	for (int n = 0; n < 3; n++)
		for (size_t i = 0; i < dim[n] * R; i++)
			K->U[n][i] = ll_rng_normal(&g);
	if (ll_ktensor_full(K, X, NULL) != LL_OK)
		return 0;
	double nx = ll_tensor_norm(X), s = 0.01 * nx / sqrt((double)X->size);
	for (size_t i = 0; i < X->size; i++)
		X->data[i] += s * ll_rng_normal(&g);
	return 1;
}

static void test_cp_single_vs_double(void)
{
	const size_t dim[] = {30, 20, 25};
	const size_t R = 4;
	ll_tensor X = {0}, F = {0};
	ll_ktensor K = {0};
	LL_CHECK(planted(&X, &K, dim, R, 77));
	LL_CHECK_INT(ll_tensor_copy(&F, &X, NULL), LL_OK);
	LL_CHECK_INT(ll_tensor_to_f32(&F, NULL), LL_OK);
	ll_cp_method methods[] = {LL_CP_ALS, LL_CP_NCP_HALS};
	for (int mi = 0; mi < 2; mi++) {
		ll_cp_opts o;
		ll_cp_opts_default(&o);
		o.method = methods[mi];
		o.rank = R;
		o.tol = 1e-9;
		o.max_iter = 400;
		ll_cp_result rd, rf;
		ll_err e;
		LL_CHECK_INT(ll_cp_fit(&X, &o, 5, &rd, &e), LL_OK);
		LL_CHECK_INT(ll_cp_fit(&F, &o, 5, &rf, &e), LL_OK);
		/* the same data, the same start: the same fit up to rounding */
		LL_CHECK_MSG(fabs(rd.obj - rf.obj) < 1e-5, "%s: double %.9g single %.9g",
			     ll_cp_method_name(o.method), rd.obj, rf.obj);
		double sim = 0.0;
		LL_CHECK_INT(ll_kt_similarity(&rd.K, &rf.K, LL_SIM_MEANCOS, &sim, NULL, NULL), LL_OK);
		LL_CHECK_MSG(sim > 0.999, "%s: factor match %.6f", ll_cp_method_name(o.method), sim);
		printf("# %s rank %zu: objective double %.9f single %.9f (diff %.2g), factor match %.9f\n",
		       ll_cp_method_name(o.method), R, rd.obj, rf.obj, fabs(rd.obj - rf.obj), sim);
		if (o.method == LL_CP_ALS) {
			/* and it found the planted model (the noise is 1%) */
			LL_CHECK_MSG(rf.obj < 0.02, "single obj %g", rf.obj);
			LL_CHECK_INT(ll_kt_similarity(&K, &rf.K, LL_SIM_MEANCOS, &sim, NULL, NULL), LL_OK);
			LL_CHECK_MSG(sim > 0.99, "planted vs single %.6f", sim);
		}
		ll_cp_result_free(&rd);
		ll_cp_result_free(&rf);
	}
	ll_tensor_free(&X);
	ll_tensor_free(&F);
	ll_ktensor_free(&K);
}

/* The fused-replicates ensemble on float data matches the double one. */
static void test_ens_single(void)
{
	const size_t dim[] = {25, 12, 18};
	ll_tensor X = {0}, F = {0};
	ll_ktensor K = {0};
	LL_CHECK(planted(&X, &K, dim, 3, 78));
	LL_CHECK_INT(ll_tensor_copy(&F, &X, NULL), LL_OK);
	LL_CHECK_INT(ll_tensor_to_f32(&F, NULL), LL_OK);
	ll_ens_opts o;
	ll_ens_opts_default(&o);
	o.rank_lo = 2;
	o.rank_hi = 4;
	o.replicates = 3;
	o.cp.method = LL_CP_ALS;
	o.cp.tol = 1e-9;
	o.cp.max_iter = 300;
	o.threads = 1;
	ll_ensemble ed, ef;
	LL_CHECK_INT(ll_ens_fit(&X, &o, &ed, NULL), LL_OK);
	LL_CHECK_INT(ll_ens_fit(&F, &o, &ef, NULL), LL_OK);
	LL_CHECK_INT(ed.single, 0);
	LL_CHECK_INT(ef.single, 1);
	LL_CHECK_NEAR(ef.data_norm, ed.data_norm, 1e-6 * ed.data_norm); /* float rounding */
	for (size_t r = 2; r <= 4; r++) {
		const ll_ens_rank *a = ll_ens_get(&ed, r), *b = ll_ens_get(&ef, r);
		LL_CHECK(a && b);
		if (a && b)
			LL_CHECK_MSG(fabs(a->fits[0].obj - b->fits[0].obj) < 1e-5, "rank %zu: %.9g vs %.9g", r,
				     a->fits[0].obj, b->fits[0].obj);
	}
	ll_ens_free(&ed);
	ll_ens_free(&ef);
	/* ranks fitted side by side on 2 threads: each fit's MTTKRP runs
	 * inside an outer parallel region, where its thread number is the
	 * outer one (a stage picked by that number overran its block; found
	 * by valgrind on `tca --float32 --shard`, caught here under ASan or
	 * valgrind) */
	o.threads = 2;
	LL_CHECK_INT(ll_ens_fit(&F, &o, &ef, NULL), LL_OK);
	for (size_t r = 2; r <= 4; r++) {
		const ll_ens_rank *b = ll_ens_get(&ef, r);
		LL_CHECK(b && b->fits[0].obj < 0.9);
	}
	ll_ens_free(&ef);
	o.threads = 1;
	/* cross-validation holds entries out as missing data: refused */
	o.cv_folds = 3;
	ll_err e;
	LL_CHECK_INT(ll_ens_fit(&F, &o, &ef, &e), LL_ENOTSUP);
	LL_CHECK(strstr(e.msg, "single precision") != NULL);
	ll_tensor_free(&X);
	ll_tensor_free(&F);
	ll_ktensor_free(&K);
}

/* What single precision does not do is refused in one line. */
static void test_single_refusals(void)
{
	const size_t dim[] = {6, 5, 4};
	ll_tensor X = {0}, F = {0}, M = {0};
	LL_CHECK(twin_tensors(&X, &F, 3, dim, 3));
	for (size_t i = 0; i < F.size; i++)
		F.fdata[i] = fabsf(F.fdata[i]);
	ll_cp_opts o;
	ll_cp_opts_default(&o);
	o.rank = 2;
	ll_err e;
	o.method = LL_CP_APR;
	LL_CHECK_INT(ll_cp_check(&F, &o, &e), LL_ENOTSUP);
	LL_CHECK(strstr(e.msg, "cp-apr") && !strchr(e.msg, '\n'));
	o.method = LL_CP_ALS;
	o.init = LL_CP_INIT_SVD;
	LL_CHECK_INT(ll_cp_check(&F, &o, &e), LL_ENOTSUP);
	LL_CHECK(strstr(e.msg, "svd") != NULL);
	o.init = LL_CP_INIT_RANDOM;
	LL_CHECK_INT(ll_tensor_init(&M, 3, dim, NULL), LL_OK);
	for (size_t i = 0; i < M.size; i++)
		M.data[i] = 1.0;
	o.mask = &M;
	LL_CHECK_INT(ll_cp_check(&F, &o, &e), LL_ENOTSUP);
	LL_CHECK(strstr(e.msg, "mask") != NULL);
	o.mask = NULL;
	LL_CHECK_INT(ll_cp_check(&F, &o, &e), LL_OK);
	F.fdata[3] = NAN;
	LL_CHECK_INT(ll_cp_check(&F, &o, &e), LL_ENOTSUP);
	LL_CHECK(strstr(e.msg, "1 NaN") != NULL);
	F.fdata[3] = INFINITY;
	LL_CHECK_INT(ll_cp_check(&F, &o, &e), LL_ENUMERIC);
	ll_tensor_free(&X);
	ll_tensor_free(&F);
	ll_tensor_free(&M);
}

static char tmpdir[64];

static const char *tpath(const char *name)
{
	static char buf[160];
	snprintf(buf, sizeof buf, "%s/%s", tmpdir, name);
	return buf;
}

/* float32 .npy: mapped, not copied; float64: converted; a truncated
 * file: one line naming it. */
static void test_npy_f32(void)
{
	const size_t dim[] = {7, 3, 5};
	ll_tensor D = {0}, F = {0}, T = {0};
	ll_array_info info;
	ll_err e;
	LL_CHECK(twin_tensors(&D, &F, 3, dim, 9));
	char p32[160], p64[160], pbad[160];
	snprintf(p32, sizeof p32, "%s", tpath("x32.npy"));
	snprintf(p64, sizeof p64, "%s", tpath("x64.npy"));
	snprintf(pbad, sizeof pbad, "%s", tpath("short.npy"));
	LL_CHECK_INT(ll_npy_write(p32, &D, 1, NULL), LL_OK);
	LL_CHECK_INT(ll_npy_write(p64, &D, 0, NULL), LL_OK);

	LL_CHECK_INT(ll_array_read_f32(p32, &T, &info, &e), LL_OK);
	LL_CHECK(T.map != NULL && T.fdata && !T.data);
	LL_CHECK_STR(info.dtype, "<f4");
	LL_CHECK_INT(T.nmodes, 3);
	LL_CHECK(T.size == D.size && memcmp(T.fdata, F.fdata, D.size * sizeof(float)) == 0);
	ll_tensor_free(&T);

	LL_CHECK_INT(ll_array_read_f32(p64, &T, &info, &e), LL_OK);
	LL_CHECK(T.map == NULL && T.fdata && !T.data);
	LL_CHECK(T.size == D.size && memcmp(T.fdata, F.fdata, D.size * sizeof(float)) == 0);
	ll_tensor_free(&T);

	/* the double reader is unchanged by it */
	LL_CHECK_INT(ll_array_read(p32, &T, &info, &e), LL_OK);
	LL_CHECK(T.data && !T.fdata && memcmp(T.data, D.data, D.size * sizeof(double)) == 0);
	ll_tensor_free(&T);

	/* cut the data short by 10 bytes */
	FILE *in = fopen(p32, "rb"), *out = fopen(pbad, "wb");
	LL_CHECK(in && out);
	if (in && out) {
		char buf[4096];
		size_t n = fread(buf, 1, sizeof buf, in);
		fwrite(buf, 1, n - 10, out);
	}
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	int rc = ll_array_read_f32(pbad, &T, &info, &e);
	LL_CHECK_INT(rc, LL_EFORMAT);
	LL_CHECK(strstr(e.msg, pbad) == e.msg && strstr(e.msg, "truncated") && !strchr(e.msg, '\n'));
	LL_CHECK(T.fdata == NULL && T.data == NULL);
	unlink(p32);
	unlink(p64);
	unlink(pbad);
	ll_tensor_free(&D);
	ll_tensor_free(&F);
}

int main(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/ll_test_f32.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	LL_RUN(test_tensor_f32_basics);
	LL_RUN(test_mttkrp_float);
	LL_RUN(test_cp_single_vs_double);
	LL_RUN(test_ens_single);
	LL_RUN(test_single_refusals);
	LL_RUN(test_npy_f32);
	rmdir(tmpdir);
	return ll_test_done();
}
