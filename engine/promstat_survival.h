/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Time-to-event statistics: the Kaplan-Meier estimate with Greenwood
 * intervals on the log-log scale, its median, and the log-rank test, with
 * the conventions of R's survival package (survfit with
 * conf.type = "log-log", print.survfit's median, survdiff with rho = 0),
 * against which tests/reference/gen-survival.R checks every number.
 *
 * Times are days (any finite doubles); event is 1 for an event (here: the
 * loss of a response), 0 for a censored time. Undefined values are NaN.
 */
#ifndef PROMSTAT_SURVIVAL_H
#define PROMSTAT_SURVIVAL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct promstat_error;

/* One row of a Kaplan-Meier curve: a distinct time, event or censoring. */
typedef struct promstat_km_step {
	double time;
	size_t n_risk;	 /* units with time >= this time */
	size_t n_event, n_censor;
	double surv;	 /* S(time), product of (1 - d/n) up to time */
	double std_err;	 /* Greenwood SE of -log S: sqrt(sum d / (n (n - d))); Inf once S = 0 */
	double lower, upper; /* log-log interval; NaN where S is 0 or 1 (as survfit) */
} promstat_km_step;

typedef struct promstat_km {
	size_t n, n_events;
	size_t n_steps;
	promstat_km_step *steps; /* in time order; owned by the promstat_km */
	double median, median_lb, median_ub; /* as print.survfit; NaN when not reached */
	double level;	 /* confidence level in percent */
} promstat_km;

/*
 * Kaplan-Meier estimate of the n (time, event) pairs with level% log-log
 * intervals (Kalbfleisch & Prentice 2002, sec. 1.4; survival's
 * survfit_confint): with s = std_err, z the normal quantile,
 * lower = S^exp(z s / log S), upper = S^exp(-z s / log S).
 * The median is the first time at which S < 0.5 (to within 1.5e-8, the
 * square root of the double epsilon); when S equals 0.5 there it is the
 * mean of that time and the next time at which S drops further. Its bounds
 * apply the same rule to the lower and upper curves (survival's survmean).
 * n = 0 gives an empty curve with NaN median. Returns PROMSTAT_OK with *out
 * a new estimate (promstat_km_free), PROMSTAT_EINVAL for a non-finite time,
 * an event other than 0/1 or a level outside (0, 100), PROMSTAT_ENOMEM.
 */
int promstat_km_fit(const double *time, const int *event, size_t n, double level,
		    promstat_km **out, struct promstat_error *err);
void promstat_km_free(promstat_km *km);

/*
 * The row of km in force at time t (the last step at or before t) as
 * summary.survfit(times = t) reports it: before the first step, S = 1 with
 * bounds 1 and every unit at risk; *n_risk is the number with time >= t.
 */
void promstat_km_at(const promstat_km *km, double t, size_t *n_risk, double *surv,
		    double *lower, double *upper);

/* Log-rank test of k groups (survdiff, rho = 0). */
typedef struct promstat_logrank {
	size_t k;	     /* groups given */
	double *observed, *expected; /* k each, owned */
	double chisq;	     /* NaN when fewer than 2 groups have expected > 0 */
	int df;		     /* groups with expected > 0, minus 1 */
	double p;	     /* upper tail of chi-square(df); NaN with chisq */
} promstat_logrank;

/*
 * Log-rank test that the k groups (group[i] in 0..k-1) share one hazard.
 * The statistic is (O - E)' V^-1 (O - E) over the groups with E > 0 less
 * the first of them, V the hypergeometric covariance (Mantel 1966;
 * survival's survdiff; chisq and p are NaN when fewer than two groups
 * have E > 0, where survdiff prints 0, or when V is singular). Returns
 * PROMSTAT_OK with *out a new test (promstat_logrank_free),
 * PROMSTAT_EINVAL (k = 0, a group out of range, a bad time or event), or
 * PROMSTAT_ENOMEM.
 */
int promstat_logrank_test(const double *time, const int *event, const size_t *group, size_t n,
			  size_t k, promstat_logrank **out, struct promstat_error *err);
void promstat_logrank_free(promstat_logrank *t);

#ifdef __cplusplus
}
#endif
#endif
