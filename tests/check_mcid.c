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
#include <unistd.h>

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

	/* a tie: improvements 1 2 3 4, improved 0 1 0 1. Thresholds 1.5: se 2/2,
	 * sp 1/2 (se + sp = 1.5); 2.5: se 1/2, sp 1/2 (1); 3.5: se 1/2, sp 2/2
	 * (1.5). 1.5 and 3.5 tie exactly; pROC lists both, lowest first. */
	{
		static const double x2[] = { 1, 2, 3, 4 };
		static const int y2[] = { 0, 1, 0, 1 };

		ck_assert_int_eq(promstat_roc_fit(x2, y2, 4, 95, &r, &err), 0);
		ck_assert(r->threshold == 1.5);
		ck_assert_uint_eq(r->n_best, 2);
		ck_assert(r->sensitivity == 1.0 && r->specificity == 0.5);
		promstat_roc_free(r);
	}
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


/* ------------------------------------------------------------------ */
/* promstat mcid on registries                                         */
/* ------------------------------------------------------------------ */

static promstat_catalogue *cat;

static void load_catalogue(void)
{
	promstat_error err;

	ck_assert_int_eq(promstat_catalogue_load(PROMSTAT_SRCDIR "/datasets/instruments.csv", &cat,
						 &err), 0);
}

static void free_catalogue(void)
{
	promstat_catalogue_free(cat);
	cat = NULL;
}

/* A registry of n PAIN_VAS units (0-100, lower better) with improvement
 * imp[i] (baseline 50 on day -1, follow-up 50 - imp on day 90) and the
 * follow-up's anchor anchor[i]; ages alternate <60 and >=60. */
static promstat_registry *vas_registry(const double *imp, const int *anchor, size_t n,
				       size_t chunk)
{
	char path[] = "/tmp/check_mcid.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w+b") : NULL;
	promstat_ingest_options io;
	promstat_registry *reg = NULL;
	promstat_error err;
	size_t i;

	ck_assert_ptr_nonnull(f);
	unlink(path);
	fputs("patient_id,episode,therapy,age,sex,provider,site,day,instrument,score,anchor,ae,satisfied\n", f);
	for (i = 0; i < n; i++) {
		fprintf(f, "P%zu,1,PRP,%d,F,dr01,north,-1,PAIN_VAS,50,,,\n", i, i % 2 ? 70 : 40);
		fprintf(f, "P%zu,1,PRP,%d,F,dr01,north,90,PAIN_VAS,%.17g,%d,,\n", i, i % 2 ? 70 : 40,
			50 - imp[i], anchor[i]);
	}
	rewind(f);
	memset(&io, 0, sizeof io);
	io.chunk = chunk;
	ck_assert_msg(promstat_registry_read(f, "vas", cat, &io, &reg, &err) == 0, "%s", err.message);
	fclose(f);
	return reg;
}

static promstat_mcid *run_mcid(const promstat_registry *reg, promstat_mcid_options *o)
{
	static const char *const ins[] = { "PAIN_VAS" };
	static const promstat_audit_timepoint tp[] = { { 90, 30 } };
	static promstat_audit_options ao;
	promstat_mcid *m = NULL;
	promstat_error err;

	promstat_audit_options_init(&ao);
	ao.instruments = ins;
	ao.n_instruments = 1;
	ao.timepoints = tp;
	ao.n_timepoints = 1;
	o->audit = &ao;
	ck_assert_msg(promstat_mcid_run(reg, o, &m, &err) == 0, "%s", err.message);
	return m;
}

/* The cell whose levels are all ALL. */
static const promstat_mcid_cell *all_cell(const promstat_mcid *m, int day)
{
	size_t i, j, nby = promstat_audit_n_by(promstat_mcid_audit(m));

	for (i = 0; i < promstat_mcid_count(m); i++) {
		const promstat_mcid_cell *c = promstat_mcid_get(m, i);
		int all = c->day == day;

		for (j = 0; j < nby; j++)
			all = all && !strcmp(c->levels[j], "ALL");
		if (all)
			return c;
	}
	ck_abort_msg("no ALL cell at day %d", day);
	return NULL;
}

START_TEST(mcid_against_glm_and_proc)
{
	int anchor[N(mic_x)];
	promstat_registry *reg;
	promstat_mcid_options o;
	promstat_mcid *m;
	const promstat_mcid_cell *c;
	size_t i, ni = 0;

	/* improved units rate 3, the others 0 (stable) or -2 */
	for (i = 0; i < N(mic_x); i++) {
		anchor[i] = mic_y[i] ? 3 : i % 3 ? 0 : -2;
		ni += mic_y[i] != 0;
	}
	reg = vas_registry(mic_x, anchor, N(mic_x), 0);
	promstat_mcid_options_init(&o);
	o.bootstrap = 200;
	m = run_mcid(reg, &o);
	c = all_cell(m, 90);
	ck_assert(!c->too_small);
	ck_assert_uint_eq(c->n, N(mic_x));
	ck_assert_uint_eq(c->n_improved, ni);
	ck_close(c->mic_predictive, mic_expect[2], 1e-8);
	ck_close(c->mic_adjusted, mic_expect[3], 1e-8);
	ck_close(c->auc, mic_roc_expect[0], 1e-13);
	ck_close(c->auc_ci_lb, mic_roc_expect[1], 1e-12);
	ck_close(c->auc_ci_ub, mic_roc_expect[2], 1e-12);
	ck_assert(c->roc_threshold == mic_roc_expect[3]);
	ck_assert(c->sensitivity == mic_roc_expect[4]);
	ck_assert(c->specificity == mic_roc_expect[5]);
	ck_assert_str_eq(c->model_status, "ok");
	/* the percentile intervals hold their estimate, and every resample of
	 * 300 units had both groups */
	ck_assert(c->mic_predictive_ci_lb < c->mic_predictive && c->mic_predictive < c->mic_predictive_ci_ub);
	ck_assert(c->mic_adjusted_ci_lb < c->mic_adjusted && c->mic_adjusted < c->mic_adjusted_ci_ub);
	ck_assert(c->roc_ci_lb <= c->roc_threshold && c->roc_threshold <= c->roc_ci_ub);
	ck_assert_uint_eq(c->boot_used, 200);
	/* no --reliability: no SEM */
	ck_undef(c->sem);
	ck_undef(c->mdc95);
	ck_close(c->half_sd, 0.0, 0); /* every baseline is 50 */
	promstat_mcid_free(m);
	promstat_registry_free(reg);
}
END_TEST

START_TEST(mcid_mean_changes_and_sem_by_hand)
{
	/* 40 units: 20 improved (anchor 2) with improvements 10, 20 (alternating),
	 * 10 stable (anchor 0) with improvement 0 and 4, 10 worse (anchor -3) with
	 * improvement -10. Means: improved 15, stable 2, difference 13. */
	double imp[40];
	int anchor[40];
	promstat_registry *reg;
	promstat_mcid_options o;
	promstat_mcid *m;
	const promstat_mcid_cell *c;
	size_t i;

	for (i = 0; i < 40; i++) {
		anchor[i] = i < 20 ? 2 : i < 30 ? 0 : -3;
		imp[i] = i < 20 ? (i % 2 ? 20 : 10) : i < 30 ? (i % 2 ? 4 : 0) : -10;
	}
	reg = vas_registry(imp, anchor, 40, 0);
	promstat_mcid_options_init(&o);
	o.bootstrap = 0;
	o.min_n = 20;
	o.reliability = 0.84; /* SEM = SD * sqrt(0.16) = 0.4 SD; SD of baseline 0 */
	m = run_mcid(reg, &o);
	c = all_cell(m, 90);
	ck_assert(!c->too_small);
	ck_assert_uint_eq(c->n_improved, 20);
	ck_assert_uint_eq(c->n_stable, 10);
	ck_close(c->mean_change_improved, 15, 1e-12);
	ck_close(c->mean_change_stable, 2, 1e-12);
	ck_close(c->mean_change_difference, 13, 1e-12);
	ck_close(c->sem, 0, 0);
	ck_close(c->reliability, 0.84, 0);
	/* the anchor separates perfectly: the logistic MLE does not exist */
	ck_assert_str_eq(c->model_status, "separation");
	ck_undef(c->mic_predictive);
	ck_undef(c->mic_adjusted);
	/* ROC: every improved unit above every other: AUC 1, threshold 7 (the
	 * midpoint of 4 and 10), se = sp = 1 */
	ck_close(c->auc, 1, 0);
	ck_assert(c->roc_threshold == 7);
	/* no bootstrap: no intervals */
	ck_undef(c->roc_ci_lb);
	ck_undef(c->mic_predictive_ci_ub);
	promstat_mcid_free(m);
	promstat_registry_free(reg);
}
END_TEST

START_TEST(mcid_no_stable_units)
{
	/* anchors only 2 and -2: no stable unit, so no stable mean and no
	 * test-retest reliability; the rest is defined */
	double imp[N(mic_x)];
	int anchor[N(mic_x)];
	promstat_registry *reg;
	promstat_mcid_options o;
	promstat_mcid *m;
	const promstat_mcid_cell *c;
	size_t i;

	for (i = 0; i < N(mic_x); i++) {
		imp[i] = mic_x[i];
		anchor[i] = mic_y[i] ? 2 : -2;
	}
	reg = vas_registry(imp, anchor, N(mic_x), 0);
	promstat_mcid_options_init(&o);
	o.bootstrap = 0;
	o.test_retest = 1;
	m = run_mcid(reg, &o);
	c = all_cell(m, 90);
	ck_assert(!c->too_small);
	ck_assert_uint_eq(c->n_stable, 0);
	ck_undef(c->mean_change_stable);
	ck_undef(c->mean_change_difference);
	ck_undef(c->reliability);
	ck_undef(c->sem);
	ck_undef(c->mdc95);
	ck_assert(!isnan(c->mean_change_improved));
	ck_close(c->mic_predictive, mic_expect[2], 1e-8);
	promstat_mcid_free(m);
	promstat_registry_free(reg);
}
END_TEST

START_TEST(mcid_constant_anchor)
{
	/* every unit rates 0: nobody improved, so the cell is too small whatever
	 * --min-n, and every statistic is undefined (not 0) */
	int anchor[N(mic_x)];
	promstat_registry *reg;
	promstat_mcid_options o;
	promstat_mcid *m;
	const promstat_mcid_cell *c;
	size_t i;

	for (i = 0; i < N(mic_x); i++)
		anchor[i] = 0;
	reg = vas_registry(mic_x, anchor, N(mic_x), 0);
	promstat_mcid_options_init(&o);
	o.min_n = 0;
	m = run_mcid(reg, &o);
	c = all_cell(m, 90);
	ck_assert(c->too_small);
	ck_assert_uint_eq(c->n, N(mic_x));
	ck_assert_uint_eq(c->n_improved, 0);
	ck_assert_uint_eq(c->n_stable, N(mic_x));
	ck_undef(c->roc_threshold);
	ck_undef(c->auc);
	ck_undef(c->mic_predictive);
	ck_undef(c->mic_adjusted);
	ck_undef(c->anchor_correlation);
	ck_undef(c->half_sd);
	ck_assert_int_eq(c->credible, -1);
	ck_assert_ptr_null(c->roc);
	promstat_mcid_free(m);
	promstat_registry_free(reg);
}
END_TEST

START_TEST(mcid_min_n)
{
	/* 300 units, about 180 improved: --min-n 200 makes the cell too small */
	int anchor[N(mic_x)];
	promstat_registry *reg;
	promstat_mcid_options o;
	promstat_mcid *m;
	size_t i;

	for (i = 0; i < N(mic_x); i++)
		anchor[i] = mic_y[i] ? 3 : 0;
	reg = vas_registry(mic_x, anchor, N(mic_x), 0);
	promstat_mcid_options_init(&o);
	o.bootstrap = 0;
	o.min_n = 200;
	m = run_mcid(reg, &o);
	ck_assert(all_cell(m, 90)->too_small);
	ck_undef(all_cell(m, 90)->mic_adjusted);
	promstat_mcid_free(m);
	promstat_registry_free(reg);
}
END_TEST

START_TEST(bootstrap_deterministic)
{
	/* the same seed gives the same intervals across runs and reader chunk
	 * sizes; another seed moves them */
	static const size_t chunks[] = { 0, 4096, 65536 };
	int anchor[N(mic_x)];
	double first[6] = { 0 };
	promstat_mcid_options o;
	size_t i, k;

	for (i = 0; i < N(mic_x); i++)
		anchor[i] = mic_y[i] ? 3 : 0;
	promstat_mcid_options_init(&o);
	o.bootstrap = 300;
	o.seed = 42;
	for (k = 0; k < 2 * N(chunks) + 1; k++) {
		promstat_registry *reg = vas_registry(mic_x, anchor, N(mic_x), chunks[k % N(chunks)]);
		promstat_mcid *m;
		const promstat_mcid_cell *c;
		double v[6];

		o.seed = k == 2 * N(chunks) ? 43 : 42;
		m = run_mcid(reg, &o);
		c = all_cell(m, 90);
		v[0] = c->roc_ci_lb;
		v[1] = c->roc_ci_ub;
		v[2] = c->mic_predictive_ci_lb;
		v[3] = c->mic_predictive_ci_ub;
		v[4] = c->mic_adjusted_ci_lb;
		v[5] = c->mic_adjusted_ci_ub;
		if (k == 0)
			memcpy(first, v, sizeof v);
		else if (o.seed == 42)
			ck_assert_msg(!memcmp(first, v, sizeof v), "run %zu (chunk %zu) differs", k,
				      chunks[k % N(chunks)]);
		else
			ck_assert_msg(memcmp(first, v + 0, sizeof v) != 0, "seed 43 gave seed 42's intervals");
		promstat_mcid_free(m);
		promstat_registry_free(reg);
	}
}
END_TEST

START_TEST(bootstrap_grouped_roc_is_units_roc)
{
	/* the bootstrap's ROC from counts per distinct value is the ROC of the
	 * units: draw subsets of the integer data and compare */
	double vals[64], x[N(roc_int_x)];
	size_t c1[64], c0[64], m = 0, i, j, rep;
	int y[N(roc_int_x)];

	for (i = 0; i < N(roc_int_x); i++) {
		for (j = 0; j < m && vals[j] != roc_int_x[i]; j++)
			;
		if (j == m)
			vals[m++] = roc_int_x[i];
	}
	for (i = 1; i < m; i++) /* insertion sort of the distinct values */
		for (j = i; j > 0 && vals[j - 1] > vals[j]; j--) {
			double t = vals[j];
			vals[j] = vals[j - 1];
			vals[j - 1] = t;
		}
	for (rep = 0; rep < 50; rep++) {
		size_t n = 0;
		promstat_roc *r = NULL;
		promstat_error err;

		memset(c1, 0, sizeof c1);
		memset(c0, 0, sizeof c0);
		for (i = 0; i < N(roc_int_x); i++) {
			if ((i * 7 + rep * 13) % 5 == 0) /* leave some units out */
				continue;
			x[n] = roc_int_x[i];
			y[n] = roc_int_y[i];
			for (j = 0; vals[j] != x[n]; j++)
				;
			y[n] ? c1[j]++ : c0[j]++;
			n++;
		}
		ck_assert_int_eq(promstat_roc_fit(x, y, n, 95, &r, &err), 0);
		ck_assert_msg(ps_roc_youden_grouped(vals, c1, c0, m) == r->threshold ||
				      (isnan(r->threshold) && isnan(ps_roc_youden_grouped(vals, c1, c0, m))),
			      "rep %zu: grouped %g, units %g", rep, ps_roc_youden_grouped(vals, c1, c0, m),
			      r->threshold);
		promstat_roc_free(r);
	}
}
END_TEST

START_TEST(demo_registry_recovers_true_mic)
{
	/* datasets/README.md: the demo anchor follows a true MIC of 1.5 NRS
	 * points. At every timepoint, over all units, the ROC threshold is 1.5
	 * (improvement of 2 or more on the integer scale), the adjusted MIC is
	 * within 0.25 of 1.5 and the predictive one within 0.35 (it is biased
	 * when the share improved is far from one half, which the adjustment
	 * corrects: Terluin 2017). The catalogue's 2 (Farrar 2001) is not it. */
	static const char *const ins[] = { "PAIN_NRS" };
	static const int days[] = { 42, 90, 180, 365, 730 };
	promstat_audit_options ao;
	promstat_mcid_options o;
	promstat_registry *reg = NULL;
	promstat_mcid *m = NULL;
	promstat_error err;
	FILE *f = fopen(PROMSTAT_SRCDIR "/datasets/demo-registry.csv", "rb");
	size_t t;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(promstat_registry_read(f, "demo", cat, NULL, &reg, &err), 0);
	fclose(f);
	promstat_audit_options_init(&ao);
	ao.instruments = ins;
	ao.n_instruments = 1;
	promstat_mcid_options_init(&o);
	o.audit = &ao;
	o.bootstrap = 200;
	o.test_retest = 1;
	ck_assert_int_eq(promstat_mcid_run(reg, &o, &m, &err), 0);
	for (t = 0; t < N(days); t++) {
		const promstat_mcid_cell *c = all_cell(m, days[t]);

		ck_assert(!c->too_small);
		ck_assert_msg(c->roc_threshold == 1.5, "day %d: ROC %g", days[t], c->roc_threshold);
		ck_assert_msg(fabs(c->mic_adjusted - 1.5) < 0.25, "day %d: adjusted %g", days[t],
			      c->mic_adjusted);
		ck_assert_msg(fabs(c->mic_predictive - 1.5) < 0.35, "day %d: predictive %g", days[t],
			      c->mic_predictive);
		ck_assert(c->credible == 1);
		ck_assert(c->reliability > 0.5 && c->reliability < 1);
		ck_assert(c->mic_adjusted_ci_lb < c->mic_adjusted && c->mic_adjusted < c->mic_adjusted_ci_ub);
	}
	promstat_mcid_free(m);
	promstat_registry_free(reg);
}
END_TEST

START_TEST(grouped_predictive_is_units_predictive)
{
	/* the bootstrap's fit on counts per distinct improvement gives R's
	 * glm values for the units (mic_expect: predictive, adjusted) */
	double vals[64], x[128], y[64], w[64], pred, adj;
	size_t c1[64] = { 0 }, c0[64] = { 0 }, m = 0, i, j;

	for (i = 0; i < N(mic_x); i++) {
		for (j = 0; j < m && vals[j] != mic_x[i]; j++)
			;
		if (j == m) {
			ck_assert_uint_lt(m, 64);
			vals[m++] = mic_x[i];
		}
		mic_y[i] ? c1[j]++ : c0[j]++;
	}
	ck_assert_int_eq(ps_mcid_predictive_grouped(vals, c1, c0, m, x, y, w, &pred, &adj), 0);
	ck_close(pred, mic_expect[2], 1e-8);
	ck_close(adj, mic_expect[3], 1e-8);
}
END_TEST

START_TEST(mcid_anchor_outside_scale)
{
	/* anchors of 9 on the -7..7 scale are left out and counted */
	int anchor[N(mic_x)];
	promstat_registry *reg;
	promstat_mcid_options o;
	promstat_mcid *m;
	size_t i, bad = 0;

	for (i = 0; i < N(mic_x); i++) {
		anchor[i] = i % 10 == 0 ? 9 : mic_y[i] ? 3 : 0;
		bad += i % 10 == 0;
	}
	reg = vas_registry(mic_x, anchor, N(mic_x), 0);
	promstat_mcid_options_init(&o);
	o.bootstrap = 0;
	m = run_mcid(reg, &o);
	ck_assert_uint_eq(all_cell(m, 90)->n, N(mic_x) - bad);
	ck_assert_uint_eq(promstat_mcid_n_out_of_scale(m), bad); /* once per timepoint, not per cell */
	promstat_mcid_free(m);
	o.anchor_scale = 0; /* any value */
	m = run_mcid(reg, &o);
	ck_assert_uint_eq(all_cell(m, 90)->n, N(mic_x));
	promstat_mcid_free(m);
	promstat_registry_free(reg);
}
END_TEST

/* ------------------------------------------------------------------ */
/* durability                                                          */
/* ------------------------------------------------------------------ */

/* A registry from CSV rows (after the header). */
static promstat_registry *rows_registry(const char *rows)
{
	char path[] = "/tmp/check_mcid.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w+b") : NULL;
	promstat_registry *reg = NULL;
	promstat_error err;

	ck_assert_ptr_nonnull(f);
	unlink(path);
	fputs("patient_id,episode,therapy,age,sex,provider,site,day,instrument,score,anchor,ae,satisfied\n", f);
	fputs(rows, f);
	rewind(f);
	ck_assert_msg(promstat_registry_read(f, "dur", cat, NULL, &reg, &err) == 0, "%s", err.message);
	fclose(f);
	return reg;
}

static promstat_audit *dur_audit(const promstat_registry *reg)
{
	static const char *const ins[] = { "PAIN_VAS" };
	static const promstat_audit_timepoint tp[] = { { 90, 30 }, { 180, 45 } };
	promstat_audit_options ao;
	promstat_audit *a = NULL;
	promstat_error err;

	promstat_audit_options_init(&ao);
	ao.instruments = ins;
	ao.n_instruments = 1;
	ao.timepoints = tp;
	ao.n_timepoints = 2;
	ck_assert_msg(promstat_audit_run(reg, &ao, &a, &err) == 0, "%s", err.message);
	return a;
}

static const promstat_durability_cell *dur_cell(const promstat_durability *d, const char *th,
						const char *band)
{
	size_t i;

	for (i = 0; i < promstat_durability_count(d); i++) {
		const promstat_durability_cell *c = promstat_durability_get(d, i);

		if (!strcmp(c->levels[0], th) && !strcmp(c->levels[1], band))
			return c;
	}
	ck_abort_msg("no cell %s/%s", th, band);
	return NULL;
}

/* PAIN_VAS, MCID 19.9 (Tubach 2005), baseline 60 on day -1 */
#define VAS_UNIT(id, th, s90, s180)                                                      \
	id ",1," th ",50,F,dr01,north,-1,PAIN_VAS,60,,,\n" id ",1," th                    \
	   ",50,F,dr01,north,90,PAIN_VAS," s90 ",,,\n" id ",1," th ",50,F,dr01,north,180,PAIN_VAS," s180 ",,,\n"

START_TEST(durability_by_hand)
{
	/* U1 responds at 90 (improvement 30) and still at 180 (25): censored at
	 * 180. U2 responds at 90 and falls to 10 at 180: lost on day 180. U3
	 * responds only at 180: censored at 180. U4 never responds (5, 5).
	 * Responders: times 180, 180, 180 with one loss: S(180) = 1 - 1/3.
	 * Share still responding: day 90, U1 and U2 of 2; day 180, U1 and U3 of 3. */
	promstat_registry *reg = rows_registry(VAS_UNIT("U1", "PRP", "30", "35")
						       VAS_UNIT("U2", "PRP", "30", "50")
							       VAS_UNIT("U3", "PRP", "50", "30")
								       VAS_UNIT("U4", "PRP", "55", "55"));
	promstat_audit *a = dur_audit(reg);
	promstat_durability *d = NULL;
	promstat_error err;
	const promstat_durability_cell *c;

	ck_assert_int_eq(promstat_durability_run(reg, a, PROMSTAT_DURABILITY_MCID, &d, &err), 0);
	c = dur_cell(d, "PRP", "ALL");
	ck_assert_uint_eq(c->n_units, 4);
	ck_assert_uint_eq(c->n_never, 1);
	ck_assert_uint_eq(c->n_responders, 3);
	ck_assert_uint_eq(c->n_lost, 1);
	ck_assert_uint_eq(c->n_censored, 2);
	ck_assert_uint_eq(c->km->n_steps, 1);
	ck_close(c->km->steps[0].surv, 2.0 / 3, 1e-15);
	ck_assert_uint_eq(c->n_risk[0], 3);
	ck_assert_uint_eq(c->n_risk[1], 3);
	ck_close(c->surv[0], 1, 0);
	ck_close(c->surv[1], 2.0 / 3, 1e-15);
	ck_assert_uint_eq(c->n_observed[0], 2);
	ck_assert_uint_eq(c->n_still[0], 2);
	ck_assert_uint_eq(c->n_observed[1], 3);
	ck_assert_uint_eq(c->n_still[1], 2);
	ck_close(c->share_still[1], 2.0 / 3, 1e-15);
	ck_undef(c->km->median); /* S never falls below one half */
	/* one therapy: the log-rank test is undefined, not 0 */
	ck_assert_uint_ge(promstat_durability_n_tests(d), 1);
	ck_undef(promstat_durability_test_get(d, 0)->test->chisq);
	promstat_durability_free(d);
	promstat_audit_free(a);
	promstat_registry_free(reg);
}
END_TEST

START_TEST(durability_every_responder_censored)
{
	/* every responder keeps its response: a flat curve at 1, no median, no
	 * loss; the number at risk still counts them */
	promstat_registry *reg = rows_registry(VAS_UNIT("U1", "PRP", "30", "35")
						       VAS_UNIT("U3", "PRP", "50", "30")
							       VAS_UNIT("U5", "HA", "20", "20"));
	promstat_audit *a = dur_audit(reg);
	promstat_durability *d = NULL;
	promstat_error err;
	const promstat_durability_cell *c;
	size_t i;

	ck_assert_int_eq(promstat_durability_run(reg, a, PROMSTAT_DURABILITY_MCID, &d, &err), 0);
	c = dur_cell(d, "ALL", "ALL");
	ck_assert_uint_eq(c->n_responders, 3);
	ck_assert_uint_eq(c->n_lost, 0);
	ck_assert_uint_eq(c->n_censored, 3);
	for (i = 0; i < c->km->n_steps; i++)
		ck_close(c->km->steps[i].surv, 1, 0);
	ck_undef(c->km->median);
	ck_undef(c->km->median_lb);
	ck_undef(c->km->median_ub);
	ck_close(c->surv[1], 1, 0);
	ck_assert_uint_eq(c->n_risk[1], 3);
	/* two therapies, no event: nothing expected, so no test (survdiff's
	 * chi-square of 0 on 0 df is not a result) */
	for (i = 0; i < promstat_durability_n_tests(d); i++)
		if (promstat_durability_test_get(d, i)->test)
			ck_undef(promstat_durability_test_get(d, i)->test->chisq);
	promstat_durability_free(d);
	promstat_audit_free(a);
	promstat_registry_free(reg);
}
END_TEST

START_TEST(durability_pass_rule)
{
	/* PAIN_VAS PASS 32.3 (lower better): U1 responds at 90 with score 30 and
	 * at 180 scores 35, above the PASS: lost under --durability-rule pass,
	 * kept under the MCID rule (improvement 25 >= 19.9) */
	promstat_registry *reg = rows_registry(VAS_UNIT("U1", "PRP", "30", "35"));
	promstat_audit *a = dur_audit(reg);
	promstat_durability *d = NULL;
	promstat_error err;

	ck_assert_int_eq(promstat_durability_run(reg, a, PROMSTAT_DURABILITY_PASS, &d, &err), 0);
	ck_assert_uint_eq(dur_cell(d, "PRP", "ALL")->n_lost, 1);
	promstat_durability_free(d);
	ck_assert_int_eq(promstat_durability_run(reg, a, PROMSTAT_DURABILITY_MCID, &d, &err), 0);
	ck_assert_uint_eq(dur_cell(d, "PRP", "ALL")->n_lost, 0);
	promstat_durability_free(d);
	promstat_audit_free(a);
	promstat_registry_free(reg);
}
END_TEST

START_TEST(durability_logrank_by_hand)
{
	/* PRP: U1 censored at 180, U2 lost at 180; HA: H1 and H2 lost at 180.
	 * One event time, 180: n = 4 at risk (2 PRP), d = 3.
	 * E(PRP) = 3 * 2/4 = 1.5, O(PRP) = 1;
	 * V = d (n1/n)(1 - n1/n)(n - d)/(n - 1) = 3 * 1/4 * 1/3 = 0.25;
	 * chi-square = (1 - 1.5)^2 / 0.25 = 1, p = P(chi2_1 > 1) = 0.31731050786291410 */
	promstat_registry *reg = rows_registry(VAS_UNIT("U1", "PRP", "30", "35")
						       VAS_UNIT("U2", "PRP", "30", "50")
							       VAS_UNIT("H1", "HA", "30", "55")
								       VAS_UNIT("H2", "HA", "25", "45"));
	promstat_audit *a = dur_audit(reg);
	promstat_durability *d = NULL;
	promstat_error err;
	size_t i, found = 0;

	ck_assert_int_eq(promstat_durability_run(reg, a, PROMSTAT_DURABILITY_MCID, &d, &err), 0);
	for (i = 0; i < promstat_durability_n_tests(d); i++) {
		const promstat_durability_test *te = promstat_durability_test_get(d, i);
		size_t prp = !strcmp(te->therapies[0], "PRP") ? 0 : 1;

		if (strcmp(te->levels[1], "ALL"))
			continue;
		found++;
		ck_assert_uint_eq(te->k, 2);
		ck_assert_str_eq(te->therapies[1 - prp], "HA");
		ck_close(te->test->observed[prp], 1, 0);
		ck_close(te->test->expected[prp], 1.5, 1e-15);
		ck_close(te->test->chisq, 1, 1e-14);
		ck_assert_int_eq(te->test->df, 1);
		ck_close(te->test->p, 0.31731050786291410, 1e-14);
	}
	ck_assert_uint_eq(found, 1);
	promstat_durability_free(d);
	promstat_audit_free(a);
	promstat_registry_free(reg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mcid");
	TCase *roc = tcase_create("roc"), *surv = tcase_create("survival"), *mc = tcase_create("mcid");
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
	tcase_add_unchecked_fixture(mc, load_catalogue, free_catalogue);
	tcase_set_timeout(mc, 120);
	tcase_add_test(mc, mcid_against_glm_and_proc);
	tcase_add_test(mc, mcid_mean_changes_and_sem_by_hand);
	tcase_add_test(mc, mcid_no_stable_units);
	tcase_add_test(mc, mcid_constant_anchor);
	tcase_add_test(mc, mcid_min_n);
	tcase_add_test(mc, bootstrap_deterministic);
	tcase_add_test(mc, bootstrap_grouped_roc_is_units_roc);
	tcase_add_test(mc, demo_registry_recovers_true_mic);
	tcase_add_test(mc, durability_by_hand);
	tcase_add_test(mc, durability_every_responder_censored);
	tcase_add_test(mc, durability_pass_rule);
	tcase_add_test(mc, durability_logrank_by_hand);
	tcase_add_test(mc, grouped_predictive_is_units_predictive);
	tcase_add_test(mc, mcid_anchor_outside_scale);
	suite_add_tcase(s, mc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
