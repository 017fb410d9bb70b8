/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Streaming CSV reading on top of libcsv's push parser.
 *
 * libcsv reports a field when it ends and a record when it ends, but not
 * where they are. To report physical lines, each chunk is handed to libcsv
 * in pieces that end just after a '\n', so the line counter is exact at every
 * callback whatever the chunk size. Field start lines follow: a field starts
 * on the line where the previous field ended, or where its record started.
 *
 * Most lines of a registry extract need none of libcsv's care: no quotes,
 * no stray CR. Those are split at their commas directly (plain_line), from
 * offsets found while the chunk was read (scan_chunk), which gives the same
 * records libcsv would; every other line, and any line that starts while
 * libcsv has a record open, still goes through libcsv. Tests and the fuzz
 * target compare the two paths by reading at chunk sizes where lines do and
 * do not fit in one chunk.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

/* Makes room for field i of the current record. */
static int reserve_field(reader *r, size_t i)
{
	size_t ncap;
	ps_csv_field *nf;
	char **nt;
	size_t *nc;

	if (i < r->cap)
		return 0;
	for (ncap = r->cap ? r->cap * 2 : 32; ncap <= i;)
		ncap *= 2;
	nf = ps_realloc(r->fields, ncap * sizeof *nf);
	if (!nf)
		return -1;
	r->fields = nf;
	nt = ps_realloc(r->texts, ncap * sizeof *nt);
	if (!nt)
		return -1;
	r->texts = nt;
	nc = ps_realloc(r->text_caps, ncap * sizeof *nc);
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
			char *t = ps_realloc(r->texts[i], len + 1);
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
		rec.prepared = NULL;
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
 * The fast path for the common line. libcsv has no record open, and the
 * line buf[pos..nl] (nl at its '\n') holds no double quote, no NUL and no
 * CR but a final CRLF, and is short enough that no limit can be broken
 * (scan_chunk saw to that). libcsv would do nothing with it but split it
 * at its commas (an empty line it skips), so it is split here, in place
 * and without copies: each comma and the line end become NULs.
 */
/*
 * The fields of the plain line buf[pos..nl] (nl at its '\n'), split at its
 * ncommas commas into f (room for ncommas + 1), all on the given line; a
 * final CR is not part of the last field. Returns the number of fields, 0
 * for an empty line (which libcsv skips). Nothing is written into buf.
 */
static size_t split_plain(const char *buf, size_t pos, size_t nl, const uint32_t *commas,
			  size_t ncommas, ps_csv_field *f, unsigned long line)
{
	size_t end = nl, start = pos, i;

	if (end > pos && buf[end - 1] == '\r')
		end--;
	if (end == pos)
		return 0;
	for (i = 0; i <= ncommas; i++) {
		size_t cut = i < ncommas ? commas[i] : end;
		f[i].text = buf + start;
		f[i].len = cut - start;
		f[i].line = line;
		start = cut + 1;
	}
	return ncommas + 1;
}

static void plain_line(reader *r, char *buf, size_t pos, size_t nl, const uint32_t *commas,
		       size_t ncommas, const void *prepared)
{
	size_t n, i;
	ps_csv_record rec;

	if (reserve_field(r, ncommas)) {
		r->status = ps_error(r->err, PROMSTAT_ENOMEM, r->name, r->line, 0,
				     "out of memory while reading");
		return;
	}
	n = split_plain(buf, pos, nl, commas, ncommas, r->fields, r->line);
	if (!n)
		return;
	for (i = 0; i < n; i++) /* each field ends where its comma or the line end was */
		buf[r->fields[i].text - buf + r->fields[i].len] = '\0';
	rec.fields = r->fields;
	rec.nfields = n;
	rec.line = r->line;
	rec.number = ++r->records;
	rec.prepared = prepared;
	r->status = r->fn(&rec, r->ctx, r->err);
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
			       "followed by a comma or the end of the line (write \"\" for a quote "
			       "inside)%s",
			       buf[used] == ';'	   ? "; a ';' follows it: is the file separated by "
						     "semicolons instead of commas?"
			       : buf[used] == '\t' ? "; a tab follows it: is the file separated by "
						     "tabs instead of commas?"
						   : "");
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
 * which also hashes and scans each chunk (see scan_chunk), so reading,
 * hashing and finding fields overlap the row handling; the parser may then
 * write into a chunk (the fast path does) because its hash is already
 * taken. Pipes and terminals are read here, in step with the parser, so
 * that stopping early never waits on a writer. Either way the parser sees
 * the same chunks.
 */
#define SOURCE_SLOTS 4
/* Smaller chunks (tests use them to move chunk ends around) are read in
 * step: handing each between the threads would cost more than reading it. */
#define AHEAD_MIN_CHUNK 4096

/* A scanned chunk's events: the offset of each comma of a line, then the
 * offset of its '\n' with EV_EOL, and EV_MIXED when the line must go
 * through libcsv. Offsets need 30 bits, hence the chunk limit. */
#define EV_EOL 0x80000000u
#define EV_MIXED 0x40000000u
#define EV_OFFSET 0x3fffffffu
#define CHUNK_LIMIT ((size_t)1 << 30)

typedef struct piece_buf {
	char *buf;
	size_t len;
	size_t buf_cap; /* of buf: at least the chunk size */
	size_t ev_cap;	/* of ev and eol: at least the bytes in buf */
	char *alt;	/* the other buffer of a transcoded chunk */
	size_t alt_cap;
	int nul;	/* it holds a NUL byte */
	int high;	/* it holds a byte >= 0x80 */
	uint32_t *ev;	/* its events, see EV_EOL */
	size_t nev;
	uint32_t *eol;	/* the index in ev of each line's EV_EOL event */
	size_t nlines;	/* lines ending in it */
	/* With ps_csv_prepare: for the k-th line scan_chunk found plain,
	 * where it starts and what was made of it (size bytes at out). */
	int prepared;
	uint32_t *starts;
	unsigned char *out;
	size_t lines_cap;
} piece_buf;

typedef struct source {
	FILE *in;
	size_t chunk;
	ps_csv_encoding *enc;	    /* NULL: bytes are passed on as read */
	int regular;		    /* in is a regular file (pread works) */
	unsigned char carry[4];	    /* an unfinished UTF-8 sequence at a chunk's end */
	size_t ncarry;
	int enc_err;		    /* out of memory while transcoding */
	ps_sha256 *sha;		    /* NULL: no hash wanted */
	ps_csv_prepare *prep;	    /* NULL: none */
	int prep_on;		    /* prep->ready was seen: chunks read from now on are prepared */
	ps_csv_field *prep_fields;  /* the reading thread's fields of a record */
	piece_buf slot[SOURCE_SLOTS];   /* one without the thread */
	int read_errno;		    /* nonzero: reading failed */
	int threaded;		    /* a thread reads ahead */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t filled, emptied;
	size_t head, tail;	    /* chunks taken by the parser / read */
	int stop;		    /* the parser needs no more chunks */
	int held;		    /* the parser holds chunk head */
} source;

/*
 * Finds the lines of c that the fast path may take: a line ending in this
 * chunk is plain when it holds no double quote, no NUL and no CR other
 * than one just before its '\n', at most PS_CSV_MAX_FIELDS fields, and at
 * most PS_CSV_MAX_FIELD bytes. Whether libcsv has a record open at its
 * start only the parser knows; it checks that.
 */
static void scan_chunk(piece_buf *c)
{
	const char *b = c->buf;
	size_t n = c->len, nev = 0, line_ev = 0, line_start = 0, i = 0, nlines = 0;
	int mixed = 0;
	uint32_t *ev = c->ev, *eol = c->eol;

	c->nul = 0;
	c->high = 0;
	/* A line's commas are the events recorded since it started, so their
	 * number is checked, with its length, when its '\n' is met. */
#define SCAN_EOL(at)                                                                    \
	do {                                                                            \
		size_t eol_ = (at);                                                     \
		if (mixed || nev - line_ev >= PS_CSV_MAX_FIELDS ||                      \
		    eol_ + 1 - line_start > PS_CSV_MAX_FIELD) {                         \
			nev = line_ev;                                                  \
			ev[nev++] = (uint32_t)eol_ | EV_EOL | EV_MIXED;                 \
		} else {                                                                \
			ev[nev++] = (uint32_t)eol_ | EV_EOL;                            \
		}                                                                       \
		eol[nlines++] = (uint32_t)(nev - 1);                                    \
		line_ev = nev;                                                          \
		line_start = eol_ + 1;                                                  \
		mixed = 0;                                                              \
	} while (0)
	/* any byte the fast loop below does not take */
#define SCAN_EVENT(at)                                                                  \
	do {                                                                            \
		size_t at_ = (at);                                                      \
		switch (b[at_]) {                                                       \
		case ',':                                                               \
			if (!mixed)                                                     \
				ev[nev++] = (uint32_t)at_;                              \
			break;                                                          \
		case '\n':                                                              \
			SCAN_EOL(at_);                                                  \
			break;                                                          \
		case '\r':                                                              \
			if (at_ + 1 < n && b[at_ + 1] == '\n')                          \
				break;                                                  \
			mixed = 1;                                                      \
			nev = line_ev;                                                  \
			break;                                                          \
		case '\0':                                                              \
			c->nul = 1;                                                     \
			/* fall through */                                              \
		default: /* '"' */                                                      \
			mixed = 1;                                                      \
			nev = line_ev;                                                  \
		}                                                                       \
	} while (0)
#ifdef __SSE2__
	{
		const __m128i comma = _mm_set1_epi8(','), nl = _mm_set1_epi8('\n');
		const __m128i quote = _mm_set1_epi8('"'), cr = _mm_set1_epi8('\r');
		const __m128i zero = _mm_setzero_si128();
		__m128i high = zero; /* any byte >= 0x80 (for the text encoding) */
		/* 64 bytes at a time, as bit masks of commas, line ends and the
		 * rest (quotes, CRs, NULs); most blocks have none of the rest and
		 * a line in progress that is plain so far, and need no switch. */
		for (; i + 64 <= n; i += 64) {
			uint64_t mc = 0, mn = 0, mr = 0, m;
			int q;
			for (q = 0; q < 4; q++) {
				__m128i v = _mm_loadu_si128(
					(const __m128i *)(const void *)(b + i + 16 * (size_t)q));
				high = _mm_or_si128(high, v);
				__m128i rest = _mm_or_si128(
					_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, cr)),
					_mm_cmpeq_epi8(v, zero));
				mc |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma))
				      << (16 * q);
				mn |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl))
				      << (16 * q);
				mr |= (uint64_t)(unsigned)_mm_movemask_epi8(rest) << (16 * q);
			}
			m = mc | mn;
			if (mr || mixed) {
				for (m |= mr; m; m &= m - 1)
					SCAN_EVENT(i + (size_t)__builtin_ctzll(m));
				continue;
			}
			for (; m; m &= m - 1) {
				size_t at = i + (size_t)__builtin_ctzll(m);
				if (mn & m & -m)
					SCAN_EOL(at);
				else
					ev[nev++] = (uint32_t)at;
			}
		}
		c->high = _mm_movemask_epi8(high) != 0;
	}
#endif
	for (; i < n; i++) {
		if (b[i] == ',' || b[i] == '\n' || b[i] == '"' || b[i] == '\r' || b[i] == '\0')
			SCAN_EVENT(i);
		c->high |= (unsigned char)b[i] >= 0x80;
	}
#undef SCAN_EVENT
#undef SCAN_EOL
	/* a last line without its '\n' yet goes to libcsv: no events */
	c->nev = line_ev;
	c->nlines = nlines;
}

/*
 * Runs the ps_csv_prepare function on each line scan_chunk found plain,
 * split as plain_line will split it but without writing into the chunk:
 * the parser may yet hand such a line to libcsv (inside a quoted field
 * that spans lines), which must see its commas. The k-th line of the
 * chunk starts at starts[k] and its result is at out + k * size. Returns
 * -1 out of memory, which only leaves the chunk unprepared.
 */
static int prepare_chunk(source *src, piece_buf *c)
{
	size_t e, lines = c->nlines, li, start = 0, first = 0;
	size_t size = src->prep->size;
	ps_csv_record rec;

	c->prepared = 0;
	if (lines > c->lines_cap) {
		uint32_t *st = ps_realloc(c->starts, lines * sizeof *st);
		unsigned char *out;
		if (!st)
			return -1;
		c->starts = st;
		out = ps_realloc(c->out, lines * size);
		if (!out)
			return -1;
		c->out = out;
		c->lines_cap = lines;
	}
	memset(&rec, 0, sizeof rec);
	rec.fields = src->prep_fields;
	for (li = 0; li < lines; li++) {
		size_t nl;

		e = c->eol[li];
		nl = c->ev[e] & EV_OFFSET;
		c->starts[li] = (uint32_t)start;
		/* (line 0: the reading thread does not count lines) */
		if (!(c->ev[e] & EV_MIXED) &&
		    (rec.nfields = split_plain(c->buf, start, nl, c->ev + first, e - first,
					       src->prep_fields, 0)) > 0)
			src->prep->fn(&rec, c->out + li * size, src->prep->ctx);
		start = nl + 1;
		first = e + 1;
	}
	c->prepared = 1;
	return 0;
}

/* Windows-1252's characters for 0x80..0x9F (0: undefined there). */
static const uint16_t cp1252_c1[32] = {
	0x20AC, 0,	0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,	0x017D, 0,
	0,	0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,	0x017E, 0x0178
};

static int cp1252_defined(unsigned char b)
{
	return b < 0x80 || b > 0x9F || cp1252_c1[b - 0x80] != 0;
}

/*
 * The length of the valid UTF-8 sequence (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF) at p[0..n), 0 when it is not one,
 * or -1 when it could still become one with the bytes after n.
 */
static int utf8_seq(const unsigned char *p, size_t n)
{
	int len, i;
	unsigned char lo = 0x80, hi = 0xBF;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		len = 2;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF)
		len = 3, lo = p[0] == 0xE0 ? 0xA0 : 0x80, hi = p[0] == 0xED ? 0x9F : 0xBF;
	else if (p[0] >= 0xF0 && p[0] <= 0xF4)
		len = 4, lo = p[0] == 0xF0 ? 0x90 : 0x80, hi = p[0] == 0xF4 ? 0x8F : 0xBF;
	else
		return 0;
	for (i = 1; i < len; i++) {
		if ((size_t)i >= n)
			return -1;
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xBF))
			return 0;
	}
	return len;
}

static size_t put_utf8(unsigned char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	o[0] = (unsigned char)(0xE0 | cp >> 12);
	o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	o[2] = (unsigned char)(0x80 | (cp & 0x3F));
	return 3;
}

/*
 * Whether bytes p[0..n) could all be Windows-1252 text: no byte that
 * Windows-1252 leaves undefined, and no valid multi-byte UTF-8 sequence
 * (which an export in Windows-1252 is most unlikely to hold, and a file
 * that mixes the two is UTF-8 with damage). A sequence cut at n counts as
 * none; *cut says how many bytes at the end were left for the next call.
 */
static int bytes_cp1252(const unsigned char *p, size_t n, size_t *cut)
{
	size_t i;

	*cut = 0;
	for (i = 0; i < n; i++) {
		int len;
		if (p[i] < 0x80)
			continue;
		if (!cp1252_defined(p[i]))
			return 0;
		len = utf8_seq(p + i, n - i);
		if (len > 1)
			return 0;
		if (len < 0) {
			*cut = n - i;
			return 1;
		}
	}
	return 1;
}

/*
 * Whether the rest of a regular file, from offset on, could be
 * Windows-1252 (bytes_cp1252), checked once, at the first byte that is
 * not UTF-8. The read goes through the descriptor, not the FILE, so the
 * reading position is left alone. A pipe cannot be looked ahead in: it is
 * judged by what has been read.
 */
static int rest_is_cp1252(source *src, off_t offset)
{
	unsigned char buf[65536 + 4];
	size_t keep = 0, cut;
	ssize_t n;

	if (!src->regular || offset < 0)
		return 1;
	while ((n = pread(fileno(src->in), buf + keep, sizeof buf - 4 - keep, offset)) > 0) {
		offset += n;
		if (!bytes_cp1252(buf, keep + (size_t)n, &cut))
			return 0;
		memmove(buf, buf + keep + (size_t)n - cut, cut);
		keep = cut;
	}
	return 1;
}

/*
 * Makes c->buf valid UTF-8 (see ps_csv_encoding): an unfinished sequence
 * at its end waits for the next chunk (final: there is none). The first
 * byte that is not UTF-8 decides, when the encoding is to be detected:
 * Windows-1252 when nothing but ASCII came before and no byte of the file
 * is one Windows-1252 leaves undefined, else UTF-8 with U+FFFD for every
 * invalid byte. Returns -1 when out of memory.
 */
static int transcode(source *src, piece_buf *c, int final)
{
	ps_csv_encoding *e = src->enc;
	size_t n = src->ncarry + c->len, i = 0, o = 0, need = 3 * n + 4;

	if (need < src->chunk)
		need = src->chunk; /* it is read into next time */
	unsigned char *in, *out;

	if (need > c->alt_cap) {
		char *a = ps_realloc(c->alt, need);
		if (!a)
			return -1;
		c->alt = a;
		c->alt_cap = need;
	}
	/* the carried bytes go in front: the input is the alt buffer's tail */
	in = (unsigned char *)c->alt + (need - n);
	memmove(in + src->ncarry, c->buf, c->len);
	memcpy(in, src->carry, src->ncarry);
	src->ncarry = 0;
	out = (unsigned char *)c->alt;
	while (i < n) {
		int len;
		if (in[i] < 0x80) {
			out[o++] = in[i++];
			continue;
		}
		len = e->windows1252 ? 0 : utf8_seq(in + i, n - i);
		if (len < 0 && !final) { /* finished by the next chunk */
			src->ncarry = n - i;
			memcpy(src->carry, in + i, src->ncarry);
			break;
		}
		if (len > 0) {
			e->seen_utf8 = 1;
			memmove(out + o, in + i, (size_t)len);
			o += (size_t)len;
			i += (size_t)len;
			continue;
		}
		if (!e->decided) {
			e->decided = 1;
			/* an Excel export: ASCII, then Latin letters as single bytes */
			size_t cut;
			if (e->mode == PROMSTAT_ENCODING_AUTO && !e->seen_utf8 &&
			    (src->regular ? bytes_cp1252(in + i, n - i, &cut) &&
						    rest_is_cp1252(src, ftello(src->in) -
									       (off_t)cut)
					  : cp1252_defined(in[i])))
				e->windows1252 = e->guessed = 1;
		}
		if (e->windows1252 && cp1252_defined(in[i])) {
			o += put_utf8(out + o, in[i] >= 0xA0 ? in[i] : cp1252_c1[in[i] - 0x80]);
		} else {
			o += put_utf8(out + o, 0xFFFD);
			e->replaced++;
		}
		i++;
	}
	/* the transcoded bytes become the chunk; its events need room too */
	if (o > c->ev_cap) {
		uint32_t *ev = ps_realloc(c->ev, o * sizeof *ev);
		uint32_t *eol;
		if (!ev)
			return -1;
		c->ev = ev;
		if (!(eol = ps_realloc(c->eol, o * sizeof *eol)))
			return -1;
		c->eol = eol;
		c->ev_cap = o;
	}
	{
		char *t = c->buf;
		size_t tc = c->buf_cap;
		c->buf = c->alt;
		c->buf_cap = c->alt_cap;
		c->alt = t;
		c->alt_cap = tc;
	}
	c->len = o;
	return 0;
}

/* Reads, hashes, scans and perhaps prepares one chunk. */
static void read_chunk(source *src, piece_buf *c, int prep_on, int *read_errno)
{
	c->prepared = 0;
again:
	c->len = fread(c->buf, 1, src->chunk, src->in);
	if (c->len) {
		if (src->sha)
			ps_sha256_update(src->sha, c->buf, c->len);
		scan_chunk(c);
		/* the text encoding costs nothing while the bytes are ASCII */
		if (src->enc && (c->high || src->ncarry)) {
			if (transcode(src, c, 0)) {
				src->enc_err = 1;
				c->len = 0;
				return;
			}
			/* all of it carried into the next chunk: a length 0
			 * would read as the end of the file */
			if (!c->len)
				goto again;
			scan_chunk(c);
		}
		if (prep_on)
			prepare_chunk(src, c);
	} else if (ferror(src->in)) {
		*read_errno = errno ? errno : EIO;
	} else if (src->enc && src->ncarry) {
		/* the file ends inside a sequence: its bytes are invalid */
		if (transcode(src, c, 1)) {
			src->enc_err = 1;
			c->len = 0;
			return;
		}
		scan_chunk(c);
		if (prep_on)
			prepare_chunk(src, c);
	}
}

static void *read_ahead(void *src_)
{
	source *src = src_;

	for (;;) {
		piece_buf *c;
		int e = 0, prep_on;

		pthread_mutex_lock(&src->mu);
		while (src->tail - src->head == SOURCE_SLOTS && !src->stop)
			pthread_cond_wait(&src->emptied, &src->mu);
		if (src->stop) {
			pthread_mutex_unlock(&src->mu);
			return NULL;
		}
		c = &src->slot[src->tail % SOURCE_SLOTS];
		/* The parser checks a row itself when it was not prepared, so
		 * the rows are prepared here only while the parser has a
		 * backlog of chunks; otherwise the chunk is handed over sooner.
		 * The two threads share the row checks as their load allows,
		 * with the same results either way. */
		prep_on = src->prep_on && src->tail - src->head >= SOURCE_SLOTS - 1;
		pthread_mutex_unlock(&src->mu);

		read_chunk(src, c, prep_on, &e);

		pthread_mutex_lock(&src->mu);
		if (e)
			src->read_errno = e;
		src->tail++;
		pthread_cond_signal(&src->filled);
		pthread_mutex_unlock(&src->mu);
		if (!c->len)
			return NULL;
	}
}

static int source_open(source *src, FILE *in, size_t chunk, ps_sha256 *sha,
		       ps_csv_prepare *prep, ps_csv_encoding *enc)
{
	struct stat st;
	int i, ahead;

	memset(src, 0, sizeof *src);
	src->in = in;
	src->chunk = chunk;
	src->sha = sha;
	src->enc = enc;
	src->regular = fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode);
	if (prep && prep->fn && prep->size) {
		src->prep = prep;
		if (!(src->prep_fields = ps_malloc(PS_CSV_MAX_FIELDS * sizeof *src->prep_fields)))
			return -1;
	}
	ahead = chunk >= AHEAD_MIN_CHUNK && fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode);
	for (i = 0; i < (ahead ? SOURCE_SLOTS : 1); i++)
		if (!(src->slot[i].buf = ps_malloc(chunk)) ||
		    !(src->slot[i].ev = ps_malloc(chunk * sizeof *src->slot[i].ev)) ||
		    !(src->slot[i].eol = ps_malloc(chunk * sizeof *src->slot[i].eol)))
			return -1;
		else
			src->slot[i].buf_cap = src->slot[i].ev_cap = chunk;
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

/* The next chunk (length 0 at the end); the previous one is given back. */
static piece_buf *source_next(source *src)
{
	piece_buf *c;

	if (!src->threaded) {
		read_chunk(src, &src->slot[0], src->prep_on, &src->read_errno);
		return &src->slot[0];
	}
	pthread_mutex_lock(&src->mu);
	if (src->held) {
		src->head++;
		src->held = 0;
		pthread_cond_signal(&src->emptied);
	}
	while (src->tail == src->head)
		pthread_cond_wait(&src->filled, &src->mu);
	c = &src->slot[src->head % SOURCE_SLOTS];
	src->held = c->len != 0;
	pthread_mutex_unlock(&src->mu);
	return c;
}

/* From the next chunk read on, lines are prepared. */
static void source_prepare(source *src)
{
	if (src->threaded)
		pthread_mutex_lock(&src->mu);
	src->prep_on = 1;
	if (src->threaded)
		pthread_mutex_unlock(&src->mu);
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
	for (i = 0; i < SOURCE_SLOTS; i++) {
		ps_free(src->slot[i].buf);
		ps_free(src->slot[i].alt);
		ps_free(src->slot[i].ev);
		ps_free(src->slot[i].eol);
		ps_free(src->slot[i].starts);
		ps_free(src->slot[i].out);
	}
	ps_free(src->prep_fields);
	return src->read_errno;
}

int ps_csv_read_hashed(FILE *in, const char *name, size_t chunk, ps_csv_record_fn fn,
		       void *ctx, char sha256_hex[65], promstat_error *err)
{
	return ps_csv_read_prepared(in, name, chunk, fn, ctx, sha256_hex, NULL, err);
}

int ps_csv_read_prepared(FILE *in, const char *name, size_t chunk, ps_csv_record_fn fn,
			 void *ctx, char sha256_hex[65], ps_csv_prepare *prep,
			 promstat_error *err)
{
	return ps_csv_read_encoded(in, name, chunk, fn, ctx, sha256_hex, prep, NULL, err);
}

int ps_csv_read_encoded(FILE *in, const char *name, size_t chunk, ps_csv_record_fn fn,
			void *ctx, char sha256_hex[65], ps_csv_prepare *prep, ps_csv_encoding *enc,
			promstat_error *err)
{
	ps_sha256 sha;
	struct csv_parser p;
	reader r;
	source src;
	piece_buf *c;
	size_t i;
	int first = 1, read_errno;
	unsigned char bom[3];
	size_t bom_have = 0;

	if (!in || !fn)
		return ps_error(err, PROMSTAT_EINVAL, name, 0, 0, "no input to read");
	if (chunk == 0)
		chunk = PS_CSV_DEFAULT_CHUNK;
	if (chunk > CHUNK_LIMIT)
		chunk = CHUNK_LIMIT;
	/* a transcoded chunk grows up to threefold; its offsets must still fit */
	if (enc && chunk > CHUNK_LIMIT / 4)
		chunk = CHUNK_LIMIT / 4;
	if (enc) {
		enc->windows1252 = enc->mode == PROMSTAT_ENCODING_WINDOWS1252;
		enc->guessed = enc->decided = enc->seen_utf8 = 0;
		enc->replaced = 0;
	}
	memset(&r, 0, sizeof r);
	r.name = name;
	r.fn = fn;
	r.ctx = ctx;
	r.err = err;
	r.line = r.rec_line = r.field_line = 1;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
		return ps_error(err, PROMSTAT_ENOMEM, name, 0, 0, "out of memory");
	csv_set_space_func(&p, no_space);
	/* libcsv's field buffer is the engine's memory too. */
	csv_set_realloc_func(&p, ps_realloc);
	csv_set_free_func(&p, ps_free);
	/* libcsv grows its field buffer by a fixed block (128 bytes by
	 * default), which copies a long field quadratically; 64 KiB blocks keep
	 * a field at the 1 MiB limit to 16 reallocations. */
	csv_set_blk_size(&p, 65536);
	ps_sha256_init(&sha);
	if (source_open(&src, in, chunk, sha256_hex ? &sha : NULL, prep, enc))
		r.status = ps_error(err, PROMSTAT_ENOMEM, name, 0, 0, "out of memory");

	while (!r.status && (c = source_next(&src))->len > 0) {
		size_t pos = 0, e = 0, li = 0;

		if (c->nul)
			r.nul_read = 1;

		/* The byte order mark may itself be split across chunks. */
		while (first && pos < c->len && bom_have < 3) {
			static const unsigned char mark[3] = { 0xEF, 0xBB, 0xBF };
			if ((unsigned char)c->buf[pos] != mark[bom_have]) {
				/* not a BOM: replay what was held back */
				if (bom_have && feed(&r, &p, (const char *)bom, bom_have, 0))
					break;
				first = 0;
				break;
			}
			bom[bom_have++] = (unsigned char)c->buf[pos++];
			if (bom_have == 3)
				first = 0;
		}
		/* Line by line: the fast path where it may, libcsv elsewhere; the
		 * pieces libcsv gets end just after a '\n' or at the chunk's end. */
		while (!r.status && pos < c->len) {
			size_t k, nl;
			if (li == c->nlines) {
				feed(&r, &p, c->buf + pos, c->len - pos, 0);
				break;
			}
			k = c->eol[li];
			nl = c->ev[k] & EV_OFFSET;
			if (!(c->ev[k] & EV_MIXED) && p.pstate == 0) {
				/* (the first line of a chunk may have begun in the
				 * one before, or after a byte order mark) */
				const void *prepared = c->prepared && c->starts[li] == pos
							       ? c->out + li * src.prep->size
							       : NULL;
				plain_line(&r, c->buf, pos, nl, c->ev + e, k - e, prepared);
				if (!r.status)
					end_line(&r, &p);
			} else {
				feed(&r, &p, c->buf + pos, nl + 1 - pos, 1);
			}
			if (src.prep && !src.prep_on && src.prep->ready)
				source_prepare(&src);
			pos = nl + 1;
			e = k + 1;
			li++;
		}
	}
	if (!r.status && src.enc_err)
		r.status = ps_error(err, PROMSTAT_ENOMEM, name, r.line, 0,
				    "out of memory while reading");
	read_errno = source_close(&src);
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
		ps_free(r.texts[i]);
	ps_free(r.texts);
	ps_free(r.text_caps);
	ps_free(r.fields);
	return r.status;
}

const char *ps_csv_foreign_separator(const ps_csv_record *rec)
{
	const ps_csv_field *f;

	if (!rec || rec->nfields != 1)
		return NULL;
	f = &rec->fields[0];
	return memchr(f->text, ';', f->len) ? "';' (semicolons)"
	       : memchr(f->text, '\t', f->len) ? "tabs"
					       : NULL;
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

int promstat_csv_text_needs_guard(const char *s, size_t len)
{
	size_t i = 0;
	double x;

	if (!s)
		return 0;
	/* A number is data, never a formula: "-3", "+2.5", "1e-4" stay. */
	if (ps_parse_double(s, len, &x) == 0)
		return 0;
	/* Apostrophes already there are skipped so that the guard can always
	 * be taken off again: "'=x" gets one more, and loses it on reading. */
	while (i < len && s[i] == '\'')
		i++;
	/* OWASP, "CSV Injection": a cell starting with = + - @, a tab or a
	 * carriage return is run as a formula by spreadsheets. */
	return i < len && (s[i] == '=' || s[i] == '+' || s[i] == '-' || s[i] == '@' ||
			   s[i] == '\t' || s[i] == '\r');
}

int promstat_csv_write_text(FILE *out, const char *s, size_t len)
{
	int guard, quote;
	size_t i;

	if (!out)
		return -1;
	if (!s)
		len = 0;
	guard = promstat_csv_text_needs_guard(s, len);
	quote = needs_quotes(s, len);
	if (quote && putc('"', out) == EOF)
		return -1;
	if (guard && putc('\'', out) == EOF)
		return -1;
	if (!quote)
		return len && fwrite(s, 1, len, out) != len ? -1 : 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '"' && putc('"', out) == EOF)
			return -1;
		if (putc(s[i], out) == EOF)
			return -1;
	}
	return putc('"', out) == EOF ? -1 : 0;
}

int ps_csv_write_field(FILE *out, const char *s, size_t len, int first)
{
	if (!first && putc(',', out) == EOF)
		return -1;
	return promstat_csv_write_text(out, s, len);
}
