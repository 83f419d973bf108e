/*
 * wb_dsa.c - the DSA screen: how alike the dynamics of a session's systems
 * are (s->res.dsa, pipeline/steps/step_dsa.h): RNN networks or MLP
 * training paths, and a recorded population when the step has one.
 *
 * On top, the matrix shown and the selected pair; under it the step's
 * settings (delays, DMD rank, restarts) and how far its groups separate.
 *
 * Left: the n x n matrix as a heat map (wb_plot.c, as on the Compare
 * screen) with a colour scale over the pairs' range: m switches between
 * the angular DSA distance, the eigenvalue Wasserstein W2^2 and the
 * geometry metric (blank where a pair is not comparable).  The pair
 * (a, b) -- row a, column b -- sits between '[' and ']'; hjkl or the
 * arrows move it, t swaps it.
 *
 * Right: the pair panel -- the two systems' names and groups, the pair's
 * three values (the shown one marked), each system's shape and DMD rank --
 * then both systems' DMD eigenvalues in the complex plane with the unit
 * circle (a's as squares, b's as crosses, each in its group's colour; with
 * ASCII glyphs the letters a and b), then the MDS map of the matrix shown
 * (the step maps DSA and geometry; for W2 the DSA map), one shape and
 * colour per group.
 *
 * Systems are numbered from 0, as in the step's files (systems.csv).
 * Nothing is computed here but the drawing.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/steps/step_dsa.h"
#include "wb/wb.h"

#define PANEL_MIN 44   /* the pair panel's narrowest width */
#define EIG_MIN_ROWS 6 /* rows the eigenvalue plot needs (title, 4 canvas rows, legend) */
#define MDS_MIN_ROWS 6 /* and the MDS map */
#define SHAPE_A 0      /* point shapes of a's and b's eigenvalues: square, cross */
#define SHAPE_B 2

/* The matrices the screen shows, in m's order. */
enum { MAT_DSA, MAT_WASS, MAT_GEOM, NMAT };

typedef struct wb_dsa {
	int mat;           /* MAT_* shown */
	size_t a, b;       /* the selected pair: row a, column b */
	int started;       /* the selection was set up (on the first results) */
	wb_heatmap heat;
	wb_cplane plane;   /* the eigenvalue plot */
	wb_glyph glyph;    /* its legend's shapes */
	wb_mdsmap map;
} wb_dsa;

static wb_dsa *dsa_state(const wb *w)
{
	return w->state[WB_SCR_dsa];
}

enum { A_PAIR_LEFT = WB_A_SCREEN, A_PAIR_RIGHT, A_PAIR_UP, A_PAIR_DOWN, A_MAT_NEXT, A_MAT_PREV, A_SWAP };

/* The results, if they can be read now and hold a matrix; the pair kept
 * within them. */
static const struct ll_res_dsa *cur(wb *w)
{
	wb_dsa *d = dsa_state(w);
	const struct ll_res_dsa *r = wb_results_ready(w, LL_STEP_DSA) ? w->s->res.dsa : NULL;
	if (!r || r->n == 0 || !r->dsa || !r->wass || !r->geometry || !r->name || !r->dmd || !r->trials || !r->T ||
	    !r->units) {
		d->heat.geom_ok = 0;
		return NULL;
	}
	if (!d->started) {
		d->a = 0;
		d->b = 1;
		d->started = 1;
	}
	if (d->a >= r->n)
		d->a = r->n - 1;
	if (d->b >= r->n)
		d->b = r->n - 1;
	return r;
}

static const double *matrix(const struct ll_res_dsa *r, int m)
{
	return m == MAT_WASS ? r->wass : m == MAT_GEOM ? r->geometry : r->dsa;
}

/* The matrix's short name: "DSA angular", "eigenvalue W2^2", "geometry (cka)". */
static void mat_name(const struct ll_res_dsa *r, int m, char *buf, size_t n)
{
	if (m == MAT_GEOM)
		snprintf(buf, n, "geometry (%s)", ll_metric_name(r->geometry_metric));
	else
		snprintf(buf, n, "%s", m == MAT_WASS ? "eigenvalue W2^2" : "DSA angular");
}

static double pair_value(const struct ll_res_dsa *r, int m, size_t a, size_t b)
{
	return ll_res_dsa_at(r, matrix(r, m), a, b);
}

static const char *group_of(const struct ll_res_dsa *r, size_t i)
{
	return r->group && r->group_name && r->group[i] < r->ngroups ? r->group_name[r->group[i]] : "?";
}

static size_t group_index(const struct ll_res_dsa *r, size_t i)
{
	return r->group && r->group[i] < r->ngroups ? r->group[i] : 0;
}

static void draw_empty(wb *w, int y0, int h)
{
	wb_draw_no_results(w, y0, h, LL_STEP_DSA, "No DSA results.", "its matrices",
			   "This session has no [dsa] step: add a [dsa] step (after [rnn] or [train]) to compare the "
			   "dynamics of its networks.");
}

/* ---------------------------------------------------------------- heat map */

static void draw_heat(wb *w, const struct ll_res_dsa *r, int y0, int x0, int wd, int h)
{
	wb_dsa *d = dsa_state(w);
	char what[160], name[64];
	mat_name(r, d->mat, name, sizeof name);
	if (d->mat == MAT_DSA)
		snprintf(what, sizeof what, "the angle between the fitted dynamics, radians: 0 = the same");
	else if (d->mat == MAT_WASS)
		snprintf(what, sizeof what, "the eigenvalues' W2^2: 0 = the same spectrum");
	else
		snprintf(what, sizeof what, "%s on the states, a distance: 0 = the same; blank: not comparable", name);
	wb_heat_spec sp = {matrix(r, d->mat), r->n, d->a, d->b, what, "a distance: 0 = the same"};
	wb_heat_draw(w, &d->heat, &sp, y0, x0, wd, h);
}

/* ---------------------------------------------------------------- pair panel */

static double max_modulus(const ll_dsa_dmd *f)
{
	return f->eig && f->rank ? hypot(f->eig[0], f->eig[1]) : NAN; /* sorted by modulus, largest first */
}

/* The pair panel from row y0, at most h rows; returns the rows used. */
static int draw_panel(wb *w, const struct ll_res_dsa *r, int y0, int x0, int wd, int h)
{
	wb_dsa *d = dsa_state(w);
	size_t a = d->a, b = d->b;
	char buf[300], val[32], name[64];
	int y = y0, end = y0 + h;
	attr_t ad = wb_attr(w, LL_ROLE_DEFAULT), at = wb_attr(w, LL_ROLE_TITLE);
	if (a == b)
		snprintf(buf, sizeof buf, "System %zu, %s, with itself", a, r->name[a]);
	else
		snprintf(buf, sizeof buf, "Pair: %s (row %zu) x %s (column %zu)", r->name[a], a, r->name[b], b);
	if (y < end)
		wb_put(w, y++, x0, wd, at, buf);
	if (y < end) {
		if (a == b)
			snprintf(buf, sizeof buf, "  group %s", group_of(r, a));
		else if (group_index(r, a) == group_index(r, b))
			snprintf(buf, sizeof buf, "  group %s (both)", group_of(r, a));
		else
			snprintf(buf, sizeof buf, "  groups %s and %s", group_of(r, a), group_of(r, b));
		wb_put(w, y++, x0, wd, ad, buf);
	}
	for (int m = 0; m < NMAT && y < end; m++) {
		int sel = m == d->mat;
		attr_t al = wb_attr(w, sel ? LL_ROLE_SELECTED : LL_ROLE_DEFAULT);
		double v = pair_value(r, m, a, b);
		wb_fmt_value(val, sizeof val, v);
		mat_name(r, m, name, sizeof name);
		if (sel)
			wb_fill(y, x0, wd, al);
		int x = x0 + wb_put(w, y, x0, wd, al, sel ? w->g->arrow : " ");
		snprintf(buf, sizeof buf, " %-22s %9s", name, val);
		x += wb_put(w, y, x, x0 + wd - x, al, buf);
		wb_put_fit(w, y++, x, x0 + wd, al,
			   m == MAT_DSA ? "  rad" : m == MAT_GEOM && !isfinite(v) ? "  (not comparable)" : "");
	}
	for (int t = 0; t < 2 && y < end; t++) {
		size_t i = t ? b : a;
		snprintf(buf, sizeof buf, "  %c: %zu trial%s x %zu steps x %zu units, |%s|max %.3f", t ? 'b' : 'a',
			 r->trials[i], r->trials[i] == 1 ? "" : "s", r->T[i], r->units[i], w->g->utf8 ? "\u03bb" : "l",
			 max_modulus(&r->dmd[i]));
		wb_put(w, y++, x0, wd, ad, buf);
	}
	return y - y0;
}

/* ---------------------------------------------------------------- eigenvalues */

/* Canvas colours: a group's index (its series role), the axes and circle. */
static attr_t eig_attr(const wb *w, int color, int level)
{
	if (color == WB_C_AXES || color == WB_C_CIRCLE)
		return wb_attr(w, LL_ROLE_AXIS);
	return ll_theme_cell_attr(&w->theme, color, level);
}

/* Both systems' DMD eigenvalues in rows [y0, y0 + h), columns [x0, x0 + wd):
 * a title, the plane, a legend. */
static void draw_eig(wb *w, const struct ll_res_dsa *r, int y0, int x0, int wd, int h)
{
	wb_dsa *d = dsa_state(w);
	size_t pair[2] = {d->a, d->b};
	int np = d->a == d->b ? 1 : 2, ascii = !w->g->utf8;
	char buf[200];
	attr_t ax = wb_attr(w, LL_ROLE_AXIS);
	if (h < 1)
		return;
	snprintf(buf, sizeof buf, "DMD eigenvalues of %s: %zu each, unit circle", np == 1 ? "a" : "a and b", r->rank);
	if (!wb_put_fit(w, y0, x0, x0 + wd, wb_attr(w, LL_ROLE_TITLE), buf))
		wb_put(w, y0, x0, wd, wb_attr(w, LL_ROLE_TITLE), "DMD eigenvalues");
	double R = 1;
	for (int t = 0; t < np; t++) {
		const ll_dsa_dmd *f = &r->dmd[pair[t]];
		if (isfinite(max_modulus(f)))
			R = fmax(R, max_modulus(f));
	}
	int cw = wb_cplane_start(w, &d->plane, wd, h - 2, R);
	if (!cw)
		return;
	/* a's, then b's over them */
	for (int t = 0; t < np; t++) {
		const ll_dsa_dmd *f = &r->dmd[pair[t]];
		int col = (int)(group_index(r, pair[t]) % LL_CANVAS_MAX_COLOR);
		for (size_t e = 0; f->eig && e < f->rank; e++)
			wb_cplane_point(w, &d->plane, f->eig[2 * e], f->eig[2 * e + 1], t ? SHAPE_B : SHAPE_A,
					t ? 'b' : 'a', col);
	}
	wb_cplane_show(w, &d->plane, y0 + 1, x0 + (wd - cw) / 2, eig_attr);
	/* the legend: each system's shape in its group's colour and its name */
	int y = y0 + h - 1, x = x0, right = x0 + wd;
	for (int t = 0; t < np; t++) {
		size_t i = pair[t];
		attr_t ag = ll_theme_cell_attr(&w->theme, (int)(group_index(r, i) % LL_CANVAS_MAX_COLOR),
					       LL_CANVAS_LEVEL_FLAT);
		int gw = wb_glyph_put(w, &d->glyph, y, x, right, ag, t ? SHAPE_B : SHAPE_A, t ? 'b' : 'a');
		if (!gw)
			return;
		x += gw;
		if (ascii) /* the glyph is the letter */
			snprintf(buf, sizeof buf, " %s  ", r->name[i]);
		else
			snprintf(buf, sizeof buf, " %c %s  ", t ? 'b' : 'a', r->name[i]);
		x += wb_put_fit(w, y, x, right, ax, buf);
	}
	snprintf(buf, sizeof buf, "circle |%s| = 1", ascii ? "l" : "\u03bb");
	wb_put_fit(w, y, x, right, ax, buf);
}

/* ---------------------------------------------------------------- MDS map */

static void group_label(const void *ud, size_t g, char *buf, size_t n)
{
	const struct ll_res_dsa *r = ud;
	snprintf(buf, n, "%s", r->group_name && g < r->ngroups ? r->group_name[g] : "?");
}

/* The MDS map of the matrix shown (the DSA map for W2: the step maps
 * DSA and geometry) in rows [y0, y0 + h), columns [x0, x0 + wd). */
static void draw_mds(wb *w, const struct ll_res_dsa *r, int y0, int x0, int wd, int h)
{
	wb_dsa *d = dsa_state(w);
	int geo = d->mat == MAT_GEOM;
	const ll_mds_result *md = geo ? &r->mds_geometry : &r->mds_dsa;
	char title[200], title_short[100], what[64];
	attr_t ax = wb_attr(w, LL_ROLE_AXIS);
	if (!md->coords || md->n != r->n || md->k < 1) {
		wb_put(w, y0, x0, wd, ax, r->n < 3 ? "No MDS map: the step maps 3 systems or more." : "No MDS map in these results.");
		return;
	}
	size_t out = 0;
	for (size_t i = 0; i < r->n; i++)
		out += !isfinite(md->coords[i * md->k]);
	if (geo)
		snprintf(what, sizeof what, "geometry (%s)", ll_metric_name(r->geometry_metric));
	else
		snprintf(what, sizeof what, "DSA");
	char note[64] = "";
	if (d->mat == MAT_WASS)
		snprintf(note, sizeof note, "; W2 has none");
	else if (out)
		snprintf(note, sizeof note, "; %zu left out", out);
	snprintf(title, sizeof title, "MDS of %s distances (%s, stress %.3f)%s", what, ll_mds_method_name(md->used),
		 md->stress, note);
	snprintf(title_short, sizeof title_short, "MDS of %s, stress %.3f%s", what, md->stress, note);
	wb_mds_spec sp = {md->coords, r->n, md->k, r->group, r->ngroups, group_label, r,
			  title, title_short, d->a, d->b, "system"};
	wb_mds_draw(w, &d->map, &sp, y0, x0, wd, h);
}

/* ---------------------------------------------------------------- screen */

/* The settings and the separations in one line. */
static void settings_line(const struct ll_res_dsa *r, char *buf, size_t n)
{
	int len = snprintf(buf, n, "delays %zu (interval %zu), DMD rank %zu, restarts %zu  |  ", r->dmd_opts.delays,
			   r->dmd_opts.delay_interval, r->rank, r->opts.restarts);
	if (len < 0 || (size_t)len >= n)
		return;
	if (isfinite(r->sep_dsa) || isfinite(r->sep_geometry))
		len += snprintf(buf + len, n - (size_t)len, "groups separate %.3gx by DSA, %.3gx by geometry", r->sep_dsa,
				r->sep_geometry);
	else
		len += snprintf(buf + len, n - (size_t)len, "no separation: needs two groups with two systems");
	if (len > 0 && (size_t)len < n)
		snprintf(buf + len, n - (size_t)len, "  |  %zu systems: %s%s", r->n,
			 r->source == LL_DSA_SRC_TRAIN ? "MLP training paths" : "RNN probe states",
			 r->has_recording ? " and a recording" : "");
}

static void dsa_draw(wb *w, int y0, int h)
{
	wb_dsa *d = dsa_state(w);
	const struct ll_res_dsa *r = cur(w);
	if (!r) {
		draw_empty(w, y0, h);
		return;
	}
	char buf[400], val[32], name[64];
	mat_name(r, d->mat, name, sizeof name);
	wb_fmt_value(val, sizeof val, pair_value(r, d->mat, d->a, d->b));
	snprintf(buf, sizeof buf, "%s (%d of %d)  |  pair (%zu, %zu) %s  |  %s x %s", name, d->mat + 1, NMAT, d->a, d->b,
		 val, r->name[d->a], r->name[d->b]);
	wb_put(w, y0, 1, w->cols - 2, wb_attr(w, LL_ROLE_TITLE), buf);
	settings_line(r, buf, sizeof buf);
	if (h >= 2)
		wb_put(w, y0 + 1, 1, w->cols - 2, wb_attr(w, LL_ROLE_AXIS), buf);
	int by = y0 + 2, bh = h - 2;
	if (bh < 2)
		return;
	/* the heat map left, the pair panel right with the eigenvalues and
	 * the MDS map under it, if there is room for a panel */
	int lw = wb_heat_split(w, r->n, by, bh, PANEL_MIN);
	draw_heat(w, r, by, 0, lw, bh);
	if (lw >= w->cols)
		return;
	int px = lw + 2, pw = w->cols - px - 1;
	int used = draw_panel(w, r, by, px, pw, bh);
	int ry = by + used + 1, rh = by + bh - ry;
	if (rh >= EIG_MIN_ROWS + 1 + MDS_MIN_ROWS) {
		int eh = rh * 9 / 20 > EIG_MIN_ROWS ? rh * 9 / 20 : EIG_MIN_ROWS;
		draw_eig(w, r, ry, px, pw, eh);
		draw_mds(w, r, ry + eh + 1, px, pw, rh - eh - 1);
	} else if (rh >= EIG_MIN_ROWS + 1) {
		draw_eig(w, r, ry, px, pw, rh - 1);
		wb_put_fit(w, ry + rh - 1, px, px + pw, wb_attr(w, LL_ROLE_AXIS), "(the MDS map needs a larger terminal)");
	} else if (rh >= 1) {
		wb_put_fit(w, ry, px, px + pw, wb_attr(w, LL_ROLE_AXIS), "(the plots need a larger terminal)");
	}
}

static void dsa_status(wb *w, char *buf, size_t n)
{
	wb_dsa *d = dsa_state(w);
	const struct ll_res_dsa *r = cur(w);
	if (!r) {
		wb_view v;
		wb_view_get(w, &v, NULL);
		snprintf(buf, n, v.state[LL_STEP_DSA] == LL_STATE_ABSENT ? "no DSA results: add a [dsa] step to the session"
								       : "no DSA results yet: run the dsa step");
		return;
	}
	char v0[32], v1[32], v2[32];
	wb_fmt_value(v0, sizeof v0, pair_value(r, MAT_DSA, d->a, d->b));
	wb_fmt_value(v1, sizeof v1, pair_value(r, MAT_WASS, d->a, d->b));
	wb_fmt_value(v2, sizeof v2, pair_value(r, MAT_GEOM, d->a, d->b));
	snprintf(buf, n, "%s x %s: DSA %s rad, W2^2 %s, %s %s  |  hjkl move, m matrix", r->name[d->a], r->name[d->b], v0,
		 v1, ll_metric_name(r->geometry_metric), v2);
}

static void no_results(wb *w)
{
	wb_msg(w, 0, "no DSA results: add a [dsa] step and run it (1, then R; or :run dsa)");
}

static void dsa_action(wb *w, int act, int arg)
{
	(void)arg;
	wb_dsa *d = dsa_state(w);
	const struct ll_res_dsa *r = cur(w);
	if (!r) {
		if (act != WB_A_BACK)
			no_results(w);
		return;
	}
	switch (act) {
	case A_PAIR_LEFT: wb_heat_move(&d->heat, r->n, &d->a, &d->b, 0, -1); break;
	case A_PAIR_RIGHT: wb_heat_move(&d->heat, r->n, &d->a, &d->b, 0, 1); break;
	case A_PAIR_UP: wb_heat_move(&d->heat, r->n, &d->a, &d->b, -1, 0); break;
	case A_PAIR_DOWN: wb_heat_move(&d->heat, r->n, &d->a, &d->b, 1, 0); break;
	case A_MAT_NEXT: d->mat = (d->mat + 1) % NMAT; break;
	case A_MAT_PREV: d->mat = (d->mat + NMAT - 1) % NMAT; break;
	case A_SWAP: {
		size_t t = d->a;
		d->a = d->b;
		d->b = t;
		break;
	}
	default: break;
	}
}

static void dsa_free(void *state)
{
	wb_dsa *d = state;
	wb_heatmap_free(&d->heat);
	wb_cplane_free(&d->plane);
	wb_glyph_free(&d->glyph);
	wb_mdsmap_free(&d->map);
}

/* :dsa NAME: a prefix of dsa, wasserstein or geometry (or w2). */
static void colon_dsa(wb *w, char *args, int force)
{
	(void)force;
	static const char *const names[NMAT] = {"dsa", "wasserstein", "geometry"};
	if (!cur(w)) {
		no_results(w);
		return;
	}
	int m = !strcmp(args, "w2") ? MAT_WASS : -1;
	for (int k = 0; k < NMAT && m < 0; k++)
		if (*args && !strncmp(names[k], args, strlen(args)))
			m = k;
	if (m < 0) {
		wb_msg(w, 1, ":dsa: no matrix '%s' (dsa, wasserstein or w2, geometry)", args);
		return;
	}
	dsa_state(w)->mat = m;
	wb_log(w, "> :dsa %s", names[m]);
	wb_set_screen(w, WB_SCR_dsa);
}

static const wb_key dsa_keys[] = {
	{0, {'h', KEY_LEFT}, "h Left", A_PAIR_LEFT, 0, NULL, "previous column: the pair's second system"},
	{0, {'l', KEY_RIGHT}, "l Right", A_PAIR_RIGHT, 0, "pair", "next column: the pair's second system"},
	{0, {'k', KEY_UP}, "k Up", A_PAIR_UP, 0, NULL, "previous row: the pair's first system"},
	{0, {'j', KEY_DOWN}, "j Down", A_PAIR_DOWN, 0, NULL, "next row: the pair's first system"},
	{0, {'m'}, "m", A_MAT_NEXT, 0, "matrix", "next matrix: DSA angular, eigenvalue W2^2, geometry"},
	{0, {'M'}, "M", A_MAT_PREV, 0, NULL, "previous matrix"},
	{0, {'t'}, "t", A_SWAP, 0, NULL, "swap the pair's systems (transpose)"},
};

static const wb_cmd dsa_cmds[] = {
	{"dsa", NULL, "NAME", "show matrix NAME (dsa, wasserstein or w2, geometry) on the DSA screen", colon_dsa, 0, NULL},
};

const wb_screen_def wb_screen_dsa = {
	.name = "DSA",
	.tab = "DSA",
	.id = "dsa",
	.state_size = sizeof(wb_dsa),
	.free = dsa_free,
	.draw = dsa_draw,
	.action = dsa_action,
	.status = dsa_status,
	.keys = dsa_keys,
	.nkeys = sizeof dsa_keys / sizeof dsa_keys[0],
	.cmds = dsa_cmds,
	.ncmds = sizeof dsa_cmds / sizeof dsa_cmds[0],
};
