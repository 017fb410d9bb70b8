/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Kaplan-Meier with Greenwood log-log intervals, its median, and the
 * log-rank test, as R's survival package computes them (see
 * promstat_survival.h; references there). tests/reference/gen-survival.R
 * wrote the values the tests compare with.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "internal.h"
#include "promstat_survival.h"

/* survmean's tolerance for "S equals one half": sqrt(double epsilon). */
#define MEDIAN_TOL 1.4901161193847656e-08

typedef struct tev {
	double t;
	int e;
	size_t g;
} tev;

static int cmp_tev(const void *x, const void *y)
{
	const tev *a = x, *b = y;

	if (a->t < b->t)
		return -1;
	if (a->t > b->t)
		return 1;
	/* events before censorings at one time: only the order of the rows
	 * inside a time changes, not a number */
	return b->e - a->e;
}

static int check_input(const double *time, const int *event, size_t n, promstat_error *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!isfinite(time[i]))
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"time %zu is not a finite number", i + 1);
		if (event[i] != 0 && event[i] != 1)
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"event %zu is %d, not 0 (censored) or 1 (event)", i + 1,
					event[i]);
	}
	return PROMSTAT_OK;
}

/* survmean's minmin(): the first time at which y < 0.5 (within the
 * tolerance), or the mean of that time and the next time y drops, when y is
 * 0.5 there; NaN entries are skipped and NaN comes back when y never gets
 * below one half. which: 0 surv, 1 lower, 2 upper. */
static double minmin(const promstat_km_step *s, size_t n, int which)
{
	size_t i, first = n;
	double y0 = 0;

	for (i = 0; i < n; i++) {
		double y = which == 0 ? s[i].surv : which == 1 ? s[i].lower : s[i].upper;

		if (isnan(y) || !(y < 0.5 + MEDIAN_TOL))
			continue;
		if (first == n) {
			first = i;
			y0 = y;
			if (!(fabs(y0 - 0.5) < MEDIAN_TOL))
				return s[i].time;
			continue;
		}
		if (y < y0)
			return (s[first].time + s[i].time) / 2;
	}
	return first == n ? NAN : s[first].time;
}

int promstat_km_fit(const double *time, const int *event, size_t n, double level,
		    promstat_km **out, promstat_error *err)
{
	promstat_km *km;
	tev *v;
	size_t i, j, at_risk, ns = 0;
	double surv = 1.0, green = 0.0, z;
	int rc;

	*out = NULL;
	if (!(level > 0 && level < 100))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"confidence level %g is not between 0 and 100", level);
	if (n && (!time || !event))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no times to estimate from");
	if ((rc = check_input(time, event, n, err)))
		return rc;
	km = ps_calloc(1, sizeof *km);
	v = ps_malloc((n ? n : 1) * sizeof *v);
	if (km)
		km->steps = ps_malloc((n ? n : 1) * sizeof *km->steps);
	if (!km || !v || !km->steps) {
		ps_free(v);
		promstat_km_free(km);
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	}
	for (i = 0; i < n; i++) {
		v[i].t = time[i];
		v[i].e = event[i];
		v[i].g = 0;
	}
	qsort(v, n, sizeof *v, cmp_tev);
	z = gsl_cdf_ugaussian_Qinv((1 - level / 100) / 2);
	km->n = n;
	km->level = level;
	at_risk = n;
	for (i = 0; i < n; i = j) {
		promstat_km_step *s = &km->steps[ns++];
		size_t d = 0, c = 0;

		for (j = i; j < n && v[j].t == v[i].t; j++)
			v[j].e ? d++ : c++;
		s->time = v[i].t;
		s->n_risk = at_risk;
		s->n_event = d;
		s->n_censor = c;
		if (d) {
			surv *= 1.0 - (double)d / (double)at_risk;
			/* Greenwood (1926) on the log scale; infinite once every unit
			 * at risk has had the event, as survfit reports it */
			green = d < at_risk ? green + (double)d / ((double)at_risk * (double)(at_risk - d))
					    : INFINITY;
		}
		s->surv = surv;
		s->std_err = sqrt(green);
		if (surv > 0 && surv < 1) {
			double se2 = z * s->std_err / log(surv);

			s->lower = exp(-exp(log(-log(surv)) - se2));
			s->upper = exp(-exp(log(-log(surv)) + se2));
		} else {
			s->lower = s->upper = NAN;
		}
		km->n_events += d;
		at_risk -= d + c;
	}
	km->n_steps = ns;
	km->median = minmin(km->steps, ns, 0);
	km->median_lb = minmin(km->steps, ns, 1);
	km->median_ub = minmin(km->steps, ns, 2);
	ps_free(v);
	*out = km;
	return PROMSTAT_OK;
}

void promstat_km_free(promstat_km *km)
{
	if (!km)
		return;
	ps_free(km->steps);
	ps_free(km);
}

void promstat_km_at(const promstat_km *km, double t, size_t *n_risk, double *surv,
		    double *lower, double *upper)
{
	size_t i, last = (size_t)-1, risk = 0;

	for (i = 0; i < km->n_steps && km->steps[i].time <= t; i++)
		last = i;
	/* at risk at t: those whose time is >= t */
	if (i < km->n_steps)
		risk = km->steps[i].n_risk;
	if (last != (size_t)-1 && km->steps[last].time == t)
		risk = km->steps[last].n_risk;
	if (n_risk)
		*n_risk = risk;
	if (last == (size_t)-1) {
		if (surv)
			*surv = 1.0;
		if (lower)
			*lower = 1.0;
		if (upper)
			*upper = 1.0;
		return;
	}
	if (surv)
		*surv = km->steps[last].surv;
	if (lower)
		*lower = km->steps[last].lower;
	if (upper)
		*upper = km->steps[last].upper;
}

/* x' V^-1 x for the m x m symmetric matrix V (row-major, overwritten) by
 * Gaussian elimination with partial pivoting; NaN when V is singular (a
 * pivot below 1e-12 of the largest diagonal entry). m is the number of
 * groups less one, a handful, so the cubic cost does not matter. */
static double quad_form_inverse(double *v, const double *x, size_t m)
{
	double scale = 0, q = 0, *y = ps_malloc(m * sizeof *y), *rhs = ps_malloc(m * sizeof *rhs);
	size_t i, j, c, piv;

	if (!y || !rhs) {
		ps_free(y);
		ps_free(rhs);
		return NAN;
	}
	for (i = 0; i < m; i++) {
		rhs[i] = x[i];
		if (fabs(v[i * m + i]) > scale)
			scale = fabs(v[i * m + i]);
	}
	for (c = 0; c < m; c++) {
		piv = c;
		for (i = c + 1; i < m; i++)
			if (fabs(v[i * m + c]) > fabs(v[piv * m + c]))
				piv = i;
		if (!(fabs(v[piv * m + c]) > 1e-12 * scale)) {
			q = NAN;
			goto out;
		}
		if (piv != c) {
			double t;

			for (j = 0; j < m; j++) {
				t = v[c * m + j];
				v[c * m + j] = v[piv * m + j];
				v[piv * m + j] = t;
			}
			t = rhs[c];
			rhs[c] = rhs[piv];
			rhs[piv] = t;
		}
		for (i = c + 1; i < m; i++) {
			double f = v[i * m + c] / v[c * m + c];

			for (j = c; j < m; j++)
				v[i * m + j] -= f * v[c * m + j];
			rhs[i] -= f * rhs[c];
		}
	}
	for (i = m; i-- > 0;) {
		double s = rhs[i];

		for (j = i + 1; j < m; j++)
			s -= v[i * m + j] * y[j];
		y[i] = s / v[i * m + i];
	}
	for (i = 0; i < m; i++)
		q += x[i] * y[i];
out:
	ps_free(y);
	ps_free(rhs);
	return q;
}

void promstat_logrank_free(promstat_logrank *t)
{
	if (!t)
		return;
	ps_free(t->observed);
	ps_free(t->expected);
	ps_free(t);
}

int promstat_logrank_test(const double *time, const int *event, const size_t *group, size_t n,
			  size_t k, promstat_logrank **out, promstat_error *err)
{
	promstat_logrank *lr;
	tev *v = NULL;
	double *var = NULL, *risk = NULL;
	size_t *keep = NULL, i, j, a, b, nk = 0;
	size_t at_risk = n;
	int rc;

	*out = NULL;
	if (k == 0)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "a log-rank test needs groups");
	if (n && (!time || !event || !group))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no times to test");
	if ((rc = check_input(time, event, n, err)))
		return rc;
	for (i = 0; i < n; i++)
		if (group[i] >= k)
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"group %zu of unit %zu is not below %zu", group[i], i + 1, k);
	lr = ps_calloc(1, sizeof *lr);
	if (lr) {
		lr->observed = ps_calloc(k, sizeof *lr->observed);
		lr->expected = ps_calloc(k, sizeof *lr->expected);
	}
	v = ps_malloc((n ? n : 1) * sizeof *v);
	var = ps_calloc(k * k, sizeof *var);
	risk = ps_calloc(k, sizeof *risk);
	keep = ps_malloc(k * sizeof *keep);
	if (!lr || !lr->observed || !lr->expected || !v || !var || !risk || !keep) {
		rc = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
		goto done;
	}
	lr->k = k;
	for (i = 0; i < n; i++) {
		v[i].t = time[i];
		v[i].e = event[i];
		v[i].g = group[i];
		risk[group[i]] += 1;
	}
	qsort(v, n, sizeof *v, cmp_tev);
	for (i = 0; i < n; i = j) {
		size_t d = 0;
		double dn, nn;

		for (j = i; j < n && v[j].t == v[i].t; j++)
			if (v[j].e) {
				d++;
				lr->observed[v[j].g] += 1;
			}
		nn = (double)at_risk;
		dn = (double)d;
		if (d) {
			/* hypergeometric moments of the d events among the at_risk
			 * units (Mantel 1966; survdiff.fit with rho = 0) */
			double f = at_risk > 1 ? dn * (nn - dn) / (nn * nn * (nn - 1)) : 0.0;

			for (a = 0; a < k; a++) {
				lr->expected[a] += dn * risk[a] / nn;
				var[a * k + a] += f * risk[a] * (nn - risk[a]);
				for (b = 0; b < k; b++)
					if (b != a)
						var[a * k + b] -= f * risk[a] * risk[b];
			}
		}
		for (a = i; a < j; a++)
			risk[v[a].g] -= 1;
		at_risk -= j - i;
	}
	for (a = 0; a < k; a++)
		if (lr->expected[a] > 0)
			keep[nk++] = a;
	lr->df = nk ? (int)nk - 1 : 0;
	lr->chisq = lr->p = NAN;
	if (nk >= 2) {
		size_t m = nk - 1;
		double *vv = ps_malloc(m * m * sizeof *vv), *oe = ps_malloc(m * sizeof *oe);

		if (!vv || !oe) {
			ps_free(vv);
			ps_free(oe);
			rc = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
			goto done;
		}
		/* the first group with E > 0 is left out, as survdiff does */
		for (a = 0; a < m; a++) {
			oe[a] = lr->observed[keep[a + 1]] - lr->expected[keep[a + 1]];
			for (b = 0; b < m; b++)
				vv[a * m + b] = var[keep[a + 1] * k + keep[b + 1]];
		}
		lr->chisq = quad_form_inverse(vv, oe, m);
		if (!isnan(lr->chisq))
			lr->p = gsl_cdf_chisq_Q(lr->chisq, (double)lr->df);
		ps_free(vv);
		ps_free(oe);
	}
done:
	ps_free(v);
	ps_free(var);
	ps_free(risk);
	ps_free(keep);
	if (rc) {
		promstat_logrank_free(lr);
		return rc;
	}
	*out = lr;
	return PROMSTAT_OK;
}
