/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Small-study effects and influence, as metafor 3.8.1's regtest(),
 * ranktest(), trimfill() and leave1out() compute them with their defaults.
 */
#include <config.h>

#include <float.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* metafor's control defaults, used where metafor calls rma.uni() without
 * passing the model's control on (trimfill's internal fits). */
#define METAFOR_THRESHOLD 1e-5
#define METAFOR_MAXITER 100

static int need_k(size_t k, size_t min, const char *what, promstat_error *err)
{
	if (k < min)
		return ps_error(err, PROMSTAT_EDATA, NULL, 0, 0,
				"%s needs at least %zu studies (there are %zu)", what, min, k);
	return PROMSTAT_OK;
}

/* The regression on sei (Egger's test, trim and fill's side) has no slope
 * when every sampling variance is the same. */
static int need_distinct_vi(const double *vi, size_t k, promstat_error *err)
{
	size_t i;

	if (vi == NULL)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no studies given");
	for (i = 1; i < k; i++)
		if (vi[i] != vi[0])
			return PROMSTAT_OK;
	return ps_error(err, PROMSTAT_EDATA, NULL, 0, 0,
			"every study has the same sampling variance, so the standard "
			"error cannot be a predictor");
}

/* Fits the model once to learn which method of the list is used, and
 * returns options that use that method only (as metafor's functions take
 * x$method from the fitted model). */
static int used_method(const double *yi, const double *vi, size_t k,
		       const promstat_meta_options *opt, promstat_meta_options *o1,
		       promstat_meta_summary *fit, promstat_error *err)
{
	int rc;

	if (opt == NULL)
		promstat_meta_options_init(o1);
	else
		*o1 = *opt;
	rc = ps_meta_fit_flags(yi, vi, k, o1, PS_META_NO_TAU2_CI, fit, NULL, err);
	if (rc != PROMSTAT_OK)
		return rc;
	o1->methods[0] = fit->method;
	o1->nmethods = 1;
	return PROMSTAT_OK;
}

/* Egger's test: rma(yi, vi, mods = sei) with the model's method and test. */
static int sei_regression(const double *yi, const double *vi, size_t k,
			  const promstat_meta_options *opt, promstat_meta_coef coefs[2],
			  promstat_meta_reg_summary *rs, promstat_error *err)
{
	double *X;
	size_t i;
	int rc;

	X = ps_malloc(2 * k * sizeof *X);
	if (X == NULL)
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	for (i = 0; i < k; i++) {
		X[2 * i] = 1;
		X[2 * i + 1] = sqrt(vi[i]);
	}
	rc = promstat_meta_regress(yi, vi, k, X, 2, opt, coefs, rs, err);
	ps_free(X);
	return rc;
}

int promstat_meta_egger_test(const double *yi, const double *vi, size_t k,
			     const promstat_meta_options *opt, promstat_meta_egger *out,
			     promstat_error *err)
{
	promstat_meta_options o1;
	promstat_meta_summary fit;
	promstat_meta_coef coefs[2];
	promstat_meta_reg_summary rs;
	int rc;

	if (out == NULL)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no place to store the results");
	out->zval = out->df = out->pval = NAN;
	out->limit_estimate = out->limit_ci_lb = out->limit_ci_ub = NAN;
	rc = need_k(k, 3, "Egger's regression test", err);
	if (rc != PROMSTAT_OK)
		return rc;
	rc = need_distinct_vi(vi, k, err);
	if (rc != PROMSTAT_OK)
		return rc;
	rc = used_method(yi, vi, k, opt, &o1, &fit, err);
	if (rc != PROMSTAT_OK)
		return rc;
	rc = sei_regression(yi, vi, k, &o1, coefs, &rs, err);
	if (rc != PROMSTAT_OK)
		return rc;
	out->zval = coefs[1].stat;
	out->df = rs.df;
	out->pval = coefs[1].pval;
	out->limit_estimate = coefs[0].estimate;
	out->limit_ci_lb = coefs[0].ci_lb;
	out->limit_ci_ub = coefs[0].ci_ub;
	return PROMSTAT_OK;
}

/* ------------------------------------------------------------------ */
/* Begg's rank correlation.                                             */
/* ------------------------------------------------------------------ */

#define EXACT_KENDALL_MAX 500 /* O(n^3) exact distribution beyond this is slow */

typedef struct xy {
	double x, y;
} xy;

static int cmp_xy(const void *pa, const void *pb)
{
	const xy *a = pa, *b = pb;

	if (a->x != b->x)
		return a->x < b->x ? -1 : 1;
	return (a->y > b->y) - (a->y < b->y);
}

/* Sorts y[0..n) by merging, returning the number of pairs i < j with
 * y[i] > y[j] (ties are not inversions). */
static double inversions(double *y, double *tmp, size_t n)
{
	size_t h, i, j, o;
	double inv;

	if (n < 2)
		return 0;
	h = n / 2;
	inv = inversions(y, tmp, h) + inversions(y + h, tmp, n - h);
	i = 0;
	j = h;
	o = 0;
	while (i < h && j < n) {
		if (y[i] <= y[j]) {
			tmp[o++] = y[i++];
		} else {
			tmp[o++] = y[j++];
			inv += (double)(h - i);
		}
	}
	while (i < h)
		tmp[o++] = y[i++];
	while (j < n)
		tmp[o++] = y[j++];
	memcpy(y, tmp, n * sizeof *y);
	return inv;
}

/*
 * S = concordant - discordant pairs of (x, y) in O(n log n) (Knight 1966,
 * JASA 61:436): after sorting by x then y, the discordant pairs are the
 * inversions of y, and S = n0 - n1 - n2 + n3 - 2 inversions with n0 all
 * pairs, n1/n2 the pairs tied in x/in y, n3 those tied in both.
 */
static int kendall_s(const double *x, const double *y, size_t n, double *S)
{
	xy *p = ps_malloc(n * sizeof *p);
	double *ys = ps_malloc(n * sizeof *ys), *tmp = ps_malloc(n * sizeof *tmp);
	double n0 = (double)n * (double)(n - 1) / 2, n1 = 0, n2 = 0, n3 = 0, inv;
	size_t i, j, l;

	if (p == NULL || ys == NULL || tmp == NULL) {
		ps_free(p);
		ps_free(ys);
		ps_free(tmp);
		return -1;
	}
	for (i = 0; i < n; i++) {
		p[i].x = x[i];
		p[i].y = y[i];
	}
	qsort(p, n, sizeof *p, cmp_xy);
	for (i = 0; i < n; i = j) {
		double t;

		for (j = i + 1; j < n && p[j].x == p[i].x; j++)
			;
		t = (double)(j - i);
		n1 += t * (t - 1) / 2;
		for (l = i; l < j;) {
			size_t m;

			for (m = l + 1; m < j && p[m].y == p[l].y; m++)
				;
			t = (double)(m - l);
			n3 += t * (t - 1) / 2;
			l = m;
		}
	}
	for (i = 0; i < n; i++)
		ys[i] = p[i].y;
	inv = inversions(ys, tmp, n);
	/* ys is now sorted: its tie groups give n2 */
	for (i = 0; i < n; i = j) {
		double t;

		for (j = i + 1; j < n && ys[j] == ys[i]; j++)
			;
		t = (double)(j - i);
		n2 += t * (t - 1) / 2;
	}
	*S = n0 - n1 - n2 + n3 - 2 * inv;
	ps_free(p);
	ps_free(ys);
	ps_free(tmp);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Tie groups of x: sums of t(t-1), t(t-1)(t-2), t(t-1)(2t+5) over groups. */
static int ties(const double *x, size_t n, double *s1, double *s2, double *s3)
{
	double *t = ps_malloc(n * sizeof *t);
	size_t i, j;

	*s1 = *s2 = *s3 = 0;
	if (t == NULL)
		return -1;
	memcpy(t, x, n * sizeof *t);
	qsort(t, n, sizeof *t, cmp_double);
	for (i = 0; i < n; i = j) {
		double m;

		for (j = i + 1; j < n && t[j] == t[i]; j++)
			;
		m = (double)(j - i);
		if (m > 1) {
			*s1 += m * (m - 1);
			*s2 += m * (m - 1) * (m - 2);
			*s3 += m * (m - 1) * (2 * m + 5);
		}
	}
	ps_free(t);
	return 0;
}

/*
 * P(T <= q) for T the number of concordant pairs among n untied pairs
 * (R's pkendall) into *out: the Mahonian distribution, built one element
 * at a time as probabilities so nothing overflows. Returns 0, or -1 when
 * out of memory.
 */
static int pkendall(double q, size_t n, double *out)
{
	size_t max = n * (n - 1) / 2, m, j;
	double *p, *c, r = 0;

	if (q < 0) {
		*out = 0;
		return 0;
	}
	if (q >= (double)max) {
		*out = 1;
		return 0;
	}
	p = ps_calloc(max + 1, sizeof *p);
	c = ps_calloc(max + 2, sizeof *c);
	if (p == NULL || c == NULL) {
		ps_free(p);
		ps_free(c);
		return -1;
	}
	p[0] = 1;
	for (m = 2; m <= n; m++) {
		size_t top = m * (m - 1) / 2;

		/* c = prefix sums of the distribution for m-1 elements */
		c[0] = 0;
		for (j = 0; j <= top; j++)
			c[j + 1] = c[j] + (j <= (m - 1) * (m - 2) / 2 ? p[j] : 0);
		for (j = 0; j <= top; j++) {
			size_t lo = j + 1 >= m ? j + 1 - m : 0;

			p[j] = (c[j + 1] - c[lo]) / (double)m;
		}
	}
	for (j = 0; j <= (size_t)q; j++)
		r += p[j];
	ps_free(p);
	ps_free(c);
	*out = r > 1 ? 1 : r;
	return 0;
}

int promstat_meta_rank_test(const double *yi, const double *vi, size_t k,
			    const promstat_meta_options *opt, promstat_meta_rank *out,
			    promstat_error *err)
{
	double sw = 0, swy = 0, theta, vb, *ys = NULL;
	double S = 0, T0, tx1, tx2, tx3, ty1, ty2, ty3, tau;
	size_t i;
	int rc;

	(void)opt; /* ranktest uses the common-effect estimate whatever the model */
	if (out == NULL)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no place to store the results");
	out->tau = out->pval = NAN;
	out->reason[0] = '\0';
	if (yi == NULL || vi == NULL)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no studies given");
	rc = need_k(k, 3, "the rank correlation test", err);
	if (rc != PROMSTAT_OK)
		return rc;
	for (i = 0; i < k; i++)
		if (!isfinite(yi[i]) || !(vi[i] > 0) || !isfinite(vi[i]))
			return ps_error(err, PROMSTAT_EDATA, NULL, 0, 0,
					"study %zu has an effect size or variance that is not usable",
					i + 1);
	/* Begg & Mazumdar (1994): standardized deviates from the
	 * common-effect estimate, (y - theta)/sqrt(v - 1/sum w) */
	for (i = 0; i < k; i++) {
		sw += 1 / vi[i];
		swy += yi[i] / vi[i];
	}
	theta = swy / sw;
	vb = 1 / sw;
	ys = ps_malloc(k * sizeof *ys);
	if (ys == NULL)
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	for (i = 0; i < k; i++)
		ys[i] = (yi[i] - theta) / sqrt(vi[i] - vb);
	/* Kendall's tau-b between ys and vi, as cor.test(method = "kendall") */
	if (kendall_s(ys, vi, k, &S) != 0) {
		ps_free(ys);
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	}
	if (ties(ys, k, &tx1, &tx2, &tx3) != 0 || ties(vi, k, &ty1, &ty2, &ty3) != 0) {
		ps_free(ys);
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	}
	ps_free(ys);
	{
		double n = (double)k;

		T0 = n * (n - 1) / 2;
		/* tau-b is S / sqrt((T0 - x ties)(T0 - y ties)): 0/0 when either
		 * variable is one tie group (cor.test: "the standard deviation is
		 * zero", NA) */
		if (ty1 / 2 >= T0 || tx1 / 2 >= T0) {
			snprintf(out->reason, sizeof out->reason, "%s",
				 ty1 / 2 >= T0 ? "every study has the same sampling variance"
					       : "every study has the same standardized deviate "
						 "from the common-effect estimate");
			return PROMSTAT_OK;
		}
		tau = S / sqrt((T0 - tx1 / 2) * (T0 - ty1 / 2));
		out->tau = tau;
		if (tx1 == 0 && ty1 == 0 && k <= EXACT_KENDALL_MAX) {
			/* exact: q concordant pairs, two-sided as cor.test */
			double q = floor((tau + 1) * n * (n - 1) / 4 + 0.5), p;

			if (q > n * (n - 1) / 4) {
				if (pkendall(q - 1, k, &p) != 0)
					return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0,
							"out of memory");
				p = 1 - p;
			} else if (pkendall(q, k, &p) != 0) {
				return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
			}
			p *= 2;
			out->pval = p < 1 ? p : 1;
		} else {
			/* normal approximation with the tie-corrected variance of S */
			double v0 = n * (n - 1) * (2 * n + 5);
			double var = (v0 - tx3 - ty3) / 18 + tx1 * ty1 / (2 * n * (n - 1)) +
				     tx2 * ty2 / (9 * n * (n - 1) * (n - 2));

			out->pval = ps_meta_p_norm2(S / sqrt(var));
			if (isnan(out->pval))
				/* not reached with two non-constant variables (var > 0);
				 * said rather than printed as a number if it ever is */
				snprintf(out->reason, sizeof out->reason,
					 "the variance of Kendall's S is %g", var);
		}
	}
	return PROMSTAT_OK;
}

/* ------------------------------------------------------------------ */
/* Trim and fill (Duval & Tweedie 2000), as trimfill.rma.uni.            */
/* ------------------------------------------------------------------ */

const char *promstat_meta_side_name(int side)
{
	return side < 0 ? "left" : side > 0 ? "right" : "?";
}

typedef struct ord {
	double z, a; /* sort key, and |z - beta| for ranking */
	size_t i;    /* original position, breaks ties (stable) */
} ord;

static int cmp_ord_z(const void *pa, const void *pb)
{
	const ord *a = pa, *b = pb;

	if (a->z != b->z)
		return a->z < b->z ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

static int cmp_ord_a(const void *pa, const void *pb)
{
	const ord *a = pa, *b = pb;

	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	return (a->i > b->i) - (a->i < b->i);
}

int promstat_meta_trimfill_run(const double *yi, const double *vi, size_t k,
			       const promstat_meta_options *opt, promstat_meta_trimfill *out,
			       double *fill_yi, double *fill_vi, promstat_error *err)
{
	promstat_meta_options o1, odef;
	promstat_meta_summary fit, tfit;
	promstat_meta_coef coefs[2];
	promstat_meta_reg_summary rs;
	double *zs = NULL, *vs = NULL, *ya = NULL, *va = NULL, beta = 0;
	ord *o = NULL;
	size_t i, k0 = 0, k0sav;
	int side, iter = 0, rc;

	if (out == NULL)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no place to store the results");
	memset(out, 0, sizeof *out);
	rc = need_k(k, 3, "trim and fill", err);
	if (rc != PROMSTAT_OK)
		return rc;
	rc = need_distinct_vi(vi, k, err);
	if (rc != PROMSTAT_OK)
		return rc;
	rc = used_method(yi, vi, k, opt, &o1, &fit, err);
	if (rc != PROMSTAT_OK)
		return rc;
	/* trimfill calls rma.uni without the model's control: metafor's
	 * default threshold and iteration limit apply to its fits */
	odef = o1;
	odef.tol = METAFOR_THRESHOLD;
	odef.maxiter = METAFOR_MAXITER;

	/* side: the sign of the slope of the sei regression (as trimfill),
	 * missing studies on the left when the slope is positive */
	rc = sei_regression(yi, vi, k, &odef, coefs, &rs, err);
	if (rc != PROMSTAT_OK)
		return rc;
	side = coefs[1].estimate < 0 ? 1 : -1;

	o = ps_malloc(k * sizeof *o);
	zs = ps_malloc(k * sizeof *zs);
	vs = ps_malloc(k * sizeof *vs);
	ya = ps_malloc(2 * k * sizeof *ya);
	va = ps_malloc(2 * k * sizeof *va);
	if (o == NULL || zs == NULL || vs == NULL || ya == NULL || va == NULL) {
		rc = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
		goto done;
	}
	for (i = 0; i < k; i++) {
		o[i].z = side > 0 ? -yi[i] : yi[i];
		o[i].i = i;
	}
	qsort(o, k, sizeof *o, cmp_ord_z);
	for (i = 0; i < k; i++) {
		zs[i] = o[i].z;
		vs[i] = vi[o[i].i];
	}
	k0sav = (size_t)-1;
	while (k0 != k0sav) {
		double Sr = 0, kk = (double)k, est;

		k0sav = k0;
		if (++iter > METAFOR_MAXITER) {
			rc = ps_error(err, PROMSTAT_ENUMERIC, NULL, 0, 0,
				      "the trim and fill algorithm did not converge");
			goto done;
		}
		rc = ps_meta_fit_flags(zs, vs, k - k0, &odef, PS_META_NO_TAU2_CI, &tfit, NULL, err);
		if (rc != PROMSTAT_OK)
			goto done;
		beta = tfit.estimate;
		/* ranks of |z - beta|, ties by position (rank ties "first") */
		for (i = 0; i < k; i++) {
			o[i].z = zs[i] - beta;
			o[i].a = fabs(o[i].z);
			o[i].i = i;
		}
		qsort(o, k, sizeof *o, cmp_ord_a);
		for (i = 0; i < k; i++)
			if (o[i].z > 0)
				Sr += (double)(i + 1);
		/* the L0 estimator (Duval & Tweedie 2000, eq. 3) */
		est = (4 * Sr - kk * (kk + 1)) / (2 * kk - 1);
		est = floor(est + 0.5); /* never exactly x.5: 2k-1 is odd */
		k0 = est > 0 ? (size_t)est : 0;
		if (k0 >= k)
			k0 = k - 1;
	}
	out->k0 = k0;
	out->side = side;
	if (k0 == 0) {
		/* metafor returns the model itself */
		rc = ps_meta_fit_flags(yi, vi, k, &o1, 0, &out->filled, NULL, err);
		goto done;
	}
	memcpy(ya, yi, k * sizeof *ya);
	memcpy(va, vi, k * sizeof *va);
	for (i = 0; i < k0; i++) {
		/* mirror the k0 most extreme studies about the trimmed estimate */
		double zf = 2 * beta - zs[k - k0 + i];

		ya[k + i] = side > 0 ? -zf : zf;
		va[k + i] = vs[k - k0 + i];
		if (fill_yi != NULL)
			fill_yi[i] = ya[k + i];
		if (fill_vi != NULL)
			fill_vi[i] = va[k + i];
	}
	rc = ps_meta_fit_flags(ya, va, k + k0, &odef, 0, &out->filled, NULL, err);
done:
	ps_free(o);
	ps_free(zs);
	ps_free(vs);
	ps_free(ya);
	ps_free(va);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Leave-one-out.                                                        */
/* ------------------------------------------------------------------ */

/*
 * metafor's leave1out refits from scratch, k fits of O(k) each (of O(k^2)
 * there, with k x k matrices). Here the refits share what does not depend
 * on the omission's tau^2 and ML, REML and EB start from the full model's
 * (ps_meta_leave1out in meta.c).
 */
int promstat_meta_leave1out(const double *yi, const double *vi, size_t k,
			    const promstat_meta_options *opt, promstat_meta_l1o *out,
			    promstat_error *err)
{
	promstat_meta_options o1;
	promstat_meta_summary fit;
	int rc;

	if (out == NULL)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no place to store the results");
	rc = need_k(k, 2, "leave-one-out analysis", err);
	if (rc != PROMSTAT_OK)
		return rc;
	rc = used_method(yi, vi, k, opt, &o1, &fit, err);
	if (rc != PROMSTAT_OK)
		return rc;
	return ps_meta_leave1out(yi, vi, k, &o1, fit.tau2, out, err);
}
