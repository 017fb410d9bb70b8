/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Regression models for case mix: logistic regression (binomial GLM, logit
 * link) fitted by iteratively reweighted least squares, and weighted linear
 * regression, each with the covariance of its coefficients. The engine uses
 * them for case-mix-adjusted comparisons, provider funnel plots, inverse
 * probability of follow-up weights and the predictive MIC.
 *
 * The caller builds the design matrix: x is n rows of p doubles, row-major
 * (x[i * p + j] is unit i's value of column j), with the intercept as a
 * column of ones when one is wanted. y holds the responses (0/1, or a
 * proportion in [0, 1], for the logistic model), w the prior weights (NULL
 * = all 1; a unit of weight 0 takes no part in the fit but gets a fitted
 * value). Nothing is kept of x, y or w after the call.
 *
 * A fit is a promstat_glm whatever the data held; its status says whether
 * the estimates exist. Separation (the likelihood grows without bound as
 * coefficients diverge, so some fitted probabilities go to 0 or 1), a
 * design whose columns are linearly dependent, no residual degrees of
 * freedom and a fit that does not converge are statuses, not errors: the
 * coefficients, covariance and fitted values are then NaN (undefined), so
 * no number can leave the model silently.
 *
 * Conventions follow R's glm.fit and lm.wfit, against which the tests check
 * every number (tests/reference/gen-glm.R).
 */
#ifndef PROMSTAT_GLM_H
#define PROMSTAT_GLM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct promstat_error;

typedef struct promstat_glm promstat_glm;

typedef enum promstat_glm_status {
	PROMSTAT_GLM_OK = 0,	   /* estimates exist and are returned */
	PROMSTAT_GLM_RANK_DEFICIENT, /* a column is a linear combination of others */
	PROMSTAT_GLM_SEPARATION,   /* logistic: coefficients diverge (no finite MLE) */
	PROMSTAT_GLM_NOT_CONVERGED, /* logistic: max_iter iterations were not enough */
	PROMSTAT_GLM_NO_DF	   /* fewer units of positive weight than columns + 1 */
} promstat_glm_status;

typedef struct promstat_glm_options {
	int max_iter;	  /* IRLS iterations (default 25, as glm.control) */
	double epsilon;	  /* |dev - dev_old| / (|dev| + 0.1) < epsilon (1e-8) */
	double rank_tol;  /* a column whose part not explained by the columns
			     before it (after scaling every column to unit
			     norm) is below rank_tol is aliased (1e-7, as lm) */
	int covariance;	  /* 0: leave the covariance NaN, saving one QR
			     decomposition of the design (default 1) */
} promstat_glm_options;

/* Fills opt with the defaults above. */
void promstat_glm_options_init(promstat_glm_options *opt);

/*
 * Logistic regression of y on x by IRLS (Newton-Raphson; McCullagh &
 * Nelder 1989, sec. 2.5), started as R's binomial family does
 * (mu = (w y + 0.5) / (w + 1)), stopped on R's deviance criterion. Once
 * converged it takes up to 10 further Newton steps: at a finite maximum
 * they change nothing (and polish the estimate to rounding), while under
 * separation every step moves the separated units' linear predictor by
 * about 1. Separation is reported when the last of those steps still moves
 * some unit's linear predictor by more than 1e-6, or when a fitted
 * probability is within 10 DBL_EPSILON of 0 or 1 (R's warning "fitted
 * probabilities numerically 0 or 1 occurred").
 *
 * The covariance is the inverse Fisher information (X' W X)^-1 with W the
 * final working weights w mu (1 - mu), dispersion 1 (R's vcov()).
 *
 * Returns PROMSTAT_OK with *out a new fit (check promstat_glm_state()),
 * PROMSTAT_EINVAL when n or p is 0, x, y or w holds a non-finite value, a
 * response is outside [0, 1] or a weight is negative, or PROMSTAT_ENOMEM.
 * x, y and *out must not be NULL.
 */
int promstat_glm_logistic(const double *x, size_t n, size_t p, const double *y,
			  const double *w, const promstat_glm_options *opt, promstat_glm **out,
			  struct promstat_error *err);

/*
 * Weighted least squares of y on x (R's lm with weights = w), by a QR
 * decomposition of sqrt(w) x. The residual SD is
 * sqrt(sum w e^2 / (n_w - p)) with n_w the units of positive weight, and
 * the covariance sigma^2 (X' W X)^-1. Returns as promstat_glm_logistic
 * (y may be any finite value).
 */
int promstat_glm_linear(const double *x, size_t n, size_t p, const double *y, const double *w,
			const promstat_glm_options *opt, promstat_glm **out,
			struct promstat_error *err);

/* Frees a fit; NULL is a no-op. */
void promstat_glm_free(promstat_glm *g);

promstat_glm_status promstat_glm_state(const promstat_glm *g);
/* "ok", "rank-deficient design", "separation", "did not converge",
 * "no residual degrees of freedom"; "" for an unknown status. */
const char *promstat_glm_status_name(promstat_glm_status s);

size_t promstat_glm_p(const promstat_glm *g);
/* Units that took part in the fit (positive weight). */
size_t promstat_glm_n_used(const promstat_glm *g);
/* The p coefficients, in the columns' order; NaN unless the status is OK. */
const double *promstat_glm_coef(const promstat_glm *g);
/* Their covariance, p x p row-major; NaN unless the status is OK. */
const double *promstat_glm_cov(const promstat_glm *g);
/* The n fitted values (probabilities, or x b); NaN unless OK. */
const double *promstat_glm_fitted(const promstat_glm *g);
/* Logistic: the residual deviance; linear: the weighted residual sum of
 * squares. NaN unless OK. */
double promstat_glm_deviance(const promstat_glm *g);
/* Linear: the residual SD; logistic: NaN. */
double promstat_glm_sigma(const promstat_glm *g);
/* n_used - p (as a double, for t quantiles). */
double promstat_glm_df_residual(const promstat_glm *g);
/* IRLS iterations done (1 for the linear model). */
int promstat_glm_iterations(const promstat_glm *g);
/* For PROMSTAT_GLM_RANK_DEFICIENT: the index of the first column found to
 * depend on the others (in pivoted order, as lm's aliased coefficient);
 * -1 otherwise. */
long promstat_glm_aliased(const promstat_glm *g);

/*
 * The mean of the model's predictions over the n rows of x (same p
 * columns as the fit; weights w, NULL = equal) and its gradient with
 * respect to the coefficients (p values into grad, which may be NULL):
 * for the logistic model mean = sum w_i expit(x_i b) / sum w_i and
 * grad = sum w_i mu_i (1 - mu_i) x_i / sum w_i; for the linear model the
 * mean of x_i b and the mean of x_i. This is marginal standardisation: set
 * a column of x to one value for every unit, and the mean is the predicted
 * rate had every unit had that value (Greenland 2004, Int J Epidemiol
 * 33:1389). Returns PROMSTAT_OK, PROMSTAT_EINVAL (n = 0, non-finite x,
 * negative or all-zero weights) or PROMSTAT_ENUMERIC when the fit's status
 * is not OK (then *mean and grad are NaN).
 */
int promstat_glm_mean_prediction(const promstat_glm *g, const double *x, size_t n,
				 const double *w, double *mean, double *grad,
				 struct promstat_error *err);

/*
 * The delta-method variance of a function of the coefficients with
 * gradient grad (p values): grad' V grad with V the coefficients'
 * covariance. NaN unless the status is OK.
 */
double promstat_glm_delta_variance(const promstat_glm *g, const double *grad);

#ifdef __cplusplus
}
#endif
#endif
