/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the audit adds up for the issue-13 readings of a cell (private to
 * the engine): the units lost to follow-up against those followed up, and
 * the floors of the MCID and PASS. audit.c feeds it unit by unit and
 * merges it as it merges the other sums; followup_bounds.c turns it into
 * the result fields.
 */
#ifndef PROMSTAT_FOLLOWUP_BOUNDS_H
#define PROMSTAT_FOLLOWUP_BOUNDS_H

#include <stddef.h>

#include "promstat_audit.h"
#include "promstat_ingest.h"

/* Count, running mean and sum of squared deviations (Welford 1962). */
typedef struct ps_moments {
	size_t n;
	double mean, m2;
} ps_moments;

void ps_moments_add(ps_moments *m, double x);
/* Adds o to m (Chan, Golub and LeVeque 1979 pairwise update). */
void ps_moments_merge(ps_moments *m, const ps_moments *o);
/* Sample SD (n - 1 denominator); NaN below two values. */
double ps_moments_sd(const ps_moments *m);

typedef struct ps_bounds_acc {
	ps_moments base_fu, base_lost; /* baseline score of units followed up / lost */
	ps_moments age_fu, age_lost;   /* the same for age, units with a known age */
	size_t unreachable;	       /* paired, less than one MCID from the best score */
	size_t pass_base, pass_gained; /* paired, in PASS at baseline / reaching it */
} ps_bounds_acc;

/* A unit with a baseline b and a follow-up f on ins; mcid and pass NaN
 * when unknown; age NaN when unknown. */
void ps_bounds_add_followed(ps_bounds_acc *x, const promstat_instrument *ins, double mcid,
			    double pass, double b, double f, double age);
/* A unit with a baseline b and no follow-up in the window. */
void ps_bounds_add_lost(ps_bounds_acc *x, double b, double age);
void ps_bounds_merge(ps_bounds_acc *x, const ps_bounds_acc *y);

/*
 * Fills the issue-13 fields of r from x and the fields of r that are
 * already set (n_baseline, n_followup, followup_rate, mcid, mcid_responders,
 * pass, pass_count), with intervals by opt->ci at opt->level. Returns
 * PROMSTAT_OK or the interval's error.
 */
int ps_bounds_fill(const ps_bounds_acc *x, const promstat_audit_options *opt,
		   promstat_audit_result *r, struct promstat_error *err);

#endif
