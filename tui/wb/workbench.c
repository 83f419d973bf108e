/*
 * workbench.c - `latentlab tui`: the event loop, the frame (tab bar,
 * screen, status line, key hints, overlays), the actions shared by keys
 * and `:` commands, and terminal start-up and restoration.
 *
 * Terminal safety: SIGINT, SIGTERM, SIGHUP and SIGQUIT handlers only set a flag;
 * the loop polls the keyboard with a 100 ms timeout, so it notices the
 * flag, stops the worker, and restores the terminal (endwin) before
 * anything is printed or the signal is re-raised.  Resizes arrive as
 * KEY_RESIZE; below 40x12 only a "too small" notice is drawn and no key
 * acts but the quit key, when quitting loses nothing (handle_key).
 */
#include "config.h"

#include <ctype.h>
#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "base/ll_fs.h"
#include "ll_report.h"
#include "pipeline/ll_record.h"
#include "pipeline/ll_resume.h"
#include "wb/wb.h"

#define WB_MIN_COLS 40
#define WB_MIN_ROWS 12
#define WB_TICK_MS 100

const wb_screen_def *const wb_screens[WB_NSCREENS] = {
#define WB_SCREEN(name) &wb_screen_##name,
#include "wb/screens.def"
#undef WB_SCREEN
};

/* Signal flag: the only state a handler touches. */
/* A one-line error on stderr, before the screen is up or after it is gone
 * ("latentlab: tui: ..."), as the commands print theirs. */
static void wb_error(const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 1, 2)))
#endif
	;
static void wb_error(const char *fmt, ...)
{
	va_list ap;
	fputs("latentlab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* ------------------------------------------------------------ helpers */

attr_t wb_attr(const wb *w, int role)
{
	return ll_theme_attr(&w->theme, role);
}

void wb_msg(wb *w, int is_err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof w->msg, fmt, ap);
	va_end(ap);
	w->msg_err = is_err;
	w->msg_t = ll_now();
}

void wb_log(wb *w, const char *fmt, ...)
{
	char line[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	wb_log_fn(w, line);
}

int wb_utf8_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

int wb_put(const wb *w, int y, int x, int width, attr_t a, const char *text)
{
	char buf[1024];
	size_t n = 0;
	int cells = 0;
	if (width <= 0 || !text)
		return 0;
	for (const unsigned char *p = (const unsigned char *)text; *p && cells < width;) {
		size_t len = 1;
		if (*p >= 0xC0) {
			while (len < 4 && p[len] && wb_utf8_cont(p[len]))
				len++;
		} else if (*p >= 0x80) { /* a stray continuation byte */
			p++;
			continue;
		}
		if (n + len + 1 > sizeof buf)
			break;
		if (*p < 32 || *p == 127)
			buf[n++] = ' ';
		else if (len > 1 && !w->g->utf8)
			buf[n++] = '?';
		else {
			memcpy(buf + n, p, len);
			n += len;
		}
		p += len;
		cells++;
	}
	buf[n] = '\0';
	attrset(a);
	mvaddnstr(y, x, buf, (int)n);
	return cells;
}

const char *wb_match(const char *text, const char *pat, size_t *len)
{
	size_t n = pat ? strlen(pat) : 0;
	if (!n || !text)
		return NULL;
	for (const char *p = text; *p; p++) {
		size_t i = 0;
		while (i < n && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)pat[i]))
			i++;
		if (i == n) {
			*len = n;
			return p;
		}
	}
	return NULL;
}

/* The byte offset of cell `cells` of text (or its end). */
static size_t cell_offset(const char *text, int cells)
{
	size_t i = 0;
	for (int c = 0; text[i] && c < cells; c++) {
		i++;
		while (text[i] && wb_utf8_cont((unsigned char)text[i]))
			i++;
	}
	return i;
}

int wb_put_hl(const wb *w, int where, int y, int x, int width, attr_t a, const char *text, int skip)
{
	if (!text)
		return 0;
	text += cell_offset(text, skip > 0 ? skip : 0);
	int cells = wb_put(w, y, x, width, a, text);
	/* the live search's matches; while a pattern is typed, its matches
	 * so far (incremental highlighting: the cursor moves on Enter) */
	int typing = w->mode == WB_MODE_SEARCH && w->edit.len > 0;
	const char *pat = typing ? w->edit.buf : w->search;
	if (!(typing || w->search_live) || w->search_where != where)
		return cells;
	/* draw the matches again over the text, in the MATCH role */
	char piece[512];
	size_t len;
	const char *m;
	for (const char *p = text; (m = wb_match(p, pat, &len)) != NULL; p = m + len) {
		int at = 0;
		for (const char *q = text; q < m; q++)
			at += !wb_utf8_cont((unsigned char)*q);
		if (at >= width)
			break;
		snprintf(piece, sizeof piece, "%.*s", (int)(len < sizeof piece ? len : sizeof piece - 1), m);
		wb_put(w, y, x + at, width - at, wb_attr(w, LL_ROLE_MATCH), piece);
	}
	return cells;
}

void wb_hl_row(const wb *w, int where, int y, int x0, int x1)
{
	int typing = w->mode == WB_MODE_SEARCH && w->edit.len > 0;
	const char *pat = typing ? w->edit.buf : w->search;
	wchar_t wpat[128];
	cchar_t cells[512];
	wchar_t text[512];
	int n = x1 - x0;
	if (!(typing || w->search_live) || w->search_where != where || n <= 0)
		return;
	size_t pl = mbstowcs(wpat, pat, sizeof wpat / sizeof wpat[0] - 1);
	if (pl == (size_t)-1 || pl == 0)
		return;
	wpat[pl] = L'\0';
	if (n > (int)(sizeof cells / sizeof cells[0]) - 1)
		n = (int)(sizeof cells / sizeof cells[0]) - 1;
	if (mvin_wchnstr(y, x0, cells, n) == ERR)
		return;
	for (int i = 0; i < n; i++) {
		wchar_t wc[CCHARW_MAX + 1] = {0};
		attr_t a;
		short pair;
		text[i] = getcchar(&cells[i], wc, &a, &pair, NULL) != ERR && wc[0] ? wc[0] : L' ';
	}
	attr_t am = wb_attr(w, LL_ROLE_MATCH);
	for (int i = 0; i + (int)pl <= n; i++) {
		int j = 0;
		while (j < (int)pl && towlower((wint_t)text[i + j]) == towlower((wint_t)wpat[j]))
			j++;
		if (j < (int)pl)
			continue;
		for (j = 0; j < (int)pl; j++) {
			wchar_t wc[2] = {text[i + j], L'\0'};
			setcchar(&cells[i + j], wc, am & ~(attr_t)A_COLOR, (short)PAIR_NUMBER(am), NULL);
		}
		mvadd_wchnstr(y, x0 + i, &cells[i], (int)pl);
		i += (int)pl - 1;
	}
}

void wb_fill(int y, int x, int width, attr_t a)
{
	attrset(a);
	for (int i = 0; i < width; i++)
		mvaddch(y, x + i, ' ');
}

void wb_draw_canvas(const ll_canvas_text *t, int y, int x,
		    attr_t (*attr_of)(const wb *w, int color, int level), const wb *w)
{
	for (int r = 0; r < t->h; r++) {
		const char *row = ll_canvas_text_row(t, r);
		for (size_t i = t->row_run[r]; i < t->row_run[r + 1]; i++) {
			const ll_canvas_run *run = &t->runs[i];
			attrset(run->color < 0 ? wb_attr(w, LL_ROLE_DEFAULT) : attr_of(w, run->color, run->level));
			mvaddnstr(y + r, x + run->x, row + run->off, (int)run->len);
		}
	}
}

static int text_cells(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += !wb_utf8_cont((unsigned char)*s);
	return n;
}

int wb_put_fit(const wb *w, int y, int x, int right, attr_t a, const char *text)
{
	int n = text_cells(text);
	return x + n > right ? 0 : wb_put(w, y, x, n, a, text);
}

void wb_center(wb *w, int y0, int h, attr_t a, const char *const *lines, int n)
{
	/* word-wrap into at most 8 rows of cols - 2 cells */
	char rows[8][256];
	int nr = 0, width = w->cols - 2 < 255 ? w->cols - 2 : 255;
	for (int i = 0; i < n && nr < 8; i++) {
		const char *p = lines[i];
		do {
			int len = (int)strlen(p), take = len;
			if (text_cells(p) > width) {
				take = width;
				while (take > 0 && p[take] != ' ')
					take--;
				if (take == 0)
					take = width;
			}
			snprintf(rows[nr++], sizeof rows[0], "%.*s", take, p);
			p += take;
			while (*p == ' ')
				p++;
		} while (*p && nr < 8);
	}
	int y = y0 + (h - nr) / 2;
	if (y < y0)
		y = y0;
	for (int i = 0; i < nr && y + i < y0 + h; i++) {
		int len = text_cells(rows[i]);
		int x = (w->cols - len) / 2;
		wb_put(w, y + i, x < 0 ? 0 : x, w->cols, a, rows[i]);
	}
}

void wb_draw_no_results(wb *w, int y0, int h, ll_step_kind k, const char *title, const char *appear,
			const char *absent)
{
	wb_view v;
	wb_view_get(w, &v, NULL);
	char l2[300];
	const char *lines[2] = {title, l2}, *name = ll_step_name(k);
	if (v.state[k] == LL_STATE_RUNNING)
		snprintf(l2, sizeof l2, "The %s step is running; %s appear here when it is done.", name, appear);
	else if (v.state[k] == LL_STATE_FAILED)
		snprintf(l2, sizeof l2, "The %s step failed: %.150s", name, v.status[k]);
	else if (v.state[k] == LL_STATE_ABSENT)
		snprintf(l2, sizeof l2, "%s", absent);
	else
		snprintf(l2, sizeof l2, "Run the %s step: on the Pipeline screen (1), R runs every step, or :run %s.", name,
			 name);
	wb_center(w, y0, h, wb_attr(w, LL_ROLE_DEFAULT), lines, 2);
}

void wb_stale_lend(wb *w, int on)
{
	if (on && !w->job.active && w->screen != WB_SCR_pipe)
		w->stale_lent = ll_session_lend_kept(w->s, ~0u, 1);
	else if (!on && w->stale_lent) {
		ll_session_lend_kept(w->s, w->stale_lent, 0);
		w->stale_lent = 0;
	}
}

int wb_results_ready(wb *w, ll_step_kind k)
{
	if (!w->job.active && (w->stale_lent & LL_STEP_BIT(k))) {
		w->stale_used |= LL_STEP_BIT(k);
		return 1;
	}
	if (!w->job.active)
		return w->s->state[k] == LL_STATE_DONE;
	pthread_mutex_lock(&w->lock);
	int ok = (int)k < w->job.step && w->view.state[k] == LL_STATE_DONE;
	pthread_mutex_unlock(&w->lock);
	return ok;
}

/* ------------------------------------------------------------ actions */

int wb_busy_refuse(wb *w, const char *what)
{
	if (!w->job.active)
		return 0;
	wb_msg(w, 1, "cannot %s while a step runs (Esc cancels it)", what);
	return 1;
}

void wb_set_screen(wb *w, int screen)
{
	if (screen >= 0 && screen < WB_NSCREENS)
		w->screen = screen;
}

int wb_submode(const wb *w)
{
	const wb_screen_def *d = wb_screens[w->screen];
	return d->submode ? d->submode(w) : 0;
}

void wb_do_run(wb *w, int kind)
{
	if (w->job.active) {
		wb_msg(w, 1, "a step is already running (Esc cancels it)");
		return;
	}
	ll_step_kind next = ll_session_next(w->s); /* read before the worker starts */
	wb_log(w, "> :run %s", kind == WB_JOB_ALL ? "all" : "next");
	if (wb_job_start(w, kind, next) == LL_OK)
		wb_msg(w, 0, kind == WB_JOB_ALL ? "running every remaining step..." : "running %s...",
		       ll_step_name(next));
}

void wb_do_run_step(wb *w, ll_step_kind k)
{
	if (w->job.active) {
		wb_msg(w, 1, "a step is already running (Esc cancels it)");
		return;
	}
	if (!ll_step_runs(k) || w->s->state[k] == LL_STATE_ABSENT) {
		wb_msg(w, 1, "%s is not a step this session runs", ll_step_name(k));
		return;
	}
	/* the steps it needs that have not run go first ("run up to here") */
	ll_step_kind first = wb_upto_next(w->s, k);
	int upto = first != LL_NSTEPS && first != k;
	wb_log(w, "> :run %s", ll_step_name(k));
	if (wb_job_start(w, upto ? WB_JOB_UPTO : WB_JOB_STEP, k) == LL_OK) {
		if (upto)
			wb_msg(w, 0, "running %s and the steps before it that it needs...", ll_step_name(k));
		else
			wb_msg(w, 0, "running %s...", ll_step_name(k));
	}
}

/* Steps of the session that have not run with the current parameters
 * (the report aside). */
static int steps_unrun(const wb *w)
{
	int n = 0;
	for (int k = 0; k < LL_NSTEPS; k++)
		n += k != LL_STEP_REPORT && ll_step_runs((ll_step_kind)k) && w->s->state[k] != LL_STATE_ABSENT &&
		     w->s->state[k] != LL_STATE_DONE;
	return n;
}

static void report_start(wb *w, int partial)
{
	ll_err err = {0, ""};
	if (partial) {
		/* OUTDIR must say what the report says: results.json and
		 * session.lab as the session stands, and no folder of a step
		 * whose results are gone (they were computed with other values) */
		int rc = ll_record_begin(&w->od, w->s, w->cmdline, w->run_seconds, &err);
		if (rc == LL_OK)
			rc = ll_record_session_copy(w->s, w->outdir, &err);
		for (int k = 0; k < LL_NSTEPS && rc == LL_OK; k++) {
			if (w->s->state[k] == LL_STATE_DONE || !ll_step_runs((ll_step_kind)k) || !ll_step_outputs((ll_step_kind)k))
				continue;
			char *dir = ll_path_join(w->outdir, ll_step_name((ll_step_kind)k));
			rc = dir ? ll_rmtree_ours(dir, ".latentlab-step", &err) : ll_err_oom(&err);
			/* kept results would no longer have their folder */
			ll_session_forget(w->s, LL_STEP_BIT(k));
			ll_free(dir);
		}
		if (rc != LL_OK) {
			wb_msg(w, 1, "report not written: %s", err.msg);
			return;
		}
	}
	wb_log(w, "> :write report%s", partial ? " (partial)" : "");
	if (wb_job_start(w, WB_JOB_REPORT, LL_STEP_REPORT) == LL_OK)
		wb_msg(w, 0, "writing the %sreport into %s...", partial ? "partial " : "", w->outdir);
}

void wb_do_report(wb *w)
{
	if (wb_busy_refuse(w, "write the report"))
		return;
	/* a report of steps that have not run would describe values no
	 * result was computed with: ask first */
	if (steps_unrun(w)) {
		w->mode = WB_MODE_CONFIRM;
		w->confirm = WB_CONFIRM_REPORT;
		return;
	}
	report_start(w, 0);
}

/* Has this run already kept target as target~? */
static int backed_up(const wb *w, const char *target)
{
	for (size_t i = 0; i < w->nbacked; i++)
		if (!strcmp(w->backed[i], target))
			return 1;
	return 0;
}

static void note_backed(wb *w, const char *target)
{
	char **b = ll_realloc(w->backed, (w->nbacked + 1) * sizeof *b);
	if (!b)
		return; /* at worst a later save keeps another backup */
	w->backed = b;
	if ((b[w->nbacked] = ll_strdup(target)) != NULL)
		w->nbacked++;
}

void wb_do_save(wb *w, const char *path)
{
	ll_err err = {0, ""};
	if (wb_busy_refuse(w, "save"))
		return;
	/* the session's own file, or a copy elsewhere (the session goes on
	 * editing its own file, and its unsaved mark stays) */
	int own = !path || !strcmp(path, w->save_path);
	const char *target = own ? w->save_path : path;
	if (own && !w->s->path && ll_mkdirs(w->outdir, &err) != LL_OK) {
		wb_msg(w, 1, "%s", err.msg);
		return;
	}
	wb_log(w, "> :save %s", target);
	/* The save edits the file's values in place, comments and all.
	 * TARGET~ keeps the file as it was before this run first wrote over
	 * it: later saves of the run leave it alone, so the original text
	 * survives any number of saves (Emacs's single backups). */
	int moved = !own || !w->s->path || strcmp(target, w->s->path) != 0;
	char *old = NULL, *text = NULL, *bak = NULL;
	size_t len = 0;
	int backed = 0, first = !backed_up(w, target), same = 0;
	if (first && ll_read_file(target, 16u << 20, &old, &len, NULL) == LL_OK) {
		text = ll_session_format_edit(w->s, w->s->file_text, moved);
		same = text && !strcmp(old, text);
		if (text && !same && (bak = ll_malloc(strlen(target) + 2)) != NULL) {
			ll_afile af;
			sprintf(bak, "%s~", target);
			if (ll_afile_open(&af, bak, &err) == LL_OK) {
				fwrite(old, 1, len, af.fp);
				backed = ll_afile_commit(&af, &err) == LL_OK;
			}
		}
	}
	int rc = LL_OK;
	if (bak && !backed)
		wb_msg(w, 1, "not saved: cannot keep the old file as %s: %s", bak, err.msg);
	else if ((rc = own ? ll_session_save(w->s, target, &err) : ll_session_save_copy(w->s, target, &err)) != LL_OK)
		wb_msg(w, 1, "%s", err.msg);
	else {
		char extra[300] = "";
		if (backed)
			snprintf(extra, sizeof extra, " (the file as it was before is in %s)", bak);
		if (own)
			wb_msg(w, 0, "saved the session to %s%s", target, extra);
		else
			wb_msg(w, 0, "wrote a copy of the session to %s%s; the session's file is still %s%s", target,
			       extra, w->save_path, w->s->dirty ? ", unsaved (s saves it)" : "");
		if (first && !same)
			note_backed(w, target);
	}
	ll_free(old);
	ll_free(text);
	ll_free(bak);
}

/* Does every value of s equal the one its file (as loaded or last saved)
 * gives?  Then there is nothing to save: an undo or a typed revert back
 * to the file's values clears the [+] mark. */
static int values_as_file(const ll_session *s)
{
	if (!s->file_text)
		return 0;
	ll_session f;
	ll_err err = {0, ""};
	ll_session_init(&f);
	if (ll_session_load_text(&f, s->file_text, s->path ? s->path : "session", &err) != LL_OK)
		return 0; /* left freed */
	int same = 1;
	for (int k = 0; k < LL_NSTEPS && same; k++) {
		if ((s->state[k] == LL_STATE_ABSENT) != (f.state[k] == LL_STATE_ABSENT)) {
			same = 0;
			break;
		}
		size_t np;
		const ll_param_def *d = ll_step_params((ll_step_kind)k, &np);
		for (size_t i = 0; i < np && same; i++)
			same = !strcmp(ll_session_get(s, (ll_step_kind)k, d[i].key),
				       ll_session_get(&f, (ll_step_kind)k, d[i].key));
	}
	ll_session_free(&f);
	return same;
}

static int set_value(wb *w, ll_step_kind k, const char *key, const char *value, int undoing)
{
	ll_err err = {0, ""};
	if (wb_busy_refuse(w, "change parameters"))
		return LL_EINVAL;
	/* the key as typed: unknown keys are refused by ll_session_set */
	const char *cur = ll_step_param_index(k, key) >= 0 ? ll_session_get(w->s, k, key) : NULL;
	int same = cur && !strcmp(cur, value);
	char *before = cur && !same && !undoing ? ll_strdup(cur) : NULL;
	int rc = ll_session_set(w->s, k, key, value, &err);
	if (rc != LL_OK) {
		ll_free(before);
		wb_msg(w, 1, "%s", err.msg);
		return rc;
	}
	if (before) {
		if (w->nundo == WB_UNDO) {
			ll_free(w->undo[0].old);
			memmove(w->undo, w->undo + 1, (WB_UNDO - 1) * sizeof w->undo[0]);
			w->nundo--;
		}
		struct wb_undo *u = &w->undo[w->nundo++];
		u->step = k;
		snprintf(u->key, sizeof u->key, "%s", key);
		u->old = before;
	}
	if (same) {
		wb_msg(w, 0, "[%s] %s is already %s: nothing changes", ll_step_name(k), key, value);
		return LL_OK;
	}
	if (values_as_file(w->s))
		w->s->dirty = 0;
	w->gen++;
	wb_view_sync(w);
	wb_log(w, "> :set %s.%s %s%s", ll_step_name(k), key, value, undoing ? " (undo)" : "");
	/* the steps that will run again: what the key feeds, and what depends on it */
	unsigned m = ll_session_stale(k, key);
	char names[200] = "", back[200] = "";
	for (int j = 0; j < LL_NSTEPS; j++)
		if (m & LL_STEP_BIT(j))
			m |= ll_step_dependents(w->s, (ll_step_kind)j);
	/* steps done again: the values are back to those their results were
	 * computed with (ll_session_set restored them) */
	for (int j = 0; j < LL_NSTEPS; j++)
		if ((m & LL_STEP_BIT(j)) && w->s->state[j] != LL_STATE_ABSENT && ll_step_runs((ll_step_kind)j)) {
			char *nb = w->s->state[j] == LL_STATE_DONE ? back : names;
			size_t l = strlen(nb);
			snprintf(nb + l, sizeof names - l, "%s%s", l ? ", " : "", ll_step_name((ll_step_kind)j));
		}
	const char *what = undoing ? "undone: " : "";
	if (!names[0] && back[0])
		wb_msg(w, 0, "%s[%s] %s = %s; back to the values the results were computed with: %s done again", what,
		       ll_step_name(k), key, value, back);
	else if (!names[0])
		wb_msg(w, 0, "%s[%s] %s = %s; results stand", what, ll_step_name(k), key, value);
	else
		wb_msg(w, 0, "%s[%s] %s = %s; will run again: %s%s%s", what, ll_step_name(k), key, value, names,
		       back[0] ? "; done again: " : "", back);
	return LL_OK;
}

int wb_do_set(wb *w, ll_step_kind k, const char *key, const char *value)
{
	return set_value(w, k, key, value, 0);
}

void wb_do_undo(wb *w)
{
	if (wb_busy_refuse(w, "undo"))
		return;
	if (w->nundo == 0) {
		wb_msg(w, 0, "nothing to undo: no parameter was edited");
		return;
	}
	struct wb_undo *u = &w->undo[w->nundo - 1];
	/* the old value passed every check when it was set, but a later
	 * edit of another key may refuse it now: then it stays on the stack */
	if (set_value(w, u->step, u->key, u->old, 1) == LL_OK) {
		ll_free(u->old);
		w->nundo--;
	}
}

void wb_do_quit(wb *w, int force)
{
	if (!force && (w->s->dirty || w->job.active)) {
		w->mode = WB_MODE_CONFIRM;
		w->confirm = w->job.active ? WB_CONFIRM_QUIT_RUN : WB_CONFIRM_QUIT_EDITS;
		return;
	}
	w->quit = 1;
}

static void confirm_text(const wb *w, char *buf, size_t n)
{
	int u;
	switch (w->confirm) {
	case WB_CONFIRM_QUIT_RUN: snprintf(buf, n, "A step runs: cancel it and quit? (y/n)"); break;
	case WB_CONFIRM_QUIT_EDITS:
		snprintf(buf, n, "Unsaved edits: quit anyway? (y/n, s saves first)");
		break;
	default:
		/* asked only with no step running (w is refused while one
		 * runs), so the session's states are the main thread's to read:
		 * the other questions are drawn while a worker writes them */
		u = steps_unrun(w);
		snprintf(buf, n, "%d step%s pending or stale: write a partial report? (y/n)", u,
			 u == 1 ? " is" : "s are");
		break;
	}
}

/* Edits that would be lost by a quit nobody can answer (SIGTERM, SIGHUP,
 * a second Ctrl-C) go to FILE.unsaved.lab beside the session's file, so
 * nothing typed is lost; the message is printed once the terminal is
 * back (*note). */
static void keep_unsaved(wb *w, char *note, size_t n)
{
	note[0] = '\0';
	if (!w->s->dirty || w->job.active)
		return;
	size_t l = strlen(w->save_path);
	char *p = ll_malloc(l + 16);
	ll_err err = {0, ""};
	if (!p)
		return;
	memcpy(p, w->save_path, l + 1);
	if (l > 4 && !strcmp(p + l - 4, ".lab"))
		p[l - 4] = '\0';
	strcat(p, ".unsaved.lab");
	if (ll_session_save_copy(w->s, p, &err) == LL_OK)
		snprintf(note, n, "tui: unsaved edits kept in %s", p);
	else
		snprintf(note, n, "tui: unsaved edits lost: %s", err.msg);
	ll_free(p);
}

/* -------------------------------------------------------------- frame */

static void draw_tabs(wb *w)
{
	char right[160], name[64];
	wb_view v;
	wb_job j;
	wb_view_get(w, &v, &j);
	snprintf(name, sizeof name, "%s", ll_session_get(w->s, LL_STEP_SESSION, "name"));
	if (w->job.active) {
		int pct = j.frac >= 0 ? (int)(100 * j.frac + 0.5) : -1;
		if (pct >= 0)
			snprintf(right, sizeof right, "%s %s %d%%  %s%s ", w->g->arrow, ll_step_name(j.step), pct,
				 name, w->s->dirty ? " [+]" : "");
		else
			snprintf(right, sizeof right, "%s %s  %s%s ", w->g->arrow, ll_step_name(j.step), name,
				 w->s->dirty ? " [+]" : "");
	} else {
		snprintf(right, sizeof right, "%s%s ", name, w->s->dirty ? " [+]" : "");
	}
	int rw = text_cells(right);
	int longw = 0;
	for (int i = 0; i < WB_NSCREENS; i++)
		longw += (int)strlen(wb_screens[i]->name) + 5;
	const char *title = " latentlab ";
	int tw = (int)strlen(title);
	int use_title = tw + longw + rw <= w->cols;
	int long_names = longw + rw <= w->cols || use_title; /* and a blank between tabs */
	int shortw = 0;
	for (int i = 0; i < WB_NSCREENS; i++)
		shortw += (int)strlen(wb_screens[i]->tab) + 4; /* " 1 Tab " */
	int digits = !long_names && shortw > w->cols; /* only the screen shown is named */
	wb_fill(0, 0, w->cols, wb_attr(w, LL_ROLE_TAB));
	int x = 0;
	if (use_title)
		x += wb_put(w, 0, x, w->cols, wb_attr(w, LL_ROLE_TITLE), title);
	for (int i = 0; i <= WB_NSCREENS; i++)
		w->tab_x[i] = w->cols;
	for (int i = 0; i < WB_NSCREENS && x < w->cols; i++) {
		char tab[32];
		w->tab_x[i] = x;
		if (digits && i != w->screen)
			snprintf(tab, sizeof tab, " %d ", i + 1);
		else
			snprintf(tab, sizeof tab, " %d %s ", i + 1, long_names ? wb_screens[i]->name : wb_screens[i]->tab);
		x += wb_put(w, 0, x, w->cols - x, wb_attr(w, i == w->screen ? LL_ROLE_TAB_ACTIVE : LL_ROLE_TAB), tab);
		w->tab_x[i + 1] = x;
		if (long_names && x < w->cols)
			x += wb_put(w, 0, x, w->cols - x, wb_attr(w, LL_ROLE_TAB), " ");
	}
	if (x + rw <= w->cols)
		wb_put(w, 0, w->cols - rw, rw, wb_attr(w, w->job.active ? LL_ROLE_STEP_RUNNING : LL_ROLE_TITLE), right);
}

static void draw_progress(wb *w, int y)
{
	wb_job j;
	wb_view_get(w, NULL, &j);
	char head[80], tail[240];
	int x = 0;
	attr_t a = wb_attr(w, LL_ROLE_STATUS);
	wb_fill(y, 0, w->cols, a);
	snprintf(head, sizeof head, " %s %s ", w->g->arrow, j.stage[0] ? j.stage : ll_step_name(j.step));
	x += wb_put(w, y, x, w->cols, wb_attr(w, LL_ROLE_STEP_RUNNING), head);
	int barw = w->cols >= 80 ? 20 : 10;
	if (x + barw + 2 < w->cols) {
		int fill = j.frac >= 0 ? (int)(j.frac * barw + 0.5) : 0;
		x += wb_put(w, y, x, 1, a, "[");
		for (int i = 0; i < barw; i++)
			x += wb_put(w, y, x, 1, i < fill ? wb_attr(w, LL_ROLE_STEP_RUNNING) : a,
				    i < fill ? w->g->spark[7] : w->g->step[0]);
		x += wb_put(w, y, x, 1, a, "]");
	}
	double now = ll_now();
	if (j.frac >= 0)
		snprintf(tail, sizeof tail, " %3.0f%%  %.1f s  %s", 100 * j.frac, now - j.step_t0, j.detail);
	else
		snprintf(tail, sizeof tail, "  %.1f s  %s", now - j.step_t0, j.detail);
	wb_put(w, y, x, w->cols - x, a, tail);
}

static void draw_status(wb *w, int y)
{
	attr_t a = wb_attr(w, LL_ROLE_STATUS);
	if (w->mode == WB_MODE_CMD || w->mode == WB_MODE_SEARCH) {
		wb_fill(y, 0, w->cols, a);
		wb_put(w, y, 0, 1, wb_attr(w, LL_ROLE_KEYHINT), w->mode == WB_MODE_CMD ? ":" : "/");
		wb_edit_draw(w, &w->edit, y, 1, w->cols - 1, a);
		return;
	}
	if (w->mode == WB_MODE_CONFIRM) {
		char q[400];
		confirm_text(w, q, sizeof q);
		wb_fill(y, 0, w->cols, wb_attr(w, LL_ROLE_ERROR));
		wb_put(w, y, 1, w->cols - 1, wb_attr(w, LL_ROLE_ERROR), q);
		return;
	}
	if (w->msg[0] && (!w->job.active || w->msg_err || ll_now() - w->msg_t < 3.0)) {
		attr_t am = wb_attr(w, w->msg_err ? LL_ROLE_ERROR : LL_ROLE_STATUS);
		wb_fill(y, 0, w->cols, am);
		wb_put(w, y, 1, w->cols - 1, am, w->msg);
		return;
	}
	if (w->job.active) {
		draw_progress(w, y);
		return;
	}
	char buf[400];
	buf[0] = '\0';
	wb_screens[w->screen]->status(w, buf, sizeof buf);
	wb_fill(y, 0, w->cols, a);
	int x = 1;
	if (w->stale_used) {
		/* results from before an edit: shown, but said to be old */
		char st[200] = "STALE (";
		for (int k = 0, n = 0; k < LL_NSTEPS; k++)
			if (w->stale_used & LL_STEP_BIT(k)) {
				size_t l = strlen(st);
				snprintf(st + l, sizeof st - l, "%s%s", n++ ? ", " : "", ll_step_name((ll_step_kind)k));
			}
		size_t l = strlen(st);
		snprintf(st + l, sizeof st - l, ": edited since; R reruns)");
		x += wb_put(w, y, x, w->cols - 1, wb_attr(w, LL_ROLE_ERROR), st);
		x += wb_put(w, y, x, w->cols - x, a, "  ");
	}
	wb_put(w, y, x, w->cols - x, a, buf);
}

static void draw(wb *w)
{
	/* a quit prompt whose reason went away: the step ended (the edits
	 * are asked about next), nothing is edited */
	if (w->mode == WB_MODE_CONFIRM && w->confirm == WB_CONFIRM_QUIT_RUN && !w->job.active)
		w->confirm = WB_CONFIRM_QUIT_EDITS;
	if (w->mode == WB_MODE_CONFIRM && w->confirm == WB_CONFIRM_QUIT_EDITS && !w->s->dirty)
		w->mode = WB_MODE_NORMAL;
	erase();
	w->frames++;
	getmaxyx(stdscr, w->rows, w->cols);
	if (w->rows < WB_MIN_ROWS || w->cols < WB_MIN_COLS) {
		char now[64];
		snprintf(now, sizeof now, "(need %dx%d, have %dx%d)", WB_MIN_COLS, WB_MIN_ROWS, w->cols, w->rows);
		const char *lines[] = {"terminal too small", now, "enlarge it to go on"};
		wb_center(w, 0, w->rows, wb_attr(w, LL_ROLE_ERROR), lines, 3);
		curs_set(0);
		refresh();
		return;
	}
	draw_tabs(w);
	wb_stale_lend(w, 1);
	w->stale_used = 0;
	wb_screens[w->screen]->draw(w, 1, w->rows - 3);
	if (w->export_text && !w->help)
		wb_export_frame(w); /* the frame as drawn, before the status line */
	if (w->help)
		wb_help_draw(w);
	draw_status(w, w->rows - 2);
	wb_stale_lend(w, 0);
	wb_hints_draw(w, w->rows - 1);
	if (w->mode == WB_MODE_CMD || w->mode == WB_MODE_EDIT || w->mode == WB_MODE_SEARCH) {
		curs_set(1);
		move(w->edit.cy, w->edit.cx);
	} else {
		curs_set(0);
	}
	refresh();
}

/* -------------------------------------------------------------- input */

static void hist_add(wb *w, const char *line)
{
	if (!*line || (w->nhist && !strcmp(w->hist[w->nhist - 1], line)))
		return;
	char *c = ll_strdup(line);
	if (!c)
		return;
	if (w->nhist == WB_HIST) {
		ll_free(w->hist[0]);
		memmove(w->hist, w->hist + 1, (WB_HIST - 1) * sizeof *w->hist);
		w->nhist--;
	}
	w->hist[w->nhist++] = c;
}

static void cmdline_key(wb *w, int is_key, unsigned ch)
{
	int was_tab = !is_key && ch == '\t';
	if (!was_tab)
		w->compl[0] = '\0'; /* the candidates of the last Tab */
	if (was_tab) {
		wb_command_complete(w);
		return;
	}
	if (is_key && (ch == KEY_UP || ch == KEY_DOWN)) {
		if (!w->nhist)
			return;
		w->hist_i += ch == KEY_UP ? -1 : 1;
		if (w->hist_i < 0)
			w->hist_i = 0;
		if (w->hist_i >= w->nhist) {
			w->hist_i = w->nhist;
			wb_edit_start(&w->edit, "");
		} else {
			wb_edit_start(&w->edit, w->hist[w->hist_i]);
		}
		return;
	}
	if (is_key && ch == KEY_BACKSPACE && w->edit.len == 0) {
		w->mode = WB_MODE_NORMAL;
		return;
	}
	int r = wb_edit_key(&w->edit, is_key, ch);
	if (r == 0)
		return;
	w->mode = WB_MODE_NORMAL;
	if (r > 0) {
		char line[sizeof w->edit.buf];
		snprintf(line, sizeof line, "%s", w->edit.buf);
		hist_add(w, line);
		wb_command(w, line);
	}
}

/* ------------------------------------------------------------- search */

/* Where / searches now: the help if it is open, else the screen shown
 * if it has a search; -2 for nowhere. */
static int search_here(const wb *w)
{
	if (w->help)
		return WB_SEARCH_HELP;
	return wb_screens[w->screen]->search ? w->screen : -2;
}

static void search_run(wb *w, int dir)
{
	int found = w->search_where == WB_SEARCH_HELP ? wb_help_search(w, dir)
						     : wb_screens[w->search_where]->search(w, w->search, dir);
	if (found) {
		w->search_live = 1;
		wb_msg(w, 0, "/%s  (n next, N previous, Esc clears)", w->search);
	} else {
		w->search_live = 0;
		wb_msg(w, 1, "/%s: no match", w->search);
	}
}

/* Back to where the cursor was when / was pressed (incremental search). */
static void isearch_restore(wb *w)
{
	if (w->search_where == WB_SEARCH_HELP) {
		w->help_hit = w->isearch_hit;
		w->help_top = w->isearch_top;
	} else if (w->isearch_snap && w->search_where >= 0) {
		memcpy(w->state[w->search_where], w->isearch_snap, wb_screens[w->search_where]->state_size);
	}
}

static void isearch_end(wb *w)
{
	ll_free(w->isearch_snap);
	w->isearch_snap = NULL;
	w->mode = WB_MODE_NORMAL;
}

static void search_start(wb *w)
{
	int where = search_here(w);
	if (where == -2) {
		wb_msg(w, 0, "/: no search on the %s screen (the Pipeline, the Log and the help have one)",
		       wb_screens[w->screen]->name);
		return;
	}
	w->search_where = where;
	w->mode = WB_MODE_SEARCH;
	wb_edit_start(&w->edit, "");
	/* where to come back to on Esc (out of memory: the cursor stays
	 * where the last jump left it, as before incremental search) */
	ll_free(w->isearch_snap);
	w->isearch_snap = NULL;
	if (where == WB_SEARCH_HELP) {
		w->isearch_hit = w->help_hit;
		w->isearch_top = w->help_top;
	} else if ((w->isearch_snap = ll_malloc(wb_screens[where]->state_size)) != NULL) {
		memcpy(w->isearch_snap, w->state[where], wb_screens[where]->state_size);
	}
	snprintf(w->search_prev, sizeof w->search_prev, "%s", w->search);
}

static void search_key(wb *w, int is_key, unsigned ch)
{
	if (is_key && ch == KEY_BACKSPACE && w->edit.len == 0) {
		isearch_restore(w);
		isearch_end(w);
		return;
	}
	int r = wb_edit_key(&w->edit, is_key, ch);
	/* every key starts from where / was pressed: the first match from
	 * there, as less and vim's incsearch do */
	isearch_restore(w);
	if (r == 0) {
		if (w->edit.buf[0]) {
			snprintf(w->search, sizeof w->search, "%s", w->edit.buf);
			/* no match: the cursor stays where / was pressed (the
			 * line being typed hides messages; Enter says so) */
			if (w->search_where == WB_SEARCH_HELP)
				wb_help_search(w, 1);
			else
				wb_screens[w->search_where]->search(w, w->search, 1);
			snprintf(w->search, sizeof w->search, "%s", w->search_prev);
		}
		return;
	}
	isearch_end(w);
	if (r < 0) {
		wb_msg(w, 0, "search abandoned");
		return;
	}
	if (!w->edit.buf[0]) { /* an empty pattern repeats the last one */
		if (!w->search[0]) {
			wb_msg(w, 0, "no search yet: type a word after /");
			return;
		}
	} else {
		snprintf(w->search, sizeof w->search, "%s", w->edit.buf);
	}
	search_run(w, 1);
}

/* n, N and Esc while a search is live where the keys go; 1 if taken. */
static int search_live_key(wb *w, int is_key, unsigned ch)
{
	if (!w->search_live || is_key || search_here(w) != w->search_where)
		return 0;
	if (ch == 'n' || ch == 'N') {
		search_run(w, ch == 'n' ? 1 : -1);
		return 1;
	}
	if (ch == 27 && !w->job.active) {
		w->search_live = 0;
		wb_msg(w, 0, "search cleared");
		return 1;
	}
	return 0;
}

static void global_action(wb *w, const wb_key *k)
{
	switch (k->act) {
	case WB_A_TAB_NEXT: w->screen = (w->screen + 1) % WB_NSCREENS; break;
	case WB_A_TAB_PREV: w->screen = (w->screen + WB_NSCREENS - 1) % WB_NSCREENS; break;
	case WB_A_TAB: wb_set_screen(w, k->arg); break;
	case WB_A_HELP: w->help = 1; w->help_top = 0; break;
	case WB_A_CMDLINE:
		w->mode = WB_MODE_CMD;
		w->hist_i = w->nhist;
		wb_edit_start(&w->edit, "");
		break;
	case WB_A_REPORT: wb_do_report(w); break;
	case WB_A_SAVE: wb_do_save(w, NULL); break;
	case WB_A_UNDO: wb_do_undo(w); break;
	case WB_A_QUIT: wb_do_quit(w, 0); break;
	case WB_A_CANCEL:
		if (w->job.active) {
			w->cancel = 1;
			wb_msg(w, 0, "canceling...");
		} else if (wb_submode(w) != 0) {
			wb_screens[w->screen]->action(w, WB_A_BACK, 0);
		} else {
			wb_msg(w, 0, "no step is running");
		}
		break;
	case WB_A_REDRAW: clearok(curscr, TRUE); break;
	case WB_A_SEARCH: search_start(w); break;
	default: break;
	}
}

/* A key as the help names it ("Right", "F5", "Shift-Tab"), never as
 * curses does ("KEY_RIGHT"). */
static void describe_key(int is_key, unsigned ch, char *buf, size_t n)
{
	static const struct {
		int key;
		const char *name;
	} names[] = {
		{KEY_UP, "Up"}, {KEY_DOWN, "Down"}, {KEY_LEFT, "Left"}, {KEY_RIGHT, "Right"},
		{KEY_HOME, "Home"}, {KEY_END, "End"}, {KEY_NPAGE, "PgDn"}, {KEY_PPAGE, "PgUp"},
		{KEY_IC, "Insert"}, {KEY_DC, "Delete"}, {KEY_BACKSPACE, "Backspace"}, {KEY_ENTER, "Enter"},
		{KEY_BTAB, "Shift-Tab"}, {KEY_SLEFT, "Shift-Left"}, {KEY_SRIGHT, "Shift-Right"},
		{KEY_SR, "Shift-Up"}, {KEY_SF, "Shift-Down"}, {KEY_SHOME, "Shift-Home"}, {KEY_SEND, "Shift-End"},
		{KEY_B2, "Keypad-5"}, {KEY_MOUSE, "the mouse"},
	};
	if (is_key) {
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
			if (names[i].key == (int)ch) {
				snprintf(buf, n, "%s", names[i].name);
				return;
			}
		if ((int)ch >= KEY_F(1) && (int)ch <= KEY_F(12))
			snprintf(buf, n, "F%d", (int)ch - KEY_F0);
		else if ((int)ch >= KEY_F(13) && (int)ch <= KEY_F(24))
			snprintf(buf, n, "Shift-F%d", (int)ch - KEY_F(12));
		else if ((int)ch >= KEY_F(25) && (int)ch <= KEY_F(36))
			snprintf(buf, n, "Ctrl-F%d", (int)ch - KEY_F(24));
		else
			snprintf(buf, n, "key %#o", ch); /* what the terminal sent, as a number */
	} else if (ch == 127) {
		snprintf(buf, n, "Backspace");
	} else if (ch == ' ') {
		snprintf(buf, n, "Space");
	} else if (ch < 32)
		snprintf(buf, n, "Ctrl-%c", (char)(ch + '@'));
	else if (ch < 127)
		snprintf(buf, n, "%c", (char)ch);
	else
		snprintf(buf, n, "U+%04X", ch);
}

/* ------------------------------------------------------------- mouse */

void wb_mouse_set(wb *w, int on)
{
	/* presses, not clicks: with mouseinterval(0) curses reports a press
	 * at once instead of waiting to see whether a release makes it a
	 * click */
	mmask_t want = on ? BUTTON1_PRESSED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
				    | BUTTON5_PRESSED
#endif
			  : 0;
	mousemask(want, NULL);
	mouseinterval(0);
	w->mouse = on;
}

/* The action a list key has on the screen shown (j for WB_A_DOWN), if
 * the screen binds one. */
static int screen_has(const wb *w, int key, int act)
{
	const wb_key *k = wb_screen_key(w, key);
	return k && k->act == act;
}

static void mouse_event(wb *w)
{
	MEVENT ev;
	if (getmouse(&ev) != OK || w->mode != WB_MODE_NORMAL)
		return;
	int down = 0;
#ifdef BUTTON5_PRESSED
	down = (ev.bstate & BUTTON5_PRESSED) != 0;
#endif
	if ((ev.bstate & BUTTON4_PRESSED) || down) {
		/* the wheel: three rows, as j/k would move them; on a screen
		 * whose j/k do something else but that zooms (+ and -: the
		 * Trajectory's 3-D view), one zoom step a notch, up zooming
		 * in, as the report's 3-D view does */
		const wb_key *zk = wb_screen_key(w, down ? '-' : '+');
		wb_stale_lend(w, 1);
		if (!w->help && !screen_has(w, down ? 'j' : 'k', down ? WB_A_DOWN : WB_A_UP)) {
			if (zk)
				wb_screens[w->screen]->action(w, zk->act, zk->arg);
		} else {
			/* in a sub-mode (a zoomed factor) j/k step to the next
			 * item: one a notch */
			int steps = !w->help && wb_submode(w) != 0 ? 1 : 3;
			for (int i = 0; i < steps; i++) {
				if (w->help)
					wb_help_key(w, down ? 'j' : 'k');
				else
					wb_screens[w->screen]->action(w, down ? WB_A_DOWN : WB_A_UP, 0);
			}
		}
		wb_stale_lend(w, 0);
		return;
	}
	if (!(ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) || w->help)
		return;
	if (ev.y == 0) {
		for (int i = 0; i < WB_NSCREENS; i++)
			if (ev.x >= w->tab_x[i] && ev.x < w->tab_x[i + 1])
				wb_set_screen(w, i);
		return;
	}
	if (ev.y < w->rows - 2 && wb_screens[w->screen]->click) {
		wb_stale_lend(w, 1);
		wb_screens[w->screen]->click(w, ev.y, ev.x);
		wb_stale_lend(w, 0);
	}
}

static void handle_key(wb *w, int is_key, unsigned ch)
{
	if (is_key && ch == KEY_RESIZE)
		return; /* the next frame re-reads the size and lays out again */
	if (is_key && ch == KEY_MOUSE) {
		if (w->rows >= WB_MIN_ROWS && w->cols >= WB_MIN_COLS)
			mouse_event(w);
		else
			getmouse(&(MEVENT){.id = 0});
		return;
	}
	int small = w->rows < WB_MIN_ROWS || w->cols < WB_MIN_COLS;
	if (small) {
		/* Only the "too small" notice is drawn: nothing else is
		 * visible, prompts included, so no key may act unseen.  The
		 * exception is quitting.  The quit key (q Q in the global
		 * table, whatever the screen binds it to) quits when that
		 * loses nothing, as at any size; with unsaved edits or a
		 * running step it does nothing, as its question could not be
		 * seen.  Ctrl-C is a signal (handle_signal) and works at any
		 * size: it cancels a running step or asks to quit (the
		 * question shows once the terminal is large enough), and a
		 * second one quits. */
		const wb_key *q = !is_key && ch < 128 ? wb_global_key((int)ch) : NULL;
		if (w->mode == WB_MODE_NORMAL && q && q->act == WB_A_QUIT && !w->s->dirty && !w->job.active)
			w->quit = 1;
		return;
	}
	switch (w->mode) {
	case WB_MODE_CONFIRM:
		if (!is_key && (ch == 'y' || ch == 'Y')) {
			w->mode = WB_MODE_NORMAL;
			if (w->confirm == WB_CONFIRM_REPORT) {
				report_start(w, 1);
			} else if (w->confirm == WB_CONFIRM_QUIT_RUN && w->job.active) {
				/* stop the step, then ask about the edits (wb_run's loop) */
				w->cancel = 1;
				w->quit_after_cancel = 1;
				wb_msg(w, 0, "canceling the step before quitting...");
			} else {
				w->quit = 1;
			}
		} else if (!is_key && w->confirm == WB_CONFIRM_QUIT_EDITS && (ch == 's' || ch == 'S')) {
			w->mode = WB_MODE_NORMAL;
			wb_do_save(w, NULL);
			if (!w->s->dirty)
				w->quit = 1;
		} else if (!is_key && (ch == 'n' || ch == 'N' || ch == 27 || ch == 'q')) {
			w->mode = WB_MODE_NORMAL;
			wb_msg(w, 0, w->confirm == WB_CONFIRM_REPORT ? "no report written" : "not quitting");
		}
		return;
	case WB_MODE_CMD:
		cmdline_key(w, is_key, ch);
		return;
	case WB_MODE_SEARCH:
		search_key(w, is_key, ch);
		return;
	case WB_MODE_EDIT: {
		int r = wb_edit_key(&w->edit, is_key, ch);
		if (r)
			wb_screens[w->screen]->edit_done(w, r > 0);
		return;
	}
	default:
		break;
	}
	int code = is_key ? (int)ch : ch < 128 ? (int)ch : -1;
	w->msg[0] = '\0';
	if (search_live_key(w, is_key, ch))
		return;
	if (w->help) {
		if (!is_key && ch == '/')
			search_start(w);
		else
			wb_help_key(w, code);
		return;
	}
	const wb_key *k;
	if (code >= 0 && (k = wb_screen_key(w, code)) != NULL) {
		wb_stale_lend(w, 1);
		wb_screens[w->screen]->action(w, k->act, k->arg);
		wb_stale_lend(w, 0);
	} else if (code >= 0 && (k = wb_global_key(code)) != NULL) {
		global_action(w, k);
	} else {
		char name[32];
		describe_key(is_key, ch, name, sizeof name);
		wb_msg(w, 0, "%s: no action here (? lists the keys)", name);
	}
}

static void handle_signal(wb *w, int sig)
{
	if (sig == SIGINT) {
		/* Ctrl-C stops the job, not the workbench; with nothing
		 * running it asks to quit like q, and a second one quits */
		if (w->job.active) {
			w->cancel = 1;
			wb_msg(w, 0, "canceling (Ctrl-C)...");
		} else if (w->mode == WB_MODE_CONFIRM && w->confirm != WB_CONFIRM_REPORT) {
			w->quit = 1;
			w->exit_code = 130;
		} else {
			w->mode = WB_MODE_NORMAL;
			wb_do_quit(w, 0);
		}
		return;
	}
	w->quit = 1;
	w->exit_signal = sig;
}

/* ---------------------------------------------------------- lifecycle */

/* the signals that would end the process with the terminal still raw */
#define WB_NSIGS 4
static void install_handlers(struct sigaction *old)
{
	static const int sigs[WB_NSIGS] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a pending read returns at once */
	for (int i = 0; i < WB_NSIGS; i++)
		sigaction(sigs[i], &sa, &old[i]);
}

static void restore_handlers(const struct sigaction *old)
{
	static const int sigs[WB_NSIGS] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	for (int i = 0; i < WB_NSIGS; i++)
		sigaction(sigs[i], &old[i], NULL);
}

static void wb_free(wb *w)
{
	for (int i = 0; i < WB_NSCREENS; i++) {
		if (w->state[i] && wb_screens[i]->free)
			wb_screens[i]->free(w->state[i]);
		ll_free(w->state[i]);
	}
	for (size_t i = 0; i < w->nlog; i++)
		ll_free(w->log[i].text);
	ll_free(w->log);
	for (int i = 0; i < w->nhist; i++)
		ll_free(w->hist[i]);
	ll_free(w->save_path);
	for (size_t i = 0; i < w->nbacked; i++)
		ll_free(w->backed[i]);
	for (int i = 0; i < w->nundo; i++)
		ll_free(w->undo[i].old);
	ll_free(w->backed);
	ll_free(w->cmdline);
	ll_free(w->export_text);
	ll_free(w->isearch_snap);
	ll_outdir_abandon(&w->od); /* a folder it made and wrote nothing into goes again */
	pthread_mutex_destroy(&w->lock);
}

int wb_run(ll_session *s, const wb_opts *o)
{
	wb w;
	memset(&w, 0, sizeof w);
	w.s = s;
	w.outdir = o->outdir;
	w.t0 = ll_now();
	pthread_mutex_init(&w.lock, NULL);
	w.cmdline = ll_strdup(o->cmdline ? o->cmdline : "latentlab tui");
	w.save_path = s->path ? ll_strdup(s->path) : ll_path_join(o->outdir, "session.lab");
	int oom = !w.cmdline || !w.save_path;
	for (int i = 0; i < WB_NSCREENS && !oom; i++) {
		const wb_screen_def *d = wb_screens[i];
		oom = d->state_size && (w.state[i] = ll_calloc(1, d->state_size)) == NULL;
		if (!oom && d->init)
			d->init(&w, w.state[i]);
	}
	if (oom) {
		wb_free(&w);
		wb_error("tui: out of memory");
		return 1;
	}
	/* OUTDIR is ours and ours alone while the workbench runs (as for run) */
	ll_err oerr = {0, ""};
	if (ll_record_open(&w.od, s, o->outdir, o->force ? LL_OUTDIR_FORCE : 0, w.cmdline, &oerr) != LL_OK) {
		wb_free(&w);
		wb_error("tui: %s", oerr.msg);
		return 1;
	}

	int utf8 = ll_locale_is_utf8(); /* also sets the locale ncursesw needs */
	if (o->ascii)
		utf8 = 0;
	else if (o->utf8)
		utf8 = 1;
	w.g = ll_glyphs_get(utf8);

	s->log_fn = wb_log_fn;
	s->log_ud = &w;
	s->report_fn = ll_report_session;
	s->cancel = &w.cancel;
	wb_log(&w, "workbench started on %s; results go to %s", s->path ? s->path : "the built-in demo session",
	       w.outdir);
	/* results a run with these parameters left in OUTDIR are read back,
	 * not computed again (pipeline/ll_resume.h) */
	unsigned resumed = 0;
	if (ll_session_resume(s, w.outdir, &resumed, &oerr) != LL_OK) {
		s->log_fn = NULL;
		s->cancel = NULL;
		wb_free(&w);
		wb_error("tui: %s", oerr.msg);
		return 1;
	}
	if (resumed) {
		char names[200] = "";
		for (int k = 0; k < LL_NSTEPS; k++)
			if (resumed & LL_STEP_BIT(k)) {
				size_t l = strlen(names);
				snprintf(names + l, sizeof names - l, "%s%s", l ? ", " : "", ll_step_name((ll_step_kind)k));
			}
		ll_step_kind next = ll_session_next(s);
		wb_msg(&w, 0, "resumed from %s: %s done (same parameters)%s%s", w.outdir, names,
		       next == LL_NSTEPS ? "" : "; n runs the next step: ", next == LL_NSTEPS ? "" : ll_step_name(next));
		w.gen++;
	}
	wb_view_sync(&w);

	struct sigaction old[WB_NSIGS];
	got_signal = 0;
	install_handlers(old); /* before newterm, so ncurses keeps its hands off them */
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (scr) {
		/* a terminal that cannot place the cursor (TERM=dumb) would show
		 * a blank, unusable screen */
		set_term(scr);
		const char *cup = tigetstr("cup");
		if (!cup || cup == (char *)-1) {
			endwin();
			delscreen(scr);
			scr = NULL;
		}
	}
	if (!scr) {
		restore_handlers(old);
		s->log_fn = NULL;
		s->cancel = NULL;
		wb_free(&w);
		wb_error("tui: cannot use the terminal (TERM=%s): it needs one that can move the cursor, "
			  "e.g. TERM=xterm-256color", getenv("TERM") ? getenv("TERM") : "");
		return 1;
	}
	set_term(scr);
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	timeout(WB_TICK_MS);
	curs_set(0);
	w.no_color = o->no_color;
	const char *tname = o->theme ? o->theme : getenv("LATENTLAB_THEME");
	int kind = ll_theme_kind_pick(tname && *tname ? tname : "dark", getenv("COLORFGBG"));
	ll_theme_start_kind(&w.theme, o->no_color, kind < 0 ? LL_THEME_DARK : kind);
	if (kind < 0)
		wb_msg(&w, 1, "LATENTLAB_THEME=%s is not dark, light or auto: the dark theme it is", tname);
	const char *menv = getenv("LATENTLAB_MOUSE");
	wb_mouse_set(&w, !o->no_mouse && !(menv && (!strcmp(menv, "0") || !strcmp(menv, "off"))));
	w.help_hit = -1;

	while (!w.quit) {
		if (got_signal) {
			int sig = got_signal;
			got_signal = 0;
			handle_signal(&w, sig);
			if (w.quit)
				break;
		}
		wb_job_poll(&w);
		if (w.quit_after_cancel && !w.job.active) {
			w.quit_after_cancel = 0;
			wb_do_quit(&w, 0); /* asks about unsaved edits, if any */
			if (w.quit)
				break;
		}
		if (wb_screens[w.screen]->tick) {
			wb_stale_lend(&w, 1);
			wb_screens[w.screen]->tick(&w);
			wb_stale_lend(&w, 0);
		}
		draw(&w);
		wint_t ch;
		int r = get_wch(&ch);
		if (r == ERR)
			continue;
		handle_key(&w, r == KEY_CODE_YES, (unsigned)ch);
		/* Coalesce: act on every key already queued before drawing
		 * again, so a burst (a held arrow, keys typed ahead on a slow
		 * link) costs one frame, not one per key.  Bounded, so a
		 * flood cannot starve the job poll or the signals. */
		nodelay(stdscr, TRUE);
		for (int i = 0; i < 256 && !w.quit && !got_signal; i++) {
			if ((r = get_wch(&ch)) == ERR)
				break;
			handle_key(&w, r == KEY_CODE_YES, (unsigned)ch);
		}
		timeout(WB_TICK_MS);
	}
	const char *fenv = getenv("LATENTLAB_TUI_FRAMES");
	if (fenv && *fenv) {
		/* for tests and measurements: how many frames were drawn */
		FILE *ff = fopen(fenv, "w");
		if (ff) {
			fprintf(ff, "%lu\n", w.frames);
			fclose(ff);
		}
	}

	if (w.job.active) {
		wb_msg(&w, 0, "stopping the running step...");
		draw(&w);
	}
	wb_job_stop(&w); /* cancel and wait, so nothing touches the session after this */
	char note[600];
	/* a quit without an answer about the edits: a signal, or a second Ctrl-C */
	if (w.exit_signal || w.exit_code == 130)
		keep_unsaved(&w, note, sizeof note);
	else
		note[0] = '\0';
	endwin();
	delscreen(scr);
	restore_handlers(old);
	s->log_fn = NULL;
	s->log_ud = NULL;
	s->cancel = NULL;
	int code = w.exit_code, sig = w.exit_signal;
	wb_free(&w);
	if (note[0])
		wb_error("%s", note);
	if (sig) {
		/* die of the signal, as the caller expects, now that the
		 * terminal is back to normal */
		signal(sig, SIG_DFL);
		raise(sig);
		return 128 + sig;
	}
	return code;
}
