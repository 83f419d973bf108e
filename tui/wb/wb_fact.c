/*
 * wb_fact.c - the Factors screen: the TCA components of one fit (default:
 * the best fit at the chosen rank), one row per component with its weight
 * (lambda, fixed decimals for the fit) and one sparkline per mode, and
 * under each row, when there is room (else for the selected row), what it
 * loads on (ll_tca_loads_text, the report's words).  Modes are drawn by
 * kind as the report draws them (ll_mode_kind_plot): bars for units, a
 * line for time, dots for trials, models and classes; a labelled trial or
 * class mode's sparkline is grouped by label, its cells in the label's
 * colour (the report's palette, base/ll_palette.h).  Every sparkline of a
 * mode shares that mode's range, so rows compare; zero is always inside
 * it.  Enter zooms the selected component to a full-width braille plot of
 * one mode (a pixel mode of a square image, as [tensor] of = input makes,
 * as the image in dithered braille dots), y from 0, class tick labels and
 * a legend of the labels.  b pins the fit shown beside the table: then
 * [ ] { } pick another rank or replicate for the left, the right keeps the
 * pinned one, its components matched to the left's (ll_kt_similarity).
 * Replicates are numbered from 0 (0 = the best fit), as the report's seed
 * table and the rep_NN folders.  Nothing is computed but the drawing.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/ll_spark.h"
#include "base/ll_palette.h"
#include "tensor/ll_loads.h"
#include "pipeline/steps/step_connectome.h"
#include "pipeline/steps/step_tca.h"
#include "pipeline/steps/step_tensor.h"
#include "wb/wb.h"

#define MAX_ROWS 256 /* components listed */

typedef struct wb_fact {
	size_t rank_i;  /* index into s->res.tca->ens.ranks */
	size_t rep;     /* replicate (0 = best) */
	int sel, top;   /* selected row / first row shown */
	int sorted;     /* rows by weight instead of component order */
	int zoom;       /* one factor full width: sub-mode ZOOMED */
	int zmode;      /* the zoomed mode */
	int valid;      /* the selection belongs to the results now shown */
	unsigned gen;   /* results generation the selection belongs to */
	int beside;     /* a pinned fit is shown beside the current one */
	size_t pin_rank_i, pin_rep; /* the pinned fit */
	ll_canvas canvas;
	ll_canvas_text text;
} wb_fact;

static wb_fact *fact_state(const wb *w)
{
	return w->state[WB_SCR_fact];
}

/* Sub-modes: the factor table, one factor zoomed. */
enum { TABLE, ZOOMED };

enum {
	A_ZOOM = WB_A_SCREEN, A_RANK_PREV, A_RANK_NEXT, A_REP_PREV, A_REP_NEXT, A_SORT,
	A_MODE_PREV, A_MODE_NEXT, A_BESIDE
};

/* canvas colour of the plain (unlabelled) factor drawing */
#define PLAIN_COLOR 255

static const ll_ens_rank *cur_rank(wb *w)
{
	wb_fact *f = fact_state(w);
	ll_session *s = w->s;
	if (!wb_results_ready(w, LL_STEP_TCA) || !s->res.tca || !s->res.tensor || s->res.tca->ens.nranks == 0) {
		f->valid = 0;
		f->zoom = 0;
		return NULL;
	}
	if (!f->valid || f->gen != w->gen) {
		f->rank_i = 0;
		for (size_t i = 0; i < s->res.tca->ens.nranks; i++)
			if (s->res.tca->ens.ranks[i].rank == s->res.tca->chosen_rank)
				f->rank_i = i;
		f->rep = 0;
		f->sel = f->top = 0;
		f->zoom = 0;
		f->beside = 0;
		f->valid = 1;
		f->gen = w->gen;
	}
	const ll_ens_rank *r = &s->res.tca->ens.ranks[f->rank_i];
	if (f->rep >= r->nrep)
		f->rep = r->nrep ? r->nrep - 1 : 0;
	return r;
}

/* The connectome summary of the fit shown, when there is one: the
 * connectome step reads the chosen rank's best fit only. */
static const ll_conn_summary *conn_shown(wb *w, const ll_ens_rank *r)
{
	const ll_session *s = w->s;
	if (!r || !wb_results_ready(w, LL_STEP_CONNECTOME) || !s->res.connectome || !s->res.tca ||
	    fact_state(w)->rep != 0 || r->rank != s->res.tca->chosen_rank || s->res.connectome->sum.rank != r->rank)
		return NULL;
	return &s->res.connectome->sum;
}

/* "community of 8 (0 4 12 ...), windows 8-14, congruence 1.000" into buf */
static void conn_text(const ll_conn_summary *m, size_t c, char *buf, size_t n)
{
	const ll_conn_comp *cc = &m->comp[c];
	size_t l = 0;
	int k = snprintf(buf, n, "community of %zu (", cc->nmembers);
	l = k > 0 && (size_t)k < n ? (size_t)k : 0;
	size_t shown = 0;
	for (size_t i = 0; i < m->neurons && l + 24 < n && shown < 24; i++)
		if (cc->loading[i] > m->threshold) {
			k = snprintf(buf + l, n - l, "%s%zu", shown ? " " : "", i);
			l += k > 0 ? (size_t)k : 0;
			shown++;
		}
	if (l + 80 > n)
		return;
	k = snprintf(buf + l, n - l, "%s), windows ", shown < cc->nmembers ? " ..." : "");
	l += k > 0 ? (size_t)k : 0;
	/* runs of active windows */
	size_t runs = 0;
	for (size_t wi = 0; wi < m->windows && l + 40 < n; wi++) {
		if (!cc->active[wi] || (wi > 0 && cc->active[wi - 1]))
			continue;
		size_t e = wi;
		while (e + 1 < m->windows && cc->active[e + 1])
			e++;
		k = e > wi ? snprintf(buf + l, n - l, "%s%zu-%zu", runs ? "," : "", wi, e)
			   : snprintf(buf + l, n - l, "%s%zu", runs ? "," : "", wi);
		l += k > 0 ? (size_t)k : 0;
		runs++;
	}
	snprintf(buf + l, n - l, "%s, congruence %.3f%s", runs ? "" : "none", cc->congruence,
		 cc->congruence >= LL_CONN_CONGRUENCE_OK ? "" : " (< 0.9!)");
}

/* Display order of the components: as fitted, or by weight. */
static size_t order(const wb *w, const ll_ktensor *K, size_t *ord)
{
	size_t n = K->rank < MAX_ROWS ? K->rank : MAX_ROWS;
	for (size_t i = 0; i < n; i++)
		ord[i] = i;
	if (fact_state(w)->sorted) /* insertion sort, largest weight first; stable */
		for (size_t i = 1; i < n; i++) {
			size_t v = ord[i], j = i;
			while (j > 0 && K->lambda[ord[j - 1]] < K->lambda[v]) {
				ord[j] = ord[j - 1];
				j--;
			}
			ord[j] = v;
		}
	return n;
}

static void column(const ll_ktensor *K, int n, size_t c, double *out)
{
	for (size_t i = 0; i < K->dim[n]; i++)
		out[i] = K->U[n][i * K->rank + c];
}

static void mode_range(const ll_ktensor *K, int n, double *lo, double *hi)
{
	size_t len = K->dim[n] * K->rank;
	*lo = 0;
	*hi = 0;
	for (size_t i = 0; i < len; i++)
		if (isfinite(K->U[n][i])) {
			*lo = fmin(*lo, K->U[n][i]);
			*hi = fmax(*hi, K->U[n][i]);
		}
	if (*hi <= *lo)
		*hi = *lo + 1;
}

/* plain drawing in the sparkline colour; label j in the report's colour j */
static attr_t spark_attr(const wb *w, int color, int level)
{
	(void)level;
	return color == PLAIN_COLOR ? wb_attr(w, LL_ROLE_SPARK) : wb_attr(w, ll_theme_series_role(color));
}

static int categorical(ll_mode_kind k)
{
	return k == LL_MODE_TRIAL || k == LL_MODE_CLASS;
}

/* The labels a mode's drawing colours by (the report's rule: any mode
 * with labels but a time mode), or NULL. */
static const int *mode_labels(const ll_mode_info *mi)
{
	return mi->kind != LL_MODE_TIME ? mi->labels : NULL;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* For each entry of a labelled mode, the place of its label among the
 * distinct labels, sorted (the report's colour index), into col[0..n);
 * returns the number of distinct labels (0: none, or out of memory), and
 * the distinct labels in dl (up to ndl). */
static size_t label_colors(const int *labels, size_t n, int *col, int *dl, size_t ndl)
{
	int *v = ll_malloc_array(n ? n : 1, sizeof *v);
	if (!v)
		return 0;
	memcpy(v, labels, n * sizeof *v);
	qsort(v, n, sizeof *v, cmp_int);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || v[i] != v[k - 1])
			v[k++] = v[i];
	for (size_t i = 0; i < n; i++) {
		size_t lo = 0, hi = k;
		while (hi - lo > 1) {
			size_t mid = (lo + hi) / 2;
			if (v[mid] <= labels[i])
				lo = mid;
			else
				hi = mid;
		}
		col[i] = (int)lo;
	}
	for (size_t j = 0; j < k && j < ndl; j++)
		dl[j] = v[j];
	ll_free(v);
	return k;
}

/* The word for a mode's labels in legends: conditions on trials. */
static const char *label_word(const ll_mode_info *mi)
{
	return !strcmp(mi->name, "trial") ? "condition" : "label";
}

static void draw_empty(wb *w, int y0, int h)
{
	wb_view v;
	wb_view_get(w, &v, NULL);
	char l2[200];
	const char *lines[3] = {"No TCA results yet.", l2, ""};
	if (v.state[LL_STEP_TCA] == LL_STATE_RUNNING)
		snprintf(l2, sizeof l2, "The tca step is running; its components appear here when it is done.");
	else if (v.state[LL_STEP_TCA] == LL_STATE_FAILED)
		snprintf(l2, sizeof l2, "The tca step failed: %.150s", v.status[LL_STEP_TCA]);
	else if (v.state[LL_STEP_TCA] == LL_STATE_ABSENT)
		snprintf(l2, sizeof l2, "This session has no [tca] step.");
	else
		snprintf(l2, sizeof l2, "On the Pipeline screen (1), R runs every step, n the next one.");
	wb_center(w, y0, h, wb_attr(w, LL_ROLE_DEFAULT), lines, 2);
}

/* The side of the square image a pixel mode holds (28 for MNIST), or 0. */
static size_t image_side(const ll_mode_info *mi, size_t dim)
{
	size_t q = (size_t)llround(sqrt((double)dim));
	return !strcmp(mi->name, "pixel") && q >= 2 && q * q == dim ? q : 0;
}

/* v (side x side, row-major) as an image on the canvas: the largest whole
 * number of dots per pixel that fits (dots are about square), centred;
 * brightness by ordered (Bayer 4x4) dithering of (v - lo) / (hi - lo), so
 * the DENSITY canvas mode (NO_COLOR, ASCII) reads as a grey ramp too. */
static void draw_image(ll_canvas *c, const double *v, size_t side, double *lo, double *hi)
{
	static const int bayer[4][4] = {{0, 8, 2, 10}, {12, 4, 14, 6}, {3, 11, 1, 9}, {15, 7, 13, 5}};
	int dw = ll_canvas_dot_w(c), dh = ll_canvas_dot_h(c);
	int sz = dw < dh ? dw : dh;
	if (sz >= (int)side)
		sz = sz / (int)side * (int)side;
	*lo = INFINITY;
	*hi = -INFINITY;
	for (size_t i = 0; i < side * side; i++)
		if (isfinite(v[i])) {
			*lo = fmin(*lo, v[i]);
			*hi = fmax(*hi, v[i]);
		}
	if (!(*hi > *lo))
		return;
	int x0 = (dw - sz) / 2;
	for (int y = 0; y < sz; y++)
		for (int x = 0; x < sz; x++) {
			size_t i = (size_t)y * side / (size_t)sz, j = (size_t)x * side / (size_t)sz;
			double t = (v[i * side + j] - *lo) / (*hi - *lo);
			if (isfinite(t) && t > (bayer[y & 3][x & 3] + 0.5) / 16.0)
				ll_canvas_dot(c, x0 + x, y, 0);
		}
}

/* "C2 loads on: digit 7 (0.91), 9 (0.40); ..." of component c into buf */
static void loads_line(const wb *w, const ll_ktensor *K, size_t c, char *buf, size_t n)
{
	char t[400];
	ll_err err = {0, ""};
	if (ll_tca_loads_text(w->s, K, c, t, sizeof t, &err) != LL_OK)
		snprintf(t, sizeof t, "(%s)", err.msg);
	snprintf(buf, n, "C%zu loads on: %s", c + 1, t);
}

/* A fit's weights with one number of decimals for all (review D16). */
static int weight_decimals(const ll_ktensor *K)
{
	return ll_loads_decimals(K->lambda, K->rank);
}

static void draw_zoom(wb *w, const ll_ens_rank *r, const ll_ktensor *K, size_t comp, int y0, int h)
{
	wb_fact *f = fact_state(w);
	const ll_session *s = w->s;
	int n = f->zmode;
	const ll_mode_info *mi = &s->res.tensor->modes[n];
	const char *mname = mi->name[0] ? mi->name : "mode";
	const char *how = ll_mode_kind_plot(mi->kind);
	char buf[600];
	int lw = 9, cw = w->cols - lw - 1, ch = h - 5;
	if (cw < 4 || ch < 2)
		return;
	if (f->canvas.w != cw || f->canvas.h != ch) {
		ll_canvas_free(&f->canvas);
		if (ll_canvas_init(&f->canvas, cw, ch, w->g->canvas_mode, NULL) != LL_OK)
			return;
	}
	f->canvas.mode = w->g->canvas_mode;
	ll_canvas_clear(&f->canvas);
	size_t dim = K->dim[n];
	double *v = ll_malloc_array(dim ? dim : 1, sizeof *v);
	int *col = ll_malloc_array(dim ? dim : 1, sizeof *col);
	if (!v || !col) {
		ll_free(v);
		ll_free(col);
		return;
	}
	column(K, n, comp, v);
	int dec = weight_decimals(K);
	loads_line(w, K, comp, buf, sizeof buf);
	wb_put(w, y0 + 1, 1, w->cols - 2, wb_attr(w, LL_ROLE_DEFAULT), buf);
	size_t side = image_side(mi, dim);
	if (side) {
		double ilo, ihi;
		draw_image(&f->canvas, v, side, &ilo, &ihi);
		ll_free(v);
		ll_free(col);
		snprintf(buf, sizeof buf, "C%zu  weight %.*f  |  mode %d of %d: %s (%zu) as a %zux%zu image  |  rank %zu, replicate %zu",
			 comp + 1, dec, K->lambda[comp], n + 1, K->nmodes, mname, dim, side, side, r->rank, f->rep);
		wb_put(w, y0, 1, w->cols - 2, wb_attr(w, LL_ROLE_TITLE), buf);
		if (ll_canvas_render(&f->canvas, &f->text, NULL) == LL_OK)
			wb_draw_canvas(&f->text, y0 + 2, lw + 1, spark_attr, w);
		snprintf(buf, sizeof buf, cw >= 60 ? "dots: high, blank: low (%.3g to %.3g)   (h/l: mode, j/k: component)"
						   : "%.3g to %.3g", ilo, ihi);
		wb_put(w, y0 + 2 + ch, lw + 1, cw, wb_attr(w, LL_ROLE_AXIS), buf);
		return;
	}
	/* colours by label, as the report's figure */
	int dl[LL_PALETTE_N];
	size_t nd = mode_labels(mi) ? label_colors(mi->labels, dim, col, dl, LL_PALETTE_N) : 0;
	if (!nd)
		for (size_t i = 0; i < dim; i++)
			col[i] = PLAIN_COLOR;
	/* the y range all components of the mode share; it holds 0 */
	double lo, hi;
	mode_range(K, n, &lo, &hi);
	ll_spark_opts o;
	ll_spark_opts_init(&o);
	o.zero_line = 1;
	o.lo = lo;
	o.hi = hi;
	ll_spark_range rg = {lo, hi, 0};
	int dw = ll_canvas_dot_w(&f->canvas), dh = ll_canvas_dot_h(&f->canvas);
	if (mi->kind == LL_MODE_TIME) {
		o.agg = LL_SPARK_MEAN;
		ll_spark_plot(&f->canvas, v, dim, PLAIN_COLOR, &o, &rg, NULL);
	} else if (mi->kind == LL_MODE_UNIT && !nd) {
		o.agg = LL_SPARK_MAX;
		ll_spark_bars(&f->canvas, v, dim, PLAIN_COLOR, &o, &rg, NULL);
	} else {
		/* one dot (units: a bar) per entry, at the middle of its share of
		 * the width, in its label's colour; 2x2 dots when there is room */
		int big = dim && (size_t)dw / dim >= 4, wide = dim && (size_t)dw / dim >= 2;
		int y_zero = (int)lround((dh - 1) * (hi - 0.0) / (hi - lo));
		for (size_t i = 0; i < dim; i++) {
			if (!isfinite(v[i]))
				continue;
			int x = (int)(((double)i + 0.5) * dw / (double)dim);
			int y = (int)lround((dh - 1) * (hi - v[i]) / (hi - lo));
			if (mi->kind == LL_MODE_UNIT) {
				ll_canvas_line(&f->canvas, x, y_zero, x, y, col[i]);
				continue;
			}
			ll_canvas_dot(&f->canvas, x, y, col[i]);
			if (wide)
				ll_canvas_dot(&f->canvas, x + 1, y, col[i]);
			if (big) {
				ll_canvas_dot(&f->canvas, x + 1, y, col[i]);
				ll_canvas_dot(&f->canvas, x, y + (y + 1 < dh ? 1 : -1), col[i]);
				ll_canvas_dot(&f->canvas, x + 1, y + (y + 1 < dh ? 1 : -1), col[i]);
			}
		}
		/* the zero line, dotted, as the plot's */
		if (lo < 0 && hi > 0)
			for (int x = 0; x < dw; x += 4)
				if (!ll_canvas_get(&f->canvas, x, y_zero))
					ll_canvas_dot(&f->canvas, x, y_zero, PLAIN_COLOR);
	}
	snprintf(buf, sizeof buf, "C%zu  weight %.*f  |  mode %d of %d: %s (%zu, %s)  |  rank %zu, replicate %zu",
		 comp + 1, dec, K->lambda[comp], n + 1, K->nmodes, mname, dim, how, r->rank, f->rep);
	wb_put(w, y0, 1, w->cols - 2, wb_attr(w, LL_ROLE_TITLE), buf);
	if (ll_canvas_render(&f->canvas, &f->text, NULL) == LL_OK)
		wb_draw_canvas(&f->text, y0 + 2, lw + 1, spark_attr, w);
	attr_t ax = wb_attr(w, LL_ROLE_AXIS);
	snprintf(buf, sizeof buf, "%8.3g", rg.hi);
	wb_put(w, y0 + 2, 0, lw, ax, buf);
	snprintf(buf, sizeof buf, "%8.3g", rg.lo);
	wb_put(w, y0 + 1 + ch, 0, lw, ax, buf);
	for (int y = 0; y < ch; y++)
		wb_put(w, y0 + 2 + y, lw, 1, ax, w->g->vline);
	/* x axis: a tick label under every entry of a categorical mode when
	 * they fit (0 ... 9 for digits), else the first and last index */
	int ya = y0 + 2 + ch;
	int ticks = categorical(mi->kind) && dim > 0;
	char tl[32];
	snprintf(tl, sizeof tl, "%zu", dim ? dim - 1 : 0);
	if (ticks && (size_t)cw / dim < strlen(tl) + 1)
		ticks = 0;
	if (ticks) {
		for (size_t i = 0; i < dim; i++) {
			int x = (int)(((double)i + 0.5) * dw / (double)dim) / 2;
			snprintf(tl, sizeof tl, "%zu", i);
			wb_put(w, ya, lw + 1 + x, (int)strlen(tl), nd ? spark_attr(w, col[i], 0) : ax, tl);
		}
	} else {
		wb_put(w, ya, lw + 1, cw, ax, "0");
		wb_put(w, ya, w->cols - 1 - (int)strlen(tl), (int)strlen(tl), ax, tl);
	}
	/* the mode's name on the axis row (between the end labels), then the
	 * labels' legend on the last line */
	int legend = nd >= 2 && nd <= LL_PALETTE_N;
	if (!ticks) {
		snprintf(buf, sizeof buf, cw >= 60 && !legend ? "%s index   (h/l: mode, j/k: component)" : "%s index",
			 mname);
		int bl = (int)strlen(buf);
		wb_put(w, ya, lw + 1 + (cw - bl) / 2 > lw + 3 ? lw + 1 + (cw - bl) / 2 : lw + 3, cw - 8, ax, buf);
	}
	int x = lw + 1, yl = ya + 1;
	if (ticks) {
		x += wb_put(w, yl, x, w->cols - 1 - x, ax, mname);
		x += 3;
	}
	for (size_t j = 0; legend && j < nd && x < w->cols - 4; j++) {
		x += wb_put(w, yl, x, w->cols - 1 - x, spark_attr(w, (int)j, 0), w->g->bullet);
		snprintf(buf, sizeof buf, " %s %d   ", label_word(mi), dl[j]);
		x += wb_put(w, yl, x, w->cols - 1 - x, ax, buf);
	}
	if ((ticks || legend) && cw >= 60)
		wb_put(w, yl, x, w->cols - 1 - x, ax, "(h/l: mode, j/k: component)");
	ll_free(v);
	ll_free(col);
}

/* "warm start; modes 2 (trial) fixed; ridge 10, l1 100 on neuron: penalised
 * objective 0.6755" for a fit with any of these options, into buf; 0 when
 * it had none */
static int fit_options(const ll_session *s, const ll_cp_result *fit, char *buf, size_t n)
{
	const ll_ensemble *e = &s->res.tca->ens;
	const ll_cp_opts *co = &e->opts.cp;
	const struct ll_res_tensor *x = s->res.tensor;
	size_t k = 0;
	buf[0] = '\0';
	if (e->warm_start)
		k += (size_t)snprintf(buf + k, n - k, "warm start");
	for (int m = 0, first = 1; m < x->X.nmodes && k < n; m++)
		if (co->fixed_modes >> m & 1u) {
			k += (size_t)snprintf(buf + k, n - k, "%s%d (%s)", first ? "; fixed: mode " : ", ", m,
					      x->modes[m].name);
			first = 0;
		}
	if ((co->ridge > 0.0 || co->l1 > 0.0) && k < n) {
		k += (size_t)snprintf(buf + k, n - k, "%sridge %g, l1 %g", k ? "; " : "", co->ridge, co->l1);
		for (int m = 0, first = 1; co->l1 > 0.0 && co->l1_modes && m < x->X.nmodes && k < n; m++)
			if (co->l1_modes >> m & 1u) {
				k += (size_t)snprintf(buf + k, n - k, "%s%s", first ? " on " : ", ", x->modes[m].name);
				first = 0;
			}
		if (k < n)
			snprintf(buf + k, n - k, ": penalised objective %.4f", fit->obj_pen);
	}
	return buf[0] != '\0';
}

/* Break text into lines of at most width cells at blanks (a word wider
 * than width is cut); the start and byte length of each line into st and
 * len, at most max lines; returns how many. */
static int wrap_lines(const char *text, int width, const char **st, int *len, int max)
{
	int n = 0;
	const char *p = text;
	while (*p && n < max && width > 0) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		const char *brk = NULL, *q = p;
		int cells = 0;
		while (*q && cells < width) {
			if (!wb_utf8_cont((unsigned char)*q))
				cells++;
			q++;
			while (*q && wb_utf8_cont((unsigned char)*q))
				q++;
			if (*q == ' ')
				brk = q;
		}
		const char *e = !*q || *q == ' ' ? q : brk ? brk : q;
		st[n] = p;
		len[n++] = (int)(e - p);
		p = e;
	}
	return n;
}

/* The mode columns' header of a table at x0, W cells wide. */
static void draw_head(wb *w, const ll_ktensor *K, int y, int x0, int W, int pre, int sw)
{
	const ll_session *s = w->s;
	char buf[160];
	attr_t ax = wb_attr(w, LL_ROLE_AXIS);
	wb_put(w, y, x0 + 1, pre - 1, ax, "comp  weight");
	for (int n = 0; n < K->nmodes; n++) {
		const ll_mode_info *mi = &s->res.tensor->modes[n];
		int x = x0 + pre + n * (sw + 1), room = sw < x0 + W - x ? sw : x0 + W - x;
		/* "by condition" goes first when the column is narrow (the
		 * colours say it), "fixed" never */
		for (int by = 1; by >= 0; by--) {
			int b = by && categorical(mi->kind) && mi->labels;
			snprintf(buf, sizeof buf, "%s (%zu)%s%s%s", mi->name[0] ? mi->name : "mode", K->dim[n],
				 b ? " by " : "", b ? label_word(mi) : "",
				 s->res.tca->ens.opts.cp.fixed_modes >> n & 1u ? " fixed" : "");
			if ((int)strlen(buf) <= room)
				break;
		}
		if (x < x0 + W)
			wb_put(w, y, x, sw < x0 + W - x ? sw : x0 + W - x, ax, buf);
	}
}

/* One component's row: "C12  311.1 " and one sparkline per mode, drawn by
 * mode kind; comp SIZE_MAX draws a blank row. */
static void draw_row(wb *w, const ll_ktensor *K, size_t comp, int dec, int y, int x0, int W, int pre, int sw,
		     int sel, const double *lo, const double *hi, double *v, int *col, size_t *ord, char *sp)
{
	const ll_session *s = w->s;
	char buf[160];
	attr_t al = wb_attr(w, sel ? LL_ROLE_SELECTED : LL_ROLE_DEFAULT);
	wb_fill(y, x0, pre, al);
	if (comp == SIZE_MAX) {
		wb_put(w, y, x0, pre, al, sel ? w->g->arrow : " ");
		wb_put(w, y, x0 + 1, pre - 1, wb_attr(w, LL_ROLE_AXIS), "(no match)");
		return;
	}
	snprintf(buf, sizeof buf, "%sC%-3zu%8.*f ", sel ? w->g->arrow : " ", comp + 1, dec, K->lambda[comp]);
	wb_put(w, y, x0, pre, al, buf);
	for (int n = 0; n < K->nmodes; n++) {
		const ll_mode_info *mi = &s->res.tensor->modes[n];
		size_t dim = K->dim[n];
		int x = x0 + pre + n * (sw + 1), cells = sw < x0 + W - x ? sw : x0 + W - x;
		if (cells < 1)
			break;
		column(K, n, comp, v);
		/* labelled trials or classes: entries grouped by label (stable),
		 * each cell in its label's colour, so conditions read apart */
		size_t nd = mode_labels(mi) ? label_colors(mi->labels, dim, col, (int[LL_PALETTE_N]){0}, LL_PALETTE_N) : 0;
		if (nd && categorical(mi->kind)) {
			size_t k = 0;
			for (int j = 0; j < (int)nd; j++)
				for (size_t i = 0; i < dim; i++)
					if (col[i] == j)
						ord[k++] = i;
			double *tmp = v + dim;
			int *tc = col + dim;
			for (size_t i = 0; i < dim; i++) {
				tmp[i] = v[ord[i]];
				tc[i] = col[ord[i]];
			}
			memcpy(v, tmp, dim * sizeof *v);
			memcpy(col, tc, dim * sizeof *col);
		}
		ll_spark_opts o;
		ll_spark_opts_init(&o);
		o.ascii = !w->g->utf8;
		/* units: the largest of a cell shows the unit that loads; the rest the mean */
		o.agg = mi->kind == LL_MODE_UNIT ? LL_SPARK_MAX : LL_SPARK_MEAN;
		o.lo = lo[n];
		o.hi = hi[n];
		int lev[512];
		if (cells > 512)
			cells = 512;
		if (ll_spark(v, dim, cells, &o, sp, ll_spark_bufsize(cells), lev, NULL, NULL) != LL_OK)
			continue;
		for (int c = 0; c < cells; c++) {
			size_t i0 = dim ? (size_t)c * dim / (size_t)cells : 0;
			attr_t a = nd && i0 < dim ? spark_attr(w, col[i0], 0) : wb_attr(w, LL_ROLE_SPARK);
			wb_put(w, y, x + c, 1, a, lev[c] < 0 ? " " : w->g->spark[lev[c]]);
		}
	}
}

static void fact_draw(wb *w, int y0, int h)
{
	wb_fact *f = fact_state(w);
	const ll_ens_rank *r = cur_rank(w);
	if (!r || r->nrep == 0) {
		draw_empty(w, y0, h);
		return;
	}
	const ll_session *s = w->s;
	const ll_cp_result *fit = &r->fits[f->rep];
	const ll_ktensor *K = &fit->K;
	size_t ord[MAX_ROWS];
	size_t nrows = order(w, K, ord);
	if (f->sel >= (int)nrows)
		f->sel = nrows ? (int)nrows - 1 : 0;
	if (f->zoom && nrows) {
		if (f->zmode >= K->nmodes)
			f->zmode = 0;
		draw_zoom(w, r, K, ord[f->sel], y0, h);
		return;
	}
	/* the pinned fit, when shown beside: its components matched to these */
	const ll_ktensor *P = NULL;
	const ll_ens_rank *pr = NULL;
	size_t pmatch[MAX_ROWS];
	double psim = NAN;
	if (f->beside && f->pin_rank_i < s->res.tca->ens.nranks) {
		pr = &s->res.tca->ens.ranks[f->pin_rank_i];
		if (f->pin_rep < pr->nrep && pr->fits[f->pin_rep].K.rank <= MAX_ROWS) {
			P = &pr->fits[f->pin_rep].K;
			size_t perm[MAX_ROWS];
			if (K->rank > MAX_ROWS ||
			    ll_kt_similarity(K, P, s->res.tca->ens.sim, &psim, perm, NULL) != LL_OK)
				for (size_t i = 0; i < K->rank && i < MAX_ROWS; i++)
					perm[i] = i < P->rank ? i : SIZE_MAX;
			for (size_t i = 0; i < nrows; i++)
				pmatch[i] = perm[ord[i]];
		}
	}
	char buf[600];
	ll_ens_stats rs;
	size_t nab = ll_ens_rank_stats(r, &rs, NULL) == LL_OK ? rs.at_best : 0;
	snprintf(buf, sizeof buf, "rank %zu%s (%zu-%zu), %zu/%zu at best  |  replicate %zu of 0-%zu%s  |  error %.4f  similarity %.3f  |  %s",
		 r->rank, r->rank == s->res.tca->chosen_rank ? " chosen" : "", s->res.tca->ens.ranks[0].rank,
		 s->res.tca->ens.ranks[s->res.tca->ens.nranks - 1].rank, nab, r->nrep, f->rep, r->nrep - 1,
		 f->rep == 0 ? " (best)" : ll_ens_at_best(r, f->rep) ? " (at best)" : "",
		 fit->obj, r->sim ? r->sim[f->rep] : NAN, f->sorted ? "by weight" : "by component");
	/* beside: the pinned fit right of the table when each mode keeps a
	 * column of 12 cells there, else (80 columns) below it, full width,
	 * so the mode headers stay readable */
	int pre = 14, M = K->nmodes;
	int side = P && M && ((w->cols - 1) / 2 - pre - 1) / M - 1 >= 12;
	int stacked = P && !side;
	int W = side ? (w->cols - 1) / 2 : w->cols, x1 = side ? W + 1 : 0;
	wb_put(w, y0, 1, W - 2, wb_attr(w, LL_ROLE_TITLE), buf);
	char ptitle[200] = "";
	if (P)
		snprintf(ptitle, sizeof ptitle, "beside (b): rank %zu, replicate %zu, error %.4f, similarity %.3f",
			 pr->rank, f->pin_rep, pr->fits[f->pin_rep].obj, psim);
	if (side) {
		wb_put(w, y0, x1 + 1, w->cols - x1 - 2, wb_attr(w, LL_ROLE_TITLE), ptitle);
		for (int y = y0; y < y0 + h; y++)
			wb_put(w, y, W, 1, wb_attr(w, LL_ROLE_BORDER), w->g->vline);
	}

	/* columns: "C12 " + weight, then one sparkline per mode */
	int sw = M ? (W - pre - 1) / M - 1 : 1;
	if (sw < 1)
		sw = 1;
	draw_head(w, K, y0 + 1, 0, W, pre, sw);
	if (side)
		draw_head(w, P, y0 + 1, x1, w->cols - x1, pre, sw);
	int lh = h - 2;
	/* the options that change what the factors mean, on the last line */
	char opt[240];
	if (fit_options(s, fit, opt, sizeof opt) && lh > 2)
		wb_put(w, y0 + 2 + --lh, 1, w->cols - 2, wb_attr(w, LL_ROLE_AXIS), opt);
	/* why this rank was chosen, whole, wrapped above it: the status line
	 * cuts the sentence that justifies the analysis (review D8) */
	if (s->res.tca->rank_reason[0]) {
		char why[400];
		const char *ls[4];
		int ll[4];
		snprintf(why, sizeof why, "chosen rank %zu: %s", s->res.tca->chosen_rank, s->res.tca->rank_reason);
		int nl = wrap_lines(why, w->cols - 2, ls, ll, 4);
		if (lh - nl >= 3) {
			lh -= nl;
			for (int i = 0; i < nl; i++) {
				char t[400];
				snprintf(t, sizeof t, "%.*s", ll[i], ls[i]);
				wb_put(w, y0 + 2 + lh + i, 1, w->cols - 2, wb_attr(w, LL_ROLE_AXIS), t);
			}
		}
	}
	/* what each component loads on: under each row when they all fit,
	 * else the selected one's on the last line */
	int per = !P && lh >= 2 * (int)nrows ? 2 : 1;
	if (per == 1 && lh > 2) {
		lh--;
		if (nrows) {
			loads_line(w, K, ord[f->sel], buf, sizeof buf);
			wb_put(w, y0 + 2 + lh, 1, w->cols - 2, wb_attr(w, LL_ROLE_DEFAULT), buf);
		}
	}
	/* stacked: the rows share what is left with the pinned fit's title,
	 * header and rows below them */
	int yb = 0;
	if (stacked) {
		lh = lh > 4 ? (lh - 2) / 2 : 1;
		yb = y0 + 2 + lh;
		wb_put(w, yb, 1, w->cols - 2, wb_attr(w, LL_ROLE_TITLE), ptitle);
		draw_head(w, P, yb + 1, 0, W, pre, sw);
	}
	int vis = lh / per;
	if (vis < 1)
		vis = 1;
	if (f->sel < f->top)
		f->top = f->sel;
	if (f->sel >= f->top + vis)
		f->top = f->sel - vis + 1;
	if (f->top < 0)
		f->top = 0;
	size_t maxdim = 1;
	for (int n = 0; n < M; n++)
		maxdim = K->dim[n] > maxdim ? K->dim[n] : maxdim;
	int cells = sw > 512 ? 512 : sw;
	double *v = ll_malloc_array(2 * maxdim, sizeof *v);
	int *col = ll_malloc_array(2 * maxdim, sizeof *col);
	size_t *eo = ll_malloc_array(maxdim, sizeof *eo);
	char *sp = ll_malloc(ll_spark_bufsize(cells));
	if (!v || !col || !eo || !sp) {
		ll_free(v);
		ll_free(col);
		ll_free(eo);
		ll_free(sp);
		return;
	}
	double lo[LL_MAX_MODES], hi[LL_MAX_MODES], plo[LL_MAX_MODES], phi[LL_MAX_MODES];
	for (int n = 0; n < M; n++)
		mode_range(K, n, &lo[n], &hi[n]);
	for (int n = 0; P && n < P->nmodes; n++)
		mode_range(P, n, &plo[n], &phi[n]);
	int dec = weight_decimals(K), pdec = P ? weight_decimals(P) : 0;
	for (int row = 0; row < vis && f->top + row < (int)nrows; row++) {
		size_t c = ord[f->top + row];
		int y = y0 + 2 + row * per, sel = f->top + row == f->sel;
		draw_row(w, K, c, dec, y, 0, W, pre, sw, sel, lo, hi, v, col, eo, sp);
		if (P)
			draw_row(w, P, pmatch[f->top + row], pdec, stacked ? yb + 2 + row : y, x1, w->cols - x1, pre, sw,
				 0, plo, phi, v, col, eo, sp);
		if (per == 2) {
			loads_line(w, K, c, buf, sizeof buf);
			wb_put(w, y + 1, 6, w->cols - 7, wb_attr(w, LL_ROLE_AXIS), buf);
		}
	}
	ll_free(v);
	ll_free(col);
	ll_free(eo);
	ll_free(sp);
}

static void fact_status(wb *w, char *buf, size_t n)
{
	const ll_ens_rank *r = cur_rank(w);
	if (!r) {
		snprintf(buf, n, "no TCA results yet");
		return;
	}
	/* a connectome: the selected component's community says more */
	const ll_conn_summary *cm = conn_shown(w, r);
	if (cm && r->nrep) {
		size_t ord[MAX_ROWS];
		size_t nr = order(w, &r->fits[0].K, ord);
		int sel = fact_state(w)->sel;
		if (sel >= 0 && (size_t)sel < nr && ord[sel] < cm->rank) {
			char t[300];
			conn_text(cm, ord[sel], t, sizeof t);
			snprintf(buf, n, "C%zu: %s", ord[sel] + 1, t);
			return;
		}
	}
	ll_ens_stats st;
	if (ll_ens_rank_stats(r, &st, NULL) != LL_OK) {
		snprintf(buf, n, "rank %zu", r->rank);
		return;
	}
	char cv[64] = "";
	if (w->s->res.tca->ens.cv_folds)
		snprintf(cv, sizeof cv, ", held-out error %.4f", r->cv_test_mean);
	snprintf(buf, n, "rank %zu: %zu fits, %zu at the best optimum, error best %.4f median %.4f%s, mean similarity %.3f  |  chosen rank %zu: %s",
		 r->rank, r->nrep, st.at_best, st.best, st.median, cv, st.mean_sim, w->s->res.tca->chosen_rank,
		 w->s->res.tca->rank_reason);
}

static void no_results(wb *w)
{
	wb_msg(w, 0, "no TCA results yet: run the pipeline first (1, then R)");
}

static int set_rank(wb *w, long rank)
{
	const ll_ens_rank *r = cur_rank(w);
	if (!r) {
		no_results(w);
		return 0;
	}
	for (size_t i = 0; i < w->s->res.tca->ens.nranks; i++)
		if ((long)w->s->res.tca->ens.ranks[i].rank == rank) {
			fact_state(w)->rank_i = i;
			fact_state(w)->rep = 0;
			wb_log(w, "> :rank %ld", rank);
			return 1;
		}
	wb_msg(w, 1, "rank %ld was not fitted (ranks %zu-%zu)", rank, w->s->res.tca->ens.ranks[0].rank,
	       w->s->res.tca->ens.ranks[w->s->res.tca->ens.nranks - 1].rank);
	return 0;
}

static int set_rep(wb *w, long rep)
{
	const ll_ens_rank *r = cur_rank(w);
	if (!r) {
		no_results(w);
		return 0;
	}
	/* numbered from 0, the best fit, as the report and rep_NN folders */
	if (rep < 0 || (size_t)rep >= r->nrep) {
		wb_msg(w, 1, "rank %zu has replicates 0-%zu (0 = the best fit)", r->rank, r->nrep - 1);
		return 0;
	}
	fact_state(w)->rep = (size_t)rep;
	return 1;
}

static void fact_action(wb *w, int act, int arg)
{
	(void)arg;
	wb_fact *f = fact_state(w);
	if (act == WB_A_BACK) {
		f->zoom = 0;
		return;
	}
	const ll_ens_rank *r = cur_rank(w);
	if (!r || r->nrep == 0) {
		no_results(w);
		return;
	}
	const ll_ktensor *K = &r->fits[f->rep].K;
	int nrows = (int)(K->rank < MAX_ROWS ? K->rank : MAX_ROWS);
	int page = (w->rows - 6) / 2 > 1 ? (w->rows - 6) / 2 : 1;
	switch (act) {
	case WB_A_DOWN: f->sel++; break;
	case WB_A_UP: f->sel--; break;
	case WB_A_TOP: f->sel = 0; break;
	case WB_A_BOTTOM: f->sel = nrows - 1; break;
	case WB_A_PGDN: f->sel += page; break;
	case WB_A_PGUP: f->sel -= page; break;
	case A_ZOOM:
		f->zoom = 1;
		f->zmode = 0;
		break;
	case A_MODE_PREV: f->zmode = (f->zmode + K->nmodes - 1) % K->nmodes; break;
	case A_MODE_NEXT: f->zmode = (f->zmode + 1) % K->nmodes; break;
	case A_RANK_PREV:
	case A_RANK_NEXT:
		if (act == A_RANK_PREV && f->rank_i > 0)
			f->rank_i--;
		else if (act == A_RANK_NEXT && f->rank_i + 1 < w->s->res.tca->ens.nranks)
			f->rank_i++;
		else
			wb_msg(w, 0, "no %s rank was fitted", act == A_RANK_PREV ? "lower" : "higher");
		if (f->rep >= w->s->res.tca->ens.ranks[f->rank_i].nrep)
			f->rep = 0;
		break;
	case A_REP_PREV:
		if (f->rep > 0)
			f->rep--;
		else
			wb_msg(w, 0, "replicate 0 is the best fit");
		break;
	case A_REP_NEXT:
		if (f->rep + 1 < r->nrep)
			f->rep++;
		else
			wb_msg(w, 0, "rank %zu has replicates 0-%zu", r->rank, r->nrep - 1);
		break;
	case A_BESIDE:
		f->beside = !f->beside;
		if (f->beside) {
			f->pin_rank_i = f->rank_i;
			f->pin_rep = f->rep;
			f->zoom = 0;
			wb_msg(w, 0, "rank %zu, replicate %zu pinned: [ ] { } pick the other fit; b unpins", r->rank, f->rep);
		} else {
			wb_msg(w, 0, "one fit shown");
		}
		break;
	case A_SORT: {
		/* keep the same component selected */
		size_t ord[MAX_ROWS];
		size_t n = order(w, K, ord);
		size_t c = f->sel >= 0 && (size_t)f->sel < n ? ord[f->sel] : 0;
		f->sorted = !f->sorted;
		n = order(w, K, ord);
		for (size_t i = 0; i < n; i++)
			if (ord[i] == c)
				f->sel = (int)i;
		wb_msg(w, 0, "rows by %s", f->sorted ? "weight" : "component");
		break;
	}
	default: break;
	}
	int nr = (int)(w->s->res.tca->ens.ranks[f->rank_i].rank < MAX_ROWS ? w->s->res.tca->ens.ranks[f->rank_i].rank : MAX_ROWS);
	if (f->sel >= nr)
		f->sel = nr - 1;
	if (f->sel < 0)
		f->sel = 0;
}

static int fact_submode(const wb *w)
{
	return fact_state(w)->zoom ? ZOOMED : TABLE;
}

static void fact_free(void *state)
{
	wb_fact *f = state;
	ll_canvas_free(&f->canvas);
	ll_canvas_text_free(&f->text);
}

static void colon_rank(wb *w, char *args, int force)
{
	long v;
	if (!wb_parse_long(args, &v))
		wb_msg(w, 1, ":rank needs a number");
	else if (set_rank(w, v))
		wb_set_screen(w, WB_SCR_fact);
}

static void colon_replicate(wb *w, char *args, int force)
{
	long v;
	if (!wb_parse_long(args, &v))
		wb_msg(w, 1, ":replicate needs a number");
	else if (set_rep(w, v))
		wb_set_screen(w, WB_SCR_fact);
}

#define T WB_SUB(TABLE)
#define Z WB_SUB(ZOOMED)
static const wb_key fact_keys[] = {
	WB_LIST_KEYS,
	{T, {WB_ENTER_KEYS}, "Enter", A_ZOOM, 0, "zoom", "zoom the component: one mode as a full-width plot"},
	{0, {'['}, "[", A_RANK_PREV, 0, NULL, "lower rank"},
	{0, {']'}, "]", A_RANK_NEXT, 0, "rank", "higher rank"},
	{0, {'{'}, "{", A_REP_PREV, 0, NULL, "previous replicate (better fit; 0 is the best)"},
	{0, {'}'}, "}", A_REP_NEXT, 0, "replicate", "next replicate (worse fit)"},
	{T, {'o'}, "o", A_SORT, 0, "order", "order rows by weight / by component"},
	{T, {'b'}, "b", A_BESIDE, 0, "beside",
	 "pin this fit beside the table (below it when narrow): [ ] { } pick another rank or replicate to compare (b again: off)"},
	{Z, {'h', KEY_LEFT}, "h Left", A_MODE_PREV, 0, NULL, "previous mode"},
	{Z, {'l', KEY_RIGHT}, "l Right", A_MODE_NEXT, 0, "mode", "next mode"},
	{Z, {WB_ENTER_KEYS, 'q', KEY_BACKSPACE}, "Enter q", WB_A_BACK, 0, "back", "back to the factor table (also Esc)"},
};
#undef T
#undef Z

static const wb_cmd fact_cmds[] = {
	{"rank", NULL, "N", "show rank N on the Factors screen", colon_rank, 0, NULL},
	{"replicate", NULL, "N", "show replicate N on the Factors screen (0 = best fit)", colon_replicate, 0, NULL},
};

static const char *const fact_sub_titles[] = {"Factors (zoomed)", NULL};

const wb_screen_def wb_screen_fact = {
	.name = "Factors",
	.tab = "Fact",
	.id = "factors",
	.state_size = sizeof(wb_fact),
	.free = fact_free,
	.draw = fact_draw,
	.action = fact_action,
	.status = fact_status,
	.submode = fact_submode,
	.sub_titles = fact_sub_titles,
	.keys = fact_keys,
	.nkeys = sizeof fact_keys / sizeof fact_keys[0],
	.cmds = fact_cmds,
	.ncmds = sizeof fact_cmds / sizeof fact_cmds[0],
};

int wb_fact_shown(wb *w, size_t *rank, size_t *rep)
{
	const ll_ens_rank *r = cur_rank(w);
	if (!r || r->nrep == 0)
		return 0;
	*rank = r->rank;
	*rep = fact_state(w)->rep < r->nrep ? fact_state(w)->rep : 0;
	return 1;
}
