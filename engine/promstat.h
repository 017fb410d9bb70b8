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

/* A short English name for a status code ("data error", ...). */
const char *promstat_status_name(int code);

/* The library version, "MAJOR.MINOR.PATCH". */
const char *promstat_version(void);

/* Nonzero when x is an undefined statistic (NaN). */
int promstat_isundef(double x);

#ifdef __cplusplus
}
#endif

#include "promstat_ingest.h"
#include "promstat_audit.h"
#include "promstat_meta.h"
#include "promstat_studies.h"

#endif
