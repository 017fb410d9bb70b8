/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Missing follow-up in an audit cell (issue 13, section 1): the MCID and
 * PASS rates with the units lost counted as non-responders (NRI) and as
 * responders (the best case), which bound the rate over every unit with a
 * baseline whatever the reason follow-up is missing; and how the units
 * lost differ from those followed up in baseline score and age (Welch).
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

void ps_bounds_add_followed(ps_bounds_acc *x, double b, double age)
{
	ps_moments_add(&x->base_fu, b);
	if (!isnan(age))
		ps_moments_add(&x->age_fu, age);
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
	return PROMSTAT_OK;
}
