/*
 * ll_report.h - the literate report of a session: OUTDIR/report.md,
 * OUTDIR/report.html (self-contained) and OUTDIR/figures/ (PNG + CSV).
 * It reads the session's results and computes nothing itself.
 */
#ifndef LL_REPORT_H
#define LL_REPORT_H

#include "base/ll_common.h"
#include "ll_html.h"
#include "pipeline/ll_session.h"

/* What a front end tells the report beyond the session: pass one as
 * s->report_ud (or NULL, when nothing is known). */
typedef struct ll_report_opts {
	/* the command line that ran the session, quoted so that a shell runs
	 * it again (ll_report_command), or NULL */
	const char *command;
	/* if not NULL: gets the report's source, the CommonMark with raw HTML
	 * (tables, figures, anchors) that report.html is rendered from and
	 * report.md converted from; for tests of what the sections write */
	ll_html_buf *source;
} ll_report_opts;

/* argv as one command line for a POSIX shell: "latentlab", then each
 * argument, in single quotes when it holds anything but letters, digits
 * and _ . / = : , + @ % - (a ' inside becomes '\''; "" becomes '').
 * malloc'd (ll_free), or NULL when out of memory. */
char *ll_report_command(int argc, char *const *argv);

/* Write the report of s into outdir (an ll_report_fn: ud is a const
 * ll_report_opts *, or NULL):
 * figures/NAME.png + NAME.csv, report.md and report.html.  Every file is
 * written to a temporary name, and all are renamed into place only when
 * all are complete; on error (message names the file) no temporary is
 * left and no figure, report.md or report.html is changed.  Figures of an
 * earlier report in outdir that this one does not draw are removed.
 * Steps that have not run get a note instead of their section's results.
 * The only change to s: s->status[LL_STEP_REPORT] gets a one-line summary.
 * The same session gives the same bytes (dated by s->started). */
int ll_report_session(ll_session *s, const char *outdir, void *ud, ll_err *err);

#endif
