/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Chart emitters: each takes plain input structs (decoupled from the
 * engine's result types, so charts can be drawn from any source and tested
 * on small fixtures) and writes one complete gnuplot script to a FILE *.
 * The script carries its data inline as numeric-only datablocks; every piece
 * of text that can come from a user file (study names, therapies, age bands,
 * timepoint labels, titles, the output path) is written as a gnuplot
 * single-quoted string, so it can never run a command or change the script:
 *  - single quotes are doubled, and gnuplot expands neither backquotes nor
 *    backslash escapes inside single quotes;
 *  - control characters (newline, carriage return, tab, ...) become spaces,
 *    so a label cannot start a new command;
 *  - bytes that are not valid UTF-8 become '?', so SVG output stays XML;
 *  - labels never go into datablocks, so no data row can read "EOD";
 *  - the terminal is set 'noenhanced', so ^ _ @ & ~ { } \ print as
 *    themselves, and macros are never enabled.
 * The output path is no label: it is single-quoted whole, its bytes as
 * given (quotes doubled), never cut or replaced, with "./" before a leading
 * '|' or '~' (which "set output" would read as a pipe or the home folder).
 * The emitters never run gnuplot; the CLI pipes the script into it.
 *
 * All functions return PROMSTAT_OK or an error status (filling err, which
 * may be NULL). A write error on out is PROMSTAT_EWRITE. NaN means "not
 * available" wherever a double is optional.
 */
#ifndef PROMSTAT_PLOTS_H
#define PROMSTAT_PLOTS_H

#include <stddef.h>
#include <stdio.h>

#include "promstat.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- where the chart goes ---- */

enum promstat_plot_format {
	PROMSTAT_PLOT_SVG = 0, /* the default */
	PROMSTAT_PLOT_PNG,     /* pngcairo */
	PROMSTAT_PLOT_PDF,     /* pdfcairo */
	PROMSTAT_PLOT_DUMB     /* text drawing for a terminal */
};

typedef struct promstat_plot_target {
	enum promstat_plot_format format;
	/*
	 * The file gnuplot writes (single-quoted in the script). NULL means
	 * gnuplot's standard output, which only makes sense for DUMB. A path
	 * with control characters is rejected with PROMSTAT_EINVAL rather
	 * than silently changed.
	 */
	const char *path;
} promstat_plot_target;

/*
 * The format implied by path's extension, case-insensitive: .svg, .png,
 * .pdf, .txt (dumb). A path with no extension or NULL gives SVG. Returns
 * PROMSTAT_OK, or PROMSTAT_EINVAL for another extension (e.g. ".jpg") with
 * a sentence naming the formats that work.
 */
int promstat_plot_format_from_path(const char *path, enum promstat_plot_format *out,
				   promstat_error *err);

/* Parses "svg", "png", "pdf" or "dumb". Returns 0, or -1 for anything else. */
int promstat_plot_format_parse(const char *s, enum promstat_plot_format *out);

/* "svg", "png", "pdf" or "dumb". */
const char *promstat_plot_format_name(enum promstat_plot_format f);

/* ---- colours ---- */

/*
 * One fixed colour per therapy across every chart of a run: therapies get
 * the Okabe-Ito colour-blind-safe colours in the order the caller lists
 * them (cycling after eight). A therapy not in the list is drawn grey.
 */
typedef struct promstat_plot_palette {
	const char *const *therapies;
	size_t n_therapies;
} promstat_plot_palette;

/* "#RRGGBB" for therapy under pal (pal may be NULL: everything is grey). */
const char *promstat_plot_palette_colour(const promstat_plot_palette *pal, const char *therapy);

/* ---- forest plot (meta) ---- */

/* One study. Estimates are on the analysis scale (log for ratio measures). */
typedef struct promstat_forest_row {
	const char *label;
	double estimate, ci_lb, ci_ub; /* NaN estimate: "not estimable" */
	double weight_pct;	       /* square size and weight column; NaN = none */
	double n;		       /* sample size, for PFT only (see proportion) */
} promstat_forest_row;

/* A pooled estimate with its heterogeneity (the diamond and the text under it). */
typedef struct promstat_forest_summary {
	const char *label;	  /* e.g. "Random-effects model"; NULL = none drawn */
	double estimate, ci_lb, ci_ub;
	double pi_lb, pi_ub;	  /* prediction interval; NaN = not drawn */
	double tau2, i2_pct;	  /* NaN = not shown */
	double q, q_df, q_p;	  /* Cochran's Q; NaN = not shown */
	double n;		  /* PFT only: harmonic mean of the pooled studies' n */
} promstat_forest_summary;

/* A block of studies: a subgroup with its own diamond, or the only block. */
typedef struct promstat_forest_block {
	const char *label; /* subgroup heading; NULL for no heading */
	const promstat_forest_row *rows;
	size_t n_rows;
	promstat_forest_summary summary; /* summary.label NULL = no diamond */
} promstat_forest_block;

typedef struct promstat_forest {
	const char *title;	   /* NULL: "Forest plot (k = N studies)" */
	const char *effect_name;   /* column header, e.g. "RR", "SMD"; NULL: "Estimate" */
	const char *axis_label;	   /* x label, e.g. "Risk ratio"; NULL: effect_name */
	double level;		   /* confidence level in percent; NaN or 0: 95 */
	int log_scale;		   /* values are logs: axis labelled in ratios */
	/*
	 * Proportions: nonzero when measure is PR, PLO, PFT or PAS. Every
	 * estimate, bound and prediction interval is then given on measure's
	 * analysis scale and drawn back-transformed to a proportion on a
	 * linear axis (promstat_meta_backtransform: inverse logit for PLO,
	 * sin(x)^2 for PAS, Miller's inverse for PFT, identity for PR), as
	 * metafor's forest(res, transf = ...). PFT needs a sample size: a
	 * study row uses its own n (the exact inverse of its double arcsine,
	 * so it shows xi/ni), a diamond its summary's n (the harmonic mean,
	 * as transf.ipft.hm); a row without n (NaN or <= 0) falls back to its
	 * block's summary n, then the overall one. No line of no effect and no
	 * MCID band are drawn on this axis: a single proportion has no null.
	 */
	int proportion;
	promstat_meta_measure measure;
	const promstat_forest_block *blocks;
	size_t n_blocks;
	/* With several blocks: the overall diamond (label NULL = none). */
	promstat_forest_summary overall;
	const char *subgroup_test; /* e.g. "Test for subgroup differences: ..."; NULL = none */
	/* Region of clinically unimportant effects, analysis scale; NaN = none
	 * (ignored for proportions). */
	double mcid_lb, mcid_ub;
	const char *favours_left, *favours_right; /* captions under the axis; NULL = none */
} promstat_forest;

int promstat_plot_forest_write(FILE *out, const promstat_forest *f,
			       const promstat_plot_target *t, promstat_error *err);

/* ---- funnel plot (meta) ---- */

typedef struct promstat_funnel_point {
	double yi, sei; /* analysis scale; sei > 0 */
	int imputed;	/* 1 = added by trim and fill: drawn hollow */
} promstat_funnel_point;

typedef struct promstat_funnel {
	const char *title;	/* NULL: "Funnel plot (k = N studies)" */
	const char *axis_label; /* x label, e.g. "Log risk ratio"; NULL: "Effect size" */
	int log_scale;		/* values are logs: axis labelled in ratios */
	const promstat_funnel_point *points;
	size_t n_points;
	double pooled;	      /* centre of the pseudo-95% triangle; NaN = none */
	double pooled_filled; /* estimate after trim and fill; NaN = none */
	int contours;	      /* shade p < .10 / .05 / .01 around the null (0) */
} promstat_funnel;

int promstat_plot_funnel_write(FILE *out, const promstat_funnel *f,
			       const promstat_plot_target *t, promstat_error *err);

/* ---- audit charts ---- */

/*
 * Mean improvement of one therapy x age band at one timepoint. The y axis
 * covers every mean, zero and the MCID, and the intervals of points on at
 * least 10 patients; a smaller group's whiskers stop at the axis with an
 * arrow head (explained in the key) rather than flatten every other line.
 */
typedef struct promstat_trajectory_point {
	const char *therapy;
	const char *age_band;
	size_t timepoint; /* index into the timepoints */
	double mean, ci_lb, ci_ub;
	size_t n;
} promstat_trajectory_point;

typedef struct promstat_trajectory {
	const char *title;   /* NULL: "<instrument>: mean improvement" */
	const char *instrument; /* code or name, e.g. "PAIN_NRS" */
	const char *unit;    /* y unit, e.g. "points"; NULL: "points" */
	const char *const *timepoints; /* x axis labels, in order, evenly spaced */
	size_t n_timepoints;
	const char *const *age_bands; /* one panel each, in this order; none: one panel */
	size_t n_age_bands;
	const promstat_trajectory_point *points;
	size_t n_points;
	double mcid; /* reference line; NaN = none */
	const char *note; /* a line under the title, e.g. what was left out; NULL = none */
} promstat_trajectory;

int promstat_plot_trajectory_write(FILE *out, const promstat_trajectory *tr,
				   const promstat_plot_palette *pal,
				   const promstat_plot_target *t, promstat_error *err);

/* MCID responder rate of one therapy x age band (a proportion in [0, 1]). */
typedef struct promstat_responders_bar {
	const char *therapy;
	const char *age_band;
	double rate, ci_lb, ci_ub; /* Wilson interval; NaN rate = no bar */
	size_t n;
} promstat_responders_bar;

typedef struct promstat_responders {
	const char *title;	/* NULL: "<instrument> at <timepoint>: MCID responders" */
	const char *instrument;
	const char *timepoint;	/* label of the timepoint drawn */
	double mcid;		/* shown in the y label; NaN = not shown */
	const char *const *age_bands; /* clusters, in this order */
	size_t n_age_bands;
	const promstat_responders_bar *bars;
	size_t n_bars;
	const char *note; /* a line under the title, e.g. what was left out; NULL = none */
} promstat_responders;

int promstat_plot_responders_write(FILE *out, const promstat_responders *r,
				   const promstat_plot_palette *pal,
				   const promstat_plot_target *t, promstat_error *err);

/*
 * Follow-up completeness of one therapy at one timepoint for one
 * instrument: of the units with a baseline, the share with a follow-up
 * score in the timepoint's window. rate is the caller's (the audit's
 * followup_rate, n_followup / n_baseline); the chart draws it as given.
 */
typedef struct promstat_followup_bar {
	const char *therapy;
	size_t instrument; /* index into the instruments (ignored when there are none) */
	size_t timepoint;  /* index into the timepoints */
	size_t n_baseline; /* the denominator, written under the bar */
	double rate;	   /* in [0, 1]; NaN (no unit with a baseline) = no bar, and a note says so */
} promstat_followup_bar;

/*
 * One panel per instrument, in a grid of at most three panels a row (the
 * canvas grows with them), bars per therapy (its fixed colour) grouped by
 * timepoint; the subtitle and the y axis name the denominator.
 */
typedef struct promstat_followup {
	const char *title; /* NULL: "Follow-up completeness by ..." */
	const char *const *instruments; /* panel titles, in this order; none: one panel, untitled */
	size_t n_instruments;
	const char *const *timepoints; /* clusters, in this order */
	size_t n_timepoints;
	const promstat_followup_bar *bars;
	size_t n_bars;
} promstat_followup;

int promstat_plot_followup_write(FILE *out, const promstat_followup *fu,
				 const promstat_plot_palette *pal,
				 const promstat_plot_target *t, promstat_error *err);

/*
 * Provider funnel (audit --funnel-by): each provider's observed minus
 * case-mix-expected outcome against its units, with control limits
 * +-z sqrt(sd^2 / n + tau2) drawn as curves over n. beyond is the band the
 * engine placed the provider in (0 within, 1 beyond 95%, 2 beyond 99.8%):
 * the chart colours by it and computes nothing.
 */
typedef struct promstat_provider_point {
	const char *label; /* the provider's name, drawn beside its point */
	double n;	   /* units; <= 0 or NaN value: not drawn */
	double value;
	int beyond;
} promstat_provider_point;

typedef struct promstat_provider_panel {
	const char *title, *ylabel;
	double sd;	   /* sqrt(p(1-p)) for a rate, the residual SD for a mean */
	double tau2;	   /* between-provider variance; 0 or NaN: none */
	const promstat_provider_point *points;
	size_t n_points;
	const char *note;  /* shown instead of an empty panel; NULL: a default */
} promstat_provider_panel;

typedef struct promstat_provider_funnel {
	const char *title; /* NULL: "Providers against their case mix" */
	const char *note;  /* a line under the title; NULL = none */
	const promstat_provider_panel *panels; /* one or two, side by side */
	size_t n_panels;
	double z_inner, z_outer; /* 0: 1.960 and 3.090 (95% and 99.8%) */
} promstat_provider_funnel;

int promstat_plot_provider_funnel_write(FILE *out, const promstat_provider_funnel *f,
					const promstat_plot_target *t, promstat_error *err);

#ifdef __cplusplus
}
#endif

#endif
