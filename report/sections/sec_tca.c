/* Section "Tensor components (TCA)": the ensemble of CP fits, the chosen
 * rank and its model, and its figures
 *
 *   tca_rank         error vs rank (every replicate as a dot, a line through
 *                    the best; with cross-validation, the held-out and the
 *                    training error of the folds too) and similarity to the
 *                    best vs rank (non-best replicates, a line through the
 *                    mean, and the fraction of fits at the best optimum;
 *                    y in [0, 1.1])
 *   factors          the best fit at the chosen rank, tensortools
 *                    plot_factors style: one row per component, one column
 *                    per mode; bars for unit modes, lines for time modes,
 *                    dots for trial and class modes, coloured by label where
 *                    the mode has labels
 *   tca_convergence  objective per iteration of every fit at the chosen rank
 *   tca_pixels       with a pixel mode ([tensor] of = input): each
 *                    component's pixel factor as a 28x28 image
 *
 * In the report when the session has a tca step. */
#include "ll_doc.h"
#include "tensor/ll_loads.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- error and similarity vs rank --------------------------------------- */

static int fig_rank(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	if (!ll_report_has_tca(s))
		return ll_err_set(err, LL_EINVAL, "figure tca_rank: the session has no TCA ensemble");
	const ll_ensemble *e = &s->res.tca->ens;
	if ((rc = ll_report_fig_start(f, "tca_rank", 1000, 400, 1, 2, err)) != LL_OK)
		return rc;
	size_t total = 0, nr = e->nranks;
	for (size_t i = 0; i < nr; i++)
		total += e->ranks[i].nrep;
	double *ex = ll_malloc_array(total, sizeof *ex), *ey = ll_malloc_array(total, sizeof *ey);
	double *sx = ll_malloc_array(total, sizeof *sx), *sy = ll_malloc_array(total, sizeof *sy);
	double *rk = ll_malloc_array(nr, sizeof *rk), *best = ll_malloc_array(nr, sizeof *best);
	double *mean = ll_malloc_array(nr, sizeof *mean), *fab = ll_malloc_array(nr, sizeof *fab);
	double *cvt = ll_malloc_array(nr, sizeof *cvt), *cvr = ll_malloc_array(nr, sizeof *cvr);
	if (!ex || !ey || !sx || !sy || !rk || !best || !mean || !fab || !cvt || !cvr) {
		rc = ll_err_oom(err);
		goto out;
	}
	size_t ne = 0, ns = 0;
	ll_html_buf_puts(&f->csv, e->cv_folds ? "rank,replicate,seed,x,objective,similarity,at_best,cv_test,cv_train\n"
					      : "rank,replicate,seed,x,objective,similarity,at_best\n");
	for (size_t i = 0; i < nr; i++) {
		const ll_ens_rank *r = &e->ranks[i];
		rk[i] = (double)r->rank;
		best[i] = r->fits[0].obj;
		mean[i] = 0;
		fab[i] = 0;
		cvt[i] = r->cv_test_mean;
		cvr[i] = r->cv_train_mean;
		for (size_t k = 0; k < r->nrep; k++) {
			double jx = ll_report_rank_jitter(r->rank, k, r->nrep);
			ex[ne] = jx;
			ey[ne++] = r->fits[k].obj;
			if (k > 0) {
				sx[ns] = jx;
				sy[ns++] = r->sim[k];
				mean[i] += r->sim[k] / (double)(r->nrep - 1);
			}
			ll_html_buf_printf(&f->csv, "%zu,%zu,%llu,", r->rank, k,
					   (unsigned long long)r->fits[k].seed);
			ll_report_csv_num(&f->csv, jx);
			ll_report_csv_sep(&f->csv);
			ll_report_csv_num(&f->csv, r->fits[k].obj);
			ll_report_csv_sep(&f->csv);
			if (k > 0)
				ll_report_csv_num(&f->csv, r->sim[k]); /* the best is not drawn (1 by definition) */
			int ab = ll_ens_at_best(r, k);
			fab[i] += ab / (double)r->nrep;
			ll_html_buf_printf(&f->csv, ",%d", ab);
			if (e->cv_folds) {
				ll_report_csv_sep(&f->csv);
				ll_report_csv_num(&f->csv, r->cv_test_mean);
				ll_report_csv_sep(&f->csv);
				ll_report_csv_num(&f->csv, r->cv_train_mean);
			}
			ll_report_csv_end(f);
		}
		if (r->nrep < 2)
			mean[i] = NAN;
	}
	snprintf(f->fig.title, sizeof f->fig.title, "TCA (%s): model error and replicate similarity by rank",
		 ll_cp_method_name(e->method));
	ll_plot_axes *er = ll_plot_fig_axes(&f->fig, 0, 0), *sm = ll_plot_fig_axes(&f->fig, 0, 1);
	ll_report_set_text(er->title, "%s", "model error");
	ll_report_set_text(sm->title, "%s", "similarity to the best fit");
	er->x.fixed = 1;
	er->x.lo = rk[0] - 0.5;
	er->x.hi = rk[nr - 1] + 0.5;
	er->x.nticks = nr < 12 ? (int)nr : 12;
	ll_report_set_text(er->x.label, "%s", "rank");
	ll_report_set_text(er->y.label, "%s", "normalised error");
	er->grid = 1;
	sm->x = er->x;
	ll_report_set_text(sm->y.label, "%s", "similarity");
	sm->y.fixed = 1;
	sm->y.lo = 0;
	sm->y.hi = 1.1;
	sm->grid = 1;
	/* the held-out error rises at the top right, where the legend would
	 * hide it; the bottom left is empty below the first ranks' errors */
	er->legend = e->cv_folds ? LL_PLOT_LEGEND_SW : LL_PLOT_LEGEND_NE;
	sm->legend = LL_PLOT_LEGEND_SW;
	char lab[48];
	snprintf(lab, sizeof lab, "chosen rank %zu", s->res.tca->chosen_rank);
	ll_plot_style vst = {.color = LL_RGB(0x99, 0x99, 0x99), .dash = 4, .width = 1.5};
	ll_plot_style dots = {.color = LL_RGBA_SET_ALPHA(LL_PLOT_BLACK, 0x80), .marker_size = 6, .label = "replicate"};
	if ((rc = ll_plot_vline(er, (double)s->res.tca->chosen_rank, &vst, err)) ||
	    (rc = ll_plot_vline(sm, (double)s->res.tca->chosen_rank, &vst, err)) ||
	    (rc = ll_plot_scatter(er, ex, ey, ne, NULL, &dots, err)) ||
	    (rc = ll_plot_line(er, rk, best, nr, &(ll_plot_style){.color = ll_plot_palette(1), .width = 2,
								  .marker = LL_PLOT_MARKER_SQUARE,
								  .marker_size = 7, .label = "best"}, err)) ||
	    (rc = ll_plot_hline(sm, 1, &(ll_plot_style){.dash = 3}, err)) ||
	    (rc = ll_plot_scatter(sm, sx, sy, ns, NULL, &dots, err)) ||
	    (rc = ll_plot_line(sm, rk, mean, nr, &(ll_plot_style){.color = ll_plot_palette(0), .width = 2,
								  .marker = LL_PLOT_MARKER_CIRCLE,
								  .marker_size = 6, .label = "mean"}, err)) ||
	    (rc = ll_plot_line(sm, rk, fab, nr, &(ll_plot_style){.color = ll_plot_palette(2), .width = 2,
								 .dash = 5, .marker = LL_PLOT_MARKER_SQUARE,
								 .marker_size = 5, .label = "at best optimum"}, err)) ||
	    (rc = ll_plot_legend_add(er, &(ll_plot_style){.color = vst.color, .dash = 4, .label = lab}, err)))
		goto out;
	if (e->cv_folds &&
	    ((rc = ll_plot_line(er, rk, cvt, nr, &(ll_plot_style){.color = ll_plot_palette(3), .width = 2,
								  .marker = LL_PLOT_MARKER_CIRCLE,
								  .marker_size = 6, .label = "held-out (cv)"}, err)) ||
	     (rc = ll_plot_line(er, rk, cvr, nr, &(ll_plot_style){.color = ll_plot_palette(3), .width = 1.5,
								  .dash = 4, .label = "training (cv)"}, err))))
		goto out;
out:
	ll_free(ex);
	ll_free(ey);
	ll_free(sx);
	ll_free(sy);
	ll_free(rk);
	ll_free(best);
	ll_free(mean);
	ll_free(fab);
	ll_free(cvt);
	ll_free(cvr);
	return ll_report_fig_finish(f, rc, err);
}

/* ---- convergence at the chosen rank ------------------------------------- */

static int fig_convergence(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	if (!ll_report_has_tca(s))
		return ll_err_set(err, LL_EINVAL, "figure tca_convergence: the session has no TCA ensemble");
	const ll_ens_rank *r = ll_ens_get(&s->res.tca->ens, s->res.tca->chosen_rank);
	if ((rc = ll_report_fig_start(f, "tca_convergence", 1000, 340, 1, 1, err)) != LL_OK)
		return rc;
	snprintf(f->fig.title, sizeof f->fig.title, "Convergence of the %zu fit%s at rank %zu", r->nrep,
		 r->nrep == 1 ? "" : "s", r->rank);
	ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, 0, 0);
	ll_report_set_text(ax->x.label, "%s", "iteration");
	ll_report_set_text(ax->y.label, "%s", "normalised error");
	ax->grid = 1;
	ax->legend = LL_PLOT_LEGEND_NE;
	int most = 1;
	for (size_t k = 0; k < r->nrep; k++)
		most = r->fits[k].iters > most ? r->fits[k].iters : most;
	double *x = ll_malloc_array((size_t)most, sizeof *x);
	if (!x)
		return ll_report_fig_finish(f, ll_err_oom(err), err);
	for (int i = 0; i < most; i++)
		x[i] = i + 1;
	ll_html_buf_puts(&f->csv, "replicate,seed,iteration,objective\n");
	/* the best last, so it is drawn on top */
	for (size_t kk = r->nrep; kk-- > 0 && rc == LL_OK;) {
		const ll_cp_result *fit = &r->fits[kk];
		ll_plot_style st = kk == 0 ? (ll_plot_style){.color = ll_plot_palette(1), .width = 2.2,
							      .label = "best fit"}
					   : (ll_plot_style){.color = LL_RGBA_SET_ALPHA(LL_PLOT_BLACK, 0x70), .width = 1.2,
							     .label = kk == 1 ? "other replicates" : NULL};
		if (fit->hist && fit->iters > 0)
			rc = ll_plot_line(ax, x, fit->hist, (size_t)fit->iters, &st, err);
	}
	for (size_t k = 0; k < r->nrep; k++)
		for (int i = 0; r->fits[k].hist && i < r->fits[k].iters; i++) {
			ll_html_buf_printf(&f->csv, "%zu,%llu,%d,", k, (unsigned long long)r->fits[k].seed, i + 1);
			ll_report_csv_num(&f->csv, r->fits[k].hist[i]);
			ll_report_csv_end(f);
		}
	ll_free(x);
	return ll_report_fig_finish(f, rc, err);
}

/* ---- factors ------------------------------------------------------------ */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Distinct values of labels[0..n-1], sorted, into *out (malloc'd). */
static size_t distinct_labels(const int *labels, size_t n, int **out)
{
	int *v = ll_malloc_array(n ? n : 1, sizeof *v);
	size_t k = 0;
	*out = v;
	if (!v)
		return 0;
	memcpy(v, labels, n * sizeof *v);
	qsort(v, n, sizeof *v, cmp_int);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || v[i] != v[k - 1])
			v[k++] = v[i];
	return k;
}

static size_t label_index(const int *d, size_t nd, int v)
{
	for (size_t j = 0; j < nd; j++)
		if (d[j] == v)
			return j;
	return 0;
}

/* class modes of at most this many classes get a tick label per class */
#define LL_FACTOR_CLASS_TICKS 20

int ll_report_factors_fig(const ll_session *s, size_t rank, size_t rep, ll_report_fig *f, ll_err *err)
{
	int rc;

	ll_report_fig_init(f);
	const ll_ens_rank *er = ll_report_has_tca(s) ? ll_ens_get(&s->res.tca->ens, rank) : NULL;
	if (!er || rep >= er->nrep)
		return ll_err_set(err, LL_EINVAL, "figure factors: the session has no TCA fit of rank %zu, replicate %zu",
				  rank, rep + 1);
	const ll_ktensor *K = &er->fits[rep].K;
	int N = K->nmodes, R = (int)K->rank;
	int w = 80 + 240 * N, h = 110 + 100 * R;
	if (w < 720)
		w = 720;
	if (R > LL_PLOT_MAX_GRID)
		return ll_err_set(err, LL_ENOTSUP, "figure factors: rank %d has more rows than a figure holds", R);
	if ((rc = ll_report_fig_start(f, "factors", w, h, R, N, err)) != LL_OK)
		return rc;
	if (rep == 0)
		snprintf(f->fig.title, sizeof f->fig.title, "Best rank-%d model: %d component%s x %d modes", R, R,
			 R == 1 ? "" : "s", N);
	else
		snprintf(f->fig.title, sizeof f->fig.title, "Rank-%d model, replicate %zu: %d component%s x %d modes", R,
			 rep + 1, R, R == 1 ? "" : "s", N);
	ll_plot_fig_factor_style(&f->fig, 0, R);
	ll_html_buf_puts(&f->csv, "component,weight,mode,index,x,value,label\n");
	for (int n = 0; n < N && rc == LL_OK; n++) {
		const ll_mode_info *mi = &s->res.tensor->modes[n];
		size_t nidx = K->dim[n];
		const char *xl = mi->name;
		double *x = NULL, *y = ll_malloc_array(nidx, sizeof *y);
		uint32_t *col = NULL;
		int *dl = NULL;
		size_t nd = 0;
		if (mi->kind == LL_MODE_TIME)
			x = ll_report_time_axis(s, nidx, mi->name, &xl);
		else if ((x = ll_malloc_array(nidx, sizeof *x)))
			for (size_t i = 0; i < nidx; i++)
				x[i] = (double)i;
		if (mi->labels && mi->kind != LL_MODE_TIME) {
			nd = distinct_labels(mi->labels, nidx, &dl);
			col = ll_malloc_array(nidx, sizeof *col);
			for (size_t i = 0; col && dl && i < nidx; i++)
				col[i] = ll_report_label_color(label_index(dl, nd, mi->labels[i]));
		}
		if (!x || !y || (mi->labels && mi->kind != LL_MODE_TIME && (!col || !dl))) {
			rc = ll_err_oom(err);
		}
		for (int c = 0; c < R && rc == LL_OK; c++) {
			ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, c, n);
			for (size_t i = 0; i < nidx; i++)
				y[i] = K->U[n][i * K->rank + (size_t)c];
			if (n == 0)
				snprintf(ax->y.label, sizeof ax->y.label, "C%d", c + 1);
			if (c == 0)
				snprintf(ax->title, sizeof ax->title, "%s (%zu, %s)", mi->name, nidx, ll_report_kind_plot(mi->kind));
			if (c == R - 1)
				ll_report_set_text(ax->x.label, "%s", xl);
			ax->legend = LL_PLOT_LEGEND_OFF;
			if (mi->kind != LL_MODE_TIME) {
				/* index modes: room for the first and last dot or bar */
				ax->x.fixed = 1;
				ax->x.lo = -0.5;
				ax->x.hi = (double)nidx - 0.5;
			}
			if (mi->kind == LL_MODE_CLASS && nidx <= LL_FACTOR_CLASS_TICKS && rc == LL_OK) {
				/* a few classes (digits, conditions): each named under its
				 * dot, so the colours need no key (the bottom row's labels;
				 * marks above) */
				char names[LL_FACTOR_CLASS_TICKS][16];
				const char *lab[LL_FACTOR_CLASS_TICKS];
				for (size_t i = 0; i < nidx; i++) {
					snprintf(names[i], sizeof names[i], "%d", mi->labels ? mi->labels[i] : (int)i);
					lab[i] = names[i];
				}
				rc = ll_plot_axis_ticks(&ax->x, x, lab, nidx, err);
			}
			switch (mi->kind) {
			case LL_MODE_UNIT:
				/* coloured by label like the dots, so a legend is true */
				rc = ll_plot_bars(ax, x, y, nidx, col, &(ll_plot_style){.color = LL_RGB(0x45, 0x45, 0x45)},
						  err);
				break;
			case LL_MODE_TIME:
				rc = ll_plot_line(ax, x, y, nidx, &(ll_plot_style){.color = ll_plot_palette(0), .width = 2},
						  err);
				ax->y.zero = 1;
				break;
			default:
				rc = ll_plot_scatter(ax, x, y, nidx, col,
						     &(ll_plot_style){.color = LL_RGB(0x45, 0x45, 0x45),
								      .marker_size = nidx > 200 ? 4 : 6},
						     err);
				ax->y.zero = 1;
				break;
			}
			for (size_t i = 0; i < nidx; i++) {
				ll_html_buf_printf(&f->csv, "%d,", c + 1);
				ll_report_csv_num(&f->csv, K->lambda[c]);
				ll_report_csv_sep(&f->csv);
				ll_report_csv_str(&f->csv, mi->name);
				ll_html_buf_printf(&f->csv, ",%zu,", i);
				ll_report_csv_num(&f->csv, x[i]);
				ll_report_csv_sep(&f->csv);
				ll_report_csv_num(&f->csv, y[i]);
				ll_report_csv_sep(&f->csv);
				if (mi->labels)
					ll_html_buf_printf(&f->csv, "%d", mi->labels[i]);
				ll_report_csv_end(f);
			}
		}
		/* a legend for a few conditions, in the first row */
		if (rc == LL_OK && dl && nd >= 2 && nd <= 6) {
			ll_plot_axes *top = ll_plot_fig_axes(&f->fig, 0, n);
			top->legend = LL_PLOT_LEGEND_BEST;
			/* an MNIST learning-rate sweep labels models by their rate's place */
			double lr[16];
			size_t nlr = ll_report_has_training(s) && n == 0
					     ? ll_session_get_reals(s, LL_STEP_TRAIN, "lr", lr, 16) : 0;
			/* ... or by their rich/lazy regime (init_scale x init_rank), which wins */
			ll_train_regimes g;
			int regimes = ll_report_has_training(s) && n == 0 && ll_train_regimes_get(s, &g, NULL) == LL_OK &&
				      g.n > 1;
			for (size_t j = 0; j < nd && rc == LL_OK; j++) {
				char lab[48];
				if (regimes && dl[j] >= 0 && (size_t)dl[j] < g.n)
					ll_train_regime_name(&g, (size_t)dl[j], lab, sizeof lab);
				else if (nlr > 1 && dl[j] >= 0 && (size_t)dl[j] < nlr && nlr <= 16)
					snprintf(lab, sizeof lab, "lr %g", lr[dl[j]]);
				else
					snprintf(lab, sizeof lab, "%s %d", n == s->res.tensor->X.nmodes - 1 && ll_report_has_conditions(s)
						 ? "condition" : "label", dl[j]);
				rc = ll_plot_legend_add(top, &(ll_plot_style){.color = ll_report_label_color(j),
									      .marker = LL_PLOT_MARKER_CIRCLE,
									      .label = lab}, err);
			}
		}
		ll_free(x);
		ll_free(y);
		ll_free(col);
		ll_free(dl);
	}
	return ll_report_fig_finish(f, rc, err);
}

static int fig_factors(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	if (!ll_report_has_tca(s)) {
		ll_report_fig_init(f);
		return ll_err_set(err, LL_EINVAL, "figure factors: the session has no TCA ensemble");
	}
	return ll_report_factors_fig(s, s->res.tca->chosen_rank, 0, f, err);
}

/* ---- pixel factors as images ---------------------------------------------- */

/* The tensor's pixel mode (of = input: a square image's pixels) and the
 * image's side, or -1. */
static int pixel_mode(const ll_session *s, size_t *side)
{
	if (!s->res.tensor)
		return -1;
	for (int n = 0; n < s->res.tensor->X.nmodes; n++) {
		size_t p = s->res.tensor->X.dim[n], q = (size_t)llround(sqrt((double)p));
		if (!strcmp(s->res.tensor->modes[n].name, "pixel") && q * q == p) {
			*side = q;
			return n;
		}
	}
	return -1;
}

static int has_pixels(const ll_session *s)
{
	size_t side;
	return ll_report_has_tca(s) && pixel_mode(s, &side) >= 0;
}

static int fig_pixels(const ll_session *s, ll_report_fig *f, ll_err *err)
{
	int rc;
	size_t side = 0;

	ll_report_fig_init(f);
	int pm = ll_report_has_tca(s) ? pixel_mode(s, &side) : -1;
	if (pm < 0)
		return ll_err_set(err, LL_EINVAL, "figure tca_pixels: the tensor has no pixel mode");
	const ll_ktensor *K = &ll_ens_get(&s->res.tca->ens, s->res.tca->chosen_rank)->fits[0].K;
	int R = (int)K->rank, cols = R < 5 ? R : 5, rows = (R + cols - 1) / cols;
	if ((rc = ll_report_fig_start(f, "tca_pixels", 60 + 200 * cols, 70 + 210 * rows, rows, cols, err)) != LL_OK)
		return rc;
	snprintf(f->fig.title, sizeof f->fig.title, "Pixel factors of the rank-%d model as %zux%zu images", R, side,
		 side);
	size_t P = side * side;
	double *z = ll_malloc_array(P, sizeof *z);
	if (!z)
		return ll_report_fig_finish(f, ll_err_oom(err), err);
	ll_html_buf_puts(&f->csv, "component,row,col,value\n");
	for (int c = 0; c < rows * cols && rc == LL_OK; c++) {
		ll_plot_axes *ax = ll_plot_fig_axes(&f->fig, c / cols, c % cols);
		if (c >= R) {
			ax->hidden = 1;
			continue;
		}
		for (size_t i = 0; i < P; i++)
			z[i] = K->U[pm][i * K->rank + (size_t)c];
		snprintf(ax->title, sizeof ax->title, "C%d", c + 1);
		ax->equal = 1;
		ax->x.ticks = ax->y.ticks = LL_PLOT_TICKS_NONE;
		ax->legend = LL_PLOT_LEGEND_OFF;
		rc = ll_plot_heatmap(ax, z, side, side, &(ll_plot_heat_style){.no_colorbar = 1}, err);
		for (size_t i = 0; i < P && rc == LL_OK; i++) {
			ll_html_buf_printf(&f->csv, "%d,%zu,%zu,", c + 1, i / side, i % side);
			ll_report_csv_num(&f->csv, z[i]);
			ll_report_csv_end(f);
		}
	}
	ll_free(z);
	return ll_report_fig_finish(f, rc, err);
}

/* ---- the section ---------------------------------------------------------- */

static void sec_tca_glance(doc *d)
{
	ll_session *s = d->s;
	if (ll_report_has_tca(s)) {
		const ll_ens_rank *r = ll_ens_get(&s->res.tca->ens, s->res.tca->chosen_rank);
		ll_ens_stats st;
		int rc = ll_ens_rank_stats(r, &st, NULL);
		doc_fail(d, rc, "the chosen rank's statistics");
		if (rc == LL_OK) {
			doc_putf(d, "- **TCA:** %s, ranks %zu-%zu x %zu replicates; rank **%zu** chosen (error %.4f",
				 ll_cp_method_name(s->res.tca->ens.method), s->res.tca->ens.ranks[0].rank,
				 s->res.tca->ens.ranks[s->res.tca->ens.nranks - 1].rank, r->nrep, s->res.tca->chosen_rank, st.best);
			if (isfinite(st.mean_sim))
				doc_putf(d, ", replicate similarity %.3f", st.mean_sim);
			doc_putf(d, ", %zu/%zu fits at the best optimum", st.at_best, r->nrep);
			if (s->res.tca->ens.cv_folds)
				doc_putf(d, ", held-out error %.4f", r->cv_test_mean);
			doc_put(d, ").\n");
		}
	}
}

static void weights_table(doc *d, const ll_ktensor *K)
{
	ll_session *s = d->s;
	double tot = 0;
	for (size_t c = 0; c < K->rank; c++)
		tot += K->lambda[c] * K->lambda[c];
	doc_tbl_begin(d, "Components of the best fit: weight, share of the squared weights, and where each "
			 "factor peaks (index of its largest entry)");
	char head[512] = "component|#weight|#share (%)";
	for (int n = 0; n < K->nmodes; n++) {
		size_t l = strlen(head);
		snprintf(head + l, sizeof head - l, "|#peak %s", s->res.tensor->modes[n].name);
	}
	doc_tbl_head(d, head);
	/* one number of decimals for the column (review D16) */
	char wfmt[16];
	snprintf(wfmt, sizeof wfmt, "%%.%df", ll_loads_decimals(K->lambda, K->rank));
	for (size_t c = 0; c < K->rank; c++) {
		char nm[32];
		snprintf(nm, sizeof nm, "C%zu", c + 1);
		doc_tr_begin(d, 0);
		doc_td(d, nm);
		doc_td_num(d, K->lambda[c], wfmt);
		doc_td_num(d, tot > 0 ? 100 * K->lambda[c] * K->lambda[c] / tot : NAN, "%.1f");
		for (int n = 0; n < K->nmodes; n++) {
			size_t nidx = K->dim[n], arg = 0;
			for (size_t i = 1; i < nidx; i++)
				if (fabs(K->U[n][i * K->rank + c]) > fabs(K->U[n][arg * K->rank + c]))
					arg = i;
			if (s->res.tensor->modes[n].kind == LL_MODE_TIME && ll_report_has_training(s) &&
			    s->res.train->log.snapshots == nidx)
				doc_putf(d, "<td class=\"num\">step %d</td>", s->res.train->log.step[arg]);
			else
				doc_td_size(d, arg);
		}
		doc_tr_end(d);
	}
	doc_tbl_end(d);
	/* what each component means, in the words the workbench's Factors
	 * screen uses (ll_tca_loads_text) */
	doc_put(d, "What each component loads on: its top units, the peak of its time course, and the "
		   "classes or conditions it is largest on (mean factor value); a factor that hardly varies "
		   "over its entries is called flat.\n\n");
	for (size_t c = 0; c < K->rank; c++) {
		char lt[400];
		ll_err e = {0, ""};
		int rc = ll_tca_loads_text(s, K, c, lt, sizeof lt, &e);
		doc_fail(d, rc, "what a component loads on");
		if (rc != LL_OK)
			continue;
		doc_putf(d, "- **C%zu** loads on: ", c + 1);
		doc_md_text(d, lt);
		doc_put(d, "\n");
	}
	doc_put(d, "\n");
}

static void truth_check(doc *d, const ll_ens_rank *chosen)
{
	ll_session *s = d->s;
	const ll_ktensor *T = &s->res.data->truth;
	doc_heading(d, 3, "truth", "Check against the planted factors");
	int same = T->nmodes == chosen->fits[0].K.nmodes;
	for (int n = 0; same && n < T->nmodes; n++)
		same = T->dim[n] == chosen->fits[0].K.dim[n];
	if (!same) {
		doc_put(d, "<p class=\"note\">The planted model's shape differs from the analysis tensor's; no "
			   "comparison.</p>\n\n");
		return;
	}
	doc_putf(d, "The data were simulated from %zu planted components, so the fits can be scored against "
		    "them. Each score matches fitted and planted components one to one (Hungarian "
		    "algorithm) and averages over the larger of the two ranks, so a missing or extra "
		    "component costs; 1 means the planted factors were found exactly (up to order and "
		    "scale).\n\n", T->rank);
	doc_tbl_begin(d, NULL);
	doc_tbl_head(d, "best fit at rank|#mean-cos|#tomasi-bro|#congruence");
	for (size_t i = 0; i < s->res.tca->ens.nranks; i++) {
		const ll_ens_rank *r = &s->res.tca->ens.ranks[i];
		char lab[64];
		int ch = r->rank == chosen->rank, pl = r->rank == T->rank;
		snprintf(lab, sizeof lab, "%zu%s", r->rank,
			 ch && pl ? " (chosen; planted)" : ch ? " (chosen)" : pl ? " (planted)" : "");
		doc_tr_begin(d, ch);
		doc_td(d, lab);
		static const ll_sim_kind kinds[3] = {LL_SIM_MEANCOS, LL_SIM_TOMASI_BRO, LL_SIM_CONGRUENCE};
		for (int k = 0; k < 3; k++) {
			double v = NAN;
			int rc = ll_kt_similarity(T, &r->fits[0].K, kinds[k], &v, NULL, NULL);
			if (rc == LL_ENOMEM)
				doc_fail(d, rc, "similarity to the planted factors");
			if (rc != LL_OK)
				v = NAN;
			doc_td_num(d, v, "%.3f");
		}
		doc_tr_end(d);
	}
	doc_tbl_end(d);
	doc_put(d, "Mean-cos averages the |cosines| over modes; congruence multiplies them (stricter); "
		   "tomasi-bro also penalises a wrong weight.\n\n");
}

static void sec_tca(doc *d)
{
	ll_session *s = d->s;
	if (doc_not_run(d, LL_STEP_TCA) || !ll_report_has_tca(s))
		return;
	const ll_ensemble *e = &s->res.tca->ens;
	const ll_ens_rank *cr = ll_ens_get(e, s->res.tca->chosen_rank);
	int nonneg = e->method != LL_CP_ALS;
	char modes[200] = "";
	for (int n = 0; n < s->res.tensor->X.nmodes; n++) {
		size_t l = strlen(modes);
		snprintf(modes + l, sizeof modes - l, "%s%s", n ? ", " : "", s->res.tensor->modes[n].name);
	}
	doc_put(d, "Tensor component analysis (TCA; Williams et al. 2018), a CP or PARAFAC decomposition "
		   "(Kolda & Bader 2009), approximates the tensor by "
		   "a sum of *R* components. Each component is the outer product of one vector per mode (");
	doc_md_text(d, modes);
	doc_putf(d, "): for example a group of units that are active together, one time course, and "
		    "one gain per trial or model. The fits used **%s** (%s), from %s starting points, at "
		    "most %s iterations, stopping when the error improved by less than %s. Every rank from %zu to %zu was fitted %zu "
		    "times from different random seeds. The error of a fit is "
		    "&#8214;W&#8728;(X &minus; M)&#8214; / &#8214;W&#8728;X&#8214; (W: the observed entries): "
		    "0 is a perfect fit, 1 explains nothing.\n\n",
		 ll_cp_method_name(e->method),
		 nonneg ? "non-negative factors" : "unconstrained factors", doc_param(d, LL_STEP_TCA, "init"),
		 doc_param(d, LL_STEP_TCA, "max_iter"), doc_param(d, LL_STEP_TCA, "tol"), e->ranks[0].rank,
		 e->ranks[e->nranks - 1].rank, cr->nrep);
	const ll_cp_opts *co = &e->opts.cp;
	char mb[64];
	if (e->warm_start) {
		doc_put(d, "The fit started from a given model (warm_start = ");
		doc_md_text(d, ll_session_get(s, LL_STEP_TCA, "warm_start"));
		doc_put(d, "), not from random starts, so its rank was the only one fitted, once");
		if (co->fixed_modes)
			doc_putf(d, "; the factors of mode%s %s (",
				 (co->fixed_modes & (co->fixed_modes - 1)) ? "s" : "",
				 ll_cp_modes_str(co->fixed_modes, mb, sizeof mb));
		if (co->fixed_modes) {
			int first = 1;
			for (int n = 0; n < s->res.tensor->X.nmodes; n++)
				if (co->fixed_modes >> n & 1u) {
					doc_put(d, first ? "" : ", ");
					doc_md_text(d, s->res.tensor->modes[n].name);
					first = 0;
				}
			doc_put(d, ") were held fixed at the model's values and only the others fitted");
		}
		doc_put(d, ".\n\n");
	}
	if (co->ridge > 0.0 || co->l1 > 0.0) {
		doc_putf(d, "The fits were **regularised**: they minimised &frac12;&#8214;W&#8728;(X &minus; M)&#8214;&sup2;");
		if (co->ridge > 0.0)
			doc_putf(d, " + %g/2 &Sigma;<sub>n</sub>&#8214;U<sub>n</sub>&#8214;&sup2; (ridge)", co->ridge);
		if (co->l1 > 0.0) {
			doc_putf(d, " + %g &Sigma;&#8214;U<sub>n</sub>&#8214;<sub>1</sub> over the ", co->l1);
			if (co->l1_modes) {
				int first = 1;
				for (int n = 0; n < s->res.tensor->X.nmodes; n++)
					if (co->l1_modes >> n & 1u) {
						doc_put(d, first ? "" : ", ");
						doc_md_text(d, s->res.tensor->modes[n].name);
						first = 0;
					}
				doc_put(d, " factors");
			} else {
				doc_put(d, "factors of every mode");
			}
			doc_put(d, " (L1: it drives small loadings to exactly zero, so sparse factors are easier to read)");
		}
		doc_put(d, ". Errors below are the plain errors, without the penalty; fits were ranked by "
			   "the penalised objective, and `summary.json` holds both.\n\n");
	}
	if (e->method == LL_CP_APR)
		doc_put(d, "**cp-apr** fits counts by their Poisson likelihood (Chi & Kolda 2012): each fit "
			   "minimised the Poisson deviance 2&Sigma;(x log(x/m) &minus; (x &minus; m)), and fits "
			   "were ranked by it; the errors below are least-squares errors of the same models, "
			   "to compare with the other methods. For sparse counts this weights the many zeros "
			   "and the rare spikes as a Poisson process would, where least squares chases the "
			   "largest counts.\n\n");
	if (nonneg && s->res.tensor->x_min < 0)
		doc_putf(d, "> **Warning:** the tensor has negative entries (down to %.3g), which a "
			    "non-negative fit cannot represent: its error is inflated and the factors describe "
			    "only the positive part. Use `method = cp-als`, or data that are non-negative "
			    "(`normalize = zscore` makes data negative).\n\n",
			 s->res.tensor->x_min);

	doc_heading(d, 3, "rank", "Choosing the rank");
	doc_putf(d, "Figure %d shows the error of every fit against its rank (left) and how similar each "
		    "fit is to the best fit of its rank (right). The best error falls as components are "
		    "added (unless a lower rank already fits exactly). A good rank is where the curve flattens (an elbow) while the replicates still "
		    "agree: beyond it, extra components mostly fit noise and come out differently from "
		    "each start. The right panel also shows the fraction of fits that reached the best "
		    "optimum of their rank (error within %g of the best): where it is low, most starts "
		    "end in poorer local optima, and the best fit is worth less trust.\n\n",
		 d->next_number + 1, LL_ENS_AT_BEST_TOL);
	if (e->cv_folds)
		doc_putf(d, "Cross-validation: the observed entries were dealt at random into %zu folds "
			    "(a speckled hold-out); each fold was held out in turn, every rank fitted %zu "
			    "times to the other entries, and the fit with the lowest training error scored "
			    "on the held-out entries. The held-out error (solid, left) stops falling, and "
			    "rises, once extra components fit noise, while the training error (dashed) "
			    "keeps falling.\n\n",
			 e->cv_folds, e->opts.cv_replicates ? e->opts.cv_replicates : e->opts.replicates);
	doc_place_fig(d, "tca_rank", "error and similarity against rank",
		      "Left: normalised error of every fit (dots, spread sideways around their rank; best "
		      "first) and a line through the best fit of each rank. Right: similarity of every other "
		      "fit to the best fit of its rank (dots), their mean (line) and the fraction of fits at "
		      "the best optimum (dashed); 1 = the same components found again. Dashed grey: the "
		      "chosen rank.");
	doc_putf(d, "**Chosen rank: %zu.** Reason: ", s->res.tca->chosen_rank);
	doc_md_text(d, s->res.tca->rank_reason);
	doc_putf(d, ".\n\nSimilarity score: **%s**, ", ll_sim_name(e->sim));
	doc_md_text(d, ll_sim_describe(e->sim));
	doc_put(d, ". Each fit is compared with the best fit of its rank; components are matched one to "
		   "one (Hungarian algorithm).\n\n");
	doc_tbl_begin(d, e->cv_folds ? "Per rank: error of the best and the median fit, similarity of the other fits to "
				       "the best, fits at the best optimum, held-out and training error "
				       "(cross-validation, mean over folds), median iterations, wall time"
				     : "Per rank: error of the best and the median fit, similarity of the other fits to "
				       "the best, fits at the best optimum, median iterations, wall time");
	doc_tbl_head(d, e->cv_folds ? "#rank|#best error|#median error|#mean similarity|#min similarity|#at best|"
				      "#held-out error|#training error|#median iterations|#seconds"
				    : "#rank|#best error|#median error|#mean similarity|#min similarity|#at best|"
				      "#median iterations|#seconds");
	for (size_t i = 0; i < e->nranks; i++) {
		const ll_ens_rank *r = &e->ranks[i];
		ll_ens_stats st;
		int rc = ll_ens_rank_stats(r, &st, NULL);
		doc_fail(d, rc, "per-rank statistics");
		if (rc != LL_OK)
			continue;
		doc_tr_begin(d, r->rank == s->res.tca->chosen_rank);
		doc_td_size(d, r->rank);
		doc_td_num(d, st.best, "%.4f");
		doc_td_num(d, st.median, "%.4f");
		doc_td_num(d, st.mean_sim, "%.3f");
		doc_td_num(d, st.min_sim, "%.3f");
		doc_putf(d, "<td class=\"num\">%zu/%zu</td>", st.at_best, r->nrep);
		if (e->cv_folds) {
			doc_td_num(d, r->cv_test_mean, "%.4f");
			doc_td_num(d, r->cv_train_mean, "%.4f");
		}
		doc_td_num(d, st.median_iters, "%.0f");
		doc_td_num(d, r->seconds, "%.3f");
		doc_tr_end(d);
	}
	doc_tbl_end(d);

	const ll_ktensor *K = &cr->fits[0].K;
	char hh[64];
	snprintf(hh, sizeof hh, "The rank-%zu model", s->res.tca->chosen_rank);
	doc_heading(d, 3, "factors", hh);
	doc_putf(d, "Figure %d shows the best fit at the chosen rank as tensortools draws it: one row per "
		    "component, one column per mode. Unit modes are bars (which units take part), time "
		    "modes are lines (when the component is active), trial, model and class modes are dots "
		    "(how strongly each trial, model or digit expresses it), coloured by label where the mode "
		    "has labels. Every factor vector has length 1; the component's overall size is its "
		    "weight in the table below. Within a column all rows share one y range, labelled at its "
		    "ends.%s\n\n",
		 d->next_number + 1,
		 nonneg ? " The fit is non-negative, so a component only adds activity." : "");
	doc_place_fig(d, "factors", "factors of the best fit at the chosen rank",
		      "Factors of the best fit at the chosen rank: rows are components (C1, C2, ...), "
		      "columns are modes.");
	weights_table(d, K);
	if (has_pixels(s)) {
		doc_putf(d, "The tensor holds the first layer's weights (`of = input`): each component's pixel "
			    "factor is a weight pattern over the image, drawn as a picture in Figure %d (bright: "
			    "large, dark: small or negative; each image has its own scale). The unit factor says "
			    "which hidden units carry the pattern, the snapshot factor when it grows in training.\n\n",
			 d->next_number + 1);
		doc_place_fig(d, "tca_pixels", "pixel factors as images",
			      "The pixel factor of every component of the best fit at the chosen rank, as an "
			      "image (viridis, each on its own scale).");
	}
	if (s->res.data && s->res.data->truth.rank > 0)
		truth_check(d, cr);

	doc_heading(d, 3, "convergence", "Convergence and seeds");
	doc_putf(d, "Figure %d follows the error of each fit at rank %zu through its iterations. Fits that "
		    "end at the same level found equally good models; a fit stuck well above the others "
		    "ended in a poorer local optimum. The table lists the seed each fit started from "
		    "(derived from the session seed), so any single fit can be repeated.\n\n",
		 d->next_number + 1, s->res.tca->chosen_rank);
	doc_place_fig(d, "tca_convergence", "error per iteration of every fit at the chosen rank",
		      "Error after each iteration of every fit at the chosen rank; the best fit in colour.");
	doc_details_begin(d, "Seeds and results of every fit at the chosen rank");
	doc_tbl_begin(d, "Fits at the chosen rank, best first");
	doc_tbl_head(d, "#replicate|#seed|#error|#similarity to best|#iterations|converged|#seconds");
	for (size_t k = 0; k < cr->nrep; k++) {
		const ll_cp_result *f = &cr->fits[k];
		doc_tr_begin(d, k == 0);
		doc_td_size(d, k);
		doc_putf(d, "<td class=\"num\"><code>%llu</code></td>", (unsigned long long)f->seed);
		doc_td_num(d, f->obj, "%.5f");
		doc_td_num(d, cr->sim[k], "%.3f");
		doc_td_size(d, (size_t)f->iters);
		doc_td(d, f->converged ? "yes" : "no (max_iter)");
		doc_td_num(d, f->seconds, "%.3f");
		doc_tr_end(d);
	}
	doc_tbl_end(d);
	doc_details_end(d);
	doc_put(d, "The seeds of every rank's fits are in `figures/tca_rank.csv`.\n\n");
}

static int sec_tca_present(const ll_session *s)
{
	return s->state[LL_STEP_TCA] != LL_STATE_ABSENT;
}

static const ll_section_fig figs[] = {
	{"tca_rank", fig_rank, NULL},
	{"factors", fig_factors, NULL},
	{"tca_convergence", fig_convergence, NULL},
	{"tca_pixels", fig_pixels, has_pixels},
};

const ll_section ll_section_tca = {
	.id = "tca",
	.title = "Tensor components (TCA)",
	.present = sec_tca_present,
	.drawn = ll_report_has_tca,
	LL_SECTION_FIGS(figs),
	.glance = sec_tca_glance,
	.write = sec_tca,
};
