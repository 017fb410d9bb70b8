/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The clinic's own minimal important change (issue 14): anchor-based ROC
 * (Youden), the predictive-modelling MIC (Terluin 2015, J Clin Epidemiol
 * 68:1388) and its adjustment for the proportion improved (Terluin 2017,
 * J Clin Epidemiol 83:90), distribution-based values (0.5 SD, SEM, MDC95)
 * and the anchor's credibility, per instrument, timepoint and stratum; and
 * the durability of a response (Kaplan-Meier of "response maintained").
 *
 * Units, windows, pairing and strata are the audit's (promstat_audit.h):
 * a cell is an audit cell, over its paired units whose follow-up carries
 * an anchor (a global rating of change).
 *
 * Memory: each object owns everything its accessors return; pointers stay
 * valid until it is freed. Undefined statistics are NaN.
 */
#ifndef PROMSTAT_MCID_H
#define PROMSTAT_MCID_H

#include <stddef.h>
#include <stdint.h>

#include "promstat_audit.h"
#include "promstat_survival.h"

#ifdef __cplusplus
extern "C" {
#endif

struct promstat_error;
struct promstat_registry;

/* ------------------------------------------------------------------ */
/* ROC analysis of a continuous score against a binary reference.      */
/* ------------------------------------------------------------------ */

typedef struct promstat_roc_point {
	double threshold;  /* -Inf, midpoints between observed values, +Inf */
	double sensitivity, specificity;
} promstat_roc_point;

typedef struct promstat_roc {
	size_t n_cases, n_controls;
	double auc, auc_ci_lb, auc_ci_ub; /* DeLong; bounds NaN with < 2 cases or controls */
	double threshold;  /* Youden's best (first of ties); NaN when it is +-Inf */
	double sensitivity, specificity; /* at threshold */
	size_t n_best;	   /* thresholds sharing the best J (1 = no tie) */
	size_t n_points;
	promstat_roc_point *points; /* ascending thresholds; owned */
} promstat_roc;

/*
 * ROC of x (e.g. improvement) for the cases (is_case[i] != 0, e.g.
 * improved) against the controls, as R's pROC with direction "<"
 * (controls lower): a unit is called a case when x > threshold.
 * Thresholds are -Inf, the midpoints between consecutive distinct values
 * and +Inf (pROC's roc.utils.thresholds, whose fix for a midpoint that
 * rounds onto a value is kept). Sensitivity tp/n_cases and specificity
 * tn/n_controls are computed as pROC does, in doubles, and the best
 * threshold is one maximising se + sp (Youden 1950, J = se + sp - 1);
 * pROC's coords(..., "best", best.method = "youden") returns every
 * threshold whose se + sp equals the maximum exactly, in increasing order:
 * the first of them is taken and n_best says how many there were.
 * The AUC is the Mann-Whitney statistic and its interval DeLong's
 * (DeLong, DeLong & Clarke-Pearson 1988, Biometrics 44:837), clipped to
 * [0, 1], as pROC's ci.auc. Needs at least one case and one control
 * (else PROMSTAT_EDATA). Returns PROMSTAT_OK with *out new
 * (promstat_roc_free), PROMSTAT_EINVAL for a non-finite x or a bad level,
 * PROMSTAT_ENOMEM.
 */
int promstat_roc_fit(const double *x, const int *is_case, size_t n, double level,
		     promstat_roc **out, struct promstat_error *err);
void promstat_roc_free(promstat_roc *r);

/*
 * ICC(2,1) (Shrout & Fleiss 1979, Psychol Bull 86:420; ICC(A,1) of McGraw
 * & Wong 1996): two-way random effects, absolute agreement, one rater, of
 * the n pairs (a[i], b[i]):
 * (MSR - MSE) / (MSR + MSE + 2 (MSC - MSE) / n).
 * NaN when n < 2 or the denominator is 0.
 */
double promstat_icc21(const double *a, const double *b, size_t n);

/* ------------------------------------------------------------------ */
/* promstat mcid                                                       */
/* ------------------------------------------------------------------ */

typedef struct promstat_mcid_options {
	const promstat_audit_options *audit; /* windows, timepoints, --by,
						instruments; NULL: defaults */
	double anchor_improved; /* anchor >= this is "improved" (default 1) */
	double anchor_stable;	/* |anchor| <= this is "stable" (default 0) */
	double reliability;	/* for the SEM; NaN: none (default) */
	int test_retest;	/* 1: ICC(2,1) of the stable group instead */
	size_t bootstrap;	/* resamples (default 1000; 0: no intervals) */
	uint64_t seed;		/* default 1 */
	size_t min_n;		/* fewest improved and not improved (default 30) */
	int anchor_scale;	/* the rating runs -scale..scale (default 7); a
				   follow-up whose anchor lies outside is left
				   out and counted; 0: any value */
} promstat_mcid_options;

void promstat_mcid_options_init(promstat_mcid_options *opt);

typedef struct promstat_mcid promstat_mcid;

/* Where a unit of a cell stands on the anchor. */
enum { PROMSTAT_MCID_OTHER = 0, PROMSTAT_MCID_IMPROVED = 1, PROMSTAT_MCID_STABLE = 2 };

typedef struct promstat_mcid_cell {
	size_t instrument;	/* index for promstat_mcid_instrument() */
	const char *instrument_code;
	size_t timepoint;
	int day;
	const char *const *levels; /* one per --by column; "ALL" for totals */
	size_t n;		/* paired units with a known anchor */
	size_t n_improved, n_stable;
	int too_small;		/* fewer than min_n improved or not improved:
				   every statistic below is NaN */
	double roc_threshold, roc_ci_lb, roc_ci_ub;
	size_t roc_ties;	/* thresholds tied at the best J */
	double auc, auc_ci_lb, auc_ci_ub;
	double sensitivity, specificity;
	double mean_change_improved, mean_change_stable, mean_change_difference;
	double mic_predictive, mic_predictive_ci_lb, mic_predictive_ci_ub;
	double mic_adjusted, mic_adjusted_ci_lb, mic_adjusted_ci_ub;
	double half_sd, sem, mdc95, reliability; /* reliability used for the SEM */
	double anchor_correlation; /* Pearson, anchor vs improvement */
	int credible;		/* 1: correlation >= 0.3, 0: below, -1: unknown */
	const char *model_status; /* the logistic fit's status ("ok", "separation"...) */
	size_t boot_used;	/* resamples whose statistics were all defined */
	const promstat_roc *roc; /* NULL when too small */
	const double *improvement; /* the n units' improvements */
	const int *group;	/* their PROMSTAT_MCID_* */
} promstat_mcid_cell;

/*
 * Derives MICs from reg as promstat_mcid.h's header comment says (the
 * formulas are at each field above and in promstat mcid's manual):
 * improved = anchor >= anchor_improved, compared with every other unit
 * (ROC, logistic model); stable = |anchor| <= anchor_stable (its mean
 * change and, with test_retest, reliability). predictive MIC =
 * (ln(p / (1 - p)) - C) / B, p the proportion improved, from the logistic
 * regression logit P(improved) = C + B improvement; adjusted MIC =
 * predictive - (0.090 + 0.103 r) SD_change ln(p / (1 - p)), r the
 * point-biserial correlation of improved and improvement (Terluin 2017).
 * half_sd = 0.5 SD of baseline; SEM = SD_baseline sqrt(1 - reliability);
 * MDC95 = 1.96 sqrt(2) SEM. Bootstrap intervals are percentile intervals
 * (R's quantile type 7) of resamples drawn with a xoshiro256** stream
 * seeded from (seed, cell): the same for a given seed whatever the number
 * of cells, threads or the reader's chunk size. Returns PROMSTAT_OK with
 * *out new (promstat_mcid_free), PROMSTAT_EINVAL for options that do not
 * fit (as promstat_audit_run, or reliability outside [0, 1]),
 * PROMSTAT_ENOMEM.
 */
int promstat_mcid_run(const struct promstat_registry *reg, const promstat_mcid_options *opt,
		      promstat_mcid **out, struct promstat_error *err);
void promstat_mcid_free(promstat_mcid *m);

/* The audit whose cells the MCID cells are (instruments, timepoints, --by
 * columns and levels, the catalogue's MCID through promstat_audit_mcid). */
const promstat_audit *promstat_mcid_audit(const promstat_mcid *m);
size_t promstat_mcid_count(const promstat_mcid *m);
const promstat_mcid_cell *promstat_mcid_get(const promstat_mcid *m, size_t i);
/* The options used (defaults filled in). */
const promstat_mcid_options *promstat_mcid_options_used(const promstat_mcid *m);
/* Paired follow-ups left out because their anchor was outside the scale
 * (summed over instruments and timepoints). */
size_t promstat_mcid_n_out_of_scale(const promstat_mcid *m);

/* ------------------------------------------------------------------ */
/* Durability of a response                                            */
/* ------------------------------------------------------------------ */

typedef enum promstat_durability_rule {
	PROMSTAT_DURABILITY_MCID = 0, /* lost: improvement < MCID */
	PROMSTAT_DURABILITY_PASS      /* lost: PASS no longer met */
} promstat_durability_rule;

/* One (instrument, stratum): a cell of the audit. */
typedef struct promstat_durability_cell {
	size_t instrument;
	const char *instrument_code;
	const char *const *levels;
	size_t n_units;		/* units with a baseline and a follow-up */
	size_t n_never;		/* of those, never responded (not entered) */
	size_t n_responders, n_lost, n_censored;
	const promstat_km *km;	/* of the responders; time = visit day */
	/* at each audit timepoint (promstat_audit_n_timepoints): */
	const size_t *n_risk;	/* responders with time >= day */
	const double *surv, *surv_lb, *surv_ub; /* the curve at day */
	const size_t *n_observed; /* ever-responders (by then) seen at the timepoint */
	const size_t *n_still;	/* of those, not yet lost */
	const double *share_still; /* n_still / n_observed; NaN when 0 */
} promstat_durability_cell;

/* The log-rank test between the therapies of one age band (or of every
 * other --by level held fixed), over the cells whose therapy is not ALL. */
typedef struct promstat_durability_test {
	size_t instrument;
	const char *instrument_code;
	const char *const *levels; /* the stratum, with therapy "ALL" */
	size_t k;		/* therapies compared */
	const char *const *therapies;
	const promstat_logrank *test;
} promstat_durability_test;

typedef struct promstat_durability promstat_durability;

/*
 * A unit responds at its first follow-up timepoint whose improvement
 * reaches the MCID (within PROMSTAT_AUDIT_TOLERANCE); its loss of response
 * is the first later timepoint whose improvement is below the MCID (rule
 * MCID) or whose score no longer meets the PASS (rule PASS), with time the
 * visit day; a responder never seen to lose it is censored at its last
 * follow-up. Units that never respond are counted, not entered. Loss is
 * seen only at visits (interval censoring), so the curves step at visit
 * days. Instruments without an MCID (or, for rule PASS, a PASS) have no
 * cells. a is an audit of reg (for its options, cells and thresholds).
 * Log-rank tests need --by to hold therapy. Returns PROMSTAT_OK with *out
 * new (promstat_durability_free), PROMSTAT_EINVAL, PROMSTAT_ENOMEM.
 */
int promstat_durability_run(const struct promstat_registry *reg, const promstat_audit *a,
			    promstat_durability_rule rule, promstat_durability **out,
			    struct promstat_error *err);
void promstat_durability_free(promstat_durability *d);
size_t promstat_durability_count(const promstat_durability *d);
const promstat_durability_cell *promstat_durability_get(const promstat_durability *d, size_t i);
size_t promstat_durability_n_tests(const promstat_durability *d);
const promstat_durability_test *promstat_durability_test_get(const promstat_durability *d,
							     size_t i);
promstat_durability_rule promstat_durability_rule_used(const promstat_durability *d);

#ifdef __cplusplus
}
#endif
#endif
