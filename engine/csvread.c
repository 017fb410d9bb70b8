/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Streaming CSV reading on top of libcsv's push parser.
 *
 * libcsv reports a field when it ends and a record when it ends, but not
 * where they are. To report physical lines, each chunk is handed to libcsv
 * in pieces that end just after a '\n', so the line counter is exact at every
 * callback whatever the chunk size. Field start lines follow: a field starts
 * on the line where the previous field ended, or where its record started.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "internal.h"

typedef struct reader {
	const char *name;
	ps_csv_record_fn fn;
	void *ctx;
	promstat_error *err;
	int status;		    /* first failure; stops delivery */

	unsigned long line;	    /* physical line of the bytes being parsed */
	unsigned long rec_line;	    /* line where the current record started */
	unsigned long field_line;   /* line where the current field started */
	int rec_open;		    /* a field of the current record was seen */
	unsigned long records;	    /* records delivered */

	ps_csv_field *fields;	    /* fields of the current record */
	char **texts;		    /* owned copies, one buffer per slot */
	size_t *text_caps;
	size_t nfields, cap;
	size_t total_fields;	    /* including any beyond the limit */
	size_t rec_bytes;	    /* bytes in the current record's fields */
	int nul_read;		    /* a NUL byte has been read; fields are checked */
} reader;

static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

static void on_field(void *data, size_t len, void *r_)
{
	reader *r = r_;
	size_t i = r->nfields;
	ps_csv_field *f;

	if (r->status)
		return;
	if (len > PS_CSV_MAX_FIELD) {
		r->status = ps_error(
			r->err, PROMSTAT_EDATA, r->name, r->field_line, (unsigned long)i + 1,
			"field longer than %zu bytes (an unclosed quote swallowing the file?)",
			PS_CSV_MAX_FIELD);
		return;
	}
	/* Field copies are kept per record, so the record is bounded too. */
	r->rec_bytes += len;
	if (r->rec_bytes > PS_CSV_MAX_RECORD) {
		r->status = ps_error(r->err, PROMSTAT_EDATA, r->name, r->field_line,
				     (unsigned long)i + 1,
				     "this row is longer than %zu bytes; is the file really a CSV table?",
				     PS_CSV_MAX_RECORD);
		return;
	}
	if (!r->rec_open) {
		r->rec_open = 1;
		r->rec_line = r->field_line;
	}
	r->total_fields++;
	if (r->total_fields > PS_CSV_MAX_FIELDS) {
		r->status = ps_error(r->err, PROMSTAT_EDATA, r->name, r->rec_line,
				     PS_CSV_MAX_FIELDS + 1,
				     "this row has more than %d fields; is the file really a CSV table?",
				     PS_CSV_MAX_FIELDS);
		return;
	}
	if (i == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 32;
		ps_csv_field *nf = realloc(r->fields, ncap * sizeof *nf);
		char **nt;
		size_t *nc;
		if (!nf)
			goto nomem;
		r->fields = nf;
		nt = realloc(r->texts, ncap * sizeof *nt);
		if (!nt)
			goto nomem;
		r->texts = nt;
		nc = realloc(r->text_caps, ncap * sizeof *nc);
		if (!nc)
			goto nomem;
		r->text_caps = nc;
		memset(r->texts + r->cap, 0, (ncap - r->cap) * sizeof *nt);
		memset(r->text_caps + r->cap, 0, (ncap - r->cap) * sizeof *nc);
		r->cap = ncap;
	}
	if (r->text_caps[i] < len + 1) {
		char *t = realloc(r->texts[i], len + 1);
		if (!t)
			goto nomem;
		r->texts[i] = t;
		r->text_caps[i] = len + 1;
	}
	if (len)
		memcpy(r->texts[i], data, len);
	r->texts[i][len] = '\0';
	f = &r->fields[i];
	f->text = r->texts[i];
	f->len = len;
	f->line = r->field_line;
	/* A field can hold a NUL only if one was read, so the check costs one
	 * scan per chunk instead of one call per field. */
	if (r->nul_read && memchr(r->texts[i], '\0', len)) {
		r->status = ps_error(r->err, PROMSTAT_EDATA, r->name, r->field_line,
				     (unsigned long)i + 1,
				     "this field contains a NUL byte; the file is not text");
		return;
	}
	r->nfields++;
	r->field_line = r->line;
	return;
nomem:
	r->status = ps_error(r->err, PROMSTAT_ENOMEM, r->name, r->field_line, 0,
			     "out of memory while reading");
}

static void on_record(int term, void *r_)
{
	reader *r = r_;
	ps_csv_record rec;

	(void)term;
	if (!r->status) {
		if (!r->rec_open) /* a record of one empty field, e.g. "\"\"\n" */
			r->rec_line = r->field_line;
		r->records++;
		rec.fields = r->fields;
		rec.nfields = r->nfields;
		rec.line = r->rec_line;
		rec.number = r->records;
		r->status = r->fn(&rec, r->ctx, r->err);
	}
	r->nfields = 0;
	r->total_fields = 0;
	r->rec_bytes = 0;
	r->rec_open = 0;
}

/* Feeds one piece (ending at a newline or at the end of a chunk). */
static int feed(reader *r, struct csv_parser *p, const char *buf, size_t len, int ends_line)
{
	size_t used;

	used = csv_parse(p, buf, len, on_field, on_record, r);
	if (r->status)
		return r->status;
	if (used != len) {
		int e = csv_error(p);
		if (e == CSV_ENOMEM || e == CSV_ETOOBIG)
			return r->status = ps_error(r->err, PROMSTAT_ENOMEM, r->name, r->line, 0,
						    "out of memory while reading");
		return r->status = ps_error(
			       r->err, PROMSTAT_EDATA, r->name, r->line,
			       (unsigned long)r->nfields + 1,
			       "misplaced double quote: a quoted field must start with \" and end with \" "
			       "followed by a comma or the end of the line (write \"\" for a quote inside)");
	}
	/* The field being read is checked here as well as when it ends, so a
	 * field over the limit fails whether or not it ends inside this piece,
	 * and libcsv's buffer never grows much past the limit. After a quote
	 * inside a quoted field libcsv holds the quote itself until it knows
	 * whether it closes the field, hence one byte of slack. */
	if (p->entry_pos > PS_CSV_MAX_FIELD + 1)
		return r->status = ps_error(
			       r->err, PROMSTAT_EDATA, r->name, r->field_line,
			       (unsigned long)r->nfields + 1,
			       "field longer than %zu bytes (an unclosed quote swallowing the file?)",
			       PS_CSV_MAX_FIELD);
	if (ends_line) {
		r->line++;
		/* Unless this newline is inside a quoted field (which then
		 * started on an earlier line and keeps that line), the next field
		 * starts on the new line. libcsv's pstate is 0 (ROW_NOT_BEGUN in
		 * libcsv.c) exactly when no record is in progress; rec_open alone
		 * cannot tell, as a quoted first field spanning lines has not
		 * ended yet. */
		if (p->pstate == 0)
			r->field_line = r->line;
	}
	return 0;
}

int ps_csv_read(FILE *in, const char *name, size_t chunk, ps_csv_record_fn fn, void *ctx,
		promstat_error *err)
{
	return ps_csv_read_hashed(in, name, chunk, fn, ctx, NULL, err);
}

int ps_csv_read_hashed(FILE *in, const char *name, size_t chunk, ps_csv_record_fn fn,
		       void *ctx, char sha256_hex[65], promstat_error *err)
{
	ps_sha256 sha;
	struct csv_parser p;
	reader r;
	char *buf;
	size_t n, i;
	int first = 1;
	unsigned char bom[3];
	size_t bom_have = 0;

	if (!in || !fn)
		return ps_error(err, PROMSTAT_EINVAL, name, 0, 0, "no input to read");
	if (chunk == 0)
		chunk = PS_CSV_DEFAULT_CHUNK;
	buf = malloc(chunk);
	if (!buf)
		return ps_error(err, PROMSTAT_ENOMEM, name, 0, 0, "out of memory");
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		free(buf);
		return ps_error(err, PROMSTAT_ENOMEM, name, 0, 0, "out of memory");
	}
	csv_set_space_func(&p, no_space);
	/* libcsv grows its field buffer by a fixed block (128 bytes by
	 * default), which copies a long field quadratically; 64 KiB blocks keep
	 * a field at the 1 MiB limit to 16 reallocations. */
	csv_set_blk_size(&p, 65536);
	memset(&r, 0, sizeof r);
	r.name = name;
	r.fn = fn;
	r.ctx = ctx;
	r.err = err;
	r.line = r.rec_line = r.field_line = 1;
	ps_sha256_init(&sha);

	while (!r.status && (n = fread(buf, 1, chunk, in)) > 0) {
		const char *s = buf;
		size_t len = n;

		if (sha256_hex)
			ps_sha256_update(&sha, buf, n);
		if (!r.nul_read && memchr(buf, '\0', n))
			r.nul_read = 1;

		/* The byte order mark may itself be split across chunks. */
		while (first && len > 0 && bom_have < 3) {
			static const unsigned char mark[3] = { 0xEF, 0xBB, 0xBF };
			if ((unsigned char)*s != mark[bom_have]) {
				/* not a BOM: replay what was held back */
				if (bom_have && feed(&r, &p, (const char *)bom, bom_have, 0))
					break;
				first = 0;
				break;
			}
			bom[bom_have++] = (unsigned char)*s++;
			len--;
			if (bom_have == 3)
				first = 0;
		}
		if (r.status)
			break;
		for (i = 0; i < len;) {
			const char *nl = memchr(s + i, '\n', len - i);
			size_t end = nl ? (size_t)(nl - s) + 1 : len;
			if (feed(&r, &p, s + i, end - i, nl != NULL))
				break;
			i = end;
		}
	}
	if (!r.status && ferror(in))
		r.status = ps_error(err, PROMSTAT_EOPEN, name, r.line, 0, "read error: %s",
				    strerror(errno));
	if (!r.status && first && bom_have)
		feed(&r, &p, (const char *)bom, bom_have, 0);
	if (!r.status && csv_fini(&p, on_field, on_record, &r) != 0 && !r.status)
		r.status = ps_error(err, PROMSTAT_EDATA, name, r.field_line,
				    (unsigned long)r.nfields + 1,
				    "unterminated quoted field: the quote opened here is never closed");
	if (!r.status && sha256_hex)
		ps_sha256_hex(&sha, sha256_hex);
	csv_free(&p);
	for (i = 0; i < r.cap; i++)
		free(r.texts[i]);
	free(r.texts);
	free(r.text_caps);
	free(r.fields);
	free(buf);
	return r.status;
}

static int needs_quotes(const char *s, size_t len)
{
	size_t i;

	if (len && (s[0] == ' ' || s[len - 1] == ' '))
		return 1;
	for (i = 0; i < len; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r')
			return 1;
	return 0;
}

int ps_csv_write_field(FILE *out, const char *s, size_t len, int first)
{
	size_t i;

	if (!first && putc(',', out) == EOF)
		return -1;
	if (!needs_quotes(s, len))
		return fwrite(s, 1, len, out) == len ? 0 : -1;
	if (putc('"', out) == EOF)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] == '"' && putc('"', out) == EOF)
			return -1;
		if (putc(s[i], out) == EOF)
			return -1;
	}
	return putc('"', out) == EOF ? -1 : 0;
}
