/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Check suite for the audit's issue-13 readings (followup_bounds.c and
 * Welch's interval in intervals.c): NRI and best-case rates, the lost
 * against the followed up, small cells, and floors.
 *
 * Expected values: R's t.test for Welch's interval (tests/reference/
 * gen-welch-reference.R wrote welch_reference.h), and hand computation on
 * tests/data/audit-small.csv written out in the comments.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "followup_bounds.h"
#include "reference/welch_reference.h"

#define DATA PROMSTAT_SRCDIR "/tests/data/"

#define ck_close(x, y, tol)                                                                   \
	ck_assert_msg(fabs((x) - (y)) <= (tol), "%s = %.17g, expected %.17g (tol %g)", #x,   \
		      (double)(x), (double)(y), (double)(tol))
#define ck_undef(x) ck_assert_msg(isnan(x), "%s = %.17g, expected undefined", #x, (double)(x))

/* Two-pass mean and sample SD in long double, independent of ps_moments. */
static void two_pass(const double *v, size_t n, double *mean, double *sd)
{
	long double s = 0, ss = 0, m;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i];
	m = s / n;
	for (i = 0; i < n; i++)
		ss += (v[i] - m) * (v[i] - m);
	*mean = (double)m;
	*sd = n > 1 ? (double)sqrtl(ss / (n - 1)) : NAN;
}

START_TEST(welch_against_r)
{
	size_t i;

	for (i = 0; i < sizeof welch_refs / sizeof *welch_refs; i++) {
		const welch_ref *w = &welch_refs[i];
		double mx, sx, my, sy, lb, ub;
		ps_moments a = { 0, 0, 0 }, b = { 0, 0, 0 };
		size_t k;

		two_pass(w->x, w->nx, &mx, &sx);
		two_pass(w->y, w->ny, &my, &sy);
		ck_assert_int_eq(promstat_ci_welch(mx, sx, w->nx, my, sy, w->ny, w->level, &lb,
						   &ub, NULL), PROMSTAT_OK);
		ck_assert_msg(fabs(lb - w->lb) <= 1e-10 && fabs(ub - w->ub) <= 1e-10,
			      "%s: [%.17g, %.17g], R [%.17g, %.17g]", w->name, lb, ub, w->lb, w->ub);
		/* the running moments the audit keeps give the same */
		for (k = 0; k < w->nx; k++)
			ps_moments_add(&a, w->x[k]);
		for (k = 0; k < w->ny; k++)
			ps_moments_add(&b, w->y[k]);
		ck_close(a.mean - b.mean, w->diff, 1e-12);
		ck_close(ps_moments_sd(&a), sx, 1e-12);
		ck_close(ps_moments_sd(&b), sy, 1e-12);
	}
}
END_TEST

START_TEST(welch_undefined)
{
	double lb = 0, ub = 0;
	promstat_error err;

	/* one value on a side: no variance, no interval */
	ck_assert_int_eq(promstat_ci_welch(1, NAN, 1, 2, 1, 5, 95, &lb, &ub, NULL), PROMSTAT_OK);
	ck_undef(lb);
	ck_undef(ub);
	ck_assert_int_eq(promstat_ci_welch(1, 1, 5, 2, 1, 1, 95, &lb, &ub, NULL), PROMSTAT_OK);
	ck_undef(lb);
	/* both constant: se = 0 (R: "data are essentially constant") */
	ck_assert_int_eq(promstat_ci_welch(1, 0, 3, 2, 0, 4, 95, &lb, &ub, NULL), PROMSTAT_OK);
	ck_undef(lb);
	ck_undef(ub);
	ck_assert_int_eq(promstat_ci_welch(1, 1, 3, 2, 1, 4, 100, &lb, &ub, &err),
			 PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_ci_welch(1, 1, 3, 2, 1, 4, 0, &lb, &ub, &err), PROMSTAT_EINVAL);
}
END_TEST

START_TEST(moments_merge)
{
	/* Chan's merge of two halves equals one pass over all values */
	static const double v[] = { 99.1, 99.3, 98.7, 99.9, 99.0, 98.8, 99.6 };
	ps_moments all = { 0, 0, 0 }, h1 = { 0, 0, 0 }, h2 = { 0, 0, 0 }, none = { 0, 0, 0 };
	double m, sd;
	size_t i;

	for (i = 0; i < 7; i++) {
		ps_moments_add(&all, v[i]);
		ps_moments_add(i < 3 ? &h1 : &h2, v[i]);
	}
	ps_moments_merge(&h1, &h2);
	ps_moments_merge(&h1, &none);
	ps_moments_merge(&none, &h1);
	two_pass(v, 7, &m, &sd);
	ck_assert_uint_eq(none.n, 7);
	ck_close(none.mean, m, 1e-13);
	ck_close(ps_moments_sd(&none), sd, 1e-12);
	ck_close(ps_moments_sd(&all), sd, 1e-12);
	h2.n = 1;
	ck_undef(ps_moments_sd(&h2));
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

static const promstat_audit_result *find(const promstat_audit *a, const char *code, int day,
					 const char *l0, const char *l1)
{
	size_t i;

	for (i = 0; i < promstat_audit_count(a); i++) {
		const promstat_audit_result *r = promstat_audit_get(a, i);

		if (!strcmp(r->instrument_code, code) && r->day == day &&
		    !strcmp(r->levels[0], l0) && !strcmp(r->levels[1], l1))
			return r;
	}
	ck_abort_msg("no result for %s day %d %s %s", code, day, l0, l1);
	return NULL;
}

START_TEST(nri_and_best_case)
{
	/*
	 * PAIN_NRS (MCID 2, PASS 4) at 180:45, every stratum ALL (the units are
	 * listed in check_audit.c, audit_overall_pain): 7 with a baseline, 5
	 * followed up, 4 MCID responders, 2 in PASS. Lost: P5 (baseline 8, age
	 * unknown) and P2/2 (baseline 7, age 59.5).
	 *   NRI = 4/7, best = (4 + 2)/7 = 6/7; PASS NRI 2/7, best 4/7.
	 *   Baselines lost 8, 7 (mean 7.5) against followed 8.2, 6, 0, 10, 7
	 *   (mean 6.24): difference 1.26, Welch interval as R's t.test gives
	 *   (welch_refs[0]). Ages lost: 59.5 only; followed 45, 59.5, 60, 70,
	 *   50 (mean 56.9): difference 2.6, no interval from one value.
	 */
	promstat_audit *a;
	const promstat_audit_result *r;
	promstat_audit_options o;
	double lb, ub;

	load();
	a = run(NULL);
	r = find(a, "PAIN_NRS", 180, "ALL", "ALL");
	ck_close(r->mcid_rate_nri, 4.0 / 7.0, 1e-15);
	/* Wilson for 4 of 7 in the centre/half-width form */
	{
		double z = 1.959963984540054, z2 = z * z, c = (4 + z2 / 2) / (7 + z2);
		double h = z * sqrt(4.0 * 3.0 / 7.0 + z2 / 4) / (7 + z2);

		ck_close(r->mcid_nri_ci_lb, c - h, 1e-12);
		ck_close(r->mcid_nri_ci_ub, c + h, 1e-12);
	}
	ck_close(r->mcid_rate_best, 6.0 / 7.0, 1e-15);
	ck_close(r->pass_rate_nri, 2.0 / 7.0, 1e-15);
	promstat_ci_wilson(2, 7, 95, &lb, &ub, NULL);
	ck_close(r->pass_nri_ci_lb, lb, 1e-15);
	ck_close(r->pass_nri_ci_ub, ub, 1e-15);
	ck_close(r->pass_rate_best, 4.0 / 7.0, 1e-15);
	ck_assert_str_eq(welch_refs[0].name, "audit_small_baseline");
	ck_close(r->lost_baseline_diff, 1.26, 1e-12);
	ck_close(r->lost_baseline_diff_ci_lb, welch_refs[0].lb, 1e-10);
	ck_close(r->lost_baseline_diff_ci_ub, welch_refs[0].ub, 1e-10);
	ck_assert_uint_eq(r->n_age_lost, 1);
	ck_assert_uint_eq(r->n_age_followup, 5);
	ck_close(r->lost_age_diff, 2.6, 1e-12);
	ck_undef(r->lost_age_diff_ci_lb);
	ck_undef(r->lost_age_diff_ci_ub);
	ck_assert_int_eq(r->low_followup, 0); /* 5/7 = 71% >= 60% */

	/*
	 * HA, unknown age: P5 only, with a baseline and no follow-up. The
	 * completer rate is undefined; NRI 0/1 and best 1/1 are not.
	 */
	r = find(a, "PAIN_NRS", 180, "HA", "unknown");
	ck_assert_uint_eq(r->n_baseline, 1);
	ck_assert_uint_eq(r->n_followup, 0);
	ck_undef(r->mcid_rate);
	ck_assert(r->mcid_rate_nri == 0);
	ck_assert(r->mcid_rate_best == 1);
	ck_assert(r->mcid_nri_ci_lb == 0);
	ck_undef(r->lost_baseline_diff);
	ck_undef(r->lost_baseline_diff_ci_lb);
	ck_assert_int_eq(r->low_followup, 1);

	/* WOMAC_FUNCTION has no MCID and no PASS: every bound undefined */
	r = find(a, "WOMAC_FUNCTION", 180, "ALL", "ALL");
	ck_undef(r->mcid_rate_nri);
	ck_undef(r->mcid_nri_ci_lb);
	ck_undef(r->mcid_rate_best);
	ck_undef(r->pass_rate_nri);
	ck_undef(r->pass_rate_best);
	promstat_audit_free(a);

	/* --ci clopper-pearson, --min-followup 0.75 */
	promstat_audit_options_init(&o);
	ck_close(o.min_followup, 0.6, 0);
	o.ci = PROMSTAT_CI_CLOPPER_PEARSON;
	o.min_followup = 0.75;
	a = run(&o);
	r = find(a, "PAIN_NRS", 180, "ALL", "ALL");
	promstat_ci_clopper_pearson(4, 7, 95, &lb, &ub, NULL);
	ck_close(r->mcid_nri_ci_lb, lb, 1e-15);
	ck_close(r->mcid_nri_ci_ub, ub, 1e-15);
	ck_assert_int_eq(r->low_followup, 1);
	promstat_audit_free(a);
	unload();
}
END_TEST

START_TEST(bad_min_followup)
{
	promstat_audit_options o;
	promstat_audit *a = NULL;
	promstat_error err;

	load();
	promstat_audit_options_init(&o);
	o.min_followup = 1.5;
	ck_assert_int_eq(promstat_audit_run(reg, &o, &a, &err), PROMSTAT_EINVAL);
	ck_assert_ptr_null(a);
	ck_assert_ptr_nonnull(strstr(err.message, "between 0 and 1"));
	o.min_followup = NAN;
	ck_assert_int_eq(promstat_audit_run(reg, &o, &a, &err), PROMSTAT_EINVAL);
	unload();
}
END_TEST

START_TEST(small_cells)
{
	/*
	 * PAIN_NRS at 180 (the units of check_audit.c, audit_overall_pain):
	 * n_followup 5 in ALL/ALL, 4 in PRP/ALL, 2 in ALL/>=60, 1 in HA/ALL.
	 * Default --min-n 10: every cell is small and no comparison is made.
	 * --min-n 3: ALL/ALL and PRP/ALL are not small, ALL/>=60 and HA/ALL
	 * are; PRP against HA over all ages (4 against 1) is not compared.
	 * --min-n 0: nothing is small; PRP vs HA, all ages, is 3/4 - 1/1.
	 */
	promstat_audit_options o;
	promstat_audit *a;
	size_t i, n_small = 0;

	load();
	promstat_audit_options_init(&o);
	ck_assert_uint_eq(o.min_n, 10);
	o.reference = "HA";
	a = run(&o);
	for (i = 0; i < promstat_audit_count(a); i++)
		n_small += promstat_audit_get(a, i)->small;
	ck_assert_uint_eq(n_small, promstat_audit_count(a));
	ck_assert_uint_gt(promstat_audit_n_comparisons(a), 0);
	for (i = 0; i < promstat_audit_n_comparisons(a); i++) {
		const promstat_audit_comparison *c = promstat_audit_comparison_get(a, i);

		ck_assert_int_eq(c->small, 1);
		ck_assert_str_eq(c->reason, "fewer than 10 units followed up");
		ck_undef(c->risk_difference);
		ck_undef(c->rd_ci_lb);
		ck_undef(c->rd_ci_ub);
		ck_undef(c->nnt);
		ck_assert_int_eq(c->nnt_crosses_infinity, 0);
	}
	/* the numbers of a small cell are still there */
	ck_close(find(a, "PAIN_NRS", 180, "ALL", "ALL")->mcid_rate, 0.8, 1e-15);
	promstat_audit_free(a);

	o.min_n = 3;
	a = run(&o);
	ck_assert_int_eq(find(a, "PAIN_NRS", 180, "ALL", "ALL")->small, 0);
	ck_assert_int_eq(find(a, "PAIN_NRS", 180, "PRP", "ALL")->small, 0);
	ck_assert_int_eq(find(a, "PAIN_NRS", 180, "ALL", ">=60")->small, 1);
	ck_assert_int_eq(find(a, "PAIN_NRS", 180, "HA", "ALL")->small, 1);
	for (i = 0; i < promstat_audit_n_comparisons(a); i++) {
		const promstat_audit_comparison *c = promstat_audit_comparison_get(a, i);

		if (!strcmp(c->instrument_code, "PAIN_NRS") && c->day == 180 &&
		    !strcmp(c->age_band, "ALL")) {
			ck_assert_uint_eq(c->n, 4);
			ck_assert_uint_eq(c->reference_n, 1);
			ck_assert_int_eq(c->small, 1);
			ck_assert_str_eq(c->reason, "fewer than 3 units followed up");
			ck_close(c->rate, 0.75, 1e-15); /* the rates stay */
			ck_undef(c->risk_difference);
		}
	}
	promstat_audit_free(a);

	o.min_n = 0;
	a = run(&o);
	for (i = 0; i < promstat_audit_count(a); i++)
		ck_assert_int_eq(promstat_audit_get(a, i)->small, 0);
	for (i = 0; i < promstat_audit_n_comparisons(a); i++) {
		const promstat_audit_comparison *c = promstat_audit_comparison_get(a, i);

		ck_assert_int_eq(c->small, 0);
		ck_assert_ptr_null(c->reason);
		if (!strcmp(c->instrument_code, "PAIN_NRS") && c->day == 180 &&
		    !strcmp(c->age_band, "ALL"))
			ck_close(c->risk_difference, 0.75 - 1, 1e-15);
	}
	promstat_audit_free(a);
	unload();
}
END_TEST

START_TEST(floors_and_pass_at_baseline)
{
	/*
	 * PAIN_NRS (0-10, lower better, MCID 2, PASS <= 4) at 180, ALL/ALL:
	 * paired baselines 8.2, 6, 0, 10, 7, follow-ups 6.2, 3.5, 1, 5, 4.9.
	 *   room = baseline - 0: P3 has 0 < 2 -> 1 unreachable; responders
	 *   4 of the 4 others -> reachable rate 1 (Wilson 4/4).
	 *   PASS at baseline: P3 (0) -> 1/5; of the other 4, P2 (3.5) reaches
	 *   it -> 1/4 (and P3 stays: pass_count 2 = 1 + 1).
	 * KOOS_PAIN (0-100, higher better, MCID 15, PASS >= 60) at 180:
	 * P1 40 -> 60, P2 50 -> 45, P4 100 -> 90.
	 *   room = 100 - baseline: P4 0 -> unreachable; P1 +20 responds, P2
	 *   does not -> 1/2. PASS at baseline: P4 -> 1/3; gained: P1 (60 is
	 *   at the PASS) of P1, P2 -> 1/2.
	 */
	promstat_audit *a;
	const promstat_audit_result *r;
	double lb, ub;

	load();
	a = run(NULL);
	r = find(a, "PAIN_NRS", 180, "ALL", "ALL");
	ck_assert_uint_eq(r->mcid_unreachable, 1);
	ck_assert(r->mcid_rate_reachable == 1);
	promstat_ci_wilson(4, 4, 95, &lb, &ub, NULL);
	ck_close(r->mcid_reachable_ci_lb, lb, 1e-15);
	ck_assert(r->mcid_reachable_ci_ub == 1);
	ck_assert_uint_eq(r->pass_baseline, 1);
	ck_close(r->pass_baseline_rate, 0.2, 1e-15);
	promstat_ci_wilson(1, 5, 95, &lb, &ub, NULL);
	ck_close(r->pass_baseline_ci_lb, lb, 1e-15);
	ck_close(r->pass_baseline_ci_ub, ub, 1e-15);
	ck_assert_uint_eq(r->pass_gained, 1);
	ck_close(r->pass_gained_rate, 0.25, 1e-15);
	promstat_ci_wilson(1, 4, 95, &lb, &ub, NULL);
	ck_close(r->pass_gained_ci_lb, lb, 1e-15);
	ck_close(r->pass_gained_ci_ub, ub, 1e-15);
	ck_assert_uint_eq(r->pass_count, r->pass_baseline + r->pass_gained);

	r = find(a, "KOOS_PAIN", 180, "ALL", "ALL");
	ck_assert_uint_eq(r->n_followup, 3);
	ck_assert_uint_eq(r->mcid_unreachable, 1);
	ck_close(r->mcid_rate_reachable, 0.5, 1e-15);
	ck_assert_uint_eq(r->pass_baseline, 1);
	ck_close(r->pass_baseline_rate, 1.0 / 3.0, 1e-15);
	ck_assert_uint_eq(r->pass_gained, 1);
	ck_close(r->pass_gained_rate, 0.5, 1e-15);

	/* no MCID, no PASS: undefined */
	r = find(a, "WOMAC_FUNCTION", 180, "ALL", "ALL");
	ck_undef(r->mcid_rate_reachable);
	ck_undef(r->pass_baseline_rate);
	ck_undef(r->pass_gained_rate);
	/* no paired unit: undefined rates */
	r = find(a, "PAIN_NRS", 180, "HA", "unknown");
	ck_assert_uint_eq(r->mcid_unreachable, 0);
	ck_undef(r->mcid_rate_reachable);
	ck_undef(r->mcid_reachable_ci_lb);
	ck_undef(r->pass_baseline_rate);
	promstat_audit_free(a);
	unload();
}
END_TEST

START_TEST(floor_at_the_tolerance)
{
	/*
	 * PAIN_NRS, MCID 2: a baseline of exactly 2, or 1.9999999999 (1e-10
	 * under, within the 1e-9 tolerance), can still improve by the MCID
	 * (to 0) and is reachable; 1.99 is not. All three reach 0: two
	 * responders, the third improves by 1.99 only. A baseline of 4 is in
	 * the PASS (<= 4); 4.5 -> 4 gains it; 4.000000001 is within tolerance.
	 */
	static const char csv[] =
		"patient_id,therapy,day,instrument,score\n"
		"A,X,0,PAIN_NRS,2\nA,X,180,PAIN_NRS,0\n"
		"B,X,0,PAIN_NRS,1.9999999999\nB,X,180,PAIN_NRS,0\n"
		"C,X,0,PAIN_NRS,1.99\nC,X,180,PAIN_NRS,0\n"
		"D,X,0,PAIN_NRS,4.5\nD,X,180,PAIN_NRS,4\n"
		"E,X,0,PAIN_NRS,4.000000001\nE,X,180,PAIN_NRS,9\n";
	promstat_audit_options o;
	promstat_audit *a;
	promstat_error err;
	const promstat_audit_result *r = NULL;
	FILE *f;
	size_t i;

	ck_assert_int_eq(promstat_catalogue_load(DATA "audit-instruments.csv", &cat, &err), 0);
	f = fmemopen((void *)csv, sizeof csv - 1, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(promstat_registry_read(f, "floor", cat, NULL, &reg, &err) == 0, "%s",
		      err.message);
	fclose(f);
	promstat_audit_options_init(&o);
	o.min_n = 0;
	a = run(&o);
	for (i = 0; i < promstat_audit_count(a); i++) {
		const promstat_audit_result *q = promstat_audit_get(a, i);

		if (!strcmp(q->instrument_code, "PAIN_NRS") && q->day == 180 &&
		    q->level_index[0] < 0 && q->level_index[1] < 0)
			r = q;
	}
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->n_followup, 5);
	ck_assert_uint_eq(r->mcid_responders, 2); /* A, B; D improves by 0.5, E worsens */
	ck_assert_uint_eq(r->mcid_unreachable, 1);  /* C */
	ck_close(r->mcid_rate_reachable, 2.0 / 4.0, 1e-15);
	ck_assert_uint_eq(r->pass_baseline, 4);	    /* A, B, C at <= 2; E within tolerance */
	ck_assert_uint_eq(r->pass_gained, 1);	    /* D */
	ck_close(r->pass_gained_rate, 1.0, 1e-15);
	promstat_audit_free(a);
	unload();
}
END_TEST

/*
 * Lost against followed up in every cell against a direct two-pass
 * computation, when cells with ALL are merged from their parts and, with
 * 100000 units, the pass is split between two threads and merged too.
 * Every third unit has no follow-up; every seventh has no age.
 */
static int covers(const promstat_audit_result *r, const char *therapy, const char *band)
{
	return (r->level_index[0] < 0 || !strcmp(r->levels[0], therapy)) &&
	       (r->level_index[1] < 0 || !strcmp(r->levels[1], band));
}

static void check_lost(size_t nu)
{
	static const char *const ther[] = { "HA", "PRP", "MSC" };
	double *base = malloc(nu * sizeof *base), *age = malloc(nu * sizeof *age);
	double *v1 = malloc(nu * sizeof *v1), *v2 = malloc(nu * sizeof *v2);
	const char **uther = malloc(nu * sizeof *uther), **uband = malloc(nu * sizeof *uband);
	char *lost = malloc(nu), *text = NULL, bs[16], as[16];
	size_t len = 0, u, i, checked = 0;
	FILE *f = open_memstream(&text, &len);
	promstat_error err;
	promstat_audit *a;

	ck_assert(base && age && v1 && v2 && uther && uband && lost && f);
	fputs("patient_id,therapy,age,day,instrument,score\n", f);
	for (u = 0; u < nu; u++) {
		unsigned x = (unsigned)u * 2654435761u;
		int ag = 30 + (int)(x % 50);

		snprintf(bs, sizeof bs, "%.1f", 95 + (double)((x >> 8) % 50) / 10);
		age[u] = u % 7 == 3 ? NAN : ag;
		snprintf(as, sizeof as, "%d", ag);
		uther[u] = ther[(x >> 4) % 3];
		uband[u] = isnan(age[u]) ? "unknown" : ag < 60 ? "<60" : ">=60";
		lost[u] = (x >> 20) % 3 == 0;
		fprintf(f, "U%zu,%s,%s,-10,WOMAC_PAIN,%s\n", u, uther[u], isnan(age[u]) ? "" : as,
			bs);
		if (!lost[u])
			fprintf(f, "U%zu,%s,%s,175,WOMAC_PAIN,50\n", u, uther[u],
				isnan(age[u]) ? "" : as);
		base[u] = strtod(bs, NULL);
	}
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(promstat_catalogue_load(DATA "audit-instruments.csv", &cat, &err), 0);
	f = fmemopen(text, len, "rb");
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(promstat_registry_read(f, "lost", cat, NULL, &reg, &err) == 0, "%s",
		      err.message);
	fclose(f);
	a = run(NULL);
	for (i = 0; i < promstat_audit_count(a); i++) {
		const promstat_audit_result *r = promstat_audit_get(a, i);
		size_t n1 = 0, n2 = 0, a1 = 0, a2 = 0;
		double m1, s1, m2, s2;

		if (strcmp(r->instrument_code, "WOMAC_PAIN") || r->day != 180)
			continue;
		for (u = 0; u < nu; u++)
			if (covers(r, uther[u], uband[u]))
				*(lost[u] ? &v1[n1++] : &v2[n2++]) = base[u];
		ck_assert_uint_gt(n1, 20);
		ck_assert_uint_eq(r->n_baseline - r->n_followup, n1);
		two_pass(v1, n1, &m1, &s1);
		two_pass(v2, n2, &m2, &s2);
		ck_close(r->lost_baseline_diff, m1 - m2, 1e-11);
		{
			double lb, ub;

			promstat_ci_welch(m1, s1, n1, m2, s2, n2, 95, &lb, &ub, NULL);
			ck_close(r->lost_baseline_diff_ci_lb, lb, 1e-10);
			ck_close(r->lost_baseline_diff_ci_ub, ub, 1e-10);
		}
		for (u = 0; u < nu; u++)
			if (covers(r, uther[u], uband[u]) && !isnan(age[u]))
				*(lost[u] ? &v1[a1++] : &v2[a2++]) = age[u];
		ck_assert_uint_eq(r->n_age_lost, a1);
		ck_assert_uint_eq(r->n_age_followup, a2);
		if (a1 && a2) {
			two_pass(v1, a1, &m1, &s1);
			two_pass(v2, a2, &m2, &s2);
			ck_close(r->lost_age_diff, m1 - m2, 1e-11);
		} else {
			ck_undef(r->lost_age_diff);
		}
		checked++;
	}
	ck_assert_uint_eq(checked, 16); /* 3 therapies + ALL, times 3 bands + ALL */
	promstat_audit_free(a);
	unload();
	free(text);
	free(base);
	free(age);
	free(v1);
	free(v2);
	free(uther);
	free(uband);
	free(lost);
}

START_TEST(lost_cells_merge)
{
	check_lost(3000);
}
END_TEST

START_TEST(lost_cells_merge_split)
{
	check_lost(100000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("followup_bounds");
	TCase *ci = tcase_create("welch"), *au = tcase_create("audit");
	SRunner *sr;
	int failed;

	tcase_add_test(ci, welch_against_r);
	tcase_add_test(ci, welch_undefined);
	tcase_add_test(ci, moments_merge);
	tcase_add_test(au, nri_and_best_case);
	tcase_add_test(au, bad_min_followup);
	tcase_add_test(au, small_cells);
	tcase_add_test(au, floors_and_pass_at_baseline);
	tcase_add_test(au, floor_at_the_tolerance);
	tcase_add_test(au, lost_cells_merge);
	tcase_add_test(au, lost_cells_merge_split);
	tcase_set_timeout(au, 60);
	suite_add_tcase(s, ci);
	suite_add_tcase(s, au);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
