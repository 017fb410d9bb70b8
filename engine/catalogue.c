/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The instrument catalogue: range, direction and published thresholds of
 * each patient-reported outcome instrument, read from a CSV file.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

enum { C_CODE, C_LABEL, C_MIN, C_MAX, C_DIRECTION, C_MCID, C_MCID_SOURCE, C_PASS,
       C_PASS_SOURCE, C_NCOLS };
static const char *const column_names[C_NCOLS] = { "code", "label", "min", "max", "direction",
						   "mcid", "mcid_source", "pass", "pass_source" };

struct promstat_catalogue {
	promstat_instrument *items;
	size_t n, cap;
	ps_strpool *codes; /* code -> index, ids equal item indices */
	ps_strpool *text;  /* storage for labels and sources */
};

typedef struct load_ctx {
	promstat_catalogue *cat;
	const char *name;
	int col[C_NCOLS]; /* field index of each column, -1 when absent */
	size_t ncols;
} load_ctx;

static int header(load_ctx *c, const ps_csv_record *rec, promstat_error *err)
{
	size_t i, j;

	for (j = 0; j < C_NCOLS; j++)
		c->col[j] = -1;
	for (i = 0; i < rec->nfields; i++)
		for (j = 0; j < C_NCOLS; j++)
			if (!strcasecmp(rec->fields[i].text, column_names[j])) {
				if (c->col[j] >= 0)
					return ps_error(err, PROMSTAT_EDATA, c->name, rec->line,
							i + 1, "column \"%s\" appears twice",
							column_names[j]);
				c->col[j] = (int)i;
			}
	for (j = 0; j < C_NCOLS; j++)
		if (c->col[j] < 0)
			return ps_error(err, PROMSTAT_EDATA, c->name, rec->line, 0,
					"the catalogue has no \"%s\" column", column_names[j]);
	c->ncols = rec->nfields;
	return PROMSTAT_OK;
}

/* Parses an optional threshold: empty means unknown (NaN). */
static int threshold(load_ctx *c, const ps_csv_record *rec, int j, double *out,
		     promstat_error *err)
{
	const ps_csv_field *f = &rec->fields[c->col[j]];

	*out = NAN;
	if (f->len == 0)
		return PROMSTAT_OK;
	if (ps_parse_double(f->text, f->len, out))
		return ps_error(err, PROMSTAT_EDATA, c->name, f->line, (unsigned long)c->col[j] + 1,
				"%s \"%s\" is not a number", column_names[j], f->text);
	return PROMSTAT_OK;
}

static const char *keep(load_ctx *c, const ps_csv_field *f)
{
	return ps_strpool_get(c->cat->text, ps_strpool_intern(c->cat->text, f->text, f->len));
}

static int row(const ps_csv_record *rec, void *ctx_, promstat_error *err)
{
	load_ctx *c = ctx_;
	promstat_catalogue *cat = c->cat;
	promstat_instrument it;
	const ps_csv_field *f;
	int st;

	if (rec->number == 1)
		return header(c, rec, err);
	if (rec->nfields != c->ncols)
		return ps_error(err, PROMSTAT_EDATA, c->name, rec->line, 0,
				"this row has %zu fields but the header has %zu", rec->nfields,
				c->ncols);
	memset(&it, 0, sizeof it);
	f = &rec->fields[c->col[C_CODE]];
	if (f->len == 0)
		return ps_error(err, PROMSTAT_EDATA, c->name, f->line, (unsigned long)c->col[C_CODE] + 1,
				"instrument code is empty");
	if (ps_strpool_find(cat->codes, f->text, f->len) >= 0)
		return ps_error(err, PROMSTAT_EDATA, c->name, f->line, (unsigned long)c->col[C_CODE] + 1,
				"instrument %s is listed twice", f->text);
	/* registry extracts' codes are matched ignoring case, so two codes
	 * may not differ in case alone */
	if (ps_catalogue_find_ci(cat, f->text, f->len) >= 0)
		return ps_error(err, PROMSTAT_EDATA, c->name, f->line, (unsigned long)c->col[C_CODE] + 1,
				"instrument %s differs from %s only in case; registry codes are "
				"matched ignoring case",
				f->text,
				promstat_catalogue_get(cat, (size_t)ps_catalogue_find_ci(
								    cat, f->text, f->len))->code);
	f = &rec->fields[c->col[C_MIN]];
	if (ps_parse_double(f->text, f->len, &it.min))
		return ps_error(err, PROMSTAT_EDATA, c->name, f->line, (unsigned long)c->col[C_MIN] + 1,
				"min \"%s\" is not a number", f->text);
	f = &rec->fields[c->col[C_MAX]];
	if (ps_parse_double(f->text, f->len, &it.max) || !(it.max > it.min))
		return ps_error(err, PROMSTAT_EDATA, c->name, f->line, (unsigned long)c->col[C_MAX] + 1,
				"max \"%s\" is not a number above min", f->text);
	f = &rec->fields[c->col[C_DIRECTION]];
	if (!strcmp(f->text, "higher_better"))
		it.higher_better = 1;
	else if (strcmp(f->text, "lower_better"))
		return ps_error(err, PROMSTAT_EDATA, c->name, f->line,
				(unsigned long)c->col[C_DIRECTION] + 1,
				"direction \"%s\" must be lower_better or higher_better", f->text);
	if ((st = threshold(c, rec, C_MCID, &it.mcid, err)) ||
	    (st = threshold(c, rec, C_PASS, &it.pass, err)))
		return st;
	if (!isnan(it.mcid) && !(it.mcid > 0))
		return ps_error(err, PROMSTAT_EDATA, c->name, rec->line,
				(unsigned long)c->col[C_MCID] + 1, "an MCID must be positive");
	if (!isnan(it.mcid) && rec->fields[c->col[C_MCID_SOURCE]].len == 0)
		return ps_error(err, PROMSTAT_EDATA, c->name, rec->line,
				(unsigned long)c->col[C_MCID_SOURCE] + 1,
				"an MCID needs its published source");
	if (!isnan(it.pass) && rec->fields[c->col[C_PASS_SOURCE]].len == 0)
		return ps_error(err, PROMSTAT_EDATA, c->name, rec->line,
				(unsigned long)c->col[C_PASS_SOURCE] + 1,
				"a PASS value needs its published source");
	it.code = keep(c, &rec->fields[c->col[C_CODE]]);
	it.label = keep(c, &rec->fields[c->col[C_LABEL]]);
	it.mcid_source = keep(c, &rec->fields[c->col[C_MCID_SOURCE]]);
	it.pass_source = keep(c, &rec->fields[c->col[C_PASS_SOURCE]]);
	if (!it.code || !it.label || !it.mcid_source || !it.pass_source ||
	    ps_strpool_intern(cat->codes, it.code, strlen(it.code)) < 0 ||
	    ps_reserve((void **)&cat->items, &cat->cap, cat->n + 1, sizeof *cat->items))
		return ps_error(err, PROMSTAT_ENOMEM, c->name, rec->line, 0, "out of memory");
	cat->items[cat->n++] = it;
	return PROMSTAT_OK;
}

int promstat_catalogue_load(const char *path, promstat_catalogue **out, promstat_error *err)
{
	load_ctx c;
	FILE *in;
	int st;

	if (!path || !out)
		return ps_error(err, PROMSTAT_EINVAL, NULL, 0, 0, "no catalogue path given");
	*out = NULL;
	in = fopen(path, "rb");
	if (!in)
		return ps_error(err, PROMSTAT_EOPEN, path, 0, 0, "cannot open instrument catalogue: %s",
				strerror(errno));
	memset(&c, 0, sizeof c);
	c.name = path;
	c.cat = ps_calloc(1, sizeof *c.cat);
	if (!c.cat || !(c.cat->codes = ps_strpool_new()) || !(c.cat->text = ps_strpool_new())) {
		fclose(in);
		promstat_catalogue_free(c.cat);
		return ps_error(err, PROMSTAT_ENOMEM, NULL, 0, 0, "out of memory");
	}
	st = ps_csv_read(in, path, 0, row, &c, err);
	fclose(in);
	if (!st && c.cat->n == 0)
		st = ps_error(err, PROMSTAT_EDATA, path, 0, 0, "the catalogue lists no instruments");
	if (st) {
		promstat_catalogue_free(c.cat);
		return st;
	}
	*out = c.cat;
	return PROMSTAT_OK;
}

void promstat_catalogue_free(promstat_catalogue *cat)
{
	if (!cat)
		return;
	ps_free(cat->items);
	ps_strpool_free(cat->codes);
	ps_strpool_free(cat->text);
	ps_free(cat);
}

size_t promstat_catalogue_count(const promstat_catalogue *cat)
{
	return cat ? cat->n : 0;
}

const promstat_instrument *promstat_catalogue_get(const promstat_catalogue *cat, size_t i)
{
	return cat && i < cat->n ? &cat->items[i] : NULL;
}

long promstat_catalogue_find(const promstat_catalogue *cat, const char *code)
{
	return cat && code ? ps_strpool_find(cat->codes, code, strlen(code)) : -1;
}

long ps_catalogue_find_n(const promstat_catalogue *cat, const char *code, size_t len)
{
	return cat && code ? ps_strpool_find(cat->codes, code, len) : -1;
}

int ps_catalogue_code_is(const promstat_catalogue *cat, long i, const char *code, size_t len)
{
	/* an instrument's index is its code's id in the pool of codes */
	return cat && ps_strpool_equal(cat->codes, i, code, len);
}

long ps_catalogue_find_ci(const promstat_catalogue *cat, const char *code, size_t len)
{
	size_t i, n = promstat_catalogue_count(cat);

	if (!cat || !code)
		return -1;
	while (len && (*code == ' ' || *code == '\t')) {
		code++;
		len--;
	}
	while (len && (code[len - 1] == ' ' || code[len - 1] == '\t'))
		len--;
	/* a handful of instruments: a scan, only once the exact lookup failed */
	for (i = 0; i < n; i++) {
		const char *k = promstat_catalogue_get(cat, i)->code;
		if (strlen(k) == len && !strncasecmp(k, code, len))
			return (long)i;
	}
	return -1;
}
