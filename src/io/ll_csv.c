/*
 * CSV input: the long (neuron,time,trial,value) and matrix layouts
 * described in ll_csv.h.  The whole file is read into memory and parsed
 * line by line; index texts are interned in a small hash table so that a
 * long file costs one pass plus one scatter into the tensor.  The text,
 * the rows kept while reading and the tensor are each checked against
 * the input limit (base/ll_limits.h) before they are allocated.
 */
#include "io/ll_csv.h"
#include "base/ll_limits.h"
#include "io/ll_src.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NOPE ((size_t)-1)

void ll_csv_opts_default(ll_csv_opts *o)
{
	memset(o, 0, sizeof *o);
}

void ll_csv_data_free(ll_csv_data *d)
{
	if (!d)
		return;
	ll_tensor_free(&d->X);
	for (int m = 0; m < 3; m++) {
		for (size_t i = 0; d->names[m] && d->names[m][i]; i++)
			ll_free(d->names[m][i]);
		ll_free(d->names[m]);
	}
	ll_free(d->labels);
	for (size_t i = 0; i < d->nlabel_names; i++)
		ll_free(d->label_names[i]);
	ll_free(d->label_names);
	memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------- string interning */

typedef struct strtab {
	char **s;      /* strings in order of first appearance (owned) */
	size_t n, cap;
	size_t *slot;  /* open addressing: index into s, or NOPE */
	size_t nslot;  /* power of two */
} strtab;

static void strtab_free(strtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		ll_free(t->s[i]);
	ll_free(t->s);
	ll_free(t->slot);
	memset(t, 0, sizeof *t);
}

static size_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)h;
}

static int strtab_grow(strtab *t)
{
	size_t ns = t->nslot ? t->nslot * 2 : 64;
	size_t *slot = ll_malloc_array(ns, sizeof(size_t));
	if (!slot)
		return LL_ENOMEM;
	for (size_t i = 0; i < ns; i++)
		slot[i] = NOPE;
	for (size_t i = 0; i < t->n; i++) {
		size_t h = hash_str(t->s[i]) & (ns - 1);
		while (slot[h] != NOPE)
			h = (h + 1) & (ns - 1);
		slot[h] = i;
	}
	ll_free(t->slot);
	t->slot = slot;
	t->nslot = ns;
	return LL_OK;
}

/* The id of s (new ids in order of first appearance), or NOPE if out of
 * memory. */
static size_t strtab_intern(strtab *t, const char *s)
{
	if (2 * (t->n + 1) > t->nslot && strtab_grow(t) != LL_OK)
		return NOPE;
	size_t h = hash_str(s) & (t->nslot - 1);
	while (t->slot[h] != NOPE) {
		if (!strcmp(t->s[t->slot[h]], s))
			return t->slot[h];
		h = (h + 1) & (t->nslot - 1);
	}
	if (t->n == t->cap) {
		size_t nc = t->cap ? 2 * t->cap : 16;
		char **ns = ll_mul_ok(nc, sizeof *ns, &(size_t){0}) ? ll_realloc(t->s, nc * sizeof *ns) : NULL;
		if (!ns)
			return NOPE;
		t->s = ns;
		t->cap = nc;
	}
	char *copy = ll_strdup(s);
	if (!copy)
		return NOPE;
	t->s[t->n] = copy;
	t->slot[h] = t->n;
	return t->n++;
}

/* --------------------------------------------------------- line splitting */

typedef struct reader {
	const char *name;   /* for messages */
	size_t limit;       /* the input limit */
	const char *buf;
	size_t len, pos;
	size_t line;        /* number of the line last returned (1-based) */
	char delim;         /* ',', '\t', ';' or ' ' (runs of blanks) */
	char *scratch;      /* unquoted fields of the current line */
	size_t scap;
	char **f;           /* fields of the current line (into scratch) */
	size_t nf, fcap;
} reader;

static void reader_free(reader *r)
{
	ll_free(r->scratch);
	ll_free(r->f);
}

/* Next non-blank, non-comment line into [*s, *s + *n); 0 at end. */
static int next_line(reader *r, const char **s, size_t *n)
{
	while (r->pos < r->len) {
		const char *a = r->buf + r->pos;
		const char *nl = memchr(a, '\n', r->len - r->pos);
		size_t l = nl ? (size_t)(nl - a) : r->len - r->pos;
		r->pos += l + (nl ? 1 : 0);
		r->line++;
		if (l > 0 && a[l - 1] == '\r')
			l--;
		size_t i = 0;
		while (i < l && (a[i] == ' ' || a[i] == '\t'))
			i++;
		if (i == l || a[i] == '#')
			continue;
		*s = a;
		*n = l;
		return 1;
	}
	return 0;
}

static char sniff(const char *s, size_t n)
{
	size_t tabs = 0, commas = 0, semis = 0;
	int q = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			q = !q;
		else if (!q && s[i] == '\t')
			tabs++;
		else if (!q && s[i] == ',')
			commas++;
		else if (!q && s[i] == ';')
			semis++;
	}
	return tabs ? '\t' : commas ? ',' : semis ? ';' : ' ';
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Skip blanks from i; in whitespace mode they all separate fields, else a
 * tab delimiter is not a blank. */
static size_t skip_blanks(const reader *r, const char *s, size_t n, size_t i)
{
	while (i < n && is_blank(s[i]) && (r->delim == ' ' || s[i] != r->delim))
		i++;
	return i;
}

/* A character of the input as a message shows it (control characters as
 * '?', see ll_quote). */
static char shown(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f ? '?' : c;
}

/* Split a line into r->f (trimmed, unquoted). */
static int split(reader *r, const char *s, size_t n, ll_err *err)
{
	int ws = r->delim == ' ';

	if (n + 1 > r->scap) {
		char *ns = ll_realloc(r->scratch, n + 1);
		if (!ns)
			return ll_err_set(err, LL_ENOMEM, "%s:%zu: out of memory", r->name, r->line);
		r->scratch = ns;
		r->scap = n + 1;
	}
	char *out = r->scratch;
	size_t i = 0;
	r->nf = 0;
	for (;;) {
		i = skip_blanks(r, s, n, i);
		if (ws && i == n)
			break;
		if (r->nf == r->fcap) {
			size_t nc = r->fcap ? 2 * r->fcap : 16;
			char **nf = ll_realloc(r->f, nc * sizeof *nf);
			if (!nf)
				return ll_err_set(err, LL_ENOMEM, "%s:%zu: out of memory", r->name, r->line);
			r->f = nf;
			r->fcap = nc;
		}
		char *start = out;
		r->f[r->nf++] = start;
		if (i < n && s[i] == '"') {
			for (i++;; i++) {
				if (i == n)
					return ll_err_set(err, LL_EFORMAT, "%s:%zu: unterminated quote", r->name,
							  r->line);
				if (s[i] == '"') {
					if (i + 1 < n && s[i + 1] == '"')
						i++; /* "" is a literal quote */
					else
						break;
				}
				*out++ = s[i];
			}
			/* then only blanks up to the delimiter; in whitespace mode
			 * the blanks are the delimiter, so at least one must come
			 * before another field */
			i++;
			if (ws) {
				if (i < n && !is_blank(s[i]))
					return ll_err_set(err, LL_EFORMAT, "%s:%zu: unexpected '%c' after a closing quote",
							  r->name, r->line, shown(s[i]));
			} else {
				i = skip_blanks(r, s, n, i);
				if (i < n && s[i] != r->delim)
					return ll_err_set(err, LL_EFORMAT, "%s:%zu: unexpected '%c' after a closing quote",
							  r->name, r->line, shown(s[i]));
			}
		} else {
			while (i < n && !(ws ? is_blank(s[i]) : s[i] == r->delim))
				*out++ = s[i++];
			while (out > start && is_blank(out[-1]))
				out--;
		}
		*out++ = '\0';
		if (i == n)
			break;
		if (!ws)
			i++; /* the delimiter; in whitespace mode the loop skips it */
	}
	return LL_OK;
}

/* ------------------------------------------------------------------ cells */

static int is_missing(const char *s)
{
	return !*s || !strcasecmp(s, "nan") || !strcasecmp(s, "na") || !strcasecmp(s, "n/a");
}

/* A finite number filling the whole of s. */
static int parse_num(const char *s, double *v)
{
	char *end;
	if (!*s)
		return 0;
	errno = 0;
	*v = strtod(s, &end);
	return *end == '\0' && end != s && isfinite(*v);
}

static int parse_value(reader *r, const char *s, double *v, ll_err *err)
{
	if (is_missing(s)) {
		*v = NAN;
		return LL_OK;
	}
	if (parse_num(s, v))
		return LL_OK;
	char *end, q[41];
	double x = strtod(s, &end);
	if (*end == '\0' && end != s && !isfinite(x))
		return ll_err_set(err, LL_EFORMAT, "%s:%zu: '%s' is not a finite number", r->name,
				  r->line, ll_quote(s, q, sizeof q));
	return ll_err_set(err, LL_EFORMAT, "%s:%zu: '%s' is not a number", r->name, r->line, ll_quote(s, q, sizeof q));
}

/* --------------------------------------------------------------- matrix */

/* Data lines left from where r is (r is left where it was). */
static size_t count_lines(reader *r)
{
	size_t pos = r->pos, line = r->line, k = 0, n;
	const char *s;
	while (next_line(r, &s, &n))
		k++;
	r->pos = pos;
	r->line = line;
	return k;
}

static int read_matrix(reader *r, const char *first, size_t flen, ll_csv_data *d, ll_err *err)
{
	size_t ncols, nrows, row = 0;
	const char *s = first;
	size_t n = flen;
	int rc;

	if ((rc = split(r, s, n, err)) != LL_OK)
		return rc;
	ncols = r->nf;
	int header = 0;
	for (size_t j = 0; j < r->nf; j++) {
		double x;
		if (!is_missing(r->f[j]) && !parse_num(r->f[j], &x))
			header = 1;
	}
	if (header) {
		d->names[1] = ll_calloc_array(ncols + 1, sizeof(char *));
		if (!d->names[1])
			return ll_err_set(err, LL_ENOMEM, "%s: out of memory", r->name);
		for (size_t j = 0; j < ncols; j++)
			if (!(d->names[1][j] = ll_strdup(r->f[j])))
				return ll_err_set(err, LL_ENOMEM, "%s: out of memory", r->name);
	}
	/* the table's size is known before anything is allocated for it */
	nrows = count_lines(r) + !header;
	if (nrows == 0)
		return ll_err_set(err, LL_EFORMAT, "%s: no data rows", r->name);
	size_t dim[2] = {nrows, ncols};
	if ((rc = ll_array_limit(r->name, 2, dim, sizeof(double), "float64", 0, r->limit, err)) != LL_OK)
		return rc;
	if ((rc = ll_tensor_init(&d->X, 2, dim, err)) != LL_OK) {
		ll_err_prefix(err, "%s", r->name);
		return rc;
	}
	for (int have = !header; have || next_line(r, &s, &n); have = 0) {
		if (!have && (rc = split(r, s, n, err)) != LL_OK)
			return rc;
		if (r->nf != ncols)
			return ll_err_set(err, LL_EFORMAT, "%s:%zu: expected %zu fields, got %zu", r->name,
					  r->line, ncols, r->nf);
		double *v = d->X.data + row * ncols;
		for (size_t j = 0; j < ncols; j++) {
			if ((rc = parse_value(r, r->f[j], &v[j], err)) != LL_OK)
				return rc;
			d->n_missing += isnan(v[j]) ? 1 : 0;
		}
		row++;
	}
	d->n_rows = nrows;
	d->layout = LL_CSV_MATRIX;
	return LL_OK;
}

/* ----------------------------------------------------------------- long */

typedef struct row {
	size_t id[3];  /* interned index texts */
	size_t cond;   /* interned condition text, NOPE if blank/absent */
	size_t line;
	double v;
} row;

typedef struct numkey {
	double v;
	size_t id;
} numkey;

static int cmp_numkey(const void *a, const void *b)
{
	const numkey *x = a, *y = b;
	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

/* Map the ids of one index column to tensor indices (see ll_csv.h) and
 * record each index's text; returns the mode size, or 0 (out of memory). */
static size_t index_map(strtab *t, size_t *map, char ***names)
{
	numkey *k = ll_malloc_array(t->n, sizeof *k);
	size_t nidx = 0;
	int numeric = 1;

	if (!k)
		return 0;
	for (size_t i = 0; i < t->n && numeric; i++) {
		k[i].id = i;
		numeric = parse_num(t->s[i], &k[i].v);
	}
	if (numeric) {
		qsort(k, t->n, sizeof *k, cmp_numkey);
		for (size_t i = 0; i < t->n; i++) {
			if (i > 0 && k[i].v != k[i - 1].v)
				nidx++;
			map[k[i].id] = nidx;
		}
		nidx++;
	} else {
		for (size_t i = 0; i < t->n; i++)
			map[i] = i;
		nidx = t->n;
	}
	ll_free(k);
	char **nm = ll_calloc_array(nidx + 1, sizeof(char *));
	if (!nm)
		return 0;
	/* the text of an index: its first appearance (the lowest id) */
	for (size_t i = t->n; i-- > 0;) {
		ll_free(nm[map[i]]);
		if (!(nm[map[i]] = ll_strdup(t->s[i]))) {
			/* filled from the end: free them all, not up to the
			 * first NULL as ll_csv_data_free would */
			for (size_t j = 0; j < nidx; j++)
				ll_free(nm[j]);
			ll_free(nm);
			return 0;
		}
	}
	*names = nm;
	return nidx;
}

static int find_col(const reader *r, const char *want, size_t *col, int required,
		    ll_err *err)
{
	*col = NOPE;
	for (size_t j = 0; j < r->nf; j++) {
		if (strcasecmp(r->f[j], want))
			continue;
		if (*col != NOPE)
			return ll_err_set(err, LL_EFORMAT, "%s:%zu: column '%s' appears twice in the header",
					  r->name, r->line, want);
		*col = j;
	}
	if (*col == NOPE && required)
		return ll_err_set(err, LL_EFORMAT, "%s:%zu: no '%s' column in the header", r->name,
				  r->line, want);
	return LL_OK;
}

/* The cell of the tensor row w gives. */
static size_t cell_of(const row *w, size_t *const map[3], const size_t dim[3])
{
	return (map[0][w->id[0]] * dim[1] + map[1][w->id[1]]) * dim[2] + map[2][w->id[2]];
}

/* The long layout's tensor, neurons x times x trials, against the limit. */
static int implied_limit(const reader *r, const size_t dim[3], ll_err *err)
{
	size_t cells, bytes;
	char sz[32];
	double b = 8.0 * (double)dim[0] * (double)dim[1] * (double)dim[2];

	if (ll_mul_ok(dim[0], dim[1], &cells) && ll_mul_ok(cells, dim[2], &cells) &&
	    ll_mul_ok(cells, sizeof(double), &bytes) && bytes <= r->limit)
		return LL_OK;
	ll_bytes_text(b, sz, sizeof sz);
	return ll_err_limit(err, r->limit,
			    "%s: the rows imply a %zu x %zu x %zu (neurons x times x trials) float64 tensor = %s decoded",
			    r->name, dim[0], dim[1], dim[2], sz);
}

static int read_long(reader *r, const char *s, size_t n, const ll_csv_opts *o,
		     ll_csv_data *d, ll_err *err)
{
	static const char *const mode_word[3] = {"neuron", "time", "trial"};
	const char *want[5] = {o->col_neuron ? o->col_neuron : "neuron",
			       o->col_time ? o->col_time : "time",
			       o->col_trial ? o->col_trial : "trial",
			       o->col_value ? o->col_value : "value",
			       o->col_condition ? o->col_condition : "condition"};
	size_t col[5], nfields, nrows = 0, cap = 0, dim[3];
	strtab tab[3], ctab;
	row *rows = NULL;
	size_t *map[3] = {NULL, NULL, NULL}, *tline = NULL, *tcond = NULL;
	uint64_t *seen = NULL;
	int *cond_label = NULL, rc;

	memset(tab, 0, sizeof tab);
	memset(&ctab, 0, sizeof ctab);
	if ((rc = split(r, s, n, err)) != LL_OK)
		return rc;
	for (int c = 0; c < 5; c++)
		if ((rc = find_col(r, want[c], &col[c], c < 4, err)) != LL_OK)
			return rc;
	nfields = r->nf;

	while (next_line(r, &s, &n)) {
		if ((rc = split(r, s, n, err)) != LL_OK)
			goto out;
		if (r->nf != nfields) {
			rc = ll_err_set(err, LL_EFORMAT, "%s:%zu: expected %zu fields, got %zu", r->name,
					r->line, nfields, r->nf);
			goto out;
		}
		if (nrows == cap) {
			size_t nc = cap ? 2 * cap : 1024, most = r->limit / sizeof *rows;
			if (nrows >= most) {
				char sz[32];
				ll_bytes_text((double)(nrows + 1) * (double)sizeof *rows, sz, sizeof sz);
				rc = ll_err_limit(err, r->limit, "%s:%zu: %zu rows take %s while reading", r->name,
						  r->line, nrows + 1, sz);
				goto out;
			}
			if (nc > most)
				nc = most;
			row *nr = ll_malloc_array(nc, sizeof *nr);
			if (!nr) {
				rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory at line %zu", r->name, r->line);
				goto out;
			}
			if (nrows)
				memcpy(nr, rows, nrows * sizeof *nr);
			ll_free(rows);
			rows = nr;
			cap = nc;
		}
		row *w = &rows[nrows];
		w->line = r->line;
		for (int m = 0; m < 3; m++) {
			const char *f = r->f[col[m]];
			if (!*f) {
				rc = ll_err_set(err, LL_EFORMAT, "%s:%zu: empty %s cell", r->name, r->line,
						want[m]);
				goto out;
			}
			if ((w->id[m] = strtab_intern(&tab[m], f)) == NOPE) {
				rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory at line %zu", r->name, r->line);
				goto out;
			}
		}
		if ((rc = parse_value(r, r->f[col[3]], &w->v, err)) != LL_OK)
			goto out;
		w->cond = NOPE;
		if (col[4] != NOPE && *r->f[col[4]] &&
		    (w->cond = strtab_intern(&ctab, r->f[col[4]])) == NOPE) {
			rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory at line %zu", r->name, r->line);
			goto out;
		}
		nrows++;
	}
	if (nrows == 0) {
		rc = ll_err_set(err, LL_EFORMAT, "%s: no data rows", r->name);
		goto out;
	}

	for (int m = 0; m < 3; m++) {
		map[m] = ll_malloc_array(tab[m].n, sizeof(size_t));
		if (!map[m] || (dim[m] = index_map(&tab[m], map[m], &d->names[m])) == 0) {
			rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory", r->name);
			goto out;
		}
	}
	/* the tensor the rows imply, before allocating it: a few rows with
	 * distinct indices each can imply a huge one */
	if ((rc = implied_limit(r, dim, err)) != LL_OK)
		goto out;
	if ((rc = ll_tensor_init(&d->X, 3, dim, err)) != LL_OK) {
		ll_err_prefix(err, "%s", r->name);
		goto out;
	}
	/* one bit per cell: given by a row yet? */
	seen = ll_calloc_array(d->X.size / 64 + 1, sizeof(uint64_t));
	if (!seen) {
		rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory for %zu entries", r->name, d->X.size);
		goto out;
	}
	for (size_t i = 0; i < d->X.size; i++)
		d->X.data[i] = NAN;
	for (size_t i = 0; i < nrows; i++) {
		size_t cell = cell_of(&rows[i], map, dim);
		if (seen[cell / 64] >> (cell % 64) & 1) {
			size_t first = 0;
			while (cell_of(&rows[first], map, dim) != cell)
				first++;
			char q[3][41];
			rc = ll_err_set(err, LL_EFORMAT,
					"%s:%zu: duplicate entry %s '%s', %s '%s', %s '%s' (first on line %zu)",
					r->name, rows[i].line, mode_word[0], ll_quote(tab[0].s[rows[i].id[0]], q[0], 41),
					mode_word[1], ll_quote(tab[1].s[rows[i].id[1]], q[1], 41), mode_word[2],
					ll_quote(tab[2].s[rows[i].id[2]], q[2], 41), rows[first].line);
			goto out;
		}
		seen[cell / 64] |= UINT64_C(1) << (cell % 64);
		d->X.data[cell] = rows[i].v;
	}
	for (size_t i = 0; i < d->X.size; i++)
		d->n_missing += isnan(d->X.data[i]) ? 1 : 0;

	if (col[4] != NOPE) {
		/* condition texts -> labels: integers as they are, else numbered */
		size_t K = dim[2];
		int ints = 1;
		cond_label = ll_malloc_array(ctab.n ? ctab.n : 1, sizeof(int));
		d->labels = ll_malloc_array(K, sizeof(int));
		tline = ll_calloc_array(K, sizeof(size_t));
		tcond = ll_malloc_array(K, sizeof(size_t));
		if (!cond_label || !d->labels || !tline || !tcond) {
			rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory", r->name);
			goto out;
		}
		for (size_t i = 0; i < ctab.n && ints; i++) {
			double v;
			ints = parse_num(ctab.s[i], &v) && v == floor(v) && fabs(v) <= (double)INT_MAX;
			cond_label[i] = ints ? (int)v : 0;
		}
		if (!ints) {
			for (size_t i = 0; i < ctab.n; i++)
				cond_label[i] = (int)i;
			d->label_names = ll_calloc_array(ctab.n, sizeof(char *));
			if (!d->label_names) {
				rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory", r->name);
				goto out;
			}
			for (size_t i = 0; i < ctab.n; i++, d->nlabel_names++)
				if (!(d->label_names[i] = ll_strdup(ctab.s[i]))) {
					rc = ll_err_set(err, LL_ENOMEM, "%s: out of memory", r->name);
					goto out;
				}
		}
		/* the first condition id per trial */
		for (size_t k = 0; k < K; k++)
			tcond[k] = NOPE;
		for (size_t i = 0; i < nrows; i++) {
			size_t k = map[2][rows[i].id[2]], cid = rows[i].cond;
			if (cid == NOPE)
				continue;
			if (tcond[k] == NOPE) {
				tcond[k] = cid;
				tline[k] = rows[i].line;
				d->labels[k] = cond_label[cid];
			} else if (cond_label[tcond[k]] != cond_label[cid]) {
				char q[3][41];
				rc = ll_err_set(err, LL_EFORMAT, "%s:%zu: trial '%s' has condition '%s' but line %zu gave '%s'",
						r->name, rows[i].line, ll_quote(tab[2].s[rows[i].id[2]], q[0], 41),
						ll_quote(ctab.s[cid], q[1], 41), tline[k], ll_quote(ctab.s[tcond[k]], q[2], 41));
				goto out;
			}
		}
		for (size_t k = 0; k < K; k++)
			if (tcond[k] == NOPE) {
				char q[41];
				rc = ll_err_set(err, LL_EFORMAT, "%s: trial '%s' has no condition", r->name,
						ll_quote(d->names[2][k], q, sizeof q));
				goto out;
			}
		d->nlabels = K;
	}
	d->n_rows = nrows;
	d->layout = LL_CSV_LONG;
out:
	for (int m = 0; m < 3; m++) {
		strtab_free(&tab[m]);
		ll_free(map[m]);
	}
	strtab_free(&ctab);
	ll_free(rows);
	ll_free(seen);
	ll_free(tline);
	ll_free(tcond);
	ll_free(cond_label);
	return rc;
}

/* ------------------------------------------------------------------ entry */

static int parse(const char *buf, size_t len, const char *name, const ll_csv_opts *o,
		 size_t limit, ll_csv_data *d, ll_err *err)
{
	ll_csv_opts def;
	reader r;
	const char *s, *nul;
	size_t n;
	int rc;

	if (!o) {
		ll_csv_opts_default(&def);
		o = &def;
	}
	if (len > limit) {
		char sz[32];
		ll_bytes_text((double)len, sz, sizeof sz);
		return ll_err_limit(err, limit, "%s: the text is %s", name, sz);
	}
	if ((nul = memchr(buf, '\0', len)) != NULL) {
		size_t line = 1;
		for (const char *c = buf; c < nul; c++)
			line += *c == '\n';
		return ll_err_set(err, LL_EFORMAT, "%s:%zu: a NUL byte (not a text file)", name, line);
	}
	memset(&r, 0, sizeof r);
	r.name = name;
	r.limit = limit;
	r.buf = buf;
	r.len = len;
	if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
		r.pos = 3;
	if (!next_line(&r, &s, &n))
		return ll_err_set(err, LL_EFORMAT, "%s: no data (empty file)", name);
	r.delim = o->delim ? o->delim : sniff(s, n);
	ll_csv_layout lay = o->layout;
	if (lay == LL_CSV_AUTO) {
		if ((rc = split(&r, s, n, err)) != LL_OK)
			goto out;
		const char *nc = o->col_neuron ? o->col_neuron : "neuron";
		const char *vc = o->col_value ? o->col_value : "value";
		lay = LL_CSV_MATRIX;
		for (size_t j = 0; j < r.nf; j++)
			if (!strcasecmp(r.f[j], nc) || !strcasecmp(r.f[j], vc))
				lay = LL_CSV_LONG;
	}
	if (lay == LL_CSV_LONG)
		rc = read_long(&r, s, n, o, d, err);
	else if (lay == LL_CSV_MATRIX)
		rc = read_matrix(&r, s, n, d, err);
	else
		rc = ll_err_set(err, LL_EINVAL, "%s: unknown layout %d", name, (int)lay);
out:
	reader_free(&r);
	return rc;
}

int ll_csv_read_mem(const void *buf, size_t len, const char *name, const ll_csv_opts *o,
		    ll_csv_data *d, ll_err *err)
{
	memset(d, 0, sizeof *d);
	if (!buf && len)
		return ll_err_set(err, LL_EINVAL, "csv: no text");
	int rc = parse(buf ? buf : "", len, name ? name : "csv", o, ll_input_limit(), d, err);
	if (rc != LL_OK)
		ll_csv_data_free(d);
	return rc;
}

int ll_csv_read_text(const char *text, const char *name, const ll_csv_opts *o,
		     ll_csv_data *d, ll_err *err)
{
	memset(d, 0, sizeof *d);
	if (!text)
		return ll_err_set(err, LL_EINVAL, "csv: no text");
	return ll_csv_read_mem(text, strlen(text), name, o, d, err);
}

int ll_csv_read(const char *path, const ll_csv_opts *o, ll_csv_data *d, ll_err *err)
{
	unsigned char *buf;
	size_t len, limit = ll_input_limit();
	FILE *fp;
	ll_src src;
	int rc;

	memset(d, 0, sizeof *d);
	if (!path)
		return ll_err_set(err, LL_EINVAL, "csv: no file name");
	if (!(fp = fopen(path, "rb")))
		return ll_err_set(err, LL_EIO, "%s: cannot open: %s", path, strerror(errno));
	ll_src_file(&src, fp, path);
	rc = ll_src_slurp(&src, limit, "the text", &buf, &len, err);
	fclose(fp);
	if (rc != LL_OK)
		return rc;
	rc = parse((const char *)buf, len, path, o, limit, d, err);
	ll_free(buf);
	if (rc != LL_OK)
		ll_csv_data_free(d);
	return rc;
}
