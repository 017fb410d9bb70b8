/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Common- and random-effects models, heterogeneity, subgroups and
 * meta-regression, computing what metafor 3.8.1's rma.uni(), confint()
 * and predict() compute.
 *
 * metafor builds k x k matrices (W, P = W - W X (X'WX)^-1 X'W); every
 * quantity it takes from them is a sum over studies of p x p terms, so
 * here each evaluation at a given tau^2 is two passes over the data:
 *   y'Py   = sum w e^2                  (e = y - X b, the WLS residuals)
 *   y'PPy  = sum w^2 e^2
 *   tr P   = sum w - tr(A^-1 X'W^2X)                      (A = X'WX)
 *   tr PP  = sum w^2 - 2 tr(A^-1 X'W^3X) + tr(A^-1 B A^-1 B)  (B = X'W^2X)
 * which is O(k p^2) work and O(p^2) memory.
 */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>

#include "internal.h"

#ifndef M_PI /* not in strict C99 */
#define M_PI 3.14159265358979323846
#endif
#ifndef M_SQRT2
#define M_SQRT2 1.41421356237309504880
#endif

/* ------------------------------------------------------------------ */
/* Names and options.                                                   */
/* ------------------------------------------------------------------ */

static const char *const method_names[PROMSTAT_METHOD_COUNT] = {
	"EE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM"};

int promstat_meta_method_parse(const char *s, promstat_meta_method *out, promstat_error *err)
{
	long i = ps_name_index(s, method_names, PROMSTAT_METHOD_COUNT);

	if (s != NULL && strcmp(s, "FE") == 0)
		i = PROMSTAT_METHOD_EE;
	if (i >= 0 && out != NULL) {
		*out = (promstat_meta_method)i;
		return PROMSTAT_OK;
	}
	return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
			"unknown estimation method \"%s\": use one of EE (or FE), DL, HE, HS, SJ, "
			"ML, REML, EB, PM",
			s != NULL ? s : "");
}

const char *promstat_meta_method_name(promstat_meta_method m)
{
	if ((int)m < 0 || (int)m >= PROMSTAT_METHOD_COUNT)
		return "?";
	return method_names[m];
}

int promstat_meta_test_parse(const char *s, promstat_meta_test *out, promstat_error *err)
{
	if (s != NULL && out != NULL) {
		if (strcmp(s, "z") == 0) {
			*out = PROMSTAT_TEST_Z;
			return PROMSTAT_OK;
		}
		if (strcmp(s, "knha") == 0) {
			*out = PROMSTAT_TEST_KNHA;
			return PROMSTAT_OK;
		}
	}
	return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
			"unknown test \"%s\": use z or knha", s != NULL ? s : "");
}

const char *promstat_meta_test_name(promstat_meta_test t)
{
	switch (t) {
	case PROMSTAT_TEST_Z:
		return "z";
	case PROMSTAT_TEST_KNHA:
		return "knha";
	default:
		return "?";
	}
}

void promstat_meta_options_init(promstat_meta_options *o)
{
	if (o == NULL)
		return;
	memset(o, 0, sizeof *o);
	o->methods[0] = PROMSTAT_METHOD_REML;
	o->nmethods = 1;
	o->test = PROMSTAT_TEST_Z;
	o->level = 95;
	o->tol = 1e-10;
	o->root_tol = pow(DBL_EPSILON, 0.25);
	o->maxiter = 1000;
}

int promstat_meta_methods_parse(const char *list, promstat_meta_options *o, promstat_error *err)
{
	promstat_meta_method m[PROMSTAT_META_MAX_METHODS];
	size_t n = 0;
	const char *p, *q;
	char buf[16];

	if (list == NULL || o == NULL)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no estimation method given");
	p = list;
	for (;;) {
		size_t len;
		int rc;

		q = strchr(p, ',');
		len = q != NULL ? (size_t)(q - p) : strlen(p);
		if (len == 0)
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"empty item in the method list \"%s\"", list);
		if (n == PROMSTAT_META_MAX_METHODS)
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"the method list \"%s\" has more than %d items", list,
					PROMSTAT_META_MAX_METHODS);
		if (len >= sizeof buf)
			len = sizeof buf - 1; /* too long to be a code: still rejected */
		memcpy(buf, p, len);
		buf[len] = '\0';
		rc = promstat_meta_method_parse(buf, &m[n], err);
		if (rc != PROMSTAT_OK)
			return rc;
		n++;
		if (q == NULL)
			break;
		p = q + 1;
	}
	memcpy(o->methods, m, n * sizeof m[0]);
	o->nmethods = n;
	return PROMSTAT_OK;
}

int promstat_meta_options_check(const promstat_meta_options *o, promstat_error *err)
{
	size_t i;

	if (o == NULL)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no options given");
	if (o->nmethods < 1 || o->nmethods > PROMSTAT_META_MAX_METHODS)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"between 1 and %d estimation methods must be given",
				PROMSTAT_META_MAX_METHODS);
	for (i = 0; i < o->nmethods; i++)
		if ((int)o->methods[i] < 0 || (int)o->methods[i] >= PROMSTAT_METHOD_COUNT)
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "unknown estimation method");
	if (o->test != PROMSTAT_TEST_Z && o->test != PROMSTAT_TEST_KNHA)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "unknown test");
	if (!(o->level > 0 && o->level < 100))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"the confidence level must be between 0 and 100 (percent)");
	if (!(o->tol > 0) || !isfinite(o->tol) || !(o->root_tol > 0) || !isfinite(o->root_tol))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"convergence tolerances must be positive numbers");
	if (o->maxiter < 1)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"the iteration limit must be at least 1");
	return PROMSTAT_OK;
}

/* ------------------------------------------------------------------ */
/* Distributions. GSL's handler is switched off around each call so     */
/* that an underflow deep in a tail gives a number, never an abort.     */
/* ------------------------------------------------------------------ */

double ps_meta_p_norm2(double z)
{
	if (isnan(z))
		return NAN;
	return erfc(fabs(z) / M_SQRT2);
}

static double p_t2(double t, double df)
{
	gsl_error_handler_t *old;
	double p;

	if (isnan(t) || !(df > 0))
		return NAN;
	old = gsl_set_error_handler_off();
	p = 2 * gsl_cdf_tdist_Q(fabs(t), df);
	gsl_set_error_handler(old);
	return p > 1 ? 1 : p;
}

static double p_chisq(double x, double df)
{
	gsl_error_handler_t *old;
	double p;

	if (isnan(x) || !(df > 0))
		return NAN;
	if (x <= 0)
		return 1;
	old = gsl_set_error_handler_off();
	p = gsl_cdf_chisq_Q(x, df);
	gsl_set_error_handler(old);
	return p;
}

static double p_f(double f, double df1, double df2)
{
	gsl_error_handler_t *old;
	double p;

	if (isnan(f) || !(df1 > 0) || !(df2 > 0))
		return NAN;
	if (f <= 0)
		return 1;
	old = gsl_set_error_handler_off();
	p = gsl_cdf_fdist_Q(f, df1, df2);
	gsl_set_error_handler(old);
	return p;
}

/* Upper a-quantile of the normal (a = (1 - level)/2 for intervals). */
static double q_norm_upper(double a)
{
	gsl_error_handler_t *old;
	double q;

	old = gsl_set_error_handler_off();
	q = gsl_cdf_ugaussian_Qinv(a);
	gsl_set_error_handler(old);
	return q;
}

static double q_t_upper(double a, double df)
{
	gsl_error_handler_t *old;
	double q;

	if (!(df > 0))
		return NAN;
	old = gsl_set_error_handler_off();
	q = gsl_cdf_tdist_Qinv(a, df);
	gsl_set_error_handler(old);
	return q;
}

static double q_chisq(double a, double df, int upper)
{
	gsl_error_handler_t *old;
	double q;

	if (!(df > 0))
		return NAN;
	old = gsl_set_error_handler_off();
	q = upper ? gsl_cdf_chisq_Qinv(a, df) : gsl_cdf_chisq_Pinv(a, df);
	gsl_set_error_handler(old);
	return q;
}

/* ------------------------------------------------------------------ */
/* Brent's zeroin as R's uniroot() runs it (R_zeroin2, after the netlib  */
/* zeroin.c of Brent 1973, ch. 4). metafor's Paule-Mandel estimator and  */
/* Q-profile interval stop it at uniroot's tolerance, so its exact      */
/* sequence of steps is part of the numbers metafor reports.             */
/* ------------------------------------------------------------------ */

typedef double (*root_fn)(double x, void *ctx);

static double zeroin(double ax, double bx, double fa, double fb, root_fn f, void *ctx, double tol,
		     int maxit, int *ok)
{
	double a = ax, b = bx, c = a, fc = fa;

	*ok = 1;
	if (fa == 0)
		return a;
	if (fb == 0)
		return b;
	maxit += 1;
	while (maxit--) {
		double prev_step = b - a;
		double tol_act, p, q, new_step;

		if (fabs(fc) < fabs(fb)) {
			a = b;
			b = c;
			c = a;
			fa = fb;
			fb = fc;
			fc = fa;
		}
		tol_act = 2 * DBL_EPSILON * fabs(b) + tol / 2;
		new_step = (c - b) / 2;
		if (fabs(new_step) <= tol_act || fb == 0)
			return b;
		if (fabs(prev_step) >= tol_act && fabs(fa) > fabs(fb)) {
			double t1, cb, t2;

			cb = c - b;
			if (a == c) {
				/* two distinct points: secant */
				t1 = fb / fa;
				p = cb * t1;
				q = 1.0 - t1;
			} else {
				/* inverse quadratic interpolation */
				q = fa / fc;
				t1 = fb / fc;
				t2 = fb / fa;
				p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0));
				q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0);
			}
			if (p > 0)
				q = -q;
			else
				p = -p;
			if (p < (0.75 * cb * q - fabs(tol_act * q) / 2) &&
			    p < fabs(prev_step * q / 2))
				new_step = p / q;
		}
		if (fabs(new_step) < tol_act)
			new_step = new_step > 0 ? tol_act : -tol_act;
		a = b;
		fa = fb;
		b += new_step;
		fb = f(b, ctx);
		if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
			c = a;
			fc = fa;
		}
	}
	*ok = 0; /* uniroot warns and returns the last approximation */
	return b;
}

/* ------------------------------------------------------------------ */
/* Weighted least squares at a given tau^2.                             */
/* ------------------------------------------------------------------ */

enum {
	WLS_TRP = 1,	    /* tr P */
	WLS_TRPP = 2,	    /* tr PP (implies tr P) */
	WLS_UNWEIGHTED = 4, /* w = 1, and D = X'VX for tr(PV) (Hedges) */
	WLS_LOGDET = 8	    /* log det(X'WX) */
};

typedef struct wls {
	size_t p;
	double *A, *Ainv, *c, *beta, *B, *C, *T; /* p*p, p*p, p, p, p*p, p*p, p*p */
	double sw, sw2, sw3, sv;
	double rss;  /* y'Py = sum w e^2 */
	double rss2; /* y'PPy = sum w^2 e^2 */
	double trP, trPP, trPV, logdet;
	int fail;   /* why wls_eval last returned -1: WLS_FAIL_* */
	size_t bad; /* with WLS_FAIL_WEIGHT: the study, or k for an overflowing sum */
} wls;

enum { WLS_FAIL_NONE, WLS_FAIL_WEIGHT, WLS_FAIL_SINGULAR };

static int wls_alloc(wls *s, size_t p)
{
	double *mem;

	memset(s, 0, sizeof *s);
	if (p == 0 || p > PS_META_MAX_P)
		return -1;
	mem = ps_calloc(5 * p * p + 2 * p, sizeof *mem);
	if (mem == NULL)
		return -1;
	s->p = p;
	s->A = mem;
	s->Ainv = s->A + p * p;
	s->B = s->Ainv + p * p;
	s->C = s->B + p * p;
	s->T = s->C + p * p;
	s->c = s->T + p * p;
	s->beta = s->c + p;
	return 0;
}

static void wls_free(wls *s)
{
	if (s != NULL)
		ps_free(s->A);
}

/*
 * Inverts the symmetric p x p matrix A into Ainv through its Cholesky
 * factor (in T); *logdet receives log det A. Returns -1 when A is not
 * positive definite (to working precision).
 */
static int chol_inverse(const double *A, double *Ainv, double *T, size_t p, double *logdet)
{
	size_t i, j, l;
	double ld = 0, maxd = 0;

	for (i = 0; i < p; i++)
		if (A[i * p + i] > maxd)
			maxd = A[i * p + i];
	if (!(maxd > 0) || !isfinite(maxd))
		return -1;
	/* T = L, lower triangular, A = L L' */
	for (j = 0; j < p; j++) {
		double d = A[j * p + j];

		for (l = 0; l < j; l++)
			d -= T[j * p + l] * T[j * p + l];
		if (!(d > 1e-13 * maxd))
			return -1;
		d = sqrt(d);
		T[j * p + j] = d;
		ld += 2 * log(d);
		for (i = j + 1; i < p; i++) {
			double s = A[i * p + j];

			for (l = 0; l < j; l++)
				s -= T[i * p + l] * T[j * p + l];
			T[i * p + j] = s / d;
		}
		for (i = 0; i < j; i++)
			T[i * p + j] = 0;
	}
	/* Ainv = L'^-1 L^-1: invert L in place (lower), then multiply */
	for (j = 0; j < p; j++) {
		T[j * p + j] = 1 / T[j * p + j];
		for (i = j + 1; i < p; i++) {
			double s = 0;

			for (l = j; l < i; l++)
				s -= T[i * p + l] * T[l * p + j];
			T[i * p + j] = s / T[i * p + i];
		}
	}
	for (i = 0; i < p; i++)
		for (j = 0; j <= i; j++) {
			double s = 0;

			for (l = i; l < p; l++)
				s += T[l * p + i] * T[l * p + j];
			Ainv[i * p + j] = Ainv[j * p + i] = s;
		}
	*logdet = ld;
	return 0;
}

/* tr(M N) for symmetric p x p matrices */
static double tr_prod(const double *M, const double *N, size_t p)
{
	double s = 0;
	size_t i;

	for (i = 0; i < p * p; i++)
		s += M[i] * N[i];
	return s;
}

/*
 * tr P and tr PP of the intercept-only model at tau2, where
 * P = W - w w'/S (S = sum w). The trace identities used for general X,
 * tr P = S - sum w^2/S and tr PP = sum w^2 - 2 sum w^3/S + (sum w^2/S)^2,
 * cancel catastrophically when one weight holds nearly all of S (sampling
 * variances spanning many orders of magnitude): the REML step at tau2 = 0
 * then comes out with no correct digit. metafor forms P element by element;
 * here with u = w/S the same traces are sums of positive terms,
 *   tr P  = 2 S sum_{i<j} u_i u_j,
 *   tr PP = S^2 (sum_i u_i^2 (1 - u_i)^2 + 2 sum_{i<j} u_i^2 u_j^2),
 * with 1 - u_i = S_{-i}/S summed directly for the largest weight (only one
 * weight can exceed S/2; for the others S - w_i loses nothing).
 */
static void intercept_traces(const double *v, size_t k, double tau2, double *trP, double *trPP)
{
	size_t i, imax = 0;
	double wmax = 0, rest = 0, S, pre = 0, pre2 = 0, c1 = 0, c2 = 0, d = 0;

	for (i = 0; i < k; i++) {
		double w = 1 / (v[i] + tau2);

		if (w > wmax) {
			wmax = w;
			imax = i;
		}
	}
	for (i = 0; i < k; i++)
		if (i != imax)
			rest += 1 / (v[i] + tau2);
	S = wmax + rest;
	for (i = 0; i < k; i++) {
		double u = 1 / (v[i] + tau2) / S;
		double r = i == imax ? rest / S : 1 - u;

		c1 += u * pre;
		c2 += u * u * pre2;
		d += u * u * r * r;
		pre += u;
		pre2 += u * u;
	}
	*trP = 2 * S * c1;
	*trPP = S * S * (d + 2 * c2);
}

/*
 * Evaluates the WLS fit at tau2 (w = 1/(v + tau2), or w = 1 with
 * WLS_UNWEIGHTED): b, y'Py, y'PPy and, on request, tr P, tr PP, tr PV,
 * log det X'WX. X is k x p row-major or NULL for the intercept alone.
 * Returns -1 when X'WX is singular or a weight is not finite.
 */
static int wls_eval(const double *y, const double *v, const double *X, size_t k, double tau2,
		    unsigned what, wls *s)
{
	size_t p = s->p, i, a, b;
	double sw = 0, sw2 = 0, sw3 = 0, sv = 0, rss = 0, rss2 = 0;
	double logdet;

	if (what & WLS_TRPP)
		what |= WLS_TRP;
	s->fail = WLS_FAIL_NONE;
	memset(s->A, 0, 5 * p * p * sizeof(double));
	memset(s->c, 0, p * sizeof(double));
	for (i = 0; i < k; i++) {
		double w = (what & WLS_UNWEIGHTED) ? 1 : 1 / (v[i] + tau2);
		double w2 = w * w;

		if (!isfinite(w) || !(w > 0)) {
			s->fail = WLS_FAIL_WEIGHT;
			s->bad = i;
			return -1;
		}
		sw += w;
		sw2 += w2;
		sw3 += w2 * w;
		sv += v[i];
		if (X == NULL) {
			s->A[0] += w;
			s->c[0] += w * y[i];
			s->B[0] += w2;
			s->C[0] += (what & WLS_UNWEIGHTED) ? v[i] : w2 * w;
		} else {
			const double *x = X + i * p;
			double cw = (what & WLS_UNWEIGHTED) ? v[i] : w2 * w;

			for (a = 0; a < p; a++) {
				double xa = x[a];

				s->c[a] += w * xa * y[i];
				for (b = 0; b <= a; b++) {
					double xab = xa * x[b];

					s->A[a * p + b] += w * xab;
					if (what & (WLS_TRP | WLS_UNWEIGHTED)) {
						s->B[a * p + b] += w2 * xab;
						s->C[a * p + b] += cw * xab;
					}
				}
			}
		}
	}
	if (X != NULL)
		for (a = 0; a < p; a++)
			for (b = 0; b < a; b++) {
				s->A[b * p + a] = s->A[a * p + b];
				s->B[b * p + a] = s->B[a * p + b];
				s->C[b * p + a] = s->C[a * p + b];
			}
	if (!isfinite(sw)) {
		/* every weight finite, their sum not: nothing is collinear */
		s->fail = WLS_FAIL_WEIGHT;
		s->bad = k;
		return -1;
	}
	if (p == 1) {
		if (!(s->A[0] > 0) || !isfinite(s->A[0])) {
			s->fail = WLS_FAIL_WEIGHT;
			s->bad = k;
			return -1;
		}
		s->Ainv[0] = 1 / s->A[0];
		logdet = log(s->A[0]);
	} else {
		for (a = 0; a < p; a++)
			if (!isfinite(s->A[a * p + a])) {
				/* huge moderator values times the weights */
				s->fail = WLS_FAIL_WEIGHT;
				s->bad = k;
				return -1;
			}
		if (chol_inverse(s->A, s->Ainv, s->T, p, &logdet) != 0) {
			s->fail = WLS_FAIL_SINGULAR;
			return -1;
		}
	}
	for (a = 0; a < p; a++) {
		double t = 0;

		for (b = 0; b < p; b++)
			t += s->Ainv[a * p + b] * s->c[b];
		s->beta[a] = t;
	}
	for (i = 0; i < k; i++) {
		double w = (what & WLS_UNWEIGHTED) ? 1 : 1 / (v[i] + tau2);
		double e = y[i];

		if (X == NULL) {
			e -= s->beta[0];
		} else {
			for (a = 0; a < p; a++)
				e -= X[i * p + a] * s->beta[a];
		}
		rss += w * e * e;
		rss2 += w * w * e * e;
	}
	s->sw = sw;
	s->sw2 = sw2;
	s->sw3 = sw3;
	s->sv = sv;
	s->rss = rss;
	s->rss2 = rss2;
	s->logdet = logdet;
	s->trP = s->trPP = s->trPV = NAN;
	if (what & WLS_UNWEIGHTED) {
		/* P = I - X(X'X)^-1X': tr PV = sum v - tr((X'X)^-1 X'VX) */
		s->trPV = sv - tr_prod(s->Ainv, s->C, p);
	} else if ((what & WLS_TRP) && X == NULL) {
		intercept_traces(v, k, tau2, &s->trP, &s->trPP);
		if (!(what & WLS_TRPP))
			s->trPP = NAN;
	} else if (what & WLS_TRP) {
		double tAB = tr_prod(s->Ainv, s->B, p);

		s->trP = sw - tAB;
		if (what & WLS_TRPP) {
			double tAC = tr_prod(s->Ainv, s->C, p);
			double tABAB;

			if (p == 1) {
				tABAB = tAB * tAB;
			} else {
				/* T = Ainv B; tr(T T) */
				for (a = 0; a < p; a++)
					for (b = 0; b < p; b++) {
						double t = 0;
						size_t l;

						for (l = 0; l < p; l++)
							t += s->Ainv[a * p + l] * s->B[l * p + b];
						s->T[a * p + b] = t;
					}
				tABAB = 0;
				for (a = 0; a < p; a++)
					for (b = 0; b < p; b++)
						tABAB += s->T[a * p + b] * s->T[b * p + a];
			}
			s->trPP = sw2 - 2 * tAC + tABAB;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* tau^2 estimators (rma.uni's estimation block).                        */
/* ------------------------------------------------------------------ */

typedef struct model_in {
	const double *y, *v, *X;
	size_t k, p;
	const promstat_meta_options *opt;
} model_in;

typedef struct est_out {
	double tau2, tau2_se;
	int converged, iterations;
	char reason[PROMSTAT_META_REASON_MAX];
} est_out;

typedef struct qe_ctx {
	const model_in *in;
	wls *s;
	double objective;
	int failed;
} qe_ctx;

/* metafor's .QE.func: the generalized Q at tau2 minus an objective. */
static double qe_func(double tau2, void *vctx)
{
	qe_ctx *q = vctx;

	if (wls_eval(q->in->y, q->in->v, q->in->X, q->in->k, tau2, 0, q->s) != 0) {
		q->failed = 1;
		return NAN;
	}
	return q->s->rss - q->objective;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* R's median of n values (mean of the two middle ones for even n). */
static double median_sorted(const double *s, size_t n)
{
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* R's mad(): 1.4826 * median |y - median(y)| into *r. Returns 0, or -1
 * when out of memory (a status, so no NaN is ever read as one). */
static int mad(const double *y, size_t k, double *r)
{
	double *t, med;
	size_t i;

	t = ps_malloc(k * sizeof *t);
	if (t == NULL)
		return -1;
	memcpy(t, y, k * sizeof *t);
	qsort(t, k, sizeof *t, cmp_double);
	med = median_sorted(t, k);
	for (i = 0; i < k; i++)
		t[i] = fabs(y[i] - med);
	qsort(t, k, sizeof *t, cmp_double);
	*r = 1.4826 * median_sorted(t, k);
	ps_free(t);
	return 0;
}

/* Log-likelihood (ML or REML) at tau2 for metafor's ll0check. */
static int loglik(const model_in *in, wls *s, double tau2, int reml, double *ll)
{
	size_t i;
	double slog = 0;
	double n = reml ? (double)(in->k - in->p) : (double)in->k;

	if (wls_eval(in->y, in->v, in->X, in->k, tau2, WLS_LOGDET, s) != 0)
		return -1;
	for (i = 0; i < in->k; i++)
		slog += log(in->v[i] + tau2);
	*ll = -0.5 * n * log(2 * M_PI) - 0.5 * slog - 0.5 * s->rss;
	if (reml)
		*ll -= 0.5 * s->logdet;
	return 0;
}

#define NOTCONV(o, ...) snprintf((o)->reason, sizeof (o)->reason, __VA_ARGS__)

/*
 * Estimates tau^2 with one method as rma.uni does. Returns 0, or -1 when
 * the weighted fit is singular (X'WX not invertible). Non-convergence is
 * reported in out->converged/reason with a return of 0.
 */
static int estimate_tau2(const model_in *in, promstat_meta_method method, wls *s, est_out *out)
{
	const double *y = in->y, *v = in->v, *X = in->X;
	size_t k = in->k, p = in->p, i;
	double kp = (double)(k - p);
	double tau2 = 0;

	out->tau2 = 0;
	out->tau2_se = NAN;
	out->converged = 1;
	out->iterations = 0;
	out->reason[0] = '\0';
	if (k == 1 || method == PROMSTAT_METHOD_EE)
		return 0;
	switch (method) {
	case PROMSTAT_METHOD_HS:
		/* Hunter & Schmidt: (Q - k) / sum w */
		if (wls_eval(y, v, X, k, 0, WLS_TRPP, s) != 0)
			return -1;
		tau2 = (s->rss - (double)k) / s->sw;
		tau2 = tau2 > 0 ? tau2 : 0;
		out->tau2_se = sqrt(1 / (s->sw * s->sw) *
				    (2 * kp + 4 * tau2 * s->trP + 2 * tau2 * tau2 * s->trPP));
		break;
	case PROMSTAT_METHOD_DL:
		/* DerSimonian & Laird: (Q - (k-p)) / tr P */
		if (wls_eval(y, v, X, k, 0, WLS_TRPP, s) != 0)
			return -1;
		tau2 = (s->rss - kp) / s->trP;
		tau2 = tau2 > 0 ? tau2 : 0;
		out->tau2_se = sqrt(1 / (s->trP * s->trP) *
				    (2 * kp + 4 * tau2 * s->trP + 2 * tau2 * tau2 * s->trPP));
		break;
	case PROMSTAT_METHOD_HE:
		/* Hedges: (RSS_OLS - tr PV) / (k-p) */
		if (wls_eval(y, v, X, k, 0, WLS_UNWEIGHTED, s) != 0)
			return -1;
		tau2 = (s->rss - s->trPV) / kp;
		tau2 = tau2 > 0 ? tau2 : 0;
		break;
	case PROMSTAT_METHOD_SJ: {
		/* Sidik & Jonkman: tau0 = mean squared deviation of y,
		 * tau2 = tau0 * y'P(tau0)y / (k-p) */
		double mean = 0, t0 = 0;

		for (i = 0; i < k; i++)
			mean += y[i];
		mean /= (double)k;
		for (i = 0; i < k; i++)
			t0 += (y[i] - mean) * (y[i] - mean);
		t0 /= (double)k;
		if (wls_eval(y, v, X, k, t0, 0, s) != 0)
			return -1;
		tau2 = t0 * s->rss / kp;
		tau2 = tau2 > 0 ? tau2 : 0;
		break;
	}
	case PROMSTAT_METHOD_PM: {
		/* Paule & Mandel: the tau2 where the generalized Q equals k-p,
		 * searched in [0, max(100, 10 mad(y)^2)] with uniroot. */
		qe_ctx q = {in, s, kp, 0};
		double md, hi = 100, f0, f1;
		int ok;

		if (mad(y, k, &md) != 0)
			return -2;
		if (10 * md * md > hi)
			hi = 10 * md * md;
		f0 = qe_func(0, &q);
		if (q.failed)
			return -1;
		if (f0 < 0) {
			tau2 = 0;
		} else {
			f1 = qe_func(hi, &q);
			if (q.failed)
				return -1;
			if (f1 > 0) {
				out->converged = 0;
				NOTCONV(out, "the Paule-Mandel estimate of tau^2 is above the search "
					     "limit %g",
					hi);
				return 0;
			}
			tau2 = zeroin(0, hi, f0, f1, qe_func, &q, in->opt->root_tol,
				      in->opt->maxiter, &ok);
			if (q.failed)
				return -1;
			(void)ok; /* uniroot only warns when it runs out of steps */
		}
		tau2 = tau2 > 0 ? tau2 : 0;
		if (wls_eval(y, v, X, k, tau2, 0, s) != 0)
			return -1;
		out->tau2_se = sqrt(2.0 * (double)k * (double)k / kp / (s->sw * s->sw));
		break;
	}
	case PROMSTAT_METHOD_ML:
	case PROMSTAT_METHOD_REML:
	case PROMSTAT_METHOD_EB: {
		/* Fisher scoring from the Hedges estimate, halving a step that
		 * would make tau2 negative (rma.uni). */
		double change, old;
		int iter = 0;

		if (wls_eval(y, v, X, k, 0, WLS_UNWEIGHTED, s) != 0)
			return -1;
		tau2 = (s->rss - s->trPV) / kp;
		if (!(tau2 > 0))
			tau2 = 0;
		change = in->opt->tol + 1;
		while (change > in->opt->tol) {
			double adj = NAN;
			int halvings = 0;

			iter++;
			old = tau2;
			if (wls_eval(y, v, X, k, tau2,
				     method == PROMSTAT_METHOD_REML ? WLS_TRPP : 0, s) != 0)
				return -1;
			if (method == PROMSTAT_METHOD_ML)
				adj = (s->rss2 - s->sw) / s->sw2;
			else if (method == PROMSTAT_METHOD_REML)
				adj = (s->rss2 - s->trP) / s->trPP;
			else
				adj = (s->rss * (double)k / kp - (double)k) / s->sw;
			if (isnan(adj))
				adj = 0;
			while (tau2 + adj < 0 && halvings < 2000) {
				adj /= 2;
				halvings++;
			}
			if (tau2 + adj < 0)
				adj = -tau2;
			tau2 += adj;
			change = fabs(old - tau2);
			if (!isfinite(tau2)) {
				out->converged = 0;
				out->iterations = iter;
				NOTCONV(out, "the Fisher scoring algorithm for %s diverged",
					promstat_meta_method_name(method));
				return 0;
			}
			if (iter > in->opt->maxiter) {
				out->converged = 0;
				out->iterations = iter;
				NOTCONV(out,
					"the Fisher scoring algorithm for %s did not converge in %d "
					"iterations",
					promstat_meta_method_name(method), in->opt->maxiter);
				return 0;
			}
		}
		out->iterations = iter;
		if (method != PROMSTAT_METHOD_EB) {
			/* ll0check: a local maximum below the likelihood at tau2 = 0 */
			int reml = method == PROMSTAT_METHOD_REML;
			double ll0, ll;

			if (loglik(in, s, 0, reml, &ll0) != 0 || loglik(in, s, tau2, reml, &ll) != 0)
				return -1;
			if (ll0 - ll > in->opt->root_tol && tau2 > in->opt->tol)
				tau2 = 0;
		}
		if (wls_eval(y, v, X, k, tau2, WLS_TRPP, s) != 0)
			return -1;
		if (method == PROMSTAT_METHOD_ML)
			out->tau2_se = sqrt(2 / s->sw2);
		else if (method == PROMSTAT_METHOD_REML)
			out->tau2_se = sqrt(2 / s->trPP);
		else
			out->tau2_se = sqrt(2.0 * (double)k * (double)k / kp / (s->sw * s->sw));
		break;
	}
	default:
		break;
	}
	out->tau2 = tau2;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The fitted model at its tau^2.                                        */
/* ------------------------------------------------------------------ */

typedef struct model_out {
	promstat_meta_method method;
	est_out est;
	double *beta, *vb; /* p, p*p (caller storage) */
	double s2w;	   /* Knapp-Hartung scale, 1 under z */
	double df;	   /* k-p under knha, NaN under z */
	double crit;
	double QE, QE_df, QE_pval, vt, I2, H2, trP0;
} model_out;

/*
 * Puts the true reason for a failed weighted fit (wls_eval returned -1)
 * into err as PROMSTAT_EDATA: a weight that is not a finite positive
 * number, weighted sums that overflow, or a singular X'WX. Only the last
 * is collinearity, and only with moderators.
 */
static int wls_error(const model_in *in, const wls *s, promstat_error *err)
{
	if (s->fail == WLS_FAIL_WEIGHT && s->bad < in->k)
		return ps_error(err, PROMSTAT_EDATA, NULL, 0, 0,
				"the model cannot be fitted: the weight 1/(vi + tau^2) of study %zu "
				"(vi = %g) is not a finite positive number",
				s->bad + 1, in->v[s->bad]);
	if (s->fail == WLS_FAIL_SINGULAR && in->p > 1)
		return ps_error(err, PROMSTAT_EDATA, NULL, 0, 0,
				"the model cannot be fitted: the moderators are collinear");
	return ps_error(err, PROMSTAT_EDATA, NULL, 0, 0,
			"the model cannot be fitted: the weighted sums overflow (%s)",
			in->p > 1 ? "sampling variances too small or moderator values too "
				    "large to be weighted"
				  : "sampling variances too small to be weighted");
}

/* Fits with the first method of the list that converges. */
static int fit_model(const model_in *in, wls *s, model_out *mo, promstat_error *err)
{
	const promstat_meta_options *opt = in->opt;
	size_t m, k = in->k, p = in->p, a, b;
	double kp = (double)(k - p);
	double alpha = (1 - opt->level / 100) / 2;
	char notes[PROMSTAT_META_REASON_MAX] = "";
	int rc;

	mo->est.converged = 0;
	for (m = 0; m < opt->nmethods; m++) {
		mo->method = opt->methods[m];
		rc = estimate_tau2(in, mo->method, s, &mo->est);
		if (rc == -2)
			return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
		if (rc != 0)
			return wls_error(in, s, err);
		if (mo->est.converged)
			break;
		if (notes[0] == '\0')
			snprintf(notes, sizeof notes, "%s", mo->est.reason);
	}
	if (!mo->est.converged) {
		if (opt->nmethods > 1)
			snprintf(mo->est.reason, sizeof mo->est.reason,
				 "no estimation method of the list converged (%s)", notes);
		return ps_error(err, PROMSTAT_ENUMERIC, NULL, 0, 0, "%s", mo->est.reason);
	}
	if (m > 0)
		snprintf(mo->est.reason, sizeof mo->est.reason, "%s; used %s", notes,
			 promstat_meta_method_name(mo->method));
	if (mo->method == PROMSTAT_METHOD_EE)
		mo->est.tau2 = 0;

	if (wls_eval(in->y, in->v, in->X, k, mo->est.tau2, 0, s) != 0)
		return wls_error(in, s, err);
	for (a = 0; a < p; a++) {
		mo->beta[a] = s->beta[a];
		for (b = 0; b < p; b++)
			mo->vb[a * p + b] = s->Ainv[a * p + b];
	}
	mo->s2w = 1;
	mo->df = NAN;
	if (opt->test == PROMSTAT_TEST_KNHA && k > p) {
		/* Knapp & Hartung (2003): scale vb by y'Py/(k-p); metafor sets
		 * the scale to 0 when y'Py is 0 to machine precision */
		mo->s2w = s->rss <= DBL_EPSILON ? 0 : s->rss / kp;
		for (a = 0; a < p * p; a++)
			mo->vb[a] *= mo->s2w;
		mo->df = kp;
		mo->crit = q_t_upper(alpha, kp);
	} else {
		mo->crit = q_norm_upper(alpha);
	}

	/* heterogeneity: Q with EE weights, vt = (k-p)/tr P (metafor i2def 1) */
	if (k > p) {
		if (wls_eval(in->y, in->v, in->X, k, 0, WLS_TRP, s) != 0)
			return wls_error(in, s, err);
		mo->QE = s->rss > 0 ? s->rss : 0;
		mo->QE_df = kp;
		mo->QE_pval = p_chisq(mo->QE, kp);
		mo->trP0 = s->trP;
		mo->vt = kp / s->trP;
		if (mo->method == PROMSTAT_METHOD_EE) {
			/* the ratio first: fl(a / b) <= 1 when a <= b, so I^2
			 * never rounds above 100 (100 * a / b may, by an ulp) */
			double i2 = 100 * ((mo->QE - kp) / mo->QE);

			mo->I2 = isnan(i2) ? NAN : (i2 > 0 ? i2 : 0);
			mo->H2 = mo->QE / kp;
		} else {
			mo->I2 = 100 * (mo->est.tau2 / (mo->vt + mo->est.tau2));
			mo->H2 = mo->est.tau2 / mo->vt + 1;
		}
	} else {
		mo->QE = 0;
		mo->QE_df = 0;
		mo->QE_pval = 1;
		mo->I2 = 0;
		mo->H2 = 1;
		mo->vt = 0;
		mo->trP0 = NAN;
	}
	return PROMSTAT_OK;
}

static int check_data(const double *yi, const double *vi, size_t k, promstat_error *err)
{
	size_t i;

	if (yi == NULL || vi == NULL)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no studies given");
	if (k == 0)
		return ps_error(err, PROMSTAT_EDATA, NULL, 0, 0, "there are no studies to pool");
	for (i = 0; i < k; i++) {
		if (!isfinite(yi[i]) || !isfinite(vi[i]))
			return ps_error(err, PROMSTAT_EDATA, NULL, 0, 0,
					"study %zu has an effect size or variance that is not a "
					"finite number",
					i + 1);
		if (!(vi[i] > 0))
			return ps_error(err, PROMSTAT_EDATA, NULL, 0, 0,
					"study %zu has a sampling variance that is not positive",
					i + 1);
		/* every model weighs by 1/vi at tau^2 = 0 (Q, I^2, the EE fit):
		 * a subnormal vi makes that weight infinite (metafor: "Division by
		 * zero when computing the inverse variance weights") */
		if (!isfinite(1 / vi[i]))
			return ps_error(err, PROMSTAT_EDATA, NULL, 0, 0,
					"study %zu has a sampling variance (%g) so small that its "
					"weight 1/vi is infinite: the model cannot be fitted",
					i + 1, vi[i]);
	}
	return PROMSTAT_OK;
}

static void summary_undef(promstat_meta_summary *out, size_t k, const promstat_meta_options *opt)
{
	memset(out, 0, sizeof *out);
	out->k = k;
	out->method = opt->methods[0];
	out->test = opt->test;
	out->converged = 0;
	out->estimate = out->se = out->stat = out->df = out->pval = NAN;
	out->ci_lb = out->ci_ub = out->tau2 = out->tau = out->tau2_se = NAN;
	out->tau2_ci_lb = out->tau2_ci_ub = out->I2 = out->H2 = NAN;
	out->Q = out->Q_df = out->Q_pval = out->pi_lb = out->pi_ub = NAN;
}

/*
 * Q-profile interval for tau^2 (Viechtbauer 2007) as confint.rma.uni:
 * search [0, max(100, 10 tau2)] with uniroot at its default tolerance;
 * an end of the interval that lies outside the search range is reported
 * as the range's end (0, or the upper limit: 100 for most data sets).
 */
static void tau2_qprofile(const model_in *in, wls *s, double tau2, double *lb, double *ub)
{
	const promstat_meta_options *opt = in->opt;
	double kp = (double)(in->k - in->p);
	double alpha = (1 - opt->level / 100) / 2;
	double tmin = 0, tmax = 100, crit_u, crit_l, qmax, qmin;
	qe_ctx q = {in, s, 0, 0};
	int ok;

	*lb = *ub = NAN;
	if (10 * tau2 > tmax)
		tmax = 10 * tau2;
	crit_u = q_chisq(alpha, kp, 1);
	crit_l = q_chisq(alpha, kp, 0);
	qmax = qe_func(tmax, &q);
	qmin = qe_func(tmin, &q);
	if (q.failed || isnan(crit_u) || isnan(crit_l))
		return;
	if (qmin < crit_l) {
		*lb = *ub = tmin;
	} else if (qmax > crit_l) {
		*ub = tmax;
	} else {
		q.objective = crit_l;
		*ub = zeroin(tmin, tmax, qmin - crit_l, qmax - crit_l, qe_func, &q, opt->root_tol,
			     1000, &ok);
		if (q.failed)
			*ub = NAN;
	}
	if (qmax > crit_u) {
		*lb = *ub = tmax;
	} else if (qmin < crit_u) {
		*lb = tmin;
	} else {
		q.objective = crit_u;
		q.failed = 0;
		*lb = zeroin(tmin, tmax, qmin - crit_u, qmax - crit_u, qe_func, &q, opt->root_tol,
			     1000, &ok);
		if (q.failed)
			*lb = NAN;
	}
}

int ps_meta_fit_flags(const double *yi, const double *vi, size_t k,
		      const promstat_meta_options *opt, unsigned flags,
		      promstat_meta_summary *out, double *weights, promstat_error *err)
{
	promstat_meta_options defaults, o1;
	model_in in;
	model_out mo;
	wls s;
	double beta, vb;
	int rc;
	size_t i;

	if (opt == NULL) {
		promstat_meta_options_init(&defaults);
		opt = &defaults;
	}
	if (out == NULL)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no place to store the results");
	rc = promstat_meta_options_check(opt, err);
	if (rc != PROMSTAT_OK)
		return rc;
	summary_undef(out, k, opt);
	rc = check_data(yi, vi, k, err);
	if (rc != PROMSTAT_OK)
		return rc;
	if (k == 1) {
		/* one study: the common-effect model with a z test (the
		 * Knapp-Hartung scale has no degrees of freedom) */
		o1 = *opt;
		o1.methods[0] = PROMSTAT_METHOD_EE;
		o1.nmethods = 1;
		o1.test = PROMSTAT_TEST_Z;
		opt = &o1;
	}
	if (wls_alloc(&s, 1) != 0)
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	in.y = yi;
	in.v = vi;
	in.X = NULL;
	in.k = k;
	in.p = 1;
	in.opt = opt;
	memset(&mo, 0, sizeof mo);
	mo.beta = &beta;
	mo.vb = &vb;
	rc = fit_model(&in, &s, &mo, err);
	out->method = mo.method;
	snprintf(out->reason, sizeof out->reason, "%s", mo.est.reason);
	out->iterations = mo.est.iterations;
	if (rc != PROMSTAT_OK) {
		wls_free(&s);
		return rc;
	}
	out->converged = 1;
	out->test = opt->test;
	out->estimate = beta;
	out->se = sqrt(vb);
	out->stat = beta / out->se;
	out->df = mo.df;
	if (opt->test == PROMSTAT_TEST_KNHA) {
		out->pval = p_t2(out->stat, mo.df);
	} else {
		out->pval = ps_meta_p_norm2(out->stat);
	}
	out->ci_lb = beta - mo.crit * out->se;
	out->ci_ub = beta + mo.crit * out->se;
	out->tau2 = mo.est.tau2;
	out->tau = sqrt(out->tau2);
	out->tau2_se = mo.est.tau2_se;
	out->I2 = mo.I2;
	out->H2 = mo.H2;
	out->Q = mo.QE;
	out->Q_df = mo.QE_df;
	out->Q_pval = mo.QE_pval;
	/* predict.rma: the same critical value as the CI; metafor gives no
	 * prediction interval for the common-effect model */
	if (mo.method != PROMSTAT_METHOD_EE) {
		out->pi_lb = beta - mo.crit * sqrt(vb + out->tau2);
		out->pi_ub = beta + mo.crit * sqrt(vb + out->tau2);
	}
	if (mo.method != PROMSTAT_METHOD_EE && k >= 2 && !(flags & PS_META_NO_TAU2_CI))
		tau2_qprofile(&in, &s, out->tau2, &out->tau2_ci_lb, &out->tau2_ci_ub);
	if (weights != NULL) {
		double sw = 0;

		for (i = 0; i < k; i++)
			sw += 1 / (vi[i] + out->tau2);
		for (i = 0; i < k; i++)
			weights[i] = 100 / (vi[i] + out->tau2) / sw;
	}
	wls_free(&s);
	return PROMSTAT_OK;
}

int promstat_meta_fit(const double *yi, const double *vi, size_t k,
		      const promstat_meta_options *opt, promstat_meta_summary *out,
		      double *weights, promstat_error *err)
{
	return ps_meta_fit_flags(yi, vi, k, opt, 0, out, weights, err);
}

/* ------------------------------------------------------------------ */
/* Leave-one-out, as metafor's leave1out.rma.uni: the model refitted     */
/* without each study (promstat_meta_leave1out in bias.c calls this).    */
/*                                                                       */
/* Everything the fits take at tau^2 = 0 (the common-effect sums, Q,     */
/* tr P for I^2, Sum log vi for the likelihood check, the unweighted     */
/* moments of HE and SJ) comes from prefix and suffix summaries merged   */
/* around the omitted study: O(1) per omission, and no study is ever     */
/* subtracted back out of a sum (which would cancel when it dominates).  */
/* What depends on the omission's own tau^2 takes one pass over the      */
/* other studies per evaluation; the Fisher scoring of ML, REML and EB   */
/* starts from the full model's tau^2, a few steps from the refit's.     */
/* ------------------------------------------------------------------ */

/* A weighted mean with its sum of squared deviations, and the sum of the
 * products of distinct pairs of weights (tr P of the intercept model at
 * tau^2 = 0 is 2 pp / W). */
typedef struct wrun {
	double W, mean, M2, pp;
} wrun;

/* Adds one study (West 1979, CACM 22:532, weighted update). */
static void wrun_add(wrun *r, double w, double y)
{
	double W = r->W + w, d = y - r->mean, s = d * w / W;

	r->pp += w * r->W;
	r->mean += s;
	r->M2 += r->W * d * s;
	r->W = W;
}

/* Two disjoint runs as one (Chan, Golub & LeVeque 1979): every term is
 * non-negative, so nothing cancels. */
static wrun wrun_merge(const wrun *a, const wrun *b)
{
	wrun m;
	double d;

	if (a->W == 0)
		return *b;
	if (b->W == 0)
		return *a;
	d = b->mean - a->mean;
	m.W = a->W + b->W;
	m.mean = a->mean + d * (b->W / m.W);
	m.M2 = a->M2 + b->M2 + d * d * (a->W * b->W / m.W);
	m.pp = a->pp + b->pp + a->W * b->W;
	return m;
}

/* Summaries of a run of studies: common-effect weights 1/v, unit weights,
 * Sum v and Sum log v. */
typedef struct l1o_run {
	wrun ee, un;
	double sv, slogv;
} l1o_run;

static void l1o_run_add(l1o_run *r, double y, double v)
{
	wrun_add(&r->ee, 1 / v, y);
	wrun_add(&r->un, 1, y);
	r->sv += v;
	r->slogv += log(v);
}

enum { EV_RSS = 1, EV_TRACES = 2, EV_LOG = 4 };

/* The intercept model at tau2 over every study but `omit`. */
typedef struct l1o_ev {
	double S, S2, b, rss, rss2, trP, trPP, slog;
} l1o_ev;

/* Sums of one pass at tau2, deviations d = y - c from a centre c near the
 * refit's estimate (the full model's), so the moments below lose nothing
 * to the mean: y'Py = Sum w d^2 - S db^2 with db = b - c small. */
typedef struct l1o_sums {
	double S, Sd, Sdd, S2, S2d, S2dd, S3, wmax, prod, lacc;
} l1o_sums;

static int l1o_pass(const double *y, const double *v, size_t from, size_t to, double tau2,
		    double c, unsigned what, l1o_sums *t)
{
	size_t j;

	for (j = from; j < to; j++) {
		double w = 1 / (v[j] + tau2), d = y[j] - c, w2 = w * w;

		if (!isfinite(w) || !(w > 0))
			return -1;
		if (w > t->wmax)
			t->wmax = w;
		t->S += w;
		t->Sd += w * d;
		t->Sdd += w * d * d;
		t->S2 += w2;
		t->S2d += w2 * d;
		t->S2dd += w2 * d * d;
		t->S3 += w2 * w;
		if (what & EV_LOG) {
			double x = v[j] + tau2;

			if (x > 1e-100 && x < 1e100) {
				t->prod *= x;
				if (t->prod > 1e200 || t->prod < 1e-200) {
					t->lacc += log(t->prod);
					t->prod = 1;
				}
			} else {
				t->lacc += log(x);
			}
		}
	}
	return 0;
}

/*
 * The two-pass form for when the one-pass sums would cancel: the weights
 * of intercept_traces (one weight holding nearly all of S), or residuals
 * far smaller than the deviations from the centre.
 */
static int l1o_eval2(const double *y, const double *v, size_t k, size_t omit, double tau2,
		     unsigned what, l1o_ev *e)
{
	double wmax = 0, rest = 0, swy = 0, s2 = 0, S, rss = 0, rss2 = 0;
	double pre = 0, pre2 = 0, c1 = 0, c2 = 0, d = 0;
	size_t j, imax = omit;

	for (j = 0; j < k; j++) {
		double w;

		if (j == omit)
			continue;
		w = 1 / (v[j] + tau2);
		if (!isfinite(w) || !(w > 0))
			return -1;
		if (w > wmax) {
			rest += wmax;
			wmax = w;
			imax = j;
		} else {
			rest += w;
		}
		swy += w * y[j];
		s2 += w * w;
	}
	S = wmax + rest;
	e->S = S;
	e->S2 = s2;
	e->b = swy / S;
	for (j = 0; j < k; j++) {
		double w, r, u;

		if (j == omit)
			continue;
		w = 1 / (v[j] + tau2);
		r = y[j] - e->b;
		rss += w * r * r;
		rss2 += w * w * r * r;
		if (what & EV_TRACES) {
			u = w / S;
			r = j == imax ? rest / S : 1 - u;
			c1 += u * pre;
			c2 += u * u * pre2;
			d += u * u * r * r;
			pre += u;
			pre2 += u * u;
		}
	}
	e->rss = rss;
	e->rss2 = rss2;
	e->trP = 2 * S * c1;
	e->trPP = S * S * (d + 2 * c2);
	return 0;
}

/*
 * One evaluation at tau2 without study `omit`: S = Sum w, S2 = Sum w^2,
 * b, y'Py and y'PPy, on request tr P and tr PP, and with EV_LOG Sum
 * log(v + tau2), its logarithms taken of running products (one log per
 * ~hundred studies; a factor near under- or overflow is taken alone).
 * One pass, two loops around the omitted study; the cases where its sums
 * would cancel are recomputed by l1o_eval2. Returns -1 when a weight is
 * not a finite positive number.
 */
static int l1o_eval(const double *y, const double *v, size_t k, size_t omit, double tau2,
		    double c, unsigned what, l1o_ev *e)
{
	l1o_sums t = {0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
	double db, S;

	if (l1o_pass(y, v, 0, omit, tau2, c, what, &t) != 0 ||
	    l1o_pass(y, v, omit + 1, k, tau2, c, what, &t) != 0 || !isfinite(t.S))
		return -1;
	S = t.S;
	db = t.Sd / S;
	e->S = S;
	e->S2 = t.S2;
	e->b = c + db;
	e->slog = t.lacc + log(t.prod);
	e->rss = t.Sdd - S * db * db;
	e->rss2 = t.S2dd - 2 * db * t.S2d + db * db * t.S2;
	e->trP = S - t.S2 / S;
	e->trPP = t.S2 - 2 * t.S3 / S + (t.S2 / S) * (t.S2 / S);
	/* S - S2/S keeps ~ -log10(1 - wmax/S) fewer digits; y'Py those of
	 * Sum w d^2 / y'Py: past 3 either way, the two-pass sums */
	if (((what & EV_TRACES) && S - t.wmax < 1e-3 * S) ||
	    ((what & (EV_RSS | EV_TRACES)) && !(e->rss > 1e-3 * t.Sdd)) ||
	    ((what & EV_TRACES) && !(e->rss2 > 1e-3 * t.S2dd))) {
		double slog = e->slog;

		if (l1o_eval2(y, v, k, omit, tau2, what, e) != 0)
			return -1;
		e->slog = slog;
	}
	return 0;
}

/*
 * The sums at tau2 = T + delta as series in delta about the full model's
 * T (Taylor): with a = 1/(v + T), w = 1/(v + tau2) = a / (1 + delta a), so
 *   Sum w^p d^q = Sum_m C(m+p-1, m) (-delta)^m Sum a^(p+m) d^q,
 *   Sum log(v + tau2) = Sum log(v + T) + Sum_m (-1)^(m+1) delta^m/m Sum a^m,
 * and the moments Sum a^r d^q of every study but one are the full sums
 * minus its terms. That makes an evaluation O(L1O_TERMS) instead of O(k).
 * It is used only when every term it leaves out is below 1e-16 of what it
 * keeps (rho = |delta| max a small) and when no subtraction loses more
 * than two digits; otherwise the pass over the studies is taken.
 */
#define L1O_TERMS 20		 /* m = 0 .. L1O_TERMS */
#define L1O_R (L1O_TERMS + 4) /* powers r = 0 .. L1O_TERMS + 3 */

typedef struct l1o_ctx {
	const double *y, *v;
	size_t k;
	double T, c;	/* expansion point and centre of the deviations d = y - c */
	int taylor;	/* the tables below are usable */
	double amax;	/* largest a; the moments are of alpha = a / amax */
	double a1, a2;	/* the largest and second largest a */
	size_t i1;	/* the study with a1 */
	double full[L1O_R][3], lfull; /* Sum alpha^r d^q, Sum log(v + T) */
	double mom[L1O_R][3], lsum, aout; /* the same without the omitted study; its max a */
	int mom_ok;	/* the subtraction for this omission kept its digits */
} l1o_ctx;

/* Builds the full moment tables; leaves x->taylor 0 when they would not
 * be finite (a weight near overflow: the passes are used throughout). */
static void l1o_ctx_init(l1o_ctx *x)
{
	size_t j, r, q;

	x->taylor = 0;
	x->amax = x->a1 = x->a2 = 0;
	x->i1 = 0;
	for (j = 0; j < x->k; j++) {
		double a = 1 / (x->v[j] + x->T);

		if (a > x->a1) {
			x->a2 = x->a1;
			x->a1 = a;
			x->i1 = j;
		} else if (a > x->a2) {
			x->a2 = a;
		}
	}
	x->amax = x->a1;
	if (!(x->amax > 0) || !(x->amax < 1e100))
		return;
	memset(x->full, 0, sizeof x->full);
	x->lfull = 0;
	for (j = 0; j < x->k; j++) {
		double al = 1 / (x->v[j] + x->T) / x->amax, d = x->y[j] - x->c, p = 1;

		for (r = 0; r < L1O_R; r++) {
			x->full[r][0] += p;
			x->full[r][1] += p * d;
			x->full[r][2] += p * d * d;
			p *= al;
		}
		x->lfull += log(x->v[j] + x->T);
	}
	for (r = 0; r < L1O_R; r++)
		for (q = 0; q < 3; q++)
			if (!isfinite(x->full[r][q]))
				return;
	x->taylor = 1;
}

/* The moments without study `omit`. */
static void l1o_ctx_omit(l1o_ctx *x, size_t omit)
{
	double al, d, p = 1;
	size_t r;

	x->mom_ok = 0;
	if (!x->taylor)
		return;
	al = 1 / (x->v[omit] + x->T) / x->amax;
	d = x->y[omit] - x->c;
	x->mom_ok = 1;
	for (r = 0; r < L1O_R; r++) {
		double t0 = p, t2 = p * d * d;

		/* the positive sums must keep 1/100 of themselves */
		if (t0 > 0.99 * x->full[r][0] || (t2 > 0 && t2 > 0.99 * x->full[r][2]))
			x->mom_ok = 0;
		x->mom[r][0] = x->full[r][0] - t0;
		x->mom[r][1] = x->full[r][1] - p * d;
		x->mom[r][2] = x->full[r][2] - t2;
		p *= al;
	}
	x->lsum = x->lfull - log(x->v[omit] + x->T);
	x->aout = omit == x->i1 ? x->a2 : x->a1;
}

/*
 * The evaluation of l1o_eval from the series, when they are exact to
 * working precision. Returns 0, or -1 when the caller must pass over the
 * studies.
 */
static int l1o_series(const l1o_ctx *x, double tau2, unsigned what, l1o_ev *e)
{
	double delta = tau2 - x->T, rho = fabs(delta) * x->aout, z = -delta * x->amax;
	double s[4][3] = {{0}}, zm = 1, bound, slog = 0, db, S, wmax, A = x->amax;
	int m, M, p, q;

	if (!x->mom_ok)
		return -1;
	if (delta == 0) {
		M = 0;
	} else {
		/* the neglected tail of the p = 3 series, sum over m > M of
		 * C(m+2, 2) rho^m, is below C(M+3, 2) rho^(M+1) / (1 - rho)^3 */
		if (!(rho < 0.2))
			return -1;
		for (M = 0; M <= L1O_TERMS; M++) {
			double rm = pow(rho, M + 1);

			bound = 0.5 * (M + 2) * (M + 3) * rm / ((1 - rho) * (1 - rho) * (1 - rho));
			if (bound < 1e-17)
				break;
		}
		if (M > L1O_TERMS)
			return -1;
	}
	for (m = 0; m <= M; m++) {
		double c1 = 1, c2 = m + 1, c3 = 0.5 * (m + 1) * (m + 2);

		for (q = 0; q < 3; q++) {
			s[1][q] += c1 * zm * x->mom[m + 1][q];
			s[2][q] += c2 * zm * x->mom[m + 2][q];
			s[3][q] += c3 * zm * x->mom[m + 3][q];
		}
		if ((what & EV_LOG) && m >= 1)
			/* log(1 + delta a) = -Sum_m (-delta a)^m / m */
			slog -= zm / m * x->mom[m][0];
		zm *= z;
	}
	for (p = 1; p <= 3; p++) {
		double ap = p == 1 ? A : p == 2 ? A * A : A * A * A;

		for (q = 0; q < 3; q++)
			s[p][q] *= ap;
	}
	S = s[1][0];
	if (!(S > 0) || !isfinite(S))
		return -1;
	wmax = x->aout / (1 + delta * x->aout);
	db = s[1][1] / S;
	e->S = S;
	e->S2 = s[2][0];
	e->b = x->c + db;
	e->rss = s[1][2] - S * db * db;
	e->rss2 = s[2][2] - 2 * db * s[2][1] + db * db * s[2][0];
	e->trP = S - s[2][0] / S;
	e->trPP = s[2][0] - 2 * s[3][0] / S + (s[2][0] / S) * (s[2][0] / S);
	e->slog = x->lsum + slog;
	if (((what & EV_TRACES) && S - wmax < 1e-3 * S) ||
	    ((what & (EV_RSS | EV_TRACES)) && !(e->rss > 1e-3 * s[1][2])) ||
	    ((what & EV_TRACES) && !(e->rss2 > 1e-3 * s[2][2])))
		return -1;
	return 0;
}

/* l1o_eval through the series when they are exact, else by a pass. */
static int l1o_eval_ctx(const l1o_ctx *x, size_t omit, double tau2, unsigned what, l1o_ev *e)
{
	if (l1o_series(x, tau2, what, e) == 0)
		return 0;
	return l1o_eval(x->y, x->v, x->k, omit, tau2, x->c, what, e);
}

/* The generic refit, for what the fast path does not take (Paule-Mandel,
 * whose uniroot steps metafor's numbers depend on; a Fisher scoring that
 * did not settle from the warm start; a single remaining study). */
static int l1o_refit(const double *yi, const double *vi, size_t k, size_t omit,
		     const promstat_meta_options *o1, double *ys, double *vs, promstat_meta_l1o *r)
{
	promstat_meta_summary s;
	int rc;

	memcpy(ys, yi, omit * sizeof *ys);
	memcpy(vs, vi, omit * sizeof *vs);
	memcpy(ys + omit, yi + omit + 1, (k - omit - 1) * sizeof *ys);
	memcpy(vs + omit, vi + omit + 1, (k - omit - 1) * sizeof *vs);
	rc = ps_meta_fit_flags(ys, vs, k - 1, o1, PS_META_NO_TAU2_CI, &s, NULL, NULL);
	if (rc == PROMSTAT_ENOMEM)
		return rc;
	r->converged = rc == PROMSTAT_OK && s.converged;
	r->estimate = s.estimate;
	r->se = s.se;
	r->stat = s.stat;
	r->pval = s.pval;
	r->ci_lb = s.ci_lb;
	r->ci_ub = s.ci_ub;
	r->tau2 = s.tau2;
	r->I2 = s.I2;
	r->H2 = s.H2;
	r->Q = s.Q;
	r->Q_pval = s.Q_pval;
	return PROMSTAT_OK;
}

/*
 * Fisher scoring for ML, REML or EB over the studies but `omit`, from
 * start, exactly as estimate_tau2 iterates. Returns 1 with *tau2 when it
 * converged, 0 when it did not (the caller refits from scratch), -1 when
 * a weight failed, and, from a warm start, 2 as soon as a step would
 * cross tau^2 = 0.
 */
static int l1o_scoring(const l1o_ctx *x, size_t omit, promstat_meta_method method,
		       const promstat_meta_options *opt, double start, int warm, double *tau2_out)
{
	double n = (double)(x->k - 1), kp = n - 1, tau2 = start, change = opt->tol + 1;
	int iter = 0;

	while (change > opt->tol) {
		l1o_ev e;
		double adj, old = tau2;
		int halvings = 0;

		iter++;
		if (l1o_eval_ctx(x, omit, tau2,
				 method == PROMSTAT_METHOD_REML ? EV_RSS | EV_TRACES : EV_RSS, &e) != 0)
			return -1;
		if (method == PROMSTAT_METHOD_ML)
			adj = (e.rss2 - e.S) / e.S2;
		else if (method == PROMSTAT_METHOD_REML)
			adj = (e.rss2 - e.trP) / e.trPP;
		else
			adj = (e.rss * n / kp - n) / e.S;
		if (isnan(adj))
			adj = 0;
		if (warm && tau2 + adj < 0)
			/* the boundary: where the halvings stop depends on the start,
			 * so the caller takes metafor's (the Hedges estimate) */
			return 2;
		while (tau2 + adj < 0 && halvings < 2000) {
			adj /= 2;
			halvings++;
		}
		if (tau2 + adj < 0)
			adj = -tau2;
		tau2 += adj;
		change = fabs(old - tau2);
		if (!isfinite(tau2) || iter > opt->maxiter)
			return 0;
	}
	*tau2_out = tau2;
	return 1;
}

int ps_meta_leave1out(const double *yi, const double *vi, size_t k,
		      const promstat_meta_options *o1, double tau2_full, promstat_meta_l1o *out,
		      promstat_error *err)
{
	promstat_meta_method method = o1->methods[0];
	int knha = o1->test == PROMSTAT_TEST_KNHA;
	double n = (double)(k - 1), kp = n - 1, alpha = (1 - o1->level / 100) / 2, crit;
	l1o_run *suf = NULL, pre;
	l1o_ctx x, x0; /* series about the full tau^2, and for SJ about its start */
	double *ys = NULL, *vs = NULL, centre, sw = 0, swy = 0;
	size_t i;
	int rc = PROMSTAT_OK;

	if (k < 3 || method == PROMSTAT_METHOD_PM) {
		ys = ps_malloc(k * sizeof *ys);
		vs = ps_malloc(k * sizeof *vs);
		if (ys == NULL || vs == NULL) {
			rc = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
			goto done;
		}
		for (i = 0; i < k; i++)
			if (l1o_refit(yi, vi, k, i, o1, ys, vs, &out[i]) != PROMSTAT_OK) {
				rc = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
				goto done;
			}
		goto done;
	}
	suf = ps_calloc(k + 1, sizeof *suf);
	if (suf == NULL) {
		rc = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
		goto done;
	}
	for (i = k; i-- > 0;) {
		suf[i] = suf[i + 1];
		l1o_run_add(&suf[i], yi[i], vi[i]);
	}
	/* the full model's estimate: the refits' sums are taken about it */
	for (i = 0; i < k; i++) {
		sw += 1 / (vi[i] + tau2_full);
		swy += yi[i] / (vi[i] + tau2_full);
	}
	centre = swy / sw;
	if (!isfinite(centre))
		centre = 0;
	x.y = yi;
	x.v = vi;
	x.k = k;
	x.T = tau2_full;
	x.c = centre;
	l1o_ctx_init(&x);
	x0 = x;
	x0.taylor = 0;
	if (method == PROMSTAT_METHOD_SJ) {
		double mean = 0, t0 = 0;

		for (i = 0; i < k; i++)
			mean += yi[i];
		mean /= (double)k;
		for (i = 0; i < k; i++)
			t0 += (yi[i] - mean) * (yi[i] - mean);
		x0.T = t0 / (double)k;
		l1o_ctx_init(&x0);
	}
	crit = knha ? q_t_upper(alpha, kp) : q_norm_upper(alpha);
	memset(&pre, 0, sizeof pre);
	for (i = 0; i < k; i++) {
		promstat_meta_l1o *r = &out[i];
		const l1o_run *b = &suf[i + 1];
		wrun ee = wrun_merge(&pre.ee, &b->ee), un = wrun_merge(&pre.un, &b->un);
		double Q = ee.M2 > 0 ? ee.M2 : 0, trP0 = 2 * ee.pp / ee.W, vt = kp / trP0;
		double tau2 = 0, vb, s2w = 1, est;
		l1o_ev e;
		int ok = 1;

		l1o_ctx_omit(&x, i);
		if (method == PROMSTAT_METHOD_SJ)
			l1o_ctx_omit(&x0, i);
		switch (method) {
		case PROMSTAT_METHOD_HS:
			tau2 = (Q - n) / ee.W;
			break;
		case PROMSTAT_METHOD_DL:
			tau2 = (Q - kp) / trP0;
			break;
		case PROMSTAT_METHOD_HE:
			tau2 = (un.M2 - (pre.sv + b->sv) * (1 - 1 / n)) / kp;
			break;
		case PROMSTAT_METHOD_SJ: {
			double t0 = un.M2 / n;

			if (l1o_eval_ctx(&x0, i, t0, EV_RSS, &e) != 0) {
				ok = 0;
				break;
			}
			tau2 = t0 * e.rss / kp;
			break;
		}
		case PROMSTAT_METHOD_ML:
		case PROMSTAT_METHOD_REML:
		case PROMSTAT_METHOD_EB:
			ok = l1o_scoring(&x, i, method, o1, tau2_full, 1, &tau2);
			if (ok == 2) {
				/* rma.uni's start: the Hedges estimate, as HE below */
				double he = (un.M2 - (pre.sv + b->sv) * (1 - 1 / n)) / kp;

				ok = l1o_scoring(&x, i, method, o1, he > 0 ? he : 0, 0, &tau2);
			}
			ok = ok == 1;
			break;
		default: /* EE */
			break;
		}
		if (!(tau2 > 0))
			tau2 = 0;
		if (ok && method == PROMSTAT_METHOD_EE) {
			/* at tau2 = 0 the refit is the merged common-effect run */
			e.S = ee.W;
			e.b = ee.mean;
			e.rss = Q;
		} else if (ok) {
			int ll = (method == PROMSTAT_METHOD_ML || method == PROMSTAT_METHOD_REML) &&
				 tau2 > o1->tol;

			ok = l1o_eval_ctx(&x, i, tau2, EV_RSS | (ll ? EV_LOG : 0), &e) == 0;
			if (ok && ll) {
				/* ll0check: a local maximum below the likelihood at 0 */
				int reml = method == PROMSTAT_METHOD_REML;
				double m = reml ? n - 1 : n, c = -0.5 * m * log(2 * M_PI);
				double ll0 = c - 0.5 * (pre.slogv + b->slogv) - 0.5 * Q;
				double llt = c - 0.5 * e.slog - 0.5 * e.rss;

				if (reml) {
					ll0 -= 0.5 * log(ee.W);
					llt -= 0.5 * log(e.S);
				}
				if (ll0 - llt > o1->root_tol) {
					tau2 = 0;
					e.S = ee.W;
					e.b = ee.mean;
					e.rss = Q;
				}
			}
		}
		if (!ok) {
			if (ys == NULL) {
				ys = ps_malloc(k * sizeof *ys);
				vs = ps_malloc(k * sizeof *vs);
				if (ys == NULL || vs == NULL) {
					rc = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
					goto done;
				}
			}
			if (l1o_refit(yi, vi, k, i, o1, ys, vs, r) != PROMSTAT_OK) {
				rc = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
				goto done;
			}
		} else {
			est = e.b;
			vb = 1 / e.S;
			if (knha) {
				/* as fit_model: the scale is 0 when y'Py is 0 to precision */
				s2w = e.rss <= DBL_EPSILON ? 0 : e.rss / kp;
				vb *= s2w;
			}
			r->converged = 1;
			r->estimate = est;
			r->se = sqrt(vb);
			r->stat = est / r->se;
			r->pval = knha ? p_t2(r->stat, kp) : ps_meta_p_norm2(r->stat);
			r->ci_lb = est - crit * r->se;
			r->ci_ub = est + crit * r->se;
			r->tau2 = tau2;
			r->Q = Q;
			r->Q_pval = p_chisq(Q, kp);
			if (method == PROMSTAT_METHOD_EE) {
				/* ratio first, as in fit_model: I^2 never above 100 */
				double i2 = 100 * ((Q - kp) / Q);

				r->I2 = isnan(i2) ? NAN : (i2 > 0 ? i2 : 0);
				r->H2 = Q / kp;
			} else {
				r->I2 = 100 * (tau2 / (vt + tau2));
				r->H2 = tau2 / vt + 1;
			}
		}
		l1o_run_add(&pre, yi[i], vi[i]);
	}
done:
	ps_free(suf);
	ps_free(ys);
	ps_free(vs);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Meta-regression.                                                      */
/* ------------------------------------------------------------------ */

/* Weighted least squares adjusted R^2 (lm(yi ~ X, weights = 1/vi)). */
static double ee_adj_r2(const double *y, const double *v, size_t k, size_t p, double rss)
{
	double sw = 0, swy = 0, tss = 0, r2, mean;
	size_t i;

	for (i = 0; i < k; i++) {
		sw += 1 / v[i];
		swy += y[i] / v[i];
	}
	mean = swy / sw;
	for (i = 0; i < k; i++)
		tss += (y[i] - mean) * (y[i] - mean) / v[i];
	if (tss == 0)
		return 0;
	r2 = 1 - rss / tss;
	r2 = 1 - (1 - r2) * (double)(k - 1) / (double)(k - p);
	return r2 > 0 ? 100 * r2 : 0;
}

static int regress(const double *yi, const double *vi, size_t k, const double *X, size_t p,
		   const promstat_meta_options *opt, int want_r2, promstat_meta_coef *coefs,
		   promstat_meta_reg_summary *out, promstat_error *err)
{
	model_in in;
	model_out mo;
	wls s;
	double *mem, *M;
	size_t a, b, m;
	int rc;

	memset(&mo, 0, sizeof mo);
	if (wls_alloc(&s, p) != 0)
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	mem = ps_calloc(3 * p * p + p, sizeof *mem);
	if (mem == NULL) {
		wls_free(&s);
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	}
	mo.beta = mem;
	mo.vb = mem + p;
	M = mo.vb + p * p;
	in.y = yi;
	in.v = vi;
	in.X = X;
	in.k = k;
	in.p = p;
	in.opt = opt;
	rc = fit_model(&in, &s, &mo, err);
	out->method = mo.method;
	snprintf(out->reason, sizeof out->reason, "%s", mo.est.reason);
	if (rc != PROMSTAT_OK)
		goto done;
	out->converged = 1;
	out->tau2 = mo.est.tau2;
	out->I2 = mo.I2;
	out->H2 = mo.H2;
	out->QE = mo.QE;
	out->QE_df = mo.QE_df;
	out->QE_pval = mo.QE_pval;
	out->df = mo.df;
	for (a = 0; a < p; a++) {
		promstat_meta_coef *c = &coefs[a];

		c->estimate = mo.beta[a];
		c->se = sqrt(mo.vb[a * p + a]);
		c->stat = c->estimate / c->se;
		c->pval = opt->test == PROMSTAT_TEST_KNHA ? p_t2(c->stat, mo.df)
							  : ps_meta_p_norm2(c->stat);
		c->ci_lb = c->estimate - mo.crit * c->se;
		c->ci_ub = c->estimate + mo.crit * c->se;
	}
	/* omnibus Wald test of coefficients 2..p: b' vb^-1 b */
	m = p - 1;
	out->QM = out->QM_df = out->QM_df2 = out->QM_pval = NAN;
	if (m >= 1) {
		double ld, qm = 0;

		for (a = 0; a < m; a++)
			for (b = 0; b < m; b++)
				M[a * m + b] = mo.vb[(a + 1) * p + (b + 1)];
		if (m == 1) {
			qm = mo.beta[1] * mo.beta[1] / M[0];
		} else if (chol_inverse(M, M + p * p, s.T, m, &ld) == 0) {
			const double *Mi = M + p * p;

			for (a = 0; a < m; a++)
				for (b = 0; b < m; b++)
					qm += mo.beta[a + 1] * Mi[a * m + b] * mo.beta[b + 1];
		} else {
			qm = NAN;
		}
		out->QM_df = (double)m;
		if (opt->test == PROMSTAT_TEST_KNHA) {
			out->QM = qm / (double)m;
			out->QM_df2 = (double)(k - p);
			out->QM_pval = p_f(out->QM, (double)m, (double)(k - p));
		} else {
			out->QM = qm;
			out->QM_pval = p_chisq(qm, (double)m);
		}
	}
	/* R^2 (metafor r2def "1") against the model without moderators */
	out->R2 = NAN;
	if (want_r2 && p > 1) {
		if (mo.method == PROMSTAT_METHOD_EE) {
			if (wls_eval(yi, vi, X, k, 0, 0, &s) == 0)
				out->R2 = ee_adj_r2(yi, vi, k, p, s.rss);
		} else {
			promstat_meta_options o0 = *opt;
			promstat_meta_summary s0;
			int r0;

			o0.methods[0] = mo.method;
			o0.nmethods = 1;
			r0 = ps_meta_fit_flags(yi, vi, k, &o0, PS_META_NO_TAU2_CI, &s0, NULL, NULL);
			if (r0 == PROMSTAT_OK) {
				if (s0.tau2 == 0) {
					out->R2 = 0;
				} else {
					double r2 = 100 * (s0.tau2 - out->tau2) / s0.tau2;

					out->R2 = r2 > 0 ? r2 : 0;
				}
			} else if (r0 == PROMSTAT_ENOMEM) {
				/* an undefined R^2 would hide it: memory is not a statistic */
				rc = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
			}
		}
	}
done:
	ps_free(mem);
	wls_free(&s);
	return rc;
}

static void reg_undef(promstat_meta_reg_summary *out, promstat_meta_coef *coefs, size_t k,
		      size_t p, const promstat_meta_options *opt)
{
	size_t a;

	memset(out, 0, sizeof *out);
	out->k = k;
	out->p = p;
	out->method = opt->methods[0];
	out->QM = out->QM_df = out->QM_df2 = out->QM_pval = NAN;
	out->tau2 = out->I2 = out->H2 = out->R2 = NAN;
	out->QE = out->QE_df = out->QE_pval = out->df = NAN;
	if (coefs != NULL)
		for (a = 0; a < p; a++) {
			coefs[a].estimate = coefs[a].se = coefs[a].stat = NAN;
			coefs[a].pval = coefs[a].ci_lb = coefs[a].ci_ub = NAN;
		}
}

int promstat_meta_regress(const double *yi, const double *vi, size_t k, const double *X,
			  size_t p, const promstat_meta_options *opt, promstat_meta_coef *coefs,
			  promstat_meta_reg_summary *out, promstat_error *err)
{
	promstat_meta_options defaults;
	size_t i;
	int rc;

	if (opt == NULL) {
		promstat_meta_options_init(&defaults);
		opt = &defaults;
	}
	if (out == NULL || coefs == NULL || X == NULL)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"meta-regression needs a design matrix and places for the results");
	rc = promstat_meta_options_check(opt, err);
	if (rc != PROMSTAT_OK)
		return rc;
	if (p == 0 || p > PS_META_MAX_P)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"the design matrix needs between 1 and %d columns", PS_META_MAX_P);
	reg_undef(out, coefs, k, p, opt);
	rc = check_data(yi, vi, k, err);
	if (rc != PROMSTAT_OK)
		return rc;
	for (i = 0; i < k * p; i++)
		if (!isfinite(X[i]))
			return ps_error(err, PROMSTAT_EDATA, NULL, 0, 0,
					"study %zu has a moderator value that is not a finite number",
					i / p + 1);
	/* rma.uni stops when p + 1 > k for a tau^2 estimator (p > k for EE);
	 * k = p + 1 leaves one residual df and every estimator is defined
	 * there (the DL, HE, SJ, EB and PM formulas divide by k - p = 1).
	 * EE with k = p is not offered: its QE would have no df. */
	if (k <= p)
		return ps_error(err, PROMSTAT_EDATA, NULL, 0, 0,
				"meta-regression with %zu coefficients needs more than %zu studies "
				"(there are %zu)",
				p, p, k);
	return regress(yi, vi, k, X, p, opt, 1, coefs, out, err);
}

/* ------------------------------------------------------------------ */
/* Subgroups.                                                            */
/* ------------------------------------------------------------------ */

int promstat_meta_subgroups(const double *yi, const double *vi, const size_t *group, size_t k,
			    size_t nlevels, const promstat_meta_options *opt,
			    promstat_meta_summary *levels, promstat_meta_subgroup_test *test,
			    promstat_error *err)
{
	promstat_meta_options defaults;
	double *ys = NULL, *vs = NULL, *X = NULL, *est = NULL, *var = NULL;
	size_t *col = NULL, i, g, used = 0;
	int rc;

	if (opt == NULL) {
		promstat_meta_options_init(&defaults);
		opt = &defaults;
	}
	if (levels == NULL || test == NULL || group == NULL || nlevels == 0)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"subgroup analysis needs the groups and places for the results");
	rc = promstat_meta_options_check(opt, err);
	if (rc != PROMSTAT_OK)
		return rc;
	test->common_QM = test->common_df = test->common_df2 = test->common_pval = NAN;
	test->common_converged = 0;
	test->separate_Q = test->separate_df = test->separate_pval = NAN;
	for (g = 0; g < nlevels; g++)
		summary_undef(&levels[g], 0, opt);
	rc = check_data(yi, vi, k, err);
	if (rc != PROMSTAT_OK)
		return rc;
	for (i = 0; i < k; i++)
		if (group[i] >= nlevels)
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"study %zu has a subgroup number outside 0..%zu", i + 1,
					nlevels - 1);
	ys = ps_malloc(k * sizeof *ys);
	vs = ps_malloc(k * sizeof *vs);
	est = ps_malloc(nlevels * sizeof *est);
	var = ps_malloc(nlevels * sizeof *var);
	col = ps_malloc(nlevels * sizeof *col);
	if (ys == NULL || vs == NULL || est == NULL || var == NULL || col == NULL) {
		rc = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
		goto done;
	}
	for (g = 0; g < nlevels; g++) {
		size_t n = 0;

		for (i = 0; i < k; i++)
			if (group[i] == g) {
				ys[n] = yi[i];
				vs[n] = vi[i];
				n++;
			}
		if (n == 0)
			continue;
		col[g] = used++;
		rc = promstat_meta_fit(ys, vs, n, opt, &levels[g], NULL, NULL);
		if (rc == PROMSTAT_ENOMEM) {
			rc = ps_error(err, rc, NULL, 0, 0, "out of memory");
			goto done;
		}
		levels[g].k = n;
	}
	rc = PROMSTAT_OK;
	if (used < 2)
		goto done;

	/* separate tau^2: EE model over the subgroup estimates */
	{
		double sw = 0, swy = 0, q = 0, mean;
		size_t n = 0;

		for (g = 0; g < nlevels; g++)
			if (levels[g].k > 0 && levels[g].converged) {
				est[n] = levels[g].estimate;
				var[n] = levels[g].se * levels[g].se;
				n++;
			}
		if (n == used) {
			for (g = 0; g < n; g++) {
				sw += 1 / var[g];
				swy += est[g] / var[g];
			}
			mean = swy / sw;
			for (g = 0; g < n; g++)
				q += (est[g] - mean) * (est[g] - mean) / var[g];
			test->separate_Q = q;
			test->separate_df = (double)(n - 1);
			test->separate_pval = p_chisq(q, (double)(n - 1));
		}
	}

	/* common tau^2: rma(yi, vi, mods = ~ factor(group)), QM */
	if (k > used) {
		promstat_meta_coef *coefs;
		promstat_meta_reg_summary rs;
		size_t p = used;

		X = ps_calloc(k * p, sizeof *X);
		coefs = ps_calloc(p, sizeof *coefs);
		if (X == NULL || coefs == NULL) {
			ps_free(coefs);
			rc = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
			goto done;
		}
		for (i = 0; i < k; i++) {
			X[i * p] = 1;
			if (col[group[i]] > 0)
				X[i * p + col[group[i]]] = 1;
		}
		rc = promstat_meta_regress(yi, vi, k, X, p, opt, coefs, &rs, NULL);
		if (rc == PROMSTAT_OK) {
			test->common_QM = rs.QM;
			test->common_df = rs.QM_df;
			test->common_df2 = rs.QM_df2;
			test->common_pval = rs.QM_pval;
			test->common_converged = 1;
		}
		ps_free(coefs);
		/* a model that cannot be fitted leaves the test undefined; a
		 * model that could not get memory fails the call */
		if (rc == PROMSTAT_ENOMEM) {
			rc = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
			goto done;
		}
		rc = PROMSTAT_OK;
	}
done:
	ps_free(ys);
	ps_free(vs);
	ps_free(X);
	ps_free(est);
	ps_free(var);
	ps_free(col);
	return rc;
}
