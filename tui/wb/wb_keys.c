/*
 * wb_keys.c - the workbench's global keys and `:` commands, and what is
 * generated from them and from every screen's own (wb_screen_def.keys,
 * .cmds): key dispatch, the ? help overlay, the bottom hint bar, the
 * command-line interpreter and `latentlab tui --keys`.  A binding exists
 * only in its table, so the help cannot drift from what the keys do.
 *
 * A context is a screen in one of its sub-modes: its bindings that apply
 * there come first, then the global ones it does not rebind.
 */
#include "config.h"

#include <ctype.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wb/wb.h"

_Static_assert(WB_NSCREENS <= 9, "the digit keys 1-9 choose the screens");

static const wb_key global_keys[] = {
	{0, {'\t'}, "Tab", WB_A_TAB_NEXT, 0, NULL, "next screen"},
	{0, {KEY_BTAB}, "Shift-Tab", WB_A_TAB_PREV, 0, NULL, "previous screen"},
	/* 1, 2, ...: "Pipeline screen", ... */
#define WB_SCREEN(name) {0, {'1' + WB_SCR_##name}, NULL, WB_A_TAB, WB_SCR_##name, NULL, NULL},
#include "wb/screens.def"
#undef WB_SCREEN
	{0, {'s'}, "s", WB_A_SAVE, 0, "save",
	 "save the session to its file (or OUTDIR/session.lab), editing values in place; FILE~ keeps the old one"},
	{0, {'u'}, "u", WB_A_UNDO, 0, NULL, "undo the last parameter edit (again: the one before)"},
	{0, {'w'}, "w", WB_A_REPORT, 0, "report",
	 "write the report into OUTDIR (report.md, report.html, figures/); asks first if steps are pending"},
	{0, {27}, "Esc", WB_A_CANCEL, 0, NULL, "cancel the running step (none running: close a zoom)"},
	{0, {':'}, ":", WB_A_CMDLINE, 0, "cmd", "command line (commands below; Up/Down history, Tab completes)"},
	{0, {'?', KEY_F(1)}, "? F1", WB_A_HELP, 0, "help", "this help"},
	{0, {12}, "Ctrl-L", WB_A_REDRAW, 0, NULL, "redraw the screen"},
	{0, {'q', 'Q'}, "q Q", WB_A_QUIT, 0, "quit", "quit (asks first about a running step, then about unsaved edits)"},
};
#define NGLOBAL (sizeof global_keys / sizeof global_keys[0])

/* What scrolls the help overlay, whatever the screen binds the keys to. */
static const wb_key list_keys[] = {
	WB_LIST_KEYS,
};

/* ------------------------------------------------------------ contexts */

/* The sub-modes of a screen: 1 + its sub_titles. */
static int nsubs(const wb_screen_def *d)
{
	int n = 1;
	while (d->sub_titles && d->sub_titles[n - 1])
		n++;
	return n;
}

static const char *ctx_title(const wb_screen_def *d, int sub)
{
	return sub ? d->sub_titles[sub - 1] : d->name;
}

static int applies(const wb_key *k, int sub)
{
	return !k->sub || (k->sub & WB_SUB(sub));
}

static int key_in(const wb_key *k, int key)
{
	for (size_t i = 0; i < sizeof k->keys / sizeof k->keys[0] && k->keys[i]; i++)
		if (k->keys[i] == key)
			return 1;
	return 0;
}

static const wb_key *find_in(const wb_key *t, size_t n, int sub, int key)
{
	for (size_t i = 0; i < n; i++)
		if (applies(&t[i], sub) && key_in(&t[i], key))
			return &t[i];
	return NULL;
}

const wb_key *wb_global_key(int key)
{
	return find_in(global_keys, NGLOBAL, 0, key);
}

const wb_key *wb_screen_key(const wb *w, int key)
{
	const wb_screen_def *d = wb_screens[w->screen];
	return find_in(d->keys, d->nkeys, wb_submode(w), key);
}

/* Is global key g in effect on screen d in sub-mode sub (not rebound
 * there)?  Judged by its first key. */
static int global_here(const wb_key *g, const wb_screen_def *d, int sub)
{
	return !find_in(d->keys, d->nkeys, sub, g->keys[0]) && wb_global_key(g->keys[0]) == g;
}

/* A binding's label and help; the digit keys' are made from the screen list. */
static const char *key_label(const wb_key *k, char *buf, size_t n)
{
	if (k->label)
		return k->label;
	snprintf(buf, n, "%c", k->keys[0]);
	return buf;
}

static const char *key_help(const wb_key *k, char *buf, size_t n)
{
	if (k->help)
		return k->help;
	snprintf(buf, n, "%s screen", k->act == WB_A_TAB ? wb_screens[k->arg]->name : "?");
	return buf;
}

/* -------------------------------------------------------------- commands */

int wb_parse_long(const char *s, long *v)
{
	char *end;
	if (!s || !*s)
		return 0;
	*v = strtol(s, &end, 10);
	return *end == '\0';
}

/* "a, b, c" from name(0) .. name(count - 1), for messages. */
static void join_names(char *buf, size_t n, int count, const char *(*name)(int i))
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < count && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", name(i));
}

static const char *step_name(int i)
{
	return ll_step_name((ll_step_kind)i);
}

static const char *screen_id(int i)
{
	return wb_screens[i]->id;
}

static void colon_run(wb *w, char *args, int force)
{
	int k;
	if (!*args || !strcmp(args, "all"))
		wb_do_run(w, WB_JOB_ALL);
	else if (!strcmp(args, "next"))
		wb_do_run(w, WB_JOB_NEXT);
	else if ((k = ll_step_by_name(args)) >= 0)
		wb_do_run_step(w, (ll_step_kind)k);
	else
		wb_msg(w, 1, ":run takes 'all', 'next' or a step's name, not '%s'", args);
}

static void colon_cancel(wb *w, char *args, int force)
{
	if (w->job.active) {
		w->cancel = 1;
		wb_msg(w, 0, "canceling...");
	} else {
		wb_msg(w, 0, "no step is running");
	}
}

static void colon_set(wb *w, char *args, int force)
{
	/* STEP.KEY VALUE, or STEP KEY VALUE; VALUE is the rest of the line
	 * (may be empty, may hold spaces) */
	char *step = args, *key, *value, *p;
	step += strspn(step, " \t");
	p = step + strcspn(step, " \t");
	if (*p)
		*p++ = '\0';
	if ((key = strchr(step, '.')) != NULL) {
		*key++ = '\0';
	} else {
		key = p + strspn(p, " \t");
		p = key + strcspn(key, " \t");
		if (*p)
			*p++ = '\0';
	}
	value = p + strspn(p, " \t");
	for (char *e = value + strlen(value); e > value && isspace((unsigned char)e[-1]); e--)
		e[-1] = '\0';
	int k = -1;
	for (int i = 0; i < LL_NSTEPS; i++)
		if (!strcmp(ll_step_name((ll_step_kind)i), step))
			k = i;
	if (!*step || !*key) {
		wb_msg(w, 1, ":set needs STEP.KEY VALUE (e.g. :set tca.ranks 1-4)");
		return;
	}
	if (k < 0) {
		char steps[256];
		join_names(steps, sizeof steps, LL_NSTEPS, step_name);
		wb_msg(w, 1, ":set: no step '%s' (%s)", step, steps);
		return;
	}
	wb_do_set(w, (ll_step_kind)k, key, value);
}

static void colon_save(wb *w, char *args, int force)
{
	wb_do_save(w, *args ? args : NULL);
}

static void colon_undo(wb *w, char *args, int force)
{
	wb_do_undo(w);
}

static void colon_write(wb *w, char *args, int force)
{
	if (*args && strcmp(args, "report") != 0)
		wb_msg(w, 1, ":write writes the report; '%s' is not known", args);
	else
		wb_do_report(w);
}

static void screen_text(char *args, size_t na, char *help, size_t nh)
{
	char ids[256];
	join_names(ids, sizeof ids, WB_NSCREENS, screen_id);
	snprintf(args, na, "1-%d|NAME", WB_NSCREENS);
	snprintf(help, nh, "switch to a screen (%s)", ids);
}

/* 1..N, or the start of a screen's id (the first in tab order wins). */
static int screen_by_name(const char *s)
{
	long v;
	if (wb_parse_long(s, &v))
		return v >= 1 && v <= WB_NSCREENS ? (int)v - 1 : -1;
	for (int i = 0; i < WB_NSCREENS; i++)
		if (*s && !strncmp(wb_screens[i]->id, s, strlen(s)))
			return i;
	return -1;
}

static void colon_screen(wb *w, char *args, int force)
{
	int sc = screen_by_name(args);
	if (sc < 0) {
		char ids[256];
		join_names(ids, sizeof ids, WB_NSCREENS, screen_id);
		wb_msg(w, 1, ":screen takes 1-%d or %s", WB_NSCREENS, ids);
	} else {
		wb_set_screen(w, sc);
	}
}

static void colon_help(wb *w, char *args, int force)
{
	w->help = 1;
	w->help_top = 0;
}

static void colon_quit(wb *w, char *args, int force)
{
	wb_do_quit(w, force);
}

/* The commands on the session, listed before the screens' own... */
static const wb_cmd session_cmds[] = {
	{"run", NULL, "[all|next|STEP]", "run every remaining step, only the next one, or one step (after the steps it needs that have not run)", colon_run, 0, NULL},
	{"cancel", NULL, "", "cancel the running step", colon_cancel, 0, NULL},
	{"set", NULL, "STEP.KEY VALUE", "set a parameter (validated; its step and the steps that depend on it become pending)", colon_set, 0, NULL},
	{"save", NULL, "[PATH]",
	 "save the session (default: its file, or OUTDIR/session.lab); another PATH gets a copy",
	 colon_save, 0, NULL},
	{"undo", "u", "", "undo the last parameter edit", colon_undo, 0, NULL},
	{"write", "w", "[report]", "write the report into OUTDIR", colon_write, 0, NULL},
	{"export", NULL, "[text|png|slurm] [FILE]",
	 "the screen as text, the Trajectory view or the Factors shown as a PNG, or a Slurm job array of the tca step (default FILE in OUTDIR)",
	 wb_export_cmd, 0, NULL},
};
/* ...and the workbench's, after them. */
static const wb_cmd ui_cmds[] = {
	{"screen", NULL, NULL, NULL, colon_screen, 0, screen_text},
	{"help", NULL, "", "this help", colon_help, 0, NULL},
	{"quit", "q", "", "quit; quit! (q!) quits without asking", colon_quit, 1, NULL},
};

/* The i-th command: the session's, every screen's in tab order, then the
 * workbench's; NULL past the end. */
static const wb_cmd *cmd_at(size_t i)
{
	size_t nsession = sizeof session_cmds / sizeof session_cmds[0];
	if (i < nsession)
		return &session_cmds[i];
	i -= nsession;
	for (int s = 0; s < WB_NSCREENS; s++) {
		if (i < wb_screens[s]->ncmds)
			return &wb_screens[s]->cmds[i];
		i -= wb_screens[s]->ncmds;
	}
	return i < sizeof ui_cmds / sizeof ui_cmds[0] ? &ui_cmds[i] : NULL;
}

/* Its args and help (made at run time for :screen). */
static void cmd_text(const wb_cmd *c, char *args, size_t na, char *help, size_t nh)
{
	if (c->text) {
		c->text(args, na, help, nh);
	} else {
		snprintf(args, na, "%s", c->args);
		snprintf(help, nh, "%s", c->help);
	}
}

static const wb_cmd *cmd_find(const char *name)
{
	const wb_cmd *c;
	for (size_t i = 0; (c = cmd_at(i)) != NULL; i++)
		if (!strcmp(c->name, name) || (c->alias && !strcmp(c->alias, name)))
			return c;
	return NULL;
}

void wb_command(wb *w, const char *text)
{
	char line[512], *name, *args;
	snprintf(line, sizeof line, "%s", text);
	name = line + strspn(line, " \t:");
	args = name + strcspn(name, " \t");
	if (*args)
		*args++ = '\0';
	args += strspn(args, " \t");
	for (char *e = args + strlen(args); e > args && isspace((unsigned char)e[-1]); e--)
		e[-1] = '\0';
	if (!*name)
		return;
	int force = 0;
	size_t nl = strlen(name);
	if (nl > 1 && name[nl - 1] == '!') {
		force = 1;
		name[nl - 1] = '\0';
	}
	const wb_cmd *c = cmd_find(name);
	if (!c) {
		wb_msg(w, 1, "unknown command ':%s' (? lists the commands)", name);
		return;
	}
	if (force && !c->bang) {
		wb_msg(w, 1, ":%s does not take '!'", name);
		return;
	}
	c->run(w, args, force);
}

void wb_command_complete(wb_edit *e)
{
	if (memchr(e->buf, ' ', e->len))
		return;
	const char *match = NULL;
	const wb_cmd *c;
	int n = 0;
	for (size_t i = 0; (c = cmd_at(i)) != NULL; i++)
		if (!strncmp(c->name, e->buf, e->len)) {
			match = c->name;
			n++;
		}
	if (n == 1) {
		char buf[64];
		snprintf(buf, sizeof buf, "%s ", match);
		wb_edit_start(e, buf);
	}
}

/* ---------------------------------------------------------------- help */

/* One help line: -1 header, 0 key, 1 command, 2 blank. */
typedef struct help_line {
	int kind;
	const void *p;
	const char *text;
} help_line;

static size_t help_lines(const wb_screen_def *d, int sub, help_line *out, size_t cap)
{
	size_t n = 0;
	const wb_cmd *c;
#define ADD(k, ptr, t) do { if (n < cap) out[n] = (help_line){k, ptr, t}; n++; } while (0)
	ADD(-1, NULL, ctx_title(d, sub));
	for (size_t i = 0; i < d->nkeys; i++)
		if (applies(&d->keys[i], sub))
			ADD(0, &d->keys[i], NULL);
	ADD(2, NULL, NULL);
	ADD(-1, NULL, "Everywhere");
	for (size_t i = 0; i < NGLOBAL; i++)
		if (global_here(&global_keys[i], d, sub)) /* a key the screen rebinds is not global here */
			ADD(0, &global_keys[i], NULL);
	ADD(2, NULL, NULL);
	ADD(-1, NULL, "Commands (type : first, Enter runs)");
	for (size_t i = 0; (c = cmd_at(i)) != NULL; i++)
		ADD(1, c, NULL);
	/* then the other screens and sub-modes, so every binding is listed */
	for (int s = 0; s < WB_NSCREENS; s++) {
		const wb_screen_def *o = wb_screens[s];
		for (int os = 0; os < nsubs(o); os++) {
			if (o == d && os == sub)
				continue;
			ADD(2, NULL, NULL);
			ADD(-1, NULL, ctx_title(o, os));
			for (size_t i = 0; i < o->nkeys; i++)
				if (applies(&o->keys[i], os))
					ADD(0, &o->keys[i], NULL);
		}
	}
#undef ADD
	return n;
}

#define HELP_MAX 256

void wb_help_draw(wb *w)
{
	help_line lines[HELP_MAX];
	size_t n = help_lines(wb_screens[w->screen], wb_submode(w), lines, HELP_MAX);
	if (n > HELP_MAX)
		n = HELP_MAX;
	int bw = w->cols - 4 < 100 ? w->cols - 4 : 100;
	int bh = w->rows - 3;
	int x0 = (w->cols - bw) / 2, y0 = 1;
	int inner = bh - 2;
	if ((size_t)inner >= n)
		w->help_top = 0;
	else if (w->help_top > (int)n - inner)
		w->help_top = (int)n - inner;
	if (w->help_top < 0)
		w->help_top = 0;
	attr_t ab = wb_attr(w, LL_ROLE_BORDER);
	const ll_glyphs *g = w->g;
	/* frame */
	wb_put(w, y0, x0, 1, ab, g->tl);
	for (int x = 1; x < bw - 1; x++)
		wb_put(w, y0, x0 + x, 1, ab, g->hline);
	wb_put(w, y0, x0 + bw - 1, 1, ab, g->tr);
	wb_put(w, y0, x0 + 2, bw - 4, wb_attr(w, LL_ROLE_TITLE),
	       bw >= 60 ? " Help: this screen's keys, the others, the : commands " : " Help ");
	for (int y = 1; y < bh - 1; y++) {
		wb_put(w, y0 + y, x0, 1, ab, g->vline);
		wb_fill(y0 + y, x0 + 1, bw - 2, wb_attr(w, LL_ROLE_DEFAULT));
		wb_put(w, y0 + y, x0 + bw - 1, 1, ab, g->vline);
	}
	wb_put(w, y0 + bh - 1, x0, 1, ab, g->bl);
	for (int x = 1; x < bw - 1; x++)
		wb_put(w, y0 + bh - 1, x0 + x, 1, ab, g->hline);
	wb_put(w, y0 + bh - 1, x0 + bw - 1, 1, ab, g->br);
	char foot[64];
	int last = (int)((size_t)(w->help_top + inner) < n ? (size_t)(w->help_top + inner) : n);
	if (bw >= 60)
		snprintf(foot, sizeof foot, " %d-%d of %zu; j/k scroll, any other key closes ", w->help_top + 1, last, n);
	else
		snprintf(foot, sizeof foot, " %d-%d/%zu ", w->help_top + 1, last, n);
	wb_put(w, y0 + bh - 1, x0 + 2, bw - 4, ab, foot);

	int lw = 14, tw = bw - 4;
	for (int r = 0; r < inner && (size_t)(w->help_top + r) < n; r++) {
		const help_line *hl = &lines[w->help_top + r];
		int y = y0 + 1 + r, x = x0 + 2;
		char buf[160], args[80], help[160];
		switch (hl->kind) {
		case -1:
			wb_put(w, y, x, tw, wb_attr(w, LL_ROLE_TITLE), hl->text);
			break;
		case 0: {
			const wb_key *k = hl->p;
			wb_put(w, y, x, lw, wb_attr(w, LL_ROLE_KEYHINT), key_label(k, buf, sizeof buf));
			wb_put(w, y, x + lw, tw - lw, wb_attr(w, LL_ROLE_DEFAULT), key_help(k, help, sizeof help));
			break;
		}
		case 1: {
			const wb_cmd *c = hl->p;
			cmd_text(c, args, sizeof args, help, sizeof help);
			if (c->alias)
				snprintf(buf, sizeof buf, ":%s (:%s) %s", c->name, c->alias, args);
			else
				snprintf(buf, sizeof buf, ":%s %s", c->name, args);
			int used = wb_put(w, y, x, tw, wb_attr(w, LL_ROLE_KEYHINT), buf);
			int col = used + 2 > 30 ? used + 2 : 30;
			if (col < tw)
				wb_put(w, y, x + col, tw - col, wb_attr(w, LL_ROLE_DEFAULT), help);
			break;
		}
		default:
			break;
		}
	}
}

void wb_help_key(wb *w, int key)
{
	const wb_key *k = key >= 0 ? find_in(list_keys, sizeof list_keys / sizeof list_keys[0], 0, key) : NULL;
	int page = (w->rows - 4) / 2;
	switch (k ? k->act : WB_A_NONE) {
	case WB_A_DOWN: w->help_top++; break;
	case WB_A_UP: w->help_top--; break;
	case WB_A_PGDN: w->help_top += page; break;
	case WB_A_PGUP: w->help_top -= page; break;
	case WB_A_TOP: w->help_top = 0; break;
	case WB_A_BOTTOM: w->help_top = HELP_MAX; break;
	default: w->help = 0; break;
	}
	if (w->help_top < 0)
		w->help_top = 0;
}

static void print_key(FILE *fp, const wb_key *k)
{
	char label[16], help[160];
	fprintf(fp, "  %-13s %s\n", key_label(k, label, sizeof label), key_help(k, help, sizeof help));
}

void wb_keys_print(FILE *fp)
{
	const wb_cmd *c;
	for (int s = 0; s < WB_NSCREENS; s++) {
		const wb_screen_def *d = wb_screens[s];
		for (int sub = 0; sub < nsubs(d); sub++) {
			fprintf(fp, "%s%s\n", s || sub ? "\n" : "", ctx_title(d, sub));
			for (size_t i = 0; i < d->nkeys; i++)
				if (applies(&d->keys[i], sub))
					print_key(fp, &d->keys[i]);
		}
	}
	fprintf(fp, "\nEverywhere\n");
	for (size_t i = 0; i < NGLOBAL; i++)
		print_key(fp, &global_keys[i]);
	fprintf(fp, "\nCommands (after :)\n");
	for (size_t i = 0; (c = cmd_at(i)) != NULL; i++) {
		char head[160], args[80], help[160];
		cmd_text(c, args, sizeof args, help, sizeof help);
		snprintf(head, sizeof head, "%s%s%s%s %s", c->name, c->alias ? " (" : "", c->alias ? c->alias : "",
			 c->alias ? ")" : "", args);
		fprintf(fp, "  :%-40s %s\n", head, help);
	}
}

/* --------------------------------------------------------------- hints */

/* The first key of a label ("j Down" -> "j"). */
static void first_key(const char *label, char *out, size_t n)
{
	size_t i = 0;
	while (label[i] && label[i] != ' ' && i + 1 < n) {
		out[i] = label[i];
		i++;
	}
	out[i] = '\0';
}

static int hint(wb *w, int y, int x, int right, const char *key, const char *what)
{
	int need = (int)strlen(key) + 1 + (int)strlen(what) + 2;
	if (x + need > right)
		return x;
	x += wb_put(w, y, x, right - x, wb_attr(w, LL_ROLE_KEYHINT), key);
	x += wb_put(w, y, x, right - x, wb_attr(w, LL_ROLE_STATUS), " ");
	x += wb_put(w, y, x, right - x, wb_attr(w, LL_ROLE_STATUS), what);
	x += wb_put(w, y, x, right - x, wb_attr(w, LL_ROLE_STATUS), "  ");
	return x;
}

static int key_hint(wb *w, int y, int x, const wb_key *k)
{
	char label[16], key[16];
	first_key(key_label(k, label, sizeof label), key, sizeof key);
	return hint(w, y, x, w->cols, key, k->hint);
}

void wb_hints_draw(wb *w, int y)
{
	int x = 1;
	wb_fill(y, 0, w->cols, wb_attr(w, LL_ROLE_STATUS));
	if (w->mode == WB_MODE_CONFIRM) {
		if (w->confirm == WB_CONFIRM_REPORT) {
			x = hint(w, y, x, w->cols, "y", "write it");
			hint(w, y, x, w->cols, "n", "don't");
			return;
		}
		x = hint(w, y, x, w->cols, "y", w->confirm == WB_CONFIRM_QUIT_RUN ? "cancel and quit" : "quit");
		if (w->confirm == WB_CONFIRM_QUIT_EDITS)
			x = hint(w, y, x, w->cols, "s", "save and quit");
		hint(w, y, x, w->cols, "n", "stay");
		return;
	}
	if (w->help) {
		x = hint(w, y, x, w->cols, "j/k", "scroll");
		x = hint(w, y, x, w->cols, "PgDn/PgUp", "page");
		hint(w, y, x, w->cols, "any other key", "closes the help");
		return;
	}
	if (w->mode == WB_MODE_EDIT || w->mode == WB_MODE_CMD) {
		x = hint(w, y, x, w->cols, "Enter", "accept");
		x = hint(w, y, x, w->cols, "Esc", "abandon");
		x = hint(w, y, x, w->cols, "Left/Right", "move");
		if (w->mode == WB_MODE_CMD) {
			x = hint(w, y, x, w->cols, "Tab", "complete");
			hint(w, y, x, w->cols, "Up/Down", "history");
		}
		return;
	}
	if (w->job.active)
		x = hint(w, y, x, w->cols, "Esc", "cancel");
	const wb_screen_def *d = wb_screens[w->screen];
	int sub = wb_submode(w);
	for (size_t i = 0; i < d->nkeys; i++)
		if (applies(&d->keys[i], sub) && d->keys[i].hint)
			x = key_hint(w, y, x, &d->keys[i]);
	for (size_t i = 0; i < NGLOBAL; i++)
		if (global_keys[i].hint && global_here(&global_keys[i], d, sub))
			x = key_hint(w, y, x, &global_keys[i]);
}
