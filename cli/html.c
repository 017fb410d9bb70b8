/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The HTML writer (html.h): escaped text, valid UTF-8, inlined SVG charts. */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "term.h" /* cli_utf8_char */

static size_t replaced;

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
static const char fffd[] = "\xEF\xBF\xBD";

void cli_html_text(FILE *out, const char *s)
{
	if (!s)
		return;
	while (*s) {
		uint32_t c;
		size_t n = cli_utf8_char(s, &c);

		if (n == 0) {
			fputs(fffd, out);
			replaced++;
			s++;
			continue;
		}
		switch (c) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default:
			/* HTML (WHATWG 13.1.4) forbids C0 controls but tab, LF, FF and
			 * CR, DEL and the C1 range as text; a CR or FF in a label is
			 * data damage, so only tab and newline are kept. */
			if ((c < 0x20 && c != '\t' && c != '\n') || (c >= 0x7F && c <= 0x9F)) {
				fputs(fffd, out);
				replaced++;
			} else {
				fwrite(s, 1, n, out);
			}
		}
		s += n;
	}
}

void cli_html_printf(FILE *out, const char *fmt, ...)
{
	char small[512], *buf = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof small) {
		if (!(buf = malloc((size_t)n + 1))) {
			/* out of memory: the cut text is still escaped text */
			cli_html_text(out, small);
			return;
		}
		va_start(ap, fmt);
		vsnprintf(buf, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	cli_html_text(out, buf);
	if (buf != small)
		free(buf);
}

/* Does s (with end) start with lit? */
static int starts(const char *s, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	return (size_t)(end - s) >= n && !memcmp(s, lit, n);
}

int cli_html_svg(FILE *out, const char *svg, size_t len, const char *prefix)
{
	/* gnuplot's ids are written id='x' or id="x"; references are
	 * href='#x' (xlink:href too) and url(#x). */
	static const char *const marks[] = { "id='", "id=\"", "href='#", "href=\"#", "url(#" };
	const char *end = svg + len, *s = NULL, *p;

	for (p = svg; p + 4 <= end; p++)
		if (!memcmp(p, "<svg", 4)) {
			s = p;
			break;
		}
	if (!s)
		return -1;
	while (s < end) {
		size_t m, n;
		unsigned char b = (unsigned char)*s;

		for (m = 0; m < sizeof marks / sizeof *marks; m++)
			if (starts(s, end, marks[m]))
				break;
		if (m < sizeof marks / sizeof *marks) {
			n = strlen(marks[m]);
			fwrite(s, 1, n, out);
			fputs(prefix, out);
			s += n;
			continue;
		}
		if (b < 0x80 || b == 0) {
			if (b)
				putc(b, out);
			s++;
			continue;
		}
		/* cli_utf8_char needs a NUL-terminated string: copy up to 4 bytes */
		{
			char tmp[5] = { 0 };
			size_t k = (size_t)(end - s) < 4 ? (size_t)(end - s) : 4;
			memcpy(tmp, s, k);
			if ((n = cli_utf8_char(tmp, NULL)) == 0) {
				fputs(fffd, out);
				replaced++;
				s++;
			} else {
				fwrite(s, 1, n, out);
				s += n;
			}
		}
	}
	return 0;
}

size_t cli_html_replaced(void)
{
	return replaced;
}
