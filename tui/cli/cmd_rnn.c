/*
 * latentlab rnn train: train one recurrent network (vanilla, GRU or LSTM)
 * on a built-in task and write its weights in PyTorch's state_dict naming
 * (src/nn/ll_rnn.h), its training curve and its score.  The loop is
 * ll_rnn_train_task, the one the [rnn] step runs for a population.
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

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "base/ll_rng.h"
#include "base/ll_threads.h"
#include "cli/cmd.h"
#include "nn/ll_rnn_train.h"
#include "pipeline/ll_outdir.h"

static void rnn_usage(FILE *fp)
{
	fputs("usage: latentlab rnn train -o OUTDIR [OPTIONS]\n"
	      "\n"
	      "Train one recurrent network on a built-in task by backpropagation through\n"
	      "time, score it on a fixed probe set, and write\n"
	      "  OUTDIR/weights.npz  the weights in PyTorch's state_dict naming\n"
	      "                      (rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0,\n"
	      "                      rnn.bias_hh_l0, out.weight, out.bias; gates r,z,n for\n"
	      "                      a GRU, i,f,g,o for an LSTM): numpy.load reads it, and\n"
	      "                      `latentlab fixedpoints` analyses it\n"
	      "  OUTDIR/curve.csv    step, mean training loss (MSE)\n"
	      "  OUTDIR/rnn.json     the settings, the final loss, the score and whether\n"
	      "                      the network learned the task\n"
	      "\n"
	      "tasks:\n"
	      "  flipflop  K-bit flip-flop: K inputs get sparse +1/-1 pulses, each output\n"
	      "            holds the sign of its channel's last pulse (score: sign\n"
	      "            accuracy; learned at >= 0.95)\n"
	      "  sine      sine generation: a static input level j/51 + 0.25 sets the\n"
	      "            frequency (51 from 0.1 to 0.6 rad/step), the output is the sine\n"
	      "            (score: normalised MSE; learned at <= 0.05)\n"
	      "\n"
	      "options:\n"
	      "  -o, --output OUTDIR   write the files here (required)\n"
	      "      --task T          flipflop (default) or sine\n"
	      "      --bits K          flip-flop channels (default 3)\n"
	      "      --steps T         time steps per sequence (default 100)\n"
	      "      --cell C          vanilla (tanh), gru (default) or lstm\n"
	      "      --hidden H        units (default 64)\n"
	      "      --iters N         optimizer steps (default 2000)\n"
	      "      --batch B         sequences per step (default 64)\n"
	      "      --opt O           adam (default) or sgd\n"
	      "      --lr LR           learning rate (default 0.01)\n"
	      "      --clip C          largest gradient norm, 0 = no clipping (default 1)\n"
	      "  -s, --seed S          initialisation and training data (default 1)\n"
	      "  -j, --threads N       threads sharing each batch (default 0: automatic, the\n"
	      "                        CPUs free to latentlab; see 'latentlab info\n"
	      "                        --threads'); the weights depend on the count, so\n"
	      "                        give it to repeat a run bit for bit\n"
	      "  -q, --quiet           no progress line on stderr\n"
	      "      --force           write into a non-empty folder latentlab did not make\n"
	      "  -h, --help            show this help\n"
	      "\n"
	      "A network that does not learn is still written, with \"learned\": false.\n"
	      "Exit status: 0 success, 1 error, 2 usage error.\n",
	      fp);
}

static int parse_real(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v))
		return 0;
	*out = v;
	return 1;
}

typedef struct rnn_prog {
	double t0, last;
	int shown;
} rnn_prog;

static int train_progress(void *ud, size_t step, size_t total, double loss)
{
	rnn_prog *p = ud;
	double now = ll_now();
	if (p->shown && now - p->last < 0.1 && step < total)
		return 0;
	p->last = now;
	p->shown = 1;
	fprintf(stderr, "\rrnn train: step %zu/%zu, loss %.4g, %.1f s\033[K", step, total, loss, now - p->t0);
	fflush(stderr);
	return 0;
}

static int write_curve(const char *dir, const ll_rnn_train_result *r, ll_err *err)
{
	ll_afile af;
	int rc = ll_afile_open_in(&af, dir, "curve.csv", err);
	if (rc != LL_OK)
		return rc;
	fputs("step,loss\n", af.fp);
	for (size_t i = 0; i < r->npoints; i++)
		fprintf(af.fp, "%zu,%.9g\n", r->curve_step[i], r->curve_loss[i]);
	return ll_afile_commit(&af, err);
}

static int write_json(const char *dir, const ll_rnn *net, const ll_task_config *task,
		      const ll_rnn_train_opts *to, const ll_rnn_train_result *r, ll_err *err)
{
	ll_afile af;
	int rc = ll_afile_open_in(&af, dir, "rnn.json", err);
	if (rc != LL_OK)
		return rc;
	ll_json j;
	ll_json_init(&j, af.fp, 1);
	ll_json_obj_begin(&j);
	ll_json_kv_str(&j, "task", ll_task_name(task->kind));
	if (task->kind == LL_TASK_FLIPFLOP)
		ll_json_kv_int(&j, "bits", (long long)task->bits);
	ll_json_kv_int(&j, "steps", (long long)task->steps);
	ll_json_kv_str(&j, "cell", ll_rnn_cell_name(net->cfg.cell));
	ll_json_kv_int(&j, "hidden", (long long)net->cfg.hidden);
	ll_json_kv_int(&j, "inputs", (long long)net->cfg.n_in);
	ll_json_kv_int(&j, "outputs", (long long)net->cfg.n_out);
	ll_json_kv_str(&j, "optimizer", ll_rnn_opt_name(net->cfg.opt));
	ll_json_kv_num(&j, "lr", net->cfg.lr);
	ll_json_kv_num(&j, "clip", net->cfg.clip);
	ll_json_kv_int(&j, "iterations", (long long)to->iters);
	ll_json_kv_int(&j, "batch", (long long)to->batch);
	ll_json_kv_int(&j, "threads", ll_threads_resolve(0));
	ll_json_key(&j, "seed");
	ll_json_u64(&j, net->cfg.seed);
	ll_json_kv_num(&j, "final_loss", r->final_loss);
	ll_json_kv_str(&j, "metric", ll_task_metric_name(task->kind));
	ll_json_kv_num(&j, "score", r->score.score);
	ll_json_key(&j, "learned");
	ll_json_bool(&j, r->score.learned);
	ll_json_kv_num(&j, "seconds", r->seconds);
	ll_json_obj_end(&j);
	fputc('\n', af.fp);
	return ll_afile_commit(&af, err);
}

static int rnn_train(int argc, char **argv)
{
	enum { O_TASK = 256, O_BITS, O_STEPS, O_CELL, O_HIDDEN, O_ITERS, O_BATCH, O_OPT, O_LR, O_CLIP, O_FORCE };
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'}, {"task", required_argument, NULL, O_TASK},
		{"bits", required_argument, NULL, O_BITS}, {"steps", required_argument, NULL, O_STEPS},
		{"cell", required_argument, NULL, O_CELL}, {"hidden", required_argument, NULL, O_HIDDEN},
		{"iters", required_argument, NULL, O_ITERS}, {"batch", required_argument, NULL, O_BATCH},
		{"opt", required_argument, NULL, O_OPT}, {"lr", required_argument, NULL, O_LR},
		{"clip", required_argument, NULL, O_CLIP}, {"seed", required_argument, NULL, 's'},
		{"quiet", no_argument, NULL, 'q'}, {"force", no_argument, NULL, O_FORCE},
		{"threads", required_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	const char *outdir = NULL;
	int c, quiet = 0, force = 0, threads = 0;
	ll_task_kind kind = LL_TASK_FLIPFLOP;
	size_t bits = 0, steps = 0, hidden = 64, v;
	ll_rnn_config cfg;
	ll_rnn_config_default(&cfg);
	cfg.cell = LL_RNN_GRU;
	cfg.lr = 0.01;
	cfg.clip = 1.0;
	cfg.seed = 1;
	ll_rnn_train_opts to;
	ll_rnn_train_opts_default(&to);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":o:s:j:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o': outdir = optarg; break;
		case O_TASK:
			if (ll_task_parse(optarg, &kind) != LL_OK)
				return cmd_usage_error("rnn train", "--task must be flipflop or sine, not '%s'", optarg);
			break;
		case O_CELL:
			if (ll_rnn_cell_parse(optarg, &cfg.cell) != LL_OK)
				return cmd_usage_error("rnn train", "--cell must be vanilla, gru or lstm, not '%s'",
						       optarg);
			break;
		case O_OPT:
			if (ll_rnn_opt_parse(optarg, &cfg.opt) != LL_OK)
				return cmd_usage_error("rnn train", "--opt must be adam or sgd, not '%s'", optarg);
			break;
		case 'j':
			if (!cmd_parse_count(optarg, 0, 1024, &v))
				return cmd_usage_error("rnn train", "--threads needs a count from 0 to 1024, not '%s'",
						       optarg);
			threads = (int)v;
			break;
		case O_BITS: case O_STEPS: case O_HIDDEN: case O_ITERS: case O_BATCH: case 's':
			if (!cmd_parse_count(optarg, c == 's' ? 0 : 1, SIZE_MAX, &v)) {
				const char *name = "seed";
				for (const struct option *op = opts; op->name; op++)
					if (op->val == c)
						name = op->name;
				return cmd_usage_error("rnn train", "--%s needs a %s whole number, not '%s'", name,
						       c == 's' ? "non-negative" : "positive", optarg);
			}
			if (c == O_BITS) bits = v;
			else if (c == O_STEPS) steps = v;
			else if (c == O_HIDDEN) hidden = v;
			else if (c == O_ITERS) to.iters = v;
			else if (c == O_BATCH) to.batch = v;
			else cfg.seed = v;
			break;
		case O_LR: case O_CLIP: {
			double x;
			if (!parse_real(optarg, &x) || x < 0 || (c == O_LR && x == 0))
				return cmd_usage_error("rnn train", "--%s needs a %s number, not '%s'",
						       c == O_LR ? "lr" : "clip", c == O_LR ? "positive" : "non-negative",
						       optarg);
			if (c == O_LR) cfg.lr = x;
			else cfg.clip = x;
			break;
		}
		case 'q': quiet = 1; break;
		case O_FORCE: force = 1; break;
		case 'h': rnn_usage(stdout); return 0;
		default: return cmd_bad_option("rnn train", c, argv);
		}
	}
	if (optind < argc)
		return cmd_usage_error("rnn train", "unexpected argument '%s'", argv[optind]);
	if (!outdir)
		return cmd_usage_error("rnn train", "no output directory: use -o OUTDIR");
	if (bits && kind != LL_TASK_FLIPFLOP)
		return cmd_usage_error("rnn train", "--bits is for --task flipflop");
	cmd_threads(threads);

	ll_err err = {0, ""};
	ll_task_config task;
	ll_task_config_default(&task, kind);
	if (bits)
		task.bits = bits;
	if (steps)
		task.steps = steps;
	if (ll_task_config_check(&task, &err) != LL_OK)
		return cmd_usage_error("rnn train", "%s", err.msg);
	cfg.n_in = ll_task_n_in(&task);
	cfg.n_out = ll_task_n_out(&task);
	cfg.hidden = hidden;
	to.data_seed = ll_seed_derive(cfg.seed, 1, 0);
	if (ll_rnn_config_check(&cfg, &err) != LL_OK)
		return cmd_usage_error("rnn train", "%s", err.msg);

	static const char *const names[] = {"weights.npz", "curve.csv", "rnn.json", NULL};
	static const char *const finished[] = {"rnn.json", NULL};
	ll_outdir od = LL_OUTDIR_INIT;
	ll_rnn net;
	ll_rnn_train_result r;
	memset(&r, 0, sizeof r);
	int status = 1, wrote = 0;
	int rc = ll_rnn_init(&net, &cfg, &err);
	if (rc != LL_OK) {
		cmd_error("rnn train: %s", err.msg);
		return 1;
	}
	char *what = cmd_join_args(argc, argv);
	rc = ll_outdir_open(&od, outdir, names, force ? LL_OUTDIR_FORCE : 0, what ? what : "latentlab rnn train",
			    &err);
	ll_free(what);
	if (rc != LL_OK) {
		cmd_error("%s", err.msg);
		goto out;
	}
	rnn_prog pg = {ll_now(), 0.0, 0};
	rc = ll_rnn_train_task(&net, &task, &to, !quiet && isatty(STDERR_FILENO) ? train_progress : NULL, &pg, &r,
			       &err);
	if (pg.shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	if (rc != LL_OK) {
		cmd_error("%s", err.msg);
		goto out;
	}
	wrote = 1;
	char path[4096];
	snprintf(path, sizeof path, "%s/weights.npz", outdir);
	if ((rc = ll_outdir_begin(&od, finished, &err)) != LL_OK || (rc = ll_rnn_save_npz(&net, path, &err)) != LL_OK ||
	    (rc = write_curve(outdir, &r, &err)) != LL_OK || (rc = write_json(outdir, &net, &task, &to, &r, &err)) != LL_OK ||
	    (rc = ll_outdir_end(&od, 1, &err)) != LL_OK) {
		cmd_error("%s", err.msg);
		goto out;
	}
	char line[160];
	ll_task_score_line(&task, &r.score, line, sizeof line);
	printf("%s %zu units on %s: final loss %.4g, %s%s, %.1f s -> %s\n", ll_rnn_cell_name(cfg.cell), hidden,
	       ll_task_name(kind), r.final_loss, line, r.score.learned ? "" : " (NOT learned)", r.seconds,
	       outdir);
	status = fflush(stdout) == 0 ? 0 : 1;
out:
	if (wrote)
		ll_outdir_close(&od);
	else
		ll_outdir_abandon(&od);
	ll_rnn_train_result_free(&r);
	ll_rnn_free(&net);
	return status;
}

static int cmd_rnn(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "train") == 0)
		return rnn_train(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		rnn_usage(stdout);
		return 0;
	}
	if (argc < 2)
		return cmd_usage_error("rnn", "which one? rnn train");
	return cmd_usage_error("rnn", "unknown subcommand '%s' (rnn train)", argv[1]);
}

const ll_cmd ll_cmd_rnn = {"rnn", cmd_rnn, "train a recurrent network (vanilla, GRU, LSTM) on a built-in task"};
