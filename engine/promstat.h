/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * libpromstat: outcome statistics for patient-reported outcomes.
 *
 * This header is the documentation of the library's conventions; the
 * module headers it includes document each module.
 *
 * Conventions
 *  - A function that can fail returns an int status (PROMSTAT_OK = 0 on
 *    success) and, on failure, fills the caller-owned promstat_error passed
 *    last (which may be NULL when the caller does not want the details).
 *  - Types are opaque; each has a _free function, and freeing NULL is a no-op.
 *  - Undefined statistics are NaN (promstat_isundef()); the CLI prints them
 *    as null (JSON) or an empty field (CSV), never as 0.
 *  - The library never prints, never exits, never forks and never changes
 *    the locale.
 *  - Every byte the library allocates comes from the allocator set with
 *    promstat_set_allocator() (the C library's by default), and every
 *    allocation that fails makes the call fail with PROMSTAT_ENOMEM,
 *    having released what it had taken.
 */
#ifndef PROMSTAT_H
#define PROMSTAT_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes. */
enum promstat_status {
	PROMSTAT_OK = 0,
	PROMSTAT_EINVAL,   /* invalid argument or option value */
	PROMSTAT_EDATA,    /* malformed or unusable input data */
	PROMSTAT_EOPEN,    /* an input file cannot be opened or read */
	PROMSTAT_ENOMEM,   /* out of memory */
	PROMSTAT_ENUMERIC, /* a numerical procedure failed */
	PROMSTAT_EWRITE,   /* an output cannot be written */
	PROMSTAT_EINTERNAL /* a bug: an invariant did not hold */
};

#define PROMSTAT_PATH_MAX 512
#define PROMSTAT_MESSAGE_MAX 512

/*
 * What went wrong and where. file is empty and line/column are 0 when the
 * error is not about a position in an input file. line is the physical line
 * (newlines inside quoted fields count), column the 1-based field index.
 */
typedef struct promstat_error {
	int code;
	char file[PROMSTAT_PATH_MAX];
	unsigned long line;
	unsigned long column;
	char message[PROMSTAT_MESSAGE_MAX];
} promstat_error;

/* Resets err to "no error". Does nothing when err is NULL. */
void promstat_error_clear(promstat_error *err);

/*
 * Writes "FILE:LINE:COLUMN: message" (or "FILE: message", or just the
 * message, as much position as is known) into buf, truncating to size.
 * Returns buf.
 */
char *promstat_error_format(const promstat_error *err, char *buf, size_t size);

/*
 * Fills err (when not NULL) with code, position and a printf-formatted
 * sentence, and returns code, so a caller of the library (the CLI, the
 * chart emitters) reports its own errors the way the engine does. file may
 * be NULL; line/column 0 mean "unknown".
 */
int promstat_error_set(promstat_error *err, int code, const char *file, unsigned long line,
		       unsigned long column, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 6, 7)))
#endif
	;

/*
 * The engine's strict number parsing, for callers that read numbers the
 * way the engine reads data. promstat_parse_double parses the whole of
 * s[0..len) as a finite decimal in the C locale (optional sign, digits,
 * fraction, exponent; no spaces, decimal commas, hex, nan/inf, trailing
 * junk or overflow); promstat_parse_long a decimal integer in [min, max].
 * Both return 0 on success and -1 otherwise (out untouched on failure).
 */
int promstat_parse_double(const char *s, size_t len, double *out);
int promstat_parse_long(const char *s, size_t len, long min, long max, long *out);

/*
 * The SHA-256 of everything read from f to its end, as 64 lowercase hex
 * digits and a NUL in hex. Returns 0, or -1 on a read error (hex then
 * unspecified). Does not close f.
 */
int promstat_sha256_stream(FILE *f, char hex[65]);

/* A short English name for a status code ("data error", ...). */
const char *promstat_status_name(int code);

/* The library version, "MAJOR.MINOR.PATCH". */
const char *promstat_version(void);

/*
 * The one CSV field writer, for every CSV the library and the program write
 * (--rejects rows, --format csv): writes s[0..len) as one text field, no
 * separator. A field is quoted (RFC 4180, quotes doubled) when it holds a
 * comma, a quote, CR or LF, or starts or ends with a space. A text field
 * that a spreadsheet would run as a formula (OWASP, "CSV Injection": it
 * starts with = + - @, a tab or a carriage return, after any apostrophes)
 * gets a leading apostrophe, inside the quotes; a field that is a number
 * (strict, as the readers parse numbers: "-3", "+2.5") never does. To read
 * such a file back exactly, remove the first apostrophe of every field that
 * starts with one or more apostrophes followed by one of = + - @ tab CR.
 * NULL writes an empty field. Returns 0, or -1 on a write error.
 */
int promstat_csv_write_text(FILE *out, const char *s, size_t len);

/* Nonzero when promstat_csv_write_text puts an apostrophe before s[0..len). */
int promstat_csv_text_needs_guard(const char *s, size_t len);

/* Nonzero when x is an undefined statistic (NaN). */
int promstat_isundef(double x);

/*
 * The library's allocator, after Lua's lua_Alloc: one function that
 * allocates, resizes and frees. fn(ud, NULL, size) allocates size bytes;
 * fn(ud, ptr, size) resizes ptr to size bytes (as realloc, keeping ptr
 * valid when it fails); fn(ud, ptr, 0) frees ptr and returns NULL. size is
 * never 0 except to free, and ptr is never NULL when freeing. Returning
 * NULL for a nonzero size is "out of memory": the library call that asked
 * fails with PROMSTAT_ENOMEM and leaks nothing.
 *
 * The library reads files on a second thread and tallies audits on two, so
 * fn may be called from several threads at once and must be safe for that.
 * GSL's own allocations do not go through fn.
 */
typedef void *(*promstat_alloc_fn)(void *ud, void *ptr, size_t size);

/*
 * Makes fn (with ud passed to every call) the library's allocator; NULL
 * restores the C library's malloc, realloc and free. This is process-wide
 * state, like GMP's mp_set_memory_functions(): set it before making any
 * library object, and free every object under the allocator it was made
 * with. Not thread-safe: no other library call may run meanwhile.
 */
void promstat_set_allocator(promstat_alloc_fn fn, void *ud);

/* The current allocator and its ud (*fn NULL for the C library's). Either
 * pointer may be NULL. */
void promstat_get_allocator(promstat_alloc_fn *fn, void **ud);

/*
 * Frees memory the library handed to the caller as a plain array (the
 * parsed time points and age cut-points of promstat_audit_parse_*), through
 * the library's allocator. NULL is a no-op.
 */
void promstat_free(void *p);

#ifdef __cplusplus
}
#endif

#include "promstat_ingest.h"
#include "promstat_audit.h"
#include "promstat_meta.h"
#include "promstat_studies.h"
#include "promstat_glm.h"
#include "promstat_survival.h"
#include "promstat_mcid.h"

#endif
