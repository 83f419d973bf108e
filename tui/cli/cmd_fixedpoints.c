/*
 * latentlab fixedpoints: the fixed points of a recurrent network saved as
 * .npz in PyTorch's state_dict naming, their stability, and the graph
 * their unstable manifolds draw (src/dynamics/ll_rnn_fp.h, the code the
 * [dynamics] step runs per network).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ll_alloc.h"
#include "base/ll_json.h"
#include "cli/cmd.h"
#include "dynamics/ll_rnn_fp.h"

static void fp_usage(FILE *fp)
{
	fputs("usage: latentlab fixedpoints WEIGHTS.npz --task flipflop|sine [OPTIONS]\n"
	      "\n"
	      "Find the fixed points of a recurrent network at a constant input: from\n"
	      "states the network visits on the task's probe sequences (plus noise),\n"
	      "minimise q(h) = 1/2 |F(h, u*) - h|^2 by Levenberg-Marquardt with the\n"
	      "cell's analytic Jacobian; keep fixed points (q < 1e-12) and slow points\n"
	      "(q < 1e-6) apart, de-duplicate, and classify each by its number of\n"
	      "unstable directions (eigenvalues of the Jacobian with |lambda| > 1).  From\n"
	      "each saddle, trajectories along its unstable eigenvectors show which\n"
	      "attractors it connects.\n"
	      "\n"
	      "WEIGHTS.npz holds rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0,\n"
	      "rnn.bias_hh_l0, out.weight and out.bias as PyTorch names them (numpy.savez\n"
	      "of a state_dict; `latentlab rnn train` writes one).  The cell follows from\n"
	      "the rows of weight_hh: H vanilla (tanh), 3H GRU (r,z,n), 4H LSTM (i,f,g,o;\n"
	      "the state is [h; c]).\n"
	      "\n"
	      "options:\n"
	      "      --task T          flipflop or sine: the probe sequences (required)\n"
	      "      --bits K          flip-flop channels (default: the network's inputs)\n"
	      "      --steps T         time steps per probe sequence (default 100)\n"
	      "      --input U         the constant input u*: one number for every input\n"
	      "                        channel, or a comma-separated value per channel\n"
	      "                        (default 0; for sine, a level such as 0.5 sets a\n"
	      "                        frequency)\n"
	      "      --inits N         initial states (default 1024)\n"
	      "      --noise SD        noise added to each initial state (default 0.5)\n"
	      "      --max-iter N      Levenberg-Marquardt iterations per start (default 200)\n"
	      "  -s, --seed S          draw of the initial states and their noise (default 0)\n"
	      "  -j, --threads N       threads (default 0: automatic, the CPUs free to\n"
	      "                        latentlab; see 'latentlab info --threads')\n"
	      "      --json            print one JSON object and nothing else on stdout:\n"
	      "                        {\"n_fixed\": N, \"by_unstable\": [n0, n1, ...],\n"
	      "                        \"points\": [[...], ...], \"eigenvalues\": [[[re, im],\n"
	      "                        ...], ...], \"q\": [...], \"n_unstable\": [...],\n"
	      "                        \"n_slow\": M, \"slow_points\": [...], \"edges\": [...],\n"
	      "                        ...}; points and eigenvalues list the fixed points,\n"
	      "                        eigenvalues by modulus, largest first\n"
	      "  -h, --help            show this help\n"
	      "\n"
	      "Exit status: 0 success, 1 error, 2 usage error.\n",
	      fp);
}

/* "0.5" or "1,0,-1": up to max finite numbers into v; their count, 0 if bad */
static size_t parse_reals(const char *s, double *v, size_t max)
{
	size_t n = 0;
	const char *p = s;
	while (n < max) {
		char *end;
		errno = 0;
		double x = strtod(p, &end);
		if (end == p || errno || !isfinite(x))
			return 0;
		v[n++] = x;
		if (*end == '\0')
			return n;
		if (*end != ',')
			return 0;
		p = end + 1;
	}
	return 0;
}

static void print_points(ll_json *j, const ll_fp_result *r, ll_fp_kind kind)
{
	ll_json_arr_begin(j);
	for (size_t p = 0; p < r->n; p++)
		if (r->kind[p] == kind)
			ll_json_num_array(j, r->points + p * r->dim, r->dim);
	ll_json_arr_end(j);
}

static void print_json(const char *path, const ll_rnn *net, const ll_task_config *task, const double *u,
		       const ll_rnn_fp_opts *o, const ll_fp_result *r)
{
	size_t S = r->dim, *counts = ll_calloc_array(S + 1, sizeof *counts), top = 0;
	if (counts)
		ll_fp_counts(r, counts);
	for (size_t k = 0; counts && k <= S; k++)
		if (counts[k])
			top = k;
	ll_json j;
	ll_json_init(&j, stdout, 0);
	ll_json_obj_begin(&j);
	ll_json_kv_str(&j, "weights", path);
	ll_json_kv_str(&j, "cell", ll_rnn_cell_name(net->cfg.cell));
	ll_json_kv_int(&j, "hidden", (long long)net->H);
	ll_json_kv_int(&j, "state_dim", (long long)S);
	ll_json_kv_str(&j, "task", ll_task_name(task->kind));
	ll_json_key(&j, "input");
	ll_json_num_array(&j, u, net->cfg.n_in);
	ll_json_kv_int(&j, "n_fixed", (long long)r->n_fixed);
	ll_json_key(&j, "by_unstable");
	ll_json_size_array(&j, counts ? counts : &top, counts ? top + 1 : 0);
	ll_json_key(&j, "by_class");
	ll_json_obj_begin(&j);
	size_t cls[3] = {0, 0, 0};
	for (size_t p = 0; p < r->n; p++)
		if (r->kind[p] == LL_FP_FIXED)
			cls[ll_fp_classify(r->n_unstable[p], S)]++;
	for (int c = 0; c < 3; c++)
		ll_json_kv_int(&j, ll_fp_class_name((ll_fp_class)c), (long long)cls[c]);
	ll_json_obj_end(&j);
	ll_json_key(&j, "points");
	print_points(&j, r, LL_FP_FIXED);
	ll_json_key(&j, "eigenvalues");
	ll_json_arr_begin(&j);
	for (size_t p = 0; p < r->n; p++) {
		if (r->kind[p] != LL_FP_FIXED)
			continue;
		ll_json_arr_begin(&j);
		for (size_t e = 0; e < S; e++)
			ll_json_num_array(&j, r->eig + (p * S + e) * 2, 2);
		ll_json_arr_end(&j);
	}
	ll_json_arr_end(&j);
	ll_json_key(&j, "q");
	ll_json_arr_begin(&j);
	for (size_t p = 0; p < r->n; p++)
		if (r->kind[p] == LL_FP_FIXED)
			ll_json_num(&j, r->q[p]);
	ll_json_arr_end(&j);
	ll_json_key(&j, "n_unstable");
	ll_json_arr_begin(&j);
	for (size_t p = 0; p < r->n; p++)
		if (r->kind[p] == LL_FP_FIXED)
			ll_json_int(&j, (long long)r->n_unstable[p]);
	ll_json_arr_end(&j);
	ll_json_kv_int(&j, "n_slow", (long long)r->n_slow);
	ll_json_key(&j, "slow_points");
	print_points(&j, r, LL_FP_SLOW);
	ll_json_key(&j, "slow_q");
	ll_json_arr_begin(&j);
	for (size_t p = 0; p < r->n; p++)
		if (r->kind[p] == LL_FP_SLOW)
			ll_json_num(&j, r->q[p]);
	ll_json_arr_end(&j);
	/* edges between fixed points, numbered as in "points" */
	size_t *fix = ll_malloc_array(r->n ? r->n : 1, sizeof *fix), nf = 0;
	for (size_t p = 0; fix && p < r->n; p++)
		fix[p] = r->kind[p] == LL_FP_FIXED ? nf++ : SIZE_MAX;
	ll_json_key(&j, "edges");
	ll_json_arr_begin(&j);
	for (size_t e = 0; fix && e < r->n_edges; e++) {
		const ll_fp_edge *ed = &r->edges[e];
		ll_json_obj_begin(&j);
		ll_json_kv_int(&j, "from", (long long)fix[ed->from]);
		if (ed->to == LL_FP_NONE || fix[ed->to] == SIZE_MAX) {
			ll_json_key(&j, "to");
			ll_json_null(&j);
		} else {
			ll_json_kv_int(&j, "to", (long long)fix[ed->to]);
		}
		ll_json_kv_int(&j, "sign", ed->sign);
		ll_json_kv_int(&j, "steps", (long long)ed->steps);
		ll_json_obj_end(&j);
	}
	ll_json_arr_end(&j);
	ll_json_key(&j, "settings");
	ll_json_obj_begin(&j);
	ll_json_kv_int(&j, "inits", (long long)o->inits);
	ll_json_kv_num(&j, "noise", o->noise);
	ll_json_kv_num(&j, "tol_q", o->fp.tol_q);
	ll_json_kv_num(&j, "tol_q_slow", o->fp.tol_q_slow);
	ll_json_kv_int(&j, "max_iter", (long long)o->fp.max_iters);
	ll_json_kv_num(&j, "tol_unique", o->fp.tol_unique * r->scale);
	ll_json_key(&j, "seed");
	ll_json_u64(&j, o->seed);
	ll_json_obj_end(&j);
	ll_json_kv_int(&j, "discarded", (long long)r->n_discarded);
	ll_json_kv_int(&j, "duplicates", (long long)r->n_duplicates);
	ll_json_kv_int(&j, "outliers", (long long)r->n_outliers);
	ll_json_kv_int(&j, "nonfinite", (long long)r->n_nonfinite);
	ll_json_obj_end(&j);
	fputc('\n', stdout);
	ll_free(fix);
	ll_free(counts);
}

static void print_table(const char *path, const ll_rnn *net, const ll_fp_result *r)
{
	size_t S = r->dim, *counts = ll_calloc_array(S + 1, sizeof *counts);
	printf("%s: %s, %zu units: %zu fixed point%s, %zu slow point%s (from %zu starts)\n", path,
	       ll_rnn_cell_name(net->cfg.cell), net->H, r->n_fixed, r->n_fixed == 1 ? "" : "s", r->n_slow,
	       r->n_slow == 1 ? "" : "s", r->n_starts);
	if (counts) {
		ll_fp_counts(r, counts);
		printf("by unstable directions:");
		for (size_t k = 0; k <= S; k++)
			if (counts[k])
				printf("  %zu: %zu", k, counts[k]);
		printf("\n");
	}
	printf("%4s  %-8s  %5s  %-10s  %s\n", "#", "class", "unst", "q", "largest |lambda|");
	size_t i = 0;
	for (size_t p = 0; p < r->n; p++) {
		const double *ev = r->eig + p * S * 2;
		printf("%4zu  %-8s  %5zu  %-10.3g  %.4f%s\n", i++,
		       r->kind[p] == LL_FP_SLOW ? "slow" : ll_fp_class_name(ll_fp_classify(r->n_unstable[p], S)),
		       r->n_unstable[p], r->q[p], hypot(ev[0], ev[1]), r->kind[p] == LL_FP_SLOW ? "  (slow)" : "");
	}
	ll_free(counts);
}

static int cmd_fixedpoints(int argc, char **argv)
{
	enum { O_TASK = 256, O_BITS, O_STEPS, O_INPUT, O_INITS, O_NOISE, O_MAXIT, O_JSON };
	static const struct option opts[] = {
		{"task", required_argument, NULL, O_TASK},   {"bits", required_argument, NULL, O_BITS},
		{"steps", required_argument, NULL, O_STEPS}, {"input", required_argument, NULL, O_INPUT},
		{"inits", required_argument, NULL, O_INITS}, {"noise", required_argument, NULL, O_NOISE},
		{"max-iter", required_argument, NULL, O_MAXIT}, {"seed", required_argument, NULL, 's'},
		{"threads", required_argument, NULL, 'j'},   {"json", no_argument, NULL, O_JSON},
		{"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
	};
	const char *taskname = NULL, *input = NULL;
	int c, json = 0;
	size_t bits = 0, steps = 0, v;
	ll_rnn_fp_opts o;
	ll_rnn_fp_opts_default(&o);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":s:j:h", opts, NULL)) != -1) {
		switch (c) {
		case O_TASK: taskname = optarg; break;
		case O_INPUT: input = optarg; break;
		case O_JSON: json = 1; break;
		case O_NOISE: {
			char *end;
			errno = 0;
			o.noise = strtod(optarg, &end);
			if (end == optarg || *end || errno || !(o.noise >= 0) || !isfinite(o.noise))
				return cmd_usage_error("fixedpoints", "--noise needs a number >= 0, not '%s'", optarg);
			break;
		}
		case O_BITS: case O_STEPS: case O_INITS: case O_MAXIT: case 's': case 'j':
			if (!cmd_parse_count(optarg, c == 's' || c == 'j' ? 0 : 1, SIZE_MAX, &v)) {
				const char *name = c == 's' ? "seed" : "threads";
				for (const struct option *op = opts; op->name; op++)
					if (op->val == c)
						name = op->name;
				return cmd_usage_error("fixedpoints", "--%s needs a %s whole number, not '%s'", name,
						       c == 's' || c == 'j' ? "non-negative" : "positive", optarg);
			}
			if (c == O_BITS) bits = v;
			else if (c == O_STEPS) steps = v;
			else if (c == O_INITS) o.inits = v;
			else if (c == O_MAXIT) o.fp.max_iters = v;
			else if (c == 's') o.seed = v;
			else o.fp.threads = v > 1024 ? 1024 : (int)v;
			break;
		case 'h': fp_usage(stdout); return 0;
		default: return cmd_bad_option("fixedpoints", c, argv);
		}
	}
	if (optind >= argc)
		return cmd_usage_error("fixedpoints", "no weights file: fixedpoints WEIGHTS.npz --task T");
	if (argc - optind > 1)
		return cmd_usage_error("fixedpoints", "unexpected argument '%s'", argv[optind + 1]);
	if (!taskname)
		return cmd_usage_error("fixedpoints", "--task is required (flipflop or sine)");
	ll_task_kind kind;
	if (ll_task_parse(taskname, &kind) != LL_OK)
		return cmd_usage_error("fixedpoints", "--task must be flipflop or sine, not '%s'", taskname);
	if (bits && kind != LL_TASK_FLIPFLOP)
		return cmd_usage_error("fixedpoints", "--bits is for --task flipflop");
	const char *path = argv[optind];
	cmd_threads(o.fp.threads);

	ll_err err = {0, ""};
	ll_rnn net;
	if (ll_rnn_load_npz(path, NULL, &net, &err) != LL_OK) {
		cmd_error("%s", err.msg);
		return 1;
	}
	int status = 1;
	double *u = ll_calloc_array(net.cfg.n_in, sizeof *u);
	float *states = NULL;
	ll_fp_result r;
	memset(&r, 0, sizeof r);
	ll_task_config task;
	ll_task_config_default(&task, kind);
	if (kind == LL_TASK_FLIPFLOP)
		task.bits = bits ? bits : net.cfg.n_in;
	if (steps)
		task.steps = steps;
	if (!u) {
		cmd_error("out of memory");
		goto out;
	}
	if (ll_task_config_check(&task, &err) != LL_OK || ll_task_check_net(&task, net.cfg.n_in, net.cfg.n_out, &err) != LL_OK) {
		cmd_error("%s: %s", path, err.msg);
		goto out;
	}
	if (input) {
		size_t n = parse_reals(input, u, net.cfg.n_in);
		if (n == 1)
			for (size_t k = 1; k < net.cfg.n_in; k++)
				u[k] = u[0];
		else if (n != net.cfg.n_in) {
			status = cmd_usage_error("fixedpoints", "--input '%s': expected one number or %zu, one per input",
						 input, net.cfg.n_in);
			goto out;
		}
	}
	o.input = u;
	if (ll_rnn_fixedpoints(&net, &task, &o, &r, &states, NULL, &err) != LL_OK) {
		cmd_error("%s: %s", path, err.msg);
		goto out;
	}
	if (json)
		print_json(path, &net, &task, u, &o, &r);
	else
		print_table(path, &net, &r);
	status = fflush(stdout) == 0 ? 0 : 1;
out:
	ll_free(states);
	ll_free(u);
	ll_fp_result_free(&r);
	ll_rnn_free(&net);
	return status;
}

const ll_cmd ll_cmd_fixedpoints = {"fixedpoints", cmd_fixedpoints,
				   "fixed points of a recurrent network (.npz in PyTorch naming), their stability"};
