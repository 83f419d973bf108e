/* Section "Training": how the models were trained, and its figure
 *
 *   training  test loss and accuracy over training steps, one thin line per
 *             model and the mean in bold
 *
 * In the report when the session has a train step. */
#include "ll_doc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- figure ------------------------------------------------------------- */

static int fig_training(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	if (!ll_report_has_training(s))
		return ll_err_set(err, LL_EINVAL, "figure training: the session has no training log");
	const ll_train_log *t = &s->res.train->log;
	size_t M = t->models, S = t->snapshots;
	if ((rc = ll_report_fig_start(f, "training", 1000, 400, 1, 2, err)) != LL_OK)
		return rc;
	double *x = ll_malloc_array(S, sizeof *x), *y = ll_malloc_array(S, sizeof *y);
	double *ml = ll_calloc_array(S, sizeof *ml), *ma = ll_calloc_array(S, sizeof *ma);
	double *mt = ll_calloc_array(S, sizeof *mt);
	if (!x || !y || !ml || !ma || !mt) {
		rc = ll_err_oom(err);
		goto out;
	}
	snprintf(f->fig.title, sizeof f->fig.title, "Training: test loss and accuracy of %zu model%s", M,
		 M == 1 ? "" : "s");
	ll_plot_axes *al = ll_plot_fig_axes(&f->fig, 0, 0), *aa = ll_plot_fig_axes(&f->fig, 0, 1);
	ll_report_set_text(al->title, "%s", "test loss (cross-entropy)");
	ll_report_set_text(aa->title, "%s", "test accuracy (%)");
	ll_report_set_text(al->x.label, "%s", "training step");
	ll_report_set_text(aa->x.label, "%s", "training step");
	ll_report_set_text(al->y.label, "%s", "loss");
	ll_report_set_text(aa->y.label, "%s", "accuracy (%)");
	al->grid = aa->grid = 1;
	al->legend = LL_PLOT_LEGEND_NE;
	aa->legend = LL_PLOT_LEGEND_SE;
	for (size_t j = 0; j < S; j++)
		x[j] = (double)t->step[j];
	/* many models: thin translucent lines, the mean on top in bold */
	uint32_t thin = LL_RGBA_SET_ALPHA(ll_plot_palette(0), M > 10 ? 0x50 : 0x90);
	char lab[48];
	snprintf(lab, sizeof lab, "model (%zu)", M);
	for (size_t m = 0; m < M && rc == LL_OK; m++) {
		ll_plot_style st = {.color = thin, .width = 1, .label = m == 0 ? lab : NULL};
		for (size_t j = 0; j < S; j++)
			y[j] = t->loss[m * S + j];
		rc = ll_plot_line(al, x, y, S, &st, err);
		for (size_t j = 0; j < S && rc == LL_OK; j++)
			y[j] = 100 * t->acc[m * S + j];
		if (rc == LL_OK)
			rc = ll_plot_line(aa, x, y, S, &st, err);
	}
	for (size_t j = 0; j < S; j++) {
		size_t nt = 0;
		for (size_t m = 0; m < M; m++) {
			ml[j] += t->loss[m * S + j] / (double)M;
			ma[j] += 100 * t->acc[m * S + j] / (double)M;
			if (t->train_loss && isfinite(t->train_loss[m * S + j])) {
				mt[j] += t->train_loss[m * S + j];
				nt++;
			}
		}
		mt[j] = nt ? mt[j] / (double)nt : NAN;
	}
	if (rc == LL_OK)
		rc = ll_plot_line(al, x, mt, S, &(ll_plot_style){.color = ll_plot_palette(1), .width = 1.5,
								  .dash = 5, .label = "mean train loss"}, err);
	if (rc == LL_OK)
		rc = ll_plot_line(al, x, ml, S, &(ll_plot_style){.color = LL_PLOT_BLACK, .width = 2.5,
								  .label = "mean test loss"}, err);
	if (rc == LL_OK)
		rc = ll_plot_line(aa, x, ma, S, &(ll_plot_style){.color = LL_PLOT_BLACK, .width = 2.5,
								  .label = "mean"}, err);

	ll_html_buf_puts(&f->csv, "model,step,test_loss,test_accuracy_pct,train_loss\n");
	for (size_t m = 0; m <= M; m++)
		for (size_t j = 0; j < S; j++) {
			if (m < M)
				ll_html_buf_printf(&f->csv, "%zu", m);
			else
				ll_html_buf_puts(&f->csv, "mean");
			ll_report_csv_sep(&f->csv);
			ll_report_csv_num(&f->csv, x[j]);
			ll_report_csv_sep(&f->csv);
			ll_report_csv_num(&f->csv, m < M ? t->loss[m * S + j] : ml[j]);
			ll_report_csv_sep(&f->csv);
			ll_report_csv_num(&f->csv, m < M ? 100 * t->acc[m * S + j] : ma[j]);
			ll_report_csv_sep(&f->csv);
			if (m == M)
				ll_report_csv_num(&f->csv, mt[j]); /* per-model train loss is not drawn */
			ll_report_csv_end(f);
		}
out:
	ll_free(x);
	ll_free(y);
	ll_free(ml);
	ll_free(ma);
	ll_free(mt);
	return ll_report_fig_finish(f, rc, err);
}

/* ---- the section ---------------------------------------------------------- */

static void sec_training_glance(doc *d)
{
	ll_session *s = d->s;
	if (ll_report_has_training(s))
		doc_putf(d, "- **Training:** %zu models; final test accuracy %.1f%% on average (lowest %.1f%%).\n",
			 s->res.train->log.models, 100 * s->res.train->log.final_acc_mean, 100 * s->res.train->log.final_acc_min);
}

static void sec_training(doc *d)
{
	ll_session *s = d->s;
	if (doc_not_run(d, LL_STEP_TRAIN) || !ll_report_has_training(s))
		return;
	const ll_train_log *t = &s->res.train->log;
	size_t M = t->models, S = t->snapshots;
	doc_putf(d, "Each model was trained with %s (learning rate%s %s%s, minibatches of %s) for %s epoch%s: "
		    "%d steps, with a snapshot every %s steps (%zu snapshots including the untrained start). "
		    "At every snapshot the model was tested on the held-out test images. Figure %d shows "
		    "each model as a thin line and the mean over models in bold; curves that flatten mean "
		    "training has converged, and the spread of the thin lines shows how much the models "
		    "differ. The dashed line is the mean training loss over the minibatches since the "
		    "previous snapshot; a test loss far above it would mean overfitting.\n\n",
		 doc_param(d, LL_STEP_TRAIN, "optimizer"), strchr(doc_param(d, LL_STEP_TRAIN, "lr"), ',') ? "s" : "",
		 doc_param(d, LL_STEP_TRAIN, "lr"),
		 strchr(doc_param(d, LL_STEP_TRAIN, "lr"), ',')
			 ? " given to the models in turn; a model's label is its rate's place in this list, from 0"
			 : "",
		 doc_param(d, LL_STEP_TRAIN, "batch"),
		 doc_param(d, LL_STEP_TRAIN, "epochs"), strcmp(doc_param(d, LL_STEP_TRAIN, "epochs"), "1") ? "s" : "",
		 t->step[S - 1], doc_param(d, LL_STEP_TRAIN, "log_every"), S, d->next_number + 1);
	doc_place_fig(d, "training", "test loss and accuracy over training",
		      "Test loss (left) and test accuracy (right) against the training step: one thin line per "
		      "model, the mean over models in bold; dashed, the mean training loss.");
	/* final numbers */
	double amin = INFINITY, amax = -INFINITY, lmin = INFINITY, lmax = -INFINITY, lmean = 0;
	size_t worst = 0, bestm = 0;
	for (size_t m = 0; m < M; m++) {
		double a = t->acc[m * S + S - 1], l = t->loss[m * S + S - 1];
		if (a < amin)
			amin = a, worst = m;
		if (a > amax)
			amax = a, bestm = m;
		lmin = fmin(lmin, l);
		lmax = fmax(lmax, l);
		lmean += l / (double)M;
	}
	doc_tbl_begin(d, "After the last step");
	doc_tbl_head(d, "|#test accuracy (%)|#test loss");
	doc_put(d, "<tr><td>mean over models</td>");
	doc_td_num(d, 100 * t->final_acc_mean, "%.2f");
	doc_td_num(d, lmean, "%.4f");
	doc_putf(d, "</tr>\n<tr><td>lowest (model %zu)</td>", worst);
	doc_td_num(d, 100 * amin, "%.2f");
	doc_put(d, "<td></td></tr>\n");
	doc_putf(d, "<tr><td>highest (model %zu)</td>", bestm);
	doc_td_num(d, 100 * amax, "%.2f");
	doc_put(d, "<td></td></tr>\n<tr><td>range of test loss</td><td></td>");
	char b[96];
	snprintf(b, sizeof b, "%.4f&ndash;%.4f", lmin, lmax);
	doc_putf(d, "<td class=\"num\">%s</td></tr>\n", b);
	doc_tbl_end(d);
}

static int sec_training_present(const ll_session *s)
{
	return s->state[LL_STEP_TRAIN] != LL_STATE_ABSENT;
}

static const ll_section_fig figs[] = {
	{"training", fig_training, NULL},
};

const ll_section ll_section_training = {
	.id = "training",
	.title = "Training",
	.present = sec_training_present,
	.drawn = ll_report_has_training,
	LL_SECTION_FIGS(figs),
	.glance = sec_training_glance,
	.write = sec_training,
};
