/*
 * latentlab dsa: Dynamical Similarity Analysis (Ostrow et al. 2023) of two
 * recordings: delay-embed each, fit a linear operator by DMD, and compare
 * the operators up to an orthogonal change of coordinates
 * (src/dynamics/ll_dsa.h).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "cli/cmd.h"
#include "dynamics/ll_dsa.h"
#include "io/ll_array.h"
#include "io/ll_npy.h"
#include "pipeline/ll_outdir.h"
#include "similarity/ll_mds.h"
#include "tensor/ll_tensor.h"

static void dsa_usage(FILE *fp)
{
	fputs("usage: latentlab dsa X Y [OPTIONS]\n"
	      "       latentlab dsa --all A B C ... -o OUTDIR [OPTIONS]\n"
	      "\n"
	      "Dynamical Similarity Analysis (Ostrow et al. 2023): how alike the dynamics\n"
	      "of two systems are, whatever their coordinates.  Each recording is\n"
	      "delay-embedded (rows [x_t, x_{t-k}, ..., x_{t-(d-1)k}], trials kept apart,\n"
	      "no mean-centring), reduced to its top R singular directions, and a linear\n"
	      "operator A (R x R) is fitted by DMD (principal-component regression, ridge\n"
	      "1e-8).  The two operators, scaled to unit Frobenius norm, are compared up\n"
	      "to an orthogonal change of coordinates C (rotations and reflections):\n"
	      "\n"
	      "  dsa        the angular distance arccos(<A, C B C^T>) at the best C, in\n"
	      "             [0, pi] radians: the reference's 2023 default score\n"
	      "  euclidean  ||A - C B C^T||_F at the best C (= 2 sin(dsa / 2))\n"
	      "  wasserstein  W2^2 between the operators' eigenvalues as points of the\n"
	      "             complex plane (no square root, smaller set zero-padded)\n"
	      "\n"
	      "When the two ranks differ (e.g. different unit counts without --rank, or\n"
	      "--explained-variance choosing different ranks), only the Wasserstein\n"
	      "score applies, as in the reference (matrices of different sizes fall back\n"
	      "to it there); dsa is null.\n"
	      "\n"
	      "X and Y are .npy, .npz (first member, or FILE.npz:member) or .csv files of\n"
	      "shape trials x time x units, or time x units.  Their unit counts may differ.\n"
	      "\n"
	      "options:\n"
	      "      --delays D          delay-embedding copies d (default 1: none)\n"
	      "      --delay-interval K  steps between copies k (default 1)\n"
	      "      --rank R            operator size (default 0: the embedding's full rank)\n"
	      "      --explained-variance V\n"
	      "                          operator size per recording instead: the fewest\n"
	      "                          singular directions of its embedding whose squared\n"
	      "                          singular values sum to V (0 < V < 1) of the total\n"
	      "                          (no centring: energy about 0, as the reference).\n"
	      "                          Not with --rank.  Two recordings may get different\n"
	      "                          ranks (see above); --all refits every system at the\n"
	      "                          largest rank chosen, capped by the smallest\n"
	      "                          embedding rank, and records it in summary.json\n"
	      "      --restarts N        optimiser starts per component of O(n) (default 3)\n"
	      "      --max-iter N        iterations per start (default 1000)\n"
	      "  -s, --seed S            seed of the random starts (default 0)\n"
	      "      --all               compare every pair of the recordings given (2 or\n"
	      "                          more, one rank: use --rank or --explained-variance\n"
	      "                          when their sizes differ) and write OUTDIR/dsa.npy\n"
	      "                          and dsa.csv (the N x N angular distances),\n"
	      "                          wasserstein.npy and .csv, dsa_mds.npy and .csv (a\n"
	      "                          2-D map of the systems by MDS of the dsa matrix),\n"
	      "                          summary.json (\"rank\", \"rank_by\": \"rank\",\n"
	      "                          \"full\" or \"explained-variance V\", and with V\n"
	      "                          \"ranks_chosen\", each system's own, and\n"
	      "                          \"rank_cap\")\n"
	      "  -o, --output OUTDIR     where --all writes (required with --all)\n"
	      "      --force             write into a non-empty folder latentlab did not make\n"
	      "  -j, --threads N         threads for --all's pairs (default 0: automatic,\n"
	      "                          the CPUs free to latentlab; 'latentlab info --threads')\n"
	      "      --json              print one JSON object: {\"dsa\": d, \"angular\": d,\n"
	      "                          \"euclidean\": e, \"wasserstein\": w, \"eigs_x\":\n"
	      "                          [[re, im], ...], \"eigs_y\": [...], \"iterations\": n,\n"
	      "                          \"rank_x\", \"rank_y\", \"det\", \"settings\": {...}}\n"
	      "                          (settings include \"rank_by\" and\n"
	      "                          \"explained_variance\", null when not used)\n"
	      "  -h, --help              show this help\n"
	      "\n"
	      "Exit status: 0 success, 1 error, 2 usage error.\n",
	      fp);
}

typedef struct sys {
	const char *path;
	ll_tensor t;
	size_t trials, T, units;
	ll_dsa_dmd m;
} sys;

static int load(sys *s, const ll_dsa_dmd_opts *o)
{
	ll_err err = {0, ""};
	if (ll_array_read_table(s->path, &s->t, &err) != LL_OK) {
		cmd_error("%s", err.msg);
		return 1;
	}
	if (s->t.nmodes == 2) {
		s->trials = 1;
		s->T = s->t.dim[0];
		s->units = s->t.dim[1];
	} else if (s->t.nmodes == 3) {
		s->trials = s->t.dim[0];
		s->T = s->t.dim[1];
		s->units = s->t.dim[2];
	} else {
		char shape[64];
		ll_tensor_shape_str(&s->t, shape, sizeof shape);
		cmd_error("%s: expected trials x time x units or time x units, got shape %s", s->path, shape);
		return 1;
	}
	if (ll_dsa_dmd_fit(s->t.data, s->trials, s->T, s->units, o, &s->m, &err) != LL_OK) {
		cmd_error("%s: %s", s->path, err.msg);
		return 1;
	}
	return 0;
}

/* How the rank was set, for --json and summary.json: "rank",
 * "explained-variance V" or "full" */
static void rank_by(const ll_dsa_dmd_opts *o, char *buf, size_t n)
{
	if (o->rank > 0)
		snprintf(buf, n, "rank");
	else if (o->explained_variance > 0)
		snprintf(buf, n, "explained-variance %.15g", o->explained_variance);
	else
		snprintf(buf, n, "full");
}

static void eig_array(ll_json *j, const double *eig, size_t n)
{
	ll_json_arr_begin(j);
	for (size_t i = 0; i < n; i++)
		ll_json_num_array(j, eig + 2 * i, 2);
	ll_json_arr_end(j);
}

/* --all: every pair, then the files */
static int run_all(char **paths, size_t N, const ll_dsa_dmd_opts *dmo, const ll_dsa_opts *dso, int threads,
		   const char *outdir, int force, int argc, char **argv)
{
	ll_err err = {0, ""};
	int status = 1, wrote = 0, rc = LL_OK;
	ll_outdir od = LL_OUTDIR_INIT;
	sys *s = ll_calloc_array(N, sizeof *s);
	ll_dsa_dmd *m = ll_calloc_array(N, sizeof *m);
	double *D = ll_malloc_array(N * N, sizeof *D), *W = ll_malloc_array(N * N, sizeof *W);
	ll_mds_result mds;
	memset(&mds, 0, sizeof mds);
	size_t *chosen = NULL, rank = 0, cap = SIZE_MAX; /* --explained-variance */
	int capped = 0;
	if (!s || !m || !D || !W) {
		cmd_error("out of memory");
		goto out;
	}
	/* compute everything before touching OUTDIR */
	for (size_t a = 0; a < N; a++) {
		s[a].path = paths[a];
		if (load(&s[a], dmo))
			goto out;
		m[a] = s[a].m;
	}
	/* --explained-variance picks a rank per system, but the operators must
	 * be of one size: take the largest (so no system loses the directions
	 * it needs), capped by the smallest embedding rank (what every system
	 * can be fitted at), and refit the others there */
	if (dmo->explained_variance > 0) {
		chosen = ll_calloc_array(N, sizeof *chosen);
		if (!chosen) {
			cmd_error("out of memory");
			goto out;
		}
		for (size_t a = 0; a < N; a++) {
			size_t p = m[a].rows < m[a].embed_dim ? m[a].rows : m[a].embed_dim;
			chosen[a] = m[a].rank;
			rank = m[a].rank > rank ? m[a].rank : rank;
			cap = p < cap ? p : cap;
		}
		capped = rank > cap;
		rank = capped ? cap : rank;
		ll_dsa_dmd_opts at = *dmo;
		at.rank = rank;
		at.explained_variance = 0;
		for (size_t a = 0; a < N; a++) {
			if (m[a].rank == rank)
				continue;
			ll_dsa_dmd_free(&s[a].m);
			if (ll_dsa_dmd_fit(s[a].t.data, s[a].trials, s[a].T, s[a].units, &at, &s[a].m, &err) != LL_OK) {
				cmd_error("%s: at rank %zu (the largest explaining %.15g of a system's variance): %s",
					  s[a].path, rank, dmo->explained_variance, err.msg);
				goto out;
			}
			m[a] = s[a].m;
		}
	}
	if (ll_dsa_all(m, N, dso, threads, D, W, &err) != LL_OK) {
		/* name the files rather than the indices */
		size_t a = 0, b = 0;
		if (sscanf(err.msg, "systems %zu and %zu:", &a, &b) == 2 && a < N && b < N)
			cmd_error("%s vs %s: %s", s[a].path, s[b].path, strchr(err.msg, ':') + 2);
		else if (sscanf(err.msg, "system %zu has rank", &a) == 1 && a < N)
			cmd_error("%s has rank %zu but %s rank %zu: --all needs one rank (set --rank or "
				  "--explained-variance)", s[a].path,
				  s[a].m.rank, s[0].path, s[0].m.rank);
		else
			cmd_error("%s", err.msg);
		goto out;
	}
	if (ll_mds(D, N, NULL, &mds, &err) != LL_OK) {
		cmd_error("MDS of the dsa matrix: %s", err.msg);
		goto out;
	}
	static const char *const names[] = {"dsa.npy", "dsa.csv", "wasserstein.npy", "wasserstein.csv",
					    "dsa_mds.npy", "dsa_mds.csv", "summary.json", NULL};
	char *what = cmd_join_args(argc, argv);
	rc = ll_outdir_open(&od, outdir, names, force ? LL_OUTDIR_FORCE : 0, what ? what : "latentlab dsa --all",
			    &err);
	ll_free(what);
	if (rc != LL_OK) {
		cmd_error("%s", err.msg);
		goto out;
	}
	static const char *const finished[] = {"summary.json", NULL};
	rc = ll_outdir_begin(&od, finished, &err);
	wrote = 1;
	size_t shape[2] = {N, N}, mshape[2] = {N, mds.k};
	static const char *const axes[] = {"mds1", "mds2", "mds3"};
	if (rc == LL_OK)
		rc = ll_npy_write_array_in(outdir, "dsa.npy", D, 2, shape, 0, &err);
	if (rc == LL_OK)
		rc = cmd_write_matrix_csv(outdir, "dsa.csv", (const char *const *)paths, N, D, N, NULL, &err);
	if (rc == LL_OK)
		rc = ll_npy_write_array_in(outdir, "wasserstein.npy", W, 2, shape, 0, &err);
	if (rc == LL_OK)
		rc = cmd_write_matrix_csv(outdir, "wasserstein.csv", (const char *const *)paths, N, W, N, NULL, &err);
	if (rc == LL_OK)
		rc = ll_npy_write_array_in(outdir, "dsa_mds.npy", mds.coords, 2, mshape, 0, &err);
	if (rc == LL_OK)
		rc = cmd_write_matrix_csv(outdir, "dsa_mds.csv", (const char *const *)paths, N, mds.coords, mds.k, axes, &err);
	if (rc == LL_OK) {
		ll_afile af;
		rc = ll_afile_open_in(&af, outdir, "summary.json", &err);
		if (rc == LL_OK) {
			ll_json j;
			ll_json_init(&j, af.fp, 1);
			ll_json_obj_begin(&j);
			ll_json_kv_str(&j, "score", "angular");
			ll_json_key(&j, "systems");
			ll_json_arr_begin(&j);
			for (size_t a = 0; a < N; a++)
				ll_json_str(&j, s[a].path);
			ll_json_arr_end(&j);
			ll_json_kv_int(&j, "rank", (long long)m[0].rank);
			char by[64];
			rank_by(dmo, by, sizeof by);
			ll_json_kv_str(&j, "rank_by", by);
			if (chosen) {
				/* each system's own choice, before the common rank */
				ll_json_key(&j, "ranks_chosen");
				ll_json_size_array(&j, chosen, N);
				ll_json_kv_int(&j, "rank_cap", (long long)cap);
			}
			ll_json_kv_int(&j, "delays", (long long)dmo->delays);
			ll_json_kv_int(&j, "delay_interval", (long long)dmo->delay_interval);
			ll_json_kv_int(&j, "restarts", (long long)dso->restarts);
			ll_json_kv_int(&j, "max_iter", (long long)dso->max_iters);
			ll_json_key(&j, "seed");
			ll_json_u64(&j, dso->seed);
			ll_json_kv_str(&j, "mds", ll_mds_method_name(mds.used));
			ll_json_kv_num(&j, "stress", mds.stress);
			ll_json_obj_end(&j);
			fputc('\n', af.fp);
			rc = ll_afile_commit(&af, &err);
		}
	}
	if (rc == LL_OK)
		rc = ll_outdir_end(&od, 1, &err);
	if (rc != LL_OK) {
		cmd_error("%s", err.msg);
		goto out;
	}
	printf("%zu systems at rank %zu: dsa (angular) and wasserstein matrices, MDS stress %.4f\n", N, m[0].rank,
	       mds.stress);
	if (chosen)
		printf("rank %zu: the largest of the ranks explaining %.15g of each system's variance%s\n", rank,
		       dmo->explained_variance, capped ? ", capped by the smallest embedding rank" : "");
	printf("results in %s\n", outdir);
	status = fflush(stdout) == 0 ? 0 : 1;
out:
	if (wrote)
		ll_outdir_close(&od);
	else
		ll_outdir_abandon(&od);
	ll_mds_free(&mds);
	ll_free(chosen);
	for (size_t a = 0; s && a < N; a++) {
		ll_dsa_dmd_free(&s[a].m);
		ll_tensor_free(&s[a].t);
	}
	ll_free(s);
	ll_free(m);
	ll_free(D);
	ll_free(W);
	return status;
}

static int cmd_dsa(int argc, char **argv)
{
	enum { O_DELAYS = 256, O_INTERVAL, O_RANK, O_EV, O_RESTARTS, O_MAXIT, O_JSON, O_ALL, O_FORCE };
	static const struct option opts[] = {
		{"delays", required_argument, NULL, O_DELAYS},
		{"delay-interval", required_argument, NULL, O_INTERVAL},
		{"rank", required_argument, NULL, O_RANK},
		{"explained-variance", required_argument, NULL, O_EV},
		{"restarts", required_argument, NULL, O_RESTARTS},
		{"max-iter", required_argument, NULL, O_MAXIT},
		{"seed", required_argument, NULL, 's'},
		{"json", no_argument, NULL, O_JSON},
		{"all", no_argument, NULL, O_ALL},
		{"output", required_argument, NULL, 'o'},
		{"force", no_argument, NULL, O_FORCE},
		{"threads", required_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	ll_dsa_dmd_opts dmo;
	ll_dsa_opts dso;
	ll_dsa_dmd_opts_default(&dmo);
	ll_dsa_opts_default(&dso);
	int c, json = 0, all = 0, force = 0, threads = 0, rank_given = 0;
	const char *outdir = NULL;
	size_t v;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":s:o:j:h", opts, NULL)) != -1) {
		switch (c) {
		case O_JSON: json = 1; break;
		case O_ALL: all = 1; break;
		case O_FORCE: force = 1; break;
		case 'o': outdir = optarg; break;
		case O_EV: {
			char *end;
			errno = 0;
			double ev = strtod(optarg, &end);
			if (end == optarg || *end || errno || !(ev > 0 && ev < 1))
				return cmd_usage_error("dsa", "--explained-variance needs a number between 0 and 1 "
						       "(both excluded), not '%s'", optarg);
			dmo.explained_variance = ev;
			break;
		}
		case 'j':
			if (!cmd_parse_count(optarg, 0, SIZE_MAX, &v))
				return cmd_usage_error("dsa", "--threads needs a non-negative whole number, not '%s'", optarg);
			threads = v > 1024 ? 1024 : (int)v;
			break;
		case O_DELAYS: case O_INTERVAL: case O_RANK: case O_RESTARTS: case O_MAXIT: case 's': {
			size_t lo = (c == O_RANK || c == 's') ? 0 : 1, hi = c == 's' ? SIZE_MAX : 1000000;
			if (!cmd_parse_count(optarg, lo, hi, &v)) {
				const char *name = "seed";
				for (const struct option *op = opts; op->name; op++)
					if (op->val == c)
						name = op->name;
				return cmd_usage_error("dsa", "--%s needs a %s whole number, not '%s'", name,
						       lo ? "positive" : "non-negative", optarg);
			}
			if (c == O_DELAYS) dmo.delays = v;
			else if (c == O_INTERVAL) dmo.delay_interval = v;
			else if (c == O_RANK) dmo.rank = v, rank_given = 1;
			else if (c == O_RESTARTS) dso.restarts = v;
			else if (c == O_MAXIT) dso.max_iters = v;
			else dso.seed = v;
			break;
		}
		case 'h': dsa_usage(stdout); return 0;
		default: return cmd_bad_option("dsa", c, argv);
		}
	}
	if (rank_given && dmo.explained_variance > 0)
		return cmd_usage_error("dsa", "--rank and --explained-variance both set the rank: give one");
	cmd_threads(threads);
	if (all) {
		if (json)
			return cmd_usage_error("dsa", "--json is for two recordings, not --all");
		if (!outdir || !*outdir)
			return cmd_usage_error("dsa", "--all needs -o OUTDIR");
		if (argc - optind < 2)
			return cmd_usage_error("dsa", "--all needs at least two recordings");
		return run_all(argv + optind, (size_t)(argc - optind), &dmo, &dso, threads, outdir, force, argc, argv);
	}
	if (outdir || force)
		return cmd_usage_error("dsa", "-o and --force are for --all");
	if (argc - optind < 2)
		return cmd_usage_error("dsa", "needs two recordings: dsa X Y");
	if (argc - optind > 2)
		return cmd_usage_error("dsa", "unexpected argument '%s'", argv[optind + 2]);
	sys x, y;
	memset(&x, 0, sizeof x);
	memset(&y, 0, sizeof y);
	x.path = argv[optind];
	y.path = argv[optind + 1];
	int status = 1;
	if (load(&x, &dmo) || load(&y, &dmo))
		goto out;
	ll_err err = {0, ""};
	ll_dsa_dist d;
	memset(&d, 0, sizeof d);
	int same = x.m.rank == y.m.rank;
	if (same && ll_dsa_compare(x.m.A, y.m.A, x.m.rank, &dso, &d, NULL, &err) != LL_OK) {
		cmd_error("%s vs %s: %s", x.path, y.path, err.msg);
		goto out;
	}
	double w;
	if (ll_dsa_wasserstein(x.m.eig, x.m.rank, y.m.eig, y.m.rank, &w, &err) != LL_OK) {
		cmd_error("%s vs %s: %s", x.path, y.path, err.msg);
		goto out;
	}
	if (json) {
		ll_json j;
		ll_json_init(&j, stdout, 0);
		ll_json_obj_begin(&j);
		ll_json_kv_str(&j, "x", x.path);
		ll_json_kv_str(&j, "y", y.path);
		if (same) {
			ll_json_kv_num(&j, "dsa", d.angular);
			ll_json_kv_num(&j, "angular", d.angular);
			ll_json_kv_num(&j, "euclidean", d.euclidean);
			ll_json_kv_int(&j, "iterations", (long long)d.iterations);
			ll_json_kv_int(&j, "det", d.det);
		} else {
			static const char *const keys[] = {"dsa", "angular", "euclidean", "iterations", "det"};
			for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
				ll_json_key(&j, keys[k]);
				ll_json_null(&j);
			}
		}
		ll_json_kv_num(&j, "wasserstein", w);
		ll_json_kv_int(&j, "rank_x", (long long)x.m.rank);
		ll_json_kv_int(&j, "rank_y", (long long)y.m.rank);
		ll_json_key(&j, "eigs_x");
		eig_array(&j, x.m.eig, x.m.rank);
		ll_json_key(&j, "eigs_y");
		eig_array(&j, y.m.eig, y.m.rank);
		ll_json_key(&j, "settings");
		ll_json_obj_begin(&j);
		ll_json_kv_str(&j, "score", "angular");
		ll_json_kv_int(&j, "delays", (long long)dmo.delays);
		ll_json_kv_int(&j, "delay_interval", (long long)dmo.delay_interval);
		ll_json_kv_int(&j, "rank", (long long)dmo.rank);
		char by[64];
		rank_by(&dmo, by, sizeof by);
		ll_json_kv_str(&j, "rank_by", by);
		ll_json_key(&j, "explained_variance");
		if (dmo.explained_variance > 0)
			ll_json_num(&j, dmo.explained_variance);
		else
			ll_json_null(&j);
		ll_json_kv_num(&j, "lambda", dmo.lambda);
		ll_json_kv_int(&j, "restarts", (long long)dso.restarts);
		ll_json_kv_int(&j, "max_iter", (long long)dso.max_iters);
		ll_json_key(&j, "seed");
		ll_json_u64(&j, dso.seed);
		ll_json_obj_end(&j);
		ll_json_obj_end(&j);
		fputc('\n', stdout);
	} else {
		printf("%-12s %zu trial%s x %zu time x %zu units -> rank %zu of %zu\n", "x", x.trials,
		       x.trials == 1 ? "" : "s", x.T, x.units, x.m.rank, x.m.embed_dim);
		printf("%-12s %zu trial%s x %zu time x %zu units -> rank %zu of %zu\n", "y", y.trials,
		       y.trials == 1 ? "" : "s", y.T, y.units, y.m.rank, y.m.embed_dim);
		if (same) {
			printf("%-12s %.6g rad (angular)\n", "dsa", d.angular);
			printf("%-12s %.6g\n", "euclidean", d.euclidean);
			printf("%-12s %zu (det %+d)\n", "iterations", d.iterations, d.det);
		} else {
			printf("%-12s n/a: ranks differ (%zu vs %zu), use --rank\n", "dsa", x.m.rank, y.m.rank);
		}
		printf("%-12s %.6g (eigenvalue W2^2)\n", "wasserstein", w);
	}
	status = fflush(stdout) == 0 ? 0 : 1;
out:
	ll_dsa_dmd_free(&x.m);
	ll_dsa_dmd_free(&y.m);
	ll_tensor_free(&x.t);
	ll_tensor_free(&y.t);
	return status;
}

const ll_cmd ll_cmd_dsa = {"dsa", cmd_dsa,
			   "dynamical similarity (DSA) of two recordings, up to rotation"};
