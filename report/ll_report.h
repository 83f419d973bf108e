/*
 * ll_report.h - the literate report of a session: OUTDIR/report.md,
 * OUTDIR/report.html (self-contained) and OUTDIR/figures/ (PNG + CSV).
 * It reads the session's results and computes nothing itself.
 */
#ifndef LL_REPORT_H
#define LL_REPORT_H

#include "ll_common.h"
#include "ll_session.h"

/* Write the report of s into outdir (an ll_report_fn: ud is unused).
 * Every file is written to a temporary name and renamed into place. */
int ll_report_session(ll_session *s, const char *outdir, void *ud, ll_err *err);

#endif
