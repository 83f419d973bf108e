/*
 * wb_compare.c - the Compare screen: how alike the trained models' hidden
 * layers are (s->res.compare, pipeline/steps/step_compare.h).
 *
 * Left: the models x models matrix of one metric at the last snapshot as
 * a heat map (draw/ll_heat.h): half-block cells, two matrix rows per text
 * row, coloured by the theme's heat ramp; with ASCII glyphs or without
 * colour, the heat map's density ramp instead (ll_theme_heat_halfblock).
 * A colour scale under it gives the range, which is that of the pairs
 * (the diagonal, 1 or 0 by definition, clips to an end).  The selected
 * pair (a, b) -- row a, column b -- sits between '[' and ']' and its model
 * numbers label the row and the column; hjkl or the arrows move it one
 * shown cell.
 *
 * Right: the pair panel, i.e. the two models' learning rates, the pair's
 * value for every metric computed (the one shown marked), the tracked
 * metric over training as a sparkline for the pair beside the mean over
 * all pairs on one scale (a model against itself: against its own first
 * snapshot), and each model's score against the population, with its
 * interval and p-value, when there is one.
 * Under it, the MDS map of the models in braille (draw/ll_canvas.h),
 * each model a small shape of dots whose form and colour give its group
 * (learning rate), the pair joined by a line and labelled 'a' and 'b'.
 * With ASCII glyphs a model is its group's character (o + x # ...) instead.
 *
 * The heat map and the MDS map are wb_plot.c's, shared with the DSA
 * screen.  Models are numbered from 0, as in the tensor and the step's
 * files.  Nothing is computed here but the drawing.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw/ll_heat.h"
#include "pipeline/steps/step_compare.h"
#include "wb/wb.h"

#define PANEL_MIN 30     /* the pair panel's narrowest width */
#define MDS_MIN_ROWS 6   /* rows the MDS map needs (title, canvas, legend) */

typedef struct wb_compare {
	int metric;            /* ll_metric shown */
	size_t a, b;           /* the selected pair: row a, column b */
	int started;           /* the selection was set up (on the first results) */
	int valid;             /* the selection was checked against the results shown */
	unsigned gen;
	wb_heatmap heat;
	wb_mdsmap map;         /* the MDS map */
} wb_compare;

static wb_compare *cmp_state(const wb *w)
{
	return w->state[WB_SCR_compare];
}

enum { A_PAIR_LEFT = WB_A_SCREEN, A_PAIR_RIGHT, A_PAIR_UP, A_PAIR_DOWN, A_METRIC_NEXT, A_METRIC_PREV, A_SWAP };

/* Is metric m shown: computed, with its matrix? */
static int has_metric(const struct ll_res_compare *r, int m)
{
	return m >= 0 && m < LL_NMETRICS && (r->metrics & LL_METRIC_BIT(m)) && r->final[m];
}

/* The results, if they can be read now and hold a matrix; the selection
 * kept within them. */
static const struct ll_res_compare *cur(wb *w)
{
	wb_compare *c = cmp_state(w);
	const struct ll_res_compare *r = wb_results_ready(w, LL_STEP_COMPARE) ? w->s->res.compare : NULL;
	int any = 0;
	for (int m = 0; r && m < LL_NMETRICS; m++)
		any |= has_metric(r, m);
	if (!r || r->models == 0 || !any) {
		c->valid = 0;
		c->heat.geom_ok = 0;
		return NULL;
	}
	if (!c->valid || c->gen != w->gen) {
		/* new results: the pair and the metric stay if they still apply */
		if (!c->started) {
			c->metric = -1;
			c->a = 0;
			c->b = 1;
			c->started = 1;
		}
		if (!has_metric(r, c->metric))
			c->metric = has_metric(r, (int)r->track) ? (int)r->track : -1;
		for (int m = 0; m < LL_NMETRICS && c->metric < 0; m++)
			if (has_metric(r, m))
				c->metric = m;
		c->valid = 1;
		c->gen = w->gen;
		c->heat.geom_ok = 0;
	}
	if (c->a >= r->models)
		c->a = r->models - 1;
	if (c->b >= r->models)
		c->b = r->models - 1;
	return r;
}

static double pair_value(const struct ll_res_compare *r, int m, size_t a, size_t b)
{
	return has_metric(r, m) ? r->final[m][a * r->models + b] : NAN;
}

static const char *kind_word(int m)
{
	return ll_metric_kind_of((ll_metric)m) == LL_SIMILARITY ? "similarity" : "distance";
}

static void draw_empty(wb *w, int y0, int h)
{
	wb_draw_no_results(w, y0, h, LL_STEP_COMPARE, "No comparison results yet.", "its matrices",
			   "This session has no [compare] step: add one after [train] to compare the models.");
}

/* ---------------------------------------------------------------- heat map */

static void draw_heat(wb *w, const struct ll_res_compare *r, int y0, int x0, int wd, int h)
{
	wb_compare *c = cmp_state(w);
	char what[128];
	int sim = ll_metric_kind_of((ll_metric)c->metric) == LL_SIMILARITY;
	snprintf(what, sizeof what, "%s, a %s: %s", ll_metric_name((ll_metric)c->metric), kind_word(c->metric),
		 sim ? "1 = the same" : "0 = the same");
	wb_heat_spec sp = {r->final[c->metric], r->models, c->a, c->b, what, kind_word(c->metric)};
	wb_heat_draw(w, &c->heat, &sp, y0, x0, wd, h);
}

/* ---------------------------------------------------------------- pair panel */

static double model_lr(const struct ll_res_compare *r, size_t a)
{
	return r->group && r->group_lr && r->group[a] < r->ngroups ? r->group_lr[r->group[a]] : NAN;
}

/* The pair panel from row y0, at most h rows; returns the rows used. */
static int draw_panel(wb *w, const struct ll_res_compare *r, int y0, int x0, int wd, int h)
{
	wb_compare *c = cmp_state(w);
	size_t a = c->a, b = c->b, S = r->snapshots;
	char buf[200], val[32];
	int y = y0, end = y0 + h;
	attr_t ad = wb_attr(w, LL_ROLE_DEFAULT), ax = wb_attr(w, LL_ROLE_AXIS), at = wb_attr(w, LL_ROLE_TITLE);
	if (a == b)
		snprintf(buf, sizeof buf, "Model %zu with itself", a);
	else
		snprintf(buf, sizeof buf, "Pair: model %zu (row) x model %zu (column)", a, b);
	if (y < end)
		wb_put(w, y++, x0, wd, at, buf);
	if (y < end) {
		double la = model_lr(r, a), lb = model_lr(r, b);
		if (a == b)
			snprintf(buf, sizeof buf, "  learning rate %.4g", la);
		else
			snprintf(buf, sizeof buf, "  learning rates %.4g and %.4g%s", la, lb, la == lb ? " (same group)" : "");
		wb_put(w, y++, x0, wd, ad, buf);
	}
	for (int m = 0; m < LL_NMETRICS && y < end; m++) {
		if (!has_metric(r, m))
			continue;
		int sel = m == c->metric;
		attr_t al = wb_attr(w, sel ? LL_ROLE_SELECTED : LL_ROLE_DEFAULT);
		wb_fmt_value(val, sizeof val, pair_value(r, m, a, b));
		if (sel)
			wb_fill(y, x0, wd, al);
		int x = x0 + wb_put(w, y, x0, wd, al, sel ? w->g->arrow : " ");
		snprintf(buf, sizeof buf, " %-13s %9s", ll_metric_name((ll_metric)m), val);
		x += wb_put(w, y, x, x0 + wd - x, al, buf);
		snprintf(buf, sizeof buf, "  %s", kind_word(m));
		wb_put_fit(w, y++, x, x0 + wd, al, buf);
	}
	/* the tracked metric over training */
	if (r->over && S > 0 && y + 2 < end) {
		const double *v = NULL;
		double *pv = ll_malloc_array(S, sizeof *pv);
		if (!pv)
			return y - y0;
		if (a == b && r->self) {
			v = r->self + a * S;
		} else {
			for (size_t j = 0; j < S; j++)
				pv[j] = ll_res_compare_over(r, a, b, j);
			v = pv;
		}
		double lo = INFINITY, hi = -INFINITY;
		for (size_t j = 0; j < S; j++) {
			if (isfinite(v[j]))
				lo = fmin(lo, v[j]), hi = fmax(hi, v[j]);
			if (r->pair_mean && isfinite(r->pair_mean[j]))
				lo = fmin(lo, r->pair_mean[j]), hi = fmax(hi, r->pair_mean[j]);
		}
		if (!(lo < hi))
			lo = hi = NAN;
		y++;
		snprintf(buf, sizeof buf, "%s over training (steps %d-%d, %zu snapshots)", ll_metric_name(r->track),
			 r->step ? r->step[0] : 0, r->step ? r->step[S - 1] : 0, S);
		wb_put(w, y++, x0, wd, at, buf);
		/* label, sparkline, first and last value (when there is room) */
		int lw = 13, tail = 17, sw = wd - lw - tail;
		if (sw < 8) {
			tail = 0;
			sw = wd - lw;
		}
		if (sw > 60)
			sw = 60;
		char v0[32], v1[32];
		wb_fmt_value(v0, sizeof v0, v[0]);
		wb_fmt_value(v1, sizeof v1, v[S - 1]);
		wb_put(w, y, x0, lw, ad, a == b ? "  vs start" : "  this pair");
		wb_spark_at(w, y, x0 + lw, sw, v, S, lo, hi, -1);
		snprintf(buf, sizeof buf, " %s to %s", v0, v1);
		if (tail)
			wb_put(w, y, x0 + lw + sw, tail, ad, buf);
		y++;
		if (r->pair_mean && y < end) {
			wb_fmt_value(v0, sizeof v0, r->pair_mean[0]);
			wb_fmt_value(v1, sizeof v1, r->pair_mean[S - 1]);
			wb_put(w, y, x0, lw, ax, "  pair mean");
			wb_spark_at(w, y, x0 + lw, sw, r->pair_mean, S, lo, hi, -1);
			snprintf(buf, sizeof buf, " %s to %s", v0, v1);
			if (tail)
				wb_put(w, y, x0 + lw + sw, tail, ax, buf);
			y++;
		}
		if (y < end && isfinite(lo)) {
			snprintf(buf, sizeof buf, "  scale %.3g to %.3g", lo, hi);
			if (r->converged >= 0 && (size_t)r->converged < S && r->step)
				snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "; pairs settle from step %d",
					 r->step[r->converged]);
			wb_put(w, y++, x0, wd, ax, buf);
		}
		ll_free(pv);
	}
	/* against the population: each model's score, interval and p-value */
	if (r->has_population && r->pop.score && y + 2 < end) {
		int m = c->metric;
		y++;
		snprintf(buf, sizeof buf, "vs the population (%zu conditions), %s:", r->pop.n, ll_metric_name((ll_metric)m));
		wb_put(w, y++, x0, wd, at, buf);
		for (int t = 0; t < (a == b ? 1 : 2) && y < end; t++) {
			size_t i = t ? b : a;
			const ll_compare_result *sc = &r->pop.score[i];
			int ok = (sc->metrics & LL_METRIC_BIT(m)) != 0;
			const ll_metric_value *mv = &sc->v[m];
			wb_fmt_value(val, sizeof val, ok ? mv->value : NAN);
			int n = snprintf(buf, sizeof buf, "  model %-3zu %9s", i, val);
			if (ok && isfinite(mv->ci_lo) && isfinite(mv->ci_hi))
				n += snprintf(buf + n, sizeof buf - (size_t)n, "  [%.3f, %.3f]", mv->ci_lo, mv->ci_hi);
			if (ok && isfinite(mv->pvalue))
				snprintf(buf + n, sizeof buf - (size_t)n, "  p %.3g", mv->pvalue);
			else if (!ok && (r->pop.skipped & LL_METRIC_BIT(m)))
				snprintf(buf + n, sizeof buf - (size_t)n, "  (not scored: too few conditions)");
			wb_put(w, y++, x0, wd, ad, buf);
		}
	}
	return y - y0;
}

/* ---------------------------------------------------------------- MDS map */

static void lr_label(const void *ud, size_t g, char *buf, size_t n)
{
	const struct ll_res_compare *r = ud;
	snprintf(buf, n, "lr %.3g", r->group_lr ? r->group_lr[g] : NAN);
}

/* The MDS map in rows [y0, y0 + h), columns [x0, x0 + wd): each model a
 * shape and colour by its learning rate. */
static void draw_mds(wb *w, const struct ll_res_compare *r, int y0, int x0, int wd, int h)
{
	wb_compare *c = cmp_state(w);
	const ll_mds_result *md = &r->mds;
	char title[200], title_short[100];
	if (!md->coords || md->n != r->models || md->k < 1) {
		wb_put(w, y0, x0, wd, wb_attr(w, LL_ROLE_AXIS), "No MDS map in these results.");
		return;
	}
	snprintf(title, sizeof title, "MDS of %s distances (%s, stress %.3f)", ll_metric_name(r->mds_metric),
		 ll_mds_method_name(md->used), md->stress);
	snprintf(title_short, sizeof title_short, "MDS of %s, stress %.3f", ll_metric_name(r->mds_metric), md->stress);
	wb_mds_spec sp = {md->coords, r->models, md->k, r->group, r->ngroups, lr_label, r,
			  title, title_short, c->a, c->b, "model"};
	wb_mds_draw(w, &c->map, &sp, y0, x0, wd, h);
}

/* ---------------------------------------------------------------- screen */

static void cmp_draw(wb *w, int y0, int h)
{
	wb_compare *c = cmp_state(w);
	const struct ll_res_compare *r = cur(w);
	if (!r) {
		draw_empty(w, y0, h);
		return;
	}
	char buf[300], val[32];
	int nm = 0, im = 0;
	for (int m = 0; m < LL_NMETRICS; m++)
		if (has_metric(r, m)) {
			if (m == c->metric)
				im = nm;
			nm++;
		}
	wb_fmt_value(val, sizeof val, pair_value(r, c->metric, c->a, c->b));
	snprintf(buf, sizeof buf, "%s (%d of %d)  |  pair (%zu, %zu) %s  |  %zu models at step %d  |  %zu %s x %zu units",
		 ll_metric_name((ll_metric)c->metric), im + 1, nm, c->a, c->b, val, r->models,
		 r->step && r->snapshots ? r->step[r->snapshots - 1] : 0, r->n,
		 r->conditions == LL_CMP_PROBE ? "probe images" : "digits", r->units);
	wb_put(w, y0, 1, w->cols - 2, wb_attr(w, LL_ROLE_TITLE), buf);
	int bh = h - 1, by = y0 + 1;
	if (bh < 2)
		return;
	/* the heat map takes the width it can use, the pair panel (and under
	 * it the MDS map) the rest, if that is at least PANEL_MIN */
	int lw = wb_heat_split(w, r->models, by, bh, PANEL_MIN);
	draw_heat(w, r, by, 0, lw, bh);
	if (lw >= w->cols)
		return;
	int px = lw + 2, pw = w->cols - px - 1;
	int used = draw_panel(w, r, by, px, pw, bh);
	int my = by + used + 1, mh = by + bh - my;
	if (mh >= MDS_MIN_ROWS && pw >= 20)
		draw_mds(w, r, my, px, pw, mh);
	else if (mh >= 1)
		wb_put_fit(w, my, px, px + pw, wb_attr(w, LL_ROLE_AXIS), "(the MDS map needs a larger terminal)");
}

static void cmp_status(wb *w, char *buf, size_t n)
{
	wb_compare *c = cmp_state(w);
	const struct ll_res_compare *r = cur(w);
	if (!r) {
		wb_view v;
		wb_view_get(w, &v, NULL);
		snprintf(buf, n, v.state[LL_STEP_COMPARE] == LL_STATE_ABSENT ? "this session has no [compare] step"
									   : "no comparison results yet: run the compare step");
		return;
	}
	char val[32];
	wb_fmt_value(val, sizeof val, pair_value(r, c->metric, c->a, c->b));
	double la = model_lr(r, c->a), lb = model_lr(r, c->b);
	snprintf(buf, n, "pair (%zu, %zu): %s %s (%s)  |  learning rates %.4g, %.4g  |  hjkl move, m metric",
		 c->a, c->b, ll_metric_name((ll_metric)c->metric), val, kind_word(c->metric), la, lb);
}

static void no_results(wb *w)
{
	wb_msg(w, 0, "no comparison results yet: run the compare step (1, then R; or :run compare)");
}

static void cycle_metric(wb *w, const struct ll_res_compare *r, int dir)
{
	wb_compare *c = cmp_state(w);
	for (int k = 1; k <= LL_NMETRICS; k++) {
		int m = ((c->metric + dir * k) % LL_NMETRICS + LL_NMETRICS) % LL_NMETRICS;
		if (has_metric(r, m)) {
			if (m == c->metric)
				wb_msg(w, 0, "%s is the only metric computed ([compare] metrics)", ll_metric_name((ll_metric)m));
			c->metric = m;
			return;
		}
	}
}

static void cmp_action(wb *w, int act, int arg)
{
	(void)arg;
	wb_compare *c = cmp_state(w);
	const struct ll_res_compare *r = cur(w);
	if (!r) {
		if (act != WB_A_BACK)
			no_results(w);
		return;
	}
	switch (act) {
	case A_PAIR_LEFT: wb_heat_move(&c->heat, r->models, &c->a, &c->b, 0, -1); break;
	case A_PAIR_RIGHT: wb_heat_move(&c->heat, r->models, &c->a, &c->b, 0, 1); break;
	case A_PAIR_UP: wb_heat_move(&c->heat, r->models, &c->a, &c->b, -1, 0); break;
	case A_PAIR_DOWN: wb_heat_move(&c->heat, r->models, &c->a, &c->b, 1, 0); break;
	case A_METRIC_NEXT: cycle_metric(w, r, 1); break;
	case A_METRIC_PREV: cycle_metric(w, r, -1); break;
	case A_SWAP: {
		size_t t = c->a;
		c->a = c->b;
		c->b = t;
		break;
	}
	default: break;
	}
}

static void cmp_free(void *state)
{
	wb_compare *c = state;
	wb_heatmap_free(&c->heat);
	wb_mdsmap_free(&c->map);
}

static void colon_metric(wb *w, char *args, int force)
{
	(void)force;
	const struct ll_res_compare *r = cur(w);
	if (!r) {
		no_results(w);
		return;
	}
	int m = ll_metric_parse(args);
	if (m < 0 || !has_metric(r, m)) {
		char names[256] = "";
		for (int k = 0; k < LL_NMETRICS; k++)
			if (has_metric(r, k)) {
				size_t l = strlen(names);
				snprintf(names + l, sizeof names - l, "%s%s", l ? ", " : "", ll_metric_name((ll_metric)k));
			}
		wb_msg(w, 1, m < 0 ? ":metric: no metric '%s' (computed: %s)" : ":metric: %s was not computed (computed: %s)",
		       args, names);
		return;
	}
	cmp_state(w)->metric = m;
	wb_log(w, "> :metric %s", ll_metric_name((ll_metric)m));
	wb_set_screen(w, WB_SCR_compare);
}

static void colon_pair(wb *w, char *args, int force)
{
	(void)force;
	const struct ll_res_compare *r = cur(w);
	if (!r) {
		no_results(w);
		return;
	}
	char *sp = args + strcspn(args, " \t,");
	long a, b;
	if (*sp)
		*sp++ = '\0';
	sp += strspn(sp, " \t,");
	if (!wb_parse_long(args, &a) || !wb_parse_long(sp, &b)) {
		wb_msg(w, 1, ":pair needs two model numbers (0-%zu)", r->models - 1);
		return;
	}
	if (a < 0 || b < 0 || (size_t)a >= r->models || (size_t)b >= r->models) {
		wb_msg(w, 1, ":pair: models are numbered 0-%zu", r->models - 1);
		return;
	}
	cmp_state(w)->a = (size_t)a;
	cmp_state(w)->b = (size_t)b;
	wb_log(w, "> :pair %ld %ld", a, b);
	wb_set_screen(w, WB_SCR_compare);
}

static const wb_key cmp_keys[] = {
	{0, {'h', KEY_LEFT}, "h Left", A_PAIR_LEFT, 0, NULL, "previous column: the pair's second model"},
	{0, {'l', KEY_RIGHT}, "l Right", A_PAIR_RIGHT, 0, "pair", "next column: the pair's second model"},
	{0, {'k', KEY_UP}, "k Up", A_PAIR_UP, 0, NULL, "previous row: the pair's first model"},
	{0, {'j', KEY_DOWN}, "j Down", A_PAIR_DOWN, 0, NULL, "next row: the pair's first model"},
	{0, {'m'}, "m", A_METRIC_NEXT, 0, "metric", "next metric (of those computed)"},
	{0, {'M'}, "M", A_METRIC_PREV, 0, NULL, "previous metric"},
	{0, {'t'}, "t", A_SWAP, 0, NULL, "swap the pair's models (transpose)"},
};

static const wb_cmd cmp_cmds[] = {
	{"metric", NULL, "NAME", "show metric NAME on the Compare screen (cka, cca, ...)", colon_metric, 0, NULL},
	{"pair", NULL, "A B", "select models A and B (from 0) on the Compare screen", colon_pair, 0, NULL},
};

const wb_screen_def wb_screen_compare = {
	.name = "Compare",
	.tab = "Cmp",
	.id = "compare",
	.state_size = sizeof(wb_compare),
	.free = cmp_free,
	.draw = cmp_draw,
	.action = cmp_action,
	.status = cmp_status,
	.keys = cmp_keys,
	.nkeys = sizeof cmp_keys / sizeof cmp_keys[0],
	.cmds = cmp_cmds,
	.ncmds = sizeof cmp_cmds / sizeof cmp_cmds[0],
};
