/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Logistic and weighted linear regression (promstat_glm.h).
 *
 * Both reduce to weighted least squares. The rows of sqrt(W) X (every
 * column scaled to unit norm) and sqrt(W) z are folded, a block at a time,
 * into a (p+1)-square triangle by Householder QR (tall-skinny QR), and a
 * column-pivoted QR of the triangle (GSL's QRPT) reveals the rank: the
 * pivoting brings a column that depends on the others to the end, where
 * its diagonal element of R falls below the rank tolerance, and the
 * scaling makes that test independent of the columns' units (age in years
 * beside a 0/1 indicator). The covariance (X'WX)^-1 = P R^-1 R^-T P'
 * comes from inverting the triangular R, as R's chol2inv does;
 * coefficients come from solves, never from that inverse.
 *
 * Every matrix GSL works on is a view of memory allocated here, so that a
 * failed allocation is reported as PROMSTAT_ENOMEM instead of reaching
 * GSL's error handler (which aborts by default).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_permutation.h>

#include "internal.h"
#include "promstat_glm.h"

struct promstat_glm {
	int logistic;
	size_t n, p, n_used;
	promstat_glm_status status;
	double *coef, *cov, *fitted; /* p, p * p, n */
	double deviance, sigma, df;
	int iterations;
	long aliased;
};

/*
 * Work space for weighted least squares on the m units of positive weight.
 * The m x p problem is reduced block by block to a (p+1) x (p+1) triangle:
 * each block of rows of [sqrt(W) X | sqrt(W) z] is stacked under the
 * triangle so far and decomposed again (a Householder QR of the stack, as
 * in tall-skinny QR). Every decomposition is of a matrix that fits in the
 * cache, where one Householder QR of the whole m x p matrix would walk its
 * columns through memory p^2 times (it did: 0.1 s per fit at 200,000 units).
 * The pivoted QR that reveals the rank then works on the p x p triangle,
 * which has the same column norms and the same R as the whole matrix.
 */
#define WLS_BLOCK 256
typedef struct wls_work {
	size_t m, p;
	double *blk;	/* (p + 1 + WLS_BLOCK) x (p + 1): the triangle and a block */
	double *btau;	/* p + 1 */
	double *a;	/* p x p: the triangle, then its pivoted QR */
	double *b;	/* p: Q' sqrt(W) z */
	double *res;	/* p */
	double *tau, *norm, *sol, *scale; /* p each */
	size_t *perm;	/* p */
	double *rinv;	/* p x p */
} wls_work;

void promstat_glm_options_init(promstat_glm_options *opt)
{
	if (!opt)
		return;
	opt->max_iter = 25;
	opt->epsilon = 1e-8;
	opt->rank_tol = 1e-7;
	opt->covariance = 1;
}

static int nomem(promstat_error *err)
{
	return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
}

static void wls_free(wls_work *w)
{
	ps_free(w->blk);
	ps_free(w->btau);
	ps_free(w->a);
	ps_free(w->b);
	ps_free(w->res);
	ps_free(w->tau);
	ps_free(w->perm);
	ps_free(w->rinv);
}

static int wls_init(wls_work *w, size_t m, size_t p)
{
	size_t q = p + 1;

	memset(w, 0, sizeof *w);
	w->m = m;
	w->p = p;
	if (p > 4096)
		return -1;
	w->blk = ps_malloc((q + WLS_BLOCK) * q * sizeof *w->blk);
	w->btau = ps_malloc(q * sizeof *w->btau);
	w->a = ps_malloc(p * p * sizeof *w->a);
	w->b = ps_malloc(p * sizeof *w->b);
	w->res = ps_malloc(p * sizeof *w->res);
	/* tau, norm, sol and scale in one block */
	w->tau = ps_malloc(4 * p * sizeof *w->tau);
	w->perm = ps_malloc(p * sizeof *w->perm);
	w->rinv = ps_malloc(p * p * sizeof *w->rinv);
	if (!w->blk || !w->btau || !w->a || !w->b || !w->res || !w->tau || !w->perm || !w->rinv) {
		wls_free(w);
		return -1;
	}
	w->norm = w->tau + p;
	w->sol = w->tau + 2 * p;
	w->scale = w->tau + 3 * p;
	return 0;
}

/* Decomposes the first rows of the stack and keeps its triangle (zeros
 * below the diagonal) in the first p + 1 rows. */
static void wls_fold(wls_work *w, size_t rows)
{
	size_t q = w->p + 1, i, j;
	gsl_matrix_view S = gsl_matrix_view_array(w->blk, rows, q);
	gsl_vector_view tau = gsl_vector_view_array(w->btau, q);

	gsl_linalg_QR_decomp(&S.matrix, &tau.vector);
	for (i = 1; i < q; i++)
		for (j = 0; j < i; j++)
			w->blk[i * q + j] = 0;
}

/*
 * Weighted least squares of z on x over the units listed in use[0..m)
 * (rows of x), with square-root weights sw[i] (indexed by unit). Writes
 * the p coefficients to beta and, when cov is not NULL, the unscaled
 * covariance (X'WX)^-1 (p x p). Returns 0, or 1 when the design is rank
 * deficient (*aliased = the original index of the first aliased column).
 */
static int wls_solve(wls_work *w, const double *x, const size_t *use, const double *sw,
		     const double *z, double tol, double *beta, double *cov, long *aliased)
{
	size_t m = w->m, p = w->p, q = p + 1, i, j, k, top = 0;
	gsl_matrix_view A = gsl_matrix_view_array(w->a, p, p);
	gsl_vector_view tau = gsl_vector_view_array(w->tau, p);
	gsl_vector_view norm = gsl_vector_view_array(w->norm, p);
	gsl_vector_view b = gsl_vector_view_array(w->b, p);
	gsl_vector_view res = gsl_vector_view_array(w->res, p);
	gsl_vector_view sol = gsl_vector_view_array(w->sol, p);
	gsl_permutation perm = { p, w->perm };
	int signum;

	if (m < p) {
		*aliased = (long)m;
		return 1;
	}
	/* every column of sqrt(W) X scaled to unit norm (the norm by scaled
	 * sums of squares: no overflow for large scores) */
	for (j = 0; j < p; j++)
		w->norm[j] = w->sol[j] = 0;
	for (i = 0; i < m; i++) {
		const double *row = x + use[i] * p;

		for (j = 0; j < p; j++)
			w->norm[j] = fmax(w->norm[j], fabs(sw[use[i]] * row[j]));
	}
	for (i = 0; i < m; i++) {
		const double *row = x + use[i] * p;

		for (j = 0; j < p; j++)
			if (w->norm[j] > 0) {
				double t = sw[use[i]] * row[j] / w->norm[j];

				w->sol[j] += t * t;
			}
	}
	for (j = 0; j < p; j++) {
		double s = w->norm[j] * sqrt(w->sol[j]);

		if (!(s > 0) || !isfinite(s)) {
			*aliased = (long)j;
			return 1;
		}
		w->scale[j] = s;
	}
	/* the triangle of [sqrt(W) X / scale | sqrt(W) z], block by block */
	for (i = 0; i < m; i++) {
		const double *row = x + use[i] * p;
		double *r = w->blk + top * q;

		for (j = 0; j < p; j++)
			r[j] = sw[use[i]] * row[j] / w->scale[j];
		r[p] = sw[use[i]] * z[use[i]];
		if (++top == q + WLS_BLOCK) {
			wls_fold(w, top);
			top = q;
		}
	}
	for (; top < q; top++) /* zero rows change no least-squares solution */
		for (j = 0; j < q; j++)
			w->blk[top * q + j] = 0;
	wls_fold(w, top);
	for (i = 0; i < p; i++) {
		for (j = 0; j < p; j++)
			w->a[i * p + j] = w->blk[i * q + j];
		w->b[i] = w->blk[i * q + p];
	}
	gsl_linalg_QRPT_decomp(&A.matrix, &tau.vector, &perm, &signum, &norm.vector);
	/* Columns have unit norm and pivoting takes the largest remaining part
	 * first, so |R_kk| is what column perm[k] adds beyond the columns
	 * before it: below tol, it is (numerically) a combination of them. */
	for (k = 0; k < p; k++)
		if (!(fabs(w->a[k * p + k]) > tol)) {
			*aliased = (long)w->perm[k];
			return 1;
		}
	gsl_linalg_QRPT_lssolve(&A.matrix, &tau.vector, &perm, &b.vector, &sol.vector,
				&res.vector);
	for (j = 0; j < p; j++)
		beta[j] = w->sol[j] / w->scale[j];
	if (cov) {
		gsl_matrix_view T = gsl_matrix_view_array(w->rinv, p, p);

		for (i = 0; i < p; i++)
			for (j = 0; j < p; j++)
				w->rinv[i * p + j] = j >= i ? w->a[i * p + j] : 0;
		gsl_linalg_tri_upper_invert(&T.matrix);
		/* (R^-1 R^-T)_ij, permuted back and unscaled */
		for (i = 0; i < p; i++)
			for (j = i; j < p; j++) {
				double s = 0;
				size_t a = w->perm[i], c = w->perm[j];

				for (k = j; k < p; k++)
					s += w->rinv[i * p + k] * w->rinv[j * p + k];
				s /= w->scale[a] * w->scale[c];
				cov[a * p + c] = s;
				cov[c * p + a] = s;
			}
	}
	return 0;
}

/* R's binomial()$linkinv: the logit's inverse with eta clamped at +-30, so
 * mu stays in [eps/(1+eps), 1/(1+eps)]. */
static double expit(double eta)
{
	double t = eta < -30 ? DBL_EPSILON : eta > 30 ? 1 / DBL_EPSILON : exp(eta);

	return t / (1 + t);
}

/* R's binomial()$mu.eta: dmu/deta, DBL_EPSILON beyond |eta| = 30. */
static double dexpit(double eta)
{
	double e, d;

	if (eta > 30 || eta < -30)
		return DBL_EPSILON;
	e = exp(eta);
	d = 1 + e;
	return e / (d * d);
}

/* y log(y / mu), 0 at y = 0 (R's y_log_y). */
static double ylogy(double y, double mu)
{
	return y > 0 ? y * log(y / mu) : 0;
}

static double binomial_deviance(const size_t *use, size_t m, const double *y, const double *w,
				const double *mu)
{
	double d = 0;
	size_t k;

	for (k = 0; k < m; k++) {
		size_t i = use[k];
		double wi = w ? w[i] : 1;

		d += 2 * wi * (ylogy(y[i], mu[i]) + ylogy(1 - y[i], 1 - mu[i]));
	}
	return d;
}

static int check_input(const double *x, size_t n, size_t p, const double *y, const double *w,
		       int logistic, promstat_error *err)
{
	size_t i, j;

	if (!x || !y || n == 0 || p == 0)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"a regression needs at least one unit and one column");
	if (n > (size_t)-1 / p / sizeof(double))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "design matrix too large");
	for (i = 0; i < n; i++) {
		for (j = 0; j < p; j++)
			if (!isfinite(x[i * p + j]))
				return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
						"regression: unit %zu has a non-finite value in "
						"column %zu", i + 1, j + 1);
		if (!isfinite(y[i]) || (logistic && (y[i] < 0 || y[i] > 1)))
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					logistic ? "regression: response %zu is not in [0, 1]"
						 : "regression: response %zu is not finite",
					i + 1);
		if (w && !(w[i] >= 0 && isfinite(w[i])))
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"regression: weight %zu is negative or not finite", i + 1);
	}
	return PROMSTAT_OK;
}

static promstat_glm *glm_new(size_t n, size_t p, int logistic)
{
	promstat_glm *g = ps_calloc(1, sizeof *g);
	size_t i;

	if (!g)
		return NULL;
	g->logistic = logistic;
	g->n = n;
	g->p = p;
	g->coef = ps_malloc(p * sizeof *g->coef);
	g->cov = ps_malloc(p * p * sizeof *g->cov);
	g->fitted = ps_malloc(n * sizeof *g->fitted);
	if (!g->coef || !g->cov || !g->fitted) {
		promstat_glm_free(g);
		return NULL;
	}
	g->aliased = -1;
	g->deviance = g->sigma = g->df = NAN;
	for (i = 0; i < p; i++)
		g->coef[i] = NAN;
	for (i = 0; i < p * p; i++)
		g->cov[i] = NAN;
	for (i = 0; i < n; i++)
		g->fitted[i] = NAN;
	return g;
}

/* Leaves a fit whose estimates do not exist: every number NaN. */
static void undefine(promstat_glm *g, promstat_glm_status s)
{
	size_t i;

	g->status = s;
	g->deviance = g->sigma = NAN;
	for (i = 0; i < g->p; i++)
		g->coef[i] = NAN;
	for (i = 0; i < g->p * g->p; i++)
		g->cov[i] = NAN;
	for (i = 0; i < g->n; i++)
		g->fitted[i] = NAN;
}

/* The units of positive weight; returns how many. */
static size_t used_units(const double *w, size_t n, size_t *use)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		if (!w || w[i] > 0)
			use[m++] = i;
	return m;
}

static void linear_predictor(const double *x, size_t n, size_t p, const double *beta,
			     double *eta)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		double s = 0;

		for (j = 0; j < p; j++)
			s += x[i * p + j] * beta[j];
		eta[i] = s;
	}
}

/*
 * One IRLS iteration as a Newton step from beta: the normal equations
 * (X'WX) d = X'W (z - eta) of the columns scaled as the first, full solve
 * scaled them, by Cholesky. The step, not the estimate, carries the
 * solve's rounding, and Newton's method corrects it at the next
 * iteration, so the estimate converges as accurately as with a QR solve
 * per iteration at a quarter of the cost (m p^2 / 2 multiplications, rows
 * read once, in order). sw are sqrt(W). Returns 0 (beta updated) or 1
 * when X'WX is not positive definite.
 */
static int newton_step(wls_work *w, const double *x, const size_t *use, const double *sw,
		       const double *z, const double *eta, double *beta)
{
	size_t m = w->m, p = w->p, i, j, k;
	gsl_matrix_view H = gsl_matrix_view_array(w->a, p, p);
	gsl_vector_view g = gsl_vector_view_array(w->b, p);
	gsl_vector_view d = gsl_vector_view_array(w->sol, p);
	gsl_error_handler_t *old;
	double *xs = w->res; /* one scaled row */
	int rc;

	for (j = 0; j < p * p; j++)
		w->a[j] = 0;
	for (j = 0; j < p; j++)
		w->b[j] = 0;
	for (i = 0; i < m; i++) {
		const double *row = x + use[i] * p;
		double wi = sw[use[i]] * sw[use[i]], r = wi * (z[use[i]] - eta[use[i]]);

		for (j = 0; j < p; j++)
			xs[j] = row[j] / w->scale[j];
		for (j = 0; j < p; j++) {
			double wx = wi * xs[j];

			w->b[j] += r * xs[j];
			for (k = j; k < p; k++)
				w->a[j * p + k] += wx * xs[k];
		}
	}
	for (j = 0; j < p; j++)
		for (k = 0; k < j; k++)
			w->a[j * p + k] = w->a[k * p + j];
	/* GSL reports a matrix that is not positive definite through its
	 * error handler, which aborts by default */
	old = gsl_set_error_handler_off();
	rc = gsl_linalg_cholesky_decomp1(&H.matrix);
	if (rc == GSL_SUCCESS)
		rc = gsl_linalg_cholesky_solve(&H.matrix, &g.vector, &d.vector);
	gsl_set_error_handler(old);
	if (rc != GSL_SUCCESS)
		return 1;
	for (j = 0; j < p; j++) {
		double dj = w->sol[j] / w->scale[j];

		if (!isfinite(dj))
			return 1;
		beta[j] += dj;
	}
	return 0;
}

#define EXTRA_STEPS 10	   /* Newton steps after convergence (separation check) */
#define DIVERGING 1e-6	   /* a step that moves an eta this much is not at a maximum */

int promstat_glm_logistic(const double *x, size_t n, size_t p, const double *y,
			  const double *w, const promstat_glm_options *opt, promstat_glm **out,
			  promstat_error *err)
{
	promstat_glm_options o;
	promstat_glm *g;
	wls_work ws;
	size_t *use = NULL, m, i, k;
	double *eta = NULL, *mu = NULL, *z = NULL, *sw = NULL, *beta = NULL;
	double dev, devold, step = 0;
	int rc, conv = 0, iter, extra, degenerate = 0;
	long aliased = -1;

	if (!out)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no place for the fit");
	*out = NULL;
	rc = check_input(x, n, p, y, w, 1, err);
	if (rc)
		return rc;
	if (opt)
		o = *opt;
	else
		promstat_glm_options_init(&o);
	if (o.max_iter < 1 || !(o.epsilon > 0) || !(o.rank_tol > 0))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"regression options: max_iter, epsilon and rank_tol must be positive");
	g = glm_new(n, p, 1);
	use = ps_malloc(n * sizeof *use);
	eta = ps_malloc(n * sizeof *eta);
	mu = ps_malloc(n * sizeof *mu);
	z = ps_malloc(n * sizeof *z);
	sw = ps_malloc(n * sizeof *sw);
	beta = ps_malloc(p * sizeof *beta);
	if (!g || !use || !eta || !mu || !z || !sw || !beta) {
		rc = nomem(err);
		goto done;
	}
	m = used_units(w, n, use);
	g->n_used = m;
	g->df = (double)m - (double)p;
	if (m <= p) {
		undefine(g, PROMSTAT_GLM_NO_DF);
		goto ok;
	}
	if (wls_init(&ws, m, p)) {
		rc = nomem(err);
		goto done;
	}
	/* R's binomial()$initialize */
	for (k = 0; k < m; k++) {
		double wi = w ? w[use[k]] : 1;

		i = use[k];
		mu[i] = (wi * y[i] + 0.5) / (wi + 1);
		eta[i] = log(mu[i] / (1 - mu[i]));
	}
	devold = binomial_deviance(use, m, y, w, mu);
	dev = devold;
	for (iter = 1, extra = 0;; iter++) {
		double d = 0;

		for (k = 0; k < m; k++) {
			double me, var, wi;

			i = use[k];
			wi = w ? w[i] : 1;
			me = dexpit(eta[i]);
			var = mu[i] * (1 - mu[i]);
			z[i] = eta[i] + (y[i] - mu[i]) / me;
			sw[i] = sqrt(wi * me * me / var);
		}
		if (iter == 1) {
			/* The first iteration solves the weighted least squares
			 * of glm.fit in full, by QR: there is no estimate yet to
			 * step from, and its working weights (w mu(1-mu) with mu
			 * from the start, within [1/4, 3/4] for w = 1) reveal the
			 * rank of the design itself. */
			if (wls_solve(&ws, x, use, sw, z, o.rank_tol, beta, NULL, &aliased)) {
				g->aliased = aliased;
				undefine(g, PROMSTAT_GLM_RANK_DEFICIENT);
				wls_free(&ws);
				goto ok;
			}
		} else if (newton_step(&ws, x, use, sw, z, eta, beta)) {
			/* full rank at the start, singular now: the working
			 * weights of many units have gone to DBL_EPSILON, i.e.
			 * their probabilities to 0 or 1 */
			degenerate = 1;
			break;
		}
		for (k = 0; k < m; k++) {
			double e = 0;
			size_t j;

			i = use[k];
			for (j = 0; j < p; j++)
				e += x[i * p + j] * beta[j];
			d = fmax(d, fabs(e - eta[i]));
			eta[i] = e;
			mu[i] = expit(e);
		}
		step = d;
		dev = binomial_deviance(use, m, y, w, mu);
		if (!conv) {
			g->iterations = iter;
			if (fabs(dev - devold) / (fabs(dev) + 0.1) < o.epsilon)
				conv = 1;
			else if (iter >= o.max_iter)
				break;
			devold = dev;
			continue;
		}
		/* converged: polishing steps; at a finite maximum they stop
		 * moving at once */
		if (++extra >= EXTRA_STEPS || step <= DIVERGING)
			break;
	}
	{
		int extreme = 0;

		for (k = 0; k < m; k++) {
			i = use[k];
			if (mu[i] < 10 * DBL_EPSILON || mu[i] > 1 - 10 * DBL_EPSILON)
				extreme = 1;
		}
		if (degenerate || extreme || (conv && step > DIVERGING)) {
			undefine(g, PROMSTAT_GLM_SEPARATION);
		} else if (!conv) {
			undefine(g, PROMSTAT_GLM_NOT_CONVERGED);
		} else {
			size_t j;

			/* covariance at the final weights */
			for (k = 0; k < m; k++) {
				double wi;

				i = use[k];
				wi = w ? w[i] : 1;
				sw[i] = sqrt(wi * mu[i] * (1 - mu[i]));
			}
			if (o.covariance &&
			    wls_solve(&ws, x, use, sw, z, o.rank_tol, g->coef, g->cov, &aliased)) {
				undefine(g, PROMSTAT_GLM_SEPARATION);
			} else {
				/* the coefficients are those of the last step; the
				 * solve above was for the covariance only */
				for (j = 0; j < p; j++)
					g->coef[j] = beta[j];
				linear_predictor(x, n, p, beta, g->fitted);
				for (i = 0; i < n; i++)
					g->fitted[i] = expit(g->fitted[i]);
				g->deviance = dev;
				g->status = PROMSTAT_GLM_OK;
			}
		}
	}
	wls_free(&ws);
ok:
	*out = g;
	g = NULL;
	rc = PROMSTAT_OK;
done:
	promstat_glm_free(g);
	ps_free(use);
	ps_free(eta);
	ps_free(mu);
	ps_free(z);
	ps_free(sw);
	ps_free(beta);
	return rc;
}

int promstat_glm_linear(const double *x, size_t n, size_t p, const double *y, const double *w,
			const promstat_glm_options *opt, promstat_glm **out,
			promstat_error *err)
{
	promstat_glm_options o;
	promstat_glm *g;
	wls_work ws;
	size_t *use = NULL, m, i, k;
	double *sw = NULL;
	double rss = 0;
	long aliased = -1;
	int rc;

	if (!out)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no place for the fit");
	*out = NULL;
	rc = check_input(x, n, p, y, w, 0, err);
	if (rc)
		return rc;
	if (opt)
		o = *opt;
	else
		promstat_glm_options_init(&o);
	if (!(o.rank_tol > 0))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
				"regression options: rank_tol must be positive");
	g = glm_new(n, p, 0);
	use = ps_malloc(n * sizeof *use);
	sw = ps_malloc(n * sizeof *sw);
	if (!g || !use || !sw) {
		rc = nomem(err);
		goto done;
	}
	m = used_units(w, n, use);
	g->n_used = m;
	g->df = (double)m - (double)p;
	g->iterations = 1;
	if (m <= p) {
		undefine(g, PROMSTAT_GLM_NO_DF);
		goto ok;
	}
	if (wls_init(&ws, m, p)) {
		rc = nomem(err);
		goto done;
	}
	for (i = 0; i < n; i++)
		sw[i] = sqrt(w ? w[i] : 1);
	if (wls_solve(&ws, x, use, sw, y, o.rank_tol, g->coef, g->cov, &aliased)) {
		g->aliased = aliased;
		undefine(g, PROMSTAT_GLM_RANK_DEFICIENT);
	} else {
		linear_predictor(x, n, p, g->coef, g->fitted);
		for (k = 0; k < m; k++) {
			double e;

			i = use[k];
			e = y[i] - g->fitted[i];
			rss += (w ? w[i] : 1) * e * e;
		}
		g->deviance = rss;
		g->sigma = sqrt(rss / g->df);
		for (i = 0; i < p * p; i++)
			g->cov[i] *= rss / g->df;
		g->status = PROMSTAT_GLM_OK;
	}
	wls_free(&ws);
ok:
	*out = g;
	g = NULL;
	rc = PROMSTAT_OK;
done:
	promstat_glm_free(g);
	ps_free(use);
	ps_free(sw);
	return rc;
}

void promstat_glm_free(promstat_glm *g)
{
	if (!g)
		return;
	ps_free(g->coef);
	ps_free(g->cov);
	ps_free(g->fitted);
	ps_free(g);
}

promstat_glm_status promstat_glm_state(const promstat_glm *g)
{
	return g->status;
}

const char *promstat_glm_status_name(promstat_glm_status s)
{
	switch (s) {
	case PROMSTAT_GLM_OK:
		return "ok";
	case PROMSTAT_GLM_RANK_DEFICIENT:
		return "rank-deficient design";
	case PROMSTAT_GLM_SEPARATION:
		return "separation";
	case PROMSTAT_GLM_NOT_CONVERGED:
		return "did not converge";
	case PROMSTAT_GLM_NO_DF:
		return "no residual degrees of freedom";
	}
	return "";
}

size_t promstat_glm_p(const promstat_glm *g)
{
	return g->p;
}

size_t promstat_glm_n_used(const promstat_glm *g)
{
	return g->n_used;
}

const double *promstat_glm_coef(const promstat_glm *g)
{
	return g->coef;
}

const double *promstat_glm_cov(const promstat_glm *g)
{
	return g->cov;
}

const double *promstat_glm_fitted(const promstat_glm *g)
{
	return g->fitted;
}

double promstat_glm_deviance(const promstat_glm *g)
{
	return g->deviance;
}

double promstat_glm_sigma(const promstat_glm *g)
{
	return g->sigma;
}

double promstat_glm_df_residual(const promstat_glm *g)
{
	return g->df;
}

int promstat_glm_iterations(const promstat_glm *g)
{
	return g->iterations;
}

long promstat_glm_aliased(const promstat_glm *g)
{
	return g->aliased;
}

int promstat_glm_mean_prediction(const promstat_glm *g, const double *x, size_t n,
				 const double *w, double *mean, double *grad,
				 promstat_error *err)
{
	size_t i, j, p = g->p;
	double sw = 0, s = 0;

	*mean = NAN;
	if (grad)
		for (j = 0; j < p; j++)
			grad[j] = NAN;
	if (!x || n == 0)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no units to average over");
	for (i = 0; i < n; i++) {
		if (w && !(w[i] >= 0 && isfinite(w[i])))
			return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
					"weight %zu is negative or not finite", i + 1);
		for (j = 0; j < p; j++)
			if (!isfinite(x[i * p + j]))
				return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0,
						"unit %zu has a non-finite value in column %zu",
						i + 1, j + 1);
		sw += w ? w[i] : 1;
	}
	if (!(sw > 0))
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "the weights sum to 0");
	if (g->status != PROMSTAT_GLM_OK)
		return ps_error(err, PROMSTAT_ENUMERIC, NULL, 0, 0, "the model has no estimates (%s)",
				promstat_glm_status_name(g->status));
	if (grad)
		for (j = 0; j < p; j++)
			grad[j] = 0;
	for (i = 0; i < n; i++) {
		double e = 0, wi = (w ? w[i] : 1) / sw, d = 1;

		for (j = 0; j < p; j++)
			e += x[i * p + j] * g->coef[j];
		if (g->logistic) {
			double mu = expit(e);

			d = mu * (1 - mu);
			e = mu;
		}
		s += wi * e;
		if (grad)
			for (j = 0; j < p; j++)
				grad[j] += wi * d * x[i * p + j];
	}
	*mean = s;
	return PROMSTAT_OK;
}

double promstat_glm_delta_variance(const promstat_glm *g, const double *grad)
{
	size_t i, j, p = g->p;
	double v = 0;

	if (g->status != PROMSTAT_GLM_OK || !grad)
		return NAN;
	for (i = 0; i < p; i++)
		for (j = 0; j < p; j++)
			v += grad[i] * g->cov[i * p + j] * grad[j];
	return v;
}
