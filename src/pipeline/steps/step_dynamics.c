/* [dynamics]: the fixed points of every network the rnn step trained, at
 * a constant input (src/dynamics/ll_rnn_fp.h: the code `latentlab
 * fixedpoints` runs), their stability and manifold graph; the networks
 * compared by geometry (a CCA-family or other metric on the probe
 * trajectories) and by topology (the fixed-point graph distance), each as
 * an MDS map, and how well each separates the architectures (the
 * universality study: Maheswaranathan et al. 2019); for the sine task, the
 * oscillation frequency of the linearisation against the input level. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "base/ll_rng.h"
#include "dynamics/ll_rnn_fp.h"
#include "io/ll_npy.h"
#include "pipeline/ll_step.h"
#include "pipeline/steps/step_dynamics.h"
#include "pipeline/steps/step_rnn.h"

#define METRIC_CHOICE_(id, name, kind, inv, fn, desc) "|" name
#define METRIC_CHOICES (LL_METRICS(METRIC_CHOICE_) + 1)

static const ll_param_def params[] = {
	P_INT("inits", "256", 1, 1000000, "initial states per network, drawn from the probe trajectories"),
	P_REAL("noise", "0.5", 0, 100, "sd of the noise added to each initial state (larger finds more saddles)"),
	P_REALS("input", "0", -1e6, 1e6, "the constant input u*: one value for every channel, or one each"),
	P_INT("max_iter", "200", 1, 100000, "Levenberg-Marquardt iterations per start"),
	P_ENUM("geometry", "svcca", METRIC_CHOICES,
	       "the geometry metric between networks' probe trajectories (svcca as in the universality study)"),
	P_INT("levels", "5", 0, 51, "sine: input levels at which the linearisation's frequency is read (0 = none)"),
};

static void drop(ll_session *s)
{
	struct ll_res_dynamics *r = s->res.dynamics;
	if (!r)
		return;
	for (size_t i = 0; r->fp && i < r->nets; i++)
		ll_fp_result_free(&r->fp[i]);
	ll_free(r->fp);
	ll_free(r->input);
	ll_free(r->counts);
	ll_free(r->geometry);
	ll_free(r->topology);
	ll_mds_free(&r->mds_geometry);
	ll_mds_free(&r->mds_topology);
	ll_free(r->level);
	ll_free(r->omega_task);
	ll_free(r->omega_fp);
	ll_free(r);
	s->res.dynamics = NULL;
}

/* The leading complex eigenvalue's argument at the fixed points of r: the
 * frequency of the slowest-decaying oscillation (NaN: none oscillates). */
static double leading_omega(const ll_fp_result *r)
{
	double best = -1, om = NAN;
	for (size_t p = 0; p < r->n; p++) {
		if (r->kind[p] != LL_FP_FIXED)
			continue;
		for (size_t e = 0; e < r->dim; e++) {
			const double *ev = r->eig + (p * r->dim + e) * 2;
			double m = hypot(ev[0], ev[1]);
			if (fabs(ev[1]) > 1e-9 && m > best) {
				best = m;
				om = fabs(atan2(ev[1], ev[0]));
			}
		}
	}
	return om;
}

static int geometry(ll_step_ctx *c, const struct ll_res_rnn *rn, struct ll_res_dynamics *r, ll_err *err)
{
	size_t N = rn->nets, B = rn->probe.B, T = rn->probe.T;
	ll_system *sys = ll_calloc_array(N, sizeof *sys);
	double **data = ll_calloc_array(N, sizeof *data);
	int rc = LL_OK;
	if (!sys || !data)
		rc = ll_err_oom(err);
	for (size_t i = 0; i < N && rc == LL_OK; i++) {
		size_t H = rn->net[i].H, S = rn->net[i].S;
		if (!(data[i] = ll_malloc_array(B * T, H * sizeof(double)))) {
			rc = ll_err_oom(err);
			break;
		}
		for (size_t b = 0; b < B; b++) {
			const float *st = ll_res_rnn_states(rn, i, b);
			for (size_t t = 0; t < T; t++)
				for (size_t u = 0; u < H; u++)
					data[i][(b * T + t) * H + u] = st[t * S + u];
		}
		sys[i] = (ll_system){NULL, data[i], B * T, H};
	}
	ll_compare_opts o;
	ll_compare_opts_default(&o);
	o.drop_constant = 1; /* a saturated unit is a fact of the network, not an error */
	ll_step_prog g = {.c = c, .lo = 0.85, .span = 0.1, .detail = LL_PROG_NOTE,
			  .note = "geometry: every pair of networks"};
	if (rc == LL_OK)
		rc = ll_compare_all(sys, N, r->metric, &o, r->geometry, ll_step_prog_fwd, &g, err);
	if (rc == LL_OK)
		ll_compare_dissimilarity(r->metric, r->geometry, N, r->geometry);
	for (size_t i = 0; data && i < N; i++)
		ll_free(data[i]);
	ll_free(data);
	ll_free(sys);
	if (rc != LL_OK)
		ll_err_prefix(err, "[dynamics] geometry (%s)", ll_metric_name(r->metric));
	return rc;
}

static void write_json(ll_json *j, const void *ud)
{
	const struct ll_res_dynamics *r = ud;
	ll_json_obj_begin(j);
	ll_json_key(j, "input");
	ll_json_num_array(j, r->input, r->n_in);
	ll_json_kv_str(j, "geometry_metric", ll_metric_name(r->metric));
	ll_json_kv_num(j, "separation_geometry", r->sep_geometry);
	ll_json_kv_num(j, "separation_topology", r->sep_topology);
	ll_json_kv_num(j, "seconds", r->seconds);
	ll_json_obj_end(j);
	fputc('\n', j->fp);
}

static int save(ll_step_ctx *c, const struct ll_res_rnn *rn, const struct ll_res_dynamics *r, ll_err *err)
{
	char *dir;
	int rc = ll_step_outdir(c, &dir, err);
	if (rc != LL_OK)
		return rc;
	size_t N = r->nets, sh[3] = {N, N, 0};
	rc = ll_step_write_vec(dir, "geometry.npy", r->geometry, 2, sh, err);
	if (rc == LL_OK)
		rc = ll_step_write_vec(dir, "topology.npy", r->topology, 2, sh, err);
	size_t m2[2] = {N, 2};
	if (rc == LL_OK && r->mds_geometry.coords)
		rc = ll_step_write_vec(dir, "mds_geometry.npy", r->mds_geometry.coords, 2, m2, err);
	if (rc == LL_OK && r->mds_topology.coords)
		rc = ll_step_write_vec(dir, "mds_topology.npy", r->mds_topology.coords, 2, m2, err);
	char name[64];
	for (size_t i = 0; i < N && rc == LL_OK; i++) {
		const ll_fp_result *f = &r->fp[i];
		size_t ps[2] = {f->n, f->dim}, es[3] = {f->n, f->dim, 2};
		double *q = ll_malloc_array(f->n ? f->n * 2 : 1, sizeof *q);
		if (!q) {
			rc = ll_err_oom(err);
			break;
		}
		snprintf(name, sizeof name, "points_%03zu.npy", i);
		rc = ll_step_write_vec(dir, name, f->points, 2, ps, err);
		snprintf(name, sizeof name, "eigenvalues_%03zu.npy", i);
		if (rc == LL_OK)
			rc = ll_step_write_vec(dir, name, f->eig, 3, es, err);
		/* each point's q and unstable count */
		for (size_t p = 0; p < f->n; p++) {
			q[p * 2] = f->q[p];
			q[p * 2 + 1] = f->kind[p] == LL_FP_SLOW ? -1.0 : (double)f->n_unstable[p];
		}
		size_t qs[2] = {f->n, 2};
		snprintf(name, sizeof name, "q_unstable_%03zu.npy", i);
		if (rc == LL_OK)
			rc = ll_step_write_vec(dir, name, q, 2, qs, err);
		ll_free(q);
	}
	if (rc == LL_OK) {
		ll_afile af;
		rc = ll_afile_open_in(&af, dir, "fixedpoints.csv", err);
		if (rc == LL_OK) {
			fputs("network,cell,hidden,learned,n_fixed,n_slow,stable,saddle,repeller,by_unstable\n", af.fp);
			for (size_t i = 0; i < N; i++) {
				const ll_fp_result *f = &r->fp[i];
				size_t cls[3] = {0, 0, 0};
				for (size_t p = 0; p < f->n; p++)
					if (f->kind[p] == LL_FP_FIXED)
						cls[ll_fp_classify(f->n_unstable[p], f->dim)]++;
				fprintf(af.fp, "%zu,%s,%zu,%s,%zu,%zu,%zu,%zu,%zu,", i, ll_rnn_cell_name(rn->net[i].cfg.cell),
					rn->net[i].H, rn->train[i].score.learned ? "yes" : "no", f->n_fixed, f->n_slow, cls[0],
					cls[1], cls[2]);
				size_t top = 0;
				for (size_t k = 0; k <= r->maxS; k++)
					if (r->counts[i * (r->maxS + 1) + k])
						top = k;
				for (size_t k = 0; k <= top; k++)
					fprintf(af.fp, "%s%zu", k ? " " : "", r->counts[i * (r->maxS + 1) + k]);
				fputc('\n', af.fp);
			}
			rc = ll_afile_commit(&af, err);
		}
	}
	if (rc == LL_OK && r->nlevels) {
		ll_afile af;
		rc = ll_afile_open_in(&af, dir, "frequencies.csv", err);
		if (rc == LL_OK) {
			fputs("network,cell,level,omega_task,omega_fixedpoint\n", af.fp);
			for (size_t i = 0; i < N; i++)
				for (size_t l = 0; l < r->nlevels; l++)
					fprintf(af.fp, "%zu,%s,%.9g,%.9g,%.9g\n", i, ll_rnn_cell_name(rn->net[i].cfg.cell),
						r->level[l], r->omega_task[l], r->omega_fp[i * r->nlevels + l]);
			rc = ll_afile_commit(&af, err);
		}
	}
	if (rc == LL_OK)
		rc = ll_step_write_json(dir, "dynamics.json", write_json, r, err);
	ll_free(dir);
	return rc;
}

static int run(ll_step_ctx *c, ll_err *err)
{
	ll_session *s = c->s;
	const struct ll_res_rnn *rn = s->res.rnn;
	if (!rn)
		return ll_err_set(err, LL_EINVAL, "[dynamics] needs the rnn step's networks: run it first");
	double t0 = ll_now();
	struct ll_res_dynamics *r = ll_calloc(1, sizeof *r);
	if (!r)
		return ll_err_oom(err);
	s->res.dynamics = r;
	size_t N = rn->nets, n_in = rn->net[0].cfg.n_in;
	r->nets = N;
	r->n_in = n_in;
	r->metric = (ll_metric)ll_session_get_enum(s, LL_STEP_DYNAMICS, "geometry");
	r->fp = ll_calloc_array(N, sizeof *r->fp);
	r->input = ll_calloc_array(n_in, sizeof *r->input);
	r->geometry = ll_malloc_array(N * N, sizeof *r->geometry);
	r->topology = ll_malloc_array(N * N, sizeof *r->topology);
	if (!r->fp || !r->input || !r->geometry || !r->topology)
		return ll_err_oom(err);
	double u[64];
	size_t nu = ll_session_get_reals(s, LL_STEP_DYNAMICS, "input", u, 64);
	if (nu != 1 && nu != n_in)
		return ll_err_set(err, LL_EINVAL, "[dynamics] input: %zu values for %zu input channels (give 1 or %zu)",
				  nu, n_in, n_in);
	for (size_t k = 0; k < n_in; k++)
		r->input[k] = nu == 1 ? u[0] : u[k];

	ll_rnn_fp_opts o;
	ll_rnn_fp_opts_default(&o);
	o.inits = (size_t)ll_session_get_int(s, LL_STEP_DYNAMICS, "inits");
	o.noise = ll_session_get_real(s, LL_STEP_DYNAMICS, "noise");
	o.input = r->input;
	o.probes = rn->probe.B;
	o.seed = ll_seed_derive((uint64_t)ll_session_get_int(s, LL_STEP_SESSION, "seed"), 0x6670, 0);
	o.fp.max_iters = (size_t)ll_session_get_int(s, LL_STEP_DYNAMICS, "max_iter");
	o.fp.threads = ll_step_threads(s);
	int rc = LL_OK;
	ll_step_prog g = {.c = c, .detail = LL_PROG_NOTE};
	o.fp.progress = ll_step_prog_fwd;
	o.fp.progress_ud = &g;
	for (size_t i = 0; i < N && rc == LL_OK; i++) {
		g.lo = 0.7 * (double)i / (double)N;
		g.span = 0.7 / (double)N;
		ll_step_prog_note(&g, "fixed points of network %zu/%zu (%s)", i + 1, N,
			 ll_rnn_cell_name(rn->net[i].cfg.cell));
		rc = ll_rnn_fixedpoints(&rn->net[i], &rn->task, &o, &r->fp[i], NULL, NULL, err);
		if (rc != LL_OK)
			ll_err_prefix(err, "[dynamics] network %zu (%s)", i, ll_rnn_cell_name(rn->net[i].cfg.cell));
	}
	if (rc != LL_OK)
		return ll_session_canceled(s) ? ll_err_set(err, LL_ECANCELED, "[dynamics] canceled") : rc;

	/* the linearisation's frequency against the input level (sine) */
	size_t L = rn->task.kind == LL_TASK_SINE ? (size_t)ll_session_get_int(s, LL_STEP_DYNAMICS, "levels") : 0;
	if (L && n_in == 1) {
		r->nlevels = L;
		r->level = ll_malloc_array(L, sizeof *r->level);
		r->omega_task = ll_malloc_array(L, sizeof *r->omega_task);
		r->omega_fp = ll_malloc_array(N * L, sizeof *r->omega_fp);
		if (!r->level || !r->omega_task || !r->omega_fp)
			return ll_err_oom(err);
		ll_rnn_fp_opts ol = o;
		ol.inits = o.inits < 64 ? o.inits : 64;
		ol.fp.manifolds = 0;
		for (size_t l = 0; l < L && rc == LL_OK; l++) {
			size_t j = L == 1 ? rn->task.n_freq / 2 : l * (rn->task.n_freq - 1) / (L - 1);
			if (ll_task_sine_freq(&rn->task, j, &r->omega_task[l], &r->level[l]) != LL_OK)
				return ll_err_set(err, LL_EINVAL, "[dynamics] sine frequency %zu out of range", j);
			ol.input = &r->level[l];
			for (size_t i = 0; i < N && rc == LL_OK; i++) {
				ll_fp_result f;
				g.lo = 0.7 + 0.15 * (double)(l * N + i) / (double)(L * N);
				g.span = 0.15 / (double)(L * N);
				ll_step_prog_note(&g, "linearisation at level %zu/%zu, network %zu/%zu", l + 1,
					 L, i + 1, N);
				rc = ll_rnn_fixedpoints(&rn->net[i], &rn->task, &ol, &f, NULL, NULL, err);
				if (rc == LL_OK) {
					r->omega_fp[i * L + l] = leading_omega(&f);
					ll_fp_result_free(&f);
				}
			}
		}
		if (rc != LL_OK)
			return rc;
	}

	/* fixed points by unstable directions */
	for (size_t i = 0; i < N; i++)
		r->maxS = rn->net[i].S > r->maxS ? rn->net[i].S : r->maxS;
	if (!(r->counts = ll_calloc_array(N * (r->maxS + 1), sizeof *r->counts)))
		return ll_err_oom(err);
	for (size_t i = 0; i < N; i++)
		ll_fp_counts(&r->fp[i], r->counts + i * (r->maxS + 1));

	/* geometry and topology between every pair */
	if ((rc = geometry(c, rn, r, err)) != LL_OK)
		return rc;
	for (size_t a = 0; a < N && rc == LL_OK; a++) {
		r->topology[a * N + a] = 0.0;
		for (size_t b = a + 1; b < N && rc == LL_OK; b++) {
			ll_fp_graph_dist d;
			rc = ll_fp_graph_distance(&r->fp[a], &r->fp[b], &d, err);
			r->topology[a * N + b] = r->topology[b * N + a] = d.total;
		}
	}
	if (rc != LL_OK)
		return rc;
	if (N >= 3) {
		ll_mds_opts mo;
		ll_mds_opts_default(&mo);
		if ((rc = ll_mds(r->geometry, N, &mo, &r->mds_geometry, err)) != LL_OK ||
		    (rc = ll_mds(r->topology, N, &mo, &r->mds_topology, err)) != LL_OK)
			return rc;
	}
	/* how far apart the architectures are: the networks grouped by cell
	 * (with three or more networks MDS has refused any non-finite distance) */
	size_t *cell = ll_malloc_array(N, sizeof *cell);
	if (!cell)
		return ll_err_oom(err);
	for (size_t i = 0; i < N; i++)
		cell[i] = (size_t)rn->net[i].cfg.cell;
	r->sep_geometry = ll_compare_separation(r->geometry, N, cell);
	r->sep_topology = ll_compare_separation(r->topology, N, cell);
	ll_free(cell);
	r->seconds = ll_now() - t0;

	size_t nfix = 0, nstable = 0;
	for (size_t i = 0; i < N; i++) {
		nfix += r->fp[i].n_fixed;
		nstable += r->counts[i * (r->maxS + 1)];
	}
	if (isfinite(r->sep_geometry) && isfinite(r->sep_topology))
		ll_step_status(c, "%zu networks: %.1f fixed points each (%.1f stable); architectures separate %.2fx by "
				  "geometry, %.2fx by topology",
			       N, (double)nfix / (double)N, (double)nstable / (double)N, r->sep_geometry, r->sep_topology);
	else
		ll_step_status(c, "%zu networks: %.1f fixed points each (%.1f stable)", N, (double)nfix / (double)N,
			       (double)nstable / (double)N);
	ll_session_log(s, "dynamics: %s", s->status[c->k]);
	if (c->outdir)
		rc = save(c, rn, r, err);
	return rc;
}

const ll_step_def ll_step_dynamics = {
	.name = "dynamics",
	.summary = "fixed points of every network, their stability; geometry vs topology across networks",
	.params = params,
	.nparams = LL_NPARAMS(params),
	.needs = LL_STEP_BIT(LL_STEP_RNN),
	.run = run,
	.drop = drop,
	.outputs = "fixedpoints.csv, points/eigenvalues per network, geometry.npy, topology.npy, MDS maps",
};
