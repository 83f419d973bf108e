/*
 * wb_pipe.c - the Pipeline screen: the session's steps with their state,
 * time and one-line result; the selected step's parameters beneath it,
 * edited in place and validated by ll_session_set; a detail area with the
 * parameter's help or the step's full result.
 *
 * The steps are a graph (each needs some others): a step's name is indented
 * by its depth in it, and the detail area says what the step needs and
 * what depends on it.  Enter on a step runs up to it: the steps it needs
 * that have not run, then it.  The cursor moves through every step and every parameter in
 * order; only the step under the cursor shows its parameters.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "wb/wb.h"

typedef struct wb_pipe {
	int step;  /* ll_step_kind under the cursor */
	int param; /* its parameter, or -1 for the step row */
	int top;   /* first list row shown */
	int edit_step, edit_param; /* the parameter in the editor (WB_MODE_EDIT) */
} wb_pipe;

static wb_pipe *pipe_state(const wb *w)
{
	return w->state[WB_SCR_pipe];
}

enum { A_ENTER = WB_A_SCREEN, A_EDIT, A_CYCLE, A_DEFAULT, A_RUN_NEXT, A_RUN_ALL };

typedef struct item {
	int step, param; /* param -1: the step row */
} item;

#define MAX_ITEMS (LL_NSTEPS * (LL_SESSION_MAX_PARAMS + 1))

static int step_shown(const wb_view *v, int k)
{
	return k == LL_STEP_SESSION || v->state[k] != LL_STATE_ABSENT;
}

/* Every row the cursor can visit (expanded = -2), or the rows shown
 * (only step `expanded` shows its parameters). */
static int list_items(const wb_view *v, int expanded, item *out)
{
	int n = 0;
	for (int k = 0; k < LL_NSTEPS; k++) {
		if (!step_shown(v, k))
			continue;
		out[n++] = (item){k, -1};
		if (expanded != -2 && expanded != k)
			continue;
		size_t np;
		ll_step_params((ll_step_kind)k, &np);
		for (size_t i = 0; i < np; i++)
			out[n++] = (item){k, (int)i};
	}
	return n;
}

static int find_item(const item *it, int n, int step, int param)
{
	for (int i = 0; i < n; i++)
		if (it[i].step == step && it[i].param == param)
			return i;
	return 0;
}

static const ll_param_def *cur_param(wb *w)
{
	const wb_pipe *p = pipe_state(w);
	size_t np;
	const ll_param_def *d = ll_step_params((ll_step_kind)p->step, &np);
	if (p->param < 0 || (size_t)p->param >= np)
		return NULL;
	return &d[p->param];
}

static int state_role(ll_step_state st)
{
	switch (st) {
	case LL_STATE_RUNNING: return LL_ROLE_STEP_RUNNING;
	case LL_STATE_DONE: return LL_ROLE_STEP_DONE;
	case LL_STATE_FAILED: return LL_ROLE_STEP_FAILED;
	default: return LL_ROLE_STEP_PENDING;
	}
}

static const char *state_glyph(const wb *w, ll_step_state st)
{
	switch (st) {
	case LL_STATE_RUNNING: return w->g->step[1];
	case LL_STATE_DONE: return w->g->step[2];
	case LL_STATE_FAILED: return w->g->step[3];
	default: return w->g->step[0];
	}
}

static void param_type_text(const ll_param_def *d, char *buf, size_t n)
{
	switch (d->type) {
	case LL_PARAM_INT: snprintf(buf, n, "integer %.0f-%.0f", d->lo, d->hi); break;
	case LL_PARAM_REAL: snprintf(buf, n, "number %g-%g", d->lo, d->hi); break;
	case LL_PARAM_ENUM: snprintf(buf, n, "one of %s (Space cycles)", d->choices); break;
	case LL_PARAM_RANGE: snprintf(buf, n, "range A-B within %.0f-%.0f", d->lo, d->hi); break;
	case LL_PARAM_REALS: snprintf(buf, n, "number(s) %g-%g, comma separated", d->lo, d->hi); break;
	case LL_PARAM_PATH: snprintf(buf, n, "path (relative to the session file)"); break;
	case LL_PARAM_AUTO_INT: snprintf(buf, n, "auto or %.0f-%.0f", d->lo, d->hi); break;
	default: snprintf(buf, n, "text"); break;
	}
}

/* The width of the step column: the names indented by their depth. */
static int name_width(const wb_view *v)
{
	int wd = 11;
	for (int k = 0; k < LL_NSTEPS; k++)
		if (v->state[k] != LL_STATE_ABSENT) {
			int n = 2 * v->depth[k] + (int)strlen(ll_step_name((ll_step_kind)k));
			wd = n > wd ? n : wd;
		}
	return wd;
}

static void draw_step_row(wb *w, const wb_view *v, const wb_job *j, int k, int y, int sel)
{
	char buf[320];
	int x = 1, W = w->cols, nw = name_width(v);
	attr_t asel = wb_attr(w, LL_ROLE_SELECTED);
	if (sel)
		wb_fill(y, 0, W, asel);
	if (k == LL_STEP_SESSION) {
		x += wb_put(w, y, x, W - x, sel ? asel : wb_attr(w, LL_ROLE_TITLE), w->g->bullet);
		snprintf(buf, sizeof buf, " %-*s %-8s", nw, "session", "settings");
		x += wb_put_hl(w, WB_SCR_pipe, y, x, W - x, sel ? asel : wb_attr(w, LL_ROLE_TITLE), buf, 0);
		/* the file `s` writes: the one being edited */
		if (w->s->path)
			snprintf(buf, sizeof buf, "  %s%s", w->save_path, w->s->dirty ? " [+]" : "");
		else
			snprintf(buf, sizeof buf, "  built-in demo session, saved as %s%s", w->save_path,
				 w->s->dirty ? " [+]" : "");
		wb_put(w, y, x, W - x - 1, sel ? asel : wb_attr(w, LL_ROLE_DEFAULT), buf);
		return;
	}
	ll_step_state st = v->state[k];
	attr_t a = sel ? asel : wb_attr(w, state_role(st));
	x += wb_put(w, y, x, W - x, a, state_glyph(w, st));
	snprintf(buf, sizeof buf, " %*s%-*s %-8s", 2 * v->depth[k], "", nw - 2 * v->depth[k],
		 ll_step_name((ll_step_kind)k), ll_step_state_name(st));
	x += wb_put_hl(w, WB_SCR_pipe, y, x, W - x, a, buf, 0);
	attr_t ad = sel ? asel : wb_attr(w, LL_ROLE_DEFAULT);
	if (st == LL_STATE_RUNNING) {
		double t = ll_now() - j->step_t0;
		if (j->frac >= 0)
			snprintf(buf, sizeof buf, " %6.1fs  %3.0f%%  %s", t, 100 * j->frac, j->detail);
		else
			snprintf(buf, sizeof buf, " %6.1fs  %s", t, j->detail);
	} else if (st == LL_STATE_DONE || st == LL_STATE_FAILED) {
		snprintf(buf, sizeof buf, " %6.2fs  %s", v->seconds[k], v->status[k]);
	} else {
		snprintf(buf, sizeof buf, "          %s", v->status[k]);
	}
	wb_put_hl(w, WB_SCR_pipe, y, x, W - x - 1, ad, buf, 0);
}

static void draw_param_row(wb *w, int k, int i, int y, int sel)
{
	size_t np;
	const ll_param_def *d = &ll_step_params((ll_step_kind)k, &np)[i];
	const char *set = w->s->values[k][i].text;
	char buf[320];
	int W = w->cols, x = 5;
	attr_t asel = wb_attr(w, LL_ROLE_SELECTED);
	if (sel)
		wb_fill(y, 0, W, asel);
	/* a key the other values make irrelevant is dimmed, and says why */
	char why[96];
	int used = ll_session_param_used(w->s, (ll_step_kind)k, d->key, why, sizeof why);
	snprintf(buf, sizeof buf, "%-16s = ", d->key);
	x += wb_put(w, y, x, W - x, sel ? asel : wb_attr(w, used ? LL_ROLE_KEYHINT : LL_ROLE_STEP_PENDING), buf);
	const wb_pipe *p = pipe_state(w);
	if (w->mode == WB_MODE_EDIT && p->edit_step == k && p->edit_param == i) {
		wb_edit_draw(w, &w->edit, y, x, W - x - 1, wb_attr(w, LL_ROLE_STATUS));
		return;
	}
	attr_t av = sel ? asel : wb_attr(w, used ? LL_ROLE_DEFAULT : LL_ROLE_STEP_PENDING);
	if (set) {
		x += wb_put(w, y, x, W - x - 1, av, set[0] ? set : "''");
	} else {
		snprintf(buf, sizeof buf, "%s", d->def[0] ? d->def : "''");
		x += wb_put(w, y, x, W - x - 1, av, buf);
		x += wb_put(w, y, x, W - x - 1, sel ? asel : wb_attr(w, LL_ROLE_STEP_PENDING), "  (default)");
	}
	if (!used) {
		snprintf(buf, sizeof buf, "  (not used with %s)", why);
		wb_put(w, y, x, W - x - 1, sel ? asel : wb_attr(w, LL_ROLE_STEP_PENDING), buf);
	}
}

/* The detail area: the parameter's help, or the step's whole result. */
static void draw_detail(wb *w, const wb_view *v, int y, int rows)
{
	char buf[600], type[160];
	const ll_param_def *d = cur_param(w);
	int k = pipe_state(w)->step;
	attr_t ab = wb_attr(w, LL_ROLE_BORDER);
	for (int x = 0; x < w->cols; x++)
		wb_put(w, y, x, 1, ab, w->g->hline);
	if (d) {
		param_type_text(d, type, sizeof type);
		snprintf(buf, sizeof buf, "[%s] %s: %s.  %s, default '%s'.", ll_step_name((ll_step_kind)k), d->key,
			 d->help, type, d->def);
	} else if (k == LL_STEP_SESSION) {
		snprintf(buf, sizeof buf, "Session settings: name, seed (every random choice derives from it), "
			 "threads (0: automatic, the CPUs free to latentlab when each step starts).  Results and "
			 "the report go to %s.", w->outdir);
	} else if (v->state[k] == LL_STATE_DONE || v->state[k] == LL_STATE_FAILED) {
		snprintf(buf, sizeof buf, "%s %s in %.2f s on %d thread%s: %s", ll_step_name((ll_step_kind)k),
			 v->state[k] == LL_STATE_DONE ? "done" : "FAILED", v->seconds[k], v->threads[k],
			 v->threads[k] == 1 ? "" : "s", v->status[k]);
	} else {
		snprintf(buf, sizeof buf, "%s: %s%s", ll_step_name((ll_step_kind)k), ll_step_state_name(v->state[k]),
			 v->status[k][0] ? "; " : ".  Enter runs it when the steps it needs are done; n the next "
						 "step, R every remaining one.");
		if (v->status[k][0])
			strncat(buf, v->status[k], sizeof buf - strlen(buf) - 1);
	}
	if (!d && k != LL_STEP_SESSION) {
		/* the step's place in the graph */
		char g[200] = "  Needs: ";
		int any = 0;
		for (int j = 0; j < LL_NSTEPS; j++)
			if (v->needs[k] & LL_STEP_BIT(j)) {
				size_t l = strlen(g);
				snprintf(g + l, sizeof g - l, "%s%s", any++ ? ", " : "", ll_step_name((ll_step_kind)j));
			}
		if (!any)
			strncat(g, "nothing", sizeof g - strlen(g) - 1);
		strncat(g, ".  Feeds: ", sizeof g - strlen(g) - 1);
		any = 0;
		for (int j = 0; j < LL_NSTEPS; j++)
			if (v->needs[j] & LL_STEP_BIT(k)) {
				size_t l = strlen(g);
				snprintf(g + l, sizeof g - l, "%s%s", any++ ? ", " : "", ll_step_name((ll_step_kind)j));
			}
		strncat(g, any ? "." : "nothing.", sizeof g - strlen(g) - 1);
		strncat(buf, g, sizeof buf - strlen(buf) - 1);
	}
	/* wrap over the rows, breaking at spaces */
	attr_t a = wb_attr(w, d || v->state[k] != LL_STATE_FAILED ? LL_ROLE_DEFAULT : LL_ROLE_STEP_FAILED);
	const char *p = buf;
	int width = w->cols - 2;
	for (int r = 1; r <= rows && *p; r++) {
		int len = (int)strlen(p);
		int take = len;
		if (len > width && r < rows) {
			take = width;
			while (take > width / 2 && p[take] != ' ')
				take--;
			if (p[take] != ' ')
				take = width;
		}
		char line[600];
		snprintf(line, sizeof line, "%.*s", take, p);
		wb_put(w, y + r, 1, width, a, line);
		p += take;
		while (*p == ' ')
			p++;
	}
}

/* The detail area's rows (its rule and text) in a screen of h rows: four
 * lines of text given room, so a step's whole result fits at 80 columns
 * (D8), two on a small terminal, none on a tiny one. */
static int detail_rows(int h)
{
	return h >= 20 ? 5 : h >= 8 ? 3 : 0;
}

static void pipe_draw(wb *w, int y0, int h)
{
	wb_pipe *p = pipe_state(w);
	wb_view v;
	wb_job j;
	item shown[MAX_ITEMS];
	wb_view_get(w, &v, &j);
	int detail = detail_rows(h);
	int lh = h - detail - 1;
	/* the column header */
	char head[128];
	snprintf(head, sizeof head, "  %-*s %-8s %7s  %s", name_width(&v), "step", "state", "time", "result");
	wb_put(w, y0, 1, w->cols - 1, wb_attr(w, LL_ROLE_AXIS), head);
	int n = list_items(&v, p->step, shown);
	int cur = find_item(shown, n, p->step, p->param);
	if (cur < p->top)
		p->top = cur;
	if (cur >= p->top + lh)
		p->top = cur - lh + 1;
	if (p->top > n - lh)
		p->top = n - lh > 0 ? n - lh : 0;
	if (p->top < 0)
		p->top = 0;
	for (int r = 0; r < lh && p->top + r < n; r++) {
		const item *it = &shown[p->top + r];
		int sel = p->top + r == cur;
		if (it->param < 0) {
			draw_step_row(w, &v, &j, it->step, y0 + 1 + r, sel);
		} else {
			draw_param_row(w, it->step, it->param, y0 + 1 + r, sel);
			wb_hl_row(w, WB_SCR_pipe, y0 + 1 + r, 5, w->cols - 1); /* the search's matches in key = value */
		}
	}
	if (detail)
		draw_detail(w, &v, y0 + h - detail, detail - 1);
}

static void pipe_status(wb *w, char *buf, size_t n)
{
	wb_view v;
	wb_view_get(w, &v, NULL);
	int total = 0, done = 0;
	ll_step_kind next = LL_NSTEPS;
	for (int k = LL_STEP_DATA; k < LL_NSTEPS; k++)
		if (v.state[k] != LL_STATE_ABSENT) {
			total++;
			done += v.state[k] == LL_STATE_DONE;
			if (v.state[k] != LL_STATE_DONE && next == LL_NSTEPS)
				next = (ll_step_kind)k;
		}
	snprintf(buf, n, "%d of %d steps done%s%s  |  results: %s%s", done, total,
		 next != LL_NSTEPS ? "; next: " : "", next != LL_NSTEPS ? ll_step_name(next) : "", w->outdir,
		 w->s->dirty ? "  |  unsaved edits (s saves)" : "");
}

static void start_edit(wb *w)
{
	const ll_param_def *d = cur_param(w);
	if (!d) {
		wb_msg(w, 0, "select a parameter (j/k) to edit it");
		return;
	}
	if (wb_busy_refuse(w, "change parameters"))
		return;
	wb_pipe *p = pipe_state(w);
	w->mode = WB_MODE_EDIT;
	p->edit_step = p->step;
	p->edit_param = p->param;
	wb_edit_start(&w->edit, ll_session_get(w->s, (ll_step_kind)p->step, d->key));
}

static void pipe_edit_done(wb *w, int accepted)
{
	const wb_pipe *p = pipe_state(w);
	ll_step_kind k = (ll_step_kind)p->edit_step;
	size_t np;
	const ll_param_def *d = &ll_step_params(k, &np)[p->edit_param];
	if (!accepted) {
		w->mode = WB_MODE_NORMAL;
		wb_msg(w, 0, "edit abandoned");
		return;
	}
	if (!strcmp(w->edit.buf, ll_session_get(w->s, k, d->key))) {
		w->mode = WB_MODE_NORMAL;
		wb_msg(w, 0, "[%s] %s unchanged", ll_step_name(k), d->key);
		return;
	}
	/* a rejected value keeps the editor open so it can be fixed */
	if (wb_do_set(w, k, d->key, w->edit.buf) == LL_OK)
		w->mode = WB_MODE_NORMAL;
}

/* The next choice of an enum parameter. */
static void cycle(wb *w)
{
	const ll_param_def *d = cur_param(w);
	if (!d || d->type != LL_PARAM_ENUM) {
		wb_msg(w, 0, "Space cycles the values of a choice parameter");
		return;
	}
	ll_step_kind k = (ll_step_kind)pipe_state(w)->step;
	const char *curv = ll_session_get(w->s, k, d->key);
	char choices[256], *save = NULL;
	snprintf(choices, sizeof choices, "%s", d->choices);
	const char *first = NULL, *next = NULL;
	int hit = 0;
	for (char *t = strtok_r(choices, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
		if (!first)
			first = t;
		if (hit && !next)
			next = t;
		if (!strcmp(t, curv))
			hit = 1;
	}
	if (!next)
		next = first;
	if (next)
		wb_do_set(w, k, d->key, next);
}

static void pipe_action(wb *w, int act, int arg)
{
	(void)arg;
	wb_pipe *p = pipe_state(w);
	wb_view v;
	item all[MAX_ITEMS];
	wb_view_get(w, &v, NULL);
	int n = list_items(&v, -2, all);
	int cur = find_item(all, n, p->step, p->param);
	int page = (w->rows - 6) / 2 > 1 ? (w->rows - 6) / 2 : 1;
	int to = cur;
	switch (act) {
	case WB_A_DOWN: to = cur + 1; break;
	case WB_A_UP: to = cur - 1; break;
	case WB_A_TOP: to = 0; break;
	case WB_A_BOTTOM: to = n - 1; break;
	case WB_A_PGDN: to = cur + page; break;
	case WB_A_PGUP: to = cur - page; break;
	case A_ENTER:
		if (p->param >= 0)
			start_edit(w);
		else if (p->step == LL_STEP_SESSION)
			wb_do_run(w, WB_JOB_NEXT);
		else
			wb_do_run_step(w, (ll_step_kind)p->step);
		return;
	case A_EDIT: start_edit(w); return;
	case A_CYCLE: cycle(w); return;
	case A_DEFAULT: {
		const ll_param_def *d = cur_param(w);
		if (d)
			wb_do_set(w, (ll_step_kind)p->step, d->key, d->def);
		else
			wb_msg(w, 0, "select a parameter (j/k) first");
		return;
	}
	case A_RUN_NEXT: wb_do_run(w, WB_JOB_NEXT); return;
	case A_RUN_ALL: wb_do_run(w, WB_JOB_ALL); return;

	default: return;
	}
	if (to < 0)
		to = 0;
	if (to >= n)
		to = n - 1;
	p->step = all[to].step;
	p->param = all[to].param;
}

/* An item's text as the search sees it: a step's name, state and
 * result; a parameter's "key = value". */
static void item_text(wb *w, const wb_view *v, const item *it, char *buf, size_t n)
{
	if (it->param < 0) {
		snprintf(buf, n, "%s %s %s", it->step == LL_STEP_SESSION ? "session" : ll_step_name((ll_step_kind)it->step),
			 it->step == LL_STEP_SESSION ? "settings" : ll_step_state_name(v->state[it->step]),
			 it->step == LL_STEP_SESSION ? "" : v->status[it->step]);
		return;
	}
	size_t np;
	const ll_param_def *d = &ll_step_params((ll_step_kind)it->step, &np)[it->param];
	snprintf(buf, n, "%s = %s", d->key, ll_session_get(w->s, (ll_step_kind)it->step, d->key));
}

static int pipe_search(wb *w, const char *pat, int dir)
{
	wb_pipe *p = pipe_state(w);
	wb_view v;
	item all[MAX_ITEMS];
	wb_view_get(w, &v, NULL);
	int n = list_items(&v, -2, all);
	int cur = find_item(all, n, p->step, p->param);
	for (int step = 1; step <= n; step++) {
		int i = ((cur + (dir < 0 ? -step : step)) % n + n) % n;
		char buf[400];
		size_t len;
		item_text(w, &v, &all[i], buf, sizeof buf);
		if (wb_match(buf, pat, &len)) {
			p->step = all[i].step;
			p->param = all[i].param;
			return 1;
		}
	}
	return 0;
}

/* A click on a row of the list selects it (the rows as pipe_draw laid
 * them out: a header, then the list from p->top). */
static void pipe_click(wb *w, int y, int x)
{
	(void)x;
	wb_pipe *p = pipe_state(w);
	wb_view v;
	item shown[MAX_ITEMS];
	wb_view_get(w, &v, NULL);
	int h = w->rows - 3, detail = detail_rows(h), lh = h - detail - 1;
	int r = y - 2; /* the screen starts at row 1, its list at row 2 */
	int n = list_items(&v, p->step, shown);
	if (r < 0 || r >= lh || p->top + r >= n)
		return;
	const item *it = &shown[p->top + r];
	p->step = it->step;
	p->param = it->param;
}

static void pipe_init(wb *w, void *state)
{
	wb_pipe *p = state;
	p->step = LL_STEP_DATA;
	p->param = -1;
}

static const wb_key pipe_keys[] = {
	WB_LIST_KEYS,
	{0, {'n'}, "n", A_RUN_NEXT, 0, "next", "run the next step (in the background)"},
	{0, {'R'}, "R", A_RUN_ALL, 0, "run all", "run every remaining step"},
	{0, {WB_ENTER_KEYS}, "Enter", A_ENTER, 0, NULL, "on a parameter: edit it; on a step: run up to it (the steps it needs first)"},
	{0, {'e'}, "e", A_EDIT, 0, "edit", "edit the parameter in place (Enter accepts, Esc abandons)"},
	{0, {' '}, "Space", A_CYCLE, 0, NULL, "next value of a choice parameter"},
	{0, {'d'}, "d", A_DEFAULT, 0, NULL, "set the parameter to its default"},
};

const wb_screen_def wb_screen_pipe = {
	.name = "Pipeline",
	.tab = "Pipe",
	.id = "pipeline",
	.state_size = sizeof(wb_pipe),
	.init = pipe_init,
	.draw = pipe_draw,
	.action = pipe_action,
	.status = pipe_status,
	.edit_done = pipe_edit_done,
	.search = pipe_search,
	.click = pipe_click,
	.keys = pipe_keys,
	.nkeys = sizeof pipe_keys / sizeof pipe_keys[0],
};
