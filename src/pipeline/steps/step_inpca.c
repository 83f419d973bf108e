/*
 * [inpca]: the training paths of every model in one map (Mao et al. 2024,
 * "The training process of many deep networks explores the same
 * low-dimensional manifold").  Each model at each snapshot is a point,
 * known by its class probabilities on the probe set (the train step logs
 * them); the points' intensive Bhattacharyya distances are embedded by
 * InPCA (pca/ll_inpca.h), negative eigenvalues kept and reported.  With
 * `with`, other runs' models (other learning rates, widths, activations:
 * anything trained on the same probe set) join the same embedding.
 */
#include "config.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/ll_fs.h"
#include "base/ll_json.h"
#include "io/ll_npy.h"
#include "pipeline/ll_step.h"
#include "pipeline/steps/step_inpca.h"
#include "pipeline/steps/step_train.h"

static const ll_param_def params[] = {
	P_INT("images", "0", 0, 100000,
	      "probe images of each digit compared (0 = all of [train] probe_per_class)"),
	P_INT("dims", "3", 1, 10, "InPCA dimensions kept"),
	P_PATH("with", "",
	       "other runs in the same map: an OUTDIR of latentlab run (its train/outputs.npy), a folder of "
	       "such OUTDIRs, or an outputs.npy (models x snapshots x images x 10)"),
};

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		ll_free(v[i]);
	ll_free(v);
}

static void drop(ll_session *s)
{
	struct ll_res_inpca *r = s->res.inpca;
	if (!r)
		return;
	ll_inpca_free(&r->emb);
	free_strs(r->name, r->paths);
	free_strs(r->group_name, r->ngroups);
	free_strs(r->runs, r->nruns);
	ll_free(r->group);
	ll_free(r);
	s->res.inpca = NULL;
}

/* ---- other runs ----------------------------------------------------------------- */

static int is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The outputs.npy files `with` names, into r->runs. */
static int find_runs(const char *with, struct ll_res_inpca *r, ll_err *err)
{
	char *own = ll_path_join(with, "train/outputs.npy");
	if (!own)
		return ll_err_oom(err);
	if (is_file(with) || is_file(own)) {
		r->runs = ll_calloc_array(1, sizeof *r->runs);
		if (!r->runs || !(r->runs[0] = ll_strdup(is_file(with) ? with : own))) {
			ll_free(own);
			return ll_err_oom(err);
		}
		r->nruns = 1;
		ll_free(own);
		return LL_OK;
	}
	ll_free(own);
	DIR *d = is_dir(with) ? opendir(with) : NULL;
	if (!d)
		return ll_err_set(err, LL_EIO, "[inpca] with: %s: no such file or folder", with);
	size_t cap = 0;
	int rc = LL_OK;
	struct dirent *e;
	while ((e = readdir(d)) && rc == LL_OK) {
		if (e->d_name[0] == '.')
			continue;
		char *sub = ll_path_join(with, e->d_name);
		char *p = sub ? ll_path_join(sub, "train/outputs.npy") : NULL;
		ll_free(sub);
		if (!p) {
			rc = ll_err_oom(err);
			break;
		}
		if (!is_file(p)) {
			ll_free(p);
			continue;
		}
		if (r->nruns == cap) {
			size_t nc = cap ? 2 * cap : 8;
			char **v = ll_realloc(r->runs, nc * sizeof *v);
			if (!v) {
				ll_free(p);
				rc = ll_err_oom(err);
				break;
			}
			r->runs = v;
			cap = nc;
		}
		r->runs[r->nruns++] = p;
	}
	closedir(d);
	if (rc == LL_OK && !r->nruns)
		rc = ll_err_set(err, LL_EIO, "[inpca] with: %s holds no train/outputs.npy, nor do its folders", with);
	if (rc == LL_OK)
		qsort(r->runs, r->nruns, sizeof *r->runs, cmp_str);
	return rc;
}

/* ---- the points ------------------------------------------------------------------- */

/* A short name for run q: its folder (the OUTDIR) or file name. */
static void run_label(const char *path, char *buf, size_t n)
{
	const char *end = path + strlen(path), *tail = strstr(path, "/train/outputs.npy");
	if (tail && tail[strlen("/train/outputs.npy")] == '\0')
		end = tail;
	const char *start = end;
	while (start > path && start[-1] != '/')
		start--;
	snprintf(buf, n, "%.*s", (int)(end - start), start);
}

static int set_name(struct ll_res_inpca *r, size_t p, const char *group, size_t k, ll_err *err)
{
	char buf[96];
	snprintf(buf, sizeof buf, "%s #%zu", group, k);
	return (r->name[p] = ll_strdup(buf)) ? LL_OK : ll_err_oom(err);
}

static void write_json(ll_json *j, const void *ud)
{
	const struct ll_res_inpca *r = ud;
	ll_json_obj_begin(j);
	ll_json_kv_int(j, "paths", (long long)r->paths);
	ll_json_kv_int(j, "snapshots", (long long)r->snapshots);
	ll_json_kv_int(j, "images", (long long)r->images);
	ll_json_key(j, "explained");
	ll_json_num_array(j, r->emb.explained, r->emb.k);
	double sg[10];
	for (size_t k = 0; k < r->emb.k && k < 10; k++)
		sg[k] = r->emb.sign[k];
	ll_json_key(j, "sign");
	ll_json_num_array(j, sg, r->emb.k < 10 ? r->emb.k : 10);
	ll_json_kv_int(j, "negative_eigenvalues", (long long)r->emb.n_negative);
	ll_json_kv_num(j, "negative_fraction", r->emb.neg_frac);
	ll_json_key(j, "runs");
	ll_json_arr_begin(j);
	for (size_t q = 0; q < r->nruns; q++)
		ll_json_str(j, r->runs[q]);
	ll_json_arr_end(j);
	ll_json_kv_num(j, "seconds", r->seconds);
	ll_json_obj_end(j);
	fputc('\n', j->fp);
}

static int run(ll_step_ctx *c, ll_err *err)
{
	ll_session *s = c->s;
	const struct ll_res_train *t = s->res.train;
	if (!t || !t->outputs)
		return ll_err_set(err, LL_EINVAL, "[inpca] needs the train step's class probabilities: run it first");
	double t0 = ll_now();
	struct ll_res_inpca *r = ll_calloc(1, sizeof *r);
	if (!r)
		return ll_err_oom(err);
	s->res.inpca = r;
	size_t M = t->log.models, S = t->log.snapshots, C = 10;
	size_t per_class = t->outputs_n / C;
	long want = ll_session_get_int(s, LL_STEP_INPCA, "images");
	size_t per = want > 0 && (size_t)want < per_class ? (size_t)want : per_class;
	r->snapshots = S;
	r->classes = C;
	r->images = per * C;
	int rc = LL_OK;

	/* the other runs, read whole (checked against ours) */
	char *with = ll_session_get_path(s, LL_STEP_INPCA, "with");
	ll_tensor *other = NULL;
	size_t paths = M;
	if (with && *with) {
		rc = find_runs(with, r, err);
		if (rc == LL_OK && !(other = ll_calloc_array(r->nruns, sizeof *other)))
			rc = ll_err_oom(err);
		for (size_t q = 0; q < r->nruns && rc == LL_OK; q++) {
			const char *p = r->runs[q];
			ll_tensor *o = &other[q];
			char shape[128];
			if ((rc = ll_npy_read(p, o, NULL, err)) != LL_OK) {
				ll_err_prefix(err, "[inpca] with");
				break;
			}
			ll_tensor_shape_str(o, shape, sizeof shape);
			if (o->nmodes != 4 || o->dim[1] != S || o->dim[2] != t->outputs_n || o->dim[3] != C)
				rc = ll_err_set(err, LL_ESHAPE,
						"[inpca] with: %s is %s; this session's outputs are models x %zu "
						"snapshots x %zu images x %zu classes (train the runs on the same probe "
						"set and snapshots)",
						p, shape, S, t->outputs_n, C);
			else
				paths += o->dim[0];
		}
	}
	ll_free(with);
	r->paths = paths;
	size_t n = paths * S;
	float *P = NULL;
	double *D = NULL;
	if (rc == LL_OK) {
		r->name = ll_calloc_array(paths, sizeof *r->name);
		r->group = ll_calloc_array(paths, sizeof *r->group);
		r->group_name = ll_calloc_array(paths, sizeof *r->group_name);
		P = ll_malloc_array(n, r->images * C * sizeof *P);
		D = ll_malloc_array(n, n * sizeof *D);
		if (!r->name || !r->group || !r->group_name || !P || !D)
			rc = ll_err_set(err, LL_ENOMEM, "[inpca] out of memory for %zu points x %zu images", n,
					r->images);
	}
	/* each point's probabilities on the first `per` images of each digit */
	size_t *seen = rc == LL_OK ? ll_calloc_array(paths + 1, sizeof *seen) : NULL;
	if (rc == LL_OK && !seen)
		rc = ll_err_oom(err);
	for (size_t p = 0; p < paths && rc == LL_OK; p++) {
		char gname[80];
		const ll_tensor *o = NULL;
		size_t m = p, q = 0;
		if (p >= M) {
			for (m = p - M; m >= other[q].dim[0]; m -= other[q].dim[0])
				q++;
			o = &other[q];
			char lab[64];
			run_label(r->runs[q], lab, sizeof lab);
			snprintf(gname, sizeof gname, "%s", lab);
		} else {
			snprintf(gname, sizeof gname, "lr %g", ll_train_model_lr(s, m, NULL));
		}
		size_t g = 0;
		if ((rc = ll_step_group_of(r->group_name, &r->ngroups, gname, &g, err)) != LL_OK ||
		    (rc = set_name(r, p, gname, ++seen[g], err)) != LL_OK)
			break;
		r->group[p] = g;
		for (size_t j = 0; j < S; j++)
			for (size_t d = 0; d < C; d++)
				for (size_t i = 0; i < per; i++) {
					size_t img = d * per_class + i;
					float *dst = P + ((p * S + j) * r->images + d * per + i) * C;
					for (size_t k = 0; k < C; k++)
						dst[k] = o ? (float)o->data[((m * S + j) * t->outputs_n + img) * C + k]
							   : ll_res_train_outputs(t, m, j)[img * C + k];
				}
	}
	ll_free(seen);
	for (size_t q = 0; other && q < r->nruns; q++)
		ll_tensor_free(&other[q]);
	ll_free(other);
	if (rc == LL_OK) {
		ll_step_prog g = {.c = c, .span = 0.9, .detail = LL_PROG_THEIR_STAGE};
		rc = ll_inpca_bhattacharyya(P, n, r->images, C, ll_step_threads(s), D, ll_step_prog_fwd, &g, err);
		if (rc != LL_OK && ll_session_canceled(s))
			rc = ll_err_set(err, LL_ECANCELED, "[inpca] canceled");
		else if (rc != LL_OK)
			ll_err_prefix(err, "[inpca]");
	}
	ll_free(P);
	if (rc == LL_OK && (rc = ll_inpca(D, n, (size_t)ll_session_get_int(s, LL_STEP_INPCA, "dims"), &r->emb,
					  err)) != LL_OK)
		ll_err_prefix(err, "[inpca]");
	ll_free(D);
	if (rc != LL_OK)
		return rc;
	r->seconds = ll_now() - t0;
	double top = 0;
	for (size_t j = 0; j < r->emb.k && j < 3; j++)
		top += r->emb.explained[j];
	ll_step_status(c, "%zu paths x %zu snapshots: the top %zu dimensions carry %.1f%%; %zu negative eigenvalues (%.1f%%)",
		       paths, S, r->emb.k < 3 ? r->emb.k : 3, 100 * top, r->emb.n_negative, 100 * r->emb.neg_frac);
	ll_session_log(s, "inpca: %s", s->status[c->k]);
	if (!c->outdir)
		return LL_OK;

	char *dir;
	if ((rc = ll_step_outdir(c, &dir, err)) != LL_OK)
		return rc;
	size_t sh3[3] = {paths, S, r->emb.k}, sh1[1] = {n};
	rc = ll_step_write_vec(dir, "coords.npy", r->emb.coords, 3, sh3, err);
	if (rc == LL_OK)
		rc = ll_step_write_vec(dir, "eigenvalues.npy", r->emb.eig, 1, sh1, err);
	if (rc == LL_OK) {
		ll_afile af;
		if ((rc = ll_afile_open_in(&af, dir, "paths.csv", err)) == LL_OK) {
			fputs("path,name,group\n", af.fp);
			for (size_t p = 0; p < paths; p++)
				fprintf(af.fp, "%zu,%s,%s\n", p, r->name[p], r->group_name[r->group[p]]);
			rc = ll_afile_commit(&af, err);
		}
	}
	if (rc == LL_OK)
		rc = ll_step_write_json(dir, "inpca.json", write_json, r, err);
	ll_free(dir);
	return rc;
}

static int check(const ll_session *s, ll_err *err)
{
	if (s->state[LL_STEP_INPCA] == LL_STATE_ABSENT)
		return LL_OK;
	if (!ll_step_in_session(s, LL_STEP_TRAIN))
		return ll_err_set(err, LL_EINVAL, "[inpca] needs a [train] step ([data] kind = mnist)");
	return LL_OK;
}

const ll_step_def ll_step_inpca = {
	.name = "inpca",
	.summary = "every model's training path in one InPCA map of its predicted class probabilities",
	.params = params,
	.nparams = LL_NPARAMS(params),
	.needs = LL_STEP_BIT(LL_STEP_TRAIN),
	.check = check,
	.run = run,
	.drop = drop,
	.outputs = "coords.npy (paths x snapshots x dims), eigenvalues.npy, paths.csv, inpca.json",
};
