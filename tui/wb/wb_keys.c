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
#include <dirent.h>
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
	{0, {27}, "Esc", WB_A_CANCEL, 0, NULL, "cancel the running step (none running: clear a search, close a zoom)"},
	{0, {':'}, ":", WB_A_CMDLINE, 0, "cmd", "command line (commands below; Up/Down history, Tab completes)"},
	{0, {'/'}, "/", WB_A_SEARCH, 0, NULL,
	 "search the Log, the Pipeline or the help (the cursor follows as you type; Enter keeps it, Esc goes back; then n next, N previous, Esc clears)"},
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
	if ((!strcmp(step, "mouse") || !strcmp(step, "nomouse")) && !*key) { /* as vim's :set mouse */
		wb_mouse_set(w, step[0] == 'm');
		wb_msg(w, 0, "mouse %s", w->mouse ? "on (Shift-drag selects text)" : "off");
		return;
	}
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

static void colon_theme(wb *w, char *args, int force)
{
	int kind = ll_theme_kind_pick(*args ? args : "auto", getenv("COLORFGBG"));
	if (kind < 0) {
		wb_msg(w, 1, ":theme takes dark, light or auto, not '%s'", args);
		return;
	}
	/* the pairs change in place: what is on the screen takes the new
	 * colours at the next frame */
	ll_theme_start_kind(&w->theme, w->no_color, kind);
	if (!w->theme.colors)
		wb_msg(w, 0, "the %s theme is set, but no colour is shown (NO_COLOR, --no-color or the terminal)",
		       kind == LL_THEME_LIGHT_BG ? "light" : "dark");
	else
		wb_msg(w, 0, "%s theme", kind == LL_THEME_LIGHT_BG ? "light" : "dark");
}

static void colon_mouse(wb *w, char *args, int force)
{
	if (*args && strcmp(args, "on") != 0 && strcmp(args, "off") != 0) {
		wb_msg(w, 1, ":mouse takes on or off, not '%s'", args);
		return;
	}
	wb_mouse_set(w, *args ? !strcmp(args, "on") : !w->mouse);
	wb_msg(w, 0, "mouse %s", w->mouse ? "on: wheel scrolls (Trajectory: zooms), a click picks a tab or a row (Shift-drag selects text)"
					 : "off: the terminal selects text as usual");
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
	{"theme", NULL, "[dark|light|auto]", "colours for a dark or a light background (auto: from COLORFGBG)", colon_theme, 0, NULL},
	{"mouse", NULL, "[on|off]", "mouse on/off (also :set mouse, :set nomouse); while on, Shift-drag selects text", colon_mouse, 0, NULL},
	{"quit", "q", "", "quit (:quit! or :q! quits without asking)", colon_quit, 1, NULL},
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

/* ---------------------------------------------------------- completion */

#define WB_NCAND 128

/* Candidates for the word being completed, each the word's whole new
 * text and what follows it when it is the only one (" ", or "" after a
 * STEP. or a folder's "/"). */
typedef struct cands {
	char v[WB_NCAND][128];
	int more[WB_NCAND]; /* 1: nothing follows it (STEP., a folder) */
	int n, over;        /* over: some were left out */
} cands;

static void cand_add(cands *c, const char *word, const char *v, int more)
{
	if (strncmp(v, word, strlen(word)) != 0 || strlen(v) >= sizeof c->v[0])
		return; /* (a name too long to keep is left out, not cut) */
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->v[i], v))
			return;
	if (c->n == WB_NCAND) {
		c->over = 1;
		return;
	}
	snprintf(c->v[c->n], sizeof c->v[0], "%s", v);
	c->more[c->n++] = more;
}

/* Files under the session file's folder (a path key's values are
 * relative to it) or the working directory, for word ("sub/da"). */
static void cand_files(const wb *w, cands *c, const char *word)
{
	char base[1024], dirpart[512], full[1600];
	const char *slash = strrchr(word, '/');
	size_t dl = slash ? (size_t)(slash - word) + 1 : 0;
	snprintf(dirpart, sizeof dirpart, "%.*s", (int)dl, word);
	const char *sp = w->s->path, *ss = sp ? strrchr(sp, '/') : NULL;
	if (word[0] == '/' || !ss)
		snprintf(base, sizeof base, "%s", word[0] == '/' ? "" : ".");
	else
		snprintf(base, sizeof base, "%.*s", (int)(ss - sp), sp);
	snprintf(full, sizeof full, "%s%s%s", base, *base && *dirpart ? "/" : "", dirpart);
	DIR *d = opendir(*full ? full : "/");
	if (!d)
		return;
	const char *leaf = word + dl;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || (e->d_name[0] == '.' && leaf[0] != '.'))
			continue;
		char v[800], path[2200];
		snprintf(v, sizeof v, "%s%s", dirpart, e->d_name);
		snprintf(path, sizeof path, "%s%s%s", full, *full ? "/" : "", e->d_name);
		DIR *sub = opendir(path);
		if (sub) {
			closedir(sub);
			strncat(v, "/", sizeof v - strlen(v) - 1);
		}
		cand_add(c, word, v, sub != NULL);
	}
	closedir(d);
}

/* Values of STEP.KEY: its choices, files for a path, else its value. */
static void cand_values(const wb *w, cands *c, const char *stepkey, const char *word)
{
	char step[64];
	const char *dot = strchr(stepkey, '.');
	if (!dot)
		return;
	snprintf(step, sizeof step, "%.*s", (int)(dot - stepkey), stepkey);
	int k = ll_step_by_name(step), i;
	if (k < 0 || (i = ll_step_param_index((ll_step_kind)k, dot + 1)) < 0)
		return;
	size_t np;
	const ll_param_def *d = &ll_step_params((ll_step_kind)k, &np)[i];
	if (d->type == LL_PARAM_ENUM) {
		char choices[256], *save = NULL;
		snprintf(choices, sizeof choices, "%s", d->choices);
		for (char *t = strtok_r(choices, "|", &save); t; t = strtok_r(NULL, "|", &save))
			cand_add(c, word, t, 0);
	} else if (d->type == LL_PARAM_PATH) {
		cand_files(w, c, word);
	} else {
		cand_add(c, word, ll_session_get(w->s, (ll_step_kind)k, d->key), 0);
		cand_add(c, word, d->def, 0);
	}
}

void wb_command_complete(wb *w)
{
	wb_edit *e = &w->edit;
	cands *c = ll_calloc(1, sizeof *c);
	if (!c)
		return;
	/* the steps present, from the copy the worker makes under the lock:
	 * Tab works while a step runs, and s->state is the worker's then */
	wb_view vw;
	wb_view_get(w, &vw, NULL);
	char line[sizeof e->buf];
	snprintf(line, sizeof line, "%s", e->buf);
	/* the word under completion is the line's last: after the command
	 * name, and for :set after STEP.KEY */
	char *name = line + strspn(line, " \t:");
	char *sp = name + strcspn(name, " \t");
	const char *word;
	if (!*sp) {
		word = name;
		const wb_cmd *cmd;
		for (size_t i = 0; (cmd = cmd_at(i)) != NULL; i++)
			cand_add(c, word, cmd->name, 0);
	} else {
		*sp++ = '\0';
		char *arg = sp + strspn(sp, " \t");
		char *sp2 = arg + strcspn(arg, " \t");
		word = arg;
		if (!strcmp(name, "set")) {
			if (*sp2) { /* STEP.KEY VALUE */
				*sp2++ = '\0';
				word = sp2 + strspn(sp2, " \t");
				cand_values(w, c, arg, word);
			} else if (strchr(arg, '.')) {
				char step[64], v[128];
				snprintf(step, sizeof step, "%.*s", (int)(strchr(arg, '.') - arg), arg);
				int k = ll_step_by_name(step);
				size_t np = 0;
				const ll_param_def *d = k >= 0 ? ll_step_params((ll_step_kind)k, &np) : NULL;
				for (size_t i = 0; i < np; i++) {
					snprintf(v, sizeof v, "%s.%s", step, d[i].key);
					cand_add(c, word, v, 0);
				}
			} else {
				char v[80];
				for (int k = 0; k < LL_NSTEPS; k++)
					if (k == LL_STEP_SESSION || vw.state[k] != LL_STATE_ABSENT) {
						size_t np;
						ll_step_params((ll_step_kind)k, &np);
						snprintf(v, sizeof v, "%s.", ll_step_name((ll_step_kind)k));
						if (np)
							cand_add(c, word, v, 1);
					}
				cand_add(c, word, "mouse", 0);
				cand_add(c, word, "nomouse", 0);
			}
		} else if (!*sp2) {
			if (!strcmp(name, "run")) {
				cand_add(c, word, "all", 0);
				cand_add(c, word, "next", 0);
				for (int k = 0; k < LL_NSTEPS; k++)
					if (ll_step_runs((ll_step_kind)k) && vw.state[k] != LL_STATE_ABSENT)
						cand_add(c, word, ll_step_name((ll_step_kind)k), 0);
			} else if (!strcmp(name, "screen")) {
				for (int i = 0; i < WB_NSCREENS; i++)
					cand_add(c, word, wb_screens[i]->id, 0);
			} else if (!strcmp(name, "theme")) {
				cand_add(c, word, "dark", 0);
				cand_add(c, word, "light", 0);
				cand_add(c, word, "auto", 0);
			} else if (!strcmp(name, "mouse")) {
				cand_add(c, word, "on", 0);
				cand_add(c, word, "off", 0);
			} else if (!strcmp(name, "write") || !strcmp(name, "w")) {
				cand_add(c, word, "report", 0);
			} else if (!strcmp(name, "save")) {
				cand_files(w, c, word);
			}
		}
	}
	size_t head = (size_t)(word - line); /* the text before the word, kept */
	if (c->n == 0) {
		snprintf(w->compl, sizeof w->compl, "no completion for '%s'", word);
	} else {
		/* the candidates' common start, or the one candidate and what follows it */
		for (int i = 1; i < c->n; i++) /* sorted, for files; few, so by insertion */
			for (int j = i; j > 0 && strcmp(c->v[j - 1], c->v[j]) > 0; j--) {
				char t[sizeof c->v[0]];
				int m = c->more[j];
				memcpy(t, c->v[j], sizeof t);
				memcpy(c->v[j], c->v[j - 1], sizeof t);
				memcpy(c->v[j - 1], t, sizeof t);
				c->more[j] = c->more[j - 1];
				c->more[j - 1] = m;
			}
		size_t lcp = strlen(c->v[0]);
		for (int i = 1; i < c->n; i++) {
			size_t j = 0;
			while (j < lcp && c->v[i][j] == c->v[0][j])
				j++;
			lcp = j;
		}
		char out[sizeof e->buf];
		snprintf(out, sizeof out, "%.*s%.*s%s", (int)head, e->buf, (int)lcp, c->v[0],
			 c->n == 1 && !c->more[0] ? " " : "");
		wb_edit_start(e, out);
		if (c->n == 1) {
			w->compl[0] = '\0';
		} else {
			size_t l = (size_t)snprintf(w->compl, sizeof w->compl, "%d:", c->n);
			for (int i = 0; i < c->n && l < sizeof w->compl; i++)
				l += (size_t)snprintf(w->compl + l, sizeof w->compl - l, " %s", c->v[i]);
			if (c->over && l < sizeof w->compl)
				snprintf(w->compl + l, sizeof w->compl - l, " ...");
		}
	}
	ll_free(c);
}

/* ---------------------------------------------------------------- help */

/* One help line: -1 header, 0 key, 1 command, 2 blank, 3 a command's
 * help on a line of its own (its name and arguments are too long to
 * leave it a column). */
typedef struct help_line {
	int kind;
	const void *p;
	const char *text;
} help_line;

/* The help's column for a command's help. */
#define HELP_CMD_COL 30

/* ":name (:alias) args" */
static void cmd_head(const wb_cmd *c, char *buf, size_t n)
{
	char args[80], help[8];
	cmd_text(c, args, sizeof args, help, sizeof help);
	if (c->alias)
		snprintf(buf, n, ":%s (:%s) %s", c->name, c->alias, args);
	else
		snprintf(buf, n, ":%s %s", c->name, args);
}

static int cmd_head_len(const wb_cmd *c)
{
	char buf[160];
	cmd_head(c, buf, sizeof buf);
	return (int)strlen(buf);
}

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
	for (size_t i = 0; (c = cmd_at(i)) != NULL; i++) {
		ADD(1, c, NULL);
		if (cmd_head_len(c) > HELP_CMD_COL - 2)
			ADD(3, c, NULL);
	}
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

/* Line i's text as drawn: the key's label, its help; a command's head,
 * its help.  Returns the column of the second part (0: one part). */
static int line_text(const help_line *hl, char *buf, size_t n, char *rest, size_t nr)
{
	char label[64];
	buf[0] = rest[0] = '\0';
	switch (hl->kind) {
	case -1: snprintf(buf, n, "%s", hl->text); return 0;
	case 0:
		snprintf(buf, n, "%s", key_label(hl->p, label, sizeof label));
		snprintf(rest, nr, "%s", key_help(hl->p, label, sizeof label)); /* the digits' help is made in label */
		return 14;
	case 1: {
		char args[80];
		cmd_head(hl->p, buf, n);
		if (cmd_head_len(hl->p) > HELP_CMD_COL - 2)
			return 0;
		cmd_text(hl->p, args, sizeof args, rest, nr);
		return HELP_CMD_COL;
	}
	case 3: {
		char args[80];
		cmd_text(hl->p, args, sizeof args, rest, nr);
		return HELP_CMD_COL;
	}
	default: return 0;
	}
}

int wb_help_text(const wb *w, int i, char *buf, size_t n)
{
	help_line lines[HELP_MAX];
	size_t nl = help_lines(wb_screens[w->screen], wb_submode(w), lines, HELP_MAX);
	char a[200], b[200];
	if (i < 0 || (size_t)i >= nl || (size_t)i >= HELP_MAX)
		return 0;
	line_text(&lines[i], a, sizeof a, b, sizeof b);
	snprintf(buf, n, "%s %s", a, b);
	return 1;
}

int wb_help_search(wb *w, int dir)
{
	help_line lines[HELP_MAX];
	size_t nl = help_lines(wb_screens[w->screen], wb_submode(w), lines, HELP_MAX);
	if (nl > HELP_MAX)
		nl = HELP_MAX;
	int from = w->help_hit >= 0 ? w->help_hit : w->help_top - (dir > 0 ? 1 : 0);
	for (size_t step = 1; step <= nl; step++) {
		int i = (int)(((long)from + (long)(dir < 0 ? -1 : 1) * (long)step + 2 * (long)nl) % (long)nl);
		char buf[420];
		size_t len;
		wb_help_text(w, i, buf, sizeof buf);
		if (wb_match(buf, w->search, &len)) {
			w->help_hit = i;
			/* the match a few lines from the top, with its header in view */
			w->help_top = i > 2 ? i - 2 : 0;
			return 1;
		}
	}
	return 0;
}

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
	char title[160];
	const char *ctx = ctx_title(wb_screens[w->screen], wb_submode(w));
	snprintf(title, sizeof title, " Help: the %s screen's keys first, then the others and the : commands ", ctx);
	if ((int)strlen(title) > bw - 4)
		snprintf(title, sizeof title, " Help: %s first ", ctx);
	wb_put(w, y0, x0 + 2, bw - 4, wb_attr(w, LL_ROLE_TITLE), title);
	for (int y = 1; y < bh - 1; y++) {
		wb_put(w, y0 + y, x0, 1, ab, g->vline);
		wb_fill(y0 + y, x0 + 1, bw - 2, wb_attr(w, LL_ROLE_DEFAULT));
		wb_put(w, y0 + y, x0 + bw - 1, 1, ab, g->vline);
	}
	wb_put(w, y0 + bh - 1, x0, 1, ab, g->bl);
	for (int x = 1; x < bw - 1; x++)
		wb_put(w, y0 + bh - 1, x0 + x, 1, ab, g->hline);
	wb_put(w, y0 + bh - 1, x0 + bw - 1, 1, ab, g->br);
	char foot[128];
	int last = (int)((size_t)(w->help_top + inner) < n ? (size_t)(w->help_top + inner) : n);
	if (bw >= 60)
		snprintf(foot, sizeof foot, " %d-%d of %zu; j/k scroll, / searches, any other key closes ", w->help_top + 1,
			 last, n);
	else
		snprintf(foot, sizeof foot, " %d-%d/%zu ", w->help_top + 1, last, n);
	wb_put(w, y0 + bh - 1, x0 + 2, bw - 4, ab, foot);

	int tw = bw - 4;
	for (int r = 0; r < inner && (size_t)(w->help_top + r) < n; r++) {
		int i = w->help_top + r;
		const help_line *hl = &lines[i];
		int y = y0 + 1 + r, x = x0 + 2;
		char head[200], rest[200];
		if (w->search_live && w->search_where == WB_SEARCH_HELP && i == w->help_hit)
			wb_put(w, y, x - 1, 1, wb_attr(w, LL_ROLE_MATCH), ">"); /* the current match */
		int col = line_text(hl, head, sizeof head, rest, sizeof rest);
		int role = hl->kind == -1 ? LL_ROLE_TITLE : LL_ROLE_KEYHINT;
		/* a key's label is cut at its column; the rest goes on */
		int lw = hl->kind == 0 ? col : tw;
		wb_put_hl(w, WB_SEARCH_HELP, y, x, lw < tw ? lw : tw, wb_attr(w, role), head, 0);
		if (col && col < tw)
			wb_put_hl(w, WB_SEARCH_HELP, y, x + col, tw - col, wb_attr(w, LL_ROLE_DEFAULT), rest, 0);
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
	default:
		w->help = 0;
		w->help_hit = -1;
		if (w->search_where == WB_SEARCH_HELP)
			w->search_live = 0;
		break;
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

static int key_hint(wb *w, int y, int x, int right, const wb_key *k)
{
	char label[16], key[16];
	first_key(key_label(k, label, sizeof label), key, sizeof key);
	return hint(w, y, x, right, key, k->hint);
}

static int hint_width(const wb_key *k)
{
	char label[16], key[16];
	first_key(key_label(k, label, sizeof label), key, sizeof key);
	return (int)strlen(key) + 1 + (int)strlen(k->hint) + 2;
}

/* The hints kept whatever the width (as htop keeps F1 Help and F10
 * Quit): help and quit. */
static int pinned(const wb_key *k)
{
	return k->act == WB_A_HELP || k->act == WB_A_QUIT;
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
	if (w->mode == WB_MODE_CMD && w->compl[0]) {
		/* Tab's candidates */
		wb_put(w, y, 1, w->cols - 1, wb_attr(w, LL_ROLE_STATUS), w->compl);
		return;
	}
	if (w->mode == WB_MODE_SEARCH) {
		x = hint(w, y, x, w->cols, "Enter", "search");
		x = hint(w, y, x, w->cols, "Esc", "abandon");
		hint(w, y, x, w->cols, "then n/N", "next/previous match");
		return;
	}
	if (w->help) {
		if (w->search_live && w->search_where == WB_SEARCH_HELP) {
			x = hint(w, y, x, w->cols, "n/N", "match");
			x = hint(w, y, x, w->cols, "Esc", "clear");
		}
		x = hint(w, y, x, w->cols, "j/k", "scroll");
		x = hint(w, y, x, w->cols, "/", "search");
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
	const wb_screen_def *d = wb_screens[w->screen];
	int sub = wb_submode(w);
	/* room for the pinned hints at the right end; the others fill
	 * what is left, in table order, and drop out first */
	int pin = 0;
	for (size_t i = 0; i < NGLOBAL; i++)
		if (global_keys[i].hint && pinned(&global_keys[i]) && global_here(&global_keys[i], d, sub))
			pin += hint_width(&global_keys[i]);
	int right = w->cols - pin;
	if (w->job.active)
		x = hint(w, y, x, right, "Esc", "cancel");
	if (w->search_live && w->search_where == w->screen) {
		x = hint(w, y, x, right, "n/N", "match");
		if (!w->job.active)
			x = hint(w, y, x, right, "Esc", "clear");
	}
	for (size_t i = 0; i < d->nkeys; i++)
		if (applies(&d->keys[i], sub) && d->keys[i].hint)
			x = key_hint(w, y, x, right, &d->keys[i]);
	for (size_t i = 0; i < NGLOBAL; i++)
		if (global_keys[i].hint && !pinned(&global_keys[i]) && global_here(&global_keys[i], d, sub))
			x = key_hint(w, y, x, right, &global_keys[i]);
	x = x > right ? x : right;
	for (size_t i = 0; i < NGLOBAL; i++)
		if (global_keys[i].hint && pinned(&global_keys[i]) && global_here(&global_keys[i], d, sub))
			x = key_hint(w, y, x, w->cols, &global_keys[i]);
}
