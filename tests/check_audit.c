/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Check suite for the audit engine: intervals (intervals.c), baseline and
 * follow-up selection (pairing.c) and the audit itself (audit.c).
 *
 * Expected values come from published tables (Newcombe 1998a/b), closed
 * forms (Clopper-Pearson at x = 0, 1, n-1, n; Wilson's formula) or hand
 * computation on tests/data/audit-small.csv, written out in the comments.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

#define DATA PROMSTAT_SRCDIR "/tests/data/"
#define Z975 1.959963984540054	 /* qnorm(0.975) */
#define T975_3 3.182446305284263 /* qt(0.975, 3) */
#define T975_4 2.7764451051977987 /* qt(0.975, 4) */
#define T975_1 12.706204736174707 /* qt(0.975, 1) */

#define ck_close(x, y, tol)                                                                   \
	ck_assert_msg(fabs((x) - (y)) <= (tol), "%s = %.17g, expected %.17g (tol %g)", #x,   \
		      (double)(x), (double)(y), (double)(tol))
#define ck_undef(x) ck_assert_msg(isnan(x), "%s = %.17g, expected undefined", #x, (double)(x))

/* ------------------------------------------------------------------ */
/* intervals                                                           */
/* ------------------------------------------------------------------ */

START_TEST(wilson_8_of_10)
{
	/* Wilson (1927): (2np + z^2 +- z sqrt(z^2 + 4np(1-p))) / (2(n + z^2)),
	 * n = 10, p = 0.8: 2np = 16, 4np(1-p) = 6.4. Written independently in the
	 * centre/half-width form: centre = (x + z^2/2)/(n + z^2),
	 * half = z sqrt(x(n-x)/n + z^2/4) / (n + z^2). */
	double z2 = Z975 * Z975, c = (8 + z2 / 2) / (10 + z2);
	double h = Z975 * sqrt(8.0 * 2.0 / 10.0 + z2 / 4) / (10 + z2);
	double lb, ub;

	ck_assert_int_eq(promstat_ci_wilson(8, 10, 95, &lb, &ub, NULL), PROMSTAT_OK);
	ck_close(lb, c - h, 1e-12);
	ck_close(ub, c + h, 1e-12);
	/* ... which is 0.4901625 to 0.9433178 to 7 decimals */
	ck_close(lb, 0.4901625, 5e-8);
	ck_close(ub, 0.9433178, 5e-8);
}
END_TEST

START_TEST(wilson_newcombe_table)
{
	/* Newcombe (1998a) Stat Med 17:857, Table II, method 3 (score, no CC) */
	static const struct { size_t x, n; double lb, ub; } t[] = {
		{ 81, 263, 0.2553, 0.3662 }, { 15, 148, 0.0624, 0.1605 },
		{ 0, 20, 0.0000, 0.1611 },   { 1, 29, 0.0061, 0.1718 },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof *t; i++) {
		double lb, ub;

		ck_assert_int_eq(promstat_ci_wilson(t[i].x, t[i].n, 95, &lb, &ub, NULL), 0);
		ck_close(lb, t[i].lb, 5e-5);
		ck_close(ub, t[i].ub, 5e-5);
	}
}
END_TEST

START_TEST(clopper_pearson_closed_forms)
{
	double lb, ub;

	/* x = 0: [0, 1 - (a/2)^(1/n)]; x = n: [(a/2)^(1/n), 1] */
	ck_assert_int_eq(promstat_ci_clopper_pearson(0, 10, 95, &lb, &ub, NULL), 0);
	ck_assert(lb == 0);
	ck_close(ub, 1 - pow(0.025, 0.1), 1e-12);
	ck_assert_int_eq(promstat_ci_clopper_pearson(10, 10, 95, &lb, &ub, NULL), 0);
	ck_close(lb, pow(0.025, 0.1), 1e-12);
	ck_assert(ub == 1);
	/* x = 1: P(X >= 1) = 1 - (1-p)^n = a/2 gives lb = 1 - (1 - a/2)^(1/n);
	 * x = n-1: ub = (1 - a/2)^(1/n) by symmetry */
	ck_assert_int_eq(promstat_ci_clopper_pearson(1, 10, 95, &lb, &ub, NULL), 0);
	ck_close(lb, 1 - pow(0.975, 0.1), 1e-12);
	ck_assert_int_eq(promstat_ci_clopper_pearson(9, 10, 95, &lb, &ub, NULL), 0);
	ck_close(ub, pow(0.975, 0.1), 1e-12);
	/* 90%: x = 0, n = 5 -> ub = 1 - 0.05^(1/5) */
	ck_assert_int_eq(promstat_ci_clopper_pearson(0, 5, 90, &lb, &ub, NULL), 0);
	ck_close(ub, 1 - pow(0.05, 0.2), 1e-12);
	/* Newcombe (1998a) Table II, method 5 (exact): 81/263 -> 0.2527, 0.3676 */
	ck_assert_int_eq(promstat_ci_proportion(PROMSTAT_CI_CLOPPER_PEARSON, 81, 263, 95, &lb,
						&ub, NULL), 0);
	ck_close(lb, 0.2527, 5e-5);
	ck_close(ub, 0.3676, 5e-5);
}
END_TEST

START_TEST(proportion_edge_cases)
{
	double lb = 0, ub = 0;
	promstat_error err;

	ck_assert_int_eq(promstat_ci_wilson(0, 0, 95, &lb, &ub, NULL), PROMSTAT_OK);
	ck_undef(lb);
	ck_undef(ub);
	ck_assert_int_eq(promstat_ci_clopper_pearson(0, 0, 95, &lb, &ub, NULL), PROMSTAT_OK);
	ck_undef(lb);
	ck_assert_int_eq(promstat_ci_wilson(3, 2, 95, &lb, &ub, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_ci_wilson(1, 2, 100, &lb, &ub, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_ci_wilson(1, 2, 0, &lb, &ub, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_ci_clopper_pearson(1, 2, NAN, &lb, &ub, &err), PROMSTAT_EINVAL);
	/* Wilson at x = 0 and x = n is exactly 0 and 1 at the closed end */
	ck_assert_int_eq(promstat_ci_wilson(0, 7, 95, &lb, &ub, NULL), 0);
	ck_assert(lb == 0);
	ck_assert_int_eq(promstat_ci_wilson(7, 7, 95, &lb, &ub, NULL), 0);
	ck_assert(ub == 1);
}
END_TEST

START_TEST(newcombe_published)
{
	/* Newcombe (1998b) Stat Med 17:873, Table II, method 10:
	 * (a) 56/70 - 48/80: 0.0524 to 0.3339; (b) 9/10 - 3/10: 0.1705 to 0.8090 */
	double lb, ub;

	ck_assert_int_eq(promstat_ci_newcombe(56, 70, 48, 80, 95, &lb, &ub, NULL), 0);
	ck_close(lb, 0.0524, 5e-5);
	ck_close(ub, 0.3339, 5e-5);
	ck_assert_int_eq(promstat_ci_newcombe(9, 10, 3, 10, 95, &lb, &ub, NULL), 0);
	ck_close(lb, 0.1705, 5e-5);
	ck_close(ub, 0.8090, 5e-5);
	ck_assert_int_eq(promstat_ci_newcombe(1, 2, 0, 0, 95, &lb, &ub, NULL), 0);
	ck_undef(lb);
	ck_undef(ub);
}
END_TEST

START_TEST(mean_interval)
{
	double lb, ub;

	/* mean 2, sd 1, n 2: 2 +- qt(.975, 1) / sqrt(2) */
	ck_assert_int_eq(promstat_ci_mean(2, 1, 2, 95, &lb, &ub, NULL), 0);
	ck_close(lb, 2 - T975_1 / sqrt(2), 1e-11);
	ck_close(ub, 2 + T975_1 / sqrt(2), 1e-11);
	ck_assert_int_eq(promstat_ci_mean(2, NAN, 1, 95, &lb, &ub, NULL), 0);
	ck_undef(lb);
	ck_undef(ub);
}
END_TEST

START_TEST(nnt_altman)
{
	/* Altman (1998) BMJ 317:1309: ARR 10% (95% CI -9.7% to 30%) is
	 * "NNTB 10 (NNTH 10.3 to infinity to NNTB 3.3)" */
	double nnt, lo, hi;
	int cross;
	char buf[96];

	promstat_nnt(0.10, -0.097, 0.30, &nnt, &lo, &hi, &cross);
	ck_close(nnt, 10, 1e-12);
	ck_close(lo, -1 / 0.097, 1e-12);
	ck_close(hi, 1 / 0.30, 1e-12);
	ck_assert_int_eq(cross, 1);
	ck_assert_str_eq(promstat_nnt_format(0.10, -0.097, 0.30, buf, sizeof buf),
			 "NNTB 10.0 (NNTH 10.3 to inf to NNTB 3.3)");
	/* benefit excluding 0: ARR 0.2 (0.1 to 0.4) -> NNTB 5 (2.5 to 10) */
	promstat_nnt(0.2, 0.1, 0.4, &nnt, &lo, &hi, &cross);
	ck_assert_int_eq(cross, 0);
	ck_assert_str_eq(promstat_nnt_format(0.2, 0.1, 0.4, buf, sizeof buf),
			 "NNTB 5.0 (2.5 to 10.0)");
	/* harm: -0.25 (-0.5 to -0.1) -> NNTH 4 (2 to 10) */
	ck_assert_str_eq(promstat_nnt_format(-0.25, -0.5, -0.1, buf, sizeof buf),
			 "NNTH 4.0 (2.0 to 10.0)");
	/* no difference: infinite NNT */
	promstat_nnt(0, -0.2, 0.25, &nnt, &lo, &hi, &cross);
	ck_undef(nnt);
	ck_assert_int_eq(cross, 1);
	ck_assert_str_eq(promstat_nnt_format(0, -0.2, 0.25, buf, sizeof buf),
			 "NNT inf (NNTH 5.0 to inf to NNTB 4.0)");
	ck_assert_str_eq(promstat_nnt_format(NAN, -0.2, 0.25, buf, sizeof buf), "");
}
END_TEST

/* ------------------------------------------------------------------ */
/* pairing                                                             */
/* ------------------------------------------------------------------ */

static size_t obs_days(ps_obs *o, const int *days, size_t n)
{
	size_t i;

	memset(o, 0, n * sizeof *o);
	for (i = 0; i < n; i++) {
		o[i].day = days[i];
		o[i].score = i;
	}
	return n;
}

START_TEST(pairing_baseline)
{
	ps_obs o[8];
	static const int a[] = { -100, -30, -5, 10 }, b[] = { -100, 20 }, c[] = { 0, 5 },
			 d[] = { -90 }, e[] = { -91, 1 }, f[] = { 3, 7 };

	/* largest day in [-90, 0] */
	ck_assert_int_eq(ps_pair_baseline(o, obs_days(o, a, 4), 90), 2);
	ck_assert_int_eq(ps_pair_baseline(o, obs_days(o, b, 2), 90), -1);
	ck_assert_int_eq(ps_pair_baseline(o, obs_days(o, c, 2), 90), 0);  /* day 0 counts */
	ck_assert_int_eq(ps_pair_baseline(o, obs_days(o, d, 1), 90), 0);  /* -90 inside */
	ck_assert_int_eq(ps_pair_baseline(o, obs_days(o, e, 2), 90), -1); /* -91 outside */
	ck_assert_int_eq(ps_pair_baseline(o, obs_days(o, e, 2), 91), 0);
	ck_assert_int_eq(ps_pair_baseline(o, obs_days(o, f, 2), 90), -1);
	ck_assert_int_eq(ps_pair_baseline(o, 0, 90), -1);
}
END_TEST

START_TEST(pairing_followup)
{
	ps_obs o[8];
	static const int tie[] = { -5, 135, 225 }, near[] = { 170, 185 }, tie2[] = { 175, 185 },
			 out[] = { 134, 226 }, many[] = { 140, 160, 179, 181, 200 };

	/* window [135, 225] around 180 */
	ck_assert_int_eq(ps_pair_followup(o, obs_days(o, tie, 3), 180, 45), 1); /* tie: earlier */
	ck_assert_int_eq(ps_pair_followup(o, obs_days(o, near, 2), 180, 45), 1);
	ck_assert_int_eq(ps_pair_followup(o, obs_days(o, tie2, 2), 180, 45), 0);
	ck_assert_int_eq(ps_pair_followup(o, obs_days(o, out, 2), 180, 45), -1);
	ck_assert_int_eq(ps_pair_followup(o, obs_days(o, many, 5), 180, 45), 2);
	ck_assert_int_eq(ps_pair_followup(o, obs_days(o, out, 2), 180, 46), 0); /* 134 at 46 */
}
END_TEST

/* ------------------------------------------------------------------ */
/* options                                                             */
/* ------------------------------------------------------------------ */

START_TEST(parse_timepoints)
{
	promstat_audit_timepoint *tp;
	size_t n;
	promstat_error err;

	ck_assert_int_eq(promstat_audit_parse_timepoints("90:30,42:14", &tp, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(tp[0].day, 42); /* sorted */
	ck_assert_int_eq(tp[1].halfwidth, 30);
	promstat_free(tp);
	/* [28, 56] and [56, 124] share day 56 */
	ck_assert_int_eq(promstat_audit_parse_timepoints("42:14,90:34", &tp, &n, &err),
			 PROMSTAT_EINVAL);
	ck_assert_ptr_null(tp);
	ck_assert(strstr(err.message, "overlap") != NULL);
	ck_assert_int_eq(promstat_audit_parse_timepoints("42:14,90:33", &tp, &n, &err), 0);
	promstat_free(tp);
	ck_assert_int_eq(promstat_audit_parse_timepoints("180:45,180:45", &tp, &n, &err),
			 PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_audit_parse_timepoints("10:10", &tp, &n, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_audit_parse_timepoints("180", &tp, &n, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_audit_parse_timepoints("180:x", &tp, &n, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_audit_parse_timepoints("", &tp, &n, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_audit_parse_timepoints("180:45,", &tp, &n, &err), PROMSTAT_EINVAL);
}
END_TEST

START_TEST(age_bands)
{
	double *c;
	size_t n;
	char buf[32];
	promstat_error err;
	static const double one[] = { 60 }, two[] = { 40, 60 }, frac[] = { 62.5 };

	ck_assert_str_eq(promstat_audit_age_band(59.99, one, 1, buf, sizeof buf), "<60");
	ck_assert_str_eq(promstat_audit_age_band(60, one, 1, buf, sizeof buf), ">=60");
	ck_assert_str_eq(promstat_audit_age_band(NAN, one, 1, buf, sizeof buf), "unknown");
	ck_assert_str_eq(promstat_audit_age_band(39.5, two, 2, buf, sizeof buf), "<40");
	ck_assert_str_eq(promstat_audit_age_band(40, two, 2, buf, sizeof buf), "40-59");
	ck_assert_str_eq(promstat_audit_age_band(59.5, two, 2, buf, sizeof buf), "40-59");
	ck_assert_str_eq(promstat_audit_age_band(60, two, 2, buf, sizeof buf), ">=60");
	ck_assert_str_eq(promstat_audit_age_band(62.4, frac, 1, buf, sizeof buf), "<62.5");
	ck_assert_int_eq(promstat_audit_parse_age_cuts("40,60", &c, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert(c[0] == 40 && c[1] == 60);
	promstat_free(c);
	ck_assert_int_eq(promstat_audit_parse_age_cuts("60,40", &c, &n, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_audit_parse_age_cuts("60,60", &c, &n, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_audit_parse_age_cuts("sixty", &c, &n, &err), PROMSTAT_EINVAL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* the audit on tests/data/audit-small.csv                             */
/* ------------------------------------------------------------------ */

static promstat_catalogue *cat;
static promstat_registry *reg;

static void load(void)
{
	FILE *f;
	promstat_error err;

	ck_assert_int_eq(promstat_catalogue_load(DATA "audit-instruments.csv", &cat, &err), 0);
	f = fopen(DATA "audit-small.csv", "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(promstat_registry_read(f, "audit-small.csv", cat, NULL, &reg, &err) == 0,
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

static promstat_audit *run(const promstat_audit_options *o)
{
	promstat_audit *a = NULL;
	promstat_error err;
	int rc = promstat_audit_run(reg, o, &a, &err);

	ck_assert_msg(rc == PROMSTAT_OK, "audit failed: %s", err.message);
	return a;
}

/* The result for (code, day) whose --by levels are l0 (and l1 if given). */
static const promstat_audit_result *find(const promstat_audit *a, const char *code, int day,
					 const char *l0, const char *l1)
{
	size_t i, nb = promstat_audit_n_by(a);

	for (i = 0; i < promstat_audit_count(a); i++) {
		const promstat_audit_result *r = promstat_audit_get(a, i);

		if (strcmp(r->instrument_code, code) || r->day != day || strcmp(r->levels[0], l0))
			continue;
		if (nb > 1 && l1 && strcmp(r->levels[1], l1))
			continue;
		return r;
	}
	ck_abort_msg("no result for %s day %d %s %s", code, day, l0, l1 ? l1 : "");
	return NULL;
}

START_TEST(audit_overall_pain)
{
	/*
	 * PAIN_NRS (0-10, lower better, MCID 2, PASS 4) at 180:45 = [135, 225].
	 * Baselines (largest day in [-90, 0]): P1 8.2 (day -10; -40 and -100 are
	 * earlier/outside), P2 6, P3 0, P4 10, P5 8, P2/2 7, P9 7; P6 has none,
	 * P7's -91 is outside -> n_baseline 7.
	 * Follow-ups: P1 170 vs 190 tie at distance 10 -> 170 (6.2); P2 3.5;
	 * P3 1; P4 225 (window edge) 5; P9 4.9; P5's 226 is outside; P2/2 only
	 * day 42 -> n_followup 5.
	 * improvements: 2 (8.2-6.2 = 1.9999999999999991 in binary), 2.5, -1, 5,
	 * 2.1 (7-4.9 = 2.0999999999999996): mean 10.6/5 = 2.12; deviations
	 * -0.12 0.38 -3.12 2.88 -0.02, squares sum 18.188, var 4.547.
	 * baseline mean 31.2/5 = 6.24, follow-up mean 20.6/5 = 4.12.
	 * MCID >= 2: P1 (only with the tolerance), P2, P4, P9 -> 4/5.
	 * room = baseline - 0: P3 has 0 -> excluded; 30%: P1 2 < 2.46 no,
	 * P2 2.5 >= 1.8, P4 5 >= 3, P9 2.1 >= 2.1 (tolerance) -> 3/4;
	 * 50%: P2 2.5 < 3, P4 5 >= 5, P9 2.1 < 3.5 -> 1/4.
	 * PASS follow-up <= 4: P2 3.5, P3 1 -> 2/5.
	 */
	promstat_audit *a;
	const promstat_audit_result *r;
	double lb, ub;

	load();
	a = run(NULL);
	r = find(a, "PAIN_NRS", 180, "ALL", "ALL");
	ck_assert_uint_eq(r->n_baseline, 7);
	ck_assert_uint_eq(r->n_followup, 5);
	ck_close(r->followup_rate, 5.0 / 7.0, 1e-15);
	ck_close(r->baseline_mean, 6.24, 1e-12);
	ck_close(r->followup_mean, 4.12, 1e-12);
	ck_close(r->mean_improvement, 2.12, 1e-12);
	ck_close(r->sd_improvement, sqrt(4.547), 1e-12);
	ck_close(r->improvement_ci_lb, 2.12 - T975_4 * sqrt(4.547 / 5), 1e-10);
	ck_close(r->improvement_ci_ub, 2.12 + T975_4 * sqrt(4.547 / 5), 1e-10);
	ck_assert(r->mcid == 2);
	ck_assert_uint_eq(r->mcid_responders, 4);
	ck_close(r->mcid_rate, 0.8, 1e-15);
	promstat_ci_wilson(4, 5, 95, &lb, &ub, NULL);
	ck_close(r->mcid_ci_lb, lb, 1e-15);
	ck_close(r->mcid_ci_ub, ub, 1e-15);
	ck_assert_uint_eq(r->pct_excluded, 1);
	ck_close(r->pct30_rate, 0.75, 1e-15);
	ck_close(r->pct50_rate, 0.25, 1e-15);
	ck_assert(r->pass == 4);
	ck_assert_uint_eq(r->pass_count, 2);
	ck_close(r->pass_rate, 0.4, 1e-15);
	promstat_audit_free(a);
	unload();
}
END_TEST

START_TEST(audit_strata_cube)
{
	/*
	 * Units: PRP <60: P1 (45), P2 (59.5), P9 (50); PRP >=60: P3 (60);
	 * HA >=60: P4, P7; HA unknown: P5; HA <60: P6 (30), P2/2 (59.5).
	 * Cells: HA x {<60, >=60, unknown, ALL}, PRP x {<60, >=60, ALL},
	 * ALL x {<60, >=60, unknown, ALL} = 11, in that order.
	 */
	promstat_audit *a;
	const promstat_audit_result *r;
	static const char *const order[][2] = {
		{ "HA", "<60" },  { "HA", ">=60" },  { "HA", "unknown" },  { "HA", "ALL" },
		{ "PRP", "<60" }, { "PRP", ">=60" }, { "PRP", "ALL" },	   { "ALL", "<60" },
		{ "ALL", ">=60" }, { "ALL", "unknown" }, { "ALL", "ALL" }
	};
	size_t i;

	load();
	a = run(NULL);
	ck_assert_uint_eq(promstat_audit_n_by(a), 2);
	ck_assert_str_eq(promstat_audit_by_name(a, 1), "age_band");
	ck_assert_uint_eq(promstat_audit_n_levels(a, 0), 2);
	ck_assert_uint_eq(promstat_audit_n_levels(a, 1), 3);
	/* instruments with data, catalogue order; WOMAC_PAIN has none */
	ck_assert_uint_eq(promstat_audit_n_instruments(a), 3);
	ck_assert_uint_eq(promstat_audit_n_timepoints(a), 5);
	ck_assert_uint_eq(promstat_audit_count(a), 3 * 5 * 11);
	for (i = 0; i < 11; i++) {
		r = promstat_audit_get(a, 2 * 11 + i); /* PAIN_NRS, third timepoint (180) */
		ck_assert_str_eq(r->instrument_code, "PAIN_NRS");
		ck_assert_int_eq(r->day, 180);
		ck_assert_str_eq(r->levels[0], order[i][0]);
		ck_assert_str_eq(r->levels[1], order[i][1]);
		ck_assert_int_eq(r->level_index[0] < 0, !strcmp(order[i][0], "ALL"));
	}
	/* PRP <60 at 180: P1 2, P2 2.5, P9 2.1: mean 2.2, squares of
	 * deviations 0.04 + 0.09 + 0.01 = 0.14, var 0.07; MCID 3/3 */
	r = find(a, "PAIN_NRS", 180, "PRP", "<60");
	ck_assert_uint_eq(r->n_baseline, 3);
	ck_assert_uint_eq(r->n_followup, 3);
	ck_close(r->mean_improvement, 2.2, 1e-12);
	ck_close(r->sd_improvement, sqrt(0.07), 1e-12);
	ck_assert_uint_eq(r->mcid_responders, 3);
	ck_assert(r->mcid_ci_ub == 1);
	/* HA unknown: P5 has a baseline, no follow-up at 180 (226 is outside) */
	r = find(a, "PAIN_NRS", 180, "HA", "unknown");
	ck_assert_uint_eq(r->n_baseline, 1);
	ck_assert_uint_eq(r->n_followup, 0);
	ck_assert(r->followup_rate == 0);
	ck_undef(r->baseline_mean);
	ck_undef(r->mean_improvement);
	ck_undef(r->sd_improvement);
	ck_undef(r->mcid_rate);
	ck_undef(r->mcid_ci_lb);
	ck_undef(r->pct30_rate);
	ck_undef(r->pass_rate);
	/* ... but at 90:30 its day-90 score pairs: 8 -> 6 */
	r = find(a, "PAIN_NRS", 90, "HA", "unknown");
	ck_assert_uint_eq(r->n_followup, 1);
	ck_close(r->mean_improvement, 2, 1e-15);
	ck_undef(r->sd_improvement); /* n = 1 */
	ck_undef(r->improvement_ci_lb);
	/* HA >=60: P4 pairs, P7's only baseline is day -91 */
	r = find(a, "PAIN_NRS", 180, "HA", ">=60");
	ck_assert_uint_eq(r->n_baseline, 1);
	ck_assert_uint_eq(r->n_followup, 1);
	/* HA <60: P6 has no baseline; episode 2 of P2 pairs only at 42:14 */
	r = find(a, "PAIN_NRS", 180, "HA", "<60");
	ck_assert_uint_eq(r->n_baseline, 1);
	ck_assert_uint_eq(r->n_followup, 0);
	r = find(a, "PAIN_NRS", 42, "HA", "<60");
	ck_assert_uint_eq(r->n_followup, 1);
	ck_close(r->mean_improvement, 3, 1e-15);
	/* 365:60: nobody */
	r = find(a, "PAIN_NRS", 365, "ALL", "ALL");
	ck_assert_uint_eq(r->n_baseline, 7);
	ck_assert_uint_eq(r->n_followup, 0);
	ck_undef(r->mean_improvement);
	promstat_audit_free(a);
	unload();
}
END_TEST

START_TEST(audit_higher_better)
{
	/*
	 * KOOS_PAIN (0-100, higher better, MCID 15, PASS 60) at 180: P1 40 -> 60
	 * (+20: MCID yes, room 60: 30% = 18 yes, 50% = 30 no, PASS 60 >= 60),
	 * P2 50 -> 45 (-5), P4 100 -> 90 (-10, no room: excluded, PASS yes).
	 * mean (20 - 5 - 10)/3 = 5/3; MCID 1/3; pct30 1/2; pct50 0/2; PASS 2/3.
	 */
	promstat_audit *a;
	const promstat_audit_result *r;

	load();
	a = run(NULL);
	r = find(a, "KOOS_PAIN", 180, "ALL", "ALL");
	ck_assert_uint_eq(r->n_followup, 3);
	ck_close(r->mean_improvement, 5.0 / 3.0, 1e-12);
	ck_assert_uint_eq(r->mcid_responders, 1);
	ck_assert_uint_eq(r->pct_excluded, 1);
	ck_close(r->pct30_rate, 0.5, 1e-15);
	ck_close(r->pct50_rate, 0, 1e-15);
	ck_close(r->pass_rate, 2.0 / 3.0, 1e-15);
	/* WOMAC_FUNCTION has no MCID: undefined rates, one note */
	r = find(a, "WOMAC_FUNCTION", 180, "ALL", "ALL");
	ck_assert_uint_eq(r->n_followup, 1);
	ck_close(r->mean_improvement, 20, 1e-15);
	ck_undef(r->mcid);
	ck_undef(r->mcid_rate);
	ck_undef(r->mcid_ci_lb);
	ck_undef(r->pass_rate);
	ck_assert_uint_eq(promstat_audit_n_notes(a), 1);
	ck_assert(strstr(promstat_audit_note(a, 0), "WOMAC_FUNCTION") != NULL);
	promstat_audit_free(a);
	unload();
}
END_TEST

START_TEST(audit_options)
{
	/* --mcid PAIN_NRS=2.5, --pass PAIN_NRS=3.5, --instrument PAIN_NRS,
	 * --by sex, --ci clopper-pearson, --age-bands unused, one timepoint.
	 * At 180 (ALL): improvements 2, 2.5, -1, 5, 2.1 -> >= 2.5: P2, P4 = 2/5;
	 * follow-ups <= 3.5: P2 3.5 (exactly), P3 1 -> 2/5.
	 * sex F: P1, P3, P9 (P5 no follow-up): MCID 2.5 none of 2, -1, 2.1 -> 0/3. */
	promstat_audit_options o;
	promstat_audit_threshold m = { "PAIN_NRS", 2.5 }, p = { "PAIN_NRS", 3.5 };
	promstat_audit_timepoint tp = { 180, 45 };
	const char *inst[] = { "PAIN_NRS" }, *by[] = { "SEX" };
	promstat_audit *a;
	const promstat_audit_result *r;
	double lb, ub;

	load();
	promstat_audit_options_init(&o);
	o.mcid = &m;
	o.n_mcid = 1;
	o.pass = &p;
	o.n_pass = 1;
	o.instruments = inst;
	o.n_instruments = 1;
	o.by = by;
	o.n_by = 1;
	o.timepoints = &tp;
	o.n_timepoints = 1;
	o.ci = PROMSTAT_CI_CLOPPER_PEARSON;
	a = run(&o);
	ck_assert_uint_eq(promstat_audit_count(a), 3); /* F, M, ALL */
	ck_assert_str_eq(promstat_audit_by_name(a, 0), "sex");
	r = find(a, "PAIN_NRS", 180, "ALL", NULL);
	ck_assert_uint_eq(r->mcid_responders, 2);
	ck_assert_uint_eq(r->pass_count, 2);
	promstat_ci_clopper_pearson(2, 5, 95, &lb, &ub, NULL);
	ck_close(r->mcid_ci_lb, lb, 1e-15);
	r = find(a, "PAIN_NRS", 180, "F", NULL);
	ck_assert_uint_eq(r->n_followup, 3);
	ck_assert_uint_eq(r->mcid_responders, 0);
	ck_assert(r->mcid_ci_lb == 0);
	ck_close(r->mcid_ci_ub, 1 - pow(0.025, 1.0 / 3), 1e-12);
	promstat_audit_free(a);
	unload();
}
END_TEST

START_TEST(audit_age_bands_two_cuts)
{
	/* --age-bands 40,60: P6 30 -> <40; P1 45, P2 59.5, P9 50, P2/2 -> 40-59;
	 * P3 60, P4, P7 -> >=60; P5 unknown. PAIN_NRS 180, 40-59 x PRP: 3 paired. */
	promstat_audit_options o;
	double cuts[] = { 40, 60 };
	promstat_audit *a;
	const promstat_audit_result *r;

	load();
	promstat_audit_options_init(&o);
	o.age_cuts = cuts;
	o.n_age_cuts = 2;
	a = run(&o);
	ck_assert_uint_eq(promstat_audit_n_levels(a, 1), 4);
	ck_assert_str_eq(promstat_audit_level(a, 1, 0), "<40");
	ck_assert_str_eq(promstat_audit_level(a, 1, 1), "40-59");
	ck_assert_str_eq(promstat_audit_level(a, 1, 2), ">=60");
	ck_assert_str_eq(promstat_audit_level(a, 1, 3), "unknown");
	r = find(a, "PAIN_NRS", 180, "PRP", "40-59");
	ck_assert_uint_eq(r->n_followup, 3);
	r = find(a, "PAIN_NRS", 180, "HA", "<40");
	ck_assert_uint_eq(r->n_baseline, 0);
	ck_undef(r->followup_rate);
	promstat_audit_free(a);
	unload();
}
END_TEST

START_TEST(audit_bad_options)
{
	promstat_audit_options o;
	promstat_audit *a = NULL;
	promstat_error err;
	const char *by[] = { "colour" }, *inst[] = { "NOPE" };
	promstat_audit_timepoint tp[] = { { 42, 14 }, { 56, 10 } };
	promstat_audit_threshold m = { "PAIN_NRS", -1 };

	load();
	promstat_audit_options_init(&o);
	o.by = by;
	o.n_by = 1;
	ck_assert_int_eq(promstat_audit_run(reg, &o, &a, &err), PROMSTAT_EINVAL);
	ck_assert(strstr(err.message, "colour") != NULL);
	ck_assert_ptr_null(a);
	promstat_audit_options_init(&o);
	o.instruments = inst;
	o.n_instruments = 1;
	ck_assert_int_eq(promstat_audit_run(reg, &o, &a, &err), PROMSTAT_EINVAL);
	promstat_audit_options_init(&o);
	o.timepoints = tp;
	o.n_timepoints = 2;
	ck_assert_int_eq(promstat_audit_run(reg, &o, &a, &err), PROMSTAT_EINVAL);
	promstat_audit_options_init(&o);
	o.reference = "PLACEBO";
	ck_assert_int_eq(promstat_audit_run(reg, &o, &a, &err), PROMSTAT_EINVAL);
	promstat_audit_options_init(&o);
	o.mcid = &m;
	o.n_mcid = 1;
	ck_assert_int_eq(promstat_audit_run(reg, &o, &a, &err), PROMSTAT_EINVAL);
	promstat_audit_options_init(&o);
	o.oarsi_pain = "PAIN_NRS";
	ck_assert_int_eq(promstat_audit_run(reg, &o, &a, &err), PROMSTAT_EINVAL);
	promstat_audit_options_init(&o);
	o.baseline_window = -1;
	ck_assert_int_eq(promstat_audit_run(reg, &o, &a, &err), PROMSTAT_EINVAL);
	unload();
}
END_TEST

START_TEST(audit_comparisons)
{
	/*
	 * --reference HA, PAIN_NRS at 180 (MCID 2). PRP vs HA:
	 *   <60: PRP 3/3, HA 0 paired -> undefined difference;
	 *   >=60: PRP 0/1 (P3), HA 1/1 (P4) -> -1;
	 *   unknown: PRP 0 paired, HA 0 paired;
	 *   ALL: PRP 3/4, HA 1/1 -> -0.25.
	 */
	promstat_audit_options o;
	promstat_audit *a;
	size_t i, seen = 0;
	double lb, ub;

	load();
	promstat_audit_options_init(&o);
	o.reference = "HA";
	o.min_n = 0; /* every cell here is small (check_followup_bounds.c tests that) */
	a = run(&o);
	/* KOOS_PAIN and PAIN_NRS have an MCID: 2 x 5 timepoints x 4 bands x 1 */
	ck_assert_uint_eq(promstat_audit_n_comparisons(a), 2 * 5 * 4);
	for (i = 0; i < promstat_audit_n_comparisons(a); i++) {
		const promstat_audit_comparison *c = promstat_audit_comparison_get(a, i);

		ck_assert_str_eq(c->therapy, "PRP");
		ck_assert_str_eq(c->reference, "HA");
		if (strcmp(c->instrument_code, "PAIN_NRS") || c->day != 180)
			continue;
		seen++;
		if (!strcmp(c->age_band, "<60")) {
			ck_assert_uint_eq(c->responders, 3);
			ck_assert_uint_eq(c->reference_n, 0);
			ck_undef(c->risk_difference);
			ck_undef(c->rd_ci_lb);
			ck_undef(c->nnt);
		} else if (!strcmp(c->age_band, ">=60")) {
			ck_close(c->risk_difference, -1, 1e-15);
			ck_close(c->nnt, -1, 1e-15);
		} else if (!strcmp(c->age_band, "ALL")) {
			ck_assert_uint_eq(c->n, 4);
			ck_assert_uint_eq(c->responders, 3);
			ck_assert_uint_eq(c->reference_n, 1);
			ck_close(c->risk_difference, -0.25, 1e-15);
			promstat_ci_newcombe(3, 4, 1, 1, 95, &lb, &ub, NULL);
			ck_close(c->rd_ci_lb, lb, 1e-15);
			ck_close(c->nnt, -4, 1e-12);
			ck_assert_int_eq(c->nnt_crosses_infinity, 1);
		} else {
			ck_assert_str_eq(c->age_band, "unknown");
			ck_assert_uint_eq(c->n, 0);
		}
	}
	ck_assert_uint_eq(seen, 4);
	promstat_audit_free(a);
	unload();
}
END_TEST

START_TEST(audit_safety)
{
	/* ae: P1 (flare) in PRP; P4 (knee swelling) in HA.
	 * satisfied (last non-empty): P1 1, P2 0 (PRP); P4 1 (HA).
	 * PRP units P1 P2 P3 P9 = 4; HA units P4 P5 P6 P7 P2/2 = 5. */
	promstat_audit *a;
	const promstat_audit_safety *s;

	load();
	a = run(NULL);
	ck_assert_uint_eq(promstat_audit_n_safety(a), 3);
	s = promstat_audit_safety_get(a, 0);
	ck_assert_str_eq(s->therapy, "HA");
	ck_assert_uint_eq(s->units, 5);
	ck_assert_uint_eq(s->ae_units, 1);
	ck_assert_uint_eq(s->satisfied_known, 1);
	ck_assert_uint_eq(s->satisfied_units, 1);
	s = promstat_audit_safety_get(a, 1);
	ck_assert_str_eq(s->therapy, "PRP");
	ck_assert_uint_eq(s->units, 4);
	ck_close(s->ae_rate, 0.25, 1e-15);
	ck_close(s->satisfied_rate, 0.5, 1e-15);
	s = promstat_audit_safety_get(a, 2);
	ck_assert_str_eq(s->therapy, "ALL");
	ck_assert_uint_eq(s->units, 9);
	ck_assert_uint_eq(s->ae_units, 2);
	ck_assert_uint_eq(s->satisfied_known, 3);
	ck_assert_uint_eq(s->satisfied_units, 2);
	promstat_audit_free(a);
	unload();
}
END_TEST

/* ------------------------------------------------------------------ */
/* OMERACT-OARSI on tests/data/audit-oarsi.csv                         */
/* ------------------------------------------------------------------ */

START_TEST(audit_oarsi)
{
	/*
	 * WOMAC_PAIN and WOMAC_FUNCTION are 0-100 lower-better (severity = score);
	 * KOOS_PAIN is higher-better, severity = 100 - score. At 180:
	 *  O1 pain 60 -> 30 (30 points, 50%): high -> responder.
	 *  O2 pain 40 -> 25 (15, 37.5%: moderate), function 50 -> 40 (10, 20%:
	 *     moderate) -> two moderate -> responder.
	 *  O3 pain 30 -> 18 (12, 40%: moderate), function 40 -> 35 (5: no) -> not.
	 *  O4 pain 30 -> 10 (20, 66.7%): high -> responder.
	 *  O5 pain 60 -> 45 (15, 25%: moderate), function 60 -> 52 (8: no) -> not.
	 *  O6 pain only (no function) -> not counted.
	 * Without global: 3/5. With global=KOOS_PAIN (O3 KOOS 50 -> 65, severity
	 * 50 -> 35: 15 points, 30%: moderate) O3 becomes a responder: 4/5 among
	 * units paired on all three (O6 lacks function; every other has KOOS).
	 */
	promstat_audit_options o;
	promstat_audit *a;
	const promstat_audit_oarsi *q = NULL;
	FILE *f;
	promstat_error err;
	size_t i;

	ck_assert_int_eq(promstat_catalogue_load(DATA "audit-instruments.csv", &cat, &err), 0);
	f = fopen(DATA "audit-oarsi.csv", "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(promstat_registry_read(f, "audit-oarsi.csv", cat, NULL, &reg, &err) == 0,
		      "%s", err.message);
	fclose(f);
	promstat_audit_options_init(&o);
	o.oarsi_pain = "WOMAC_PAIN";
	o.oarsi_function = "WOMAC_FUNCTION";
	a = run(&o);
	for (i = 0; i < promstat_audit_n_oarsi(a); i++) {
		q = promstat_audit_oarsi_get(a, i);
		if (q->day == 180 && !strcmp(q->levels[0], "ALL") && !strcmp(q->levels[1], "ALL"))
			break;
	}
	ck_assert_uint_eq(q->n, 5);
	ck_assert_uint_eq(q->responders, 3);
	promstat_audit_free(a);
	o.oarsi_global = "KOOS_PAIN";
	a = run(&o);
	for (i = 0; i < promstat_audit_n_oarsi(a); i++) {
		q = promstat_audit_oarsi_get(a, i);
		if (q->day == 180 && !strcmp(q->levels[0], "ALL") && !strcmp(q->levels[1], "ALL"))
			break;
	}
	ck_assert_uint_eq(q->n, 5);
	ck_assert_uint_eq(q->responders, 4);
	promstat_audit_free(a);
	unload();
}
END_TEST

/* An empty registry audits to no results, not to an error. */
START_TEST(audit_empty)
{
	promstat_audit *a;
	FILE *f;
	promstat_error err;

	ck_assert_int_eq(promstat_catalogue_load(DATA "audit-instruments.csv", &cat, &err), 0);
	f = fopen(DATA "audit-empty.csv", "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(promstat_registry_read(f, "audit-empty.csv", cat, NULL, &reg, &err), 0);
	fclose(f);
	a = run(NULL);
	ck_assert_uint_eq(promstat_audit_count(a), 0);
	ck_assert_uint_eq(promstat_audit_n_safety(a), 0);
	promstat_audit_free(a);
	unload();
}
END_TEST

/*
 * Every cell against a direct computation. Units are accumulated in the
 * cell of their own therapy and age band, and the ALL cells are merged
 * from those (acc_merge in audit.c); here each cell's means and SD of
 * improvement are computed afresh, two-pass in long double, from the units
 * it covers. The scores sit near the top of a 0-100 scale with a small
 * spread, where a merge of raw sums of squares would lose digits. With
 * 100000 units the pass over units is split between two threads and their
 * sums merged as well (tally_all in audit.c).
 */
static int covers(const promstat_audit_result *r, const char *therapy, const char *band)
{
	return (r->level_index[0] < 0 || !strcmp(r->levels[0], therapy)) &&
	       (r->level_index[1] < 0 || !strcmp(r->levels[1], band));
}

static void check_two_pass(size_t nu)
{
	static const char *const ther[] = { "HA", "PRP", "MSC" };
	double *imp = malloc(nu * sizeof *imp), *base = malloc(nu * sizeof *base);
	double *fol = malloc(nu * sizeof *fol);
	const char **uther = malloc(nu * sizeof *uther), **uband = malloc(nu * sizeof *uband);
	char *text = NULL, bs[16], fs[16];
	size_t len = 0, u, i, checked = 0;
	FILE *f = open_memstream(&text, &len);
	promstat_error err;
	promstat_audit *a;

	ck_assert(imp && base && fol && uther && uband);
	ck_assert_ptr_nonnull(f);
	fputs("patient_id,therapy,age,day,instrument,score\n", f);
	for (u = 0; u < nu; u++) {
		/* a fixed scramble of u: baseline 95.0-99.9, follow-up
		 * 90.0-95.9 on the 0.1 grid, age 30-79 */
		unsigned x = (unsigned)u * 2654435761u;
		int age = 30 + (int)(x % 50);

		snprintf(bs, sizeof bs, "%.1f", 95 + (double)((x >> 8) % 50) / 10);
		snprintf(fs, sizeof fs, "%.1f", 90 + (double)((x >> 16) % 60) / 10);
		uther[u] = ther[(x >> 4) % 3];
		uband[u] = age < 60 ? "<60" : ">=60";
		fprintf(f, "U%zu,%s,%d,-10,WOMAC_PAIN,%s\n", u, uther[u], age, bs);
		fprintf(f, "U%zu,%s,%d,175,WOMAC_PAIN,%s\n", u, uther[u], age, fs);
		base[u] = strtod(bs, NULL);
		fol[u] = strtod(fs, NULL);
		imp[u] = base[u] - fol[u]; /* lower is better */
	}
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(promstat_catalogue_load(DATA "audit-instruments.csv", &cat, &err), 0);
	f = fmemopen(text, len, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(promstat_registry_read(f, "two-pass", cat, NULL, &reg, &err) == 0, "%s",
		      err.message);
	fclose(f);
	a = run(NULL);
	for (i = 0; i < promstat_audit_count(a); i++) {
		const promstat_audit_result *r = promstat_audit_get(a, i);
		long double sum = 0, sumb = 0, sumf = 0, ss = 0, mean;
		size_t n = 0;

		if (strcmp(r->instrument_code, "WOMAC_PAIN") || r->day != 180)
			continue;
		for (u = 0; u < nu; u++)
			if (covers(r, uther[u], uband[u])) {
				sum += imp[u];
				sumb += base[u];
				sumf += fol[u];
				n++;
			}
		ck_assert_uint_eq(r->n_followup, n);
		ck_assert_uint_gt(n, 100);
		mean = sum / n;
		for (u = 0; u < nu; u++)
			if (covers(r, uther[u], uband[u]))
				ss += (imp[u] - mean) * (imp[u] - mean);
		ck_close(r->mean_improvement, (double)mean, 1e-12);
		ck_close(r->baseline_mean, (double)(sumb / n), 1e-12);
		ck_close(r->followup_mean, (double)(sumf / n), 1e-12);
		ck_close(r->sd_improvement, (double)sqrtl(ss / (n - 1)), 1e-12);
		checked++;
	}
	ck_assert_uint_eq(checked, 12); /* 3 therapies + ALL, times 2 bands + ALL */
	promstat_audit_free(a);
	unload();
	free(text);
	free(imp);
	free(base);
	free(fol);
	free(uther);
	free(uband);
}

/*
 * Issue 10 item 12: --by with eight columns of a thousand levels took
 * 7.9 GB of a 2.8 MB extract. The cube's size is bounded before it is
 * built: per face (columns kept, the others ALL) the smaller of the
 * product of the level counts and the observed combinations. Here by hand:
 * therapy 2 levels, age band 3, 5 observed combinations (HA x 3 bands,
 * PRP x <60, >=60): faces 5 + 2 + 3 + 1 = 11 strata (exactly the cube of
 * audit_strata_cube) x 3 instruments x 5 timepoints = 165 result cells.
 * --max-cells 164 refuses, naming the columns and their level counts;
 * 165 runs; the default is 10^6.
 */
START_TEST(audit_by_cube_max_cells)
{
	promstat_audit_options o;
	promstat_audit *a = NULL;
	promstat_error err;

	load();
	promstat_audit_options_init(&o);
	ck_assert_uint_eq(o.max_cells, 1000000);
	o.max_cells = 164;
	ck_assert_int_eq(promstat_audit_run(reg, &o, &a, &err), PROMSTAT_EDATA);
	ck_assert_ptr_null(a);
	ck_assert_msg(strstr(err.message, "up to 165 result cells (up to 11 strata x 3 "
					  "instruments x 5 timepoints; levels: therapy 2, "
					  "age_band 3), more than --max-cells 164") != NULL,
		      "%s", err.message);
	o.max_cells = 165;
	a = run(&o);
	ck_assert_uint_eq(promstat_audit_count(a), 165);
	promstat_audit_free(a);
	unload();
}
END_TEST

START_TEST(audit_cells_match_two_pass)
{
	check_two_pass(3000);
}
END_TEST

START_TEST(audit_cells_match_two_pass_split)
{
	check_two_pass(100000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("audit");
	TCase *ci = tcase_create("intervals"), *pa = tcase_create("pairing"),
	      *op = tcase_create("options"), *au = tcase_create("audit");
	SRunner *sr;
	int failed;

	tcase_add_test(ci, wilson_8_of_10);
	tcase_add_test(ci, wilson_newcombe_table);
	tcase_add_test(ci, clopper_pearson_closed_forms);
	tcase_add_test(ci, proportion_edge_cases);
	tcase_add_test(ci, newcombe_published);
	tcase_add_test(ci, mean_interval);
	tcase_add_test(ci, nnt_altman);
	tcase_add_test(pa, pairing_baseline);
	tcase_add_test(pa, pairing_followup);
	tcase_add_test(op, parse_timepoints);
	tcase_add_test(op, age_bands);
	tcase_add_test(au, audit_overall_pain);
	tcase_add_test(au, audit_strata_cube);
	tcase_add_test(au, audit_higher_better);
	tcase_add_test(au, audit_options);
	tcase_add_test(au, audit_age_bands_two_cuts);
	tcase_add_test(au, audit_bad_options);
	tcase_add_test(au, audit_comparisons);
	tcase_add_test(au, audit_safety);
	tcase_add_test(au, audit_oarsi);
	tcase_add_test(au, audit_empty);
	tcase_add_test(au, audit_by_cube_max_cells);
	tcase_add_test(au, audit_cells_match_two_pass);
	tcase_add_test(au, audit_cells_match_two_pass_split);
	suite_add_tcase(s, ci);
	suite_add_tcase(s, pa);
	suite_add_tcase(s, op);
	/* the two-thread and 100,000-unit cases take seconds under the sanitizers */
	tcase_set_timeout(au, 300);
	suite_add_tcase(s, au);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
