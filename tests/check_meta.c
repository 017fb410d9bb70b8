/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The meta-analysis engine against metafor 3.8.1: every one of the 48
 * analyses of tests/data/reference/metafor_reference.json (embedded in
 * meta_reference.h by tests/gen-meta-reference.py), to 1e-6 relative
 * (1e-9 absolute near zero); then edge cases whose expected values are
 * hand computations written next to them or metafor output quoted in a
 * comment.
 */
#include <config.h>

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "meta_reference.h"
#include "l1o_reference.h"

#define REL_TOL 1e-6
#define ABS_TOL 1e-9

/* ---- comparison with a list of every mismatch of a case ---- */

typedef struct cmp_log {
	int failures;
	int checked;
	char where[128];
} cmp_log;

static void cmp(cmp_log *lg, const char *what, double got, double want)
{
	double tol;

	lg->checked++;
	if (isnan(want) && isnan(got))
		return;
	tol = fabs(want) * REL_TOL;
	if (tol < ABS_TOL)
		tol = ABS_TOL;
	if (isnan(want) || isnan(got) || !(fabs(got - want) <= tol)) {
		lg->failures++;
		fprintf(stderr, "%s: %s = %.17g, metafor %.17g (rel. diff %.3g)\n", lg->where,
			what, got, want, fabs(got - want) / (fabs(want) > 0 ? fabs(want) : 1));
	}
}

/* cmp with its own tolerances, for two computations of promstat's own */
static void cmp_tol(cmp_log *lg, const char *what, double got, double want, double rel,
		    double abs)
{
	double tol = fabs(want) * rel;

	lg->checked++;
	if (isnan(want) && isnan(got))
		return;
	if (tol < abs)
		tol = abs;
	if (isnan(want) || isnan(got) || !(fabs(got - want) <= tol)) {
		lg->failures++;
		fprintf(stderr, "%s: %s = %.17g, expected %.17g (diff %.3g)\n", lg->where, what, got,
			want, fabs(got - want));
	}
}

static void cmp_summary(cmp_log *lg, const char *prefix, const promstat_meta_summary *s,
			const double *w)
{
	double got[MREF_OVERALL_N];
	char name[96];
	int i;

	got[MREF_K] = (double)s->k;
	got[MREF_ESTIMATE] = s->estimate;
	got[MREF_SE] = s->se;
	got[MREF_PVAL] = s->pval;
	got[MREF_CI_LB] = s->ci_lb;
	got[MREF_CI_UB] = s->ci_ub;
	got[MREF_TAU2] = s->tau2;
	got[MREF_TAU2_CI_LB] = s->tau2_ci_lb;
	got[MREF_TAU2_CI_UB] = s->tau2_ci_ub;
	got[MREF_I2] = s->I2;
	got[MREF_H2] = s->H2;
	got[MREF_Q] = s->Q;
	got[MREF_Q_DF] = s->Q_df;
	got[MREF_Q_PVAL] = s->Q_pval;
	got[MREF_PI_LB] = s->pi_lb;
	got[MREF_PI_UB] = s->pi_ub;
	for (i = 0; i < MREF_OVERALL_N; i++) {
		snprintf(name, sizeof name, "%s.%s", prefix, mref_overall_names[i]);
		cmp(lg, name, got[i], w[i]);
	}
}

static const mref_data *find_data(const char *name)
{
	size_t i;

	for (i = 0; i < MREF_NDATA; i++)
		if (strcmp(mref_data_sets[i].name, name) == 0)
			return &mref_data_sets[i];
	return NULL;
}

/* Effect sizes of a data set with the engine's escalc. */
static void effect_sizes(const mref_data *d, promstat_meta_measure m, double *yi, double *vi)
{
	promstat_error err;
	size_t i;
	int rc = PROMSTAT_OK;

	for (i = 0; i < d->k; i++) {
		const double *const *c = d->cols;

		switch (promstat_meta_measure_input(m)) {
		case PROMSTAT_META_INPUT_MEANS:
			rc = promstat_meta_es_means(m, c[0][i], c[1][i], c[2][i], c[3][i], c[4][i],
						    c[5][i], &yi[i], &vi[i], &err);
			break;
		case PROMSTAT_META_INPUT_TABLE:
			rc = promstat_meta_es_table(m, c[0][i], c[1][i], c[2][i], c[3][i], &yi[i],
						    &vi[i], &err);
			break;
		case PROMSTAT_META_INPUT_PROPORTION:
			rc = promstat_meta_es_proportion(m, c[0][i], c[1][i], &yi[i], &vi[i], &err);
			break;
		case PROMSTAT_META_INPUT_GENERIC:
			rc = promstat_meta_es_generic(c[0][i], c[1][i], &yi[i], &vi[i], &err);
			break;
		}
		ck_assert_msg(rc == PROMSTAT_OK, "%s row %zu: %s", d->name, i + 1, err.message);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

START_TEST(reference_case)
{
	const mref_case *c = &mref_cases[_i];
	const mref_data *d = find_data(c->data);
	promstat_meta_options opt;
	promstat_meta_measure measure;
	promstat_meta_summary s;
	promstat_error err;
	cmp_log lg;
	double *yi, *vi, *w;
	size_t i, k;
	int rc;

	ck_assert_ptr_nonnull(d);
	memset(&lg, 0, sizeof lg);
	snprintf(lg.where, sizeof lg.where, "case %d (%s %s %s %s%s%s%s)", _i, c->data, c->measure,
		 c->method, c->test, c->by ? " by" : "", c->mods ? " mods" : "",
		 c->bias ? " bias" : "");
	k = d->k;
	yi = calloc(k, sizeof *yi);
	vi = calloc(k, sizeof *vi);
	w = calloc(k, sizeof *w);
	ck_assert(yi != NULL && vi != NULL && w != NULL);
	ck_assert_int_eq(promstat_meta_measure_parse(c->measure, &measure, &err), PROMSTAT_OK);
	effect_sizes(d, measure, yi, vi);
	if (c->yi != NULL) {
		ck_assert_uint_eq(c->nyi, k);
		for (i = 0; i < k; i++)
			cmp(&lg, "yi", yi[i], c->yi[i]);
	}
	if (c->vi != NULL)
		for (i = 0; i < k; i++)
			cmp(&lg, "vi", vi[i], c->vi[i]);

	promstat_meta_options_init(&opt);
	ck_assert_int_eq(promstat_meta_methods_parse(c->method, &opt, &err), PROMSTAT_OK);
	ck_assert_int_eq(promstat_meta_test_parse(c->test, &opt.test, &err), PROMSTAT_OK);

	rc = promstat_meta_fit(yi, vi, k, &opt, &s, w, &err);
	ck_assert_msg(rc == PROMSTAT_OK, "%s: %s", lg.where, err.message);
	ck_assert(s.converged);
	cmp_summary(&lg, "overall", &s, c->overall);
	{
		double sum = 0;

		for (i = 0; i < k; i++)
			sum += w[i];
		cmp(&lg, "sum of weights", sum, 100);
	}

	if (c->by != NULL) {
		/* levels in sorted order, as R's factor() */
		const char *lev[64];
		size_t nlev = 0, j, *g;
		promstat_meta_summary levels[64];
		promstat_meta_subgroup_test t;

		ck_assert(d->group != NULL && strcmp(d->groupname, c->by) == 0);
		for (i = 0; i < k; i++) {
			for (j = 0; j < nlev; j++)
				if (strcmp(lev[j], d->group[i]) == 0)
					break;
			if (j == nlev)
				lev[nlev++] = d->group[i];
		}
		qsort(lev, nlev, sizeof lev[0], cmp_str);
		g = calloc(k, sizeof *g);
		ck_assert(g != NULL);
		for (i = 0; i < k; i++)
			for (j = 0; j < nlev; j++)
				if (strcmp(lev[j], d->group[i]) == 0)
					g[i] = j;
		rc = promstat_meta_subgroups(yi, vi, g, k, nlev, &opt, levels, &t, &err);
		ck_assert_msg(rc == PROMSTAT_OK, "%s: %s", lg.where, err.message);
		ck_assert_uint_eq(nlev, c->nsub);
		for (j = 0; j < nlev; j++) {
			char prefix[64];

			ck_assert_str_eq(lev[j], c->sub[j].level);
			snprintf(prefix, sizeof prefix, "subgroups.%s", lev[j]);
			cmp_summary(&lg, prefix, &levels[j], c->sub[j].v);
		}
		cmp(&lg, "common.QM", t.common_QM, c->common[0]);
		cmp(&lg, "common.df", t.common_df, c->common[1]);
		cmp(&lg, "common.pval", t.common_pval, c->common[2]);
		cmp(&lg, "separate.Q", t.separate_Q, c->separate[0]);
		cmp(&lg, "separate.df", t.separate_df, c->separate[1]);
		cmp(&lg, "separate.pval", t.separate_pval, c->separate[2]);
		free(g);
	}

	if (c->mods != NULL) {
		double *X = calloc(2 * k, sizeof *X);
		promstat_meta_coef coefs[2];
		promstat_meta_reg_summary rs;

		ck_assert(X != NULL && d->mod != NULL && strcmp(d->modname, c->mods) == 0);
		for (i = 0; i < k; i++) {
			X[2 * i] = 1;
			X[2 * i + 1] = d->mod[i];
		}
		rc = promstat_meta_regress(yi, vi, k, X, 2, &opt, coefs, &rs, &err);
		ck_assert_msg(rc == PROMSTAT_OK, "%s: %s", lg.where, err.message);
		ck_assert_uint_eq(c->nmod, 2);
		ck_assert_str_eq(c->mod[0].name, "intrcpt");
		ck_assert_str_eq(c->mod[1].name, c->mods);
		for (i = 0; i < 2; i++) {
			cmp(&lg, "mod.estimate", coefs[i].estimate, c->mod[i].estimate);
			cmp(&lg, "mod.se", coefs[i].se, c->mod[i].se);
			cmp(&lg, "mod.pval", coefs[i].pval, c->mod[i].pval);
			cmp(&lg, "mod.ci_lb", coefs[i].ci_lb, c->mod[i].ci_lb);
			cmp(&lg, "mod.ci_ub", coefs[i].ci_ub, c->mod[i].ci_ub);
		}
		cmp(&lg, "modtest.QM", rs.QM, c->modtest[0]);
		cmp(&lg, "modtest.pval", rs.QM_pval, c->modtest[1]);
		cmp(&lg, "modtest.tau2", rs.tau2, c->modtest[2]);
		cmp(&lg, "modtest.I2", rs.I2, c->modtest[3]);
		cmp(&lg, "modtest.R2", rs.R2, c->modtest[4]);
		free(X);
	}

	if (c->bias) {
		promstat_meta_egger eg;
		promstat_meta_rank rk;
		promstat_meta_trimfill tf;
		promstat_meta_l1o *l1o = calloc(k, sizeof *l1o);
		double *fy = calloc(k, sizeof *fy), *fv = calloc(k, sizeof *fv);

		ck_assert(l1o != NULL && fy != NULL && fv != NULL);
		rc = promstat_meta_egger_test(yi, vi, k, &opt, &eg, &err);
		ck_assert_msg(rc == PROMSTAT_OK, "%s: %s", lg.where, err.message);
		cmp(&lg, "egger.zval", eg.zval, c->egger[0]);
		cmp(&lg, "egger.pval", eg.pval, c->egger[1]);
		cmp(&lg, "egger.limit_estimate", eg.limit_estimate, c->egger[2]);

		rc = promstat_meta_rank_test(yi, vi, k, &opt, &rk, &err);
		ck_assert_msg(rc == PROMSTAT_OK, "%s: %s", lg.where, err.message);
		cmp(&lg, "rank.tau", rk.tau, c->rank[0]);
		cmp(&lg, "rank.pval", rk.pval, c->rank[1]);

		rc = promstat_meta_trimfill_run(yi, vi, k, &opt, &tf, fy, fv, &err);
		ck_assert_msg(rc == PROMSTAT_OK, "%s: %s", lg.where, err.message);
		cmp(&lg, "trimfill.k0", (double)tf.k0, c->trimfill[0]);
		ck_assert_str_eq(promstat_meta_side_name(tf.side), c->trimfill_side);
		cmp(&lg, "trimfill.estimate", tf.filled.estimate, c->trimfill[1]);
		cmp(&lg, "trimfill.se", tf.filled.se, c->trimfill[2]);
		cmp(&lg, "trimfill.tau2", tf.filled.tau2, c->trimfill[3]);
		ck_assert_uint_eq(tf.filled.k, k + tf.k0);

		rc = promstat_meta_leave1out(yi, vi, k, &opt, l1o, &err);
		ck_assert_msg(rc == PROMSTAT_OK, "%s: %s", lg.where, err.message);
		ck_assert_uint_eq(c->nl1o, k);
		for (i = 0; i < k; i++) {
			ck_assert_str_eq(c->l1o[i].omitted, d->study[i]);
			ck_assert(l1o[i].converged);
			cmp(&lg, "l1o.estimate", l1o[i].estimate, c->l1o[i].estimate);
			cmp(&lg, "l1o.se", l1o[i].se, c->l1o[i].se);
			cmp(&lg, "l1o.tau2", l1o[i].tau2, c->l1o[i].tau2);
			cmp(&lg, "l1o.I2", l1o[i].I2, c->l1o[i].I2);
		}
		free(l1o);
		free(fy);
		free(fv);
	}
	free(yi);
	free(vi);
	free(w);
	ck_assert_msg(lg.failures == 0, "%s: %d of %d values differ from metafor", lg.where,
		      lg.failures, lg.checked);
}
END_TEST

/* ---- parsing ---- */

START_TEST(parse_names)
{
	promstat_meta_measure m;
	promstat_meta_method me;
	promstat_meta_test t;
	promstat_meta_options o;
	promstat_error err;
	int i;

	for (i = 0; i < PROMSTAT_MEASURE_COUNT; i++) {
		ck_assert_int_eq(promstat_meta_measure_parse(
					 promstat_meta_measure_name((promstat_meta_measure)i), &m, &err),
				 PROMSTAT_OK);
		ck_assert_int_eq(m, i);
	}
	ck_assert_int_eq(promstat_meta_measure_parse("smd", &m, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_meta_measure_parse("XYZ", &m, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_meta_measure_parse(NULL, &m, NULL), PROMSTAT_EINVAL);
	ck_assert_str_eq(promstat_meta_measure_name((promstat_meta_measure)99), "?");
	/* The descriptor table against the classes written out by hand here:
	 * ratios ROM RR OR, proportions PR PLO PFT PAS, only PFT needs an n. */
	for (i = 0; i < PROMSTAT_MEASURE_COUNT; i++) {
		const promstat_meta_measure_info *d =
			promstat_meta_measure_describe((promstat_meta_measure)i);
		int ratio = i == PROMSTAT_MEASURE_ROM || i == PROMSTAT_MEASURE_RR ||
			    i == PROMSTAT_MEASURE_OR;
		int prop = i == PROMSTAT_MEASURE_PR || i == PROMSTAT_MEASURE_PLO ||
			   i == PROMSTAT_MEASURE_PFT || i == PROMSTAT_MEASURE_PAS;

		ck_assert_ptr_nonnull(d);
		ck_assert_int_eq(d->measure, i);
		ck_assert_str_eq(d->name, promstat_meta_measure_name((promstat_meta_measure)i));
		ck_assert_int_eq(d->ratio, ratio);
		ck_assert_int_eq(d->proportion, prop);
		ck_assert_int_eq(d->back_needs_n, i == PROMSTAT_MEASURE_PFT);
		ck_assert_int_eq(d->back_name != NULL,
				 promstat_meta_measure_has_backtransform((promstat_meta_measure)i));
		ck_assert_int_eq(d->back_axis_label != NULL, prop);
		ck_assert_ptr_nonnull(d->scale);
		ck_assert_ptr_nonnull(d->axis_label);
		if (prop)
			ck_assert(isnan(d->null_value));
		else /* no effect is 0, exp(0) = 1 on a ratio's own scale */
			ck_assert(d->null_value == 0 &&
				  promstat_meta_backtransform((promstat_meta_measure)i, d->null_value,
							      1) == (ratio ? 1 : 0));
	}
	ck_assert_ptr_null(promstat_meta_measure_describe((promstat_meta_measure)99));
	ck_assert_ptr_null(promstat_meta_measure_describe((promstat_meta_measure)-1));
	ck_assert_str_eq(promstat_meta_measure_describe(PROMSTAT_MEASURE_OR)->scale, "log OR");
	ck_assert_int_eq(promstat_meta_method_parse("FE", &me, &err), PROMSTAT_OK);
	ck_assert_int_eq(me, PROMSTAT_METHOD_EE);
	ck_assert_str_eq(promstat_meta_method_name(me), "EE");
	ck_assert_int_eq(promstat_meta_method_parse("reml", &me, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_meta_test_parse("knha", &t, &err), PROMSTAT_OK);
	ck_assert_int_eq(t, PROMSTAT_TEST_KNHA);
	ck_assert_int_eq(promstat_meta_test_parse("t", &t, &err), PROMSTAT_EINVAL);

	promstat_meta_options_init(&o);
	ck_assert_int_eq(o.nmethods, 1);
	ck_assert_int_eq(o.methods[0], PROMSTAT_METHOD_REML);
	ck_assert_int_eq(promstat_meta_methods_parse("REML,DL", &o, &err), PROMSTAT_OK);
	ck_assert_int_eq(o.nmethods, 2);
	ck_assert_int_eq(o.methods[1], PROMSTAT_METHOD_DL);
	ck_assert_int_eq(promstat_meta_methods_parse("REML,", &o, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_meta_methods_parse("REML,XX", &o, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(o.nmethods, 2); /* unchanged on error */
	ck_assert_int_eq(promstat_meta_methods_parse("EE,EE,EE,EE,EE,EE,EE,EE,EE,EE", &o, &err),
			 PROMSTAT_EINVAL);
	o.level = 100;
	ck_assert_int_eq(promstat_meta_options_check(&o, &err), PROMSTAT_EINVAL);
	promstat_meta_options_init(NULL); /* no-op */
}
END_TEST

/* ---- effect sizes ---- */

START_TEST(study_wald_ci)
{
	double lb, ub;

	/* Hand computation: z(0.975) = 1.959963984540054, sqrt(0.04) = 0.2, so
	 * 0.5 -/+ 0.3919927969080108. */
	promstat_meta_study_ci(0.5, 0.04, 95, &lb, &ub);
	ck_assert_double_eq_tol(lb, 0.1080072030919892, 1e-15);
	ck_assert_double_eq_tol(ub, 0.8919927969080108, 1e-15);
	/* z(0.95) = 1.6448536269514722 at 90%. */
	promstat_meta_study_ci(-1, 1, 90, &lb, &ub);
	ck_assert_double_eq_tol(lb, -2.6448536269514722, 1e-15);
	promstat_meta_study_ci(0, 1, 100, &lb, &ub);
	ck_assert(isnan(lb) && isnan(ub));
}
END_TEST

START_TEST(es_rejects)
{
	promstat_error err;
	double y = 7, v = 7;

	ck_assert_int_eq(promstat_meta_es_means(PROMSTAT_MEASURE_MD, 1, 1, 1, 2, 1, 10, &y, &v, &err),
			 PROMSTAT_EDATA);
	ck_assert_int_eq(promstat_meta_es_means(PROMSTAT_MEASURE_SMD, 1, 0, 10, 2, 1, 10, &y, &v, &err),
			 PROMSTAT_EDATA);
	ck_assert_int_eq(promstat_meta_es_means(PROMSTAT_MEASURE_SMD, 1, -1, 10, 2, 1, 10, &y, &v, &err),
			 PROMSTAT_EDATA);
	ck_assert_int_eq(promstat_meta_es_means(PROMSTAT_MEASURE_ROM, -1, 1, 10, 2, 1, 10, &y, &v, &err),
			 PROMSTAT_EDATA);
	ck_assert_int_eq(promstat_meta_es_means(PROMSTAT_MEASURE_MD, NAN, 1, 10, 2, 1, 10, &y, &v, &err),
			 PROMSTAT_EDATA);
	ck_assert_int_eq(promstat_meta_es_means(PROMSTAT_MEASURE_RR, 1, 1, 10, 2, 1, 10, &y, &v, &err),
			 PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_meta_es_table(PROMSTAT_MEASURE_RR, -1, 10, 2, 10, &y, &v, &err),
			 PROMSTAT_EDATA);
	ck_assert_int_eq(promstat_meta_es_table(PROMSTAT_MEASURE_OR, 1.5, 10, 2, 10, &y, &v, &err),
			 PROMSTAT_EDATA);
	ck_assert_int_eq(promstat_meta_es_table(PROMSTAT_MEASURE_OR, 0, 0, 2, 10, &y, &v, &err),
			 PROMSTAT_EDATA);
	ck_assert_int_eq(promstat_meta_es_proportion(PROMSTAT_MEASURE_PR, 11, 10, &y, &v, &err),
			 PROMSTAT_EDATA);
	ck_assert_int_eq(promstat_meta_es_proportion(PROMSTAT_MEASURE_PR, 0, 0, &y, &v, &err),
			 PROMSTAT_EDATA);
	ck_assert_int_eq(promstat_meta_es_generic(0.1, 0, &y, &v, &err), PROMSTAT_EDATA);
	ck_assert_int_eq(promstat_meta_es_generic(0.1, 0.1, NULL, &v, &err), PROMSTAT_EINVAL);
	/* untouched on error */
	ck_assert(y == 7 && v == 7);
	ck_assert(strlen(err.message) > 0);
}
END_TEST

START_TEST(es_zero_cells)
{
	double y, v;

	/* metafor: escalc("RR", ai=0, bi=10, ci=2, di=8) -> yi -1.6094, vi 2.2182:
	 * cells become 0.5, 10.5, 2.5, 8.5; yi = log((0.5/11)/(2.5/11)) = log 0.2,
	 * vi = 1/0.5 - 1/11 + 1/2.5 - 1/11 */
	ck_assert_int_eq(promstat_meta_es_table(PROMSTAT_MEASURE_RR, 0, 10, 2, 8, &y, &v, NULL),
			 PROMSTAT_OK);
	ck_assert_double_eq_tol(y, log(0.2), 1e-14);
	ck_assert_double_eq_tol(v, 2 - 2.0 / 11 + 0.4, 1e-14);
	/* escalc("RD", ai=0, bi=10, ci=0, di=10) -> 0, 0.0079 (drop00 = FALSE,
	 * add 1/2): p = 0.5/11 in both arms, vi = 2 p (1-p)/11 */
	ck_assert_int_eq(promstat_meta_es_table(PROMSTAT_MEASURE_RD, 0, 10, 0, 10, &y, &v, NULL),
			 PROMSTAT_OK);
	ck_assert_double_eq_tol(y, 0, 1e-15);
	ck_assert_double_eq_tol(v, 2 * (0.5 / 11) * (10.5 / 11) / 11, 1e-15);
	/* escalc("RR", ai=10, bi=0, ci=10, di=0) -> 0, 0.0087 */
	ck_assert_int_eq(promstat_meta_es_table(PROMSTAT_MEASURE_RR, 10, 0, 10, 0, &y, &v, NULL),
			 PROMSTAT_OK);
	ck_assert_double_eq_tol(v, 2 * (1 / 10.5 - 1 / 11.0), 1e-15);
	/* escalc("OR", ...) without a zero cell adds nothing: 1/a+1/b+1/c+1/d */
	ck_assert_int_eq(promstat_meta_es_table(PROMSTAT_MEASURE_OR, 4, 119, 11, 128, &y, &v, NULL),
			 PROMSTAT_OK);
	ck_assert_double_eq_tol(v, 1.0 / 4 + 1.0 / 119 + 1.0 / 11 + 1.0 / 128, 1e-15);
	/* escalc("PR", xi=0, ni=10) -> 0.0455 = 0.5/11; PLO -> -3.0445 =
	 * log(0.5/10.5), vi 2.0952 = 1/0.5 + 1/10.5; PAS adds nothing -> 0 */
	ck_assert_int_eq(promstat_meta_es_proportion(PROMSTAT_MEASURE_PR, 0, 10, &y, &v, NULL),
			 PROMSTAT_OK);
	ck_assert_double_eq_tol(y, 0.5 / 11, 1e-15);
	ck_assert_int_eq(promstat_meta_es_proportion(PROMSTAT_MEASURE_PLO, 0, 10, &y, &v, NULL),
			 PROMSTAT_OK);
	ck_assert_double_eq_tol(y, log(0.5 / 10.5), 1e-14);
	ck_assert_double_eq_tol(v, 2 + 1 / 10.5, 1e-14);
	ck_assert_int_eq(promstat_meta_es_proportion(PROMSTAT_MEASURE_PAS, 0, 10, &y, &v, NULL),
			 PROMSTAT_OK);
	ck_assert_double_eq_tol(y, 0, 1e-15);
	ck_assert_double_eq_tol(v, 0.025, 1e-15);
}
END_TEST

START_TEST(es_smd_huge_df)
{
	double y, v, df = 2e9 - 2;
	double c;

	/* With n1 = n2 = 1e9, Gamma() itself overflows; the correction must
	 * be c(m) = 1 - 3/(4m - 1) + O(m^-2) (Hedges 1981), i.e. g = d to
	 * about 1e-9 relative, d = (1 - 0)/1 = 1 */
	ck_assert_int_eq(promstat_meta_es_means(PROMSTAT_MEASURE_SMD, 1, 1, 1e9, 0, 1, 1e9, &y, &v,
						NULL),
			 PROMSTAT_OK);
	c = 1 - 3 / (4 * df - 1);
	ck_assert(isfinite(y) && isfinite(v));
	ck_assert_double_eq_tol(y, c, 1e-12);
	ck_assert_double_eq_tol(v, 2e-9 + y * y / 4e9, 1e-20);
	/* small df: c(8) = Gamma(4)/(sqrt(4) Gamma(3.5)) = 6/(2 * 3.32335097...)
	 * = 0.902703...; Hedges' approximation 1 - 3/31 = 0.9032 */
	ck_assert_int_eq(promstat_meta_es_means(PROMSTAT_MEASURE_SMD, 1, 1, 5, 0, 1, 5, &y, &v, NULL),
			 PROMSTAT_OK);
	ck_assert_double_eq_tol(y, 6 / (2 * 3.3233509704478426), 1e-12);
}
END_TEST

/* ---- models: edge cases ---- */

START_TEST(one_study)
{
	/* metafor: rma(0.5, 0.1) -> tau2 0, QE 0, QEp 1, I2 0, H2 1, estimate
	 * 0.5, se 0.3162, ci -0.1198..1.1198 (0.5 -/+ 1.959964 sqrt(0.1)) */
	double y = 0.5, v = 0.1, w;
	promstat_meta_summary s;
	promstat_error err;

	ck_assert_int_eq(promstat_meta_fit(&y, &v, 1, NULL, &s, &w, &err), PROMSTAT_OK);
	ck_assert(s.converged);
	ck_assert_uint_eq(s.k, 1);
	ck_assert_int_eq(s.method, PROMSTAT_METHOD_EE);
	ck_assert_double_eq_tol(s.estimate, 0.5, 1e-15);
	ck_assert_double_eq_tol(s.se, sqrt(0.1), 1e-15);
	ck_assert_double_eq_tol(s.ci_lb, 0.5 - 1.959963984540054 * sqrt(0.1), 1e-12);
	ck_assert(s.tau2 == 0 && s.Q == 0 && s.Q_df == 0 && s.Q_pval == 1);
	ck_assert(s.I2 == 0 && s.H2 == 1);
	ck_assert(isnan(s.tau2_ci_lb) && isnan(s.tau2_ci_ub));
	ck_assert_double_eq_tol(w, 100, 1e-12);
}
END_TEST

START_TEST(equal_variances)
{
	/* y = 1,2,3,4 with v = 0.5 each. Hand computation: Q = sum (y-2.5)^2/0.5
	 * = 10, tr P = sum w - sum w^2/sum w = 8 - 2 = 6, so DL tau2 = (10-3)/6
	 * = 7/6. With equal v, REML's tau2 = sample variance - v = 5/3 - 1/2 =
	 * 7/6 as well, and vt = 0.5, so I2 = 100 (7/6)/(7/6 + 1/2) = 70, H2 =
	 * (7/6)/(1/2) + 1 = 10/3; se = sqrt((7/6 + 1/2)/4). */
	double y[4] = {1, 2, 3, 4}, v[4] = {0.5, 0.5, 0.5, 0.5};
	promstat_meta_options o;
	promstat_meta_summary s;
	const char *methods[] = {"DL", "REML"};
	int i;

	for (i = 0; i < 2; i++) {
		promstat_meta_options_init(&o);
		ck_assert_int_eq(promstat_meta_methods_parse(methods[i], &o, NULL), PROMSTAT_OK);
		ck_assert_int_eq(promstat_meta_fit(y, v, 4, &o, &s, NULL, NULL), PROMSTAT_OK);
		ck_assert_double_eq_tol(s.tau2, 7.0 / 6, 1e-9);
		ck_assert_double_eq_tol(s.Q, 10, 1e-12);
		ck_assert_double_eq_tol(s.I2, 70, 1e-7);
		ck_assert_double_eq_tol(s.H2, 10.0 / 3, 1e-8);
		ck_assert_double_eq_tol(s.estimate, 2.5, 1e-12);
		ck_assert_double_eq_tol(s.se, sqrt((7.0 / 6 + 0.5) / 4), 1e-9);
	}
}
END_TEST

START_TEST(tau2_zero_boundary)
{
	/* identical effects: Q = 0, every estimator gives tau2 = 0 (never
	 * negative), and the Q-profile interval is [0, 0] since Q(0) = 0 is
	 * below the lower chi^2 quantile (confint.rma.uni's ci.null case). */
	double y[5] = {0.3, 0.3, 0.3, 0.3, 0.3}, v[5] = {0.1, 0.2, 0.05, 0.3, 0.1};
	promstat_meta_options o;
	promstat_meta_summary s;
	int m;

	for (m = 1; m < PROMSTAT_METHOD_COUNT; m++) {
		promstat_meta_options_init(&o);
		o.methods[0] = (promstat_meta_method)m;
		ck_assert_int_eq(promstat_meta_fit(y, v, 5, &o, &s, NULL, NULL), PROMSTAT_OK);
		ck_assert_msg(s.tau2 == 0, "%s: tau2 %g", promstat_meta_method_name(s.method), s.tau2);
		ck_assert_double_eq_tol(s.estimate, 0.3, 1e-14);
		ck_assert(s.I2 == 0 && s.H2 == 1);
		ck_assert(s.tau2_ci_lb == 0 && s.tau2_ci_ub == 0);
	}
	/* heterogeneity below what sampling error explains: DL's moment
	 * estimate is negative and is truncated to 0 */
	{
		double y2[3] = {0.1, 0.11, 0.09}, v2[3] = {1, 1, 1};

		promstat_meta_options_init(&o);
		o.methods[0] = PROMSTAT_METHOD_DL;
		ck_assert_int_eq(promstat_meta_fit(y2, v2, 3, &o, &s, NULL, NULL), PROMSTAT_OK);
		ck_assert(s.tau2 == 0);
	}
}
END_TEST

START_TEST(fallback_and_nonconvergence)
{
	double y[5] = {-1, 0.5, 2, 0.1, 1.5}, v[5] = {0.1, 0.2, 0.05, 0.3, 0.1};
	promstat_meta_options o;
	promstat_meta_summary s;
	promstat_error err;

	promstat_meta_options_init(&o);
	o.maxiter = 1; /* Fisher scoring cannot converge in one step here */
	ck_assert_int_eq(promstat_meta_fit(y, v, 5, &o, &s, NULL, &err), PROMSTAT_ENUMERIC);
	ck_assert(!s.converged);
	ck_assert(isnan(s.estimate) && isnan(s.tau2));
	ck_assert(strstr(s.reason, "did not converge") != NULL);
	ck_assert(strstr(err.message, "did not converge") != NULL);

	ck_assert_int_eq(promstat_meta_methods_parse("REML,DL", &o, &err), PROMSTAT_OK);
	ck_assert_int_eq(promstat_meta_fit(y, v, 5, &o, &s, NULL, &err), PROMSTAT_OK);
	ck_assert(s.converged);
	ck_assert_int_eq(s.method, PROMSTAT_METHOD_DL);
	ck_assert(strstr(s.reason, "used DL") != NULL);
}
END_TEST

START_TEST(reml_dominant_weight)
{
	/* Sampling variances spanning 16 orders of magnitude, so one weight
	 * holds nearly all of sum w: the intercept-only trace identity for
	 * tr PP cancelled there (no correct digit at tau2 = 0) and REML
	 * "diverged". metafor 3.8.1 (warning "Ratio of largest to smallest
	 * sampling variance extremely large"),
	 * rma(yi, vi, control = list(threshold = 1e-10, maxiter = 1000)):
	 * tau2 84794.41283058688, se.tau2 119096.40503762291,
	 * estimate 130.28090238038283, se 201.80479961402202,
	 * pval 0.51855216410170035, ci -265.2492367704229 525.81104153118849,
	 * confint tau^2 12858.204336745323 847944.12830586883,
	 * predict pi -564.10971974112363 824.67152450188928,
	 * weights(res) 3.9553583670020402 48.016504179388235 48.028137453609723.
	 * metafor's QE (9217.7479075976607) and so its I2/H2 lose digits to
	 * the same dominance; exact rational arithmetic on the three doubles
	 * (Python fractions: b = sum w y / sum w, Q = sum w (y - b)^2,
	 * I2 = 100 tau2 / (tau2 + (k-1) / (sum w - sum w^2 / sum w)) with
	 * metafor's tau2) gives Q 9218.956767620066, I2 99.97577873730174,
	 * H2 4128.6039149057815. */
	double y[3] = {-0.00146323, -81.9742, 353.214}, v[3] = {944826, 20.5437, 2.7154e-11};
	double w[3], ww[3] = {3.9553583670020402, 48.016504179388235, 48.028137453609723};
	promstat_meta_options o;
	promstat_meta_summary s;
	promstat_error err;
	cmp_log lg = {0, 0, "dominant weight, REML"};
	int i;

	promstat_meta_options_init(&o);
	ck_assert_msg(promstat_meta_fit(y, v, 3, &o, &s, w, &err) == PROMSTAT_OK, "%s",
		      err.message);
	ck_assert(s.converged);
	ck_assert_int_eq(s.method, PROMSTAT_METHOD_REML);
	cmp(&lg, "tau2", s.tau2, 84794.41283058688);
	cmp(&lg, "tau2_se", s.tau2_se, 119096.40503762291);
	cmp(&lg, "estimate", s.estimate, 130.28090238038283);
	cmp(&lg, "se", s.se, 201.80479961402202);
	cmp(&lg, "pval", s.pval, 0.51855216410170035);
	cmp(&lg, "ci_lb", s.ci_lb, -265.2492367704229);
	cmp(&lg, "ci_ub", s.ci_ub, 525.81104153118849);
	cmp(&lg, "tau2_ci_lb", s.tau2_ci_lb, 12858.204336745323);
	cmp(&lg, "tau2_ci_ub", s.tau2_ci_ub, 847944.12830586883);
	cmp(&lg, "pi_lb", s.pi_lb, -564.10971974112363);
	cmp(&lg, "pi_ub", s.pi_ub, 824.67152450188928);
	cmp(&lg, "Q (exact)", s.Q, 9218.956767620066);
	cmp(&lg, "I2 (exact)", s.I2, 99.97577873730174);
	cmp(&lg, "H2 (exact)", s.H2, 4128.6039149057815);
	for (i = 0; i < 3; i++)
		cmp(&lg, "weight", w[i], ww[i]);
	ck_assert_msg(lg.failures == 0, "%d of %d values differ from metafor", lg.failures,
		      lg.checked);
}
END_TEST

START_TEST(reml_fisher_cycle)
{
	/* tests/data/studies-reml-cycle.csv: one precise study among five
	 * imprecise ones. The REML likelihood peaks at tau2 = 57.218 where the
	 * observed information is 2.02 times the expected (Fisher) one, so the
	 * scoring map t -> t + (y'PPy - tr P) / tr PP has slope 1 - 2.02 < -1
	 * there: the root repels and the iterates settle into a two-cycle (by
	 * iteration 1000 they alternate between 6.80 and 117.43). metafor 3.8.1
	 * stops with "Fisher scoring algorithm did not converge" under its
	 * default control and under list(threshold = 1e-10, maxiter = 1000).
	 * Its DL fallback, rma(yi, vi, method = "DL"): tau2 17.801811725000121,
	 * estimate -11.324071332338248, se 3.6442951079780634. */
	double y[6] = {-0.05, -0.12, -0.75, 0.25, -15.68, 5.63};
	double v[6] = {130, 390, 120, 510, 0.45, 450};
	promstat_meta_options o;
	promstat_meta_summary s;
	promstat_error err;
	cmp_log lg = {0, 0, "Fisher scoring two-cycle, DL fallback"};

	promstat_meta_options_init(&o);
	ck_assert_int_eq(promstat_meta_fit(y, v, 6, &o, &s, NULL, &err), PROMSTAT_ENUMERIC);
	ck_assert(!s.converged);
	ck_assert(strstr(s.reason, "did not converge in 1000 iterations") != NULL);

	ck_assert_int_eq(promstat_meta_methods_parse("REML,DL", &o, &err), PROMSTAT_OK);
	ck_assert_int_eq(promstat_meta_fit(y, v, 6, &o, &s, NULL, &err), PROMSTAT_OK);
	ck_assert(s.converged);
	ck_assert_int_eq(s.method, PROMSTAT_METHOD_DL);
	cmp(&lg, "tau2", s.tau2, 17.801811725000121);
	cmp(&lg, "estimate", s.estimate, -11.324071332338248);
	cmp(&lg, "se", s.se, 3.6442951079780634);
	ck_assert_msg(lg.failures == 0, "%d of %d values differ from metafor", lg.failures,
		      lg.checked);
}
END_TEST

START_TEST(no_abort_in_tails)
{
	/* Q of about 4e12: its chi^2 p-value underflows inside GSL, which
	 * must give a number (0), not abort the process */
	double y[3] = {-1000, 1000, 0}, v[3] = {1e-6, 1e-6, 1e-6};
	promstat_meta_summary s;
	promstat_meta_options o;

	promstat_meta_options_init(&o);
	o.test = PROMSTAT_TEST_KNHA;
	ck_assert_int_eq(promstat_meta_fit(y, v, 3, &o, &s, NULL, NULL), PROMSTAT_OK);
	ck_assert(s.Q_pval >= 0 && s.Q_pval < 1e-300);
	ck_assert(isfinite(s.tau2) && s.tau2 > 0);
}
END_TEST

START_TEST(bad_arguments)
{
	double y[2] = {0.1, 0.2}, v[2] = {0.1, -0.1};
	promstat_meta_summary s;
	promstat_error err;

	ck_assert_int_eq(promstat_meta_fit(y, v, 2, NULL, &s, NULL, &err), PROMSTAT_EDATA);
	ck_assert_int_eq(promstat_meta_fit(y, v, 0, NULL, &s, NULL, &err), PROMSTAT_EDATA);
	ck_assert_int_eq(promstat_meta_fit(NULL, v, 2, NULL, &s, NULL, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_meta_fit(y, v, 2, NULL, NULL, NULL, NULL), PROMSTAT_EINVAL);
	v[1] = NAN;
	ck_assert_int_eq(promstat_meta_fit(y, v, 2, NULL, &s, NULL, NULL), PROMSTAT_EDATA);
}
END_TEST

START_TEST(collinear_moderators)
{
	double y[5] = {0.1, 0.2, 0.3, 0.5, 0.4}, v[5] = {0.1, 0.1, 0.2, 0.1, 0.3};
	double X[15];
	promstat_meta_coef c[3];
	promstat_meta_reg_summary r;
	promstat_error err;
	int i;

	for (i = 0; i < 5; i++) {
		X[3 * i] = 1;
		X[3 * i + 1] = i;
		X[3 * i + 2] = 2 * i + 1; /* = 2 x1 + intercept */
	}
	ck_assert_int_eq(promstat_meta_regress(y, v, 5, X, 3, NULL, c, &r, &err), PROMSTAT_EDATA);
	ck_assert(strstr(err.message, "collinear") != NULL);
	ck_assert_int_eq(promstat_meta_regress(y, v, 2, X, 3, NULL, c, &r, &err), PROMSTAT_EDATA);
}
END_TEST

/*
 * Issue 10 item 9: identical yi and vi with --bias printed "Kendall's tau =
 * -nan". Kendall's tau-b is S / sqrt((T0 - ties x)(T0 - ties y)), 0/0 when
 * every vi (or every standardized deviate) is the same; metafor 3.8.1's
 * ranktest() gives "Kendall's tau = NA, p = NA" for
 *   rma(c(.5,.5,.5,.5), c(.1,.1,.1,.1)) and rma(c(.5,.2,.9,.1), rep(.1, 4)).
 * regtest() stops ("Model matrix no longer of full rank") and trimfill()
 * too: with one vi the sei column is the intercept again.
 */
START_TEST(rank_identical_studies_undefined)
{
	double y[4] = {0.5, 0.5, 0.5, 0.5}, v[4] = {0.1, 0.1, 0.1, 0.1};
	promstat_meta_rank rk;
	promstat_error err;

	ck_assert_int_eq(promstat_meta_rank_test(y, v, 4, NULL, &rk, &err), PROMSTAT_OK);
	ck_assert(isnan(rk.tau) && isnan(rk.pval));
	ck_assert(strstr(rk.reason, "same sampling variance") != NULL);
}
END_TEST

/* Issue 10 item 9: equal variances made the rank test report "out of
 * memory" (its NaN p-value was returned as PROMSTAT_ENOMEM). */
START_TEST(rank_equal_variances_not_enomem)
{
	double y[4] = {0.5, 0.2, 0.9, 0.1}, v[4] = {0.1, 0.1, 0.1, 0.1};
	double y2[4] = {0.5, 0.2, 0.9, 0.1}, v2[4] = {0.1, 0.2, 0.3, 0.4};
	promstat_meta_rank rk;
	promstat_meta_egger eg;
	promstat_meta_trimfill tf;
	promstat_error err;

	promstat_error_clear(&err);
	ck_assert_int_eq(promstat_meta_rank_test(y, v, 4, NULL, &rk, &err), PROMSTAT_OK);
	ck_assert(isnan(rk.tau) && isnan(rk.pval));
	ck_assert(strstr(rk.reason, "same sampling variance") != NULL);
	ck_assert(err.code == PROMSTAT_OK);
	ck_assert_int_eq(promstat_meta_egger_test(y, v, 4, NULL, &eg, &err), PROMSTAT_EDATA);
	ck_assert(strstr(err.message, "same sampling variance") != NULL);
	ck_assert(strstr(err.message, "memory") == NULL && strstr(err.message, "moderator") == NULL);
	ck_assert_int_eq(promstat_meta_trimfill_run(y, v, 4, NULL, &tf, NULL, NULL, &err),
			 PROMSTAT_EDATA);
	ck_assert(strstr(err.message, "same sampling variance") != NULL);
	/* one distinct vi is enough for a defined tau: the deviates
	 * (y - 0.444)/sqrt(v - 0.048) = 0.245, -0.626, 0.908, -0.580 against
	 * v = .1,.2,.3,.4 have 3 concordant and 3 discordant pairs (hand
	 * count), tau = 0; cor.test's exact p for 3 of 6 concordant pairs is 1
	 * (metafor 3.8.1: ranktest(rma(y2, v2)) "Kendall's tau = 0.0000,
	 * p = 1.0000") */
	ck_assert_int_eq(promstat_meta_rank_test(y2, v2, 4, NULL, &rk, &err), PROMSTAT_OK);
	ck_assert(rk.reason[0] == '\0');
	ck_assert_double_eq_tol(rk.tau, 0, 1e-15);
	ck_assert_double_eq_tol(rk.pval, 1, 1e-12);
}
END_TEST

/* Issue 10 item 9: vi = 4.9e-324 (the smallest subnormal) without
 * moderators said "the moderators are collinear". Its weight 1/vi is
 * infinite; metafor: "Division by zero when computing the inverse variance
 * weights". Two finite weights of 1e308 overflow their sum instead. */
START_TEST(tiny_variance_not_collinear)
{
	double y[4] = {0.5, 0.2, 0.9, 0.1}, v[4] = {4.9e-324, 0.1, 0.1, 0.1};
	double v2[4] = {1e-308, 1e-308, 0.1, 0.1};
	double X[8] = {1, 0, 1, 1, 1, 0, 1, 1};
	promstat_meta_coef c[2];
	promstat_meta_reg_summary r;
	promstat_meta_summary s;
	promstat_error err;

	ck_assert(v[0] > 0);
	ck_assert_int_eq(promstat_meta_fit(y, v, 4, NULL, &s, NULL, &err), PROMSTAT_EDATA);
	ck_assert(strstr(err.message, "collinear") == NULL);
	ck_assert_msg(strstr(err.message, "study 1") != NULL &&
			      strstr(err.message, "weight 1/vi is infinite") != NULL,
		      "%s", err.message);
	ck_assert_int_eq(promstat_meta_regress(y, v, 4, X, 2, NULL, c, &r, &err), PROMSTAT_EDATA);
	ck_assert(strstr(err.message, "collinear") == NULL);
	ck_assert_int_eq(promstat_meta_fit(y, v2, 4, NULL, &s, NULL, &err), PROMSTAT_EDATA);
	ck_assert_msg(strstr(err.message, "collinear") == NULL &&
			      strstr(err.message, "overflow") != NULL,
		      "%s", err.message);
	ck_assert_int_eq(promstat_meta_regress(y, v2, 4, X, 2, NULL, c, &r, &err), PROMSTAT_EDATA);
	ck_assert_msg(strstr(err.message, "collinear") == NULL, "%s", err.message);
}
END_TEST

/*
 * k = p + 1: three studies, two subgroups, one residual df. metafor fits
 * every estimator there. Values: metafor 3.8.1,
 *   yi <- c(-2,-1,-3); vi <- c(0.65, 10.25/30, 8/15); g <- c("a","a","b")
 *   rma(yi, vi, mods = ~ factor(g), method=...)
 * with its default control (threshold 1e-5, maxiter 100), printed with
 * sprintf("%.17g") of tau2, QM, QMp, b, se, I2. Q is 1.0084 on 1 df, so
 * the moment estimators agree at tau2 = 1/240.
 */
static const double kp1_y[3] = {-2, -1, -3};
static const double kp1_v[3] = {0.65, 10.25 / 30, 8.0 / 15};
static const double kp1_X[6] = {1, 0, 1, 0, 1, 1};

static const struct kp1_case {
	const char *method;
	double tau2, QM, QMp, b0, b1, se0, se1, I2;
} kp1_cases[] = {
	{"REML", 0.0041666666666667074, 3.5827555636380159, 0.058382232216445971,
	 -1.345833333333333, -1.6541666666666668, 0.47563918981607151, 0.8739179817859849,
	 0.83333333333334159},
	{"ML", 4.3719257305933012e-06, 3.6188932331654597, 0.057126865212314477,
	 -1.3445391858752274, -1.6554608141247724, 0.47323564650037664, 0.87022392657159975,
	 0.00088172514599491178},
	{"DL", 0.0041666666666676415, 3.5827555636380057, 0.05838223221644602,
	 -1.345833333333335, -1.6541666666666655, 0.47563918981607212, 0.87391798178598545,
	 0.83333333333352688},
	{"HE", 0.0041666666666668739, 3.5827555636380137, 0.05838223221644568,
	 -1.345833333333333, -1.6541666666666663, 0.47563918981607162, 0.87391798178598501,
	 0.83333333333337456},
	{"EB", 0.0041666666666665911, 3.5827555636380195, 0.05838223221644568,
	 -1.3458333333333328, -1.6541666666666677, 0.47563918981607139, 0.8739179817859849,
	 0.83333333333331849},
	{"PM", 0.004163499469522291, 3.5827827868421198, 0.058381275570028958,
	 -1.3458323567746955, -1.6541676432253047, 0.47563736684319358, 0.87391517754321124,
	 0.83270516858732246},
	{"SJ", 0.28673835125448044, 2.1361494128826042, 0.14386259353962438,
	 -1.4014999713745926, -1.598500028625407, 0.61327026767499215, 1.093696532774046,
	 36.640522127440335},
	{"HS", 0, 3.6189315748492765, 0.057125548607714793, -1.3445378151260516,
	 -1.6554621848739473, 0.47323311362576148, 0.87022003721200636, 0},
};

START_TEST(regress_one_residual_df)
{
	const struct kp1_case *c = &kp1_cases[_i];
	promstat_meta_options opt;
	promstat_meta_coef co[2];
	promstat_meta_reg_summary r;
	promstat_error err;
	cmp_log lg = {0, 0, ""};

	promstat_meta_options_init(&opt);
	ck_assert_int_eq(promstat_meta_methods_parse(c->method, &opt, &err), PROMSTAT_OK);
	/* metafor's default threshold and maxiter: its ML iterations stop at
	 * 4.4e-6 on the way to 0 */
	opt.tol = 1e-5;
	opt.maxiter = 100;
	snprintf(lg.where, sizeof lg.where, "k = p + 1, %s", c->method);
	ck_assert_msg(promstat_meta_regress(kp1_y, kp1_v, 3, kp1_X, 2, &opt, co, &r, &err) ==
			      PROMSTAT_OK,
		      "%s: %s", c->method, err.message);
	ck_assert(r.converged);
	ck_assert_str_eq(promstat_meta_method_name(r.method), c->method);
	cmp(&lg, "tau2", r.tau2, c->tau2);
	cmp(&lg, "QM", r.QM, c->QM);
	cmp(&lg, "QMp", r.QM_pval, c->QMp);
	cmp(&lg, "b0", co[0].estimate, c->b0);
	cmp(&lg, "b1", co[1].estimate, c->b1);
	cmp(&lg, "se0", co[0].se, c->se0);
	cmp(&lg, "se1", co[1].se, c->se1);
	cmp(&lg, "I2", r.I2, c->I2);
	/* QE = 1.0084033613445398 on k - p = 1 df for every method */
	cmp(&lg, "QE", r.QE, 1.0084033613445398);
	ck_assert(r.QE_df == 1);
	ck_assert_msg(lg.failures == 0, "%d of %d values differ from metafor", lg.failures,
		      lg.checked);
}
END_TEST

START_TEST(regress_one_residual_df_defaults)
{
	promstat_meta_options opt;
	promstat_meta_coef co[2];
	promstat_meta_reg_summary r;
	promstat_meta_summary lev[2];
	promstat_meta_subgroup_test t;
	size_t g[3] = {0, 0, 1};
	promstat_error err;
	cmp_log lg = {0, 0, "k = p + 1, promstat defaults"};

	/* ML at promstat's tighter default threshold (1e-10): metafor 3.8.1,
	 * rma(yi, vi, mods = ~ factor(g), method="ML",
	 *     control=list(threshold=1e-10, maxiter=1000))
	 * tau2 2.2465858294268134e-11, QM 3.6189315746522537,
	 * QMp 0.057125548614480486 */
	promstat_meta_options_init(&opt);
	ck_assert_int_eq(promstat_meta_methods_parse("ML", &opt, &err), PROMSTAT_OK);
	ck_assert_int_eq(promstat_meta_regress(kp1_y, kp1_v, 3, kp1_X, 2, &opt, co, &r, &err),
			 PROMSTAT_OK);
	cmp(&lg, "ML tau2", r.tau2, 2.2465858294268134e-11);
	cmp(&lg, "ML QM", r.QM, 3.6189315746522537);
	cmp(&lg, "ML QMp", r.QM_pval, 0.057125548614480486);

	/* knha: rma(yi, vi, mods = ~ factor(g), test="knha") gives
	 * F = 3.5827555636380177 on 1 and 1 df, p 0.30942313581287345,
	 * se(b1) 0.87391798178598479 */
	promstat_meta_options_init(&opt);
	opt.test = PROMSTAT_TEST_KNHA;
	ck_assert_int_eq(promstat_meta_regress(kp1_y, kp1_v, 3, kp1_X, 2, &opt, co, &r, &err),
			 PROMSTAT_OK);
	cmp(&lg, "knha QM", r.QM, 3.5827555636380177);
	cmp(&lg, "knha QMp", r.QM_pval, 0.30942313581287345);
	cmp(&lg, "knha se1", co[1].se, 0.87391798178598479);
	ck_assert(r.QM_df == 1 && r.QM_df2 == 1 && r.df == 1);

	/* the subgroup common-tau^2 test is that model's QM (REML) */
	ck_assert_int_eq(promstat_meta_subgroups(kp1_y, kp1_v, g, 3, 2, NULL, lev, &t, &err),
			 PROMSTAT_OK);
	ck_assert(t.common_converged);
	cmp(&lg, "subgroups common QM", t.common_QM, 3.5827555636380159);
	cmp(&lg, "subgroups common p", t.common_pval, 0.058382232216445971);
	ck_assert(t.common_df == 1);
	ck_assert_msg(lg.failures == 0, "%d of %d values differ from metafor", lg.failures,
		      lg.checked);
}
END_TEST

START_TEST(bias_three_studies)
{
	/* Egger's test and trim and fill with k = 3 regress on sei with one
	 * residual df under the model's REML. metafor 3.8.1:
	 *   r <- rma(yi, vi); regtest(r); trimfill(r)
	 * (data as kp1_y, kp1_v): z -0.95445550457999406, p
	 * 0.33985312203706303, limit estimate 2.3812871348815037 [-6.5622816803542481,
	 * 11.324855950117255]; trimfill k0 2 on the right, estimate
	 * -1.0000000000000004, se 0.70186878175266432, tau2 1.9267804133545534 */
	promstat_meta_egger eg;
	promstat_meta_trimfill tf;
	double fy[3], fv[3];
	promstat_error err;
	cmp_log lg = {0, 0, "bias with k = 3"};

	ck_assert_int_eq(promstat_meta_egger_test(kp1_y, kp1_v, 3, NULL, &eg, &err), PROMSTAT_OK);
	cmp(&lg, "egger z", eg.zval, -0.95445550457999406);
	cmp(&lg, "egger p", eg.pval, 0.33985312203706303);
	cmp(&lg, "limit", eg.limit_estimate, 2.3812871348815037);
	cmp(&lg, "limit lb", eg.limit_ci_lb, -6.5622816803542481);
	cmp(&lg, "limit ub", eg.limit_ci_ub, 11.324855950117255);
	ck_assert_int_eq(promstat_meta_trimfill_run(kp1_y, kp1_v, 3, NULL, &tf, fy, fv, &err),
			 PROMSTAT_OK);
	ck_assert_uint_eq(tf.k0, 2);
	ck_assert_int_eq(tf.side, 1);
	cmp(&lg, "trimfill estimate", tf.filled.estimate, -1.0000000000000004);
	cmp(&lg, "trimfill se", tf.filled.se, 0.70186878175266432);
	cmp(&lg, "trimfill tau2", tf.filled.tau2, 1.9267804133545534);
	ck_assert_msg(lg.failures == 0, "%d of %d values differ from metafor", lg.failures,
		      lg.checked);
}
END_TEST

START_TEST(subgroup_single_study_level)
{
	/* a level with one study is fitted by EE: its estimate is that study's
	 * yi with se sqrt(vi); an empty level has k = 0 and NaN statistics */
	double y[5] = {0.1, 0.4, 0.3, 0.9, 0.2}, v[5] = {0.1, 0.1, 0.2, 0.1, 0.3};
	size_t g[5] = {0, 0, 0, 1, 0};
	promstat_meta_summary lev[3];
	promstat_meta_subgroup_test t;

	ck_assert_int_eq(promstat_meta_subgroups(y, v, g, 5, 3, NULL, lev, &t, NULL), PROMSTAT_OK);
	ck_assert_uint_eq(lev[0].k, 4);
	ck_assert_uint_eq(lev[1].k, 1);
	ck_assert_int_eq(lev[1].method, PROMSTAT_METHOD_EE);
	ck_assert_double_eq_tol(lev[1].estimate, 0.9, 1e-15);
	ck_assert_double_eq_tol(lev[1].se, sqrt(0.1), 1e-15);
	ck_assert_uint_eq(lev[2].k, 0);
	ck_assert(isnan(lev[2].estimate));
	ck_assert(t.separate_df == 1);
	ck_assert(isfinite(t.separate_Q) && isfinite(t.common_QM));
}
END_TEST

START_TEST(leave1out_two_studies)
{
	/* k = 2: each leave-one-out fit is the other study alone */
	double y[2] = {0.1, 0.5}, v[2] = {0.04, 0.09};
	promstat_meta_l1o r[2];

	ck_assert_int_eq(promstat_meta_leave1out(y, v, 2, NULL, r, NULL), PROMSTAT_OK);
	ck_assert_double_eq_tol(r[0].estimate, 0.5, 1e-15);
	ck_assert_double_eq_tol(r[0].se, 0.3, 1e-15);
	ck_assert_double_eq_tol(r[1].estimate, 0.1, 1e-15);
	ck_assert(r[0].tau2 == 0 && r[1].tau2 == 0);
}
END_TEST

/*
 * Issue 10 item 11: leave-one-out shares the sums at tau^2 = 0 between
 * omissions, expands the sums at the refit's tau^2 about the full model's
 * and starts ML/REML/EB there. Each row must equal the refit from scratch
 * (promstat_meta_fit on the k - 1 studies, itself checked against
 * metafor's leave1out above): every method, both tests, on data where the
 * series hold (simulated), where one study holds nearly all the weight,
 * where tau^2 is 0 with or without the omitted study, and where one
 * outlier moves tau^2 far (the passes are taken instead).
 */
static uint64_t l1o_rng = 0x2545F4914F6CDD1Du;

static double l1o_unif(void)
{
	l1o_rng ^= l1o_rng >> 12;
	l1o_rng ^= l1o_rng << 25;
	l1o_rng ^= l1o_rng >> 27;
	return (double)((l1o_rng * 2685821657736338717u) >> 11) / 9007199254740992.0;
}

static double l1o_norm(void)
{
	double u = l1o_unif(), v = l1o_unif();

	return sqrt(-2 * log(u > 0 ? u : 1e-300)) * cos(6.283185307179586 * v);
}

static void l1o_data(int set, double *y, double *v, size_t k)
{
	size_t i;

	for (i = 0; i < k; i++) {
		v[i] = 4 / (20 + floor(l1o_unif() * 200));
		y[i] = 0.3 + (set == 2 ? 0 : sqrt(0.1) * l1o_norm()) + sqrt(v[i]) * l1o_norm();
	}
	if (set == 1)
		v[3] = 1e-7; /* one study holds nearly all the weight */
	if (set == 2)
		y[5] = 0.3 + 30 * sqrt(v[5]); /* tau^2 = 0 but for this outlier */
	if (set == 3)
		y[7] = 9; /* an outlier: tau^2 falls far without it */
}

START_TEST(leave1out_matches_refits)
{
#define L1O_REL 1e-9
#define L1O_ABS 1e-12
	static const char *const methods[] = {"EE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM"};
	enum { K = 40 };
	double y[K], v[K], ys[K], vs[K];
	promstat_meta_l1o r[K];
	cmp_log lg = {0, 0, ""};
	int set, m, t;
	size_t i, j;

	for (set = 0; set < 4; set++) {
		l1o_data(set, y, v, K);
		for (m = 0; m < 9; m++)
			for (t = 0; t < 2; t++) {
				promstat_meta_options o;
				promstat_error err;

				promstat_meta_options_init(&o);
				ck_assert_int_eq(promstat_meta_methods_parse(methods[m], &o, &err),
						 PROMSTAT_OK);
				o.test = t ? PROMSTAT_TEST_KNHA : PROMSTAT_TEST_Z;
				ck_assert_int_eq(promstat_meta_leave1out(y, v, K, &o, r, &err),
						 PROMSTAT_OK);
				for (i = 0; i < K; i++) {
					promstat_meta_summary s;
					size_t n = 0;

					for (j = 0; j < K; j++)
						if (j != i) {
							ys[n] = y[j];
							vs[n] = v[j];
							n++;
						}
					ck_assert_int_eq(promstat_meta_fit(ys, vs, n, &o, &s, NULL, &err),
							 PROMSTAT_OK);
					snprintf(lg.where, sizeof lg.where, "set %d %s %s omit %zu", set,
						 methods[m], t ? "knha" : "z", i);
					ck_assert(r[i].converged);
					cmp_tol(&lg, "estimate", r[i].estimate, s.estimate, L1O_REL, L1O_ABS);
					cmp_tol(&lg, "se", r[i].se, s.se, L1O_REL, L1O_ABS);
					cmp_tol(&lg, "pval", r[i].pval, s.pval, L1O_REL, L1O_ABS);
					cmp_tol(&lg, "ci_lb", r[i].ci_lb, s.ci_lb, L1O_REL, L1O_ABS);
					cmp_tol(&lg, "tau2", r[i].tau2, s.tau2, L1O_REL, L1O_ABS);
					cmp_tol(&lg, "I2", r[i].I2, s.I2, L1O_REL, L1O_ABS);
					cmp_tol(&lg, "H2", r[i].H2, s.H2, L1O_REL, L1O_ABS);
					cmp_tol(&lg, "Q", r[i].Q, s.Q, L1O_REL, L1O_ABS);
					cmp_tol(&lg, "Q_pval", r[i].Q_pval, s.Q_pval, L1O_REL, L1O_ABS);
				}
			}
	}
	ck_assert_msg(lg.failures == 0, "%d of %d leave-one-out values differ from the refits",
		      lg.failures, lg.checked);
}
END_TEST

/*
 * Issue 10 item 11: the fast leave-one-out against metafor 3.8.1's
 * leave1out() at k = 100 and 60 (tests/reference/gen-l1o-reference.R),
 * to metafor_reference.json's tolerances: 1e-6 relative, 1e-9 absolute.
 */
START_TEST(leave1out_metafor_larger_k)
{
	const struct l1o_ref *c = &l1o_refs[_i];
	promstat_meta_options o;
	promstat_meta_l1o *r = calloc(c->k, sizeof *r);
	promstat_error err;
	cmp_log lg = {0, 0, ""};
	size_t i;

	ck_assert(r != NULL);
	promstat_meta_options_init(&o);
	ck_assert_int_eq(promstat_meta_methods_parse(c->method, &o, &err), PROMSTAT_OK);
	ck_assert_int_eq(promstat_meta_test_parse(c->test, &o.test, &err), PROMSTAT_OK);
	ck_assert_int_eq(promstat_meta_leave1out(c->yi, c->vi, c->k, &o, r, &err), PROMSTAT_OK);
	for (i = 0; i < c->k; i++) {
		snprintf(lg.where, sizeof lg.where, "set %s %s %s omit %zu", c->set, c->method,
			 c->test, i + 1);
		ck_assert(r[i].converged);
		cmp(&lg, "estimate", r[i].estimate, c->estimate[i]);
		cmp(&lg, "se", r[i].se, c->se[i]);
		cmp(&lg, "pval", r[i].pval, c->pval[i]);
		cmp(&lg, "ci_lb", r[i].ci_lb, c->ci_lb[i]);
		cmp(&lg, "tau2", r[i].tau2, c->tau2[i]);
		cmp(&lg, "I2", r[i].I2, c->I2[i]);
		cmp(&lg, "H2", r[i].H2, c->H2[i]);
		cmp(&lg, "Q", r[i].Q, c->Q[i]);
		cmp(&lg, "Q_pval", r[i].Q_pval, c->Qp[i]);
	}
	free(r);
	ck_assert_msg(lg.failures == 0, "%s %s %s: %d of %d values differ from metafor", c->set,
		      c->method, c->test, lg.failures, lg.checked);
}
END_TEST

START_TEST(rank_exact_small)
{
	/* three studies with y* increasing in v: tau = 1, and the exact
	 * two-sided p of Kendall's tau = 1 with n = 3 is 2 * 1/3! = 1/3.
	 * y = (0, 1, 3) with v = (1, 2, 4): theta = (0 + 0.5 + 0.75)/1.75
	 * = 0.714..., y* = (-0.78, 0.25, 1.2) increasing. */
	double y[3] = {0, 1, 3}, v[3] = {1, 2, 4};
	promstat_meta_rank r;

	ck_assert_int_eq(promstat_meta_rank_test(y, v, 3, NULL, &r, NULL), PROMSTAT_OK);
	ck_assert_double_eq_tol(r.tau, 1, 1e-15);
	ck_assert_double_eq_tol(r.pval, 1.0 / 3, 1e-15);
}
END_TEST

START_TEST(rank_many_ties)
{
	/* k = 1500 with heavy ties in both variables: the engine's O(k log k)
	 * Kendall tau-b against its definition, sum over pairs of
	 * sgn(dx) sgn(dy) / sqrt((n0 - n1)(n0 - n2)), evaluated here pair by
	 * pair on the same standardized deviates */
	enum { K = 1500 };
	static double y[K], v[K], ys[K];
	double sw = 0, swy = 0, theta, S = 0, n0, n1 = 0, n2 = 0;
	promstat_meta_rank r;
	size_t i, j;

	for (i = 0; i < K; i++) {
		y[i] = (double)((i * 7919) % 13) / 10; /* 13 distinct effects */
		v[i] = 0.1 + (double)((i * 104729) % 17) / 100; /* 17 distinct variances */
	}
	for (i = 0; i < K; i++) {
		sw += 1 / v[i];
		swy += y[i] / v[i];
	}
	theta = swy / sw;
	for (i = 0; i < K; i++)
		ys[i] = (y[i] - theta) / sqrt(v[i] - 1 / sw);
	for (i = 0; i < K; i++)
		for (j = i + 1; j < K; j++) {
			double dx = ys[i] - ys[j], dy = v[i] - v[j];

			S += ((dx > 0) - (dx < 0)) * ((dy > 0) - (dy < 0));
			n1 += dx == 0;
			n2 += dy == 0;
		}
	n0 = (double)K * (K - 1) / 2;
	ck_assert_int_eq(promstat_meta_rank_test(y, v, K, NULL, &r, NULL), PROMSTAT_OK);
	ck_assert_double_eq_tol(r.tau, S / sqrt((n0 - n1) * (n0 - n2)), 1e-12);
	ck_assert(r.pval >= 0 && r.pval <= 1);
}
END_TEST

START_TEST(backtransforms)
{
	ck_assert_double_eq_tol(promstat_meta_backtransform(PROMSTAT_MEASURE_RR, log(2), NAN), 2,
				1e-15);
	ck_assert_double_eq_tol(promstat_meta_backtransform(PROMSTAT_MEASURE_PLO, 0, NAN), 0.5,
				1e-15);
	ck_assert_double_eq_tol(promstat_meta_backtransform(PROMSTAT_MEASURE_PAS, asin(sqrt(0.3)), NAN),
				0.3, 1e-15);
	/* PFT: transf.ipft.hm(transf.pft(x, n), n) recovers x/n (Miller 1978):
	 * x = 30, n = 100 */
	{
		double t = 0.5 * (asin(sqrt(30.0 / 101)) + asin(sqrt(31.0 / 101)));

		ck_assert_double_eq_tol(promstat_meta_backtransform(PROMSTAT_MEASURE_PFT, t, 100),
					0.3, 2e-3);
	}
	ck_assert(isnan(promstat_meta_backtransform(PROMSTAT_MEASURE_PFT, 0.5, 0)));
	ck_assert(promstat_meta_backtransform(PROMSTAT_MEASURE_MD, -3, NAN) == -3);
}
END_TEST

static Suite *meta_suite(void)
{
	Suite *s = suite_create("meta");
	TCase *tc;

	tc = tcase_create("metafor");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, reference_case, 0, MREF_NCASES);
	suite_add_tcase(s, tc);

	tc = tcase_create("edges");
	tcase_add_test(tc, parse_names);
	tcase_add_test(tc, study_wald_ci);
	tcase_add_test(tc, es_rejects);
	tcase_add_test(tc, es_zero_cells);
	tcase_add_test(tc, es_smd_huge_df);
	tcase_add_test(tc, one_study);
	tcase_add_test(tc, equal_variances);
	tcase_add_test(tc, tau2_zero_boundary);
	tcase_add_test(tc, fallback_and_nonconvergence);
	tcase_add_test(tc, reml_dominant_weight);
	tcase_add_test(tc, reml_fisher_cycle);
	tcase_add_test(tc, no_abort_in_tails);
	tcase_add_test(tc, bad_arguments);
	tcase_add_test(tc, collinear_moderators);
	tcase_add_test(tc, rank_identical_studies_undefined);
	tcase_add_test(tc, rank_equal_variances_not_enomem);
	tcase_add_test(tc, tiny_variance_not_collinear);
	tcase_add_test(tc, subgroup_single_study_level);
	tcase_add_loop_test(tc, regress_one_residual_df, 0,
			    (int)(sizeof kp1_cases / sizeof kp1_cases[0]));
	tcase_add_test(tc, regress_one_residual_df_defaults);
	tcase_add_test(tc, bias_three_studies);
	tcase_add_test(tc, leave1out_two_studies);
	tcase_add_test(tc, leave1out_matches_refits);
	tcase_add_loop_test(tc, leave1out_metafor_larger_k, 0,
			    (int)(sizeof l1o_refs / sizeof l1o_refs[0]));
	tcase_add_test(tc, rank_exact_small);
	tcase_add_test(tc, rank_many_ties);
	tcase_add_test(tc, backtransforms);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(meta_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
