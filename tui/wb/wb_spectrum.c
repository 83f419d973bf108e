/*
 * wb_spectrum.c - the Spectrum screen: how many dimensions the models'
 * hidden layers use and how their variance falls off with rank
 * (s->res.spectrum, pipeline/steps/step_spectrum.h), and the Hessian's
 * curvature over training when the train step measured it
 * (s->res.train, step_train.h).
 *
 * On top, one line: the model shown and its learning rate (its group of
 * [train] lr), the snapshot and its training step, alpha, PR, dim90 and
 * the ranks of the fit.  n / N (or ] and [) change the model, h / l (the
 * arrows) the snapshot, g / G the first and last.
 *
 * Under it, that spectrum as a braille log-log plot (wb_plot.c):
 * log10 rank against log10 eigenvalue, the eigenvalues as small squares,
 * the fitted power law log lambda_n = intercept - alpha log n as a line
 * over the fit's ranks (heavier on the rank axis), decades labelled, both
 * ranges in a line under it.  r switches to the recorded population's
 * spectrum (cvPCA or covariance) with its fit, when the step has one,
 * and back.
 *
 * At the bottom, the model's alpha, PR and dim90 over training as
 * sparklines, and the Hessian's largest eigenvalue and trace when [train]
 * hessian_top measured them (blank at the snapshots it skipped); the
 * snapshot shown is marked (a caret under it, its cells selected).  For
 * the recording: its files, method, shape, alpha with its bootstrap
 * interval, PR and dim90.
 *
 * Models and snapshots are numbered from 0, as in the step's files
 * (alpha.npy, pr.npy: models x snapshots).  Nothing is computed here but
 * the drawing.
 */
#include "config.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/steps/step_spectrum.h"
#include "pipeline/steps/step_train.h"
#include "wb/wb.h"

#define PLOT_MIN_H 6   /* rows the plot needs: a title and wb_loglog_draw's 5 */
#define DECADES 12.0   /* eigenvalues further below the largest are left out of the plot */

typedef struct wb_spec {
	size_t model, snap; /* shown */
	int rec;            /* the recording's spectrum shown */
	int started;        /* set up on the first results (the last snapshot) */
	wb_loglog plot;
} wb_spec;

static wb_spec *spec_state(const wb *w)
{
	return w->state[WB_SCR_spectrum];
}

enum { A_MODEL_NEXT = WB_A_SCREEN, A_MODEL_PREV, A_SNAP_NEXT, A_SNAP_PREV, A_SNAP_FIRST, A_SNAP_LAST, A_REC };

static int has_models(const struct ll_res_spectrum *r)
{
	return r->models && r->snapshots && r->k && r->eig && r->alpha && r->intercept && r->pr && r->dim90 && r->step;
}

static int has_rec(const struct ll_res_spectrum *r)
{
	return r->has_recording && r->rec.spec.eig && r->rec.spec.k;
}

/* The results, if they can be read now and hold a spectrum; the
 * selection kept within them. */
static const struct ll_res_spectrum *cur(wb *w)
{
	wb_spec *d = spec_state(w);
	const struct ll_res_spectrum *r = wb_results_ready(w, LL_STEP_SPECTRUM) ? w->s->res.spectrum : NULL;
	if (!r || (!has_models(r) && !has_rec(r)))
		return NULL;
	if (!has_models(r)) {
		d->rec = 1;
		return r;
	}
	if (!d->started) {
		d->model = 0;
		d->snap = r->snapshots - 1;
		d->rec = 0;
		d->started = 1;
	}
	if (d->model >= r->models)
		d->model = r->models - 1;
	if (d->snap >= r->snapshots)
		d->snap = r->snapshots - 1;
	if (!has_rec(r))
		d->rec = 0;
	return r;
}

/* The train step's Hessian results when they match the spectra's models
 * and snapshots, else NULL. */
static const struct ll_res_train *hessian(wb *w, const struct ll_res_spectrum *r)
{
	const struct ll_res_train *t = wb_results_ready(w, LL_STEP_TRAIN) ? w->s->res.train : NULL;
	if (!t || !t->hess_k || !t->hess_top || !t->hess_trace || t->log.models != r->models ||
	    t->log.snapshots != r->snapshots)
		return NULL;
	return t;
}

static size_t at(const struct ll_res_spectrum *r, size_t m, size_t j)
{
	return m * r->snapshots + j;
}

static const char *base_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;
	return b ? b + 1 : path ? path : "?";
}

static const char *lambda(const wb *w)
{
	return w->g->utf8 ? "\u03bb" : "lambda";
}

static void draw_empty(wb *w, int y0, int h)
{
	wb_draw_no_results(w, y0, h, LL_STEP_SPECTRUM, "No spectra.", "the eigenspectra",
			   "No spectra: add a [spectrum] step (after [train] with probe_activity, or with a recording) "
			   "to see the hidden layers' eigenspectra and power laws.");
}

/* ---------------------------------------------------------------- the top line */

/* The model's learning rate and its group of [train] lr into buf ("lr 0.1 (group 1)"). */
static void lr_text(wb *w, size_t m, char *buf, size_t n)
{
	size_t nlr = 0;
	double lr = ll_train_model_lr(w->s, m, &nlr);
	if (nlr > 1)
		snprintf(buf, n, "lr %.4g (group %zu)", lr, m % nlr);
	else
		snprintf(buf, n, "lr %.4g", lr);
}

/* The model's line at detail 0 (all) to 3 (the least). */
static void model_line(wb *w, const struct ll_res_spectrum *r, int detail, char *buf, size_t n)
{
	wb_spec *d = spec_state(w);
	size_t m = d->model, j = d->snap, q = at(r, m, j);
	char lr[96], alpha[32];
	lr_text(w, m, lr, sizeof lr);
	if (isfinite(r->alpha[q]))
		snprintf(alpha, sizeof alpha, "%.4f", r->alpha[q]);
	else
		snprintf(alpha, sizeof alpha, "n/a (no fit)");
	if (detail == 0)
		snprintf(buf, n, "model %zu of %zu, %s  |  snapshot %zu of %zu, step %d  |  alpha %s  PR %.4f  dim90 %.0f  |  fit ranks %zu-%zu",
			 m, r->models, lr, j, r->snapshots, r->step[j], alpha, r->pr[q], r->dim90[q], r->fit_lo, r->fit_hi);
	else if (detail == 1)
		snprintf(buf, n, "model %zu, %s  |  snapshot %zu, step %d  |  alpha %s  PR %.4f  dim90 %.0f  |  fit ranks %zu-%zu",
			 m, lr, j, r->step[j], alpha, r->pr[q], r->dim90[q], r->fit_lo, r->fit_hi);
	else if (detail == 2)
		snprintf(buf, n, "model %zu, snap %zu (step %d)  |  alpha %s  PR %.4f  dim90 %.0f  |  ranks %zu-%zu", m, j,
			 r->step[j], alpha, r->pr[q], r->dim90[q], r->fit_lo, r->fit_hi);
	else
		snprintf(buf, n, "m%zu s%zu step %d: alpha %s PR %.4f dim90 %.0f", m, j, r->step[j], alpha, r->pr[q],
			 r->dim90[q]);
}

static void rec_line(const struct ll_res_spectrum *r, int detail, char *buf, size_t n)
{
	const ll_spectrum_result *q = &r->rec;
	char ci[96] = "";
	if (q->boot.resamples && isfinite(q->boot.lo))
		snprintf(ci, sizeof ci, " [%.4f, %.4f]", q->boot.lo, q->boot.hi);
	if (detail <= 1)
		snprintf(buf, n, "recording %s (%s)  |  alpha %.4f%s  PR %.4f  dim90 %zu  |  fit ranks %zu-%zu",
			 base_name(r->rec_path), ll_spectrum_method_name(q->spec.method), q->fit.alpha, ci, q->pr, q->dim90,
			 q->fit.rank_lo, q->fit.rank_hi);
	else if (detail == 2)
		snprintf(buf, n, "recording  |  alpha %.4f%s  PR %.4f  dim90 %zu  |  ranks %zu-%zu", q->fit.alpha, ci, q->pr,
			 q->dim90, q->fit.rank_lo, q->fit.rank_hi);
	else
		snprintf(buf, n, "rec: alpha %.4f PR %.4f dim90 %zu", q->fit.alpha, q->pr, q->dim90);
}

/* ---------------------------------------------------------------- the plot */

static void draw_plot(wb *w, const struct ll_res_spectrum *r, int y0, int x0, int wd, int h)
{
	wb_spec *d = spec_state(w);
	char title[240], fit[120];
	wb_loglog_spec sp = {0};
	sp.xname = "rank";
	sp.yname = "eigenvalue";
	sp.points = "eigenvalues";
	sp.fit = fit;
	sp.decades = DECADES;
	sp.fit_role = LL_ROLE_SERIES_5;
	if (d->rec) {
		const ll_spectrum_result *q = &r->rec;
		sp.y = q->spec.eig;
		sp.n = q->spec.k;
		sp.a = q->fit.alpha;
		sp.b = q->fit.intercept;
		sp.fit_lo = q->fit.rank_lo;
		sp.fit_hi = q->fit.rank_hi;
		sp.point_role = LL_ROLE_SERIES_2;
		snprintf(title, sizeof title, "Eigenspectrum of the recording (%s), log-log: %s_n ~ n^-%.3f on ranks %zu-%zu",
			 ll_spectrum_method_name(q->spec.method), lambda(w), q->fit.alpha, q->fit.rank_lo, q->fit.rank_hi);
	} else {
		size_t q = at(r, d->model, d->snap);
		sp.y = ll_res_spectrum_eig(r, d->model, d->snap);
		sp.n = r->k;
		sp.a = r->alpha[q];
		sp.b = r->intercept[q];
		sp.fit_lo = r->fit_lo;
		sp.fit_hi = r->fit_hi;
		sp.point_role = LL_ROLE_SERIES_1;
		if (isfinite(r->alpha[q]))
			snprintf(title, sizeof title,
				 "Eigenspectrum of model %zu at step %d, log-log: %s_n ~ n^-%.3f on ranks %zu-%zu", d->model,
				 r->step[d->snap], lambda(w), r->alpha[q], r->fit_lo, r->fit_hi);
		else
			snprintf(title, sizeof title, "Eigenspectrum of model %zu at step %d, log-log: no power law (too few positive eigenvalues)",
				 d->model, r->step[d->snap]);
	}
	snprintf(fit, sizeof fit, "power law, alpha %.3f on ranks %zu-%zu", sp.a, sp.fit_lo, sp.fit_hi);
	attr_t at_ = wb_attr(w, LL_ROLE_TITLE);
	if (!wb_put_fit(w, y0, x0, x0 + wd, at_, title))
		wb_put(w, y0, x0, wd, at_, d->rec ? "Recording's eigenspectrum, log-log" : "Eigenspectrum, log-log");
	if (!wb_loglog_draw(w, &d->plot, &sp, y0 + 1, x0, wd, h - 1))
		wb_put(w, y0 + 1, x0, wd, wb_attr(w, LL_ROLE_AXIS),
		       h - 1 >= 5 && wd >= 15 ? "No positive eigenvalue: nothing to plot." : "(the plot needs more room)");
}

/* ---------------------------------------------------------------- over training */

/* The rows the panel takes: a title, alpha, PR, dim90, the Hessian's
 * two when measured, the caret. */
static int panel_rows(wb *w, const struct ll_res_spectrum *r)
{
	wb_spec *d = spec_state(w);
	if (d->rec)
		return 5;
	return 5 + (hessian(w, r) ? 2 : 0);
}

static void fmt_or_na(char *buf, size_t n, const char *fmt, double v)
{
	if (isfinite(v))
		snprintf(buf, n, fmt, v);
	else
		snprintf(buf, n, "n/a");
}

static void draw_tracks(wb *w, const struct ll_res_spectrum *r, int y0, int x0, int wd, int h)
{
	wb_spec *d = spec_state(w);
	size_t S = r->snapshots, m = d->model, j = d->snap;
	const struct ll_res_train *t = hessian(w, r);
	attr_t ad = wb_attr(w, LL_ROLE_DEFAULT), ax = wb_attr(w, LL_ROLE_AXIS), at_ = wb_attr(w, LL_ROLE_TITLE);
	char buf[240];
	int y = y0, end = y0 + h;
	double *v = ll_malloc_array(S, sizeof *v);
	if (!v)
		return;
	snprintf(buf, sizeof buf, "Model %zu over training: %zu snapshots, steps %d-%d; the caret marks snapshot %zu (step %d)", m,
		 S, r->step[0], r->step[S - 1], j, r->step[j]);
	if (has_rec(r) && (int)strlen(buf) + 40 < wd)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "  |  recording: alpha %.3f (r)", r->rec.fit.alpha);
	wb_put(w, y++, x0, wd, at_, buf);
	/* label, sparkline (a whole number of cells a snapshot when they fit), value */
	int lw = 16, tail = 44, sw = wd - lw - tail;
	if (sw < 8) {
		tail = 12;
		sw = wd - lw - tail;
	}
	if (sw > 64)
		sw = 64;
	if (sw >= (int)S && S > 0)
		sw = (int)S * (sw / (int)S);
	if (sw < 1) {
		ll_free(v);
		return;
	}
	int ntr = t ? 5 : 3;
	for (int k = 0; k < ntr && y < end - 1; k++) {
		const char *name = k == 0 ? "alpha" : k == 1 ? "PR" : k == 2 ? "dim90" : k == 3 ? "Hessian top" : "Hessian trace";
		const char *fmt = k == 2 ? "%.0f" : k >= 3 ? "%.4g" : "%.4f";
		for (size_t s = 0; s < S; s++) {
			size_t q = at(r, m, s);
			v[s] = k == 0 ? r->alpha[q] : k == 1 ? r->pr[q] : k == 2 ? r->dim90[q] :
			       k == 3 ? t->hess_top[q * t->hess_k] : t->hess_trace[q];
		}
		double lo = INFINITY, hi = -INFINITY;
		for (size_t s = 0; s < S; s++)
			if (isfinite(v[s]))
				lo = fmin(lo, v[s]), hi = fmax(hi, v[s]);
		snprintf(buf, sizeof buf, "  %s", name);
		wb_put(w, y, x0, lw, ad, buf);
		wb_spark_at(w, y, x0 + lw, sw, v, S, NAN, NAN, (long)j);
		char val[32], l[32], hh[32];
		fmt_or_na(val, sizeof val, fmt, v[j]);
		if (lo <= hi) {
			fmt_or_na(l, sizeof l, fmt, lo);
			fmt_or_na(hh, sizeof hh, fmt, hi);
			snprintf(buf, sizeof buf, " %s%s  (%s to %s)", val, k >= 3 && !isfinite(v[j]) ? " (not measured here)" : "",
				 l, hh);
		} else {
			snprintf(buf, sizeof buf, " %s", val);
		}
		wb_put(w, y, x0 + lw + sw, x0 + wd - (x0 + lw + sw), ad, buf);
		y++;
	}
	/* the caret under the snapshot shown */
	int c0, cnt = wb_spark_cells(S, sw, j, &c0);
	if (y < end && cnt > 0) {
		for (int c = 0; c < cnt; c++)
			wb_put(w, y, x0 + lw + c0 + c, 1, at_, "^");
		snprintf(buf, sizeof buf, " snapshot %zu", j);
		wb_put_fit(w, y, x0 + lw + c0 + cnt, x0 + wd, ax, buf);
	}
	ll_free(v);
}

static void draw_rec_panel(wb *w, const struct ll_res_spectrum *r, int y0, int x0, int wd, int h)
{
	const ll_spectrum_result *q = &r->rec;
	attr_t ad = wb_attr(w, LL_ROLE_DEFAULT), at_ = wb_attr(w, LL_ROLE_TITLE);
	char buf[400];
	int y = y0, end = y0 + h;
	size_t pos = 0;
	for (size_t i = 0; i < q->spec.k; i++)
		pos += q->spec.eig[i] > 0;
	if (r->rec_repeat)
		snprintf(buf, sizeof buf, "Recording: %s, repeat %s", r->rec_path, r->rec_repeat);
	else
		snprintf(buf, sizeof buf, "Recording: %s (one repeat)", r->rec_path);
	if (y < end)
		wb_put(w, y++, x0, wd, at_, buf);
	snprintf(buf, sizeof buf, "  %s spectrum of %zu stimuli x %zu neurons: %zu eigenvalues, %zu positive",
		 ll_spectrum_method_name(q->spec.method), q->spec.n_stimuli, q->spec.n_neurons, q->spec.k, pos);
	if (y < end)
		wb_put(w, y++, x0, wd, ad, buf);
	if (q->boot.resamples && isfinite(q->boot.lo))
		snprintf(buf, sizeof buf, "  alpha %.4f, %.0f%% interval [%.4f, %.4f] from %zu resamples (%zu failed; their median %.4f)",
			 q->fit.alpha, 100 * q->boot.level, q->boot.lo, q->boot.hi, q->boot.resamples, q->boot.failed,
			 q->boot.median);
	else
		snprintf(buf, sizeof buf, "  alpha %.4f (no bootstrap)", q->fit.alpha);
	if (y < end)
		wb_put(w, y++, x0, wd, ad, buf);
	snprintf(buf, sizeof buf, "  PR %.4f, dim90 %zu; the fit on ranks %zu-%zu used %zu (%zu non-positive left out)", q->pr,
		 q->dim90, q->fit.rank_lo, q->fit.rank_hi, q->fit.n_used, q->fit.n_excluded);
	if (y < end)
		wb_put(w, y++, x0, wd, ad, buf);
	if (y < end && has_models(r))
		wb_put(w, y++, x0, wd, wb_attr(w, LL_ROLE_AXIS), "  r: back to the models' spectra");
}

/* ---------------------------------------------------------------- screen */

static void spec_draw(wb *w, int y0, int h)
{
	wb_spec *d = spec_state(w);
	const struct ll_res_spectrum *r = cur(w);
	if (!r) {
		draw_empty(w, y0, h);
		return;
	}
	char buf[400];
	for (int detail = 0; detail < 4; detail++) {
		if (d->rec)
			rec_line(r, detail, buf, sizeof buf);
		else
			model_line(w, r, detail, buf, sizeof buf);
		if ((int)strlen(buf) <= w->cols - 2)
			break;
	}
	wb_put(w, y0, 1, w->cols - 2, wb_attr(w, LL_ROLE_TITLE), buf);
	int by = y0 + 1, bh = h - 1, wd = w->cols - 2;
	if (bh < 1)
		return;
	/* the plot, and under it the panel when both fit */
	int ph = panel_rows(w, r), plot_h = bh - ph - 1;
	if (plot_h < PLOT_MIN_H + 2) {
		ph = 0;
		plot_h = bh;
	}
	draw_plot(w, r, by, 1, wd, plot_h);
	if (!ph)
		return;
	if (d->rec)
		draw_rec_panel(w, r, by + plot_h + 1, 1, wd, ph);
	else
		draw_tracks(w, r, by + plot_h + 1, 1, wd, ph);
}

static void spec_status(wb *w, char *buf, size_t n)
{
	wb_spec *d = spec_state(w);
	const struct ll_res_spectrum *r = cur(w);
	if (!r) {
		wb_view v;
		wb_view_get(w, &v, NULL);
		snprintf(buf, n, v.state[LL_STEP_SPECTRUM] == LL_STATE_ABSENT ? "no spectra: add a [spectrum] step to the session"
									    : "no spectra yet: run the spectrum step");
		return;
	}
	if (d->rec) {
		snprintf(buf, n, "recording: alpha %.4f, PR %.4f, dim90 %zu%s", r->rec.fit.alpha, r->rec.pr, r->rec.dim90,
			 has_models(r) ? "  |  r models" : "");
		return;
	}
	size_t q = at(r, d->model, d->snap);
	char alpha[32];
	wb_fmt_value(alpha, sizeof alpha, r->alpha[q]);
	snprintf(buf, n, "model %zu, step %d: alpha %s, PR %.4f, dim90 %.0f  |  n/N model, h/l snapshot%s", d->model,
		 r->step[d->snap], alpha, r->pr[q], r->dim90[q], has_rec(r) ? ", r recording" : "");
}

static void no_results(wb *w)
{
	wb_msg(w, 0, "no spectra: add a [spectrum] step and run it (1, then R; or :run spectrum)");
}

/* The results for a `:` command on the models (NULL, and a message, if
 * there are none or only a recording's). */
static const struct ll_res_spectrum *models_for(wb *w, const char *cmd)
{
	const struct ll_res_spectrum *r = cur(w);
	if (!r)
		no_results(w);
	else if (!has_models(r))
		wb_msg(w, 1, ":%s: the spectrum step read only a recording: no models or snapshots (:model rec shows it)", cmd);
	return r && has_models(r) ? r : NULL;
}

/* Show model m at snapshot j (the screen's own), logged as the command. */
static void show_model(wb *w, size_t m, size_t j, const char *cmd, long arg)
{
	wb_spec *d = spec_state(w);
	d->model = m;
	d->snap = j;
	d->rec = 0;
	wb_log(w, "> :%s %ld", cmd, arg);
	wb_set_screen(w, WB_SCR_spectrum);
}

static void spec_action(wb *w, int act, int arg)
{
	(void)arg;
	wb_spec *d = spec_state(w);
	const struct ll_res_spectrum *r = cur(w);
	if (!r) {
		if (act != WB_A_BACK)
			no_results(w);
		return;
	}
	if (act == A_REC) {
		if (!has_rec(r))
			wb_msg(w, 0, "the spectrum step has no recording: set [spectrum] with = a stimuli x neurons file");
		else if (!has_models(r))
			wb_msg(w, 0, "the spectrum step read only a recording: no models to show");
		else
			d->rec = !d->rec;
		return;
	}
	if (act == WB_A_BACK)
		return;
	if (!has_models(r)) {
		wb_msg(w, 0, "the spectrum step read only a recording: no models or snapshots");
		return;
	}
	d->rec = 0; /* a model key shows the models */
	size_t M = r->models, S = r->snapshots;
	switch (act) {
	case A_MODEL_NEXT: d->model = (d->model + 1) % M; break;
	case A_MODEL_PREV: d->model = (d->model + M - 1) % M; break;
	case A_SNAP_NEXT: d->snap = d->snap + 1 < S ? d->snap + 1 : S - 1; break;
	case A_SNAP_PREV: d->snap = d->snap > 0 ? d->snap - 1 : 0; break;
	case A_SNAP_FIRST: d->snap = 0; break;
	case A_SNAP_LAST: d->snap = S - 1; break;
	default: break;
	}
	if (M == 1 && (act == A_MODEL_NEXT || act == A_MODEL_PREV))
		wb_msg(w, 0, "this session trained one model");
}

static void spec_free(void *state)
{
	wb_spec *d = state;
	wb_loglog_free(&d->plot);
}

/* :model N (from 0), or :model rec for the recording */
static void colon_model(wb *w, char *args, int force)
{
	(void)force;
	const struct ll_res_spectrum *r = cur(w);
	if (r && (!strcmp(args, "rec") || !strcmp(args, "recording"))) {
		if (!has_rec(r)) {
			wb_msg(w, 1, ":model rec: the spectrum step has no recording");
			return;
		}
		spec_state(w)->rec = 1;
		wb_log(w, "> :model rec");
		wb_set_screen(w, WB_SCR_spectrum);
		return;
	}
	long m;
	if (!(r = models_for(w, "model")))
		return;
	if (!wb_parse_long(args, &m) || m < 0 || (size_t)m >= r->models) {
		wb_msg(w, 1, ":model takes a model number, 0-%zu, or rec", r->models - 1);
		return;
	}
	show_model(w, (size_t)m, spec_state(w)->snap, "model", m);
}

/* :snap J (from 0), or :snap last */
static void colon_snap(wb *w, char *args, int force)
{
	(void)force;
	const struct ll_res_spectrum *r = models_for(w, "snap");
	long j;
	if (!r)
		return;
	if (!strcmp(args, "last"))
		j = (long)r->snapshots - 1;
	else if (!wb_parse_long(args, &j) || j < 0 || (size_t)j >= r->snapshots) {
		wb_msg(w, 1, ":snap takes a snapshot number, 0-%zu, or last", r->snapshots - 1);
		return;
	}
	show_model(w, spec_state(w)->model, (size_t)j, "snap", j);
}

static const wb_key spec_keys[] = {
	{0, {'n', ']'}, "n ]", A_MODEL_NEXT, 0, "model", "next model"},
	{0, {'N', '['}, "N [", A_MODEL_PREV, 0, NULL, "previous model"},
	{0, {'l', KEY_RIGHT}, "l Right", A_SNAP_NEXT, 0, "snapshot", "next snapshot (later in training)"},
	{0, {'h', KEY_LEFT}, "h Left", A_SNAP_PREV, 0, NULL, "previous snapshot"},
	{0, {'g', KEY_HOME}, "g Home", A_SNAP_FIRST, 0, NULL, "first snapshot"},
	{0, {'G', KEY_END}, "G End", A_SNAP_LAST, 0, NULL, "last snapshot"},
	{0, {'r'}, "r", A_REC, 0, "recording", "the recording's spectrum / the models' (when the step has a recording)"},
};

static const wb_cmd spec_cmds[] = {
	{"model", NULL, "N|rec", "show model N's spectrum (from 0), or the recording's, on the Spectrum screen", colon_model,
	 0, NULL},
	{"snap", NULL, "J|last", "show snapshot J (from 0) on the Spectrum screen", colon_snap, 0, NULL},
};

const wb_screen_def wb_screen_spectrum = {
	.name = "Spectrum",
	.tab = "Spec",
	.id = "spectrum",
	.state_size = sizeof(wb_spec),
	.free = spec_free,
	.draw = spec_draw,
	.action = spec_action,
	.status = spec_status,
	.keys = spec_keys,
	.nkeys = sizeof spec_keys / sizeof spec_keys[0],
	.cmds = spec_cmds,
	.ncmds = sizeof spec_cmds / sizeof spec_cmds[0],
};
