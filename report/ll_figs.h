/*
 * ll_figs.h - the report's figures, each built from a finished session
 * together with a CSV of exactly the data it plots (a header row, then one
 * row per plotted point).  Nothing is fitted or projected here: the
 * figures read the session's stored results.
 *
 *   training      test loss and accuracy over training steps, one thin line
 *                 per model and the mean in bold (needs the train step)
 *   tca_rank      error vs rank (every replicate as a dot, a line through the
 *                 best) and similarity to the best vs rank (non-best
 *                 replicates, a line through the mean; y in [0, 1.1])
 *   tca_convergence  objective per iteration of every fit at the chosen rank
 *   factors       the best fit at the chosen rank, tensortools plot_factors
 *                 style: one row per component, one column per mode; bars
 *                 for unit modes, lines for time modes, dots for trial and
 *                 class modes, coloured by label where the mode has labels
 *   trajectories  the 3-D paths in the planes of axes 1-2, 1-3 and 2-3
 *                 (only planes whose axes carry data), start and end marked
 *
 * Each builder lives with the section that shows its figure, in
 * sections/sec_<name>.c; this header declares them and what they share.
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

/* Builders (in sections/): f is initialised here.  LL_EINVAL if the session lacks the
 * results (see the predicates above), LL_ENOMEM, or a plotting error. */
int ll_report_fig_training(const ll_session *s, ll_report_fig *f, ll_err *err);
int ll_report_fig_rank(const ll_session *s, ll_report_fig *f, ll_err *err);
int ll_report_fig_convergence(const ll_session *s, ll_report_fig *f, ll_err *err);
int ll_report_fig_factors(const ll_session *s, ll_report_fig *f, ll_err *err);
int ll_report_fig_traj(const ll_session *s, ll_report_fig *f, ll_err *err);

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

/* ---- for the builders ---- */

/* Start figure f named name (its file stem): f initialised, its plot w x h
 * pixels with rows x cols axes.  LL_OK, or the plotting library's error. */
int ll_report_fig_start(ll_report_fig *f, const char *name, int w, int h, int rows, int cols,
			ll_err *err);
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

#endif
