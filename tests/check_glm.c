/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Check suite for the regression models (engine/glm.c). Expected values
 * are R's glm() and lm() on the same data (tests/glm_reference.h, written
 * by tests/reference/gen-glm.R), and hand computations in the comments.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "promstat.h"
#include "promstat_glm.h"
#include "glm_reference.h"

/* |x - y| <= tol * max(1, |y|) */
#define ck_rel(x, y, tol)                                                                     \
	ck_assert_msg(fabs((x) - (double)(y)) <= (tol) * fmax(1, fabs((double)(y))),                         \
		      "%s = %.17g, expected %.17g (tol %g)", #x, (double)(x), (double)(y),    \
		      (double)(tol))

static promstat_glm *fit_logistic(const double *x, size_t n, size_t p, const double *y,
				  const double *w)
{
	promstat_glm *g = NULL;
	promstat_error err;

	ck_assert_int_eq(promstat_glm_logistic(x, n, p, y, w, NULL, &g, &err), PROMSTAT_OK);
	ck_assert_ptr_nonnull(g);
	return g;
}

START_TEST(logistic_matches_glm)
{
	promstat_glm *g = fit_logistic(cm_x, CM_N, CM_P, cm_y, NULL);
	const double *b = promstat_glm_coef(g), *v = promstat_glm_cov(g),
		     *f = promstat_glm_fitted(g);
	size_t j;

	ck_assert_int_eq(promstat_glm_state(g), PROMSTAT_GLM_OK);
	ck_assert_uint_eq(promstat_glm_n_used(g), CM_N);
	for (j = 0; j < CM_P; j++)
		ck_rel(b[j], lr1_coef[j], 1e-9);
	for (j = 0; j < CM_P * CM_P; j++)
		ck_rel(v[j], lr1_cov[j], 1e-8);
	for (j = 0; j < 10; j++)
		ck_rel(f[j], lr1_fitted_head[j], 1e-10);
	ck_rel(promstat_glm_deviance(g), LR1_DEVIANCE, 1e-12);
	/* the same stopping rule and start as glm.fit: the same iterations */
	ck_assert_int_eq(promstat_glm_iterations(g), LR1_ITER);
	ck_rel(promstat_glm_df_residual(g), CM_N - CM_P, 0);
	ck_assert(isnan(promstat_glm_sigma(g)));
	promstat_glm_free(g);
}
END_TEST

/* Rows of cm_x with the therapy columns (1: B, 2: C) set to one level. */
static double *set_therapy(int level)
{
	double *x = malloc(sizeof cm_x);
	size_t i;

	ck_assert_ptr_nonnull(x);
	memcpy(x, cm_x, sizeof cm_x);
	for (i = 0; i < CM_N; i++) {
		x[i * CM_P + 1] = level == 1;
		x[i * CM_P + 2] = level == 2;
	}
	return x;
}

START_TEST(marginal_risk_difference)
{
	/* R: mean(predict(fit, newdata with every therapy = B, "response"))
	 * minus the same with A, and a central-difference gradient of it. */
	promstat_glm *g = fit_logistic(cm_x, CM_N, CM_P, cm_y, NULL);
	double *x0 = set_therapy(0), *x1 = set_therapy(1), *x2 = set_therapy(2);
	double m0, m1, m2, g0[CM_P], g1[CM_P], g2[CM_P], d[CM_P];
	size_t j;

	ck_assert_int_eq(promstat_glm_mean_prediction(g, x0, CM_N, NULL, &m0, g0, NULL),
			 PROMSTAT_OK);
	ck_assert_int_eq(promstat_glm_mean_prediction(g, x1, CM_N, NULL, &m1, g1, NULL),
			 PROMSTAT_OK);
	ck_assert_int_eq(promstat_glm_mean_prediction(g, x2, CM_N, NULL, &m2, g2, NULL),
			 PROMSTAT_OK);
	ck_rel(m0, LR1_P0_A, 1e-10);
	ck_rel(m1, LR1_P1_B, 1e-10);
	ck_rel(m2, LR1_P1_C, 1e-10);
	ck_rel(m1 - m0, LR1_RD_B, 1e-10);
	ck_rel(m2 - m0, LR1_RD_C, 1e-10);
	for (j = 0; j < CM_P; j++)
		d[j] = g1[j] - g0[j];
	/* numerical against analytic gradient: agreement to ~1e-9 */
	ck_rel(sqrt(promstat_glm_delta_variance(g, d)), LR1_RD_B_SE, 1e-7);
	for (j = 0; j < CM_P; j++)
		d[j] = g2[j] - g0[j];
	ck_rel(sqrt(promstat_glm_delta_variance(g, d)), LR1_RD_C_SE, 1e-7);
	free(x0);
	free(x1);
	free(x2);
	promstat_glm_free(g);
}
END_TEST

START_TEST(weighted_logistic_matches_glm)
{
	promstat_glm *g = fit_logistic(cm_x, CM_N, CM_P, cm_y, cm_w);
	const double *b = promstat_glm_coef(g), *v = promstat_glm_cov(g),
		     *f = promstat_glm_fitted(g);
	size_t j;

	ck_assert_int_eq(promstat_glm_state(g), PROMSTAT_GLM_OK);
	ck_assert_uint_eq(promstat_glm_n_used(g), LR2_NUSED);
	for (j = 0; j < CM_P; j++)
		ck_rel(b[j], lr2_coef[j], 1e-9);
	for (j = 0; j < CM_P * CM_P; j++)
		ck_rel(v[j], lr2_cov[j], 1e-8);
	ck_rel(promstat_glm_deviance(g), LR2_DEVIANCE, 1e-12);
	/* units of weight 0 still get a fitted probability (units 5, 17, 230) */
	ck_rel(f[4], lr2_fitted_zero_weight[0], 1e-10);
	ck_rel(f[16], lr2_fitted_zero_weight[1], 1e-10);
	ck_rel(f[229], lr2_fitted_zero_weight[2], 1e-10);
	promstat_glm_free(g);
}
END_TEST

START_TEST(badly_scaled_columns)
{
	/* age in days and a baseline of about 10^4: the column scaling keeps
	 * the rank test and the solve accurate */
	double *x = malloc(sizeof cm_x);
	promstat_glm *g;
	size_t i;

	ck_assert_ptr_nonnull(x);
	memcpy(x, cm_x, sizeof cm_x);
	for (i = 0; i < CM_N; i++) {
		x[i * CM_P + 3] *= 365.25;
		x[i * CM_P + 5] += 1e4;
	}
	g = fit_logistic(x, CM_N, CM_P, cm_y, NULL);
	ck_assert_int_eq(promstat_glm_state(g), PROMSTAT_GLM_OK);
	for (i = 0; i < CM_P; i++) {
		ck_rel(promstat_glm_coef(g)[i], lr3_coef[i], 1e-6);
		ck_rel(sqrt(promstat_glm_cov(g)[i * CM_P + i]), lr3_se[i], 1e-6);
	}
	/* ... and the model is the same: every non-intercept slope but the
	 * two rescaled ones as in the plain fit */
	ck_rel(promstat_glm_coef(g)[1], lr1_coef[1], 1e-7);
	ck_rel(promstat_glm_coef(g)[3] * 365.25, lr1_coef[3], 1e-7);
	free(x);
	promstat_glm_free(g);
}
END_TEST

START_TEST(linear_matches_lm)
{
	promstat_glm *g = NULL;
	size_t j;

	ck_assert_int_eq(promstat_glm_linear(cm_x, CM_N, CM_P, cm_impr, NULL, NULL, &g, NULL),
			 PROMSTAT_OK);
	ck_assert_int_eq(promstat_glm_state(g), PROMSTAT_GLM_OK);
	for (j = 0; j < CM_P; j++)
		ck_rel(promstat_glm_coef(g)[j], lm1_coef[j], 1e-10);
	for (j = 0; j < CM_P * CM_P; j++)
		ck_rel(promstat_glm_cov(g)[j], lm1_cov[j], 1e-10);
	ck_rel(promstat_glm_sigma(g), LM1_SIGMA, 1e-12);
	ck_rel(promstat_glm_deviance(g), LM1_RSS, 1e-11);
	promstat_glm_free(g);

	ck_assert_int_eq(promstat_glm_linear(cm_x, CM_N, CM_P, cm_impr, cm_w, NULL, &g, NULL),
			 PROMSTAT_OK);
	ck_assert_int_eq(promstat_glm_state(g), PROMSTAT_GLM_OK);
	ck_assert_uint_eq(promstat_glm_n_used(g), LR2_NUSED);
	for (j = 0; j < CM_P; j++)
		ck_rel(promstat_glm_coef(g)[j], lm2_coef[j], 1e-10);
	for (j = 0; j < CM_P * CM_P; j++)
		ck_rel(promstat_glm_cov(g)[j], lm2_cov[j], 1e-10);
	ck_rel(promstat_glm_sigma(g), LM2_SIGMA, 1e-12);
	/* lm's confint(): b +- qt(.975, df) se, df = 297 - 6 = 291 */
	ck_rel(promstat_glm_df_residual(g), 291, 0);
	{
		double se = sqrt(promstat_glm_cov(g)[1 * CM_P + 1]);
		double t = 1.9681495542478022; /* qt(0.975, 291) in R */

		ck_rel(promstat_glm_coef(g)[1] - t * se, LM2_B_CI_LB, 1e-9);
		ck_rel(promstat_glm_coef(g)[1] + t * se, LM2_B_CI_UB, 1e-9);
	}
	promstat_glm_free(g);
}
END_TEST

START_TEST(linear_by_hand)
{
	/* y = 1 + 2x exactly at x = 0..4 except y(4) = 10 (not 9): by hand,
	 * xbar = 2, ybar = 5.2, Sxx = 10, Sxy = 22, slope 2.2, intercept 0.8,
	 * residuals 0.2, -0.0, -0.2, -0.4, 0.4 -> RSS 0.4, sigma^2 = 0.4/3,
	 * var(slope) = sigma^2 / Sxx = 0.04/3. */
	const double x[] = { 1, 0, 1, 1, 1, 2, 1, 3, 1, 4 }, y[] = { 1, 3, 5, 7, 10 };
	promstat_glm *g = NULL;

	ck_assert_int_eq(promstat_glm_linear(x, 5, 2, y, NULL, NULL, &g, NULL), PROMSTAT_OK);
	ck_rel(promstat_glm_coef(g)[0], 0.8, 1e-14);
	ck_rel(promstat_glm_coef(g)[1], 2.2, 1e-14);
	ck_rel(promstat_glm_deviance(g), 0.4, 1e-13);
	ck_rel(promstat_glm_cov(g)[3], 0.04 / 3, 1e-13);
	ck_rel(promstat_glm_sigma(g), sqrt(0.4 / 3), 1e-13);
	promstat_glm_free(g);
}
END_TEST

START_TEST(logistic_by_hand)
{
	/* One binary covariate: the MLE reproduces the two observed rates,
	 * 3/4 at x = 0 and 1/4 at x = 1, so b0 = logit(3/4) = log 3 and
	 * b1 = logit(1/4) - logit(3/4) = -2 log 3; var(b1) is the sum of
	 * 1/(n p (1-p)) over the groups = 2 * 4/3. */
	const double x[] = { 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1 };
	const double y[] = { 1, 1, 1, 0, 1, 0, 0, 0 };
	promstat_glm *g = fit_logistic(x, 8, 2, y, NULL);

	ck_assert_int_eq(promstat_glm_state(g), PROMSTAT_GLM_OK);
	ck_rel(promstat_glm_coef(g)[0], log(3), 1e-12);
	ck_rel(promstat_glm_coef(g)[1], -2 * log(3), 1e-12);
	ck_rel(promstat_glm_cov(g)[3], 8.0 / 3, 1e-10);
	promstat_glm_free(g);
}
END_TEST

START_TEST(quasi_separation)
{
	/* every unit with s1 = 1 responded: R's glm "converges" with a
	 * coefficient of about 20 and no warning; the fit is not an estimate */
	promstat_glm *g = fit_logistic(qs_x, QS_N, 3, qs_y, NULL);
	size_t j;

	ck_assert_int_eq(promstat_glm_state(g), PROMSTAT_GLM_SEPARATION);
	for (j = 0; j < 3; j++)
		ck_assert(isnan(promstat_glm_coef(g)[j]));
	ck_assert(isnan(promstat_glm_cov(g)[0]));
	ck_assert(isnan(promstat_glm_fitted(g)[0]));
	ck_assert_str_eq(promstat_glm_status_name(promstat_glm_state(g)), "separation");
	promstat_glm_free(g);
}
END_TEST

START_TEST(complete_separation)
{
	promstat_glm *g = fit_logistic(cs_x, QS_N, 2, cs_y, NULL);
	double m, grad[2];

	ck_assert_int_eq(promstat_glm_state(g), PROMSTAT_GLM_SEPARATION);
	ck_assert_int_eq(promstat_glm_mean_prediction(g, cs_x, QS_N, NULL, &m, grad, NULL),
			 PROMSTAT_ENUMERIC);
	ck_assert(isnan(m) && isnan(grad[0]));
	ck_assert(isnan(promstat_glm_delta_variance(g, grad)));
	promstat_glm_free(g);
}
END_TEST

START_TEST(near_separation_is_finite)
{
	/* one unit on the wrong side: a large but finite MLE, which R finds */
	promstat_glm *g = fit_logistic(cs_x, QS_N, 2, ov_y, NULL);

	ck_assert_int_eq(promstat_glm_state(g), PROMSTAT_GLM_OK);
	ck_rel(promstat_glm_coef(g)[0], ov_coef[0], 1e-8);
	ck_rel(promstat_glm_coef(g)[1], ov_coef[1], 1e-8);
	ck_rel(sqrt(promstat_glm_cov(g)[0]), ov_se[0], 1e-7);
	ck_rel(sqrt(promstat_glm_cov(g)[3]), ov_se[1], 1e-7);
	promstat_glm_free(g);
}
END_TEST

START_TEST(rank_deficient)
{
	/* a 7th column = therapyB + sex: glm.fit finds rank 6 of 7 */
	const size_t p = CM_P + 1;
	double *x = malloc(CM_N * p * sizeof *x);
	promstat_glm *g = NULL;
	size_t i, j;
	long a;

	ck_assert_ptr_nonnull(x);
	for (i = 0; i < CM_N; i++) {
		for (j = 0; j < CM_P; j++)
			x[i * p + j] = cm_x[i * CM_P + j];
		x[i * p + CM_P] = cm_x[i * CM_P + 1] + cm_x[i * CM_P + 4];
	}
	g = fit_logistic(x, CM_N, p, cm_y, NULL);
	ck_assert_int_eq(promstat_glm_state(g), PROMSTAT_GLM_RANK_DEFICIENT);
	a = promstat_glm_aliased(g);
	/* one of the three dependent columns is named */
	ck_assert_msg(a == 1 || a == 4 || a == 6, "aliased %ld", a);
	ck_assert(isnan(promstat_glm_coef(g)[0]));
	promstat_glm_free(g);
	ck_assert_int_eq(promstat_glm_linear(x, CM_N, p, cm_impr, NULL, NULL, &g, NULL),
			 PROMSTAT_OK);
	ck_assert_int_eq(promstat_glm_state(g), PROMSTAT_GLM_RANK_DEFICIENT);
	ck_assert(isnan(promstat_glm_sigma(g)));
	promstat_glm_free(g);
	/* a column of zeros (a level no unit has) */
	for (i = 0; i < CM_N; i++)
		x[i * p + CM_P] = 0;
	ck_assert_int_eq(promstat_glm_linear(x, CM_N, p, cm_impr, NULL, NULL, &g, NULL),
			 PROMSTAT_OK);
	ck_assert_int_eq(promstat_glm_state(g), PROMSTAT_GLM_RANK_DEFICIENT);
	ck_assert_int_eq(promstat_glm_aliased(g), CM_P);
	promstat_glm_free(g);
	free(x);
}
END_TEST

START_TEST(not_converged_and_no_df)
{
	promstat_glm_options o;
	promstat_glm *g = NULL;
	const double x[] = { 1, 0, 1, 1 }, y[] = { 0.5, 0.5 };

	promstat_glm_options_init(&o);
	o.max_iter = 2;
	ck_assert_int_eq(promstat_glm_logistic(cm_x, CM_N, CM_P, cm_y, NULL, &o, &g, NULL),
			 PROMSTAT_OK);
	ck_assert_int_eq(LR5_CONVERGED, 0); /* R agrees it did not converge */
	ck_assert_int_eq(promstat_glm_state(g), PROMSTAT_GLM_NOT_CONVERGED);
	ck_assert(isnan(promstat_glm_coef(g)[0]));
	promstat_glm_free(g);
	/* two units, two columns: no residual degrees of freedom */
	ck_assert_int_eq(promstat_glm_logistic(x, 2, 2, y, NULL, NULL, &g, NULL), PROMSTAT_OK);
	ck_assert_int_eq(promstat_glm_state(g), PROMSTAT_GLM_NO_DF);
	promstat_glm_free(g);
	ck_assert_int_eq(promstat_glm_linear(x, 2, 2, y, NULL, NULL, &g, NULL), PROMSTAT_OK);
	ck_assert_int_eq(promstat_glm_state(g), PROMSTAT_GLM_NO_DF);
	promstat_glm_free(g);
}
END_TEST

START_TEST(invalid_input)
{
	const double x[] = { 1, 0, 1, 1, 1, 2 }, y[] = { 0, 1, 2 }, yn[] = { 0, NAN, 1 };
	const double wneg[] = { 1, -1, 1 }, xi[] = { 1, 0, 1, INFINITY, 1, 2 };
	const double yok[] = { 0, 1, 1 };
	promstat_glm *g = (promstat_glm *)&g;
	promstat_error err;

	ck_assert_int_eq(promstat_glm_logistic(x, 3, 2, y, NULL, NULL, &g, &err), PROMSTAT_EINVAL);
	ck_assert_ptr_null(g);
	ck_assert_ptr_nonnull(strstr(err.message, "response 3"));
	ck_assert_int_eq(promstat_glm_logistic(x, 3, 2, yn, NULL, NULL, &g, &err),
			 PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_glm_linear(x, 3, 2, yn, NULL, NULL, &g, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_glm_linear(x, 3, 2, yok, wneg, NULL, &g, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_glm_linear(xi, 3, 2, yok, NULL, NULL, &g, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_glm_linear(x, 0, 2, yok, NULL, NULL, &g, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_glm_linear(x, 3, 0, yok, NULL, NULL, &g, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_glm_logistic(x, 3, 2, yok, NULL, NULL, NULL, &err),
			 PROMSTAT_EINVAL);
	promstat_glm_free(NULL);
}
END_TEST

static Suite *glm_suite(void)
{
	Suite *s = suite_create("glm");
	TCase *tc = tcase_create("glm");

	tcase_add_test(tc, logistic_matches_glm);
	tcase_add_test(tc, marginal_risk_difference);
	tcase_add_test(tc, weighted_logistic_matches_glm);
	tcase_add_test(tc, badly_scaled_columns);
	tcase_add_test(tc, linear_matches_lm);
	tcase_add_test(tc, linear_by_hand);
	tcase_add_test(tc, logistic_by_hand);
	tcase_add_test(tc, quasi_separation);
	tcase_add_test(tc, complete_separation);
	tcase_add_test(tc, near_separation_is_finite);
	tcase_add_test(tc, rank_deficient);
	tcase_add_test(tc, not_converged_and_no_df);
	tcase_add_test(tc, invalid_input);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(glm_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
