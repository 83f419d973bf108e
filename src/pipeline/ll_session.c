/* Session files: parsing (an INI dialect), typed parameter values, validation,
 * saving.  The steps are in steps/ (one descriptor each, listed in
 * steps.def); running them and the graph are in ll_pipeline.c. */
#include "pipeline/ll_session.h"

#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ll_fs.h"
#include "pipeline/ll_step.h"

const char *ll_step_state_name(ll_step_state s)
{
	static const char *names[] = {"absent", "pending", "running", "done", "failed"};
	return (unsigned)s < 5 ? names[s] : "?";
}

const char *ll_mode_kind_plot(ll_mode_kind k)
{
	switch (k) {
	case LL_MODE_UNIT: return "bars";
	case LL_MODE_TIME: return "line";
	case LL_MODE_TRIAL:
	case LL_MODE_CLASS: return "dots";
	}
	return "dots";
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

void ll_modes_free(ll_mode_info *m, int n)
{
	for (int i = 0; i < n; i++) {
		ll_free(m[i].labels);
		memset(&m[i], 0, sizeof m[i]);
	}
}

int ll_modes_copy(ll_mode_info *dst, const ll_mode_info *src, int n, const size_t *dim, ll_err *err)
{
	memset(dst, 0, (size_t)n * sizeof *dst);
	for (int i = 0; i < n; i++) {
		dst[i] = src[i];
		dst[i].labels = NULL;
		if (!src[i].labels)
			continue;
		dst[i].labels = ll_malloc_array(dim[i], sizeof(int));
		if (!dst[i].labels) {
			ll_modes_free(dst, n);
			return ll_err_oom(err);
		}
		memcpy(dst[i].labels, src[i].labels, dim[i] * sizeof(int));
	}
	return LL_OK;
}

/* ---------------------------------------------------------------- values */

int ll_parse_range(const char *v, long *lo, long *hi)
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

/* Index of v among d->choices ("a|b|c"), or -1. */
static int choice_index(const ll_param_def *d, const char *v)
{
	size_t len = strlen(v);
	int i = 0;
	for (const char *c = d->choices; c && *c; i++) {
		const char *bar = strchr(c, '|');
		size_t cl = bar ? (size_t)(bar - c) : strlen(c);
		if (cl == len && !strncmp(c, v, len))
			return i;
		if (!bar)
			break;
		c = bar + 1;
	}
	return -1;
}

/* Check v against d and parse it into *out (its text is not touched; reals
 * go to out->reals, which must hold cap numbers; *nreals_out gets the
 * count even beyond cap).  0 with the reason in msg if v is not valid. */
static int parse_value(const ll_param_def *d, const char *v, ll_value *out, size_t cap, char *msg,
		       size_t n)
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
		out->i = (long)x;
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
		out->r = x;
		return 1;
	}
	case LL_PARAM_ENUM: {
		int i = choice_index(d, v);
		if (i < 0) {
			snprintf(msg, n, "%s must be one of %s, not '%s'", d->key, d->choices, v);
			return 0;
		}
		out->i = i;
		return 1;
	}
	case LL_PARAM_RANGE: {
		long lo, hi;
		if (!ll_parse_range(v, &lo, &hi)) {
			snprintf(msg, n, "%s = '%s' is not a range like 1-8", d->key, v);
			return 0;
		}
		if (lo < d->lo || hi > d->hi || lo > hi) {
			snprintf(msg, n, "%s = %s must lie within %.0f-%.0f, low to high", d->key, v, d->lo, d->hi);
			return 0;
		}
		out->i = lo;
		out->hi = hi;
		return 1;
	}
	case LL_PARAM_REALS: {
		const char *p = v;
		size_t cnt = 0;
		for (int more = 1; more; cnt++) {
			double x;
			if (!next_real(&p, &x, &more)) {
				snprintf(msg, n, "%s = '%s' is not a number or a list like 0.01,0.1", d->key, v);
				return 0;
			}
			if (x < d->lo || x > d->hi) {
				snprintf(msg, n, "%s = %g is out of range [%g, %g]", d->key, x, d->lo, d->hi);
				return 0;
			}
			if (cnt < cap)
				out->reals[cnt] = x;
		}
		out->nreals = cnt;
		return 1;
	}
	case LL_PARAM_AUTO_INT: {
		if (!strcmp(v, "auto")) {
			out->i = -1;
			return 1;
		}
		long x = strtol(v, &end, 10);
		if (end == v || *end || x < d->lo || x > d->hi) {
			snprintf(msg, n, "%s must be auto or a whole number %.0f-%.0f, not '%s'", d->key, d->lo,
				 d->hi, v);
			return 0;
		}
		out->i = x;
		return 1;
	}
	case LL_PARAM_STR:
	case LL_PARAM_PATH:
		return 1;
	}
	return 0;
}

/* How many numbers a REALS value has (0 if it does not parse). */
static size_t count_reals(const char *v)
{
	size_t n = 1;
	for (; *v; v++)
		n += *v == ',';
	return n;
}

static void value_clear(ll_value *v)
{
	ll_free(v->text);
	ll_free(v->reals);
	memset(v, 0, sizeof *v);
}

/* Validate text against d and make it the value of *v; on failure *v is
 * unchanged.  Returns LL_OK, LL_EINVAL (why in msg) or LL_ENOMEM. */
static int value_set(ll_value *v, const ll_param_def *d, const char *text, char *msg, size_t n)
{
	ll_value nv;
	memset(&nv, 0, sizeof nv);
	size_t cap = d->type == LL_PARAM_REALS ? count_reals(text) : 0;
	if (cap && !(nv.reals = ll_malloc_array(cap, sizeof(double)))) {
		snprintf(msg, n, "out of memory");
		return LL_ENOMEM;
	}
	if (!parse_value(d, text, &nv, cap, msg, n)) {
		ll_free(nv.reals);
		return LL_EINVAL;
	}
	if (!(nv.text = ll_strdup(text))) {
		ll_free(nv.reals);
		snprintf(msg, n, "out of memory");
		return LL_ENOMEM;
	}
	nv.parsed = 1;
	value_clear(v);
	*v = nv;
	return LL_OK;
}

/* ----------------------------------------------------------- parameters */

static const ll_param_def *param_def(ll_step_kind k, int i)
{
	return &ll_step_def_of(k)->params[i];
}

int ll_step_param_index(ll_step_kind k, const char *key)
{
	const ll_step_def *d = ll_step_def_of(k);
	for (size_t i = 0; d && key && i < d->nparams; i++)
		if (!strcmp(d->params[i].key, key))
			return (int)i;
	return -1;
}

/* A lookup the code got wrong: fail loudly, never read a silent 0. */
static void bad_lookup(ll_step_kind k, const char *key, const char *why)
{
	fprintf(stderr, "latentlab: internal error: [%s] %s: %s\n", ll_step_name(k), key ? key : "(null)", why);
	abort();
}

/* The parameter's index, checked against the type the caller expects
 * (-1: any type). */
static int lookup(ll_step_kind k, const char *key, int type)
{
	int i = ll_step_param_index(k, key);
	if (i < 0)
		bad_lookup(k, key, "no such parameter in the step's table");
	if (type >= 0 && (int)param_def(k, i)->type != type &&
	    !(type == LL_PARAM_INT && param_def(k, i)->type == LL_PARAM_AUTO_INT))
		bad_lookup(k, key, "read with the wrong type");
	return i;
}

/* The parsed value of parameter i: the stored one, or the default parsed
 * into *tmp (whose reals point at buf[cap]). */
static const ll_value *value_of(const ll_session *s, ll_step_kind k, int i, ll_value *tmp,
				double *buf, size_t cap)
{
	const ll_value *v = &s->values[k][i];
	if (v->parsed)
		return v;
	char msg[256];
	memset(tmp, 0, sizeof *tmp);
	tmp->reals = buf;
	if (!parse_value(param_def(k, i), param_def(k, i)->def, tmp, cap, msg, sizeof msg))
		bad_lookup(k, param_def(k, i)->key, "its default does not parse");
	return tmp;
}

const char *ll_session_get(const ll_session *s, ll_step_kind k, const char *key)
{
	int i = lookup(k, key, -1);
	return s->values[k][i].text ? s->values[k][i].text : param_def(k, i)->def;
}

long ll_session_get_int(const ll_session *s, ll_step_kind k, const char *key)
{
	ll_value tmp;
	return value_of(s, k, lookup(k, key, LL_PARAM_INT), &tmp, NULL, 0)->i;
}

double ll_session_get_real(const ll_session *s, ll_step_kind k, const char *key)
{
	ll_value tmp;
	return value_of(s, k, lookup(k, key, LL_PARAM_REAL), &tmp, NULL, 0)->r;
}

int ll_session_get_enum(const ll_session *s, ll_step_kind k, const char *key)
{
	ll_value tmp;
	return (int)value_of(s, k, lookup(k, key, LL_PARAM_ENUM), &tmp, NULL, 0)->i;
}

int ll_session_is(const ll_session *s, ll_step_kind k, const char *key, const char *choice)
{
	int i = lookup(k, key, LL_PARAM_ENUM);
	int want = choice_index(param_def(k, i), choice);
	if (want < 0)
		bad_lookup(k, key, "asked about a value that is not one of its choices");
	return ll_session_get_enum(s, k, key) == want;
}

void ll_session_get_range(const ll_session *s, ll_step_kind k, const char *key, long *lo, long *hi)
{
	ll_value tmp;
	const ll_value *v = value_of(s, k, lookup(k, key, LL_PARAM_RANGE), &tmp, NULL, 0);
	*lo = v->i;
	*hi = v->hi;
}

size_t ll_session_get_reals(const ll_session *s, ll_step_kind k, const char *key, double *out,
			    size_t n)
{
	ll_value tmp;
	double buf[16];
	int i = lookup(k, key, LL_PARAM_REALS);
	const ll_value *v = value_of(s, k, i, &tmp, buf, sizeof buf / sizeof buf[0]);
	for (size_t j = 0; j < v->nreals && j < n; j++)
		out[j] = v->reals[j];
	return v->nreals;
}

/* ------------------------------------------------------------- lifetime */

void ll_session_init(ll_session *s)
{
	memset(s, 0, sizeof *s);
}

void ll_session_free(ll_session *s)
{
	ll_session_reset(s, LL_STEP_ALL);
	for (int k = 0; k < LL_NSTEPS; k++)
		for (int i = 0; i < LL_SESSION_MAX_PARAMS; i++)
			value_clear(&s->values[k][i]);
	ll_free(s->path);
	ll_free(s->text);
	ll_free(s->file_text);
	memset(s, 0, sizeof *s);
}

/* --------------------------------------------------------------- parsing */

/* Parsing state. */
struct parse_ctx {
	ll_session *s;
	int last;           /* last section seen (order check) */
	char msg[LL_ERRMSG_MAX];
	int failed;
	int code;           /* LL_EINVAL, or LL_ENOMEM */
};

/* A [section] header: known, in pipeline order, at most once. */
static int on_section(struct parse_ctx *c, const char *section)
{
	int k = ll_step_by_name(section);
	if (k < 0) {
		char names[256];
		snprintf(c->msg, sizeof c->msg, "unknown section [%s] (expected %s)", section,
			 ll_step_names(names, sizeof names));
		return 0;
	}
	if (c->s->state[k] != LL_STATE_ABSENT) {
		snprintf(c->msg, sizeof c->msg, "step [%s] appears twice", section);
		return 0;
	}
	if (k < c->last) {
		snprintf(c->msg, sizeof c->msg, "step [%s] is out of order: it must come before [%s]",
			 section, ll_step_name((ll_step_kind)c->last));
		return 0;
	}
	c->last = k;
	c->s->state[k] = LL_STATE_PENDING;
	return 1;
}

/* One key = value in [section]. */
static int on_key(struct parse_ctx *c, const char *section, const char *key, const char *value)
{
	char why[256];

	if (c->failed)
		return 0;
	int k = ll_step_by_name(section);
	int i = k < 0 ? -1 : ll_step_param_index((ll_step_kind)k, key);
	int rc = LL_EINVAL;
	if (k < 0)
		snprintf(c->msg, sizeof c->msg, "'%s' must be inside a [section]", key);
	else if (i < 0)
		snprintf(c->msg, sizeof c->msg, "unknown key '%s' in [%s]", key, section);
	else if (c->s->values[k][i].text)
		snprintf(c->msg, sizeof c->msg, "'%s' is set twice in [%s] (or an indented line continues it)",
			 key, section);
	else if ((rc = value_set(&c->s->values[k][i], param_def((ll_step_kind)k, i), value, why, sizeof why)) ==
		 LL_OK)
		return 1;
	else if (rc == LL_ENOMEM)
		snprintf(c->msg, sizeof c->msg, "out of memory");
	else
		snprintf(c->msg, sizeof c->msg, "[%s] %s", section, why);
	c->failed = 1;
	c->code = rc;
	return 0;
}

/* The INI dialect libinih reads, for lines of any length (libinih cuts a
 * line at its compile-time INI_MAX_LINE, 200 in Debian's build, and reads
 * the rest as a new line).  Blank lines and lines starting with ; or # are
 * comments; " ;" starts a comment inside a line; [name] opens a section;
 * name = value (or name: value) sets a key, both sides trimmed; an
 * indented line after a key continues it (and is refused here as a second
 * value).  A UTF-8 byte-order mark is skipped.  Returns the line of the
 * first problem (its message in c->msg), 0 if none. */
static char *find_chars_or_comment(char *p, const char *chars)
{
	int was_space = 0;
	while (*p && (!chars || !strchr(chars, *p)) && !(was_space && *p == ';')) {
		was_space = isspace((unsigned char)*p);
		p++;
	}
	return p;
}

static char *rstrip(char *p)
{
	char *e = p + strlen(p);
	while (e > p && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return p;
}

static char *lskip(char *p)
{
	while (*p && isspace((unsigned char)*p))
		p++;
	return p;
}

static int parse_ini(struct parse_ctx *c, const char *text)
{
	char *buf = ll_strdup(text), *section = NULL, *prev = NULL;
	int lineno = 0, bad = 0;
	if (!buf) {
		snprintf(c->msg, sizeof c->msg, "out of memory");
		c->code = LL_ENOMEM;
		return 1;
	}
	char *line = buf;
	if (!strncmp(line, "\xEF\xBB\xBF", 3))
		line += 3;
	while (line && !bad) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		char *start = lskip(rstrip(line)), *end;
		if (*start == '\0' || *start == ';' || *start == '#') {
			/* a comment or a blank line */
		} else if (prev && start > line) {
			end = find_chars_or_comment(start, NULL);
			*end = '\0';
			if (!on_key(c, section ? section : "", prev, rstrip(start)))
				bad = lineno;
		} else if (*start == '[') {
			end = find_chars_or_comment(start + 1, "]");
			if (*end != ']') {
				snprintf(c->msg, sizeof c->msg, "bad section header");
				bad = lineno;
			} else {
				*end = '\0';
				section = start + 1;
				prev = NULL;
				if (!on_section(c, section))
					bad = lineno;
			}
		} else {
			end = find_chars_or_comment(start, "=:");
			if (*end != '=' && *end != ':') {
				snprintf(c->msg, sizeof c->msg, "syntax error (expected key = value or [section])");
				bad = lineno;
			} else {
				*end = '\0';
				char *name = rstrip(start), *value = end + 1;
				end = find_chars_or_comment(value, NULL);
				*end = '\0';
				value = rstrip(lskip(value));
				prev = name;
				if (!on_key(c, section ? section : "", name, value))
					bad = lineno;
			}
		}
		line = next;
	}
	ll_free(buf);
	return bad;
}

/* Messages quote the file's text (a tab, a DEL, a carriage return inside
 * a value reach them): keep them one line. */
static void one_line(char *msg)
{
	for (char *q = msg; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
}

/* path: the session file, set before the checks so that they resolve
 * relative paths against its folder as the steps will (NULL: none) */
static int load_text_at(ll_session *s, const char *text, const char *name, const char *path,
			ll_err *err)
{
	struct parse_ctx c = {s, 0, "", 0, LL_EINVAL};
	int line;

	ll_session_init(s);
	if (path && !(s->path = ll_strdup(path)))
		return ll_err_oom(err);
	if ((line = parse_ini(&c, text)) != 0) {
		one_line(c.msg);
		ll_err_set(err, c.code, "%s:%d: %s", name, line, c.msg);
		ll_session_free(s);
		return c.code;
	}
	/* checks across keys, before any step spends time */
	for (int k = 0; k < LL_NSTEPS; k++) {
		const ll_step_def *d = ll_step_def_of((ll_step_kind)k);
		int rc;
		if (d->check && (rc = d->check(s, err)) != LL_OK) {
			one_line(err->msg);
			ll_err_prefix(err, "%s", name);
			ll_session_free(s);
			return rc;
		}
	}
	/* steps every session has, and steps its data implies */
	s->state[LL_STEP_SESSION] = LL_STATE_PENDING;
	for (int k = 0; k < LL_NSTEPS; k++) {
		const ll_step_def *d = ll_step_def_of((ll_step_kind)k);
		if (s->state[k] == LL_STATE_ABSENT && (d->always || (d->implied && d->implied(s))))
			s->state[k] = LL_STATE_PENDING;
	}
	s->text = ll_strdup(text);
	s->file_text = ll_strdup(text);
	if (!s->text || !s->file_text) {
		ll_session_free(s);
		return ll_err_oom(err);
	}
	return LL_OK;
}

int ll_session_load_text(ll_session *s, const char *text, const char *name, ll_err *err)
{
	return load_text_at(s, text, name, NULL, err);
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
	rc = load_text_at(s, buf, path, path, err);
	ll_free(buf);
	return rc;
}

/* ----------------------------------------------------------------- paths */

/* Absolute form of a path value: relative ones are joined to the session
 * file's directory, then to the working directory (malloc'd). */
static char *resolve_path(const ll_session *s, const char *v, int absolute)
{
	if (!*v || v[0] == '/')
		return ll_strdup(v);
	char *base = NULL, *out;
	if (s->path && strchr(s->path, '/')) {
		base = ll_strdup(s->path);
		if (!base)
			return NULL;
		*strrchr(base, '/') = '\0';
		if (!*base)
			strcpy(base, "/");
	}
	char *rel = base ? ll_path_join(base, v) : ll_strdup(v);
	ll_free(base);
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
	int i = lookup(k, key, LL_PARAM_PATH);
	const char *v = s->values[k][i].text ? s->values[k][i].text : param_def(k, i)->def;
	return resolve_path(s, v, 0);
}

/* ---------------------------------------------------------------- saving */

/* The canonical text, in our allocator (open_memstream's buffer is libc's);
 * NULL when out of memory. */
static char *format(const ll_session *s, int copy)
{
	char *buf = NULL, *out = NULL;
	size_t len = 0;
	int ok = 1;
	FILE *fp = open_memstream(&buf, &len);
	if (!fp)
		return NULL;
	fprintf(fp, "# latentlab session\n");
	for (int k = 0; k < LL_NSTEPS && ok; k++) {
		if (s->state[k] == LL_STATE_ABSENT)
			continue;
		const ll_step_def *d = ll_step_def_of((ll_step_kind)k);
		fprintf(fp, "\n[%s]\n", d->name);
		for (size_t i = 0; i < d->nparams && ok; i++) {
			const char *v = s->values[k][i].text;
			if (!v)
				continue;
			if (copy && d->params[i].type == LL_PARAM_PATH && *v && v[0] != '/') {
				char *a = resolve_path(s, v, 1);
				ok = a != NULL;
				fprintf(fp, "%s = %s\n", d->params[i].key, a ? a : v);
				ll_free(a);
			} else {
				fprintf(fp, "%s = %s\n", d->params[i].key, v);
			}
		}
	}
	if (fclose(fp) == 0 && ok && buf)
		out = ll_strdup(buf);
	free(buf); /* libc's, from open_memstream */
	return out;
}

char *ll_session_format(const ll_session *s)
{
	return format(s, 0);
}

char *ll_session_format_copy(const ll_session *s)
{
	return format(s, 1);
}

/* One line of a session text, as parse_ini reads it. */
typedef struct text_line {
	size_t off, len;   /* its bytes in the text, without the '\n' */
	int nl;            /* ends in '\n' */
	int step;          /* the [section] it is in or opens (-1: none) */
	int header;        /* a [section] line */
	int param;         /* a key line: the key's index in the step's table, else -1 */
	int comment;       /* a line starting with ; or # (not blank) */
	size_t voff, vlen; /* a key line: the value (trimmed, before any " ;" comment) */
} text_line;

/* The end of p[0..n) at the first of chars or a " ;" comment (as
 * find_chars_or_comment), as an offset. */
static size_t scan_to(const char *p, size_t i, size_t n, const char *chars)
{
	int was_space = 0;
	while (i < n && (!chars || !strchr(chars, p[i])) && !(was_space && p[i] == ';')) {
		was_space = isspace((unsigned char)p[i]);
		i++;
	}
	return i;
}

/* Split text into lines and classify them; *n lines (malloc'd), NULL when
 * out of memory. */
static text_line *split_lines(const char *text, size_t *n)
{
	size_t cap = 1, len = strlen(text);
	for (const char *q = text; *q; q++)
		cap += *q == '\n';
	text_line *L = ll_calloc(cap, sizeof *L);
	if (!L)
		return NULL;
	size_t nl = 0, pos = 0;
	int step = -1;
	while (pos < len) {
		const char *nlp = memchr(text + pos, '\n', len - pos);
		text_line *t = &L[nl++];
		t->off = pos;
		t->len = nlp ? (size_t)(nlp - (text + pos)) : len - pos;
		t->nl = nlp != NULL;
		t->param = -1;
		pos += t->len + (size_t)t->nl;
		const char *p = text + t->off;
		size_t b = 0, e = t->len;
		if (t->off == 0 && e >= 3 && !strncmp(p, "\xEF\xBB\xBF", 3))
			b = 3;
		while (b < e && isspace((unsigned char)p[b]))
			b++;
		while (e > b && isspace((unsigned char)p[e - 1]))
			e--;
		if (b == e) {
			/* blank */
		} else if (p[b] == ';' || p[b] == '#') {
			t->comment = 1;
		} else if (p[b] == '[') {
			size_t c = scan_to(p, b + 1, e, "]");
			if (c < e) {
				char name[64];
				snprintf(name, sizeof name, "%.*s", (int)(c - b - 1), p + b + 1);
				step = ll_step_by_name(name);
				t->header = 1;
			}
		} else {
			size_t c = scan_to(p, b, e, "=:");
			if (c < e && step >= 0) {
				size_t ke = c;
				while (ke > b && isspace((unsigned char)p[ke - 1]))
					ke--;
				char key[64];
				snprintf(key, sizeof key, "%.*s", (int)(ke - b), p + b);
				t->param = ll_step_param_index((ll_step_kind)step, key);
				size_t v = c + 1;
				while (v < e && isspace((unsigned char)p[v]))
					v++;
				size_t ve = scan_to(p, v, e, NULL);
				while (ve > v && isspace((unsigned char)p[ve - 1]))
					ve--;
				t->voff = v;
				t->vlen = ve - v;
			}
		}
		t->step = step;
	}
	*n = nl;
	return L;
}

/* The text a save writes for [k] key i (malloc'd; NULL: unset, or out of
 * memory with *oom set). */
static char *value_text(const ll_session *s, int k, size_t i, int copy, int *oom)
{
	const char *v = s->values[k][i].text;
	if (!v)
		return NULL;
	char *out = copy && param_def((ll_step_kind)k, (int)i)->type == LL_PARAM_PATH && *v && v[0] != '/'
			    ? resolve_path(s, v, 1)
			    : ll_strdup(v);
	if (!out)
		*oom = 1;
	return out;
}

/* The keys of [k] that are set but not in the text, one line each. */
static void put_new_keys(FILE *fp, const ll_session *s, int k, const unsigned char *seen, int copy, int *oom)
{
	const ll_step_def *d = ll_step_def_of((ll_step_kind)k);
	for (size_t i = 0; i < d->nparams; i++) {
		char *v = seen[i] ? NULL : value_text(s, k, i, copy, oom);
		if (v)
			fprintf(fp, "%s = %s\n", d->params[i].key, v);
		ll_free(v);
	}
}

static int has_new_keys(const ll_session *s, int k, const unsigned char *seen)
{
	const ll_step_def *d = ll_step_def_of((ll_step_kind)k);
	for (size_t i = 0; i < d->nparams; i++)
		if (!seen[i] && s->values[k][i].text)
			return 1;
	return 0;
}

char *ll_session_format_edit(const ll_session *s, const char *base, int copy)
{
	if (!base)
		return format(s, copy);
	size_t n;
	text_line *L = split_lines(base, &n);
	if (!L)
		return NULL;
	/* what the text holds: each key seen, and where each section ends
	 * (its last key line, or its header: new keys go there, above any
	 * comment that introduces the next section) */
	unsigned char seen[LL_NSTEPS][LL_SESSION_MAX_PARAMS];
	long anchor[LL_NSTEPS];
	long first_header = -1;
	memset(seen, 0, sizeof seen);
	for (int k = 0; k < LL_NSTEPS; k++)
		anchor[k] = -1;
	for (size_t j = 0; j < n; j++) {
		if (L[j].step < 0)
			continue;
		if (L[j].header || L[j].param >= 0)
			anchor[L[j].step] = (long)j;
		if (L[j].header && first_header < 0)
			first_header = (long)j;
		if (L[j].param >= 0)
			seen[L[j].step][L[j].param] = 1;
	}
	/* sections to add, in pipeline order: after the nearest earlier
	 * section of the text, or above the first one (and the comment lines
	 * right above it), or at the end of a text without sections */
	long host[LL_NSTEPS];
	long before = first_header;
	while (before > 0 && L[before - 1].comment)
		before--;
	if (before == 0)
		before = first_header; /* the comments opening the file are the file's */
	for (int k = 0; k < LL_NSTEPS; k++) {
		host[k] = LONG_MIN; /* not added */
		if (anchor[k] >= 0 || s->state[k] == LL_STATE_ABSENT || !has_new_keys(s, k, seen[k]))
			continue;
		host[k] = -1; /* above the first section */
		for (int j = k - 1; j >= 0; j--)
			if (anchor[j] >= 0) {
				host[k] = anchor[j];
				break;
			}
		if (host[k] == -1 && first_header < 0)
			host[k] = (long)n - 1; /* at the end (-1 for an empty text) */
	}

	char *buf = NULL, *out = NULL;
	size_t blen = 0;
	int oom = 0;
	FILE *fp = open_memstream(&buf, &blen);
	if (!fp) {
		ll_free(L);
		return NULL;
	}
	if (n == 0)
		for (int k = 0; k < LL_NSTEPS; k++)
			if (host[k] == -1) {
				fprintf(fp, "%s[%s]\n", ftell(fp) ? "\n" : "", ll_step_name((ll_step_kind)k));
				put_new_keys(fp, s, k, seen[k], copy, &oom);
			}
	for (size_t j = 0; j < n; j++) {
		const text_line *t = &L[j];
		if (first_header >= 0 && (long)j == before)
			for (int k = 0; k < LL_NSTEPS; k++)
				if (host[k] == -1) {
					fprintf(fp, "[%s]\n", ll_step_name((ll_step_kind)k));
					put_new_keys(fp, s, k, seen[k], copy, &oom);
					fputc('\n', fp);
				}
		/* the line, with its value replaced when it changed */
		char *v = t->param >= 0 ? value_text(s, t->step, (size_t)t->param, copy, &oom) : NULL;
		if (v && (strlen(v) != t->vlen || memcmp(v, base + t->off + t->voff, t->vlen) != 0)) {
			fwrite(base + t->off, 1, t->voff, fp);
			fputs(v, fp);
			fwrite(base + t->off + t->voff + t->vlen, 1, t->len - t->voff - t->vlen, fp);
		} else {
			fwrite(base + t->off, 1, t->len, fp);
		}
		ll_free(v);
		/* what goes after it */
		int k0 = t->step, after = 0;
		if (k0 >= 0 && anchor[k0] == (long)j && has_new_keys(s, k0, seen[k0]))
			after = 1;
		for (int k = 0; k < LL_NSTEPS; k++)
			after |= host[k] == (long)j;
		if (t->nl || after)
			fputc('\n', fp); /* a last line without one gets it only when text follows */
		if (k0 >= 0 && anchor[k0] == (long)j)
			put_new_keys(fp, s, k0, seen[k0], copy, &oom);
		for (int k = 0; k < LL_NSTEPS; k++)
			if (host[k] == (long)j) {
				fprintf(fp, "\n[%s]\n", ll_step_name((ll_step_kind)k));
				put_new_keys(fp, s, k, seen[k], copy, &oom);
			}
	}
	if (fclose(fp) == 0 && !oom && buf)
		out = ll_strdup(buf);
	free(buf); /* libc's, from open_memstream */
	ll_free(L);
	return out;
}

/* Write text to path (temp + rename). */
static int write_text(const char *path, const char *text, ll_err *err)
{
	ll_afile af;
	int rc = ll_afile_open(&af, path, err);
	if (rc == LL_OK) {
		fputs(text, af.fp);
		rc = ll_afile_commit(&af, err);
	}
	return rc;
}

int ll_session_save(ll_session *s, const char *path, ll_err *err)
{
	/* saved elsewhere, relative paths would now point elsewhere too */
	int moved = !s->path || strcmp(path, s->path) != 0;
	char *text = ll_session_format_edit(s, s->file_text, moved);
	if (!text)
		return ll_err_oom(err);
	int rc = write_text(path, text, err);
	if (rc == LL_OK) {
		char *t2 = ll_strdup(text);
		ll_free(s->text);
		s->text = t2 ? t2 : text; /* the report quotes it */
		if (t2) {
			ll_free(s->file_text);
			s->file_text = text;
		}
		s->dirty = 0;
	} else {
		ll_free(text);
	}
	return rc;
}

int ll_session_save_copy(const ll_session *s, const char *path, ll_err *err)
{
	char *text = ll_session_format_edit(s, s->file_text, 1);
	if (!text)
		return ll_err_oom(err);
	int rc = write_text(path, text, err);
	ll_free(text);
	return rc;
}

/* --------------------------------------------------------------- editing */

int ll_session_set(ll_session *s, ll_step_kind k, const char *key, const char *value, ll_err *err)
{
	char why[256];
	if ((unsigned)k >= LL_NSTEPS)
		return ll_err_set(err, LL_EINVAL, "no such step");
	int i = ll_step_param_index(k, key);
	if (i < 0)
		return ll_err_set(err, LL_EINVAL, "unknown key '%s' in [%s]", key, ll_step_name(k));
	ll_value nv;
	memset(&nv, 0, sizeof nv);
	int rc = value_set(&nv, param_def(k, i), value, why, sizeof why);
	value_clear(&nv);
	if (rc == LL_EINVAL)
		return ll_err_set(err, LL_EINVAL, "[%s] %s", ll_step_name(k), why);
	if (rc != LL_OK)
		return ll_err_set(err, rc, "%s", why);
	if (s->state[k] == LL_STATE_ABSENT)
		return ll_err_set(err, LL_EINVAL, "[%s] is not a step of this session (add the section to the file)",
				  ll_step_name(k));
	if (!strcmp(ll_session_get(s, k, key), value))
		return LL_OK; /* the same value: nothing to redo */
	ll_value old = s->values[k][i];
	memset(&s->values[k][i], 0, sizeof s->values[k][i]);
	if ((rc = value_set(&s->values[k][i], param_def(k, i), value, why, sizeof why)) != LL_OK) {
		s->values[k][i] = old;
		return ll_err_set(err, rc, "%s", why);
	}
	/* the checks across keys a file gets when it is read, now, rather
	 * than when a step fails on them after minutes of work */
	for (int j = 0; j < LL_NSTEPS; j++) {
		const ll_step_def *d = ll_step_def_of((ll_step_kind)j);
		if (d->check && (rc = d->check(s, err)) != LL_OK) {
			if (err)
				one_line(err->msg);
			value_clear(&s->values[k][i]);
			s->values[k][i] = old;
			return rc;
		}
	}
	/* the results go aside with the values they were computed with */
	ll_value nw = s->values[k][i];
	s->values[k][i] = old;
	ll_session_shelve(s, ll_session_stale(k, key));
	s->values[k][i] = nw;
	value_clear(&old);
	s->dirty = 1;
	ll_session_restore(s);
	return LL_OK;
}

unsigned ll_session_stale(ll_step_kind k, const char *key)
{
	const ll_step_def *d = ll_step_def_of(k);
	if (!d)
		return 0;
	return d->stale ? d->stale(key) : LL_STEP_BIT(k);
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
