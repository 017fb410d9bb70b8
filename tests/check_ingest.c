/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Registry ingest and the validate summary. Every fixture (tests/data/
 * registry-*.csv and the malformed corpus tests/malformed/) is read at every
 * buffer size from 1 byte to past its size and must give the same registry,
 * the same rejects and the same error positions each time. Expected figures
 * are counted by hand from the fixtures; the comments show the counting.
 */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "registry.h"

static const char *srcdir(void)
{
	const char *s = getenv("top_srcdir");
	return s && *s ? s : "..";
}

static char *path_of(const char *rel)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s/%s", srcdir(), rel);
	return buf;
}

static promstat_catalogue *test_catalogue(void)
{
	promstat_catalogue *cat = NULL;
	promstat_error err;

	ck_assert_msg(promstat_catalogue_load(path_of("tests/data/instruments-test.csv"), &cat,
					      &err) == PROMSTAT_OK,
		      "%s", err.message);
	return cat;
}

/* Rejected rows as the library reported them, one formatted line each. */
typedef struct diags {
	FILE *out;
	size_t n;
	int reasons[PROMSTAT_REJECT_NREASONS];
	size_t values;	  /* values set missing, reported through on_value */
	size_t conflicts; /* conflicts only reported */
} diags;

/* Values set missing in kept rows (and conflicts), in the same stream. */
static void collect_value(const promstat_error *d, const char *column, int reason, void *ctx)
{
	diags *g = ctx;
	char buf[1200];

	ck_assert_int_eq(d->code, PROMSTAT_EDATA);
	ck_assert(reason >= -1 && reason < PROMSTAT_IGNORE_NREASONS);
	if (reason >= 0)
		g->values++;
	else
		g->conflicts++;
	fprintf(g->out, "%s [%s:%s]\n", promstat_error_format(d, buf, sizeof buf), column,
		reason >= 0 ? promstat_ignore_reason_name(reason) : "conflict");
}

static void collect(const promstat_error *d, int reason, void *ctx)
{
	diags *g = ctx;
	char buf[1200];

	ck_assert_int_eq(d->code, PROMSTAT_EDATA);
	ck_assert(reason >= 0 && reason < PROMSTAT_REJECT_NREASONS);
	g->reasons[reason]++;
	g->n++;
	fprintf(g->out, "%s [%s]\n", promstat_error_format(d, buf, sizeof buf),
		promstat_reject_reason_name(reason));
}

/* Everything a run produced, as text, so runs can be compared. */
typedef struct run {
	int status;
	promstat_error err;
	promstat_registry *reg;
	char *diag;	/* the on_reject lines */
	char *rejects;	/* the rejects file */
	char *dump;	/* the registry, see dump_registry */
} run;

static const char *str(const promstat_registry *reg, long id)
{
	const char *s = id < 0 ? "-" : ps_strpool_get(reg->pool, id);
	return s ? s : "?";
}

static void dump_registry(FILE *f, const promstat_registry *reg)
{
	size_t i, j;
	const promstat_ingest_counts *c = &reg->counts;

	fprintf(f, "read %zu accepted %zu rejected %zu by", c->rows_read, c->rows_accepted,
		c->rows_rejected);
	for (i = 0; i < PROMSTAT_REJECT_NREASONS; i++)
		fprintf(f, " %zu", c->by_reason[i]);
	fprintf(f, "\nunits %zu patients %zu obs %zu sha %s extra %zu\n", reg->n_units,
		reg->n_patients, reg->n_obs, reg->sha256, reg->n_extra);
	for (j = 0; j < reg->n_extra; j++)
		fprintf(f, "extra %s\n", reg->extra_names[j]);
	for (i = 0; i < reg->n_units; i++) {
		const ps_unit *u = &reg->units[i];
		fprintf(f, "unit %zu %s/%s %s age %g sex %s prov %s site %s ae %d sat %d [%zu,%zu)",
			i, str(reg, u->patient), str(reg, u->episode), str(reg, u->therapy), u->age,
			str(reg, u->sex), str(reg, u->provider), str(reg, u->site), u->ae,
			u->satisfied, reg->unit_start[i], reg->unit_start[i + 1]);
		for (j = 0; j < reg->n_extra; j++)
			fprintf(f, " %s", str(reg, reg->extra[i * reg->n_extra + j]));
		fputc('\n', f);
	}
	{
		const promstat_ingest_report *rp = promstat_registry_report(reg);
		fprintf(f, "ignored %zu:", rp->values_ignored);
		for (i = 0; i < rp->n_ignored; i++)
			fprintf(f, " %s/%s=%zu", rp->ignored[i].column,
				promstat_ignore_reason_name(rp->ignored[i].reason), rp->ignored[i].count);
		fputs("\nmerged:", f);
		for (i = 0; i < rp->n_merged; i++)
			fprintf(f, " %s/%s<'%s'=%zu", rp->merged[i].column, rp->merged[i].level,
				rp->merged[i].spelling, rp->merged[i].rows);
		fputs("\nunused:", f);
		for (i = 0; i < rp->n_recodes_unused; i++)
			fprintf(f, " %s", rp->recodes_unused[i]);
		fputs("\nae:", f);
		for (i = 0; i < rp->n_ae_codes; i++)
			fprintf(f, " %s=%zu", rp->ae_codes[i].value, rp->ae_codes[i].rows);
		fputs("\nsex_other:", f);
		for (i = 0; i < rp->n_sex_other; i++)
			fprintf(f, " %s=%zu", rp->sex_other[i].value, rp->sex_other[i].rows);
		fprintf(f, "\nall_rejected %zu units %zu:", rp->patients_all_rejected,
			rp->units_all_rejected);
		for (i = 0; i < rp->n_patients_listed; i++)
			fprintf(f, " %s", rp->patients_listed[i]);
		fprintf(f, "\nconflicts %zu %zu encoding %s %d %zu\n", rp->conflicts_satisfied,
			rp->conflicts_treatment_date, rp->encoding, rp->encoding_guessed,
			rp->bytes_replaced);
		for (i = 0; i < rp->n_notes; i++)
			fprintf(f, "note %s\n", rp->notes[i]);
	}
	for (i = 0; i < reg->n_units; i++)
		for (j = reg->unit_start[i]; j < reg->unit_start[i + 1]; j++) {
			const ps_obs *o = &reg->obs[j];
			fprintf(f, "obs %zu %u %d %d %.17g\n", i, (unsigned)o->instrument, o->day,
				o->anchor == PS_NO_ANCHOR ? -9999 : o->anchor, o->score);
		}
}

/* The whole of f, read from where it is, NUL-terminated. */
static char *slurp_stream_at(FILE *f)
{
	size_t n = 0, cap = 4096;
	char *s = malloc(cap);

	while (s && (n += fread(s + n, 1, cap - n - 1, f)) == cap - 1)
		s = realloc(s, cap *= 2);
	ck_assert_ptr_nonnull(s);
	s[n] = '\0';
	return s;
}

static char *slurp_stream(FILE *f)
{
	long n;
	char *s;

	fflush(f);
	n = ftell(f);
	ck_assert(n >= 0);
	s = malloc((size_t)n + 1);
	rewind(f);
	ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	return s;
}

/* Reads in (a FILE positioned at the start) with the given options. */
static run read_with(FILE *in, const char *name, const promstat_catalogue *cat,
		     const promstat_ingest_options *base, size_t chunk)
{
	promstat_ingest_options opt;
	diags g;
	FILE *rej = tmpfile(), *dump = tmpfile();
	run r;

	memset(&r, 0, sizeof r);
	memset(&g, 0, sizeof g);
	if (base)
		opt = *base;
	else
		memset(&opt, 0, sizeof opt);
	g.out = tmpfile();
	ck_assert(rej && dump && g.out);
	opt.chunk = chunk;
	opt.rejects = rej;
	opt.on_reject = collect;
	opt.on_reject_ctx = &g;
	opt.on_value = collect_value;
	opt.on_value_ctx = &g;
	promstat_error_clear(&r.err);
	r.status = promstat_registry_read(in, name, cat, &opt, &r.reg, &r.err);
	if (r.status == PROMSTAT_OK) {
		const promstat_ingest_counts *c = promstat_registry_counts(r.reg);
		size_t i, sum = 0;
		ck_assert_ptr_nonnull(r.reg);
		/* nothing is lost silently */
		ck_assert_uint_eq(c->rows_read, c->rows_accepted + c->rows_rejected);
		for (i = 0; i < PROMSTAT_REJECT_NREASONS; i++) {
			sum += c->by_reason[i];
			ck_assert_int_eq(g.reasons[i], (int)c->by_reason[i]);
		}
		ck_assert_uint_eq(sum, c->rows_rejected);
		ck_assert_uint_eq(g.n, c->rows_rejected);
		ck_assert_uint_eq(r.reg->n_obs, c->rows_accepted);
		/* every value set missing is reported once, and counted */
		ck_assert_uint_eq(g.values, promstat_registry_report(r.reg)->values_ignored);
		ck_assert_uint_eq(g.conflicts,
				  promstat_registry_report(r.reg)->conflicts_satisfied +
					  promstat_registry_report(r.reg)->conflicts_treatment_date);
		dump_registry(dump, r.reg);
	} else {
		ck_assert_ptr_null(r.reg);
	}
	r.diag = slurp_stream(g.out);
	r.rejects = slurp_stream(rej);
	r.dump = slurp_stream(dump);
	fclose(g.out);
	fclose(rej);
	fclose(dump);
	return r;
}

static run read_file(const char *rel, const promstat_catalogue *cat,
		     const promstat_ingest_options *opt, size_t chunk)
{
	FILE *in = fopen(path_of(rel), "rb");
	run r;

	ck_assert_msg(in != NULL, "cannot open %s", rel);
	r = read_with(in, rel, cat, opt, chunk);
	fclose(in);
	return r;
}

static run read_string(const char *data, const promstat_catalogue *cat,
		       const promstat_ingest_options *opt, size_t chunk)
{
	FILE *in = tmpfile();
	run r;

	fputs(data, in);
	rewind(in);
	r = read_with(in, "t.csv", cat, opt, chunk);
	fclose(in);
	return r;
}

static void run_free(run *r)
{
	promstat_registry_free(r->reg);
	free(r->diag);
	free(r->rejects);
	free(r->dump);
}

static long file_size(const char *rel)
{
	FILE *f = fopen(path_of(rel), "rb");
	long n;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fclose(f);
	return n;
}

/* Reads rel at every chunk size (a sample for files over 64 KiB) and checks
 * each run equals the run with the default chunk. */
static void check_chunk_invariance(const char *rel, const promstat_catalogue *cat,
				   const promstat_ingest_options *opt)
{
	run ref = read_file(rel, cat, opt, 0);
	size_t size = (size_t)file_size(rel), chunk;
	size_t big[] = { 2, 3, 5, 7, 64, 4093, 65536, 0, 0, 0 };

	big[7] = size - 1;
	big[8] = size;
	big[9] = size + 1;
	for (chunk = 1; chunk <= size + 2; chunk++) {
		run r;
		size_t c = chunk;
		if (size > 65536) {
			if (chunk > sizeof big / sizeof *big)
				break;
			c = big[chunk - 1];
		}
		r = read_file(rel, cat, opt, c);
		ck_assert_msg(r.status == ref.status, "%s chunk %zu: status %d, expected %d", rel, c,
			      r.status, ref.status);
		if (r.status) {
			ck_assert_msg(r.err.line == ref.err.line && r.err.column == ref.err.column &&
					      !strcmp(r.err.message, ref.err.message),
				      "%s chunk %zu: error %lu:%lu %s, expected %lu:%lu %s", rel, c,
				      r.err.line, r.err.column, r.err.message, ref.err.line,
				      ref.err.column, ref.err.message);
		}
		ck_assert_msg(!strcmp(r.dump, ref.dump), "%s chunk %zu: registry differs", rel, c);
		ck_assert_msg(!strcmp(r.diag, ref.diag), "%s chunk %zu: diagnostics\n%s\nexpected\n%s",
			      rel, c, r.diag, ref.diag);
		ck_assert_msg(!strcmp(r.rejects, ref.rejects), "%s chunk %zu: rejects differ", rel, c);
		run_free(&r);
	}
	run_free(&ref);
}

/* ---- the small registry, counted by hand ---- */

/*
 * tests/data/registry-small.csv: 22 data rows (lines 2..23).
 * Accepted: lines 2-14 (13 rows), line 17 (its age 55 differs from the
 * unit's 54: the age is ignored, the row kept) and line 23 = 15.
 * Rejected, one line each: 15 therapy PRP vs MSC (inconsistent), 16 duplicate
 * of line 10, 18 score 11 > 10, 19 PAIN_NSR, 20 day "x", 21 empty
 * patient_id, 22 five fields.
 * Units in order of first accepted row: 0 P1/L PRP, 1 P1/R HA, 2 P2 HA,
 * 3 P3 MSC, 4 P4 PRP; patients P1..P4 = 4.
 */
START_TEST(test_small_registry)
{
	promstat_catalogue *cat = test_catalogue();
	run r = read_file("tests/data/registry-small.csv", cat, NULL, 0);
	const promstat_registry *reg = r.reg;
	const promstat_ingest_counts *c;
	long arm;

	ck_assert_msg(r.status == PROMSTAT_OK, "%s", r.err.message);
	c = promstat_registry_counts(reg);
	ck_assert_uint_eq(c->rows_read, 22);
	ck_assert_uint_eq(c->rows_accepted, 15);
	ck_assert_uint_eq(c->rows_rejected, 7);
	ck_assert_uint_eq(c->by_reason[PROMSTAT_REJECT_FIELD_COUNT], 1);
	ck_assert_uint_eq(c->by_reason[PROMSTAT_REJECT_MISSING], 1);
	ck_assert_uint_eq(c->by_reason[PROMSTAT_REJECT_NOT_NUMBER], 1);
	ck_assert_uint_eq(c->by_reason[PROMSTAT_REJECT_OUT_OF_RANGE], 1);
	ck_assert_uint_eq(c->by_reason[PROMSTAT_REJECT_UNKNOWN_INSTRUMENT], 1);
	ck_assert_uint_eq(c->by_reason[PROMSTAT_REJECT_INCONSISTENT_UNIT], 1);
	ck_assert_uint_eq(c->by_reason[PROMSTAT_REJECT_DUPLICATE], 1);
	ck_assert_uint_eq(reg->n_units, 5);
	ck_assert_uint_eq(reg->n_patients, 4);
	ck_assert_uint_eq(reg->n_obs, 15);
	ck_assert_uint_eq(reg->report.values_ignored, 1);
	ck_assert_uint_eq(reg->report.n_ignored, 1);
	ck_assert_str_eq(reg->report.ignored[0].column, "age");
	ck_assert_int_eq(reg->report.ignored[0].reason, PROMSTAT_IGNORE_INCONSISTENT);
	/* sha256sum tests/data/registry-small.csv */
	ck_assert_str_eq(reg->sha256,
			 "09cf6a935f5f0cbca27e1bc679653934bee4bbcf2939c4881657db41ab6f3a2a");

	/* unit attributes: first non-empty value; satisfied the last one */
	ck_assert_str_eq(str(reg, reg->units[0].patient), "P1");
	ck_assert_str_eq(str(reg, reg->units[0].episode), "L");
	ck_assert_str_eq(str(reg, reg->units[0].therapy), "PRP");
	ck_assert(reg->units[0].age == 54);
	ck_assert_str_eq(str(reg, reg->units[0].sex), "F");
	ck_assert_str_eq(str(reg, reg->units[0].provider), "dr_a");
	ck_assert_str_eq(str(reg, reg->units[0].site), "north");
	ck_assert_int_eq(reg->units[0].ae, 0);
	ck_assert_int_eq(reg->units[0].satisfied, 1);
	ck_assert_str_eq(str(reg, reg->units[1].episode), "R");
	ck_assert_str_eq(str(reg, reg->units[1].therapy), "HA");
	ck_assert_int_eq(reg->units[1].ae, 1); /* "synovitis" on line 8 */
	ck_assert_int_eq(reg->units[1].satisfied, 0);
	ck_assert_str_eq(str(reg, reg->units[2].episode), ""); /* no episode given */
	ck_assert_int_eq(reg->units[2].satisfied, -1);
	ck_assert(reg->units[2].age == 71);
	ck_assert_str_eq(str(reg, reg->units[3].therapy), "MSC");
	ck_assert(reg->units[3].age == 66); /* empty on line 12, 66 on line 13 */
	ck_assert_int_eq(reg->units[3].sex, -1);
	ck_assert_str_eq(str(reg, reg->units[4].patient), "P4");
	ck_assert(reg->units[4].age == 40);

	/* the user stratum "arm" */
	ck_assert_uint_eq(reg->n_extra, 1);
	ck_assert_str_eq(reg->extra_names[0], "arm");
	arm = reg->extra[0];
	ck_assert_str_eq(str(reg, arm), "A");
	ck_assert_str_eq(str(reg, reg->extra[1]), "B");
	ck_assert_int_eq(reg->extra[2], -1);
	ck_assert_int_eq(reg->extra[3], -1);
	ck_assert_str_eq(str(reg, reg->extra[4]), "B");

	/* grouping: unit 0 holds PAIN_NRS (catalogue 0) days -7, 42, 90, 120
	 * then KOOS_PAIN (1) days -7, 28; unit 1 PAIN_NRS 0, 180; unit 2
	 * PAIN_NRS -100, 57 then EQ5D_INDEX (3) 365; unit 3 EQ5D 0, 730, 820;
	 * unit 4 one. */
	{
		static const size_t start[] = { 0, 6, 8, 11, 14, 15 };
		static const int inst[] = { 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 3, 3, 3, 3, 0 };
		static const int day[] = { -7,	 42, 90,  120, -7, 28,	0,  180,
					   -100, 57, 365, 0,   730, 820, 0 };
		static const double score[] = { 8, 5, 3, 2, 40, 55, 7, 4, 6, 5, -0.2, 0.5, 0.9, 1, 5 };
		static const int anchor[] = { PS_NO_ANCHOR, 1, 2, PS_NO_ANCHOR, PS_NO_ANCHOR, PS_NO_ANCHOR,
					      PS_NO_ANCHOR, 1, PS_NO_ANCHOR, PS_NO_ANCHOR,
					      PS_NO_ANCHOR, PS_NO_ANCHOR, PS_NO_ANCHOR,
					      PS_NO_ANCHOR, PS_NO_ANCHOR };
		size_t i;
		for (i = 0; i <= 5; i++)
			ck_assert_uint_eq(reg->unit_start[i], start[i]);
		for (i = 0; i < 15; i++) {
			ck_assert_int_eq((int)reg->obs[i].instrument, inst[i]);
			ck_assert_int_eq(reg->obs[i].day, day[i]);
			ck_assert(reg->obs[i].score == score[i]);
			ck_assert_int_eq(reg->obs[i].anchor, anchor[i]);
		}
	}
	/* the duplicate kept the first score: P2 day 57 is 5 (line 10), not 9 */
	ck_assert(reg->obs[9].day == 57 && reg->obs[9].score == 5);

	ck_assert_str_eq(
		r.diag,
		"tests/data/registry-small.csv:15:2: therapy \"PRP\" differs from \"MSC\" given for "
		"this patient and episode on line 12 [inconsistent_unit]\n"
		"tests/data/registry-small.csv:16:4: PAIN_NRS on day 57 for this patient and episode "
		"was already recorded on line 10; the first is kept [duplicate]\n"
		"tests/data/registry-small.csv:17:6: age 55 differs from 54 given earlier for this "
		"patient and episode (first row on line 2); the row's age is ignored "
		"[age:inconsistent_unit]\n"
		"tests/data/registry-small.csv:18:5: score \"11\" is outside PAIN_NRS's range 0 to 10 "
		"[out_of_range]\n"
		"tests/data/registry-small.csv:19:4: instrument \"PAIN_NSR\" is not in the instrument "
		"catalogue (give --recode instrument=PAIN_NSR:CODE if it is another name of one) "
		"[unknown_instrument]\n"
		"tests/data/registry-small.csv:20:3: day \"x\" is not a whole number of days "
		"[not_a_number]\n"
		"tests/data/registry-small.csv:21:1: patient_id is empty; every row needs one "
		"[missing_value]\n"
		"tests/data/registry-small.csv:22:6: this row has 5 fields but the header has 14 "
		"[field_count]\n");
	ck_assert_str_eq(
		r.rejects,
		"line,reason,patient_id,therapy,day,instrument,score,age,episode,sex,provider,site,"
		"anchor,ae,satisfied,arm\n"
		"15,inconsistent_unit,P3,PRP,900,EQ5D_INDEX,1,66,,,,,,,,\n"
		"16,duplicate,P2,HA,57,PAIN_NRS,9,71,,M,dr_b,south,,,,\n"
		"18,out_of_range,P4,PRP,0,PAIN_NRS,11,40,,,,,,,,\n"
		"19,unknown_instrument,P4,PRP,0,PAIN_NSR,5,40,,,,,,,,\n"
		"20,not_a_number,P4,PRP,x,PAIN_NRS,5,40,,,,,,,,\n"
		"21,missing_value,,PRP,0,PAIN_NRS,5,40,,,,,,,,\n"
		"22,field_count,P4,PRP,0,PAIN_NRS,5\n");
	run_free(&r);
	promstat_catalogue_free(cat);
}
END_TEST

/*
 * The first 60 rows of the demo registry with eight damages made by a
 * script that recorded where it put them (the provider of original line 8
 * spans two lines, so later rows sit one line lower; original line 15 is
 * repeated): every damage is found at its line and column, and every row
 * is accounted for (60 + 1 repeated = 61 read, 8 rejected).
 */
START_TEST(test_damaged_demo)
{
	promstat_catalogue *cat = test_catalogue();
	run r = read_file("tests/data/registry-demo-damaged.csv", cat, NULL, 0);
	static const char *const where[] = {
		":5:10: ", ":13:3: ", ":17:9: ", ":22:10: ", ":27:14: ", ":32:9: ", ":37:10: ", ":42:4: "
	};
	/* the last, an age that differs within its unit, keeps its row */
	static const char *const why[] = { "[not_a_number]",	  "[inconsistent_unit]",
					   "[duplicate]",	  "[missing_value]",
					   "[field_count]",	  "[unknown_instrument]",
					   "[out_of_range]",	  "[age:inconsistent_unit]" };
	const char *p;
	size_t i;

	ck_assert_int_eq(r.status, PROMSTAT_OK);
	ck_assert_uint_eq(r.reg->counts.rows_read, 61);
	ck_assert_uint_eq(r.reg->counts.rows_accepted, 54);
	ck_assert_uint_eq(r.reg->counts.rows_rejected, 7);
	ck_assert_uint_eq(r.reg->report.values_ignored, 1);
	for (i = 0, p = r.diag; i < 8; i++) {
		const char *nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		ck_assert_msg(!strncmp(p, "tests/data/registry-demo-damaged.csv", 36) &&
				      !strncmp(p + 36, where[i], strlen(where[i])),
			      "reject %zu: %.*s", i, (int)(nl - p), p);
		ck_assert_msg(!strncmp(nl - strlen(why[i]), why[i], strlen(why[i])), "reject %zu: %.*s",
			      i, (int)(nl - p), p);
		p = nl + 1;
	}
	ck_assert_str_eq(p, "");
	run_free(&r);
	promstat_catalogue_free(cat);
}
END_TEST

/* The validate summary of the same file, counted by hand. */
START_TEST(test_validate_summary)
{
	promstat_catalogue *cat = test_catalogue();
	run r = read_file("tests/data/registry-small.csv", cat, NULL, 0);
	promstat_validate_summary *s = NULL;
	promstat_error err;

	ck_assert_int_eq(r.status, PROMSTAT_OK);
	ck_assert_int_eq(promstat_validate_summarize(r.reg, &s, &err), PROMSTAT_OK);
	ck_assert_uint_eq(s->counts.rows_read, 22);
	ck_assert_uint_eq(s->units, 5);
	ck_assert_uint_eq(s->patients, 4);
	ck_assert_uint_eq(s->observations, 15);
	/* therapies by name: HA (P1/R, P2), MSC (P3), PRP (P1/L, P4) */
	ck_assert_uint_eq(s->n_therapies, 3);
	ck_assert_str_eq(s->therapies[0].therapy, "HA");
	ck_assert_uint_eq(s->therapies[0].units, 2);
	ck_assert_str_eq(s->therapies[1].therapy, "MSC");
	ck_assert_uint_eq(s->therapies[1].units, 1);
	ck_assert_str_eq(s->therapies[2].therapy, "PRP");
	ck_assert_uint_eq(s->therapies[2].units, 2);
	/* instruments in catalogue order, observed only (no WOMAC_FUNCTION) */
	ck_assert_uint_eq(s->n_instruments, 3);
	/* PAIN_NRS: lines 2,4,5,7,8,9,10,17,23 = 9 obs; units P1/L, P1/R, P2, P4;
	 * baseline in -90..0: P1/L (-7), P1/R (0), P4 (0), not P2 (-100) = 3;
	 * windows: 42 (28..56) day 42 (57 is out); 90 (60..120) days 90 and
	 * 120; 180 (135..225) day 180. */
	ck_assert_str_eq(s->instruments[0].code, "PAIN_NRS");
	ck_assert_uint_eq(s->instruments[0].observations, 9);
	ck_assert_uint_eq(s->instruments[0].units, 4);
	ck_assert_uint_eq(s->instruments[0].baseline_units, 3);
	ck_assert_uint_eq(s->instruments[0].window_obs[0], 1);
	ck_assert_uint_eq(s->instruments[0].window_obs[1], 2);
	ck_assert_uint_eq(s->instruments[0].window_obs[2], 1);
	ck_assert_uint_eq(s->instruments[0].window_obs[3], 0);
	ck_assert_uint_eq(s->instruments[0].window_obs[4], 0);
	/* KOOS_PAIN: P1/L days -7 and 28 (the 42-day window's lower edge) */
	ck_assert_str_eq(s->instruments[1].code, "KOOS_PAIN");
	ck_assert_uint_eq(s->instruments[1].observations, 2);
	ck_assert_uint_eq(s->instruments[1].units, 1);
	ck_assert_uint_eq(s->instruments[1].baseline_units, 1);
	ck_assert_uint_eq(s->instruments[1].window_obs[0], 1);
	/* EQ5D_INDEX: P2 365; P3 0, 730, 820 (the 730-day window's upper edge) */
	ck_assert_str_eq(s->instruments[2].code, "EQ5D_INDEX");
	ck_assert_uint_eq(s->instruments[2].observations, 4);
	ck_assert_uint_eq(s->instruments[2].units, 2);
	ck_assert_uint_eq(s->instruments[2].baseline_units, 1);
	ck_assert_uint_eq(s->instruments[2].window_obs[3], 1);
	ck_assert_uint_eq(s->instruments[2].window_obs[4], 2);
	ck_assert_uint_eq(s->window_obs[0], 2);
	ck_assert_uint_eq(s->window_obs[1], 2);
	ck_assert_uint_eq(s->window_obs[2], 1);
	ck_assert_uint_eq(s->window_obs[3], 1);
	ck_assert_uint_eq(s->window_obs[4], 2);
	promstat_validate_summary_free(s);
	promstat_validate_summary_free(NULL);
	ck_assert_int_eq(promstat_validate_summarize(NULL, &s, &err), PROMSTAT_EINVAL);
	ck_assert_ptr_null(s);
	run_free(&r);
	promstat_catalogue_free(cat);
}
END_TEST

/* Window edges: 42+/-14 is 28..56 inclusive, baseline -90..0 inclusive. */
START_TEST(test_window_edges)
{
	promstat_catalogue *cat = test_catalogue();
	run r = read_string("patient_id,therapy,day,instrument,score\n"
			    "A,X,-91,PAIN_NRS,1\nA,X,27,PAIN_NRS,1\nA,X,28,PAIN_NRS,1\n"
			    "A,X,56,PAIN_NRS,1\nA,X,57,PAIN_NRS,1\nA,X,59,PAIN_NRS,1\n"
			    "A,X,60,PAIN_NRS,1\nA,X,120,PAIN_NRS,1\nA,X,121,PAIN_NRS,1\n"
			    "A,X,134,PAIN_NRS,1\nA,X,225,PAIN_NRS,1\nA,X,304,PAIN_NRS,1\n"
			    "A,X,425,PAIN_NRS,1\nA,X,639,PAIN_NRS,1\nA,X,640,PAIN_NRS,1\n"
			    "A,X,821,PAIN_NRS,1\n"
			    "B,X,-90,PAIN_NRS,1\nC,X,1,PAIN_NRS,1\nD,X,0,PAIN_NRS,1\nD,X,-5,PAIN_NRS,1\n",
			    cat, NULL, 0);
	promstat_validate_summary *s;
	promstat_error err;

	ck_assert_int_eq(r.status, PROMSTAT_OK);
	ck_assert_int_eq(promstat_validate_summarize(r.reg, &s, &err), PROMSTAT_OK);
	/* 28, 56 | 60, 120 | 225 | 425 | 640 */
	ck_assert_uint_eq(s->window_obs[0], 2);
	ck_assert_uint_eq(s->window_obs[1], 2);
	ck_assert_uint_eq(s->window_obs[2], 1);
	ck_assert_uint_eq(s->window_obs[3], 1);
	ck_assert_uint_eq(s->window_obs[4], 1);
	/* baseline: B (-90) and D (two rows, counted once); not A (-91), C (1) */
	ck_assert_uint_eq(s->instruments[0].baseline_units, 2);
	ck_assert_uint_eq(s->instruments[0].units, 4);
	promstat_validate_summary_free(s);
	run_free(&r);
	promstat_catalogue_free(cat);
}
END_TEST

START_TEST(test_dates_and_case)
{
	/* registry-dates.csv: BOM, CRLF, shuffled mixed-case header, days from
	 * date - treatment_date: A1 2024-01-10 - 2024-01-15 = -5;
	 * 2024-02-26 = 16 (rest of January) + 26 = 42; 2024-04-14 = 16 + 29
	 * (leap February) + 31 + 14 = 90; A2 2023-03-01 - 2023-02-28 = 1. */
	promstat_catalogue *cat = test_catalogue();
	run r = read_file("tests/data/registry-dates.csv", cat, NULL, 0);
	const promstat_registry *reg = r.reg;

	ck_assert_msg(r.status == PROMSTAT_OK, "%s", r.err.message);
	ck_assert_uint_eq(reg->counts.rows_read, 6);
	ck_assert_uint_eq(reg->counts.rows_accepted, 4);
	ck_assert_uint_eq(reg->counts.by_reason[PROMSTAT_REJECT_NOT_DATE], 2);
	ck_assert_uint_eq(reg->n_obs, 4);
	ck_assert_int_eq(reg->obs[0].day, -5);
	ck_assert_int_eq(reg->obs[1].day, 42);
	ck_assert_int_eq(reg->obs[2].day, 90);
	ck_assert_int_eq(reg->obs[3].day, 1);
	ck_assert_uint_eq(reg->n_extra, 1);
	ck_assert_str_eq(reg->extra_names[0], "Note");
	ck_assert_str_eq(str(reg, reg->extra[0]), "baseline, before");
	/* the second row's field spans lines 3-4, so rows after it are 5.. */
	ck_assert_str_eq(r.diag,
			 "tests/data/registry-dates.csv:7:5: date \"2023-02-29\" is not a real date "
			 "(no such day) [not_a_date]\n"
			 "tests/data/registry-dates.csv:8:6: treatment_date \"28/02/2023\" is not "
			 "written YYYY-MM-DD: give --date-format DMY (day/month/year) or MDY "
			 "(month/day/year) to read it [not_a_date]\n");
	run_free(&r);
	promstat_catalogue_free(cat);
}
END_TEST

START_TEST(test_map)
{
	static const char *const map[] = { "patient_id=Patient", "THERAPY=tx", "day=Visit_Day",
					   "instrument=PROM", "score=value" };
	promstat_catalogue *cat = test_catalogue();
	promstat_ingest_options opt;
	run r;

	memset(&opt, 0, sizeof opt);
	/* without the map the file has no patient_id */
	r = read_file("tests/data/registry-mapped.csv", cat, &opt, 0);
	ck_assert_int_eq(r.status, PROMSTAT_EDATA);
	ck_assert_uint_eq(r.err.line, 1);
	/* all four at once, with the headers and the --map that would read them */
	ck_assert_str_eq(r.err.message,
			 "missing required columns patient_id, therapy, instrument, score; the "
			 "header has 'Patient', 'PROM', 'value': e.g. --map patient_id=Patient "
			 "--map instrument=PROM --map score=value");
	run_free(&r);

	opt.map = map;
	opt.nmap = 5;
	r = read_file("tests/data/registry-mapped.csv", cat, &opt, 0);
	ck_assert_msg(r.status == PROMSTAT_OK, "%s", r.err.message);
	ck_assert_uint_eq(r.reg->n_units, 2);
	ck_assert_uint_eq(r.reg->n_obs, 3);
	/* visit_day, not the file's own "day" column (999), gives the day */
	ck_assert_int_eq(r.reg->obs[0].day, 0);
	ck_assert_int_eq(r.reg->obs[1].day, 42);
	ck_assert(r.reg->obs[2].score == 50.5);
	/* ... which becomes a user stratum */
	ck_assert_uint_eq(r.reg->n_extra, 1);
	ck_assert_str_eq(r.reg->extra_names[0], "day");
	ck_assert_str_eq(str(r.reg, r.reg->extra[0]), "999");
	ck_assert_str_eq(str(r.reg, r.reg->extra[1]), "7");
	run_free(&r);
	check_chunk_invariance("tests/data/registry-mapped.csv", cat, &opt);

	/* malformed maps are usage errors */
	{
		static const char *const bad[][1] = { { "patient_id" }, { "=x" }, { "day=" },
						      { "dose=x" } };
		size_t i;
		for (i = 0; i < 4; i++) {
			opt.map = bad[i];
			opt.nmap = 1;
			r = read_file("tests/data/registry-mapped.csv", cat, &opt, 0);
			ck_assert_int_eq(r.status, PROMSTAT_EINVAL);
			run_free(&r);
		}
	}
	{
		static const char *const same[] = { "day=visit_day", "score=Visit_Day" };
		opt.map = same;
		opt.nmap = 2;
		r = read_file("tests/data/registry-mapped.csv", cat, &opt, 0);
		ck_assert_int_eq(r.status, PROMSTAT_EINVAL);
		run_free(&r);
	}
	{
		static const char *const twice[] = { "day=a", "Day=b" };
		opt.map = twice;
		opt.nmap = 2;
		r = read_file("tests/data/registry-mapped.csv", cat, &opt, 0);
		ck_assert_int_eq(r.status, PROMSTAT_EINVAL);
		run_free(&r);
	}
	{
		static const char *const absent[] = { "therapy=treatment" };
		opt.map = absent;
		opt.nmap = 1;
		r = read_file("tests/data/registry-small.csv", cat, &opt, 0);
		ck_assert_int_eq(r.status, PROMSTAT_EDATA);
		ck_assert_str_eq(r.err.message,
				 "--map therapy=treatment: the header has no column \"treatment\"");
		run_free(&r);
	}
	promstat_catalogue_free(cat);
}
END_TEST

START_TEST(test_strict)
{
	promstat_catalogue *cat = test_catalogue();
	promstat_ingest_options opt;
	run r;

	memset(&opt, 0, sizeof opt);
	opt.strict = 1;
	r = read_file("tests/data/registry-small.csv", cat, &opt, 0);
	/* the first reject (line 15) stops the run, returned, not reported */
	ck_assert_int_eq(r.status, PROMSTAT_EDATA);
	ck_assert_str_eq(r.err.file, "tests/data/registry-small.csv");
	ck_assert_uint_eq(r.err.line, 15);
	ck_assert_uint_eq(r.err.column, 2);
	ck_assert(strstr(r.err.message, "therapy \"PRP\" differs") != NULL);
	ck_assert_str_eq(r.diag, "");
	run_free(&r);
	/* a clean file passes under strict */
	r = read_string("patient_id,therapy,day,instrument,score\nA,X,0,PAIN_NRS,1\n", cat, &opt, 0);
	ck_assert_int_eq(r.status, PROMSTAT_OK);
	run_free(&r);
	check_chunk_invariance("tests/data/registry-small.csv", cat, &opt);
	promstat_catalogue_free(cat);
}
END_TEST

/*
 * Stopping early on a large regular file: the reading thread is then
 * chunks ahead (or waiting for a free one) and must be stopped and joined,
 * with nothing leaked (the sanitizer builds check) and the right error.
 * The bad row is line 1001 of about 3 MB; a second bad row near the end
 * must never be reached.
 */
START_TEST(test_strict_stops_the_reader)
{
	promstat_catalogue *cat = test_catalogue();
	promstat_ingest_options opt;
	promstat_registry *reg = NULL;
	promstat_error err;
	FILE *in = tmpfile();
	int i;

	ck_assert_ptr_nonnull(in);
	fputs("patient_id,therapy,day,instrument,score\n", in);
	for (i = 2; i <= 100000; i++)
		fprintf(in, "P%d,PRP,%d,PAIN_NRS,%s\n", i / 10, i % 10, i == 1001 || i == 99990 ? "11" : "5");
	rewind(in);
	memset(&opt, 0, sizeof opt);
	opt.strict = 1;
	ck_assert_int_eq(promstat_registry_read(in, "big.csv", cat, &opt, &reg, &err), PROMSTAT_EDATA);
	ck_assert_ptr_null(reg);
	ck_assert_uint_eq(err.line, 1001);
	ck_assert_uint_eq(err.column, 5);
	ck_assert(strstr(err.message, "outside PAIN_NRS's range") != NULL);
	fclose(in);
	promstat_catalogue_free(cat);
}
END_TEST

/* One row per reason, each rejected with the right column. */
START_TEST(test_every_reason)
{
	static const struct {
		const char *row;
		int reason;
		unsigned long column;
	} cases[] = {
		{ "A,X,0,PAIN_NRS", PROMSTAT_REJECT_FIELD_COUNT, 5 },
		{ "A,X,0,PAIN_NRS,1,50,,", PROMSTAT_REJECT_FIELD_COUNT, 7 },
		{ "A,,0,PAIN_NRS,1,50", PROMSTAT_REJECT_MISSING, 2 },
		{ "A,X,,PAIN_NRS,1,50", PROMSTAT_REJECT_MISSING, 3 },
		{ "A,X,0,,1,50", PROMSTAT_REJECT_MISSING, 4 },
		{ "A,X,0,PAIN_NRS,,50", PROMSTAT_REJECT_MISSING, 5 },
		{ "A,X,0,PAIN_NRS,\"1,5\",50", PROMSTAT_REJECT_NOT_NUMBER, 5 },
		{ "A,X,0,PAIN_NRS, 3,50", PROMSTAT_REJECT_NOT_NUMBER, 5 },
		{ "A,X,0,PAIN_NRS,3x,50", PROMSTAT_REJECT_NOT_NUMBER, 5 },
		{ "A,X,0,PAIN_NRS,nan,50", PROMSTAT_REJECT_NOT_NUMBER, 5 },
		{ "A,X,0,PAIN_NRS,inf,50", PROMSTAT_REJECT_NOT_NUMBER, 5 },
		{ "A,X,0,PAIN_NRS,0x10,50", PROMSTAT_REJECT_NOT_NUMBER, 5 },
		{ "A,X,0,PAIN_NRS,1e999,50", PROMSTAT_REJECT_NOT_NUMBER, 5 },
		{ "A,X,0.5,PAIN_NRS,1,50", PROMSTAT_REJECT_NOT_NUMBER, 3 },
		{ "A,X,99999999999999999999,PAIN_NRS,1,50", PROMSTAT_REJECT_NOT_NUMBER, 3 },
		{ "A,X,0,PAIN_NRS,-0.5,50", PROMSTAT_REJECT_OUT_OF_RANGE, 5 },
		{ "A,X,0,PAIN_NRS,10.01,50", PROMSTAT_REJECT_OUT_OF_RANGE, 5 },
		{ "A,X,0,EQ5D_INDEX,-0.6,50", PROMSTAT_REJECT_OUT_OF_RANGE, 5 },
		{ "A,X,36526,PAIN_NRS,1,50", PROMSTAT_REJECT_OUT_OF_RANGE, 3 },
		{ "A,X,0,PAIN_NSR,1,50", PROMSTAT_REJECT_UNKNOWN_INSTRUMENT, 4 },
		{ "A,  ,0,PAIN_NRS,1,50", PROMSTAT_REJECT_MISSING, 2 },
	};
	promstat_catalogue *cat = test_catalogue();
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		char buf[256];
		run r;
		snprintf(buf, sizeof buf, "patient_id,therapy,day,instrument,score,age\n%s\n",
			 cases[i].row);
		r = read_string(buf, cat, NULL, 0);
		ck_assert_int_eq(r.status, PROMSTAT_OK);
		ck_assert_msg(r.reg->counts.rows_rejected == 1 &&
				      r.reg->counts.by_reason[cases[i].reason] == 1,
			      "%s: %s", cases[i].row, r.diag);
		snprintf(buf, sizeof buf, "t.csv:2:%lu: ", cases[i].column);
		ck_assert_msg(!strncmp(r.diag, buf, strlen(buf)), "%s: %s", cases[i].row, r.diag);
		ck_assert_uint_eq(r.reg->n_units, 0); /* a rejected row makes no unit */
		run_free(&r);
	}
	ck_assert_str_eq(promstat_reject_reason_name(PROMSTAT_REJECT_DUPLICATE), "duplicate");
	ck_assert_str_eq(promstat_reject_reason_name(-1), "unknown");
	ck_assert_str_eq(promstat_reject_reason_name(PROMSTAT_REJECT_NREASONS), "unknown");
	promstat_catalogue_free(cat);
}
END_TEST

/* Optional columns: ae, satisfied, anchor, episode, and the empty-age rule. */
START_TEST(test_units)
{
	promstat_catalogue *cat = test_catalogue();
	run r = read_string(
		"episode,satisfied,ae,anchor,age,score,instrument,day,therapy,patient_id\n"
		"1,,,,,5,PAIN_NRS,0,PRP,A\n"   /* unit A/1, age unknown yet */
		"1,1,,3,60,4,PAIN_NRS,42,PRP,A\n" /* age 60 set */
		"1,0,,,,4,PAIN_NRS,90,PRP,A\n"  /* empty age agrees */
		"1,,,,61,4,PAIN_NRS,180,PRP,A\n" /* 61 disagrees: age ignored, row kept */
		"2,,,,61,4,PAIN_NRS,0,HA,A\n"	 /* other episode: own unit */
		"1,,rash,,,4,PAIN_NRS,0,PRP,A\n" /* duplicate day 0: rejected, ae not kept */
		"1,2,,,,4,PAIN_NRS,365,PRP,A\n"	 /* satisfied 2: ignored, row kept */
		"1,,,,60.0,4,KOOS_PAIN,0,PRP,A\n", /* 60.0 == 60: same age */
		cat, NULL, 0);
	const promstat_registry *reg = r.reg;

	ck_assert_int_eq(r.status, PROMSTAT_OK);
	ck_assert_uint_eq(reg->counts.rows_read, 8);
	ck_assert_uint_eq(reg->counts.rows_accepted, 7);
	ck_assert_uint_eq(reg->counts.by_reason[PROMSTAT_REJECT_DUPLICATE], 1);
	ck_assert_uint_eq(reg->counts.rows_rejected, 1);
	/* 1 then 0: a conflict, reported; the last is the unit's */
	ck_assert_uint_eq(reg->report.conflicts_satisfied, 1);
	ck_assert_uint_eq(reg->report.values_ignored, 2);
	ck_assert_uint_eq(reg->n_units, 2);
	ck_assert_uint_eq(reg->n_patients, 1);
	ck_assert(reg->units[0].age == 60);
	ck_assert_int_eq(reg->units[0].satisfied, 0); /* the last non-empty */
	ck_assert_int_eq(reg->units[0].ae, 0);
	ck_assert(reg->units[1].age == 61);
	ck_assert_str_eq(str(reg, reg->units[1].therapy), "HA");
	ck_assert_int_eq(reg->obs[1].anchor, 3);
	ck_assert_uint_eq(reg->n_extra, 0);
	ck_assert(strstr(r.diag, "t.csv:5:5: age 61 differs from 60") != NULL);
	ck_assert(strstr(r.diag, "t.csv:7:7: PAIN_NRS on day 0 for this patient and episode was "
				 "already recorded on line 2") != NULL);
	ck_assert(strstr(r.diag, "t.csv:8:2: satisfied \"2\"") != NULL);
	run_free(&r);
	promstat_catalogue_free(cat);
}
END_TEST

START_TEST(test_structural)
{
	promstat_catalogue *cat = test_catalogue();
	static const struct {
		const char *data;
		int status;
		unsigned long line, column;
		const char *msg;
	} cases[] = {
		{ "", PROMSTAT_EDATA, 1, 0, "the file is empty" },
		{ "\n\n", PROMSTAT_EDATA, 1, 0, "the file is empty" },
		{ "patient_id,therapy,day,instrument\n", PROMSTAT_EDATA, 1, 0,
		  "missing required column score (the header names none of them" },
		{ "patient,therapy,instrument\n", PROMSTAT_EDATA, 1, 0,
		  "missing required columns patient_id, day (or date and treatment_date), score; "
		  "the header has 'patient': e.g. --map patient_id=patient" },
		{ "id,Treatment,Visit Date,Questionnaire,Value,Injection date\n", PROMSTAT_EDATA, 1,
		  0,
		  "missing required columns patient_id, therapy, day (or date and treatment_date), "
		  "instrument, score; the header has 'id', 'Treatment', 'Visit Date', 'Injection "
		  "date', 'Questionnaire', 'Value': e.g. --map patient_id=id --map therapy=Treatment "
		  "--map date='Visit Date' --map treatment_date='Injection date' --map "
		  "instrument=Questionnaire --map score=Value" },
		{ "PATIENT_ID,therapy,DAY,instrument,score,patient_id\n", PROMSTAT_EDATA, 1, 6,
		  "column \"patient_id\" appears twice in the header (also column 1)" },
		{ "patient_id,therapy,day,instrument,score,\n", PROMSTAT_EDATA, 1, 6,
		  "column 6 has no name" },
		{ "patient_id,therapy,date,instrument,score\n", PROMSTAT_EDATA, 1, 0,
		  "missing required column treatment_date (or day)" },
		{ "patient_id,therapy,day,instrument,score\nA,X,0,PAIN_NRS,\"1\n", PROMSTAT_EDATA, 2,
		  5, "unterminated quoted field" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		run r = read_string(cases[i].data, cat, NULL, 0);
		ck_assert_int_eq(r.status, cases[i].status);
		ck_assert_uint_eq(r.err.line, cases[i].line);
		ck_assert_uint_eq(r.err.column, cases[i].column);
		ck_assert_msg(strstr(r.err.message, cases[i].msg) != NULL, "%s", r.err.message);
		run_free(&r);
	}
	/* a header alone is a valid, empty registry */
	{
		run r = read_string("patient_id,therapy,day,instrument,score\n", cat, NULL, 0);
		ck_assert_int_eq(r.status, PROMSTAT_OK);
		ck_assert_uint_eq(r.reg->n_units, 0);
		ck_assert_uint_eq(r.reg->unit_start[0], 0);
		run_free(&r);
	}
	/* bad arguments */
	{
		promstat_registry *reg = (promstat_registry *)1;
		promstat_error err;
		ck_assert_int_eq(promstat_registry_read(NULL, "x", cat, NULL, &reg, &err),
				 PROMSTAT_EINVAL);
		ck_assert_ptr_null(reg);
		ck_assert_ptr_null(promstat_registry_counts(NULL));
		promstat_registry_free(NULL);
	}
	promstat_catalogue_free(cat);
}
END_TEST

START_TEST(test_rejects_unwritable)
{
	promstat_catalogue *cat = test_catalogue();
	promstat_ingest_options opt;
	promstat_registry *reg = NULL;
	promstat_error err;
	char name[] = "/tmp/promstat-rejXXXXXX";
	int fd = mkstemp(name);
	FILE *in = tmpfile(), *ro;

	ck_assert(fd >= 0 && in);
	close(fd);
	ro = fopen(name, "r"); /* every write to it fails */
	ck_assert_ptr_nonnull(ro);
	setvbuf(ro, NULL, _IONBF, 0);
	fputs("patient_id,therapy,day,instrument,score\nA,X,0,PAIN_NRS,11\n", in);
	rewind(in);
	memset(&opt, 0, sizeof opt);
	opt.rejects = ro;
	ck_assert_int_eq(promstat_registry_read(in, "t.csv", cat, &opt, &reg, &err),
			 PROMSTAT_EWRITE);
	ck_assert_ptr_null(reg);
	fclose(ro);
	fclose(in);
	unlink(name);
	promstat_catalogue_free(cat);
}
END_TEST

/* Files under dir whose names start with prefix and end in .csv, sorted. */
static size_t list_csv(const char *dir, const char *prefix, char names[][256], size_t max)
{
	DIR *d = opendir(path_of(dir));
	struct dirent *e;
	size_t n = 0, i, j;

	ck_assert_msg(d != NULL, "cannot list %s", dir);
	while ((e = readdir(d)) && n < max) {
		size_t len = strlen(e->d_name);
		if (strncmp(e->d_name, prefix, strlen(prefix)) || len < 4 ||
		    strcmp(e->d_name + len - 4, ".csv"))
			continue;
		if (strlen(dir) + len + 2 > 256)
			continue;
		memcpy(names[n], dir, strlen(dir));
		names[n][strlen(dir)] = '/';
		memcpy(names[n] + strlen(dir) + 1, e->d_name, len + 1);
		n++;
	}
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char t[256];
			memcpy(t, names[j], 256);
			memcpy(names[j], names[j - 1], 256);
			memcpy(names[j - 1], t, 256);
		}
	return n;
}


/* The key value lines of what ingest made of a file (the form of
 * tests/data/registry-messy.expected), sorted, into out. */
static void report_lines(const promstat_validate_summary *sm, FILE *out)
{
	const promstat_ingest_report *rp = sm->report;
	size_t i;
	int r;

	fprintf(out, "rows_read %zu\nrows_accepted %zu\nrows_rejected %zu\n", sm->counts.rows_read,
		sm->counts.rows_accepted, sm->counts.rows_rejected);
	for (r = 0; r < PROMSTAT_REJECT_NREASONS; r++)
		fprintf(out, "rejected_by_reason.%s %zu\n", promstat_reject_reason_name(r),
			sm->counts.by_reason[r]);
	fprintf(out, "units %zu\npatients %zu\nvalues_ignored %zu\n", sm->units, sm->patients,
		rp->values_ignored);
	for (i = 0; i < rp->n_ignored; i++)
		fprintf(out, "values_ignored.%s.%s %zu\n", rp->ignored[i].column,
			promstat_ignore_reason_name(rp->ignored[i].reason), rp->ignored[i].count);
	fprintf(out, "merged_levels %zu\n", rp->n_merged);
	for (i = 0; i < rp->n_merged; i++)
		fprintf(out, "merged_levels.%s.%s.[%s] %zu\n", rp->merged[i].column,
			rp->merged[i].level, rp->merged[i].spelling, rp->merged[i].rows);
	fprintf(out, "recodes_unused %zu\n", rp->n_recodes_unused);
	for (i = 0; i < rp->n_recodes_unused; i++)
		fprintf(out, "recodes_unused.%s 1\n", rp->recodes_unused[i]);
	fprintf(out, "patients_all_rejected %zu\n", rp->patients_all_rejected);
	for (i = 0; i < rp->n_patients_listed; i++)
		fprintf(out, "patients_all_rejected.%s 1\n", rp->patients_listed[i]);
	fprintf(out, "units_all_rejected %zu\n", rp->units_all_rejected);
	fprintf(out, "units_without_baseline %zu\n", sm->units_without_baseline);
	for (i = 0; i < sm->n_no_baseline_listed; i++)
		fprintf(out, "units_without_baseline.%s 1\n", sm->no_baseline_listed[2 * i]);
	fprintf(out, "units_without_followup %zu\n", sm->units_without_followup);
	for (i = 0; i < sm->n_no_followup_listed; i++)
		fprintf(out, "units_without_followup.%s 1\n", sm->no_followup_listed[2 * i]);
	fprintf(out, "ae_codes %zu\n", rp->n_ae_codes);
	for (i = 0; i < rp->n_ae_codes; i++)
		fprintf(out, "ae_codes.%s %zu\n", rp->ae_codes[i].value, rp->ae_codes[i].rows);
	for (i = 0; i < rp->n_sex_other; i++)
		fprintf(out, "sex_other.%s %zu\n", rp->sex_other[i].value, rp->sex_other[i].rows);
	for (i = 0; i < sm->n_therapies; i++)
		fprintf(out, "therapy_units.%s %zu\n", sm->therapies[i].therapy, sm->therapies[i].units);
	fprintf(out, "unit_conflicts.satisfied %zu\nunit_conflicts.treatment_date %zu\n",
		rp->conflicts_satisfied, rp->conflicts_treatment_date);
	fprintf(out, "encoding.windows-1252 %d\nencoding.bytes_replaced %zu\n",
		!strcmp(rp->encoding, "windows-1252"), rp->bytes_replaced);
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits text into its lines (in place), sorted. */
static size_t sorted_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;
	char *p = text, *nl;

	while (*p && n < max) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		lines[n++] = p;
		if (!nl)
			break;
		p = nl + 1;
	}
	qsort(lines, n, sizeof *lines, line_cmp);
	return n;
}

/*
 * The messy extract (tests/data/gen-messy.py): every key of what the
 * script says promstat must make of it, compared one by one with what it
 * made, with the options the script names; and the same at every chunk
 * size.
 */
START_TEST(test_messy_extract)
{
	promstat_catalogue *cat = test_catalogue();
	promstat_ingest_options opt;
	promstat_validate_summary *sm = NULL;
	promstat_error err;
	const char *args[32], *map[8], *recode[8];
	size_t nargs = 0, nmap = 0, nrecode = 0, i, ne, na;
	char *exp_lines[256], *act_lines[256], *expected, *actual, *p;
	FILE *f = fopen(path_of("tests/data/registry-messy.expected"), "rb"), *out;
	run r;
	long n;

	ck_assert_ptr_nonnull(f);
	expected = slurp_stream_at(f);
	fclose(f);
	/* the first line: the options, tab-separated */
	ck_assert(!strncmp(expected, "options ", 8));
	p = expected + 8;
	args[nargs++] = p;
	for (; *p != '\n'; p++)
		if (*p == '\t') {
			*p = '\0';
			args[nargs++] = p + 1;
		}
	*p++ = '\0';
	memset(&opt, 0, sizeof opt);
	for (i = 0; i + 1 < nargs; i += 2) {
		if (!strcmp(args[i], "--map"))
			map[nmap++] = args[i + 1];
		else if (!strcmp(args[i], "--recode"))
			recode[nrecode++] = args[i + 1];
		else if (!strcmp(args[i], "--date-format"))
			opt.date_format = !strcmp(args[i + 1], "DMY") ? PROMSTAT_DATE_DMY
									: PROMSTAT_DATE_MDY;
		else
			ck_abort_msg("unknown option %s", args[i]);
	}
	opt.map = map;
	opt.nmap = nmap;
	opt.recode = recode;
	opt.nrecode = nrecode;

	r = read_file("tests/data/registry-messy.csv", cat, &opt, 0);
	ck_assert_msg(r.status == PROMSTAT_OK, "%s", r.err.message);
	ck_assert_int_eq(promstat_validate_summarize(r.reg, &sm, &err), PROMSTAT_OK);
	out = tmpfile();
	report_lines(sm, out);
	fflush(out);
	n = ftell(out);
	rewind(out);
	actual = malloc((size_t)n + 1);
	ck_assert_uint_eq(fread(actual, 1, (size_t)n, out), (size_t)n);
	actual[n] = '\0';
	fclose(out);
	ne = sorted_lines(p, exp_lines, 256);
	na = sorted_lines(actual, act_lines, 256);
	for (i = 0; i < ne && i < na; i++)
		ck_assert_msg(!strcmp(exp_lines[i], act_lines[i]), "expected '%s', got '%s'",
			      exp_lines[i], act_lines[i]);
	ck_assert_uint_eq(ne, na);
	/* the true adverse-event rate: units with a real event code */
	{
		size_t with_ae = 0;
		for (i = 0; i < r.reg->n_units; i++)
			with_ae += r.reg->units[i].ae;
		ck_assert_uint_eq(with_ae, 3); /* P01 effusion, P03 Effusion, P05 flare */
	}
	promstat_validate_summary_free(sm);
	free(actual);
	run_free(&r);
	check_chunk_invariance("tests/data/registry-messy.csv", cat, &opt);
	free(expected); /* the options point into it */
	promstat_catalogue_free(cat);
}
END_TEST

/* The two encodings' files (tests/data/gen-messy.py): valid UTF-8 out. */
START_TEST(test_encodings)
{
	promstat_catalogue *cat = test_catalogue();
	promstat_ingest_options opt;
	run r;
	const char *site;

	memset(&opt, 0, sizeof opt);
	r = read_file("tests/data/registry-cp1252.csv", cat, &opt, 0);
	ck_assert_int_eq(r.status, PROMSTAT_OK);
	ck_assert_str_eq(r.reg->report.encoding, "windows-1252");
	ck_assert_int_eq(r.reg->report.encoding_guessed, 1);
	ck_assert_uint_eq(r.reg->report.bytes_replaced, 0);
	site = ps_strpool_get(r.reg->pool, r.reg->units[0].site);
	ck_assert_str_eq(site, "Z\xc3\xbcrich");
	/* the en dash, 0x96 in Windows-1252, is U+2013 */
	ck_assert_str_eq(ps_strpool_get(r.reg->pool, r.reg->units[1].provider),
			 "Dr Fran\xc3\xa7oise \xe2\x80\x93 Lef\xc3\xa8vre");
	run_free(&r);

	/* told it is UTF-8: the same bytes are each U+FFFD */
	opt.encoding = PROMSTAT_ENCODING_UTF8;
	r = read_file("tests/data/registry-cp1252.csv", cat, &opt, 0);
	ck_assert_int_eq(r.status, PROMSTAT_OK);
	ck_assert_str_eq(r.reg->report.encoding, "utf-8");
	/* twice each: Z\xfcrich, M\xfcller, Gen\xe8ve 1 byte, Fran\xe7oise \x96 Lef\xe8vre 3 */
	ck_assert_uint_eq(r.reg->report.bytes_replaced, 2 * 1 + 2 * 1 + 2 * 1 + 2 * 3);
	ck_assert_str_eq(ps_strpool_get(r.reg->pool, r.reg->units[0].site), "Z\xef\xbf\xbdrich");
	run_free(&r);

	/* not UTF-8, and not Windows-1252 either (0x81): replaced, counted */
	opt.encoding = PROMSTAT_ENCODING_AUTO;
	r = read_file("tests/data/registry-bad-utf8.csv", cat, &opt, 0);
	ck_assert_int_eq(r.status, PROMSTAT_OK);
	ck_assert_str_eq(r.reg->report.encoding, "utf-8");
	ck_assert_int_eq(r.reg->report.encoding_guessed, 0);
	ck_assert_uint_eq(r.reg->report.bytes_replaced, 2); /* 0xFF and 0x81 */
	ck_assert_str_eq(ps_strpool_get(r.reg->pool, r.reg->units[1].site), "Gen\xef\xbf\xbdve");
	ck_assert_str_eq(ps_strpool_get(r.reg->pool, r.reg->units[0].provider),
			 "Dr \xef\xbf\xbdM\xc3\xbcller");
	run_free(&r);
	opt.encoding = PROMSTAT_ENCODING_WINDOWS1252;
	check_chunk_invariance("tests/data/registry-bad-utf8.csv", cat, &opt);
	promstat_catalogue_free(cat);
}
END_TEST

START_TEST(test_fixtures_every_chunk)
{
	static char names[64][256];
	promstat_catalogue *cat = test_catalogue();
	size_t n = list_csv("tests/data", "registry-", names, 64), i;

	ck_assert(n >= 3);
	for (i = 0; i < n; i++)
		check_chunk_invariance(names[i], cat, NULL);
	promstat_catalogue_free(cat);
}
END_TEST

/*
 * The malformed corpus: each NAME.csv read at every chunk size gives one
 * result, and its first diagnostic (the error, or the first rejected row)
 * and exit code are those in NAME.expected ("exit N" then the CLI's stderr).
 */
START_TEST(test_malformed_corpus)
{
	static char names[128][256];
	promstat_catalogue *cat = test_catalogue();
	size_t n = list_csv("tests/malformed", "", names, 128), i;

	ck_assert(n >= 20);
	for (i = 0; i < n; i++) {
		char exp_path[300], line1[64], line2[2048], buf[1200];
		FILE *f;
		run r;
		int code;

		check_chunk_invariance(names[i], cat, NULL);
		snprintf(exp_path, sizeof exp_path, "%.*s.expected", (int)strlen(names[i]) - 4,
			 names[i]);
		f = fopen(path_of(exp_path), "r");
		ck_assert_msg(f != NULL, "no %s", exp_path);
		ck_assert(fgets(line1, sizeof line1, f) && fgets(line2, sizeof line2, f));
		fclose(f);
		line2[strcspn(line2, "\n")] = '\0';
		r = read_file(names[i], cat, NULL, 0);
		code = r.status == PROMSTAT_OK ? 0 : r.status == PROMSTAT_EDATA ? 65 : 70;
		/* validate fails a file of which no row is accepted */
		if (!r.status && !r.reg->counts.rows_accepted)
			code = 65;
		snprintf(buf, sizeof buf, "exit %d\n", code);
		ck_assert_msg(!strcmp(line1, buf), "%s: %s", names[i], buf);
		if (r.status)
			promstat_error_format(&r.err, buf, sizeof buf);
		else if (!*r.diag && !r.reg->counts.rows_read) /* validate's own sentence */
			snprintf(buf, sizeof buf, "%s: the file has a header but no rows", names[i]);
		else if (!*r.diag && r.reg->report.n_notes) /* validate shows the notes */
			snprintf(buf, sizeof buf, "promstat: note: %s", r.reg->report.notes[0]);
		else
			snprintf(buf, sizeof buf, "%.*s", (int)strcspn(r.diag, "\n"), r.diag);
		if (!r.status && *r.diag) { /* drop the " [reason]" this test appends */
			char *br = strrchr(buf, '[');
			ck_assert_ptr_nonnull(br);
			br[-1] = '\0';
			ck_assert_uint_ge(r.reg->counts.rows_rejected +
						  promstat_registry_report(r.reg)->values_ignored +
						  promstat_registry_report(r.reg)->conflicts_satisfied +
						  promstat_registry_report(r.reg)->conflicts_treatment_date,
					  1);
		}
		ck_assert_msg(!strcmp(buf, line2), "%s:\n got %s\nwant %s", names[i], buf, line2);
		run_free(&r);
	}
	promstat_catalogue_free(cat);
}
END_TEST

/* Many units and observations: grouping stays right and fast (no
 * quadratic step: 200,000 rows would take minutes if there were one). */
START_TEST(test_large)
{
	promstat_catalogue *cat = test_catalogue();
	FILE *in = tmpfile();
	const int units = 20000, visits = 10;
	promstat_registry *reg = NULL;
	promstat_error err;
	int u, v;
	size_t i;

	fputs("patient_id,therapy,day,instrument,score\n", in);
	/* visits of a unit interleaved with other units, days in reverse */
	for (v = visits - 1; v >= 0; v--)
		for (u = 0; u < units; u++)
			fprintf(in, "P%d,T%d,%d,%s,%d\n", u, u % 5, v * 30, v % 2 ? "KOOS_PAIN" : "PAIN_NRS",
				v);
	rewind(in);
	ck_assert_int_eq(promstat_registry_read(in, "big.csv", cat, NULL, &reg, &err), PROMSTAT_OK);
	ck_assert_uint_eq(reg->n_units, (size_t)units);
	ck_assert_uint_eq(reg->n_patients, (size_t)units);
	ck_assert_uint_eq(reg->n_obs, (size_t)units * visits);
	for (i = 0; i < reg->n_units; i++) {
		size_t j;
		ck_assert_uint_eq(reg->unit_start[i + 1] - reg->unit_start[i], (size_t)visits);
		for (j = reg->unit_start[i]; j < reg->unit_start[i + 1]; j++) {
			if (j > reg->unit_start[i]) {
				const ps_obs *a = &reg->obs[j - 1], *b = &reg->obs[j];
				ck_assert(a->instrument < b->instrument ||
					  (a->instrument == b->instrument && a->day < b->day));
			}
		}
	}
	promstat_registry_free(reg);
	fclose(in);

	/* each unit's rows together (the grouped path): a long unit (qsort of
	 * its run) between short ones (insertion sort), days in reverse */
	in = tmpfile();
	fputs("patient_id,therapy,day,instrument,score\n", in);
	fputs("S1,T,5,PAIN_NRS,1\nS1,T,-5,PAIN_NRS,1\nS1,T,0,KOOS_PAIN,1\n", in);
	for (v = 199; v >= 0; v--)
		fprintf(in, "L,T,%d,%s,1\n", v, v % 3 ? "KOOS_PAIN" : "PAIN_NRS");
	fputs("S2,T,9,KOOS_PAIN,1\nS2,T,1,PAIN_NRS,1\n", in);
	rewind(in);
	ck_assert_int_eq(promstat_registry_read(in, "g.csv", cat, NULL, &reg, &err), PROMSTAT_OK);
	ck_assert_uint_eq(reg->n_units, 3);
	ck_assert_uint_eq(reg->unit_start[1], 3);
	ck_assert_uint_eq(reg->unit_start[2], 203);
	ck_assert_int_eq(reg->obs[0].day, -5);
	ck_assert_int_eq(reg->obs[1].day, 5);
	ck_assert_int_eq(reg->obs[2].day, 0);
	ck_assert_int_eq(reg->obs[3].day, 0); /* L: PAIN_NRS days 0, 3, ... 198 */
	ck_assert_int_eq(reg->obs[4].day, 3);
	ck_assert_int_eq((int)reg->obs[3 + 67].instrument, 1); /* 67 PAIN_NRS, then KOOS */
	ck_assert_int_eq(reg->obs[3 + 67].day, 1);
	ck_assert_int_eq(reg->obs[202].day, 199);
	ck_assert_int_eq(reg->obs[203].day, 1);
	ck_assert_int_eq(reg->obs[204].day, 9);
	for (i = 0; i < reg->n_units; i++) {
		size_t j;
		for (j = reg->unit_start[i] + 1; j < reg->unit_start[i + 1]; j++)
			ck_assert(reg->obs[j - 1].instrument < reg->obs[j].instrument ||
				  (reg->obs[j - 1].instrument == reg->obs[j].instrument &&
				   reg->obs[j - 1].day < reg->obs[j].day));
	}
	promstat_registry_free(reg);
	fclose(in);
	promstat_catalogue_free(cat);
}
END_TEST

/*
 * The reading thread against reading in step. A messy extract (quoted
 * fields with commas, quoted fields over two lines, CRLF lines, rejects of
 * every kind, duplicates, units coming back) is read from a regular file
 * with the default chunk and with 4 KiB chunks, where the reading thread
 * prepares rows only while the parser lags behind, so which rows come
 * prepared depends on timing; and from memory (fmemopen), which is read in
 * step with every plain row prepared. Registry, diagnostics and rejects
 * must be the same every time.
 */
START_TEST(test_thread_matches_in_step)
{
	static const char *const inst[] = { "PAIN_NRS", "KOOS_PAIN", "WOMAC_FUNCTION", "PAIN_NSR" };
	promstat_catalogue *cat = test_catalogue();
	unsigned long long x = 0x9e3779b97f4a7c15ULL; /* xorshift64 */
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	run ref;
	int i, round, variant;

	/* variant 0: notes in Windows-1252 (detected and converted by the
	 * reading thread, looking ahead through pread, or in step from memory
	 * judged as it reads: the same here); 1: UTF-8 with a byte that is not
	 * (U+FFFD), multi-byte characters cut at chunk ends */
	for (variant = 0; variant < 2; variant++) {
	text = NULL;
	len = 0;
	f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	fputs("patient_id,therapy,age,day,instrument,score,ae,note\n", f);
	for (i = 0; i < 40000; i++) {
		int unit, day, in_, kind;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		unit = (int)(i / 12 + (x % 50 == 0 ? (x >> 8) % 3000 : 0)); /* runs, some returns */
		day = (int)((i % 12) * 30 - 60 + (x % 7 == 0 ? -(int)((x >> 12) % 40) : 0));
		in_ = (int)((x >> 20) % 4 == 3 && x % 13 ? (x >> 24) % 3 : (x >> 20) % 4);
		kind = (int)((x >> 32) % 100);
		fprintf(f, "U%d,%s,%s,%d,%s,", unit, unit % 3 ? "PRP" : "HA",
			unit % 11 ? (unit % 2 ? "54" : "67.5") : "", day, inst[in_]);
		if (kind < 2)
			fputs("11", f); /* out of range for PAIN_NRS */
		else if (kind < 3)
			fputs("x", f);
		else
			fprintf(f, "%d.%d", (int)((x >> 40) % 10), (int)((x >> 44) % 10));
		if (kind == 5)
			fputs(",rash,\"two\nlines\"", f);
		else if (kind < 12)
			fputs(",,\"a, b\"", f);
		else if (kind == 12)
			fputs(",,", f); /* a field too few */
		else if (kind >= 20 && kind < 30)
			fputs(variant ? ",,caf\xc3\xa9 \xe2\x80\x93" : ",,caf\xe9 \x96", f);
		else if (kind == 30 && variant)
			fputs(",,\xff", f);
		else
			fputs(",,", f);
		fputs(kind == 13 || kind == 14 ? "\r\n" : "\n", f);
	}
	ck_assert_int_eq(fclose(f), 0);

	f = fmemopen(text, len, "rb");
	ck_assert_ptr_nonnull(f);
	ref = read_with(f, "m.csv", cat, NULL, 0);
	fclose(f);
	ck_assert_int_eq(ref.status, PROMSTAT_OK);
	ck_assert_uint_gt(ref.reg->counts.rows_rejected, 1000);
	ck_assert_uint_gt(ref.reg->counts.by_reason[PROMSTAT_REJECT_DUPLICATE], 10);
	for (round = 0; round < 6; round++) {
		FILE *in = tmpfile();
		run r;

		ck_assert_uint_eq(fwrite(text, 1, len, in), len);
		rewind(in);
		r = read_with(in, "m.csv", cat, NULL, round % 2 ? 4096 : 0);
		fclose(in);
		ck_assert_int_eq(r.status, PROMSTAT_OK);
		ck_assert_msg(!strcmp(r.dump, ref.dump), "round %d: registry differs", round);
		ck_assert_msg(!strcmp(r.diag, ref.diag), "round %d: diagnostics differ", round);
		ck_assert_msg(!strcmp(r.rejects, ref.rejects), "round %d: rejects differ", round);
		run_free(&r);
	}
	ck_assert_str_eq(ref.reg->report.encoding, variant ? "utf-8" : "windows-1252");
	ck_assert(variant ? ref.reg->report.bytes_replaced > 0 : ref.reg->report.encoding_guessed);
	run_free(&ref);
	free(text);
	}
	promstat_catalogue_free(cat);
}
END_TEST

/*
 * Duplicates against a naive reference: random rows over few units, days
 * and instruments, in runs (as extracts usually are) and scattered, so a
 * unit is often read again after others. Every fourth round has long runs
 * over more days, so a unit passes the LOCAL_SCAN observations that ingest
 * checks by scanning before it builds the unit's table. Rounds from 40 on
 * walk each unit's days upwards, as visits come, with repeats of the same
 * day and now and then a step back, so a unit's days ascend (checked
 * against its last day only) and then stop ascending (scan or table).
 * The reference keeps every accepted (unit, instrument, day) and scans
 * them all for each row.
 */
START_TEST(test_duplicates_random)
{
	static const char *const inst[] = { "PAIN_NRS", "KOOS_PAIN", "EQ5D_INDEX" };
	promstat_catalogue *cat = test_catalogue();
	unsigned long long x = 88172645463325252ULL; /* xorshift64 */
	int round;

	for (round = 0; round < 60; round++) {
		FILE *in = tmpfile();
		int key[3000][3], nkeys = 0, rows = 200 + round * 20, i, expect_dup = 0;
		int unit = 0, walk[12] = { 0 };
		promstat_registry *reg = NULL;
		promstat_error err;

		fputs("patient_id,therapy,day,instrument,score\n", in);
		for (i = 0; i < rows; i++) {
			int day, in_, j, dup = 0;
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (x % 100 < (unsigned)(round >= 40 || round % 4 == 3 ? 2 : round % 2 ? 70 : 20))
				unit = (int)((x >> 8) % 12); /* jump to another unit */
			if (round >= 40) {
				/* same day (1 in 3), the next, or 1 in 25 back up to 7 */
				walk[unit] += (x >> 40) % 25 == 0 ? -(int)((x >> 48) % 8)
								  : (int)((x >> 16) % 3 != 0);
				day = walk[unit];
			} else {
				day = (int)((x >> 16) % (round % 4 == 3 ? 40 : 9)) - 2;
			}
			in_ = (int)((x >> 24) % 3);
			for (j = 0; j < nkeys; j++)
				if (key[j][0] == unit && key[j][1] == in_ && key[j][2] == day)
					dup = 1;
			if (dup) {
				expect_dup++;
			} else {
				key[nkeys][0] = unit, key[nkeys][1] = in_, key[nkeys][2] = day;
				nkeys++;
			}
			fprintf(in, "U%d,T,%d,%s,0\n", unit, day, inst[in_]);
		}
		rewind(in);
		ck_assert_int_eq(promstat_registry_read(in, "r.csv", cat, NULL, &reg, &err),
				 PROMSTAT_OK);
		ck_assert_uint_eq(reg->counts.by_reason[PROMSTAT_REJECT_DUPLICATE], (size_t)expect_dup);
		ck_assert_uint_eq(reg->n_obs, (size_t)nkeys);
		promstat_registry_free(reg);
		fclose(in);
	}
	promstat_catalogue_free(cat);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ingest");
	TCase *t = tcase_create("registry");

	tcase_set_timeout(t, 300);
	tcase_add_test(t, test_small_registry);
	tcase_add_test(t, test_damaged_demo);
	tcase_add_test(t, test_validate_summary);
	tcase_add_test(t, test_window_edges);
	tcase_add_test(t, test_dates_and_case);
	tcase_add_test(t, test_map);
	tcase_add_test(t, test_strict);
	tcase_add_test(t, test_strict_stops_the_reader);
	tcase_add_test(t, test_every_reason);
	tcase_add_test(t, test_units);
	tcase_add_test(t, test_structural);
	tcase_add_test(t, test_rejects_unwritable);
	tcase_add_test(t, test_large);
	tcase_add_test(t, test_duplicates_random);
	tcase_add_test(t, test_thread_matches_in_step);
	suite_add_tcase(s, t);
	t = tcase_create("chunks");
	tcase_set_timeout(t, 600);
	tcase_add_test(t, test_fixtures_every_chunk);
	tcase_add_test(t, test_messy_extract);
	tcase_add_test(t, test_encodings);
	tcase_add_test(t, test_malformed_corpus);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
