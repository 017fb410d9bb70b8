/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Out-of-memory paths: through promstat_set_allocator(), each stage of a
 * small registry run (catalogue, ingest at two chunk sizes, read ahead by
 * the reading thread and in step, validate summary, pairing and audit) and
 * of a small study run (study reader, overall model, subgroups, moderators,
 * the bias bundle) is run again and again with its n-th allocation failing,
 * for n = 1, 2, ... until a run makes no more allocations than n - 1.
 *
 * Each failed run must return PROMSTAT_ENOMEM with the error filled ("out
 * of memory"), leave its output pointer NULL and every block it took
 * released (counted here, so a leak fails in every build, not only under
 * LeakSanitizer); or, where the engine has a fallback that needs no memory
 * (reading in step when the read-ahead buffers cannot be had), succeed with
 * the same result as a run that was not failed.
 */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

#define DATA PROMSTAT_SRCDIR "/tests/data/"

/* ---- the failing allocator ---- */

typedef struct oom_state {
	pthread_mutex_t mu; /* the engine allocates from its reading thread too */
	size_t calls;	    /* allocations (and growths) since armed */
	size_t fail_at;	    /* the call that fails; 0: none */
	int failed;	    /* whether it has */
	long live;	    /* blocks taken minus blocks given back since armed */
} oom_state;

static oom_state oom = { PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0 };

static void *oom_alloc(void *ud, void *ptr, size_t size)
{
	oom_state *s = ud;
	void *p;

	pthread_mutex_lock(&s->mu);
	if (size == 0) {
		free(ptr);
		s->live--;
		pthread_mutex_unlock(&s->mu);
		return NULL;
	}
	if (++s->calls == s->fail_at) {
		s->failed = 1;
		pthread_mutex_unlock(&s->mu);
		return NULL;
	}
	p = realloc(ptr, size);
	if (p && !ptr)
		s->live++;
	pthread_mutex_unlock(&s->mu);
	return p;
}

static void oom_arm(size_t n)
{
	oom.calls = 0;
	oom.fail_at = n;
	oom.failed = 0;
	oom.live = 0;
	promstat_set_allocator(oom_alloc, &oom);
}

/* Restores the C library's allocator; returns whether the armed call failed. */
static int oom_disarm(void)
{
	promstat_set_allocator(NULL, NULL);
	return oom.failed;
}

/* One stage: runs the call under test, checks its outcome against the
 * unfailed reference (when it succeeds) and frees what it made. */
typedef int (*stage_fn)(void *ctx, promstat_error *err);

/*
 * Runs stage with allocation n failing for every n until one run fails
 * nothing; returns the number of allocations of that run. A run that
 * succeeds although an allocation failed is accepted only with fallback
 * (the file readers: libcsv retries a smaller buffer, and a chunk the
 * reader cannot prepare ahead is checked when it is read, as documented
 * at ps_csv_prepare), and the stage then checks that its result is the
 * unfailed one. The models have no fallback: a statistic made undefined
 * for want of memory would be a false result.
 */
static size_t every_failure(const char *what, stage_fn stage, void *ctx, int fallback)
{
	size_t n, fallbacks = 0;

	for (n = 1;; n++) {
		promstat_error err;
		int st, failed;

		promstat_error_clear(&err);
		oom_arm(n);
		st = stage(ctx, &err);
		failed = oom_disarm();
		ck_assert_msg(oom.live == 0, "%s: %ld blocks left allocated when allocation %zu failed",
			      what, oom.live, n);
		if (!failed) {
			ck_assert_msg(st == PROMSTAT_OK, "%s: unfailed run returned %d: %s", what, st,
				      err.message);
			ck_assert_msg(n > 1, "%s made no allocation", what);
			if (getenv("PROMSTAT_OOM_VERBOSE"))
				fprintf(stderr, "%s: %zu allocations, %zu fallbacks\n", what, n - 1,
					fallbacks);
			return n - 1;
		}
		if (st == PROMSTAT_OK) {
			ck_assert_msg(fallback,
				      "%s: allocation %zu failed, yet the call succeeded (a result "
				      "made without the memory it asked for)",
				      what, n);
			fallbacks++;
			continue;
		}
		ck_assert_msg(st == PROMSTAT_ENOMEM,
			      "%s: allocation %zu failed, but the status is %d (%s): %s", what, n, st,
			      promstat_status_name(st), err.message);
		ck_assert_msg(err.code == PROMSTAT_ENOMEM && strstr(err.message, "out of memory"),
			      "%s: allocation %zu failed: error code %d, message \"%s\"", what, n,
			      err.code, err.message);
	}
}

/* ---- registry stages ---- */

typedef struct reg_ctx {
	const char *path;
	size_t chunk;
	int in_step; /* read through a memory stream: no reading thread */
	char *bytes; /* the file, for in_step */
	size_t nbytes;
	promstat_catalogue *cat;
	promstat_registry *reg;
	promstat_ingest_counts counts; /* of the unfailed read */
	size_t n_units, n_obs, rejects;
	size_t audit_results, audit_comparisons, audit_notes;
	double first_rate;
} reg_ctx;

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert(fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0);
	rewind(f);
	buf = malloc((size_t)len);
	ck_assert(buf && fread(buf, 1, (size_t)len, f) == (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return buf;
}

static FILE *open_input(const reg_ctx *c)
{
	FILE *f = c->in_step ? fmemopen(c->bytes, c->nbytes, "rb") : fopen(c->path, "rb");

	ck_assert_msg(f != NULL, "cannot open %s", c->path);
	return f;
}

static int stage_catalogue(void *ctx, promstat_error *err)
{
	promstat_catalogue *cat = (promstat_catalogue *)1;
	int st;

	(void)ctx;
	st = promstat_catalogue_load(DATA "audit-instruments.csv", &cat, err);
	if (st) {
		ck_assert_ptr_null(cat);
		return st;
	}
	ck_assert_uint_eq(promstat_catalogue_count(cat), 4);
	promstat_catalogue_free(cat);
	return st;
}

static void count_reject(const promstat_error *diag, int reason, void *ctx)
{
	(void)diag;
	(void)reason;
	++*(size_t *)ctx;
}

static int read_registry(reg_ctx *c, promstat_registry **out, size_t *rejects,
			 promstat_error *err)
{
	promstat_ingest_options opt;
	FILE *in = open_input(c), *rej = tmpfile();
	int st;

	ck_assert_ptr_nonnull(rej);
	memset(&opt, 0, sizeof opt);
	opt.chunk = c->chunk;
	opt.rejects = rej;
	opt.on_reject = count_reject;
	opt.on_reject_ctx = rejects;
	*rejects = 0;
	*out = (promstat_registry *)1;
	st = promstat_registry_read(in, c->path, c->cat, &opt, out, err);
	fclose(in);
	fclose(rej);
	if (st)
		ck_assert_ptr_null(*out);
	return st;
}

static int stage_ingest(void *ctx, promstat_error *err)
{
	reg_ctx *c = ctx;
	promstat_registry *reg;
	size_t rejects;
	int st = read_registry(c, &reg, &rejects, err);

	if (st)
		return st;
	ck_assert_msg(!memcmp(&reg->counts, &c->counts, sizeof c->counts) &&
			      reg->n_units == c->n_units && reg->n_obs == c->n_obs &&
			      rejects == c->rejects,
		      "a read that succeeded gives the unfailed read's registry");
	promstat_registry_free(reg);
	return st;
}

static int stage_validate(void *ctx, promstat_error *err)
{
	reg_ctx *c = ctx;
	promstat_validate_summary *s = (promstat_validate_summary *)1;
	int st = promstat_validate_summarize(c->reg, &s, err);

	if (st) {
		ck_assert_ptr_null(s);
		return st;
	}
	ck_assert_uint_eq(s->observations, c->n_obs);
	ck_assert_uint_eq(s->units, c->n_units);
	promstat_validate_summary_free(s);
	return st;
}

static void audit_options(promstat_audit_options *o)
{
	static const char *const by[] = { "therapy", "age_band", "sex" };

	promstat_audit_options_init(o);
	o->by = by;
	o->n_by = 3;
	o->reference = "HA";
	o->oarsi_pain = "PAIN_NRS";
	o->oarsi_function = "KOOS_PAIN";
}

static int stage_audit(void *ctx, promstat_error *err)
{
	reg_ctx *c = ctx;
	promstat_audit_options o;
	promstat_audit *a = (promstat_audit *)1;
	const promstat_audit_result *r;
	int st;

	audit_options(&o);
	st = promstat_audit_run(c->reg, &o, &a, err);
	if (st) {
		ck_assert_ptr_null(a);
		return st;
	}
	ck_assert_uint_eq(promstat_audit_count(a), c->audit_results);
	ck_assert_uint_eq(promstat_audit_n_comparisons(a), c->audit_comparisons);
	ck_assert_uint_eq(promstat_audit_n_notes(a), c->audit_notes);
	r = promstat_audit_get(a, 0);
	ck_assert(r != NULL);
	promstat_audit_free(a);
	return st;
}

/* Loads the catalogue and the registry without failures, as the reference. */
static void reg_setup(reg_ctx *c, const char *path, const char *catalogue)
{
	promstat_error err;
	promstat_audit_options o;
	promstat_audit *a;

	memset(c, 0, sizeof *c);
	c->path = path;
	c->bytes = slurp(path, &c->nbytes);
	ck_assert_msg(promstat_catalogue_load(catalogue, &c->cat, &err) == 0, "%s", err.message);
	ck_assert_msg(read_registry(c, &c->reg, &c->rejects, &err) == 0, "%s", err.message);
	c->counts = c->reg->counts;
	c->n_units = c->reg->n_units;
	c->n_obs = c->reg->n_obs;
	audit_options(&o);
	ck_assert_msg(promstat_audit_run(c->reg, &o, &a, &err) == 0, "%s", err.message);
	c->audit_results = promstat_audit_count(a);
	c->audit_comparisons = promstat_audit_n_comparisons(a);
	c->audit_notes = promstat_audit_n_notes(a);
	promstat_audit_free(a);
}

static void reg_teardown(reg_ctx *c)
{
	promstat_registry_free(c->reg);
	promstat_catalogue_free(c->cat);
	free(c->bytes);
}

START_TEST(oom_catalogue)
{
	every_failure("catalogue", stage_catalogue, NULL, 1);
}
END_TEST

START_TEST(oom_registry)
{
	static const size_t chunks[] = { 0, 7 };
	reg_ctx c;
	size_t i, total = 0;

	reg_setup(&c, DATA "audit-small.csv", DATA "audit-instruments.csv");
	for (i = 0; i < 2; i++) {
		c.chunk = chunks[i];
		c.in_step = 0;
		total += every_failure("ingest (read ahead)", stage_ingest, &c, 1);
		c.in_step = 1;
		total += every_failure("ingest (in step)", stage_ingest, &c, 1);
	}
	every_failure("validate", stage_validate, &c, 0);
	total += every_failure("audit", stage_audit, &c, 0);
	ck_assert(total > 0);
	reg_teardown(&c);
}
END_TEST

/* A damaged extract: rejected rows, written to the rejects file. */
START_TEST(oom_registry_damaged)
{
	reg_ctx c;

	reg_setup(&c, DATA "registry-demo-damaged.csv", PROMSTAT_SRCDIR "/datasets/instruments.csv");
	ck_assert_uint_gt(c.rejects, 0);
	c.in_step = 1;
	every_failure("ingest (damaged, in step)", stage_ingest, &c, 1);
	c.in_step = 0;
	c.chunk = 64;
	every_failure("ingest (damaged, read ahead)", stage_ingest, &c, 1);
	every_failure("validate (damaged)", stage_validate, &c, 0);
	reg_teardown(&c);
}
END_TEST

/* ---- study stages ---- */

typedef struct meta_ctx {
	promstat_studies *s;
	size_t k;
	promstat_meta_options opt;
	promstat_meta_summary overall;
	double egger_p, rank_tau;
	size_t k0;
	promstat_studies_design design;
	size_t *grp;
	size_t nlevels;
	double *yi, *vi; /* design rows */
} meta_ctx;

static int read_bcg(promstat_studies **out, size_t chunk, promstat_error *err)
{
	promstat_ingest_options opt;
	FILE *in = fopen(DATA "studies-bcg.csv", "rb");
	int st;

	ck_assert_ptr_nonnull(in);
	memset(&opt, 0, sizeof opt);
	opt.chunk = chunk;
	*out = (promstat_studies *)1;
	st = promstat_studies_read(in, "studies-bcg.csv", PROMSTAT_MEASURE_RR, &opt, out, err);
	fclose(in);
	if (st)
		ck_assert_ptr_null(*out);
	return st;
}

static int stage_studies(void *ctx, promstat_error *err)
{
	meta_ctx *c = ctx;
	promstat_studies *s;
	int st = read_bcg(&s, 5, err);

	if (st)
		return st;
	ck_assert_uint_eq(promstat_studies_count(s), c->k);
	ck_assert(!memcmp(promstat_studies_yi(s), promstat_studies_yi(c->s), c->k * sizeof(double)));
	ck_assert_str_eq(promstat_studies_text(s, c->k - 1, 1), promstat_studies_text(c->s, c->k - 1, 1));
	promstat_studies_free(s);
	return st;
}

static int stage_fit(void *ctx, promstat_error *err)
{
	meta_ctx *c = ctx;
	promstat_meta_summary m;
	double w[64];
	int st = promstat_meta_fit(promstat_studies_yi(c->s), promstat_studies_vi(c->s), c->k,
				   &c->opt, &m, w, err);

	if (!st)
		ck_assert(m.estimate == c->overall.estimate && m.tau2 == c->overall.tau2 &&
			  m.tau2_ci_ub == c->overall.tau2_ci_ub);
	return st;
}

static int stage_group_by(void *ctx, promstat_error *err)
{
	meta_ctx *c = ctx;
	promstat_studies_groups g;
	int st = promstat_studies_group_by(c->s, "alloc", NULL, 0, &g, err);

	if (st)
		return st;
	ck_assert_uint_eq(g.nlevels, c->nlevels);
	promstat_studies_groups_free(&g);
	return st;
}

static int stage_subgroups(void *ctx, promstat_error *err)
{
	meta_ctx *c = ctx;
	promstat_meta_summary lv[8];
	promstat_meta_subgroup_test t;

	ck_assert_uint_le(c->nlevels, 8);
	return promstat_meta_subgroups(promstat_studies_yi(c->s), promstat_studies_vi(c->s), c->grp,
				       c->k, c->nlevels, &c->opt, lv, &t, err);
}

static int stage_design(void *ctx, promstat_error *err)
{
	static const char *const cols[] = { "ablat", "alloc" };
	meta_ctx *c = ctx;
	promstat_studies_design d;
	int st = promstat_studies_design_build(c->s, cols, 2, &d, err);

	if (st)
		return st;
	ck_assert_uint_eq(d.p, c->design.p);
	ck_assert_uint_eq(d.nrows, c->design.nrows);
	ck_assert_str_eq(d.names[d.p - 1], c->design.names[d.p - 1]);
	promstat_studies_design_free(&d);
	return st;
}

static int stage_regress(void *ctx, promstat_error *err)
{
	meta_ctx *c = ctx;
	promstat_meta_coef coefs[8];
	promstat_meta_reg_summary r;

	ck_assert_uint_le(c->design.p, 8);
	return promstat_meta_regress(c->yi, c->vi, c->design.nrows, c->design.x, c->design.p,
				     &c->opt, coefs, &r, err);
}

static int stage_egger(void *ctx, promstat_error *err)
{
	meta_ctx *c = ctx;
	promstat_meta_egger e;
	int st = promstat_meta_egger_test(promstat_studies_yi(c->s), promstat_studies_vi(c->s),
					  c->k, &c->opt, &e, err);

	if (!st)
		ck_assert(e.pval == c->egger_p);
	return st;
}

static int stage_rank(void *ctx, promstat_error *err)
{
	meta_ctx *c = ctx;
	promstat_meta_rank r;
	int st = promstat_meta_rank_test(promstat_studies_yi(c->s), promstat_studies_vi(c->s), c->k,
					 &c->opt, &r, err);

	if (!st)
		ck_assert(r.tau == c->rank_tau);
	return st;
}

static int stage_trimfill(void *ctx, promstat_error *err)
{
	meta_ctx *c = ctx;
	promstat_meta_trimfill t;
	double fy[64], fv[64];
	int st = promstat_meta_trimfill_run(promstat_studies_yi(c->s), promstat_studies_vi(c->s),
					    c->k, &c->opt, &t, fy, fv, err);

	if (!st)
		ck_assert_uint_eq(t.k0, c->k0);
	return st;
}

static int stage_leave1out(void *ctx, promstat_error *err)
{
	meta_ctx *c = ctx;
	promstat_meta_l1o l[64];

	return promstat_meta_leave1out(promstat_studies_yi(c->s), promstat_studies_vi(c->s), c->k,
				       &c->opt, l, err);
}

static void meta_setup(meta_ctx *c, promstat_meta_method method, promstat_meta_test test)
{
	static const char *const cols[] = { "ablat", "alloc" };
	promstat_error err;
	promstat_studies_groups g;
	promstat_meta_egger e;
	promstat_meta_rank r;
	promstat_meta_trimfill t;
	size_t i;

	memset(c, 0, sizeof *c);
	ck_assert_msg(read_bcg(&c->s, 0, &err) == 0, "%s", err.message);
	c->k = promstat_studies_count(c->s);
	ck_assert_uint_eq(c->k, 13);
	promstat_meta_options_init(&c->opt);
	c->opt.methods[0] = method;
	c->opt.test = test;
	ck_assert(promstat_meta_fit(promstat_studies_yi(c->s), promstat_studies_vi(c->s), c->k,
				    &c->opt, &c->overall, NULL, &err) == 0);
	ck_assert(promstat_studies_group_by(c->s, "alloc", NULL, 0, &g, &err) == 0);
	c->nlevels = g.nlevels;
	c->grp = malloc(c->k * sizeof *c->grp);
	ck_assert_ptr_nonnull(c->grp);
	for (i = 0; i < c->k; i++) {
		ck_assert(g.group[i] >= 0);
		c->grp[i] = (size_t)g.group[i];
	}
	promstat_studies_groups_free(&g);
	ck_assert(promstat_studies_design_build(c->s, cols, 2, &c->design, &err) == 0);
	c->yi = malloc(c->design.nrows * sizeof *c->yi);
	c->vi = malloc(c->design.nrows * sizeof *c->vi);
	ck_assert(c->yi && c->vi);
	for (i = 0; i < c->design.nrows; i++) {
		c->yi[i] = promstat_studies_yi(c->s)[c->design.rows[i]];
		c->vi[i] = promstat_studies_vi(c->s)[c->design.rows[i]];
	}
	ck_assert(promstat_meta_egger_test(promstat_studies_yi(c->s), promstat_studies_vi(c->s),
					   c->k, &c->opt, &e, &err) == 0);
	c->egger_p = e.pval;
	ck_assert(promstat_meta_rank_test(promstat_studies_yi(c->s), promstat_studies_vi(c->s), c->k,
					  &c->opt, &r, &err) == 0);
	c->rank_tau = r.tau;
	ck_assert(promstat_meta_trimfill_run(promstat_studies_yi(c->s), promstat_studies_vi(c->s),
					     c->k, &c->opt, &t, NULL, NULL, &err) == 0);
	c->k0 = t.k0;
}

static void meta_teardown(meta_ctx *c)
{
	promstat_studies_design_free(&c->design);
	promstat_studies_free(c->s);
	free(c->grp);
	free(c->yi);
	free(c->vi);
}

START_TEST(oom_studies)
{
	meta_ctx c;

	meta_setup(&c, PROMSTAT_METHOD_REML, PROMSTAT_TEST_Z);
	every_failure("study reader", stage_studies, &c, 1);
	every_failure("group_by", stage_group_by, &c, 0);
	every_failure("design_build", stage_design, &c, 0);
	meta_teardown(&c);
}
END_TEST

/* The models under two methods and both tests: the iterative REML with
 * its Q-profile interval, and the closed-form DL under Knapp-Hartung. */
START_TEST(oom_models)
{
	static const promstat_meta_method methods[] = { PROMSTAT_METHOD_REML, PROMSTAT_METHOD_DL };
	static const promstat_meta_test tests[] = { PROMSTAT_TEST_Z, PROMSTAT_TEST_KNHA };
	size_t i;

	for (i = 0; i < 2; i++) {
		meta_ctx c;

		meta_setup(&c, methods[i], tests[i]);
		every_failure("fit", stage_fit, &c, 0);
		every_failure("subgroups", stage_subgroups, &c, 0);
		every_failure("regress", stage_regress, &c, 0);
		every_failure("egger", stage_egger, &c, 0);
		every_failure("rank", stage_rank, &c, 0);
		every_failure("trimfill", stage_trimfill, &c, 0);
		every_failure("leave1out", stage_leave1out, &c, 0);
		meta_teardown(&c);
	}
}
END_TEST

/* The allocator is used at all, and NULL restores the C library's. */
START_TEST(allocator_get_set)
{
	promstat_alloc_fn fn;
	void *ud;

	promstat_get_allocator(&fn, &ud);
	ck_assert(fn == NULL && ud == NULL);
	promstat_set_allocator(oom_alloc, &oom);
	promstat_get_allocator(&fn, &ud);
	ck_assert(fn == oom_alloc && ud == &oom);
	promstat_set_allocator(NULL, &oom);
	promstat_get_allocator(&fn, &ud);
	ck_assert(fn == NULL && ud == NULL);
	promstat_free(NULL);
}
END_TEST

static Suite *oom_suite(void)
{
	Suite *s = suite_create("oom");
	TCase *tc = tcase_create("every allocation fails once");

	/* n runs of n allocations each; slow under the sanitizers */
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, allocator_get_set);
	tcase_add_test(tc, oom_catalogue);
	tcase_add_test(tc, oom_registry);
	tcase_add_test(tc, oom_registry_damaged);
	tcase_add_test(tc, oom_studies);
	tcase_add_test(tc, oom_models);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(oom_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
