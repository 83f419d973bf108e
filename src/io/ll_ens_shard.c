/* Shards of an ensemble: writing, reading, merging (see ll_ens_shard.h). */
#include "config.h"

#include "io/ll_ens_shard.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ll_fs.h"
#include "io/ll_npy.h"

#define FIT_MARKER ".latentlab-fit"
#define MANIFEST_MAX (64u << 20)
#define FORMAT "latentlab-shard 1"

uint64_t ll_shard_hash(const double *x, size_t n, uint64_t h)
{
	return ll_shard_hash_bytes(x, n * sizeof *x, h);
}

uint64_t ll_shard_hash_bytes(const void *x, size_t nbytes, uint64_t h)
{
	const unsigned char *p = x;
	for (size_t i = 0; i < nbytes; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* ---- writing ----------------------------------------------------------------- */

static void put_escaped(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\')
			fputs("\\\\", fp);
		else if (*s == '\n')
			fputs("\\n", fp);
		else if (*s == '\r')
			fputs("\\r", fp);
		else
			fputc(*s, fp);
	}
}

static void put_str(FILE *fp, const char *key, const char *v)
{
	fprintf(fp, "%s = ", key);
	put_escaped(fp, v);
	fputc('\n', fp);
}

static int write_unit_fit(const char *dir, size_t rank, size_t k, const ll_cp_result *f, ll_err *err)
{
	char sub[96];
	snprintf(sub, sizeof sub, "units/rank_%02zu/rep_%02zu", rank, k);
	char *fdir = ll_path_join(dir, sub);
	int rc = fdir ? ll_mkdirs(fdir, err) : ll_err_oom(err);
	if (rc == LL_OK)
		rc = ll_ens_write_fit_files(fdir, f, err);
	ll_free(fdir);
	return rc;
}

static int wanted(const ll_shard_meta *sm, size_t u)
{
	return !sm->want || sm->want(sm->want_ud, u);
}

int ll_shard_write(const ll_ensemble *e, const char *dir, const ll_ens_meta *meta,
		   const ll_shard_meta *sm, ll_err *err)
{
	if (!e || !e->ranks || !dir || !sm)
		return ll_err_set(err, LL_EINVAL, "shard write: nothing fitted");
	const ll_ens_opts *o = &e->opts;
	size_t nmain = ll_ens_nmain(o), total = ll_ens_nunits(o), nrep = o->replicates;
	char *udir = ll_path_join(dir, "units");
	int rc = udir ? ll_mkdir_ours(udir, FIT_MARKER, "a shard's fits, written by latentlab tca --shard; "
				      "a rerun replaces this folder", err)
		      : ll_err_oom(err);
	ll_free(udir);
	for (size_t u = 0; u < nmain && rc == LL_OK; u++) {
		if (!wanted(sm, u))
			continue;
		size_t ri = o->fused ? u : u / nrep, k0 = o->fused ? 0 : u % nrep, cnt = o->fused ? nrep : 1;
		for (size_t k = k0; k < k0 + cnt && rc == LL_OK; k++)
			rc = write_unit_fit(dir, e->ranks[ri].rank, k, &e->ranks[ri].fits[k], err);
	}
	if (rc != LL_OK)
		return rc;
	ll_afile af;
	if ((rc = ll_afile_open_in(&af, dir, LL_SHARD_MANIFEST, err)) != LL_OK)
		return rc;
	FILE *fp = af.fp;
	char m1[64];
	fprintf(fp, "# the fits of one shard of a latentlab tca ensemble: combine every shard\n"
		    "# with 'latentlab merge SHARD... -o OUTDIR'\n");
	put_str(fp, "format", FORMAT);
	put_str(fp, "version", PACKAGE_VERSION);
	fprintf(fp, "shard = %zu/%zu\n", sm->index, sm->count);
	fprintf(fp, "shards = %zu\n", sm->count);
	fprintf(fp, "total_units = %zu\n", total);
	fprintf(fp, "units =");
	for (size_t u = 0; u < total; u++)
		if (wanted(sm, u))
			fprintf(fp, " %zu", u);
	fputc('\n', fp);
	if (meta && meta->tool)
		put_str(fp, "tool", meta->tool);
	for (int i = 0; meta && meta->argv && i < meta->argc; i++)
		put_str(fp, "argv", meta->argv[i] ? meta->argv[i] : "");
	if (meta && meta->data_file)
		put_str(fp, "data_file", meta->data_file);
	if (meta && meta->data_dtype)
		put_str(fp, "data_dtype", meta->data_dtype);
	if (meta && meta->mask_file)
		put_str(fp, "mask_file", meta->mask_file);
	if (meta && meta->init_file)
		put_str(fp, "init_file", meta->init_file);
	fprintf(fp, "data_hash = %016" PRIx64 "\n", sm->data_hash);
	fprintf(fp, "init_hash = %016" PRIx64 "\n", sm->init_hash);
	fprintf(fp, "shape =");
	for (int n = 0; n < e->nmodes; n++)
		fprintf(fp, " %zu", e->dim[n]);
	fputc('\n', fp);
	fprintf(fp, "norm = %a\n", e->data_norm);
	fprintf(fp, "missing = %zu\n", e->nmissing);
	put_str(fp, "method", ll_cp_method_name(o->cp.method));
	put_str(fp, "precision", e->single ? "single" : "double");
	put_str(fp, "init", e->warm_start ? "model" : o->cp.init == LL_CP_INIT_SVD ? "svd" : "random");
	put_str(fp, "fixed_modes", ll_cp_modes_str(o->cp.fixed_modes, m1, sizeof m1));
	fprintf(fp, "ridge = %a\n", o->cp.ridge);
	fprintf(fp, "l1 = %a\n", o->cp.l1);
	put_str(fp, "l1_modes", ll_cp_modes_str(o->cp.l1_modes, m1, sizeof m1));
	fprintf(fp, "tol = %a\n", o->cp.tol);
	fprintf(fp, "max_iter = %d\n", o->cp.max_iter);
	fprintf(fp, "min_iter = %d\n", o->cp.min_iter);
	fprintf(fp, "accel = %d\n", o->cp.accel);
	fprintf(fp, "rank_lo = %zu\n", o->rank_lo);
	fprintf(fp, "rank_hi = %zu\n", o->rank_hi);
	fprintf(fp, "replicates = %zu\n", o->replicates);
	fprintf(fp, "seed = %" PRIu64 "\n", o->seed);
	put_str(fp, "sim", ll_sim_name(e->sim));
	fprintf(fp, "fused = %d\n", o->fused ? 1 : 0);
	fprintf(fp, "cv_folds = %zu\n", o->cv_folds);
	fprintf(fp, "cv_replicates = %zu\n", o->cv_replicates);
	fprintf(fp, "cv_seed = %" PRIu64 "\n", e->cv_seed);
	put_str(fp, "select", sm->select ? sm->select : "none");
	/* not compared: the machine's */
	fprintf(fp, "threads = %d\n", o->threads);
	fprintf(fp, "seconds = %a\n", e->seconds);
	fprintf(fp, "cv_seconds = %a\n", e->cv_seconds);
	for (size_t u = 0; u < nmain; u++) {
		if (!wanted(sm, u))
			continue;
		size_t ri = o->fused ? u : u / nrep, k0 = o->fused ? 0 : u % nrep, cnt = o->fused ? nrep : 1;
		const ll_ens_rank *er = &e->ranks[ri];
		fprintf(fp, "rank_seconds = %zu %a\n", er->rank, er->seconds);
		for (size_t k = k0; k < k0 + cnt; k++) {
			const ll_cp_result *f = &er->fits[k];
			fprintf(fp, "fit = %zu %zu %" PRIu64 " %a %a %a %a %d %d %a\n", er->rank, k, f->seed,
				f->obj, f->obj_pen, f->penalty, f->deviance, f->iters, f->converged, f->seconds);
		}
	}
	for (size_t f = 0; f < o->cv_folds; f++) {
		if (!wanted(sm, nmain + f))
			continue;
		for (size_t ri = 0; ri < e->nranks; ri++)
			fprintf(fp, "cv = %zu %zu %a %a\n", e->ranks[ri].rank, f, e->ranks[ri].cv_test[f],
				e->ranks[ri].cv_train[f]);
	}
	return ll_afile_commit(&af, err);
}

/* ---- reading ----------------------------------------------------------------- */

void ll_shard_free(ll_shard *s)
{
	if (!s)
		return;
	ll_free(s->dir);
	ll_free(s->text);
	ll_free(s->key);
	ll_free(s->val);
	memset(s, 0, sizeof *s);
}

/* undo put_escaped in place */
static void unescape(char *s)
{
	char *w = s;
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*w++ = *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

int ll_shard_read(const char *dir, ll_shard *s, ll_err *err)
{
	memset(s, 0, sizeof *s);
	char *path = ll_path_join(dir, LL_SHARD_MANIFEST);
	size_t len;
	int rc = path ? ll_read_file(path, MANIFEST_MAX, &s->text, &len, err) : ll_err_oom(err);
	if (rc != LL_OK) {
		/* a folder without a manifest: not a shard, or one not finished */
		if (path && rc != LL_ENOMEM)
			ll_err_set(err, rc, "%s: no shard here (no %s: not written by latentlab tca --shard, "
				   "or the shard did not finish)", dir, LL_SHARD_MANIFEST);
		ll_free(path);
		ll_shard_free(s);
		return rc;
	}
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += s->text[i] == '\n';
	s->dir = ll_malloc(strlen(dir) + 1);
	s->key = ll_malloc_array(lines, sizeof *s->key);
	s->val = ll_malloc_array(lines, sizeof *s->val);
	if (!s->dir || !s->key || !s->val) {
		ll_free(path);
		ll_shard_free(s);
		return ll_err_oom(err);
	}
	strcpy(s->dir, dir);
	size_t lineno = 0;
	for (char *p = s->text; p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		lineno++;
		if (*p && *p != '#') {
			char *eq = strstr(p, " = ");
			size_t pl = strlen(p);
			if (!eq && pl >= 2 && !strcmp(p + pl - 2, " =")) {
				/* an empty value ("units =" of a shard beyond the units) */
				p[pl - 2] = '\0';
				s->key[s->n] = p;
				s->val[s->n++] = p + pl; /* its NUL */
				p = nl ? nl + 1 : NULL;
				continue;
			}
			if (!eq) {
				rc = ll_err_set(err, LL_EFORMAT, "%s:%zu: not a 'key = value' line", path, lineno);
				break;
			}
			*eq = '\0';
			s->key[s->n] = p;
			s->val[s->n] = eq + 3;
			unescape(s->val[s->n]);
			s->n++;
		}
		p = nl ? nl + 1 : NULL;
	}
	if (rc == LL_OK) {
		const char *f = ll_shard_get(s, "format");
		if (!f || strcmp(f, FORMAT))
			rc = ll_err_set(err, LL_EFORMAT, "%s: not a latentlab shard manifest (format '%s', "
					"expected '%s')", path, f ? f : "missing", FORMAT);
	}
	ll_free(path);
	if (rc != LL_OK)
		ll_shard_free(s);
	return rc;
}

const char *ll_shard_get(const ll_shard *s, const char *key)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (!strcmp(s->key[i], key))
			return s->val[i];
	return NULL;
}

/* ---- merging ----------------------------------------------------------------- */

/* The settings two shards of one run share: compared as written. */
static const char *const same_keys[] = {
	"version", "shards", "total_units", "data_hash", "shape", "norm", "missing", "data_dtype",
	"method", "precision", "init", "init_hash", "fixed_modes", "ridge", "l1", "l1_modes", "tol", "max_iter",
	"min_iter", "accel", "rank_lo", "rank_hi", "replicates", "seed", "sim", "fused", "cv_folds",
	"cv_replicates", "cv_seed", "select", NULL,
};

static int need(const ll_shard *s, const char *key, const char **v, ll_err *err)
{
	*v = ll_shard_get(s, key);
	if (!*v)
		return ll_err_set(err, LL_EFORMAT, "%s/%s: no '%s' line", s->dir, LL_SHARD_MANIFEST, key);
	return LL_OK;
}

static int get_size(const ll_shard *s, const char *key, size_t *out, ll_err *err)
{
	const char *v;
	int rc = need(s, key, &v, err);
	if (rc != LL_OK)
		return rc;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (end == v || *end || errno || *v == '-')
		return ll_err_set(err, LL_EFORMAT, "%s/%s: %s '%s' is not a count", s->dir, LL_SHARD_MANIFEST,
				  key, v);
	*out = (size_t)x;
	return LL_OK;
}

static int get_double(const ll_shard *s, const char *key, double *out, ll_err *err)
{
	const char *v;
	int rc = need(s, key, &v, err);
	if (rc != LL_OK)
		return rc;
	char *end;
	*out = strtod(v, &end);
	if (end == v || *end)
		return ll_err_set(err, LL_EFORMAT, "%s/%s: %s '%s' is not a number", s->dir, LL_SHARD_MANIFEST,
				  key, v);
	return LL_OK;
}

static int read_npy_in(const char *dir, const char *name, ll_tensor *t, ll_err *err)
{
	char *p = ll_path_join(dir, name);
	int rc = p ? ll_npy_read(p, t, NULL, err) : ll_err_oom(err);
	ll_free(p);
	return rc;
}

/* Fit (R, k)'s arrays from shard s into f (its numbers already set). */
static int read_fit(const ll_shard *s, const ll_ensemble *e, size_t R, size_t k, ll_cp_result *f,
		    ll_err *err)
{
	char sub[96], name[32];
	snprintf(sub, sizeof sub, "units/rank_%02zu/rep_%02zu", R, k);
	char *fdir = ll_path_join(s->dir, sub);
	if (!fdir)
		return ll_err_oom(err);
	ll_tensor T = {0};
	int rc = ll_ktensor_init(&f->K, e->nmodes, e->dim, R, err);
	for (int n = -2; rc == LL_OK && n < e->nmodes; n++) {
		if (n == -2)
			snprintf(name, sizeof name, "lambda.npy");
		else if (n == -1)
			snprintf(name, sizeof name, "hist.npy");
		else
			snprintf(name, sizeof name, "factor_%d.npy", n);
		if ((rc = read_npy_in(fdir, name, &T, err)) != LL_OK)
			break;
		size_t want = n == -2 ? R : n == -1 ? (size_t)f->iters : e->dim[n] * R;
		int shape_ok = n >= 0 ? T.nmodes == 2 && T.dim[0] == e->dim[n] && T.dim[1] == R
				      : T.nmodes == 1 && T.size == want;
		if (!shape_ok) {
			rc = ll_err_set(err, LL_ESHAPE, "%s/%s: %zu values, expected %zu for rank %zu", fdir, name,
					T.size, want, R);
		} else if (n == -2) {
			memcpy(f->K.lambda, T.data, R * sizeof *T.data);
		} else if (n == -1) {
			if (want) {
				f->hist = T.data; /* taken */
				T.data = NULL;
			}
		} else {
			memcpy(f->K.U[n], T.data, want * sizeof *T.data);
		}
		ll_tensor_free(&T);
	}
	ll_free(fdir);
	return rc;
}

static int merge_shard(const ll_shard *s, ll_ensemble *e, ll_err *err)
{
	const ll_ens_opts *o = &e->opts;
	const char *man = LL_SHARD_MANIFEST;
	for (size_t i = 0; i < s->n; i++) {
		const char *v = s->val[i];
		if (!strcmp(s->key[i], "fit")) {
			size_t R, k;
			unsigned long long seed;
			double obj, objp, pen, dev, secs;
			int iters, conv;
			if (sscanf(v, "%zu %zu %llu %la %la %la %la %d %d %la", &R, &k, &seed, &obj, &objp, &pen, &dev,
				   &iters, &conv, &secs) != 10 || R < o->rank_lo || R > o->rank_hi || k >= o->replicates ||
			    iters < 0)
				return ll_err_set(err, LL_EFORMAT, "%s/%s: bad fit line '%s'", s->dir, man, v);
			ll_cp_result *f = &e->ranks[R - o->rank_lo].fits[k];
			if (f->K.U[0])
				return ll_err_set(err, LL_EFORMAT, "%s/%s: rank %zu replicate %zu twice", s->dir, man,
						  R, k);
			f->seed = (uint64_t)seed;
			f->obj = obj;
			f->obj_pen = objp;
			f->penalty = pen;
			f->deviance = dev;
			f->iters = iters;
			f->converged = conv;
			f->seconds = secs;
			int rc = read_fit(s, e, R, k, f, err);
			if (rc != LL_OK)
				return rc;
		} else if (!strcmp(s->key[i], "cv")) {
			size_t R, fo;
			double te, tr;
			if (sscanf(v, "%zu %zu %la %la", &R, &fo, &te, &tr) != 4 || R < o->rank_lo ||
			    R > o->rank_hi || fo >= e->cv_folds)
				return ll_err_set(err, LL_EFORMAT, "%s/%s: bad cv line '%s'", s->dir, man, v);
			e->ranks[R - o->rank_lo].cv_test[fo] = te;
			e->ranks[R - o->rank_lo].cv_train[fo] = tr;
		} else if (!strcmp(s->key[i], "rank_seconds")) {
			size_t R;
			double secs;
			if (sscanf(v, "%zu %la", &R, &secs) != 2 || R < o->rank_lo || R > o->rank_hi)
				return ll_err_set(err, LL_EFORMAT, "%s/%s: bad rank_seconds line '%s'", s->dir, man, v);
			e->ranks[R - o->rank_lo].seconds += secs;
		}
	}
	double secs;
	if (get_double(s, "seconds", &secs, err) == LL_OK)
		e->seconds += secs;
	if (get_double(s, "cv_seconds", &secs, err) == LL_OK)
		e->cv_seconds += secs;
	return LL_OK;
}

/* e's settings from the first shard */
static int settings_from(const ll_shard *s, ll_ensemble *e, ll_err *err)
{
	ll_ens_opts *o = &e->opts;
	ll_ens_opts_default(o);
	const char *v;
	size_t z;
	int rc = LL_OK;
	char *end;
	if ((rc = need(s, "method", &v, err)) != LL_OK)
		return rc;
	if (ll_cp_method_parse(v, &o->cp.method) != LL_OK)
		return ll_err_set(err, LL_EFORMAT, "%s/%s: unknown method '%s'", s->dir, LL_SHARD_MANIFEST, v);
	e->method = o->cp.method;
	v = ll_shard_get(s, "precision"); /* absent before issue 15: double */
	e->single = v && !strcmp(v, "single");
	if ((rc = need(s, "sim", &v, err)) != LL_OK)
		return rc;
	if (ll_sim_parse(v, &o->sim) != LL_OK)
		return ll_err_set(err, LL_EFORMAT, "%s/%s: unknown similarity '%s'", s->dir, LL_SHARD_MANIFEST, v);
	e->sim = o->sim;
	if ((rc = need(s, "init", &v, err)) != LL_OK)
		return rc;
	e->warm_start = !strcmp(v, "model");
	o->cp.init = !strcmp(v, "svd") ? LL_CP_INIT_SVD : LL_CP_INIT_RANDOM;
	if ((rc = need(s, "fixed_modes", &v, err)) != LL_OK ||
	    (ll_cp_modes_parse(v, &o->cp.fixed_modes) != LL_OK &&
	     (rc = ll_err_set(err, LL_EFORMAT, "%s/%s: bad fixed_modes '%s'", s->dir, LL_SHARD_MANIFEST, v))))
		return rc;
	if ((rc = need(s, "l1_modes", &v, err)) != LL_OK ||
	    (ll_cp_modes_parse(v, &o->cp.l1_modes) != LL_OK &&
	     (rc = ll_err_set(err, LL_EFORMAT, "%s/%s: bad l1_modes '%s'", s->dir, LL_SHARD_MANIFEST, v))))
		return rc;
	if ((rc = get_double(s, "ridge", &o->cp.ridge, err)) != LL_OK ||
	    (rc = get_double(s, "l1", &o->cp.l1, err)) != LL_OK ||
	    (rc = get_double(s, "tol", &o->cp.tol, err)) != LL_OK ||
	    (rc = get_double(s, "norm", &e->data_norm, err)) != LL_OK)
		return rc;
	if ((rc = get_size(s, "max_iter", &z, err)) != LL_OK)
		return rc;
	o->cp.max_iter = (int)z;
	if ((rc = get_size(s, "min_iter", &z, err)) != LL_OK)
		return rc;
	o->cp.min_iter = (int)z;
	if ((rc = get_size(s, "accel", &z, err)) != LL_OK)
		return rc;
	o->cp.accel = (int)z;
	if ((rc = get_size(s, "fused", &z, err)) != LL_OK)
		return rc;
	o->fused = (int)z;
	if ((rc = get_size(s, "threads", &z, err)) != LL_OK)
		return rc;
	o->threads = (int)z;
	if ((rc = get_size(s, "rank_lo", &o->rank_lo, err)) != LL_OK ||
	    (rc = get_size(s, "rank_hi", &o->rank_hi, err)) != LL_OK ||
	    (rc = get_size(s, "replicates", &o->replicates, err)) != LL_OK ||
	    (rc = get_size(s, "cv_folds", &o->cv_folds, err)) != LL_OK ||
	    (rc = get_size(s, "cv_replicates", &o->cv_replicates, err)) != LL_OK ||
	    (rc = get_size(s, "missing", &e->nmissing, err)) != LL_OK)
		return rc;
	if (o->rank_lo < 1 || o->rank_hi < o->rank_lo || o->rank_hi > 10000 || o->replicates < 1 ||
	    o->replicates > 100000 || o->cv_folds > LL_ENS_CV_MAX_FOLDS)
		return ll_err_set(err, LL_EFORMAT, "%s/%s: ranks %zu-%zu x %zu replicates, %zu folds: out of range",
				  s->dir, LL_SHARD_MANIFEST, o->rank_lo, o->rank_hi, o->replicates, o->cv_folds);
	if ((rc = need(s, "seed", &v, err)) != LL_OK)
		return rc;
	o->seed = strtoull(v, &end, 10);
	if ((rc = need(s, "cv_seed", &v, err)) != LL_OK)
		return rc;
	e->cv_seed = strtoull(v, &end, 10);
	e->cv_folds = o->cv_folds;
	if ((rc = need(s, "shape", &v, err)) != LL_OK)
		return rc;
	e->nmodes = 0;
	for (const char *p = v; *p;) {
		errno = 0;
		unsigned long long d = strtoull(p, &end, 10);
		if (end == p || errno || d == 0 || e->nmodes >= LL_MAX_MODES)
			return ll_err_set(err, LL_EFORMAT, "%s/%s: bad shape '%s'", s->dir, LL_SHARD_MANIFEST, v);
		e->dim[e->nmodes++] = (size_t)d;
		p = end;
		while (*p == ' ')
			p++;
	}
	if (e->nmodes < 2)
		return ll_err_set(err, LL_EFORMAT, "%s/%s: bad shape '%s'", s->dir, LL_SHARD_MANIFEST, v);
	return LL_OK;
}

int ll_shard_merge(const ll_shard *s, size_t n, ll_ensemble *e, ll_err *err)
{
	memset(e, 0, sizeof *e);
	if (!s || n == 0)
		return ll_err_set(err, LL_EINVAL, "merge: no shards");
	/* one run's shards */
	for (size_t i = 1; i < n; i++)
		for (const char *const *k = same_keys; *k; k++) {
			const char *a = ll_shard_get(&s[0], *k), *b = ll_shard_get(&s[i], *k);
			const char *what = !strcmp(*k, "data_hash") ? " (other data or mask)"
					 : !strcmp(*k, "init_hash") ? " (another --init model)" : "";
			if ((a == NULL) != (b == NULL) || (a && strcmp(a, b)))
				return ll_err_set(err, LL_EINVAL, "%s: %s is %s but %s has %s%s: not shards of one run",
						  s[i].dir, *k, b ? b : "missing", s[0].dir, a ? a : "missing", what);
		}
	size_t total, count;
	int rc;
	if ((rc = get_size(&s[0], "total_units", &total, err)) != LL_OK ||
	    (rc = get_size(&s[0], "shards", &count, err)) != LL_OK)
		return rc;
	if (total > 10000u * 100000u)
		return ll_err_set(err, LL_EFORMAT, "%s/%s: %zu units: too many", s[0].dir, LL_SHARD_MANIFEST, total);
	size_t *owner = ll_malloc_array(total ? total : 1, sizeof *owner);
	if (!owner)
		return ll_err_oom(err);
	for (size_t u = 0; u < total; u++)
		owner[u] = SIZE_MAX;
	for (size_t i = 0; i < n && rc == LL_OK; i++) {
		const char *v = ll_shard_get(&s[i], "shard");
		for (size_t j = 0; j < i && v && rc == LL_OK; j++) {
			const char *w = ll_shard_get(&s[j], "shard");
			if (w && !strcmp(v, w))
				rc = ll_err_set(err, LL_EINVAL, "%s and %s are both shard %s", s[j].dir, s[i].dir, v);
		}
		if (rc == LL_OK)
			rc = need(&s[i], "units", &v, err);
		for (const char *p = v; rc == LL_OK && *p;) {
			char *end;
			errno = 0;
			unsigned long long u = strtoull(p, &end, 10);
			if (end == p || errno || u >= total) {
				rc = ll_err_set(err, LL_EFORMAT, "%s/%s: bad units '%s'", s[i].dir, LL_SHARD_MANIFEST, v);
				break;
			}
			if (owner[u] != SIZE_MAX)
				rc = ll_err_set(err, LL_EINVAL, "unit %llu is in both %s and %s", u, s[owner[u]].dir,
						s[i].dir);
			owner[u] = i;
			p = end;
			while (*p == ' ')
				p++;
		}
	}
	if (rc == LL_OK) {
		size_t miss = 0, first = 0;
		for (size_t u = total; u-- > 0;)
			if (owner[u] == SIZE_MAX) {
				miss++;
				first = u;
			}
		if (miss)
			rc = ll_err_set(err, LL_EINVAL,
					"%zu of the %zu units (from unit %zu) are in none of the %zu shards given: "
					"%zu shards were made; give every one", miss, total, first, n, count);
	}
	ll_free(owner);
	if (rc != LL_OK)
		return rc;

	if ((rc = settings_from(&s[0], e, err)) != LL_OK)
		goto fail;
	if (ll_ens_nunits(&e->opts) != total) {
		rc = ll_err_set(err, LL_EFORMAT, "%s/%s: %zu units do not match the settings' %zu", s[0].dir,
				LL_SHARD_MANIFEST, total, ll_ens_nunits(&e->opts));
		goto fail;
	}
	size_t nranks = e->opts.rank_hi - e->opts.rank_lo + 1, nrep = e->opts.replicates;
	e->ranks = ll_calloc_array(nranks, sizeof *e->ranks);
	if (!e->ranks) {
		rc = ll_err_oom(err);
		goto fail;
	}
	e->nranks = nranks;
	for (size_t ri = 0; ri < nranks; ri++) {
		ll_ens_rank *er = &e->ranks[ri];
		er->rank = e->opts.rank_lo + ri;
		er->nrep = nrep;
		er->fits = ll_calloc_array(nrep, sizeof *er->fits);
		er->sim = ll_calloc_array(nrep, sizeof *er->sim);
		er->cv_test_mean = er->cv_test_se = er->cv_train_mean = NAN;
		if (e->cv_folds) {
			er->cv_test = ll_malloc_array(e->cv_folds, sizeof *er->cv_test);
			er->cv_train = ll_malloc_array(e->cv_folds, sizeof *er->cv_train);
		}
		if (!er->fits || !er->sim || (e->cv_folds && (!er->cv_test || !er->cv_train))) {
			rc = ll_err_oom(err);
			goto fail;
		}
		for (size_t f = 0; f < e->cv_folds; f++)
			er->cv_test[f] = er->cv_train[f] = NAN;
	}
	e->partial = 1;
	for (size_t i = 0; i < n && rc == LL_OK; i++)
		rc = merge_shard(&s[i], e, err);
	if (rc == LL_OK)
		rc = ll_ens_finish(e, err);
	if (rc == LL_OK)
		return LL_OK;
fail:
	ll_ens_free(e);
	return rc;
}

/* ---- one unit as a message ----------------------------------------------------- */

/* unit u's rank index, first replicate and count (main units only) */
static void main_unit(const ll_ens_opts *o, size_t u, size_t *ri, size_t *k0, size_t *cnt)
{
	*ri = o->fused ? u : u / o->replicates;
	*k0 = o->fused ? 0 : u % o->replicates;
	*cnt = o->fused ? o->replicates : 1;
}

#define FIT_HEAD 8 /* seed, obj, obj_pen, penalty, deviance, iters, converged, seconds */
#define AT_ITERS 5 /* where iters is in a fit's head */

int ll_shard_pack(const ll_ensemble *e, size_t u, double **buf, size_t *n, ll_err *err)
{
	*buf = NULL;
	*n = 0;
	const ll_ens_opts *o = &e->opts;
	size_t nmain = ll_ens_nmain(o);
	if (u >= ll_ens_nunits(o))
		return ll_err_set(err, LL_EINVAL, "shard pack: no unit %zu", u);
	size_t len = 1, ri, k0, cnt, at = 0;
	if (u >= nmain) {
		len += 2 * e->nranks;
	} else {
		main_unit(o, u, &ri, &k0, &cnt);
		const ll_ens_rank *er = &e->ranks[ri];
		for (size_t k = k0; k < k0 + cnt; k++) {
			const ll_cp_result *f = &er->fits[k];
			if (!f->K.U[0])
				return ll_err_set(err, LL_EINVAL, "shard pack: unit %zu was not fitted", u);
			len += FIT_HEAD + er->rank + (size_t)f->iters;
			for (int m = 0; m < e->nmodes; m++)
				len += e->dim[m] * er->rank;
		}
	}
	double *b = ll_malloc_array(len, sizeof *b);
	if (!b)
		return ll_err_oom(err);
	if (u >= nmain) {
		size_t f = u - nmain;
		b[at++] = e->cv_seconds;
		for (size_t r = 0; r < e->nranks; r++) {
			b[at++] = e->ranks[r].cv_test[f];
			b[at++] = e->ranks[r].cv_train[f];
		}
	} else {
		const ll_ens_rank *er = &e->ranks[ri];
		b[at++] = er->seconds;
		for (size_t k = k0; k < k0 + cnt; k++) {
			const ll_cp_result *f = &er->fits[k];
			memcpy(&b[at++], &f->seed, sizeof f->seed);
			b[at++] = f->obj;
			b[at++] = f->obj_pen;
			b[at++] = f->penalty;
			b[at++] = f->deviance;
			b[at++] = f->iters;
			b[at++] = f->converged;
			b[at++] = f->seconds;
			memcpy(b + at, f->K.lambda, er->rank * sizeof *b);
			at += er->rank;
			for (int m = 0; m < e->nmodes; m++) {
				memcpy(b + at, f->K.U[m], e->dim[m] * er->rank * sizeof *b);
				at += e->dim[m] * er->rank;
			}
			if (f->iters > 0 && f->hist)
				memcpy(b + at, f->hist, (size_t)f->iters * sizeof *b);
			else if (f->iters > 0)
				memset(b + at, 0, (size_t)f->iters * sizeof *b);
			at += (size_t)f->iters;
		}
	}
	*buf = b;
	*n = at;
	return LL_OK;
}

int ll_shard_unpack(ll_ensemble *e, size_t u, const double *b, size_t n, ll_err *err)
{
	const ll_ens_opts *o = &e->opts;
	size_t nmain = ll_ens_nmain(o), at = 0, ri, k0, cnt;
	if (u >= ll_ens_nunits(o) || n < 1)
		return ll_err_set(err, LL_EFORMAT, "unit %zu: not a unit of this ensemble", u);
	if (u >= nmain) {
		size_t f = u - nmain;
		if (n != 1 + 2 * e->nranks)
			return ll_err_set(err, LL_EFORMAT, "unit %zu: %zu values for %zu ranks", u, n, e->nranks);
		e->cv_seconds += b[at++];
		for (size_t r = 0; r < e->nranks; r++) {
			e->ranks[r].cv_test[f] = b[at++];
			e->ranks[r].cv_train[f] = b[at++];
		}
		return LL_OK;
	}
	main_unit(o, u, &ri, &k0, &cnt);
	ll_ens_rank *er = &e->ranks[ri];
	size_t R = er->rank, per = R;
	for (int m = 0; m < e->nmodes; m++)
		per += e->dim[m] * R;
	/* the whole message checked before e changes */
	at = 1;
	for (size_t k = k0; k < k0 + cnt; k++) {
		if (er->fits[k].K.U[0])
			return ll_err_set(err, LL_EFORMAT, "unit %zu: rank %zu replicate %zu twice", u, R, k);
		if (n - at < FIT_HEAD || !(b[at + AT_ITERS] >= 0.0 && b[at + AT_ITERS] <= 1e9) ||
		    n - at - FIT_HEAD < per + (size_t)b[at + AT_ITERS])
			return ll_err_set(err, LL_EFORMAT, "unit %zu: %zu values, too few for rank %zu", u, n, R);
		at += FIT_HEAD + per + (size_t)b[at + AT_ITERS];
	}
	if (at != n)
		return ll_err_set(err, LL_EFORMAT, "unit %zu: %zu values, expected %zu", u, n, at);
	at = 0;
	er->seconds += b[at++];
	for (size_t k = k0; k < k0 + cnt; k++) {
		ll_cp_result *f = &er->fits[k];
		memcpy(&f->seed, &b[at++], sizeof f->seed);
		f->obj = b[at++];
		f->obj_pen = b[at++];
		f->penalty = b[at++];
		f->deviance = b[at++];
		f->iters = (int)b[at++];
		f->converged = (int)b[at++];
		f->seconds = b[at++];
		int rc = ll_ktensor_init(&f->K, e->nmodes, e->dim, R, err);
		if (rc != LL_OK)
			return rc;
		memcpy(f->K.lambda, b + at, R * sizeof *b);
		at += R;
		for (int m = 0; m < e->nmodes; m++) {
			memcpy(f->K.U[m], b + at, e->dim[m] * R * sizeof *b);
			at += e->dim[m] * R;
		}
		if (f->iters > 0) {
			f->hist = ll_malloc_array((size_t)f->iters, sizeof *f->hist);
			if (!f->hist)
				return ll_err_oom(err);
			memcpy(f->hist, b + at, (size_t)f->iters * sizeof *b);
			at += (size_t)f->iters;
		}
	}
	return LL_OK;
}
