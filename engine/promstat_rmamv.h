/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Multivariate random-effects meta-analysis with a known sampling
 * covariance, as metafor's rma.mv fits it (REML or ML).
 *
 * Data: k estimates y, their sampling variances v (the within-study
 * sampling covariance is taken as diagonal here: V = diag(v)), a study id
 * per estimate, and a k x p design matrix X (row-major). Every random
 * structure is within study, so the marginal covariance
 *   S(theta) = V + Z G(theta) Z'
 * is block-diagonal by study; each iteration factors every study's block
 * once (Cholesky, GSL), so the cost of one evaluation grows as
 * sum over studies of n_b^3 + k p^2: linear in the number of studies and
 * cubic in the largest block.
 *
 * Structures (theta):
 *  PROMSTAT_RMAMV_THREELEVEL  ~ 1 | study/row: sigma2_study on every pair
 *                             of one study, sigma2_row on the diagonal;
 *  PROMSTAT_RMAMV_CS          ~ row | study, struct = "CS": tau2 on the
 *                             diagonal, rho*tau2 off it; rho estimated in
 *                             (-1, 1) unless fixed (rho = 1/2 is the
 *                             consistency model of a network).
 */
#ifndef PROMSTAT_RMAMV_H
#define PROMSTAT_RMAMV_H

#include "promstat.h"

#ifdef __cplusplus
extern "C" {
#endif

enum promstat_rmamv_struct { PROMSTAT_RMAMV_THREELEVEL, PROMSTAT_RMAMV_CS };
enum promstat_rmamv_method { PROMSTAT_RMAMV_REML, PROMSTAT_RMAMV_ML };

typedef struct promstat_rmamv promstat_rmamv;

/*
 * Fits the model. study holds k ids; estimates of one study need not be
 * adjacent. X is k x p row-major (p >= 1, k > p). rho_fixed is used for
 * PROMSTAT_RMAMV_CS when it lies in (-1, 1), otherwise (pass NAN) rho is
 * estimated. intercept says whether X's first column is an intercept (it is
 * then left out of QM, as metafor does). Returns PROMSTAT_OK and *out, or
 * PROMSTAT_EINVAL (bad sizes, v <= 0, non-finite data), PROMSTAT_ENUMERIC
 * (X'S^-1X singular, a block not positive definite, no convergence) or
 * PROMSTAT_ENOMEM, with err filled.
 */
int promstat_rmamv_fit(const double *y, const double *v, const long *study, size_t k,
		       const double *X, size_t p, int intercept, int structure, int method,
		       double rho_fixed, promstat_rmamv **out, promstat_error *err);

void promstat_rmamv_free(promstat_rmamv *m);

size_t promstat_rmamv_ncoef(const promstat_rmamv *m);
double promstat_rmamv_beta(const promstat_rmamv *m, size_t j);
double promstat_rmamv_se(const promstat_rmamv *m, size_t j);
/* Entry (i, j) of the coefficients' covariance (X'S^-1X)^-1. */
double promstat_rmamv_vcov(const promstat_rmamv *m, size_t i, size_t j);
/* THREELEVEL: 0 = sigma2_study, 1 = sigma2_row. CS: 0 = tau2, 1 = rho. */
double promstat_rmamv_theta(const promstat_rmamv *m, size_t i);
/* Omnibus Wald test of the coefficients (all but the intercept): QM, its df
 * and p-value; an intercept-only model tests the intercept (as metafor). */
double promstat_rmamv_qm(const promstat_rmamv *m, size_t *df, double *pval);
/* Residual heterogeneity Q_E = y'(W - WX(X'WX)^-1X'W)y, W = V^-1, df k-p. */
double promstat_rmamv_qe(const promstat_rmamv *m, size_t *df, double *pval);
/* Log-likelihood (REML or ML) with metafor's constants. */
double promstat_rmamv_loglik(const promstat_rmamv *m);

#ifdef __cplusplus
}
#endif
#endif
