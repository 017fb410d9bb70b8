/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target for the study-level reader and the meta-analysis models.
 * The first four input bytes choose what is run, the rest is the study file:
 *   byte 0  the measure (mod PROMSTAT_MEASURE_COUNT)
 *   byte 1  the method (low nibble mod PROMSTAT_METHOD_COUNT), bit 4 the
 *           Knapp-Hartung test, bit 5 a DL fallback after the method,
 *           bits 6-7 the level (95, 90, 99, 80)
 *   byte 2  the small chunk size (1 + byte mod 64)
 *   byte 3  the analyses: bit 0 subgroups, bit 1 moderators, bit 2 the bias
 *           bundle (Egger, rank test, trim and fill, leave-one-out), bit 3
 *           age bands instead of a column for the subgroups, bit 4 a second
 *           moderator, bits 5-7 which column (mod the number of columns)
 * The file is read twice, at the small chunk size and at the default one;
 * the two reads must agree on the status, message, position, counts, and
 * every study's label, yi, vi and moderator values, bit for bit, and so
 * must the overall model fitted to each. Every model that converges must
 * give finite estimates inside their intervals, tau2 >= 0, I2 in [0, 100],
 * H2 >= 1 (>= 0 for EE), p-values in [0, 1] and weights summing to 100; a status must be
 * one the function documents (never ENOMEM: nothing here fails an
 * allocation). tests/fuzz/replay.c runs the stored corpus
 * (tests/fuzz/corpus-meta) through this same function in `make check`.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promstat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CONTROL_BYTES 4

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_meta: invariant broken: %s\n", what);
		abort();
	}
}

/* A p-value: in [0, 1] or undefined. */
static int pval_ok(double p)
{
	return isnan(p) || (p >= 0 && p <= 1);
}

/* lo <= x <= hi with a little room for rounding in the interval's own
 * arithmetic (x -/+ q se computed in doubles). */
static int inside(double lo, double x, double hi)
{
	double tol = 1e-9 * (1 + fabs(x));

	return lo <= x + tol && x <= hi + tol;
}

/* The invariants of a converged (or not) univariate summary. */
static void check_summary(const promstat_meta_summary *s, size_t k, const char *what)
{
	char msg[160];

	snprintf(msg, sizeof msg, "%s: k", what);
	check(s->k == k, msg);
	if (!s->converged) {
		snprintf(msg, sizeof msg, "%s: non-convergence leaves NaN and a reason", what);
		check(isnan(s->estimate) && s->reason[0], msg);
		return;
	}
	snprintf(msg, sizeof msg, "%s: finite estimate and se >= 0", what);
	check(isfinite(s->estimate) && isfinite(s->se) && s->se >= 0, msg);
	snprintf(msg, sizeof msg, "%s: CI contains the estimate", what);
	check(inside(s->ci_lb, s->estimate, s->ci_ub), msg);
	snprintf(msg, sizeof msg, "%s: p-values in [0,1]", what);
	check(pval_ok(s->pval) && pval_ok(s->Q_pval), msg);
	snprintf(msg, sizeof msg, "%s: tau2 >= 0 and tau = sqrt(tau2)", what);
	check(s->tau2 >= 0 && isfinite(s->tau2) && fabs(s->tau - sqrt(s->tau2)) <=
		      1e-12 * (1 + s->tau), msg);
	snprintf(msg, sizeof msg, "%s: EE has tau2 = 0", what);
	check(s->method != PROMSTAT_METHOD_EE || s->tau2 == 0, msg);
	/* metafor's H2 is Q/(k-1) for EE, which may be below 1, and
	 * tau2/vt + 1 for the random-effects methods */
	snprintf(msg, sizeof msg, "%s: I2 in [0,100], H2 >= 1 (>= 0 for EE)", what);
	check((isnan(s->I2) || (s->I2 >= 0 && s->I2 <= 100)) &&
		      (isnan(s->H2) ||
		       s->H2 >= (s->method == PROMSTAT_METHOD_EE ? 0 : 1 - 1e-12)),
	      msg);
	snprintf(msg, sizeof msg, "%s: Q >= 0 with k-1 df", what);
	check((isnan(s->Q) || s->Q >= 0) && s->Q_df == (double)(k - 1), msg);
	snprintf(msg, sizeof msg, "%s: tau2 interval ordered", what);
	check(isnan(s->tau2_ci_lb) || isnan(s->tau2_ci_ub) ||
		      (s->tau2_ci_lb >= 0 && s->tau2_ci_lb <= s->tau2_ci_ub),
	      msg);
	snprintf(msg, sizeof msg, "%s: prediction interval holds the CI", what);
	check(isnan(s->pi_lb) || isnan(s->pi_ub) ||
		      (s->pi_lb <= s->ci_lb + 1e-9 * (1 + fabs(s->ci_lb)) &&
		       s->ci_ub <= s->pi_ub + 1e-9 * (1 + fabs(s->ci_ub))),
	      msg);
}

/* The documented outcomes of a model fit to valid data. */
static void check_status(int st, const promstat_error *err, const char *what)
{
	char msg[PROMSTAT_MESSAGE_MAX + 200];

	snprintf(msg, sizeof msg, "%s: status %d (%s) is documented", what, st,
		 err->message);
	check(st == PROMSTAT_OK || st == PROMSTAT_ENUMERIC || st == PROMSTAT_EDATA, msg);
	snprintf(msg, sizeof msg, "%s: failure has a message", what);
	check(st == PROMSTAT_OK || (err->code == st && err->message[0]), msg);
}

typedef struct read_result {
	int st;
	promstat_error err;
	promstat_studies *s;
} read_result;

static void read_studies(const uint8_t *data, size_t size, promstat_meta_measure m,
			 size_t chunk, read_result *r)
{
	promstat_ingest_options opt;
	FILE *in = fmemopen((void *)data, size, "rb");

	check(in != NULL, "fmemopen");
	memset(&opt, 0, sizeof opt);
	opt.chunk = chunk;
	promstat_error_clear(&r->err);
	r->s = NULL;
	r->st = promstat_studies_read(in, "fuzz.csv", m, &opt, &r->s, &r->err);
	fclose(in);
	if (r->st) {
		check(r->s == NULL, "no studies on failure");
		check(r->st == PROMSTAT_EDATA, "a read fails with a data error");
		check(r->err.code == r->st && r->err.message[0], "error filled");
	} else {
		check(r->s != NULL, "studies returned");
	}
}

/* The two reads give the same studies, bit for bit. */
static void compare_reads(const read_result *a, const read_result *b)
{
	size_t i, j, k, nc;

	check(a->st == b->st, "same status at both chunk sizes");
	if (a->st) {
		check(a->err.line == b->err.line && a->err.column == b->err.column,
		      "same error position at both chunk sizes");
		check(!strcmp(a->err.message, b->err.message), "same error message");
		return;
	}
	k = promstat_studies_count(a->s);
	nc = promstat_studies_ncolumns(a->s);
	check(k == promstat_studies_count(b->s) && nc == promstat_studies_ncolumns(b->s),
	      "same k and columns at both chunk sizes");
	check(!memcmp(promstat_studies_counts(a->s), promstat_studies_counts(b->s),
		      sizeof(promstat_ingest_counts)),
	      "same counts at both chunk sizes");
	check(!memcmp(promstat_studies_yi(a->s), promstat_studies_yi(b->s), k * sizeof(double)) &&
		      !memcmp(promstat_studies_vi(a->s), promstat_studies_vi(b->s),
			      k * sizeof(double)),
	      "same yi and vi at both chunk sizes");
	for (j = 0; j < nc; j++) {
		check(!strcmp(promstat_studies_column_name(a->s, j),
			      promstat_studies_column_name(b->s, j)) &&
			      promstat_studies_column_numeric(a->s, j) ==
				      promstat_studies_column_numeric(b->s, j),
		      "same moderator columns");
	}
	for (i = 0; i < k; i++) {
		check(!strcmp(promstat_studies_label(a->s, i), promstat_studies_label(b->s, i)) &&
			      promstat_studies_line(a->s, i) == promstat_studies_line(b->s, i),
		      "same labels and lines");
		for (j = 0; j < nc; j++)
			check(!strcmp(promstat_studies_text(a->s, i, j),
				      promstat_studies_text(b->s, i, j)),
			      "same moderator values");
	}
}

/* Invariants of what the reader accepted. */
static void check_studies(const promstat_studies *s)
{
	const promstat_ingest_counts *c = promstat_studies_counts(s);
	const double *yi = promstat_studies_yi(s), *vi = promstat_studies_vi(s);
	size_t i, k = promstat_studies_count(s), sum = 0;

	check(k >= 1, "a successful read has a study");
	check(c->rows_read == c->rows_accepted + c->rows_rejected, "rows accounted for");
	check(c->rows_accepted == k, "k = accepted rows");
	for (i = 0; i < PROMSTAT_REJECT_NREASONS; i++)
		sum += c->by_reason[i];
	check(sum == c->rows_rejected, "reasons sum to rejected");
	for (i = 0; i < k; i++) {
		check(isfinite(yi[i]) && isfinite(vi[i]) && vi[i] > 0, "finite yi, positive vi");
		check(promstat_studies_label(s, i) != NULL, "every study labelled");
	}
	check(promstat_studies_label(s, k) == NULL, "no label past k");
}

static int same_double(double a, double b)
{
	return !memcmp(&a, &b, sizeof a);
}

/* The overall model; returns whether it converged. */
static int fit_overall(const promstat_studies *s, const promstat_studies *s2,
		       const promstat_meta_options *opt)
{
	size_t i, k = promstat_studies_count(s);
	promstat_meta_summary m1, m2;
	promstat_error err;
	double *w = malloc(k * sizeof *w), sum = 0;
	int st, st2;

	check(w != NULL, "malloc");
	promstat_error_clear(&err);
	st = promstat_meta_fit(promstat_studies_yi(s), promstat_studies_vi(s), k, opt, &m1, w,
			       &err);
	check(st == PROMSTAT_OK || st == PROMSTAT_ENUMERIC, "overall fit status documented");
	check((st == PROMSTAT_OK) == (m1.converged == 1), "OK iff converged");
	check_summary(&m1, k, "overall");
	if (st == PROMSTAT_OK) {
		for (i = 0; i < k; i++) {
			check(w[i] >= 0 && isfinite(w[i]), "weights >= 0");
			sum += w[i];
		}
		check(fabs(sum - 100) <= 1e-6, "weights sum to 100");
	}
	st2 = promstat_meta_fit(promstat_studies_yi(s2), promstat_studies_vi(s2), k, opt, &m2,
				NULL, &err);
	check(st == st2 && m1.method == m2.method && same_double(m1.estimate, m2.estimate) &&
		      same_double(m1.se, m2.se) && same_double(m1.tau2, m2.tau2) &&
		      same_double(m1.ci_lb, m2.ci_lb) && same_double(m1.ci_ub, m2.ci_ub) &&
		      same_double(m1.Q, m2.Q) && same_double(m1.I2, m2.I2),
	      "same model at both chunk sizes");
	free(w);
	return st == PROMSTAT_OK;
}

static void run_subgroups(const promstat_studies *s, const promstat_meta_options *opt,
			  unsigned sel)
{
	size_t i, n = 0, l, k = promstat_studies_count(s), nc = promstat_studies_ncolumns(s);
	size_t total = 0;
	promstat_studies_groups g;
	promstat_meta_summary *levels;
	promstat_meta_subgroup_test t;
	promstat_error err;
	const char *col;
	double *yi, *vi;
	size_t *grp;
	int st;

	if (sel & 8)
		col = "age_band";
	else if (nc)
		col = promstat_studies_column_name(s, (sel >> 5) % nc);
	else
		return;
	promstat_error_clear(&err);
	st = promstat_studies_group_by(s, col, NULL, 0, &g, &err);
	if (st) {
		/* only age bands without a numeric mean_age column may fail */
		check(st == PROMSTAT_EINVAL && (sel & 8), "grouping by an existing column works");
		return;
	}
	check(g.k == k, "a group entry per study");
	yi = malloc((k ? k : 1) * sizeof *yi);
	vi = malloc((k ? k : 1) * sizeof *vi);
	grp = malloc((k ? k : 1) * sizeof *grp);
	levels = calloc(g.nlevels ? g.nlevels : 1, sizeof *levels);
	check(yi && vi && grp && levels, "malloc");
	for (i = 0; i < k; i++) {
		check(g.group[i] >= -1 && g.group[i] < (long)g.nlevels, "group index in range");
		if (g.group[i] < 0)
			continue;
		yi[n] = promstat_studies_yi(s)[i];
		vi[n] = promstat_studies_vi(s)[i];
		grp[n++] = (size_t)g.group[i];
	}
	for (l = 0; l + 1 < g.nlevels; l++)
		check(strcmp(g.levels[l], g.levels[l + 1]) != 0, "levels distinct");
	if (n) {
		st = promstat_meta_subgroups(yi, vi, grp, n, g.nlevels, opt, levels, &t, &err);
		check(st == PROMSTAT_OK, "subgroups status");
		for (l = 0; l < g.nlevels; l++) {
			size_t kl = 0;
			for (i = 0; i < n; i++)
				kl += grp[i] == l;
			total += levels[l].k;
			if (kl)
				check_summary(&levels[l], kl, "subgroup");
			else
				check(levels[l].k == 0, "an empty level has k = 0");
		}
		check(total == n, "subgroups partition the studies");
		check(pval_ok(t.common_pval) && pval_ok(t.separate_pval), "subgroup test p-values");
		check(isnan(t.separate_Q) || t.separate_Q >= 0, "separate Q >= 0");
		check(isnan(t.common_QM) || t.common_QM >= 0, "common QM >= 0");
	}
	free(yi);
	free(vi);
	free(grp);
	free(levels);
	promstat_studies_groups_free(&g);
}

static void run_mods(const promstat_studies *s, const promstat_meta_options *opt, unsigned sel)
{
	size_t i, j, nc = promstat_studies_ncolumns(s), ncols = 1;
	const char *cols[2];
	promstat_studies_design d;
	promstat_meta_reg_summary reg;
	promstat_meta_coef *coefs;
	promstat_error err;
	double *yi, *vi;
	int st;

	if (!nc)
		return;
	cols[0] = promstat_studies_column_name(s, (sel >> 5) % nc);
	if ((sel & 16) && nc > 1)
		cols[ncols++] = promstat_studies_column_name(s, ((sel >> 5) + 1) % nc);
	promstat_error_clear(&err);
	st = promstat_studies_design_build(s, cols, ncols, &d, &err);
	check(st == PROMSTAT_OK || st == PROMSTAT_EDATA, "design status");
	if (st)
		return;
	check(d.p >= 1 && d.nrows <= promstat_studies_count(s), "design shape");
	check(!strcmp(d.names[0], "intrcpt"), "intercept named");
	for (i = 0; i < d.nrows; i++) {
		check(d.x[i * d.p] == 1, "intercept column of ones");
		check(i == 0 || d.rows[i - 1] < d.rows[i], "design rows ascending");
	}
	if (d.nrows > d.p) {
		yi = malloc(d.nrows * sizeof *yi);
		vi = malloc(d.nrows * sizeof *vi);
		coefs = calloc(d.p, sizeof *coefs);
		check(yi && vi && coefs, "malloc");
		for (i = 0; i < d.nrows; i++) {
			yi[i] = promstat_studies_yi(s)[d.rows[i]];
			vi[i] = promstat_studies_vi(s)[d.rows[i]];
		}
		st = promstat_meta_regress(yi, vi, d.nrows, d.x, d.p, opt, coefs, &reg, &err);
		check_status(st, &err, "meta-regression");
		if (st == PROMSTAT_OK && reg.converged) {
			check(reg.k == d.nrows && reg.p == d.p, "regression k and p");
			check(reg.tau2 >= 0 && isfinite(reg.tau2), "residual tau2 >= 0");
			check(isnan(reg.I2) || (reg.I2 >= 0 && reg.I2 <= 100), "residual I2");
			check(isnan(reg.R2) || (reg.R2 >= -1e-9 && reg.R2 <= 100 + 1e-9) ||
				      reg.method == PROMSTAT_METHOD_EE,
			      "R2 in [0,100]");
			check(isnan(reg.QE) || reg.QE >= 0, "QE >= 0");
			check(isnan(reg.QM) || reg.QM >= 0, "QM >= 0");
			check(pval_ok(reg.QM_pval) && pval_ok(reg.QE_pval), "regression p-values");
			for (j = 0; j < d.p; j++) {
				check(isfinite(coefs[j].estimate) && coefs[j].se >= 0,
				      "finite coefficients");
				check(inside(coefs[j].ci_lb, coefs[j].estimate, coefs[j].ci_ub),
				      "coefficient CI contains the estimate");
				check(pval_ok(coefs[j].pval), "coefficient p-value");
			}
		}
		free(yi);
		free(vi);
		free(coefs);
	}
	promstat_studies_design_free(&d);
}

static void run_bias(const promstat_studies *s, const promstat_meta_options *opt)
{
	size_t i, k = promstat_studies_count(s);
	const double *yi = promstat_studies_yi(s), *vi = promstat_studies_vi(s);
	promstat_meta_egger eg;
	promstat_meta_rank rk;
	promstat_meta_trimfill tf;
	promstat_meta_l1o *l1o;
	promstat_error err;
	double *fy, *fv;
	int st;

	promstat_error_clear(&err);
	st = promstat_meta_egger_test(yi, vi, k, opt, &eg, &err);
	check_status(st, &err, "Egger's test");
	check(k >= 3 || st == PROMSTAT_EDATA, "Egger needs k >= 3");
	if (st == PROMSTAT_OK) {
		check(pval_ok(eg.pval), "Egger p-value");
		check(isnan(eg.limit_estimate) ||
			      inside(eg.limit_ci_lb, eg.limit_estimate, eg.limit_ci_ub),
		      "Egger limit CI contains the limit estimate");
	}
	promstat_error_clear(&err);
	st = promstat_meta_rank_test(yi, vi, k, opt, &rk, &err);
	check_status(st, &err, "rank test");
	if (st == PROMSTAT_OK)
		check((isnan(rk.tau) || (rk.tau >= -1 && rk.tau <= 1)) && pval_ok(rk.pval),
		      "Kendall's tau in [-1,1], p in [0,1]");
	fy = malloc(k * sizeof *fy);
	fv = malloc(k * sizeof *fv);
	check(fy && fv, "malloc");
	promstat_error_clear(&err);
	st = promstat_meta_trimfill_run(yi, vi, k, opt, &tf, fy, fv, &err);
	check_status(st, &err, "trim and fill");
	if (st == PROMSTAT_OK) {
		check(tf.k0 < k && (tf.side == -1 || tf.side == 1), "trim and fill k0 and side");
		check_summary(&tf.filled, k + tf.k0, "trim and fill");
		for (i = 0; i < tf.k0; i++)
			check(isfinite(fy[i]) && fv[i] > 0, "imputed studies finite");
	}
	free(fy);
	free(fv);
	if (k >= 2) {
		l1o = calloc(k, sizeof *l1o);
		check(l1o != NULL, "calloc");
		promstat_error_clear(&err);
		st = promstat_meta_leave1out(yi, vi, k, opt, l1o, &err);
		/* ENUMERIC when the full model (whose method the refits use)
		 * does not converge */
		check_status(st, &err, "leave-one-out");
		for (i = 0; i < k && st == PROMSTAT_OK; i++) {
			const promstat_meta_l1o *o = &l1o[i];
			if (!o->converged)
				continue;
			check(isfinite(o->estimate) && inside(o->ci_lb, o->estimate, o->ci_ub),
			      "leave-one-out CI contains the estimate");
			check(o->tau2 >= 0 && (isnan(o->I2) || (o->I2 >= 0 && o->I2 <= 100)),
			      "leave-one-out tau2 and I2");
			check(pval_ok(o->pval) && pval_ok(o->Q_pval), "leave-one-out p-values");
		}
		free(l1o);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const double levels[4] = { 95, 90, 99, 80 };
	promstat_meta_options opt;
	promstat_meta_measure m;
	read_result r1, r2;
	size_t chunk;
	unsigned sel;

	if (size <= CONTROL_BYTES) /* fmemopen needs a byte of file */
		return 0;
	m = (promstat_meta_measure)(data[0] % PROMSTAT_MEASURE_COUNT);
	promstat_meta_options_init(&opt);
	opt.methods[0] = (promstat_meta_method)((data[1] & 15) % PROMSTAT_METHOD_COUNT);
	opt.nmethods = 1;
	if ((data[1] & 32) && opt.methods[0] != PROMSTAT_METHOD_DL)
		opt.methods[opt.nmethods++] = PROMSTAT_METHOD_DL;
	opt.test = (data[1] & 16) ? PROMSTAT_TEST_KNHA : PROMSTAT_TEST_Z;
	opt.level = levels[data[1] >> 6];
	check(promstat_meta_options_check(&opt, NULL) == PROMSTAT_OK, "options valid");
	chunk = 1 + data[2] % 64;
	sel = data[3];
	data += CONTROL_BYTES;
	size -= CONTROL_BYTES;

	read_studies(data, size, m, chunk, &r1);
	read_studies(data, size, m, 0, &r2);
	compare_reads(&r1, &r2);
	if (r1.st == PROMSTAT_OK) {
		check_studies(r1.s);
		check(promstat_studies_measure(r1.s) == m, "measure kept");
		fit_overall(r1.s, r2.s, &opt);
		if (sel & 1)
			run_subgroups(r1.s, &opt, sel);
		if (sel & 2)
			run_mods(r1.s, &opt, sel);
		if (sel & 4)
			run_bias(r1.s, &opt);
	}
	promstat_studies_free(r1.s);
	promstat_studies_free(r2.s);
	return 0;
}
