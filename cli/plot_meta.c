/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The forest and funnel plots of 'promstat meta': engine results turned
 * into the emitters' input. No statistics here beyond Wald intervals for
 * the studies (as metafor's forest()), the harmonic mean n that PFT's
 * pooled values are back-transformed at, and the trim-and-fill run that
 * supplies the imputed studies the funnel draws.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "cli.h"
#include "term.h"
#include "plot_cli.h"

/* What plot_meta asks of a measure, from the engine's descriptor table. */
static int is_ratio(promstat_meta_measure m)
{
	const promstat_meta_measure_info *d = promstat_meta_measure_describe(m);

	return d != NULL && d->ratio;
}

static int is_proportion(promstat_meta_measure m)
{
	const promstat_meta_measure_info *d = promstat_meta_measure_describe(m);

	return d != NULL && d->proportion;
}

/* The forest plot's axis for a proportion measure, drawn back-transformed. */
static const char *proportion_axis(promstat_meta_measure m)
{
	const promstat_meta_measure_info *d = promstat_meta_measure_describe(m);

	return d && d->back_axis_label ? d->back_axis_label : "Proportion";
}

static const char *axis_name(promstat_meta_measure m)
{
	const promstat_meta_measure_info *d = promstat_meta_measure_describe(m);

	return d ? d->axis_label : "Effect size";
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* The diamond of one fitted model, labelled by what it pools. */
static void summary_of(const promstat_meta_summary *m, const char *label,
		       promstat_forest_summary *out)
{
	out->label = label;
	out->estimate = m->estimate;
	out->ci_lb = m->ci_lb;
	out->ci_ub = m->ci_ub;
	out->pi_lb = m->pi_lb;
	out->pi_ub = m->pi_ub;
	out->tau2 = m->method == PROMSTAT_METHOD_EE ? NAN : m->tau2;
	out->i2_pct = m->I2;
	out->q = m->Q;
	out->q_df = m->Q_df;
	out->q_p = m->Q_pval;
	if (!m->converged || m->k == 0)
		out->estimate = out->ci_lb = out->ci_ub = NAN;
}

static void model_label(char *buf, size_t size, const char *what, const promstat_meta_summary *m)
{
	if (m->method == PROMSTAT_METHOD_EE || m->k == 1)
		snprintf(buf, size, "%s (common effect)", what);
	else
		snprintf(buf, size, "%s (random effects, %s)", what,
			 promstat_meta_method_name(m->method));
}

typedef struct forest_ctx {
	promstat_forest f;
} forest_ctx;

static int emit_forest(FILE *out, const void *ctx, const promstat_plot_target *t,
		       promstat_error *err)
{
	return promstat_plot_forest_write(out, &((const forest_ctx *)ctx)->f, t, err);
}

static int emit_funnel(FILE *out, const void *ctx, const promstat_plot_target *t,
		       promstat_error *err)
{
	return promstat_plot_funnel_write(out, ctx, t, err);
}

/* The format for path: --plot-format, else its extension; "-" is text on stdout. */
static int target_for(const cli_plot_opts *o, const char *path, const char **output,
		      enum promstat_plot_format *fmt)
{
	promstat_error err;

	promstat_error_clear(&err);
	if (!strcmp(path, "-")) {
		if (o->have_format && o->format != PROMSTAT_PLOT_DUMB)
			return cli_usage_error("meta", "a chart on standard output ('-') must be "
						       "--plot-format dumb");
		*output = NULL;
		*fmt = PROMSTAT_PLOT_DUMB;
		return -1;
	}
	*output = path;
	if (o->have_format) {
		*fmt = o->format;
		return -1;
	}
	if (promstat_plot_format_from_path(path, fmt, &err) != PROMSTAT_OK)
		return cli_usage_error("meta", "%s", err.message);
	return -1;
}

int cli_meta_plots(const cli_plot_opts *o, const cli_meta_plot_input *in)
{
	double level = in->opt ? in->opt->level : 95;
	int ratio = is_ratio(in->measure), prop = is_proportion(in->measure), first = 1, rc;
	const promstat_meta_measure_info *mi = promstat_meta_measure_describe(in->measure);
	int pft = mi != NULL && mi->back_needs_n;
	const char *output;
	enum promstat_plot_format fmt;
	char title[512];

	if (o->forest) {
		forest_ctx fc;
		size_t nb = in->groups ? in->groups->nlevels : 1, nrows = 0;
		promstat_forest_row *rows = calloc(in->k + 1, sizeof *rows);
		promstat_forest_block *blocks = calloc(nb + 1, sizeof *blocks);
		char (*labels)[160] = calloc(nb + 1, sizeof *labels);
		char overall_label[160], subtest[256];

		if ((rc = target_for(o, o->forest, &output, &fmt)) >= 0) {
			free(rows);
			free(blocks);
			free(labels);
			return rc;
		}
		if (!rows || !blocks || !labels) {
			free(rows);
			free(blocks);
			free(labels);
			fputs("promstat: out of memory\n", stderr);
			return EXIT_SOFTWARE;
		}
		memset(&fc, 0, sizeof fc);
		/* Rows grouped block by block, each block's rows contiguous. */
		for (size_t b = 0; b < nb; b++) {
			blocks[b].rows = rows + nrows;
			for (size_t i = 0; i < in->k; i++) {
				if (in->groups && in->groups->group[i] != (long)b)
					continue;
				rows[nrows].label = promstat_studies_label(in->studies, i);
				rows[nrows].estimate = in->yi[i];
				promstat_meta_study_ci(in->yi[i], in->vi[i], level,
						       &rows[nrows].ci_lb, &rows[nrows].ci_ub);
				rows[nrows].weight_pct = in->weights ? in->weights[i] : NAN;
				/* PFT: each study back-transformed at its own n. */
				rows[nrows].n = pft ? promstat_studies_input(in->studies, i, "ni")
						    : NAN;
				nrows++;
			}
			blocks[b].n_rows = (size_t)(rows + nrows - blocks[b].rows);
			if (in->groups) {
				blocks[b].label = in->groups->levels[b];
				model_label(labels[b], sizeof labels[b], "Subtotal", &in->levels[b]);
				summary_of(&in->levels[b], labels[b], &blocks[b].summary);
				/* PFT: the pooled value at the harmonic mean n */
				blocks[b].summary.n =
					pft ? promstat_studies_harmonic_n(in->studies, in->groups,
									  (long)b)
					    : NAN;
				if (in->levels[b].k == 0)
					blocks[b].summary.label = NULL;
			} else {
				model_label(labels[b], sizeof labels[b], "Pooled", in->overall);
				summary_of(in->overall, labels[b], &blocks[b].summary);
				blocks[b].summary.n =
					pft ? promstat_studies_harmonic_n(in->studies, NULL, -1) : NAN;
			}
		}
		fc.f.blocks = blocks;
		fc.f.n_blocks = nb;
		model_label(overall_label, sizeof overall_label, "Overall", in->overall);
		summary_of(in->overall, overall_label, &fc.f.overall);
		fc.f.overall.n = pft ? promstat_studies_harmonic_n(in->studies, NULL, -1) : NAN;
		if (in->groups && in->subtest && isfinite(in->subtest->common_QM)) {
			const promstat_meta_subgroup_test *s = in->subtest;
			if (isfinite(s->common_df2))
				snprintf(subtest, sizeof subtest,
					 "Test for subgroup differences (%s): F(%.0f, %.0f) = %.2f, p %s %.3f",
					 in->by, s->common_df, s->common_df2, s->common_QM,
					 s->common_pval < 0.001 ? "<" : "=",
					 s->common_pval < 0.001 ? 0.001 : s->common_pval);
			else
				snprintf(subtest, sizeof subtest,
					 "Test for subgroup differences (%s): QM = %.2f, df = %.0f, p %s %.3f",
					 in->by, s->common_QM, s->common_df,
					 s->common_pval < 0.001 ? "<" : "=",
					 s->common_pval < 0.001 ? 0.001 : s->common_pval);
			fc.f.subgroup_test = subtest;
		}
		snprintf(title, sizeof title, "%s: %s (k = %zu studies)", base_name(in->path),
			 prop ? "proportion" : axis_name(in->measure), in->k);
		fc.f.title = title;
		/* Proportions as a clinic reader knows them, not on the pooling scale. */
		fc.f.effect_name = prop ? "Proportion" : promstat_meta_measure_name(in->measure);
		fc.f.axis_label = prop ? proportion_axis(in->measure) : axis_name(in->measure);
		fc.f.level = level;
		fc.f.log_scale = ratio;
		fc.f.proportion = prop;
		fc.f.measure = in->measure;
		fc.f.mcid_lb = fc.f.mcid_ub = NAN;
		if (isfinite(o->mcid_band)) {
			double v = o->mcid_band;
			if (prop) {
				fputs("promstat: note: --mcid-band is not drawn for a proportion "
				      "(a single proportion has no effect of zero to centre it on)\n",
				      stderr);
			} else if (ratio && v == 1) {
				fputs("promstat: note: --mcid-band 1 is no band on a ratio scale\n", stderr);
			} else if (ratio) {
				fc.f.mcid_lb = -fabs(log(v));
				fc.f.mcid_ub = fabs(log(v));
			} else {
				fc.f.mcid_lb = -v;
				fc.f.mcid_ub = v;
			}
		}
		rc = cli_plot_draw(o, "forest plot", output, fmt, emit_forest, &fc, &first);
		free(rows);
		free(blocks);
		free(labels);
		if (rc != EXIT_OK)
			return rc;
		if (output && o->on_chart) /* meta --report reads it back itself */
			rc = o->on_chart(o->on_chart_ctx, "chart", SIZE_MAX, 0, output);
		else if (output)
			cli_term_printf(stderr, "promstat: wrote %s\n", output);
		if (rc != EXIT_OK)
			return rc;
	}

	if (o->funnel) {
		promstat_funnel fn;
		promstat_funnel_point *pts = calloc(2 * in->k + 1, sizeof *pts);
		double *fy = calloc(in->k + 1, sizeof *fy), *fv = calloc(in->k + 1, sizeof *fv);
		size_t n = 0;

		if ((rc = target_for(o, o->funnel, &output, &fmt)) >= 0 || !pts || !fy || !fv) {
			free(pts);
			free(fy);
			free(fv);
			if (rc < 0) {
				fputs("promstat: out of memory\n", stderr);
				rc = EXIT_SOFTWARE;
			}
			return rc;
		}
		memset(&fn, 0, sizeof fn);
		for (size_t i = 0; i < in->k; i++) {
			pts[n].yi = in->yi[i];
			pts[n].sei = sqrt(in->vi[i]);
			pts[n++].imputed = 0;
		}
		fn.pooled = in->overall && in->overall->converged ? in->overall->estimate : NAN;
		fn.pooled_filled = NAN;
		if (in->bias && in->k >= 3) {
			promstat_meta_trimfill tf;
			promstat_error err;
			promstat_error_clear(&err);
			if (promstat_meta_trimfill_run(in->yi, in->vi, in->k, in->opt, &tf, fy, fv,
						       &err) == PROMSTAT_OK) {
				for (size_t i = 0; i < tf.k0 && i < in->k; i++) {
					pts[n].yi = fy[i];
					pts[n].sei = sqrt(fv[i]);
					pts[n++].imputed = 1;
				}
				if (tf.k0 > 0 && tf.filled.converged)
					fn.pooled_filled = tf.filled.estimate;
			}
		}
		snprintf(title, sizeof title, "%s: funnel plot (k = %zu studies%s)", base_name(in->path),
			 in->k, n > in->k ? ", hollow: imputed by trim and fill" : "");
		fn.title = title;
		fn.axis_label = axis_name(in->measure);
		fn.log_scale = ratio;
		fn.points = pts;
		fn.n_points = n;
		fn.contours = 1;
		rc = cli_plot_draw(o, "funnel plot", output, fmt, emit_funnel, &fn, &first);
		free(pts);
		free(fy);
		free(fv);
		if (rc != EXIT_OK)
			return rc;
		if (output && o->on_chart) /* meta --report reads it back itself */
			rc = o->on_chart(o->on_chart_ctx, "chart", SIZE_MAX, 0, output);
		else if (output)
			cli_term_printf(stderr, "promstat: wrote %s\n", output);
		if (rc != EXIT_OK)
			return rc;
	}
	return EXIT_OK;
}
