/* SPDX-License-Identifier: GPL-3.0-or-later */
/* engine/rmamv.c against metafor 3.8.1 rma.mv on dat.konstantopoulos2011
 * (tests/reference/gen-rmamv.R wrote tests/rmamv_reference.h). */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "promstat_rmamv.h"
#include "rmamv_reference.h"

/* Estimates and SEs to 1e-6 relative; variance components, which sit on a
 * flat likelihood, to 1e-5 relative (metafor's own rel.tol is 1e-10). */
static void near(double got, double want, double rel, const char *what)
{
	double tol = rel * (fabs(want) > 1e-3 ? fabs(want) : 1e-3);
	ck_assert_msg(fabs(got - want) <= tol, "%s: got %.12g, metafor %.12g", what, got, want);
}

static void fit_and_compare(int structure, int method, double rho, int mod,
			    const double *beta, const double *se, const double *theta,
			    double QM, double QE, double ll, const char *name)
{
	long study[KON_N];
	double X[KON_N * 2];
	size_t p = mod ? 2 : 1;
	for (size_t i = 0; i < KON_N; i++) {
		study[i] = (long)kon_district[i];
		X[i * p] = 1.0;
		if (mod)
			X[i * p + 1] = kon_year[i] - 1990.0;
	}
	promstat_rmamv *m = NULL;
	promstat_error err;
	int rc = promstat_rmamv_fit(kon_yi, kon_vi, study, KON_N, X, p, 1, structure, method, rho,
				    &m, &err);
	ck_assert_msg(rc == PROMSTAT_OK, "%s: %s", name, err.message);
	for (size_t j = 0; j < p; j++) {
		near(promstat_rmamv_beta(m, j), beta[j], 1e-6, name);
		near(promstat_rmamv_se(m, j), se[j], 1e-6, name);
	}
	near(promstat_rmamv_theta(m, 0), theta[0], 1e-5, name);
	near(promstat_rmamv_theta(m, 1), theta[1], 1e-5, name);
	near(promstat_rmamv_qm(m, NULL, NULL), QM, 1e-6, name);
	near(promstat_rmamv_qe(m, NULL, NULL), QE, 1e-9, name);
	near(promstat_rmamv_loglik(m), ll, 1e-9, name);
	promstat_rmamv_free(m);
}

#define REF(n) ref_##n##_beta, ref_##n##_se, ref_##n##_theta, ref_##n##_QM, ref_##n##_QE, \
	ref_##n##_ll, #n

START_TEST(three_level_reml)
{
	fit_and_compare(PROMSTAT_RMAMV_THREELEVEL, PROMSTAT_RMAMV_REML, NAN, 0, REF(three_reml));
}
END_TEST

START_TEST(three_level_ml)
{
	fit_and_compare(PROMSTAT_RMAMV_THREELEVEL, PROMSTAT_RMAMV_ML, NAN, 0, REF(three_ml));
}
END_TEST

START_TEST(three_level_moderator)
{
	fit_and_compare(PROMSTAT_RMAMV_THREELEVEL, PROMSTAT_RMAMV_REML, NAN, 1, REF(three_mod));
}
END_TEST

START_TEST(cs_rho_half)
{
	fit_and_compare(PROMSTAT_RMAMV_CS, PROMSTAT_RMAMV_REML, 0.5, 0, REF(csfix));
}
END_TEST

START_TEST(cs_rho_estimated)
{
	fit_and_compare(PROMSTAT_RMAMV_CS, PROMSTAT_RMAMV_REML, NAN, 0, REF(cs));
}
END_TEST

START_TEST(invalid_input)
{
	double y[3] = { 1, 2, 3 }, v[3] = { 1, 0, 1 }, X[3] = { 1, 1, 1 };
	long s[3] = { 1, 1, 2 };
	promstat_rmamv *m = (promstat_rmamv *)1;
	promstat_error err;
	ck_assert_int_eq(promstat_rmamv_fit(y, v, s, 3, X, 1, 1, PROMSTAT_RMAMV_CS,
					    PROMSTAT_RMAMV_REML, 0.5, &m, &err), PROMSTAT_EINVAL);
	ck_assert_ptr_null(m);
	v[1] = 1;
	ck_assert_int_eq(promstat_rmamv_fit(y, v, s, 1, X, 1, 1, PROMSTAT_RMAMV_CS,
					    PROMSTAT_RMAMV_REML, 0.5, &m, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_rmamv_fit(y, v, s, 3, X, 1, 1, PROMSTAT_RMAMV_CS,
					    PROMSTAT_RMAMV_REML, 1.5, &m, &err), PROMSTAT_EINVAL);
	promstat_rmamv_free(NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rmamv");
	TCase *tc = tcase_create("metafor");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, three_level_reml);
	tcase_add_test(tc, three_level_ml);
	tcase_add_test(tc, three_level_moderator);
	tcase_add_test(tc, cs_rho_half);
	tcase_add_test(tc, cs_rho_estimated);
	tcase_add_test(tc, invalid_input);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
