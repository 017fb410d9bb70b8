/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Missing follow-up in an audit cell (issue 13, section 1): the MCID and
 * PASS rates with the units lost counted as non-responders (NRI) and as
 * responders (the best case), which bound the rate over every unit with a
 * baseline whatever the reason follow-up is missing; and how the units
 * lost differ from those followed up in baseline score and age (Welch).
 * Small cells (section 2) and floors (section 3): units that could not
 * reach the MCID from where they started, and units already in the PASS
 * at baseline.
 */
#include <math.h>

#include "followup_bounds.h"
#include "internal.h"

void ps_moments_add(ps_moments *m, double x)
{
	double d;

	m->n++;
	d = x - m->mean;
	m->mean += d / (double)m->n;
	m->m2 += d * (x - m->mean);
}

void ps_moments_merge(ps_moments *m, const ps_moments *o)
{
	size_t n = m->n + o->n;
	double d, w;

	if (!o->n)
		return;
	if (!m->n) {
		*m = *o;
		return;
	}
	w = (double)o->n / (double)n;
	d = o->mean - m->mean;
	m->mean += d * w;
	m->m2 += o->m2 + d * d * (double)m->n * w;
	m->n = n;
}

double ps_moments_sd(const ps_moments *m)
{
	return m->n >= 2 ? sqrt(m->m2 / (double)(m->n - 1)) : NAN;
}

/* Whether score s is in the PASS (at or better than it, with the tolerance). */
static int in_pass(const promstat_instrument *ins, double pass, double s)
{
	const double tol = PROMSTAT_AUDIT_TOLERANCE;

	return ins->higher_better ? s >= pass - tol : s <= pass + tol;
}

void ps_bounds_add_followed(ps_bounds_acc *x, const promstat_instrument *ins, double mcid,
			    double pass, double b, double f, double age)
{
	ps_moments_add(&x->base_fu, b);
	if (!isnan(age))
		ps_moments_add(&x->age_fu, age);
	/*
	 * The largest possible improvement is the distance to the best end of
	 * the scale; a unit is a responder when its improvement reaches
	 * mcid - tol, so one with less room than that can never be one.
	 */
	if (isfinite(mcid)) {
		double room = ins->higher_better ? ins->max - b : b - ins->min;

		x->unreachable += room < mcid - PROMSTAT_AUDIT_TOLERANCE;
	}
	if (isfinite(pass)) {
		if (in_pass(ins, pass, b))
			x->pass_base++;
		else if (in_pass(ins, pass, f))
			x->pass_gained++;
	}
}

void ps_bounds_add_lost(ps_bounds_acc *x, double b, double age)
{
	ps_moments_add(&x->base_lost, b);
	if (!isnan(age))
		ps_moments_add(&x->age_lost, age);
}

void ps_bounds_merge(ps_bounds_acc *x, const ps_bounds_acc *y)
{
	ps_moments_merge(&x->base_fu, &y->base_fu);
	ps_moments_merge(&x->base_lost, &y->base_lost);
	ps_moments_merge(&x->age_fu, &y->age_fu);
	ps_moments_merge(&x->age_lost, &y->age_lost);
	x->unreachable += y->unreachable;
	x->pass_base += y->pass_base;
	x->pass_gained += y->pass_gained;
}

/* x of n with its interval, or all undefined when n is 0. */
static int rate(const promstat_audit_options *o, size_t x, size_t n, double *r, double *lb,
		double *ub, promstat_error *err)
{
	*r = n ? (double)x / (double)n : NAN;
	return promstat_ci_proportion(o->ci, x, n, o->level, lb, ub, err);
}

/*
 * x responders of the nf followed up among nb with a baseline: the rate
 * with the nb - nf lost as non-responders, x / nb, with its interval, and
 * as responders, (x + nb - nf) / nb. Non-responder imputation is the
 * conservative convention of responder analyses; the two together are the
 * worst- and best-case bounds of Horowitz and Manski (2000, JASA 95:77)
 * for a rate whose outcome is missing for some units.
 */
static int bound_rates(const promstat_audit_options *o, size_t x, size_t nf, size_t nb,
		       double *nri, double *lb, double *ub, double *best, promstat_error *err)
{
	if (nb == 0) {
		*nri = *lb = *ub = *best = NAN;
		return PROMSTAT_OK;
	}
	*nri = (double)x / (double)nb;
	*best = (double)(x + (nb - nf)) / (double)nb;
	return promstat_ci_proportion(o->ci, x, nb, o->level, lb, ub, err);
}

/* Mean of a minus mean of b with Welch's interval; NaN when a side is empty. */
static int diff_means(const ps_moments *a, const ps_moments *b, double level, double *d,
		      double *lb, double *ub, promstat_error *err)
{
	*d = a->n && b->n ? a->mean - b->mean : NAN;
	return promstat_ci_welch(a->mean, ps_moments_sd(a), a->n, b->mean, ps_moments_sd(b),
				 b->n, level, lb, ub, err);
}

int ps_bounds_fill(const ps_bounds_acc *x, const promstat_audit_options *o,
		   promstat_audit_result *r, promstat_error *err)
{
	int rc;

	r->mcid_rate_nri = r->mcid_nri_ci_lb = r->mcid_nri_ci_ub = r->mcid_rate_best = NAN;
	r->pass_rate_nri = r->pass_nri_ci_lb = r->pass_nri_ci_ub = r->pass_rate_best = NAN;
	if (isfinite(r->mcid) &&
	    (rc = bound_rates(o, r->mcid_responders, r->n_followup, r->n_baseline,
			      &r->mcid_rate_nri, &r->mcid_nri_ci_lb, &r->mcid_nri_ci_ub,
			      &r->mcid_rate_best, err)))
		return rc;
	if (isfinite(r->pass) &&
	    (rc = bound_rates(o, r->pass_count, r->n_followup, r->n_baseline, &r->pass_rate_nri,
			      &r->pass_nri_ci_lb, &r->pass_nri_ci_ub, &r->pass_rate_best, err)))
		return rc;
	if ((rc = diff_means(&x->base_lost, &x->base_fu, o->level, &r->lost_baseline_diff,
			     &r->lost_baseline_diff_ci_lb, &r->lost_baseline_diff_ci_ub, err)))
		return rc;
	r->n_age_lost = x->age_lost.n;
	r->n_age_followup = x->age_fu.n;
	if ((rc = diff_means(&x->age_lost, &x->age_fu, o->level, &r->lost_age_diff,
			     &r->lost_age_diff_ci_lb, &r->lost_age_diff_ci_ub, err)))
		return rc;
	r->low_followup = isfinite(r->followup_rate) && r->followup_rate < o->min_followup;
	/* Below min_n a rate moves by 10 points or more with one unit (1/n),
	 * and its interval spans most of [0, 1]. */
	r->small = r->n_followup < o->min_n;

	/* floors and PASS at baseline (section 3) */
	r->mcid_unreachable = x->unreachable;
	r->mcid_rate_reachable = r->mcid_reachable_ci_lb = r->mcid_reachable_ci_ub = NAN;
	if (isfinite(r->mcid) &&
	    (rc = rate(o, r->mcid_responders, r->n_followup - x->unreachable,
		       &r->mcid_rate_reachable, &r->mcid_reachable_ci_lb,
		       &r->mcid_reachable_ci_ub, err)))
		return rc;
	r->pass_baseline = x->pass_base;
	r->pass_gained = x->pass_gained;
	r->pass_baseline_rate = r->pass_baseline_ci_lb = r->pass_baseline_ci_ub = NAN;
	r->pass_gained_rate = r->pass_gained_ci_lb = r->pass_gained_ci_ub = NAN;
	if (isfinite(r->pass) &&
	    ((rc = rate(o, x->pass_base, r->n_followup, &r->pass_baseline_rate,
			&r->pass_baseline_ci_lb, &r->pass_baseline_ci_ub, err)) ||
	     (rc = rate(o, x->pass_gained, r->n_followup - x->pass_base, &r->pass_gained_rate,
			&r->pass_gained_ci_lb, &r->pass_gained_ci_ub, err))))
		return rc;
	return PROMSTAT_OK;
}
