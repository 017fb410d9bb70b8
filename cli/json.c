/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The JSON writer (json.h): escaped keys and strings, valid UTF-8, null for NaN. */
#include <math.h>
#include <stdint.h>

#include "json.h"
#include "term.h" /* cli_utf8_char */

/* Bytes replaced by U+FFFD since the last report. The CLI writes one
 * document at a time on one thread, so a counter here is enough. */
static size_t replaced;

void cli_json_string(FILE *out, const char *s)
{
	if (!s)
		s = ""; /* as before this writer: callers print null themselves */
	putc('"', out);
	while (*s) {
		uint32_t c;
		size_t n = cli_utf8_char(s, &c);

		if (n == 0) {
			/* Not UTF-8 (a Latin-1 export, a cut sequence): one U+FFFD per byte. */
			fputs("\\ufffd", out);
			replaced++;
			s++;
			continue;
		}
		switch (c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			/* RFC 8259 requires escaping only below U+0020; DEL, C1 and the
			 * Unicode line separators are escaped too, so that printing the
			 * document on a terminal or pasting it into JavaScript is safe. */
			if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029)
				fprintf(out, "\\u%04lx", (unsigned long)c);
			else
				fwrite(s, 1, n, out);
		}
		s += n;
	}
	putc('"', out);
}

void cli_json_key(FILE *out, const char *key)
{
	cli_json_string(out, key ? key : "");
	fputs(": ", out);
}

void cli_json_number(FILE *out, double x)
{
	if (!isfinite(x))
		fputs("null", out);
	else
		fprintf(out, "%.17g", x);
}

void cli_json_size(FILE *out, size_t n)
{
	fprintf(out, "%zu", n);
}

void cli_json_bool(FILE *out, int b)
{
	fputs(b ? "true" : "false", out);
}

void cli_json_null(FILE *out)
{
	fputs("null", out);
}

void cli_json_member_number(FILE *out, const char *key, double x, int first)
{
	if (!first)
		fputs(", ", out);
	cli_json_key(out, key);
	cli_json_number(out, x);
}

void cli_json_member_string(FILE *out, const char *key, const char *s, int first)
{
	if (!first)
		fputs(", ", out);
	cli_json_key(out, key);
	cli_json_string(out, s);
}

void cli_json_member_size(FILE *out, const char *key, size_t n, int first)
{
	if (!first)
		fputs(", ", out);
	cli_json_key(out, key);
	cli_json_size(out, n);
}

size_t cli_json_replaced(void)
{
	return replaced;
}

size_t cli_json_report(void)
{
	size_t n = replaced;

	if (n)
		fprintf(stderr,
			"promstat: %zu byte%s that %s not valid UTF-8 %s written as U+FFFD "
			"(the replacement character) in the JSON output\n",
			n, n == 1 ? "" : "s", n == 1 ? "is" : "are", n == 1 ? "was" : "were");
	replaced = 0;
	return n;
}

/* The code point of the character at s as this writer writes it (an
 * invalid byte is U+FFFD), and how many bytes it takes. */
static size_t json_char(const char *s, uint32_t *c)
{
	size_t n = cli_utf8_char(s, c);

	if (n == 0) {
		*c = 0xFFFD;
		n = 1;
	}
	return n;
}

int cli_json_same_string(const char *a, const char *b)
{
	a = a ? a : "";
	b = b ? b : "";
	while (*a && *b) {
		uint32_t ca, cb;
		a += json_char(a, &ca);
		b += json_char(b, &cb);
		if (ca != cb)
			return 0;
	}
	return !*a && !*b;
}

int cli_json_is_utf8(const char *s)
{
	if (!s)
		return 1;
	while (*s) {
		size_t n = cli_utf8_char(s, NULL);
		if (n == 0)
			return 0;
		s += n;
	}
	return 1;
}
