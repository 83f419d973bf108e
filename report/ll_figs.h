/*
 * ll_figs.h - the report's figures, each built from a finished session
 * together with a CSV of exactly the data it plots (a header row, then one
 * row per plotted point).  Nothing is fitted here: the figures read the
 * session's stored results.  One projection is the report's own: the
 * Dynamics section draws a network's states on their principal components
 * (ll_pca, deterministic), a view the dynamics step does not store.
 *
 * Each builder lives with the section that places its figure, in
 * sections/sec_<name>.c, and is listed in that section's descriptor
 * (ll_section.h); this header holds what the builders share.
 *
 * Ownership: an ll_report_fig owns its figure and CSV text; free it with
 * ll_report_fig_free (also after a failed build).
 */
#ifndef LL_FIGS_H
#define LL_FIGS_H

#include "base/ll_common.h"
#include "ll_html.h"
#include "plot/ll_plot.h"
#include "pipeline/ll_session.h"
#include "pipeline/steps/step_data.h"
#include "pipeline/steps/step_tca.h"
#include "pipeline/steps/step_tensor.h"
#include "pipeline/steps/step_train.h"
#include "pipeline/steps/step_traj.h"
#include "similarity/ll_mds.h"

/* The report's PNGs have LL_REPORT_PNG_SCALE pixels per pixel of the size
 * report.html shows them at (sharp on a HiDPI screen, in print and when
 * opened full size), and LL_REPORT_RENDER_SCALE pixels per pixel of their
 * layout (ll_plot_fig.scale): the text, lines and markers of the layout
 * show RENDER / PNG = 1.5 times larger than the plot library's pixel
 * sizes (the 6x13 font reads as 9x19.5). */
#define LL_REPORT_PNG_SCALE 2
#define LL_REPORT_RENDER_SCALE 3

typedef struct ll_report_fig {
	char name[32];     /* file stem: figures/<name>.png and figures/<name>.csv */
	ll_plot_fig fig;
	ll_html_buf csv;   /* header + rows, '\n' line ends */
	size_t csv_rows;   /* data rows, header not counted */
} ll_report_fig;

void ll_report_fig_init(ll_report_fig *f);
void ll_report_fig_free(ll_report_fig *f);

/* Whether the session has what a figure needs. */
int ll_report_has_training(const ll_session *s);
int ll_report_has_tca(const ll_session *s);       /* an ensemble with the chosen rank */
int ll_report_has_traj(const ll_session *s);      /* a set with >= 2 axes of data */
/* array data with per-trial condition labels (on its last mode) */
int ll_report_has_conditions(const ll_session *s);

/* The x position at which the rank figure draws replicate k of n at rank
 * r: the replicates spread over [r - 0.18, r + 0.18] (best first). */
double ll_report_rank_jitter(size_t r, size_t k, size_t n);
/* The colour of the j-th distinct label of a mode (0-based, cycles every
 * 10): Okabe-Ito without yellow first, then black, yellow, grey, brown. */
uint32_t ll_report_label_color(size_t j);
/* x values for n points along a time-like mode: the training steps when
 * they are MNIST's n snapshots (*xlabel = "training step"), else 0..n-1
 * (*xlabel = fallback).  A malloc'd array (caller frees), or NULL. */
double *ll_report_time_axis(const ll_session *s, size_t n, const char *fallback,
			    const char **xlabel);
/* How the figures draw a mode of this kind: "bars", "line" or "dots". */
const char *ll_report_kind_plot(ll_mode_kind k);

/* The report's factors figure (tensortools' plot_factors layout: a row
 * per component, a column per mode) of replicate rep (0 = the best) of
 * the given rank, as the TCA section draws the chosen rank's best; also
 * the workbench's :export png of its Factors screen. */
int ll_report_factors_fig(const ll_session *s, size_t rank, size_t rep, ll_report_fig *f, ll_err *err);

/* ---- for the builders ---- */

/* Start figure f named name (its file stem): f initialised, its plot shown
 * at about w x h pixels (laid out at 2/3 of that, see
 * LL_REPORT_RENDER_SCALE) with rows x cols axes.  LL_OK, or the plotting
 * library's error. */
int ll_report_fig_start(ll_report_fig *f, const char *name, int w, int h, int rows, int cols,
			ll_err *err);
/* The size report.html shows figure f at (its PNG is LL_REPORT_PNG_SCALE
 * times this). */
int ll_report_fig_shown_w(const ll_report_fig *f);
int ll_report_fig_shown_h(const ll_report_fig *f);
/* End a build that reached status rc: check the CSV buffer, lay the plot
 * out, and prefix any error with "figure NAME".  Returns the status. */
int ll_report_fig_finish(ll_report_fig *f, int rc, ll_err *err);
/* snprintf(dst, LL_PLOT_TEXT_MAX, fmt, a): a title or label of a plot */
void ll_report_set_text(char *dst, const char *fmt, const char *a);
/* CSV cells: a number as the shortest of %.15g / %.17g that reads back
 * exactly (empty for NaN), a string quoted when it must be, the comma, and
 * the end of a data row (counted in f->csv_rows). */
void ll_report_csv_num(ll_html_buf *b, double v);
void ll_report_csv_str(ll_html_buf *b, const char *s);
void ll_report_csv_sep(ll_html_buf *b);
void ll_report_csv_end(ll_report_fig *f);
/* A number as ll_report_csv_num, but empty when it is not finite (never
 * "inf"); and the same after a comma. */
void ll_report_csv_finite(ll_html_buf *b, double v);
void ll_report_csv_sep_finite(ll_html_buf *b, double v);

/* One group of points on an MDS map: the points i with group[i] == id,
 * drawn in color, in the legend as "name (count)". */
typedef struct ll_report_group {
	size_t id;
	char name[48];
	uint32_t color;
} ll_report_group;
/* The MDS map md (n points, md->k >= 1 coordinates each; a second of 0
 * when k = 1) on ax: one scatter per group of gr[0..ngr), in that order.
 * Points whose first coordinate is not finite (a system MDS left out) and
 * groups without a point are not drawn.  Labels the axes MDS 1 and 2 (or
 * says there is one dimension), equal axes when 2-D, a grid and a legend;
 * the title is the caller's. */
int ll_report_mds_map(ll_plot_axes *ax, const ll_mds_result *md, size_t n, const size_t *group,
		      const ll_report_group *gr, size_t ngr, ll_err *err);

#endif
