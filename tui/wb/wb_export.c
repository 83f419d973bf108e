/*
 * wb_export.c - `:export`: the view shown, out of the workbench.
 *
 *   :export [text] [FILE]   the screen as drawn (tab bar and screen, not the
 *                           status and hint lines), as UTF-8 text without
 *                           escape codes: read back from curses after the
 *                           next frame is drawn, so it is exactly what shows
 *   :export png [FILE]      the Trajectory screen's paths at the view's
 *                           rotation, zoom and projection, as a PNG drawn
 *                           by the report's plotting code (report/plot);
 *                           on the Factors screen the rank and replicate
 *                           shown, as the report's factors figure
 *   :export slurm [FILE]    an sbatch script that fits the session's TCA
 *                           ensemble as a job array and merges it
 *                           (pipeline/ll_slurm.h writes the text)
 *
 * FILE defaults to a name in OUTDIR (the status line says where); a
 * relative FILE is taken from the working directory.
 */
#include "config.h"

#include <curses.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <wchar.h>

#include "base/ll_fs.h"
#include "draw/ll_view3d.h"
#include "pca/ll_traj.h"
#include "pipeline/ll_slurm.h"
#include "ll_figs.h"
#include "plot/ll_plot.h"
#include "wb/wb.h"

/* FILE, or OUTDIR/name (caller frees). */
static char *target(const wb *w, const char *file, const char *name)
{
	return *file ? ll_strdup(file) : ll_path_join(w->outdir, name);
}

/* ------------------------------------------------------------------ text */

void wb_export_frame(wb *w)
{
	char *path = w->export_text;
	w->export_text = NULL;
	if (!path)
		return;
	ll_err err = {0, ""};
	ll_afile af;
	int rows = w->rows - 2; /* the status and hint lines are left out */
	if (ll_afile_open(&af, path, &err) != LL_OK) {
		wb_msg(w, 1, "not exported: %s", err.msg);
		ll_free(path);
		return;
	}
	mbstate_t ps;
	for (int y = 0; y < rows; y++) {
		char line[8192];
		size_t n = 0, keep = 0;
		for (int x = 0; x < w->cols && n + 2 * MB_LEN_MAX < sizeof line; x++) {
			cchar_t cc;
			wchar_t wc[CCHARW_MAX + 1];
			attr_t a;
			short pair;
			if (mvin_wch(y, x, &cc) == ERR || getcchar(&cc, wc, &a, &pair, NULL) == ERR)
				wc[0] = L' ', wc[1] = 0;
			for (int i = 0; wc[i] && i < CCHARW_MAX; i++) {
				memset(&ps, 0, sizeof ps);
				size_t m = wcrtomb(line + n, wc[i], &ps);
				if (m == (size_t)-1)
					line[n] = '?', m = 1;
				n += m;
			}
			if (!wc[0])
				line[n++] = ' ';
			if (n && line[n - 1] != ' ')
				keep = n; /* trailing blanks go */
		}
		line[keep] = '\0';
		fprintf(af.fp, "%s\n", line);
	}
	if (ll_afile_commit(&af, &err) != LL_OK)
		wb_msg(w, 1, "not exported: %s", err.msg);
	else
		wb_msg(w, 0, "exported the %s screen as text to %s", wb_screens[w->screen]->name, path);
	wb_log(w, "> :export text %s", path);
	ll_free(path);
}

/* ------------------------------------------------------------------- png */

#define PNG_W 960
#define PNG_H 800

static int traj_png(wb *w, const char *path, ll_err *err)
{
	const ll_view3d *view;
	const unsigned char *hidden;
	const ll_traj_set *ts = wb_traj_shown(w, &view, &hidden);
	if (!ts || !ts->n_paths || !ts->n_points)
		return ll_err_set(err, LL_EINVAL, "no trajectories to export yet (run the trajectory step)");
	/* the screen's projection: the same bounds, rotation, zoom and
	 * perspective, on a square of dots; y flipped (dots grow down) */
	double centre[3], radius;
	ll_proj_bounds(ts->xyz, ts->n_paths * ts->n_points, centre, &radius);
	ll_proj p;
	ll_proj_set(&p, view, centre, radius, 1000, 1000);
	ll_plot_fig fig;
	int rc = ll_plot_fig_init(&fig, PNG_W, PNG_H, 1, 1, err);
	if (rc != LL_OK)
		return rc;
	char vs[128];
	ll_view3d_format(view, vs, sizeof vs);
	/* the title takes what fits (it is cut at LL_PLOT_TEXT_MAX anyway) */
	char title[300];
	snprintf(title, sizeof title, "%s paths on %s %s %s (%s)", ts->source, ts->axis_name[0], ts->axis_name[1],
		 ts->axis_name[2], vs);
	memcpy(fig.title, title, sizeof fig.title - 1);
	fig.title[sizeof fig.title - 1] = '\0';
	ll_plot_axes *ax = ll_plot_fig_axes(&fig, 0, 0);
	ax->equal = 1;
	ax->x.ticks = ax->y.ticks = LL_PLOT_TICKS_NONE;
	snprintf(ax->x.label, sizeof ax->x.label, "screen x");
	snprintf(ax->y.label, sizeof ax->y.label, "screen y");
	ax->legend = ts->n_paths <= 12 ? LL_PLOT_LEGEND_BEST : LL_PLOT_LEGEND_OFF;
	double *x = ll_malloc_array(ts->n_points, sizeof *x), *y = ll_malloc_array(ts->n_points, sizeof *y);
	if (!x || !y)
		rc = ll_err_oom(err);
	for (size_t k = 0; k < ts->n_paths && rc == LL_OK; k++) {
		if (hidden && hidden[k])
			continue;
		for (size_t t = 0; t < ts->n_points; t++) {
			double d;
			ll_proj_point(&p, ts->xyz + 3 * (k * ts->n_points + t), &x[t], &y[t], &d);
			y[t] = -y[t];
		}
		ll_plot_style st = {.color = ll_plot_palette(k), .label = ts->labels[k]};
		rc = ll_plot_traj(ax, x, y, ts->n_points, &st, err);
	}
	ll_free(x);
	ll_free(y);
	if (rc == LL_OK) {
		ll_png_text meta[] = {{"Software", "latentlab " PACKAGE_VERSION}, {"Comment", vs}};
		rc = ll_plot_write_png(&fig, path, meta, 2, err);
	}
	ll_plot_fig_free(&fig);
	return rc;
}

static int fact_png(wb *w, const char *path, ll_err *err)
{
	size_t rank, rep;
	if (!wb_fact_shown(w, &rank, &rep))
		return ll_err_set(err, LL_EINVAL, "no factors to export yet (run the tca step)");
	ll_report_fig f;
	int rc = ll_report_factors_fig(w->s, rank, rep, &f, err);
	if (rc == LL_OK) {
		ll_png_text meta[] = {{"Software", "latentlab " PACKAGE_VERSION}};
		rc = ll_plot_write_png(&f.fig, path, meta, 1, err);
	}
	ll_report_fig_free(&f);
	return rc;
}

/* ----------------------------------------------------------------- slurm */

static int slurm_script(wb *w, const char *path, ll_err *err)
{
	if (w->s->state[LL_STEP_TCA] == LL_STATE_ABSENT)
		return ll_err_set(err, LL_EINVAL, "this session has no [tca] step to run on a cluster");
	if (w->s->state[LL_STEP_TENSOR] != LL_STATE_DONE)
		return ll_err_set(err, LL_EINVAL, "run the tensor step first: the script fits %s/tensor/tensor.npy "
				  "(:run tensor)", w->outdir);
	/* the tasks run elsewhere: OUTDIR as an absolute path */
	char *abs = ll_path_rel(w->outdir, "/");
	char *full = abs ? ll_path_join("/", abs) : NULL;
	char *text = full ? ll_slurm_script(w->s, full, err) : NULL;
	int rc = text ? LL_OK : full ? err->code : ll_err_oom(err);
	ll_afile af;
	if (rc == LL_OK && (rc = ll_afile_open(&af, path, err)) == LL_OK) {
		fputs(text, af.fp);
		rc = ll_afile_commit(&af, err);
	}
	if (rc == LL_OK && chmod(path, 0755) != 0)
		rc = ll_err_set(err, LL_EIO, "%s: cannot make it executable", path);
	ll_free(text);
	ll_free(full);
	ll_free(abs);
	return rc;
}

/* ------------------------------------------------------------------- :export */

void wb_export_cmd(wb *w, char *args, int force)
{
	(void)force;
	char *what = args, *file = args + strcspn(args, " \t");
	if (*file)
		*file++ = '\0';
	file += strspn(file, " \t");
	if (strcmp(what, "text") && strcmp(what, "png") && strcmp(what, "slurm")) {
		/* :export FILE: the text of the screen */
		file = what;
		what = "text";
	}
	if (!strcmp(what, "text")) {
		/* what is drawn, even while a step runs: the frame is the UI's */
		char name[64];
		snprintf(name, sizeof name, "%s.txt", wb_screens[w->screen]->id);
		ll_free(w->export_text);
		if (!(w->export_text = target(w, file, name)))
			wb_msg(w, 1, "not exported: out of memory");
		return; /* written once the next frame is drawn (wb_export_frame) */
	}
	ll_err err = {0, ""};
	int png = !strcmp(what, "png"), fact = w->screen == WB_SCR_fact;
	if (png && w->screen != WB_SCR_traj && !fact) {
		wb_msg(w, 1, ":export png draws the Trajectory view (3) or the Factors shown (2): switch to one first");
		return;
	}
	if (wb_busy_refuse(w, "export"))
		return;
	char *path = target(w, file, !png ? "tca_array.sbatch" : fact ? "factors.png" : "trajectory.png");
	int rc = !path ? ll_err_oom(&err)
		 : !png ? slurm_script(w, path, &err)
		 : fact ? fact_png(w, path, &err)
			: traj_png(w, path, &err);
	if (rc != LL_OK)
		wb_msg(w, 1, "not exported: %s", err.msg);
	else if (png)
		wb_msg(w, 0, "exported the %s as a PNG to %s", fact ? "factors shown" : "trajectory view", path);
	else
		wb_msg(w, 0, "wrote a Slurm job array for the tca step to %s (sbatch it; see its head)", path);
	if (rc == LL_OK)
		wb_log(w, "> :export %s %s", what, path);
	ll_free(path);
}
