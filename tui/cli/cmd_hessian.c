/*
 * latentlab hessian: the curvature of a saved MLP's training loss on MNIST
 * images: the top eigenvalues of its Hessian by Lanczos, the trace by
 * Hutchinson's estimator and, on request, the spectral density by
 * stochastic Lanczos quadrature (src/nn/ll_hessian.h).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "cli/cmd.h"
#include "io/ll_mnist.h"
#include "io/ll_npy.h"
#include "nn/ll_hessian.h"
#include "nn/ll_mlp.h"
#include "pipeline/ll_step.h"

static void hessian_usage(FILE *fp)
{
	fputs("usage: latentlab hessian WEIGHTS_DIR [OPTIONS]\n"
	      "\n"
	      "The curvature of an MLP's training loss: the mean softmax cross-entropy\n"
	      "over the first N MNIST training images, as a function of all the net's\n"
	      "parameters (weight decay not included).  Hessian-vector products are exact\n"
	      "(Pearlmutter's R-operator, in double precision); from them:\n"
	      "\n"
	      "  top        the K largest eigenvalues, by Lanczos with full\n"
	      "             reorthogonalisation, stopped when their Ritz residuals fall\n"
	      "             below 1e-6 of the largest (or after M steps)\n"
	      "  trace      Hutchinson's estimate, the mean of z^T H z over P Rademacher\n"
	      "             probes z, with its standard error\n"
	      "  density    (--density) the eigenvalue density by stochastic Lanczos\n"
	      "             quadrature: Ritz values of several random starts weighted by\n"
	      "             the squared first components of T's eigenvectors, broadened\n"
	      "             by a Gaussian\n"
	      "\n"
	      "WEIGHTS_DIR holds W1.npy b1.npy W2.npy b2.npy [W3.npy b3.npy] as the MLP\n"
	      "saves them (W is units x inputs); the layer sizes come from their shapes.\n"
	      "`latentlab run` with a [train] step saves each model's weights in\n"
	      "OUTDIR/train/model_NN/init and OUTDIR/train/model_NN/final, e.g.\n"
	      "  latentlab hessian OUTDIR/train/model_00/final\n"
	      "The weights do not record the activation: without --act it is read from\n"
	      "OUTDIR/train/activity.json when WEIGHTS_DIR sits in such a folder, else\n"
	      "relu.\n"
	      "\n"
	      "options:\n"
	      "      --data DIR          MNIST folder (IDX files; default: the bundled subset)\n"
	      "  -n, --images N          the first N training images (default 1000, or all\n"
	      "                          when there are fewer)\n"
	      "  -k, --top K             eigenvalues (default 10)\n"
	      "      --lanczos-steps M   most Lanczos steps (default max(2K + 20, 40))\n"
	      "      --trace-probes P    Hutchinson probes (default 100; 0: no trace)\n"
	      "      --density           also the spectral density (SLQ)\n"
	      "      --density-starts S  SLQ start vectors (default 4)\n"
	      "      --density-steps T   Lanczos steps per start (default 80)\n"
	      "      --sigma S           Gaussian broadening (default 1% of the range)\n"
	      "      --grid G            density grid points (default 400)\n"
	      "  -s, --seed S            seed of the start vectors and probes (default 0)\n"
	      "      --hidden H[,H2]     check the hidden layer sizes (read from the files)\n"
	      "      --act relu|tanh     the hidden activation (see above)\n"
	      "      --json              print one JSON object: {\"top\": [...], \"trace\": t,\n"
	      "                          \"trace_se\": s, \"residuals\": [...], \"converged\": c,\n"
	      "                          \"smallest\": x, \"lanczos_steps\": m, \"images\": n,\n"
	      "                          \"nparams\": p, \"loss\": l, \"grad_norm\": g, \"sizes\":\n"
	      "                          [...], \"activation\": a, \"seconds\": t, ...}, with\n"
	      "                          --density also \"density\": {\"grid\": [...], \"values\":\n"
	      "                          [...], \"sigma\": s, \"nodes\": [...], \"weights\": [...]}\n"
	      "  -h, --help              show this help\n"
	      "\n"
	      "Exit status: 0 success, 1 error, 2 usage error.\n",
	      fp);
}

/* The activation that `latentlab run` recorded for the weights in
 * DIR/../../activity.json (OUTDIR/train/model_NN/final), if any: 1 and
 * *act set, else 0.  A plain scan, no JSON reader: the file is ours. */
static int recorded_act(const char *dir, ll_mlp_act *act)
{
	char *p = ll_path_join(dir, "../../activity.json"), *buf = NULL;
	size_t len = 0;
	int found = 0;
	if (p && ll_read_file(p, (size_t)1 << 24, &buf, &len, NULL) == LL_OK) {
		const char *key = "\"activation\": \"", *s = strstr(buf, key);
		if (s) {
			char name[16];
			s += strlen(key);
			size_t k = strcspn(s, "\"");
			if (k < sizeof name) {
				memcpy(name, s, k);
				name[k] = '\0';
				found = ll_mlp_act_parse(name, act) == LL_OK;
			}
		}
	}
	ll_free(buf);
	ll_free(p);
	return found;
}

/* shape of DIR/Wl.npy: 1 and rows, cols; 0 if absent; -1 after printing
 * an error */
static int w_shape(const char *dir, size_t l, size_t *rows, size_t *cols)
{
	char name[32];
	snprintf(name, sizeof name, "W%zu.npy", l);
	char *p = ll_path_join(dir, name);
	if (!p) {
		cmd_error("out of memory");
		return -1;
	}
	struct stat st;
	if (stat(p, &st) != 0 && errno == ENOENT) {
		ll_free(p);
		return 0;
	}
	ll_tensor t;
	ll_err err = {0, ""};
	int rc = ll_npy_read(p, &t, NULL, &err);
	if (rc != LL_OK) {
		cmd_error("%s", err.msg);
		ll_free(p);
		return -1;
	}
	int ok = t.nmodes == 2 && t.dim[0] >= 1 && t.dim[1] >= 1;
	if (ok) {
		*rows = t.dim[0];
		*cols = t.dim[1];
	} else {
		char shp[96];
		cmd_error("%s: shape %s, expected units x inputs", p, ll_tensor_shape_str(&t, shp, sizeof shp));
	}
	ll_tensor_free(&t);
	ll_free(p);
	return ok ? 1 : -1;
}

/* The net saved in dir, its sizes from the W*.npy shapes.  0, or 1 after
 * printing an error. */
static int load_net(const char *dir, ll_mlp_act act, const size_t *hidden, ll_mlp *net)
{
	struct stat st;
	if (stat(dir, &st) != 0) {
		cmd_error("%s: %s", dir, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		cmd_error("%s: not a folder (expected one holding W1.npy b1.npy W2.npy b2.npy ...)", dir);
		return 1;
	}
	size_t rows[LL_MLP_MAX_HIDDEN + 2], cols[LL_MLP_MAX_HIDDEN + 2], L = 0;
	for (size_t l = 1; l <= LL_MLP_MAX_HIDDEN + 2; l++) {
		int r = w_shape(dir, l, &rows[l - 1], &cols[l - 1]);
		if (r < 0)
			return 1;
		if (r == 0)
			break;
		L = l;
	}
	if (L < 2) {
		cmd_error("%s: no W%zu.npy (expected the W1.npy b1.npy W2.npy b2.npy ... an MLP saves)", dir, L + 1);
		return 1;
	}
	if (L > LL_MLP_MAX_HIDDEN + 1) {
		cmd_error("%s: W%zu.npy: more than %d hidden layers, which the MLP does not have", dir, L,
			  LL_MLP_MAX_HIDDEN);
		return 1;
	}
	for (size_t l = 1; l < L; l++)
		if (cols[l] != rows[l - 1]) {
			cmd_error("%s/W%zu.npy: %zu inputs, but W%zu.npy has %zu units", dir, l + 1, cols[l], l, rows[l - 1]);
			return 1;
		}
	ll_mlp_config c;
	ll_mlp_config_default(&c);
	c.n_in = cols[0];
	c.hidden[0] = rows[0];
	c.hidden[1] = L == 3 ? rows[1] : 0;
	c.n_out = rows[L - 1];
	c.act = act;
	if (hidden && (hidden[0] != c.hidden[0] || hidden[1] != c.hidden[1])) {
		char want[48], have[48];
		snprintf(want, sizeof want, hidden[1] ? "%zu,%zu" : "%zu", hidden[0], hidden[1]);
		snprintf(have, sizeof have, c.hidden[1] ? "%zu,%zu" : "%zu", c.hidden[0], c.hidden[1]);
		cmd_error("%s: the hidden layers are %s, not the %s of --hidden", dir, have, want);
		return 1;
	}
	ll_err err = {0, ""};
	if (ll_mlp_init(net, &c, &err) != LL_OK) {
		cmd_error("%s: %s", dir, err.msg);
		return 1;
	}
	if (ll_mlp_load(net, dir, &err) != LL_OK) {
		cmd_error("%s", err.msg);
		ll_mlp_free(net);
		return 1;
	}
	return 0;
}

/* "64" or "64,32" */
static int parse_hidden(const char *s, size_t *h)
{
	char buf[64];
	if (strlen(s) >= sizeof buf)
		return 0;
	strcpy(buf, s);
	char *comma = strchr(buf, ',');
	h[1] = 0;
	if (comma) {
		*comma = '\0';
		if (!cmd_parse_count(comma + 1, 1, 1 << 24, &h[1]))
			return 0;
	}
	return cmd_parse_count(buf, 1, 1 << 24, &h[0]);
}

typedef struct opts {
	const char *data;
	size_t images, top, steps, probes;
	int density, json;
	ll_hessian_slq_opts slq;
	uint64_t seed;
} opts;

static void print_json(const char *dir, const char *data, const ll_mlp *net, const char *act_from,
		       const ll_hessian *h, const opts *o, const ll_hessian_eigs *ev, double trace, double se,
		       const ll_hessian_density *d, double seconds)
{
	ll_json j;
	ll_json_init(&j, stdout, 0);
	ll_json_obj_begin(&j);
	ll_json_kv_str(&j, "weights", dir);
	ll_json_key(&j, "sizes");
	ll_json_size_array(&j, net->size, net->nlayers + 1);
	ll_json_kv_str(&j, "activation", ll_mlp_act_name(net->cfg.act));
	ll_json_kv_str(&j, "activation_from", act_from);
	ll_json_kv_int(&j, "nparams", (long long)h->nparams);
	ll_json_kv_str(&j, "data", data);
	ll_json_kv_int(&j, "images", (long long)h->n);
	ll_json_kv_num(&j, "loss", h->loss);
	double gn = 0.0;
	for (size_t i = 0; i < h->nparams; i++)
		gn += h->grad[i] * h->grad[i];
	ll_json_kv_num(&j, "grad_norm", sqrt(gn));
	ll_json_key(&j, "top");
	ll_json_num_array(&j, ev->top, ev->k);
	ll_json_key(&j, "residuals");
	ll_json_num_array(&j, ev->residual, ev->k);
	ll_json_kv_int(&j, "converged", (long long)ev->converged);
	ll_json_kv_num(&j, "smallest", ev->smallest);
	ll_json_kv_int(&j, "lanczos_steps", (long long)ev->steps);
	ll_json_kv_int(&j, "restarts", (long long)ev->restarts);
	ll_json_kv_num(&j, "trace", trace); /* null without probes */
	ll_json_kv_num(&j, "trace_se", se);
	ll_json_kv_int(&j, "trace_probes", (long long)o->probes);
	if (d) {
		ll_json_key(&j, "density");
		ll_json_obj_begin(&j);
		ll_json_key(&j, "grid");
		ll_json_num_array(&j, d->x, d->grid);
		ll_json_key(&j, "values");
		ll_json_num_array(&j, d->density, d->grid);
		ll_json_kv_num(&j, "sigma", d->sigma);
		ll_json_kv_int(&j, "starts", (long long)d->starts);
		ll_json_key(&j, "steps");
		ll_json_size_array(&j, d->steps, d->starts);
		ll_json_key(&j, "nodes");
		ll_json_num_array(&j, d->nodes, d->nnodes);
		ll_json_key(&j, "weights");
		ll_json_num_array(&j, d->weights, d->nnodes);
		ll_json_obj_end(&j);
	}
	ll_json_key(&j, "seed");
	ll_json_u64(&j, o->seed);
	ll_json_kv_int(&j, "hvps", (long long)h->hvps);
	ll_json_kv_num(&j, "seconds", seconds);
	ll_json_obj_end(&j);
	fputc('\n', stdout);
}

static void print_text(const char *dir, const char *data, const ll_mlp *net, const char *act_from,
		       const ll_hessian *h, const opts *o, const ll_hessian_eigs *ev, double trace, double se,
		       const ll_hessian_density *d, double seconds)
{
	char sizes[96] = "";
	for (size_t l = 0; l <= net->nlayers; l++)
		snprintf(sizes + strlen(sizes), sizeof sizes - strlen(sizes), "%s%zu", l ? "-" : "", net->size[l]);
	printf("%s: %s %s (%s), %zu parameters\n", dir, sizes, ll_mlp_act_name(net->cfg.act), act_from,
	       h->nparams);
	printf("%zu training images from %s: mean loss %.6g\n", h->n, data, h->loss);
	printf("top %zu Hessian eigenvalues (Lanczos, %zu steps, %zu of %zu converged):\n", ev->k, ev->steps,
	       ev->converged, ev->k);
	for (size_t i = 0; i < ev->k; i++)
		printf("  %4zu  %14.6g   residual %.2g\n", i + 1, ev->top[i], ev->residual[i]);
	printf("%-10s %.6g (the smallest Ritz value: the most negative curvature seen)\n", "smallest", ev->smallest);
	if (o->probes)
		printf("%-10s %.6g +- %.2g (Hutchinson, %zu Rademacher probes)\n", "trace", trace, se, o->probes);
	if (d) {
		double neg = 0.0;
		for (size_t i = 0; i < d->nnodes; i++)
			if (d->nodes[i] < 0.0)
				neg += d->weights[i];
		printf("%-10s %zu nodes from %zu starts of up to %zu steps, sigma %.3g; %.1f%% of the weight on\n"
		       "           negative eigenvalues; --json prints the grid and values\n",
		       "density", d->nnodes, d->starts, o->slq.steps, d->sigma, 100.0 * neg);
	}
	printf("%-10s %.2f s\n", "time", seconds);
}

static int cmd_hessian(int argc, char **argv)
{
	enum { O_DATA = 256, O_STEPS, O_PROBES, O_DENSITY, O_DSTARTS, O_DSTEPS, O_SIGMA, O_GRID, O_HIDDEN, O_ACT,
	       O_JSON };
	static const struct option lopts[] = {
		{"data", required_argument, NULL, O_DATA},
		{"images", required_argument, NULL, 'n'},
		{"top", required_argument, NULL, 'k'},
		{"lanczos-steps", required_argument, NULL, O_STEPS},
		{"trace-probes", required_argument, NULL, O_PROBES},
		{"density", no_argument, NULL, O_DENSITY},
		{"density-starts", required_argument, NULL, O_DSTARTS},
		{"density-steps", required_argument, NULL, O_DSTEPS},
		{"sigma", required_argument, NULL, O_SIGMA},
		{"grid", required_argument, NULL, O_GRID},
		{"seed", required_argument, NULL, 's'},
		{"hidden", required_argument, NULL, O_HIDDEN},
		{"act", required_argument, NULL, O_ACT},
		{"json", no_argument, NULL, O_JSON},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	opts o;
	memset(&o, 0, sizeof o);
	o.images = 1000;
	o.top = 10;
	o.probes = 100;
	ll_hessian_slq_opts_default(&o.slq);
	size_t hidden[2] = {0, 0}, v;
	int have_hidden = 0, have_act = 0, have_images = 0, c;
	ll_mlp_act act = LL_MLP_RELU;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":n:k:s:h", lopts, NULL)) != -1) {
		switch (c) {
		case O_DATA: o.data = optarg; break;
		case O_DENSITY: o.density = 1; break;
		case O_JSON: o.json = 1; break;
		case O_HIDDEN:
			if (!parse_hidden(optarg, hidden))
				return cmd_usage_error("hessian", "--hidden needs H or H,H2 (positive whole numbers), not '%s'",
						       optarg);
			have_hidden = 1;
			break;
		case O_ACT:
			if (ll_mlp_act_parse(optarg, &act) != LL_OK)
				return cmd_usage_error("hessian", "--act must be relu or tanh, not '%s'", optarg);
			have_act = 1;
			break;
		case O_SIGMA: {
			char *end;
			errno = 0;
			o.slq.sigma = strtod(optarg, &end);
			if (end == optarg || *end || errno || !(o.slq.sigma > 0) || !isfinite(o.slq.sigma))
				return cmd_usage_error("hessian", "--sigma needs a number > 0, not '%s'", optarg);
			break;
		}
		case 'n': case 'k': case O_STEPS: case O_PROBES: case O_DSTARTS: case O_DSTEPS: case O_GRID: case 's': {
			size_t lo = (c == O_PROBES || c == 's') ? 0 : c == O_GRID ? 2 : 1;
			size_t hi = c == 's' ? SIZE_MAX : 100000000;
			if (!cmd_parse_count(optarg, lo, hi, &v)) {
				const char *name = "seed";
				for (const struct option *op = lopts; op->name; op++)
					if (op->val == c)
						name = op->name;
				if (c == O_GRID)
					return cmd_usage_error("hessian", "--grid needs a whole number >= 2, not '%s'", optarg);
				return cmd_usage_error("hessian", "--%s needs a %s whole number, not '%s'", name,
						       lo ? "positive" : "non-negative", optarg);
			}
			if (c == 'n') o.images = v, have_images = 1;
			else if (c == 'k') o.top = v;
			else if (c == O_STEPS) o.steps = v;
			else if (c == O_PROBES) o.probes = v;
			else if (c == O_DSTARTS) o.slq.starts = v;
			else if (c == O_DSTEPS) o.slq.steps = v;
			else if (c == O_GRID) o.slq.grid = v;
			else o.seed = v;
			break;
		}
		case 'h': hessian_usage(stdout); return 0;
		default: return cmd_bad_option("hessian", c, argv);
		}
	}
	if (optind >= argc)
		return cmd_usage_error("hessian", "no weights folder: hessian WEIGHTS_DIR");
	if (argc - optind > 1)
		return cmd_usage_error("hessian", "unexpected argument '%s'", argv[optind + 1]);
	if (o.steps && o.steps < o.top)
		return cmd_usage_error("hessian", "--lanczos-steps %zu is fewer than --top %zu", o.steps, o.top);
	const char *dir = argv[optind];
	const char *act_from = "--act";
	if (!have_act) {
		act_from = recorded_act(dir, &act) ? "../../activity.json" : "default";
	}
	if (!o.data)
		o.data = ll_bundled_data_dir();
	o.slq.seed = o.seed;

	double t0 = ll_now();
	int status = 1;
	ll_mlp net;
	ll_mnist train;
	ll_hessian h;
	ll_hessian_eigs ev;
	ll_hessian_density dens;
	memset(&net, 0, sizeof net);
	memset(&train, 0, sizeof train);
	memset(&h, 0, sizeof h);
	memset(&ev, 0, sizeof ev);
	memset(&dens, 0, sizeof dens);
	ll_err err = {0, ""};
	if (load_net(dir, act, have_hidden ? hidden : NULL, &net))
		goto out;
	if (o.top > net.nparams) {
		cmd_error("--top %zu is more than the %zu parameters of %s", o.top, net.nparams, dir);
		goto out;
	}
	if (ll_mnist_load(&train, o.data, "train", &err) != LL_OK) {
		cmd_error("%s", err.msg);
		goto out;
	}
	if (train.dim != net.size[0]) {
		cmd_error("%s: the images have %zu pixels, the net in %s takes %zu inputs", o.data, train.dim, dir,
			  net.size[0]);
		goto out;
	}
	if (!have_images && o.images > train.n)
		o.images = train.n; /* the default is "up to 1000" */
	if (o.images > train.n) {
		cmd_error("--images %zu: %s has %zu training images", o.images, o.data, train.n);
		goto out;
	}
	if (net.size[net.nlayers] < LL_MNIST_CLASSES) {
		cmd_error("%s: the net has %zu outputs, MNIST has %d classes", dir, net.size[net.nlayers],
			  LL_MNIST_CLASSES);
		goto out;
	}
	if (ll_hessian_init(&h, &net, train.x, train.y, o.images, &err) != LL_OK) {
		cmd_error("%s: %s", dir, err.msg);
		goto out;
	}
	ll_hessian_lanczos_opts lo;
	ll_hessian_lanczos_opts_default(&lo);
	lo.k = o.top;
	lo.steps = o.steps;
	lo.seed = o.seed;
	if (ll_hessian_lanczos(&h, &lo, &ev, &err) != LL_OK) {
		cmd_error("%s: %s", dir, err.msg);
		goto out;
	}
	double trace = NAN, se = NAN;
	if (o.probes && ll_hessian_trace(&h, o.probes, o.seed, &trace, &se, &err) != LL_OK) {
		cmd_error("%s: %s", dir, err.msg);
		goto out;
	}
	if (o.density && ll_hessian_slq(&h, &o.slq, &dens, &err) != LL_OK) {
		cmd_error("%s: %s", dir, err.msg);
		goto out;
	}
	double secs = ll_now() - t0;
	if (o.json)
		print_json(dir, o.data, &net, act_from, &h, &o, &ev, trace, se, o.density ? &dens : NULL, secs);
	else
		print_text(dir, o.data, &net, act_from, &h, &o, &ev, trace, se, o.density ? &dens : NULL, secs);
	status = fflush(stdout) == 0 ? 0 : 1;
out:
	ll_hessian_density_free(&dens);
	ll_hessian_eigs_free(&ev);
	ll_hessian_free(&h);
	ll_mnist_free(&train);
	ll_mlp_free(&net);
	return status;
}

const ll_cmd ll_cmd_hessian = {"hessian", cmd_hessian,
			       "top Hessian eigenvalues, trace and spectral density of a saved MLP's loss"};
