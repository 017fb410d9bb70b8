/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ROC analysis with pROC's conventions (thresholds, Youden ties, DeLong
 * interval) and the ICC(2,1); see promstat_mcid.h for the definitions and
 * tests/reference/gen-mcid.R for the R values the tests compare with.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "internal.h"
#include "promstat_mcid.h"

typedef struct xy {
	double x;
	int y;
} xy;

static int cmp_xy(const void *p, const void *q)
{
	const xy *a = p, *b = q;

	return a->x < b->x ? -1 : a->x > b->x;
}

/* pROC's threshold between two consecutive distinct values lo < hi: the
 * midpoint, halved first when the sum could overflow, and hi when the
 * midpoint rounds onto lo (roc.utils.thresholds, direction "<"). */
static double midpoint(double lo, double hi)
{
	double t = (lo + hi) / 2;

	if (fabs(t) > 1e100 || isinf(t))
		t = lo / 2 + hi / 2;
	if (t == lo)
		t = hi;
	return t;
}

void promstat_roc_free(promstat_roc *r)
{
	if (!r)
		return;
	ps_free(r->points);
	ps_free(r);
}

int promstat_roc_fit(const double *x, const int *is_case, size_t n, double level,
		     promstat_roc **out, promstat_error *err)
{
	promstat_roc *r;
	xy *v;
	size_t i, j, n1 = 0, n0 = 0, c1_le = 0, c0_le = 0, np = 0;
	double best = -INFINITY, sx = 0, sy = 0, theta = 0, z;

	*out = NULL;
	if (!(level > 0 && level < 100))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"confidence level %g is not between 0 and 100", level);
	for (i = 0; i < n; i++) {
		if (!isfinite(x[i]))
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"value %zu is not a finite number", i + 1);
		is_case[i] ? n1++ : n0++;
	}
	if (!n1 || !n0)
		return ps_error(err, PROMSTAT_EDATA, NULL, 0, 0,
				"a ROC curve needs at least one case and one control (%zu and %zu)",
				n1, n0);
	r = ps_calloc(1, sizeof *r);
	v = ps_malloc(n * sizeof *v);
	if (r)
		r->points = ps_malloc((n + 1) * sizeof *r->points);
	if (!r || !v || !r->points) {
		ps_free(v);
		promstat_roc_free(r);
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	}
	for (i = 0; i < n; i++) {
		v[i].x = x[i];
		v[i].y = is_case[i] != 0;
	}
	qsort(v, n, sizeof *v, cmp_xy);
	r->n_cases = n1;
	r->n_controls = n0;
	r->points[np].threshold = -INFINITY;
	r->points[np].sensitivity = 1.0;
	r->points[np].specificity = 0.0;
	np++;
	/* first pass: the AUC as the mean of the cases' placements (DeLong
	 * 1988: V10(x) = P(control < x) + P(control = x) / 2), and the curve */
	for (i = 0; i < n; i = j) {
		size_t g1 = 0, g0 = 0;

		for (j = i; j < n && v[j].x == v[i].x; j++)
			v[j].y ? g1++ : g0++;
		theta += (double)g1 * (((double)c0_le + 0.5 * (double)g0) / (double)n0);
		c1_le += g1;
		c0_le += g0;
		r->points[np].threshold = j < n ? midpoint(v[i].x, v[j].x) : INFINITY;
		/* as pROC: tp / ncases and (ncontrols - fp) / ncontrols */
		r->points[np].sensitivity = (double)(n1 - c1_le) / (double)n1;
		r->points[np].specificity = (double)c0_le / (double)n0;
		np++;
	}
	theta /= (double)n1;
	r->n_points = np;
	r->auc = theta;
	/* Youden: pROC keeps every threshold with se + 1 * sp == max exactly */
	for (i = 0; i < np; i++) {
		double crit = r->points[i].sensitivity + r->points[i].specificity;

		if (crit > best) {
			best = crit;
			r->n_best = 1;
			r->threshold = r->points[i].threshold;
			r->sensitivity = r->points[i].sensitivity;
			r->specificity = r->points[i].specificity;
		} else if (crit == best) {
			r->n_best++;
		}
	}
	if (isinf(r->threshold))
		r->threshold = NAN;
	/* second pass: the placements' variances (pROC's ci.auc.delong) */
	c1_le = c0_le = 0;
	for (i = 0; i < n; i = j) {
		size_t g1 = 0, g0 = 0;
		double v10, v01;

		for (j = i; j < n && v[j].x == v[i].x; j++)
			v[j].y ? g1++ : g0++;
		v10 = ((double)c0_le + 0.5 * (double)g0) / (double)n0;
		v01 = ((double)(n1 - c1_le - g1) + 0.5 * (double)g1) / (double)n1;
		sx += (double)g1 * (v10 - theta) * (v10 - theta);
		sy += (double)g0 * (v01 - theta) * (v01 - theta);
		c1_le += g1;
		c0_le += g0;
	}
	r->auc_ci_lb = r->auc_ci_ub = NAN;
	if (n1 > 1 && n0 > 1) {
		double s = sx / (double)(n1 - 1) / (double)n1 + sy / (double)(n0 - 1) / (double)n0;

		z = gsl_cdf_ugaussian_Qinv((1 - level / 100) / 2);
		r->auc_ci_lb = fmax(0.0, theta - z * sqrt(s));
		r->auc_ci_ub = fmin(1.0, theta + z * sqrt(s));
	}
	ps_free(v);
	*out = r;
	return PROMSTAT_OK;
}

double promstat_icc21(const double *a, const double *b, size_t n)
{
	double grand = 0, ma = 0, mb = 0, ssr = 0, ssc, sse = 0, msr, msc, mse, den;
	size_t i;

	if (n < 2)
		return NAN;
	for (i = 0; i < n; i++) {
		ma += a[i];
		mb += b[i];
	}
	ma /= (double)n;
	mb /= (double)n;
	grand = (ma + mb) / 2;
	for (i = 0; i < n; i++) {
		double mi = (a[i] + b[i]) / 2, ea = a[i] - mi - ma + grand, eb = b[i] - mi - mb + grand;

		ssr += 2 * (mi - grand) * (mi - grand);
		sse += ea * ea + eb * eb;
	}
	ssc = (double)n * ((ma - grand) * (ma - grand) + (mb - grand) * (mb - grand));
	/* two raters: rows n - 1, columns 1, error (n - 1) degrees of freedom */
	msr = ssr / (double)(n - 1);
	msc = ssc;
	mse = sse / (double)(n - 1);
	den = msr + mse + 2 * (msc - mse) / (double)n;
	return den != 0 ? (msr - mse) / den : NAN;
}

double ps_roc_youden_grouped(const double *vals, const size_t *c1, const size_t *c0, size_t m)
{
	size_t j, n1 = 0, n0 = 0, le1 = 0, le0 = 0;
	double best, thr = -INFINITY;

	for (j = 0; j < m; j++) {
		n1 += c1[j];
		n0 += c0[j];
	}
	if (!n1 || !n0)
		return NAN;
	/* the same doubles as promstat_roc_fit: at -Inf se = 1, sp = 0 */
	best = 1.0 + 0.0;
	for (j = 0; j < m; j++) {
		size_t k;
		double se, sp, crit;

		if (!c1[j] && !c0[j])
			continue;
		le1 += c1[j];
		le0 += c0[j];
		/* the next value present in the sample bounds this threshold */
		for (k = j + 1; k < m && !c1[k] && !c0[k]; k++)
			;
		se = (double)(n1 - le1) / (double)n1;
		sp = (double)le0 / (double)n0;
		crit = se + sp;
		if (crit > best) {
			best = crit;
			thr = k < m ? midpoint(vals[j], vals[k]) : INFINITY;
		}
	}
	return isinf(thr) ? NAN : thr;
}
