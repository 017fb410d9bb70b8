/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The terminal-text writer (term.h): labels escaped for tables and messages. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"

size_t cli_utf8_char(const char *str, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0];
	uint32_t v;
	size_t n, i;

	if (c < 0x80) {
		v = c;
		n = 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		v = c & 0x1F;
		n = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		v = c & 0x0F;
		n = 3;
	} else if (c >= 0xF0 && c <= 0xF4) {
		v = c & 0x07;
		n = 4;
	} else {
		return 0; /* continuation byte, C0/C1 overlong lead, or beyond U+10FFFF */
	}
	/* The NUL terminator is not a continuation byte, so this stops there. */
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3F);
	}
	/* Overlong 3- and 4-byte forms, UTF-16 surrogates, beyond U+10FFFF
	 * (RFC 3629, section 4). */
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
	    (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	if (cp)
		*cp = v;
	return n;
}

/* Whether code point c must be shown escaped: controls and format characters
 * that are invisible or reorder the text around them (Unicode category Cc,
 * the bidirectional controls and the other Cf characters). */
static int hidden(uint32_t c)
{
	return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0xAD || c == 0x61C || c == 0x180E ||
	       (c >= 0x200B && c <= 0x200F) || (c >= 0x2028 && c <= 0x202E) ||
	       (c >= 0x2060 && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB) ||
	       (c >= 0xE0000 && c <= 0xE007F);
}

/*
 * The safe form of the character at s: stores it in piece (at least 11
 * bytes, NUL-terminated) and returns how many bytes of s it stands for
 * (0 at the end of s). *cols receives its width.
 */
static size_t safe_piece(const char *s, char *piece, size_t *cols)
{
	uint32_t c;
	size_t n;

	if (!*s)
		return 0;
	n = cli_utf8_char(s, &c);
	if (n == 0) {
		snprintf(piece, 11, "\\x%02x", (unsigned)(unsigned char)*s);
		n = 1;
	} else if (c < 0x80 && hidden(c)) {
		snprintf(piece, 11, "\\x%02x", (unsigned)c);
	} else if (hidden(c)) {
		snprintf(piece, 11, c > 0xFFFF ? "\\U%08lx" : "\\u%04lx", (unsigned long)c);
	} else {
		memcpy(piece, s, n);
		piece[n] = '\0';
		*cols = 1;
		return n;
	}
	*cols = strlen(piece);
	return n;
}

void cli_term_puts(FILE *out, const char *s)
{
	char piece[11];
	size_t n, cols;

	if (!s)
		return;
	while ((n = safe_piece(s, piece, &cols)) > 0) {
		fputs(piece, out);
		s += n;
	}
}

size_t cli_term_width(const char *s)
{
	char piece[11];
	size_t n, cols, w = 0;

	if (!s)
		return 0;
	while ((n = safe_piece(s, piece, &cols)) > 0) {
		w += cols;
		s += n;
	}
	return w;
}

static void spaces(FILE *out, size_t n)
{
	while (n--)
		putc(' ', out);
}

void cli_term_pad(FILE *out, const char *s, size_t width)
{
	size_t w = cli_term_width(s);

	cli_term_puts(out, s);
	if (w < width)
		spaces(out, width - w);
}

void cli_term_padr(FILE *out, const char *s, size_t width)
{
	size_t w = cli_term_width(s);

	if (w < width)
		spaces(out, width - w);
	cli_term_puts(out, s);
}

/* As cli_term_fit; ellipsis says whether a cut text ends in "...". */
static size_t fit(char *buf, size_t size, const char *s, size_t max_cols, int ellipsis)
{
	char piece[11];
	size_t n, cols, used = 0, w = 0, total;
	size_t limit = max_cols ? max_cols : (size_t)-1;

	buf[0] = '\0';
	if (!s || size < 4)
		return 0;
	total = cli_term_width(s);
	if (ellipsis && total > limit)
		limit = limit > 3 ? limit - 3 : 0; /* room for "..." */
	while ((n = safe_piece(s, piece, &cols)) > 0) {
		size_t len = strlen(piece);
		if (w + cols > limit || used + len + (ellipsis ? 3 : 0) >= size)
			break;
		memcpy(buf + used, piece, len);
		used += len;
		w += cols;
		s += n;
	}
	if (*s && ellipsis) {
		memcpy(buf + used, "...", 3);
		used += 3;
		w += 3;
	}
	buf[used] = '\0';
	return w;
}

size_t cli_term_fit(char *buf, size_t size, const char *s, size_t max_cols)
{
	return fit(buf, size, s, max_cols, 1);
}

/* Writes s safely under a %s conversion with the given flags. */
static void put_string(FILE *out, const char *s, int left, int width, int precision)
{
	char *cut = NULL;
	size_t w;

	if (!s)
		s = "(null)";
	if (precision >= 0) {
		size_t size = strlen(s) * 10 + 4;
		cut = malloc(size);
		if (cut) {
			fit(cut, size, s, precision ? (size_t)precision : 0, 0);
			if (precision == 0)
				cut[0] = '\0';
			s = cut;
		}
	}
	w = cli_term_width(s);
	if (!left && width > 0 && w < (size_t)width)
		spaces(out, (size_t)width - w);
	cli_term_puts(out, s);
	if (left && width > 0 && w < (size_t)width)
		spaces(out, (size_t)width - w);
	free(cut);
}

int cli_term_printf(FILE *out, const char *fmt, ...)
{
	va_list ap;
	const char *p = fmt;

	va_start(ap, fmt);
	while (*p) {
		const char *start = p;
		char spec[64];
		int width = -1, precision = -1, left = 0, star_w = 0, star_p = 0;
		char len[3] = "";
		size_t n;

		if (*p != '%') {
			const char *next = strchr(p, '%');
			n = next ? (size_t)(next - p) : strlen(p);
			fwrite(p, 1, n, out);
			p += n;
			continue;
		}
		p++;
		if (*p == '%') {
			putc('%', out);
			p++;
			continue;
		}
		while (*p && strchr("-+ #0'", *p)) {
			if (*p == '-')
				left = 1;
			p++;
		}
		if (*p == '*') {
			star_w = 1;
			width = va_arg(ap, int);
			if (width < 0) {
				left = 1;
				width = -width;
			}
			p++;
		} else {
			for (width = 0; *p >= '0' && *p <= '9'; p++)
				width = width * 10 + (*p - '0');
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				star_p = 1;
				precision = va_arg(ap, int);
				p++;
			} else {
				for (precision = 0; *p >= '0' && *p <= '9'; p++)
					precision = precision * 10 + (*p - '0');
			}
		}
		while (*p && strchr("hlLqjzt", *p) && strlen(len) < 2)
			len[strlen(len)] = *p++;
		if (!*p)
			break;
		n = (size_t)(p + 1 - start);
		if (n >= sizeof spec) {
			va_end(ap);
			return -1;
		}
		memcpy(spec, start, n);
		spec[n] = '\0';
		switch (*p) {
		case 's':
			put_string(out, va_arg(ap, const char *), left, width, precision);
			break;
		case 'c': {
			char one[2] = { (char)va_arg(ap, int), '\0' };
			put_string(out, one, left, width, -1);
			break;
		}
#define PASS(type)                                                                             \
	do {                                                                                   \
		type v_ = va_arg(ap, type);                                                    \
		if (star_w && star_p)                                                          \
			fprintf(out, spec, width, precision, v_);                              \
		else if (star_w)                                                               \
			fprintf(out, spec, width, v_);                                         \
		else if (star_p)                                                               \
			fprintf(out, spec, precision, v_);                                     \
		else                                                                           \
			fprintf(out, spec, v_);                                                \
	} while (0)
		case 'd':
		case 'i':
			if (!strcmp(len, "l"))
				PASS(long);
			else if (!strcmp(len, "ll"))
				PASS(long long);
			else if (!strcmp(len, "z"))
				PASS(ptrdiff_t); /* ssize_t-sized: the signed type of size_t's width */
			else if (!strcmp(len, "j"))
				PASS(intmax_t);
			else if (!strcmp(len, "t"))
				PASS(ptrdiff_t);
			else
				PASS(int);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			if (!strcmp(len, "l"))
				PASS(unsigned long);
			else if (!strcmp(len, "ll"))
				PASS(unsigned long long);
			else if (!strcmp(len, "z"))
				PASS(size_t);
			else if (!strcmp(len, "j"))
				PASS(uintmax_t);
			else if (!strcmp(len, "t"))
				PASS(ptrdiff_t);
			else
				PASS(unsigned);
			break;
		case 'f':
		case 'F':
		case 'e':
		case 'E':
		case 'g':
		case 'G':
		case 'a':
		case 'A':
			if (!strcmp(len, "L"))
				PASS(long double);
			else
				PASS(double);
			break;
		case 'p':
			PASS(void *);
			break;
#undef PASS
		default:
			/* %n and unknown conversions are refused. */
			va_end(ap);
			return -1;
		}
		p++;
	}
	va_end(ap);
	return ferror(out) ? -1 : 0;
}
