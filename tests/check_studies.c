/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Study-level file reader: column detection per measure, the two 2x2 forms,
 * GEN with sei, moderator typing, subgroups and design matrices, rejects
 * with their positions, and independence from the read chunk size.
 *
 * Expected yi/vi are metafor 3.8.1's escalc() values from
 * /work/shared/reference/metafor_reference.json (copied here), the data
 * files are copies of that directory's published data sets (see
 * tests/data/README or the reference README for provenance).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "promstat_studies.h"

#define DATA PROMSTAT_SRCDIR "/tests/data/"

/* metafor escalc(measure="RR", ai, bi, ci, di, data=dat.bcg) */
static const double bcg_rr_yi[13] = {
	-0.889311333920205, -1.58538865720143, -1.34807314829969,  -1.44155119002131,
	-0.217547322211296, -0.786115585818864, -1.62089822359839, 0.0119523335238405,
	-0.469417648738149, -1.37134480347278,  -0.339358828338391, 0.445913400571379,
	-0.0173139482168798
};
static const double bcg_rr_vi[13] = {
	0.325584765003961,  0.194581121398144, 0.415367965367965,  0.0200100319022476,
	0.0512101721696309, 0.00690561845590876, 0.223017247572315, 0.00396157929781773,
	0.056434210463249,  0.0730247936130289, 0.0124122139715597, 0.532505845200153,
	0.0714046596839863
};
/* escalc(measure="MD", ..., data=dat.normand1999) */
static const double normand_md_yi[9] = { -20, -2, -55, -71, -4, 1, 11, -10, 7 };
static const double normand_md_vi[9] = { 40.5080231596361, 2.08064516129032, 15.6984037558685,
					 150.222222222222, 17.3076923076923, 1.16734143049933,
					 94.5891265597148, 6.31087928464978, 19.8423076923077 };
/* escalc(measure="PFT", xi, ni, data=dat.pritz1997), first four */
static const double pritz_pft_yi[4] = { 1.28190730965273, 1.11872128292916, 0.785398163397448,
					1.03268945001696 };
static const double pritz_pft_vi[4] = { 0.0142857142857143, 0.02, 0.0294117647058824,
					0.00427350427350427 };
/* dat.hackshaw1998 vi, first three (sei = sqrt(vi) in the sei copy) */
static const double hackshaw_vi[3] = { 0.0187768854850681, 0.033044038905788,
				       0.540195865342449 };

static int close_to(double got, double want)
{
	return fabs(got - want) <= 1e-9 * fmax(1.0, fabs(want));
}

typedef struct seen {
	size_t n;
	unsigned long line[16], column[16];
	int reason[16];
	char message[16][PROMSTAT_MESSAGE_MAX];
} seen;

static void on_reject(const promstat_error *diag, int reason, void *ctx)
{
	seen *s = ctx;

	if (s->n < 16) {
		s->line[s->n] = diag->line;
		s->column[s->n] = diag->column;
		s->reason[s->n] = reason;
		snprintf(s->message[s->n], sizeof s->message[s->n], "%s", diag->message);
	}
	s->n++;
}

/* Reads path for measure with the given chunk and map; returns the status. */
static int read_file(const char *path, promstat_meta_measure m, size_t chunk,
		     const char *const *map, size_t nmap, seen *sn, promstat_studies **out,
		     promstat_error *err)
{
	promstat_ingest_options opt;
	FILE *in = fopen(path, "rb");
	int st;

	ck_assert_msg(in != NULL, "cannot open %s", path);
	memset(&opt, 0, sizeof opt);
	opt.chunk = chunk;
	opt.map = map;
	opt.nmap = nmap;
	opt.on_reject = sn ? on_reject : NULL;
	opt.on_reject_ctx = sn;
	promstat_error_clear(err);
	st = promstat_studies_read(in, path, m, &opt, out, err);
	fclose(in);
	return st;
}

START_TEST(test_bcg_rr)
{
	promstat_studies *s;
	promstat_error err;
	const promstat_ingest_counts *n;
	size_t i;

	ck_assert_int_eq(read_file(DATA "studies-bcg.csv", PROMSTAT_MEASURE_RR, 0, NULL, 0, NULL,
				   &s, &err),
			 PROMSTAT_OK);
	ck_assert_uint_eq(promstat_studies_count(s), 13);
	for (i = 0; i < 13; i++) {
		ck_assert_msg(close_to(promstat_studies_yi(s)[i], bcg_rr_yi[i]), "yi[%zu]", i);
		ck_assert_msg(close_to(promstat_studies_vi(s)[i], bcg_rr_vi[i]), "vi[%zu]", i);
	}
	ck_assert_str_eq(promstat_studies_label(s, 0), "Aronson 1948");
	ck_assert_str_eq(promstat_studies_label(s, 12), "Comstock et al 1976");
	ck_assert_uint_eq(promstat_studies_line(s, 0), 2);
	ck_assert_uint_eq(promstat_studies_line(s, 12), 14);
	/* The other 2x2 form is derived: n1i = ai + bi = 4 + 119. */
	ck_assert(promstat_studies_input(s, 0, "n1i") == 123);
	ck_assert(isnan(promstat_studies_input(s, 0, "m1i")));
	n = promstat_studies_counts(s);
	ck_assert_uint_eq(n->rows_read, 13);
	ck_assert_uint_eq(n->rows_accepted, 13);
	ck_assert_uint_eq(n->rows_rejected, 0);
	/* year, ablat, alloc ride along; year and ablat are numbers */
	ck_assert_uint_eq(promstat_studies_ncolumns(s), 3);
	ck_assert_str_eq(promstat_studies_column_name(s, 0), "year");
	ck_assert_int_eq(promstat_studies_column_find(s, "ABLAT"), 1);
	ck_assert(promstat_studies_column_numeric(s, 1));
	ck_assert(!promstat_studies_column_numeric(s, 2));
	ck_assert(promstat_studies_number(s, 0, 1) == 44);
	ck_assert(isnan(promstat_studies_number(s, 0, 2)));
	ck_assert_str_eq(promstat_studies_text(s, 0, 2), "random");
	ck_assert(promstat_studies_text(s, 13, 2) == NULL);
	promstat_studies_free(s);
}
END_TEST

START_TEST(test_bcg_n_form)
{
	promstat_studies *s;
	promstat_error err;
	size_t i;

	/* ai,n1i,ci,n2i gives the same tables, hence metafor's yi and vi */
	ck_assert_int_eq(read_file(DATA "studies-bcg-n.csv", PROMSTAT_MEASURE_RR, 0, NULL, 0,
				   NULL, &s, &err),
			 PROMSTAT_OK);
	ck_assert_uint_eq(promstat_studies_count(s), 13);
	for (i = 0; i < 13; i++) {
		ck_assert(close_to(promstat_studies_yi(s)[i], bcg_rr_yi[i]));
		ck_assert(close_to(promstat_studies_vi(s)[i], bcg_rr_vi[i]));
	}
	ck_assert(promstat_studies_input(s, 0, "bi") == 119);
	ck_assert_uint_eq(promstat_studies_ncolumns(s), 2); /* ablat, alloc */
	promstat_studies_free(s);
}
END_TEST

START_TEST(test_means_and_proportions)
{
	promstat_studies *s;
	promstat_error err;
	size_t i;

	ck_assert_int_eq(read_file(DATA "studies-normand1999.csv", PROMSTAT_MEASURE_MD, 0, NULL,
				   0, NULL, &s, &err),
			 PROMSTAT_OK);
	ck_assert_uint_eq(promstat_studies_count(s), 9);
	for (i = 0; i < 9; i++) {
		ck_assert(close_to(promstat_studies_yi(s)[i], normand_md_yi[i]));
		ck_assert(close_to(promstat_studies_vi(s)[i], normand_md_vi[i]));
	}
	/* "source" is the one moderator; a string column */
	ck_assert_uint_eq(promstat_studies_ncolumns(s), 1);
	ck_assert(!promstat_studies_column_numeric(s, 0));
	promstat_studies_free(s);

	ck_assert_int_eq(read_file(DATA "studies-pritz1997.csv", PROMSTAT_MEASURE_PFT, 0, NULL,
				   0, NULL, &s, &err),
			 PROMSTAT_OK);
	ck_assert_uint_eq(promstat_studies_count(s), 14);
	for (i = 0; i < 4; i++) {
		ck_assert(close_to(promstat_studies_yi(s)[i], pritz_pft_yi[i]));
		ck_assert(close_to(promstat_studies_vi(s)[i], pritz_pft_vi[i]));
	}
	ck_assert(promstat_studies_input(s, 0, "ni") == 17);
	ck_assert_uint_eq(promstat_studies_ncolumns(s), 0);
	promstat_studies_free(s);
}
END_TEST

START_TEST(test_gen_vi_and_sei)
{
	promstat_studies *s;
	promstat_error err;
	size_t i;

	ck_assert_int_eq(read_file(DATA "studies-hackshaw1998.csv", PROMSTAT_MEASURE_GEN, 0, NULL,
				   0, NULL, &s, &err),
			 PROMSTAT_OK);
	ck_assert_uint_eq(promstat_studies_count(s), 37);
	for (i = 0; i < 3; i++)
		ck_assert(promstat_studies_vi(s)[i] == hackshaw_vi[i]);
	ck_assert(close_to(promstat_studies_yi(s)[0], 0.165514438477573));
	promstat_studies_free(s);

	/* sei = sqrt(vi) written to 17 digits: vi comes back to ~1e-15 */
	ck_assert_int_eq(read_file(DATA "studies-hackshaw-sei.csv", PROMSTAT_MEASURE_GEN, 0, NULL,
				   0, NULL, &s, &err),
			 PROMSTAT_OK);
	ck_assert_uint_eq(promstat_studies_count(s), 37);
	for (i = 0; i < 3; i++)
		ck_assert(close_to(promstat_studies_vi(s)[i], hackshaw_vi[i]));
	ck_assert(close_to(promstat_studies_input(s, 0, "sei"), sqrt(hackshaw_vi[0])));
	/* year is numeric, design a string */
	ck_assert_uint_eq(promstat_studies_ncolumns(s), 2);
	ck_assert(promstat_studies_column_numeric(s, 0));
	ck_assert(!promstat_studies_column_numeric(s, 1));
	promstat_studies_free(s);
}
END_TEST

START_TEST(test_missing_column)
{
	promstat_studies *s = (promstat_studies *)1;
	promstat_error err;

	/* bcg has no xi: PR cannot be computed, and the message says why */
	ck_assert_int_eq(read_file(DATA "studies-bcg.csv", PROMSTAT_MEASURE_PR, 0, NULL, 0, NULL,
				   &s, &err),
			 PROMSTAT_EDATA);
	ck_assert(s == NULL);
	ck_assert_uint_eq(err.line, 1);
	ck_assert_msg(strstr(err.message, "\"xi\"") && strstr(err.message, "PR"), "%s",
		      err.message);
	/* normand has neither ai,bi,ci,di nor ai,n1i,ci,n2i: both forms named */
	ck_assert_int_eq(read_file(DATA "studies-normand1999.csv", PROMSTAT_MEASURE_OR, 0, NULL,
				   0, NULL, &s, &err),
			 PROMSTAT_EDATA);
	ck_assert_msg(strstr(err.message, "\"ai\"") && strstr(err.message, "OR") &&
			      strstr(err.message, "ai,bi,ci,di") &&
			      strstr(err.message, "ai,n1i,ci,n2i"),
		      "%s", err.message);
	/* GEN on bcg: no yi */
	ck_assert_int_eq(read_file(DATA "studies-bcg.csv", PROMSTAT_MEASURE_GEN, 0, NULL, 0, NULL,
				   &s, &err),
			 PROMSTAT_EDATA);
	ck_assert_msg(strstr(err.message, "\"yi\"") && strstr(err.message, "GEN"), "%s",
		      err.message);
}
END_TEST

START_TEST(test_map)
{
	static const char *const map[] = { "m1i=mean_age", "study=therapy" };
	static const char *const bad[] = { "foo=bar" };
	static const char *const bad2[] = { "m1i" };
	promstat_studies *s;
	promstat_error err;

	/* hackshaw's yi column renamed: GEN reads "year" as yi when asked to */
	static const char *const yimap[] = { "yi=year" };
	ck_assert_int_eq(read_file(DATA "studies-hackshaw1998.csv", PROMSTAT_MEASURE_GEN, 0,
				   yimap, 1, NULL, &s, &err),
			 PROMSTAT_OK);
	ck_assert(promstat_studies_yi(s)[0] == 1981);
	/* the unmapped "yi" column is now a moderator */
	ck_assert(promstat_studies_column_find(s, "yi") >= 0);
	ck_assert(promstat_studies_column_find(s, "year") < 0);
	promstat_studies_free(s);

	/* m1i comes from mean_age, so the file's own m1i is a moderator */
	ck_assert_int_eq(read_file(DATA "studies-rejects.csv", PROMSTAT_MEASURE_MD, 0, map, 2,
				   NULL, &s, &err),
			 PROMSTAT_OK);
	ck_assert(promstat_studies_column_find(s, "m1i") >= 0);
	ck_assert_str_eq(promstat_studies_label(s, 0), "PRP");
	ck_assert(promstat_studies_yi(s)[0] == 55 - 12);
	promstat_studies_free(s);

	ck_assert_int_eq(read_file(DATA "studies-bcg.csv", PROMSTAT_MEASURE_RR, 0, bad, 1, NULL,
				   &s, &err),
			 PROMSTAT_EINVAL);
	ck_assert_msg(strstr(err.message, "foo") != NULL, "%s", err.message);
	ck_assert_int_eq(read_file(DATA "studies-bcg.csv", PROMSTAT_MEASURE_RR, 0, bad2, 1, NULL,
				   &s, &err),
			 PROMSTAT_EINVAL);
}
END_TEST

/*
 * tests/data/studies-rejects.csv, measure MD, by hand:
 *   line 2  A  accepted
 *   line 3  B  n1i = 1                -> out_of_range at column 4
 *   line 4  C  sd1i = -2              -> out_of_range at column 3
 *   line 5  D  m2i empty              -> missing_value at column 5
 *   line 6  E  sd2i "3x"              -> not_a_number at column 6
 *   line 7  F  8 fields, header has 9 -> field_count at column 9
 *   line 8  G  label spans lines 8-9; accepted
 *   line 10 H  m2i "1,5"              -> not_a_number at column 5
 *   line 11 I  accepted
 *   line 12 J  accepted, moderators empty
 */
static void check_rejects(size_t chunk)
{
	static const unsigned long lines[6] = { 3, 4, 5, 6, 7, 10 };
	static const unsigned long cols[6] = { 4, 3, 5, 6, 9, 5 };
	static const int reasons[6] = { PROMSTAT_REJECT_OUT_OF_RANGE, PROMSTAT_REJECT_OUT_OF_RANGE,
					PROMSTAT_REJECT_MISSING,      PROMSTAT_REJECT_NOT_NUMBER,
					PROMSTAT_REJECT_FIELD_COUNT,  PROMSTAT_REJECT_NOT_NUMBER };
	promstat_studies *s;
	promstat_error err;
	const promstat_ingest_counts *n;
	seen sn;
	size_t i;

	memset(&sn, 0, sizeof sn);
	ck_assert_int_eq(read_file(DATA "studies-rejects.csv", PROMSTAT_MEASURE_MD, chunk, NULL, 0,
				   &sn, &s, &err),
			 PROMSTAT_OK);
	ck_assert_uint_eq(sn.n, 6);
	for (i = 0; i < 6; i++) {
		ck_assert_msg(sn.line[i] == lines[i] && sn.column[i] == cols[i],
			      "chunk %zu reject %zu at %lu:%lu", chunk, i, sn.line[i], sn.column[i]);
		ck_assert_int_eq(sn.reason[i], reasons[i]);
		ck_assert_msg(strstr(sn.message[i], "left out") != NULL, "%s", sn.message[i]);
	}
	n = promstat_studies_counts(s);
	ck_assert_uint_eq(n->rows_read, 10);
	ck_assert_uint_eq(n->rows_accepted, 4);
	ck_assert_uint_eq(n->rows_rejected, 6);
	ck_assert_uint_eq(n->by_reason[PROMSTAT_REJECT_OUT_OF_RANGE], 2);
	ck_assert_uint_eq(n->by_reason[PROMSTAT_REJECT_NOT_NUMBER], 2);
	ck_assert_uint_eq(n->by_reason[PROMSTAT_REJECT_MISSING], 1);
	ck_assert_uint_eq(n->by_reason[PROMSTAT_REJECT_FIELD_COUNT], 1);
	ck_assert_uint_eq(promstat_studies_count(s), 4);
	ck_assert_str_eq(promstat_studies_label(s, 1), "G\nsecond line");
	ck_assert_uint_eq(promstat_studies_line(s, 1), 8);
	ck_assert_uint_eq(promstat_studies_line(s, 2), 11);
	/* A: MD = 10 - 12, vi = 4/20 + 9/20 */
	ck_assert(close_to(promstat_studies_yi(s)[0], -2));
	ck_assert(close_to(promstat_studies_vi(s)[0], 0.65));
	/* G: 11 - 12, vi = 4/30 + 6.25/30 */
	ck_assert(close_to(promstat_studies_yi(s)[1], -1));
	ck_assert(close_to(promstat_studies_vi(s)[1], 10.25 / 30));
	promstat_studies_free(s);
}

START_TEST(test_rejects)
{
	check_rejects(0);
}
END_TEST

START_TEST(test_every_chunk_size)
{
	size_t chunk;

	/* The file is ~330 bytes: every chunk from 1 byte to past its end. */
	for (chunk = 1; chunk <= 400; chunk++)
		check_rejects(chunk);
}
END_TEST

START_TEST(test_strict)
{
	promstat_ingest_options opt;
	promstat_studies *s;
	promstat_error err;
	FILE *in = fopen(DATA "studies-rejects.csv", "rb");

	ck_assert(in != NULL);
	memset(&opt, 0, sizeof opt);
	opt.strict = 1;
	ck_assert_int_eq(promstat_studies_read(in, "x.csv", PROMSTAT_MEASURE_MD, &opt, &s, &err),
			 PROMSTAT_EDATA);
	fclose(in);
	ck_assert_str_eq(err.file, "x.csv");
	ck_assert_uint_eq(err.line, 3);
	ck_assert_uint_eq(err.column, 4);
}
END_TEST

START_TEST(test_rejects_file)
{
	promstat_ingest_options opt;
	promstat_studies *s;
	promstat_error err;
	FILE *in = fopen(DATA "studies-rejects.csv", "rb");
	char *buf = NULL;
	size_t len = 0;
	FILE *rej = open_memstream(&buf, &len);

	ck_assert(in != NULL && rej != NULL);
	memset(&opt, 0, sizeof opt);
	opt.rejects = rej;
	ck_assert_int_eq(promstat_studies_read(in, "x.csv", PROMSTAT_MEASURE_MD, &opt, &s, &err),
			 PROMSTAT_OK);
	fclose(in);
	fclose(rej);
	ck_assert_msg(!strncmp(buf, "line,reason,study,m1i,", 22), "%s", buf);
	ck_assert_msg(strstr(buf, "\n3,out_of_range,B,10,2,1,12,3,20,62,HA\n") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "\n10,not_a_number,H,9,1.5,25,\"1,5\",2,25,,PRP\n") != NULL, "%s",
		      buf);
	free(buf);
	promstat_studies_free(s);
}
END_TEST

START_TEST(test_empty_and_header_only)
{
	promstat_studies *s;
	promstat_error err;
	char header[] = "study,xi,ni\n";
	char none[] = "study,xi,ni\nA,3,1\n";
	FILE *in;

	in = tmpfile(); /* an empty file */
	ck_assert(in != NULL);
	ck_assert_int_eq(promstat_studies_read(in, "e.csv", PROMSTAT_MEASURE_PR, NULL, &s, &err),
			 PROMSTAT_EDATA);
	ck_assert_msg(strstr(err.message, "header") != NULL, "%s", err.message);
	fclose(in);
	in = fmemopen(header, strlen(header), "rb");
	ck_assert_int_eq(promstat_studies_read(in, "h.csv", PROMSTAT_MEASURE_PR, NULL, &s, &err),
			 PROMSTAT_EDATA);
	ck_assert_msg(strstr(err.message, "no study") != NULL, "%s", err.message);
	fclose(in);
	/* xi > ni: the only study is turned down, so nothing can be pooled */
	in = fmemopen(none, strlen(none), "rb");
	ck_assert_int_eq(promstat_studies_read(in, "n.csv", PROMSTAT_MEASURE_PR, NULL, &s, &err),
			 PROMSTAT_EDATA);
	ck_assert_msg(strstr(err.message, "1 rejected") != NULL, "%s", err.message);
	fclose(in);
}
END_TEST

/*
 * Harmonic mean of ni, overall and per subgroup, by hand:
 * ni = 10, 20, 40 with groups a, b, a.
 *   all: 3 / (1/10 + 1/20 + 1/40) = 3 / 0.175 = 17.142857142857...
 *   a:   2 / (1/10 + 1/40)        = 2 / 0.125 = 16
 *   b:   1 / (1/20)               = 20
 */
START_TEST(test_harmonic_n)
{
	char text[] = "study,xi,ni,arm\nS1,3,10,a\nS2,5,20,b\nS3,9,40,a\n";
	FILE *in = fmemopen(text, strlen(text), "rb");
	promstat_studies *s;
	promstat_studies_groups g;
	promstat_error err;

	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(promstat_studies_read(in, "h.csv", PROMSTAT_MEASURE_PFT, NULL, &s, &err),
			 PROMSTAT_OK);
	fclose(in);
	ck_assert_double_eq_tol(promstat_studies_harmonic_n(s, NULL, -1), 3 / 0.175, 1e-12);
	ck_assert_int_eq(promstat_studies_group_by(s, "arm", NULL, 0, &g, &err), PROMSTAT_OK);
	ck_assert_double_eq_tol(promstat_studies_harmonic_n(s, &g, 0), 16, 1e-12);
	ck_assert_double_eq_tol(promstat_studies_harmonic_n(s, &g, 1), 20, 1e-12);
	ck_assert(isnan(promstat_studies_harmonic_n(s, &g, 2))); /* no such level */
	ck_assert(isnan(promstat_studies_harmonic_n(NULL, NULL, -1)));
	promstat_studies_groups_free(&g);
	promstat_studies_free(s);
}
END_TEST

START_TEST(test_groups)
{
	promstat_studies *s;
	promstat_studies_groups g;
	promstat_error err;
	static const double bands[2] = { 50, 65 };
	static const double bad[2] = { 65, 50 };

	ck_assert_int_eq(read_file(DATA "studies-rejects.csv", PROMSTAT_MEASURE_MD, 0, NULL, 0,
				   NULL, &s, &err),
			 PROMSTAT_OK);
	/* accepted: A (55, PRP), G (48, HA), I (66, HA), J (empty, empty) */
	ck_assert_int_eq(promstat_studies_group_by(s, "therapy", NULL, 0, &g, &err), PROMSTAT_OK);
	ck_assert_uint_eq(g.nlevels, 2);
	ck_assert_str_eq(g.levels[0], "HA");
	ck_assert_str_eq(g.levels[1], "PRP");
	ck_assert_int_eq(g.group[0], 1);
	ck_assert_int_eq(g.group[1], 0);
	ck_assert_int_eq(g.group[2], 0);
	ck_assert_int_eq(g.group[3], -1);
	promstat_studies_groups_free(&g);

	ck_assert_int_eq(promstat_studies_group_by(s, "age_band", NULL, 0, &g, &err), PROMSTAT_OK);
	ck_assert_uint_eq(g.nlevels, 2);
	ck_assert_str_eq(g.levels[0], "<60");
	ck_assert_str_eq(g.levels[1], ">=60");
	ck_assert_int_eq(g.group[0], 0);
	ck_assert_int_eq(g.group[1], 0);
	ck_assert_int_eq(g.group[2], 1);
	ck_assert_int_eq(g.group[3], -1);
	promstat_studies_groups_free(&g);

	ck_assert_int_eq(promstat_studies_group_by(s, "age_band", bands, 2, &g, &err), PROMSTAT_OK);
	ck_assert_uint_eq(g.nlevels, 3);
	ck_assert_str_eq(g.levels[1], "[50,65)");
	ck_assert_str_eq(g.levels[2], ">=65");
	ck_assert_int_eq(g.group[0], 1);
	ck_assert_int_eq(g.group[1], 0);
	ck_assert_int_eq(g.group[2], 2);
	promstat_studies_groups_free(&g);

	ck_assert_int_eq(promstat_studies_group_by(s, "age_band", bad, 2, &g, &err),
			 PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_studies_group_by(s, "nosuch", NULL, 0, &g, &err),
			 PROMSTAT_EINVAL);
	ck_assert_msg(strstr(err.message, "nosuch") != NULL, "%s", err.message);
	promstat_studies_free(s);

	/* numeric levels sort as numbers: bcg ablat 13 < 18 < ... < 55 */
	ck_assert_int_eq(read_file(DATA "studies-bcg.csv", PROMSTAT_MEASURE_RR, 0, NULL, 0, NULL,
				   &s, &err),
			 PROMSTAT_OK);
	ck_assert_int_eq(promstat_studies_group_by(s, "ablat", NULL, 0, &g, &err), PROMSTAT_OK);
	ck_assert_str_eq(g.levels[0], "13");
	ck_assert_str_eq(g.levels[1], "18");
	ck_assert_str_eq(g.levels[g.nlevels - 1], "55");
	promstat_studies_groups_free(&g);
	/* no mean_age column */
	ck_assert_int_eq(promstat_studies_group_by(s, "age_band", NULL, 0, &g, &err),
			 PROMSTAT_EINVAL);
	ck_assert_msg(strstr(err.message, "mean_age") != NULL, "%s", err.message);
	promstat_studies_free(s);
}
END_TEST

START_TEST(test_design)
{
	static const char *const mods[] = { "ablat", "alloc" };
	static const char *const twice[] = { "ablat", "ABLAT" };
	static const char *const none[] = { "latitude" };
	promstat_studies *s;
	promstat_studies_design d;
	promstat_error err;

	ck_assert_int_eq(read_file(DATA "studies-bcg.csv", PROMSTAT_MEASURE_RR, 0, NULL, 0, NULL,
				   &s, &err),
			 PROMSTAT_OK);
	/* R: model.matrix(~ ablat + alloc, dat.bcg) has columns (Intercept),
	 * ablat, allocrandom, allocsystematic ("alternate" is the reference) */
	ck_assert_int_eq(promstat_studies_design_build(s, mods, 2, &d, &err), PROMSTAT_OK);
	ck_assert_uint_eq(d.p, 4);
	ck_assert_uint_eq(d.nrows, 13);
	ck_assert_str_eq(d.names[0], "intrcpt");
	ck_assert_str_eq(d.names[1], "ablat");
	ck_assert_str_eq(d.names[2], "allocrandom");
	ck_assert_str_eq(d.names[3], "allocsystematic");
	/* Aronson 1948: ablat 44, random */
	ck_assert(d.x[0] == 1 && d.x[1] == 44 && d.x[2] == 1 && d.x[3] == 0);
	/* Frimodt-Moller (row 5): 13, alternate */
	ck_assert(d.x[4 * 4 + 0] == 1 && d.x[4 * 4 + 1] == 13 && d.x[4 * 4 + 2] == 0 &&
		  d.x[4 * 4 + 3] == 0);
	/* Rosenthal 1961 (row 10): systematic */
	ck_assert(d.x[9 * 4 + 2] == 0 && d.x[9 * 4 + 3] == 1);
	promstat_studies_design_free(&d);
	promstat_studies_design_free(&d); /* a freed design may be freed again */

	ck_assert_int_eq(promstat_studies_design_build(s, twice, 2, &d, &err), PROMSTAT_EINVAL);
	ck_assert_int_eq(promstat_studies_design_build(s, none, 1, &d, &err), PROMSTAT_EINVAL);
	ck_assert_msg(strstr(err.message, "latitude") != NULL, "%s", err.message);
	promstat_studies_free(s);

	/* studies with an empty moderator are left out of the design */
	ck_assert_int_eq(read_file(DATA "studies-rejects.csv", PROMSTAT_MEASURE_MD, 0, NULL, 0,
				   NULL, &s, &err),
			 PROMSTAT_OK);
	{
		static const char *const th[] = { "therapy", "mean_age" };
		static const char *const age[] = { "mean_age" };

		/* three studies with both moderators for three coefficients: no
		 * fit is possible, and since issue 10 item 11 the design is
		 * refused before it is built (it was built and then refused by
		 * the regression); one moderator fewer shows the rows kept */
		ck_assert_int_eq(promstat_studies_design_build(s, th, 2, &d, &err), PROMSTAT_EDATA);
		ck_assert_msg(strstr(err.message, "3 coefficients") != NULL &&
				      strstr(err.message, "only 3 studies") != NULL,
			      "%s", err.message);
		ck_assert_int_eq(promstat_studies_design_build(s, age, 1, &d, &err), PROMSTAT_OK);
		ck_assert_uint_eq(d.nrows, 3);
		ck_assert_uint_eq(d.rows[2], 2);
		ck_assert_str_eq(d.names[1], "mean_age");
		ck_assert(d.x[0 * 2 + 1] == 55); /* A */
		ck_assert(d.x[1 * 2 + 1] == 48); /* G */
		promstat_studies_design_free(&d);
	}
	promstat_studies_free(s);
}
END_TEST

/* The largest single request the library makes while it is set. */
static void *largest_alloc(void *ud, void *ptr, size_t size)
{
	size_t *largest = ud;

	if (size == 0) {
		free(ptr);
		return NULL;
	}
	if (size > *largest)
		*largest = size;
	return ptr ? realloc(ptr, size) : malloc(size);
}

/*
 * Issue 10 item 11: a unique text moderator at k = 10^4 took 788 MB (the
 * k x p design) before the regression refused it. A moderator with more
 * coefficients than there are studies with every moderator (p >= k) is
 * refused before any of the design is allocated, saying so: here k = 2000
 * studies, "drug" unique (2000 levels, p = 2000 with the intercept), so the
 * k x p design would be 2000 * 2000 * 8 = 32 MB; the largest request
 * allowed is the level table (k entries of 16 bytes). With one level fewer
 * (p = k - 1) the design is built.
 */
START_TEST(moderator_levels_refused_before_design)
{
	enum { K = 2000 };
	static const char *const mods[] = { "drug" };
	promstat_studies *s;
	promstat_studies_design d;
	promstat_error err;
	size_t largest = 0, i;
	FILE *f = tmpfile();

	ck_assert(f != NULL);
	fputs("study,yi,vi,drug\n", f);
	for (i = 0; i < K; i++)
		fprintf(f, "S%zu,%g,0.1,d%zu\n", i, 0.001 * (double)i, i);
	rewind(f);
	ck_assert_int_eq(promstat_studies_read(f, "unique.csv", PROMSTAT_MEASURE_GEN, NULL, &s,
					       &err),
			 PROMSTAT_OK);
	fclose(f);
	promstat_set_allocator(largest_alloc, &largest);
	ck_assert_int_eq(promstat_studies_design_build(s, mods, 1, &d, &err), PROMSTAT_EDATA);
	promstat_set_allocator(NULL, NULL);
	ck_assert_msg(strstr(err.message, "2000 coefficients") != NULL &&
			      strstr(err.message, "\"drug\" with 2000 levels") != NULL &&
			      strstr(err.message, "only 2000 studies have every moderator") != NULL,
		      "%s", err.message);
	ck_assert_msg(largest <= K * 16, "%zu bytes asked for at once before refusing", largest);
	ck_assert_uint_eq(d.p, 0);
	ck_assert(d.x == NULL);
	promstat_studies_free(s);

	/* p = k - 1: the last two studies share a level, and it is built */
	f = tmpfile();
	ck_assert(f != NULL);
	fputs("study,yi,vi,drug\n", f);
	for (i = 0; i < K; i++)
		fprintf(f, "S%zu,%g,0.1,d%zu\n", i, 0.001 * (double)i, i < K - 1 ? i : K - 2);
	rewind(f);
	ck_assert_int_eq(promstat_studies_read(f, "shared.csv", PROMSTAT_MEASURE_GEN, NULL, &s,
					       &err),
			 PROMSTAT_OK);
	fclose(f);
	ck_assert_int_eq(promstat_studies_design_build(s, mods, 1, &d, &err), PROMSTAT_OK);
	ck_assert_uint_eq(d.p, K - 1);
	ck_assert_uint_eq(d.nrows, K);
	promstat_studies_design_free(&d);
	promstat_studies_free(s);
}
END_TEST

START_TEST(test_null_safety)
{
	promstat_studies_free(NULL);
	promstat_studies_groups_free(NULL);
	promstat_studies_design_free(NULL);
	ck_assert_uint_eq(promstat_studies_count(NULL), 0);
	ck_assert(promstat_studies_label(NULL, 0) == NULL);
	ck_assert(isnan(promstat_studies_input(NULL, 0, "ai")));
	ck_assert_int_eq(promstat_studies_column_find(NULL, "x"), -1);
}
END_TEST

static Suite *studies_suite(void)
{
	Suite *s = suite_create("studies");
	TCase *tc = tcase_create("reader");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_bcg_rr);
	tcase_add_test(tc, test_bcg_n_form);
	tcase_add_test(tc, test_means_and_proportions);
	tcase_add_test(tc, test_gen_vi_and_sei);
	tcase_add_test(tc, test_missing_column);
	tcase_add_test(tc, test_map);
	tcase_add_test(tc, test_rejects);
	tcase_add_test(tc, test_every_chunk_size);
	tcase_add_test(tc, test_strict);
	tcase_add_test(tc, test_rejects_file);
	tcase_add_test(tc, test_empty_and_header_only);
	tcase_add_test(tc, test_groups);
	tcase_add_test(tc, test_harmonic_n);
	tcase_add_test(tc, test_design);
	tcase_add_test(tc, moderator_levels_refused_before_design);
	tcase_add_test(tc, test_null_safety);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(studies_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
