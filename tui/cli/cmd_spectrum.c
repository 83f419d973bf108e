/*
 * latentlab spectrum: the eigenspectrum of a population's responses to
 * stimuli and its power law (Stringer et al. 2019): cross-validated PCA
 * of two repeats, or the plain covariance spectrum of one, the exponent
 * alpha over a rank range with a bootstrap interval over stimuli, the
 * participation ratio and the dimension at 90 % variance
 * (src/pca/ll_spectrum.h).
 */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_json.h"
#include "cli/cmd.h"
#include "io/ll_array.h"
#include "pca/ll_spectrum.h"
#include "tensor/ll_tensor.h"

static void spectrum_usage(FILE *fp)
{
	fputs("usage: latentlab spectrum X [--repeat X2] [OPTIONS]\n"
	      "\n"
	      "The eigenspectrum of a population's responses and its power law\n"
	      "(Stringer, Pachitariu, Steinmetz, Carandini & Harris 2019).  X is\n"
	      "stimuli x neurons: one row per stimulus, centred over the stimuli.\n"
	      "\n"
	      "With --repeat, cross-validated PCA: the principal directions u_n of\n"
	      "repeat 1 (X), and for each the covariance across repeats of the two\n"
	      "projections, lambda_n = (1/stimuli) sum_s (X u_n)_s (X2 u_n)_s: the\n"
	      "stimulus-related variance, with the repeats' independent noise\n"
	      "cancelled (so it can come out negative where there is none).  Without\n"
	      "--repeat, the plain covariance spectrum of X, which noise flattens:\n"
	      "its alpha is biased low.\n"
	      "\n"
	      "  alpha      power-law exponent: least squares of log lambda_n on log n\n"
	      "             over ranks A-B (1-based), positive eigenvalues only (the\n"
	      "             others are left out and counted)\n"
	      "  alpha_ci   the spread of alpha over --bootstrap resamples of the stimuli\n"
	      "             (with replacement), centred on alpha: repeated stimuli shift\n"
	      "             every resample's alpha down, so the plain percentiles\n"
	      "             (bootstrap.percentile_interval) can miss it; null without\n"
	      "             --bootstrap\n"
	      "  pr         participation ratio (sum lambda)^2 / sum lambda^2 over the\n"
	      "             positive eigenvalues (negative ones count as 0)\n"
	      "  dim90      the fewest leading components holding 90% of that variance\n"
	      "\n"	      "The interval is the spread of alpha over resampled stimuli, not a\n"
	      "correction of its bias: finitely many stimuli flatten a spectrum's tail,\n"
	      "and a resample (about 63% distinct stimuli) flattens it more, so the\n"
	      "interval can sit below alpha (--json gives the resamples' mean).\n"
	      "\n"
	      "X and X2 are .npy, .npz (first member, or FILE.npz:member) or .csv\n"
	      "matrices of the same shape.  The work goes through the smaller of the\n"
	      "stimuli x stimuli and neurons x neurons matrices; min(stimuli - 1,\n"
	      "neurons) eigenvalues come out.\n"
	      "\n"
	      "options:\n"
	      "      --repeat X2         the second repeat: cross-validated PCA\n"
	      "      --fit-ranks A-B     ranks of the power-law fit (default 11-500, as the\n"
	      "                          paper's code; B is clipped to the eigenvalues there\n"
	      "                          are, A must not exceed them)\n"
	      "      --fit-weights W     uniform (default) or inverse-rank (weights 1/n, as\n"
	      "                          the reference code's fit)\n"
	      "      --transpose         the files are neurons x stimuli\n"
	      "      --bootstrap N       resamples of the stimuli for alpha_ci (default 0:\n"
	      "                          none)\n"
	      "      --ci LEVEL          level of the interval, in (0, 1) (default 0.95)\n"
	      "  -s, --seed S            seed of the resamples (default 0)\n"
	      "  -j, --threads N         threads for the resamples (default 0: all cores);\n"
	      "                          the result does not depend on it\n"
	      "      --json              print one JSON object: {\"alpha\": a, \"alpha_ci\":\n"
	      "                          [lo, hi], \"pr\": p, \"dim90\": d, \"eigenvalues\":\n"
	      "                          [...], \"method\": \"cvpca\"|\"covariance\",\n"
	      "                          \"fit_ranks\": [A, B], \"intercept\": b,\n"
	      "                          \"n_stimuli\", \"n_neurons\", \"bootstrap\": {...}, ...}\n"
	      "  -h, --help              show this help\n"
	      "\n"
	      "Exit status: 0 success, 1 error, 2 usage error.\n",
	      fp);
}

/* "A-B" with 1 <= A <= B */
static int parse_ranks(const char *arg, size_t *lo, size_t *hi)
{
	const char *dash = strchr(arg, '-');
	char a[32];
	if (!dash || (size_t)(dash - arg) >= sizeof a)
		return 0;
	memcpy(a, arg, (size_t)(dash - arg));
	a[dash - arg] = '\0';
	return cmd_parse_count(a, 1, SIZE_MAX, lo) && cmd_parse_count(dash + 1, 1, SIZE_MAX, hi) && *lo <= *hi;
}

/* a number in (0, 1) */
static int parse_level(const char *arg, double *out)
{
	char *end;
	double v = strtod(arg, &end);
	if (end == arg || *end || !(v > 0.0 && v < 1.0))
		return 0;
	*out = v;
	return 1;
}

/* Read path as a 2-D matrix, checked finite in the file's own rows and
 * columns, and transposed to stimuli x neurons if asked. */
static int load(const char *path, int transpose, ll_tensor *t)
{
	ll_err err = {0, ""};
	if (ll_array_read_table(path, t, &err) != LL_OK) {
		cmd_error("%s", err.msg);
		return 1;
	}
	if (t->nmodes != 2) {
		char shape[64];
		ll_tensor_shape_str(t, shape, sizeof shape);
		cmd_error("%s: expected a 2-D %s matrix, got shape %s", path,
			  transpose ? "neurons x stimuli" : "stimuli x neurons", shape);
		return 1;
	}
	size_t r = t->dim[0], c = t->dim[1];
	for (size_t i = 0; i < r; i++)
		for (size_t j = 0; j < c; j++)
			if (!isfinite(t->data[i * c + j])) {
				cmd_error("%s: entry [%zu, %zu] (row, column from 0) is %s", path, i, j,
					  isnan(t->data[i * c + j]) ? "NaN" : "infinite");
				return 1;
			}
	if (transpose) {
		double *d = ll_malloc_array(t->size, sizeof *d);
		if (!d) {
			cmd_error("%s: out of memory", path);
			return 1;
		}
		for (size_t i = 0; i < r; i++)
			for (size_t j = 0; j < c; j++)
				d[j * r + i] = t->data[i * c + j];
		ll_free(t->data);
		t->data = d;
		t->dim[0] = c;
		t->dim[1] = r;
	}
	return 0;
}

static int cmd_spectrum(int argc, char **argv)
{
	enum { O_REPEAT = 256, O_RANKS, O_WEIGHTS, O_TRANSPOSE, O_BOOT, O_CI, O_JSON };
	static const struct option opts[] = {
		{"repeat", required_argument, NULL, O_REPEAT},
		{"fit-ranks", required_argument, NULL, O_RANKS},
		{"fit-weights", required_argument, NULL, O_WEIGHTS},
		{"transpose", no_argument, NULL, O_TRANSPOSE},
		{"bootstrap", required_argument, NULL, O_BOOT},
		{"ci", required_argument, NULL, O_CI},
		{"seed", required_argument, NULL, 's'},
		{"threads", required_argument, NULL, 'j'},
		{"json", no_argument, NULL, O_JSON},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const char *const weight_names[] = {LL_SPECTRUM_FIT_WEIGHTS(LL_ENUM_NAME)};
	ll_spectrum_fit_opts fo;
	ll_spectrum_boot_opts bo;
	ll_spectrum_fit_opts_default(&fo);
	ll_spectrum_boot_opts_default(&bo);
	bo.resamples = 0;
	const char *repeat = NULL;
	int c, json = 0, transpose = 0;
	size_t v;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":s:j:h", opts, NULL)) != -1) {
		switch (c) {
		case O_REPEAT: repeat = optarg; break;
		case O_TRANSPOSE: transpose = 1; break;
		case O_JSON: json = 1; break;
		case O_RANKS:
			if (!parse_ranks(optarg, &fo.rank_lo, &fo.rank_hi))
				return cmd_usage_error("spectrum", "--fit-ranks needs A-B with 1 <= A <= B, not '%s'",
						       optarg);
			break;
		case O_WEIGHTS: {
			int w = ll_name_lookup(weight_names, LL_ENUM_N(LL_SPECTRUM_FIT_WEIGHTS), optarg);
			if (w < 0)
				return cmd_usage_error("spectrum", "--fit-weights is %s, not '%s'",
						       LL_ENUM_CHOICES(LL_SPECTRUM_FIT_WEIGHTS), optarg);
			fo.weights = (ll_spectrum_fit_weights)w;
			break;
		}
		case O_BOOT:
			if (!cmd_parse_count(optarg, 0, 10000000, &v))
				return cmd_usage_error("spectrum", "--bootstrap needs a non-negative whole number, not '%s'",
						       optarg);
			bo.resamples = v;
			break;
		case O_CI:
			if (!parse_level(optarg, &bo.level))
				return cmd_usage_error("spectrum", "--ci needs a level in (0, 1) such as 0.95, not '%s'",
						       optarg);
			break;
		case 's':
			if (!cmd_parse_count(optarg, 0, SIZE_MAX, &v))
				return cmd_usage_error("spectrum", "--seed needs a non-negative whole number, not '%s'",
						       optarg);
			bo.seed = v;
			break;
		case 'j':
			if (!cmd_parse_count(optarg, 0, SIZE_MAX, &v))
				return cmd_usage_error("spectrum", "--threads needs a non-negative whole number, not '%s'",
						       optarg);
			bo.threads = v > 1024 ? 1024 : (int)v;
			break;
		case 'h': spectrum_usage(stdout); return 0;
		default: return cmd_bad_option("spectrum", c, argv);
		}
	}
	if (argc - optind < 1)
		return cmd_usage_error("spectrum", "needs a stimuli x neurons matrix: spectrum X");
	if (argc - optind > 1)
		return cmd_usage_error("spectrum", "unexpected argument '%s' (the second repeat goes with --repeat)",
				       argv[optind + 1]);
	const char *xpath = argv[optind];
	ll_tensor x, y;
	ll_spectrum_result r;
	memset(&x, 0, sizeof x);
	memset(&y, 0, sizeof y);
	memset(&r, 0, sizeof r);
	int status = 1;
	if (load(xpath, transpose, &x) || (repeat && load(repeat, transpose, &y)))
		goto out;
	size_t s = x.dim[0], N = x.dim[1];
	if (s < 2) {
		cmd_error("%s: %zu stimulus: a spectrum needs at least 2", xpath, s);
		goto out;
	}
	if (repeat && (y.dim[0] != s || y.dim[1] != N)) {
		cmd_error("%s: %zu x %zu but %s is %zu x %zu: the repeats must have the same shape", repeat,
			  y.dim[transpose], y.dim[!transpose], xpath, x.dim[transpose], x.dim[!transpose]);
		goto out;
	}
	ll_err err = {0, ""};
	if (ll_spectrum_analyse(x.data, repeat ? y.data : NULL, s, N, &fo, bo.resamples ? &bo : NULL, &r, &err) !=
	    LL_OK) {
		const char *msg = strncmp(err.msg, "spectrum: ", 10) == 0 ? err.msg + 10 : err.msg;
		/* the fit-range problems name ranks: point at the option */
		cmd_error("%s%s%s: %s%s", xpath, repeat ? " and " : "", repeat ? repeat : "", msg,
			  strstr(msg, "rank") ? " (set --fit-ranks)" : "");
		goto out;
	}
	int cv = r.spec.method == LL_SPECTRUM_CVPCA;
	if (json) {
		ll_json j;
		ll_json_init(&j, stdout, 0);
		ll_json_obj_begin(&j);
		ll_json_kv_str(&j, "x", xpath);
		ll_json_key(&j, "repeat");
		if (repeat)
			ll_json_str(&j, repeat);
		else
			ll_json_null(&j);
		ll_json_kv_str(&j, "method", ll_spectrum_method_name(r.spec.method));
		ll_json_kv_num(&j, "alpha", r.fit.alpha);
		ll_json_key(&j, "alpha_ci");
		ll_json_arr_begin(&j);
		if (bo.resamples) {
			ll_json_num(&j, r.boot.lo);
			ll_json_num(&j, r.boot.hi);
		} else {
			ll_json_null(&j);
			ll_json_null(&j);
		}
		ll_json_arr_end(&j);
		ll_json_kv_num(&j, "intercept", r.fit.intercept);
		size_t ranks[2] = {r.fit.rank_lo, r.fit.rank_hi};
		ll_json_key(&j, "fit_ranks");
		ll_json_size_array(&j, ranks, 2);
		ll_json_kv_str(&j, "fit_weights", ll_spectrum_fit_weights_name(fo.weights));
		ll_json_kv_int(&j, "fit_points", (long long)r.fit.n_used);
		ll_json_kv_int(&j, "fit_excluded", (long long)r.fit.n_excluded);
		ll_json_kv_num(&j, "pr", r.pr);
		ll_json_kv_int(&j, "dim90", (long long)r.dim90);
		ll_json_kv_int(&j, "n_stimuli", (long long)s);
		ll_json_kv_int(&j, "n_neurons", (long long)N);
		ll_json_key(&j, "transposed");
		ll_json_bool(&j, transpose);
		ll_json_key(&j, "bootstrap");
		if (bo.resamples) {
			ll_json_obj_begin(&j);
			ll_json_kv_int(&j, "resamples", (long long)r.boot.resamples);
			ll_json_kv_num(&j, "level", r.boot.level);
			ll_json_key(&j, "seed");
			ll_json_u64(&j, bo.seed);
			ll_json_kv_int(&j, "failed", (long long)r.boot.failed);
			ll_json_kv_num(&j, "mean", r.boot.mean);
			ll_json_kv_num(&j, "median", r.boot.median);
			double raw[2] = {r.boot.raw_lo, r.boot.raw_hi};
			ll_json_key(&j, "percentile_interval");
			ll_json_num_array(&j, raw, 2);
			ll_json_obj_end(&j);
		} else {
			ll_json_null(&j);
		}
		ll_json_kv_str(&j, "note",
			       cv ? "cross-validated PCA: stimulus-related variance per dimension"
				  : "covariance spectrum of one repeat: noise flattens it and biases alpha low");
		ll_json_key(&j, "eigenvalues");
		ll_json_num_array(&j, r.spec.eig, r.spec.k);
		ll_json_obj_end(&j);
		fputc('\n', stdout);
	} else {
		printf("%-12s %zu stimuli x %zu neurons%s\n", "data", s, N, transpose ? " (transposed)" : "");
		if (cv)
			printf("%-12s cross-validated PCA of two repeats (Stringer et al. 2019)\n", "method");
		else
			printf("%-12s covariance spectrum of one repeat: noise flattens it and biases alpha\n"
			       "%-12s low (give --repeat X2 for cross-validated PCA)\n",
			       "method", "");
		printf("%-12s %.4f over ranks %zu-%zu (%zu points, %zu non-positive left out; %s weights)\n", "alpha",
		       r.fit.alpha, r.fit.rank_lo, r.fit.rank_hi, r.fit.n_used, r.fit.n_excluded,
		       ll_spectrum_fit_weights_name(fo.weights));
		if (bo.resamples) {
			printf("%-12s [%.4f, %.4f] at %g (%zu resamples of the stimuli, seed %llu: their spread, "
			       "centred on alpha)\n",
			       "alpha_ci", r.boot.lo, r.boot.hi, r.boot.level, r.boot.resamples,
			       (unsigned long long)bo.seed);
			printf("%-12s [%.4f, %.4f], mean %.4f: resampling repeats stimuli, which shifts them down\n",
			       "percentiles", r.boot.raw_lo, r.boot.raw_hi, r.boot.mean);
			if (r.boot.failed)
				printf("%-12s %zu resamples' fits failed (too few positive eigenvalues) and are left out\n",
				       "", r.boot.failed);
		}
		printf("%-12s %.6g (fitted line exp(b) n^-alpha)\n", "intercept", r.fit.intercept);
		printf("%-12s %.4f\n", "pr", r.pr);
		printf("%-12s %zu\n", "dim90", r.dim90);
		printf("%-12s %zu:", "eigenvalues", r.spec.k);
		for (size_t n = 0; n < r.spec.k && n < 8; n++)
			printf(" %.4g", r.spec.eig[n]);
		printf("%s\n", r.spec.k > 8 ? " ..." : "");
	}
	status = fflush(stdout) == 0 ? 0 : 1;
out:
	ll_spectrum_result_free(&r);
	ll_tensor_free(&x);
	ll_tensor_free(&y);
	return status;
}

const ll_cmd ll_cmd_spectrum = {"spectrum", cmd_spectrum,
				"power-law eigenspectrum of responses to stimuli (cross-validated PCA)"};
