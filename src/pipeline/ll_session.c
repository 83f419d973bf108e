/* Session files: parameter tables, parsing (libinih), validation, saving.
 * The steps themselves are in ll_steps.c. */
#include "pipeline/ll_session.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "base/ll_fs.h"

#define P_INT(k, d, lo, hi, h) {k, LL_PARAM_INT, d, NULL, lo, hi, h}
#define P_REAL(k, d, lo, hi, h) {k, LL_PARAM_REAL, d, NULL, lo, hi, h}
#define P_STR(k, d, h) {k, LL_PARAM_STR, d, NULL, 0, 0, h}
#define P_ENUM(k, d, c, h) {k, LL_PARAM_ENUM, d, c, 0, 0, h}
#define P_RANGE(k, d, lo, hi, h) {k, LL_PARAM_RANGE, d, NULL, lo, hi, h}
#define P_REALS(k, d, lo, hi, h) {k, LL_PARAM_REALS, d, NULL, lo, hi, h}
#define P_PATH(k, d, h) {k, LL_PARAM_PATH, d, NULL, 0, 0, h}
#define P_AUTO_INT(k, d, lo, hi, h) {k, LL_PARAM_AUTO_INT, d, NULL, lo, hi, h}

static const ll_param_def session_params[] = {
	P_STR("name", "session", "a short name for the session (report title)"),
	P_INT("seed", "1", 0, 4294967295.0, "base seed: every random choice derives from it"),
	P_INT("threads", "0", 0, 256, "worker threads (0 = all cores)"),
};

static const ll_param_def data_params[] = {
	P_ENUM("kind", "mnist", "mnist|npy|synth|csv", "where the data comes from"),
	P_PATH("path", "", "MNIST IDX directory, or the .npy/.npz/.csv file ('' = bundled)"),
	P_PATH("labels", "", "optional .npy of per-trial condition labels"),
	P_PATH("mask", "", "optional 0/1 .npy mask (1 = observed)"),
	P_STR("modes", "", "mode names, comma separated (default neuron,time,trial)"),
	P_INT("neurons", "50", 1, 100000, "synth: number of neurons"),
	P_INT("time", "60", 2, 100000, "synth: time bins per trial"),
	P_INT("trials", "80", 2, 100000, "synth: number of trials"),
	P_INT("rank", "3", 1, 16, "synth: planted latent factors"),
	P_ENUM("noise", "poisson", "poisson|gaussian|none", "synth: observation noise"),
};

static const ll_param_def train_params[] = {
	P_INT("models", "30", 1, 1000, "number of MLPs to train"),
	P_INT("hidden", "64", 2, 4096, "hidden units (the logged layer)"),
	P_INT("hidden2", "0", 0, 4096, "units of a second hidden layer (0 = none; the first is logged)"),
	P_ENUM("activation", "relu", "relu|tanh", "hidden nonlinearity"),
	P_ENUM("optimizer", "momentum", "sgd|momentum|adam", "optimizer"),
	P_REALS("lr", "0.03", 1e-6, 10, "learning rate, or a list (0.01,0.03,0.1) given to the models in turn"),
	P_INT("batch", "32", 1, 4096, "minibatch size"),
	P_INT("epochs", "3", 1, 1000, "passes over the training set"),
	P_INT("log_every", "12", 1, 100000, "log a snapshot every this many steps"),
	P_INT("probe_per_class", "50", 1, 1000, "probe images per digit for the class means"),
	P_ENUM("init", "independent", "independent|shared", "models start from their own or one shared initialisation"),
	P_ENUM("match_units", "yes", "yes|no", "match units across models by activation correlation (Hungarian)"),
	P_INT("train_images", "0", 0, 1000000, "use the first N training images (0 = all)"),
};

static const ll_param_def tensor_params[] = {
	P_ENUM("normalize", "none", "none|max|zscore", "scale each unit/neuron: none, to max 1, or z-score"),
};

static const ll_param_def tca_params[] = {
	P_RANGE("ranks", "1-6", 1, 64, "ranks to fit, A-B"),
	P_INT("replicates", "5", 1, 1000, "fits per rank, each from its own seed"),
	P_ENUM("method", "ncp-hals", "cp-als|ncp-hals|ncp-bcd", "CP algorithm"),
	P_ENUM("init", "random", "random|svd", "starting guess"),
	P_REAL("tol", "1e-6", 0, 1, "stop when the objective improves by less than this"),
	P_INT("max_iter", "300", 1, 100000, "iteration limit per fit"),
	P_ENUM("sim", "mean-cos", "mean-cos|tomasi-bro|congruence", "similarity score between fits"),
	P_AUTO_INT("rank", "auto", 1, 64, "the rank to show and project: a number, or auto"),
};

static const ll_param_def traj_params[] = {
	P_ENUM("source", "pca", "pca|tca", "3-D paths from PCA of the states or from TCA factors"),
};

static const ll_param_def report_params[] = {
	P_STR("title", "", "report title (default: the session name)"),
};

static const struct {
	const char *name;
	const ll_param_def *params;
	size_t n;
} steps[LL_NSTEPS] = {
#define S(n, p) {n, p, sizeof p / sizeof p[0]}
	S("session", session_params), S("data", data_params), S("train", train_params),
	S("tensor", tensor_params), S("tca", tca_params), S("trajectory", traj_params),
	S("report", report_params),
#undef S
};

const char *ll_step_name(ll_step_kind k)
{
	return (unsigned)k < LL_NSTEPS ? steps[k].name : "?";
}

const ll_param_def *ll_step_params(ll_step_kind k, size_t *n)
{
	if ((unsigned)k >= LL_NSTEPS) {
		*n = 0;
		return NULL;
	}
	*n = steps[k].n;
	return steps[k].params;
}

const char *ll_step_state_name(ll_step_state s)
{
	static const char *names[] = {"absent", "pending", "running", "done", "failed"};
	return (unsigned)s < 5 ? names[s] : "?";
}

static int find_param(ll_step_kind k, const char *key)
{
	for (size_t i = 0; i < steps[k].n; i++)
		if (!strcmp(steps[k].params[i].key, key))
			return (int)i;
	return -1;
}

/* Parse "A-B" or "A" into lo, hi. */
static int parse_range(const char *v, long *lo, long *hi)
{
	char *end;
	errno = 0;
	*lo = strtol(v, &end, 10);
	if (end == v || errno)
		return 0;
	while (isspace((unsigned char)*end))
		end++;
	if (*end == '\0') {
		*hi = *lo;
		return 1;
	}
	if (*end != '-')
		return 0;
	const char *b = end + 1;
	*hi = strtol(b, &end, 10);
	if (end == b || errno)
		return 0;
	while (isspace((unsigned char)*end))
		end++;
	return *end == '\0';
}

/* Validate value against def; msg gets the reason. */
/* One number of a comma list at *p: 1 with *x, *p moved past it (and its
 * comma, *more set), or 0 when *p does not start with a finite number
 * followed by a comma or the end. */
static int next_real(const char **p, double *x, int *more)
{
	char *end;
	errno = 0;
	*x = strtod(*p, &end);
	if (end == *p || errno || !isfinite(*x) || (*end && *end != ','))
		return 0;
	*more = *end == ',';
	*p = *more ? end + 1 : end;
	return 1;
}

static int check_value(const ll_param_def *d, const char *v, char *msg, size_t n)
{
	char *end;
	switch (d->type) {
	case LL_PARAM_INT: {
		errno = 0;
		double x = strtod(v, &end);
		/* strtod also reads 0x40 and 1e3: a count is written in decimal */
		if (end == v || *end || errno || x != floor(x) || strspn(v, "+-0123456789") != strlen(v)) {
			snprintf(msg, n, "'%s' is not an integer", v);
			return 0;
		}
		if (x < d->lo || x > d->hi) {
			snprintf(msg, n, "%s = %s is out of range [%.0f, %.0f]", d->key, v, d->lo, d->hi);
			return 0;
		}
		return 1;
	}
	case LL_PARAM_REAL: {
		errno = 0;
		double x = strtod(v, &end);
		if (end == v || *end || errno || !isfinite(x)) {
			snprintf(msg, n, "'%s' is not a number", v);
			return 0;
		}
		if (x < d->lo || x > d->hi) {
			snprintf(msg, n, "%s = %s is out of range [%g, %g]", d->key, v, d->lo, d->hi);
			return 0;
		}
		return 1;
	}
	case LL_PARAM_ENUM: {
		size_t len = strlen(v);
		for (const char *c = d->choices; *c;) {
			const char *bar = strchr(c, '|');
			size_t cl = bar ? (size_t)(bar - c) : strlen(c);
			if (cl == len && !strncmp(c, v, len))
				return 1;
			if (!bar)
				break;
			c = bar + 1;
		}
		snprintf(msg, n, "%s must be one of %s, not '%s'", d->key, d->choices, v);
		return 0;
	}
	case LL_PARAM_RANGE: {
		long lo, hi;
		if (!parse_range(v, &lo, &hi)) {
			snprintf(msg, n, "%s = '%s' is not a range like 1-8", d->key, v);
			return 0;
		}
		if (lo < d->lo || hi > d->hi || lo > hi) {
			snprintf(msg, n, "%s = %s must lie within %.0f-%.0f, low to high", d->key, v, d->lo, d->hi);
			return 0;
		}
		return 1;
	}
	case LL_PARAM_REALS: {
		const char *p = v;
		for (int more = 1; more;) {
			double x;
			if (!next_real(&p, &x, &more)) {
				snprintf(msg, n, "%s = '%s' is not a number or a list like 0.01,0.1", d->key, v);
				return 0;
			}
			if (x < d->lo || x > d->hi) {
				snprintf(msg, n, "%s = %g is out of range [%g, %g]", d->key, x, d->lo, d->hi);
				return 0;
			}
		}
		return 1;
	}
	case LL_PARAM_AUTO_INT: {
		if (!strcmp(v, "auto"))
			return 1;
		long x = strtol(v, &end, 10);
		if (end == v || *end || x < d->lo || x > d->hi) {
			snprintf(msg, n, "%s must be auto or a whole number %.0f-%.0f, not '%s'", d->key, d->lo,
				 d->hi, v);
			return 0;
		}
		return 1;
	}
	case LL_PARAM_STR:
	case LL_PARAM_PATH:
		return 1;
	}
	return 0;
}

void ll_session_init(ll_session *s)
{
	memset(s, 0, sizeof *s);
}

void ll_session_reset_results(ll_session *s, ll_step_kind from);

void ll_session_free(ll_session *s)
{
	ll_session_reset_results(s, LL_STEP_DATA);
	for (int k = 0; k < LL_NSTEPS; k++)
		for (int i = 0; i < LL_SESSION_MAX_PARAMS; i++)
			free(s->values[k][i]);
	free(s->path);
	free(s->text);
	memset(s, 0, sizeof *s);
}

static int set_value(ll_session *s, ll_step_kind k, int i, const char *v)
{
	char *dup = strdup(v);
	if (!dup)
		return 0;
	free(s->values[k][i]);
	s->values[k][i] = dup;
	return 1;
}

const char *ll_session_get(const ll_session *s, ll_step_kind k, const char *key)
{
	int i = find_param(k, key);
	if (i < 0)
		return NULL;
	return s->values[k][i] ? s->values[k][i] : steps[k].params[i].def;
}

long ll_session_get_int(const ll_session *s, ll_step_kind k, const char *key)
{
	const char *v = ll_session_get(s, k, key);
	return v ? (long)strtod(v, NULL) : 0;
}

double ll_session_get_real(const ll_session *s, ll_step_kind k, const char *key)
{
	const char *v = ll_session_get(s, k, key);
	return v ? strtod(v, NULL) : 0.0;
}

const char *ll_mode_kind_name(ll_mode_kind k)
{
	switch (k) {
	case LL_MODE_UNIT: return "unit";
	case LL_MODE_TIME: return "time";
	case LL_MODE_TRIAL: return "trial";
	case LL_MODE_CLASS: return "class";
	}
	return "?";
}

size_t ll_session_get_reals(const ll_session *s, ll_step_kind k, const char *key, double *out,
			    size_t n)
{
	const char *p = ll_session_get(s, k, key);
	size_t i = 0;
	double x;
	for (int more = p != NULL; more && next_real(&p, &x, &more); i++)
		if (i < n)
			out[i] = x;
	return i;
}

/* Parsing state shared by the section scan and the inih callback. */
struct parse_ctx {
	ll_session *s;
	int last;           /* last section seen (order check) */
	char msg[LL_ERRMSG_MAX];
	int failed;
};

static int step_by_name(const char *name)
{
	for (int k = 0; k < LL_NSTEPS; k++)
		if (!strcmp(name, steps[k].name))
			return k;
	return -1;
}

/* A [section] header: known, in pipeline order, at most once. */
static int on_section(struct parse_ctx *c, const char *section)
{
	int k = step_by_name(section);
	if (k < 0) {
		snprintf(c->msg, sizeof c->msg, "unknown section [%s] (expected session, data, train, tensor, tca, trajectory or report)", section);
		return 0;
	}
	if (c->s->state[k] != LL_STATE_ABSENT) {
		snprintf(c->msg, sizeof c->msg, "step [%s] appears twice", section);
		return 0;
	}
	if (k < c->last) {
		snprintf(c->msg, sizeof c->msg, "step [%s] is out of order: it must come before [%s]",
			 section, steps[c->last].name);
		return 0;
	}
	c->last = k;
	c->s->state[k] = LL_STATE_PENDING;
	return 1;
}

/* inih callback: one key = value (sections were checked already). */
static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct parse_ctx *c = user;
	char why[256];

	if (c->failed)
		return 0;
	int k = step_by_name(section);
	int i = k < 0 ? -1 : find_param((ll_step_kind)k, key);
	if (k < 0)
		snprintf(c->msg, sizeof c->msg, "'%s' must be inside a [section]", key);
	else if (i < 0)
		snprintf(c->msg, sizeof c->msg, "unknown key '%s' in [%s]", key, section);
	else if (c->s->values[k][i])
		snprintf(c->msg, sizeof c->msg, "'%s' is set twice in [%s] (or an indented line continues it)",
			 key, section);
	else if (!check_value(&steps[k].params[i], value, why, sizeof why))
		snprintf(c->msg, sizeof c->msg, "[%s] %s", section, why);
	else if (!set_value(c->s, (ll_step_kind)k, i, value))
		snprintf(c->msg, sizeof c->msg, "out of memory");
	else
		return 1;
	c->failed = 1;
	return 0;
}

/* Find the [section] lines ourselves: inih does not report sections that
 * have no keys, and we want their line numbers for order errors.
 * Returns the line of the first problem, 0 if none. */
static int scan_sections(struct parse_ctx *c, const char *text)
{
	int line = 0;
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		line++;
		const char *q = p;
		while (q < p + len && isspace((unsigned char)*q))
			q++;
		if (q < p + len && *q == '[') {
			const char *r = memchr(q, ']', (size_t)(p + len - q));
			char sec[64];
			size_t sl = r ? (size_t)(r - q - 1) : 0;
			if (!r || sl >= sizeof sec) {
				snprintf(c->msg, sizeof c->msg, "bad section header");
				return line;
			}
			memcpy(sec, q + 1, sl);
			sec[sl] = '\0';
			if (!on_section(c, sec))
				return line;
		}
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}

int ll_session_load_text(ll_session *s, const char *text, const char *name, ll_err *err)
{
	struct parse_ctx c = {s, 0, "", 0};
	int line;

	ll_session_init(s);
	if ((line = scan_sections(&c, text)) != 0) {
		ll_err_set(err, LL_EINVAL, "%s:%d: %s", name, line, c.msg);
		ll_session_free(s);
		return LL_EINVAL;
	}
	line = ini_parse_string(text, on_key, &c);
	if (line != 0 || c.failed) {
		ll_err_set(err, LL_EINVAL, "%s:%d: %s", name, line,
			   c.failed ? c.msg : "syntax error (expected key = value or [section])");
		ll_session_free(s);
		return LL_EINVAL;
	}
	/* checks across keys, before any step spends time */
	const char *kind = ll_session_get(s, LL_STEP_DATA, "kind");
	const char *rank = ll_session_get(s, LL_STEP_TCA, "rank");
	long lo = 1, hi = 1;
	int bad = 1;
	parse_range(ll_session_get(s, LL_STEP_TCA, "ranks"), &lo, &hi);
	if (s->state[LL_STEP_TRAIN] != LL_STATE_ABSENT && strcmp(kind, "mnist") != 0)
		ll_err_set(err, LL_EINVAL, "%s: [train] needs [data] kind = mnist (kind is %s)", name, kind);
	else if (strcmp(rank, "auto") && (atol(rank) < lo || atol(rank) > hi))
		ll_err_set(err, LL_EINVAL, "%s: [tca] rank = %s is outside ranks = %ld-%ld", name, rank, lo, hi);
	else if (s->state[LL_STEP_TRAJ] != LL_STATE_ABSENT && s->state[LL_STEP_TCA] == LL_STATE_ABSENT &&
		 !strcmp(ll_session_get(s, LL_STEP_TRAJ, "source"), "tca"))
		ll_err_set(err, LL_EINVAL, "%s: [trajectory] source = tca needs a [tca] step", name);
	else
		bad = 0;
	if (bad) {
		ll_session_free(s);
		return LL_EINVAL;
	}
	/* implied steps: data and tensor always, train for MNIST */
	s->state[LL_STEP_SESSION] = LL_STATE_PENDING;
	if (s->state[LL_STEP_DATA] == LL_STATE_ABSENT)
		s->state[LL_STEP_DATA] = LL_STATE_PENDING;
	if (s->state[LL_STEP_TENSOR] == LL_STATE_ABSENT)
		s->state[LL_STEP_TENSOR] = LL_STATE_PENDING;
	if (!strcmp(kind, "mnist") && s->state[LL_STEP_TRAIN] == LL_STATE_ABSENT)
		s->state[LL_STEP_TRAIN] = LL_STATE_PENDING;
	s->text = strdup(text);
	if (!s->text) {
		ll_session_free(s);
		return ll_err_set(err, LL_ENOMEM, "out of memory");
	}
	return LL_OK;
}

int ll_session_load(ll_session *s, const char *path, ll_err *err)
{
	char *buf;
	size_t len;
	int rc;

	ll_session_init(s);
	if ((rc = ll_read_file(path, 16u << 20, &buf, &len, err)) != LL_OK)
		return rc;
	if (memchr(buf, '\0', len)) {
		ll_free(buf);
		return ll_err_set(err, LL_EFORMAT, "%s: not a text file", path);
	}
	rc = ll_session_load_text(s, buf, path, err);
	ll_free(buf);
	if (rc == LL_OK && !(s->path = strdup(path))) {
		ll_session_free(s);
		return ll_err_set(err, LL_ENOMEM, "out of memory");
	}
	return rc;
}

/* Absolute form of a path value: relative ones are joined to the session
 * file's directory, then to the working directory (malloc'd). */
static char *resolve_path(const ll_session *s, const char *v, int absolute)
{
	if (!*v || v[0] == '/')
		return ll_strdup(v);
	char *base = NULL, *out;
	if (s->path && strchr(s->path, '/')) {
		base = strdup(s->path);
		if (!base)
			return NULL;
		*strrchr(base, '/') = '\0';
		if (!*base)
			strcpy(base, "/");
	}
	char *rel = base ? ll_path_join(base, v) : ll_strdup(v);
	free(base);
	if (!rel || !absolute || rel[0] == '/')
		return rel;
	char cwd[4096];
	if (!getcwd(cwd, sizeof cwd))
		return rel; /* keep it relative rather than fail a save */
	out = ll_path_join(cwd, rel);
	ll_free(rel);
	return out;
}

char *ll_session_get_path(const ll_session *s, ll_step_kind k, const char *key)
{
	const char *v = ll_session_get(s, k, key);
	return resolve_path(s, v ? v : "", 0);
}

static char *format(const ll_session *s, int copy)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	if (!fp)
		return NULL;
	fprintf(fp, "# latentlab session\n");
	for (int k = 0; k < LL_NSTEPS; k++) {
		if (s->state[k] == LL_STATE_ABSENT)
			continue;
		fprintf(fp, "\n[%s]\n", steps[k].name);
		for (size_t i = 0; i < steps[k].n; i++) {
			const char *v = s->values[k][i];
			if (!v)
				continue;
			if (copy && steps[k].params[i].type == LL_PARAM_PATH && *v && v[0] != '/') {
				char *a = resolve_path(s, v, 1);
				fprintf(fp, "%s = %s\n", steps[k].params[i].key, a ? a : v);
				ll_free(a);
			} else {
				fprintf(fp, "%s = %s\n", steps[k].params[i].key, v);
			}
		}
	}
	fclose(fp);
	return buf;
}

char *ll_session_format(const ll_session *s)
{
	return format(s, 0);
}

char *ll_session_format_copy(const ll_session *s)
{
	return format(s, 1);
}

int ll_session_save(ll_session *s, const char *path, ll_err *err)
{
	/* saved elsewhere, relative paths would now point elsewhere too */
	int moved = !s->path || strcmp(path, s->path) != 0;
	char *text = moved ? ll_session_format_copy(s) : ll_session_format(s);
	ll_afile af;
	int rc;
	if (!text)
		return ll_err_set(err, LL_ENOMEM, "out of memory");
	rc = ll_afile_open(&af, path, err);
	if (rc == LL_OK) {
		fputs(text, af.fp);
		rc = ll_afile_commit(&af, err);
	}
	if (rc == LL_OK) {
		free(s->text);
		s->text = text;
		s->dirty = 0;
	} else {
		free(text);
	}
	return rc;
}

int ll_session_set(ll_session *s, ll_step_kind k, const char *key, const char *value, ll_err *err)
{
	char why[256];
	if ((unsigned)k >= LL_NSTEPS)
		return ll_err_set(err, LL_EINVAL, "no such step");
	int i = find_param(k, key);
	if (i < 0)
		return ll_err_set(err, LL_EINVAL, "unknown key '%s' in [%s]", key, steps[k].name);
	if (!check_value(&steps[k].params[i], value, why, sizeof why))
		return ll_err_set(err, LL_EINVAL, "[%s] %s", steps[k].name, why);
	if (s->state[k] == LL_STATE_ABSENT)
		return ll_err_set(err, LL_EINVAL, "[%s] is not a step of this session (add the section to the file)",
				  steps[k].name);
	const char *cur = ll_session_get(s, k, key);
	if (cur && !strcmp(cur, value))
		return LL_OK; /* the same value: nothing to redo */
	if (!set_value(s, k, i, value))
		return ll_err_set(err, LL_ENOMEM, "out of memory");
	s->dirty = 1;
	ll_step_kind from = ll_session_stale_from(k, key);
	if (from < LL_NSTEPS)
		ll_session_reset_results(s, from);
	return LL_OK;
}

ll_step_kind ll_session_stale_from(ll_step_kind k, const char *key)
{
	if (k != LL_STEP_SESSION)
		return k;
	if (!strcmp(key, "seed"))
		return LL_STEP_DATA;
	if (!strcmp(key, "name"))
		return LL_STEP_REPORT; /* only the report shows it */
	return LL_NSTEPS;             /* threads: results stand */
}

size_t ll_session_steps(const ll_session *s, ll_step_kind *out)
{
	size_t n = 0;
	for (int k = LL_STEP_DATA; k < LL_NSTEPS; k++)
		if (s->state[k] != LL_STATE_ABSENT)
			out[n++] = (ll_step_kind)k;
	return n;
}

ll_step_kind ll_session_next(const ll_session *s)
{
	for (int k = LL_STEP_DATA; k < LL_NSTEPS; k++)
		if (s->state[k] != LL_STATE_ABSENT && s->state[k] != LL_STATE_DONE)
			return (ll_step_kind)k;
	return LL_NSTEPS;
}

void ll_session_log(ll_session *s, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (s->log_fn)
		s->log_fn(s->log_ud, line);
}
