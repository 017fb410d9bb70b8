/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the engine's files share privately. Nothing here is exported. */
#ifndef PROMSTAT_INTERNAL_H
#define PROMSTAT_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "promstat.h"
#include "promstat_ingest.h"

#if defined(__GNUC__)
#define PS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define PS_PRINTF(f, a)
#endif

/* ---- errors (error.c) ---- */

/*
 * Fills err (when not NULL) with code, position and a printf-formatted
 * sentence, and returns code so callers can write "return ps_error(...)".
 * file may be NULL; line/column 0 mean "unknown".
 */
int ps_error(promstat_error *err, int code, const char *file, unsigned long line,
	     unsigned long column, const char *fmt, ...) PS_PRINTF(6, 7);

/* ---- strict number parsing (number.c) ---- */

/*
 * Parses the whole of s[0..len) as a finite decimal number in the C locale:
 * optional sign, digits, optional fraction, optional exponent. Rejects empty
 * strings, leading or trailing spaces, decimal commas, hex, nan/inf, trailing
 * junk and values that overflow a double. Returns 0 on success, -1 otherwise.
 */
int ps_parse_double(const char *s, size_t len, double *out);

/*
 * Parses the whole of s[0..len) as a decimal integer (optional sign, digits
 * only) within [min, max]. Returns 0 on success, -1 otherwise.
 */
int ps_parse_long(const char *s, size_t len, long min, long max, long *out);

/*
 * Parses an ISO 8601 calendar date YYYY-MM-DD (a real date of the Gregorian
 * calendar, years 1..9999) into days since 1970-01-01. Returns 0 or -1.
 */
int ps_parse_date(const char *s, size_t len, long *days);

/* ps_parse_date_fmt's formats and failures. */
#define PS_DATE_ISO 0
#define PS_DATE_DMY 1
#define PS_DATE_MDY 2
#define PS_DATE_FORM (-1)	  /* not written as a date this reader knows */
#define PS_DATE_IMPOSSIBLE (-2)	  /* written as a date, but no such day (2023-02-30) */
#define PS_DATE_NEEDS_FORMAT (-3) /* D/M/YYYY or M/D/YYYY, and format is PS_DATE_ISO */

/*
 * Parses a date as registry extracts write it: YYYY-MM-DD always, perhaps
 * followed by a space or 'T' and a time (HH:MM[:SS[.f]][Z|+HH:MM]), which
 * is ignored; with format PS_DATE_DMY or PS_DATE_MDY also D/M/YYYY or
 * M/D/YYYY (one or two digits, '/', '-' or '.' between, the same twice),
 * read in that order even when both orders would be real dates. Writes
 * days since 1970-01-01 and returns 0, or returns a PS_DATE_ failure.
 */
int ps_parse_date_fmt(const char *s, size_t len, int format, long *days);

/* Age in completed years on day `on` of someone born on day `born` (both
 * days since 1970-01-01). */
long ps_completed_years(long born, long on);

/* ---- memory (alloc.c) ----
 * Engine code allocates only through these, never through malloc, calloc,
 * realloc, strdup or free, so that the caller's allocator
 * (promstat_set_allocator) sees every byte. They behave as their C
 * library namesakes, except that a size of 0 is taken as 1 byte and
 * ps_calloc returns NULL when n * size overflows. */
void *ps_malloc(size_t n);
void *ps_calloc(size_t n, size_t size);
void *ps_realloc(void *p, size_t n);
void ps_free(void *p);
char *ps_strdup(const char *s);
/* A NUL-terminated copy of the len bytes at s (which may hold NULs). */
char *ps_strndup(const char *s, size_t len);

/* ---- growable memory ---- */

/*
 * Makes room for at least need elements of size elem in *ptr (capacity in
 * *cap, grown geometrically). Returns 0, or -1 on overflow or out of memory
 * (leaving *ptr untouched).
 */
int ps_reserve(void **ptr, size_t *cap, size_t need, size_t elem);

/* ---- string interning (strpool.c) ---- */

typedef struct ps_strpool ps_strpool;

ps_strpool *ps_strpool_new(void);
void ps_strpool_free(ps_strpool *pool);
/*
 * Returns the id of s[0..len) (ids are dense, from 0, in order of first
 * insertion), adding it if new; -1 when out of memory.
 */
long ps_strpool_intern(ps_strpool *pool, const char *s, size_t len);
/* Returns the id of s[0..len) or -1 when it is not in the pool. */
long ps_strpool_find(const ps_strpool *pool, const char *s, size_t len);
/* The NUL-terminated string with id, or NULL for an unknown id. */
const char *ps_strpool_get(const ps_strpool *pool, long id);
/* Whether string id is s[0..len). */
int ps_strpool_equal(const ps_strpool *pool, long id, const char *s, size_t len);
size_t ps_strpool_count(const ps_strpool *pool);

/* 64-bit FNV-1a then a final mix; shared by the engine's hash tables. */
uint64_t ps_hash_bytes(const void *p, size_t len, uint64_t seed);
/* splitmix64's finaliser: spreads every bit of h over the result. */
uint64_t ps_mix64(uint64_t h);
/* Index of s in the n names, or -1 (also when s is NULL). */
long ps_name_index(const char *s, const char *const *names, size_t n);

/* ---- SHA-256 (sha256.c) ---- */

typedef struct ps_sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t nbuf;
} ps_sha256;

void ps_sha256_init(ps_sha256 *s);
void ps_sha256_update(ps_sha256 *s, const void *data, size_t len);
/* Finishes the digest and writes it as 64 lowercase hex digits and a NUL. */
void ps_sha256_hex(ps_sha256 *s, char out[65]);
/* For tests: on != 0 forces the portable C compression function, 0 lets
 * the processor's SHA instructions be used when it has them. Returns
 * whether the SHA instructions are now in use. Not thread-safe. */
int ps_sha256_portable(int on);

/* ---- streaming CSV reading over libcsv (csvread.c) ---- */

#define PS_CSV_MAX_FIELD ((size_t)1 << 20) /* bytes in one field */
#define PS_CSV_MAX_FIELDS 4096	     /* fields in one record */
#define PS_CSV_MAX_RECORD ((size_t)1 << 24) /* bytes in one record's fields */
#define PS_CSV_DEFAULT_CHUNK 65536

/* One field of the record being delivered; text is NUL-terminated. */
typedef struct ps_csv_field {
	const char *text;
	size_t len;
	unsigned long line; /* physical line where the field starts */
} ps_csv_field;

/* One record. The fields' storage is valid only during the callback. */
typedef struct ps_csv_record {
	const ps_csv_field *fields;
	size_t nfields;
	unsigned long line;   /* physical line where the record starts */
	unsigned long number; /* 1 for the header, 2 for the first data row... */
	const void *prepared; /* what ps_csv_prepare made of it ahead, or NULL */
} ps_csv_record;

/*
 * Called once per record (header included). Returns PROMSTAT_OK to go on, or
 * an error status (having filled err) to stop reading.
 */
typedef int (*ps_csv_record_fn)(const ps_csv_record *rec, void *ctx, promstat_error *err);

/*
 * Reads CSV from in, chunk bytes at a time (0 = PS_CSV_DEFAULT_CHUNK), and
 * calls fn for every record. A UTF-8 byte order mark is skipped; LF and CRLF
 * both end records; blank lines are skipped; fields are never trimmed.
 * name is used in messages. Structural damage (an unterminated or misplaced
 * quote, a field over PS_CSV_MAX_FIELD bytes, a record over PS_CSV_MAX_FIELDS
 * fields or PS_CSV_MAX_RECORD bytes, a NUL byte, a read error) stops reading with PROMSTAT_EDATA (or
 * PROMSTAT_EOPEN on a read error) and a positioned message. Results do not
 * depend on chunk. Returns PROMSTAT_OK, the status fn returned, or an error.
 */
int ps_csv_read(FILE *in, const char *name, size_t chunk, ps_csv_record_fn fn, void *ctx,
		promstat_error *err);

/* As ps_csv_read, and when sha256_hex is not NULL, also writes the SHA-256
 * of every byte read (as 64 hex digits) there on success. */
int ps_csv_read_hashed(FILE *in, const char *name, size_t chunk, ps_csv_record_fn fn,
		       void *ctx, char sha256_hex[65], promstat_error *err);

/*
 * Work on records that the reading thread may do ahead, once the record
 * callback has set ready (from the header's callback, say): fn gets a
 * plain record (no quotes; fields NOT NUL-terminated and without line
 * numbers, so it must keep to each field's len) and fills size bytes at
 * out, which the record's callback then finds at rec->prepared. fn runs
 * concurrently with the callbacks: it may read what they no longer change
 * and write only out and state of its own. Records read before ready, or
 * through libcsv, come with prepared NULL, and so do records of chunks the
 * reading thread hands over unprepared because the callbacks are keeping
 * up with it: a callback must give the same result without prepared.
 */
typedef void (*ps_csv_prepare_fn)(const ps_csv_record *rec, void *out, void *ctx);
typedef struct ps_csv_prepare {
	ps_csv_prepare_fn fn;
	void *ctx;
	size_t size;
	int ready;
} ps_csv_prepare;

/* When a header record is one field holding ';' or a tab, a description of
 * that separator ("';' (semicolons)" or "tabs"), else NULL: spreadsheets
 * set to a European locale save "CSV" with semicolons, and some exports
 * use tabs, neither of which this reader splits on. */
const char *ps_csv_foreign_separator(const ps_csv_record *rec);
/* The message for it, a format taking that description. */
#define PS_CSV_FOREIGN_SEPARATOR                                                          \
	"the header is a single column with %s in it: promstat reads comma-separated "  \
	"files with a decimal point; save or convert the file with ',' between fields"

/*
 * The text encoding of a read (see ps_csv_read_encoded). mode is set by the
 * caller (enum promstat_encoding); the rest is what reading found.
 */
typedef struct ps_csv_encoding {
	int mode;
	int windows1252; /* bytes were read as Windows-1252 */
	int guessed;	 /* ... because the file looked like it */
	int decided;	 /* the first byte that is not UTF-8 was met */
	int seen_utf8;	 /* a valid multi-byte UTF-8 sequence was met */
	size_t replaced; /* bytes read as U+FFFD */
} ps_csv_encoding;

/* ps_csv_read_hashed with records prepared ahead (prep may be NULL). */
int ps_csv_read_prepared(FILE *in, const char *name, size_t chunk, ps_csv_record_fn fn,
			 void *ctx, char sha256_hex[65], ps_csv_prepare *prep,
			 promstat_error *err);

/*
 * ps_csv_read_prepared that delivers valid UTF-8 whatever the bytes (enc
 * not NULL): UTF-8 is passed on; a file whose first byte that is not UTF-8
 * comes after nothing but ASCII, and none of whose bytes Windows-1252
 * leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D; a regular file is
 * checked to its end, a pipe as far as it is read), is read as
 * Windows-1252 from there (mode AUTO); any other invalid byte becomes
 * U+FFFD and is counted. Mode UTF8 never guesses; WINDOWS1252 reads every
 * byte >= 0x80 so. The hash is of the bytes as read. ASCII chunks cost
 * nothing more.
 */
int ps_csv_read_encoded(FILE *in, const char *name, size_t chunk, ps_csv_record_fn fn,
			void *ctx, char sha256_hex[65], ps_csv_prepare *prep, ps_csv_encoding *enc,
			promstat_error *err);

/*
 * Writes one CSV field to out, preceded by a comma unless first, through
 * promstat_csv_write_text (quoting and formula neutralisation). Returns 0
 * or -1 on a write error.
 */
int ps_csv_write_field(FILE *out, const char *s, size_t len, int first);

/* ---- the instrument catalogue (catalogue.c) ---- */

/* promstat_catalogue_find for a code of len bytes (not NUL-terminated). */
long ps_catalogue_find_n(const promstat_catalogue *cat, const char *code, size_t len);
/* Whether instrument i has the code code[0..len). */
int ps_catalogue_code_is(const promstat_catalogue *cat, long i, const char *code, size_t len);
/* The instrument whose code is code[0..len) once surrounding spaces and
 * tabs are trimmed, compared ignoring ASCII case; -1 when none is. */
long ps_catalogue_find_ci(const promstat_catalogue *cat, const char *code, size_t len);

/* ---- baseline and follow-up selection (pairing.c) ---- */

struct ps_obs;

/*
 * In obs[0..n), one unit's observations of one instrument in ascending day
 * order, the index of the baseline (largest day in [-window, 0]), or -1.
 */
long ps_pair_baseline(const struct ps_obs *obs, size_t n, long window);
/*
 * The index of the follow-up at day t with half-width h: the observation
 * with day in [t-h, t+h] nearest to t, the earlier on a tie; or -1.
 */
long ps_pair_followup(const struct ps_obs *obs, size_t n, long t, long h);
/*
 * The observations of unit u for catalogue instrument `instrument`, in day
 * order: returns the first and sets *n (0 when there are none).
 */
const struct ps_obs *ps_unit_block(const struct promstat_registry *reg, size_t u,
				   size_t instrument, size_t *n);

/* ---- meta-analysis internals (meta.c), shared with bias.c ---- */

#define PS_META_NO_TAU2_CI 1u /* skip the Q-profile interval for tau^2 */
#define PS_META_MAX_P 4096     /* coefficients of a meta-regression */

/* promstat_meta_fit with flags (PS_META_*) that leave out optional parts. */
int ps_meta_fit_flags(const double *yi, const double *vi, size_t k,
		      const promstat_meta_options *opt, unsigned flags,
		      promstat_meta_summary *out, double *weights, promstat_error *err);

/* Leave-one-out refits with the single method o1->methods[0] (the one the
 * full model used, whose tau^2 is tau2_full: ML, REML and EB start there);
 * out has k entries. PROMSTAT_ENOMEM only when memory runs out. */
int ps_meta_leave1out(const double *yi, const double *vi, size_t k,
		      const promstat_meta_options *o1, double tau2_full, promstat_meta_l1o *out,
		      promstat_error *err);

/* Two-sided normal p-value 2 P(Z > |z|); NaN for NaN. */
double ps_meta_p_norm2(double z);

/* ---- ROC on grouped data (roc.c), for the bootstrap ----
 * Youden's best threshold (first of ties, NaN when +-Inf or when a group is
 * empty) from the m sorted distinct values vals with c1[j] cases and c0[j]
 * controls at each (values with no unit are skipped): exactly the threshold
 * promstat_roc_fit finds on the units themselves. */
double ps_roc_youden_grouped(const double *vals, const size_t *c1, const size_t *c0, size_t m);

/* ---- the bootstrap's predictive MIC from grouped data (mcid.c) ----
 * The predictive MIC (Terluin 2015) and the adjusted one (Terluin 2017)
 * of units grouped by their m distinct improvements vals, c1[j] improved
 * and c0[j] not at each: the binomial fit of the groups is the logistic
 * fit of the units. x, y, w: scratch of 2m, m and m doubles. Returns the
 * GLM status (pred, adj NaN unless PROMSTAT_GLM_OK), or -1 out of memory. */
int ps_mcid_predictive_grouped(const double *vals, const size_t *c1, const size_t *c0, size_t m,
			       double *x, double *y, double *w, double *pred, double *adj);

/* ---- audit internals shared with mcid.c and durability.c (audit.c) ---- */

struct promstat_audit;
/* The level of unit u in --by column j (an index for promstat_audit_level). */
int ps_audit_unit_level(const struct promstat_audit *a, size_t j, size_t u);
/* The catalogue index of audited instrument i. */
size_t ps_audit_inst_cat(const struct promstat_audit *a, size_t i);

#endif
