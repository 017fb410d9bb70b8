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
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
	size_t *cuts;		    /* comma positions in a plain line */
} reader;

static int no_space(unsigned char c)
{
	(void)c;
	return 0;
}

/* Makes room for field i of the current record. */
static int reserve_field(reader *r, size_t i)
{
	size_t ncap;
	ps_csv_field *nf;
	char **nt;
	size_t *nc;

	if (i < r->cap)
		return 0;
	ncap = r->cap ? r->cap * 2 : 32;
	nf = realloc(r->fields, ncap * sizeof *nf);
	if (!nf)
		return -1;
	r->fields = nf;
	nt = realloc(r->texts, ncap * sizeof *nt);
	if (!nt)
		return -1;
	r->texts = nt;
	nc = realloc(r->text_caps, ncap * sizeof *nc);
	if (!nc)
		return -1;
	r->text_caps = nc;
	memset(r->texts + r->cap, 0, (ncap - r->cap) * sizeof *nt);
	memset(r->text_caps + r->cap, 0, (ncap - r->cap) * sizeof *nc);
	r->cap = ncap;
	return 0;
}

/*
 * Adds a field of len bytes to the current record. With copy, the text is
 * copied into the record's own storage (libcsv reuses its buffer for the
 * next field); without, text must be NUL-terminated and stay valid until the
 * record has been delivered. Returns r->status.
 */
static int add_field(reader *r, const char *text, size_t len, int copy)
{
	size_t i = r->nfields;
	ps_csv_field *f;

	if (r->status)
		return r->status;
	if (len > PS_CSV_MAX_FIELD)
		return r->status = ps_error(
			       r->err, PROMSTAT_EDATA, r->name, r->field_line, (unsigned long)i + 1,
			       "field longer than %zu bytes (an unclosed quote swallowing the file?)",
			       PS_CSV_MAX_FIELD);
	/* Field copies are kept per record, so the record is bounded too. */
	r->rec_bytes += len;
	if (r->rec_bytes > PS_CSV_MAX_RECORD)
		return r->status = ps_error(
			       r->err, PROMSTAT_EDATA, r->name, r->field_line, (unsigned long)i + 1,
			       "this row is longer than %zu bytes; is the file really a CSV table?",
			       PS_CSV_MAX_RECORD);
	if (!r->rec_open) {
		r->rec_open = 1;
		r->rec_line = r->field_line;
	}
	r->total_fields++;
	if (r->total_fields > PS_CSV_MAX_FIELDS)
		return r->status = ps_error(
			       r->err, PROMSTAT_EDATA, r->name, r->rec_line, PS_CSV_MAX_FIELDS + 1,
			       "this row has more than %d fields; is the file really a CSV table?",
			       PS_CSV_MAX_FIELDS);
	if (reserve_field(r, i))
		goto nomem;
	f = &r->fields[i];
	if (copy) {
		if (r->text_caps[i] < len + 1) {
			char *t = realloc(r->texts[i], len + 1);
			if (!t)
				goto nomem;
			r->texts[i] = t;
			r->text_caps[i] = len + 1;
		}
		if (len)
			memcpy(r->texts[i], text, len);
		r->texts[i][len] = '\0';
		text = r->texts[i];
	}
	f->text = text;
	f->len = len;
	f->line = r->field_line;
	/* A field can hold a NUL only if one was read, so the check costs one
	 * scan per chunk instead of one call per field. */
	if (r->nul_read && memchr(text, '\0', len))
		return r->status = ps_error(r->err, PROMSTAT_EDATA, r->name, r->field_line,
					    (unsigned long)i + 1,
					    "this field contains a NUL byte; the file is not text");
	r->nfields++;
	r->field_line = r->line;
	return 0;
nomem:
	return r->status = ps_error(r->err, PROMSTAT_ENOMEM, r->name, r->field_line, 0,
				    "out of memory while reading");
}

static void on_field(void *data, size_t len, void *r_)
{
	add_field(r_, data, len, 1);
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

/* Counts the newline that ends a piece. */
static void end_line(reader *r, const struct csv_parser *p)
{
	r->line++;
	/* Unless this newline is inside a quoted field (which then started on
	 * an earlier line and keeps that line), the next field starts on the
	 * new line. libcsv's pstate is 0 (ROW_NOT_BEGUN in libcsv.c) exactly
	 * when no record is in progress; rec_open alone cannot tell, as a
	 * quoted first field spanning lines has not ended yet. */
	if (p->pstate == 0)
		r->field_line = r->line;
}

/*
 * The fast path for the common line. s[0..len) ends in '\n' and libcsv has
 * no record open. If the line holds no double quote and no CR (other than
 * a final CRLF), libcsv would do nothing but split it at its commas (an
 * empty line it skips), so it is split here, in place and without copies:
 * each comma and the line end become NULs. Returns 1 when the line was
 * handled (see r->status), 0 when it must go through libcsv instead.
 */
static int plain_line(reader *r, char *s, size_t len)
{
	size_t end = len - 1, n = 0, i, start = 0;

	if (end && s[end - 1] == '\r')
		end--;
	for (i = 0; i < end; i++) {
		char c = s[i];
		if (c == ',') {
			/* Too many fields: libcsv's path says so at the right place. */
			if (n == PS_CSV_MAX_FIELDS)
				return 0;
			r->cuts[n++] = i;
		} else if (c == '"' || c == '\r') {
			return 0;
		}
	}
	if (end == 0)
		return 1;
	for (i = 0; i <= n; i++) {
		size_t cut = i < n ? r->cuts[i] : end;
		s[cut] = '\0';
		if (add_field(r, s + start, cut - start, 0))
			return 1;
		start = cut + 1;
	}
	on_record(0, r);
	return 1;
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
	if (ends_line)
		end_line(r, p);
	return 0;
}

int ps_csv_read(FILE *in, const char *name, size_t chunk, ps_csv_record_fn fn, void *ctx,
		promstat_error *err)
{
	return ps_csv_read_hashed(in, name, chunk, fn, ctx, NULL, err);
}

/*
 * Where chunks come from. A regular file is read ahead by a second thread,
 * which also hashes each chunk and looks for NUL bytes, so reading and
 * hashing overlap the parsing; the parser may then write into a chunk (the
 * fast path does) because its hash is already taken. Pipes and terminals
 * are read here, in step with the parser, so that stopping early never
 * waits on a writer. Either way the parser sees the same chunks.
 */
#define SOURCE_SLOTS 4

typedef struct source {
	FILE *in;
	size_t chunk;
	ps_sha256 *sha;		    /* NULL: no hash wanted */
	char *buf[SOURCE_SLOTS];    /* one buffer without the thread */
	size_t len[SOURCE_SLOTS];
	int nul[SOURCE_SLOTS];	    /* the chunk holds a NUL byte */
	int read_errno;		    /* nonzero: reading failed */
	int threaded;		    /* a thread reads ahead */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t filled, emptied;
	size_t head, tail;	    /* chunks taken by the parser / read */
	int stop;		    /* the parser needs no more chunks */
	int held;		    /* the parser holds chunk head */
} source;

/* Reads, hashes and checks one chunk into b; returns its length. */
static size_t read_chunk(source *src, char *b, int *nul, int *read_errno)
{
	size_t n = fread(b, 1, src->chunk, src->in);

	if (n) {
		if (src->sha)
			ps_sha256_update(src->sha, b, n);
		*nul = memchr(b, '\0', n) != NULL;
	} else if (ferror(src->in)) {
		*read_errno = errno ? errno : EIO;
	}
	return n;
}

static void *read_ahead(void *src_)
{
	source *src = src_;

	for (;;) {
		size_t slot, n;
		int nul = 0, e = 0;

		pthread_mutex_lock(&src->mu);
		while (src->tail - src->head == SOURCE_SLOTS && !src->stop)
			pthread_cond_wait(&src->emptied, &src->mu);
		if (src->stop) {
			pthread_mutex_unlock(&src->mu);
			return NULL;
		}
		slot = src->tail % SOURCE_SLOTS;
		pthread_mutex_unlock(&src->mu);

		n = read_chunk(src, src->buf[slot], &nul, &e);

		pthread_mutex_lock(&src->mu);
		src->len[slot] = n;
		src->nul[slot] = nul;
		if (e)
			src->read_errno = e;
		src->tail++;
		pthread_cond_signal(&src->filled);
		pthread_mutex_unlock(&src->mu);
		if (!n)
			return NULL;
	}
}

static int source_open(source *src, FILE *in, size_t chunk, ps_sha256 *sha)
{
	struct stat st;
	int i, ahead;

	memset(src, 0, sizeof *src);
	src->in = in;
	src->chunk = chunk;
	src->sha = sha;
	ahead = fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode);
	for (i = 0; i < (ahead ? SOURCE_SLOTS : 1); i++)
		if (!(src->buf[i] = malloc(chunk)))
			return -1;
	if (!ahead || pthread_mutex_init(&src->mu, NULL))
		return 0;
	if (pthread_cond_init(&src->filled, NULL)) {
		pthread_mutex_destroy(&src->mu);
		return 0;
	}
	if (pthread_cond_init(&src->emptied, NULL)) {
		pthread_cond_destroy(&src->filled);
		pthread_mutex_destroy(&src->mu);
		return 0;
	}
	/* Without the thread the file is read in step, which works as well. */
	src->threaded = pthread_create(&src->thread, NULL, read_ahead, src) == 0;
	if (!src->threaded) {
		pthread_cond_destroy(&src->emptied);
		pthread_cond_destroy(&src->filled);
		pthread_mutex_destroy(&src->mu);
	}
	return 0;
}

/* The next chunk (its length in *n, 0 at the end); the previous one is
 * given back. */
static char *source_next(source *src, size_t *n, int *nul)
{
	char *b;

	if (!src->threaded) {
		*nul = 0;
		*n = read_chunk(src, src->buf[0], nul, &src->read_errno);
		return src->buf[0];
	}
	pthread_mutex_lock(&src->mu);
	if (src->held) {
		src->head++;
		src->held = 0;
		pthread_cond_signal(&src->emptied);
	}
	while (src->tail == src->head)
		pthread_cond_wait(&src->filled, &src->mu);
	b = src->buf[src->head % SOURCE_SLOTS];
	*n = src->len[src->head % SOURCE_SLOTS];
	*nul = src->nul[src->head % SOURCE_SLOTS];
	src->held = *n != 0;
	pthread_mutex_unlock(&src->mu);
	return b;
}

/* Stops the reading thread (it may be ahead of an early stop) and frees. */
static int source_close(source *src)
{
	int i;

	if (src->threaded) {
		pthread_mutex_lock(&src->mu);
		src->stop = 1;
		pthread_cond_signal(&src->emptied);
		pthread_mutex_unlock(&src->mu);
		pthread_join(src->thread, NULL);
		pthread_cond_destroy(&src->filled);
		pthread_cond_destroy(&src->emptied);
		pthread_mutex_destroy(&src->mu);
	}
	for (i = 0; i < SOURCE_SLOTS; i++)
		free(src->buf[i]);
	return src->read_errno;
}

int ps_csv_read_hashed(FILE *in, const char *name, size_t chunk, ps_csv_record_fn fn,
		       void *ctx, char sha256_hex[65], promstat_error *err)
{
	ps_sha256 sha;
	struct csv_parser p;
	reader r;
	source src;
	char *buf;
	size_t n, i;
	int first = 1, nul, read_errno;
	unsigned char bom[3];
	size_t bom_have = 0;

	if (!in || !fn)
		return ps_error(err, PROMSTAT_EINVAL, name, 0, 0, "no input to read");
	if (chunk == 0)
		chunk = PS_CSV_DEFAULT_CHUNK;
	memset(&r, 0, sizeof r);
	r.name = name;
	r.fn = fn;
	r.ctx = ctx;
	r.err = err;
	r.line = r.rec_line = r.field_line = 1;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		return ps_error(err, PROMSTAT_ENOMEM, name, 0, 0, "out of memory");
	csv_set_space_func(&p, no_space);
	/* libcsv grows its field buffer by a fixed block (128 bytes by
	 * default), which copies a long field quadratically; 64 KiB blocks keep
	 * a field at the 1 MiB limit to 16 reallocations. */
	csv_set_blk_size(&p, 65536);
	ps_sha256_init(&sha);
	r.cuts = malloc(PS_CSV_MAX_FIELDS * sizeof *r.cuts);
	if (!r.cuts || source_open(&src, in, chunk, sha256_hex ? &sha : NULL))
		r.status = ps_error(err, PROMSTAT_ENOMEM, name, 0, 0, "out of memory");

	while (!r.status && (buf = source_next(&src, &n, &nul), n > 0)) {
		char *s = buf;
		size_t len = n;

		if (nul)
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
			if (nl && p.pstate == 0 && plain_line(&r, s + i, end - i)) {
				if (r.status)
					break;
				end_line(&r, &p);
			} else if (feed(&r, &p, s + i, end - i, nl != NULL)) {
				break;
			}
			i = end;
		}
	}
	read_errno = r.cuts ? source_close(&src) : 0;
	if (!r.status && read_errno)
		r.status = ps_error(err, PROMSTAT_EOPEN, name, r.line, 0, "read error: %s",
				    strerror(read_errno));
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
	free(r.cuts);
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
