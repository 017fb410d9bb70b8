/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Per-study effect sizes as metafor's escalc() computes them with its
 * defaults (vtype = "LS", add = 1/2, to = "only0", drop00 = FALSE), and
 * the parsing/naming of measure codes.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "internal.h"

#ifndef M_PI /* not in strict C99 */
#define M_PI 3.14159265358979323846
#endif
#ifndef M_SQRT2
#define M_SQRT2 1.41421356237309504880
#endif

/*
 * The measure table, in enum order. Axis labels and scale titles are the
 * ones the table printer and the forest/funnel plots have always shown.
 */
static const promstat_meta_measure_info measures[PROMSTAT_MEASURE_COUNT] = {
	{PROMSTAT_MEASURE_MD, "MD", PROMSTAT_META_INPUT_MEANS, "MD", NULL, 0, 0, 0, 0,
	 "Mean difference", NULL},
	{PROMSTAT_MEASURE_SMD, "SMD", PROMSTAT_META_INPUT_MEANS, "SMD", NULL, 0, 0, 0, 0,
	 "Standardised mean difference (Hedges' g)", NULL},
	{PROMSTAT_MEASURE_ROM, "ROM", PROMSTAT_META_INPUT_MEANS, "log ROM", "ROM", 1, 0, 0, 0,
	 "Ratio of means", NULL},
	{PROMSTAT_MEASURE_RR, "RR", PROMSTAT_META_INPUT_TABLE, "log RR", "RR", 1, 0, 0, 0,
	 "Risk ratio", NULL},
	{PROMSTAT_MEASURE_OR, "OR", PROMSTAT_META_INPUT_TABLE, "log OR", "OR", 1, 0, 0, 0,
	 "Odds ratio", NULL},
	{PROMSTAT_MEASURE_RD, "RD", PROMSTAT_META_INPUT_TABLE, "RD", NULL, 0, 0, 0, 0,
	 "Risk difference", NULL},
	{PROMSTAT_MEASURE_PR, "PR", PROMSTAT_META_INPUT_PROPORTION, "Proportion", NULL, 0, 1, 0,
	 NAN, "Proportion", "Proportion"},
	{PROMSTAT_MEASURE_PLO, "PLO", PROMSTAT_META_INPUT_PROPORTION, "logit", "Proportion", 0, 1,
	 0, NAN, "Log odds (logit) of the proportion",
	 "Proportion (pooled on the logit scale, back-transformed)"},
	{PROMSTAT_MEASURE_PFT, "PFT", PROMSTAT_META_INPUT_PROPORTION, "PFT", "Proportion", 0, 1, 1,
	 NAN, "Freeman-Tukey transformed proportion",
	 "Proportion (pooled as Freeman-Tukey double arcsine; Miller's inverse, "
	 "harmonic mean n for pooled values)"},
	{PROMSTAT_MEASURE_PAS, "PAS", PROMSTAT_META_INPUT_PROPORTION, "PAS", "Proportion", 0, 1, 0,
	 NAN, "Arcsine transformed proportion",
	 "Proportion (pooled on the arcsine square root scale, back-transformed)"},
	{PROMSTAT_MEASURE_GEN, "GEN", PROMSTAT_META_INPUT_GENERIC, "Estimate", NULL, 0, 0, 0, 0,
	 "Effect size", NULL},
};

const promstat_meta_measure_info *promstat_meta_measure_describe(promstat_meta_measure m)
{
	if ((int)m < 0 || (int)m >= PROMSTAT_MEASURE_COUNT)
		return NULL;
	return &measures[m];
}

int promstat_meta_measure_parse(const char *s, promstat_meta_measure *out, promstat_error *err)
{
	if (s != NULL && out != NULL)
		for (int i = 0; i < PROMSTAT_MEASURE_COUNT; i++)
			if (strcmp(s, measures[i].name) == 0) {
				*out = (promstat_meta_measure)i;
				return PROMSTAT_OK;
			}
	return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
			"unknown effect size measure \"%s\": use one of MD, SMD, ROM, RR, OR, RD, "
			"PR, PLO, PFT, PAS, GEN",
			s != NULL ? s : "");
}

const char *promstat_meta_measure_name(promstat_meta_measure m)
{
	const promstat_meta_measure_info *d = promstat_meta_measure_describe(m);

	return d ? d->name : "?";
}

promstat_meta_input promstat_meta_measure_input(promstat_meta_measure m)
{
	const promstat_meta_measure_info *d = promstat_meta_measure_describe(m);

	return d ? d->input : PROMSTAT_META_INPUT_GENERIC;
}

int promstat_meta_measure_has_backtransform(promstat_meta_measure m)
{
	const promstat_meta_measure_info *d = promstat_meta_measure_describe(m);

	return d != NULL && d->back_name != NULL;
}

static double clamp01(double p)
{
	if (p < 0)
		return 0;
	if (p > 1)
		return 1;
	return p;
}

/*
 * Miller (1978), "The inverse of the Freeman-Tukey double arcsine
 * transformation", Am Stat 32:138, with n the harmonic mean of the sample
 * sizes, as metafor's transf.ipft.hm. Outside the range the transform can
 * reach the proportion is 0 or 1 (metafor clamps the same way).
 */
static double ipft(double x, double n)
{
	double lo, hi, s, t;

	if (!(n > 0))
		return NAN;
	/* the transforms of the proportions 0 and 1 at sample size n */
	lo = 0.5 * asin(sqrt(1 / (n + 1)));
	hi = 0.5 * (asin(sqrt(n / (n + 1))) + M_PI / 2);
	if (x < lo)
		return 0;
	if (x > hi)
		return 1;
	s = sin(2 * x);
	if (s == 0)
		return x < M_PI / 4 ? 0 : 1;
	/* 1/2 (1 - sgn(cos 2x) sqrt(1 - (sin 2x + (sin 2x - 1/sin 2x)/n)^2)) */
	t = s + (s - 1 / s) / n;
	t = 1 - t * t;
	if (t < 0)
		t = 0;
	return clamp01(0.5 * (1 - (cos(2 * x) > 0 ? 1 : cos(2 * x) < 0 ? -1 : 0) * sqrt(t)));
}

double promstat_meta_backtransform(promstat_meta_measure m, double x, double n_hm)
{
	if (isnan(x))
		return NAN;
	switch (m) {
	case PROMSTAT_MEASURE_RR:
	case PROMSTAT_MEASURE_OR:
	case PROMSTAT_MEASURE_ROM:
		return exp(x);
	case PROMSTAT_MEASURE_PLO:
		return 1 / (1 + exp(-x));
	case PROMSTAT_MEASURE_PAS:
		if (x <= 0)
			return 0;
		if (x >= M_PI / 2)
			return 1;
		return clamp01(sin(x) * sin(x));
	case PROMSTAT_MEASURE_PFT:
		return ipft(x, n_hm);
	default:
		return x;
	}
}

static int whole(double x)
{
	return floor(x) == x;
}

static int edata(promstat_error *err, const char *msg)
{
	return ps_error(err, PROMSTAT_EDATA, NULL, 0, 0, "%s", msg);
}

static int wrong_kind(promstat_error *err, promstat_meta_measure m, const char *kind)
{
	return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
			"measure %s is not computed from %s", promstat_meta_measure_name(m), kind);
}

/*
 * Hedges' exact small-sample correction c(m) = Gamma(m/2) /
 * (sqrt(m/2) Gamma((m-1)/2)) (Hedges 1981, eq. 6e; metafor's .cmicalc),
 * through lgamma so that it neither overflows nor loses accuracy for the
 * degrees of freedom of very large trials.
 */
static double stirling_tail(double z)
{
	double z2 = z * z;

	/* lgamma(z) - ((z - 1/2) log z - z + log(2 pi)/2) (Abramowitz & Stegun 6.1.41) */
	return 1 / (12 * z) - 1 / (360 * z * z2) + 1 / (1260 * z * z2 * z2) -
	       1 / (1680 * z * z2 * z2 * z2);
}

static double hedges_c(double m)
{
	double x = m / 2;

	if (m < 100)
		return exp(lgamma(x) - 0.5 * log(x) - lgamma(x - 0.5));
	/* For large m the two lgamma values are huge and nearly equal, and
	 * their difference loses about eps * lgamma(x) (1e-6 at m = 2e9).
	 * Stirling's series for lgamma(x) - lgamma(x - 1/2) - log(x)/2
	 * simplifies to -(x-1) log(1 - 1/(2x)) - 1/2 plus the tails, which
	 * log1p evaluates to full precision. */
	return exp(-(x - 1) * log1p(-1 / (2 * x)) - 0.5 + stirling_tail(x) -
		   stirling_tail(x - 0.5));
}

int promstat_meta_es_means(promstat_meta_measure m, double m1, double sd1, double n1, double m2,
			   double sd2, double n2, double *yi, double *vi, promstat_error *err)
{
	double y, v;

	if (promstat_meta_measure_input(m) != PROMSTAT_META_INPUT_MEANS || (int)m < 0 ||
	    (int)m >= PROMSTAT_MEASURE_COUNT)
		return wrong_kind(err, m, "means, standard deviations and group sizes");
	if (yi == NULL || vi == NULL)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no place to store the effect size");
	if (!isfinite(m1) || !isfinite(sd1) || !isfinite(n1) || !isfinite(m2) || !isfinite(sd2) ||
	    !isfinite(n2))
		return edata(err, "a mean, standard deviation or group size is missing or not a finite number");
	if (n1 < 2 || n2 < 2)
		return edata(err, "each group needs at least 2 participants (n1i and n2i must be 2 or more)");
	if (sd1 < 0 || sd2 < 0)
		return edata(err, "a standard deviation is negative");
	switch (m) {
	case PROMSTAT_MEASURE_MD:
		if (sd1 == 0 && sd2 == 0)
			return edata(err, "both standard deviations are 0, so the mean difference has no variance");
		y = m1 - m2;
		v = sd1 * sd1 / n1 + sd2 * sd2 / n2;
		break;
	case PROMSTAT_MEASURE_SMD: {
		double df = n1 + n2 - 2;
		double sp;

		if (sd1 == 0 || sd2 == 0)
			return edata(err, "a standard deviation is 0, so the standardized mean difference is undefined");
		/* pooled SD with (n-1) weights, as escalc's sdpi */
		sp = sqrt(((n1 - 1) * sd1 * sd1 + (n2 - 1) * sd2 * sd2) / df);
		y = hedges_c(df) * (m1 - m2) / sp;
		v = 1 / n1 + 1 / n2 + y * y / (2 * (n1 + n2));
		break;
	}
	case PROMSTAT_MEASURE_ROM:
		if (sd1 == 0 || sd2 == 0)
			return edata(err, "a standard deviation is 0, so the ratio of means has no usable variance");
		if (!(m1 > 0) || !(m2 > 0))
			return edata(err, "the ratio of means needs both means to be positive");
		y = log(m1 / m2);
		v = sd1 * sd1 / (n1 * m1 * m1) + sd2 * sd2 / (n2 * m2 * m2);
		break;
	default:
		return wrong_kind(err, m, "means");
	}
	if (!isfinite(y) || !isfinite(v) || !(v > 0))
		return edata(err, "the effect size or its variance cannot be computed from these values");
	*yi = y;
	*vi = v;
	return PROMSTAT_OK;
}

int promstat_meta_es_table(promstat_meta_measure m, double ai, double bi, double ci, double di,
			   double *yi, double *vi, promstat_error *err)
{
	double n1, n2, p1, p2, y, v;

	if (promstat_meta_measure_input(m) != PROMSTAT_META_INPUT_TABLE || (int)m < 0 ||
	    (int)m >= PROMSTAT_MEASURE_COUNT)
		return wrong_kind(err, m, "2x2 tables");
	if (yi == NULL || vi == NULL)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no place to store the effect size");
	if (!isfinite(ai) || !isfinite(bi) || !isfinite(ci) || !isfinite(di))
		return edata(err, "a count of the 2x2 table is missing or not a finite number");
	if (ai < 0 || bi < 0 || ci < 0 || di < 0)
		return edata(err, "a count of the 2x2 table is negative (check that events do not exceed the group size)");
	if (!whole(ai) || !whole(bi) || !whole(ci) || !whole(di))
		return edata(err, "a count of the 2x2 table is not a whole number");
	if (ai + bi == 0 || ci + di == 0)
		return edata(err, "a group has no participants");
	/* escalc add = 1/2, to = "only0": every cell of a table with a zero
	 * cell, for RR, OR and RD alike; drop00 = FALSE keeps double-zero
	 * tables. */
	if (ai == 0 || bi == 0 || ci == 0 || di == 0) {
		ai += 0.5;
		bi += 0.5;
		ci += 0.5;
		di += 0.5;
	}
	n1 = ai + bi;
	n2 = ci + di;
	p1 = ai / n1;
	p2 = ci / n2;
	switch (m) {
	case PROMSTAT_MEASURE_RR:
		y = log(p1) - log(p2);
		v = 1 / ai - 1 / n1 + 1 / ci - 1 / n2;
		break;
	case PROMSTAT_MEASURE_OR:
		y = log(p1 / (1 - p1)) - log(p2 / (1 - p2));
		v = 1 / ai + 1 / bi + 1 / ci + 1 / di;
		break;
	case PROMSTAT_MEASURE_RD:
		y = p1 - p2;
		v = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2;
		break;
	default:
		return wrong_kind(err, m, "2x2 tables");
	}
	if (!isfinite(y) || !isfinite(v) || !(v > 0))
		return edata(err, "the effect size or its variance cannot be computed from this table");
	*yi = y;
	*vi = v;
	return PROMSTAT_OK;
}

int promstat_meta_es_proportion(promstat_meta_measure m, double xi, double ni, double *yi,
				double *vi, promstat_error *err)
{
	double x, n, p, y, v;

	if (promstat_meta_measure_input(m) != PROMSTAT_META_INPUT_PROPORTION || (int)m < 0 ||
	    (int)m >= PROMSTAT_MEASURE_COUNT)
		return wrong_kind(err, m, "single-arm proportions");
	if (yi == NULL || vi == NULL)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no place to store the effect size");
	if (!isfinite(xi) || !isfinite(ni))
		return edata(err, "the event count or the sample size is missing or not a finite number");
	if (!whole(xi) || !whole(ni))
		return edata(err, "the event count or the sample size is not a whole number");
	if (ni < 1)
		return edata(err, "the sample size must be at least 1");
	if (xi < 0 || xi > ni)
		return edata(err, "the event count must be between 0 and the sample size");
	x = xi;
	n = ni;
	switch (m) {
	case PROMSTAT_MEASURE_PR:
	case PROMSTAT_MEASURE_PLO:
		/* escalc adds 1/2 to events and non-events when either is 0 */
		if (x == 0 || x == n) {
			x += 0.5;
			n += 1;
		}
		p = x / n;
		if (m == PROMSTAT_MEASURE_PR) {
			y = p;
			v = p * (1 - p) / n;
		} else {
			y = log(p / (1 - p));
			v = 1 / x + 1 / (n - x);
		}
		break;
	case PROMSTAT_MEASURE_PFT:
		y = 0.5 * (asin(sqrt(x / (n + 1))) + asin(sqrt((x + 1) / (n + 1))));
		v = 1 / (4 * n + 2);
		break;
	case PROMSTAT_MEASURE_PAS:
		y = asin(sqrt(x / n));
		v = 1 / (4 * n);
		break;
	default:
		return wrong_kind(err, m, "proportions");
	}
	if (!isfinite(y) || !isfinite(v) || !(v > 0))
		return edata(err, "the effect size or its variance cannot be computed from this proportion");
	*yi = y;
	*vi = v;
	return PROMSTAT_OK;
}

int promstat_meta_es_generic(double yi_in, double vi_in, double *yi, double *vi,
			     promstat_error *err)
{
	if (yi == NULL || vi == NULL)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no place to store the effect size");
	if (!isfinite(yi_in) || !isfinite(vi_in))
		return edata(err, "the effect size or its variance is missing or not a finite number");
	if (!(vi_in > 0))
		return edata(err, "the sampling variance must be positive");
	*yi = yi_in;
	*vi = vi_in;
	return PROMSTAT_OK;
}

void promstat_meta_study_ci(double yi, double vi, double level, double *ci_lb, double *ci_ub)
{
	double half = NAN;

	if (level > 0 && level < 100 && vi >= 0)
		half = gsl_cdf_ugaussian_Qinv((1 - level / 100) / 2) * sqrt(vi);
	if (ci_lb)
		*ci_lb = yi - half;
	if (ci_ub)
		*ci_ub = yi + half;
}
