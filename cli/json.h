/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The JSON writer: the one way any command writes JSON (validate, audit,
 * meta and every later one). Layout (spaces, newlines, commas) is the
 * printer's; every string, key and number goes through these functions, so
 * that the document is valid JSON (RFC 8259) whatever the data holds:
 *   - strings and keys are escaped: '"' and '\' as \" and \\, newline, CR and
 *     tab as \n \r \t, other C0 controls, DEL, C1 controls (U+0080..U+009F)
 *     and U+2028/U+2029 (line breaks to JavaScript) as \u00XX / \u2028;
 *   - a byte that is not part of valid UTF-8 (RFC 3629) is written as
 *     \ufffd (U+FFFD REPLACEMENT CHARACTER) and counted: cli_json_report
 *     then says once, on standard error, how many were replaced;
 *   - numbers round-trip (%.17g); NaN and infinities are null (undefined
 *     statistics are undefined, never 0).
 * Never write a key or a data string with fprintf("\"%s\""): use
 * cli_json_key / cli_json_string, which also take literal keys.
 */
#ifndef PROMSTAT_CLI_JSON_H
#define PROMSTAT_CLI_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Writes s as a JSON string; NULL writes "" (write null with cli_json_null). */
void cli_json_string(FILE *out, const char *s);

/* Writes key as a JSON string followed by ": " (NULL is written as ""). */
void cli_json_key(FILE *out, const char *key);

/* Writes x with 17 significant digits; NaN and infinities as null. */
void cli_json_number(FILE *out, double x);

/* Writes n as a JSON integer. */
void cli_json_size(FILE *out, size_t n);

/* Writes true or false. */
void cli_json_bool(FILE *out, int b);

/* Writes null. */
void cli_json_null(FILE *out);

/* Shorthands for a member: ", " unless first, the key, then the value. */
void cli_json_member_number(FILE *out, const char *key, double x, int first);
void cli_json_member_string(FILE *out, const char *key, const char *s, int first);
void cli_json_member_size(FILE *out, const char *key, size_t n, int first);

/*
 * Whether a and b are written as the same JSON string: distinct texts that
 * differ only in bytes that are not UTF-8 both become U+FFFD, so as keys of
 * one object they would be one name twice. NULL is "".
 */
int cli_json_same_string(const char *a, const char *b);

/* Whether s (NULL: yes) is valid UTF-8, so written without replacement. */
int cli_json_is_utf8(const char *s);

/*
 * Bytes written as U+FFFD since the last cli_json_report (or since the
 * program started).
 */
size_t cli_json_replaced(void);

/*
 * Call once after a JSON document is written: when bytes that are not
 * valid UTF-8 were replaced, says how many on standard error, once, and
 * starts counting afresh. Returns the count.
 */
size_t cli_json_report(void);

#endif
