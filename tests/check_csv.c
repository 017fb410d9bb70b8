/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Tests of the engine's foundation: strict numbers and dates, string
 * interning, SHA-256 and the streaming CSV reader. The reader is run at
 * every chunk size from 1 byte to past the input, and must deliver the same
 * records and the same error positions each time.
 */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- strict numbers ---- */

START_TEST(test_double_rejects)
{
	static const char *const bad[] = { "",	 "1,5",	 " 3",	"3 ",	"3x",	"nan", "NaN",
					   "inf", "-inf", "Infinity", "0x10", "1e999", "-1e999",
					   "+",	 "-",	 ".",	"e5",	"1e",	"1e+", "1.2.3",
					   "--1", "1_000", "\t1", "1\n" };
	size_t i;
	double v = 42;

	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		ck_assert_msg(ps_parse_double(bad[i], strlen(bad[i]), &v) == -1,
			      "\"%s\" was accepted", bad[i]);
		ck_assert(v == 42); /* untouched on failure */
	}
	ck_assert_int_eq(ps_parse_double(NULL, 0, &v), -1);
	/* a NUL inside the counted length is junk, not an end */
	ck_assert_int_eq(ps_parse_double("1\0" "2", 3, &v), -1);
}
END_TEST

START_TEST(test_double_accepts)
{
	static const struct {
		const char *s;
		double v;
	} good[] = { { "-2.5", -2.5 }, { "1e-3", 0.001 }, { ".5", 0.5 },   { "5.", 5.0 },
		     { "+7", 7.0 },    { "0", 0.0 },	  { "-0", -0.0 },   { "1E2", 100.0 },
		     { "12.25e+1", 122.5 }, { "1e-320", 1e-320 } /* subnormal: representable */ };
	size_t i;
	double v;

	for (i = 0; i < sizeof good / sizeof *good; i++) {
		ck_assert_msg(ps_parse_double(good[i].s, strlen(good[i].s), &v) == 0,
			      "\"%s\" was rejected", good[i].s);
		ck_assert_msg(v == good[i].v, "\"%s\" gave %.17g", good[i].s, v);
	}
	/* only len bytes are read */
	ck_assert_int_eq(ps_parse_double("3.5junk", 3, &v), 0);
	ck_assert(v == 3.5);
	/* 0.1 must be the correctly rounded double, as the compiler's literal */
	ck_assert_int_eq(ps_parse_double("0.1", 3, &v), 0);
	ck_assert(v == 0.1);
}
END_TEST

/* Short decimals take a fast path (integer / power of ten); strtod, the C
 * library's correctly rounded conversion, is the reference for it: every
 * value must agree to the bit, sign of zero included. */
START_TEST(test_double_fast_path_matches_strtod)
{
	char text[40];
	uint64_t x = 88172645463325252ULL;
	int n;

	for (n = 0; n < 200000; n++) {
		size_t len = 0, ndig, j, dot;
		double v, ref;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift64 */
		ndig = 1 + x % 17;			  /* up to 17: both paths */
		dot = (x >> 8) % (ndig + 2);		  /* ndig + 1: no point */
		if ((x >> 16) % 3 == 0)
			text[len++] = (x >> 20) % 2 ? '-' : '+';
		for (j = 0; j < ndig; j++) {
			if (j == dot)
				text[len++] = '.';
			text[len++] = (char)('0' + (x >> (24 + 2 * j % 40)) % 10);
		}
		if (dot == ndig)
			text[len++] = '.';
		text[len] = '\0';
		ck_assert_msg(ps_parse_double(text, len, &v) == 0, "\"%s\" was rejected", text);
		ref = strtod(text, NULL);
		ck_assert_msg(memcmp(&v, &ref, sizeof v) == 0, "\"%s\" gave %.17g, strtod %.17g",
			      text, v, ref);
	}
}
END_TEST

START_TEST(test_long)
{
	long v = 0;

	ck_assert_int_eq(ps_parse_long("42", 2, 0, 100, &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(ps_parse_long("-90", 3, -100, 100, &v), 0);
	ck_assert_int_eq(v, -90);
	ck_assert_int_eq(ps_parse_long("+5", 2, -100, 100, &v), 0);
	ck_assert_int_eq(v, 5);
	ck_assert_int_eq(ps_parse_long("101", 3, 0, 100, &v), -1);
	ck_assert_int_eq(ps_parse_long("1.0", 3, 0, 100, &v), -1);
	ck_assert_int_eq(ps_parse_long("", 0, 0, 100, &v), -1);
	ck_assert_int_eq(ps_parse_long("-", 1, -100, 100, &v), -1);
	ck_assert_int_eq(ps_parse_long(" 1", 2, 0, 100, &v), -1);
	ck_assert_int_eq(ps_parse_long("1 ", 2, 0, 100, &v), -1);
	ck_assert_int_eq(ps_parse_long("0x1", 3, 0, 100, &v), -1);
	ck_assert_int_eq(ps_parse_long("9223372036854775807", 19, LONG_MIN, LONG_MAX, &v), 0);
	ck_assert(v == LONG_MAX);
	ck_assert_int_eq(ps_parse_long("-9223372036854775808", 20, LONG_MIN, LONG_MAX, &v), 0);
	ck_assert(v == LONG_MIN);
	ck_assert_int_eq(ps_parse_long("9223372036854775808", 19, LONG_MIN, LONG_MAX, &v), -1);
	ck_assert_int_eq(ps_parse_long("-9223372036854775809", 20, LONG_MIN, LONG_MAX, &v), -1);
	ck_assert_int_eq(ps_parse_long("99999999999999999999999", 23, LONG_MIN, LONG_MAX, &v), -1);
}
END_TEST

START_TEST(test_dates)
{
	long d = 0;

	ck_assert_int_eq(ps_parse_date("1970-01-01", 10, &d), 0);
	ck_assert_int_eq(d, 0);
	/* 1970..1999 are 30 years with 7 leap days (72..96): 30*365+7 = 10957;
	 * then January (31) and February 2000 (29, a leap year) = 11017. */
	ck_assert_int_eq(ps_parse_date("2000-03-01", 10, &d), 0);
	ck_assert_int_eq(d, 11017);
	ck_assert_int_eq(ps_parse_date("1969-12-31", 10, &d), 0);
	ck_assert_int_eq(d, -1);
	ck_assert_int_eq(ps_parse_date("2024-02-29", 10, &d), 0);
	/* 2024-01-01 is 19723 days after the epoch (54 years, 13 leap days) */
	ck_assert_int_eq(d, 19723 + 31 + 28);
	ck_assert_int_eq(ps_parse_date("2023-02-29", 10, &d), -1);
	ck_assert_int_eq(ps_parse_date("1900-02-29", 10, &d), -1); /* not leap */
	ck_assert_int_eq(ps_parse_date("2000-02-29", 10, &d), 0);  /* leap */
	ck_assert_int_eq(ps_parse_date("2023-04-31", 10, &d), -1);
	ck_assert_int_eq(ps_parse_date("2023-13-01", 10, &d), -1);
	ck_assert_int_eq(ps_parse_date("2023-00-10", 10, &d), -1);
	ck_assert_int_eq(ps_parse_date("2023-01-00", 10, &d), -1);
	ck_assert_int_eq(ps_parse_date("0000-01-01", 10, &d), -1);
	ck_assert_int_eq(ps_parse_date("2023-1-01", 9, &d), -1);
	ck_assert_int_eq(ps_parse_date("2023/01/01", 10, &d), -1);
	ck_assert_int_eq(ps_parse_date("+023-01-01", 10, &d), -1);
	ck_assert_int_eq(ps_parse_date("2023-+1-01", 10, &d), -1);
	ck_assert_int_eq(ps_parse_date("2023-01--1", 10, &d), -1);
	ck_assert_int_eq(ps_parse_date("01/02/2023", 10, &d), -1);
	ck_assert_int_eq(ps_parse_date("2023-01-01T00:00", 16, &d), -1);
	ck_assert_int_eq(ps_parse_date("", 0, &d), -1);
}
END_TEST

/* ---- string pool ---- */

START_TEST(test_strpool)
{
	ps_strpool *p = ps_strpool_new();
	char buf[32];
	long i;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(ps_strpool_intern(p, "PRP", 3), 0);
	ck_assert_int_eq(ps_strpool_intern(p, "HA", 2), 1);
	ck_assert_int_eq(ps_strpool_intern(p, "PRP", 3), 0);
	ck_assert_int_eq(ps_strpool_intern(p, "", 0), 2);
	ck_assert_int_eq(ps_strpool_intern(p, "PRPX", 3), 0); /* only len bytes */
	ck_assert_int_eq(ps_strpool_find(p, "HA", 2), 1);
	ck_assert_int_eq(ps_strpool_find(p, "ha", 2), -1);
	ck_assert_str_eq(ps_strpool_get(p, 1), "HA");
	ck_assert_ptr_null(ps_strpool_get(p, 3));
	ck_assert_ptr_null(ps_strpool_get(p, -1));
	/* growth keeps ids dense and stable */
	for (i = 0; i < 10000; i++) {
		int n = snprintf(buf, sizeof buf, "patient-%ld", i);
		ck_assert_int_eq(ps_strpool_intern(p, buf, (size_t)n), i + 3);
	}
	for (i = 0; i < 10000; i++) {
		int n = snprintf(buf, sizeof buf, "patient-%ld", i);
		ck_assert_int_eq(ps_strpool_find(p, buf, (size_t)n), i + 3);
	}
	ck_assert_uint_eq(ps_strpool_count(p), 10003);
	ck_assert_str_eq(ps_strpool_get(p, 0), "PRP");
	ps_strpool_free(p);
	ps_strpool_free(NULL);
}
END_TEST

/* ---- SHA-256: FIPS 180-4 example vectors ---- */

static void sha_pieces(const char *data, size_t len, size_t piece, char out[65])
{
	ps_sha256 s;
	size_t i;

	ps_sha256_init(&s);
	for (i = 0; i < len; i += piece)
		ps_sha256_update(&s, data + i, len - i < piece ? len - i : piece);
	ps_sha256_hex(&s, out);
}

static void sha_vectors(void)
{
	static const struct {
		const char *in, *hex;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
		  "klmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	char hex[65];
	size_t i, piece;
	char *million;

	for (i = 0; i < sizeof v / sizeof *v; i++)
		for (piece = 1; piece <= strlen(v[i].in) + 1; piece++) {
			sha_pieces(v[i].in, strlen(v[i].in), piece, hex);
			ck_assert_str_eq(hex, v[i].hex);
		}
	/* one million 'a' (FIPS 180-2 appendix B.3) */
	million = malloc(1000000);
	ck_assert_ptr_nonnull(million);
	memset(million, 'a', 1000000);
	sha_pieces(million, 1000000, 4093, hex);
	ck_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
}

/* With whichever compression function the processor selects (SHA-NI on
 * x86 processors that have it). */
START_TEST(test_sha256)
{
	ps_sha256_portable(0);
	sha_vectors();
}
END_TEST

/* The portable C compression function, whatever the processor. */
START_TEST(test_sha256_portable)
{
	ps_sha256_portable(1);
	sha_vectors();
	ps_sha256_portable(0);
}
END_TEST

/* Both paths agree on every length from 0 to 600 bytes of varied data fed
 * in varied pieces (block boundaries, multi-block updates). */
START_TEST(test_sha256_paths_agree)
{
	unsigned char data[600];
	char a[65], b[65];
	size_t len, i;
	uint32_t x = 12345;

	for (i = 0; i < sizeof data; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (unsigned char)(x >> 16);
	}
	for (len = 0; len <= sizeof data; len++) {
		ps_sha256_portable(1);
		sha_pieces((const char *)data, len, 200, a);
		ps_sha256_portable(0);
		sha_pieces((const char *)data, len, len % 130 + 1, b);
		ck_assert_str_eq(a, b);
	}
}
END_TEST

/* ---- CSV reader ---- */

/* A FILE holding exactly len bytes (NULs included). */
static FILE *mem_file(const char *data, size_t len)
{
	FILE *f = tmpfile();

	ck_assert_ptr_nonnull(f);
	if (len)
		ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	rewind(f);
	return f;
}

typedef struct dump {
	FILE *out;
	unsigned long stop_at; /* record number whose callback fails, 0 = none */
} dump;

/* Writes each record as "#NUMBER@LINE[FIELDLINE:text|...]\n". */
static int dump_record(const ps_csv_record *rec, void *ctx, promstat_error *err)
{
	dump *d = ctx;
	size_t i;

	fprintf(d->out, "#%lu@%lu[", rec->number, rec->line);
	for (i = 0; i < rec->nfields; i++) {
		fprintf(d->out, "%s%lu:", i ? "|" : "", rec->fields[i].line);
		fwrite(rec->fields[i].text, 1, rec->fields[i].len, d->out);
		ck_assert(rec->fields[i].text[rec->fields[i].len] == '\0');
	}
	fputs("]\n", d->out);
	if (d->stop_at && rec->number == d->stop_at)
		return ps_error(err, PROMSTAT_EINVAL, "cb", rec->line, 1, "stopped by callback");
	return PROMSTAT_OK;
}

/* Reads data at one chunk size; returns the dump (caller frees) and the
 * status and error. */
static char *read_at(const char *data, size_t len, size_t chunk, unsigned long stop_at,
		     int *status, promstat_error *err, char sha[65])
{
	FILE *in = mem_file(data, len);
	char *text = NULL;
	size_t tlen = 0;
	dump d;

	d.out = open_memstream(&text, &tlen);
	d.stop_at = stop_at;
	ck_assert_ptr_nonnull(d.out);
	promstat_error_clear(err);
	if (sha)
		sha[0] = '\0';
	*status = ps_csv_read_hashed(in, "t.csv", chunk, dump_record, &d, sha, err);
	fclose(d.out);
	fclose(in);
	return text;
}

/*
 * Runs data at every chunk size from 1 to len + 2 and checks that each gives
 * the records in expect, the status and (on failure) the line, column and
 * message prefix given.
 */
static void check_every_chunk(const char *data, size_t len, const char *expect, int status,
			      unsigned long line, unsigned long column, const char *msg_prefix)
{
	size_t chunk;

	for (chunk = 1; chunk <= len + 2; chunk++) {
		promstat_error err;
		int st;
		char *got = read_at(data, len, chunk, 0, &st, &err, NULL);
		ck_assert_msg(strcmp(got, expect) == 0, "chunk %zu: records\n%s\nexpected\n%s",
			      chunk, got, expect);
		ck_assert_msg(st == status, "chunk %zu: status %d, expected %d (%s)", chunk, st,
			      status, err.message);
		if (status) {
			ck_assert_str_eq(err.file, "t.csv");
			ck_assert_msg(err.line == line && err.column == column,
				      "chunk %zu: error at %lu:%lu, expected %lu:%lu (%s)", chunk,
				      err.line, err.column, line, column, err.message);
			ck_assert_msg(strncmp(err.message, msg_prefix, strlen(msg_prefix)) == 0,
				      "chunk %zu: message \"%s\"", chunk, err.message);
		}
		free(got);
	}
}

#define S(lit) lit, sizeof lit - 1

START_TEST(test_csv_good)
{
	/* BOM, quoted newline, doubled quotes, embedded comma, blank line,
	 * CRLF, no final newline. Lines: 1 header, 2-3 the multi-line field,
	 * 4, 5 blank, 6 CRLF, 7 last. */
	check_every_chunk(S("\xEF\xBB\xBFh1,h2\n"
			    "\"multi\nline\",2\n"
			    "3,\"say \"\"hi\"\", ok\"\n"
			    "\n"
			    "4,\r\n"
			    "\"\",\"5\""),
			  "#1@1[1:h1|1:h2]\n"
			  "#2@2[2:multi\nline|3:2]\n"
			  "#3@4[4:3|4:say \"hi\", ok]\n"
			  "#4@6[6:4|6:]\n"
			  "#5@7[7:|7:5]\n",
			  PROMSTAT_OK, 0, 0, NULL);
	/* a field spanning three lines, then a field starting on its last line */
	check_every_chunk(S("a,b,c\n1,\"x\n\ny\",\"z\nw\"\n2,3,4\n"),
			  "#1@1[1:a|1:b|1:c]\n"
			  "#2@2[2:1|2:x\n\ny|4:z\nw]\n"
			  "#3@6[6:2|6:3|6:4]\n",
			  PROMSTAT_OK, 0, 0, NULL);
	/* spaces are data, never trimmed */
	check_every_chunk(S("a, b ,c \n"), "#1@1[1:a|1: b |1:c ]\n", PROMSTAT_OK, 0, 0, NULL);
	/* only a BOM, an empty file, blank lines: no records */
	check_every_chunk(S("\xEF\xBB\xBF"), "", PROMSTAT_OK, 0, 0, NULL);
	check_every_chunk(S(""), "", PROMSTAT_OK, 0, 0, NULL);
	check_every_chunk(S("\n\r\n\n"), "", PROMSTAT_OK, 0, 0, NULL);
	/* something that starts like a BOM but is not one is kept */
	check_every_chunk(S("\xEF\xBBx,y\n"), "#1@1[1:\xEF\xBBx|1:y]\n", PROMSTAT_OK, 0, 0, NULL);
	check_every_chunk(S("\xEF"), "#1@1[1:\xEF]\n", PROMSTAT_OK, 0, 0, NULL);
	/* a BOM is only skipped at the start */
	check_every_chunk(S("a\n\xEF\xBB\xBF" "b\n"), "#1@1[1:a]\n#2@2[2:\xEF\xBB\xBF" "b]\n",
			  PROMSTAT_OK, 0, 0, NULL);
	/* blank lines between records keep the line count */
	check_every_chunk(S("\n\na\n\n\nb"), "#1@3[3:a]\n#2@6[6:b]\n", PROMSTAT_OK, 0, 0, NULL);
	/* CRLF inside a quoted field is data */
	check_every_chunk(S("\"a\r\nb\",c\r\nd,e\r\n"), "#1@1[1:a\r\nb|2:c]\n#2@3[3:d|3:e]\n",
			  PROMSTAT_OK, 0, 0, NULL);	/* Where the fast path for plain lines meets libcsv (at large chunk
	 * sizes plain lines skip libcsv, at small ones they cannot): a lone CR
	 * ends a record inside a line, a CR before CRLF is skipped, empty
	 * fields stay empty, and a plain line follows a quoted one. By libcsv's
	 * rules: "x,y" and "z" both on line 1; "p","","" on line 2; "","" on
	 * line 3; "a","b" on line 4 (the CR CR LF ends it); "q" on line 5;
	 * the quoted field spans lines 6-7, then "r","s" on line 8. */
	check_every_chunk(S("x,y\rz\np,,\n,\r\na,b\r\r\nq\n\"m\nn\",o\nr,s\n"),
			  "#1@1[1:x|1:y]\n#2@1[1:z]\n#3@2[2:p|2:|2:]\n#4@3[3:|3:]\n"
			  "#5@4[4:a|4:b]\n#6@5[5:q]\n#7@6[6:m\nn|7:o]\n#8@8[8:r|8:s]\n",
			  PROMSTAT_OK, 0, 0, NULL);
}
END_TEST

START_TEST(test_csv_errors)
{
	/* unterminated quote: points at where the quote opened */
	check_every_chunk(S("a,b\n1,\"abc\n2,3\n"), "#1@1[1:a|1:b]\n", PROMSTAT_EDATA, 2, 2,
			  "unterminated quoted field");
	check_every_chunk(S("a,b\n1,2\n\"x"), "#1@1[1:a|1:b]\n#2@2[2:1|2:2]\n", PROMSTAT_EDATA,
			  3, 1, "unterminated quoted field");
	/* a quote inside an unquoted field */
	check_every_chunk(S("a,b\n1,ab\"c\n"), "#1@1[1:a|1:b]\n", PROMSTAT_EDATA, 2, 2,
			  "misplaced double quote");
	/* text after a closing quote, on the last line of a multi-line field */
	check_every_chunk(S("a,b\n\"x\ny\"z,1\n"), "#1@1[1:a|1:b]\n", PROMSTAT_EDATA, 3, 1,
			  "misplaced double quote");
	check_every_chunk(S("a,b\n1,\"x\" \n"), "#1@1[1:a|1:b]\n", PROMSTAT_EDATA, 2, 2,
			  "misplaced double quote");
	/* a NUL byte */
	check_every_chunk(S("a,b\n1,x\0y\n"), "#1@1[1:a|1:b]\n", PROMSTAT_EDATA, 2, 2,
			  "this field contains a NUL byte");
	check_every_chunk(S("a,b\n1,\"x\n\0\"\n"), "#1@1[1:a|1:b]\n", PROMSTAT_EDATA, 2, 2,
			  "this field contains a NUL byte");
}
END_TEST

START_TEST(test_csv_too_many_fields)
{
	/* a header of PS_CSV_MAX_FIELDS fields passes, one more fails */
	size_t n = PS_CSV_MAX_FIELDS, i, chunk;
	char *data = malloc(2 * (n + 1) + 16);
	size_t len = 0;

	for (i = 0; i < n; i++) {
		data[len++] = 'x';
		data[len++] = i + 1 < n ? ',' : '\n';
	}
	memcpy(data + len, "y\n", 2);
	len += 2;
	for (chunk = 1; chunk <= len + 1; chunk += chunk < 64 ? 1 : 997) {
		promstat_error err;
		int st;
		char *got = read_at(data, len, chunk, 0, &st, &err, NULL);
		ck_assert_int_eq(st, PROMSTAT_OK);
		free(got);
	}
	/* now the first line has one field more */
	len = 0;
	for (i = 0; i <= n; i++) {
		data[len++] = 'x';
		data[len++] = i < n ? ',' : '\n';
	}
	for (chunk = 1; chunk <= len + 1; chunk += chunk < 64 ? 1 : 997) {
		promstat_error err;
		int st;
		char *got = read_at(data, len, chunk, 0, &st, &err, NULL);
		ck_assert_int_eq(st, PROMSTAT_EDATA);
		ck_assert_str_eq(got, "");
		ck_assert_uint_eq(err.line, 1);
		ck_assert_uint_eq(err.column, PS_CSV_MAX_FIELDS + 1);
		ck_assert(strstr(err.message, "more than 4096 fields") != NULL);
		free(got);
	}
	free(data);
}
END_TEST

/* A record "a,b\n" then a field of flen bytes (quoted when q) and ",z\n". */
static char *long_field_file(size_t flen, int q, size_t *len)
{
	char *d = malloc(flen + 16);
	size_t n = 0;

	memcpy(d, "a,b\n", 4);
	n = 4;
	if (q)
		d[n++] = '"';
	memset(d + n, 'x', flen);
	n += flen;
	if (q)
		d[n++] = '"';
	memcpy(d + n, ",z\n", 3);
	n += 3;
	*len = n;
	return d;
}

START_TEST(test_csv_field_limit)
{
	/* Chunk sizes around the limit and around the file size, so the limit
	 * is crossed inside a chunk, at its edge, and with the whole field in
	 * one chunk. */
	const size_t M = PS_CSV_MAX_FIELD;
	const size_t chunks[] = { 1, 61, 4096, 65536, M - 1, M, M + 1, M + 7, M + 9, 2 * M };
	int q;
	size_t i;

	for (q = 0; q < 2; q++) {
		size_t len;
		char *ok = long_field_file(M, q, &len);
		char *bad;
		for (i = 0; i < sizeof chunks / sizeof *chunks; i++) {
			promstat_error err;
			int st;
			char *got = read_at(ok, len, chunks[i], 0, &st, &err, NULL);
			ck_assert_msg(st == PROMSTAT_OK, "q %d chunk %zu: %s", q, chunks[i],
				      err.message);
			free(got);
		}
		free(ok);
		bad = long_field_file(M + 1, q, &len);
		for (i = 0; i < sizeof chunks / sizeof *chunks; i++) {
			promstat_error err;
			int st;
			char *got = read_at(bad, len, chunks[i], 0, &st, &err, NULL);
			ck_assert_msg(st == PROMSTAT_EDATA, "q %d chunk %zu: field over the limit "
							    "accepted",
				      q, chunks[i]);
			ck_assert_str_eq(got, "#1@1[1:a|1:b]\n");
			ck_assert_uint_eq(err.line, 2);
			ck_assert_uint_eq(err.column, 1);
			ck_assert(strstr(err.message, "field longer than") != NULL);
			free(got);
		}
		free(bad);
	}
}
END_TEST

START_TEST(test_csv_record_limit)
{
	/* 16 fields of 1 MiB make 16 MiB, the limit; a 17th field crosses it */
	const size_t M = PS_CSV_MAX_FIELD, nf = PS_CSV_MAX_RECORD / PS_CSV_MAX_FIELD + 1;
	const size_t chunks[] = { 4096, 65536, (size_t)1 << 25 };
	size_t len = 0, i;
	char *d = malloc(nf * (M + 1) + 1);

	for (i = 0; i < nf; i++) {
		memset(d + len, 'x', M);
		len += M;
		d[len++] = i + 1 < nf ? ',' : '\n';
	}
	for (i = 0; i < sizeof chunks / sizeof *chunks; i++) {
		promstat_error err;
		int st;
		char *got = read_at(d, len, chunks[i], 0, &st, &err, NULL);
		ck_assert_int_eq(st, PROMSTAT_EDATA);
		ck_assert_str_eq(got, "");
		ck_assert_uint_eq(err.line, 1);
		ck_assert_uint_eq(err.column, nf);
		ck_assert(strstr(err.message, "row is longer than") != NULL);
		free(got);
	}
	/* one field fewer is within the limit */
	d[(nf - 1) * (M + 1) - 1] = '\n';
	for (i = 0; i < sizeof chunks / sizeof *chunks; i++) {
		promstat_error err;
		int st;
		char *got = read_at(d, (nf - 1) * (M + 1), chunks[i], 0, &st, &err, NULL);
		ck_assert_int_eq(st, PROMSTAT_OK);
		free(got);
	}
	free(d);
}
END_TEST

START_TEST(test_csv_callback_stops)
{
	promstat_error err;
	int st;
	size_t chunk;
	const char data[] = "a\nb\nc\n";

	for (chunk = 1; chunk <= sizeof data; chunk++) {
		char *got = read_at(data, sizeof data - 1, chunk, 2, &st, &err, NULL);
		ck_assert_int_eq(st, PROMSTAT_EINVAL);
		ck_assert_str_eq(got, "#1@1[1:a]\n#2@2[2:b]\n");
		ck_assert_str_eq(err.message, "stopped by callback");
		free(got);
	}
}
END_TEST

START_TEST(test_csv_hash)
{
	/* the digest covers every byte read, BOM included: "abc" is the FIPS
	 * vector; a file "abc" is one record of one field */
	promstat_error err;
	char sha[65];
	int st;
	size_t chunk;

	for (chunk = 1; chunk <= 4; chunk++) {
		char *got = read_at("abc", 3, chunk, 0, &st, &err, sha);
		ck_assert_int_eq(st, PROMSTAT_OK);
		ck_assert_str_eq(got, "#1@1[1:abc]\n");
		ck_assert_str_eq(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
		free(got);
	}
	ck_assert_int_eq(ps_csv_read(NULL, "x", 0, dump_record, NULL, &err), PROMSTAT_EINVAL);
}
END_TEST

START_TEST(test_csv_write_roundtrip)
{
	static const char *const fields[] = { "plain", "a,b", "say \"hi\"", " lead", "trail ",
					      "multi\nline", "cr\rx", "", "ok" };
	const size_t n = sizeof fields / sizeof *fields;
	char *text = NULL, *got;
	size_t tlen = 0, i;
	FILE *out = open_memstream(&text, &tlen);
	promstat_error err;
	int st;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(ps_csv_write_field(out, fields[i], strlen(fields[i]), i == 0), 0);
	fputc('\n', out);
	fclose(out);
	ck_assert_str_eq(text, "plain,\"a,b\",\"say \"\"hi\"\"\",\" lead\",\"trail \","
			       "\"multi\nline\",\"cr\rx\",,ok\n");
	got = read_at(text, tlen, 0, 0, &st, &err, NULL);
	ck_assert_int_eq(st, PROMSTAT_OK);
	ck_assert_str_eq(got, "#1@1[1:plain|1:a,b|1:say \"hi\"|1: lead|1:trail |1:multi\nline|"
			      "2:cr\rx|2:|2:ok]\n");
	free(got);
	free(text);
}
END_TEST

/*
 * Issue 10, item 8: spreadsheet formulas passed through --format csv and
 * --rejects verbatim. A text cell starting with = + - @, a tab or a CR (after
 * any apostrophes) gets a leading apostrophe (OWASP, "CSV Injection"); a
 * number never does; and the guard comes off again by the rule the header
 * gives, so every field reads back exactly.
 */
static const struct {
	const char *in, *out;
} formula_cells[] = {
	{ "=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" },
	{ "=1+1", "'=1+1" },
	{ "+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0" },
	{ "-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0" },
	{ "@SUM(A1)", "'@SUM(A1)" },
	{ "\tTAB", "'\tTAB" },
	{ "\rCR", "\"'\rCR\"" },
	{ "'=already", "''=already" },	/* one more, so that reading takes one off */
	{ "''@x", "'''@x" },
	{ "-", "'-" },
	{ "+", "'+" },
	{ "-inf", "'-inf" },		/* not a number to the readers */
	{ "-1,5", "\"'-1,5\"" },
	{ "-3 ", "\"'-3 \"" },		/* not a strict number: a space */
	/* numbers and other text stay as they are */
	{ "-3", "-3" },
	{ "+2.5", "+2.5" },
	{ "-1e-4", "-1e-4" },
	{ "'t Hooft 2001", "'t Hooft 2001" },
	{ "'", "'" },
	{ "a=b", "a=b" },
	{ " =x", "\" =x\"" },		/* a leading space is quoted, and not run */
	{ "", "" },
};

/* The reading rule of promstat.h: the first apostrophe of a field that
 * starts with apostrophes followed by = + - @ tab CR is taken off. */
static const char *unguard(const char *s)
{
	size_t i = 0;

	while (s[i] == '\'')
		i++;
	if (i > 0 && s[i] && strchr("=+-@\t\r", s[i]))
		return s + 1;
	return s;
}

START_TEST(test_csv_write_neutralises_formulas)
{
	const size_t n = sizeof formula_cells / sizeof *formula_cells;
	char *text = NULL, *got, *want = NULL, *p;
	size_t tlen = 0, wlen = 0, i;
	FILE *out, *w;
	promstat_error err;
	int st;

	for (i = 0; i < n; i++) {
		out = open_memstream(&text, &tlen);
		ck_assert_int_eq(promstat_csv_write_text(out, formula_cells[i].in,
							 strlen(formula_cells[i].in)),
				 0);
		fclose(out);
		ck_assert_msg(!strcmp(text, formula_cells[i].out), "\"%s\" written as %s, not %s",
			      formula_cells[i].in, text, formula_cells[i].out);
		free(text);
	}
	/* NULL is an empty field; the field writer adds its comma. */
	out = open_memstream(&text, &tlen);
	ck_assert_int_eq(promstat_csv_write_text(out, NULL, 5), 0);
	ck_assert_int_eq(ps_csv_write_field(out, "=x", 2, 0), 0);
	fclose(out);
	ck_assert_str_eq(text, ",'=x");
	free(text);

	/* A record of every cell reads back, guard taken off, as the cells. */
	out = open_memstream(&text, &tlen);
	w = open_memstream(&want, &wlen);
	fputs("#1@1[", w);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(ps_csv_write_field(out, formula_cells[i].in,
						    strlen(formula_cells[i].in), i == 0),
				 0);
		fprintf(w, "%s1:%s", i ? "|" : "", formula_cells[i].in);
	}
	fputs("]\n", w);
	fputc('\n', out);
	fclose(out);
	fclose(w);
	got = read_at(text, tlen, 0, 0, &st, &err, NULL);
	ck_assert_int_eq(st, PROMSTAT_OK);
	/* got is "#1@1[L:field|L:field...]": take the guard off each field. */
	{
		char *rebuilt = NULL;
		size_t rlen = 0;
		FILE *r = open_memstream(&rebuilt, &rlen);
		char *field = strchr(got, '[') + 1;

		fputs("#1@1[", r);
		for (i = 0; i < n; i++) {
			char *colon = strchr(field, ':'), *end;
			size_t k = strlen(formula_cells[i].in);
			ck_assert_ptr_nonnull(colon);
			/* each written field is the cell plus at most one apostrophe */
			end = colon + 1 + k + (promstat_csv_text_needs_guard(formula_cells[i].in, k) ? 1 : 0);
			p = strndup(colon + 1, (size_t)(end - colon - 1));
			fprintf(r, "%s1:%s", i ? "|" : "", unguard(p));
			free(p);
			field = end + 1;
		}
		fputs("]\n", r);
		fclose(r);
		ck_assert_str_eq(rebuilt, want);
		free(rebuilt);
	}
	free(got);
	free(text);
	free(want);
}
END_TEST

START_TEST(test_error_format)
{
	promstat_error e;
	char buf[256];

	promstat_error_clear(&e);
	ck_assert_int_eq(ps_error(&e, PROMSTAT_EDATA, "r.csv", 12, 5, "score \"%s\" bad", "11"),
			 PROMSTAT_EDATA);
	ck_assert_str_eq(promstat_error_format(&e, buf, sizeof buf), "r.csv:12:5: score \"11\" bad");
	e.column = 0;
	ck_assert_str_eq(promstat_error_format(&e, buf, sizeof buf), "r.csv:12: score \"11\" bad");
	e.line = 0;
	ck_assert_str_eq(promstat_error_format(&e, buf, sizeof buf), "r.csv: score \"11\" bad");
	ck_assert_int_eq(ps_error(NULL, PROMSTAT_EOPEN, NULL, 0, 0, "x"), PROMSTAT_EOPEN);
}
END_TEST

/*
 * ps_csv_read_prepared: what a record's prepared bytes say must be what the
 * prepare function makes of that record. Small chunks are read in step and
 * every plain line after the header is prepared; with the reading thread
 * (4 KiB chunks and up) a chunk is prepared only while the callbacks lag
 * behind, so records may come either way.
 */
typedef struct prep_summary {
	size_t nfields, bytes;
	unsigned sum;
} prep_summary;

static void summarise(const ps_csv_record *rec, prep_summary *p)
{
	size_t i, j;

	memset(p, 0, sizeof *p);
	p->nfields = rec->nfields;
	for (i = 0; i < rec->nfields; i++) {
		p->bytes += rec->fields[i].len;
		for (j = 0; j < rec->fields[i].len; j++)
			p->sum = p->sum * 31 + (unsigned char)rec->fields[i].text[j];
	}
}

static void prep_fn(const ps_csv_record *rec, void *out, void *ctx)
{
	(void)ctx;
	summarise(rec, out);
}

typedef struct prep_check {
	ps_csv_prepare *prep;
	unsigned long records, prepared, wrong;
} prep_check;

static int prep_record(const ps_csv_record *rec, void *ctx, promstat_error *err)
{
	prep_check *pc = ctx;
	prep_summary mine;

	(void)err;
	pc->records++;
	pc->prep->ready = 1; /* from the first record (the header) on */
	if (rec->prepared) {
		pc->prepared++;
		summarise(rec, &mine);
		pc->wrong += memcmp(&mine, rec->prepared, sizeof mine) != 0;
	}
	return 0;
}

START_TEST(test_csv_prepared)
{
	static const size_t chunks[] = { 64, 4096, 0 };
	char *data = NULL;
	size_t dlen = 0, k;
	unsigned long i;
	FILE *f = open_memstream(&data, &dlen);

	ck_assert_ptr_nonnull(f);
	fputs("id,label,value\n", f);
	for (i = 1; i < 5000; i++) {
		if (i % 97 == 0) /* one for libcsv now and then */
			fprintf(f, "%lu,\"quoted, %lu\",%lu\n", i, i, i * 7);
		else
			fprintf(f, "%lu,plain %lu,%lu\n", i, i % 13, i * 7);
	}
	fclose(f);
	for (k = 0; k < sizeof chunks / sizeof *chunks; k++) {
		ps_csv_prepare prep = { prep_fn, NULL, sizeof(prep_summary), 0 };
		prep_check pc = { &prep, 0, 0, 0 };
		promstat_error err;
		FILE *in = mem_file(data, dlen);

		ck_assert_int_eq(ps_csv_read_prepared(in, "p.csv", chunks[k], prep_record, &pc, NULL,
						      &prep, &err),
				 PROMSTAT_OK);
		fclose(in);
		ck_assert_uint_eq(pc.records, 5000);
		ck_assert_uint_eq(pc.wrong, 0);
		/* read in step: every plain line after the header that ends in
		 * the chunk it started in (about 2 in 3 at 64 bytes) */
		if (chunks[k] == 64)
			ck_assert_uint_gt(pc.prepared, pc.records / 2);
	}
	free(data);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("foundation");
	TCase *t = tcase_create("numbers");

	tcase_add_test(t, test_double_rejects);
	tcase_add_test(t, test_double_accepts);
	tcase_add_test(t, test_double_fast_path_matches_strtod);
	tcase_add_test(t, test_long);
	tcase_add_test(t, test_dates);
	suite_add_tcase(s, t);
	t = tcase_create("strings");
	tcase_add_test(t, test_strpool);
	tcase_add_test(t, test_sha256);
	tcase_add_test(t, test_sha256_portable);
	tcase_add_test(t, test_sha256_paths_agree);
	tcase_add_test(t, test_error_format);
	suite_add_tcase(s, t);
	t = tcase_create("csv");
	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_csv_good);
	tcase_add_test(t, test_csv_errors);
	tcase_add_test(t, test_csv_too_many_fields);
	tcase_add_test(t, test_csv_field_limit);
	tcase_add_test(t, test_csv_record_limit);
	tcase_add_test(t, test_csv_callback_stops);
	tcase_add_test(t, test_csv_hash);
	tcase_add_test(t, test_csv_write_roundtrip);
	tcase_add_test(t, test_csv_write_neutralises_formulas);
	tcase_add_test(t, test_csv_prepared);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
