/*
 * wb_log.c - the Log screen: every line the session reported through its
 * log_fn (steps starting, finishing, failing, warnings) and every action
 * taken here, as its `:` command, each with the seconds since the
 * workbench started.  It follows new lines while scrolled to the end.
 * Long lines (a rank choice's reason) are cut at the edge; h/l (Left,
 * Right) scroll sideways to read the rest.  / searches it (wb_match).
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "wb/wb.h"

typedef struct wb_logview {
	size_t top; /* first line shown */
	int follow; /* scrolled to the end: keep there as lines come */
	int left;   /* cells of text scrolled off to the left */
	long hit;   /* the line of the current match, or -1 */
} wb_logview;

enum { LOG_LEFT = WB_A_SCREEN, LOG_RIGHT, LOG_HOME_COL };

#define LOG_TS 10 /* the time stamp's cells */

static wb_logview *log_state(const wb *w)
{
	return w->state[WB_SCR_log];
}

static size_t log_count(wb *w)
{
	pthread_mutex_lock(&w->lock);
	size_t n = w->nlog;
	pthread_mutex_unlock(&w->lock);
	return n;
}

static void log_draw(wb *w, int y0, int h)
{
	wb_logview *lv = log_state(w);
	pthread_mutex_lock(&w->lock);
	size_t n = w->nlog;
	if (lv->follow || lv->top + (size_t)h > n)
		lv->top = n > (size_t)h ? n - (size_t)h : 0;
	for (int r = 0; r < h && lv->top + (size_t)r < n; r++) {
		const wb_logline *l = &w->log[lv->top + (size_t)r];
		char ts[32];
		snprintf(ts, sizeof ts, "%9.3f ", l->t);
		int x = wb_put(w, y0 + r, 0, w->cols, wb_attr(w, (long)(lv->top + (size_t)r) == lv->hit && w->search_live &&
							       w->search_where == WB_SCR_log
							   ? LL_ROLE_MATCH
							   : LL_ROLE_AXIS), ts);
		int role = LL_ROLE_DEFAULT;
		if (strstr(l->text, "failed") || strstr(l->text, "warning"))
			role = LL_ROLE_STEP_FAILED;
		else if (l->text[0] == '>')
			role = LL_ROLE_KEYHINT;
		else if (strstr(l->text, ": done"))
			role = LL_ROLE_STEP_DONE;
		int room = w->cols - x, cells = 0;
		for (const char *q = l->text; *q; q++)
			cells += !wb_utf8_cont((unsigned char)*q);
		if (lv->left > 0 && cells > 0)
			wb_put(w, y0 + r, x - 1, 1, wb_attr(w, LL_ROLE_AXIS), "<"); /* more to the left */
		wb_put_hl(w, WB_SCR_log, y0 + r, x, room, wb_attr(w, role), l->text, lv->left);
		if (cells - lv->left > room)
			wb_put(w, y0 + r, w->cols - 1, 1, wb_attr(w, LL_ROLE_AXIS), w->g->arrow); /* more to the right */
	}
	pthread_mutex_unlock(&w->lock);
}

static void log_status(wb *w, char *buf, size_t n)
{
	size_t total = log_count(w);
	const wb_logview *lv = log_state(w);
	if (lv->left > 0)
		snprintf(buf, n, "%zu lines  |  from column %d: h/Left scrolls back, 0 to the start  |  %s", total,
			 lv->left + 1, lv->follow ? "following new lines" : "G follows new lines");
	else
		snprintf(buf, n, "%zu lines  |  %s  |  l/Right scrolls long lines  |  times are seconds since the workbench started",
			 total, lv->follow ? "following new lines" : "G follows new lines");
}

static void log_action(wb *w, int act, int arg)
{
	(void)arg;
	wb_logview *lv = log_state(w);
	size_t n = log_count(w);
	int h = w->rows - 3, page = h / 2 > 1 ? h / 2 : 1;
	size_t last = n > (size_t)h ? n - (size_t)h : 0;
	long top = (long)lv->top;
	switch (act) {
	case WB_A_DOWN: top++; break;
	case WB_A_UP: top--; break;
	case WB_A_PGDN: top += page; break;
	case WB_A_PGUP: top -= page; break;
	case WB_A_TOP: top = 0; break;
	case WB_A_BOTTOM: top = (long)last; break;
	case LOG_LEFT: {
		int step = (w->cols - LOG_TS) / 2 > 1 ? (w->cols - LOG_TS) / 2 : 1;
		lv->left = lv->left > step ? lv->left - step : 0;
		return;
	}
	case LOG_RIGHT: {
		/* half a screen on, but not past the longest line shown */
		int step = (w->cols - LOG_TS) / 2 > 1 ? (w->cols - LOG_TS) / 2 : 1, widest = 0;
		pthread_mutex_lock(&w->lock);
		for (size_t i = lv->top; i < w->nlog && i < lv->top + (size_t)h; i++) {
			int c = 0;
			for (const char *q = w->log[i].text; *q; q++)
				c += !wb_utf8_cont((unsigned char)*q);
			widest = c > widest ? c : widest;
		}
		pthread_mutex_unlock(&w->lock);
		if (lv->left + (w->cols - LOG_TS) < widest)
			lv->left += step;
		else
			wb_msg(w, 0, "no more to the right: the longest line shown ends here");
		return;
	}
	case LOG_HOME_COL: lv->left = 0; return;
	default: return;
	}
	if (top < 0)
		top = 0;
	if ((size_t)top > last)
		top = (long)last;
	lv->top = (size_t)top;
	lv->follow = (size_t)top == last;
}

static int log_search(wb *w, const char *pat, int dir)
{
	wb_logview *lv = log_state(w);
	int h = w->rows - 3, found = 0;
	pthread_mutex_lock(&w->lock);
	size_t n = w->nlog;
	long from = lv->hit >= 0 && (size_t)lv->hit < n ? lv->hit : (long)lv->top - (dir > 0 ? 1 : 0);
	for (size_t step = 1; step <= n && !found; step++) {
		long i = ((from + (dir < 0 ? -1 : 1) * (long)step) % (long)n + (long)n) % (long)n;
		size_t len;
		const char *m = wb_match(w->log[i].text, pat, &len);
		if (!m)
			continue;
		found = 1;
		lv->hit = i;
		/* the line in view, a few rows down; the match in view sideways */
		lv->top = (size_t)(i > 3 ? i - 3 : 0);
		lv->follow = n <= (size_t)h;
		int at = 0;
		for (const char *q = w->log[i].text; q < m; q++)
			at += !wb_utf8_cont((unsigned char)*q);
		int room = w->cols - LOG_TS;
		if (at < lv->left || at + (int)len > lv->left + room)
			lv->left = at > room / 2 ? at - room / 2 : 0;
	}
	pthread_mutex_unlock(&w->lock);
	return found;
}

static void log_init(wb *w, void *state)
{
	wb_logview *lv = state;
	lv->follow = 1;
	lv->hit = -1;
}

static const wb_key log_keys[] = {
	{0, {'j', KEY_DOWN}, "j Down", WB_A_DOWN, 0, NULL, "move down"},
	{0, {'k', KEY_UP}, "k Up", WB_A_UP, 0, NULL, "move up"},
	{0, {'g', KEY_HOME}, "g Home", WB_A_TOP, 0, NULL, "first line"},
	{0, {'G', KEY_END}, "G End", WB_A_BOTTOM, 0, "follow", "last line, and follow new lines"},
	{0, {4, KEY_NPAGE}, "Ctrl-D PgDn", WB_A_PGDN, 0, NULL, "half a page down"},
	{0, {21, KEY_PPAGE}, "Ctrl-U PgUp", WB_A_PGUP, 0, NULL, "half a page up"},
	{0, {'l', KEY_RIGHT}, "l Right", LOG_RIGHT, 0, "scroll", "scroll right: the rest of long lines"},
	{0, {'h', KEY_LEFT}, "h Left", LOG_LEFT, 0, NULL, "scroll left"},
	{0, {'0'}, "0", LOG_HOME_COL, 0, NULL, "back to the start of the lines"},
};

const wb_screen_def wb_screen_log = {
	.name = "Log",
	.tab = "Log",
	.id = "log",
	.state_size = sizeof(wb_logview),
	.init = log_init,
	.draw = log_draw,
	.action = log_action,
	.status = log_status,
	.search = log_search,
	.keys = log_keys,
	.nkeys = sizeof log_keys / sizeof log_keys[0],
};
