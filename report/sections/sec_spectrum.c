/* Section "Spectra": the spectrum step's eigenspectra and power laws, and
 * the train step's Hessian over training when it was measured; and its
 * figures
 *
 *   spectrum_loglog    log10 eigenvalue against log10 rank: every model's
 *                      hidden layer at the last snapshot (thin, by
 *                      learning rate) with the mean fit as a dashed line;
 *                      beside it the recording's spectrum and its fit
 *   spectrum_training  alpha and the participation ratio over training,
 *                      every model thin, the mean bold
 *   spectrum_hessian   the top Hessian eigenvalue and the trace over
 *                      training ([train] hessian_top)
 *
 * Nothing is computed here but summaries.  In the report when the
 * session has a spectrum step or measured the Hessian. */
#include "ll_doc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/steps/step_spectrum.h"
#include "pipeline/steps/step_train.h"

static const struct ll_res_spectrum *spec_of(const ll_session *s)
{
	return s->state[LL_STEP_SPECTRUM] == LL_STATE_DONE ? s->res.spectrum : NULL;
}

static const struct ll_res_train *hess_of(const ll_session *s)
{
	const struct ll_res_train *t = s->state[LL_STEP_TRAIN] == LL_STATE_DONE ? s->res.train : NULL;
	return t && t->hess_k && t->hess_top ? t : NULL;
}

static int has_spec(const ll_session *s)
{
	const struct ll_res_spectrum *r = spec_of(s);
	return r && (r->models || r->has_recording);
}

static int has_models(const ll_session *s)
{
	const struct ll_res_spectrum *r = spec_of(s);
	return r && r->models;
}

static int has_hess(const ll_session *s)
{
	return hess_of(s) != NULL;
}

/* the mean over models of v (models x snapshots) at snapshot j, finite only */
static double mean_at(const double *v, size_t M, size_t S, size_t j)
{
	double a = 0;
	size_t n = 0;
	for (size_t m = 0; m < M; m++)
		if (isfinite(v[m * S + j]))
			a += v[m * S + j], n++;
	return n ? a / (double)n : NAN;
}

/* learning-rate group of model m among the session's list */
static size_t lr_group(const ll_session *s, size_t m)
{
	size_t nlr;
	double lr = ll_train_model_lr(s, m, &nlr);
	for (size_t g = 0; g < nlr && g < m; g++)
		if (ll_train_model_lr(s, g, NULL) == lr)
			return g;
	return nlr ? m % nlr : 0;
}

/* log10 rank and eigenvalue of the positive entries of eig[0..k-1] */
static size_t loglog(const double *eig, size_t k, double *x, double *y)
{
	size_t n = 0;
	for (size_t i = 0; i < k; i++) {
		x[i] = log10((double)(i + 1));
		y[i] = eig[i] > 0 ? log10(eig[i]) : NAN;
		n += eig[i] > 0;
	}
	return n;
}

static int fig_loglog(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	const struct ll_res_spectrum *r = spec_of(s);
	if (!has_spec(s))
		return ll_err_set(err, LL_EINVAL, "figure spectrum_loglog: the session has no spectra");
	int panels = (r->models ? 1 : 0) + (r->has_recording ? 1 : 0);
	if ((rc = ll_report_fig_start(f, "spectrum_loglog", 40 + 500 * panels, 460, 1, panels, err)) != LL_OK)
		return rc;
	size_t kmax = r->k > (r->has_recording ? r->rec.spec.k : 0) ? r->k : r->rec.spec.k;
	double *x = ll_malloc_array(kmax ? kmax : 1, sizeof *x), *y = ll_malloc_array(kmax ? kmax : 1, sizeof *y);
	if (!x || !y) {
		rc = ll_err_oom(err);
		goto out;
	}
	snprintf(f->fig.title, sizeof f->fig.title, "Eigenspectra on log-log axes, power-law fits dashed");
	ll_html_buf_puts(&f->csv, "system,rank,eigenvalue\n");
	int panel = 0;
	if (r->models) {
		size_t M = r->models, S = r->snapshots, k = r->k;
		ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, panel++);
		double al = mean_at(r->alpha, M, S, S - 1), b = mean_at(r->intercept, M, S, S - 1);
		snprintf(ax->title, sizeof ax->title, "%zu hidden layers at step %d: alpha %.2f (ranks %zu-%zu)", M,
			 r->step[S - 1], al, r->fit_lo, r->fit_hi);
		ll_report_set_text(ax->x.label, "%s", "log10 rank");
		ll_report_set_text(ax->y.label, "%s", "log10 eigenvalue");
		ax->grid = 1;
		ax->legend = LL_PLOT_LEGEND_BEST;
		for (size_t m = 0; m < M && rc == LL_OK; m++) {
			loglog(ll_res_spectrum_eig(r, m, S - 1), k, x, y);
			rc = ll_plot_line(ax, x, y, k,
					  &(ll_plot_style){.color = LL_RGBA_SET_ALPHA(ll_report_label_color(lr_group(s, m)), 0xA0),
							   .width = 1},
					  err);
			for (size_t i = 0; i < k; i++) {
				ll_html_buf_printf(&f->csv, "model %zu,%zu,", m, i + 1);
				ll_report_csv_num(&f->csv, ll_res_spectrum_eig(r, m, S - 1)[i]);
				ll_report_csv_end(f);
			}
		}
		if (rc == LL_OK && isfinite(al) && isfinite(b)) {
			double fx[2] = {log10((double)r->fit_lo), log10((double)r->fit_hi)};
			double fy[2] = {(b - al * log((double)r->fit_lo)) / log(10.0), (b - al * log((double)r->fit_hi)) / log(10.0)};
			char lab[64];
			snprintf(lab, sizeof lab, "mean fit, alpha %.2f", al);
			rc = ll_plot_line(ax, fx, fy, 2, &(ll_plot_style){.color = LL_PLOT_BLACK, .width = 2, .dash = 6, .label = lab},
					  err);
		}
	}
	if (rc == LL_OK && r->has_recording) {
		const ll_spectrum_result *q = &r->rec;
		size_t k = q->spec.k;
		ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, panel++);
		char ci[64] = "";
		if (q->boot.alpha)
			snprintf(ci, sizeof ci, " [%.2f, %.2f]", q->boot.lo, q->boot.hi);
		snprintf(ax->title, sizeof ax->title, "recording (%s): alpha %.2f%s", ll_spectrum_method_name(q->spec.method),
			 q->fit.alpha, ci);
		ll_report_set_text(ax->x.label, "%s", "log10 rank");
		ll_report_set_text(ax->y.label, "%s", "log10 eigenvalue");
		ax->grid = 1;
		ax->legend = LL_PLOT_LEGEND_BEST;
		loglog(q->spec.eig, k, x, y);
		rc = ll_plot_line(ax, x, y, k, &(ll_plot_style){.color = ll_report_label_color(0), .width = 1.5, .label = "eigenvalues"},
				  err);
		double fx[2] = {log10((double)q->fit.rank_lo), log10((double)q->fit.rank_hi)};
		double fy[2] = {(q->fit.intercept - q->fit.alpha * log((double)q->fit.rank_lo)) / log(10.0),
				(q->fit.intercept - q->fit.alpha * log((double)q->fit.rank_hi)) / log(10.0)};
		if (rc == LL_OK)
			rc = ll_plot_line(ax, fx, fy, 2, &(ll_plot_style){.color = LL_PLOT_BLACK, .width = 2, .dash = 6, .label = "fit"},
					  err);
		for (size_t i = 0; i < k; i++) {
			ll_html_buf_printf(&f->csv, "recording,%zu,", i + 1);
			ll_report_csv_num(&f->csv, q->spec.eig[i]);
			ll_report_csv_end(f);
		}
	}
out:
	ll_free(x);
	ll_free(y);
	return ll_report_fig_finish(f, rc, err);
}

/* thin per-model lines of v (M x S) against the steps, the mean bold */
static int over_training(const ll_session *s, ll_plot_axes *ax, const double *v, size_t M, size_t S, const int *step,
			 size_t stride, ll_err *err)
{
	double *x = ll_malloc_array(S, sizeof *x), *y = ll_malloc_array(S, sizeof *y), *mu = ll_malloc_array(S, sizeof *mu);
	int rc = LL_OK;
	if (!x || !y || !mu)
		rc = ll_err_oom(err);
	for (size_t j = 0; j < S && rc == LL_OK; j++)
		x[j] = step[j];
	/* snapshots not measured (NaN) are left out, not drawn as gaps */
	double *xs = ll_malloc_array(S ? S : 1, sizeof *xs);
	if (!xs && rc == LL_OK)
		rc = ll_err_oom(err);
	for (size_t m = 0; m < M && rc == LL_OK; m++) {
		size_t n = 0;
		for (size_t j = 0; j < S; j++)
			if (isfinite(v[(m * S + j) * stride])) {
				xs[n] = x[j];
				y[n++] = v[(m * S + j) * stride];
			}
		rc = ll_plot_line(ax, xs, y, n,
				  &(ll_plot_style){.color = LL_RGBA_SET_ALPHA(ll_report_label_color(lr_group(s, m)), 0x90),
						   .width = 1, .marker = LL_PLOT_MARKER_NONE},
				  err);
	}
	for (size_t j = 0; j < S && rc == LL_OK; j++) {
		double a = 0;
		size_t n = 0;
		for (size_t m = 0; m < M; m++)
			if (isfinite(v[(m * S + j) * stride]))
				a += v[(m * S + j) * stride], n++;
		mu[j] = n ? a / (double)n : NAN;
	}
	size_t n = 0;
	for (size_t j = 0; j < S && rc == LL_OK; j++)
		if (isfinite(mu[j])) {
			xs[n] = x[j];
			mu[n++] = mu[j];
		}
	if (rc == LL_OK)
		rc = ll_plot_line(ax, xs, mu, n, &(ll_plot_style){.color = LL_PLOT_BLACK, .width = 2.5, .label = "mean"}, err);
	ll_free(xs);
	ll_free(x);
	ll_free(y);
	ll_free(mu);
	return rc;
}

static int fig_training(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	if (!has_models(s))
		return ll_err_set(err, LL_EINVAL, "figure spectrum_training: the session has no spectra over training");
	const struct ll_res_spectrum *r = spec_of(s);
	size_t M = r->models, S = r->snapshots;
	if ((rc = ll_report_fig_start(f, "spectrum_training", 1000, 420, 1, 2, err)) != LL_OK)
		return rc;
	snprintf(f->fig.title, sizeof f->fig.title, "The hidden layer's spectrum over training (%zu models)", M);
	const double *v[2] = {r->alpha, r->pr};
	const char *nm[2] = {"power-law exponent alpha", "participation ratio"};
	for (int q = 0; q < 2 && rc == LL_OK; q++) {
		ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, q);
		snprintf(ax->title, sizeof ax->title, "%s", nm[q]);
		ll_report_set_text(ax->x.label, "%s", "training step");
		ll_report_set_text(ax->y.label, "%s", q ? "PR" : "alpha");
		ax->grid = 1;
		ax->legend = LL_PLOT_LEGEND_BEST;
		rc = over_training(s, ax, v[q], M, S, r->step, 1, err);
	}
	ll_html_buf_puts(&f->csv, "model,snapshot,step,alpha,pr,dim90\n");
	for (size_t m = 0; m < M; m++)
		for (size_t j = 0; j < S; j++) {
			ll_html_buf_printf(&f->csv, "%zu,%zu,%d,", m, j, r->step[j]);
			ll_report_csv_finite(&f->csv, r->alpha[m * S + j]);
			ll_report_csv_sep(&f->csv);
			ll_report_csv_num(&f->csv, r->pr[m * S + j]);
			ll_report_csv_sep(&f->csv);
			ll_report_csv_num(&f->csv, r->dim90[m * S + j]);
			ll_report_csv_end(f);
		}
	return ll_report_fig_finish(f, rc, err);
}

static int fig_hessian(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	const struct ll_res_train *t = hess_of(s);
	if (!t)
		return ll_err_set(err, LL_EINVAL, "figure spectrum_hessian: the session measured no Hessian");
	size_t M = t->log.models, S = t->log.snapshots, K = t->hess_k;
	if ((rc = ll_report_fig_start(f, "spectrum_hessian", 1000, 420, 1, 2, err)) != LL_OK)
		return rc;
	snprintf(f->fig.title, sizeof f->fig.title, "Curvature of the training loss over training (%zu images)",
		 t->hess_images);
	ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, 0);
	snprintf(ax->title, sizeof ax->title, "top Hessian eigenvalue");
	ll_report_set_text(ax->x.label, "%s", "training step");
	ll_report_set_text(ax->y.label, "%s", "lambda_max");
	ax->grid = 1;
	ax->legend = LL_PLOT_LEGEND_BEST;
	rc = over_training(s, ax, t->hess_top, M, S, t->log.step, K, err);
	if (rc == LL_OK) {
		ax = ll_plot_fig_axes(&f->fig, 0, 1);
		snprintf(ax->title, sizeof ax->title, "trace (Hutchinson, %zu probes)", t->hess_probes);
		ll_report_set_text(ax->x.label, "%s", "training step");
		ll_report_set_text(ax->y.label, "%s", "trace");
		ax->grid = 1;
		ax->legend = LL_PLOT_LEGEND_BEST;
		rc = over_training(s, ax, t->hess_trace, M, S, t->log.step, 1, err);
	}
	ll_html_buf_puts(&f->csv, "model,snapshot,step,trace");
	for (size_t q = 0; q < K; q++)
		ll_html_buf_printf(&f->csv, ",top_%zu", q + 1);
	ll_html_buf_putn(&f->csv, "\n", 1);
	for (size_t m = 0; m < M; m++)
		for (size_t j = 0; j < S; j++) {
			if (!isfinite(t->hess_top[(m * S + j) * K]))
				continue;
			ll_html_buf_printf(&f->csv, "%zu,%zu,%d,", m, j, t->log.step[j]);
			ll_report_csv_num(&f->csv, t->hess_trace[m * S + j]);
			for (size_t q = 0; q < K; q++) {
				ll_report_csv_sep(&f->csv);
				ll_report_csv_num(&f->csv, t->hess_top[(m * S + j) * K + q]);
			}
			ll_report_csv_end(f);
		}
	return ll_report_fig_finish(f, rc, err);
}

static void sec_spectrum_glance(doc *d)
{
	const struct ll_res_spectrum *r = spec_of(d->s);
	if (!r || !(r->models || r->has_recording))
		return;
	doc_put(d, "- **Spectra:**");
	if (r->models) {
		size_t S = r->snapshots;
		doc_putf(d, " the hidden layer's power law alpha %.2f and participation ratio %.1f at the end (mean of %zu models)",
			 mean_at(r->alpha, r->models, S, S - 1), mean_at(r->pr, r->models, S, S - 1), r->models);
	}
	if (r->has_recording)
		doc_putf(d, "%s the recording's alpha %.2f (%s)", r->models ? ";" : "", r->rec.fit.alpha,
			 ll_spectrum_method_name(r->rec.spec.method));
	doc_put(d, ".\n");
}

static void sec_spectrum(doc *d)
{
	ll_session *s = d->s;
	const struct ll_res_spectrum *r = spec_of(s);
	if (doc_step_present(d, LL_STEP_SPECTRUM) && doc_not_run(d, LL_STEP_SPECTRUM))
		r = NULL;
	if (r && (r->models || r->has_recording)) {
		doc_put(d, "How many dimensions does a population use, and how fast does its variance fall with rank? "
			   "The eigenvalues of the covariance of its responses, sorted, often fall as a power law "
			   "lambda_n ~ n^-alpha: Stringer et al. (2019) found alpha just above 1 in mouse visual "
			   "cortex, the steepest decay a smooth code allows. The participation ratio (sum lambda)^2 / "
			   "sum lambda^2 counts the dimensions that carry variance.\n\n");
		if (r->models) {
			size_t S = r->snapshots;
			doc_putf(d, "For each of the %zu models, the hidden layer's %zu units on %zu probe images at each of "
				    "%zu snapshots; alpha fitted on ranks %zu-%zu of its %zu eigenvalues. **Measured:** at the "
				    "end alpha %.2f, participation ratio %.1f, %.1f dimensions for 90%% of the variance (means "
				    "over models; at the start alpha %.2f, PR %.1f).\n\n",
				 r->models, r->units, r->stimuli, S, r->fit_lo, r->fit_hi, r->k,
				 mean_at(r->alpha, r->models, S, S - 1), mean_at(r->pr, r->models, S, S - 1),
				 mean_at(r->dim90, r->models, S, S - 1), mean_at(r->alpha, r->models, S, 0),
				 mean_at(r->pr, r->models, S, 0));
		}
		if (r->has_recording) {
			const ll_spectrum_result *q = &r->rec;
			doc_put(d, "The recording `");
			doc_md_text(d, r->rec_path);
			doc_putf(d, "` (%zu stimuli x %zu neurons): %s. **Measured:** alpha %.3f",
				 q->spec.n_stimuli, q->spec.n_neurons,
				 q->spec.method == LL_SPECTRUM_CVPCA
					 ? "cross-validated PCA of its two repeats (the eigenvectors of one, the covariance of "
					   "both projected on them: noise, independent between repeats, drops out)"
					 : "the covariance spectrum of one repeat (noise flattens it: give with_repeat for cvPCA)",
				 q->fit.alpha);
			if (q->boot.alpha)
				doc_putf(d, " [%.3f, %.3f] (%.0f%% bootstrap over stimuli, %zu resamples)", q->boot.lo, q->boot.hi,
					 100 * q->boot.level, q->boot.resamples);
			doc_putf(d, " on ranks %zu-%zu; participation ratio %.1f; %zu dimensions for 90%%.\n\n", q->fit.rank_lo,
				 q->fit.rank_hi, q->pr, q->dim90);
		}
		doc_putf(d, "Figure %d shows the spectra on log-log axes with the fitted lines.\n\n", d->next_number + 1);
		doc_place_fig(d, "spectrum_loglog", "eigenspectra on log-log axes",
			      "log10 eigenvalue against log10 rank; the power-law fits dashed. Colour: learning rate.");
		if (r->models) {
			doc_putf(d, "Figure %d follows alpha and the participation ratio through training.\n\n",
				 d->next_number + 1);
			doc_place_fig(d, "spectrum_training", "alpha and PR over training",
				      "Each model thin (colour: learning rate), their mean in black.");
		}
	}
	const struct ll_res_train *t = hess_of(s);
	if (t) {
		size_t M = t->log.models, S = t->log.snapshots, K = t->hess_k;
		double first = 0, last = 0;
		size_t n0 = 0, n1 = 0;
		for (size_t m = 0; m < M; m++) {
			if (isfinite(t->hess_top[(m * S) * K]))
				first += t->hess_top[(m * S) * K], n0++;
			if (isfinite(t->hess_top[(m * S + S - 1) * K]))
				last += t->hess_top[(m * S + S - 1) * K], n1++;
		}
		doc_putf(d, "The curvature of the training loss (mean cross-entropy on %zu training images): its top %zu "
			    "Hessian eigenvalues by Lanczos on exact Hessian-vector products, and its trace by "
			    "Hutchinson's estimator. **Measured:** the top eigenvalue went from %.3g at the start to "
			    "%.3g at the end (means over models). Figure %d follows both.\n\n",
			 t->hess_images, K, n0 ? first / (double)n0 : NAN, n1 ? last / (double)n1 : NAN, d->next_number + 1);
		doc_place_fig(d, "spectrum_hessian", "Hessian over training",
			      "Left: the top Hessian eigenvalue; right: the trace; each model thin, their mean in black.");
	}
}

static int sec_spectrum_present(const ll_session *s)
{
	return s->state[LL_STEP_SPECTRUM] != LL_STATE_ABSENT ||
	       (s->state[LL_STEP_TRAIN] != LL_STATE_ABSENT && ll_session_get_int(s, LL_STEP_TRAIN, "hessian_top") > 0);
}

static int drawn(const ll_session *s)
{
	return has_spec(s) || has_hess(s);
}

static const ll_section_fig figs[] = {
	{"spectrum_loglog", fig_loglog, has_spec},
	{"spectrum_training", fig_training, has_models},
	{"spectrum_hessian", fig_hessian, has_hess},
};

const ll_section ll_section_spectrum = {
	.id = "spectrum",
	.title = "Spectra",
	.present = sec_spectrum_present,
	.drawn = drawn,
	LL_SECTION_FIGS(figs),
	.glance = sec_spectrum_glance,
	.write = sec_spectrum,
};
