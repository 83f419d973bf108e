/*
 * wb_log.c - the Log screen: every line the session reported through its
 * log_fn (steps starting, finishing, failing, warnings) and every action
 * taken here, as its `:` command, each with the seconds since the
 * workbench started.  It follows new lines while scrolled to the end.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "wb/wb.h"

typedef struct wb_logview {
	size_t top; /* first line shown */
	int follow; /* scrolled to the end: keep there as lines come */
} wb_logview;

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
		int x = wb_put(w, y0 + r, 0, w->cols, wb_attr(w, LL_ROLE_AXIS), ts);
		int role = LL_ROLE_DEFAULT;
		if (strstr(l->text, "failed") || strstr(l->text, "warning"))
			role = LL_ROLE_STEP_FAILED;
		else if (l->text[0] == '>')
			role = LL_ROLE_KEYHINT;
		else if (strstr(l->text, ": done"))
			role = LL_ROLE_STEP_DONE;
		wb_put(w, y0 + r, x, w->cols - x, wb_attr(w, role), l->text);
	}
	pthread_mutex_unlock(&w->lock);
}

static void log_status(wb *w, char *buf, size_t n)
{
	size_t total = log_count(w);
	snprintf(buf, n, "%zu lines  |  %s  |  times are seconds since the workbench started", total,
		 log_state(w)->follow ? "following new lines" : "G follows new lines");
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
	default: return;
	}
	if (top < 0)
		top = 0;
	if ((size_t)top > last)
		top = (long)last;
	lv->top = (size_t)top;
	lv->follow = (size_t)top == last;
}

static void log_init(wb *w, void *state)
{
	wb_logview *lv = state;
	lv->follow = 1;
}

static const wb_key log_keys[] = {
	WB_LIST_KEYS,
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
	.keys = log_keys,
	.nkeys = sizeof log_keys / sizeof log_keys[0],
};
