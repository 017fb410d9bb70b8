/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Confidence intervals the audit reports: Wilson and Clopper-Pearson for a
 * proportion, Newcombe's hybrid score interval for a difference of two
 * proportions, the t interval for a mean, and the number needed to treat.
 */
#include <math.h>
#include <stdio.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>

#include "internal.h"

/* Two-sided tail probability alpha/2 for a level in percent, or -1. */
static double half_alpha(double level)
{
	if (!(level > 0 && level < 100))
		return -1;
	return (1 - level / 100) / 2;
}

static int bad_level(promstat_error *err, double level)
{
	return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
			"the confidence level must be between 0 and 100 (exclusive), not %g", level);
}

static void undefined(double *lb, double *ub)
{
	*lb = NAN;
	*ub = NAN;
}

/*
 * The checks both proportion intervals make: sets *a to alpha/2 and
 * returns PROMSTAT_OK, with *done set (and both bounds undefined) when
 * n = 0; or an error for a bad level or more successes than trials.
 */
static int proportion_args(size_t x, size_t n, double level, double *a, double *lb, double *ub,
			   int *done, promstat_error *err)
{
	*a = half_alpha(level);
	*done = 0;
	if (*a < 0)
		return bad_level(err, level);
	if (x > n)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"%zu successes cannot come from %zu trials", x, n);
	if (n == 0) {
		undefined(lb, ub);
		*done = 1;
	}
	return PROMSTAT_OK;
}

/*
 * Wilson (1927) score interval, as in Newcombe (1998a, Stat Med 17:857,
 * method 3): (2np + z^2 +- z sqrt(z^2 + 4np(1-p))) / (2(n + z^2)). The end
 * at 0 or 1 is set exactly when x is 0 or n (the formula gives it only up to
 * rounding).
 */
int promstat_ci_wilson(size_t x, size_t n, double level, double *lb, double *ub,
		       promstat_error *err)
{
	double a, z, z2, p, nd, centre, half;
	int done, rc = proportion_args(x, n, level, &a, lb, ub, &done, err);

	if (rc || done)
		return rc;
	z = gsl_cdf_ugaussian_Qinv(a);
	z2 = z * z;
	nd = (double)n;
	p = (double)x / nd;
	centre = 2 * nd * p + z2;
	half = z * sqrt(z2 + 4 * nd * p * (1 - p));
	*lb = x == 0 ? 0 : (centre - half) / (2 * (nd + z2));
	*ub = x == n ? 1 : (centre + half) / (2 * (nd + z2));
	return PROMSTAT_OK;
}

/*
 * Clopper & Pearson (1934): the bounds are beta quantiles,
 * lb = B(a; x, n-x+1), ub = B(1-a; x+1, n-x), with lb = 0 at x = 0 and
 * ub = 1 at x = n. GSL's error handler is switched off around the quantile
 * calls so that a convergence failure becomes a status, never an abort.
 */
int promstat_ci_clopper_pearson(size_t x, size_t n, double level, double *lb, double *ub,
				promstat_error *err)
{
	double a;
	gsl_error_handler_t *old;
	int done, rc = proportion_args(x, n, level, &a, lb, ub, &done, err);

	if (rc || done)
		return rc;
	old = gsl_set_error_handler_off();
	*lb = x == 0 ? 0 : gsl_cdf_beta_Pinv(a, (double)x, (double)(n - x + 1));
	*ub = x == n ? 1 : gsl_cdf_beta_Qinv(a, (double)(x + 1), (double)(n - x));
	gsl_set_error_handler(old);
	if (!isfinite(*lb) || !isfinite(*ub))
		return ps_error(err, PROMSTAT_ENUMERIC, NULL, 0, 0,
				"the exact interval for %zu of %zu did not converge", x, n);
	return PROMSTAT_OK;
}

int promstat_ci_proportion(promstat_ci_method method, size_t x, size_t n, double level,
			   double *lb, double *ub, promstat_error *err)
{
	switch (method) {
	case PROMSTAT_CI_WILSON:
		return promstat_ci_wilson(x, n, level, lb, ub, err);
	case PROMSTAT_CI_CLOPPER_PEARSON:
		return promstat_ci_clopper_pearson(x, n, level, lb, ub, err);
	}
	return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "unknown interval method %d",
			(int)method);
}

/*
 * Newcombe (1998b, Stat Med 17:873) method 10: with Wilson intervals
 * (l1, u1) for p1 and (l2, u2) for p2 and D = p1 - p2,
 *   lower = D - sqrt((p1 - l1)^2 + (u2 - p2)^2),
 *   upper = D + sqrt((u1 - p1)^2 + (p2 - l2)^2).
 */
int promstat_ci_newcombe(size_t x1, size_t n1, size_t x2, size_t n2, double level,
			 double *lb, double *ub, promstat_error *err)
{
	double l1, u1, l2, u2, p1, p2, d;
	int rc;

	if ((rc = promstat_ci_wilson(x1, n1, level, &l1, &u1, err)) != PROMSTAT_OK ||
	    (rc = promstat_ci_wilson(x2, n2, level, &l2, &u2, err)) != PROMSTAT_OK)
		return rc;
	if (n1 == 0 || n2 == 0) {
		undefined(lb, ub);
		return PROMSTAT_OK;
	}
	p1 = (double)x1 / (double)n1;
	p2 = (double)x2 / (double)n2;
	d = p1 - p2;
	*lb = d - sqrt((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2));
	*ub = d + sqrt((u1 - p1) * (u1 - p1) + (p2 - l2) * (p2 - l2));
	return PROMSTAT_OK;
}

/* mean +- t_{n-1}(1 - alpha/2) sd / sqrt(n). */
int promstat_ci_mean(double mean, double sd, size_t n, double level, double *lb, double *ub,
		     promstat_error *err)
{
	double a = half_alpha(level), t, h;

	if (a < 0)
		return bad_level(err, level);
	if (n < 2 || !isfinite(sd) || !isfinite(mean)) {
		undefined(lb, ub);
		return PROMSTAT_OK;
	}
	t = gsl_cdf_tdist_Qinv(a, (double)(n - 1));
	h = t * sd / sqrt((double)n);
	*lb = mean - h;
	*ub = mean + h;
	return PROMSTAT_OK;
}

/*
 * Welch (1947, Biometrika 34:28) with Satterthwaite's degrees of freedom
 * (1946, Biometrics Bull 2:110), the interval R's t.test(x, y) reports:
 * df = se^4 / (v1^2/(n1-1) + v2^2/(n2-1)) with vi = sdi^2/ni, which lies
 * between min(n1, n2) - 1 and n1 + n2 - 2.
 */
int promstat_ci_welch(double mean1, double sd1, size_t n1, double mean2, double sd2, size_t n2,
		      double level, double *lb, double *ub, promstat_error *err)
{
	double a = half_alpha(level), v1, v2, se2, df, h;

	if (a < 0)
		return bad_level(err, level);
	undefined(lb, ub);
	if (n1 < 2 || n2 < 2 || !isfinite(mean1) || !isfinite(mean2) || !isfinite(sd1) ||
	    !isfinite(sd2))
		return PROMSTAT_OK;
	v1 = sd1 * sd1 / (double)n1;
	v2 = sd2 * sd2 / (double)n2;
	se2 = v1 + v2;
	if (!(se2 > 0))
		return PROMSTAT_OK;
	/* the same df with each share of se^2 scaled to [0, 1]: no overflow or
	 * underflow of the fourth powers */
	v1 /= se2;
	v2 /= se2;
	df = 1 / (v1 * v1 / (double)(n1 - 1) + v2 * v2 / (double)(n2 - 1));
	h = gsl_cdf_tdist_Qinv(a, df) * sqrt(se2);
	*lb = (mean1 - mean2) - h;
	*ub = (mean1 - mean2) + h;
	return PROMSTAT_OK;
}

/* Reciprocal of a risk difference; NaN for 0 (infinite) or NaN. */
static double recip(double x)
{
	return (x == 0 || !isfinite(x)) ? NAN : 1 / x;
}

/* Altman (1998, BMJ 317:1309): NNT = 1/ARR, interval by inverting the ARR's. */
void promstat_nnt(double rd, double rd_lb, double rd_ub, double *nnt, double *nnt_lb,
		  double *nnt_ub, int *crosses_infinity)
{
	*nnt = recip(rd);
	*nnt_lb = recip(rd_lb);
	*nnt_ub = recip(rd_ub);
	*crosses_infinity = isfinite(rd_lb) && isfinite(rd_ub) && rd_lb <= 0 && rd_ub >= 0;
}

/* "NNTB 3.3" or "NNTH 10.3" or "inf" for a signed NNT (NaN = infinite). */
static const char *nnt_word(double v, char *buf, size_t size)
{
	if (!isfinite(v))
		snprintf(buf, size, "inf");
	else
		snprintf(buf, size, "%s %.1f", v > 0 ? "NNTB" : "NNTH", fabs(v));
	return buf;
}

char *promstat_nnt_format(double rd, double rd_lb, double rd_ub, char *buf, size_t size)
{
	double nnt, lo, hi;
	int cross;
	char a[32], b[32], c[32];

	if (size == 0)
		return buf;
	buf[0] = '\0';
	if (!isfinite(rd) || !isfinite(rd_lb) || !isfinite(rd_ub))
		return buf;
	promstat_nnt(rd, rd_lb, rd_ub, &nnt, &lo, &hi, &cross);
	if (rd == 0)
		snprintf(a, sizeof a, "NNT inf");
	else
		nnt_word(nnt, a, sizeof a);
	if (cross) {
		/* lower rd bound is a harm (or 0), upper a benefit (or 0) */
		nnt_word(lo, b, sizeof b);
		nnt_word(hi, c, sizeof c);
		if (rd_lb == 0)
			snprintf(buf, size, "%s (%s to inf)", a, c);
		else if (rd_ub == 0)
			snprintf(buf, size, "%s (%s to inf)", a, b);
		else
			snprintf(buf, size, "%s (%s to inf to %s)", a, b, c);
	} else {
		/* one sign: the NNT bounds are 1/|ub| .. 1/|lb| for benefit,
		 * 1/|lb| .. 1/|ub| for harm; print the smaller first */
		double x = fabs(lo), y = fabs(hi);
		snprintf(buf, size, "%s (%.1f to %.1f)", a, x < y ? x : y, x < y ? y : x);
	}
	return buf;
}
