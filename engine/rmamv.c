/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Multivariate random-effects model with known sampling variances, fitted
 * by REML or ML as metafor's rma.mv does (Viechtbauer 2010, J Stat Softw
 * 36(3); rma.mv's likelihood, see metafor's .ll.rma.mv). See
 * promstat_rmamv.h for the structures and the cost.
 *
 * Every evaluation of the likelihood factors each study's block of
 * S = V + ZGZ' once (Cholesky) and accumulates, with triangular solves
 * only, log|S|, X'S^-1X, X'S^-1y and y'S^-1y; beta is the solution of
 * the p x p system, never an inverse of S. The variance components are
 * optimised on unbounded scales (tau2 = exp(a) >= 0, rho = tanh(b) in
 * (-1, 1)) by GSL's Nelder-Mead simplex, restarted from its optimum until
 * the log-likelihood stops improving. (The simplex and its two vectors
 * are GSL allocations, outside promstat_set_allocator: a known gap.)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>

#include "internal.h"
#include "promstat_rmamv.h"

struct promstat_rmamv {
	size_t k, p, nblock, maxb;
	int structure, method, intercept;
	double rho_fixed;
	const double *y, *v, *X;	/* borrowed during the fit only */
	size_t *order;			/* estimates grouped by study */
	size_t *bstart;			/* nblock + 1 offsets into order */
	double *S, *LX, *Ly;		/* one block's workspace */
	double *A, *b;			/* X'S^-1X and X'S^-1y */
	double theta[2];
	double *beta, *vb;
	double ll, qm, qm_p, qe, qe_p;
	size_t qm_df;
	int bad;			/* an evaluation met a non-PD block */
};

struct sortkey { long study; size_t i; };

static int cmp_key(const void *a, const void *b)
{
	const struct sortkey *x = a, *y = b;
	if (x->study != y->study)
		return x->study < y->study ? -1 : 1;
	return x->i < y->i ? -1 : (x->i > y->i);
}

/* The random-effects covariance between estimates i and j of one study. */
static double g_entry(const promstat_rmamv *m, const double *th, int same)
{
	if (m->structure == PROMSTAT_RMAMV_THREELEVEL)
		return th[0] + (same ? th[1] : 0.0);
	return same ? th[0] : th[1] * th[0];
}

/*
 * Accumulates X'S^-1X, X'S^-1y, y'S^-1y and log|S| over the blocks, with
 * S = diag(w) + ZGZ' (w = v; for Q_E, G = 0). Returns 0, or -1 when a
 * block is not positive definite.
 */
static int accumulate(promstat_rmamv *m, const double *th, int with_g, double *ysy,
		      double *logdet)
{
	size_t p = m->p;
	memset(m->A, 0, p * p * sizeof(double));
	memset(m->b, 0, p * sizeof(double));
	*ysy = 0.0;
	*logdet = 0.0;
	for (size_t bl = 0; bl < m->nblock; bl++) {
		size_t s = m->bstart[bl], n = m->bstart[bl + 1] - s;
		for (size_t a = 0; a < n; a++) {
			size_t ia = m->order[s + a];
			for (size_t c = 0; c <= a; c++) {
				double g = with_g ? g_entry(m, th, a == c) : 0.0;
				m->S[a * n + c] = g + (a == c ? m->v[ia] : 0.0);
				m->S[c * n + a] = m->S[a * n + c];
			}
			for (size_t j = 0; j < p; j++)
				m->LX[a * p + j] = m->X[ia * p + j];
			m->Ly[a] = m->y[ia];
		}
		gsl_matrix_view S = gsl_matrix_view_array(m->S, n, n);
		if (gsl_linalg_cholesky_decomp1(&S.matrix) != GSL_SUCCESS)
			return -1;
		gsl_matrix_view LX = gsl_matrix_view_array(m->LX, n, p);
		gsl_vector_view Ly = gsl_vector_view_array(m->Ly, n);
		gsl_blas_dtrsm(CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, 1.0, &S.matrix,
			       &LX.matrix);
		gsl_blas_dtrsv(CblasLower, CblasNoTrans, CblasNonUnit, &S.matrix, &Ly.vector);
		for (size_t a = 0; a < n; a++) {
			double d = m->S[a * n + a];
			if (!(d > 0.0))
				return -1;
			*logdet += 2.0 * log(d);
			*ysy += m->Ly[a] * m->Ly[a];
			for (size_t j = 0; j < p; j++) {
				m->b[j] += m->LX[a * p + j] * m->Ly[a];
				for (size_t l = 0; l <= j; l++)
					m->A[j * p + l] += m->LX[a * p + j] * m->LX[a * p + l];
			}
		}
	}
	for (size_t j = 0; j < p; j++)
		for (size_t l = 0; l < j; l++)
			m->A[l * p + j] = m->A[j * p + l];
	return 0;
}

/*
 * Solves A beta = b by Cholesky (A is overwritten by its factor), and
 * returns log|A| through logdetA and b'beta through bb. -1 if A is
 * singular.
 */
static int solve_p(promstat_rmamv *m, double *beta, double *logdetA, double *bb)
{
	size_t p = m->p;
	gsl_matrix_view A = gsl_matrix_view_array(m->A, p, p);
	if (gsl_linalg_cholesky_decomp1(&A.matrix) != GSL_SUCCESS)
		return -1;
	gsl_vector_view bv = gsl_vector_view_array(m->b, p);
	gsl_vector_view xv = gsl_vector_view_array(beta, p);
	if (gsl_linalg_cholesky_solve(&A.matrix, &bv.vector, &xv.vector) != GSL_SUCCESS)
		return -1;
	*logdetA = 0.0;
	*bb = 0.0;
	for (size_t j = 0; j < p; j++) {
		*logdetA += 2.0 * log(m->A[j * p + j]);
		*bb += m->b[j] * beta[j];
	}
	return 0;
}

static void theta_of(const promstat_rmamv *m, const double *u, double *th)
{
	th[0] = exp(u[0]);
	if (m->structure == PROMSTAT_RMAMV_THREELEVEL)
		th[1] = exp(u[1]);
	else
		th[1] = isnan(m->rho_fixed) ? tanh(u[1]) : m->rho_fixed;
}

/*
 * The log-likelihood at th, with metafor's constants: ML
 * -1/2 (k log 2pi + log|S| + r'S^-1r); REML
 * -1/2 ((k-p) log 2pi + log|S| + log|X'S^-1X| - log|X'X| + r'S^-1r).
 * Fills m->beta. NaN when S or X'S^-1X is not positive definite.
 */
static double loglik(promstat_rmamv *m, const double *th, double logdetXX)
{
	double ysy, ld, ldA, bb;
	if (accumulate(m, th, 1, &ysy, &ld) != 0 || solve_p(m, m->beta, &ldA, &bb) != 0)
		return NAN;
	double rsr = ysy - bb, k = (double)m->k, p = (double)m->p;
	if (m->method == PROMSTAT_RMAMV_ML)
		return -0.5 * (k * log(2.0 * M_PI) + ld + rsr);
	return -0.5 * ((k - p) * log(2.0 * M_PI) + ld + ldA - logdetXX + rsr);
}

struct fitctx { promstat_rmamv *m; double logdetXX; };

static double neg_ll(const gsl_vector *u, void *params)
{
	struct fitctx *c = params;
	double uu[2] = { gsl_vector_get(u, 0), u->size > 1 ? gsl_vector_get(u, 1) : 0.0 };
	double th[2];
	/* Keep exp() finite; a component below e^-40 is zero to any precision
	 * that matters. */
	if (uu[0] < -40.0 || uu[0] > 40.0 || (u->size > 1 && fabs(uu[1]) > 40.0))
		return GSL_POSINF;
	theta_of(c->m, uu, th);
	double ll = loglik(c->m, th, c->logdetXX);
	return isnan(ll) ? GSL_POSINF : -ll;
}

static int minimise(promstat_rmamv *m, double logdetXX, double *u, size_t dim)
{
	struct fitctx ctx = { m, logdetXX };
	gsl_multimin_function f = { neg_ll, dim, &ctx };
	gsl_vector *x = gsl_vector_alloc(dim), *step = gsl_vector_alloc(dim);
	gsl_multimin_fminimizer *s = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, dim);
	int rc = -1;
	double best = GSL_POSINF;
	if (!x || !step || !s)
		goto done;
	for (int restart = 0; restart < 20; restart++) {
		for (size_t i = 0; i < dim; i++)
			gsl_vector_set(x, i, u[i]);
		gsl_vector_set_all(step, restart == 0 ? 1.0 : 0.1);
		if (gsl_multimin_fminimizer_set(s, &f, x, step) != GSL_SUCCESS)
			goto done;
		for (int it = 0; it < 5000; it++) {
			if (gsl_multimin_fminimizer_iterate(s) != GSL_SUCCESS)
				break;
			if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(s), 1e-11) == GSL_SUCCESS)
				break;
		}
		for (size_t i = 0; i < dim; i++)
			u[i] = gsl_vector_get(s->x, i);
		double val = s->fval;
		if (!(val < GSL_POSINF))
			goto done;
		int stop = best - val < 1e-13 * (1.0 + fabs(val));
		best = val;
		rc = 0;
		if (stop)
			break;
	}
done:
	gsl_multimin_fminimizer_free(s);
	gsl_vector_free(x);
	gsl_vector_free(step);
	return rc;
}

int promstat_rmamv_fit(const double *y, const double *v, const long *study, size_t k,
		       const double *X, size_t p, int intercept, int structure, int method,
		       double rho_fixed, promstat_rmamv **out, promstat_error *err)
{
	*out = NULL;
	if (!y || !v || !study || !X || p == 0 || k <= p)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"a multivariate model needs more estimates than coefficients");
	if (structure != PROMSTAT_RMAMV_THREELEVEL && structure != PROMSTAT_RMAMV_CS)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "unknown random-effects structure");
	if (method != PROMSTAT_RMAMV_REML && method != PROMSTAT_RMAMV_ML)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "unknown estimation method");
	if (!isnan(rho_fixed) && !(rho_fixed > -1.0 && rho_fixed < 1.0))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "a fixed rho must lie in (-1, 1)");
	if (k > ((size_t)-1) / sizeof(struct sortkey) || p > 4096)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "too many estimates or coefficients");
	for (size_t i = 0; i < k; i++) {
		if (!isfinite(y[i]) || !isfinite(v[i]) || !(v[i] > 0.0))
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"estimate %zu: the estimate must be finite and its variance positive",
					i + 1);
		for (size_t j = 0; j < p; j++)
			if (!isfinite(X[i * p + j]))
				return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
						"estimate %zu: a moderator is not a finite number", i + 1);
	}

	promstat_rmamv *m = ps_calloc(1, sizeof *m);
	struct sortkey *key = ps_calloc(k, sizeof *key);
	if (!m || !key) {
		ps_free(m);
		ps_free(key);
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	}
	m->k = k;
	m->p = p;
	m->structure = structure;
	m->method = method;
	m->intercept = intercept;
	m->rho_fixed = rho_fixed;
	m->y = y;
	m->v = v;
	m->X = X;
	for (size_t i = 0; i < k; i++) {
		key[i].study = study[i];
		key[i].i = i;
	}
	qsort(key, k, sizeof *key, cmp_key);
	m->order = ps_calloc(k, sizeof *m->order);
	m->bstart = ps_calloc(k + 1, sizeof *m->bstart);
	int rc = PROMSTAT_ENOMEM;
	if (!m->order || !m->bstart)
		goto fail;
	for (size_t i = 0; i < k; i++) {
		m->order[i] = key[i].i;
		if (i == 0 || key[i].study != key[i - 1].study)
			m->bstart[m->nblock++] = i;
	}
	m->bstart[m->nblock] = k;
	for (size_t b = 0; b < m->nblock; b++) {
		size_t n = m->bstart[b + 1] - m->bstart[b];
		if (n > m->maxb)
			m->maxb = n;
	}
	if (m->maxb > 65535) {
		rc = ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "a study has more than 65535 estimates");
		goto fail;
	}
	m->S = ps_calloc(m->maxb * m->maxb, sizeof(double));
	m->LX = ps_calloc(m->maxb * p, sizeof(double));
	m->Ly = ps_calloc(m->maxb, sizeof(double));
	m->A = ps_calloc(p * p, sizeof(double));
	m->b = ps_calloc(p, sizeof(double));
	m->beta = ps_calloc(p, sizeof(double));
	m->vb = ps_calloc(p * p, sizeof(double));
	if (!m->S || !m->LX || !m->Ly || !m->A || !m->b || !m->beta || !m->vb) {
		rc = ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
		goto fail;
	}

	gsl_error_handler_t *old = gsl_set_error_handler_off();
	/* log|X'X| for the REML constant: X'X is X'S^-1X with S = I. */
	double logdetXX = 0.0;
	{
		memset(m->A, 0, p * p * sizeof(double));
		for (size_t i = 0; i < k; i++)
			for (size_t j = 0; j < p; j++)
				for (size_t l = 0; l < p; l++)
					m->A[j * p + l] += X[i * p + j] * X[i * p + l];
		gsl_matrix_view A = gsl_matrix_view_array(m->A, p, p);
		if (gsl_linalg_cholesky_decomp1(&A.matrix) != GSL_SUCCESS) {
			gsl_set_error_handler(old);
			rc = ps_error(err, PROMSTAT_ENUMERIC, NULL, 0, 0,
				      "the design matrix is not of full column rank");
			goto fail;
		}
		for (size_t j = 0; j < p; j++)
			logdetXX += 2.0 * log(m->A[j * p + j]);
	}
	/* Start where metafor does, near a quarter of the total variance for
	 * each component (rho at 0 when estimated). */
	double mean = 0.0, var = 0.0;
	for (size_t i = 0; i < k; i++)
		mean += y[i] / (double)k;
	for (size_t i = 0; i < k; i++)
		var += (y[i] - mean) * (y[i] - mean) / (double)(k - 1);
	double u[2] = { log(var > 1e-8 ? var / 2.0 : 0.01), 0.0 };
	size_t dim = 1;
	if (structure == PROMSTAT_RMAMV_THREELEVEL) {
		u[1] = u[0];
		dim = 2;
	} else if (isnan(rho_fixed)) {
		dim = 2;
	}
	if (minimise(m, logdetXX, u, dim) != 0) {
		gsl_set_error_handler(old);
		rc = ps_error(err, PROMSTAT_ENUMERIC, NULL, 0, 0,
			      "the likelihood could not be maximised");
		goto fail;
	}
	theta_of(m, u, m->theta);
	/* A component at the boundary: e^-40 is 0 within any precision the
	 * data carry. */
	if (u[0] <= -39.0)
		m->theta[0] = 0.0;
	if (structure == PROMSTAT_RMAMV_THREELEVEL && u[1] <= -39.0)
		m->theta[1] = 0.0;
	m->ll = loglik(m, m->theta, logdetXX);
	/* vb = (X'S^-1X)^-1: the one inverse the model reports, from the
	 * factor solve_p left in A. */
	{
		gsl_matrix_view A = gsl_matrix_view_array(m->A, p, p);
		if (isnan(m->ll) || gsl_linalg_cholesky_invert(&A.matrix) != GSL_SUCCESS) {
			gsl_set_error_handler(old);
			rc = ps_error(err, PROMSTAT_ENUMERIC, NULL, 0, 0,
				      "X'S^-1X is singular at the estimate");
			goto fail;
		}
		memcpy(m->vb, m->A, p * p * sizeof(double));
	}
	/* QM = b' vb[tt]^-1 b (Wald) over all coefficients but the intercept;
	 * an intercept-only model tests the intercept, as metafor does. */
	{
		size_t j0 = (intercept && p > 1) ? 1 : 0, q = p - j0;
		m->qm = NAN;
		m->qm_p = NAN;
		m->qm_df = q;
		if (q > 0) {
			for (size_t a = 0; a < q; a++) {
				m->b[a] = m->beta[j0 + a];
				for (size_t c = 0; c < q; c++)
					m->A[a * q + c] = m->vb[(j0 + a) * p + j0 + c];
			}
			gsl_matrix_view A = gsl_matrix_view_array(m->A, q, q);
			gsl_vector_view bv = gsl_vector_view_array(m->b, q);
			gsl_vector_view xv = gsl_vector_view_array(m->LX, q);
			if (gsl_linalg_cholesky_decomp1(&A.matrix) == GSL_SUCCESS &&
			    gsl_linalg_cholesky_solve(&A.matrix, &bv.vector, &xv.vector) == GSL_SUCCESS) {
				double s = 0.0;
				for (size_t a = 0; a < q; a++)
					s += m->beta[j0 + a] * m->LX[a];
				m->qm = s;
				m->qm_p = gsl_cdf_chisq_Q(s, (double)q);
			}
		}
	}
	/* Q_E: the weighted residual sum of squares with W = V^-1. */
	{
		double ysy, ld, ldA, bb;
		m->qe = NAN;
		m->qe_p = NAN;
		if (accumulate(m, m->theta, 0, &ysy, &ld) == 0 &&
		    solve_p(m, m->LX, &ldA, &bb) == 0) {
			m->qe = ysy - bb;
			if (m->qe < 0.0)
				m->qe = 0.0;
			m->qe_p = gsl_cdf_chisq_Q(m->qe, (double)(k - p));
		}
	}
	gsl_set_error_handler(old);
	m->y = m->v = m->X = NULL;
	ps_free(key);
	*out = m;
	return PROMSTAT_OK;
fail:
	if (rc == PROMSTAT_ENOMEM)
		ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	ps_free(key);
	promstat_rmamv_free(m);
	return rc;
}

void promstat_rmamv_free(promstat_rmamv *m)
{
	if (!m)
		return;
	ps_free(m->order);
	ps_free(m->bstart);
	ps_free(m->S);
	ps_free(m->LX);
	ps_free(m->Ly);
	ps_free(m->A);
	ps_free(m->b);
	ps_free(m->beta);
	ps_free(m->vb);
	ps_free(m);
}

size_t promstat_rmamv_ncoef(const promstat_rmamv *m) { return m->p; }

double promstat_rmamv_beta(const promstat_rmamv *m, size_t j)
{
	return j < m->p ? m->beta[j] : NAN;
}

double promstat_rmamv_vcov(const promstat_rmamv *m, size_t i, size_t j)
{
	return i < m->p && j < m->p ? m->vb[i * m->p + j] : NAN;
}

double promstat_rmamv_se(const promstat_rmamv *m, size_t j)
{
	return j < m->p ? sqrt(m->vb[j * m->p + j]) : NAN;
}

double promstat_rmamv_theta(const promstat_rmamv *m, size_t i)
{
	return i < 2 ? m->theta[i] : NAN;
}

double promstat_rmamv_qm(const promstat_rmamv *m, size_t *df, double *pval)
{
	if (df)
		*df = m->qm_df;
	if (pval)
		*pval = m->qm_p;
	return m->qm;
}

double promstat_rmamv_qe(const promstat_rmamv *m, size_t *df, double *pval)
{
	if (df)
		*df = m->k - m->p;
	if (pval)
		*pval = m->qe_p;
	return m->qe;
}

double promstat_rmamv_loglik(const promstat_rmamv *m) { return m->ll; }
