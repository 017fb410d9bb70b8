/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Check suite for the MCID and durability statistics: ROC with pROC's
 * conventions (roc.c), Kaplan-Meier and log-rank (survival.c), the MCID
 * cells (mcid.c) and durability (durability.c).
 *
 * Expected values come from R (tests/reference/gen-mcid-survival.R wrote
 * tests/mcid_survival_reference.h with pROC, glm and survival) or from hand
 * computation written out in the comments.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "promstat_mcid.h"
#include "mcid_survival_reference.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define ck_close(x, y, tol)                                                                   \
	ck_assert_msg(fabs((x) - (y)) <= (tol), "%s = %.17g, expected %.17g (tol %g)", #x,   \
		      (double)(x), (double)(y), (double)(tol))
#define ck_undef(x) ck_assert_msg(isnan(x), "%s = %.17g, expected undefined", #x, (double)(x))
/* equal, or both undefined (R's NA) */
#define ck_same(x, y, tol)                                                                    \
	do {                                                                                  \
		if (isnan(y))                                                                 \
			ck_undef(x);                                                          \
		else if (isinf(y))                                                            \
			ck_assert_msg((x) == (y), "%s = %.17g, expected %g", #x, (double)(x), \
				      (double)(y));                                           \
		else                                                                          \
			ck_close(x, y, tol);                                                  \
	} while (0)

/* ------------------------------------------------------------------ */
/* ROC                                                                 */
/* ------------------------------------------------------------------ */

static void roc_against(const double *x, const int *y, size_t n, const double *e)
{
	promstat_roc *r = NULL;
	promstat_error err;

	ck_assert_int_eq(promstat_roc_fit(x, y, n, 95, &r, &err), 0);
	ck_close(r->auc, e[0], 1e-13);
	ck_close(r->auc_ci_lb, e[1], 1e-12);
	ck_close(r->auc_ci_ub, e[2], 1e-12);
	/* the threshold and se/sp are exact: the same doubles pROC computes */
	ck_assert_msg(r->threshold == e[3], "threshold %.17g, pROC %.17g", r->threshold, e[3]);
	ck_assert(r->sensitivity == e[4]);
	ck_assert(r->specificity == e[5]);
	ck_assert_uint_eq(r->n_best, (size_t)e[6]);
	promstat_roc_free(r);
}

START_TEST(roc_integer_scores)
{
	roc_against(roc_int_x, roc_int_y, N(roc_int_x), roc_int_expect);
}
END_TEST

START_TEST(roc_continuous_scores)
{
	roc_against(roc_cont_x, roc_cont_y, N(roc_cont_x), roc_cont_expect);
}
END_TEST

START_TEST(roc_youden_ties_as_proc)
{
	roc_against(roc_tie_x, roc_tie_y, N(roc_tie_x), roc_tie_expect);
	roc_against(roc_tie3_x, roc_tie3_y, N(roc_tie3_x), roc_tie3_expect);
	roc_against(roc_tievals_x, roc_tievals_y, N(roc_tievals_x), roc_tievals_expect);
}
END_TEST

START_TEST(roc_ties_by_hand)
{
	/* improvements 0 0 1 1 2 2 3, improved 0 0 0 1 0 1 1: 3 cases, 4 controls.
	 * thresholds -Inf .5 1.5 2.5 Inf:
	 *   -Inf: se 3/3 sp 0/4 (J+1 = 1)
	 *   0.5 : se 3/3 sp 2/4 (1.5)
	 *   1.5 : se 2/3 sp 3/4 (1.41667)
	 *   2.5 : se 1/3 sp 4/4 (1.33333)
	 *   Inf : se 0   sp 1   (1)
	 * best 0.5, alone. AUC: the cases' placements are P(control < x) +
	 * P(control = x)/2: x=1: (2 + 0.5)/4, x=2: (3 + 0.5)/4, x=3: 4/4;
	 * mean (0.625 + 0.875 + 1)/3 = 0.8333... */
	static const double x[] = { 0, 0, 1, 1, 2, 2, 3 };
	static const int y[] = { 0, 0, 0, 1, 0, 1, 1 };
	promstat_roc *r = NULL;
	promstat_error err;

	ck_assert_int_eq(promstat_roc_fit(x, y, 7, 95, &r, &err), 0);
	ck_assert_uint_eq(r->n_points, 5);
	ck_assert(r->threshold == 0.5);
	ck_assert_uint_eq(r->n_best, 1);
	ck_close(r->sensitivity, 1.0, 0);
	ck_close(r->specificity, 0.5, 0);
	ck_close(r->auc, 2.5 / 3, 1e-15);
	ck_assert(r->points[0].threshold == -INFINITY);
	ck_assert(r->points[4].threshold == INFINITY);
	promstat_roc_free(r);
}
END_TEST

START_TEST(roc_needs_both_groups)
{
	static const double x[] = { 1, 2, 3 };
	static const int y[] = { 1, 1, 1 };
	promstat_roc *r = NULL;
	promstat_error err;

	ck_assert_int_eq(promstat_roc_fit(x, y, 3, 95, &r, &err), PROMSTAT_EDATA);
	ck_assert_ptr_null(r);
}
END_TEST

START_TEST(icc_against_r)
{
	ck_close(promstat_icc21(icc_a, icc_b, N(icc_a)), icc_expect, 1e-13);
	/* identical ratings agree perfectly; one pair is too few */
	ck_close(promstat_icc21(icc_a, icc_a, N(icc_a)), 1.0, 1e-15);
	ck_undef(promstat_icc21(icc_a, icc_b, 1));
}
END_TEST

/* ------------------------------------------------------------------ */
/* Kaplan-Meier and log-rank                                           */
/* ------------------------------------------------------------------ */

static void km_against(const double *t, const int *e, size_t n, const double *time,
		       const double *nrisk, const double *surv, const double *se,
		       const double *lower, const double *upper, size_t nsteps,
		       const double *median, const double *at_nrisk, const double *at_surv)
{
	static const double days[] = { 42, 90, 180, 365, 730 };
	promstat_km *km = NULL;
	promstat_error err;
	size_t i;

	ck_assert_int_eq(promstat_km_fit(t, e, n, 95, &km, &err), 0);
	ck_assert_uint_eq(km->n_steps, nsteps);
	for (i = 0; i < nsteps; i++) {
		ck_assert(km->steps[i].time == time[i]);
		ck_assert_uint_eq(km->steps[i].n_risk, (size_t)nrisk[i]);
		ck_close(km->steps[i].surv, surv[i], 1e-14);
		ck_same(km->steps[i].std_err, se[i], 1e-13);
		ck_same(km->steps[i].lower, lower[i], 1e-13);
		ck_same(km->steps[i].upper, upper[i], 1e-13);
	}
	ck_same(km->median, median[0], 0);
	ck_same(km->median_lb, median[1], 0);
	ck_same(km->median_ub, median[2], 0);
	for (i = 0; i < 5; i++) {
		size_t r;
		double s;

		promstat_km_at(km, days[i], &r, &s, NULL, NULL);
		ck_assert_uint_eq(r, (size_t)at_nrisk[i]);
		ck_close(s, at_surv[i], 1e-14);
	}
	promstat_km_free(km);
}

#define KM(tag)                                                                                \
	km_against(km_##tag##_t, km_##tag##_e, N(km_##tag##_t), km_##tag##_time,               \
		   km_##tag##_nrisk, km_##tag##_surv, km_##tag##_se, km_##tag##_lower,          \
		   km_##tag##_upper, N(km_##tag##_time), km_##tag##_median, km_##tag##_at_nrisk, \
		   km_##tag##_at_surv)

START_TEST(km_visit_days)
{
	KM(visits);
}
END_TEST

START_TEST(km_every_responder_censored)
{
	KM(censored);
}
END_TEST

START_TEST(km_median_at_one_half)
{
	/* S = 1, 3/4, 1/2 (at 20), 1/2, 0 (at 40): survival averages 20 and 40 */
	KM(half);
	KM(zero);
}
END_TEST

START_TEST(logrank_three_groups)
{
	promstat_logrank *lr = NULL;
	promstat_error err;
	size_t i;

	ck_assert_int_eq(promstat_logrank_test(lr_t, lr_e, lr_g, N(lr_t), 3, &lr, &err), 0);
	for (i = 0; i < 3; i++) {
		ck_close(lr->observed[i], lr_obs[i], 0);
		ck_close(lr->expected[i], lr_exp[i], 1e-11);
	}
	ck_assert_int_eq(lr->df, 2);
	ck_close(lr->chisq, lr_expect[0], 1e-11);
	ck_close(lr->p, lr_expect[1], 1e-12);
	promstat_logrank_free(lr);
}
END_TEST

START_TEST(logrank_one_group_is_undefined)
{
	static const double t[] = { 1, 2, 3 };
	static const int e[] = { 1, 0, 1 };
	static const size_t g[] = { 1, 1, 1 };
	promstat_logrank *lr = NULL;
	promstat_error err;

	ck_assert_int_eq(promstat_logrank_test(t, e, g, 3, 2, &lr, &err), 0);
	ck_assert_int_eq(lr->df, 0);
	ck_undef(lr->chisq);
	ck_undef(lr->p);
	promstat_logrank_free(lr);
	/* a group out of range is an error, not a crash */
	ck_assert_int_eq(promstat_logrank_test(t, e, g, 3, 1, &lr, &err), PROMSTAT_EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mcid");
	TCase *roc = tcase_create("roc"), *surv = tcase_create("survival");
	SRunner *sr;
	int failed;

	tcase_add_test(roc, roc_integer_scores);
	tcase_add_test(roc, roc_continuous_scores);
	tcase_add_test(roc, roc_youden_ties_as_proc);
	tcase_add_test(roc, roc_ties_by_hand);
	tcase_add_test(roc, roc_needs_both_groups);
	tcase_add_test(roc, icc_against_r);
	suite_add_tcase(s, roc);
	tcase_add_test(surv, km_visit_days);
	tcase_add_test(surv, km_every_responder_censored);
	tcase_add_test(surv, km_median_at_one_half);
	tcase_add_test(surv, logrank_three_groups);
	tcase_add_test(surv, logrank_one_group_is_undefined);
	suite_add_tcase(s, surv);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
