/* Section "Training": how the models were trained, and its figures
 *
 *   training  test loss and accuracy over training steps, one thin line per
 *             model and the mean in bold
 *   richlazy  with [train] init_scale / init_rank regimes: each model's
 *             relative weight change, representation change (1 - CKA,
 *             start against end) and final accuracy against its regime
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

/* ---- rich vs lazy ----------------------------------------------------------- */

/* The session trained models in init_scale x init_rank regimes. */
static int has_regimes(const ll_session *s)
{
	ll_train_regimes g;
	return ll_report_has_training(s) && s->res.train->wchange && ll_train_regimes_get(s, &g, NULL) == LL_OK &&
	       g.sweep;
}

/* How many regimes the models are labelled by (1: none). */
static size_t n_regimes(const ll_session *s)
{
	ll_train_regimes g;
	return ll_train_regimes_get(s, &g, NULL) == LL_OK ? g.n : 1;
}

static int fig_richlazy(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;
	ll_train_regimes g;

	ll_report_fig_init(f);
	if (!has_regimes(s) || ll_train_regimes_get(s, &g, err) != LL_OK)
		return ll_err_set(err, LL_EINVAL, "figure richlazy: the session has no init_scale / init_rank regimes");
	const struct ll_res_train *r = s->res.train;
	size_t M = r->log.models, S = r->log.snapshots, L = r->nlayers, R = g.n;
	if ((rc = ll_report_fig_start(f, "richlazy", 1100, 400, 1, 3, err)) != LL_OK)
		return rc;
	double *x = ll_malloc_array(M, sizeof *x), *y = ll_malloc_array(M * 3, sizeof *y);
	double *rx = ll_malloc_array(R, sizeof *rx), *my = ll_malloc_array(R * 3, sizeof *my);
	char(*names)[48] = ll_malloc_array(R, sizeof *names);
	const char **labs = ll_malloc_array(R, sizeof *labs);
	if (!x || !y || !rx || !my || !names || !labs) {
		rc = ll_err_oom(err);
		goto out;
	}
	snprintf(f->fig.title, sizeof f->fig.title, "Rich vs lazy: how far %zu model%s moved from their start", M,
		 M == 1 ? "" : "s");
	static const char *const titles[3] = {"relative weight change", "representation change (1 - CKA)",
					      "final test accuracy (%)"};
	for (size_t q = 0; q < R; q++) {
		rx[q] = (double)q;
		ll_train_regime_name(&g, q, names[q], sizeof names[q]);
		labs[q] = names[q];
		size_t cnt[3] = {0, 0, 0};
		for (int k = 0; k < 3; k++)
			my[k * R + q] = 0;
		for (size_t m = q; m < M; m += R) {
			double v[3] = {r->wchange[m * (L + 1) + L], r->repr_change[m], 100 * r->log.acc[m * S + S - 1]};
			for (int k = 0; k < 3; k++)
				if (isfinite(v[k])) {
					my[k * R + q] += v[k];
					cnt[k]++;
				}
		}
		for (int k = 0; k < 3; k++)
			my[k * R + q] = cnt[k] ? my[k * R + q] / (double)cnt[k] : NAN;
	}
	ll_html_buf_puts(&f->csv, "model,regime,name,x,weight_change,repr_change,final_accuracy_pct\n");
	for (size_t m = 0; m < M; m++) {
		size_t q = m % R;
		/* the models of a regime side by side around it */
		size_t k = m / R, n = (M - q + R - 1) / R;
		x[m] = (double)q + (n > 1 ? 0.3 * ((double)k / (double)(n - 1) - 0.5) : 0);
		y[m] = r->wchange[m * (L + 1) + L];
		y[M + m] = r->repr_change[m];
		y[2 * M + m] = 100 * r->log.acc[m * S + S - 1];
		ll_html_buf_printf(&f->csv, "%zu,%zu,", m, q);
		ll_report_csv_str(&f->csv, names[q]);
		ll_report_csv_sep(&f->csv);
		ll_report_csv_num(&f->csv, x[m]);
		for (int c = 0; c < 3; c++) {
			ll_report_csv_sep(&f->csv);
			ll_report_csv_num(&f->csv, y[c * M + m]);
		}
		ll_report_csv_end(f);
	}
	for (int c = 0; c < 3 && rc == LL_OK; c++) {
		ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, c);
		ll_report_set_text(ax->title, "%s", titles[c]);
		ll_report_set_text(ax->x.label, "%s", "regime");
		ax->grid = 1;
		ax->y.zero = 1;
		ax->x.fixed = 1;
		ax->x.lo = -0.5;
		ax->x.hi = (double)R - 0.5;
		ax->x.rotate = R > 3;
		ax->legend = c == 0 ? LL_PLOT_LEGEND_BEST : LL_PLOT_LEGEND_OFF;
		if ((rc = ll_plot_axis_ticks(&ax->x, rx, labs, R, err)) != LL_OK ||
		    (rc = ll_plot_scatter(ax, x, y + (size_t)c * M, M, NULL,
					  &(ll_plot_style){.color = LL_RGBA_SET_ALPHA(ll_plot_palette(0), 0xB0),
							   .marker_size = 7, .label = "model"}, err)) != LL_OK)
			break;
		rc = ll_plot_line(ax, rx, my + (size_t)c * R, R,
				  &(ll_plot_style){.color = LL_PLOT_BLACK, .width = 2, .marker = LL_PLOT_MARKER_SQUARE,
						   .marker_size = 6, .label = "mean"}, err);
	}
out:
	ll_free(x);
	ll_free(y);
	ll_free(rx);
	ll_free(my);
	ll_free(names);
	ll_free(labs);
	return ll_report_fig_finish(f, rc, err);
}

static void sec_richlazy(doc *d)
{
	ll_session *s = d->s;
	ll_train_regimes g;
	if (!has_regimes(s) || ll_train_regimes_get(s, &g, NULL) != LL_OK)
		return;
	const struct ll_res_train *r = s->res.train;
	size_t M = r->log.models, S = r->log.snapshots, L = r->nlayers;
	doc_heading(d, 3, "richlazy", "Rich and lazy learning");
	doc_put(d, "The models started in different regimes: their initial weights were scaled by `init_scale = ");
	doc_md_text(d, doc_param(d, LL_STEP_TRAIN, "init_scale"));
	doc_put(d, "` and the hidden layer's initial weights given rank `init_rank = ");
	doc_md_text(d, doc_param(d, LL_STEP_TRAIN, "init_rank"));
	doc_putf(d, "` (a product U V<sup>T</sup> of that rank with the Frobenius norm of the full-rank "
		    "start at the same scale), the models taking the %zu regimes in turn. Small initial "
		    "weights are expected to learn *richly* (the weights, and the features they compute, "
		    "move far from where they started), large ones *lazily* (training barely moves the "
		    "weights, like a linearised network). Figure %d measures it per model: the relative "
		    "weight change &#8214;W<sub>T</sub> &minus; W<sub>0</sub>&#8214;<sub>F</sub> / "
		    "&#8214;W<sub>0</sub>&#8214;<sub>F</sub> over all weight layers, the representation "
		    "change 1 &minus; linear CKA between the first hidden layer's activity on the %zu probe "
		    "images at the start and at the end (0: the same representation up to rotation and "
		    "scale), and the final test accuracy. The numbers are in `train/richlazy.csv`.\n\n",
		 g.n, d->next_number + 1, r->outputs_n);
	doc_place_fig(d, "richlazy", "weight change, representation change and accuracy by regime",
		      "Per regime (x): each model as a dot, the mean as a line. Left: relative weight change; "
		      "middle: 1 &minus; CKA of the hidden representation, start against end; right: final "
		      "test accuracy.");
	char head[256] = "regime|#models";
	for (size_t l = 0; l < L; l++)
		snprintf(head + strlen(head), sizeof head - strlen(head), "|#change W%zu", l + 1);
	snprintf(head + strlen(head), sizeof head - strlen(head), "|#weight change|#1 - CKA|#accuracy (%%)");
	doc_tbl_begin(d, "Means per regime: relative weight change per layer and in all, representation change, "
			 "final test accuracy");
	doc_tbl_head(d, head);
	for (size_t q = 0; q < g.n; q++) {
		char nm[64];
		double w[4] = {0, 0, 0, 0}, c = 0, a = 0;
		size_t cnt = 0, cc = 0;
		for (size_t m = q; m < M; m += g.n, cnt++) {
			for (size_t l = 0; l <= L && l < 4; l++)
				w[l] += r->wchange[m * (L + 1) + l];
			if (isfinite(r->repr_change[m])) {
				c += r->repr_change[m];
				cc++;
			}
			a += r->log.acc[m * S + S - 1];
		}
		doc_tr_begin(d, 0);
		doc_td(d, ll_train_regime_name(&g, q, nm, sizeof nm));
		doc_td_size(d, cnt);
		for (size_t l = 0; l <= L && l < 4; l++)
			doc_td_num(d, cnt ? w[l] / (double)cnt : NAN, "%.4g");
		doc_td_num(d, cc ? c / (double)cc : NAN, "%.4f");
		doc_td_num(d, cnt ? 100 * a / (double)cnt : NAN, "%.2f");
		doc_tr_end(d);
	}
	doc_tbl_end(d);
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
			 ? (n_regimes(s) > 1 ? " given to the models in turn (their labels are their regimes, below)"
					     : " given to the models in turn; a model's label is its rate's place in this list, from 0")
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
	sec_richlazy(d);
}

static int sec_training_present(const ll_session *s)
{
	return s->state[LL_STEP_TRAIN] != LL_STATE_ABSENT;
}

static const ll_section_fig figs[] = {
	{"training", fig_training, NULL},
	{"richlazy", fig_richlazy, has_regimes},
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
