/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A strict JSON validator for the test suite: every JSON document that a
 * test makes promstat write is passed through it (issue 10, item 7).
 *
 *   json-strict FILE...   checks each file ("-" = standard input); prints
 *                         FILE:LINE:COLUMN: what is wrong, and exits 1 when
 *                         any is not valid, 2 when one cannot be read
 *   json-strict           checks itself on documents known to be valid or
 *                         not (run by make check), "N passed, N failed"
 *
 * Strict means RFC 8259 with nothing a lenient parser forgives: exactly one
 * value (any type) surrounded only by space, tab, LF or CR; no byte order
 * mark; no comments, single quotes, trailing commas, NaN, Infinity, leading
 * zeros, "+1", ".5" or "1."; no raw control character (U+0000..U+001F) in a
 * string; only the escapes \" \\ \/ \b \f \n \r \t \uXXXX, with a \u
 * surrogate only as a high-low pair; the text valid UTF-8 (RFC 3629: no
 * overlong form, no encoded surrogate, nothing beyond U+10FFFF). RFC 8259
 * says object names SHOULD be unique; promstat's documents must have unique
 * names, so a repeated name in one object is an error here.
 * Written for this project; it shares no code with the program it checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 256

typedef struct parser {
	const unsigned char *s;
	size_t n, pos;
	const char *error; /* first error, NULL while none */
	size_t error_pos;
} parser;

/* One object's names, to find a repeated one. */
typedef struct names {
	char **v;
	size_t n, cap;
} names;

static int fail(parser *p, const char *what)
{
	if (!p->error) {
		p->error = what;
		p->error_pos = p->pos;
	}
	return -1;
}

static void skip_ws(parser *p)
{
	while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
				 p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
		p->pos++;
}

static int literal(parser *p, const char *word)
{
	size_t len = strlen(word);

	if (p->n - p->pos < len || memcmp(p->s + p->pos, word, len) != 0)
		return fail(p, "not a JSON value");
	p->pos += len;
	return 0;
}

static int digit(parser *p)
{
	return p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9';
}

/* number = [ minus ] int [ frac ] [ exp ] (RFC 8259, section 6). */
static int number(parser *p)
{
	if (p->s[p->pos] == '-')
		p->pos++;
	if (!digit(p))
		return fail(p, "a number needs a digit here");
	if (p->s[p->pos] == '0') {
		p->pos++;
		if (digit(p))
			return fail(p, "a number has no leading zero");
	} else {
		while (digit(p))
			p->pos++;
	}
	if (p->pos < p->n && p->s[p->pos] == '.') {
		p->pos++;
		if (!digit(p))
			return fail(p, "a fraction needs a digit after '.'");
		while (digit(p))
			p->pos++;
	}
	if (p->pos < p->n && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->n && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (!digit(p))
			return fail(p, "an exponent needs a digit");
		while (digit(p))
			p->pos++;
	}
	return 0;
}

/* Length of the valid UTF-8 sequence at p->pos (RFC 3629, section 4), or 0. */
static size_t utf8_seq(const parser *p)
{
	const unsigned char *s = p->s + p->pos;
	size_t left = p->n - p->pos, len, i;
	unsigned char lo = 0x80, hi = 0xBF;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4;
	else
		return 0;
	if (left < len)
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0; /* overlong */
	else if (s[0] == 0xED)
		hi = 0x9F; /* surrogates */
	else if (s[0] == 0xF0)
		lo = 0x90; /* overlong */
	else if (s[0] == 0xF4)
		hi = 0x8F; /* beyond U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

static int hex4(parser *p, unsigned *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < 4; i++, p->pos++) {
		unsigned char c = p->pos < p->n ? p->s[p->pos] : 0;
		unsigned d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return fail(p, "\\u needs four hex digits");
		*v = *v << 4 | d;
	}
	return 0;
}

/* Appends byte c to a growing buffer (the decoded name, for duplicates). */
static int put(char **buf, size_t *len, size_t *cap, unsigned char c)
{
	if (!buf)
		return 0;
	if (*len + 2 > *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		char *nb = realloc(*buf, nc);
		if (!nb)
			return -1;
		*buf = nb;
		*cap = nc;
	}
	(*buf)[(*len)++] = (char)c;
	(*buf)[*len] = '\0';
	return 0;
}

/* Appends code point v as 8 hex digits: names compare by code point, so
 * "\u0061" and "a" are the same name. */
static int put_cp(char **buf, size_t *len, size_t *cap, unsigned v)
{
	char hex[9];
	int k;

	snprintf(hex, sizeof hex, "%08X", v);
	for (k = 0; k < 8; k++)
		if (put(buf, len, cap, (unsigned char)hex[k]))
			return -1;
	return 0;
}

/* A string at p->pos (its opening quote); its code points go to *out when
 * out is not NULL (caller frees). */
static int string(parser *p, char **out)
{
	size_t len = 0, cap = 0;

	if (out)
		*out = NULL;
	p->pos++; /* the opening quote */
	for (;;) {
		unsigned char c;

		if (p->pos >= p->n)
			return fail(p, "the string is not closed");
		c = p->s[p->pos];
		if (c == '"') {
			p->pos++;
			if (out && !*out && put(out, &len, &cap, 0) == 0)
				len = 0; /* the empty name */
			return 0;
		}
		if (c < 0x20)
			return fail(p, "a raw control character in a string (must be escaped)");
		if (c == '\\') {
			unsigned v, w;
			p->pos++;
			if (p->pos >= p->n)
				return fail(p, "the string ends in a backslash");
			switch (p->s[p->pos]) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r':
			case 't': {
				static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
				v = (unsigned char)to[strchr(from, p->s[p->pos]) - from];
				p->pos++;
				if (put_cp(out, &len, &cap, v))
					return fail(p, "out of memory");
				continue;
			}
			case 'u':
				p->pos++;
				if (hex4(p, &v))
					return -1;
				if (v >= 0xDC00 && v <= 0xDFFF)
					return fail(p, "a low surrogate without a high one");
				if (v >= 0xD800 && v <= 0xDBFF) {
					if (p->n - p->pos < 2 || p->s[p->pos] != '\\' ||
					    p->s[p->pos + 1] != 'u')
						return fail(p, "a high surrogate without a low one");
					p->pos += 2;
					if (hex4(p, &w))
						return -1;
					if (w < 0xDC00 || w > 0xDFFF)
						return fail(p, "a high surrogate without a low one");
					v = 0x10000 + ((v - 0xD800) << 10) + (w - 0xDC00);
				}
				if (put_cp(out, &len, &cap, v))
					return fail(p, "out of memory");
				continue;
			default:
				return fail(p, "an escape JSON does not have");
			}
		}
		{
			size_t k = utf8_seq(p), i;
			if (k == 0)
				return fail(p, "bytes that are not valid UTF-8");
			unsigned v = k == 1 ? p->s[p->pos] : p->s[p->pos] & (0x7F >> k);
			for (i = 1; i < k; i++)
				v = v << 6 | (p->s[p->pos + i] & 0x3F);
			if (put_cp(out, &len, &cap, v))
				return fail(p, "out of memory");
			p->pos += k;
		}
	}
}

static void names_free(names *nm)
{
	size_t i;

	for (i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
}

static int value(parser *p, int depth);

static int object(parser *p, int depth)
{
	names nm = { NULL, 0, 0 };
	int rc = -1;

	p->pos++;
	skip_ws(p);
	if (p->pos < p->n && p->s[p->pos] == '}') {
		p->pos++;
		return 0;
	}
	for (;;) {
		char *name;
		size_t i, at;

		skip_ws(p);
		if (p->pos >= p->n || p->s[p->pos] != '"') {
			fail(p, "an object member needs a name in double quotes");
			goto done;
		}
		at = p->pos;
		if (string(p, &name))
			goto done;
		for (i = 0; name && i < nm.n; i++)
			if (!strcmp(nm.v[i], name)) {
				free(name);
				p->pos = at;
				fail(p, "this name is repeated in the object");
				goto done;
			}
		if (name) {
			if (nm.n == nm.cap) {
				size_t nc = nm.cap ? nm.cap * 2 : 8;
				char **nv = realloc(nm.v, nc * sizeof *nv);
				if (!nv) {
					free(name);
					fail(p, "out of memory");
					goto done;
				}
				nm.v = nv;
				nm.cap = nc;
			}
			nm.v[nm.n++] = name;
		}
		skip_ws(p);
		if (p->pos >= p->n || p->s[p->pos] != ':') {
			fail(p, "a name needs ':' after it");
			goto done;
		}
		p->pos++;
		if (value(p, depth + 1))
			goto done;
		skip_ws(p);
		if (p->pos < p->n && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->n && p->s[p->pos] == '}') {
			p->pos++;
			rc = 0;
			goto done;
		}
		fail(p, "an object needs ',' or '}' here");
		goto done;
	}
done:
	names_free(&nm);
	return rc;
}

static int array(parser *p, int depth)
{
	p->pos++;
	skip_ws(p);
	if (p->pos < p->n && p->s[p->pos] == ']') {
		p->pos++;
		return 0;
	}
	for (;;) {
		if (value(p, depth + 1))
			return -1;
		skip_ws(p);
		if (p->pos < p->n && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->n && p->s[p->pos] == ']') {
			p->pos++;
			return 0;
		}
		return fail(p, "an array needs ',' or ']' here");
	}
}

static int value(parser *p, int depth)
{
	if (depth > MAX_DEPTH)
		return fail(p, "nested too deeply");
	skip_ws(p);
	if (p->pos >= p->n)
		return fail(p, "a value is missing");
	switch (p->s[p->pos]) {
	case '{': return object(p, depth);
	case '[': return array(p, depth);
	case '"': return string(p, NULL);
	case 't': return literal(p, "true");
	case 'f': return literal(p, "false");
	case 'n': return literal(p, "null");
	default:
		if (p->s[p->pos] == '-' || (p->s[p->pos] >= '0' && p->s[p->pos] <= '9'))
			return number(p);
		return fail(p, "not a JSON value");
	}
}

/* Checks s[0..n); on error returns -1 with *what and *at set. */
static int check(const unsigned char *s, size_t n, const char **what, size_t *at)
{
	parser p = { s, n, 0, NULL, 0 };

	if (value(&p, 0) == 0) {
		skip_ws(&p);
		if (p.pos != p.n)
			fail(&p, "text after the JSON value");
	}
	if (p.error) {
		*what = p.error;
		*at = p.error_pos;
		return -1;
	}
	return 0;
}

static void where(const unsigned char *s, size_t at, unsigned long *line, unsigned long *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < at; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static int check_file(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, at;
	const char *what;
	int rc = 0;

	if (!f) {
		perror(path);
		return 2;
	}
	for (;;) {
		size_t got;
		if (len == cap) {
			size_t nc = cap ? cap * 2 : 65536;
			unsigned char *nb = realloc(buf, nc);
			if (!nb) {
				fprintf(stderr, "%s: out of memory\n", path);
				rc = 2;
				goto out;
			}
			buf = nb;
			cap = nc;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		perror(path);
		rc = 2;
	} else if (check(buf, len, &what, &at)) {
		unsigned long line, col;
		where(buf, at, &line, &col);
		printf("%s:%lu:%lu: %s\n", path, line, col, what);
		rc = 1;
	}
out:
	if (f != stdin)
		fclose(f);
	free(buf);
	return rc;
}

/* ---- self-test: the validator must accept and refuse what RFC 8259 says ---- */

static const char *const valid[] = {
	"{}", "[]", "0", "-0", "1.5e-300", "-12.34E+5", "\"\"", "true", "false", "null",
	" \t\r\n{ \"a\" : [1, 2, {\"b\": null}] }\n",
	"{\"promstat\": \"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\u001b\\ufffd\"}",
	"\"\\ud83d\\ude00\"",                /* a surrogate pair */
	"\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"", /* 2-, 3- and 4-byte UTF-8 */
	"\"\xEF\xBF\xBD\"",                 /* U+FFFD itself */
	"{\"a\": 1, \"A\": 2}",             /* names differ by case */
	"{\"a\": {\"a\": 1}}",              /* the same name in two objects */
	"[1e5, 0.25, -0.0, 10]",
};

static const char *const invalid[] = {
	"", " ", "{", "}", "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{a: 1}", "{'a': 1}",
	"['x']", "01", "+1", ".5", "1.", "1e", "1e+", "-", "NaN", "Infinity", "-Infinity",
	"nul", "True", "[1] [2]", "{} x", "/* c */ {}", "{} // c",
	"\"tab\there\"", "\"new\nline\"", "\"\x1b[31m\"", "\"\\x41\"", "\"\\u12\"", "\"\\'\"",
	"\"open", "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83d\\u0041\"",
	"\"\xE9t\xE9\"",                    /* Latin-1 */
	"\"\xC0\xAF\"",                     /* overlong '/' */
	"\"\xE0\x80\xAF\"",                 /* overlong 3-byte */
	"\"\xED\xA0\x80\"",                 /* an encoded surrogate */
	"\"\xF4\x90\x80\x80\"",             /* beyond U+10FFFF */
	"\"\xF5\x80\x80\x80\"", "\"\xFF\"", "\"\x80\"", "\"\xC3\"", /* stray and cut bytes */
	"\xEF\xBB\xBF{}",                   /* a byte order mark */
	"{\"a\": 1, \"a\": 2}",             /* a repeated name */
	"{\"\\u0061\": 1, \"a\": 2}",       /* repeated once decoded */
	"{\"Q\"X\\Y\": 2}",                 /* the unescaped catalogue code of issue 10 */
};

static int self_test(void)
{
	size_t i, passed = 0, failed = 0, at;
	const char *what;
	static char deep[2 * (MAX_DEPTH + 10) + 1];

	for (i = 0; i < sizeof valid / sizeof *valid; i++) {
		if (check((const unsigned char *)valid[i], strlen(valid[i]), &what, &at) == 0) {
			passed++;
		} else {
			printf("FAIL: valid document %zu refused: %s at byte %zu\n", i, what, at);
			failed++;
		}
	}
	for (i = 0; i < sizeof invalid / sizeof *invalid; i++) {
		if (check((const unsigned char *)invalid[i], strlen(invalid[i]), &what, &at)) {
			passed++;
		} else {
			printf("FAIL: invalid document %zu accepted\n", i);
			failed++;
		}
	}
	/* A NUL byte inside a string is a raw control character. */
	if (check((const unsigned char *)"\"a\0b\"", 5, &what, &at) && at == 2) {
		passed++;
	} else {
		printf("FAIL: a raw NUL in a string was not refused at byte 2\n");
		failed++;
	}
	/* Too deep is refused rather than overflowing the stack. */
	memset(deep, '[', MAX_DEPTH + 10);
	memset(deep + MAX_DEPTH + 10, ']', MAX_DEPTH + 10);
	if (check((const unsigned char *)deep, strlen(deep), &what, &at)) {
		passed++;
	} else {
		printf("FAIL: nesting deeper than %d was accepted\n", MAX_DEPTH);
		failed++;
	}
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	int i, rc = 0;

	if (argc < 2)
		return self_test();
	for (i = 1; i < argc; i++) {
		int r = check_file(argv[i]);
		if (r > rc)
			rc = r;
	}
	return rc;
}
