/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The HTML writer: the one way any command writes HTML (promstat report,
 * meta --report). Markup is written as literal strings by the caller;
 * every piece of text that is not a literal of the program (labels from
 * the data, paths, numbers, sentences built from them) goes through
 * cli_html_text or cli_html_printf, so that:
 *   - '&', '<', '>', '"' and '\'' become character references, so a label
 *     never opens an element or ends an attribute (a therapy named
 *     <script>alert(1)</script> shows as that text);
 *   - a byte that is not part of valid UTF-8 (cli_utf8_char, the check the
 *     JSON writer uses) and every control character but tab and newline
 *     (which HTML does not allow as text) become U+FFFD, counted by
 *     cli_html_replaced, so the file is always valid UTF-8.
 * Charts come from gnuplot as SVG and are inlined with cli_html_svg.
 */
#ifndef PROMSTAT_CLI_HTML_H
#define PROMSTAT_CLI_HTML_H

#include <stddef.h>
#include <stdio.h>

/* Writes s as HTML text or a double-quoted attribute's value; NULL writes nothing. */
void cli_html_text(FILE *out, const char *s);

/* Formats like printf, then writes the result with cli_html_text. */
void cli_html_printf(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Inlines the SVG document svg (len bytes, as gnuplot wrote it): from its
 * <svg element on (the XML declaration and any DOCTYPE are left out, as
 * HTML has none inside a page), every id and every reference to one
 * ("#x" in href and url()) prefixed with prefix so that the ids of several
 * charts on one page stay unique, bytes that are not UTF-8 as U+FFFD.
 * Returns 0, or -1 when svg holds no <svg element (nothing is written).
 */
int cli_html_svg(FILE *out, const char *svg, size_t len, const char *prefix);

/* Bytes written as U+FFFD by this writer since the program started. */
size_t cli_html_replaced(void);

#endif
