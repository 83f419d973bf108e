/*
 * wb_keys.c - the workbench's key table and `:` command table, and what is
 * generated from them: key dispatch (wb_key_find), the ? help overlay, the
 * bottom hint bar, and the command-line interpreter.  A binding exists
 * only here, so the help cannot drift from what the keys do.
 */
#include "config.h"

#include <ctype.h>
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wb/wb.h"

#define P WB_C_PIPE
#define F WB_C_FACT
#define T WB_C_TRAJ
#define L WB_C_LOG
#define Z WB_C_ZOOM
#define G WB_C_GLOBAL
#define ENTER_KEYS '\n', '\r', KEY_ENTER

const wb_key wb_keys[] = {
	/* lists */
	{P | F | L | Z, {'j', KEY_DOWN}, "j Down", WB_A_DOWN, 0, NULL, "move down (Factors zoom: next component)"},
	{P | F | L | Z, {'k', KEY_UP}, "k Up", WB_A_UP, 0, NULL, "move up (Factors zoom: previous component)"},
	{P | F | L, {'g', KEY_HOME}, "g Home", WB_A_TOP, 0, NULL, "first row"},
	{P | F | L, {'G', KEY_END}, "G End", WB_A_BOTTOM, 0, NULL, "last row (Log: and follow new lines)"},
	{P | F | L, {4, KEY_NPAGE}, "Ctrl-D PgDn", WB_A_PGDN, 0, NULL, "half a page down"},
	{P | F | L, {21, KEY_PPAGE}, "Ctrl-U PgUp", WB_A_PGUP, 0, NULL, "half a page up"},

	/* pipeline */
	{P, {'n'}, "n", WB_A_RUN_NEXT, 0, "next", "run the next step (in the background)"},
	{P, {'R'}, "R", WB_A_RUN_ALL, 0, "run all", "run every remaining step"},
	{P, {ENTER_KEYS}, "Enter", WB_A_ENTER, 0, NULL, "on a parameter: edit it; on a step: run the next step"},
	{P, {'e'}, "e", WB_A_EDIT, 0, "edit", "edit the parameter in place (Enter accepts, Esc abandons)"},
	{P, {' '}, "Space", WB_A_CYCLE, 0, NULL, "next value of a choice parameter"},
	{P, {'d'}, "d", WB_A_DEFAULT, 0, NULL, "set the parameter to its default"},

	/* factors */
	{F, {ENTER_KEYS}, "Enter", WB_A_ZOOM, 0, "zoom", "zoom the component: one mode as a full-width plot"},
	{F | Z, {'['}, "[", WB_A_RANK_PREV, 0, NULL, "lower rank"},
	{F | Z, {']'}, "]", WB_A_RANK_NEXT, 0, "rank", "higher rank"},
	{F | Z, {'{'}, "{", WB_A_REP_PREV, 0, NULL, "previous replicate (better fit)"},
	{F | Z, {'}'}, "}", WB_A_REP_NEXT, 0, "replicate", "next replicate (worse fit)"},
	{F, {'o'}, "o", WB_A_SORT, 0, "order", "order rows by weight / by component"},
	{Z, {'h', KEY_LEFT}, "h Left", WB_A_MODE_PREV, 0, NULL, "previous mode"},
	{Z, {'l', KEY_RIGHT}, "l Right", WB_A_MODE_NEXT, 0, "mode", "next mode"},
	{Z, {ENTER_KEYS, 'q', KEY_BACKSPACE}, "Enter q", WB_A_BACK, 0, "back", "back to the factor table (also Esc)"},

	/* trajectory: the arg is the ll_view3d action */
	{T, {'h', KEY_LEFT}, "h Left", WB_A_VIEW, LL_VIEW3D_AZ_MINUS, NULL, "turn left (azimuth -15)"},
	{T, {'l', KEY_RIGHT}, "l Right", WB_A_VIEW, LL_VIEW3D_AZ_PLUS, "rotate", "turn right (azimuth +15)"},
	{T, {'j', KEY_DOWN}, "j Down", WB_A_VIEW, LL_VIEW3D_EL_MINUS, NULL, "tilt down (elevation -15)"},
	{T, {'k', KEY_UP}, "k Up", WB_A_VIEW, LL_VIEW3D_EL_PLUS, NULL, "tilt up (elevation +15)"},
	{T, {'H'}, "H", WB_A_VIEW, LL_VIEW3D_AZ_MINUS_FINE, NULL, "azimuth -5"},
	{T, {'L'}, "L", WB_A_VIEW, LL_VIEW3D_AZ_PLUS_FINE, NULL, "azimuth +5"},
	{T, {'J'}, "J", WB_A_VIEW, LL_VIEW3D_EL_MINUS_FINE, NULL, "elevation -5"},
	{T, {'K'}, "K", WB_A_VIEW, LL_VIEW3D_EL_PLUS_FINE, NULL, "elevation +5"},
	{T, {'+', '='}, "+ =", WB_A_VIEW, LL_VIEW3D_ZOOM_IN, "zoom", "zoom in (x1.25)"},
	{T, {'-', '_'}, "- _", WB_A_VIEW, LL_VIEW3D_ZOOM_OUT, NULL, "zoom out"},
	{T, {'p'}, "p", WB_A_VIEW, LL_VIEW3D_PERSPECTIVE, NULL, "orthographic / perspective"},
	{T, {'r', '0'}, "r 0", WB_A_VIEW, LL_VIEW3D_RESET, "reset", "reset the view (azimuth 45, elevation 30)"},
	{T, {'a'}, "a", WB_A_VIEW, LL_VIEW3D_AUTO, "spin", "auto-rotate on/off"},
	{T, {'z'}, "z", WB_A_VIEW, LL_VIEW3D_SNAP_XY, NULL, "look along axis 3: the axis 1-2 plane"},
	{T, {'y'}, "y", WB_A_VIEW, LL_VIEW3D_SNAP_XZ, NULL, "look along axis 2: the axis 1-3 plane"},
	{T, {'x'}, "x", WB_A_VIEW, LL_VIEW3D_SNAP_YZ, NULL, "look along axis 1: the axis 2-3 plane"},
	{T, {'n'}, "n", WB_A_PATH_NEXT, 0, "path", "select the next path (drawn on top)"},
	{T, {'N'}, "N", WB_A_PATH_PREV, 0, NULL, "select the previous path"},
	{T, {' '}, "Space", WB_A_PATH_TOGGLE, 0, "show/hide", "show / hide the selected path"},
	{T, {'o'}, "o", WB_A_PATH_SOLO, 0, NULL, "show only the selected path"},
	{T, {'*'}, "*", WB_A_PATH_ALL, 0, NULL, "show every path"},

	/* everywhere */
	{G, {'\t'}, "Tab", WB_A_TAB_NEXT, 0, NULL, "next screen"},
	{G, {'s'}, "s", WB_A_SAVE, 0, "save", "save the session (its file, or OUTDIR/session.lab)"},
	{G, {KEY_BTAB}, "Shift-Tab", WB_A_TAB_PREV, 0, NULL, "previous screen"},
	{G, {'1'}, "1", WB_A_TAB, WB_PIPE, NULL, "Pipeline screen"},
	{G, {'2'}, "2", WB_A_TAB, WB_FACT, NULL, "Factors screen"},
	{G, {'3'}, "3", WB_A_TAB, WB_TRAJ, NULL, "Trajectory screen"},
	{G, {'4'}, "4", WB_A_TAB, WB_LOG, NULL, "Log screen"},
	{G, {'w'}, "w", WB_A_REPORT, 0, "report", "write the report into OUTDIR (report.md, report.html, figures/)"},
	{G, {27}, "Esc", WB_A_CANCEL, 0, NULL, "cancel the running step (none running: close a zoom)"},
	{G, {':'}, ":", WB_A_CMDLINE, 0, "cmd", "command line (commands below; Up/Down history, Tab completes)"},
	{G, {'?', KEY_F(1)}, "? F1", WB_A_HELP, 0, "help", "this help"},
	{G, {12}, "Ctrl-L", WB_A_REDRAW, 0, NULL, "redraw the screen"},
	{G, {'q', 'Q'}, "q Q", WB_A_QUIT, 0, "quit", "quit (asks first about unsaved edits or a running step)"},
};
const size_t wb_nkeys = sizeof wb_keys / sizeof wb_keys[0];

const wb_cmd wb_cmds[] = {
	{"run", NULL, "[all|next]", "run every remaining step, or only the next one"},
	{"cancel", NULL, "", "cancel the running step"},
	{"set", NULL, "STEP.KEY VALUE", "set a parameter (validated; it and later steps become pending)"},
	{"save", NULL, "[PATH]", "save the session (default: its file, or OUTDIR/session.lab)"},
	{"write", "w", "[report]", "write the report into OUTDIR"},
	{"rank", NULL, "N", "show rank N on the Factors screen"},
	{"replicate", NULL, "N", "show replicate N on the Factors screen (1 = best fit)"},
	{"view", NULL, "az=A el=E zoom=Z proj=ortho|persp", "set the 3-D view"},
	{"screen", NULL, "1-4|NAME", "switch to a screen (pipeline, factors, trajectory, log)"},
	{"help", NULL, "", "this help"},
	{"quit", "q", "", "quit; quit! (q!) quits without asking"},
};
const size_t wb_ncmds = sizeof wb_cmds / sizeof wb_cmds[0];

#undef P
#undef F
#undef T
#undef L
#undef Z
#undef G

static int key_in(const wb_key *k, int key)
{
	for (size_t i = 0; i < sizeof k->keys / sizeof k->keys[0] && k->keys[i]; i++)
		if (k->keys[i] == key)
			return 1;
	return 0;
}

const wb_key *wb_key_find(unsigned ctx, int key)
{
	for (size_t i = 0; i < wb_nkeys; i++)
		if ((wb_keys[i].ctx & ctx) && key_in(&wb_keys[i], key))
			return &wb_keys[i];
	for (size_t i = 0; i < wb_nkeys; i++)
		if ((wb_keys[i].ctx & WB_C_GLOBAL) && key_in(&wb_keys[i], key))
			return &wb_keys[i];
	return NULL;
}

/* ---------------------------------------------------------------- help */

static const char *ctx_title(unsigned ctx)
{
	switch (ctx) {
	case WB_C_PIPE: return "Pipeline";
	case WB_C_FACT: return "Factors";
	case WB_C_ZOOM: return "Factors (zoomed)";
	case WB_C_TRAJ: return "Trajectory";
	case WB_C_LOG: return "Log";
	default: return "";
	}
}

/* One help line: -1 header, 0 key, 1 command, 2 blank. */
typedef struct help_line {
	int kind;
	const void *p;
	const char *text;
} help_line;

static size_t help_lines(unsigned ctx, help_line *out, size_t cap)
{
	size_t n = 0;
#define ADD(k, ptr, t) do { if (n < cap) out[n] = (help_line){k, ptr, t}; n++; } while (0)
	ADD(-1, NULL, ctx ? ctx_title(ctx) : "");
	for (size_t i = 0; i < wb_nkeys; i++)
		if (wb_keys[i].ctx & ctx)
			ADD(0, &wb_keys[i], NULL);
	ADD(2, NULL, NULL);
	ADD(-1, NULL, "Everywhere");
	for (size_t i = 0; i < wb_nkeys; i++)
		if ((wb_keys[i].ctx & WB_C_GLOBAL) && !(wb_keys[i].ctx & ctx)) {
			/* a key the screen rebinds is not global here */
			const wb_key *k = wb_key_find(ctx, wb_keys[i].keys[0]);
			if (k == &wb_keys[i])
				ADD(0, &wb_keys[i], NULL);
		}
	ADD(2, NULL, NULL);
	ADD(-1, NULL, "Commands (type : first, Enter runs)");
	for (size_t i = 0; i < wb_ncmds; i++)
		ADD(1, &wb_cmds[i], NULL);
	/* then the other screens, so every binding is listed */
	static const unsigned others[] = {WB_C_PIPE, WB_C_FACT, WB_C_ZOOM, WB_C_TRAJ, WB_C_LOG};
	for (size_t o = 0; o < sizeof others / sizeof others[0]; o++) {
		if (others[o] == ctx)
			continue;
		ADD(2, NULL, NULL);
		ADD(-1, NULL, ctx_title(others[o]));
		for (size_t i = 0; i < wb_nkeys; i++)
			if (wb_keys[i].ctx & others[o])
				ADD(0, &wb_keys[i], NULL);
	}
#undef ADD
	return n;
}

#define HELP_MAX 256

void wb_help_draw(wb *w, unsigned ctx)
{
	help_line lines[HELP_MAX];
	size_t n = help_lines(ctx, lines, HELP_MAX);
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
		char buf[160];
		switch (hl->kind) {
		case -1:
			wb_put(w, y, x, tw, wb_attr(w, LL_ROLE_TITLE), hl->text);
			break;
		case 0: {
			const wb_key *k = hl->p;
			wb_put(w, y, x, lw, wb_attr(w, LL_ROLE_KEYHINT), k->label);
			wb_put(w, y, x + lw, tw - lw, wb_attr(w, LL_ROLE_DEFAULT), k->help);
			break;
		}
		case 1: {
			const wb_cmd *c = hl->p;
			if (c->alias)
				snprintf(buf, sizeof buf, ":%s (:%s) %s", c->name, c->alias, c->args);
			else
				snprintf(buf, sizeof buf, ":%s %s", c->name, c->args);
			int used = wb_put(w, y, x, tw, wb_attr(w, LL_ROLE_KEYHINT), buf);
			int col = used + 2 > 30 ? used + 2 : 30;
			if (col < tw)
				wb_put(w, y, x + col, tw - col, wb_attr(w, LL_ROLE_DEFAULT), c->help);
			break;
		}
		default:
			break;
		}
	}
}

void wb_help_key(wb *w, int act)
{
	int page = (w->rows - 4) / 2;
	switch (act) {
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

void wb_keys_print(FILE *fp)
{
	static const unsigned ctxs[] = {WB_C_PIPE, WB_C_FACT, WB_C_ZOOM, WB_C_TRAJ, WB_C_LOG, WB_C_GLOBAL};
	for (size_t c = 0; c < sizeof ctxs / sizeof ctxs[0]; c++) {
		fprintf(fp, "%s%s\n", c ? "\n" : "", ctxs[c] == WB_C_GLOBAL ? "Everywhere" : ctx_title(ctxs[c]));
		for (size_t i = 0; i < wb_nkeys; i++)
			if (wb_keys[i].ctx & ctxs[c])
				fprintf(fp, "  %-13s %s\n", wb_keys[i].label, wb_keys[i].help);
	}
	fprintf(fp, "\nCommands (after :)\n");
	for (size_t i = 0; i < wb_ncmds; i++) {
		char head[80];
		snprintf(head, sizeof head, "%s%s%s%s %s", wb_cmds[i].name, wb_cmds[i].alias ? " (" : "",
			 wb_cmds[i].alias ? wb_cmds[i].alias : "", wb_cmds[i].alias ? ")" : "", wb_cmds[i].args);
		fprintf(fp, "  :%-40s %s\n", head, wb_cmds[i].help);
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

void wb_hints_draw(wb *w, unsigned ctx, int y)
{
	int x = 1;
	char key[16];
	wb_fill(y, 0, w->cols, wb_attr(w, LL_ROLE_STATUS));
	if (w->mode == WB_MODE_CONFIRM) {
		x = hint(w, y, x, w->cols, "y", "quit");
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
	for (size_t i = 0; i < wb_nkeys; i++)
		if ((wb_keys[i].ctx & ctx) && wb_keys[i].hint) {
			first_key(wb_keys[i].label, key, sizeof key);
			x = hint(w, y, x, w->cols, key, wb_keys[i].hint);
		}
	for (size_t i = 0; i < wb_nkeys; i++)
		if ((wb_keys[i].ctx & WB_C_GLOBAL) && wb_keys[i].hint &&
		    wb_key_find(ctx, wb_keys[i].keys[0]) == &wb_keys[i]) {
			first_key(wb_keys[i].label, key, sizeof key);
			x = hint(w, y, x, w->cols, key, wb_keys[i].hint);
		}
}

/* ------------------------------------------------------------ commands */

static const wb_cmd *cmd_find(const char *name)
{
	for (size_t i = 0; i < wb_ncmds; i++)
		if (!strcmp(wb_cmds[i].name, name) || (wb_cmds[i].alias && !strcmp(wb_cmds[i].alias, name)))
			return &wb_cmds[i];
	return NULL;
}

static int parse_long(const char *s, long *v)
{
	char *end;
	if (!s || !*s)
		return 0;
	*v = strtol(s, &end, 10);
	return *end == '\0';
}

static void cmd_set(wb *w, char *args)
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
		wb_msg(w, 1, ":set: no step '%s' (session, data, train, tensor, tca, trajectory, report)", step);
		return;
	}
	wb_do_set(w, (ll_step_kind)k, key, value);
}

static int screen_by_name(const char *s)
{
	static const char *const names[] = {"pipeline", "factors", "trajectory", "log"};
	long v;
	if (parse_long(s, &v))
		return v >= 1 && v <= WB_NSCREENS ? (int)v - 1 : -1;
	for (int i = 0; i < WB_NSCREENS; i++)
		if (*s && !strncmp(names[i], s, strlen(s)))
			return i;
	return -1;
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
	if (force && strcmp(c->name, "quit") != 0) {
		wb_msg(w, 1, ":%s does not take '!'", name);
		return;
	}
	long v;
	if (!strcmp(c->name, "run")) {
		if (!*args || !strcmp(args, "all"))
			wb_do_run(w, WB_JOB_ALL);
		else if (!strcmp(args, "next"))
			wb_do_run(w, WB_JOB_NEXT);
		else
			wb_msg(w, 1, ":run takes 'all' or 'next', not '%s'", args);
	} else if (!strcmp(c->name, "cancel")) {
		if (w->job.active) {
			w->cancel = 1;
			wb_msg(w, 0, "canceling...");
		} else {
			wb_msg(w, 0, "no step is running");
		}
	} else if (!strcmp(c->name, "set")) {
		cmd_set(w, args);
	} else if (!strcmp(c->name, "save")) {
		wb_do_save(w, *args ? args : NULL);
	} else if (!strcmp(c->name, "write")) {
		if (*args && strcmp(args, "report") != 0)
			wb_msg(w, 1, ":write writes the report; '%s' is not known", args);
		else
			wb_do_report(w);
	} else if (!strcmp(c->name, "rank")) {
		if (!parse_long(args, &v))
			wb_msg(w, 1, ":rank needs a number");
		else if (wb_fact_set_rank(w, v))
			wb_set_screen(w, WB_FACT);
	} else if (!strcmp(c->name, "replicate")) {
		if (!parse_long(args, &v))
			wb_msg(w, 1, ":replicate needs a number");
		else if (wb_fact_set_rep(w, v))
			wb_set_screen(w, WB_FACT);
	} else if (!strcmp(c->name, "view")) {
		ll_view3d nv = w->traj.view;
		ll_err err = {0, ""};
		if (ll_view3d_parse(&nv, args, &err) != LL_OK) {
			wb_msg(w, 1, ":view: %s", err.msg);
		} else {
			nv.auto_rotate = 0;
			w->traj.view = nv;
			wb_set_screen(w, WB_TRAJ);
		}
	} else if (!strcmp(c->name, "screen")) {
		int sc = screen_by_name(args);
		if (sc < 0)
			wb_msg(w, 1, ":screen takes 1-4 or pipeline, factors, trajectory, log");
		else
			wb_set_screen(w, sc);
	} else if (!strcmp(c->name, "help")) {
		w->help = 1;
		w->help_top = 0;
	} else if (!strcmp(c->name, "quit")) {
		wb_do_quit(w, force);
	}
}

void wb_command_complete(wb_edit *e)
{
	if (memchr(e->buf, ' ', e->len))
		return;
	const char *match = NULL;
	int n = 0;
	for (size_t i = 0; i < wb_ncmds; i++)
		if (!strncmp(wb_cmds[i].name, e->buf, e->len)) {
			match = wb_cmds[i].name;
			n++;
		}
	if (n == 1) {
		char buf[64];
		snprintf(buf, sizeof buf, "%s ", match);
		wb_edit_start(e, buf);
	}
}
