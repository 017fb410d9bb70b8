/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Chart emitters for promstat mcid and durability (conventions as in
 * promstat_plots.h: plain input, one gnuplot script out, every label
 * single-quoted, NaN = not available).
 */
#ifndef PROMSTAT_PLOTS_MCID_H
#define PROMSTAT_PLOTS_MCID_H

#include <stddef.h>
#include <stdio.h>

#include "promstat_plots.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- ROC curve with its Youden point ---- */

typedef struct promstat_roc_chart {
	const char *title;	  /* NULL: "ROC" */
	const double *fpr, *tpr;  /* n_points: 1 - specificity, sensitivity */
	size_t n_points;
	double best_fpr, best_tpr; /* Youden point; NaN: none */
	double threshold;	  /* its threshold, for the label */
	double auc, auc_lb, auc_ub;
	size_t n_cases, n_controls;
} promstat_roc_chart;

int promstat_plot_roc_write(FILE *out, const promstat_roc_chart *c, const promstat_plot_target *t,
			    promstat_error *err);

/* ---- improvement by anchor group, with the thresholds as lines ---- */

typedef struct promstat_change_group {
	const char *label;	/* e.g. "improved (anchor >= 1)" */
	const double *values;
	size_t n;
} promstat_change_group;

typedef struct promstat_change_line {
	const char *label;	/* e.g. "ROC threshold 1.5" */
	double value;		/* NaN: not drawn */
} promstat_change_line;

typedef struct promstat_change_chart {
	const char *title;
	const char *unit;	/* x axis: "Improvement (points)" */
	const promstat_change_group *groups; /* at most 3 */
	size_t n_groups;
	const promstat_change_line *lines;   /* at most 6 */
	size_t n_lines;
} promstat_change_chart;

/* Histograms of each group's values as shares of the group (bins of 1 on
 * a scale of whole numbers up to 30 points wide, else 30 bins). */
int promstat_plot_change_write(FILE *out, const promstat_change_chart *c,
			       const promstat_plot_target *t, promstat_error *err);

/* ---- durability: Kaplan-Meier curves per therapy, a panel per age band ---- */

typedef struct promstat_durability_curve {
	const char *therapy, *age_band;
	const double *time, *surv; /* n_steps: the curve's steps (S after each time) */
	size_t n_steps;
	const double *censor_time, *censor_surv; /* n_censor censoring ticks */
	size_t n_censor;
	const size_t *n_risk;	   /* at each tick of the chart */
} promstat_durability_curve;

typedef struct promstat_durability_chart {
	const char *title;
	const char *const *age_bands; /* panels; 0 = one panel */
	size_t n_age_bands;
	const double *ticks;	      /* days shown on the axis and in the risk table */
	size_t n_ticks;
	const promstat_durability_curve *curves;
	size_t n_curves;
	const char *note;	      /* under the chart; lines separated by '\n' (at most 4) */
} promstat_durability_chart;

int promstat_plot_durability_write(FILE *out, const promstat_durability_chart *c,
				   const promstat_plot_palette *pal,
				   const promstat_plot_target *t, promstat_error *err);

#ifdef __cplusplus
}
#endif
#endif
