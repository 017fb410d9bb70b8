/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Check suite for the audit's regression-based readings (engine/casemix.c):
 * IPW rates, case-mix-adjusted comparisons and the provider funnel on
 * tests/data/casemix-registry.csv, against R (glm, lm, survey::svymean;
 * tests/casemix_reference.h from tests/reference/gen-casemix.R), and
 * Spiegelhalter's overdispersion on numbers worked by hand.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "casemix.h"
#include "casemix_reference.h"

#define DATA PROMSTAT_SRCDIR "/tests/data/"

#define ck_close(x, y, tol)                                                                   \
	ck_assert_msg(fabs((x) - (double)(y)) <= (tol), "%s = %.17g, expected %.17g (tol %g)", \
		      #x, (double)(x), (double)(y), (double)(tol))
#define ck_undef(x) ck_assert_msg(isnan(x), "%s = %.17g, expected undefined", #x, (double)(x))

static promstat_catalogue *cat;
static promstat_registry *reg;

static void load(void)
{
	promstat_error err;
	FILE *f;

	ck_assert_int_eq(promstat_catalogue_load(PROMSTAT_SRCDIR "/datasets/instruments.csv", &cat,
						 &err), 0);
	f = fopen(DATA "casemix-registry.csv", "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(promstat_registry_read(f, "casemix-registry.csv", cat, NULL, &reg, &err) == 0,
		      "%s", err.message);
	fclose(f);
}

static void unload(void)
{
	promstat_registry_free(reg);
	promstat_catalogue_free(cat);
	reg = NULL;
	cat = NULL;
}

static const promstat_audit_timepoint tps[] = { { 90, 30 }, { 365, 60 } };
static const char *const by_therapy[] = { "therapy" };

static promstat_audit *run(int overdispersion, size_t min_n)
{
	promstat_audit_options o;
	promstat_audit *a = NULL;
	promstat_error err;

	promstat_audit_options_init(&o);
	o.timepoints = tps;
	o.n_timepoints = 2;
	o.by = by_therapy;
	o.n_by = 1;
	o.reference = "A";
	o.funnel_by = "provider";
	o.overdispersion = overdispersion;
	o.min_n = min_n;
	ck_assert_msg(promstat_audit_run(reg, &o, &a, &err) == PROMSTAT_OK, "%s", err.message);
	return a;
}

START_TEST(ipw_matches_svymean)
{
	promstat_audit *a = run(0, 10);
	size_t i, n = promstat_audit_count(a);

	/* results: PAIN_NRS x (90, 365) x (A, B, C, ALL) */
	ck_assert_uint_eq(n, 8);
	for (i = 0; i < n; i++) {
		const promstat_audit_result *r = promstat_audit_get(a, i);
		const double *ref = cm_ipw + 3 * i;

		ck_assert_ptr_null(r->ipw_note);
		ck_close(r->mcid_rate_ipw, ref[0], 1e-9);
		ck_close(r->mcid_ipw_ci_lb, ref[1], 1e-9);
		ck_close(r->mcid_ipw_ci_ub, ref[2], 1e-9);
	}
	promstat_audit_free(a);
}
END_TEST

START_TEST(adjusted_matches_glm_lm)
{
	promstat_audit *a = run(0, 10);
	size_t i;

	ck_assert_uint_eq(promstat_audit_n_adjusted(a), 4);
	for (i = 0; i < 4; i++) {
		const promstat_audit_adjusted *q = promstat_audit_adjusted_get(a, i);
		const double *ref = cm_adj + 8 * i;

		ck_assert_str_eq(q->therapy, i % 2 ? "C" : "B");
		ck_assert_str_eq(q->reference, "A");
		ck_assert_int_eq(q->day, i < 2 ? 90 : 365);
		ck_assert_ptr_null(q->note);
		ck_assert_str_eq(q->covariates, "therapy + age + sex + baseline");
		ck_assert_uint_eq(q->n, (size_t)ref[0]);
		ck_assert_uint_eq(q->n_excluded, (size_t)ref[1]);
		ck_close(q->rd_adjusted, ref[2], 1e-9);
		/* delta method with the analytic gradient against R's numerical one */
		ck_close(q->rd_adjusted_ci_lb, ref[3], 1e-7);
		ck_close(q->rd_adjusted_ci_ub, ref[4], 1e-7);
		ck_close(q->mean_diff_adjusted, ref[5], 1e-10);
		ck_close(q->mean_diff_adjusted_ci_lb, ref[6], 1e-10);
		ck_close(q->mean_diff_adjusted_ci_ub, ref[7], 1e-10);
	}
	ck_assert_ptr_null(promstat_audit_adjusted_get(a, 4));
	promstat_audit_free(a);
}
END_TEST

static void check_funnel(int od)
{
	promstat_audit *a = run(od, 10);
	size_t t, k;

	ck_assert_str_eq(promstat_audit_funnel_by(a), "provider");
	ck_assert_uint_eq(promstat_audit_n_funnel_groups(a), 2);
	ck_assert_uint_eq(promstat_audit_n_funnel_points(a), 2 * CM_NPROV);
	for (t = 0; t < 2; t++) {
		const promstat_audit_funnel_group *g = promstat_audit_funnel_group_get(a, t);
		const double *gr = cm_fgroup + 8 * t;

		ck_assert_uint_eq(g->n, (size_t)gr[0]);
		ck_assert_uint_eq(g->n_excluded, (size_t)gr[1]);
		ck_close(g->overall_rate, gr[2], 1e-14);
		ck_close(g->residual_sd, gr[3], 1e-10);
		if (od) {
			ck_close(g->phi, gr[4], 1e-8);
			ck_close(g->tau2, gr[5], 1e-10);
			ck_close(g->phi_mean, gr[6], 1e-8);
			ck_close(g->tau2_mean, gr[7], 1e-10);
		} else {
			ck_undef(g->phi);
			ck_undef(g->tau2);
		}
		ck_assert_uint_eq(g->n_points, CM_NPROV);
		for (k = 0; k < CM_NPROV; k++) {
			const promstat_audit_funnel_point *p =
				promstat_audit_funnel_point_get(a, g->first_point + k);
			const double *r = cm_funnel + (t * CM_NPROV + k) * 9;
			double z = od ? r[7] : r[3], zm = od ? r[8] : r[6];

			ck_assert_str_eq(p->level, cm_providers[k]);
			ck_assert_uint_eq(p->n, (size_t)r[0]);
			if (p->n < 10) {
				/* the provider "tiny": no point, and why */
				ck_assert_str_eq(p->note, "fewer than 10 units followed up");
				ck_undef(p->observed_rate);
				ck_undef(p->z);
				ck_undef(p->z_mean);
				ck_assert_ptr_null(promstat_funnel_flag_name(p->flag));
				continue;
			}
			ck_close(p->observed_rate, r[1], 1e-14);
			ck_close(p->expected_rate, r[2], 1e-9);
			ck_close(p->z, z, 1e-8);
			ck_close(p->observed_mean, r[4], 1e-12);
			ck_close(p->expected_mean, r[5], 1e-10);
			ck_close(p->z_mean, zm, 1e-8);
			ck_assert_int_eq(p->flag, fabs(z) > PROMSTAT_FUNNEL_Z998 ? (z > 0 ? PROMSTAT_FUNNEL_ABOVE_998 : PROMSTAT_FUNNEL_BELOW_998)
						  : fabs(z) > PROMSTAT_FUNNEL_Z95 ? (z > 0 ? PROMSTAT_FUNNEL_ABOVE_95 : PROMSTAT_FUNNEL_BELOW_95)
										 : PROMSTAT_FUNNEL_WITHIN);
		}
	}
	promstat_audit_free(a);
}

START_TEST(funnel_matches_r)
{
	check_funnel(0);
}
END_TEST

START_TEST(funnel_overdispersed_matches_r)
{
	check_funnel(1);
}
END_TEST

START_TEST(funnel_flags_p04_and_p06)
{
	/* the generator gave provider p04 1.4 points more improvement and p06
	 * 0.9 less than their case mix; without overdispersion both fall
	 * outside the 99.8% limits on the mean at 90 days */
	promstat_audit *a = run(0, 10);
	const promstat_audit_funnel_group *g = promstat_audit_funnel_group_get(a, 0);

	ck_assert_str_eq(promstat_funnel_flag_name(
				 promstat_audit_funnel_point_get(a, g->first_point + 3)->flag_mean),
			 "above_99.8");
	ck_assert_str_eq(promstat_funnel_flag_name(
				 promstat_audit_funnel_point_get(a, g->first_point + 5)->flag_mean),
			 "below_99.8");
	ck_assert_str_eq(promstat_funnel_flag_name(
				 promstat_audit_funnel_point_get(a, g->first_point + 0)->flag_mean),
			 "within");
	promstat_audit_free(a);
}
END_TEST

START_TEST(small_therapy_not_compared)
{
	/* with --min-n 120 therapy C (98 paired units at 90 days) is left out of
	 * the models and its comparison is null with the reason */
	promstat_audit *a = run(0, 120);
	const promstat_audit_adjusted *b = promstat_audit_adjusted_get(a, 0),
				      *c = promstat_audit_adjusted_get(a, 1);

	ck_assert_str_eq(c->therapy, "C");
	ck_assert_uint_eq(c->n_therapy, 98);
	ck_undef(c->rd_adjusted);
	ck_undef(c->mean_diff_adjusted);
	ck_assert_str_eq(c->note, "fewer than 120 units followed up");
	ck_assert_uint_eq(b->n_therapy, 134);
	ck_assert_uint_eq(b->n_reference, 158);
	ck_assert(isfinite(b->rd_adjusted));
	ck_assert_uint_eq(b->n + c->n_therapy, (size_t)cm_adj[0]);
	promstat_audit_free(a);
}
END_TEST

START_TEST(overdispersion_by_hand)
{
	/* ten z-scores 1..10: quantile type 7 at 10% = 1 + 0.9 = 1.9, at 90%
	 * = 9.1; Winsorised: 1.9, 2..9, 9.1; sum of squares = 3.61 + 284 +
	 * 82.81 = 370.42, phi = 37.042. All s = 0.5: w = 4, sum w = 40,
	 * sum w^2 = 160, denominator 40 - 4 = 36; tau^2 = (370.42 - 9) / 36. */
	double z[10], s[10], work[10], phi, tau2;
	size_t i;

	for (i = 0; i < 10; i++) {
		z[i] = (double)(10 - i); /* any order */
		s[i] = 0.5;
	}
	ps_funnel_overdispersion(z, s, 10, work, &phi, &tau2);
	ck_close(phi, 37.042, 1e-12);
	ck_close(tau2, (370.42 - 9) / 36, 1e-12);
	/* no excess: z all 0.5 -> phi 0.25, tau^2 = 0 */
	for (i = 0; i < 10; i++)
		z[i] = 0.5;
	ps_funnel_overdispersion(z, s, 10, work, &phi, &tau2);
	ck_close(phi, 0.25, 1e-15);
	ck_close(tau2, 0, 0);
	ps_funnel_overdispersion(z, s, 1, work, &phi, &tau2);
	ck_undef(phi);
	ck_undef(tau2);
}
END_TEST

START_TEST(flag_names)
{
	ck_assert_str_eq(promstat_funnel_flag_name(PROMSTAT_FUNNEL_ABOVE_998), "above_99.8");
	ck_assert_str_eq(promstat_funnel_flag_name(PROMSTAT_FUNNEL_BELOW_95), "below_95");
	ck_assert_str_eq(promstat_funnel_flag_name(PROMSTAT_FUNNEL_WITHIN), "within");
	ck_assert_ptr_null(promstat_funnel_flag_name(PROMSTAT_FUNNEL_UNDEFINED));
}
END_TEST

/* Runs the audit of another file of tests/data with the options of run(). */
static promstat_audit *run_file(const char *name)
{
	promstat_registry *r2 = NULL, *keep = reg;
	promstat_audit *a;
	promstat_error err;
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s%s", DATA, name);
	f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(promstat_registry_read(f, name, cat, NULL, &r2, &err) == 0, "%s",
		      err.message);
	fclose(f);
	reg = r2;
	a = run(0, 10);
	reg = keep;
	promstat_registry_free(r2);
	return a;
}

START_TEST(separation_gives_nulls_and_a_note)
{
	/* every C unit responds at 90 days: R's glm gives C a coefficient of
	 * 18.7 without a warning; the audit gives no risk difference */
	promstat_audit *a = run_file("casemix-separation.csv");
	size_t i;

	for (i = 0; i < 2; i++) {
		const promstat_audit_adjusted *q = promstat_audit_adjusted_get(a, i);

		ck_assert_int_eq(q->day, 90);
		ck_undef(q->rd_adjusted);
		ck_undef(q->rd_adjusted_ci_lb);
		ck_assert_str_eq(q->note, "MCID model not fitted: separation");
		/* the linear model is unaffected */
		ck_assert(isfinite(q->mean_diff_adjusted));
		ck_assert(isfinite(q->mean_diff_adjusted_ci_lb));
	}
	/* 365 days is untouched */
	ck_assert(isfinite(promstat_audit_adjusted_get(a, 2)->rd_adjusted));
	ck_assert_ptr_null(promstat_audit_adjusted_get(a, 2)->note);
	/* the funnel's expected rates need the same model */
	{
		const promstat_audit_funnel_group *g = promstat_audit_funnel_group_get(a, 0);
		const promstat_audit_funnel_point *p = promstat_audit_funnel_point_get(a, g->first_point);

		ck_assert_str_eq(g->note, "MCID model not fitted: separation");
		ck_undef(g->overall_rate);
		ck_undef(p->expected_rate);
		ck_undef(p->z);
		ck_assert(isfinite(p->z_mean));
	}
	promstat_audit_free(a);
}
END_TEST

START_TEST(rank_deficiency_gives_nulls_and_a_note)
{
	/* sex is M exactly for therapy B: the design's columns coincide */
	promstat_audit *a = run_file("casemix-rank.csv");
	size_t i;

	for (i = 0; i < 4; i++) {
		const promstat_audit_adjusted *q = promstat_audit_adjusted_get(a, i);

		ck_undef(q->rd_adjusted);
		ck_undef(q->mean_diff_adjusted);
		ck_assert_str_eq(q->note, "MCID model not fitted: rank-deficient design; "
					  "improvement model not fitted: rank-deficient design");
	}
	for (i = 0; i < promstat_audit_count(a); i++) {
		const promstat_audit_result *r = promstat_audit_get(a, i);

		ck_undef(r->mcid_rate_ipw);
		ck_assert_str_eq(r->ipw_note, "follow-up model not fitted: rank-deficient design");
		ck_assert(isfinite(r->mcid_rate)); /* the completer rate stands */
	}
	promstat_audit_free(a);
}
END_TEST

/* A registry of n units (each written copies times under new ids): a
 * fixed scramble gives therapy, age, a PAIN_NRS baseline of 3-10 and
 * follow-ups at days 90 and 365 that are missing more often for high
 * baselines. */
static promstat_registry *scrambled_registry(size_t n, int copies)
{
	static const char *const ther[] = { "HA", "PRP", "MSC" };
	promstat_registry *r = NULL;
	promstat_error err;
	char *text = NULL;
	size_t len = 0, u;
	FILE *f = open_memstream(&text, &len);
	int c;

	ck_assert_ptr_nonnull(f);
	fputs("patient_id,therapy,age,day,instrument,score\n", f);
	for (c = 0; c < copies; c++)
		for (u = 0; u < n; u++) {
			unsigned x = (unsigned)u * 2654435761u, y = x ^ (x >> 13) * 40503u;
			int b = 3 + (int)(x >> 7) % 8, age = 30 + (int)((x >> 11) % 50);
			const char *t = ther[(x >> 4) % 3];

			fprintf(f, "U%zu_%d,%s,%d,-5,PAIN_NRS,%d\n", u, c, t, age, b);
			if ((y >> 3) % 10 < (unsigned)(13 - b))
				fprintf(f, "U%zu_%d,%s,%d,90,PAIN_NRS,%d\n", u, c, t, age,
					b - (int)((y >> 9) % 5));
			if ((y >> 17) % 10 < (unsigned)(11 - b))
				fprintf(f, "U%zu_%d,%s,%d,365,PAIN_NRS,%d\n", u, c, t, age,
					b - (int)((y >> 21) % 6));
		}
	ck_assert_int_eq(fclose(f), 0);
	f = fmemopen(text, len, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(promstat_registry_read(f, "scrambled", cat, NULL, &r, &err) == 0, "%s",
		      err.message);
	fclose(f);
	free(text);
	return r;
}

START_TEST(ipw_on_two_threads_as_on_one)
{
	/* Every unit twice: the follow-up model's estimates, and so every
	 * weight and weighted rate, are those of the registry written once.
	 * 2 x 50,000 units run the IPW models on two threads (from 100,000),
	 * 50,000 on one. */
	promstat_registry *r1 = scrambled_registry(50000, 1), *r2 = scrambled_registry(50000, 2);
	promstat_audit *a1 = NULL, *a2 = NULL;
	size_t i, defined = 0;

	promstat_audit_options o;
	promstat_error err;

	promstat_audit_options_init(&o);
	o.timepoints = tps;
	o.n_timepoints = 2;
	o.by = by_therapy;
	o.n_by = 1;
	ck_assert_msg(promstat_audit_run(r1, &o, &a1, &err) == PROMSTAT_OK, "%s", err.message);
	ck_assert_msg(promstat_audit_run(r2, &o, &a2, &err) == PROMSTAT_OK, "%s", err.message);
	ck_assert_uint_eq(promstat_audit_count(a1), promstat_audit_count(a2));
	for (i = 0; i < promstat_audit_count(a1); i++) {
		const promstat_audit_result *x = promstat_audit_get(a1, i),
					    *y = promstat_audit_get(a2, i);

		ck_assert_uint_eq(2 * x->n_followup, y->n_followup);
		if (isnan(x->mcid_rate_ipw)) {
			ck_undef(y->mcid_rate_ipw);
			continue;
		}
		ck_close(y->mcid_rate_ipw, x->mcid_rate_ipw, 1e-10);
		defined++;
	}
	ck_assert_uint_eq(defined, 8); /* 2 timepoints x (HA, MSC, PRP, ALL) */
	promstat_audit_free(a1);
	promstat_audit_free(a2);
	promstat_registry_free(r1);
	promstat_registry_free(r2);
}
END_TEST

static Suite *casemix_suite(void)
{
	Suite *s = suite_create("casemix");
	TCase *tc = tcase_create("casemix");

	/* ipw_on_two_threads_as_on_one fits 150,000 units: seconds under the sanitizers */
	tcase_set_timeout(tc, 300);
	tcase_add_checked_fixture(tc, load, unload);
	tcase_add_test(tc, ipw_matches_svymean);
	tcase_add_test(tc, adjusted_matches_glm_lm);
	tcase_add_test(tc, funnel_matches_r);
	tcase_add_test(tc, funnel_overdispersed_matches_r);
	tcase_add_test(tc, funnel_flags_p04_and_p06);
	tcase_add_test(tc, small_therapy_not_compared);
	tcase_add_test(tc, separation_gives_nulls_and_a_note);
	tcase_add_test(tc, rank_deficiency_gives_nulls_and_a_note);
	tcase_add_test(tc, ipw_on_two_threads_as_on_one);
	tcase_add_test(tc, overdispersion_by_hand);
	tcase_add_test(tc, flag_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(casemix_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
