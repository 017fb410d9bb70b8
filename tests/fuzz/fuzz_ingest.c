/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libFuzzer target for the registry ingest: the input bytes are a registry
 * file, read through promstat_registry_read against the test catalogue
 * (tests/data/instruments-test.csv) twice, with a small chunk size chosen
 * from the input length and with the default one. Besides crashes and
 * sanitizer reports it aborts when the two runs differ or when the
 * registry breaks an invariant (rows accounted for, observations grouped by
 * unit in (instrument, day) order). tests/fuzz/replay.c runs the stored
 * corpus through this same function in `make check`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef PROMSTAT_SRCDIR
#define PROMSTAT_SRCDIR "."
#endif

static promstat_catalogue *catalogue(void)
{
	static promstat_catalogue *cat;
	promstat_error err;
	const char *path;
	char buf[4096];

	if (cat)
		return cat;
	path = getenv("PROMSTAT_FUZZ_CATALOGUE");
	if (!path) {
		const char *top = getenv("top_srcdir");
		snprintf(buf, sizeof buf, "%s/tests/data/instruments-test.csv",
			 top && *top ? top : PROMSTAT_SRCDIR);
		path = buf;
	}
	if (promstat_catalogue_load(path, &cat, &err)) {
		fprintf(stderr, "fuzz_ingest: %s: %s\n", path, err.message);
		abort();
	}
	return cat;
}

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ingest: invariant broken: %s\n", what);
		abort();
	}
}

/* The rejects of one run: how many, and a digest of their positions,
 * reasons and messages so two runs can be compared. */
typedef struct seen {
	size_t n;
	uint64_t digest;
	size_t values;
} seen;

static void count_rejects(const promstat_error *diag, int reason, void *ctx)
{
	seen *s = ctx;
	unsigned long pos[3];

	check(diag->code == PROMSTAT_EDATA && diag->line > 0, "reject diagnostic positioned");
	check(reason >= 0 && reason < PROMSTAT_REJECT_NREASONS, "reject reason valid");
	pos[0] = diag->line;
	pos[1] = diag->column;
	pos[2] = (unsigned long)reason;
	s->digest = ps_hash_bytes(pos, sizeof pos, s->digest);
	s->digest = ps_hash_bytes(diag->message, strlen(diag->message), s->digest);
	s->n++;
}

/* Values set missing (and conflicts) go into the same digest. */
static void count_values(const promstat_error *diag, const char *column, int reason, void *ctx)
{
	seen *s = ctx;
	unsigned long pos[3];

	check(diag->code == PROMSTAT_EDATA && diag->line > 0, "value diagnostic positioned");
	check(reason >= -1 && reason < PROMSTAT_IGNORE_NREASONS && column, "value reason valid");
	pos[0] = diag->line;
	pos[1] = diag->column;
	pos[2] = (unsigned long)(reason + 1);
	s->digest = ps_hash_bytes(pos, sizeof pos, s->digest ^ 0x5bd1e995u);
	s->digest = ps_hash_bytes(diag->message, strlen(diag->message), s->digest);
	if (reason >= 0)
		s->values++;
}

/* Whether s is valid UTF-8 (RFC 3629), as every string ingest keeps must be. */
static int valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 0 : *p >= 0xC2 && *p <= 0xDF ? 1 : *p >= 0xE0 && *p <= 0xEF ? 2
				   : *p >= 0xF0 && *p <= 0xF4 ? 3 : -1, i;
		if (n < 0)
			return 0;
		for (i = 1; i <= n; i++)
			if ((p[i] & 0xC0) != 0x80)
				return 0;
		if ((n == 2 && ((*p == 0xE0 && p[1] < 0xA0) || (*p == 0xED && p[1] > 0x9F))) ||
		    (n == 3 && ((*p == 0xF0 && p[1] < 0x90) || (*p == 0xF4 && p[1] > 0x8F))))
			return 0;
		p += n + 1;
	}
	return 1;
}

static void check_registry(const promstat_registry *reg, size_t reported)
{
	const promstat_ingest_counts *c = promstat_registry_counts(reg);
	size_t i, sum = 0;
	promstat_validate_summary *s = NULL;
	promstat_error err;

	check(c->rows_read == c->rows_accepted + c->rows_rejected, "rows_read = accepted + rejected");
	for (i = 0; i < PROMSTAT_REJECT_NREASONS; i++)
		sum += c->by_reason[i];
	check(sum == c->rows_rejected, "reasons sum to rejected");
	check(reported == c->rows_rejected, "every reject reported");
	check(reg->n_obs == c->rows_accepted, "one observation per accepted row");
	check(reg->n_patients <= reg->n_units, "patients <= units");
	check(reg->unit_start[0] == 0 && reg->unit_start[reg->n_units] == reg->n_obs,
	      "unit_start spans the observations");
	for (i = 0; i < reg->n_units; i++) {
		size_t j;
		check(reg->unit_start[i] < reg->unit_start[i + 1], "every unit has an observation");
		for (j = reg->unit_start[i]; j < reg->unit_start[i + 1]; j++) {
			const ps_obs *o = &reg->obs[j];
			const promstat_instrument *in = promstat_catalogue_get(reg->cat, o->instrument);
			check(in && o->score >= in->min && o->score <= in->max, "score in range");
			if (j > reg->unit_start[i]) {
				const ps_obs *p = o - 1;
				check(p->instrument < o->instrument ||
					      (p->instrument == o->instrument && p->day < o->day),
				      "sorted by (instrument, day) without duplicates");
			}
		}
	}
	/* valid UTF-8 whatever the bytes: every kept string and report entry */
	for (i = 0; i < ps_strpool_count(reg->pool); i++)
		check(valid_utf8(ps_strpool_get(reg->pool, (long)i)), "kept strings are UTF-8");
	{
		const promstat_ingest_report *rp = promstat_registry_report(reg);
		size_t n = 0;
		for (i = 0; i < rp->n_ignored; i++)
			n += rp->ignored[i].count;
		check(n == rp->values_ignored, "values_ignored sums its entries");
		for (i = 0; i < rp->n_merged; i++)
			check(valid_utf8(rp->merged[i].spelling) && rp->merged[i].rows > 0 &&
				      strcmp(rp->merged[i].spelling, rp->merged[i].level),
			      "merged spellings");
		check(rp->patients_all_rejected <= c->rows_rejected, "all-rejected patients");
		for (i = 0; i < rp->n_patients_listed; i++)
			check(valid_utf8(rp->patients_listed[i]), "listed ids are UTF-8");
	}
	check(promstat_validate_summarize(reg, &s, &err) == PROMSTAT_OK, "summary computed");
	check(s->observations == reg->n_obs && s->units == reg->n_units, "summary counts");
	promstat_validate_summary_free(s);
}

/* One read; returns the status and fills the error, counts and digest. */
static int read_once(const uint8_t *data, size_t size, size_t chunk, int strict, FILE *rejects,
		     promstat_error *err, promstat_ingest_counts *counts, size_t *units,
		     uint64_t *digest)
{
	promstat_ingest_options opt;
	promstat_registry *reg = NULL;
	seen reported = { 0, 0, 0 };
	/* the reading options vary with the input, so the corpus covers them */
	static const char *const recode[] = { "therapy=Hyaluronic Acid:HA",
					      "instrument=NRS:PAIN_NRS", "sex=Other:X" };
	FILE *in = fmemopen((void *)data, size, "rb");
	int st;

	check(in != NULL, "fmemopen");
	memset(&opt, 0, sizeof opt);
	opt.chunk = chunk;
	opt.strict = strict;
	opt.rejects = rejects;
	opt.on_reject = count_rejects;
	opt.on_reject_ctx = &reported;
	opt.on_value = count_values;
	opt.on_value_ctx = &reported;
	opt.date_format = (int)(size % 3);
	opt.encoding = (int)(size / 3 % 3);
	opt.recode = recode;
	opt.nrecode = size % 2 ? 3 : 0;
	promstat_error_clear(err);
	st = promstat_registry_read(in, "fuzz.csv", catalogue(), &opt, &reg, err);
	fclose(in);
	memset(counts, 0, sizeof *counts);
	*units = 0;
	*digest = reported.digest;
	if (st == PROMSTAT_OK) {
		check(reg != NULL, "registry returned");
		check_registry(reg, reported.n);
		check(reported.values == promstat_registry_report(reg)->values_ignored,
		      "every value set missing reported");
		*counts = reg->counts;
		*units = reg->n_units;
		promstat_registry_free(reg);
	} else {
		check(reg == NULL, "no registry on failure");
		check(st == PROMSTAT_EDATA || st == PROMSTAT_ENOMEM, "failure is a data error");
		check(err->code == st && err->message[0], "error filled");
	}
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	promstat_error e1, e2;
	promstat_ingest_counts c1, c2;
	size_t u1, u2, chunk = 1 + size % 13;
	uint64_t d1, d2;
	int s1, s2;

	if (size == 0) /* fmemopen needs a byte; check_ingest covers empty files */
		return 0;
	if (!sink)
		sink = fopen("/dev/null", "w");
	s1 = read_once(data, size, chunk, 0, sink, &e1, &c1, &u1, &d1);
	s2 = read_once(data, size, 0, 0, NULL, &e2, &c2, &u2, &d2);
	check(s1 == s2, "same status at every chunk size");
	check(d1 == d2, "same rejects, positions and messages at every chunk size");
	if (s1) {
		check(e1.line == e2.line && e1.column == e2.column, "same error position");
		check(!strcmp(e1.message, e2.message), "same error message");
	} else {
		check(!memcmp(&c1, &c2, sizeof c1) && u1 == u2, "same counts at every chunk size");
		/* under strict the file passes exactly when nothing was rejected */
		s2 = read_once(data, size, chunk, 1, NULL, &e2, &c2, &u2, &d2);
		check((s2 == PROMSTAT_OK) == (c1.rows_rejected == 0), "strict fails iff rejects");
	}
	return 0;
}
