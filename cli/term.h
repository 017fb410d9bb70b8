/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The terminal-text writer: the one way text from data (labels, therapy,
 * provider and site values, subgroup and moderator names, codes, paths in
 * messages) reaches a table or a message. A label is hostile: raw ESC, BEL,
 * CR or the 8-bit CSI (U+009B) would let a data file move the cursor,
 * retitle the window or hide rows. Every printer writes such text through
 * these functions, never with a bare %s.
 *
 * What is escaped, so that the text shown is visibly what the file holds:
 *   - C0 controls (U+0000..U+001F, tab and newline included) and DEL as
 *     \xNN (ESC is \x1b);
 *   - a byte that does not start a valid UTF-8 sequence as \xNN;
 *   - C1 controls (U+0080..U+009F) and invisible format characters that
 *     reorder or hide text (U+00AD, U+061C, U+180E, U+200B..U+200F,
 *     U+2028..U+202E, U+2060..U+206F, U+FEFF, U+FFF9..U+FFFB, U+E0000..
 *     U+E007F) as \uXXXX (\U00XXXXXX beyond U+FFFF).
 * Everything else, backslashes included, is written as it is. Widths are
 * counted in characters (code points), escapes by their length: the CLI
 * never consults the locale, so wide East Asian characters count as one.
 */
#ifndef PROMSTAT_CLI_TERM_H
#define PROMSTAT_CLI_TERM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Length (1-4) of the valid UTF-8 sequence that starts s, storing its code
 * point in *cp when cp is not NULL; 0 when s does not start one (a stray
 * continuation byte, an overlong form, a surrogate, beyond U+10FFFF, or a
 * sequence cut by the terminating NUL). s must be NUL-terminated.
 */
size_t cli_utf8_char(const char *s, uint32_t *cp);

/* Writes the terminal-safe form of s (NULL writes nothing). */
void cli_term_puts(FILE *out, const char *s);

/* Columns the terminal-safe form of s takes (NULL: 0). */
size_t cli_term_width(const char *s);

/*
 * Writes the terminal-safe form of s left-aligned in width columns (padded
 * with spaces; never cut, so a wider text pushes the row), as "%-*s" would.
 */
void cli_term_pad(FILE *out, const char *s, size_t width);

/* As cli_term_pad, right-aligned, as "%*s" would. */
void cli_term_padr(FILE *out, const char *s, size_t width);

/*
 * Stores in buf (size bytes, at least 4) the terminal-safe form of s, cut at
 * a character boundary to at most max_cols columns, ending in "..." when it
 * was cut (max_cols 0: no limit beyond size). An escape is never split.
 * Returns the columns stored. NULL stores "".
 */
size_t cli_term_fit(char *buf, size_t size, const char *s, size_t max_cols);

/*
 * fprintf for a line of a table or a message: every %s argument is written
 * in its terminal-safe form, with its width and "-" flag counted in
 * columns; other conversions are passed to fprintf unchanged (one
 * conversion per call, so do not pass %n). Returns 0, or -1 on a write
 * error.
 */
int cli_term_printf(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
